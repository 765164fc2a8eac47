/* test_csl.c - the CSL processor (src/csl): the house style
 * (templates/csl/briefpress-endnote.csl) gives the text the built-in
 * formatter printed for every item of data/citations/, styles from Debian's package (apa,
 * chicago, a Korean-locale one) render with Korean names in native order,
 * spans carry italics and links, and malformed styles fail with file:line;
 * a locale's terms and many works disambiguated (tests/fixtures/csl-many/,
 * made before the processor's indexes and kept as its regression test). */
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

/* got is the text of the golden file at path (BP_UPDATE_GOLDEN=1: becomes
 * it); else fails naming the first line that differs. */
static void expect_golden(const char *path, const char *got) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  if (getenv("BP_UPDATE_GOLDEN")) {
    FILE *o = fopen(path, "w");
    assert_non_null(o);
    fputs(got, o);
    fclose(o);
  }
  char *want = NULL;
  size_t len = 0;
  assert_ok(bp_file_read_max(&ctx, path, 4 << 20, &want, &len), &ctx);
  if (strcmp(want, got)) { /* the first line that differs */
    const char *a = want, *b = got;
    while (*a && *a == *b) a++, b++;
    while (a > want && a[-1] != '\n') a--, b--;
    fail_msg("%s: want %.*s\ngot  %.*s", path, (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
  }
  free(want);
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
    /* the notes of every item at once are each item's note alone (the
     * house style disambiguates nothing) */
    const char **ids = bp_calloc(bib->n_items + 1, sizeof *ids);
    bp_spans *all = bp_calloc(bib->n_items + 1, sizeof *all);
    for (size_t i = 0; i < bib->n_items; i++) ids[i] = bib->items[i].id;
    assert_ok(bp_csl_notes(&ctx, st, bib, ids, bib->n_items, all), &ctx);
    for (size_t i = 0; i < bib->n_items; i++) {
      const char *id = bib->items[i].id;
      bp_spans sp = {0};
      assert_ok(bp_csl_notes(&ctx, st, bib, &id, 1, &sp), &ctx);
      char *t = spans_text(&sp), *ta = spans_text(&all[i]);
      assert_string_equal(t, ta);
      free(ta);
      bp_spans_free(&all[i]);
      bp_buf_printf(&got, "%s\t%s\n", id, t);
      for (size_t k = 0; k < sp.n; k++) /* the URL, and nothing else, is its link */
        if (sp.v[k].uri)
          links +=
              !strcmp(sp.v[k].uri, bib->items[i].url) && !strcmp(sp.v[k].text, bib->items[i].url);
      free(t);
      bp_spans_free(&sp);
    }
    free(all);
    free(ids);
    bp_bib_free(bib);
  }
  assert_true(links > 100);
  char path[512];
  snprintf(path, sizeof path, "%s/expected.tsv", dir);
  expect_golden(path, got.data);
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

/* A style in text, with the given locale folder (none: the style's own
 * terms and the built-in English ones). */
static bp_csl_style *style_mem(const char *xml, const char *locale_dir) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_csl_style_options o = {.locale_dir = locale_dir};
  bp_csl_style *st = NULL;
  assert_ok(bp_csl_style_load_mem(&ctx, "test.csl", xml, strlen(xml), &o, &st), &ctx);
  return st;
}

#define NO_LOCALES "tests/fixtures/csl-many/no-such-folder"

/* A locale's terms: the first of two definitions wins, a missing form
 * falls back (short -> long, verb-short -> verb -> long), a gendered
 * ordinal follows the gender of the variable's term, a style's locale
 * comes before the locale files. */
static void test_locale_terms(void **state) {
  (void)state;
  bp_csl_style *st = style_mem(
      HEAD "<locale><terms>\n"
           "<term name=\"retrieved\">first</term><term name=\"retrieved\">second</term>\n"
           "<term name=\"no date\">undated</term><term name=\"no date\" form=\"verb\">v</term>\n"
           "<term name=\"volume\" gender=\"feminine\">volume</term>\n"
           "<term name=\"ordinal\">e</term>\n"
           "<term name=\"ordinal-01\" gender-form=\"masculine\">er</term>\n"
           "<term name=\"ordinal-01\" gender-form=\"feminine\">re</term>\n"
           "</terms></locale>\n"
           "<citation><layout><group delimiter=\"|\">\n"
           "<text term=\"retrieved\"/><text term=\"no date\" form=\"short\"/>"
           "<text term=\"no date\" form=\"verb-short\"/><text term=\"no date\" form=\"symbol\"/>"
           "<number variable=\"volume\" form=\"ordinal\"/><number variable=\"issue\" "
           "form=\"ordinal\"/></group></layout></citation></style>",
      NO_LOCALES);
  bp_csl_item it = item_um();
  it.volume = "1";
  it.issue = "1";
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_csl_proc *p = bp_csl_proc_new(st);
  assert_ok(bp_csl_proc_add(&ctx, p, &it), &ctx);
  bp_spans sp = {0};
  const char *ids[] = {it.id};
  assert_ok(bp_csl_proc_citation(&ctx, p, ids, NULL, 1, &sp), &ctx);
  char *t = spans_text(&sp);
  assert_string_equal(t, "first|undated|v|undated|1re|1e");
  free(t);
  bp_spans_free(&sp);
  bp_csl_proc_free(p);
  bp_csl_style_free(st);
}

/* Many works that render alike: a few families, given names that differ
 * in their initials or only in their spacing, shared years, co-authors
 * that tell works apart, and twins (the same fields under another id,
 * told apart by a year suffix or the title only). The same every run. */
typedef struct many {
  bp_csl_item *v;
  size_t n;
  char **strs;
  size_t n_strs, cap_strs;
} many;

static char *many_str(many *m, const char *fmt, int a) {
  char b[64];
  snprintf(b, sizeof b, fmt, a);
  char *s = bp_strdup(b);
  BP_PUSH(m->strs, m->n_strs, m->cap_strs, s);
  return s;
}

static void many_make(many *m, size_t n) {
  static const char *const FAM[] = {"Kim", "Lee", "Park", "Smith", "Dyke"};
  static const char *const GIV[] = {"Min-jun", "M. J.", "M.J.", "Ji-hoon", "Jane", "John", "J."};
  memset(m, 0, sizeof *m);
  m->v = bp_calloc(n, sizeof *m->v);
  m->n = n;
  unsigned x = 12345;
#define NEXT(k) ((x = x * 1103515245u + 12345u) >> 16) % (k)
  for (size_t i = 0; i < n; i++) {
    bp_csl_item *it = &m->v[i];
    if (i % 10 == 9) { /* a twin of the work before */
      *it = m->v[i - 1];
      it->id = many_str(m, "twin%d", (int)i);
      continue;
    }
    it->id = many_str(m, "w%d", (int)i);
    it->type = "report";
    it->n_authors = 1 + NEXT(4);
    it->authors = bp_calloc(it->n_authors, sizeof *it->authors);
    for (size_t k = 0; k < it->n_authors; k++) {
      it->authors[k].family = (char *)FAM[NEXT(5)];
      it->authors[k].given = (char *)GIV[NEXT(7)];
    }
    int y = (int)NEXT(4);
    it->issued = (bp_date){y ? 2018 + y : 0, 0, 0};
    it->title = many_str(m, "Report \"%d\"", (int)NEXT(1000));
    if (NEXT(3) == 0) it->url = many_str(m, "https://example.org/%d", (int)i);
  }
#undef NEXT
}

static void many_free(many *m) {
  for (size_t i = 0; i < m->n; i++)
    if (i % 10 != 9) free(m->v[i].authors);
  free(m->v);
  for (size_t i = 0; i < m->n_strs; i++) free(m->strs[i]);
  free(m->strs);
}

/* The lines of one style over many works: each bibliography entry in
 * bibliography order, then each work's citation alone. */
static void many_render(bp_buf *out, const char *name, const bp_csl_style *st, const many *m) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_csl_proc *p = bp_csl_proc_new(st);
  for (size_t i = 0; i < m->n; i++) assert_ok(bp_csl_proc_add(&ctx, p, &m->v[i]), &ctx);
  size_t n = 0;
  const char **order = bp_csl_proc_bibliography_order(p, &n);
  assert_int_equal(n, m->n);
  for (size_t i = 0; i < n; i++) {
    bp_spans sp = {0};
    assert_ok(bp_csl_proc_entry(&ctx, p, order[i], &sp), &ctx);
    char *t = spans_text(&sp);
    bp_buf_printf(out, "%s\tentry\t%s\t%s\n", name, order[i], t);
    free(t);
    bp_spans_free(&sp);
  }
  free(order);
  for (size_t i = 0; i < m->n; i++) {
    bp_spans sp = {0};
    const char *id = m->v[i].id;
    assert_ok(bp_csl_proc_citation(&ctx, p, &id, NULL, 1, &sp), &ctx);
    char *t = spans_text(&sp);
    bp_buf_printf(out, "%s\tcite\t%s\t%s\n", name, id, t);
    free(t);
    bp_spans_free(&sp);
  }
  bp_csl_proc_free(p);
}

/* Disambiguation over 300 works (names added, given names expanded by
 * cite and by the global rules, year suffixes, the disambiguate
 * condition, a sorted bibliography with the author substitute) gives the
 * text of tests/fixtures/csl-many/expected.tsv, made before the
 * processor's indexes replaced its pairwise comparisons.
 * BP_UPDATE_GOLDEN=1 rewrites the file. */
static void test_many_items_disambiguated(void **state) {
  (void)state;
  static const char *const CITATION[] = {
      /* by-cite: names, then given names, then year suffixes; the title
       * where still ambiguous */
      "et-al-min=\"3\" et-al-use-first=\"1\" disambiguate-add-names=\"true\" "
      "disambiguate-add-givenname=\"true\" givenname-disambiguation-rule=\"by-cite\" "
      "disambiguate-add-year-suffix=\"true\"",
      /* the global rules, without year suffixes */
      "et-al-min=\"3\" et-al-use-first=\"1\" disambiguate-add-givenname=\"true\" "
      "givenname-disambiguation-rule=\"all-names-with-initials\"",
      "et-al-min=\"4\" et-al-use-first=\"1\" disambiguate-add-names=\"true\" "
      "disambiguate-add-givenname=\"true\" givenname-disambiguation-rule=\"primary-name\" "
      "disambiguate-add-year-suffix=\"true\"",
      NULL};
  many m;
  many_make(&m, 300);
  bp_buf got = {0};
  for (size_t k = 0; CITATION[k]; k++) {
    bp_buf xml = {0};
    bp_buf_printf(
        &xml,
        HEAD "<macro name=\"author\"><names variable=\"author\"><name name-as-sort-order=\"all\" "
             "initialize-with=\". \" delimiter=\", \"/></names></macro>\n"
             "<citation %s><layout prefix=\"(\" suffix=\")\" delimiter=\"; \">"
             "<group delimiter=\" \"><names variable=\"author\"><name form=\"short\" "
             "initialize-with=\". \" delimiter=\", \" and=\"symbol\"/></names>"
             "<choose><if variable=\"issued\"><date variable=\"issued\"><date-part "
             "name=\"year\"/></date></if><else><text term=\"no date\" form=\"short\"/></else>"
             "</choose><choose><if disambiguate=\"true\"><text variable=\"title\" "
             "quotes=\"true\"/></if></choose></group></layout></citation>\n"
             "<bibliography subsequent-author-substitute=\"---\"><sort><key macro=\"author\"/>"
             "<key variable=\"issued\"/><key variable=\"title\"/></sort>"
             "<layout suffix=\".\"><group delimiter=\". \"><text macro=\"author\"/>"
             "<date variable=\"issued\" prefix=\"(\" suffix=\")\"><date-part name=\"year\"/>"
             "</date><text variable=\"title\" quotes=\"true\"/><text variable=\"URL\"/></group>"
             "</layout></bibliography></style>",
        CITATION[k]);
    bp_csl_style *st = style_mem(xml.data, NO_LOCALES);
    char name[16];
    snprintf(name, sizeof name, "style%zu", k + 1);
    many_render(&got, name, st, &m);
    bp_csl_style_free(st);
    bp_buf_free(&xml);
  }
  many_free(&m);
  expect_golden("tests/fixtures/csl-many/expected.tsv", got.data);
  bp_buf_free(&got);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_house_style_golden),
      cmocka_unit_test(test_malformed_styles),
      cmocka_unit_test(test_debian_styles_korean_names),
      cmocka_unit_test(test_spans_links_and_italics),
      cmocka_unit_test(test_locale_terms),
      cmocka_unit_test(test_many_items_disambiguated),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
