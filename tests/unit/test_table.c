/* test_table.c - tables for the flow: cells wrapped within their columns
 * (nothing outside them), numbers set right by default, a column too
 * narrow for a word is an error naming it, a column given a small weight
 * still keeps its longest word, and a long table paged between
 * rows with its header repeated at the top of every page and never left
 * alone at the foot of one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout/table.h"

#include "fonts_fixture.h"

static bp_style head_style(void) {
  bp_style s = {0};
  s.family = "Noto Sans, NanumGothic";
  s.size_pt = 8;
  s.leading_pt = 10;
  s.bold = true;
  s.color = (bp_color){0.3, 0.3, 0.3, 1};
  return s;
}

static bp_style cell_style(void) {
  bp_style s = {0};
  s.family = "Noto Sans, NanumGothic";
  s.size_pt = 9;
  s.leading_pt = 12;
  s.color = (bp_color){0, 0, 0, 1};
  return s;
}

static const bp_table_column COLS[] = {
    {"Year", BP_TABLE_AUTO, 40, 0},
    {"Estimate (US$ million)", BP_TABLE_AUTO, 0, 1},
    {"What the source says", BP_TABLE_LEFT, 0, 3},
};

/* `n` rows: a year, a number and a sentence of words that wraps. */
static bp_table_cell *rows(size_t n, char ***keep) {
  bp_table_cell *c = calloc(n * 3, sizeof *c);
  *keep = calloc(n * 3, sizeof **keep);
  for (size_t r = 0; r < n; r++) {
    char buf[400];
    snprintf(buf, sizeof buf, "%zu", 2000 + r);
    (*keep)[r * 3] = bp_strdup(buf);
    snprintf(buf, sizeof buf, "%zu.5", 100 * r + 3);
    (*keep)[r * 3 + 1] = bp_strdup(buf);
    snprintf(buf, sizeof buf,
             "row %zu: Chainalysis revised its figure in a later report, and the panel of "
             "experts counted the attacks on exchanges 거래소 separately",
             r);
    (*keep)[r * 3 + 2] = bp_strdup(buf);
    for (int k = 0; k < 3; k++) c[r * 3 + k].text = (*keep)[r * 3 + k];
  }
  return c;
}

static void free_rows(bp_table_cell *c, char **keep, size_t n) {
  for (size_t i = 0; i < n * 3; i++) free(keep[i]);
  free(keep);
  free(c);
}

/* What each test starts from: the styles and `n` rows of cells. */
typedef struct fixture {
  bp_ctx ctx;
  bp_style hs, cs;
  bp_table_style st;
  char **keep;
  bp_table_cell *cells;
  size_t n;
} fixture;

static void fixture_init(fixture *fx, size_t n) {
  bp_ctx_init(&fx->ctx);
  fx->hs = head_style(), fx->cs = cell_style();
  fx->st = (bp_table_style){&fx->hs, &fx->cs, {0.75, 0.8, 0.85, 1}, 5, 3, NULL, NULL};
  fx->cells = rows(n, &fx->keep);
  fx->n = n;
}

/* The column of `n` whose edges hold x (-1: none). */
static int column_at(const double *x, int n, double left, double right) {
  for (int c = 0; c < n; c++)
    if (left >= x[c] - 0.01 && right <= x[c + 1] + 0.01) return c;
  return -1;
}

static void cells_wrap_within_their_columns(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, 3);
  bp_piece *head, *body;
  double *x;
  assert_ok(bp_table_layout(ts, &fx.ctx, COLS, 3, fx.cells, 3, &fx.st, 300, NULL, &x, &head, &body),
            &fx.ctx);
  assert_true(x[3] <= 300.01);
  assert_int_equal(body->n_lines, 3);
  /* every run lies inside one column; the sentence takes several lines */
  int runs[3] = {0}, lines = 0;
  double last_base = -1;
  const bp_dl_page *pg = &body->dl->pages[0];
  for (size_t i = 0; i < pg->n_items; i++) {
    const bp_dl_text *t = &pg->items[i].u.text;
    if (pg->items[i].kind != BP_DL_TEXT || t->y_pt > body->lines[0]) continue;
    int c = column_at(x, 3, t->x_pt, t->x_pt + t->width_pt);
    if (c < 0) {
      fail_msg("run \"%s\" at %.1f+%.1f crosses a column", t->text, t->x_pt, t->width_pt);
      return;
    }
    runs[c]++;
    if (c == 2 && t->y_pt > last_base + 0.01) lines++, last_base = t->y_pt;
  }
  assert_int_equal(runs[0], 1);
  assert_int_equal(runs[1], 1);
  assert_true(lines >= 3);
  assert_true(body->lines[0] >= lines * 12); /* as tall as its tallest cell */
  /* numbers are set right: the estimate ends at its column's text edge */
  for (size_t i = 0; i < pg->n_items; i++) {
    const bp_dl_text *t = &pg->items[i].u.text;
    if (pg->items[i].kind == BP_DL_TEXT && !strcmp(t->text, "3.5"))
      assert_true(t->x_pt + t->width_pt > x[2] - 5 - 0.5);
  }
  /* the header's cells in column order, the second wrapped in its column */
  const bp_dl_page *hp = &head->dl->pages[0];
  bp_buf joined = {0};
  for (size_t i = 0; i < hp->n_items; i++)
    if (hp->items[i].kind == BP_DL_TEXT)
      bp_buf_printf(&joined, "%s%s", joined.len ? "|" : "", hp->items[i].u.text.text);
  assert_string_equal(joined.data, "Year|Estimate|(US$ million)|What the source says");
  bp_buf_free(&joined);
  free(x);
  bp_piece_unref(head);
  bp_piece_unref(body);
  free_rows(fx.cells, fx.keep, 3);
}

static void a_column_too_narrow_for_a_word_is_an_error(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, 2);
  bp_ctx ctx = fx.ctx;
  bp_table_style st = fx.st;
  bp_table_cell *cells = fx.cells;
  bp_table_column cols[3] = {COLS[0], COLS[1], COLS[2]};
  cols[2].width_pt = 40; /* "Chainalysis" is wider */
  bp_piece *head = (bp_piece *)1, *body = (bp_piece *)1;
  size_t bad = 99;
  assert_int_equal(bp_table_layout(ts, &ctx, cols, 3, cells, 2, &st, 300, &bad, NULL, &head, &body),
                   BP_ERR_LAYOUT);
  assert_int_equal(bad, 2);
  assert_null(head);
  assert_null(body);
  ASSERT_MSG(ctx, "\"Chainalysis\" is");
  /* fixed widths wider than the table */
  bp_ctx_clear(&ctx);
  cols[2].width_pt = 400;
  assert_int_equal(bp_table_layout(ts, &ctx, cols, 3, cells, 2, &st, 300, &bad, NULL, &head, &body),
                   BP_ERR_LAYOUT);
  ASSERT_MSG(ctx, "widths add up to 440.0 pt");
  free_rows(fx.cells, fx.keep, 2);
}

/* A short column beside one with far more text (a Markdown table, whose
 * weights are the columns' longest texts) keeps its longest word, the
 * other takes the rest and wraps: 3 : 400 by weight would leave the first
 * about 2 pt. When the longest words cannot stand side by side, the error
 * names them. */
static void a_weighted_column_keeps_its_longest_word(void **state) {
  (void)state;
  fixture fx;
  fixture_init(&fx, 0);
  bp_table_column cols[2] = {{"Rank", BP_TABLE_AUTO, 0, 3}, {"Text", BP_TABLE_LEFT, 0, 400}};
  char *text[3];
  bp_table_cell cells[6];
  for (int r = 0; r < 3; r++) {
    bp_buf b = {0};
    for (int k = 0; k < 80; k++) bp_buf_printf(&b, "%sword%d", k ? " " : "", k);
    text[r] = bp_buf_detach(&b);
    cells[r * 2] = (bp_table_cell){r == 1 ? "1,234" : "7", NULL};
    cells[r * 2 + 1] = (bp_table_cell){text[r], NULL};
  }
  bp_piece *head, *body;
  double *x;
  assert_ok(bp_table_layout(ts, &fx.ctx, cols, 2, cells, 3, &fx.st, 300, NULL, &x, &head, &body),
            &fx.ctx);
  double rank = 0, num = 0;
  assert_ok(bp_label_measure(ts, &fx.ctx, &fx.hs, "Rank", 0, &rank, NULL), &fx.ctx);
  assert_ok(bp_label_measure(ts, &fx.ctx, &fx.cs, "1,234", 0, &num, NULL), &fx.ctx);
  double least = (rank > num ? rank : num) + 5; /* its text and the padding on its right */
  assert_true(x[1] - x[0] >= least);
  assert_true(x[1] - x[0] <= least + 1); /* no more than it needs: the rest wraps the text */
  assert_true(x[2] <= 300.01);
  /* every run within its column, the long texts on several lines */
  const bp_dl_page *pg = &body->dl->pages[0];
  size_t n_runs = 0;
  for (size_t i = 0; i < pg->n_items; i++) {
    if (pg->items[i].kind != BP_DL_TEXT) continue;
    const bp_dl_text *t = &pg->items[i].u.text;
    n_runs++;
    if (column_at(x, 2, t->x_pt, t->x_pt + t->width_pt) < 0)
      fail_msg("run \"%s\" at %.1f+%.1f crosses a column", t->text, t->x_pt, t->width_pt);
  }
  assert_true(n_runs > 3 * 4);
  free(x);
  bp_piece_unref(head);
  bp_piece_unref(body);
  /* two long words that cannot stand side by side in 120 pt */
  cells[0].text = "Internationalisation";
  cells[1].text = "Counterrevolutionaries";
  bp_ctx_clear(&fx.ctx);
  size_t bad = 99;
  assert_int_equal(
      bp_table_layout(ts, &fx.ctx, cols, 2, cells, 3, &fx.st, 120, &bad, NULL, &head, &body),
      BP_ERR_LAYOUT);
  assert_null(head);
  assert_null(body);
  assert_int_equal(bad, 1);
  ASSERT_MSG(fx.ctx, "for their longest words (\"Internationalisation\"");
  ASSERT_MSG(fx.ctx, "\"Counterrevolutionaries\"");
  ASSERT_MSG(fx.ctx, "the table is 120.0 pt wide");
  for (int r = 0; r < 3; r++) free(text[r]);
  free_rows(fx.cells, fx.keep, 0);
}

/* Pages a flow of an optional filler block `fill` pt tall, then the table. */
static bp_dlist *page_table(bp_piece *head, bp_piece *body, double fill, int *pages) {
  bp_flow f = {0};
  f.x0 = 60, f.width = 300, f.top = 60, f.bottom = 760, f.column_gap = 16;
  bp_piece *filler = bp_piece_new(300, fill);
  if (fill > 0) bp_flow_place_in(bp_flow_push(&f, BP_FLOW_BLOCK, 0, 0, 0, false), filler, 0, 0);
  bp_flow_push_table(&f, head, body, 6, 0);
  size_t n;
  bp_flow_placed *pl = bp_flow_paginate(&f, &n, pages);
  bp_dlist *dl = bp_dlist_new();
  for (int p = 0; p < *pages; p++) bp_dlist_add_page(dl, 420, 820);
  bp_flow_draw(&f, dl, pl, n);
  free(pl);
  bp_flow_free(&f);
  bp_piece_unref(filler);
  return dl;
}

/* The fixture's rows laid out and paged from the top of a page: 3 pages
 * or more. */
static bp_dlist *paged(fixture *fx, bp_piece **head, bp_piece **body, int *pages) {
  assert_ok(bp_table_layout(ts, &fx->ctx, COLS, 3, fx->cells, fx->n, &fx->st, 300, NULL, NULL, head,
                            body),
            &fx->ctx);
  bp_dlist *dl = page_table(*head, *body, 0, pages);
  assert_true(*pages >= 3);
  return dl;
}

static void a_long_table_repeats_its_header_on_every_page(void **state) {
  (void)state;
  enum { N = 40 };
  fixture fx;
  fixture_init(&fx, N);
  bp_piece *head, *body;
  int pages;
  bp_dlist *dl = paged(&fx, &head, &body, &pages);
  int seen[N] = {0};
  for (int p = 0; p < pages; p++) {
    const bp_dl_page *pg = &dl->pages[p];
    double header_y = -1, first_row_y = 1e9, last_y = 0;
    for (size_t i = 0; i < pg->n_items; i++) {
      const bp_dl_item *it = &pg->items[i];
      if (it->kind != BP_DL_TEXT) continue;
      const char *s = it->u.text.text;
      int r;
      if (!strcmp(s, "Year")) header_y = it->u.text.y_pt;
      if (sscanf(s, "row %d:", &r) == 1) {
        assert_true(r >= 0 && r < N);
        seen[r]++;
        if (it->u.text.y_pt < first_row_y) first_row_y = it->u.text.y_pt;
      }
      if (it->u.text.y_pt > last_y) last_y = it->u.text.y_pt;
    }
    /* the header on top of every page, above its first row */
    assert_true(header_y > 60 && header_y < 90);
    assert_true(first_row_y > header_y);
    assert_true(last_y < 760);
  }
  for (int r = 0; r < N; r++) assert_int_equal(seen[r], 1); /* every row once, whole */
  bp_dlist_free(dl);
  /* a header that would stand alone at the foot of a page goes over with
   * its first row */
  double fill = 700 - head->h - 6 - 2; /* room for the header, not a row */
  dl = page_table(head, body, fill, &pages);
  for (size_t i = 0; i < dl->pages[0].n_items; i++)
    if (dl->pages[0].items[i].kind == BP_DL_TEXT)
      fail_msg("page 1 holds \"%s\"", dl->pages[0].items[i].u.text.text);
  bp_dlist_free(dl);
  bp_piece_unref(head);
  bp_piece_unref(body);
  free_rows(fx.cells, fx.keep, N);
}

/* The structure a screen reader walks: one Table, its header row once (a
 * THead TR of TH cells heading their columns; the header repeated on later
 * pages is page furniture), one TBody whose rows all have every column's
 * cell, an empty cell too. */
static void a_table_is_tagged_rows_and_cells(void **state) {
  (void)state;
  enum { N = 40 };
  fixture fx;
  fixture_init(&fx, N);
  fx.cells[5 * 3 + 1].text = ""; /* an empty cell */
  bp_piece *head, *body;
  int pages;
  bp_dlist *dl = paged(&fx, &head, &body, &pages);
  int count[BP_ROLE_ARTIFACT + 1] = {0};
  for (size_t n = 0; n < dl->n_nodes; n++) {
    const bp_dl_node *x = &dl->nodes[n];
    count[x->role]++;
    bp_role up = x->parent >= 0 ? dl->nodes[x->parent].role : BP_ROLE_NONE;
    if (x->role == BP_ROLE_TR) {
      assert_true(up == BP_ROLE_THEAD || up == BP_ROLE_TBODY);
      int cells = 0;
      for (size_t k = 0; k < dl->n_nodes; k++)
        if (dl->nodes[k].parent == (int)n) {
          assert_int_equal(dl->nodes[k].role, up == BP_ROLE_THEAD ? BP_ROLE_TH : BP_ROLE_TD);
          if (up == BP_ROLE_THEAD) assert_int_equal(dl->nodes[k].scope, BP_SCOPE_COLUMN);
          cells++;
        }
      assert_int_equal(cells, 3);
    }
    if (x->role == BP_ROLE_THEAD || x->role == BP_ROLE_TBODY) assert_int_equal(up, BP_ROLE_TABLE);
  }
  assert_int_equal(count[BP_ROLE_TABLE], 1);
  assert_int_equal(count[BP_ROLE_THEAD], 1);
  assert_int_equal(count[BP_ROLE_TBODY], 1);
  assert_int_equal(count[BP_ROLE_TH], 3);
  assert_int_equal(count[BP_ROLE_TR], N + 1);
  assert_int_equal(count[BP_ROLE_TD], 3 * N);
  for (int p = 1; p < pages; p++) /* the repeated header: furniture */
    for (size_t i = 0; i < dl->pages[p].n_items; i++) {
      const bp_dl_item *it = &dl->pages[p].items[i];
      if (it->kind == BP_DL_TEXT && !strcmp(it->u.text.text, "Year"))
        assert_int_equal(it->node, BP_DL_ARTIFACT);
    }
  bp_dlist_free(dl);
  bp_piece_unref(head);
  bp_piece_unref(body);
  fx.cells[5 * 3 + 1].text = fx.keep[5 * 3 + 1];
  free_rows(fx.cells, fx.keep, N);
}

static void numbers(void **state) {
  (void)state;
  const char *yes[] = {"3202.9", "1,350", "-5",  "\u22120.5", /* U+2212 MINUS SIGN, then 0.5 */
                       "12%",    "$1.6",  "2021"};
  const char *no[] = {"", "~850", "2017-2021", "1.", "n/a", "12 %", "1,,2"};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
    if (!bp_table_is_number(yes[i])) fail_msg("\"%s\" is a number", yes[i]);
  for (size_t i = 0; i < sizeof no / sizeof *no; i++)
    if (bp_table_is_number(no[i])) fail_msg("\"%s\" is not a number", no[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cells_wrap_within_their_columns),
      cmocka_unit_test(a_column_too_narrow_for_a_word_is_an_error),
      cmocka_unit_test(a_weighted_column_keeps_its_longest_word),
      cmocka_unit_test(a_long_table_repeats_its_header_on_every_page),
      cmocka_unit_test(a_table_is_tagged_rows_and_cells),
      cmocka_unit_test(numbers),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
