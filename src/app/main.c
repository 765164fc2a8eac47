/* main.c - the briefpress command line: dispatches subcommands to the
 * library. Holds no logic of its own beyond argument parsing and the
 * process's environment (fontconfig's file, the cache folder). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/cli.h"
#include "core/bp.h"
#include "core/outfile.h"
#include "layout/layout.h"

/* The user's cache folder ($XDG_CACHE_HOME, else ~/.cache) keeps
 * fontconfig's cache of the fonts and, when the fonts folder is read-only,
 * their checksums (src/layout/fontset.c). A user who has none that can be
 * written (a service account whose HOME is not its own) gets a private one,
 * $TMPDIR/briefpress-UID (/tmp without TMPDIR), used only when it is a
 * folder (not a link) of the user's own that no one else may write: a cache
 * someone else could write or plant would be read as ours. Without it every
 * start would rescan and rehash the fonts, and fontconfig print "No
 * writable cache directories". Before any thread: it sets the environment. */
static void cache_home_fallback(void) {
  char *dir = bp_user_cache_dir();
  bp_ctx ignore;
  bp_ctx_init(&ignore);
  /* the usual case in one call: the folder is there and ours to write */
  bool usable = dir && (access(dir, W_OK | X_OK) == 0 ||
                        (!bp_mkdir_p(&ignore, dir, NULL) && access(dir, W_OK | X_OK) == 0));
  free(dir);
  if (usable) return;
  const char *tmp = getenv("TMPDIR");
  char own[4096];
  snprintf(own, sizeof own, "%s/briefpress-%lu", tmp && tmp[0] == '/' ? tmp : "/tmp",
           (unsigned long)geteuid());
  struct stat st;
  if ((mkdir(own, 0700) == 0 || errno == EEXIST) && lstat(own, &st) == 0 && S_ISDIR(st.st_mode) &&
      st.st_uid == geteuid() && (st.st_mode & 022) == 0)
    setenv("XDG_CACHE_HOME", own, 1);
}

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
  cache_home_fallback();
  /* SOURCE_DATE_EPOCH sets the PDF dates, not fontconfig's cache: with it
   * set, fontconfig 2.14.1 writes a cache stamped with its date, which it
   * then finds out of date against the font folder's time at every run
   * (13 % of a brief's instructions went to rescanning the fonts) */
  bp_source_date_epoch_hold();
  bp_outfile_handle_signals(); /* no temporary file outlives SIGINT or SIGTERM */
  return bp_cli_main(argc, argv);
}
