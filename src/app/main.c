/* main.c - the briefpress command line: dispatches subcommands to the
 * library. Holds no logic of its own beyond argument parsing. */
#include <stdio.h>
#include <string.h>

#include "app/cli.h"

int main(int argc, char **argv) { return bp_cli_main(argc, argv); }
