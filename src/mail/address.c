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

/* The first 40 bytes of `s` (whole UTF-8 characters) and "…" when longer:
 * what an error message quotes of an over-long value. Caller frees. */
static char *preview(const char *s) {
  size_t n = strlen(s), cut = n;
  if (n > 40) {
    cut = 40;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
  }
  bp_buf b = {0};
  bp_buf_printf(&b, "%.*s%s", (int)cut, s, cut < n ? "…" : "");
  return bp_buf_detach(&b);
}

/* RFC 5321 4.5.3.1: a path holds at most 254 octets of address, a local
 * part at most 64. Longer addresses are refused, never cut. */
static bp_status check_lengths(bp_ctx *ctx, const char *what, const char *addr) {
  size_t n = strlen(addr), local = (size_t)(strrchr(addr, '@') - addr);
  if (n <= BP_MAIL_ADDR_MAX && local <= BP_MAIL_LOCAL_MAX) return BP_OK;
  char *p = preview(addr);
  bp_status st =
      n > BP_MAIL_ADDR_MAX
          ? bp_error(ctx, BP_ERR_DATA,
                     "%s: the address \"%s\" is %zu bytes long; an e-mail address has at "
                     "most %d (RFC 5321)",
                     what, p, n, BP_MAIL_ADDR_MAX)
          : bp_error(ctx, BP_ERR_DATA,
                     "%s: the address \"%s\" has a local part (before the @) of %zu bytes; "
                     "at most %d are allowed (RFC 5321)",
                     what, p, local, BP_MAIL_LOCAL_MAX);
  free(p);
  return st;
}

/* Parses an address list; every entry must be a plausible mailbox within
 * the lengths SMTP allows. */
bp_status bp_mail_addrs_parse(bp_ctx *ctx, const char *what, const char *s, bool one,
                              InternetAddressList **out) {
  *out = NULL;
  InternetAddressList *l = s ? internet_address_list_parse(NULL, s) : NULL;
  int n = l ? internet_address_list_length(l) : 0;
  bool ok = n > 0 && (!one || n == 1);
  bp_status st = BP_OK;
  for (int i = 0; ok && !st && i < n; i++) {
    InternetAddress *ia = internet_address_list_get_address(l, i);
    const char *addr = INTERNET_ADDRESS_IS_MAILBOX(ia)
                           ? internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia))
                           : NULL;
    ok = addr && plausible_addr(addr);
    if (ok) st = check_lengths(ctx, what, addr);
  }
  if (!ok && !st) {
    char *p = preview(s ? s : "");
    st = bp_error(ctx, BP_ERR_DATA, "%s \"%s\" is not %s", what, p,
                  one ? "one e-mail address (name@domain or \"Name <name@domain>\")"
                      : "a list of e-mail addresses (name@domain, comma-separated)");
    free(p);
  }
  if (st) {
    if (l) g_object_unref(l);
    return st;
  }
  *out = l;
  return BP_OK;
}
