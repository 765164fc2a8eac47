/* engine.c - the one composer: a template's sections (sections.c), reading
 * their content through a binding (bind.c), stack pieces on a flow
 * (layout/flow.h pages and draws them). Each text, chart and image is laid
 * out once as a piece in a cache keyed by what it shows, shared by the
 * threads of a batch. The fit loop scales the body styles within the
 * template's limits: the largest size, then the loosest leading, that keeps
 * the document within "max_pages" and the endnotes off a page of their own
 * ("keep_with_text"); what does not fit fails with the overflow report and
 * nothing is drawn. Knows nothing of PDF or files. */
#include "compose-imp.h"

#include "../core/lru.h"

#include <glib.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef bp_piece piece;
typedef bp_flow_elem elem;
typedef bp__engine engine;

/* ---- the cache of pieces --------------------------------------------------- */

struct bp_profile_cache {
  pthread_mutex_t lock; /* guards everything below */
  bp_lru *map;          /* key -> piece (one reference), bounded by bp_piece_bytes */
  size_t hits, misses;
};

bp_profile_cache *bp_profile_cache_new(size_t max_bytes) {
  bp_profile_cache *pc = bp_calloc(1, sizeof *pc);
  pthread_mutex_init(&pc->lock, NULL);
  pc->map =
      bp_lru_new(max_bytes ? max_bytes : BP_PROFILE_CACHE_BYTES, (void (*)(void *))bp_piece_unref);
  return pc;
}

void bp_profile_cache_free(bp_profile_cache *pc) {
  if (!pc) return;
  bp_lru_free(pc->map);
  pthread_mutex_destroy(&pc->lock);
  free(pc);
}

void bp_profile_cache_stats(const bp_profile_cache *pc, size_t *hits, size_t *misses,
                            size_t *bytes) {
  bp_profile_cache *c = (bp_profile_cache *)pc;
  if (c) pthread_mutex_lock(&c->lock);
  if (hits) *hits = c ? c->hits : 0;
  if (misses) *misses = c ? c->misses : 0;
  if (bytes) *bytes = 0;
  if (bytes && c) bp_lru_size(c->map, bytes, NULL);
  if (c) pthread_mutex_unlock(&c->lock);
}

static const piece *hold(engine *e, piece *p) {
  bp_piece_ref(p);
  BP_PUSH(e->held, e->n_held, e->cap_held, p);
  return p;
}

/* The cached piece for `key` (held until the engine ends); NULL on a miss. */
static const piece *cache_get(engine *e, bp_buf *key) {
  pthread_mutex_lock(&e->cache->lock);
  piece *p = bp_lru_lookup(e->cache->map, key->data);
  if (p) {
    e->cache->hits++;
    hold(e, p);
  }
  pthread_mutex_unlock(&e->cache->lock);
  if (p) bp_buf_free(key);
  return p;
}

/* Adds a piece just made; when another thread added the same one meanwhile,
 * that one is used and this one dropped. The least recently used pieces
 * then go while the cache holds more than its bytes (a piece an engine
 * holds lives on until the engine drops it). */
static const piece *cache_put(engine *e, bp_buf *key, piece *p) {
  size_t bytes = bp_piece_bytes(p) + key->len; /* p's one reference becomes the cache's */
  pthread_mutex_lock(&e->cache->lock);
  e->cache->misses++;
  piece *had = bp_lru_lookup(e->cache->map, key->data);
  if (had) {
    hold(e, had);
    pthread_mutex_unlock(&e->cache->lock);
    bp_piece_unref(p);
    bp_buf_free(key);
    return had;
  }
  hold(e, p);
  bp_lru_insert(e->cache->map, bp_buf_detach(key), p, bytes);
  pthread_mutex_unlock(&e->cache->lock);
  return p;
}

/* A piece of the fit's estimate: held by the engine only (its one
 * reference), never cached, for its size alone. */
static const piece *estimated(engine *e, bp_buf *key, piece *p) {
  bp_buf_free(key);
  BP_PUSH(e->held, e->n_held, e->cap_held, p);
  return p;
}

/* ---- making pieces ------------------------------------------------------------ */

static void key_put(bp_buf *k, const char *s) {
  bp_buf_puts(k, s ? s : "");
  bp_buf_putc(k, '\x1f');
}

/* v to 1/10,000 (as "%.4f" would key it), in decimal digits: printf's
 * floating-point formatting was a tenth of a layout that found its pieces. */
static void key_num(bp_buf *k, double v) {
  if (!isfinite(v) || fabs(v) > 1e14) {
    bp_buf_printf(k, "%.4f\x1f", v);
    return;
  }
  long long n = llround(v * 10000);
  unsigned long long u = n < 0 ? 0 - (unsigned long long)n : (unsigned long long)n;
  char d[24];
  size_t i = sizeof d;
  d[--i] = '\x1f';
  do d[--i] = (char)('0' + u % 10);
  while (u /= 10);
  if (n < 0) d[--i] = '-';
  bp_buf_put(k, d + i, sizeof d - i);
}

const bp_style *bp__style(const engine *e, const char *name) {
  for (size_t i = 0; i < e->n_fit; i++)
    if (!strcmp(e->fit_names[i], name)) return &e->fitted[i];
  return bp_template_style(e->t, name);
}

/* A text piece for `key` made by `t` (NULL: the error in ctx). */
static const piece *text_piece(engine *e, bp_buf *key, bp_text *t) {
  if (!t) {
    bp_buf_free(key);
    bp__blame(e, e->field);
    return NULL;
  }
  /* Drawn when replayed if only this engine sees it: most attempts of the
   * fit are only measured. A shared cache's pieces are drawn now. */
  if (e->estimate) return estimated(e, key, bp_piece_of_text_lazy(t)); /* never drawn */
  piece *p = e->lazy ? bp_piece_of_text_lazy(t) : bp_piece_of_text(t);
  if (!e->lazy) bp_text_free(t);
  return cache_put(e, key, p);
}

static void key_text(engine *e, bp_buf *k, const char *kind, const char *style, double width) {
  key_put(k, kind);
  key_put(k, style);
  key_num(k, bp__style(e, style)->size_pt);
  key_num(k, bp__style(e, style)->leading_pt);
  key_num(k, width);
}

const piece *bp__plain(engine *e, const char *style, const char *text, double width) {
  bp_buf key = {0};
  key_text(e, &key, "P", style, width);
  key_put(&key, text);
  const piece *hit = e->estimate ? NULL : cache_get(e, &key);
  if (hit) return hit;
  return text_piece(e, &key, bp_text_new_plain(e->ts, e->ctx, bp__style(e, style), text, width));
}

const piece *bp__spans(engine *e, const char *style, const char *what, const bp_spans *sp,
                       double width) {
  bp_buf key = {0};
  key_text(e, &key, "S", style, width);
  key_put(&key, what);
  key_put(&key, e->marks.collapse ? "c" : "");
  for (size_t i = 0; i < sp->n; i++)
    for (size_t k = 0; k < sp->v[i].n_cite; k++)
      bp_buf_printf(&key, "%d,", bp__number_of(&e->nb, sp->v[i].cite_ids[k]));
  const piece *hit = e->estimate ? NULL : cache_get(e, &key);
  if (hit) return hit;
  return text_piece(e, &key,
                    bp_text_new_spans(e->ts, e->ctx, bp__style(e, style), sp, &e->marks, width));
}

const piece *bp__markup(engine *e, const char *style, const char *markup, double width) {
  bp_spans sp = {0};
  bp_inline_parse(markup, &sp);
  const piece *p = bp__spans(e, style, markup, &sp, width);
  bp_spans_free(&sp);
  return p;
}

const piece *bp__chart(engine *e, const bp_chart_spec *sp, double w, double h) {
  bp_buf key = {0};
  if (e->estimate) return estimated(e, &key, bp_piece_new(w, h)); /* its box is all it needs */
  key_put(&key, "C");
  bp_buf_printf(&key, "%d\x1f%d%d%d\x1f%d\x1f", (int)sp->kind, sp->value_labels, sp->x_is_date,
                sp->y_zero, sp->decimals);
  key_num(&key, w);
  key_num(&key, h);
  key_num(&key, sp->font_size_pt);
  const char *strs[] = {sp->title,       sp->unit,   sp->source_text,
                        sp->source_dest, sp->family, sp->lang};
  for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) key_put(&key, strs[i]);
  for (size_t i = 0; sp->colors && i < sp->colors->n_data; i++)
    bp_buf_printf(&key, "%.3f,%.3f,%.3f,", sp->colors->data[i].r, sp->colors->data[i].g,
                  sp->colors->data[i].b);
  for (size_t i = 0; i < sp->n_points; i++) {
    bp_buf_printf(&key, "%.17g,%.17g,", sp->points[i].x, sp->points[i].y);
    key_put(&key, sp->points[i].label);
    key_put(&key, sp->points[i].detail);
  }
  const piece *hit = cache_get(e, &key);
  if (hit) return hit;
  piece *p = bp_piece_new(w, h);
  if (bp_chart_draw(e->ts, e->ctx, p->dl, &p->dl->pages[0], sp, 0, 0, w, h)) {
    bp_piece_unref(p);
    bp_buf_free(&key);
    bp__blame(e, "charts");
    return NULL;
  }
  /* an endnote whose source only this chart cites links back to the chart
   * (the earliest "ref-N" wins, so a marker in the text comes first) */
  if (sp->source_dest && !strncmp(sp->source_dest, "note-", 5)) {
    char back[40];
    snprintf(back, sizeof back, "ref-%s", sp->source_dest + 5);
    bp_dl_add_dest(&p->dl->pages[0], back, 0);
  }
  return cache_put(e, &key, p);
}

bp_status bp__table(engine *e, const bp_table_column *cols, size_t n_cols,
                    const bp_table_cell *cells, size_t n_rows, double before, size_t *bad_col) {
  bp_table_style st = {
      bp__style(e, "label"), bp__style(e, "value"), e->t->rule, 5, 3, bp__number_of, &e->nb};
  piece *h, *b;
  bp_status s = bp_table_layout(e->ts, e->ctx, cols, n_cols, cells, n_rows, &st, e->width, bad_col,
                                NULL, &h, &b);
  if (s) return s;
  BP_PUSH(e->held, e->n_held, e->cap_held, b); /* the engine holds their references */
  BP_PUSH(e->held, e->n_held, e->cap_held, h);
  bp_flow_push_table(&e->flow, h, b, before, 0)->tag = e->section;
  bp__preflight_add(e, h);
  bp__preflight_add(e, b);
  return BP_OK;
}

const piece *bp__image(engine *e, const bp_image *img, double w, double h) {
  bp_buf key = {0};
  if (e->estimate) return estimated(e, &key, bp_piece_new(w, h));
  bp_buf_printf(&key, "I\x1f%p\x1f", (const void *)img);
  key_num(&key, w);
  key_num(&key, h);
  const piece *hit = cache_get(e, &key);
  if (hit) return hit;
  piece *p = bp_piece_new(w, h);
  if (bp_image_draw(e->ctx, img, p->dl, &p->dl->pages[0], 0, 0, w, h)) {
    bp_piece_unref(p);
    bp_buf_free(&key);
    bp__blame(e, "image");
    return NULL;
  }
  return cache_put(e, &key, p);
}

typedef struct note_parts {
  const piece *label, *text; /* a reference each */
  double indent;
  int n;
} note_parts;

static void note_draw(piece *p, void *data) {
  const note_parts *np = data;
  bp_dl_page *pg = &p->dl->pages[0];
  bp_flow scratch = {0}; /* replay's buffers: this may run inside another replay */
  char dest[32];
  snprintf(dest, sizeof dest, "note-%d", np->n);
  bp_dl_add_dest(pg, dest, 0);
  int was = bp_dl_begin(p->dl, pg, BP_ROLE_LINK); /* the number links back */
  bp_flow_replay(&scratch, np->label, p->dl, pg, 0, 0, -INFINITY, INFINITY);
  snprintf(dest, sizeof dest, "ref-%d", np->n);
  const piece *label = np->label;
  bp_dl_link l = {0, 0, label->w, label->h / (label->n_lines > 0 ? label->n_lines : 1), NULL, dest};
  bp_dl_add_link(pg, &l);
  bp_dl_end(pg, was);
  bp_flow_replay(&scratch, np->text, p->dl, pg, np->indent, 0, -INFINITY, INFINITY);
  bp_flow_free(&scratch);
}

static void note_drop(void *data) {
  note_parts *np = data;
  bp_piece_unref((piece *)np->label);
  bp_piece_unref((piece *)np->text);
  free(np);
}

const piece *bp__note(engine *e, const piece *label, const piece *text, double indent, int n) {
  if (!label || !text) return NULL;
  piece *p = bp_piece_new(indent + text->w, label->h > text->h ? label->h : text->h);
  note_parts *np = bp_calloc(1, sizeof *np);
  *np = (note_parts){label, text, indent, n};
  bp_piece_ref((piece *)label);
  bp_piece_ref((piece *)text);
  bp_piece_set_lazy(p, note_draw, note_drop, np);
  if (!e->lazy) bp_piece_drawn(p); /* a shared cache's label and text are drawn already */
  p->pf = text->pf;
  BP_PUSH(e->held, e->n_held, e->cap_held, p); /* its one reference is the engine's */
  return p;
}

/* ---- the stack ------------------------------------------------------------------ */

elem *bp__push(engine *e, bp_flow_kind kind, double h, double before, double after, bool keep) {
  elem *el = bp_flow_push(&e->flow, kind, h, before, after, keep);
  el->tag = e->section; /* the section it belongs to */
  return el;
}

static void add_pf(bp_preflight *to, const bp_preflight *pf);

void bp__preflight_add(engine *e, const piece *p) { add_pf(&e->pf, &p->pf); }

static void add_pf(bp_preflight *to, const bp_preflight *pf) {
  to->lines += pf->lines;
  if ((pf->hangul_breaks || pf->closing_starts || pf->overwide) &&
      !(to->hangul_breaks || to->closing_starts || to->overwide))
    memcpy(to->first_problem, pf->first_problem, sizeof to->first_problem);
  to->hangul_breaks += pf->hangul_breaks;
  to->closing_starts += pf->closing_starts;
  to->overwide += pf->overwide;
}

bp_status bp__place_in(engine *e, elem *el, const piece *p, double dx, double dy) {
  if (!p) return e->ctx->status ? e->ctx->status : BP_ERR_LAYOUT;
  bp_flow_place_in(el, p, dx, dy);
  add_pf(&e->pf, &p->pf);
  return BP_OK;
}

bp_status bp__block(engine *e, const piece *p, double dx, double before, double after, bool keep) {
  if (!p) return e->ctx->status ? e->ctx->status : BP_ERR_LAYOUT;
  elem *el = bp__push(e, BP_FLOW_BLOCK, 0, before, after, keep);
  el->split = p->n_lines > 1 ? 0 : -1;
  return bp__place_in(e, el, p, dx, 0);
}

bp_status bp__hanging(engine *e, const piece *label, const piece *text, double indent,
                      double before, double after) {
  if (!label || !text) return e->ctx->status ? e->ctx->status : BP_ERR_LAYOUT;
  elem *el = bp__push(e, BP_FLOW_BLOCK, 0, before, after, false);
  bp__place_in(e, el, label, 0, 0);
  el->split = text->n_lines > 1 ? 1 : -1;
  bp_status st = bp__place_in(e, el, text, indent, 0);
  if (!st) el->role = BP_ROLE_LI, el->pl[0].role = BP_ROLE_LBL, el->pl[1].role = BP_ROLE_LBODY;
  return st;
}

void bp__rule(engine *e, double thickness, double before, double after, bp_color color, bool keep) {
  bp__push(e, BP_FLOW_RULE, thickness, before, after, keep)->color = color;
}

bp_status bp__heading(engine *e, const bp_tsection *s, int label) {
  const char *title = s->title ? s->title : label >= 0 ? bp_template_label(e->t, label) : NULL;
  if (!title || !*title) return BP_OK;
  e->field = "title";
  bp_status st =
      bp__block(e, bp__plain(e, "heading", title, e->width), 0, s->space_before_pt, 4, true);
  if (!st) {
    e->flow.v[e->flow.n - 1].level = 1;
    e->flow.v[e->flow.n - 1].outline = bp_strdup(title);
  }
  return st;
}

void bp__warn(engine *e, const char *fmt, ...) {
  if (!e->info) return;
  va_list ap;
  va_start(ap, fmt);
  char *w = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  size_t cap = e->info->n_warnings;
  bp_grow((void **)&e->info->warnings, &cap, e->info->n_warnings + 1, sizeof(char *));
  e->info->warnings[e->info->n_warnings++] = bp_strdup(w);
  g_free(w);
}

bp_status bp__blame(engine *e, const char *field) {
  const bp__binding *b = e->b;
  bp_status st = e->ctx->status ? e->ctx->status : BP_ERR_LAYOUT;
  if (b->kind == BP__RECORD) {
    if (e->info && field && !e->info->bad_field) e->info->bad_field = bp_strdup(field);
    return bp_error_wrap(e->ctx, st, "record '%s' (%s:%d)%s%s: ", b->rec->rows[b->row].fields[0],
                         b->rec->path, b->rec->rows[b->row].line, field ? ", field " : "",
                         field ? field : "");
  }
  if (!strncmp(e->ctx->msg, b->path, strlen(b->path))) return st; /* says where already */
  const char *sec = e->section >= 0 ? e->t->sections[e->section].type : NULL;
  return bp_error_wrap(e->ctx, st, "%s%s%s%s: ", b->path, sec ? ": section \"" : "", sec ? sec : "",
                       sec ? "\"" : "");
}

/* ---- pages ------------------------------------------------------------------------ */

static const char *page_field(void *ud, const char *name) {
  const char *const *pf = ud; /* {page, pages} */
  return !strcmp(name, "page") ? pf[0] : !strcmp(name, "pages") ? pf[1] : NULL;
}

/* The running header (style "header", else "footer") in the top margin and
 * the footer in the bottom one, left and right, with {page} and {pages}
 * besides the binding's fields. The footer's right side is "{page} /
 * {pages}" when the template sets only its left. */
static bp_status draw_running(engine *e, bp_dlist *dl, bp_dl_page *pg, int page, int pages) {
  const bp_template *t = e->t;
  const bp_style *fs = bp_template_style(t, "footer");
  const bp_style *hs = bp_template_has_style(t, "header") ? bp_template_style(t, "header") : fs;
  const char *texts[4] = {t->header_left, t->header_right, t->footer_left, t->footer_right};
  for (size_t i = 0; i < t->n_sections; i++) { /* given as sections */
    int at = !strcmp(t->sections[i].type, "header")   ? 0
             : !strcmp(t->sections[i].type, "footer") ? 2
                                                      : -1;
    json_t *o = t->sections[i].json;
    for (int k = 0; at >= 0 && k < 2; k++)
      if (json_is_string(json_object_get(o, k ? "right" : "left")))
        texts[at + k] = json_string_value(json_object_get(o, k ? "right" : "left"));
  }
  if (!texts[3] && texts[2]) texts[3] = "{page} / {pages}";
  char num[2][16];
  snprintf(num[0], sizeof num[0], "%d", page + 1);
  snprintf(num[1], sizeof num[1], "%d", pages);
  const char *pf[2] = {num[0], num[1]};
  bp_status st = BP_OK;
  char *s[4] = {NULL};
  double w[4] = {0};
  for (int i = 0; i < 4 && !st; i++) { /* the natural widths first */
    char *paged = texts[i] ? bp_template_expand(texts[i], page_field, (void *)pf) : NULL;
    s[i] = paged ? bp__expand_str(e->b, t, paged) : NULL;
    free(paged);
    if (s[i]) st = bp_label_measure(e->ts, e->ctx, i < 2 ? hs : fs, s[i], 0, &w[i], NULL);
  }
  int was = bp_dl_begin(dl, pg, BP_ROLE_ARTIFACT); /* furniture, as the page numbers */
  for (int i = 0; i < 4 && !st; i++) {
    if (!s[i]) continue;
    const bp_style *style = i < 2 ? hs : fs;
    double base =
        i < 2 ? t->margin_pt[0] * 0.5 + style->size_pt * 0.5 : t->page_h_pt - t->footer_baseline_pt;
    bool right = i % 2;
    /* the right side on one line; the left wraps beside it, 1 em apart, a
     * header growing down from its baseline and a footer up from its own:
     * never over the other side, towards the page's edge or into the text */
    double room = e->width - (right || !s[i + 1] ? 0 : w[i + 1] + style->size_pt), h = 0;
    double lead = style->leading_pt > 0 ? style->leading_pt : style->size_pt * 1.3;
    if (room < e->width * 0.25)
      st = bp_error(e->ctx, BP_ERR_LAYOUT,
                    "the running %s's right side \"%.60s\" is %.0f pt wide: it leaves its left "
                    "side no room in the %.0f pt measure",
                    i < 2 ? "header" : "footer", s[i + 1], w[i + 1], e->width);
    if (!st) st = bp_label_measure(e->ts, e->ctx, style, s[i], right ? 0 : room, NULL, &h);
    double top = base - bp_style_first_baseline_pt(style) - (i < 2 ? 0 : h - lead);
    if (!st && (i < 2 ? top + h > e->top : top < e->bottom))
      st = bp_error(e->ctx, BP_ERR_LAYOUT,
                    "the running %s \"%.60s\" takes %.0f pt: more than the %s margin holds",
                    i < 2 ? "header" : "footer", s[i], h, i < 2 ? "top" : "bottom");
    if (!st)
      st = bp_label_draw(e->ts, e->ctx, dl, pg, style, s[i], right ? 0 : room,
                         e->x0 + (right ? e->width : 0), top, right, 0);
  }
  for (int i = 0; i < 4; i++) free(s[i]);
  bp_dl_end(pg, was);
  if (st) bp__blame(e, "footer");
  return st;
}

/* ---- building, the fit loop ------------------------------------------------------- */

static const char *const FIT_DEFAULT[] = {"body",  "summary", "finding",     "claim",
                                          "value", "note",    "note_number", "quote"};

static void set_fit(engine *e) {
  e->n_fit = 0;
  for (size_t i = 0; i < sizeof FIT_DEFAULT / sizeof *FIT_DEFAULT && e->n_fit < BP__N_FIT; i++) {
    bp_style s = *bp_template_style(e->t, FIT_DEFAULT[i]);
    double lead = s.leading_pt > 0 ? s.leading_pt : s.size_pt * 1.3;
    s.size_pt *= e->scale;
    s.leading_pt = lead * e->scale * e->ratio;
    e->fit_names[e->n_fit] = FIT_DEFAULT[i];
    e->fitted[e->n_fit++] = s;
  }
}

/* Lays the sections out (again): everything a previous attempt built is
 * dropped, and the warnings it gave. */
static bp_status build(engine *e) {
  bp_flow_clear(&e->flow);
  /* and its pieces: those still in the cache stay there for the next
   * attempt to find, the others (notes, tables, the least recently used)
   * are freed now rather than when the engine ends */
  for (size_t i = 0; i < e->n_held; i++) bp_piece_unref(e->held[i]);
  e->n_held = 0;
  e->notes_at = SIZE_MAX;
  bp__numbering_clear(&e->nb);
  memset(&e->pf, 0, sizeof e->pf);
  while (e->info && e->info->n_warnings > e->n_warn0)
    free(e->info->warnings[--e->info->n_warnings]);
  set_fit(e);
  bp_status st = BP_OK;
  for (size_t i = 0; i < e->t->n_sections && !st; i++) {
    size_t first = e->flow.n;
    e->section = (int)i;
    e->field = NULL;
    const bp__section_kind *k = bp__section_kind_of(e->t->sections[i].type);
    st = k->build(e, &e->t->sections[i]);
    for (size_t j = first; j < e->flow.n && k->role; j++) e->flow.v[j].group = k->role;
    if (e->flow.n > first) e->flow.v[e->flow.n - 1].after += e->t->sections[i].space_after_pt;
  }
  e->section = -1;
  if (!st && e->nb.n && e->notes_at == SIZE_MAX) /* the markers would link to nothing */
    st = bp_error(e->ctx, BP_ERR_DATA,
                  "%s: it cites %zu source(s) but the template %s has no \"endnotes\" section "
                  "for their notes",
                  e->b->path, e->nb.n, e->t->path);
  if (!st && e->notes_at != SIZE_MAX) st = bp__fill_notes(e, &e->flow.v[e->notes_at]);
  return st;
}

/* The first element of a "keep_with_text" endnotes section, or SIZE_MAX. */
static size_t notes_first(const engine *e) {
  for (size_t i = 0; i < e->flow.n; i++) {
    const bp_tsection *s = &e->t->sections[e->flow.v[i].tag];
    if (!strcmp(s->type, "endnotes") && json_is_true(json_object_get(s->json, "keep_with_text")))
      return i;
  }
  return SIZE_MAX;
}

/* Pages the stack takes; *alone: the last one holds only endnotes that
 * asked to stay with the text. */
static int count_pages(const engine *e, bool *alone) {
  size_t n_pl, nf = notes_first(e);
  int pages;
  bp_flow_placed *pl = bp_flow_paginate(&e->flow, &n_pl, &pages);
  *alone = pages > 1 && nf != SIZE_MAX;
  for (size_t i = 0; i < n_pl && *alone; i++)
    if (pl[i].page == pages - 1 && pl[i].elem < nf) *alone = false;
  free(pl);
  return pages;
}

static double stack_height(const engine *e, int section) {
  double h = 0;
  for (size_t i = 0; i < e->flow.n; i++)
    if (section < 0 || e->flow.v[i].tag == section)
      h += e->flow.v[i].before + bp_flow_elem_height(&e->flow.v[i]) + e->flow.v[i].after;
  return h;
}

/* "body 420 pt, endnotes 180 pt, charts 158 pt": the tallest three. */
static void largest_sections(const engine *e, bp_buf *m) {
  size_t n = e->t->n_sections;
  size_t *order = bp_calloc(n + 1, sizeof *order);
  double *h = bp_calloc(n + 1, sizeof *h);
  for (size_t i = 0; i < n; i++) order[i] = i, h[i] = stack_height(e, (int)i);
  for (size_t i = 0; i < n; i++)
    for (size_t k = i + 1; k < n; k++)
      if (h[order[k]] > h[order[i]]) {
        size_t tmp = order[i];
        order[i] = order[k];
        order[k] = tmp;
      }
  for (size_t i = 0; i < n && i < 3; i++)
    bp_buf_printf(m, "%s%s %.0f pt", i ? ", " : "", e->t->sections[order[i]].type, h[order[i]]);
  free(order);
  free(h);
}

static const char *doc_noun(const engine *e) {
  return e->b->kind == BP__BRIEF ? "brief" : e->b->kind == BP__ARTICLE ? "article" : "profile";
}

static bp_status overflow(engine *e, int pages, double smin, double rmin) {
  const bp_template *t = e->t;
  bp_buf m = {0};
  largest_sections(e, &m);
  double avail = e->bottom - e->top, used = stack_height(e, -1);
  bp_status st;
  if (t->max_pages == 1)
    st = bp_error(e->ctx, BP_ERR_LAYOUT,
                  "the %s overflows its one page by %.1f pt (%.1f mm) at the smallest size the "
                  "template %s allows (body %.2f pt, leading %.2f); the largest sections: %s",
                  doc_noun(e), used - avail, (used - avail) * 25.4 / 72, t->path, smin, rmin,
                  m.data);
  else
    st = bp_error(e->ctx, BP_ERR_LAYOUT,
                  "the %s takes %d pages; the template %s allows %d (at its smallest size, body "
                  "%.2f pt, leading %.2f); the largest sections: %s",
                  doc_noun(e), pages, t->path, t->max_pages, smin, rmin, m.data);
  bp_buf_free(&m);
  if (e->b->kind == BP__RECORD) return bp__blame(e, NULL);
  return bp_error_wrap(e->ctx, st, "%s: ", e->b->path);
}

/* Builds at body `size` and leading `ratio`; *ok when it fits. */
static bp_status attempt(engine *e, double size0, double lead0, double size, double ratio, bool *ok,
                         int *pages) {
  e->scale = size / size0;
  e->ratio = ratio / lead0;
  e->attempts++;
  bp_status st = build(e);
  bool alone = false;
  *pages = st ? 0 : count_pages(e, &alone);
  *ok = !st && (e->t->max_pages <= 0 || *pages <= e->t->max_pages) && !alone;
  return st;
}

/* The height of the stack laid out from nominal advances (no shaping:
 * bp__typesetter_estimate) at body `size` and leading `ratio`, charts and
 * images as empty boxes, nothing cached or drawn: a fraction of a layout's
 * cost, for the fit's first guess only. 0 when it fails (the exact layout
 * that follows says why); what it built goes with the next attempt. */
static double estimate(engine *e, double size0, double lead0, double size, double ratio) {
  bp_status had = e->ctx->status;
  char *bad = e->info ? e->info->bad_field : NULL;
  e->scale = size / size0;
  e->ratio = ratio / lead0;
  e->estimates++;
  e->estimate = true;
  bp__typesetter_estimate(e->ts, true);
  bp_status st = build(e);
  bp__typesetter_estimate(e->ts, false);
  e->estimate = false;
  double h = st ? 0 : stack_height(e, -1);
  if (st && !had) bp_ctx_clear(e->ctx);
  if (e->info && e->info->bad_field != bad) {
    free(e->info->bad_field);
    e->info->bad_field = bad;
  }
  return h;
}

/* The step (size smax - 0.25 k) that a stack `h` high at `size` predicts is
 * the largest that fits `room`, within [lo, hi]. Heights grow faster than
 * the size (a text's lines grow as the size, and each line does) but slower
 * than its square (charts and mastheads do not grow): as its 1.5th power. */
static int predict(double smax, double size, double h, double room, int lo, int hi) {
  double limit = size * pow(room / fmax(h, 1), 1 / 1.5);
  return (int)fmin(fmax(ceil((smax - limit) / 0.25 - 1e-9), lo), hi);
}

/* The fit: the largest body size (quarter-point steps) that fits at the
 * tightest leading, then the loosest leading (0.05 steps) that still fits
 * at that size. Heights grow with both, so both are binary searches, each
 * probing first where the heights measured so far predict the limit. Only
 * exact layouts decide; an estimate at the largest size (nominal advances,
 * no shaping) picks the first size laid out, when the engine's pieces are
 * its own: a document that overflows at the largest size (a brief) then
 * needs two exact sizes, not three, and one that fits it one and the
 * estimate. */
static bp_status fit(engine *e, bp_fit_report *fr) {
  const bp_template *t = e->t;
  const bp_style *body = bp_template_style(t, "body");
  double size0 = body->size_pt;
  double lead0 = body->leading_pt > 0 ? body->leading_pt / body->size_pt : 1.3;
  double smax = t->body_max_pt > 0 ? t->body_max_pt : size0;
  double smin = t->body_min_pt > 0 ? t->body_min_pt : smax;
  double rmax = t->leading_max > 0 ? t->leading_max : lead0;
  double rmin = t->leading_min > 0 ? t->leading_min : rmax;
  double room = (e->bottom - e->top) * (t->max_pages > 0 ? t->max_pages : 1);
  bool ok = false;
  int pages = 0, steps = (int)floor((smax - smin) / 0.25 + 1e-9);
  int lo = 0, hi = steps, best = -1, mid = 0, probe = 0; /* size = smax - 0.25 k */
  double best_h = 0;
  bp_status st = BP_OK;
  if (steps > 0 && e->lazy) { /* the estimate stands for the first probe */
    double h = estimate(e, size0, lead0, smax, rmin);
    if (h > 0) mid = predict(smax, smax, h, room, lo, hi), probe = 1;
  }
  while (lo <= hi && !st) { /* the largest size first: most documents fit at it */
    double size = smax - 0.25 * mid;
    st = attempt(e, size0, lead0, size, rmin, &ok, &pages);
    double h = fmax(stack_height(e, -1), 1);
    if (ok)
      best = mid, hi = mid - 1, best_h = h;
    else
      lo = mid + 1;
    /* then the size its overflow predicts, that size's neighbour, then
     * halves of what is left; but the neighbour first while the last height
     * says the limit is next to it */
    double limit = size * pow(room / h, 1 / 1.5); /* the size the last height predicts fits */
    if (++probe == 1)
      mid = predict(smax, size, h, room, lo, hi);
    else if (probe == 2 || (ok ? size + 0.25 > limit : size - 0.25 <= limit))
      mid = ok ? mid - 1 : mid + 1;
    else
      mid = (lo + hi) / 2;
    if (mid < lo || mid > hi) mid = (lo + hi) / 2;
  }
  double size = best >= 0 ? smax - 0.25 * best : smin, ratio = rmin;
  int n_r = (int)floor((rmax - rmin) / 0.05 + 1e-9); /* ratios rmax - 0.05 j, j < n_r */
  int rlo = 0, rhi = best >= 0 ? n_r - 1 : -1, rbest = n_r;
  /* the first leading tried is the loosest the height at the tightest one
   * predicts (the text's height grows as the leading), then halves */
  double rlimit = rmin * room / fmax(best_h, 1);
  mid = rhi;
  while (mid > rlo && rmax - 0.05 * mid + 0.05 <= rlimit + 1e-9) mid--;
  while (rlo <= rhi && !st) {
    st = attempt(e, size0, lead0, size, rmax - 0.05 * mid, &ok, &pages);
    if (ok)
      rbest = mid, rhi = mid - 1;
    else
      rlo = mid + 1;
    mid = (rlo + rhi) / 2;
  }
  if (rbest < n_r) ratio = rmax - 0.05 * rbest;
  if (!st && (e->scale != size / size0 || e->ratio != ratio / lead0)) /* unless the last one */
    st = attempt(e, size0, lead0, size, ratio, &ok, &pages);          /* the one drawn */
  double used = st ? 0 : stack_height(e, -1);
  if (!st && t->max_pages > 0 && pages > t->max_pages) st = overflow(e, pages, smin, rmin);
  if (fr) {
    fr->body_pt = size;
    fr->leading_ratio = ratio;
    fr->used_pt = used;
    fr->avail_pt = e->bottom - e->top;
    fr->pages = st ? 0 : pages;
    fr->attempts = e->attempts;
    fr->estimates = e->estimates;
    fr->notes_rendered = e->notes.renders;
  }
  return st;
}

bp_status bp__compose(engine *e, long long epoch, bp_preflight *pf, bp_fit_report *fr,
                      bp_dlist **out) {
  *out = NULL;
  const bp_template *t = e->t;
  bp_profile_cache *own = e->cache ? NULL : bp_profile_cache_new(0);
  if (own) e->cache = own;
  e->lazy = own != NULL;
  e->x0 = t->margin_pt[3];
  e->width = t->page_w_pt - t->margin_pt[1] - t->margin_pt[3];
  e->top = t->margin_pt[0];
  e->bottom = t->page_h_pt - t->margin_pt[2];
  e->flow.x0 = e->x0, e->flow.width = e->width, e->flow.top = e->top, e->flow.bottom = e->bottom;
  e->flow.column_gap = t->column_gap_pt;
  e->section = -1;
  e->n_warn0 = e->info ? e->info->n_warnings : 0;
  bp_status st = bp__sections_check(e->ctx, t, e->b);
  if (!st) st = fit(e, fr);
  bp_dlist *dl = NULL;
  if (!st) {
    size_t n_pl;
    int pages;
    bp_flow_placed *pl = bp_flow_paginate(&e->flow, &n_pl, &pages);
    if (e->info) e->info->pages = pages;
    bp_dl_meta m = {0};
    bp__binding_meta(e->b, t, &m);
    m.epoch = epoch;
    dl = bp_dlist_new();
    bp_dl_set_meta(dl, &m);
    for (int p = 0; p < pages; p++)
      bp_dlist_add_page(dl, t->page_w_pt, t->page_h_pt)->bleed_pt = t->bleed_pt;
    bp_flow_draw(&e->flow, dl, pl, n_pl);
    for (int p = 0; p < pages && !st; p++) st = draw_running(e, dl, &dl->pages[p], p, pages);
    free(pl);
    if (!st && (st = bp_dlist_check(e->ctx, dl)) && e->b->kind == BP__RECORD) bp__blame(e, NULL);
  }
  if (!st && pf) add_pf(pf, &e->pf);
  if (!st && e->info && (e->pf.hangul_breaks || e->pf.closing_starts || e->pf.overwide))
    bp__warn(e,
             "preflight: %d Hangul word(s) broken, %d line(s) starting with closing punctuation, "
             "%d line(s) wider than the measure; first: %s",
             e->pf.hangul_breaks, e->pf.closing_starts, e->pf.overwide, e->pf.first_problem);
  bp_flow_free(&e->flow);
  bp__numbering_free(&e->nb);
  bp__notes_kept_free(&e->notes);
  for (size_t i = 0; i < e->n_held; i++) bp_piece_unref(e->held[i]);
  free(e->held);
  bp_profile_cache_free(own);
  if (st) {
    bp_dlist_free(dl);
    return st;
  }
  *out = dl;
  return BP_OK;
}
