/* module.c - loads the program's optional modules (briefpress-mail.so for
 * `newsletter`, briefpress-image.so for images) once per process with
 * dlopen, so that their libraries (GMime and libcurl; librsvg and
 * gdk-pixbuf) and the dozens those pull in are not loaded at every start.
 * Where the files are is datadir.c's business; what a module exports is
 * its own header's (src/mail/mail.h, src/layout/image-module.h). */
#include "bp.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

bp_status bp_module_open(bp_ctx *ctx, bp_module *m, const void **out) {
  pthread_mutex_lock(&m->lock);
  if (!m->tried) {
    m->tried = true;
    char *path = bp_data_module_path(m->file);
    /* RTLD_NODELETE: a module's libraries may register atexit handlers
     * (GMime's shutdown) from inside it */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    const char *err = h ? NULL : dlerror();
    const void *t = h ? dlsym(h, m->symbol) : NULL;
    char none[128];
    snprintf(none, sizeof none, "it has no %s", m->symbol);
    if (h && !t) err = none;
    if (t && !m->valid(t)) {
      err = "it is from another build of briefpress";
      t = NULL;
    }
    if (err) snprintf(m->why, sizeof m->why, "%s: %s", path, err);
    m->table = t;
    free(path);
  }
  *out = m->table;
  pthread_mutex_unlock(&m->lock);
  if (*out) return BP_OK;
  return bp_error(ctx, BP_ERR_IO, "cannot load the %s module %s", m->what, m->why);
}
