/* test_flow.c - pagination: no widows or orphans, headings kept with what
 * follows, links and destinations placed, the running footer "N / M". Each
 * paragraph is drawn in its own colour so the test can tell them apart in
 * the display list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout/flow.h"

#include "fonts_fixture.h"

static const char *WORDS[] = {"economic",  "diplomacy", "missions", "abroad",
                              "sanctions", "Pyongyang", "closure",  "embassy",
                              "대사관",    "철수",      "외교"};

#define N_PARAS 60

static int para_of(bp_color c) { return (int)floor(c.r * 255 + 0.5); }

static void paragraphs_split_without_widows_or_orphans(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_page_geometry g = {595.276, 841.89, 60, 60, 70, 60, 841.89 - 36};
  bp_flow *f = bp_flow_new(&g);
  unsigned seed = 7;
  bool heading[N_PARAS] = {0};
  int total[N_PARAS] = {0};
  for (int i = 0; i < N_PARAS; i++) {
    bp_style st = {0};
    st.family = "Noto Serif, NanumMyeongjo";
    st.size_pt = 10.5;
    st.leading_pt = 15;
    st.color = (bp_color){i / 255.0, 0, 0, 1};
    st.align = BP_ALIGN_JUSTIFY;
    heading[i] = i % 7 == 3;
    bp_buf b = {0};
    seed = seed * 1103515245 + 12345;
    int words = heading[i] ? 4 : 10 + (int)(seed >> 16) % 120;
    for (int w = 0; w < words; w++) {
      seed = seed * 1103515245 + 12345;
      bp_buf_printf(&b, "%s%s", w ? " " : "", WORDS[(seed >> 16) % 11]);
    }
    if (heading[i]) st.bold = true, st.size_pt = 13, st.leading_pt = 17;
    bp_text *t = bp_text_new_plain(ts, &ctx, &st, b.data, 475);
    assert_non_null(t);
    total[i] = bp_text_line_count(t);
    bp_flow_add_text(f, t, heading[i] ? 12 : 0, 6, heading[i], heading[i] ? 1 : -1, b.data, NULL);
    bp_buf_free(&b);
  }
  bp_style foot = {0};
  foot.family = "Noto Sans, NanumGothic";
  foot.size_pt = 8;
  foot.color = (bp_color){0.5, 0.5, 0.5, 1};
  bp_dlist *dl = bp_dlist_new();
  assert_int_equal(bp_flow_render(f, ts, &ctx, dl, &foot, "A brief"), BP_OK);
  int pages = (int)dl->n_pages;
  assert_true(pages >= 4);
  assert_int_equal(bp_flow_page_count(f), pages);
  /* lines per paragraph per page, from distinct baselines */
  for (int p = 0; p < pages; p++) {
    const bp_dl_page *pg = &dl->pages[p];
    int lines[N_PARAS] = {0};
    double last_y[N_PARAS];
    for (int i = 0; i < N_PARAS; i++) last_y[i] = -1;
    int last_para = -1;
    bool footer = false;
    for (size_t k = 0; k < pg->n_items; k++) {
      if (pg->items[k].kind == BP_DL_OUTLINE) continue;
      const bp_dl_text *x = &pg->items[k].u.text;
      if (x->color.g > 0.4) { /* the footer */
        char want[32];
        snprintf(want, sizeof want, "%d / %d", p + 1, pages);
        if (!strcmp(x->text, want)) footer = true;
        assert_true(x->y_pt > 841.89 - 70); /* below the text area */
        continue;
      }
      assert_true(x->y_pt < 841.89 - 70 + 1); /* inside the text area */
      int i = para_of(x->color);
      if (fabs(x->y_pt - last_y[i]) > 0.5) lines[i]++, last_y[i] = x->y_pt;
      if (i > last_para) last_para = i;
    }
    assert_true(footer);
    for (int i = 0; i < N_PARAS; i++) {
      if (!lines[i]) continue;
      /* a piece of a split paragraph has at least two lines */
      if (lines[i] == 1 && total[i] > 1) {
        fail_msg("page %d: paragraph %d has a single line here", p + 1, i);
      }
    }
    /* a heading is never the last thing on a page */
    if (p + 1 < pages) assert_false(heading[last_para]);
  }
  bp_dlist_free(dl);
  bp_flow_free(f);
}

static bp_status draw_box(void *ud, bp_ctx *ctx, bp_dlist *dl, bp_dl_page *pg, double x, double y,
                          double w, double h) {
  (void)ctx;
  (void)dl;
  int *calls = ud;
  (*calls)++;
  bp_path_seg segs[5] = {{BP_PATH_MOVE, {x, y}},
                         {BP_PATH_LINE, {x + w, y}},
                         {BP_PATH_LINE, {x + w, y + h}},
                         {BP_PATH_LINE, {x, y + h}},
                         {BP_PATH_CLOSE, {0}}};
  bp_dl_path p = {0};
  p.segs = segs;
  p.n_segs = 5;
  p.fill = true;
  p.fill_color = (bp_color){0, 0, 1, 1};
  bp_dl_add_path(pg, &p);
  return BP_OK;
}

static void blocks_move_whole_and_markers_link_to_notes(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_page_geometry g = {400, 300, 30, 30, 30, 30, 0};
  bp_flow *f = bp_flow_new(&g);
  bp_style st = {0};
  st.family = "Noto Serif, NanumMyeongjo";
  st.size_pt = 10;
  st.leading_pt = 14;
  bp_spans sp = {0};
  bp_spans_add_text(&sp, "A claim", 7, 0, NULL);
  const char *ids[] = {"x"};
  bp_spans_add_cite(&sp, ids, 1);
  bp_flow_add_text(f, bp_text_new_spans(ts, &ctx, &st, &sp, NULL, NULL, 340), 0, 0, false, -1, NULL,
                   NULL);
  int calls = 0;
  bp_flow_add_block(f, 200, 0, 0, false, draw_box, &calls);
  bp_flow_add_block(f, 200, 0, 0, false, draw_box, &calls); /* cannot share a page */
  bp_flow_add_text(f, bp_text_new_plain(ts, &ctx, &st, "The note.", 340), 0, 0, false, -1, NULL,
                   "note-1");
  bp_dlist *dl = bp_dlist_new();
  assert_int_equal(bp_flow_render(f, ts, &ctx, dl, NULL, NULL), BP_OK);
  assert_int_equal(calls, 2);
  assert_int_equal(dl->n_pages, 2); /* text + box | box + note */
  int links = 0, dests = 0, boxes[2] = {0, 0};
  for (size_t p = 0; p < dl->n_pages; p++)
    for (size_t k = 0; k < dl->pages[p].n_items; k++) {
      const bp_dl_item *it = &dl->pages[p].items[k];
      if (it->kind == BP_DL_LINK) {
        assert_string_equal(it->u.link.dest, "note-1");
        assert_int_equal(p, 0);
        links++;
      }
      if (it->kind == BP_DL_PATH) boxes[p]++;
      if (it->kind == BP_DL_DEST && !strcmp(it->u.dest.name, "note-1")) {
        assert_int_equal(p, 1);
        dests++;
      }
    }
  assert_int_equal(links, 1);
  assert_int_equal(dests, 1);
  assert_int_equal(boxes[0], 1);
  assert_int_equal(boxes[1], 1);
  bp_spans_free(&sp);
  bp_dlist_free(dl);
  bp_flow_free(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(paragraphs_split_without_widows_or_orphans),
      cmocka_unit_test(blocks_move_whole_and_markers_link_to_notes),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
