/* cmd_init.c - `briefpress init DIR`: scaffolds a data folder that `check`
 * passes and `render` renders: one citation, one claim, one series, a
 * brief and a copy of the shipped one-page template. DIR must be new or
 * empty; every file is created with O_EXCL (never replacing anything, even
 * a file that appears meanwhile), and a failed run removes what it made. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "app/cli.h"

int bp_cmd_init(int argc, char **argv);

/* The template the brief names, copied from the shipped templates. */
#define INIT_TEMPLATE "one-page-brief.json"

static const char README_MD[] =
    "# A briefpress data folder\n"
    "\n"
    "Made by `briefpress init`. Each file is an example to edit or replace:\n"
    "\n"
    "- `citations/sources.json`: the sources, as CSL-JSON (what Zotero exports)\n"
    "- `claims/claims.json`: claims, each citing its sources\n"
    "- `series/visits.csv` and `series/visits.json`: a time series and what it is\n"
    "- `briefs/example.json`: a one-page brief: its texts, the claims it shows\n"
    "  as key findings and its chart\n"
    "- `templates/" INIT_TEMPLATE "`: the brief's layout (briefpress-templates(5))\n"
    "\n"
    "```sh\n"
    "briefpress check .                                   # every problem as file:line:column\n"
    "briefpress render briefs/example.json -o example.pdf\n"
    "```\n";

static const char CITATIONS_JSON[] =
    "[\n"
    "  {\n"
    "    \"id\": \"example_report_2024\",\n"
    "    \"type\": \"report\",\n"
    "    \"author\": [{\"family\": \"Kim\", \"given\": \"Minji\"}],\n"
    "    \"issued\": {\"date-parts\": [[2024, 3, 15]]},\n"
    "    \"title\": \"Library Visits in Three Cities, 2020–2023\",\n"
    "    \"original-title\": \"세 도시의 도서관 이용, 2020–2023년\",\n"
    "    \"publisher\": \"Example Institute\",\n"
    "    \"URL\": \"https://www.example.org/reports/library-visits-2024\",\n"
    "    \"language\": \"en\"\n"
    "  }\n"
    "]\n";

static const char CLAIMS_JSON[] =
    "[\n"
    "  {\n"
    "    \"id\": \"visits-recovered\",\n"
    "    \"text\": \"Library visits in the three cities were back at their 2019 level by 2023 "
    "[@example_report_2024].\",\n"
    "    \"text_ko\": \"세 도시의 도서관 방문은 2023년에 2019년 수준을 회복했다.\",\n"
    "    \"date\": \"2024-03\",\n"
    "    \"topics\": [\"libraries\"]\n"
    "  }\n"
    "]\n";

static const char SERIES_CSV[] = "year,visits,source_id,note\n"
                                 "2020,1.2,example_report_2024,Closed for part of the year\n"
                                 "2021,2.1,example_report_2024,\n"
                                 "2022,2.9,example_report_2024,\n"
                                 "2023,3.4,example_report_2024,\n";

static const char SERIES_JSON[] = "{\n"
                                  "  \"title\": \"Library visits in three cities, 2020–2023\",\n"
                                  "  \"unit\": \"million visits\",\n"
                                  "  \"source\": \"example_report_2024\",\n"
                                  "  \"columns\": {\"visits\": \"Visits (millions)\"}\n"
                                  "}\n";

static const char BRIEF_JSON[] =
    "{\n"
    "  \"template\": \"../templates/" INIT_TEMPLATE "\",\n"
    "  \"data\": \"..\",\n"
    "  \"institute\": \"Example Institute\",\n"
    "  \"series\": \"Example Brief\",\n"
    "  \"number\": \"2024-01\",\n"
    "  \"date\": \"2024-04\",\n"
    "  \"title\": \"Libraries are busy again\",\n"
    "  \"title_ko\": \"도서관이 다시 붐빈다\",\n"
    "  \"subtitle\": \"A one-page brief made by briefpress init: edit it, then render it\",\n"
    "  \"author\": \"Your Name\",\n"
    "  \"lang\": \"en\",\n"
    "  \"summary\": \"Visits to public libraries fell by two thirds in 2020 and have recovered "
    "since [@example_report_2024]. This summary, the finding below and the chart come from the "
    "files of this folder.\",\n"
    "  \"findings\": [\"visits-recovered\"],\n"
    "  \"charts\": [\n"
    "    {\"kind\": \"bar\", \"series\": \"visits\", \"column\": \"visits\", \"title\": "
    "\"Library visits, 2020–2023\", \"value_labels\": true}\n"
    "  ],\n"
    "  \"disclaimer\": \"An example made by briefpress init: replace it with your own.\"\n"
    "}\n";

/* The scaffold, in the order it is made (folders before their files). A
 * NULL text is a folder; the template's text is read at run time. */
static const struct {
  const char *path;
  const char *text;
} SCAFFOLD[] = {
    {"README.md", README_MD},
    {"citations", NULL},
    {"citations/sources.json", CITATIONS_JSON},
    {"claims", NULL},
    {"claims/claims.json", CLAIMS_JSON},
    {"series", NULL},
    {"series/visits.csv", SERIES_CSV},
    {"series/visits.json", SERIES_JSON},
    {"templates", NULL},
    {"templates/" INIT_TEMPLATE, ""},
    {"briefs", NULL},
    {"briefs/example.json", BRIEF_JSON},
};
#define N_SCAFFOLD (sizeof SCAFFOLD / sizeof *SCAFFOLD)

/* Fails unless `dir` holds nothing but "." and "..". */
static bp_status check_empty(bp_ctx *ctx, const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return bp_error(ctx, BP_ERR_IO, "%s: cannot read the folder: %s", dir, BP_STRERROR(errno));
  bool empty = true;
  for (struct dirent *e; empty && (e = readdir(d));)
    empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
  closedir(d);
  if (empty) return BP_OK;
  return bp_error(ctx, BP_ERR_IO,
                  "%s: the folder is not empty; init writes only into a new or empty folder", dir);
}

/* Creates `path` with `len` bytes, never replacing or following anything. */
static bp_status write_new(bp_ctx *ctx, const char *path, const char *text, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) return bp_error(ctx, BP_ERR_IO, "%s: cannot create: %s", path, BP_STRERROR(errno));
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, text + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += (size_t)n;
  }
  int err = done < len ? errno : 0;
  if (close(fd) != 0 && !err) err = errno;
  if (done < len || err) {
    unlink(path); /* ours: made above */
    return bp_error(ctx, BP_ERR_IO, "%s: cannot write: %s", path, BP_STRERROR(err ? err : EIO));
  }
  return BP_OK;
}

static bp_status scaffold(bp_ctx *ctx, const char *dir, const char *tpl_text, size_t tpl_len,
                          size_t *made) {
  for (*made = 0; *made < N_SCAFFOLD; (*made)++) {
    char *path = g_strdup_printf("%s/%s", dir, SCAFFOLD[*made].path);
    const char *text = SCAFFOLD[*made].text;
    bp_status st = BP_OK;
    if (!text && mkdir(path, 0777) != 0)
      st = bp_error(ctx, BP_ERR_IO, "%s: cannot create folder: %s", path, BP_STRERROR(errno));
    else if (text && !*text)
      st = write_new(ctx, path, tpl_text, tpl_len);
    else if (text)
      st = write_new(ctx, path, text, strlen(text));
    g_free(path);
    if (st) return st;
  }
  return BP_OK;
}

/* Removes the first `made` entries of the scaffold (they are ours), last first. */
static void unscaffold(const char *dir, size_t made) {
  while (made--) {
    char *path = g_strdup_printf("%s/%s", dir, SCAFFOLD[made].path);
    if (SCAFFOLD[made].text)
      unlink(path);
    else
      rmdir(path);
    g_free(path);
  }
}

static int usage(FILE *f) {
  fprintf(f, "usage: briefpress init [options] <dir>\n"
             "  makes a data folder to start from: a citation, a claim, a series, a brief\n"
             "  (briefs/example.json) and a copy of the one-page template, which\n"
             "  `briefpress check DIR` passes and `briefpress render` renders. DIR must be\n"
             "  new or empty (it is made, with its parents, if missing); nothing is replaced\n"
             "options:\n"
             "  --fonts DIR   accepted as by every command (init reads no font)\n"
             "  -h, --help    this text\n" EXIT_STATUS_HELP);
  return f == stderr ? 2 : 0;
}

int bp_cmd_init(int argc, char **argv) {
  enum { OPT_FONTS = 256 };
  static const struct option longs[] = {{"fonts", required_argument, NULL, OPT_FONTS},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  bp_cli_getopt_start();
  int c;
  while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
    switch (c) {
    case OPT_FONTS: break;
    case 'h': return usage(stdout);
    default: return bp_cli_opt_error("init", c, argv);
    }
  }
  if (optind + 1 != argc) {
    fprintf(stderr, "briefpress init needs one folder\n");
    return usage(stderr);
  }
  const char *dir = argv[optind];
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *tpl_path = g_strdup_printf("%s/%s", bp_data_templates_dir(), INIT_TEMPLATE);
  char *tpl = NULL;
  size_t tpl_len = 0, made = 0;
  bool created = false;
  bp_status st = bp_file_read(&ctx, tpl_path, &tpl, &tpl_len);
  if (!st) st = bp_mkdir_p(&ctx, dir, &created);
  if (!st && !created) st = check_empty(&ctx, dir);
  if (!st) st = scaffold(&ctx, dir, tpl, tpl_len, &made);
  if (st) {
    unscaffold(dir, made);
    if (created) rmdir(dir);
    fprintf(stderr, "briefpress init: %s\n", ctx.msg);
  } else {
    printf("%s: a data folder with briefs/example.json; try:\n"
           "  briefpress check %s\n"
           "  briefpress render %s/briefs/example.json -o example.pdf\n",
           dir, dir, dir);
  }
  free(tpl);
  g_free(tpl_path);
  return st ? 1 : 0;
}
