/* chart_text.c - the words and numbers of charts: kind names, decimal-year
 * dates, number formatting, 1-2-5 axis scales and the one-sentence chart
 * description used for alt text and e-mail. Pure functions over plain data:
 * no Pango, no cairo, no display list (drawing lives in chart.c). */
#include "chart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- kinds ------------------------------------------------------------ */

static const char *const kind_names[] = {"bar", "line", "timeline", "sparkline"};

bp_status bp_chart_kind_from_name(bp_ctx *ctx, const char *name, bp_chart_kind *out) {
  for (size_t i = 0; name && i < sizeof kind_names / sizeof *kind_names; i++) {
    if (strcasecmp(name, kind_names[i]) == 0) {
      *out = (bp_chart_kind)i;
      return BP_OK;
    }
  }
  if (!ctx) return BP_ERR_DATA;
  return bp_error(ctx, BP_ERR_DATA,
                  "unknown chart kind \"%s\" (expected bar, line, timeline or sparkline)",
                  name ? name : "(null)");
}

const char *bp_chart_kind_name(bp_chart_kind kind) {
  if ((int)kind < 0 || (size_t)kind >= sizeof kind_names / sizeof *kind_names) return "?";
  return kind_names[kind];
}

/* ---- dates ------------------------------------------------------------ */

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static int year_days(int y) { return is_leap(y) ? 366 : 365; }

static int month_days(int y, int m) {
  static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Days of the year before the first of month m (1..12). */
static int days_before(int y, int m) {
  static const int cum[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  return cum[m - 1] + (m > 2 && is_leap(y));
}

double bp_chart_decimal_year(int year, int month, int day) {
  if (month <= 0 || month > 12) return year + 0.5;
  double n = year_days(year);
  if (day <= 0) return year + (days_before(year, month) + month_days(year, month) / 2.0) / n;
  if (day > month_days(year, month)) day = month_days(year, month);
  return year + (days_before(year, month) + day - 0.5) / n;
}

void bp_chart_date_of(double x, int *year, int *month, int *day) {
  if (!(fabs(x) < 1e6)) x = 0.5; /* NaN or far beyond any calendar: year 0 */
  int y = (int)floor(x);
  *year = y;
  *month = 0;
  *day = 0;
  if (fabs(x - (y + 0.5)) < 1e-9) return;       /* year only */
  int doy = (int)floor((x - y) * year_days(y)); /* 0-based */
  int m = 12;
  while (m > 1 && days_before(y, m) > doy) m--;
  *month = m;
  if (fabs(x - bp_chart_decimal_year(y, m, 0)) < 1e-9) return; /* month only */
  *day = doy - days_before(y, m) + 1;
}

static bool parse_digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bp_status bp_chart_parse_date(bp_ctx *ctx, const char *text, double *out) {
  const char *s = text ? text : "";
  size_t n = strlen(s);
  int y = 0, m = 0, d = 0;
  bool ok = (n == 4 || n == 7 || n == 10) && parse_digits(s, 4, &y) && y >= 1;
  if (ok && n >= 7) ok = s[4] == '-' && parse_digits(s + 5, 2, &m) && m >= 1 && m <= 12;
  if (ok && n == 10)
    ok = s[7] == '-' && parse_digits(s + 8, 2, &d) && d >= 1 && d <= month_days(y, m);
  if (!ok && !ctx) return BP_ERR_DATA;
  if (!ok)
    return bp_error(ctx, BP_ERR_DATA, "chart date \"%s\" is not YYYY, YYYY-MM or YYYY-MM-DD", s);
  *out = bp_chart_decimal_year(y, m, d);
  return BP_OK;
}

static bool is_ko(const char *lang) { return lang && strncmp(lang, "ko", 2) == 0; }

char *bp_chart_format_date(double x, bool with_year, const char *lang, char *buf, size_t size) {
  static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int y, m, d;
  if (!(fabs(x) < 1e6)) {
    snprintf(buf, size, "?");
    return buf;
  }
  bp_chart_date_of(x, &y, &m, &d);
  bool ko = is_ko(lang);
  if (m == 0)
    snprintf(buf, size, ko ? "%d년" : "%d", y);
  else if (ko && d == 0 && with_year)
    snprintf(buf, size, "%d년 %d월", y, m);
  else if (ko && d == 0)
    snprintf(buf, size, "%d월", m);
  else if (ko && with_year)
    snprintf(buf, size, "%d년 %d월 %d일", y, m, d);
  else if (ko)
    snprintf(buf, size, "%d월 %d일", m, d);
  else if (d == 0 && with_year)
    snprintf(buf, size, "%s %d", mon[m - 1], y);
  else if (d == 0)
    snprintf(buf, size, "%s", mon[m - 1]);
  else if (with_year)
    snprintf(buf, size, "%d %s %d", d, mon[m - 1], y);
  else
    snprintf(buf, size, "%d %s", d, mon[m - 1]);
  return buf;
}

/* ---- numbers ---------------------------------------------------------- */

char *bp_chart_format_number(double v, int decimals, char *buf, size_t size) {
  if (size == 0) return buf;
  if (isnan(v)) {
    snprintf(buf, size, "\xE2\x80\x93"); /* en dash */
    return buf;
  }
  if (isinf(v)) {
    snprintf(buf, size, v < 0 ? "\xE2\x80\x93\xE2\x88\x9E" : "\xE2\x88\x9E");
    return buf;
  }
  if (decimals < 0) decimals = 0;
  if (decimals > 6) decimals = 6;
  char digits[400];
  snprintf(digits, sizeof digits, "%.*f", decimals, fabs(v));
  bool neg = v < 0 && strtod(digits, NULL) != 0; /* no "−0" */
  const char *dot = strchr(digits, '.');
  size_t int_len = dot ? (size_t)(dot - digits) : strlen(digits);
  char out[600];
  size_t o = 0;
  if (neg) {
    memcpy(out, "\xE2\x80\x93", 3); /* en dash: the fonts lack U+2212 */
    o = 3;
  }
  for (size_t i = 0; i < int_len; i++) {
    if (i > 0 && (int_len - i) % 3 == 0) out[o++] = ',';
    out[o++] = digits[i];
  }
  if (dot) {
    size_t rest = strlen(dot);
    memcpy(out + o, dot, rest);
    o += rest;
  }
  out[o] = '\0';
  snprintf(buf, size, "%s", out);
  return buf;
}

char *bp_chart_format_x(double x, int decimals, char *buf, size_t size) {
  bp_chart_format_number(x, decimals, buf, size);
  if (fabs(x) < 10000) { /* "2001", not "2,001" */
    char *comma = strchr(buf, ',');
    if (comma) memmove(comma, comma + 1, strlen(comma));
  }
  return buf;
}

int bp_chart_value_decimals(const double *values, size_t n, int decimals) {
  if (decimals < 0) return 0;
  if (decimals > 0) return decimals > 6 ? 6 : decimals;
  for (int d = 0; d < 3; d++) {
    double p = pow(10, d);
    bool exact = true;
    for (size_t i = 0; i < n && exact; i++) {
      if (!isfinite(values[i])) continue;
      double s = values[i] * p;
      if (fabs(s - nearbyint(s)) > 1e-6 * fmax(1.0, fabs(s))) exact = false;
    }
    if (exact) return d;
  }
  return 3;
}

void bp_chart_nice_scale(double lo, double hi, int max_ticks, double *lo_out, double *hi_out,
                         double *step_out) {
  if (max_ticks < 1) max_ticks = 1;
  if (!isfinite(lo) || !isfinite(hi)) lo = 0, hi = 1;
  if (hi < lo) {
    double t = lo;
    lo = hi;
    hi = t;
  }
  if (hi == lo) {
    double a = lo == 0 ? 1 : fabs(lo) * 0.1;
    if (lo >= 0 && lo - a < 0)
      lo = 0, hi = hi + a;
    else
      lo -= a, hi += a;
  }
  double raw = (hi - lo) / max_ticks;
  double mag = pow(10, floor(log10(raw)));
  static const double mult[] = {1, 2, 5, 10, 20};
  double step = mag * 10;
  double a = 0, b = 0;
  for (size_t i = 0; i < sizeof mult / sizeof *mult; i++) {
    step = mag * mult[i];
    a = floor(lo / step + 1e-9);
    b = ceil(hi / step - 1e-9);
    if (b - a <= max_ticks) break;
  }
  *lo_out = a * step + 0.0; /* + 0.0: no negative zero */
  *hi_out = b * step + 0.0;
  *step_out = step;
}

/* ---- the description ---------------------------------------------------- */

typedef struct desc_series {
  const char *name;
  const bp_chart_point *p;
  size_t n;
} desc_series;

/* The text naming point p's x: its label, else a date or number. */
static void x_name(const bp_chart_spec *spec, const bp_chart_point *p, char *buf, size_t size) {
  if (p->label && *p->label)
    snprintf(buf, size, "%s", p->label);
  else if (spec->x_is_date)
    bp_chart_format_date(p->x, true, spec->lang, buf, size);
  else if (isfinite(p->x))
    bp_chart_format_x(p->x, bp_chart_value_decimals(&p->x, 1, 0), buf, size);
  else
    snprintf(buf, size, "?");
}

/* A number for plain text: ASCII hyphen-minus instead of the dash. `dec`
 * < 0: as few decimals as show v exactly. */
static void num(bp_buf *b, double v, int dec) {
  char tmp[64];
  if (dec < 0) dec = bp_chart_value_decimals(&v, 1, 0);
  bp_chart_format_number(v, dec, tmp, sizeof tmp);
  if (v < 0 && strncmp(tmp, "\xE2\x80\x93", 3) == 0) {
    bp_buf_putc(b, '-');
    bp_buf_puts(b, tmp + 3);
  } else {
    bp_buf_puts(b, tmp);
  }
}

static int series_decimals(const bp_chart_spec *spec, const desc_series *s, size_t ns) {
  size_t n = 0;
  for (size_t i = 0; i < ns; i++) n += s[i].n;
  double *v = bp_malloc((n ? n : 1) * sizeof *v);
  size_t k = 0;
  for (size_t i = 0; i < ns; i++)
    for (size_t j = 0; j < s[i].n; j++) v[k++] = s[i].p[j].y;
  int d = bp_chart_value_decimals(v, k, spec->decimals);
  free(v);
  return spec->decimals == 0 ? -1 : d; /* auto: each value as written */
}

/* "2016–2022": the x extent of all points (years for dates). */
static void x_range(bp_buf *b, const bp_chart_spec *spec, const desc_series *s, size_t ns) {
  const bp_chart_point *first = NULL, *last = NULL;
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < ns; i++) {
    for (size_t j = 0; j < s[i].n; j++) {
      const bp_chart_point *p = &s[i].p[j];
      if (!first) first = p;
      last = p;
      if (isfinite(p->x)) lo = fmin(lo, p->x), hi = fmax(hi, p->x);
    }
  }
  if (!first) return;
  char a[128], c[128];
  if (spec->kind == BP_CHART_BAR || !(lo <= hi)) {
    x_name(spec, first, a, sizeof a);
    x_name(spec, last, c, sizeof c);
  } else if (spec->x_is_date && fabs(lo) < 1e6 && fabs(hi) < 1e6) {
    snprintf(a, sizeof a, "%d", (int)floor(lo));
    snprintf(c, sizeof c, "%d", (int)floor(hi));
  } else {
    double ext[2] = {lo, hi};
    int d = bp_chart_value_decimals(ext, 2, 0);
    bp_chart_format_x(lo, d, a, sizeof a);
    bp_chart_format_x(hi, d, c, sizeof c);
  }
  if (b->len) bp_buf_puts(b, ", ");
  bp_buf_puts(b, a);
  if (strcmp(a, c) != 0) {
    bp_buf_puts(b, "\xE2\x80\x93"); /* en dash */
    bp_buf_puts(b, c);
  }
}

/* "1,650.5 in 2022" / "1,650.5 (2022)". */
static void value_at(bp_buf *b, const bp_chart_spec *spec, const bp_chart_point *p, int dec) {
  char x[128];
  x_name(spec, p, x, sizeof x);
  num(b, p->y, dec);
  int y, m, d = 0;
  if (spec->x_is_date && isfinite(p->x)) bp_chart_date_of(p->x, &y, &m, &d);
  bp_buf_printf(b, is_ko(spec->lang) ? " (%s)" : d ? " on %s" : " in %s", x);
}

/* Bars: highest and lowest, then the categories without data. */
static void describe_bars(bp_buf *b, const bp_chart_spec *spec, const desc_series *s, int dec) {
  bool ko = is_ko(spec->lang);
  const bp_chart_point *mx = NULL, *mn = NULL;
  size_t valid = 0, gaps = 0;
  for (size_t j = 0; j < s->n; j++) {
    const bp_chart_point *p = &s->p[j];
    if (isnan(p->y)) {
      gaps++;
      continue;
    }
    valid++;
    if (!mx || p->y > mx->y) mx = p;
    if (!mn || p->y < mn->y) mn = p;
  }
  if (valid == 0) {
    bp_buf_puts(b, ko ? "데이터 없음" : "no data");
    return;
  }
  if (valid == 1 || mx->y == mn->y) {
    if (valid > 1) bp_buf_puts(b, ko ? "모두 " : "all ");
    if (valid > 1) {
      num(b, mx->y, dec);
    } else {
      value_at(b, spec, mx, dec);
    }
  } else {
    bp_buf_puts(b, ko ? "최고 " : "highest ");
    value_at(b, spec, mx, dec);
    bp_buf_puts(b, ko ? ", 최저 " : ", lowest ");
    value_at(b, spec, mn, dec);
  }
  if (gaps) {
    bp_buf_puts(b, ko ? "; 데이터 없음: " : "; no data for ");
    size_t k = 0;
    for (size_t j = 0; j < s->n; j++) {
      if (!isnan(s->p[j].y)) continue;
      char x[128];
      x_name(spec, &s->p[j], x, sizeof x);
      bp_buf_printf(b, "%s%s", k++ ? ", " : "", x);
    }
  }
}

/* Lines and sparklines: first to last value, extremes when they are not
 * the ends. Points are taken in x order. */
static void describe_trend(bp_buf *b, const bp_chart_spec *spec, const desc_series *s, int dec) {
  bool ko = is_ko(spec->lang);
  const bp_chart_point *first = NULL, *last = NULL, *mx = NULL, *mn = NULL;
  size_t valid = 0;
  for (size_t j = 0; j < s->n; j++) {
    const bp_chart_point *p = &s->p[j];
    if (isnan(p->y) || !isfinite(p->x)) continue;
    valid++;
    if (!first || p->x < first->x) first = p;
    if (!last || p->x >= last->x) last = p;
    if (!mx || p->y > mx->y) mx = p;
    if (!mn || p->y < mn->y) mn = p;
  }
  if (valid == 0) {
    bp_buf_puts(b, ko ? "데이터 없음" : "no data");
    return;
  }
  if (valid == 1) {
    value_at(b, spec, first, dec);
    return;
  }
  if (ko) {
    value_at(b, spec, first, dec);
    bp_buf_puts(b, " \xE2\x86\x92 "); /* → */
    value_at(b, spec, last, dec);
  } else {
    bp_buf_puts(b, "from ");
    value_at(b, spec, first, dec);
    bp_buf_puts(b, " to ");
    value_at(b, spec, last, dec);
  }
  if (mx->y > fmax(first->y, last->y)) {
    bp_buf_puts(b, ko ? ", 최고 " : ", highest ");
    value_at(b, spec, mx, dec);
  }
  if (mn->y < fmin(first->y, last->y)) {
    bp_buf_puts(b, ko ? ", 최저 " : ", lowest ");
    value_at(b, spec, mn, dec);
  }
}

static int cmp_point_x(const void *a, const void *b) {
  const bp_chart_point *p = *(const bp_chart_point *const *)a,
                       *q = *(const bp_chart_point *const *)b;
  if (p->x < q->x) return -1;
  if (p->x > q->x) return 1;
  return p < q ? -1 : p > q; /* stable: keep input order for equal dates */
}

/* Timelines: "3 events: Uganda (23 Oct 2023), ..." in date order. */
static void describe_events(bp_buf *b, const bp_chart_spec *spec, const desc_series *s) {
  enum { MAX_LISTED = 12 };
  bool ko = is_ko(spec->lang);
  const bp_chart_point **ev = bp_malloc((s->n ? s->n : 1) * sizeof *ev);
  size_t n = 0;
  for (size_t j = 0; j < s->n; j++)
    if (isfinite(s->p[j].x)) ev[n++] = &s->p[j];
  qsort(ev, n, sizeof *ev, cmp_point_x);
  if (n == 0)
    bp_buf_puts(b, ko ? "데이터 없음" : "no data");
  else if (ko)
    bp_buf_printf(b, "사건 %zu건: ", n);
  else
    bp_buf_printf(b, "%zu event%s: ", n, n == 1 ? "" : "s");
  for (size_t i = 0; i < n && i < MAX_LISTED; i++) {
    char d[128];
    if (spec->x_is_date)
      bp_chart_format_date(ev[i]->x, true, spec->lang, d, sizeof d);
    else
      bp_chart_format_x(ev[i]->x, bp_chart_value_decimals(&ev[i]->x, 1, 0), d, sizeof d);
    if (i) bp_buf_puts(b, ", ");
    if (ev[i]->label && *ev[i]->label)
      bp_buf_printf(b, "%s (%s)", ev[i]->label, d);
    else
      bp_buf_puts(b, d);
  }
  if (n > MAX_LISTED) {
    if (ko)
      bp_buf_printf(b, " 외 %zu건", n - MAX_LISTED);
    else
      bp_buf_printf(b, " and %zu more", n - MAX_LISTED);
  }
  free(ev);
}

char *bp_chart_describe(const bp_chart_spec *spec) {
  bp_buf b = {0};
  if (!spec) {
    bp_buf_puts(&b, "");
    return bp_buf_detach(&b);
  }
  bool ko = is_ko(spec->lang);
  static const char *const en_kind[] = {"Bar chart", "Line chart", "Timeline", "Sparkline"};
  static const char *const ko_kind[] = {"막대 그래프", "선 그래프", "연표", "스파크라인"};
  int k = (int)spec->kind >= 0 && spec->kind <= BP_CHART_SPARKLINE ? (int)spec->kind : 0;
  bp_buf_puts(&b, ko ? ko_kind[k] : en_kind[k]);

  desc_series one = {NULL, spec->points, spec->n_points};
  const desc_series *s = &one;
  desc_series *many = NULL;
  size_t ns = 1;
  if (spec->n_series > 0) {
    many = bp_malloc(spec->n_series * sizeof *many);
    for (size_t i = 0; i < spec->n_series; i++)
      many[i] =
          (desc_series){spec->series[i].name, spec->series[i].points, spec->series[i].n_points};
    s = many;
    ns = spec->n_series;
  }

  /* "Kind: title, unit, range; " (or "Kind: " when none of them is known) */
  bp_buf head = {0};
  if (spec->title && *spec->title) bp_buf_puts(&head, spec->title);
  if (spec->unit && *spec->unit) bp_buf_printf(&head, "%s%s", head.len ? ", " : "", spec->unit);
  x_range(&head, spec, s, ns);
  if (head.len)
    bp_buf_printf(&b, ": %s; ", head.data);
  else
    bp_buf_puts(&b, ": ");
  bp_buf_free(&head);

  int dec = series_decimals(spec, s, ns);
  for (size_t i = 0; i < ns; i++) {
    if (i) bp_buf_puts(&b, "; ");
    if (ns > 1 && s[i].name) bp_buf_printf(&b, "%s: ", s[i].name);
    switch (spec->kind) {
    case BP_CHART_BAR: describe_bars(&b, spec, &s[i], dec); break;
    case BP_CHART_TIMELINE: describe_events(&b, spec, &s[i]); break;
    default: describe_trend(&b, spec, &s[i], dec); break;
    }
  }
  bp_buf_putc(&b, '.');
  free(many);
  return bp_buf_detach(&b);
}
