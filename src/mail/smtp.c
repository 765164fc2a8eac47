/* smtp.c - delivers a built message through libcurl's SMTP client: envelope
 * from the --from, --to and --bcc addresses, bounded times, and TLS:
 * required (STARTTLS or smtps://) for every host but this machine's own
 * loopback without a login, so neither a password nor a message crosses the
 * network in clear. The login comes from the URL, the caller (environment)
 * or a netrc file and goes to curl apart from the URL. The password never
 * appears in a message: the URL is shown redacted and curl's error text is
 * scrubbed of it. Must not build or change the message. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* `text` with every occurrence of `password`, as given and percent-encoded
 * (as a URL carries it), replaced by "***". Caller frees. */
static char *scrub(const char *text, const char *password) {
  char *secrets[2] = {NULL, NULL};
  if (password && *password) {
    secrets[0] = bp_strdup(password);
    char *enc = g_uri_escape_string(password, NULL, FALSE);
    if (enc && strcmp(enc, password)) secrets[1] = bp_strdup(enc);
    g_free(enc);
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

/* ---- where, and who logs in ----------------------------------------------- */

bool bp_mail_host_is_loopback(const char *host) {
  if (!host) return false;
  size_t n = strlen(host);
  char bare[64];
  if (n >= 2 && host[0] == '[' && host[n - 1] == ']') { /* a URL's IPv6 literal */
    host++;
    n -= 2;
  }
  if (n == 0 || n >= sizeof bare) return false;
  memcpy(bare, host, n);
  bare[n] = '\0';
  if (!strcasecmp(bare, "localhost")) return true; /* curl answers it itself, no resolver */
  struct in_addr a4;
  struct in6_addr a6;
  if (inet_pton(AF_INET, bare, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  return inet_pton(AF_INET6, bare, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* Whether a --resolve entry ("HOST:PORT:ADDR", "+HOST..." or "-HOST...")
 * names `host`: such a host is wherever the entry says, not loopback. */
static bool pinned(const bp_mail_server *server, const char *host) {
  for (size_t i = 0; i < server->n_resolve; i++) {
    const char *r = server->resolve[i];
    r += *r == '+' || *r == '-';
    const char *colon = strchr(r, ':');
    size_t n = colon ? (size_t)(colon - r) : strlen(r);
    if (strlen(host) == n && !strncasecmp(r, host, n)) return true;
  }
  return false;
}

/* What the URL says, taken apart by curl's own parser: the host, the login
 * (decoded) and the URL without it, which is what curl is given. */
typedef struct target {
  char *host, *user, *password, *options, *bare_url;
} target;

static void target_free(target *t) {
  if (t->password) explicit_bzero(t->password, strlen(t->password));
  char *owned[] = {t->host, t->user, t->password, t->options, t->bare_url};
  for (size_t i = 0; i < sizeof owned / sizeof *owned; i++) free(owned[i]);
}

static char *curlu_take(CURLU *u, CURLUPart part, unsigned flags) {
  char *v = NULL;
  if (curl_url_get(u, part, &v, flags) != CURLUE_OK || !v) return NULL;
  char *own = bp_strdup(v);
  if (part == CURLUPART_PASSWORD) explicit_bzero(v, strlen(v));
  curl_free(v);
  return own;
}

static bp_status parse_target(bp_ctx *ctx, const char *url, target *t) {
  CURLU *u = curl_url();
  if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
    if (u) curl_url_cleanup(u);
    char *shown = bp_mail_url_redact(url);
    bp_status st = bp_error(ctx, BP_ERR_USAGE, "--send \"%s\" is not a URL curl can read", shown);
    free(shown);
    return st;
  }
  t->host = curlu_take(u, CURLUPART_HOST, 0);
  t->user = curlu_take(u, CURLUPART_USER, CURLU_URLDECODE);
  t->password = curlu_take(u, CURLUPART_PASSWORD, CURLU_URLDECODE);
  t->options = curlu_take(u, CURLUPART_OPTIONS, CURLU_URLDECODE);
  curl_url_set(u, CURLUPART_USER, NULL, 0);
  curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
  curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
  t->bare_url = curlu_take(u, CURLUPART_URL, 0);
  curl_url_cleanup(u);
  if (t->user && !*t->user) {
    free(t->user);
    t->user = NULL;
  }
  if (!t->host || !t->bare_url) return bp_error(ctx, BP_ERR_USAGE, "--send: the URL names no host");
  return BP_OK;
}

/* The login: the URL's, else the caller's (the environment), else the
 * netrc file's entry for the host. A user without a password, or a password
 * without a user, is an error: never a login half made. */
static bp_status find_login(bp_ctx *ctx, const bp_mail_server *server, target *t) {
  if (!t->user && server->user && *server->user) t->user = bp_strdup(server->user);
  if (!t->password && server->password && *server->password)
    t->password = bp_strdup(server->password);
  if (!t->password && server->netrc) {
    char *login = NULL, *pw = NULL;
    bp_status st = bp_mail_netrc_lookup(ctx, server->netrc, t->host, t->user, &login, &pw);
    if (st) return st;
    if (!t->user)
      t->user = login; /* a netrc login without a password is reported below */
    else
      free(login);
    t->password = pw;
  }
  if (t->user && !t->password)
    return bp_error(ctx, BP_ERR_DATA,
                    "--send: a login as \"%s\" at %s but no password: set "
                    "BRIEFPRESS_SMTP_PASSWORD, or give it in the netrc file (machine %s login %s "
                    "password ...)",
                    t->user, t->host, t->host, t->user);
  if (t->password && !t->user)
    return bp_error(ctx, BP_ERR_DATA,
                    "--send: a password but no user to log in as at %s: set "
                    "BRIEFPRESS_SMTP_USER, or give smtp://USER@%s",
                    t->host, t->host);
  return BP_OK;
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
  const char *verb = pr->stage && !strcmp(pr->stage, "STARTTLS") ? "refused" : "offers no";
  if (rc == CURLE_USE_SSL_FAILED && login)
    bp_buf_printf(b,
                  "the server %s STARTTLS, and briefpress never sends a password without TLS "
                  "(use smtps://, or a server that offers STARTTLS)",
                  verb);
  else if (rc == CURLE_USE_SSL_FAILED)
    bp_buf_printf(b,
                  "the server %s STARTTLS, and briefpress sends mail without TLS only to this "
                  "machine (localhost, 127.0.0.1, ::1) (use smtps://, or a server that offers "
                  "STARTTLS)",
                  verb);
  else
    bp_buf_puts(b, *err ? err : curl_easy_strerror(rc));
  if (*pr->reply) bp_buf_printf(b, " (the server's last reply: \"%s\")", pr->reply);
}

bp_status bp_mail_send(bp_ctx *ctx, const bp_mail_server *server, const char *from, const char *to,
                       const char *bcc, const char *msg, size_t len) {
  const char *url = server ? server->url : NULL;
  if (!url || (strncmp(url, "smtp://", 7) && strncmp(url, "smtps://", 8))) {
    char *shown = bp_mail_url_redact(url);
    bp_status st = bp_error(ctx, BP_ERR_USAGE,
                            "--send \"%s\": give an smtp://host:port or smtps:// URL", shown);
    free(shown);
    return st;
  }
  if (!from || (!to && !bcc))
    return bp_error(ctx, BP_ERR_USAGE, "--send needs --from and --to or --bcc");
  bp_mail_gmime_ready();
  InternetAddressList *fl = NULL, *tl = NULL, *bl = NULL;
  bp_status st = bp_mail_addrs_parse(ctx, "--from", from, true, &fl);
  if (!st && to) st = bp_mail_addrs_parse(ctx, "--to", to, false, &tl);
  if (!st && bcc) st = bp_mail_addrs_parse(ctx, "--bcc", bcc, false, &bl);
  struct curl_slist *mail_from = st ? NULL : envelope(fl, NULL);
  struct curl_slist *rcpt = st || !tl ? NULL : envelope(tl, NULL);
  if (!st && bl) rcpt = envelope(bl, rcpt); /* in the envelope only, never a header */
  InternetAddressList *lists[] = {fl, tl, bl};
  for (size_t i = 0; i < 3; i++)
    if (lists[i]) g_object_unref(lists[i]);
  target t = {0};
  if (!st) st = parse_target(ctx, url, &t);
  if (!st) st = find_login(ctx, server, &t);
  if (st) {
    curl_slist_free_all(mail_from);
    curl_slist_free_all(rcpt);
    target_free(&t);
    return st;
  }

  bool login = t.user != NULL;
  /* TLS or nothing, except to this machine without a login: curl stops
   * before AUTH and MAIL when the server offers no STARTTLS (smtps:// is TLS
   * from the start) */
  bool clear_ok = !login && bp_mail_host_is_loopback(t.host) && !pinned(server, t.host);
  struct curl_slist *resolve = NULL;
  for (size_t i = 0; i < server->n_resolve; i++)
    resolve = curl_slist_append(resolve, server->resolve[i]);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL *c = curl_easy_init();
  char err[CURL_ERROR_SIZE] = "";
  upload u = {msg, len};
  progress pr = {0};
  CURLcode rc = CURLE_FAILED_INIT;
  if (c) {
    curl_easy_setopt(c, CURLOPT_URL, t.bare_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    if (login) {
      curl_easy_setopt(c, CURLOPT_USERNAME, t.user);
      curl_easy_setopt(c, CURLOPT_PASSWORD, t.password);
    }
    if (t.options) curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, t.options);
    curl_easy_setopt(c, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED); /* read above, by us */
    if (resolve) curl_easy_setopt(c, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from->data);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)(clear_ok ? CURLUSESSL_TRY : CURLUSESSL_ALL));
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
    char *clean = scrub(text.data, t.password); /* the whole text: curl's too */
    st = bp_error(ctx, BP_ERR_IO, "%s", clean);
    free(shown);
    free(clean);
    bp_buf_free(&text);
    bp_buf_free(&why);
  }
  if (c) curl_easy_cleanup(c);
  curl_slist_free_all(mail_from);
  curl_slist_free_all(rcpt);
  curl_slist_free_all(resolve);
  target_free(&t);
  curl_global_cleanup();
  return st;
}
