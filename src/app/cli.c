/* cli.c - subcommand dispatch and option parsing for `briefpress`. */
#include "app/cli.h"

#include <stdio.h>
#include <string.h>

static int usage(FILE *f) {
  fprintf(f, "usage: briefpress <command> [options]\n"
             "commands:\n"
             "  render <input> -o <out.pdf> [--png DIR] [--trace FILE]\n"
             "  check <folder>\n");
  return f == stderr ? 2 : 0;
}

int bp_cli_main(int argc, char **argv) {
  if (argc < 2) return usage(stderr);
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) return usage(stdout);
  fprintf(stderr, "briefpress: unknown command '%s'\n", argv[1]);
  return usage(stderr);
}
