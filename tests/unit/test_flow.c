/* test_flow.c - pagination of pieces: no widows or orphans, headings kept
 * with what follows, blocks moved whole, links and destinations placed,
 * balanced columns continued on the next page. Each paragraph is drawn in
 * its own colour so the test can tell them apart in the display list. */
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

/* A flow on an A4 page with 60 pt margins (70 at the bottom). */
static bp_flow a4(void) {
  bp_flow f = {0};
  f.x0 = 60, f.width = 595.276 - 120, f.top = 60, f.bottom = 841.89 - 70, f.column_gap = 16;
  return f;
}

/* Pages the flow into a new display list of n pages. */
static bp_dlist *render(bp_flow *f) {
  size_t n;
  int pages;
  bp_flow_placed *pl = bp_flow_paginate(f, &n, &pages);
  bp_dlist *dl = bp_dlist_new();
  for (int p = 0; p < pages; p++) bp_dlist_add_page(dl, 595.276, 841.89);
  bp_flow_draw(f, dl, pl, n);
  free(pl);
  return dl;
}

static void paragraphs_split_without_widows_or_orphans(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_flow f = a4();
  bp_piece *pieces[N_PARAS];
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
    pieces[i] = bp_piece_of_text(t);
    bp_text_free(t);
    bp_flow_elem *el = bp_flow_push(&f, BP_FLOW_BLOCK, 0, heading[i] ? 12 : 0, 6, heading[i]);
    bp_flow_place_in(el, pieces[i], 0, 0);
    el->split = pieces[i]->n_lines > 1 ? 0 : -1;
    if (heading[i]) el->level = 1, el->outline = bp_strdup(b.data);
    bp_buf_free(&b);
  }
  bp_dlist *dl = render(&f);
  int pages = (int)dl->n_pages;
  assert_true(pages >= 4);
  /* lines per paragraph per page, from distinct baselines */
  int seen[N_PARAS] = {0};
  for (int p = 0; p < pages; p++) {
    const bp_dl_page *pg = &dl->pages[p];
    int lines[N_PARAS] = {0};
    double last_y[N_PARAS];
    for (int i = 0; i < N_PARAS; i++) last_y[i] = -1;
    int last_para = -1;
    for (size_t k = 0; k < pg->n_items; k++) {
      if (pg->items[k].kind != BP_DL_TEXT) continue;
      const bp_dl_text *x = &pg->items[k].u.text;
      assert_true(x->y_pt > 60 && x->y_pt < 841.89 - 70 + 1); /* inside the text area */
      int i = para_of(x->color);
      if (fabs(x->y_pt - last_y[i]) > 0.5) lines[i]++, last_y[i] = x->y_pt;
      if (i > last_para) last_para = i;
    }
    for (int i = 0; i < N_PARAS; i++) {
      seen[i] += lines[i];
      /* a piece of a split paragraph has at least two lines */
      if (lines[i] == 1 && total[i] > 1)
        fail_msg("page %d: paragraph %d has a single line here", p + 1, i);
    }
    /* a heading is never the last thing on a page */
    if (p + 1 < pages) assert_false(heading[last_para]);
  }
  for (int i = 0; i < N_PARAS; i++) assert_int_equal(seen[i], total[i]); /* no line lost */
  bp_dlist_free(dl);
  for (int i = 0; i < N_PARAS; i++) bp_piece_unref(pieces[i]);
  bp_flow_free(&f);
}

/* A blue box of w x h as a piece. */
static bp_piece *box(double w, double h) {
  bp_piece *p = bp_piece_new(w, h);
  bp_path_seg segs[5] = {{BP_PATH_MOVE, {0, 0}},
                         {BP_PATH_LINE, {w, 0}},
                         {BP_PATH_LINE, {w, h}},
                         {BP_PATH_LINE, {0, h}},
                         {BP_PATH_CLOSE, {0}}};
  bp_dl_path path = {0};
  path.segs = segs;
  path.n_segs = 5;
  path.fill = true;
  path.fill_color = (bp_color){0, 0, 1, 1};
  bp_dl_add_path(&p->dl->pages[0], &path);
  return p;
}

static void blocks_move_whole_and_markers_link_to_notes(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_flow f = {0};
  f.x0 = 30, f.width = 340, f.top = 30, f.bottom = 270;
  bp_style st = {0};
  st.family = "Noto Serif, NanumMyeongjo";
  st.size_pt = 10;
  st.leading_pt = 14;
  bp_spans sp = {0};
  bp_spans_add_text(&sp, "A claim", 7, 0, NULL);
  const char *ids[] = {"x"};
  bp_spans_add_cite(&sp, ids, 1);
  bp_text *t1 = bp_text_new_spans(ts, &ctx, &st, &sp, NULL, 340);
  bp_text *t2 = bp_text_new_plain(ts, &ctx, &st, "The note.", 340);
  bp_piece *claim = bp_piece_of_text(t1), *b = box(340, 200), *note = bp_piece_of_text(t2);
  bp_dl_add_dest(&note->dl->pages[0], "note-1", 0);
  bp_text_free(t1);
  bp_text_free(t2);
  bp_flow_place_in(bp_flow_push(&f, BP_FLOW_BLOCK, 0, 0, 0, false), claim, 0, 0);
  bp_flow_place_in(bp_flow_push(&f, BP_FLOW_BLOCK, 0, 0, 0, false), b, 0, 0);
  bp_flow_place_in(bp_flow_push(&f, BP_FLOW_BLOCK, 0, 0, 0, false), b, 0, 0); /* cannot share */
  bp_flow_place_in(bp_flow_push(&f, BP_FLOW_BLOCK, 0, 0, 0, false), note, 0, 0);
  size_t n;
  int pages;
  bp_flow_placed *pl = bp_flow_paginate(&f, &n, &pages);
  bp_dlist *dl = bp_dlist_new();
  for (int p = 0; p < pages; p++) bp_dlist_add_page(dl, 400, 300);
  bp_flow_draw(&f, dl, pl, n);
  free(pl);
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
      if (it->kind == BP_DL_PATH) {
        boxes[p]++;
        assert_true(it->u.path.segs[2].pts[1] <= 270 + 0.01); /* the box ends above the foot */
      }
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
  bp_piece_unref(claim);
  bp_piece_unref(b);
  bp_piece_unref(note);
  bp_flow_free(&f);
}

/* `text` in `family`, 10 pt on 14, justified and hyphenated, `w` wide. */
static bp_text *justified(const char *family, const char *text, double w) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_style st = {0};
  st.family = family;
  st.size_pt = 10;
  st.leading_pt = 14;
  st.align = BP_ALIGN_JUSTIFY;
  st.hyphenate = true;
  bp_text *t = bp_text_new_plain(ts, &ctx, &st, text, w);
  assert_non_null(t);
  return t;
}

/* A paragraph split across pages after a hyphenated line: the word's
 * ActualText is read on the page of its head; on the next page the tail's
 * Span stands for nothing more (an empty ActualText), so every word broken
 * by a hyphen is read once. */
static void word_hyphenated_across_pages_is_read_once(void **state) {
  (void)state;
  const char *text = "internationally responsibilities characteristically "
                     "institutionalisation telecommunications misunderstandings "
                     "electroencephalography internationally responsibilities "
                     "characteristically institutionalisation telecommunications";
  bp_text *t = justified("Noto Serif", text, 90);
  int n_lines = bp_text_line_count(t), broken = 0;
  for (int i = 0; i + 1 < n_lines; i++) {
    char *l = bp_text_line_text(t, i);
    broken += l[strlen(l) - 1] == '-';
    free(l);
  }
  bp_piece *para = bp_piece_of_text(t);
  bool split_at_hyphen = false;
  for (int lines = 2; lines + 2 < n_lines && !split_at_hyphen; lines++) {
    bp_flow f = {0};
    f.x0 = 30, f.width = 90, f.top = 30, f.bottom = 30 + 14.0 * lines;
    bp_flow_elem *el = bp_flow_push(&f, BP_FLOW_BLOCK, 0, 0, 0, false);
    bp_flow_place_in(el, para, 0, 0);
    el->split = 0;
    bp_dlist *dl = render(&f);
    int words = 0, empty = 0;
    for (size_t k = 0; k < dl->n_nodes; k++) {
      const char *a = dl->nodes[k].actual_text;
      if (a && strcmp(a, " ")) *a ? words++ : empty++;
    }
    assert_int_equal(words, broken); /* each broken word read once */
    split_at_hyphen = empty > 0;
    bp_dlist_free(dl);
    bp_flow_free(&f);
  }
  assert_true(split_at_hyphen);
  bp_piece_unref(para);
  bp_text_free(t);
}

/* A text piece drawn when first replayed (bp_piece_of_text_lazy, what a
 * single document's fit uses) has the size, lines and preflight of one
 * drawn at once, and draws the same items, page split included; one never
 * replayed frees its text with it (valgrind and ASan check that). */
static void lazy_text_piece_draws_what_an_eager_one_does(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  const char *text = "A paragraph with a <link> and 북한 외교부 words, long enough to take "
                     "several lines of the narrow measure this test gives it, so that "
                     "the page break falls between two of its lines.";
  const char *serif = "Noto Serif, NanumMyeongjo";
  bp_text *t = justified(serif, text, 150);
  bp_piece *eager = bp_piece_of_text(t);
  bp_piece *lazy = bp_piece_of_text_lazy(t); /* takes t */
  assert_int_equal(lazy->dl->pages[0].n_items, 0);
  assert_true(lazy->w == eager->w && lazy->h == eager->h);
  assert_int_equal(lazy->n_lines, eager->n_lines);
  assert_true(eager->n_lines >= 5);
  for (int i = 0; i < eager->n_lines; i++) assert_true(lazy->lines[i] == eager->lines[i]);
  assert_memory_equal(&lazy->pf, &eager->pf, sizeof eager->pf);
  char *got[2] = {NULL, NULL};
  bp_piece *p[2] = {eager, lazy};
  for (int k = 0; k < 2; k++) {
    bp_flow f = a4();
    f.bottom = f.top + 14 * 3; /* three lines on the first page */
    bp_flow_elem *el = bp_flow_push(&f, BP_FLOW_BLOCK, 0, 0, 0, false);
    bp_flow_place_in(el, p[k], 0, 0);
    el->split = 0;
    bp_dlist *dl = render(&f);
    assert_true(dl->n_pages >= 2);
    assert_int_equal(bp_dlist_run(dl, bp_trace_device_new(NULL, &got[k]), &ctx), BP_OK);
    bp_dlist_free(dl);
    bp_flow_free(&f);
  }
  assert_null(lazy->draw); /* drawn once, its text freed */
  assert_string_equal(got[0], got[1]);
  free(got[0]);
  free(got[1]);
  bp_piece_unref(eager);
  bp_piece_unref(lazy);
  bp_piece_unref(bp_piece_of_text_lazy(justified(serif, text, 150)));
}

/* Items in two balanced columns fill the rest of a page and continue on the
 * next, each item whole, every item once, none below the foot. */
static void columns_balance_and_continue(void **state) {
  (void)state;
  bp_flow f = a4();
  bp_piece *tall = box(475, 600), *item = box(229, 30);
  bp_flow_place_in(bp_flow_push(&f, BP_FLOW_BLOCK, 0, 0, 0, false), tall, 0, 0);
  bp_flow_elem *el = bp_flow_push(&f, BP_FLOW_COLUMNS, 0, 4, 0, false);
  el->cols = 2, el->col_w = 229, el->gap = 2;
  el->items = bp_calloc(40, sizeof *el->items);
  for (int i = 0; i < 40; i++) el->items[el->n_items++] = item;
  size_t n;
  int pages;
  bp_flow_placed *pl = bp_flow_paginate(&f, &n, &pages);
  assert_int_equal(pages, 2);
  size_t count = 0;
  for (size_t i = 0; i < n; i++) {
    if (pl[i].elem != 1) continue;
    count += pl[i].count;
    size_t left = pl[i].split - pl[i].first, right = pl[i].count - left;
    assert_true(left >= right && left - right <= 1); /* balanced */
    assert_true(pl[i].y + (double)left * 32 - 2 <= f.bottom + 0.01);
  }
  assert_int_equal(count, 40);
  free(pl);
  bp_piece_unref(tall);
  bp_piece_unref(item);
  bp_flow_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(paragraphs_split_without_widows_or_orphans),
      cmocka_unit_test(blocks_move_whole_and_markers_link_to_notes),
      cmocka_unit_test(columns_balance_and_continue),
      cmocka_unit_test(lazy_text_piece_draws_what_an_eager_one_does),
      cmocka_unit_test(word_hyphenated_across_pages_is_read_once),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
