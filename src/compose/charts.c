/* charts.c - a chart definition (checked by bp_chart_def_check) turned
 * into chart points from the data set: a series column (which may name a
 * record's field: "{iso2}"), dated rows of a record set, or a timeline of
 * the rows of other record sets that match the record and the claims
 * tagged with its country; titled and coloured by the template, its source
 * line numbered as an endnote. */
#include "compose-imp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *jstr(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static void add(bp__chart_data *d, double x, double y, char *label) {
  size_t cap = d->cap;
  bp_grow((void **)&d->pts, &d->cap, d->n + 1, sizeof *d->pts);
  bp_grow((void **)&d->labels, &cap, d->n + 1, sizeof *d->labels);
  memset(&d->pts[d->n], 0, sizeof d->pts[d->n]);
  d->pts[d->n].x = x;
  d->pts[d->n].y = y;
  d->pts[d->n].label = label;
  d->labels[d->n++] = label;
}

/* Fills a label pattern ("{city}: {type} closed") from row i of r. */
static char *row_label(const bp_records *r, size_t i, const char *pat) {
  bp__binding b = {.kind = BP__RECORD, .rec = r, .row = i};
  char *s = pat ? bp__expand_str(&b, NULL, pat) : NULL;
  return s ? s : bp_strdup(r->rows[i].fields[0]);
}

bool bp__row_matches(const bp_records *r, size_t i, json_t *where) {
  const char *wk;
  json_t *wv;
  json_object_foreach(where, wk, wv) {
    const char *have = bp_records_field(r, i, wk);
    if (!have || !json_is_string(wv) || strcmp(have, json_string_value(wv))) return false;
  }
  return true;
}

/* Dated rows of record set `r` (matching `key` = `mine` when given). */
static void dated_rows(bp__chart_data *d, const bp_records *r, const char *key, const char *mine,
                       const char *date, const char *label, json_t *where) {
  for (size_t i = 0; i < r->n_rows; i++) {
    bp_date dt;
    if ((key && strcmp(bp_records_field(r, i, key), mine)) || !bp__row_matches(r, i, where) ||
        !bp_date_parse(bp_records_field(r, i, date), &dt, NULL, 0))
      continue;
    add(d, bp_date_decimal_year(&dt), 1, row_label(r, i, label));
    const char *src = bp_records_field(r, i, "source_id");
    if (!d->source_id && src && *src) d->source_id = src;
  }
}

/* Timeline events: rows of other record sets that match the record, and
 * (with "claims": true) the dated claims tagged with its country. */
static void timeline_events(const bp__engine *e, json_t *def, bp__chart_data *d) {
  const bp__binding *b = e->b;
  json_t *events = json_object_get(def, "events");
  for (size_t k = 0; k < json_array_size(events); k++) {
    json_t *ev = json_array_get(events, k);
    const bp_records *r = bp_dataset_records(b->ds, jstr(ev, "records"));
    const char *key = jstr(ev, "match");
    const char *mine = bp__field(b, e->t, jstr(ev, "key") ? jstr(ev, "key") : key);
    if (r && r != b->rec && mine && *mine)
      dated_rows(d, r, key, mine, jstr(ev, "date"), jstr(ev, "label"),
                 json_object_get(ev, "where"));
  }
  const char *iso2 = bp__field(b, e->t, jstr(def, "match") ? jstr(def, "match") : "iso2");
  const bp_claims *cs = b->ds->claims;
  json_t *ml = json_object_get(def, "label_length");
  size_t max = json_is_number(ml) ? (size_t)json_number_value(ml) : 44;
  for (size_t i = 0;
       iso2 && *iso2 && cs && json_is_true(json_object_get(def, "claims")) && i < cs->n; i++) {
    const bp_claim *cl = &cs->v[i];
    bool tagged = false;
    for (size_t k = 0; k < cl->n_countries && !tagged; k++)
      tagged = !strcmp(cl->countries[k], iso2);
    if (cl->date.y && tagged)
      add(d, bp_date_decimal_year(&cl->date), 1, bp_claim_short_label(cl, max));
  }
  for (size_t i = 1; i < d->n; i++) /* oldest first; the same day keeps its order */
    for (size_t k = i; k > 0 && d->pts[k - 1].x > d->pts[k].x; k--) {
      bp_chart_point tp = d->pts[k];
      d->pts[k] = d->pts[k - 1];
      d->pts[k - 1] = tp;
      char *tl = d->labels[k];
      d->labels[k] = d->labels[k - 1];
      d->labels[k - 1] = tl;
    }
}

/* A series column ("column" may name a record's field: "{iso2}"). */
static void series_points(const bp__engine *e, json_t *def, bp__chart_data *d) {
  const bp_series *s = bp_dataset_series(e->b->ds, jstr(def, "series"));
  char *column = jstr(def, "column") ? bp__expand_str(e->b, e->t, jstr(def, "column")) : NULL;
  int col = column ? bp_series_column(s, column) : (s->n_cols ? 0 : -1);
  free(column);
  if (col < 0) return;
  size_t have = 0;
  for (size_t i = 0; i < s->n_points; i++) {
    char lab[16];
    bp_date_format(&s->points[i].date, lab);
    add(d, s->points[i].x, s->points[i].values[col], bp_strdup(lab));
    if (d->spec.kind != BP_CHART_BAR) d->pts[i].label = NULL;
    have += !isnan(s->points[i].values[col]);
  }
  if (!have) /* all gaps: no data */
    while (d->n) free(d->labels[--d->n]);
  d->spec.x_is_date = d->spec.kind != BP_CHART_BAR;
  d->title = s->title ? bp_strdup(s->title) : NULL;
  d->spec.unit = s->unit;
  d->source_id = s->source_id;
  for (size_t i = 0; i < s->n_points; i++) { /* the rows' own sources, each once */
    const bp_csl_item *it = bp_bib_lookup(e->b->ds->bib, s->points[i].source_id);
    size_t k = 0;
    while (it && k < d->n_row_items && d->row_items[k] != it) k++;
    if (it && k == d->n_row_items) BP_PUSH(d->row_items, d->n_row_items, d->cap_row_items, it);
  }
}

bool bp__chart_build(bp__engine *e, json_t *def, bp__chart_data *d) {
  memset(d, 0, sizeof *d);
  const bp_template *t = e->t;
  bool ko = t->lang && !strcmp(t->lang, "ko");
  bp_chart_kind_from_name(NULL, jstr(def, "kind"), &d->spec.kind);
  d->spec.value_labels = json_is_true(json_object_get(def, "value_labels"));
  if (jstr(def, "series"))
    series_points(e, def, d);
  else if (jstr(def, "records")) {
    bp_buf label = {0}; /* the label column as written */
    bp_buf_printf(&label, "{%s}", jstr(def, "label"));
    dated_rows(d, bp_dataset_records(e->b->ds, jstr(def, "records")), NULL, NULL, jstr(def, "date"),
               label.data, json_object_get(def, "where"));
    bp_buf_free(&label);
    d->spec.x_is_date = true;
  } else {
    timeline_events(e, def, d);
    d->spec.x_is_date = true;
  }
  const char *title = ko && jstr(def, "title_ko") ? jstr(def, "title_ko") : jstr(def, "title");
  const char *unit = ko && jstr(def, "unit_ko") ? jstr(def, "unit_ko") : jstr(def, "unit");
  if (title || !d->title) {
    free(d->title);
    d->title = title                  ? bp_strdup(title)
               : jstr(def, "records") ? bp_strdup(jstr(def, "records"))
                                      : NULL;
  }
  if (unit) d->spec.unit = unit;
  json_t *w = json_object_get(def, "weight");
  d->weight = json_is_number(w) ? json_number_value(w) : 1;
  json_t *min = json_object_get(def, "min_points");
  size_t need = json_is_number(min) ? (size_t)json_number_value(min) : 1;
  /* events that all fall within a few days make no timeline */
  json_t *span = json_object_get(def, "min_span_days");
  if (json_is_number(span) && d->n &&
      (d->pts[d->n - 1].x - d->pts[0].x) * 365.25 < json_number_value(span))
    need = d->n + 1;
  /* the template's palette: ink, muted, series1..n */
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
  d->spec.title = d->title;
  d->spec.points = d->pts;
  d->spec.n_points = d->n;
  d->spec.lang = ko ? "ko" : e->b->kind == BP__ARTICLE ? e->b->article->lang : NULL;
  const bp_csl_item *it = d->source_id ? bp_bib_lookup(e->b->ds->bib, d->source_id) : NULL;
  bool rows = d->n_row_items > 1 || (!it && d->n_row_items); /* rows citing several: all */
  if ((it || rows) && d->n >= need) {
    d->source_text = bp_csl_source_line(rows ? d->row_items : &it, rows ? d->n_row_items : 1,
                                        bp_template_label(t, BP_LABEL_SOURCE));
    d->spec.source_text = d->source_text;
  }
  /* the source becomes an endnote (numbered here, after what comes before)
   * when the document's bibliography has it */
  if (it && d->n >= need && bp_bib_lookup(e->b->bib, d->source_id)) {
    char dest[32];
    snprintf(dest, sizeof dest, "note-%d", bp__number_of(&e->nb, d->source_id));
    d->source_dest = bp_strdup(dest);
    d->spec.source_dest = d->source_dest;
  }
  return d->n >= need && d->n > 0;
}

void bp__chart_data_free(bp__chart_data *d) {
  for (size_t i = 0; i < d->n; i++) free(d->labels[i]);
  free(d->labels);
  free(d->pts);
  free(d->source_text);
  free(d->source_dest);
  free(d->title);
  free(d->row_items);
  memset(d, 0, sizeof *d);
}
