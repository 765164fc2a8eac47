/* test_csl.c - the CSL processor (src/csl): the house style
 * (templates/csl/briefpress-endnote.csl) gives the text the built-in
 * formatter printed for every item of data/citations/, styles from Debian's package (apa,
 * chicago, a Korean-locale one) render with Korean names in native order,
 * spans carry italics and links, and malformed styles fail with file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assert_ok.h"
#include "csl/csl.h"

static char *spans_text(const bp_spans *s) {
  bp_buf b = {0};
  for (size_t i = 0; i < s->n; i++)
    if (s->v[i].kind == BP_SPAN_TEXT) bp_buf_puts(&b, s->v[i].text);
  return b.data ? bp_buf_detach(&b) : bp_strdup("");
}

/* The entry of one item alone in a processor of style st, as plain text. */
static char *entry_text(const bp_csl_style *st, const bp_csl_item *it) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_csl_proc *p = bp_csl_proc_new(st);
  assert_ok(bp_csl_proc_add(&ctx, p, it), &ctx);
  bp_spans sp = {0};
  assert_ok(bp_csl_proc_entry(&ctx, p, it->id, &sp), &ctx);
  char *t = spans_text(&sp);
  bp_spans_free(&sp);
  bp_csl_proc_free(p);
  return t;
}

/* The house style on every item of tests/fixtures/csl-house/ (a copy of
 * data/citations/) gives the text of expected.tsv ("id<TAB>entry"): what
 * bp_csl_format_endnote printed, then the URL the composer appended, until
 * the style replaced them both (the URL is a link). BP_UPDATE_GOLDEN=1
 * rewrites the file. */
static void test_house_style_golden(void **state) {
  (void)state;
  static const char *const FILES[] = {"nk-missions.json", "sources.json", NULL};
  const char *dir = "tests/fixtures/csl-house";
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  const bp_csl_style *st = NULL;
  assert_ok(bp_csl_style_shared(&ctx, NULL, NULL, &st), &ctx);
  bp_buf got = {0};
  size_t links = 0;
  for (const char *const *f = FILES; *f; f++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, *f);
    bp_bib *bib = NULL;
    assert_ok(bp_bib_load(&ctx, path, &bib), &ctx);
    for (size_t i = 0; i < bib->n_items; i++) {
      const char *id = bib->items[i].id;
      bp_spans sp = {0};
      assert_ok(bp_csl_notes(&ctx, st, bib, &id, 1, &sp), &ctx);
      char *t = spans_text(&sp);
      bp_buf_printf(&got, "%s\t%s\n", id, t);
      for (size_t k = 0; k < sp.n; k++) /* the URL, and nothing else, is its link */
        if (sp.v[k].uri)
          links +=
              !strcmp(sp.v[k].uri, bib->items[i].url) && !strcmp(sp.v[k].text, bib->items[i].url);
      free(t);
      bp_spans_free(&sp);
    }
    bp_bib_free(bib);
  }
  assert_true(links > 100);
  char path[512];
  snprintf(path, sizeof path, "%s/expected.tsv", dir);
  if (getenv("BP_UPDATE_GOLDEN")) {
    FILE *o = fopen(path, "w");
    assert_non_null(o);
    fputs(got.data, o);
    fclose(o);
  }
  char *want = NULL;
  size_t len = 0;
  assert_ok(bp_file_read_max(&ctx, path, 1 << 20, &want, &len), &ctx);
  if (strcmp(want, got.data)) { /* the first line that differs */
    const char *a = want, *b = got.data;
    while (*a && *a == *b) a++, b++;
    while (a > want && a[-1] != '\n') a--, b--;
    fail_msg("want %.*s\ngot  %.*s", (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
  }
  free(want);
  bp_buf_free(&got);
}

/* A style from text, expecting failure; returns the message. */
static void expect_error(const char *xml, const char *want) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_csl_style *st = NULL;
  bp_status s = bp_csl_style_load_mem(&ctx, "bad.csl", xml, strlen(xml), NULL, &st);
  assert_int_equal(s, BP_ERR_DATA);
  assert_null(st);
  if (!strstr(ctx.msg, want)) fail_msg("message \"%s\" lacks \"%s\"", ctx.msg, want);
}

#define HEAD "<style xmlns=\"http://purl.org/net/xbiblio/csl\" class=\"in-text\" version=\"1.0\">\n"

static void test_malformed_styles(void **state) {
  (void)state;
  expect_error(HEAD "<citation><layout><text value='x'></layout></citation></style>",
               "bad.csl:2: malformed XML");
  expect_error(HEAD "<citation>\n<layout><blink/></layout></citation></style>",
               "bad.csl:3: unknown element <blink>");
  expect_error(HEAD "<citation><layout>\n<text macro=\"nope\"/></layout></citation></style>",
               "bad.csl:3: macro \"nope\" is not defined");
  expect_error(HEAD "<macro name=\"a\"><text macro=\"b\"/></macro>\n"
                    "<macro name=\"b\">\n<text macro=\"a\"/></macro>\n"
                    "<citation><layout><text macro=\"a\"/></layout></citation></style>",
               "calls itself (recursion)");
  expect_error(HEAD "<citation><layout>\n<text variable=\"title\" font-style=\"italics\"/>"
                    "</layout></citation></style>",
               "bad.csl:3: invalid attribute font-style=\"italics\"");
  expect_error(HEAD "</style>", "has no <citation>");
  expect_error("<locale/>", "bad.csl:1: the root element is not <style>");
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_csl_style *st = NULL;
  assert_int_equal(bp_csl_style_load(&ctx, "tests/fixtures/csl/no-such.csl", NULL, &st), BP_ERR_IO);
}

static bp_csl_item item_um(void) {
  static bp_csl_name names[2] = {{"엄", "지인", NULL}, {"Kim", "Jong-il", NULL}};
  bp_csl_item it = {0};
  it.id = "um2023";
  it.type = "article-newspaper";
  it.authors = names;
  it.n_authors = 2;
  it.issued = (bp_date){2023, 12, 5};
  it.title = "North Korea closes embassies";
  it.original_title = "북한, 대사관 폐쇄";
  it.container_title = "MBC News";
  it.url = "https://imnews.imbc.com/x";
  it.doi = "10.1000/xyz";
  return it;
}

static void test_debian_styles_korean_names(void **state) {
  (void)state;
  static const char *const STYLES[] = {"apa", "chicago-fullnote-bibliography",
                                       "harvard-cite-them-right", NULL};
  bp_csl_item it = item_um();
  for (const char *const *s = STYLES; *s; s++) {
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    bp_csl_style *st = NULL;
    assert_ok(bp_csl_style_load(&ctx, *s, NULL, &st), &ctx);
    char *t = entry_text(st, &it);
    if (!strstr(t, "엄지인") || strstr(t, "엄, 지인") || strstr(t, "지인 엄"))
      fail_msg("%s: %s", *s, t);
    free(t);
    bp_csl_style_free(st);
  }
  /* the same in a Korean edition: the locale's terms and dates */
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_csl_style *st = NULL;
  bp_csl_style_options o = {.lang = "ko-KR"};
  assert_ok(bp_csl_style_load(&ctx, "apa", &o, &st), &ctx);
  char *t = entry_text(st, &it);
  if (!strstr(t, "엄지인") || !strstr(t, "2023")) fail_msg("ko-KR: %s", t);
  free(t);
  bp_csl_style_free(st);
}

static void test_spans_links_and_italics(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_csl_style *st = NULL;
  assert_ok(bp_csl_style_load(&ctx, "apa", NULL, &st), &ctx);
  bp_csl_item it = item_um();
  it.type = "book";
  it.container_title = NULL;
  it.publisher = "Seoul Press";
  bp_csl_proc *p = bp_csl_proc_new(st);
  assert_ok(bp_csl_proc_add(&ctx, p, &it), &ctx);
  bp_spans sp = {0};
  assert_ok(bp_csl_proc_entry(&ctx, p, "um2023", &sp), &ctx);
  bool italic = false, link = false;
  for (size_t i = 0; i < sp.n; i++) {
    if ((sp.v[i].flags & BP_SPAN_ITALIC) && strstr(sp.v[i].text, "North Korea")) italic = true;
    if (sp.v[i].uri && !strcmp(sp.v[i].uri, "https://doi.org/10.1000/xyz")) link = true;
  }
  assert_true(italic);
  assert_true(link);
  bp_spans_free(&sp);
  /* an unknown id is an error, not a crash */
  assert_int_equal(bp_csl_proc_entry(&ctx, p, "nope", &sp), BP_ERR_DATA);
  const char *ids[] = {"um2023"};
  bp_ctx_init(&ctx);
  assert_ok(bp_csl_proc_citation(&ctx, p, ids, NULL, 1, &sp), &ctx);
  char *c = spans_text(&sp);
  if (!strstr(c, "2023")) fail_msg("citation: %s", c);
  free(c);
  bp_spans_free(&sp);
  bp_csl_proc_free(p);
  bp_csl_style_free(st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_house_style_golden),
      cmocka_unit_test(test_malformed_styles),
      cmocka_unit_test(test_debian_styles_korean_names),
      cmocka_unit_test(test_spans_links_and_italics),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
