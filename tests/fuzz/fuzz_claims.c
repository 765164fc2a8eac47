/* fuzz_claims.c - libFuzzer target: claims JSON (types, inline markup via
 * cmark, citation resolution against a small bibliography, dates, country
 * codes, the "dated after its sources" check). The bibliography is parsed
 * once, before the first input (the resolver only reads it). */
#include <string.h>

#include "data/data-imp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char BIB[] = "[{\"id\": \"a\", \"type\": \"book\", \"title\": \"A\", \"issued\": "
                          "{\"date-parts\": [[2023, 5]]}},"
                          " {\"id\": \"b\", \"type\": \"book\", \"title\": \"B\"}]";

/* The bibliography the claims cite (made at the first call, kept). */
static const bp_bib *the_bib(void) {
  static bp_bib *bib;
  if (bib) return bib;
  bp_diag_list *dl = bp_diag_list_new();
  bp_src *bs = bp__src_mem(dl, "bib.json", BIB, strlen(BIB));
  bp_json *bj = bp__json_parse(bs);
  bib = bp__bib_new();
  bp__bib_parse(bs, bj, bib);
  if (dl->n_errors || bib->n_items != 2) abort(); /* the fixed bibliography must load cleanly */
  bp__json_free(bj);
  bp__src_free(bs);
  bp_diag_list_free(dl);
  return bib;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const bp_bib *bib = the_bib();
  bp_diag_list *dl = bp_diag_list_new();
  bp_src *s = bp__src_mem(dl, "fuzz.json", (const char *)data, size);
  bp__src_check_chars(s, NULL, NULL);
  bp_json *j = bp__json_parse(s);
  bp_claims *c = bp_calloc(1, sizeof *c);
  bp_strmap ids = {0};
  bp_refs refs = {{0}};
  bp_resolver r = {bib, &refs, NULL};
  if (j) bp__claims_parse(s, j, c, &r, &ids);
  bp__diag_sort(dl);
  bp__map_free(&ids);
  bp__map_free(&refs.ids);
  bp_claims_free(c);
  bp__json_free(j);
  bp__src_free(s);
  bp_diag_list_free(dl);
  return 0;
}
