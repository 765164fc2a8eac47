/* slug.c - bp_slug: a safe ASCII file-name stem from any text, the one slug
 * of the program (batch's --name file names, the newsletter's package
 * names). Hangul is romanised (Revised Romanisation), other letters go
 * through GLib's transliteration. Pure string work: touches no files. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "core/bp.h"

/* Revised Romanisation of Korean, letter by letter (no sound-change rules
 * beyond carrying a final consonant over to a following vowel). */
static const char *const rr_initial[19] = {"g",  "kk", "n", "d",  "tt", "r", "m", "b", "pp", "s",
                                           "ss", "",   "j", "jj", "ch", "k", "t", "p", "h"};
static const char *const rr_medial[21] = {"a",  "ae", "ya", "yae", "eo", "e",  "yeo",
                                          "ye", "o",  "wa", "wae", "oe", "yo", "u",
                                          "wo", "we", "wi", "yu",  "eu", "ui", "i"};
/* finals before a consonant or at a word's end */
static const char *const rr_final[28] = {"",  "k",  "k", "k", "n", "n", "n", "t", "l", "k",
                                         "m", "l",  "l", "l", "p", "l", "m", "p", "p", "t",
                                         "t", "ng", "t", "t", "k", "t", "p", "t"};
/* finals carried over to a following syllable that starts with a vowel */
static const char *const rr_liaison[28] = {"",   "g",  "kk", "ks", "n",  "nj", "n", "d", "r",  "lg",
                                           "lm", "lb", "ls", "lt", "lp", "r",  "m", "b", "ps", "s",
                                           "ss", "ng", "j",  "ch", "k",  "t",  "p", ""};

static bool is_syllable(int32_t cp) { return cp >= 0xAC00 && cp <= 0xD7A3; }

/* Appends `s` as slug letters; a run of anything else becomes one hyphen
 * (written before the next letter, so never leading or trailing). */
static void slug_put(bp_buf *b, const char *s, bool *pending_hyphen) {
  for (; *s; s++) {
    char c = *s;
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
      if (*pending_hyphen && b->len) bp_buf_putc(b, '-');
      *pending_hyphen = false;
      bp_buf_putc(b, c);
    } else if (c != '\'') {
      *pending_hyphen = true;
    }
  }
}

static bool is_device_name(const char *s) {
  static const char *const names[] = {"con", "prn", "aux", "nul", NULL};
  for (const char *const *n = names; *n; n++)
    if (!strcmp(s, *n)) return true;
  if ((!strncmp(s, "com", 3) || !strncmp(s, "lpt", 3)) && s[3] >= '0' && s[3] <= '9' && !s[4])
    return true;
  return false;
}

char *bp_slug(const char *text, size_t max_bytes) {
  if (!text) text = "";
  bp_buf b = {0};
  bp_buf_puts(&b, ""); /* never NULL data */
  bool hyphen = false;
  size_t n = strlen(text);
  for (size_t i = 0; i < n;) {
    int len;
    int32_t cp = bp_utf8_decode(text + i, n - i, &len);
    if (cp < 0) {
      hyphen = true;
    } else if (cp < 0x80) {
      char s[2] = {(char)cp, 0};
      slug_put(&b, s, &hyphen);
    } else if (cp == 0x2019 || cp == 0x2018 || cp == 0x02BC) { /* apostrophes */
    } else if (cp >= 0x0300 && cp <= 0x036F) {                 /* combining accents (NFD text) */
    } else if (is_syllable(cp)) {
      int s = cp - 0xAC00, L = s / 588, V = (s % 588) / 28, T = s % 28;
      int nlen;
      int32_t next = i + (size_t)len < n ? bp_utf8_decode(text + i + len, n - i - len, &nlen) : -1;
      bool vowel_next = is_syllable(next) && (next - 0xAC00) / 588 == 11;
      slug_put(&b, rr_initial[L], &hyphen);
      slug_put(&b, rr_medial[V], &hyphen);
      slug_put(&b, vowel_next ? rr_liaison[T] : rr_final[T], &hyphen);
    } else {
      /* other letters: GLib's transliteration (accents dropped, ß -> ss);
       * what it cannot spell in ASCII comes back as '?', a word break */
      char *one = bp_strndup(text + i, (size_t)len);
      char *ascii = g_str_to_ascii(one, "C");
      slug_put(&b, ascii, &hyphen);
      g_free(ascii);
      free(one);
    }
    i += (size_t)len;
  }
  if (max_bytes < 8) max_bytes = 8;
  if (b.len > max_bytes) { /* cut at a hyphen in the second half if there is one */
    size_t cut = max_bytes;
    while (cut > max_bytes / 2 && b.data[cut] != '-') cut--;
    if (b.data[cut] != '-') cut = max_bytes;
    while (cut && (b.data[cut - 1] == '-' || b.data[cut - 1] == '_')) cut--;
    b.len = cut;
    b.data[cut] = '\0';
  }
  if (is_device_name(b.data)) bp_buf_putc(&b, '-');
  return bp_buf_detach(&b);
}
