/* chart.c - draws bar, line, timeline and sparkline charts into a box of a
 * display-list page. Geometry is built with cairo's path API on a scratch
 * recording surface and copied out with cairo_copy_path, so every device
 * gets the same vector paths; every label is Pango text via bp_label_draw.
 * Labels are placed against a list of occupied boxes, so none overlap and
 * none leave the box. Must not rasterise anything or know the data layer;
 * words, numbers and dates come from chart_text.c. */
#include "chart.h"
#include "layout-imp.h"

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_FAMILY "Noto Sans, NanumGothic"
#define PI 3.14159265358979323846
#define EPS 0.01

/* Colours: text and rules in greys with good contrast on white; data in the
 * Okabe–Ito palette, ordered so neighbours differ in greyscale too. */
enum {
  INK = 0x1A1A1A,   /* titles, values, event labels */
  MUTED = 0x555555, /* tick labels, unit, source, dates */
  GRID = 0xD9D9D9,  /* gridlines */
  AXIS = 0x4D4D4D,  /* zero line, x axis */
  STEM = 0x999999,  /* timeline stems */
  WHITE = 0xFFFFFF
};
static const unsigned palette[] = {0x0072B2, 0xE69F00, 0x009E73, 0xD55E00, 0xCC79A7, 0x56B4E9};
#define N_PALETTE (sizeof palette / sizeof *palette)
static const int dashes[][2] = {{0, 0}, {4, 2}, {1, 2}, {6, 2}, {2, 2}, {8, 3}};
#define SPARK_END 0xD55E00

typedef struct box {
  double x0, y0, x1, y1;
} box;

typedef struct seg {
  double x0, y0, x1, y1;
} seg;

typedef struct chart {
  bp_typesetter *ts;
  bp_ctx *ctx;
  bp_dlist *dl;
  bp_dl_page *pg;
  const bp_chart_spec *spec;
  const bp_chart_series *series; /* spec->series or &one */
  size_t n_series;
  bp_chart_series one;
  cairo_surface_t *surface;
  cairo_t *cr;
  double bx, by, bw, bh; /* the box */
  double fs;             /* axis label size */
  const char *family;
  unsigned ink, muted, data[BP_CHART_MAX_COLORS]; /* the spec's colours, else the defaults */
  size_t n_data;
  bp_status st;
  box *boxes; /* occupied: labels, bars, markers */
  size_t n_boxes, cap_boxes;
  seg *segs; /* lines value labels must not cross */
  size_t n_segs, cap_segs;
} chart;

/* A y axis: the nice scale and where it lands on the page. */
typedef struct yaxis {
  double lo, hi, step;
  int dec;
  double label_w;
  double py0, py1; /* page y of hi and lo */
} yaxis;

/* A tick of an x axis: position and label (may hold '\n'); mark = draw a
 * tick mark (year labels centred between marks have none). */
typedef struct xtick {
  double x;
  char text[64];
  bool mark;
} xtick;

typedef struct xaxis {
  double lo, hi;   /* domain */
  double px0, px1; /* page x of lo and hi */
  xtick *ticks;
  size_t n_ticks;
  double label_h;
} xaxis;

/* A stroke/fill description for emit(). */
typedef struct pen {
  bool fill, stroke;
  unsigned fill_rgb, stroke_rgb;
  double lw;
  bp_cap cap;
  bp_join join;
  int dash_on, dash_off;
} pen;

/* ---- helpers: status, colours, styles, boxes ------------------------------ */

static bool ok(const chart *ch) { return ch->st == BP_OK; }

static bool fail(chart *ch, bp_status st) {
  if (ch->st == BP_OK) ch->st = st;
  return false;
}

static bool fail_layout(chart *ch, const char *what) {
  const char *t = ch->spec->title ? ch->spec->title : bp_chart_kind_name(ch->spec->kind);
  bp_error(ch->ctx, BP_ERR_LAYOUT, "chart \"%s\": box %.0f x %.0f pt is too small for %s", t,
           ch->bw, ch->bh, what);
  return fail(ch, BP_ERR_LAYOUT);
}

static bp_color rgb(unsigned v) {
  return (bp_color){((v >> 16) & 255) / 255.0, ((v >> 8) & 255) / 255.0, (v & 255) / 255.0, 1};
}

static unsigned rgb_of(bp_color c) {
  return (unsigned)lround(c.r * 255) << 16 | (unsigned)lround(c.g * 255) << 8 |
         (unsigned)lround(c.b * 255);
}

/* Data colour i (series, bars): the spec's palette, else Okabe-Ito. */
static unsigned data_rgb(const chart *ch, size_t i) { return ch->data[i % ch->n_data]; }

static bp_style mkstyle(const chart *ch, double size, bool bold, unsigned color, bp_align align) {
  color = color == INK ? ch->ink : color == MUTED ? ch->muted : color;
  bp_style s;
  memset(&s, 0, sizeof s);
  s.family = ch->family;
  s.size_pt = size;
  s.bold = bold;
  s.color = rgb(color);
  s.align = align;
  return s;
}

static box anchor_box(double x, double y, double w, double h, double ax, double ay) {
  double x0 = x - ax * w, y0 = y - ay * h;
  return (box){x0, y0, x0 + w, y0 + h};
}

static bool overlap(box a, box b) {
  return a.x0 < b.x1 - EPS && b.x0 < a.x1 - EPS && a.y0 < b.y1 - EPS && b.y0 < a.y1 - EPS;
}

static bool in_box(const chart *ch, box a) {
  return a.x0 >= ch->bx - EPS && a.y0 >= ch->by - EPS && a.x1 <= ch->bx + ch->bw + EPS &&
         a.y1 <= ch->by + ch->bh + EPS;
}

/* Liang–Barsky: does segment s pass through the inside of b? */
static bool seg_hits(seg s, box b) {
  double t0 = 0, t1 = 1, dx = s.x1 - s.x0, dy = s.y1 - s.y0;
  double p[4] = {-dx, dx, -dy, dy};
  double q[4] = {s.x0 - b.x0, b.x1 - s.x0, s.y0 - b.y0, b.y1 - s.y0};
  for (int i = 0; i < 4; i++) {
    if (p[i] == 0) {
      if (q[i] <= 0) return false;
      continue;
    }
    double t = q[i] / p[i];
    if (p[i] < 0)
      t0 = fmax(t0, t);
    else
      t1 = fmin(t1, t);
    if (t0 >= t1) return false;
  }
  return true;
}

static bool box_free(const chart *ch, box b) {
  if (!in_box(ch, b)) return false;
  for (size_t i = 0; i < ch->n_boxes; i++)
    if (overlap(b, ch->boxes[i])) return false;
  for (size_t i = 0; i < ch->n_segs; i++)
    if (seg_hits(ch->segs[i], b)) return false;
  return true;
}

static void occupy(chart *ch, box b) { BP_PUSH(ch->boxes, ch->n_boxes, ch->cap_boxes, b); }

static void obstacle(chart *ch, double x0, double y0, double x1, double y1) {
  seg s = {x0, y0, x1, y1};
  BP_PUSH(ch->segs, ch->n_segs, ch->cap_segs, s);
}

/* ---- text ----------------------------------------------------------------- */

static bool measure(chart *ch, const bp_style *st, const char *text, double max_w, double *w,
                    double *h) {
  *w = *h = 0;
  if (!ok(ch)) return false;
  bp_status s = bp_label_measure(ch->ts, ch->ctx, st, text, max_w, w, h);
  return s ? fail(ch, s) : true;
}

static double line_h(chart *ch, const bp_style *st) {
  double w, h;
  measure(ch, st, "Hg", 0, &w, &h);
  return h;
}

/* Draws a measured label (w x h) anchored at (x, y) and marks it occupied. */
static bool put_label(chart *ch, const bp_style *st, const char *text, double max_w, double w,
                      double h, double x, double y, double ax, double ay) {
  if (!ok(ch)) return false;
  if (!*text) return true;
  bp_status s = bp_label_draw(ch->ts, ch->ctx, ch->dl, ch->pg, st, text, max_w, x, y, ax, ay);
  if (s) return fail(ch, s);
  occupy(ch, anchor_box(x, y, w, h, ax, ay));
  return true;
}

/* An owned copy of `text` that fits max_w wide and max_lines lines (wrapped
 * at max_w when max_lines > 1), cut short with an ellipsis when needed; ""
 * when not even the ellipsis fits. Sets *w, *h. NULL after an error. */
static char *fit_text(chart *ch, const bp_style *st, const char *text, double max_w, int max_lines,
                      double *w, double *h) {
  double lh = line_h(ch, st);
  double wrap = max_lines > 1 ? max_w : 0;
  if (!measure(ch, st, text, wrap, w, h)) return NULL;
  if (*w <= max_w + EPS && *h <= max_lines * lh + EPS) return bp_strdup(text);

  size_t len = strlen(text), n_cuts = 0;
  size_t *cuts = bp_malloc((len + 1) * sizeof *cuts); /* code point starts */
  for (size_t i = 0; i < len;) {
    int l = 1;
    bp_utf8_decode(text + i, len - i, &l);
    cuts[n_cuts++] = i;
    i += (size_t)l;
  }
  char *best = bp_strdup("");
  double bw = 0, bh = 0;
  size_t lo = 0, hi = n_cuts; /* prefix of lo code points fits, of hi not */
  bool have = false;
  while (ok(ch)) {
    size_t k = have ? (lo + hi) / 2 : 0;
    if (have && k == lo) break;
    size_t end = k < n_cuts ? cuts[k] : len;
    while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\n')) end--;
    bp_buf b = {0};
    bp_buf_put(&b, text, end);
    bp_buf_puts(&b, "\xE2\x80\xA6"); /* … */
    double cw, chh;
    measure(ch, st, b.data, wrap, &cw, &chh);
    bool fits = cw <= max_w + EPS && chh <= max_lines * lh + EPS;
    if (fits) {
      free(best);
      best = bp_buf_detach(&b);
      bw = cw, bh = chh;
      lo = k;
    } else {
      bp_buf_free(&b);
      if (!have) break; /* not even "…" fits */
      hi = k;
    }
    have = true;
  }
  free(cuts);
  if (!ok(ch)) {
    free(best);
    return NULL;
  }
  *w = bw, *h = bh;
  return best;
}

/* ---- paths ------------------------------------------------------------------ */

/* Copies cairo's current path (in page points) into the display list with the
 * given pen and clears it. Empty paths are skipped. */
static void emit(chart *ch, const pen *p) {
  bp_path_seg *segs;
  size_t n;
  bp_status st = bp_cairo_path_segs(ch->ctx, ch->cr, &segs, &n);
  cairo_new_path(ch->cr);
  if (st) {
    fail(ch, st);
    return;
  }
  if (n) {
    bp_dl_path dp;
    memset(&dp, 0, sizeof dp);
    dp.segs = segs;
    dp.n_segs = n;
    dp.fill = p->fill;
    dp.stroke = p->stroke;
    dp.fill_color = rgb(p->fill_rgb);
    dp.stroke_color = rgb(p->stroke_rgb);
    dp.line_width_pt = p->lw;
    dp.cap = p->cap;
    dp.join = p->join;
    if (p->dash_on > 0) {
      dp.dash[0] = p->dash_on;
      dp.dash[1] = p->dash_off;
      dp.n_dash = 2;
    }
    bp_dl_add_path(ch->pg, &dp);
  }
  free(segs);
}

static pen stroke_pen(unsigned color, double lw) {
  pen p = {false, true, 0, color, lw, BP_CAP_BUTT, BP_JOIN_MITER, 0, 0};
  return p;
}

/* A marker of series `i`'s shape: circle, square, triangle, diamond. */
static void marker_path(cairo_t *cr, size_t i, double x, double y, double r) {
  switch (i % 4) {
  case 0:
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, r, 0, 2 * PI);
    cairo_close_path(cr);
    break;
  case 1: cairo_rectangle(cr, x - 0.9 * r, y - 0.9 * r, 1.8 * r, 1.8 * r); break;
  case 2:
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_move_to(cr, 0, -1.25 * r);
    cairo_line_to(cr, 1.15 * r, 0.8 * r);
    cairo_line_to(cr, -1.15 * r, 0.8 * r);
    cairo_close_path(cr);
    cairo_restore(cr);
    break;
  default:
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, PI / 4);
    cairo_rectangle(cr, -0.85 * r, -0.85 * r, 1.7 * r, 1.7 * r);
    cairo_restore(cr);
    break;
  }
}

static pen series_line_pen(const chart *ch, size_t i, double lw) {
  pen p = {false, true, 0, data_rgb(ch, i), lw, BP_CAP_ROUND, BP_JOIN_ROUND, 0, 0};
  int d = (int)(i % (sizeof dashes / sizeof *dashes));
  if (dashes[d][0]) {
    p.cap = BP_CAP_BUTT;
    p.dash_on = dashes[d][0];
    p.dash_off = dashes[d][1];
  }
  return p;
}

static pen series_marker_pen(const chart *ch, size_t i) {
  pen p = {true, true, data_rgb(ch, i), WHITE, 0.75, BP_CAP_BUTT, BP_JOIN_MITER, 0, 0};
  return p;
}

/* ---- frame: title, unit, legend, source line ---------------------------------- */

static bool is_ko(const chart *ch) {
  return ch->spec->lang && strncmp(ch->spec->lang, "ko", 2) == 0;
}

/* Draws a label fitted to max_w x max_lines at (x, y) with anchor (ax, ay);
 * returns its height (0 for NULL/empty text). */
static double fitted_label(chart *ch, const bp_style *st, const char *text, double max_w,
                           int max_lines, double x, double y, double ax, double ay, box *out) {
  if (!text || !*text || !ok(ch)) return 0;
  double w, h;
  char *t = fit_text(ch, st, text, max_w, max_lines, &w, &h);
  if (!t) return 0;
  bool drawn = *t != '\0';
  if (drawn) put_label(ch, st, t, max_lines > 1 ? max_w : 0, w, h, x, y, ax, ay);
  if (out) *out = anchor_box(x, y, w, h, ax, ay);
  free(t);
  return drawn ? h : 0;
}

/* Legend for several series: swatch (line + marker) and name, in rows. */
static double draw_legend(chart *ch, double y) {
  bp_style st = mkstyle(ch, ch->fs, false, INK, BP_ALIGN_LEFT);
  double lh = line_h(ch, &st), x = ch->bx, rows = 1, sw = ch->fs * 2.2;
  for (size_t i = 0; i < ch->n_series && ok(ch); i++) {
    const char *name = ch->series[i].name ? ch->series[i].name : "";
    double w, h;
    char *t = fit_text(ch, &st, name, ch->bw * 0.6, 1, &w, &h);
    if (!t) break;
    double need = sw + 3 + w;
    if (x > ch->bx && x + need > ch->bx + ch->bw) {
      x = ch->bx;
      y += lh;
      rows++;
    }
    double cy = y + lh / 2;
    pen lp = series_line_pen(ch, i, 1.5);
    cairo_move_to(ch->cr, x, cy);
    cairo_line_to(ch->cr, x + sw, cy);
    emit(ch, &lp);
    marker_path(ch->cr, i, x + sw / 2, cy, 2.5);
    pen mp = series_marker_pen(ch, i);
    emit(ch, &mp);
    occupy(ch, (box){x, y, x + sw, y + lh});
    put_label(ch, &st, t, 0, w, h, x + sw + 3, y, 0, 0);
    free(t);
    x += need + ch->fs * 1.5;
  }
  return rows * lh;
}

/* Draws the title, unit, legend and source line; sets the band left for
 * the plot. */
static bool draw_frame(chart *ch, bool legend, double *top, double *bottom) {
  const bp_chart_spec *s = ch->spec;
  double y = ch->by, fs = ch->fs;
  bp_style title = mkstyle(ch, fs * 1.4, true, INK, BP_ALIGN_LEFT);
  bp_style sub = mkstyle(ch, fs, false, MUTED, BP_ALIGN_LEFT);
  bp_style src = mkstyle(ch, fs * 0.9, false, MUTED, BP_ALIGN_LEFT);
  double h = fitted_label(ch, &title, s->title, ch->bw, 2, ch->bx, y, 0, 0, NULL);
  if (h > 0) y += h + fs * 0.2;
  h = fitted_label(ch, &sub, s->unit, ch->bw, 1, ch->bx, y, 0, 0, NULL);
  if (h > 0) y += h + fs * 0.4;
  if (legend && ok(ch)) y += draw_legend(ch, y) + fs * 0.4;
  double b = ch->by + ch->bh;
  box sb;
  /* the source line is the figure's caption, beside it in the structure
   * (a figure's own content is read as its description), and a link */
  int fig = ch->pg->node;
  if (fig >= 0) ch->pg->node = ch->dl->nodes[fig].parent;
  bp_dl_begin(ch->dl, ch->pg, BP_ROLE_CAPTION);
  bool link = s->source_dest && *s->source_dest;
  if (link && !strncmp(s->source_dest, "note-", 5)) /* to the sources' endnote */
    bp_dl_begin(ch->dl, ch->pg, BP_ROLE_REFERENCE);
  if (link) bp_dl_begin(ch->dl, ch->pg, BP_ROLE_LINK);
  h = fitted_label(ch, &src, s->source_text, ch->bw, 2, ch->bx, b, 0, 1, &sb);
  if (h > 0) {
    b -= h + fs * 0.6;
    if (link) {
      bp_dl_link l = {sb.x0, sb.y0, sb.x1 - sb.x0, sb.y1 - sb.y0, NULL, (char *)s->source_dest};
      bp_dl_add_link(ch->pg, &l);
    }
  }
  bp_dl_end(ch->pg, fig);
  *top = y + fs * 0.3;
  *bottom = b;
  if (!ok(ch)) return false;
  if (*bottom - *top < fs * 5) return fail_layout(ch, "its plot area");
  return true;
}

static void no_data(chart *ch, double top, double bottom) {
  bp_style st = mkstyle(ch, ch->fs * 1.1, false, MUTED, BP_ALIGN_CENTER);
  fitted_label(ch, &st, is_ko(ch) ? "데이터 없음" : "No data", ch->bw, 1, ch->bx + ch->bw / 2,
               (top + bottom) / 2, 0.5, 0.5, NULL);
}

/* ---- y axis --------------------------------------------------------------------- */

static double ymap(const yaxis *a, double v) {
  return a->py1 - (v - a->lo) / (a->hi - a->lo) * (a->py1 - a->py0);
}

static double tick_value(const yaxis *a, int i) {
  double v = nearbyint((a->lo + i * a->step) / a->step) * a->step;
  return v + 0.0;
}

static int n_yticks(const yaxis *a) { return (int)nearbyint((a->hi - a->lo) / a->step) + 1; }

/* A nice scale for [lo, hi] drawn between py0 and py1, with pad_top /
 * pad_bottom points of room above the highest and below the lowest value
 * (for value labels). Measures the widest tick label. */
static bool y_axis(chart *ch, yaxis *a, double lo, double hi, double py0, double py1,
                   double pad_top, double pad_bottom, const bp_style *tick) {
  double ph = py1 - py0, lh = line_h(ch, tick);
  if (ph < lh * 2) return fail_layout(ch, "its y axis");
  int max_ticks = (int)(ph / (lh * 2.4));
  if (max_ticks < 2) max_ticks = 2;
  if (max_ticks > 8) max_ticks = 8;
  bp_chart_nice_scale(lo, hi, max_ticks, &a->lo, &a->hi, &a->step);
  for (int k = 0; k < 4; k++) {
    double unit = ph / (a->hi - a->lo);
    bool grew = false;
    if (pad_top > 0 && hi > a->lo && (a->hi - hi) * unit < pad_top) a->hi += a->step, grew = true;
    if (pad_bottom > 0 && lo < a->hi && (lo - a->lo) * unit < pad_bottom)
      a->lo -= a->step, grew = true;
    if (!grew) break;
  }
  a->dec = a->step >= 1 ? 0 : (int)ceil(-log10(a->step) - 1e-9);
  a->py0 = py0;
  a->py1 = py1;
  a->label_w = 0;
  for (int i = 0; i < n_yticks(a) && ok(ch); i++) {
    char t[64];
    double w, h;
    bp_chart_format_number(tick_value(a, i), a->dec, t, sizeof t);
    measure(ch, tick, t, 0, &w, &h);
    a->label_w = fmax(a->label_w, w);
  }
  return ok(ch);
}

/* Gridlines and tick labels right-aligned left of px0. The zero line is
 * drawn by the caller over the data. */
static void draw_y_axis(chart *ch, const yaxis *a, double px0, double px1, const bp_style *tick) {
  for (int i = 0; i < n_yticks(a); i++) {
    double v = tick_value(a, i), y = ymap(a, v);
    if (v == 0) continue;
    cairo_move_to(ch->cr, px0, y);
    cairo_line_to(ch->cr, px1, y);
  }
  pen g = stroke_pen(GRID, 0.5);
  emit(ch, &g);
  for (int i = 0; i < n_yticks(a) && ok(ch); i++) {
    char t[64];
    double w, h, v = tick_value(a, i);
    bp_chart_format_number(v, a->dec, t, sizeof t);
    measure(ch, tick, t, 0, &w, &h);
    put_label(ch, tick, t, 0, w, h, px0 - 4, ymap(a, v), 1, 0.5);
  }
}

static void draw_zero_line(chart *ch, const yaxis *a, double px0, double px1) {
  if (a->lo > 0 || a->hi < 0) return;
  double y = ymap(a, 0);
  cairo_move_to(ch->cr, px0, y);
  cairo_line_to(ch->cr, px1, y);
  pen z = stroke_pen(AXIS, 0.75);
  emit(ch, &z);
}

/* ---- x axes: dates and numbers ---------------------------------------------------- */

static double month_start(int y, int m) {      /* decimal year of the first instant of y-m */
  double mid = bp_chart_decimal_year(y, m, 1); /* middle of day 1 */
  int days = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 366 : 365;
  return mid - 0.5 / days;
}

static double day_start(int y, int m, int d) {
  int days = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 366 : 365;
  return bp_chart_decimal_year(y, m, d) - 0.5 / days;
}

static int dim(int y, int m) {
  static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : d[m - 1];
}

/* Date ticks over [lo, hi] for one step: kind 0 = days, 1 = months, 2 =
 * years (labels at 1 Jan, or mid-year when mid_year). Returns the count. */
static size_t date_ticks_for(const chart *ch, double lo, double hi, int kind, int step,
                             bool mid_year, xtick **out) {
  static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  bool ko = is_ko(ch);
  xtick *v = NULL;
  size_t n = 0, cap = 0;
  int last_year = -100000;
  for (int y = (int)floor(lo); y <= (int)floor(hi) && n < 2000; y++) {
    if (kind == 2) {
      if (((y % step) + step) % step) continue;
      xtick t;
      memset(&t, 0, sizeof t);
      snprintf(t.text, sizeof t.text, "%d", y);
      t.x = mid_year ? y + 0.5 : (double)y;
      t.mark = !mid_year;
      if (t.x >= lo - 1e-9 && t.x <= hi + 1e-9) BP_PUSH(v, n, cap, t);
      continue;
    }
    for (int m = 1; m <= 12; m++) {
      if (kind == 1 && (m - 1) % step) continue;
      int d_end = kind == 0 ? dim(y, m) : 1;
      for (int d = 1; d <= d_end; d++) {
        if (kind == 0 && ((d - 1) % step || (step == 7 && d > 22))) continue;
        double x = kind == 0 ? day_start(y, m, d) : month_start(y, m);
        if (x < lo - 1e-9 || x > hi + 1e-9) continue;
        xtick t;
        memset(&t, 0, sizeof t);
        t.x = x;
        t.mark = true;
        char first[32];
        if (kind == 0 && ko)
          snprintf(first, sizeof first, "%d월 %d일", m, d);
        else if (kind == 0)
          snprintf(first, sizeof first, "%d %s", d, mon[m - 1]);
        else if (ko)
          snprintf(first, sizeof first, "%d월", m);
        else
          snprintf(first, sizeof first, "%s", mon[m - 1]);
        if (y != last_year)
          snprintf(t.text, sizeof t.text, "%s\n%d", first, y);
        else
          snprintf(t.text, sizeof t.text, "%s", first);
        last_year = y;
        BP_PUSH(v, n, cap, t);
      }
    }
  }
  *out = v;
  return n;
}

/* Picks the finest date step whose labels do not crowd: days 1, 2, 7;
 * months 1, 2, 3, 6; years 1, 2, 5, 10, ... */
static bool date_axis(chart *ch, xaxis *ax, bool mid_year, const bp_style *st) {
  static const int steps[][2] = {{0, 1},  {0, 2},   {0, 7},   {1, 1},   {1, 2},   {1, 3},
                                 {1, 6},  {2, 1},   {2, 2},   {2, 5},   {2, 10},  {2, 20},
                                 {2, 50}, {2, 100}, {2, 200}, {2, 500}, {2, 1000}};
  double pw = ax->px1 - ax->px0, span_days = (ax->hi - ax->lo) * 365.25;
  double pt_per_day = pw / span_days, gap = ch->fs * 1.2;
  size_t n_steps = sizeof steps / sizeof *steps;
  for (size_t i = 0; i < n_steps && ok(ch); i++) {
    int kind = steps[i][0], step = steps[i][1];
    if (mid_year && kind < 2) continue;
    /* the shortest distance between two ticks, in days */
    double days = kind == 0 ? step : kind == 1 ? (step == 1 ? 28 : step * 30.4 - 3) : 365.0 * step;
    if (days * pt_per_day < gap * 1.5 && i + 1 < n_steps) continue; /* hopeless */
    xtick *t;
    size_t n = date_ticks_for(ch, ax->lo, ax->hi, kind, step, mid_year, &t);
    double maxw = 0, maxh = 0;
    for (size_t k = 0; k < n && ok(ch); k++) {
      double w, h;
      measure(ch, st, t[k].text, 0, &w, &h);
      maxw = fmax(maxw, w), maxh = fmax(maxh, h);
    }
    if (days * pt_per_day >= maxw + gap || i + 1 == n_steps) {
      free(ax->ticks);
      ax->ticks = t;
      ax->n_ticks = n;
      ax->label_h = maxh > 0 ? maxh : line_h(ch, st);
      return ok(ch);
    }
    free(t);
  }
  return ok(ch);
}

static bool number_axis(chart *ch, xaxis *ax, const bp_style *st) {
  double pw = ax->px1 - ax->px0;
  for (int max_ticks = (int)fmax(1, fmin(10, pw / (ch->fs * 4))); max_ticks >= 1; max_ticks--) {
    double lo, hi, step;
    bp_chart_nice_scale(ax->lo, ax->hi, max_ticks, &lo, &hi, &step);
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    xtick *t = NULL;
    size_t n = 0, cap = 0;
    double maxw = 0, maxh = 0;
    for (double v = ceil(ax->lo / step - 1e-9) * step; v <= ax->hi + 1e-9 * step && n < 100;
         v += step) {
      xtick k;
      memset(&k, 0, sizeof k);
      k.x = nearbyint(v / step) * step + 0.0;
      k.mark = true;
      bp_chart_format_x(k.x, dec, k.text, sizeof k.text);
      double w, h;
      measure(ch, st, k.text, 0, &w, &h);
      maxw = fmax(maxw, w), maxh = fmax(maxh, h);
      BP_PUSH(t, n, cap, k);
    }
    double spacing = step * pw / (ax->hi - ax->lo);
    if (spacing >= maxw + ch->fs || max_ticks == 1 || !ok(ch)) {
      free(ax->ticks);
      ax->ticks = t;
      ax->n_ticks = n;
      ax->label_h = maxh > 0 ? maxh : line_h(ch, st);
      return ok(ch);
    }
    free(t);
  }
  return ok(ch);
}

static double xmap(const xaxis *ax, double x) {
  return ax->px0 + (x - ax->lo) / (ax->hi - ax->lo) * (ax->px1 - ax->px0);
}

/* Tick marks below axis_y and the labels under them, shifted inside the box
 * at the edges and skipped if they would touch a neighbour. */
static void draw_x_ticks(chart *ch, const xaxis *ax, double axis_y, const bp_style *st) {
  for (size_t i = 0; i < ax->n_ticks; i++) {
    if (!ax->ticks[i].mark) continue;
    double x = xmap(ax, ax->ticks[i].x);
    cairo_move_to(ch->cr, x, axis_y);
    cairo_line_to(ch->cr, x, axis_y + 3);
  }
  pen p = stroke_pen(AXIS, 0.5);
  emit(ch, &p);
  for (size_t i = 0; i < ax->n_ticks && ok(ch); i++) {
    double w, h, x = xmap(ax, ax->ticks[i].x);
    measure(ch, st, ax->ticks[i].text, 0, &w, &h);
    double left = ch->bx, right = ch->bx + ch->bw;
    double ax_ = 0.5;
    if (x - w / 2 < left)
      x = left, ax_ = 0;
    else if (x + w / 2 > right)
      x = right, ax_ = 1;
    box b = anchor_box(x, axis_y + 4, w, h, ax_, 0);
    if (!box_free(ch, b)) continue;
    put_label(ch, st, ax->ticks[i].text, 0, w, h, x, axis_y + 4, ax_, 0);
  }
}

/* ---- value labels ------------------------------------------------------------------ */

/* Places `text` near (x, y): above, below, right, left of a marker of
 * radius r, then diagonally; at the first free spot; nowhere if none is. */
static void value_label(chart *ch, const bp_style *st, const char *text, double x, double y,
                        double r, bool prefer_below) {
  double w, h;
  if (!measure(ch, st, text, 0, &w, &h)) return;
  double d = r + 1.5, e = r + 0.6; /* diagonals clear the marker */
  double cand[8][4] = {{x, y - d, 0.5, 1},     {x, y + d, 0.5, 0},   {x + d + 1, y, 0, 0.5},
                       {x - d - 1, y, 1, 0.5}, {x - e, y - e, 1, 1}, {x + e, y - e, 0, 1},
                       {x + e, y + e, 0, 0},   {x - e, y + e, 1, 0}};
  if (prefer_below) {
    double t[4];
    memcpy(t, cand[0], sizeof t);
    memcpy(cand[0], cand[1], sizeof t);
    memcpy(cand[1], t, sizeof t);
  }
  for (int i = 0; i < 8; i++) {
    double cx = cand[i][0], ax = cand[i][2];
    box b = anchor_box(cx, cand[i][1], w, h, ax, cand[i][3]);
    if (ax == 0.5 && b.x0 < ch->bx) cx += ch->bx - b.x0; /* slide inside the box */
    if (ax == 0.5 && b.x1 > ch->bx + ch->bw) cx -= b.x1 - (ch->bx + ch->bw);
    b = anchor_box(cx, cand[i][1], w, h, ax, cand[i][3]);
    if (box_free(ch, b)) {
      put_label(ch, st, text, 0, w, h, cx, cand[i][1], ax, cand[i][3]);
      return;
    }
  }
}

/* ---- bar charts ------------------------------------------------------------------------ */

static bool all_numeric(char *const *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    for (const char *p = s[i]; *p; p++)
      if (!strchr("0123456789.,-/:'+ ", *p)) return false;
  return true;
}

/* How the category labels of a bar chart fit under slots of `slot` points:
 * all on one line, wrapped into two lines (and cut short), or every k-th. */
typedef struct catplan {
  char **text; /* fitted labels; NULL where a label is thinned out */
  double *w, *h;
  double wrap; /* wrap width for drawing (0 = none) */
  double height;
} catplan;

static void catplan_free(catplan *pl, size_t n) {
  if (pl->text)
    for (size_t i = 0; i < n; i++) free(pl->text[i]);
  free(pl->text);
  free(pl->w);
  free(pl->h);
  memset(pl, 0, sizeof *pl);
}

static bool plan_categories(chart *ch, char *const *cat, size_t n, double slot, double pw,
                            const bp_style *st, catplan *pl) {
  catplan_free(pl, n);
  pl->text = bp_calloc(n, sizeof *pl->text);
  pl->w = bp_calloc(n, sizeof *pl->w);
  pl->h = bp_calloc(n, sizeof *pl->h);
  double lh = line_h(ch, st), room = slot - ch->fs * 0.6, maxw = 0;
  for (size_t i = 0; i < n && ok(ch); i++) {
    measure(ch, st, cat[i], 0, &pl->w[i], &pl->h[i]);
    maxw = fmax(maxw, pl->w[i]);
  }
  if (!ok(ch)) return false;
  pl->height = lh;
  if (maxw <= room) {
    for (size_t i = 0; i < n; i++) pl->text[i] = bp_strdup(cat[i]);
    return true;
  }
  if (!all_numeric(cat, n) && room >= ch->fs * 3) {
    pl->wrap = room;
    for (size_t i = 0; i < n && ok(ch); i++) {
      pl->text[i] = fit_text(ch, st, cat[i], room, 2, &pl->w[i], &pl->h[i]);
      pl->height = fmax(pl->height, pl->h[i]);
    }
    return ok(ch);
  }
  /* thin out: every k-th label, counted back from the last one */
  double cap = fmax(room, pw * 0.45);
  for (size_t i = 0; i < n && ok(ch); i++) {
    if (pl->w[i] > cap) {
      char *t = fit_text(ch, st, cat[i], cap, 1, &pl->w[i], &pl->h[i]);
      if (!t) return false;
      pl->text[i] = t;
    } else {
      pl->text[i] = bp_strdup(cat[i]);
    }
  }
  maxw = 0;
  for (size_t i = 0; i < n; i++) maxw = fmax(maxw, pl->w[i]);
  size_t every = (size_t)ceil((maxw + ch->fs * 0.6) / slot);
  if (every < 1) every = 1;
  for (size_t i = 0; i < n; i++) {
    if ((n - 1 - i) % every) {
      free(pl->text[i]);
      pl->text[i] = NULL;
    }
  }
  return true;
}

static void draw_bar(chart *ch) {
  const bp_chart_series *s = &ch->series[0];
  size_t n = s->n_points;
  double top, bottom;
  if (!draw_frame(ch, false, &top, &bottom)) return;
  double lo = 0, hi = 0;
  size_t valid = 0;
  double *vals = bp_malloc((n ? n : 1) * sizeof *vals);
  for (size_t i = 0; i < n; i++) {
    vals[i] = s->points[i].y;
    if (isnan(vals[i])) continue;
    lo = fmin(lo, vals[i]), hi = fmax(hi, vals[i]);
    valid++;
  }
  if (valid == 0) {
    no_data(ch, top, bottom);
    free(vals);
    return;
  }
  int dec = bp_chart_value_decimals(vals, n, ch->spec->decimals);
  char **cat = bp_calloc(n, sizeof *cat);
  for (size_t i = 0; i < n; i++) {
    const bp_chart_point *p = &s->points[i];
    char t[64];
    if (p->label)
      snprintf(t, sizeof t, "%s", p->label);
    else if (ch->spec->x_is_date && fabs(p->x) < 1e6)
      snprintf(t, sizeof t, "%d", (int)floor(p->x));
    else if (isfinite(p->x))
      bp_chart_format_x(p->x, bp_chart_value_decimals(&p->x, 1, 0), t, sizeof t);
    else
      snprintf(t, sizeof t, "%zu", i + 1);
    cat[i] = bp_strdup(t);
  }

  bp_style tick = mkstyle(ch, ch->fs, false, MUTED, BP_ALIGN_CENTER);
  bp_style ytick = mkstyle(ch, ch->fs, false, MUTED, BP_ALIGN_RIGHT);
  bp_style val = mkstyle(ch, ch->fs * 0.95, false, INK, BP_ALIGN_CENTER);
  double lh = line_h(ch, &tick), vh = ch->spec->value_labels ? line_h(ch, &val) : 0;
  yaxis ya;
  memset(&ya, 0, sizeof ya);
  catplan pl;
  memset(&pl, 0, sizeof pl);
  double xl_h = lh, px0 = ch->bx, px1 = ch->bx + ch->bw, slot = 0;
  for (int it = 0; it < 3 && ok(ch); it++) {
    double py0 = top + lh / 2, py1 = bottom - xl_h - 4;
    if (!y_axis(ch, &ya, lo, hi, py0, py1, hi > 0 ? vh + 2 : 0, lo < 0 ? vh + 2 : 0, &ytick)) break;
    px0 = ch->bx + ya.label_w + 5;
    slot = (px1 - px0) / (double)n;
    if (slot < 3) {
      fail_layout(ch, "its bars");
      break;
    }
    if (!plan_categories(ch, cat, n, slot, px1 - px0, &tick, &pl)) break;
    if (fabs(pl.height - xl_h) < EPS) break;
    xl_h = pl.height;
  }
  if (ok(ch)) {
    draw_y_axis(ch, &ya, px0, px1, &ytick);
    double bar_w = fmin(slot * 0.68, ch->fs * 7), y0 = ymap(&ya, 0);
    for (size_t i = 0; i < n; i++) {
      if (isnan(vals[i]) || vals[i] == 0) continue;
      double cx = px0 + slot * (i + 0.5), y1 = ymap(&ya, vals[i]);
      cairo_rectangle(ch->cr, cx - bar_w / 2, fmin(y0, y1), bar_w, fabs(y1 - y0));
      occupy(ch, (box){cx - bar_w / 2, fmin(y0, y1), cx + bar_w / 2, fmax(y0, y1)});
    }
    pen bars = {true, false, data_rgb(ch, 0), 0, 0, BP_CAP_BUTT, BP_JOIN_MITER, 0, 0};
    emit(ch, &bars);
    draw_zero_line(ch, &ya, px0, px1);

    /* missing values: a quiet "n/a" on the zero line */
    bp_style na = mkstyle(ch, ch->fs * 0.85, false, MUTED, BP_ALIGN_CENTER);
    for (size_t i = 0; i < n && ok(ch); i++) {
      if (!isnan(vals[i])) continue;
      double w, h, cx = px0 + slot * (i + 0.5);
      const char *t = is_ko(ch) ? "없음" : "n/a";
      measure(ch, &na, t, 0, &w, &h);
      bool up = hi > 0;
      box b = anchor_box(cx, up ? y0 - 1.5 : y0 + 1.5, w, h, 0.5, up ? 1 : 0);
      if (w <= slot - 1 && box_free(ch, b))
        put_label(ch, &na, t, 0, w, h, cx, up ? y0 - 1.5 : y0 + 1.5, 0.5, up ? 1 : 0);
    }

    /* value labels: all if they fit their slot (at a smaller size if need
     * be), else only the highest, lowest and last */
    if (ch->spec->value_labels && ok(ch)) {
      char(*txt)[64] = bp_calloc(n, sizeof *txt);
      double maxw = 0;
      for (int pass = 0; pass < 2 && ok(ch); pass++) {
        maxw = 0;
        for (size_t i = 0; i < n && ok(ch); i++) {
          if (isnan(vals[i])) continue;
          double w, h;
          bp_chart_format_number(vals[i], dec, txt[i], sizeof txt[i]);
          measure(ch, &val, txt[i], 0, &w, &h);
          maxw = fmax(maxw, w);
        }
        if (maxw <= slot - 1.5 || pass == 1) break;
        val.size_pt = ch->fs * 0.8;
      }
      size_t imax = n, imin = n, ilast = n;
      for (size_t i = 0; i < n; i++) {
        if (isnan(vals[i])) continue;
        if (imax == n || vals[i] > vals[imax]) imax = i;
        if (imin == n || vals[i] < vals[imin]) imin = i;
        ilast = i;
      }
      bool all = maxw <= slot - 1.5;
      for (size_t i = 0; i < n && ok(ch); i++) {
        if (isnan(vals[i]) || (!all && i != imax && i != imin && i != ilast)) continue;
        double w, h, cx = px0 + slot * (i + 0.5), y = ymap(&ya, vals[i]);
        measure(ch, &val, txt[i], 0, &w, &h);
        bool down = vals[i] < 0;
        double ly = down ? y + 1.5 : y - 1.5;
        /* slide a label wider than its slot inside the box at the edges */
        cx = fmax(cx, ch->bx + w / 2);
        cx = fmin(cx, ch->bx + ch->bw - w / 2);
        box b = anchor_box(cx, ly, w, h, 0.5, down ? 0 : 1);
        if (box_free(ch, b)) put_label(ch, &val, txt[i], 0, w, h, cx, ly, 0.5, down ? 0 : 1);
      }
      free(txt);
    }

    /* category labels under the plot */
    double ly = ya.py1 + 4;
    for (size_t i = 0; i < n && ok(ch); i++) {
      if (!pl.text[i] || !*pl.text[i]) continue;
      double cx = px0 + slot * (i + 0.5), w = pl.w[i], h = pl.h[i], ax = 0.5;
      if (cx - w / 2 < px0) cx = px0, ax = 0;
      if (cx + w / 2 > px1) cx = px1, ax = 1;
      box b = anchor_box(cx, ly, w, h, ax, 0);
      if (box_free(ch, b)) put_label(ch, &tick, pl.text[i], pl.wrap, w, h, cx, ly, ax, 0);
    }
  }
  catplan_free(&pl, n);
  for (size_t i = 0; i < n; i++) free(cat[i]);
  free(cat);
  free(vals);
}

/* ---- line charts ---------------------------------------------------------------------- */

static int cmp_x(const void *a, const void *b) {
  const bp_chart_point *p = *(const bp_chart_point *const *)a,
                       *q = *(const bp_chart_point *const *)b;
  if (p->x < q->x) return -1;
  if (p->x > q->x) return 1;
  return p < q ? -1 : p > q;
}

/* The points of series s with a finite x, sorted by x (stable). */
static const bp_chart_point **sorted_points(const bp_chart_series *s, size_t *n_out) {
  const bp_chart_point **v = bp_malloc((s->n_points ? s->n_points : 1) * sizeof *v);
  size_t n = 0;
  for (size_t i = 0; i < s->n_points; i++)
    if (isfinite(s->points[i].x)) v[n++] = &s->points[i];
  qsort(v, n, sizeof *v, cmp_x);
  *n_out = n;
  return v;
}

/* True when every point is a whole year (x = year + 0.5). */
static bool years_only(const chart *ch) {
  for (size_t i = 0; i < ch->n_series; i++)
    for (size_t j = 0; j < ch->series[i].n_points; j++) {
      double x = ch->series[i].points[j].x;
      if (isfinite(x) && fabs(x - floor(x) - 0.5) > 1e-9) return false;
    }
  return true;
}

/* The x domain of all points with padding; a single x gets a window. */
static void x_domain(const chart *ch, double xmin, double xmax, double *lo, double *hi) {
  bool date = ch->spec->x_is_date;
  if (date && years_only(ch)) {
    *lo = floor(xmin);
    *hi = floor(xmax) + 1;
    return;
  }
  double span = xmax - xmin;
  if (span <= 0) {
    double w = date ? 0.5 : (xmin == 0 ? 1 : fabs(xmin) * 0.5);
    *lo = xmin - w, *hi = xmax + w;
    return;
  }
  double pad = span * 0.04;
  if (date) pad = fmax(pad, 2 / 365.0);
  *lo = xmin - pad, *hi = xmax + pad;
}

static bool make_x_axis(chart *ch, xaxis *ax, const bp_style *st) {
  if (ch->spec->x_is_date) return date_axis(ch, ax, years_only(ch), st);
  return number_axis(ch, ax, st);
}

static void draw_line(chart *ch) {
  double top, bottom;
  bool legend = ch->n_series > 1;
  if (!draw_frame(ch, legend, &top, &bottom)) return;

  size_t ns = ch->n_series;
  const bp_chart_point ***pts = bp_calloc(ns, sizeof *pts);
  size_t *np = bp_calloc(ns, sizeof *np);
  double xmin = INFINITY, xmax = -INFINITY, lo = INFINITY, hi = -INFINITY;
  size_t n_all = 0;
  for (size_t i = 0; i < ns; i++) {
    pts[i] = sorted_points(&ch->series[i], &np[i]);
    for (size_t j = 0; j < np[i]; j++) {
      const bp_chart_point *p = pts[i][j];
      xmin = fmin(xmin, p->x), xmax = fmax(xmax, p->x);
      if (isnan(p->y)) continue;
      lo = fmin(lo, p->y), hi = fmax(hi, p->y);
      n_all++;
    }
  }
  if (n_all == 0) {
    no_data(ch, top, bottom);
    goto done;
  }
  if (ch->spec->y_zero || (lo > 0 && lo <= hi * 0.5) || lo == hi)
    lo = fmin(lo, 0), hi = fmax(hi, 0);
  if (hi < 0 && hi >= lo * 0.5) hi = 0;

  double *all = bp_malloc(n_all * sizeof *all);
  size_t k = 0;
  for (size_t i = 0; i < ns; i++)
    for (size_t j = 0; j < np[i]; j++)
      if (!isnan(pts[i][j]->y)) all[k++] = pts[i][j]->y;
  int dec = bp_chart_value_decimals(all, k, ch->spec->decimals);
  free(all);

  bp_style tick = mkstyle(ch, ch->fs, false, MUTED, BP_ALIGN_CENTER);
  bp_style ytick = mkstyle(ch, ch->fs, false, MUTED, BP_ALIGN_RIGHT);
  bp_style val = mkstyle(ch, ch->fs * 0.95, false, INK, BP_ALIGN_CENTER);
  double lh = line_h(ch, &tick), vh = ch->spec->value_labels ? line_h(ch, &val) : 0;
  double r = 2.6, lw = 1.5;
  yaxis ya;
  memset(&ya, 0, sizeof ya);
  xaxis xa;
  memset(&xa, 0, sizeof xa);
  x_domain(ch, xmin, xmax, &xa.lo, &xa.hi);
  double xl_h = lh;
  for (int it = 0; it < 3 && ok(ch); it++) {
    double py0 = top + lh / 2, py1 = bottom - xl_h - 4;
    /* room for markers and value labels, except beyond a zero baseline */
    double pad = ch->spec->value_labels ? vh + r + 2 : r + 1;
    double pad_bottom = lo == 0 ? 0 : pad, pad_top = hi == 0 ? 0 : pad;
    if (!y_axis(ch, &ya, lo, hi, py0, py1, pad_top, pad_bottom, &ytick)) break;
    xa.px0 = ch->bx + ya.label_w + 6;
    xa.px1 = ch->bx + ch->bw - r - 1;
    if (xa.px1 - xa.px0 < ch->fs * 4) {
      fail_layout(ch, "its x axis");
      break;
    }
    if (!make_x_axis(ch, &xa, &tick)) break;
    if (fabs(xa.label_h - xl_h) < EPS) break;
    xl_h = xa.label_h;
  }
  if (!ok(ch)) goto free_axis;

  draw_y_axis(ch, &ya, xa.px0, xa.px1, &ytick);
  /* the x axis line at the bottom, unless the zero line is there */
  if (!(ya.lo == 0)) {
    cairo_move_to(ch->cr, xa.px0, ya.py1);
    cairo_line_to(ch->cr, xa.px1, ya.py1);
    pen a = stroke_pen(GRID, 0.5);
    emit(ch, &a);
  }
  draw_zero_line(ch, &ya, xa.px0, xa.px1);
  if (ya.lo <= 0 && ya.hi >= 0) obstacle(ch, xa.px0, ymap(&ya, 0), xa.px1, ymap(&ya, 0));
  obstacle(ch, xa.px0, ya.py1, xa.px1, ya.py1);
  draw_x_ticks(ch, &xa, ya.py1, &tick);

  /* lines (NaN breaks a line), then markers on top */
  for (size_t i = 0; i < ns && ok(ch); i++) {
    bool pen_down = false;
    double px = 0, py = 0;
    for (size_t j = 0; j < np[i]; j++) {
      const bp_chart_point *p = pts[i][j];
      if (isnan(p->y)) {
        pen_down = false;
        continue;
      }
      double x = xmap(&xa, p->x), y = ymap(&ya, p->y);
      if (pen_down) {
        cairo_line_to(ch->cr, x, y);
        obstacle(ch, px, py, x, y);
      } else {
        cairo_move_to(ch->cr, x, y);
      }
      pen_down = true;
      px = x, py = y;
    }
    pen lp = series_line_pen(ch, i, lw);
    emit(ch, &lp);
  }
  for (size_t i = 0; i < ns && ok(ch); i++) {
    bool dense = (double)np[i] > (xa.px1 - xa.px0) / (r * 3);
    for (size_t j = 0; j < np[i]; j++) {
      const bp_chart_point *p = pts[i][j];
      if (isnan(p->y)) continue;
      bool isolated =
          (j == 0 || isnan(pts[i][j - 1]->y)) && (j + 1 == np[i] || isnan(pts[i][j + 1]->y));
      if (dense && !isolated && j + 1 != np[i]) continue;
      double x = xmap(&xa, p->x), y = ymap(&ya, p->y);
      marker_path(ch->cr, i, x, y, r);
      occupy(ch, (box){x - r, y - r, x + r, y + r});
    }
    pen mp = series_marker_pen(ch, i);
    emit(ch, &mp);
  }
  if (ch->spec->value_labels) {
    for (size_t i = 0; i < ns && ok(ch); i++) {
      /* crowded: label only the first, last, highest and lowest points */
      size_t first = np[i], last = np[i], imax = np[i], imin = np[i], valid = 0;
      for (size_t j = 0; j < np[i]; j++) {
        double v = pts[i][j]->y;
        if (isnan(v)) continue;
        valid++;
        if (first == np[i]) first = j;
        last = j;
        if (imax == np[i] || v > pts[i][imax]->y) imax = j;
        if (imin == np[i] || v < pts[i][imin]->y) imin = j;
      }
      char probe[64];
      double pw_, ph_;
      bp_chart_format_number(pts[i][imax < np[i] ? imax : 0]->y, dec, probe, sizeof probe);
      measure(ch, &val, probe, 0, &pw_, &ph_);
      bool crowded = (double)valid * (pw_ + ch->fs) > xa.px1 - xa.px0;
      for (size_t j = 0; j < np[i] && ok(ch); j++) {
        const bp_chart_point *p = pts[i][j];
        if (isnan(p->y)) continue;
        if (crowded && j != first && j != last && j != imax && j != imin) continue;
        char t[64];
        bp_chart_format_number(p->y, dec, t, sizeof t);
        /* below when the line comes down to a local minimum */
        bool below = false;
        const bp_chart_point *prev = j > 0 ? pts[i][j - 1] : NULL;
        const bp_chart_point *next = j + 1 < np[i] ? pts[i][j + 1] : NULL;
        if (prev && next && !isnan(prev->y) && !isnan(next->y))
          below = prev->y > p->y && next->y > p->y;
        value_label(ch, &val, t, xmap(&xa, p->x), ymap(&ya, p->y), r, below);
      }
    }
  }
free_axis:
  free(xa.ticks);
done:
  for (size_t i = 0; i < ns; i++) free(pts[i]);
  free(pts);
  free(np);
}

/* ---- timelines -------------------------------------------------------------------------- */

typedef struct event {
  const bp_chart_point *p;
  double sx;            /* stem x on the page */
  char *label, *detail; /* fitted */
  double lw, lh, dw, dh;
  double w, h; /* block */
  int level;   /* -1 = no room: dot only */
  bool right;  /* label left of the stem */
  double x0, x1;
} event;

static void events_free_text(event *ev, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(ev[i].label);
    free(ev[i].detail);
    ev[i].label = ev[i].detail = NULL;
  }
}

static bool stem_in(double s, const event *e) { return s > e->x0 - 1.5 && s < e->x1 + 1.5; }

static void set_side(event *e, bool right) {
  e->right = right;
  e->x0 = right ? e->sx - 3 - e->w : e->sx + 3;
  e->x1 = e->x0 + e->w;
}

/* May event i take level k with its current side? Its label must keep 4 pt
 * from labels on the same level, no stem of a higher event may cross it, and
 * its own stem may not cross a label below it. */
static bool level_free(const event *ev, size_t n, size_t i, int k) {
  const event *e = &ev[i];
  for (size_t j = 0; j < n; j++) {
    const event *f = &ev[j];
    if (j == i || f->level < 0) continue;
    if (f->level == k && e->x0 < f->x1 + 4 && f->x0 < e->x1 + 4) return false;
    if (f->level > k && stem_in(f->sx, e)) return false;
    if (f->level < k && stem_in(e->sx, f)) return false;
  }
  return true;
}

/* Greedy levels, events taken left to right or right to left: each takes
 * the lowest level where it is free with its label right of the stem (if it
 * fits there), else the lowest with the label left of it. Returns the number of levels used;
 * *unplaced counts events left without a label. */
static int place_events(event *ev, size_t n, int max_levels, bool reverse, double left,
                        double right, size_t *unplaced) {
  int used = 0;
  *unplaced = 0;
  for (size_t i = 0; i < n; i++) ev[i].level = -1;
  for (size_t t = 0; t < n; t++) {
    size_t i = reverse ? n - 1 - t : t;
    event *e = &ev[i];
    bool can_r = e->sx + 3 + e->w <= right + EPS, can_l = e->sx - 3 - e->w >= left - EPS;
    bool first_right = can_r || !can_l; /* label right of the stem */
    for (int side = 0; side < 2 && e->level < 0; side++) {
      bool label_right = side == 0 ? first_right : !first_right;
      if (side == 1 && !(label_right ? can_r : can_l)) continue;
      set_side(e, !label_right);
      for (int k = 0; k < max_levels && e->level < 0; k++)
        if (level_free(ev, n, i, k)) e->level = k;
    }
    if (e->level < 0) {
      set_side(e, !first_right);
      (*unplaced)++;
    } else if (e->level + 1 > used) {
      used = e->level + 1;
    }
  }
  return used;
}

/* Both orders; keeps the one that places more labels on fewer levels. */
static int assign_levels(event *ev, size_t n, int max_levels, double left, double right,
                         size_t *unplaced) {
  size_t un_f, un_r;
  int used_f = place_events(ev, n, max_levels, false, left, right, &un_f);
  int used_r = place_events(ev, n, max_levels, true, left, right, &un_r);
  if (un_f < un_r || (un_f == un_r && used_f < used_r)) {
    *unplaced = un_f;
    return place_events(ev, n, max_levels, false, left, right, &un_f);
  }
  *unplaced = un_r;
  return used_r;
}

static void draw_timeline(chart *ch) {
  double top, bottom;
  if (!draw_frame(ch, false, &top, &bottom)) return;
  size_t n;
  const bp_chart_point **pts = sorted_points(&ch->series[0], &n);
  if (n == 0) {
    no_data(ch, top, bottom);
    free(pts);
    return;
  }
  double r = 2.6;
  bp_style tick = mkstyle(ch, ch->fs, false, MUTED, BP_ALIGN_CENTER);
  xaxis xa;
  memset(&xa, 0, sizeof xa);
  double xmin = pts[0]->x, xmax = pts[n - 1]->x;
  x_domain(ch, xmin, xmax, &xa.lo, &xa.hi);
  xa.px0 = ch->bx + r + 1;
  xa.px1 = ch->bx + ch->bw - r - 1;
  event *ev = bp_calloc(n, sizeof *ev);
  if (!make_x_axis(ch, &xa, &tick)) goto done;
  double axis_y = bottom - xa.label_h - 4;
  double band_bottom = axis_y - r - 5;
  bool with_year = xmax - xmin > 1.0;

  /* try: full size with dates, smaller, without dates, smaller without */
  static const double scales[] = {1.0, 0.88, 1.0, 0.88};
  int max_levels = 0, used = 0;
  double level_h = 0;
  bp_style name = tick, det = tick;
  for (int cfg = 0; cfg < 4 && ok(ch); cfg++) {
    bool details = cfg < 2;
    name = mkstyle(ch, ch->fs * scales[cfg], false, INK, BP_ALIGN_LEFT);
    det = mkstyle(ch, ch->fs * scales[cfg] * 0.9, false, MUTED, BP_ALIGN_LEFT);
    events_free_text(ev, n);
    double block_h = 0;
    for (size_t i = 0; i < n && ok(ch); i++) {
      event *e = &ev[i];
      e->p = pts[i];
      e->sx = xmap(&xa, pts[i]->x);
      double room = fmax(e->sx - 3 - ch->bx, ch->bx + ch->bw - e->sx - 3);
      double maxw = fmin(room, fmin(ch->bw * 0.45, ch->fs * 18));
      e->label = fit_text(ch, &name, pts[i]->label ? pts[i]->label : "", maxw, 1, &e->lw, &e->lh);
      e->dw = e->dh = 0;
      if (details) {
        char d[64];
        const char *dt = pts[i]->detail;
        if (!dt && ch->spec->x_is_date)
          dt = bp_chart_format_date(pts[i]->x, with_year, ch->spec->lang, d, sizeof d);
        if (!dt)
          dt = bp_chart_format_x(pts[i]->x, bp_chart_value_decimals(&pts[i]->x, 1, 0), d, sizeof d);
        e->detail = fit_text(ch, &det, dt, maxw, 1, &e->dw, &e->dh);
      }
      if (!ok(ch)) break;
      e->w = fmax(e->lw, e->dw);
      e->h = e->lh + e->dh;
      block_h = fmax(block_h, e->h);
    }
    if (!ok(ch)) break;
    level_h = block_h + 2;
    max_levels = (int)((band_bottom - top + 2) / level_h);
    size_t unplaced;
    used = assign_levels(ev, n, max_levels, ch->bx, ch->bx + ch->bw, &unplaced);
    if (unplaced == 0) break;
  }
  if (!ok(ch)) goto done;
  if (max_levels < 1) {
    fail_layout(ch, "its event labels");
    goto done;
  }
  /* spread the levels over the band, up to 1.6 times their height */
  if (used > 0) level_h = fmin(fmax(level_h, (band_bottom - top + 2) / used), level_h * 1.6);

  /* axis, ticks, stems, dots, labels */
  cairo_move_to(ch->cr, ch->bx, axis_y);
  cairo_line_to(ch->cr, ch->bx + ch->bw, axis_y);
  pen a = stroke_pen(AXIS, 0.75);
  emit(ch, &a);
  draw_x_ticks(ch, &xa, axis_y, &tick);
  for (size_t i = 0; i < n; i++) {
    if (ev[i].level < 0) continue;
    double block_top = band_bottom - (ev[i].level + 1) * level_h + 2;
    cairo_move_to(ch->cr, ev[i].sx, axis_y);
    cairo_line_to(ch->cr, ev[i].sx, block_top);
  }
  pen sp = stroke_pen(STEM, 0.5);
  emit(ch, &sp);
  for (size_t i = 0; i < n; i++) {
    cairo_new_sub_path(ch->cr);
    cairo_arc(ch->cr, ev[i].sx, axis_y, r, 0, 2 * PI);
    cairo_close_path(ch->cr);
  }
  pen dots = series_marker_pen(ch, 0);
  emit(ch, &dots);
  for (size_t i = 0; i < n && ok(ch); i++) {
    event *e = &ev[i];
    if (e->level < 0) continue;
    double block_top = band_bottom - (e->level + 1) * level_h + 2;
    double x = e->right ? e->x1 : e->x0, ax = e->right ? 1 : 0;
    put_label(ch, &name, e->label, 0, e->lw, e->lh, x, block_top, ax, 0);
    if (e->detail) put_label(ch, &det, e->detail, 0, e->dw, e->dh, x, block_top + e->lh, ax, 0);
  }
done:
  events_free_text(ev, n);
  free(ev);
  free(xa.ticks);
  free(pts);
}

/* ---- sparklines ---------------------------------------------------------------------------- */

static void draw_sparkline(chart *ch) {
  size_t n;
  const bp_chart_point **pts = sorted_points(&ch->series[0], &n);
  double xmin = INFINITY, xmax = -INFINITY, lo = INFINITY, hi = -INFINITY;
  const bp_chart_point *last = NULL;
  for (size_t j = 0; j < n; j++) {
    if (isnan(pts[j]->y)) continue;
    xmin = fmin(xmin, pts[j]->x), xmax = fmax(xmax, pts[j]->x);
    lo = fmin(lo, pts[j]->y), hi = fmax(hi, pts[j]->y);
    last = pts[j];
  }
  bp_style st = mkstyle(ch, ch->fs, false, MUTED, BP_ALIGN_LEFT);
  if (!last) {
    fitted_label(ch, &st, "\xE2\x80\x93", ch->bw, 1, ch->bx + ch->bw / 2, ch->by + ch->bh / 2, 0.5,
                 0.5, NULL);
    free(pts);
    return;
  }
  double lw = ch->bh >= 14 ? 1.0 : 0.75, r = fmin(1.8, ch->bh / 5);
  double px0 = ch->bx + r, px1 = ch->bx + ch->bw - r;
  double py0 = ch->by + r + lw / 2, py1 = ch->by + ch->bh - r - lw / 2;
  if (ch->spec->value_labels) {
    char t[64];
    double w, h;
    double v = last->y;
    bp_chart_format_number(v, bp_chart_value_decimals(&v, 1, ch->spec->decimals), t, sizeof t);
    st.color = rgb(ch->ink);
    measure(ch, &st, t, 0, &w, &h);
    if (ok(ch) && w + 3 <= ch->bw * 0.5 && h <= ch->bh + EPS) {
      put_label(ch, &st, t, 0, w, h, ch->bx + ch->bw, ch->by + ch->bh / 2, 1, 0.5);
      px1 -= w + 3;
    }
  }
  if (!ok(ch)) goto done;
  /* the line (NaN breaks it), isolated points as small dots, the last
   * point as a dot in the contrasting colour */
  double *px = bp_malloc(n * sizeof *px), *py = bp_malloc(n * sizeof *py);
  for (size_t j = 0; j < n; j++) {
    px[j] = xmax > xmin ? px0 + (pts[j]->x - xmin) / (xmax - xmin) * (px1 - px0) : (px0 + px1) / 2;
    py[j] = isnan(pts[j]->y) ? NAN
            : hi > lo        ? py1 - (pts[j]->y - lo) / (hi - lo) * (py1 - py0)
                             : (py0 + py1) / 2;
  }
  for (size_t j = 0; j < n; j++) {
    if (isnan(py[j])) continue;
    if (j > 0 && !isnan(py[j - 1]))
      cairo_line_to(ch->cr, px[j], py[j]);
    else
      cairo_move_to(ch->cr, px[j], py[j]);
  }
  pen lp = {false, true, 0, data_rgb(ch, 0), lw, BP_CAP_ROUND, BP_JOIN_ROUND, 0, 0};
  emit(ch, &lp);
  for (size_t j = 0; j < n; j++) {
    bool alone = !isnan(py[j]) && (j == 0 || isnan(py[j - 1])) && (j + 1 == n || isnan(py[j + 1]));
    if (!alone || pts[j] == last) continue;
    cairo_new_sub_path(ch->cr);
    cairo_arc(ch->cr, px[j], py[j], fmax(lw, r * 0.6), 0, 2 * PI);
    cairo_close_path(ch->cr);
  }
  pen iso = {true, false, data_rgb(ch, 0), 0, 0, BP_CAP_BUTT, BP_JOIN_MITER, 0, 0};
  emit(ch, &iso);
  for (size_t j = 0; j < n; j++) {
    if (pts[j] != last) continue;
    cairo_new_sub_path(ch->cr);
    cairo_arc(ch->cr, px[j], py[j], r, 0, 2 * PI);
    cairo_close_path(ch->cr);
  }
  pen dot = {true, false, SPARK_END, 0, 0, BP_CAP_BUTT, BP_JOIN_MITER, 0, 0};
  emit(ch, &dot);
  free(px);
  free(py);
done:
  free(pts);
}

/* ---- entry point ------------------------------------------------------------------------- */

static bp_status check_spec(chart *ch) {
  const bp_chart_spec *s = ch->spec;
  const char *t = s->title ? s->title : bp_chart_kind_name(s->kind);
  if ((int)s->kind < 0 || s->kind > BP_CHART_SPARKLINE)
    return bp_error(ch->ctx, BP_ERR_USAGE, "chart \"%s\": unknown kind %d", t, (int)s->kind);
  if (s->n_series > 1 && s->kind != BP_CHART_LINE)
    return bp_error(ch->ctx, BP_ERR_DATA, "chart \"%s\": a %s chart takes one series, not %zu", t,
                    bp_chart_kind_name(s->kind), s->n_series);
  if ((s->n_series && !s->series) || (!s->n_series && s->n_points && !s->points))
    return bp_error(ch->ctx, BP_ERR_USAGE, "chart \"%s\": points missing", t);
  if (!(isfinite(ch->bx) && isfinite(ch->by) && isfinite(ch->bw) && isfinite(ch->bh)) ||
      ch->bw < 10 || ch->bh < 4)
    return bp_error(ch->ctx, BP_ERR_LAYOUT, "chart \"%s\": box %.0f x %.0f pt is too small", t,
                    ch->bw, ch->bh);
  if (s->kind != BP_CHART_SPARKLINE && (ch->bw < ch->fs * 10 || ch->bh < ch->fs * 8))
    return bp_error(ch->ctx, BP_ERR_LAYOUT, "chart \"%s\": box %.0f x %.0f pt is too small", t,
                    ch->bw, ch->bh);
  for (size_t i = 0; i < ch->n_series; i++) {
    const bp_chart_series *se = &ch->series[i];
    if (se->n_points && !se->points)
      return bp_error(ch->ctx, BP_ERR_USAGE, "chart \"%s\": series %zu has no points", t, i + 1);
    for (size_t j = 0; j < se->n_points; j++) {
      const bp_chart_point *p = &se->points[j];
      if (isinf(p->y) || isinf(p->x))
        return bp_error(ch->ctx, BP_ERR_DATA, "chart \"%s\": point %zu of series %zu is infinite",
                        t, j + 1, i + 1);
      if (fabs(p->y) > 1e15 || fabs(p->x) > 1e15)
        return bp_error(ch->ctx, BP_ERR_DATA,
                        "chart \"%s\": point %zu of series %zu is too large to chart (%g, %g)", t,
                        j + 1, i + 1, p->x, p->y);
      if (s->x_is_date && s->kind != BP_CHART_BAR && !isnan(p->x) && (p->x < 1 || p->x > 10000))
        return bp_error(ch->ctx, BP_ERR_DATA, "chart \"%s\": point %zu: %g is not a year", t, j + 1,
                        p->x);
    }
  }
  return BP_OK;
}

bp_status bp_chart_draw(bp_typesetter *ts, bp_ctx *ctx, bp_dlist *dl, bp_dl_page *pg,
                        const bp_chart_spec *spec, double x_pt, double y_pt, double w_pt,
                        double h_pt) {
  if (!spec || !ts || !dl || !pg)
    return bp_error(ctx, BP_ERR_USAGE, "bp_chart_draw: %s is NULL",
                    !spec ? "spec"
                    : !ts ? "typesetter"
                    : !dl ? "display list"
                          : "page");
  chart ch;
  memset(&ch, 0, sizeof ch);
  ch.ts = ts;
  ch.ctx = ctx;
  ch.dl = dl;
  ch.pg = pg;
  ch.spec = spec;
  ch.bx = x_pt, ch.by = y_pt, ch.bw = w_pt, ch.bh = h_pt;
  ch.family = spec->family && *spec->family ? spec->family : DEFAULT_FAMILY;
  const bp_chart_colors *cc = spec->colors;
  ch.ink = cc ? rgb_of(cc->ink) : INK;
  ch.muted = cc ? rgb_of(cc->muted) : MUTED;
  ch.n_data = cc && cc->n_data ? cc->n_data : N_PALETTE;
  if (ch.n_data > BP_CHART_MAX_COLORS) ch.n_data = BP_CHART_MAX_COLORS;
  for (size_t i = 0; i < ch.n_data; i++)
    ch.data[i] = cc && cc->n_data ? rgb_of(cc->data[i]) : palette[i];
  ch.fs =
      spec->font_size_pt > 0 ? spec->font_size_pt : (spec->kind == BP_CHART_SPARKLINE ? 6.5 : 7.5);
  if (spec->n_series > 0) {
    ch.series = spec->series;
    ch.n_series = spec->n_series;
  } else {
    ch.one = (bp_chart_series){NULL, spec->points, spec->n_points};
    ch.series = &ch.one;
    ch.n_series = 1;
  }
  bp_status st = check_spec(&ch);
  if (st) return st;

  /* the chart is a figure, described by its one sentence */
  int was = bp_dl_begin(dl, pg, BP_ROLE_FIGURE);
  if (pg->node >= 0) {
    bp_dl_node *fig = &dl->nodes[pg->node];
    fig->alt = bp_chart_describe(spec);
    fig->bbox[0] = x_pt, fig->bbox[1] = y_pt, fig->bbox[2] = w_pt, fig->bbox[3] = h_pt;
  }
  ch.surface = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
  ch.cr = cairo_create(ch.surface);
  cairo_set_tolerance(ch.cr, 0.01); /* arcs stay round at 600 dpi */
  switch (spec->kind) {
  case BP_CHART_BAR: draw_bar(&ch); break;
  case BP_CHART_LINE: draw_line(&ch); break;
  case BP_CHART_TIMELINE: draw_timeline(&ch); break;
  case BP_CHART_SPARKLINE: draw_sparkline(&ch); break;
  }
  bp_dl_end(pg, was);
  cairo_destroy(ch.cr);
  cairo_surface_destroy(ch.surface);
  free(ch.boxes);
  free(ch.segs);
  if (ch.st && ctx->status == BP_OK) bp_error(ctx, ch.st, "chart: drawing failed");
  return ch.st;
}
