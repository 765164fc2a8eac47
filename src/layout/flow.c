/* flow.c - pagination of a single column of blocks into pages: decides
 * where each text's lines go (at least two lines at the foot and at the head
 * of a page, headings kept with the next block), then draws them, their
 * links and destinations, and the running footer "N / M". */
#include "flow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { F_TEXT, F_BLOCK, F_BREAK } felem_kind;

typedef struct felem {
  felem_kind kind;
  bp_text *t, *label;
  double indent, before, after, height;
  bool keep;
  int outline_level;
  char *outline_title, *dest, *label_dest;
  bp_flow_draw_fn draw;
  void *ud;
} felem;

typedef struct placement {
  size_t elem;
  int page;
  int first, count; /* lines (texts) */
  double y;
} placement;

struct bp_flow {
  bp_page_geometry g;
  felem *v;
  size_t n, cap;
  int n_pages;
};

void bp_flow_preflight(const bp_flow *f, bp_preflight *pf) {
  for (size_t i = 0; i < f->n; i++)
    if (f->v[i].kind == F_TEXT) bp_text_preflight(f->v[i].t, bp_text_measure_pt(f->v[i].t), pf);
}

int bp_flow_page_count(const bp_flow *f) { return f->n_pages; }

bp_flow *bp_flow_new(const bp_page_geometry *geom) {
  bp_flow *f = bp_calloc(1, sizeof *f);
  f->g = *geom;
  return f;
}

void bp_flow_free(bp_flow *f) {
  if (!f) return;
  for (size_t i = 0; i < f->n; i++) {
    bp_text_free(f->v[i].t);
    bp_text_free(f->v[i].label);
    free(f->v[i].outline_title);
    free(f->v[i].dest);
    free(f->v[i].label_dest);
  }
  free(f->v);
  free(f);
}

static felem *push(bp_flow *f, felem_kind kind) {
  bp_grow((void **)&f->v, &f->cap, f->n + 1, sizeof *f->v);
  felem *e = &f->v[f->n++];
  memset(e, 0, sizeof *e);
  e->kind = kind;
  e->outline_level = -1;
  return e;
}

void bp_flow_add_text(bp_flow *f, bp_text *t, double before, double after, bool keep,
                      int outline_level, const char *outline_title, const char *dest) {
  felem *e = push(f, F_TEXT);
  e->t = t;
  e->before = before;
  e->after = after;
  e->keep = keep;
  e->outline_level = outline_level;
  e->outline_title = bp_strdup(outline_title);
  e->dest = bp_strdup(dest);
}

void bp_flow_add_hanging(bp_flow *f, bp_text *label, bp_text *t, double indent, double before,
                         double after, const char *dest, const char *label_dest) {
  bp_flow_add_text(f, t, before, after, false, -1, NULL, dest);
  felem *e = &f->v[f->n - 1];
  e->label = label;
  e->indent = indent;
  e->label_dest = bp_strdup(label_dest);
}

void bp_flow_add_block(bp_flow *f, double height, double before, double after, bool keep,
                       bp_flow_draw_fn draw, void *ud) {
  felem *e = push(f, F_BLOCK);
  e->height = height;
  e->before = before;
  e->after = after;
  e->keep = keep;
  e->draw = draw;
  e->ud = ud;
}

void bp_flow_add_page_break(bp_flow *f) { push(f, F_BREAK); }

static double leading_of(const bp_text *t) {
  int n = bp_text_line_count(t);
  return n ? bp_text_height_pt(t) / n : 0;
}

/* Height the element needs at the foot of a page before it may start there. */
static double min_start(const felem *e) {
  if (e->kind == F_BLOCK) return e->height;
  if (e->kind != F_TEXT) return 0;
  int n = bp_text_line_count(e->t);
  int k = n <= 3 ? n : 2;
  return k * leading_of(e->t);
}

bp_status bp_flow_render(bp_flow *f, bp_typesetter *ts, bp_ctx *ctx, bp_dlist *dl,
                         const bp_style *footer_style, const char *footer_left) {
  const bp_page_geometry *g = &f->g;
  double top = g->margin_top_pt, bottom = g->height_pt - g->margin_bottom_pt;
  double x0 = g->margin_left_pt, width = g->width_pt - g->margin_left_pt - g->margin_right_pt;
  placement *pl = NULL;
  size_t n_pl = 0, cap_pl = 0;
  int page = 0;
  double y = top;
  const double eps = 0.001;
  for (size_t i = 0; i < f->n; i++) {
    felem *e = &f->v[i];
    if (e->kind == F_BREAK) {
      if (y > top) page++, y = top;
      continue;
    }
    double before = y > top ? e->before : 0;
    /* what must fit before this element may start on this page */
    double need = before + min_start(e);
    if (e->keep) {
      double all = e->kind == F_TEXT ? bp_text_height_pt(e->t) : e->height;
      need = before + all;
      for (size_t k = i + 1; k < f->n && f->v[k].kind != F_BREAK; k++) {
        need += e->after + f->v[k].before + min_start(&f->v[k]);
        if (!f->v[k].keep) break;
        e = &f->v[k];
      }
      e = &f->v[i];
    }
    if (y + need > bottom + eps && y > top) {
      page++;
      y = top;
      before = 0;
    }
    if (e->kind == F_BLOCK) {
      placement p = {i, page, 0, 0, y + before};
      BP_PUSH(pl, n_pl, cap_pl, p);
      y += before + e->height + e->after;
      continue;
    }
    int n = bp_text_line_count(e->t), line = 0;
    double lead = leading_of(e->t);
    while (line < n) {
      int avail = lead > 0 ? (int)floor((bottom - y - before + eps) / lead) : n;
      int rest = n - line, take = rest < avail ? rest : avail;
      if (take < rest) {
        if (rest - take < 2) take = rest - 2; /* no widow */
        if (take < 2) take = 0;               /* no orphan */
      }
      if (take <= 0) {
        if (y <= top + eps)
          take = avail > 0 ? (avail < rest ? avail : rest) : 1;
        else {
          page++;
          y = top;
          before = 0;
          continue;
        }
      }
      placement p = {i, page, line, take, y + before};
      BP_PUSH(pl, n_pl, cap_pl, p);
      y += before + take * lead;
      before = 0;
      line += take;
      if (line < n) {
        page++;
        y = top;
      }
    }
    y += e->after;
  }
  int n_pages = page + 1;
  f->n_pages = n_pages;
  size_t first_page = dl->n_pages;
  for (int p = 0; p < n_pages; p++) bp_dlist_add_page(dl, g->width_pt, g->height_pt);
  bp_ref_marks marks = {NULL, 0};
  bp_status st = BP_OK;
  for (size_t k = 0; k < n_pl && !st; k++) {
    placement *p = &pl[k];
    felem *e = &f->v[p->elem];
    bp_dl_page *pg = &dl->pages[first_page + (size_t)p->page];
    if (e->kind == F_BLOCK) {
      st = e->draw(e->ud, ctx, dl, pg, x0, p->y, width, e->height);
      continue;
    }
    if (p->first == 0) {
      if (e->dest) bp_dl_add_dest(pg, e->dest, p->y);
      if (e->outline_level >= 0)
        bp_dl_add_outline(pg, e->outline_level, e->outline_title ? e->outline_title : "", p->y);
      if (e->label) {
        bp_text_draw(e->label, dl, pg, x0, p->y);
        if (e->label_dest) {
          bp_dl_link l = {x0,   p->y,         bp_text_width_pt(e->label), leading_of(e->label),
                          NULL, e->label_dest};
          bp_dl_add_link(pg, &l);
        }
      }
    }
    bp_text_draw_linked(e->t, dl, pg, x0 + e->indent, p->y, p->first, p->count, &marks);
  }
  bp_ref_marks_free(&marks);
  free(pl);
  if (!st && g->footer_baseline_pt > 0 && footer_style) {
    for (int p = 0; p < n_pages && !st; p++) {
      bp_dl_page *pg = &dl->pages[first_page + (size_t)p];
      char num[64];
      snprintf(num, sizeof num, "%d / %d", p + 1, n_pages);
      double ytop = g->footer_baseline_pt - bp_style_first_baseline_pt(footer_style);
      st = bp_label_draw(ts, ctx, dl, pg, footer_style, num, 0, x0 + width, ytop, 1, 0);
      if (!st && footer_left)
        st =
            bp_label_draw(ts, ctx, dl, pg, footer_style, footer_left, width * 0.75, x0, ytop, 0, 0);
    }
  }
  return st;
}
