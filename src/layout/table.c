/* table.c - tables (see table.h): column widths from fixed widths and
 * weights, every word checked against its column, cells wrapped and
 * aligned within their column, rows as tall as their tallest cell, thin
 * rules, all drawn into a header piece and a body piece that the flow pages
 * between rows. Does not page anything itself nor read any data. */
#include "table.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define RULE_HEAVY 0.6
#define RULE_THIN 0.4

bool bp_table_is_number(const char *s) {
  if (!s) return false;
  if (*s == '+' || *s == '-' || *s == '$')
    s++;
  else if (!strncmp(s, "\xE2\x88\x92", 3) || !strncmp(s, "\xE2\x82\xAC", 3)) /* − € */
    s += 3;
  bool digit = false;
  for (; *s; s++) {
    if (*s >= '0' && *s <= '9')
      digit = true;
    else if ((*s == ',' || *s == '.') && digit && s[1] >= '0' && s[1] <= '9')
      continue;
    else
      return digit && !strcmp(s, "%");
  }
  return digit;
}

/* The cell's spans (its own, or its text as one span) into *tmp. */
static const bp_spans *cell_spans(const bp_table_cell *c, bp_spans *tmp) {
  memset(tmp, 0, sizeof *tmp);
  if (c && c->spans) return c->spans;
  const char *s = c && c->text ? c->text : "";
  bp_spans_add_text(tmp, s, strlen(s), 0, NULL);
  return tmp;
}

/* The cell's words as plain text (for the number test and the word check). */
static char *cell_plain(const bp_table_cell *c) {
  if (!c || !c->spans) return bp_strdup(c && c->text ? c->text : "");
  bp_buf b = {0};
  for (size_t i = 0; i < c->spans->n; i++)
    if (c->spans->v[i].kind == BP_SPAN_TEXT) bp_buf_puts(&b, c->spans->v[i].text);
  return b.data ? bp_buf_detach(&b) : bp_strdup("");
}

/* The widest word of `s` (words: between spaces) in `style`: its width
 * into *most and, when wider than *most was, the word into *word (owned). */
static bp_status widest_word(bp_typesetter *ts, bp_ctx *ctx, const bp_style *style, const char *s,
                             double *most, char **word) {
  char *copy = bp_strdup(s ? s : ""), *save = NULL;
  bp_status st = BP_OK;
  for (char *w = strtok_r(copy, " \t\n", &save); w && !st; w = strtok_r(NULL, " \t\n", &save)) {
    double ww = 0;
    st = bp_label_measure(ts, ctx, style, w, 0, &ww, NULL);
    if (!st && ww > *most) {
      *most = ww;
      free(*word);
      /* as a message shows it: a long word's first 40 characters */
      bp_buf b = {0};
      if (g_utf8_strlen(w, -1) > 40) {
        bp_buf_put(&b, w, (size_t)(g_utf8_offset_to_pointer(w, 40) - w));
        bp_buf_puts(&b, "\u2026");
      } else {
        bp_buf_puts(&b, w);
      }
      *word = bp_buf_detach(&b);
    }
  }
  free(copy);
  return st;
}

/* Column c's alignment: AUTO is right when every non-empty cell is a number. */
static bp_align column_align(const bp_table_column *col, char **plain, size_t n_rows, size_t n_cols,
                             size_t c) {
  switch (col->align) {
  case BP_TABLE_LEFT: return BP_ALIGN_LEFT;
  case BP_TABLE_CENTER: return BP_ALIGN_CENTER;
  case BP_TABLE_RIGHT: return BP_ALIGN_RIGHT;
  case BP_TABLE_AUTO: break;
  }
  bool any = false;
  for (size_t r = 0; r < n_rows; r++) {
    const char *s = plain[r * n_cols + c];
    if (!*s) continue;
    if (!bp_table_is_number(s)) return BP_ALIGN_LEFT;
    any = true;
  }
  return any ? BP_ALIGN_RIGHT : BP_ALIGN_LEFT;
}

typedef struct grid {
  bp_typesetter *ts;
  bp_ctx *ctx;
  const bp_table_style *st;
  size_t n_cols;
  double *x, *tw; /* each column's text: left edge, width */
  bp_align *align;
  bp_cite_marks marks;
} grid;

/* Lays out one row of cells in `style` and draws it into piece p at y: its
 * height (0 with the error in ctx and *bad the column). The row is a TR
 * element of the piece, each cell a TH heading its column (the header row)
 * or a TD, empty cells too. */
static double row(grid *g, const bp_style *style, const bp_table_cell *cells,
                  const char *const *headers, bp_piece *p, double y, bp_ref_marks *marks,
                  size_t *bad) {
  bp_text **t = bp_calloc(g->n_cols, sizeof *t);
  double h = 0;
  for (size_t c = 0; c < g->n_cols; c++) {
    bp_table_cell hc = {headers ? headers[c] : NULL, NULL};
    const bp_table_cell *cell = headers ? &hc : &cells[c];
    bp_style s = *style;
    s.align = g->align[c];
    s.indent_pt = 0;
    bp_spans tmp;
    const bp_spans *sp = cell_spans(cell, &tmp);
    t[c] = bp_text_new_spans(g->ts, g->ctx, &s, sp, &g->marks, g->tw[c]);
    bp_spans_free(&tmp);
    if (!t[c]) {
      *bad = c;
      h = 0;
      break;
    }
    if (bp_text_height_pt(t[c]) > h) h = bp_text_height_pt(t[c]);
  }
  bp_dl_page *pg = &p->dl->pages[0];
  int was = pg->node, tr = h > 0 ? bp_dlist_add_node(p->dl, BP_ROLE_TR, -1) : -1;
  for (size_t c = 0; h > 0 && c < g->n_cols; c++) {
    pg->node = bp_dlist_add_node(p->dl, headers ? BP_ROLE_TH : BP_ROLE_TD, tr);
    if (headers) p->dl->nodes[pg->node].scope = BP_SCOPE_COLUMN;
    bp_text_draw_linked(t[c], p->dl, pg, g->x[c], y + g->st->row_pad_pt, 0,
                        bp_text_line_count(t[c]), marks);
    bp_text_preflight(t[c], g->tw[c], &p->pf);
  }
  pg->node = was;
  for (size_t c = 0; c < g->n_cols; c++) bp_text_free(t[c]);
  free(t);
  return h > 0 ? h + 2 * g->st->row_pad_pt : 0;
}

/* A rule of thickness `th` centred on y (its path starts at y - th / 2, so
 * a rule between two rows goes with the row above it when pages break). */
static void rule(bp_piece *p, double y, double th, bp_color c) {
  bp_flow_fill_rect(&p->dl->pages[0], 0, y - th / 2, p->w, th, c);
}

/* Each column's widest word (its header's in the header style, its cells'
 * in the cell style) plus its padding: the least width its text can have
 * (into min[c]; its word into word[c], owned). */
static bp_status min_widths(bp_typesetter *ts, bp_ctx *ctx, const bp_table_column *cols, size_t n,
                            char **plain, size_t n_rows, const bp_table_style *st, double *min,
                            char **word) {
  bp_status status = BP_OK;
  for (size_t c = 0; c < n && !status; c++) {
    bp_style hs = *st->head, cs = *st->cell;
    hs.indent_pt = cs.indent_pt = 0;
    double most = 0;
    status = widest_word(ts, ctx, &hs, cols[c].header, &most, &word[c]);
    for (size_t r = 0; r < n_rows && !status; r++)
      status = widest_word(ts, ctx, &cs, plain[r * n + c], &most, &word[c]);
    min[c] = most + (c ? st->pad_pt : 0) + (c + 1 < n ? st->pad_pt : 0);
  }
  return status;
}

/* The column widths: fixed ones as given; the rest share what those leave
 * by weight, except that a column never gets less than its widest word
 * (min[c]): such a column gets that (and half a point, for rounding), and
 * the others share what is left, again by weight, until every share holds
 * its words (as a browser's automatic table layout keeps a column's
 * min-content width). *bad gets the column that does not fit. */
static bp_status widths(bp_ctx *ctx, const bp_table_column *cols, size_t n, double width,
                        double pad, const double *min, char *const *word, double *w, size_t *bad) {
  double fixed = 0;
  bool *pinned = bp_calloc(n + 1, sizeof *pinned);
  for (size_t c = 0; c < n; c++)
    if (cols[c].width_pt > 0) {
      w[c] = cols[c].width_pt;
      fixed += w[c];
      pinned[c] = true;
    }
  bp_status st = BP_OK;
  if (width - fixed < -0.01) {
    st = bp_error(ctx, BP_ERR_LAYOUT,
                  "the columns' widths add up to %.1f pt: the table is %.1f pt wide", fixed, width);
    *bad = n;
  }
  for (size_t c = 0; c < n && !st; c++)
    if (cols[c].width_pt > 0 && min[c] > w[c] + 0.01) {
      double pads = (c ? pad : 0) + (c + 1 < n ? pad : 0);
      st = bp_error(ctx, BP_ERR_LAYOUT,
                    "\"%s\" is %.1f pt wide: more than the %.1f pt the column leaves its text",
                    word[c] ? word[c] : "", min[c] - pads, w[c] - pads);
      *bad = c;
    }
  for (bool again = !st; again;) {
    again = false;
    double rest = width, weights = 0;
    for (size_t c = 0; c < n; c++)
      if (pinned[c])
        rest -= w[c];
      else
        weights += cols[c].weight > 0 ? cols[c].weight : 1;
    for (size_t c = 0; c < n && weights > 0; c++) {
      if (pinned[c]) continue;
      w[c] = rest * (cols[c].weight > 0 ? cols[c].weight : 1) / weights;
      if (w[c] < min[c] + 0.01) { /* holds its words only at its own least width */
        w[c] = min[c] + 0.5;
        pinned[c] = again = true;
      }
    }
  }
  double sum = 0;
  for (size_t c = 0; c < n; c++) sum += w[c];
  if (!st && sum > width + 0.01) {
    bp_buf b = {0};
    size_t widest = n;
    for (size_t c = 0; c < n; c++) {
      if (cols[c].width_pt > 0) {
        bp_buf_printf(&b, "%s%.1f pt fixed", b.len ? ", " : "", w[c]);
        continue;
      }
      bp_buf_printf(&b, "%s\"%s\" %.1f pt", b.len ? ", " : "", word[c] ? word[c] : "", min[c]);
      if (widest == n || min[c] > min[widest]) widest = c;
    }
    st = bp_error(ctx, BP_ERR_LAYOUT,
                  "the columns need %.1f pt side by side for their longest words (%s): the "
                  "table is %.1f pt wide",
                  sum, b.data ? b.data : "", width);
    bp_buf_free(&b);
    *bad = widest;
  }
  free(pinned);
  return st;
}

bp_status bp_table_layout(bp_typesetter *ts, bp_ctx *ctx, const bp_table_column *cols,
                          size_t n_cols, const bp_table_cell *cells, size_t n_rows,
                          const bp_table_style *st, double width_pt, size_t *bad_col,
                          double **col_x, bp_piece **head, bp_piece **body) {
  *head = *body = NULL;
  if (col_x) *col_x = NULL;
  size_t bad = n_cols;
  double *w = bp_calloc(n_cols + 1, sizeof *w), *x = bp_calloc(n_cols + 1, sizeof *x);
  grid g = {ts,
            ctx,
            st,
            n_cols,
            bp_calloc(n_cols + 1, sizeof(double)),
            bp_calloc(n_cols + 1, sizeof(double)),
            bp_calloc(n_cols + 1, sizeof(bp_align)),
            {st->numberer, st->ud, false}};
  char **plain = bp_calloc(n_rows * n_cols + 1, sizeof *plain);
  for (size_t i = 0; i < n_rows * n_cols; i++) plain[i] = cell_plain(&cells[i]);
  double *min = bp_calloc(n_cols + 1, sizeof *min);
  char **word = bp_calloc(n_cols + 1, sizeof *word);
  bp_status status = min_widths(ts, ctx, cols, n_cols, plain, n_rows, st, min, word);
  if (!status) status = widths(ctx, cols, n_cols, width_pt, st->pad_pt, min, word, w, &bad);
  for (size_t c = 0; c < n_cols; c++) free(word[c]);
  free(word);
  free(min);
  for (size_t c = 0; c < n_cols && !status; c++) {
    x[c + 1] = x[c] + w[c];
    double left = c ? st->pad_pt : 0, right = c + 1 < n_cols ? st->pad_pt : 0;
    g.x[c] = x[c] + left;
    g.tw[c] = w[c] - left - right;
    g.align[c] = column_align(&cols[c], plain, n_rows, n_cols, c);
    if (g.tw[c] < 1) {
      bad = c;
      status =
          bp_error(ctx, BP_ERR_LAYOUT, "the column is %.1f pt wide: no room for its text", w[c]);
    }
  }
  const char **hdr = bp_calloc(n_cols + 1, sizeof *hdr);
  for (size_t c = 0; c < n_cols; c++) hdr[c] = cols[c].header;
  /* the header row: drawn into a scratch piece first, as its height is
   * known only once it is laid out */
  bp_ref_marks marks = {NULL, 0};
  bp_piece *hp = bp_piece_new(width_pt, 1), *bp = NULL;
  double hh = status ? 0 : row(&g, st->head, NULL, hdr, hp, RULE_HEAVY, &marks, &bad);
  if (!status && hh <= 0) status = ctx->status ? ctx->status : BP_ERR_LAYOUT;
  if (!status) {
    hp->h = hh + 2 * RULE_HEAVY;
    hp->dl->pages[0].height_pt = hp->h;
    rule(hp, RULE_HEAVY / 2, RULE_HEAVY, st->rule);
    rule(hp, hp->h - RULE_HEAVY / 2, RULE_HEAVY, st->rule);
    bp = bp_piece_new(width_pt, 1);
    bp->lines = bp_calloc(n_rows + 1, sizeof *bp->lines);
  }
  double y = 0;
  for (size_t r = 0; bp && r < n_rows && !status; r++) {
    if (r) rule(bp, y, RULE_THIN, st->rule);
    double rh = row(&g, st->cell, &cells[r * n_cols], NULL, bp, y, &marks, &bad);
    if (rh <= 0) status = ctx->status ? ctx->status : BP_ERR_LAYOUT;
    y += rh;
    bp->lines[bp->n_lines++] = y;
  }
  if (bp && !status) {
    bp->h = y + RULE_HEAVY;
    bp->lines[n_rows ? n_rows - 1 : 0] = bp->h;
    bp->dl->pages[0].height_pt = bp->h > 0 ? bp->h : 1;
    rule(bp, y + RULE_HEAVY / 2, RULE_HEAVY, st->rule);
  }
  bp_ref_marks_free(&marks);
  for (size_t i = 0; i < n_rows * n_cols; i++) free(plain[i]);
  free(plain);
  free(hdr);
  free(g.x), free(g.tw), free(g.align), free(w);
  if (bad_col) *bad_col = bad;
  if (status) {
    bp_piece_unref(hp);
    bp_piece_unref(bp);
    free(x);
    return status;
  }
  *head = hp, *body = bp;
  if (col_x)
    *col_x = x;
  else
    free(x);
  return BP_OK;
}

bp_flow_elem *bp_flow_push_table(bp_flow *f, const bp_piece *head, const bp_piece *body,
                                 double before, double after) {
  bp_flow_elem *el = bp_flow_push(f, BP_FLOW_TABLE, 0, before, after, false);
  bp_flow_place_in(el, head, 0, 0);
  bp_flow_place_in(el, body, 0, head->h);
  el->split = 1; /* line_cut reads the body's rows */
  return el;
}

/* Characters of a text (UTF-8). */
static size_t n_chars(const char *s) {
  size_t n = 0;
  for (; s && *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

bp_table_cell *bp_table_of_doc(const bp_doc_table *t, bp_table_column **cols) {
  *cols = bp_calloc(t->n_cols + 1, sizeof **cols);
  bp_table_cell *cells = bp_calloc(t->n_cols * t->n_rows + 1, sizeof *cells);
  for (size_t c = 0; c < t->n_cols; c++) {
    /* a column's share: its longest text (as a browser sets a table) */
    size_t most = n_chars(t->headers[c]);
    for (size_t r = 0; r < t->n_rows; r++) {
      const bp_spans *sp = &t->cells[r * t->n_cols + c];
      size_t n = sp->n; /* a marker is about a character */
      for (size_t k = 0; k < sp->n; k++) n += n_chars(sp->v[k].text);
      if (n > most) most = n;
    }
    (*cols)[c] = (bp_table_column){t->headers[c], (bp_table_align)t->align[c], 0,
                                   most < 3 ? 3.0 : (double)most};
  }
  for (size_t i = 0; i < t->n_cols * t->n_rows; i++) cells[i].spans = &t->cells[i];
  return cells;
}
