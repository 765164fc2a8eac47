/* csv.c - RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF, newlines
 * inside quotes) with byte offsets on every field, in the dialects
 * spreadsheets export (a declared or detected delimiter, decimal commas,
 * thousands separators, dates such as 05.12.2023), and records: tables
 * whose first column is a free-form `id`, used for batches (one PDF per
 * row). Columns named iso2, source_id, url, date / *_date / *_on are
 * checked. The only CSV parser: batch reads its records here too, one
 * record at a time (bp_records_load_each), so one bad record fails alone. */
#include "data-imp.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

/* ---------------------------------------------------------------- dialects */

static const struct {
  const char *word, *value;
} SEP_WORDS[] = {{"tab", "\t"},
                 {"\\t", "\t"},
                 {"space", " "},
                 {"nbsp", "\xc2\xa0"},
                 {"narrow-nbsp", "\xe2\x80\xaf"}};

static const char *sep_value(const char *v) {
  for (size_t i = 0; i < sizeof SEP_WORDS / sizeof *SEP_WORDS; i++)
    if (!strcmp(v, SEP_WORDS[i].word)) return SEP_WORDS[i].value;
  return v;
}

/* A date format: YYYY once; MM/M and DD/D at most once each; a day needs a
 * month; anything else is a literal that is not a digit or a letter. */
static bool format_valid(const char *f, char *why, size_t n) {
  int y = 0, m = 0, d = 0;
  for (const char *p = f; *p;) {
    if (!strncmp(p, "YYYY", 4)) {
      y++;
      p += 4;
    } else if (*p == 'M' || *p == 'D') {
      (*p == 'M' ? &m : &d)[0]++;
      p += p[1] == p[0] ? 2 : 1;
    } else if (isalnum((unsigned char)*p)) {
      snprintf(why, n, "'%c' in a date format (use YYYY, MM, M, DD, D and separators)", *p);
      return false;
    } else {
      p++;
    }
  }
  if (y != 1 || m > 1 || d > 1 || (d && !m)) {
    snprintf(why, n,
             "a date format has YYYY once, MM (or M) and DD (or D) at most once, and a day only "
             "with a month, e.g. DD.MM.YYYY");
    return false;
  }
  return true;
}

bool bp_csv_dialect_set(bp_csv_dialect *d, const char *key, const char *value, char *why,
                        size_t n) {
  const char *v = sep_value(value);
  if (!strcmp(key, "delimiter")) {
    if (strlen(v) != 1 || !strchr(",;\t|", *v)) {
      snprintf(why, n, "the delimiter is one of ',' ';' '|' or a tab (\"tab\"), not \"%s\"", value);
      return false;
    }
    d->delimiter = *v;
  } else if (!strcmp(key, "decimal")) {
    if (strlen(v) != 1 || !strchr(".,", *v)) {
      snprintf(why, n, "the decimal mark is '.' or ',', not \"%s\"", value);
      return false;
    }
    d->decimal = *v;
  } else if (!strcmp(key, "thousands")) {
    static const char *const ok[] = {"", ",", ".", " ", "'", "\xc2\xa0", "\xe2\x80\xaf"};
    size_t i = 0;
    while (i < sizeof ok / sizeof *ok && strcmp(v, ok[i])) i++;
    if (i == sizeof ok / sizeof *ok) {
      snprintf(why, n,
               "the thousands separator is one of , . ' \"space\" \"nbsp\" \"narrow-nbsp\" or "
               "\"\" (none), not \"%s\"",
               value);
      return false;
    }
    strcpy(d->thousands, v);
  } else if (!strcmp(key, "date_format")) {
    if (strlen(value) >= sizeof d->date_format) {
      snprintf(why, n, "a date format has at most %zu characters", sizeof d->date_format - 1);
      return false;
    }
    if (*value && !format_valid(value, why, n)) return false;
    strcpy(d->date_format, value);
  } else {
    snprintf(why, n, "unknown CSV setting \"%s\" (delimiter, decimal, thousands, date_format)",
             key);
    return false;
  }
  return true;
}

bool bp_csv_dialect_check(const bp_csv_dialect *d, char *why, size_t n) {
  char dec = d->decimal ? d->decimal : '.', del = d->delimiter;
  if (del && del == dec) {
    snprintf(why, n, "the delimiter and the decimal mark are both '%c'", dec);
    return false;
  }
  if (d->thousands[0] && !d->thousands[1] && (d->thousands[0] == dec || d->thousands[0] == del)) {
    snprintf(why, n, "the thousands separator '%s' is also the %s", d->thousands,
             d->thousands[0] == dec ? "decimal mark" : "delimiter");
    return false;
  }
  return true;
}

bool bp_csv_date_to_iso(const char *text, const char *f, char *iso, size_t iso_size, char *why,
                        size_t n) {
  int y = 0, m = 0, d = 0;
  bool has_m = false, has_d = false;
  const char *t = text;
  for (const char *p = f; *p;) {
    int *slot = NULL, min = 1, max = 2, len = 1;
    if (!strncmp(p, "YYYY", 4)) {
      slot = &y;
      min = max = len = 4;
    } else if (*p == 'M' || *p == 'D') {
      slot = *p == 'M' ? &m : &d;
      *(*p == 'M' ? &has_m : &has_d) = true;
      if (p[1] == p[0]) min = len = 2;
    }
    if (!slot) { /* a literal */
      if (*t != *p) goto mismatch;
      t++;
      p++;
      continue;
    }
    int k = 0, v = 0;
    while (k < max && isdigit((unsigned char)t[k])) v = v * 10 + (t[k++] - '0');
    if (k < min) goto mismatch;
    *slot = v;
    t += k;
    p += len;
  }
  if (*t) goto mismatch;
  if (!bp__date_check(y, has_m ? m : 0, has_d ? d : 0, why, n)) return false;
  if (has_d)
    snprintf(iso, iso_size, "%04d-%02d-%02d", y, m, d);
  else if (has_m)
    snprintf(iso, iso_size, "%04d-%02d", y, m);
  else
    snprintf(iso, iso_size, "%04d", y);
  return true;
mismatch:
  snprintf(why, n, "not written %s (the declared date_format)", f);
  return false;
}

bool bp_csv_number(const char *text, const bp_csv_dialect *d, double *out) {
  char dec = d && d->decimal ? d->decimal : '.';
  const char *th = d ? d->thousands : "";
  size_t thn = strlen(th);
  if (dec == '.' && !thn) return bp__parse_number(text, out);
  bp_buf b = {0};
  bp_buf_puts(&b, "");
  const char *p = text;
  while (*p == ' ') p++;
  if (*p == '+' || *p == '-') bp_buf_putc(&b, *p++);
  /* the integer part: digits, and separators between groups of three */
  int group = 0, groups = 0;
  bool ok = true;
  for (;;) {
    if (isdigit((unsigned char)*p)) {
      bp_buf_putc(&b, *p++);
      group++;
    } else if (thn && !strncmp(p, th, thn) && isdigit((unsigned char)p[thn])) {
      ok = ok && group >= 1 && (groups ? group == 3 : group <= 3);
      groups++;
      group = 0;
      p += thn;
    } else {
      break;
    }
  }
  ok = ok && (!groups || group == 3);
  if (*p == dec) {
    bp_buf_putc(&b, '.');
    p++;
  }
  /* the rest (fraction digits, an exponent, spaces) as written: the other
   * mark there makes it no number */
  ok = ok && !strchr(p, dec == '.' ? ',' : '.');
  bp_buf_puts(&b, p);
  ok = ok && bp__parse_number(b.data, out);
  bp_buf_free(&b);
  return ok;
}

void bp__csv_detect(bp_src *s, bp_csv_dialect *d, const char *meta) {
  if (d->delimiter) return;
  size_t commas = 0, semis = 0;
  bool quoted = false;
  for (size_t p = s->start; p < s->len && (quoted || s->text[p] != '\n'); p++) {
    char c = s->text[p];
    if (c == '"') quoted = !quoted;
    if (!quoted) {
      commas += c == ',';
      semis += c == ';';
    }
  }
  d->delimiter = semis > commas ? ';' : ',';
  if (d->delimiter == ';')
    bp__diag(s, BP_SEV_WARNING, s->start,
             "columns are separated by ';' (detected from the header line); say so with "
             "\"csv\": {\"delimiter\": \";\"} in %s",
             meta ? meta : "the JSON of the same name beside it");
}

void bp__csv_dialect_json(bp_src *m, bp_json *j, json_t *o, bp_csv_dialect *d) {
  json_t *c = json_object_get(o, "csv");
  if (!c) return;
  if (!json_is_object(c)) {
    bp__diag(m, BP_SEV_ERROR, bp__json_val(j, o, "csv"),
             "\"csv\" is an object such as {\"delimiter\": \";\", \"decimal\": \",\"}, not %s",
             bp__json_type_name(c));
    return;
  }
  static const char *const KEYS[] = {"delimiter", "decimal", "thousands", "date_format", NULL};
  bp__json_unknown_keys(m, j, c, KEYS, "\"csv\"");
  const char *key;
  json_t *v;
  char why[200];
  json_object_foreach(c, key, v) {
    bool known = false;
    for (size_t i = 0; KEYS[i]; i++) known = known || !strcmp(key, KEYS[i]);
    if (!known) continue; /* reported above */
    if (!json_is_string(v))
      bp__diag(m, BP_SEV_ERROR, bp__json_val(j, c, key), "\"%s\" must be a string, not %s", key,
               bp__json_type_name(v));
    else if (!bp_csv_dialect_set(d, key, json_string_value(v), why, sizeof why))
      bp__diag(m, BP_SEV_ERROR, bp__json_val(j, c, key) + 1, "%s", why);
  }
  if (!bp_csv_dialect_check(d, why, sizeof why))
    bp__diag(m, BP_SEV_ERROR, bp__json_val(j, o, "csv"), "%s", why);
}

/* ---------------------------------------------------------------- tokens */

void bp__csv_rec_free(bp_csv_rec *rec) {
  for (size_t i = 0; i < rec->n; i++) free(rec->f[i].text);
  free(rec->f);
  memset(rec, 0, sizeof *rec);
}

static void rec_clear(bp_csv_rec *rec) {
  for (size_t i = 0; i < rec->n; i++) free(rec->f[i].text);
  rec->n = 0;
}

bool bp__csv_next(bp_csv *c, bp_csv_rec *rec, bool *bad) {
  bp_src *s = c->s;
  char delim = c->delim ? c->delim : ',';
  const char *t = s->text;
  size_t n = s->len, p = c->pos;
  rec_clear(rec);
  *bad = false;
  if (p < s->start) p = s->start;
  while (p < n && (t[p] == '\n' || (t[p] == '\r' && p + 1 < n && t[p + 1] == '\n')))
    p += t[p] == '\r' ? 2 : 1;
  if (p >= n) {
    c->pos = n;
    return false;
  }
  rec->off = p;
  for (;;) {
    bp_buf b = {0};
    size_t foff = p;
    if (p < n && t[p] == '"') {
      p++;
      for (;;) { /* the text up to the next quote at once, not byte by byte */
        const char *q = memchr(t + p, '"', n - p);
        size_t e = q ? (size_t)(q - t) : n;
        bp_buf_put(&b, t + p, e - p);
        p = e;
        if (p >= n) {
          bp__diag(s, BP_SEV_ERROR, foff,
                   "unterminated quoted field (the quote opened here is never closed)");
          bp_buf_free(&b);
          c->pos = n;
          *bad = true;
          return false;
        }
        if (p + 1 < n && t[p + 1] == '"') {
          bp_buf_putc(&b, '"');
          p += 2;
          continue;
        }
        p++;
        break;
      }
      if (p < n && t[p] != delim && t[p] != '\n' &&
          !(t[p] == '\r' && p + 1 < n && t[p + 1] == '\n')) {
        bp__diag(s, BP_SEV_ERROR, p, "expected '%s' or end of line after the closing quote",
                 delim == '\t' ? "\\t" : (const char[]){delim, 0});
        bp_buf_free(&b);
        while (p < n && t[p] != '\n') p++;
        c->pos = p;
        *bad = true;
        return false;
      }
    } else {
      /* the bytes that end an unquoted field or are wrong in one, besides
       * the delimiter: one table lookup a byte, not four comparisons */
      static const bool stop[256] = {['\n'] = true, ['\r'] = true, ['"'] = true};
      size_t from = p;
      while (p < n && !stop[(unsigned char)t[p]] && t[p] != delim) p++;
      if (p < n && t[p] != delim && t[p] != '\n' &&
          !(t[p] == '\r' && p + 1 < n && t[p + 1] == '\n')) { /* a quote, a lone CR */
        bp__diag(s, BP_SEV_ERROR, p,
                 t[p] == '"' ? "quote inside an unquoted field (quote the whole field and double "
                               "the quote: \"\")"
                             : "stray carriage return (line endings must be LF or CRLF)");
        bp_buf_free(&b);
        while (p < n && t[p] != '\n') p++;
        c->pos = p;
        *bad = true;
        return false;
      }
      bp_buf_put(&b, t + from, p - from);
    }
    size_t at;
    char why[160];
    if (b.len && !bp_text_within_limits(b.data, b.len, &at, why, sizeof why))
      bp__diag(s, BP_SEV_ERROR, foff + (t[foff] == '"') + at, "%s", why);
    bp_csv_field f = {bp_buf_detach(&b), foff};
    BP_PUSH(rec->f, rec->n, rec->cap, f);
    if (p >= n) break;
    if (t[p] == delim) {
      p++;
      continue;
    }
    p += t[p] == '\r' ? 2 : 1; /* end of line */
    break;
  }
  c->pos = p;
  return true;
}

bool bp__csv_header(bp_csv *c, bp_csv_rec *hdr) {
  bool bad;
  if (!bp__csv_next(c, hdr, &bad)) {
    if (!bad) bp__diag(c->s, BP_SEV_ERROR, c->s->start, "no header line");
    return false;
  }
  bool ok = true;
  bp_strmap seen = {0};
  for (size_t i = 0; i < hdr->n; i++) {
    if (!*hdr->f[i].text) {
      bp__diag(c->s, BP_SEV_ERROR, hdr->f[i].off, "empty column name in the header");
      ok = false;
    } else if (bp__map_get(&seen, hdr->f[i].text, NULL)) {
      bp__diag(c->s, BP_SEV_ERROR, hdr->f[i].off, "duplicate column '%s'", hdr->f[i].text);
      ok = false;
    } else {
      bp__map_put(&seen, hdr->f[i].text, i);
    }
  }
  bp__map_free(&seen);
  return ok;
}

/* ---------------------------------------------------------------- records */

/* A record's `n` fields (padded with "" to the header's width) as one block:
 * the pointers, then the texts. A batch keeps every record for its whole
 * run: one allocation a record, not one a field with a buffer's slack in
 * each (10,000 records of 10 fields: 2.9 MB of text took 5.6 MB). */
static char **pack_fields(const bp_csv_rec *rec, size_t n) {
  size_t total = 0;
  for (size_t k = 0; k < n; k++) total += (k < rec->n ? strlen(rec->f[k].text) : 0) + 1;
  char **fields = bp_malloc(n * sizeof(char *) + total);
  char *p = (char *)(fields + n);
  for (size_t k = 0; k < n; k++) {
    const char *t = k < rec->n ? rec->f[k].text : "";
    size_t l = strlen(t) + 1;
    memcpy(p, t, l);
    fields[k] = p;
    p += l;
  }
  return fields;
}

/* Where the records of bp_records_index are read again from: the file,
 * open, or its text when it cannot be read twice (standard input, a pipe). */
struct bp_records_file {
  int fd;     /* -1: text */
  char *text; /* the whole file, or NULL */
  size_t len;
  bp_csv_dialect d; /* as the records were loaded (dates are read with it) */
};

void bp_records_free(bp_records *r) {
  if (!r) return;
  if (r->file) {
    if (r->file->fd >= 0) close(r->file->fd);
    free(r->file->text);
    free(r->file);
  }
  for (size_t i = 0; i < r->n_rows; i++) {
    free(r->rows[i].fields); /* with its texts (pack_fields) */
    free(r->rows[i].error);
    free(r->rows[i].error_field);
  }
  free(r->rows);
  for (size_t k = 0; k < r->n_cols; k++) free(r->names[k]);
  free(r->names);
  for (size_t i = 0; i < r->n_warnings; i++) free(r->warnings[i]);
  free(r->warnings);
  free(r->path);
  free(r);
}

char *bp__records_meta_path(const char *csv_path) {
  size_t n = strlen(csv_path);
  if (n < 4 || strcmp(csv_path + n - 4, ".csv")) return NULL;
  char *m = bp_malloc(n + 2); /* ".json" is a byte longer than ".csv" */
  memcpy(m, csv_path, n - 4);
  strcpy(m + n - 4, ".json");
  struct stat st;
  if (stat(m, &st) || !S_ISREG(st.st_mode)) {
    free(m);
    return NULL;
  }
  return m;
}

void bp__records_meta(bp_src *m, bp_csv_dialect *d) {
  bp_json *j = m && m->usable ? bp__json_parse(m) : NULL;
  json_t *o = j ? bp__json_root(j) : NULL;
  if (j && !json_is_object(o)) {
    bp__diag(m, BP_SEV_ERROR, bp__json_start(j, o),
             "records metadata is an object such as {\"csv\": {\"delimiter\": \";\"}}, not %s",
             bp__json_type_name(o));
  } else if (o) {
    static const char *const KEYS[] = {"csv", "title", "description", NULL};
    bp__json_unknown_keys(m, j, o, KEYS, "records metadata");
    bp__csv_dialect_json(m, j, o, d);
  }
  bp__json_free(j);
}

int bp_records_column(const bp_records *r, const char *name) {
  for (size_t k = 0; r && k < r->n_cols; k++)
    if (!strcmp(r->names[k], name)) return (int)k;
  return -1;
}

const char *bp_records_field(const bp_records *r, size_t row, const char *name) {
  int k = bp_records_column(r, name);
  if (k < 0 || row >= r->n_rows) return NULL;
  return r->rows[row].fields[k];
}

const bp_record *bp_records_lookup(const bp_records *r, const char *id) {
  for (size_t i = 0; r && id && i < r->n_rows; i++)
    if (!strcmp(r->rows[i].fields[0], id)) return &r->rows[i];
  return NULL;
}

/* Compares two cells: as numbers when both read as numbers, else bytewise. */
static int cell_cmp(const char *a, const char *b) {
  char *ea, *eb;
  double x = strtod(a, &ea), y = strtod(b, &eb);
  if (*a && *b && !*ea && !*eb) return x < y ? -1 : x > y;
  return strcmp(a, b);
}

size_t *bp_records_order(const bp_records *r, const char *column) {
  size_t *o = bp_calloc(r->n_rows + 1, sizeof *o);
  bool desc = column && *column == '-';
  int c = column ? bp_records_column(r, column + desc) : -1;
  for (size_t i = 0; i < r->n_rows; i++) {
    size_t k = i; /* insertion sort: stable, and record sets are small */
    while (c >= 0 && k > 0 &&
           (desc ? -1 : 1) * cell_cmp(r->rows[o[k - 1]].fields[c], r->rows[i].fields[c]) > 0)
      o[k] = o[k - 1], k--;
    o[k] = i;
  }
  return o;
}

static bool ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && !strcmp(s + n - m, suf);
}

typedef enum colkind { COL_TEXT, COL_COUNTRY, COL_CITE, COL_DATE, COL_URL } colkind;

static colkind col_kind(const char *name) {
  if (!strcmp(name, "iso2") || ends_with(name, "_iso2")) return COL_COUNTRY;
  if (!strcmp(name, "source_id") || ends_with(name, "_source_id")) return COL_CITE;
  if (!strcmp(name, "url") || ends_with(name, "_url")) return COL_URL;
  if (!strcmp(name, "date") || ends_with(name, "_date") || ends_with(name, "_on")) return COL_DATE;
  return COL_TEXT;
}

/* Checks one typed cell (non-empty). */
static void check_cell(bp_src *s, const bp_resolver *r, colkind k, const char *col,
                       const bp_csv_field *f) {
  char why[128];
  size_t off = f->off + (s->text[f->off] == '"' ? 1 : 0);
  switch (k) {
  case COL_COUNTRY:
    if (!bp_country_valid(f->text))
      bp__diag(s, BP_SEV_ERROR, off,
               "unknown country code '%s' (expected ISO 3166-1 alpha-2, e.g. 'KP')", f->text);
    break;
  case COL_CITE:
    if (!bp__cite_id_valid(f->text))
      bp__diag(s, BP_SEV_ERROR, off, "invalid citation id '%s'", f->text);
    else
      bp__resolve(s, r, f->text, off);
    break;
  case COL_DATE:
    if (!bp_date_parse(f->text, NULL, why, sizeof why))
      bp__diag(s, BP_SEV_ERROR, off, "invalid date '%s' in column '%s': %s", f->text, col, why);
    break;
  case COL_URL: {
    size_t bad;
    if (!bp_url_valid(f->text, &bad, why, sizeof why))
      bp__diag(s, BP_SEV_ERROR, off + bad, "malformed URL: %s", why);
    break;
  }
  case COL_TEXT: break;
  }
}

bp_status bp_records_check_row(bp_ctx *ctx, const bp_records *r, size_t row, const bp_bib *bib,
                               const char **bad_field) {
  for (size_t k = 0; k < r->n_cols; k++) {
    const char *v = r->rows[row].fields[k];
    size_t n = strlen(v), bad;
    char why[128] = "";
    bp_status st = BP_OK;
    *bad_field = r->names[k];
    if (!bp_utf8_valid(v, n, &bad))
      st = bp_error(ctx, BP_ERR_DATA, "invalid UTF-8 at byte %zu", bad);
    for (size_t i = 0; !st && i < n;) {
      int len;
      int32_t cp = bp_utf8_decode(v + i, n - i, &len);
      if (cp < 0 || bp_text_control((uint32_t)cp) || cp == '\r')
        st = bp_error(ctx, BP_ERR_DATA, "control character U+%04X at byte %zu", (unsigned)cp, i);
      i += (size_t)len;
    }
    colkind kind = *v && !st ? col_kind(r->names[k]) : COL_TEXT;
    if (kind == COL_COUNTRY && !bp_country_valid(v))
      st = bp_error(ctx, BP_ERR_DATA,
                    "unknown country code '%s' (expected ISO 3166-1 alpha-2, e.g. 'KP')", v);
    else if (kind == COL_DATE && !bp_date_parse(v, NULL, why, sizeof why))
      st = bp_error(ctx, BP_ERR_DATA, "invalid date '%s': %s", v, why);
    else if (kind == COL_CITE && !bp_bib_lookup(bib, v))
      st = bp_error(ctx, BP_ERR_DATA, "unknown citation '%s'", v);
    else if (kind == COL_URL && !bp_url_valid(v, &bad, why, sizeof why))
      st = bp_error(ctx, BP_ERR_DATA, "malformed URL: %s", why);
    if (st) return st;
  }
  *bad_field = NULL;
  return BP_OK;
}

/* "file:line:col: [field NAME: ]message" for a record's own problem. */
static char *row_error(const bp_src *s, int line, int col, const char *field, const char *msg) {
  bp_buf m = {0};
  bp_buf_printf(&m, "%s:%d:%d: ", s->path, line, col);
  if (field) bp_buf_printf(&m, "field %s: ", field);
  bp_buf_puts(&m, msg);
  return bp_buf_detach(&m);
}

/* The header name of the field of rec that holds byte `off`, or NULL. */
static const char *field_at(const bp_csv_rec *rec, const bp_csv_rec *hdr, size_t off) {
  const char *name = NULL;
  for (size_t k = 0; k < rec->n && k < hdr->n; k++)
    if (rec->f[k].off <= off) name = hdr->f[k].text;
  return name;
}

/* Reads the next record of a records file read one record at a time
 * (bp_records_load_each): its own problems (bad text, fields over the
 * limits) go to *err (NULL when none) and *field instead of s->dl; syntax
 * errors still go to s->dl (the whole load fails). Returns as bp__csv_next. */
static bool next_each(bp_csv *c, bp_csv_rec *rec, bool *bad, const bp_csv_rec *hdr, char **err,
                      const char **field) {
  bp_src *s = c->s;
  bp_diag_list *file_dl = s->dl, *rdl = bp_diag_list_new();
  size_t file_n = s->n_diags;
  s->dl = rdl;
  s->n_diags = 0; /* every record may report its problem */
  bool got = bp__csv_next(c, rec, bad);
  s->dl = file_dl;
  s->n_diags = file_n;
  *err = NULL;
  *field = NULL;
  size_t at;
  char why[160];
  if (*bad) { /* the record's end is unknown: the file's problem */
    for (size_t i = 0; i < rdl->n; i++)
      bp__diag_file(file_dl, rdl->v[i].severity, s->path, rdl->v[i].line, rdl->v[i].col, "%s",
                    rdl->v[i].message);
  } else if (got && !bp_text_clean(s->text + rec->off, c->pos - rec->off, &at, why, sizeof why)) {
    int line, col;
    bp__src_linecol(s, rec->off + at, &line, &col);
    *field = field_at(rec, hdr, rec->off + at);
    *err = row_error(s, line, col, *field, why);
  } else if (got && rdl->n_errors) {
    const bp_diag *d = rdl->v;
    while (d->severity != BP_SEV_ERROR) d++; /* n_errors > 0: there is one */
    *field = field_at(rec, hdr, bp__src_off(s, d->line, d->col));
    *err = row_error(s, d->line, d->col, *field, d->message);
  }
  bp_diag_list_free(rdl);
  return got;
}

/* A date cell written in the dialect's date_format, given as ISO 8601 (the
 * field's text replaced); false, with the reason, when it is not a date. */
static bool date_cell(const bp_csv_dialect *d, bp_csv_field *f, char *why, size_t n) {
  char iso[16];
  if (!d->date_format[0] || !f->text[0]) return true;
  if (!bp_csv_date_to_iso(f->text, d->date_format, iso, sizeof iso, why, n)) return false;
  free(f->text);
  f->text = bp_strdup(iso);
  return true;
}

/* Where a record of bp_records_index is read again from: the file when it
 * is a regular file of the size just read, else a copy of the text. */
static bp_records_file *records_file(const bp_src *s, const bp_csv_dialect *d) {
  bp_records_file *f = bp_calloc(1, sizeof *f);
  f->d = *d;
  f->len = s->len;
  f->fd = strcmp(s->path, BP_STDIN_NAME) ? open(s->path, O_RDONLY | O_CLOEXEC) : -1;
  struct stat st;
  if (f->fd >= 0 && (fstat(f->fd, &st) || !S_ISREG(st.st_mode) || (size_t)st.st_size != s->len)) {
    close(f->fd);
    f->fd = -1;
  }
  if (f->fd < 0) {
    f->text = bp_malloc(s->len + 1);
    memcpy(f->text, s->text, s->len + 1);
  }
  return f;
}

/* each: rows fail alone (bp_records_load_each); cells are not checked,
 * except dates in a declared date_format, which are read into ISO 8601.
 * lazy (with each): a sound record keeps its place, not its fields
 * (bp_records_index). */
static bp_records *records_parse(bp_src *s, const bp_resolver *r, bool each, bool lazy,
                                 const bp_csv_dialect *dialect, const char *meta) {
  if (!s->usable) return NULL;
  size_t errs = s->dl->n_errors;
  bp_csv_dialect d = dialect ? *dialect : (bp_csv_dialect){0};
  bp__csv_detect(s, &d, meta);
  bp_csv c = {s, s->start, d.delimiter};
  bp_csv_rec hdr = {0}, rec = {0};
  if (!bp__csv_header(&c, &hdr)) {
    bp__csv_rec_free(&hdr);
    return NULL;
  }
  size_t at;
  char why[160];
  if (each && !bp_text_clean(s->text + hdr.off, c.pos - hdr.off, &at, why, sizeof why))
    bp__diag(s, BP_SEV_ERROR, hdr.off + at, "%s", why);
  if (strcmp(hdr.f[0].text, "id"))
    bp__diag(s, BP_SEV_ERROR, hdr.f[0].off,
             "the first column of a records file must be 'id', not '%s'", hdr.f[0].text);
  bp_records *out = bp_calloc(1, sizeof *out);
  out->path = bp_strdup(s->path);
  out->n_cols = hdr.n;
  out->names = bp_calloc(hdr.n, sizeof(char *));
  colkind *kinds = bp_calloc(hdr.n, sizeof *kinds);
  for (size_t k = 0; k < hdr.n; k++) {
    out->names[k] = bp_strdup(hdr.f[k].text);
    kinds[k] = col_kind(hdr.f[k].text);
  }
  bp_strmap ids = {0};
  size_t cap = 0;
  bool bad;
  for (;;) {
    char *err = NULL;
    const char *field = NULL;
    bool got = each ? next_each(&c, &rec, &bad, &hdr, &err, &field) : bp__csv_next(&c, &rec, &bad);
    if (!got && !bad) break;
    if (bad) continue;
    int line, col;
    bp__src_linecol(s, rec.off, &line, &col);
    if (!err && rec.n != hdr.n) {
      size_t off = rec.n > hdr.n ? rec.f[hdr.n].off : rec.f[rec.n - 1].off;
      char msg[96];
      snprintf(msg, sizeof msg, "expected %zu fields (as in the header), found %zu", hdr.n, rec.n);
      if (!each) {
        bp__diag(s, BP_SEV_ERROR, off, "%s", msg);
        continue;
      }
      bp__src_linecol(s, off, &line, &col);
      err = row_error(s, line, col, NULL, msg);
      bp__src_linecol(s, rec.off, &line, &col);
    }
    const char *id = rec.f[0].text;
    if (err) {
      /* nothing else is checked in a record that failed */
    } else if (!bp__record_id_valid(id)) {
      if (each) {
        bp_buf m = {0};
        bp_buf_printf(&m, "invalid id '%s' (letters, digits, '-' and '_')", id);
        field = "id";
        err = row_error(s, line, col, field, m.data);
        bp_buf_free(&m);
      } else {
        bp__diag(s, BP_SEV_ERROR, rec.f[0].off, "invalid id '%s' (letters, digits, '-' and '_')",
                 id);
      }
    } else {
      size_t prev;
      if (bp__map_get(&ids, id, &prev)) {
        bp__diag(s, BP_SEV_ERROR, rec.f[0].off, "duplicate id '%s' (first at line %d)", id,
                 out->rows[prev].line);
      } else {
        bp__map_put(&ids, id, out->n_rows);
      }
    }
    for (size_t k = 1; k < rec.n && k < hdr.n && !err; k++) {
      char dwhy[160];
      if (kinds[k] != COL_DATE || date_cell(&d, &rec.f[k], dwhy, sizeof dwhy)) continue;
      size_t off = rec.f[k].off + (s->text[rec.f[k].off] == '"');
      bp_buf m = {0};
      bp_buf_printf(&m, "invalid date '%s' in column '%s': %s", rec.f[k].text, hdr.f[k].text, dwhy);
      if (each) {
        int l, cl;
        bp__src_linecol(s, off, &l, &cl);
        field = hdr.f[k].text;
        err = row_error(s, l, cl, field, m.data);
      } else {
        bp__diag(s, BP_SEV_ERROR, off, "%s", m.data);
        rec.f[k].text[0] = '\0'; /* reported: not checked again */
      }
      bp_buf_free(&m);
    }
    for (size_t k = 1; !each && k < rec.n; k++)
      if (rec.f[k].text[0]) check_cell(s, r, kinds[k], hdr.f[k].text, &rec.f[k]);
    bp_record row = {.fields = lazy && !err ? NULL : pack_fields(&rec, hdr.n),
                     .line = line,
                     .len = (unsigned)(c.pos - rec.off),
                     .error = err,
                     .error_field = field ? bp_strdup(field) : NULL,
                     .off = rec.off};
    BP_PUSH(out->rows, out->n_rows, cap, row);
  }
  if (!out->n_rows && s->dl->n_errors == errs) {
    size_t e = hdr.f[hdr.n - 1].off;
    while (e < s->len && s->text[e] != '\n' && s->text[e] != '\r') e++;
    /* a batch of nothing is a mistake; a table of nothing only odd */
    bp__diag(s, each ? BP_SEV_ERROR : BP_SEV_WARNING, e,
             "no records (the file has only a header line)");
  }
  if (lazy && out->n_rows) { /* no growing array's slack: a batch keeps its records to its end */
    out->rows = bp_realloc(out->rows, out->n_rows * sizeof *out->rows);
    out->file = records_file(s, &d); /* with the delimiter detected */
  }
  free(kinds);
  bp__map_free(&ids);
  bp__csv_rec_free(&hdr);
  bp__csv_rec_free(&rec);
  if (s->dl->n_errors != errs) {
    bp_records_free(out);
    return NULL;
  }
  return out;
}

bp_records *bp__records_parse(bp_src *s, const bp_resolver *r, const bp_csv_dialect *d,
                              const char *meta) {
  return records_parse(s, r, false, false, d, meta);
}

bp_records *bp__records_parse_each(bp_src *s, const bp_csv_dialect *d, const char *meta) {
  return records_parse(s, NULL, true, false, d, meta);
}

/* The fields `over` sets, over those of `d`. */
static void dialect_over(bp_csv_dialect *d, const bp_csv_dialect *over) {
  if (!over) return;
  if (over->delimiter) d->delimiter = over->delimiter;
  if (over->decimal) d->decimal = over->decimal;
  if (over->thousands[0]) strcpy(d->thousands, over->thousands);
  if (over->date_format[0]) strcpy(d->date_format, over->date_format);
}

static bp_status records_load(bp_ctx *ctx, const char *path, bool each, bool lazy,
                              const bp_csv_dialect *over, bp_records **out) {
  *out = NULL;
  bp_diag_list *dl = bp_diag_list_new();
  bool io, mio = false;
  bp_csv_dialect d = {0};
  char *mp = bp__records_meta_path(path);
  bp_src *m = mp ? bp__src_open(dl, mp, &mio) : NULL;
  bp__records_meta(m, &d);
  dialect_over(&d, over);
  char why[200];
  if (over && !bp_csv_dialect_check(&d, why, sizeof why))
    bp__diag_file(dl, BP_SEV_ERROR, path, 1, 1, "%s", why);
  bp_src *s = each ? bp__src_open_rows(dl, path, &io) : bp__src_open(dl, path, &io);
  bp_records *r = dl->n_errors ? NULL : records_parse(s, NULL, each, lazy, &d, mp);
  bp_status st = bp__diag_to_ctx(ctx, dl, io || mio);
  if (st == BP_OK && r) {
    for (size_t i = 0; i < dl->n; i++) /* what check would warn about, for the caller to say */
      if (dl->v[i].severity == BP_SEV_WARNING) {
        r->warnings = bp_realloc(r->warnings, (r->n_warnings + 1) * sizeof *r->warnings);
        r->warnings[r->n_warnings++] = bp_diag_format(&dl->v[i]);
      }
    *out = r;
  } else {
    bp_records_free(r);
    if (st == BP_OK) st = bp_error(ctx, BP_ERR_DATA, "%s: cannot load", path);
  }
  bp__src_free(s);
  bp__src_free(m);
  free(mp);
  bp_diag_list_free(dl);
  return st;
}

bp_status bp_records_load(bp_ctx *ctx, const char *path, bp_records **out) {
  return records_load(ctx, path, false, false, NULL, out);
}

bp_status bp_records_load_each(bp_ctx *ctx, const char *path, bp_records **out) {
  return records_load(ctx, path, true, false, NULL, out);
}

bp_status bp_records_load_each_with(bp_ctx *ctx, const char *path, const bp_csv_dialect *over,
                                    bp_records **out) {
  return records_load(ctx, path, true, false, over, out);
}

bp_status bp_records_index(bp_ctx *ctx, const char *path, const bp_csv_dialect *over,
                           bp_records **out) {
  return records_load(ctx, path, true, true, over, out);
}

/* The `len` bytes at `off` of f (NUL-terminated), or NULL with *err the
 * errno of a failed read, or 0 when the file is shorter now. */
static char *file_bytes(const bp_records_file *f, size_t off, size_t len, int *err) {
  char *buf = bp_malloc(len + 1);
  buf[len] = '\0';
  *err = 0;
  if (f->text) return memcpy(buf, f->text + off, len);
  for (size_t got = 0; got < len;) {
    ssize_t n = pread(f->fd, buf + got, len - got, (off_t)(off + got));
    if (n < 0 && errno == EINTR) continue; /* a signal, not the file's end */
    if (n <= 0) {
      *err = n < 0 ? errno : 0;
      free(buf);
      return NULL;
    }
    got += (size_t)n;
  }
  return buf;
}

bp_status bp_records_read_row(bp_ctx *ctx, const bp_records *r, size_t row, char ***fields) {
  *fields = NULL;
  const bp_record *rw = &r->rows[row];
  if (rw->fields) { /* kept: a copy, so that every caller frees what it gets */
    bp_csv_rec kept = {0};
    for (size_t k = 0; k < r->n_cols; k++) {
      bp_csv_field f = {rw->fields[k], 0};
      BP_PUSH(kept.f, kept.n, kept.cap, f);
    }
    *fields = pack_fields(&kept, r->n_cols);
    free(kept.f);
    return BP_OK;
  }
  int err = 0;
  char *text = r->file ? file_bytes(r->file, rw->off, rw->len, &err) : NULL;
  if (!text)
    return bp_error(ctx, r->file ? BP_ERR_IO : BP_ERR_USAGE,
                    "%s:%d: cannot read the record again%s%s", r->path, rw->line,
                    r->file ? ": " : "",
                    !r->file ? ""
                    : err    ? BP_STRERROR(err)
                             : "the file is shorter now");
  /* the record alone, parsed as when it was loaded (where it failed then,
   * it has its fields) */
  bp_diag_list *dl = bp_diag_list_new();
  bp_src *s = bp__src_mem(dl, r->path, text, rw->len);
  free(text);
  bp_csv c = {s, s->start, r->file->d.delimiter};
  bp_csv_rec rec = {0};
  bool bad, ok = bp__csv_next(&c, &rec, &bad) && !bad && !dl->n_errors && rec.n == r->n_cols &&
                 c.pos == rw->len && bp__record_id_valid(rec.f[0].text);
  char why[160];
  for (size_t k = 1; ok && k < rec.n; k++)
    ok = col_kind(r->names[k]) != COL_DATE || date_cell(&r->file->d, &rec.f[k], why, sizeof why);
  bp_status st = BP_OK;
  if (ok)
    *fields = pack_fields(&rec, r->n_cols);
  else
    st = bp_error(ctx, BP_ERR_DATA,
                  "%s:%d: the record is not what it was when the batch started "
                  "(the file was written to since)",
                  r->path, rw->line);
  bp__csv_rec_free(&rec);
  bp__src_free(s);
  bp_diag_list_free(dl);
  return st;
}
