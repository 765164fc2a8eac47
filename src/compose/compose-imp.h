/* compose-imp.h - helpers the composers (article.c, brief.c, profile.c)
 * share: endnote numbering, endnote and claim text, chart source lines,
 * filled rectangles. Private to src/compose. */
#ifndef BP_COMPOSE_IMP_H
#define BP_COMPOSE_IMP_H

#include "compose.h"
#include "../layout/chart.h"

/** Endnote numbers in order of first citation; a source cited twice keeps
 * its number. */
typedef struct bp__numbering {
  char **ids; /* owned copies */
  size_t n, cap;
} bp__numbering;

/** The number of `id`, giving it the next one on first sight. A
 * bp_cite_numberer: pass the numbering as `ud`. */
int bp__number_of(void *ud, const char *id);
/** Forgets every number (keeps the array for reuse). */
void bp__numbering_clear(bp__numbering *nb);
void bp__numbering_free(bp__numbering *nb);

/** The endnote of a citation as spans: the formatted text, then the URL as
 * a link to itself. Appends to *out. */
void bp__endnote_spans(const bp_csl_item *it, bp_spans *out);
/** A claim's text (its `text_ko` when `korean` and it has one) with markers
 * added for supporting sources the text does not cite inline (caller frees). */
char *bp__claim_markup(const bp_claim *cl, bool korean);
/** "Source: Chainalysis (2023)" for a chart, from its citation: `label`
 * (NULL: "Source:"), the outlet, else the authors, else the title, and the
 * year (caller frees). */
char *bp__source_line(const bp_csl_item *it, const char *label);
/** A new display list carrying the document's info (creator "briefpress";
 * subject falls back to `fallback_subject`, lang to "en"). */
bp_dlist *bp__dlist_for(const char *title, const char *author, const char *subject,
                        const char *fallback_subject, const char *keywords, const char *lang,
                        long long epoch);
/** A filled rectangle (points, top-left origin). */
void bp__fill_rect(bp_dl_page *pg, double x, double y, double w, double h, bp_color color);

/** A chart given as data: which series (or records), columns, kind, title. */
typedef struct bp__chart_ref {
  char *kind, *series, *column, *records, *date_field, *label_field, *title, *unit;
  char *title_ko, *unit_ko; /* for a Korean template; NULL: title, unit */
  char *where_field, *where_value;
  bool value_labels;
  double height_pt; /* 0: the template's or composer's default */
} bp__chart_ref;

/** A chart's points built from the data set, with the strings they borrow. */
typedef struct bp__chart_data {
  bp_chart_spec spec;
  bp_chart_point *pts;
  char **labels;
  size_t n;
  char *source_text, *source_dest, *title;
  bp_chart_colors colors; /* from the template's palette (spec.colors points here) */
  bp_color data_colors[BP_CHART_MAX_COLORS];
  const char *source_id; /* the citation of the data (borrowed from the data set) */
} bp__chart_data;

/** Reads a chart definition object, checking it against the data set;
 * errors point into `jd`. */
bp_status bp__chart_ref_load(bp_ctx *ctx, const bp_jdoc *jd, json_t *o, const bp_dataset *ds,
                             bp__chart_ref *out);
void bp__chart_ref_free(bp__chart_ref *c);
/** Builds the chart's points and labels (source line from the data set's
 * citation, after the template's "source" label; no link: the composer sets
 * spec.source_dest). With `t` NULL: English, "Source:". */
void bp__chart_build(const bp__chart_ref *c, const bp_dataset *ds, const bp_template *t,
                     const char *lang, bp__chart_data *out);
void bp__chart_data_free(bp__chart_data *d);

#endif
