/* template.h - templates are data (templates/NAME.json): page size and margins,
 * named text styles, colours, running header/footer, fit limits and the
 * ordered sections a composer fills. Errors name file:line:column. */
#ifndef BP_TEMPLATE_H
#define BP_TEMPLATE_H

#include "../data/jdoc.h"
#include "../layout/layout.h"

typedef struct bp_tsection {
  char *type;       /* "masthead", "title", "summary", "findings", "charts", ... */
  char *title;      /* heading shown above the section, or NULL */
  int columns;      /* 1 or 2 */
  double height_pt; /* charts: height of the chart row */
  double space_before_pt, space_after_pt;
  json_t *json; /* the section object, for composer-specific fields (borrowed) */
} bp_tsection;

typedef struct bp_tstyle {
  char *name;
  char *family;
  bp_style style; /* style.family points at `family` */
} bp_tstyle;

typedef struct bp_template {
  char *path, *name;
  double page_w_pt, page_h_pt;
  double margin_pt[4]; /* top, right, bottom, left */
  double column_gap_pt;
  bp_tstyle *styles;
  size_t n_styles;
  bp_color accent, rule, panel, muted;
  /* fit: the body may shrink within these limits to fit the page */
  double body_min_pt, body_max_pt, leading_min, leading_max;     /* leading as ratio of size */
  int max_pages;                                                 /* 0: any */
  char *header_left, *header_right, *footer_left, *footer_right; /* with {fields} */
  bp_tsection *sections;
  size_t n_sections;
  bp_jdoc *jd; /* kept for section JSON and positioned errors */
} bp_template;

/** Loads a template; any error (unknown style key, bad colour "#12345",
 * wrong type, unknown page size) is BP_ERR_DATA `file:line:col: message`. */
bp_status bp_template_load(bp_ctx *ctx, const char *path, bp_template **out);
void bp_template_free(bp_template *t);
/** The named style (borrowed), or the "body" style, or a built-in default. */
const bp_style *bp_template_style(const bp_template *t, const char *name);
/** Parses "#rrggbb" (or "#rgb"); false when malformed. */
bool bp_color_parse(const char *s, bp_color *out);
/** Replaces {name} fields in `pattern` through `lookup`; unknown fields stay
 * as written. Caller frees. */
char *bp_template_expand(const char *pattern, const char *(*lookup)(void *ud, const char *name),
                         void *ud);

#endif
