/* text.c - paragraphs and labels: shaped once by Pango over the private
 * font set, unwrapped (through Pango's itemizer and shaper as its
 * PangoLayout would, without the layout's extents; by a layout for forced
 * breaks, tabs, letter spacing and right-to-left text), broken into lines
 * by linebreak.c over the glyph clusters (total fit when justified), and
 * drawn as display-list glyph runs. Korean is set keep-all (breaks only
 * between words, kinsoku), English is hyphenated with libhyphen through
 * soft hyphens, positions are unhinted and unrounded, in points. Baselines
 * sit on a fixed grid (leading). */
#include "layout-imp.h"
#include "hyph.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <pango/pangofc-font.h>
#include <pango/pangofc-fontmap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PT(x) ((double)(x) / PANGO_SCALE)

typedef struct anchor_src {
  int start, end; /* byte range in the layout's text */
  const char *uri;
  int cite_number;
} anchor_src;

struct bp_text {
  struct shaped *sd; /* the text shaped (shared with the typesetter's cache) */
  bp_style style;
  char *family; /* owned copy of style.family */
  double leading_pt, first_baseline_pt, measure_pt;
  bp_text_anchor *anchors;
  size_t n_anchors;
  const struct shaping *sh; /* sd's clusters */
  /* The lines as broken (linebreak.c over the shaping): we justify
   * ourselves (Pango 1.50 letter-spaces lines that have no spaces, which is
   * wrong for both English and Korean, and never shrinks a space). */
  struct tline *lines;
  int n_lines;
  size_t cap_lines;
};

/* One line: clusters [c0, c1) are its content (trailing spaces and a
 * forced-break character hang outside it), [c0, cend) everything up to the
 * next line. */
typedef struct tline {
  int seg;                     /* the Pango line (paragraph) it comes from */
  int c0, c1, cend;            /* clusters */
  int start, content_end, end; /* the same as byte offsets in the text */
  bool hyphen;                 /* ends at a soft hyphen: a hyphen is drawn */
  bool at_space;               /* broke at a space (else inside a word) */
  bool last;                   /* the last line of its Pango line: ragged */
  double x, nat, extra;        /* x offset, natural width (with the hyphen), extra per space */
  double expand;               /* glyph expansion: advances other than spaces times 1 + expand */
  double grow;                 /* what the expansion adds to the line's width */
  double prot;                 /* how far its last glyph hangs into the margin */
  double lead;                 /* how far its first glyph hangs into the left margin */
  int gaps;                    /* spaces inside its content */
} tline;

static void shaped_drop(void *p);

bp_status bp_typesetter_new(bp_ctx *ctx, bp_fontset *fs, bp_typesetter **out) {
  bp_typesetter *ts = bp_calloc(1, sizeof *ts);
  ts->fs = fs;
  ts->pango = pango_font_map_create_context(fs->fontmap);
  cairo_font_options_t *fo = cairo_font_options_create();
  cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
  pango_cairo_context_set_font_options(ts->pango, fo);
  cairo_font_options_destroy(fo);
  pango_cairo_context_set_resolution(ts->pango, 72.0);
  pango_context_set_round_glyph_positions(ts->pango, FALSE);
  pango_context_set_language(ts->pango, pango_language_from_string("en"));
  ts->hyph = bp__hyph_dict_keep(); /* compiled in, shared (hyph.h) */
  ts->cache = bp_lru_new(BP_TEXT_SHAPINGS_KEPT, shaped_drop);
  ts->breaks = bp_lru_new(BP_TEXT_SHAPINGS_KEPT, g_free);
  ts->texts = bp_lru_new(BP_TEXT_SHAPINGS_KEPT, free);
  ts->checked = bp_lru_new(BP_TEXT_SHAPINGS_KEPT, NULL);
  ts->estimate_skew = 1;
  *out = ts;
  (void)ctx;
  return BP_OK;
}

void bp__typesetter_use_layout(bp_typesetter *ts, bool on) { ts->use_layout = on; }

void bp__typesetter_estimate(bp_typesetter *ts, bool on) { ts->estimate = on; }

void bp__typesetter_estimate_skew(bp_typesetter *ts, double skew) { ts->estimate_skew = skew; }

void bp_typesetter_free(bp_typesetter *ts) {
  if (!ts) return;
  bp_lru_free(ts->cache);
  bp_lru_free(ts->breaks);
  bp_lru_free(ts->texts);
  bp_lru_free(ts->checked);
  if (ts->nominal) g_hash_table_destroy(ts->nominal);
  bp__hyph_dict_drop(ts->hyph);
  if (ts->pango) g_object_unref(ts->pango);
  free(ts);
}

/* ---- building the text and its attributes ---------------------------- */

typedef struct builder {
  bp_buf text;
  PangoAttrList *attrs;
  anchor_src *anchors;
  size_t n_anchors, cap_anchors;
  bp_typesetter *ts;
  bool hyphenate;
} builder;

/* Bytes of the letter (or combining mark) at s[i], 0 when it is none:
 * apostrophes, quotes and dashes end a word, so "Pyongyang’s" hyphenates
 * as "Pyongyang". */
static size_t letter_len(const char *s, size_t n, size_t i) {
  unsigned char c = (unsigned char)s[i];
  if (c < 0x80) return isalpha(c) ? 1 : 0;
  int len;
  int32_t cp = bp_utf8_decode(s + i, n - i, &len);
  if (cp <= 0 || len <= 0) return 0;
  GUnicodeType ty = g_unichar_type((gunichar)cp);
  bool letter = ty == G_UNICODE_LOWERCASE_LETTER || ty == G_UNICODE_UPPERCASE_LETTER ||
                ty == G_UNICODE_TITLECASE_LETTER || ty == G_UNICODE_MODIFIER_LETTER ||
                ty == G_UNICODE_OTHER_LETTER || ty == G_UNICODE_NON_SPACING_MARK ||
                ty == G_UNICODE_SPACING_MARK || ty == G_UNICODE_ENCLOSING_MARK;
  return letter ? (size_t)len : 0;
}

/* Appends `s` to the builder (NFC, typographic punctuation when `smart`;
 * see smart.c), inserting soft hyphens into all-ASCII words of five letters
 * or more when hyphenating (words with other letters are left whole; the
 * line breaker never hyphenates a word with Hangul). Nor are the words of a
 * URL, host name or e-mail address: a hyphen drawn inside one would be read
 * (and typed) as part of it; such a token breaks only where the line
 * breaker allows (after a slash, a hyphen of its own). */
static void append_text_made(builder *b, const char *src, size_t len, bool smart) {
  size_t at = b->text.len;
  bp__smart_append(&b->text, src, len, smart);
  if (!b->hyphenate || !b->ts->hyph) return;
  char *s = bp_strndup(b->text.data + at, b->text.len - at);
  size_t n = b->text.len - at;
  b->text.len = at;
  b->text.data[at] = '\0';
  /* the bytes of s in a URL token (one that began before s, in the
   * builder's text, is not looked at) */
  bool *url = bp_calloc(n + 1, sizeof *url);
  for (size_t k = 0; k < n;) {
    bool start = k ? g_ascii_isspace(s[k - 1]) : !at || g_ascii_isspace(b->text.data[at - 1]);
    size_t u = start ? bp__url_token(s + k, n - k) : 0;
    memset(url + k, 1, u);
    k += u ? u : 1;
  }
  size_t i = 0;
  while (i < n) {
    size_t j = i, l;
    while (j < n && (l = letter_len(s, n, j)) > 0) j += l;
    size_t wlen = j - i;
    bool ascii = true;
    for (size_t k = i; k < j; k++)
      if ((unsigned char)s[k] >= 0x80) ascii = false;
    if (wlen >= 5 && wlen < 64 && ascii && !url[i]) {
      char lower[65];
      char hy[70];
      for (size_t k = 0; k < wlen; k++) lower[k] = (char)tolower((unsigned char)s[i + k]);
      lower[wlen] = '\0';
      char **rep = NULL;
      int *pos = NULL, *cut = NULL;
      if (hnj_hyphen_hyphenate2(b->ts->hyph, lower, (int)wlen, hy, NULL, &rep, &pos, &cut) == 0) {
        for (size_t k = 0; k < wlen; k++) {
          bp_buf_putc(&b->text, s[i + k]);
          /* at least 2 letters before and 3 after a break */
          if ((hy[k] & 1) && k + 1 >= 2 && wlen - k - 1 >= 3) bp_buf_puts(&b->text, "\xC2\xAD");
        }
      } else {
        bp_buf_put(&b->text, s + i, wlen);
      }
      if (rep) {
        for (size_t k = 0; k < wlen; k++) free(rep[k]);
        free(rep);
        free(pos);
        free(cut);
      }
    } else {
      bp_buf_put(&b->text, s + i, wlen);
    }
    i = j;
    size_t k = i;
    while (k < n && !letter_len(s, n, k)) k++;
    bp_buf_put(&b->text, s + i, k - i);
    i = k;
  }
  free(url);
  free(s);
}

/* The same, made once per text and what precedes it: the fit builds every
 * text once per size and leading it tries. Smart punctuation reads the
 * builder's last character (a quote opens after a space or a bracket, a
 * URL starts after a space); hyphenation reads only the text. */
static void append_text(builder *b, const char *src, size_t len, bool smart) {
  const char *out = b->text.data;
  size_t n = b->text.len;
  const char *p = n ? g_utf8_find_prev_char(out, out + n) : NULL;
  uint32_t prev = p ? (uint32_t)g_utf8_get_char(p) : 0;
  char head[12] = {(char)('0' + smart), (char)('0' + (b->hyphenate && b->ts->hyph)),
                   (char)('0' + (!n || g_ascii_isspace(out[n - 1])))};
  for (int d = 0; d < 8; d++) head[3 + d] = "0123456789abcdef"[(prev >> (28 - 4 * d)) & 15];
  head[11] = '|';
  bp_buf k = {0};
  bp_buf_put(&k, head, sizeof head);
  bp_buf_put(&k, src, len);
  char *key = bp_buf_detach(&k);
  const char *made = bp_lru_lookup(b->ts->texts, key);
  if (made) {
    bp_buf_puts(&b->text, made);
    free(key);
    return;
  }
  append_text_made(b, src, len, smart);
  bp_lru_insert(b->ts->texts, key,
                bp_strndup(b->text.data ? b->text.data + n : "", b->text.len - n), 1);
}

static PangoFontDescription *style_font(const bp_style *st, unsigned flags, double scale) {
  PangoFontDescription *d = pango_font_description_new();
  pango_font_description_set_family(d, st->family ? st->family : "Noto Serif, NanumMyeongjo");
  pango_font_description_set_absolute_size(d, st->size_pt * scale * PANGO_SCALE);
  bool bold = st->bold || (flags & BP_SPAN_BOLD);
  bool italic = st->italic || (flags & BP_SPAN_ITALIC);
  pango_font_description_set_weight(d, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_font_description_set_style(d, italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
  return d;
}

static void add_attr(builder *b, PangoAttribute *a, size_t start, size_t end) {
  a->start_index = (guint)start;
  a->end_index = (guint)end;
  pango_attr_list_insert(b->attrs, a);
}

static void add_span_attrs(builder *b, const bp_style *st, unsigned flags, size_t start,
                           size_t end) {
  if (start == end) return;
  if (flags & (BP_SPAN_BOLD | BP_SPAN_ITALIC | BP_SPAN_SUPER)) {
    double scale = (flags & BP_SPAN_SUPER) ? 0.62 : 1.0;
    PangoFontDescription *d = style_font(st, flags, scale);
    add_attr(b, pango_attr_font_desc_new(d), start, end);
    pango_font_description_free(d);
  }
  if (flags & BP_SPAN_SUPER)
    add_attr(b, pango_attr_rise_new((int)(st->size_pt * 0.36 * PANGO_SCALE)), start, end);
  if (flags & BP_SPAN_ITALIC) bp__upright_digits(b->attrs, b->text.data, start, end);
}

/* The words around byte `at` of s[0..n) (about 30 bytes either side, on
 * character boundaries, soft hyphens left out), for error messages. */
static char *context_of(const char *s, size_t n, size_t at) {
  size_t from = at > 30 ? at - 30 : 0, to = at + 30 < n ? at + 30 : n;
  while (from > 0 && ((unsigned char)s[from] & 0xC0) == 0x80) from--;
  while (to < n && ((unsigned char)s[to] & 0xC0) == 0x80) to++;
  bp_buf b = {0};
  if (from > 0) bp_buf_puts(&b, "\xE2\x80\xA6");
  for (size_t i = from; i < to; i++) {
    if (i + 1 < to && (unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] == 0xAD) {
      i++;
      continue;
    }
    bp_buf_putc(&b, s[i]);
  }
  if (to < n) bp_buf_puts(&b, "\xE2\x80\xA6");
  return bp_buf_detach(&b);
}

static bp_status check_chars(bp_typesetter *ts, bp_ctx *ctx, const char *s, size_t n) {
  /* the fit sets each text at several sizes: checked once (keys end at a NUL) */
  bool keyed = strlen(s) == n;
  if (keyed && bp_lru_lookup(ts->checked, s)) return BP_OK;
  size_t bad;
  if (!bp_utf8_valid(s, n, &bad))
    return bp_error(ctx, BP_ERR_DATA, "invalid UTF-8 at byte %zu of \"%.40s\"", bad, s);
  for (size_t i = 0; i < n;) {
    int len;
    uint32_t cp = (uint32_t)bp_utf8_decode(s + i, n - i, &len);
    bool astral = cp > 0xFFFF, missing = cp >= 0x20 && !bp_fontset_covers(ts->fs, cp);
    if (astral || missing) {
      char *where = context_of(s, n, i);
      bp_error(ctx, BP_ERR_FONT,
               astral ? "character U+%04X is outside the Basic Multilingual Plane: \"%s\""
                      : "no font in the font set has U+%04X: \"%s\"",
               cp, where);
      free(where);
      return BP_ERR_FONT;
    }
    i += (size_t)len;
  }
  if (keyed) bp_lru_insert(ts->checked, bp_strdup(s), ts, 1); /* any value but NULL */
  return BP_OK;
}

/* Pango measures in int units of 1/1024 pt, so a line can be at most about
 * 2 million pt wide; past that its widths wrap around and a paragraph is set
 * as one line, most of it off the page. Refuse text that could get there,
 * assuming at most two ems (plus letter spacing) of advance per byte, and any
 * text over BP_TEXT_LAYOUT_MAX_BYTES (a 10 MB word took Pango forever). */
static bp_status check_extent(bp_ctx *ctx, const bp_style *st, const char *s, size_t n) {
  double per_byte = (2 * st->size_pt + fabs(st->letter_spacing_pt)) * PANGO_SCALE;
  size_t max = per_byte > 0 ? (size_t)((double)(INT_MAX / 2) / per_byte) : n;
  if (max > BP_TEXT_LAYOUT_MAX_BYTES) max = BP_TEXT_LAYOUT_MAX_BYTES;
  if (n <= max) return BP_OK;
  char *where = context_of(s, n < 60 ? n : 60, 0);
  bp_error(ctx, BP_ERR_LAYOUT,
           "a text of %zu bytes is too long to lay out at %.1f pt (at most %zu bytes): \"%s\"", n,
           st->size_pt, max, where);
  free(where);
  return BP_ERR_LAYOUT;
}

/* A line wider than its measure would be drawn off the page: an error. */
static bp_status check_lines(const bp_text *t, bp_ctx *ctx, double width_pt) {
  for (int i = 0; width_pt > 0 && i < t->n_lines; i++) {
    double w = bp_text_line_width_pt(t, i);
    if (w <= width_pt + 0.01) continue;
    char *line = bp_text_line_text(t, i);
    bp_error(ctx, BP_ERR_LAYOUT,
             "a line is %.1f pt wide, wider than its measure of %.1f pt: \"%.120s\"", w, width_pt,
             line);
    free(line);
    return BP_ERR_LAYOUT;
  }
  return BP_OK;
}

static double style_leading(const bp_style *st) {
  return st->leading_pt > 0 ? st->leading_pt : st->size_pt * 1.3;
}

/* ---- shaping once: the clusters of the unwrapped layout ---------------- */

enum {
  CL_SPACE = 1,      /* a U+0020 space: glue */
  CL_SHY = 2,        /* a soft hyphen (a hyphenation point after it) */
  CL_BREAK = 4,      /* Pango (UAX #14) allows a break before it */
  CL_HANGUL = 8,     /* its first character is Hangul */
  CL_KEEP = 16,      /* inside a word that contains Hangul: keep-all, never hyphenated */
  CL_CLOSE = 32,     /* closing punctuation: never starts a line */
  CL_OPEN = 64,      /* opening punctuation: never ends a line */
  CL_END = 128,      /* a forced break or paragraph end character (U+2028, \n) */
  CL_HYPHEN = 256,   /* an explicit hyphen or dash: a break after it is flagged */
  CL_BLANK_L = 512,  /* a full-width opening bracket: its left half is blank */
  CL_BLANK_R = 1024, /* a full-width closing bracket or stop: its right half */
};

typedef struct cluster {
  int start, end; /* byte range in the text */
  double w;       /* advance, pt */
  double hy_w;    /* a soft hyphen: the advance of the hyphen drawn when broken there */
  unsigned flags;
  double blank; /* a full-width bracket or stop that kept its blank half: how
                 * wide it is (pt), what hangs into the margin when a
                 * justified line ends with a closing one, or any line
                 * starts with an opening one */
} cluster;

/* The unwrapped layout's clusters, in text order, and where each of its
 * Pango lines (paragraphs, forced breaks) starts among them. Made once per
 * layout and kept with it: every measure reuses the shaping. */
typedef struct shaping {
  cluster *cl;
  int n;
  int *seg;      /* seg[i]: the first cluster of Pango line i; seg[n_seg] == n */
  int *seg_byte; /* where Pango line i starts in the text */
  bool *para;    /* Pango line i starts a paragraph (gets the indent) */
  int n_seg;
} shaping;

static void shaping_free(void *p) {
  shaping *sh = p;
  free(sh->cl);
  free(sh->seg);
  free(sh->seg_byte);
  free(sh->para);
  free(sh);
}

/* A text shaped once, at one set of attributes (sizes included): its Pango
 * lines (paragraphs and forced breaks), each a list of glyph runs in visual
 * order, the log attributes of its characters and its clusters. Shared by
 * the typesetter's cache and the texts that use it (refs). */
typedef struct shaped_line {
  int start;    /* byte offset in the text */
  bool para;    /* starts a paragraph */
  GSList *runs; /* PangoGlyphItem *, owned unless `layout` holds them */
} shaped_line;

typedef struct shaped {
  int refs;
  char *text; /* owned, or the layout's */
  int len;
  shaped_line *lines;
  int n_lines;
  PangoLogAttr *attrs; /* n_attrs: one per character and one past the end */
  int n_attrs;
  PangoLayout *layout; /* when Pango's layout made it: it owns text, runs and attrs */
  shaping *sh;
} shaped;

static void shaped_drop(void *p) {
  shaped *sd = p;
  if (!sd || !g_atomic_int_dec_and_test(&sd->refs)) return;
  if (sd->layout) {
    g_object_unref(sd->layout);
  } else {
    for (int i = 0; i < sd->n_lines; i++)
      for (GSList *r = sd->lines[i].runs; r; r = r->next) {
        PangoGlyphItem *run = r->data;
        pango_item_free(run->item);
        pango_glyph_string_free(run->glyphs);
        g_free(run);
      }
    for (int i = 0; i < sd->n_lines; i++) g_slist_free(sd->lines[i].runs);
    free(sd->text);
    g_free(sd->attrs);
  }
  free(sd->lines);
  if (sd->sh) shaping_free(sd->sh);
  free(sd);
}

/* Which side of a full-width CJK bracket or stop is blank by design (the
 * glyph is drawn in one half of its em): 1 the left (opening brackets), -1
 * the right (closing brackets, the ideographic comma and full stop), 0
 * neither. The Korean-style centred ，．and the middle dots are not. */
static int cjk_blank_side(uint32_t c) {
  switch (c) {
  case 0x3008:
  case 0x300A:
  case 0x300C:
  case 0x300E:
  case 0x3010:
  case 0x3014:
  case 0x3016:
  case 0x3018:
  case 0x301A:
  case 0xFF08:
  case 0xFF3B:
  case 0xFF5B: return 1;
  case 0x3001:
  case 0x3002:
  case 0x3009:
  case 0x300B:
  case 0x300D:
  case 0x300F:
  case 0x3011:
  case 0x3015:
  case 0x3017:
  case 0x3019:
  case 0x301B:
  case 0xFF09:
  case 0xFF3D:
  case 0xFF5D: return -1;
  }
  return 0;
}

static bool is_closing(uint32_t c) {
  switch (c) {
  case ')':
  case ']':
  case '}':
  case ',':
  case '.':
  case ':':
  case ';':
  case '!':
  case '?':
  case 0x2019:
  case 0x201D:
  case 0x2026:
  case 0x2025:
  case 0xFF0C:
  case 0xFF0E:
  case 0xFF1A:
  case 0xFF1B:
  case 0xFF01:
  case 0xFF1F: return true;
  }
  return cjk_blank_side(c) < 0;
}

static bool is_opening(uint32_t c) {
  switch (c) {
  case '(':
  case '[':
  case '{':
  case 0x2018:
  case 0x201C: return true;
  }
  return cjk_blank_side(c) > 0;
}

/* Flags of the cluster s[start, end) from its first and last characters. */
static unsigned cluster_flags(const char *s, int start, int end) {
  if (end - start == 1 && (unsigned char)s[start] < 0x80) { /* one ASCII character: no decoding */
    uint32_t c = (unsigned char)s[start];
    return (c == ' ' ? CL_SPACE : 0u) | (is_closing(c) ? CL_CLOSE : 0u) |
           (is_opening(c) ? CL_OPEN : 0u) | (c == '\n' || c == '\r' ? CL_END : 0u) |
           (c == '-' ? CL_HYPHEN : 0u);
  }
  int len;
  unsigned f = 0;
  uint32_t first = (uint32_t)bp_utf8_decode(s + start, (size_t)(end - start), &len);
  int k = end - 1;
  while (k > start && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
  uint32_t last = (uint32_t)bp_utf8_decode(s + k, (size_t)(end - k), &len);
  if (end - start == 1 && s[start] == ' ') f |= CL_SPACE;
  if (first == 0xAD) f |= CL_SHY;
  if (bp_is_hangul(first)) f |= CL_HANGUL;
  if (is_closing(first)) f |= CL_CLOSE;
  if (is_opening(last)) f |= CL_OPEN;
  int blank = cjk_blank_side(first);
  if (blank) f |= blank > 0 ? CL_BLANK_L : CL_BLANK_R;
  if (first == 0x2028 || first == 0x2029 || first == '\n' || first == '\r') f |= CL_END;
  if (last == '-' || last == 0x2010 || last == 0x2013 || last == 0x2014) f |= CL_HYPHEN;
  return f;
}

/* The glyph and advance (pt) of the hyphen drawn at a soft hyphen in `font`:
 * U+2010 when the font has it, else U+002D (what Pango inserts). */
static double hyphen_glyph(PangoFont *font, PangoGlyph *glyph) {
  hb_font_t *hb = pango_font_get_hb_font(font);
  hb_codepoint_t g = 0;
  if (!hb ||
      (!hb_font_get_nominal_glyph(hb, 0x2010, &g) && !hb_font_get_nominal_glyph(hb, '-', &g)))
    g = 0;
  PangoRectangle logical;
  pango_font_get_glyph_extents(font, g, NULL, &logical);
  if (glyph) *glyph = g;
  return PT(logical.width);
}

/* Trims the blank half on `side` (1 left, -1 right) of the glyph that
 * cluster c is made of, the iterator's cluster: by half its advance, never
 * into the ink; with `trim` false, only notes in c->blank how much could
 * go. A font that draws the bracket narrow (little blank) keeps it. */
static void trim_blank(cluster *c, const PangoGlyphItemIter *it, int side, bool trim) {
  if (it->end_glyph - it->start_glyph != 1) return;
  PangoGlyphInfo *gi = &it->glyph_item->glyphs->glyphs[it->start_glyph];
  if (gi->glyph == PANGO_GLYPH_EMPTY || (gi->glyph & PANGO_GLYPH_UNKNOWN_FLAG)) return;
  PangoRectangle ink;
  pango_font_get_glyph_extents(it->glyph_item->item->analysis.font, gi->glyph, &ink, NULL);
  int adv = gi->geometry.width;
  int blank = side > 0 ? ink.x : adv - (ink.x + ink.width);
  if (adv <= 0 || blank < adv / 3) return;
  int cut = blank < adv / 2 ? blank : adv / 2;
  if (!trim) {
    c->blank = PT(cut);
    return;
  }
  gi->geometry.width -= cut;
  if (side > 0) gi->geometry.x_offset -= cut;
  c->w -= PT(cut);
}

/* Full-width brackets and stops carry half an em of blank, and Korean
 * fonts (NanumMyeongjo) have no `halt`/`chws` to take it away, so beside
 * another bracket or stop it reads as a double space. As JLREQ (3.1.4) and
 * KLREQ set them: an opening bracket after an opening mark or at a
 * paragraph's start loses its blank left half; a closing bracket or stop
 * before a closing mark (」, 。」 」』) or an opening bracket, or at a
 * paragraph's end, its blank right half (」「 keeps half an em between
 * them). Beside a space the blank stays: a bracket drawn over the space
 * would cover it, and poppler, which finds word spaces from the glyphs'
 * boxes, would then read "그는「북한」" for "그는 「북한」"; a closing one
 * that ends a justified line hangs its blank into the margin instead
 * (cluster.blank, para_items). Clusters
 * [a, sh->n) are Pango line `line`; the glyphs' geometry is changed so that
 * what is drawn matches what is measured. */
static void trim_cjk_brackets(shaping *sh, const struct shaped_line *line, const char *s, int a) {
  cluster *cl = sh->cl;
  int e = sh->n;
  while (e > a && (cl[e - 1].flags & CL_END)) e--;
  int k = a; /* the clusters again, in the order shape_layout read them */
  for (GSList *r = line->runs; r; r = r->next) {
    PangoGlyphItemIter it;
    for (gboolean ok = pango_glyph_item_iter_init_start(&it, r->data, s); ok && k < e;
         ok = pango_glyph_item_iter_next_cluster(&it), k++) {
      if (cl[k].flags & CL_BLANK_L)
        trim_blank(&cl[k], &it, 1, k == a || (cl[k - 1].flags & CL_OPEN));
      else if (cl[k].flags & CL_BLANK_R)
        trim_blank(&cl[k], &it, -1, k + 1 == e || (cl[k + 1].flags & (CL_CLOSE | CL_BLANK_L)));
    }
  }
}

/* Words (clusters between spaces) from cluster a on that contain Hangul
 * are kept whole and never hyphenated. */
static void keep_hangul_words(shaping *sh, int a) {
  while (a < sh->n) {
    int b = a;
    bool hangul = false;
    while (b < sh->n && !(sh->cl[b].flags & CL_SPACE)) hangul |= sh->cl[b++].flags & CL_HANGUL;
    for (int k = a; hangul && k < b; k++) sh->cl[k].flags |= CL_KEEP;
    a = b + 1;
  }
}

/* True when run's clusters never go back in the text, as HarfBuzz gives a
 * left-to-right item's: then each cluster starts at the first glyph whose
 * byte offset exceeds the previous glyph's. */
static bool clusters_ascend(const PangoGlyphItem *run) {
  if (run->item->analysis.level % 2) return false;
  const PangoGlyphString *gs = run->glyphs;
  for (int g = 1; g < gs->num_glyphs; g++)
    if (gs->log_clusters[g] < gs->log_clusters[g - 1]) return false;
  return true;
}

/* pango_glyph_item_iter_next_cluster for a run whose clusters ascend: the
 * same start and end glyphs and byte indices (not the character counts,
 * which it counts for every cluster and nothing here reads). */
static gboolean ascending_next_cluster(PangoGlyphItemIter *it) {
  const PangoGlyphString *gs = it->glyph_item->glyphs;
  const PangoItem *item = it->glyph_item->item;
  int g = it->end_glyph;
  if (g == gs->num_glyphs) return FALSE;
  it->start_glyph = g;
  it->start_index = it->end_index;
  int first = gs->log_clusters[g];
  while (++g < gs->num_glyphs && gs->log_clusters[g] <= first) continue;
  it->end_glyph = g;
  it->end_index = item->offset + (g == gs->num_glyphs ? item->length : gs->log_clusters[g]);
  return TRUE;
}

/* The iterator at the first cluster of an ascending run that starts at or
 * after byte `from` (found by bisection), as pango_glyph_item_iter_init_start
 * and its next_cluster calls would reach it; false when there is none. A
 * paragraph's run is drawn a line at a time, and walking it from its start
 * for every line made drawing quadratic in the paragraph's length. */
static gboolean ascending_cluster_at(PangoGlyphItemIter *it, PangoGlyphItem *run, const char *text,
                                     int from) {
  const PangoGlyphString *gs = run->glyphs;
  const PangoItem *item = run->item;
  int lo = 0, hi = gs->num_glyphs;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (item->offset + gs->log_clusters[mid] < from)
      lo = mid + 1;
    else
      hi = mid;
  }
  memset(it, 0, sizeof *it);
  it->glyph_item = run;
  it->text = text;
  it->end_glyph = lo;
  it->end_index = item->offset + (lo == 0 ? 0 : gs->log_clusters[lo]);
  return ascending_next_cluster(it);
}

static shaping *shape_clusters(const struct shaped *sd) {
  shaping *sh = bp_calloc(1, sizeof *sh);
  const char *s = sd->text;
  int n_attrs = sd->n_attrs;
  const PangoLogAttr *attrs = sd->attrs;
  size_t cap = 0;
  int at_byte = 0, at_char = 0; /* a running byte -> character offset */
  int n_lines = sd->n_lines;
  sh->seg = bp_calloc((size_t)n_lines + 1, sizeof(int));
  sh->seg_byte = bp_calloc((size_t)n_lines + 1, sizeof(int));
  sh->para = bp_calloc((size_t)n_lines + 1, sizeof(bool));
  int i = 0;
  for (; i < n_lines; i++) {
    const shaped_line *line = &sd->lines[i];
    sh->seg[i] = sh->n;
    sh->seg_byte[i] = line->start;
    sh->para[i] = line->para;
    unsigned blanks = 0; /* any full-width bracket in the line */
    for (GSList *r = line->runs; r; r = r->next) {
      PangoGlyphItem *run = r->data;
      PangoGlyphItemIter it;
      double hy_w = -1;
      bool ascend = clusters_ascend(run);
      for (gboolean ok = ascend ? ascending_cluster_at(&it, run, s, 0)
                                : pango_glyph_item_iter_init_start(&it, run, s);
           ok;
           ok = ascend ? ascending_next_cluster(&it) : pango_glyph_item_iter_next_cluster(&it)) {
        cluster c = {it.start_index, it.end_index, 0, 0, 0, 0};
        for (int g = it.start_glyph; g < it.end_glyph; g++)
          c.w += PT(run->glyphs->glyphs[g].geometry.width);
        c.flags = cluster_flags(s, c.start, c.end);
        at_char += (int)g_utf8_strlen(s + at_byte, c.start - at_byte);
        at_byte = c.start;
        if (at_char < n_attrs && attrs[at_char].is_line_break) c.flags |= CL_BREAK;
        if (c.flags & CL_SHY) {
          if (hy_w < 0) hy_w = hyphen_glyph(run->item->analysis.font, NULL);
          c.hy_w = hy_w;
        }
        BP_PUSH(sh->cl, sh->n, cap, c);
        blanks |= c.flags & (CL_BLANK_L | CL_BLANK_R);
      }
    }
    if (blanks) trim_cjk_brackets(sh, line, s, sh->seg[i]);
    keep_hangul_words(sh, sh->seg[i]);
  }
  sh->seg[i] = sh->n;
  sh->n_seg = i;
  return sh;
}

/* The attributes Pango 1.50's layout itemizes by (font selection, and those
 * that must be constant across a run), and those it hands to the shaper and
 * the line breaker: the layout splits an attribute list so. */
static gboolean attr_itemizes(PangoAttribute *a, gpointer data) {
  (void)data;
  switch ((int)a->klass->type) {
  case PANGO_ATTR_LANGUAGE:
  case PANGO_ATTR_FAMILY:
  case PANGO_ATTR_STYLE:
  case PANGO_ATTR_WEIGHT:
  case PANGO_ATTR_VARIANT:
  case PANGO_ATTR_STRETCH:
  case PANGO_ATTR_SIZE:
  case PANGO_ATTR_FONT_DESC:
  case PANGO_ATTR_SCALE:
  case PANGO_ATTR_FALLBACK:
  case PANGO_ATTR_ABSOLUTE_SIZE:
  case PANGO_ATTR_GRAVITY:
  case PANGO_ATTR_GRAVITY_HINT:
  case PANGO_ATTR_FONT_SCALE:
  case PANGO_ATTR_LETTER_SPACING:
  case PANGO_ATTR_SHAPE:
  case PANGO_ATTR_RISE:
  case PANGO_ATTR_BASELINE_SHIFT:
  case PANGO_ATTR_LINE_HEIGHT:
  case PANGO_ATTR_ABSOLUTE_LINE_HEIGHT:
  case PANGO_ATTR_TEXT_TRANSFORM: return TRUE;
  default: return FALSE;
  }
}

static gboolean attr_shapes(PangoAttribute *a, gpointer data) {
  (void)data;
  switch ((int)a->klass->type) {
  case PANGO_ATTR_ALLOW_BREAKS:
  case PANGO_ATTR_WORD:
  case PANGO_ATTR_SENTENCE:
  case PANGO_ATTR_INSERT_HYPHENS:
  case PANGO_ATTR_FONT_FEATURES:
  case PANGO_ATTR_SHOW: return TRUE;
  default: return FALSE;
  }
}

/* Whether shape_direct gives what Pango's layout would: one left-to-right
 * paragraph without tabs, forced breaks or NULs, and only the attributes
 * text.c sets that neither letter-space nor split runs. */
static bool direct_ok(const char *s, int n, PangoAttrList *attrs) {
  for (int i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '\n' || c == '\r' || c == '\t' || c == 0) return false;
    if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
        ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9))
      return false; /* U+2028, U+2029 */
    if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] == 0x85) return false; /* NEL */
  }
  bool ok = true;
  GSList *list = pango_attr_list_get_attributes(attrs);
  for (GSList *l = list; l; l = l->next) {
    PangoAttribute *a = l->data;
    switch ((int)a->klass->type) {
    case PANGO_ATTR_FONT_DESC:
    case PANGO_ATTR_STYLE:
    case PANGO_ATTR_RISE:
    case PANGO_ATTR_FONT_FEATURES: break;
    default: ok = false;
    }
  }
  g_slist_free_full(list, (GDestroyNotify)pango_attribute_destroy);
  return ok;
}

/* The direction of the first strong character: what the layout calls (its
 * auto_dir), deprecated since Pango 1.44 for the layout's own use. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
static PangoDirection base_dir(const char *s, int n) { return pango_find_base_dir(s, n); }
G_GNUC_END_IGNORE_DEPRECATIONS

/* sd's log attributes as UAX #14 sets them over its text, which depend on
 * nothing else: made once for every size the fit tries. */
static void default_breaks(bp_typesetter *ts, shaped *sd) {
  sd->n_attrs = (int)g_utf8_strlen(sd->text, sd->len) + 1;
  sd->attrs = g_new0(PangoLogAttr, sd->n_attrs);
  const PangoLogAttr *dflt = bp_lru_lookup(ts->breaks, sd->text);
  if (!dflt) {
    PangoLogAttr *made = g_new0(PangoLogAttr, sd->n_attrs);
    pango_default_break(sd->text, sd->len, NULL, made, sd->n_attrs);
    bp_lru_insert(ts->breaks, bp_strdup(sd->text), made, 1);
    dflt = made;
  }
  memcpy(sd->attrs, dflt, (size_t)sd->n_attrs * sizeof *sd->attrs);
}

/* Shapes text s[0..n) as Pango 1.50's unwrapped PangoLayout does (itemized
 * with its font description first among the attributes, the log attributes
 * of the paragraph, each item shaped with the paragraph as its context,
 * unrounded), without the layout: the layout also measures the ink and
 * logical extents of every glyph and asks every font for its metrics,
 * which nothing here reads (a third of its cost). NULL when an item is
 * right-to-left: Pango's layout reorders those. */
static shaped *shape_direct(bp_typesetter *ts, const char *s, int n, PangoAttrList *attrs,
                            const PangoFontDescription *desc) {
  PangoAttrList *all = pango_attr_list_copy(attrs);
  PangoAttribute *fa = pango_attr_font_desc_new(desc);
  pango_attr_list_insert_before(all, fa);
  PangoAttrList *itemize = pango_attr_list_filter(all, attr_itemizes, NULL);
  PangoAttrList *shape = pango_attr_list_filter(all, attr_shapes, NULL);
  pango_attr_list_unref(all);
  PangoDirection dir = base_dir(s, n);
  if (dir == PANGO_DIRECTION_NEUTRAL) dir = pango_context_get_base_dir(ts->pango);
  GList *items = pango_itemize_with_base_dir(ts->pango, dir, s, 0, n, itemize, NULL);
  if (shape) { /* the features: each item gets those over it */
    PangoAttrIterator *it = pango_attr_list_get_iterator(shape);
    for (GList *l = items; l; l = l->next) pango_item_apply_attrs(l->data, it);
    pango_attr_iterator_destroy(it);
  }
  shaped *sd = bp_calloc(1, sizeof *sd);
  sd->refs = 1;
  sd->text = bp_malloc((size_t)n + 1);
  memcpy(sd->text, s, (size_t)n);
  sd->text[n] = 0;
  sd->len = n;
  default_breaks(ts, sd);
  int offset = 0;
  bool rtl = false;
  for (GList *l = items; l; l = l->next) {
    PangoItem *item = l->data;
    pango_tailor_break(s + item->offset, item->length, &item->analysis, item->offset,
                       sd->attrs + offset, item->num_chars + 1);
    offset += item->num_chars;
    rtl |= item->analysis.level % 2 != 0;
  }
  if (shape && items)
    pango_attr_break(s, n, shape, ((PangoItem *)items->data)->offset, sd->attrs, sd->n_attrs);
  sd->lines = bp_calloc(1, sizeof *sd->lines);
  sd->n_lines = 1;
  sd->lines[0].para = true;
  GSList *runs = NULL;
  offset = 0;
  for (GList *l = items; l; l = l->next) {
    PangoItem *item = l->data;
    PangoGlyphItem *run = g_new0(PangoGlyphItem, 1);
    run->item = item;
    run->glyphs = pango_glyph_string_new();
    if (!rtl) pango_shape_item(item, s, n, sd->attrs + offset, run->glyphs, PANGO_SHAPE_NONE);
    offset += item->num_chars;
    runs = g_slist_prepend(runs, run);
  }
  g_list_free(items);
  sd->lines[0].runs = g_slist_reverse(runs);
  if (itemize) pango_attr_list_unref(itemize);
  if (shape) pango_attr_list_unref(shape);
  if (rtl) {
    shaped_drop(sd);
    return NULL;
  }
  sd->sh = shape_clusters(sd);
  return sd;
}

/* The same from Pango's layout, for what shape_direct does not do. */
static shaped *shape_layout(PangoLayout *L) {
  shaped *sd = bp_calloc(1, sizeof *sd);
  sd->refs = 1;
  sd->layout = L;
  sd->text = (char *)pango_layout_get_text(L);
  sd->len = (int)strlen(sd->text);
  sd->attrs = (PangoLogAttr *)pango_layout_get_log_attrs_readonly(L, &sd->n_attrs);
  sd->n_lines = pango_layout_get_line_count(L);
  sd->lines = bp_calloc((size_t)sd->n_lines + 1, sizeof *sd->lines);
  int i = 0;
  for (GSList *l = pango_layout_get_lines_readonly(L); l && i < sd->n_lines; l = l->next, i++) {
    PangoLayoutLine *line = l->data;
    sd->lines[i] = (shaped_line){line->start_index, line->is_paragraph_start, line->runs};
  }
  sd->sh = shape_clusters(sd);
  return sd;
}

/* ---- the estimate: nominal advances, nothing shaped --------------------- */

/* The fonts a font description (its size aside) gives characters, and
 * their nominal advances in ems, as found: the estimate reads a
 * character's advance once per face, at any size. */
typedef struct nominal_face {
  PangoFontset *set; /* the description's font set, at the size first asked for */
  float ascii[128];  /* advance in ems; < 0 not looked up yet */
  GHashTable *other; /* code point -> float * (ems) */
  float hyphen;      /* the hyphen drawn at a soft hyphen, in ems; < 0 not yet */
} nominal_face;

static void nominal_face_free(void *p) {
  nominal_face *f = p;
  if (f->set) g_object_unref(f->set);
  if (f->other) g_hash_table_destroy(f->other);
  free(f);
}

static void key_font(bp_buf *k, const PangoFontDescription *d);

/* The face of d, any size. Its font set is loaded at d's size: a new size
 * is a new font set (Pango sorts the fonts again), and the first size asked
 * for is often one the exact layouts use too (the styles the fit does not
 * scale), which then find it in Pango's cache. */
static nominal_face *nominal_face_of(bp_typesetter *ts, const PangoFontDescription *d) {
  if (!ts->nominal)
    ts->nominal = g_hash_table_new_full(g_str_hash, g_str_equal, free, nominal_face_free);
  PangoFontDescription *any = pango_font_description_copy(d);
  pango_font_description_set_absolute_size(any, PANGO_SCALE); /* the key: sizes alike */
  bp_buf k = {0};
  key_font(&k, any);
  pango_font_description_free(any);
  nominal_face *f = g_hash_table_lookup(ts->nominal, k.data);
  if (f) {
    bp_buf_free(&k);
    return f;
  }
  f = bp_calloc(1, sizeof *f);
  for (int i = 0; i < 128; i++) f->ascii[i] = -1;
  f->hyphen = -1;
  f->set = pango_font_map_load_fontset(ts->fs->fontmap, ts->pango, d,
                                       pango_context_get_language(ts->pango));
  f->other = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, free);
  g_hash_table_insert(ts->nominal, bp_buf_detach(&k), f);
  return f;
}

/* The advance of cp's nominal glyph in the font the set gives it, in ems. */
static float nominal_lookup(const nominal_face *f, uint32_t cp) {
  PangoFont *font = f->set ? pango_fontset_get_font(f->set, cp) : NULL;
  hb_font_t *hb = font ? pango_font_get_hb_font(font) : NULL;
  hb_codepoint_t g = 0;
  float em = 0.5f;
  int xs = 0;
  if (hb) hb_font_get_scale(hb, &xs, NULL);
  if (hb && xs > 0 && hb_font_get_nominal_glyph(hb, cp, &g))
    em = (float)hb_font_get_glyph_h_advance(hb, g) / (float)xs;
  if (font) g_object_unref(font);
  return em;
}

static float nominal_advance(nominal_face *f, uint32_t cp) {
  if (cp < 128) {
    if (f->ascii[cp] < 0) f->ascii[cp] = nominal_lookup(f, cp);
    return f->ascii[cp];
  }
  float *em = g_hash_table_lookup(f->other, GUINT_TO_POINTER(cp));
  if (!em) {
    em = bp_malloc(sizeof *em);
    *em = nominal_lookup(f, cp);
    g_hash_table_insert(f->other, GUINT_TO_POINTER(cp), em);
  }
  return *em;
}

/* Text s[0..n) as clusters of one character each (a combining mark joins
 * the one before), each as wide as its nominal glyph at the size and in the
 * font its attributes give it, with the flags and breaks a shaping would
 * have: what the fit's estimate lays out, without itemizing or shaping.
 * Forced breaks and paragraph separators end a Pango line as a layout's
 * would; letter spacing is added to every character, and nothing is
 * reordered. Draws nothing (no runs). */
static shaped *shape_nominal(bp_typesetter *ts, const char *s, int n, PangoAttrList *attrs,
                             const PangoFontDescription *desc, double letter_spacing_pt) {
  shaped *sd = bp_calloc(1, sizeof *sd);
  sd->refs = 1;
  sd->text = bp_malloc((size_t)n + 1);
  memcpy(sd->text, s, (size_t)n);
  sd->text[n] = 0;
  sd->len = n;
  default_breaks(ts, sd);
  shaping *sh = bp_calloc(1, sizeof *sh);
  int segs = 1;
  for (int i = 0; i < n; i++)
    segs += s[i] == '\n' ||
            (i + 2 < n && (!memcmp(s + i, "\xE2\x80\xA8", 3) || !memcmp(s + i, "\xE2\x80\xA9", 3)));
  sh->seg = bp_calloc((size_t)segs + 1, sizeof(int));
  sh->seg_byte = bp_calloc((size_t)segs + 1, sizeof(int));
  sh->para = bp_calloc((size_t)segs + 1, sizeof(bool));
  sh->para[0] = true;
  size_t cap = 0;
  int at_char = 0;
  PangoAttrIterator *it = pango_attr_list_get_iterator(attrs);
  do {
    int start, end;
    pango_attr_iterator_range(it, &start, &end);
    if (start >= n) break;
    if (end > n) end = n;
    PangoFontDescription *d = pango_font_description_copy(desc);
    pango_attr_iterator_get_font(it, d, NULL, NULL);
    nominal_face *f = nominal_face_of(ts, d);
    double size = (double)pango_font_description_get_size(d) / PANGO_SCALE;
    pango_font_description_free(d);
    for (int i = start; i < end; at_char++) {
      int len;
      uint32_t cp = (uint32_t)bp_utf8_decode(s + i, (size_t)(n - i), &len);
      if (len <= 0) len = 1;
      GUnicodeType ty = g_unichar_type(cp);
      bool mark = ty == G_UNICODE_NON_SPACING_MARK || ty == G_UNICODE_ENCLOSING_MARK ||
                  ty == G_UNICODE_SPACING_MARK || cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F);
      if (mark && sh->n > sh->seg[sh->n_seg]) {
        cluster *c = &sh->cl[sh->n - 1];
        c->end = i + len;
        c->w += ty == G_UNICODE_SPACING_MARK ? nominal_advance(f, cp) * size : 0;
        i += len;
        continue;
      }
      cluster c = {i, i + len, 0, 0, 0, 0};
      c.flags = cluster_flags(s, c.start, c.end);
      if (at_char < sd->n_attrs && sd->attrs[at_char].is_line_break) c.flags |= CL_BREAK;
      if (c.flags & CL_SHY) {
        if (f->hyphen < 0) f->hyphen = nominal_advance(f, 0x2010);
        c.hy_w = f->hyphen * size;
      } else if (!(c.flags & CL_END)) {
        c.w = (nominal_advance(f, cp) * size + letter_spacing_pt) * ts->estimate_skew;
      }
      BP_PUSH(sh->cl, sh->n, cap, c);
      i += len;
      if ((c.flags & CL_END) && i < n && sh->n_seg + 1 < segs) { /* a new Pango line */
        sh->n_seg++;
        sh->seg[sh->n_seg] = sh->n;
        sh->seg_byte[sh->n_seg] = i;
        sh->para[sh->n_seg] = cp != 0x2028;
      }
    }
  } while (pango_attr_iterator_next(it));
  pango_attr_iterator_destroy(it);
  sh->n_seg++;
  sh->seg[sh->n_seg] = sh->n;
  keep_hangul_words(sh, 0);
  sd->n_lines = sh->n_seg;
  sd->lines = bp_calloc((size_t)sd->n_lines, sizeof *sd->lines);
  for (int k = 0; k < sd->n_lines; k++)
    sd->lines[k] = (shaped_line){sh->seg_byte[k], sh->para[k], NULL};
  sd->sh = sh;
  return sd;
}

/* ---- lines: items from clusters, breaks, and the line table ------------- */

#define HYPHEN_PENALTY 50.0 /* TeX's hyphenpenalty and exhyphenpenalty */
#define SPACE_STRETCH 0.35  /* a space stretches at ratio 1 to 135 %, to 153 % in the first pass */
#define SPACE_SHRINK 0.4    /* and shrinks to 60 % at most (linebreak.c: SHRINK_SOFT) */
/* Font expansion (pdfTeX's \pdfadjustspacing, microtype's default limits):
 * the glyphs of a justified line with spaces may be widened or narrowed by
 * up to 2 %, in steps of 0.1 %, taking their share of the line's stretch or
 * shrink, so that its spaces depart less from their natural width. */
#define EXPAND 0.02
#define EXPAND_STEP 0.001

/* How much of cluster c may hang into the right margin at a line's end
 * (margin kerning, as microtype's defaults): periods, commas, hyphens and
 * closing quotes most, colons half, dashes a little. */
static double protrusion(const char *s, const cluster *c, double w) {
  int len;
  uint32_t last = 0;
  int k = c->end - 1;
  while (k > c->start && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
  last = (uint32_t)bp_utf8_decode(s + k, (size_t)(c->end - k), &len);
  switch (last) {
  case '.':
  case ',':
  case '-':
  case 0x2010:
  case 0x2019:
  case 0x201D:
  case '\'':
  case '"': return 0.7 * w;
  case ':':
  case ';': return 0.5 * w;
  case 0x2013: return 0.3 * w;
  case 0x2014: return 0.2 * w;
  default: return 0;
  }
}

/* How far cluster c may hang into the right margin when a line of style
 * st ends with it: punctuation with hang_punctuation, and in any justified
 * text the blank half a full-width closing bracket or stop kept. */
static double line_end_hang(const char *s, const cluster *c, const bp_style *st) {
  if (st->align != BP_ALIGN_JUSTIFY) return 0;
  return (st->hang_punctuation ? protrusion(s, c, c->w) : 0) + c->blank;
}

/* May a line end between clusters k-1 and k (neither a space)? The cost, or
 * BP_LB_NEVER. */
static double inside_break(const cluster *cl, int k, bool break_all) {
  const cluster *p = &cl[k - 1], *c = &cl[k];
  if ((c->flags & CL_CLOSE) || (p->flags & CL_OPEN)) return BP_LB_NEVER; /* kinsoku */
  bool keep = (p->flags & CL_KEEP) && (c->flags & CL_KEEP);
  if (p->flags & CL_SHY) return (p->flags & CL_KEEP) ? BP_LB_NEVER : HYPHEN_PENALTY;
  if (!(c->flags & CL_BREAK)) return BP_LB_NEVER;
  if (keep && !(break_all && (p->flags & CL_HANGUL) && (c->flags & CL_HANGUL))) return BP_LB_NEVER;
  return (p->flags & CL_HYPHEN) ? HYPHEN_PENALTY : 0;
}

typedef struct para {
  bp_lb_item *it;
  int *icl; /* per item: its first cluster (a penalty: the cluster after it) */
  size_t n, cap, cap_icl;
} para;

static void para_push(para *P, bp_lb_item item, int k) {
  size_t n = P->n;
  BP_PUSH(P->it, P->n, P->cap, item);
  BP_PUSH(P->icl, n, P->cap_icl, k);
}

/* Items of clusters [a, e) (content: no trailing spaces or break
 * characters). A word (clusters between allowed breaks) wider than
 * `overlong_pt` may break between any two of its clusters that kinsoku
 * allows: an overlong Hangul word breaks between syllables. */
static void para_items(para *P, const char *s, const cluster *cl, int a, int e, const bp_style *st,
                       double overlong_pt) {
  bool justify = st->align == BP_ALIGN_JUSTIFY, hang = justify && st->hang_punctuation;
  double *cost = bp_calloc((size_t)(e - a + 1), sizeof(double));
  for (int k = a + 1; k < e; k++)
    cost[k - a] = (cl[k].flags & CL_SPACE) || (cl[k - 1].flags & CL_SPACE)
                      ? BP_LB_NEVER
                      : inside_break(cl, k, st->break_all);
  /* emergency breaks inside overlong words */
  for (int w0 = a; overlong_pt > 0 && w0 < e;) {
    if (cl[w0].flags & CL_SPACE) {
      w0++;
      continue;
    }
    int w1 = w0 + 1;
    double w = cl[w0].w;
    while (w1 < e && !(cl[w1].flags & CL_SPACE) && cost[w1 - a] >= BP_LB_NEVER) w += cl[w1++].w;
    if (w > overlong_pt)
      for (int k = w0 + 1; k < w1; k++)
        if (!(cl[k].flags & CL_CLOSE) && !(cl[k - 1].flags & CL_OPEN)) cost[k - a] = 0;
    w0 = w1;
  }
  for (int k = a; k < e;) {
    if (cl[k].flags & CL_SPACE) {
      /* a break at a space: kinsoku looks at the words on either side */
      int j = k;
      while (j < e && (cl[j].flags & CL_SPACE)) j++;
      bool ok = j < e && k > a && (cl[j].flags & CL_BREAK) && !(cl[j].flags & CL_CLOSE) &&
                !(cl[k - 1].flags & CL_OPEN);
      for (int q = k; q < j; q++) {
        bp_lb_item g = {.kind = BP_LB_GLUE,
                        .breakable = ok && q == k,
                        .width_pt = cl[q].w,
                        .stretch_pt = justify ? cl[q].w * SPACE_STRETCH : 0,
                        .shrink_pt = justify ? cl[q].w * SPACE_SHRINK : 0,
                        .protrude_pt = q == k ? line_end_hang(s, &cl[k - 1], st) : 0};
        para_push(P, g, q);
      }
      k = j;
      continue;
    }
    if (k > a && cost[k - a] < BP_LB_NEVER && !(cl[k - 1].flags & CL_SPACE)) {
      bool shy = (cl[k - 1].flags & CL_SHY) && !(cl[k - 1].flags & CL_KEEP);
      double prot = shy ? (hang ? 0.7 * cl[k - 1].hy_w : 0) : line_end_hang(s, &cl[k - 1], st);
      bp_lb_item p = {.kind = BP_LB_PENALTY,
                      .flagged = shy || (cl[k - 1].flags & CL_HYPHEN),
                      .width_pt = shy ? cl[k - 1].hy_w : 0,
                      .penalty = cost[k - a],
                      .protrude_pt = prot};
      para_push(P, p, k);
    }
    /* a box: clusters up to the next space or allowed break */
    int j = k + 1;
    double w = cl[k].w;
    while (j < e && !(cl[j].flags & CL_SPACE) && cost[j - a] >= BP_LB_NEVER) w += cl[j++].w;
    bp_lb_item b = {.kind = BP_LB_BOX,
                    .width_pt = w,
                    .expand_pt = justify ? w * EXPAND : 0,
                    .lead_pt = (cl[k].flags & CL_BLANK_L) ? cl[k].blank : 0};
    para_push(P, b, k);
    k = j;
  }
  free(cost);
}

/* Sets out a line's natural width, spaces and x offset and its
 * justification. */
static void line_measure(bp_text *t, tline *ln, double avail, double indent) {
  const cluster *cl = t->sh->cl;
  double spaces = 0; /* their natural width */
  ln->nat = 0;
  ln->gaps = 0;
  for (int c = ln->c0; c < ln->c1; c++) {
    ln->nat += cl[c].w;
    if (cl[c].flags & CL_SPACE) ln->gaps++, spaces += cl[c].w;
  }
  if (ln->hyphen) ln->nat += cl[ln->c1 - 1].hy_w;
  double room = avail + ln->prot + ln->lead - ln->nat;
  ln->x = indent - ln->lead;
  ln->extra = ln->expand = ln->grow = 0;
  if (t->measure_pt <= 0) return; /* aligned on the widest line later */
  switch (t->style.align) {
  case BP_ALIGN_CENTER: ln->x += room / 2; break;
  case BP_ALIGN_RIGHT: ln->x += room; break;
  case BP_ALIGN_JUSTIFY:
    /* a line set by total fit fills the measure exactly: spaces and glyphs
     * stretch or shrink by the same ratio (the glyphs by at most EXPAND);
     * a last line keeps its natural spaces unless it must shrink */
    if (ln->gaps > 0 && t->measure_pt > 0 && (!ln->last || room < 0)) {
      double glyphs = ln->nat - spaces;
      double r = room / ((room > 0 ? SPACE_STRETCH : SPACE_SHRINK) * spaces + EXPAND * glyphs);
      ln->expand = round(fmax(-1, fmin(1, r)) * EXPAND / EXPAND_STEP) * EXPAND_STEP;
      ln->grow = ln->expand * glyphs;
      ln->extra = (room - ln->grow) / ln->gaps;
    }
    break;
  default: break;
  }
}

/* Breaks Pango line (paragraph or forced-break segment) `seg` into lines. */
static void break_segment(bp_text *t, int seg, double *widest) {
  const shaping *sh = t->sh;
  const cluster *cl = sh->cl;
  int a = sh->seg[seg], z = sh->seg[seg + 1], e = z;
  while (e > a && (cl[e - 1].flags & (CL_SPACE | CL_END))) e--;
  double indent =
      sh->para[seg] && t->style.align != BP_ALIGN_CENTER && t->style.align != BP_ALIGN_RIGHT
          ? t->style.indent_pt
          : 0;
  bp_lb_params p = {t->measure_pt, t->measure_pt - indent, t->style.align == BP_ALIGN_JUSTIFY};
  para P = {0};
  para_items(&P, t->sd->text, cl, a, e, &t->style, t->measure_pt);
  int *breaks = NULL;
  size_t nb = 1;
  if (t->measure_pt > 0 && P.n > 0) {
    nb = bp_linebreak(P.it, P.n, &p, &breaks);
  } else {
    breaks = bp_calloc(1, sizeof(int));
    breaks[0] = (int)P.n;
  }
  int c0 = a;
  for (size_t i = 0; i < nb; i++) {
    size_t b = (size_t)breaks[i];
    tline ln = {0};
    ln.seg = seg;
    ln.c0 = c0;
    ln.last = i + 1 == nb;
    if (ln.last) {
      ln.c1 = e;
      ln.cend = z;
    } else {
      ln.c1 = P.icl[b];
      ln.at_space = P.it[b].kind == BP_LB_GLUE;
      ln.hyphen = P.it[b].kind == BP_LB_PENALTY && ln.c1 > 0 &&
                  (cl[ln.c1 - 1].flags & (CL_SHY | CL_KEEP)) == CL_SHY;
      ln.prot = P.it[b].protrude_pt;
      size_t s = b + 1;
      while (s < P.n && P.it[s].kind != BP_LB_BOX) s++;
      ln.cend = s < P.n ? P.icl[s] : e;
    }
    if (ln.c1 < ln.c0) ln.c1 = ln.c0;
    ln.start = ln.c0 < ln.cend ? cl[ln.c0].start : sh->seg_byte[seg];
    ln.content_end = ln.c1 > ln.c0 ? cl[ln.c1 - 1].end : ln.start;
    ln.end = ln.cend > ln.c0 ? cl[ln.cend - 1].end : ln.start;
    /* an opening bracket that starts a line after a break hangs its blank */
    if (i > 0 && ln.c0 < ln.c1 && (cl[ln.c0].flags & CL_BLANK_L)) ln.lead = cl[ln.c0].blank;
    double first = i == 0 ? indent : 0;
    line_measure(t, &ln, t->measure_pt > 0 ? t->measure_pt - first : 0, first);
    if (ln.nat + first > *widest) *widest = ln.nat + first;
    bp_grow((void **)&t->lines, &t->cap_lines, (size_t)t->n_lines + 1, sizeof *t->lines);
    t->lines[t->n_lines++] = ln;
    c0 = ln.cend;
  }
  free(breaks);
  free(P.it);
  free(P.icl);
}

/* x of byte `at` in line ln, from the text's left (justification included). */
static double line_x_at(const bp_text *t, const tline *ln, int at) {
  const cluster *cl = t->sh->cl;
  double x = ln->x;
  for (int c = ln->c0; c < ln->c1 && cl[c].start < at; c++) {
    bool hy = ln->hyphen && c == ln->c1 - 1;
    if (cl[c].flags & CL_SPACE)
      x += cl[c].w + ln->extra;
    else
      x += (hy ? cl[c].hy_w : cl[c].w) * (1 + ln->expand);
  }
  return x;
}

/* Key pieces: a number as 8 hex digits, a string with its length first
 * (keys are C strings, so no NUL and nothing ambiguous). */
static void key_hex(bp_buf *k, uint32_t v) {
  char h[8];
  for (int d = 0; d < 8; d++) h[d] = "0123456789abcdef"[(v >> (28 - 4 * d)) & 15];
  bp_buf_put(k, h, sizeof h);
}

static void key_str(bp_buf *k, const char *s) {
  size_t n = s ? strlen(s) : 0;
  key_hex(k, (uint32_t)n);
  bp_buf_put(k, s ? s : "", n);
}

static void key_font(bp_buf *k, const PangoFontDescription *d) {
  key_str(k, pango_font_description_get_family(d));
  key_hex(k, (uint32_t)pango_font_description_get_set_fields(d));
  key_hex(k, (uint32_t)pango_font_description_get_style(d));
  key_hex(k, (uint32_t)pango_font_description_get_variant(d));
  key_hex(k, (uint32_t)pango_font_description_get_weight(d));
  key_hex(k, (uint32_t)pango_font_description_get_stretch(d));
  key_hex(k, (uint32_t)pango_font_description_get_size(d));
  key_hex(k, (uint32_t)pango_font_description_get_size_is_absolute(d));
  key_hex(k, (uint32_t)pango_font_description_get_gravity(d));
  key_str(k, pango_font_description_get_variations(d));
}

/* What the shaping depends on, as one string: the font description, the
 * attributes and the text; not the measure, the alignment or the indent,
 * which only the line breaking sees. (Pango's to_string functions made the
 * same key at six times the cost.) */
static char *shaping_key(const PangoFontDescription *d, builder *b) {
  bp_buf k = {0};
  key_font(&k, d);
  GSList *list = pango_attr_list_get_attributes(b->attrs);
  bool other = false;
  for (GSList *l = list; l; l = l->next) {
    PangoAttribute *a = l->data;
    key_hex(&k, (uint32_t)a->klass->type);
    key_hex(&k, a->start_index);
    key_hex(&k, a->end_index);
    switch ((int)a->klass->type) {
    case PANGO_ATTR_FONT_DESC: key_font(&k, ((PangoAttrFontDesc *)a)->desc); break;
    case PANGO_ATTR_FONT_FEATURES: key_str(&k, ((PangoAttrFontFeatures *)a)->features); break;
    case PANGO_ATTR_STYLE:
    case PANGO_ATTR_RISE:
    case PANGO_ATTR_LETTER_SPACING: key_hex(&k, (uint32_t)((PangoAttrInt *)a)->value); break;
    default: other = true;
    }
  }
  g_slist_free_full(list, (GDestroyNotify)pango_attribute_destroy);
  if (other) { /* not one text.c sets: Pango's own words for them all */
    char *attrs = pango_attr_list_to_string(b->attrs);
    key_str(&k, attrs);
    g_free(attrs);
  }
  bp_buf_putc(&k, '|');
  bp_buf_put(&k, b->text.data ? b->text.data : "", b->text.len);
  return bp_buf_detach(&k);
}

static bp_text *finish(bp_typesetter *ts, bp_ctx *ctx, const bp_style *style, builder *b,
                       double width_pt) {
  if (check_chars(ts, ctx, b->text.data ? b->text.data : "", b->text.len) ||
      check_extent(ctx, style, b->text.data ? b->text.data : "", b->text.len)) {
    pango_attr_list_unref(b->attrs);
    bp_buf_free(&b->text);
    free(b->anchors);
    return NULL;
  }
  bp_text *t = bp_calloc(1, sizeof *t);
  t->style = *style;
  t->family = bp_strdup(style->family ? style->family : "Noto Serif, NanumMyeongjo");
  t->style.family = t->family;
  t->leading_pt = style_leading(style);
  t->measure_pt = width_pt > 0 ? width_pt : 0;
  PangoFontDescription *d = style_font(style, 0, 1.0);
  /* Ligatures are off: libharu cannot draw a glyph without a character. */
  PangoAttribute *feat = pango_attr_font_features_new("liga 0, clig 0, dlig 0, hlig 0");
  feat->start_index = 0;
  feat->end_index = G_MAXUINT;
  pango_attr_list_insert_before(b->attrs, feat);
  if (style->italic) bp__upright_digits(b->attrs, b->text.data, 0, b->text.len);
  if (style->letter_spacing_pt != 0) {
    PangoAttribute *ls =
        pango_attr_letter_spacing_new((int)(style->letter_spacing_pt * PANGO_SCALE));
    ls->start_index = 0;
    ls->end_index = G_MAXUINT;
    pango_attr_list_insert_before(b->attrs, ls);
  }
  /* The text is shaped once, unwrapped, and the shaping is kept: the same
   * text and attributes at any measure or leading reuse it (the fit loop
   * tries many), and the line breaking only measures its clusters. */
  bool kept = !ts->estimate;
  char *key = kept ? shaping_key(d, b) : NULL;
  shaped *sd = kept ? bp_lru_lookup(ts->cache, key) : NULL;
  if (!kept) { /* an estimate: the text's own (its one reference), not kept */
    sd = shape_nominal(ts, b->text.data ? b->text.data : "", (int)b->text.len, b->attrs, d,
                       style->letter_spacing_pt);
  } else if (sd) {
    free(key);
  } else {
    const char *text = b->text.data ? b->text.data : "";
    int n = (int)b->text.len;
    if (!ts->use_layout && direct_ok(text, n, b->attrs))
      sd = shape_direct(ts, text, n, b->attrs, d);
    if (!sd) {
      PangoLayout *L = pango_layout_new(ts->pango);
      pango_layout_set_font_description(L, d);
      pango_layout_set_text(L, text, n);
      pango_layout_set_attributes(L, b->attrs);
      sd = shape_layout(L);
    }
    bp_lru_insert(ts->cache, key, sd, 1); /* the oldest out beyond the bound */
  }
  if (kept) g_atomic_int_inc(&sd->refs); /* the cache's and the text's */
  pango_font_description_free(d);
  pango_attr_list_unref(b->attrs);
  t->sd = sd;
  t->sh = sd->sh;
  double widest = 0;
  for (int seg = 0; seg < t->sh->n_seg; seg++) break_segment(t, seg, &widest);
  /* Without a measure, centred and right-aligned lines align on the widest. */
  if (t->measure_pt <= 0 && style->align != BP_ALIGN_LEFT && style->align != BP_ALIGN_JUSTIFY)
    for (int i = 0; i < t->n_lines; i++)
      t->lines[i].x += (widest - t->lines[i].nat) / (style->align == BP_ALIGN_CENTER ? 2 : 1);
  /* Baselines on a fixed grid: half-leading above an ascent of 0.8 em. */
  t->first_baseline_pt = (t->leading_pt - style->size_pt) / 2 + style->size_pt * BP_BASELINE_RATIO;
  /* Anchors: one rectangle per line piece of each linked/cited range. */
  for (size_t a = 0; a < b->n_anchors; a++) {
    anchor_src *src = &b->anchors[a];
    for (int i = 0; i < t->n_lines; i++) {
      const tline *ln = &t->lines[i];
      int s0 = src->start > ln->start ? src->start : ln->start;
      int e0 = src->end < ln->content_end ? src->end : ln->content_end;
      if (e0 <= s0) continue;
      bp_text_anchor an;
      an.x_pt = line_x_at(t, ln, s0);
      an.w_pt = line_x_at(t, ln, e0) - an.x_pt;
      an.y_pt = i * t->leading_pt;
      an.h_pt = t->leading_pt;
      an.uri = src->uri ? bp_strdup(src->uri) : NULL;
      an.cite_number = src->cite_number;
      an.start = src->start, an.end = src->end, an.src = (int)a;
      size_t cap = t->n_anchors;
      bp_grow((void **)&t->anchors, &cap, t->n_anchors + 1, sizeof *t->anchors);
      t->anchors[t->n_anchors++] = an;
    }
  }
  free(b->anchors);
  bp_buf_free(&b->text);
  if (!ts->estimate && check_lines(t, ctx, width_pt)) {
    bp_text_free(t);
    return NULL;
  }
  return t;
}

static void builder_init(builder *b, bp_typesetter *ts, const bp_style *style) {
  memset(b, 0, sizeof *b);
  b->ts = ts;
  b->attrs = pango_attr_list_new();
  b->hyphenate = style->hyphenate;
}

bp_text *bp_text_new_plain(bp_typesetter *ts, bp_ctx *ctx, const bp_style *style, const char *text,
                           double width_pt) {
  builder b;
  builder_init(&b, ts, style);
  append_text(&b, text, strlen(text), !style->straight_punct);
  return finish(ts, ctx, style, &b, width_pt);
}

static void push_anchor(builder *b, size_t start, size_t end, const char *uri, int num) {
  anchor_src a = {(int)start, (int)end, uri, num};
  BP_PUSH(b->anchors, b->n_anchors, b->cap_anchors, a);
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static bool is_punct_text(const bp_span *c) { /* ". " : a full stop after a citation */
  return c->kind == BP_SPAN_TEXT && c->text && c->text[0] && strchr(".,;:", c->text[0]);
}

/* The note numbers of the run of citations from span i on (cite spans
 * with nothing but spaces between them, or one punctuation mark: "[@a].
 * [@b]" is one marker after the full stop), ascending, each once; *last
 * gets the run's last span, *punct the span whose first character goes
 * before the marker (SIZE_MAX: none). Caller frees. */
static int *run_numbers(const bp_spans *spans, size_t i, const bp_cite_marks *marks, size_t *n,
                        size_t *last, size_t *punct) {
  int *v = NULL;
  size_t cap = 0, k = 0;
  *n = 0;
  *punct = SIZE_MAX;
  for (size_t j = i; j < spans->n; j++) {
    const bp_span *c = &spans->v[j];
    if (c->kind == BP_SPAN_CITE) {
      for (size_t m = 0; m < c->n_cite; m++) {
        int num = marks && marks->number ? marks->number(marks->ud, c->cite_ids[m]) : (int)++k;
        BP_PUSH(v, *n, cap, num);
      }
      *last = j;
      continue;
    }
    bool text = c->kind == BP_SPAN_TEXT && c->text, cite_next = j + 1 < spans->n;
    cite_next = cite_next && spans->v[j + 1].kind == BP_SPAN_CITE;
    bool p = *punct == SIZE_MAX && is_punct_text(c) && !c->text[1 + strspn(c->text + 1, " ")];
    if (!text || !cite_next || (c->text[strspn(c->text, " ")] && !p)) break;
    if (p) *punct = j;
  }
  if (*punct == SIZE_MAX && *last + 1 < spans->n && is_punct_text(&spans->v[*last + 1]))
    *punct = *last + 1;
  qsort(v, *n, sizeof *v, cmp_int);
  size_t u = 0;
  for (size_t j = 0; j < *n; j++)
    if (!u || v[u - 1] != v[j]) v[u++] = v[j];
  *n = u;
  return v;
}

bp_text *bp_text_new_spans(bp_typesetter *ts, bp_ctx *ctx, const bp_style *style,
                           const bp_spans *spans, const bp_cite_marks *marks, double width_pt) {
  builder b;
  builder_init(&b, ts, style);
  size_t skip = 0;                   /* bytes of the next text span already set before a marker */
  size_t last_cite_end = (size_t)-1; /* where the last marker ended */
  for (size_t i = 0; i < spans->n; i++) {
    const bp_span *sp = &spans->v[i];
    size_t start = b.text.len;
    if (sp->kind == BP_SPAN_BREAK) {
      bp_buf_puts(&b.text, "\xE2\x80\xA8"); /* LINE SEPARATOR: a forced break */
      continue;
    }
    if (sp->kind == BP_SPAN_CITE) {
      size_t n, last = i, punct;
      int *nums = run_numbers(spans, i, marks, &n, &last, &punct);
      /* A marker hugs the word before it ("Kong.¹", not "Kong. ¹"). */
      while (b.text.len && b.text.data[b.text.len - 1] == ' ') b.text.data[--b.text.len] = '\0';
      /* and stands after the punctuation that follows the citation
       * ("Kong [@x]." is set "Kong.¹") */
      if (punct != SIZE_MAX) {
        size_t ps = b.text.len;
        bp_buf_putc(&b.text, spans->v[punct].text[0]);
        add_span_attrs(&b, style, spans->v[punct].flags, ps, b.text.len);
        skip = punct == last + 1;
      }
      i = last;
      start = b.text.len;
      bool follows_marker = b.text.len == last_cite_end;
      /* Superscript endnote numbers, comma separated, each its own link;
       * three or more in a row as a range when collapsing ("2–4"), the
       * dash carrying the hidden ones' back-link destinations. */
      for (size_t k = 0; k < n; k++) {
        size_t m = k;
        while (marks && marks->collapse && m + 1 < n && nums[m + 1] == nums[m] + 1) m++;
        if (m < k + 2) m = k;
        if (k || follows_marker) bp_buf_puts(&b.text, ",");
        size_t ns = b.text.len;
        bp_buf_printf(&b.text, "%d", nums[k]);
        push_anchor(&b, ns, b.text.len, NULL, nums[k]);
        if (m == k) continue;
        ns = b.text.len;
        bp_buf_puts(&b.text, "\xE2\x80\x93"); /* – */
        for (size_t h = k + 1; h < m; h++) push_anchor(&b, ns, b.text.len, NULL, -nums[h]);
        ns = b.text.len;
        bp_buf_printf(&b.text, "%d", nums[m]);
        push_anchor(&b, ns, b.text.len, NULL, nums[m]);
        k = m;
      }
      free(nums);
      add_span_attrs(&b, style, sp->flags | BP_SPAN_SUPER, start, b.text.len);
      last_cite_end = b.text.len;
      continue;
    }
    size_t off = skip;
    skip = 0;
    if (off > strlen(sp->text)) off = strlen(sp->text);
    append_text(&b, sp->text + off, strlen(sp->text + off),
                !style->straight_punct && !(sp->flags & BP_SPAN_CODE));
    add_span_attrs(&b, style, sp->flags, start, b.text.len);
    if (sp->uri) push_anchor(&b, start, b.text.len, sp->uri, 0);
  }
  return finish(ts, ctx, style, &b, width_pt);
}

void bp_text_free(bp_text *t) {
  if (!t) return;
  shaped_drop(t->sd);
  free(t->family);
  for (size_t i = 0; i < t->n_anchors; i++) free((char *)t->anchors[i].uri);
  free(t->anchors);
  free(t->lines);
  free(t);
}

double bp_text_width_pt(const bp_text *t) {
  double best = 0;
  for (int i = 0; i < t->n_lines; i++)
    if (t->lines[i].nat > best) best = t->lines[i].nat;
  return best;
}

double bp_text_height_pt(const bp_text *t) { return t->n_lines * t->leading_pt; }
int bp_text_line_count(const bp_text *t) { return t->n_lines; }
double bp_text_measure_pt(const bp_text *t) { return t->measure_pt; }
double bp_text_line_baseline_pt(const bp_text *t, int i) {
  return t->first_baseline_pt + i * t->leading_pt;
}
char *bp_text_line_text(const bp_text *t, int i) {
  if (i < 0 || i >= t->n_lines) return bp_strdup("");
  const tline *ln = &t->lines[i];
  const char *s = t->sd->text + ln->start;
  int n = ln->end - ln->start;
  bp_buf b = {0};
  for (int k = 0; k < n;) {
    if (k + 1 < n && (unsigned char)s[k] == 0xC2 && (unsigned char)s[k + 1] == 0xAD) {
      k += 2;
      if (k >= n && ln->hyphen) bp_buf_putc(&b, '-');
      continue;
    }
    bp_buf_putc(&b, s[k++]);
  }
  return bp_buf_detach(&b);
}

double bp_text_line_width_pt(const bp_text *t, int i) {
  if (i < 0 || i >= t->n_lines) return 0;
  const tline *ln = &t->lines[i];
  /* what hangs out does not count */
  return ln->nat + ln->grow + ln->extra * ln->gaps - ln->prot - ln->lead;
}

static int32_t cp_at(const char *s, int i, int n) {
  int len;
  return i < n ? bp_utf8_decode(s + i, (size_t)(n - i), &len) : -1;
}

/* True when line i ends inside a word (no space) between two Hangul letters
 * (read from the text, not from the breaker's flags). */
static bool hangul_break_at(const bp_text *t, int i) {
  const char *s = t->sd->text;
  const tline *a = &t->lines[i], *b = &t->lines[i + 1];
  if (a->seg != b->seg || a->content_end <= a->start) return false;
  if (a->end != a->content_end || s[a->content_end] == ' ') return false; /* broke at a space */
  int n = t->sd->len, k = a->content_end - 1;
  while (k > a->start && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
  int32_t x = cp_at(s, k, n), y = cp_at(s, b->start, n);
  return x > 0 && y > 0 && bp_is_hangul((uint32_t)x) && bp_is_hangul((uint32_t)y);
}

/* Is the word broken at the end of line i wider than the measure? */
static bool word_overlong(const bp_text *t, int i, double width_pt) {
  if (width_pt <= 0) return true;
  const cluster *cl = t->sh->cl;
  int from = t->lines[i].c1, to = t->lines[i + 1].c0, end = t->sh->seg[t->lines[i].seg + 1];
  while (from > 0 && !(cl[from - 1].flags & CL_SPACE)) from--;
  while (to < end && !(cl[to].flags & (CL_SPACE | CL_END))) to++;
  double w = 0;
  for (int c = from; c < to; c++) w += cl[c].w;
  return w > width_pt;
}

/* The first character of bp_text_line_text(t, i), without making it: soft
 * hyphens skipped, the drawn hyphen of a line of soft hyphens alone; -1
 * when the line reads nothing. */
static int32_t line_first_char(const bp_text *t, int i) {
  const tline *ln = &t->lines[i];
  const char *s = t->sd->text;
  int k = ln->start;
  while (k + 1 < ln->end && (unsigned char)s[k] == 0xC2 && (unsigned char)s[k + 1] == 0xAD) k += 2;
  if (k < ln->end) return cp_at(s, k, ln->end);
  return k > ln->start && ln->hyphen ? '-' : -1;
}

void bp_text_preflight(const bp_text *t, double width_pt, bp_preflight *pf) {
  for (int i = 0; i < t->n_lines; i++) {
    pf->lines++;
    int32_t first = line_first_char(t, i);
    bool closing = i > 0 && first > 0 && is_closing((uint32_t)first);
    bool wide = width_pt > 0 && bp_text_line_width_pt(t, i) > width_pt + 0.01;
    bool broken = i + 1 < t->n_lines && hangul_break_at(t, i) && !word_overlong(t, i, width_pt);
    if (!closing && !wide && !broken) continue; /* the line's text only for a message */
    char *line = bp_text_line_text(t, i);
    if (closing) {
      if (!pf->closing_starts++ && !pf->first_problem[0])
        snprintf(pf->first_problem, sizeof pf->first_problem,
                 "line starts with closing punctuation: \"%.200s\"", line);
    }
    if (wide) {
      if (!pf->overwide++ && !pf->first_problem[0])
        snprintf(pf->first_problem, sizeof pf->first_problem, "line wider than %.1f pt: \"%.200s\"",
                 width_pt, line);
    }
    if (broken) {
      if (!pf->hangul_breaks++ && !pf->first_problem[0]) {
        char *next = bp_text_line_text(t, i + 1);
        snprintf(pf->first_problem, sizeof pf->first_problem,
                 "Hangul word broken: \"%.100s\" / \"%.100s\"", line, next);
        free(next);
      }
    }
    free(line);
  }
}

size_t bp_text_anchor_count(const bp_text *t) { return t->n_anchors; }
const bp_text_anchor *bp_text_anchor_at(const bp_text *t, size_t i) { return &t->anchors[i]; }

/* ---- drawing into the display list ------------------------------------ */

static bp_color attr_color(const bp_style *st) { return st->color; }

/* The link (anchor source) whose text byte `at` is, or -1. */
static int link_at(const bp_text *t, int at) {
  for (size_t a = 0; a < t->n_anchors; a++)
    if (at >= t->anchors[a].start && at < t->anchors[a].end && t->anchors[a].cite_number >= 0)
      return t->anchors[a].src;
  return -1;
}

/* A word hyphenated at a line end: its head [head, brk) ends line `line`
 * with the hyphen drawn (or its own hyphen, "anti-"), its tail [brk, tail)
 * starts the next; `word` is the word whole (no soft hyphens). */
typedef struct hyphen_break {
  int line, head, brk, tail;
  char *word;
} hyphen_break;

/* The structure of a drawing: each link's Link element, and each
 * hyphenated word's Spans, made at first use under the page's current node
 * (-1: none yet). The lines drawn are [first, last). */
/* A run's font and its index in the display list. */
typedef struct drawn_font {
  PangoFont *font;
  int index;
} drawn_font;

typedef struct drawing {
  const bp_text *t;
  bp_dlist *dl;
  bp_dl_page *pg;
  int *links;
  int n_links;
  int first, last;
  hyphen_break *breaks;
  size_t n_breaks, cap_breaks;
  int *spans;          /* 2 per break: the word's Span, its tail's */
  drawn_font fonts[8]; /* font_index's memo */
  size_t n_fonts;
} drawing;

/* The half of a hyphenated word that byte `at` is in (2 k: break k's head,
 * 2 k + 1: its tail), or -1. */
static int hyphen_at(const drawing *g, int at) {
  for (size_t k = 0; k < g->n_breaks; k++)
    if (at >= g->breaks[k].head && at < g->breaks[k].tail)
      return 2 * (int)k + (at >= g->breaks[k].brk);
  return -1;
}

/* The face of the font set that `font` (a run's font) was made from: a
 * pattern of the FcConfig its font map matches against, which
 * bp_fontset_open made in the thread that draws (each batch worker opens
 * its own font set), so its names are safe to read here. The font's own
 * pattern is not: Pango 1.50 makes it in a thread of its own (FcFontSetMatch
 * in its match thread strdups the names) and hands it over through glib's
 * GCond, which ThreadSanitizer cannot see, so to it our reading those names
 * was a race. Only fontconfig reads that pattern here: FcPatternFormat
 * copies its index and file into a string of this thread's. (Not
 * FcPatternEqualSubset: it crashes on the font set's patterns, which
 * fontconfig's mmapped cache holds.) NULL when no face matches (not
 * expected). */
static FcPattern *font_face(PangoFont *font) {
  PangoFontMap *map = pango_font_get_font_map(font);
  FcConfig *cfg =
      PANGO_IS_FC_FONT_MAP(map) ? pango_fc_font_map_get_config(PANGO_FC_FONT_MAP(map)) : NULL;
  FcFontSet *set = cfg ? FcConfigGetFonts(cfg, FcSetSystem) : NULL;
  FcChar8 *key = FcPatternFormat(pango_fc_font_get_pattern(PANGO_FC_FONT(font)),
                                 (const FcChar8 *)"%{index}:%{file}");
  if (!key) return NULL;
  char *file;
  long index = strtol((const char *)key, &file, 10);
  FcPattern *face = NULL;
  for (int i = 0; set && *file == ':' && i < set->nfont && !face; i++) {
    FcChar8 *f = NULL;
    int k = 0;
    FcPatternGetInteger(set->fonts[i], FC_INDEX, 0, &k);
    if (FcPatternGetString(set->fonts[i], FC_FILE, 0, &f) == FcResultMatch && k == index &&
        !strcmp((const char *)f, file + 1))
      face = set->fonts[i];
  }
  FcStrFree(key);
  return face;
}

/* The display-list font of a run's font (the last few looked up are kept
 * in g: a text's runs mostly share one). */
static int font_index(drawing *g, PangoFont *font) {
  for (size_t i = 0; i < g->n_fonts; i++)
    if (g->fonts[i].font == font) return g->fonts[i].index;
  FcPattern *pat = font_face(font);
  if (!pat) pat = pango_fc_font_get_pattern(PANGO_FC_FONT(font));
  FcChar8 *file = NULL, *family = NULL, *style = NULL;
  int index = 0;
  FcPatternGetString(pat, FC_FILE, 0, &file);
  FcPatternGetInteger(pat, FC_INDEX, 0, &index);
  FcPatternGetString(pat, FC_FAMILY, 0, &family);
  FcPatternGetString(pat, FC_STYLE, 0, &style);
  int k = bp_dlist_add_font(g->dl, (const char *)file, index, (const char *)family,
                            (const char *)style);
  if (g->n_fonts < sizeof g->fonts / sizeof *g->fonts)
    g->fonts[g->n_fonts++] = (drawn_font){font, k};
  return k;
}

static bool soft_hyphen_at(const char *s, int i) { return !memcmp(s + i, "\xC2\xAD", 2); }

/* The words broken at a soft hyphen at the end of a line, or after their
 * own hyphen ("anti-|American": poppler would read a line-end hyphen as a
 * soft one and drop it), each with what sticks to it up to the spaces
 * around it ("mission’s", "laundering,"), so that a reader that puts the
 * ActualText at the word's place reads on from a space; never across a
 * link's edge. */
static void find_breaks(drawing *g, const bp_text *t) {
  const char *text = t->sd->text;
  for (int i = 0; i + 1 < t->n_lines; i++) {
    const tline *ln = &t->lines[i], *next = &t->lines[i + 1];
    int end = ln->content_end;
    bool soft = ln->hyphen && end - 2 >= ln->start && soft_hyphen_at(text, end - 2);
    bool own = !ln->hyphen && !ln->at_space && end > ln->start && text[end - 1] == '-';
    if (!(soft || own) || next->seg != ln->seg) continue;
    int brk = end - (soft ? 2 : 1);
    int link = t->n_anchors ? link_at(t, brk) : -1;
    int head = brk, tail = next->start;
    while (head > ln->start && text[head - 1] != ' ' &&
           (!t->n_anchors || link_at(t, head - 1) == link))
      head--;
    while (tail < next->content_end && text[tail] != ' ' &&
           (!t->n_anchors || link_at(t, tail) == link))
      tail++;
    if (tail == next->start) continue;
    bp_buf w = {0};
    for (int k = head; k < tail; k++) {
      if (k == ln->content_end) k = next->start;
      if (soft_hyphen_at(text, k))
        k++;
      else
        bp_buf_putc(&w, text[k]);
    }
    hyphen_break b = {i, head, next->start, tail, bp_buf_detach(&w)};
    BP_PUSH(g->breaks, g->n_breaks, g->cap_breaks, b);
  }
  g->spans = bp_malloc((2 * g->n_breaks + 1) * sizeof *g->spans);
  for (size_t k = 0; k < 2 * g->n_breaks; k++) g->spans[k] = -1;
}

/* The node of half `hy` of a hyphenated word (-1: not in one) under
 * `parent`: one Span over both halves (the head, drawn with its hyphen at
 * a line's end, then the tail at the next one's start) whose ActualText is
 * the word whole, so that text extraction that honours it reads the word
 * unbroken. The tail is marked apart inside it (a node without a role of
 * its own) with a space for ActualText: readers that honour marked
 * content's ActualText (poppler, MuPDF, PDFium) take the head's for the
 * word and the tail's for nothing more (a marked-content sequence per
 * line: MuPDF hands an ActualText out glyph by glyph; PDFium ignores an
 * empty one). When the head is not drawn here (another drawing's line),
 * the word's ActualText is empty: the word is read there. */
static int hyphen_node(drawing *g, int hy, int parent) {
  if (hy < 0 || parent == BP_DL_ARTIFACT) return parent;
  int word = hy & ~1;
  if (g->spans[word] < 0) {
    const hyphen_break *b = &g->breaks[hy / 2];
    g->spans[word] = bp_dlist_add_node(g->dl, BP_ROLE_SPAN, parent >= 0 ? parent : -1);
    g->dl->nodes[g->spans[word]].actual_text =
        bp_strdup(b->line >= g->first && b->line < g->last ? b->word : "");
  }
  if (hy == word) return g->spans[word];
  if (g->spans[hy] < 0) {
    g->spans[hy] = bp_dlist_add_node(g->dl, BP_ROLE_NONE, g->spans[word]);
    g->dl->nodes[g->spans[hy]].actual_text = bp_strdup(" ");
  }
  return g->spans[hy];
}

/* True when link `src` is an endnote marker. */
static bool note_marker(const bp_text *t, int src) {
  for (size_t a = 0; a < t->n_anchors; a++)
    if (t->anchors[a].src == src && t->anchors[a].cite_number > 0) return true;
  return false;
}

/* A link's Link element; an endnote marker's inside a Reference, as PDF/UA
 * wants a note's marker (ISO 32000-1, 14.8.4.4). */
static int link_node(drawing *g, int src) {
  if (src < 0 || src >= g->n_links) return g->pg->node;
  if (g->links[src] < 0) {
    int parent = g->pg->node >= 0 ? g->pg->node : -1;
    if (g->pg->node != BP_DL_ARTIFACT && note_marker(g->t, src))
      parent = bp_dlist_add_node(g->dl, BP_ROLE_REFERENCE, parent);
    g->links[src] = bp_dlist_add_node(g->dl, BP_ROLE_LINK, parent);
  }
  return g->pg->node == BP_DL_ARTIFACT ? BP_DL_ARTIFACT : g->links[src];
}

typedef struct run_out {
  bp_buf text;
  bp_dl_cluster *cl;
  size_t n_cl, cap_cl;
  bp_dl_glyph *gl;
  size_t n_gl, cap_gl;
} run_out;

/* A Hangul syllable (U+AC00..U+D7A3: EA B0 80 .. ED 9E A3) in s[0, n). */
static bool has_hangul(const char *s, size_t n) {
  for (size_t i = 0; i + 1 < n; i++) {
    unsigned char c = (unsigned char)s[i], d = (unsigned char)s[i + 1];
    if ((c == 0xEA && d >= 0xB0) || c == 0xEB || c == 0xEC || (c == 0xED && d < 0x9F)) return true;
  }
  return false;
}

/* Adds what `o` holds as one text item in the node of link `src` (and of
 * hyphenated word half `hy`), from x0 to x1, and empties it. */
static void flush_run(drawing *g, run_out *o, const bp_dl_text *proto, int src, int hy, double x0,
                      double x1) {
  if (o->n_cl) {
    bp_dl_text dt = *proto;
    dt.x_pt = x0;
    dt.width_pt = x1 - x0;
    dt.text = o->text.data;
    dt.text_len = o->text.len;
    dt.clusters = o->cl;
    dt.n_clusters = o->n_cl;
    dt.glyphs = o->gl;
    dt.n_glyphs = o->n_gl;
    /* Korean in a run of its own (Pango itemises by script): its language */
    if (has_hangul(dt.text, dt.text_len)) memcpy(dt.lang, "ko", 3);
    int was = g->pg->node;
    g->pg->node = hyphen_node(g, hy, link_node(g, src));
    bp_dl_add_text(g->pg, &dt);
    g->pg->node = was;
  }
  o->n_cl = o->n_gl = 0;
  o->text.len = 0;
}

/* Tests only (bp__text_walk_whole_runs): every run walked from its start. */
static bool walk_whole_runs;

void bp__text_walk_whole_runs(bool on) { walk_whole_runs = on; }

/* Emits the part of one glyph run that falls in line ln as display-list
 * text items (one per link it crosses), starting at pen x0: interior spaces
 * widen by the line's extra (negative: they shrink), a soft hyphen ending
 * the line becomes a hyphen. Returns the part's advance including that
 * justification. */
static double emit_run(const bp_text *t, drawing *dr, PangoGlyphItem *run, double x0,
                       double baseline, const tline *ln) {
  const char *text = t->sd->text;
  PangoItem *item = run->item;
  if (item->offset >= ln->content_end || item->offset + item->length <= ln->start) return 0;
  PangoGlyphString *gs = run->glyphs;
  PangoFontDescription *fd = pango_font_describe_with_absolute_size(item->analysis.font);
  double size = PT(pango_font_description_get_size(fd));
  pango_font_description_free(fd);
  /* Only an explicit rise (superscripts) moves a run off the baseline. */
  double rise = 0;
  for (GSList *a = item->analysis.extra_attrs; a; a = a->next) {
    PangoAttribute *attr = a->data;
    if (attr->klass->type == PANGO_ATTR_RISE) rise = PT(((PangoAttrInt *)attr)->value);
  }
  bp_dl_text proto = {0};
  proto.font = font_index(dr, item->analysis.font);
  proto.size_pt = size;
  proto.color = attr_color(&t->style);
  proto.y_pt = baseline - rise;
  proto.expand = ln->expand;
  double scale = 1 + ln->expand;
  run_out o = {0};
  PangoGlyphItemIter it;
  double pen = x0, start = x0;
  int src = -2, hy = -2;
  /* a left-to-right run's clusters from the line's start to its end only */
  bool ascend = !walk_whole_runs && clusters_ascend(run);
  for (gboolean ok = ascend ? ascending_cluster_at(&it, run, text, ln->start)
                            : pango_glyph_item_iter_init_start(&it, run, text);
       ok; ok = ascend ? ascending_next_cluster(&it) : pango_glyph_item_iter_next_cluster(&it)) {
    if (ascend && it.start_index >= ln->content_end) break; /* so are all after it */
    if (it.start_index < ln->start || it.start_index >= ln->content_end) continue;
    const char *cs = text + it.start_index;
    size_t clen = (size_t)(it.end_index - it.start_index);
    double cx = pen;
    int here = t->n_anchors ? link_at(t, it.start_index) : -1;
    int half = dr->n_breaks ? hyphen_at(dr, it.start_index) : -1;
    if (here != src || half != hy) { /* a link or a hyphenated word: items of their own */
      flush_run(dr, &o, &proto, src, hy, start, cx);
      src = here, hy = half, start = cx;
    }
    if (ln->hyphen && it.end_index == ln->content_end) {
      /* the soft hyphen the line broke at: a visible hyphen */
      PangoGlyph hg;
      double hw = hyphen_glyph(item->analysis.font, &hg);
      bp_dl_glyph dg = {hg, pen, 0, (uint32_t)o.text.len};
      BP_PUSH(o.gl, o.n_gl, o.cap_gl, dg);
      pen += hw * scale;
      bp_dl_cluster c = {(uint32_t)o.text.len, 1, cx, hw * scale};
      BP_PUSH(o.cl, o.n_cl, o.cap_cl, c);
      bp_buf_putc(&o.text, '-');
      continue;
    }
    bool visible = false;
    bool is_space = clen == 1 && cs[0] == ' ';
    double k = is_space ? 1 : scale; /* spaces are justified, not expanded */
    double origin = cx;              /* the cluster's first glyph's origin */
    for (int g = it.start_glyph; g < it.end_glyph; g++) {
      PangoGlyphInfo *gi = &gs->glyphs[g];
      if (gi->glyph != PANGO_GLYPH_EMPTY && !(gi->glyph & PANGO_GLYPH_UNKNOWN_FLAG)) {
        if (!visible) origin = pen + PT(gi->geometry.x_offset) * k;
        visible = true;
        bp_dl_glyph dg = {gi->glyph, pen + PT(gi->geometry.x_offset) * k, PT(gi->geometry.y_offset),
                          (uint32_t)o.text.len};
        BP_PUSH(o.gl, o.n_gl, o.cap_gl, dg);
      }
      pen += PT(gi->geometry.width) * k;
    }
    if (is_space) pen += ln->extra;
    if (!visible && !is_space) continue; /* soft hyphens inside lines, controls */
    /* x is where the glyph is drawn (a bracket whose blank half was
     * trimmed starts left of its cluster: the PDF shows it from there) */
    bp_dl_cluster c = {(uint32_t)o.text.len, (uint32_t)clen, origin, pen - cx};
    BP_PUSH(o.cl, o.n_cl, o.cap_cl, c);
    bp_buf_put(&o.text, cs, clen);
  }
  flush_run(dr, &o, &proto, src, hy, start, pen);
  free(o.cl);
  free(o.gl);
  bp_buf_free(&o.text);
  return pen - x0;
}

static void draw_lines(const bp_text *t, drawing *g, double x_pt, double y_pt, int first,
                       int count) {
  for (int i = first; i < first + count && i < t->n_lines; i++) {
    const tline *ln = &t->lines[i];
    double baseline = y_pt + t->first_baseline_pt + (i - first) * t->leading_pt;
    const shaped_line *line = &t->sd->lines[ln->seg];
    double x = x_pt + ln->x;
    for (GSList *r = line->runs; r; r = r->next) x += emit_run(t, g, r->data, x, baseline, ln);
  }
}

static void drawing_init(drawing *g, const bp_text *t, bp_dlist *dl, bp_dl_page *pg, int first,
                         int count) {
  memset(g, 0, sizeof *g);
  g->t = t, g->dl = dl, g->pg = pg;
  g->first = first, g->last = first + count;
  g->n_links = t->n_anchors ? t->anchors[t->n_anchors - 1].src + 1 : 0;
  g->links = bp_malloc(((size_t)g->n_links + 1) * sizeof *g->links);
  for (int i = 0; i < g->n_links; i++) g->links[i] = -1;
  find_breaks(g, t);
}

static void drawing_free(drawing *g) {
  for (size_t k = 0; k < g->n_breaks; k++) free(g->breaks[k].word);
  free(g->breaks);
  free(g->spans);
  free(g->links);
}

void bp_text_draw_lines(const bp_text *t, bp_dlist *dl, bp_dl_page *pg, double x_pt, double y_pt,
                        int first, int count) {
  drawing g;
  drawing_init(&g, t, dl, pg, first, count);
  draw_lines(t, &g, x_pt, y_pt, first, count);
  drawing_free(&g);
}

double bp_style_first_baseline_pt(const bp_style *s) {
  double lead = s->leading_pt > 0 ? s->leading_pt : s->size_pt * 1.3;
  return (lead - s->size_pt) / 2 + s->size_pt * BP_BASELINE_RATIO;
}

void bp_ref_marks_mark(bp_ref_marks *m, int num) {
  size_t k = (size_t)num;
  if (k >= m->n) {
    m->seen = bp_realloc(m->seen, k + 1);
    memset(m->seen + m->n, 0, k + 1 - m->n);
    m->n = k + 1;
  }
  m->seen[k] = true;
}

void bp_ref_marks_free(bp_ref_marks *m) {
  free(m->seen);
  m->seen = NULL;
  m->n = 0;
}

void bp_text_draw_linked(const bp_text *t, bp_dlist *dl, bp_dl_page *pg, double x_pt, double y_pt,
                         int first, int count, bp_ref_marks *marks) {
  drawing g;
  drawing_init(&g, t, dl, pg, first, count);
  draw_lines(t, &g, x_pt, y_pt, first, count);
  for (size_t a = 0; a < t->n_anchors; a++) {
    const bp_text_anchor *an = &t->anchors[a];
    int line = (int)floor(an->y_pt / t->leading_pt + 0.5);
    if (line < first || line >= first + count) continue;
    double ay = y_pt + (line - first) * t->leading_pt;
    char dest[32];
    bp_dl_link l = {x_pt + an->x_pt, ay, an->w_pt, an->h_pt, (char *)an->uri, NULL};
    int num = abs(an->cite_number);
    if (num) {
      snprintf(dest, sizeof dest, "note-%d", num);
      l.dest = dest;
      if ((size_t)num >= marks->n || !marks->seen[num]) {
        char ref[32];
        snprintf(ref, sizeof ref, "ref-%d", num);
        bp_dl_add_dest(pg, ref, ay);
        bp_ref_marks_mark(marks, num);
      }
    }
    if (an->cite_number >= 0) { /* < 0: a back-link's target only */
      int was = pg->node;
      pg->node = link_node(&g, an->src);
      bp_dl_add_link(pg, &l);
      pg->node = was;
    }
  }
  drawing_free(&g);
}

void bp_text_draw(const bp_text *t, bp_dlist *dl, bp_dl_page *pg, double x_pt, double y_pt) {
  bp_text_draw_lines(t, dl, pg, x_pt, y_pt, 0, t->n_lines);
}

bp_status bp_label_measure(bp_typesetter *ts, bp_ctx *ctx, const bp_style *style, const char *text,
                           double max_width_pt, double *w_pt, double *h_pt) {
  bp_text *t = bp_text_new_plain(ts, ctx, style, text, max_width_pt);
  if (!t) return ctx->status;
  if (w_pt) *w_pt = bp_text_width_pt(t);
  if (h_pt) *h_pt = bp_text_height_pt(t);
  bp_text_free(t);
  return BP_OK;
}

bp_status bp_label_draw(bp_typesetter *ts, bp_ctx *ctx, bp_dlist *dl, bp_dl_page *pg,
                        const bp_style *style, const char *text, double max_width_pt, double x_pt,
                        double y_pt, double ax, double ay) {
  bp_text *t = bp_text_new_plain(ts, ctx, style, text, max_width_pt);
  if (!t) return ctx->status;
  double w = bp_text_width_pt(t), h = bp_text_height_pt(t);
  double left = x_pt - ax * w;
  /* a centred or right-aligned style inside a wrapped width: Pango already
   * placed lines within max_width; shift so the box's left is at `left` */
  if (max_width_pt > 0 && style->align == BP_ALIGN_CENTER) left -= (max_width_pt - w) / 2;
  if (max_width_pt > 0 && style->align == BP_ALIGN_RIGHT) left -= (max_width_pt - w);
  bp_text_draw(t, dl, pg, left, y_pt - ay * h);
  bp_text_free(t);
  return BP_OK;
}
