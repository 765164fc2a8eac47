/* fuzz_batch_records.c - libFuzzer target: the records CSV as batch reads
 * it (bp_records_load_each: rows that fail alone, ids, header checks), the
 * same file indexed (bp_records_index), whose records read again one at a
 * time (bp_records_read_row) must be those of the whole load, then the
 * output file names of every record for two name patterns (expansion,
 * slugs, de-duplication) and the shard split. Input: any bytes, written to a
 * file in the target's temporary folder. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "app/batch.h"

/* Every record of `idx` read again is the record of `all`. */
static void same_records(const bp_records *all, const bp_records *idx) {
  if (idx->n_rows != all->n_rows || idx->n_cols != all->n_cols) abort();
  for (size_t i = 0; i < all->n_rows; i++) {
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    char **f;
    if (bp_records_read_row(&ctx, idx, i, &f) != BP_OK) abort();
    if (idx->rows[i].line != all->rows[i].line || !idx->rows[i].error != !all->rows[i].error)
      abort();
    for (size_t k = 0; k < all->n_cols; k++)
      if (strcmp(f[k], all->rows[i].fields[k])) abort();
    free(f);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *path = fuzz_put("records.csv", data, size);
  bp_ctx ctx, ictx;
  bp_ctx_init(&ctx);
  bp_ctx_init(&ictx);
  bp_records *rec = NULL, *idx = NULL;
  bp_status st = bp_records_load_each(&ctx, path, &rec);
  if ((bp_records_index(&ictx, path, NULL, &idx) == BP_OK) != (st == BP_OK)) abort();
  if (st == BP_OK) {
    same_records(rec, idx);
    const char *patterns[] = {"{id}", "{iso2}-{name_en}-{nosuch}"};
    for (size_t p = 0; p < 2; p++) {
      bp_batch_names *names = NULL;
      if (bp_batch_names_new(&ctx, idx, patterns[p], &names) != BP_OK) abort();
      for (size_t i = 0; i < idx->n_rows; i++)
        if (strcmp(bp_batch_names_id(names, i), rec->rows[i].fields[0])) abort();
      bp_batch_names_free(names);
    }
    size_t in = 0;
    for (size_t i = 0; i < rec->n_rows; i++) in += bp_batch_in_shard(i, 1, 3);
    (void)in;
  }
  fuzz_report(&ctx);
  bp_records_free(rec);
  bp_records_free(idx);
  free(path);
  return 0;
}
