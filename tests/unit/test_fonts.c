/* test_fonts.c - the font set (src/layout/fontset.c) as the batch workers
 * use it: opened by several threads at once while another thread of the
 * process uses strtok (whose hidden position the manifest check once
 * shared). Runs from the source tree (fonts/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout/layout.h"

#define OPENERS 3
#define OPENS_EACH 6

typedef struct race {
  int stop;     /* atomic */
  int failures; /* atomic */
  char first_error[sizeof((bp_ctx *)0)->msg];
  pthread_mutex_t lock;
} race;

/* Another part of the process that uses strtok, as any library may. */
static void *strtok_user(void *arg) {
  race *r = arg;
  while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
    char text[] = "not\na\nmanifest\nline\n";
    for (char *t = strtok(text, "\n"); t; t = strtok(NULL, "\n")) (void)t;
  }
  return NULL;
}

static void *opener(void *arg) {
  race *r = arg;
  for (int i = 0; i < OPENS_EACH; i++) {
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    bp_fontset *fs = NULL;
    if (bp_fontset_open(&ctx, "fonts", &fs)) {
      pthread_mutex_lock(&r->lock);
      if (!r->failures) snprintf(r->first_error, sizeof r->first_error, "%s", ctx.msg);
      r->failures++;
      pthread_mutex_unlock(&r->lock);
    }
    bp_fontset_free(fs);
  }
  return NULL;
}

/* Every open succeeds although other threads open the set at the same time
 * and one more thread keeps calling strtok. */
static void test_open_in_threads(void **state) {
  (void)state;
  race r = {0};
  pthread_mutex_init(&r.lock, NULL);
  pthread_t tok, th[OPENERS];
  assert_int_equal(pthread_create(&tok, NULL, strtok_user, &r), 0);
  for (int i = 0; i < OPENERS; i++) assert_int_equal(pthread_create(&th[i], NULL, opener, &r), 0);
  for (int i = 0; i < OPENERS; i++) pthread_join(th[i], NULL);
  __atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
  pthread_join(tok, NULL);
  pthread_mutex_destroy(&r.lock);
  if (r.failures)
    fail_msg("%d of %d opens failed; first: %s", r.failures, OPENERS * OPENS_EACH, r.first_error);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_open_in_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
