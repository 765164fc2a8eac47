/* fuzz_batch_manifest.c - libFuzzer target: the previous manifest that a
 * batch re-run reads (bp_batch_manifest_entries: entries by id), each entry
 * checked as the re-run does (bp_batch_manifest_entry_current, for the file
 * name a.pdf, in a folder holding a 3-byte a.pdf) and carried into a new manifest as
 * "unchanged" (deep copy, status set, dumped). Input: any bytes, parsed by
 * jansson as the re-run parses the file. */
#include "fuzz.h"

#include "app/batch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static char *dir;
  if (!dir) {
    fuzz_mkdir("out");
    free(fuzz_put_str("out/a.pdf", "pdf"));
    dir = fuzz_path("out");
  }
  json_t *root = json_loadb((const char *)data, size, 0, NULL);
  GHashTable *old = bp_batch_manifest_entries(root);
  if (old) {
    json_t *arr = json_array();
    GHashTableIter it;
    gpointer id, e;
    g_hash_table_iter_init(&it, old);
    while (g_hash_table_iter_next(&it, &id, &e)) {
      const char *hash = json_string_value(json_object_get(e, "hash"));
      /* the name the re-run expects (a slug it computed), as in batch */
      bool current = bp_batch_manifest_entry_current(e, hash ? hash : "", "a.pdf", dir);
      json_t *copy = json_deep_copy(e);
      if (current) json_object_set_new(copy, "status", json_string("unchanged"));
      json_array_append_new(arr, copy);
    }
    free(json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)));
    json_decref(arr);
    g_hash_table_destroy(old);
  }
  json_decref(root);
  return 0;
}
