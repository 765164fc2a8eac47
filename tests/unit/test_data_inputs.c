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

#include "data/data.h"

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

#define ASSERT_MSG(ctx, part)                                                                      \
  do {                                                                                             \
    if (!strstr((ctx).msg, (part))) fail_msg("message '%s' lacks '%s'", (ctx).msg, (part));        \
  } while (0)

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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(file_read_refuses_what_is_not_a_file),
      cmocka_unit_test(file_read_stops_at_the_limit),
      cmocka_unit_test(data_root_is_above_the_kind_folder),
      cmocka_unit_test(article_paths_stay_in_the_data_folder),
      cmocka_unit_test(series_data_stays_in_the_data_folder),
      cmocka_unit_test(check_refuses_links_that_leave_the_folder),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
