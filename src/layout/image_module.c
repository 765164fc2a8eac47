/* image_module.c - the image module, briefpress-image.so (see
 * image-module.h): gdk-pixbuf's decoders and librsvg behind one table, for
 * image.c, which checks every file before and reads every result after.
 * Calls nothing of briefpress's (it serves libbriefpress.so too); allocates
 * with the C library's malloc. */
#include "image-module.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <librsvg/rsvg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The error's message as a malloc'd copy (NULL without one); frees the
 * error and clears *err, so that it cannot be freed twice (a GError is a
 * 16-byte GSlice block: freed twice, it corrupted GSlice's free list) */
static char *message(GError **err) {
  char *m = *err && (*err)->message ? strdup((*err)->message) : NULL;
  g_clear_error(err);
  return m;
}

static void option(GdkPixbuf *pb, const char *key, char out[32]) {
  const char *s = gdk_pixbuf_get_option(pb, key);
  snprintf(out, 32, "%s", s ? s : "");
}

static bp_image_decoded raster_decode(const char *type, const void *data, size_t len,
                                      bp_image_pixels *px, char **err) {
  memset(px, 0, sizeof *px);
  *err = NULL;
  GError *e = NULL;
  GdkPixbufLoader *ld = gdk_pixbuf_loader_new_with_type(type, &e);
  if (!ld) {
    *err = message(&e);
    return BP_IMAGE_NO_DECODER;
  }
  bool wrote = gdk_pixbuf_loader_write(ld, data, len, &e);
  bool closed = gdk_pixbuf_loader_close(ld, wrote ? &e : NULL);
  GdkPixbuf *pb = wrote && closed ? gdk_pixbuf_loader_get_pixbuf(ld) : NULL;
  if (!pb) {
    *err = message(&e);
    g_object_unref(ld);
    return BP_IMAGE_DAMAGED;
  }
  g_clear_error(&e);
  px->width_px = gdk_pixbuf_get_width(pb);
  px->height_px = gdk_pixbuf_get_height(pb);
  px->n_channels = gdk_pixbuf_get_n_channels(pb);
  px->rowstride = gdk_pixbuf_get_rowstride(pb);
  px->bits_per_sample = gdk_pixbuf_get_bits_per_sample(pb);
  px->rgb = gdk_pixbuf_get_colorspace(pb) == GDK_COLORSPACE_RGB;
  px->has_alpha = gdk_pixbuf_get_has_alpha(pb);
  px->pixels = gdk_pixbuf_read_pixels(pb);
  option(pb, "x-dpi", px->xdpi);
  option(pb, "y-dpi", px->ydpi);
  px->decoder = ld;
  return BP_IMAGE_DECODED;
}

static void raster_free(bp_image_pixels *px) {
  if (px->decoder) g_object_unref(px->decoder);
  px->decoder = NULL;
}

static void *svg_open(const void *data, size_t len, char **err) {
  GError *e = NULL;
  /* no base file: references to other files are refused, not followed */
  RsvgHandle *h = rsvg_handle_new_from_data(data, len, &e);
  *err = h ? NULL : message(&e);
  if (h) rsvg_handle_set_dpi(h, 96);
  return h;
}

static bool svg_size(void *svg, double *w, double *ht) {
  RsvgHandle *h = svg;
  if (rsvg_handle_get_intrinsic_size_in_pixels(h, w, ht) && *w > 0 && *ht > 0) return true;
  gboolean has_w, has_h, has_vb;
  RsvgLength lw, lh;
  RsvgRectangle vb;
  rsvg_handle_get_intrinsic_dimensions(h, &has_w, &lw, &has_h, &lh, &has_vb, &vb);
  if (has_vb && vb.width > 0 && vb.height > 0) {
    *w = vb.width, *ht = vb.height;
    return true;
  }
  return false;
}

static bool svg_render(void *svg, cairo_t *cr, double w_px, double h_px, char **err) {
  GError *e = NULL;
  RsvgRectangle vp = {0, 0, w_px, h_px};
  bool drawn = rsvg_handle_render_document(svg, cr, &vp, &e);
  *err = drawn ? NULL : message(&e);
  g_clear_error(&e);
  return drawn;
}

static void svg_close(void *svg) {
  if (svg) g_object_unref(svg);
}

__attribute__((visibility("default"))) extern const bp_image_module bp_image_module_table;
const bp_image_module bp_image_module_table = {
    .abi = BP_IMAGE_MODULE_ABI,
    .pixels_size = sizeof(bp_image_pixels),
    .raster_decode = raster_decode,
    .raster_free = raster_free,
    .svg_open = svg_open,
    .svg_size = svg_size,
    .svg_render = svg_render,
    .svg_close = svg_close,
};
