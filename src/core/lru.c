/* lru.c - a string-keyed map bounded by cost, least recently used out
 * first (lru.h): a GHashTable for the lookup and a doubly linked list of
 * the entries, the most recent at its head. Knows nothing of what the
 * values are; the composer's piece cache and the typesetter's shaping
 * cache use it. */
#include "lru.h"

#include <glib.h>
#include <stdlib.h>

#include "bp.h"

typedef struct entry {
  char *key; /* owned; also the hash table's key */
  void *value;
  size_t cost;
  struct entry *newer, *older;
} entry;

struct bp_lru {
  GHashTable *map; /* key -> entry (owned) */
  entry *newest, *oldest;
  size_t cost, max_cost;
  void (*drop)(void *value);
};

static void unlink_entry(bp_lru *m, entry *e) {
  if (e->newer)
    e->newer->older = e->older;
  else
    m->newest = e->older;
  if (e->older)
    e->older->newer = e->newer;
  else
    m->oldest = e->newer;
  e->newer = e->older = NULL;
}

static void push_newest(bp_lru *m, entry *e) {
  e->older = m->newest;
  if (m->newest) m->newest->newer = e;
  m->newest = e;
  if (!m->oldest) m->oldest = e;
}

static void entry_free(bp_lru *m, entry *e) {
  if (m->drop) m->drop(e->value);
  free(e->key);
  free(e);
}

bp_lru *bp_lru_new(size_t max_cost, void (*drop)(void *value)) {
  bp_lru *m = bp_calloc(1, sizeof *m);
  m->map = g_hash_table_new(g_str_hash, g_str_equal);
  m->max_cost = max_cost;
  m->drop = drop;
  return m;
}

void bp_lru_free(bp_lru *m) {
  if (!m) return;
  for (entry *e = m->newest, *next; e; e = next) {
    next = e->older;
    entry_free(m, e);
  }
  g_hash_table_destroy(m->map);
  free(m);
}

void *bp_lru_lookup(bp_lru *m, const char *key) {
  entry *e = g_hash_table_lookup(m->map, key);
  if (!e) return NULL;
  unlink_entry(m, e);
  push_newest(m, e);
  return e->value;
}

void bp_lru_insert(bp_lru *m, char *key, void *value, size_t cost) {
  entry *e = bp_calloc(1, sizeof *e);
  e->key = key;
  e->value = value;
  e->cost = cost;
  g_hash_table_insert(m->map, key, e);
  push_newest(m, e);
  m->cost += cost;
  while (m->cost > m->max_cost && m->oldest != e) {
    entry *old = m->oldest;
    unlink_entry(m, old);
    m->cost -= old->cost;
    g_hash_table_remove(m->map, old->key);
    entry_free(m, old);
  }
}

void bp_lru_size(const bp_lru *m, size_t *cost, size_t *entries) {
  if (cost) *cost = m->cost;
  if (entries) *entries = g_hash_table_size(m->map);
}
