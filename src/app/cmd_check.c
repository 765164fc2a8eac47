/* cmd_check.c - `briefpress check <folder|file>`: runs the data layer's
 * checks with the project's font set for character coverage and prints
 * every diagnostic compiler-style on stdout, then a summary line. Exit
 * status: 0 clean or warnings only, 1 any error, 2 usage. */
#include <stdio.h>
#include <string.h>

#include <dirent.h>
#include <glib.h>
#include <jansson.h>
#include <getopt.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "app/cli.h"
#include "compose/compose.h"
#include "data/data.h"
#include "layout/layout.h"

int bp_cmd_check(int argc, char **argv);

static bool fs_covers(void *ud, uint32_t cp) { return bp_fontset_covers(ud, cp); }

/* Prints a "file:line:col: message" error as "file:line:col: error: message". */
static void print_error(const char *msg) {
  const char *p = msg;
  const char *loc_end = NULL;
  for (const char *q = strstr(p, ": "); q; q = strstr(q + 1, ": ")) {
    const char *colon = memchr(msg, ':', (size_t)(q - msg));
    bool digits = colon != NULL;
    for (const char *r = colon ? colon : q; r < q && digits; r++)
      digits = *r == ':' || (*r >= '0' && *r <= '9');
    loc_end = q;
    if (digits || !colon) break;
  }
  if (loc_end)
    printf("%.*s: error: %s\n", (int)(loc_end - msg), msg, loc_end + 2);
  else
    printf("error: %s\n", msg);
}

/* The templates whose warnings were printed, by path, and how many. */
typedef struct seen_templates {
  char **paths;
  size_t n, cap;
  size_t warnings;
} seen_templates;

/* Prints "file:line:col: message" warnings as "file:line:col: warning:
 * message" and counts them. */
static void print_warnings(char *const *w, size_t n, seen_templates *seen) {
  for (size_t i = 0; i < n; i++) {
    const char *m = w[i], *loc = strstr(m, ": ");
    printf("%.*s: warning: %s\n", (int)(loc - m), m, loc + 2);
  }
  seen->warnings += n;
}

/* Prints a template's warnings unless they were printed already. */
static void print_template_warnings(const bp_template *t, seen_templates *seen) {
  if (!t || !t->n_warnings) return;
  for (size_t i = 0; i < seen->n; i++)
    if (!strcmp(seen->paths[i], t->path)) return;
  char *path = bp_strdup(t->path);
  BP_PUSH(seen->paths, seen->n, seen->cap, path);
  print_warnings(t->warnings, t->n_warnings, seen);
}

static void seen_free(seen_templates *seen) {
  for (size_t i = 0; i < seen->n; i++) free(seen->paths[i]);
  free(seen->paths);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Composes one document as render would (without writing). */
static bp_status compose_one(bp_ctx *ctx, bp_typesetter *ts, const char *path, bool article,
                             seen_templates *seen) {
  bp_dlist *dl = NULL;
  bp_status st;
  if (article) {
    bp_article *a = NULL;
    bp_template *t = NULL;
    st = bp_article_load(ctx, path, &a);
    if (!st) st = bp_article_template_load(ctx, a, NULL, &t);
    print_template_warnings(t, seen);
    if (!st && ts) st = bp_compose_article(ctx, ts, a, t, -1, NULL, &dl);
    bp_template_free(t);
    bp_article_free(a);
  } else {
    bp_brief *b = NULL;
    st = bp_brief_load(ctx, path, &b);
    if (b) print_template_warnings(b->tpl, seen);
    if (b) print_warnings(b->warnings, b->n_warnings, seen); /* the brief's own */
    if (!st && ts) st = bp_compose_brief(ctx, ts, b, -1, NULL, NULL, &dl);
    bp_brief_free(b);
  }
  bp_dlist_free(dl);
  return st;
}

/* Loads and lays out every brief in DIR/briefs (or article in
 * DIR/articles) with the composer render uses: its template, its claims and
 * charts, whether it fits the template's pages, whether its links land.
 * Returns the errors. */
static size_t check_documents(const char *dir, bp_fontset *fs, const char *sub,
                              seen_templates *seen) {
  char bdir[4096];
  snprintf(bdir, sizeof bdir, "%s/%s", dir, sub);
  DIR *d = opendir(bdir);
  if (!d) return 0;
  char **names = NULL;
  size_t n = 0, cap = 0, errors = 0;
  for (struct dirent *e; (e = readdir(d));) {
    size_t len = strlen(e->d_name);
    if (len > 5 && !strcmp(e->d_name + len - 5, ".json")) {
      char *name = bp_strdup(e->d_name);
      BP_PUSH(names, n, cap, name);
    }
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, cmp_str); /* (qsort of NULL is undefined) */
  bp_typesetter *ts = NULL;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  if (fs) bp_typesetter_new(&ctx, fs, &ts);
  for (size_t i = 0; i < n; i++) {
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", bdir, names[i]);
    bp_ctx_clear(&ctx);
    if (compose_one(&ctx, ts, path, !strcmp(sub, "articles"), seen)) {
      print_error(ctx.msg);
      errors++;
    }
    free(names[i]);
  }
  free(names);
  bp_typesetter_free(ts);
  return errors;
}

/* The manifest beside a Markdown file that names it as its "body" (owned),
 * or NULL. */
static char *manifest_of(const char *md) {
  char *dir = g_path_get_dirname(md), *base = g_path_get_basename(md), *found = NULL;
  GDir *d = g_dir_open(dir, 0, NULL);
  for (const char *e; d && !found && (e = g_dir_read_name(d));) {
    if (!g_str_has_suffix(e, ".json")) continue;
    char *p = g_build_filename(dir, e, NULL);
    json_t *root = json_load_file(p, 0, NULL);
    const char *body = json_string_value(json_object_get(root, "body"));
    if (body && !strcmp(body, base)) found = bp_strdup(p);
    json_decref(root);
    g_free(p);
  }
  if (d) g_dir_close(d);
  g_free(dir);
  g_free(base);
  return found;
}

/* A brief or an article checked on its own (a file, or standard input: a
 * manifest, a Markdown article, or an article's Markdown body) is composed
 * as render composes it. Returns the errors. */
static size_t check_document(const char *path, bp_fontset *fs, seen_templates *seen) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_jdoc *jd = NULL;
  char *manifest = NULL;
  bool md = bp_markdown_input(path);
  if (md && (manifest = manifest_of(path))) { /* an article's body: its article */
    path = manifest;
    md = false;
  } else if (md) { /* an article on its own when its front matter names a title */
    bp_doc *doc = NULL;
    if (bp_markdown_load(&ctx, path, &doc) || !doc->title) md = false, path = NULL;
    bp_doc_free(doc);
    bp_ctx_clear(&ctx);
  }
  if (!path || (!md && bp_jdoc_load(&ctx, path, &jd))) { /* the data check has said */
    free(manifest);
    return 0;
  }
  json_t *root = jd ? bp_jdoc_root(jd) : NULL;
  bool article = md || (json_is_object(root) && json_is_string(json_object_get(root, "body")));
  bool brief = !article && json_is_object(root) && json_object_get(root, "template");
  bp_jdoc_free(jd);
  bp_typesetter *ts = NULL;
  if ((article || brief) && fs) bp_typesetter_new(&ctx, fs, &ts);
  size_t errors = (article || brief) && compose_one(&ctx, ts, path, article, seen);
  if (errors) print_error(ctx.msg);
  bp_typesetter_free(ts);
  free(manifest);
  return errors;
}

/* True for a template: a JSON object with "sections" (a brief names its
 * template instead; an article manifest names a body). */
static bool is_template(const char *path) {
  size_t len = strlen(path);
  if (len < 6 || strcmp(path + len - 5, ".json")) return false;
  json_t *root = json_load_file(path, 0, NULL);
  bool yes = json_is_object(root) && json_object_get(root, "sections");
  json_decref(root);
  return yes;
}

/* Checks templates: the file `target`, or every template in the folder
 * `target` (templates/): schema, fonts, images, then the composer's section
 * kinds and keys. Returns the errors; *n_checked gets the templates seen. */
static size_t check_templates(const char *target, bool is_dir, size_t *n_checked,
                              seen_templates *seen) {
  char **names = NULL;
  size_t n = 0, cap = 0, errors = 0;
  DIR *d = is_dir ? opendir(target) : NULL;
  for (struct dirent *e; d && (e = readdir(d));) {
    char *path = g_strdup_printf("%s/%s", target, e->d_name);
    if (is_template(path)) {
      char *name = bp_strdup(path);
      BP_PUSH(names, n, cap, name);
    }
    g_free(path);
  }
  if (d) closedir(d);
  if (!is_dir) {
    char *name = bp_strdup(target);
    BP_PUSH(names, n, cap, name);
  }
  if (n) qsort(names, n, sizeof *names, cmp_str); /* (qsort of NULL is undefined) */
  for (size_t i = 0; i < n; i++) {
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    bp_template *t = NULL;
    if (bp_template_load(&ctx, names[i], &t) || bp_template_check(&ctx, t)) {
      print_error(ctx.msg);
      errors++;
    }
    print_template_warnings(t, seen);
    bp_template_free(t);
    free(names[i]);
  }
  free(names);
  *n_checked = n;
  return errors;
}

static int usage(FILE *f) {
  fprintf(f, "usage: briefpress check [options] <folder|file|->\n"
             "  reports every problem as file:line:column: error|warning: message, then\n"
             "  loads and lays out every brief and article of a data folder (or the brief\n"
             "  or article given); a template (or a folder of them, such as templates/) is\n"
             "  checked on its own; - reads one file from standard input (JSON, CSV\n"
             "  records or Markdown; its relative paths resolve against the current folder)\n"
             "options:\n"
             "  --no-fonts    do not check that the fonts cover every character\n"
             "  --no-caret    print no source line and caret under a diagnostic\n"
             "  --fonts DIR   the font folder\n"
             "  -h, --help    this text\n"
             "exit status: 0 clean or warnings only, 1 any error, 2 bad usage\n");
  return f == stderr ? 2 : 0;
}

int bp_cmd_check(int argc, char **argv) {
  enum { OPT_NO_FONTS = 256, OPT_NO_CARET, OPT_FONTS };
  static const struct option longs[] = {{"no-fonts", no_argument, NULL, OPT_NO_FONTS},
                                        {"no-caret", no_argument, NULL, OPT_NO_CARET},
                                        {"fonts", required_argument, NULL, OPT_FONTS},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  const char *target = NULL, *fonts_dir = NULL;
  bool fonts = true, caret = true;
  bp_cli_getopt_start();
  int c;
  while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
    switch (c) {
    case OPT_NO_FONTS: fonts = false; break;
    case OPT_NO_CARET: caret = false; break;
    case OPT_FONTS: fonts_dir = optarg; break;
    case 'h': return usage(stdout);
    default: return bp_cli_opt_error("check", c, argv);
    }
  }
  if (optind < argc) target = argv[optind++];
  if (optind < argc) {
    fprintf(stderr, "briefpress check: one folder at a time\n");
    return usage(stderr);
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
  if (bp_cli_stdin_input(&ctx, &target)) { /* "-": one file from standard input */
    fprintf(stderr, "briefpress check: %s\n", ctx.msg);
    bp_fontset_free(fs);
    return 1;
  }
  struct stat sb;
  bool is_dir = stat(target, &sb) == 0 && S_ISDIR(sb.st_mode);
  seen_templates seen = {0};
  size_t n_templates = 0, t_errors = is_dir || is_template(target)
                                         ? check_templates(target, is_dir, &n_templates, &seen)
                                         : 0;
  if (n_templates) { /* a template, or a folder of them */
    printf("%s: %zu template%s, %zu error%s, %zu warning%s\n", target, n_templates,
           n_templates == 1 ? "" : "s", t_errors, t_errors == 1 ? "" : "s", seen.warnings,
           seen.warnings == 1 ? "" : "s");
    seen_free(&seen);
    bp_fontset_free(fs);
    return t_errors ? 1 : 0;
  }
  bp_diag_list *dl = NULL;
  if (bp_check_folder(&ctx, target, &opts, &dl) != BP_OK) {
    fprintf(stderr, "briefpress check: %s\n", ctx.msg);
    seen_free(&seen);
    bp_fontset_free(fs);
    return 1;
  }
  bp_diag_print(dl, stdout, caret);
  /* briefs and articles are composed once their data is clean, as render
   * composes them: loaded, laid out, fitted, links checked */
  if (!dl->n_errors && is_dir) {
    dl->n_errors += check_documents(target, fs, "articles", &seen);
    dl->n_errors += check_documents(target, fs, "briefs", &seen);
  } else if (!dl->n_errors) {
    dl->n_errors += check_document(target, fs, &seen);
  }
  size_t warnings = dl->n_warnings + seen.warnings;
  seen_free(&seen);
  printf("%s: %zu error%s, %zu warning%s\n", target, dl->n_errors, dl->n_errors == 1 ? "" : "s",
         warnings, warnings == 1 ? "" : "s");
  fflush(stdout);
  int rc = dl->n_errors ? 1 : 0;
  bp_diag_list_free(dl);
  bp_fontset_free(fs);
  return rc;
}
