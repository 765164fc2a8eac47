/* fuzz_batch_records.c - libFuzzer target: the records CSV as batch reads
 * it (bp_records_load_each: rows that fail alone, ids, header checks), then the
 * output file names of every record for two name patterns (expansion,
 * slugs, de-duplication) and the shard split. Input: any bytes, written to a
 * file in the target's temporary folder. */
#include "fuzz.h"

#include "app/batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *path = fuzz_put("records.csv", data, size);
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_records *rec = NULL;
  if (bp_records_load_each(&ctx, path, &rec) == BP_OK) {
    const char *patterns[] = {"{id}", "{iso2}-{name_en}-{nosuch}"};
    for (size_t p = 0; p < 2; p++) {
      char **names = bp_batch_file_names(rec, patterns[p]);
      for (size_t i = 0; names[i]; i++) free(names[i]);
      free(names);
    }
    size_t in = 0;
    for (size_t i = 0; i < rec->n_rows; i++) in += bp_batch_in_shard(i, 1, 3);
    (void)in;
  }
  fuzz_report(&ctx);
  bp_records_free(rec);
  free(path);
  return 0;
}
