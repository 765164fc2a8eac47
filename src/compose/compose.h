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

#endif
