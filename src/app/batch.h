/* batch.h - `briefpress batch`: one PDF per record of a CSV through a profile
 * template, in parallel, with a manifest. The helpers below are exported for
 * tests (tests/unit/test_batch.c); the command is bp_cmd_batch. */
#ifndef BP_BATCH_H
#define BP_BATCH_H

#include <glib.h>
#include <jansson.h>

#include "data/data.h"

/** Runs the batch command; argv[0] is "batch". Returns the exit status: 0
 * all records written or unchanged, 1 any record failed (or the template,
 * data or records could not be loaded), 2 bad usage. */
int bp_cmd_batch(int argc, char **argv);

/** Records rendered between two renewals of the workers' font sets and
 * cairo's caches, which keeps the batch's memory from growing with its
 * number of distinct records (0: never; at least the number of jobs).
 * Default 500; a variable so that tests can renew often. */
extern size_t bp_batch_renew_every;

/** Parses "--shard" values "i/n" (0 <= i < n <= 100000). */
bool bp_batch_shard_parse(const char *s, int *index, int *count);

/** True when record `row` (0-based, in file order) belongs to shard i of n:
 * every n-th record starting with record i. */
bool bp_batch_in_shard(size_t row, int index, int count);

/** The ids and output file names of a batch's records, kept compactly
 * (one block of text and an offset a record) so that a batch need not
 * keep its records' fields. */
typedef struct bp_batch_names bp_batch_names;

/** Reads every record of rec (bp_records_read_row) for its id and its
 * file name (stem, no ".pdf"): the pattern ("{id}", "{iso2}-{name_en}";
 * NULL: "{id}") expanded with the record's fields and slugged (bp_slug, at
 * most 96 bytes); an empty result falls back to the id's slug, then
 * "record-N"; a name taken by an earlier record gets "-2", "-3"... So every
 * shard computes the same names. Fails as bp_records_read_row does. */
bp_status bp_batch_names_new(bp_ctx *ctx, const bp_records *rec, const char *pattern,
                             bp_batch_names **out);
/** Borrowed file name (stem) of record `row`. */
const char *bp_batch_names_file(const bp_batch_names *n, size_t row);
/** Borrowed id of record `row`. */
const char *bp_batch_names_id(const bp_batch_names *n, size_t row);
/** The bytes the names hold (their texts and offsets), for tests. */
size_t bp_batch_names_bytes(const bp_batch_names *n);
void bp_batch_names_free(bp_batch_names *n);

/** Checks a --name pattern before any file is named: every {field} in it
 * must be a column of rec; otherwise BP_ERR_USAGE with a message naming the
 * unknown field and listing the known ones. */
bp_status bp_batch_check_name_pattern(bp_ctx *ctx, const bp_records *rec, const char *pattern);

/** The entries of a previous manifest (its parsed JSON, read on a re-run) by
 * record id: id -> entry object, both borrowed from `root`; entries without a
 * string id are left out. NULL when `root` is not an object (no manifest).
 * Free the table with g_hash_table_destroy. */
GHashTable *bp_batch_manifest_entries(json_t *root);

/** True when the old manifest entry `e` still describes dir/file: it did not
 * fail, has the same content hash `hash` and file name, and the file on disk
 * has the size it records. */
bool bp_batch_manifest_entry_current(json_t *e, const char *hash, const char *file,
                                     const char *dir);

#endif
