/* test_png.c - the PNG device: page size from dpi or a pixel width, paths
 * and glyphs drawn where the display list says, only the first pages when
 * asked, and a failed write reported with no file left behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layout/layout.h"
#include "render/render.h"

#include "fonts_fixture.h"

/* Two pages of 200 x 100 pt: a red square at (10,10)-(50,50) and a line of
 * black text at y 70 on page 1; page 2 empty. */
static bp_dlist *sample(void) {
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, 200, 100);
  bp_path_seg segs[5] = {{BP_PATH_MOVE, {10, 10}},
                         {BP_PATH_LINE, {50, 10}},
                         {BP_PATH_LINE, {50, 50}},
                         {BP_PATH_LINE, {10, 50}},
                         {BP_PATH_CLOSE, {0}}};
  bp_dl_path p = {0};
  p.segs = segs;
  p.n_segs = 5;
  p.fill = true;
  p.fill_color = (bp_color){1, 0, 0, 1};
  bp_dl_add_path(pg, &p);
  bp_style st = {0};
  st.family = "Noto Sans, NanumGothic";
  st.size_pt = 14;
  st.color = (bp_color){0, 0, 0, 1};
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_label_draw(ts, &ctx, dl, &dl->pages[0], &st, "HHHH 한글", 0, 100, 60, 0, 0),
                   BP_OK);
  bp_dlist_add_page(dl, 200, 100);
  return dl;
}

static uint32_t pixel(cairo_surface_t *s, int x, int y) {
  unsigned char *d = cairo_image_surface_get_data(s);
  return ((uint32_t *)(d + y * cairo_image_surface_get_stride(s)))[x] & 0xFFFFFF;
}

static void pages_at_dpi_show_the_items(void **state) {
  (void)state;
  char dir[] = "/tmp/bp-png-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char pattern[128], path[128];
  snprintf(pattern, sizeof pattern, "%s/p-%%d.png", dir);
  bp_dlist *dl = sample();
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_dlist_run(dl, bp_png_device_new(pattern, 144, 0, 0), &ctx), BP_OK);
  snprintf(path, sizeof path, "%s/p-1.png", dir);
  cairo_surface_t *s = cairo_image_surface_create_from_png(path);
  assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  assert_int_equal(cairo_image_surface_get_width(s), 400); /* 200 pt at 144 dpi */
  assert_int_equal(cairo_image_surface_get_height(s), 200);
  assert_int_equal(pixel(s, 60, 60), 0xFF0000);  /* inside the square (30,30 pt) */
  assert_int_equal(pixel(s, 120, 60), 0xFFFFFF); /* beside it */
  int dark = 0;                                  /* the text: dark pixels where its line is */
  for (int y = 120; y < 160; y++)
    for (int x = 200; x < 400; x++) dark += (pixel(s, x, y) & 0xFF) < 128;
  assert_true(dark > 200);
  cairo_surface_destroy(s);
  snprintf(path, sizeof path, "%s/p-2.png", dir);
  assert_int_equal(access(path, F_OK), 0);
  remove(path);
  snprintf(path, sizeof path, "%s/p-1.png", dir);
  remove(path);
  /* a pixel width wins over dpi; only the first page when asked */
  assert_int_equal(bp_dlist_run(dl, bp_png_device_new(pattern, 72, 600, 1), &ctx), BP_OK);
  s = cairo_image_surface_create_from_png(path);
  assert_int_equal(cairo_image_surface_get_width(s), 600);
  assert_int_equal(cairo_image_surface_get_height(s), 300);
  cairo_surface_destroy(s);
  snprintf(path, sizeof path, "%s/p-2.png", dir);
  assert_int_equal(access(path, F_OK), -1);
  snprintf(path, sizeof path, "%s/p-1.png", dir);
  remove(path);
  assert_int_equal(rmdir(dir), 0); /* nothing else, no temporary files */
  bp_dlist_free(dl);
}

static void a_failed_write_is_reported(void **state) {
  (void)state;
  bp_dlist *dl = sample();
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_int_equal(bp_dlist_run(dl, bp_png_device_new("/nonexistent-dir/p-%d.png", 72, 0, 0), &ctx),
                   BP_ERR_IO);
  assert_non_null(strstr(ctx.msg, "/nonexistent-dir/p-1.png"));
  bp_dlist_free(dl);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pages_at_dpi_show_the_items),
      cmocka_unit_test(a_failed_write_is_reported),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
