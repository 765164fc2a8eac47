/* cairo_dash.c - cairo_stroke_extents bounded for dashed strokes, in the
 * briefpress executable only (as fc_sort.c: never in libbriefpress, a
 * program that links the library keeps its cairo as it is). librsvg asks
 * cairo for the extents of every stroke it draws, and cairo 1.16 computes
 * them by stroking the path into a polygon, every dash of it: an SVG whose
 * dash of 1 runs along a rectangle 10^14 units wide (cairo clamps it to
 * about 2^23 device units) took 2 GB before librsvg returned. The image
 * loader refuses such an SVG anyway (svg_script.c: BP_IMAGE_MAX_SVG_DASHES,
 * counted on the paths librsvg drew); this makes sure librsvg gets there.
 * A stroke that would have more dashes than that has its extents taken
 * without its dashes (the same stroke solid: extents that hold the dashed
 * ones), its dashes restored after, and is remembered for the thread
 * (bp_cairo_dash_excess, which the image loader asks before it measures
 * the drawing: cairo's ink extents stroke every dash too); every other
 * stroke is cairo's own answer. This definition in the executable takes the place of cairo's
 * (ELF interposition, the executable exports it); the real one is reached
 * through dlsym(RTLD_NEXT). -DBP_NO_CAIRO_DASH leaves cairo alone. */
#define _GNU_SOURCE
#include <cairo.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "layout/image.h"

#ifndef BP_NO_CAIRO_DASH
typedef void (*extents_fn)(cairo_t *, double *, double *, double *, double *);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static extents_fn real_extents;
static __thread double excess; /* the most dashes of a stroke over the limit */

double bp_cairo_dash_excess(void) {
  double n = excess;
  excess = 0;
  return n;
}

static void find_real(void) { real_extents = (extents_fn)dlsym(RTLD_NEXT, "cairo_stroke_extents"); }

/* The length of the current path in user space (curves flattened by cairo
 * at its tolerance; a sub-path's closing segment counted). */
static double path_length(cairo_t *cr) {
  cairo_path_t *p = cairo_copy_path_flat(cr);
  double len = 0, x = 0, y = 0, x0 = 0, y0 = 0;
  for (int i = 0; p->status == CAIRO_STATUS_SUCCESS && i < p->num_data;
       i += p->data[i].header.length) {
    const cairo_path_data_t *d = &p->data[i];
    switch (d->header.type) {
    case CAIRO_PATH_MOVE_TO: x = x0 = d[1].point.x, y = y0 = d[1].point.y; break;
    case CAIRO_PATH_LINE_TO:
      len += hypot(d[1].point.x - x, d[1].point.y - y);
      x = d[1].point.x, y = d[1].point.y;
      break;
    case CAIRO_PATH_CLOSE_PATH:
      len += hypot(x0 - x, y0 - y);
      x = x0, y = y0;
      break;
    case CAIRO_PATH_CURVE_TO: /* not in a flat path */ break;
    }
  }
  cairo_path_destroy(p);
  return len;
}

void cairo_stroke_extents(cairo_t *cr, double *x1, double *y1, double *x2, double *y2) {
  pthread_once(&once, find_real);
  int n = cairo_get_dash_count(cr);
  double *dash = n > 0 ? malloc((size_t)n * sizeof *dash) : NULL;
  if (!dash) {
    real_extents(cr, x1, y1, x2, y2);
    return;
  }
  double offset, period = 0;
  cairo_get_dash(cr, dash, &offset);
  for (int i = 0; i < n; i++) period += dash[i];
  /* the dashes drawn along the path: n / 2 a period, or n in two periods
   * when n is odd (cairo repeats an odd list) */
  double dashes = period > 0 ? path_length(cr) / period * n / 2 : 0;
  if (dashes > BP_IMAGE_MAX_SVG_DASHES) {
    if (dashes > excess) excess = dashes;
    cairo_set_dash(cr, NULL, 0, 0);
    real_extents(cr, x1, y1, x2, y2);
    cairo_set_dash(cr, dash, n, offset);
  } else {
    real_extents(cr, x1, y1, x2, y2);
  }
  free(dash);
}
#endif
