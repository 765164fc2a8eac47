/* jdoc.h - a JSON document that remembers where each value came from, for
 * loaders outside src/data (templates, briefs) that must report problems as
 * `file:line:column: message`. A thin public face over the data layer's
 * position-aware jansson wrapper. */
#ifndef BP_JDOC_H
#define BP_JDOC_H

#include <jansson.h>

#include "../core/bp.h"

typedef struct bp_jdoc bp_jdoc;

/** Reads and parses a JSON file. Syntax errors, invalid UTF-8, a BOM or an
 * empty file fail with BP_ERR_DATA and `file:line:col: message`. */
bp_status bp_jdoc_load(bp_ctx *ctx, const char *path, bp_jdoc **out);
/** Parses `len` bytes of JSON named `name` (for messages) like bp_jdoc_load. */
bp_status bp_jdoc_parse(bp_ctx *ctx, const char *name, const char *data, size_t len, bp_jdoc **out);
void bp_jdoc_free(bp_jdoc *jd);
/** The root value (borrowed). */
json_t *bp_jdoc_root(const bp_jdoc *jd);
const char *bp_jdoc_path(const bp_jdoc *jd);
/** Records `file:line:col: message` for the value of obj[key] (key NULL: obj
 * itself) and returns BP_ERR_DATA. */
bp_status bp_jdoc_error(bp_ctx *ctx, const bp_jdoc *jd, const json_t *obj, const char *key,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/** `file:line:col: message` for the value of obj[key] (key NULL: obj
 * itself), owned (free()): a warning to print, not an error. */
char *bp_jdoc_message(const bp_jdoc *jd, const json_t *obj, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** Inline markup (a brief's summary or body paragraph) at obj[key], or
 * with key NULL at element i of the array obj: when it holds raw HTML,
 * which is printed as written, a warning `file:line:col: message` at its
 * place in the string naming `what` ("the brief's \"summary\""), owned;
 * else NULL. */
char *bp_jdoc_markup_warning(const bp_jdoc *jd, const json_t *obj, const char *key, size_t i,
                             const char *what);
/** The same for element i of an array. */
bp_status bp_jdoc_error_elem(bp_ctx *ctx, const bp_jdoc *jd, const json_t *arr, size_t i,
                             const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
