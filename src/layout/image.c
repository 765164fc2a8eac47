/* image.c - loads PNG, JPEG and SVG images and draws them into a display
 * list. Rasters are decoded with gdk-pixbuf (which librsvg brings anyway)
 * after their header has been checked against the size limits; SVGs are
 * drawn by librsvg onto a cairo recording surface, which is replayed as a
 * CairoScript and read back here into display-list paths (svg_script.c).
 * gdk-pixbuf and librsvg, and the check of an SVG's XML tree, are called
 * through the image module (briefpress-image.so, image-module.h), loaded by
 * the first image decoded: this file needs no XML parser of its own. Must
 * not write files or know about templates. */
#include "image.h"
#include "image-imp.h"
#include "image-module.h"

#include <cairo-script.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CSS_PX_PT 0.75 /* 1 CSS px = 1/96 in = 0.75 pt */

/* ---- sniffing and headers ------------------------------------------------ */

typedef enum kind { K_NONE, K_PNG, K_JPEG, K_SVG } kind;

static const char *other_format(const uint8_t *d, size_t n) {
  if (n >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0)) return "a GIF image";
  if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0) return "a WebP image";
  if (n >= 4 && (memcmp(d, "II*\0", 4) == 0 || memcmp(d, "MM\0*", 4) == 0)) return "a TIFF image";
  if (n >= 2 && memcmp(d, "BM", 2) == 0) return "a BMP image";
  if (n >= 5 && memcmp(d, "%PDF-", 5) == 0) return "a PDF file";
  if (n >= 2 && d[0] == 0x1f && d[1] == 0x8b) return "gzip data (an .svgz? unpack it)";
  return NULL;
}

/* XML's white space: space, tab, line feed, carriage return */
static bool xml_blank(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* An SVG starts (after a BOM, white space, an XML declaration, comments or
 * a DOCTYPE) with markup and has an <svg element near the top. */
static bool looks_svg(const uint8_t *d, size_t n) {
  size_t i = 0;
  if (n >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF) i = 3;
  while (i < n && xml_blank(d[i])) i++;
  if (i >= n || d[i] != '<') return false;
  size_t lim = n - i < 65536 ? n - i : 65536;
  for (size_t k = i; k + 4 <= i + lim; k++)
    if (memcmp(d + k, "<svg", 4) == 0) return true;
  return false;
}

static kind sniff(const uint8_t *d, size_t n) {
  static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (n >= 8 && memcmp(d, png_sig, 8) == 0) return K_PNG;
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return K_JPEG;
  if (looks_svg(d, n)) return K_SVG;
  return K_NONE;
}

static unsigned be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Width and height from the PNG's IHDR. */
static bool png_header(const uint8_t *d, size_t n, uint32_t *w, uint32_t *h) {
  if (n < 33 || be32(d + 8) != 13 || memcmp(d + 12, "IHDR", 4) != 0) return false;
  *w = be32(d + 16);
  *h = be32(d + 20);
  return true;
}

/* The chunks run from the signature to IEND without a gap: a truncated file
 * is refused (gdk-pixbuf would hand out the rows it got). */
static bool png_complete(const uint8_t *d, size_t n) {
  size_t i = 8;
  while (i + 12 <= n) {
    uint32_t len = be32(d + i);
    if (len > n - i - 12) return false;
    if (memcmp(d + i + 4, "IEND", 4) == 0) return true;
    i += 12 + (size_t)len;
  }
  return false;
}

/* Width and height from the JPEG's first SOF marker. *as_is tells whether
 * libharu can embed the file as it is: its header parser reads every marker
 * as tag + length (no fill bytes), knows SOF0, SOF1 and SOF2 (SOF9 too, but
 * arithmetic coding is rare in readers), and writes the precision as the
 * BitsPerComponent, which PDF allows to be 8 only here; CMYK (Adobe's
 * inverted CMYK prints as a negative) is decoded instead. */
static bool jpeg_header(const uint8_t *d, size_t n, uint32_t *w, uint32_t *h, bool *as_is) {
  size_t i = 2;
  bool plain = true;
  while (i + 4 <= n) {
    if (d[i] != 0xFF) return false;
    uint8_t m = d[i + 1];
    if (m == 0xFF) { /* fill byte */
      i++;
      plain = false;
      continue;
    }
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) {
      i += 2;
      plain = false;
      continue;
    }
    if (m == 0xD9 || m == 0xDA) return false; /* end or scan before a frame header */
    unsigned len = be16(d + i + 2);
    if (len < 2) return false;
    bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (sof) {
      if (i + 10 > n || len < 8) return false;
      *h = be16(d + i + 5);
      *w = be16(d + i + 7);
      int comps = d[i + 9];
      *as_is = plain && m <= 0xC2 && d[i + 4] == 8 && (comps == 1 || comps == 3);
      return true;
    }
    i += 2 + (size_t)len;
  }
  return false;
}

static bp_status check_raster_size(bp_ctx *ctx, const char *name, uint32_t w, uint32_t h) {
  if (w == 0 || h == 0)
    return bp_error(ctx, BP_ERR_DATA, "%s: damaged image: its size is %u x %u pixels", name, w, h);
  if (w > BP_IMAGE_MAX_SIDE_PX || h > BP_IMAGE_MAX_SIDE_PX || (uint64_t)w * h > BP_IMAGE_MAX_PIXELS)
    return bp_error(ctx, BP_ERR_DATA,
                    "%s: image too large: %u x %u pixels (at most %d on a side and %u "
                    "megapixels); scale it down",
                    name, w, h, BP_IMAGE_MAX_SIDE_PX, BP_IMAGE_MAX_PIXELS >> 20);
  return BP_OK;
}

/* ---- the module ------------------------------------------------------- */

static bool module_valid(const void *table) {
  const bp_image_module *t = table;
  return t->abi == BP_IMAGE_MODULE_ABI && t->pixels_size == sizeof(bp_image_pixels);
}

static bp_module module = {.what = "image",
                           .file = "briefpress-image.so",
                           .symbol = BP_IMAGE_MODULE_SYMBOL,
                           .valid = module_valid,
                           .lock = PTHREAD_MUTEX_INITIALIZER};

static bp_status image_module(bp_ctx *ctx, const char *name, const bp_image_module **out) {
  const void *t;
  bp_status st = bp_module_open(ctx, &module, &t);
  *out = t;
  return st ? bp_error_wrap(ctx, st, "%s: ", name) : BP_OK;
}

/* ---- rasters ---------------------------------------------------------- */

/* "x-dpi" as gdk-pixbuf reads it from pHYs or the JFIF header; 0 = none. */
static double pixbuf_dpi(const char *s) {
  double v = *s ? strtod(s, NULL) : 0;
  return v >= 1 && v <= 100000 ? v : 0;
}

static bp_status load_raster(bp_ctx *ctx, const char *name, kind k, const uint8_t *data, size_t len,
                             bp_image *img) {
  const char *fmt = k == K_PNG ? "PNG" : "JPEG";
  uint32_t w = 0, h = 0;
  bool as_is = false;
  bool ok = k == K_PNG ? png_header(data, len, &w, &h) : jpeg_header(data, len, &w, &h, &as_is);
  if (!ok)
    return bp_error(ctx, BP_ERR_DATA, "%s: damaged %s: no valid %s header", name, fmt,
                    k == K_PNG ? "IHDR" : "frame (SOF)");
  bp_status st = check_raster_size(ctx, name, w, h);
  if (st) return st;
  if (k == K_PNG && !png_complete(data, len))
    return bp_error(ctx, BP_ERR_DATA, "%s: damaged PNG: truncated (its chunks end before IEND)",
                    name);

  const bp_image_module *m;
  st = image_module(ctx, name, &m);
  if (st) return st;
  bp_image_pixels pb;
  char *err = NULL;
  bp_image_decoded got = m->raster_decode(k == K_PNG ? "png" : "jpeg", data, len, &pb, &err);
  if (got == BP_IMAGE_NO_DECODER) {
    st = bp_error(ctx, BP_ERR_DATA, "%s: cannot decode %s: %s", name, fmt,
                  err ? err : "no gdk-pixbuf loader");
    free(err);
    return st;
  }
  if (got != BP_IMAGE_DECODED || pb.bits_per_sample != 8 || !pb.rgb || pb.width_px != (int)w ||
      pb.height_px != (int)h) {
    st = bp_error(ctx, BP_ERR_DATA, "%s: damaged %s: %s", name, fmt,
                  err ? err : "cannot decode the pixels");
    free(err);
    if (got == BP_IMAGE_DECODED) m->raster_free(&pb);
    return st;
  }
  int nch = pb.n_channels, stride = pb.rowstride;
  bool has_alpha = pb.has_alpha && nch == 4;
  const unsigned char *px = pb.pixels;
  size_t n = (size_t)w * h;
  bp_dl_raster *r = &img->raster;
  r->width_px = (int)w;
  r->height_px = (int)h;
  r->rgb = bp_malloc(n * 3);
  r->alpha = has_alpha ? bp_malloc(n) : NULL;
  bool opaque = true;
  for (uint32_t y = 0; y < h; y++) {
    const unsigned char *row = px + (size_t)y * (size_t)stride;
    for (uint32_t x = 0; x < w; x++) {
      size_t i = (size_t)y * w + x;
      memcpy(r->rgb + 3 * i, row + (size_t)x * (size_t)nch, 3);
      if (has_alpha) {
        r->alpha[i] = row[(size_t)x * (size_t)nch + 3];
        opaque &= r->alpha[i] == 255;
      }
    }
  }
  if (has_alpha && opaque) { /* an alpha channel that hides nothing: no mask */
    free(r->alpha);
    r->alpha = NULL;
  }
  if (as_is) { /* the PDF embeds the JPEG itself */
    r->jpeg = bp_malloc(len);
    memcpy(r->jpeg, data, len);
    r->jpeg_len = len;
  }
  double xdpi = pixbuf_dpi(pb.xdpi), ydpi = pixbuf_dpi(pb.ydpi);
  if (!xdpi || !ydpi) xdpi = ydpi = 72;
  img->w_pt = w * 72.0 / xdpi;
  img->h_pt = h * 72.0 / ydpi;
  m->raster_free(&pb);
  return BP_OK;
}

/* ---- SVG -------------------------------------------------------------------- */

/* librsvg's message (owned; freed here) */
static bp_status svg_error(bp_ctx *ctx, const char *name, char *err) {
  const char *m = err ? err : "cannot be read";
  size_t n = strlen(m);
  while (n && (m[n - 1] == '\n' || m[n - 1] == ' ')) n--;
  bp_status st = bp_error(ctx, BP_ERR_DATA, "%s: SVG: %.*s", name, (int)n, m);
  free(err);
  return st;
}

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len) {
  bp_buf *b = closure;
  if (b->len + len > BP_IMAGE_MAX_SVG_SCRIPT) return CAIRO_STATUS_WRITE_ERROR;
  bp_buf_put(b, (const char *)data, len);
  return CAIRO_STATUS_SUCCESS;
}

/* True when the SVG has a <text> element (or svg:text): the byte search,
 * for an SVG that does not parse as XML (svg_check_tree below). */
static bool has_text(const uint8_t *d, size_t n) {
  for (size_t i = 0; i + 6 <= n; i++) {
    if (d[i] != '<') continue;
    size_t k = i + 1;
    if (k + 4 <= n && memcmp(d + k, "svg:", 4) == 0) k += 4;
    if (k + 5 <= n && memcmp(d + k, "text", 4) == 0 &&
        (d[k + 4] == '>' || d[k + 4] == '/' || d[k + 4] == ' ' || d[k + 4] == '\t' ||
         d[k + 4] == '\n' || d[k + 4] == '\r'))
      return true;
  }
  return false;
}

/* The first href (xlink:href too) that points outside the file, other than
 * an <a> link's: librsvg, parsing from memory, would silently leave out what
 * it refers to. Copies the reference (cut short) into ref. */
static bool external_ref(const uint8_t *d, size_t n, char *ref, size_t ref_size) {
  for (size_t i = 0; i + 6 < n; i++) {
    if (memcmp(d + i, "href=", 5) != 0 ||
        (i && d[i - 1] != ':' && d[i - 1] != ' ' && d[i - 1] != '\t' && d[i - 1] != '\n' &&
         d[i - 1] != '\r'))
      continue;
    uint8_t q = d[i + 5];
    if (q != '"' && q != '\'') continue;
    size_t v = i + 6;
    while (v < n && (d[v] == ' ' || d[v] == '\t')) v++;
    if (v >= n || d[v] == '#' || (n - v >= 5 && memcmp(d + v, "data:", 5) == 0)) continue;
    size_t lt = i; /* the element: skip <a ...> */
    while (lt > 0 && d[lt] != '<') lt--;
    size_t el = lt + 1;
    if (el + 4 <= n && memcmp(d + el, "svg:", 4) == 0) el += 4;
    if (el + 1 < n && d[el] == 'a' && (d[el + 1] == ' ' || d[el + 1] == '\t' || d[el + 1] == '\n'))
      continue;
    size_t k = 0;
    while (v + k < n && d[v + k] != q && k + 1 < ref_size && k < 60) ref[k] = (char)d[v + k], k++;
    ref[k] = '\0';
    return true;
  }
  return false;
}

#define SVG_EXTERNAL_MSG                                                                           \
  "SVG refers to another file (\"%s\"), which is not loaded: put what it refers to into the "      \
  "SVG itself"
/* librsvg would set the text in whatever fonts this machine has, not the
 * document's: the same logo would differ from machine to machine */
#define SVG_TEXT_MSG                                                                               \
  "SVG has text (<text>), which would be set in this machine's fonts: convert the text to "        \
  "paths (Inkscape: Path > Object to Path)"

/* The image module's check of the SVG's XML tree, made by the parser
 * librsvg uses (so that a namespace prefix, <s:text>, or an entity cannot
 * hide from the byte searches above what librsvg would draw), worded here;
 * *parsed false when the SVG does not parse (the byte checks then stand in,
 * and librsvg, whose parser is the same, reports the error). */
static bp_status svg_check_tree(bp_ctx *ctx, const char *name, const bp_image_module *m,
                                const uint8_t *data, size_t len, bool *parsed) {
  long line;
  char *what;
  bp_svg_found found = m->svg_check(data, len, &line, &what);
  *parsed = found != BP_SVG_UNPARSED;
  const char *w = what ? what : "";
  bp_status st = BP_OK;
  if (found == BP_SVG_MARKUP_ENTITY)
    st = bp_error(ctx, BP_ERR_DATA,
                  "%s: SVG declares an entity (&%s;) that holds markup, which is not allowed: "
                  "write the elements out in the SVG",
                  name, w);
  else if (found == BP_SVG_EXTERNAL)
    st = bp_error(ctx, BP_ERR_DATA, "%s:%ld: " SVG_EXTERNAL_MSG, name, line, w);
  else if (found == BP_SVG_TEXT)
    st = bp_error(ctx, BP_ERR_DATA, "%s:%ld: " SVG_TEXT_MSG, name, line);
  free(what);
  return st;
}

/* What librsvg drew must lie where cairo can replay it as CairoScript: its
 * script surface aborts the process (an assertion, compiled in by Debian)
 * on a rectangle starting 9,999 pt or more left of the origin, and cairo's
 * fixed-point coordinates wrap or clamp beyond about 8.4 million points, so
 * what an SVG drew there is not what it says. Nothing in an image is that
 * far from it (at most 14,400 pt a side): such an SVG is refused. */
static bp_status svg_reach(bp_ctx *ctx, const char *name, cairo_surface_t *rec) {
  double x, y, w, h;
  cairo_recording_surface_ink_extents(rec, &x, &y, &w, &h);
  /* both corners: a width that wrapped past cairo's range comes back
   * negative (nothing drawn: all four 0) */
  double x0 = fmin(x, x + w), x1 = fmax(x, x + w), y0 = fmin(y, y + h), y1 = fmax(y, y + h);
  if (x0 > -BP_IMAGE_SVG_LEFT_PT && x1 < BP_IMAGE_SVG_REACH_PT && y0 > -BP_IMAGE_SVG_REACH_PT &&
      y1 < BP_IMAGE_SVG_REACH_PT)
    return BP_OK;
  return bp_error(ctx, BP_ERR_DATA,
                  "%s: SVG draws too far outside its own area: its shapes reach from x = %.0f "
                  "to %.0f pt and y = %.0f to %.0f pt (at most %.0f pt left of it, %.0f pt "
                  "in any other direction): move the shapes into its viewBox",
                  name, x0, x1, y0, y1, BP_IMAGE_SVG_LEFT_PT, BP_IMAGE_SVG_REACH_PT);
}

static bp_status load_svg(bp_ctx *ctx, const char *name, const uint8_t *data, size_t len,
                          bp_image *img) {
  /* loaded before the checks: the tree check is the module's */
  const bp_image_module *m;
  bp_status st = image_module(ctx, name, &m);
  if (st) return st;
  bool parsed;
  st = svg_check_tree(ctx, name, m, data, len, &parsed);
  if (st) return st;
  char ref[64];
  if (!parsed && external_ref(data, len, ref, sizeof ref))
    return bp_error(ctx, BP_ERR_DATA, "%s: " SVG_EXTERNAL_MSG, name, ref);
  if (!parsed && has_text(data, len)) return bp_error(ctx, BP_ERR_DATA, "%s: " SVG_TEXT_MSG, name);
  char *err = NULL;
  void *h = m->svg_open(data, len, &err);
  if (!h) return svg_error(ctx, name, err);
  double w_px, h_px;
  if (!m->svg_size(h, &w_px, &h_px)) {
    m->svg_close(h);
    return bp_error(ctx, BP_ERR_DATA,
                    "%s: SVG has neither a width and height nor a viewBox: its size is unknown",
                    name);
  }
  img->w_pt = w_px * CSS_PX_PT;
  img->h_pt = h_px * CSS_PX_PT;
  if (!(img->w_pt <= BP_IMAGE_MAX_SIDE_PT && img->h_pt <= BP_IMAGE_MAX_SIDE_PT)) {
    m->svg_close(h);
    return bp_error(ctx, BP_ERR_DATA, "%s: SVG too large: %.0f x %.0f pt (at most %.0f on a side)",
                    name, img->w_pt, img->h_pt, BP_IMAGE_MAX_SIDE_PT);
  }

  cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
  cairo_t *cr = cairo_create(rec);
  cairo_scale(cr, CSS_PX_PT, CSS_PX_PT);            /* record in points */
  if (bp_cairo_dash_excess) bp_cairo_dash_excess(); /* this image's strokes only */
  bool drawn = m->svg_render(h, cr, w_px, h_px, &err);
  double dashes = bp_cairo_dash_excess ? bp_cairo_dash_excess() : 0;
  cairo_status_t cs = cairo_status(cr);
  cairo_destroy(cr);
  m->svg_close(h);
  if (!drawn)
    st = svg_error(ctx, name, err);
  else if (cs != CAIRO_STATUS_SUCCESS)
    st = bp_error(ctx, BP_ERR_DATA, "%s: SVG: cairo: %s", name, cairo_status_to_string(cs));
  if (!st && dashes > 0) /* before the ink extents below, which stroke every dash */
    st = bp_error(ctx, BP_ERR_DATA, "%s: " SVG_DASHES_MSG, name, dashes, BP_IMAGE_MAX_SVG_DASHES);
  if (!st) st = svg_reach(ctx, name, rec);
  if (st) {
    cairo_surface_destroy(rec);
    return st;
  }

  /* The recording, replayed as CairoScript text: the public way to read
   * back what librsvg drew (paths in device space, colours, strokes). */
  bp_buf script = {0};
  cairo_device_t *dev = cairo_script_create_for_stream(to_buf, &script);
  cairo_script_set_mode(dev, CAIRO_SCRIPT_MODE_ASCII);
  cs = cairo_script_from_recording_surface(dev, rec);
  cairo_device_finish(dev);
  if (cs == CAIRO_STATUS_SUCCESS) cs = cairo_device_status(dev);
  cairo_device_destroy(dev);
  cairo_surface_destroy(rec);
  if (cs == CAIRO_STATUS_WRITE_ERROR)
    st = bp_error(ctx, BP_ERR_DATA, "%s: SVG too complex: over %u MB of drawing", name,
                  BP_IMAGE_MAX_SVG_SCRIPT >> 20);
  else if (cs != CAIRO_STATUS_SUCCESS)
    st = bp_error(ctx, BP_ERR_DATA, "%s: SVG: cairo: %s", name, cairo_status_to_string(cs));
  else
    st = bp_svg_script_paths(ctx, name, script.data ? script.data : "", &img->paths, &img->n_paths);
  bp_buf_free(&script);
  img->vector = true;
  return st;
}

/* ---- the public functions ----------------------------------------------- */

bp_status bp_image_load_mem(bp_ctx *ctx, const char *name, const void *data, size_t len,
                            bp_image **out) {
  *out = NULL;
  const uint8_t *d = data;
  if (len > BP_IMAGE_MAX_BYTES)
    return bp_error(ctx, BP_ERR_DATA, "%s: image too large: %zu bytes (at most %u MB)", name, len,
                    BP_IMAGE_MAX_BYTES >> 20);
  kind k = sniff(d, len);
  if (k == K_NONE) {
    const char *other = other_format(d, len);
    if (other)
      return bp_error(ctx, BP_ERR_DATA, "%s: %s: only PNG, JPEG and SVG images are supported", name,
                      other);
    return bp_error(ctx, BP_ERR_DATA, "%s: not an image (PNG, JPEG or SVG expected)%s", name,
                    len ? "" : ": the file is empty");
  }
  bp_image *img = bp_calloc(1, sizeof *img);
  bp_status st =
      k == K_SVG ? load_svg(ctx, name, d, len, img) : load_raster(ctx, name, k, d, len, img);
  if (st) {
    bp_image_free(img);
    return st;
  }
  *out = img;
  return BP_OK;
}

bp_status bp_image_load(bp_ctx *ctx, const char *path, bp_image **out) {
  *out = NULL;
  struct stat sb;
  if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > BP_IMAGE_MAX_BYTES)
    return bp_error(ctx, BP_ERR_DATA, "%s: image too large: %lld bytes (at most %u MB)", path,
                    (long long)sb.st_size, BP_IMAGE_MAX_BYTES >> 20);
  if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
    return bp_error(ctx, BP_ERR_IO, "%s: is a folder, not an image file", path);
  char *data;
  size_t len;
  bp_status st = bp_file_read(ctx, path, &data, &len);
  if (st) return st;
  st = bp_image_load_mem(ctx, path, data, len, out);
  free(data);
  return st;
}

void bp_image_natural_size(const bp_image *img, double *w_pt, double *h_pt) {
  *w_pt = img->w_pt;
  *h_pt = img->h_pt;
}

void bp_image_fit(const bp_image *img, double max_w_pt, double max_h_pt, double *w_pt,
                  double *h_pt) {
  double s = 1;
  bool have = false;
  if (max_w_pt > 0) s = max_w_pt / img->w_pt, have = true;
  if (max_h_pt > 0 && (!have || max_h_pt / img->h_pt < s)) s = max_h_pt / img->h_pt;
  *w_pt = img->w_pt * s;
  *h_pt = img->h_pt * s;
}

bool bp_image_is_vector(const bp_image *img) { return img->vector; }

bp_status bp_image_draw(bp_ctx *ctx, const bp_image *img, bp_dlist *dl, bp_dl_page *pg, double x_pt,
                        double y_pt, double w_pt, double h_pt) {
  if (!(isfinite(x_pt) && isfinite(y_pt) && w_pt > 0 && h_pt > 0 && isfinite(w_pt) &&
        isfinite(h_pt)))
    return bp_error(ctx, BP_ERR_LAYOUT, "image: box %g x %g pt at (%g, %g) is empty", w_pt, h_pt,
                    x_pt, y_pt);
  /* an image has no description: a logo, page furniture */
  int was = bp_dl_begin(dl, pg, BP_ROLE_ARTIFACT);
  if (!img->vector) {
    bp_dl_image im = {bp_dlist_add_raster(dl, &img->raster), x_pt, y_pt, w_pt, h_pt};
    bp_dl_add_image(pg, &im);
    bp_dl_end(pg, was);
    return BP_OK;
  }
  double sx = w_pt / img->w_pt, sy = h_pt / img->h_pt, sl = sqrt(sx * sy);
  bp_path_seg *segs = NULL;
  size_t cap = 0;
  for (size_t i = 0; i < img->n_paths; i++) {
    bp_dl_path p = img->paths[i];
    bp_grow((void **)&segs, &cap, p.n_segs + 1, sizeof *segs);
    for (size_t k = 0; k < p.n_segs; k++) {
      segs[k] = p.segs[k];
      int npts = segs[k].op == BP_PATH_CURVE ? 3 : segs[k].op == BP_PATH_CLOSE ? 0 : 1;
      for (int j = 0; j < npts; j++) {
        segs[k].pts[2 * j] = x_pt + segs[k].pts[2 * j] * sx;
        segs[k].pts[2 * j + 1] = y_pt + segs[k].pts[2 * j + 1] * sy;
      }
    }
    p.segs = segs;
    p.line_width_pt *= sl;
    for (int k = 0; k < p.n_dash; k++) p.dash[k] *= sl;
    bp_dl_add_path(pg, &p);
  }
  free(segs);
  bp_dl_end(pg, was);
  return BP_OK;
}

void bp_image_free(bp_image *img) {
  if (!img) return;
  free(img->raster.rgb);
  free(img->raster.alpha);
  free(img->raster.jpeg);
  for (size_t i = 0; i < img->n_paths; i++) free(img->paths[i].segs);
  free(img->paths);
  free(img);
}
