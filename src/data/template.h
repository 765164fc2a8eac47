/* template.h - templates are data (templates/NAME.json): page size and margins,
 * named text styles, colours, running header/footer, fit limits and the
 * ordered sections a composer fills. Errors name file:line:column. */
#ifndef BP_TEMPLATE_H
#define BP_TEMPLATE_H

#include "data.h"
#include "jdoc.h"
#include "../layout/image.h"
#include "../layout/layout.h"

typedef struct bp_tsection {
  char *type;       /* "masthead", "title", "summary", "findings", "charts", ... */
  char *title;      /* heading shown above the section, or NULL */
  int columns;      /* 1 or 2 */
  double height_pt; /* charts: height of the chart row */
  double space_before_pt, space_after_pt;
  json_t *json;                   /* the section object, for composer-specific fields (borrowed) */
  bp_image *image;                /* image: the picture ("path", relative to the template), owned */
  double width_pt;                /* image: the widest it may be (0: the column) */
  int align;                      /* image: 0 left, 1 centre, 2 right */
  const struct bp_csl_style *csl; /* endnotes: the citation style (shared, never freed) */
} bp_tsection;

typedef struct bp_tstyle {
  char *name;
  char *family;
  bp_style style; /* style.family points at `family` */
} bp_tstyle;

/** A named colour of the template's palette ("accent", "ink", "series1"...). */
typedef struct bp_tcolor {
  char *name;
  bp_color color;
} bp_tcolor;

/** The fixed strings a document prints, from the template's "labels" (so a
 * Korean template says 요약 and 출처). */
typedef enum bp_label {
  BP_LABEL_SUMMARY,  /* heading of the summary panel: "SUMMARY" */
  BP_LABEL_FINDINGS, /* heading of the findings: "Key findings" */
  BP_LABEL_NOTES,    /* heading of the endnotes: "Notes" */
  BP_LABEL_SOURCE,   /* before a chart's source: "Source:" */
  BP_LABEL_NUMBER,   /* an issue number: "No. {number}" */
  BP_LABEL_DATE,     /* how a date "YYYY-MM[-DD]" is printed: "{month} {year}" */
  BP_LABEL_COUNT
} bp_label;

typedef struct bp_template {
  char *path, *name;
  char *lang;       /* "ko": texts come from the *_ko fields; NULL: as written */
  char *months[12]; /* month names for {month} in the date label */
  char *labels[BP_LABEL_COUNT];
  bp_tcolor *palette; /* accent, rule, panel, muted, ink, series1..n and any other name */
  size_t n_palette;
  double paragraph_gap_pt, panel_padding_pt, note_gap_pt; /* spacing */
  double page_w_pt, page_h_pt;
  double margin_pt[4];       /* top, right, bottom, left */
  double footer_baseline_pt; /* the footer's baseline above the page's bottom edge */
  double column_gap_pt;
  double bleed_pt; /* page.bleed (given in mm): how far fills at the page's edge run past it */
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
  /* "file:line:col: message": styles whose fonts fontconfig would replace
   * (a face the family does not have, no Hangul in the stack) */
  char **warnings;
  size_t n_warnings, cap_warnings;
} bp_template;

/** Loads a template; any error (unknown key, bad colour "#12345", a colour
 * name not in the palette, wrong type, a number out of range, unknown page
 * size, a font family the project does not ship, an unknown style or
 * section name, a section twice, no title section) is BP_ERR_DATA
 * `file:line:col: message`. */
bp_status bp_template_load(bp_ctx *ctx, const char *path, bp_template **out);
/** The same from `len` bytes named `name` (for messages and fuzzing). */
bp_status bp_template_parse(bp_ctx *ctx, const char *name, const char *data, size_t len,
                            bp_template **out);
/** The palette colour `name`; false when the palette has none. */
bool bp_template_color(const bp_template *t, const char *name, bp_color *out);
/** The template's label (never NULL). */
const char *bp_template_label(const bp_template *t, bp_label which);
/** `date` ("2024-04", "2024-04-05" or "2024") printed with the template's
 * date label and month names ("April 2024", "2024년 4월"); any other text is
 * returned as written. Caller frees; NULL for NULL. */
char *bp_template_format_date(const bp_template *t, const char *date);
/** The text in the template's language: `ko` when the template's lang is
 * "ko" and `ko` is set, else `text`. */
const char *bp_template_text(const bp_template *t, const char *text, const char *ko);
void bp_template_free(bp_template *t);
/** True when the template defines style `name`. */
bool bp_template_has_style(const bp_template *t, const char *name);
/** The named style (borrowed), or the "body" style, or a built-in default. */
const bp_style *bp_template_style(const bp_template *t, const char *name);
/** Parses "#rrggbb" (or "#rgb"); false when malformed. */
bool bp_color_parse(const char *s, bp_color *out);
/** Replaces {name} fields in `pattern` through `lookup`; unknown fields stay
 * as written. Caller frees. */
char *bp_template_expand(const char *pattern, const char *(*lookup)(void *ud, const char *name),
                         void *ud);

/** The article's template: `override_path` (--template) if set, else the
 * manifest's "template" (relative to the manifest), else article-a4.json
 * of the templates folder (bp_data_templates_dir). Caller frees *out. */
bp_status bp_article_template_load(bp_ctx *ctx, const bp_article *a, const char *override_path,
                                   bp_template **out);

#endif
