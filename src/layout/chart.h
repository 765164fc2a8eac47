/* chart.h - charts as vector paths and real text: bar, line, timeline and
 * sparkline charts laid out into a box of a display-list page. Geometry is
 * built with cairo's path API and copied into bp_dl_path items; every label
 * is Pango text drawn with bp_label_draw in the document's fonts. Plain
 * arrays in, display list out: nothing here knows the data layer. */
#ifndef BP_CHART_H
#define BP_CHART_H

#include "layout.h"

#include <math.h>

typedef enum bp_chart_kind {
  BP_CHART_BAR,      /* one bar per point, in order; x labels are categories */
  BP_CHART_LINE,     /* one or more series on a numeric or date x axis */
  BP_CHART_TIMELINE, /* events (x, label) on a date axis; y is ignored */
  BP_CHART_SPARKLINE /* a word-sized line without axes for tables and profiles */
} bp_chart_kind;

/** One data point. Strings are borrowed for the duration of the call. */
typedef struct bp_chart_point {
  double x;           /* decimal year when the spec's x_is_date (see
                         bp_chart_decimal_year), else any number; bars ignore
                         x except to derive a missing label */
  double y;           /* the value; NAN = missing (drawn as a gap) */
  const char *label;  /* bar: category ("2022"); line: how to name x in the
                         description ("Dec 2023"); timeline: the event
                         ("Uganda"). NULL: derived from x */
  const char *detail; /* timeline: second line under the event label; NULL:
                         the date from x ("23 Oct") */
} bp_chart_point;

/** A named series (several of them only make sense for line charts). */
typedef struct bp_chart_series {
  const char *name; /* legend entry; NULL for the single unnamed series */
  const bp_chart_point *points;
  size_t n_points;
} bp_chart_series;

/** The colours of a chart (a template's palette): text in `ink`, ticks,
 * units and the source in `muted`, series and bars in `data` in turn (at
 * most BP_CHART_MAX_COLORS are used). */
#define BP_CHART_MAX_COLORS 8
typedef struct bp_chart_colors {
  bp_color ink, muted;
  const bp_color *data;
  size_t n_data; /* 0: the default data colours (Okabe-Ito) */
} bp_chart_colors;

/** What to draw. Zero-initialise and set what you need: zero means the
 * default everywhere. */
typedef struct bp_chart_spec {
  bp_chart_kind kind;
  const char *title;            /* drawn bold at the top; NULL = none */
  const char *unit;             /* "USD millions": under the title and in the
                                   description; NULL = none */
  const char *source_text;      /* "Source: Chainalysis (2023)" under the chart */
  const char *source_dest;      /* internal named destination the source line links
                                   to ("note-3"); NULL = no link */
  const bp_chart_point *points; /* the single series ... */
  size_t n_points;
  const bp_chart_series *series; /* ... or several (wins when n_series > 0) */
  size_t n_series;
  bool value_labels;             /* print values at bars / points (sparkline: the last) */
  bool x_is_date;                /* x holds decimal years: date axis and date labels */
  bool y_zero;                   /* line: always include zero on the y axis (bars and
                                    timelines always do, sparklines never) */
  int decimals;                  /* digits after the point in value labels: 1..6 fixed;
                                    0 = as few as show every value exactly (at most 3);
                                    -1 = integers */
  const char *family;            /* Pango family list; NULL = "Noto Sans, NanumGothic" */
  double font_size_pt;           /* axis label size; 0 = 7.5 (sparkline: 6.5). Title,
                                    values and source scale with it */
  const char *lang;              /* "ko": Korean dates and description; NULL = English */
  const bp_chart_colors *colors; /* NULL: dark grey text, Okabe-Ito data colours */
} bp_chart_spec;

/** Lays out and draws the chart into the box (x, y, w, h) (points, top-left
 * origin) of page `pg` of `dl`. Nothing is drawn outside the box; labels that
 * cannot be placed without overlapping are wrapped, shortened with an
 * ellipsis, thinned out or (value labels only) left out. The source line
 * carries a link to spec->source_dest. An empty or all-missing series draws
 * a "No data" placeholder. Sparklines draw only the line, its last point and
 * (value_labels) the last value: no title, unit, axes or source line.
 * Thread-safe for distinct typesetters and display lists.
 * Fails with BP_ERR_USAGE for a NULL spec or an unknown kind, BP_ERR_DATA
 * for infinite values or values beyond 1e15, dates outside the years
 * 1..10000, several series on a non-line chart or invalid UTF-8,
 * BP_ERR_LAYOUT when the box is too small for the chart's text, or the
 * error of bp_label_draw. On failure the page may hold a partial chart. */
bp_status bp_chart_draw(bp_typesetter *ts, bp_ctx *ctx, bp_dlist *dl, bp_dl_page *pg,
                        const bp_chart_spec *spec, double x_pt, double y_pt, double w_pt,
                        double h_pt);

/** The one-sentence description of the chart for alt text and e-mail, e.g.
 * "Bar chart: North Korea's crypto theft, USD millions, 2016–2022; highest
 * 1,650.5 in 2022, lowest 1.5 in 2016." Owned by the caller (free()).
 * Never NULL; a NULL spec gives an empty string. */
char *bp_chart_describe(const bp_chart_spec *spec);

/** "bar", "line", "timeline", "sparkline" (case-insensitive) to a kind.
 * BP_ERR_DATA naming the word when it is none of them (ctx may be NULL:
 * then only the status). */
bp_status bp_chart_kind_from_name(bp_ctx *ctx, const char *name, bp_chart_kind *out);
/** The kind's name as bp_chart_kind_from_name takes it ("?" if invalid). */
const char *bp_chart_kind_name(bp_chart_kind kind);

/* ---- dates ----------------------------------------------------------- */

/** The decimal year of a date: the middle of the day, year + (day-of-year -
 * 0.5) / days-in-year, so 2023-12-05 is 2023.927. Partial dates: day 0 is the
 * middle of the month, month 0 the middle of the year (year + 0.5). */
double bp_chart_decimal_year(int year, int month, int day);
/** The inverse of bp_chart_decimal_year: the date x falls in. *month and
 * *day are 0 when x is exactly a partial date (mid-month or mid-year). */
void bp_chart_date_of(double x, int *year, int *month, int *day);
/** Parses "2023", "2023-10" or "2023-12-05" (ISO 8601 calendar dates, years
 * 1..9999) into a decimal year. BP_ERR_DATA quoting the text otherwise
 * (ctx may be NULL). */
bp_status bp_chart_parse_date(bp_ctx *ctx, const char *text, double *out);
/** Writes a date label for x: "5 Dec 2023", "Dec 2023", "2023" after x's
 * precision; with_year false drops the year from day and month dates ("5
 * Dec"). lang "ko" gives "2023년 12월 5일" style. Returns `buf`. */
char *bp_chart_format_date(double x, bool with_year, const char *lang, char *buf, size_t size);

/* ---- numbers and axes ------------------------------------------------ */

/** Formats v with `decimals` digits after the point (>= 0), thousands
 * separators and an en dash as the minus (the project's fonts have no
 * U+2212; a hyphen is too short): 1650.5, 1 -> "1,650.5"; -1234 -> "–1,234".
 * NaN gives "–" too. Returns `buf` (32 bytes are enough). */
char *bp_chart_format_number(double v, int decimals, char *buf, size_t size);
/** Like bp_chart_format_number, for x values: no thousands separator below
 * 10,000 ("2001", "9999", "12,500"). */
char *bp_chart_format_x(double x, int decimals, char *buf, size_t size);
/** The decimals bp_chart_draw uses for `values` (see bp_chart_spec.decimals;
 * 0 = auto). NaNs are ignored. */
int bp_chart_value_decimals(const double *values, size_t n, int decimals);

/** A "nice" axis: the smallest 1-2-5 step (times a power of ten) that covers
 * [lo, hi] with at most `max_ticks` intervals, and the covering range
 * [*lo_out, *hi_out] on multiples of that step. lo == hi is widened. */
void bp_chart_nice_scale(double lo, double hi, int max_ticks, double *lo_out, double *hi_out,
                         double *step_out);

#endif
