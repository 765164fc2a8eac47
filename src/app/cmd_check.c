/* cmd_check.c - `briefpress check <folder|file>`: runs the data layer's
 * checks with the project's font set for character coverage and prints
 * every diagnostic compiler-style on stdout, then a summary line. Exit
 * status: 0 clean or warnings only, 1 any error, 2 usage. */
#include <stdio.h>
#include <string.h>

#include "data/data.h"
#include "layout/layout.h"

int bp_cmd_check(int argc, char **argv, const char *fonts_dir);

static bool fs_covers(void *ud, uint32_t cp) { return bp_fontset_covers(ud, cp); }

static int usage(FILE *f) {
  fprintf(f, "usage: briefpress check [--no-fonts] [--no-caret] <folder|file>\n");
  return 2;
}

int bp_cmd_check(int argc, char **argv, const char *fonts_dir) {
  const char *target = NULL;
  bool fonts = true, caret = true;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--no-fonts"))
      fonts = false;
    else if (!strcmp(argv[i], "--no-caret"))
      caret = false;
    else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      usage(stdout);
      return 0;
    } else if (argv[i][0] == '-' && argv[i][1]) {
      fprintf(stderr, "briefpress check: unknown option '%s'\n", argv[i]);
      return usage(stderr);
    } else if (target) {
      fprintf(stderr, "briefpress check: one folder at a time\n");
      return usage(stderr);
    } else
      target = argv[i];
  }
  if (!target) return usage(stderr);

  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_fontset *fs = NULL;
  bp_check_options opts = {0};
  if (fonts) {
    if (bp_fontset_open(&ctx, fonts_dir, &fs) == BP_OK) {
      opts.covers = fs_covers;
      opts.covers_ud = fs;
    } else {
      fprintf(stderr, "briefpress check: warning: %s (character coverage not checked)\n", ctx.msg);
      bp_ctx_clear(&ctx);
    }
  }
  bp_diag_list *dl = NULL;
  if (bp_check_folder(&ctx, target, &opts, &dl) != BP_OK) {
    fprintf(stderr, "briefpress check: %s\n", ctx.msg);
    bp_fontset_free(fs);
    return 1;
  }
  bp_diag_print(dl, stdout, caret);
  printf("%s: %zu error%s, %zu warning%s\n", target, dl->n_errors, dl->n_errors == 1 ? "" : "s",
         dl->n_warnings, dl->n_warnings == 1 ? "" : "s");
  fflush(stdout);
  int rc = dl->n_errors ? 1 : 0;
  bp_diag_list_free(dl);
  bp_fontset_free(fs);
  return rc;
}
