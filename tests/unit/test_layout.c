/* test_layout.c - the font set and Pango text layout: keep-all Korean line
 * breaking, hyphenation, the measure, punctuation at line starts, coverage
 * errors, anchors, and the runs written into the display list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layout/layout.h"

#include "fonts_fixture.h"

static bp_style body(void) {
  bp_style s = {0};
  s.family = "Noto Serif, NanumMyeongjo";
  s.size_pt = 10.5;
  s.leading_pt = 15;
  s.color = (bp_color){0, 0, 0, 1};
  s.align = BP_ALIGN_JUSTIFY;
  s.hyphenate = true;
  return s;
}

/* `text` set in `st` at width w (a test failure when it cannot be). */
static bp_text *set_plain(const bp_style *st, const char *text, double w) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_text *t = bp_text_new_plain(ts, &ctx, st, text, w);
  if (!t) fail_msg("%s", ctx.msg);
  return t;
}

static const char *KOREAN =
    "외교부 \"북한, 기니·세네갈 대사관도 폐쇄\"‥7개국 철수 완료. 북한이 해외공관을 철수하는 "
    "이유는? 팬데믹을 전후한 북한경제의 변화와 전망. 김정은·푸틴, 국제정치 문법에 '도전'하다. "
    "안보리 '대북제재 감시기구' 사라진다…러시아가 거부권 행사.";

/* True when byte offset `at` of `s` lies between two Hangul syllables. */
static bool inside_hangul_word(const char *prev_line, const char *next_line) {
  size_t n = strlen(prev_line);
  if (!n || prev_line[n - 1] == ' ' || next_line[0] == ' ') return false;
  /* last code point of prev, first of next */
  size_t i = n;
  while (i > 0 && ((unsigned char)prev_line[i - 1] & 0xC0) == 0x80) i--;
  if (i > 0) i--;
  int len;
  int32_t a = bp_utf8_decode(prev_line + i, n - i, &len);
  int32_t b = bp_utf8_decode(next_line, strlen(next_line), &len);
  return a > 0 && b > 0 && bp_is_hangul((uint32_t)a) && bp_is_hangul((uint32_t)b);
}

static void korean_breaks_only_between_words(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_style st = body();
  for (double w = 90; w <= 300; w += 17) {
    bp_text *t = bp_text_new_plain(ts, &ctx, &st, KOREAN, w);
    assert_non_null(t);
    int n = bp_text_line_count(t);
    assert_true(n > 1);
    for (int i = 0; i + 1 < n; i++) {
      char *a = bp_text_line_text(t, i), *b = bp_text_line_text(t, i + 1);
      if (inside_hangul_word(a, b))
        fail_msg("width %.0f: line %d ends \"%s\" / \"%s\"", w, i, a, b);
      free(a);
      free(b);
    }
    for (int i = 0; i < n; i++) assert_true(bp_text_line_width_pt(t, i) <= w + 0.01);
    bp_text_free(t);
  }
}

static void preflight_finds_broken_words_only_when_there_are(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_style st = body();
  bp_preflight keep = {0}, all = {0};
  for (double w = 60; w <= 240; w += 9) {
    bp_text *t = bp_text_new_plain(ts, &ctx, &st, KOREAN, w);
    bp_text_preflight(t, w, &keep);
    bp_text_free(t);
  }
  assert_true(keep.lines > 100);
  assert_int_equal(keep.hangul_breaks, 0);
  assert_int_equal(keep.closing_starts, 0);
  assert_int_equal(keep.overwide, 0);
  /* the same text set break-all does break inside words: the check sees it */
  st.break_all = true;
  for (double w = 60; w <= 240; w += 9) {
    bp_text *t = bp_text_new_plain(ts, &ctx, &st, KOREAN, w);
    bp_text_preflight(t, w, &all);
    bp_text_free(t);
  }
  assert_true(all.hangul_breaks > 5);
  assert_non_null(strstr(all.first_problem, "Hangul word broken"));
}

static void overlong_hangul_word_may_break(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_style st = body();
  /* one 16-syllable word in a 60 pt measure cannot fit: it breaks inside */
  bp_text *t = bp_text_new_plain(ts, &ctx, &st, "짧은 대한민국국회의원선거관리위원회사무처 끝", 60);
  assert_non_null(t);
  int n = bp_text_line_count(t);
  assert_true(n >= 3);
  for (int i = 0; i < n; i++) assert_true(bp_text_line_width_pt(t, i) <= 60.01);
  /* the short words stay whole; only the overlong one is split */
  char *first = bp_text_line_text(t, 0), *last = bp_text_line_text(t, n - 1);
  assert_int_equal(strncmp(first, "짧은 ", strlen("짧은 ")), 0);
  size_t ln = strlen(last);
  assert_true(ln >= 3 && strcmp(last + ln - 3, "끝") == 0);
  assert_true(ln == 3 || last[ln - 4] == ' ');
  bp_preflight pf = {0};
  bp_text_preflight(t, 60, &pf);
  assert_int_equal(pf.hangul_breaks, 0); /* allowed: the word is wider than the line */
  free(first);
  free(last);
  bp_text_free(t);
}

static bool starts_with_closing(const char *s) {
  static const char *closers[] = {")",
                                  "]",
                                  "}",
                                  ",",
                                  ".",
                                  ":",
                                  ";",
                                  "!",
                                  "?",
                                  "\xE2\x80\x9D",
                                  "\xE2\x80\x99",
                                  "\xE3\x80\x8D",
                                  "\xE3\x80\x8F",
                                  "\xE2\x80\xA6",
                                  "\xE3\x80\x82",
                                  "\xE3\x80\x81"};
  for (size_t i = 0; i < sizeof closers / sizeof *closers; i++)
    if (strncmp(s, closers[i], strlen(closers[i])) == 0) return true;
  return false;
}

static void no_line_starts_with_closing_punctuation(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_style st = body();
  const char *text = "“외교부 ‘북한, 기니·세네갈 대사관도 폐쇄’‥7개국 철수 완료.” (MBC News, "
                     "2023). “[시사진단 한반도] 북한이 해외공관 철수하는 이유는?” Radio Free Asia.";
  for (double w = 40; w <= 260; w += 7) {
    bp_text *t = bp_text_new_plain(ts, &ctx, &st, text, w);
    assert_non_null(t);
    for (int i = 1; i < bp_text_line_count(t); i++) {
      char *line = bp_text_line_text(t, i);
      if (starts_with_closing(line)) fail_msg("width %.0f: line %d starts \"%s\"", w, i, line);
      free(line);
    }
    bp_text_free(t);
  }
}

static const char *ENGLISH =
    "Economic diplomacy has played a critical role for North Korea over the last few decades. "
    "The competition with South Korea to expand diplomatic relations intensified as both sought "
    "to grow as self-sufficient countries.";

/* ENGLISH justified and hyphenated at 140 pt. */
static bp_text *english_at_140(void) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_style st = body();
  bp_text *t = bp_text_new_plain(ts, &ctx, &st, ENGLISH, 140);
  assert_non_null(t);
  return t;
}

static void english_is_hyphenated_within_measure(void **state) {
  (void)state;
  bp_text *t = english_at_140();
  int hyphenated = 0;
  bp_buf joined = {0};
  for (int i = 0; i < bp_text_line_count(t); i++) {
    char *line = bp_text_line_text(t, i);
    size_t n = strlen(line);
    assert_true(bp_text_line_width_pt(t, i) <= 140.01);
    if (n > 1 && line[n - 1] == '-' && line[n - 2] != ' ') {
      hyphenated++;
      line[n - 1] = '\0'; /* undo the break to compare the words */
    }
    bp_buf_puts(&joined, line);
    free(line);
  }
  assert_true(hyphenated >= 1);
  /* "self-sufficient" keeps its own hyphen; the words come back whole */
  assert_non_null(strstr(joined.data, "diplomatic"));
  assert_non_null(strstr(joined.data, "self-sufficient"));
  bp_buf_free(&joined);
  bp_text_free(t);
}

/* The text of the items of node n (and, with `kids`, of its child nodes). */
static void node_text(const bp_dlist *dl, int n, bool kids, bp_buf *out) {
  const bp_dl_page *pg = &dl->pages[0];
  for (size_t i = 0; i < pg->n_items; i++) {
    int m = pg->items[i].node;
    if (pg->items[i].kind == BP_DL_TEXT && (m == n || (kids && m >= 0 && dl->nodes[m].parent == n)))
      bp_buf_put(out, pg->items[i].u.text.text, pg->items[i].u.text.text_len);
  }
}

/* A word hyphenated at a line end is a Span over both halves whose
 * ActualText is the word whole (extraction that honours it reads the word
 * once); the tail is marked apart inside it (a node without a role) and
 * read as a space. Drawn without the head's line, the word's ActualText is
 * empty. */
static void hyphenated_word_has_actual_text(void **state) {
  (void)state;
  bp_text *t = english_at_140();
  int hyphenated = 0, head_line = -1;
  for (int i = 0; i + 1 < bp_text_line_count(t); i++) {
    char *line = bp_text_line_text(t, i);
    size_t n = strlen(line);
    if (n > 1 && line[n - 1] == '-' && line[n - 2] != ' ' && line[n - 2] != '-' &&
        !strstr(line + (n > 5 ? n - 5 : 0), "self-")) {
      hyphenated++;
      if (head_line < 0) head_line = i;
    }
    free(line);
  }
  assert_true(hyphenated >= 1);
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, 500, 200);
  bp_text_draw(t, dl, pg, 10, 10);
  int words = 0;
  for (size_t n = 0; n < dl->n_nodes; n++) {
    const bp_dl_node *w = &dl->nodes[n];
    if (w->role != BP_ROLE_SPAN || !w->actual_text || !strcmp(w->actual_text, " ")) continue;
    words++;
    bp_buf head = {0}, all = {0};
    node_text(dl, (int)n, false, &head);
    node_text(dl, (int)n, true, &all);
    assert_true(head.len > 1 && head.data[head.len - 1] == '-');
    /* the whole word: the head without its hyphen, then the tail */
    assert_true(all.len > head.len);
    bp_buf joined = {0};
    bp_buf_put(&joined, head.data, head.len - 1);
    bp_buf_puts(&joined, all.data + head.len);
    assert_string_equal(joined.data, w->actual_text);
    assert_non_null(strstr(ENGLISH, w->actual_text));
    int tails = 0;
    for (size_t k = 0; k < dl->n_nodes; k++)
      if (dl->nodes[k].parent == (int)n) {
        tails++;
        assert_string_equal(dl->nodes[k].actual_text, " ");
      }
    assert_int_equal(tails, 1);
    bp_buf_free(&head);
    bp_buf_free(&all);
    bp_buf_free(&joined);
  }
  assert_int_equal(words, hyphenated);
  bp_dlist_free(dl);
  /* from the line after the first break: that word is read where its head is */
  dl = bp_dlist_new();
  pg = bp_dlist_add_page(dl, 500, 200);
  bp_text_draw_lines(t, dl, pg, 10, 10, head_line + 1, bp_text_line_count(t) - head_line - 1);
  assert_true(dl->n_nodes >= 2);
  assert_string_equal(dl->nodes[0].actual_text, "");
  assert_string_equal(dl->nodes[1].actual_text, " ");
  bp_dlist_free(dl);
  bp_text_free(t);
}

static void uncovered_and_astral_characters_are_errors(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_style st = body();
  assert_null(bp_text_new_plain(ts, &ctx, &st, "smile \xF0\x9F\x98\x80 here", 200));
  assert_non_null(strstr(ctx.msg, "U+1F600"));
  bp_ctx_init(&ctx);
  assert_null(bp_text_new_plain(ts, &ctx, &st, "Thai \xE0\xB8\x81", 200)); /* U+0E01 */
  assert_non_null(strstr(ctx.msg, "U+0E01"));
  assert_false(bp_fontset_covers(fs, 0x0E01));
  assert_true(bp_fontset_covers(fs, 0xD55C));
  assert_true(bp_fontset_covers(fs, 'A'));
  /* a text is checked once for every size the fit sets it at: one that
   * passed does not pass another that begins with it, and one that failed
   * fails again at another size */
  bp_text *ok = bp_text_new_plain(ts, &ctx, &st, "smile", 200);
  assert_non_null(ok);
  bp_text_free(ok);
  for (int size = 10; size <= 11; size++) {
    st.size_pt = size;
    ok = bp_text_new_plain(ts, &ctx, &st, "smile", 200);
    assert_non_null(ok);
    bp_text_free(ok);
    bp_ctx_init(&ctx);
    assert_null(bp_text_new_plain(ts, &ctx, &st, "smile \xF0\x9F\x98\x80", 200));
    assert_non_null(strstr(ctx.msg, "U+1F600"));
    bp_ctx_init(&ctx);
    assert_null(bp_text_new_plain(ts, &ctx, &st, "Thai \xE0\xB8\x81", 200));
    assert_non_null(strstr(ctx.msg, "U+0E01"));
  }
}

static void runs_take_latin_and_korean_faces(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_style st = body();
  bp_spans sp = {0};
  const char *a = "Closure of missions 대사관 폐쇄 noted";
  bp_spans_add_text(&sp, a, strlen(a), 0, NULL);
  const char *ids[] = {"um2023"};
  bp_spans_add_cite(&sp, ids, 1);
  bp_spans_add_text(&sp, " see ", 5, 0, NULL);
  bp_spans_add_text(&sp, "here", 4, 0, "https://example.org/x");
  bp_text *t = bp_text_new_spans(ts, &ctx, &st, &sp, NULL, 400);
  assert_non_null(t);
  assert_int_equal(bp_text_anchor_count(t), 2);
  assert_int_equal(bp_text_anchor_at(t, 0)->cite_number, 1);
  assert_string_equal(bp_text_anchor_at(t, 1)->uri, "https://example.org/x");
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, 500, 100);
  bp_text_draw(t, dl, pg, 10, 10);
  bool latin = false, korean = false, sup = false;
  for (size_t i = 0; i < pg->n_items; i++) {
    const bp_dl_text *x = &pg->items[i].u.text;
    assert_int_equal(pg->items[i].kind, BP_DL_TEXT);
    const char *file = dl->fonts[x->font].path;
    if (strstr(x->text, "Closure")) latin = strstr(file, "NotoSerif-Regular") != NULL;
    if (strstr(x->text, "대사관")) korean = strstr(file, "NanumMyeongjo") != NULL;
    if (!strcmp(x->text, "1")) sup = x->size_pt < 8 && x->y_pt < 10 + 13;
    /* glyph and cluster positions increase left to right */
    for (size_t k = 1; k < x->n_clusters; k++)
      assert_true(x->clusters[k].x_pt >= x->clusters[k - 1].x_pt);
  }
  assert_true(latin);
  assert_true(korean);
  assert_true(sup);
  bp_dlist_free(dl);
  bp_text_free(t);
  bp_spans_free(&sp);
}

static int number_by_letter(void *ud, const char *id) {
  (void)ud;
  return id[0] - 'a' + 1; /* "b" is note 2 */
}

/* "x [@c] [@d] [@b]." is set "x.2–4" when the notes' style collapses
 * (note 3's back-link lands on the dash) and "x.2,3,4" when it does not. */
static void markers_sorted_and_collapsed(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_style st = body();
  for (int collapse = 0; collapse < 2; collapse++) {
    bp_spans sp = {0};
    bp_spans_add_text(&sp, "x", 1, 0, NULL);
    const char *ids[] = {"c", "d", "b"};
    for (int i = 0; i < 3; i++) {
      bp_spans_add_text(&sp, " ", 1, 0, NULL);
      bp_spans_add_cite(&sp, &ids[i], 1);
    }
    bp_spans_add_text(&sp, ".", 1, 0, NULL);
    bp_cite_marks marks = {number_by_letter, NULL, collapse};
    bp_text *t = bp_text_new_spans(ts, &ctx, &st, &sp, &marks, 400);
    assert_non_null(t);
    bp_dlist *dl = bp_dlist_new();
    bp_dl_page *pg = bp_dlist_add_page(dl, 500, 100);
    bp_ref_marks rm = {0};
    bp_text_draw_linked(t, dl, pg, 10, 10, 0, 1, &rm);
    bp_buf text = {0}, links = {0}, dests = {0};
    for (size_t i = 0; i < pg->n_items; i++) {
      const bp_dl_item *it = &pg->items[i];
      if (it->kind == BP_DL_TEXT) bp_buf_puts(&text, it->u.text.text);
      if (it->kind == BP_DL_LINK) bp_buf_printf(&links, "%s ", it->u.link.dest);
      if (it->kind == BP_DL_DEST) bp_buf_printf(&dests, "%s ", it->u.dest.name);
    }
    assert_string_equal(text.data, collapse ? "x.2\xE2\x80\x93"
                                              "4"
                                            : "x.2,3,4");
    assert_string_equal(links.data, collapse ? "note-2 note-4 " : "note-2 note-3 note-4 ");
    assert_string_equal(dests.data, "ref-2 ref-3 ref-4 ");
    bp_buf_free(&text);
    bp_buf_free(&links);
    bp_buf_free(&dests);
    bp_ref_marks_free(&rm);
    bp_dlist_free(dl);
    bp_text_free(t);
    bp_spans_free(&sp);
  }
}

static void hard_line_break_ends_a_ragged_line(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_style st = body();
  bp_spans sp = {0};
  bp_spans_add_text(&sp, "Short line", 10, 0, NULL);
  bp_span *br = bp_spans_add_text(&sp, "", 0, 0, NULL);
  br->kind = BP_SPAN_BREAK;
  bp_spans_add_text(&sp, "next line 다음 줄", strlen("next line 다음 줄"), 0, NULL);
  bp_text *t = bp_text_new_spans(ts, &ctx, &st, &sp, NULL, 300);
  if (!t) fail_msg("%s", ctx.msg);
  assert_int_equal(bp_text_line_count(t), 2);
  assert_true(bp_text_line_width_pt(t, 0) < 100); /* not stretched to the measure */
  bp_text_free(t);
  bp_spans_free(&sp);
}

/* The spaces of text laid out in `st` at width w, as drawn (justification
 * included), in em: *n of them, line by line (line[k]: the line of space k). */
static double *drawn_spaces(const bp_style *st, const char *text, double w, int **line, size_t *n) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_text *t = bp_text_new_plain(ts, &ctx, st, text, w);
  if (!t) fail_msg("%s", ctx.msg);
  double *gaps = NULL;
  size_t cap = 0, cap_l = 0, n_l = 0;
  *n = 0;
  *line = NULL;
  for (int i = 0; i < bp_text_line_count(t); i++) {
    bp_dlist *dl = bp_dlist_new();
    bp_dl_page *pg = bp_dlist_add_page(dl, 500, 100);
    bp_text_draw_lines(t, dl, pg, 0, 0, i, 1);
    for (size_t k = 0; k < pg->n_items; k++) {
      const bp_dl_text *x = &pg->items[k].u.text;
      for (size_t c = 0; c < x->n_clusters; c++)
        if (x->clusters[c].len == 1 && x->text[x->clusters[c].start] == ' ') {
          double g = x->clusters[c].adv_pt / st->size_pt;
          BP_PUSH(gaps, *n, cap, g);
          BP_PUSH(*line, n_l, cap_l, i);
        }
    }
    bp_dlist_free(dl);
  }
  bp_text_free(t);
  return gaps;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* A Hangul word wider than the measure breaks between syllables where the
 * line before ends, instead of leaving that line's few words stretched
 * across the measure (issue 12: a 429 pt gap, 40 em): the spaces of the
 * line of the word before it stay within twice the median or one em. (At
 * these measures, 8 to 15 em, a line of one or two spaces is loose
 * whatever is done, and glyph expansion brings the other lines, and so the
 * median, nearer the natural space. The line before that one is as loose
 * as its own words make it: at 90 pt "이 보고서는 우리" cannot take
 * "정부의", whatever the overlong word does.) */
static void overlong_hangul_word_does_not_stretch_the_line_before(void **state) {
  (void)state;
  bp_style st = body();
  const char *text = "이 보고서는 우리 정부의 대한민국국회의원선거관리위원회사무처장관실 발표를 "
                     "인용하여 북한의 공관 철수를 다룬다.";
  for (double w = 80; w <= 160; w += 10) {
    int *line = NULL;
    size_t n = 0;
    double *gaps = drawn_spaces(&st, text, w, &line, &n);
    assert_true(n >= 4);
    /* the line where the overlong word starts, and the one before it */
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    bp_text *t = bp_text_new_plain(ts, &ctx, &st, text, w);
    int starts = -1;
    for (int i = 0; i < bp_text_line_count(t) && starts < 0; i++) {
      char *l = bp_text_line_text(t, i);
      if (strstr(l, "정부의")) starts = i; /* the word before the overlong one */
      free(l);
    }
    bp_text_free(t);
    assert_true(starts >= 0);
    double *sorted = bp_calloc(n, sizeof(double));
    memcpy(sorted, gaps, n * sizeof(double));
    qsort(sorted, n, sizeof(double), cmp_double);
    double median = sorted[n / 2];
    for (size_t k = 0; k < n; k++)
      if (line[k] == starts && gaps[k] > 2 * median && gaps[k] > 1)
        fail_msg("width %.0f: a space of %.3f em on line %d, median %.3f em", w, gaps[k], line[k],
                 median);
    free(sorted);
    free(gaps);
    free(line);
  }
}

/* `s` without its spaces. */
static void put_nospace(bp_buf *b, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ') bp_buf_putc(b, s[i]);
}

/* A URL or an e-mail address is never hyphenated: a hyphen drawn inside
 * one would be read, and typed, as part of it. The words around them are.
 * Each drawn hyphen is placed in the text by its offset among the
 * paragraph's non-space characters (the lines, hyphens dropped, must give
 * those back exactly). */
static void urls_are_not_hyphenated(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_style st = body();
  const char *url = "https://www.example.org/reports/consolidation/international/"
                    "characteristically.html";
  const char *mail = "administration@constitutional.example.org";
  char text[512];
  snprintf(text, sizeof text,
           "Internationalisation notwithstanding, read %s or write to %s "
           "characteristically and unconditionally.",
           url, mail);
  bp_buf want = {0};
  put_nospace(&want, text, strlen(text));
  size_t u0 = (size_t)(strstr(want.data, url) - want.data), u1 = u0 + strlen(url);
  size_t m0 = (size_t)(strstr(want.data, mail) - want.data), m1 = m0 + strlen(mail);
  int hyphenated = 0;
  for (double w = 90; w <= 330; w += 4) {
    bp_text *t = bp_text_new_plain(ts, &ctx, &st, text, w);
    if (!t) fail_msg("%s", ctx.msg);
    bp_buf got = {0};
    for (int i = 0; i < bp_text_line_count(t); i++) {
      char *l = bp_text_line_text(t, i);
      size_t n = strlen(l);
      while (n && l[n - 1] == ' ') n--;
      if (n > 1 && l[n - 1] == '-') { /* a drawn hyphen: the text has none there */
        hyphenated++;
        n--;
        put_nospace(&got, l, n);
        size_t at = got.len;
        if ((at > u0 && at < u1) || (at > m0 && at < m1))
          fail_msg("width %.0f: a hyphen inside a URL or address: \"%s\"", w, l);
      } else {
        put_nospace(&got, l, n);
      }
      free(l);
    }
    assert_string_equal(got.data, want.data);
    bp_buf_free(&got);
    bp_text_free(t);
  }
  assert_true(hyphenated > 0); /* the words around them are */
  bp_buf_free(&want);
}

/* A word that contains Hangul is never hyphenated, whatever Latin it holds. */
static void mixed_hangul_latin_word_is_not_hyphenated(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_style st = body();
  const char *text = "Signatures use the 엘립틱(Elliptic)도 curve cryptography, "
                     "international standardisation notwithstanding.";
  int hyphenated = 0;
  for (double w = 60; w <= 260; w += 3) {
    bp_text *t = bp_text_new_plain(ts, &ctx, &st, text, w);
    if (!t) fail_msg("%s", ctx.msg);
    bool whole = w < 100; /* narrower, the word is wider than the measure: it may break */
    for (int i = 0; i < bp_text_line_count(t); i++) {
      char *l = bp_text_line_text(t, i);
      size_t n = strlen(l);
      while (n && l[n - 1] == ' ') l[--n] = '\0';
      if (n && l[n - 1] == '-') {
        hyphenated++;
        const char *last = strrchr(l, ' ') ? strrchr(l, ' ') + 1 : l; /* the broken word */
        if (strstr(last, "Ellip") || strstr(last, "\xEC\x97\x98"))
          fail_msg("width %.0f: \"%s\"", w, l);
      }
      whole |= strstr(l, "엘립틱(Elliptic)도") != NULL;
      free(l);
    }
    if (!whole) fail_msg("width %.0f: 엘립틱(Elliptic)도 was broken", w);
    bp_text_free(t);
  }
  assert_true(hyphenated > 0); /* the English words around it are */
}

static const char *LONG_WORDS =
    "Internationalisation, notwithstanding considerable administrative "
    "counterrevolutionary misunderstandings, characteristically necessitates "
    "extraordinarily comprehensive interdisciplinary responsibilities. "
    "Representatives of telecommunications infrastructure conglomerates "
    "systematically underestimated the incomprehensibility of "
    "institutionalised decentralisation, notwithstanding unconventional "
    "recommendations.";

static const char *ARTICLE =
    "Economic diplomacy has played a critical role for North Korea over the last few "
    "decades. The competition with South Korea to expand diplomatic relations "
    "intensified as both sought to grow as self-sufficient countries in the 1970s. "
    "In the process of establishing diplomatic ties, money became a vital factor for "
    "countries they wanted to befriend, and both Koreas offered economic benefits.";

/* Lines of `text` at width w, checked: at most two hyphenated lines in a row,
 * none wider than the measure; returns whether the last full line ends in a
 * hyphen. */
static bool check_hyphen_runs(const bp_style *st, const char *text, double w) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_text *t = bp_text_new_plain(ts, &ctx, st, text, w);
  if (!t) fail_msg("%s", ctx.msg);
  int n = bp_text_line_count(t), run = 0;
  bool final = false;
  for (int i = 0; i < n; i++) {
    char *l = bp_text_line_text(t, i);
    size_t len = strlen(l);
    bool hy = len && l[len - 1] == '-';
    run = hy ? run + 1 : 0;
    if (run > 2) fail_msg("width %.0f: a third hyphenated line in a row: \"%s\"", w, l);
    final |= hy && i == n - 2;
    assert_true(bp_text_line_width_pt(t, i) <= w + 0.01);
    free(l);
  }
  bp_text_free(t);
  return final;
}

/* Total fit: never three hyphenated lines in a row (even in words too long
 * for the measure), no hyphen on the last full line of ordinary text, and
 * spaces between 60 % and twice their width on a measure of 24 em or more. */
static void total_fit_limits_hyphens_and_spaces(void **state) {
  (void)state;
  bp_style st = body();
  for (double w = 110; w <= 300; w += 7) check_hyphen_runs(&st, LONG_WORDS, w);
  for (double w = 200; w <= 400; w += 5)
    if (check_hyphen_runs(&st, ARTICLE, w))
      fail_msg("width %.0f: the last full line is hyphenated", w);
  for (double w = 250; w <= 400; w += 30) {
    int *line = NULL;
    size_t n = 0;
    double *gaps = drawn_spaces(&st, ARTICLE, w, &line, &n);
    double natural = gaps[n - 1]; /* the last line is set with natural spaces */
    for (size_t k = 0; k < n; k++)
      if (gaps[k] < 0.6 * natural - 1e-6 || gaps[k] > 2 * natural)
        fail_msg("width %.0f: a space of %.3f em on line %d (natural %.3f)", w, gaps[k], line[k],
                 natural);
    free(gaps);
    free(line);
  }
}

/* Looseness -1 where it costs nothing: this paragraph at 376 pt was set in
 * 10 lines with spaces from 0.199 to 0.340 em (natural 0.26) and a last
 * line of five words; it takes 9 when no space of them departs further
 * from the natural width than that (they stay within 0.187-0.272). */
static void a_line_shorter_when_spacing_is_no_worse(void **state) {
  (void)state;
  static const char *text =
      "Moreover, the sanctions severed traditional business abroad for Pyongyang. In 2023, the "
      "Office of Foreign Assets Control of the US designated two North Korean business people "
      "and three companies or institutions for violating UN sanctions. The UN sanctions of 2016 "
      "restricted North Korea’s exportation of statues, yet those companies were involved in "
      "illegal business in the Democratic Republic of Congo. This also means that the US "
      "government and the UN noticed Pyongyang’s actions in Africa, and bringing dollars to the "
      "Kim family became exponentially challenging. Like this, the traditional business model "
      "has been failing due to broad and intense sanctions directly targeting them.";
  bp_style st = body(), left = body();
  left.align = BP_ALIGN_LEFT;
  int *line = NULL;
  size_t n = 0;
  double *gaps = drawn_spaces(&left, text, 376, &line, &n);
  double natural = gaps[0], worst = 0;
  free(gaps);
  free(line);
  gaps = drawn_spaces(&st, text, 376, &line, &n);
  for (size_t k = 0; k < n; k++)
    if (fabs(gaps[k] - natural) > worst) worst = fabs(gaps[k] - natural);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_text *t = bp_text_new_plain(ts, &ctx, &st, text, 376);
  if (!t) fail_msg("%s", ctx.msg);
  if (bp_text_line_count(t) != 9 || worst > 0.340 - natural)
    fail_msg("%d lines, a space %.3f em from the natural %.3f", bp_text_line_count(t), worst,
             natural);
  bp_text_free(t);
  free(gaps);
  free(line);
}

/* Font expansion: the glyphs of a justified line (not a last line) are
 * drawn 1 + e times as wide, |e| at most 2 % in steps of 0.1 %, the same
 * for every run of the line, and the line still fills the measure: its
 * drawn advances add up to it. */
static void justified_lines_expand_their_glyphs(void **state) {
  (void)state;
  bp_style st = body();
  int expanded = 0;
  for (double w = 250; w <= 400; w += 30) {
    bp_text *t = set_plain(&st, ARTICLE, w);
    for (int i = 0; i < bp_text_line_count(t); i++) {
      bool last = i + 1 == bp_text_line_count(t);
      bp_dlist *dl = bp_dlist_new();
      bp_dl_page *pg = bp_dlist_add_page(dl, 500, 100);
      bp_text_draw_lines(t, dl, pg, 0, 0, i, 1);
      double e = pg->items[0].u.text.expand, x0 = 1e9, x1 = -1e9;
      for (size_t k = 0; k < pg->n_items; k++) {
        const bp_dl_text *x = &pg->items[k].u.text;
        if (x->expand != e || fabs(e) > 0.02 + 1e-9 || fabs(e * 1000 - round(e * 1000)) > 1e-6 ||
            (last && e != 0))
          fail_msg("width %.0f, line %d: expansion %.4f and %.4f", w, i, e, x->expand);
        for (size_t c = 0; c < x->n_clusters; c++) {
          x0 = fmin(x0, x->clusters[c].x_pt);
          x1 = fmax(x1, x->clusters[c].x_pt + x->clusters[c].adv_pt);
        }
      }
      expanded += e != 0;
      if (!last && fabs(x1 - x0 - bp_text_line_width_pt(t, i)) > 0.01)
        fail_msg("width %.0f, line %d: drawn %.3f pt, set %.3f pt", w, i, x1 - x0,
                 bp_text_line_width_pt(t, i));
      if (!last && fabs(bp_text_line_width_pt(t, i) + (i == 0 ? st.indent_pt : 0) - w) > 0.01)
        fail_msg("width %.0f, line %d: %.3f pt wide", w, i, bp_text_line_width_pt(t, i));
      bp_dlist_free(dl);
    }
    bp_text_free(t);
  }
  assert_true(expanded > 10);
}

/* Korean with brackets beside spaces: lines start and end with them. */
static const char *BRACKETS = "북한 외교 「대사관」 철수와 관련된 보도가 이어졌다 「외교부」 "
                              "발표에 따르면 「북한」 대사관 철수는 계속되었고 「아프리카」 "
                              "공관은 문을 닫았다.";

/* A line that starts with a full-width opening bracket after a break (which
 * kept its blank left half beside the space the line broke at) hangs that
 * blank into the left margin, as JLREQ and KLREQ set a line-head bracket:
 * the bracket's ink, not its blank, meets the left edge, and a justified
 * line still fills the measure. */
static void opening_bracket_hangs_its_blank_at_a_line_start(void **state) {
  (void)state;
  bp_style st = body();
  int seen = 0;
  for (double w = 120; w <= 260; w += 3) {
    bp_text *t = set_plain(&st, BRACKETS, w);
    for (int i = 1; i + 1 < bp_text_line_count(t); i++) {
      char *l = bp_text_line_text(t, i);
      bool starts = !strncmp(l, "「", strlen("「"));
      size_t n = strlen(l);
      while (n && l[n - 1] == ' ') l[--n] = '\0';
      bool spaced = strchr(l, ' ') != NULL; /* else set ragged */
      free(l);
      if (!starts) continue;
      seen++;
      bp_dlist *dl = bp_dlist_new();
      bp_dl_page *pg = bp_dlist_add_page(dl, 500, 100);
      bp_text_draw_lines(t, dl, pg, 0, 0, i, 1);
      double x = pg->items[0].u.text.glyphs[0].x_pt; /* the bracket's origin */
      if (x > -0.45 * st.size_pt || x < -0.5 * st.size_pt)
        fail_msg("width %.0f, line %d: the bracket drawn from %.3f pt", w, i, x);
      if (spaced && fabs(bp_text_line_width_pt(t, i) - w) > 0.01)
        fail_msg("width %.0f, line %d: %.3f pt wide", w, i, bp_text_line_width_pt(t, i));
      bp_dlist_free(dl);
    }
    bp_text_free(t);
  }
  assert_true(seen > 5);
}

/* A justified line that ends with a full-width closing bracket (which
 * keeps its blank right half before a space) hangs that blank into the
 * margin: the bracket's ink, not its blank, meets the right edge. */
static void closing_bracket_hangs_its_blank_at_a_line_end(void **state) {
  (void)state;
  bp_style st = body();
  int seen = 0;
  for (double w = 120; w <= 260; w += 3) {
    bp_text *t = set_plain(&st, BRACKETS, w);
    for (int i = 0; i + 1 < bp_text_line_count(t); i++) {
      bp_dlist *dl = bp_dlist_new();
      bp_dl_page *pg = bp_dlist_add_page(dl, 500, 100);
      bp_text_draw_lines(t, dl, pg, 0, 0, i, 1);
      const bp_dl_cluster *end = NULL; /* the line's last cluster but spaces */
      const char *end_text = NULL;
      int spaces = 0; /* before it: a line without any is set ragged */
      for (size_t k = 0; k < pg->n_items; k++) {
        const bp_dl_text *x = &pg->items[k].u.text;
        for (size_t c = 0; c < x->n_clusters; c++)
          if (x->clusters[c].len != 1 || x->text[x->clusters[c].start] != ' ')
            end = &x->clusters[c], end_text = x->text + x->clusters[c].start;
          else if (end)
            spaces++;
      }
      if (end && spaces && end->len == 3 && !memcmp(end_text, "\xE3\x80\x8D", 3)) {
        double past = (end->x_pt + end->adv_pt - w) / st.size_pt;
        if (fabs(past - 0.475) > 0.01)
          fail_msg("width %.0f, line %d: its 」 ends %.3f em past the edge, want 0.475", w, i,
                   past);
        seen++;
      }
      bp_dlist_free(dl);
    }
    bp_text_free(t);
  }
  assert_true(seen > 0);
}

/* Kinsoku: no line ends with opening punctuation (nor starts with closing,
 * above), in Korean and English. */
static void no_line_ends_with_opening_punctuation(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_style st = body();
  const char *text = "그는 「 북한 외교 」 라고 썼다 ( 괄호 안의 말 ) 그리고 “ 인용 ” 이어서 "
                     "‘ 작은 인용 ’ 끝 (see the note) and “quoted words” here.";
  static const char *openers[] = {"(", "\xE3\x80\x8C", "\xE2\x80\x9C", "\xE2\x80\x98"};
  for (double w = 40; w <= 200; w += 5) {
    bp_text *t = bp_text_new_plain(ts, &ctx, &st, text, w);
    if (!t) fail_msg("%s", ctx.msg);
    for (int i = 0; i + 1 < bp_text_line_count(t); i++) {
      char *l = bp_text_line_text(t, i);
      size_t len = strlen(l);
      while (len && l[len - 1] == ' ') l[--len] = '\0';
      for (size_t k = 0; k < sizeof openers / sizeof *openers; k++) {
        size_t ol = strlen(openers[k]);
        if (len >= ol && !strcmp(l + len - ol, openers[k]))
          fail_msg("width %.0f: line %d ends with \"%s\": \"%s\"", w, i, openers[k], l);
      }
      if (i > 0 && starts_with_closing(l)) fail_msg("width %.0f: line %d starts \"%s\"", w, i, l);
      free(l);
    }
    bp_text_free(t);
  }
}

/* Two display lists hold the same text items, glyph for glyph, to the bit. */
static void same_items(const bp_dlist *a, const bp_dlist *b, const char *what) {
  const bp_dl_page *p = &a->pages[0], *q = &b->pages[0];
  if (p->n_items != q->n_items) fail_msg("%s: %zu items, not %zu", what, p->n_items, q->n_items);
  for (size_t i = 0; i < p->n_items; i++) {
    const bp_dl_text *x = &p->items[i].u.text, *y = &q->items[i].u.text;
    assert_int_equal(p->items[i].kind, q->items[i].kind);
    assert_string_equal(a->fonts[x->font].path, b->fonts[y->font].path);
    assert_string_equal(x->text, y->text);
    bool same = x->size_pt == y->size_pt && x->x_pt == y->x_pt && x->y_pt == y->y_pt &&
                x->width_pt == y->width_pt && x->expand == y->expand &&
                x->n_glyphs == y->n_glyphs && x->n_clusters == y->n_clusters;
    for (size_t k = 0; same && k < x->n_glyphs; k++)
      same = x->glyphs[k].id == y->glyphs[k].id && x->glyphs[k].x_pt == y->glyphs[k].x_pt &&
             x->glyphs[k].dy_pt == y->glyphs[k].dy_pt &&
             x->glyphs[k].cluster == y->glyphs[k].cluster;
    for (size_t k = 0; same && k < x->n_clusters; k++)
      same = x->clusters[k].start == y->clusters[k].start &&
             x->clusters[k].len == y->clusters[k].len &&
             x->clusters[k].x_pt == y->clusters[k].x_pt &&
             x->clusters[k].adv_pt == y->clusters[k].adv_pt;
    if (!same) fail_msg("%s: item %zu (\"%s\") is not placed the same", what, i, x->text);
  }
}

/* text.c itemizes and shapes a text itself, as Pango 1.50's PangoLayout
 * would, without the layout's extents and metrics: every text, style and
 * measure must come out exactly as the layout sets it (that path stays for
 * forced breaks, tabs, letter spacing and right-to-left text). */
static void direct_shaping_draws_what_the_layout_draws(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_typesetter *lay;
  assert_ok(bp_typesetter_new(&ctx, fs, &lay), &ctx);
  bp__typesetter_use_layout(lay, true);
  const char *ids[] = {"um2023"};
  const char *english = "Pyongyang’s embassies in Angola, Uganda and Spain closed in "
                        "October 2023 — after sanctions cut the missions’ revenue, a "
                        "well-documented pattern of “self-financing” (UN Panel of Experts).";
  for (int c = 0; c < 6; c++) {
    bp_spans sp = {0};
    const char *k2 = "2023년 3월, 북한은 12.5% 줄었다고 「발표」했다 (AFP, 2024).";
    switch (c) {
    case 0: bp_spans_add_text(&sp, KOREAN, strlen(KOREAN), 0, NULL); break;
    case 1: bp_spans_add_text(&sp, BRACKETS, strlen(BRACKETS), 0, NULL); break;
    case 2:
      bp_spans_add_text(&sp, english, strlen(english), 0, NULL);
      bp_spans_add_cite(&sp, ids, 1);
      bp_spans_add_text(&sp, " Bold ", 6, BP_SPAN_BOLD, NULL);
      bp_spans_add_text(&sp, "italic words", 12, BP_SPAN_ITALIC, "https://example.org/");
      bp_spans_add_text(&sp, "2", 1, BP_SPAN_SUPER, NULL);
      break;
    case 3: bp_spans_add_text(&sp, k2, strlen(k2), BP_SPAN_ITALIC, NULL); break;
    case 4: bp_spans_add_text(&sp, "23", 2, 0, NULL); break; /* no strong direction */
    default: bp_spans_add_text(&sp, "first line\nsecond\tline", 23, 0, NULL); break;
    }
    for (int a = 0; a < 6; a++) { /* and at a second size, as the fit tries */
      bp_style st = body();
      st.align = a % 3 == 0 ? BP_ALIGN_JUSTIFY : a % 3 == 1 ? BP_ALIGN_CENTER : BP_ALIGN_LEFT;
      st.italic = a % 3 == 2;
      if (a >= 3) st.size_pt = 9.25;
      for (double w = 0; w <= 300; w += 150) {
        bp_text *t = bp_text_new_spans(ts, &ctx, &st, &sp, NULL, w);
        bp_text *u = bp_text_new_spans(lay, &ctx, &st, &sp, NULL, w);
        if (!t || !u) fail_msg("%s", ctx.msg);
        bp_dlist *dt = bp_dlist_new(), *du = bp_dlist_new();
        bp_text_draw(t, dt, bp_dlist_add_page(dt, 500, 400), 10, 10);
        bp_text_draw(u, du, bp_dlist_add_page(du, 500, 400), 10, 10);
        char what[64];
        snprintf(what, sizeof what, "text %d, align %d, width %.0f", c, a, w);
        assert_int_equal(bp_text_line_count(t), bp_text_line_count(u));
        same_items(dt, du, what);
        bp_dlist_free(dt);
        bp_dlist_free(du);
        bp_text_free(t);
        bp_text_free(u);
      }
    }
    bp_spans_free(&sp);
  }
  bp_typesetter_free(lay);
}

/* A line of a paragraph is drawn from its own clusters, found by bisection
 * in the paragraph's glyph runs, not by walking each run from its start for
 * every line: the two must draw the same glyphs, clusters and items, for
 * every line alone and for the paragraph, in runs with ligatures (fi, ffl:
 * clusters of several characters), combining marks, soft and automatic
 * hyphens, links, notes and Korean. (These fonts make no cluster of several
 * glyphs: each precomposed character they are given is in the font.) */
static void lines_draw_what_walking_the_runs_draws(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  const char *ids[] = {"um2023"};
  const char *long_en =
      "The office\u00ADholders of efficient, affluent missions filed their "
      "reports: q\xCC\x81 and x\xCC\xA3\xCC\x81 carry combining marks, "
      "and incomprehensibilities, internationalisation and counterrevolutionaries "
      "are hyphenated where the measure asks. ";
  bp_spans sp = {0};
  bp_spans_add_text(&sp, long_en, strlen(long_en), 0, NULL);
  bp_spans_add_cite(&sp, ids, 1);
  bp_spans_add_text(&sp, " The Bold fifty-fifth office ", 29, BP_SPAN_BOLD, NULL);
  bp_spans_add_text(&sp, "linked italic affluence and efficiency", 38, BP_SPAN_ITALIC,
                    "https://example.org/");
  bp_spans_add_text(&sp, "2", 1, BP_SPAN_SUPER, NULL);
  bp_spans_add_text(&sp, " and then ", 10, 0, NULL);
  bp_spans_add_text(&sp, KOREAN, strlen(KOREAN), 0, NULL);
  bp_spans_add_text(&sp, long_en, strlen(long_en), 0, NULL);
  int multi = 0;
  for (int a = 0; a < 4; a++) {
    bp_style st = body();
    st.align = a % 2 ? BP_ALIGN_LEFT : BP_ALIGN_JUSTIFY;
    if (a >= 2) st.size_pt = 9.25;
    for (double w = 70; w <= 330; w += 65) {
      bp_text *t = bp_text_new_spans(ts, &ctx, &st, &sp, NULL, w);
      if (!t) fail_msg("%s", ctx.msg);
      int n = bp_text_line_count(t);
      multi += n > 3;
      for (int first = -1; first < n; first++) { /* -1: the whole paragraph */
        bp_dlist *d[2];
        for (int walk = 0; walk < 2; walk++) {
          bp__text_walk_whole_runs(walk);
          d[walk] = bp_dlist_new();
          bp_dl_page *pg = bp_dlist_add_page(d[walk], 500, 900);
          if (first < 0)
            bp_text_draw(t, d[walk], pg, 10, 10);
          else
            bp_text_draw_lines(t, d[walk], pg, 10, 10, first, 1);
        }
        bp__text_walk_whole_runs(false);
        assert_true(d[0]->pages[0].n_items > 0);
        char what[80];
        snprintf(what, sizeof what, "align %d, width %.0f, line %d of %d", a, w, first, n);
        same_items(d[0], d[1], what);
        bp_dlist_free(d[0]);
        bp_dlist_free(d[1]);
      }
      bp_text_free(t);
    }
  }
  assert_true(multi >= 8); /* the runs do span lines */
  bp_spans_free(&sp);
}

static void manifest_mismatch_is_an_error(void **state) {
  (void)state;
  char dir[] = "/tmp/bp-fonts-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char path[512];
  snprintf(path, sizeof path, "%s/MANIFEST.tsv", dir);
  FILE *f = fopen(path, "w");
  fprintf(f, "NotoSerif-Regular.ttf\t%064d\tfonts-noto-core\t/x\tOFL-1.1\n", 0);
  fclose(f);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_fontset *bad = NULL;
  assert_int_equal(bp_fontset_open(&ctx, dir, &bad), BP_ERR_FONT);
  assert_non_null(strstr(ctx.msg, "NotoSerif-Regular.ttf"));
  assert_non_null(strstr(ctx.msg, "missing"));
  /* a file that is there but differs */
  char font[512];
  snprintf(font, sizeof font, "%s/NotoSerif-Regular.ttf", dir);
  f = fopen(font, "w");
  fputs("not a font", f);
  fclose(f);
  bp_ctx_init(&ctx);
  assert_int_equal(bp_fontset_open(&ctx, dir, &bad), BP_ERR_FONT);
  assert_non_null(strstr(ctx.msg, "differs"));
  assert_null(bad);
  remove(font);
  remove(path);
  rmdir(dir);
}

/* No text is set wider than Pango's int units can measure, and no line wider
 * than its measure is ever returned: both are errors, never text drawn off
 * the page (a 1 MB title of words was set as one line, exit 0). */
static void text_too_long_or_too_wide_is_an_error(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_style st = body();
  st.size_pt = 72;
  bp_buf words = {0};
  while (words.len < 20000) bp_buf_puts(&words, "word ");
  assert_null(bp_text_new_plain(ts, &ctx, &st, words.data, 400));
  assert_int_equal(ctx.status, BP_ERR_LAYOUT);
  assert_non_null(strstr(ctx.msg, "a text of 20000 bytes is too long to lay out at 72.0 pt"));
  /* the same at body size lays out, every line within the measure */
  bp_ctx_init(&ctx);
  st.size_pt = 10.5;
  bp_text *t = bp_text_new_plain(ts, &ctx, &st, words.data, 400);
  assert_non_null(t);
  for (int i = 0; i < bp_text_line_count(t); i++)
    assert_true(bp_text_line_width_pt(t, i) <= 400.01);
  bp_text_free(t);
  bp_buf_free(&words);
  /* a character wider than the measure cannot be broken: an error */
  bp_ctx_init(&ctx);
  assert_null(bp_text_new_plain(ts, &ctx, &st, "W", 2));
  assert_int_equal(ctx.status, BP_ERR_LAYOUT);
  assert_non_null(strstr(ctx.msg, "wider than its measure of 2.0 pt: \"W\""));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(korean_breaks_only_between_words),
      cmocka_unit_test(overlong_hangul_word_may_break),
      cmocka_unit_test(preflight_finds_broken_words_only_when_there_are),
      cmocka_unit_test(no_line_starts_with_closing_punctuation),
      cmocka_unit_test(english_is_hyphenated_within_measure),
      cmocka_unit_test(uncovered_and_astral_characters_are_errors),
      cmocka_unit_test(runs_take_latin_and_korean_faces),
      cmocka_unit_test(markers_sorted_and_collapsed),
      cmocka_unit_test(hard_line_break_ends_a_ragged_line),
      cmocka_unit_test(manifest_mismatch_is_an_error),
      cmocka_unit_test(text_too_long_or_too_wide_is_an_error),
      cmocka_unit_test(overlong_hangul_word_does_not_stretch_the_line_before),
      cmocka_unit_test(mixed_hangul_latin_word_is_not_hyphenated),
      cmocka_unit_test(urls_are_not_hyphenated),
      cmocka_unit_test(total_fit_limits_hyphens_and_spaces),
      cmocka_unit_test(a_line_shorter_when_spacing_is_no_worse),
      cmocka_unit_test(justified_lines_expand_their_glyphs),
      cmocka_unit_test(closing_bracket_hangs_its_blank_at_a_line_end),
      cmocka_unit_test(opening_bracket_hangs_its_blank_at_a_line_start),
      cmocka_unit_test(no_line_ends_with_opening_punctuation),
      cmocka_unit_test(hyphenated_word_has_actual_text),
      cmocka_unit_test(direct_shaping_draws_what_the_layout_draws),
      cmocka_unit_test(lines_draw_what_walking_the_runs_draws),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
