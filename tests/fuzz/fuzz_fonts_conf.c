/* fuzz_fonts_conf.c - libFuzzer target: fonts/fonts.conf as the font set
 * loads it (bp_fontset_open: fontconfig's parser into a private FcConfig,
 * the fonts it finds, the Pango font map), over a fonts/ folder with one
 * small font listed correctly in MANIFEST.tsv. Input: the fonts.conf.
 *
 * fontconfig scans or reads whatever a <dir>, <cachedir> or <include> names;
 * bp_fontset_open refuses those (other than the fonts folder itself) before
 * fontconfig sees the file, and checks afterwards which folders and faces it
 * loaded, so the target feeds it anything: an input that got past would show
 * as a slow or timed-out run. The manifest's checksum cache (fonts/.verified)
 * is made once, before the first input, and kept: hashing the font and
 * rewriting the cache at every run was a third of the target's time, and it
 * is fuzz_fonts_manifest's subject, not this one's. */
#include "fontset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready++) {
    fuzz_fonts_dir();
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    char *font = NULL, sha[65];
    size_t len = 0;
    char *path = fuzz_path("fonts/" FUZZ_FONT);
    if (bp_file_read(&ctx, path, &font, &len)) abort();
    bp_sha256_hex(font, len, sha);
    bp_buf m = {0};
    bp_buf_printf(&m, "# file\tsha256\n%s\t%s\n", FUZZ_FONT, sha);
    free(fuzz_put("fonts/MANIFEST.tsv", m.data, m.len));
    bp_buf_free(&m);
    free(font);
    free(path);
    /* the manifest checks out whatever the fonts.conf: this writes the cache */
    free(fuzz_put_str("fonts/fonts.conf",
                      "<fontconfig><dir prefix=\"relative\">.</dir></fontconfig>\n"));
    fuzz_fontset_run(false);
  }
  free(fuzz_put("fonts/fonts.conf", data, size));
  fuzz_fontset_run(false);
  return 0;
}
