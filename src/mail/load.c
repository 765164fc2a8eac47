/* load.c - loads the mail module (briefpress-mail.so: the code that needs
 * GMime and libcurl) for `newsletter`, once per process, so that no other
 * command loads those libraries and the ~30 they depend on at start-up.
 * In the program; must not use GMime or libcurl itself. */
#include <dlfcn.h>
#include <stdio.h>
#include <pthread.h>
#include <string.h>

#include "mail.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const bp_mail_module *table;
static char why[512];

static void load(void) {
  const char *path = bp_data_mail_module();
  /* RTLD_NODELETE: GMime's shutdown is registered with atexit from inside */
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  const char *err = h ? NULL : dlerror();
  const bp_mail_module *t = h ? dlsym(h, BP_MAIL_MODULE_SYMBOL) : NULL;
  if (h && !t) err = "it has no " BP_MAIL_MODULE_SYMBOL;
  if (t && (t->abi != BP_MAIL_MODULE_ABI || t->newsletter_size != sizeof(bp_newsletter) ||
            t->server_size != sizeof(bp_mail_server) || t->ctx_size != sizeof(bp_ctx))) {
    err = "it is from another build of briefpress";
    t = NULL;
  }
  if (err) snprintf(why, sizeof why, "%s", err);
  table = t;
}

bp_status bp_mail_module_open(bp_ctx *ctx, const bp_mail_module **out) {
  pthread_once(&once, load);
  *out = table;
  if (table) return BP_OK;
  return bp_error(ctx, BP_ERR_IO, "cannot load the mail module %s: %s", bp_data_mail_module(), why);
}
