/* datadir.c - where the library finds the files it ships (its fonts and,
 * beside them, its templates: the house citation style) and its modules
 * (briefpress-mail.so for `newsletter`, briefpress-image.so for images).
 * Compiled once per library by CMakeLists.txt: for the build tree's library
 * (libbp.a: the tests and build/briefpress) BP_DATA_DIR is the source tree;
 * for the installed ones it is PREFIX/share/briefpress, found relative to
 * the installed file itself first (BP_DATA_FROM_LIB, BP_DATA_FROM_BIN), so
 * an installation moved elsewhere, staged with DESTDIR or made with
 * `cmake --install --prefix` still finds its fonts; the compiled-in
 * absolute folder is the fallback (a program that links libbriefpress.a
 * lives anywhere). */
#define _GNU_SOURCE
#include "bp.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef BP_DATA_DIR
#error "BP_DATA_DIR must be defined (CMakeLists.txt does)"
#endif

#if defined(BP_DATA_FROM_LIB) && defined(BP_DATA_FROM_BIN)
static char fonts_dir[4096] = BP_DATA_DIR "/fonts";
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* dir/rel/fonts, when it holds a MANIFEST.tsv */
static void try_beside(const char *file, const char *rel) {
  char *real = realpath(file, NULL);
  char *slash = real ? strrchr(real, '/') : NULL;
  if (slash) {
    *slash = '\0';
    char dir[4096], manifest[4200];
    snprintf(dir, sizeof dir, "%s/%s/fonts", real, rel);
    snprintf(manifest, sizeof manifest, "%s/MANIFEST.tsv", dir);
    if (access(manifest, R_OK) == 0) snprintf(fonts_dir, sizeof fonts_dir, "%s", dir);
  }
  free(real);
}

/* The shared library (PREFIX/LIBDIR/libbriefpress.so.N) or the program this
 * code is linked into (PREFIX/BINDIR/briefpress). */
static void locate(void) {
  Dl_info info;
  if (dladdr((void *)bp_data_fonts_dir, &info) && info.dli_fname && strstr(info.dli_fname, ".so"))
    try_beside(info.dli_fname, BP_DATA_FROM_LIB);
  else
    try_beside("/proc/self/exe", BP_DATA_FROM_BIN);
}

const char *bp_data_fonts_dir(void) {
  pthread_once(&once, locate);
  return fonts_dir;
}
#else
const char *bp_data_fonts_dir(void) { return BP_DATA_DIR "/fonts"; }
#endif

/* The templates sit beside the fonts: DATA/fonts, DATA/templates. */
static char templates_dir[4096];
static pthread_once_t templates_once = PTHREAD_ONCE_INIT;

static void beside(const char *fonts) {
  size_t n = strlen(fonts);
  if (n >= 6 && !strcmp(fonts + n - 6, "/fonts")) n -= 6;
  snprintf(templates_dir, sizeof templates_dir, "%.*s/templates", (int)n, fonts);
}

/* Beside $BRIEFPRESS_FONTS when it has them (a program linking the static
 * library, pointed at a moved installation), else beside the library's. */
static void locate_templates(void) {
  const char *env = getenv("BRIEFPRESS_FONTS");
  if (env && *env) beside(env);
  if (!env || !*env || access(templates_dir, R_OK)) beside(bp_data_fonts_dir());
}

const char *bp_data_templates_dir(void) {
  pthread_once(&templates_once, locate_templates);
  return templates_dir;
}

/* The modules (briefpress-mail.so, briefpress-image.so): installed, in
 * LIBDIR/briefpress, found beside the installed library (BP_MODULES_FROM_LIB,
 * relative to its folder) or program (BP_MODULES_FROM_BIN) when they are
 * there, else in the compiled-in folder. */
#ifndef BP_MODULE_DIR
#error "BP_MODULE_DIR must be defined (CMakeLists.txt does)"
#endif
#if defined(BP_MODULES_FROM_LIB) && defined(BP_MODULES_FROM_BIN)
static char module_dir[4096] = BP_MODULE_DIR;
static pthread_once_t module_once = PTHREAD_ONCE_INIT;

static void locate_modules(void) {
  Dl_info info;
  bool in_lib =
      dladdr((void *)bp_data_module_path, &info) && info.dli_fname && strstr(info.dli_fname, ".so");
  char *real = realpath(in_lib ? info.dli_fname : "/proc/self/exe", NULL);
  char *slash = real ? strrchr(real, '/') : NULL;
  if (slash) {
    char dir[4096], probe[4200];
    *slash = '\0';
    snprintf(dir, sizeof dir, "%s/%s", real, in_lib ? BP_MODULES_FROM_LIB : BP_MODULES_FROM_BIN);
    snprintf(probe, sizeof probe, "%s/briefpress-image.so", dir);
    if (access(probe, R_OK) == 0) snprintf(module_dir, sizeof module_dir, "%s", dir);
  }
  free(real);
}

char *bp_data_module_path(const char *file) {
  pthread_once(&module_once, locate_modules);
  bp_buf b = {0};
  bp_buf_printf(&b, "%s/%s", module_dir, file);
  return bp_buf_detach(&b);
}
#else
char *bp_data_module_path(const char *file) {
  bp_buf b = {0};
  bp_buf_printf(&b, "%s/%s", BP_MODULE_DIR, file);
  return bp_buf_detach(&b);
}
#endif
