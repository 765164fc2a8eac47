/* test_api.c - the public API (include/briefpress.h): a brief rendered to a
 * file, to memory and through a callback gives the same bytes; a record of
 * a records CSV renders; every failure returns its status with a message
 * (NULL arguments, a missing file, an unknown record id, a callback that
 * refuses), and out-parameters are cleared on failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "briefpress.h"
#include "core/bp.h"

static briefpress_fonts *fonts;

static int setup(void **state) {
  (void)state;
  briefpress_error err;
  if (briefpress_fonts_open("fonts", &fonts, &err)) {
    fprintf(stderr, "%s\n", err.message);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  briefpress_fonts_free(fonts);
  return 0;
}

#define ASSERT_OK(call)                                                                            \
  do {                                                                                             \
    briefpress_error e_ = {0};                                                                     \
    briefpress_error *err = &e_;                                                                   \
    if ((call) != BRIEFPRESS_OK) fail_msg("%s: %s", #call, e_.message);                            \
  } while (0)

static int collect(void *ud, const void *data, size_t len) {
  bp_buf_put(ud, data, len);
  return 0;
}

static int refuse(void *ud, const void *data, size_t len) {
  (void)ud, (void)data, (void)len;
  return 1;
}

static void brief_three_ways(void **state) {
  (void)state;
  briefpress_doc *doc = NULL;
  ASSERT_OK(briefpress_doc_load(fonts, "data/briefs/nk-missions.json", NULL, &doc, err));
  assert_int_equal(briefpress_doc_pages(doc), 1);
  assert_non_null(briefpress_doc_title(doc));
  unsigned char *mem = NULL;
  size_t len = 0;
  ASSERT_OK(briefpress_doc_render_memory(doc, &mem, &len, err));
  assert_true(len > 1000);
  assert_memory_equal(mem, "%PDF-", 5);
  bp_buf cb = {0};
  ASSERT_OK(briefpress_doc_render_write(doc, collect, &cb, err));
  assert_int_equal(cb.len, len);
  assert_memory_equal(cb.data, mem, len);
  char path[] = "/tmp/bp-test-api-XXXXXX";
  assert_non_null(mkdtemp(path));
  char file[64];
  snprintf(file, sizeof file, "%s/brief.pdf", path);
  ASSERT_OK(briefpress_doc_render_file(doc, file, err));
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *disk = NULL;
  size_t disk_len = 0;
  assert_int_equal(bp_file_read_own(&ctx, file, &disk, &disk_len), BP_OK);
  assert_int_equal(disk_len, len);
  assert_memory_equal(disk, mem, len);
  /* a callback that refuses: an I/O error */
  briefpress_error err;
  assert_int_equal(briefpress_doc_render_write(doc, refuse, NULL, &err), BRIEFPRESS_ERR_IO);
  assert_int_equal(err.status, BRIEFPRESS_ERR_IO);
  assert_non_null(strstr(err.message, "write callback"));
  unlink(file);
  rmdir(path);
  free(disk);
  bp_buf_free(&cb);
  briefpress_free(mem);
  briefpress_doc_free(doc);
}

static void record_of_a_csv(void **state) {
  (void)state;
  briefpress_doc *doc = NULL;
  ASSERT_OK(briefpress_doc_load_record(fonts, "templates/country-profile.json",
                                       "data/countries.csv", NULL, "guinea", &doc, err));
  assert_true(briefpress_doc_pages(doc) >= 1);
  unsigned char *mem = NULL;
  size_t len = 0;
  ASSERT_OK(briefpress_doc_render_memory(doc, &mem, &len, err));
  assert_memory_equal(mem, "%PDF-", 5);
  briefpress_free(mem);
  briefpress_doc_free(doc);
}

static void failures_say_why(void **state) {
  (void)state;
  briefpress_error err;
  briefpress_doc *doc = (briefpress_doc *)&err; /* must be cleared */
  assert_int_equal(briefpress_doc_load(fonts, "data/briefs/nonexistent.json", NULL, &doc, &err),
                   BRIEFPRESS_ERR_IO);
  assert_null(doc);
  assert_non_null(strstr(err.message, "nonexistent.json"));
  assert_int_equal(briefpress_doc_load_record(fonts, "templates/country-profile.json",
                                              "data/countries.csv", "data", "no-such-id", &doc,
                                              &err),
                   BRIEFPRESS_ERR_USAGE);
  assert_null(doc);
  assert_non_null(strstr(err.message, "no-such-id"));
  assert_int_equal(briefpress_doc_load(NULL, "x", NULL, &doc, &err), BRIEFPRESS_ERR_USAGE);
  assert_int_equal(briefpress_doc_load(fonts, "x", NULL, NULL, NULL), BRIEFPRESS_ERR_USAGE);
  unsigned char *mem = (unsigned char *)"x";
  size_t len = 7;
  assert_int_equal(briefpress_doc_render_memory(NULL, &mem, &len, &err), BRIEFPRESS_ERR_USAGE);
  assert_null(mem);
  assert_int_equal(len, 0);
  briefpress_fonts *f = (briefpress_fonts *)&err;
  assert_int_equal(briefpress_fonts_open("/nonexistent", &f, &err), BRIEFPRESS_ERR_IO);
  assert_null(f);
  assert_non_null(strstr(err.message, "/nonexistent"));
  briefpress_doc_free(NULL);
  briefpress_fonts_free(NULL);
  briefpress_free(NULL);
  assert_string_equal(briefpress_version(), BRIEFPRESS_VERSION);
  assert_string_equal(BRIEFPRESS_VERSION, BP_VERSION);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(brief_three_ways),
      cmocka_unit_test(record_of_a_csv),
      cmocka_unit_test(failures_say_why),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
