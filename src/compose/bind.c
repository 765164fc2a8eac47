/* bind.c - what sections read, one binding per document (a brief, an
 * article, a record of a records table), and the public entry points that
 * bind one and run the engine. */
#include "compose-imp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOT "  \xC2\xB7  "

/* ---- fields and patterns ------------------------------------------------------ */

const char *bp__field(const bp__binding *b, const bp_template *t, const char *name) {
  if (b->kind == BP__RECORD) {
    if (!strcmp(name, "id")) return b->rec->rows[b->row].fields[0];
    return bp_records_field(b->rec, b->row, name);
  }
  if (b->kind == BP__BRIEF) {
    if (!strcmp(name, "masthead_left")) return bp_brief_field(b->brief, "institute");
    if (!strcmp(name, "masthead_right")) return b->masthead_right;
    return bp_brief_field(b->brief, name);
  }
  const bp_article *a = b->article;
  const char *const names[] = {"title", "subtitle", "author", "lang", "subject", "keywords"};
  const char *values[] = {a->title, a->subtitle, a->author, a->lang, a->subject, a->keywords};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (!strcmp(name, names[i])) return values[i];
  if (!strcmp(name, "date")) return b->date_text;
  (void)t;
  return NULL;
}

typedef struct lookup {
  const bp__binding *b;
  const bp_template *t;
  bool empty; /* a named field was empty */
} lookup;

static const char *lookup_field(void *ud, const char *name) {
  lookup *l = ud;
  const char *v = bp__field(l->b, l->t, name);
  if (!v || !*v) l->empty = true;
  return v ? v : "";
}

char *bp__expand_str(const bp__binding *b, const bp_template *t, const char *pattern) {
  if (!pattern) return NULL;
  lookup l = {b, t, false};
  char *s = bp_template_expand(pattern, lookup_field, &l);
  if (l.empty || !*s) {
    free(s);
    return NULL;
  }
  return s;
}

char *bp__expand(const bp__binding *b, const bp_template *t, json_t *pattern) {
  if (json_is_string(pattern)) return bp__expand_str(b, t, json_string_value(pattern));
  bp_buf out = {0};
  for (size_t i = 0; i < json_array_size(pattern); i++) {
    char *s = bp__expand_str(b, t, json_string_value(json_array_get(pattern, i)));
    if (s) bp_buf_printf(&out, "%s%s", out.len ? DOT : "", s);
    free(s);
  }
  return out.len ? bp_buf_detach(&out) : (bp_buf_free(&out), NULL);
}

void bp__binding_meta(const bp__binding *b, const bp_template *t, bp_dl_meta *m) {
  memset(m, 0, sizeof *m);
  m->title = b->doc_title;
  m->creator = "briefpress";
  if (b->kind == BP__RECORD) {
    m->subject = t->name;
    m->lang = t->lang ? t->lang : "en";
    return;
  }
  m->author = (char *)bp__field(b, t, "author");
  m->subject = (char *)bp__field(b, t, "subject");
  if (!m->subject) m->subject = (char *)bp__field(b, t, "subtitle");
  m->keywords = (char *)bp__field(b, t, "keywords");
  /* a template's lang makes an edition: a Korean brief of English data is "ko" */
  const char *lang = t->lang ? t->lang : bp__field(b, t, "lang");
  m->lang = lang ? (char *)lang : "en";
}

void bp__binding_free(bp__binding *b) {
  free(b->doc_title);
  free(b->masthead_right);
  free(b->date_text);
  bp_dataset_free(b->own_ds);
  bp_jdoc_free(b->own_jd);
}

static bp_status run(bp_ctx *ctx, bp_typesetter *ts, const bp_template *t, bp__binding *b,
                     bp_profile_cache *cache, bp_profile_info *info, long long epoch,
                     bp_preflight *pf, bp_fit_report *fit, bp_dlist **out) {
  bp__engine e = {0};
  e.ctx = ctx;
  e.ts = ts;
  e.t = t;
  e.b = b;
  e.cache = cache;
  e.info = info;
  e.nb.bib = b->bib;
  e.marks = (bp_cite_marks){bp__number_of, &e.nb, false};
  for (size_t i = 0; i < t->n_sections; i++) /* the markers as the notes' style says */
    e.marks.collapse |= bp_csl_style_collapses_numbers(t->sections[i].csl);
  bp_status st = bp__compose(&e, epoch, pf, fit, out);
  bp__binding_free(b);
  return st;
}

/* ---- briefs ------------------------------------------------------------------------ */

static void bind_brief(const bp_brief *br, bp__binding *b) {
  memset(b, 0, sizeof *b);
  b->kind = BP__BRIEF;
  b->path = br->path;
  b->ds = br->ds;
  b->bib = br->ds->bib;
  b->brief = br;
  b->charts = br->charts;
  b->doc_title = bp_strdup(bp_brief_field(br, "title"));
  /* "Series  ·  No. 12  ·  April 2024" */
  bp_buf r = {0};
  const char *series = bp_brief_field(br, "series");
  if (series) bp_buf_puts(&r, series);
  if (br->number) {
    bp_buf no = {0};
    for (const char *p = bp_template_label(br->tpl, BP_LABEL_NUMBER); *p; p++)
      if (!strncmp(p, "{number}", 8))
        bp_buf_puts(&no, br->number), p += 7;
      else
        bp_buf_putc(&no, *p);
    bp_buf_printf(&r, "%s%s", r.len ? DOT : "", no.data);
    bp_buf_free(&no);
  }
  if (br->date_text) bp_buf_printf(&r, "%s%s", r.len ? DOT : "", br->date_text);
  b->masthead_right = r.len ? bp_buf_detach(&r) : (bp_buf_free(&r), NULL);
}

bp_status bp_compose_brief(bp_ctx *ctx, bp_typesetter *ts, const bp_brief *br, long long epoch,
                           bp_preflight *pf, bp_fit_report *fit, bp_dlist **out) {
  bp__binding b;
  bind_brief(br, &b);
  return run(ctx, ts, br->tpl, &b, NULL, NULL, epoch, pf, fit, out);
}

char **bp_brief_chart_descriptions(const bp_brief *br, size_t *n) {
  bp__binding b;
  bind_brief(br, &b);
  bp__engine e = {0};
  e.t = br->tpl;
  e.b = &b;
  size_t nc = json_array_size(br->charts), k = 0;
  char **v = bp_calloc(nc + 1, sizeof(char *));
  for (size_t i = 0; i < nc; i++) {
    bp__chart_data d;
    if (bp__chart_build(&e, json_array_get(br->charts, i), &d)) v[k++] = bp_chart_describe(&d.spec);
    bp__chart_data_free(&d);
  }
  bp__numbering_free(&e.nb);
  bp__binding_free(&b);
  if (n) *n = k;
  return v;
}

/* ---- articles ------------------------------------------------------------------------ */

bp_status bp_compose_article(bp_ctx *ctx, bp_typesetter *ts, const bp_article *a,
                             const bp_template *t, long long epoch, bp_preflight *pf,
                             bp_dlist **out) {
  *out = NULL;
  bp_template *own = NULL;
  bp_status st = t ? BP_OK : bp_article_template_load(ctx, a, NULL, &own);
  if (st) return st;
  bp__binding b = {0};
  b.kind = BP__ARTICLE;
  b.path = a->path;
  b.bib = a->bib;
  b.article = a;
  b.doc_title = bp_strdup(a->title ? a->title : "Untitled");
  b.date_text = bp_template_format_date(t ? t : own, a->date);
  st = bp_article_data_load(ctx, a, &b.own_jd, &b.charts, &b.own_ds);
  b.ds = b.own_ds;
  if (st) {
    bp__binding_free(&b);
    bp_template_free(own);
    return st;
  }
  st = run(ctx, ts, t ? t : own, &b, NULL, NULL, epoch, pf, NULL, out);
  bp_template_free(own);
  return st;
}

/* ---- records ------------------------------------------------------------------------- */

/* Checks every value of the record as `briefpress check` does. */
static bp_status check_record(bp__engine *e) {
  const char *field;
  return bp_records_check_row(e->ctx, e->b->rec, e->b->row, e->b->bib, &field) ? bp__blame(e, field)
                                                                               : BP_OK;
}

static void bind_record(const bp_template *t, const bp_dataset *ds, const bp_records *rec,
                        size_t row, bp__binding *b) {
  memset(b, 0, sizeof *b);
  b->kind = BP__RECORD;
  b->path = rec->path;
  b->ds = ds;
  b->bib = ds->bib;
  b->rec = rec;
  b->row = row;
  b->doc_title = bp_profile_title(t, rec, row);
}

char *bp_profile_title(const bp_template *t, const bp_records *rec, size_t row) {
  bp__binding b = {0};
  b.kind = BP__RECORD;
  b.rec = rec;
  b.row = row;
  char *s = NULL;
  for (size_t i = 0; i < t->n_sections && !s; i++)
    if (!strcmp(t->sections[i].type, "title")) {
      json_t *o = t->sections[i].json;
      s = bp__expand(&b, t, json_object_get(o, "doc_title"));
      if (!s) s = bp__expand(&b, t, json_object_get(o, "text"));
    }
  return s ? s : bp_strdup(rec->rows[row].fields[0]);
}

bp_status bp_profile_check_template(bp_ctx *ctx, const bp_template *t, const bp_dataset *ds,
                                    const bp_records *rec) {
  bp__binding b = {0};
  b.kind = BP__RECORD;
  b.path = rec->path;
  b.ds = ds;
  b.bib = ds->bib;
  b.rec = rec;
  return bp__sections_check(ctx, t, &b);
}

void bp_profile_info_free(bp_profile_info *pi) {
  if (!pi) return;
  free(pi->title);
  free(pi->bad_field);
  for (size_t i = 0; i < pi->n_warnings; i++) free(pi->warnings[i]);
  free(pi->warnings);
  memset(pi, 0, sizeof *pi);
}

bp_status bp_compose_profile(bp_ctx *ctx, bp_typesetter *ts, const bp_template *t,
                             const bp_dataset *ds, const bp_records *rec, size_t row,
                             long long epoch, bp_profile_cache *cache, bp_profile_info *info,
                             bp_dlist **out) {
  *out = NULL;
  if (info) memset(info, 0, sizeof *info);
  if (row >= rec->n_rows)
    return bp_error(ctx, BP_ERR_USAGE, "%s: no record %zu (%zu records)", rec->path, row,
                    rec->n_rows);
  bp__binding b;
  bind_record(t, ds, rec, row, &b);
  if (info) info->title = bp_strdup(b.doc_title);
  bp__engine e = {0};
  e.ctx = ctx;
  e.b = &b;
  e.t = t;
  e.info = info;
  bp_status st = check_record(&e);
  if (st) {
    bp__binding_free(&b);
    return st;
  }
  return run(ctx, ts, t, &b, cache, info, epoch, NULL, NULL, out);
}
