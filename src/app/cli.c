/* cli.c - the command line of `briefpress`: global options, dispatch to
 * the commands, and render/preview. Every command parses its options with
 * getopt_long (--opt=value, -oVALUE, --, options after operands), answers
 * --help on stdout with exit 0, and exits 0 (done), 1 (failed) or 2 (usage).
 * "-" as an input reads standard input; "-o -" (or /dev/stdout) writes to
 * standard output through the output-file module, which never replaces a
 * device or a link. Every output is staged and renamed: a failed run
 * leaves none. */
#include "app/cli.h"

#include <cairo.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compose/compose.h"
#include "render/render.h"

int bp_cmd_check(int argc, char **argv);
int bp_cmd_batch(int argc, char **argv);
int bp_cmd_newsletter(int argc, char **argv);
int bp_cmd_init(int argc, char **argv);
int bp_cmd_fonts(int argc, char **argv);
int bp_cmd_watch(int argc, char **argv);

static int usage(FILE *f) {
  fprintf(f,
          "usage: briefpress [--fonts DIR] <command> [options] [--] <operands>\n"
          "       briefpress -h|--help | -V|--version | help <command>\n"
          "\n"
          "commands (each takes --help):\n"
          "  render <brief.json|article.json|article.md> -o <out.pdf> [--png DIR] [--dpi N]\n"
          "         [--trace FILE] [--template T.json] [--no-pdfa] [-v]\n"
          "      lay out and write a PDF/A-1b (and PNG pages, and a display-list trace)\n"
          "  preview <brief.json|article.json> -o DIR [--dpi N]\n"
          "      write the pages as PNG only\n"
          "  check <folder|file|->\n"
          "      validate a data folder; file:line:column diagnostics, exit 1 on errors\n"
          "  batch <template.json> <records.csv|-> -o DIR [-j N] [--shard i/n] [--force]\n"
          "      one profile PDF per record, in parallel, with DIR/manifest.json\n"
          "  newsletter <brief.json|article.json> -o DIR\n"
          "      the PDF, a PNG of page 1 and an e-mail (.eml); --send delivers it\n"
          "  init <dir>\n"
          "      a new data folder to start from (a claim, a citation, a series, a brief)\n"
          "  watch <brief.json|article.json> [--port N]\n"
          "      a live preview on http://127.0.0.1:PORT/, rendered again on every change\n"
          "  fonts [<folder|file>]\n"
          "      the font set and its coverage; what a folder's text needs that no font has\n"
          "\n"
          "global options (before the command):\n"
          "  --fonts DIR     the font folder (default: $BRIEFPRESS_FONTS, else the installed one)\n"
          "  -h, --help      this text\n"
          "  -V, --version   print the version\n"
          "\n"
          "files: an input given as - is read from standard input (render, preview,\n"
          "newsletter, check; batch's records); -o - or -o /dev/stdout writes the PDF to\n"
          "standard output. An article may be a Markdown file on its own (docs/markdown.md).\n"
          "-o never replaces a symbolic link, a device or a FIFO, nor any input.\n"
          "environment:\n"
          "  SOURCE_DATE_EPOCH   sets the PDF dates (otherwise none are written)\n"
          "  BRIEFPRESS_FONTS    the font folder when --fonts is not given\n" EXIT_STATUS_HELP);
  return f == stderr ? 2 : 0;
}

/* ---- option parsing shared by the commands ------------------------------------------ */

void bp_cli_getopt_start(void) {
  optind = 0; /* glibc: start over, as for a new argv */
  opterr = 0; /* bp_cli_opt_error reports, naming the option but never its value */
}

int bp_cli_opt_error(const char *cmd, int c, char **argv) {
  const char *arg = argv[optind - 1], *sp = *cmd ? " " : "";
  bool is_long = !strncmp(arg, "--", 2);
  int n = (int)strcspn(arg, "=");
  if (c == ':' && is_long)
    fprintf(stderr, "briefpress%s%s: option '%.*s' needs a value\n", sp, cmd, n, arg);
  else if (c == ':')
    fprintf(stderr, "briefpress%s%s: option '-%c' needs a value\n", sp, cmd, optopt);
  else if (is_long && optopt)
    fprintf(stderr, "briefpress%s%s: option '%.*s' takes no value\n", sp, cmd, n, arg);
  else if (is_long)
    fprintf(stderr, "briefpress%s%s: unknown option '%.*s'\n", sp, cmd, n, arg);
  else
    fprintf(stderr, "briefpress%s%s: unknown option '-%c'\n", sp, cmd, optopt);
  fprintf(stderr, "Try 'briefpress%s%s --help'.\n", sp, cmd);
  return 2;
}

bp_status bp_cli_stdin_input(bp_ctx *ctx, const char **path) {
  if (strcmp(*path, "-")) return BP_OK;
  bp_status st = bp_stdin_load(ctx);
  if (!st) *path = BP_STDIN_NAME;
  return st;
}

static int render_usage(FILE *f, bool png_only) {
  if (png_only)
    fprintf(f, "usage: briefpress preview [options] <brief.json|article.json|-> -o DIR\n"
               "  writes DIR/page-1.png, DIR/page-2.png... (the folder is made if missing)\n"
               "options:\n"
               "  -o, --output DIR   the folder of the PNG pages\n");
  else
    fprintf(f, "usage: briefpress render [options] <brief.json|article.json|article.md|-> -o "
               "<out.pdf|->\n"
               "  lays out a brief (fitted to its page) or an article and writes the PDF\n"
               "options:\n"
               "  -o, --output FILE  the PDF; - or /dev/stdout: standard output\n"
               "  --png DIR          also the pages as PNG: DIR/page-N.png\n"
               "  --trace FILE       also a text dump of the display list (- for stdout)\n"
               "  --no-pdfa          a plain PDF, not PDF/A-1b (docs/print.md)\n");
  fprintf(f,
          "  --dpi N            PNG resolution, 10 to 2400 (default 96)\n"
          "  --template T.json  another template (restyle without editing the input)\n"
          "  --fonts DIR        the font folder\n"
          "  -v, --verbose      say how a brief was fitted and where the time went\n"
          "  -h, --help         this text\n"
          "an input of - is read from standard input (its relative paths resolve against\n"
          "the current folder; errors name it <stdin>). Outputs are written to a temporary\n"
          "file and renamed; a symbolic link, a device, a FIFO or an input is refused.\n"
          "environment: SOURCE_DATE_EPOCH sets the PDF dates (otherwise none)\n" EXIT_STATUS_HELP);
  return f == stderr ? 2 : 0;
}

typedef struct render_opts {
  const char *input, *output, *png_dir, *trace, *fonts, *template_path;
  double dpi;
  bool verbose, no_pdfa;
} render_opts;

bp_status bp_cli_input_kind(bp_ctx *ctx, const char *path, bool *is_brief) {
  *is_brief = false;
  if (bp_markdown_input(path)) return BP_OK; /* a Markdown article on its own */
  bp_jdoc *jd;
  bp_status st = bp_jdoc_load(ctx, path, &jd);
  if (st) return st;
  json_t *root = bp_jdoc_root(jd);
  /* an article's "body" names its Markdown file; a brief's is a list */
  *is_brief = json_is_object(root) && json_object_get(root, "template") != NULL &&
              !json_is_string(json_object_get(root, "body"));
  if (json_is_object(root) && !*is_brief && !json_object_get(root, "body"))
    st = bp_jdoc_error(ctx, jd, root, NULL,
                       "neither a brief (it names no \"template\") nor an article manifest (no "
                       "\"body\")");
  bp_jdoc_free(jd);
  return st;
}

static int fail(bp_ctx *ctx) {
  fprintf(stderr, "briefpress: %s\n", ctx->msg);
  return 1;
}

/* Runs a device whose files go into `out` (renamed by bp_outgroup_commit). */
static bp_status run_staged(const bp_dlist *dl, bp_device *dev, bp_outgroup *out, bp_ctx *ctx) {
  dev->group = out;
  return bp_dlist_run(dl, dev, ctx);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

bp_status bp_cli_compose(bp_ctx *ctx, bp_typesetter *ts, const char *path,
                         const char *template_path, bp_preflight *pf, bp_fit_report *fit,
                         bp_dlist **out) {
  *out = NULL;
  bp_preflight pf_ignored;
  bp_fit_report fit_ignored;
  bool is_brief = false;
  bp_status st = bp_cli_input_kind(ctx, path, &is_brief);
  if (!st && is_brief) {
    bp_brief *brief = NULL;
    st = bp_brief_load_with(ctx, path, template_path, &brief);
    if (!st)
      st = bp_compose_brief(ctx, ts, brief, bp_source_date_epoch(), pf ? pf : &pf_ignored,
                            fit ? fit : &fit_ignored, out);
    bp_brief_free(brief);
  } else if (!st) {
    bp_article *art = NULL;
    bp_template *tpl = NULL;
    st = bp_article_load(ctx, path, &art);
    if (!st) st = bp_article_template_load(ctx, art, template_path, &tpl);
    if (!st) st = bp_compose_article(ctx, ts, art, tpl, bp_source_date_epoch(), pf, out);
    bp_template_free(tpl);
    bp_article_free(art);
  }
  return st;
}

/* The pages after the last one of this document that an earlier, longer
 * one left in `dir` (every page-N.png with N > n_pages, gaps or not: a
 * user may have deleted one): removed when briefpress made them
 * (bp_png_is_ours), left when not. The names are read first, then removed
 * (readdir while its folder changes may skip entries). */
static void remove_stale_pages(const char *dir, size_t n_pages) {
  DIR *dp = opendir(dir);
  if (!dp) return;
  char **stale = NULL;
  size_t n_stale = 0, cap = 0;
  for (struct dirent *e; (e = readdir(dp));) {
    const char *name = e->d_name;
    if (strncmp(name, "page-", 5) || name[5] < '1' || name[5] > '9') continue;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(name + 5, &end, 10);
    if (errno || strcmp(end, ".png") || n <= n_pages) continue;
    bp_buf p = {0};
    bp_buf_printf(&p, "%s/%s", dir, name);
    char *path = bp_buf_detach(&p);
    BP_PUSH(stale, n_stale, cap, path);
  }
  closedir(dp);
  for (size_t i = 0; i < n_stale; i++) {
    struct stat sb;
    if (lstat(stale[i], &sb) == 0 && S_ISREG(sb.st_mode) && bp_png_is_ours(stale[i]))
      bp_output_remove(stale[i]);
    free(stale[i]);
  }
  free(stale);
}

static int cmd_render(render_opts *o) {
  double t0 = now_s(), t_fonts = 0, t_compose = 0;
  bp_inputs_clear(); /* this run's inputs are what it reads from here on */
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_fontset *fs = NULL;
  bp_typesetter *ts = NULL;
  bp_dlist *dl = NULL;
  bp_status st = bp_cli_stdin_input(&ctx, &o->input);
  if (!st) st = bp_fontset_open(&ctx, o->fonts, &fs);
  if (!st) st = bp_typesetter_new(&ctx, fs, &ts);
  t_fonts = now_s();
  bp_preflight pf = {0};
  bp_fit_report fit = {0};
  if (!st) st = bp_cli_compose(&ctx, ts, o->input, o->template_path, &pf, &fit, &dl);
  if (!st && o->verbose && fit.avail_pt > 0)
    fprintf(stderr, "briefpress: fitted at body %.2f pt, leading %.2f: %.0f of %.0f pt used\n",
            fit.body_pt, fit.leading_ratio, fit.used_pt, fit.avail_pt);
  t_compose = now_s();
  /* The display list names font files, glyphs and positions: no device
   * needs the font set. Freeing it (Pango's fonts and their HarfBuzz
   * mappings) and cairo's caches (the scaled fonts it holds over after
   * their last use, and with them FreeType's mappings of the files) before
   * the PDF device maps the fonts it subsets takes 7 MiB off the peak RSS.
   * No cairo object is alive here (display lists, images and pieces are
   * plain data), which cairo_debug_reset_static_data needs. */
  bp_typesetter_free(ts);
  bp_fontset_free(fs);
  ts = NULL, fs = NULL;
  cairo_debug_reset_static_data();
  /* What composing freed (the shapings, pieces, Pango's items) lies in
   * ~190 holes between blocks the display list still holds; it is not
   * given back with malloc_trim here: that made 150-190 madvise calls,
   * and the device faulted many of the pages in again, 10-19 ms of system
   * time on a host where a page fault costs 6 us, for 0.7 MiB (brief) to
   * 1.3 MiB (article) of peak RSS (docs/performance.md, tenth round). */
  if (!st && (pf.hangul_breaks || pf.closing_starts || pf.overwide))
    fprintf(stderr,
            "briefpress: warning: preflight: %d Hangul word(s) broken, %d line(s) starting with "
            "closing punctuation, %d line(s) wider than the measure; first: %s\n",
            pf.hangul_breaks, pf.closing_starts, pf.overwide, pf.first_problem);
  /* every output is staged and all are renamed at the end: a failure
   * anywhere leaves none of them (not the PDF beside missing previews) */
  bp_outgroup *out = bp_outgroup_new();
  /* what a killed run left */
  if (!st && o->output && !bp_output_is_stdout(o->output)) bp_outdir_sweep_for(o->output, false);
  if (!st && o->trace && !bp_output_is_stdout(o->trace)) bp_outdir_sweep_for(o->trace, false);
  bp_pdf_options pdf_opt = {.compress = true, .plain = o->no_pdfa};
  if (!st && o->output) st = run_staged(dl, bp_pdf_device_new(o->output, &pdf_opt), out, &ctx);
  if (!st && o->trace) st = run_staged(dl, bp_trace_device_new(o->trace, NULL), out, &ctx);
  bool made_dir = false;
  if (!st && o->png_dir) {
    st = bp_mkdir_p(&ctx, o->png_dir, &made_dir);
    if (!st) bp_outdir_sweep_for(o->png_dir, true);
    char *pattern = bp_png_pattern(o->png_dir, "/page-%d.png");
    if (!st) st = run_staged(dl, bp_png_device_new(pattern, o->dpi, 0, 0), out, &ctx);
    free(pattern);
  }
  if (!st) st = bp_outgroup_commit(&ctx, out);
  bp_outgroup_free(out);
  if (st && made_dir) rmdir(o->png_dir); /* nor a folder it made */
  if (!st && o->png_dir) remove_stale_pages(o->png_dir, dl->n_pages);
  if (!st && o->verbose)
    fprintf(stderr, "briefpress: %.0f ms: fonts %.0f, load, check and layout %.0f, output %.0f\n",
            (now_s() - t0) * 1e3, (t_fonts - t0) * 1e3, (t_compose - t_fonts) * 1e3,
            (now_s() - t_compose) * 1e3);
  int rc = st ? fail(&ctx) : 0;
  bp_dlist_free(dl);
  bp_typesetter_free(ts);
  bp_fontset_free(fs);
  return rc;
}

enum { OPT_PNG = 256, OPT_TRACE, OPT_FONTS, OPT_TEMPLATE, OPT_DPI, OPT_NO_PDFA };

static int parse_render(int argc, char **argv, bool png_only) {
  static const struct option longs[] = {{"output", required_argument, NULL, 'o'},
                                        {"png", required_argument, NULL, OPT_PNG},
                                        {"trace", required_argument, NULL, OPT_TRACE},
                                        {"fonts", required_argument, NULL, OPT_FONTS},
                                        {"template", required_argument, NULL, OPT_TEMPLATE},
                                        {"dpi", required_argument, NULL, OPT_DPI},
                                        {"no-pdfa", no_argument, NULL, OPT_NO_PDFA},
                                        {"verbose", no_argument, NULL, 'v'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  const char *cmd = argv[0];
  render_opts o = {0};
  o.dpi = 96;
  bp_cli_getopt_start();
  int c;
  while ((c = getopt_long(argc, argv, ":o:vh", longs, NULL)) != -1) {
    switch (c) {
    case 'o': *(png_only ? &o.png_dir : &o.output) = optarg; break;
    case OPT_PNG: o.png_dir = optarg; break;
    case OPT_TRACE: o.trace = optarg; break;
    case OPT_FONTS: o.fonts = optarg; break;
    case OPT_TEMPLATE: o.template_path = optarg; break;
    case 'v': o.verbose = true; break;
    case OPT_NO_PDFA: o.no_pdfa = true; break;
    case 'h': return render_usage(stdout, png_only);
    case OPT_DPI: {
      char *end;
      errno = 0;
      o.dpi = strtod(optarg, &end);
      /* !(a <= x <= b) also refuses nan; the whole argument must be the number */
      if (end == optarg || *end || errno || !(o.dpi >= 10 && o.dpi <= 2400)) {
        fprintf(stderr, "briefpress: --dpi must be a number from 10 to 2400, not '%s'\n", optarg);
        return 2;
      }
      break;
    }
    default: return bp_cli_opt_error(cmd, c, argv);
    }
  }
  if (optind < argc) o.input = argv[optind++];
  if (optind < argc) {
    fprintf(stderr, "briefpress %s: unexpected argument '%s' (one input at a time)\n", cmd,
            argv[optind]);
    return render_usage(stderr, png_only);
  }
  if (!o.input || (!png_only && !o.output && !o.png_dir && !o.trace) || (png_only && !o.png_dir)) {
    fprintf(stderr, "briefpress %s needs an input and an output (-o)\n", cmd);
    return render_usage(stderr, png_only);
  }
  if (bp_output_is_stdout(o.png_dir)) {
    fprintf(stderr, "briefpress %s: PNG pages go into a folder, not to standard output\n", cmd);
    return 2;
  }
  return cmd_render(&o);
}

static int cmd_render_main(int argc, char **argv) { return parse_render(argc, argv, false); }
static int cmd_preview_main(int argc, char **argv) { return parse_render(argc, argv, true); }

static const struct {
  const char *name;
  int (*run)(int argc, char **argv); /* argv[0] is the command's name */
} commands[] = {
    {"render", cmd_render_main}, {"preview", cmd_preview_main},     {"check", bp_cmd_check},
    {"batch", bp_cmd_batch},     {"newsletter", bp_cmd_newsletter}, {"init", bp_cmd_init},
    {"fonts", bp_cmd_fonts},     {"watch", bp_cmd_watch},
};

/* The command's arguments: its name, the global --fonts (first, so that the
 * command's own --fonts wins), then the rest. */
static int run_command(int i, const char *fonts, int argc, char **argv) {
  char **args = bp_calloc((size_t)argc + 3, sizeof *args);
  int n = 0;
  args[n++] = (char *)commands[i].name;
  if (fonts) {
    args[n++] = "--fonts";
    args[n++] = (char *)fonts;
  }
  for (int k = 1; k < argc; k++) args[n++] = argv[k];
  int rc = commands[i].run(n, args);
  free(args);
  return rc;
}

int bp_cli_main(int argc, char **argv) {
  static const struct option longs[] = {{"fonts", required_argument, NULL, OPT_FONTS},
                                        {"help", no_argument, NULL, 'h'},
                                        {"version", no_argument, NULL, 'V'},
                                        {NULL, 0, NULL, 0}};
  const char *fonts = NULL;
  bp_cli_getopt_start();
  int c;
  /* "+": the first operand is the command; what follows it is the command's */
  while ((c = getopt_long(argc, argv, "+:hV", longs, NULL)) != -1) {
    switch (c) {
    case OPT_FONTS: fonts = optarg; break;
    case 'h': return usage(stdout);
    case 'V': printf("briefpress %s\n", BP_VERSION); return 0;
    default: return bp_cli_opt_error("", c, argv);
    }
  }
  if (optind >= argc) return usage(stderr);
  const char *cmd = argv[optind];
  argc -= optind;
  argv += optind;
  if (!strcmp(cmd, "version")) {
    printf("briefpress %s\n", BP_VERSION);
    return 0;
  }
  bool help = !strcmp(cmd, "help");
  if (help && argc < 2) return usage(stdout);
  if (help) cmd = argv[1];
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
    if (strcmp(cmd, commands[i].name)) continue;
    if (help) return run_command((int)i, NULL, 2, (char *[]){"", "--help", NULL});
    return run_command((int)i, fonts, argc, argv);
  }
  fprintf(stderr, "briefpress: unknown command '%s'\n", cmd);
  return usage(stderr);
}
