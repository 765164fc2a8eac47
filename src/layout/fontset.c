/* fontset.c - the project's private font set: checks fonts/ against
 * fonts/MANIFEST.tsv, loads fonts/fonts.conf into a private FcConfig (the
 * machine's configuration is never loaded; the first private one is made
 * the process-wide one) and builds a Pango font map over it. Only the files
 * the manifest lists load: fonts.conf may not name other folders or files,
 * and every face fontconfig finds must be a listed file (and every listed
 * file a face). Checksums are cached in fonts/.verified by size and mtime,
 * so a file is hashed once per change rather than at every start; when the
 * fonts folder cannot be written (an installed program run by a user), in
 * the user's cache instead, keyed by the font's absolute path. */
#include "layout-imp.h"

#include "../data/data.h"

#include <errno.h>
#include <expat.h>
#include <limits.h>
#include <pango/pangofc-fontmap.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* The families of the files listed in fonts/MANIFEST.tsv, with the faces
 * each has and whether it has Hangul (keep in step with it: NotoSerif-*.ttf
 * is "Noto Serif", NanumGothic*.ttf "NanumGothic"...; test_fonts checks the
 * table against the font set). */
enum { REGULAR = 1, BOLD = 2, ITALIC = 4, BOLD_ITALIC = 8 };
static const struct {
  const char *name;
  unsigned faces;
  bool hangul;
} FAMILIES[] = {
    {"Noto Serif", REGULAR | BOLD | ITALIC | BOLD_ITALIC, false},
    {"Noto Sans", REGULAR | BOLD | ITALIC, false},
    {"NanumMyeongjo", REGULAR | BOLD, true},
    {"NanumGothic", REGULAR | BOLD, true},
    {"UnBatang", REGULAR | BOLD, true},
    {NULL, 0, false},
};

static int family_index(const char *family) {
  for (int i = 0; FAMILIES[i].name; i++)
    if (!strcasecmp(FAMILIES[i].name, family)) return i;
  return -1;
}

bool bp_font_family_known(const char *family) { return family_index(family) >= 0; }

bool bp_font_family_has_face(const char *family, bool bold, bool italic) {
  int i = family_index(family);
  unsigned want = bold && italic ? BOLD_ITALIC : bold ? BOLD : italic ? ITALIC : REGULAR;
  return i >= 0 && (FAMILIES[i].faces & want);
}

bool bp_font_family_has_hangul(const char *family) {
  int i = family_index(family);
  return i >= 0 && FAMILIES[i].hangul;
}

const char *bp_font_families(void) {
  return "Noto Serif, Noto Sans, NanumMyeongjo, NanumGothic, UnBatang";
}

static char *join(const char *dir, const char *file) {
  bp_buf b = {0};
  bp_buf_printf(&b, "%s/%s", dir, file);
  return bp_buf_detach(&b);
}

/* One verification-cache line: "NAME\tSIZE\tMTIME\tSHA256\n". */
static void cache_line(bp_buf *b, const char *name, const struct stat *st, const char *sha) {
  bp_buf_printf(b, "%s\t%lld\t%lld\t%s\n", name, (long long)st->st_size, (long long)st->st_mtime,
                sha);
}

/* True when `cache` has the line for `name` (a whole line: "Gothic.ttf"
 * is not "NanumGothic.ttf") with this size, mtime and the manifest's hash. */
static bool cache_says_ok(const char *cache, const char *name, const struct stat *st,
                          const char *sha) {
  if (!cache) return false;
  bp_buf key = {0};
  cache_line(&key, name, st, sha);
  bool ok = false;
  for (const char *at = cache; !ok && (at = strstr(at, key.data)); at++)
    ok = at == cache || at[-1] == '\n';
  bp_buf_free(&key);
  return ok;
}

/* The user's own verification cache, for a fonts folder it cannot write
 * (an installed program's): $XDG_CACHE_HOME/briefpress/fonts.verified, else
 * ~/.cache/briefpress/fonts.verified; NULL when neither is set. Its lines
 * name fonts by absolute path, so one file serves every fonts folder. */
static char *user_cache_path(void) {
  char *dir = bp_user_cache_dir();
  char *path = dir ? join(dir, "briefpress/fonts.verified") : NULL;
  free(dir);
  return path;
}

/* True for a line of `absdir`'s own fonts: "ABSDIR/NAME\t...". */
static bool line_of_folder(const char *line, size_t len, const char *absdir, size_t dl) {
  const char *tab = memchr(line, '\t', len);
  return tab && !strncmp(line, absdir, dl) && line[dl] == '/' &&
         !memchr(line + dl + 1, '/', (size_t)(tab - line - dl - 1));
}

/* Writes the user's cache anew: its lines for other folders' fonts (those
 * in its last 64 KB), then `ours`, the lines of the folder `absdir`. */
static void user_cache_write(const char *path, const char *old, const char *absdir,
                             const bp_buf *ours) {
  bp_buf b = {0};
  size_t dl = strlen(absdir), ol = old ? strlen(old) : 0;
  const char *from = old ? old : "";
  if (ol > 65536) { /* from the first whole line of the last 64 KB */
    const char *nl = strchr(old + ol - 65536, '\n');
    from = nl ? nl + 1 : "";
  }
  for (const char *line = from, *nl; (nl = strchr(line, '\n')); line = nl + 1)
    if (!line_of_folder(line, (size_t)(nl - line), absdir, dl))
      bp_buf_put(&b, line, (size_t)(nl + 1 - line)); /* a torn last line is dropped */
  bp_buf_put(&b, ours->data ? ours->data : "", ours->len);
  char *dir = bp_strdup(path);
  *strrchr(dir, '/') = '\0';
  bp_ctx ignore;
  bp_ctx_init(&ignore);
  if (!bp_mkdir_p(&ignore, dir, NULL)) bp_file_write_atomic(&ignore, path, b.data, b.len);
  free(dir);
  bp_buf_free(&b);
}

/* The font files MANIFEST.tsv lists, by name inside the fonts folder. */
typedef struct font_files {
  char **names;
  size_t n, cap;
} font_files;

static void font_files_free(font_files *f) {
  for (size_t i = 0; i < f->n; i++) free(f->names[i]);
  free(f->names);
}

/* The user's cache as verify_manifest uses it: read when the folder's own
 * cache does not vouch for a font. */
typedef struct user_cache {
  bool looked;  /* path, absdir and text are set (any may be NULL) */
  char *path;   /* user_cache_path() */
  char *absdir; /* the fonts folder's absolute path; NULL: the user cache is not used */
  char *text;   /* its contents (NULL: none) */
} user_cache;

static void user_cache_look(user_cache *u, const char *dir) {
  if (u->looked) return;
  u->looked = true;
  u->path = user_cache_path();
  char real[PATH_MAX];
  if (u->path && realpath(dir, real) && !strpbrk(real, "\t\n")) u->absdir = bp_strdup(real);
  bp_ctx ignore;
  bp_ctx_init(&ignore);
  if (u->absdir) bp_file_read_own(&ignore, u->path, &u->text, NULL); /* ours, not an input */
}

static bool user_cache_says_ok(user_cache *u, const char *dir, const char *file,
                               const struct stat *sb, const char *sha) {
  user_cache_look(u, dir);
  if (!u->absdir || !u->text) return false;
  char *name = join(u->absdir, file);
  bool ok = cache_says_ok(u->text, name, sb, sha);
  free(name);
  return ok;
}

/* The folder's lines (`lines`, names relative to it) into the user's
 * cache, under the folder's absolute path. */
static void user_cache_keep(user_cache *u, const char *dir, const bp_buf *lines) {
  user_cache_look(u, dir);
  if (!u->absdir) return;
  bp_buf ours = {0};
  for (const char *line = lines->data ? lines->data : "", *nl; (nl = strchr(line, '\n'));
       line = nl + 1)
    bp_buf_printf(&ours, "%s/%.*s\n", u->absdir, (int)(nl - line), line);
  user_cache_write(u->path, u->text, u->absdir, &ours);
  bp_buf_free(&ours);
}

static void user_cache_free(user_cache *u) {
  free(u->path);
  free(u->absdir);
  free(u->text);
}

/* Checks every file MANIFEST.tsv lists. Runs in every batch worker thread at
 * once: the manifest is walked with a cursor of its own (never strtok, whose
 * hidden position other threads move) and nothing here is static. */
static bp_status verify_manifest(bp_ctx *ctx, const char *dir,
                                 font_files *files /* the listed names, added here */) {
  char *mpath = join(dir, "MANIFEST.tsv");
  char *manifest = NULL;
  size_t mlen = 0;
  bp_status st = bp_file_read(ctx, mpath, &manifest, &mlen);
  free(mpath);
  if (st) return st;
  char *cpath = join(dir, ".verified");
  char *cache = NULL;
  bp_ctx ignore;
  bp_ctx_init(&ignore);
  bp_file_read_own(&ignore, cpath, &cache, NULL); /* our cache: not an input */
  bp_buf newcache = {0};
  user_cache user = {0};
  bool changed = false;
  int n_fonts = 0;
  char *next = NULL;
  int line_no = 0;
  for (char *line = manifest; line && line < manifest + mlen && !st; line = next) {
    char *nl = memchr(line, '\n', (size_t)(manifest + mlen - line));
    if (nl) *nl = '\0';
    next = nl ? nl + 1 : NULL;
    line_no++;
    if (line[0] == '#' || !line[0]) continue;
    char file[256] = "", sha[65] = "";
    if (sscanf(line, "%255[^\t]\t%64[0-9a-f]", file, sha) != 2 || strlen(sha) != 64) {
      st = bp_error(ctx, BP_ERR_FONT, "%s/MANIFEST.tsv:%d: malformed line: %s", dir, line_no, line);
      break;
    }
    if (strchr(file, '/') || !strcmp(file, ".") || !strcmp(file, "..")) {
      st = bp_error(ctx, BP_ERR_FONT,
                    "%s/MANIFEST.tsv:%d: '%s' is not a file name: fonts are files of the fonts "
                    "folder itself",
                    dir, line_no, file);
      break;
    }
    char *name = bp_strdup(file);
    BP_PUSH(files->names, files->n, files->cap, name);
    char *path = join(dir, file);
    struct stat sb;
    if (stat(path, &sb) != 0) {
      st = bp_error(ctx, BP_ERR_FONT,
                    "%s: font file missing (%s); run scripts/bootstrap to place the fonts", path,
                    BP_STRERROR(errno));
    } else if (cache_says_ok(cache, file, &sb, sha) ||
               user_cache_says_ok(&user, dir, file, &sb, sha)) {
      cache_line(&newcache, file, &sb, sha);
    } else {
      char *data = NULL;
      size_t len = 0;
      st = bp_file_read(ctx, path, &data, &len);
      if (!st) {
        char got[65];
        bp_sha256_hex(data, len, got);
        if (strcmp(got, sha) != 0)
          st = bp_error(ctx, BP_ERR_FONT,
                        "%s: font file differs from fonts/MANIFEST.tsv (SHA-256 %s, expected %s)",
                        path, got, sha);
        else {
          cache_line(&newcache, file, &sb, sha);
          changed = true;
        }
      }
      free(data);
    }
    free(path);
    n_fonts++;
  }
  if (!st && n_fonts == 0) st = bp_error(ctx, BP_ERR_FONT, "%s/MANIFEST.tsv lists no fonts", dir);
  /* the folder's own cache; the user's when the folder cannot be written */
  if (!st && changed && bp_file_write_atomic(&ignore, cpath, newcache.data, newcache.len))
    user_cache_keep(&user, dir, &newcache);
  user_cache_free(&user);
  bp_buf_free(&newcache);
  free(cache);
  free(cpath);
  free(manifest);
  return st;
}

/* ---- fonts.conf may use the fonts folder only ------------------------------ */

/* Elements fonts.conf may use: matching and editing, the fonts folder
 * itself (<dir>, checked) and fontconfig's cache folder. Everything that
 * reads other files or folders (<include>, <config>, <selectfont> globs,
 * <remap-dir>, <reset-dirs> ...) is refused. */
static const char *const CONF_ELEMENTS[] = {
    "fontconfig", "dir",      "cachedir",     "description", "match",   "test",    "edit",
    "alias",      "family",   "prefer",       "accept",      "default", "bool",    "int",
    "double",     "string",   "const",        "matrix",      "name",    "charset", "range",
    "langset",    "or",       "and",          "not",         "if",      "plus",    "minus",
    "times",      "divide",   "eq",           "not_eq",      "less",    "less_eq", "more",
    "more_eq",    "contains", "not_contains", "floor",       "ceil",    "round",   "trunc",
    NULL};

static bool conf_element_allowed(const char *name) {
  for (const char *const *e = CONF_ELEMENTS; *e; e++)
    if (!strcmp(*e, name)) return true;
  return false;
}

/* An element open at the parser's position. */
typedef struct conf_open {
  char *name; /* as written, a prefix included (expat without namespaces) */
  size_t off; /* its '<' */
  bool ns;    /* it or an element around it declares a namespace */
} conf_open;

/* fonts.conf being checked: its text as read (positions are byte offsets
 * into it), the elements open where expat is, the text of the <dir> or
 * <cachedir> being read, and the first refusal. */
typedef struct conf_check {
  bp_ctx *ctx;
  const char *conf, *dir; /* the file's path, the fonts folder's */
  const char *text;
  size_t len;
  XML_Parser p;
  conf_open *open;
  size_t n_open, cap_open;
  char *prefix;   /* the open <dir> or <cachedir>'s prefix attribute ("" without one) */
  bp_buf path;    /* and its text so far */
  size_t doctype; /* where the DOCTYPE is (its '<') */
  bool refused;
  size_t at;      /* where the first refusal is */
  char why[1024]; /* and what it says */
} conf_check;

/* Refuses fonts.conf at byte `off` of its text. Keeps the first refusal;
 * check_conf reports it once the whole file has parsed. */
static void conf_refuse(conf_check *c, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void conf_refuse(conf_check *c, size_t off, const char *fmt, ...) {
  if (c->refused) return;
  c->refused = true;
  c->at = off;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->why, sizeof c->why, fmt, ap);
  va_end(ap);
}

/* The refusal as "conf:line:col: ..." (the column in characters). */
static bp_status conf_report(const conf_check *c) {
  int line = 1, col = 1;
  for (size_t i = 0; i < c->at && i < c->len; i++) {
    if (c->text[i] == '\n')
      line++, col = 1;
    else if (((unsigned char)c->text[i] & 0xC0) != 0x80)
      col++;
  }
  return bp_error(c->ctx, BP_ERR_FONT, "%s:%d:%d: %s", c->conf, line, col, c->why);
}

/* Where the markup expat is reporting starts: in a start-tag handler its
 * '<'. An element an entity's text made has the reference's position
 * instead (the DOCTYPE that declared it is refused first); going back to a
 * '<' keeps every position one of the file's tags. */
static size_t conf_here(const conf_check *c) {
  XML_Index at = XML_GetCurrentByteIndex(c->p);
  size_t off = at >= 0 && (uint64_t)at < c->len ? (size_t)at : c->len ? c->len - 1 : 0;
  while (off > 0 && c->text[off] != '<') off--;
  return off;
}

static const conf_open *conf_top(const conf_check *c) {
  return c->n_open ? &c->open[c->n_open - 1] : NULL;
}

/* A <dir> or <cachedir>: their text names a folder. */
static bool conf_is_path(const conf_open *e) {
  return e && (!strcmp(e->name, "dir") || !strcmp(e->name, "cachedir"));
}

/* A <dir> element: only the fonts folder itself, named by its absolute path
 * (no prefix: fontconfig puts an "xdg" or "relative" one in front of it) or
 * relative to the fonts folder (prefix="relative"; without it fontconfig
 * reads the path from the current folder). text is NULL when the element
 * is not plain text with a prefix attribute at most (conf_path_end). */
static void check_conf_dir(conf_check *c, size_t at, const char *prefix, const char *text) {
  if (!text) {
    conf_refuse(c, at,
                "<dir> must name the fonts folder: <dir>/absolute/path</dir> or "
                "<dir prefix=\"relative\">.</dir>, no other attribute");
    return;
  }
  char *path = NULL;
  if (text[0] == '/' && !prefix[0])
    path = bp_strdup(text);
  else if (text[0] != '/' && !strcmp(prefix, "relative"))
    path = join(c->dir, text);
  else if (text[0] == '/')
    conf_refuse(c, at, "<dir prefix=\"%s\">%s</dir>: an absolute folder takes no prefix", prefix,
                text);
  else
    conf_refuse(c, at, "<dir>%s</dir>: a relative folder needs prefix=\"relative\"", text);
  char *real = path ? realpath(path, NULL) : NULL;
  if (path && (!real || strcmp(real, c->dir) != 0))
    conf_refuse(c, at,
                "<dir>%s</dir> is not the fonts folder %s: fonts.conf may not add folders, only "
                "the fonts listed in MANIFEST.tsv load",
                text, c->dir);
  free(real);
  free(path);
}

/* A <cachedir> element: fontconfig writes its cache there, so only a folder
 * below the user's cache folder (prefix="xdg", a relative path that does
 * not climb out). */
static void check_conf_cachedir(conf_check *c, size_t at, const char *prefix, const char *text) {
  bool ok = text && !strcmp(prefix, "xdg") && text[0] != '/' && text[0] != '~' &&
            strcmp(text, "..") && strncmp(text, "../", 3) && !strstr(text, "/../") &&
            !(strlen(text) >= 3 && !strcmp(text + strlen(text) - 3, "/.."));
  if (!ok)
    conf_refuse(c, at,
                "<cachedir> must be a folder below the user's cache folder: "
                "<cachedir prefix=\"xdg\">name</cachedir>");
}

static void check_conf_path(conf_check *c, const conf_open *e, const char *prefix,
                            const char *text) {
  if (!strcmp(e->name, "dir"))
    check_conf_dir(c, e->off, prefix, text);
  else
    check_conf_cachedir(c, e->off, prefix, text);
}

/* The open <dir> or <cachedir> has something in it besides text (an
 * element, a comment, a CDATA section, a processing instruction, a
 * reference expat skips): refused where it starts, before what is in it. */
static void conf_path_spoilt(conf_check *c) { check_conf_path(c, conf_top(c), "", NULL); }

/* The end of a <dir> or <cachedir>: its text, trimmed, unless it was written
 * with a reference (&...;) anywhere: a reference hides what a reader of the
 * file sees. */
static void conf_path_end(conf_check *c, const conf_open *e) {
  /* the element as written: from its '<' to the next '<' (its end tag,
   * since only text is in it) */
  const char *lt = memchr(c->text + e->off + 1, '<', c->len - e->off - 1);
  size_t to = lt ? (size_t)(lt - c->text) : c->len;
  const char *t = c->path.data ? c->path.data : "";
  size_t a = strspn(t, " \t\r\n"), z = c->path.len;
  while (z > a && strchr(" \t\r\n", t[z - 1])) z--;
  char *text =
      a < z && !memchr(c->text + e->off, '&', to - e->off) ? bp_strndup(t + a, z - a) : NULL;
  check_conf_path(c, e, c->prefix, text);
  free(text);
}

/* An attribute expat (without namespaces) passes as any other that declares
 * a namespace: to a reader that knows them, the element and those in it are
 * other elements and attributes than the ones fontconfig reads. */
static bool conf_is_xmlns(const char *attr) {
  return !strncmp(attr, "xmlns", 5) && (!attr[5] || attr[5] == ':');
}

/* The references in a start tag: to the five entities XML predefines, or
 * to characters. expat, like fontconfig's, passes over a reference to any
 * other (nothing declares one: an internal subset is refused) without a
 * word when the DOCTYPE names an external subset, as fonts.conf's does: in
 * an attribute value as in text (conf_skipped), and the value is not what
 * a reader of the file sees. */
static void conf_attr_refs(conf_check *c, const conf_open *e) {
  static const char *const PREDEFINED[] = {"amp", "lt", "gt", "quot", "apos"};
  XML_Index at = XML_GetCurrentByteIndex(c->p);
  int n = XML_GetCurrentByteCount(c->p); /* the start tag's; 0 in an entity's text */
  if (at < 0 || n <= 0 || (uint64_t)at + (unsigned)n > c->len) return;
  const char *end = c->text + at + n;
  for (const char *p = c->text + at; (p = memchr(p, '&', (size_t)(end - p))) && ++p < end;) {
    if (*p == '#') continue;
    const char *semi = memchr(p, ';', (size_t)(end - p));
    size_t len = semi ? (size_t)(semi - p) : (size_t)(end - p), k = 0;
    while (k < 5 && (strlen(PREDEFINED[k]) != len || memcmp(PREDEFINED[k], p, len))) k++;
    if (k == 5) {
      conf_refuse(c, e->off, "<%s>: the entity reference &%.*s; is not allowed", e->name, (int)len,
                  p);
      return;
    }
  }
}

/* The start of an element: in the vocabulary, without a prefix, and a <dir>
 * or <cachedir> outside any namespace with the attribute prefix at most
 * (fontconfig reads each attribute by its exact name, so another one,
 * moreprefix="relative" or x:prefix, is no prefix to it). After the first
 * refusal nothing more is checked, or kept. */
static void XMLCALL conf_start(void *ud, const XML_Char *name, const XML_Char **attrs) {
  conf_check *c = ud;
  if (c->refused) return;
  if (conf_is_path(conf_top(c))) {
    conf_path_spoilt(c);
    return;
  }
  conf_open e = {.off = conf_here(c), .ns = c->n_open && conf_top(c)->ns};
  for (const XML_Char **a = attrs; *a; a += 2) e.ns |= conf_is_xmlns(a[0]);
  e.name = bp_strdup(name);
  BP_PUSH(c->open, c->n_open, c->cap_open, e);
  if (strchr(name, ':') || !conf_element_allowed(name)) {
    conf_refuse(c, e.off,
                "<%s> is not allowed: fonts.conf may only match and edit the fonts of its own "
                "folder (no other <dir>, no <include>)",
                name);
    return;
  }
  conf_attr_refs(c, &e);
  if (c->refused || !conf_is_path(&e)) return;
  const char *prefix = "";
  bool other = e.ns;
  for (const XML_Char **a = attrs; *a && !other; a += 2) {
    other = strcmp(a[0], "prefix") != 0;
    prefix = a[1];
  }
  if (other) {
    conf_path_spoilt(c);
    return;
  }
  free(c->prefix);
  c->prefix = bp_strdup(prefix);
  c->path.len = 0;
  if (c->path.data) c->path.data[0] = '\0';
}

static void XMLCALL conf_end(void *ud, const XML_Char *name) {
  (void)name; /* expat has matched it with the start tag */
  conf_check *c = ud;
  if (c->refused || !c->n_open) return;
  conf_open *e = &c->open[c->n_open - 1];
  if (conf_is_path(e)) conf_path_end(c, e);
  free(e->name);
  c->n_open--;
}

static void XMLCALL conf_chars(void *ud, const XML_Char *s, int len) {
  conf_check *c = ud;
  if (!c->refused && conf_is_path(conf_top(c))) bp_buf_put(&c->path, s, (size_t)len);
}

/* A comment or processing instruction: anywhere but in a <dir> or
 * <cachedir>, whose text is then not what a reader sees (fontconfig reads
 * <dir>a<!--x-->b</dir> as "ab"). */
static void XMLCALL conf_comment(void *ud, const XML_Char *data) {
  (void)data;
  conf_check *c = ud;
  if (!c->refused && conf_is_path(conf_top(c))) conf_path_spoilt(c);
}

static void XMLCALL conf_pi(void *ud, const XML_Char *target, const XML_Char *data) {
  (void)target;
  conf_comment(ud, data);
}

/* No CDATA section: its text is not what it looks like to a reader. */
static void XMLCALL conf_cdata(void *ud) {
  conf_check *c = ud;
  const conf_open *e = conf_top(c);
  if (c->refused || !e) return;
  if (conf_is_path(e))
    conf_path_spoilt(c);
  else
    conf_refuse(c, e->off, "<%s>: '<![CDATA[' is not allowed here (only comments)", e->name);
}

/* A reference to an entity nothing declares, which expat passes over when
 * the DOCTYPE names an external subset (it could declare it: expat does not
 * read it, nor does fontconfig); without one it is malformed XML. */
static void XMLCALL conf_skipped(void *ud, const XML_Char *name, int parameter) {
  conf_check *c = ud;
  const conf_open *e = conf_top(c);
  if (c->refused) return;
  if (!e || parameter)
    conf_refuse(c, c->doctype, "a DOCTYPE with declarations (entities) is not allowed");
  else if (conf_is_path(e))
    conf_path_spoilt(c);
  else
    conf_refuse(c, e->off, "<%s>: the entity reference &%s; is not allowed", e->name, name);
}

/* The XML declaration: UTF-8 or none. expat reads the file as UTF-8 whatever
 * it declares, as fontconfig's parser does (both created with "UTF-8"). */
static void XMLCALL conf_xmldecl(void *ud, const XML_Char *version, const XML_Char *encoding,
                                 int standalone) {
  (void)version, (void)standalone;
  conf_check *c = ud;
  if (encoding && strcasecmp(encoding, "UTF-8"))
    conf_refuse(c, 0, "the file declares the encoding %s; fonts.conf must be UTF-8", encoding);
}

/* The DOCTYPE: no internal subset, so no declarations (an entity could hide
 * a <dir>, an attribute default add a prefix). expat reports it at its '['
 * or '>'; the refusal is at its '<'. */
static void XMLCALL conf_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                                 const XML_Char *pubid, int has_internal_subset) {
  (void)name, (void)sysid, (void)pubid;
  conf_check *c = ud;
  static const char DT[] = "<!DOCTYPE";
  XML_Index at = XML_GetCurrentByteIndex(c->p);
  size_t last = c->len >= sizeof DT - 1 ? c->len - (sizeof DT - 1) : 0; /* a DOCTYPE is longer */
  size_t off = at >= 0 && (uint64_t)at < last ? (size_t)at : last;
  while (off > 0 && memcmp(c->text + off, DT, sizeof DT - 1)) off--;
  c->doctype = off;
  if (has_internal_subset)
    conf_refuse(c, off, "a DOCTYPE with declarations (entities) is not allowed");
}

/* An entity declaration: expat reads them in an internal subset only, which
 * conf_doctype has refused; refused again should one come from elsewhere. */
static void XMLCALL conf_entity(void *ud, const XML_Char *name, int parameter,
                                const XML_Char *value, int value_len, const XML_Char *base,
                                const XML_Char *sysid, const XML_Char *pubid,
                                const XML_Char *notation) {
  (void)name, (void)parameter, (void)value, (void)value_len, (void)base, (void)sysid, (void)pubid,
      (void)notation;
  conf_check *c = ud;
  conf_refuse(c, c->doctype, "a DOCTYPE with declarations (entities) is not allowed");
}

/* Reads fonts.conf with expat, as fontconfig does, and refuses, at
 * file:line:col, what is not UTF-8 XML (UTF-16, a NUL or control character,
 * malformed markup) and anything that could make fontconfig read fonts or
 * configuration from elsewhere: other folders, includes, entities. The whole
 * file is parsed before a refusal is reported, so malformed XML anywhere is
 * what is reported: the fault to fix first. expat's limits on entity
 * expansion (on by default since 2.4) bound what a refused DOCTYPE's
 * entities cost meanwhile. */
static bp_status check_conf(bp_ctx *ctx, const char *conf, const char *dir) {
  char *text = NULL;
  size_t len = 0;
  bp_status st = bp_file_read(ctx, conf, &text, &len);
  if (st) return st;
  conf_check c = {.ctx = ctx, .conf = conf, .dir = dir, .text = text, .len = len};
  const char *enc = bp_text_foreign_encoding(text, len);
  size_t bad;
  char why[128];
  if (enc)
    conf_refuse(&c, 0, "the file is %s, not UTF-8; save it as UTF-8", enc);
  else if (!bp_text_clean(text, len, &bad, why, sizeof why))
    conf_refuse(&c, bad, "%s", why);
  else if (len > INT_MAX)
    conf_refuse(&c, 0, "the file is too large");
  c.p = c.refused ? NULL : XML_ParserCreate("UTF-8");
  if (!c.refused && !c.p) conf_refuse(&c, 0, "cannot create an XML parser");
  if (c.p) {
    XML_SetUserData(c.p, &c);
    XML_SetElementHandler(c.p, conf_start, conf_end);
    XML_SetCharacterDataHandler(c.p, conf_chars);
    XML_SetCommentHandler(c.p, conf_comment);
    XML_SetProcessingInstructionHandler(c.p, conf_pi);
    XML_SetStartCdataSectionHandler(c.p, conf_cdata);
    XML_SetSkippedEntityHandler(c.p, conf_skipped);
    XML_SetXmlDeclHandler(c.p, conf_xmldecl);
    XML_SetStartDoctypeDeclHandler(c.p, conf_doctype);
    XML_SetEntityDeclHandler(c.p, conf_entity);
    if (XML_Parse(c.p, text, (int)len, XML_TRUE) != XML_STATUS_OK) {
      const XML_LChar *e = XML_ErrorString(XML_GetErrorCode(c.p));
      st = bp_error(ctx, BP_ERR_FONT, "%s:%lu:%lu: malformed XML: %s", conf,
                    (unsigned long)XML_GetCurrentLineNumber(c.p),
                    (unsigned long)XML_GetCurrentColumnNumber(c.p) + 1, e ? e : "cannot be read");
    }
    XML_ParserFree(c.p);
  }
  if (!st && c.refused) st = conf_report(&c);
  for (size_t i = 0; i < c.n_open; i++) free(c.open[i].name);
  free(c.open);
  free(c.prefix);
  bp_buf_free(&c.path);
  free(text);
  return st;
}

/* After fontconfig has read the configuration: it scans the fonts folder
 * only, every face it found is a file of the manifest, and every file of
 * the manifest gave a face (fontconfig skips a file it cannot read, and the
 * text would silently fall back to another font). */
static bp_status check_loaded(bp_ctx *ctx, const char *dir, FcConfig *cfg, const font_files *ff) {
  bp_status st = BP_OK;
  FcStrList *dirs = FcConfigGetFontDirs(cfg);
  for (FcChar8 *d; dirs && !st && (d = FcStrListNext(dirs));)
    if (strcmp((const char *)d, dir) != 0)
      st = bp_error(ctx, BP_ERR_FONT,
                    "%s: fontconfig was given this folder besides the fonts folder %s", d, dir);
  if (dirs) FcStrListDone(dirs);
  bool *seen = bp_calloc(ff->n ? ff->n : 1, sizeof *seen);
  size_t dl = strlen(dir);
  FcSetName sets[] = {FcSetSystem, FcSetApplication};
  for (size_t k = 0; k < 2 && !st; k++) {
    FcFontSet *set = FcConfigGetFonts(cfg, sets[k]);
    for (int i = 0; set && i < set->nfont && !st; i++) {
      FcChar8 *file = NULL;
      if (FcPatternGetString(set->fonts[i], FC_FILE, 0, &file) != FcResultMatch) continue;
      const char *f = (const char *)file;
      size_t j = ff->n;
      if (!strncmp(f, dir, dl) && f[dl] == '/')
        for (j = 0; j < ff->n && strcmp(f + dl + 1, ff->names[j]); j++) continue;
      if (j == ff->n)
        st = bp_error(ctx, BP_ERR_FONT,
                      "%s: font not listed in %s/MANIFEST.tsv; only the fonts it lists (with "
                      "their SHA-256) may load",
                      f, dir);
      else
        seen[j] = true;
    }
  }
  for (size_t j = 0; j < ff->n && !st; j++)
    if (!seen[j])
      st = bp_error(ctx, BP_ERR_FONT,
                    "%s/%s: fontconfig cannot read this font (damaged, or not a font file); "
                    "its text would fall back to another font",
                    dir, ff->names[j]);
  free(seen);
  return st;
}

const char *bp_fontset_default_dir(void) {
  const char *env = getenv("BRIEFPRESS_FONTS");
  return env && *env ? env : bp_data_fonts_dir();
}

static const char *face_string(const FcPattern *face, const char *object) {
  FcChar8 *v = NULL;
  return FcPatternGetString(face, object, 0, &v) == FcResultMatch ? (const char *)v : "";
}

static int cmp_face_file(const void *a, const void *b) {
  return strcmp(face_string(*(FcPattern *const *)a, FC_FILE),
                face_string(*(FcPattern *const *)b, FC_FILE));
}

/* A Pango font map starts fontconfig's FcInit in a thread of its own, which
 * loads the machine's configuration and its font cache (22 M instructions),
 * though no font is matched against them: the first private configuration
 * becomes the process's current one, once, before the first font map, so
 * FcInit finds it and does nothing. It lives on (fontconfig holds it) after
 * its font set is freed; matching still uses each font set's own. */
static void make_current(FcConfig *cfg) {
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  static bool done;
  pthread_mutex_lock(&lock);
  if (!done) done = FcConfigSetCurrent(cfg);
  pthread_mutex_unlock(&lock);
}

bp_status bp_fontset_open(bp_ctx *ctx, const char *fonts_dir, bp_fontset **out) {
  *out = NULL;
  char *dir = bp_strdup(fonts_dir ? fonts_dir : bp_fontset_default_dir());
  char *abs = realpath(dir, NULL); /* fontconfig resolves relative paths oddly */
  if (abs) {
    free(dir);
    dir = abs;
  }
  font_files ff = {0};
  char *conf = join(dir, "fonts.conf");
  bp_status st = verify_manifest(ctx, dir, &ff);
  if (!st) st = check_conf(ctx, conf, dir);
  FcConfig *cfg = st ? NULL : FcConfigCreate();
  if (!st &&
      (!FcConfigParseAndLoad(cfg, (const FcChar8 *)conf, FcTrue) || !FcConfigBuildFonts(cfg)))
    st = bp_error(ctx, BP_ERR_FONT, "%s: cannot load the font configuration", conf);
  if (!st) st = check_loaded(ctx, dir, cfg, &ff);
  font_files_free(&ff);
  free(conf);
  if (st) {
    if (cfg) FcConfigDestroy(cfg);
    free(dir);
    return st;
  }
  bp_fontset *fs = bp_calloc(1, sizeof *fs);
  fs->dir = dir;
  fs->config = cfg;
  fs->charset = FcCharSetCreate();
  FcFontSet *set = FcConfigGetFonts(cfg, FcSetSystem);
  fs->faces = bp_calloc(set && set->nfont ? (size_t)set->nfont : 1, sizeof *fs->faces);
  for (int i = 0; set && i < set->nfont; i++) {
    FcCharSet *cs = NULL;
    if (FcPatternGetCharSet(set->fonts[i], FC_CHARSET, 0, &cs) == FcResultMatch)
      FcCharSetMerge(fs->charset, cs, NULL);
    fs->faces[fs->n_faces++] = set->fonts[i];
  }
  for (uint32_t cp = 0; cp < 128; cp++)
    if (FcCharSetHasChar(fs->charset, cp)) fs->ascii[cp >> 6] |= 1ULL << (cp & 63);
  qsort(fs->faces, fs->n_faces, sizeof *fs->faces, cmp_face_file);
  if (!set || set->nfont == 0) {
    bp_error(ctx, BP_ERR_FONT, "%s: no fonts found", dir);
    bp_fontset_free(fs);
    return BP_ERR_FONT;
  }
  make_current(cfg);
  fs->fontmap = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT);
  if (!fs->fontmap) {
    bp_fontset_free(fs);
    return bp_error(ctx, BP_ERR_FONT, "cannot create a FreeType font map");
  }
  pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fs->fontmap), cfg);
  *out = fs;
  return BP_OK;
}

void bp_fontset_free(bp_fontset *fs) {
  if (!fs) return;
  if (fs->fontmap) {
    /* drop the font map's reference to our config before the map itself:
     * Pango 1.50 does not release it when the map is finalized */
    pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(fs->fontmap), NULL);
    g_object_unref(fs->fontmap);
  }
  if (fs->charset) FcCharSetDestroy(fs->charset);
  free(fs->faces);
  if (fs->config) FcConfigDestroy(fs->config);
  free(fs->dir);
  free(fs);
}

bool bp_fontset_covers(const bp_fontset *fs, uint32_t cp) {
  /* controls the layout consumes: newline, tab, soft hyphen, zero-width
   * space, line separator (a hard line break) */
  if (cp == '\n' || cp == '\t' || cp == 0xAD || cp == 0x200B || cp == 0x2028) return true;
  if (cp < 128) return (fs->ascii[cp >> 6] >> (cp & 63)) & 1;
  return FcCharSetHasChar(fs->charset, cp);
}

size_t bp_fontset_n_faces(const bp_fontset *fs) { return fs->n_faces; }

void bp_fontset_face(const bp_fontset *fs, size_t i, const char **file, const char **family,
                     const char **style) {
  const char *path = face_string(fs->faces[i], FC_FILE), *slash = strrchr(path, '/');
  *file = slash ? slash + 1 : path;
  *family = face_string(fs->faces[i], FC_FAMILY);
  *style = face_string(fs->faces[i], FC_STYLE);
}

size_t bp_fontset_face_count(const bp_fontset *fs, size_t i, uint32_t first, uint32_t last) {
  FcCharSet *cs = fs->charset;
  if (i != BP_FONTSET_ANY_FACE &&
      FcPatternGetCharSet(fs->faces[i], FC_CHARSET, 0, &cs) != FcResultMatch)
    return 0;
  size_t n = 0;
  for (uint32_t cp = first; cp <= last; cp++) n += FcCharSetHasChar(cs, cp) ? 1 : 0;
  return n;
}
