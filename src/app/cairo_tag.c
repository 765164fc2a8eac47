/* cairo_tag.c - cairo_tag_begin and cairo_tag_end as no-ops, in the
 * briefpress executable only (as cairo_dash.c: never in libbriefpress, a
 * program that links the library keeps its cairo as it is). librsvg marks
 * each <a href> of an SVG with a cairo tag (CAIRO_TAG_LINK), and cairo
 * 1.16's recording surface, which the image loader has librsvg draw into,
 * reads freed memory when such a tag is inside a group (an opacity below
 * 1: `<g opacity="0.5"><a href="x"><rect .../></a></g>`), and may crash or
 * draw what it read; fuzz_image found it (docs/fuzzing.md).
 * briefpress has no use for cairo's tags: its PDF is libharu's, its PNG
 * pages carry none, and of an image only the paths are kept, never its
 * links. These definitions in the executable take the place of cairo's
 * (ELF interposition, the executable exports them), so librsvg's calls do
 * nothing. -DBP_NO_CAIRO_TAG leaves cairo alone. */
#include <cairo.h>

#ifndef BP_NO_CAIRO_TAG
void cairo_tag_begin(cairo_t *cr, const char *tag_name, const char *attributes) {
  (void)cr, (void)tag_name, (void)attributes;
}

void cairo_tag_end(cairo_t *cr, const char *tag_name) { (void)cr, (void)tag_name; }
#endif
