/* names.c - the names of a newsletter package's files: an ASCII slug of the
 * title (bp_slug: Hangul romanised), the dated base name, the attachment's name as the
 * reader sees it, and the size budget's message; and a --send URL with its
 * password hidden, for messages. Pure string work: must not touch files,
 * GMime or the network (this file is in the program; GMime and libcurl are
 * the mail module's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail.h"

/* ---- names ------------------------------------------------------------ */

char *bp_mail_slug(const char *title, size_t max_len) {
  char *s = bp_slug(title, max_len);
  if (*s) return s;
  free(s);
  char hex[65];
  bp_sha256_hex(title, strlen(title), hex);
  bp_buf b = {0};
  bp_buf_printf(&b, "brief-%.8s", hex);
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

/* ---- the login in the URL ------------------------------------------------ */

/* The user-info of scheme://user:password;options@host/..., as an offset and
 * length into `url` (length 0: none). The authority ends at the first / ? #;
 * its last @ ends the user-info. */
static size_t userinfo(const char *url, size_t *len) {
  *len = 0;
  const char *p = url ? strstr(url, "://") : NULL;
  if (!p) return 0;
  p += 3;
  size_t auth = strcspn(p, "/?#");
  const char *at = NULL;
  for (const char *q = p; q < p + auth; q++)
    if (*q == '@') at = q;
  if (!at) return 0;
  *len = (size_t)(at - p);
  return (size_t)(p - url);
}

/* The password's span inside the user-info: after the first ':', up to the
 * login options (';') or the end. */
static bool password_span(const char *url, size_t *start, size_t *len) {
  size_t ui_len, ui = userinfo(url, &ui_len);
  const char *colon = ui_len ? memchr(url + ui, ':', ui_len) : NULL;
  if (!colon) return false;
  *start = (size_t)(colon + 1 - url);
  size_t rest = ui + ui_len - *start;
  const char *semi = memchr(url + *start, ';', rest);
  *len = semi ? (size_t)(semi - (url + *start)) : rest;
  return *len > 0;
}

char *bp_mail_url_redact(const char *url) {
  bp_buf b = {0};
  bp_buf_puts(&b, "");
  if (!url) return bp_buf_detach(&b);
  size_t start, len;
  if (password_span(url, &start, &len))
    bp_buf_printf(&b, "%.*s***%s", (int)start, url, url + start + len);
  else
    bp_buf_puts(&b, url);
  return bp_buf_detach(&b);
}
