/* brief.c - the brief composer: a one-page (or short) brief from a brief
 * file, its template and its data folder. Sections are stacked top to
 * bottom (masthead, title, summary panel, key findings from claims, body,
 * a row of charts, endnotes in columns, disclaimer); the body styles shrink
 * within the template's fit limits until everything fits, or the composer
 * fails saying by how much and which sections are largest. Endnotes are
 * numbered in order of first citation; a source cited twice keeps its
 * number. Knows nothing of PDF: it fills a display list. */
#include "compose-imp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/chart.h"

/* ---- the brief file --------------------------------------------------- */

struct bp_brief {
  char *path;
  bp_jdoc *jd;
  bp_template *tpl;
  bp_dataset *ds;
  char *institute, *series, *number, *date, *title, *subtitle, *author, *lang, *subject, *keywords,
      *summary, *disclaimer;
  /* the Korean edition's texts (NULL: as above); a Korean template uses them */
  char *institute_ko, *series_ko, *title_ko, *subtitle_ko, *author_ko, *summary_ko, *disclaimer_ko;
  char *date_text; /* the date as the template prints it */
  char **findings; /* claim ids */
  size_t n_findings;
  char **body; /* paragraphs (inline markup) */
  size_t n_body;
  bp__chart_ref *charts;
  size_t n_charts;
};

static bp_status str_field(bp_ctx *ctx, const bp_jdoc *jd, json_t *o, const char *key, char **out,
                           bool required) {
  json_t *v = json_object_get(o, key);
  if (!v) {
    if (required) return bp_jdoc_error(ctx, jd, o, NULL, "missing \"%s\"", key);
    return BP_OK;
  }
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

static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? bp_strndup(path, (size_t)(slash - path)) : bp_strdup(".");
}

static char *resolve(const char *base_dir, const char *rel) {
  if (rel[0] == '/') return bp_strdup(rel);
  bp_buf b = {0};
  bp_buf_printf(&b, "%s/%s", base_dir, rel);
  return bp_buf_detach(&b);
}

static bp_status load_chart(bp_ctx *ctx, const bp_brief *b, json_t *arr, size_t i,
                            bp__chart_ref *c) {
  json_t *o = json_array_get(arr, i);
  if (!json_is_object(o)) return bp_jdoc_error_elem(ctx, b->jd, arr, i, "a chart is an object");
  return bp__chart_ref_load(ctx, b->jd, o, b->ds, c);
}

bp_status bp_brief_load_with(bp_ctx *ctx, const char *path, const char *template_path,
                             bp_brief **out) {
  *out = NULL;
  bp_brief *b = bp_calloc(1, sizeof *b);
  b->path = bp_strdup(path);
  bp_status st = bp_jdoc_load(ctx, path, &b->jd);
  json_t *root = st ? NULL : bp_jdoc_root(b->jd);
  static const char *const keys[] = {
      "template",    "data",       "institute",    "series",        "number",
      "date",        "title",      "subtitle",     "author",        "lang",
      "subject",     "keywords",   "summary",      "findings",      "body",
      "charts",      "disclaimer", "institute_ko", "series_ko",     "title_ko",
      "subtitle_ko", "author_ko",  "summary_ko",   "disclaimer_ko", NULL};
  if (!st && !json_is_object(root))
    st = bp_jdoc_error(ctx, b->jd, root, NULL, "a brief is a JSON object");
  if (!st) {
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
      bool ok = false;
      for (const char *const *k = keys; *k && !ok; k++) ok = !strcmp(*k, key);
      if (!ok) {
        st = bp_jdoc_error(ctx, b->jd, root, key, "unknown brief key \"%s\"", key);
        break;
      }
    }
  }
  char *tpl = NULL, *data = NULL, *dir = dir_of(path);
  if (!st) st = str_field(ctx, b->jd, root, "template", &tpl, template_path == NULL);
  if (!st) st = str_field(ctx, b->jd, root, "data", &data, false);
  if (!st) st = str_field(ctx, b->jd, root, "title", &b->title, true);
  if (!st) st = str_field(ctx, b->jd, root, "institute", &b->institute, false);
  if (!st) st = str_field(ctx, b->jd, root, "series", &b->series, false);
  if (!st) st = str_field(ctx, b->jd, root, "number", &b->number, false);
  if (!st) st = str_field(ctx, b->jd, root, "date", &b->date, false);
  if (!st) st = str_field(ctx, b->jd, root, "subtitle", &b->subtitle, false);
  if (!st) st = str_field(ctx, b->jd, root, "author", &b->author, false);
  if (!st) st = str_field(ctx, b->jd, root, "lang", &b->lang, false);
  if (!st) st = str_field(ctx, b->jd, root, "subject", &b->subject, false);
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
  if (!st) st = str_field(ctx, b->jd, root, "summary", &b->summary, false);
  if (!st) st = str_field(ctx, b->jd, root, "disclaimer", &b->disclaimer, false);
  char **ko[] = {&b->institute_ko, &b->series_ko,  &b->title_ko,     &b->subtitle_ko,
                 &b->author_ko,    &b->summary_ko, &b->disclaimer_ko};
  static const char *const ko_keys[] = {"institute_ko", "series_ko",  "title_ko",     "subtitle_ko",
                                        "author_ko",    "summary_ko", "disclaimer_ko"};
  for (size_t i = 0; i < sizeof ko / sizeof *ko && !st; i++)
    st = str_field(ctx, b->jd, root, ko_keys[i], ko[i], false);
  if (!st) st = str_array(ctx, b->jd, root, "findings", &b->findings, &b->n_findings);
  if (!st) st = str_array(ctx, b->jd, root, "body", &b->body, &b->n_body);
  if (!st) {
    char *tp = template_path ? bp_strdup(template_path) : resolve(dir, tpl);
    st = bp_template_load(ctx, tp, &b->tpl);
    free(tp);
  }
  if (!st) {
    char *dp = resolve(dir, data ? data : "..");
    st = bp_dataset_load(ctx, dp, &b->ds);
    free(dp);
  }
  if (!st && b->tpl->max_pages > 1)
    st = bp_jdoc_error(ctx, b->tpl->jd, bp_jdoc_root(b->tpl->jd), "max_pages",
                       "a brief is fitted to one page: \"max_pages\" must be 1 (is %d)",
                       b->tpl->max_pages);
  bool korean = !st && b->tpl->lang && !strcmp(b->tpl->lang, "ko");
  for (size_t i = 0; !st && i < b->n_findings; i++) {
    const bp_claim *cl = bp_claims_lookup(b->ds->claims, b->findings[i]);
    for (size_t k = 0; k < i && !st; k++)
      if (!strcmp(b->findings[k], b->findings[i]))
        st = bp_jdoc_error_elem(ctx, b->jd, json_object_get(root, "findings"), i,
                                "claim \"%s\" is listed twice in \"findings\" (also item %zu)",
                                b->findings[i], k + 1);
    if (st) break;
    if (!cl)
      st = bp_jdoc_error_elem(ctx, b->jd, json_object_get(root, "findings"), i,
                              "unknown claim \"%s\"", b->findings[i]);
    else if (korean && !cl->text_ko)
      st = bp_jdoc_error_elem(ctx, b->jd, json_object_get(root, "findings"), i,
                              "claim \"%s\" has no \"text_ko\" (%s:%d), which the Korean "
                              "template %s prints",
                              b->findings[i], cl->path, cl->line, b->tpl->path);
  }
  if (!st) b->date_text = bp_template_format_date(b->tpl, b->date);
  /* citations written in the summary and body must exist */
  for (size_t i = 0; !st && i <= b->n_body; i++) {
    const char *text =
        i < b->n_body ? b->body[i] : bp_template_text(b->tpl, b->summary, b->summary_ko);
    if (!text) continue;
    bp_spans sp = {0};
    bp_inline_parse(text, &sp);
    for (size_t k = 0; k < sp.n && !st; k++)
      for (size_t c = 0; c < sp.v[k].n_cite && !st; c++)
        if (!bp_bib_lookup(b->ds->bib, sp.v[k].cite_ids[c]))
          st = i < b->n_body ? bp_jdoc_error_elem(ctx, b->jd, json_object_get(root, "body"), i,
                                                  "unknown citation \"%s\"", sp.v[k].cite_ids[c])
                             : bp_jdoc_error(ctx, b->jd, root, "summary", "unknown citation \"%s\"",
                                             sp.v[k].cite_ids[c]);
    bp_spans_free(&sp);
  }
  /* a brief template's sections take only these keys */
  for (size_t i = 0; !st && i < b->tpl->n_sections; i++) {
    static const char *const skeys[] = {"type",         "title",       "columns", "height",
                                        "space_before", "space_after", NULL};
    const char *key;
    json_t *v;
    json_t *sec = b->tpl->sections[i].json;
    if (b->tpl->sections[i].image) continue; /* the template checked its keys */
    json_object_foreach(sec, key, v) {
      bool ok = false;
      for (const char *const *k = skeys; *k && !ok; k++) ok = !strcmp(*k, key);
      if (!ok) {
        st = bp_jdoc_error(ctx, b->tpl->jd, sec, key,
                           "unknown key \"%s\" in a brief section (type, title, columns, "
                           "height, space_before, space_after)",
                           key);
        break;
      }
    }
  }
  /* content the template has no section for would silently go missing */
  static const char *const placed[][2] = {{"summary", "summary"},
                                          {"findings", "findings"},
                                          {"body", "body"},
                                          {"charts", "charts"},
                                          {"disclaimer", "disclaimer"}};
  for (size_t k = 0; !st && k < sizeof placed / sizeof *placed; k++) {
    if (!json_object_get(root, placed[k][0])) continue;
    bool has = false;
    for (size_t i = 0; i < b->tpl->n_sections && !has; i++)
      has = !strcmp(b->tpl->sections[i].type, placed[k][1]);
    if (!has)
      st = bp_jdoc_error(ctx, b->jd, root, placed[k][0],
                         "the template %s has no \"%s\" section, so this would not be shown",
                         b->tpl->path, placed[k][1]);
  }
  json_t *charts = st ? NULL : json_object_get(root, "charts");
  if (charts && !json_is_array(charts))
    st = bp_jdoc_error(ctx, b->jd, root, "charts", "\"charts\" must be an array");
  if (charts && !st) {
    b->charts = bp_calloc(json_array_size(charts) + 1, sizeof *b->charts);
    for (size_t i = 0; i < json_array_size(charts) && !st; i++) {
      b->n_charts++;
      st = load_chart(ctx, b, charts, i, &b->charts[i]);
    }
  }
  free(tpl);
  free(data);
  free(dir);
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
  for (size_t i = 0; i < b->n_charts; i++) bp__chart_ref_free(&b->charts[i]);
  free(b->charts);
  free_strs(b->findings, b->n_findings);
  free_strs(b->body, b->n_body);
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

const char *bp_brief_title(const bp_brief *b) { return b->title; }

/* ---- charts ----------------------------------------------------------- */

char **bp_brief_chart_descriptions(const bp_brief *b, size_t *n) {
  char **v = bp_calloc(b->n_charts + 1, sizeof(char *));
  for (size_t i = 0; i < b->n_charts; i++) {
    bp__chart_data d;
    bp__chart_build(&b->charts[i], b->ds, b->tpl, b->lang, &d);
    v[i] = bp_chart_describe(&d.spec);
    bp__chart_data_free(&d);
  }
  if (n) *n = b->n_charts;
  return v;
}

/* ---- composition ------------------------------------------------------ */

typedef enum { P_TEXT, P_PANEL, P_RULE, P_CHARTS, P_COLUMNS, P_IMAGE } piece_kind;

typedef struct piece {
  piece_kind kind;
  double h, x, w;     /* height; x offset from the left margin; width */
  double before;      /* space above */
  bp_text *t, *label; /* text and its hanging label */
  double indent;
  char *dest, *label_dest;
  bp_color color;
  const bp_image *image; /* P_IMAGE (borrowed from the template) */
  /* columns: items [0, split) left, [split, n) right; each item a piece */
  struct piece *items;
  size_t n_items, split;
  double col_w;
  int section; /* index into the section names, for the overflow report */
} piece;

typedef struct composer {
  bp_ctx *ctx;
  bp_typesetter *ts;
  const bp_brief *b;
  const bp_template *t;
  bp__numbering nb;
  double width, x0, y0, avail;
  double scale, ratio; /* fit: body scale and leading ratio factor */
  bp_style st[16];
  piece *pieces;
  size_t n, cap;
  double *sec_h;         /* per section of the template: its height */
  const char **sec_name; /* and its type, for the overflow report */
  size_t n_secs;
  bp__chart_data *charts;
} composer;

enum {
  S_BODY,
  S_SUMMARY,
  S_FINDING,
  S_NOTE,
  S_NOTENO,
  S_HEADING,
  S_TITLE,
  S_SUBTITLE,
  S_BYLINE,
  S_MAST,
  S_MASTR,
  S_LABEL,
  S_DISCLAIMER,
  S_FOOTER,
  S_COUNT
};
static const char *STYLE_NAMES[S_COUNT] = {
    "body",     "summary", "finding",  "note",           "note_number", "heading",    "title",
    "subtitle", "byline",  "masthead", "masthead_right", "label",       "disclaimer", "footer"};

static void free_piece(piece *p) {
  bp_text_free(p->t);
  bp_text_free(p->label);
  free(p->dest);
  free(p->label_dest);
  for (size_t i = 0; i < p->n_items; i++) free_piece(&p->items[i]);
  free(p->items);
}

static void reset(composer *c) {
  for (size_t i = 0; i < c->n; i++) free_piece(&c->pieces[i]);
  free(c->pieces);
  c->pieces = NULL;
  c->n = c->cap = 0;
  bp__numbering_clear(&c->nb);
  c->n_secs = 0;
}

static piece *add(composer *c, piece_kind kind, double before) {
  bp_grow((void **)&c->pieces, &c->cap, c->n + 1, sizeof *c->pieces);
  piece *p = &c->pieces[c->n++];
  memset(p, 0, sizeof *p);
  p->kind = kind;
  p->before = before;
  p->w = c->width;
  p->section = (int)c->n_secs - 1;
  return p;
}

static bp_status add_text(composer *c, int style, const char *markup, double before, double x,
                          double w) {
  if (!markup || !*markup) return BP_OK;
  bp_spans sp = {0};
  bp_inline_parse(markup, &sp);
  bp_text *t = bp_text_new_spans(c->ts, c->ctx, &c->st[style], &sp, bp__number_of, &c->nb, w);
  bp_spans_free(&sp);
  if (!t) return c->ctx->status;
  piece *p = add(c, P_TEXT, before);
  p->t = t;
  p->x = x;
  p->w = w;
  p->h = bp_text_height_pt(t);
  return BP_OK;
}

static bp_status add_plain(composer *c, int style, const char *text, double before) {
  if (!text || !*text) return BP_OK;
  bp_text *t = bp_text_new_plain(c->ts, c->ctx, &c->st[style], text, c->width);
  if (!t) return c->ctx->status;
  piece *p = add(c, P_TEXT, before);
  p->t = t;
  p->h = bp_text_height_pt(t);
  return BP_OK;
}

/* The brief's texts in the template's language. */
#define TXT(b, f) bp_template_text((b)->tpl, (b)->f, (b)->f##_ko)

static const char *field_of(void *ud, const char *name) {
  const bp_brief *b = ud;
  if (!strcmp(name, "institute")) return TXT(b, institute);
  if (!strcmp(name, "series")) return TXT(b, series);
  if (!strcmp(name, "number")) return b->number;
  if (!strcmp(name, "date")) return b->date_text;
  if (!strcmp(name, "title")) return TXT(b, title);
  if (!strcmp(name, "author")) return TXT(b, author);
  return NULL;
}

static void begin_section(composer *c, const char *name) {
  c->sec_name[c->n_secs] = name;
  c->sec_h[c->n_secs] = 0;
  c->n_secs++;
}

static bp_status sec_masthead(composer *c, const bp_tsection *s) {
  const bp_brief *b = c->b;
  const char *inst = TXT(b, institute), *series = TXT(b, series);
  bp_text *l =
      inst ? bp_text_new_plain(c->ts, c->ctx, &c->st[S_MAST], inst, c->width * 0.55) : NULL;
  bp_buf r = {0};
  if (series) bp_buf_puts(&r, series);
  if (b->number) {
    char *no = bp_template_expand(bp_template_label(c->t, BP_LABEL_NUMBER), field_of, (void *)b);
    bp_buf_printf(&r, "%s%s", r.len ? "  \xC2\xB7  " : "", no);
    free(no);
  }
  if (b->date_text) bp_buf_printf(&r, "%s%s", r.len ? "  \xC2\xB7  " : "", b->date_text);
  bp_text *rt = r.len ? bp_text_new_plain(c->ts, c->ctx, &c->st[S_MASTR], r.data, 0) : NULL;
  bp_buf_free(&r);
  if (c->ctx->status) {
    bp_text_free(l);
    bp_text_free(rt);
    return c->ctx->status;
  }
  double h = 0;
  if (l) {
    piece *p = add(c, P_TEXT, s->space_before_pt);
    p->t = l;
    p->h = bp_text_height_pt(l);
    h = p->h;
  }
  if (rt) {
    /* the right part shares the line: no height of its own */
    piece *p = add(c, P_TEXT, 0);
    p->t = rt;
    p->x = c->width - bp_text_width_pt(rt);
    double rh = bp_text_height_pt(rt);
    p->before = l ? -h : s->space_before_pt; /* same top as the left part */
    p->h = rh > h ? rh : h;
  }
  piece *rule = add(c, P_RULE, 4);
  rule->h = 1.5;
  rule->color = c->t->accent;
  return BP_OK;
}

static bp_status sec_title(composer *c, const bp_tsection *s) {
  bp_status st = add_plain(c, S_TITLE, TXT(c->b, title), s->space_before_pt);
  if (!st) st = add_plain(c, S_SUBTITLE, TXT(c->b, subtitle), 3);
  if (!st) st = add_plain(c, S_BYLINE, TXT(c->b, author), 4);
  return st;
}

static bp_status sec_heading(composer *c, const bp_tsection *s, int label) {
  const char *title = s->title ? s->title : label >= 0 ? bp_template_label(c->t, label) : NULL;
  return title ? add_plain(c, S_HEADING, title, s->space_before_pt) : BP_OK;
}

static bp_status sec_summary(composer *c, const bp_tsection *s) {
  const char *summary = TXT(c->b, summary);
  if (!summary) return BP_OK;
  const double pad = c->t->panel_padding_pt;
  const char *title = s->title ? s->title : bp_template_label(c->t, BP_LABEL_SUMMARY);
  piece *panel = add(c, P_PANEL, s->space_before_pt);
  panel->color = c->t->panel;
  size_t at = c->n - 1;
  double h = pad;
  bp_status st = BP_OK;
  if (*title) {
    bp_text *lab = bp_text_new_plain(c->ts, c->ctx, &c->st[S_LABEL], title, c->width - 2 * pad);
    if (!lab) return c->ctx->status;
    piece *p = add(c, P_TEXT, pad);
    p->t = lab;
    p->x = pad;
    p->h = bp_text_height_pt(lab);
    h += p->h + 2;
  }
  st = add_text(c, S_SUMMARY, summary, *title ? 2 : pad, pad, c->width - 2 * pad);
  if (st) return st;
  h += c->pieces[c->n - 1].h + pad;
  c->pieces[at].h = h;
  /* the panel is drawn behind its contents: they start at its top */
  c->pieces[at + 1].before = pad - h;
  /* and the space after the panel's last line is its bottom padding */
  piece *pad_p = add(c, P_RULE, 0);
  pad_p->h = pad;
  pad_p->color.a = 0; /* invisible spacer */
  return BP_OK;
}

static bp_status sec_findings(composer *c, const bp_tsection *s) {
  if (!c->b->n_findings) return BP_OK;
  bp_status st = sec_heading(c, s, BP_LABEL_FINDINGS);
  bool korean = c->t->lang && !strcmp(c->t->lang, "ko");
  for (size_t i = 0; i < c->b->n_findings && !st; i++) {
    const bp_claim *cl = bp_claims_lookup(c->b->ds->claims, c->b->findings[i]);
    char *markup = bp__claim_markup(cl, korean);
    double indent = c->st[S_FINDING].size_pt * 1.2;
    st = add_text(c, S_FINDING, markup, i ? c->st[S_FINDING].size_pt * 0.35 : 3, indent,
                  c->width - indent);
    free(markup);
    if (st) break;
    piece *p = &c->pieces[c->n - 1];
    p->label = bp_text_new_plain(c->ts, c->ctx, &c->st[S_FINDING], "\xE2\x80\xA2", 0);
    p->indent = -indent;
    if (!p->label) st = c->ctx->status;
  }
  return st;
}

/* Splits the items of a columns piece where the taller of the two columns
 * is shortest (cols 1: one column); items move whole. */
static void balance(piece *p, int cols) {
  double total = 0;
  for (size_t i = 0; i < p->n_items; i++) total += p->items[i].h + p->items[i].before;
  double best = total;
  size_t split = p->n_items;
  if (cols > 1) {
    double left = 0;
    for (size_t k = 0; k <= p->n_items; k++) {
      double right = total - left - (k < p->n_items ? p->items[k].before : 0);
      double tall = left > right ? left : right;
      if (tall < best - 1e-9) best = tall, split = k;
      if (k < p->n_items) left += p->items[k].h + p->items[k].before;
    }
  }
  p->split = split;
  p->h = best;
}

/* Body paragraphs, in one column or ("columns": 2) in two balanced ones. */
static bp_status sec_body(composer *c, const bp_tsection *s) {
  bp_status st = s->title ? sec_heading(c, s, -1) : BP_OK;
  double gap = c->t->paragraph_gap_pt > 0 ? c->t->paragraph_gap_pt : c->st[S_BODY].size_pt * 0.5;
  if (s->columns < 2) {
    for (size_t i = 0; i < c->b->n_body && !st; i++)
      st =
          add_text(c, S_BODY, c->b->body[i], i || s->title ? gap : s->space_before_pt, 0, c->width);
    return st;
  }
  if (st || !c->b->n_body) return st;
  double col_w = (c->width - c->t->column_gap_pt) / 2;
  piece *items = bp_calloc(c->b->n_body, sizeof *items);
  size_t n = 0;
  for (size_t i = 0; i < c->b->n_body && !st; i++) {
    if (!*c->b->body[i]) continue;
    bp_spans sp = {0};
    bp_inline_parse(c->b->body[i], &sp);
    bp_text *t =
        bp_text_new_spans(c->ts, c->ctx, &c->st[S_BODY], &sp, bp__number_of, &c->nb, col_w);
    bp_spans_free(&sp);
    if (!t) {
      st = c->ctx->status;
      break;
    }
    items[n++] = (piece){
        .kind = P_TEXT, .t = t, .h = bp_text_height_pt(t), .w = col_w, .before = n ? gap : 0};
  }
  piece *p = add(c, P_COLUMNS, s->title ? gap : s->space_before_pt);
  p->items = items;
  p->n_items = n;
  p->col_w = col_w;
  balance(p, 2);
  return st;
}

static bp_status sec_charts(composer *c, const bp_tsection *s) {
  if (!c->b->n_charts) return BP_OK;
  piece *p = add(c, P_CHARTS, s->space_before_pt);
  p->h = s->height_pt > 0 ? s->height_pt : 170;
  /* number the chart sources now: they are read after the findings */
  for (size_t i = 0; i < c->b->n_charts; i++) {
    bp__chart_data *d = &c->charts[i];
    free(d->source_dest);
    d->source_dest = NULL;
    if (d->source_id && d->source_text) {
      char dest[32];
      snprintf(dest, sizeof dest, "note-%d", bp__number_of(&c->nb, d->source_id));
      d->source_dest = bp_strdup(dest);
    }
    d->spec.source_dest = d->source_dest;
    d->spec.family = c->st[S_LABEL].family;
  }
  return BP_OK;
}

static bp_status sec_endnotes(composer *c, const bp_tsection *s) {
  if (!c->nb.n) return BP_OK;
  bp_status st = sec_heading(c, s, BP_LABEL_NOTES);
  if (st) return st;
  int cols = s->columns > 1 ? 2 : 1;
  double gap = c->t->column_gap_pt;
  double col_w = cols > 1 ? (c->width - gap) / 2 : c->width;
  piece *p = add(c, P_COLUMNS, 3);
  p->col_w = col_w;
  size_t at = c->n - 1;
  piece *items = bp_calloc(c->nb.n, sizeof *items);
  double label_w = c->st[S_NOTE].size_pt * 1.9;
  double note_gap = c->t->note_gap_pt > 0 ? c->t->note_gap_pt : c->st[S_NOTE].size_pt * 0.25;
  for (size_t i = 0; i < c->nb.n && !st; i++) {
    const bp_csl_item *it = bp_bib_lookup(c->b->ds->bib, c->nb.ids[i]);
    bp_spans sp = {0};
    bp__endnote_spans(it, &sp);
    char num[32];
    snprintf(num, sizeof num, "%zu", i + 1);
    piece *e = &items[i];
    e->kind = P_TEXT;
    e->t = bp_text_new_spans(c->ts, c->ctx, &c->st[S_NOTE], &sp, NULL, NULL, col_w - label_w);
    bp_spans_free(&sp);
    e->label = e->t ? bp_text_new_plain(c->ts, c->ctx, &c->st[S_NOTENO], num, 0) : NULL;
    if (!e->t || !e->label) {
      st = c->ctx->status ? c->ctx->status : BP_ERR_LAYOUT;
      break;
    }
    e->x = label_w;
    e->indent = -label_w;
    e->h = bp_text_height_pt(e->t);
    e->before = i ? note_gap : 0;
    char dest[32];
    snprintf(dest, sizeof dest, "note-%zu", i + 1);
    e->dest = bp_strdup(dest);
    snprintf(dest, sizeof dest, "ref-%zu", i + 1);
    e->label_dest = bp_strdup(dest);
  }
  p = &c->pieces[at];
  p->items = items;
  p->n_items = c->nb.n;
  if (st) return st;
  balance(p, cols);
  return BP_OK;
}

static bp_status sec_disclaimer(composer *c, const bp_tsection *s) {
  return add_text(c, S_DISCLAIMER, TXT(c->b, disclaimer), s->space_before_pt, 0, c->width);
}

/* An image (a logo): fitted into the section's height and width, aligned. */
static bp_status sec_image(composer *c, const bp_tsection *s) {
  double w, h;
  double max_w = s->width_pt > 0 && s->width_pt < c->width ? s->width_pt : c->width;
  bp_image_fit(s->image, max_w, s->height_pt, &w, &h);
  piece *p = add(c, P_IMAGE, s->space_before_pt);
  p->image = s->image;
  p->w = w;
  p->h = h;
  p->x = s->align == 2 ? c->width - w : s->align == 1 ? (c->width - w) / 2 : 0;
  return BP_OK;
}

/* The section kinds of a brief, in one table. */
static const struct {
  const char *type;
  bp_status (*build)(composer *c, const bp_tsection *s);
} SECTIONS[] = {{"masthead", sec_masthead}, {"title", sec_title},
                {"summary", sec_summary},   {"findings", sec_findings},
                {"body", sec_body},         {"charts", sec_charts},
                {"endnotes", sec_endnotes}, {"disclaimer", sec_disclaimer},
                {"image", sec_image}};
#define N_SECTIONS (sizeof SECTIONS / sizeof *SECTIONS)

static void scale_styles(composer *c) {
  const bp_template *t = c->t;
  for (int i = 0; i < S_COUNT; i++) {
    c->st[i] = *bp_template_style(t, STYLE_NAMES[i]);
    if (i <= S_NOTENO) {
      double lead = c->st[i].leading_pt > 0 ? c->st[i].leading_pt : c->st[i].size_pt * 1.3;
      c->st[i].size_pt *= c->scale;
      c->st[i].leading_pt = lead * c->scale * c->ratio;
    }
  }
}

static double stack_height(const composer *c) {
  double h = 0;
  for (size_t i = 0; i < c->n; i++) h += c->pieces[i].before + c->pieces[i].h;
  return h;
}

static bp_status build(composer *c) {
  reset(c);
  scale_styles(c);
  bp_status st = BP_OK;
  for (size_t i = 0; i < c->t->n_sections && !st; i++) {
    const bp_tsection *s = &c->t->sections[i];
    begin_section(c, s->type);
    size_t first = c->n;
    size_t kind = 0;
    while (kind < N_SECTIONS && strcmp(SECTIONS[kind].type, s->type)) kind++;
    if (kind < N_SECTIONS)
      st = SECTIONS[kind].build(c, s);
    else
      st = bp_jdoc_error(c->ctx, c->t->jd, s->json, "type",
                         "a brief has no \"%s\" section (masthead, title, summary, findings, "
                         "body, charts, endnotes, disclaimer, image)",
                         s->type);
    if (st && (st == BP_ERR_FONT || strncmp(c->ctx->msg, c->b->path, strlen(c->b->path)))) {
      /* a text that cannot be set: say which brief and section it is in */
      bp_error_wrap(c->ctx, st, "%s: section \"%s\": ", c->b->path, s->type);
    }
    double h = 0;
    for (size_t k = first; k < c->n; k++) h += c->pieces[k].before + c->pieces[k].h;
    c->sec_h[c->n_secs - 1] = h;
  }
  return st;
}

/* ---- drawing ------------------------------------------------------------ */

static void draw_text_piece(bp_dlist *dl, bp_dl_page *pg, const piece *p, double x, double y,
                            bp_ref_marks *marks) {
  if (p->dest) bp_dl_add_dest(pg, p->dest, y);
  if (p->label) {
    double lx = x + p->x + p->indent;
    bp_text_draw(p->label, dl, pg, lx, y);
    if (p->label_dest) {
      bp_dl_link l = {lx,
                      y,
                      bp_text_width_pt(p->label),
                      bp_text_height_pt(p->label) / bp_text_line_count(p->label),
                      NULL,
                      p->label_dest};
      bp_dl_add_link(pg, &l);
    }
  }
  bp_text_draw_linked(p->t, dl, pg, x + p->x, y, 0, bp_text_line_count(p->t), marks);
}

static bp_status draw(composer *c, bp_dlist *dl, bp_dl_page *pg) {
  double y = c->y0, charts_y = -1;
  bp_ref_marks marks = {NULL, 0};
  bp_status st = BP_OK;
  for (size_t i = 0; i < c->n && !st; i++) {
    piece *p = &c->pieces[i];
    y += p->before;
    switch (p->kind) {
    case P_TEXT: draw_text_piece(dl, pg, p, c->x0, y, &marks); break;
    case P_PANEL: bp__fill_rect(pg, c->x0, y, c->width, p->h, p->color); break;
    case P_RULE:
      if (p->color.a > 0) bp__fill_rect(pg, c->x0, y, c->width, p->h, p->color);
      break;
    case P_CHARTS: {
      size_t n = c->b->n_charts;
      charts_y = y;
      double gap = c->t->column_gap_pt, w = (c->width - gap * (double)(n - 1)) / (double)n;
      for (size_t k = 0; k < n && !st; k++)
        st = bp_chart_draw(c->ts, c->ctx, dl, pg, &c->charts[k].spec, c->x0 + (double)k * (w + gap),
                           y, w, p->h);
      break;
    }
    case P_IMAGE: st = bp_image_draw(c->ctx, p->image, dl, pg, c->x0 + p->x, y, p->w, p->h); break;
    case P_COLUMNS: {
      double cy = y;
      for (size_t k = 0; k < p->n_items; k++) {
        if (k == p->split) cy = y;
        double cx = c->x0 + (k >= p->split ? p->col_w + c->t->column_gap_pt : 0);
        if (k != p->split) cy += p->items[k].before;
        draw_text_piece(dl, pg, &p->items[k], cx, cy, &marks);
        cy += p->items[k].h;
      }
      break;
    }
    }
    y += p->h;
  }
  /* a source only a chart cites: its note links back to the chart */
  for (size_t k = 0; charts_y >= 0 && k < c->b->n_charts; k++) {
    int num = 0;
    if (!c->charts[k].source_dest || sscanf(c->charts[k].source_dest, "note-%d", &num) != 1)
      continue;
    if ((size_t)num < marks.n && marks.seen[num]) continue;
    char ref[32];
    snprintf(ref, sizeof ref, "ref-%d", num);
    bp_dl_add_dest(pg, ref, charts_y);
    bp_ref_marks_mark(&marks, num);
  }
  bp_ref_marks_free(&marks);
  return st;
}

/* The running header (template "header", style "header" or "footer") in the
 * top margin and the footer in the bottom one, each left and right. */
static bp_status draw_running(composer *c, bp_dlist *dl, bp_dl_page *pg) {
  const bp_template *t = c->t;
  const bp_style *fs = &c->st[S_FOOTER];
  const bp_style *hs = bp_template_has_style(t, "header") ? bp_template_style(t, "header") : fs;
  const char *texts[4] = {t->header_left, t->header_right, t->footer_left, t->footer_right};
  bp_status st = BP_OK;
  for (int i = 0; i < 4 && !st; i++) {
    if (!texts[i]) continue;
    const bp_style *style = i < 2 ? hs : fs;
    double base =
        i < 2 ? t->margin_pt[0] * 0.5 + style->size_pt * 0.5 : t->page_h_pt - t->footer_baseline_pt;
    double top = base - bp_style_first_baseline_pt(style);
    char *s = bp_template_expand(texts[i], field_of, (void *)c->b);
    bool right = i % 2;
    st = bp_label_draw(c->ts, c->ctx, dl, pg, style, s, right ? 0 : c->width * 0.7,
                       c->x0 + (right ? c->width : 0), top, right, 0);
    free(s);
  }
  return st;
}

bp_status bp_compose_brief(bp_ctx *ctx, bp_typesetter *ts, const bp_brief *b, long long epoch,
                           bp_preflight *pf, bp_fit_report *fit, bp_dlist **out) {
  *out = NULL;
  const bp_template *t = b->tpl;
  composer c = {0};
  c.ctx = ctx;
  c.ts = ts;
  c.b = b;
  c.t = t;
  c.x0 = t->margin_pt[3];
  c.y0 = t->margin_pt[0];
  c.width = t->page_w_pt - t->margin_pt[1] - t->margin_pt[3];
  c.avail = t->page_h_pt - t->margin_pt[0] - t->margin_pt[2];
  c.charts = bp_calloc(b->n_charts + 1, sizeof *c.charts);
  c.sec_h = bp_calloc(t->n_sections + 1, sizeof *c.sec_h);
  c.sec_name = bp_calloc(t->n_sections + 1, sizeof *c.sec_name);
  for (size_t i = 0; i < b->n_charts; i++)
    bp__chart_build(&b->charts[i], b->ds, t, b->lang, &c.charts[i]);
  const bp_style *body = bp_template_style(t, "body");
  double size0 = body->size_pt;
  double lead0 = body->leading_pt > 0 ? body->leading_pt / body->size_pt : 1.3;
  double smax = t->body_max_pt > 0 ? t->body_max_pt : size0;
  double smin = t->body_min_pt > 0 ? t->body_min_pt : smax;
  double rmax = t->leading_max > 0 ? t->leading_max : lead0;
  double rmin = t->leading_min > 0 ? t->leading_min : rmax;
  /* Fit: the largest body size that fits at the tightest leading (heights
   * grow with the size: binary search over the 0.25 pt steps), then the
   * loosest leading that still fits at that size. Leading never changes line
   * breaks, only heights. */
  bp_status st = BP_OK;
  bool fits = false;
  int steps = (int)floor((smax - smin) / 0.25 + 1e-9);
  int lo = 0, hi = steps, best = -1; /* index k: size = smax - 0.25 k */
  double size = smax, ratio = rmin;
  while (lo <= hi && !st) {
    int mid = (lo + hi) / 2;
    c.scale = (smax - 0.25 * mid) / size0;
    c.ratio = rmin / lead0;
    st = build(&c);
    if (!st && stack_height(&c) <= c.avail + 0.01)
      best = mid, hi = mid - 1;
    else
      lo = mid + 1;
  }
  if (!st && best >= 0) {
    size = smax - 0.25 * best;
    /* the loosest leading that fits: binary search too (rmin fits) */
    int n_r = (int)floor((rmax - rmin) / 0.05 + 1e-9); /* ratios rmax - 0.05 j, j < n_r */
    int rlo = 0, rhi = n_r - 1, rbest = n_r;           /* n_r stands for rmin */
    double built_r = -1;
    while (rlo <= rhi && !st) {
      int mid = (rlo + rhi) / 2;
      c.scale = size / size0;
      c.ratio = (rmax - 0.05 * mid) / lead0;
      st = build(&c);
      built_r = rmax - 0.05 * mid;
      if (!st && stack_height(&c) <= c.avail + 0.01)
        rbest = mid, rhi = mid - 1;
      else
        rlo = mid + 1;
    }
    ratio = rbest == n_r ? rmin : rmax - 0.05 * rbest;
    c.scale = size / size0;
    c.ratio = ratio / lead0;
    if (!st && fabs(built_r - ratio) > 1e-9) st = build(&c); /* the layout that is drawn */
    fits = true;
  } else if (!st) {
    size = smin;
    ratio = rmin;
    c.scale = size / size0;
    c.ratio = ratio / lead0;
    st = build(&c); /* the smallest attempt, for the overflow report */
  }
  double used = st ? 0 : stack_height(&c);
  if (!st && !fits) { /* never drawn off the page: fail, whatever max_pages says */
    size_t *order = bp_calloc(c.n_secs + 1, sizeof *order);
    for (size_t i = 0; i < c.n_secs; i++) order[i] = i;
    for (size_t i = 0; i < c.n_secs; i++) /* tallest first */
      for (size_t k = i + 1; k < c.n_secs; k++)
        if (c.sec_h[order[k]] > c.sec_h[order[i]]) {
          size_t tmp = order[i];
          order[i] = order[k];
          order[k] = tmp;
        }
    bp_buf m = {0};
    for (size_t i = 0; i < c.n_secs && i < 3; i++)
      bp_buf_printf(&m, "%s%s %.0f pt", i ? ", " : "", c.sec_name[order[i]], c.sec_h[order[i]]);
    st = bp_error(ctx, BP_ERR_LAYOUT,
                  "%s: the brief overflows its one page by %.1f pt (%.1f mm) at the smallest "
                  "size the template %s allows (body %.2f pt, leading %.2f); the largest "
                  "sections: %s",
                  b->path, used - c.avail, (used - c.avail) * 25.4 / 72, t->path, smin, rmin,
                  m.data);
    bp_buf_free(&m);
    free(order);
  }
  bp_dlist *dl = NULL;
  if (!st) {
    dl = bp__dlist_for(b->title, b->author, b->subject, b->subtitle, b->keywords, b->lang, epoch);
    bp_dl_page *pg = bp_dlist_add_page(dl, t->page_w_pt, t->page_h_pt);
    bp_dl_add_outline(pg, 0, b->title, c.y0);
    st = draw(&c, dl, pg);
    if (!st) st = draw_running(&c, dl, pg);
    if (!st) st = bp_dlist_check(ctx, dl);
  }
  if (!st && pf)
    for (size_t i = 0; i < c.n; i++) {
      if (c.pieces[i].t) bp_text_preflight(c.pieces[i].t, bp_text_measure_pt(c.pieces[i].t), pf);
      for (size_t k = 0; k < c.pieces[i].n_items; k++)
        bp_text_preflight(c.pieces[i].items[k].t, bp_text_measure_pt(c.pieces[i].items[k].t), pf);
    }
  if (fit) {
    fit->body_pt = size;
    fit->leading_ratio = ratio;
    fit->used_pt = used;
    fit->avail_pt = c.avail;
    fit->pages = dl ? (int)dl->n_pages : 0;
  }
  reset(&c);
  bp__numbering_free(&c.nb);
  for (size_t i = 0; i < b->n_charts; i++) bp__chart_data_free(&c.charts[i]);
  free(c.charts);
  free(c.sec_h);
  free(c.sec_name);
  if (st) {
    bp_dlist_free(dl);
    return st;
  }
  *out = dl;
  return BP_OK;
}

/* newsletter accessors: borrowed strings of the brief file, NULL when absent */
const char *bp_brief_summary(const bp_brief *b) { return b->summary; }
const char *bp_brief_subtitle(const bp_brief *b) { return b->subtitle; }
const char *bp_brief_author(const bp_brief *b) { return b->author; }
const char *bp_brief_date(const bp_brief *b) { return b->date_text; }
const char *bp_brief_institute(const bp_brief *b) { return b->institute; }
const char *bp_brief_series(const bp_brief *b) { return b->series; }
const char *bp_brief_number(const bp_brief *b) { return b->number; }
const char *bp_brief_lang(const bp_brief *b) { return b->lang; }
