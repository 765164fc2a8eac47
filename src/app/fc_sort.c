/* fc_sort.c - fontconfig's sort and match remembered for the process, in
 * the briefpress executable only (as hpdf_mem.c: never in libbriefpress, a
 * program that links the library keeps its fontconfig as it is). Pango asks
 * fontconfig to sort every font against each new pattern (FcFontSetSort) and
 * to match it (FcFontSetMatch), and a pattern names the size: every size the
 * fit tries is a new sort of the whole font set, 130 per brief (10 % of its
 * instructions). Our fonts are scalable and name no size, so the order and
 * the best font do not depend on it: both are kept per pattern without its
 * size (and per configuration and font set), and a match is still prepared
 * for the pattern asked (FcFontRenderPrepare, as fontconfig does), so
 * results are the same as fontconfig's. Pango hands fontconfig a new copy of
 * its font set every time (the same fonts, referenced): a set is known by
 * the fonts it holds, in order. These definitions in the executable take
 * the place of fontconfig's (ELF interposition); the real ones are reached
 * through dlsym(RTLD_NEXT). Thread-safe (batch renders in threads, and
 * Pango 1.50 starts a thread per new pattern to match and sort, unless
 * pango_threads.c runs them inline); at most MAX_ENTRIES answers are kept.
 * -DBP_NO_FC_SORT_CACHE leaves fontconfig alone. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fontconfig/fontconfig.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#ifndef BP_NO_FC_SORT_CACHE
typedef FcFontSet *(*sort_fn)(FcConfig *, FcFontSet **, int, FcPattern *, FcBool, FcCharSet **,
                              FcResult *);
typedef FcPattern *(*match_fn)(FcConfig *, FcFontSet **, int, FcPattern *, FcResult *);

enum { MAX_ENTRIES = 512 };

/* One remembered answer: the question (configuration, the fonts of the one
 * font set, trim, the pattern without its size) and the sorted fonts or the
 * best one. */
typedef struct entry {
  bool is_sort;
  FcConfig *config;
  FcFontSet *fonts; /* owned copy, fonts referenced (no other font can take their address) */
  FcBool trim;
  FcPattern *key; /* owned */
  unsigned hash;
  FcFontSet *sorted; /* owned; fonts referenced */
  FcPattern *best;   /* referenced */
  FcResult result;
} entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry entries[MAX_ENTRIES];
static int n_entries;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static sort_fn real_sort;
static match_fn real_match;

static void entry_clear(entry *e);

/* At exit: what is kept is freed, or valgrind reports the keys' elements
 * (fontconfig points to them by offset, which it cannot follow) as lost. */
static void clear_all(void) {
  pthread_mutex_lock(&lock);
  while (n_entries) entry_clear(&entries[--n_entries]);
  pthread_mutex_unlock(&lock);
}

static void find_real(void) {
  real_sort = (sort_fn)dlsym(RTLD_NEXT, "FcFontSetSort");
  real_match = (match_fn)dlsym(RTLD_NEXT, "FcFontSetMatch");
  atexit(clear_all);
}

/* The pattern without the objects that name the size. NULL when out of
 * memory (then nothing is remembered). */
static FcPattern *key_of(FcPattern *p) {
  FcPattern *k = FcPatternDuplicate(p);
  if (k) {
    FcPatternDel(k, FC_SIZE);
    FcPatternDel(k, FC_PIXEL_SIZE);
  }
  return k;
}

/* A copy the caller owns (FcFontSetDestroy), fonts referenced. */
static FcFontSet *copy_set(const FcFontSet *from) {
  FcFontSet *out = FcFontSetCreate();
  for (int i = 0; out && i < from->nfont; i++) {
    FcPatternReference(from->fonts[i]);
    if (!FcFontSetAdd(out, from->fonts[i])) {
      FcPatternDestroy(from->fonts[i]);
      FcFontSetDestroy(out);
      return NULL;
    }
  }
  return out;
}

static void entry_clear(entry *e) {
  FcPatternDestroy(e->key);
  FcFontSetDestroy(e->fonts);
  if (e->sorted) FcFontSetDestroy(e->sorted);
  if (e->best) FcPatternDestroy(e->best);
  *e = (entry){0};
}

static bool same_fonts(const FcFontSet *a, const FcFontSet *b) {
  return a->nfont == b->nfont &&
         (!a->nfont || !memcmp(a->fonts, b->fonts, (size_t)a->nfont * sizeof *a->fonts));
}

/* The entry for this question, or NULL; under the lock. */
static entry *find(bool is_sort, FcConfig *config, const FcFontSet *fonts, FcBool trim,
                   FcPattern *key, unsigned hash) {
  for (int i = 0; i < n_entries; i++) {
    entry *e = &entries[i];
    if (e->is_sort == is_sort && e->hash == hash && e->config == config && e->trim == trim &&
        same_fonts(e->fonts, fonts) && FcPatternEqual(e->key, key))
      return e;
  }
  return NULL;
}

/* Keeps `e` (taking what it owns); drops it when an equal entry came first.
 * A full table is emptied first: the memory stays bounded. */
static void keep(entry *e) {
  pthread_mutex_lock(&lock);
  if (find(e->is_sort, e->config, e->fonts, e->trim, e->key, e->hash)) {
    pthread_mutex_unlock(&lock);
    entry_clear(e);
    return;
  }
  if (n_entries == MAX_ENTRIES)
    while (n_entries) entry_clear(&entries[--n_entries]);
  entries[n_entries++] = *e;
  pthread_mutex_unlock(&lock);
}

/* One set (as Pango asks) whose fonts name no size (none of ours does: a
 * font with an optical size range would) can be answered for another size. */
static bool cacheable(FcConfig *config, FcFontSet **sets, int nsets) {
  if (!config || !sets || nsets != 1 || !sets[0]) return false;
  FcValue v;
  for (int i = 0; i < sets[0]->nfont; i++)
    if (FcPatternGet(sets[0]->fonts[i], FC_SIZE, 0, &v) == FcResultMatch ||
        FcPatternGet(sets[0]->fonts[i], FC_PIXEL_SIZE, 0, &v) == FcResultMatch)
      return false;
  return true;
}

FcFontSet *FcFontSetSort(FcConfig *config, FcFontSet **sets, int nsets, FcPattern *p, FcBool trim,
                         FcCharSet **csp, FcResult *result) {
  pthread_once(&once, find_real);
  FcPattern *key = csp || !cacheable(config, sets, nsets) ? NULL : key_of(p);
  if (!key) return real_sort(config, sets, nsets, p, trim, csp, result);
  unsigned hash = (unsigned)FcPatternHash(key);
  pthread_mutex_lock(&lock);
  entry *e = find(true, config, sets[0], trim, key, hash);
  FcFontSet *out = e ? copy_set(e->sorted) : NULL;
  FcResult r = e ? e->result : FcResultNoMatch;
  pthread_mutex_unlock(&lock);
  if (out) {
    FcPatternDestroy(key);
    *result = r;
    return out;
  }
  out = real_sort(config, sets, nsets, p, trim, csp, result);
  FcFontSet *sorted = out ? copy_set(out) : NULL, *fonts = sorted ? copy_set(sets[0]) : NULL;
  if (!fonts) {
    if (sorted) FcFontSetDestroy(sorted);
    FcPatternDestroy(key);
    return out;
  }
  entry n = {.is_sort = true,
             .config = config,
             .fonts = fonts,
             .trim = trim,
             .key = key,
             .hash = hash,
             .sorted = sorted,
             .result = *result};
  keep(&n);
  return out;
}

/* The font of the set that `prepared` (a match's result) was made from:
 * the one with its file and index; NULL unless exactly one. */
static FcPattern *font_of(const FcFontSet *set, FcPattern *prepared) {
  FcChar8 *file = NULL;
  int index = 0;
  if (FcPatternGetString(prepared, FC_FILE, 0, &file) != FcResultMatch) return NULL;
  FcPatternGetInteger(prepared, FC_INDEX, 0, &index);
  FcPattern *found = NULL;
  for (int i = 0; i < set->nfont; i++) {
    FcChar8 *f = NULL;
    int fi = 0;
    if (FcPatternGetString(set->fonts[i], FC_FILE, 0, &f) != FcResultMatch) continue;
    FcPatternGetInteger(set->fonts[i], FC_INDEX, 0, &fi);
    if (fi == index && FcStrCmp(f, file) == 0) {
      if (found) return NULL;
      found = set->fonts[i];
    }
  }
  return found;
}

FcPattern *FcFontSetMatch(FcConfig *config, FcFontSet **sets, int nsets, FcPattern *p,
                          FcResult *result) {
  pthread_once(&once, find_real);
  FcPattern *key = cacheable(config, sets, nsets) ? key_of(p) : NULL;
  if (!key) return real_match(config, sets, nsets, p, result);
  unsigned hash = (unsigned)FcPatternHash(key);
  pthread_mutex_lock(&lock);
  entry *e = find(false, config, sets[0], FcFalse, key, hash);
  FcPattern *best = e ? e->best : NULL;
  FcResult r = e ? e->result : FcResultNoMatch;
  if (best) FcPatternReference(best);
  pthread_mutex_unlock(&lock);
  if (best) { /* what FcFontSetMatch does with the best font */
    FcPatternDestroy(key);
    *result = r;
    FcPattern *out = FcFontRenderPrepare(config, p, best);
    FcPatternDestroy(best);
    return out;
  }
  FcPattern *out = real_match(config, sets, nsets, p, result);
  best = out ? font_of(sets[0], out) : NULL;
  FcFontSet *fonts = best ? copy_set(sets[0]) : NULL;
  if (!fonts) {
    FcPatternDestroy(key);
    return out;
  }
  FcPatternReference(best);
  entry n = {
      .config = config, .fonts = fonts, .key = key, .hash = hash, .best = best, .result = *result};
  keep(&n);
  return out;
}
#endif
