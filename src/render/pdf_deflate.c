/* pdf_deflate.c - every Flate stream of a PDF compressed with libdeflate
 * (zlib format; level 6 for a document, 1 for a batch's profiles): the
 * fonts, maps and CMaps the device compresses itself (pdf.c) and the
 * streams libharu would have deflated at save
 * (pdf_save.c: page content, CIDSets, XMP, ICC profile, images). libharu
 * made a zlib stream for each (deflateInit: ~270 KB set up) and zlib's
 * level 6 took 2-4 times libdeflate's time for output of the same size or
 * smaller (bench figures in docs/performance.md, "Batch, sixth round").
 * Compressors are kept, with their level, for the next stream (any thread,
 * one at a time each). It knows nothing of PDF. */
#include "pdf-imp.h"

#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { KEPT = 8 }; /* compressors kept: more than the threads compressing at once */

typedef struct kept_one {
  struct libdeflate_compressor *c;
  int level;
} kept_one;

static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static kept_one kept[KEPT];
static size_t n_kept;

bool bp_pdf_deflate(const void *data, size_t len, int level, unsigned char **out, size_t *out_len) {
  struct libdeflate_compressor *c = NULL;
  pthread_mutex_lock(&kept_lock);
  for (size_t i = n_kept; i-- > 0 && !c;)
    if (kept[i].level == level) c = kept[i].c, kept[i] = kept[--n_kept];
  pthread_mutex_unlock(&kept_lock);
  if (!c && !(c = libdeflate_alloc_compressor(level))) return false;
  size_t cap = libdeflate_zlib_compress_bound(c, len);
  unsigned char *buf = bp_malloc(cap ? cap : 1);
  size_t n = libdeflate_zlib_compress(c, data, len, buf, cap);
  pthread_mutex_lock(&kept_lock);
  bool keep = n_kept < KEPT;
  if (keep) kept[n_kept++] = (kept_one){c, level};
  pthread_mutex_unlock(&kept_lock);
  if (!keep) libdeflate_free_compressor(c);
  if (!n) { /* cannot happen with the bound's room */
    free(buf);
    return false;
  }
  /* Callers keep some (a batch's cached subsets): in a block of their own
   * size, not at the head of the bound's (shrunk in place, it would hold
   * the rest of that room apart from the free space after it). */
  *out = bp_malloc(n);
  memcpy(*out, buf, n);
  free(buf);
  *out_len = n;
  return true;
}

/* At exit: nothing is left for leak checkers to report as still reachable. */
__attribute__((destructor)) static void drain(void) {
  pthread_mutex_lock(&kept_lock);
  while (n_kept) libdeflate_free_compressor(kept[--n_kept].c);
  pthread_mutex_unlock(&kept_lock);
}
