/* core.c - error context, allocation, string buffers, UTF-8, atomic file
 * writes and SHA-256. Nothing here knows about documents or devices. */
#include "bp.h"
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void bp_ctx_init(bp_ctx *ctx) {
  ctx->status = BP_OK;
  ctx->msg[0] = '\0';
}

void bp_ctx_clear(bp_ctx *ctx) { bp_ctx_init(ctx); }

bp_status bp_error(bp_ctx *ctx, bp_status st, const char *fmt, ...) {
  if (ctx && ctx->status == BP_OK) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->msg, sizeof ctx->msg, fmt, ap);
    va_end(ap);
    ctx->status = st;
  }
  return st;
}

bp_status bp_error_wrap(bp_ctx *ctx, bp_status fallback, const char *fmt, ...) {
  char prefix[sizeof ctx->msg], old[sizeof ctx->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  snprintf(old, sizeof old, "%s", ctx->status ? ctx->msg : "");
  if (!ctx->status) ctx->status = fallback;
  size_t room = sizeof ctx->msg - 1, lp = strlen(prefix), lo = strlen(old);
  if (lp > room) lp = room;
  if (lo > room - lp) lo = room - lp; /* cut at the end, as bp_error does */
  memcpy(ctx->msg, prefix, lp);
  memcpy(ctx->msg + lp, old, lo);
  ctx->msg[lp + lo] = '\0';
  return ctx->status;
}

const char *bp_status_name(bp_status st) {
  switch (st) {
  case BP_OK: return "ok";
  case BP_ERR_IO: return "i/o error";
  case BP_ERR_DATA: return "data error";
  case BP_ERR_FONT: return "font error";
  case BP_ERR_LAYOUT: return "layout error";
  case BP_ERR_RENDER: return "render error";
  case BP_ERR_USAGE: return "usage error";
  }
  return "error";
}

static void oom(size_t n) {
  fprintf(stderr, "briefpress: out of memory (%zu bytes)\n", n);
  abort();
}

void *bp_malloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) oom(n);
  return p;
}

void *bp_calloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) oom(n * size);
  return p;
}

void *bp_realloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) oom(n);
  return q;
}

char *bp_strdup(const char *s) { return s ? bp_strndup(s, strlen(s)) : NULL; }

char *bp_strndup(const char *s, size_t n) {
  char *p = bp_malloc(n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

/* Blocks stay under glibc's 128 KB mmap threshold: a larger one is mapped
 * and unmapped afresh for every document, page faults and all. */
enum { ARENA_FIRST = 256, ARENA_MAX = (64 << 10) - 64, ARENA_OWN = 16 << 10 };

struct bp_arena_block {
  struct bp_arena_block *next;
  size_t used, cap;
  _Alignas(16) unsigned char data[];
};

void *bp_arena_try(bp_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  struct bp_arena_block *b = a->head;
  if (b && b->cap - b->used >= n) {
    void *p = b->data + b->used;
    b->used += n;
    return p;
  }
  bool own = n > ARENA_OWN; /* a large one: a block of its own, behind the current */
  size_t cap = own ? n : b ? b->cap * 2 : a->first ? a->first : ARENA_FIRST;
  while (cap < n) cap *= 2; /* n is at most ARENA_OWN here */
  if (!own && cap > ARENA_MAX) cap = ARENA_MAX;
  struct bp_arena_block *nb = malloc(sizeof *nb + cap);
  if (!nb) return NULL;
  nb->used = n;
  nb->cap = cap;
  if (own && b) {
    nb->next = b->next;
    b->next = nb;
  } else {
    nb->next = b;
    a->head = nb;
  }
  return nb->data;
}

void *bp_arena_alloc(bp_arena *a, size_t n) {
  void *p = bp_arena_try(a, n);
  if (!p) oom(n);
  return p;
}

char *bp_arena_strndup(bp_arena *a, const char *s, size_t n) {
  char *p = bp_arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

size_t bp_arena_bytes(const bp_arena *a) {
  size_t n = 0;
  for (const struct bp_arena_block *b = a->head; b; b = b->next) n += sizeof *b + b->cap;
  return n;
}

void bp_arena_release(bp_arena *a) {
  for (struct bp_arena_block *b = a->head, *next; b; b = next) {
    next = b->next;
    free(b);
  }
  a->head = NULL;
}

void bp_grow(void **items, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return;
  size_t c = *cap ? *cap : 8;
  while (c < need) c *= 2;
  *items = bp_realloc(*items, c * size);
  *cap = c;
}

void bp_buf_put(bp_buf *b, const char *s, size_t n) {
  bp_grow((void **)&b->data, &b->cap, b->len + n + 1, 1);
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void bp_buf_puts(bp_buf *b, const char *s) { bp_buf_put(b, s, strlen(s)); }
void bp_buf_putc(bp_buf *b, char c) { bp_buf_put(b, &c, 1); }

void bp_buf_put_markup(bp_buf *b, const char *s) {
  for (const char *run = s;; s++) {
    const char *esc;
    switch (*s) {
    case '&': esc = "&amp;"; break;
    case '<': esc = "&lt;"; break;
    case '>': esc = "&gt;"; break;
    case '"': esc = "&quot;"; break;
    case '\'': esc = "&#39;"; break;
    case '\0': bp_buf_put(b, run, (size_t)(s - run)); return;
    default: continue;
    }
    bp_buf_put(b, run, (size_t)(s - run));
    bp_buf_puts(b, esc);
    run = s + 1;
  }
}

void bp_buf_printf(bp_buf *b, const char *fmt, ...) {
  /* formatted into the room the buffer has; only when that is too little,
   * grown and formatted again (not always twice: measure, then write) */
  size_t room = b->cap > b->len ? b->cap - b->len : 0;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
  va_end(ap);
  if (n < 0) { /* nothing added (a format error: what it wrote is dropped) */
    if (room) b->data[b->len] = '\0';
    return;
  }
  if ((size_t)n >= room) {
    bp_grow((void **)&b->data, &b->cap, b->len + (size_t)n + 1, 1);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  b->len += (size_t)n;
}

char *bp_buf_detach(bp_buf *b) {
  char *s = b->data ? b->data : bp_strdup("");
  b->data = NULL;
  b->len = b->cap = 0;
  return s;
}

void bp_buf_free(bp_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

int32_t bp_utf8_decode(const char *str, size_t n, int *len) {
  const unsigned char *s = (const unsigned char *)str;
  *len = 1;
  if (n == 0) return -1;
  unsigned c = s[0];
  if (c < 0x80) return (int32_t)c;
  int need;
  uint32_t cp, min;
  if ((c & 0xE0) == 0xC0) {
    need = 1;
    cp = c & 0x1F;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    need = 2;
    cp = c & 0x0F;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    need = 3;
    cp = c & 0x07;
    min = 0x10000;
  } else
    return -1;
  if ((size_t)need >= n) return -1;
  for (int i = 1; i <= need; i++) {
    if ((s[i] & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *len = need + 1;
  return (int32_t)cp;
}

int bp_utf8_encode(uint32_t cp, char out[4]) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

bool bp_utf8_valid(const char *s, size_t n, size_t *bad_off) {
  size_t i = 0;
  while (i < n) {
    int len;
    if (bp_utf8_decode(s + i, n - i, &len) < 0) {
      if (bad_off) *bad_off = i;
      return false;
    }
    i += (size_t)len;
  }
  return true;
}

bool bp_is_hangul(uint32_t cp) {
  return (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0x1100 && cp <= 0x11FF) ||
         (cp >= 0x3130 && cp <= 0x318F) || (cp >= 0xA960 && cp <= 0xA97F) ||
         (cp >= 0xD7B0 && cp <= 0xD7FF);
}

const char *bp_file_type_name(unsigned mode) {
  switch (mode & S_IFMT) {
  case S_IFREG: return "a regular file";
  case S_IFDIR: return "a folder";
  case S_IFIFO: return "a FIFO (named pipe)";
  case S_IFCHR: return "a character device";
  case S_IFBLK: return "a block device";
  case S_IFSOCK: return "a socket";
  case S_IFLNK: return "a symbolic link";
  }
  return "not a regular file";
}

/* Standard input as bp_stdin_load read it (NULL until then); only read afterwards. */
static char *stdin_data;
static size_t stdin_len;

bp_status bp_stdin_load(bp_ctx *ctx) {
  bp_buf b = {0};
  char chunk[65536];
  for (;;) {
    ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      bp_buf_free(&b);
      return bp_error(ctx, BP_ERR_IO, "%s: cannot read: %s", BP_STDIN_NAME, BP_STRERROR(e));
    }
    if (n == 0) break;
    if (b.len + (size_t)n > BP_FILE_MAX_BYTES) {
      bp_buf_free(&b);
      return bp_error(ctx, BP_ERR_IO, "%s: too large (more than the limit of %zu bytes)",
                      BP_STDIN_NAME, BP_FILE_MAX_BYTES);
    }
    bp_buf_put(&b, chunk, (size_t)n);
  }
  free(stdin_data);
  stdin_len = b.len;
  stdin_data = b.data ? bp_buf_detach(&b) : bp_strdup("");
  return BP_OK;
}

/* A copy of standard input (bp_stdin_load), with the same limit as a file. */
static bp_status read_stdin(bp_ctx *ctx, size_t max_bytes, bool input, char **out,
                            size_t *out_len) {
  if (stdin_len > max_bytes)
    return bp_error(ctx, BP_ERR_IO, "%s: too large (%zu bytes; the limit is %zu)", BP_STDIN_NAME,
                    stdin_len, max_bytes);
  if (input) bp_inputs_add_fd(STDIN_FILENO, BP_STDIN_NAME);
  *out = bp_malloc(stdin_len + 1);
  memcpy(*out, stdin_data, stdin_len);
  (*out)[stdin_len] = '\0';
  if (out_len) *out_len = stdin_len;
  return BP_OK;
}

/* `input`: register the file as one of the run's inputs (core/outfile.h). */
static bp_status read_max(bp_ctx *ctx, const char *path, size_t max_bytes, bool input, char **out,
                          size_t *out_len) {
  *out = NULL;
  if (out_len) *out_len = 0;
  if (stdin_data && !strcmp(path, BP_STDIN_NAME))
    return read_stdin(ctx, max_bytes, input, out, out_len);
  /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return bp_error(ctx, BP_ERR_IO, "%s: cannot open: %s", path, BP_STRERROR(errno));
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    int e = errno;
    close(fd);
    return bp_error(ctx, BP_ERR_IO, "%s: cannot open: %s", path, BP_STRERROR(e));
  }
  if (!S_ISREG(sb.st_mode)) {
    close(fd);
    return bp_error(ctx, BP_ERR_IO, "%s: is %s, not a file (only regular files are read)", path,
                    bp_file_type_name((unsigned)sb.st_mode));
  }
  if ((uintmax_t)sb.st_size > max_bytes) {
    close(fd);
    return bp_error(ctx, BP_ERR_IO, "%s: too large (%jd bytes; the limit is %zu)", path,
                    (intmax_t)sb.st_size, max_bytes);
  }
  if (input) bp_inputs_add_fd(fd, path);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  /* read at most max_bytes + 1: a file that grows after fstat is still caught */
  size_t cap = (size_t)sb.st_size + 1, len = 0;
  char *buf = bp_malloc(cap + 1);
  for (;;) {
    if (len == cap) {
      if (cap > max_bytes) break;
      cap = cap * 2 > max_bytes + 1 ? max_bytes + 1 : cap * 2;
      buf = bp_realloc(buf, cap + 1);
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      free(buf);
      return bp_error(ctx, BP_ERR_IO, "%s: cannot read: %s", path, BP_STRERROR(e));
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  close(fd);
  if (len > max_bytes) {
    free(buf);
    return bp_error(ctx, BP_ERR_IO, "%s: too large (more than the limit of %zu bytes)", path,
                    max_bytes);
  }
  buf[len] = '\0';
  if (out_len) *out_len = len;
  *out = buf;
  return BP_OK;
}

bp_status bp_file_read(bp_ctx *ctx, const char *path, char **out, size_t *out_len) {
  return bp_file_read_max(ctx, path, BP_FILE_MAX_BYTES, out, out_len);
}

bp_status bp_file_read_max(bp_ctx *ctx, const char *path, size_t max_bytes, char **out,
                           size_t *out_len) {
  return read_max(ctx, path, max_bytes, true, out, out_len);
}

bp_status bp_file_read_own(bp_ctx *ctx, const char *path, char **out, size_t *out_len) {
  return read_max(ctx, path, BP_FILE_MAX_BYTES, false, out, out_len);
}

bp_status bp_file_write_atomic(bp_ctx *ctx, const char *path, const void *data, size_t len) {
  return bp_file_write_to(ctx, NULL, path, data, len, NULL);
}

bp_status bp_mkdir_p(bp_ctx *ctx, const char *dir, bool *created) {
  if (created) *created = false;
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s", dir) >= (int)sizeof tmp)
    return bp_error(ctx, BP_ERR_IO, "%s: folder name too long", dir);
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(tmp, 0777);
    *p = '/';
  }
  if (mkdir(tmp, 0777) == 0) {
    if (created) *created = true;
  } else if (errno != EEXIST) {
    return bp_error(ctx, BP_ERR_IO, "%s: cannot create folder: %s", dir, BP_STRERROR(errno));
  }
  struct stat sb;
  if (stat(tmp, &sb) != 0 || !S_ISDIR(sb.st_mode))
    return bp_error(ctx, BP_ERR_IO, "%s: not a folder", dir);
  return BP_OK;
}

char *bp_user_cache_dir(void) {
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  bp_buf b = {0};
  if (xdg && xdg[0] == '/')
    bp_buf_puts(&b, xdg);
  else if (home && home[0] == '/')
    bp_buf_printf(&b, "%s/.cache", home);
  return b.data; /* NULL: neither */
}

const char *bp_strerror_r(int err, char *buf, size_t size) {
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
  return strerror_r(err, buf, size); /* GNU: may return a constant string */
#else
  if (strerror_r(err, buf, size) != 0) snprintf(buf, size, "error %d", err);
  return buf;
#endif
}

static long long parse_epoch(const char *s) {
  if (!s || !*s) return -1;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  return (*end || v < 0 || errno) ? -1 : v;
}

static bool epoch_held;
static long long epoch_value;

long long bp_source_date_epoch(void) {
  return epoch_held ? epoch_value : parse_epoch(getenv("SOURCE_DATE_EPOCH"));
}

void bp_source_date_epoch_hold(void) {
  epoch_value = parse_epoch(getenv("SOURCE_DATE_EPOCH"));
  epoch_held = true;
  unsetenv("SOURCE_DATE_EPOCH");
}

/* SHA-256 by nettle, which uses the CPU's SHA extensions where it has
 * them (about 9x the speed of a portable C loop on this project's hosts). */
void bp_sha256_init(bp_sha256 *s) { sha256_init(&s->ctx); }

void bp_sha256_update(bp_sha256 *s, const void *data, size_t len) {
  sha256_update(&s->ctx, len, data);
}

void bp_sha256_final(bp_sha256 *s, char out[65]) {
  uint8_t d[SHA256_DIGEST_SIZE];
  sha256_digest(&s->ctx, sizeof d, d);
  static const char hex[] = "0123456789abcdef";
  for (size_t k = 0; k < sizeof d; k++)
    out[2 * k] = hex[d[k] >> 4], out[2 * k + 1] = hex[d[k] & 15];
  out[64] = '\0';
}

void bp_sha256_hex(const void *data, size_t len, char out[65]) {
  bp_sha256 s;
  bp_sha256_init(&s);
  bp_sha256_update(&s, data, len);
  bp_sha256_final(&s, out);
}
