/* fuzz_image.c - libFuzzer target: image bytes through bp_image_load_mem
 * (format sniffing, the PNG and JPEG header checks, gdk-pixbuf decoding,
 * librsvg and the CairoScript reader of svg_script.c), then drawn twice
 * into a display list and replayed through the trace device. */
#include "fuzz.h"

#include "layout/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_image *img = NULL;
  if (bp_image_load_mem(&ctx, "fuzz.img", data, size, &img) == BP_OK) {
    double w, h;
    bp_image_natural_size(img, &w, &h);
    bp_image_fit(img, 100, 50, &w, &h);
    bp_dlist *dl = bp_dlist_new();
    bp_dl_page *pg = bp_dlist_add_page(dl, 200, 100);
    bp_image_draw(&ctx, img, dl, pg, 10, 10, w, h);
    bp_image_draw(&ctx, img, dl, pg, 0, 0, 20, 20);
    char *trace = NULL;
    bp_dlist_run(dl, bp_trace_device_new(NULL, &trace), &ctx);
    free(trace);
    bp_dlist_free(dl);
  }
  fuzz_report(&ctx);
  bp_image_free(img);
  return 0;
}
