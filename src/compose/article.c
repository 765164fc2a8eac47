/* article.c - the article composer: a multi-page A4 document from a
 * Markdown body and its CSL-JSON bibliography. Endnotes are numbered in
 * order of first citation; a source cited twice keeps its number; each
 * marker links to its endnote and each endnote number links back. */
#include "compose-imp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A4_W 595.276
#define A4_H 841.89

static const bp_color INK = {0.10, 0.10, 0.12, 1};
static const bp_color ACCENT = {0.0, 0.30, 0.55, 1};
static const bp_color MUTED = {0.35, 0.35, 0.38, 1};

typedef struct numbering {
  const char **ids;
  size_t n;
} numbering;

static int number_of(void *ud, const char *id) {
  numbering *nb = ud;
  for (size_t i = 0; i < nb->n; i++)
    if (strcmp(nb->ids[i], id) == 0) return (int)i + 1;
  return 0;
}

static bp_style style(const char *family, double size, double leading, bool bold, bp_color c,
                      bp_align align, bool hyphenate) {
  bp_style s = {0};
  s.family = family;
  s.size_pt = size;
  s.leading_pt = leading;
  s.bold = bold;
  s.color = c;
  s.align = align;
  s.hyphenate = hyphenate;
  return s;
}

#define SERIF "Noto Serif, NanumMyeongjo"
#define SANS "Noto Sans, NanumGothic"

/* Plain text of spans, for outline titles. */
static char *spans_plain(const bp_spans *sp) {
  bp_buf b = {0};
  for (size_t i = 0; i < sp->n; i++)
    if (sp->v[i].kind == BP_SPAN_TEXT) bp_buf_puts(&b, sp->v[i].text);
  return bp_buf_detach(&b);
}

static bp_status add_plain(bp_flow *f, bp_typesetter *ts, bp_ctx *ctx, const bp_style *st,
                           const char *text, double width, double before, double after, bool keep) {
  if (!text || !*text) return BP_OK;
  bp_text *t = bp_text_new_plain(ts, ctx, st, text, width);
  if (!t) return ctx->status;
  bp_flow_add_text(f, t, before, after, keep, -1, NULL, NULL);
  return BP_OK;
}

/* Charts placed in the body with <!-- chart: NAME -->, defined in the
 * manifest's "charts" from the data folder its "data" names (default: the
 * folder above the manifest's). Loaded on the first chart block. */
typedef struct chart_block {
  bp_typesetter *ts;
  bp__chart_data data;
} chart_block;

typedef struct article_charts {
  bp_jdoc *jd;
  bp_dataset *ds;
  chart_block **v;
  size_t n, cap;
} article_charts;

static void charts_free(article_charts *c) {
  for (size_t i = 0; i < c->n; i++) {
    bp__chart_data_free(&c->v[i]->data);
    free(c->v[i]);
  }
  free(c->v);
  bp_dataset_free(c->ds);
  bp_jdoc_free(c->jd);
}

static bp_status draw_chart(void *ud, bp_ctx *ctx, bp_dlist *dl, bp_dl_page *pg, double x, double y,
                            double w, double h) {
  chart_block *cb = ud;
  return bp_chart_draw(cb->ts, ctx, dl, pg, &cb->data.spec, x, y, w, h);
}

static bp_status add_chart(bp_flow *f, article_charts *ac, bp_typesetter *ts, bp_ctx *ctx,
                           const bp_article *a, const bp_block *b, void *numbering_ud) {
  const char *src = a->doc->source_path ? a->doc->source_path : a->path;
  if (!ac->jd) {
    bp_status st = bp_jdoc_load(ctx, a->path, &ac->jd);
    if (st) return st;
    json_t *root = bp_jdoc_root(ac->jd);
    json_t *data = json_object_get(root, "data");
    if (data && !json_is_string(data))
      return bp_jdoc_error(ctx, ac->jd, root, "data", "\"data\" must be a folder name");
    const char *slash = strrchr(a->path, '/');
    bp_buf dir = {0};
    if (data && json_string_value(data)[0] == '/')
      bp_buf_puts(&dir, json_string_value(data));
    else {
      if (slash) bp_buf_put(&dir, a->path, (size_t)(slash - a->path) + 1);
      bp_buf_puts(&dir, data ? json_string_value(data) : "..");
    }
    st = bp_dataset_load(ctx, dir.data, &ac->ds);
    bp_buf_free(&dir);
    if (st) return st;
  }
  json_t *root = bp_jdoc_root(ac->jd);
  json_t *defs = json_object_get(root, "charts");
  json_t *def = json_is_object(defs) ? json_object_get(defs, b->ref) : NULL;
  if (!def)
    return bp_error(ctx, BP_ERR_DATA, "%s:%d: chart '%s' is not defined in %s (\"charts\")", src,
                    b->line, b->ref, a->path);
  bp__chart_ref ref;
  bp_status st = bp__chart_ref_load(ctx, ac->jd, def, ac->ds, &ref);
  if (st) {
    bp__chart_ref_free(&ref);
    return st;
  }
  chart_block *cb = bp_calloc(1, sizeof *cb);
  cb->ts = ts;
  bp__chart_build(&ref, ac->ds, NULL, a->lang, &cb->data);
  /* the source line links to its endnote when the article cites that source */
  int num = cb->data.source_id ? number_of(numbering_ud, cb->data.source_id) : 0;
  if (num > 0) {
    char dest[32];
    snprintf(dest, sizeof dest, "note-%d", num);
    cb->data.source_dest = bp_strdup(dest);
    cb->data.spec.source_dest = cb->data.source_dest;
  }
  BP_PUSH(ac->v, ac->n, ac->cap, cb);
  bp_flow_add_block(f, ref.height_pt > 0 ? ref.height_pt : 190, 8, 12, false, draw_chart, cb);
  bp__chart_ref_free(&ref);
  return BP_OK;
}

static bp_status draw_rule(void *ud, bp_ctx *ctx, bp_dlist *dl, bp_dl_page *pg, double x, double y,
                           double w, double h) {
  (void)ud, (void)ctx, (void)dl;
  bp_path_seg segs[2] = {{BP_PATH_MOVE, {x + w * 0.35, y + h / 2}},
                         {BP_PATH_LINE, {x + w * 0.65, y + h / 2}}};
  bp_dl_path p = {0};
  p.segs = segs;
  p.n_segs = 2;
  p.stroke = true;
  p.stroke_color = MUTED;
  p.line_width_pt = 0.6;
  bp_dl_add_path(pg, &p);
  return BP_OK;
}

/* The endnotes, numbered in order of first citation: a heading, then each
 * note with its number hanging (a link back to the first marker). */
static bp_status add_endnotes(bp_flow *f, bp_typesetter *ts, bp_ctx *ctx, const bp_article *a,
                              const numbering *nbp, double width, const char *label,
                              const bp_style *h1, const bp_style *note, const bp_style *note_no) {
  const numbering nb = *nbp;
  bp_status st = BP_OK;
  /* Endnotes: numbered in order of first citation. */
  if (!st && nb.n) {
    bp_text *h = bp_text_new_plain(ts, ctx, h1, label, width);
    if (!h)
      st = ctx->status;
    else
      bp_flow_add_text(f, h, 18, 6, true, 1, label, "endnotes");
  }
  for (size_t i = 0; i < nb.n && !st; i++) {
    const bp_csl_item *it = bp_bib_lookup(a->bib, nb.ids[i]);
    if (!it) {
      st = bp_error(ctx, BP_ERR_DATA, "%s: unknown citation '%s'", a->path, nb.ids[i]);
      break;
    }
    bp_spans sp = {0};
    bp__endnote_spans(it, &sp);
    char num[32], dest[32], back[32];
    snprintf(num, sizeof num, "%zu.", i + 1);
    snprintf(dest, sizeof dest, "note-%zu", i + 1);
    snprintf(back, sizeof back, "ref-%zu", i + 1);
    bp_text *lab = bp_text_new_plain(ts, ctx, note_no, num, 0);
    bp_text *t = lab ? bp_text_new_spans(ts, ctx, note, &sp, NULL, NULL, width - 20) : NULL;
    bp_spans_free(&sp);
    if (!t) {
      bp_text_free(lab);
      st = bp_error(ctx, ctx->status ? ctx->status : BP_ERR_LAYOUT, "%s: endnote %zu (%s)",
                    it->path ? it->path : "?", i + 1, it->id);
      break;
    }
    bp_flow_add_hanging(f, lab, t, 20, 0, 4, dest, back);
  }
  return st;
}

static bp_status where(bp_ctx *ctx, const bp_doc *doc, const bp_block *b) {
  /* Prefix the layout error with the block's source position. */
  return bp_error_wrap(ctx, BP_ERR_LAYOUT, "%s:%d: ", doc->source_path ? doc->source_path : "?",
                       b->line);
}

/* The article's style `name`: the template's, else the built-in one. */
static bp_style astyle(const bp_template *t, const char *name, bp_style builtin) {
  return t && bp_template_has_style(t, name) ? *bp_template_style(t, name) : builtin;
}

typedef struct article_styles {
  bp_style title, subtitle, byline, h1, h2, body, quote, note, note_no, footer;
} article_styles;

static void article_styles_for(const bp_template *t, article_styles *s) {
  s->title = astyle(t, "title", style(SANS, 19, 24, true, INK, BP_ALIGN_LEFT, false));
  s->subtitle = astyle(t, "subtitle", style(SANS, 12.5, 17, false, ACCENT, BP_ALIGN_LEFT, false));
  s->byline = astyle(t, "byline", style(SANS, 9, 13, false, MUTED, BP_ALIGN_LEFT, false));
  s->h1 = astyle(t, "heading", style(SANS, 13, 17, true, ACCENT, BP_ALIGN_LEFT, false));
  s->h2 = astyle(t, "heading2", style(SANS, 11, 15, true, INK, BP_ALIGN_LEFT, false));
  s->body = astyle(t, "body", style(SERIF, 10.5, 15, false, INK, BP_ALIGN_JUSTIFY, true));
  bp_style quote = style(SERIF, 9.5, 13.5, false, MUTED, BP_ALIGN_LEFT, true);
  quote.italic = true;
  s->quote = astyle(t, "quote", quote);
  s->note = astyle(t, "note", style(SERIF, 8.5, 11.5, false, INK, BP_ALIGN_LEFT, false));
  s->note_no =
      astyle(t, "note_number", style(SERIF, 8.5, 11.5, false, ACCENT, BP_ALIGN_LEFT, false));
  s->footer = astyle(t, "footer", style(SANS, 7.5, 10, false, MUTED, BP_ALIGN_LEFT, false));
}

bp_status bp_article_template_load(bp_ctx *ctx, const bp_article *a, const char *override_path,
                                   bp_template **out) {
  *out = NULL;
  if (!override_path && !a->template_name) return BP_OK;
  bp_buf path = {0};
  const char *slash = strrchr(a->path, '/');
  if (override_path)
    bp_buf_puts(&path, override_path);
  else {
    if (a->template_name[0] != '/' && slash)
      bp_buf_put(&path, a->path, (size_t)(slash - a->path) + 1);
    bp_buf_puts(&path, a->template_name);
  }
  bp_status st = bp_template_load(ctx, path.data, out);
  bp_buf_free(&path);
  for (size_t i = 0; !st && i < (*out)->n_sections; i++) {
    const bp_tsection *sec = &(*out)->sections[i];
    if (strcmp(sec->type, "title") && strcmp(sec->type, "body") && strcmp(sec->type, "endnotes"))
      st = bp_jdoc_error(ctx, (*out)->jd, sec->json, "type",
                         "an article template takes the sections title, body and endnotes, not "
                         "\"%s\"",
                         sec->type);
  }
  if (st) {
    bp_template_free(*out);
    *out = NULL;
  }
  return st;
}

static bp_status add_title_block(bp_flow *f, bp_typesetter *ts, bp_ctx *ctx, const bp_article *a,
                                 const article_styles *as, double width) {
  bp_status st = BP_OK;
  bp_text *tt = bp_text_new_plain(ts, ctx, &as->title, a->title ? a->title : "Untitled", width);
  if (!tt)
    st = ctx->status;
  else
    bp_flow_add_text(f, tt, 0, 6, true, 0, a->title ? a->title : "Untitled", "top");
  if (!st) st = add_plain(f, ts, ctx, &as->subtitle, a->subtitle, width, 0, 6, true);
  if (!st && (a->author || a->date)) {
    bp_buf by = {0};
    if (a->author) bp_buf_puts(&by, a->author);
    if (a->author && a->date) bp_buf_puts(&by, "  \xC2\xB7  ");
    if (a->date) bp_buf_puts(&by, a->date);
    st = add_plain(f, ts, ctx, &as->byline, by.data, width, 0, 16, false);
    bp_buf_free(&by);
  }
  return st;
}

typedef struct article_run {
  bp_flow *f;
  bp_typesetter *ts;
  bp_ctx *ctx;
  const bp_article *a;
  const article_styles *as;
  const char *notes_label;
  numbering *nb;
  article_charts charts;
  double width;
  bool endnotes_placed;
} article_run;

static bp_status add_body(article_run *r) {
  const bp_doc *doc = r->a->doc;
  const article_styles *as = r->as;
  bp_flow *f = r->f;
  bp_typesetter *ts = r->ts;
  bp_ctx *ctx = r->ctx;
  double width = r->width;
  numbering *nb = r->nb;
  bp_status st = BP_OK;
  for (size_t i = 0; i < doc->n_blocks && !st; i++) {
    const bp_block *b = &doc->blocks[i];
    bp_text *t = NULL;
    switch (b->kind) {
    case BP_BLOCK_HEADING: {
      const bp_style *hs = b->level <= 1 ? &as->h1 : &as->h2;
      t = bp_text_new_spans(ts, ctx, hs, &b->spans, number_of, nb, width);
      if (!t) break;
      char *plain = spans_plain(&b->spans);
      bp_flow_add_text(f, t, b->level <= 1 ? 14 : 10, 5, true, b->level <= 1 ? 1 : 2, plain, NULL);
      free(plain);
      break;
    }
    case BP_BLOCK_PARA:
      t = bp_text_new_spans(ts, ctx, &as->body, &b->spans, number_of, nb, width);
      if (t) bp_flow_add_text(f, t, 0, 7, false, -1, NULL, NULL);
      break;
    case BP_BLOCK_QUOTE:
      t = bp_text_new_spans(ts, ctx, &as->quote, &b->spans, number_of, nb, width - 24);
      if (t) bp_flow_add_hanging(f, NULL, t, 24, 4, 8, NULL, NULL);
      break;
    case BP_BLOCK_LIST_ITEM: {
      bp_text *lab;
      char num[16];
      if (b->number > 0)
        snprintf(num, sizeof num, "%d.", b->number);
      else
        snprintf(num, sizeof num, "\xE2\x80\xA2");
      lab = bp_text_new_plain(ts, ctx, &as->body, num, 0);
      t = lab ? bp_text_new_spans(ts, ctx, &as->body, &b->spans, number_of, nb, width - 16) : NULL;
      if (t)
        bp_flow_add_hanging(f, lab, t, 16, 0, 4, NULL, NULL);
      else
        bp_text_free(lab);
      break;
    }
    case BP_BLOCK_ENDNOTES: /* <!-- endnotes --> places them; else they go last */
      if (!r->endnotes_placed)
        st = add_endnotes(f, ts, ctx, r->a, nb, width, r->notes_label, &as->h1, &as->note,
                          &as->note_no);
      r->endnotes_placed = true;
      continue;
    case BP_BLOCK_CHART:
      if (add_chart(f, &r->charts, ts, ctx, r->a, b, nb)) st = ctx->status;
      continue;
    case BP_BLOCK_RULE: /* a thematic break: a short rule, centred */
      bp_flow_add_block(f, 1, 10, 12, false, draw_rule, NULL);
      continue;
    }
    if (!t) st = where(ctx, doc, b);
  }
  return st;
}

static const char *article_field(void *ud, const char *name) {
  const bp_article *a = ud;
  if (!strcmp(name, "title")) return a->title;
  if (!strcmp(name, "author")) return a->author;
  if (!strcmp(name, "date")) return a->date;
  return NULL;
}

bp_status bp_compose_article(bp_ctx *ctx, bp_typesetter *ts, const bp_article *a,
                             const bp_template *t, long long epoch, bp_preflight *pf,
                             bp_dlist **out) {
  *out = NULL;
  bp_page_geometry g = {A4_W, A4_H, 62, 68, 72, 68, A4_H - 40};
  if (t)
    g = (bp_page_geometry){t->page_w_pt,
                           t->page_h_pt,
                           t->margin_pt[0],
                           t->margin_pt[1],
                           t->margin_pt[2],
                           t->margin_pt[3],
                           t->page_h_pt - t->footer_baseline_pt};
  article_styles as;
  article_styles_for(t, &as);
  numbering nb;
  nb.ids = bp_doc_cited_ids(a->doc, &nb.n);
  article_run r = {bp_flow_new(&g),
                   ts,
                   ctx,
                   a,
                   &as,
                   t ? bp_template_label(t, BP_LABEL_NOTES) : "Endnotes",
                   &nb,
                   {0},
                   g.width_pt - g.margin_left_pt - g.margin_right_pt,
                   false};
  bp_status st = BP_OK;
  static const char *const order[] = {"title", "body", "endnotes"};
  size_t n = t ? t->n_sections : 3;
  for (size_t i = 0; i < n && !st; i++) {
    const char *type = t ? t->sections[i].type : order[i];
    if (!strcmp(type, "title"))
      st = add_title_block(r.f, ts, ctx, a, &as, r.width);
    else if (!strcmp(type, "body"))
      st = add_body(&r);
    else if (!r.endnotes_placed) {
      st =
          add_endnotes(r.f, ts, ctx, a, &nb, r.width, r.notes_label, &as.h1, &as.note, &as.note_no);
      r.endnotes_placed = true;
    }
  }
  bp_dlist *dl = NULL;
  char *footer = t && t->footer_left ? bp_template_expand(t->footer_left, article_field, (void *)a)
                                     : bp_strdup(a->title);
  if (!st) {
    dl = bp__dlist_for(a->title, a->author, a->subject, a->subtitle, a->keywords, a->lang, epoch);
    st = bp_flow_render(r.f, ts, ctx, dl, &as.footer, footer);
  }
  if (!st && t && t->max_pages > 0 && bp_flow_page_count(r.f) > t->max_pages)
    st = bp_error(ctx, BP_ERR_LAYOUT, "%s: the article takes %d pages; the template %s allows %d",
                  a->path, bp_flow_page_count(r.f), t->path, t->max_pages);
  if (!st) st = bp_dlist_check(ctx, dl);
  if (!st && pf) bp_flow_preflight(r.f, pf);
  free(footer);
  free((void *)nb.ids);
  bp_flow_free(r.f);
  charts_free(&r.charts);
  if (st) {
    bp_dlist_free(dl);
    return st;
  }
  *out = dl;
  return BP_OK;
}
