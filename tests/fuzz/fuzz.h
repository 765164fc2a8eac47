/* fuzz.h - what the fuzz targets share (header only; each target is one
 * fuzz_*.c plus this, included first): a private temporary folder per
 * process, in /dev/shm when there is one (a tmpfs), removed at exit, for the
 * loaders that read files by path, and a small valid data folder in it. The
 * targets write nothing outside that folder. */
#ifndef BP_FUZZ_H
#define BP_FUZZ_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/bp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir_path[256];

static inline int fuzz_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb, (void)flag, (void)ftw;
  remove(path);
  return 0;
}

static inline void fuzz_dir_remove(void) {
  if (fuzz_dir_path[0]) nftw(fuzz_dir_path, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The process's temporary folder (made at the first call). */
static inline const char *fuzz_dir(void) {
  if (fuzz_dir_path[0]) return fuzz_dir_path;
  struct stat sb;
  const char *base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode) && !access("/dev/shm", W_OK)
                         ? "/dev/shm"
                         : (getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/briefpress-fuzz-XXXXXX", base);
  if (!mkdtemp(fuzz_dir_path)) {
    perror(fuzz_dir_path);
    abort();
  }
  atexit(fuzz_dir_remove);
  return fuzz_dir_path;
}

/* dir/rel, owned by the caller. */
static inline char *fuzz_path(const char *rel) {
  bp_buf b = {0};
  bp_buf_printf(&b, "%s/%s", fuzz_dir(), rel);
  return bp_buf_detach(&b);
}

static inline void fuzz_mkdir(const char *rel) {
  char *p = fuzz_path(rel);
  if (mkdir(p, 0700) != 0 && access(p, F_OK) != 0) {
    perror(p);
    abort();
  }
  free(p);
}

/* Writes data into dir/rel (replacing it); returns the path (owned). */
static inline char *fuzz_put(const char *rel, const void *data, size_t len) {
  char *p = fuzz_path(rel);
  FILE *f = fopen(p, "wb");
  if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
    perror(p);
    abort();
  }
  return p;
}

static inline char *fuzz_put_str(const char *rel, const char *text) {
  return fuzz_put(rel, text, strlen(text));
}

/* With FUZZ_VERBOSE set in the environment, says what the loader made of
 * the input (for checking that seeds reach what they are meant to). */
static inline void fuzz_report(const bp_ctx *ctx) {
  if (getenv("FUZZ_VERBOSE")) fprintf(stderr, "fuzz: %s\n", ctx->status ? ctx->msg : "loaded");
}

/* A small valid data folder in the temporary folder (made once): two
 * sources, one claim citing one of them, one series with its metadata, an
 * article body, and an empty briefs/, for the targets whose input names such
 * files (briefs, articles). Returns the folder. */
static inline const char *fuzz_dataset(void) {
  static int done;
  if (done++) return fuzz_dir();
  const char *dirs[] = {"citations", "claims", "series", "articles", "briefs"};
  for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) fuzz_mkdir(dirs[i]);
  const char *files[][2] = {
      {"citations/c.json",
       "[{\"id\": \"src_a\", \"type\": \"report\", \"title\": \"A report\",\n"
       "  \"issued\": {\"date-parts\": [[2023, 5]]}, \"URL\": \"https://example.org/a\"},\n"
       " {\"id\": \"src_b\", \"type\": \"book\", \"title\": \"B\", \"original-title\": "
       "\"\xEB\xB6\x81\",\n  \"issued\": {\"date-parts\": [[2020]]}}]\n"},
      {"claims/k.json",
       "[{\"id\": \"claim-one\", \"text\": \"One *claim* [@src_a].\",\n"
       "  \"cites\": [\"src_a\"], \"date\": \"2023-06\", \"countries\": [\"KP\"]}]\n"},
      {"series/s.csv", "year,value,source_id\n2020,1,src_b\n2021,2.5,src_b\n2022,,src_b\n"},
      {"series/s.json", "{\"title\": \"S\", \"unit\": \"u\", \"source\": \"src_b\"}\n"},
      {"articles/a.md", "# Head\n\nText [@src_a], more [@src_b; @src_a].\n"},
  };
  for (size_t i = 0; i < sizeof files / sizeof *files; i++)
    free(fuzz_put_str(files[i][0], files[i][1]));
  return fuzz_dir();
}

#endif
