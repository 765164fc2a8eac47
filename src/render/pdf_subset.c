/* pdf_subset.c - font work for the PDF device that needs no libharu: open a
 * font with HarfBuzz, check coverage, subset it with hb-subset to the code
 * points a document uses, read back glyph ids and advances of the subset, and
 * write the subset tag and the ToUnicode CMap text. libharu never sees a raw
 * font file: it only loads what hb-subset has parsed and written again. */
#include "pdf-imp.h"

#include <hb-subset.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bp_pdf_face {
  hb_blob_t *blob;
  hb_face_t *face;
  hb_font_t *font;
};

static bool has_table(hb_face_t *face, hb_tag_t tag) {
  hb_blob_t *b = hb_face_reference_table(face, tag);
  bool ok = hb_blob_get_length(b) > 0;
  hb_blob_destroy(b);
  return ok;
}

/* unitsPerEm as the head table has it (0 without a whole head table).
 * hb_face_get_upem cannot tell: it answers 1000 for a value out of range,
 * while libharu divides by the raw value (0 is a SIGFPE in
 * HPDF_TTFontDef_Load), and hb-subset copies it unchanged. */
static unsigned raw_upem(hb_face_t *face) {
  hb_blob_t *b = hb_face_reference_table(face, HB_TAG('h', 'e', 'a', 'd'));
  unsigned len = 0;
  const unsigned char *p = (const unsigned char *)hb_blob_get_data(b, &len);
  unsigned upem = p && len >= 54 ? (unsigned)p[18] << 8 | p[19] : 0;
  hb_blob_destroy(b);
  return upem;
}

bp_status bp_pdf_face_open(bp_ctx *ctx, const char *path, int index, bp_pdf_face **out) {
  *out = NULL;
  hb_blob_t *blob = hb_blob_create_from_file_or_fail(path);
  if (!blob) return bp_error(ctx, BP_ERR_FONT, "font %s: cannot read the file", path);
  if (index < 0 || (unsigned)index >= hb_face_count(blob)) {
    hb_blob_destroy(blob);
    return bp_error(ctx, BP_ERR_FONT, "font %s: not a font file, or no face %d in it", path, index);
  }
  hb_face_t *face = hb_face_create(blob, (unsigned)index);
  if (hb_face_get_glyph_count(face) == 0) {
    hb_face_destroy(face);
    hb_blob_destroy(blob);
    return bp_error(ctx, BP_ERR_FONT, "font %s: not a usable font (no glyphs)", path);
  }
  unsigned upem = raw_upem(face);
  if (upem < 16 || upem > 16384) { /* the OpenType range */
    hb_face_destroy(face);
    hb_blob_destroy(blob);
    return bp_error(ctx, BP_ERR_FONT,
                    "font %s: damaged: its head table gives %u units per em (16 to 16384)", path,
                    upem);
  }
  if (!has_table(face, HB_TAG('g', 'l', 'y', 'f')) ||
      !has_table(face, HB_TAG('l', 'o', 'c', 'a'))) {
    hb_face_destroy(face);
    hb_blob_destroy(blob);
    return bp_error(ctx, BP_ERR_FONT,
                    "font %s: not a TrueType (glyf) font; the PDF writer (libharu) cannot "
                    "embed CFF or bitmap fonts",
                    path);
  }
  bp_pdf_face *f = bp_calloc(1, sizeof *f);
  f->blob = blob;
  f->face = face;
  f->font = hb_font_create(face);
  *out = f;
  return BP_OK;
}

bool bp_pdf_face_has(const bp_pdf_face *face, uint32_t cp) {
  hb_codepoint_t g = 0;
  return hb_font_get_nominal_glyph(face->font, cp, &g) && g != 0;
}

void bp_pdf_face_free(bp_pdf_face *face) {
  if (!face) return;
  hb_font_destroy(face->font);
  hb_face_destroy(face->face);
  hb_blob_destroy(face->blob);
  free(face);
}

/* Tables libharu never embeds (it writes only OS/2 cmap cvt fpgm glyf head
 * hhea hmtx loca maxp name post prep), plus the layout tables whose glyph
 * closure would pull unused glyphs (ligatures, alternates) into the subset. */
static const hb_tag_t drop_tags[] = {
    HB_TAG('G', 'S', 'U', 'B'), HB_TAG('G', 'P', 'O', 'S'), HB_TAG('G', 'D', 'E', 'F'),
    HB_TAG('B', 'A', 'S', 'E'), HB_TAG('J', 'S', 'T', 'F'), HB_TAG('M', 'A', 'T', 'H'),
    HB_TAG('k', 'e', 'r', 'n'), HB_TAG('m', 'o', 'r', 'x'), HB_TAG('m', 'o', 'r', 't'),
    HB_TAG('k', 'e', 'r', 'x'), HB_TAG('D', 'S', 'I', 'G'), HB_TAG('h', 'd', 'm', 'x'),
    HB_TAG('L', 'T', 'S', 'H'), HB_TAG('V', 'D', 'M', 'X'), HB_TAG('g', 'a', 's', 'p'),
    HB_TAG('v', 'h', 'e', 'a'), HB_TAG('v', 'm', 't', 'x'), HB_TAG('V', 'O', 'R', 'G'),
    HB_TAG('C', 'O', 'L', 'R'), HB_TAG('C', 'P', 'A', 'L'), HB_TAG('S', 'T', 'A', 'T'),
    HB_TAG('f', 'v', 'a', 'r'), HB_TAG('g', 'v', 'a', 'r'), HB_TAG('H', 'V', 'A', 'R'),
    HB_TAG('a', 'v', 'a', 'r'), HB_TAG('c', 'v', 'a', 'r'), HB_TAG('M', 'V', 'A', 'R'),
    HB_TAG('m', 'e', 't', 'a'), HB_TAG('P', 'C', 'L', 'T'), HB_TAG('E', 'B', 'D', 'T'),
    HB_TAG('E', 'B', 'L', 'C'), HB_TAG('E', 'B', 'S', 'C'), HB_TAG('s', 'b', 'i', 'x'),
    HB_TAG('C', 'B', 'D', 'T'), HB_TAG('C', 'B', 'L', 'C'), HB_TAG('S', 'V', 'G', ' '),
};

/* Tables of the subset that an embedded CIDFontType2 program is not read
 * for (ISO 32000-1, 9.9): the PDF maps codes to glyphs (CIDToGIDMap), and
 * carries the names, widths and metrics itself. libharu reads them when it
 * loads the subset, so only the embedded copy goes without. */
static const hb_tag_t unread_tags[] = {HB_TAG('c', 'm', 'a', 'p'), HB_TAG('n', 'a', 'm', 'e'),
                                       HB_TAG('O', 'S', '/', '2'), HB_TAG('p', 'o', 's', 't')};

/* The parsed subset `sub` without unread_tags, as a font file (owned). */
static char *embedded_program(hb_face_t *sub, size_t *len) {
  hb_face_t *b = hb_face_builder_create();
  hb_tag_t tags[32];
  unsigned n = sizeof tags / sizeof *tags;
  for (unsigned at = 0; n == sizeof tags / sizeof *tags; at += n) {
    n = sizeof tags / sizeof *tags;
    hb_face_get_table_tags(sub, at, &n, tags);
    for (unsigned i = 0; i < n; i++) {
      bool unread = false;
      for (size_t k = 0; k < sizeof unread_tags / sizeof *unread_tags; k++)
        unread |= tags[i] == unread_tags[k];
      if (unread) continue;
      hb_blob_t *t = hb_face_reference_table(sub, tags[i]);
      hb_face_builder_add_table(b, tags[i], t);
      hb_blob_destroy(t);
    }
  }
  hb_blob_t *blob = hb_face_reference_blob(b);
  hb_face_destroy(b);
  unsigned l = 0;
  const char *d = hb_blob_get_data(blob, &l);
  char *out = bp_malloc(l ? l : 1);
  if (l) memcpy(out, d, l);
  *len = l;
  hb_blob_destroy(blob);
  return out;
}

/* Characters whose glyph is blank by design: spaces, separators, controls,
 * format characters, variation selectors and the Hangul fillers. */
static bool blank_by_design(hb_codepoint_t cp) {
  switch (hb_unicode_general_category(hb_unicode_funcs_get_default(), cp)) {
  case HB_UNICODE_GENERAL_CATEGORY_SPACE_SEPARATOR:
  case HB_UNICODE_GENERAL_CATEGORY_LINE_SEPARATOR:
  case HB_UNICODE_GENERAL_CATEGORY_PARAGRAPH_SEPARATOR:
  case HB_UNICODE_GENERAL_CATEGORY_CONTROL:
  case HB_UNICODE_GENERAL_CATEGORY_FORMAT: return true;
  default: break;
  }
  return cp == 0x034F || cp == 0x115F || cp == 0x1160 || cp == 0x17B4 || cp == 0x17B5 ||
         (cp >= 0x180B && cp <= 0x180F) || cp == 0x2800 || cp == 0x3164 || cp == 0xFFA0 ||
         (cp >= 0xFE00 && cp <= 0xFE0F);
}

/* Every other character must have an outline: a font whose glyph data is
 * damaged (zeroed, cut short) still parses, and its text would be embedded
 * and shown invisible. */
static bp_status check_ink(bp_ctx *ctx, const bp_pdf_subset *s, const char *path,
                           const hb_set_t *cps) {
  hb_codepoint_t cp = HB_SET_VALUE_INVALID;
  while (hb_set_next(cps, &cp)) {
    if (blank_by_design(cp)) continue;
    hb_codepoint_t g = 0;
    hb_glyph_extents_t ext = {0};
    if (hb_font_get_nominal_glyph(s->font, cp, &g) && g &&
        hb_font_get_glyph_extents(s->font, g, &ext) && ext.width != 0 && ext.height != 0)
      continue;
    char u[5] = {0};
    bp_utf8_encode(cp, u);
    return bp_error(ctx, BP_ERR_FONT,
                    "font %s: the glyph of U+%04X '%s' has no outline (is the font file "
                    "damaged?); its text would be invisible",
                    path, (unsigned)cp, u);
  }
  return BP_OK;
}

/* Numbers the CIDs of `cps` (see bp_pdf_subset): each character its
 * glyph's id, a second character of a glyph the next CID after the glyphs.
 * A character without a glyph gets none (the device refuses it). */
static bp_status number_cids(bp_ctx *ctx, bp_pdf_subset *s, const char *path, const hb_set_t *cps) {
  s->n_glyphs = hb_face_get_glyph_count(s->face);
  size_t cap = (size_t)s->n_glyphs + hb_set_get_population(cps);
  s->cid_cp = bp_malloc(cap * sizeof *s->cid_cp);
  for (size_t i = 0; i < cap; i++) s->cid_cp[i] = BP_PDF_NO_CP;
  s->cids = hb_map_create();
  unsigned next = s->n_glyphs;
  hb_codepoint_t cp = HB_SET_VALUE_INVALID;
  while (hb_set_next(cps, &cp)) {
    uint32_t g = bp_pdf_subset_gid(s, cp);
    if (!g || g >= s->n_glyphs) continue;
    unsigned cid = s->cid_cp[g] == BP_PDF_NO_CP ? g : next++;
    s->cid_cp[cid] = cp;
    hb_map_set(s->cids, cp, cid);
  }
  s->n_cids = next;
  if (next > 0xFFFF) /* 2-byte codes: CID 65535 is the most */
    return bp_error(ctx, BP_ERR_FONT,
                    "font %s: the subset needs %u codes, more than the PDF's 65,535 (%u glyphs "
                    "shared by several characters)",
                    path, next, s->n_glyphs);
  return BP_OK;
}

bp_status bp_pdf_subset_new(bp_ctx *ctx, const bp_pdf_face *face, const char *path,
                            const hb_set_t *cps, bp_pdf_subset **out) {
  *out = NULL;
  hb_subset_input_t *in = hb_subset_input_create_or_fail();
  if (!in) return bp_error(ctx, BP_ERR_FONT, "font %s: hb-subset: out of memory", path);
  hb_set_union(hb_subset_input_unicode_set(in), cps);
  hb_set_t *drop = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
  for (size_t i = 0; i < sizeof drop_tags / sizeof *drop_tags; i++) hb_set_add(drop, drop_tags[i]);
  hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_NO_HINTING);
  hb_face_t *sub = hb_subset_or_fail(face->face, in);
  hb_subset_input_destroy(in);
  if (!sub)
    return bp_error(ctx, BP_ERR_FONT,
                    "font %s: hb-subset rejected the font (damaged or unsupported)", path);
  hb_blob_t *blob = hb_face_reference_blob(sub);
  hb_face_destroy(sub);
  unsigned len = 0;
  const char *data = hb_blob_get_data(blob, &len);
  if (!data || len == 0) {
    hb_blob_destroy(blob);
    return bp_error(ctx, BP_ERR_FONT, "font %s: hb-subset produced an empty font", path);
  }
  bp_pdf_subset *s = bp_calloc(1, sizeof *s);
  s->data = bp_malloc(len);
  memcpy(s->data, data, len);
  s->len = len;
  hb_blob_destroy(blob);
  /* Parse the written subset again: its cmap and hmtx are what libharu and
   * the reader will use. */
  hb_blob_t *own = hb_blob_create(s->data, (unsigned)s->len, HB_MEMORY_MODE_READONLY, NULL, NULL);
  s->face = hb_face_create(own, 0);
  hb_blob_destroy(own);
  s->upem = hb_face_get_upem(s->face);
  s->embed = embedded_program(s->face, &s->embed_len);
  s->font = hb_font_create(s->face);
  hb_font_set_scale(s->font, (int)s->upem, (int)s->upem);
  bp_status st = check_ink(ctx, s, path, cps);
  if (!st) st = number_cids(ctx, s, path, cps);
  if (st) {
    bp_pdf_subset_free(s);
    return st;
  }
  *out = s;
  return BP_OK;
}

unsigned bp_pdf_subset_cid(const bp_pdf_subset *s, uint32_t cp) {
  hb_codepoint_t cid = hb_map_get(s->cids, cp);
  return cid == HB_MAP_VALUE_INVALID ? 0 : cid;
}

unsigned char *bp_pdf_cid_to_gid_map(const bp_pdf_subset *s, size_t *len) {
  *len = 0;
  if (s->n_cids == s->n_glyphs) return NULL;
  unsigned char *map = bp_malloc((size_t)s->n_cids * 2);
  for (unsigned cid = 0; cid < s->n_cids; cid++) {
    uint32_t g = cid < s->n_glyphs ? cid : bp_pdf_subset_gid(s, s->cid_cp[cid]);
    map[cid * 2] = (unsigned char)(g >> 8);
    map[cid * 2 + 1] = (unsigned char)g;
  }
  *len = (size_t)s->n_cids * 2;
  return map;
}

uint32_t bp_pdf_subset_gid(const bp_pdf_subset *s, uint32_t cp) {
  hb_codepoint_t g = 0;
  if (!hb_font_get_nominal_glyph(s->font, cp, &g)) return 0;
  return g;
}

double bp_pdf_subset_width(const bp_pdf_subset *s, uint32_t cp) {
  hb_codepoint_t g = 0;
  hb_font_get_nominal_glyph(s->font, cp, &g);
  double w = hb_font_get_glyph_h_advance(s->font, g) * 1000.0 / s->upem;
  return round(w * 100.0) / 100.0;
}

void bp_pdf_subset_free(bp_pdf_subset *s) {
  if (!s) return;
  free(s->cid_cp);
  hb_map_destroy(s->cids);
  hb_font_destroy(s->font);
  hb_face_destroy(s->face);
  free(s->data);
  free(s->embed);
  free(s);
}

void bp_pdf_subset_tag(const hb_set_t *cps, const char *name, char tag[7]) {
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, 64 bit */
  for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
  hb_codepoint_t cp = HB_SET_VALUE_INVALID;
  while (hb_set_next(cps, &cp))
    for (int i = 0; i < 4; i++) h = (h ^ ((cp >> (8 * i)) & 0xFF)) * 0x100000001b3ull;
  for (int i = 0; i < 6; i++) {
    tag[i] = (char)('A' + h % 26);
    h /= 26;
  }
  tag[6] = '\0';
}

static const char cmap_head[] =
    "/CIDInit /ProcSet findresource begin\n"
    "12 dict begin\n"
    "begincmap\n"
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
    "/CMapName /Adobe-Identity-UCS def\n"
    "/CMapType 2 def\n"
    "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
static const char cmap_tail[] = "endcmap\n"
                                "CMapName currentdict /CMap defineresource pop\n"
                                "end\n"
                                "end\n";

char *bp_pdf_tounicode_cmap(const hb_set_t *cps, size_t *len) {
  /* Rows of 256 codes that hold used code points: bfrange may not cross a
   * change of the high byte, so each row gets its own range. */
  unsigned lo[256], hi[256];
  bool used[256] = {false};
  size_t n_rows = 0;
  hb_codepoint_t cp = HB_SET_VALUE_INVALID;
  while (hb_set_next(cps, &cp)) {
    if (cp > 0xFFFF) break;
    unsigned row = cp >> 8, low = cp & 0xFF;
    if (!used[row]) {
      used[row] = true;
      lo[row] = hi[row] = low;
      n_rows++;
    } else {
      if (low < lo[row]) lo[row] = low;
      if (low > hi[row]) hi[row] = low;
    }
  }
  bp_buf b = {0};
  bp_buf_puts(&b, cmap_head);
  size_t done = 0;
  for (unsigned row = 0; row < 256; row++) {
    if (!used[row]) continue;
    if (done % 100 == 0) {
      size_t left = n_rows - done;
      bp_buf_printf(&b, "%zu beginbfrange\n", left < 100 ? left : (size_t)100);
    }
    unsigned a = row << 8 | lo[row], z = row << 8 | hi[row];
    bp_buf_printf(&b, "<%04X> <%04X> <%04X>\n", a, z, a);
    done++;
    if (done % 100 == 0 || done == n_rows) bp_buf_puts(&b, "endbfrange\n");
  }
  bp_buf_puts(&b, cmap_tail);
  *len = b.len;
  return bp_buf_detach(&b);
}

/* The entries of one kind (lines of `lines`, `n` of them) in blocks of at
 * most 100, as the CMap format wants. */
static void put_blocks(bp_buf *b, const bp_buf *lines, size_t n, const char *kind) {
  const char *p = lines->data;
  for (size_t done = 0; done < n; done += 100) {
    size_t k = n - done < 100 ? n - done : 100;
    bp_buf_printf(b, "%zu begin%s\n", k, kind);
    for (size_t i = 0; i < k; i++) {
      const char *nl = strchr(p, '\n');
      bp_buf_put(b, p, (size_t)(nl - p) + 1);
      p = nl + 1;
    }
    bp_buf_printf(b, "end%s\n", kind);
  }
}

/* "<hhhh>": a 2-byte code or a BMP character of a CMap. */
static void put_code(bp_buf *b, unsigned v) {
  bp_buf_putc(b, '<');
  bp_pdf_put_hex4(b, v);
  bp_buf_putc(b, '>');
}

/* "<a> <z>" and `tail` (NULL: a line's end). */
static void put_codes(bp_buf *b, unsigned a, unsigned z, const char *tail) {
  put_code(b, a);
  bp_buf_putc(b, ' ');
  put_code(b, z);
  bp_buf_puts(b, tail ? tail : "\n");
}

/* CIDs [a, z] (successive, each with a character) as entries: one bfchar,
 * or one bfrange with an array of their characters. */
static void put_cids(const bp_pdf_subset *s, unsigned a, unsigned z, bp_buf *chars, size_t *n_chars,
                     bp_buf *ranges, size_t *n_ranges) {
  if (a == z) {
    put_codes(chars, a, s->cid_cp[a], NULL);
    ++*n_chars;
    return;
  }
  put_codes(ranges, a, z, " [");
  for (unsigned c = a; c <= z; c++) {
    put_code(ranges, s->cid_cp[c]);
    bp_buf_puts(ranges, c < z ? " " : "]\n");
  }
  ++*n_ranges;
}

char *bp_pdf_tounicode_cids(const bp_pdf_subset *s, size_t *len) {
  enum { RUN = 4 }; /* successive characters this many or more: a range of their own */
  bp_buf chars = {0}, ranges = {0};
  size_t n_chars = 0, n_ranges = 0;
  const uint32_t *cp = s->cid_cp;
  for (unsigned c = 1; c < s->n_cids;) {
    if (cp[c] == BP_PDF_NO_CP) {
      c++;
      continue;
    }
    /* a segment: successive CIDs with characters, one high byte (a range
     * may not cross one) */
    unsigned end = c;
    while (end + 1 < s->n_cids && cp[end + 1] != BP_PDF_NO_CP && (end + 1) >> 8 == c >> 8) end++;
    unsigned open = 0; /* the first CID not yet written, 0: none */
    for (unsigned a = c; a <= end;) {
      unsigned z = a; /* a run: successive characters, one high byte */
      while (z < end && cp[z + 1] == cp[z] + 1 && cp[z + 1] >> 8 == cp[a] >> 8) z++;
      if (z > a && (z - a + 1 >= RUN || (a == c && z == end))) {
        if (open) put_cids(s, open, a - 1, &chars, &n_chars, &ranges, &n_ranges);
        open = 0;
        put_codes(&ranges, a, z, " ");
        put_code(&ranges, cp[a]);
        bp_buf_putc(&ranges, '\n');
        n_ranges++;
      } else if (!open) {
        open = a;
      }
      a = z + 1;
    }
    if (open) put_cids(s, open, end, &chars, &n_chars, &ranges, &n_ranges);
    c = end + 1;
  }
  bp_buf b = {0};
  bp_buf_puts(&b, cmap_head);
  put_blocks(&b, &chars, n_chars, "bfchar");
  put_blocks(&b, &ranges, n_ranges, "bfrange");
  bp_buf_puts(&b, cmap_tail);
  bp_buf_free(&chars);
  bp_buf_free(&ranges);
  *len = b.len;
  return bp_buf_detach(&b);
}
