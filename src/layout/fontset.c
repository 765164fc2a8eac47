/* fontset.c - the project's private font set: checks fonts/ against
 * fonts/MANIFEST.tsv, loads fonts/fonts.conf into a private FcConfig (the
 * machine's configuration is never loaded; the first private one is made
 * the process-wide one) and builds a Pango font map over it. Only the files
 * the manifest lists load: fonts.conf may not name other folders or files,
 * and every face fontconfig finds must be a listed file (and every listed
 * file a face). Checksums are cached in fonts/.verified by size and mtime,
 * so a file is hashed once per change rather than at every start. */
#include "layout-imp.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <pango/pangofc-fontmap.h>
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

static bool conf_element_allowed(const char *name, size_t n) {
  for (const char *const *e = CONF_ELEMENTS; *e; e++)
    if (strlen(*e) == n && !memcmp(*e, name, n)) return true;
  return false;
}

/* Lines from text[0] up to p. */
static int lines_to(const char *text, const char *p, int line) {
  for (const char *q = text; q < p; q++) line += *q == '\n';
  return line;
}

/* The value of the one attribute fonts.conf's <dir> and <cachedir> may
 * have, prefix, from the text between the element's name and its '>' (a..e):
 * "" when there is no attribute, NULL when there is anything else than
 * prefix="value" or prefix='value' and whitespace. fontconfig reads each
 * attribute by its exact name, so another one (moreprefix="relative") is no
 * prefix to it, and it decodes references in the value, so a value with '&'
 * is refused rather than read otherwise than fontconfig would. Owned. */
static char *conf_prefix(const char *a, const char *e) {
  static const char WS[] = " \t\r\n";
  while (a < e && strchr(WS, *a)) a++;
  if (a == e) return bp_strdup("");
  if ((size_t)(e - a) < 6 || memcmp(a, "prefix", 6)) return NULL;
  for (a += 6; a < e && strchr(WS, *a);) a++;
  if (a == e || *a++ != '=') return NULL;
  while (a < e && strchr(WS, *a)) a++;
  if (a == e || (*a != '"' && *a != '\'')) return NULL;
  const char *q = memchr(a + 1, *a, (size_t)(e - a - 1));
  if (!q || memchr(a + 1, '&', (size_t)(q - a - 1)) || memchr(a + 1, '<', (size_t)(q - a - 1)))
    return NULL;
  const char *v = a + 1;
  for (a = q + 1; a < e && strchr(WS, *a);) a++;
  return a == e ? bp_strndup(v, (size_t)(q - v)) : NULL;
}

/* The text of the element `name` whose attributes start at `p` (just after
 * its name), trimmed, and in *prefix its prefix attribute ("" without one;
 * owned). `end` gets the '>' that closes the element. NULL for a malformed
 * element, one with another attribute, or one whose text has markup or
 * references. */
static char *conf_text(const char *name, const char *p, char **prefix, const char **end) {
  *prefix = NULL;
  const char *gt = strchr(p, '>');
  char close_tag[32];
  snprintf(close_tag, sizeof close_tag, "</%s>", name);
  const char *close = gt ? strstr(gt, close_tag) : NULL;
  if (!gt || gt[-1] == '/' || !close) return NULL;
  *end = close + strlen(close_tag) - 1;
  const char *a = gt + 1, *b = close;
  while (a < b && (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r')) a++;
  while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n' || b[-1] == '\r')) b--;
  if (a == b || memchr(a, '&', (size_t)(b - a)) || memchr(a, '<', (size_t)(b - a))) return NULL;
  if (!(*prefix = conf_prefix(p, gt))) return NULL;
  return bp_strndup(a, (size_t)(b - a));
}

/* A <dir> element: only the fonts folder itself, named by its absolute path
 * (no prefix: fontconfig puts an "xdg" or "relative" one in front of it) or
 * relative to the fonts folder (prefix="relative"; without it fontconfig
 * reads the path from the current folder). */
static bp_status check_conf_dir(bp_ctx *ctx, const char *conf, int line, const char *dir,
                                const char *p, const char **end) {
  char *prefix;
  char *text = conf_text("dir", p, &prefix, end);
  if (!text) {
    free(prefix);
    return bp_error(ctx, BP_ERR_FONT,
                    "%s:%d: <dir> must name the fonts folder: <dir>/absolute/path</dir> or "
                    "<dir prefix=\"relative\">.</dir>, no other attribute",
                    conf, line);
  }
  bp_status st = BP_OK;
  char *path = NULL;
  if (text[0] == '/' && !prefix[0])
    path = bp_strdup(text);
  else if (text[0] != '/' && !strcmp(prefix, "relative"))
    path = join(dir, text);
  else if (text[0] == '/')
    st = bp_error(ctx, BP_ERR_FONT,
                  "%s:%d: <dir prefix=\"%s\">%s</dir>: an absolute folder takes no prefix", conf,
                  line, prefix, text);
  else
    st = bp_error(ctx, BP_ERR_FONT,
                  "%s:%d: <dir>%s</dir>: a relative folder needs prefix=\"relative\"", conf, line,
                  text);
  char *real = path ? realpath(path, NULL) : NULL;
  if (!st && (!real || strcmp(real, dir) != 0))
    st = bp_error(ctx, BP_ERR_FONT,
                  "%s:%d: <dir>%s</dir> is not the fonts folder %s: fonts.conf may not add "
                  "folders, only the fonts listed in MANIFEST.tsv load",
                  conf, line, text, dir);
  free(real);
  free(path);
  free(text);
  free(prefix);
  return st;
}

/* A <cachedir> element: fontconfig writes its cache there, so only a folder
 * below the user's cache folder (prefix="xdg", a relative path that does
 * not climb out). */
static bp_status check_conf_cachedir(bp_ctx *ctx, const char *conf, int line, const char *p,
                                     const char **end) {
  char *prefix;
  char *text = conf_text("cachedir", p, &prefix, end);
  bool ok = text && !strcmp(prefix, "xdg") && text[0] != '/' && text[0] != '~' &&
            strcmp(text, "..") && strncmp(text, "../", 3) && !strstr(text, "/../") &&
            !(strlen(text) >= 3 && !strcmp(text + strlen(text) - 3, "/.."));
  bp_status st = ok ? BP_OK
                    : bp_error(ctx, BP_ERR_FONT,
                               "%s:%d: <cachedir> must be a folder below the user's cache folder: "
                               "<cachedir prefix=\"xdg\">name</cachedir>",
                               conf, line);
  free(text);
  free(prefix);
  return st;
}

/* Reads fonts.conf the way a strict XML reader would see its elements and
 * refuses, at file:line, anything that could make fontconfig read fonts or
 * configuration from elsewhere: other folders, includes, entities. */
static bp_status check_conf(bp_ctx *ctx, const char *conf, const char *dir) {
  char *text = NULL;
  bp_status st = bp_file_read(ctx, conf, &text, NULL);
  if (st) return st;
  int line = 1;
  const char *from = text;
  for (const char *p = strchr(text, '<'); p && !st; p = strchr(p, '<')) {
    line = lines_to(from, p, line);
    from = p;
    const char *end = NULL;
    if (!strncmp(p, "<!--", 4))
      end = strstr(p + 4, "-->");
    else if (!strncmp(p, "<?", 2))
      end = strstr(p + 2, "?>");
    else if (!strncmp(p, "<!DOCTYPE", 9)) {
      end = strchr(p, '>');
      const char *bracket = strchr(p, '[');
      if (end && bracket && bracket < end)
        st = bp_error(ctx, BP_ERR_FONT,
                      "%s:%d: a DOCTYPE with declarations (entities) is not allowed", conf, line);
    } else if (p[1] == '!') {
      st =
          bp_error(ctx, BP_ERR_FONT, "%s:%d: '<!' is not allowed here (only comments)", conf, line);
    } else {
      const char *name = p + 1 + (p[1] == '/');
      size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:");
      if (!conf_element_allowed(name, n))
        st = bp_error(ctx, BP_ERR_FONT,
                      "%s:%d: <%.*s> is not allowed: fonts.conf may only match and edit the "
                      "fonts of its own folder (no other <dir>, no <include>)",
                      conf, line, (int)(n ? n : 1), n ? name : p + 1);
      else if (p[1] != '/' && n == 3 && !memcmp(name, "dir", 3))
        st = check_conf_dir(ctx, conf, line, dir, name + 3, &end);
      else if (p[1] != '/' && n == 8 && !memcmp(name, "cachedir", 8))
        st = check_conf_cachedir(ctx, conf, line, name + 8, &end);
      if (!end) end = strchr(p, '>');
    }
    if (!st && !end) st = bp_error(ctx, BP_ERR_FONT, "%s:%d: unterminated markup", conf, line);
    p = end ? end + 1 : p + 1;
  }
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
