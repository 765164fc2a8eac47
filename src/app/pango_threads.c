/* pango_threads.c - Pango's fontconfig questions answered in the thread that
 * asks them, in the briefpress executable only (as fc_sort.c: never in
 * libbriefpress, a program that links the library keeps its Pango as it is).
 * Pango 1.50 starts two threads for every new font pattern, "[pango]
 * FcFontSetMatch" and "[pango] FcFontSetSort", which match and sort the font
 * set and hand the result over under the pattern's mutex; the thread that
 * wants the fonts waits for them at once. A brief makes 43 patterns (each
 * style at each size the fit tries): 86 threads, each created, given a stack
 * and torn down by the kernel, about 5 ms of system time per document that
 * no instruction count shows, while fc_sort.c has made the work itself a
 * lookup. This g_thread_new takes GLib's place (ELF interposition): for
 * those two names, under Pango 1.50 (whose code this was read against: no
 * lock is held when it starts them), it runs the function to its end in the
 * calling thread and returns a new reference to the calling thread, which is
 * all Pango does with it (it unrefs it, never joins). The functions and
 * their inputs are the same, so the fonts are. Every other thread, and
 * every other Pango, is GLib's (dlsym(RTLD_NEXT)). -DBP_NO_INLINE_PANGO_THREADS
 * leaves GLib alone. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <glib.h>
#include <pango/pango.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#ifndef BP_NO_INLINE_PANGO_THREADS
typedef GThread *(*thread_new_fn)(const gchar *, GThreadFunc, gpointer);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static thread_new_fn real_thread_new;
static bool inline_ok; /* Pango 1.50, whose threads these are */

static void init(void) {
  real_thread_new = (thread_new_fn)dlsym(RTLD_NEXT, "g_thread_new");
  int v = pango_version();
  inline_ok = v >= PANGO_VERSION_ENCODE(1, 50, 0) && v < PANGO_VERSION_ENCODE(1, 51, 0);
}

/* Pango's threads that only answer a question: not "[pango] FcInit", which
 * Pango starts with its initialisation mutex held and which would wait for
 * that mutex itself. */
static bool answers_inline(const gchar *name) {
  return name &&
         (!strcmp(name, "[pango] FcFontSetMatch") || !strcmp(name, "[pango] FcFontSetSort"));
}

GThread *g_thread_new(const gchar *name, GThreadFunc func, gpointer data) {
  pthread_once(&once, init);
  if (inline_ok && answers_inline(name)) {
    func(data); /* its result is NULL: the answer goes through the pattern */
    return g_thread_ref(g_thread_self());
  }
  if (!real_thread_new) g_error("g_thread_new: GLib's own is not found");
  return real_thread_new(name, func, data);
}
#endif
