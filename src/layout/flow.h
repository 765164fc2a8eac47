/* flow.h - pagination of drawn pieces. A piece is something laid out and
 * drawn once (a text, a chart, an image): a one-page display list with its
 * top-left at the origin, plus the bottoms of its lines when it is a text.
 * A flow stacks elements - blocks of pieces placed together, rules, and
 * items set in balanced columns, tables - and pages them: a block moves
 * whole to the next page unless its text may break between lines (at least
 * two lines at the foot of a page and two at the head of the next),
 * elements kept with the next move with it, columns continue on the next
 * page, and tables break between rows under their repeated header.
 * Drawing replays each piece's items (or the lines that fall on a page)
 * with an offset. Knows nothing of where the pieces came from. */
#ifndef BP_FLOW_H
#define BP_FLOW_H

#include "layout.h"

typedef struct bp_piece {
  bp_dlist *dl; /* page 0 holds the items, top-left at (0, 0) */
  double w, h;
  double *lines; /* bottom of each line (texts); NULL: never split */
  int n_lines;
  bp_preflight pf; /* what the preflight found in its text */
  int refs;        /* atomic: pieces may be shared between threads */
  /* A piece drawn when first replayed (bp_piece_set_lazy): what draws its
   * items into dl, and what frees `data` then or with the piece. */
  void (*draw)(struct bp_piece *p, void *data);
  void (*drop)(void *data);
  void *data;
} bp_piece;

/** A new empty piece of w x h (one reference). */
bp_piece *bp_piece_new(double w, double h);
/** A text drawn as a piece, with its lines and preflight (one reference). */
bp_piece *bp_piece_of_text(const bp_text *t);
/** The same, drawn only when first replayed (bp_piece_drawn): the piece
 * takes `t` (freed when drawn, or with the piece). Its size, lines and
 * preflight are there at once. Not for a piece another thread may replay
 * first: the drawing is not locked, and needs t's typesetter alive. */
bp_piece *bp_piece_of_text_lazy(bp_text *t);
/** Makes `p` draw its items with draw(p, data) when first replayed; `drop`
 * (may be NULL) frees data once drawn or with the piece. Same caveat. */
void bp_piece_set_lazy(bp_piece *p, void (*draw)(bp_piece *p, void *data), void (*drop)(void *data),
                       void *data);
/** Draws a lazy piece's items now (nothing when drawn already); returns p. */
const bp_piece *bp_piece_drawn(const bp_piece *p);
void bp_piece_ref(bp_piece *p);
void bp_piece_unref(bp_piece *p);
/** Bytes the piece holds (for caches). */
size_t bp_piece_bytes(const bp_piece *p);

typedef struct bp_flow_place {
  const bp_piece *p;
  double dx, dy;
  bp_role role; /* its structure element (NONE: see bp_flow_elem's role) */
} bp_flow_place;

/* BP_FLOW_TABLE: a block of two places, a table's header row and its body
 * (table.h), that breaks between the body's rows and repeats the header. */
typedef enum { BP_FLOW_BLOCK, BP_FLOW_RULE, BP_FLOW_COLUMNS, BP_FLOW_TABLE } bp_flow_kind;

typedef struct bp_flow_elem {
  bp_flow_kind kind;
  double h, before, after;
  bool keep; /* with the next element */
  bp_flow_place *pl;
  size_t n_pl;
  int split;              /* a block: the place whose lines may break across pages, or -1 */
  bp_color color;         /* a rule's; a block's background when color.a > 0 */
  bool band;              /* a block: its background runs across the page, edge to edge */
  double share;           /* a rule: that share of the width, centred (0: all) */
  const bp_piece **items; /* columns: owned array of borrowed pieces */
  size_t n_items;
  int cols;
  double col_w, gap;
  int level; /* a bookmark at the top when >= 0 */
  char *outline;
  int tag; /* the caller's (e.g. the section it came from) */
  /* Structure (tagged PDF). A block with a bookmark level is a heading
   * (level 0: H1); else `role` is the block's element (NONE: none), whose
   * places are elements of their own roles, P when neither says. Columns:
   * each item is an element of `role` (NONE: P). Consecutive elements of
   * one tag with a `group` role (L, Table) are its children; in a Table,
   * LI, Lbl and LBody are TR, TH and TD. Rules and backgrounds are page
   * furniture (artifacts); so is what pieces mark so themselves. */
  bp_role role, group;
} bp_flow_elem;

typedef struct bp_flow {
  double x0, width, top, bottom, column_gap;
  bp_flow_elem *v;
  size_t n, cap;
  /* scratch for replays */
  bp_dl_cluster *cl;
  bp_dl_glyph *gl;
  bp_path_seg *sg;
  int *fonts;
  int *map; /* a piece's structure nodes -> the page's */
  size_t cap_cl, cap_gl, cap_sg, cap_fonts, cap_map;
} bp_flow;

/** Where an element (or part of it) went: a block's part [from, to) in its
 * own coordinates, or columns' items [first, first+count) with the right
 * column from `split`. */
typedef struct bp_flow_placed {
  size_t elem;
  int page;
  double y, from, to;
  size_t first, count, split;
} bp_flow_placed;

/** Adds an element (tag, level -1, split -1). The pointer is valid until
 * the next push. */
bp_flow_elem *bp_flow_push(bp_flow *f, bp_flow_kind kind, double h, double before, double after,
                           bool keep);
/** Places a piece in a block, growing it to hold the piece. */
void bp_flow_place_in(bp_flow_elem *el, const bp_piece *p, double dx, double dy);
/** The element's height on one page of any length (columns: balanced). */
double bp_flow_elem_height(const bp_flow_elem *el);
/** Drops every element (keeps the flow's scratch for reuse). */
void bp_flow_clear(bp_flow *f);
/** Drops everything. */
void bp_flow_free(bp_flow *f);
/** Pages the elements; *pages gets the count. Caller frees the array. */
bp_flow_placed *bp_flow_paginate(const bp_flow *f, size_t *n, int *pages);
/** Draws what was placed onto dl's pages (pl[i].page indexes dl->pages). */
void bp_flow_draw(bp_flow *f, bp_dlist *dl, const bp_flow_placed *pl, size_t n);
/** Fills the rectangle (points, top-left origin) in `color`, as page
 * furniture. A side at or past the page's edge runs on into the page's
 * bleed (pg->bleed_pt), so the printer's trim never leaves a white hair. */
void bp_flow_fill_rect(bp_dl_page *pg, double x, double y, double w, double h, bp_color color);
/** Copies the piece's items that lie in [from, to) of it onto a page,
 * moved by (dx, dy) (the whole piece: -INFINITY, INFINITY). The piece's
 * structure nodes are copied under the page's current node (pg->node),
 * which its untagged items join. */
void bp_flow_replay(bp_flow *f, const bp_piece *p, bp_dlist *dl, bp_dl_page *pg, double dx,
                    double dy, double from, double to);

#endif
