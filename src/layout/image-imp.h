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

#endif
