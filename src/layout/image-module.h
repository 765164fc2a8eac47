/* image-module.h - what the image module (briefpress-image.so:
 * image_module.c, linked with librsvg, gdk-pixbuf and libxml2) gives
 * image.c: the decoding of PNG and JPEG pixels, the check of an SVG's tree
 * and the drawing of an SVG onto a cairo context. Loaded with dlopen by the
 * first image a document has (bp_module_open), so that a document without
 * images, and every command that draws none, does not load librsvg,
 * gdk-pixbuf, libxml2 and the libraries they pull in. The module calls
 * nothing of the program's or the library's: it serves libbriefpress.so as
 * it serves the program. */
#ifndef BP_IMAGE_MODULE_H
#define BP_IMAGE_MODULE_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>

/** A raster decoded by gdk-pixbuf, as it gave it; the pixels belong to the
 * module's decoder until raster_free. */
typedef struct bp_image_pixels {
  int width_px, height_px, n_channels, rowstride, bits_per_sample;
  bool rgb, has_alpha; /* an RGB colour space; an alpha channel */
  const unsigned char *pixels;
  char xdpi[32], ydpi[32]; /* gdk-pixbuf's "x-dpi", "y-dpi" options, or "" */
  void *decoder;           /* the module's */
} bp_image_pixels;

typedef enum bp_image_decoded {
  BP_IMAGE_DECODED = 0,
  BP_IMAGE_NO_DECODER, /* gdk-pixbuf has no loader for the type */
  BP_IMAGE_DAMAGED     /* the loader could not decode the bytes */
} bp_image_decoded;

/** What svg_check found in an SVG (the first of these it came to). */
typedef enum bp_svg_found {
  BP_SVG_UNPARSED = 0,  /* libxml2 cannot parse it: nothing was checked */
  BP_SVG_CLEAN,         /* none of the below */
  BP_SVG_MARKUP_ENTITY, /* an entity whose value holds markup; what: its name */
  BP_SVG_EXTERNAL,      /* a reference to another file (an href, other than an
                         * <a>'s, or an <?xml-stylesheet href?>); what: the
                         * reference, cut to 60 bytes; line */
  BP_SVG_TEXT           /* a text element; line */
} bp_svg_found;

typedef struct bp_image_module {
  unsigned abi; /* BP_IMAGE_MODULE_ABI */
  size_t pixels_size;
  /** Decodes data[0..len) with gdk-pixbuf's loader `type` ("png",
   * "jpeg"). BP_IMAGE_DECODED: *px is filled (raster_free it). Otherwise
   * *err is gdk-pixbuf's message (malloc'd; free it) or NULL. */
  bp_image_decoded (*raster_decode)(const char *type, const void *data, size_t len,
                                    bp_image_pixels *px, char **err);
  void (*raster_free)(bp_image_pixels *px);
  /** A librsvg handle for the SVG data[0..len) at 96 dpi, never following
   * a reference to another file; NULL with *err (malloc'd, or NULL). */
  void *(*svg_open)(const void *data, size_t len, char **err);
  /** Its natural size in CSS px: width and height, else the viewBox's. */
  bool (*svg_size)(void *svg, double *w_px, double *h_px);
  /** Draws it into the viewport (0, 0, w_px, h_px) of cr; false with *err
   * (malloc'd, or NULL) when librsvg fails. */
  bool (*svg_render)(void *svg, cairo_t *cr, double w_px, double h_px, char **err);
  void (*svg_close)(void *svg);
  /** Parses the SVG data[0..len) with libxml2 (librsvg's parser; no
   * network) and looks in its tree for what librsvg would not draw as the
   * document's: first the entities of its DOCTYPE, then the nodes in
   * document order. *line is the node's line (or 0), *what a malloc'd
   * string (free it) or NULL. */
  bp_svg_found (*svg_check)(const void *data, size_t len, long *line, char **what);
} bp_image_module;

#define BP_IMAGE_MODULE_ABI 2
/* the one symbol the module exports: a const bp_image_module */
#define BP_IMAGE_MODULE_SYMBOL "bp_image_module_table"

#endif
