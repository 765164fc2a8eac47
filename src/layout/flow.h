/* flow.h - pagination: a column of blocks (laid-out texts, fixed-height
 * drawings, destinations) flowed over pages with widow/orphan control,
 * headings kept with what follows, and a running footer "N / M". Produces
 * the display list; knows nothing about where the blocks came from. */
#ifndef BP_FLOW_H
#define BP_FLOW_H

#include "layout.h"

typedef struct bp_page_geometry {
  double width_pt, height_pt;
  double margin_top_pt, margin_right_pt, margin_bottom_pt, margin_left_pt;
  double footer_baseline_pt; /* from the page top; 0: no footer */
} bp_page_geometry;

/** Draws a fixed-height block (a chart, a rule) with its top-left at (x, y). */
typedef bp_status (*bp_flow_draw_fn)(void *ud, bp_ctx *ctx, bp_dlist *dl, bp_dl_page *pg,
                                     double x_pt, double y_pt, double w_pt, double h_pt);

typedef struct bp_flow bp_flow;

bp_flow *bp_flow_new(const bp_page_geometry *geom);
void bp_flow_free(bp_flow *f);

/** Adds a laid-out text (ownership passes to the flow). `outline_level` >= 0
 * makes it a bookmark with `outline_title`; `keep_with_next` keeps it on the
 * page of the next block's first lines (headings). `dest` (may be NULL) names
 * a destination at its top. Links and endnote markers inside the text become
 * link items: markers link to "note-N"; the first marker of each number
 * defines "ref-N" (for back-links). */
void bp_flow_add_text(bp_flow *f, bp_text *t, double space_before_pt, double space_after_pt,
                      bool keep_with_next, int outline_level, const char *outline_title,
                      const char *dest);
/** Like bp_flow_add_text, with the text drawn `indent_pt` from the left and
 * an optional label (e.g. an endnote number) hanging in the indent. The
 * label's lines are drawn beside the text's first line. */
void bp_flow_add_hanging(bp_flow *f, bp_text *label, bp_text *t, double indent_pt,
                         double space_before_pt, double space_after_pt, const char *dest,
                         const char *label_link_dest);
/** Adds a fixed-height block drawn by `draw` (ud is borrowed). */
void bp_flow_add_block(bp_flow *f, double height_pt, double space_before_pt, double space_after_pt,
                       bool keep_with_next, bp_flow_draw_fn draw, void *ud);
/** Forces a page break. */
void bp_flow_add_page_break(bp_flow *f);

/** Paginates and draws everything into `dl` (appending pages). The footer
 * text is drawn with `footer_style` when geom.footer_baseline_pt > 0;
 * `footer_left` (may be NULL) is set at the left margin, "N / M" at the right. */
bp_status bp_flow_render(bp_flow *f, bp_typesetter *ts, bp_ctx *ctx, bp_dlist *dl,
                         const bp_style *footer_style, const char *footer_left);
/** Runs the layout preflight (bp_text_preflight) over every text added. */
void bp_flow_preflight(const bp_flow *f, bp_preflight *pf);
/** Pages the last bp_flow_render produced. */
int bp_flow_page_count(const bp_flow *f);

#endif
