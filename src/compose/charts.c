/* charts.c - charts given as data (a brief's or an article's "charts"):
 * reading a chart definition (kind, series or records, columns, title) and
 * turning it into bp_chart points from the data set. */
#include "compose-imp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bp_status json_str(bp_ctx *ctx, const bp_jdoc *jd, json_t *o, const char *key, char **out,
                          bool required) {
  json_t *v = json_object_get(o, key);
  if (!v) return required ? bp_jdoc_error(ctx, jd, o, NULL, "missing \"%s\"", key) : BP_OK;
  if (!json_is_string(v)) return bp_jdoc_error(ctx, jd, o, key, "\"%s\" must be a string", key);
  *out = bp_strdup(json_string_value(v));
  return BP_OK;
}

bp_status bp__chart_ref_load(bp_ctx *ctx, const bp_jdoc *jd, json_t *o, const bp_dataset *ds,
                             bp__chart_ref *c) {
  static const char *const keys[] = {
      "kind", "series",       "column", "records", "date",     "label",   "title",
      "unit", "value_labels", "where",  "height",  "title_ko", "unit_ko", NULL};
  memset(c, 0, sizeof *c);
  if (!json_is_object(o)) return bp_jdoc_error(ctx, jd, o, NULL, "a chart is an object");
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    bool ok = false;
    for (const char *const *k = keys; *k && !ok; k++) ok = !strcmp(*k, key);
    if (!ok) return bp_jdoc_error(ctx, jd, o, key, "unknown chart key \"%s\"", key);
  }
  bp_status st = json_str(ctx, jd, o, "kind", &c->kind, true);
  if (!st) st = json_str(ctx, jd, o, "series", &c->series, false);
  if (!st) st = json_str(ctx, jd, o, "column", &c->column, false);
  if (!st) st = json_str(ctx, jd, o, "records", &c->records, false);
  if (!st) st = json_str(ctx, jd, o, "date", &c->date_field, false);
  if (!st) st = json_str(ctx, jd, o, "label", &c->label_field, false);
  if (!st) st = json_str(ctx, jd, o, "title", &c->title, false);
  if (!st) st = json_str(ctx, jd, o, "unit", &c->unit, false);
  if (!st) st = json_str(ctx, jd, o, "title_ko", &c->title_ko, false);
  if (!st) st = json_str(ctx, jd, o, "unit_ko", &c->unit_ko, false);
  c->value_labels = json_is_true(json_object_get(o, "value_labels"));
  json_t *h = json_object_get(o, "height");
  if (!st && h && (!json_is_number(h) || json_number_value(h) < 40 || json_number_value(h) > 800))
    return bp_jdoc_error(ctx, jd, o, "height", "\"height\" is a number of points, 40 to 800");
  c->height_pt = h ? json_number_value(h) : 0;
  json_t *w = json_object_get(o, "where");
  if (!st && w) {
    const char *wk;
    json_t *wv;
    if (!json_is_object(w) || json_object_size(w) != 1)
      return bp_jdoc_error(ctx, jd, o, "where", "\"where\" is one {\"field\": \"value\"}");
    json_object_foreach(w, wk, wv) {
      if (!json_is_string(wv)) return bp_jdoc_error(ctx, jd, w, wk, "\"where\" values are strings");
      c->where_field = bp_strdup(wk);
      c->where_value = bp_strdup(json_string_value(wv));
    }
  }
  bp_chart_kind kind;
  if (!st && bp_chart_kind_from_name(ctx, c->kind, &kind)) {
    bp_ctx_clear(ctx);
    return bp_jdoc_error(ctx, jd, o, "kind",
                         "unknown chart kind \"%s\" (bar, line, timeline, sparkline)", c->kind);
  }
  if (st) return st;
  if (c->series) {
    const bp_series *s = bp_dataset_series(ds, c->series);
    if (!s)
      return bp_jdoc_error(ctx, jd, o, "series", "no series \"%s\" in the data folder", c->series);
    if (c->column && bp_series_column(s, c->column) < 0)
      return bp_jdoc_error(ctx, jd, o, "column", "series \"%s\" has no column \"%s\"", c->series,
                           c->column);
  } else if (c->records) {
    const bp_records *r = bp_dataset_records(ds, c->records);
    if (!r)
      return bp_jdoc_error(ctx, jd, o, "records", "no records \"%s\" in the data folder",
                           c->records);
    if (!c->date_field || bp_records_column(r, c->date_field) < 0)
      return bp_jdoc_error(ctx, jd, o, c->date_field ? "date" : NULL,
                           "records \"%s\" need a \"date\" column that exists", c->records);
    if (!c->label_field || bp_records_column(r, c->label_field) < 0)
      return bp_jdoc_error(ctx, jd, o, c->label_field ? "label" : NULL,
                           "records \"%s\" need a \"label\" column that exists", c->records);
    if (c->where_field && bp_records_column(r, c->where_field) < 0)
      return bp_jdoc_error(ctx, jd, o, "where", "records \"%s\" have no column \"%s\"", c->records,
                           c->where_field);
  } else {
    return bp_jdoc_error(ctx, jd, o, NULL, "a chart needs \"series\" or \"records\"");
  }
  return BP_OK;
}

void bp__chart_ref_free(bp__chart_ref *c) {
  free(c->kind), free(c->series), free(c->column), free(c->records), free(c->date_field);
  free(c->label_field), free(c->title), free(c->unit), free(c->where_field);
  free(c->where_value), free(c->title_ko), free(c->unit_ko);
  memset(c, 0, sizeof *c);
}

void bp__chart_data_free(bp__chart_data *d) {
  for (size_t i = 0; i < d->n; i++) free(d->labels[i]);
  free(d->labels);
  free(d->pts);
  free(d->source_text);
  free(d->source_dest);
  free(d->title);
  memset(d, 0, sizeof *d);
}

void bp__chart_build(const bp__chart_ref *c, const bp_dataset *ds, const bp_template *t,
                     const char *lang, bp__chart_data *d) {
  memset(d, 0, sizeof *d);
  bool ko = t && t->lang && !strcmp(t->lang, "ko");
  const char *title = ko && c->title_ko ? c->title_ko : c->title;
  const char *unit = ko && c->unit_ko ? c->unit_ko : c->unit;
  if (ko) lang = "ko";
  bp_chart_kind_from_name(NULL, c->kind, &d->spec.kind);
  d->spec.value_labels = c->value_labels;
  if (c->series) {
    const bp_series *s = bp_dataset_series(ds, c->series);
    int col = c->column ? bp_series_column(s, c->column) : 0;
    d->n = s->n_points;
    d->pts = bp_calloc(d->n + 1, sizeof *d->pts);
    d->labels = bp_calloc(d->n + 1, sizeof(char *));
    for (size_t i = 0; i < d->n; i++) {
      const bp_series_point *p = &s->points[i];
      char lab[16];
      bp_date_format(&p->date, lab);
      d->labels[i] = bp_strdup(lab);
      d->pts[i].x = p->x;
      d->pts[i].y = p->values[col];
      if (d->spec.kind == BP_CHART_BAR) d->pts[i].label = d->labels[i];
    }
    d->spec.x_is_date = d->spec.kind != BP_CHART_BAR;
    d->title = bp_strdup(title ? title : s->title);
    d->spec.unit = unit ? unit : s->unit;
    d->source_id = s->source_id;
  } else {
    const bp_records *r = bp_dataset_records(ds, c->records);
    d->pts = bp_calloc(r->n_rows + 1, sizeof *d->pts);
    d->labels = bp_calloc(r->n_rows + 1, sizeof(char *));
    for (size_t i = 0; i < r->n_rows; i++) {
      if (c->where_field && strcmp(bp_records_field(r, i, c->where_field), c->where_value))
        continue;
      bp_date dt;
      if (!bp_date_parse(bp_records_field(r, i, c->date_field), &dt, NULL, 0)) continue;
      d->labels[d->n] = bp_strdup(bp_records_field(r, i, c->label_field));
      d->pts[d->n].x = bp_date_decimal_year(&dt);
      d->pts[d->n].y = 1;
      d->pts[d->n].label = d->labels[d->n];
      if (!d->source_id) d->source_id = bp_records_field(r, i, "source_id");
      d->n++;
    }
    d->spec.x_is_date = true;
    d->title = bp_strdup(title ? title : c->records);
    d->spec.unit = unit;
  }
  if (t) { /* the template's palette: ink, muted, series1..n */
    bp_template_color(t, "ink", &d->colors.ink);
    bp_template_color(t, "muted", &d->colors.muted);
    char name[32];
    for (size_t i = 0; i < BP_CHART_MAX_COLORS; i++) {
      snprintf(name, sizeof name, "series%zu", i + 1);
      if (!bp_template_color(t, name, &d->data_colors[i])) break;
      d->colors.n_data = i + 1;
    }
    d->colors.data = d->data_colors;
    d->spec.colors = &d->colors;
  }
  d->spec.title = d->title;
  d->spec.points = d->pts;
  d->spec.n_points = d->n;
  d->spec.lang = lang;
  const bp_csl_item *it = d->source_id ? bp_bib_lookup(ds->bib, d->source_id) : NULL;
  if (it) {
    d->source_text = bp__source_line(it, t ? bp_template_label(t, BP_LABEL_SOURCE) : NULL);
    d->spec.source_text = d->source_text;
  }
}
