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
  PangoFontMap *fontmap;
};

struct bp_typesetter {
  bp_fontset *fs;
  PangoContext *pango;
  HyphenDict *hyph;  /* NULL when the dictionary is missing */
  GHashTable *cache; /* layout key -> PangoLayout (laid out, shared read-only) */
};

#endif
