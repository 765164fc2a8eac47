/* sections.c - the section kinds, in one table: each names the keys it
 * takes, checks them against the binding's data and builds its elements on
 * the engine's stack. A kind reads its content through the binding, so the
 * same section serves a brief, an article and a record (docs/templates.md
 * lists every kind and key). */
#include "compose-imp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef bp__engine engine;
typedef bp_piece piece;

#define BULLET "\xE2\x80\xA2"

static const char *jstr(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static double jnum(json_t *o, const char *key, double dflt) {
  json_t *v = json_object_get(o, key);
  return json_is_number(v) ? json_number_value(v) : dflt;
}

static bool korean(const engine *e) { return e->t->lang && !strcmp(e->t->lang, "ko"); }

/* The text of pattern key `key` (NULL: `dflt`), expanded over the binding;
 * what fails to set is blamed on the pattern's first field, else on `key`. */
static char *text_of(engine *e, const bp_tsection *s, const char *key, const char *dflt) {
  json_t *p = json_object_get(s->json, key);
  const char *pat =
      p ? (json_is_array(p) ? json_string_value(json_array_get(p, 0)) : json_string_value(p))
        : dflt;
  const char *open = pat ? strchr(pat, '{') : NULL, *close = open ? strchr(open, '}') : NULL;
  size_t n = close ? (size_t)(close - open - 1) : 0;
  if (n && n < sizeof e->field_buf) {
    memcpy(e->field_buf, open + 1, n);
    e->field_buf[n] = '\0';
    e->field = e->field_buf;
  } else
    e->field = key;
  if (p || !dflt || dflt[0] != '[')
    return p ? bp__expand(e->b, e->t, p) : bp__expand_str(e->b, e->t, dflt);
  json_t *d = json_loads(dflt, 0, NULL); /* a default given as an array */
  char *out = bp__expand(e->b, e->t, d);
  json_decref(d);
  return out;
}

/* Whether the binding's kind has field `name` (a brief or article may
 * leave a field out; its kind still has it). */
static bool has_field(const bp__binding *b, const char *name) {
  static const char *const doc[] = {"title", "subtitle", "author",   "date",
                                    "lang",  "subject",  "keywords", NULL};
  static const char *const brief[] = {"institute",  "series",        "number",         "summary",
                                      "disclaimer", "masthead_left", "masthead_right", NULL};
  if (b->kind == BP__RECORD) return !strcmp(name, "id") || bp_records_column(b->rec, name) >= 0;
  for (const char *const *k = doc; *k; k++)
    if (!strcmp(*k, name)) return true;
  for (const char *const *k = brief; b->kind == BP__BRIEF && *k; k++)
    if (!strcmp(*k, name)) return true;
  return false;
}

/* Every {field} of a pattern (a string, or an array of them) is a field of
 * the binding's kind. `o` and `key` say where, for the message. */
static bp_status check_fields(bp_ctx *ctx, const bp_template *t, json_t *o, const char *key,
                              json_t *v, const bp__binding *b) {
  json_t *items = json_is_array(v) ? v : NULL;
  for (size_t i = 0; i < (items ? json_array_size(items) : 1); i++) {
    json_t *p = items ? json_array_get(items, i) : v;
    if (!json_is_string(p))
      return bp_jdoc_error(ctx, t->jd, o, key,
                           "\"%s\" is a text with {fields}, or an array of them", key);
    for (const char *q = json_string_value(p); (q = strchr(q, '{')); q++) {
      const char *close = strchr(q, '}');
      if (!close || close - q > 60) break;
      char name[64];
      memcpy(name, q + 1, (size_t)(close - q - 1));
      name[close - q - 1] = '\0';
      if (has_field(b, name)) continue;
      if (b->kind == BP__RECORD)
        return bp_jdoc_error(ctx, t->jd, o, key, "\"{%s}\": the records %s have no column \"%s\"",
                             name, b->rec->path, name);
      return bp_jdoc_error(ctx, t->jd, o, key, "\"{%s}\": a%s %s has no field \"%s\"%s", name,
                           b->kind == BP__BRIEF ? "" : "n",
                           b->kind == BP__BRIEF ? "brief" : "article", name,
                           json_object_get(o, key) ? "" : " (set the section's \"text\")");
    }
  }
  return BP_OK;
}

static bp_status check_pattern(bp_ctx *ctx, const bp_template *t, json_t *o, const char *key,
                               const bp__binding *b) {
  json_t *v = json_object_get(o, key);
  return v ? check_fields(ctx, t, o, key, v, b) : BP_OK;
}

/* ---- masthead, title, byline, disclaimer, header and footer ------------------ */

static bp_status check_patterns(bp_ctx *ctx, const bp_template *t, const bp_tsection *s,
                                const bp__binding *b) {
  static const char *const keys[] = {"left",     "right",     "text", "text_ko",
                                     "subtitle", "doc_title", NULL};
  bp_status st = BP_OK;
  for (const char *const *k = keys; *k && !st; k++) st = check_pattern(ctx, t, s->json, *k, b);
  /* what the section shows by default must be something the document has */
  static const char *const dflt[][2] = {
      {"title", "{title}"}, {"summary", "{summary}"}, {"disclaimer", "{disclaimer}"}};
  for (size_t i = 0; !st && i < sizeof dflt / sizeof *dflt; i++)
    if (!strcmp(s->type, dflt[i][0]) && !json_object_get(s->json, "text")) {
      json_t *v = json_string(dflt[i][1]);
      st = check_fields(ctx, t, s->json, "text", v, b);
      json_decref(v);
    }
  return st;
}

/* A running header or footer text: a string with the binding's {fields},
 * {page} and {pages}. */
static bp_status check_running_text(bp_ctx *ctx, const bp_template *t, json_t *o, const char *key,
                                    const char *text, const bp__binding *b) {
  if (!text) return BP_OK;
  bp_status st = BP_OK;
  for (const char *q = text; !st && (q = strchr(q, '{')); q++) {
    const char *close = strchr(q, '}');
    if (!close || close - q > 60) break;
    char name[64];
    memcpy(name, q + 1, (size_t)(close - q - 1));
    name[close - q - 1] = '\0';
    if (strcmp(name, "page") && strcmp(name, "pages")) {
      json_t *one = json_sprintf("{%s}", name);
      st = check_fields(ctx, t, o, key, one, b);
      json_decref(one);
    }
  }
  return st;
}

static bp_status check_running(bp_ctx *ctx, const bp_template *t, const bp_tsection *s,
                               const bp__binding *b) {
  bp_status st = BP_OK;
  for (int k = 0; k < 2 && !st; k++) {
    const char *key = k ? "right" : "left";
    json_t *v = json_object_get(s->json, key);
    if (v && !json_is_string(v))
      return bp_jdoc_error(ctx, t->jd, s->json, key, "\"%s\" is a text with {fields}", key);
    st = check_running_text(ctx, t, s->json, key, json_string_value(v), b);
  }
  return st;
}

static bp_status masthead(engine *e, const bp_tsection *s) {
  char *left = text_of(e, s, "left", "{masthead_left}");
  char *right = text_of(e, s, "right", "{masthead_right}");
  bp_status st = BP_OK;
  if (left || right) {
    bp_flow_elem *el = bp__push(e, BP_FLOW_BLOCK, 0, s->space_before_pt, 0, true);
    const piece *r = right ? bp__plain(e, "masthead_right", right, 0) : NULL;
    double room = e->width - (r ? r->w + bp__style(e, "masthead")->size_pt : 0); /* 1 em apart */
    if (left && room < e->width * 0.25) /* the left wraps beside the right, never under it */
      st = bp_error(e->ctx, BP_ERR_LAYOUT,
                    "the masthead's right text \"%.60s\" takes %.0f of the %.0f pt measure: "
                    "the left one has no room beside it",
                    right, r ? r->w : 0, e->width);
    if (!st && left)
      st = bp__place_in(e, el, bp__plain(e, "masthead", left, fmin(e->width * 0.6, room)), 0, 0);
    if (!st && right) st = bp__place_in(e, el, r, r ? e->width - r->w : 0, 0);
    if (!st) bp__rule(e, 1.5, 4, 0, e->t->accent, false);
  }
  free(left);
  free(right);
  return st;
}

static bp_status title(engine *e, const bp_tsection *s) {
  char *text = text_of(e, s, "text", "{title}");
  if (!text) {
    const char *id = bp__field(e->b, e->t, "id");
    bp__warn(e, "field %s is empty: the title is the %s", e->field, id ? "id" : "document title");
    text = bp_strdup(id ? id : e->b->doc_title);
    e->field = id ? "id" : "title";
  }
  double gap = jnum(s->json, "gap", 3);
  bp_status st =
      bp__block(e, bp__plain(e, "title", text, e->width), 0, s->space_before_pt, 0, true);
  free(text);
  if (!st) {
    e->flow.v[e->flow.n - 1].level = 0;
    e->flow.v[e->flow.n - 1].outline = bp_strdup(e->b->doc_title);
  }
  const char *keys[] = {"text_ko", "subtitle"}, *styles[] = {"title_ko", "subtitle"};
  for (int i = 0; i < 2 && !st; i++) {
    char *t = text_of(e, s, keys[i], i ? "{subtitle}" : NULL);
    if (!t && i == 0 && json_object_get(s->json, keys[i]))
      bp__warn(e, "field %s is empty: no Korean name", e->field);
    if (t) st = bp__block(e, bp__plain(e, styles[i], t, e->width), 0, i ? gap : 1, 0, true);
    free(t);
  }
  if (!st && json_is_true(json_object_get(s->json, "rule")))
    bp__rule(e, 0.6, 5, 0, e->t->rule, false);
  if (!st) e->flow.v[e->flow.n - 1].keep = false;
  return st;
}

/* One text in one style (markup: citations become markers). */
static bp_status text_section(engine *e, const bp_tsection *s, const char *dflt,
                              const char *style) {
  char *text = text_of(e, s, "text", dflt);
  bp_status st = BP_OK;
  e->field = s->type;
  if (text)
    st = bp__block(e, bp__markup(e, style, text, e->width), 0, s->space_before_pt, 0, false);
  free(text);
  return st;
}

static bp_status byline(engine *e, const bp_tsection *s) {
  return text_section(e, s, e->b->kind == BP__BRIEF ? "{author}" : "[\"{author}\", \"{date}\"]",
                      "byline");
}

static bp_status disclaimer(engine *e, const bp_tsection *s) {
  return text_section(e, s, "{disclaimer}", "disclaimer");
}

/* A running header or footer given as a section: sets the left and right
 * texts drawn on every page. */
static bp_status running(engine *e, const bp_tsection *s) {
  (void)e, (void)s; /* drawn on every page by the engine (draw_running) */
  return BP_OK;
}

/* ---- summary panel ------------------------------------------------------------------ */

static bp_status check_summary(bp_ctx *ctx, const bp_template *t, const bp_tsection *s,
                               const bp__binding *b) {
  json_t *band = json_object_get(s->json, "band");
  if (band && !json_is_boolean(band))
    return bp_jdoc_error(ctx, t->jd, s->json, "band", "\"band\" must be true or false");
  return b ? check_patterns(ctx, t, s, b) : BP_OK; /* no binding: the template alone */
}

static bp_status summary(engine *e, const bp_tsection *s) {
  char *text = text_of(e, s, "text", "{summary}");
  if (!text) return BP_OK;
  const char *label = s->title ? s->title : bp_template_label(e->t, BP_LABEL_SUMMARY);
  bp_flow_elem *el = bp__push(e, BP_FLOW_BLOCK, 0, s->space_before_pt, 0, false);
  el->color = e->t->panel;
  /* a band runs across the page (and into its bleed): its text keeps to the
   * measure, as the text above and below it does, padded only above and below */
  el->band = json_is_true(json_object_get(s->json, "band"));
  const double pad = e->t->panel_padding_pt, padx = el->band ? 0 : pad;
  double y = pad;
  bp_status st = BP_OK;
  e->field = "summary";
  if (*label) { /* the panel's label heads it, as the findings' heading does theirs */
    const piece *l = bp__plain(e, "label", label, e->width - 2 * padx);
    st = bp__place_in(e, el, l, padx, y);
    if (!st) y += l->h + 2, el->pl[0].role = BP_ROLE_H2;
  }
  if (!st) st = bp__place_in(e, el, bp__markup(e, "summary", text, e->width - 2 * padx), padx, y);
  el->h += pad;
  free(text);
  return st;
}

/* ---- findings (claims) ------------------------------------------------------------- */

static bool claim_tagged(const bp_claim *cl, const char *iso2) {
  for (size_t k = 0; k < cl->n_countries; k++)
    if (!strcmp(cl->countries[k], iso2)) return true;
  return false;
}

/* The record's country: the section's "match" field (default iso2). */
static const char *match_country(const engine *e, json_t *o) {
  const char *mf = jstr(o, "match");
  const char *v = bp__field(e->b, e->t, mf ? mf : "iso2");
  return v && *v ? v : NULL;
}

/* The claims to show: a brief's findings in its order, or those tagged with
 * the record's country, undated first as written, then dated oldest first.
 * *out holds borrowed pointers. */
static size_t claims_of(const engine *e, const bp_tsection *s, const bp_claim ***out) {
  const bp_claims *cs = e->b->ds->claims;
  size_t most = (cs ? cs->n : 0) + (e->b->kind == BP__BRIEF ? e->b->brief->n_findings : 0);
  const bp_claim **v = bp_calloc(most + 1, sizeof *v); /* a brief's may be Markdown's */
  size_t n = 0;
  if (e->b->kind == BP__BRIEF) {
    for (size_t i = 0; i < e->b->brief->n_findings; i++) v[n++] = bp_brief_finding(e->b->brief, i);
    *out = v;
    return n;
  }
  const char *iso2 = match_country(e, s->json);
  for (int dated = 0; dated < 2 && iso2; dated++)
    for (size_t i = 0; cs && i < cs->n; i++)
      if (!cs->v[i].date.y == !dated && claim_tagged(&cs->v[i], iso2)) v[n++] = &cs->v[i];
  for (size_t i = 1; i < n; i++) /* stable insertion sort by date (undated stay first) */
    for (size_t k = i; k > 0 && v[k - 1]->date.y && bp_date_cmp(&v[k - 1]->date, &v[k]->date) > 0;
         k--) {
      const bp_claim *tmp = v[k];
      v[k] = v[k - 1];
      v[k - 1] = tmp;
    }
  json_t *mx = json_object_get(s->json, "max");
  if (json_is_integer(mx) && json_integer_value(mx) > 0 && (size_t)json_integer_value(mx) < n)
    n = (size_t)json_integer_value(mx);
  *out = v;
  return n;
}

static bp_status check_findings(bp_ctx *ctx, const bp_template *t, const bp_tsection *s,
                                const bp__binding *b) {
  const char *m = jstr(s->json, "match");
  if (m && b->kind != BP__RECORD)
    return bp_jdoc_error(ctx, t->jd, s->json, "match",
                         "\"match\" picks a record's claims: only "
                         "in a profile");
  if (m && bp_records_column(b->rec, m) < 0)
    return bp_jdoc_error(ctx, t->jd, s->json, "match", "the records %s have no column \"%s\"",
                         b->rec->path, m);
  if (b->kind == BP__ARTICLE)
    return bp_jdoc_error(ctx, t->jd, s->json, "type", "an article has no findings (claims)");
  const char *style = jstr(s->json, "style");
  if (style && !bp_template_has_style(t, style))
    return bp_jdoc_error(ctx, t->jd, s->json, "style", "the template has no style \"%s\"", style);
  return BP_OK;
}

static bp_status findings(engine *e, const bp_tsection *s) {
  const bp_claim **v;
  size_t n = claims_of(e, s, &v);
  const char *style = jstr(s->json, "style")       ? jstr(s->json, "style")
                      : !strcmp(s->type, "claims") ? "claim"
                                                   : "finding";
  bp_status st = n ? bp__heading(e, s, BP_LABEL_FINDINGS) : BP_OK;
  const bp_style *fs = bp__style(e, style);
  double indent = fs->size_pt * jnum(s->json, "indent", 1.2);
  for (size_t i = 0; i < n && !st; i++) {
    char *markup = bp_claim_markup(v[i], korean(e));
    char where[300];
    snprintf(where, sizeof where, "claim %s (%s:%d)", v[i]->id, v[i]->path ? v[i]->path : "?",
             v[i]->line);
    e->field = where;
    const piece *t = bp__markup(e, style, markup, e->width - indent);
    free(markup);
    st = bp__hanging(e, t ? bp__plain(e, style, BULLET, 0) : NULL, t, indent,
                     i ? fs->size_pt * 0.35 : 3, 0);
  }
  free(v);
  return st;
}

/* ---- facts ---------------------------------------------------------------------------- */

static bp_status check_facts(bp_ctx *ctx, const bp_template *t, const bp_tsection *s,
                             const bp__binding *b) {
  json_t *rows = json_object_get(s->json, "rows"), *tab = json_object_get(s->json, "table");
  if (!json_is_array(rows) && (rows || !tab))
    return bp_jdoc_error(ctx, t->jd, s->json, rows ? "rows" : NULL,
                         "\"rows\" must be an array of {\"label\", \"field\"}%s",
                         rows ? "" : " (or a \"table\" of records)");
  if (tab && !json_is_object(tab))
    return bp_jdoc_error(ctx, t->jd, s->json, "table", "\"table\" is an object");
  bp_status st = tab ? bp_table_def_check(ctx, t->jd, tab, b ? b->ds : NULL,
                                          b && b->kind == BP__RECORD ? b->rec : NULL)
                     : BP_OK;
  if (!st && b && tab && !b->ds)
    st = bp_jdoc_error(ctx, t->jd, s->json, "table",
                       "a table draws from a data folder: the article's manifest names none "
                       "(\"data\")");
  if (!st && b && tab) st = check_pattern(ctx, t, tab, "caption", b);
  for (size_t r = 0; !st && b && r < json_array_size(rows); r++) {
    json_t *row = json_array_get(rows, r);
    static const char *const rk[] = {"label",  "field", "text",       "values",
                                     "format", "cite",  "capitalize", NULL};
    if (!json_is_object(row))
      return bp_jdoc_error_elem(ctx, t->jd, rows, r, "a facts row is an object");
    const char *key;
    json_t *v;
    json_object_foreach(row, key, v) {
      bool ok = false;
      for (const char *const *k = rk; *k && !ok; k++) ok = !strcmp(*k, key);
      if (!ok) return bp_jdoc_error(ctx, t->jd, row, key, "unknown facts row key \"%s\"", key);
    }
    if (!jstr(row, "field") && !jstr(row, "text"))
      return bp_jdoc_error_elem(ctx, t->jd, rows, r, "a facts row needs \"field\" or \"text\"");
    for (int f = 0; f < 2 && !st; f++) { /* field and cite name fields, checked as {field} */
      const char *name = jstr(row, f ? "cite" : "field");
      if (!name) continue;
      json_t *p = json_sprintf("{%s}", name);
      st = check_fields(ctx, t, row, f ? "cite" : "field", p, b);
      json_decref(p);
    }
    if (!st) st = check_pattern(ctx, t, row, "text", b);
    const char *fmt = jstr(row, "format");
    if (!st && fmt && strcmp(fmt, "date"))
      st = bp_jdoc_error(ctx, t->jd, row, "format", "unknown format \"%s\" (date)", fmt);
    json_t *vals = json_object_get(row, "values");
    if (!st && vals && !json_is_object(vals))
      st = bp_jdoc_error(ctx, t->jd, row, "values", "\"values\" maps values to display text");
  }
  return st;
}

/* Value `v` as a facts row or a table column `spec` shows it: through its
 * "values", as a date ("format"), its first letter upper-cased
 * ("capitalize", ASCII). */
static char *shown(engine *e, json_t *spec, const char *v) {
  json_t *map = json_object_get(spec, "values");
  const char *fmt = jstr(spec, "format");
  char *out = jstr(map, v)                  ? bp_strdup(jstr(map, v))
              : fmt && !strcmp(fmt, "date") ? bp_template_format_date(e->t, v)
                                            : bp_strdup(v);
  if (json_is_true(json_object_get(spec, "capitalize")) && *out >= 'a' && *out <= 'z')
    *out = (char)(*out - 'a' + 'A');
  return out;
}

/* The value of one facts row as text, or NULL when there is none. */
static char *fact_value(engine *e, json_t *row) {
  const char *field = jstr(row, "field");
  if (jstr(row, "text")) return bp__expand(e->b, e->t, json_object_get(row, "text"));
  const char *v = field ? bp__field(e->b, e->t, field) : NULL;
  return v && *v ? shown(e, row, v) : NULL;
}

static bp_table_align align_of(json_t *col) {
  const char *a = jstr(col, "align");
  return !a                    ? BP_TABLE_AUTO
         : !strcmp(a, "left")  ? BP_TABLE_LEFT
         : !strcmp(a, "right") ? BP_TABLE_RIGHT
                               : BP_TABLE_CENTER;
}

/* A facts section's table: the rows of its record set that match the
 * bound record ("match") and "where", at most "max", one cell per column
 * (the value as shown, then the marker of its "cite"), under the caption. */
static bp_status facts_table(engine *e, const bp_tsection *s, bool *any) {
  json_t *tab = json_object_get(s->json, "table"), *cols = json_object_get(tab, "columns");
  const bp_records *r = bp_dataset_records(e->b->ds, jstr(tab, "records"));
  const char *match = jstr(tab, "match");
  const char *mine = match ? bp__field(e->b, e->t, match) : NULL;
  size_t nc = json_array_size(cols), n = 0, max = (size_t)jnum(tab, "max", 1e9), bad = nc;
  bp_table_column *tc = bp_calloc(nc + 1, sizeof *tc);
  bp_table_cell *cells = bp_calloc(r->n_rows * nc + 1, sizeof *cells);
  bp_spans *sp = bp_calloc(r->n_rows * nc + 1, sizeof *sp);
  for (size_t c = 0; c < nc; c++) {
    json_t *col = json_array_get(cols, c);
    tc[c] = (bp_table_column){jstr(col, "label") ? jstr(col, "label") : jstr(col, "field"),
                              align_of(col), jnum(col, "width", 0), jnum(col, "weight", 1)};
  }
  size_t *order = bp_records_order(r, jstr(tab, "sort"));
  for (size_t k = 0, i; k < r->n_rows && n < max; k++) {
    if (((i = order[k]), match && (!mine || strcmp(bp_records_field(r, i, match), mine))) ||
        !bp__row_matches(r, i, json_object_get(tab, "where")))
      continue;
    for (size_t c = 0; c < nc; c++) {
      json_t *col = json_array_get(cols, c);
      const char *v = bp_records_field(r, i, jstr(col, "field"));
      const char *cite = jstr(col, "cite") ? bp_records_field(r, i, jstr(col, "cite")) : NULL;
      char *text = *v ? shown(e, col, v) : bp_strdup("");
      cells[n * nc + c].spans = &sp[n * nc + c];
      bp_spans_add_text(&sp[n * nc + c], text, strlen(text), 0, NULL);
      if (cite && *cite) bp_spans_add_cite(&sp[n * nc + c], &cite, 1);
      free(text);
    }
    n++;
  }
  bp_status st = n && !*any ? bp__heading(e, s, -1) : BP_OK;
  double before = *any ? 8 : s->title ? 2 : s->space_before_pt;
  char *caption =
      n && !st && jstr(tab, "caption") ? bp__expand_str(e->b, e->t, jstr(tab, "caption")) : NULL;
  const char *cs = bp_template_has_style(e->t, "caption") ? "caption" : "label";
  if (caption) st = bp__block(e, bp__plain(e, cs, caption, e->width), 0, before, 3, true);
  if (caption && !st) e->flow.v[e->flow.n - 1].role = BP_ROLE_CAPTION; /* the table's */
  e->field = "facts";
  bp_status tst = n && !st ? bp__table(e, tc, nc, cells, n, caption ? 0 : before, &bad) : BP_OK;
  if (tst && bad < nc) { /* say which column of the template */
    char msg[sizeof e->ctx->msg];
    snprintf(msg, sizeof msg, "%s", e->ctx->msg);
    bp_ctx_clear(e->ctx);
    st = bp_jdoc_error(e->ctx, e->t->jd, json_array_get(cols, bad), NULL,
                       "the table's column \"%s\" is too narrow: %s", tc[bad].header, msg);
  } else if (tst)
    st = bp__blame(e, e->field);
  *any |= n > 0;
  for (size_t i = 0; i < n * nc; i++) bp_spans_free(&sp[i]);
  free(sp), free(cells), free(tc), free(caption), free(order);
  return st;
}

static bp_status facts(engine *e, const bp_tsection *s) {
  json_t *rows = json_object_get(s->json, "rows");
  double label_w = jnum(s->json, "label_width", e->width * 0.24);
  if (label_w < 10 || label_w > e->width / 2) label_w = e->width * 0.24;
  bool any = false;
  bp_status st = BP_OK;
  for (size_t i = 0; i < json_array_size(rows) && !st; i++) {
    json_t *row = json_array_get(rows, i);
    char *value = fact_value(e, row);
    if (!value) continue;
    if (!any) {
      st = bp__heading(e, s, -1);
      bp__rule(e, 0.6, 2, 0, e->t->rule, true);
      any = true;
    }
    /* the value is plain text (a record's '*' stays a '*'), then the marker
     * of its source */
    bp_spans sp = {0};
    bp_spans_add_text(&sp, value, strlen(value), 0, NULL);
    const char *cite = jstr(row, "cite") ? bp__field(e->b, e->t, jstr(row, "cite")) : NULL;
    if (cite && *cite) bp_spans_add_cite(&sp, &cite, 1);
    e->field = jstr(row, "field") ? jstr(row, "field") : "facts";
    const piece *t = st ? NULL : bp__spans(e, "value", value, &sp, e->width - label_w);
    bp_spans_free(&sp);
    free(value);
    e->field = "facts";
    const char *label = jstr(row, "label") ? jstr(row, "label") : jstr(row, "field");
    const piece *l = t ? bp__plain(e, "label", label ? label : "", label_w - 6) : NULL;
    if (!st) st = bp__hanging(e, l, t, label_w, 3.5, 3.5);
    if (!st) bp__rule(e, 0.4, 0, 0, e->t->rule, false);
  }
  return st || !json_object_get(s->json, "table") ? st : facts_table(e, s, &any);
}

/* ---- body ----------------------------------------------------------------------------- */

static const piece *spans_piece(engine *e, const char *style, const bp_spans *sp, double w) {
  char *key = bp_spans_key(sp);
  const piece *p = bp__spans(e, style, key, sp, w);
  free(key);
  return p;
}

static double para_gap(const engine *e) {
  return e->t->paragraph_gap_pt > 0 ? e->t->paragraph_gap_pt : bp__style(e, "body")->size_pt * 0.5;
}

static bp_status endnotes(engine *e, const bp_tsection *s);

/* A chart of an article's body (<!-- chart: NAME -->), from its manifest. */
static bp_status body_chart(engine *e, const bp_doc *doc, const bp_block *blk) {
  json_t *def = json_is_object(e->b->charts) ? json_object_get(e->b->charts, blk->ref) : NULL;
  if (!def)
    return bp_error(e->ctx, BP_ERR_DATA, "%s:%d: chart '%s' is not defined in %s (\"charts\")",
                    doc->source_path, blk->line, blk->ref, e->b->path);
  bp__chart_data d;
  bp_status st = BP_OK;
  if (bp__chart_build(e, def, &d)) {
    const bp_style *cs = bp__style(e, bp_template_has_style(e->t, "chart") ? "chart" : "label");
    d.spec.family = cs->family;
    d.spec.font_size_pt = bp_template_has_style(e->t, "chart") ? cs->size_pt : 0;
    e->field = "charts";
    st = bp__block(e, bp__chart(e, &d.spec, e->width, jnum(def, "height", 190)), 0, 8, 12, false);
  }
  bp__chart_data_free(&d);
  return st;
}

/* A Markdown table: its header over its rows of cells. */
static bp_status md_table(engine *e, const bp_doc_table *t) {
  bp_table_column *tc;
  bp_table_cell *cells = bp_table_of_doc(t, &tc);
  bp_status st = bp__table(e, tc, t->n_cols, cells, t->n_rows, 6, NULL);
  if (!st) e->flow.v[e->flow.n - 1].after = para_gap(e) + 4;
  free(tc), free(cells);
  return st;
}

/* Markdown blocks: an article's, or a brief's body. */
static bp_status markdown(engine *e, const bp_doc *doc) {
  double w = e->width;
  bp_status st = BP_OK;
  char where[64]; /* e->field points here: it must outlive the loop */
  for (size_t i = 0; i < doc->n_blocks && !st; i++) {
    const bp_block *b = &doc->blocks[i];
    snprintf(where, sizeof where, "line %d", b->line);
    e->field = where;
    switch (b->kind) {
    case BP_BLOCK_HEADING: {
      bool h1 = b->level <= 1;
      const char *hs = h1 || !bp_template_has_style(e->t, "heading2") ? "heading" : "heading2";
      st = bp__block(e, spans_piece(e, hs, &b->spans, w), 0, h1 ? 14 : 10, 5, true);
      if (!st) {
        bp_buf plain = {0};
        for (size_t k = 0; k < b->spans.n; k++)
          if (b->spans.v[k].kind == BP_SPAN_TEXT) bp_buf_puts(&plain, b->spans.v[k].text);
        e->flow.v[e->flow.n - 1].level = h1 ? 1 : 2;
        e->flow.v[e->flow.n - 1].outline = plain.data ? bp_buf_detach(&plain) : bp_strdup("");
      }
      break;
    }
    case BP_BLOCK_PARA:
      st = bp__block(e, spans_piece(e, "body", &b->spans, w), 0, 0, para_gap(e), false);
      break;
    case BP_BLOCK_QUOTE:
      st = bp__block(e, spans_piece(e, "quote", &b->spans, w - 24), 24, 4, 8, false);
      if (!st) e->flow.v[e->flow.n - 1].role = BP_ROLE_BLOCKQUOTE;
      break;
    case BP_BLOCK_LIST_ITEM: {
      char num[16];
      snprintf(num, sizeof num, b->number > 0 ? "%d." : BULLET, b->number);
      const piece *t = spans_piece(e, "body", &b->spans, w - 16);
      bool last = i + 1 == doc->n_blocks || doc->blocks[i + 1].kind != BP_BLOCK_LIST_ITEM;
      st = bp__hanging(e, t ? bp__plain(e, "body", num, 0) : NULL, t, 16, 0,
                       last ? para_gap(e) : 4); /* a paragraph's gap after the list */
      break;
    }
    case BP_BLOCK_ENDNOTES: { /* <!-- endnotes --> places them here */
      const bp_tsection *ns = NULL;
      for (size_t k = 0; k < e->t->n_sections && !ns; k++)
        if (!strcmp(e->t->sections[k].type, "endnotes")) ns = &e->t->sections[k];
      bp_tsection dflt = {.type = "endnotes", .space_before_pt = 18, .columns = 1};
      st = endnotes(e, ns ? ns : &dflt);
      break;
    }
    case BP_BLOCK_CHART: st = body_chart(e, doc, b); break;
    case BP_BLOCK_TABLE: st = md_table(e, b->table); break;
    case BP_BLOCK_RULE: { /* a thematic break: a short rule, centred */
      bp_flow_elem *el = bp__push(e, BP_FLOW_RULE, 0.6, 10, 12, false);
      el->color = e->t->muted;
      el->share = 0.3; /* of the width, centred */
      break;
    }
    }
  }
  /* a block that cannot be set: say where it is in the Markdown */
  if (st && e->field && !strncmp(e->field, "line ", 5) &&
      !strstr(e->ctx->msg, doc->source_path ? doc->source_path : "\x01"))
    return bp_error_wrap(e->ctx, st, "%s:%s: ", doc->source_path ? doc->source_path : "?",
                         e->field + 5);
  return st;
}

static bp_status body(engine *e, const bp_tsection *s) {
  const bp_brief *b = e->b->brief;
  size_t n = b ? b->n_body : 0;
  const bp_doc *md = e->b->kind == BP__ARTICLE ? e->b->article->doc : b ? b->body_doc : NULL;
  bool any = md ? md->n_blocks > 0 : n > 0;
  bp_status st = s->title && any ? bp__heading(e, s, -1) : BP_OK; /* no heading over nothing */
  if (st) return st;
  if (md) {
    if (s->columns > 1)
      return bp_jdoc_error(e->ctx, e->t->jd, s->json, "columns",
                           "a Markdown body is set in one column");
    return markdown(e, md);
  }
  double gap = para_gap(e);
  e->field = "body";
  if (s->columns < 2) {
    for (size_t i = 0; i < n && !st; i++)
      if (*b->body[i])
        st = bp__block(e, bp__markup(e, "body", b->body[i], e->width), 0,
                       i || s->title ? gap : s->space_before_pt, 0, false);
    return st;
  }
  if (!n) return BP_OK;
  bp_flow_elem *el = bp__push(e, BP_FLOW_COLUMNS, 0, s->title ? gap : s->space_before_pt, 0, false);
  el->cols = 2;
  el->gap = gap;
  el->col_w = (e->width - e->t->column_gap_pt) / 2;
  el->items = bp_calloc(n, sizeof *el->items);
  for (size_t i = 0; i < n && !st; i++) {
    if (!*b->body[i]) continue;
    const piece *p = bp__markup(e, "body", b->body[i], el->col_w);
    if (!p) return e->ctx->status;
    el->items[el->n_items++] = p;
    bp__preflight_add(e, p);
  }
  return st;
}

/* ---- charts ----------------------------------------------------------------------------- */

static bp_status check_charts(bp_ctx *ctx, const bp_template *t, const bp_tsection *s,
                              const bp__binding *b) {
  json_t *charts = json_object_get(s->json, "charts");
  if (!b->ds)
    return bp_jdoc_error(ctx, t->jd, s->json, "type",
                         "a %s section draws from a data folder: the article's manifest names "
                         "none (\"data\")",
                         s->type);
  if (charts && !json_is_array(charts))
    return bp_jdoc_error(ctx, t->jd, s->json, "charts", "\"charts\" must be an array");
  if (!charts && b->kind == BP__RECORD)
    return bp_jdoc_error(ctx, t->jd, s->json, NULL, "a profile's charts section lists \"charts\"");
  bp_status st = BP_OK;
  for (size_t i = 0; !st && i < json_array_size(charts); i++)
    st = bp_chart_def_check(ctx, t->jd, json_array_get(charts, i), b->ds,
                            b->kind == BP__RECORD ? b->rec : NULL);
  return st;
}

/* A row of charts, widths by their "weight"; sources numbered here. */
static bp_status chart_row(engine *e, const bp_tsection *s, json_t *defs, double h) {
  size_t n = 0;
  bp__chart_data *d = bp_calloc(json_array_size(defs) + 1, sizeof *d);
  double total = 0, gap = e->t->column_gap_pt;
  const bp_style *cs = bp__style(e, bp_template_has_style(e->t, "chart") ? "chart" : "label");
  for (size_t i = 0; i < json_array_size(defs); i++) {
    if (!bp__chart_build(e, json_array_get(defs, i), &d[n])) {
      bp__chart_data_free(&d[n]);
      continue;
    }
    d[n].spec.family = cs->family;
    d[n].spec.font_size_pt = bp_template_has_style(e->t, "chart") ? cs->size_pt : 0;
    total += d[n++].weight;
  }
  bp_status st = n ? bp__heading(e, s, -1) : BP_OK;
  bp_flow_elem *el =
      n && !st ? bp__push(e, BP_FLOW_BLOCK, h, s->title ? 2 : s->space_before_pt, 0, false) : NULL;
  double x = 0, avail = e->width - gap * (double)(n ? n - 1 : 0);
  e->field = "charts";
  for (size_t i = 0; el && i < n && !st; i++) {
    double w = avail * d[i].weight / total;
    st = bp__place_in(e, el, bp__chart(e, &d[i].spec, w, h), x, 0);
    x += w + gap;
  }
  for (size_t i = 0; i < n; i++) bp__chart_data_free(&d[i]);
  free(d);
  return st;
}

static bp_status charts(engine *e, const bp_tsection *s) {
  json_t *defs = json_object_get(s->json, "charts");
  return chart_row(e, s, defs ? defs : e->b->charts, s->height_pt > 0 ? s->height_pt : 150);
}

/* A timeline section: one timeline chart across the measure, its events
 * given by the section's own keys. */
static json_t *timeline_def(const bp_tsection *s) {
  json_t *def = json_deep_copy(s->json);
  json_object_del(def, "type");
  json_object_del(def, "title");
  json_object_del(def, "columns");
  json_object_del(def, "space_before");
  json_object_del(def, "space_after");
  json_object_del(def, "height");
  json_object_set_new(def, "kind", json_string("timeline"));
  return def;
}

static bp_status check_timeline(bp_ctx *ctx, const bp_template *t, const bp_tsection *s,
                                const bp__binding *b) {
  if (!b->ds) return check_charts(ctx, t, s, b);
  json_t *def = timeline_def(s);
  bp_status st = bp_chart_def_check(ctx, t->jd, def, b->ds, b->kind == BP__RECORD ? b->rec : NULL);
  json_decref(def);
  if (st) { /* the copy has no position: say where the section is */
    char msg[sizeof ctx->msg];
    const char *m = strstr(ctx->msg, ": ");
    snprintf(msg, sizeof msg, "%s", m ? m + 2 : ctx->msg);
    bp_ctx_clear(ctx);
    st = bp_jdoc_error(ctx, t->jd, s->json, NULL, "%s", msg);
  }
  return st;
}

static bp_status timeline(engine *e, const bp_tsection *s) {
  json_t *defs = json_array();
  json_array_append_new(defs, timeline_def(s));
  bp_status st = chart_row(e, s, defs, s->height_pt > 0 ? s->height_pt : 110);
  json_decref(defs);
  return st;
}

/* ---- image ------------------------------------------------------------------------------- */

static bp_status image(engine *e, const bp_tsection *s) {
  double w, h, max_w = s->width_pt > 0 && s->width_pt < e->width ? s->width_pt : e->width;
  bp_image_fit(s->image, max_w, s->height_pt, &w, &h);
  double x = s->align == 2 ? e->width - w : s->align == 1 ? (e->width - w) / 2 : 0;
  e->field = "image";
  return bp__block(e, bp__image(e, s->image, w, h), x, s->space_before_pt, 0, false);
}

/* ---- endnotes ------------------------------------------------------------------------------ */

static bp_status endnotes(engine *e, const bp_tsection *s) {
  if (e->notes_at != SIZE_MAX || !e->nb.n) return BP_OK; /* placed already, or none */
  bp_status st = bp__heading(e, s, BP_LABEL_NOTES);
  if (st) return st;
  bp_flow_elem *el = bp__push(e, BP_FLOW_COLUMNS, 0, 3, 0, false);
  e->notes_at = e->flow.n - 1;
  el->role = BP_ROLE_NOTE;
  el->cols = s->columns > 1 ? 2 : 1;
  el->col_w = el->cols > 1 ? (e->width - e->t->column_gap_pt) / 2 : e->width;
  el->gap = e->t->note_gap_pt > 0 ? e->t->note_gap_pt : bp__style(e, "note")->size_pt * 0.25;
  if (s >= e->t->sections && s < e->t->sections + e->t->n_sections) /* else the default's */
    el->tag = (int)(s - e->t->sections);
  return BP_OK;
}

/* Endnote i (0-based): its number hanging ("marker", e.g. "{n}."), linking
 * back to "ref-N", the destination "note-N" at its top; `sp` its text. */
static const piece *note_piece(engine *e, const bp_tsection *s, size_t i, double col_w,
                               const bp_spans *sp, const char *key) {
  char n[24];
  snprintf(n, sizeof n, "%zu", i + 1);
  const char *marker = s ? jstr(s->json, "marker") : NULL;
  bp_buf nb = {0};
  for (const char *m = marker ? marker : "{n}"; *m; m++)
    if (!strncmp(m, "{n}", 3))
      bp_buf_puts(&nb, n), m += 2;
    else
      bp_buf_putc(&nb, *m);
  double label_w = bp__style(e, "note")->size_pt * (s ? jnum(s->json, "indent", 1.9) : 1.9);
  const piece *t = bp__spans(e, "note", key, sp, col_w - label_w);
  const piece *lab = t ? bp__plain(e, "note_number", nb.data, 0) : NULL;
  bp_buf_free(&nb);
  return lab ? bp__note(e, lab, t, label_w, (int)i + 1) : NULL;
}

void bp__notes_kept_free(bp__notes_kept *k) {
  for (size_t i = 0; i < k->ids.n; i++) {
    bp_spans_free(&k->sp[i]);
    free(k->keys[i]);
  }
  free(k->sp);
  free(k->keys);
  bp__numbering_free(&k->ids);
  memset(k, 0, sizeof *k);
}

/* The spans of the notes the engine cites now, in style `cs`: those kept
 * from the previous attempt when it cited the same ids, else rendered. */
static bp_status notes_spans(engine *e, const bp_csl_style *cs, bp__notes_kept **out) {
  bp__notes_kept *k = &e->notes;
  *out = k;
  bool same = k->sp && k->style == (const void *)cs && k->ids.n == e->nb.n;
  for (size_t i = 0; same && i < e->nb.n; i++) same = !strcmp(k->ids.ids[i], e->nb.ids[i]);
  if (same) return BP_OK;
  int renders = k->renders + 1;
  bp__notes_kept_free(k);
  k->sp = bp_calloc(e->nb.n + 1, sizeof *k->sp);
  k->keys = bp_calloc(e->nb.n + 1, sizeof *k->keys);
  bp_status st =
      bp_csl_notes(e->ctx, cs, e->b->bib, (const char *const *)e->nb.ids, e->nb.n, k->sp);
  for (size_t i = 0; i < e->nb.n; i++) { /* what to free, whatever happened */
    char *id = bp_strdup(e->nb.ids[i]);
    BP_PUSH(k->ids.ids, k->ids.n, k->ids.cap, id);
    if (!st) k->keys[i] = bp_spans_key(&k->sp[i]);
  }
  k->style = cs;
  if (st) bp__notes_kept_free(k);
  k->renders = renders;
  return st;
}

bp_status bp__fill_notes(engine *e, bp_flow_elem *el) {
  const bp_tsection *s = &e->t->sections[el->tag];
  if (strcmp(s->type, "endnotes")) s = NULL;
  el->items = bp_realloc(el->items, (e->nb.n + 1) * sizeof *el->items);
  el->n_items = 0;
  const bp_csl_style *cs = s ? s->csl : NULL;
  bp__notes_kept *k = NULL;
  bp_status st = cs ? BP_OK : bp_csl_style_shared(e->ctx, NULL, NULL, &cs);
  if (!st) st = notes_spans(e, cs, &k);
  if (st) bp__blame(e, "endnotes");
  for (size_t i = 0; !st && i < e->nb.n; i++) {
    char where[300];
    snprintf(where, sizeof where, "endnote %zu (citation %s)", i + 1, e->nb.ids[i]);
    e->field = where;
    const piece *p = note_piece(e, s, i, el->col_w, &k->sp[i], k->keys[i]);
    if (p) el->items[el->n_items++] = p, bp__preflight_add(e, p);
    if (!p) st = e->ctx->status ? e->ctx->status : BP_ERR_LAYOUT;
  }
  return st;
}

/* ---- the table --------------------------------------------------------------------------- */

/* The keys each kind takes besides type, space_before and space_after
 * ("title": a heading above it; "height", "columns" where they apply). */
static const char *const K_MASTHEAD[] = {"left", "right", NULL};
static const char *const K_TITLE[] = {"text", "text_ko", "subtitle", "doc_title",
                                      "gap",  "rule",    NULL};
static const char *const K_TEXT[] = {"text", NULL};
static const char *const K_SUMMARY[] = {"title", "text", "band", NULL};
static const char *const K_FINDINGS[] = {"title", "match", "max", "style", "indent", NULL};
static const char *const K_BODY[] = {"title", "columns", NULL};
static const char *const K_FACTS[] = {"title", "rows", "label_width", "table", NULL};
static const char *const K_CHARTS[] = {"title", "height", "charts", NULL};
static const char *const K_TIMELINE[] = {
    "title",         "height",     "events",  "claims", "label_length",
    "min_span_days", "match",      "records", "date",   "label",
    "where",         "min_points", NULL};
static const char *const K_IMAGE[] = {"height", "path", "width", "align", NULL};
static const char *const K_NOTES[] = {"title",  "columns", "keep_with_text", "marker",
                                      "indent", "style",   "locale",         NULL};
static const char *const K_RUNNING[] = {"left", "right", NULL};

static const bp__section_kind KINDS[] = {
    {.name = "masthead", .keys = K_MASTHEAD, .check = check_patterns, .build = masthead},
    {.name = "header", .keys = K_RUNNING, .check = check_running, .build = running},
    {.name = "title", .keys = K_TITLE, .check = check_patterns, .build = title},
    {.name = "byline", .keys = K_TEXT, .check = check_patterns, .build = byline},
    {.name = "summary", .keys = K_SUMMARY, .check = check_summary, .build = summary},
    {.name = "findings", .keys = K_FINDINGS, .check = check_findings, .build = findings},
    {.name = "claims", .keys = K_FINDINGS, .check = check_findings, .build = findings},
    {.name = "body", .keys = K_BODY, .build = body},
    {.name = "facts", .keys = K_FACTS, .check = check_facts, .build = facts, .role = BP_ROLE_TABLE},
    {.name = "charts", .keys = K_CHARTS, .check = check_charts, .build = charts},
    {.name = "timeline", .keys = K_TIMELINE, .check = check_timeline, .build = timeline},
    {.name = "image", .keys = K_IMAGE, .build = image},
    {.name = "endnotes", .keys = K_NOTES, .build = endnotes},
    {.name = "disclaimer", .keys = K_TEXT, .check = check_patterns, .build = disclaimer},
    {.name = "footer", .keys = K_RUNNING, .check = check_running, .build = running},
};
#define N_KINDS (sizeof KINDS / sizeof *KINDS)

const bp__section_kind *bp__section_kind_of(const char *name) {
  for (size_t i = 0; i < N_KINDS; i++)
    if (!strcmp(KINDS[i].name, name)) return &KINDS[i];
  return NULL;
}

bp_status bp__sections_check(bp_ctx *ctx, const bp_template *t, const bp__binding *b) {
  static const char *const common[] = {"type", "space_before", "space_after", NULL};
  bool has_title = false;
  for (size_t i = 0; i < t->n_sections; i++) {
    const bp_tsection *s = &t->sections[i];
    const bp__section_kind *k = bp__section_kind_of(s->type);
    if (!k) {
      bp_buf names = {0};
      for (size_t j = 0; j < N_KINDS; j++)
        bp_buf_printf(&names, "%s%s", j ? ", " : "", KINDS[j].name);
      bp_status st = bp_jdoc_error(ctx, t->jd, s->json, "type", "unknown section type \"%s\" (%s)",
                                   s->type, names.data);
      bp_buf_free(&names);
      return st;
    }
    has_title |= k->build == title;
    const char *key;
    json_t *v;
    json_object_foreach(s->json, key, v) {
      bool ok = false;
      for (const char *const *c = common; *c && !ok; c++) ok = !strcmp(*c, key);
      for (const char *const *c = k->keys; *c && !ok; c++) ok = !strcmp(*c, key);
      if (!ok) {
        bp_buf keys = {0};
        for (const char *const *c = k->keys; *c; c++)
          bp_buf_printf(&keys, "%s%s", keys.len ? ", " : "", *c);
        bp_status st = bp_jdoc_error(
            ctx, t->jd, s->json, key, "unknown key \"%s\" in a %s section (%s%s%s)", key, s->type,
            "type, space_before, space_after", keys.len ? ", " : "", keys.len ? keys.data : "");
        bp_buf_free(&keys);
        return st;
      }
    }
    bool alone = k->check == check_facts || k->check == check_summary; /* need no binding */
    bp_status st = k->check && (b || alone) ? k->check(ctx, t, s, b) : BP_OK;
    if (st) return st;
  }
  json_t *root = bp_jdoc_root(t->jd); /* the template's own header and footer texts */
  const char *texts[4] = {t->header_left, t->header_right, t->footer_left, t->footer_right};
  for (int i = 0; i < 4 && b; i++) {
    bp_status st = check_running_text(ctx, t, json_object_get(root, i < 2 ? "header" : "footer"),
                                      i % 2 ? "right" : "left", texts[i], b);
    if (st) return st;
  }
  if (!has_title)
    return bp_jdoc_error(ctx, t->jd, bp_jdoc_root(t->jd), "sections",
                         "the sections have no \"title\" section");
  return BP_OK;
}

bp_status bp_template_check(bp_ctx *ctx, const bp_template *t) {
  return bp__sections_check(ctx, t, NULL);
}
