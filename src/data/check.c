/* check.c - `briefpress check`: validates a whole data folder (citations/,
 * claims/, series/, articles/, records) and collects every problem as a
 * diagnostic, including the cross-file ones: unknown ids, citations nobody
 * cites, characters no font covers. bp_dataset_load runs the same pass and
 * keeps what it loaded; bp_dataset_open (render) loads only the files a
 * document asks for, each with the same checks. Reads files only; never
 * writes. */
#define _GNU_SOURCE /* memmem */
#include "data-imp.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct cover_cache {
  bool (*covers)(void *, uint32_t);
  void *ud;
  uint8_t known[8192], yes[8192];
} cover_cache;

static bool cached_covers(void *ud, uint32_t cp) {
  cover_cache *c = ud;
  if (cp > 0xFFFF) return c->covers(c->ud, cp);
  uint8_t bit = (uint8_t)(1u << (cp & 7));
  if (!(c->known[cp >> 3] & bit)) {
    c->known[cp >> 3] |= bit;
    if (c->covers(c->ud, cp)) c->yes[cp >> 3] |= bit;
  }
  return (c->yes[cp >> 3] & bit) != 0;
}

typedef struct chk {
  bp_diag_list *dl;
  char *root; /* the data folder: nothing outside it is read */
  cover_cache *cc;
  bp_src **srcs;
  size_t n_srcs, cap_srcs;
  bp_bib *bib;
  bp_refs refs;
  bp_claims *claims;
  bp_strmap claim_ids;
  bp_series **series;
  size_t n_series, cap_series;
  bp_records **records;
  size_t n_records, cap_records;
  bp_strmap md_done; /* Markdown bodies already checked through a manifest */
  bool io_failed;
} chk;

static bp_src *open_file(chk *k, const char *path) {
  bool io;
  bp_src *s = bp__src_open_in(k->dl, k->root, path, &io);
  if (io) k->io_failed = true;
  if (k->cc)
    bp__src_check_chars(s, cached_covers, k->cc);
  else
    bp__src_check_chars(s, NULL, NULL);
  BP_PUSH(k->srcs, k->n_srcs, k->cap_srcs, s);
  return s;
}

static const bp_src *find_src(const chk *k, const char *path) {
  for (size_t i = 0; i < k->n_srcs; i++)
    if (!strcmp(k->srcs[i]->path, path)) return k->srcs[i];
  return NULL;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted paths of dir/sub's regular files ending in ext (sub may be NULL). */
static char **list_files(const char *dir, const char *sub, const char *ext, size_t *n_out) {
  char *d = sub ? bp__path_join(dir, sub) : bp_strdup(dir);
  char **v = NULL;
  size_t n = 0, cap = 0;
  DIR *dp = opendir(d);
  if (dp) {
    struct dirent *e;
    while ((e = readdir(dp))) {
      if (e->d_name[0] == '.') continue;
      size_t nl = strlen(e->d_name), el = strlen(ext);
      if (nl <= el || strcmp(e->d_name + nl - el, ext)) continue;
      char *p = bp__path_join(d, e->d_name);
      struct stat st;
      if (stat(p, &st) || !S_ISREG(st.st_mode)) {
        free(p);
        continue;
      }
      BP_PUSH(v, n, cap, p);
    }
    closedir(dp);
  }
  free(d);
  if (n) qsort(v, n, sizeof *v, cmp_str);
  *n_out = n;
  return v;
}

static void free_list(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
  free(v);
}

static void do_bib(chk *k, const char *path) {
  bp_src *s = open_file(k, path);
  bp_json *j = bp__json_parse(s);
  if (j) bp__bib_parse(s, j, k->bib);
  bp__json_free(j);
}

static void do_claims(chk *k, const char *path) {
  bp_src *s = open_file(k, path);
  bp_json *j = bp__json_parse(s);
  bp_resolver r = {k->bib, &k->refs, NULL};
  if (j) bp__claims_parse(s, j, k->claims, &r, &k->claim_ids);
  bp__json_free(j);
}

static void do_series(chk *k, const char *csvp, const char *metap) {
  bp_src *meta = metap ? open_file(k, metap) : NULL;
  bp_json *mj = meta ? bp__json_parse(meta) : NULL;
  char *data = NULL;
  bool names_data = mj && json_is_string(json_object_get(bp__json_root(mj), "data"));
  if (names_data) data = bp__series_data_path(meta, mj, k->root);
  const char *cp = names_data ? data : csvp;
  bp_src *csv = NULL;
  if (cp) {
    const bp_src *old = find_src(k, cp);
    csv = old ? (bp_src *)old : open_file(k, cp);
  } else if (!names_data) {
    bp__diag(meta, BP_SEV_ERROR, meta->start, "series metadata without its CSV (no %s)",
             "data file");
  }
  bp_resolver r = {k->bib, &k->refs, NULL};
  if (csv && !(meta && !mj)) {
    bp_series *s = bp__series_parse(csv, meta, mj, &r);
    if (s) BP_PUSH(k->series, k->n_series, k->cap_series, s);
  }
  free(data);
  bp__json_free(mj);
}

static void do_records(chk *k, const char *path) {
  bp_csv_dialect d = {0};
  char *mp = bp__records_meta_path(path);
  if (mp) bp__records_meta(open_file(k, mp), &d);
  bp_src *s = open_file(k, path);
  bp_resolver r = {k->bib, &k->refs, NULL};
  bp_records *rec = bp__records_parse(s, &r, &d, mp);
  free(mp);
  if (rec) BP_PUSH(k->records, k->n_records, k->cap_records, rec);
}

/* A Markdown file; with `a`, the body of that article (its manifest ms, mj). */
static void do_markdown(chk *k, const char *path, const bp_resolver *r, bp_article *a, bp_src *ms,
                        bp_json *mj) {
  bp_src *s = open_file(k, path);
  bp_doc *doc = bp__markdown_parse(s);
  bp_bib *own = NULL; /* a Markdown article's own bibliography */
  bp_resolver mine = {NULL, &k->refs, NULL};
  if (doc && !a && doc->bibliography) {
    char *bp = bp__markdown_bib_path(s, doc, k->root);
    own = bp ? bp__bib_new() : NULL;
    bp_src *bs = bp ? open_file(k, bp) : NULL;
    bp_json *bj = bs ? bp__json_parse(bs) : NULL;
    if (bj) bp__bib_parse(bs, bj, own);
    bp__json_free(bj);
    free(bp);
    mine.bib = own;
  }
  if (doc) bp__doc_check_cites(s, doc, own ? &mine : r);
  bp_bib_free(own);
  if (doc && a) bp__article_merge(ms, mj, a, doc);
  bp_doc_free(doc);
  char rp[PATH_MAX];
  bp__map_put(&k->md_done, realpath(path, rp) ? rp : path, 1);
}

/* The loaded citation file with the same real path, or NULL. */
static const char *loaded_bib_path(const chk *k, const char *path) {
  char a[PATH_MAX], b[PATH_MAX];
  if (!realpath(path, a)) return NULL;
  for (size_t i = 0; i < k->bib->n_paths; i++)
    if (realpath(k->bib->paths[i], b) && !strcmp(a, b)) return k->bib->paths[i];
  return NULL;
}

static void do_article(chk *k, const char *path) {
  bp_src *s = open_file(k, path);
  bp_json *j = bp__json_parse(s);
  bp_article *a = j ? bp__article_parse(s, j, k->root) : NULL;
  if (!a) {
    bp__json_free(j);
    return;
  }
  bp_bib *own = NULL;
  bp_resolver r = {k->bib, &k->refs, NULL};
  if (a->bib_path) {
    const char *lp = loaded_bib_path(k, a->bib_path);
    if (lp) {
      r.only_path = lp;
    } else {
      own = bp__bib_new();
      bp_src *bs = open_file(k, a->bib_path);
      bp_json *bj = bp__json_parse(bs);
      if (bj) bp__bib_parse(bs, bj, own);
      bp__json_free(bj);
      r.bib = own;
    }
  }
  do_markdown(k, a->body_path, &r, a, s, j);
  bp_bib_free(own);
  bp_article_free(a);
  bp__json_free(j);
}

static bp_src *src_of(void *ud, const char *path) { return (bp_src *)find_src(ud, path); }

static void check_uncited(chk *k) {
  for (size_t i = 0; i < k->bib->n_items; i++) {
    const bp_csl_item *it = &k->bib->items[i];
    if (bp__map_get(&k->refs.ids, it->id, NULL)) continue;
    const bp_src *s = find_src(k, it->path);
    if (!s) continue;
    bp__diag(
        (bp_src *)s, BP_SEV_WARNING, bp__src_off(s, it->line, it->col),
        "citation '%s' is cited by nobody (no claim, brief, article, series or record uses it)",
        it->id);
  }
}

/* Parses a file only to tell its kind (NULL when it cannot be read or
 * parsed, or leads outside the data folder: open_file then says why). */
static json_t *peek_json(const chk *k, const char *path) {
  char why[PATH_MAX + 256], *text = NULL;
  size_t len = 0;
  bp_ctx ignore;
  bp_ctx_init(&ignore);
  if (!bp_data_path_inside(k->root, path, why, sizeof why) ||
      bp_file_read_max(&ignore, path, BP_DATA_FILE_MAX_BYTES, &text, &len))
    return NULL;
  json_t *root = json_loadb(text, len, 0, NULL);
  free(text);
  return root;
}

/* A brief's own texts cite too: its summary, body and disclaimer strings
 * and the Markdown files it names ({"markdown": F}). Their ids count as
 * cited; their errors are the composer's to report (cmd_check composes every
 * brief in DIR/briefs), so this pass is quiet. */
static void note_cited(chk *k, const char *text) {
  bp_spans sp = {0};
  bp_inline_parse(text, &sp);
  for (size_t i = 0; i < sp.n; i++)
    for (size_t c = 0; c < sp.v[i].n_cite; c++) {
      const bp_csl_item *it = bp_bib_lookup(k->bib, sp.v[i].cite_ids[c]);
      if (it) bp__map_put(&k->refs.ids, it->id, 1);
    }
  bp_spans_free(&sp);
}

static void note_brief_cites(chk *k, const char *dir) {
  static const char *const texts[] = {"summary", "summary_ko", "disclaimer", "disclaimer_ko"};
  static const char *const files[] = {"summary", "summary_ko", "body", "findings", "findings_ko"};
  size_t n, first = k->n_srcs;
  char **v = list_files(dir, "briefs", ".json", &n);
  bp_diag_list *dl = k->dl, *quiet = bp_diag_list_new();
  k->dl = quiet;
  bp_resolver r = {k->bib, &k->refs, NULL};
  for (size_t i = 0; i < n; i++) {
    json_t *root = peek_json(k, v[i]), *body = json_object_get(root, "body");
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) {
      const char *text = json_string_value(json_object_get(root, texts[t]));
      if (text) note_cited(k, text);
    }
    for (size_t p = 0; json_is_array(body) && p < json_array_size(body); p++) {
      const char *text = json_string_value(json_array_get(body, p));
      if (text) note_cited(k, text);
    }
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
      const char *rel =
          json_string_value(json_object_get(json_object_get(root, files[f]), "markdown"));
      char *path = NULL;
      bp_ctx ignore;
      bp_ctx_init(&ignore);
      if (!rel || bp_data_path_resolve(&ignore, k->root, v[i], rel, false, &path)) continue;
      bp_src *s = open_file(k, path);
      bp_doc *doc = bp__markdown_parse(s);
      if (doc) bp__doc_check_cites(s, doc, &r);
      bp_doc_free(doc);
      free(path);
    }
    json_decref(root);
  }
  k->dl = dl;
  for (size_t i = first; i < k->n_srcs; i++) k->srcs[i]->dl = dl;
  bp_diag_list_free(quiet);
  free_list(v, n);
}

typedef enum kind {
  K_NONE,
  K_BIB,
  K_CLAIMS,
  K_SERIES,
  K_ARTICLE,
  K_BRIEF,
  K_MARKDOWN,
  K_RECORDS
} kind;

/* Standard input ("-") has no name to go by: JSON is JSON, a first line of
 * names separated by ',' or ';' is a CSV header, anything else Markdown. */
static const char *stdin_ext(void) {
  char *text = NULL;
  size_t len = 0;
  bp_ctx ignore;
  bp_ctx_init(&ignore);
  if (bp_file_read_max(&ignore, BP_STDIN_NAME, BP_DATA_FILE_MAX_BYTES, &text, &len)) return "";
  const char *p = text + strspn(text, " \t\r\n");
  size_t names = strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_,;");
  bool header =
      (memchr(text, ',', names) || memchr(text, ';', names)) && strchr("\r\n", text[names]);
  const char *ext = *p == '{' || *p == '[' ? ".json" : header ? ".csv" : ".md";
  free(text);
  return ext;
}

static kind sniff(const chk *ck, const char *path) {
  char *dir = bp__path_dir(path);
  const char *parent = bp__path_base(dir);
  const char *dot = strcmp(path, BP_STDIN_NAME) ? strrchr(path, '.') : stdin_ext();
  kind k = K_NONE;
  bool json = dot && !strcmp(dot, ".json"), csv = dot && !strcmp(dot, ".csv");
  if (dot && !strcmp(dot, ".md"))
    k = K_MARKDOWN;
  else if (!strcmp(parent, "citations") && json)
    k = K_BIB;
  else if (!strcmp(parent, "claims") && json)
    k = K_CLAIMS;
  else if (!strcmp(parent, "series") && (json || csv))
    k = K_SERIES;
  else if (!strcmp(parent, "articles") && json)
    k = K_ARTICLE;
  else if (csv)
    k = K_RECORDS;
  else if (json) {
    json_t *root = peek_json(ck, path);
    if (json_is_object(root) && json_object_get(root, "template") &&
        !json_is_string(json_object_get(root, "body")))
      k = K_BRIEF; /* composed as render would (briefpress check does) */
    else if (json_is_object(root))
      k = json_object_get(root, "body") ? K_ARTICLE : K_SERIES;
    else if (json_is_array(root)) {
      json_t *first = json_array_get(root, 0);
      k = json_object_get(first, "type") ? K_BIB : K_CLAIMS;
    } else
      k = K_CLAIMS;
    json_decref(root);
  }
  free(dir);
  return k;
}

static void series_pair(chk *k, const char *path) {
  size_t n = strlen(path);
  bool json = n > 5 && !strcmp(path + n - 5, ".json");
  char *other = bp_malloc(n + 2);
  memcpy(other, path, n + 1);
  strcpy(other + n - (json ? 5 : 4), json ? ".csv" : ".json");
  struct stat st;
  bool has_other = !stat(other, &st);
  if (json)
    do_series(k, has_other ? other : NULL, path);
  else
    do_series(k, path, has_other ? other : NULL);
  free(other);
}

/* Calls fn on each of dir/sub's files ending in ext, in order; returns how many. */
static size_t each_file(chk *k, const char *dir, const char *sub, const char *ext,
                        void (*fn)(chk *, const char *)) {
  size_t n;
  char **v = list_files(dir, sub, ext, &n);
  for (size_t i = 0; i < n; i++) fn(k, v[i]);
  free_list(v, n);
  return n;
}

/* series: every CSV with its metadata; metadata without a CSV of the same
 * stem. Returns the number of files. */
static size_t run_series(chk *k, const char *dir) {
  size_t n, total = each_file(k, dir, "series", ".csv", series_pair);
  char **v = list_files(dir, "series", ".json", &n);
  for (size_t i = 0; i < n; i++) {
    char *csv = bp_strdup(v[i]);
    strcpy(csv + strlen(csv) - 5, ".csv");
    struct stat st;
    json_t *root = peek_json(k, v[i]);
    bool names_data = json_is_string(json_object_get(root, "data"));
    json_decref(root);
    if (stat(csv, &st) || names_data) {
      if (!find_src(k, v[i])) do_series(k, NULL, v[i]);
    }
    free(csv);
  }
  total += n;
  free_list(v, n);
  return total;
}

/* records: DIR/ *.csv, then DIR/records/ *.csv. Returns the number of files. */
static size_t run_records(chk *k, const char *dir) {
  return each_file(k, dir, NULL, ".csv", do_records) +
         each_file(k, dir, "records", ".csv", do_records);
}

static void run_dir(chk *k, const char *dir) {
  size_t n, total = each_file(k, dir, "citations", ".json", do_bib);
  total += each_file(k, dir, "claims", ".json", do_claims);
  total += run_series(k, dir);
  total += run_records(k, dir);
  total += each_file(k, dir, "articles", ".json", do_article);

  char **v = list_files(dir, "articles", ".md", &n);
  bp_resolver r = {k->bib, &k->refs, NULL};
  for (size_t i = 0; i < n; i++) {
    char rp[PATH_MAX];
    if (!bp__map_get(&k->md_done, realpath(v[i], rp) ? rp : v[i], NULL))
      do_markdown(k, v[i], &r, NULL, NULL, NULL);
  }
  free_list(v, n);

  if (!total)
    bp__diag_file(
        k->dl, BP_SEV_WARNING, dir, 1, 1,
        "no data files found (expected citations/, claims/, series/, articles/ or *.csv)");
  bp__bib_check_same_work(k->bib, src_of, k);
  note_brief_cites(k, dir);
  check_uncited(k);
}

static void run_file(chk *k, const char *path) {
  kind kd = sniff(k, path);
  /* resolve citations against the folder's citations/ when there is one */
  const char *root = k->root;
  if (kd != K_BIB) {
    size_t n;
    char **v = list_files(root, "citations", ".json", &n);
    bp_diag_list *quiet = bp_diag_list_new();
    bp_diag_list *dl = k->dl;
    k->dl = quiet;
    for (size_t i = 0; i < n; i++) do_bib(k, v[i]);
    k->dl = dl;
    bp_diag_list_free(quiet);
    for (size_t i = 0; i < k->n_srcs; i++) k->srcs[i]->dl = dl;
    free_list(v, n);
  }
  bp_resolver r = {k->bib, &k->refs, NULL};
  switch (kd) {
  case K_BIB:
    do_bib(k, path);
    bp__bib_check_same_work(k->bib, src_of, k);
    break;
  case K_CLAIMS: do_claims(k, path); break;
  case K_SERIES: series_pair(k, path); break;
  case K_ARTICLE: do_article(k, path); break;
  case K_MARKDOWN: do_markdown(k, path, &r, NULL, NULL, NULL); break;
  case K_BRIEF: break; /* composed by briefpress check, as render does */
  case K_RECORDS:
  case K_NONE: do_records(k, path); break;
  }
}

static void chk_free(chk *k) {
  free(k->root);
  for (size_t i = 0; i < k->n_srcs; i++) bp__src_free(k->srcs[i]);
  free(k->srcs);
  bp_bib_free(k->bib);
  bp__map_free(&k->refs.ids);
  bp_claims_free(k->claims);
  bp__map_free(&k->claim_ids);
  for (size_t i = 0; i < k->n_series; i++) bp_series_free(k->series[i]);
  free(k->series);
  for (size_t i = 0; i < k->n_records; i++) bp_records_free(k->records[i]);
  free(k->records);
  bp__map_free(&k->md_done);
  free(k->cc);
}

static bp_status run(bp_ctx *ctx, const char *dir, const bp_check_options *opts, chk *k) {
  memset(k, 0, sizeof *k);
  struct stat st = {0}; /* standard input is one file */
  if (strcmp(dir, BP_STDIN_NAME) && stat(dir, &st))
    return bp_error(ctx, BP_ERR_IO, "%s: %s", dir, BP_STRERROR(errno));
  k->dl = bp_diag_list_new();
  k->bib = bp__bib_new();
  k->claims = bp_calloc(1, sizeof *k->claims);
  if (opts && opts->covers) {
    k->cc = bp_calloc(1, sizeof *k->cc);
    k->cc->covers = opts->covers;
    k->cc->ud = opts->covers_ud;
  }
  if (S_ISDIR(st.st_mode)) {
    k->root = bp_strdup(dir);
    run_dir(k, dir);
  } else {
    k->root = bp_data_root_of(dir);
    run_file(k, dir);
  }
  bp__diag_sort(k->dl);
  return BP_OK;
}

bp_status bp_check_folder(bp_ctx *ctx, const char *dir, const bp_check_options *opts,
                          bp_diag_list **out) {
  *out = NULL;
  chk k;
  bp_status st = run(ctx, dir, opts, &k);
  if (st != BP_OK) return st;
  *out = k.dl;
  chk_free(&k);
  return BP_OK;
}

/* Drops the diagnostics about `path` (compared by real path). */
static void drop_diags_of(bp_diag_list *dl, const char *path) {
  char want[PATH_MAX], got[PATH_MAX];
  if (!realpath(path, want)) return;
  size_t keep = 0;
  dl->n_errors = dl->n_warnings = 0;
  for (size_t i = 0; i < dl->n; i++) {
    bp_diag *d = &dl->v[i];
    if (d->file && realpath(d->file, got) && !strcmp(got, want)) {
      bp__diag_release(d);
      continue;
    }
    if (d->severity == BP_SEV_ERROR) dl->n_errors++;
    if (d->severity == BP_SEV_WARNING) dl->n_warnings++;
    dl->v[keep++] = *d;
  }
  dl->n = keep;
}

bp_status bp_dataset_load(bp_ctx *ctx, const char *dir, bp_dataset **out) {
  return bp_dataset_load_except(ctx, dir, NULL, out);
}

bp_status bp_dataset_load_except(bp_ctx *ctx, const char *dir, const char *except,
                                 bp_dataset **out) {
  *out = NULL;
  chk k;
  bp_status st = run(ctx, dir, NULL, &k);
  if (st != BP_OK) return st;
  if (except) drop_diags_of(k.dl, except);
  st = bp__diag_to_ctx(ctx, k.dl, false);
  if (st == BP_OK) {
    bp_dataset *ds = bp_calloc(1, sizeof *ds);
    ds->dir = bp_strdup(dir);
    ds->bib = k.bib;
    ds->claims = k.claims;
    ds->series = k.series;
    ds->n_series = k.n_series;
    ds->records = k.records;
    ds->n_records = k.n_records;
    k.bib = NULL;
    k.claims = NULL;
    k.series = NULL;
    k.n_series = 0;
    k.records = NULL;
    k.n_records = 0;
    *out = ds;
  }
  bp_diag_list_free(k.dl);
  chk_free(&k);
  return st;
}

static void lazy_free(bp_dataset_lazy *lz);

void bp_dataset_free(bp_dataset *ds) {
  if (!ds) return;
  if (ds->lazy) { /* the loader's lists */
    ds->series = NULL, ds->n_series = 0;
    ds->records = NULL, ds->n_records = 0;
  }
  lazy_free(ds->lazy);
  free(ds->dir);
  bp_bib_free(ds->bib);
  bp_claims_free(ds->claims);
  for (size_t i = 0; i < ds->n_series; i++) bp_series_free(ds->series[i]);
  free(ds->series);
  for (size_t i = 0; i < ds->n_records; i++) bp_records_free(ds->records[i]);
  free(ds->records);
  free(ds);
}

/* ---- render's data set: each file loaded when the document asks ---------- */

/* `render` (a brief, an article's charts) loads the citations, which any
 * text may cite, and then only the claims, series and records the document
 * names, when its checks first ask for them (bp_dataset_claim_find,
 * bp_dataset_series_find, bp_dataset_records_find): every file it loads is
 * checked as `check` checks it and its first error fails the document;
 * the files it does not use are not read. One document's: loading is
 * serialised, but the lists grow while it loads. */
struct bp_dataset_lazy {
  pthread_mutex_t lock;
  bp_dataset *ds;
  chk k;
  char **claim_files; /* claims/ *.json, sorted; NULL once parsed */
  size_t n_claim_files;
  bp_strmap asked; /* "s:NAME", "r:NAME": series and records looked for */
};

static void lazy_free(bp_dataset_lazy *lz) {
  if (!lz) return;
  lz->k.bib = NULL; /* the data set's */
  lz->k.claims = NULL;
  chk_free(&lz->k);
  bp_diag_list_free(lz->k.dl);
  free_list(lz->claim_files, lz->n_claim_files);
  bp__map_free(&lz->asked);
  pthread_mutex_destroy(&lz->lock);
  free(lz);
}

/* After a file or files are loaded: their first error, if any; the data
 * set's lists are the loader's (which owns what they point to), and the
 * files' texts and warnings are dropped. */
static bp_status lazy_settle(bp_ctx *ctx, bp_dataset_lazy *lz) {
  chk *k = &lz->k;
  bp_status st = BP_OK;
  if (k->dl->n_errors) {
    bp__diag_sort(k->dl);
    st = bp__diag_to_ctx(ctx, k->dl, k->io_failed);
  }
  for (size_t i = 0; i < k->n_srcs; i++) bp__src_free(k->srcs[i]);
  k->n_srcs = 0;
  bp_diag_list_free(k->dl);
  k->dl = bp_diag_list_new();
  bp_dataset *ds = lz->ds;
  ds->series = k->series, ds->n_series = k->n_series;
  ds->records = k->records, ds->n_records = k->n_records;
  return st;
}

bp_status bp_dataset_open(bp_ctx *ctx, const char *dir, bp_dataset **out) {
  *out = NULL;
  struct stat sb;
  if (!strcmp(dir, BP_STDIN_NAME) || (stat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode)))
    return bp_dataset_load(ctx, dir, out); /* one file: all of it */
  if (stat(dir, &sb)) return bp_error(ctx, BP_ERR_IO, "%s: %s", dir, BP_STRERROR(errno));
  bp_dataset_lazy *lz = bp_calloc(1, sizeof *lz);
  pthread_mutex_init(&lz->lock, NULL);
  chk *k = &lz->k;
  k->dl = bp_diag_list_new();
  k->root = bp_strdup(dir);
  k->bib = bp__bib_new();
  k->claims = bp_calloc(1, sizeof *k->claims);
  bp_dataset *ds = bp_calloc(1, sizeof *ds);
  ds->dir = bp_strdup(dir);
  ds->bib = k->bib;
  ds->claims = k->claims;
  ds->lazy = lz;
  lz->ds = ds;
  each_file(k, dir, "citations", ".json", do_bib);
  bp__bib_check_same_work(k->bib, src_of, k);
  lz->claim_files = list_files(dir, "claims", ".json", &lz->n_claim_files);
  bp_status st = lazy_settle(ctx, lz);
  if (st) {
    bp_dataset_free(ds);
    return st;
  }
  *out = ds;
  return BP_OK;
}

/* True when the file's text has "id" (quoted) in it; true too when it
 * cannot be read (the parse then says why); false for an empty id. */
static bool mentions(const char *path, const char *id) {
  char *text = NULL;
  size_t len = 0;
  bp_ctx ignore;
  bp_ctx_init(&ignore);
  if (bp_file_read_max(&ignore, path, BP_DATA_FILE_MAX_BYTES, &text, &len)) return true;
  size_t n = strlen(id);
  const char *end = text + len;
  bool found = false;
  /* an empty id narrows nothing: the second pass reads every file */
  if (n > 0)
    for (const char *p = text; !found && p < end && (p = memmem(p, (size_t)(end - p), id, n)); p++)
      found = p > text && p[-1] == '"' && p + n < end && p[n] == '"';
  free(text);
  return found;
}

bp_status bp_dataset_claim_find(bp_ctx *ctx, const bp_dataset *ds, const char *id,
                                const bp_claim **out) {
  *out = bp_claims_lookup(ds->claims, id);
  bp_dataset_lazy *lz = ds->lazy;
  if (*out || !lz || !id) return BP_OK;
  bp_status st = BP_OK;
  pthread_mutex_lock(&lz->lock);
  /* the files that name it first; then, as an escape may hide it, the others */
  for (int pass = 0; pass < 2 && !st && !*out; pass++)
    for (size_t i = 0; i < lz->n_claim_files && !st && !*out; i++) {
      char *path = lz->claim_files[i];
      if (!path || (pass == 0 && !mentions(path, id))) continue;
      do_claims(&lz->k, path);
      free(path);
      lz->claim_files[i] = NULL;
      st = lazy_settle(ctx, lz);
      *out = st ? NULL : bp_claims_lookup(ds->claims, id);
    }
  pthread_mutex_unlock(&lz->lock);
  return st;
}

/* A name that is a file's stem in one folder (not a path). */
static bool plain_name(const char *name) { return *name && *name != '.' && !strchr(name, '/'); }

/* dir/sub/name + ext when it is a regular file (owned), else NULL */
static char *regular_file(const char *dir, const char *sub, const char *name, const char *ext) {
  bp_buf b = {0};
  bp_buf_printf(&b, "%s/%s%s%s%s", dir, sub ? sub : "", sub ? "/" : "", name, ext);
  struct stat sb;
  if (stat(b.data, &sb) == 0 && S_ISREG(sb.st_mode)) return bp_buf_detach(&b);
  bp_buf_free(&b);
  return NULL;
}

/* Loads what `what` 's' (series) or 'r' (records) named `name` needs, once:
 * its file when the name is one, else (a stem named by another file's
 * "data") the whole folder of that kind. */
static bp_status lazy_load(bp_ctx *ctx, bp_dataset_lazy *lz, char what, const char *name) {
  bp_buf key = {0};
  bp_buf_printf(&key, "%c:%s", what, name);
  bool asked = bp__map_get(&lz->asked, key.data, NULL);
  bp__map_put(&lz->asked, key.data, 1);
  bp_buf_free(&key);
  if (asked) return BP_OK;
  chk *k = &lz->k;
  const char *dir = k->root;
  char *a = NULL, *b = NULL;
  if (plain_name(name) && what == 's') {
    if ((a = regular_file(dir, "series", name, ".csv")) ||
        (b = regular_file(dir, "series", name, ".json")))
      series_pair(k, a ? a : b);
  } else if (plain_name(name)) {
    if ((a = regular_file(dir, NULL, name, ".csv")) ||
        (b = regular_file(dir, "records", name, ".csv")))
      do_records(k, a ? a : b);
  }
  const char *all = what == 's' ? "*series" : "*records";
  if (!a && !b && !bp__map_get(&lz->asked, all, NULL)) {
    bp__map_put(&lz->asked, all, 1);
    if (what == 's')
      run_series(k, dir);
    else
      run_records(k, dir);
  }
  free(a);
  free(b);
  return lazy_settle(ctx, lz);
}

static bool stem_is(const char *path, const char *name) {
  if (!path) return false;
  const char *b = bp__path_base(path);
  const char *dot = strrchr(b, '.');
  size_t n = dot ? (size_t)(dot - b) : strlen(b);
  return n == strlen(name) && !strncmp(b, name, n);
}

static const bp_series *series_loaded(const bp_dataset *ds, const char *name) {
  for (size_t i = 0; ds && name && i < ds->n_series; i++)
    if (stem_is(ds->series[i]->path, name) || stem_is(ds->series[i]->meta_path, name))
      return ds->series[i];
  return NULL;
}

static const bp_records *records_loaded(const bp_dataset *ds, const char *name) {
  for (size_t i = 0; ds && name && i < ds->n_records; i++)
    if (stem_is(ds->records[i]->path, name)) return ds->records[i];
  return NULL;
}

/* lazy_load under the lock, for an opened data set */
static bp_status lazy_need(bp_ctx *ctx, const bp_dataset *ds, char what, const char *name) {
  if (!ds || !ds->lazy || !name) return BP_OK;
  pthread_mutex_lock(&ds->lazy->lock);
  bp_status st = lazy_load(ctx, ds->lazy, what, name);
  pthread_mutex_unlock(&ds->lazy->lock);
  return st;
}

bp_status bp_dataset_series_find(bp_ctx *ctx, const bp_dataset *ds, const char *name,
                                 const bp_series **out) {
  *out = series_loaded(ds, name);
  bp_status st = *out ? BP_OK : lazy_need(ctx, ds, 's', name);
  if (!st && !*out) *out = series_loaded(ds, name);
  return st;
}

bp_status bp_dataset_records_find(bp_ctx *ctx, const bp_dataset *ds, const char *name,
                                  const bp_records **out) {
  *out = records_loaded(ds, name);
  bp_status st = *out ? BP_OK : lazy_need(ctx, ds, 'r', name);
  if (!st && !*out) *out = records_loaded(ds, name);
  return st;
}

const bp_series *bp_dataset_series(const bp_dataset *ds, const char *name) {
  const bp_series *s;
  bp_ctx ignore;
  bp_ctx_init(&ignore);
  return bp_dataset_series_find(&ignore, ds, name, &s) ? NULL : s;
}

const bp_records *bp_dataset_records(const bp_dataset *ds, const char *name) {
  const bp_records *r;
  bp_ctx ignore;
  bp_ctx_init(&ignore);
  return bp_dataset_records_find(&ignore, ds, name, &r) ? NULL : r;
}
