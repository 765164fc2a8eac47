/* faultshim.c - an LD_PRELOAD library for the fault-injection tests
 * (tests/faults/faults.sh), in the manner of SQLite's: it makes the Nth
 * write(), fsync(), close(), rename() or syncfs() on briefpress's output
 * files fail, or makes every such write short. Only calls on files whose name
 * contains BP_FAULT_MATCH (default ".tmp.", the output module's temporary
 * files; for syncfs, the folder whose file system it syncs) are counted;
 * everything else passes through untouched.
 *   BP_FAULT_OP=write|fsync|close|rename|syncfs  BP_FAULT_AT=N (1-based)
 *   BP_FAULT_SYNCFS=1      every syncfs() fails (EIO), matching or not: a
 *                          batch then syncs each PDF on its own
 *   BP_FAULT_ERRNO=N (default ENOSPC for write, EIO otherwise)
 *   BP_FAULT_SHORT=1       every matching write writes at most half
 *   BP_FAULT_COUNT=FILE    at exit, append "op count" lines to FILE, and
 *                          "threads N": the threads the program started */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OP_WRITE, OP_FSYNC, OP_CLOSE, OP_RENAME, OP_SYNCFS, N_OPS };
static const char *const op_names[N_OPS] = {"write", "fsync", "close", "rename", "syncfs"};
static unsigned long counts[N_OPS];

static const char *match(void) {
  const char *m = getenv("BP_FAULT_MATCH");
  return m && *m ? m : ".tmp.";
}

static int fd_matches(int fd) {
  char link[64], path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  return strstr(path, match()) != NULL;
}

/* Counts a matching call; true when this one must fail (errno set). */
static int fault(int op) {
  unsigned long k = __atomic_add_fetch(&counts[op], 1, __ATOMIC_RELAXED);
  const char *want = getenv("BP_FAULT_OP");
  const char *at = getenv("BP_FAULT_AT");
  if (!want || strcmp(want, op_names[op]) || !at || strtoul(at, NULL, 10) != k) return 0;
  const char *e = getenv("BP_FAULT_ERRNO");
  errno = e && *e ? atoi(e) : op == OP_WRITE ? ENOSPC : EIO;
  return 1;
}

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef int (*fd_fn)(int);
typedef int (*rename_fn)(const char *, const char *);
#define REAL(name, type)                                                                           \
  static type real_##name;                                                                         \
  if (!real_##name) real_##name = (type)dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void *buf, size_t n) {
  REAL(write, write_fn);
  if (fd > 2 && fd_matches(fd)) {
    if (fault(OP_WRITE)) return -1;
    const char *s = getenv("BP_FAULT_SHORT");
    if (s && *s == '1' && n > 1) n /= 2;
  }
  return real_write(fd, buf, n);
}

int fsync(int fd) {
  REAL(fsync, fd_fn);
  if (fd_matches(fd) && fault(OP_FSYNC)) return -1;
  return real_fsync(fd);
}

int syncfs(int fd) {
  REAL(syncfs, fd_fn);
  const char *all = getenv("BP_FAULT_SYNCFS");
  int matching = fd_matches(fd);
  if (matching && fault(OP_SYNCFS)) return -1;
  if (all && *all == '1') {
    errno = EIO;
    return -1;
  }
  return real_syncfs(fd);
}

int close(int fd) {
  REAL(close, fd_fn);
  if (fd > 2 && fd_matches(fd) && fault(OP_CLOSE)) {
    int e = errno;
    real_close(fd); /* as on NFS: the descriptor is gone, the error reported */
    errno = e;
    return -1;
  }
  return real_close(fd);
}

int rename(const char *from, const char *to) {
  REAL(rename, rename_fn);
  if (strstr(from, match()) && fault(OP_RENAME)) return -1;
  return real_rename(from, to);
}

static unsigned long threads;

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*start)(void *), void *arg) {
  REAL(pthread_create, create_fn);
  __atomic_add_fetch(&threads, 1, __ATOMIC_RELAXED);
  return real_pthread_create(t, attr, start, arg);
}

__attribute__((destructor)) static void report(void) {
  const char *f = getenv("BP_FAULT_COUNT");
  if (!f || !*f) return;
  FILE *out = fopen(f, "a");
  if (!out) return;
  for (int i = 0; i < N_OPS; i++) fprintf(out, "%s %lu\n", op_names[i], counts[i]);
  fprintf(out, "threads %lu\n", __atomic_load_n(&threads, __ATOMIC_RELAXED));
  fclose(out);
}
