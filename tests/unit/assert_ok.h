/* assert_ok.h - a cmocka assert for calls that return bp_status: on failure
 * it prints the call and the context's message, not only two numbers.
 * Include after cmocka.h. */
#ifndef BP_ASSERT_OK_H
#define BP_ASSERT_OK_H

#include "core/bp.h"

/* Asserts that `call` returns BP_OK; on failure prints the call and the
 * context's message, not only the numbers. */
#define assert_ok(call, ctxp)                                                                      \
  do {                                                                                             \
    bp_status st_ = (call);                                                                        \
    if (st_ != BP_OK) fail_msg("%s: status %d: %s", #call, st_, (ctxp)->msg);                      \
  } while (0)

/* Asserts that the context's message contains `part` (string.h needed). */
#define ASSERT_MSG(ctx, part)                                                                      \
  do {                                                                                             \
    if (!strstr((ctx).msg, (part))) fail_msg("message '%s' lacks '%s'", (ctx).msg, (part));        \
  } while (0)

#endif
