/* jdoc.c - public, position-aware JSON documents (see jdoc.h) built on the
 * data layer's bp_src and bp_json. */
#include "jdoc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "data-imp.h"

struct bp_jdoc {
  bp_diag_list *dl;
  bp_src *src;
  bp_json *json;
};

static bp_status finish(bp_ctx *ctx, bp_jdoc *jd, const char *path, bool io_failed, bp_jdoc **out) {
  if (jd->src->usable) jd->json = bp__json_parse(jd->src);
  if (!jd->json || jd->dl->n_errors) { /* e.g. a string over the text limits */
    bp_status st = bp__diag_to_ctx(ctx, jd->dl, io_failed);
    if (!st) st = bp_error(ctx, BP_ERR_DATA, "%s: cannot parse", path);
    bp_jdoc_free(jd);
    return st;
  }
  *out = jd;
  return BP_OK;
}

bp_status bp_jdoc_load(bp_ctx *ctx, const char *path, bp_jdoc **out) {
  *out = NULL;
  bp_jdoc *jd = bp_calloc(1, sizeof *jd);
  jd->dl = bp_diag_list_new();
  bool io_failed = false;
  jd->src = bp__src_open(jd->dl, path, &io_failed);
  return finish(ctx, jd, path, io_failed, out);
}

bp_status bp_jdoc_parse(bp_ctx *ctx, const char *name, const char *data, size_t len,
                        bp_jdoc **out) {
  *out = NULL;
  bp_jdoc *jd = bp_calloc(1, sizeof *jd);
  jd->dl = bp_diag_list_new();
  jd->src = bp__src_mem(jd->dl, name, data, len);
  return finish(ctx, jd, name, false, out);
}

void bp_jdoc_free(bp_jdoc *jd) {
  if (!jd) return;
  if (jd->json) bp__json_free(jd->json);
  bp__src_free(jd->src);
  bp_diag_list_free(jd->dl);
  free(jd);
}

json_t *bp_jdoc_root(const bp_jdoc *jd) { return bp__json_root(jd->json); }
const char *bp_jdoc_path(const bp_jdoc *jd) { return jd->src->path; }

static char *vmessage(const bp_jdoc *jd, size_t off, const char *fmt, va_list ap) {
  int line = 0, col = 0;
  bp__src_linecol(jd->src, off, &line, &col);
  char msg[768];
  vsnprintf(msg, sizeof msg, fmt, ap);
  bp_buf b = {0};
  bp_buf_printf(&b, "%s:%d:%d: %s", jd->src->path, line, col, msg);
  return bp_buf_detach(&b);
}

static bp_status verror(bp_ctx *ctx, const bp_jdoc *jd, size_t off, const char *fmt, va_list ap) {
  char *m = vmessage(jd, off, fmt, ap);
  bp_status st = bp_error(ctx, BP_ERR_DATA, "%s", m);
  free(m);
  return st;
}

char *bp_jdoc_message(const bp_jdoc *jd, const json_t *obj, const char *key, const char *fmt, ...) {
  size_t off = key ? bp__json_val(jd->json, obj, key) : bp__json_start(jd->json, obj);
  va_list ap;
  va_start(ap, fmt);
  char *m = vmessage(jd, off, fmt, ap);
  va_end(ap);
  return m;
}

bp_status bp_jdoc_error(bp_ctx *ctx, const bp_jdoc *jd, const json_t *obj, const char *key,
                        const char *fmt, ...) {
  /* a missing member points at its object */
  size_t off = key ? bp__json_val(jd->json, obj, key) : bp__json_start(jd->json, obj);
  va_list ap;
  va_start(ap, fmt);
  bp_status st = verror(ctx, jd, off, fmt, ap);
  va_end(ap);
  return st;
}

bp_status bp_jdoc_error_elem(bp_ctx *ctx, const bp_jdoc *jd, const json_t *arr, size_t i,
                             const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  bp_status st = verror(ctx, jd, bp__json_elem(jd->json, arr, i), fmt, ap);
  va_end(ap);
  return st;
}

static char *message_at(const bp_jdoc *jd, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static char *message_at(const bp_jdoc *jd, size_t off, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *m = vmessage(jd, off, fmt, ap);
  va_end(ap);
  return m;
}

char *bp_jdoc_markup_warning(const bp_jdoc *jd, const json_t *obj, const char *key, size_t i,
                             const char *what) {
  const char *v = json_string_value(key ? json_object_get(obj, key) : json_array_get(obj, i));
  size_t len, off = v ? bp__inline_html(v, &len) : SIZE_MAX;
  if (off == SIZE_MAX) return NULL;
  size_t at = key ? bp__json_val(jd->json, obj, key) : bp__json_elem(jd->json, obj, i);
  char *m = bp__inline_html_message(v, off, len, what);
  char *w = message_at(jd, bp__json_str_off(jd->json, at, off), "%s", m);
  free(m);
  return w;
}
