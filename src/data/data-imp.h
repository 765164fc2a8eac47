/* data-imp.h - private to src/data: source files with line index and
 * diagnostics, the JSON position locator over jansson, a string map, CSV
 * tokenizer and the per-format parsers the loaders and the checker share.
 * Nothing outside src/data includes this. */
#ifndef BP_DATA_IMP_H
#define BP_DATA_IMP_H

#include <jansson.h>

#include "data.h"

/* A file's bytes plus a line index; diagnostics about it go to `dl`. */
typedef struct bp_src {
  char *path;
  char *text; /* NUL-terminated; owned by `shared` once a diagnostic keeps it */
  size_t len;
  bp_diag_text *shared; /* made by the first diagnostic with a source line */
  size_t start;         /* 3 after a BOM, else 0 */
  size_t *ls;           /* line start offsets */
  size_t n_ls;
  bp_diag_list *dl;
  size_t n_diags;      /* diagnostics reported about this file */
  bool usable;         /* false: unreadable, empty or invalid UTF-8 (already reported) */
  bool json;           /* scan \u escapes when checking characters */
  int oc_line, oc_col; /* bp__src_off's last answer (a cache) */
  size_t oc_off;
  int lc_line, lc_col; /* bp__src_linecol's last answer (a cache) */
  size_t lc_off;
} bp_src;

/* Reads `path`. Always returns a src (free with bp__src_free); on failure
 * `usable` is false and the problem is reported to dl. *io_failed (may be
 * NULL) is set when the file could not be read at all. */
bp_src *bp__src_open(bp_diag_list *dl, const char *path, bool *io_failed);
/* bp__src_open, but NUL bytes and bad UTF-8 do not make the file unusable:
 * the caller reports them where they are (a batch fails only the record). */
bp_src *bp__src_open_rows(bp_diag_list *dl, const char *path, bool *io_failed);
/* bp__src_open for a file found in (not named by) the data folder `root`
 * (NULL: no check): one that leads outside it through a symbolic link is
 * reported and not read. */
bp_src *bp__src_open_in(bp_diag_list *dl, const char *root, const char *path, bool *io_failed);
/* bp_data_path_resolve for `rel` named at byte `off` of s ("body" for
 * `what`); NULL (reported at off) on failure. */
char *bp__path_resolve(bp_src *s, size_t off, const char *root, const char *what, const char *rel);
/* Same over bytes in memory (copied). */
bp_src *bp__src_mem(bp_diag_list *dl, const char *path, const char *data, size_t len);
void bp__src_free(bp_src *s);
/* Line (1-based) and column (characters, 1-based) of byte offset `off`. */
void bp__src_linecol(const bp_src *s, size_t off, int *line, int *col);
/* Byte offset of (line, character column). */
size_t bp__src_off(const bp_src *s, int line, int col);
void bp__diag(bp_src *s, bp_severity sev, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A diagnostic not tied to a loaded src (file-level). */
void bp__diag_file(bp_diag_list *dl, bp_severity sev, const char *file, int line, int col,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Reports characters outside the BMP and (with covers) characters no font has. */
void bp__src_check_chars(bp_src *s, bool (*covers)(void *, uint32_t), void *ud);
void bp__diag_sort(bp_diag_list *dl);
/* Frees what one diagnostic owns (not d itself). */
void bp__diag_release(bp_diag *d);
/* Sets ctx from the first error of dl ("file:line:col: message"). */
bp_status bp__diag_to_ctx(bp_ctx *ctx, const bp_diag_list *dl, bool io_failed);

/* A string -> size_t map; keys are copied. */
typedef struct bp_strmap {
  char **keys;
  size_t *vals;
  size_t n, cap;
} bp_strmap;
void bp__map_put(bp_strmap *m, const char *key, size_t val); /* replaces */
bool bp__map_get(const bp_strmap *m, const char *key, size_t *val);
void bp__map_free(bp_strmap *m);

/* jansson + positions. */
typedef struct bp_json bp_json;
/* Parses s as JSON; NULL (error reported) on failure. */
bp_json *bp__json_parse(bp_src *s);
void bp__json_free(bp_json *j);
json_t *bp__json_root(const bp_json *j);
/* Offsets (into s->text) of a member's value / key, an element, a container. */
size_t bp__json_val(const bp_json *j, const json_t *obj, const char *key);
size_t bp__json_key(const bp_json *j, const json_t *obj, const char *key);
size_t bp__json_elem(const bp_json *j, const json_t *arr, size_t i);
size_t bp__json_start(const bp_json *j, const json_t *container);
/* Raw offset of decoded byte `dec` of the string literal at `val_off`. */
size_t bp__json_str_off(const bp_json *j, size_t val_off, size_t dec);
/* The same, resuming from a known pair (raw, dec_have) inside the string. */
size_t bp__json_str_off_from(const bp_json *j, size_t raw, size_t dec_have, size_t dec);
const char *bp__json_type_name(const json_t *v);
/* Reports members of obj not in the NULL-terminated `known` list (warning). */
void bp__json_unknown_keys(bp_src *s, const bp_json *j, const json_t *obj, const char *const *known,
                           const char *what);

/* Citation references seen while checking (for "cited by nobody"). */
typedef struct bp_refs {
  bp_strmap ids;
} bp_refs;

/* Who resolves citation ids: a bib (errors on unknown ids) and refs (records
 * that the id was cited); both may be NULL. `only_path`: the id must come
 * from this bibliography file (articles). */
typedef struct bp_resolver {
  const bp_bib *bib;
  bp_refs *refs;
  const char *only_path;
} bp_resolver;
/* Checks one cited id at offset off of s. Returns the item or NULL. */
const bp_csl_item *bp__resolve(bp_src *s, const bp_resolver *r, const char *id, size_t off);

/* Bibliography integrity (integrity.c). The URL without scheme, "www.",
 * fragment, path parameters (;jsessionid=), trailing slash and tracking
 * query parameters (utm_*, fbclid, ab_channel...): two URLs of the same page
 * give the same key. Owned. */
char *bp__url_key(const char *url);
/* A publication date written in a URL (/2023/12/11/, /2023/12/, 2023-11-01,
 * 20230523..., RFA's 10272023152134); false when there is none. */
bool bp__url_date(const char *url, bp_date *out);
/* True when s has curly quotes and straight ones (" or '); *straight_off
 * gets the first straight one's byte offset. */
bool bp__quotes_mixed(const char *s, size_t *straight_off);
/* Warnings about one parsed item (placeholder titles, editor's notes in
 * printed fields, mixed quotes, double quotes in an original title, issued vs URL date, approximate
 * dates without circa), reported at their positions in s. */
void bp__item_check(bp_src *s, const bp_json *j, const json_t *o, const bp_csl_item *it);
/* Warns about two items of bib that are the same work (same URL key, DOI,
 * or title and month), at the later one, naming the first; src_of finds the
 * loaded file of an item's path (NULL: not reported). */
void bp__bib_check_same_work(const bp_bib *bib, bp_src *(*src_of)(void *, const char *), void *ud);
/* When `it` (what `*id` resolved to) has another id, replaces *id with it
 * (an alias becomes the work's own id, so a work is one endnote). */
void bp__cite_canon(char **id, const bp_csl_item *it);

/* Format parsers (report to s->dl; append to the out objects). */
void bp__bib_parse(bp_src *s, bp_json *j, bp_bib *bib);
bp_bib *bp__bib_new(void);
void bp__claims_parse(bp_src *s, bp_json *j, bp_claims *c, const bp_resolver *r, bp_strmap *ids);
/* The CSV a series' metadata names in "data", inside root; NULL (reported). */
char *bp__series_data_path(bp_src *meta, bp_json *mj, const char *root);
/* meta/mj may be NULL; csv may be NULL (reported). */
bp_series *bp__series_parse(bp_src *csv, bp_src *meta, bp_json *mj, const bp_resolver *r);
/* d: the dialect from the metadata (may be NULL; a delimiter of 0 is
 * detected), `meta` the metadata's path for the detection's warning. */
bp_records *bp__records_parse(bp_src *s, const bp_resolver *r, const bp_csv_dialect *d,
                              const char *meta);
/* bp__records_parse for bp_records_load_each (s from bp__src_open_rows). */
bp_records *bp__records_parse_each(bp_src *s, const bp_csv_dialect *d, const char *meta);
/* A records CSV's metadata JSON: x.json beside x.csv when it exists, else
 * NULL. Caller frees. */
char *bp__records_meta_path(const char *csv_path);
/* Reads records metadata (m may be NULL: nothing): {"csv": {...}, "title",
 * "description"}; the dialect into d. */
void bp__records_meta(bp_src *m, bp_csv_dialect *d);
bp_doc *bp__markdown_parse(bp_src *s);
/* cmark-gfm's tree of t[0..n) with source positions, tables and footnotes,
 * as bp__markdown_parse reads it (free with cmark_node_free). */
struct cmark_node *bp__markdown_tree(const char *t, size_t n);
/* The byte offset in inline markup `text` (a JSON string's: a claim's, a
 * brief's summary) of its first raw HTML, inline or a block, which
 * bp_inline_parse prints as written (a comment: not at all); *len its
 * length, to its first '>' on its line. SIZE_MAX when there is none. */
size_t bp__inline_html(const char *text, size_t *len);
/* The warning for that HTML in `what` ("the claim's \"text\""). Owned. */
char *bp__inline_html_message(const char *text, size_t off, size_t len, const char *what);
/* A brief's Markdown file: no front matter (its fields are the brief's);
 * with `text` (a summary), paragraphs only and no footnotes. Reports to s. */
void bp__markdown_brief_check(bp_src *s, const bp_doc *doc, bool text);
/* Resolves the citations of a parsed Markdown doc (aliases become the
 * work's own id). */
void bp__doc_check_cites(bp_src *s, bp_doc *doc, const bp_resolver *r);
/* Manifest fields only (body and bib paths resolved inside the data folder
 * `root`); NULL on errors. */
bp_article *bp__article_parse(bp_src *s, bp_json *j, const char *root);
/* The article's metadata from its manifest (s, j) or its body's front
 * matter (doc's): both are copied the same; a field set in both, or no title
 * in either, is an error in the manifest. */
void bp__article_merge(bp_src *s, bp_json *j, bp_article *a, bp_doc *doc);
/* The bibliography a Markdown article on its own names in its front matter
 * (doc's, parsed from s), resolved inside `root`; NULL when it names none or
 * on an error (reported at the value). */
char *bp__markdown_bib_path(bp_src *s, const bp_doc *doc, const char *root);

/* CSV tokenizer: one record at a time. */
typedef struct bp_csv_field {
  char *text; /* unquoted, owned */
  size_t off; /* offset of the field's first byte in the src */
} bp_csv_field;
typedef struct bp_csv_rec {
  bp_csv_field *f;
  size_t n, cap;
  size_t off; /* where the record starts */
} bp_csv_rec;
typedef struct bp_csv {
  bp_src *s;
  size_t pos;
  char delim; /* 0: ',' */
} bp_csv;
/* Fills d->delimiter when it is 0: ';' when the header line has more
 * semicolons than commas outside quotes (a warning at 1:1 saying how to
 * declare it; `meta` names the file to declare it in, or NULL), else ','. */
void bp__csv_detect(bp_src *s, bp_csv_dialect *d, const char *meta);
/* Reads {"csv": {...}} of the metadata object `o` into d (errors at the
 * values). */
void bp__csv_dialect_json(bp_src *m, bp_json *j, json_t *o, bp_csv_dialect *d);
/* Reads the next record into rec (cleared first). Returns false at end of
 * input or on a syntax error (reported; *bad set). Skips blank lines. */
bool bp__csv_next(bp_csv *c, bp_csv_rec *rec, bool *bad);
void bp__csv_rec_free(bp_csv_rec *rec);
/* Header handling shared by records and series: reads the header, checks
 * names are non-empty and unique. Returns false (reported) on failure. */
bool bp__csv_header(bp_csv *c, bp_csv_rec *hdr);

/* Helpers */
/* Validates y/m/d (m, d may be 0 = absent). */
bool bp__date_check(int y, int m, int d, char *why, size_t why_size);
char *bp__path_join(const char *dir, const char *rel);
char *bp__path_dir(const char *path);
const char *bp__path_base(const char *path);
/* Strict decimal number (optional sign, digits, fraction, exponent; spaces
 * around allowed). */
bool bp__parse_number(const char *s, double *out);
/* Citation id syntax (pandoc): alnum/_ first, internal punctuation :.#$%&-+?<>~/ */
bool bp__cite_id_valid(const char *id);
/* Record id: letters, digits, '-', '_'. */
bool bp__record_id_valid(const char *id);

#endif
