/* table.h - a table laid out for the flow (flow.h): a header row and rows
 * of cells, each cell's text wrapped within its column, between thin rules.
 * The table becomes two pieces, its header row and its body (whose "lines"
 * are the bottoms of its rows), that a BP_FLOW_TABLE element pages between
 * rows, repeating the header at the top of every page the table continues
 * on. Knows nothing of records, templates or Markdown: cells are plain
 * strings (or inline spans), columns a header, an alignment and a width
 * (bp_table_of_doc makes them from the document model's table). */
#ifndef BP_TABLE_H
#define BP_TABLE_H

#include "flow.h"

typedef enum bp_table_align {
  BP_TABLE_AUTO, /* right when every non-empty cell of the column is a number, else left */
  BP_TABLE_LEFT,
  BP_TABLE_CENTER,
  BP_TABLE_RIGHT
} bp_table_align;

typedef struct bp_table_column {
  const char *header; /* the header cell (plain text; NULL: empty) */
  bp_table_align align;
  double width_pt; /* > 0: this width, its padding included */
  double weight;   /* else: a share, by weight (<= 0: 1), of what fixed columns leave */
} bp_table_column;

/** A cell: plain text (no markup: a '*' stays a '*'), or spans (emphasis,
 * links, citations as endnote markers) when `spans` is set. Both NULL:
 * empty. */
typedef struct bp_table_cell {
  const char *text;
  const bp_spans *spans;
} bp_table_cell;

typedef struct bp_table_style {
  const bp_style *head;      /* the header row's cells */
  const bp_style *cell;      /* the body's cells (the column's alignment replaces theirs) */
  bp_color rule;             /* the rules: 0.6 pt above and below the header and under the
                                last row, 0.4 pt between rows */
  double pad_pt;             /* space on each side of a cell facing another column */
  double row_pad_pt;         /* space above and below a cell's text */
  bp_cite_numberer numberer; /* for citations in spans (may be NULL without any) */
  void *ud;
} bp_table_style;

/** Lays out a table of `n_rows` rows of `n_cols` cells (`cells` row by
 * row) `width_pt` wide. *head gets the header row (top rule, header cells,
 * the rule under them), *body the rows (p->lines: the bottom of each row;
 * the rule under the last row included), one reference each. In both, each
 * cell is drawn as its own text run(s), cells in row order and, within a
 * row, in column order, and each cell's runs start at or right of its
 * column's left edge x_pt[c] (*col_x, owned, n_cols + 1 edges, may be
 * NULL). Fails with BP_ERR_LAYOUT when the widths leave a column no room,
 * or a word of a cell is wider than its column's text (*bad_col: that
 * column; may be NULL), and as bp_text_new_spans fails. Nothing is drawn
 * outside `width_pt`. */
bp_status bp_table_layout(bp_typesetter *ts, bp_ctx *ctx, const bp_table_column *cols,
                          size_t n_cols, const bp_table_cell *cells, size_t n_rows,
                          const bp_table_style *st, double width_pt, size_t *bad_col,
                          double **col_x, bp_piece **head, bp_piece **body);

/** Pushes a table element: `head` above `body` (borrowed: they must live
 * until the flow is drawn). It may break between rows (never a header with
 * no row under it) and repeats `head` on each page it continues on. */
bp_flow_elem *bp_flow_push_table(bp_flow *f, const bp_piece *head, const bp_piece *body,
                                 double before, double after);

/** A document's table (model/doc.h: a Markdown pipe table) as columns and
 * cells for bp_table_layout: returns the n_rows * n_cols cells and sets
 * *cols to the n_cols columns (both owned: free them; they borrow t's
 * strings and spans; each column's share of the width is its longest
 * text's length). */
bp_table_cell *bp_table_of_doc(const bp_doc_table *t, bp_table_column **cols);

/** True when `s` reads as a number: digits with ',' or '.' separators, an
 * optional sign (+, -, U+2212) or currency sign before, '%' after. */
bool bp_table_is_number(const char *s);

#endif
