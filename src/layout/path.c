/* path.c - cairo paths into display-list segments: the one place that reads
 * cairo_path_t, shared by charts (paths built with cairo's path API) and SVG
 * images (paths librsvg drew, replayed from a recording). Draws nothing. */
#include "layout-imp.h"

#include <stdlib.h>
#include <string.h>

bp_status bp_cairo_path_segs(bp_ctx *ctx, cairo_t *cr, bp_path_seg **segs_out, size_t *n_out) {
  *segs_out = NULL;
  *n_out = 0;
  cairo_identity_matrix(cr);
  cairo_path_t *path = cairo_copy_path(cr);
  if (path->status != CAIRO_STATUS_SUCCESS) {
    bp_status st =
        bp_error(ctx, BP_ERR_LAYOUT, "cairo path: %s", cairo_status_to_string(path->status));
    cairo_path_destroy(path);
    return st;
  }
  bp_path_seg *segs = bp_malloc(((size_t)path->num_data + 1) * sizeof *segs);
  size_t n = 0;
  for (int i = 0; i < path->num_data; i += path->data[i].header.length) {
    const cairo_path_data_t *d = &path->data[i];
    bp_path_seg s;
    memset(&s, 0, sizeof s);
    switch (d->header.type) {
    case CAIRO_PATH_MOVE_TO:
      if (n && segs[n - 1].op == BP_PATH_MOVE) n--; /* a move that draws nothing */
      s.op = BP_PATH_MOVE;
      s.pts[0] = d[1].point.x, s.pts[1] = d[1].point.y;
      break;
    case CAIRO_PATH_LINE_TO:
      s.op = BP_PATH_LINE;
      s.pts[0] = d[1].point.x, s.pts[1] = d[1].point.y;
      break;
    case CAIRO_PATH_CURVE_TO:
      s.op = BP_PATH_CURVE;
      for (int k = 0; k < 3; k++)
        s.pts[2 * k] = d[1 + k].point.x, s.pts[2 * k + 1] = d[1 + k].point.y;
      break;
    case CAIRO_PATH_CLOSE_PATH: s.op = BP_PATH_CLOSE; break;
    }
    segs[n++] = s;
  }
  if (n && segs[n - 1].op == BP_PATH_MOVE) n--;
  cairo_path_destroy(path);
  if (!n) {
    free(segs);
    segs = NULL;
  }
  *segs_out = segs;
  *n_out = n;
  return BP_OK;
}
