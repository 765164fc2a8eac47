/* newsletter.c - `briefpress newsletter`: renders a brief or an article into
 * a package ready to mail: the PDF (named from its title), a PNG preview of
 * page 1 and an .eml message holding both; optionally sends it over SMTP.
 * Everything is rendered to temporary files first and renamed only when the
 * whole package is ready, so a failed run (the size budget too) leaves none.
 * Touches no other command's code. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/cli.h"
#include "compose/compose.h"
#include "mail/mail.h"
#include "data/jdoc.h"
#include "render/render.h"

int bp_cmd_newsletter(int argc, char **argv);

#define DEFAULT_MAX_BYTES (1024 * 1024)
/* the preview's palette: a page of text in 256 colours is indistinguishable
 * from RGB (tests/e2e/check_newsletter.py measures it) at a third the bytes */
#define PREVIEW_COLORS 256

typedef struct nl_opts {
  const char *input, *outdir, *from, *to, *bcc, *subject, *send, *cacert, *fonts, *template_path;
  const char *list_id, *netrc;
  const char **unsubscribe, **resolve; /* repeatable options, in order */
  size_t n_unsubscribe, n_resolve;
  size_t max_bytes;
  int width_px, density;
  bool verbose, no_pdfa, unsubscribe_post;
} nl_opts;

static int usage(FILE *f) {
  fprintf(f,
          "usage: briefpress newsletter [options] <brief.json|article.json|-> -o DIR\n"
          "  writes DIR/SLUG-DATE.pdf, DIR/SLUG-DATE.png (page 1) and DIR/SLUG-DATE.eml\n"
          "options:\n"
          "  -o, --output DIR   the folder of the three files (made if missing)\n"
          "  --from ADDR        sender, \"Name <a@b>\" or a@b (default briefpress@localhost)\n"
          "  --to ADDRS         recipients, comma-separated; may repeat\n"
          "  --bcc ADDRS        recipients in the envelope only, never in the message; may repeat\n"
          "  --subject TEXT     subject (default: the title)\n"
          "  --list-id ID       List-Id header: \"Name <briefs.example.org>\" (RFC 2919)\n"
          "  --list-unsubscribe URI  List-Unsubscribe (mailto: or https://), also shown in\n"
          "                     the body; may repeat\n"
          "  --list-unsubscribe-post  one-click unsubscribing (RFC 8058; an https:// URI)\n"
          "  --max-bytes N      fail when the PDF is larger (default 1M; suffixes K, M)\n"
          "  --width PX         width the preview is shown at (default 600)\n"
          "  --density N        its pixels per shown pixel, 1 to 3 (default 2: sharp on phones)\n"
          "  --send URL         deliver through smtp://host:port (or smtps://); needs --from and\n"
          "                     --to or --bcc; TLS is required except to localhost\n"
          "  --cacert FILE      trust these PEM CA certificates for --send's TLS\n"
          "  --netrc-file FILE  the login for --send's host (default ~/.netrc, mode 600)\n"
          "  --resolve HOST:PORT:ADDR  connect to ADDR for HOST (as curl's --resolve)\n"
          "  --template T.json  another template for a brief\n"
          "  --fonts DIR        the font folder\n"
          "  --no-pdfa          a plain PDF, not PDF/A-1b (docs/print.md)\n"
          "  -v, --verbose      say how the brief was fitted\n"
          "  -h, --help         this text\n"
          "environment:\n"
          "  SOURCE_DATE_EPOCH  the date in the names and the message (otherwise today)\n"
          "  BRIEFPRESS_SMTP_USER, BRIEFPRESS_SMTP_PASSWORD  the login for --send (else the\n"
          "                     URL's user and the netrc file); the password is never shown\n"
          "an input of - is read from standard input (relative paths: the current folder)\n"
          "exit status: 0 written (and sent), 1 failed, 2 bad usage\n");
  return f == stderr ? 2 : 0;
}

static bool parse_size(const char *s, size_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (end == s || errno || s[0] == '-') return false;
  unsigned long long mul = 1;
  if (*end == 'k' || *end == 'K')
    mul = 1024, end++;
  else if (*end == 'm' || *end == 'M')
    mul = 1024 * 1024, end++;
  if ((*end == 'B' || *end == 'b') && mul > 1) end++;
  if (*end || v == 0 || v > (1ULL << 40) / mul) return false;
  *out = (size_t)(v * mul);
  return true;
}

static void png_size(const char *png, size_t len, int *w, int *h) {
  *w = *h = 0;
  if (len < 24 || memcmp(png, "\x89PNG\r\n\x1a\n", 8) || memcmp(png + 12, "IHDR", 4)) return;
  const unsigned char *u = (const unsigned char *)png + 16;
  *w = (int)((u[0] << 24) | (u[1] << 16) | (u[2] << 8) | u[3]);
  *h = (int)((u[4] << 24) | (u[5] << 16) | (u[6] << 8) | u[7]);
}

static char *join_path(const char *dir, const char *name, const char *ext) {
  bp_buf b = {0};
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') n--;
  bp_buf_printf(&b, "%.*s/%s%s", (int)n, dir, name, ext);
  return bp_buf_detach(&b);
}

static const char *base_of(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static int run(const nl_opts *o) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  long long epoch = bp_source_date_epoch();
  bp_inputs_clear(); /* this run's inputs are what it reads from here on */
  bp_fontset *fs = NULL;
  bp_typesetter *ts = NULL;
  bp_article *art = NULL;
  bp_brief *brief = NULL;
  bp_dlist *dl = NULL;
  char **charts = NULL;
  size_t n_charts = 0, n_findings = 0;
  const char **findings = NULL; /* borrowed from the brief's findings */
  char *base = NULL, *attach = NULL, *pdf_path = NULL, *png_path = NULL, *eml_path = NULL;
  bp_outgroup *out = bp_outgroup_new(); /* the PDF, the PNG and the .eml */
  char *pdf = NULL, *png = NULL, *eml = NULL;
  size_t pdf_len = 0, png_len = 0, eml_len = 0;
  bp_buf byline = {0};

  const char *input = o->input;
  const bp_mail_module *mail = NULL; /* GMime and libcurl: loaded for this command only */
  bp_status st = bp_cli_stdin_input(&ctx, &input);
  if (!st) st = bp_mail_module_open(&ctx, &mail);
  if (!st) st = bp_fontset_open(&ctx, o->fonts, &fs);
  if (!st) st = bp_typesetter_new(&ctx, fs, &ts);
  bool is_brief = false;
  if (!st) st = bp_cli_input_kind(&ctx, input, &is_brief);
  bp_newsletter nl = {0};
  nl.epoch = epoch;
  if (!st && is_brief) {
    st = bp_brief_load_with(&ctx, input, o->template_path, &brief);
    bp_fit_report fit = {0};
    if (!st) st = bp_compose_brief(&ctx, ts, brief, epoch, NULL, &fit, &dl);
    if (!st && o->verbose)
      fprintf(stderr, "briefpress: fitted at body %.2f pt, leading %.2f: %.0f of %.0f pt used\n",
              fit.body_pt, fit.leading_ratio, fit.used_pt, fit.avail_pt);
    if (!st) {
      nl.title = brief->title;
      nl.subtitle = brief->subtitle;
      nl.summary = brief->summary;
      nl.author = brief->author;
      nl.lang = brief->lang;
      nl.from_name = brief->institute ? brief->institute : nl.author;
      /* as the masthead prints it: "Series · No. 2024-03 · April 2024" */
      const char *parts[] = {brief->series, brief->number, brief->date_text};
      for (int i = 0; i < 3; i++)
        if (parts[i] && *parts[i])
          bp_buf_printf(&byline, "%s%s%s", byline.len ? " · " : "", i == 1 ? "No. " : "", parts[i]);
      charts = bp_brief_chart_descriptions(brief, &n_charts);
      findings = bp_malloc((brief->n_findings + 1) * sizeof *findings);
      for (size_t i = 0; i < brief->n_findings; i++) {
        const bp_claim *cl = bp_brief_finding(brief, i);
        if (cl) findings[n_findings++] = bp_template_text(brief->tpl, cl->text, cl->text_ko);
      }
      nl.findings = findings;
      nl.n_findings = n_findings;
      nl.findings_label = bp_template_label(brief->tpl, BP_LABEL_FINDINGS);
    }
  } else if (!st) {
    st = bp_article_load(&ctx, input, &art);
    bp_template *tpl = NULL;
    if (!st) st = bp_article_template_load(&ctx, art, NULL, &tpl);
    if (!st) st = bp_compose_article(&ctx, ts, art, tpl, epoch, NULL, &dl);
    bp_template_free(tpl);
    if (!st) {
      nl.title = art->title;
      nl.subtitle = art->subtitle;
      nl.summary = art->subject;
      nl.author = art->author;
      nl.lang = art->lang;
      nl.from_name = art->author;
      if (art->date) bp_buf_puts(&byline, art->date);
    }
  }
  if (!st && (!nl.title || !*nl.title))
    st = bp_error(&ctx, BP_ERR_DATA, "%s: the document has no title to name the files by", input);
  bool created = false;
  if (!st) st = bp_mkdir_p(&ctx, o->outdir, &created);
  if (!st) bp_outdir_sweep_for(o->outdir, true); /* what a killed run left */
  if (!st) {
    base = bp_mail_basename(nl.title, epoch);
    attach = bp_mail_attachment_name(nl.title, epoch);
    pdf_path = join_path(o->outdir, base, ".pdf");
    png_path = join_path(o->outdir, base, ".png");
    eml_path = join_path(o->outdir, base, ".eml");
    bp_pdf_options pdf_opt = {.compress = true, .plain = o->no_pdfa};
    bp_device *dev = bp_pdf_device_new(pdf_path, &pdf_opt);
    dev->group = out;
    st = bp_dlist_run(dl, dev, &ctx);
  }
  if (!st) st = bp_file_read_own(&ctx, bp_outgroup_staged_path(out, pdf_path), &pdf, &pdf_len);
  if (!st) {
    bp_buf what = {0};
    bp_buf_printf(&what, "%s: the PDF %s", input, pdf_path);
    st = bp_mail_check_budget(&ctx, what.data, pdf_len, o->max_bytes);
    bp_buf_free(&what);
  }
  if (!st) {
    char *pattern = bp_png_pattern(png_path, "");
    bp_device *dev = bp_png_device_new(pattern, 0, o->width_px * o->density, 1);
    bp_png_device_set_palette(dev, PREVIEW_COLORS);
    dev->group = out;
    st = bp_dlist_run(dl, dev, &ctx);
    free(pattern);
  }
  if (!st) st = bp_file_read_own(&ctx, bp_outgroup_staged_path(out, png_path), &png, &png_len);
  if (!st) {
    nl.charts = (const char *const *)charts;
    nl.n_charts = n_charts;
    nl.byline = byline.len ? byline.data : NULL;
    nl.from = o->from;
    nl.to = o->to;
    nl.subject = o->subject;
    nl.list_id = o->list_id;
    nl.unsubscribe = o->unsubscribe;
    nl.n_unsubscribe = o->n_unsubscribe;
    nl.unsubscribe_post = o->unsubscribe_post;
    nl.pdf = pdf;
    nl.pdf_len = pdf_len;
    nl.pdf_filename = attach;
    nl.pages = (int)dl->n_pages;
    nl.png = png;
    nl.png_len = png_len;
    nl.png_filename = base_of(png_path);
    png_size(png, png_len, &nl.png_width_px, &nl.png_height_px);
    nl.png_density = o->density;
    st = mail->message_new(&ctx, &nl, &eml, &eml_len);
  }
  if (!st) st = bp_file_write_to(&ctx, out, eml_path, eml, eml_len, NULL);
  /* the package is complete: move it into place, all or nothing */
  if (!st) st = bp_outgroup_commit(&ctx, out);
  bp_outgroup_free(out);
  if (st && created) rmdir(o->outdir); /* a failed run leaves no folder it made either */
  if (!st)
    printf("newsletter: %s (%zu bytes, %d page%s)\nnewsletter: %s (%dx%d px, %zu bytes)\n"
           "newsletter: %s (%zu bytes)\n",
           pdf_path, pdf_len, nl.pages, nl.pages == 1 ? "" : "s", png_path, nl.png_width_px,
           nl.png_height_px, png_len, eml_path, eml_len);
  if (!st && o->send) {
    bp_mail_server server = {.url = o->send,
                             .ca_file = o->cacert,
                             .user = getenv("BRIEFPRESS_SMTP_USER"),
                             .password = getenv("BRIEFPRESS_SMTP_PASSWORD"),
                             .netrc = o->netrc,
                             .resolve = o->resolve,
                             .n_resolve = o->n_resolve};
    char *home_netrc = NULL;
    struct stat sb;
    if (!server.netrc && getenv("HOME") && *getenv("HOME")) {
      home_netrc = join_path(getenv("HOME"), ".netrc", "");
      if (lstat(home_netrc, &sb) == 0) server.netrc = home_netrc;
    }
    st = mail->send(&ctx, &server, o->from, o->to, o->bcc, eml, eml_len);
    free(home_netrc);
    if (st) {
      size_t l = strlen(ctx.msg);
      snprintf(ctx.msg + l, sizeof ctx.msg - l, " (the package is written: %s)", eml_path);
    } else {
      char *shown = bp_mail_url_redact(o->send);
      printf("newsletter: sent to %s%s through %s\n", o->to ? o->to : "the Bcc recipients",
             o->to && o->bcc ? " and the Bcc recipients" : "", shown);
      free(shown);
    }
  }
  int rc = 0;
  if (st) {
    fprintf(stderr, "briefpress: %s\n", ctx.msg);
    rc = 1;
  }
  for (size_t i = 0; charts && i < n_charts; i++) free(charts[i]);
  free(charts);
  free(findings);
  char *owned[] = {base, attach, pdf_path, png_path, eml_path, pdf, png, eml};
  for (size_t i = 0; i < sizeof owned / sizeof *owned; i++) free(owned[i]);
  bp_buf_free(&byline);
  bp_dlist_free(dl);
  bp_article_free(art);
  bp_brief_free(brief);
  bp_typesetter_free(ts);
  bp_fontset_free(fs);
  return rc;
}

/* Appends a repeatable option's value. */
static void push(const char ***v, size_t *n, const char *value) {
  *v = bp_realloc(*v, (*n + 1) * sizeof **v);
  (*v)[(*n)++] = value;
}

/* argv[0] is "newsletter". */
int bp_cmd_newsletter(int argc, char **argv) {
  nl_opts o = {0};
  o.max_bytes = DEFAULT_MAX_BYTES;
  o.width_px = 600;
  o.density = 2;
  bp_buf to = {0}, bcc = {0};
  enum {
    OPT_FROM = 256,
    OPT_TO,
    OPT_BCC,
    OPT_LIST_ID,
    OPT_UNSUBSCRIBE,
    OPT_UNSUBSCRIBE_POST,
    OPT_NETRC,
    OPT_RESOLVE,
    OPT_SUBJECT,
    OPT_SEND,
    OPT_CACERT,
    OPT_FONTS,
    OPT_TEMPLATE,
    OPT_MAX_BYTES,
    OPT_WIDTH,
    OPT_DENSITY,
    OPT_NO_PDFA
  };
  static const struct option longs[] = {
      {"output", required_argument, NULL, 'o'},
      {"from", required_argument, NULL, OPT_FROM},
      {"to", required_argument, NULL, OPT_TO},
      {"bcc", required_argument, NULL, OPT_BCC},
      {"list-id", required_argument, NULL, OPT_LIST_ID},
      {"list-unsubscribe", required_argument, NULL, OPT_UNSUBSCRIBE},
      {"list-unsubscribe-post", no_argument, NULL, OPT_UNSUBSCRIBE_POST},
      {"netrc-file", required_argument, NULL, OPT_NETRC},
      {"resolve", required_argument, NULL, OPT_RESOLVE},
      {"subject", required_argument, NULL, OPT_SUBJECT},
      {"send", required_argument, NULL, OPT_SEND},
      {"cacert", required_argument, NULL, OPT_CACERT},
      {"fonts", required_argument, NULL, OPT_FONTS},
      {"template", required_argument, NULL, OPT_TEMPLATE},
      {"max-bytes", required_argument, NULL, OPT_MAX_BYTES},
      {"width", required_argument, NULL, OPT_WIDTH},
      {"density", required_argument, NULL, OPT_DENSITY},
      {"no-pdfa", no_argument, NULL, OPT_NO_PDFA},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int rc = -1, c;
  bp_cli_getopt_start();
  while (rc < 0 && (c = getopt_long(argc, argv, ":o:vh", longs, NULL)) != -1) {
    switch (c) {
    case 'h': rc = usage(stdout); break;
    case 'o': o.outdir = optarg; break;
    case OPT_FROM: o.from = optarg; break;
    case OPT_TO: bp_buf_printf(&to, "%s%s", to.len ? ", " : "", optarg); break;
    case OPT_BCC: bp_buf_printf(&bcc, "%s%s", bcc.len ? ", " : "", optarg); break;
    case OPT_LIST_ID: o.list_id = optarg; break;
    case OPT_UNSUBSCRIBE: push(&o.unsubscribe, &o.n_unsubscribe, optarg); break;
    case OPT_UNSUBSCRIBE_POST: o.unsubscribe_post = true; break;
    case OPT_NETRC: o.netrc = optarg; break;
    case OPT_RESOLVE: push(&o.resolve, &o.n_resolve, optarg); break;
    case OPT_SUBJECT: o.subject = optarg; break;
    case OPT_SEND: o.send = optarg; break;
    case OPT_CACERT: o.cacert = optarg; break;
    case OPT_FONTS: o.fonts = optarg; break;
    case OPT_TEMPLATE: o.template_path = optarg; break;
    case 'v': o.verbose = true; break;
    case OPT_NO_PDFA: o.no_pdfa = true; break;
    case OPT_MAX_BYTES:
      if (!parse_size(optarg, &o.max_bytes)) {
        fprintf(stderr,
                "briefpress: newsletter: --max-bytes \"%s\": give a size in bytes, "
                "e.g. 1000000, 500K or 1M\n",
                optarg);
        rc = 2;
      }
      break;
    case OPT_WIDTH: {
      char *end;
      long w = strtol(optarg, &end, 10);
      if (end == optarg || *end || w < 100 || w > 4000) {
        fprintf(stderr, "briefpress: newsletter: --width must be between 100 and 4000 pixels\n");
        rc = 2;
      } else {
        o.width_px = (int)w;
      }
      break;
    }
    case OPT_DENSITY:
      if (!strcmp(optarg, "1") || !strcmp(optarg, "2") || !strcmp(optarg, "3")) {
        o.density = optarg[0] - '0';
      } else {
        fprintf(stderr, "briefpress: newsletter: --density must be 1, 2 or 3\n");
        rc = 2;
      }
      break;
    default: rc = bp_cli_opt_error("newsletter", c, argv);
    }
  }
  if (rc < 0 && optind < argc) o.input = argv[optind++];
  if (rc < 0 && optind < argc) {
    char *shown = bp_mail_url_redact(argv[optind]); /* a misplaced URL keeps its password */
    fprintf(stderr, "briefpress: newsletter: unexpected argument '%s'\n", shown);
    free(shown);
    rc = usage(stderr);
  }
  if (rc < 0 && bp_output_is_stdout(o.outdir)) {
    fprintf(stderr, "briefpress: newsletter: -o names a folder (three files), not standard "
                    "output\n");
    rc = 2;
  }
  o.to = to.len ? to.data : NULL;
  o.bcc = bcc.len ? bcc.data : NULL;
  if (rc < 0 && (!o.input || !o.outdir)) {
    fprintf(stderr, "briefpress: newsletter needs an input and an output folder (-o DIR)\n");
    rc = usage(stderr);
  }
  if (rc < 0 && o.send && (!o.from || (!o.to && !o.bcc))) {
    fprintf(stderr, "briefpress: newsletter: --send needs --from and --to or --bcc\n");
    rc = 2;
  }
  for (const char *p = o.subject; rc < 0 && p && *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7F) { /* a Subject is one line of text */
      fprintf(stderr,
              "briefpress: newsletter: --subject has %s at byte %zu; a Subject is one line\n",
              *p == '\n' || *p == '\r' ? "a line break" : "a control character",
              (size_t)(p - o.subject) + 1);
      rc = 2;
    }
  if (rc < 0 && !o.send && (o.bcc || o.netrc || o.n_resolve)) {
    fprintf(stderr, "briefpress: newsletter: --%s is for --send (a written .eml has no Bcc)\n",
            o.bcc     ? "bcc"
            : o.netrc ? "netrc-file"
                      : "resolve");
    rc = 2;
  }
  if (rc < 0 && o.send && strncmp(o.send, "smtp://", 7) && strncmp(o.send, "smtps://", 8)) {
    char *shown = bp_mail_url_redact(o.send);
    fprintf(stderr,
            "briefpress: newsletter: --send \"%s\": give an smtp://host:port or "
            "smtps:// URL\n",
            shown);
    free(shown);
    rc = 2;
  }
  if (rc < 0 && o.send) {
    char *shown = bp_mail_url_redact(o.send);
    if (strcmp(shown, o.send))
      fprintf(stderr, "briefpress: newsletter: warning: the password in the --send URL can be "
                      "seen by other users of this machine (ps); use BRIEFPRESS_SMTP_PASSWORD or "
                      "~/.netrc\n");
    free(shown);
  }
  if (rc < 0) rc = run(&o);
  bp_buf_free(&to);
  bp_buf_free(&bcc);
  free(o.unsubscribe);
  free(o.resolve);
  return rc;
}
