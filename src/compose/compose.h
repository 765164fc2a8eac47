/* compose.h - the composer: turns loaded data (an article, a brief, a
 * record of a records table) into a display list through one engine driven
 * by a template's sections. Templates decide styles and order; layout
 * decides lines; the engine decides pages. */
#ifndef BP_COMPOSE_H
#define BP_COMPOSE_H

#include "../data/data.h"
#include "../layout/flow.h"
#include "../data/brief.h"
#include "../data/template.h"

/** Checks a template's sections: every kind is one the composer knows, with
 * only the keys it takes, and one of them is a title. (What the sections
 * name in the data is checked when a document binds them.) BP_ERR_DATA
 * `template:line:col: message` otherwise. */
bp_status bp_template_check(bp_ctx *ctx, const bp_template *t);

/** Composes an article (title block, body with endnote markers, endnotes
 * with bilingual titles and linked URLs) into a new display list, with the
 * page, styles, footer and section order of template `t` (NULL: built-in A4). `pf` (may be NULL)
 * receives the layout preflight. The display list's metadata comes from the article; `epoch` (>= 0)
 * sets its dates (SOURCE_DATE_EPOCH), -1 leaves them out. */
bp_status bp_compose_article(bp_ctx *ctx, bp_typesetter *ts, const bp_article *a,
                             const bp_template *t, long long epoch, bp_preflight *pf,
                             bp_dlist **out);
/** How the brief was fitted to its page. */
typedef struct bp_fit_report {
  double body_pt, leading_ratio; /* what was used */
  double used_pt, avail_pt;      /* height of the content and of the page area */
  int pages;
  int attempts;       /* layouts the fit built, the drawn one included */
  int estimates;      /* layouts from nominal advances that chose its first size (not drawn) */
  int notes_rendered; /* times the endnotes went through the CSL style */
} bp_fit_report;

/** Composes a brief. A template with max_pages 1 either fits (tightening
 * within the template's fit limits) or fails with BP_ERR_LAYOUT saying by how
 * much it overflows and which sections take the most room. */
bp_status bp_compose_brief(bp_ctx *ctx, bp_typesetter *ts, const bp_brief *b, long long epoch,
                           bp_preflight *pf, bp_fit_report *fit, bp_dlist **out);

/** Alternative-text descriptions of the brief's charts, one per chart
 * (caller frees each string and the array); *n gets the count. */
char **bp_brief_chart_descriptions(const bp_brief *b, size_t *n);

/* ---- country profiles (profile.c) ---- */

/** What composing one profile found, for the batch manifest. All strings
 * owned; free with bp_profile_info_free. */
typedef struct bp_profile_info {
  char *title;     /* the document title (the record's name, or its id) */
  int pages;       /* pages laid out */
  char *bad_field; /* on failure: the field (column) to blame, or NULL */
  char **warnings; /* e.g. an empty Korean name, preflight findings */
  size_t n_warnings;
} bp_profile_info;

void bp_profile_info_free(bp_profile_info *pi);

/** Checks a profile template against the records and data set it will be
 * filled from: known section types and keys, every field and {field} it
 * names is a column, every series and record set exists. BP_ERR_DATA
 * `template:line:col: message` otherwise. */
bp_status bp_profile_check_template(bp_ctx *ctx, const bp_template *t, const bp_dataset *ds,
                                    const bp_records *rec);

/** A cache of laid-out and drawn pieces (texts, charts, endnotes) shared by
 * the profiles of a batch: a piece is shaped once and replayed into every
 * later profile that shows it. Thread-safe: the threads of a batch share one
 * (each composing with its own typesetter). It holds at most `max_bytes`
 * (0: BP_PROFILE_CACHE_BYTES) of pieces, as bp_piece_bytes counts them: the
 * least recently used go first, so memory stays flat over any number of
 * records while what every profile shows (labels, headings) stays. */
#define BP_PROFILE_CACHE_BYTES ((size_t)4 << 20)
typedef struct bp_profile_cache bp_profile_cache;
bp_profile_cache *bp_profile_cache_new(size_t max_bytes);
void bp_profile_cache_free(bp_profile_cache *pc);
/** Lookups that found a piece, pieces made, bytes held (any may be NULL). */
void bp_profile_cache_stats(const bp_profile_cache *pc, size_t *hits, size_t *misses,
                            size_t *bytes);

/** Composes the profile of record `row` of `rec` (masthead, names, facts,
 * tagged claims, charts where there is data, endnotes, footer) into a new
 * display list. The template, data set and records are only read, so
 * threads may share them (each with its own typesetter and cache). `cache`
 * may be NULL (a private one is used). Missing data skips a section; an
 * invalid value (bad date, country code or citation id, control character,
 * a character no font covers) fails with "record 'id' (file:line), field F:
 * ..." and info->bad_field = F. `epoch` as for articles; `info` (may be
 * NULL) is filled even on failure. */
bp_status bp_compose_profile(bp_ctx *ctx, bp_typesetter *ts, const bp_template *t,
                             const bp_dataset *ds, const bp_records *rec, size_t row,
                             long long epoch, bp_profile_cache *cache, bp_profile_info *info,
                             bp_dlist **out);

/** The document title of record `row`: the template's record_title
 * "doc_title" pattern, else its name field, else the id. Caller frees. */
char *bp_profile_title(const bp_template *t, const bp_records *rec, size_t row);

#endif
