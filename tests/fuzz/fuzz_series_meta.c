/* fuzz_series_meta.c - libFuzzer target: series metadata JSON (title,
 * unit, source resolved against a small bibliography, note, data, column
 * labels) read together with a fixed, valid series CSV, in memory. */
#include "fuzz.h"

#include "data/data-imp.h"

static const char BIB[] = "[{\"id\": \"src_a\", \"type\": \"book\", \"title\": \"A\"}]";
static const char CSV[] = "year,value,count,source_id,note\n"
                          "2020,1,3,src_a,first\n2021-06,2.5,,src_a,\n2022,,4,,gap\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bp_bib *bib; /* loaded once, only read */
  if (!bib) {
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    char *path = fuzz_put_str("bib.json", BIB);
    if (bp_bib_load(&ctx, path, &bib)) abort();
    free(path);
  }
  bp_diag_list *dl = bp_diag_list_new();
  bp_refs refs = {{0}};
  bp_resolver r = {bib, &refs, NULL};
  bp_src *csv = bp__src_mem(dl, "s.csv", CSV, strlen(CSV));
  bp_src *meta = bp__src_mem(dl, "s.json", (const char *)data, size);
  bp__src_check_chars(meta, NULL, NULL);
  bp_json *mj = meta->usable ? bp__json_parse(meta) : NULL;
  if (mj) {
    bp_series *s = bp__series_parse(csv, meta, mj, &r);
    if (s) {
      (void)bp_series_column(s, "value");
      (void)bp_series_column(s, "count");
    }
    bp_series_free(s);
  }
  bp__diag_sort(dl);
  for (size_t i = 0; i < dl->n; i++) free(bp_diag_format(&dl->v[i]));
  bp__json_free(mj);
  bp__src_free(meta);
  bp__src_free(csv);
  bp__map_free(&refs.ids);
  bp_diag_list_free(dl);
  return 0;
}
