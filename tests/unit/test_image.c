/* test_image.c - images: PNG (RGB, RGBA, palette, grey, 16-bit), JPEG and SVG
 * loaded from tests/fixtures/images/; bad files refused with messages that
 * name the file and the problem; drawing into a display list (one raster
 * however often drawn, SVG as paths); the trace lines; and one page with a
 * PNG, a JPEG and an SVG through the PDF device (qpdf --check, pdfimages
 * lists the rasters and not the SVG) and the PNG device, both showing the
 * pixels the display list says where it says (the PDF through pdftoppm). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "layout/image-module.h"
#include "layout/image.h"
#include "render/render.h"

#define DIR "tests/fixtures/images/"

#define assert_ok(call, ctx)                                                                       \
  do {                                                                                             \
    if ((call) != BP_OK) fail_msg("%s: %s", #call, (ctx).msg);                                     \
  } while (0)

static bp_image *load_ok(const char *path) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_image *img = NULL;
  bp_status st = bp_image_load(&ctx, path, &img);
  if (st) fail_msg("%s: %s", path, ctx.msg);
  assert_non_null(img);
  return img;
}

/* Loads `len` bytes named `name` and expects `want` with `needle` in the
 * message (which must also name the file). */
static void load_fails(const char *name, const void *data, size_t len, bp_status want,
                       const char *needle) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_image *img = (bp_image *)1;
  bp_status st = bp_image_load_mem(&ctx, name, data, len, &img);
  if (st != want || !strstr(ctx.msg, needle) || !strstr(ctx.msg, name))
    fail_msg("%s: status %d, message \"%s\"; expected %d with \"%s\"", name, st, ctx.msg, want,
             needle);
  assert_null(img);
}

static char *slurp(const char *path, size_t *len) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *d = NULL;
  if (bp_file_read(&ctx, path, &d, len)) fail_msg("%s", ctx.msg);
  return d;
}

/* Draws img at (0, 0, natural size) into a fresh list; returns the list. */
static bp_dlist *drawn(const bp_image *img) {
  double w, h;
  bp_image_natural_size(img, &w, &h);
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, w, h);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  if (bp_image_draw(&ctx, img, dl, pg, 0, 0, w, h)) fail_msg("%s", ctx.msg);
  return dl;
}

static const uint8_t *rgb_at(const bp_dl_raster *r, int x, int y) {
  return r->rgb + 3 * ((size_t)y * (size_t)r->width_px + (size_t)x);
}

/* ---- loading ---------------------------------------------------------------- */

static void png_rgb_and_grey(void **state) {
  (void)state;
  bp_image *img = load_ok(DIR "rgb.png");
  double w, h;
  bp_image_natural_size(img, &w, &h);
  assert_true(w == 8 && h == 4); /* no pHYs: 72 dpi */
  assert_false(bp_image_is_vector(img));
  bp_dlist *dl = drawn(img);
  assert_int_equal(dl->n_rasters, 1);
  const bp_dl_raster *r = &dl->rasters[0];
  assert_int_equal(r->width_px, 8);
  assert_int_equal(r->height_px, 4);
  assert_null(r->alpha);
  assert_null(r->jpeg);
  assert_memory_equal(rgb_at(r, 0, 0), "\xff\x00\x00", 3);
  assert_memory_equal(rgb_at(r, 7, 3), "\x00\x00\xff", 3);
  bp_dlist_free(dl);
  bp_image_free(img);

  img = load_ok(DIR "grey.png");
  dl = drawn(img);
  assert_memory_equal(rgb_at(&dl->rasters[0], 3, 2), "\x80\x80\x80", 3);
  assert_null(dl->rasters[0].alpha);
  bp_dlist_free(dl);
  bp_image_free(img);
}

static void png_alpha_palette_and_16_bit(void **state) {
  (void)state;
  bp_image *img = load_ok(DIR "logo.png");
  double w, h;
  bp_image_natural_size(img, &w, &h);
  assert_float_equal(w, 90, 0.01); /* 240 px at 192 dpi */
  assert_float_equal(h, 30, 0.01);
  bp_dlist *dl = drawn(img);
  const bp_dl_raster *r = &dl->rasters[0];
  assert_int_equal(r->width_px, 240);
  assert_non_null(r->alpha);
  assert_int_equal(r->alpha[0], 255);                        /* the navy mark */
  assert_int_equal(r->alpha[239], 0);                        /* right of the bars: transparent */
  assert_memory_equal(rgb_at(r, 40, 40), "\xff\xff\xff", 3); /* the white circle */
  assert_memory_equal(rgb_at(r, 2, 2), "\x0b\x3d\x91", 3);
  bp_dlist_free(dl);
  bp_image_free(img);

  img = load_ok(DIR "palette.png");
  dl = drawn(img);
  r = &dl->rasters[0];
  assert_non_null(r->alpha); /* tRNS became alpha */
  assert_int_equal(r->alpha[0], 255);
  assert_int_equal(r->alpha[7], 0);
  assert_memory_equal(rgb_at(r, 1, 1), "\x00\xa0\x00", 3);
  bp_dlist_free(dl);
  bp_image_free(img);

  img = load_ok(DIR "rgb16.png");
  dl = drawn(img);
  assert_memory_equal(rgb_at(&dl->rasters[0], 5, 1), "\x12\xab\xff", 3); /* 16 -> 8 bit */
  bp_dlist_free(dl);
  bp_image_free(img);
}

static void jpeg_keeps_its_bytes(void **state) {
  (void)state;
  bp_image *img = load_ok(DIR "photo.jpg");
  size_t len;
  char *file = slurp(DIR "photo.jpg", &len);
  bp_dlist *dl = drawn(img);
  const bp_dl_raster *r = &dl->rasters[0];
  assert_int_equal(r->width_px, 16);
  assert_int_equal(r->height_px, 8);
  assert_null(r->alpha);
  assert_int_equal(r->jpeg_len, len);
  assert_memory_equal(r->jpeg, file, len);
  const uint8_t *c = rgb_at(r, 0, 4); /* (0, 200, 255), lossy */
  assert_true(c[0] < 24 && abs(c[1] - 200) < 16 && c[2] > 230);
  bp_dlist_free(dl);
  bp_image_free(img);

  /* a fill byte before the first marker: valid JPEG that libharu's header
   * parser would misread, so the PDF gets the decoded pixels instead */
  char *filled = bp_malloc(len + 1);
  memcpy(filled, file, 2);
  filled[2] = (char)0xFF;
  memcpy(filled + 3, file + 2, len - 2);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_ok(bp_image_load_mem(&ctx, "filled.jpg", filled, len + 1, &img), ctx);
  dl = drawn(img);
  assert_null(dl->rasters[0].jpeg);
  assert_int_equal(dl->rasters[0].width_px, 16);
  free(filled);
  free(file);
  bp_dlist_free(dl);
  bp_image_free(img);
}

static void svg_becomes_paths(void **state) {
  (void)state;
  bp_image *img = load_ok(DIR "logo.svg");
  assert_true(bp_image_is_vector(img));
  double w, h;
  bp_image_natural_size(img, &w, &h);
  assert_float_equal(w, 90, 1e-9); /* 120 px x 0.75 */
  assert_float_equal(h, 30, 1e-9);
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, 400, 200);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_ok(bp_image_draw(&ctx, img, dl, pg, 10, 20, 180, 60), ctx); /* twice natural */
  assert_int_equal(dl->n_rasters, 0);
  assert_int_equal(pg->n_items, 4); /* square, circle, red bar, the two grey lines */
  const bp_dl_path *sq = &pg->items[0].u.path;
  assert_true(sq->fill && !sq->stroke);
  assert_float_equal(sq->fill_color.b, 145 / 255.0, 1e-3);
  assert_float_equal(sq->segs[0].pts[0], 10, 1e-6);
  assert_float_equal(sq->segs[0].pts[1], 20, 1e-6);
  const bp_dl_path *lines = &pg->items[3].u.path;
  assert_true(lines->stroke && !lines->fill);
  assert_float_equal(lines->line_width_pt, 4 * 0.75 * 2, 1e-6);
  assert_float_equal(lines->stroke_color.r, 0x33 / 255.0, 1e-3);
  bp_dlist_free(dl);
  bp_image_free(img);
}

static void svg_sizes_and_opacity(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_image *img;
  /* viewBox only; an opacity on a single shape folds into its colour */
  const char *svg =
      "<?xml version=\"1.0\"?>\n<!-- c -->\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
      "viewBox=\"0 0 40 20\"><g opacity=\"0.5\"><rect width=\"10\" height=\"10\" "
      "fill=\"red\"/></g></svg>";
  assert_ok(bp_image_load_mem(&ctx, "a.svg", svg, strlen(svg), &img), ctx);
  double w, h;
  bp_image_natural_size(img, &w, &h);
  assert_float_equal(w, 30, 1e-9);
  assert_float_equal(h, 15, 1e-9);
  bp_dlist *dl = drawn(img);
  assert_int_equal(dl->pages[0].n_items, 1);
  assert_float_equal(dl->pages[0].items[0].u.path.fill_color.a, 0.5, 1e-3);
  bp_dlist_free(dl);
  bp_image_free(img);
  /* a nested viewport clips; what it clips lies inside it: accepted */
  svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"20\" height=\"20\"><svg x=\"10\" "
        "width=\"10\" height=\"10\" viewBox=\"0 0 1 1\"><rect width=\"1\" height=\"1\" "
        "fill=\"green\"/></svg></svg>";
  assert_ok(bp_image_load_mem(&ctx, "nested.svg", svg, strlen(svg), &img), ctx);
  dl = drawn(img);
  assert_int_equal(dl->pages[0].n_items, 1);
  assert_float_equal(dl->pages[0].items[0].u.path.segs[0].pts[0], 7.5, 1e-9);
  bp_dlist_free(dl);
  bp_image_free(img);
  /* physical units */
  svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"50.8mm\" height=\"1in\"/>";
  assert_ok(bp_image_load_mem(&ctx, "b.svg", svg, strlen(svg), &img), ctx);
  bp_image_natural_size(img, &w, &h);
  assert_float_equal(w, 144, 1e-6);
  assert_float_equal(h, 72, 1e-6);
  bp_image_fit(img, 100, 100, &w, &h);
  assert_float_equal(w, 100, 1e-9);
  assert_float_equal(h, 50, 1e-9);
  bp_image_fit(img, 0, 10, &w, &h);
  assert_float_equal(w, 20, 1e-9);
  bp_image_free(img);
  /* entities as Illustrator writes them (text, no markup) and a reference
   * inside the file load */
  svg = "<!DOCTYPE svg [<!ENTITY ns_svg \"http://www.w3.org/2000/svg\">\n"
        "<!ENTITY ns_xlink \"http://www.w3.org/1999/xlink\">]>\n"
        "<svg xmlns=\"&ns_svg;\" xmlns:xlink=\"&ns_xlink;\" width=\"10\" height=\"10\"><defs><rect "
        "id=\"r\" width=\"4\" height=\"4\"/></defs><use xlink:href = \"#r\"/><use href=\"#r\" "
        "x=\"5\"/></svg>";
  assert_ok(bp_image_load_mem(&ctx, "ai.svg", svg, strlen(svg), &img), ctx);
  dl = drawn(img);
  assert_int_equal(dl->pages[0].n_items, 2);
  bp_dlist_free(dl);
  bp_image_free(img);
}

/* ---- bad files ----------------------------------------------------------------- */

static void bad_files_say_what_is_wrong(void **state) {
  (void)state;
  load_fails("notes.txt", "hello, world\n", 13, BP_ERR_DATA, "not an image (PNG, JPEG or SVG");
  load_fails("empty.png", "", 0, BP_ERR_DATA, "the file is empty");
  load_fails("anim.gif", "GIF89a\1\0\1\0", 10, BP_ERR_DATA, "a GIF image: only PNG, JPEG and SVG");

  size_t len;
  char *png = slurp(DIR "logo.png", &len);
  load_fails("cut.png", png, len / 2, BP_ERR_DATA, "damaged PNG");
  load_fails("head.png", png, 20, BP_ERR_DATA, "damaged PNG: no valid IHDR header");
  png[16] = 0x7f; /* width 2^31-ish */
  load_fails("huge.png", png, len, BP_ERR_DATA, "image too large");
  free(png);
  char *jpg = slurp(DIR "photo.jpg", &len);
  load_fails("cut.jpg", jpg, len - 200, BP_ERR_DATA, "damaged JPEG");
  load_fails("nosof.jpg", jpg, 4, BP_ERR_DATA, "damaged JPEG: no valid frame (SOF) header");
  free(jpg);

  const char *svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">\n"
                    "<rect width=\"5\" height=\"5\">\n"
                    "</svg>\n";
  load_fails("broken.svg", svg, strlen(svg), BP_ERR_DATA,
             "XML parse error: Error domain 1 code 77 on line 4");
  svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"5\" height=\"5\"/></svg>";
  load_fails("nosize.svg", svg, strlen(svg), BP_ERR_DATA,
             "neither a width and height nor a viewBox");
  svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><defs>"
        "<linearGradient id=\"g\"><stop offset=\"0\" stop-color=\"red\"/><stop offset=\"1\" "
        "stop-color=\"blue\"/></linearGradient></defs><rect width=\"5\" height=\"5\" "
        "fill=\"url(#g)\"/></svg>";
  load_fails("grad.svg", svg, strlen(svg), BP_ERR_DATA, "uses a gradient");
  svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><g "
        "opacity=\"0.5\"><rect width=\"5\" height=\"5\"/><rect x=\"2\" width=\"5\" "
        "height=\"5\"/></g></svg>";
  load_fails("group.svg", svg, strlen(svg), BP_ERR_DATA, "an opacity on a group of several");
  svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><text "
        "x=\"1\" y=\"9\">KINU</text></svg>";
  load_fails("text.svg", svg, strlen(svg), BP_ERR_DATA, "SVG has text (<text>)");
  svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><clipPath "
        "id=\"c\"><circle r=\"3\" cx=\"5\" cy=\"5\"/></clipPath><rect width=\"10\" "
        "height=\"10\" clip-path=\"url(#c)\"/></svg>";
  load_fails("clip.svg", svg, strlen(svg), BP_ERR_DATA,
             "clipping to a shape other than a rectangle");
  svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><svg "
        "width=\"5\" height=\"5\"><rect x=\"2\" width=\"5\" height=\"5\"/></svg></svg>";
  load_fails("cut.svg", svg, strlen(svg), BP_ERR_DATA, "clipping that cuts into a shape");
  svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
        "width=\"10\" height=\"10\"><use xlink:href=\"parts.svg#mark\"/></svg>";
  load_fails("ext.svg", svg, strlen(svg), BP_ERR_DATA,
             "refers to another file (\"parts.svg#mark\")");
  /* what a byte search for "<text" or "href=" does not see: found in the
   * parsed tree, with the line */
  svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:s=\"http://www.w3.org/2000/svg\"\n"
        "width=\"10\" height=\"10\"><s:text x=\"1\" y=\"9\">KINU</s:text></svg>";
  load_fails("prefixed.svg", svg, strlen(svg), BP_ERR_DATA, "prefixed.svg:2: SVG has text");
  svg = "<!DOCTYPE svg [<!ENTITY t \"&#60;text y='9'>KINU&#60;/text>\">]>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">&t;</svg>";
  load_fails("entity.svg", svg, strlen(svg), BP_ERR_DATA,
             "SVG declares an entity (&t;) that holds markup");
  /* two of them: the message names the first declared, every time (a scan
   * of libxml2's hash table, whose seed changes with each parse, did not) */
  svg = "<!DOCTYPE svg [<!ENTITY zz \"&#60;text>A&#60;/text>\">\n"
        "<!ENTITY a \"&#60;text>B&#60;/text>\">\n<!ENTITY m \"&#60;g/>\">]>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">&a;&zz;</svg>";
  for (int i = 0; i < 16; i++)
    load_fails("entities.svg", svg, strlen(svg), BP_ERR_DATA,
               "SVG declares an entity (&zz;) that holds markup");
  svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\">\n\n"
        "<image href = \"photo.png\" width=\"5\" height=\"5\"/></svg>";
  load_fails("spaced.svg", svg, strlen(svg), BP_ERR_DATA,
             "spaced.svg:3: SVG refers to another file (\"photo.png\")");
  svg = "<!DOCTYPE svg [<!ENTITY p \"parts.svg#m\">]>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
        "xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"10\" height=\"10\"><use "
        "xlink:href=\"&p;\"/></svg>";
  load_fails("entref.svg", svg, strlen(svg), BP_ERR_DATA, "another file (\"parts.svg#m\")");
  svg = "<?xml-stylesheet type=\"text/css\"\thref=\"logo.css\"?>\n<svg "
        "xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>";
  load_fails("css.svg", svg, strlen(svg), BP_ERR_DATA,
             "css.svg:1: SVG refers to another file (\"logo.css\")");
  svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><filter "
        "id=\"f\"><feGaussianBlur stdDeviation=\"1\"/></filter><rect width=\"5\" height=\"5\" "
        "filter=\"url(#f)\"/></svg>";
  load_fails("blur.svg", svg, strlen(svg), BP_ERR_DATA, "a filter, a mask or an embedded image");
  svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100000\" height=\"10\"/>";
  load_fails("wide.svg", svg, strlen(svg), BP_ERR_DATA, "SVG too large");

  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_image *img = (bp_image *)1;
  assert_int_equal(bp_image_load(&ctx, DIR "missing.png", &img), BP_ERR_IO);
  assert_non_null(strstr(ctx.msg, "missing.png: cannot open"));
  assert_null(img);
  bp_ctx_init(&ctx);
  assert_int_equal(bp_image_load(&ctx, DIR, &img), BP_ERR_IO);
  assert_non_null(strstr(ctx.msg, "is a folder"));
  bp_image_free(NULL);
}

/* ---- drawing, trace ------------------------------------------------------------ */

/* Shapes far outside the SVG's area are refused, not replayed: cairo's
 * script surface aborted the process on a rectangle 9,999 pt or more left
 * of the origin, and coordinates past cairo's fixed-point range wrap.
 * A shape a little outside is drawn. */
static void svg_far_outside_is_refused(void **state) {
  (void)state;
  const char *left = "<svg xmlns='http://www.w3.org/2000/svg' width='100' height='50'>"
                     "<rect x='-20000' y='0' width='40000' height='10' fill='red'/></svg>";
  load_fails("left.svg", left, strlen(left), BP_ERR_DATA,
             "SVG draws too far outside its own area: its shapes reach from x = -15000 to 15000 "
             "pt and y = 0 to 8 pt");
  const char *path = "<svg xmlns='http://www.w3.org/2000/svg' width='100' height='50'>"
                     "<path d='M-20000 0 H100 V10 H-20000 Z' fill='red'/></svg>";
  load_fails("path.svg", path, strlen(path), BP_ERR_DATA, "SVG draws too far outside");
  const char *wide = "<svg xmlns='http://www.w3.org/2000/svg' width='100' height='50'>"
                     "<rect x='6' y='20' width='102222232222222' height='10' fill='red'/></svg>";
  load_fails("wide.svg", wide, strlen(wide), BP_ERR_DATA, "SVG draws too far outside");
  const char *near = "<svg xmlns='http://www.w3.org/2000/svg' width='100' height='50'>"
                     "<rect x='-100' y='-100' width='300' height='60' fill='red'/></svg>";
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_image *img = NULL;
  assert_ok(bp_image_load_mem(&ctx, "near.svg", near, strlen(near), &img), ctx);
  bp_image_free(img);
}

/* A dashed stroke keeps its dashes; one that would draw millions of them
 * (a dash of 1 along 10^7 units of path) is refused, and without the
 * memory cairo takes to measure it for librsvg (the executable's
 * cairo_stroke_extents, src/app/cairo_dash.c, linked into this test). */
static void dashes_are_kept_and_bounded(void **state) {
  (void)state;
  const char *svg = "<svg xmlns='http://www.w3.org/2000/svg' width='200' height='20'>"
                    "<line x1='0' y1='10' x2='200' y2='10' stroke='black' stroke-width='2' "
                    "stroke-dasharray='6 3'/></svg>";
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_image *img = NULL;
  assert_ok(bp_image_load_mem(&ctx, "dashed.svg", svg, strlen(svg), &img), ctx);
  bp_dlist *dl = drawn(img);
  assert_int_equal(dl->pages[0].n_items, 1);
  const bp_dl_path *p = &dl->pages[0].items[0].u.path;
  assert_true(p->stroke);
  assert_int_equal(p->n_dash, 2);
  assert_true(fabs(p->dash[0] / p->dash[1] - 2) < 1e-6);
  bp_dlist_free(dl);
  bp_image_free(img);
  /* 10^7 units of path (937,500 pt a stretch: within reach), a dash of 1 */
  const char *huge = "<svg xmlns='http://www.w3.org/2000/svg' width='40' height='20' "
                     "viewBox='0 0 80 40'><path d='M0 0 h2500000 v1 h-2500000 v1 h2500000 v1 "
                     "h-2500000' stroke='black' fill='none' stroke-dasharray='1'/></svg>";
  load_fails("dashes.svg", huge, strlen(huge), BP_ERR_DATA, "SVG has a dashed stroke of");
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  if (ru.ru_maxrss > 400 * 1024) fail_msg("peak RSS %ld KB", ru.ru_maxrss);
}

static void drawn_twice_registered_once(void **state) {
  (void)state;
  bp_image *a = load_ok(DIR "logo.png"), *b = load_ok(DIR "logo.png");
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, 300, 300);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_ok(bp_image_draw(&ctx, a, dl, pg, 10, 10, 90, 30), ctx);
  pg = bp_dlist_add_page(dl, 300, 300);
  assert_ok(bp_image_draw(&ctx, b, dl, pg, 20, 20, 45, 15), ctx);
  assert_int_equal(dl->n_rasters, 1);
  assert_int_equal(dl->pages[1].items[0].u.image.raster, 0);
  assert_int_equal(bp_image_draw(&ctx, a, dl, pg, 0, 0, 0, 10), BP_ERR_LAYOUT);
  assert_non_null(strstr(ctx.msg, "is empty"));

  char *trace = NULL;
  bp_ctx_init(&ctx);
  assert_ok(bp_dlist_run(dl, bp_trace_device_new(NULL, &trace), &ctx), ctx);
  assert_string_equal(trace, "document pages=2 fonts=0\n"
                             "raster 0 240x80 rgba sha256=979b6706195419ab\n"
                             "page 1 300.00 x 300.00\n"
                             "  struct artifact\n" /* an image without a description */
                             "  image raster=0 at=10.00,10.00 w=90.00 h=30.00\n"
                             "page 2 300.00 x 300.00\n"
                             "  struct artifact\n"
                             "  image raster=0 at=20.00,20.00 w=45.00 h=15.00\n");
  free(trace);
  bp_dlist_free(dl);
  bp_image_free(a);
  bp_image_free(b);
}

/* librsvg's error reaches the caller once and is freed once: the module
 * freed a failed render's GError twice, which (a 16-byte GSlice block)
 * corrupted GSlice's free list and crashed later, elsewhere (fuzz_image,
 * after a drawing that ran out of memory). ctest runs this file with
 * G_SLICE=always-malloc, so that a second free is the C library's (or
 * ASan's, or valgrind's) to see. */
static bool image_module_valid(const void *table) {
  return ((const bp_image_module *)table)->abi == BP_IMAGE_MODULE_ABI;
}

static void svg_render_error_is_freed_once(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_module mod = {.what = "image",
                   .file = "briefpress-image.so",
                   .symbol = BP_IMAGE_MODULE_SYMBOL,
                   .valid = image_module_valid,
                   .lock = PTHREAD_MUTEX_INITIALIZER};
  const void *t = NULL;
  assert_ok(bp_module_open(&ctx, &mod, &t), ctx);
  const bp_image_module *m = t;
  const char *svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect "
                    "width=\"5\" height=\"5\"/></svg>";
  char *err = NULL;
  void *h = m->svg_open(svg, strlen(svg), &err);
  assert_non_null(h);
  assert_null(err);
  /* a cairo context in an error state: librsvg refuses to draw on it */
  cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 10, 10);
  cairo_surface_finish(s);
  cairo_t *cr = cairo_create(s);
  for (int i = 0; i < 3; i++) {
    assert_false(m->svg_render(h, cr, 10, 10, &err));
    assert_non_null(err);
    free(err);
    err = NULL;
  }
  cairo_destroy(cr);
  cairo_surface_destroy(s);
  m->svg_close(h);
}

/* A link (<a href>) inside a group with an opacity: librsvg marks the link
 * with a cairo tag, and cairo 1.16's recording surface read freed memory
 * for it when the group ended (valgrind's invalid reads under
 * valgrind/test_image; fuzz_image crashed in cairo_surface_destroy). The
 * executable's cairo tags do nothing (src/app/cairo_tag.c, linked into
 * this test); the link's shapes are drawn, and at the group's opacity. */
static void svg_link_in_a_group_is_drawn(void **state) {
  (void)state;
  const char *svg = "<svg xmlns='http://www.w3.org/2000/svg' width='40' height='20'>"
                    "<g opacity='0.5'><a href='https://example.org/'>"
                    "<rect width='10' height='10' fill='#0000ff'/></a></g>"
                    "<a href='#x'><rect x='20' width='10' height='10' fill='#ff0000'/></a></svg>";
  for (int i = 0; i < 3; i++) { /* cairo's freed blocks came back on later loads */
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    bp_image *img = NULL;
    assert_ok(bp_image_load_mem(&ctx, "link.svg", svg, strlen(svg), &img), ctx);
    bp_dlist *dl = drawn(img);
    assert_int_equal(dl->pages[0].n_items, 2);
    assert_float_equal(dl->pages[0].items[0].u.path.fill_color.a, 0.5, 1e-3);
    assert_float_equal(dl->pages[0].items[1].u.path.fill_color.a, 1, 1e-3);
    char *trace = NULL;
    assert_ok(bp_dlist_run(dl, bp_trace_device_new(NULL, &trace), &ctx), ctx);
    assert_non_null(strstr(trace, "#0000ff"));
    assert_non_null(strstr(trace, "#ff0000"));
    free(trace);
    bp_dlist_free(dl);
    bp_image_free(img);
  }
}

static void svg_trace_is_stable(void **state) {
  (void)state;
  bp_image *img = load_ok(DIR "logo.svg");
  bp_dlist *dl = drawn(img);
  char *trace = NULL;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_ok(bp_dlist_run(dl, bp_trace_device_new(NULL, &trace), &ctx), ctx);
  assert_string_equal(
      trace,
      "document pages=1 fonts=0\n"
      "page 1 90.00 x 30.00\n"
      "  struct artifact\n"
      "  path fill=#0b3d91 : M0.00,0.00 L30.00,0.00 L30.00,30.00 L0.00,30.00 Z\n"
      "  path fill=#ffffff : M24.00,15.00 C24.00,19.97,19.97,24.00,15.00,24.00 "
      "C10.03,24.00,6.00,19.97,6.00,15.00 C6.00,10.03,10.03,6.00,15.00,6.00 "
      "C19.97,6.00,24.00,10.03,24.00,15.00 Z\n"
      "  path fill=#c8102e : M37.50,6.00 L82.50,6.00 L82.50,10.50 L37.50,10.50 Z\n"
      "  path stroke=#333333 lw=3.00 : M37.50,16.50 L82.50,16.50 M37.50,22.50 L82.50,22.50\n");
  free(trace);
  bp_dlist_free(dl);
  bp_image_free(img);
}

/* ---- devices ---------------------------------------------------------------------- */

/* A 300 x 100 pt page: logo.png at (10,10) 90x30, logo.svg at (110,10)
 * 90x30, photo.jpg at (210,10) 80x40, logo.png again at (10,60) 45x15. */
static bp_dlist *page_with_images(void) {
  bp_image *png = load_ok(DIR "logo.png"), *svg = load_ok(DIR "logo.svg"),
           *jpg = load_ok(DIR "photo.jpg");
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, 300, 100);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  assert_ok(bp_image_draw(&ctx, png, dl, pg, 10, 10, 90, 30), ctx);
  assert_ok(bp_image_draw(&ctx, svg, dl, pg, 110, 10, 90, 30), ctx);
  assert_ok(bp_image_draw(&ctx, jpg, dl, pg, 210, 10, 80, 40), ctx);
  assert_ok(bp_image_draw(&ctx, png, dl, pg, 10, 60, 45, 15), ctx);
  bp_image_free(png);
  bp_image_free(svg);
  bp_image_free(jpg);
  return dl;
}

/* Where `needle` first occurs in data[from, n), or n (data may hold NULs). */
static size_t find(const char *data, size_t n, size_t from, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = from; i + k <= n; i++)
    if (memcmp(data + i, needle, k) == 0) return i;
  return n;
}

/* Runs `cmd` with its standard output into `dir`/out; returns that output
 * (owned) and the exit status in *status. */
static char *output_of(const char *dir, const char *cmd, int *status) {
  char full[1024], out[256];
  snprintf(out, sizeof out, "%s/out", dir);
  snprintf(full, sizeof full, "%s > '%s'", cmd, out);
  int st = system(full);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return slurp(out, NULL);
}

typedef enum { AS_PNG, AS_PDFA, AS_PLAIN_PDF } render_as;
/* what PDF/A adds to a small file: the sRGB profile (6.9 KB; 3 KB compressed),
 * the XMP and the CIDSets */
#define ICC_BYTES 4000

/* Renders page_with_images() through the PDF device (PDF/A-1b or plain:
 * into `dir`/images.pdf) or the PNG device at 144 dpi (`dir`/p-1.png) in a
 * new temporary folder; returns the folder (owned). */
static char *rendered(render_as as) {
  bool pdf = as != AS_PNG;
  bp_pdf_options plain = {.compress = true, .plain = true};
  char *dir = bp_strdup("/tmp/bp-image-XXXXXX");
  assert_non_null(mkdtemp(dir));
  char path[128];
  snprintf(path, sizeof path, pdf ? "%s/images.pdf" : "%s/p-%%d.png", dir);
  bp_dlist *dl = page_with_images();
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_device *dev = pdf ? bp_pdf_device_new(path, as == AS_PLAIN_PDF ? &plain : NULL)
                       : bp_png_device_new(path, 144, 0, 0);
  if (bp_dlist_run(dl, dev, &ctx)) fail_msg("%s", ctx.msg);
  bp_dlist_free(dl);
  return dir;
}

static void remove_dir(char *dir) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
  free(dir);
}

/* A plain PDF keeps the alpha as soft masks; PDF/A-1 has none, so there
 * the pixels are blended against white (the same page: see below). */
static void pdf_embeds_rasters_once_and_svg_as_paths(void **state) {
  bool pdfa = *state != NULL;
  char *dir = rendered(pdfa ? AS_PDFA : AS_PLAIN_PDF);
  char pdf[128], cmd[512];
  snprintf(pdf, sizeof pdf, "%s/images.pdf", dir);
  int st;
  snprintf(cmd, sizeof cmd, "qpdf --check '%s' 2>&1", pdf);
  char *out = output_of(dir, cmd, &st);
  if (st != 0) fail_msg("qpdf --check: %s", out);
  free(out);
  /* pdfimages -list: page num type width height color comp bpc enc ... */
  snprintf(cmd, sizeof cmd, "pdfimages -list '%s' | awk 'NR > 2 {print $3, $4, $5, $6, $9}'", pdf);
  out = output_of(dir, cmd, &st);
  assert_int_equal(st, 0);
  assert_string_equal(out, pdfa ? "image 240 80 rgb image\n"
                                  "image 16 8 rgb jpeg\n"
                                  "image 240 80 rgb image\n"
                                : "image 240 80 rgb image\n"
                                  "smask 240 80 gray image\n"
                                  "image 16 8 rgb jpeg\n"
                                  "image 240 80 rgb image\n"
                                  "smask 240 80 gray image\n");
  free(out);
  /* the same object drawn twice: two rows, one object number */
  snprintf(cmd, sizeof cmd,
           "pdfimages -list '%s' | awk 'NR > 2 && $3 == \"image\" {print $11}' "
           "| sort -u | wc -l",
           pdf);
  out = output_of(dir, cmd, &st);
  assert_string_equal(out, "2\n");
  free(out);
  /* every image stream is compressed, the masks too (libharu's own PNG
   * loader stores masks raw) */
  size_t len;
  char *bytes = slurp(pdf, &len);
  int images = 0;
  for (size_t at = find(bytes, len, 0, "/Subtype/Image"); at < len;
       at = find(bytes, len, at + 1, "/Subtype/Image")) {
    size_t start = at, end = find(bytes, len, at, "stream");
    while (start > 0 && memcmp(bytes + start, " obj", 4) != 0) start--;
    if (find(bytes, end, start, "/FlateDecode") >= end &&
        find(bytes, end, start, "/DCTDecode") >= end)
      fail_msg("uncompressed image: %.*s", (int)(end - start), bytes + start);
    images++;
  }
  assert_int_equal(images, pdfa ? 2 : 3); /* the PNG, its mask (plain), the JPEG */
  printf("# images.pdf (%s): %zu bytes\n", pdfa ? "PDF/A-1b" : "plain", len);
  assert_true(len < (pdfa ? 6000 + ICC_BYTES : 6000));
  free(bytes);
  remove_dir(dir);
}

static uint32_t pixel(cairo_surface_t *s, int x, int y) {
  unsigned char *d = cairo_image_surface_get_data(s);
  return ((uint32_t *)(void *)(d + y * cairo_image_surface_get_stride(s)))[x] & 0xFFFFFF;
}

/* Within `tol` per channel. */
static void assert_near(cairo_surface_t *s, int x, int y, uint32_t want, int tol) {
  uint32_t got = pixel(s, x, y);
  for (int sh = 0; sh <= 16; sh += 8)
    if (abs((int)((got >> sh) & 255) - (int)((want >> sh) & 255)) > tol)
      fail_msg("pixel (%d, %d) is #%06x, not #%06x", x, y, got, want);
}

/* The spots of page_with_images() at 2 px a point; tol: per channel. */
static void assert_spots(cairo_surface_t *s, int tol) {
  assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  assert_int_equal(cairo_image_surface_get_width(s), 600);
  /* PNG logo: navy corner at (12,12) pt, white circle centre at (10+15, 10+15) pt */
  assert_near(s, 24, 24, 0x0b3d91, tol);
  assert_near(s, 50, 50, 0xffffff, tol);
  /* transparent part of the PNG: the page shows through */
  assert_near(s, 2 * 98, 2 * 38, 0xffffff, tol);
  /* red bar of the PNG: units x 50..110, y 8..14 -> pt 10+37.5.., 10+6..10.5 */
  assert_near(s, 2 * 70, 2 * 18, 0xc8102e, tol);
  /* grey lines below it: y 20..24 units -> 25..28 pt; between them white */
  assert_near(s, 2 * 70, 2 * 26, 0x333333, tol);
  assert_near(s, 2 * 70, 2 * 29, 0xffffff, tol);
  /* the SVG at x 110: the same spots */
  assert_near(s, 2 * 112, 24, 0x0b3d91, tol);
  assert_near(s, 2 * 125, 50, 0xffffff, tol);
  assert_near(s, 2 * 170, 2 * 18, 0xc8102e, tol);
  assert_near(s, 2 * 170, 2 * 26, 0x333333, tol);
  assert_near(s, 2 * 170, 2 * 29, 0xffffff, tol);
  /* the JPEG, left column (0, 200, 255), right column (240, 200, 15), lossy */
  assert_near(s, 2 * 212, 2 * 30, 0x00c8ff, 24 + tol);
  assert_near(s, 2 * 288, 2 * 30, 0xf0c80f, 24 + tol);
  /* the second PNG, half size at (10,60): navy at (12,62), white circle (17.5,67.5) */
  assert_near(s, 24, 124, 0x0b3d91, tol);
  assert_near(s, 35, 135, 0xffffff, tol);
  /* outside every image: white */
  assert_near(s, 2 * 5, 2 * 90, 0xffffff, 0);
}

static void png_device_draws_where_the_list_says(void **state) {
  (void)state;
  char *dir = rendered(AS_PNG); /* 144 dpi: 2 px a point */
  char path[128];
  snprintf(path, sizeof path, "%s/p-1.png", dir);
  cairo_surface_t *s = cairo_image_surface_create_from_png(path);
  assert_spots(s, 0);
  cairo_surface_destroy(s);
  remove_dir(dir);
}

/* The PDF rendered by poppler shows the same spots: images placed the right
 * way up, soft masks applied, the SVG's paths where the list says. */
static void pdf_device_draws_where_the_list_says(void **state) {
  if (system("pdftoppm -v >/dev/null 2>&1") != 0) skip();
  char *dir = rendered(*state ? AS_PDFA : AS_PLAIN_PDF);
  char cmd[512], path[128];
  snprintf(cmd, sizeof cmd, "pdftoppm -r 144 -png -singlefile '%s/images.pdf' '%s/poppler'", dir,
           dir);
  assert_int_equal(system(cmd), 0);
  snprintf(path, sizeof path, "%s/poppler.png", dir);
  cairo_surface_t *s = cairo_image_surface_create_from_png(path);
  assert_spots(s, 2);
  cairo_surface_destroy(s);
  remove_dir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(png_rgb_and_grey),
      cmocka_unit_test(png_alpha_palette_and_16_bit),
      cmocka_unit_test(jpeg_keeps_its_bytes),
      cmocka_unit_test(svg_becomes_paths),
      cmocka_unit_test(svg_sizes_and_opacity),
      cmocka_unit_test(bad_files_say_what_is_wrong),
      cmocka_unit_test(dashes_are_kept_and_bounded),
      cmocka_unit_test(svg_far_outside_is_refused),
      cmocka_unit_test(drawn_twice_registered_once),
      cmocka_unit_test(svg_trace_is_stable),
      cmocka_unit_test(svg_link_in_a_group_is_drawn),
      cmocka_unit_test(svg_render_error_is_freed_once),
      cmocka_unit_test_prestate(pdf_embeds_rasters_once_and_svg_as_paths, NULL),
      cmocka_unit_test_prestate(pdf_embeds_rasters_once_and_svg_as_paths, (void *)"PDF/A"),
      cmocka_unit_test(png_device_draws_where_the_list_says),
      cmocka_unit_test_prestate(pdf_device_draws_where_the_list_says, NULL),
      cmocka_unit_test_prestate(pdf_device_draws_where_the_list_says, (void *)"PDF/A"),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
