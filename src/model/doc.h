/* doc.h - the document model: what a brief or an article says, before any
 * layout. Blocks (headings, paragraphs, lists, charts, endnotes...) hold
 * inline spans (text with bold/italic/superscript, links, citations). The
 * data layer builds it (Markdown via cmark, briefs from claims); layout
 * turns it into a display list. Nothing here knows fonts or pages. */
#ifndef BP_DOC_H
#define BP_DOC_H

#include "../core/bp.h"

enum {
  BP_SPAN_BOLD = 1 << 0,
  BP_SPAN_ITALIC = 1 << 1,
  BP_SPAN_SUPER = 1 << 2,
  BP_SPAN_CODE = 1 << 3
};

typedef enum bp_span_kind {
  BP_SPAN_TEXT, /* text, possibly a link (uri != NULL) */
  BP_SPAN_CITE, /* a citation: one or more citation ids, rendered as endnote markers */
  BP_SPAN_BREAK /* a hard line break */
} bp_span_kind;

typedef struct bp_span {
  bp_span_kind kind;
  unsigned flags;  /* BP_SPAN_* style bits */
  char *text;      /* UTF-8 (TEXT) */
  char *uri;       /* external link target (TEXT), or NULL */
  char **cite_ids; /* CITE: ids without '@' (a checked alias: the work's own id) */
  size_t n_cite;
  int line, col; /* where in the source file it came from (1-based; 0 = unknown) */
} bp_span;

typedef struct bp_spans {
  bp_span *v;
  size_t n, cap;
} bp_spans;

typedef enum bp_block_kind {
  BP_BLOCK_HEADING,   /* level 1..3, spans */
  BP_BLOCK_PARA,      /* spans */
  BP_BLOCK_LIST_ITEM, /* a bullet or numbered item: spans, level, number (0 = bullet) */
  BP_BLOCK_QUOTE,     /* block quote paragraph: spans */
  BP_BLOCK_RULE,      /* thematic break */
  BP_BLOCK_CHART,     /* a chart: `ref` names a chart spec the composer resolves */
  BP_BLOCK_ENDNOTES,  /* where the endnotes go (the composer fills them) */
  BP_BLOCK_TABLE      /* a table: `table` */
} bp_block_kind;

/** A table (a Markdown pipe table): a header row of plain texts over rows
 * of cells. Alignments are 0 (automatic: numbers right), 1 left, 2 centre,
 * 3 right, in the order of the layout's bp_table_align. */
typedef struct bp_doc_table {
  size_t n_cols, n_rows; /* n_rows: the rows under the header (at least one) */
  char **headers;        /* n_cols plain texts */
  int *align;            /* n_cols */
  bp_spans *cells;       /* n_rows * n_cols, row by row */
} bp_doc_table;

typedef struct bp_block {
  bp_block_kind kind;
  int level;  /* heading level, list nesting */
  int number; /* ordered-list number, 0 for bullets */
  bp_spans spans;
  char *ref;           /* chart reference, or NULL */
  bp_doc_table *table; /* BP_BLOCK_TABLE's, owned */
  int line;            /* source line (1-based; 0 = unknown) */
} bp_block;

/** A footnote of the text (`[^1]`), cited where it is referenced by a
 * citation span of the id `id` ("^" + its number + "@" + the file: never a
 * citation id). */
typedef struct bp_doc_note {
  char *id;
  bp_spans spans; /* its text */
  int line;       /* where it is defined */
} bp_doc_note;

/** A whole document: metadata plus blocks. Owns all its strings. */
typedef struct bp_doc {
  char *title, *subtitle, *author, *date, *lang, *subject, *keywords;
  char *source_path; /* file the body came from, for error messages */
  /* a Markdown article on its own: its front matter's "bibliography" and
   * "template" (relative to the file), NULL when not given */
  char *bibliography, *template_name;
  bp_block *blocks;
  size_t n_blocks, cap_blocks;
  bp_doc_note *notes; /* footnotes, in the order of their first reference */
  size_t n_notes, cap_notes;
} bp_doc;

bp_doc *bp_doc_new(void);
void bp_doc_free(bp_doc *doc);
/** Appends a block (zeroed, with kind set) and returns it (borrowed, valid
 * until the next append). */
bp_block *bp_doc_add_block(bp_doc *doc, bp_block_kind kind);
/** Appends a text span (copies text and uri). */
bp_span *bp_spans_add_text(bp_spans *s, const char *text, size_t len, unsigned flags,
                           const char *uri);
/** Appends a citation span (copies ids). */
bp_span *bp_spans_add_cite(bp_spans *s, const char *const *ids, size_t n);
BP_HOST_API void bp_spans_free(bp_spans *s);
/** Appends a copy of every span of `src` to `dst`. */
void bp_spans_append(bp_spans *dst, const bp_spans *src);
void bp_doc_table_free(bp_doc_table *t);
/** A text that tells span lists apart: their kinds, flags, texts, links and
 * citation ids (a cache key). Caller frees. */
char *bp_spans_key(const bp_spans *sp);

#endif
