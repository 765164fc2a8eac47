/* fontset.c - the project's private font set: checks fonts/ against
 * fonts/MANIFEST.tsv, loads fonts/fonts.conf into a private FcConfig (the
 * machine's configuration is never loaded; the first private one is made
 * the process-wide one) and builds a Pango font map over it. Only the files
 * the manifest lists load: fonts.conf may not name other folders or files,
 * and every face fontconfig finds must be a listed file (and every listed
 * file a face). Checksums are cached in fonts/.verified by size and mtime,
 * so a file is hashed once per change rather than at every start. */
#include "layout-imp.h"

#include "../data/data.h"
#include "../core/xml.h"

#include <errno.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
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

/* Looks `file` up in the verification cache; true when size+mtime match and
 * the cached hash equals `sha`. */
static bool cache_says_ok(const char *cache, const char *file, const struct stat *st,
                          const char *sha) {
  if (!cache) return false;
  char key[512];
  snprintf(key, sizeof key, "%s\t%lld\t%lld\t%s\n", file, (long long)st->st_size,
           (long long)st->st_mtime, sha);
  return strstr(cache, key) != NULL;
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
    } else if (cache_says_ok(cache, file, &sb, sha)) {
      bp_buf_printf(&newcache, "%s\t%lld\t%lld\t%s\n", file, (long long)sb.st_size,
                    (long long)sb.st_mtime, sha);
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
          bp_buf_printf(&newcache, "%s\t%lld\t%lld\t%s\n", file, (long long)sb.st_size,
                        (long long)sb.st_mtime, sha);
          changed = true;
        }
      }
      free(data);
    }
    free(path);
    n_fonts++;
  }
  if (!st && n_fonts == 0) st = bp_error(ctx, BP_ERR_FONT, "%s/MANIFEST.tsv lists no fonts", dir);
  if (!st && changed) bp_file_write_atomic(&ignore, cpath, newcache.data, newcache.len);
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

/* fonts.conf being checked: its text as read (positions are byte offsets
 * into it) and the first refusal. */
typedef struct conf_check {
  bp_ctx *ctx;
  const char *conf, *dir; /* the file's path, the fonts folder's */
  const char *text;
  size_t len;
  bp_status st;
  char xml_error[200]; /* libxml2's first fatal error ("" when none) */
  int xml_line, xml_col;
} conf_check;

/* Refuses fonts.conf at byte `off` of its text: "conf:line:col: ..." (the
 * column in characters). Keeps the first refusal. */
static void conf_refuse(conf_check *c, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void conf_refuse(conf_check *c, size_t off, const char *fmt, ...) {
  if (c->st) return;
  int line = 1, col = 1;
  for (size_t i = 0; i < off && i < c->len; i++) {
    if (c->text[i] == '\n')
      line++, col = 1;
    else if (((unsigned char)c->text[i] & 0xC0) != 0x80)
      col++;
  }
  char why[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  c->st = bp_error(c->ctx, BP_ERR_FONT, "%s:%d:%d: %s", c->conf, line, col, why);
}

/* libxml2 builds the tree; this wrapper of its start-of-element handler
 * notes in each element's _private where its '<' is (offset + 1): the
 * parser has just read the start tag, and no '<' can be inside one. */
static void conf_sax_start(void *ud, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
                           int n_ns, const xmlChar **ns, int n_attrs, int n_defaulted,
                           const xmlChar **attrs) {
  xmlParserCtxtPtr pc = ud;
  xmlSAX2StartElementNs(ud, name, prefix, uri, n_ns, ns, n_attrs, n_defaulted, attrs);
  const conf_check *c = pc->_private;
  long at = xmlByteConsumed(pc);
  if (!pc->node || at < 0) return;
  size_t off = (size_t)at < c->len ? (size_t)at : c->len - 1; /* c->len > 0: a tag was read */
  while (off > 0 && c->text[off] != '<') off--;
  pc->node->_private = (void *)(uintptr_t)(off + 1);
}

/* Keeps libxml2's first well-formedness error (later ones follow from it). */
static void conf_sax_error(void *ud, xmlErrorPtr e) {
  conf_check *c = ((xmlParserCtxtPtr)ud)->_private;
  if (c->xml_error[0] || !e || e->level < XML_ERR_FATAL) return;
  snprintf(c->xml_error, sizeof c->xml_error, "%s", e->message ? e->message : "?");
  for (size_t k = strlen(c->xml_error); k && strchr("\n ", c->xml_error[k - 1]);)
    c->xml_error[--k] = '\0';
  c->xml_line = e->line > 0 ? e->line : 1;
  c->xml_col = e->int2 > 0 ? e->int2 : 1;
}

/* Where element n starts (0 when not known). */
static size_t conf_node_off(const xmlNode *n) {
  for (; n; n = n->parent)
    if (n->type == XML_ELEMENT_NODE && n->_private) return (size_t)(uintptr_t)n->_private - 1;
  return 0;
}

/* The text of a <dir> or <cachedir>, trimmed, and in *prefix its prefix
 * attribute ("" without one; borrowed from the tree). NULL (owned
 * otherwise) for an element with another attribute or a namespace, with
 * anything but text in it, or written with a reference (&...;) anywhere:
 * fontconfig reads each attribute by its exact name, so another one
 * (moreprefix="relative", x:prefix) is no prefix to it, and a reference
 * hides what a reader of the file sees. */
static char *conf_text(const conf_check *c, const xmlNode *n, const char **prefix) {
  *prefix = "";
  if (n->nsDef || n->ns) return NULL;
  for (const xmlAttr *a = n->properties; a; a = a->next) {
    if (a->ns || strcmp((const char *)a->name, "prefix") || !a->children ||
        a->children->type != XML_TEXT_NODE || a->children->next)
      return NULL;
    *prefix = (const char *)a->children->content;
  }
  bp_buf b = {0};
  for (const xmlNode *k = n->children; k; k = k->next) {
    if (k->type != XML_TEXT_NODE) {
      bp_buf_free(&b);
      return NULL;
    }
    bp_buf_puts(&b, (const char *)k->content);
  }
  /* the element as written: from its '<' to the next '<' (its end tag,
   * since only text is in it) */
  size_t from = conf_node_off(n);
  const char *lt = memchr(c->text + from + 1, '<', c->len - from - 1);
  size_t to = lt ? (size_t)(lt - c->text) : c->len;
  const char *t = b.data ? b.data : "";
  size_t a = strspn(t, " \t\r\n"), e = strlen(t);
  while (e > a && strchr(" \t\r\n", t[e - 1])) e--;
  char *text = a < e && !memchr(c->text + from, '&', to - from) ? bp_strndup(t + a, e - a) : NULL;
  bp_buf_free(&b);
  return text;
}

/* A <dir> element: only the fonts folder itself, named by its absolute path
 * (no prefix: fontconfig puts an "xdg" or "relative" one in front of it) or
 * relative to the fonts folder (prefix="relative"; without it fontconfig
 * reads the path from the current folder). */
static void check_conf_dir(conf_check *c, const xmlNode *n) {
  size_t at = conf_node_off(n);
  const char *prefix;
  char *text = conf_text(c, n, &prefix);
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
  free(text);
}

/* A <cachedir> element: fontconfig writes its cache there, so only a folder
 * below the user's cache folder (prefix="xdg", a relative path that does
 * not climb out). */
static void check_conf_cachedir(conf_check *c, const xmlNode *n) {
  const char *prefix;
  char *text = conf_text(c, n, &prefix);
  bool ok = text && !strcmp(prefix, "xdg") && text[0] != '/' && text[0] != '~' &&
            strcmp(text, "..") && strncmp(text, "../", 3) && !strstr(text, "/../") &&
            !(strlen(text) >= 3 && !strcmp(text + strlen(text) - 3, "/.."));
  if (!ok)
    conf_refuse(c, conf_node_off(n),
                "<cachedir> must be a folder below the user's cache folder: "
                "<cachedir prefix=\"xdg\">name</cachedir>");
  free(text);
}

/* Every node from n on (and its siblings): only the elements of the
 * vocabulary, <dir> and <cachedir> checked, no CDATA section and no
 * reference to an entity. */
static void check_conf_nodes(conf_check *c, const xmlNode *n) {
  for (; n && !c->st; n = n->next) {
    if (n->type == XML_CDATA_SECTION_NODE)
      conf_refuse(c, conf_node_off(n), "<%s>: '<![CDATA[' is not allowed here (only comments)",
                  n->parent ? (const char *)n->parent->name : "?");
    else if (n->type == XML_ENTITY_REF_NODE)
      conf_refuse(c, conf_node_off(n), "<%s>: the entity reference &%s; is not allowed",
                  n->parent ? (const char *)n->parent->name : "?", (const char *)n->name);
    if (n->type != XML_ELEMENT_NODE || c->st) continue;
    const char *name = (const char *)n->name;
    if ((n->ns && n->ns->prefix) || !conf_element_allowed(name))
      conf_refuse(c, conf_node_off(n),
                  "<%s%s%s> is not allowed: fonts.conf may only match and edit the fonts of its "
                  "own folder (no other <dir>, no <include>)",
                  n->ns && n->ns->prefix ? (const char *)n->ns->prefix : "",
                  n->ns && n->ns->prefix ? ":" : "", name);
    else if (!strcmp(name, "dir"))
      check_conf_dir(c, n);
    else if (!strcmp(name, "cachedir"))
      check_conf_cachedir(c, n);
    check_conf_nodes(c, n->children);
  }
}

/* The DOCTYPE (its '<', or NULL): no declarations in it (an entity could
 * hide a <dir>). */
static void check_conf_doctype(conf_check *c, const xmlDoc *doc) {
  const char *dt = strstr(c->text, "<!DOCTYPE");
  const char *gt = dt ? strchr(dt, '>') : NULL, *bracket = dt ? strchr(dt, '[') : NULL;
  if ((doc->intSubset && doc->intSubset->children) || (bracket && (!gt || bracket < gt)))
    conf_refuse(c, dt ? (size_t)(dt - c->text) : 0,
                "a DOCTYPE with declarations (entities) is not allowed");
}

/* Reads fonts.conf with libxml2 and refuses, at file:line:col, what is not
 * UTF-8 XML (UTF-16, a NUL or control character, malformed markup) and
 * anything that could make fontconfig read fonts or configuration from
 * elsewhere: other folders, includes, entities. */
static bp_status check_conf(bp_ctx *ctx, const char *conf, const char *dir) {
  bp_xml_init();
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
  xmlParserCtxtPtr pc = c.st ? NULL : xmlNewParserCtxt();
  if (!c.st && !pc) conf_refuse(&c, 0, "cannot create an XML parser");
  xmlDocPtr doc = NULL;
  if (pc) {
    pc->_private = &c;
    pc->sax->startElementNs = conf_sax_start;
    pc->sax->serror = conf_sax_error;
    doc = xmlCtxtReadMemory(pc, text, (int)len, conf, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc || !pc->wellFormed)
      c.st = bp_error(ctx, BP_ERR_FONT, "%s:%d:%d: malformed XML: %s", conf,
                      c.xml_error[0] ? c.xml_line : 1, c.xml_error[0] ? c.xml_col : 1,
                      c.xml_error[0] ? c.xml_error : "cannot be read");
    xmlFreeParserCtxt(pc);
  }
  if (doc && !c.st && doc->encoding && strcasecmp((const char *)doc->encoding, "UTF-8"))
    conf_refuse(&c, 0, "the file declares the encoding %s; fonts.conf must be UTF-8",
                (const char *)doc->encoding);
  if (doc && !c.st) check_conf_doctype(&c, doc);
  if (doc && !c.st) check_conf_nodes(&c, doc->children);
  xmlFreeDoc(doc);
  free(text);
  return c.st;
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
