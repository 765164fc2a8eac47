/* smart.c - what every text is turned into before it is shaped: Unicode NFC
 * (a decomposed "ư" would draw its horn as a separate mark and extract with
 * a space in it), and typographic punctuation from ASCII, as pandoc's
 * `smart` extension sets it: "..." and '...' become curly quotes, an
 * apostrophe becomes ’, -- an en dash, --- an em dash, ... an ellipsis.
 * Tokens that look like URLs or e-mail addresses, code spans (the caller
 * skips those) and citation keys (never text) keep their ASCII. Korean text
 * takes the same curly quotes (the modern convention); corner brackets are
 * left as written. */
#include <glib.h>
#include <string.h>

#include "layout-imp.h"

/* The last code point of `s[0..n)`, or 0 at the start. */
static gunichar last_char(const char *s, size_t n) {
  if (!n) return 0;
  const char *p = g_utf8_find_prev_char(s, s + n);
  return p ? g_utf8_get_char(p) : 0;
}

/* Whether an opening quote may follow `c` (start, space, opening bracket,
 * dash, slash or another opening quote). */
static bool opens_after(gunichar c) {
  return c == 0 || g_unichar_isspace(c) || strchr("([{/-", (int)(c < 128 ? c : 'x')) ||
         c == 0x2013 || c == 0x2014 || c == 0x201C || c == 0x2018 || c == 0x300C || c == 0x300E ||
         c == 0x2028;
}

size_t bp__url_token(const char *s, size_t n) {
  size_t len = 0;
  while (len < n && !g_ascii_isspace(s[len])) len++;
  bool url = g_strstr_len(s, (gssize)len, "://") || (len > 4 && !strncmp(s, "www.", 4));
  for (size_t i = 0; !url && i + 1 < len; i++)
    if (s[i] == '@' && i > 0 && g_ascii_isalnum(s[i - 1]) && g_ascii_isalnum(s[i + 1]))
      url = memchr(s + i, '.', len - i) != NULL;
  return url ? len : 0;
}

static bool ascii_word(char c) { return g_ascii_isalnum(c); }

void bp__smart_append(bp_buf *out, const char *s, size_t n, bool smart) {
  char *nfc = NULL;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] >= 0x80) {
      nfc = g_utf8_normalize(s, (gssize)n, G_NORMALIZE_NFC);
      break;
    }
  if (nfc) s = nfc, n = strlen(nfc);
  if (!smart) {
    bp_buf_put(out, s, n);
    g_free(nfc);
    return;
  }
  size_t i = 0;
  while (i < n) {
    char c = s[i];
    bool token_start = i == 0 ? (!out->len || g_ascii_isspace(out->data[out->len - 1]))
                              : g_ascii_isspace(s[i - 1]);
    size_t u = token_start ? bp__url_token(s + i, n - i) : 0;
    if (u) {
      bp_buf_put(out, s + i, u);
      i += u;
    } else if (c == '"' || c == '\'') {
      gunichar prev = last_char(out->data, out->len);
      char next = i + 1 < n ? s[i + 1] : ' ';
      bool opening = opens_after(prev) && !g_ascii_isspace(next);
      if (c == '\'' && opening && g_ascii_isdigit(next) && i + 2 < n &&
          (g_ascii_isdigit(s[i + 2]) || s[i + 2] == 's'))
        opening = false; /* '90s: an apostrophe */
      if (c == '"')
        bp_buf_puts(out, opening ? "\xE2\x80\x9C" : "\xE2\x80\x9D");
      else
        bp_buf_puts(out, opening ? "\xE2\x80\x98" : "\xE2\x80\x99");
      i++;
    } else if (c == '-' && i + 1 < n && s[i + 1] == '-') {
      bool em = i + 2 < n && s[i + 2] == '-';
      bp_buf_puts(out, em ? "\xE2\x80\x94" : "\xE2\x80\x93");
      i += em ? 3 : 2;
      while (i < n && s[i] == '-') bp_buf_putc(out, s[i++]); /* ---- stays as the rest */
    } else if (c == '.' && i + 2 < n && s[i + 1] == '.' && s[i + 2] == '.') {
      bp_buf_puts(out, "\xE2\x80\xA6");
      i += 3;
    } else {
      size_t j = i + 1; /* a space alone, so that a token starts after it */
      if (!g_ascii_isspace(c))
        while (j < n && (ascii_word(s[j]) || (unsigned char)s[j] >= 0x80)) j++;
      bp_buf_put(out, s + i, j - i);
      i = j;
    }
  }
  g_free(nfc);
}

void bp__upright_digits(PangoAttrList *attrs, const char *s, size_t start, size_t end) {
  bool hangul = false;
  for (const char *p = s + start; p < s + end && !hangul; p = g_utf8_next_char(p))
    hangul = bp_is_hangul(g_utf8_get_char(p));
  if (!hangul) return;
  for (size_t i = start; i < end;) {
    if (!g_ascii_isdigit(s[i])) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < end && (g_ascii_isdigit(s[j]) ||
                       (strchr(".,:", s[j]) && j + 1 < end && g_ascii_isdigit(s[j + 1]))))
      j++;
    PangoAttribute *a = pango_attr_style_new(PANGO_STYLE_NORMAL);
    a->start_index = (guint)i;
    a->end_index = (guint)j;
    pango_attr_list_insert(attrs, a);
    i = j;
  }
}
