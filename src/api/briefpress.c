/* briefpress.c - the public API (include/briefpress.h) over the internal
 * modules: a font set with its typesetter, a document as its display list,
 * and the PDF device writing to a file (through the output-file module),
 * to memory or to a callback. Only the functions declared in briefpress.h
 * are exported from the shared library (the build hides every other
 * symbol). Holds no layout or data logic of its own. */
#include "../../include/briefpress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "compose/compose.h"
#include "render/render.h"

struct briefpress_fonts {
  bp_fontset *fs;
  bp_typesetter *ts;
};

struct briefpress_doc {
  bp_dlist *dl;
};

/* The status and message of ctx into err (may be NULL); returns the status. */
static briefpress_status report(const bp_ctx *ctx, briefpress_error *err) {
  if (err && ctx->status) {
    err->status = (briefpress_status)ctx->status;
    snprintf(err->message, sizeof err->message, "%s", ctx->msg);
  }
  return (briefpress_status)ctx->status;
}

static briefpress_status usage_error(briefpress_error *err, const char *what) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_error(&ctx, BP_ERR_USAGE, "%s", what);
  return report(&ctx, err);
}

const char *briefpress_version(void) { return BP_VERSION; }

const char *briefpress_fonts_default_dir(void) { return bp_fontset_default_dir(); }

briefpress_status briefpress_fonts_open(const char *dir, briefpress_fonts **out,
                                        briefpress_error *err) {
  if (!out) return usage_error(err, "briefpress_fonts_open: out is NULL");
  *out = NULL;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  briefpress_fonts *f = bp_calloc(1, sizeof *f);
  if (!bp_fontset_open(&ctx, dir, &f->fs)) bp_typesetter_new(&ctx, f->fs, &f->ts);
  if (ctx.status) {
    briefpress_fonts_free(f);
    return report(&ctx, err);
  }
  *out = f;
  return BRIEFPRESS_OK;
}

void briefpress_fonts_free(briefpress_fonts *fonts) {
  if (!fonts) return;
  bp_typesetter_free(fonts->ts);
  bp_fontset_free(fonts->fs);
  free(fonts);
}

static briefpress_status take_doc(bp_ctx *ctx, bp_dlist *dl, briefpress_doc **out,
                                  briefpress_error *err) {
  if (ctx->status) {
    bp_dlist_free(dl);
    return report(ctx, err);
  }
  briefpress_doc *d = bp_calloc(1, sizeof *d);
  d->dl = dl;
  *out = d;
  return BRIEFPRESS_OK;
}

briefpress_status briefpress_doc_load(briefpress_fonts *fonts, const char *path,
                                      const char *template_path, briefpress_doc **out,
                                      briefpress_error *err) {
  if (!out) return usage_error(err, "briefpress_doc_load: out is NULL");
  *out = NULL;
  if (!fonts || !path) return usage_error(err, "briefpress_doc_load: fonts or path is NULL");
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_dlist *dl = NULL;
  bp_cli_compose(&ctx, fonts->ts, path, template_path, NULL, NULL, &dl);
  return take_doc(&ctx, dl, out, err);
}

briefpress_status briefpress_doc_load_record(briefpress_fonts *fonts, const char *template_path,
                                             const char *records_path, const char *data_dir,
                                             const char *record_id, briefpress_doc **out,
                                             briefpress_error *err) {
  if (!out) return usage_error(err, "briefpress_doc_load_record: out is NULL");
  *out = NULL;
  if (!fonts || !template_path || !records_path || !record_id)
    return usage_error(err, "briefpress_doc_load_record: an argument is NULL");
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_records *rec = NULL;
  bp_dataset *ds = NULL;
  bp_template *tpl = NULL;
  bp_dlist *dl = NULL;
  char *dir = data_dir ? bp_strdup(data_dir) : bp_data_root_of(records_path);
  bp_status st = bp_records_load(&ctx, records_path, &rec);
  if (!st) st = bp_dataset_load(&ctx, dir, &ds);
  if (!st) st = bp_template_load(&ctx, template_path, &tpl);
  if (!st) st = bp_profile_check_template(&ctx, tpl, ds, rec);
  const bp_record *r = st ? NULL : bp_records_lookup(rec, record_id);
  if (!st && !r)
    st = bp_error(&ctx, BP_ERR_USAGE, "%s: no record with id '%s'", records_path, record_id);
  if (!st)
    bp_compose_profile(&ctx, fonts->ts, tpl, ds, rec, (size_t)(r - rec->rows),
                       bp_source_date_epoch(), NULL, NULL, &dl);
  bp_template_free(tpl);
  bp_dataset_free(ds);
  bp_records_free(rec);
  free(dir);
  return take_doc(&ctx, dl, out, err);
}

int briefpress_doc_pages(const briefpress_doc *doc) { return doc ? (int)doc->dl->n_pages : 0; }

const char *briefpress_doc_title(const briefpress_doc *doc) {
  return doc ? doc->dl->meta.title : NULL;
}

briefpress_status briefpress_doc_render_file(const briefpress_doc *doc, const char *path,
                                             briefpress_error *err) {
  if (!doc || !path) return usage_error(err, "briefpress_doc_render_file: doc or path is NULL");
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_dlist_run(doc->dl, bp_pdf_device_new(path, NULL), &ctx);
  return report(&ctx, err);
}

/* The PDF's bytes into *buf (the caller's, empty). */
static briefpress_status render_buf(const briefpress_doc *doc, bp_buf *buf, briefpress_error *err) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_dlist_run(doc->dl, bp_pdf_device_new_mem(buf, NULL, NULL), &ctx);
  if (ctx.status) bp_buf_free(buf);
  return report(&ctx, err);
}

briefpress_status briefpress_doc_render_memory(const briefpress_doc *doc, unsigned char **data,
                                               size_t *len, briefpress_error *err) {
  if (!data || !len) return usage_error(err, "briefpress_doc_render_memory: data or len is NULL");
  *data = NULL;
  *len = 0;
  if (!doc) return usage_error(err, "briefpress_doc_render_memory: doc is NULL");
  bp_buf buf = {0};
  briefpress_status st = render_buf(doc, &buf, err);
  if (st) return st;
  *len = buf.len;
  *data = (unsigned char *)(buf.data ? bp_buf_detach(&buf) : bp_strdup(""));
  return BRIEFPRESS_OK;
}

briefpress_status briefpress_doc_render_write(const briefpress_doc *doc, briefpress_write_fn write,
                                              void *user_data, briefpress_error *err) {
  if (!doc || !write) return usage_error(err, "briefpress_doc_render_write: doc or write is NULL");
  bp_buf buf = {0};
  briefpress_status st = render_buf(doc, &buf, err);
  for (size_t off = 0; !st && off < buf.len; off += 65536) {
    size_t n = buf.len - off < 65536 ? buf.len - off : 65536;
    if (write(user_data, buf.data + off, n) != 0) {
      bp_ctx ctx;
      bp_ctx_init(&ctx);
      bp_error(&ctx, BP_ERR_IO, "the write callback failed after %zu of %zu bytes", off, buf.len);
      st = report(&ctx, err);
    }
  }
  bp_buf_free(&buf);
  return st;
}

void briefpress_doc_free(briefpress_doc *doc) {
  if (!doc) return;
  bp_dlist_free(doc->dl);
  free(doc);
}

void briefpress_free(void *p) { free(p); }
