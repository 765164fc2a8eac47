/* fonts_fixture.h - the cmocka group fixture the layout-level unit tests
 * share: the project's font set (fonts/, the tests run from the source
 * tree) and a typesetter over it, opened once per group. Include after
 * cmocka.h and the layout headers. */
#ifndef BP_FONTS_FIXTURE_H
#define BP_FONTS_FIXTURE_H

#include <stdio.h>

#include "assert_ok.h"
#include "layout/layout.h"

static bp_fontset *fs;
static bp_typesetter *ts;

static int setup(void **state) {
  (void)state;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  if (bp_fontset_open(&ctx, "fonts", &fs) || bp_typesetter_new(&ctx, fs, &ts)) {
    fprintf(stderr, "%s\n", ctx.msg);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  bp_typesetter_free(ts);
  bp_fontset_free(fs);
  return 0;
}

#endif
