/* svg_script.c - reads back what librsvg drew: cairo replays the recording
 * surface as CairoScript (a small PostScript-like language) and this file
 * interprets the part of it that solid-colour vector drawing uses (paths,
 * fills, strokes, colours, matrices, groups with an opacity) into display-
 * list paths; rectangular clips that cut nothing (librsvg clips every nested
 * viewport) are accepted. Anything else (gradients, real clipping, masks,
 * images, glyphs) is refused with a message naming it: never drawn wrongly,
 * never skipped. */
#include "image-imp.h"
#include "layout-imp.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STACK 4096
#define MAX_SAVE 64
#define NAME_LEN 48
/* librsvg draws filters and masks as pixels, as it does embedded images */
#define PIXELS "a filter, a mask or an embedded image (pixels, not paths)"

typedef enum vtype {
  V_NUM,
  V_ARRAY,
  V_NAME,
  V_MARK,
  V_DICT,
  V_SURFACE,
  V_CONTEXT,
  V_COLOR,
  V_PATTERN
} vtype;

typedef struct val {
  vtype t;
  double num;
  size_t off, len; /* V_ARRAY: numbers in the pool */
  char name[NAME_LEN];
  int ref; /* V_SURFACE, V_PATTERN: group; V_CONTEXT: context */
  bp_color color;
} val;

typedef struct group {
  bp_dl_path *items;
  size_t n, cap;
} group;

typedef struct gstate {
  bool src_group; /* the source is a group's pattern, not a colour */
  int src;
  bp_color color;
  bool even_odd;
  double lw;
  bp_cap cap;
  bp_join join;
  double dash[4];
  int n_dash;
  double det;   /* determinant of the matrix: strokes scale by its root */
  bool clipped; /* a rectangular clip is set: [clip[0], clip[2]] x [clip[1], clip[3]] */
  double clip[4];
} gstate;

typedef struct context {
  int group;
  cairo_t *cr; /* the current path, in device space */
  gstate gs;
  gstate saved[MAX_SAVE];
  int n_saved;
} context;

typedef struct def {
  char name[NAME_LEN];
  val v;
} def;

typedef struct interp {
  bp_ctx *ctx;
  const char *name;
  bp_status st;
  val *stack;
  size_t n, cap;
  double *pool;
  size_t n_pool, cap_pool;
  group *groups;
  size_t n_groups, cap_groups;
  context *ctxs;
  size_t n_ctxs, cap_ctxs;
  def *defs;
  size_t n_defs, cap_defs;
  cairo_surface_t *scratch;
} interp;

/* ---- errors --------------------------------------------------------------- */

static bool ok(const interp *in) { return in->st == BP_OK; }

static bool unsupported(interp *in, const char *what) {
  if (ok(in))
    in->st = bp_error(in->ctx, BP_ERR_DATA,
                      "%s: SVG uses %s, which cannot be drawn as vector paths: flatten it to "
                      "solid-colour shapes, or use a PNG",
                      in->name, what);
  return false;
}

static bool bad(interp *in, const char *op) {
  char what[96];
  snprintf(what, sizeof what, "the drawing operation \"%.40s\"", op);
  return unsupported(in, what);
}

/* ---- the stack -------------------------------------------------------------- */

static bool push(interp *in, val v) {
  if (in->n >= MAX_STACK) return bad(in, "(stack too deep)");
  BP_PUSH(in->stack, in->n, in->cap, v);
  return true;
}

static val *top(interp *in, vtype t) {
  return in->n && in->stack[in->n - 1].t == t ? &in->stack[in->n - 1] : NULL;
}

static bool pop(interp *in, vtype t, val *out, const char *op) {
  val *v = top(in, t);
  if (!v) return bad(in, op);
  *out = *v;
  in->n--;
  return true;
}

static bool pop_nums(interp *in, double *out, int k, const char *op) {
  for (int i = k - 1; i >= 0; i--) {
    val v;
    if (!pop(in, V_NUM, &v, op)) return false;
    out[i] = v.num;
  }
  return true;
}

static context *cur(interp *in, const char *op) {
  val *v = top(in, V_CONTEXT);
  if (!v) {
    bad(in, op);
    return NULL;
  }
  return &in->ctxs[v->ref];
}

static val color_val(double r, double g, double b, double a) {
  val v = {.t = V_COLOR};
  v.color = (bp_color){r, g, b, a};
  return v;
}

/* ---- drawing ---------------------------------------------------------------- */

static void add_item(interp *in, int g, const bp_dl_path *p) {
  group *gr = &in->groups[g];
  BP_PUSH(gr->items, gr->n, gr->cap, *p);
}

/* The bounds of the path's points (curves lie within their control points). */
static void path_bounds(const bp_dl_path *p, double b[4]) {
  b[0] = b[1] = INFINITY, b[2] = b[3] = -INFINITY;
  for (size_t i = 0; i < p->n_segs; i++) {
    const bp_path_seg *s = &p->segs[i];
    int n = s->op == BP_PATH_CURVE ? 3 : s->op == BP_PATH_CLOSE ? 0 : 1;
    for (int k = 0; k < n; k++) {
      b[0] = fmin(b[0], s->pts[2 * k]), b[2] = fmax(b[2], s->pts[2 * k]);
      b[1] = fmin(b[1], s->pts[2 * k + 1]), b[3] = fmax(b[3], s->pts[2 * k + 1]);
    }
  }
}

/* A clip is only honoured when it cuts nothing: the display list has no
 * clipping, and librsvg clips every nested viewport. `lw`: stroke width (half
 * of it reaches beyond the path; sharp miters further, which is not counted). */
static bool inside_clip(const gstate *gs, const bp_dl_path *p, double lw) {
  if (!gs->clipped) return true;
  double b[4], e = lw / 2, tol = 1e-3;
  path_bounds(p, b);
  return b[0] - e >= gs->clip[0] - tol && b[1] - e >= gs->clip[1] - tol &&
         b[2] + e <= gs->clip[2] + tol && b[3] + e <= gs->clip[3] + tol;
}

/* An axis-aligned rectangle as cairo_rectangle makes it: move, three lines,
 * close. Its bounds in r. */
static bool is_rectangle(const bp_path_seg *s, size_t n, double r[4]) {
  if (n < 4 || n > 5 || s[0].op != BP_PATH_MOVE || (n == 5 && s[4].op != BP_PATH_CLOSE))
    return false;
  bp_dl_path p = {.segs = (bp_path_seg *)s, .n_segs = n};
  path_bounds(&p, r);
  for (size_t i = 0; i < 4; i++) {
    if (i && s[i].op != BP_PATH_LINE) return false;
    double x = s[i].pts[0], y = s[i].pts[1];
    if ((x != r[0] && x != r[2]) || (y != r[1] && y != r[3])) return false;
  }
  return true;
}

static void clip_path(interp *in, context *c, bool keep) {
  bp_path_seg *segs;
  size_t n;
  bp_status st = bp_cairo_path_segs(in->ctx, c->cr, &segs, &n);
  if (!keep) cairo_new_path(c->cr);
  if (st) {
    in->st = st;
    return;
  }
  double r[4];
  bool rect = is_rectangle(segs, n, r);
  free(segs);
  if (!rect) {
    unsupported(in, "clipping to a shape other than a rectangle");
    return;
  }
  if (c->gs.clipped) {
    r[0] = fmax(r[0], c->gs.clip[0]), r[1] = fmax(r[1], c->gs.clip[1]);
    r[2] = fmin(r[2], c->gs.clip[2]), r[3] = fmin(r[3], c->gs.clip[3]);
  }
  c->gs.clipped = true;
  memcpy(c->gs.clip, r, sizeof r);
}

/* The dashes a dashed stroke of `p` draws (its control polygon's length:
 * at least the curves' own); 0 for a solid one. */
static double dash_count(const bp_dl_path *p) {
  double period = 0, len = 0, x = 0, y = 0, x0 = 0, y0 = 0;
  for (int i = 0; i < p->n_dash; i++) period += p->dash[i];
  if (!(period > 0)) return 0;
  for (size_t i = 0; i < p->n_segs; i++) {
    const double *q = p->segs[i].pts;
    switch (p->segs[i].op) {
    case BP_PATH_MOVE: x = x0 = q[0], y = y0 = q[1]; break;
    case BP_PATH_LINE:
      len += hypot(q[0] - x, q[1] - y);
      x = q[0], y = q[1];
      break;
    case BP_PATH_CURVE:
      len += hypot(q[0] - x, q[1] - y) + hypot(q[2] - q[0], q[3] - q[1]) +
             hypot(q[4] - q[2], q[5] - q[3]);
      x = q[4], y = q[5];
      break;
    case BP_PATH_CLOSE:
      len += hypot(x0 - x, y0 - y);
      x = x0, y = y0;
      break;
    }
  }
  return len / period * p->n_dash / 2;
}

static void paint_path(interp *in, context *c, bool fill, bool keep) {
  if (c->gs.src_group) {
    unsupported(in, "a pattern fill");
    return;
  }
  bp_dl_path p;
  memset(&p, 0, sizeof p);
  bp_status st = bp_cairo_path_segs(in->ctx, c->cr, &p.segs, &p.n_segs);
  if (!keep) cairo_new_path(c->cr);
  if (st) {
    in->st = st;
    return;
  }
  if (!p.n_segs) return;
  if (!inside_clip(&c->gs, &p, fill ? 0 : c->gs.lw * sqrt(fabs(c->gs.det)))) {
    free(p.segs);
    unsupported(in, "clipping that cuts into a shape");
    return;
  }
  if (fill) {
    p.fill = true;
    p.even_odd = c->gs.even_odd;
    p.fill_color = c->gs.color;
  } else {
    double k = sqrt(fabs(c->gs.det));
    p.stroke = true;
    p.stroke_color = c->gs.color;
    p.line_width_pt = c->gs.lw * k;
    p.cap = c->gs.cap;
    p.join = c->gs.join;
    p.n_dash = c->gs.n_dash;
    for (int i = 0; i < p.n_dash; i++) p.dash[i] = c->gs.dash[i] * k;
    double dashes = dash_count(&p);
    if (dashes > BP_IMAGE_MAX_SVG_DASHES) {
      free(p.segs);
      if (ok(in))
        in->st = bp_error(in->ctx, BP_ERR_DATA, "%s: " SVG_DASHES_MSG, in->name, dashes,
                          BP_IMAGE_MAX_SVG_DASHES);
      return;
    }
  }
  add_item(in, c->group, &p);
}

/* Draws the source group into the context's group, its alpha scaled. */
static void paint_group(interp *in, context *c, double alpha) {
  if (!c->gs.src_group) {
    unsupported(in, "a paint over the whole image");
    return;
  }
  group *src = &in->groups[c->gs.src];
  if (c->gs.src == c->group) {
    bad(in, "paint");
    return;
  }
  if (alpha < 0.9995 && src->n > 1) {
    unsupported(in,
                "an opacity on a group of several shapes (or on a shape both filled and stroked)");
    return;
  }
  for (size_t i = 0; i < src->n; i++) {
    bp_dl_path p = src->items[i];
    size_t bytes = p.n_segs * sizeof *p.segs;
    p.segs = bp_malloc(bytes ? bytes : 1);
    memcpy(p.segs, src->items[i].segs, bytes);
    p.fill_color.a *= alpha;
    p.stroke_color.a *= alpha;
    add_item(in, c->group, &p);
  }
}

static int new_group(interp *in) {
  group g = {0};
  BP_PUSH(in->groups, in->n_groups, in->cap_groups, g);
  return (int)in->n_groups - 1;
}

static void set_matrix_det(interp *in, const char *op, double *det_out) {
  val a;
  if (!pop(in, V_ARRAY, &a, op)) return;
  if (a.len != 6) {
    bad(in, op);
    return;
  }
  const double *m = in->pool + a.off;
  *det_out = m[0] * m[3] - m[1] * m[2];
}

/* ---- operators ---------------------------------------------------------------- */

static bool is(const char *a, const char *b) { return strcmp(a, b) == 0; }

static void op_style(interp *in, const char *op) {
  val v;
  context *c;
  if (is(op, "set-line-width")) {
    double w;
    if (pop_nums(in, &w, 1, op) && (c = cur(in, op))) c->gs.lw = w;
  } else if (is(op, "set-fill-rule")) {
    if (pop(in, V_NAME, &v, op) && (c = cur(in, op))) c->gs.even_odd = is(v.name, "EVEN_ODD");
  } else if (is(op, "set-line-cap")) {
    if (pop(in, V_NAME, &v, op) && (c = cur(in, op)))
      c->gs.cap = is(v.name, "LINE_CAP_ROUND")    ? BP_CAP_ROUND
                  : is(v.name, "LINE_CAP_SQUARE") ? BP_CAP_SQUARE
                                                  : BP_CAP_BUTT;
  } else if (is(op, "set-line-join")) {
    if (pop(in, V_NAME, &v, op) && (c = cur(in, op)))
      c->gs.join = is(v.name, "LINE_JOIN_ROUND")   ? BP_JOIN_ROUND
                   : is(v.name, "LINE_JOIN_BEVEL") ? BP_JOIN_BEVEL
                                                   : BP_JOIN_MITER;
  } else if (is(op, "set-dash")) {
    double off;
    val a;
    if (!pop_nums(in, &off, 1, op) || !pop(in, V_ARRAY, &a, op) || !(c = cur(in, op))) return;
    size_t n = a.len;
    if (n > 4 || (n % 2 && n > 2)) {
      unsupported(in, "a dash pattern of more than four lengths");
      return;
    }
    const double *d = in->pool + a.off;
    c->gs.n_dash = (int)(n == 1 ? 2 : n);
    for (int i = 0; i < c->gs.n_dash; i++) c->gs.dash[i] = d[n == 1 ? 0 : i];
  } else if (is(op, "set-miter-limit") || is(op, "set-tolerance")) {
    double x;
    pop_nums(in, &x, 1, op);
  } else if (is(op, "set-antialias") || is(op, "set-extend") || is(op, "set-filter")) {
    pop(in, V_NAME, &v, op);
  } else if (is(op, "set-operator")) {
    if (pop(in, V_NAME, &v, op) && !is(v.name, "OVER")) unsupported(in, "a blend mode");
  }
}

static void op_matrix(interp *in, const char *op) {
  context *c;
  double a[2];
  if (is(op, "set-matrix")) {
    double det = 1;
    set_matrix_det(in, op, &det);
    if (!ok(in)) return;
    if (top(in, V_PATTERN)) { /* a pattern's own matrix */
      if (fabs(det - 1) > 1e-9) unsupported(in, "a pattern fill");
      return;
    }
    if ((c = cur(in, op))) c->gs.det = det;
  } else if (is(op, "transform")) {
    double det = 1;
    set_matrix_det(in, op, &det);
    if (ok(in) && (c = cur(in, op))) c->gs.det *= det;
  } else if (is(op, "scale")) {
    if (pop_nums(in, a, 2, op) && (c = cur(in, op))) c->gs.det *= a[0] * a[1];
  } else if (is(op, "translate")) {
    if (pop_nums(in, a, 2, op)) cur(in, op);
  } else if (is(op, "rotate")) {
    if (pop_nums(in, a, 1, op)) cur(in, op);
  } else if (is(op, "identity")) {
    val v = {.t = V_ARRAY, .off = in->n_pool, .len = 6};
    static const double id[6] = {1, 0, 0, 1, 0, 0};
    for (int i = 0; i < 6; i++) BP_PUSH(in->pool, in->n_pool, in->cap_pool, id[i]);
    push(in, v);
  }
}

static void op_path(interp *in, const char *op) {
  double a[6];
  context *c;
  if (is(op, "n")) {
    if ((c = cur(in, op))) cairo_new_path(c->cr);
  } else if (is(op, "m")) {
    if (pop_nums(in, a, 2, op) && (c = cur(in, op))) cairo_move_to(c->cr, a[0], a[1]);
  } else if (is(op, "l")) {
    if (pop_nums(in, a, 2, op) && (c = cur(in, op))) cairo_line_to(c->cr, a[0], a[1]);
  } else if (is(op, "c")) {
    if (pop_nums(in, a, 6, op) && (c = cur(in, op)))
      cairo_curve_to(c->cr, a[0], a[1], a[2], a[3], a[4], a[5]);
  } else if (is(op, "h")) {
    if ((c = cur(in, op))) cairo_close_path(c->cr);
  } else if (is(op, "rectangle")) {
    if (pop_nums(in, a, 4, op) && (c = cur(in, op))) cairo_rectangle(c->cr, a[0], a[1], a[2], a[3]);
  } else if (is(op, "fill") || is(op, "fill+") || is(op, "stroke") || is(op, "stroke+")) {
    if ((c = cur(in, op))) paint_path(in, c, op[0] == 'f', op[strlen(op) - 1] == '+');
  } else if (is(op, "clip") || is(op, "clip+")) {
    if ((c = cur(in, op))) clip_path(in, c, op[4] == '+');
  } else if (is(op, "reset-clip")) {
    if ((c = cur(in, op))) c->gs.clipped = false;
  }
}

static void op_source(interp *in, const char *op) {
  double a[4];
  val v;
  context *c;
  if (is(op, "rgb")) {
    if (pop_nums(in, a, 3, op)) push(in, color_val(a[0], a[1], a[2], 1));
  } else if (is(op, "rgba")) {
    if (pop_nums(in, a, 4, op)) push(in, color_val(a[0], a[1], a[2], a[3]));
  } else if (is(op, "g")) {
    if (pop_nums(in, a, 1, op)) push(in, color_val(a[0], a[0], a[0], 1));
  } else if (is(op, "ga")) {
    if (pop_nums(in, a, 2, op)) push(in, color_val(a[0], a[0], a[0], a[1]));
  } else if (is(op, "a")) {
    if (pop_nums(in, a, 1, op)) push(in, color_val(0, 0, 0, a[0]));
  } else if (is(op, "set-source")) {
    if (top(in, V_COLOR)) {
      pop(in, V_COLOR, &v, op);
      if ((c = cur(in, op))) c->gs.src_group = false, c->gs.color = v.color;
    } else if (pop(in, V_PATTERN, &v, op) && (c = cur(in, op))) {
      c->gs.src_group = true, c->gs.src = v.ref;
    }
  } else if (is(op, "pattern")) {
    if (pop(in, V_SURFACE, &v, op)) {
      v.t = V_PATTERN;
      push(in, v);
    }
  } else if (is(op, "paint")) {
    if ((c = cur(in, op))) paint_group(in, c, 1);
  } else if (is(op, "mask")) {
    if (top(in, V_PATTERN)) {
      unsupported(in, "a mask");
      return;
    }
    if (pop(in, V_COLOR, &v, op) && (c = cur(in, op))) paint_group(in, c, v.color.a);
  }
}

static void op_object(interp *in, const char *op) {
  val v, w;
  if (is(op, "surface")) {
    if (pop(in, V_DICT, &v, op)) push(in, (val){.t = V_SURFACE, .ref = new_group(in)});
  } else if (is(op, "record")) {
    if (pop(in, V_ARRAY, &v, op) && pop(in, V_NAME, &w, op))
      push(in, (val){.t = V_SURFACE, .ref = new_group(in)});
  } else if (is(op, "context")) {
    if (!pop(in, V_SURFACE, &v, op)) return;
    context c;
    memset(&c, 0, sizeof c);
    c.group = v.ref;
    c.cr = cairo_create(in->scratch);
    c.gs.color = (bp_color){0, 0, 0, 1};
    c.gs.lw = 2; /* cairo's defaults */
    c.gs.det = 1;
    BP_PUSH(in->ctxs, in->n_ctxs, in->cap_ctxs, c);
    push(in, (val){.t = V_CONTEXT, .ref = (int)in->n_ctxs - 1});
  } else if (is(op, "save") || is(op, "restore")) {
    context *c = cur(in, op);
    if (!c) return;
    if (op[0] == 's') {
      if (c->n_saved >= MAX_SAVE) {
        bad(in, op);
        return;
      }
      c->saved[c->n_saved++] = c->gs;
    } else if (c->n_saved > 0) {
      c->gs = c->saved[--c->n_saved];
    }
  } else if (is(op, "def")) {
    if (!in->n || !pop(in, in->stack[in->n - 1].t, &v, op) || !pop(in, V_NAME, &w, op)) return;
    def d;
    snprintf(d.name, sizeof d.name, "%s", w.name);
    d.v = v;
    BP_PUSH(in->defs, in->n_defs, in->cap_defs, d);
  } else if (is(op, "undef")) {
    if (!pop(in, V_NAME, &w, op)) return;
    for (size_t i = in->n_defs; i-- > 0;)
      if (is(in->defs[i].name, w.name)) {
        in->defs[i] = in->defs[--in->n_defs];
        break;
      }
  } else if (is(op, "dup")) {
    if (in->n)
      push(in, in->stack[in->n - 1]);
    else
      bad(in, op);
  } else if (is(op, "exch")) {
    if (in->n < 2) {
      bad(in, op);
      return;
    }
    v = in->stack[in->n - 1];
    in->stack[in->n - 1] = in->stack[in->n - 2];
    in->stack[in->n - 2] = v;
  } else if (is(op, "pop")) {
    if (in->n)
      in->n--;
    else
      bad(in, op);
  }
}

typedef struct optab {
  const char *names;
  void (*fn)(interp *in, const char *op);
} optab;

/* Each family of operators and the words it takes (space-separated). */
static const optab ops[] = {
    {" set-line-width set-fill-rule set-line-cap set-line-join set-dash set-miter-limit "
     "set-tolerance set-antialias set-extend set-filter set-operator ",
     op_style},
    {" set-matrix transform scale translate rotate identity ", op_matrix},
    {" n m l c h rectangle fill fill+ stroke stroke+ clip clip+ reset-clip ", op_path},
    {" rgb rgba g ga a set-source pattern paint mask ", op_source},
    {" surface record context save restore def undef dup exch pop ", op_object},
};

/* What the refused operators mean, for the message. */
static const struct {
  const char *names, *what;
} refused[] = {
    {" linear radial mesh add-color-stop ", "a gradient"},
    {" image source-image ", PIXELS},
    {" glyphs show-glyphs show-text-glyphs font set-font-face set-scaled-font ", "text as glyphs"},
    {" push-group pop-group ", "an isolated group"},
};

static bool word_in(const char *list, const char *w) {
  size_t n = strlen(w);
  for (const char *p = strstr(list, w); p; p = strstr(p + 1, w))
    if (p[-1] == ' ' && p[n] == ' ') return true;
  return false;
}

static void exec_word(interp *in, const char *w) {
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
    if (word_in(ops[i].names, w)) {
      ops[i].fn(in, w);
      return;
    }
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
    if (word_in(refused[i].names, w)) {
      unsupported(in, refused[i].what);
      return;
    }
  if (is(w, "show-page") || is(w, "copy-page")) return;
  for (size_t i = in->n_defs; i-- > 0;)
    if (is(in->defs[i].name, w)) {
      push(in, in->defs[i].v);
      return;
    }
  bad(in, w);
}

/* ---- the tokenizer ------------------------------------------------------------ */

static void close_array(interp *in) {
  size_t i = in->n;
  while (i > 0 && in->stack[i - 1].t == V_NUM) i--;
  if (i == 0 || in->stack[i - 1].t != V_MARK) {
    bad(in, "]");
    return;
  }
  val a = {.t = V_ARRAY, .off = in->n_pool, .len = in->n - i};
  for (size_t k = i; k < in->n; k++) BP_PUSH(in->pool, in->n_pool, in->cap_pool, in->stack[k].num);
  in->n = i - 1;
  push(in, a);
}

static void close_dict(interp *in) {
  size_t i = in->n;
  while (i > 0 && in->stack[i - 1].t != V_MARK) i--;
  if (i == 0) {
    bad(in, ">>");
    return;
  }
  in->n = i - 1;
  push(in, (val){.t = V_DICT});
}

static void run(interp *in, const char *s) {
  while (*s && ok(in)) {
    if (isspace((unsigned char)*s)) {
      s++;
    } else if (*s == '%') {
      while (*s && *s != '\n') s++;
    } else if (*s == '[' || (s[0] == '<' && s[1] == '<')) {
      push(in, (val){.t = V_MARK});
      s += *s == '[' ? 1 : 2;
    } else if (*s == ']') {
      close_array(in);
      s++;
    } else if (s[0] == '>' && s[1] == '>') {
      close_dict(in);
      s += 2;
    } else if (*s == '<' && (s[1] == '~' || s[1] == '|')) { /* pixel data */
      unsupported(in, PIXELS);
    } else if (*s == '(' || *s == '<') {
      unsupported(in, "text as glyphs");
    } else if (*s == '{' || *s == '}') {
      bad(in, "{");
    } else if (isdigit((unsigned char)*s) || *s == '-' || *s == '+' || *s == '.') {
      char *end;
      double v = strtod(s, &end);
      if (end == s || !isfinite(v)) {
        bad(in, "(number)");
        return;
      }
      push(in, (val){.t = V_NUM, .num = v});
      s = end;
    } else {
      bool lit = *s == '/';
      while (*s == '/') s++;
      size_t n = 0;
      while (s[n] && !isspace((unsigned char)s[n]) && !strchr("[]{}()<>/%", s[n])) n++;
      if (n == 0 || n >= NAME_LEN) {
        bad(in, n ? "(long name)" : "(empty name)");
        return;
      }
      char w[NAME_LEN];
      memcpy(w, s, n);
      w[n] = '\0';
      s += n;
      if (lit) {
        val v = {.t = V_NAME};
        memcpy(v.name, w, n + 1);
        push(in, v);
      } else {
        exec_word(in, w);
      }
    }
  }
}

bp_status bp_svg_script_paths(bp_ctx *ctx, const char *name, const char *script, bp_dl_path **paths,
                              size_t *n_paths) {
  *paths = NULL;
  *n_paths = 0;
  interp in;
  memset(&in, 0, sizeof in);
  in.ctx = ctx;
  in.name = name;
  in.scratch = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
  run(&in, script);
  for (size_t i = 0; i < in.n_ctxs; i++) cairo_destroy(in.ctxs[i].cr);
  cairo_surface_destroy(in.scratch);
  for (size_t g = 0; g < in.n_groups; g++) {
    if (g == 0 && ok(&in)) continue; /* the image itself: handed out */
    for (size_t i = 0; i < in.groups[g].n; i++) free(in.groups[g].items[i].segs);
    free(in.groups[g].items);
  }
  if (ok(&in) && in.n_groups) { /* an SVG that draws nothing has no surface */
    *paths = in.groups[0].items;
    *n_paths = in.groups[0].n;
  }
  free(in.groups);
  free(in.ctxs);
  free(in.defs);
  free(in.stack);
  free(in.pool);
  return in.st;
}
