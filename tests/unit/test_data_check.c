/* test_data_check.c - `check` over the sample data (must be clean) and over
 * the corpus of bad folders in tests/fixtures/check/: every diagnostic's
 * file, line, column and message against the case's expected.txt, the exit
 * status, the caret printer, and a 5 MB single-line file made at run time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/data.h"

/* Stand-in for the font set: everything but Tibetan. */
static bool fake_covers(void *ud, uint32_t cp) {
  (void)ud;
  return !(cp >= 0x0F00 && cp <= 0x0FFF);
}

static bp_diag_list *check(const char *dir) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_check_options o = {fake_covers, NULL};
  bp_diag_list *dl = NULL;
  assert_int_equal(bp_check_folder(&ctx, dir, &o, &dl), BP_OK);
  assert_non_null(dl);
  return dl;
}

static void sample_data_is_clean(void **state) {
  (void)state;
  bp_diag_list *dl = check("data");
  if (dl->n) bp_diag_print(dl, stdout, true);
  assert_int_equal(dl->n_errors, 0);
  assert_int_equal(dl->n_warnings, 0);
  bp_diag_list_free(dl);
}

static char *slurp(const char *path) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *s = NULL;
  size_t n;
  if (bp_file_read(&ctx, path, &s, &n) != BP_OK) return NULL;
  return s;
}

/* Each case: the diagnostics (minus the "tests/fixtures/check/<case>/"
 * prefix) equal expected.txt line for line; the exit status follows. */
static const char *const CASES[] = {"article",
                                    "bad_dates",
                                    "bad_runs",
                                    "bad_urls",
                                    "bom",
                                    "claim_after_sources",
                                    "claim_text",
                                    "control_chars",
                                    "country_codes",
                                    "csl_types",
                                    "csv_crlf_quoted",
                                    "csv_errors",
                                    "csv_unterminated",
                                    "deep_nesting",
                                    "duplicate_ids",
                                    "duplicate_keys",
                                    "empty",
                                    "font_coverage",
                                    "header_only",
                                    "invalid_utf8",
                                    "nan_infinity",
                                    "no_source",
                                    "non_bmp",
                                    "non_numeric",
                                    "truncated_json",
                                    "uncited",
                                    "unknown_ids",
                                    "utf16",
                                    "wrong_types",
                                    NULL};

static void fixture_cases(void **state) {
  (void)state;
  for (const char *const *c = CASES; *c; c++) {
    char dir[256], exp_path[300];
    snprintf(dir, sizeof dir, "tests/fixtures/check/%s", *c);
    snprintf(exp_path, sizeof exp_path, "%s/expected.txt", dir);
    char *expected = slurp(exp_path);
    assert_non_null(expected);
    bp_diag_list *dl = check(dir);
    bp_buf got = {0};
    size_t pl = strlen(dir) + 1;
    bool any_error = false;
    for (size_t i = 0; i < dl->n; i++) {
      char *line = bp_diag_format(&dl->v[i]);
      assert_true(strncmp(line, dir, pl - 1) == 0);
      for (char *p = line, *q; (q = strstr(p, dir)); p = q) /* drop "<dir>/" everywhere */
        memmove(q, q + pl, strlen(q + pl) + 1);
      bp_buf_puts(&got, line);
      bp_buf_putc(&got, '\n');
      if (dl->v[i].severity == BP_SEV_ERROR) any_error = true;
      free(line);
    }
    if (strcmp(got.data ? got.data : "", expected)) {
      printf("case %s:\n--- expected\n%s--- got\n%s", *c, expected, got.data ? got.data : "");
      fail();
    }
    /* the exit status `check` gives: 1 with errors, else 0 */
    assert_int_equal(dl->n_errors > 0, any_error);
    assert_int_equal(dl->n_errors > 0, strstr(expected, ": error: ") != NULL);
    bp_buf_free(&got);
    free(expected);
    bp_diag_list_free(dl);
  }
}

static void specific_messages(void **state) {
  (void)state;
  /* the user-visible lines for a few cases, spelled out */
  struct {
    const char *dir, *line;
  } want[] = {
      {"tests/fixtures/check/truncated_json",
       "tests/fixtures/check/truncated_json/citations/a.json:3:13: error: unexpected end of file "
       "inside this string (is the file truncated?)"},
      {"tests/fixtures/check/invalid_utf8",
       "tests/fixtures/check/invalid_utf8/claims/c.json:2:28: error: invalid UTF-8 (byte 0xC3); "
       "save the file as UTF-8"},
      {"tests/fixtures/check/unknown_ids",
       "tests/fixtures/check/unknown_ids/claims/c.json:12:27: error: unknown citation 'missing'"},
      {"tests/fixtures/check/csv_errors",
       "tests/fixtures/check/csv_errors/records.csv:3:8: error: unknown country code 'XX' "
       "(expected ISO 3166-1 alpha-2, e.g. 'KP')"},
      {"tests/fixtures/check/non_numeric", "tests/fixtures/check/non_numeric/series/s.csv:3:6: "
                                           "error: non-numeric value '12x' in column 'usd'"},
      {"tests/fixtures/check/uncited",
       "tests/fixtures/check/uncited/citations/a.json:3:3: warning: citation 'lonely' is cited by "
       "nobody (no claim, brief, article, series or record uses it)"},
  };
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    bp_diag_list *dl = check(want[i].dir);
    bool found = false;
    for (size_t k = 0; k < dl->n && !found; k++) {
      char *s = bp_diag_format(&dl->v[k]);
      found = !strcmp(s, want[i].line);
      free(s);
    }
    if (!found) printf("missing: %s\n", want[i].line);
    assert_true(found);
    bp_diag_list_free(dl);
  }
}

/* A new folder with claims/c.json open for writing; its path in `path`. */
static FILE *claims_open(char **dir, char *path, size_t size) {
  *dir = strdup("/tmp/bp-claims-XXXXXX");
  assert_non_null(mkdtemp(*dir));
  snprintf(path, size, "%s/claims", *dir);
  assert_int_equal(mkdir(path, 0755), 0);
  snprintf(path, size, "%s/claims/c.json", *dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  return f;
}

/* A claims file with `text` as its one claim's text, in a new folder (a
 * claim without [@id] has no source: one more error, at 1:9). */
static char *claims_dir(const char *text) {
  char *dir, p[300];
  FILE *f = claims_open(&dir, p, sizeof p);
  fprintf(f, "[{\"id\": \"k\", \"text\": \"%s\"}]\n", text);
  fclose(f);
  return dir;
}

static void claims_dir_free(char *dir) {
  char p[300];
  snprintf(p, sizeof p, "%s/claims/c.json", dir);
  unlink(p);
  snprintf(p, sizeof p, "%s/claims", dir);
  rmdir(p);
  rmdir(dir);
  free(dir);
}

static void caret_printer(void **state) {
  (void)state;
  bp_diag_list *dl = check("tests/fixtures/check/article");
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  bp_diag_print(dl, f, true);
  fclose(f);
  const char *want =
      "tests/fixtures/check/article/articles/a.md:4:17: error: unknown citation 'nope'\n"
      "  a missing one.[@nope; @src1]\n"
      "                  ^\n";
  assert_non_null(strstr(buf, want));
  free(buf);
  bp_diag_list_free(dl);
  /* wide (Hangul) characters take two cells before the caret */
  char *dir = claims_dir("한국 [@nope]");
  dl = check(dir);
  assert_int_equal(dl->n_errors, 1);
  assert_int_equal(dl->v[0].col, 28); /* the id after "[@" */
  int cells;
  char *line = bp_diag_source_line(&dl->v[0], &cells);
  assert_string_equal(line, "[{\"id\": \"k\", \"text\": \"한국 [@nope]\"}]");
  assert_int_equal(cells, 29); /* 22 + 2 x 2 + 3 */
  free(line);
  bp_diag_list_free(dl);
  claims_dir_free(dir);
}

/* A 5 MB single-line claims file, made here (not committed): the error at
 * its end is found with the right column, and the shown line is cut. */
static void five_megabyte_line(void **state) {
  (void)state;
  char *dir, p[300];
  FILE *f = claims_open(&dir, p, sizeof p);
  const size_t n = 5u << 20;
  fputs("[{\"id\": \"big\", \"text\": \"", f);
  for (size_t i = 0; i < n; i++) fputc('a' + (int)(i % 26), f);
  fputs(" [@nowhere]\", \"countries\": [\"QQ\"]}]", f);
  fclose(f);
  bp_diag_list *dl = check(dir);
  assert_int_equal(dl->n_errors, 3);
  size_t col0 = strlen("[{\"id\": \"big\", \"text\": \"");
  /* over the text limit (BP_TEXT_MAX_BYTES), and still checked through */
  assert_int_equal(dl->v[0].col, (int)col0 + 1);
  assert_non_null(strstr(dl->v[0].message, "is longer than the limit of 65536 bytes"));
  assert_int_equal(dl->v[1].line, 1);
  assert_int_equal(dl->v[1].col, (int)(col0 + n + 4));
  assert_string_equal(dl->v[1].message, "unknown citation 'nowhere'");
  int cells;
  char *line = bp_diag_source_line(&dl->v[1], &cells);
  assert_true(strlen(line) < 200);
  assert_int_equal(strncmp(line, "...", 3), 0);
  free(line);
  assert_string_equal(dl->v[2].message,
                      "unknown country code 'QQ' (expected ISO 3166-1 alpha-2, e.g. 'KP')");
  bp_diag_list_free(dl);
  /* the loaders refuse it the same way, without crashing */
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_claims *c = (bp_claims *)1;
  assert_int_equal(bp_claims_load(&ctx, p, NULL, &c), BP_ERR_DATA);
  assert_null(c);
  assert_non_null(strstr(ctx.msg, "c.json:1:"));
  claims_dir_free(dir);
}

static void missing_folder_and_single_file(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_diag_list *dl = NULL;
  assert_int_equal(bp_check_folder(&ctx, "tests/fixtures/check/no-such-dir", NULL, &dl), BP_ERR_IO);
  assert_null(dl);
  assert_non_null(strstr(ctx.msg, "no-such-dir"));
  /* one file, kind from its directory, citations from the folder */
  dl = check("tests/fixtures/check/unknown_ids/claims/c.json");
  assert_int_equal(dl->n_errors, 2);
  assert_string_equal(dl->v[0].file, "tests/fixtures/check/unknown_ids/claims/c.json");
  assert_string_equal(dl->v[0].message, "unknown citation 'nosuch'");
  bp_diag_list_free(dl);
  dl = check("data/claims/nk-missions.json");
  assert_int_equal(dl->n, 0);
  bp_diag_list_free(dl);
}

static void dataset_of_sample(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_dataset *ds = NULL;
  assert_int_equal(bp_dataset_load(&ctx, "data", &ds), BP_OK);
  assert_int_equal(ds->bib->n_items, 23 + 89);
  /* one work, two ids: the alias resolves to the work */
  assert_ptr_equal(bp_bib_lookup(ds->bib, "um2023mbc"), bp_bib_lookup(ds->bib, "mbc_20231205"));
  assert_string_equal(bp_bib_lookup(ds->bib, "donga_20230523")->id, "ko2023donga");
  assert_non_null(bp_claims_lookup(ds->claims, "crypto-2022-record"));
  const bp_series *s = bp_dataset_series(ds, "crypto_theft");
  assert_non_null(s);
  assert_string_equal(s->unit, "USD millions");
  const bp_records *r = bp_dataset_records(ds, "countries");
  assert_non_null(r);
  assert_non_null(bp_records_lookup(r, "guinea"));
  bp_dataset_free(ds);
  /* and a folder with errors is refused with the first one */
  assert_int_equal(bp_dataset_load(&ctx, "tests/fixtures/check/no_source", &ds), BP_ERR_DATA);
  assert_null(ds);
  assert_string_equal(ctx.msg,
                      "tests/fixtures/check/no_source/claims/c.json:7:11: claim 'c2' has no source "
                      "(add \"cites\" or [@id] in its text)");
}

typedef struct seen_chars {
  char text[4096];
} seen_chars;

static void note_char(void *ud, const char *file, int line, int col, uint32_t cp) {
  seen_chars *s = ud;
  size_t n = strlen(s->text);
  snprintf(s->text + n, sizeof s->text - n, "%s:%d:%d U+%04X\n", file, line, col, (unsigned)cp);
}

/* Bad characters each right after the one before are one diagnostic, at the
 * first, with how many there are; good text between two runs makes two. The
 * cap of 100 diagnostics per file still holds for characters apart. */
static void runs_of_bad_characters(void **state) {
  (void)state;
  char *dir = claims_dir("Tibetan \u0f40\u0f41\u0f42 and \u0f40 alone");
  bp_diag_list *dl = check(dir);
  assert_int_equal(dl->n, 3);
  assert_int_equal(dl->v[0].col, 9); /* no source */
  assert_int_equal(dl->v[1].line, 1);
  assert_int_equal(dl->v[1].col, 31); /* after [{"id": "k", "text": "Tibetan */
  assert_string_equal(dl->v[1].message, "no font covers U+0F40 '\u0f40' (3 characters from here)");
  assert_int_equal(dl->v[2].col, 39);
  assert_string_equal(dl->v[2].message, "no font covers U+0F40 '\u0f40'");
  int cells;
  char *line = bp_diag_source_line(&dl->v[2], &cells);
  assert_non_null(line);
  assert_int_equal(cells, 38);
  free(line);
  bp_diag_list_free(dl);
  claims_dir_free(dir);

  char many[2048] = "", apart[2048] = "";
  for (int i = 0; i < 150; i++) {
    strcat(many, "\U0001F600");
    strcat(apart, "\U0001F600 ");
  }
  dir = claims_dir(many);
  dl = check(dir);
  assert_int_equal(dl->n, 2);
  assert_int_equal(dl->v[1].col, 23);
  assert_non_null(strstr(dl->v[1].message, "U+1F600 is outside the Basic Multilingual Plane"));
  assert_non_null(strstr(dl->v[1].message, "; 150 characters from here)"));
  bp_diag_list_free(dl);
  claims_dir_free(dir);

  dir = claims_dir(apart);
  dl = check(dir);
  assert_int_equal(dl->n, 101); /* 100 and the note that the rest are not shown */
  assert_int_equal(dl->n_errors, 151);
  assert_int_equal(dl->v[0].col, 23);
  assert_int_equal(dl->v[1].col, 25);
  assert_int_equal(dl->v[100].severity, BP_SEV_NOTE);
  bp_diag_list_free(dl);
  claims_dir_free(dir);
}

/* bp_data_file_chars: the characters beyond ASCII where they are, JSON
 * escapes decoded; a file that is not UTF-8 fails with where. */
static void file_chars(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  seen_chars s = {""};
  assert_int_equal(bp_data_file_chars(&ctx, "tests/fixtures/fonts/claims/c.json", note_char, &s),
                   BP_OK);
  assert_non_null(strstr(s.text, "tests/fixtures/fonts/claims/c.json:4:22 U+0F40\n"));
  assert_non_null(strstr(s.text, "tests/fixtures/fonts/claims/c.json:9:45 U+0F41\n"));
  assert_non_null(strstr(s.text, "tests/fixtures/fonts/claims/c.json:5:17 U+D55C\n"));
  assert_int_equal(
      bp_data_file_chars(&ctx, "tests/fixtures/check/invalid_utf8/claims/c.json", note_char, &s),
      BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "tests/fixtures/check/invalid_utf8/claims/c.json:"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(file_chars),         cmocka_unit_test(sample_data_is_clean),
      cmocka_unit_test(fixture_cases),      cmocka_unit_test(specific_messages),
      cmocka_unit_test(caret_printer),      cmocka_unit_test(runs_of_bad_characters),
      cmocka_unit_test(five_megabyte_line), cmocka_unit_test(missing_folder_and_single_file),
      cmocka_unit_test(dataset_of_sample),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
