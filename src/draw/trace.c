/* trace.c - the trace device: a stable, line-oriented text dump of a display
 * list for golden tests. Coordinates are printed with two decimals so that
 * tiny floating-point noise does not churn the goldens. */
#include "dlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct trace_dev {
  bp_device super;
  bp_buf out;
  char *path;
  char **result;
  const bp_dlist *dl;
  int node; /* the last item's structure node */
} trace_dev;

static void tr_begin_document(bp_device *d, const bp_dlist *dl) {
  trace_dev *t = (trace_dev *)d;
  t->dl = dl;
  bp_buf_printf(&t->out, "document pages=%zu fonts=%zu\n", dl->n_pages, dl->n_fonts);
  for (size_t i = 0; i < dl->n_fonts; i++)
    bp_buf_printf(&t->out, "font %zu %s %s\n", i, dl->fonts[i].family, dl->fonts[i].style);
  for (size_t i = 0; i < dl->n_rasters; i++) {
    /* the pixels' hash (rgb then alpha) names the content stably */
    const bp_dl_raster *r = &dl->rasters[i];
    size_t px = (size_t)r->width_px * (size_t)r->height_px;
    uint8_t *all = bp_malloc(px * 4 + 1);
    memcpy(all, r->rgb, px * 3);
    if (r->alpha) memcpy(all + px * 3, r->alpha, px);
    char sha[65];
    bp_sha256_hex(all, px * (r->alpha ? 4 : 3), sha);
    free(all);
    bp_buf_printf(&t->out, "raster %zu %dx%d %s%s sha256=%.16s\n", i, r->width_px, r->height_px,
                  r->alpha ? "rgba" : "rgb", r->jpeg ? " jpeg" : "", sha);
  }
  if (dl->meta.title) bp_buf_printf(&t->out, "meta title \"%s\"\n", dl->meta.title);
}

static void tr_begin_page(bp_device *d, int no, const bp_dl_page *pg) {
  trace_dev *t = (trace_dev *)d;
  bp_buf_printf(&t->out, "page %d %.2f x %.2f", no + 1, pg->width_pt, pg->height_pt);
  if (pg->bleed_pt > 0) bp_buf_printf(&t->out, " bleed=%.2f", pg->bleed_pt);
  bp_buf_putc(&t->out, '\n');
  t->node = BP_DL_UNTAGGED;
}

static void role_path(trace_dev *t, int node, int depth) {
  if (node < 0 || depth > 64) return;
  const bp_dl_node *n = &t->dl->nodes[node];
  if (n->parent < node) role_path(t, n->parent, depth + 1);
  bp_buf_printf(&t->out, "/%s", bp_role_name(n->role));
  if (n->alt) bp_buf_printf(&t->out, "[alt \"%s\"]", n->alt);
  if (n->lang) bp_buf_printf(&t->out, "[lang %s]", n->lang);
  if (n->actual_text) bp_buf_printf(&t->out, "[actual \"%s\"]", n->actual_text);
  if (n->scope) bp_buf_puts(&t->out, n->scope == BP_SCOPE_ROW ? "[scope row]" : "[scope column]");
}

/* A line whenever the structure element changes: its roles from the top
 * ("struct /L/LI/LBody #12"), "struct artifact" or "struct none". */
static void tr_node(bp_device *d, int node) {
  trace_dev *t = (trace_dev *)d;
  if (node == t->node) return;
  t->node = node;
  bp_buf_puts(&t->out, "  struct ");
  if (node == BP_DL_ARTIFACT)
    bp_buf_puts(&t->out, "artifact");
  else if (node < 0)
    bp_buf_puts(&t->out, "none");
  else {
    role_path(t, node, 0);
    bp_buf_printf(&t->out, " #%d", node);
  }
  bp_buf_putc(&t->out, '\n');
}

static void color(bp_buf *b, const char *what, bp_color c) {
  bp_buf_printf(b, " %s=#%02x%02x%02x", what, (int)(c.r * 255 + 0.5), (int)(c.g * 255 + 0.5),
                (int)(c.b * 255 + 0.5));
  if (c.a < 1) bp_buf_printf(b, "/%.2f", c.a);
}

static void tr_text(bp_device *d, const bp_dl_text *x) {
  trace_dev *t = (trace_dev *)d;
  bp_buf_printf(&t->out, "  text font=%d size=%.2f at=%.2f,%.2f w=%.2f", x->font, x->size_pt,
                x->x_pt, x->y_pt, x->width_pt);
  color(&t->out, "fill", x->color);
  if (x->expand != 0) bp_buf_printf(&t->out, " expand=%.3f", x->expand);
  if (x->lang[0]) bp_buf_printf(&t->out, " lang=%.7s", x->lang);
  bp_buf_printf(&t->out, " \"%.*s\"\n", (int)x->text_len, x->text);
}

static void tr_path(bp_device *d, const bp_dl_path *p) {
  trace_dev *t = (trace_dev *)d;
  bp_buf_puts(&t->out, "  path");
  if (p->fill) color(&t->out, "fill", p->fill_color);
  if (p->stroke) {
    color(&t->out, "stroke", p->stroke_color);
    bp_buf_printf(&t->out, " lw=%.2f", p->line_width_pt);
  }
  if (p->n_dash) bp_buf_printf(&t->out, " dash=%g,%g", p->dash[0], p->dash[1]);
  bp_buf_puts(&t->out, " :");
  for (size_t i = 0; i < p->n_segs; i++) {
    const bp_path_seg *s = &p->segs[i];
    switch (s->op) {
    case BP_PATH_MOVE: bp_buf_printf(&t->out, " M%.2f,%.2f", s->pts[0], s->pts[1]); break;
    case BP_PATH_LINE: bp_buf_printf(&t->out, " L%.2f,%.2f", s->pts[0], s->pts[1]); break;
    case BP_PATH_CURVE:
      bp_buf_printf(&t->out, " C%.2f,%.2f,%.2f,%.2f,%.2f,%.2f", s->pts[0], s->pts[1], s->pts[2],
                    s->pts[3], s->pts[4], s->pts[5]);
      break;
    case BP_PATH_CLOSE: bp_buf_puts(&t->out, " Z"); break;
    }
  }
  bp_buf_putc(&t->out, '\n');
}

static void tr_link(bp_device *d, const bp_dl_link *l) {
  trace_dev *t = (trace_dev *)d;
  bp_buf_printf(&t->out, "  link %.2f,%.2f %.2fx%.2f -> %s%s\n", l->x_pt, l->y_pt, l->w_pt, l->h_pt,
                l->uri ? "" : "#", l->uri ? l->uri : l->dest);
}

static void tr_dest(bp_device *d, const bp_dl_dest *x) {
  trace_dev *t = (trace_dev *)d;
  bp_buf_printf(&t->out, "  dest %s y=%.2f\n", x->name, x->y_pt);
}

static void tr_outline(bp_device *d, const bp_dl_outline *o) {
  trace_dev *t = (trace_dev *)d;
  bp_buf_printf(&t->out, "  outline %d \"%s\" y=%.2f\n", o->level, o->title, o->y_pt);
}

static void tr_image(bp_device *d, const bp_dl_image *im, const bp_dl_raster *r) {
  trace_dev *t = (trace_dev *)d;
  (void)r;
  bp_buf_printf(&t->out, "  image raster=%d at=%.2f,%.2f w=%.2f h=%.2f\n", im->raster, im->x_pt,
                im->y_pt, im->w_pt, im->h_pt);
}

static void tr_close(bp_device *d) {
  trace_dev *t = (trace_dev *)d;
  if (t->path) {
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    if (bp_file_write_to(&ctx, d->group, t->path, t->out.data ? t->out.data : "", t->out.len, NULL))
      bp_device_fail(d, ctx.status, "%s", ctx.msg);
  } else if (t->result) {
    *t->result = bp_buf_detach(&t->out);
  }
}

static void tr_destroy(bp_device *d) {
  trace_dev *t = (trace_dev *)d;
  bp_buf_free(&t->out);
  free(t->path);
  free(t);
}

static const bp_device_ops trace_ops = {
    .begin_document = tr_begin_document,
    .begin_page = tr_begin_page,
    .node = tr_node,
    .text = tr_text,
    .path = tr_path,
    .link = tr_link,
    .dest = tr_dest,
    .outline = tr_outline,
    .image = tr_image,
    .close = tr_close,
    .destroy = tr_destroy,
};

bp_device *bp_trace_device_new(const char *path, char **out) {
  trace_dev *t = bp_calloc(1, sizeof *t);
  t->super.ops = &trace_ops;
  bp_ctx_init(&t->super.ctx);
  t->path = bp_strdup(path);
  t->result = out;
  if (out) *out = NULL;
  return &t->super;
}
