/* profile.c - the country-profile composer: one record of a records table
 * (e.g. data/countries.csv) plus the data set it belongs to, laid out by a
 * template (templates/country-profile.json) into a display list: masthead,
 * the record's names, a label/value table of facts with endnote markers, the
 * claims tagged with the record's country, a row of small charts where there
 * is data, endnotes in balanced columns that may continue on the next page,
 * and a footer. Missing data skips a section; an invalid value fails the
 * record, naming it and the field.
 *
 * Every text, chart and label is laid out once and kept as a drawn piece (a
 * one-page display list at the origin) in a bp_profile_cache keyed by what
 * it shows; a page places pieces by replaying their items with an offset
 * (MuPDF's display-list replay). Pieces are plain data, so the threads of a
 * batch share one cache: profiles share the shaping of every text they have
 * in common, whichever thread laid it out first. Reads the
 * template, the data set and the records without changing them; knows
 * nothing of PDF or files. */
#include "compose-imp.h"

#include <glib.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../layout/chart.h"

/* ---- small helpers ------------------------------------------------------ */

/* The styles the fit loop may shrink (within the template's "fit" limits)
 * to keep the endnotes off a page of their own. */
static const char *const FIT_STYLES[] = {"claim", "body", "value", "note", "note_number"};
#define N_FIT (sizeof FIT_STYLES / sizeof *FIT_STYLES)

static const char *const SECTION_TYPES[] = {"masthead", "record_title", "facts", "claims",
                                            "charts",   "endnotes",     NULL};

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

static const char *const MONTHS[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};

/* "5 December 2023", "December 2023", "2023". */
static void format_date_long(const bp_date *d, char *out, size_t n) {
  if (d->m && d->d)
    snprintf(out, n, "%d %s %d", d->d, MONTHS[d->m - 1], d->y);
  else if (d->m)
    snprintf(out, n, "%s %d", MONTHS[d->m - 1], d->y);
  else
    snprintf(out, n, "%d", d->y);
}

/* ---- drawn pieces and their cache --------------------------------------- */

/* Something laid out and drawn once: page 0 of `dl` holds its items with the
 * piece's top-left at (0, 0). */
typedef struct piece {
  bp_dlist *dl;
  double w, h;
  bp_preflight pf; /* what the preflight found in its text */
  size_t bytes;
  int refs; /* the cache's and each composer's that holds it (atomic) */
} piece;

struct bp_profile_cache {
  pthread_mutex_t lock; /* guards everything below */
  GHashTable *map;      /* key (owned) -> piece (one reference) */
  size_t bytes, max_bytes;
  size_t hits, misses;
};

static void piece_unref(gpointer p) {
  piece *pc = p;
  if (pc && __atomic_sub_fetch(&pc->refs, 1, __ATOMIC_ACQ_REL) == 0) {
    bp_dlist_free(pc->dl);
    free(pc);
  }
}

bp_profile_cache *bp_profile_cache_new(size_t max_bytes) {
  bp_profile_cache *pc = bp_calloc(1, sizeof *pc);
  pthread_mutex_init(&pc->lock, NULL);
  pc->map = g_hash_table_new_full(g_str_hash, g_str_equal, free, piece_unref);
  pc->max_bytes = max_bytes ? max_bytes : (size_t)24 << 20;
  return pc;
}

void bp_profile_cache_free(bp_profile_cache *pc) {
  if (!pc) return;
  g_hash_table_destroy(pc->map);
  pthread_mutex_destroy(&pc->lock);
  free(pc);
}

void bp_profile_cache_stats(const bp_profile_cache *pc, size_t *hits, size_t *misses,
                            size_t *bytes) {
  bp_profile_cache *c = (bp_profile_cache *)pc;
  if (c) pthread_mutex_lock(&c->lock);
  if (hits) *hits = c ? c->hits : 0;
  if (misses) *misses = c ? c->misses : 0;
  if (bytes) *bytes = c ? c->bytes : 0;
  if (c) pthread_mutex_unlock(&c->lock);
}

static size_t piece_bytes(const piece *p) {
  size_t n = sizeof *p + 256;
  for (size_t i = 0; i < p->dl->n_pages; i++)
    for (size_t k = 0; k < p->dl->pages[i].n_items; k++) {
      const bp_dl_item *it = &p->dl->pages[i].items[k];
      n += sizeof *it;
      if (it->kind == BP_DL_TEXT)
        n += it->u.text.text_len + it->u.text.n_clusters * sizeof(bp_dl_cluster) +
             it->u.text.n_glyphs * sizeof(bp_dl_glyph);
      else if (it->kind == BP_DL_PATH)
        n += it->u.path.n_segs * sizeof(bp_path_seg);
      else
        n += 32;
    }
  return n;
}

/* ---- the composer's state ------------------------------------------------ */

/* A piece placed relative to its element's top-left corner. */
typedef struct place {
  const piece *p;
  double dx, dy;
} place;

typedef enum { E_BLOCK, E_RULE, E_NOTES } ekind;

/* One element of the page stack. Blocks are never split; the notes are
 * set in balanced columns, as many per page as fit. */
typedef struct elem {
  ekind kind;
  double h, before, after;
  bool keep; /* keep with the next element */
  place *pl;
  size_t n_pl;
  bp_color color;      /* rules */
  int cols;            /* notes: 1 or 2 columns */
  const char *outline; /* a bookmark at the element's top (borrowed), or NULL */
} elem;

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

typedef struct composer {
  bp_ctx *ctx;
  bp_typesetter *ts;
  const bp_template *t;
  const bp_dataset *ds;
  const bp_records *rec;
  size_t row;
  bp_profile_info *info;
  bp_profile_cache *cache;
  piece **held; /* references this composer holds, dropped at the end */
  size_t n_held, cap_held;
  bp__numbering nb;
  double width, x0, top, bottom;
  const char *field; /* what is being laid out, for error messages */
  elem *v;
  size_t n, cap;
  const piece **notes; /* endnote pieces, in number order */
  size_t n_notes;
  size_t notes_first;     /* the first element of the endnotes section */
  double scale;           /* fit: the body styles' size over the template's */
  bp_style fitted[N_FIT]; /* FIT_STYLES at `scale` */
  double notes_col_w, notes_before;
  bp_preflight pf;
  char *title; /* the document title */
  /* scratch for replays */
  bp_dl_cluster *cl;
  bp_dl_glyph *gl;
  bp_path_seg *sg;
  int *fonts;
  size_t cap_cl, cap_gl, cap_sg, cap_fonts;
} composer;

static const char *rec_field(const composer *c, const char *name) {
  return bp_records_field(c->rec, c->row, name);
}

static const char *lookup_field(void *ud, const char *name) { return rec_field(ud, name); }

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
  if (c->info && field && !c->info->bad_field) c->info->bad_field = bp_strdup(field);
  return bp_error_wrap(c->ctx, BP_ERR_LAYOUT, "record '%s' (%s:%d)%s%s: ", rec_id(c), c->rec->path,
                       c->rec->rows[c->row].line, field ? ", field " : "", field ? field : "");
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

/* ---- making and placing pieces ------------------------------------------- */

static void key_put(bp_buf *k, const char *s) {
  bp_buf_puts(k, s ? s : "");
  bp_buf_putc(k, '\x1f');
}

static void key_num(bp_buf *k, double v) { bp_buf_printf(k, "%.4f\x1f", v); }

/* A style as the composer uses it: a body style scaled by the fit. */
static const bp_style *cstyle(const composer *c, const char *name) {
  for (size_t i = 0; i < N_FIT && c->scale != 1; i++)
    if (!strcmp(FIT_STYLES[i], name)) return &c->fitted[i];
  return bp_template_style(c->t, name);
}

static void key_style(const composer *c, bp_buf *k, const char *style) {
  key_put(k, style);
  key_num(k, cstyle(c, style)->size_pt);
}

static const piece *hold(composer *c, piece *p) {
  __atomic_add_fetch(&p->refs, 1, __ATOMIC_ACQ_REL);
  BP_PUSH(c->held, c->n_held, c->cap_held, p);
  return p;
}

/* The cached piece for `key` (held until the composer ends), counting a
 * hit; NULL on a miss. */
static const piece *cache_get(composer *c, const bp_buf *key) {
  pthread_mutex_lock(&c->cache->lock);
  piece *p = g_hash_table_lookup(c->cache->map, key->data);
  if (p) {
    c->cache->hits++;
    hold(c, p);
  }
  pthread_mutex_unlock(&c->cache->lock);
  return p;
}

/* Adds a piece just made; when another thread added the same one meanwhile,
 * that one is used and this one dropped. */
static const piece *cache_put(composer *c, bp_buf *key, piece *p) {
  p->bytes = piece_bytes(p) + key->len;
  p->refs = 1; /* the cache's */
  pthread_mutex_lock(&c->cache->lock);
  c->cache->misses++;
  piece *had = g_hash_table_lookup(c->cache->map, key->data);
  if (had) {
    hold(c, had);
    pthread_mutex_unlock(&c->cache->lock);
    piece_unref(p);
    bp_buf_free(key);
    return had;
  }
  c->cache->bytes += p->bytes;
  g_hash_table_insert(c->cache->map, bp_buf_detach(key), p);
  hold(c, p);
  pthread_mutex_unlock(&c->cache->lock);
  return p;
}

static piece *piece_new(double w, double h) {
  piece *p = bp_calloc(1, sizeof *p);
  p->dl = bp_dlist_new();
  bp_dlist_add_page(p->dl, w > 0 ? w : 1, h > 0 ? h : 1);
  p->w = w;
  p->h = h;
  return p;
}

static piece *piece_of_text(bp_text *t) {
  piece *p = piece_new(bp_text_width_pt(t), bp_text_height_pt(t));
  bp_ref_marks marks = {NULL, 0};
  bp_text_draw_linked(t, p->dl, &p->dl->pages[0], 0, 0, 0, bp_text_line_count(t), &marks);
  bp_ref_marks_free(&marks);
  bp_text_preflight(t, bp_text_measure_pt(t), &p->pf);
  return p;
}

/* A plain text (one style, no markup) wrapped at width (<= 0: no wrapping). */
static const piece *plain_piece(composer *c, const char *style, const char *text, double width) {
  bp_buf key = {0};
  key_put(&key, "P");
  key_style(c, &key, style);
  key_num(&key, width);
  key_put(&key, text);
  const piece *hit = cache_get(c, &key);
  if (hit) {
    bp_buf_free(&key);
    return hit;
  }
  bp_text *t = bp_text_new_plain(c->ts, c->ctx, cstyle(c, style), text, width);
  if (!t) {
    bp_buf_free(&key);
    blame(c, c->field);
    return NULL;
  }
  piece *p = piece_of_text(t);
  bp_text_free(t);
  return cache_put(c, &key, p);
}

/* Inline spans (citations become endnote markers, numbered now). `what`
 * identifies the spans' source in the key (their markup or their text). */
static const piece *spans_piece(composer *c, const char *style, const char *what,
                                const bp_spans *sp, double width) {
  bp_buf key = {0};
  key_put(&key, "S");
  key_style(c, &key, style);
  key_num(&key, width);
  key_put(&key, what);
  for (size_t i = 0; i < sp->n; i++)
    for (size_t k = 0; k < sp->v[i].n_cite; k++)
      bp_buf_printf(&key, "%d,", bp__number_of(&c->nb, sp->v[i].cite_ids[k]));
  const piece *hit = cache_get(c, &key);
  if (hit) {
    bp_buf_free(&key);
    return hit;
  }
  bp_text *t = bp_text_new_spans(c->ts, c->ctx, cstyle(c, style), sp, bp__number_of, &c->nb, width);
  if (!t) {
    bp_buf_free(&key);
    blame(c, c->field);
    return NULL;
  }
  piece *p = piece_of_text(t);
  bp_text_free(t);
  return cache_put(c, &key, p);
}

static const piece *markup_piece(composer *c, const char *style, const char *markup, double width) {
  bp_spans sp = {0};
  bp_inline_parse(markup, &sp);
  const piece *p = spans_piece(c, style, markup, &sp, width);
  bp_spans_free(&sp);
  return p;
}

static elem *push(composer *c, ekind kind, double h, double before, double after, bool keep) {
  bp_grow((void **)&c->v, &c->cap, c->n + 1, sizeof *c->v);
  elem *e = &c->v[c->n++];
  memset(e, 0, sizeof *e);
  e->kind = kind;
  e->h = h;
  e->before = before;
  e->after = after;
  e->keep = keep;
  return e;
}

static void add_place(elem *e, const piece *p, double dx, double dy) {
  e->pl = bp_realloc(e->pl, (e->n_pl + 1) * sizeof *e->pl);
  e->pl[e->n_pl++] = (place){p, dx, dy};
  if (dy + p->h > e->h) e->h = dy + p->h;
}

static void add_rule(composer *c, double thickness, double before, double after, bp_color color,
                     bool keep) {
  elem *e = push(c, E_RULE, thickness, before, after, keep);
  e->color = color;
}

/* A space (no drawing) that keeps what is before it with what follows. */
static void add_space(composer *c, double h) {
  bp_color none = {0, 0, 0, 0};
  add_rule(c, h, 0, 0, none, false);
}

/* Copies a piece's items onto a page, moved by (dx, dy). */
static void replay(composer *c, const piece *p, bp_dlist *dl, bp_dl_page *pg, double dx,
                   double dy) {
  const bp_dlist *src = p->dl;
  size_t nf = src->n_fonts;
  bp_grow((void **)&c->fonts, &c->cap_fonts, nf + 1, sizeof *c->fonts);
  int *fonts = c->fonts; /* the piece's font i is the page's fonts[i] */
  for (size_t i = 0; i < nf; i++)
    fonts[i] = bp_dlist_add_font(dl, src->fonts[i].path, src->fonts[i].face_index,
                                 src->fonts[i].family, src->fonts[i].style);
  const bp_dl_page *sp = &src->pages[0];
  for (size_t i = 0; i < sp->n_items; i++) {
    const bp_dl_item *it = &sp->items[i];
    switch (it->kind) {
    case BP_DL_TEXT: {
      bp_dl_text t = it->u.text;
      if (t.font < 0 || (size_t)t.font >= nf) break;
      t.font = fonts[t.font];
      t.x_pt += dx;
      t.y_pt += dy;
      bp_grow((void **)&c->cl, &c->cap_cl, t.n_clusters + 1, sizeof *c->cl);
      bp_grow((void **)&c->gl, &c->cap_gl, t.n_glyphs + 1, sizeof *c->gl);
      for (size_t k = 0; k < t.n_clusters; k++) {
        c->cl[k] = it->u.text.clusters[k];
        c->cl[k].x_pt += dx;
      }
      for (size_t k = 0; k < t.n_glyphs; k++) {
        c->gl[k] = it->u.text.glyphs[k];
        c->gl[k].x_pt += dx;
      }
      t.clusters = c->cl;
      t.glyphs = c->gl;
      bp_dl_add_text(pg, &t);
      break;
    }
    case BP_DL_PATH: {
      bp_dl_path q = it->u.path;
      bp_grow((void **)&c->sg, &c->cap_sg, q.n_segs + 1, sizeof *c->sg);
      for (size_t k = 0; k < q.n_segs; k++) {
        c->sg[k] = q.segs[k];
        int npts = q.segs[k].op == BP_PATH_CURVE ? 3 : q.segs[k].op == BP_PATH_CLOSE ? 0 : 1;
        for (int j = 0; j < npts; j++) {
          c->sg[k].pts[2 * j] += dx;
          c->sg[k].pts[2 * j + 1] += dy;
        }
      }
      q.segs = c->sg;
      bp_dl_add_path(pg, &q);
      break;
    }
    case BP_DL_LINK: {
      bp_dl_link l = it->u.link;
      l.x_pt += dx;
      l.y_pt += dy;
      bp_dl_add_link(pg, &l);
      break;
    }
    case BP_DL_DEST: bp_dl_add_dest(pg, it->u.dest.name, it->u.dest.y_pt + dy); break;
    case BP_DL_OUTLINE:
      bp_dl_add_outline(pg, it->u.outline.level, it->u.outline.title, it->u.outline.y_pt + dy);
      break;
    case BP_DL_IMAGE: {
      bp_dl_image im = it->u.image;
      if (im.raster < 0 || (size_t)im.raster >= src->n_rasters) break;
      im.raster = bp_dlist_add_raster(dl, &src->rasters[im.raster]);
      im.x_pt += dx;
      im.y_pt += dy;
      bp_dl_add_image(pg, &im);
      break;
    }
    }
  }
}

static void add_pf(composer *c, const piece *p) {
  c->pf.lines += p->pf.lines;
  if ((p->pf.hangul_breaks || p->pf.closing_starts || p->pf.overwide) &&
      !(c->pf.hangul_breaks || c->pf.closing_starts || c->pf.overwide))
    memcpy(c->pf.first_problem, p->pf.first_problem, sizeof c->pf.first_problem);
  c->pf.hangul_breaks += p->pf.hangul_breaks;
  c->pf.closing_starts += p->pf.closing_starts;
  c->pf.overwide += p->pf.overwide;
}

/* A block of one text, full width. */
static bp_status add_text_block(composer *c, const piece *p, double before, double after,
                                bool keep) {
  if (!p) return c->ctx->status;
  elem *e = push(c, E_BLOCK, 0, before, after, keep);
  add_place(e, p, 0, 0);
  add_pf(c, p);
  return BP_OK;
}

/* A row: `label` hanging in the indent beside `text`. */
static bp_status add_row(composer *c, const piece *label, const piece *text, double indent,
                         double before, double after) {
  if (!label || !text) return c->ctx->status;
  elem *e = push(c, E_BLOCK, 0, before, after, false);
  add_place(e, label, 0, 0);
  add_place(e, text, indent, 0);
  add_pf(c, text);
  return BP_OK;
}

static bp_status add_heading(composer *c, const bp_tsection *s) {
  if (!s->title) return BP_OK;
  c->field = NULL;
  return add_text_block(c, plain_piece(c, "heading", s->title, c->width), s->space_before_pt, 4,
                        true);
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
      if (cp < 0 || bp_text_control((uint32_t)cp) || cp == '\r') /* CR too, as before */
        return fail_field(c, name, BP_ERR_DATA, "control character U+%04X at byte %zu",
                          (unsigned)cp, i);
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

static bp_status sec_masthead(composer *c, const bp_tsection *s) {
  char *left = expand(c, json_str(s->json, "left"));
  char *right = expand(c, json_str(s->json, "right"));
  bp_status st = BP_OK;
  if (left || right) {
    c->field = "masthead";
    const piece *l = left ? plain_piece(c, "masthead", left, c->width * 0.6) : NULL;
    const piece *r = right && (l || !left) ? plain_piece(c, "masthead_right", right, 0) : NULL;
    if ((left && !l) || (right && !r))
      st = c->ctx->status;
    else {
      elem *e = push(c, E_BLOCK, 0, s->space_before_pt, 0, true);
      if (l) add_place(e, l, 0, 0);
      if (r) add_place(e, r, c->width - r->w, 0);
      add_rule(c, 1.5, 4, s->space_after_pt, c->t->accent, false);
    }
  }
  free(left);
  free(right);
  return st;
}

static bp_status sec_record_title(composer *c, const bp_tsection *s) {
  const char *fname = json_str(s->json, "name");
  const char *fko = json_str(s->json, "name_ko");
  if (!fname) fname = "name_en";
  const char *name = rec_field(c, fname);
  bool first = true;
  bp_status st = BP_OK;
  if (name && *name) {
    c->field = fname;
    st = add_text_block(c, plain_piece(c, "title", name, c->width), s->space_before_pt, 0, true);
    if (!st) c->v[c->n - 1].outline = c->title;
    first = false;
  } else {
    warn(c, "field %s is empty: the title is the id", fname);
    c->field = "id";
    st = add_text_block(c, plain_piece(c, "title", rec_id(c), c->width), s->space_before_pt, 0,
                        true);
    if (!st) c->v[c->n - 1].outline = c->title;
    first = false;
  }
  const char *ko = fko ? rec_field(c, fko) : NULL;
  if (!st && ko && *ko) {
    c->field = fko;
    st = add_text_block(c, plain_piece(c, "title_ko", ko, c->width), first ? s->space_before_pt : 1,
                        0, true);
  } else if (!st && fko) {
    warn(c, "field %s is empty: no Korean name", fko);
  }
  char *sub = st ? NULL : expand(c, json_str(s->json, "subtitle"));
  if (sub) {
    c->field = "subtitle";
    st = add_text_block(c, plain_piece(c, "subtitle", sub, c->width), 4, 0, true);
    free(sub);
  }
  if (!st) add_rule(c, 0.6, 5, s->space_after_pt, c->t->rule, false);
  return st;
}

/* Upper-cases the first letter when it is an ASCII one ("embassy" -> "Embassy"). */
static void capitalize(char *s) {
  if (s && *s >= 'a' && *s <= 'z') *s = (char)(*s - 'a' + 'A');
}

/* The value of one facts row as text, or NULL when the record has none. */
static char *fact_value(composer *c, json_t *row, const char **field_out) {
  const char *field = json_str(row, "field");
  const char *pattern = json_str(row, "text");
  *field_out = field ? field : "facts";
  char *out = NULL;
  if (pattern)
    out = expand(c, pattern);
  else {
    const char *v = field ? rec_field(c, field) : NULL;
    if (!v || !*v) return NULL;
    json_t *map = json_object_get(row, "values");
    const char *fmt = json_str(row, "format");
    bp_date d;
    if (json_is_object(map) && json_is_string(json_object_get(map, v)))
      out = bp_strdup(json_string_value(json_object_get(map, v)));
    else if (fmt && !strcmp(fmt, "date") && bp_date_parse(v, &d, NULL, 0)) {
      char buf[64];
      format_date_long(&d, buf, sizeof buf);
      out = bp_strdup(buf);
    } else
      out = bp_strdup(v);
  }
  if (out && json_is_true(json_object_get(row, "capitalize"))) capitalize(out);
  return out;
}

static bp_status sec_facts(composer *c, const bp_tsection *s) {
  json_t *rows = json_object_get(s->json, "rows");
  double label_w = c->width * 0.24;
  json_t *lw = json_object_get(s->json, "label_width");
  if (json_is_number(lw) && json_number_value(lw) > 10 && json_number_value(lw) < c->width / 2)
    label_w = json_number_value(lw);
  bool any = false;
  bp_status st = BP_OK;
  for (size_t i = 0; i < json_array_size(rows) && !st; i++) {
    json_t *row = json_array_get(rows, i);
    const char *field;
    char *value = fact_value(c, row, &field);
    if (!value) continue;
    if (!any) {
      st = add_heading(c, s);
      add_rule(c, 0.6, 2, 0, c->t->rule, true);
      any = true;
    }
    /* the value is plain text (never markup: a record's '*' stays a '*'),
     * followed by the marker of its source */
    bp_spans sp = {0};
    bp_spans_add_text(&sp, value, strlen(value), 0, NULL);
    const char *cite_field = json_str(row, "cite");
    const char *cite = cite_field ? rec_field(c, cite_field) : NULL;
    if (cite && *cite) bp_spans_add_cite(&sp, &cite, 1);
    c->field = field;
    const piece *t = st ? NULL : spans_piece(c, "value", value, &sp, c->width - label_w);
    bp_spans_free(&sp);
    free(value);
    c->field = "facts";
    const char *label = json_str(row, "label") ? json_str(row, "label") : field;
    const piece *l = t ? plain_piece(c, "label", label, label_w - 6) : NULL;
    if (!st) st = add_row(c, l, t, label_w, 3.5, 3.5);
    if (!st) add_rule(c, 0.4, 0, 0, c->t->rule, false);
  }
  if (!st && any && s->space_after_pt > 0) add_space(c, s->space_after_pt);
  return st;
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
  const bp_style *cs = cstyle(c, "claim");
  double indent = cs->size_pt * 1.3;
  for (size_t i = 0; i < n && !st; i++) {
    const bp_claim *cl = v[i];
    char *markup = bp__claim_markup(cl, c->t->lang && !strcmp(c->t->lang, "ko"));
    char where[300];
    snprintf(where, sizeof where, "claim %s (%s:%d)", cl->id, cl->path ? cl->path : "?", cl->line);
    c->field = where;
    const piece *t = markup_piece(c, "claim", markup, c->width - indent);
    free(markup);
    const piece *lab = t ? plain_piece(c, "claim", "\xE2\x80\xA2", 0) : NULL;
    st = add_row(c, lab, t, indent, i ? cs->size_pt * 0.35 : 2, 0);
  }
  if (!st && n && s->space_after_pt > 0) add_space(c, s->space_after_pt);
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

/* A claim's words as a short event label: at most ~`max` bytes, cut at a
 * space, with an ellipsis. */
static char *short_label(const bp_claim *cl, size_t max) {
  bp_buf b = {0};
  for (size_t k = 0; k < cl->spans.n; k++)
    if (cl->spans.v[k].kind == BP_SPAN_TEXT) bp_buf_puts(&b, cl->spans.v[k].text);
  char *s = b.data ? bp_buf_detach(&b) : bp_strdup("");
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

/* Fills a label pattern ("{city}: {type} closed") from row i of r. */
static char *row_label(const bp_records *r, size_t i, const char *pat) {
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
  return bp_buf_detach(&lb);
}

/* Timeline events: rows of other record sets that match the record, and
 * (with "claims": true) the dated claims tagged with its country. */
static void timeline_events(composer *c, const bp_tsection *s, json_t *spec, pchart *p) {
  json_t *events = json_object_get(spec, "events");
  const char *iso2 = match_country(c, s);
  for (size_t e = 0; e < json_array_size(events); e++) {
    json_t *ev = json_array_get(events, e);
    const char *rn = json_str(ev, "records");
    const bp_records *r = rn ? bp_dataset_records(c->ds, rn) : NULL;
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
      pchart_add(p, bp_date_decimal_year(&d), 1, row_label(r, i, json_str(ev, "label")));
      const char *src = bp_records_field(r, i, "source_id");
      if (!p->source_id && src && *src) p->source_id = src;
    }
  }
  if (iso2 && json_is_true(json_object_get(spec, "claims")) && c->ds->claims) {
    json_t *ml = json_object_get(spec, "label_length");
    size_t max =
        json_is_integer(ml) && json_integer_value(ml) >= 12 ? (size_t)json_integer_value(ml) : 44;
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
  const char *sn = json_str(spec, "series");
  const bp_series *s = sn ? bp_dataset_series(c->ds, sn) : NULL;
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
  for (size_t i = 0; i < p->n; i++)
    p->pts[i].label = p->spec.kind == BP_CHART_BAR ? p->labels[i] : NULL;
  p->spec.x_is_date = p->spec.kind != BP_CHART_BAR;
  p->title = bp_strdup(json_str(spec, "title") ? json_str(spec, "title") : s->title);
  p->spec.unit = json_str(spec, "unit") ? json_str(spec, "unit") : s->unit;
  p->source_id = s->source_id;
}

/* The drawn chart for a spec and box, from the cache when the same chart
 * was drawn before. */
static const piece *chart_piece(composer *c, const pchart *ch, double w, double h) {
  const bp_chart_spec *sp = &ch->spec;
  bp_buf key = {0};
  key_put(&key, "C");
  bp_buf_printf(&key, "%d\x1f%d%d%d\x1f%d\x1f", (int)sp->kind, sp->value_labels, sp->x_is_date,
                sp->y_zero, sp->decimals);
  key_num(&key, w);
  key_num(&key, h);
  key_num(&key, sp->font_size_pt);
  key_put(&key, sp->title);
  key_put(&key, sp->unit);
  key_put(&key, sp->source_text);
  key_put(&key, sp->source_dest);
  key_put(&key, sp->family);
  key_put(&key, sp->lang);
  for (size_t i = 0; i < sp->n_points; i++) {
    bp_buf_printf(&key, "%.17g,%.17g,", sp->points[i].x, sp->points[i].y);
    key_put(&key, sp->points[i].label);
    key_put(&key, sp->points[i].detail);
  }
  const piece *hit = cache_get(c, &key);
  if (hit) {
    bp_buf_free(&key);
    return hit;
  }
  piece *p = piece_new(w, h);
  bp_status st = bp_chart_draw(c->ts, c->ctx, p->dl, &p->dl->pages[0], sp, 0, 0, w, h);
  if (st) {
    p->refs = 1;
    piece_unref(p);
    bp_buf_free(&key);
    blame(c, "charts");
    return NULL;
  }
  /* an endnote whose source only this chart cites links back to the chart */
  if (ch->source_dest) {
    char back[40];
    snprintf(back, sizeof back, "ref-%s", ch->source_dest + 5);
    bp_dl_add_dest(&p->dl->pages[0], back, 0);
  }
  return cache_put(c, &key, p);
}

static bp_status sec_charts(composer *c, const bp_tsection *s) {
  json_t *specs = json_object_get(s->json, "charts");
  pchart *charts = NULL;
  size_t n = 0, cap = 0;
  const bp_style *cs = bp_template_style(c->t, "chart");
  for (size_t i = 0; i < json_array_size(specs); i++) {
    json_t *spec = json_array_get(specs, i);
    pchart p = {0};
    const char *kind = json_str(spec, "kind");
    if (bp_chart_kind_from_name(NULL, kind ? kind : "", &p.spec.kind)) continue;
    json_t *min = json_object_get(spec, "min_points");
    size_t need =
        json_is_integer(min) && json_integer_value(min) > 0 ? (size_t)json_integer_value(min) : 1;
    if (p.spec.kind == BP_CHART_TIMELINE) {
      timeline_events(c, s, spec, &p);
      p.spec.x_is_date = true;
      p.title = json_str(spec, "title") ? bp_strdup(json_str(spec, "title")) : NULL;
      /* events that all fall within a few days make no timeline */
      json_t *span = json_object_get(spec, "min_span_days");
      if (json_is_number(span) && p.n &&
          (p.pts[p.n - 1].x - p.pts[0].x) * 365.25 < json_number_value(span))
        need = p.n + 1;
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
    p.spec.family = cs->family;
    p.spec.font_size_pt = cs->size_pt;
    const bp_csl_item *it = p.source_id ? bp_bib_lookup(c->ds->bib, p.source_id) : NULL;
    if (it) p.source_text = bp__source_line(it, bp_template_label(c->t, BP_LABEL_SOURCE));
    BP_PUSH(charts, n, cap, p);
  }
  bp_status st = BP_OK;
  if (n) {
    /* the chart sources are numbered after what comes before the row */
    double total = 0, gap = c->t->column_gap_pt;
    for (size_t i = 0; i < n; i++) {
      pchart *p = &charts[i];
      total += p->weight;
      p->spec.title = p->title;
      p->spec.points = p->pts;
      p->spec.n_points = p->n;
      p->spec.source_text = p->source_text;
      if (p->source_text) {
        char dest[32];
        snprintf(dest, sizeof dest, "note-%d", bp__number_of(&c->nb, p->source_id));
        p->source_dest = bp_strdup(dest);
        p->spec.source_dest = p->source_dest;
      }
    }
    st = add_heading(c, s);
    double h = s->height_pt > 0 ? s->height_pt : 120, avail = c->width - gap * (double)(n - 1);
    elem *e = st ? NULL
                 : push(c, E_BLOCK, h, s->title ? 2 : s->space_before_pt, s->space_after_pt, false);
    double x = 0;
    for (size_t i = 0; e && i < n && !st; i++) {
      double w = avail * charts[i].weight / total;
      const piece *p = chart_piece(c, &charts[i], w, h);
      if (!p)
        st = c->ctx->status;
      else
        add_place(e, p, x, 0);
      x += w + gap;
    }
  }
  for (size_t i = 0; i < n; i++) pchart_free(&charts[i]);
  free(charts);
  return st;
}

/* ---- endnotes --------------------------------------------------------------- */

/* Endnote i (0-based): its number, hanging, linking back to "ref-N", with
 * the destination "note-N" at its top. */
static const piece *note_piece(composer *c, size_t i, double col_w) {
  const bp_csl_item *it = bp_bib_lookup(c->ds->bib, c->nb.ids[i]);
  if (!it) {
    fail_field(c, NULL, BP_ERR_DATA, "unknown citation '%s'", c->nb.ids[i]);
    return NULL;
  }
  bp_buf key = {0};
  key_put(&key, "N");
  bp_buf_printf(&key, "%zu\x1f", i + 1);
  key_num(&key, col_w);
  key_num(&key, c->scale);
  key_put(&key, it->id);
  const piece *hit = cache_get(c, &key);
  if (hit) {
    bp_buf_free(&key);
    return hit;
  }
  const bp_style *ns = cstyle(c, "note");
  double label_w = ns->size_pt * 1.9;
  bp_spans sp = {0};
  bp__endnote_spans(it, &sp);
  char num[32];
  snprintf(num, sizeof num, "%zu", i + 1);
  bp_text *t = bp_text_new_spans(c->ts, c->ctx, ns, &sp, NULL, NULL, col_w - label_w);
  bp_spans_free(&sp);
  bp_text *lab = t ? bp_text_new_plain(c->ts, c->ctx, cstyle(c, "note_number"), num, 0) : NULL;
  if (!lab) {
    bp_text_free(t);
    bp_buf_free(&key);
    char where[300];
    snprintf(where, sizeof where, "endnote %zu (citation %s)", i + 1, it->id);
    blame(c, where);
    return NULL;
  }
  piece *p = piece_new(col_w, bp_text_height_pt(t));
  bp_dl_page *pg = &p->dl->pages[0];
  char dest[32];
  snprintf(dest, sizeof dest, "note-%zu", i + 1);
  bp_dl_add_dest(pg, dest, 0);
  bp_text_draw(lab, p->dl, pg, 0, 0);
  snprintf(dest, sizeof dest, "ref-%zu", i + 1);
  bp_dl_link l = {
      0, 0, bp_text_width_pt(lab), bp_text_height_pt(lab) / bp_text_line_count(lab), NULL, dest};
  bp_dl_add_link(pg, &l);
  bp_ref_marks marks = {NULL, 0};
  bp_text_draw_linked(t, p->dl, pg, label_w, 0, 0, bp_text_line_count(t), &marks);
  bp_ref_marks_free(&marks);
  bp_text_preflight(t, bp_text_measure_pt(t), &p->pf);
  bp_text_free(t);
  bp_text_free(lab);
  return cache_put(c, &key, p);
}

static bp_status sec_endnotes(composer *c, const bp_tsection *s) {
  if (!c->nb.n) return BP_OK;
  c->notes_first = c->n;
  bp_status st = add_heading(c, s);
  if (st) return st;
  int cols = s->columns > 1 ? 2 : 1;
  double gap = c->t->column_gap_pt;
  c->notes_col_w = cols > 1 ? (c->width - gap) / 2 : c->width;
  c->notes_before = cstyle(c, "note")->size_pt * 0.25;
  c->notes = bp_calloc(c->nb.n, sizeof *c->notes);
  for (size_t i = 0; i < c->nb.n; i++) {
    c->notes[i] = note_piece(c, i, c->notes_col_w);
    if (!c->notes[i]) return c->ctx->status;
    c->n_notes = i + 1;
    add_pf(c, c->notes[i]);
  }
  elem *e = push(c, E_NOTES, 0, 3, s->space_after_pt, false);
  e->cols = cols;
  return BP_OK;
}

/* ---- pages ------------------------------------------------------------------- */

/* Where an element (or a chunk of the notes) went. */
typedef struct placed {
  size_t elem;
  int page;
  double y;
  size_t first, count, split; /* notes: [first, first+count), right column from split */
} placed;

/* Height of notes [a, b) in two balanced columns (split at *split), or in
 * one column when cols == 1 (split = b). */
static double notes_height(const composer *c, size_t a, size_t b, int cols, size_t *split) {
  double total = 0;
  for (size_t i = a; i < b; i++) total += c->notes[i]->h + (i > a ? c->notes_before : 0);
  *split = b;
  if (cols < 2) return total;
  double best = total, left = 0;
  for (size_t k = a; k <= b; k++) {
    /* left column [a, k), right column [k, b) */
    double right = total - left - (k > a && k < b ? c->notes_before : 0);
    double tall = left > right ? left : right;
    if (tall < best - 1e-9) best = tall, *split = k;
    if (k < b) left += c->notes[k]->h + (k > a ? c->notes_before : 0);
  }
  return best;
}

static double elem_min(const composer *c, const elem *e) {
  if (e->kind != E_NOTES) return e->h;
  return c->n_notes ? c->notes[0]->h : 0;
}

/* Stacks the elements on pages: an element goes to the next page when it
 * (with the elements it keeps with) does not fit; the notes fill the rest
 * of a page in balanced columns and continue on the next. */
static placed *paginate(composer *c, size_t *n_out, int *pages) {
  placed *pl = NULL;
  size_t n = 0, cap = 0;
  int page = 0;
  double y = c->top;
  const double eps = 0.01;
  for (size_t i = 0; i < c->n; i++) {
    const elem *e = &c->v[i];
    double before = y > c->top + eps ? e->before : 0;
    if (e->kind == E_NOTES) {
      int cols = e->cols;
      size_t a = 0;
      while (a < c->n_notes) {
        double avail = c->bottom - y - before;
        size_t b = a, split = a;
        double h = 0;
        for (size_t k = a + 1; k <= c->n_notes; k++) {
          size_t s2;
          double hk = notes_height(c, a, k, cols, &s2);
          if (hk > avail + eps) break;
          b = k, split = s2, h = hk;
        }
        if (b == a) {
          if (y > c->top + eps) { /* nothing fits here: next page */
            page++, y = c->top, before = 0;
            continue;
          }
          b = a + 1; /* taller than a page: set it anyway */
          h = notes_height(c, a, b, cols, &split);
        }
        placed p = {i, page, y + before, a, b - a, split};
        BP_PUSH(pl, n, cap, p);
        y += before + h;
        a = b;
        if (a < c->n_notes) page++, y = c->top, before = 0;
      }
      y += e->after;
      continue;
    }
    double need = before + e->h;
    if (e->keep) /* the chain of kept elements and the start of the next */
      for (size_t k = i + 1; k < c->n; k++) {
        need += c->v[k - 1].after + c->v[k].before + elem_min(c, &c->v[k]);
        if (!c->v[k].keep) break;
      }
    if (y + need > c->bottom + eps && y > c->top + eps) {
      page++;
      y = c->top;
      before = 0;
    }
    placed p = {i, page, y + before, 0, 0, 0};
    BP_PUSH(pl, n, cap, p);
    y += before + e->h + e->after;
  }
  *n_out = n;
  *pages = page + 1;
  return pl;
}

static void draw_placed(composer *c, bp_dlist *dl, bp_dl_page *pg, const placed *p) {
  const elem *e = &c->v[p->elem];
  double x = c->x0;
  switch (e->kind) {
  case E_RULE:
    if (e->color.a > 0) bp__fill_rect(pg, x, p->y, c->width, e->h, e->color);
    break;
  case E_BLOCK:
    if (e->outline) bp_dl_add_outline(pg, 0, e->outline, p->y);
    for (size_t k = 0; k < e->n_pl; k++)
      replay(c, e->pl[k].p, dl, pg, x + e->pl[k].dx, p->y + e->pl[k].dy);
    break;
  case E_NOTES: {
    double y = p->y;
    for (size_t k = p->first; k < p->first + p->count; k++) {
      bool right = k >= p->split;
      if (k == p->split)
        y = p->y;
      else if (k > p->first)
        y += c->notes_before;
      replay(c, c->notes[k], dl, pg, x + (right ? c->notes_col_w + c->t->column_gap_pt : 0), y);
      y += c->notes[k]->h;
    }
    break;
  }
  }
}

/* The running footer: the template's left text and "N / M" at the right. */
static bp_status draw_footer(composer *c, bp_dlist *dl, bp_dl_page *pg, int page, int pages,
                             const char *left) {
  const bp_style *fs = bp_template_style(c->t, "footer");
  double ytop = c->t->page_h_pt - c->t->footer_baseline_pt - bp_style_first_baseline_pt(fs);
  char num[64];
  snprintf(num, sizeof num, "%d / %d", page + 1, pages);
  c->field = "footer";
  const piece *r = plain_piece(c, "footer", num, 0);
  const piece *l = r && left ? plain_piece(c, "footer", left, c->width * 0.75) : NULL;
  if (!r || (left && !l)) return c->ctx->status;
  replay(c, r, dl, pg, c->x0 + c->width - r->w, ytop);
  if (l) replay(c, l, dl, pg, c->x0, ytop);
  return BP_OK;
}

/* ---- public API ----------------------------------------------------------------- */

/* Lays the sections out (again): everything a previous attempt built is
 * dropped, warnings after the first `n_warn` too. */
static bp_status build(composer *c, size_t n_warn) {
  for (size_t i = 0; i < c->n; i++) free(c->v[i].pl);
  c->n = 0;
  free(c->notes);
  c->notes = NULL;
  c->n_notes = 0;
  c->notes_first = SIZE_MAX;
  bp__numbering_clear(&c->nb);
  memset(&c->pf, 0, sizeof c->pf);
  while (c->info && c->info->n_warnings > n_warn) free(c->info->warnings[--c->info->n_warnings]);
  const bp_template *t = c->t;
  bp_status st = BP_OK;
  for (size_t i = 0; i < t->n_sections && !st; i++) {
    const bp_tsection *s = &t->sections[i];
    c->field = NULL;
    if (!strcmp(s->type, "masthead"))
      st = sec_masthead(c, s);
    else if (!strcmp(s->type, "record_title"))
      st = sec_record_title(c, s);
    else if (!strcmp(s->type, "facts"))
      st = sec_facts(c, s);
    else if (!strcmp(s->type, "claims"))
      st = sec_claims(c, s);
    else if (!strcmp(s->type, "charts"))
      st = sec_charts(c, s);
    else if (!strcmp(s->type, "endnotes"))
      st = sec_endnotes(c, s);
    else
      st = bp_jdoc_error(c->ctx, t->jd, s->json, "type", "unknown profile section type \"%s\"",
                         s->type);
  }
  return st;
}

static void set_scale(composer *c, double scale) {
  c->scale = scale;
  for (size_t i = 0; i < N_FIT; i++) {
    bp_style s = *bp_template_style(c->t, FIT_STYLES[i]);
    double lead = s.leading_pt > 0 ? s.leading_pt : s.size_pt * 1.3;
    s.size_pt *= scale;
    s.leading_pt = lead * scale;
    c->fitted[i] = s;
  }
}

/* True when the endnotes section asks to stay with the text
 * ("keep_with_text") and its last page would hold only endnotes. */
static bool notes_alone(composer *c) {
  const bp_tsection *s = NULL;
  for (size_t i = 0; i < c->t->n_sections && !s; i++)
    if (!strcmp(c->t->sections[i].type, "endnotes")) s = &c->t->sections[i];
  if (!s || !json_is_true(json_object_get(s->json, "keep_with_text")) || c->notes_first == SIZE_MAX)
    return false;
  size_t n_pl;
  int pages;
  placed *pl = paginate(c, &n_pl, &pages);
  bool alone = pages > 1;
  for (size_t i = 0; i < n_pl && alone; i++)
    if (pl[i].page == pages - 1 && pl[i].elem < c->notes_first) alone = false;
  free(pl);
  return alone;
}

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
    static const char *const common[] = {"type",   "title",        "columns",
                                         "height", "space_before", "space_after"};
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
        static const char *const rk[] = {"label",  "field", "text",       "values",
                                         "format", "cite",  "capitalize", NULL};
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
    } else if (!strcmp(s->type, "endnotes")) {
      keys[nk++] = "keep_with_text";
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
        static const char *const ck[] = {
            "kind",         "title",         "series", "column",     "unit",
            "events",       "claims",        "weight", "min_points", "value_labels",
            "label_length", "min_span_days", NULL};
        bp_chart_kind kind;
        if (!json_is_object(ch)) {
          st = bp_jdoc_error_elem(ctx, t->jd, charts, k, "a chart is an object");
          break;
        }
        st = check_section_keys(ctx, t, ch, ck, "chart");
        if (!st &&
            bp_chart_kind_from_name(NULL, json_str(ch, "kind") ? json_str(ch, "kind") : "", &kind))
          st = bp_jdoc_error(ctx, t->jd, ch, json_object_get(ch, "kind") ? "kind" : NULL,
                             "a chart needs a \"kind\": bar, line, timeline or sparkline");
        if (st) break;
        if (kind != BP_CHART_TIMELINE) {
          const char *sn = json_str(ch, "series");
          if (!sn)
            st = bp_jdoc_error(ctx, t->jd, ch, NULL, "a %s chart needs a \"series\"",
                               json_str(ch, "kind"));
          else if (!bp_dataset_series(ds, sn))
            st = bp_jdoc_error(ctx, t->jd, ch, "series", "no series \"%s\" in the data folder %s",
                               sn, ds->dir);
          if (!st) st = need_pattern(ctx, t, rec, ch, "column");
          continue;
        }
        json_t *events = json_object_get(ch, "events");
        if (events && !json_is_array(events))
          st = bp_jdoc_error(ctx, t->jd, ch, "events", "\"events\" must be an array");
        for (size_t e = 0; !st && e < json_array_size(events); e++) {
          json_t *ev = json_array_get(events, e);
          static const char *const ek[] = {"records", "match", "key", "date",
                                           "label",   "where", NULL};
          if (!json_is_object(ev)) {
            st = bp_jdoc_error_elem(ctx, t->jd, events, e, "an event source is an object");
            break;
          }
          st = check_section_keys(ctx, t, ev, ek, "event");
          const char *rn = json_str(ev, "records");
          const bp_records *er = rn ? bp_dataset_records(ds, rn) : NULL;
          if (!st && !er)
            st = bp_jdoc_error(ctx, t->jd, ev, rn ? "records" : NULL,
                               "no records \"%s\" in the data folder %s", rn ? rn : "", ds->dir);
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
                             long long epoch, bp_profile_cache *cache, bp_profile_info *info,
                             bp_dlist **out) {
  *out = NULL;
  if (info) memset(info, 0, sizeof *info);
  if (row >= rec->n_rows)
    return bp_error(ctx, BP_ERR_USAGE, "%s: no record %zu (%zu records)", rec->path, row,
                    rec->n_rows);
  composer c = {0};
  c.ctx = ctx;
  c.ts = ts;
  c.t = t;
  c.ds = ds;
  c.rec = rec;
  c.row = row;
  c.info = info;
  c.cache = cache ? cache : bp_profile_cache_new(0);
  /* a full cache starts again: memory stays flat however long the batch
   * (pieces other composers hold live on until they drop them) */
  pthread_mutex_lock(&c.cache->lock);
  if (c.cache->bytes > c.cache->max_bytes) {
    g_hash_table_remove_all(c.cache->map);
    c.cache->bytes = 0;
  }
  pthread_mutex_unlock(&c.cache->lock);
  c.x0 = t->margin_pt[3];
  c.width = t->page_w_pt - t->margin_pt[1] - t->margin_pt[3];
  c.top = t->margin_pt[0];
  c.bottom = t->page_h_pt - t->margin_pt[2];
  c.title = bp_profile_title(t, rec, row);
  if (info) info->title = bp_strdup(c.title);
  bp_status st = check_record(&c);
  /* the fit: from the template's size down in quarter points while the
   * endnotes would stand alone on the last page (endnotes "keep_with_text") */
  const bp_style *body = bp_template_style(t, "body");
  double smax = t->body_max_pt > 0 ? t->body_max_pt : body->size_pt;
  double smin = t->body_min_pt > 0 ? t->body_min_pt : smax;
  size_t n_warn = info ? info->n_warnings : 0;
  for (double size = smax; !st; size -= 0.25) {
    set_scale(&c, size / body->size_pt);
    st = build(&c, n_warn);
    if (st || size - 0.25 < smin - 1e-9 || !notes_alone(&c)) break;
  }
  bp_dlist *dl = NULL;
  int pages = 0;
  if (!st) {
    size_t n_pl;
    placed *pl = paginate(&c, &n_pl, &pages);
    if (info) info->pages = pages;
    if (t->max_pages > 0 && pages > t->max_pages)
      st = fail_field(&c, NULL, BP_ERR_LAYOUT,
                      "the profile takes %d pages; the template %s allows %d", pages, t->path,
                      t->max_pages);
    if (!st) {
      dl = bp__dlist_for(c.title, NULL, t->name, NULL, NULL, "en", epoch);
      for (int p = 0; p < pages; p++) bp_dlist_add_page(dl, t->page_w_pt, t->page_h_pt);
      for (size_t i = 0; i < n_pl; i++) draw_placed(&c, dl, &dl->pages[pl[i].page], &pl[i]);
      char *footer = expand(&c, t->footer_left);
      for (int p = 0; p < pages && !st; p++)
        st = draw_footer(&c, dl, &dl->pages[p], p, pages, footer);
      free(footer);
    }
    free(pl);
  }
  if (!st && info && (c.pf.hangul_breaks || c.pf.closing_starts || c.pf.overwide))
    warn(&c,
         "preflight: %d Hangul word(s) broken, %d line(s) starting with closing punctuation, %d "
         "line(s) wider than the measure; first: %s",
         c.pf.hangul_breaks, c.pf.closing_starts, c.pf.overwide, c.pf.first_problem);
  for (size_t i = 0; i < c.n; i++) free(c.v[i].pl);
  free(c.v);
  free(c.notes);
  bp__numbering_free(&c.nb);
  free(c.cl);
  free(c.gl);
  free(c.sg);
  free(c.fonts);
  free(c.title);
  for (size_t i = 0; i < c.n_held; i++) piece_unref(c.held[i]);
  free(c.held);
  if (!cache) bp_profile_cache_free(c.cache);
  if (st) {
    bp_dlist_free(dl);
    return st;
  }
  *out = dl;
  return BP_OK;
}
