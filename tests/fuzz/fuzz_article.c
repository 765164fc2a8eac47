/* fuzz_article.c - libFuzzer target: an article manifest through the
 * public loader (bp_article_load: keys, fields, date, the body and
 * bibliography paths it names, then that Markdown body and CSL-JSON
 * bibliography with the citation checks). The manifest is articles/fuzz.json
 * in the target's temporary folder, beside a small body a.md and
 * ../citations/c.json. */
#include "fuzz.h"

#include "data/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_dataset();
  char *path = fuzz_put("articles/fuzz.json", data, size);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_article *a = NULL;
  if (bp_article_load(&ctx, path, &a) == BP_OK) free(bp_doc_cited_ids(a->doc, NULL));
  fuzz_report(&ctx);
  bp_article_free(a);
  free(path);
  return 0;
}
