/* briefpress.h - the public C API of libbriefpress: open a font set, load a
 * brief, an article or one record of a records CSV through a profile
 * template, and write the laid-out document as PDF to a file, to memory or
 * through a callback.
 *
 * Build against it with `pkg-config --cflags --libs briefpress` (add
 * `--static` for libbriefpress.a) or, from CMake,
 * `find_package(briefpress)` and `target_link_libraries(app briefpress::briefpress)`.
 *
 * Conventions (the same for every function):
 * - Types are opaque; `_open`/`_load` give an object the caller owns and
 *   frees with the matching `_free`, which accepts NULL.
 * - Functions that can fail return a briefpress_status (BRIEFPRESS_OK = 0)
 *   and take a last argument `err` (may be NULL) that receives the status
 *   and a one-line message (`file:line:column: what`) on failure; on
 *   success `err` is left alone. Out-parameters are set to NULL/0 on failure.
 * - Strings are UTF-8 and NUL-terminated; paths are file-system paths.
 *   Lengths are in bytes; page sizes in the documents are points (1/72 in).
 * - Out of memory aborts the process with a message (as cmark does).
 * - Thread safety: a briefpress_fonts and the documents loaded with it may
 *   be used by one thread at a time; threads that work in parallel each
 *   open their own font set.
 * - Dates: when the environment variable SOURCE_DATE_EPOCH holds a number
 *   of seconds, the PDF's dates are that time; otherwise the PDF has no
 *   dates. Either way the same input gives the same bytes.
 */
#ifndef BRIEFPRESS_H
#define BRIEFPRESS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define BRIEFPRESS_API __attribute__((visibility("default")))
#else
#define BRIEFPRESS_API
#endif

/** The version of this header ("MAJOR.MINOR.PATCH"). */
#define BRIEFPRESS_VERSION "0.1.0"

/** Why a call failed. The values are stable. */
typedef enum briefpress_status {
  BRIEFPRESS_OK = 0,
  BRIEFPRESS_ERR_IO = 1,     /**< a file could not be read or written */
  BRIEFPRESS_ERR_DATA = 2,   /**< input data is malformed or inconsistent */
  BRIEFPRESS_ERR_FONT = 3,   /**< a font is missing, damaged or lacks a glyph */
  BRIEFPRESS_ERR_LAYOUT = 4, /**< the document does not fit its page(s) */
  BRIEFPRESS_ERR_RENDER = 5, /**< the PDF could not be made */
  BRIEFPRESS_ERR_USAGE = 6   /**< a bad argument (a NULL pointer, an unknown record id) */
} briefpress_status;

/** Filled in by a failing call: its status and message. A plain struct the
 * caller declares (no need to initialise or free it). */
typedef struct briefpress_error {
  briefpress_status status;
  char message[1024]; /**< NUL-terminated, UTF-8 */
} briefpress_error;

/** A font set (the fonts of a folder with MANIFEST.tsv and fonts.conf) and
 * the typesetter over it. Opaque. */
typedef struct briefpress_fonts briefpress_fonts;

/** A loaded and laid-out document, ready to be written as PDF. Opaque. */
typedef struct briefpress_doc briefpress_doc;

/** Receives the PDF in pieces, in order: `len` bytes at `data` (valid only
 * during the call). Return 0 to go on, anything else to stop: the render
 * call then fails with BRIEFPRESS_ERR_IO. */
typedef int (*briefpress_write_fn)(void *user_data, const void *data, size_t len);

/** The library's version, e.g. "0.1.0" (static storage). */
BRIEFPRESS_API const char *briefpress_version(void);

/** The font folder used when none is given: $BRIEFPRESS_FONTS when set and
 * not empty, else the fonts installed with the library
 * (PREFIX/share/briefpress/fonts). Static storage or the environment's. */
BRIEFPRESS_API const char *briefpress_fonts_default_dir(void);

/** Opens the font set in folder `dir` (NULL: briefpress_fonts_default_dir()).
 * Every font file is checked against the folder's MANIFEST.tsv (SHA-256)
 * and only those files are used; the machine's own fonts never are.
 * Fails with BRIEFPRESS_ERR_FONT (a missing, changed or unreadable font)
 * or BRIEFPRESS_ERR_IO. On success *out is the caller's; free it with
 * briefpress_fonts_free after every document loaded with it. */
BRIEFPRESS_API briefpress_status briefpress_fonts_open(const char *dir, briefpress_fonts **out,
                                                       briefpress_error *err);
/** Frees a font set (NULL is fine). */
BRIEFPRESS_API void briefpress_fonts_free(briefpress_fonts *fonts);

/** Loads a brief (data/briefs/NAME.json: fitted to one page) or an article
 * manifest (data/articles/NAME.json: a Markdown body with citations),
 * whichever `path` is, with its data folder, checks it and lays it out with
 * `fonts` (borrowed: it must outlive the document). `template_path` (may be
 * NULL) restyles it with another template than the one it names. Fails
 * with BRIEFPRESS_ERR_DATA (`file:line:column: message`),
 * BRIEFPRESS_ERR_LAYOUT (a brief that does not fit: by how many points, and
 * the largest sections), BRIEFPRESS_ERR_FONT or BRIEFPRESS_ERR_IO. On
 * success *out is the caller's (briefpress_doc_free). */
BRIEFPRESS_API briefpress_status briefpress_doc_load(briefpress_fonts *fonts, const char *path,
                                                     const char *template_path,
                                                     briefpress_doc **out, briefpress_error *err);

/** Loads record `record_id` (its "id" column) of the records CSV
 * `records_path` and lays it out with the profile template `template_path`
 * (e.g. templates/country-profile.json) and the data folder `data_dir`
 * (NULL: the folder of the CSV), as `briefpress batch` does for each record.
 * Fails as briefpress_doc_load does, or with BRIEFPRESS_ERR_USAGE when no
 * record has that id. On success *out is the caller's. */
BRIEFPRESS_API briefpress_status briefpress_doc_load_record(
    briefpress_fonts *fonts, const char *template_path, const char *records_path,
    const char *data_dir, const char *record_id, briefpress_doc **out, briefpress_error *err);

/** The number of pages of a loaded document (>= 1). */
BRIEFPRESS_API int briefpress_doc_pages(const briefpress_doc *doc);
/** The document's title (borrowed: valid while the document lives), or
 * NULL when it has none. */
BRIEFPRESS_API const char *briefpress_doc_title(const briefpress_doc *doc);

/** Writes the document as a PDF file at `path`: into a temporary file beside
 * it, synced, renamed into place and read back, so a failure leaves no file
 * (and an existing file as it was). "-" and "/dev/stdout" write to standard
 * output (descriptor 1). Refused (BRIEFPRESS_ERR_IO or _USAGE, nothing
 * written): a symbolic link, a device, a FIFO, a folder, or a file this
 * process has read as an input. The bytes are exactly those `briefpress
 * render` writes for the same input. */
BRIEFPRESS_API briefpress_status briefpress_doc_render_file(const briefpress_doc *doc,
                                                            const char *path,
                                                            briefpress_error *err);

/** Makes the PDF in memory: on success *data is a malloc'd buffer of *len
 * bytes that the caller frees with briefpress_free (or free()); on failure
 * *data is NULL and *len 0. */
BRIEFPRESS_API briefpress_status briefpress_doc_render_memory(const briefpress_doc *doc,
                                                              unsigned char **data, size_t *len,
                                                              briefpress_error *err);

/** Makes the PDF and hands it to `write` in pieces of at most 64 KB (the
 * whole document is made first, so a failure to make it calls `write`
 * never). Fails with BRIEFPRESS_ERR_IO when `write` returns non-zero. */
BRIEFPRESS_API briefpress_status briefpress_doc_render_write(const briefpress_doc *doc,
                                                             briefpress_write_fn write,
                                                             void *user_data,
                                                             briefpress_error *err);

/** Frees a document (NULL is fine). */
BRIEFPRESS_API void briefpress_doc_free(briefpress_doc *doc);

/** Frees memory the library gave the caller (briefpress_doc_render_memory's
 * buffer); NULL is fine. */
BRIEFPRESS_API void briefpress_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
