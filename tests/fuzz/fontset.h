/* fontset.h - set-up shared by the font-set targets (fuzz_fonts_manifest,
 * fuzz_fonts_conf): a fonts/ folder in the target's temporary folder holding
 * one small TrueType font (tests/fuzz/tiny.ttf), and fontconfig's cache and
 * home pointed into the temporary folder. */
#ifndef BP_FUZZ_FONTSET_H
#define BP_FUZZ_FONTSET_H

#include "fuzz.h"

#include "layout/layout.h"

#define FUZZ_FONT "tiny.ttf"

/* Makes fonts/ with the font (once); returns its path (static). */
static inline const char *fuzz_fonts_dir(void) {
  static char *dir;
  if (dir) return dir;
  char *cache = fuzz_path("cache");
  setenv("XDG_CACHE_HOME", cache, 1);
  free(cache);
  setenv("HOME", fuzz_dir(), 1);
  fuzz_mkdir("fonts");
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *data = NULL;
  size_t len = 0;
  if (bp_file_read(&ctx, BP_SOURCE_DIR "/tests/fuzz/" FUZZ_FONT, &data, &len)) {
    fprintf(stderr, "%s\n", ctx.msg);
    abort();
  }
  free(fuzz_put("fonts/" FUZZ_FONT, data, len));
  free(data);
  dir = fuzz_path("fonts");
  return dir;
}

/* Opens the font set of fonts/ and uses it a little. With forget, then
 * removes the checksum cache (fonts/.verified) so that every run starts
 * alike, hashing the fonts the manifest lists; without, the cache a run
 * leaves stays for the next (a target whose input is not the manifest: with
 * a valid manifest the cache is the same after every run, written once). */
static inline void fuzz_fontset_run(bool forget) {
  const char *dir = fuzz_fonts_dir();
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_fontset *fs = NULL;
  if (bp_fontset_open(&ctx, dir, &fs) == BP_OK) {
    (void)bp_fontset_covers(fs, 'A');
    (void)bp_fontset_covers(fs, 0xAC00);
  }
  fuzz_report(&ctx);
  bp_fontset_free(fs);
  if (!forget) return;
  char *cache = fuzz_path("fonts/.verified");
  unlink(cache);
  free(cache);
}

#endif
