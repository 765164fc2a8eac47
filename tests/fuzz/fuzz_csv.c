/* fuzz_csv.c - libFuzzer target: RFC 4180 CSV as records (ids, typed
 * columns) and as a series (dates, numbers, gaps). The first byte picks
 * which; the rest is the file. */
#include "data/data-imp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!size) return 0;
  bp_diag_list *dl = bp_diag_list_new();
  bp_src *s = bp__src_mem(dl, "fuzz.csv", (const char *)data + 1, size - 1);
  bp__src_check_chars(s, NULL, NULL);
  bp_resolver r = {NULL, NULL, NULL};
  if (data[0] & 1) {
    bp_series *se = bp__series_parse(s, NULL, NULL, &r);
    if (se) (void)bp_series_column(se, "value");
    bp_series_free(se);
  } else {
    bp_records *rec = bp__records_parse(s, &r, NULL, NULL);
    if (rec && rec->n_rows) {
      (void)bp_records_field(rec, 0, "name");
      (void)bp_records_lookup(rec, rec->rows[0].fields[0]);
    }
    bp_records_free(rec);
  }
  for (size_t i = 0; i < dl->n; i++) free(bp_diag_format(&dl->v[i]));
  bp__src_free(s);
  bp_diag_list_free(dl);
  return 0;
}
