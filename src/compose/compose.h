/* compose.h - composers: turn loaded data (an article, a brief) into a
 * display list through the layout engine. They decide styles and order;
 * layout decides lines and pages. */
#ifndef BP_COMPOSE_H
#define BP_COMPOSE_H

#include "../data/data.h"
#include "../layout/flow.h"

/** Composes an article (title block, body with endnote markers, endnotes
 * with bilingual titles and linked URLs) into a new display list, A4. `pf` (may be NULL) receives the layout preflight. The
 * display list's metadata comes from the article; `epoch` (>= 0) sets its
 * dates (SOURCE_DATE_EPOCH), -1 leaves them out. */
bp_status bp_compose_article(bp_ctx *ctx, bp_typesetter *ts, const bp_article *a,
                             long long epoch, bp_preflight *pf, bp_dlist **out);

#include "template.h"

/** A brief file (data/briefs/NAME.json): which template, which data folder,
 * masthead fields, title, summary, the claims to use as key findings, body
 * paragraphs, charts, disclaimer. */
typedef struct bp_brief bp_brief;

/** Loads a brief, its template and its data folder (checked: any data error
 * fails the load). Errors are `file:line:col: message`. */
bp_status bp_brief_load(bp_ctx *ctx, const char *path, bp_brief **out);
/** Loads a brief with a template other than the one it names (NULL: its own). */
bp_status bp_brief_load_with(bp_ctx *ctx, const char *path, const char *template_path,
                             bp_brief **out);
void bp_brief_free(bp_brief *b);
const char *bp_brief_title(const bp_brief *b);

/** How the brief was fitted to its page. */
typedef struct bp_fit_report {
  double body_pt, leading_ratio; /* what was used */
  double used_pt, avail_pt;      /* height of the content and of the page area */
  int pages;
} bp_fit_report;

/** Composes a brief. A template with max_pages 1 either fits (tightening
 * within the template's fit limits) or fails with BP_ERR_LAYOUT saying by how
 * much it overflows and which sections take the most room. */
bp_status bp_compose_brief(bp_ctx *ctx, bp_typesetter *ts, const bp_brief *b, long long epoch,
                           bp_preflight *pf, bp_fit_report *fit, bp_dlist **out);

/** Alternative-text descriptions of the brief's charts, one per chart
 * (caller frees each string and the array); *n gets the count. */
char **bp_brief_chart_descriptions(const bp_brief *b, size_t *n);

/* newsletter accessors */
/** Borrowed fields of the brief file (valid while the brief lives); NULL when
 * the brief leaves them out. The summary is inline markup with citations. */
const char *bp_brief_summary(const bp_brief *b);
const char *bp_brief_subtitle(const bp_brief *b);
const char *bp_brief_author(const bp_brief *b);
const char *bp_brief_date(const bp_brief *b);
const char *bp_brief_institute(const bp_brief *b);
const char *bp_brief_series(const bp_brief *b);
const char *bp_brief_number(const bp_brief *b);
const char *bp_brief_lang(const bp_brief *b);

#endif
