/* test_chart.c - charts: golden traces of every kind and its edge cases
 * (negative values, gaps, a single point, no data, long and Korean labels,
 * crowded axes and timelines), no two labels overlapping and nothing outside
 * the box, the source-line link, the descriptions, the date/number/scale
 * helpers, errors, and PDF and PNG renderings agreeing.
 * BP_UPDATE_GOLDEN=1 rewrites the goldens in tests/golden/chart/;
 * BP_CHART_VIEW=dir writes every case as PNG (100 and 300 dpi) and PDF. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "layout/chart.h"
#include "render/render.h"

#include "fonts_fixture.h"

/* ---- the data ---------------------------------------------------------- */

#define Y(y) ((y) + 0.5)
static const bp_chart_point crypto[] = {
    {Y(2016), 1.5, "2016", NULL},   {Y(2017), 29.2, "2017", NULL},  {Y(2018), 522.3, "2018", NULL},
    {Y(2019), 271.1, "2019", NULL}, {Y(2020), 299.5, "2020", NULL}, {Y(2021), 428.8, "2021", NULL},
    {Y(2022), 1650.5, "2022", NULL}};

static bp_chart_point missions[4];
static bp_chart_point embassies[4];
static bp_chart_point closures[10];
static bp_chart_point closures_ko[6];

static void init_dates(void) {
  static bool done;
  if (done) return;
  done = true;
  const struct {
    int y, m, d;
    double v;
    const char *label;
  } mc[] = {{2020, 10, 0, 53, "Oct 2020"},
            {2023, 10, 0, 53, "Oct 2023"},
            {2023, 12, 5, 46, "5 Dec 2023"},
            {2024, 1, 30, 44, "30 Jan 2024"}};
  const double emb[] = {47, 47, 40, 39};
  for (int i = 0; i < 4; i++) {
    missions[i] = (bp_chart_point){bp_chart_decimal_year(mc[i].y, mc[i].m, mc[i].d), mc[i].v,
                                   mc[i].label, NULL};
    embassies[i] = missions[i];
    embassies[i].y = emb[i];
  }
  const struct {
    const char *c;
    int y, m, d;
  } cl[] = {{"Uganda", 2023, 10, 23},     {"Angola", 2023, 10, 25},
            {"Spain", 2023, 10, 26},      {"Nepal", 2023, 11, 6},
            {"Bangladesh", 2023, 11, 20}, {"DR Congo (reported)", 2023, 11, 28},
            {"Senegal", 2023, 12, 5},     {"Guinea", 2023, 12, 5},
            {"Hong Kong", 2024, 1, 4},    {"Libya", 2024, 1, 30}};
  for (int i = 0; i < 10; i++)
    closures[i] =
        (bp_chart_point){bp_chart_decimal_year(cl[i].y, cl[i].m, cl[i].d), NAN, cl[i].c, NULL};
  const char *ko[] = {"우간다", "앙골라", "스페인", "네팔", "방글라데시", "홍콩 총영사관"};
  const int idx[] = {0, 1, 2, 3, 4, 8};
  for (int i = 0; i < 6; i++) {
    closures_ko[i] = closures[idx[i]];
    closures_ko[i].label = ko[i];
  }
}

static const bp_chart_point negatives[] = {{Y(2018), -120, "2018", NULL},
                                           {Y(2019), 35.5, "2019", NULL},
                                           {Y(2020), -60.25, "2020", NULL},
                                           {Y(2021), 80, "2021", NULL},
                                           {Y(2022), -1500, "2022", NULL}};
static const bp_chart_point gaps[] = {
    {Y(2016), 1.5, "2016", NULL},   {Y(2017), 29.2, "2017", NULL}, {Y(2018), NAN, "2018", NULL},
    {Y(2019), 271.1, "2019", NULL}, {Y(2020), NAN, "2020", NULL},  {Y(2021), 428.8, "2021", NULL},
    {Y(2022), 1650.5, "2022", NULL}};
static const bp_chart_point single[] = {{Y(2022), 1650.5, "2022", NULL}};
static const bp_chart_point korean_cats[] = {
    {0, 8100, "중국", NULL},
    {1, 2400, "러시아", NULL},
    {2, 950, "아프리카 연합 회원국", NULL},
    {3, 310, "동남아시아국가연합(ASEAN) 회원국 전체", NULL},
    {4, 45, "Latin America and the Caribbean", NULL}};
static const bp_chart_point line_numeric[] = {
    {1, -2.5, NULL, NULL}, {2, 1.25, NULL, NULL}, {3, 3.75, NULL, NULL}, {4, NAN, NULL, NULL},
    {5, -0.5, NULL, NULL}, {6, NAN, NULL, NULL},  {7, 2, NULL, NULL},    {8, 4.5, NULL, NULL},
    {9, 3, NULL, NULL},    {10, 5.25, NULL, NULL}};
static const bp_chart_point year_events[] = {{Y(1948), NAN, "DPRK founded", NULL},
                                             {Y(1991), NAN, "UN membership", NULL},
                                             {Y(2006), NAN, "First nuclear test", NULL},
                                             {Y(2017), NAN, "Sixth nuclear test", NULL},
                                             {Y(2023), NAN, "Embassy closures", NULL}};

static bp_chart_point many[30];
static bp_chart_point monthly[72];
static void init_many(void) {
  for (int i = 0; i < 72; i++)
    monthly[i] = (bp_chart_point){bp_chart_decimal_year(2018 + i / 12, 1 + i % 12, 0),
                                  1000 + 400 * sin(i / 5.0) + 13 * i, NULL, NULL};
  monthly[30].y = NAN;
  static char labels[30][8];
  for (int i = 0; i < 30; i++) {
    snprintf(labels[i], sizeof labels[i], "%d", 1996 + i);
    many[i] = (bp_chart_point){Y(1996 + i), 100 + 80 * sin(i * 0.7) + i * 9, labels[i], NULL};
  }
}

/* ---- the cases ------------------------------------------------------------ */

typedef struct gcase {
  const char *name;
  double w, h;
  bp_chart_spec spec;
  bp_chart_series series[2];
} gcase;

#define SRC "Source: Chainalysis (2023)"
#define N(a) (sizeof(a) / sizeof *(a))

static size_t make_cases(gcase *c) {
  init_dates();
  init_many();
  size_t n = 0;
  bp_chart_spec s;

#define ADD(nm, W, H)                                                                              \
  do {                                                                                             \
    memset(&c[n], 0, sizeof c[n]);                                                                 \
    c[n].name = nm;                                                                                \
    c[n].w = W;                                                                                    \
    c[n].h = H;                                                                                    \
    c[n].spec = s;                                                                                 \
    n++;                                                                                           \
  } while (0)

  memset(&s, 0, sizeof s);
  s.kind = BP_CHART_BAR;
  s.title = "North Korea's crypto theft";
  s.unit = "USD millions";
  s.source_text = SRC;
  s.source_dest = "note-3";
  s.points = crypto;
  s.n_points = N(crypto);
  s.value_labels = true;
  ADD("bar_crypto", 400, 240);
  ADD("bar_crypto_narrow", 200, 150);

  s.title = "Trade balance with a long title that has to wrap onto a second line in a narrow box";
  s.unit = "USD millions";
  s.points = negatives;
  s.n_points = N(negatives);
  s.source_text = "Source: invented for the test";
  s.source_dest = NULL;
  ADD("bar_negative", 300, 220);

  s.title = "Crypto theft with missing years";
  s.points = gaps;
  s.n_points = N(gaps);
  s.source_text = SRC;
  ADD("bar_gaps", 360, 200);

  s.title = "A single year";
  s.points = single;
  s.n_points = 1;
  ADD("bar_single", 300, 180);

  s.title = "북한의 무역 상대 (단위: 백만 달러)";
  s.unit = "2023년 기준";
  s.source_text = "출처: KOTRA (2024)";
  s.points = korean_cats;
  s.n_points = N(korean_cats);
  s.lang = "ko";
  ADD("bar_korean_long_labels", 320, 220);
  s.lang = NULL;

  s.title = "Thirty years of an invented index";
  s.unit = NULL;
  s.source_text = NULL;
  s.points = many;
  s.n_points = N(many);
  s.value_labels = false;
  ADD("bar_many_years", 360, 180);

  s.value_labels = true; /* too many to label: highest, lowest and last only */
  ADD("bar_many_years_values", 300, 160);
  s.value_labels = false;

  s.title = "Empty";
  s.points = NULL;
  s.n_points = 0;
  ADD("bar_no_data", 240, 140);

  memset(&s, 0, sizeof s);
  s.kind = BP_CHART_LINE;
  s.title = "North Korea's diplomatic missions";
  s.unit = "Embassies, consulates general and representative offices";
  s.source_text = "Source: ROK Ministry of Foreign Affairs via VOA, Dong-A Ilbo, MBC, Korea Herald";
  s.source_dest = "note-7";
  s.points = missions;
  s.n_points = 4;
  s.value_labels = true;
  s.x_is_date = true;
  ADD("line_missions", 400, 220);
  ADD("line_missions_narrow", 220, 160);
  s.y_zero = true;
  ADD("line_missions_zero", 400, 220);
  s.y_zero = false;

  ADD("line_two_series", 400, 230);
  c[n - 1].series[0] = (bp_chart_series){"All missions", missions, 4};
  c[n - 1].series[1] = (bp_chart_series){"Embassies", embassies, 4};
  c[n - 1].spec.n_series = 2;
  c[n - 1].spec.points = NULL;
  c[n - 1].spec.n_points = 0;

  memset(&s, 0, sizeof s);
  s.kind = BP_CHART_LINE; /* whole years: labels centred on each year */
  s.title = "North Korea's crypto theft";
  s.unit = "USD millions";
  s.points = crypto;
  s.n_points = N(crypto);
  s.x_is_date = true;
  s.value_labels = true;
  ADD("line_years", 360, 200);

  memset(&s, 0, sizeof s);
  s.kind = BP_CHART_LINE;
  s.title = "An index with gaps and negative values";
  s.points = line_numeric;
  s.n_points = N(line_numeric);
  s.value_labels = true;
  ADD("line_gaps_negative", 360, 200);

  s.title = "One observation";
  s.points = &missions[2];
  s.n_points = 1;
  s.x_is_date = true;
  ADD("line_single", 300, 180);

  s.title = "Monthly, dense";
  s.points = monthly;
  s.n_points = N(monthly);
  s.value_labels = true;
  ADD("line_dense_monthly", 360, 180);
  s.value_labels = false;

  s.title = "All missing";
  s.points = closures; /* y is NaN throughout */
  s.n_points = 3;
  ADD("line_all_missing", 240, 140);

  memset(&s, 0, sizeof s);
  s.kind = BP_CHART_TIMELINE;
  s.title = "North Korean missions closed, Oct 2023 – Jan 2024";
  s.source_text = "Sources: see notes 4–12";
  s.source_dest = "note-4";
  s.points = closures;
  s.n_points = N(closures);
  s.x_is_date = true;
  ADD("timeline_closures", 440, 200);
  ADD("timeline_closures_narrow", 220, 200);
  ADD("timeline_closures_cramped", 300, 110);

  s.title = "북한 공관 철수";
  s.source_text = "출처: 외교부";
  s.source_dest = NULL;
  s.points = closures_ko;
  s.n_points = N(closures_ko);
  s.lang = "ko";
  ADD("timeline_korean", 360, 160);
  s.lang = NULL;

  s.title = "Milestones";
  s.source_text = NULL;
  s.points = year_events;
  s.n_points = N(year_events);
  ADD("timeline_years", 400, 150);

  s.title = "Too many events for the box";
  s.points = closures;
  s.n_points = N(closures);
  ADD("timeline_overflow", 150, 90);

  s.title = "One event";
  s.points = &closures[4];
  s.n_points = 1;
  ADD("timeline_single", 240, 120);

  memset(&s, 0, sizeof s);
  s.kind = BP_CHART_SPARKLINE;
  s.points = crypto;
  s.n_points = N(crypto);
  s.value_labels = true;
  s.x_is_date = true;
  ADD("sparkline", 90, 16);
  s.value_labels = false;
  ADD("sparkline_plain", 60, 12);
  s.points = gaps;
  s.n_points = N(gaps);
  s.value_labels = true;
  ADD("sparkline_gaps", 90, 16);
  s.points = single;
  s.n_points = 1;
  ADD("sparkline_single", 60, 12);
  s.points = NULL;
  s.n_points = 0;
  ADD("sparkline_no_data", 60, 12);
#undef ADD
  return n;
}

#define MAX_CASES 40
#define MARGIN 20.0

/* Draws case `c` onto a page of its own with the chart at (MARGIN, MARGIN). */
static bp_dlist *draw_case(gcase *c, bp_status *st, bp_ctx *ctx) {
  if (c->spec.n_series) c->spec.series = c->series;
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, c->w + 2 * MARGIN, c->h + 2 * MARGIN);
  if (c->spec.source_dest) bp_dl_add_dest(pg, c->spec.source_dest, 0); /* the endnote */
  bp_ctx_init(ctx);
  *st = bp_chart_draw(ts, ctx, dl, pg, &c->spec, MARGIN, MARGIN, c->w, c->h);
  return dl;
}

static char *trace_of(const bp_dlist *dl) {
  char *out = NULL;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_dlist_run(dl, bp_trace_device_new(NULL, &out), &ctx), BP_OK);
  return out;
}

/* ---- goldens ----------------------------------------------------------------- */

static void golden_traces(void **state) {
  (void)state;
  gcase cases[MAX_CASES];
  size_t n = make_cases(cases);
  bool update = getenv("BP_UPDATE_GOLDEN") && strcmp(getenv("BP_UPDATE_GOLDEN"), "1") == 0;
  int failures = 0;
  for (size_t i = 0; i < n; i++) {
    bp_ctx ctx;
    bp_status st;
    bp_dlist *dl = draw_case(&cases[i], &st, &ctx);
    if (st) fprintf(stderr, "%s: %s\n", cases[i].name, ctx.msg);
    assert_int_equal(st, BP_OK);
    char *desc = bp_chart_describe(&cases[i].spec);
    char *tr = trace_of(dl);
    bp_buf want = {0};
    bp_buf_printf(&want, "# %s\n%s", desc, tr);
    char path[256];
    snprintf(path, sizeof path, "tests/golden/chart/%s.trace", cases[i].name);
    if (update) {
      bp_ctx c2;
      bp_ctx_init(&c2);
      mkdir("tests/golden", 0777);
      mkdir("tests/golden/chart", 0777);
      assert_int_equal(bp_file_write_atomic(&c2, path, want.data, want.len), BP_OK);
    } else {
      char *have = NULL;
      size_t len = 0;
      bp_ctx c2;
      bp_ctx_init(&c2);
      if (bp_file_read(&c2, path, &have, &len) || strcmp(have, want.data) != 0) {
        fprintf(stderr, "golden %s differs (BP_UPDATE_GOLDEN=1 rewrites it)\n", path);
        char got[300];
        snprintf(got, sizeof got, "/tmp/chart-%s.trace", cases[i].name);
        FILE *f = fopen(got, "w");
        if (f) {
          fputs(want.data, f);
          fclose(f);
          fprintf(stderr, "  got: %s\n", got);
        }
        failures++;
      }
      free(have);
    }
    bp_buf_free(&want);
    free(tr);
    free(desc);
    bp_dlist_free(dl);
  }
  assert_int_equal(failures, 0);
}

/* ---- geometry checks ------------------------------------------------------------ */

typedef struct rect {
  double x0, y0, x1, y1;
} rect;

/* The ink box of a run: the advance by ascender-to-descender of the size. */
static rect run_box(const bp_dl_text *t) {
  return (rect){t->x_pt, t->y_pt - 0.8 * t->size_pt, t->x_pt + t->width_pt,
                t->y_pt + 0.22 * t->size_pt};
}

static bool intersects(rect a, rect b) {
  const double e = 0.05;
  return a.x0 < b.x1 - e && b.x0 < a.x1 - e && a.y0 < b.y1 - e && b.y0 < a.y1 - e;
}

static void labels_never_overlap_nor_leave_the_box(void **state) {
  (void)state;
  gcase cases[MAX_CASES];
  size_t n = make_cases(cases);
  for (size_t c = 0; c < n; c++) {
    bp_ctx ctx;
    bp_status st;
    bp_dlist *dl = draw_case(&cases[c], &st, &ctx);
    assert_int_equal(st, BP_OK);
    const bp_dl_page *pg = &dl->pages[0];
    rect chart = {MARGIN, MARGIN, MARGIN + cases[c].w, MARGIN + cases[c].h};
    size_t n_text = 0;
    for (size_t i = 0; i < pg->n_items; i++) {
      const bp_dl_item *it = &pg->items[i];
      /* vector only: text, paths and links (and the test's own endnote dest) */
      assert_true(it->kind == BP_DL_TEXT || it->kind == BP_DL_PATH || it->kind == BP_DL_LINK ||
                  it->kind == BP_DL_DEST);
      if (it->kind == BP_DL_PATH) {
        const bp_dl_path *p = &it->u.path;
        double slack = p->stroke ? p->line_width_pt / 2 + 0.01 : 0.01;
        double cx = 0, cy = 0; /* current point */
        for (size_t k = 0; k < p->n_segs; k++) {
          const double *q = p->segs[k].pts;
          if (p->segs[k].op == BP_PATH_CLOSE) continue;
          /* points on the segment (curves sampled: control points may lie outside) */
          for (int t = 1; t <= 16; t++) {
            double u = t / 16.0, x = q[0], y = q[1];
            if (p->segs[k].op == BP_PATH_CURVE) {
              double a = (1 - u) * (1 - u) * (1 - u), b = 3 * u * (1 - u) * (1 - u),
                     d = 3 * u * u * (1 - u), e = u * u * u;
              x = a * cx + b * q[0] + d * q[2] + e * q[4];
              y = a * cy + b * q[1] + d * q[3] + e * q[5];
            }
            if (x < chart.x0 - slack || x > chart.x1 + slack || y < chart.y0 - slack ||
                y > chart.y1 + slack)
              fail_msg("%s: path point %.2f,%.2f outside the box", cases[c].name, x, y);
          }
          int last = p->segs[k].op == BP_PATH_CURVE ? 4 : 0;
          cx = q[last], cy = q[last + 1];
        }
      }
      if (it->kind != BP_DL_TEXT) continue;
      n_text++;
      rect a = run_box(&it->u.text);
      if (a.x0 < chart.x0 - 0.05 || a.x1 > chart.x1 + 0.05 || a.y0 < chart.y0 - 0.05 ||
          a.y1 > chart.y1 + 0.05)
        fail_msg("%s: \"%.*s\" outside the box", cases[c].name, (int)it->u.text.text_len,
                 it->u.text.text);
      for (size_t j = i + 1; j < pg->n_items; j++) {
        if (pg->items[j].kind != BP_DL_TEXT) continue;
        if (intersects(a, run_box(&pg->items[j].u.text)))
          fail_msg("%s: \"%.*s\" overlaps \"%.*s\"", cases[c].name, (int)it->u.text.text_len,
                   it->u.text.text, (int)pg->items[j].u.text.text_len, pg->items[j].u.text.text);
      }
    }
    if (cases[c].spec.kind != BP_CHART_SPARKLINE || cases[c].spec.value_labels)
      assert_true(n_text > 0);
    bp_dlist_free(dl);
  }
}

static const bp_dl_item *find_text(const bp_dl_page *pg, const char *s) {
  for (size_t i = 0; i < pg->n_items; i++)
    if (pg->items[i].kind == BP_DL_TEXT && pg->items[i].u.text.text_len == strlen(s) &&
        memcmp(pg->items[i].u.text.text, s, strlen(s)) == 0)
      return &pg->items[i];
  return NULL;
}

static void bar_chart_content(void **state) {
  (void)state;
  gcase cases[MAX_CASES];
  make_cases(cases);
  bp_ctx ctx;
  bp_status st;
  bp_dlist *dl = draw_case(&cases[0], &st, &ctx); /* bar_crypto */
  assert_int_equal(st, BP_OK);
  const bp_dl_page *pg = &dl->pages[0];
  /* every value with thousands separators, every year, the ticks, title */
  const char *want[] = {"1.5",          "29.2",
                        "522.3",        "271.1",
                        "299.5",        "428.8",
                        "1,650.5",      "2016",
                        "2022",         "0",
                        "500",          "1,000",
                        "1,500",        "North Korea\xE2\x80\x99s crypto theft",
                        "USD millions", SRC};
  for (size_t i = 0; i < N(want); i++)
    if (!find_text(pg, want[i])) fail_msg("no label \"%s\"", want[i]);
  /* the source line links to its endnote and covers the source text */
  const bp_dl_item *src = find_text(pg, SRC);
  const bp_dl_link *link = NULL;
  for (size_t i = 0; i < pg->n_items; i++)
    if (pg->items[i].kind == BP_DL_LINK) link = &pg->items[i].u.link;
  assert_non_null(link);
  assert_null(link->uri);
  assert_string_equal(link->dest, "note-3");
  assert_true(link->x_pt <= src->u.text.x_pt + 0.01);
  assert_true(link->x_pt + link->w_pt >= src->u.text.x_pt + src->u.text.width_pt - 0.01);
  assert_true(link->y_pt <= src->u.text.y_pt && link->y_pt + link->h_pt >= src->u.text.y_pt);
  /* the tallest bar is the 2022 one and sits on the zero line */
  double top = 1e9, bottom = 0;
  size_t bars = 0;
  for (size_t i = 0; i < pg->n_items; i++) {
    const bp_dl_path *p = &pg->items[i].u.path;
    if (pg->items[i].kind != BP_DL_PATH || !p->fill || p->stroke) continue;
    for (size_t k = 0; k < p->n_segs; k++) {
      if (p->segs[k].op == BP_PATH_MOVE) bars++;
      if (p->segs[k].op == BP_PATH_CLOSE) continue;
      top = fmin(top, p->segs[k].pts[1]);
      bottom = fmax(bottom, p->segs[k].pts[1]);
    }
  }
  assert_int_equal(bars, 7);
  const bp_dl_item *v = find_text(pg, "1,650.5");
  assert_true(v->u.text.y_pt < top); /* the value label sits above its bar */
  bp_dlist_free(dl);
}

/* Korean labels stay text (selectable) and use the Korean face. */
static void korean_labels_are_text(void **state) {
  (void)state;
  gcase cases[MAX_CASES];
  size_t n = make_cases(cases);
  for (size_t c = 0; c < n; c++) {
    if (strcmp(cases[c].name, "bar_korean_long_labels") != 0) continue;
    bp_ctx ctx;
    bp_status st;
    bp_dlist *dl = draw_case(&cases[c], &st, &ctx);
    assert_int_equal(st, BP_OK);
    assert_non_null(find_text(&dl->pages[0], "중국"));
    bool nanum = false;
    for (size_t i = 0; i < dl->n_fonts; i++)
      if (strstr(dl->fonts[i].family, "Nanum")) nanum = true;
    assert_true(nanum);
    /* the long labels were wrapped or shortened, never dropped */
    size_t cats = 0;
    for (size_t i = 0; i < dl->pages[0].n_items; i++) {
      const bp_dl_item *it = &dl->pages[0].items[i];
      if (it->kind == BP_DL_TEXT &&
          (strstr(it->u.text.text, "회원국") || strstr(it->u.text.text, "\xE2\x80\xA6")))
        cats++;
    }
    assert_true(cats >= 2);
    bp_dlist_free(dl);
  }
}

/* ---- descriptions ------------------------------------------------------------------ */

static void descriptions(void **state) {
  (void)state;
  gcase c[MAX_CASES];
  size_t n = make_cases(c);
  const struct {
    const char *name, *want;
  } d[] = {
      {"bar_crypto", "Bar chart: North Korea's crypto theft, USD millions, 2016\xE2\x80\x93"
                     "2022; "
                     "highest 1,650.5 in 2022, lowest 1.5 in 2016."},
      {"bar_gaps", "Bar chart: Crypto theft with missing years, USD millions, 2016\xE2\x80\x93"
                   "2022; "
                   "highest 1,650.5 in 2022, lowest 1.5 in 2016; no data for 2018, 2020."},
      {"bar_single", "Bar chart: A single year, USD millions, 2022; 1,650.5 in 2022."},
      {"bar_no_data", "Bar chart: Empty; no data."},
      {"bar_negative", "Bar chart: Trade balance with a long title that has to wrap onto a second "
                       "line in a narrow box, USD millions, 2018\xE2\x80\x93"
                       "2022; highest 80 in "
                       "2021, lowest -1,500 in 2022."},
      {"line_missions", "Line chart: North Korea's diplomatic missions, Embassies, consulates "
                        "general and representative offices, 2020\xE2\x80\x93"
                        "2024; from 53 in "
                        "Oct 2020 to 44 on 30 Jan 2024."},
      {"line_two_series",
       "Line chart: North Korea's diplomatic missions, Embassies, consulates "
       "general and representative offices, 2020\xE2\x80\x93"
       "2024; All missions: "
       "from 53 in Oct 2020 to 44 on 30 Jan 2024; Embassies: from 47 in Oct 2020 "
       "to 39 on 30 Jan 2024."},
      {"line_gaps_negative", "Line chart: An index with gaps and negative values, 1\xE2\x80\x93"
                             "10; "
                             "from -2.5 in 1 to 5.25 in 10."},
      {"timeline_closures",
       "Timeline: North Korean missions closed, Oct 2023 \xE2\x80\x93 Jan 2024, "
       "2023\xE2\x80\x93"
       "2024; 10 events: Uganda (23 Oct 2023), Angola (25 Oct "
       "2023), Spain (26 Oct 2023), Nepal (6 Nov 2023), Bangladesh (20 Nov 2023), "
       "DR Congo (reported) (28 Nov 2023), Senegal (5 Dec 2023), Guinea (5 Dec "
       "2023), Hong Kong (4 Jan 2024), Libya (30 Jan 2024)."},
      {"timeline_korean",
       "연표: 북한 공관 철수, 2023\xE2\x80\x93"
       "2024; 사건 6건: 우간다 (2023년 10월 "
       "23일), 앙골라 (2023년 10월 25일), 스페인 (2023년 10월 26일), 네팔 (2023년 "
       "11월 6일), 방글라데시 (2023년 11월 20일), 홍콩 총영사관 (2024년 1월 4일)."},
      {"sparkline", "Sparkline: 2016\xE2\x80\x93"
                    "2022; from 1.5 in 2016 to 1,650.5 in 2022."},
      {"bar_korean_long_labels",
       "막대 그래프: 북한의 무역 상대 (단위: 백만 달러), 2023년 기준, "
       "중국\xE2\x80\x93Latin America and the Caribbean; 최고 8,100 (중국), "
       "최저 45 (Latin America and the Caribbean)."},
  };
  for (size_t i = 0; i < N(d); i++) {
    bool found = false;
    for (size_t k = 0; k < n; k++) {
      if (strcmp(c[k].name, d[i].name) != 0) continue;
      found = true;
      if (c[k].spec.n_series) c[k].spec.series = c[k].series;
      char *s = bp_chart_describe(&c[k].spec);
      if (strcmp(s, d[i].want) != 0) fail_msg("%s:\n have %s\n want %s", d[i].name, s, d[i].want);
      free(s);
    }
    assert_true(found);
  }
  /* interior extremes are named; a line with all values missing says so */
  bp_chart_point pts[] = {{2001, 10, NULL, NULL},
                          {2002, 30, NULL, NULL},
                          {2003, 5, NULL, NULL},
                          {2004, 12, NULL, NULL}};
  bp_chart_spec s = {0};
  s.kind = BP_CHART_LINE;
  s.title = "T";
  s.points = pts;
  s.n_points = 4;
  char *t = bp_chart_describe(&s);
  assert_string_equal(t, "Line chart: T, 2001\xE2\x80\x93"
                         "2004; from 10 in 2001 to 12 in 2004, "
                         "highest 30 in 2002, lowest 5 in 2003.");
  free(t);
  t = bp_chart_describe(NULL);
  assert_string_equal(t, "");
  free(t);
}

/* ---- helpers ------------------------------------------------------------------------- */

static void nice_scales(void **state) {
  (void)state;
  double lo, hi, step;
  bp_chart_nice_scale(0, 1650.5, 5, &lo, &hi, &step);
  assert_true(lo == 0 && hi == 2000 && step == 500);
  bp_chart_nice_scale(44, 53, 5, &lo, &hi, &step);
  assert_true(lo == 44 && hi == 54 && step == 2);
  bp_chart_nice_scale(-1500, 80, 6, &lo, &hi, &step);
  assert_true(lo == -1500 && hi == 500 && step == 500);
  bp_chart_nice_scale(-2.5, 5.25, 8, &lo, &hi, &step);
  assert_true(lo == -4 && hi == 6 && step == 2);
  bp_chart_nice_scale(0, 0, 4, &lo, &hi, &step);
  assert_true(lo == 0 && hi == 1 && step > 0);
  bp_chart_nice_scale(7, 7, 4, &lo, &hi, &step); /* a single value is widened */
  assert_true(lo <= 7 && hi > 7);
  bp_chart_nice_scale(0.001, 0.0042, 4, &lo, &hi, &step);
  assert_true(fabs(step - 0.001) < 1e-12 && fabs(hi - 0.005) < 1e-12);
  /* the step is always 1, 2 or 5 times a power of ten */
  for (int i = 1; i < 200; i++) {
    bp_chart_nice_scale(-i * 3.7, i * i * 1.3, 2 + i % 7, &lo, &hi, &step);
    double m = step / pow(10, floor(log10(step) + 1e-9));
    assert_true(fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 5) < 1e-9);
    assert_true(lo <= -i * 3.7 && hi >= i * i * 1.3);
    assert_true((hi - lo) / step <= 2 + i % 7 + 1e-9);
  }
}

static void numbers(void **state) {
  (void)state;
  char b[64];
  assert_string_equal(bp_chart_format_number(1650.5, 1, b, sizeof b), "1,650.5");
  assert_string_equal(bp_chart_format_number(-1234567, 0, b, sizeof b), "\xE2\x80\x93"
                                                                        "1,234,567");
  assert_string_equal(bp_chart_format_number(999.96, 1, b, sizeof b), "1,000.0");
  assert_string_equal(bp_chart_format_number(-0.001, 1, b, sizeof b), "0.0"); /* no minus zero */
  assert_string_equal(bp_chart_format_number(0.25, 2, b, sizeof b), "0.25");
  assert_string_equal(bp_chart_format_number(100, 0, b, sizeof b), "100");
  assert_string_equal(bp_chart_format_number(NAN, 0, b, sizeof b), "\xE2\x80\x93");
  double v[] = {1.5, 29.2, 1650.5, NAN};
  assert_int_equal(bp_chart_value_decimals(v, 4, 0), 1);
  double w[] = {53, 46, 44};
  assert_int_equal(bp_chart_value_decimals(w, 3, 0), 0);
  double x[] = {-60.25, 35.5};
  assert_int_equal(bp_chart_value_decimals(x, 2, 0), 2);
  assert_int_equal(bp_chart_value_decimals(x, 2, -1), 0);
  assert_int_equal(bp_chart_value_decimals(x, 2, 3), 3);
}

static void dates(void **state) {
  (void)state;
  assert_true(fabs(bp_chart_decimal_year(2023, 12, 5) - (2023 + 338.5 / 365)) < 1e-12);
  assert_true(fabs(bp_chart_decimal_year(2023, 0, 0) - 2023.5) < 1e-12);
  assert_true(fabs(bp_chart_decimal_year(2024, 1, 0) - (2024 + 15.5 / 366)) < 1e-12);
  int y, m, d;
  for (int yy = 2019; yy <= 2024; yy++)
    for (int mm = 1; mm <= 12; mm++)
      for (int dd = 1; dd <= 28; dd += 3) {
        bp_chart_date_of(bp_chart_decimal_year(yy, mm, dd), &y, &m, &d);
        if (dd == 16 || (mm == 7 && dd == 2)) continue; /* may read as a partial date */
        assert_int_equal(y * 10000 + m * 100 + d, yy * 10000 + mm * 100 + dd);
      }
  bp_chart_date_of(bp_chart_decimal_year(2023, 10, 0), &y, &m, &d);
  assert_true(y == 2023 && m == 10 && d == 0);
  bp_chart_date_of(2021.5, &y, &m, &d);
  assert_true(y == 2021 && m == 0 && d == 0);
  char b[64];
  assert_string_equal(bp_chart_format_date(bp_chart_decimal_year(2023, 12, 5), true, NULL, b, 64),
                      "5 Dec 2023");
  assert_string_equal(bp_chart_format_date(bp_chart_decimal_year(2023, 12, 5), false, NULL, b, 64),
                      "5 Dec");
  assert_string_equal(bp_chart_format_date(bp_chart_decimal_year(2020, 10, 0), true, NULL, b, 64),
                      "Oct 2020");
  assert_string_equal(bp_chart_format_date(2016.5, true, NULL, b, 64), "2016");
  assert_string_equal(bp_chart_format_date(bp_chart_decimal_year(2023, 12, 5), true, "ko", b, 64),
                      "2023년 12월 5일");
  assert_string_equal(bp_chart_format_date(bp_chart_decimal_year(2023, 12, 0), true, "ko", b, 64),
                      "2023년 12월");
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  double x;
  assert_int_equal(bp_chart_parse_date(&ctx, "2023-12-05", &x), BP_OK);
  assert_true(fabs(x - bp_chart_decimal_year(2023, 12, 5)) < 1e-12);
  assert_int_equal(bp_chart_parse_date(&ctx, "2020-10", &x), BP_OK);
  assert_true(fabs(x - bp_chart_decimal_year(2020, 10, 0)) < 1e-12);
  assert_int_equal(bp_chart_parse_date(&ctx, "2016", &x), BP_OK);
  assert_true(x == 2016.5);
  assert_int_equal(bp_chart_parse_date(&ctx, "2023-02-29", &x), BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "2023-02-29"));
  const char *bad[] = {"", "23", "2023-1", "2023-13", "2023/10/01", "2023-10-01x", "0000"};
  for (size_t i = 0; i < N(bad); i++) {
    bp_ctx_init(&ctx);
    assert_int_equal(bp_chart_parse_date(&ctx, bad[i], &x), BP_ERR_DATA);
  }
  assert_int_equal(bp_chart_parse_date(&ctx, NULL, &x), BP_ERR_DATA);
}

static void kinds(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_chart_kind k;
  assert_int_equal(bp_chart_kind_from_name(&ctx, "bar", &k), BP_OK);
  assert_int_equal(k, BP_CHART_BAR);
  assert_int_equal(bp_chart_kind_from_name(&ctx, "Timeline", &k), BP_OK);
  assert_int_equal(k, BP_CHART_TIMELINE);
  assert_int_equal(bp_chart_kind_from_name(&ctx, "sparkline", &k), BP_OK);
  assert_int_equal(k, BP_CHART_SPARKLINE);
  assert_string_equal(bp_chart_kind_name(BP_CHART_LINE), "line");
  assert_int_equal(bp_chart_kind_from_name(&ctx, "pie", &k), BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "\"pie\""));
  assert_string_equal(bp_chart_kind_name((bp_chart_kind)42), "?");
  assert_int_equal(bp_chart_kind_from_name(NULL, "pie", &k), BP_ERR_DATA); /* no context */
  assert_int_equal(bp_chart_kind_from_name(NULL, "line", &k), BP_OK);
}

/* ---- errors ---------------------------------------------------------------------------- */

static void errors(void **state) {
  (void)state;
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, 600, 400);
  bp_ctx ctx;
  bp_chart_spec s = {0};
  s.kind = BP_CHART_BAR;
  s.title = "Crypto";
  s.points = crypto;
  s.n_points = N(crypto);

  bp_ctx_init(&ctx);
  assert_int_equal(bp_chart_draw(ts, &ctx, dl, pg, NULL, 0, 0, 300, 200), BP_ERR_USAGE);
  bp_ctx_init(&ctx);
  assert_int_equal(bp_chart_draw(ts, &ctx, dl, pg, &s, 0, 0, 40, 30), BP_ERR_LAYOUT);
  assert_non_null(strstr(ctx.msg, "Crypto"));
  bp_ctx_init(&ctx);
  assert_int_equal(bp_chart_draw(ts, &ctx, dl, pg, &s, 0, 0, NAN, 200), BP_ERR_LAYOUT);

  bp_chart_point inf[] = {{1, INFINITY, "a", NULL}};
  s.points = inf;
  s.n_points = 1;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_chart_draw(ts, &ctx, dl, pg, &s, 0, 0, 300, 200), BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "infinite"));

  bp_chart_series two[2] = {{"a", crypto, 2}, {"b", crypto, 2}};
  s.series = two;
  s.n_series = 2;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_chart_draw(ts, &ctx, dl, pg, &s, 0, 0, 300, 200), BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "one series"));

  s.n_series = 0;
  s.kind = (bp_chart_kind)9;
  s.points = crypto;
  s.n_points = N(crypto);
  bp_ctx_init(&ctx);
  assert_int_equal(bp_chart_draw(ts, &ctx, dl, pg, &s, 0, 0, 300, 200), BP_ERR_USAGE);

  s.kind = BP_CHART_BAR;
  bp_chart_point bad_utf8[] = {{1, 1, "\xC3(", NULL}};
  s.points = bad_utf8;
  s.n_points = 1;
  bp_ctx_init(&ctx);
  assert_int_not_equal(bp_chart_draw(ts, &ctx, dl, pg, &s, 0, 0, 300, 200), BP_OK);
  assert_int_not_equal(ctx.status, BP_OK);

  /* too many labels for a box still succeeds, by thinning and dropping */
  s.points = many;
  s.n_points = N(many);
  s.value_labels = true;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_chart_draw(ts, &ctx, dl, pg, &s, 0, 0, 120, 90), BP_OK);
  bp_dlist_free(dl);
}

/* Odd but valid input draws without overlaps or fails cleanly. */
static void odd_inputs(void **state) {
  (void)state;
  bp_chart_point big[] = {{1, 1.2e12, "a", NULL}, {2, -3.4e11, "b", NULL}, {3, 5e11, "c", NULL}};
  bp_chart_point same[] = {
      {2001.5, 5, NULL, NULL}, {2002.5, 5, NULL, NULL}, {2003.5, 5, NULL, NULL}};
  bp_chart_point tiny[] = {{1, 1e-9, NULL, NULL}, {2, 3e-9, NULL, NULL}};
  bp_chart_point zeros[] = {{1, 0, "x", NULL}, {2, 0, "y", NULL}};
  bp_chart_point nan_x[] = {{NAN, 1, "a", NULL}, {2023.5, 2, "b", NULL}, {NAN, 3, "c", NULL}};
  bp_chart_point far[] = {{1e9, 1, "a", NULL}};
  bp_chart_point huge[] = {{1, 1e300, "a", NULL}};
  static bp_chart_point lots[2000];
  for (int i = 0; i < 2000; i++)
    lots[i] = (bp_chart_point){2000 + i / 100.0, sin(i / 40.0), NULL, NULL};
  const struct {
    bp_chart_kind kind;
    const bp_chart_point *p;
    size_t n;
    bool date;
    bp_status want;
  } t[] = {
      {BP_CHART_BAR, big, 3, false, BP_OK},
      {BP_CHART_LINE, big, 3, false, BP_OK},
      {BP_CHART_LINE, same, 3, true, BP_OK},
      {BP_CHART_BAR, same, 3, true, BP_OK},
      {BP_CHART_LINE, tiny, 2, false, BP_OK},
      {BP_CHART_BAR, zeros, 2, false, BP_OK},
      {BP_CHART_LINE, zeros, 2, false, BP_OK},
      {BP_CHART_LINE, nan_x, 3, true, BP_OK},
      {BP_CHART_TIMELINE, nan_x, 3, true, BP_OK},
      {BP_CHART_SPARKLINE, same, 3, true, BP_OK},
      {BP_CHART_LINE, lots, 2000, true, BP_OK},
      {BP_CHART_SPARKLINE, lots, 2000, true, BP_OK},
      {BP_CHART_TIMELINE, far, 1, true, BP_ERR_DATA},
      {BP_CHART_LINE, huge, 1, false, BP_ERR_DATA},
      {BP_CHART_BAR, lots, 2000, false, BP_ERR_LAYOUT},
  };
  for (size_t i = 0; i < N(t); i++) {
    bp_chart_spec s = {0};
    s.kind = t[i].kind;
    s.title = "Odd";
    s.points = t[i].p;
    s.n_points = t[i].n;
    s.x_is_date = t[i].date;
    s.value_labels = true;
    bp_dlist *dl = bp_dlist_new();
    bp_dl_page *pg = bp_dlist_add_page(dl, 400, 300);
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    double w = t[i].kind == BP_CHART_SPARKLINE ? 80 : 300,
           h = t[i].kind == BP_CHART_SPARKLINE ? 14 : 200;
    bp_status st = bp_chart_draw(ts, &ctx, dl, pg, &s, 10, 10, w, h);
    if (st != t[i].want) fail_msg("case %zu: status %d (%s), want %d", i, st, ctx.msg, t[i].want);
    for (size_t a = 0; a < pg->n_items; a++)
      for (size_t b = a + 1; b < pg->n_items; b++)
        if (pg->items[a].kind == BP_DL_TEXT && pg->items[b].kind == BP_DL_TEXT &&
            intersects(run_box(&pg->items[a].u.text), run_box(&pg->items[b].u.text)))
          fail_msg("case %zu: labels overlap", i);
    char *d = bp_chart_describe(&s); /* never crashes, whatever the data */
    assert_non_null(d);
    free(d);
    bp_dlist_free(dl);
  }
}

/* ---- devices: PDF and PNG agree ----------------------------------------------------------- */

static bool have_pdftoppm(void) { return system("pdftoppm -v >/dev/null 2>&1") == 0; }

/* Grey levels of a PNG, or NULL. */
static double *grey_of(const char *path, int *w, int *h) {
  cairo_surface_t *s = cairo_image_surface_create_from_png(path);
  double *g = NULL;
  if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
    cairo_surface_flush(s);
    *w = cairo_image_surface_get_width(s);
    *h = cairo_image_surface_get_height(s);
    int st = cairo_image_surface_get_stride(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    g = malloc(sizeof *g * (size_t)*w * (size_t)*h);
    for (int y = 0; y < *h; y++)
      for (int x = 0; x < *w; x++) {
        const unsigned char *p = d + y * st + 4 * x;
        g[y * *w + x] = (p[0] + p[1] + p[2]) / 3.0;
      }
  }
  cairo_surface_destroy(s);
  return g;
}

/* Box blur of radius r along x then y (twice: nearly a Gaussian), so that
 * two rasterisers' anti-aliasing and sub-pixel glyph placement average out
 * while a missing or moved label still shows. */
static void blur(double *g, int w, int h, int r) {
  int n = w > h ? w : h;
  double *line = malloc(sizeof *line * (size_t)n), *out = malloc(sizeof *out * (size_t)n);
  for (int pass = 0; pass < 4; pass++) { /* x, y, x, y: running sums */
    bool horiz = pass % 2 == 0;
    int len = horiz ? w : h, lines = horiz ? h : w;
    for (int l = 0; l < lines; l++) {
      for (int i = 0; i < len; i++) line[i] = horiz ? g[l * w + i] : g[i * w + l];
      double sum = 0;
      int lo = 0, hi = -1; /* window [lo, hi] */
      for (int i = 0; i < len; i++) {
        while (hi < i + r && hi + 1 < len) sum += line[++hi];
        while (lo < i - r) sum -= line[lo++];
        out[i] = sum / (hi - lo + 1);
      }
      for (int i = 0; i < len; i++) {
        if (horiz)
          g[l * w + i] = out[i];
        else
          g[i * w + l] = out[i];
      }
    }
  }
  free(line);
  free(out);
}

/* The largest difference (0..255) between two blurred renderings of the
 * same page, or -1 when they cannot be compared. */
static double png_diff(const char *a, const char *b) {
  int wa = 0, ha = 0, wb = 0, hb = 0;
  double *ga = grey_of(a, &wa, &ha), *gb = grey_of(b, &wb, &hb), worst = -1;
  if (ga && gb && wa == wb && ha == hb) {
    blur(ga, wa, ha, 4);
    blur(gb, wb, hb, 4);
    worst = 0;
    for (int i = 0; i < wa * ha; i++) worst = fmax(worst, fabs(ga[i] - gb[i]));
  }
  free(ga);
  free(gb);
  return worst;
}

/* Renders dl as PDF (through pdftoppm) and as PNG at 200 dpi into dir and
 * returns png_diff of the two; `drop` >= 0 leaves item `drop` out of the PDF. */
static double pdf_vs_png(const char *dir, const char *name, bp_dlist *dl, long drop) {
  char pdf[300], pngpat[300], png[300], cmd[1024], ppm[300];
  snprintf(pdf, sizeof pdf, "%s/%s.pdf", dir, name);
  snprintf(pngpat, sizeof pngpat, "%s/%s-png-%%d.png", dir, name);
  snprintf(png, sizeof png, "%s/%s-png-1.png", dir, name);
  snprintf(ppm, sizeof ppm, "%s/%s-pdf", dir, name);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  const int dpi = 200;
  assert_int_equal(bp_dlist_run(dl, bp_png_device_new(pngpat, dpi, 0, 0), &ctx), BP_OK);
  bp_dl_page *pg = &dl->pages[0];
  bp_dl_item saved;
  if (drop >= 0) { /* hide the item from the PDF only */
    saved = pg->items[drop];
    memmove(&pg->items[drop], &pg->items[drop + 1],
            (pg->n_items - (size_t)drop - 1) * sizeof *pg->items);
    pg->n_items--;
  }
  if (bp_dlist_run(dl, bp_pdf_device_new(pdf, NULL), &ctx)) fail_msg("%s: %s", name, ctx.msg);
  if (drop >= 0) {
    memmove(&pg->items[drop + 1], &pg->items[drop],
            (pg->n_items - (size_t)drop) * sizeof *pg->items);
    pg->items[drop] = saved;
    pg->n_items++;
  }
  snprintf(cmd, sizeof cmd, "pdftoppm -r %d -png -singlefile '%s' '%s'", dpi, pdf, ppm);
  assert_int_equal(system(cmd), 0);
  strcat(ppm, ".png");
  double d = png_diff(png, ppm);
  unlink(png);
  unlink(ppm);
  return d;
}

static void pdf_and_png_agree(void **state) {
  (void)state;
  /* rasterising at 200 dpi under valgrind takes a minute and checks the
   * devices more than the charts: the plain and ASan runs cover it */
  if (!have_pdftoppm() || RUNNING_ON_VALGRIND) skip();
  char dir[] = "/tmp/bp-chart-XXXXXX";
  assert_non_null(mkdtemp(dir));
  gcase cases[MAX_CASES];
  size_t n = make_cases(cases);
  /* the cases, and a label pdftotext must find in the PDF */
  const struct {
    const char *name, *text;
  } which[] = {{"bar_crypto", "1,650.5"},           {"bar_negative", "1,500"},
               {"line_two_series", "Embassies"},    {"line_gaps_negative", "5.25"},
               {"timeline_closures", "Bangladesh"}, {"bar_korean_long_labels", "중국"},
               {"sparkline_gaps", "1,650.5"}};
  for (size_t c = 0; c < n; c++) {
    const char *text = NULL;
    for (size_t k = 0; k < N(which); k++)
      if (strcmp(cases[c].name, which[k].name) == 0) text = which[k].text;
    if (!text) continue;
    bp_ctx ctx;
    bp_status st;
    bp_dlist *dl = draw_case(&cases[c], &st, &ctx);
    assert_int_equal(st, BP_OK);
    double d = pdf_vs_png(dir, cases[c].name, dl, -1);
    print_message("%s: PDF vs PNG, blurred pixels differ by at most %.1f of 255\n", cases[c].name,
                  d);
    /* measured: the same page differs by 12-17 after the blur (the two
     * rasterisers' anti-aliasing), a page without one label by 50-80 */
    if (d < 0 || d > 32) fail_msg("%s: PDF and PNG differ (%.1f)", cases[c].name, d);
    /* the check can see a missing label: leave the last text out of the PDF */
    long last_text = -1;
    for (size_t i = 0; i < dl->pages[0].n_items; i++)
      if (dl->pages[0].items[i].kind == BP_DL_TEXT) last_text = (long)i;
    double miss = pdf_vs_png(dir, cases[c].name, dl, last_text);
    print_message("  without its last label: %.1f\n", miss);
    if (!(miss > 32)) fail_msg("%s: a missing label went unnoticed (%.1f)", cases[c].name, miss);
    /* the PDF's text is real, extractable text */
    char pdf[300], cmd[1024];
    snprintf(pdf, sizeof pdf, "%s/%s.pdf", dir, cases[c].name);
    assert_int_equal(bp_dlist_run(dl, bp_pdf_device_new(pdf, NULL), &ctx), BP_OK);
    snprintf(cmd, sizeof cmd, "pdftotext -q '%s' - | grep -q '%s'", pdf, text);
    assert_int_equal(system(cmd), 0);
    unlink(pdf);
    bp_dlist_free(dl);
  }
  rmdir(dir);
}

/* With BP_CHART_VIEW=dir: every case as PNG at 100 and 300 dpi and as PDF,
 * for looking at them. */
static void write_views(void **state) {
  (void)state;
  const char *dir = getenv("BP_CHART_VIEW");
  if (!dir || !*dir) skip();
  mkdir(dir, 0777);
  gcase cases[MAX_CASES];
  size_t n = make_cases(cases);
  for (size_t c = 0; c < n; c++) {
    bp_ctx ctx;
    bp_status st;
    bp_dlist *dl = draw_case(&cases[c], &st, &ctx);
    assert_int_equal(st, BP_OK);
    char p[600];
    int dpis[] = {100, 300};
    for (int k = 0; k < 2; k++) {
      snprintf(p, sizeof p, "%s/%s-%d-%%d.png", dir, cases[c].name, dpis[k]);
      assert_int_equal(bp_dlist_run(dl, bp_png_device_new(p, dpis[k], 0, 0), &ctx), BP_OK);
    }
    snprintf(p, sizeof p, "%s/%s.pdf", dir, cases[c].name);
    if (bp_dlist_run(dl, bp_pdf_device_new(p, NULL), &ctx))
      fail_msg("%s: %s", cases[c].name, ctx.msg);
    char *desc = bp_chart_describe(&cases[c].spec);
    printf("%s: %s\n", cases[c].name, desc);
    free(desc);
    bp_dlist_free(dl);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(nice_scales),
      cmocka_unit_test(numbers),
      cmocka_unit_test(dates),
      cmocka_unit_test(kinds),
      cmocka_unit_test(descriptions),
      cmocka_unit_test(errors),
      cmocka_unit_test(odd_inputs),
      cmocka_unit_test(bar_chart_content),
      cmocka_unit_test(korean_labels_are_text),
      cmocka_unit_test(labels_never_overlap_nor_leave_the_box),
      cmocka_unit_test(golden_traces),
      cmocka_unit_test(pdf_and_png_agree),
      cmocka_unit_test(write_views),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
