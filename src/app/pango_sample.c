/* pango_sample.c - a short sample text for Pango's font metrics, in the
 * briefpress executable only (as fc_sort.c: never in libbriefpress). For
 * every font at every size, pangocairo measures its approximate character
 * width by laying out the language's sample sentence ("The quick brown
 * fox...") in a layout of its own; Pango 1.50 asks for a font's metrics in
 * every layout (the lines' heights), so each size the fit tries paid for
 * one sentence per font and language: 58 layouts, 9 % of a brief's
 * instructions. Nothing here reads that approximate width (our lines are on
 * a grid of our own, and the ascent, descent and height pangocairo gives do
 * not come from the sample), so the sample pangocairo is given is the first
 * character of the language's own, one string per language as Pango's are
 * (pangocairo keeps a font's metrics per sample string). The definition in
 * the executable takes the place of Pango's (ELF interposition); the real
 * one is reached through dlsym(RTLD_NEXT). -DBP_NO_PANGO_SAMPLE leaves Pango
 * alone. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pango/pango.h>
#include <pthread.h>
#include <string.h>

#ifndef BP_NO_PANGO_SAMPLE
enum { MAX_SAMPLES = 16, SAMPLE_BYTES = 8 };

typedef const char *(*sample_fn)(PangoLanguage *);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static sample_fn real_sample;
static struct {
  const char *real;
  char first[SAMPLE_BYTES];
} samples[MAX_SAMPLES];
static int n_samples;

static void find_real(void) {
  real_sample = (sample_fn)dlsym(RTLD_NEXT, "pango_language_get_sample_string");
}

const char *pango_language_get_sample_string(PangoLanguage *language) {
  pthread_once(&once, find_real);
  const char *real = real_sample(language);
  const char *out = real;
  pthread_mutex_lock(&lock);
  int i = 0;
  while (i < n_samples && samples[i].real != real) i++;
  if (i == n_samples && n_samples < MAX_SAMPLES && real && *real) {
    const char *next = g_utf8_next_char(real);
    size_t n = (size_t)(next - real);
    if (n < SAMPLE_BYTES && !g_unichar_iszerowidth(g_utf8_get_char(real))) {
      samples[i].real = real;
      memcpy(samples[i].first, real, n);
      n_samples++;
    }
  }
  if (i < n_samples) out = samples[i].first;
  pthread_mutex_unlock(&lock);
  return out;
}
#endif
