/* batch.c - `briefpress batch TEMPLATE RECORDS.csv -o DIR`: one profile PDF
 * per record, rendered by a pool of threads that share the read-only
 * template, data set and records (each thread has its own font set and
 * typesetter: Pango font maps are not thread-safe), with progress on a
 * terminal, a manifest (id, file, title, pages, bytes, SHA-256, warnings or
 * error, content hash) written atomically at the end, re-runs that skip
 * unchanged records, and --shard i/n so other engines can spread the work.
 * Every PDF is written to a temporary file and renamed; a failed record
 * leaves no file. Touches nothing outside the output folder. */
#define _GNU_SOURCE /* O_TMPFILE, mkostemp: the manifest's spool */
#include "app/batch.h"

#include <cairo.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib.h>
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "app/cli.h"
#include "compose/compose.h"
#include "render/render.h"

#define BP_BATCH_VERSION "briefpress " BP_VERSION " (batch 1)"

/* ---- slugs, shards, names --------------------------------------------------- */

bool bp_batch_shard_parse(const char *s, int *index, int *count) {
  if (!s) return false;
  char *end;
  errno = 0;
  long i = strtol(s, &end, 10);
  if (end == s || *end != '/' || errno) return false;
  const char *q = end + 1;
  long n = strtol(q, &end, 10);
  if (end == q || *end || errno) return false;
  if (n < 1 || n > 100000 || i < 0 || i >= n) return false;
  *index = (int)i;
  *count = (int)n;
  return true;
}

bool bp_batch_in_shard(size_t row, int index, int count) {
  return count > 0 && row % (size_t)count == (size_t)index;
}

/* A record's fields by column name, for bp_template_expand. */
typedef struct row_fields {
  const bp_records *rec;
  char **fields;
} row_fields;

static const char *names_lookup(void *ud, const char *name) {
  const row_fields *rf = ud;
  int k = bp_records_column(rf->rec, name);
  return k < 0 ? NULL : rf->fields[k];
}

struct bp_batch_names {
  char *text; /* each record's "id\0name\0" */
  size_t *at; /* where record i's id starts in text */
  size_t n;
};

/* Record i's file name before de-duplication (owned). */
static char *name_stem(const bp_records *rec, char **fields, size_t i, const char *pattern) {
  row_fields rf = {rec, fields};
  char *text = bp_template_expand(pattern ? pattern : "{id}", names_lookup, &rf);
  char *slug = bp_slug(text, 96);
  free(text);
  if (!*slug) {
    free(slug);
    slug = bp_slug(fields[0], 96);
  }
  if (!*slug) {
    free(slug);
    char buf[48];
    snprintf(buf, sizeof buf, "record-%zu", i + 1);
    slug = bp_strdup(buf);
  }
  return slug;
}

bp_status bp_batch_names_new(bp_ctx *ctx, const bp_records *rec, const char *pattern,
                             bp_batch_names **out) {
  *out = NULL;
  bp_buf text = {0};
  size_t *at = bp_calloc(rec->n_rows + 1, sizeof *at);
  /* the names taken so far (their own copies: the text moves as it grows) */
  GHashTable *taken = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
  /* for a stem that was taken, the suffix to try next: stem-2 up to the one
   * before it are all taken (names are never given back), so a thousand
   * records of one stem cost a thousand tries, not half a million */
  GHashTable *next = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
  bp_status st = BP_OK;
  for (size_t i = 0; i < rec->n_rows && !st; i++) {
    char **fields;
    st = bp_records_read_row(ctx, rec, i, &fields);
    if (st) break;
    char *slug = name_stem(rec, fields, i, pattern);
    char *name = bp_strdup(slug);
    if (g_hash_table_contains(taken, name)) {
      int k = GPOINTER_TO_INT(g_hash_table_lookup(next, slug));
      for (k = k ? k : 2; g_hash_table_contains(taken, name); k++) {
        free(name);
        name = bp_malloc(strlen(slug) + 16);
        sprintf(name, "%s-%d", slug, k);
      }
      g_hash_table_insert(next, slug, GINT_TO_POINTER(k)); /* takes slug */
    } else {
      free(slug);
    }
    at[i] = text.len;
    bp_buf_put(&text, fields[0], strlen(fields[0]) + 1);
    bp_buf_put(&text, name, strlen(name) + 1);
    g_hash_table_add(taken, name);
    free(fields);
  }
  g_hash_table_destroy(taken);
  g_hash_table_destroy(next);
  if (st) {
    bp_buf_free(&text);
    free(at);
    return st;
  }
  bp_batch_names *n = bp_calloc(1, sizeof *n);
  at[rec->n_rows] = text.len;
  n->text = bp_realloc(bp_buf_detach(&text), at[rec->n_rows] + 1); /* no slack */
  n->at = at;
  n->n = rec->n_rows;
  *out = n;
  return BP_OK;
}

const char *bp_batch_names_id(const bp_batch_names *n, size_t row) { return n->text + n->at[row]; }

const char *bp_batch_names_file(const bp_batch_names *n, size_t row) {
  const char *id = bp_batch_names_id(n, row);
  return id + strlen(id) + 1;
}

size_t bp_batch_names_bytes(const bp_batch_names *n) {
  return n ? sizeof *n + n->at[n->n] + (n->n + 1) * sizeof *n->at : 0;
}

void bp_batch_names_free(bp_batch_names *n) {
  if (!n) return;
  free(n->text);
  free(n->at);
  free(n);
}

typedef struct pattern_check {
  const bp_records *rec;
  char *unknown; /* the first {field} that is no column */
} pattern_check;

static const char *pattern_lookup(void *ud, const char *name) {
  pattern_check *pc = ud;
  if (bp_records_column(pc->rec, name) >= 0) return "";
  if (!pc->unknown) pc->unknown = bp_strdup(name);
  return NULL;
}

bp_status bp_batch_check_name_pattern(bp_ctx *ctx, const bp_records *rec, const char *pattern) {
  pattern_check pc = {rec, NULL};
  free(bp_template_expand(pattern, pattern_lookup, &pc));
  if (!pc.unknown) return BP_OK;
  bp_buf cols = {0};
  for (size_t k = 0; k < rec->n_cols; k++)
    bp_buf_printf(&cols, "%s{%s}", k ? ", " : "", rec->names[k]);
  bp_error(ctx, BP_ERR_USAGE, "--name '%s': the records %s have no column '%s' (known fields: %s)",
           pattern, rec->path, pc.unknown, cols.data ? cols.data : "none");
  bp_buf_free(&cols);
  free(pc.unknown);
  return BP_ERR_USAGE;
}

/* ---- options ---------------------------------------------------------------------- */

typedef struct batch_opts {
  const char *template_path, *records_path, *out_dir, *data_dir, *fonts, *name_pattern;
  const char *only, *manifest;
  int jobs, shard_i, shard_n;
  double wait_s; /* for a folder another batch holds; < 0: as long as it takes */
  bool force, quiet, progress, sharded, no_cache, no_pdfa;
  bp_csv_dialect dialect; /* what --delimiter ... declare (over the CSV's metadata) */
} batch_opts;

static int usage(FILE *f) {
  fprintf(f,
          "usage: briefpress batch [options] <template.json> <records.csv|-> -o <dir>\n"
          "  one PDF per record: <dir>/<name>.pdf and <dir>/manifest.json; records given\n"
          "  as - are read from standard input (the data folder: --data, else the current one)\n"
          "options:\n"
          "  -o, --output DIR  the folder of the PDFs (made if missing)\n"
          "  -j, --jobs N      render N records at a time (default: the number of cores)\n"
          "  --shard i/n       only records i, i+n, i+2n... (0 <= i < n); the manifest is then\n"
          "                    <dir>/manifest.shard-i-of-n.json\n"
          "  --only ID         only the record with this id\n"
          "  --force           render even records whose inputs have not changed\n"
          "  --data DIR        the data folder (default: the folder of the CSV)\n"
          "  --name PATTERN    file names from record fields (default: {id}); made safe\n"
          "  --manifest F      where to write the manifest\n"
          "  --fonts DIR       the font folder\n"
          "  --delimiter C, --decimal C, --thousands C, --date-format F\n"
          "                    how the CSV is written (over its metadata's \"csv\"), e.g.\n"
          "                    --delimiter ';' --decimal , --date-format DD.MM.YYYY\n"
          "  --no-cache        shape every text of every profile anew (for measuring)\n"
          "  --no-pdfa         plain PDFs instead of PDF/A-1b (docs/print.md)\n"
          "  -q, --quiet       no progress, only errors and the summary line\n"
          "  --progress        progress even when stderr is not a terminal\n"
          "  --wait SECONDS    wait at most this long for another batch writing into DIR\n"
          "                    (default: until it finishes)\n"
          "  --no-wait         fail at once when another batch is writing into DIR\n"
          "  -h, --help        this text\n"
          "exit status: 0 all written or unchanged, 1 a record (or the set-up) failed, 2 usage\n");
  return f == stderr ? 2 : 0;
}

static bool parse_jobs(const char *v, int *jobs) {
  char *end;
  errno = 0;
  long j = strtol(v, &end, 10);
  if (end == v || *end || errno || j < 1 || j > 256) {
    fprintf(stderr, "briefpress batch: -j takes a number from 1 to 256, not '%s'\n", v);
    return false;
  }
  *jobs = (int)j;
  return true;
}

/* 0: run; -1: --help printed; 2: usage error. */
static int parse_opts(int argc, char **argv, batch_opts *o) {
  enum {
    OPT_SHARD = 256,
    OPT_ONLY,
    OPT_DATA,
    OPT_FONTS,
    OPT_NAME,
    OPT_MANIFEST,
    OPT_FORCE,
    OPT_NO_CACHE,
    OPT_NO_PDFA,
    OPT_PROGRESS,
    OPT_WAIT,
    OPT_NO_WAIT,
    OPT_DELIMITER,
    OPT_DECIMAL,
    OPT_THOUSANDS,
    OPT_DATE_FORMAT
  };
  static const struct option longs[] = {{"output", required_argument, NULL, 'o'},
                                        {"jobs", required_argument, NULL, 'j'},
                                        {"shard", required_argument, NULL, OPT_SHARD},
                                        {"only", required_argument, NULL, OPT_ONLY},
                                        {"data", required_argument, NULL, OPT_DATA},
                                        {"fonts", required_argument, NULL, OPT_FONTS},
                                        {"name", required_argument, NULL, OPT_NAME},
                                        {"manifest", required_argument, NULL, OPT_MANIFEST},
                                        {"force", no_argument, NULL, OPT_FORCE},
                                        {"no-cache", no_argument, NULL, OPT_NO_CACHE},
                                        {"no-pdfa", no_argument, NULL, OPT_NO_PDFA},
                                        {"quiet", no_argument, NULL, 'q'},
                                        {"progress", no_argument, NULL, OPT_PROGRESS},
                                        {"wait", required_argument, NULL, OPT_WAIT},
                                        {"no-wait", no_argument, NULL, OPT_NO_WAIT},
                                        {"delimiter", required_argument, NULL, OPT_DELIMITER},
                                        {"decimal", required_argument, NULL, OPT_DECIMAL},
                                        {"thousands", required_argument, NULL, OPT_THOUSANDS},
                                        {"date-format", required_argument, NULL, OPT_DATE_FORMAT},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  memset(o, 0, sizeof *o);
  o->shard_n = 1;
  o->wait_s = -1;
  bp_cli_getopt_start();
  int c;
  while ((c = getopt_long(argc, argv, ":o:j:qh", longs, NULL)) != -1) {
    switch (c) {
    case 'o': o->out_dir = optarg; break;
    case 'j':
      if (!parse_jobs(optarg, &o->jobs)) return 2;
      break;
    case OPT_SHARD:
      if (!bp_batch_shard_parse(optarg, &o->shard_i, &o->shard_n)) {
        fprintf(stderr, "briefpress batch: --shard takes i/n with 0 <= i < n, not '%s'\n", optarg);
        return 2;
      }
      o->sharded = true;
      break;
    case OPT_ONLY: o->only = optarg; break;
    case OPT_DATA: o->data_dir = optarg; break;
    case OPT_FONTS: o->fonts = optarg; break;
    case OPT_NAME: o->name_pattern = optarg; break;
    case OPT_MANIFEST: o->manifest = optarg; break;
    case OPT_FORCE: o->force = true; break;
    case OPT_NO_CACHE: o->no_cache = true; break;
    case OPT_NO_PDFA: o->no_pdfa = true; break;
    case 'q': o->quiet = true; break;
    case OPT_PROGRESS: o->progress = true; break;
    case OPT_WAIT: {
      char *end;
      errno = 0;
      o->wait_s = strtod(optarg, &end);
      if (end == optarg || *end || errno || !(o->wait_s >= 0 && o->wait_s <= 31536000)) {
        fprintf(stderr, "briefpress batch: --wait takes seconds from 0 to 31536000, not '%s'\n",
                optarg);
        return 2;
      }
      break;
    }
    case OPT_NO_WAIT: o->wait_s = 0; break;
    case OPT_DELIMITER:
    case OPT_DECIMAL:
    case OPT_THOUSANDS:
    case OPT_DATE_FORMAT: {
      static const char *const keys[] = {"delimiter", "decimal", "thousands", "date_format"};
      static const char *const opts[] = {"delimiter", "decimal", "thousands", "date-format"};
      char why[200];
      if (!bp_csv_dialect_set(&o->dialect, keys[c - OPT_DELIMITER], optarg, why, sizeof why)) {
        fprintf(stderr, "briefpress batch: --%s: %s\n", opts[c - OPT_DELIMITER], why);
        return 2;
      }
      break;
    }
    case 'h': return usage(stdout) - 1; /* -1: done */
    default: return bp_cli_opt_error("batch", c, argv);
    }
  }
  if (optind < argc) o->template_path = argv[optind++];
  if (optind < argc) o->records_path = argv[optind++];
  if (optind < argc) {
    fprintf(stderr, "briefpress batch: unexpected argument '%s'\n", argv[optind]);
    return usage(stderr);
  }
  if (bp_output_is_stdout(o->out_dir) || bp_output_is_stdout(o->manifest)) {
    fprintf(stderr, "briefpress batch: -o names a folder and --manifest a file: not standard "
                    "output\n");
    return 2;
  }
  if (o->out_dir) { /* "out/profiles/" -> "out/profiles" (the file names add the slash) */
    static char dir[4096];
    snprintf(dir, sizeof dir, "%s", o->out_dir);
    for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--) dir[n - 1] = '\0';
    o->out_dir = dir;
  }
  if (!o->template_path || !o->records_path || !o->out_dir) {
    fprintf(stderr, "briefpress batch: needs a template, a records CSV and -o DIR\n");
    return usage(stderr);
  }
  return 0;
}

/* ---- inputs and content hashes ------------------------------------------------------ */

static bool same_file(const char *a, const char *b) {
  struct stat sa, sb;
  return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void hash_file_into(bp_buf *b, const char *path) {
  char *data = NULL;
  size_t len = 0;
  bp_ctx ignore;
  bp_ctx_init(&ignore);
  bp_buf_printf(b, "\nfile %s\n", path);
  if (bp_file_read(&ignore, path, &data, &len) == BP_OK) {
    char hex[65];
    bp_sha256_hex(data, len, hex);
    bp_buf_printf(b, "%zu %s\n", len, hex);
  } else {
    bp_buf_puts(b, "missing\n");
  }
  free(data);
}

/* SHA-256 of what every profile depends on besides its own record: the
 * version, what the PDF device writes and the output options (so a new
 * writer or --no-pdfa renders again), the template's bytes, the data
 * folder's files (but the batch's own CSV, whose rows count per record),
 * the font manifest and the epoch. */
static void inputs_hash(const batch_opts *o, const bp_dataset *ds, long long epoch, char out[65]) {
  bp_buf b = {0};
  bp_buf_printf(&b, "%s\nepoch %lld\n", BP_BATCH_VERSION, epoch);
  bp_buf_printf(&b, "output %s%s, fast deflate\n", BP_PDF_WRITER,
                o->no_pdfa ? ", plain" : ", PDF/A-1b");
  hash_file_into(&b, o->template_path);
  for (size_t i = 0; ds->bib && i < ds->bib->n_paths; i++) hash_file_into(&b, ds->bib->paths[i]);
  for (size_t i = 0; ds->claims && i < ds->claims->n_paths; i++)
    hash_file_into(&b, ds->claims->paths[i]);
  for (size_t i = 0; i < ds->n_series; i++) {
    hash_file_into(&b, ds->series[i]->path);
    if (ds->series[i]->meta_path) hash_file_into(&b, ds->series[i]->meta_path);
  }
  for (size_t i = 0; i < ds->n_records; i++)
    if (!same_file(ds->records[i]->path, o->records_path)) hash_file_into(&b, ds->records[i]->path);
  char fonts[4096];
  const char *fdir = o->fonts ? o->fonts : bp_fontset_default_dir();
  snprintf(fonts, sizeof fonts, "%s/MANIFEST.tsv", fdir);
  hash_file_into(&b, fonts);
  bp_sha256_hex(b.data, b.len, out);
  bp_buf_free(&b);
}

/* A digest's 32 bytes from its 64 hex digits, and back: a result keeps
 * the bytes (10,000 records: 0.6 MB less than the hex). */
static void digest_from_hex(const char *hex, uint8_t out[32]) {
  for (int i = 0; i < 64; i++) {
    char c = hex[i];
    int v = c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0';
    if (i % 2 == 0)
      out[i / 2] = (uint8_t)(v << 4);
    else
      out[i / 2] |= (uint8_t)v;
  }
}

static void digest_hex(const uint8_t d[32], char out[65]) {
  for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The content hash of a record whose fields are `fields`. */
static void record_hash(const char *inputs, const bp_records *rec, char **fields, char out[65]) {
  bp_buf b = {0};
  bp_buf_printf(&b, "%s\n", inputs);
  for (size_t k = 0; k < rec->n_cols; k++) {
    bp_buf_printf(&b, "%s=", rec->names[k]);
    bp_buf_put(&b, fields[k], strlen(fields[k]));
    bp_buf_put(&b, "\0", 1);
  }
  bp_sha256_hex(b.data, b.len, out);
  bp_buf_free(&b);
}

/* ---- one record's job -------------------------------------------------------------- */

typedef enum { R_TODO, R_WRITTEN, R_UNCHANGED, R_FAILED, R_NOT_SELECTED } rstate;

/* One per record, held to the end: kept small (56 bytes). A record's
 * manifest entry is made into text when the record is done, and leaves
 * memory when it goes into the spool (spool_advance). */
typedef struct result {
  uint8_t hash[32];    /* the content hash */
  json_t *carried;     /* the old manifest's entry, for unchanged or unselected records */
  char *entry;         /* its manifest entry (JSON text), until it is in the spool */
  unsigned char state; /* an rstate */
  bool todo;           /* to be rendered by a worker (set before the workers start) */
  char published;      /* (atomic) the worker has filled this result in */
} result;

/* What the manifest entry of a record that was rendered, or failed, says. */
typedef struct entry_in {
  const char *id, *file, *title; /* file: the stem */
  int line;
  bool failed;
  const char *error, *field;
  char **warnings;
  size_t n_warnings;
  int pages;
  long long bytes;
  const uint8_t *sha256, *hash;
} entry_in;

static char *entry_text(const entry_in *in);

/* The manifest's entries of records [0, rows), in its format, in an
 * unlinked file in the output folder: a batch does not hold them. */
typedef struct spool {
  int fd;       /* -1: none (the entries stay in memory) */
  bool stopped; /* a write failed: what is in it stays, the rest in memory */
  size_t len, rows, entries;
} spool;

typedef struct batch {
  const batch_opts *o;
  const bp_template *tpl;
  const bp_dataset *ds;
  const bp_records *rec; /* read a record at a time (bp_records_index) */
  bp_batch_names *names;
  char inputs[65]; /* the SHA-256 of what every record depends on (inputs_hash) */
  long long epoch;
  size_t *todo; /* rows to render */
  size_t n_todo;
  result *res; /* per row */
  spool sp;    /* the entries of the records done, in order (the main thread's) */
  size_t next; /* next index into todo (atomic) */
  size_t done; /* finished (atomic) */
  size_t failed;
  pthread_mutex_t io; /* stderr */
  bool tty;
  bool monitored;           /* the main thread shows progress; else the (only) worker does */
  bp_profile_cache *pieces; /* laid-out pieces, shared by the threads (NULL: --no-cache) */
  bp_pdf_cache *pdf_faces;  /* whose parsed font files the threads' PDF caches share */
  /* the workers start at once and open their fonts while the data loads;
   * they wait here until the jobs are known (gate 1) or the set-up failed (-1) */
  pthread_mutex_t gate_lock;
  pthread_cond_t gate_cond;
  int gate;
  /* every bp_batch_renew_every records the workers meet here and open
   * their font sets anew (see renew_fonts) */
  pthread_barrier_t renew_wait;
  size_t renew_every; /* 0: never */
  size_t sync_every;  /* PDFs a worker stages before one sync of their data (0, 1: each its own) */
  double t0;
} batch;

static char *out_path(const batch *b, size_t row) {
  bp_buf p = {0};
  bp_buf_printf(&p, "%s/%s.pdf", b->o->out_dir, bp_batch_names_file(b->names, row));
  return bp_buf_detach(&p);
}

static void report_error(batch *b, const char *msg) {
  pthread_mutex_lock(&b->io);
  if (b->tty) fputs("\r\033[K", stderr);
  fprintf(stderr, "briefpress: %s\n", msg);
  pthread_mutex_unlock(&b->io);
}

/* Record row's fields, read again from the file; a record that is no
 * longer the one the batch started with (its content hash differs: the
 * file was written to since) fails, since its manifest entry would not
 * describe its PDF. */
static bp_status read_record(const batch *b, bp_ctx *ctx, size_t row, char ***fields) {
  bp_status st = bp_records_read_row(ctx, b->rec, row, fields);
  char hex[65];
  uint8_t hash[32];
  if (!st) {
    record_hash(b->inputs, b->rec, *fields, hex);
    digest_from_hex(hex, hash);
  }
  if (!st && memcmp(hash, b->res[row].hash, sizeof hash)) {
    free(*fields);
    *fields = NULL;
    st = bp_error(ctx, BP_ERR_DATA,
                  "%s:%d: the record changed while the batch ran (the file was written to); "
                  "run the batch again",
                  b->rec->path, b->rec->rows[row].line);
  }
  return st;
}

/* A record's PDF written to its temporary file, not yet renamed: the
 * worker syncs the data of several at once (flush_staged). */
typedef struct staged {
  size_t row;
  char *path;
  bp_outgroup *g;
  bp_profile_info info;
} staged;

/* A worker's staged PDFs, and the descriptor of the folder's file system
 * taken before the first was written (bp_outsync_open). */
typedef struct stage {
  staged *items;
  size_t n, cap;
  int sync_fd;
} stage;

/* Row's PDF renamed into place and read back (`g` committed, when the
 * record got that far: `st` is BP_OK), or its failure reported and any file
 * in its place from an earlier run removed; then its manifest entry, made
 * public for the checkpoints. Takes path, g and info. */
static void finish_one(batch *b, size_t row, bp_ctx *ctx, bp_status st, char *path, bp_outgroup *g,
                       bp_profile_info *info) {
  result *r = &b->res[row];
  uint8_t sha256[32] = {0};
  long long bytes = 0;
  if (g) {
    bp_file_info fi = {0};
    if (!st) st = bp_outgroup_commit(ctx, g);
    if (!st && bp_outgroup_info(g, path, &fi)) {
      digest_from_hex(fi.sha256, sha256);
      bytes = fi.bytes;
    }
    bp_outgroup_free(g);
    if (st) {
      bp_error_wrap(ctx, st, "record '%s' (%s:%d): ", bp_batch_names_id(b->names, row),
                    b->rec->path, b->rec->rows[row].line);
    }
  }
  if (st) {
    __atomic_fetch_add(&b->failed, 1, __ATOMIC_RELAXED);
    /* never a PDF beside a failed entry, not even one from an earlier run */
    if (!path) path = out_path(b, row);
    bp_output_remove(path);
    report_error(b, ctx->msg);
  }
  entry_in in = {.id = bp_batch_names_id(b->names, row),
                 .file = bp_batch_names_file(b->names, row),
                 .title = info->title,
                 .line = b->rec->rows[row].line,
                 .failed = st != BP_OK,
                 .error = ctx->msg,
                 .field = info->bad_field,
                 .warnings = info->warnings,
                 .n_warnings = info->n_warnings,
                 .pages = info->pages,
                 .bytes = bytes,
                 .sha256 = sha256,
                 .hash = r->hash};
  r->entry = entry_text(&in);
  r->state = st ? R_FAILED : R_WRITTEN;
  __atomic_store_n(&r->published, 1, __ATOMIC_RELEASE); /* for the manifest's checkpoints */
  __atomic_fetch_add(&b->done, 1, __ATOMIC_RELEASE);
  bp_profile_info_free(info);
  free(path);
}

/* The staged PDFs' data made durable with one sync of the file system
 * (bp_outsync_data), not one fsync a file: on this project's machine that
 * was 14 % of a distinct profile's CPU and a quarter of a batch's time.
 * Then each is renamed and read back as before. Where that sync fails, or
 * is not there, each file is synced on its own at its commit, so that an
 * error names the file. */
static void flush_staged(batch *b, stage *sg) {
  if (!sg->n) { /* the record that opened it failed */
    if (sg->sync_fd >= 0) close(sg->sync_fd);
    sg->sync_fd = -1;
    return;
  }
  bool synced = bp_outsync_data(sg->sync_fd);
  sg->sync_fd = -1;
  for (size_t i = 0; i < sg->n; i++) {
    staged *it = &sg->items[i];
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    if (synced) bp_outgroup_data_synced(it->g);
    finish_one(b, it->row, &ctx, BP_OK, it->path, it->g, &it->info);
  }
  sg->n = 0;
}

static void render_one(batch *b, bp_typesetter *ts, bp_profile_cache *cache, bp_pdf_cache *pdfc,
                       bp_ctx *wctx, stage *sg, size_t row) {
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_profile_info info = {0};
  bp_dlist *dl = NULL;
  bp_status st = BP_OK;
  char **fields = NULL;
  if (!ts) /* the thread could not open the fonts */
    st = bp_error(&ctx, wctx->status, "%s", wctx->msg);
  else
    st = read_record(b, &ctx, row, &fields);
  if (!st) {
    /* the record alone, as the composer reads a records table */
    bp_record one = b->rec->rows[row];
    one.fields = fields;
    bp_records view = *b->rec;
    view.rows = &one;
    view.n_rows = 1;
    st = bp_compose_profile(&ctx, ts, b->tpl, b->ds, &view, 0, b->epoch, cache, &info, &dl);
  }
  free(fields);
  char *path = NULL;
  bp_outgroup *g = NULL;
  if (!st) {
    path = out_path(b, row);
    /* a batch's profiles deflated fast: ~6 % less CPU, ~1.3 % more bytes */
    bp_pdf_options pdf_opt = {.compress = true, .plain = b->o->no_pdfa, .fast_deflate = true};
    bp_device *dev = bp_pdf_device_new_cached(path, &pdf_opt, pdfc);
    /* staged, renamed, then read back: the manifest gets what is on disk */
    g = bp_outgroup_new();
    bp_outgroup_keep_sha256(g); /* the manifest's */
    /* one sync of the folder per manifest checkpoint, not one per PDF
     * (write_manifest) */
    bp_outgroup_defer_folder_sync(g);
    bool stage_it = b->sync_every > 1;
    if (stage_it) {
      if (!sg->n && sg->sync_fd < 0) sg->sync_fd = bp_outsync_open(b->o->out_dir);
      bp_outgroup_defer_file_sync(g);
    }
    dev->group = g;
    st = bp_dlist_run(dl, dev, &ctx);
    if (!st && stage_it) {
      BP_PUSH(sg->items, sg->n, sg->cap, ((staged){row, path, g, info}));
      bp_dlist_free(dl);
      if (sg->n >= b->sync_every) flush_staged(b, sg);
      return;
    }
  }
  finish_one(b, row, &ctx, st, path, g, &info);
  bp_dlist_free(dl);
}

typedef struct worker {
  batch *b;
  pthread_t th;
} worker;

size_t bp_batch_renew_every = 500;

/* What Pango, cairo and fontconfig keep from the records rendered so far
 * (cairo's glyph pages and the scaled fonts it holds over, each font map's
 * fonts and fontsets with their glyph-extent caches) grows with the number
 * of distinct records up to its bounds (~6 MB of the workers' heap from
 * 1,000 to 10,000 records). Every worker frees its typesetter and font set
 * here; once all have, one of them resets cairo's static caches, which is
 * safe only when no cairo object is alive (display lists, pieces and the
 * PDF caches are plain data), and each opens its fonts again. Composing
 * does not depend on what these caches held, so the PDFs are the same.
 * The PDF caches are made anew too: the pages of the font files their
 * shared faces map stay resident once read (a font of the 11,172 Hangul
 * syllables, each record a few new ones, is read further with every
 * record), and a subset made again is the same subset. */
static void renew_fonts(batch *b, bp_ctx *ctx, bp_fontset **fs, bp_typesetter **ts,
                        bp_pdf_cache **pdfc) {
  bp_typesetter_free(*ts);
  bp_fontset_free(*fs);
  *ts = NULL, *fs = NULL;
  bool pdf = *pdfc != NULL; /* NULL: --no-cache */
  bp_pdf_cache_free(*pdfc);
  *pdfc = NULL;
  if (pthread_barrier_wait(&b->renew_wait) == PTHREAD_BARRIER_SERIAL_THREAD) {
    cairo_debug_reset_static_data();
    if (pdf) { /* no cache shares its faces now */
      bp_pdf_cache_free(b->pdf_faces);
      b->pdf_faces = bp_pdf_cache_new(0);
    }
#ifdef __GLIBC__
    malloc_trim(0);
#endif
  }
  pthread_barrier_wait(&b->renew_wait);
  if (pdf) *pdfc = bp_pdf_cache_new_sharing(0, b->pdf_faces);
  bp_ctx_init(ctx);
  if (!bp_fontset_open(ctx, b->o->fonts, fs)) bp_typesetter_new(ctx, *fs, ts);
}

static double now_s(void);
static void show_progress(batch *b, double t0);

static void *work(void *arg) {
  worker *w = arg;
  batch *b = w->b;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_fontset *fs = NULL;
  bp_typesetter *ts = NULL;
  if (!bp_fontset_open(&ctx, b->o->fonts, &fs)) bp_typesetter_new(&ctx, fs, &ts);
  pthread_mutex_lock(&b->gate_lock);
  while (b->gate == 0) pthread_cond_wait(&b->gate_cond, &b->gate_lock);
  bool go = b->gate > 0;
  pthread_mutex_unlock(&b->gate_lock);
  bp_profile_cache *cache = b->pieces; /* shared by the threads */
  bp_pdf_cache *pdfc = b->o->no_cache ? NULL : bp_pdf_cache_new_sharing(0, b->pdf_faces);
  double last = 0;
#ifdef __GLIBC__
  unsigned rendered = 0;
#endif
  /* A worker takes its next record only once its last one is written, so
   * when one takes a record at or past renew_at, every record before it is
   * done or being finished: each worker takes one more (which it keeps),
   * they meet in renew_fonts, and go on with those. */
  size_t renew_at = b->renew_every, kept = SIZE_MAX;
  stage sg = {.sync_fd = -1};
  while (go) { /* go is false when the set-up failed */
    size_t k = kept != SIZE_MAX ? kept : __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED);
    kept = SIZE_MAX;
    if (renew_at && k >= renew_at && renew_at < b->n_todo) {
      flush_staged(b, &sg);
      renew_fonts(b, &ctx, &fs, &ts, &pdfc);
      kept = k;
      renew_at += b->renew_every;
      continue;
    }
    if (k >= b->n_todo) break;
    render_one(b, ts, cache, pdfc, &ctx, &sg, b->todo[k]);
#ifdef __GLIBC__
    /* give back the free pages inside malloc's arenas (a record's layout
     * and PDF are freed when it is written, between the caches' long-lived
     * entries): 3-4 MB of peak RSS, for well under a millisecond a call */
    if (++rendered % 64 == 0) malloc_trim(0);
#endif
    if (b->tty && !b->monitored && now_s() - last > 0.2) {
      show_progress(b, b->t0);
      last = now_s();
    }
  }
  flush_staged(b, &sg);
  free(sg.items);
  bp_pdf_cache_free(pdfc);
  bp_typesetter_free(ts);
  bp_fontset_free(fs);
  return NULL;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void show_progress(batch *b, double t0) {
  size_t done = __atomic_load_n(&b->done, __ATOMIC_ACQUIRE);
  double el = now_s() - t0, rate = el > 0 ? (double)done / el : 0;
  char eta[32] = "--";
  if (rate > 0) {
    long s = (long)((double)(b->n_todo - done) / rate + 0.5);
    snprintf(eta, sizeof eta, "%ld:%02ld", s / 60, s % 60);
  }
  pthread_mutex_lock(&b->io);
  fprintf(stderr, "\r\033[Kbriefpress: batch %zu/%zu (%d%%)  %.1f profiles/s  ETA %s", done,
          b->n_todo, b->n_todo ? (int)(100 * done / b->n_todo) : 100, rate, eta);
  fflush(stderr);
  pthread_mutex_unlock(&b->io);
}

/* ---- the manifest -------------------------------------------------------------------- */

/* JSON strings must be UTF-8: bad bytes become U+FFFD. */
static json_t *jstr(const char *s) {
  if (!s) return json_null();
  size_t n = strlen(s), bad;
  if (bp_utf8_valid(s, n, &bad)) return json_stringn(s, n);
  bp_buf b = {0};
  for (size_t i = 0; i < n;) {
    int len;
    int32_t cp = bp_utf8_decode(s + i, n - i, &len);
    if (cp < 0)
      bp_buf_puts(&b, "\xEF\xBF\xBD");
    else
      bp_buf_put(&b, s + i, (size_t)len);
    i += (size_t)len;
  }
  json_t *j = json_stringn(b.data, b.len);
  bp_buf_free(&b);
  return j;
}

static char *manifest_path(const batch_opts *o) {
  bp_buf p = {0};
  if (o->manifest)
    bp_buf_puts(&p, o->manifest);
  else if (o->sharded && o->shard_n > 1)
    bp_buf_printf(&p, "%s/manifest.shard-%d-of-%d.json", o->out_dir, o->shard_i, o->shard_n);
  else
    bp_buf_printf(&p, "%s/manifest.json", o->out_dir);
  return bp_buf_detach(&p);
}

GHashTable *bp_batch_manifest_entries(json_t *root) {
  if (!json_is_object(root)) return NULL;
  json_t *recs = json_object_get(root, "records");
  GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);
  size_t i;
  json_t *e;
  json_array_foreach(recs, i, e) {
    const char *id = json_string_value(json_object_get(e, "id"));
    if (id) g_hash_table_insert(h, (gpointer)id, e);
  }
  return h;
}

/* The old manifest's entries by id (borrowed from *root; NULL when none). */
static GHashTable *old_entries(const char *path, json_t **root) {
  *root = json_load_file(path, 0, NULL);
  return bp_batch_manifest_entries(*root);
}

/* The files the old manifest lists as written (borrowed from root; NULL
 * when none): a failed entry names the file it would have had, not one the
 * batch wrote. */
static GHashTable *old_files(json_t *root) {
  json_t *recs = json_is_object(root) ? json_object_get(root, "records") : NULL;
  if (!json_is_array(recs)) return NULL;
  GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);
  size_t i;
  json_t *e;
  json_array_foreach(recs, i, e) {
    const char *f = json_string_value(json_object_get(e, "file"));
    const char *status = json_string_value(json_object_get(e, "status"));
    if (f && status && strcmp(status, "failed")) g_hash_table_add(h, (gpointer)f);
  }
  return h;
}

/* Up to `size` - 1 first bytes of `path` into buf, NUL-terminated (never
 * through a symbolic link): how many, or -1. */
static ssize_t read_head(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return -1;
  ssize_t n;
  do n = read(fd, buf, size - 1);
  while (n < 0 && errno == EINTR);
  close(fd);
  if (n >= 0) buf[n] = '\0';
  return n;
}

/* Whether a PDF's first bytes name briefpress as its creator (the device
 * writes the document information among its first objects). */
static bool briefpress_pdf(const char *path) {
  char buf[16384];
  ssize_t n = read_head(path, buf, sizeof buf);
  static const char creator[] = "/Creator(briefpress)";
  return n > 5 && !memcmp(buf, "%PDF-", 5) &&
         memmem(buf, (size_t)n, creator, sizeof creator - 1) != NULL;
}

/* Whether the file in a record's place, dir/file, may be replaced or
 * removed by this batch: there is none (or it is no regular file, which the
 * output-file module refuses itself), the old manifest lists it (a batch
 * into this folder wrote it), or it is a PDF briefpress wrote (a batch
 * killed between two checkpoints leaves its last files unlisted). Any other
 * file is the user's, and is never touched. */
static bool replaceable(const char *dir, const char *file, GHashTable *listed) {
  if (listed && g_hash_table_contains(listed, file)) return true;
  bp_buf p = {0};
  bp_buf_printf(&p, "%s/%s", dir, file);
  struct stat sb;
  bool ok = lstat(p.data, &sb) != 0 || !S_ISREG(sb.st_mode) || briefpress_pdf(p.data);
  bp_buf_free(&p);
  return ok;
}

bool bp_batch_manifest_entry_current(json_t *e, const char *hash, const char *file,
                                     const char *dir) {
  const char *status = e ? json_string_value(json_object_get(e, "status")) : NULL;
  if (!status || !strcmp(status, "failed")) return false;
  const char *h = json_string_value(json_object_get(e, "hash"));
  const char *f = json_string_value(json_object_get(e, "file"));
  if (!h || !f || strcmp(h, hash) || strcmp(f, file)) return false;
  /* the file as it is on disk, not only its size: a truncated or replaced
   * file is rendered again */
  const char *sha = json_string_value(json_object_get(e, "sha256"));
  bp_buf p = {0};
  bp_buf_printf(&p, "%s/%s", dir, f);
  bp_ctx ignore;
  bp_ctx_init(&ignore);
  bp_file_info fi;
  bool ok = sha && bp_file_hash(&ignore, p.data, &fi) == BP_OK &&
            fi.bytes == json_integer_value(json_object_get(e, "bytes")) && !strcmp(fi.sha256, sha);
  bp_buf_free(&p);
  return ok;
}

#define MANIFEST_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6))

static char *dump_entry(json_t *e) {
  char *text = json_dumps(e, MANIFEST_FLAGS);
  json_decref(e);
  return text;
}

static char *entry_text(const entry_in *in) {
  json_t *e = json_object();
  json_object_set_new(e, "id", jstr(in->id));
  json_object_set_new(e, "line", json_integer(in->line));
  json_object_set_new(e, "status", json_string(in->failed ? "failed" : "written"));
  bp_buf file = {0};
  bp_buf_printf(&file, "%s.pdf", in->file);
  json_object_set_new(e, "file", jstr(file.data));
  bp_buf_free(&file);
  json_object_set_new(e, "title", jstr(in->title));
  char hex[65];
  if (in->failed) {
    json_t *err = json_object();
    json_object_set_new(err, "field", jstr(in->field));
    json_object_set_new(err, "message", jstr(in->error));
    json_object_set_new(e, "error", err);
  } else {
    json_object_set_new(e, "pages", json_integer(in->pages));
    json_object_set_new(e, "bytes", json_integer(in->bytes));
    digest_hex(in->sha256, hex);
    json_object_set_new(e, "sha256", json_string(hex));
    json_object_set_new(e, "error", json_null());
  }
  json_t *w = json_array();
  for (size_t i = 0; i < in->n_warnings; i++) json_array_append_new(w, jstr(in->warnings[i]));
  json_object_set_new(e, "warnings", w);
  digest_hex(in->hash, hex);
  json_object_set_new(e, "hash", json_string(hex));
  return dump_entry(e);
}

/* The manifest entry of a result (owned text), or NULL when it has none. */
static char *result_entry(const result *r) {
  if (r->entry) return bp_strdup(r->entry);
  if (!r->carried) return NULL;
  json_t *e = json_deep_copy(r->carried);
  if (r->state == R_UNCHANGED) json_object_set_new(e, "status", json_string("unchanged"));
  return dump_entry(e);
}

/* A result the manifest may show: not one a worker is still rendering. */
static bool settled(const result *r) {
  return !r->todo || __atomic_load_n(&r->published, __ATOMIC_ACQUIRE);
}

/* written, unchanged, failed among the settled results */
static void count_results(const batch *b, size_t counts[4]) {
  counts[0] = counts[1] = counts[2] = 0;
  for (size_t i = 0; i < b->rec->n_rows; i++) {
    const result *r = &b->res[i];
    if (!settled(r)) continue;
    if (r->state == R_WRITTEN)
      counts[0]++;
    else if (r->state == R_UNCHANGED)
      counts[1]++;
    else if (r->state == R_FAILED)
      counts[2]++;
  }
}

/* Puts the n-th entry (0-based) of "records" into out after its
 * separator, four more spaces after each newline: an entry dumped alone,
 * indented as jansson indents it at depth 2. */
static void put_entry(bp_buf *out, size_t n, const char *text) {
  bp_buf_puts(out, n ? ",\n    " : "\n    ");
  for (const char *p = text; *p; p++) {
    bp_buf_putc(out, *p);
    if (*p == '\n') bp_buf_puts(out, "    ");
  }
}

static bool write_all(int fd, const char *data, size_t len, size_t at) {
  for (size_t done = 0; done < len;) {
    ssize_t n = pwrite(fd, data + done, len - done, (off_t)(at + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += (size_t)n;
  }
  return true;
}

/* An unlinked file in the output folder: nothing of it is left when the
 * batch is killed. -1 when none can be made (the entries stay in memory). */
static int spool_open(const char *dir) {
  int fd = -1;
#ifdef O_TMPFILE
  fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
  if (fd < 0) {
    bp_buf p = {0};
    bp_buf_printf(&p, "%s/.manifest-spool.XXXXXX", dir);
    fd = mkostemp(p.data, O_CLOEXEC);
    if (fd >= 0) unlink(p.data);
    bp_buf_free(&p);
  }
  return fd;
}

/* Moves the entries of the records done, in file order up to the first
 * that is not, from memory into the spool: a record done then holds only
 * its result's 56 bytes, however large the batch. */
static void spool_advance(batch *b) {
  spool *sp = &b->sp;
  if (sp->fd < 0 || sp->stopped) return;
  bp_buf out = {0};
  size_t rows = sp->rows, entries = sp->entries;
  for (; rows < b->rec->n_rows && settled(&b->res[rows]) && out.len < ((size_t)256 << 10); rows++) {
    char *text = result_entry(&b->res[rows]);
    if (text) put_entry(&out, entries++, text);
    free(text);
  }
  if (out.len && !write_all(sp->fd, out.data, out.len, sp->len)) {
    sp->stopped = true; /* the entries not written stay in memory */
  } else {
    for (size_t i = sp->rows; i < rows; i++) {
      free(b->res[i].entry);
      b->res[i].entry = NULL;
    }
    sp->rows = rows;
    sp->entries = entries;
    sp->len += out.len;
  }
  bp_buf_free(&out);
}

/* Copies the spool's entries into f. */
static bp_status spool_copy(bp_ctx *ctx, const spool *sp, bp_outfile *f) {
  char buf[64 << 10];
  for (size_t at = 0; at < sp->len;) {
    size_t want = sp->len - at < sizeof buf ? sp->len - at : sizeof buf;
    ssize_t n = pread(sp->fd, buf, want, (off_t)at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return bp_error(ctx, BP_ERR_IO,
                      "the manifest's entries written so far cannot be read back: %s",
                      n < 0 ? strerror(errno) : "the file is shorter");
    bp_status st = bp_outfile_write(ctx, f, buf, (size_t)n);
    if (st) return st;
    at += (size_t)n;
  }
  return BP_OK;
}

/* The manifest: its head, the entries in the spool, then those still in
 * memory, streamed into the file (the bytes of json_dumps over the whole
 * tree, which at 10,000 records took ~25 MB). */
static bp_status write_manifest(bp_ctx *ctx, const batch *b, const char *path, size_t counts[4],
                                double seconds) {
  json_t *root = json_object();
  json_object_set_new(root, "briefpress", json_string(BP_BATCH_VERSION));
  json_object_set_new(root, "template", jstr(b->o->template_path));
  json_object_set_new(root, "records_file", jstr(b->o->records_path));
  json_object_set_new(root, "data", jstr(b->ds->dir));
  json_t *sh = json_object();
  json_object_set_new(sh, "index", json_integer(b->o->shard_i));
  json_object_set_new(sh, "count", json_integer(b->o->shard_n));
  json_object_set_new(root, "shard", sh);
  json_t *sum = json_object();
  json_object_set_new(sum, "selected", json_integer((json_int_t)b->n_todo + (json_int_t)counts[1]));
  json_object_set_new(sum, "written", json_integer((json_int_t)counts[0]));
  json_object_set_new(sum, "unchanged", json_integer((json_int_t)counts[1]));
  json_object_set_new(sum, "failed", json_integer((json_int_t)counts[2]));
  json_object_set_new(sum, "seconds", json_real(seconds));
  json_object_set_new(root, "summary", sum);
  json_object_set_new(root, "records", json_array()); /* the last key: ends in "[]\n}" */
  char *head = json_dumps(root, MANIFEST_FLAGS);
  json_decref(root);
  bp_outfile *f;
  bp_status st = bp_outfile_open(ctx, path, &f);
  if (st) {
    free(head);
    return st;
  }
  st = bp_outfile_write(ctx, f, head, strlen(head) - 3); /* up to "[" */
  free(head);
  if (!st) st = spool_copy(ctx, &b->sp, f);
  bp_buf out = {0};
  size_t n = b->sp.entries;
  for (size_t i = b->sp.rows; i < b->rec->n_rows && !st; i++) {
    char *text = settled(&b->res[i]) ? result_entry(&b->res[i]) : NULL;
    if (text) put_entry(&out, n++, text);
    free(text);
    if (out.len >= (size_t)64 << 10) { /* written as it goes: memory stays flat */
      st = bp_outfile_write(ctx, f, out.data, out.len);
      out.len = 0;
    }
  }
  bp_buf_puts(&out, n ? "\n  ]\n}\n" : "]\n}\n");
  if (!st) st = bp_outfile_write(ctx, f, out.data, out.len);
  bp_buf_free(&out);
  /* the PDFs' renames (the workers' groups defer their folder's sync)
   * made durable before the manifest names them: every entry written above
   * was published after its rename */
  if (!st) st = bp_outdir_sync(ctx, b->o->out_dir);
  if (st) {
    bp_outfile_discard(f);
    return st;
  }
  return bp_outfile_commit(ctx, f, NULL);
}

/* ---- the command ------------------------------------------------------------------------ */

static void open_gate(batch *b, int how) {
  pthread_mutex_lock(&b->gate_lock);
  b->gate = how;
  pthread_cond_broadcast(&b->gate_cond);
  pthread_mutex_unlock(&b->gate_lock);
}

static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return bp_strdup(".");
  if (slash == path) return bp_strdup("/");
  return bp_strndup(path, (size_t)(slash - path));
}

/* Says why a batch pauses before its first record. */
static void say_waiting(const char *dir) {
  fprintf(stderr,
          "briefpress: %s: another briefpress batch is writing into this folder; waiting for it "
          "to finish (--no-wait fails at once instead)\n",
          dir);
}

/* The manifest may not take the name of one of the batch's PDFs. */
/* Whether `path` is absent (or no regular file: the output-file module
 * refuses those itself) or a manifest a batch wrote: a JSON object whose
 * first member is "briefpress": "briefpress ..." (as write_manifest puts
 * it). Anything else there is the user's. */
static bool is_manifest(const char *path) {
  struct stat sb;
  if (lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) return true;
  char buf[256];
  if (read_head(path, buf, sizeof buf) <= 0) return false;
  const char *p = buf + strspn(buf, " \t\r\n");
  if (*p++ != '{') return false;
  p += strspn(p, " \t\r\n");
  if (strncmp(p, "\"briefpress\"", 12)) return false;
  p += 12;
  p += strspn(p, " \t\r\n");
  if (*p++ != ':') return false;
  p += strspn(p, " \t\r\n");
  return !strncmp(p, "\"briefpress", 11);
}

static bp_status check_manifest_name(bp_ctx *ctx, const batch_opts *o, const bp_batch_names *names,
                                     const char *mpath) {
  char *mdir = dir_of(mpath);
  struct stat a, d;
  bool same_dir = stat(mdir, &a) == 0 && stat(o->out_dir, &d) == 0 && a.st_dev == d.st_dev &&
                  a.st_ino == d.st_ino;
  free(mdir);
  if (!same_dir) return BP_OK;
  const char *base = strrchr(mpath, '/') ? strrchr(mpath, '/') + 1 : mpath;
  for (size_t i = 0; i < names->n; i++) {
    const char *name = bp_batch_names_file(names, i);
    size_t n = strlen(name);
    if (!strncmp(base, name, n) && !strcmp(base + n, ".pdf"))
      return bp_error(ctx, BP_ERR_USAGE,
                      "%s: refusing to write the manifest there: it is the PDF of record '%s'",
                      mpath, bp_batch_names_id(names, i));
  }
  if (!is_manifest(mpath))
    return bp_error(ctx, BP_ERR_USAGE,
                    "%s: refusing to replace it: it is not a briefpress batch manifest (move "
                    "it, or name another file with --manifest)",
                    mpath);
  return BP_OK;
}

int bp_cmd_batch(int argc, char **argv) {
  batch_opts o;
  int rc = parse_opts(argc, argv, &o);
  if (rc) return rc < 0 ? 0 : rc;
  double t0 = now_s();
  bp_inputs_clear(); /* this run's inputs are what it reads from here on */
  bp_ctx in_ctx;
  bp_ctx_init(&in_ctx);
  if (bp_cli_stdin_input(&in_ctx, &o.records_path)) { /* "-": the CSV on standard input */
    fprintf(stderr, "briefpress: %s\n", in_ctx.msg);
    return 1;
  }
  batch b = {0};
  b.o = &o;
  b.sp.fd = -1;
  pthread_mutex_init(&b.io, NULL);
  pthread_mutex_init(&b.gate_lock, NULL);
  pthread_cond_init(&b.gate_cond, NULL);
  b.pdf_faces = bp_pdf_cache_new(0);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  int jobs = o.jobs ? o.jobs : (int)(cores > 0 ? cores : 1);
  worker *w = bp_calloc((size_t)jobs, sizeof *w);
  int started = 0;
  for (int i = 0; i < jobs; i++) {
    w[i].b = &b;
    if (pthread_create(&w[i].th, NULL, work, &w[i]) != 0) break;
    started++;
  }
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_records *records = NULL;
  bp_dataset *ds = NULL;
  bp_template *tpl = NULL;
  char *data_dir = o.data_dir ? bp_strdup(o.data_dir) : dir_of(o.records_path);
  /* each record's place, its fields read when they are needed: a batch's
   * memory does not grow with its number of records */
  bp_status st = bp_records_index(&ctx, o.records_path, &o.dialect, &records);
  for (size_t i = 0; !st && !o.quiet && i < records->n_warnings; i++)
    fprintf(stderr, "briefpress batch: %s\n", records->warnings[i]);
  /* the records file is checked record by record below, not as a whole */
  if (!st) st = bp_dataset_load_except(&ctx, data_dir, o.records_path, &ds);
  if (!st) st = bp_template_load(&ctx, o.template_path, &tpl);
  if (!st) st = bp_profile_check_template(&ctx, tpl, ds, records);
  if (!st && o.name_pattern) st = bp_batch_check_name_pattern(&ctx, records, o.name_pattern);
  bp_batch_names *names = NULL;
  if (!st) st = bp_batch_names_new(&ctx, records, o.name_pattern, &names);
  if (!st) st = bp_mkdir_p(&ctx, o.out_dir, NULL);
  /* one batch at a time in a folder (shards of one run share it; a second
   * batch waits for the first), then the temporary files a killed batch
   * left go */
  int lock_fd = -1;
  double t_lock = now_s();
  if (!st)
    st = bp_outdir_lock(&ctx, o.out_dir, o.sharded && o.shard_n > 1, o.wait_s, say_waiting,
                        &lock_fd);
  t0 += now_s() - t_lock; /* the seconds reported are the batch's, not the wait's */
  if (!st) st = bp_outdir_sweep(&ctx, o.out_dir, NULL);
  char *mpath = manifest_path(&o);
  if (!st) st = bp_output_check(&ctx, mpath);
  if (!st) st = check_manifest_name(&ctx, &o, names, mpath);
  size_t only_row = (size_t)-1;
  if (!st && o.only) {
    for (size_t i = 0; i < records->n_rows; i++)
      if (!strcmp(bp_batch_names_id(names, i), o.only)) only_row = i;
    if (only_row == (size_t)-1)
      st = bp_error(&ctx, BP_ERR_USAGE, "%s: no record with id '%s'", o.records_path, o.only);
  }
  if (st) {
    fprintf(stderr, "briefpress: %s\n", ctx.msg);
    free(mpath);
    if (lock_fd >= 0) close(lock_fd);
    open_gate(&b, -1);
    for (int i = 0; i < started; i++) pthread_join(w[i].th, NULL);
    free(w);
    pthread_mutex_destroy(&b.io);
    pthread_mutex_destroy(&b.gate_lock);
    pthread_cond_destroy(&b.gate_cond);
    bp_pdf_cache_free(b.pdf_faces);
    bp_template_free(tpl);
    bp_dataset_free(ds);
    bp_batch_names_free(names);
    bp_records_free(records);
    free(data_dir);
    return st == BP_ERR_USAGE ? 2 : 1;
  }
  const bp_records *rec = records;
  b.tpl = tpl;
  b.ds = ds;
  b.rec = records;
  b.epoch = bp_source_date_epoch();
  b.names = names;
  b.res = bp_calloc(rec->n_rows + 1, sizeof *b.res);
  b.todo = bp_calloc(rec->n_rows + 1, sizeof *b.todo);
  b.tty = !o.quiet && (o.progress || isatty(2));
  b.pieces = o.no_cache ? NULL : bp_profile_cache_new(0);
  b.t0 = t0;
  inputs_hash(&o, ds, b.epoch, b.inputs);
  json_t *old_root = NULL;
  GHashTable *old = old_entries(mpath, &old_root);
  GHashTable *listed = old_files(old_root);
  size_t counts[4] = {0}; /* written, unchanged, failed */
  for (size_t i = 0; i < rec->n_rows; i++) {
    result *r = &b.res[i];
    char hash[65], **fields;
    bp_ctx rctx;
    bp_ctx_init(&rctx);
    if (!bp_records_read_row(&rctx, rec, i, &fields)) {
      record_hash(b.inputs, rec, fields, hash);
      free(fields);
    } else { /* read a moment ago for its name: the file was written to since, and
                the record fails when it is rendered (read_record) */
      memset(hash, '0', 64);
      hash[64] = '\0';
    }
    digest_from_hex(hash, r->hash);
    const char *id = bp_batch_names_id(names, i);
    json_t *prev = old ? g_hash_table_lookup(old, id) : NULL;
    bool selected = o.only ? i == only_row : bp_batch_in_shard(i, o.shard_i, o.shard_n);
    char file[160];
    snprintf(file, sizeof file, "%s.pdf", bp_batch_names_file(names, i));
    if (!selected) {
      r->state = R_NOT_SELECTED;
      if (prev && bp_batch_manifest_entry_current(prev, hash, file, o.out_dir)) r->carried = prev;
      continue;
    }
    bool ours = replaceable(o.out_dir, file, listed);
    if (rec->rows[i].error || !ours) { /* fails without rendering */
      r->state = R_FAILED;
      bp_buf m = {0};
      if (rec->rows[i].error)
        bp_buf_printf(&m, "record %zu: %s", i + 1, rec->rows[i].error);
      else
        bp_buf_printf(&m,
                      "record '%s' (%s:%d): %s/%s is in the way: no batch into %s wrote it "
                      "(its manifest does not list it, and it is not a briefpress PDF); it is "
                      "left as it is: move it, or write to another folder",
                      id, rec->path, rec->rows[i].line, o.out_dir, file, o.out_dir);
      entry_in in = {.id = id,
                     .file = bp_batch_names_file(names, i),
                     .line = rec->rows[i].line,
                     .failed = true,
                     .error = m.data,
                     .field = rec->rows[i].error ? rec->rows[i].error_field : NULL,
                     .hash = r->hash};
      r->entry = entry_text(&in);
      b.failed++;
      report_error(&b, m.data);
      bp_buf_free(&m);
      if (ours) { /* a stale PDF of an earlier run: no PDF beside a failed entry */
        char *stale = out_path(&b, i);
        bp_output_remove(stale);
        free(stale);
      }
      continue;
    }
    if (!o.force && prev && bp_batch_manifest_entry_current(prev, hash, file, o.out_dir)) {
      r->state = R_UNCHANGED;
      r->carried = prev;
      continue;
    }
    r->state = R_TODO;
    r->todo = true;
    b.todo[b.n_todo++] = i;
  }
  b.sp.fd = spool_open(o.out_dir);
  b.monitored = started > 0; /* set before the gate opens */
  /* at least as many records as workers between renewals: each worker
   * keeps one record across a renewal */
  /* each worker keeps its staged PDFs open: 16 each, at most 256 in all */
  b.sync_every = jobs <= 16 ? 16 : 256 / (size_t)jobs;
  b.renew_every = bp_batch_renew_every && bp_batch_renew_every < (size_t)jobs
                      ? (size_t)jobs
                      : bp_batch_renew_every;
  pthread_barrier_init(&b.renew_wait, NULL, started > 0 ? (unsigned)started : 1);
  open_gate(&b, 1);
  if (!started && b.n_todo)
    work(&w[0]); /* no threads: here */
  else {
    /* a checkpoint of the manifest every twentieth of the batch (at least
     * 50 records): what is verified so far, so that a batch that is killed
     * is not done again from the start */
    size_t step = b.n_todo / 20 > 50 ? b.n_todo / 20 : 50, next_ckpt = step;
    bool warned = false;
    for (size_t done; (done = __atomic_load_n(&b.done, __ATOMIC_ACQUIRE)) < b.n_todo;) {
      spool_advance(&b);
      if (done >= next_ckpt) {
        bp_ctx cctx;
        bp_ctx_init(&cctx);
        size_t partial[4] = {0};
        count_results(&b, partial);
        if (write_manifest(&cctx, &b, mpath, partial, now_s() - t0) && !warned) {
          report_error(&b, cctx.msg);
          warned = true;
        }
        next_ckpt = done + step;
      }
      if (b.tty) show_progress(&b, t0);
      struct timespec ts = {0, 100 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
  for (int i = 0; i < started; i++) pthread_join(w[i].th, NULL);
  free(w);
  pthread_barrier_destroy(&b.renew_wait);
  if ((size_t)jobs > b.n_todo) jobs = (int)(b.n_todo ? b.n_todo : 1);
  count_results(&b, counts);
  double secs = now_s() - t0;
  if (b.tty) {
    show_progress(&b, t0);
    fputs("\r\033[K", stderr);
  }
  bp_ctx mctx;
  bp_ctx_init(&mctx);
  bp_status mst = write_manifest(&mctx, &b, mpath, counts, secs);
  size_t rendered = counts[0] + counts[2];
  fprintf(stderr,
          "briefpress: batch: %zu record%s: %zu written, %zu unchanged, %zu failed in %.2f s "
          "(%.1f profiles/s, %d job%s); manifest %s\n",
          counts[0] + counts[1] + counts[2], counts[0] + counts[1] + counts[2] == 1 ? "" : "s",
          counts[0], counts[1], counts[2], secs, secs > 0 ? (double)rendered / secs : 0.0, jobs,
          jobs == 1 ? "" : "s", mpath);
  if (mst) fprintf(stderr, "briefpress: %s\n", mctx.msg);
  for (size_t i = 0; i < rec->n_rows; i++) free(b.res[i].entry);
  if (b.sp.fd >= 0) close(b.sp.fd);
  if (old) g_hash_table_destroy(old);
  if (listed) g_hash_table_destroy(listed);
  json_decref(old_root);
  free(mpath);
  free(b.res);
  free(b.todo);
  bp_batch_names_free(b.names);
  pthread_mutex_destroy(&b.io);
  pthread_mutex_destroy(&b.gate_lock);
  pthread_cond_destroy(&b.gate_cond);
  bp_profile_cache_free(b.pieces);
  bp_pdf_cache_free(b.pdf_faces);
  bp_template_free(tpl);
  bp_dataset_free(ds);
  bp_records_free(records);
  free(data_dir);
  if (lock_fd >= 0) close(lock_fd);
  return (counts[2] || mst) ? 1 : 0;
}
