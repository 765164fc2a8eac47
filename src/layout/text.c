/* text.c - paragraphs and labels laid out by Pango over the private font set,
 * and their conversion into display-list glyph runs. Korean is set keep-all
 * (breaks only between words), English is hyphenated with libhyphen through
 * soft hyphens, positions are unhinted and unrounded, in points. Baselines
 * sit on a fixed grid (leading), not on Pango's per-line heights. */
#include "layout-imp.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <pango/pangofc-font.h>
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
  PangoLayout *layout;
  bp_style style;
  char *family; /* owned copy of style.family */
  double leading_pt, first_baseline_pt, measure_pt;
  int n_lines;
  bp_text_anchor *anchors;
  size_t n_anchors;
  /* per line: Pango's x offset (alignment, indent), the end of its content
   * (trailing spaces hang), and the extra width each interior space gets
   * when justifying (we justify ourselves: Pango 1.50 letter-spaces lines
   * that have no spaces, which is wrong for both English and Korean). */
  double *line_x, *line_extra;
  int *line_end;
};

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
  ts->hyph = hnj_hyphen_load(BP_HYPHEN_DICT);
  ts->cache = g_hash_table_new_full(g_str_hash, g_str_equal, free, g_object_unref);
  *out = ts;
  (void)ctx;
  return BP_OK;
}

void bp_typesetter_free(bp_typesetter *ts) {
  if (!ts) return;
  if (ts->cache) g_hash_table_destroy(ts->cache);
  if (ts->pango) g_object_unref(ts->pango);
  if (ts->hyph) hnj_hyphen_free(ts->hyph);
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

static bool is_word_char(unsigned char c) { return isalpha(c) || c >= 0x80; }

/* Appends `s` to the builder (NFC, typographic punctuation when `smart`;
 * see smart.c), inserting soft hyphens into long all-ASCII words when
 * hyphenating. */
static void append_text(builder *b, const char *src, size_t len, bool smart) {
  size_t at = b->text.len;
  bp__smart_append(&b->text, src, len, smart);
  if (!b->hyphenate || !b->ts->hyph) return;
  char *s = bp_strndup(b->text.data + at, b->text.len - at);
  size_t n = b->text.len - at;
  b->text.len = at;
  b->text.data[at] = '\0';
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && is_word_char((unsigned char)s[j])) j++;
    size_t wlen = j - i;
    bool ascii = true;
    for (size_t k = i; k < j; k++)
      if ((unsigned char)s[k] >= 0x80) ascii = false;
    if (wlen >= 6 && wlen < 64 && ascii) {
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
    while (k < n && !is_word_char((unsigned char)s[k])) k++;
    bp_buf_put(&b->text, s + i, k - i);
    i = k;
  }
  free(s);
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
}

/* Finds the next whitespace-delimited word containing Hangul at or after
 * *pos in s[0..n): sets [*start, *end) and advances *pos past it. */
static bool next_hangul_word(const char *s, size_t n, size_t *pos, size_t *start, size_t *end) {
  size_t i = *pos;
  while (i < n) {
    while (i < n && (s[i] == ' ' || s[i] == '\n')) i++;
    size_t w0 = i;
    bool hangul = false;
    while (i < n && s[i] != ' ' && s[i] != '\n') {
      int len;
      int32_t cp = bp_utf8_decode(s + i, n - i, &len);
      if (cp > 0 && bp_is_hangul((uint32_t)cp)) hangul = true;
      i += (size_t)len;
    }
    if (hangul && i > w0) {
      *start = w0;
      *end = *pos = i;
      return true;
    }
  }
  *pos = n;
  return false;
}

/* Marks every whitespace-delimited word that contains Hangul as unbreakable
 * (CSS word-break: keep-all), except words listed in `relax`. */
static void keep_all(builder *b, const bool *relax, size_t n_relax, size_t *n_words) {
  size_t pos = 0, start, end, w = 0;
  while (next_hangul_word(b->text.data, b->text.len, &pos, &start, &end)) {
    if (!(relax && w < n_relax && relax[w]))
      add_attr(b, pango_attr_allow_breaks_new(FALSE), start, end);
    w++;
  }
  if (n_words) *n_words = w;
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

/* Width of line i up to its last non-space character (trailing spaces hang);
 * *end_out gets that byte index. */
static double natural_width(PangoLayout *L, int i, int *end_out) {
  PangoLayoutLine *line = pango_layout_get_line_readonly(L, i);
  const char *s = pango_layout_get_text(L);
  int end = line->start_index + line->length;
  while (end > line->start_index && (s[end - 1] == ' ' || s[end - 1] == '\n')) end--;
  /* a forced break (U+2028) ends the content too */
  if (end - line->start_index >= 3 && !memcmp(s + end - 3, "\xE2\x80\xA8", 3)) end -= 3;
  if (end_out) *end_out = end;
  if (end <= line->start_index) return 0;
  int *ranges = NULL, n = 0;
  pango_layout_line_get_x_ranges(line, line->start_index, end, &ranges, &n);
  double w = n > 0 ? PT(ranges[2 * n - 1] - ranges[0]) : 0;
  g_free(ranges);
  return w;
}

static int spaces_between(const char *s, int from, int to) {
  int n = 0;
  for (int k = from; k < to; k++) n += s[k] == ' ';
  return n;
}

/* What the Pango layout depends on, as one string. */
static char *layout_key(PangoLayout *L, builder *b, const bp_style *style, double width_pt) {
  char *font = pango_font_description_to_string(pango_layout_get_font_description(L));
  char *attrs = pango_attr_list_to_string(b->attrs);
  bp_buf k = {0};
  bp_buf_printf(&k, "%s|%.4f|%d|%.4f|%d|%s|", font, width_pt, (int)style->align, style->indent_pt,
                (int)style->break_all, attrs);
  bp_buf_put(&k, b->text.data ? b->text.data : "", b->text.len);
  g_free(font);
  g_free(attrs);
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
  PangoLayout *L = pango_layout_new(ts->pango);
  PangoFontDescription *d = style_font(style, 0, 1.0);
  pango_layout_set_font_description(L, d);
  pango_font_description_free(d);
  /* Ligatures are off: libharu cannot draw a glyph without a character. */
  PangoAttribute *feat = pango_attr_font_features_new("liga 0, clig 0, dlig 0, hlig 0");
  feat->start_index = 0;
  feat->end_index = G_MAXUINT;
  pango_attr_list_insert_before(b->attrs, feat);
  if (style->letter_spacing_pt != 0) {
    PangoAttribute *ls =
        pango_attr_letter_spacing_new((int)(style->letter_spacing_pt * PANGO_SCALE));
    ls->start_index = 0;
    ls->end_index = G_MAXUINT;
    pango_attr_list_insert_before(b->attrs, ls);
  }
  /* The same text, attributes and measure lay out the same: reuse the
   * layout (a brief's fit tries several leadings at one size; leading is
   * not part of the Pango layout, baselines are ours). */
  char *key = layout_key(L, b, style, width_pt);
  PangoLayout *hit = g_hash_table_lookup(ts->cache, key);
  if (hit) {
    g_object_unref(L);
    L = g_object_ref(hit);
    free(key);
    pango_attr_list_unref(b->attrs);
    goto laid_out;
  }
  size_t n_words = 0;
  PangoAttrList *base = pango_attr_list_copy(b->attrs);
  if (!style->break_all) keep_all(b, NULL, 0, &n_words);
  pango_layout_set_text(L, b->text.data ? b->text.data : "", (int)b->text.len);
  pango_layout_set_attributes(L, b->attrs);
  if (width_pt > 0) {
    pango_layout_set_width(L, (int)(width_pt * PANGO_SCALE));
    pango_layout_set_wrap(L, PANGO_WRAP_WORD_CHAR);
  }
  pango_layout_set_alignment(L, style->align == BP_ALIGN_CENTER  ? PANGO_ALIGN_CENTER
                                : style->align == BP_ALIGN_RIGHT ? PANGO_ALIGN_RIGHT
                                                                 : PANGO_ALIGN_LEFT);
  pango_layout_set_indent(L, (int)(style->indent_pt * PANGO_SCALE));
  /* A Hangul word wider than the line alone may break inside: relax it. */
  if (width_pt > 0 && n_words) {
    bool overflow = false;
    for (int i = 0; i < pango_layout_get_line_count(L) && !overflow; i++)
      overflow = natural_width(L, i, NULL) > width_pt + 0.01;
    if (overflow) {
      bool *relax = bp_calloc(n_words, sizeof(bool));
      size_t pos = 0, start, end, w = 0;
      PangoLayout *probe = pango_layout_new(ts->pango);
      pango_layout_set_font_description(probe, pango_layout_get_font_description(L));
      while (w < n_words && next_hangul_word(b->text.data, b->text.len, &pos, &start, &end)) {
        pango_layout_set_text(probe, b->text.data + start, (int)(end - start));
        int pw;
        pango_layout_get_size(probe, &pw, NULL);
        relax[w++] = PT(pw) > width_pt;
      }
      g_object_unref(probe);
      pango_attr_list_unref(b->attrs);
      b->attrs = base;
      base = NULL;
      keep_all(b, relax, n_words, NULL);
      pango_layout_set_attributes(L, b->attrs);
      free(relax);
    }
  }
  if (base) pango_attr_list_unref(base);
  pango_attr_list_unref(b->attrs);
  pango_layout_get_line_count(L); /* lay out now, before the layout is shared */
  if (g_hash_table_size(ts->cache) >= 512) g_hash_table_remove_all(ts->cache);
  g_hash_table_insert(ts->cache, key, g_object_ref(L));
laid_out:
  t->layout = L;
  t->n_lines = pango_layout_get_line_count(L);
  t->line_x = bp_calloc((size_t)t->n_lines, sizeof(double));
  t->line_extra = bp_calloc((size_t)t->n_lines, sizeof(double));
  t->line_end = bp_calloc((size_t)t->n_lines, sizeof(int));
  {
    const char *txt = pango_layout_get_text(L);
    PangoLayoutIter *it = pango_layout_get_iter(L);
    int i = 0;
    do {
      PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
      PangoRectangle r;
      pango_layout_iter_get_line_extents(it, NULL, &r);
      t->line_x[i] = PT(r.x);
      double nat = natural_width(L, i, &t->line_end[i]);
      int end_all = line->start_index + line->length;
      bool last = i == t->n_lines - 1 ||
                  (end_all >= 3 && !memcmp(txt + end_all - 3, "\xE2\x80\xA8", 3)) ||
                  (end_all >= 1 && txt[end_all - 1] == '\n');
      int gaps = spaces_between(txt, line->start_index, t->line_end[i]);
      double room = width_pt - (t->line_x[i]) - nat;
      if (style->align == BP_ALIGN_JUSTIFY && width_pt > 0 && !last && gaps > 0 && room > 0)
        t->line_extra[i] = room / gaps;
      i++;
    } while (pango_layout_iter_next_line(it) && i < t->n_lines);
    pango_layout_iter_free(it);
  }
  /* Baselines on a fixed grid: half-leading above an ascent of 0.8 em. */
  t->first_baseline_pt = (t->leading_pt - style->size_pt) / 2 + style->size_pt * BP_BASELINE_RATIO;
  /* Anchors: one rectangle per line piece of each linked/cited range. */
  for (size_t a = 0; a < b->n_anchors; a++) {
    anchor_src *src = &b->anchors[a];
    int line_a, line_b, xa, xb;
    pango_layout_index_to_line_x(L, src->start, FALSE, &line_a, &xa);
    pango_layout_index_to_line_x(L, src->end, FALSE, &line_b, &xb);
    for (int ln = line_a; ln <= line_b; ln++) {
      PangoLayoutLine *line = pango_layout_get_line_readonly(L, ln);
      int *ranges = NULL, n_ranges = 0;
      int s0 = ln == line_a ? src->start : line->start_index;
      int e0 = ln == line_b ? src->end : line->start_index + line->length;
      if (e0 <= s0) continue;
      pango_layout_line_get_x_ranges(line, s0, e0, &ranges, &n_ranges);
      const char *txt = pango_layout_get_text(L);
      double extra = t->line_extra[ln];
      for (int r = 0; r < n_ranges; r++) {
        bp_text_anchor an;
        /* justification moves the range by the spaces before it and
         * widens it by the spaces inside it */
        int lead_sp = spaces_between(txt, line->start_index, s0);
        int in_sp = spaces_between(txt, s0, e0 < t->line_end[ln] ? e0 : t->line_end[ln]);
        an.x_pt = t->line_x[ln] + PT(ranges[2 * r]) + extra * lead_sp;
        an.w_pt = PT(ranges[2 * r + 1] - ranges[2 * r]) + extra * in_sp;
        an.y_pt = ln * t->leading_pt;
        an.h_pt = t->leading_pt;
        an.uri = src->uri ? bp_strdup(src->uri) : NULL;
        an.cite_number = src->cite_number;
        size_t cap = t->n_anchors;
        bp_grow((void **)&t->anchors, &cap, t->n_anchors + 1, sizeof *t->anchors);
        t->anchors[t->n_anchors++] = an;
      }
      g_free(ranges);
    }
  }
  free(b->anchors);
  bp_buf_free(&b->text);
  if (check_lines(t, ctx, width_pt)) {
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

bp_text *bp_text_new_spans(bp_typesetter *ts, bp_ctx *ctx, const bp_style *style,
                           const bp_spans *spans, bp_cite_numberer numberer, void *ud,
                           double width_pt) {
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
      /* A marker hugs the word before it ("Kong.¹", not "Kong. ¹"). */
      while (b.text.len && b.text.data[b.text.len - 1] == ' ') b.text.data[--b.text.len] = '\0';
      /* and stands after the punctuation that follows the citation
       * ("Kong [@x]." is set "Kong.¹") */
      const bp_span *next = i + 1 < spans->n ? &spans->v[i + 1] : NULL;
      if (next && next->kind == BP_SPAN_TEXT && next->text && strchr(".,;:", next->text[0]) &&
          next->text[0]) {
        size_t ps = b.text.len;
        bp_buf_putc(&b.text, next->text[0]);
        add_span_attrs(&b, style, next->flags, ps, b.text.len);
        skip = 1;
      }
      start = b.text.len;
      bool follows_marker = b.text.len == last_cite_end;
      /* Superscript endnote numbers, comma separated, each its own link. */
      for (size_t k = 0; k < sp->n_cite; k++) {
        int num = numberer ? numberer(ud, sp->cite_ids[k]) : (int)k + 1;
        if (k || follows_marker) bp_buf_puts(&b.text, ",");
        size_t ns = b.text.len;
        bp_buf_printf(&b.text, "%d", num);
        push_anchor(&b, ns, b.text.len, NULL, num);
      }
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
  if (t->layout) g_object_unref(t->layout);
  free(t->family);
  for (size_t i = 0; i < t->n_anchors; i++) free((char *)t->anchors[i].uri);
  free(t->anchors);
  free(t->line_x);
  free(t->line_extra);
  free(t->line_end);
  free(t);
}

double bp_text_width_pt(const bp_text *t) {
  int w;
  pango_layout_get_size(t->layout, &w, NULL);
  double best = 0;
  for (int i = 0; i < t->n_lines; i++) {
    PangoRectangle r;
    pango_layout_line_get_extents(pango_layout_get_line_readonly(t->layout, i), NULL, &r);
    if (PT(r.width) > best) best = PT(r.width);
  }
  (void)w;
  return best;
}

double bp_text_height_pt(const bp_text *t) { return t->n_lines * t->leading_pt; }
int bp_text_line_count(const bp_text *t) { return t->n_lines; }
double bp_text_measure_pt(const bp_text *t) { return t->measure_pt; }
double bp_text_line_baseline_pt(const bp_text *t, int i) {
  return t->first_baseline_pt + i * t->leading_pt;
}
char *bp_text_line_text(const bp_text *t, int i) {
  PangoLayoutLine *line = pango_layout_get_line_readonly(t->layout, i);
  if (!line) return bp_strdup("");
  const char *s = pango_layout_get_text(t->layout) + line->start_index;
  bp_buf b = {0};
  for (int k = 0; k < line->length;) {
    if (k + 1 < line->length && (unsigned char)s[k] == 0xC2 && (unsigned char)s[k + 1] == 0xAD) {
      k += 2;
      if (k >= line->length) bp_buf_putc(&b, '-');
      continue;
    }
    bp_buf_putc(&b, s[k++]);
  }
  return bp_buf_detach(&b);
}

double bp_text_line_width_pt(const bp_text *t, int i) {
  if (i < 0 || i >= t->n_lines) return 0;
  PangoLayoutLine *line = pango_layout_get_line_readonly(t->layout, i);
  const char *txt = pango_layout_get_text(t->layout);
  return natural_width(t->layout, i, NULL) +
         t->line_extra[i] * spaces_between(txt, line->start_index, t->line_end[i]);
}

static int32_t cp_at(const char *s, int i, int n) {
  int len;
  return i < n ? bp_utf8_decode(s + i, (size_t)(n - i), &len) : -1;
}

/* True when line i ends inside a word (no space) between two Hangul letters. */
static bool hangul_break_at(const bp_text *t, int i) {
  const char *s = pango_layout_get_text(t->layout);
  int n = (int)strlen(s);
  PangoLayoutLine *a = pango_layout_get_line_readonly(t->layout, i);
  PangoLayoutLine *b = pango_layout_get_line_readonly(t->layout, i + 1);
  int end = a->start_index + a->length;
  if (end != t->line_end[i] || end <= a->start_index) return false; /* broke at a space */
  int k = end - 1;
  while (k > a->start_index && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
  int32_t x = cp_at(s, k, n), y = cp_at(s, b->start_index, n);
  return x > 0 && y > 0 && bp_is_hangul((uint32_t)x) && bp_is_hangul((uint32_t)y);
}

/* Width of the word broken at the end of line i, summed over its pieces. */
static bool word_overlong(const bp_text *t, int i, double width_pt) {
  if (width_pt <= 0) return true;
  const char *s = pango_layout_get_text(t->layout);
  int n = (int)strlen(s), ws = t->line_end[i], we;
  while (ws > 0 && s[ws - 1] != ' ' && s[ws - 1] != '\n') ws--;
  PangoLayoutLine *b = pango_layout_get_line_readonly(t->layout, i + 1);
  for (we = b->start_index; we < n && s[we] != ' ' && s[we] != '\n'; we++) {
  }
  double w = 0;
  for (int ln = 0; ln < t->n_lines; ln++) {
    PangoLayoutLine *l = pango_layout_get_line_readonly(t->layout, ln);
    int from = ws > l->start_index ? ws : l->start_index;
    int to = we < l->start_index + l->length ? we : l->start_index + l->length;
    if (to <= from) continue;
    int *ranges = NULL, nr = 0;
    pango_layout_line_get_x_ranges(l, from, to, &ranges, &nr);
    if (nr > 0) w += PT(ranges[2 * nr - 1] - ranges[0]);
    g_free(ranges);
  }
  return w > width_pt;
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
  case 0x3001:
  case 0x3002:
  case 0x300D:
  case 0x300F:
  case 0x3011:
  case 0xFF09:
  case 0xFF0C:
  case 0xFF0E: return true;
  }
  return false;
}

void bp_text_preflight(const bp_text *t, double width_pt, bp_preflight *pf) {
  for (int i = 0; i < t->n_lines; i++) {
    pf->lines++;
    char *line = bp_text_line_text(t, i);
    int len;
    int32_t first = bp_utf8_decode(line, strlen(line), &len);
    if (i > 0 && first > 0 && is_closing((uint32_t)first)) {
      if (!pf->closing_starts++ && !pf->first_problem[0])
        snprintf(pf->first_problem, sizeof pf->first_problem,
                 "line starts with closing punctuation: \"%.200s\"", line);
    }
    if (width_pt > 0 && bp_text_line_width_pt(t, i) > width_pt + 0.01) {
      if (!pf->overwide++ && !pf->first_problem[0])
        snprintf(pf->first_problem, sizeof pf->first_problem, "line wider than %.1f pt: \"%.200s\"",
                 width_pt, line);
    }
    if (i + 1 < t->n_lines && hangul_break_at(t, i) && !word_overlong(t, i, width_pt)) {
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

static int font_index(bp_dlist *dl, PangoFont *font) {
  FcPattern *pat = pango_fc_font_get_pattern(PANGO_FC_FONT(font));
  FcChar8 *file = NULL, *family = NULL, *style = NULL;
  int index = 0;
  FcPatternGetString(pat, FC_FILE, 0, &file);
  FcPatternGetInteger(pat, FC_INDEX, 0, &index);
  FcPatternGetString(pat, FC_FAMILY, 0, &family);
  FcPatternGetString(pat, FC_STYLE, 0, &style);
  return bp_dlist_add_font(dl, (const char *)file, index, (const char *)family,
                           (const char *)style);
}

static bp_color attr_color(const bp_style *st) { return st->color; }

/* Emits one glyph run as a display-list text item, starting at pen x0.
 * Interior spaces (before byte `content_end`) widen by `extra` each.
 * Returns the run's advance including that justification. */
static double emit_run(const bp_text *t, bp_dlist *dl, bp_dl_page *pg, PangoGlyphItem *run,
                       double x0, double baseline, int content_end, double extra) {
  const char *text = pango_layout_get_text(t->layout);
  PangoItem *item = run->item;
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
  bp_buf out = {0};
  bp_dl_cluster *cl = NULL;
  size_t n_cl = 0, cap_cl = 0;
  bp_dl_glyph *gl = NULL;
  size_t n_gl = 0, cap_gl = 0;
  PangoGlyphItemIter it;
  double pen = x0;
  for (gboolean ok = pango_glyph_item_iter_init_start(&it, run, text); ok;
       ok = pango_glyph_item_iter_next_cluster(&it)) {
    double cx = pen;
    bool visible = false;
    for (int g = it.start_glyph; g < it.end_glyph; g++) {
      PangoGlyphInfo *gi = &gs->glyphs[g];
      if (gi->glyph != PANGO_GLYPH_EMPTY && !(gi->glyph & PANGO_GLYPH_UNKNOWN_FLAG)) {
        visible = true;
        bp_dl_glyph dg = {gi->glyph, pen + PT(gi->geometry.x_offset), PT(gi->geometry.y_offset),
                          (uint32_t)out.len};
        BP_PUSH(gl, n_gl, cap_gl, dg);
      }
      pen += PT(gi->geometry.width);
    }
    const char *cs = text + it.start_index;
    size_t clen = (size_t)(it.end_index - it.start_index);
    bool is_space = clen == 1 && cs[0] == ' ';
    bool trailing = it.start_index >= content_end;
    if (is_space && !trailing) pen += extra;
    double adv = pen - cx;
    if (trailing && (is_space || !visible)) continue; /* hanging spaces */
    if (clen == 2 && (unsigned char)cs[0] == 0xC2 && (unsigned char)cs[1] == 0xAD) {
      if (!visible) continue;
      cs = "-"; /* a soft hyphen that became a visible hyphen */
      clen = 1;
    } else if (clen == 3 && !memcmp(cs, "\xE2\x80\xA8", 3)) {
      continue;
    } else if (!visible && !is_space) {
      continue;
    }
    bp_dl_cluster c = {(uint32_t)out.len, (uint32_t)clen, cx, adv};
    BP_PUSH(cl, n_cl, cap_cl, c);
    bp_buf_put(&out, cs, clen);
  }
  if (n_cl) {
    bp_dl_text dt = {0};
    dt.font = font_index(dl, item->analysis.font);
    dt.size_pt = size;
    dt.color = attr_color(&t->style);
    dt.x_pt = x0;
    dt.y_pt = baseline - rise;
    dt.width_pt = pen - x0;
    dt.text = out.data;
    dt.text_len = out.len;
    dt.clusters = cl;
    dt.n_clusters = n_cl;
    dt.glyphs = gl;
    dt.n_glyphs = n_gl;
    bp_dl_add_text(pg, &dt);
  }
  free(cl);
  free(gl);
  bp_buf_free(&out);
  return pen - x0;
}

void bp_text_draw_lines(const bp_text *t, bp_dlist *dl, bp_dl_page *pg, double x_pt, double y_pt,
                        int first, int count) {
  for (int ln = first; ln < first + count && ln < t->n_lines; ln++) {
    double baseline = y_pt + t->first_baseline_pt + (ln - first) * t->leading_pt;
    PangoLayoutLine *line = pango_layout_get_line_readonly(t->layout, ln);
    double x = x_pt + t->line_x[ln];
    for (GSList *r = line->runs; r; r = r->next)
      x += emit_run(t, dl, pg, r->data, x, baseline, t->line_end[ln], t->line_extra[ln]);
  }
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
  bp_text_draw_lines(t, dl, pg, x_pt, y_pt, first, count);
  for (size_t a = 0; a < t->n_anchors; a++) {
    const bp_text_anchor *an = &t->anchors[a];
    int line = (int)floor(an->y_pt / t->leading_pt + 0.5);
    if (line < first || line >= first + count) continue;
    double ay = y_pt + (line - first) * t->leading_pt;
    char dest[32];
    bp_dl_link l = {x_pt + an->x_pt, ay, an->w_pt, an->h_pt, (char *)an->uri, NULL};
    if (an->cite_number > 0) {
      snprintf(dest, sizeof dest, "note-%d", an->cite_number);
      l.dest = dest;
      size_t num = (size_t)an->cite_number;
      if (num >= marks->n || !marks->seen[num]) {
        char ref[32];
        snprintf(ref, sizeof ref, "ref-%d", an->cite_number);
        bp_dl_add_dest(pg, ref, ay);
        bp_ref_marks_mark(marks, an->cite_number);
      }
    }
    bp_dl_add_link(pg, &l);
  }
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
