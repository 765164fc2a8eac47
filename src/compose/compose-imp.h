/* compose-imp.h - helpers the composers (article.c, brief.c, profile.c)
 * share: endnote numbering, endnote and claim text, chart source lines,
 * filled rectangles. Private to src/compose. */
#ifndef BP_COMPOSE_IMP_H
#define BP_COMPOSE_IMP_H

#include "compose.h"

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
/** A claim's text with markers added for supporting sources its text does
 * not cite inline (caller frees). */
char *bp__claim_markup(const bp_claim *cl);
/** "Source: Chainalysis (2023)" for a chart, from its citation: the outlet,
 * else the authors, else the title, and the year (caller frees). */
char *bp__source_line(const bp_csl_item *it);
/** A filled rectangle (points, top-left origin). */
void bp__fill_rect(bp_dl_page *pg, double x, double y, double w, double h, bp_color color);

#endif
