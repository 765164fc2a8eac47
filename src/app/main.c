/* main.c - the briefpress command line: dispatches subcommands to the
 * library. Holds no logic of its own beyond argument parsing and the
 * process's environment (fontconfig's file, the cache folder, malloc's
 * heap). */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

/* A command that makes one document spent a third of its CPU time on first
 * touches of memory, where a page fault is dear (a virtual machine: ~2,000
 * faults of ~11-14 us each for the sample brief), most of them the main
 * thread's heap growing 132 KB at a time. Kept 8 MB ahead of its top
 * (M_TOP_PAD) and advised into transparent huge pages from its first 2 MB
 * boundary, the heap faults 2 MB at a time, as glibc's
 * glibc.malloc.hugetlb=1 tunable would do (which only a new process's
 * environment can set): the sample brief's faults 2,020 -> ~690, peak RSS
 * 1-2 MB more (docs/performance.md). The heap grown here is advised once;
 * what it grows past that later gets small pages. Not for batch and watch:
 * their records are laid out by threads with heaps of their own, and huge
 * pages cost a batch more than they saved (measured). A user's
 * GLIBC_TUNABLES decide instead. Output does not depend on it. */
static void *heap_filler; /* kept, never touched: see heap_in_huge_pages */

static void heap_in_huge_pages(void) {
#if defined(__GLIBC__) && defined(M_TOP_PAD) && defined(MADV_HUGEPAGE)
  if (getenv("GLIBC_TUNABLES")) return;
  const uintptr_t huge = 2u << 20;
  /* a fixed mmap threshold: setting the pad turns glibc's moving one off,
   * and blocks of 128 KB to 1 MB would be mapped and faulted afresh; raised
   * for the filler below, which may be up to 2 MB */
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TOP_PAD, 8 << 20);
  /* Only whole 2 MB pages can be huge, and the heap starts anywhere: its
   * first blocks (the hyphenation dictionary's half megabyte) faulted 4 KB
   * at a time. A block from the top chunk's start to just short of the next
   * 2 MB boundary is taken and kept, never touched (only its header is
   * written), so the next block's data starts on the boundary; taking it
   * grows the heap by the pad as well. Nothing may be written past the
   * boundary before the advice (a page written first stays small): the top
   * chunk's header, which glibc writes after the block, sits in the 16
   * bytes before it. The top chunk ends at the break, keepcost its size. */
  const size_t hdr = 2 * sizeof(size_t); /* a chunk's header in glibc */
  char *before = sbrk(0);
  struct mallinfo2 mi = mallinfo2();
  uintptr_t top = (uintptr_t)before - mi.keepcost;
  uintptr_t from = (top + 4 * hdr + huge - 1) & ~(huge - 1);
  heap_filler = before != (char *)-1 ? malloc(from - hdr - top - sizeof(size_t)) : NULL;
  char *after = sbrk(0);
  if (heap_filler && (uintptr_t)heap_filler - hdr == top && after > (char *)from) {
    (void)madvise((void *)from, (uintptr_t)after - from, MADV_HUGEPAGE); /* advice only */
  } else {
    free(heap_filler); /* not from the top chunk (a sanitizer's allocator) */
    heap_filler = NULL;
  }
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
}

/* The command a command line runs (its first operand after the global
 * options, which take a value only as --fonts DIR), or "". */
static const char *command_of(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--fonts")) {
      i++;
      continue;
    }
    if (!strcmp(argv[i], "--")) return i + 1 < argc ? argv[i + 1] : "";
    if (argv[i][0] != '-') return argv[i];
  }
  return "";
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
  const char *cmd = command_of(argc, argv);
  if (strcmp(cmd, "batch") && strcmp(cmd, "watch")) heap_in_huge_pages();
  /* SOURCE_DATE_EPOCH sets the PDF dates, not fontconfig's cache: with it
   * set, fontconfig 2.14.1 writes a cache stamped with its date, which it
   * then finds out of date against the font folder's time at every run
   * (13 % of a brief's instructions went to rescanning the fonts) */
  bp_source_date_epoch_hold();
  bp_outfile_handle_signals(); /* no temporary file outlives SIGINT or SIGTERM */
  return bp_cli_main(argc, argv);
}
