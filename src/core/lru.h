/* lru.h - a map from strings to values that keeps what was used last: it
 * holds at most a given cost (bytes, entries: the caller's unit) and drops
 * the least recently used entries beyond it. Not thread-safe: a caller that
 * shares one guards it. */
#ifndef BP_LRU_H
#define BP_LRU_H

#include <stddef.h>

typedef struct bp_lru bp_lru;

/** A new, empty map that holds at most `max_cost`; `drop` frees a value
 * when its entry goes (evicted, or the map freed; may be NULL). */
bp_lru *bp_lru_new(size_t max_cost, void (*drop)(void *value));
/** Frees the map and drops every value (NULL is fine). */
void bp_lru_free(bp_lru *m);
/** The value under `key` (borrowed: valid until the next insert or free),
 * now the most recently used; NULL when there is none. */
void *bp_lru_lookup(bp_lru *m, const char *key);
/** Adds `value` under `key` (taken: freed with free()), the most recently
 * used, then drops the least recently used others until the total cost is
 * within the bound (the new entry stays even when its cost alone exceeds
 * it). The key must not be in the map already. */
void bp_lru_insert(bp_lru *m, char *key, void *value, size_t cost);
/** The total cost held and the number of entries (either may be NULL). */
void bp_lru_size(const bp_lru *m, size_t *cost, size_t *entries);

#endif
