/* diag.c - source files with a line index, and diagnostics about them:
 * `file:line:col: error|warning: message` with the offending line and a
 * caret, as compilers print them. Columns count characters; the caret is
 * placed by display cells (Hangul and other wide characters take two).
 * Touches no other module's state; never prints unless asked to. */
#include "data-imp.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DIAGS_PER_FILE = 100, WINDOW_CELLS = 60 };

/* A file's text kept for its diagnostics' source lines: the src's reference
 * plus one per diagnostic, taken and dropped atomically (a render's data set
 * may be loaded by one thread and its diagnostics freed by another). */
struct bp_diag_text {
  size_t refs;
  char *text;
  size_t len;
};

static bp_diag_text *text_keep(bp_diag_text *t) {
  __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
  return t;
}

static void text_drop(bp_diag_text *t) {
  if (!t || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL)) return;
  free(t->text);
  free(t);
}

bp_diag_list *bp_diag_list_new(void) { return bp_calloc(1, sizeof(bp_diag_list)); }

void bp__diag_release(bp_diag *d) {
  free(d->file);
  free(d->message);
  text_drop(d->text);
}

void bp_diag_list_free(bp_diag_list *dl) {
  if (!dl) return;
  for (size_t i = 0; i < dl->n; i++) bp__diag_release(&dl->v[i]);
  free(dl->v);
  free(dl);
}

static const char *sev_name(bp_severity s) {
  switch (s) {
  case BP_SEV_ERROR: return "error";
  case BP_SEV_WARNING: return "warning";
  case BP_SEV_NOTE: return "note";
  }
  return "error";
}

char *bp_diag_format(const bp_diag *d) {
  bp_buf b = {0};
  bp_buf_printf(&b, "%s:%d:%d: %s: %s", d->file, d->line, d->col, sev_name(d->severity),
                d->message);
  return bp_buf_detach(&b);
}

void bp_diag_print(const bp_diag_list *dl, FILE *f, bool caret) {
  for (size_t i = 0; i < dl->n; i++) {
    const bp_diag *d = &dl->v[i];
    char *s = bp_diag_format(d);
    fprintf(f, "%s\n", s);
    free(s);
    int cells;
    char *line = caret ? bp_diag_source_line(d, &cells) : NULL;
    if (line) {
      fprintf(f, "  %s\n  ", line);
      for (int k = 0; k < cells; k++) fputc(' ', f);
      fputs("^\n", f);
    }
    free(line);
  }
}

/* ------------------------------------------------------------- display */

static int cp_cells(uint32_t cp) {
  if (cp == 0) return 0;
  if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) || cp == 0xFEFF ||
      (cp >= 0x1160 && cp <= 0x11FF))
    return 0; /* combining marks, zero-width, medial/final jamo */
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
      (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
      (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
    return 2;
  return 1;
}

/* Appends the printable form of one character at p (tab/control -> space,
 * invalid byte -> U+FFFD); returns its byte length and sets *cells. */
static int put_char(bp_buf *b, const char *p, size_t n, int *cells) {
  int len;
  int32_t cp = bp_utf8_decode(p, n, &len);
  if (cp < 0) {
    bp_buf_puts(b, "\xEF\xBF\xBD");
    *cells = 1;
    return len;
  }
  if (cp < 0x20 || cp == 0x7F) {
    bp_buf_putc(b, ' ');
    *cells = 1;
    return len;
  }
  bp_buf_put(b, p, (size_t)len);
  *cells = cp_cells((uint32_t)cp);
  return len;
}

static bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

/* Builds the shown line and the caret's cell offset for `off` within the
 * line [ls, le). Long lines are cut to a window around the caret. */
static char *show_line(const char *text, size_t ls, size_t le, size_t off, int *caret) {
  if (off > le) off = le;
  /* Walk back from off up to WINDOW_CELLS cells. */
  size_t a = off;
  int back = 0;
  while (a > ls && back < WINDOW_CELLS) {
    size_t p = a - 1;
    while (p > ls && is_cont((unsigned char)text[p])) p--;
    int len;
    int32_t cp = bp_utf8_decode(text + p, a - p, &len);
    back += cp < 0 ? 1 : (cp < 0x20 ? 1 : cp_cells((uint32_t)cp));
    a = p;
  }
  bp_buf b = {0};
  int cells = 0;
  if (a > ls) {
    bp_buf_puts(&b, "...");
    cells = 3;
  }
  size_t p = a;
  while (p < off) {
    int c;
    p += (size_t)put_char(&b, text + p, le - p, &c);
    cells += c;
  }
  *caret = cells;
  int fwd = 0;
  while (p < le && fwd < WINDOW_CELLS) {
    int c;
    p += (size_t)put_char(&b, text + p, le - p, &c);
    fwd += c;
  }
  if (p < le) bp_buf_puts(&b, "...");
  return bp_buf_detach(&b);
}

char *bp_diag_source_line(const bp_diag *d, int *caret_cells) {
  *caret_cells = 0;
  if (!d->text) return NULL;
  const char *t = d->text->text;
  size_t ls = d->line_off;
  const char *nl = memchr(t + ls, '\n', d->text->len - ls);
  size_t le = nl ? (size_t)(nl - t) : d->text->len;
  if (le > ls && t[le - 1] == '\r') le--;
  return show_line(t, ls, le, d->off, caret_cells);
}

static bp_diag *diag_push(bp_diag_list *dl, bp_severity sev, const char *file, int line, int col,
                          const char *fmt, va_list ap) {
  bp_buf b = {0};
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  char *msg = bp_malloc((size_t)(n > 0 ? n : 0) + 1);
  vsnprintf(msg, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
  bp_buf_free(&b);
  bp_grow((void **)&dl->v, &dl->cap, dl->n + 1, sizeof *dl->v);
  bp_diag *d = &dl->v[dl->n++];
  memset(d, 0, sizeof *d);
  d->severity = sev;
  d->file = bp_strdup(file);
  d->line = line;
  d->col = col;
  d->message = msg;
  if (sev == BP_SEV_ERROR)
    dl->n_errors++;
  else if (sev == BP_SEV_WARNING)
    dl->n_warnings++;
  return d;
}

void bp__diag_file(bp_diag_list *dl, bp_severity sev, const char *file, int line, int col,
                   const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  diag_push(dl, sev, file, line, col, fmt, ap);
  va_end(ap);
}

/* ---------------------------------------------------------------- source */

static size_t line_index(const bp_src *s, size_t off) {
  size_t lo = 0, hi = s->n_ls; /* last ls[i] <= off */
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (s->ls[mid] <= off)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

void bp__src_linecol(const bp_src *cs, size_t off, int *line, int *col) {
  bp_src *s = (bp_src *)cs; /* only the lookup cache changes */
  if (off > s->len) off = s->len;
  size_t li = line_index(s, off);
  size_t p = s->ls[li];
  if (li == 0 && p < s->start) p = s->start; /* the BOM is not a column */
  while (off > p && off < s->len && is_cont((unsigned char)s->text[off])) off--;
  int c = 1;
  if (s->lc_line == (int)li + 1 && s->lc_off <= off && s->lc_off >= p && s->lc_col > 0) {
    p = s->lc_off; /* resume: positions mostly come in order */
    c = s->lc_col;
  }
  for (; p < off; p++)
    if (!is_cont((unsigned char)s->text[p])) c++;
  s->lc_line = (int)li + 1;
  s->lc_col = c;
  s->lc_off = off;
  *line = (int)li + 1;
  *col = c;
}

size_t bp__src_off(const bp_src *cs, int line, int col) {
  bp_src *s = (bp_src *)cs; /* only the lookup cache changes */
  if (line < 1) return s->start;
  size_t li = (size_t)line - 1;
  if (li >= s->n_ls) return s->len;
  size_t p = s->ls[li];
  if (li == 0 && p < s->start) p = s->start;
  int c = 1;
  if (s->oc_line == line && s->oc_col <= col &&
      s->oc_col > 0) { /* resume: positions come in order */
    p = s->oc_off;
    c = s->oc_col;
  }
  for (; c < col && p < s->len && s->text[p] != '\n'; c++) {
    p++;
    while (p < s->len && is_cont((unsigned char)s->text[p])) p++;
  }
  s->oc_line = line;
  s->oc_col = c;
  s->oc_off = p;
  return p;
}

void bp__diag(bp_src *s, bp_severity sev, size_t off, const char *fmt, ...) {
  if (s->n_diags >= MAX_DIAGS_PER_FILE) {
    if (sev == BP_SEV_ERROR) s->dl->n_errors++; /* still counts */
    return;
  }
  int line, col;
  bp__src_linecol(s, off, &line, &col);
  va_list ap;
  va_start(ap, fmt);
  bp_diag *d = diag_push(s->dl, sev, s->path, line, col, fmt, ap);
  va_end(ap);
  /* the source line is made when printed (bp_diag_source_line): keep the text */
  size_t ls = s->ls[line - 1];
  if (line == 1 && ls < s->start) ls = s->start;
  size_t o = off > s->len ? s->len : off;
  if (o < ls) o = ls;
  while (o > ls && o < s->len && is_cont((unsigned char)s->text[o])) o--;
  if (!s->shared) {
    s->shared = bp_malloc(sizeof *s->shared);
    *s->shared = (bp_diag_text){1, s->text, s->len};
  }
  d->text = text_keep(s->shared);
  d->line_off = ls;
  d->off = o;
  if (++s->n_diags == MAX_DIAGS_PER_FILE) {
    bp__diag_file(s->dl, BP_SEV_NOTE, s->path, line, col,
                  "too many problems in this file; the rest are not shown");
  }
}

static void build_index(bp_src *s) {
  size_t cap = 0;
  BP_PUSH(s->ls, s->n_ls, cap, 0);
  for (const char *nl = s->text, *end = s->text + s->len;
       (nl = memchr(nl, '\n', (size_t)(end - nl))); nl++)
    BP_PUSH(s->ls, s->n_ls, cap, (size_t)(nl - s->text) + 1);
}

/* rows: NUL bytes and bad UTF-8 are left for the caller (bp__src_open_rows). */
static void src_validate(bp_src *s, bool rows) {
  s->usable = true;
  const char *enc = bp_text_foreign_encoding(s->text, s->len);
  if (enc) {
    bp__diag_file(s->dl, BP_SEV_ERROR, s->path, 1, 1, "the file is %s, not UTF-8; save it as UTF-8",
                  enc);
    s->usable = false;
    return;
  }
  if (s->len >= 3 && !memcmp(s->text, "\xEF\xBB\xBF", 3)) {
    s->start = 3;
    /* Excel's and LibreOffice's "CSV UTF-8" always start with one: no news */
    size_t n = strlen(s->path);
    if (n < 4 || strcmp(s->path + n - 4, ".csv"))
      bp__diag(s, BP_SEV_WARNING, 3, "file starts with a UTF-8 byte order mark (ignored)");
  }
  size_t bad;
  char why[96];
  if (!rows && !bp_text_clean(s->text + s->start, s->len - s->start, &bad, why, sizeof why)) {
    bp__diag(s, BP_SEV_ERROR, s->start + bad, "%s", why);
    s->usable = false;
    return;
  }
  size_t p = s->start;
  while (p < s->len &&
         (s->text[p] == ' ' || s->text[p] == '\t' || s->text[p] == '\r' || s->text[p] == '\n'))
    p++;
  if (p == s->len) {
    bp__diag(s, BP_SEV_ERROR, s->start, "empty file");
    s->usable = false;
  }
}

bp_src *bp__src_mem(bp_diag_list *dl, const char *path, const char *data, size_t len) {
  bp_src *s = bp_calloc(1, sizeof *s);
  s->path = bp_strdup(path);
  s->dl = dl;
  s->text = bp_malloc(len + 1);
  if (len) memcpy(s->text, data, len);
  s->text[len] = '\0';
  s->len = len;
  const char *dot = strrchr(path, '.');
  s->json = dot && !strcmp(dot, ".json");
  build_index(s);
  src_validate(s, false);
  return s;
}

/* A src for a file that was not read; `why` is reported at its 1:1. */
static bp_src *src_unread(bp_diag_list *dl, const char *path, const char *why) {
  bp_src *s = bp_calloc(1, sizeof *s);
  s->path = bp_strdup(path);
  s->dl = dl;
  s->text = bp_strdup("");
  build_index(s);
  size_t pl = strlen(path);
  if (!strncmp(why, path, pl) && !strncmp(why + pl, ": ", 2)) why += pl + 2;
  bp__diag_file(dl, BP_SEV_ERROR, path, 1, 1, "%s", why);
  return s;
}

static bp_src *src_open(bp_diag_list *dl, const char *root, const char *path, bool *io_failed,
                        bool rows) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *data = NULL;
  size_t len = 0;
  if (io_failed) *io_failed = false;
  char why[PATH_MAX + 256];
  if (root && !bp_data_path_inside(root, path, why, sizeof why)) return src_unread(dl, path, why);
  if (bp_file_read_max(&ctx, path, BP_DATA_FILE_MAX_BYTES, &data, &len) != BP_OK) {
    if (io_failed) *io_failed = true;
    return src_unread(dl, path, ctx.msg);
  }
  bp_src *s = bp_calloc(1, sizeof *s);
  s->path = bp_strdup(path);
  s->dl = dl;
  s->text = data;
  s->len = len;
  const char *dot = strrchr(path, '.');
  size_t lead = strspn(data, " \t\r\n"); /* standard input ("-"): JSON when it looks it */
  s->json = (dot && !strcmp(dot, ".json")) ||
            (!strcmp(path, BP_STDIN_NAME) && (data[lead] == '{' || data[lead] == '['));
  build_index(s);
  src_validate(s, rows);
  return s;
}

bp_src *bp__src_open(bp_diag_list *dl, const char *path, bool *io_failed) {
  return src_open(dl, NULL, path, io_failed, false);
}

bp_src *bp__src_open_rows(bp_diag_list *dl, const char *path, bool *io_failed) {
  return src_open(dl, NULL, path, io_failed, true);
}

bp_src *bp__src_open_in(bp_diag_list *dl, const char *root, const char *path, bool *io_failed) {
  return src_open(dl, root, path, io_failed, false);
}

void bp__src_free(bp_src *s) {
  if (!s) return;
  free(s->path);
  if (s->shared)
    text_drop(s->shared); /* the text stays while a diagnostic shows it */
  else
    free(s->text);
  free(s->ls);
  free(s);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int32_t hex4(const char *p, size_t n) {
  if (n < 4) return -1;
  int32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(p[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/* Calls fn(ud, s, off, end, cp) for every character of s beyond ASCII,
 * written at [off, end), with a JSON file's \uXXXX escapes (and surrogate
 * pairs) decoded; the controls are left out (raw ones make the file
 * unusable, escaped ones are errors of the JSON parse). */
static void src_each_char(bp_src *s, void (*fn)(void *, bp_src *, size_t, size_t, int32_t),
                          void *ud) {
  if (!s->usable) return;
  size_t p = s->start;
  while (p < s->len) {
    unsigned char c = (unsigned char)s->text[p];
    if (c < 0x80 && (c != '\\' || !s->json)) { /* ASCII: below U+007F or a control */
      p++;
      continue;
    }
    size_t at = p;
    int len;
    int32_t cp = bp_utf8_decode(s->text + p, s->len - p, &len);
    p += (size_t)len;
    if (cp < 0) continue;
    if (cp == '\\' && s->json && p < s->len) {
      if (s->text[p] != 'u') { /* skip the escaped character */
        p++;
        continue;
      }
      int32_t u = hex4(s->text + p + 1, s->len - p - 1);
      if (u < 0) continue;
      p += 5;
      if (u >= 0xD800 && u <= 0xDBFF && p + 1 < s->len && s->text[p] == '\\' &&
          s->text[p + 1] == 'u') {
        int32_t lo = hex4(s->text + p + 2, s->len - p - 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          p += 6;
          cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        } else
          cp = u;
      } else
        cp = u;
    }
    if (cp < 0x7F || bp_text_control((uint32_t)cp)) continue;
    fn(ud, s, at, p, cp);
  }
}

/* What check_char finds wrong with a character. */
typedef enum bad_kind {
  BAD_NONE,
  BAD_SURROGATE,
  BAD_NON_BMP,
  BAD_REPLACEMENT,
  BAD_UNCOVERED
} bad_kind;

/* check_char's state: the run of bad characters of one kind being read, each
 * written right after the one before; it is reported once, at its first. */
typedef struct char_check {
  bool (*covers)(void *, uint32_t);
  void *ud;
  bad_kind kind; /* BAD_NONE: no run */
  size_t off, end, n;
  int32_t first;
} char_check;

/* Reports c's run, if any, at its first character: as one character is, with
 * "N characters from here" added for a run of N. */
static void run_report(bp_src *s, char_check *c) {
  bool run = c->n > 1;
  char note[48] = "";
  if (run) snprintf(note, sizeof note, "%zu characters from here", c->n);
  const char *open = run ? " (" : "", *close = run ? ")" : "", *semi = run ? "; " : "";
  unsigned cp = (unsigned)c->first;
  switch (c->kind) {
  case BAD_NONE: return;
  case BAD_SURROGATE:
    bp__diag(s, BP_SEV_ERROR, c->off, "lone surrogate U+%04X%s%s%s", cp, open, note, close);
    break;
  case BAD_NON_BMP:
    bp__diag(s, BP_SEV_ERROR, c->off,
             "character U+%04X is outside the Basic Multilingual Plane (the PDF fonts cannot "
             "show it%s%s)",
             cp, semi, note);
    break;
  case BAD_REPLACEMENT:
    bp__diag(s, BP_SEV_WARNING, c->off,
             "replacement character U+FFFD (%s%stext damaged by a bad conversion?)", note, semi);
    break;
  case BAD_UNCOVERED: {
    char u8[5] = {0};
    bp_utf8_encode(cp, u8);
    bp__diag(s, BP_SEV_ERROR, c->off, "no font covers U+%04X '%s'%s%s%s", cp, u8, open, note,
             close);
    break;
  }
  }
  c->kind = BAD_NONE;
}

static void check_char(void *ud, bp_src *s, size_t at, size_t end, int32_t cp) {
  char_check *c = ud;
  bad_kind kind = BAD_NONE;
  if (cp >= 0xD800 && cp <= 0xDFFF)
    kind = BAD_SURROGATE;
  else if (cp > 0xFFFF)
    kind = BAD_NON_BMP;
  else if (cp == 0xFFFD)
    kind = BAD_REPLACEMENT;
  else if (c->covers && !c->covers(c->ud, (uint32_t)cp))
    kind = BAD_UNCOVERED;
  if (kind != BAD_NONE && kind == c->kind && at == c->end) {
    c->n++;
    c->end = end;
    return;
  }
  run_report(s, c);
  if (kind != BAD_NONE) *c = (char_check){c->covers, c->ud, kind, at, end, 1, cp};
}

void bp__src_check_chars(bp_src *s, bool (*covers)(void *, uint32_t), void *ud) {
  char_check c = {covers, ud, BAD_NONE, 0, 0, 0, 0};
  src_each_char(s, check_char, &c);
  run_report(s, &c);
}

typedef struct chars_fn {
  bp_char_fn fn;
  void *ud;
} chars_fn;

static void report_char(void *ud, bp_src *s, size_t at, size_t end, int32_t cp) {
  (void)end;
  const chars_fn *c = ud;
  int line, col;
  bp__src_linecol(s, at, &line, &col);
  c->fn(c->ud, s->path, line, col, (uint32_t)cp);
}

bp_status bp_data_file_chars(bp_ctx *ctx, const char *path, bp_char_fn fn, void *ud) {
  bp_diag_list *dl = bp_diag_list_new();
  bool io = false;
  bp_src *s = bp__src_open(dl, path, &io);
  bp_status st = BP_OK;
  if (!s->usable) {
    char *msg = dl->n ? bp_diag_format(&dl->v[0]) : NULL;
    st = bp_error(ctx, BP_ERR_DATA, "%s", msg ? msg : path);
    free(msg);
  } else {
    src_each_char(s, report_char, &(chars_fn){fn, ud});
  }
  bp__src_free(s);
  bp_diag_list_free(dl);
  return st;
}

/* Stable merge sort by file, line, column. */
static int diag_cmp(const bp_diag *a, const bp_diag *b) {
  int c = strcmp(a->file, b->file);
  if (c) return c;
  if (a->line != b->line) return a->line < b->line ? -1 : 1;
  if (a->col != b->col) return a->col < b->col ? -1 : 1;
  return 0;
}

static void msort(bp_diag *v, bp_diag *tmp, size_t n) {
  if (n < 2) return;
  size_t h = n / 2;
  msort(v, tmp, h);
  msort(v + h, tmp, n - h);
  size_t i = 0, j = h, k = 0;
  while (i < h && j < n) tmp[k++] = diag_cmp(&v[j], &v[i]) < 0 ? v[j++] : v[i++];
  while (i < h) tmp[k++] = v[i++];
  while (j < n) tmp[k++] = v[j++];
  memcpy(v, tmp, n * sizeof *v);
}

void bp__diag_sort(bp_diag_list *dl) {
  if (dl->n < 2) return;
  bp_diag *tmp = bp_malloc(dl->n * sizeof *tmp);
  msort(dl->v, tmp, dl->n);
  free(tmp);
}

bp_status bp__diag_to_ctx(bp_ctx *ctx, const bp_diag_list *dl, bool io_failed) {
  for (size_t i = 0; i < dl->n; i++) {
    const bp_diag *d = &dl->v[i];
    if (d->severity != BP_SEV_ERROR) continue;
    return bp_error(ctx, io_failed ? BP_ERR_IO : BP_ERR_DATA, "%s:%d:%d: %s", d->file, d->line,
                    d->col, d->message);
  }
  if (dl->n_errors) return bp_error(ctx, BP_ERR_DATA, "data error");
  return BP_OK;
}
