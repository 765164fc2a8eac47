/* smtp.c - delivers a built message through libcurl's SMTP client: envelope
 * from the --from and --to addresses, STARTTLS when offered, bounded times.
 * Must not build or change the message. */
#include <curl/curl.h>
#include <stdio.h>
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
    char buf[600];
    snprintf(buf, sizeof buf, "<%s>",
             internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
    acc = curl_slist_append(acc, buf);
  }
  return acc;
}

bp_status bp_mail_send(bp_ctx *ctx, const char *url, const char *from, const char *to,
                       const char *msg, size_t len) {
  if (!url || (strncmp(url, "smtp://", 7) && strncmp(url, "smtps://", 8)))
    return bp_error(ctx, BP_ERR_USAGE, "--send \"%s\": give an smtp://host:port or smtps:// URL",
                    url ? url : "");
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

  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL *c = curl_easy_init();
  char err[CURL_ERROR_SIZE] = "";
  upload u = {msg, len};
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
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    rc = curl_easy_perform(c);
  }
  if (rc != CURLE_OK) {
    long code = 0;
    if (c) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    char reply[48] = "";
    if (code) snprintf(reply, sizeof reply, " (last SMTP reply %ld)", code);
    st = bp_error(ctx, BP_ERR_IO, "%s: sending the message failed: %s%s", url,
                  *err ? err : curl_easy_strerror(rc), reply);
  }
  if (c) curl_easy_cleanup(c);
  curl_slist_free_all(mail_from);
  curl_slist_free_all(rcpt);
  curl_global_cleanup();
  return st;
}
