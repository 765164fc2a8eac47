/* image_module.c - the image module, briefpress-image.so (see
 * image-module.h): gdk-pixbuf's decoders, librsvg and the check of an SVG's
 * libxml2 tree behind one table, for image.c, which checks every file
 * before and reads every result after (and words the errors). Calls nothing
 * of briefpress's (it serves libbriefpress.so too); allocates with the C
 * library's malloc. */
#include "image-module.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <librsvg/rsvg.h>
#include <libxml/chvalid.h>
#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <pthread.h>
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

/* ---- the SVG's tree --------------------------------------------------- */

/* What the parsed SVG holds that cannot be drawn as the document's: found
 * in the tree libxml2 makes (librsvg's parser), so that a namespace prefix
 * (<s:text>) or an entity cannot hide it from image.c's byte search. Here,
 * not in image.c, so that images do not make the program itself link
 * libxml2 (and the ICU and liblzma it pulls in): it comes with the module. */
typedef struct svg_scan {
  bp_svg_found found; /* BP_SVG_CLEAN until the first finding */
  long line;
  char *what; /* malloc'd */
} svg_scan;

static void svg_found(svg_scan *s, bp_svg_found f, long line, const char *what) {
  s->found = f;
  s->line = line;
  s->what = what ? strdup(what) : NULL;
}

/* librsvg expands internal entities: one that holds markup could put a
 * <text> or an href into the drawing where no check of the tree sees it.
 * The first such declaration of the DTD, in the file's order (libxml2's
 * entity table is a hash whose seed changes with each parse, so scanning it
 * named one entity or another from run to run). */
static void svg_entities(svg_scan *s, const xmlDtd *dtd) {
  for (const xmlNode *n = dtd ? dtd->children : NULL; n && s->found == BP_SVG_CLEAN; n = n->next) {
    if (n->type != XML_ENTITY_DECL) continue;
    const xmlEntity *e = (const xmlEntity *)n;
    if (e->content && strchr((const char *)e->content, '<'))
      svg_found(s, BP_SVG_MARKUP_ENTITY, 0, (const char *)e->name);
  }
}

/* An href's value (entities expanded) that points outside the file. */
static bool svg_href_external(xmlNode *el, xmlAttr *a, char *ref, size_t ref_size) {
  if (strcmp((const char *)a->name, "href") != 0 || strcmp((const char *)el->name, "a") == 0)
    return false;
  xmlChar *v = xmlNodeGetContent((xmlNode *)a);
  const char *p = v ? (const char *)v : "";
  while (xmlIsBlank_ch(*p)) p++;
  bool ext = *p && *p != '#' && strncmp(p, "data:", 5) != 0;
  if (ext) snprintf(ref, ref_size, "%.60s", p);
  xmlFree(v);
  return ext;
}

/* The href pseudo-attribute of an <?xml-stylesheet ...?> (its value, cut
 * short, into ref). */
static bool pi_href(const char *pi, char *ref, size_t ref_size) {
  for (const char *p = pi ? strstr(pi, "href") : NULL; p; p = strstr(p + 4, "href")) {
    const char *v = p + 4;
    while (xmlIsBlank_ch(*v)) v++;
    if (*v++ != '=') continue;
    while (xmlIsBlank_ch(*v)) v++;
    char q = *v++;
    if (q != '"' && q != '\'') continue;
    const char *end = strchr(v, q);
    int n = end ? (int)(end - v) : (int)strlen(v);
    snprintf(ref, ref_size, "%.*s", n > 60 ? 60 : n, v);
    return true;
  }
  return false;
}

static void svg_scan_nodes(svg_scan *s, xmlNode *n) {
  char ref[64];
  for (; n && s->found == BP_SVG_CLEAN; n = n->next) {
    if (n->type == XML_PI_NODE && strcmp((const char *)n->name, "xml-stylesheet") == 0 &&
        pi_href((const char *)n->content, ref, sizeof ref)) {
      svg_found(s, BP_SVG_EXTERNAL, xmlGetLineNo(n), ref);
      return;
    }
    if (n->type != XML_ELEMENT_NODE) continue;
    if (strcmp((const char *)n->name, "text") == 0) {
      svg_found(s, BP_SVG_TEXT, xmlGetLineNo(n), NULL);
      return;
    }
    for (xmlAttr *a = n->properties; a; a = a->next)
      if (svg_href_external(n, a, ref, sizeof ref)) {
        svg_found(s, BP_SVG_EXTERNAL, xmlGetLineNo(n), ref);
        return;
      }
    svg_scan_nodes(s, n->children);
  }
}

/* libxml2 2.9 wants xmlInitParser once before parsing in more than one
 * thread, as batch does */
static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void) { xmlInitParser(); }

static bp_svg_found svg_check(const void *data, size_t len, long *line, char **what) {
  *line = 0;
  *what = NULL;
  if (len > 0x7fffffff) return BP_SVG_UNPARSED;
  pthread_once(&xml_once, xml_init);
  xmlDocPtr doc = xmlReadMemory(data, (int)len, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                    XML_PARSE_BIG_LINES);
  if (!doc) return BP_SVG_UNPARSED;
  svg_scan s = {.found = BP_SVG_CLEAN};
  svg_entities(&s, doc->intSubset);
  if (s.found == BP_SVG_CLEAN) svg_scan_nodes(&s, doc->children);
  xmlFreeDoc(doc);
  *line = s.line;
  *what = s.what;
  return s.found;
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
    .svg_check = svg_check,
};
