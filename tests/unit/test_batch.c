/* test_batch.c - `briefpress batch` and the profile composer: safe file
 * names from hostile record values, shard selection, records read one at a
 * time (a bad row fails alone, a duplicate id fails the load), a batch over a small
 * fixture (one bad record reported with its field while the others are
 * written, no temporary files left, a manifest whose bytes and SHA-256 match
 * the files), re-runs that skip unchanged records, --force, a changed record
 * re-rendered alone, shards, and profiles that read the same with and
 * without the piece cache. Fixtures: tests/fixtures/batch/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/batch.h"
#include "compose/compose.h"
#include "assert_ok.h"

/* ---- helpers ------------------------------------------------------------- */

static char *tmpdir_new(void) {
  char tmpl[] = "/tmp/bp-test-batch-XXXXXX";
  char *d = mkdtemp(tmpl);
  assert_non_null(d);
  return bp_strdup(d);
}

static void rm_rf(const char *dir) {
  DIR *dp = opendir(dir);
  if (!dp) return;
  struct dirent *e;
  while ((e = readdir(dp))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    struct stat sb;
    if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
      rm_rf(p);
    else
      unlink(p);
  }
  closedir(dp);
  rmdir(dir);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static int run(const char *const *args) {
  char *argv[64];
  int argc = 0;
  argv[argc++] = (char *)"batch";
  for (; *args; args++) argv[argc++] = (char *)*args;
  argv[argc] = NULL;
  return bp_cmd_batch(argc, argv);
}

static json_t *load_manifest(const char *path) {
  json_error_t err;
  json_t *j = json_load_file(path, 0, &err);
  if (!j) fail_msg("%s: %s", path, err.text);
  return j;
}

static json_t *entry(json_t *manifest, const char *id) {
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(manifest, "records"), i, e) {
    if (!strcmp(json_string_value(json_object_get(e, "id")), id)) return e;
  }
  return NULL;
}

static const char *str(json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* ---- slugs, names, shards -------------------------------------------------- */

static void slug_is_safe(const char *s) {
  assert_null(strchr(s, '/'));
  assert_null(strchr(s, '\\'));
  assert_true(strcmp(s, ".") && strcmp(s, ".."));
  assert_true(s[0] != '.' && s[0] != '-');
  for (const char *p = s; *p; p++)
    assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_');
}

static void test_slug_hostile(void **state) {
  (void)state;
  static const struct {
    const char *in, *want;
  } cases[] = {
      {"../../etc/passwd", "etc-passwd"},
      {"a/b", "a-b"},
      {"..", ""},
      {".", ""},
      {"", ""},
      {"/", ""},
      {"C:\\Windows\\system32", "c-windows-system32"},
      {"Côte d’Ivoire", "cote-divoire"},
      {"Co\xcc\x82te", "cote"}, /* decomposed (NFD) accents */
      {"North Korea's missions", "north-koreas-missions"},
      {"São Tomé and Príncipe", "sao-tome-and-principe"},
      {"대한민국", "daehanminguk"},
      {"Korea 대한민국", "korea-daehanminguk"},
      {"한국어", "hangugeo"},
      {"朝鮮", ""},
      {"CON", "con-"},
      {"nul", "nul-"},
      {"com1", "com1-"},
      {"  -rf --no-preserve-root", "rf-no-preserve-root"},
      {"new\nline\ttab", "new-line-tab"},
      {"\xff\xfe\x80", ""},
      {"under_score-dash", "under_score-dash"},
      {"Guinea", "guinea"},
      {"$(rm -rf ~)", "rm-rf"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *s = bp_slug(cases[i].in, 96);
    if (strcmp(s, cases[i].want))
      fail_msg("slug(\"%s\") = \"%s\", want \"%s\"", cases[i].in, s, cases[i].want);
    slug_is_safe(s);
    free(s);
  }
  /* very long: cut at a dash, within the limit */
  char longname[2048];
  longname[0] = '\0';
  for (int i = 0; i < 60; i++) strcat(longname, "Uganda with a long name ");
  char *s = bp_slug(longname, 96);
  assert_true(strlen(s) <= 96 && strlen(s) > 40);
  assert_true(s[strlen(s) - 1] != '-');
  slug_is_safe(s);
  free(s);
  s = bp_slug(NULL, 96);
  assert_string_equal(s, "");
  free(s);
}

static bp_records *records_of(const char *const *rows, size_t n, size_t cols) {
  bp_records *r = bp_calloc(1, sizeof *r);
  r->path = bp_strdup("test.csv");
  r->n_cols = cols;
  r->names = bp_calloc(cols, sizeof(char *));
  r->names[0] = bp_strdup("id");
  r->names[1] = bp_strdup("name_en");
  r->rows = bp_calloc(n, sizeof *r->rows);
  r->n_rows = n;
  for (size_t i = 0; i < n; i++) { /* one block: the pointers, then the texts */
    size_t total = 0;
    for (size_t k = 0; k < cols; k++) total += strlen(rows[i * cols + k]) + 1;
    char **f = bp_malloc(cols * sizeof(char *) + total);
    char *p = (char *)(f + cols);
    for (size_t k = 0; k < cols; k++) {
      f[k] = strcpy(p, rows[i * cols + k]);
      p += strlen(p) + 1;
    }
    r->rows[i].fields = f;
    r->rows[i].line = (int)i + 2;
  }
  return r;
}

static void test_file_names(void **state) {
  (void)state;
  const char *rows[] = {"guinea", "Guinea",     "g2", "guinea", "x1", "../../etc/passwd",
                        "x2",     "..",         "x3", "",       "x4", "대한민국",
                        "x5",     "etc/passwd", "x6", "CON"};
  bp_records *r = records_of(rows, 8, 2);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_batch_names *names;
  assert_ok(bp_batch_names_new(&ctx, r, "{name_en}", &names), &ctx);
  const char *want[] = {"guinea", "guinea-2",     "etc-passwd",   "x2",
                        "x3",     "daehanminguk", "etc-passwd-2", "con-"};
  for (size_t i = 0; i < 8; i++) {
    assert_string_equal(bp_batch_names_file(names, i), want[i]);
    assert_string_equal(bp_batch_names_id(names, i), rows[2 * i]);
    slug_is_safe(bp_batch_names_file(names, i));
  }
  bp_batch_names_free(names);
  /* the default pattern is the id */
  assert_ok(bp_batch_names_new(&ctx, r, NULL, &names), &ctx);
  assert_string_equal(bp_batch_names_file(names, 0), "guinea");
  assert_string_equal(bp_batch_names_file(names, 1), "g2");
  bp_batch_names_free(names);
  bp_records_free(r);
}

/* Names taken twice get the first free -2, -3...: also when a record's own
 * name is such a name, and for many records of one name. */
static void test_file_names_taken(void **state) {
  (void)state;
  const char *rows[] = {"r1", "a", "r2", "a",   "r3", "a-3", "r4", "a",
                        "r5", "a", "r6", "a-2", "r7", "a",   "r8", "a-5"};
  bp_records *r = records_of(rows, 8, 2);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_batch_names *names;
  assert_ok(bp_batch_names_new(&ctx, r, "{name_en}", &names), &ctx);
  const char *want[] = {"a", "a-2", "a-3", "a-4", "a-5", "a-2-2", "a-6", "a-5-2"};
  for (size_t i = 0; i < 8; i++) assert_string_equal(bp_batch_names_file(names, i), want[i]);
  bp_batch_names_free(names);
  bp_records_free(r);
  enum { N = 3000 };
  const char **many = bp_calloc(2 * N, sizeof *many);
  for (size_t i = 0; i < N; i++) {
    many[2 * i] = "same";
    many[2 * i + 1] = "x";
  }
  r = records_of(many, N, 2);
  assert_ok(bp_batch_names_new(&ctx, r, NULL, &names), &ctx);
  assert_string_equal(bp_batch_names_file(names, 0), "same");
  for (size_t i = 1; i < N; i++) {
    char want_i[32];
    snprintf(want_i, sizeof want_i, "same-%zu", i + 1);
    assert_string_equal(bp_batch_names_file(names, i), want_i);
  }
  bp_batch_names_free(names);
  bp_records_free(r);
  free(many);
}

static void test_shards(void **state) {
  (void)state;
  int i, n;
  assert_true(bp_batch_shard_parse("0/1", &i, &n) && i == 0 && n == 1);
  assert_true(bp_batch_shard_parse("3/4", &i, &n) && i == 3 && n == 4);
  const char *bad[] = {"4/4", "-1/2", "1/0", "a/b", "1/2x", "1", "", "/2", "1/", "0/100001", NULL};
  for (const char **b = bad; *b; b++)
    if (bp_batch_shard_parse(*b, &i, &n)) fail_msg("--shard %s accepted", *b);
  assert_false(bp_batch_shard_parse(NULL, &i, &n));
  /* every record in exactly one shard, every n-th from i */
  for (int count = 1; count <= 5; count++)
    for (size_t row = 0; row < 23; row++) {
      int owners = 0;
      for (int k = 0; k < count; k++) owners += bp_batch_in_shard(row, k, count);
      assert_int_equal(owners, 1);
      assert_true(bp_batch_in_shard(row, (int)(row % (size_t)count), count));
    }
  assert_true(bp_batch_in_shard(0, 1, 3) == false && bp_batch_in_shard(1, 1, 3) &&
              bp_batch_in_shard(4, 1, 3) && !bp_batch_in_shard(5, 1, 3));
}

/* A batch reads its records through the data layer one record at a time
 * (bp_records_load_each): a bad record fails alone, a bad file the batch. */
static void test_records_each(void **state) {
  (void)state;
  char *dir = tmpdir_new();
  char path[512];
  snprintf(path, sizeof path, "%s/r.csv", dir);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_records *rec;
  /* quoted fields with commas, quotes and newlines; a short row; a bad id */
  write_file(path, "\xEF\xBB\xBFid,name_en,note\r\n"
                   "a,\"Guinea, Conakry\",\"say \"\"hi\"\"\nnext line\"\r\n"
                   "b,short\n"
                   "\n"
                   "c d,Bad,id\n"
                   "e,Fine,\n");
  assert_ok(bp_records_load_each(&ctx, path, &rec), &ctx);
  assert_int_equal(rec->n_rows, 4);
  assert_string_equal(rec->rows[0].fields[1], "Guinea, Conakry");
  assert_string_equal(rec->rows[0].fields[2], "say \"hi\"\nnext line");
  assert_null(rec->rows[0].error);
  assert_non_null(strstr(rec->rows[1].error, "r.csv:4:3: expected 3 fields"));
  assert_string_equal(rec->rows[1].fields[2], ""); /* padded */
  assert_string_equal(rec->rows[2].error_field, "id");
  assert_non_null(strstr(rec->rows[2].error, "r.csv:6:1: field id: invalid id 'c d'"));
  assert_int_equal(rec->rows[3].line, 7);
  assert_null(rec->rows[3].error);
  bp_records_free(rec);
  /* a control character fails its record, at its place */
  write_file(path, "id,name_en\nx\x1b[2J,One\ny,Two\n");
  assert_ok(bp_records_load_each(&ctx, path, &rec), &ctx);
  assert_non_null(strstr(rec->rows[0].error, "r.csv:2:2: field id: control character U+001B"));
  assert_string_equal(rec->rows[0].error_field, "id");
  assert_null(rec->rows[1].error);
  bp_records_free(rec);
  /* the whole load fails: a duplicate id (naming both lines), a bad header,
   * no records; and what the old lenient reader took as it was, the CSV
   * parser refuses at file:line:col (a record whose fields are in doubt is
   * not rendered) */
  static const char *const bad[][2] = {
      {"id,name_en\nx,One\ny,Two\nx,Three\n", "r.csv:4:1: duplicate id 'x' (first at line 2)"},
      {"name,id\nx,y\n", "r.csv:1:1: the first column of a records file must be 'id'"},
      {"id,name\n", "no records"},
      {"id,name\nx,\"open\n", "r.csv:2:3: unterminated quoted field"},
      {"id,name\nx,say \"hi\"\ny,Two\n", "r.csv:2:7: quote inside an unquoted field"},
      {"id,name\nx,\"Guinea\" Conakry\n",
       "r.csv:2:11: expected ',' or end of line after the closing quote"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    write_file(path, bad[i][0]);
    assert_int_equal(bp_records_load_each(&ctx, path, &rec), BP_ERR_DATA);
    assert_null(rec);
    ASSERT_MSG(ctx, bad[i][1]);
    bp_ctx_clear(&ctx);
  }
  rm_rf(dir);
  free(dir);
}

/* A batch keeps each record's place, not its fields (bp_records_index):
 * every record read again is the record bp_records_load_each reads, a bad
 * record still fails alone with its line, column and field, and what is
 * held a record does not depend on its fields. */
static void test_records_index(void **state) {
  (void)state;
  char *dir = tmpdir_new();
  char path[512];
  snprintf(path, sizeof path, "%s/r.csv", dir);
  bp_buf csv = {0};
  bp_buf_puts(&csv, "\xEF\xBB\xBFid,name_en,note,closed_on\r\n");
  const size_t n = 600, bad_row = 299, short_row = 450;
  for (size_t i = 0; i < n; i++) {
    if (i == bad_row)
      bp_buf_printf(&csv, "r%zu,Bad date,,31.02.2020\r\n", i);
    else if (i == short_row)
      bp_buf_printf(&csv, "r%zu,short\r\n", i);
    else /* quotes, the delimiter and a newline inside fields; every other row a date */
      bp_buf_printf(&csv, "r%zu,\"Name, %zu\",\"say \"\"%zu\"\"\nline two\",%s\r\n", i, i, i,
                    i % 2 ? "05.12.2023" : "");
  }
  write_file(path, csv.data);
  bp_buf_free(&csv);
  bp_csv_dialect over = {0};
  char why[200];
  assert_true(bp_csv_dialect_set(&over, "date_format", "DD.MM.YYYY", why, sizeof why));
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_records *all, *idx;
  assert_ok(bp_records_load_each_with(&ctx, path, &over, &all), &ctx);
  assert_ok(bp_records_index(&ctx, path, &over, &idx), &ctx);
  assert_int_equal(idx->n_rows, n);
  for (size_t i = 0; i < n; i++) {
    const bp_record *a = &all->rows[i], *x = &idx->rows[i];
    assert_int_equal(x->line, a->line);
    if (a->error) { /* a failed record keeps its fields and its message */
      assert_string_equal(x->error, a->error);
      assert_non_null(x->fields);
    } else {
      assert_null(x->error);
      assert_null(x->fields); /* its place only */
    }
    char **f;
    assert_ok(bp_records_read_row(&ctx, idx, i, &f), &ctx);
    for (size_t k = 0; k < idx->n_cols; k++) assert_string_equal(f[k], a->fields[k]);
    free(f);
  }
  assert_true(sizeof(bp_record) <= 40);
  char line[32];
  snprintf(line, sizeof line, "r.csv:%d:", idx->rows[bad_row].line);
  assert_non_null(strstr(idx->rows[bad_row].error, line));
  assert_non_null(strstr(idx->rows[bad_row].error, "field closed_on: invalid date '31.02.2020'"));
  assert_string_equal(idx->rows[bad_row].error_field, "closed_on");
  assert_non_null(strstr(idx->rows[short_row].error, "expected 4 fields"));
  char **f;
  assert_ok(bp_records_read_row(&ctx, idx, 1, &f), &ctx);
  assert_string_equal(f[2], "say \"1\"\nline two");
  assert_string_equal(f[3], "2023-12-05"); /* in the dialect's date format: as ISO 8601 */
  free(f);

  /* a delimiter detected from the header is the one the records are read
   * again with */
  char semi[512];
  snprintf(semi, sizeof semi, "%s/semi.csv", dir);
  write_file(semi, "id;name_en\nx;\"A, B\"\n");
  bp_records *sr;
  assert_ok(bp_records_index(&ctx, semi, NULL, &sr), &ctx);
  assert_ok(bp_records_read_row(&ctx, sr, 0, &f), &ctx);
  assert_string_equal(f[1], "A, B");
  free(f);
  bp_records_free(sr);

  /* the names hold each record's id and file name, and an offset: nothing
   * of its other fields */
  bp_batch_names *names;
  assert_ok(bp_batch_names_new(&ctx, idx, "{name_en}", &names), &ctx);
  size_t texts = 0;
  for (size_t i = 0; i < n; i++)
    texts += strlen(bp_batch_names_id(names, i)) + strlen(bp_batch_names_file(names, i)) + 2;
  assert_true(bp_batch_names_bytes(names) <= texts + (n + 1) * sizeof(size_t) + 64);
  assert_string_equal(bp_batch_names_file(names, 1), "name-1");
  assert_string_equal(bp_batch_names_file(names, bad_row), "bad-date");
  bp_batch_names_free(names);

  /* the file written to since it was indexed: a record that no longer
   * parses as it did fails, and so does one past the end */
  FILE *fp = fopen(path, "r+b");
  assert_non_null(fp);
  assert_int_equal(fseek(fp, (long)idx->rows[3].off + 1, SEEK_SET), 0); /* r3 -> r" */
  fputc('"', fp);
  fclose(fp);
  assert_int_equal(bp_records_read_row(&ctx, idx, 3, &f), BP_ERR_DATA);
  ASSERT_MSG(ctx, "the record is not what it was");
  bp_ctx_clear(&ctx);
  assert_int_equal(truncate(path, (off_t)idx->rows[10].off), 0);
  assert_int_equal(bp_records_read_row(&ctx, idx, 10, &f), BP_ERR_IO);
  ASSERT_MSG(ctx, "the file is shorter now");
  bp_ctx_clear(&ctx);
  assert_ok(bp_records_read_row(&ctx, idx, 2, &f), &ctx); /* untouched */
  free(f);
  bp_records_free(all);
  bp_records_free(idx);
  rm_rf(dir);
  free(dir);
}

/* ---- a batch over the small fixture ---------------------------------------- */

static void no_temp_files(const char *dir) {
  DIR *dp = opendir(dir);
  assert_non_null(dp);
  struct dirent *e;
  while ((e = readdir(dp)))
    if (strstr(e->d_name, ".tmp")) fail_msg("temporary file left: %s/%s", dir, e->d_name);
  closedir(dp);
}

/* The entry's bytes and sha256 are those of the file it names. */
static void entry_matches_file(json_t *e, const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, str(e, "file"));
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *data;
  size_t len;
  assert_ok(bp_file_read(&ctx, path, &data, &len), &ctx);
  char hex[65];
  bp_sha256_hex(data, len, hex);
  assert_string_equal(hex, str(e, "sha256"));
  assert_int_equal((json_int_t)len, json_integer_value(json_object_get(e, "bytes")));
  assert_memory_equal(data, "%PDF-", 5);
  free(data);
  assert_true(json_integer_value(json_object_get(e, "pages")) >= 1);
}

static long long mtime_ns(const char *dir, const char *file) {
  char p[4096];
  snprintf(p, sizeof p, "%s/%s", dir, file);
  struct stat sb;
  if (stat(p, &sb) != 0) return -1;
  return (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
}

static void test_batch_run(void **state) {
  (void)state;
  char *dir = tmpdir_new();
  char out[512], manifest[600], csv[600];
  snprintf(out, sizeof out, "%s/out/profiles", dir); /* created, parents too */
  snprintf(manifest, sizeof manifest, "%s/manifest.json", out);
  const char *args[] = {"templates/country-profile.json",
                        "tests/fixtures/batch/small.csv",
                        "-o",
                        out,
                        "--data",
                        "data",
                        "--name",
                        "{name_en}",
                        "-j",
                        "2",
                        "-q",
                        NULL};
  /* one bad record: exit 1, the others written */
  assert_int_equal(run(args), 1);
  no_temp_files(out);
  json_t *m = load_manifest(manifest);
  assert_int_equal(json_array_size(json_object_get(m, "records")), 3);
  json_t *g = entry(m, "guinea"), *t = entry(m, "traversal"), *bad = entry(m, "bad-date");
  assert_non_null(g);
  assert_non_null(t);
  assert_non_null(bad);
  assert_string_equal(str(g, "status"), "written");
  assert_string_equal(str(g, "file"), "guinea.pdf");
  assert_non_null(strstr(str(g, "title"), "Guinea"));
  assert_non_null(strstr(str(g, "title"), "기니"));
  entry_matches_file(g, out);
  assert_string_equal(str(t, "file"), "x-y.pdf"); /* "../../x/y" stays inside */
  entry_matches_file(t, out);
  assert_string_equal(str(bad, "status"), "failed");
  json_t *err = json_object_get(bad, "error");
  assert_string_equal(str(err, "field"), "closed_on");
  assert_non_null(strstr(str(err, "message"), "record 'bad-date'"));
  assert_non_null(strstr(str(err, "message"), "small.csv:4"));
  assert_non_null(strstr(str(err, "message"), "February 2024 has 29 days"));
  char p[700];
  snprintf(p, sizeof p, "%s/libya.pdf", out);
  assert_int_equal(access(p, F_OK), -1); /* no file for the failed record */
  assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "summary"), "failed")), 1);
  long long g_time = mtime_ns(out, "guinea.pdf");
  char g_sha[65];
  snprintf(g_sha, sizeof g_sha, "%s", str(g, "sha256"));
  json_decref(m);

  /* a re-run renders nothing that has not changed (the bad one fails again) */
  assert_int_equal(run(args), 1);
  m = load_manifest(manifest);
  assert_string_equal(str(entry(m, "guinea"), "status"), "unchanged");
  assert_string_equal(str(entry(m, "traversal"), "status"), "unchanged");
  assert_string_equal(str(entry(m, "guinea"), "sha256"), g_sha);
  assert_string_equal(str(entry(m, "bad-date"), "status"), "failed");
  assert_true(mtime_ns(out, "guinea.pdf") == g_time);
  json_decref(m);

  /* --force renders again: the same bytes */
  const char *force[] = {"templates/country-profile.json",
                         "tests/fixtures/batch/small.csv",
                         "-o",
                         out,
                         "--data",
                         "data",
                         "--name",
                         "{name_en}",
                         "-q",
                         "--force",
                         "--only",
                         "guinea",
                         NULL};
  assert_int_equal(run(force), 0);
  m = load_manifest(manifest);
  assert_string_equal(str(entry(m, "guinea"), "status"), "written");
  assert_string_equal(str(entry(m, "guinea"), "sha256"), g_sha);
  assert_string_equal(str(entry(m, "traversal"), "status"), "unchanged"); /* carried over */
  assert_int_equal(json_array_size(json_object_get(m, "records")), 2);
  json_decref(m);

  /* a changed record is rendered again, the others are not */
  snprintf(csv, sizeof csv, "%s/small.csv", dir);
  write_file(csv,
             "id,iso2,name_en,name_ko,mission,city,status,closed_on,status_note,source_id\n"
             "guinea,GN,Guinea,기니,embassy,Conakry,closed,2023-12-05,changed note,mbc_20231205\n"
             "traversal,NP,../../x/y,네팔,embassy,Kathmandu,closed,2023-11-06,,\n");
  const char *changed[] = {"templates/country-profile.json",
                           csv,
                           "-o",
                           out,
                           "--data",
                           "data",
                           "--name",
                           "{name_en}",
                           "-q",
                           NULL};
  assert_int_equal(run(changed), 0);
  m = load_manifest(manifest);
  assert_string_equal(str(entry(m, "guinea"), "status"), "written");
  assert_string_not_equal(str(entry(m, "guinea"), "sha256"), g_sha);
  assert_string_equal(str(entry(m, "traversal"), "status"), "unchanged");
  entry_matches_file(entry(m, "guinea"), out);
  json_decref(m);

  /* a shard renders every n-th record from i into its own manifest */
  char out2[600], m2[700];
  snprintf(out2, sizeof out2, "%s/shards", dir);
  const char *shard[] = {"templates/country-profile.json",
                         "tests/fixtures/batch/small.csv",
                         "-o",
                         out2,
                         "--data",
                         "data",
                         "-q",
                         "--shard",
                         "1/3",
                         NULL};
  assert_int_equal(run(shard), 0);
  snprintf(m2, sizeof m2, "%s/manifest.shard-1-of-3.json", out2);
  m = load_manifest(m2);
  assert_int_equal(json_array_size(json_object_get(m, "records")), 1);
  assert_non_null(entry(m, "traversal"));
  assert_string_equal(str(entry(m, "traversal"), "file"), "traversal.pdf");
  json_decref(m);
  snprintf(p, sizeof p, "%s/guinea.pdf", out2);
  assert_int_equal(access(p, F_OK), -1);

  /* usage and set-up errors */
  const char *no_out[] = {"templates/country-profile.json", "tests/fixtures/batch/small.csv", NULL};
  assert_int_equal(run(no_out), 2);
  const char *bad_shard[] = {"templates/country-profile.json",
                             "tests/fixtures/batch/small.csv",
                             "-o",
                             out2,
                             "--shard",
                             "3/3",
                             NULL};
  assert_int_equal(run(bad_shard), 2);
  const char *unknown[] = {"templates/country-profile.json",
                           "tests/fixtures/batch/small.csv",
                           "-o",
                           out2,
                           "--data",
                           "data",
                           "--only",
                           "nobody",
                           "-q",
                           NULL};
  assert_int_equal(run(unknown), 2);
  rm_rf(dir);
  free(dir);
}

/* ---- the composer ------------------------------------------------------------- */

static bp_fontset *fs;
static bp_typesetter *ts;
static bp_dataset *ds;
static bp_template *tpl;

static int setup(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  if (bp_fontset_open(&ctx, "fonts", &fs) || bp_typesetter_new(&ctx, fs, &ts)) return -1;
  if (bp_dataset_load(&ctx, "data", &ds)) return -1;
  if (bp_template_load(&ctx, "templates/country-profile.json", &tpl)) return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  bp_template_free(tpl);
  bp_dataset_free(ds);
  bp_typesetter_free(ts);
  bp_fontset_free(fs);
  return 0;
}

static char *trace_of(const bp_dlist *dl) {
  char *out = NULL;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_dlist_run(dl, bp_trace_device_new(NULL, &out), &ctx), BP_OK);
  return out;
}

static bool page_has_text(const bp_dlist *dl, const char *needle) {
  for (size_t p = 0; p < dl->n_pages; p++)
    for (size_t i = 0; i < dl->pages[p].n_items; i++) {
      const bp_dl_item *it = &dl->pages[p].items[i];
      if (it->kind == BP_DL_TEXT && strstr(it->u.text.text, needle)) return true;
    }
  return false;
}

/* Every item lies inside the page; every "note-N" link has its destination. */
static void well_formed(const bp_dlist *dl) {
  for (size_t p = 0; p < dl->n_pages; p++) {
    const bp_dl_page *pg = &dl->pages[p];
    for (size_t i = 0; i < pg->n_items; i++) {
      const bp_dl_item *it = &pg->items[i];
      if (it->kind == BP_DL_TEXT) {
        assert_true(it->u.text.x_pt >= 0 && it->u.text.x_pt + it->u.text.width_pt <= pg->width_pt);
        assert_true(it->u.text.y_pt > 0 && it->u.text.y_pt < pg->height_pt);
      }
      if (it->kind == BP_DL_LINK && it->u.link.dest) {
        bool found = false;
        for (size_t q = 0; q < dl->n_pages && !found; q++)
          for (size_t k = 0; k < dl->pages[q].n_items && !found; k++)
            found = dl->pages[q].items[k].kind == BP_DL_DEST &&
                    !strcmp(dl->pages[q].items[k].u.dest.name, it->u.link.dest);
        if (!found) fail_msg("link to missing destination %s", it->u.link.dest);
      }
    }
  }
}

/* Record `row` composed through `cache` and without one: the same display
 * list, well formed, with the record's names. */
static void compose_cached(bp_profile_cache *cache, const bp_records *rec, size_t row) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_dlist *a = NULL, *b = NULL;
  bp_profile_info ia, ib;
  assert_ok(bp_compose_profile(&ctx, ts, tpl, ds, rec, row, -1, cache, &ia, &a), &ctx);
  assert_ok(bp_compose_profile(&ctx, ts, tpl, ds, rec, row, -1, NULL, &ib, &b), &ctx);
  char *ta = trace_of(a), *tb = trace_of(b);
  assert_string_equal(ta, tb);
  assert_int_equal(ia.pages, (int)a->n_pages);
  well_formed(a);
  assert_true(page_has_text(a, bp_records_field(rec, row, "name_en")));
  assert_true(page_has_text(a, bp_records_field(rec, row, "name_ko")));
  free(ta);
  free(tb);
  bp_profile_info_free(&ia);
  bp_profile_info_free(&ib);
  bp_dlist_free(a);
  bp_dlist_free(b);
}

/* The countries' rows through a cache of `max` bytes (0: the default):
 * returns the most bytes it held after a profile, and its lookups. */
static size_t compose_rows(size_t max, const size_t *rows, size_t n, size_t *hits, size_t *misses) {
  const bp_records *rec = bp_dataset_records(ds, "countries");
  assert_non_null(rec);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_ok(bp_profile_check_template(&ctx, tpl, ds, rec), &ctx);
  bp_profile_cache *cache = bp_profile_cache_new(max);
  size_t bytes = 0, most = 0;
  for (size_t k = 0; k < n; k++) {
    compose_cached(cache, rec, rows[k]);
    bp_profile_cache_stats(cache, hits, misses, &bytes);
    if (bytes > most) most = bytes;
  }
  bp_profile_cache_free(cache);
  return most;
}

/* Workers that renew their font sets and cairo's caches after every few
 * records write the same PDFs as workers that never do. First in main():
 * the reset of cairo's caches needs that no cairo font is alive, and the
 * other tests' typesetter has laid out nothing yet. */
static void test_batch_renewed_same(void **state) {
  (void)state;
  char *dir = tmpdir_new();
  char out[2][512];
  size_t every[2] = {0, 3};
  for (int k = 0; k < 2; k++) {
    snprintf(out[k], sizeof out[k], "%s/renew-%zu", dir, every[k]);
    const char *args[] = {"templates/country-profile.json",
                          "data/countries.csv",
                          "-o",
                          out[k],
                          "--data",
                          "data",
                          "-j",
                          "2",
                          "-q",
                          NULL};
    bp_batch_renew_every = every[k];
    assert_int_equal(run(args), 0);
  }
  bp_batch_renew_every = 500;
  char mpath[600];
  snprintf(mpath, sizeof mpath, "%s/manifest.json", out[0]);
  json_t *m = load_manifest(mpath);
  size_t i, n = 0;
  json_t *e;
  json_array_foreach(json_object_get(m, "records"), i, e) {
    char *bytes[2];
    size_t len[2];
    for (int k = 0; k < 2; k++) {
      char p[700];
      snprintf(p, sizeof p, "%s/%s", out[k], str(e, "file"));
      bp_ctx ctx;
      bp_ctx_init(&ctx);
      assert_ok(bp_file_read(&ctx, p, &bytes[k], &len[k]), &ctx);
    }
    assert_int_equal(len[0], len[1]);
    assert_memory_equal(bytes[0], bytes[1], len[0]);
    free(bytes[0]);
    free(bytes[1]);
    n++;
  }
  assert_true(n >= 10);
  /* every record in file order, the entries of both runs the same: what
   * went through the manifest's spool and what did not */
  size_t rows = 0;
  FILE *csv = fopen("data/countries.csv", "r");
  assert_non_null(csv);
  for (int c; (c = fgetc(csv)) != EOF;) rows += c == '\n';
  fclose(csv);
  assert_int_equal(n, rows - 1);
  snprintf(mpath, sizeof mpath, "%s/manifest.json", out[1]);
  json_t *m1 = load_manifest(mpath);
  json_object_del(json_object_get(m, "summary"), "seconds");
  json_object_del(json_object_get(m1, "summary"), "seconds");
  assert_true(json_equal(m, m1));
  json_decref(m1);
  json_decref(m);
  rm_rf(dir);
  free(dir);
}

static void test_profile_cached_same(void **state) {
  (void)state;
  size_t rows[] = {0, 11, 0}; /* Guinea, Russia (two pages), Guinea again from the cache */
  size_t hits, misses;
  assert_true(compose_rows(0, rows, 3, &hits, &misses) > 0);
  assert_true(hits > misses / 2);
}

/* A cache far smaller than the profiles' pieces stays within its bytes (the
 * least recently used pieces go; none is larger than the bound alone) and
 * the profiles are the same. */
static void test_profile_cache_bounded(void **state) {
  (void)state;
  size_t rows[] = {0, 11, 3, 0};
  size_t most = compose_rows(16 << 10, rows, 4, NULL, NULL);
  assert_true(most > 0 && most <= 16 << 10);
}

static void test_profile_bad_field(void **state) {
  (void)state;
  char *dir = tmpdir_new();
  char path[512];
  snprintf(path, sizeof path, "%s/r.csv", dir);
  const char *hdr = "id,iso2,name_en,name_ko,mission,city,status,closed_on,status_note,source_id\n";
  bp_buf csv = {0};
  bp_buf_puts(&csv, hdr);
  bp_buf_puts(&csv, "ok,GN,Guinea,기니,embassy,Conakry,closed,2023-12-05,,\n");
  /* Arabic: no font of the set has it */
  bp_buf_puts(&csv, "tofu,GN,Guinea \xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A,기니,,,,,,\n");
  bp_buf_puts(&csv, "ctl,GN,Gui\x01nea,기니,,,,,,\n");
  bp_buf_puts(&csv, "nameless,,,,,,,,,\n");
  write_file(path, csv.data);
  bp_buf_free(&csv);
  /* the template needs its columns */
  {
    char bad[600];
    snprintf(bad, sizeof bad, "%s/few.csv", dir);
    write_file(bad, "id,iso2,name_en\nx,GN,Guinea\n");
    bp_ctx c2;
    bp_ctx_init(&c2);
    bp_records *few;
    assert_ok(bp_records_load_each(&c2, bad, &few), &c2);
    assert_int_equal(bp_profile_check_template(&c2, tpl, ds, few), BP_ERR_DATA);
    assert_non_null(strstr(c2.msg, "country-profile.json:"));
    assert_non_null(strstr(c2.msg, "have no column"));
    bp_records_free(few);
  }
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_records *br;
  assert_ok(bp_records_load_each(&ctx, path, &br), &ctx);
  assert_ok(bp_profile_check_template(&ctx, tpl, ds, br), &ctx);
  bp_dlist *dl = NULL;
  bp_profile_info info;
  assert_ok(bp_compose_profile(&ctx, ts, tpl, ds, br, 0, -1, NULL, &info, &dl), &ctx);
  bp_dlist_free(dl);
  bp_profile_info_free(&info);
  assert_int_equal(bp_compose_profile(&ctx, ts, tpl, ds, br, 1, -1, NULL, &info, &dl), BP_ERR_FONT);
  assert_null(dl);
  assert_string_equal(info.bad_field, "name_en");
  assert_non_null(strstr(ctx.msg, "record 'tofu'"));
  assert_non_null(strstr(ctx.msg, "U+0639"));
  bp_profile_info_free(&info);
  bp_ctx_clear(&ctx);
  assert_int_equal(bp_compose_profile(&ctx, ts, tpl, ds, br, 2, -1, NULL, &info, &dl), BP_ERR_DATA);
  assert_string_equal(info.bad_field, "name_en");
  assert_non_null(strstr(ctx.msg, "control character U+0001"));
  bp_profile_info_free(&info);
  bp_ctx_clear(&ctx);
  /* missing data: sections skipped, a warning, still a profile */
  assert_ok(bp_compose_profile(&ctx, ts, tpl, ds, br, 3, -1, NULL, &info, &dl), &ctx);
  assert_true(info.n_warnings >= 1);
  assert_true(page_has_text(dl, "nameless"));
  bp_dlist_free(dl);
  bp_profile_info_free(&info);
  bp_records_free(br);
  rm_rf(dir);
  free(dir);
}

static void test_template_errors(void **state) {
  (void)state;
  char *dir = tmpdir_new();
  char path[512];
  snprintf(path, sizeof path, "%s/t.json", dir);
  const bp_records *rec = bp_dataset_records(ds, "countries");
  static const struct {
    const char *json, *want;
  } cases[] = {
      {"{\"sections\": [{\"type\": \"sidebar\"}]}", "unknown section type \"sidebar\""},
      {"{\"sections\": [{\"type\": \"title\", \"text\": \"{name_en}\"}, {\"type\": \"facts\", "
       "\"rows\": "
       "[{\"label\": \"X\", \"field\": \"capital\"}]}]}",
       "no column \"capital\""},
      {"{\"sections\": [{\"type\": \"title\", \"text\": \"{name_en}\"}, {\"type\": \"masthead\", "
       "\"left\": "
       "\"{motto}\"}]}",
       "{motto}"},
      {"{\"sections\": [{\"type\": \"title\", \"text\": \"{name_en}\"}, {\"type\": \"charts\", "
       "\"charts\": "
       "[{\"kind\": \"line\", \"series\": \"gdp\"}]}]}",
       "no series \"gdp\""},
      {"{\"sections\": [{\"type\": \"title\", \"text\": \"{name_en}\"}, {\"type\": \"claims\", "
       "\"colour\": 1}]}",
       "unknown key \"colour\" in a claims section"},
      {"{\"sections\": []}", "non-empty array"},
      {"{\"sections\": [{\"type\": \"facts\", \"rows\": []}]}", "no \"title\" section"},
      {"{\"sections\": [{\"type\": \"title\", \"text\": \"{name_en}\"}, {\"type\": \"facts\"}, "
       "{\"type\": "
       "\"facts\"}]}",
       "a second \"facts\" section"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    write_file(path, cases[i].json);
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    bp_template *t = NULL;
    bp_status st = bp_template_load(&ctx, path, &t);
    if (!st) st = bp_profile_check_template(&ctx, t, ds, rec);
    if (st != BP_ERR_DATA) fail_msg("%s: status %d, \"%s\"", cases[i].json, st, ctx.msg);
    if (!strstr(ctx.msg, cases[i].want)) fail_msg("%s: got \"%s\"", cases[i].json, ctx.msg);
    bp_template_free(t);
  }
  rm_rf(dir);
  free(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_batch_renewed_same), /* first: see there */
      cmocka_unit_test(test_slug_hostile),
      cmocka_unit_test(test_file_names),
      cmocka_unit_test(test_file_names_taken),
      cmocka_unit_test(test_shards),
      cmocka_unit_test(test_records_each),
      cmocka_unit_test(test_records_index),
      cmocka_unit_test(test_batch_run),
      cmocka_unit_test(test_profile_cached_same),
      cmocka_unit_test(test_profile_cache_bounded),
      cmocka_unit_test(test_profile_bad_field),
      cmocka_unit_test(test_template_errors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
