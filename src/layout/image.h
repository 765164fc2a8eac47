/* image.h - images for templates (a masthead logo, any picture): PNG and
 * JPEG decoded to 8-bit pixels, SVG turned into vector paths, and placed
 * into a box of a display-list page. The format is sniffed from the bytes,
 * never taken from the file name. Knows nothing about templates or libharu. */
#ifndef BP_IMAGE_H
#define BP_IMAGE_H

#include "../draw/dlist.h"

/** Limits: larger files or images are refused (BP_ERR_DATA) before they are
 * decoded, so a hostile file cannot make us allocate gigabytes. */
#define BP_IMAGE_MAX_BYTES (32u << 20)      /* file size */
#define BP_IMAGE_MAX_SIDE_PX 16384          /* width or height of a raster */
#define BP_IMAGE_MAX_PIXELS (40u << 20)     /* width x height of a raster */
#define BP_IMAGE_MAX_SIDE_PT 14400.0        /* natural width or height (PDF's page limit) */
#define BP_IMAGE_MAX_SVG_SCRIPT (64u << 20) /* bytes of recorded SVG drawing */
#define BP_IMAGE_MAX_SVG_DASHES 100000      /* dashes of one stroke */
#define BP_IMAGE_SVG_LEFT_PT 9990.0         /* how far left of an SVG's origin it may draw */
#define BP_IMAGE_SVG_REACH_PT 1e6           /* how far from it in any other direction */

/** The most dashes of one stroke over BP_IMAGE_MAX_SVG_DASHES that cairo
 * was asked to measure in this thread since the last call (0: none), and
 * starts again. Defined by the briefpress executable (src/app/cairo_dash.c);
 * weak here: a program that links the library has none. */
double bp_cairo_dash_excess(void) __attribute__((weak));

/** A loaded image: decoded raster pixels, or an SVG's paths. Read-only once
 * loaded: one image may be drawn into many lists, from several threads. */
typedef struct bp_image bp_image;

/** Loads the image file at `path`: PNG (any bit depth and colour type;
 * 16-bit, palette and grey are converted to 8-bit RGB, transparency to an
 * alpha channel), JPEG (greyscale, RGB or CMYK; baseline or progressive) or
 * SVG (librsvg; drawn as vector paths). *out is owned by the caller
 * (bp_image_free). Fails, naming the file, with BP_ERR_IO when it cannot be
 * read and BP_ERR_DATA when it is not one of those formats, is damaged or
 * truncated, is over the limits above, or is an SVG that does not parse
 * (librsvg's message, with its line when it gives one), has no size, or
 * uses what the display list cannot draw as paths (gradients, patterns,
 * clipping, masks, filters, embedded raster images: the message says which;
 * export such a logo as PNG, or flatten it). */
bp_status bp_image_load(bp_ctx *ctx, const char *path, bp_image **out);

/** bp_image_load from memory; `name` is used in messages only. */
bp_status bp_image_load_mem(bp_ctx *ctx, const char *name, const void *data, size_t len,
                            bp_image **out);

/** The size the image asks for, in points: a raster's pixels at its
 * resolution (PNG pHYs, JPEG JFIF density) or at 72 dpi when it has none;
 * an SVG's width and height (CSS units: 1px = 0.75pt), else its viewBox's
 * width and height taken as px. Both are > 0. */
void bp_image_natural_size(const bp_image *img, double *w_pt, double *h_pt);

/** The largest size with the image's aspect ratio that fits max_w x max_h
 * (points; a bound <= 0 leaves that side free). */
void bp_image_fit(const bp_image *img, double max_w_pt, double max_h_pt, double *w_pt,
                  double *h_pt);

/** True for an SVG (drawn as paths), false for a raster. */
bool bp_image_is_vector(const bp_image *img);

/** Draws the image stretched into the box (x, y, w, h) (points, top-left
 * origin) of page `pg` of `dl`: a raster as one BP_DL_IMAGE item (its pixels
 * registered once per list however often it is drawn), an SVG as BP_DL_PATH
 * items. Keep the aspect ratio with bp_image_fit. Fails with BP_ERR_LAYOUT
 * for a box that is empty or not finite. Thread-safe for distinct lists. */
bp_status bp_image_draw(bp_ctx *ctx, const bp_image *img, bp_dlist *dl, bp_dl_page *pg, double x_pt,
                        double y_pt, double w_pt, double h_pt);

/** Frees the image; NULL is fine. */
void bp_image_free(bp_image *img);

#endif
