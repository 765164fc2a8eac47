/* inputs.c - what the data layer agrees to read. A path named inside a data
 * file (an article's body and bibliography, a series' data file, a brief's
 * data folder) is resolved against the naming file's folder and must stay
 * inside the data folder: an absolute path, a ".." or a symbolic link that
 * leaves it is an error at the place that names it. Only regular files are
 * read, within the limits in data.h (docs/security.md). Reads no file here;
 * only stat(2) and realpath(3). */
#include "data-imp.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const KIND_FOLDERS[] = {"articles", "briefs",  "citations", "claims",
                                           "series",   "records", NULL};

static bool is_kind_folder(const char *name) {
  for (const char *const *k = KIND_FOLDERS; *k; k++)
    if (!strcmp(name, *k)) return true;
  return false;
}

char *bp_data_root_of(const char *path) {
  char *dir = bp__path_dir(path);
  if (!*dir) { /* a file of the current folder (standard input is one) */
    free(dir);
    char *cwd = getcwd(NULL, 0);
    bool kind = cwd && is_kind_folder(bp__path_base(cwd));
    free(cwd);
    return bp_strdup(kind ? ".." : ".");
  }
  if (is_kind_folder(bp__path_base(dir))) {
    char *up = bp__path_dir(dir);
    free(dir);
    if (!*up) {
      free(up);
      return bp_strdup(".");
    }
    return up;
  }
  return dir;
}

/* An absolute, lexically normalised form of path ("." and ".." folded, no
 * symlinks resolved): what the path says, before the file system has a say. */
static char *lexical_abs(const char *path) {
  bp_buf in = {0};
  if (path[0] != '/') {
    char cwd[PATH_MAX];
    bp_buf_puts(&in, getcwd(cwd, sizeof cwd) ? cwd : ".");
    bp_buf_putc(&in, '/');
  }
  bp_buf_puts(&in, path);
  bp_buf out = {0};
  bp_buf_putc(&out, '/');
  for (char *p = in.data; *p;) {
    while (*p == '/') p++;
    char *e = p;
    while (*e && *e != '/') e++;
    size_t n = (size_t)(e - p);
    if (n == 0 || (n == 1 && p[0] == '.')) {
      /* nothing */
    } else if (n == 2 && p[0] == '.' && p[1] == '.') {
      while (out.len > 1 && out.data[out.len - 1] != '/') out.len--;
      if (out.len > 1) out.len--; /* the slash before the dropped part */
      out.data[out.len] = '\0';
    } else {
      if (out.data[out.len - 1] != '/') bp_buf_putc(&out, '/');
      bp_buf_put(&out, p, n);
    }
    p = e;
  }
  bp_buf_free(&in);
  return bp_buf_detach(&out);
}

/* True when `path` is `root` or lies below it (both absolute, normalised). */
static bool below(const char *root, const char *path) {
  size_t n = strlen(root);
  if (n == 1) return true; /* "/" */
  return !strncmp(root, path, n) && (path[n] == '\0' || path[n] == '/');
}

bool bp_data_path_inside(const char *root, const char *path, char *why, size_t why_size) {
  char *lr = lexical_abs(root), *lp = lexical_abs(path);
  bool ok = below(lr, lp);
  if (!ok) snprintf(why, why_size, "%s is outside the data folder %s", path, root);
  free(lr);
  free(lp);
  if (!ok) return false;
  char rr[PATH_MAX], rp[PATH_MAX];
  if (!realpath(root, rr) || !realpath(path, rp)) return true; /* missing: the reader says so */
  if (!below(rr, rp)) {
    snprintf(why, why_size,
             "%s leads through a symbolic link to %s, outside the data folder %s (%s)", path, rp,
             root, rr);
    return false;
  }
  return true;
}

bp_status bp_data_path_resolve(bp_ctx *ctx, const char *root, const char *from, const char *rel,
                               bool want_folder, char **out) {
  *out = NULL;
  char why[PATH_MAX + 256];
  if (!*rel) return bp_error(ctx, BP_ERR_DATA, "the path is empty");
  if (rel[0] == '/')
    return bp_error(ctx, BP_ERR_DATA,
                    "%s is an absolute path; name it relative to %s, inside the data folder %s",
                    rel, from, root);
  char *dir = bp__path_dir(from);
  char *path = bp__path_join(dir, rel);
  free(dir);
  if (!bp_data_path_inside(root, path, why, sizeof why)) {
    free(path);
    return bp_error(ctx, BP_ERR_DATA, "%s", why);
  }
  struct stat st;
  if (stat(path, &st) != 0) {
    int e = errno;
    bp_status s =
        bp_error(ctx, BP_ERR_DATA, "%s: %s", path, e == ENOENT ? "not found" : BP_STRERROR(e));
    free(path);
    return s;
  }
  if (want_folder ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
    bp_error(ctx, BP_ERR_DATA, "%s is %s, not a %s", path, bp_file_type_name((unsigned)st.st_mode),
             want_folder ? "folder" : "file (only regular files are read)");
    free(path);
    return BP_ERR_DATA;
  }
  *out = path;
  return BP_OK;
}

char *bp__path_resolve(bp_src *s, size_t off, const char *root, const char *what, const char *rel) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *path = NULL;
  if (bp_data_path_resolve(&ctx, root, s->path, rel, false, &path))
    bp__diag(s, BP_SEV_ERROR, off, "%s: %s", what, ctx.msg);
  return path;
}

/* ------------------------------------------------------------------ text */

const char *bp_text_foreign_encoding(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  if (n >= 4 && !memcmp(s, "\x00\x00\xFE\xFF", 4)) return "UTF-32 (big-endian)";
  if (n >= 4 && !memcmp(s, "\xFF\xFE\x00\x00", 4)) return "UTF-32 (little-endian)";
  if (n >= 2 && !memcmp(s, "\xFE\xFF", 2)) return "UTF-16 (big-endian)";
  if (n >= 2 && !memcmp(s, "\xFF\xFE", 2)) return "UTF-16 (little-endian)";
  /* no byte order mark: ASCII text in UTF-16 or UTF-32 has a NUL pattern */
  size_t m = n < 64 ? n & ~(size_t)3 : 64;
  if (m < 4) return NULL;
  int zero[4] = {0};
  for (size_t i = 0; i < m; i++) zero[i % 4] += s[i] == 0;
  int q = (int)(m / 4);
  if (zero[1] == q && zero[2] == q && zero[3] == q && !zero[0]) return "UTF-32 (little-endian)";
  if (zero[0] == q && zero[1] == q && zero[2] == q && !zero[3]) return "UTF-32 (big-endian)";
  if (zero[1] == q && zero[3] == q && !zero[0] && !zero[2]) return "UTF-16 (little-endian)";
  if (zero[0] == q && zero[2] == q && !zero[1] && !zero[3]) return "UTF-16 (big-endian)";
  return NULL;
}

bool bp_text_control(uint32_t cp) {
  return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || (cp >= 0x7F && cp < 0xA0) ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

void bp_text_control_name(uint32_t cp, char *out, size_t size) {
  if (cp == 0)
    snprintf(out, size, "NUL byte (U+0000)");
  else if (cp >= 0x202A)
    snprintf(out, size, "bidirectional control character U+%04X", (unsigned)cp);
  else
    snprintf(out, size, "control character U+%04X", (unsigned)cp);
}

/* The number of bad bytes (invalid) or control characters from s[0]. */
static size_t bad_run(const char *s, size_t n, bool invalid) {
  size_t count = 0;
  for (size_t i = 0; i < n; count++) {
    int len;
    int32_t cp = bp_utf8_decode(s + i, n - i, &len);
    if (invalid ? cp >= 0 : cp < 0 || !bp_text_control((uint32_t)cp)) break;
    i += (size_t)len;
  }
  return count;
}

bool bp_text_clean(const char *s, size_t n, size_t *bad_off, char *why, size_t why_size) {
  for (size_t i = 0; i < n;) {
    unsigned char c = (unsigned char)s[i];
    if ((c >= 0x20 && c < 0x7F) || c == '\n') { /* printable ASCII: neither bad nor a control */
      i++;
      continue;
    }
    int len;
    int32_t cp = bp_utf8_decode(s + i, n - i, &len);
    if (cp < 0 || bp_text_control((uint32_t)cp)) {
      *bad_off = i;
      size_t run = bad_run(s + i, n - i, cp < 0);
      char note[48] = "";
      if (cp < 0) {
        if (run > 1) snprintf(note, sizeof note, "; %zu bytes from here", run);
        snprintf(why, why_size, "invalid UTF-8 (byte 0x%02X%s); save the file as UTF-8",
                 (unsigned)(unsigned char)s[i], note);
        return false;
      }
      bp_text_control_name((uint32_t)cp, why, why_size);
      size_t w = strlen(why);
      if (run > 1 && w && why[w - 1] == ')') /* "NUL byte (U+0000; 3 characters from here)" */
        snprintf(why + w - 1, why_size - (w - 1), "; %zu characters from here)", run);
      else if (run > 1)
        snprintf(why + w, why_size - w, " (%zu characters from here)", run);
      return false;
    }
    i += (size_t)len;
  }
  return true;
}

void bp_text_linecol(const char *s, size_t off, int *line, int *col) {
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < off; i++) {
    if (s[i] == '\n') {
      (*line)++;
      *col = 1;
    } else if (((unsigned char)s[i] & 0xC0) != 0x80) {
      (*col)++;
    }
  }
}

/* The length of the whitespace character at s[i] (space, tab, newline,
 * carriage return, U+2028, U+3000), or 0. */
static size_t space_at(const char *s, size_t n, size_t i) {
  /* byte by byte and the common case first, not two memcmp calls: this runs
   * at every byte of every text a loader reads */
  unsigned char c = (unsigned char)s[i];
  if (c > ' ' && c < 0xE2) return 0;
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return 1;
  if ((c == 0xE2 || c == 0xE3) && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
      (unsigned char)s[i + 2] == (c == 0xE2 ? 0xA8 : 0x80))
    return 3;
  return 0;
}

bool bp_text_within_limits(const char *s, size_t n, size_t *bad_off, char *why, size_t why_size) {
  if (n > BP_TEXT_MAX_BYTES) {
    *bad_off = 0;
    snprintf(why, why_size,
             "a text of %zu bytes is longer than the limit of %zu bytes for one paragraph or field",
             n, BP_TEXT_MAX_BYTES);
    return false;
  }
  /* the bytes a space (space_at) can start with: any other byte is part
   * of a word, passed with one table lookup */
  static const bool space_lead[256] = {
      [' '] = true, ['\t'] = true, ['\n'] = true, ['\r'] = true, [0xE2] = true, [0xE3] = true};
  size_t word = 0;
  for (size_t i = 0;;) {
    while (i < n && !space_lead[(unsigned char)s[i]]) i++;
    size_t sp = i < n ? space_at(s, n, i) : 1; /* the text's end ends a word too */
    if (!sp) {
      i++;
      continue;
    }
    if (i - word > BP_WORD_MAX_BYTES) {
      *bad_off = word;
      snprintf(why, why_size,
               "a word of %zu bytes (no space in it) is longer than the limit of %zu bytes",
               i - word, BP_WORD_MAX_BYTES);
      return false;
    }
    if (i >= n) return true;
    i += sp;
    word = i;
  }
}

bool bp_text_blank(const char *s) {
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    int len;
    int32_t cp = bp_utf8_decode(s + i, n - i, &len);
    bool space = cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0 ||
                 cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200D) || cp == 0x2028 || cp == 0x2029 ||
                 cp == 0x202F || cp == 0x205F || cp == 0x2060 || cp == 0x3000 || cp == 0xFEFF ||
                 cp == 0xAD;
    if (!space) return false;
    i += (size_t)len;
  }
  return true;
}
