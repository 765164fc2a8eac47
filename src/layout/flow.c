/* flow.c - pagination of drawn pieces (see flow.h): stacking, the page
 * breaks (whole blocks, text lines with no widow or orphan, headings kept
 * with what follows, balanced columns that continue), and drawing by
 * replaying each piece's items with an offset, as MuPDF replays a display
 * list. */
#include "flow.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- pieces ------------------------------------------------------------------ */

bp_piece *bp_piece_new(double w, double h) {
  bp_piece *p = bp_calloc(1, sizeof *p);
  p->dl = bp_dlist_new();
  bp_dlist_add_page(p->dl, w > 0 ? w : 1, h > 0 ? h : 1);
  p->w = w;
  p->h = h;
  p->refs = 1;
  return p;
}

static void draw_text(bp_piece *p, void *data) {
  const bp_text *t = data;
  bp_ref_marks marks = {NULL, 0};
  bp_text_draw_linked(t, p->dl, &p->dl->pages[0], 0, 0, 0, bp_text_line_count(t), &marks);
  bp_ref_marks_free(&marks);
}

static void drop_text(void *data) { bp_text_free(data); }

/* A text's piece: its size, lines and preflight, not yet its items. */
static bp_piece *text_piece(const bp_text *t) {
  bp_piece *p = bp_piece_new(bp_text_width_pt(t), bp_text_height_pt(t));
  bp_text_preflight(t, bp_text_measure_pt(t), &p->pf);
  p->n_lines = bp_text_line_count(t);
  p->lines = bp_calloc((size_t)p->n_lines + 1, sizeof *p->lines);
  double lead = p->n_lines ? p->h / p->n_lines : 0;
  for (int i = 0; i < p->n_lines; i++) p->lines[i] = lead * (i + 1);
  return p;
}

bp_piece *bp_piece_of_text(const bp_text *t) {
  bp_piece *p = text_piece(t);
  draw_text(p, (void *)t);
  return p;
}

bp_piece *bp_piece_of_text_lazy(bp_text *t) {
  bp_piece *p = text_piece(t);
  bp_piece_set_lazy(p, draw_text, drop_text, t);
  return p;
}

void bp_piece_set_lazy(bp_piece *p, void (*draw)(bp_piece *p, void *data), void (*drop)(void *data),
                       void *data) {
  p->draw = draw;
  p->drop = drop;
  p->data = data;
}

static void lazy_drop(bp_piece *p) {
  if (p->drop) p->drop(p->data);
  p->draw = NULL;
  p->drop = NULL;
  p->data = NULL;
}

const bp_piece *bp_piece_drawn(const bp_piece *p) {
  if (p && p->draw) {
    bp_piece *q = (bp_piece *)p; /* drawing once changes what it shows into what it holds */
    q->draw(q, q->data);
    lazy_drop(q);
  }
  return p;
}

void bp_piece_ref(bp_piece *p) { __atomic_add_fetch(&p->refs, 1, __ATOMIC_ACQ_REL); }

void bp_piece_unref(bp_piece *p) {
  if (p && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0) {
    lazy_drop(p);
    bp_dlist_free(p->dl);
    free(p->lines);
    free(p);
  }
}

size_t bp_piece_bytes(const bp_piece *p) {
  const bp_dl_page *pg = &p->dl->pages[0];
  /* the items' arrays and strings are in the list's arena: its blocks */
  return sizeof *p + 256 + (size_t)p->n_lines * sizeof *p->lines +
         pg->cap_items * sizeof *pg->items + bp_arena_bytes(&p->dl->arena);
}

/* ---- the stack ----------------------------------------------------------------- */

bp_flow_elem *bp_flow_push(bp_flow *f, bp_flow_kind kind, double h, double before, double after,
                           bool keep) {
  bp_grow((void **)&f->v, &f->cap, f->n + 1, sizeof *f->v);
  bp_flow_elem *el = &f->v[f->n++];
  memset(el, 0, sizeof *el);
  el->kind = kind;
  el->h = h;
  el->before = before;
  el->after = after;
  el->keep = keep;
  el->split = -1;
  el->level = -1;
  return el;
}

void bp_flow_place_in(bp_flow_elem *el, const bp_piece *p, double dx, double dy) {
  el->pl = bp_realloc(el->pl, (el->n_pl + 1) * sizeof *el->pl);
  el->pl[el->n_pl++] = (bp_flow_place){p, dx, dy, BP_ROLE_NONE};
  if (dy + p->h > el->h) el->h = dy + p->h;
}

void bp_flow_clear(bp_flow *f) {
  for (size_t i = 0; i < f->n; i++) {
    free(f->v[i].pl);
    free(f->v[i].items);
    free(f->v[i].outline);
  }
  f->n = 0;
}

void bp_flow_free(bp_flow *f) {
  bp_flow_clear(f);
  free(f->v);
  free(f->cl);
  free(f->gl);
  free(f->sg);
  free(f->fonts);
  free(f->map);
  memset(f, 0, sizeof *f);
}

/* ---- pages ------------------------------------------------------------------------ */

/* Height of items [a, b) in two balanced columns (split at *split), or in
 * one column when cols == 1 (split = b). */
static double columns_height(const bp_flow_elem *el, size_t a, size_t b, size_t *split) {
  double total = 0;
  for (size_t i = a; i < b; i++) total += el->items[i]->h + (i > a ? el->gap : 0);
  *split = b;
  if (el->cols < 2) return total;
  double best = total, left = 0;
  for (size_t k = a; k <= b; k++) { /* left column [a, k), right column [k, b) */
    double right = total - left - (k > a && k < b ? el->gap : 0);
    double tall = left > right ? left : right;
    if (tall < best - 1e-9) best = tall, *split = k;
    if (k < b) left += el->items[k]->h + (k > a ? el->gap : 0);
  }
  return best;
}

double bp_flow_elem_height(const bp_flow_elem *el) {
  size_t split;
  return el->kind == BP_FLOW_COLUMNS ? columns_height(el, 0, el->n_items, &split) : el->h;
}

/* The page may break after line m (1-based) of the block's split place at
 * this height within the block. */
static double line_cut(const bp_flow_elem *el, int m) {
  const bp_flow_place *p = &el->pl[el->split];
  return p->dy + p->p->lines[m - 1];
}

/* What must fit at the foot of a page for the element to start there. */
static double elem_min(const bp_flow_elem *el) {
  if (el->kind == BP_FLOW_COLUMNS) return el->n_items ? el->items[0]->h : 0;
  if (el->kind == BP_FLOW_TABLE) /* the header and the first row */
    return el->pl[1].p->n_lines ? line_cut(el, 1) : el->h;
  if (el->split >= 0 && el->pl[el->split].p->n_lines >= 4) return line_cut(el, 2);
  return el->h;
}

typedef struct pager {
  const bp_flow *f;
  bp_flow_placed *pl;
  size_t n, cap;
  int page;
  double y;
} pager;

static void put(pager *g, bp_flow_placed p) { BP_PUSH(g->pl, g->n, g->cap, p); }
static void next_page(pager *g) { g->page++, g->y = g->f->top; }
static bool at_top(const pager *g) { return g->y <= g->f->top + 0.01; }

static void page_columns(pager *g, size_t i, double before) {
  const bp_flow_elem *el = &g->f->v[i];
  size_t a = 0;
  while (a < el->n_items) {
    double avail = g->f->bottom - g->y - before;
    size_t b = a, split = a;
    double h = 0;
    for (size_t k = a + 1; k <= el->n_items; k++) {
      size_t s2;
      double hk = columns_height(el, a, k, &s2);
      if (hk > avail + 0.01) break;
      b = k, split = s2, h = hk;
    }
    if (b == a) {
      if (!at_top(g)) { /* nothing fits here: next page */
        next_page(g), before = 0;
        continue;
      }
      b = a + 1; /* taller than a page: set it anyway (the check refuses it) */
      h = columns_height(el, a, b, &split);
    }
    put(g, (bp_flow_placed){i, g->page, g->y + before, 0, 0, a, b - a, split});
    g->y += before + h;
    a = b;
    if (a < el->n_items) next_page(g), before = 0;
  }
}

/* A block whose text may break between lines: at least two lines at the foot
 * of a page and two at the head of the next. */
static void page_lines(pager *g, size_t i, double before) {
  const bp_flow_elem *el = &g->f->v[i];
  int n = el->pl[el->split].p->n_lines, m0 = 0; /* lines already bp_flow_placed */
  double from = 0;
  for (;;) {
    double avail = g->f->bottom - g->y - before;
    if (el->h - from <= avail + 0.01) {
      put(g, (bp_flow_placed){i, g->page, g->y + before, from, el->h, 0, 0, 0});
      g->y += before + el->h - from;
      return;
    }
    int m = m0;
    while (m + 1 <= n - 2 && line_cut(el, m + 1) - from <= avail + 0.01) m++;
    if (m - m0 < 2 && !at_top(g)) { /* no orphan: start on the next page */
      next_page(g), before = 0;
      continue;
    }
    if (m == m0) m = m0 + 1 < n ? m0 + 1 : n; /* a line taller than the page */
    double cut = m < n ? line_cut(el, m) : el->h;
    put(g, (bp_flow_placed){i, g->page, g->y + before, from, cut, 0, 0, 0});
    g->y += before + cut - from;
    if (m >= n) return;
    from = cut, m0 = m, before = 0;
    next_page(g);
  }
}

/* A table: whole rows under its header, at least one row under the header
 * at the foot of a page; each page it continues on starts with the header
 * again (parts after the first: [from, to) are rows, the header above). */
static void page_rows(pager *g, size_t i, double before) {
  const bp_flow_elem *el = &g->f->v[i];
  double head = el->pl[1].dy, from = 0;
  int n = el->pl[1].p->n_lines, m0 = 0; /* rows already placed */
  for (;;) {
    double avail = g->f->bottom - g->y - before - (from > 0 ? head : 0);
    int m = m0;
    while (m + 1 <= n && line_cut(el, m + 1) - (from > 0 ? from : 0) <= avail + 0.01) m++;
    if (m == m0 && !at_top(g)) { /* not even one row: the next page */
      next_page(g), before = 0;
      continue;
    }
    if (m == m0) m = m0 + 1; /* a row taller than a page (the check refuses it) */
    double cut = line_cut(el, m), top = from > 0 ? from : 0;
    put(g, (bp_flow_placed){i, g->page, g->y + before, from, cut, 0, 0, 0});
    g->y += before + (from > 0 ? head : 0) + cut - top;
    if (m >= n) return;
    from = cut, m0 = m, before = 0;
    next_page(g);
  }
}

/* Stacks the elements on pages: an element goes to the next page when it
 * (with the elements it keeps with) does not fit. */
bp_flow_placed *bp_flow_paginate(const bp_flow *f, size_t *n_out, int *pages) {
  pager g = {f, NULL, 0, 0, 0, f->top};
  for (size_t i = 0; i < f->n; i++) {
    const bp_flow_elem *el = &f->v[i];
    double before = at_top(&g) ? 0 : el->before;
    if (el->kind == BP_FLOW_COLUMNS) {
      page_columns(&g, i, before);
      g.y += el->after;
      continue;
    }
    double need = before + (el->keep ? el->h : elem_min(el));
    if (el->keep) /* the chain of kept elements and the start of the next */
      for (size_t k = i + 1; k < f->n; k++) {
        need += f->v[k - 1].after + f->v[k].before + elem_min(&f->v[k]);
        if (!f->v[k].keep) break;
      }
    if (g.y + need > f->bottom + 0.01 && !at_top(&g)) next_page(&g), before = 0;
    if (el->kind == BP_FLOW_TABLE && el->pl[1].p->n_lines)
      page_rows(&g, i, before);
    else if (el->split >= 0)
      page_lines(&g, i, before);
    else {
      put(&g, (bp_flow_placed){i, g.page, g.y + before, 0, el->h, 0, 0, 0});
      g.y += before + el->h;
    }
    g.y += el->after;
  }
  *n_out = g.n;
  *pages = g.page + 1;
  return g.pl;
}

/* ---- drawing --------------------------------------------------------------------- */

/* Where an item lies (for a piece drawn in parts): a text's baseline, the
 * middle of a link or an image, a destination's top. */
static double anchor_y(const bp_dl_item *it) {
  switch (it->kind) {
  case BP_DL_TEXT: return it->u.text.y_pt;
  case BP_DL_LINK: return it->u.link.y_pt + it->u.link.h_pt / 2;
  case BP_DL_IMAGE: return it->u.image.y_pt + it->u.image.h_pt / 2;
  case BP_DL_DEST: return it->u.dest.y_pt;
  case BP_DL_OUTLINE: return it->u.outline.y_pt;
  case BP_DL_PATH: return it->u.path.n_segs ? it->u.path.segs[0].pts[1] : 0;
  }
  return 0;
}

#define UNMAPPED (-3)

/* Whether piece node `n`'s first item lies above `from`: a part drawn
 * before (a piece drawn in parts). */
static bool begun_above(const bp_dlist *src, int n, double from) {
  const bp_dl_page *sp = &src->pages[0];
  for (size_t i = 0; i < sp->n_items; i++)
    if (sp->items[i].node == n) return anchor_y(&sp->items[i]) < from - 0.001;
  return false;
}

static bool is_cell(bp_role r) { return r == BP_ROLE_TH || r == BP_ROLE_TD; }

/* The page's node for piece node `n` (copied at its first use, under
 * `top`, the page's node when the replay began), for the part of the
 * piece from `from` down. A node whose content began in an earlier part
 * (a word hyphenated at the part's first line) stands for nothing more
 * there: its ActualText is read with that part. */
static int map_node(bp_flow *f, const bp_dlist *src, bp_dlist *dl, int n, int top, double dx,
                    double dy, double from) {
  if (n == BP_DL_ARTIFACT) return n;
  if (n < 0 || (size_t)n >= src->n_nodes) return top;
  if (f->map[n] == UNMAPPED) {
    const bp_dl_node *s = &src->nodes[n];
    int parent = s->parent < n ? map_node(f, src, dl, s->parent, top, dx, dy, from) : top;
    if (parent == BP_DL_ARTIFACT) return f->map[n] = BP_DL_ARTIFACT;
    if (is_cell(s->role)) { /* the row's cells before it first, empty ones too */
      int first = n;
      while (first > 0 && src->nodes[first - 1].parent == s->parent &&
             is_cell(src->nodes[first - 1].role))
        first--;
      for (int k = first; k < n; k++)
        if (f->map[k] == UNMAPPED) map_node(f, src, dl, k, top, dx, dy, from);
    }
    int m = bp_dlist_add_node(dl, s->role, parent);
    bp_dl_node *d = &dl->nodes[m];
    d->alt = bp_strdup(s->alt);
    d->lang = bp_strdup(s->lang);
    d->actual_text = bp_strdup(
        s->actual_text && *s->actual_text && begun_above(src, n, from) ? "" : s->actual_text);
    memcpy(d->bbox, s->bbox, sizeof d->bbox);
    d->scope = s->scope;
    d->bbox[0] += dx, d->bbox[1] += dy;
    f->map[n] = m;
  }
  return f->map[n];
}

/* Copies the piece's items that lie in [from, to) onto a page, moved by
 * (dx, dy). */
void bp_flow_replay(bp_flow *f, const bp_piece *p, bp_dlist *dl, bp_dl_page *pg, double dx,
                    double dy, double from, double to) {
  const bp_dlist *src = bp_piece_drawn(p)->dl;
  int top = pg->node;
  bp_grow((void **)&f->map, &f->cap_map, src->n_nodes + 1, sizeof *f->map);
  for (size_t i = 0; i < src->n_nodes; i++) f->map[i] = UNMAPPED;
  size_t nf = src->n_fonts;
  bp_grow((void **)&f->fonts, &f->cap_fonts, nf + 1, sizeof *f->fonts);
  for (size_t i = 0; i < nf; i++) /* the piece's font i is the page's fonts[i] */
    f->fonts[i] = bp_dlist_add_font(dl, src->fonts[i].path, src->fonts[i].face_index,
                                    src->fonts[i].family, src->fonts[i].style);
  const bp_dl_page *sp = &src->pages[0];
  for (size_t i = 0; i < sp->n_items; i++) {
    const bp_dl_item *it = &sp->items[i];
    double ay = anchor_y(it);
    if (ay < from - 0.001 || ay >= to - 0.001) continue;
    pg->node = map_node(f, src, dl, it->node, top, dx, dy, from);
    switch (it->kind) {
    case BP_DL_TEXT: {
      bp_dl_text t = it->u.text;
      if (t.font < 0 || (size_t)t.font >= nf) break;
      t.font = f->fonts[t.font];
      t.x_pt += dx;
      t.y_pt += dy;
      bp_grow((void **)&f->cl, &f->cap_cl, t.n_clusters + 1, sizeof *f->cl);
      bp_grow((void **)&f->gl, &f->cap_gl, t.n_glyphs + 1, sizeof *f->gl);
      for (size_t k = 0; k < t.n_clusters; k++) {
        f->cl[k] = it->u.text.clusters[k];
        f->cl[k].x_pt += dx;
      }
      for (size_t k = 0; k < t.n_glyphs; k++) {
        f->gl[k] = it->u.text.glyphs[k];
        f->gl[k].x_pt += dx;
      }
      t.clusters = f->cl;
      t.glyphs = f->gl;
      bp_dl_add_text(pg, &t);
      break;
    }
    case BP_DL_PATH: {
      bp_dl_path q = it->u.path;
      bp_grow((void **)&f->sg, &f->cap_sg, q.n_segs + 1, sizeof *f->sg);
      for (size_t k = 0; k < q.n_segs; k++) {
        f->sg[k] = q.segs[k];
        int npts = q.segs[k].op == BP_PATH_CURVE ? 3 : q.segs[k].op == BP_PATH_CLOSE ? 0 : 1;
        for (int j = 0; j < npts; j++) {
          f->sg[k].pts[2 * j] += dx;
          f->sg[k].pts[2 * j + 1] += dy;
        }
      }
      q.segs = f->sg;
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
  /* a row's empty cells after its last drawn one: a table's rows keep
   * their columns for a screen reader */
  for (size_t n = 0; n < src->n_nodes; n++) {
    const bp_dl_node *s = &src->nodes[n];
    if (is_cell(s->role) && f->map[n] == UNMAPPED && s->parent >= 0 && (size_t)s->parent < n &&
        f->map[s->parent] >= 0)
      map_node(f, src, dl, (int)n, top, dx, dy, from);
  }
  pg->node = top;
}

void bp_flow_fill_rect(bp_dl_page *pg, double x, double y, double w, double h, bp_color color) {
  const double b = pg->bleed_pt, eps = 0.01;
  if (b > 0 && x <= eps) w += x + b, x = -b;
  if (b > 0 && x + w >= pg->width_pt - eps) w = pg->width_pt + b - x;
  if (b > 0 && y <= eps) h += y + b, y = -b;
  if (b > 0 && y + h >= pg->height_pt - eps) h = pg->height_pt + b - y;
  bp_path_seg segs[5] = {{BP_PATH_MOVE, {x, y}},
                         {BP_PATH_LINE, {x + w, y}},
                         {BP_PATH_LINE, {x + w, y + h}},
                         {BP_PATH_LINE, {x, y + h}},
                         {BP_PATH_CLOSE, {0}}};
  bp_dl_path p = {0};
  p.segs = segs;
  p.n_segs = 5;
  p.fill = true;
  p.fill_color = color;
  int was = bp_dl_begin(NULL, pg, BP_ROLE_ARTIFACT); /* rules, backgrounds: furniture */
  bp_dl_add_path(pg, &p);
  bp_dl_end(pg, was);
}

/* ---- structure: the elements' nodes, made as their content is drawn ---- */

typedef struct drawer {
  bp_flow *f;
  bp_dlist *dl;
  int *group;    /* per element: the element whose group node it shares */
  int *nodes;    /* per element: its group's node, its own; then per place */
  size_t *place; /* per element: the index in nodes of its first place */
  int heading;   /* the level of the last heading (1: H1), 0 before the first */
} drawer;

static int node_of(drawer *d, size_t at, bp_role role, int parent) {
  if (d->nodes[at] == UNMAPPED) d->nodes[at] = bp_dlist_add_node(d->dl, role, parent);
  return d->nodes[at];
}

/* The element's group: its own; list items without one are a list. A
 * table (and its caption) is a Table of its own, whatever its section's
 * group (facts: a Table of label and value rows). */
static bp_role group_of(const bp_flow_elem *el) {
  if (el->level >= 0) return BP_ROLE_NONE; /* a heading stands alone */
  if (el->kind == BP_FLOW_TABLE || el->role == BP_ROLE_CAPTION) return BP_ROLE_NONE;
  return el->group != BP_ROLE_NONE ? el->group : el->role == BP_ROLE_LI ? BP_ROLE_L : BP_ROLE_NONE;
}

static bool in_table(const drawer *d, size_t i) { return group_of(&d->f->v[i]) == BP_ROLE_TABLE; }

/* The element's own node (heading, list item, table row), made at its first
 * use under its group's; its group's node when it has no role. */
static int elem_node(drawer *d, size_t i) {
  const bp_flow_elem *el = &d->f->v[i];
  int parent = -1;
  if (group_of(el) != BP_ROLE_NONE) parent = node_of(d, 2 * (size_t)d->group[i], group_of(el), -1);
  bp_role r = el->role;
  if (el->kind == BP_FLOW_BLOCK && el->level >= 0 && d->nodes[2 * i + 1] == UNMAPPED) {
    /* bookmark level 0 is H1; a heading never skips a level (H1 then H3) */
    int level = el->level + 1 < d->heading + 1 ? el->level + 1 : d->heading + 1;
    d->heading = level = level > 3 ? 3 : level;
    r = level == 1 ? BP_ROLE_H1 : level == 2 ? BP_ROLE_H2 : BP_ROLE_H3;
  } else if (el->kind == BP_FLOW_BLOCK && el->level >= 0)
    r = BP_ROLE_H1; /* made already: its node is found whatever the role */
  else if (el->kind == BP_FLOW_COLUMNS)
    r = BP_ROLE_NONE; /* the role is each item's */
  else if (in_table(d, i) && r == BP_ROLE_LI)
    r = BP_ROLE_TR;
  else if (el->kind == BP_FLOW_TABLE)
    r = BP_ROLE_TABLE; /* its rows and cells are its pieces' (table.c) */
  else if (r == BP_ROLE_CAPTION && i + 1 < d->f->n && d->f->v[i + 1].kind == BP_FLOW_TABLE)
    parent = elem_node(d, i + 1); /* a table's caption: its first kid */
  return r == BP_ROLE_NONE ? parent : node_of(d, 2 * i + 1, r, parent);
}

/* A piece that shows only a bullet: a list item's decoration, not content
 * (PDF/UA: an LI may hold its LBody alone). */
static bool only_bullet(const bp_piece *p) {
  const bp_dl_page *pg = &bp_piece_drawn(p)->dl->pages[0];
  bool any = false;
  for (size_t i = 0; i < pg->n_items; i++) {
    const bp_dl_item *it = &pg->items[i];
    if (it->kind != BP_DL_TEXT) continue;
    if (strcmp(it->u.text.text, "\xE2\x80\xA2")) return false;
    any = true;
  }
  return any;
}

static bool has_loose(const bp_piece *p) {
  const bp_dl_page *pg = &bp_piece_drawn(p)->dl->pages[0];
  for (size_t i = 0; i < pg->n_items; i++)
    if (pg->items[i].node == BP_DL_UNTAGGED && pg->items[i].kind != BP_DL_DEST &&
        pg->items[i].kind != BP_DL_OUTLINE)
      return true;
  return false;
}

/* The node a place's piece is drawn under: its own element when the piece
 * has content of no element of its own (a text), else the element's. */
static int place_node(drawer *d, size_t i, size_t k, const bp_piece *p) {
  const bp_flow_elem *el = &d->f->v[i];
  int parent = elem_node(d, i);
  if (el->kind == BP_FLOW_TABLE) /* the header row, then the body rows */
    return node_of(d, d->place[i] + k, k ? BP_ROLE_TBODY : BP_ROLE_THEAD, parent);
  bp_role r = el->kind == BP_FLOW_COLUMNS ? el->role : el->pl[k].role;
  bool own = el->kind == BP_FLOW_COLUMNS || (el->role == BP_ROLE_NONE && el->level < 0);
  if (r == BP_ROLE_NONE && own) r = BP_ROLE_P;
  if (in_table(d, i)) r = r == BP_ROLE_LBL ? BP_ROLE_TH : r == BP_ROLE_LBODY ? BP_ROLE_TD : r;
  if (r == BP_ROLE_LBL && only_bullet(p)) return BP_DL_ARTIFACT;
  if ((r == BP_ROLE_H1 || r == BP_ROLE_H2 || r == BP_ROLE_H3) &&
      d->nodes[d->place[i] + k] == UNMAPPED) { /* a piece's heading never skips a level either */
    int want = r == BP_ROLE_H1 ? 1 : r == BP_ROLE_H2 ? 2 : 3;
    d->heading = want < d->heading + 1 ? want : d->heading + 1;
    r = d->heading == 1 ? BP_ROLE_H1 : d->heading == 2 ? BP_ROLE_H2 : BP_ROLE_H3;
  }
  if (r == BP_ROLE_NONE || (!has_loose(p) && el->pl && el->pl[k].role == BP_ROLE_NONE))
    return parent;
  int n = node_of(d, d->place[i] + k, r, parent);
  if (r == BP_ROLE_TH) d->dl->nodes[n].scope = BP_SCOPE_ROW; /* a facts row's label */
  return n;
}

static void replay_in(drawer *d, size_t i, size_t k, const bp_piece *q, bp_dl_page *pg, double x,
                      double y, double from, double to) {
  int was = pg->node;
  pg->node = place_node(d, i, k, q);
  bp_flow_replay(d->f, q, d->dl, pg, x, y, from, to);
  pg->node = was;
}

static void draw_placed(drawer *d, bp_dl_page *pg, const bp_flow_placed *p) {
  bp_flow *f = d->f;
  const bp_flow_elem *el = &f->v[p->elem];
  double x = f->x0;
  switch (el->kind) {
  case BP_FLOW_RULE: /* share > 0: that share of the width, centred */
    if (el->color.a > 0 && el->share > 0)
      bp_flow_fill_rect(pg, x + f->width * (1 - el->share) / 2, p->y, f->width * el->share, el->h,
                        el->color);
    else if (el->color.a > 0)
      bp_flow_fill_rect(pg, x, p->y, f->width, el->h, el->color);
    break;
  case BP_FLOW_BLOCK:
    if (el->color.a > 0 && el->band)
      bp_flow_fill_rect(pg, 0, p->y, pg->width_pt, p->to - p->from, el->color);
    else if (el->color.a > 0)
      bp_flow_fill_rect(pg, x, p->y, f->width, p->to - p->from, el->color);
    if (el->level >= 0 && p->from == 0) bp_dl_add_outline(pg, el->level, el->outline, p->y);
    for (size_t k = 0; k < el->n_pl; k++) {
      const bp_flow_place *q = &el->pl[k];
      if (p->from == 0 && p->to >= el->h) /* whole */
        replay_in(d, p->elem, k, q->p, pg, x + q->dx, p->y + q->dy, -INFINITY, INFINITY);
      else
        replay_in(d, p->elem, k, q->p, pg, x + q->dx, p->y - p->from + q->dy, p->from - q->dy,
                  p->to - q->dy);
    }
    break;
  case BP_FLOW_TABLE: { /* the header, then rows [from, to) of the body */
    const bp_flow_place *hd = &el->pl[0], *bd = &el->pl[1];
    double from = p->from > 0 ? p->from : bd->dy;
    if (el->level >= 0 && p->from == 0) bp_dl_add_outline(pg, el->level, el->outline, p->y);
    if (p->from > 0) { /* the header repeated: read once, where the table starts */
      int was = bp_dl_begin(NULL, pg, BP_ROLE_ARTIFACT);
      bp_flow_replay(d->f, hd->p, d->dl, pg, x, p->y, -INFINITY, INFINITY);
      bp_dl_end(pg, was);
    } else
      replay_in(d, p->elem, 0, hd->p, pg, x, p->y, -INFINITY, INFINITY);
    replay_in(d, p->elem, 1, bd->p, pg, x, p->y + bd->dy - from + bd->dy, from - bd->dy,
              p->to - bd->dy);
    break;
  }
  case BP_FLOW_COLUMNS: {
    double y = p->y;
    if (el->level >= 0 && p->first == 0) bp_dl_add_outline(pg, el->level, el->outline, p->y);
    for (size_t k = p->first; k < p->first + p->count; k++) {
      bool right = k >= p->split;
      if (k == p->split)
        y = p->y;
      else if (k > p->first)
        y += el->gap;
      replay_in(d, p->elem, k, el->items[k], pg, x + (right ? el->col_w + f->column_gap : 0), y,
                -INFINITY, INFINITY);
      y += el->items[k]->h;
    }
    break;
  }
  }
}

void bp_flow_draw(bp_flow *f, bp_dlist *dl, const bp_flow_placed *pl, size_t n) {
  drawer d = {f, dl, bp_calloc(f->n + 1, sizeof(int)), NULL, bp_calloc(f->n + 1, sizeof(size_t)),
              0};
  size_t slots = 2 * f->n;
  for (size_t i = 0; i < f->n; i++) {
    const bp_flow_elem *el = &f->v[i], *prev = i ? &f->v[i - 1] : NULL;
    /* consecutive elements of one tag and group share its node */
    d.group[i] =
        prev && prev->tag == el->tag && group_of(prev) == group_of(el) ? d.group[i - 1] : (int)i;
    d.place[i] = slots;
    slots += el->kind == BP_FLOW_COLUMNS ? el->n_items : el->n_pl;
  }
  d.nodes = bp_malloc((slots + 1) * sizeof(int));
  for (size_t i = 0; i < slots; i++) d.nodes[i] = UNMAPPED;
  for (size_t i = 0; i < n; i++) draw_placed(&d, &dl->pages[pl[i].page], &pl[i]);
  free(d.group);
  free(d.nodes);
  free(d.place);
}
