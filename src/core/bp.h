/* bp.h - core of briefpress: status codes, the error context, memory helpers
 * and a growable string buffer. Every other module includes this; it depends
 * on nothing but the C library. */
#ifndef BP_H
#define BP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <pthread.h>

#include <nettle/sha2.h>

/** The program's version (also part of the batch manifest's content hash). */
#define BP_VERSION "0.1.0"

typedef enum bp_status {
  BP_OK = 0,
  BP_ERR_IO,     /* a file could not be read or written */
  BP_ERR_DATA,   /* input data is malformed or inconsistent */
  BP_ERR_FONT,   /* a font is missing, differs from the manifest, or lacks a glyph */
  BP_ERR_LAYOUT, /* the document does not fit or cannot be laid out */
  BP_ERR_RENDER, /* a device (PDF, PNG) failed */
  BP_ERR_USAGE   /* bad command-line use */
} bp_status;

/* The helpers the mail module (briefpress-mail.so, loaded by `newsletter`:
 * src/mail/mail.h) calls back into the program for: exported by the
 * program (CMake's ENABLE_EXPORTS), never by libbriefpress.so
 * (cmake/libbriefpress.map). Everything else stays hidden. */
#define BP_HOST_API __attribute__((visibility("default")))

/** The error context: keeps the first error's message (cairo's rule: the
 * first error is the most significant). Not thread-safe; use one per thread. */
typedef struct bp_ctx {
  bp_status status;
  char msg[1024];
} bp_ctx;

void bp_ctx_init(bp_ctx *ctx);
/** Records an error if none is recorded yet; returns `st` for tail calls. */
BP_HOST_API bp_status bp_error(bp_ctx *ctx, bp_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Puts context before the recorded error: the message becomes the
 * formatted prefix followed by the old message (write the separator, e.g.
 * "record 'x' (f.csv:3): ", into the prefix). Keeps the status (or sets
 * `fallback` when none was recorded) and returns it. */
bp_status bp_error_wrap(bp_ctx *ctx, bp_status fallback, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Forgets the recorded error (e.g. after reporting it for one batch record). */
void bp_ctx_clear(bp_ctx *ctx);
const char *bp_status_name(bp_status st);

/* Out-of-memory aborts with a message (cmark's xcalloc). */
BP_HOST_API void *bp_malloc(size_t n);
void *bp_calloc(size_t n, size_t size);
void *bp_realloc(void *p, size_t n);
BP_HOST_API char *bp_strdup(const char *s);
BP_HOST_API char *bp_strndup(const char *s, size_t n);
/** Grows *items (of `size` bytes each) so index `need-1` fits; doubles capacity. */
void bp_grow(void **items, size_t *cap, size_t need, size_t size);
#define BP_PUSH(arr, n, cap, val)                                                                  \
  do {                                                                                             \
    if ((size_t)((n) + 1) > (cap)) bp_grow((void **)&(arr), &(cap), (n) + 1, sizeof(*(arr)));      \
    (arr)[(n)++] = (val);                                                                          \
  } while (0)

/** Memory handed out in order from blocks and released all at once: for
 * many small objects that live and die together (a display list's texts, a
 * PDF's libharu objects). Zero-initialise; `first` is the first block's
 * size (0: 256 bytes, for the many small lists a cache keeps), each next block
 * twice the last, up to 64 KB; a piece over 16 KB is a block of its own. */
typedef struct bp_arena {
  struct bp_arena_block *head; /* the block being filled; older ones after it */
  size_t first;
} bp_arena;
/** `n` bytes aligned to 16, or NULL when out of memory (the caller says so). */
void *bp_arena_try(bp_arena *a, size_t n);
/** bp_arena_try, aborting when out of memory as bp_malloc does. */
void *bp_arena_alloc(bp_arena *a, size_t n);
/** A copy of n bytes of s with a NUL after them, in the arena. */
char *bp_arena_strndup(bp_arena *a, const char *s, size_t n);
/** The bytes its blocks hold (what it costs, not what is handed out). */
size_t bp_arena_bytes(const bp_arena *a);
/** Frees every block; the arena is empty again. */
void bp_arena_release(bp_arena *a);

/** A growable NUL-terminated byte buffer. */
typedef struct bp_buf {
  char *data;
  size_t len, cap;
} bp_buf;

BP_HOST_API void bp_buf_put(bp_buf *b, const char *s, size_t n);
BP_HOST_API void bp_buf_puts(bp_buf *b, const char *s);
BP_HOST_API void bp_buf_putc(bp_buf *b, char c);
BP_HOST_API void bp_buf_printf(bp_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Appends s with & < > " ' escaped for HTML or XML text and attribute
 * values. Any bytes: unlike g_markup_escape_text, s need not be UTF-8. */
BP_HOST_API void bp_buf_put_markup(bp_buf *b, const char *s);
/** Returns the owned string and leaves the buffer empty. */
BP_HOST_API char *bp_buf_detach(bp_buf *b);
BP_HOST_API void bp_buf_free(bp_buf *b);

/* UTF-8 */
/** Decodes one code point at s[0..n); sets *len to its byte length. Returns
 * -1 (and *len = 1) on an invalid sequence. */
BP_HOST_API int32_t bp_utf8_decode(const char *s, size_t n, int *len);
/** Appends the UTF-8 encoding of cp; returns bytes written (1..4). */
int bp_utf8_encode(uint32_t cp, char out[4]);
/** True when s[0..n) is valid UTF-8. Sets *bad_off to the first bad byte. */
BP_HOST_API bool bp_utf8_valid(const char *s, size_t n, size_t *bad_off);
/** True for Hangul syllables, jamo and compatibility jamo. */
BP_HOST_API bool bp_is_hangul(uint32_t cp);

/* Files */
/** The most bp_file_read reads (fonts are the largest inputs); data files
 * have lower limits (BP_DATA_FILE_MAX_BYTES in src/data/data.h). */
#define BP_FILE_MAX_BYTES ((size_t)256 << 20)
/** Reads a whole regular file of at most max_bytes. A folder, FIFO, device
 * or socket is refused without reading ("PATH: is a folder, not a file"), as
 * is a larger file; at most max_bytes + 1 bytes are ever read. The result is
 * NUL-terminated and owned by the caller. Fails with BP_ERR_IO. */
bp_status bp_file_read_max(bp_ctx *ctx, const char *path, size_t max_bytes, char **out,
                           size_t *out_len);
/** The name under which standard input is read once bp_stdin_load has run
 * (a command's input given as "-"): errors name it, and relative paths in
 * it resolve against the current folder. */
#define BP_STDIN_NAME "<stdin>"
/** Reads all of standard input (at most BP_FILE_MAX_BYTES) and keeps it for
 * the rest of the process: from then on bp_file_read(BP_STDIN_NAME) gives
 * these bytes (each read registers standard input as one of the run's
 * inputs, so an output that is the same file is refused). Call once, before
 * any thread reads files. Fails with BP_ERR_IO naming "<stdin>". */
bp_status bp_stdin_load(bp_ctx *ctx);
/** bp_file_read_max with BP_FILE_MAX_BYTES. */
bp_status bp_file_read(bp_ctx *ctx, const char *path, char **out, size_t *out_len);
/** "a folder", "a FIFO (named pipe)", "a character device"... for st_mode. */
const char *bp_file_type_name(unsigned mode);
/** bp_file_read for a file briefpress itself writes (a cache): the file is
 * not registered as an input of the run, so it may be written again. */
bp_status bp_file_read_own(bp_ctx *ctx, const char *path, char **out, size_t *out_len);
/** Writes bytes to `path` through the output-file module (src/core/outfile.h):
 * a temporary file beside it, fsync, rename, read back. */
bp_status bp_file_write_atomic(bp_ctx *ctx, const char *path, const void *data, size_t len);
/** Creates `dir` and its missing parents. *created (may be NULL) tells
 * whether `dir` itself is new. An existing non-folder is an error. */
bp_status bp_mkdir_p(bp_ctx *ctx, const char *dir, bool *created);
/** The user's cache folder: $XDG_CACHE_HOME when it is absolute (the XDG
 * base directory rule: a relative one is ignored), else $HOME/.cache when
 * HOME is absolute; NULL when neither. Owned (free). Not created. */
char *bp_user_cache_dir(void);
/** The fonts shipped with this build of the library: PREFIX/share/briefpress/fonts
 * when installed, the source tree's fonts/ in the build tree (src/core/datadir.c). */
const char *bp_data_fonts_dir(void);
/** The templates shipped with it, beside the fonts (DATA/templates). */
const char *bp_data_templates_dir(void);
/** The file of the module `file` ("briefpress-mail.so"), owned by the
 * caller: in the build tree's folder of modules, or in
 * PREFIX/LIBDIR/briefpress/, found relative to the installed library or
 * program first, as the fonts are (src/core/datadir.c). */
char *bp_data_module_path(const char *file);

/** One of the program's modules (src/core/module.c), as a static object:
 * {.what = "mail", .file = "briefpress-mail.so", .symbol = "...", .valid =
 * ..., .lock = PTHREAD_MUTEX_INITIALIZER}. `valid` tells whether the table
 * the symbol points to is from this build (its ABI number and sizes). */
typedef struct bp_module {
  const char *what, *file, *symbol;
  bool (*valid)(const void *table);
  pthread_mutex_t lock;
  bool tried;
  const void *table;
  char why[768];
} bp_module;
/** Loads module `m` once per process (thread-safe; never unloaded) and
 * gives its table in *out (borrowed, valid until exit). BP_ERR_IO naming
 * the module's file and the loader's reason when it is missing, cannot be
 * loaded or is from another build; the same error on every later call. */
bp_status bp_module_open(bp_ctx *ctx, bp_module *m, const void **out);
/** SOURCE_DATE_EPOCH as seconds, or -1 when unset or not a number (as
 * the environment had it when bp_source_date_epoch_hold ran, if it did). */
long long bp_source_date_epoch(void);
/** Keeps SOURCE_DATE_EPOCH for bp_source_date_epoch and takes it out of
 * the environment, for a program to call at start, before any thread:
 * fontconfig 2.14 stamps the font cache it writes with SOURCE_DATE_EPOCH
 * but checks the cache it reads against the folder's real time, so with
 * the variable set every run rescanned and rewrote the fonts' cache. */
void bp_source_date_epoch_hold(void);
/** The message for errno value `err`, safe in threads (POSIX's strerror is
 * not): written into buf[size] or a constant string; never NULL. */
const char *bp_strerror_r(int err, char *buf, size_t size);
/** bp_strerror_r with a buffer that lives until the end of the enclosing
 * block: for use as an argument, e.g. bp_error(..., BP_STRERROR(errno)). */
#define BP_STRERROR(err) bp_strerror_r((err), (char[128]){""}, 128)
/** SHA-256 of data, as 64 lowercase hex digits plus NUL. */
BP_HOST_API void bp_sha256_hex(const void *data, size_t len, char out[65]);

/** A safe ASCII file-name stem from any text (UTF-8 or not; NULL as ""):
 * lower-case letters, digits, '_' and single '-' for any other run, never
 * leading or trailing; Hangul romanised (Revised Romanisation, letter by
 * letter: "대한민국" -> "daehanminguk"), other letters transliterated
 * ("Côte" -> "cote", "ß" -> "ss"), apostrophes dropped ("Korea’s" ->
 * "koreas"); at most `max_bytes` bytes (at least 8; cut at a '-' where
 * possible); never "." or "..", never a Windows device name (con, nul,
 * com1...: "-" appended). May be "" (the caller picks a fallback). Caller
 * frees. (src/core/slug.c) */
char *bp_slug(const char *text, size_t max_bytes);
/** SHA-256 over data given in pieces: init, update..., final (hex as above). */
typedef struct bp_sha256 {
  struct sha256_ctx ctx; /* nettle's */
} bp_sha256;
void bp_sha256_init(bp_sha256 *s);
void bp_sha256_update(bp_sha256 *s, const void *data, size_t len);
void bp_sha256_final(bp_sha256 *s, char out[65]);

#endif
