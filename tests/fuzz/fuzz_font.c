/* fuzz_font.c - libFuzzer target: a font file through the PDF device's own
 * path (bp_pdf_device_new, or when the input's bytes add up to an even
 * number bp_pdf_device_new_cached, the batch's path): HarfBuzz opens it and checks
 * coverage, hb-subset subsets it, libharu loads the subset, the font
 * dictionaries are patched and the PDF is saved. The text shown is up to 24
 * characters the font's cmap maps (as a layout would only use those), or
 * "A" when it maps none. Input: the font file (keep it small: -max_len=65536),
 * written to the target's temporary folder, which is also TMPDIR and where the
 * PDF goes. */
#include "fuzz.h"

#include <hb.h>

#include "render/render.h"

/* The characters to show, as UTF-8 (caller frees); *n gets their count. */
static char *pick_text(const uint8_t *data, size_t size, size_t *n) {
  hb_blob_t *blob =
      hb_blob_create((const char *)data, (unsigned)size, HB_MEMORY_MODE_READONLY, NULL, NULL);
  hb_face_t *face = hb_face_create(blob, 0);
  hb_font_t *font = hb_font_create(face);
  hb_set_t *cps = hb_set_create();
  hb_face_collect_unicodes(face, cps);
  bp_buf b = {0};
  *n = 0;
  /* the code points of the BMP a text may hold: no controls, no surrogates */
  static const hb_codepoint_t shown[][2] = {{0x20, 0x7E}, {0xA0, 0xD7FF}, {0xE000, 0xFFFF}};
  /* the set's ranges, each cut to those: a damaged cmap can list tens of
   * thousands of code points that map to no glyph, each of them looked up
   * here, so as few tests per code point as can be */
  hb_codepoint_t first, last = HB_SET_VALUE_INVALID, g;
  while (*n < 24 && hb_set_next_range(cps, &first, &last) && first <= 0xFFFF) {
    for (size_t r = 0; r < sizeof shown / sizeof *shown && *n < 24; r++) {
      hb_codepoint_t lo = first > shown[r][0] ? first : shown[r][0];
      hb_codepoint_t hi = last < shown[r][1] ? last : shown[r][1];
      for (hb_codepoint_t cp = lo; cp <= hi; cp++) {
        if (!hb_font_get_nominal_glyph(font, cp, &g) || !g) continue;
        char u[4];
        bp_buf_put(&b, u, (size_t)bp_utf8_encode(cp, u));
        if (++*n == 24) break;
      }
    }
  }
  if (!*n) {
    bp_buf_puts(&b, "A");
    *n = 1;
  }
  hb_set_destroy(cps);
  hb_font_destroy(font);
  hb_face_destroy(face);
  hb_blob_destroy(blob);
  return bp_buf_detach(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *pdf;
  if (!pdf) {
    setenv("TMPDIR", fuzz_dir(), 1); /* the device's temporary subset files */
    pdf = fuzz_path("out.pdf");
  }
  char *font = fuzz_put("font.ttf", data, size);
  size_t n;
  char *text = pick_text(data, size, &n);
  bp_dl_cluster *cl = bp_calloc(n, sizeof *cl);
  for (size_t i = 0, off = 0; i < n; i++) {
    int len;
    bp_utf8_decode(text + off, strlen(text + off), &len);
    cl[i] = (bp_dl_cluster){(uint32_t)off, (uint32_t)len, 72 + 7.0 * (double)i, 7};
    off += (size_t)len;
  }
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, 300, 200);
  bp_dl_text t = {.font = bp_dlist_add_font(dl, font, 0, "Fuzz", "Regular"),
                  .size_pt = 10,
                  .color = {0, 0, 0, 1},
                  .x_pt = 72,
                  .y_pt = 100,
                  .width_pt = 7.0 * (double)n,
                  .text = text,
                  .text_len = strlen(text),
                  .clusters = cl,
                  .n_clusters = n};
  bp_dl_add_text(pg, &t);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  unsigned sum = 0;
  for (size_t i = 0; i < size; i++) sum += data[i];
  bp_pdf_cache *cache = sum % 2 ? NULL : bp_pdf_cache_new(0);
  bp_device *dev =
      cache ? bp_pdf_device_new_cached(pdf, NULL, cache) : bp_pdf_device_new(pdf, NULL);
  bp_dlist_run(dl, dev, &ctx);
  fuzz_report(&ctx);
  bp_pdf_cache_free(cache);
  unlink(pdf);
  bp_dlist_free(dl);
  free(cl);
  free(text);
  free(font);
  return 0;
}
