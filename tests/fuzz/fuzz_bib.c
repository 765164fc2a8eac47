/* fuzz_bib.c - libFuzzer target: CSL-JSON bibliography parsing (jansson,
 * the position locator, every field check, aliases), the integrity checks
 * (same work, URL dates) and the endnotes of what loads in the house style
 * (src/csl). Input: any
 * bytes as a .json file in memory. */
#include <stdlib.h>

#include "csl/csl.h"
#include "data/data-imp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bp_src *the_src(void *ud, const char *path) {
  (void)path;
  return ud;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bp_diag_list *dl = bp_diag_list_new();
  bp_src *s = bp__src_mem(dl, "fuzz.json", (const char *)data, size);
  bp__src_check_chars(s, NULL, NULL);
  bp_json *j = bp__json_parse(s);
  bp_bib *bib = bp__bib_new();
  if (j) bp__bib_parse(s, j, bib);
  const bp_csl_style *st = NULL;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  if (bp_csl_style_shared(&ctx, NULL, NULL, &st)) abort(); /* the house style must load */
  for (size_t i = 0; i < bib->n_items; i++) {
    const char *id = bib->items[i].id;
    bp_spans sp = {0};
    if (bp_csl_notes(&ctx, st, bib, &id, 1, &sp)) abort(); /* every loaded item renders */
    bp_spans_free(&sp);
    (void)bp_bib_lookup(bib, bib->items[i].id);
    for (size_t k = 0; k < bib->items[i].n_aliases; k++)
      (void)bp_bib_lookup(bib, bib->items[i].aliases[k]);
  }
  bp__bib_check_same_work(bib, the_src, s);
  bp__diag_sort(dl);
  for (size_t i = 0; i < dl->n; i++) free(bp_diag_format(&dl->v[i]));
  bp_bib_free(bib);
  bp__json_free(j);
  bp__src_free(s);
  bp_diag_list_free(dl);
  return 0;
}
