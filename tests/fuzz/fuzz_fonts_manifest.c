/* fuzz_fonts_manifest.c - libFuzzer target: fonts/MANIFEST.tsv as the font
 * set reads it (bp_fontset_open: lines, file names, SHA-256s checked against
 * the files, the checksum cache), over a fonts/ folder with one small font.
 * Its fonts.conf names no folder, so that a manifest that checks out ends
 * quickly in "no fonts found" instead of a font scan per run (what follows
 * the manifest is fuzz_fonts_conf's). Input: the MANIFEST.tsv. */
#include "fontset.h"

static const char CONF[] = "<?xml version=\"1.0\"?>\n<fontconfig></fontconfig>\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static int ready;
  if (!ready++) {
    fuzz_fonts_dir();
    free(fuzz_put_str("fonts/fonts.conf", CONF));
  }
  free(fuzz_put("fonts/MANIFEST.tsv", data, size));
  fuzz_fontset_run(true);
  return 0;
}
