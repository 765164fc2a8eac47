/* compose-imp.h - the one composer, private to src/compose. engine.c holds
 * the drawn pieces and their cache, the stack of elements, pagination, the
 * fit loop and drawing; sections.c the table of section kinds; bind.c what
 * sections read (a brief, an article or a record: one binding); charts.c
 * chart points from the data set; common.c endnote numbering. */
#ifndef BP_COMPOSE_IMP_H
#define BP_COMPOSE_IMP_H

#include "compose.h"
#include "../csl/csl.h"
#include "../layout/chart.h"
#include "../layout/table.h"

/* ---- endnote numbering, texts (common.c) --------------------------------- */

/** Endnote numbers in order of first citation; a source cited twice keeps
 * its number. */
typedef struct bp__numbering {
  char **ids; /* owned copies, each a work's own id (an alias resolved) */
  size_t n, cap;
  const bp_bib *bib; /* resolves aliases; may be NULL */
} bp__numbering;

/** The number of `id`, giving it the next one on first sight (a
 * bp_cite_numberer: pass the numbering as `ud`). */
int bp__number_of(void *ud, const char *id);
void bp__numbering_clear(bp__numbering *nb);
void bp__numbering_free(bp__numbering *nb);

/* ---- bindings (bind.c) ----------------------------------------------------- */

typedef enum { BP__BRIEF, BP__ARTICLE, BP__RECORD } bp__bind_kind;

/** What a document's sections read: one brief, one article or one record
 * of a records table, with the data set behind it. */
typedef struct bp__binding {
  bp__bind_kind kind;
  const char *path; /* the input named in messages */
  const bp_dataset *ds;
  const bp_bib *bib;
  const bp_brief *brief;
  const bp_article *article;
  const bp_records *rec;
  size_t row;
  json_t *charts;       /* brief: an array; article: an object by name */
  char *doc_title;      /* owned, as the rest below */
  char *masthead_right; /* brief: "Series  ·  No. 12  ·  April 2024" */
  char *date_text;      /* article: its date as the template prints it */
  bp_dataset *own_ds;   /* article: the data set its charts come from */
  bp_jdoc *own_jd;      /* article: its manifest */
} bp__binding;

/** The value of {name} in a pattern (NULL: unknown; "" : empty). Besides
 * the binding's own fields: "masthead_left", "masthead_right", "id". */
const char *bp__field(const bp__binding *b, const bp_template *t, const char *name);
/** Expands a pattern: a string with {field}s, or an array of them joined by
 * "  ·  " with the empty ones left out. NULL when a string pattern names an
 * empty field or the result is empty (the text is skipped). Caller frees. */
char *bp__expand(const bp__binding *b, const bp_template *t, json_t *pattern);
/** The same for a pattern given as C text. */
char *bp__expand_str(const bp__binding *b, const bp_template *t, const char *pattern);
/** The document's metadata (strings borrowed from the binding). */
void bp__binding_meta(const bp__binding *b, const bp_template *t, bp_dl_meta *m);
void bp__binding_free(bp__binding *b);

/* ---- the engine (engine.c) ------------------------------------------------------ */

/* The body styles the fit loop scales, unless the template names its own. */
#define BP__N_FIT 8

/* The endnotes' spans as the CSL style rendered them for a list of cited
 * ids: every attempt of the fit cites the same sources in the same order,
 * and rendering them was 8.7 M instructions per attempt in the brief. */
typedef struct bp__notes_kept {
  const void *style; /* the bp_csl_style they were rendered with */
  int renders;       /* how many times they were rendered */
  bp__numbering ids; /* the cited ids, in order */
  bp_spans *sp;      /* one per id */
  char **keys;       /* bp_spans_key of each */
} bp__notes_kept;

typedef struct bp__engine {
  bp_ctx *ctx;
  bp_typesetter *ts;
  const bp_template *t;
  const bp__binding *b;
  bp_profile_cache *cache;
  bool lazy;       /* texts and notes drawn only when replayed: the cache is this engine's own */
  bp_piece **held; /* references held until the end */
  size_t n_held, cap_held;
  bp__numbering nb;
  bp_cite_marks marks; /* the markers: numbers from nb, collapsed as the notes' style says */
  double width, x0, top, bottom;
  const char *field; /* what is being laid out, for messages */
  char field_buf[64];
  bp_flow flow;    /* the stack; element tags are section indexes */
  size_t notes_at; /* the endnotes' element, or SIZE_MAX */
  int section;     /* the section being built */
  double scale, ratio;
  const char *fit_names[BP__N_FIT];
  bp_style fitted[BP__N_FIT];
  size_t n_fit;
  bp_preflight pf;
  bp_profile_info *info;
  size_t n_warn0;
  bp__notes_kept notes; /* the endnotes' text, kept from one attempt of the fit to the next */
  int attempts;         /* layouts built by the fit */
  bool estimate;        /* laying out the fit's estimate: nothing cached, charts and images empty */
  int estimates;        /* estimates the fit laid out */
} bp__engine;

/** The style `name` as the fit has scaled it. */
const bp_style *bp__style(const bp__engine *e, const char *name);
/** Plain text (no markup) in `style`, wrapped at `width` (<= 0: no wrap). */
const bp_piece *bp__plain(bp__engine *e, const char *style, const char *text, double width);
/** Inline markup (citations become numbered endnote markers). */
const bp_piece *bp__markup(bp__engine *e, const char *style, const char *markup, double width);
/** Spans; `what` names them in the cache key (their markup or text). */
const bp_piece *bp__spans(bp__engine *e, const char *style, const char *what, const bp_spans *sp,
                          double width);
/** A chart drawn in a w x h box. */
const bp_piece *bp__chart(bp__engine *e, const bp_chart_spec *spec, double w, double h);
/** Endnote `n`: its number `label` hanging beside `text` at `indent`,
 * linking back to "ref-n", with the destination "note-n" at its top. */
const bp_piece *bp__note(bp__engine *e, const bp_piece *label, const bp_piece *text, double indent,
                         int n);
/** Pushes a table across the measure (layout/table.h) in the styles
 * "label" (header) and "value" (cells), rules in the palette's rule colour.
 * The error in ctx otherwise (*bad_col: the column too narrow, else
 * n_cols). */
bp_status bp__table(bp__engine *e, const bp_table_column *cols, size_t n_cols,
                    const bp_table_cell *cells, size_t n_rows, double before, size_t *bad_col);
/** An image drawn in a w x h box. */
const bp_piece *bp__image(bp__engine *e, const bp_image *img, double w, double h);

/** Adds what the preflight found in a piece to the document's (pieces in
 * blocks are added when placed). */
void bp__preflight_add(bp__engine *e, const bp_piece *p);
bp_flow_elem *bp__push(bp__engine *e, bp_flow_kind kind, double h, double before, double after,
                       bool keep);
/** Places a piece in a block (NULL: the error in ctx, returned). */
bp_status bp__place_in(bp__engine *e, bp_flow_elem *el, const bp_piece *p, double dx, double dy);
/** A block of one piece at `dx`, breakable between its lines. */
bp_status bp__block(bp__engine *e, const bp_piece *p, double dx, double before, double after,
                    bool keep);
/** A label hanging in the indent beside a text (list items, endnotes). */
bp_status bp__hanging(bp__engine *e, const bp_piece *label, const bp_piece *text, double indent,
                      double before, double after);
void bp__rule(bp__engine *e, double thickness, double before, double after, bp_color color,
              bool keep);
/** The section's heading: its "title", else the label (-1: none). */
bp_status bp__heading(bp__engine *e, const bp_tsection *s, int label);
/** Records a warning for the batch manifest (profiles). */
void bp__warn(bp__engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Prefixes the error in ctx with where it happened: the record and field,
 * or the input and section. Returns the status. */
bp_status bp__blame(bp__engine *e, const char *field);

/** Composes the template's sections over the binding into a display list:
 * the fit loop, pagination, running header and footer. */
bp_status bp__compose(bp__engine *e, long long epoch, bp_preflight *pf, bp_fit_report *fit,
                      bp_dlist **out);

/* ---- section kinds (sections.c) --------------------------------------------- */

typedef struct bp__section_kind {
  const char *name;
  const char *const *keys; /* beyond type, title, columns, height, space_before/after */
  bp_status (*check)(bp_ctx *ctx, const bp_template *t, const bp_tsection *s,
                     const bp__binding *b); /* may be NULL */
  bp_status (*build)(bp__engine *e, const bp_tsection *s);
  bp_role role; /* the element its elements make together (tagged PDF), or NONE */
} bp__section_kind;

/** The kind named `name`, or NULL. */
const bp__section_kind *bp__section_kind_of(const char *name);
/** Checks every section of `t` (known kind, keys, a title section, and
 * with a binding `b` that what it names exists in b's data). */
bp_status bp__sections_check(bp_ctx *ctx, const bp_template *t, const bp__binding *b);
/** Fills the endnotes element (after every section is built). */
bp_status bp__fill_notes(bp__engine *e, bp_flow_elem *el);
/** Frees what the engine kept of its notes (and empties it). */
void bp__notes_kept_free(bp__notes_kept *k);

/* ---- charts (charts.c) -------------------------------------------------------- */

/** A chart's points built from the data set, with the strings they borrow. */
typedef struct bp__chart_data {
  bp_chart_spec spec;
  bp_chart_point *pts;
  char **labels;
  size_t n, cap;
  char *source_text, *source_dest, *title;
  bp_chart_colors colors;
  bp_color data_colors[BP_CHART_MAX_COLORS];
  const char *source_id;         /* the citation of the data (borrowed) */
  const bp_csl_item **row_items; /* the rows' own sources, distinct, in row order */
  size_t n_row_items, cap_row_items;
  double weight;
} bp__chart_data;

/** Builds a checked chart definition's points for the binding (its record
 * for "{field}" columns, events and claims), in the template's language
 * and palette. False when it has fewer points than its "min_points" (or
 * no data): no chart. */
bool bp__chart_build(bp__engine *e, json_t *def, bp__chart_data *out);
void bp__chart_data_free(bp__chart_data *d);
/** Row i of r has every {column: value} of `where` (NULL: any row). */
bool bp__row_matches(const bp_records *r, size_t i, json_t *where);

#endif
