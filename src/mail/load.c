/* load.c - loads the mail module (briefpress-mail.so: the code that needs
 * GMime and libcurl) for `newsletter`, once per process (bp_module_open), so
 * that no other command loads those libraries and the ~30 they depend on at
 * start-up. In the program; must not use GMime or libcurl itself. */
#include <string.h>

#include "mail.h"

static bool valid(const void *table) {
  const bp_mail_module *t = table;
  return t->abi == BP_MAIL_MODULE_ABI && t->newsletter_size == sizeof(bp_newsletter) &&
         t->server_size == sizeof(bp_mail_server) && t->ctx_size == sizeof(bp_ctx);
}

static bp_module module = {.what = "mail",
                           .file = "briefpress-mail.so",
                           .symbol = BP_MAIL_MODULE_SYMBOL,
                           .valid = valid,
                           .lock = PTHREAD_MUTEX_INITIALIZER};

bp_status bp_mail_module_open(bp_ctx *ctx, const bp_mail_module **out) {
  const void *t;
  bp_status st = bp_module_open(ctx, &module, &t);
  *out = t;
  return st;
}
