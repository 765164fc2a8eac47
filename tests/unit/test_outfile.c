/* test_outfile.c - the output-file module: SHA-256 in pieces, target checks
 * (symlink, FIFO, folder, input refused), commit and discard, groups (all or
 * nothing, one name once), the sweep of dead processes' temporary files and
 * the folder lock; standard output ("-", /dev/stdout) written at the commit,
 * binary-safe, and not at all when the group fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/outfile.h"
#include "assert_ok.h"

static char *dir;

static int setup(void **state) {
  (void)state;
  char tmpl[] = "/tmp/bp-test-outfile-XXXXXX";
  dir = bp_strdup(mkdtemp(tmpl));
  bp_inputs_clear();
  return 0;
}

static int teardown(void **state) {
  (void)state;
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
  free(dir);
  bp_inputs_clear();
  return 0;
}

static char *in_dir(const char *name) {
  bp_buf b = {0};
  bp_buf_printf(&b, "%s/%s", dir, name);
  return bp_buf_detach(&b);
}

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static char *get(const char *path) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *s = NULL;
  return bp_file_read_own(&ctx, path, &s, NULL) == BP_OK ? s : NULL;
}

/* Files in dir whose name contains ".tmp." */
static int temp_files(void) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".tmp.")) n++;
  closedir(d);
  return n;
}

static void sha256_in_pieces(void **state) {
  (void)state;
  char data[300];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (char)(i * 7);
  char whole[65], parts[65];
  bp_sha256_hex(data, sizeof data, whole);
  for (size_t cut = 0; cut <= sizeof data; cut += 37) {
    bp_sha256 s;
    bp_sha256_init(&s);
    bp_sha256_update(&s, data, cut);
    bp_sha256_update(&s, data + cut, sizeof data - cut);
    bp_sha256_final(&s, parts);
    assert_string_equal(whole, parts);
  }
}

static void targets_refused(void **state) {
  (void)state;
  bp_ctx ctx;
  char *target = in_dir("target.txt"), *lnk = in_dir("link.pdf"), *fifo = in_dir("fifo.pdf"),
       *sub = in_dir("sub"), *input = in_dir("input.json"), *hard = in_dir("hard.json");
  put(target, "keep");
  assert_int_equal(symlink("target.txt", lnk), 0);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  assert_int_equal(mkdir(sub, 0700), 0);
  put(input, "{}");
  assert_int_equal(link(input, hard), 0);
  bp_inputs_add(input);
  const char *refused[] = {lnk, fifo, sub, input, hard};
  const char *why[] = {"symbolic link", "FIFO", "folder", "inputs", "inputs"};
  for (int i = 0; i < 5; i++) {
    bp_ctx_init(&ctx);
    bp_outfile *f = NULL;
    assert_int_not_equal(bp_outfile_open(&ctx, refused[i], &f), BP_OK);
    assert_null(f);
    assert_non_null(strstr(ctx.msg, refused[i]));
    assert_non_null(strstr(ctx.msg, why[i]));
  }
  bp_ctx_init(&ctx);
  assert_int_equal(bp_output_check(&ctx, target), BP_OK); /* a regular file */
  char *fresh = in_dir("new.pdf");
  assert_int_equal(bp_output_check(&ctx, fresh), BP_OK); /* a new path */
  char *s = get(target);
  assert_string_equal(s, "keep");
  assert_int_equal(temp_files(), 0);
  free(s);
  char *all[] = {target, lnk, fifo, sub, input, hard, fresh};
  for (int i = 0; i < 7; i++) free(all[i]);
}

static void commit_and_discard(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *path = in_dir("a.pdf");
  put(path, "old");
  bp_outfile *f;
  assert_int_equal(bp_outfile_open(&ctx, path, &f), BP_OK);
  assert_int_equal(bp_outfile_write(&ctx, f, "new ", 4), BP_OK);
  assert_int_equal(temp_files(), 1);
  bp_outfile_discard(f);
  assert_int_equal(temp_files(), 0);
  char *s = get(path);
  assert_string_equal(s, "old");
  free(s);
  assert_int_equal(bp_outfile_open(&ctx, path, &f), BP_OK);
  assert_int_equal(bp_outfile_write(&ctx, f, "new ", 4), BP_OK);
  assert_int_equal(bp_outfile_write(&ctx, f, "bytes", 5), BP_OK);
  bp_file_info info;
  assert_int_equal(bp_outfile_commit(&ctx, f, &info), BP_OK);
  s = get(path);
  assert_string_equal(s, "new bytes");
  char want[65];
  bp_sha256_hex("new bytes", 9, want);
  assert_int_equal(info.bytes, 9);
  assert_string_equal(info.sha256, want);
  assert_int_equal(temp_files(), 0);
  free(s);
  free(path);
}

/* What group g read back of `path` after its commit: `text`, by size and
 * SHA-256 (bp_outgroup_keep_sha256). */
static void assert_read_back(const bp_outgroup *g, const char *path, const char *text) {
  bp_file_info info;
  assert_true(bp_outgroup_info(g, path, &info));
  char want[65];
  bp_sha256_hex(text, strlen(text), want);
  assert_int_equal(info.bytes, (long long)strlen(text));
  assert_string_equal(info.sha256, want);
}

static void group_all_or_nothing(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *a = in_dir("a.pdf"), *b = in_dir("b.png");
  bp_outgroup *g = bp_outgroup_new();
  assert_int_equal(bp_file_write_to(&ctx, g, a, "A", 1, NULL), BP_OK);
  assert_int_equal(bp_file_write_to(&ctx, g, b, "B", 1, NULL), BP_OK);
  assert_non_null(bp_outgroup_staged_path(g, a));
  assert_int_not_equal(bp_file_write_to(&ctx, g, a, "again", 5, NULL), BP_OK);
  assert_non_null(strstr(ctx.msg, "two outputs"));
  bp_outgroup_free(g); /* not committed: nothing stays */
  assert_int_equal(access(a, F_OK), -1);
  assert_int_equal(access(b, F_OK), -1);
  assert_int_equal(temp_files(), 0);

  bp_ctx_init(&ctx);
  g = bp_outgroup_new();
  assert_int_equal(bp_file_write_to(&ctx, g, a, "A", 1, NULL), BP_OK);
  assert_int_equal(bp_file_write_to(&ctx, g, b, "B", 1, NULL), BP_OK);
  assert_int_equal(access(a, F_OK), -1); /* staged only */
  assert_int_equal(bp_outgroup_commit(&ctx, g), BP_OK);
  bp_file_info info;
  assert_true(bp_outgroup_info(g, b, &info));
  assert_int_equal(info.bytes, 1);
  assert_string_equal(info.sha256, ""); /* checked by CRC-32; no SHA-256 asked for */
  bp_outgroup_free(g);
  char *s = get(a);
  assert_string_equal(s, "A");
  free(s);
  assert_int_equal(temp_files(), 0);

  /* a group that keeps the SHA-256 of what it reads back (the batch manifest) */
  bp_ctx_init(&ctx);
  g = bp_outgroup_new();
  bp_outgroup_keep_sha256(g);
  assert_int_equal(bp_file_write_to(&ctx, g, b, "B2", 2, NULL), BP_OK);
  assert_int_equal(bp_outgroup_commit(&ctx, g), BP_OK);
  assert_read_back(g, b, "B2");
  bp_outgroup_free(g);
  assert_int_equal(temp_files(), 0);

  /* a target that turns into a symlink before the commit: nothing is renamed */
  bp_ctx_init(&ctx);
  g = bp_outgroup_new();
  char *c = in_dir("c.pdf");
  assert_int_equal(bp_file_write_to(&ctx, g, a, "A2", 2, NULL), BP_OK);
  assert_int_equal(bp_file_write_to(&ctx, g, c, "C", 1, NULL), BP_OK);
  assert_int_equal(symlink("b.png", c), 0);
  assert_int_not_equal(bp_outgroup_commit(&ctx, g), BP_OK);
  bp_outgroup_free(g);
  assert_int_equal(access(a, F_OK), -1); /* the group's other file went too */
  struct stat sb;
  assert_int_equal(lstat(c, &sb), 0);
  assert_true(S_ISLNK(sb.st_mode));
  assert_int_equal(temp_files(), 0);
  free(a);
  free(b);
  free(c);
}

/* A group whose files are synced at its commit, or all at once by the
 * caller (bp_outsync_data: a batch's staged PDFs): the files stay staged,
 * and open, until the commit; either way they come out whole, and a
 * discarded one leaves nothing. */
static void group_deferred_sync(void **state) {
  (void)state;
  bp_ctx ctx;
  char *a = in_dir("a.pdf"), *b = in_dir("b.pdf"), *c = in_dir("c.pdf");
  for (int synced = 0; synced < 2; synced++) {
    bp_ctx_init(&ctx);
    int fd = bp_outsync_open(dir);
    assert_true(fd >= 0);
    bp_outgroup *g = bp_outgroup_new(), *h = bp_outgroup_new(), *k = bp_outgroup_new();
    bp_outgroup_defer_file_sync(g);
    bp_outgroup_defer_file_sync(h);
    bp_outgroup_defer_file_sync(k);
    bp_outgroup_keep_sha256(h);
    assert_ok(bp_file_write_to(&ctx, g, a, "A", 1, NULL), &ctx);
    assert_ok(bp_file_write_to(&ctx, h, b, "BB", 2, NULL), &ctx);
    assert_ok(bp_file_write_to(&ctx, k, c, "C", 1, NULL), &ctx);
    assert_int_equal(access(a, F_OK), -1); /* staged only */
    assert_int_equal(temp_files(), 3);
    if (synced) {
      assert_true(bp_outsync_data(fd)); /* Linux 5.8 or later, as this machine */
      bp_outgroup_data_synced(g);
      bp_outgroup_data_synced(h);
    } else {
      close(fd); /* each file synced at its commit */
    }
    assert_ok(bp_outgroup_commit(&ctx, g), &ctx);
    assert_ok(bp_outgroup_commit(&ctx, h), &ctx);
    assert_read_back(h, b, "BB");
    bp_outgroup_free(g);
    bp_outgroup_free(h);
    bp_outgroup_free(k); /* never committed: its file goes */
    char *got = get(a);
    assert_string_equal(got, "A");
    free(got);
    assert_int_equal(access(c, F_OK), -1);
    assert_int_equal(temp_files(), 0);
    unlink(a);
    unlink(b);
  }
  assert_false(bp_outsync_data(-1)); /* no folder: each file syncs itself */
  free(a);
  free(b);
  free(c);
}

static void sweep_removes_only_dead_processes_files(void **state) {
  (void)state;
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, NULL, 0); /* a pid that no longer runs */
  char name[128];
  snprintf(name, sizeof name, "x.pdf.tmp.%ld.3", (long)child);
  char *dead = in_dir(name);
  snprintf(name, sizeof name, "y.pdf.tmp.%ld.4", (long)getppid()); /* alive */
  char *alive = in_dir(name);
  char *other = in_dir("notes.tmp.txt");
  put(dead, "x");
  put(alive, "y");
  put(other, "z");
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  size_t n = 0;
  assert_int_equal(bp_outdir_sweep(&ctx, dir, &n), BP_OK);
  assert_int_equal(n, 1);
  assert_int_equal(access(dead, F_OK), -1);
  assert_int_equal(access(alive, F_OK), 0);
  assert_int_equal(access(other, F_OK), 0);
  unlink(alive);
  free(dead);
  free(alive);
  free(other);
}

static void folder_lock_is_exclusive(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  int a = -1, b = -1;
  assert_int_equal(bp_outdir_lock(&ctx, dir, false, 0, NULL, &a), BP_OK);
  assert_int_not_equal(bp_outdir_lock(&ctx, dir, true, 0, NULL, &b), BP_OK);
  assert_non_null(strstr(ctx.msg, "another briefpress batch"));
  assert_int_equal(b, -1);
  close(a);
  bp_ctx_init(&ctx);
  assert_int_equal(bp_outdir_lock(&ctx, dir, true, 0, NULL, &a), BP_OK); /* shards share */
  assert_int_equal(bp_outdir_lock(&ctx, dir, true, 0, NULL, &b), BP_OK);
  close(a);
  close(b);
}

/* "-" and /dev/stdout: the bytes go to descriptor 1 at the commit, after the
 * group's files are in place, and nothing goes there when the group fails. */
static void standard_output(void **state) {
  (void)state;
  char *out = in_dir("stdout.bin"), *a = in_dir("a.pdf"), *c = in_dir("c.pdf");
  fflush(stdout); /* cmocka's own output stays on the real stdout */
  int saved = dup(STDOUT_FILENO);
  int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  assert_true(saved >= 0 && fd >= 0);
  dup2(fd, STDOUT_FILENO);
  close(fd);
  bp_ctx ctx, twice, failed;
  bp_ctx_init(&ctx);
  bp_ctx_init(&twice);
  bp_ctx_init(&failed);
  bp_outgroup *g = bp_outgroup_new();
  bp_status s_std = bp_file_write_to(&ctx, g, "-", "%PDF\0\n\r\xff", 8, NULL);
  bp_status s_a = bp_file_write_to(&ctx, g, a, "A", 1, NULL);
  bp_status s_twice = bp_file_write_to(&twice, g, "/dev/stdout", "x", 1, NULL);
  bp_status s_commit = bp_outgroup_commit(&ctx, g);
  bp_outgroup_free(g);
  g = bp_outgroup_new(); /* fails at the commit: c became a symlink */
  bp_file_write_to(&failed, g, "/dev/stdout", "never", 5, NULL);
  bp_file_write_to(&failed, g, c, "C", 1, NULL);
  int linked = symlink("a.pdf", c);
  bp_status s_failed = bp_outgroup_commit(&failed, g);
  bp_outgroup_free(g);
  dup2(saved, STDOUT_FILENO);
  close(saved);
  assert_int_equal(s_std, BP_OK);
  assert_int_equal(s_a, BP_OK);
  assert_int_equal(s_twice, BP_ERR_USAGE); /* - and /dev/stdout are one output */
  assert_non_null(strstr(twice.msg, "<stdout>"));
  if (s_commit) fail_msg("%s", ctx.msg);
  assert_int_equal(linked, 0);
  assert_int_not_equal(s_failed, BP_OK);
  char *got = NULL;
  size_t len = 0;
  assert_int_equal(bp_file_read_own(&ctx, out, &got, &len), BP_OK);
  assert_int_equal(len, 8); /* binary-safe, and "never" never written */
  assert_memory_equal(got, "%PDF\0\n\r\xff", 8);
  free(got);
  char *s = get(a);
  assert_string_equal(s, "A");
  free(s);
  struct stat sb;
  assert_int_equal(lstat("/dev/stdout", &sb), 0); /* never replaced */
  assert_true(S_ISLNK(sb.st_mode));
  assert_int_equal(temp_files(), 0);
  free(out);
  free(a);
  free(c);
}

static int waits_seen;
static void count_wait(const char *d) {
  assert_string_equal(d, dir);
  waits_seen++;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Closes *fd (a lock) after 300 ms. */
static void *release_later(void *fd) {
  struct timespec ts = {0, 300 * 1000 * 1000};
  nanosleep(&ts, NULL);
  close(*(int *)fd);
  return NULL;
}

/* A second batch waits for the folder (saying so once) until the first lets
 * go, or gives up after its limit. */
static void folder_lock_waits(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  int a = -1, b = -1;
  assert_ok(bp_outdir_lock(&ctx, dir, false, 0, NULL, &a), &ctx);
  waits_seen = 0;
  double t0 = now_s();
  assert_int_equal(bp_outdir_lock(&ctx, dir, true, 0.3, count_wait, &b), BP_ERR_IO);
  assert_true(now_s() - t0 >= 0.3);
  assert_int_equal(waits_seen, 1);
  assert_int_equal(b, -1);
  if (!strstr(ctx.msg, "still writing into this folder after 0 s of waiting"))
    fail_msg("message: %s", ctx.msg);
  bp_ctx_init(&ctx);
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, release_later, &a), 0);
  waits_seen = 0;
  t0 = now_s();
  assert_ok(bp_outdir_lock(&ctx, dir, false, -1, count_wait, &b), &ctx);
  assert_true(now_s() - t0 >= 0.25);
  pthread_join(th, NULL);
  assert_int_equal(waits_seen, 1);
  close(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sha256_in_pieces),
      cmocka_unit_test_setup_teardown(targets_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(commit_and_discard, setup, teardown),
      cmocka_unit_test_setup_teardown(group_all_or_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(group_deferred_sync, setup, teardown),
      cmocka_unit_test_setup_teardown(standard_output, setup, teardown),
      cmocka_unit_test_setup_teardown(sweep_removes_only_dead_processes_files, setup, teardown),
      cmocka_unit_test_setup_teardown(folder_lock_is_exclusive, setup, teardown),
      cmocka_unit_test_setup_teardown(folder_lock_waits, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
