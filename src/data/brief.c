/* brief.c - loading brief files and checking chart definitions (see
 * brief.h). */
#include "brief.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/chart.h"

static bool is_one_of(const char *key, const char *const *keys) {
  for (const char *const *k = keys; *k; k++)
    if (!strcmp(*k, key)) return true;
  return false;
}

static bp_status unknown_keys(bp_ctx *ctx, const bp_jdoc *jd, json_t *o, const char *const *keys,
                              const char *what) {
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    if (!is_one_of(key, keys))
      return bp_jdoc_error(ctx, jd, o, key, "unknown %s key \"%s\"", what, key);
  }
  return BP_OK;
}

static bp_status str_field(bp_ctx *ctx, const bp_jdoc *jd, json_t *o, const char *key, char **out,
                           bool required) {
  json_t *v = json_object_get(o, key);
  if (!v) return required ? bp_jdoc_error(ctx, jd, o, NULL, "missing \"%s\"", key) : BP_OK;
  if (json_is_integer(v)) {
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
    *out = bp_strdup(num);
    return BP_OK;
  }
  if (!json_is_string(v)) return bp_jdoc_error(ctx, jd, o, key, "\"%s\" must be a string", key);
  *out = bp_strdup(json_string_value(v));
  return BP_OK;
}

static bp_status str_array(bp_ctx *ctx, const bp_jdoc *jd, json_t *o, const char *key, char ***out,
                           size_t *n) {
  json_t *v = json_object_get(o, key);
  if (!v) return BP_OK;
  if (!json_is_array(v))
    return bp_jdoc_error(ctx, jd, o, key, "\"%s\" must be an array of strings", key);
  *out = bp_calloc(json_array_size(v) + 1, sizeof(char *));
  for (size_t i = 0; i < json_array_size(v); i++) {
    json_t *e = json_array_get(v, i);
    if (!json_is_string(e))
      return bp_jdoc_error_elem(ctx, jd, v, i, "\"%s\" must hold strings", key);
    (*out)[(*n)++] = bp_strdup(json_string_value(e));
  }
  return BP_OK;
}

/* ---- patterns and chart definitions ------------------------------------ */

bp_status bp_pattern_check(bp_ctx *ctx, const bp_jdoc *jd, json_t *o, const char *key,
                           const bp_records *rec) {
  json_t *v = json_object_get(o, key);
  if (!v) return BP_OK;
  if (!json_is_string(v)) return bp_jdoc_error(ctx, jd, o, key, "\"%s\" must be a string", key);
  for (const char *p = json_string_value(v); (p = strchr(p, '{')); p++) {
    const char *close = strchr(p, '}');
    if (!close) break;
    char name[64];
    size_t n = (size_t)(close - p - 1);
    if (n >= sizeof name) continue;
    memcpy(name, p + 1, n);
    name[n] = '\0';
    if (!rec) return bp_jdoc_error(ctx, jd, o, key, "\"{%s}\": no record fields here", name);
    if (bp_records_column(rec, name) < 0)
      return bp_jdoc_error(ctx, jd, o, key, "\"{%s}\": the records %s have no column \"%s\"", name,
                           rec->path, name);
  }
  return BP_OK;
}

static bp_status need_column(bp_ctx *ctx, const bp_jdoc *jd, json_t *o, const char *key,
                             const bp_records *r, bool required) {
  json_t *v = json_object_get(o, key);
  if (!v && !required) return BP_OK;
  const char *name = json_is_string(v) ? json_string_value(v) : NULL;
  if (!name || bp_records_column(r, name) < 0)
    return bp_jdoc_error(ctx, jd, o, v ? key : NULL,
                         "the records %s need a \"%s\" column that exists", r->path, key);
  return BP_OK;
}

static bp_status check_events(bp_ctx *ctx, const bp_jdoc *jd, json_t *def, const bp_dataset *ds,
                              const bp_records *rec) {
  json_t *events = json_object_get(def, "events");
  if (events && !json_is_array(events))
    return bp_jdoc_error(ctx, jd, def, "events", "\"events\" must be an array");
  bp_status st = BP_OK;
  for (size_t e = 0; !st && e < json_array_size(events); e++) {
    json_t *ev = json_array_get(events, e);
    static const char *const ek[] = {"records", "match", "key", "date", "label", "where", NULL};
    if (!json_is_object(ev))
      return bp_jdoc_error_elem(ctx, jd, events, e, "an event source is an object");
    st = unknown_keys(ctx, jd, ev, ek, "event");
    json_t *rn = json_object_get(ev, "records");
    const bp_records *er = NULL;
    if (!st && json_is_string(rn))
      st = bp_dataset_records_find(ctx, ds, json_string_value(rn), &er);
    if (!st && !er)
      st = bp_jdoc_error(ctx, jd, ev, rn ? "records" : NULL,
                         "no records \"%s\" in the data folder %s",
                         json_is_string(rn) ? json_string_value(rn) : "", ds->dir);
    if (!st) st = need_column(ctx, jd, ev, "match", er, true);
    if (!st) st = need_column(ctx, jd, ev, "date", er, true);
    if (!st && !rec)
      st = bp_jdoc_error(ctx, jd, ev, NULL, "events match a record: only in a profile");
    if (!st) st = need_column(ctx, jd, ev, json_object_get(ev, "key") ? "key" : "match", rec, true);
    json_t *w = json_object_get(ev, "where");
    if (!st && w && !json_is_object(w))
      st = bp_jdoc_error(ctx, jd, ev, "where", "\"where\" is {\"field\": \"value\"}");
  }
  return st;
}

/* "where": {"column": "value"} (`one`: exactly one pair) over records r. */
static bp_status check_where(bp_ctx *ctx, const bp_jdoc *jd, json_t *def, const bp_records *r,
                             const char *rn, bool one) {
  json_t *w = json_object_get(def, "where");
  if (w && (!json_is_object(w) || (one && json_object_size(w) != 1)))
    return bp_jdoc_error(ctx, jd, def, "where", "\"where\" is %s{\"field\": \"value\"}",
                         one ? "one " : "");
  const char *wk;
  json_t *wv;
  json_object_foreach(w, wk, wv) {
    if (!json_is_string(wv)) return bp_jdoc_error(ctx, jd, w, wk, "\"where\" values are strings");
    if (r && bp_records_column(r, wk) < 0)
      return bp_jdoc_error(ctx, jd, def, "where", "records \"%s\" have no column \"%s\"", rn, wk);
  }
  return BP_OK;
}

bp_status bp_chart_def_check(bp_ctx *ctx, const bp_jdoc *jd, json_t *def, const bp_dataset *ds,
                             const bp_records *rec) {
  static const char *const keys[] = {
      "kind",       "series",       "column", "records",      "date",     "label",         "title",
      "unit",       "value_labels", "where",  "height",       "title_ko", "unit_ko",       "weight",
      "min_points", "events",       "claims", "label_length", "match",    "min_span_days", NULL};
  if (!json_is_object(def)) return bp_jdoc_error(ctx, jd, def, NULL, "a chart is an object");
  bp_status st = unknown_keys(ctx, jd, def, keys, "chart");
  json_t *k = json_object_get(def, "kind");
  bp_chart_kind kind;
  if (!st && (!json_is_string(k) || bp_chart_kind_from_name(NULL, json_string_value(k), &kind)))
    return bp_jdoc_error(ctx, jd, def, k ? "kind" : NULL,
                         "a chart needs a \"kind\": bar, line, timeline or sparkline");
  static const char *const strs[] = {"series", "column",   "records", "date",  "label", "title",
                                     "unit",   "title_ko", "unit_ko", "match", NULL};
  for (const char *const *s = strs; !st && *s; s++) {
    json_t *v = json_object_get(def, *s);
    if (v && !json_is_string(v))
      st = bp_jdoc_error(ctx, jd, def, *s, "\"%s\" must be a string", *s);
  }
  static const struct {
    const char *key;
    double min, max;
  } nums[] = {{"height", 40, 800},
              {"weight", 0.1, 10},
              {"min_points", 1, 1000},
              {"label_length", 12, 200},
              {"min_span_days", 0, 36600}};
  for (size_t i = 0; !st && i < sizeof nums / sizeof *nums; i++) {
    json_t *v = json_object_get(def, nums[i].key);
    if (v && (!json_is_number(v) || json_number_value(v) < nums[i].min ||
              json_number_value(v) > nums[i].max))
      st = bp_jdoc_error(ctx, jd, def, nums[i].key, "\"%s\" is a number from %g to %g", nums[i].key,
                         nums[i].min, nums[i].max);
  }
  if (st) return st;
  const char *sn = json_string_value(json_object_get(def, "series"));
  const char *rn = json_string_value(json_object_get(def, "records"));
  if (sn) {
    const bp_series *s;
    st = bp_dataset_series_find(ctx, ds, sn, &s);
    json_t *col = json_object_get(def, "column");
    if (st) return st;
    if (!s)
      return bp_jdoc_error(ctx, jd, def, "series", "no series \"%s\" in the data folder %s", sn,
                           ds->dir);
    st = bp_pattern_check(ctx, jd, def, "column", rec);
    if (!st && col && !strchr(json_string_value(col), '{') &&
        bp_series_column(s, json_string_value(col)) < 0)
      st = bp_jdoc_error(ctx, jd, def, "column", "series \"%s\" has no column \"%s\"", sn,
                         json_string_value(col));
    return st;
  }
  if (rn) {
    const bp_records *r;
    st = bp_dataset_records_find(ctx, ds, rn, &r);
    if (st) return st;
    if (!r)
      return bp_jdoc_error(ctx, jd, def, "records", "no records \"%s\" in the data folder %s", rn,
                           ds->dir);
    st = need_column(ctx, jd, def, "date", r, true);
    if (!st) st = need_column(ctx, jd, def, "label", r, true);
    return st ? st : check_where(ctx, jd, def, r, rn, true);
  }
  if (kind == BP_CHART_TIMELINE &&
      (json_object_get(def, "events") || json_object_get(def, "claims"))) {
    if (!rec)
      return bp_jdoc_error(
          ctx, jd, def, NULL,
          "a timeline of \"events\" or \"claims\" matches a record: only in a profile");
    st = check_events(ctx, jd, def, ds, rec);
    if (!st) st = need_column(ctx, jd, def, "match", rec, false);
    return st;
  }
  return bp_jdoc_error(ctx, jd, def, NULL, "a chart needs \"series\" or \"records\"%s",
                       kind == BP_CHART_TIMELINE ? " (or, in a profile, \"events\" or \"claims\")"
                                                 : "");
}

bp_status bp_table_def_check(bp_ctx *ctx, const bp_jdoc *jd, json_t *def, const bp_dataset *ds,
                             const bp_records *rec) {
  static const char *const ck[] = {"field", "label",  "align",  "width", "weight",
                                   "cite",  "format", "values", NULL};
  static const char *const tk[] = {"records", "columns", "caption", "where",
                                   "max",     "match",   "sort",    NULL};
  bp_status st = unknown_keys(ctx, jd, def, tk, "table");
  if (st) return st;
  json_t *cols = json_object_get(def, "columns"), *rv = json_object_get(def, "records");
  const char *rn = json_string_value(rv);
  if (!rn)
    return bp_jdoc_error(ctx, jd, def, rv ? "records" : "columns",
                         "a table names its \"records\" (a CSV of the data folder, by name)");
  const bp_records *r = NULL;
  if (ds) st = bp_dataset_records_find(ctx, ds, rn, &r);
  if (st) return st;
  if (ds && !r)
    return bp_jdoc_error(ctx, jd, def, "records", "no records \"%s\" in the data folder %s", rn,
                         ds->dir);
  if (!json_is_array(cols) || !json_array_size(cols))
    return bp_jdoc_error(ctx, jd, def, "columns",
                         "\"columns\" is an array of {\"field\", \"label\", \"align\", "
                         "\"width\" or \"weight\"}");
  for (size_t i = 0; !st && i < json_array_size(cols); i++) {
    json_t *c = json_array_get(cols, i), *w = json_object_get(c, "width");
    json_t *wt = json_object_get(c, "weight"), *vals = json_object_get(c, "values");
    const char *al = json_string_value(json_object_get(c, "align"));
    const char *fmt = json_string_value(json_object_get(c, "format"));
    if (!json_is_object(c)) return bp_jdoc_error_elem(ctx, jd, cols, i, "a column is an object");
    st = unknown_keys(ctx, jd, c, ck, "column");
    if (!st && !json_is_string(json_object_get(c, "field")))
      st = bp_jdoc_error(ctx, jd, c, json_object_get(c, "field") ? "field" : NULL,
                         "a column names its \"field\" (a column of the records)");
    if (!st && json_object_get(c, "label") && !json_is_string(json_object_get(c, "label")))
      st = bp_jdoc_error(ctx, jd, c, "label", "\"label\" must be a string");
    if (!st && json_object_get(c, "align") &&
        (!al || (strcmp(al, "left") && strcmp(al, "right") && strcmp(al, "center"))))
      st = bp_jdoc_error(ctx, jd, c, "align", "\"align\" is left, right or center");
    if (!st && w &&
        (!json_is_number(w) || json_number_value(w) < 10 || json_number_value(w) > 2000))
      st = bp_jdoc_error(ctx, jd, c, "width", "\"width\" is a number of points from 10 to 2000");
    if (!st && wt &&
        (w || !json_is_number(wt) || json_number_value(wt) <= 0 || json_number_value(wt) > 100))
      st = bp_jdoc_error(ctx, jd, c, "weight",
                         w ? "a column has a \"width\" or a \"weight\", not both"
                           : "\"weight\" is a number above 0, at most 100");
    if (!st && json_object_get(c, "format") && (!fmt || strcmp(fmt, "date")))
      st = bp_jdoc_error(ctx, jd, c, "format", "unknown format (date)");
    if (!st && vals && !json_is_object(vals))
      st = bp_jdoc_error(ctx, jd, c, "values", "\"values\" maps values to display text");
    if (!st && r) st = need_column(ctx, jd, c, "field", r, true);
    if (!st && r) st = need_column(ctx, jd, c, "cite", r, false);
  }
  json_t *max = json_object_get(def, "max");
  if (!st && max && (!json_is_integer(max) || json_integer_value(max) < 1))
    st = bp_jdoc_error(ctx, jd, def, "max", "\"max\" is a whole number of rows, at least 1");
  if (!st && json_object_get(def, "caption") && !json_is_string(json_object_get(def, "caption")))
    st = bp_jdoc_error(ctx, jd, def, "caption", "\"caption\" must be a string");
  json_t *sort = json_object_get(def, "sort");
  const char *sn = json_string_value(sort);
  if (!st && sort && (!sn || (r && bp_records_column(r, sn + (*sn == '-')) < 0)))
    st = bp_jdoc_error(ctx, jd, def, "sort",
                       "\"sort\" names a column of the records (\"-name\": "
                       "descending)");
  if (!st) st = check_where(ctx, jd, def, r, rn, false);
  if (!st && json_object_get(def, "match") && ds && !rec)
    st = bp_jdoc_error(ctx, jd, def, "match",
                       "\"match\" pairs rows with a record: only in a profile");
  if (!st && r && rec) st = need_column(ctx, jd, def, "match", r, false);
  if (!st && r && rec) st = need_column(ctx, jd, def, "match", rec, false);
  return st;
}

/* ---- the brief file ------------------------------------------------------ */

static const char *const BRIEF_KEYS[] = {
    "template",    "data",     "institute",   "series",    "number",     "date",
    "title",       "subtitle", "author",      "lang",      "subject",    "keywords",
    "summary",     "findings", "body",        "charts",    "disclaimer", "institute_ko",
    "series_ko",   "title_ko", "subtitle_ko", "author_ko", "summary_ko", "disclaimer_ko",
    "findings_ko", NULL};

/* The path the brief names at o's `key`, resolved inside the brief's own
 * data folder (*out owned); an error says where it was named. */
static bp_status resolve_at(bp_ctx *ctx, const bp_brief *b, json_t *o, const char *key, bool folder,
                            char **out) {
  char *own = bp_data_root_of(b->path);
  bp_status st = bp_data_path_resolve(ctx, own, b->path, json_string_value(json_object_get(o, key)),
                                      folder, out);
  free(own);
  if (st) {
    char msg[sizeof ctx->msg];
    snprintf(msg, sizeof msg, "%s", ctx->msg);
    bp_ctx_clear(ctx);
    st = bp_jdoc_error(ctx, b->jd, o, key, "%s", msg);
  }
  return st;
}

/* The data folder the brief names ("data", default: the brief's own data
 * folder), which must stay inside the brief's own data folder. */
static bp_status data_folder(bp_ctx *ctx, const bp_brief *b, json_t *root, char **out) {
  json_t *v = json_object_get(root, "data");
  if (!v) {
    *out = bp_data_root_of(b->path);
    return BP_OK;
  }
  if (!json_is_string(v))
    return bp_jdoc_error(ctx, b->jd, root, "data", "\"data\" must be a folder name");
  return resolve_at(ctx, b, root, "data", true, out);
}

/* The texts a brief may take from Markdown files: {"markdown": "FILE.md"}. */
static const char *const MD_KEYS[] = {"summary", "summary_ko", "body", "findings", "findings_ko"};
enum { MD_N = sizeof MD_KEYS / sizeof *MD_KEYS };

/* `key` given as {"markdown": "FILE.md"}: the file, inside the brief's data
 * folder (*path owned; NULL when the value is not an object). */
static bp_status md_ref(bp_ctx *ctx, const bp_brief *b, json_t *root, const char *key,
                        char **path) {
  json_t *v = json_object_get(root, key);
  *path = NULL;
  if (!json_is_object(v)) return BP_OK;
  if (json_object_size(v) != 1 || !json_is_string(json_object_get(v, "markdown")))
    return bp_jdoc_error(ctx, b->jd, root, key, "\"%s\" is %s, or {\"markdown\": \"FILE.md\"}", key,
                         !strcmp(key, "body")       ? "an array of paragraphs"
                         : !strcmp(key, "findings") ? "an array of claim ids"
                                                    : "a text");
  return resolve_at(ctx, b, v, "markdown", false, path);
}

/* The prose set as inline Markdown: raw HTML in it is printed as written,
 * which is rarely what was meant (check warns). */
static void warn(bp_brief *b, char *w) {
  if (w) BP_PUSH(b->warnings, b->n_warnings, b->cap_warnings, w);
}

static void markup_warnings(bp_brief *b, json_t *root) {
  static const char *const keys[] = {"summary", "summary_ko", "disclaimer", "disclaimer_ko", NULL};
  char what[64];
  for (const char *const *k = keys; *k; k++) {
    snprintf(what, sizeof what, "the brief's \"%s\"", *k);
    warn(b, bp_jdoc_markup_warning(b->jd, root, *k, 0, what));
  }
  json_t *body = json_object_get(root, "body");
  for (size_t i = 0; json_is_array(body) && i < json_array_size(body); i++) {
    snprintf(what, sizeof what, "paragraph %zu of the brief's \"body\"", i + 1);
    warn(b, bp_jdoc_markup_warning(b->jd, body, NULL, i, what));
  }
}

/* The findings from Markdown files (`ko`: "findings_ko", may be NULL), in
 * the template's language; a Korean template needs the Korean file, and
 * it has as many findings as the English one (both are checked always, so
 * either edition fails alike). */
static bp_status md_findings(bp_ctx *ctx, bp_brief *b, json_t *root, const char *en,
                             const char *ko) {
  bp_claims *f[2] = {NULL, NULL};
  bool korean = b->tpl->lang && !strcmp(b->tpl->lang, "ko");
  bp_status st = bp_markdown_load_findings(ctx, en, b->ds->bib, &f[0]);
  if (!st && ko) st = bp_markdown_load_findings(ctx, ko, b->ds->bib, &f[1]);
  if (!st && ko && f[1]->n != f[0]->n)
    st = bp_jdoc_error(ctx, b->jd, root, "findings_ko",
                       "%s has %zu findings and %s %zu: one Korean text for each finding, in "
                       "the same order",
                       ko, f[1]->n, en, f[0]->n);
  if (!st && korean && !ko)
    st = bp_jdoc_error(ctx, b->jd, root, "findings",
                       "the Korean template %s prints the findings in Korean: add "
                       "\"findings_ko\": {\"markdown\": \"FILE.md\"}",
                       b->tpl->path);
  if (!st) {
    b->md_findings = f[korean];
    b->n_findings = f[korean]->n;
    f[korean] = NULL;
  }
  bp_claims_free(f[0]);
  bp_claims_free(f[1]);
  return st;
}

static bp_status check_findings(bp_ctx *ctx, const bp_brief *b, json_t *root) {
  bool korean = b->tpl->lang && !strcmp(b->tpl->lang, "ko");
  json_t *arr = json_object_get(root, "findings");
  for (size_t i = 0; b->findings && i < b->n_findings; i++) {
    const bp_claim *cl;
    bp_status st = bp_dataset_claim_find(ctx, b->ds, b->findings[i], &cl);
    if (st) return st;
    for (size_t k = 0; k < i; k++)
      if (!strcmp(b->findings[k], b->findings[i]))
        return bp_jdoc_error_elem(ctx, b->jd, arr, i,
                                  "claim \"%s\" is listed twice in \"findings\" (also item %zu)",
                                  b->findings[i], k + 1);
    if (!cl) return bp_jdoc_error_elem(ctx, b->jd, arr, i, "unknown claim \"%s\"", b->findings[i]);
    if (korean && !cl->text_ko)
      return bp_jdoc_error_elem(ctx, b->jd, arr, i,
                                "claim \"%s\" has no \"text_ko\" (%s:%d), which the Korean "
                                "template %s prints",
                                b->findings[i], cl->path, cl->line, b->tpl->path);
  }
  /* citations written in the summary and body must exist */
  for (size_t i = 0; i <= b->n_body; i++) {
    const char *text = i < b->n_body ? b->body[i] : bp_brief_field(b, "summary");
    bp_spans sp = {0};
    bp_inline_parse(text ? text : "", &sp);
    const char *bad = NULL;
    for (size_t k = 0; k < sp.n && !bad; k++)
      for (size_t c = 0; c < sp.v[k].n_cite && !bad; c++)
        if (!bp_bib_lookup(b->ds->bib, sp.v[k].cite_ids[c])) bad = sp.v[k].cite_ids[c];
    bp_status st = !bad ? BP_OK
                   : i < b->n_body
                       ? bp_jdoc_error_elem(ctx, b->jd, json_object_get(root, "body"), i,
                                            "unknown citation \"%s\"", bad)
                       : bp_jdoc_error(ctx, b->jd, root, "summary", "unknown citation \"%s\"", bad);
    bp_spans_free(&sp);
    if (st) return st;
  }
  /* content the template has no section for would silently go missing */
  static const char *const placed[] = {"summary", "findings", "body", "charts", "disclaimer", NULL};
  for (const char *const *p = placed; *p; p++) {
    if (!json_object_get(root, *p)) continue;
    bool has = false;
    for (size_t i = 0; i < b->tpl->n_sections && !has; i++)
      has = !strcmp(b->tpl->sections[i].type, *p);
    if (!has)
      return bp_jdoc_error(ctx, b->jd, root, *p,
                           "the template %s has no \"%s\" section, so this would not be shown",
                           b->tpl->path, *p);
  }
  json_t *charts = json_object_get(root, "charts");
  if (charts && !json_is_array(charts))
    return bp_jdoc_error(ctx, b->jd, root, "charts", "\"charts\" must be an array");
  for (size_t i = 0; i < json_array_size(charts); i++) {
    bp_status st = bp_chart_def_check(ctx, b->jd, json_array_get(charts, i), b->ds, NULL);
    if (st) return st;
  }
  return BP_OK;
}

bp_status bp_brief_load_with(bp_ctx *ctx, const char *path, const char *template_path,
                             bp_brief **out) {
  *out = NULL;
  bp_brief *b = bp_calloc(1, sizeof *b);
  b->path = bp_strdup(path);
  bp_status st = bp_jdoc_load(ctx, path, &b->jd);
  json_t *root = st ? NULL : bp_jdoc_root(b->jd);
  if (!st && !json_is_object(root))
    st = bp_jdoc_error(ctx, b->jd, root, NULL, "a brief is a JSON object");
  if (!st) st = unknown_keys(ctx, b->jd, root, BRIEF_KEYS, "brief");
  char *tpl = NULL, *data = NULL;
  if (!st) st = str_field(ctx, b->jd, root, "template", &tpl, template_path == NULL);
  static const char *const strs[] = {
      "title",     "institute", "series",      "number",    "date",       "subtitle",
      "author",    "lang",      "subject",     "summary",   "disclaimer", "institute_ko",
      "series_ko", "title_ko",  "subtitle_ko", "author_ko", "summary_ko", "disclaimer_ko"};
  char **fields[] = {&b->title,      &b->institute,    &b->series,      &b->number,
                     &b->date,       &b->subtitle,     &b->author,      &b->lang,
                     &b->subject,    &b->summary,      &b->disclaimer,  &b->institute_ko,
                     &b->series_ko,  &b->title_ko,     &b->subtitle_ko, &b->author_ko,
                     &b->summary_ko, &b->disclaimer_ko};
  char *md[MD_N] = {NULL}; /* MD_KEYS' files */
  for (size_t i = 0; !st && i < MD_N; i++) st = md_ref(ctx, b, root, MD_KEYS[i], &md[i]);
  if (!st && json_object_get(root, "findings_ko") && (!md[3] || !md[4]))
    st = bp_jdoc_error(ctx, b->jd, root, "findings_ko",
                       "\"findings_ko\" is {\"markdown\": \"FILE.md\"}: the Korean text of "
                       "findings written in a Markdown file (\"findings\": {\"markdown\": ...}); "
                       "claims carry their own \"text_ko\"");
  for (size_t i = 0; !st && i < sizeof strs / sizeof *strs; i++)
    if (!(fields[i] == &b->summary && md[0]) && !(fields[i] == &b->summary_ko && md[1]))
      st = str_field(ctx, b->jd, root, strs[i], fields[i], i == 0);
  json_t *kw = st ? NULL : json_object_get(root, "keywords");
  if (kw && json_is_array(kw)) { /* a list of keywords, as in article manifests */
    bp_buf k = {0};
    for (size_t i = 0; i < json_array_size(kw); i++)
      if (json_is_string(json_array_get(kw, i)))
        bp_buf_printf(&k, "%s%s", k.len ? ", " : "", json_string_value(json_array_get(kw, i)));
    b->keywords = bp_buf_detach(&k);
  } else if (!st) {
    st = str_field(ctx, b->jd, root, "keywords", &b->keywords, false);
  }
  if (!st && !md[3]) st = str_array(ctx, b->jd, root, "findings", &b->findings, &b->n_findings);
  if (!st && !md[2]) st = str_array(ctx, b->jd, root, "body", &b->body, &b->n_body);
  if (!st) markup_warnings(b, root);
  if (!st) {
    const char *slash = strrchr(path, '/');
    bp_buf tp = {0};
    if (template_path)
      bp_buf_puts(&tp, template_path);
    else {
      if (tpl[0] != '/' && slash) bp_buf_put(&tp, path, (size_t)(slash - path) + 1);
      bp_buf_puts(&tp, tpl);
    }
    st = bp_template_load(ctx, tp.data, &b->tpl);
    bp_buf_free(&tp);
  }
  if (!st) st = data_folder(ctx, b, root, &data);
  if (!st) st = bp_dataset_open(ctx, data, &b->ds);
  for (size_t i = 0; !st && i < 2; i++) /* the summaries' Markdown, then the body's */
    if (md[i])
      st = bp_markdown_load_brief(ctx, md[i], b->ds->bib, i ? &b->summary_ko : &b->summary, NULL);
  if (!st && md[2]) st = bp_markdown_load_brief(ctx, md[2], b->ds->bib, NULL, &b->body_doc);
  if (!st && md[3]) st = md_findings(ctx, b, root, md[3], md[4]);
  if (!st) {
    b->date_text = bp_template_format_date(b->tpl, b->date);
    b->charts = json_object_get(root, "charts");
    st = check_findings(ctx, b, root);
  }
  free(tpl);
  free(data);
  for (size_t i = 0; i < MD_N; i++) free(md[i]);
  if (st) {
    bp_brief_free(b);
    return st;
  }
  *out = b;
  return BP_OK;
}

bp_status bp_brief_load(bp_ctx *ctx, const char *path, bp_brief **out) {
  return bp_brief_load_with(ctx, path, NULL, out);
}

static void free_strs(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

void bp_brief_free(bp_brief *b) {
  if (!b) return;
  free_strs(b->findings, b->findings ? b->n_findings : 0);
  bp_claims_free(b->md_findings);
  free_strs(b->warnings, b->n_warnings);
  free_strs(b->body, b->n_body);
  bp_doc_free(b->body_doc);
  char **fields[] = {&b->institute,   &b->series,       &b->number,     &b->date,
                     &b->title,       &b->subtitle,     &b->author,     &b->lang,
                     &b->subject,     &b->keywords,     &b->summary,    &b->disclaimer,
                     &b->path,        &b->institute_ko, &b->series_ko,  &b->title_ko,
                     &b->subtitle_ko, &b->author_ko,    &b->summary_ko, &b->disclaimer_ko,
                     &b->date_text};
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) free(*fields[i]);
  bp_template_free(b->tpl);
  bp_dataset_free(b->ds);
  bp_jdoc_free(b->jd);
  free(b);
}

const bp_claim *bp_brief_finding(const bp_brief *b, size_t i) {
  return b->md_findings ? &b->md_findings->v[i] : bp_claims_lookup(b->ds->claims, b->findings[i]);
}

const char *bp_brief_field(const bp_brief *b, const char *f) {
#define KO(name)                                                                                   \
  if (!strcmp(f, #name)) return bp_template_text(b->tpl, b->name, b->name##_ko)
  KO(institute);
  KO(series);
  KO(title);
  KO(subtitle);
  KO(author);
  KO(summary);
  KO(disclaimer);
#undef KO
  if (!strcmp(f, "date")) return b->date_text;
  if (!strcmp(f, "number")) return b->number;
  if (!strcmp(f, "lang")) return b->lang;
  if (!strcmp(f, "subject")) return b->subject;
  if (!strcmp(f, "keywords")) return b->keywords;
  return NULL;
}

/* The manifest's "charts" and the data folder they are drawn from ("data":
 * a folder inside the article's data folder; default that folder). */
bp_status bp_article_data_load(bp_ctx *ctx, const bp_article *a, bp_jdoc **jd, json_t **charts,
                               bp_dataset **ds) {
  *charts = NULL, *ds = NULL;
  if (!strcmp(a->path, a->body_path)) { /* a Markdown article: no manifest */
    *jd = NULL;
    return BP_OK;
  }
  bp_status st = bp_jdoc_load(ctx, a->path, jd);
  json_t *root = st ? NULL : bp_jdoc_root(*jd);
  *charts = root ? json_object_get(root, "charts") : NULL;
  if (!*charts && !(root && json_object_get(root, "data"))) return st; /* no data set */
  if (*charts && !json_is_object(*charts))
    return bp_jdoc_error(ctx, *jd, root, "charts", "\"charts\" maps names to charts");
  json_t *data = json_object_get(root, "data");
  char *own = bp_data_root_of(a->path), *dir = NULL;
  if (data && !json_is_string(data))
    st = bp_jdoc_error(ctx, *jd, root, "data", "\"data\" must be a folder name");
  else if (!data)
    dir = bp_strdup(own);
  else if (bp_data_path_resolve(ctx, own, a->path, json_string_value(data), true, &dir)) {
    char msg[sizeof ctx->msg];
    snprintf(msg, sizeof msg, "%s", ctx->msg);
    bp_ctx_clear(ctx);
    st = bp_jdoc_error(ctx, *jd, root, "data", "%s", msg);
  }
  free(own);
  if (!st) st = bp_dataset_open(ctx, dir, ds);
  free(dir);
  const char *name;
  json_t *def;
  json_object_foreach(st ? NULL : *charts, name, def) {
    st = bp_chart_def_check(ctx, *jd, def, *ds, NULL);
    if (st) break;
  }
  return st;
}
