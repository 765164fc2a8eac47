/* profile.c - the country-profile composer: one record of a records table
 * (e.g. data/countries.csv) plus the data set it belongs to, laid out by a
 * template (templates/country-profile.json) into a display list: masthead,
 * the record's names, a label/value table of facts with endnote markers, the
 * claims tagged with the record's country, a row of small charts where there
 * is data, endnotes and a footer. Missing data skips a section; an invalid
 * value fails the record, naming it and the field. Reads the template, the
 * data set and the records without changing them (the batch shares them
 * between threads); knows nothing of PDF or files. */
#include "compose.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/chart.h"

/* ---- small helpers ------------------------------------------------------ */

static const char *const SECTION_TYPES[] = {"masthead", "record_title", "facts", "claims",
                                            "charts", "endnotes", NULL};

static bool ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && !strcmp(s + n - m, suf);
}

static bool is_date_column(const char *name) {
  return !strcmp(name, "date") || ends_with(name, "_date") || ends_with(name, "_on");
}
static bool is_country_column(const char *name) {
  return !strcmp(name, "iso2") || ends_with(name, "_iso2");
}
static bool is_cite_column(const char *name) {
  return !strcmp(name, "source_id") || ends_with(name, "_source_id");
}
static bool is_url_column(const char *name) {
  return !strcmp(name, "url") || ends_with(name, "_url");
}

static const char *json_str(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *const MONTHS[] = {"January", "February", "March",     "April",
                                     "May",     "June",     "July",      "August",
                                     "September", "October", "November", "December"};

/* "5 December 2023", "December 2023", "2023". */
static void format_date_long(const bp_date *d, char *out, size_t n) {
  if (d->m && d->d) snprintf(out, n, "%d %s %d", d->d, MONTHS[d->m - 1], d->y);
  else if (d->m) snprintf(out, n, "%s %d", MONTHS[d->m - 1], d->y);
  else snprintf(out, n, "%d", d->y);
}

/* ---- the composer's state ------------------------------------------------ */

typedef struct numbering {
  char **ids; /* in order of first citation (owned copies) */
  size_t n, cap;
} numbering;

static int number_of(void *ud, const char *id) {
  numbering *nb = ud;
  for (size_t i = 0; i < nb->n; i++)
    if (!strcmp(nb->ids[i], id)) return (int)i + 1;
  char *copy = bp_strdup(id);
  BP_PUSH(nb->ids, nb->n, nb->cap, copy);
  return (int)nb->n;
}

/* One chart of the chart row, with the strings its spec borrows. */
typedef struct pchart {
  bp_chart_spec spec;
  bp_chart_point *pts;
  char **labels;
  size_t n, cap;
  char *title, *source_text, *source_dest;
  const char *source_id;
  double weight;
} pchart;

/* The masthead: two labels on one line over a rule. */
typedef struct pmast {
  char *left, *right;
  double text_h;
} pmast;

/* Endnotes set in balanced columns as one block. */
typedef struct pnotes {
  bp_text **texts, **labels;
  size_t n, split;
  double col_w, label_w, gap, *before;
} pnotes;

typedef struct composer {
  bp_ctx *ctx;
  bp_typesetter *ts;
  const bp_template *t;
  const bp_dataset *ds;
  const bp_records *rec;
  size_t row;
  bp_profile_info *info;
  numbering nb;
  bp_flow *flow;
  double width, page_body_h;
  const char *field; /* what is being laid out, for error messages */
  /* things the flow's blocks draw, freed at the end */
  pchart *charts;
  size_t n_charts, cap_charts;
  pmast *mast;
  pnotes *notes;
  bp_color rule_color, accent;
} composer;

static const char *rec_field(const composer *c, const char *name) {
  return bp_records_field(c->rec, c->row, name);
}

static const char *lookup_field(void *ud, const char *name) {
  const composer *c = ud;
  const char *v = rec_field(c, name);
  return v;
}

static const char *rec_id(const composer *c) { return c->rec->rows[c->row].fields[0]; }

/* Expands {field} in a pattern; NULL when a named field is empty (so the
 * text is skipped rather than shown with a hole). */
static char *expand(const composer *c, const char *pattern) {
  if (!pattern) return NULL;
  for (const char *p = pattern; (p = strchr(p, '{')); p++) {
    const char *close = strchr(p, '}');
    if (!close || close - p >= 64) continue;
    char name[64];
    memcpy(name, p + 1, (size_t)(close - p - 1));
    name[close - p - 1] = '\0';
    const char *v = rec_field(c, name);
    if (v && !*v) return NULL;
  }
  char *s = bp_template_expand(pattern, lookup_field, (void *)c);
  if (!*s) {
    free(s);
    return NULL;
  }
  return s;
}

static void warn(composer *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(composer *c, const char *fmt, ...) {
  if (!c->info) return;
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  char *w = bp_strdup(buf);
  size_t cap = c->info->n_warnings;
  bp_grow((void **)&c->info->warnings, &cap, c->info->n_warnings + 1, sizeof(char *));
  c->info->warnings[c->info->n_warnings++] = w;
}

/* Rewrites the error in ctx as "record 'id' (file:line), field F: message"
 * and remembers the field for the manifest. */
static bp_status blame(composer *c, const char *field) {
  char msg[sizeof c->ctx->msg];
  snprintf(msg, sizeof msg, "%s", c->ctx->msg);
  bp_status st = c->ctx->status ? c->ctx->status : BP_ERR_LAYOUT;
  bp_ctx_clear(c->ctx);
  if (c->info && field && !c->info->bad_field) c->info->bad_field = bp_strdup(field);
  if (field)
    return bp_error(c->ctx, st, "record '%s' (%s:%d), field %s: %s", rec_id(c), c->rec->path,
                    c->rec->rows[c->row].line, field, msg);
  return bp_error(c->ctx, st, "record '%s' (%s:%d): %s", rec_id(c), c->rec->path,
                  c->rec->rows[c->row].line, msg);
}

static bp_status fail_field(composer *c, const char *field, bp_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bp_status fail_field(composer *c, const char *field, bp_status st, const char *fmt, ...) {
  char buf[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  bp_error(c->ctx, st, "%s", buf);
  return blame(c, field);
}

static bp_text *lay_plain(composer *c, const char *style, const char *text, double width) {
  bp_text *t = bp_text_new_plain(c->ts, c->ctx, bp_template_style(c->t, style), text, width);
  if (!t) blame(c, c->field);
  return t;
}

static bp_text *lay_spans(composer *c, const char *style, const bp_spans *sp, double width) {
  bp_text *t =
      bp_text_new_spans(c->ts, c->ctx, bp_template_style(c->t, style), sp, number_of, &c->nb, width);
  if (!t) blame(c, c->field);
  return t;
}

static bp_status add_heading(composer *c, const bp_tsection *s) {
  if (!s->title) return BP_OK;
  c->field = NULL;
  bp_text *t = lay_plain(c, "heading", s->title, c->width);
  if (!t) return c->ctx->status;
  bp_flow_add_text(c->flow, t, s->space_before_pt, 4, true, 1, s->title, NULL);
  return BP_OK;
}

static bp_status draw_rule(void *ud, bp_ctx *ctx, bp_dlist *dl, bp_dl_page *pg, double x,
                           double y, double w, double h) {
  const bp_color *col = ud;
  bp_path_seg segs[5] = {{BP_PATH_MOVE, {x, y}},         {BP_PATH_LINE, {x + w, y}},
                         {BP_PATH_LINE, {x + w, y + h}}, {BP_PATH_LINE, {x, y + h}},
                         {BP_PATH_CLOSE, {0}}};
  bp_dl_path p = {0};
  p.segs = segs;
  p.n_segs = 5;
  p.fill = true;
  p.fill_color = *col;
  bp_dl_add_path(pg, &p);
  (void)ctx;
  (void)dl;
  return BP_OK;
}

/* ---- record checks --------------------------------------------------------- */

/* Checks every value of the record the way `briefpress check` checks typed
 * columns (iso2, dates, citation ids, URLs), plus characters: valid UTF-8
 * and no control characters but newline and tab. */
static bp_status check_record(composer *c) {
  const bp_records *r = c->rec;
  const bp_record *row = &r->rows[c->row];
  for (size_t k = 0; k < r->n_cols; k++) {
    const char *name = r->names[k], *v = row->fields[k];
    size_t n = strlen(v), bad;
    if (!bp_utf8_valid(v, n, &bad))
      return fail_field(c, name, BP_ERR_DATA, "invalid UTF-8 at byte %zu", bad);
    for (size_t i = 0; i < n;) {
      int len;
      int32_t cp = bp_utf8_decode(v + i, n - i, &len);
      if ((cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) ||
          (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
        return fail_field(c, name, BP_ERR_DATA, "control character U+%04X at byte %zu", (unsigned)cp,
                          i);
      i += (size_t)len;
    }
    if (!*v) continue;
    char why[128] = "";
    if (is_country_column(name) && !bp_country_valid(v))
      return fail_field(c, name, BP_ERR_DATA,
                        "unknown country code '%s' (expected ISO 3166-1 alpha-2, e.g. 'KP')", v);
    if (is_date_column(name) && !bp_date_parse(v, NULL, why, sizeof why))
      return fail_field(c, name, BP_ERR_DATA, "invalid date '%s': %s", v, why);
    if (is_cite_column(name) && !bp_bib_lookup(c->ds->bib, v))
      return fail_field(c, name, BP_ERR_DATA, "unknown citation '%s'", v);
    if (is_url_column(name) && !bp_url_valid(v, &bad, why, sizeof why))
      return fail_field(c, name, BP_ERR_DATA, "malformed URL: %s", why);
  }
  return BP_OK;
}

/* ---- sections -------------------------------------------------------------- */

static bp_status draw_mast(void *ud, bp_ctx *ctx, bp_dlist *dl, bp_dl_page *pg, double x,
                           double y, double w, double h) {
  composer *c = ud;
  const pmast *m = c->mast;
  bp_status st = BP_OK;
  if (m->left)
    st = bp_label_draw(c->ts, ctx, dl, pg, bp_template_style(c->t, "masthead"), m->left, w * 0.6,
                       x, y, 0, 0);
  if (!st && m->right)
    st = bp_label_draw(c->ts, ctx, dl, pg, bp_template_style(c->t, "masthead_right"), m->right,
                       w * 0.38, x + w, y, 1, 0);
  if (!st) draw_rule(&c->accent, ctx, dl, pg, x, y + h - 1.5, w, 1.5);
  return st;
}

static bp_status sec_masthead(composer *c, const bp_tsection *s) {
  pmast *m = bp_calloc(1, sizeof *m);
  c->mast = m;
  m->left = expand(c, json_str(s->json, "left"));
  m->right = expand(c, json_str(s->json, "right"));
  if (!m->left && !m->right) return BP_OK;
  double lh = 0, rh = 0, w;
  c->field = "masthead";
  if (m->left &&
      bp_label_measure(c->ts, c->ctx, bp_template_style(c->t, "masthead"), m->left, c->width * 0.6,
                       &w, &lh))
    return blame(c, "masthead");
  if (m->right && bp_label_measure(c->ts, c->ctx, bp_template_style(c->t, "masthead_right"),
                                   m->right, c->width * 0.38, &w, &rh))
    return blame(c, "masthead");
  m->text_h = lh > rh ? lh : rh;
  bp_flow_add_block(c->flow, m->text_h + 5.5, s->space_before_pt, s->space_after_pt, false,
                    draw_mast, c);
  return BP_OK;
}

static bp_status sec_record_title(composer *c, const bp_tsection *s) {
  const char *fname = json_str(s->json, "name");
  const char *fko = json_str(s->json, "name_ko");
  if (!fname) fname = "name_en";
  const char *name = rec_field(c, fname);
  bool first = true;
  if (name && *name) {
    c->field = fname;
    bp_text *t = lay_plain(c, "title", name, c->width);
    if (!t) return c->ctx->status;
    bp_flow_add_text(c->flow, t, s->space_before_pt, 0, true, 0, name, "top");
    first = false;
  }
  const char *ko = fko ? rec_field(c, fko) : NULL;
  if (ko && *ko) {
    c->field = fko;
    bp_text *t = lay_plain(c, "title_ko", ko, c->width);
    if (!t) return c->ctx->status;
    bp_flow_add_text(c->flow, t, first ? s->space_before_pt : 1, 0, true, -1, NULL, NULL);
    first = false;
  } else if (fko) {
    warn(c, "field %s is empty: no Korean name", fko);
  }
  char *sub = expand(c, json_str(s->json, "subtitle"));
  if (sub) {
    c->field = "subtitle";
    bp_text *t = lay_plain(c, "subtitle", sub, c->width);
    free(sub);
    if (!t) return c->ctx->status;
    bp_flow_add_text(c->flow, t, first ? s->space_before_pt : 4, 0, false, -1, NULL, NULL);
  }
  bp_flow_add_block(c->flow, 0.01, 0, s->space_after_pt, false, draw_rule, &c->rule_color);
  return BP_OK;
}

/* The value of one facts row as text, or NULL when the record has none. */
static char *fact_value(composer *c, json_t *row, const char **field_out) {
  const char *field = json_str(row, "field");
  const char *pattern = json_str(row, "text");
  *field_out = field ? field : "facts";
  if (pattern) return expand(c, pattern);
  const char *v = field ? rec_field(c, field) : NULL;
  if (!v || !*v) return NULL;
  json_t *map = json_object_get(row, "values");
  if (json_is_object(map) && json_is_string(json_object_get(map, v)))
    return bp_strdup(json_string_value(json_object_get(map, v)));
  const char *fmt = json_str(row, "format");
  if (fmt && !strcmp(fmt, "date")) {
    bp_date d;
    if (!bp_date_parse(v, &d, NULL, 0)) return bp_strdup(v); /* check_record reports it */
    char buf[64];
    format_date_long(&d, buf, sizeof buf);
    return bp_strdup(buf);
  }
  return bp_strdup(v);
}

static bp_status sec_facts(composer *c, const bp_tsection *s) {
  json_t *rows = json_object_get(s->json, "rows");
  double label_w = c->width * 0.24;
  json_t *lw = json_object_get(s->json, "label_width");
  if (json_is_number(lw) && json_number_value(lw) > 10 && json_number_value(lw) < c->width / 2)
    label_w = json_number_value(lw);
  bool any = false;
  for (size_t i = 0; i < json_array_size(rows); i++) {
    json_t *row = json_array_get(rows, i);
    const char *field;
    char *value = fact_value(c, row, &field);
    if (!value) continue;
    if (!any) {
      bp_status st = add_heading(c, s);
      if (st) {
        free(value);
        return st;
      }
      bp_flow_add_block(c->flow, 0.6, 2, 0, true, draw_rule, &c->rule_color);
      any = true;
    }
    /* the value is plain text (never markup: a record's '*' stays a '*'),
     * followed by the marker of its source */
    bp_spans sp = {0};
    bp_spans_add_text(&sp, value, strlen(value), 0, NULL);
    free(value);
    const char *cite_field = json_str(row, "cite");
    const char *cite = cite_field ? rec_field(c, cite_field) : NULL;
    if (cite && *cite) bp_spans_add_cite(&sp, &cite, 1);
    c->field = field;
    bp_text *t = lay_spans(c, "value", &sp, c->width - label_w);
    bp_spans_free(&sp);
    if (!t) return c->ctx->status;
    c->field = "facts";
    bp_text *lab = lay_plain(c, "label", json_str(row, "label") ? json_str(row, "label") : field,
                             label_w - 6);
    if (!lab) {
      bp_text_free(t);
      return c->ctx->status;
    }
    bp_flow_add_hanging(c->flow, lab, t, label_w, 3.5, 3.5, NULL, NULL);
    bp_flow_add_block(c->flow, 0.4, 0, 0, false, draw_rule, &c->rule_color);
  }
  if (any && s->space_after_pt > 0)
    bp_flow_add_block(c->flow, 0.01, 0, s->space_after_pt, false, draw_rule, &c->rule_color);
  return BP_OK;
}

/* The record's country (the section's "match" field, default iso2). */
static const char *match_country(const composer *c, const bp_tsection *s) {
  const char *mf = json_str(s->json, "match");
  const char *v = rec_field(c, mf ? mf : "iso2");
  return v && *v ? v : NULL;
}

static bool claim_tagged(const bp_claim *cl, const char *iso2) {
  for (size_t k = 0; k < cl->n_countries; k++)
    if (!strcmp(cl->countries[k], iso2)) return true;
  return false;
}

/* The claim's text with markers for cited sources its text does not cite. */
static char *claim_markup(const bp_claim *cl) {
  bp_buf b = {0};
  bp_buf_puts(&b, cl->text);
  for (size_t i = 0; i < cl->n_cites; i++) {
    bool inline_cited = false;
    for (size_t k = 0; k < cl->spans.n && !inline_cited; k++)
      for (size_t j = 0; j < cl->spans.v[k].n_cite; j++)
        if (!strcmp(cl->spans.v[k].cite_ids[j], cl->cites[i])) inline_cited = true;
    if (!inline_cited) bp_buf_printf(&b, " [@%s]", cl->cites[i]);
  }
  return bp_buf_detach(&b);
}

/* Claims in the order to show them: undated first as written, then dated
 * ones oldest first. Returns the count; *out holds borrowed pointers. */
static size_t tagged_claims(const composer *c, const char *iso2, const bp_claim ***out) {
  const bp_claims *cs = c->ds->claims;
  const bp_claim **v = bp_calloc(cs ? cs->n + 1 : 1, sizeof *v);
  size_t n = 0;
  for (size_t i = 0; cs && i < cs->n; i++)
    if (!cs->v[i].date.y && claim_tagged(&cs->v[i], iso2)) v[n++] = &cs->v[i];
  size_t dated = n;
  for (size_t i = 0; cs && i < cs->n; i++)
    if (cs->v[i].date.y && claim_tagged(&cs->v[i], iso2)) v[n++] = &cs->v[i];
  for (size_t i = dated + 1; i < n; i++) /* stable insertion sort by date */
    for (size_t k = i; k > dated && bp_date_cmp(&v[k - 1]->date, &v[k]->date) > 0; k--) {
      const bp_claim *tmp = v[k];
      v[k] = v[k - 1];
      v[k - 1] = tmp;
    }
  *out = v;
  return n;
}

static bp_status sec_claims(composer *c, const bp_tsection *s) {
  const char *iso2 = match_country(c, s);
  if (!iso2) return BP_OK;
  const bp_claim **v;
  size_t n = tagged_claims(c, iso2, &v);
  json_t *mx = json_object_get(s->json, "max");
  if (json_is_integer(mx) && json_integer_value(mx) > 0 && (size_t)json_integer_value(mx) < n)
    n = (size_t)json_integer_value(mx);
  bp_status st = n ? add_heading(c, s) : BP_OK;
  const bp_style *cs = bp_template_style(c->t, "claim");
  double indent = cs->size_pt * 1.3;
  for (size_t i = 0; i < n && !st; i++) {
    const bp_claim *cl = v[i];
    char *markup = claim_markup(cl);
    bp_spans sp = {0};
    bp_inline_parse(markup, &sp);
    free(markup);
    char where[300];
    snprintf(where, sizeof where, "claim %s (%s:%d)", cl->id, cl->path ? cl->path : "?", cl->line);
    c->field = where;
    bp_text *t = lay_spans(c, "claim", &sp, c->width - indent);
    bp_spans_free(&sp);
    bp_text *lab = t ? lay_plain(c, "claim", "\xE2\x80\xA2", 0) : NULL;
    if (!lab) {
      bp_text_free(t);
      st = c->ctx->status;
      break;
    }
    bp_flow_add_hanging(c->flow, lab, t, indent, i ? cs->size_pt * 0.35 : 2, 0, NULL, NULL);
  }
  if (!st && n && s->space_after_pt > 0)
    bp_flow_add_block(c->flow, 0.01, 0, s->space_after_pt, false, draw_rule, &c->rule_color);
  free(v);
  return st;
}

/* ---- charts ---------------------------------------------------------------- */

static void pchart_free(pchart *p) {
  for (size_t i = 0; i < p->n; i++) free(p->labels[i]);
  free(p->labels);
  free(p->pts);
  free(p->title);
  free(p->source_text);
  free(p->source_dest);
}

static void pchart_add(pchart *p, double x, double y, char *label) {
  size_t cap = p->cap;
  bp_grow((void **)&p->pts, &p->cap, p->n + 1, sizeof *p->pts);
  bp_grow((void **)&p->labels, &cap, p->n + 1, sizeof *p->labels);
  memset(&p->pts[p->n], 0, sizeof p->pts[p->n]);
  p->pts[p->n].x = x;
  p->pts[p->n].y = y;
  p->pts[p->n].label = label;
  p->labels[p->n] = label;
  p->n++;
}

/* "Source: Chainalysis (2023)" from a citation: its outlet (or authors) and year. */
static char *source_line(const bp_csl_item *it) {
  bp_buf b = {0};
  bp_buf_puts(&b, "Source: ");
  char *authors = bp_csl_format_authors(it);
  if (it->container_title) bp_buf_puts(&b, it->container_title);
  else if (authors && *authors) bp_buf_puts(&b, authors);
  else if (it->title) bp_buf_puts(&b, it->title);
  free(authors);
  if (it->issued.y) bp_buf_printf(&b, " (%d)", it->issued.y);
  return bp_buf_detach(&b);
}

/* A claim's words as a short event label: at most ~`max` bytes, cut at a
 * space, with an ellipsis. */
static char *short_label(const bp_claim *cl, size_t max) {
  bp_buf b = {0};
  for (size_t k = 0; k < cl->spans.n; k++)
    if (cl->spans.v[k].kind == BP_SPAN_TEXT) bp_buf_puts(&b, cl->spans.v[k].text);
  char *s = bp_buf_detach(&b);
  size_t n = strlen(s);
  while (n && s[n - 1] == ' ') s[--n] = '\0';
  if (n > max) {
    size_t cut = max;
    while (cut > max / 2 && s[cut] != ' ') cut--;
    if (s[cut] != ' ') /* no space: cut before a UTF-8 continuation byte */
      for (cut = max; cut && ((unsigned char)s[cut] & 0xC0) == 0x80; cut--) {
      }
    while (cut && (s[cut - 1] == ' ' || s[cut - 1] == ',' || s[cut - 1] == ';')) cut--;
    s[cut] = '\0';
    bp_buf o = {0};
    bp_buf_printf(&o, "%s\xE2\x80\xA6", s);
    free(s);
    return bp_buf_detach(&o);
  }
  if (n && s[n - 1] == '.') s[n - 1] = '\0';
  return s;
}

/* Timeline events: rows of other record sets that match the record, and
 * (with "claims": true) the dated claims tagged with its country. */
static void timeline_events(composer *c, const bp_tsection *s, json_t *spec, pchart *p) {
  json_t *events = json_object_get(spec, "events");
  const char *iso2 = match_country(c, s);
  for (size_t e = 0; e < json_array_size(events); e++) {
    json_t *ev = json_array_get(events, e);
    const bp_records *r = json_str(ev, "records") ? bp_dataset_records(c->ds, json_str(ev, "records")) : NULL;
    const char *key = json_str(ev, "match"), *date = json_str(ev, "date");
    const char *mine = key ? rec_field(c, json_str(ev, "key") ? json_str(ev, "key") : key) : NULL;
    if (!r || r == c->rec || !key || !date || !mine || !*mine || bp_records_column(r, key) < 0 ||
        bp_records_column(r, date) < 0)
      continue;
    json_t *where = json_object_get(ev, "where");
    for (size_t i = 0; i < r->n_rows; i++) {
      if (strcmp(bp_records_field(r, i, key), mine)) continue;
      const char *wk;
      json_t *wv;
      bool ok = true;
      json_object_foreach(where, wk, wv) {
        const char *have = bp_records_field(r, i, wk);
        if (!have || !json_is_string(wv) || strcmp(have, json_string_value(wv))) ok = false;
      }
      bp_date d;
      if (!ok || !bp_date_parse(bp_records_field(r, i, date), &d, NULL, 0)) continue;
      /* the label pattern is filled from the matching row */
      const char *pat = json_str(ev, "label");
      bp_buf lb = {0};
      for (const char *q = pat ? pat : ""; *q; q++) {
        const char *close = *q == '{' ? strchr(q, '}') : NULL;
        if (close && close - q < 64) {
          char name[64];
          memcpy(name, q + 1, (size_t)(close - q - 1));
          name[close - q - 1] = '\0';
          const char *v = bp_records_field(r, i, name);
          if (v) {
            bp_buf_puts(&lb, v);
            q = close;
            continue;
          }
        }
        bp_buf_putc(&lb, *q);
      }
      if (!lb.len) bp_buf_puts(&lb, r->rows[i].fields[0]);
      char *label = bp_buf_detach(&lb);
      pchart_add(p, bp_date_decimal_year(&d), 1, label);
      if (!p->source_id) p->source_id = bp_records_field(r, i, "source_id");
    }
  }
  if (iso2 && json_is_true(json_object_get(spec, "claims")) && c->ds->claims) {
    json_t *ml = json_object_get(spec, "label_length");
    size_t max = json_is_integer(ml) && json_integer_value(ml) >= 12 ? (size_t)json_integer_value(ml) : 44;
    for (size_t i = 0; i < c->ds->claims->n; i++) {
      const bp_claim *cl = &c->ds->claims->v[i];
      if (!cl->date.y || !claim_tagged(cl, iso2)) continue;
      pchart_add(p, bp_date_decimal_year(&cl->date), 1, short_label(cl, max));
    }
  }
  /* oldest first; two events on the same day keep their order */
  for (size_t i = 1; i < p->n; i++)
    for (size_t k = i; k > 0 && p->pts[k - 1].x > p->pts[k].x; k--) {
      bp_chart_point tp = p->pts[k];
      p->pts[k] = p->pts[k - 1];
      p->pts[k - 1] = tp;
      char *tl = p->labels[k];
      p->labels[k] = p->labels[k - 1];
      p->labels[k - 1] = tl;
    }
}

/* A chart of a series column ("column" may name a record field: "{iso2}"). */
static void series_points(composer *c, json_t *spec, pchart *p) {
  const bp_series *s = json_str(spec, "series") ? bp_dataset_series(c->ds, json_str(spec, "series")) : NULL;
  if (!s) return;
  char *column = json_str(spec, "column") ? expand(c, json_str(spec, "column")) : NULL;
  int col = column ? bp_series_column(s, column) : (s->n_cols ? 0 : -1);
  free(column);
  if (col < 0) return;
  size_t have = 0;
  for (size_t i = 0; i < s->n_points; i++) {
    const bp_series_point *pt = &s->points[i];
    char lab[16];
    bp_date_format(&pt->date, lab);
    pchart_add(p, pt->x, pt->values[col], bp_strdup(lab));
    if (!isnan(pt->values[col])) have++;
  }
  if (!have) { /* all gaps: no data */
    for (size_t i = 0; i < p->n; i++) free(p->labels[i]);
    p->n = 0;
  }
  if (p->spec.kind == BP_CHART_BAR)
    for (size_t i = 0; i < p->n; i++) p->pts[i].label = p->labels[i];
  else
    for (size_t i = 0; i < p->n; i++) p->pts[i].label = NULL;
  p->spec.x_is_date = p->spec.kind != BP_CHART_BAR;
  p->title = bp_strdup(json_str(spec, "title") ? json_str(spec, "title") : s->title);
  p->spec.unit = json_str(spec, "unit") ? json_str(spec, "unit") : s->unit;
  p->source_id = s->source_id;
}

static bp_status draw_charts(void *ud, bp_ctx *ctx, bp_dlist *dl, bp_dl_page *pg, double x,
                             double y, double w, double h) {
  composer *c = ud;
  double gap = c->t->column_gap_pt, total = 0;
  for (size_t i = 0; i < c->n_charts; i++) total += c->charts[i].weight;
  double avail = w - gap * (double)(c->n_charts - 1), cx = x;
  bp_status st = BP_OK;
  for (size_t i = 0; i < c->n_charts && !st; i++) {
    double cw = avail * c->charts[i].weight / total;
    st = bp_chart_draw(c->ts, ctx, dl, pg, &c->charts[i].spec, cx, y, cw, h);
    /* an endnote whose source only this chart cites links back to the chart */
    if (!st && c->charts[i].source_dest) {
      char back[40];
      snprintf(back, sizeof back, "ref-%s", c->charts[i].source_dest + 5);
      bp_dl_add_dest(pg, back, y);
    }
    cx += cw + gap;
  }
  if (st) {
    /* name the record in the chart's error */
    char msg[sizeof ctx->msg];
    snprintf(msg, sizeof msg, "%s", ctx->msg);
    bp_ctx_clear(ctx);
    st = bp_error(ctx, st, "record '%s' (%s:%d), charts: %s", rec_id(c), c->rec->path,
                  c->rec->rows[c->row].line, msg);
  }
  return st;
}

static bp_status sec_charts(composer *c, const bp_tsection *s) {
  json_t *specs = json_object_get(s->json, "charts");
  for (size_t i = 0; i < json_array_size(specs); i++) {
    json_t *spec = json_array_get(specs, i);
    pchart p = {0};
    if (bp_chart_kind_from_name(NULL, json_str(spec, "kind") ? json_str(spec, "kind") : "", &p.spec.kind))
      continue; /* checked with the template */
    json_t *min = json_object_get(spec, "min_points");
    size_t need = json_is_integer(min) && json_integer_value(min) > 0 ? (size_t)json_integer_value(min) : 1;
    if (p.spec.kind == BP_CHART_TIMELINE) {
      timeline_events(c, s, spec, &p);
      p.spec.x_is_date = true;
      p.title = json_str(spec, "title") ? bp_strdup(json_str(spec, "title")) : NULL;
    } else {
      series_points(c, spec, &p);
    }
    if (p.n < need) {
      pchart_free(&p);
      continue;
    }
    json_t *wt = json_object_get(spec, "weight");
    p.weight = json_is_number(wt) && json_number_value(wt) > 0 ? json_number_value(wt) : 1;
    p.spec.value_labels = json_is_true(json_object_get(spec, "value_labels"));
    p.spec.title = p.title;
    p.spec.points = p.pts;
    p.spec.n_points = p.n;
    p.spec.family = bp_template_style(c->t, "chart")->family;
    p.spec.font_size_pt = bp_template_style(c->t, "chart")->size_pt;
    const bp_csl_item *it = p.source_id ? bp_bib_lookup(c->ds->bib, p.source_id) : NULL;
    if (it) {
      p.source_text = source_line(it);
      p.spec.source_text = p.source_text;
    }
    BP_PUSH(c->charts, c->n_charts, c->cap_charts, p);
  }
  if (!c->n_charts) return BP_OK;
  /* the chart sources are numbered after what comes before the row */
  for (size_t i = 0; i < c->n_charts; i++) {
    pchart *p = &c->charts[i];
    if (!p->source_text) continue;
    char dest[32];
    snprintf(dest, sizeof dest, "note-%d", number_of(&c->nb, p->source_id));
    p->source_dest = bp_strdup(dest);
    p->spec.source_dest = p->source_dest;
    /* chart specs borrow the points array, which may have moved: reset */
  }
  for (size_t i = 0; i < c->n_charts; i++) {
    c->charts[i].spec.points = c->charts[i].pts;
    c->charts[i].spec.title = c->charts[i].title;
  }
  bp_status st = add_heading(c, s);
  if (!st)
    bp_flow_add_block(c->flow, s->height_pt > 0 ? s->height_pt : 120, s->title ? 2 : s->space_before_pt,
                      s->space_after_pt, false, draw_charts, c);
  return st;
}

/* ---- endnotes --------------------------------------------------------------- */

static bp_status draw_notes(void *ud, bp_ctx *ctx, bp_dlist *dl, bp_dl_page *pg, double x,
                            double y, double w, double h) {
  composer *c = ud;
  const pnotes *n = c->notes;
  bp_ref_marks marks = {NULL, 0};
  double cy = y;
  for (size_t k = 0; k < n->n; k++) {
    if (k == n->split) cy = y;
    else cy += n->before[k];
    double cx = x + (k >= n->split ? n->col_w + n->gap : 0);
    char dest[32];
    snprintf(dest, sizeof dest, "note-%zu", k + 1);
    bp_dl_add_dest(pg, dest, cy);
    bp_text_draw(n->labels[k], dl, pg, cx, cy);
    snprintf(dest, sizeof dest, "ref-%zu", k + 1);
    bp_dl_link l = {cx, cy, bp_text_width_pt(n->labels[k]),
                    bp_text_height_pt(n->labels[k]) / bp_text_line_count(n->labels[k]), NULL, dest};
    bp_dl_add_link(pg, &l);
    bp_text_draw_linked(n->texts[k], dl, pg, cx + n->label_w, cy, 0,
                        bp_text_line_count(n->texts[k]), &marks);
    cy += bp_text_height_pt(n->texts[k]);
  }
  bp_ref_marks_free(&marks);
  (void)ctx;
  (void)w;
  (void)h;
  return BP_OK;
}

static void pnotes_free(pnotes *n) {
  if (!n) return;
  for (size_t i = 0; i < n->n; i++) {
    bp_text_free(n->texts[i]);
    bp_text_free(n->labels[i]);
  }
  free(n->texts);
  free(n->labels);
  free(n->before);
  free(n);
}

static bp_status sec_endnotes(composer *c, const bp_tsection *s) {
  if (!c->nb.n) return BP_OK;
  bp_status st = add_heading(c, s);
  if (st) return st;
  int cols = s->columns > 1 ? 2 : 1;
  double gap = c->t->column_gap_pt;
  double col_w = cols > 1 ? (c->width - gap) / 2 : c->width;
  const bp_style *ns = bp_template_style(c->t, "note");
  pnotes *n = bp_calloc(1, sizeof *n);
  c->notes = n;
  n->texts = bp_calloc(c->nb.n, sizeof *n->texts);
  n->labels = bp_calloc(c->nb.n, sizeof *n->labels);
  n->before = bp_calloc(c->nb.n, sizeof *n->before);
  n->label_w = ns->size_pt * 1.9;
  n->col_w = col_w;
  n->gap = gap;
  for (size_t i = 0; i < c->nb.n; i++) {
    const bp_csl_item *it = bp_bib_lookup(c->ds->bib, c->nb.ids[i]);
    if (!it) return fail_field(c, NULL, BP_ERR_DATA, "unknown citation '%s'", c->nb.ids[i]);
    char *txt = bp_csl_format_endnote(it);
    bp_spans sp = {0};
    bp_spans_add_text(&sp, txt, strlen(txt), 0, NULL);
    if (it->url) {
      bp_spans_add_text(&sp, " ", 1, 0, NULL);
      bp_spans_add_text(&sp, it->url, strlen(it->url), 0, it->url);
    }
    free(txt);
    char where[300], num[32];
    snprintf(where, sizeof where, "endnote %zu (citation %s)", i + 1, it->id);
    c->field = where;
    snprintf(num, sizeof num, "%zu", i + 1);
    n->texts[i] = bp_text_new_spans(c->ts, c->ctx, ns, &sp, NULL, NULL, col_w - n->label_w);
    bp_spans_free(&sp);
    n->labels[i] = n->texts[i] ? lay_plain(c, "note_number", num, 0) : NULL;
    if (!n->texts[i]) blame(c, where);
    n->n = i + 1;
    if (!n->labels[i]) return c->ctx->status;
    n->before[i] = i ? ns->size_pt * 0.25 : 0;
  }
  /* balance: the split that makes the taller column shortest */
  double total = 0;
  for (size_t i = 0; i < n->n; i++) total += bp_text_height_pt(n->texts[i]) + n->before[i];
  double best = total;
  size_t split = n->n;
  if (cols > 1) {
    double left = 0;
    for (size_t k = 0; k <= n->n; k++) {
      double right = total - left - (k < n->n ? n->before[k] : 0);
      double tall = left > right ? left : right;
      if (tall < best - 1e-9) best = tall, split = k;
      if (k < n->n) left += bp_text_height_pt(n->texts[k]) + n->before[k];
    }
  }
  n->split = split;
  if (best <= c->page_body_h * 0.9) {
    bp_flow_add_block(c->flow, best, 3, s->space_after_pt, false, draw_notes, c);
    return BP_OK;
  }
  /* too long for one block: one column through the flow, page by page */
  for (size_t i = 0; i < n->n; i++) {
    char dest[32], back[32];
    snprintf(dest, sizeof dest, "note-%zu", i + 1);
    snprintf(back, sizeof back, "ref-%zu", i + 1);
    bp_text *t = n->texts[i];
    if (cols > 1) { /* lay out again at the full width */
      bp_text_free(t);
      t = NULL;
    }
    if (!t) {
      const bp_csl_item *it = bp_bib_lookup(c->ds->bib, c->nb.ids[i]);
      char *txt = bp_csl_format_endnote(it);
      bp_spans sp = {0};
      bp_spans_add_text(&sp, txt, strlen(txt), 0, NULL);
      if (it->url) {
        bp_spans_add_text(&sp, " ", 1, 0, NULL);
        bp_spans_add_text(&sp, it->url, strlen(it->url), 0, it->url);
      }
      free(txt);
      t = bp_text_new_spans(c->ts, c->ctx, ns, &sp, NULL, NULL, c->width - n->label_w);
      bp_spans_free(&sp);
      if (!t) {
        n->texts[i] = NULL;
        return blame(c, "endnotes");
      }
    }
    bp_flow_add_hanging(c->flow, n->labels[i], t, n->label_w, n->before[i], 0, dest, back);
    n->texts[i] = NULL;
    n->labels[i] = NULL;
  }
  return BP_OK;
}

/* ---- public API ----------------------------------------------------------------- */

void bp_profile_info_free(bp_profile_info *pi) {
  if (!pi) return;
  free(pi->title);
  free(pi->bad_field);
  for (size_t i = 0; i < pi->n_warnings; i++) free(pi->warnings[i]);
  free(pi->warnings);
  memset(pi, 0, sizeof *pi);
}

static bp_status check_section_keys(bp_ctx *ctx, const bp_template *t, json_t *o,
                                    const char *const *keys, const char *what) {
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    bool ok = false;
    for (const char *const *k = keys; *k && !ok; k++) ok = !strcmp(*k, key);
    if (!ok) return bp_jdoc_error(ctx, t->jd, o, key, "unknown %s key \"%s\"", what, key);
  }
  return BP_OK;
}

static bp_status need_column(bp_ctx *ctx, const bp_template *t, const bp_records *rec, json_t *o,
                             const char *key) {
  const char *name = json_str(o, key);
  if (!name) return BP_OK;
  if (bp_records_column(rec, name) < 0)
    return bp_jdoc_error(ctx, t->jd, o, key, "the records %s have no column \"%s\"", rec->path,
                         name);
  return BP_OK;
}

/* Every {field} of a pattern must be a column. */
static bp_status need_pattern(bp_ctx *ctx, const bp_template *t, const bp_records *rec, json_t *o,
                              const char *key) {
  json_t *v = json_object_get(o, key);
  if (!v) return BP_OK;
  if (!json_is_string(v)) return bp_jdoc_error(ctx, t->jd, o, key, "\"%s\" must be a string", key);
  for (const char *p = json_string_value(v); (p = strchr(p, '{')); p++) {
    const char *close = strchr(p, '}');
    if (!close) break;
    char name[64];
    size_t n = (size_t)(close - p - 1);
    if (n >= sizeof name) continue;
    memcpy(name, p + 1, n);
    name[n] = '\0';
    if (bp_records_column(rec, name) < 0)
      return bp_jdoc_error(ctx, t->jd, o, key, "\"{%s}\": the records %s have no column \"%s\"",
                           name, rec->path, name);
  }
  return BP_OK;
}

bp_status bp_profile_check_template(bp_ctx *ctx, const bp_template *t, const bp_dataset *ds,
                                    const bp_records *rec) {
  if (!t->n_sections)
    return bp_error(ctx, BP_ERR_DATA, "%s: a profile template needs \"sections\"", t->path);
  bp_status st = BP_OK;
  for (size_t i = 0; i < t->n_sections && !st; i++) {
    const bp_tsection *s = &t->sections[i];
    json_t *o = s->json;
    static const char *const common[] = {"type", "title", "columns", "height", "space_before",
                                         "space_after"};
    const char *keys[24];
    size_t nk = 0;
    for (size_t k = 0; k < sizeof common / sizeof *common; k++) keys[nk++] = common[k];
    bool known = false;
    for (const char *const *k = SECTION_TYPES; *k && !known; k++) known = !strcmp(*k, s->type);
    if (!known)
      return bp_jdoc_error(ctx, t->jd, o, "type",
                           "unknown profile section type \"%s\" (masthead, record_title, facts, "
                           "claims, charts, endnotes)",
                           s->type);
    if (!strcmp(s->type, "masthead")) {
      keys[nk++] = "left", keys[nk++] = "right";
      st = need_pattern(ctx, t, rec, o, "left");
      if (!st) st = need_pattern(ctx, t, rec, o, "right");
    } else if (!strcmp(s->type, "record_title")) {
      keys[nk++] = "name", keys[nk++] = "name_ko", keys[nk++] = "subtitle",
      keys[nk++] = "doc_title";
      st = need_column(ctx, t, rec, o, "name");
      if (!st && !json_str(o, "name") && bp_records_column(rec, "name_en") < 0)
        st = bp_jdoc_error(ctx, t->jd, o, NULL,
                           "the records %s have no column \"name_en\"; name the title column "
                           "with \"name\"",
                           rec->path);
      if (!st) st = need_column(ctx, t, rec, o, "name_ko");
      if (!st) st = need_pattern(ctx, t, rec, o, "subtitle");
      if (!st) st = need_pattern(ctx, t, rec, o, "doc_title");
    } else if (!strcmp(s->type, "facts")) {
      keys[nk++] = "rows", keys[nk++] = "label_width";
      json_t *rows = json_object_get(o, "rows");
      if (!json_is_array(rows))
        st = bp_jdoc_error(ctx, t->jd, o, rows ? "rows" : NULL,
                           "\"rows\" must be an array of {\"label\", \"field\"}");
      for (size_t r = 0; !st && r < json_array_size(rows); r++) {
        json_t *row = json_array_get(rows, r);
        static const char *const rk[] = {"label", "field", "text", "values", "format", "cite",
                                         NULL};
        if (!json_is_object(row)) {
          st = bp_jdoc_error_elem(ctx, t->jd, rows, r, "a facts row is an object");
          break;
        }
        st = check_section_keys(ctx, t, row, rk, "facts row");
        if (!st && !json_str(row, "field") && !json_str(row, "text"))
          st = bp_jdoc_error_elem(ctx, t->jd, rows, r, "a facts row needs \"field\" or \"text\"");
        if (!st) st = need_column(ctx, t, rec, row, "field");
        if (!st) st = need_column(ctx, t, rec, row, "cite");
        if (!st) st = need_pattern(ctx, t, rec, row, "text");
        const char *fmt = json_str(row, "format");
        if (!st && fmt && strcmp(fmt, "date"))
          st = bp_jdoc_error(ctx, t->jd, row, "format", "unknown format \"%s\" (date)", fmt);
        json_t *vals = json_object_get(row, "values");
        if (!st && vals && !json_is_object(vals))
          st = bp_jdoc_error(ctx, t->jd, row, "values", "\"values\" maps values to display text");
      }
    } else if (!strcmp(s->type, "claims")) {
      keys[nk++] = "match", keys[nk++] = "max";
      st = need_column(ctx, t, rec, o, "match");
    } else if (!strcmp(s->type, "charts")) {
      keys[nk++] = "charts", keys[nk++] = "match";
      st = need_column(ctx, t, rec, o, "match");
      json_t *charts = json_object_get(o, "charts");
      if (!st && !json_is_array(charts))
        st = bp_jdoc_error(ctx, t->jd, o, charts ? "charts" : NULL, "\"charts\" must be an array");
      for (size_t k = 0; !st && k < json_array_size(charts); k++) {
        json_t *ch = json_array_get(charts, k);
        static const char *const ck[] = {"kind", "title", "series", "column", "unit", "events",
                                         "claims", "weight", "min_points", "value_labels",
                                         "label_length", NULL};
        bp_chart_kind kind;
        if (!json_is_object(ch)) {
          st = bp_jdoc_error_elem(ctx, t->jd, charts, k, "a chart is an object");
          break;
        }
        st = check_section_keys(ctx, t, ch, ck, "chart");
        if (!st && bp_chart_kind_from_name(NULL, json_str(ch, "kind") ? json_str(ch, "kind") : "", &kind))
          st = bp_jdoc_error(ctx, t->jd, ch, json_object_get(ch, "kind") ? "kind" : NULL,
                             "a chart needs a \"kind\": bar, line, timeline or sparkline");
        if (st) break;
        if (kind != BP_CHART_TIMELINE) {
          const char *sn = json_str(ch, "series");
          if (!sn) st = bp_jdoc_error(ctx, t->jd, ch, NULL, "a %s chart needs a \"series\"", json_str(ch, "kind"));
          else if (!bp_dataset_series(ds, sn))
            st = bp_jdoc_error(ctx, t->jd, ch, "series", "no series \"%s\" in the data folder %s", sn, ds->dir);
          if (!st) st = need_pattern(ctx, t, rec, ch, "column");
          continue;
        }
        json_t *events = json_object_get(ch, "events");
        if (events && !json_is_array(events))
          st = bp_jdoc_error(ctx, t->jd, ch, "events", "\"events\" must be an array");
        for (size_t e = 0; !st && e < json_array_size(events); e++) {
          json_t *ev = json_array_get(events, e);
          static const char *const ek[] = {"records", "match", "key", "date", "label", "where", NULL};
          if (!json_is_object(ev)) {
            st = bp_jdoc_error_elem(ctx, t->jd, events, e, "an event source is an object");
            break;
          }
          st = check_section_keys(ctx, t, ev, ek, "event");
          const char *rn = json_str(ev, "records");
          const bp_records *er = rn ? bp_dataset_records(ds, rn) : NULL;
          if (!st && !er)
            st = bp_jdoc_error(ctx, t->jd, ev, rn ? "records" : NULL, "no records \"%s\" in the data folder %s",
                               rn ? rn : "", ds->dir);
          if (st) break;
          for (int f = 0; f < 2 && !st; f++) {
            const char *col = json_str(ev, f ? "date" : "match");
            if (!col || bp_records_column(er, col) < 0)
              st = bp_jdoc_error(ctx, t->jd, ev, f ? "date" : "match",
                                 "the records %s need a \"%s\" column that exists", er->path,
                                 f ? "date" : "match");
          }
          if (!st) st = need_column(ctx, t, rec, ev, json_str(ev, "key") ? "key" : "match");
          json_t *w = json_object_get(ev, "where");
          if (!st && w && !json_is_object(w))
            st = bp_jdoc_error(ctx, t->jd, ev, "where", "\"where\" is {\"field\": \"value\"}");
        }
      }
    }
    keys[nk] = NULL;
    if (!st) st = check_section_keys(ctx, t, o, keys, "section");
  }
  return st;
}

char *bp_profile_title(const bp_template *t, const bp_records *rec, size_t row) {
  const char *pattern = NULL, *name = "name_en";
  for (size_t i = 0; i < t->n_sections; i++)
    if (!strcmp(t->sections[i].type, "record_title")) {
      pattern = json_str(t->sections[i].json, "doc_title");
      if (json_str(t->sections[i].json, "name")) name = json_str(t->sections[i].json, "name");
    }
  composer c = {0};
  c.rec = rec;
  c.row = row;
  char *s = pattern ? expand(&c, pattern) : NULL;
  if (s) return s;
  const char *v = bp_records_field(rec, row, name);
  return bp_strdup(v && *v ? v : rec->rows[row].fields[0]);
}

bp_status bp_compose_profile(bp_ctx *ctx, bp_typesetter *ts, const bp_template *t,
                             const bp_dataset *ds, const bp_records *rec, size_t row,
                             long long epoch, bp_profile_info *info, bp_dlist **out) {
  *out = NULL;
  if (info) memset(info, 0, sizeof *info);
  if (row >= rec->n_rows)
    return bp_error(ctx, BP_ERR_USAGE, "%s: no record %zu (%zu records)", rec->path, row, rec->n_rows);
  composer c = {0};
  c.ctx = ctx;
  c.ts = ts;
  c.t = t;
  c.ds = ds;
  c.rec = rec;
  c.row = row;
  c.info = info;
  c.rule_color = t->rule;
  c.accent = t->accent;
  c.width = t->page_w_pt - t->margin_pt[1] - t->margin_pt[3];
  c.page_body_h = t->page_h_pt - t->margin_pt[0] - t->margin_pt[2];
  bp_page_geometry g = {t->page_w_pt, t->page_h_pt, t->margin_pt[0], t->margin_pt[1],
                        t->margin_pt[2], t->margin_pt[3], t->page_h_pt - t->margin_pt[2] * 0.5};
  c.flow = bp_flow_new(&g);
  char *title = bp_profile_title(t, rec, row);
  if (info) info->title = bp_strdup(title);
  bp_status st = check_record(&c);
  for (size_t i = 0; i < t->n_sections && !st; i++) {
    const bp_tsection *s = &t->sections[i];
    c.field = NULL;
    if (!strcmp(s->type, "masthead")) st = sec_masthead(&c, s);
    else if (!strcmp(s->type, "record_title")) st = sec_record_title(&c, s);
    else if (!strcmp(s->type, "facts")) st = sec_facts(&c, s);
    else if (!strcmp(s->type, "claims")) st = sec_claims(&c, s);
    else if (!strcmp(s->type, "charts")) st = sec_charts(&c, s);
    else if (!strcmp(s->type, "endnotes")) st = sec_endnotes(&c, s);
    else st = bp_jdoc_error(ctx, t->jd, s->json, "type", "unknown profile section type \"%s\"", s->type);
  }
  bp_dlist *dl = NULL;
  if (!st) {
    dl = bp_dlist_new();
    bp_dl_meta m = {0};
    m.title = title;
    m.subject = t->name;
    m.lang = "en";
    m.creator = "briefpress";
    m.epoch = epoch;
    bp_dl_set_meta(dl, &m);
    char *footer = expand(&c, t->footer_left);
    st = bp_flow_render(c.flow, ts, ctx, dl, bp_template_style(t, "footer"), footer);
    free(footer);
    int pages = bp_flow_page_count(c.flow);
    if (!st && t->max_pages > 0 && pages > t->max_pages)
      st = fail_field(&c, NULL, BP_ERR_LAYOUT, "the profile takes %d pages; the template %s allows %d",
                      pages, t->path, t->max_pages);
    if (info) info->pages = pages;
  }
  if (!st && info) {
    bp_preflight pf = {0};
    bp_flow_preflight(c.flow, &pf);
    if (pf.hangul_breaks || pf.closing_starts || pf.overwide)
      warn(&c, "preflight: %d Hangul word(s) broken, %d line(s) starting with closing "
               "punctuation, %d line(s) wider than the measure; first: %s",
           pf.hangul_breaks, pf.closing_starts, pf.overwide, pf.first_problem);
  }
  bp_flow_free(c.flow);
  for (size_t i = 0; i < c.nb.n; i++) free(c.nb.ids[i]);
  free(c.nb.ids);
  for (size_t i = 0; i < c.n_charts; i++) pchart_free(&c.charts[i]);
  free(c.charts);
  if (c.mast) {
    free(c.mast->left);
    free(c.mast->right);
    free(c.mast);
  }
  pnotes_free(c.notes);
  free(title);
  if (st) {
    bp_dlist_free(dl);
    return st;
  }
  *out = dl;
  return BP_OK;
}
