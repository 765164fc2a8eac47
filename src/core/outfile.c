/* outfile.c - the one way briefpress writes a file (see outfile.h): a
 * temporary NAME.tmp.PID.N created with O_EXCL beside the target, checked
 * writes, fsync, checked close, rename only on success, fsync of the folder,
 * then the renamed file read back and compared (size and CRC-32) with what
 * was written; its SHA-256 only for a caller that asks (the batch manifest). Refuses targets that
 * are not regular files or new paths and files the run has read. Removes its temporary files on
 * every failure path and on SIGINT/SIGTERM/SIGHUP (in a thread of its own that waits for them);
 * never touches any other file. "-" and /dev/stdout name standard output: the bytes are kept in
 * memory and written to descriptor 1 at the commit (the device or link /dev/stdout is never opened
 * or replaced). */
#define _GNU_SOURCE /* syncfs */
#include "outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* ---- the input registry --------------------------------------------------- */

typedef struct input_ent {
  dev_t dev;
  ino_t ino;
  char *path;
} input_ent;

static pthread_mutex_t inputs_lock = PTHREAD_MUTEX_INITIALIZER;
static input_ent *inputs;
static size_t n_inputs, cap_inputs;

static void add_input(const struct stat *sb, const char *path) {
  pthread_mutex_lock(&inputs_lock);
  bool known = false;
  for (size_t i = 0; i < n_inputs && !known; i++)
    known = inputs[i].dev == sb->st_dev && inputs[i].ino == sb->st_ino;
  if (!known) {
    input_ent e = {sb->st_dev, sb->st_ino, bp_strdup(path)};
    BP_PUSH(inputs, n_inputs, cap_inputs, e);
  }
  pthread_mutex_unlock(&inputs_lock);
}

void bp_inputs_add(const char *path) {
  struct stat sb;
  if (path && stat(path, &sb) == 0) add_input(&sb, path);
}

void bp_inputs_add_fd(int fd, const char *path) {
  struct stat sb;
  if (fstat(fd, &sb) == 0) add_input(&sb, path);
}

void bp_inputs_clear(void) {
  pthread_mutex_lock(&inputs_lock);
  for (size_t i = 0; i < n_inputs; i++) free(inputs[i].path);
  free(inputs);
  inputs = NULL;
  n_inputs = cap_inputs = 0;
  pthread_mutex_unlock(&inputs_lock);
}

char **bp_inputs_list(size_t *n) {
  pthread_mutex_lock(&inputs_lock);
  char **list = n_inputs ? bp_calloc(n_inputs, sizeof *list) : NULL;
  for (size_t i = 0; i < n_inputs; i++) list[i] = bp_strdup(inputs[i].path);
  *n = n_inputs;
  pthread_mutex_unlock(&inputs_lock);
  return list;
}

/* The registered name of the input at (dev, ino), copied into buf; false when none. */
static bool input_named(dev_t dev, ino_t ino, char *buf, size_t size) {
  bool found = false;
  pthread_mutex_lock(&inputs_lock);
  for (size_t i = 0; i < n_inputs && !found; i++)
    if (inputs[i].dev == dev && inputs[i].ino == ino) {
      snprintf(buf, size, "%s", inputs[i].path);
      found = true;
    }
  pthread_mutex_unlock(&inputs_lock);
  return found;
}

/* ---- targets ----------------------------------------------------------------- */

bool bp_output_is_stdout(const char *path) {
  return path && (!strcmp(path, "-") || !strcmp(path, "/dev/stdout"));
}

/* Standard output may be written unless it is a file this run has read. */
static bp_status check_stdout(bp_ctx *ctx) {
  struct stat sb;
  char in[1024];
  if (fstat(STDOUT_FILENO, &sb) != 0)
    return bp_error(ctx, BP_ERR_IO, "%s: cannot write: %s", BP_STDOUT_NAME, BP_STRERROR(errno));
  if (S_ISREG(sb.st_mode) && input_named(sb.st_dev, sb.st_ino, in, sizeof in))
    return bp_error(ctx, BP_ERR_USAGE, "%s: refusing to write: it is one of this run's inputs (%s)",
                    BP_STDOUT_NAME, in);
  return BP_OK;
}

bp_status bp_output_check(bp_ctx *ctx, const char *path) {
  if (!path || !*path) return bp_error(ctx, BP_ERR_USAGE, "an output file name is empty");
  if (bp_output_is_stdout(path)) return check_stdout(ctx);
  struct stat sb;
  if (lstat(path, &sb) != 0) {
    if (errno == ENOENT) return BP_OK;
    return bp_error(ctx, BP_ERR_IO, "%s: cannot write: %s", path, BP_STRERROR(errno));
  }
  if (!S_ISREG(sb.st_mode))
    return bp_error(ctx, BP_ERR_IO,
                    "%s: refusing to write: it is %s (briefpress replaces only regular files)",
                    path, bp_file_type_name((unsigned)sb.st_mode));
  char in[1024];
  if (input_named(sb.st_dev, sb.st_ino, in, sizeof in)) {
    if (strcmp(in, path))
      return bp_error(ctx, BP_ERR_USAGE,
                      "%s: refusing to write: it is one of this run's inputs (%s)", path, in);
    return bp_error(ctx, BP_ERR_USAGE, "%s: refusing to write: it is one of this run's inputs",
                    path);
  }
  return BP_OK;
}

void bp_output_remove(const char *path) {
  struct stat sb;
  char in[8];
  if (!bp_output_is_stdout(path) && lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
      !input_named(sb.st_dev, sb.st_ino, in, sizeof in))
    unlink(path);
}

/* ---- temporary files known to the signal thread ------------------------------ */

/* Fixed slots, 0 free, 1 being filled, 2 holds a temporary path. A file that
 * finds no slot is still written; only its removal on a signal is lost (the
 * next run's sweep removes it). Creating a temporary file and taking its
 * slot happen under tmp_lock, which the signal thread takes before it
 * removes the files: no thread can be between the two when it does. */
#define N_SLOTS 256
static struct {
  volatile int state;
  char path[4096];
} slots[N_SLOTS];
static pthread_mutex_t tmp_lock = PTHREAD_MUTEX_INITIALIZER;

static int slot_take(const char *path) {
  if (strlen(path) >= sizeof slots[0].path) return -1;
  for (int i = 0; i < N_SLOTS; i++) {
    int expect = 0;
    if (__atomic_compare_exchange_n(&slots[i].state, &expect, 1, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED)) {
      strcpy(slots[i].path, path);
      __atomic_store_n(&slots[i].state, 2, __ATOMIC_RELEASE);
      return i;
    }
  }
  return -1;
}

static void slot_drop(int i) {
  if (i >= 0) __atomic_store_n(&slots[i].state, 0, __ATOMIC_RELEASE);
}

static const int fatal_sigs[] = {SIGINT, SIGTERM, SIGHUP};

/* Waits for SIGINT, SIGTERM or SIGHUP (blocked in every other thread),
 * removes this process's temporary files, then dies of that signal. An
 * ordinary thread, so it may lock: a signal handler could run between a
 * worker's open() and its slot_take() and miss that file. */
static void (*stop_fn)(void *, int); /* bp_outfile_on_signal's, once */
static void *stop_ud;

void bp_outfile_on_signal(void (*fn)(void *ud, int sig), void *ud) {
  __atomic_store_n(&stop_ud, ud, __ATOMIC_RELAXED);
  __atomic_store_n(&stop_fn, fn, __ATOMIC_RELEASE);
}

static void *signal_thread(void *arg) {
  const sigset_t *set = arg;
  int sig = 0;
  for (;;) {
    while (sigwait(set, &sig) != 0) {
    }
    /* a program that stops by itself is told, once; a second signal kills */
    void (*fn)(void *, int) = __atomic_exchange_n(&stop_fn, NULL, __ATOMIC_ACQ_REL);
    if (!fn) break;
    fn(__atomic_load_n(&stop_ud, __ATOMIC_RELAXED), sig);
  }
  pthread_mutex_lock(&tmp_lock); /* held until the process is gone */
  for (int i = 0; i < N_SLOTS; i++)
    if (__atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE) == 2) unlink(slots[i].path);
  signal(sig, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  pthread_sigmask(SIG_UNBLOCK, &one, NULL);
  raise(sig);
  _exit(128 + sig);
}

void bp_outfile_handle_signals(void) {
  static sigset_t set;
  sigemptyset(&set);
  int n_caught = 0;
  for (size_t i = 0; i < sizeof fatal_sigs / sizeof *fatal_sigs; i++) {
    struct sigaction old;
    /* a signal ignored by whoever started us (nohup, a shell's &) stays so */
    if (sigaction(fatal_sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaddset(&set, fatal_sigs[i]);
    n_caught++;
  }
  signal(SIGXFSZ, SIG_IGN);
  if (!n_caught) return; /* all ignored: nothing to wait for */
  /* blocked here, before any other thread exists, so every thread inherits
   * the mask and only signal_thread receives them */
  sigset_t old_mask;
  pthread_sigmask(SIG_BLOCK, &set, &old_mask);
  pthread_attr_t attr;
  pthread_t t;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  if (pthread_create(&t, &attr, signal_thread, &set) != 0)
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL); /* no thread: the default actions */
  pthread_attr_destroy(&attr);
}

/* ---- one output file ------------------------------------------------------------ */

struct bp_outfile {
  char *path, *tmp; /* tmp is NULL for standard output */
  int fd;           /* -1 once closed */
  int slot;
  bool renamed;
  bool to_stdout; /* the bytes wait in `mem` until the commit */
  bp_buf mem;
  unsigned long crc; /* CRC-32 of what was written: the read-back compares it */
  long long bytes;
  bp_file_info info; /* after commit */
};

static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return bp_strdup(".");
  if (slash == path) return bp_strdup("/");
  return bp_strndup(path, (size_t)(slash - path));
}

bp_status bp_outfile_open(bp_ctx *ctx, const char *path, bp_outfile **out) {
  static unsigned counter;
  *out = NULL;
  bp_status st = bp_output_check(ctx, path);
  if (st) return st;
  if (bp_output_is_stdout(path)) {
    bp_outfile *f = bp_calloc(1, sizeof *f);
    f->path = bp_strdup(BP_STDOUT_NAME);
    f->fd = f->slot = -1;
    f->to_stdout = true;
    f->crc = crc32_z(0, Z_NULL, 0);
    *out = f;
    return BP_OK;
  }
  struct stat old;
  bool replacing = stat(path, &old) == 0;
  for (int attempt = 0; attempt < 100; attempt++) {
    bp_buf b = {0};
    bp_buf_printf(&b, "%s.tmp.%ld.%u", path, (long)getpid(),
                  __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
    char *tmp = bp_buf_detach(&b);
    pthread_mutex_lock(&tmp_lock);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
    int open_errno = errno;
    int slot = fd >= 0 ? slot_take(tmp) : -1;
    pthread_mutex_unlock(&tmp_lock);
    errno = open_errno;
    if (fd < 0 && errno == EEXIST) {
      free(tmp);
      continue;
    }
    if (fd < 0) {
      int e = errno;
      char *dir = dir_of(path);
      bp_error(ctx, BP_ERR_IO, "%s: cannot create a temporary file in %s: %s", path, dir,
               BP_STRERROR(e));
      free(dir);
      free(tmp);
      return BP_ERR_IO;
    }
    if (replacing) fchmod(fd, old.st_mode & 0777); /* keep the old file's permissions */
    bp_outfile *f = bp_calloc(1, sizeof *f);
    f->path = bp_strdup(path);
    f->tmp = tmp;
    f->fd = fd;
    f->slot = slot;
    f->crc = crc32_z(0, Z_NULL, 0);
    *out = f;
    return BP_OK;
  }
  return bp_error(ctx, BP_ERR_IO, "%s: cannot find a free temporary file name beside it", path);
}

static bp_status io_error(bp_ctx *ctx, bp_outfile *f, const char *what, int e) {
  return bp_error(ctx, BP_ERR_IO, "%s: cannot write: %s (%s)", f->path, BP_STRERROR(e), what);
}

/* All of data to fd (short writes and EINTR retried); 0 or an errno value. */
static int write_all(int fd, const void *data, size_t len) {
  const char *p = data;
  size_t off = 0;
  while (off < len) {
    ssize_t n = write(fd, p + off, len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    off += (size_t)n;
  }
  return 0;
}

bp_status bp_outfile_write(bp_ctx *ctx, bp_outfile *f, const void *data, size_t len) {
  int e = f->to_stdout ? 0 : write_all(f->fd, data, len);
  if (e) return io_error(ctx, f, "write", e);
  if (f->to_stdout) bp_buf_put(&f->mem, data, len);
  f->crc = crc32_z(f->crc, data, len);
  f->bytes += (long long)len;
  return BP_OK;
}

/* fsync and checked close of the temporary file. */
static bp_status finish(bp_ctx *ctx, bp_outfile *f) {
  if (f->fd < 0) return BP_OK;
  int fd = f->fd;
  f->fd = -1;
  if (fsync(fd) != 0) {
    int e = errno;
    close(fd);
    return io_error(ctx, f, "fsync", e);
  }
  if (close(fd) != 0) return io_error(ctx, f, "close", errno);
  return BP_OK;
}

/* Checked close of the temporary file, its data already durable
 * (bp_outgroup_data_synced). */
static bp_status close_checked(bp_ctx *ctx, bp_outfile *f) {
  if (f->fd < 0) return BP_OK;
  int fd = f->fd;
  f->fd = -1;
  if (close(fd) != 0) return io_error(ctx, f, "close", errno);
  return BP_OK;
}

/* fsync of the folder `dir`; `path` (may be NULL) is the file the message
 * names, whose rename this makes durable. */
static bp_status sync_folder(bp_ctx *ctx, const char *dir, const char *path) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  bp_status st = BP_OK;
  if (fd < 0) {
    st = path ? bp_error(ctx, BP_ERR_IO, "%s: cannot open its folder %s to sync it: %s", path, dir,
                         BP_STRERROR(errno))
              : bp_error(ctx, BP_ERR_IO, "%s: cannot open the folder to sync it: %s", dir,
                         BP_STRERROR(errno));
  } else {
    /* some file systems cannot sync a folder (EINVAL): nothing more to do there */
    if (fsync(fd) != 0 && errno != EINVAL && errno != EROFS)
      st = path ? bp_error(ctx, BP_ERR_IO, "%s: cannot sync its folder %s: %s", path, dir,
                           BP_STRERROR(errno))
                : bp_error(ctx, BP_ERR_IO, "%s: cannot sync the folder: %s", dir,
                           BP_STRERROR(errno));
    close(fd);
  }
  return st;
}

static bp_status sync_dir(bp_ctx *ctx, const char *path) {
  char *dir = dir_of(path);
  bp_status st = sync_folder(ctx, dir, path);
  free(dir);
  return st;
}

bp_status bp_outdir_sync(bp_ctx *ctx, const char *dir) { return sync_folder(ctx, dir, NULL); }

int bp_outsync_open(const char *dir) { return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC); }

bool bp_outsync_data(int fd) {
  if (fd < 0) return false;
  bool ok = false;
#ifdef __linux__
  /* Linux 5.8 and later report a write-back error on the file system since
   * fd was opened; earlier ones only the sync's own, and a write-back
   * error on a staged file before it would go unseen: each file's fsync
   * says it there. */
  struct utsname u;
  int major = 0, minor = 0;
  if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
      (major > 5 || (major == 5 && minor >= 8)))
    ok = syncfs(fd) == 0;
#endif
  close(fd);
  return ok;
}

/* Reads `path` back: its size, its CRC-32 and, when `sha` is not NULL, its
 * SHA-256 (a sixth of a distinct profile's work when every file was hashed
 * twice more besides the PDF's /ID). */
static bp_status read_back(bp_ctx *ctx, const char *path, long long *bytes, unsigned long *crc,
                           bp_sha256 *sha) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return bp_error(ctx, BP_ERR_IO, "%s: cannot open: %s", path, BP_STRERROR(errno));
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    close(fd);
    return bp_error(ctx, BP_ERR_IO, "%s: not a regular file", path);
  }
  if (sha) bp_sha256_init(sha);
  *crc = crc32_z(0, Z_NULL, 0);
  long long total = 0;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return bp_error(ctx, BP_ERR_IO, "%s: read error: %s", path, BP_STRERROR(e));
    }
    if (n == 0) break;
    *crc = crc32_z(*crc, (const unsigned char *)buf, (size_t)n);
    if (sha) bp_sha256_update(sha, buf, (size_t)n);
    total += n;
  }
  close(fd);
  *bytes = total;
  return BP_OK;
}

bp_status bp_file_hash(bp_ctx *ctx, const char *path, bp_file_info *out) {
  bp_sha256 s;
  unsigned long crc;
  bp_status st = read_back(ctx, path, &out->bytes, &crc, &s);
  if (!st) bp_sha256_final(&s, out->sha256);
  return st;
}

/* Reads the renamed file back: what is on disk must be what was written
 * (size and CRC-32). f->info gets the size, and the SHA-256 of what was read
 * when `want_sha` (else ""). */
static bp_status verify(bp_ctx *ctx, bp_outfile *f, bool want_sha) {
  f->info.sha256[0] = '\0';
  if (f->to_stdout) { /* nothing to read back: what went out is what was written */
    f->info.bytes = f->bytes;
    if (want_sha) bp_sha256_hex(f->mem.data ? f->mem.data : "", f->mem.len, f->info.sha256);
    return BP_OK;
  }
  bp_sha256 s;
  unsigned long crc;
  bp_status st = read_back(ctx, f->path, &f->info.bytes, &crc, want_sha ? &s : NULL);
  if (!st && want_sha) bp_sha256_final(&s, f->info.sha256);
  if (!st && (f->info.bytes != f->bytes || crc != f->crc))
    st = bp_error(ctx, BP_ERR_IO,
                  "%s: the file on disk (%lld bytes) is not what was written (%lld bytes); "
                  "removed",
                  f->path, f->info.bytes, f->bytes);
  return st;
}

static void outfile_free(bp_outfile *f) {
  if (!f) return;
  if (f->fd >= 0) close(f->fd);
  if (!f->renamed && f->tmp) unlink(f->tmp);
  slot_drop(f->slot);
  bp_buf_free(&f->mem);
  free(f->path);
  free(f->tmp);
  free(f);
}

void bp_outfile_discard(bp_outfile *f) { outfile_free(f); }

/* Standard output's bytes written out, then synced when it is a file (a
 * pipe or a terminal cannot be: EINVAL). */
static bp_status place_stdout(bp_ctx *ctx, bp_outfile *f) {
  bp_status st = check_stdout(ctx);
  if (st) return st;
  int e = write_all(STDOUT_FILENO, f->mem.data, f->mem.len);
  if (e) return io_error(ctx, f, "write", e);
  if (fsync(STDOUT_FILENO) != 0 && errno != EINVAL && errno != EROFS && errno != ENOTSUP)
    return io_error(ctx, f, "fsync", errno);
  return BP_OK;
}

/* The target checked again (it may have become a symlink meanwhile), then the rename. */
static bp_status place(bp_ctx *ctx, bp_outfile *f) {
  if (f->to_stdout) return place_stdout(ctx, f);
  bp_status st = bp_output_check(ctx, f->path);
  if (st) return st;
  if (rename(f->tmp, f->path) != 0) return io_error(ctx, f, "rename", errno);
  f->renamed = true;
  slot_drop(f->slot);
  f->slot = -1;
  return BP_OK;
}

bp_status bp_outfile_commit(bp_ctx *ctx, bp_outfile *f, bp_file_info *info) {
  bp_status st = finish(ctx, f);
  if (!st) st = place(ctx, f);
  if (!st && !f->to_stdout) st = sync_dir(ctx, f->path);
  if (!st) st = verify(ctx, f, info != NULL);
  if (st && f->renamed) unlink(f->path); /* ours, and not what we meant to write */
  if (!st && info) *info = f->info;
  outfile_free(f);
  return st;
}

/* ---- groups ------------------------------------------------------------------------ */

struct bp_outgroup {
  bp_outfile **files;
  size_t n, cap;
  bool committed;
  bool want_sha;        /* bp_outgroup_keep_sha256 */
  bool defer_dir_sync;  /* bp_outgroup_defer_folder_sync */
  bool defer_file_sync; /* bp_outgroup_defer_file_sync */
  bool data_synced;     /* bp_outgroup_data_synced */
};

bp_outgroup *bp_outgroup_new(void) { return bp_calloc(1, sizeof(bp_outgroup)); }

void bp_outgroup_keep_sha256(bp_outgroup *g) { g->want_sha = true; }

void bp_outgroup_defer_folder_sync(bp_outgroup *g) { g->defer_dir_sync = true; }

void bp_outgroup_defer_file_sync(bp_outgroup *g) { g->defer_file_sync = true; }

void bp_outgroup_data_synced(bp_outgroup *g) { g->data_synced = true; }

bp_status bp_outgroup_add(bp_ctx *ctx, bp_outgroup *g, bp_outfile *f) {
  for (size_t i = 0; i < g->n; i++)
    if (!strcmp(g->files[i]->path, f->path)) {
      bp_status st =
          bp_error(ctx, BP_ERR_USAGE,
                   "%s: refusing to write: two outputs of this run have this name", f->path);
      outfile_free(f);
      return st;
    }
  bp_status st = g->defer_file_sync ? BP_OK : finish(ctx, f);
  if (st) {
    outfile_free(f);
    return st;
  }
  BP_PUSH(g->files, g->n, g->cap, f);
  return BP_OK;
}

const char *bp_outgroup_staged_path(const bp_outgroup *g, const char *path) {
  for (size_t i = 0; g && i < g->n; i++)
    if (!strcmp(g->files[i]->path, path)) return g->files[i]->tmp;
  return NULL;
}

bp_status bp_outgroup_commit(bp_ctx *ctx, bp_outgroup *g) {
  bp_status st = BP_OK;
  for (size_t i = 0; i < g->n && !st; i++) /* files added without their sync */
    st = g->data_synced ? close_checked(ctx, g->files[i]) : finish(ctx, g->files[i]);
  for (size_t i = 0; i < g->n && !st; i++)
    if (!g->files[i]->to_stdout) st = place(ctx, g->files[i]);
  for (size_t i = 0; i < g->n && !st && !g->defer_dir_sync; i++) /* each folder once */
    if (!g->files[i]->to_stdout && (i == 0 || strcmp(g->files[i]->path, g->files[i - 1]->path))) {
      char *a = dir_of(g->files[i]->path), *b = i ? dir_of(g->files[i - 1]->path) : NULL;
      if (!b || strcmp(a, b)) st = sync_dir(ctx, g->files[i]->path);
      free(a);
      free(b);
    }
  for (size_t i = 0; i < g->n && !st; i++) st = verify(ctx, g->files[i], g->want_sha);
  /* standard output last: it cannot be taken back once written */
  for (size_t i = 0; i < g->n && !st; i++)
    if (g->files[i]->to_stdout) st = place(ctx, g->files[i]);
  if (st) /* all or nothing: the files this group renamed go too */
    for (size_t i = 0; i < g->n; i++)
      if (g->files[i]->renamed) unlink(g->files[i]->path);
  g->committed = !st;
  return st;
}

bool bp_outgroup_info(const bp_outgroup *g, const char *path, bp_file_info *out) {
  for (size_t i = 0; g && g->committed && i < g->n; i++)
    if (!strcmp(g->files[i]->path, path)) {
      *out = g->files[i]->info;
      return true;
    }
  return false;
}

void bp_outgroup_free(bp_outgroup *g) {
  if (!g) return;
  for (size_t i = 0; i < g->n; i++) outfile_free(g->files[i]);
  free(g->files);
  free(g);
}

bp_status bp_file_write_to(bp_ctx *ctx, bp_outgroup *g, const char *path, const void *data,
                           size_t len, bp_file_info *info) {
  bp_outfile *f;
  bp_status st = bp_outfile_open(ctx, path, &f);
  if (!st) st = bp_outfile_write(ctx, f, data, len);
  if (st) {
    bp_outfile_discard(f);
    return st;
  }
  return g ? bp_outgroup_add(ctx, g, f) : bp_outfile_commit(ctx, f, info);
}

/* ---- folders -------------------------------------------------------------------------- */

/* NAME.tmp.PID.N: the pid, or -1 when `name` is not one of ours. */
static long tmp_pid(const char *name) {
  const char *t = strstr(name, ".tmp.");
  while (t) {
    const char *p = t + 5, *q = p;
    while (*q >= '0' && *q <= '9') q++;
    if (q > p && *q == '.' && q[1]) {
      const char *r = q + 1;
      while (*r >= '0' && *r <= '9') r++;
      if (!*r) return strtol(p, NULL, 10);
    }
    t = strstr(t + 1, ".tmp.");
  }
  return -1;
}

bp_status bp_outdir_sweep(bp_ctx *ctx, const char *dir, size_t *removed) {
  if (removed) *removed = 0;
  DIR *d = opendir(dir);
  if (!d) return bp_error(ctx, BP_ERR_IO, "%s: cannot list: %s", dir, BP_STRERROR(errno));
  struct dirent *e;
  while ((e = readdir(d))) {
    long pid = tmp_pid(e->d_name);
    if (pid <= 0) continue;
    /* a live process other than this one may be writing it */
    if (pid != (long)getpid() && !(kill((pid_t)pid, 0) != 0 && errno == ESRCH)) continue;
    bp_buf p = {0};
    bp_buf_printf(&p, "%s/%s", dir, e->d_name);
    struct stat sb;
    if (lstat(p.data, &sb) == 0 && S_ISREG(sb.st_mode) && unlink(p.data) == 0 && removed)
      (*removed)++;
    bp_buf_free(&p);
  }
  closedir(d);
  return BP_OK;
}

void bp_outdir_sweep_for(const char *path, bool is_dir) {
  bp_ctx ignore;
  bp_ctx_init(&ignore);
  char *dir = is_dir ? bp_strdup(path) : dir_of(path);
  bp_outdir_sweep(&ignore, dir, NULL);
  free(dir);
}

static double monotonic_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

bp_status bp_outdir_lock(bp_ctx *ctx, const char *dir, bool shared, double wait_s,
                         void (*on_wait)(const char *dir), int *fd) {
  *fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (*fd < 0) return bp_error(ctx, BP_ERR_IO, "%s: cannot open: %s", dir, BP_STRERROR(errno));
  /* polled, not a blocking flock: a blocking one cannot give up after
   * wait_s without a timer signal */
  double t0 = monotonic_s(), waited = 0;
  int e;
  for (;;) {
    if (flock(*fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0) return BP_OK;
    e = errno;
    if (e == EINTR) continue;
    if (e != EWOULDBLOCK || (wait_s >= 0 && waited >= wait_s)) break;
    if (waited == 0 && on_wait) on_wait(dir);
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    waited = monotonic_s() - t0;
    if (waited <= 0) waited = 1e-9; /* on_wait once */
  }
  close(*fd);
  *fd = -1;
  if (e == EWOULDBLOCK && waited > 0)
    return bp_error(ctx, BP_ERR_IO,
                    "%s: another briefpress batch is still writing into this folder after %.0f s "
                    "of waiting; wait longer or choose another folder",
                    dir, waited);
  if (e == EWOULDBLOCK)
    return bp_error(ctx, BP_ERR_IO,
                    "%s: another briefpress batch is writing into this folder; wait for it to "
                    "finish or choose another folder",
                    dir);
  if (e == ENOLCK || e == EINVAL || e == EOPNOTSUPP) return BP_OK; /* no locks here */
  return bp_error(ctx, BP_ERR_IO, "%s: cannot lock: %s", dir, BP_STRERROR(e));
}
