/* layout-imp.h - internals shared by the layout module's files. */
#ifndef BP_LAYOUT_IMP_H
#define BP_LAYOUT_IMP_H

#include "layout.h"

#include <fontconfig/fontconfig.h>
#include <hyphen.h>
#include <pango/pangocairo.h>

#include "../core/lru.h"

/** Shaped texts a typesetter keeps (the least recently used go first): a
 * document's fit loop reuses a size's shapings at every leading it tries,
 * and a batch's profiles their common labels. */
#define BP_TEXT_SHAPINGS_KEPT 256

struct bp_fontset {
  char *dir;
  FcConfig *config;
  FcCharSet *charset; /* union of every font's coverage */
  uint64_t ascii[2];  /* the same for U+0000..U+007F, one bit each */
  FcPattern **faces;  /* the config's faces, by file name (borrowed from it) */
  size_t n_faces;
  PangoFontMap *fontmap;
};

struct bp_typesetter {
  bp_fontset *fs;
  PangoContext *pango;
  HyphenDict *hyph;     /* bp__hyph_dict_keep(), shared by every typesetter */
  bp_lru *cache;        /* shaping key -> struct shaped (text.c; shared read-only) */
  bp_lru *breaks;       /* text -> its PangoLogAttr from pango_default_break */
  bp_lru *texts;        /* what precedes + a span's text -> the text made of it (append_text) */
  bp_lru *checked;      /* texts whose characters check_chars found valid and covered */
  bool use_layout;      /* tests: shape through a PangoLayout only */
  bool estimate;        /* texts from nominal advances, not shaped (bp__typesetter_estimate) */
  double estimate_skew; /* tests: the nominal advances times this (1) */
  GHashTable *nominal;  /* font description without its size -> struct nominal_face (text.c) */
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
/** When the whitespace-delimited token at `s` (up to `n` bytes) is a URL, a
 * host name or an e-mail address (smart punctuation and hyphenation leave
 * those alone), its length; else 0. */
size_t bp__url_token(const char *s, size_t n);

/** Sets the digits of `s[start..end)` upright when that italic range holds
 * Hangul: the Korean faces have no italic, so leaning digits beside
 * upright Hangul would look like a mistake. */
void bp__upright_digits(PangoAttrList *attrs, const char *s, size_t start, size_t end);

/* ---- line breaking (linebreak.c) ---- */

/** A penalty at or above this forbids the break. */
#define BP_LB_NEVER 10000.0

typedef enum bp_lb_kind { BP_LB_BOX, BP_LB_GLUE, BP_LB_PENALTY } bp_lb_kind;

/** One item of a paragraph: a box (text that is not broken), glue (a
 * space: natural width, how far it may stretch and shrink; a break there
 * drops it) or a penalty (a place to break inside text; width_pt is what
 * breaking there adds to the line, a hyphen). */
typedef struct bp_lb_item {
  bp_lb_kind kind;
  bool breakable; /* glue: a line may end here */
  bool flagged;   /* penalty: a hyphenation (consecutive ones cost more) */
  double width_pt, stretch_pt, shrink_pt;
  double expand_pt;   /* box: how far its glyphs may widen or narrow (font
                       * expansion), counted only in a line with spaces */
  double penalty;     /* penalty: cost of breaking here (< BP_LB_NEVER) */
  double protrude_pt; /* a break here: how far the line's last glyph may hang
                       * into the margin (a period, a hyphen) */
  double lead_pt;     /* box: how far its first glyph may hang into the left
                       * margin when it starts a line (a full-width opening
                       * bracket's blank half) */
} bp_lb_item;

typedef struct bp_lb_params {
  double width_pt;       /* the measure */
  double first_width_pt; /* the first line's (an indent takes from it) */
  bool justify;          /* total fit (Knuth-Plass); else first fit at natural width */
} bp_lb_params;

/** Breaks items[0..n) into lines: *breaks (owned, free()) gets each line's
 * ending item index in order, the last being n (the paragraph's end, its
 * line set ragged); returns how many. A break at glue drops the glue; the
 * glue and penalties after a break are dropped too. Never fails: a box
 * wider than the measure gets an overfull line of its own. */
size_t bp_linebreak(const bp_lb_item *items, size_t n, const bp_lb_params *p, int **breaks);

#endif
