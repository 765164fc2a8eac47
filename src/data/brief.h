/* brief.h - a brief file (data/briefs/NAME.json): which template and data
 * folder, the masthead fields, title, summary, the claims shown as key
 * findings, body paragraphs, charts and disclaimer, each with its Korean
 * edition (`*_ko`). The summaries, the findings and the body may be
 * Markdown files ({"markdown": "FILE.md"}). Loading checks everything against the
 * template and the data folder; errors are `file:line:col: message`. */
#ifndef BP_BRIEF_H
#define BP_BRIEF_H

#include "data.h"
#include "template.h"

typedef struct bp_brief {
  char *path;
  bp_jdoc *jd;
  bp_template *tpl;
  bp_dataset *ds;
  char *institute, *series, *number, *date, *title, *subtitle, *author, *lang, *subject, *keywords,
      *summary, *disclaimer;
  /* the Korean edition's texts (NULL: as above); a Korean template uses them */
  char *institute_ko, *series_ko, *title_ko, *subtitle_ko, *author_ko, *summary_ko, *disclaimer_ko;
  char *date_text; /* the date as the template prints it */
  char **findings; /* claim ids; NULL when the findings come from a Markdown file */
  size_t n_findings;
  /* the findings' Markdown file ("findings": {"markdown": F}), or for a
   * Korean template its "findings_ko" file, as claims; else NULL */
  bp_claims *md_findings;
  char **body; /* paragraphs (inline markup) */
  size_t n_body;
  bp_doc *body_doc; /* the body from a Markdown file ("body": {"markdown": F}), else NULL */
  json_t *charts;   /* chart definitions (borrowed from jd), checked; NULL: none */
  char **warnings;  /* "file:line:col: message" (HTML printed as written), for check */
  size_t n_warnings, cap_warnings;
} bp_brief;

/** Loads a brief, its template and its data folder (which must lie inside
 * the brief's own data folder; checked: any data error fails the load). */
bp_status bp_brief_load(bp_ctx *ctx, const char *path, bp_brief **out);
/** Loads a brief with a template other than the one it names (NULL: its own). */
bp_status bp_brief_load_with(bp_ctx *ctx, const char *path, const char *template_path,
                             bp_brief **out);
void bp_brief_free(bp_brief *b);
/** The brief's finding i (below n_findings) as its template prints it: a
 * claim of its data folder, or an item of its findings' Markdown file.
 * Borrowed. */
const bp_claim *bp_brief_finding(const bp_brief *b, size_t i);
/** The brief's text `field` in its template's language (the `*_ko` one for a
 * Korean template when set); "date" is the date as printed. NULL when unset
 * or unknown. Borrowed. */
const char *bp_brief_field(const bp_brief *b, const char *field);

/** Checks a chart definition (kind, series and column, or records with
 * date/label/where; title, unit, their *_ko, value_labels, height, weight,
 * min_points, and for timelines events, claims, label_length,
 * min_span_days) against the data set `ds`. Values may name a record's
 * fields as "{field}" when `rec` is given; each such field must be a column
 * of `rec`. Errors point into `jd`. */
bp_status bp_chart_def_check(bp_ctx *ctx, const bp_jdoc *jd, json_t *def, const bp_dataset *ds,
                             const bp_records *rec);
/** Checks a table definition (a facts section's table): "records" names a
 * record set, "columns" an array of {"field", "label", "align" (left, right,
 * center), "width" (points) or "weight", "cite" (a column holding a
 * citation id), "format" ("date"), "values" (value -> text)}; optional
 * "caption" (a string), "where" ({column: value}), "max" (rows), "match" (a
 * column shared with the bound record `rec`: profiles only). With `ds` NULL
 * only the shape is checked, not the record set and its columns.
 * BP_ERR_DATA at file:line:col. */
bp_status bp_table_def_check(bp_ctx *ctx, const bp_jdoc *jd, json_t *def, const bp_dataset *ds,
                             const bp_records *rec);
/** Checks that every "{field}" in the string `key` of `o` names a column of
 * `rec` (when `rec` is NULL, that no field is named). */
bp_status bp_pattern_check(bp_ctx *ctx, const bp_jdoc *jd, json_t *o, const char *key,
                           const bp_records *rec);

/** An article's data: its manifest as a JSON document (*jd, owned), the
 * manifest's "charts" (*charts: an object of chart definitions by name,
 * borrowed from *jd and checked; NULL: none) and the data folder they draw
 * from (*ds, owned; "data": a folder inside the article's data folder,
 * default that folder; NULL when the manifest names neither). On failure
 * what was made is still set: free it. */
bp_status bp_article_data_load(bp_ctx *ctx, const bp_article *a, bp_jdoc **jd, json_t **charts,
                               bp_dataset **ds);

#endif
