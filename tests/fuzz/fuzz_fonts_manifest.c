/* fuzz_fonts_manifest.c - libFuzzer target: fonts/MANIFEST.tsv as the font
 * set reads it (bp_fontset_open: lines, file names, SHA-256s checked against
 * the files, the checksum cache), over a fonts/ folder with one small font
 * and a valid fonts.conf. Input: the MANIFEST.tsv. */
#include "fontset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready++) {
    fuzz_fonts_dir();
    free(fuzz_put_str("fonts/fonts.conf", FUZZ_FONTS_CONF));
  }
  free(fuzz_put("fonts/MANIFEST.tsv", data, size));
  fuzz_fontset_run();
  return 0;
}
