/* png.c - the PNG device: replays a display list through cairo onto image
 * surfaces, one PNG per page. Glyphs are drawn by id from the same font files
 * the PDF embeds (cairo-ft over FreeType), so both devices show one layout. */
#include "render.h"

#include <cairo-ft.h>
#include <cairo.h>
#include <errno.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct png_dev {
  bp_device super;
  char *pattern;          /* the files' names, or NULL for page_fn */
  bp_png_page_fn page_fn; /* bp_png_device_new_mem: the pages go here */
  void *page_ud;
  double dpi;
  int width_px, max_pages;
  int palette_colors; /* > 0: palette PNGs of at most this many colours */
  const bp_dlist *dl;
  cairo_font_face_t **cfaces; /* per display-list font, loaded lazily */
  size_t n_faces;
  cairo_surface_t **rasters; /* per display-list raster, made lazily */
  size_t n_rasters;
  cairo_surface_t *surface;
  cairo_t *cr;
  int page_no;
  bool skip;
} png_dev;

static void png_begin_document(bp_device *d, const bp_dlist *dl) {
  png_dev *p = (png_dev *)d;
  p->dl = dl;
  p->n_faces = dl->n_fonts;
  p->cfaces = bp_calloc(dl->n_fonts, sizeof *p->cfaces);
  p->n_rasters = dl->n_rasters;
  p->rasters = bp_calloc(dl->n_rasters ? dl->n_rasters : 1, sizeof *p->rasters);
}

static double scale_of(png_dev *p, const bp_dl_page *pg) {
  if (p->width_px > 0) return p->width_px / pg->width_pt;
  return p->dpi / 72.0;
}

static void png_begin_page(bp_device *d, int no, const bp_dl_page *pg) {
  png_dev *p = (png_dev *)d;
  p->page_no = no;
  p->skip = p->max_pages > 0 && no >= p->max_pages;
  if (p->skip) return;
  double s = scale_of(p, pg);
  int w = (int)ceil(pg->width_pt * s - 1e-6), h = (int)ceil(pg->height_pt * s - 1e-6);
  p->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
  p->cr = cairo_create(p->surface);
  cairo_set_source_rgb(p->cr, 1, 1, 1);
  cairo_paint(p->cr);
  cairo_scale(p->cr, s, s);
  cairo_font_options_t *fo = cairo_font_options_create();
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
  cairo_set_font_options(p->cr, fo);
  cairo_font_options_destroy(fo);
}

/* One FreeType library for the process (cairo may keep faces cached past a
 * device's life); each FT_Face is freed by cairo when it drops the face. */
static FT_Library ft_lib;
static pthread_mutex_t ft_lock = PTHREAD_MUTEX_INITIALIZER;
static const cairo_user_data_key_t ft_key;

static void done_face(void *face) {
  pthread_mutex_lock(&ft_lock);
  FT_Done_Face(face);
  pthread_mutex_unlock(&ft_lock);
}

static cairo_font_face_t *face_for(png_dev *p, int font) {
  if (font < 0 || (size_t)font >= p->n_faces) return NULL;
  if (!p->cfaces[font]) {
    const bp_dl_font *f = &p->dl->fonts[font];
    FT_Face face = NULL;
    pthread_mutex_lock(&ft_lock);
    bool bad = (!ft_lib && FT_Init_FreeType(&ft_lib)) ||
               FT_New_Face(ft_lib, f->path, f->face_index, &face);
    pthread_mutex_unlock(&ft_lock);
    if (bad) {
      bp_device_fail(&p->super, BP_ERR_FONT, "%s: cannot load font", f->path);
      return NULL;
    }
    cairo_font_face_t *cf = cairo_ft_font_face_create_for_ft_face(face, 0);
    cairo_font_face_set_user_data(cf, &ft_key, face, done_face);
    p->cfaces[font] = cf;
  }
  return p->cfaces[font];
}

static void set_color(cairo_t *cr, bp_color c) {
  if (c.a < 1)
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
  else
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

static void png_text(bp_device *d, const bp_dl_text *t) {
  png_dev *p = (png_dev *)d;
  if (p->skip || !t->n_glyphs) return;
  cairo_font_face_t *face = face_for(p, t->font);
  if (!face) return;
  cairo_set_font_face(p->cr, face);
  cairo_matrix_t m; /* font expansion widens or narrows the glyphs */
  cairo_matrix_init_scale(&m, t->size_pt * (1 + t->expand), t->size_pt);
  cairo_set_font_matrix(p->cr, &m);
  set_color(p->cr, t->color);
  cairo_glyph_t *g = bp_calloc(t->n_glyphs, sizeof *g);
  for (size_t i = 0; i < t->n_glyphs; i++) {
    g[i].index = t->glyphs[i].id;
    g[i].x = t->glyphs[i].x_pt;
    g[i].y = t->y_pt + t->glyphs[i].dy_pt;
  }
  cairo_show_glyphs(p->cr, g, (int)t->n_glyphs);
  free(g);
}

static void png_path(bp_device *d, const bp_dl_path *path) {
  png_dev *p = (png_dev *)d;
  if (p->skip) return;
  cairo_t *cr = p->cr;
  cairo_new_path(cr);
  for (size_t i = 0; i < path->n_segs; i++) {
    const bp_path_seg *s = &path->segs[i];
    switch (s->op) {
    case BP_PATH_MOVE: cairo_move_to(cr, s->pts[0], s->pts[1]); break;
    case BP_PATH_LINE: cairo_line_to(cr, s->pts[0], s->pts[1]); break;
    case BP_PATH_CURVE:
      cairo_curve_to(cr, s->pts[0], s->pts[1], s->pts[2], s->pts[3], s->pts[4], s->pts[5]);
      break;
    case BP_PATH_CLOSE: cairo_close_path(cr); break;
    }
  }
  if (path->fill) {
    set_color(cr, path->fill_color);
    cairo_set_fill_rule(cr, path->even_odd ? CAIRO_FILL_RULE_EVEN_ODD : CAIRO_FILL_RULE_WINDING);
    if (path->stroke)
      cairo_fill_preserve(cr);
    else
      cairo_fill(cr);
  }
  if (path->stroke) {
    set_color(cr, path->stroke_color);
    cairo_set_line_width(cr, path->line_width_pt);
    cairo_set_line_cap(cr, path->cap == BP_CAP_ROUND    ? CAIRO_LINE_CAP_ROUND
                           : path->cap == BP_CAP_SQUARE ? CAIRO_LINE_CAP_SQUARE
                                                        : CAIRO_LINE_CAP_BUTT);
    cairo_set_line_join(cr, path->join == BP_JOIN_ROUND   ? CAIRO_LINE_JOIN_ROUND
                            : path->join == BP_JOIN_BEVEL ? CAIRO_LINE_JOIN_BEVEL
                                                          : CAIRO_LINE_JOIN_MITER);
    cairo_set_dash(cr, path->dash, path->n_dash, 0);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
  }
}

static cairo_status_t png_append(void *closure, const unsigned char *data, unsigned int len) {
  bp_buf_put(closure, (const char *)data, len);
  return CAIRO_STATUS_SUCCESS;
}

/* The raster as a premultiplied ARGB32 surface (cairo's format). */
static cairo_surface_t *raster_surface(const bp_dl_raster *r) {
  cairo_surface_t *s = cairo_image_surface_create(
      r->alpha ? CAIRO_FORMAT_ARGB32 : CAIRO_FORMAT_RGB24, r->width_px, r->height_px);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) return s;
  cairo_surface_flush(s);
  unsigned char *data = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  for (int y = 0; y < r->height_px; y++) {
    uint32_t *row = (uint32_t *)(void *)(data + (size_t)y * (size_t)stride);
    size_t i0 = (size_t)y * (size_t)r->width_px;
    for (int x = 0; x < r->width_px; x++) {
      const uint8_t *c = r->rgb + (i0 + (size_t)x) * 3;
      uint32_t a = r->alpha ? r->alpha[i0 + (size_t)x] : 255;
      uint32_t cr = (c[0] * a + 127) / 255, cg = (c[1] * a + 127) / 255,
               cb = (c[2] * a + 127) / 255;
      row[x] = a << 24 | cr << 16 | cg << 8 | cb;
    }
  }
  cairo_surface_mark_dirty(s);
  return s;
}

static void png_image(bp_device *d, const bp_dl_image *im, const bp_dl_raster *r) {
  png_dev *p = (png_dev *)d;
  if (p->skip || im->w_pt <= 0 || im->h_pt <= 0 || r->width_px <= 0 || r->height_px <= 0) return;
  cairo_surface_t **s = &p->rasters[im->raster];
  if (!*s) *s = raster_surface(r);
  if (cairo_surface_status(*s) != CAIRO_STATUS_SUCCESS) {
    bp_device_fail(d, BP_ERR_RENDER, "page %d: image %d x %d px: cairo: %s", p->page_no + 1,
                   r->width_px, r->height_px, cairo_status_to_string(cairo_surface_status(*s)));
    return;
  }
  cairo_t *cr = p->cr;
  cairo_save(cr);
  cairo_rectangle(cr, im->x_pt, im->y_pt, im->w_pt, im->h_pt);
  cairo_clip(cr);
  cairo_translate(cr, im->x_pt, im->y_pt);
  cairo_scale(cr, im->w_pt / r->width_px, im->h_pt / r->height_px);
  cairo_set_source_surface(cr, *s, 0, 0);
  /* edge pixels are repeated, not faded into transparency, at the box's edge */
  cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
  cairo_paint(cr);
  cairo_restore(cr);
}

/* Every page's mark: a tEXt chunk "Software" = "briefpress" right after
 * IHDR (PNG 1.2, 11.3.4.3), by which a later run knows the page files it
 * made (render --png and preview remove those of an earlier, longer
 * document, never anyone else's). */
#define PNG_SIG "\x89PNG\r\n\x1a\n"
#define MARK_TEXT "Software\0briefpress"
#define MARK_LEN (sizeof MARK_TEXT - 1)
#define IHDR_END 33 /* signature 8, IHDR's length, type, 13 bytes and CRC */

static void put_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void png_mark(bp_buf *png) {
  if (png->len < IHDR_END || memcmp(png->data, PNG_SIG, 8) || memcmp(png->data + 12, "IHDR", 4))
    return;
  uint8_t chunk[4 + 4 + MARK_LEN + 4];
  put_be32(chunk, (uint32_t)MARK_LEN);
  memcpy(chunk + 4, "tEXt", 4);
  memcpy(chunk + 8, MARK_TEXT, MARK_LEN);
  put_be32(chunk + 8 + MARK_LEN, (uint32_t)crc32(0, chunk + 4, (uInt)(4 + MARK_LEN)));
  bp_buf out = {0};
  bp_buf_put(&out, png->data, IHDR_END);
  bp_buf_put(&out, (const char *)chunk, sizeof chunk);
  bp_buf_put(&out, png->data + IHDR_END, png->len - IHDR_END);
  bp_buf_free(png);
  *png = out;
}

bool bp_png_is_ours(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  uint8_t b[IHDR_END + 8 + MARK_LEN + 4];
  bool ok = fread(b, 1, sizeof b, f) == sizeof b && !memcmp(b, PNG_SIG, 8) &&
            !memcmp(b + 12, "IHDR", 4) && !memcmp(b + IHDR_END + 4, "tEXt", 4) &&
            !memcmp(b + IHDR_END + 8, MARK_TEXT, MARK_LEN);
  fclose(f);
  return ok;
}

static void png_end_page(bp_device *d, int no) {
  png_dev *p = (png_dev *)d;
  if (p->skip) return;
  char path[4096];
  if (p->pattern)
    snprintf(path, sizeof path, p->pattern, no + 1);
  else
    snprintf(path, sizeof path, "page %d", no + 1);
  cairo_surface_flush(p->surface);
  bp_buf png = {0};
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bool made = true;
  if (p->palette_colors > 0) {
    made = !bp_png_encode_palette(
        &ctx, cairo_image_surface_get_data(p->surface), cairo_image_surface_get_width(p->surface),
        cairo_image_surface_get_height(p->surface), cairo_image_surface_get_stride(p->surface),
        p->palette_colors, &png);
    if (!made) bp_device_fail(d, ctx.status, "%s: %s", path, ctx.msg);
  } else {
    cairo_status_t cs = cairo_surface_write_to_png_stream(p->surface, png_append, &png);
    made = cs == CAIRO_STATUS_SUCCESS;
    if (!made)
      bp_device_fail(d, BP_ERR_RENDER, "%s: cannot make the PNG: %s", path,
                     cairo_status_to_string(cs));
  }
  if (made) png_mark(&png);
  if (made && p->page_fn)
    p->page_fn(p->page_ud, no + 1, png.data, png.len);
  else if (made && bp_file_write_to(&ctx, d->group, path, png.data, png.len, NULL))
    bp_device_fail(d, ctx.status, "%s", ctx.msg);
  bp_buf_free(&png);
  cairo_destroy(p->cr);
  cairo_surface_destroy(p->surface);
  p->cr = NULL;
  p->surface = NULL;
}

static void png_destroy(bp_device *d) {
  png_dev *p = (png_dev *)d;
  if (p->cr) cairo_destroy(p->cr);
  if (p->surface) cairo_surface_destroy(p->surface);
  for (size_t i = 0; i < p->n_faces; i++)
    if (p->cfaces[i]) cairo_font_face_destroy(p->cfaces[i]);
  free(p->cfaces);
  for (size_t i = 0; i < p->n_rasters; i++)
    if (p->rasters[i]) cairo_surface_destroy(p->rasters[i]);
  free(p->rasters);
  free(p->pattern);
  free(p);
}

static const bp_device_ops png_ops = {
    .begin_document = png_begin_document,
    .begin_page = png_begin_page,
    .text = png_text,
    .path = png_path,
    .image = png_image,
    .end_page = png_end_page,
    .destroy = png_destroy,
};

void bp_png_device_set_palette(bp_device *d, int max_colors) {
  if (d && d->ops == &png_ops) ((png_dev *)d)->palette_colors = max_colors;
}

char *bp_png_pattern(const char *prefix, const char *suffix) {
  bp_buf b = {0};
  for (const char *p = prefix; *p; p++) {
    if (*p == '%') bp_buf_putc(&b, '%');
    bp_buf_putc(&b, *p);
  }
  bp_buf_puts(&b, suffix);
  return bp_buf_detach(&b);
}

static png_dev *png_new(double dpi, int width_px, int max_pages) {
  png_dev *p = bp_calloc(1, sizeof *p);
  p->super.ops = &png_ops;
  bp_ctx_init(&p->super.ctx);
  p->dpi = dpi > 0 ? dpi : 96;
  p->width_px = width_px;
  p->max_pages = max_pages;
  return p;
}

bp_device *bp_png_device_new(const char *pattern, double dpi, int width_px, int max_pages) {
  png_dev *p = png_new(dpi, width_px, max_pages);
  p->pattern = bp_strdup(pattern);
  return &p->super;
}

bp_device *bp_png_device_new_mem(double dpi, int width_px, bp_png_page_fn fn, void *ud) {
  png_dev *p = png_new(dpi, width_px, 0);
  p->page_fn = fn;
  p->page_ud = ud;
  return &p->super;
}
