/* names.c - the names of a newsletter package's files: an ASCII slug of the
 * title (Hangul romanised), the dated base name, the attachment's name as the
 * reader sees it, and the size budget's message. Pure string work: must not
 * touch files, GMime or the network. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "mail.h"

/* ---- names ------------------------------------------------------------ */

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

/* Appends `s` as slug letters; a run of anything else becomes one hyphen. */
static void slug_put(bp_buf *b, const char *s, bool *pending_hyphen) {
  for (; *s; s++) {
    char c = *s;
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (*pending_hyphen && b->len) bp_buf_putc(b, '-');
      *pending_hyphen = false;
      bp_buf_putc(b, c);
    } else if (c != '\'') {
      *pending_hyphen = true;
    }
  }
}

char *bp_mail_slug(const char *title, size_t max_len) {
  bp_buf b = {0};
  bp_buf_puts(&b, ""); /* never NULL data */
  bool hyphen = false;
  size_t n = strlen(title);
  for (size_t i = 0; i < n;) {
    int len;
    int32_t cp = bp_utf8_decode(title + i, n - i, &len);
    if (cp < 0) {
      hyphen = true;
    } else if (cp < 0x80) {
      char s[2] = {(char)cp, 0};
      slug_put(&b, s, &hyphen);
    } else if (cp == 0x2019 || cp == 0x2018 || cp == 0x02BC) { /* apostrophes */
    } else if (is_syllable(cp)) {
      int s = cp - 0xAC00, L = s / 588, V = (s % 588) / 28, T = s % 28;
      int nlen;
      int32_t next = i + (size_t)len < n ? bp_utf8_decode(title + i + len, n - i - len, &nlen) : -1;
      bool vowel_next = is_syllable(next) && (next - 0xAC00) / 588 == 11;
      slug_put(&b, rr_initial[L], &hyphen);
      slug_put(&b, rr_medial[V], &hyphen);
      slug_put(&b, vowel_next ? rr_liaison[T] : rr_final[T], &hyphen);
    } else {
      /* other letters: GLib's transliteration (accents dropped, ß -> ss);
       * what it cannot spell in ASCII comes back as '?', a word break */
      char *one = bp_strndup(title + i, (size_t)len);
      char *ascii = g_str_to_ascii(one, "C");
      slug_put(&b, ascii, &hyphen);
      g_free(ascii);
      free(one);
    }
    i += (size_t)len;
  }
  if (b.len > max_len) {
    size_t cut = max_len;
    while (cut > max_len / 2 && b.data[cut] != '-') cut--;
    if (b.data[cut] != '-') cut = max_len;
    b.len = cut;
    b.data[cut] = '\0';
    while (b.len && b.data[b.len - 1] == '-') b.data[--b.len] = '\0';
  }
  if (b.len == 0) {
    char hex[65];
    bp_sha256_hex(title, n, hex);
    bp_buf_printf(&b, "brief-%.8s", hex);
  }
  return bp_buf_detach(&b);
}

static void utc_day(long long epoch, char out[11]) {
  time_t t = epoch >= 0 ? (time_t)epoch : time(NULL);
  struct tm tm;
  if (!gmtime_r(&t, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) == 0)
    memcpy(out, "9999-12-31", 11); /* beyond what a calendar day can say */
}

char *bp_mail_basename(const char *title, long long epoch) {
  char day[11];
  utc_day(epoch, day);
  char *slug = bp_mail_slug(title, 64);
  bp_buf b = {0};
  bp_buf_printf(&b, "%s-%s", slug, day);
  free(slug);
  return bp_buf_detach(&b);
}

char *bp_mail_attachment_name(const char *title, long long epoch) {
  char day[11];
  utc_day(epoch, day);
  bp_buf b = {0};
  bp_buf_puts(&b, "");
  size_t n = strlen(title);
  bool space = false;
  for (size_t i = 0; i < n && b.len < 150;) {
    int len;
    int32_t cp = bp_utf8_decode(title + i, n - i, &len);
    bool bad = cp < 0x20 || cp == 0x7F || (cp < 0x80 && strchr("/\\:*?\"<>|", (int)cp));
    if (bad || cp == ' ' || cp == 0xA0) {
      space = b.len > 0;
    } else {
      if (space) bp_buf_putc(&b, ' ');
      space = false;
      bp_buf_put(&b, title + i, (size_t)len);
    }
    i += (size_t)len;
  }
  while (b.len && (b.data[b.len - 1] == '.' || b.data[b.len - 1] == ' ')) b.data[--b.len] = '\0';
  bp_buf_printf(&b, "%s%s.pdf", b.len ? " " : "brief ", day);
  return bp_buf_detach(&b);
}

/* ---- the size budget --------------------------------------------------- */

static void human_size(size_t n, char *out, size_t size) {
  if (n >= 1024 * 1024)
    snprintf(out, size, "%.2f MB", n / (1024.0 * 1024.0));
  else
    snprintf(out, size, "%.1f KB", n / 1024.0);
}

bp_status bp_mail_check_budget(bp_ctx *ctx, const char *what, size_t size, size_t max_bytes) {
  if (size <= max_bytes) return BP_OK;
  char a[32], b[32], d[32];
  human_size(size, a, sizeof a);
  human_size(max_bytes, b, sizeof b);
  human_size(size - max_bytes, d, sizeof d);
  return bp_error(ctx, BP_ERR_LAYOUT,
                  "%s is %zu bytes (%s), over the size budget of %zu bytes (%s) by %zu bytes "
                  "(%s); raise --max-bytes or make the brief smaller",
                  what, size, a, max_bytes, b, size - max_bytes, d);
}
