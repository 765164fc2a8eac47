/* fuzz_fonts_conf.c - libFuzzer target: fonts/fonts.conf as the font set
 * loads it (bp_fontset_open: fontconfig's parser into a private FcConfig,
 * the fonts it finds, the Pango font map), over a fonts/ folder with one
 * small font listed correctly in MANIFEST.tsv. Input: the fonts.conf.
 *
 * fontconfig scans or reads whatever a <dir>, <cachedir> or <include> names,
 * anywhere on the machine (a fuzzed "<dir>/</dir>" scans the whole disk).
 * Until the loader refuses such elements, inputs that mention any folder but
 * the two the real fonts.conf uses are skipped. */
#include "fontset.h"

static bool only_our_folders(const uint8_t *data, size_t size) {
  static const char *const ours[] = {"<dir prefix=\"relative\">.</dir>",
                                     "<cachedir prefix=\"xdg\">briefpress/fontconfig</cachedir>"};
  char *s = bp_malloc(size + 1);
  memcpy(s, data, size);
  s[size] = '\0';
  for (size_t i = 0; i < size; i++)
    if (!s[i]) s[i] = ' '; /* strstr below must see past NULs */
  for (size_t k = 0; k < 2; k++)
    for (char *p = s; (p = strstr(p, ours[k]));) memset(p, ' ', strlen(ours[k]));
  bool ok = !strcasestr(s, "dir") && !strcasestr(s, "include");
  free(s);
  return ok;
}

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
  }
  if (!only_our_folders(data, size)) return 0;
  free(fuzz_put("fonts/fonts.conf", data, size));
  fuzz_fontset_run();
  return 0;
}
