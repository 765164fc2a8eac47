/* fuzz_template.c - libFuzzer target: template JSON through the public
 * loader (bp_template_load: page, margins, styles, colours, fit limits,
 * header/footer, sections) and the composer's section check, then the style lookup and the {field}
 * expansion of the header and footer patterns. Input: any bytes, written to
 * a file in the target's temporary folder. */
#include "fuzz.h"

#include "compose/compose.h"

static const char *lookup(void *ud, const char *name) {
  (void)ud;
  return !strcmp(name, "title") ? "T" : !strcmp(name, "page") ? "1" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *path = fuzz_put("template.json", data, size);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_template *t = NULL;
  if (bp_template_load(&ctx, path, &t) == BP_OK && bp_template_check(&ctx, t) == BP_OK) {
    const char *names[] = {"body", "title", "nosuch"};
    for (size_t i = 0; i < 3; i++) (void)bp_template_style(t, names[i]);
    const char *pats[] = {t->header_left, t->header_right, t->footer_left, t->footer_right};
    for (size_t i = 0; i < 4; i++)
      if (pats[i]) free(bp_template_expand(pats[i], lookup, NULL));
  }
  fuzz_report(&ctx);
  bp_template_free(t);
  free(path);
  return 0;
}
