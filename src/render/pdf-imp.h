/* pdf-imp.h - private helpers of the PDF device (pdf.c): font subsetting with
 * hb-subset, glyph coverage, advance widths, the subset tag and the ToUnicode
 * CMap text. Nothing here includes hpdf.h; only pdf.c (and pdf_save.c, which
 * writes the document) talks to libharu. Not
 * part of the public API (render.h is). */
#ifndef BP_PDF_IMP_H
#define BP_PDF_IMP_H

#include "render.h"

#include <hb.h>

/** The sRGB ICC profile of the PDF/A output intent, compiled in at build
 * time (scripts/icc-compact.c: icc-profiles-free's sRGB.icc with one shared
 * tone curve of 256 entries, not three of 1024). */
extern const unsigned char bp_srgb_icc[];
extern const size_t bp_srgb_icc_len;

/** An original font file parsed by HarfBuzz, for coverage checks and as the
 * source of a subset. */
typedef struct bp_pdf_face bp_pdf_face;

/** Opens face `index` of the font file `path`. Fails (BP_ERR_FONT, naming the
 * file) when the file cannot be read, is not a font, or is not a TrueType
 * (glyf) font, which is all libharu can embed. *out owned, bp_pdf_face_free. */
bp_status bp_pdf_face_open(bp_ctx *ctx, const char *path, int index, bp_pdf_face **out);
/** True when the font's cmap maps `cp` to a glyph. */
bool bp_pdf_face_has(const bp_pdf_face *face, uint32_t cp);
void bp_pdf_face_free(bp_pdf_face *face);

/** A subset of a face to a set of code points, ready for libharu. */
typedef struct bp_pdf_subset {
  char *data; /* the subset TrueType file (owned) */
  size_t len;
  /* what the PDF embeds (owned): the same glyphs without the tables a
   * CIDFontType2 program is not read for (its codes reach the glyphs
   * through the CIDToGIDMap, its names and metrics are in the PDF) */
  char *embed;
  size_t embed_len;
  unsigned upem;   /* units per em of the subset */
  hb_face_t *face; /* the subset, parsed again (for cmap and hmtx) */
  hb_font_t *font; /* at scale = upem */
  /* The codes the PDF shows the characters with (CIDs, with Identity-H):
   * a character's CID is its glyph in the subset, so that the PDF maps CIDs
   * to glyphs with /Identity, not a CIDToGIDMap stream. Only a character
   * whose glyph another one already has (a font that draws U+00A0 with the
   * space's glyph) takes a CID after the last glyph, so that the ToUnicode
   * CMap tells the two apart; then the font needs a map
   * (bp_pdf_cid_to_gid_map). */
  uint32_t *cid_cp;  /* CID -> code point, BP_PDF_NO_CP where none */
  unsigned n_cids;   /* CIDs 0 .. n_cids - 1 */
  unsigned n_glyphs; /* the subset's glyphs: CIDs below this are glyph ids */
  hb_map_t *cids;    /* code point -> CID */
} bp_pdf_subset;

/** A CID that shows no character (a glyph only a composite uses, .notdef). */
#define BP_PDF_NO_CP 0xFFFFFFFFu

/** Subsets `face` to exactly the code points in `cps` (plus .notdef and the
 * components of composite glyphs), without hinting and without layout tables
 * (GSUB closure would add unused glyphs). Fails (BP_ERR_FONT, naming `path`)
 * when hb-subset rejects the font, or when a character that is not blank by
 * design (a space, a control) has a glyph without outline: a damaged font
 * whose text would be invisible. *out owned, bp_pdf_subset_free. */
bp_status bp_pdf_subset_new(bp_ctx *ctx, const bp_pdf_face *face, const char *path,
                            const hb_set_t *cps, bp_pdf_subset **out);
/** Glyph id of `cp` in the subset, 0 when absent. */
uint32_t bp_pdf_subset_gid(const bp_pdf_subset *s, uint32_t cp);
/** The CID `cp` is shown with (see bp_pdf_subset), 0 when absent. */
unsigned bp_pdf_subset_cid(const bp_pdf_subset *s, uint32_t cp);
/** The font's CIDToGIDMap: 2 bytes (big-endian glyph id) per CID; NULL when
 * every CID is its glyph id (the PDF says /Identity). Owned; *len its
 * length. */
unsigned char *bp_pdf_cid_to_gid_map(const bp_pdf_subset *s, size_t *len);
/** Advance of `cp` in 1/1000 em, rounded to 1/100 (the value the PDF's W
 * array carries, so that the device's own advance sums match the reader's). */
double bp_pdf_subset_width(const bp_pdf_subset *s, uint32_t cp);
void bp_pdf_subset_free(bp_pdf_subset *s);

/** A deterministic 6-letter subset tag (A-Z) from the used code points and
 * the font's name, as PDF's "ABCDEF+Name" subset naming wants. */
void bp_pdf_subset_tag(const hb_set_t *cps, const char *name, char tag[7]);

/** The text of a ToUnicode CMap for a font shown with 2-byte codes equal to
 * the BMP code points (libharu's UTF-8 encoder with Identity-H): one bfrange
 * per used high byte, covering the used low bytes. Returns an owned string;
 * *len gets its length. */
char *bp_pdf_tounicode_cmap(const hb_set_t *cps, size_t *len);
/** The same for a font shown with the subset's CIDs (bp_pdf_subset): runs
 * of successive CIDs and code points as one bfrange, other successive CIDs
 * as one bfrange with an array, a lone CID as a bfchar. */
char *bp_pdf_tounicode_cids(const bp_pdf_subset *s, size_t *len);

/** Appends the decimal digits of `v` (a '-' first when negative): what
 * printf's "%lld" writes, without printf (a profile's objects and structure
 * write about two thousand such numbers; pdf_save.c). */
void bp_pdf_put_int(bp_buf *b, long long v);

/** Appends `v` (0..0xFFFF) as 4 upper-case hex digits, as printf's "%04X". */
void bp_pdf_put_hex4(bp_buf *b, unsigned v);

/* libdeflate's levels: the smallest output worth its time (a document),
 * and the fastest (bp_pdf_options.fast_deflate) */
enum { BP_DEFLATE_SMALL = 6, BP_DEFLATE_FAST = 1 };

/** `len` bytes of `data` deflated in the zlib format (what a PDF's
 * FlateDecode filter reads), at libdeflate's `level`: the same output for
 * the same input and level, in any thread. *out owned (free), *out_len its
 * length. False only when no compressor could be made (out of memory). */
bool bp_pdf_deflate(const void *data, size_t len, int level, unsigned char **out, size_t *out_len);

#endif
