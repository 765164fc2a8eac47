/* smtp.c - delivers a built message through libcurl's SMTP client: envelope
 * from the --from and --to addresses, bounded times, and TLS: STARTTLS when
 * offered, and required (or an error) whenever the URL carries a login, so a
 * password never crosses the network in clear. The password never appears
 * in a message either: the URL is shown redacted and curl's error text is
 * scrubbed of it. Must not build or change the message. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail-imp.h"

typedef struct upload {
  const char *p;
  size_t left;
} upload;

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ud) {
  upload *u = ud;
  size_t n = size * nitems < u->left ? size * nitems : u->left;
  memcpy(buf, u->p, n);
  u->p += n;
  u->left -= n;
  return n;
}

static struct curl_slist *envelope(InternetAddressList *l, struct curl_slist *acc) {
  for (int i = 0; i < internet_address_list_length(l); i++) {
    InternetAddress *ia = internet_address_list_get_address(l, i);
    bp_buf b = {0};
    bp_buf_printf(&b, "<%s>", internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
    acc = curl_slist_append(acc, b.data);
    bp_buf_free(&b);
  }
  return acc;
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

/* `text` with every occurrence of the URL's password, as written and as
 * percent-decoded (what curl sends), replaced by "***". Caller frees. */
static char *scrub(const char *text, const char *url) {
  char *secrets[2] = {NULL, NULL};
  size_t start, len;
  if (password_span(url, &start, &len)) {
    secrets[0] = bp_strndup(url + start, len);
    char *dec = g_uri_unescape_string(secrets[0], NULL);
    if (dec && *dec && strcmp(dec, secrets[0])) secrets[1] = bp_strdup(dec);
    g_free(dec);
  }
  bp_buf b = {0};
  bp_buf_puts(&b, "");
  for (const char *p = text; *p;) {
    size_t hit = 0;
    for (int k = 0; k < 2 && !hit; k++)
      if (secrets[k] && !strncmp(p, secrets[k], strlen(secrets[k]))) hit = strlen(secrets[k]);
    if (hit) {
      bp_buf_puts(&b, "***");
      p += hit;
    } else {
      bp_buf_putc(&b, *p++);
    }
  }
  free(secrets[0]);
  free(secrets[1]);
  return bp_buf_detach(&b);
}

/* ---- what the conversation reached ------------------------------------------ */

/* Where a failed delivery stopped: the last command sent (its verb only:
 * AUTH's argument and continuation lines carry the password and are never
 * kept) and the server's last reply line. */
typedef struct progress {
  const char *stage; /* "MAIL FROM", "end of data"...; NULL before any command */
  char reply[160];
  bool quit; /* QUIT was sent: what follows is the goodbye, not the failure */
} progress;

static int debug_cb(CURL *c, curl_infotype type, char *data, size_t size, void *ud) {
  (void)c;
  progress *pr = ud;
  if (pr->quit) return 0;
  static const struct {
    const char *verb, *stage;
  } verbs[] = {{"EHLO", "EHLO"}, {"HELO", "HELO"},      {"STARTTLS", "STARTTLS"},
               {"AUTH", "AUTH"}, {"MAIL", "MAIL FROM"}, {"RCPT", "RCPT TO"},
               {"DATA", "DATA"}};
  if (type == CURLINFO_HEADER_OUT) {
    pr->quit = size >= 4 && !strncmp(data, "QUIT", 4);
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++) {
      size_t n = strlen(verbs[i].verb);
      if (size > n && !strncmp(data, verbs[i].verb, n) && (data[n] == ' ' || data[n] == '\r'))
        pr->stage = verbs[i].stage;
    }
  } else if (type == CURLINFO_DATA_OUT && pr->stage && !strcmp(pr->stage, "DATA")) {
    pr->stage = "end of data";
  } else if (type == CURLINFO_HEADER_IN && size >= 3) {
    size_t n = 0; /* printable ASCII of the line, at most what fits */
    for (size_t i = 0; i < size && n + 1 < sizeof pr->reply; i++)
      if (data[i] >= ' ' && data[i] < 0x7F) pr->reply[n++] = data[i];
    pr->reply[n] = '\0';
  }
  return 0;
}

/* ---- delivery -------------------------------------------------------------- */

/* What went wrong, in words: where, what the server said, or curl's reason;
 * ours where curl's would not say what to do. */
static void failure_text(bp_buf *b, CURLcode rc, const char *err, bool login, const progress *pr) {
  if (pr->stage) bp_buf_printf(b, "at %s: ", pr->stage);
  if (rc == CURLE_USE_SSL_FAILED && login)
    bp_buf_printf(b,
                  "the server %s STARTTLS, and briefpress never sends a password without TLS "
                  "(use smtps://, or a server that offers STARTTLS)",
                  pr->stage && !strcmp(pr->stage, "STARTTLS") ? "refused" : "offers no");
  else
    bp_buf_puts(b, *err ? err : curl_easy_strerror(rc));
  if (*pr->reply) bp_buf_printf(b, " (the server's last reply: \"%s\")", pr->reply);
}

bp_status bp_mail_send(bp_ctx *ctx, const bp_mail_server *server, const char *from, const char *to,
                       const char *msg, size_t len) {
  const char *url = server ? server->url : NULL;
  if (!url || (strncmp(url, "smtp://", 7) && strncmp(url, "smtps://", 8))) {
    char *shown = bp_mail_url_redact(url);
    bp_status st = bp_error(ctx, BP_ERR_USAGE,
                            "--send \"%s\": give an smtp://host:port or smtps:// URL", shown);
    free(shown);
    return st;
  }
  if (!from || !to) return bp_error(ctx, BP_ERR_USAGE, "--send needs --from and --to");
  bp_mail_gmime_ready();
  InternetAddressList *fl = NULL, *tl = NULL;
  bp_status st = bp_mail_addrs_parse(ctx, "--from", from, true, &fl);
  if (!st) st = bp_mail_addrs_parse(ctx, "--to", to, false, &tl);
  struct curl_slist *mail_from = st ? NULL : envelope(fl, NULL);
  struct curl_slist *rcpt = st ? NULL : envelope(tl, NULL);
  if (fl) g_object_unref(fl);
  if (tl) g_object_unref(tl);
  if (st) return st;

  size_t login_len;
  userinfo(url, &login_len);
  bool login = login_len > 0;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL *c = curl_easy_init();
  char err[CURL_ERROR_SIZE] = "";
  upload u = {msg, len};
  progress pr = {0};
  CURLcode rc = CURLE_FAILED_INIT;
  if (c) {
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from->data);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    /* with a login, TLS or nothing: curl stops before AUTH when the server
     * offers no STARTTLS (smtps:// is TLS from the start) */
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)(login ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    if (server->ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, server->ca_file);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    /* the debug hook sees the conversation (nothing is printed) */
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_cb);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, &pr);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
    rc = curl_easy_perform(c);
  }
  if (rc != CURLE_OK) {
    bp_buf why = {0};
    failure_text(&why, rc, err, login, &pr);
    char *shown = bp_mail_url_redact(url);
    bp_buf text = {0};
    bp_buf_printf(&text, "%s: sending the message failed: %s", shown, why.data);
    char *clean = scrub(text.data, url); /* the whole text: curl's too */
    st = bp_error(ctx, BP_ERR_IO, "%s", clean);
    free(shown);
    free(clean);
    bp_buf_free(&text);
    bp_buf_free(&why);
  }
  if (c) curl_easy_cleanup(c);
  curl_slist_free_all(mail_from);
  curl_slist_free_all(rcpt);
  curl_global_cleanup();
  return st;
}
