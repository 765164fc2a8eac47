/* data.h - the data layer: loads and checks what a brief is made from.
 * Citations (CSL-JSON), claims (JSON), series (CSV + JSON metadata), records
 * (CSV), prose (CommonMark with pandoc citations) and article manifests.
 * Every loader reports problems as `file:line:column: message` (column in
 * characters, 1-based); `bp_check_folder` collects all of them as
 * diagnostics. Depends on core and the document model only (never layout). */
#ifndef BP_DATA_H
#define BP_DATA_H

#include <stdio.h>

#include "../core/bp.h"
#include "../model/doc.h"

/* ------------------------------------------------------- inputs, limits */

/** The largest data file read (JSON, CSV, Markdown, templates): 16 MiB. */
#define BP_DATA_FILE_MAX_BYTES ((size_t)16 << 20)

/** The data folder a file belongs to: the folder above it when the file is
 * in one of the kind folders (articles/, briefs/, citations/, claims/,
 * series/, records/), else its own folder ("." for a bare name). Paths
 * named inside the file must stay inside it. Caller frees. */
char *bp_data_root_of(const char *path);
/** True when `path` lies inside the folder `root`, both as written (".."
 * folded) and after symbolic links are resolved; otherwise false with the
 * reason in `why`. A path that does not exist is not refused here. */
bool bp_data_path_inside(const char *root, const char *path, char *why, size_t why_size);
/** Resolves `rel`, named inside the file `from`, against from's folder: it
 * must be relative, stay inside `root` (see bp_data_path_inside), exist and
 * be a regular file (or a folder when want_folder). *out gets the joined
 * path (owned). Fails with BP_ERR_DATA and a message without a position
 * (the caller adds where the path was named). */
bp_status bp_data_path_resolve(bp_ctx *ctx, const char *root, const char *from, const char *rel,
                               bool want_folder, char **out);

/** When the first bytes show text that is not UTF-8 ("UTF-16
 * (little-endian)", "UTF-32 (big-endian)"...: by byte order mark, or the NUL
 * pattern ASCII has in them), its name; else NULL. */
const char *bp_text_foreign_encoding(const char *s, size_t n);
/** True for the characters no input may hold: C0 controls but tab, LF and
 * CR (NUL included), DEL, C1 controls, and the bidirectional embedding,
 * override and isolate controls (U+202A-U+202E, U+2066-U+2069). */
bool bp_text_control(uint32_t cp);
/** "NUL byte (U+0000)", "control character U+0007"... for messages. */
void bp_text_control_name(uint32_t cp, char *out, size_t size);
/** True when s[0..n) is valid UTF-8 without any bp_text_control character;
 * otherwise false, *bad_off at the first bad byte and the reason in `why`,
 * which says how long the run of bad bytes or controls starting there is
 * when it is longer than one ("invalid UTF-8 (byte 0xC3; 37 bytes from
 * here)"). */
bool bp_text_clean(const char *s, size_t n, size_t *bad_off, char *why, size_t why_size);

/** The longest text of one paragraph, JSON string or CSV field: 64 KiB. */
#define BP_TEXT_MAX_BYTES ((size_t)64 << 10)
/** The longest word (a run without spaces; URLs included): 2 KiB. */
#define BP_WORD_MAX_BYTES ((size_t)2 << 10)
/** True when s[0..n) (one paragraph or field) is within BP_TEXT_MAX_BYTES
 * and has no word longer than BP_WORD_MAX_BYTES; otherwise false, *bad_off
 * at the text's start or the long word's, and the reason in `why`. Layout
 * has its own, size-dependent guard (src/layout/text.c). */
bool bp_text_within_limits(const char *s, size_t n, size_t *bad_off, char *why, size_t why_size);
/** True when s shows nothing: empty, or only spaces of any kind (also
 * no-break, ideographic and zero-width spaces, soft hyphens). */
bool bp_text_blank(const char *s);
/** Line and column (characters, both 1-based) of byte `off` of s. */
void bp_text_linecol(const char *s, size_t off, int *line, int *col);

/* ------------------------------------------------------------------ dates */

/** A possibly partial calendar date: y always set; m and d 0 when absent. */
typedef struct bp_date {
  int y, m, d;
} bp_date;

/** Parses "YYYY", "YYYY-MM" or "YYYY-MM-DD" (the whole string). Returns false
 * for malformed or impossible dates (2023-02-30); `why` (may be NULL) then
 * gets a short reason ("February 2023 has 28 days"). */
bool bp_date_parse(const char *s, bp_date *out, char *why, size_t why_size);
/** Formats as YYYY, YYYY-MM or YYYY-MM-DD into out (at least 11 bytes). */
void bp_date_format(const bp_date *d, char out[11]);
/** Decimal year at the middle of the period the date names: 2022 -> 2022.5,
 * 2022-07 -> middle of July, 2022-07-01 -> middle of that day. */
double bp_date_decimal_year(const bp_date *d);
/** Compares the first possible days of two dates (absent parts count as 1). */
int bp_date_cmp(const bp_date *a, const bp_date *b);
/** True when every day `a` may name comes after every day `b` may name
 * (2024-01 is after 2023; 2023-12 is not after 2023). False if either is unset. */
bool bp_date_after(const bp_date *a, const bp_date *b);

/** True for an assigned ISO 3166-1 alpha-2 code (upper case, e.g. "KP"). */
bool bp_country_valid(const char *iso2);
/** Checks an http(s) URL; on failure returns false and sets *bad_off to the
 * byte offset of the offending character and `why` to a reason. */
bool bp_url_valid(const char *url, size_t *bad_off, char *why, size_t why_size);

/* ------------------------------------------------------------- citations */

/** One CSL-JSON name: either family/given or a literal (e.g. Korean names). */
typedef struct bp_csl_name {
  char *family, *given, *literal; /* NULL when absent */
} bp_csl_name;

/** One CSL-JSON item. Strings are NULL when absent. Owned by its bp_bib. */
typedef struct bp_csl_item {
  char *id, *type;
  bp_csl_name *authors;
  size_t n_authors;
  bp_date issued;        /* y == 0: no date */
  bool circa;            /* issued is approximate */
  char *year_suffix;     /* "a" in "2023a" (CSL year-suffix) */
  char *title;           /* English title */
  char *original_title;  /* Korean (original-language) title */
  char *container_title; /* outlet, journal */
  char *volume, *issue, *page, *publisher;
  char *url, *doi, *note;
  bp_date accessed;
  char *language;
  char **aliases; /* other ids of the same work ("aliases"), n_aliases of them */
  size_t n_aliases;
  const char *path;   /* file it came from (borrowed from the bib) */
  int line, col;      /* where its object starts */
  bp_spans *footnote; /* not a work but a Markdown footnote: its text (owned; the
                         endnote prints it as written) */
} bp_csl_item;

/** A loaded bibliography: items from one or more CSL-JSON files. */
typedef struct bp_bib {
  bp_csl_item *items;
  size_t n_items, cap_items;
  char **paths; /* files loaded, owned */
  size_t n_paths, cap_paths;
  void *index; /* private: id -> item */
} bp_bib;

/** Loads a CSL-JSON file (an array of items). On any error returns
 * BP_ERR_DATA (or BP_ERR_IO), sets ctx to `file:line:col: message` and *out
 * to NULL. Caller frees with bp_bib_free. */
bp_status bp_bib_load(bp_ctx *ctx, const char *path, bp_bib **out);
/** Adds the items of another CSL-JSON file; ids must stay unique. On error
 * the bib is left unchanged. */
bp_status bp_bib_add_file(bp_ctx *ctx, bp_bib *bib, const char *path);
void bp_bib_free(bp_bib *bib);
/** Borrowed item with that id or with that id among its "aliases" (one
 * item per work; its other ids resolve to it), or NULL. Compare the item's
 * own `id` to tell two citations of the same work apart. */
const bp_csl_item *bp_bib_lookup(const bp_bib *bib, const char *id);
/** Moves the footnotes of `doc` (doc->notes, emptied) into `bib` as items
 * whose `footnote` is the note's text, so that they are numbered and set
 * with the other endnotes. Their ids are never citation ids. */
void bp_bib_add_notes(bp_bib *bib, bp_doc *doc);

/** "Um, J., & Ko, Y." for the item's authors (caller frees; "" if none). */
char *bp_csl_format_authors(const bp_csl_item *item);
/** "Source: Chainalysis (2023)": `label` (NULL: "Source:"), then for each
 * of the n items the outlet, else the authors, else the title, and the
 * year, joined by "; " ("Sources:" for several when the label is
 * "Source:"). Caller frees. */
char *bp_csl_source_line(const bp_csl_item *const *items, size_t n, const char *label);

/* ----------------------------------------------------------------- prose */

/** Parses inline markup (CommonMark inlines via cmark: *italic*, **bold**,
 * `code`, links, plus pandoc citations `[@id]`, `[@a; @b]`) and appends the
 * spans to `out`. Never fails on any UTF-8 input; line/col of the spans are
 * relative to `text` (line 1, col 1 = its first character). */
BP_HOST_API void bp_inline_parse(const char *text, bp_spans *out);

/** Loads a CommonMark file into a document (headings, paragraphs, list
 * items, quotes, rules; emphasis, links and citations as spans with source
 * line/col). Citations are not resolved here. Sets doc->source_path. */
bp_status bp_markdown_load(bp_ctx *ctx, const char *path, bp_doc **out);

/** Loads a Markdown file a brief names (no front matter), checking its
 * citations against `bib`: with `text` non-NULL a summary (paragraphs
 * only, no footnotes), *text its source as inline markup (owned); else
 * *doc (owned), the footnotes moved into `bib`. Errors at file:line:col. */
bp_status bp_markdown_load_brief(bp_ctx *ctx, const char *path, bp_bib *bib, char **text,
                                 bp_doc **doc);

/** An article manifest (JSON): metadata, body and bibliography. */
typedef struct bp_article {
  char *path; /* the manifest */
  char *title, *subtitle, *author, *date, *lang, *subject, *keywords;
  char *body_path, *bib_path; /* resolved relative to the manifest */
  char *template_name;        /* "template" as written (relative to the manifest), or NULL */
  bp_doc *doc;                /* the body; metadata copied into doc fields */
  bp_bib *bib;                /* the bibliography */
} bp_article;

/** Loads a manifest {"title","subtitle","author","date","lang","body",
 * "bibliography","subject","keywords"}, its Markdown body and its
 * bibliography; or, for a Markdown file (bp_markdown_input), the article
 * that file is: its front matter holds the manifest's keys ("template" and
 * "bibliography" relative to it; a title required). Fails on any error,
 * including a citation of an id the bibliography lacks (`file:line:col:
 * unknown citation 'x'`). */
bp_status bp_article_load(bp_ctx *ctx, const char *json_path, bp_article **out);
void bp_article_free(bp_article *a);
/** True when `path` is a Markdown article on its own: a .md (or .markdown)
 * file, or standard input (BP_STDIN_NAME, loaded) that is not JSON. */
bool bp_markdown_input(const char *path);

/** Distinct citation ids of a document in order of first citation (the
 * endnote order). Returns a NULL-terminated array of borrowed strings; free
 * the array (not the strings) with free(). *n gets the count (may be NULL). */
const char **bp_doc_cited_ids(const bp_doc *doc, size_t *n);

/* ---------------------------------------------------------------- claims */

typedef struct bp_claim {
  char *id;
  char *text;     /* as written (inline markup) */
  bp_spans spans; /* text parsed: italic, bold, citations */
  char *text_ko;  /* NULL when absent */
  char **cites;   /* supporting citation ids: the "cites" field, then ids cited in text */
  size_t n_cites;
  bp_date date;     /* y == 0: undated */
  char **countries; /* ISO 3166-1 alpha-2 */
  size_t n_countries;
  char **topics;
  size_t n_topics;
  const char *path; /* file it came from (borrowed from the bp_claims) */
  int line, col;
} bp_claim;

typedef struct bp_claims {
  bp_claim *v;
  size_t n, cap;
  char **paths; /* files loaded, owned */
  size_t n_paths, cap_paths;
} bp_claims;

/** Loads a claims file (a JSON array of claim objects). With `bib` non-NULL,
 * every cited id must be in it. Fails (NULL *out) on any error. */
bp_status bp_claims_load(bp_ctx *ctx, const char *path, const bp_bib *bib, bp_claims **out);
void bp_claims_free(bp_claims *c);
const bp_claim *bp_claims_lookup(const bp_claims *c, const char *id);
/** A claim's text (its `text_ko` when `korean` and it has one) with markers
 * for supporting sources the text does not cite inline (caller frees). */
char *bp_claim_markup(const bp_claim *cl, bool korean);
/** A claim's words as a short label (a timeline event): at most about `max`
 * bytes, cut at a space, with an ellipsis (caller frees). */
char *bp_claim_short_label(const bp_claim *cl, size_t max);
/** Loads a brief's findings from a Markdown file: one list, each item a
 * finding (a paragraph of inline Markdown citing its sources with [@id],
 * checked against `bib`), as claims "finding 1", "finding 2"... with the
 * file's path and the item's line. Anything but list items of one
 * paragraph, an item without a citation, front matter and footnotes are
 * errors at file:line:col. *out owned (bp_claims_free). */
bp_status bp_markdown_load_findings(bp_ctx *ctx, const char *path, const bp_bib *bib,
                                    bp_claims **out);

/* ---------------------------------------------------------------- series */

typedef struct bp_series_point {
  bp_date date;    /* partial allowed */
  double x;        /* decimal year (bp_date_decimal_year) */
  double *values;  /* n_cols values; NAN for an empty cell (a gap) */
  char *source_id; /* the row's citation (column source_id), or NULL */
  char *note;      /* column note, or NULL */
  int line;
} bp_series_point;

typedef struct bp_series {
  char *path;                            /* the CSV */
  char *meta_path;                       /* the JSON beside it, or NULL */
  char *title, *unit, *source_id, *note; /* from the metadata; NULL if absent */
  char *x_name;                          /* name of the date/year column */
  char **columns;                        /* value column names */
  char **labels;                         /* display labels (metadata "columns"), default = name */
  size_t n_cols;
  bp_series_point *points;
  size_t n_points;
} bp_series;

/** Loads a series from its CSV or from its metadata JSON (`x.csv` and
 * `x.json` side by side; the JSON may name the CSV in "data"). The first
 * column is the date or year; `source_id` and `note` columns are per-row
 * text; every other column is numeric. Fails on any error. */
bp_status bp_series_load(bp_ctx *ctx, const char *path, bp_series **out);
void bp_series_free(bp_series *s);
/** Index of a value column, or -1. */
int bp_series_column(const bp_series *s, const char *name);

/* ----------------------------------------------------------- CSV dialects */

/** How a CSV is written: what LibreOffice and Excel export in many locales
 * (`;` between columns, `1.234,5`, `05.12.2023`). Declared in a series' or
 * records file's metadata JSON as "csv": {"delimiter": ";", "decimal": ",",
 * "thousands": ".", "date_format": "DD.MM.YYYY"}, or on batch's command
 * line. A UTF-8 BOM and CRLF line ends need no declaration. */
typedef struct bp_csv_dialect {
  char delimiter;       /* ',' ';' '\t' '|'; 0: ',' or ';', detected from the header (warned) */
  char decimal;         /* '.' or ','; 0: '.' */
  char thousands[4];    /* "" none; "," "." " " "'" or U+00A0, U+202F (UTF-8) */
  char date_format[24]; /* "" ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD); else e.g. "DD.MM.YYYY" */
} bp_csv_dialect;

/** Sets the dialect's `key` (delimiter, decimal, thousands, date_format) to
 * `value` ("tab" and "\t" for a tab, "space" for " ", "nbsp" for U+00A0).
 * false, with the reason in `why`, for an unknown key or a value the key
 * cannot take; the separators must differ from each other, which is checked
 * by bp_csv_dialect_check once all are set. */
bool bp_csv_dialect_set(bp_csv_dialect *d, const char *key, const char *value, char *why,
                        size_t why_size);
/** false (reason in `why`) when two of the separators are the same. */
bool bp_csv_dialect_check(const bp_csv_dialect *d, char *why, size_t why_size);
/** Reads `text` as a date written in `format` (tokens YYYY, MM, M, DD, D;
 * anything else must be as written), giving ISO 8601 in `iso` (YYYY-MM-DD,
 * or YYYY-MM without a day). false, with the reason, when it does not match
 * or is no date. */
bool bp_csv_date_to_iso(const char *text, const char *format, char *iso, size_t iso_size, char *why,
                        size_t why_size);
/** Reads `text` as a number with the dialect's decimal mark and thousands
 * separator (groups of three digits). */
bool bp_csv_number(const char *text, const bp_csv_dialect *d, double *out);

/* --------------------------------------------------------------- records */

typedef struct bp_record {
  /* n_cols strings (never NULL), in one block with the array: free(fields);
   * NULL for a sound record of bp_records_index (bp_records_read_row) */
  char **fields;
  int line;     /* where the record starts */
  unsigned len; /* bp_records_index: the record's bytes in the file, from off */
  /* bp_records_load_each only: why this record cannot be used
   * ("file:line:col: [field NAME: ]message") and the column to blame (or
   * NULL); both NULL for a sound record */
  char *error, *error_field;
  size_t off; /* the record's first byte in the file */
} bp_record;

typedef struct bp_records_file bp_records_file;

typedef struct bp_records {
  char *path;
  char **names; /* header; names[0] is "id" */
  size_t n_cols;
  bp_record *rows;
  size_t n_rows;
  char **warnings; /* the file's own ("file:line:col: message"), e.g. a detected delimiter */
  size_t n_warnings;
  bp_records_file *file; /* bp_records_index: where its records are read again from */
} bp_records;

/** Loads an RFC 4180 CSV (quoted fields, doubled quotes, CRLF, newlines in
 * quotes) whose first column is `id` (letters, digits, '-', '_', unique).
 * Its dialect comes from the JSON of the same stem beside it ({"csv": ...},
 * optional); date columns are given as ISO 8601 whatever their format in
 * the file. Fails on any error. */
bp_status bp_records_load(bp_ctx *ctx, const char *path, bp_records **out);
/** Loads records the way a batch uses them, one record at a time: the file
 * must be UTF-8, well-formed CSV with a sound header (first column `id`,
 * names unique and non-empty), unique ids and at least one record, or the
 * load fails at file:line:col as bp_records_load does; but a record with the
 * wrong number of fields, an invalid id, a NUL byte or bad UTF-8, or a field
 * over the text limits fails alone: its `error` and `error_field` say why,
 * and its fields are padded to the header's width. Typed cells (iso2,
 * dates...) are not checked here: the composer checks what it uses. */
bp_status bp_records_load_each(bp_ctx *ctx, const char *path, bp_records **out);
/** bp_records_load_each with the fields set in `over` (may be NULL) taking
 * the place of the metadata's (batch's --delimiter ...). Warnings (a
 * delimiter detected) go to out's `warnings`. */
bp_status bp_records_load_each_with(bp_ctx *ctx, const char *path, const bp_csv_dialect *over,
                                    bp_records **out);
/** bp_records_load_each_with for a batch of many records: the same
 * checks and the same failed records, but a sound record keeps only its
 * place in the file (`fields` NULL, `off`, `len`, `line`: 40 bytes), and
 * its fields are read again when they are needed (bp_records_read_row),
 * so that memory does not grow with the number of records. A failed
 * record keeps its fields. The file stays open until bp_records_free
 * (standard input, a pipe or a file that changed while it was read are
 * kept in memory instead). */
bp_status bp_records_index(bp_ctx *ctx, const char *path, const bp_csv_dialect *over,
                           bp_records **out);
/** The fields of record `row` as bp_records_load_each gives them (n_cols
 * strings after their pointers, one block: free(*fields)), read again
 * from the file for a record of bp_records_index, else copied. Safe from
 * several threads at once. BP_ERR_IO when the file is shorter now,
 * BP_ERR_DATA when the bytes there no longer parse as a sound record of
 * the same columns (the file was written to since: a caller that must
 * know that the fields are those it saw compares a hash of them, as batch
 * does with each record's content hash). */
bp_status bp_records_read_row(bp_ctx *ctx, const bp_records *r, size_t row, char ***fields);
void bp_records_free(bp_records *r);
/** Column index of a header name, or -1. */
int bp_records_column(const bp_records *r, const char *name);
/** Borrowed field of row `row` in column `name`, or NULL (no such column/row). */
const char *bp_records_field(const bp_records *r, size_t row, const char *name);
/** Checks every value of row `row` the way `briefpress check` checks typed
 * columns (iso2, dates, citation ids in `bib`, URLs), plus its characters:
 * valid UTF-8, no control character (CR included). BP_ERR_DATA with the
 * message and *bad_field (borrowed column name) on the first problem. */
bp_status bp_records_check_row(bp_ctx *ctx, const bp_records *r, size_t row, const bp_bib *bib,
                               const char **bad_field);
/** The rows' indexes in the order of `column` ("-name": descending; NULL
 * or an unknown column: as loaded), stable, comparing as numbers when both
 * cells are numbers. Caller frees. */
size_t *bp_records_order(const bp_records *r, const char *column);
/** Borrowed record with that id, or NULL. */
const bp_record *bp_records_lookup(const bp_records *r, const char *id);

/* ----------------------------------------------------------- diagnostics */

typedef enum bp_severity { BP_SEV_ERROR, BP_SEV_WARNING, BP_SEV_NOTE } bp_severity;

/* A file's text, shared (reference-counted) by the diagnostics about it. */
typedef struct bp_diag_text bp_diag_text;

typedef struct bp_diag {
  bp_severity severity;
  char *file;
  int line, col; /* 1-based; col counts characters */
  char *message;
  bp_diag_text *text;   /* where the source line is (NULL: none); see bp_diag_source_line */
  size_t line_off, off; /* byte offsets in text of the line's start and of col */
} bp_diag;

typedef struct bp_diag_list {
  bp_diag *v;
  size_t n, cap;
  size_t n_errors, n_warnings;
} bp_diag_list;

bp_diag_list *bp_diag_list_new(void);
void bp_diag_list_free(bp_diag_list *dl);
/** `file:line:col: error: message` (no newline; caller frees). */
char *bp_diag_format(const bp_diag *d);
/** Prints every diagnostic compiler-style: the line above, then the source
 * line and a caret under the column (when `caret`). */
void bp_diag_print(const bp_diag_list *dl, FILE *f, bool caret);
/** The line the diagnostic is about, shortened to a window around its
 * column when long (tabs and controls shown as spaces, bad bytes as U+FFFD),
 * and in *caret_cells the display cells before the column; NULL when it has
 * none (a file-level diagnostic). Made when asked, not when the diagnostic is
 * recorded: most are never printed. Caller frees. */
char *bp_diag_source_line(const bp_diag *d, int *caret_cells);

/** One character of a data file's text: where it is (file as given, line
 * and column 1-based, columns in characters) and its code point. */
typedef void (*bp_char_fn)(void *ud, const char *file, int line, int col, uint32_t cp);
/** Reads `path` as `check` does (UTF-8, a BOM skipped) and calls fn for every
 * character beyond ASCII that its text holds, a JSON file's \uXXXX escapes
 * decoded, controls left out: what the fonts must show. Fails with
 * BP_ERR_DATA (file:line:col: why) when the file cannot be read or is not
 * clean UTF-8 text. */
bp_status bp_data_file_chars(bp_ctx *ctx, const char *path, bp_char_fn fn, void *ud);

/* ----------------------------------------------------------------- check */

typedef struct bp_check_options {
  /** Font coverage: true when some font has a glyph for cp. NULL: skip. */
  bool (*covers)(void *ud, uint32_t cp);
  void *covers_ud;
} bp_check_options;

/** Checks a data folder: citations/ *.json (CSL-JSON), claims/ *.json,
 * series/ *.csv (+ .json metadata), articles/ *.json (+ their Markdown and
 * bibliography), and *.csv / records/ *.csv (records). Also accepts a single
 * file (kind from its directory name). Collects every problem into *out
 * (sorted by file, line, column) and returns BP_OK when the checks ran (even
 * with errors in the data); BP_ERR_IO when `dir` cannot be read. */
bp_status bp_check_folder(bp_ctx *ctx, const char *dir, const bp_check_options *opts,
                          bp_diag_list **out);

typedef struct bp_dataset_lazy bp_dataset_lazy;

/** Everything in a data folder, loaded after a clean check (no errors); or,
 * opened by bp_dataset_open, what one document has asked for so far. */
typedef struct bp_dataset {
  char *dir;
  bp_bib *bib;       /* all of citations/ *.json */
  bp_claims *claims; /* all of claims/ *.json (opened: those loaded) */
  bp_series **series;
  size_t n_series;
  bp_records **records;
  size_t n_records;
  bp_dataset_lazy *lazy; /* bp_dataset_open's loader (check.c), else NULL */
} bp_dataset;

/** Checks and loads a data folder; fails (ctx holds the first error) when
 * the check finds any error. */
bp_status bp_dataset_load(bp_ctx *ctx, const char *dir, bp_dataset **out);
/** The same, except that problems in the file `except` do not fail the load
 * (a batch checks its records file record by record: one bad record must not
 * stop the others). */
bp_status bp_dataset_load_except(bp_ctx *ctx, const char *dir, const char *except,
                                 bp_dataset **out);
/** A data folder for one document (`render`): loads and checks its
 * citations (all of them: any text may cite any), then each claims, series
 * or records file when the document first asks for it through the _find
 * functions below; the files it never asks for are not read (`check`
 * checks them: whatever fails here, check reports). Fails (ctx holds the
 * first error, file:line:col) when the citations have an error. A single
 * file or standard input is loaded whole, as bp_dataset_load does. One
 * document's: its lists grow while it loads, so threads must not share it. */
bp_status bp_dataset_open(bp_ctx *ctx, const char *dir, bp_dataset **out);
void bp_dataset_free(bp_dataset *ds);
/** The claim `id` (borrowed; NULL when there is none), loading the claims
 * files of an opened data set that name it, or all of them; an error in a
 * file it loads fails (file:line:col). Pointers to claims stay valid
 * until the next call. */
bp_status bp_dataset_claim_find(bp_ctx *ctx, const bp_dataset *ds, const char *id,
                                const bp_claim **out);
/** Borrowed series whose CSV or metadata base name is `name`
 * ("crypto_theft"), or NULL when there is none; an opened data set loads
 * series/NAME.csv (or .json, or, for a name no file has, all of series/)
 * first, and fails on its first error (file:line:col). */
bp_status bp_dataset_series_find(bp_ctx *ctx, const bp_dataset *ds, const char *name,
                                 const bp_series **out);
/** The same for records: NAME.csv, else records/NAME.csv (else all). */
bp_status bp_dataset_records_find(bp_ctx *ctx, const bp_dataset *ds, const char *name,
                                  const bp_records **out);
/** bp_dataset_series_find without the error (NULL then). */
const bp_series *bp_dataset_series(const bp_dataset *ds, const char *name);
/** bp_dataset_records_find without the error (NULL then). */
const bp_records *bp_dataset_records(const bp_dataset *ds, const char *name);

#endif
