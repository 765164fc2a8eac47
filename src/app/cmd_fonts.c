/* cmd_fonts.c - `briefpress fonts [DIR]`: the font set (each face's file,
 * family, style and its coverage of the Unicode blocks a brief meets, from
 * fontconfig's charsets), and with DIR what the folder's text needs: the
 * characters beyond ASCII it uses, block by block, and each one no face
 * has, with its code point and every place it occurs (file:line:col).
 * Reads only; exit 1 when the text needs a character no font has. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <glib.h>

#include "app/cli.h"
#include "data/data.h"
#include "layout/layout.h"

int bp_cmd_fonts(int argc, char **argv);

/* The Unicode blocks a brief's text is likely to use, in code point order. */
static const struct block {
  const char *name;
  uint32_t first, last;
} BLOCKS[] = {
    {"Basic Latin", 0x20, 0x7E},
    {"Latin-1 Supplement", 0xA0, 0xFF},
    {"Latin Extended-A", 0x100, 0x17F},
    {"Latin Extended-B", 0x180, 0x24F},
    {"IPA Extensions", 0x250, 0x2AF},
    {"Spacing Modifier Letters", 0x2B0, 0x2FF},
    {"Combining Diacritical Marks", 0x300, 0x36F},
    {"Greek and Coptic", 0x370, 0x3FF},
    {"Cyrillic", 0x400, 0x4FF},
    {"Hangul Jamo", 0x1100, 0x11FF},
    {"Latin Extended Additional", 0x1E00, 0x1EFF},
    {"General Punctuation", 0x2000, 0x206F},
    {"Superscripts and Subscripts", 0x2070, 0x209F},
    {"Currency Symbols", 0x20A0, 0x20CF},
    {"Letterlike Symbols", 0x2100, 0x214F},
    {"Number Forms", 0x2150, 0x218F},
    {"Arrows", 0x2190, 0x21FF},
    {"Mathematical Operators", 0x2200, 0x22FF},
    {"Miscellaneous Technical", 0x2300, 0x23FF},
    {"Enclosed Alphanumerics", 0x2460, 0x24FF},
    {"Box Drawing", 0x2500, 0x257F},
    {"Geometric Shapes", 0x25A0, 0x25FF},
    {"Miscellaneous Symbols", 0x2600, 0x26FF},
    {"Dingbats", 0x2700, 0x27BF},
    {"CJK Symbols and Punctuation", 0x3000, 0x303F},
    {"Hiragana", 0x3040, 0x309F},
    {"Katakana", 0x30A0, 0x30FF},
    {"Hangul Compatibility Jamo", 0x3130, 0x318F},
    {"Enclosed CJK Letters and Months", 0x3200, 0x32FF},
    {"CJK Unified Ideographs (Hanja)", 0x4E00, 0x9FFF},
    {"Hangul Syllables", 0xAC00, 0xD7A3},
    {"CJK Compatibility Ideographs", 0xF900, 0xFAFF},
    {"Halfwidth and Fullwidth Forms", 0xFF00, 0xFFEF},
};
#define N_BLOCKS (sizeof BLOCKS / sizeof *BLOCKS)

static const struct block *block_of(uint32_t cp) {
  for (size_t b = 0; b < N_BLOCKS; b++)
    if (cp >= BLOCKS[b].first && cp <= BLOCKS[b].last) return &BLOCKS[b];
  return NULL;
}

/* The characters GLib's Unicode tables assign in a block. */
static size_t block_assigned(const struct block *b) {
  size_t n = 0;
  for (uint32_t cp = b->first; cp <= b->last; cp++)
    n += g_unichar_type(cp) != G_UNICODE_UNASSIGNED ? 1 : 0;
  return n;
}

static void print_coverage(const bp_fontset *fs, size_t face, const size_t *assigned,
                           bool all_blocks) {
  for (size_t b = 0; b < N_BLOCKS; b++) {
    size_t have = bp_fontset_face_count(fs, face, BLOCKS[b].first, BLOCKS[b].last);
    if (!have && !all_blocks) continue;
    printf("    %-32s %5zu of %5zu  %3.0f%%\n", BLOCKS[b].name, have, assigned[b],
           assigned[b] ? 100.0 * (double)have / (double)assigned[b] : 0.0);
  }
}

static void list_faces(const bp_fontset *fs, const char *dir) {
  size_t assigned[N_BLOCKS];
  for (size_t b = 0; b < N_BLOCKS; b++) assigned[b] = block_assigned(&BLOCKS[b]);
  size_t n = bp_fontset_n_faces(fs);
  printf("%s: %zu face%s\n", dir, n, n == 1 ? "" : "s");
  for (size_t i = 0; i < n; i++) {
    const char *file, *family, *style;
    bp_fontset_face(fs, i, &file, &family, &style);
    printf("\n%s: %s %s, %zu characters\n", file, family, style,
           bp_fontset_face_count(fs, i, 0, 0xFFFF));
    print_coverage(fs, i, assigned, false);
  }
  printf("\nall faces together: %zu characters\n",
         bp_fontset_face_count(fs, BP_FONTSET_ANY_FACE, 0, 0xFFFF));
  print_coverage(fs, BP_FONTSET_ANY_FACE, assigned, true);
}

/* ---- what a folder's text needs ---------------------------------------------------- */

typedef struct need {
  GHashTable *places; /* code point -> GPtrArray of "file:line:col" (owned) */
  size_t n_chars;     /* characters seen, with repeats */
} need;

static void on_char(void *ud, const char *file, int line, int col, uint32_t cp) {
  need *nd = ud;
  GPtrArray *at = g_hash_table_lookup(nd->places, GUINT_TO_POINTER(cp));
  if (!at) {
    at = g_ptr_array_new_with_free_func(g_free);
    g_hash_table_insert(nd->places, GUINT_TO_POINTER(cp), at);
  }
  g_ptr_array_add(at, g_strdup_printf("%s:%d:%d", file, line, col));
  nd->n_chars++;
}

static bool is_text_file(const char *name) {
  const char *dot = strrchr(name, '.');
  return dot && (!strcmp(dot, ".json") || !strcmp(dot, ".csv") || !strcmp(dot, ".md")) &&
         strcasecmp(name, "README.md");
}

static int cmp_path(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every text file below `dir` (not following links, not hidden ones), sorted. */
static void find_files(const char *dir, GPtrArray *out) {
  DIR *d = opendir(dir);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char *path = g_build_filename(dir, e->d_name, NULL);
    struct stat sb;
    if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
      find_files(path, out);
      g_free(path);
    } else if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && is_text_file(e->d_name)) {
      g_ptr_array_add(out, path);
    } else {
      g_free(path);
    }
  }
  if (d) closedir(d);
}

static int cmp_cp(const void *a, const void *b) {
  uint32_t x = GPOINTER_TO_UINT(*(void *const *)a), y = GPOINTER_TO_UINT(*(void *const *)b);
  return x < y ? -1 : x > y;
}

/* What the placement of `cp` says, for a character no face has. */
static void print_missing(uint32_t cp, GPtrArray *at) {
  enum { SHOWN = 8 };
  char u8[8] = {0};
  g_unichar_to_utf8(cp, u8);
  const struct block *b = block_of(cp);
  char script[5] = {0};
  guint32 tag = g_unicode_script_to_iso15924(g_unichar_get_script(cp));
  for (int k = 0; k < 4; k++) script[k] = (char)(tag >> (24 - 8 * k));
  printf("  U+%04X '%s' (%s%s%s), %u place%s:", cp, u8, b ? b->name : "script ", b ? "" : script,
         cp > 0xFFFF ? ", outside the Basic Multilingual Plane" : "", at->len,
         at->len == 1 ? "" : "s");
  for (guint i = 0; i < at->len && i < SHOWN; i++) printf(" %s", (char *)at->pdata[i]);
  if (at->len > SHOWN) printf(" and %u more", at->len - SHOWN);
  printf("\n");
}

/* Scans `target` (a folder or one file); returns 0 when the fonts have every
 * character its text uses, 1 otherwise or when a file could not be read. */
static int report_needs(const bp_fontset *fs, const char *target) {
  GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
  struct stat sb;
  if (stat(target, &sb) == 0 && S_ISDIR(sb.st_mode))
    find_files(target, files);
  else
    g_ptr_array_add(files, g_strdup(target));
  qsort(files->pdata, files->len, sizeof(void *), cmp_path);
  need nd = {g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)g_ptr_array_unref), 0};
  int rc = 0;
  for (guint i = 0; i < files->len; i++) {
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    if (bp_data_file_chars(&ctx, files->pdata[i], on_char, &nd)) {
      fprintf(stderr, "briefpress fonts: %s (not scanned)\n", ctx.msg);
      rc = 1;
    }
  }
  /* the characters in code point order, counted block by block */
  guint n_cps = 0;
  gpointer *cps = g_hash_table_get_keys_as_array(nd.places, &n_cps);
  qsort(cps, n_cps, sizeof *cps, cmp_cp);
  size_t used[N_BLOCKS + 1] = {0}, missing[N_BLOCKS + 1] = {0}, n_missing = 0;
  for (guint i = 0; i < n_cps; i++) {
    uint32_t cp = GPOINTER_TO_UINT(cps[i]);
    const struct block *b = block_of(cp);
    size_t k = b ? (size_t)(b - BLOCKS) : N_BLOCKS;
    bool covered = cp <= 0xFFFF && bp_fontset_covers(fs, cp);
    used[k]++;
    missing[k] += covered ? 0 : 1;
    n_missing += covered ? 0 : 1;
  }
  printf("\n%s: %u file%s, %u distinct character%s beyond ASCII (%zu in all)\n", target, files->len,
         files->len == 1 ? "" : "s", n_cps, n_cps == 1 ? "" : "s", nd.n_chars);
  for (size_t k = 0; k <= N_BLOCKS; k++)
    if (used[k])
      printf("    %-32s %5zu used, %s\n", k < N_BLOCKS ? BLOCKS[k].name : "(other blocks)", used[k],
             missing[k] ? "some missing" : "all in the fonts");
  if (n_missing) {
    printf("%zu character%s that no font has:\n", n_missing, n_missing == 1 ? "" : "s");
    for (guint i = 0; i < n_cps; i++) {
      uint32_t cp = GPOINTER_TO_UINT(cps[i]);
      if (cp > 0xFFFF || !bp_fontset_covers(fs, cp))
        print_missing(cp, g_hash_table_lookup(nd.places, cps[i]));
    }
    rc = 1;
  } else {
    printf("the fonts have every character the text uses\n");
  }
  g_free(cps);
  g_hash_table_destroy(nd.places);
  g_ptr_array_unref(files);
  return rc;
}

static int usage(FILE *f) {
  fprintf(f, "usage: briefpress fonts [options] [<folder|file>]\n"
             "  lists the font set: each face's file, family and style and how much of\n"
             "  each Unicode block it covers (Latin, Hangul, Hanja...); with a data folder\n"
             "  (or one file), also the characters its text uses, block by block, and each\n"
             "  one that no font has, with its code point and where it occurs (file:line:col)\n"
             "options:\n"
             "  --fonts DIR   the font folder\n"
             "  -h, --help    this text\n"
             "exit status: 0 done (the fonts have every character), 1 a character no font\n"
             "has or a file not read, 2 bad usage\n");
  return f == stderr ? 2 : 0;
}

int bp_cmd_fonts(int argc, char **argv) {
  enum { OPT_FONTS = 256 };
  static const struct option longs[] = {{"fonts", required_argument, NULL, OPT_FONTS},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  const char *fonts_dir = NULL;
  bp_cli_getopt_start();
  int c;
  while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
    switch (c) {
    case OPT_FONTS: fonts_dir = optarg; break;
    case 'h': return usage(stdout);
    default: return bp_cli_opt_error("fonts", c, argv);
    }
  }
  if (argc - optind > 1) {
    fprintf(stderr, "briefpress fonts: one folder at a time\n");
    return usage(stderr);
  }
  const char *target = optind < argc ? argv[optind] : NULL;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_fontset *fs = NULL;
  if (bp_fontset_open(&ctx, fonts_dir, &fs)) {
    fprintf(stderr, "briefpress fonts: %s\n", ctx.msg);
    return 1;
  }
  list_faces(fs, fonts_dir ? fonts_dir : bp_fontset_default_dir());
  int rc = target ? report_needs(fs, target) : 0;
  fflush(stdout);
  bp_fontset_free(fs);
  return rc;
}
