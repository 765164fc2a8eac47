/* fuzz_csl_style.c - libFuzzer target: the CSL style loader (expat, the
 * element and attribute checks, macro resolution and recursion, the
 * locale chain) and, for a style that loads, rendering of two small items
 * as a bibliography and a citation. Input: any bytes as a .csl in memory;
 * locales from tests/fuzz/csl-locales (a small en-US), never the system's. */
#include <stdlib.h>

#include "csl/csl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_csl_style_options o = {0};
  o.locale_dir = BP_SOURCE_DIR "/tests/fuzz/csl-locales";
  o.style_dir = BP_SOURCE_DIR "/tests/fuzz/csl-locales"; /* no parent styles there */
  bp_csl_style *st = NULL;
  if (bp_csl_style_load_mem(&ctx, "fuzz.csl", (const char *)data, size, &o, &st) != BP_OK) return 0;
  static bp_csl_name names[3] = {
      {"엄", "지인", NULL}, {"van Gogh", "Vincent", NULL}, {NULL, NULL, "United Nations"}};
  bp_csl_item items[2] = {{0}, {0}};
  items[0].id = "a";
  items[0].type = "article-journal";
  items[0].authors = names;
  items[0].n_authors = 3;
  items[0].issued = (bp_date){2023, 12, 5};
  items[0].title = "A \"quoted\" <i>title</i>";
  items[0].container_title = "Journal";
  items[0].page = "12-19";
  items[0].url = "https://example.org/a";
  items[1].id = "b";
  items[1].type = "book";
  items[1].authors = names + 1;
  items[1].n_authors = 1;
  items[1].issued = (bp_date){2023, 0, 0};
  items[1].circa = true;
  items[1].title = "Second";
  bp_csl_proc *p = bp_csl_proc_new(st);
  for (int i = 0; i < 2; i++) bp_csl_proc_add(&ctx, p, &items[i]);
  bp_spans sp = {0};
  bp_csl_proc_entry(&ctx, p, "a", &sp);
  bp_csl_proc_entry(&ctx, p, "b", &sp);
  const char *ids[] = {"a", "b"};
  const char *locs[] = {"3-5", NULL};
  bp_csl_proc_citation(&ctx, p, ids, locs, 2, &sp);
  bp_spans_free(&sp);
  bp_csl_proc_free(p);
  bp_csl_style_free(st);
  return 0;
}
