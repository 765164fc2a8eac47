/* main.c - the briefpress command line: dispatches subcommands to the
 * library. Holds no logic of its own beyond argument parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "app/cli.h"
#include "core/bp.h"
#include "core/outfile.h"
#include "layout/layout.h"

int main(int argc, char **argv) {
  /* Pango's fontconfig font map loads fontconfig's default configuration in
   * a thread of its own even though briefpress matches fonts only in its
   * private FcConfig; pointing the default at the project's small fonts.conf
   * saves the scan of the system's fonts. Output does not depend on it. */
  if (!getenv("FONTCONFIG_FILE")) {
    char conf[4096];
    snprintf(conf, sizeof conf, "%s/fonts.conf", bp_fontset_default_dir());
    if (access(conf, R_OK) == 0) setenv("FONTCONFIG_FILE", conf, 0);
  }
  /* SOURCE_DATE_EPOCH sets the PDF dates, not fontconfig's cache: with it
   * set, fontconfig 2.14.1 writes a cache stamped with its date, which it
   * then finds out of date against the font folder's time at every run
   * (13 % of a brief's instructions went to rescanning the fonts) */
  bp_source_date_epoch_hold();
  bp_outfile_handle_signals(); /* no temporary file outlives SIGINT or SIGTERM */
  return bp_cli_main(argc, argv);
}
