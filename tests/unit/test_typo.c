/* test_typo.c - what the text becomes before it is shaped (smart.c): NFC,
 * typographic quotes, dashes and ellipses from ASCII, URLs, e-mail
 * addresses and code kept as written, and the style switch that turns it
 * off, and full-width brackets that lose their blank half. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "draw/dlist.h"
#include "layout/layout.h"
#include "model/doc.h"

#include "fonts_fixture.h"

static bp_style ragged(void) {
  bp_style s = {0};
  s.family = "Noto Serif, NanumMyeongjo";
  s.size_pt = 10;
  s.color = (bp_color){0, 0, 0, 1};
  return s;
}

/* `in` set on one wide line with `st`, as its text (owned). */
static char *set(const bp_style *st, const char *in) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_text *t = bp_text_new_plain(ts, &ctx, st, in, 2000);
  if (!t) fail_msg("%s", ctx.msg);
  assert_int_equal(bp_text_line_count(t), 1);
  char *s = bp_text_line_text(t, 0);
  bp_text_free(t);
  return s;
}

static void expect(const bp_style *st, const char *in, const char *want) {
  char *got = set(st, in);
  if (strcmp(got, want)) fail_msg("'%s' was set '%s', want '%s'", in, got, want);
  free(got);
}

static void quotes_dashes_and_ellipses_become_typographic(void **state) {
  (void)state;
  bp_style st = ragged();
  expect(&st, "North Korea's \"missions\" abroad",
         "North Korea\xE2\x80\x99s \xE2\x80\x9Cmissions\xE2\x80\x9D abroad");
  expect(&st, "'closures' in the '90s",
         "\xE2\x80\x98"
         "closures\xE2\x80\x99 in the \xE2\x80\x99"
         "90s");
  expect(&st, "2017--2024 -- and then---silence...",
         "2017\xE2\x80\x93"
         "2024 \xE2\x80\x93 and then\xE2\x80\x94silence\xE2\x80\xA6");
  expect(&st, "(\"quoted\") [\"too\"]",
         "(\xE2\x80\x9Cquoted\xE2\x80\x9D) [\xE2\x80\x9Ctoo\xE2\x80\x9D]");
  /* Korean titles take the same quotes */
  expect(&st, "외교부 \"북한 대사관 폐쇄\"...7개국",
         "외교부 \xE2\x80\x9C북한 대사관 폐쇄\xE2\x80\x9D\xE2\x80\xA6"
         "7개국");
}

static void urls_and_addresses_keep_their_ascii(void **state) {
  (void)state;
  bp_style st = ragged();
  expect(&st, "see https://example.org/a--b/'x'...y and www.kbs.co.kr/--x",
         "see https://example.org/a--b/'x'...y and www.kbs.co.kr/--x");
  expect(&st, "write to desk--news@example.org's desk", "write to desk--news@example.org's desk");
}

static void the_style_switch_keeps_ascii(void **state) {
  (void)state;
  bp_style st = ragged();
  st.straight_punct = true;
  expect(&st, "North Korea's \"missions\" -- ...", "North Korea's \"missions\" -- ...");
}

static void code_spans_keep_their_ascii(void **state) {
  (void)state;
  bp_style st = ragged();
  bp_spans sp = {0};
  bp_spans_add_text(&sp, "run ", 4, 0, NULL);
  bp_spans_add_text(&sp, "--no-pdfa", 9, BP_SPAN_CODE, NULL);
  bp_spans_add_text(&sp, " for \"plain\" PDF", 16, 0, NULL);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_text *t = bp_text_new_spans(ts, &ctx, &st, &sp, NULL, 2000);
  assert_non_null(t);
  char *s = bp_text_line_text(t, 0);
  assert_string_equal(s, "run --no-pdfa for \xE2\x80\x9Cplain\xE2\x80\x9D PDF");
  free(s);
  bp_text_free(t);
  bp_spans_free(&sp);
}

static void decomposed_text_is_composed(void **state) {
  (void)state;
  bp_style st = ragged();
  /* "Nguyễn Phú Trọng" typed as base letters plus combining marks */
  const char *nfd = "Nguye\xCC\x82\xCC\x83n Phu\xCC\x81 Tro\xCC\xA3ng";
  expect(&st, nfd, "Nguy\xE1\xBB\x85n Ph\xC3\xBA Tr\xE1\xBB\x8Dng");
  /* Hangul jamo sequences compose into syllables */
  expect(&st, "\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB", "\xED\x95\x9C");
}

/* `text` set in `st` on one wide line and drawn on the page of a new
 * display list (*dl_out, owned). */
static bp_dl_page *drawn(const bp_style *st, const char *text, bp_dlist **dl_out) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_text *t = bp_text_new_plain(ts, &ctx, st, text, 2000);
  if (!t) fail_msg("%s", ctx.msg);
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, 2100, 100);
  bp_text_draw(t, dl, pg, 10, 10);
  bp_text_free(t);
  *dl_out = dl;
  return pg;
}

/* The face each of `probes` is drawn in, when `text` is set in `st`: the
 * file names, in order, into `files` (borrowed from the display list). */
static void faces_of(const bp_style *st, const char *text, const char *const *probes,
                     const char **files, bp_dlist **dl_out) {
  bp_dlist *dl;
  bp_dl_page *pg = drawn(st, text, &dl);
  for (size_t k = 0; probes[k]; k++) {
    files[k] = NULL;
    for (size_t i = 0; i < pg->n_items; i++)
      if (pg->items[i].kind == BP_DL_TEXT && strstr(pg->items[i].u.text.text, probes[k]))
        files[k] = dl->fonts[pg->items[i].u.text.font].path;
    if (!files[k]) fail_msg("'%s' not drawn", probes[k]);
  }
  *dl_out = dl;
}

static void hanja_stay_serif_in_serif_text(void **state) {
  (void)state;
  const char *text = "\xE9\x9F\x93\xE7\xBE\x8E \xEB\x8F\x99\xEB\xA7\xB9 alliance"; /* 韓美 동맹 */
  const char *const probes[] = {"\xE9\x9F\x93", "\xEB\x8F\x99", "alliance", NULL};
  const char *files[3];
  bp_dlist *dl;
  bp_style st = ragged();
  faces_of(&st, text, probes, files, &dl);
  assert_non_null(strstr(files[0], "UnBatang.ttf"));
  assert_non_null(strstr(files[1], "NanumMyeongjo.ttf"));
  assert_non_null(strstr(files[2], "NotoSerif-Regular.ttf"));
  bp_dlist_free(dl);
  st.bold = true;
  faces_of(&st, text, probes, files, &dl);
  assert_non_null(strstr(files[0], "UnBatangBold.ttf"));
  assert_non_null(strstr(files[1], "NanumMyeongjoBold.ttf"));
  bp_dlist_free(dl);
  /* sans text keeps its sans Hanja */
  st = ragged();
  st.family = "Noto Sans, NanumGothic";
  faces_of(&st, text, probes, files, &dl);
  assert_non_null(strstr(files[0], "NanumGothic.ttf"));
  bp_dlist_free(dl);
}

static void digits_stand_upright_beside_upright_hangul(void **state) {
  (void)state;
  bp_style st = ragged();
  st.italic = true;
  const char *const probes[] = {"2024", "Note", NULL};
  const char *files[2];
  bp_dlist *dl;
  /* 본 보고서는 2024년 작성 (Note) */
  faces_of(&st,
           "\xEB\xB3\xB8 \xEB\xB3\xB4\xEA\xB3\xA0\xEC\x84\x9C\xEB\x8A\x94 "
           "2024\xEB\x85\x84 \xEC\x9E\x91\xEC\x84\xB1 (Note)",
           probes, files, &dl);
  assert_non_null(strstr(files[0], "NotoSerif-Regular.ttf"));
  assert_non_null(strstr(files[1], "NotoSerif-Italic.ttf"));
  bp_dlist_free(dl);
  /* English italics keep italic digits */
  faces_of(&st, "Note of 2024", probes, files, &dl);
  assert_non_null(strstr(files[0], "NotoSerif-Italic.ttf"));
  bp_dlist_free(dl);
  /* the same for an italic span in upright text */
  st.italic = false;
  bp_spans sp = {0};
  const char *ko = "\xEC\x9E\x91\xEC\x84\xB1 2024 Note";
  bp_spans_add_text(&sp, ko, strlen(ko), BP_SPAN_ITALIC, NULL);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_text *t = bp_text_new_spans(ts, &ctx, &st, &sp, NULL, 2000);
  assert_non_null(t);
  dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, 2100, 100);
  bp_text_draw(t, dl, pg, 10, 10);
  int seen = 0;
  for (size_t i = 0; i < pg->n_items; i++) {
    const bp_dl_text *x = &pg->items[i].u.text;
    const char *file = dl->fonts[x->font].path;
    if (strstr(x->text, "2024")) seen++, assert_non_null(strstr(file, "NotoSerif-Regular.ttf"));
    if (strstr(x->text, "Note")) seen++, assert_non_null(strstr(file, "NotoSerif-Italic.ttf"));
  }
  assert_int_equal(seen, 2);
  bp_dlist_free(dl);
  bp_text_free(t);
  bp_spans_free(&sp);
}

/* The advances (em) of the clusters of `in` set with `st` whose text is
 * `mark`, in order, into adv[0..max); returns how many. Checks that each
 * is drawn where its cluster says. */
static int mark_advances(const bp_style *st, const char *in, const char *mark, double *adv,
                         int max) {
  bp_dlist *dl;
  bp_dl_page *pg = drawn(st, in, &dl);
  int n = 0;
  for (size_t i = 0; i < pg->n_items; i++) {
    const bp_dl_text *x = &pg->items[i].u.text;
    for (size_t c = 0; c < x->n_clusters; c++) {
      const bp_dl_cluster *k = &x->clusters[c];
      if (k->len != strlen(mark) || memcmp(x->text + k->start, mark, k->len)) continue;
      for (size_t g = 0; g < x->n_glyphs; g++)
        if (x->glyphs[g].cluster == k->start) assert_float_equal(x->glyphs[g].x_pt, k->x_pt, 1e-6);
      if (n < max) adv[n++] = k->adv_pt / st->size_pt;
    }
  }
  bp_dlist_free(dl);
  return n;
}

/* Full-width brackets and stops lose their blank half beside another
 * bracket or punctuation and at a paragraph's ends (JLREQ, KLREQ): 「 after
 * an opening mark, 」 before a comma or a closing bracket, 。 before 」, 」
 * before 「 (half an em stays between them); between Hangul, and beside a
 * space (which the bracket would cover), they keep it. NanumMyeongjo sets
 * them 0.95 em wide. */
static void cjk_brackets_lose_their_blank_half(void **state) {
  (void)state;
  bp_style st = ragged();
  struct {
    const char *in, *mark;
    double want;
  } cases[] = {
      {"가「나」다", "「", 0.95}, /* between Hangul: whole */
      {"가「나」다", "」", 0.95},
      {"가 「나」 다", "「", 0.95}, /* beside a space */
      {"가 「나」 다", "」", 0.95},
      {"「나」, 다", "「", 0.475}, /* a paragraph's start */
      {"「나」, 다", "」", 0.475}, /* before a comma */
      {"다 「나」", "」", 0.475},  /* a paragraph's end */
      {"나。」 다", "。", 0.475},  /* before a closing bracket */
      {"가」「나", "」", 0.475},   /* 」「: half an em between */
      {"가」「나", "「", 0.95},
      {"그는 “「북한」”이라고", "「", 0.475},   /* after an opening quote */
      {"그는 『「북한」』이라고", "「", 0.475}, /* after an opening bracket */
      {"그는 『「북한」』이라고", "」", 0.475}, /* before a closing one */
      {"그는 『「북한」』이라고", "』", 0.95},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    double adv[2];
    int n = mark_advances(&st, cases[i].in, cases[i].mark, adv, 2);
    if (n != 1 || fabs(adv[0] - cases[i].want) > 0.01)
      fail_msg("%s in \"%s\": %d of them, advance %.3f em, want %.3f", cases[i].mark, cases[i].in,
               n, n ? adv[0] : 0, cases[i].want);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(quotes_dashes_and_ellipses_become_typographic),
      cmocka_unit_test(urls_and_addresses_keep_their_ascii),
      cmocka_unit_test(the_style_switch_keeps_ascii),
      cmocka_unit_test(code_spans_keep_their_ascii),
      cmocka_unit_test(decomposed_text_is_composed),
      cmocka_unit_test(hanja_stay_serif_in_serif_text),
      cmocka_unit_test(digits_stand_upright_beside_upright_hangul),
      cmocka_unit_test(cjk_brackets_lose_their_blank_half),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
