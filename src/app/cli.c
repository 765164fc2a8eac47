/* cli.c - subcommand dispatch and option parsing for `briefpress`. Each
 * command loads, composes and writes through the library; every output is
 * written to a temporary file and renamed, so a failed run leaves none. */
#include "app/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compose/compose.h"
#include "render/render.h"

int bp_cmd_check(int argc, char **argv, const char *fonts_dir);
int bp_cmd_batch(int argc, char **argv);
int bp_cmd_newsletter(int argc, char **argv);

static int usage(FILE *f) {
  fprintf(
      f,
      "usage: briefpress <command> [options]\n"
      "\n"
      "commands:\n"
      "  render <brief.json|article.json> -o <out.pdf> [--png DIR] [--dpi N]\n"
      "         [--trace FILE] [--template T.json] [-v]\n"
      "      lay out and write a PDF (and PNG pages, and a display-list trace)\n"
      "  preview <brief.json|article.json> -o DIR [--dpi N]\n"
      "      write the pages as PNG only\n"
      "  check <folder|file>\n"
      "      validate a data folder; file:line:column diagnostics, exit 1 on errors\n"
      "  batch <template.json> <records.csv> -o DIR [-j N] [--shard i/n] [--force]\n"
      "      one profile PDF per record, in parallel, with DIR/manifest.json\n"
      "  newsletter <brief.json|article.json> -o DIR  PDF, page-1 PNG, .eml (newsletter --help)\n"
      "\n"
      "options:\n"
      "  --fonts DIR   the font folder (default: the project's fonts/)\n"
      "  --version     print the version\n"
      "environment:\n"
      "  SOURCE_DATE_EPOCH   sets the PDF dates (otherwise none are written)\n");
  return f == stderr ? 2 : 0;
}

typedef struct render_opts {
  const char *input, *output, *png_dir, *trace, *fonts, *template_path;
  double dpi;
  bool verbose;
} render_opts;

bp_status bp_cli_input_kind(bp_ctx *ctx, const char *path, bool *is_brief) {
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

static int cmd_render(render_opts *o) {
  double t0 = now_s(), t_fonts = 0, t_load = 0, t_compose = 0;
  bp_inputs_clear(); /* this run's inputs are what it reads from here on */
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_fontset *fs = NULL;
  bp_typesetter *ts = NULL;
  bp_article *art = NULL;
  bp_brief *brief = NULL;
  bp_dlist *dl = NULL;
  bp_status st = bp_fontset_open(&ctx, o->fonts, &fs);
  if (!st) st = bp_typesetter_new(&ctx, fs, &ts);
  t_fonts = now_s();
  bool is_brief = false;
  if (!st) st = bp_cli_input_kind(&ctx, o->input, &is_brief);
  bp_preflight pf = {0};
  if (!st && is_brief) {
    st = bp_brief_load_with(&ctx, o->input, o->template_path, &brief);
    t_load = now_s();
    bp_fit_report fit = {0};
    if (!st) st = bp_compose_brief(&ctx, ts, brief, bp_source_date_epoch(), &pf, &fit, &dl);
    if (!st && o->verbose)
      fprintf(stderr, "briefpress: fitted at body %.2f pt, leading %.2f: %.0f of %.0f pt used\n",
              fit.body_pt, fit.leading_ratio, fit.used_pt, fit.avail_pt);
  } else if (!st) {
    st = bp_article_load(&ctx, o->input, &art);
    t_load = now_s();
    bp_template *tpl = NULL;
    if (!st) st = bp_article_template_load(&ctx, art, o->template_path, &tpl);
    if (!st) st = bp_compose_article(&ctx, ts, art, tpl, bp_source_date_epoch(), &pf, &dl);
    bp_template_free(tpl);
  }
  t_compose = now_s();
  if (!st && (pf.hangul_breaks || pf.closing_starts || pf.overwide))
    fprintf(stderr,
            "briefpress: warning: preflight: %d Hangul word(s) broken, %d line(s) starting with "
            "closing punctuation, %d line(s) wider than the measure; first: %s\n",
            pf.hangul_breaks, pf.closing_starts, pf.overwide, pf.first_problem);
  /* every output is staged and all are renamed at the end: a failure
   * anywhere leaves none of them (not the PDF beside missing previews) */
  bp_outgroup *out = bp_outgroup_new();
  if (!st && o->output) bp_outdir_sweep_for(o->output, false); /* what a killed run left */
  if (!st && o->trace) bp_outdir_sweep_for(o->trace, false);
  if (!st && o->output) st = run_staged(dl, bp_pdf_device_new(o->output, NULL), out, &ctx);
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
  if (!st && o->verbose)
    fprintf(stderr,
            "briefpress: %.0f ms: fonts %.0f, load and check %.0f, layout %.0f, output %.0f\n",
            (now_s() - t0) * 1e3, (t_fonts - t0) * 1e3, (t_load - t_fonts) * 1e3,
            (t_compose - t_load) * 1e3, (now_s() - t_compose) * 1e3);
  int rc = st ? fail(&ctx) : 0;
  bp_dlist_free(dl);
  bp_article_free(art);
  bp_brief_free(brief);
  bp_typesetter_free(ts);
  bp_fontset_free(fs);
  return rc;
}

static int parse_render(int argc, char **argv, bool png_only) {
  render_opts o = {0};
  o.dpi = 96;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    bool has_val = i + 1 < argc;
    if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && has_val) {
      if (png_only)
        o.png_dir = argv[++i];
      else
        o.output = argv[++i];
    } else if (!strcmp(a, "--png") && has_val)
      o.png_dir = argv[++i];
    else if (!strcmp(a, "--trace") && has_val)
      o.trace = argv[++i];
    else if (!strcmp(a, "--fonts") && has_val)
      o.fonts = argv[++i];
    else if (!strcmp(a, "--template") && has_val)
      o.template_path = argv[++i];
    else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
      o.verbose = true;
    else if (!strcmp(a, "--dpi") && has_val) {
      const char *v = argv[++i];
      char *end;
      errno = 0;
      o.dpi = strtod(v, &end);
      /* !(a <= x <= b) also refuses nan; the whole argument must be the number */
      if (end == v || *end || errno || !(o.dpi >= 10 && o.dpi <= 2400)) {
        fprintf(stderr, "briefpress: --dpi must be a number from 10 to 2400, not '%s'\n", v);
        return 2;
      }
    } else if (a[0] == '-' || o.input) {
      fprintf(stderr, "briefpress: %s: unexpected argument '%s'\n", argv[1], a);
      return usage(stderr);
    } else
      o.input = a;
  }
  if (!o.input || (!png_only && !o.output && !o.png_dir && !o.trace) || (png_only && !o.png_dir)) {
    fprintf(stderr, "briefpress: %s needs an input and an output (-o)\n", argv[1]);
    return usage(stderr);
  }
  return cmd_render(&o);
}

int bp_cli_main(int argc, char **argv) {
  if (argc < 2) return usage(stderr);
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) return usage(stdout);
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
    printf("briefpress %s\n", BP_VERSION);
    return 0;
  }
  if (!strcmp(cmd, "render")) return parse_render(argc, argv, false);
  if (!strcmp(cmd, "preview")) return parse_render(argc, argv, true);
  if (!strcmp(cmd, "newsletter")) return bp_cmd_newsletter(argc - 1, argv + 1);
  if (!strcmp(cmd, "batch")) return bp_cmd_batch(argc - 1, argv + 1);
  if (!strcmp(cmd, "check")) {
    const char *fonts = NULL;
    for (int i = 2; i + 1 < argc; i++)
      if (!strcmp(argv[i], "--fonts")) fonts = argv[i + 1];
    return bp_cmd_check(argc - 1, argv + 1, fonts);
  }
  fprintf(stderr, "briefpress: unknown command '%s'\n", cmd);
  return usage(stderr);
}
