/* fontset.c - the project's private font set: checks fonts/ against
 * fonts/MANIFEST.tsv, loads fonts/fonts.conf into a private FcConfig (never
 * the process-wide one) and builds a Pango font map over it. Checksums are
 * cached in fonts/.verified by size and mtime, so a file is hashed once per
 * change rather than at every start. */
#include "layout-imp.h"

#include <errno.h>
#include <limits.h>
#include <pango/pangofc-fontmap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* The families of the files listed in fonts/MANIFEST.tsv (keep in step with
 * it: NotoSerif-*.ttf is "Noto Serif", NanumGothic*.ttf "NanumGothic"...). */
static const char *const FAMILIES[] = {"Noto Serif", "Noto Sans", "NanumMyeongjo", "NanumGothic",
                                       NULL};

bool bp_font_family_known(const char *family) {
  for (const char *const *f = FAMILIES; *f; f++)
    if (!strcasecmp(*f, family)) return true;
  return false;
}

const char *bp_font_families(void) { return "Noto Serif, Noto Sans, NanumMyeongjo, NanumGothic"; }

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

/* Checks every file MANIFEST.tsv lists. Runs in every batch worker thread at
 * once: the manifest is walked with a cursor of its own (never strtok, whose
 * hidden position other threads move) and nothing here is static. */
static bp_status verify_manifest(bp_ctx *ctx, const char *dir) {
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
  for (char *line = manifest; line && line < manifest + mlen && !st; line = next) {
    char *nl = memchr(line, '\n', (size_t)(manifest + mlen - line));
    if (nl) *nl = '\0';
    next = nl ? nl + 1 : NULL;
    if (line[0] == '#' || !line[0]) continue;
    char file[256] = "", sha[65] = "";
    if (sscanf(line, "%255[^\t]\t%64[0-9a-f]", file, sha) != 2) {
      st = bp_error(ctx, BP_ERR_FONT, "%s/MANIFEST.tsv: malformed line: %s", dir, line);
      break;
    }
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

bp_status bp_fontset_open(bp_ctx *ctx, const char *fonts_dir, bp_fontset **out) {
  *out = NULL;
  char *dir;
  if (fonts_dir)
    dir = bp_strdup(fonts_dir);
  else if (getenv("BRIEFPRESS_FONTS") && *getenv("BRIEFPRESS_FONTS"))
    dir = bp_strdup(getenv("BRIEFPRESS_FONTS"));
  else
    dir = bp_strdup(BP_SOURCE_DIR "/fonts");
  char *abs = realpath(dir, NULL); /* fontconfig resolves relative paths oddly */
  if (abs) {
    free(dir);
    dir = abs;
  }
  bp_status st = verify_manifest(ctx, dir);
  if (st) {
    free(dir);
    return st;
  }
  FcConfig *cfg = FcConfigCreate();
  char *conf = join(dir, "fonts.conf");
  if (!FcConfigParseAndLoad(cfg, (const FcChar8 *)conf, FcTrue) || !FcConfigBuildFonts(cfg)) {
    st = bp_error(ctx, BP_ERR_FONT, "%s: cannot load the font configuration", conf);
    FcConfigDestroy(cfg);
    free(conf);
    free(dir);
    return st;
  }
  free(conf);
  bp_fontset *fs = bp_calloc(1, sizeof *fs);
  fs->dir = dir;
  fs->config = cfg;
  fs->charset = FcCharSetCreate();
  FcFontSet *set = FcConfigGetFonts(cfg, FcSetSystem);
  for (int i = 0; set && i < set->nfont; i++) {
    FcCharSet *cs = NULL;
    if (FcPatternGetCharSet(set->fonts[i], FC_CHARSET, 0, &cs) == FcResultMatch)
      FcCharSetMerge(fs->charset, cs, NULL);
  }
  if (!set || set->nfont == 0) {
    bp_error(ctx, BP_ERR_FONT, "%s: no fonts found", dir);
    bp_fontset_free(fs);
    return BP_ERR_FONT;
  }
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
