/* layout-imp.h - internals shared by the layout module's files. */
#ifndef BP_LAYOUT_IMP_H
#define BP_LAYOUT_IMP_H

#include "layout.h"

#include <fontconfig/fontconfig.h>
#include <hyphen.h>
#include <pango/pangocairo.h>

struct bp_fontset {
  char *dir;
  FcConfig *config;
  FcCharSet *charset; /* union of every font's coverage */
  FcPattern **faces;  /* the config's faces, by file name (borrowed from it) */
  size_t n_faces;
  PangoFontMap *fontmap;
};

struct bp_typesetter {
  bp_fontset *fs;
  PangoContext *pango;
  HyphenDict *hyph;  /* NULL when the dictionary is missing */
  GHashTable *cache; /* layout key -> PangoLayout (laid out, shared read-only) */
};

/** Copies cr's current path in device space (cr's matrix is reset to the
 * identity) into *segs (owned, free(); NULL when empty) and *n, dropping
 * moves that draw nothing. Leaves the path in place. BP_ERR_LAYOUT with
 * cairo's message when the path is in error. */
bp_status bp_cairo_path_segs(bp_ctx *ctx, cairo_t *cr, bp_path_seg **segs, size_t *n);

/** Appends `s[0..n)` to `out` in Unicode NFC and, when `smart`, with
 * typographic quotes, dashes and ellipses for ASCII ones (URLs and e-mail
 * addresses kept as written). The quote's side is read from what `out`
 * already holds. */
void bp__smart_append(bp_buf *out, const char *s, size_t n, bool smart);

#endif
