/* test_data_inputs.c - what briefpress agrees to read: only regular files
 * (a folder, FIFO or device is refused with a clear message, and a FIFO
 * does not block), within size limits; paths named inside data files stay
 * inside the data folder (absolute paths, ".." and symbolic links that leave
 * it are errors at the place that names them), and `check` reports the same
 * errors the loaders do. Builds its folders under a temporary directory. */
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

#include "app/batch.h"
#include "data/data.h"
#include "data/jdoc.h"
#include "assert_ok.h"

static char tmp[64];

static char *at(const char *rel) {
  static char buf[4][512];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof buf[k], "%s/%s", tmp, rel);
  return buf[k];
}

static void put(const char *rel, const char *text) {
  char *p = at(rel);
  for (char *s = strchr(p + strlen(tmp) + 1, '/'); s; s = strchr(s + 1, '/')) {
    *s = '\0';
    mkdir(p, 0777);
    *s = '/';
  }
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static int setup(void **state) {
  (void)state;
  snprintf(tmp, sizeof tmp, "/tmp/bp-inputs-XXXXXX");
  return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
  return system(cmd) == 0 ? 0 : -1;
}

static void file_read_refuses_what_is_not_a_file(void **state) {
  (void)state;
  put("f/x.txt", "x");
  mkfifo(at("f/fifo"), 0600);
  symlink(at("f"), at("f/dirlink"));
  const struct {
    const char *path, *want;
  } cases[] = {
      {at("f"), "is a folder, not a file"},
      {at("f/dirlink"), "is a folder, not a file"},
      {at("f/fifo"), "is a FIFO (named pipe), not a file"}, /* and returns at once */
      {"/dev/zero", "is a character device, not a file"},
      {at("f/none"), "cannot open: No such file or directory"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    char *data = (char *)1;
    size_t len = 7;
    assert_int_equal(bp_file_read(&ctx, cases[i].path, &data, &len), BP_ERR_IO);
    assert_null(data);
    assert_int_equal(len, 0);
    ASSERT_MSG(ctx, cases[i].want);
    ASSERT_MSG(ctx, cases[i].path); /* names the input */
  }
}

static void file_read_stops_at_the_limit(void **state) {
  (void)state;
  put("g/100.txt", "0123456789012345678901234567890123456789012345678901234567890123456789"
                   "012345678901234567890123456789");
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *data = NULL;
  size_t len = 0;
  assert_int_equal(bp_file_read_max(&ctx, at("g/100.txt"), 99, &data, &len), BP_ERR_IO);
  ASSERT_MSG(ctx, "too large (100 bytes; the limit is 99)");
  bp_ctx_init(&ctx);
  assert_int_equal(bp_file_read_max(&ctx, at("g/100.txt"), 100, &data, &len), BP_OK);
  assert_int_equal(len, 100);
  assert_int_equal(data[100], '\0');
  free(data);
  /* a data file larger than 16 MiB is refused without reading it all */
  FILE *f = fopen(at("g/claims/big.json"), "wb");
  if (!f) {
    mkdir(at("g/claims"), 0777);
    f = fopen(at("g/claims/big.json"), "wb");
  }
  assert_non_null(f);
  assert_int_equal(ftruncate(fileno(f), (off_t)BP_DATA_FILE_MAX_BYTES + 1), 0);
  fclose(f);
  bp_ctx_init(&ctx);
  bp_claims *c = NULL;
  assert_int_equal(bp_claims_load(&ctx, at("g/claims/big.json"), NULL, &c), BP_ERR_IO);
  ASSERT_MSG(ctx, "big.json:1:1: too large (16777217 bytes; the limit is 16777216)");
}

static void data_root_is_above_the_kind_folder(void **state) {
  (void)state;
  const char *cases[][2] = {{"data/articles/a.json", "data"}, {"data/briefs/b.json", "data"},
                            {"data/series/s.json", "data"},   {"data/countries.csv", "data"},
                            {"articles/a.json", "."},         {"a.json", "."},
                            {"/x/y/a.json", "/x/y"}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *r = bp_data_root_of(cases[i][0]);
    assert_string_equal(r, cases[i][1]);
    free(r);
  }
}

/* A file named without a folder (or standard input, "-") run from inside a
 * kind folder: the data folder is the one above. */
static void data_root_of_a_file_in_a_kind_folder(void **state) {
  (void)state;
  char tmpl[] = "/tmp/bp-root-XXXXXX", back[4096];
  assert_non_null(mkdtemp(tmpl));
  assert_non_null(getcwd(back, sizeof back));
  char sub[4200];
  snprintf(sub, sizeof sub, "%s/articles", tmpl);
  assert_int_equal(mkdir(sub, 0777), 0);
  assert_int_equal(chdir(sub), 0);
  char *a = bp_data_root_of("a.json"), *in = bp_data_root_of(BP_STDIN_NAME);
  assert_int_equal(chdir(back), 0);
  rmdir(sub);
  rmdir(tmpl);
  assert_string_equal(a, "..");
  assert_string_equal(in, "..");
  free(a);
  free(in);
}

/* An article whose body is `body`: the loader and `check` fail with the same
 * message, at the manifest's "body" value, and contain `want`. */
static void article_body_refused(const char *body, const char *want) {
  char manifest[512];
  snprintf(manifest, sizeof manifest, "{\n  \"title\": \"T\",\n  \"body\": \"%s\"\n}\n", body);
  put("a/articles/a.json", manifest);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_article *a = NULL;
  assert_int_not_equal(bp_article_load(&ctx, at("a/articles/a.json"), &a), BP_OK);
  assert_null(a);
  ASSERT_MSG(ctx, "articles/a.json:3:12: \"body\": ");
  ASSERT_MSG(ctx, want);
  assert_null(strstr(ctx.msg, "root:")); /* nothing of /etc/passwd */
  bp_diag_list *dl = NULL;
  bp_ctx c2;
  bp_ctx_init(&c2);
  assert_int_equal(bp_check_folder(&c2, at("a"), NULL, &dl), BP_OK);
  assert_true(dl->n_errors >= 1);
  bool same = false;
  for (size_t i = 0; i < dl->n; i++) {
    char *s = bp_diag_format(&dl->v[i]);
    const char *m = strstr(s, "error: ");
    if (m && strstr(ctx.msg, m + 7)) same = true;
    free(s);
  }
  if (!same) {
    bp_diag_print(dl, stderr, false);
    fail_msg("check does not report '%s'", ctx.msg);
  }
  bp_diag_list_free(dl);
}

static void article_paths_stay_in_the_data_folder(void **state) {
  (void)state;
  put("a/articles/ok.md", "Fine.\n");
  put("outside.md", "Secret.\n");
  mkdir(at("a/articles/folder.md"), 0777);
  mkfifo(at("a/articles/fifo.md"), 0600);
  symlink("/etc/passwd", at("a/articles/passwd.md"));
  symlink(at("outside.md"), at("a/articles/link.md"));
  article_body_refused("/etc/passwd", "/etc/passwd is an absolute path");
  article_body_refused("../../../../../../../../etc/passwd", "is outside the data folder");
  article_body_refused("../../outside.md", "is outside the data folder");
  article_body_refused("passwd.md", "symbolic link to /etc/passwd, outside the data folder");
  article_body_refused("link.md", "outside the data folder");
  article_body_refused("folder.md", "is a folder, not a file");
  article_body_refused("fifo.md", "is a FIFO (named pipe), not a file");
  article_body_refused("none.md", "none.md: not found");
  article_body_refused("", "the path is empty");
  /* inside is fine, ".." included */
  put("a/articles/a.json", "{\"title\": \"T\", \"body\": \"../articles/ok.md\"}");
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_article *a = NULL;
  assert_int_equal(bp_article_load(&ctx, at("a/articles/a.json"), &a), BP_OK);
  bp_article_free(a);
  /* the bibliography too */
  put("a/articles/a.json", "{\"title\": \"T\", \"body\": \"ok.md\",\n"
                           " \"bibliography\": \"/etc/passwd\"}");
  assert_int_equal(bp_article_load(&ctx, at("a/articles/a.json"), &a), BP_ERR_DATA);
  ASSERT_MSG(ctx, "a.json:2:19: \"bibliography\": /etc/passwd is an absolute path");
}

static void series_data_stays_in_the_data_folder(void **state) {
  (void)state;
  put("s/series/s.json", "{\"title\": \"S\", \"data\": \"/dev/zero\"}");
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_series *s = NULL;
  assert_int_equal(bp_series_load(&ctx, at("s/series/s.json"), &s), BP_ERR_DATA);
  ASSERT_MSG(ctx, "s.json:1:25: \"data\": /dev/zero is an absolute path");
  put("s/series/s.json", "{\"title\": \"S\", \"data\": \"../../outside.csv\"}");
  put("outside.csv", "year,n\n2020,1\n");
  bp_ctx_init(&ctx);
  assert_int_equal(bp_series_load(&ctx, at("s/series/s.json"), &s), BP_ERR_DATA);
  ASSERT_MSG(ctx, "is outside the data folder");
  bp_diag_list *dl = NULL;
  assert_int_equal(bp_check_folder(&ctx, at("s"), NULL, &dl), BP_OK);
  assert_int_equal(dl->n_errors, 1);
  assert_non_null(strstr(dl->v[0].message, "is outside the data folder"));
  bp_diag_list_free(dl);
}

static void check_refuses_links_that_leave_the_folder(void **state) {
  (void)state;
  put("k/claims/ok.json", "[]");
  put("elsewhere/c.json", "[{\"id\": \"x\", \"text\": \"Secret.\"}]");
  symlink(at("elsewhere/c.json"), at("k/claims/c.json"));
  symlink("/dev/zero", at("k/claims/z.json")); /* not a regular file: not listed */
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_diag_list *dl = NULL;
  assert_int_equal(bp_check_folder(&ctx, at("k"), NULL, &dl), BP_OK);
  assert_int_equal(dl->n_errors, 1);
  assert_string_equal(dl->v[0].file, at("k/claims/c.json"));
  assert_non_null(strstr(dl->v[0].message, "symbolic link"));
  bp_diag_list_free(dl);
  bp_dataset *ds = NULL;
  assert_int_equal(bp_dataset_load(&ctx, at("k"), &ds), BP_ERR_DATA);
  ASSERT_MSG(ctx, "claims/c.json:1:1: ");
}

static void text_must_be_clean_utf8(void **state) {
  (void)state;
  const struct {
    const char *s;
    size_t n, bad;
    const char *why;
  } cases[] = {
      {"Gui\0nea", 7, 3, "NUL byte (U+0000)"},
      {"a\x07"
       "b",
       3, 1, "control character U+0007"},
      {"\x1b[31m", 5, 0, "control character U+001B"},
      {"x\x7f", 2, 1, "control character U+007F"},
      {"x\xc2\x85", 3, 1, "control character U+0085"},
      {"a\xe2\x80\xae"
       "b",
       5, 1, "bidirectional control character U+202E"},
      {"caf\xc3(", 5, 3, "invalid UTF-8 (byte 0xC3)"},
      /* a run of bad bytes or controls: one reason, at the first, with the count */
      {"ok \xff\xfe\xc3\x28 ok \xff", 10, 3, "invalid UTF-8 (byte 0xFF; 3 bytes from here)"},
      {"a\x07\x1b\xc2\x85 b\x07", 8, 1, "control character U+0007 (3 characters from here)"},
      {"Gui\0\0nea", 8, 3, "NUL byte (U+0000; 2 characters from here)"},
      {"x\xff\x07", 3, 1, "invalid UTF-8 (byte 0xFF); save"}, /* a run is of one kind */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    size_t bad = 99;
    char why[96];
    assert_false(bp_text_clean(cases[i].s, cases[i].n, &bad, why, sizeof why));
    assert_int_equal(bad, cases[i].bad);
    if (!strstr(why, cases[i].why)) fail_msg("'%s' lacks '%s'", why, cases[i].why);
  }
  size_t bad;
  char why[96];
  const char *ok = "tab\there\r\nnew line, 한국어";
  assert_true(bp_text_clean(ok, strlen(ok), &bad, why, sizeof why));
  assert_string_equal(bp_text_foreign_encoding("\xff\xfei\0d\0", 6), "UTF-16 (little-endian)");
  assert_string_equal(bp_text_foreign_encoding("\xfe\xff\0i\0d", 6), "UTF-16 (big-endian)");
  assert_string_equal(bp_text_foreign_encoding("i\0d\0,\0n\0", 8), "UTF-16 (little-endian)");
  assert_string_equal(bp_text_foreign_encoding("\0i\0d\0,\0n", 8), "UTF-16 (big-endian)");
  assert_string_equal(bp_text_foreign_encoding("\xff\xfe\0\0i\0\0\0", 8), "UTF-32 (little-endian)");
  assert_string_equal(bp_text_foreign_encoding("i\0\0\0d\0\0\0", 8), "UTF-32 (little-endian)");
  assert_null(bp_text_foreign_encoding("id,name\n", 8));
  assert_null(bp_text_foreign_encoding("\xef\xbb\xbfid", 5));
}

/* The loaders stop where `check` does (tests/fixtures/check/control_chars
 * and utf16 hold the same files, with check's output). */
static void loaders_refuse_control_characters(void **state) {
  (void)state;
  const char *cases[][2] = {
      {"control_chars/claims/bell.json", "bell.json:2:30: control character U+0007"},
      {"control_chars/claims/escaped.json",
       "escaped.json:2:29: NUL byte (U+0000) (written as an escape)"},
      {"control_chars/claims/bidi.json", "bidi.json:2:30: bidirectional control character U+202E"},
      {"control_chars/countries.csv", "countries.csv:2:11: NUL byte (U+0000)"},
      {"control_chars/articles/a.json", "a.md:3:7: control character U+000C"},
      {"utf16/claims/c.json", "c.json:1:1: the file is UTF-16 (little-endian), not UTF-8"},
      {"utf16/countries.csv", "countries.csv:1:1: the file is UTF-16 (little-endian), not UTF-8"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char path[256];
    snprintf(path, sizeof path, "tests/fixtures/check/%s", cases[i][0]);
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    bp_status st;
    if (strstr(path, ".csv")) {
      bp_records *r = NULL;
      st = bp_records_load(&ctx, path, &r);
      assert_null(r);
    } else if (strstr(path, "articles/")) {
      bp_article *a = NULL;
      st = bp_article_load(&ctx, path, &a);
      assert_null(a);
    } else {
      bp_claims *c = NULL;
      st = bp_claims_load(&ctx, path, NULL, &c);
      assert_null(c);
    }
    assert_int_equal(st, BP_ERR_DATA);
    ASSERT_MSG(ctx, cases[i][1]);
  }
}

/* batch reads its records one record at a time: a NUL fails its record (it
 * cut "Guinea" to "Gui" before), a UTF-16 file the whole batch. */
static void batch_records_refuse_control_characters(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_records *br = NULL;
  assert_int_equal(
      bp_records_load_each(&ctx, "tests/fixtures/check/control_chars/countries.csv", &br), BP_OK);
  assert_int_equal(br->n_rows, 2);
  assert_non_null(br->rows[0].error);
  assert_non_null(strstr(br->rows[0].error, "countries.csv:2:11: field name: NUL byte (U+0000)"));
  assert_string_equal(br->rows[0].error_field, "name");
  assert_null(br->rows[1].error);
  bp_records_free(br);
  assert_int_equal(bp_records_load_each(&ctx, "tests/fixtures/check/utf16/countries.csv", &br),
                   BP_ERR_DATA);
  assert_null(br);
  ASSERT_MSG(ctx, "countries.csv:1:1: the file is UTF-16 (little-endian), not UTF-8");
}

/* A string of `n` bytes: words of `word` letters separated by spaces. */
static char *text_of(size_t n, size_t word) {
  char *s = malloc(n + 1);
  for (size_t i = 0; i < n; i++) s[i] = (i + 1) % (word + 1) ? 'a' + (char)(i % 26) : ' ';
  s[n] = '\0';
  return s;
}

static void text_limits(void **state) {
  (void)state;
  size_t bad;
  char why[160];
  char *ok = text_of(BP_TEXT_MAX_BYTES, BP_WORD_MAX_BYTES);
  assert_true(bp_text_within_limits(ok, strlen(ok), &bad, why, sizeof why));
  char *para = text_of(BP_TEXT_MAX_BYTES + 1, 10);
  assert_false(bp_text_within_limits(para, strlen(para), &bad, why, sizeof why));
  assert_int_equal(bad, 0);
  assert_string_equal(why, "a text of 65537 bytes is longer than the limit of 65536 bytes for one "
                           "paragraph or field");
  char *word = text_of(3000, 2049); /* "aaa...a" (2049 bytes) + " " + more */
  memmove(word + 5, word, 2995);    /* now starting at byte 5 */
  memcpy(word, "abcd ", 5);
  assert_false(bp_text_within_limits(word, 3000, &bad, why, sizeof why));
  assert_int_equal(bad, 5);
  assert_string_equal(
      why, "a word of 2049 bytes (no space in it) is longer than the limit of 2048 bytes");
  free(ok);
  free(para);
  free(word);
}

/* What ends a word: a space, tab, newline or carriage return, U+2028 and
 * U+3000 (three bytes, whole); not U+2029, nor a U+3000 cut short at the
 * end of the text. */
static void text_limits_word_ends(void **state) {
  (void)state;
  const struct {
    const char *sep;
    bool ok;
  } seps[] = {{" ", true},
              {"\t", true},
              {"\n", true},
              {"\r", true},
              {"\xE2\x80\xA8", true},
              {"\xE3\x80\x80", true},
              {"\xE2\x80\xA9", false},
              {"\xE3\x80\x81", false},
              {"\xC2\xA0", false}};
  for (size_t k = 0; k < sizeof seps / sizeof *seps; k++) {
    char buf[4100], why[160] = "";
    size_t sl = strlen(seps[k].sep), bad = 99;
    memset(buf, 'a', 2000);
    memcpy(buf + 2000, seps[k].sep, sl);
    memset(buf + 2000 + sl, 'a', 2000);
    bool ok = bp_text_within_limits(buf, 4000 + sl, &bad, why, sizeof why);
    if (ok != seps[k].ok) fail_msg("separator %zu: %s", k, why);
    if (!ok) assert_int_equal(bad, 0);
  }
  char end[2050], why[160];
  size_t bad;
  memset(end, 'a', sizeof end);
  memcpy(end + 2046, "\xE3\x80\x80", 3); /* 2046 bytes, then U+3000 at the very end */
  assert_true(bp_text_within_limits(end, 2049, &bad, why, sizeof why));
  memset(end, 'a', sizeof end);
  memcpy(end + 2047, "\xE3\x80", 2); /* cut short: a word of 2049 bytes */
  assert_false(bp_text_within_limits(end, 2049, &bad, why, sizeof why));
  assert_string_equal(
      why, "a word of 2049 bytes (no space in it) is longer than the limit of 2048 bytes");
}

/* A long word in a claim, a record, a Markdown paragraph and a brief is an
 * error where it starts; the loaders and `check` agree. */
static void loaders_enforce_text_limits(void **state) {
  (void)state;
  char *w = text_of(BP_WORD_MAX_BYTES + 1, BP_WORD_MAX_BYTES + 1);
  bp_buf b = {0};
  bp_buf_printf(&b, "[\n  {\"id\": \"c1\", \"text\": \"A \\u00e9 %s [@s]\"}\n]\n", w);
  put("t/claims/c.json", b.data);
  bp_buf_free(&b);
  bp_buf_printf(&b, "id,name\nkp,\"Korea\"\nxx,\"x %s\"\n", w);
  put("t/countries.csv", b.data);
  bp_buf_free(&b);
  bp_buf_printf(&b, "# Title\n\nFirst.\n\nSecond *and* %s\n", w);
  put("t/articles/a.md", b.data);
  put("t/articles/a.json", "{\"title\": \"T\", \"body\": \"a.md\"}");
  bp_buf_free(&b);
  char *title = text_of(BP_TEXT_MAX_BYTES + 10, 8);
  bp_buf_printf(&b, "{\n  \"template\": \"x.json\",\n  \"title\": \"%s\"\n}\n", title);
  put("t/briefs/b.json", b.data);
  bp_buf_free(&b);
  free(title);
  free(w);
  const char *want[] = {
      "claims/c.json:2:34: a word of 2049 bytes", /* after "A \u00e9 ": columns as written */
      "countries.csv:3:7: a word of 2049 bytes",
      "articles/a.md:5:14: a word of 2049 bytes",
      "briefs/b.json:3:13: a text of 65546 bytes is longer than the limit",
  };
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_claims *c = NULL;
  assert_int_equal(bp_claims_load(&ctx, at("t/claims/c.json"), NULL, &c), BP_ERR_DATA);
  ASSERT_MSG(ctx, want[0]);
  bp_ctx_init(&ctx);
  bp_records *r = NULL;
  assert_int_equal(bp_records_load(&ctx, at("t/countries.csv"), &r), BP_ERR_DATA);
  ASSERT_MSG(ctx, want[1]);
  bp_ctx_init(&ctx);
  bp_article *a = NULL;
  assert_int_equal(bp_article_load(&ctx, at("t/articles/a.json"), &a), BP_ERR_DATA);
  ASSERT_MSG(ctx, want[2]);
  bp_ctx_init(&ctx);
  bp_jdoc *jd = NULL;
  assert_int_equal(bp_jdoc_load(&ctx, at("t/briefs/b.json"), &jd), BP_ERR_DATA);
  ASSERT_MSG(ctx, want[3]);
  bp_diag_list *dl = NULL;
  assert_int_equal(bp_check_folder(&ctx, at("t"), NULL, &dl), BP_OK);
  for (size_t k = 0; k < 3; k++) {
    bool found = false;
    for (size_t i = 0; i < dl->n && !found; i++) {
      char *d = bp_diag_format(&dl->v[i]);
      char *x = strdup(want[k]);
      char *colon = strstr(x, ": ");
      *colon = '\0'; /* "file:line:col" then the message */
      found = strstr(d, x) && strstr(d, colon + 2);
      free(x);
      free(d);
    }
    if (!found) fail_msg("check does not report %s", want[k]);
  }
  bp_diag_list_free(dl);
  /* batch: the record with the long field fails, with the field's name */
  bp_records *br = NULL;
  assert_int_equal(bp_records_load_each(&ctx, at("t/countries.csv"), &br), BP_OK);
  assert_null(br->rows[0].error);
  assert_non_null(strstr(br->rows[1].error, "countries.csv:3:7: field name: a word of 2049 bytes"));
  assert_string_equal(br->rows[1].error_field, "name");
  bp_records_free(br);
}

static void nothing_accepted_silently(void **state) {
  (void)state;
  assert_true(bp_text_blank(""));
  assert_true(bp_text_blank(" \t\n\xC2\xA0\xE3\x80\x80\xE2\x80\x8B"));
  assert_false(bp_text_blank(" x "));
  /* --name: every {field} must be a column */
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_records *br = NULL;
  assert_int_equal(bp_records_load_each(&ctx, "tests/fixtures/batch/small.csv", &br), BP_OK);
  assert_int_equal(bp_batch_check_name_pattern(&ctx, br, "{iso2}-{name_en}"), BP_OK);
  assert_int_equal(bp_batch_check_name_pattern(&ctx, br, "plain"), BP_OK);
  assert_int_equal(bp_batch_check_name_pattern(&ctx, br, "{id}-{nosuch}"), BP_ERR_USAGE);
  ASSERT_MSG(ctx, "no column 'nosuch' (known fields: {id}, {iso2}, {name_en}");
  bp_records_free(br);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(file_read_refuses_what_is_not_a_file),
      cmocka_unit_test(file_read_stops_at_the_limit),
      cmocka_unit_test(data_root_is_above_the_kind_folder),
      cmocka_unit_test(data_root_of_a_file_in_a_kind_folder),
      cmocka_unit_test(article_paths_stay_in_the_data_folder),
      cmocka_unit_test(series_data_stays_in_the_data_folder),
      cmocka_unit_test(check_refuses_links_that_leave_the_folder),
      cmocka_unit_test(text_must_be_clean_utf8),
      cmocka_unit_test(loaders_refuse_control_characters),
      cmocka_unit_test(batch_records_refuse_control_characters),
      cmocka_unit_test(text_limits),
      cmocka_unit_test(text_limits_word_ends),
      cmocka_unit_test(loaders_enforce_text_limits),
      cmocka_unit_test(nothing_accepted_silently),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
