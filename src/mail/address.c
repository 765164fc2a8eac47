/* address.c - e-mail addresses for the message and the SMTP envelope: GMime's
 * parser, then a check that every entry is one mailbox with an addr-spec SMTP
 * accepts. GMime is initialised once per process and shut down at exit
 * (GMime 3.2 cannot be initialised again after a shutdown). Must not build
 * messages or talk to servers. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mail-imp.h"

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_start(void) {
  g_mime_init();
  atexit(g_mime_shutdown);
}

void bp_mail_gmime_ready(void) { pthread_once(&gmime_once, gmime_start); }

/* An addr-spec as SMTP wants it: local@domain, printable ASCII, no spaces. */
static bool plausible_addr(const char *a) {
  const char *at = a ? strrchr(a, '@') : NULL;
  if (!at || at == a || !at[1]) return false;
  for (const char *p = a; *p; p++)
    if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == ',') return false;
  return true;
}

/* Parses an address list; every entry must be a plausible mailbox. */
bp_status bp_mail_addrs_parse(bp_ctx *ctx, const char *what, const char *s, bool one,
                              InternetAddressList **out) {
  *out = NULL;
  InternetAddressList *l = s ? internet_address_list_parse(NULL, s) : NULL;
  int n = l ? internet_address_list_length(l) : 0;
  bool ok = n > 0 && (!one || n == 1);
  for (int i = 0; ok && i < n; i++) {
    InternetAddress *ia = internet_address_list_get_address(l, i);
    ok = INTERNET_ADDRESS_IS_MAILBOX(ia) &&
         plausible_addr(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
  }
  if (!ok) {
    if (l) g_object_unref(l);
    return bp_error(ctx, BP_ERR_DATA, "%s \"%s\" is not %s", what, s ? s : "",
                    one ? "one e-mail address (name@domain or \"Name <name@domain>\")"
                        : "a list of e-mail addresses (name@domain, comma-separated)");
  }
  *out = l;
  return BP_OK;
}
