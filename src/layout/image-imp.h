/* image-imp.h - internals of the image module (image.c, svg_script.c). */
#ifndef BP_IMAGE_IMP_H
#define BP_IMAGE_IMP_H

#include "image.h"

struct bp_image {
  double w_pt, h_pt;   /* natural size */
  bool vector;         /* SVG: paths; else raster */
  bp_dl_raster raster; /* owned arrays */
  bp_dl_path *paths;   /* in points of the natural size, top-left origin; segs owned */
  size_t n_paths;
};

/** Reads the CairoScript that cairo wrote for a recording of an SVG (NUL-
 * terminated `script`) into display-list paths (*paths owned, each one's
 * segs owned too). Fails with BP_ERR_DATA naming `name` and what was found
 * when the drawing uses anything but solid-colour fills and strokes (a group
 * opacity over a single shape is folded into its colour). */
bp_status bp_svg_script_paths(bp_ctx *ctx, const char *name, const char *script, bp_dl_path **paths,
                              size_t *n_paths);

/* A stroke of more than BP_IMAGE_MAX_SVG_DASHES dashes (its count, the
 * limit), as the loader (image.c) and the drawing's reader (svg_script.c)
 * refuse it. */
#define SVG_DASHES_MSG                                                                             \
  "SVG has a dashed stroke of %.3g dashes (at most %d): every reader of the PDF would draw "       \
  "each; make the dashes longer or the line solid"

#endif
