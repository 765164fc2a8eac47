/* csv.c - RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF, newlines
 * inside quotes) with byte offsets on every field, and records: tables whose
 * first column is a free-form `id`, used for batches (one PDF per row).
 * Columns named iso2, source_id, url, date / *_date / *_on are checked.
 * The only CSV parser: batch reads its records here too, one record at a
 * time (bp_records_load_each), so one bad record fails alone. */
#include "data-imp.h"

#include <stdlib.h>
#include <string.h>

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
      for (;;) {
        if (p >= n) {
          bp__diag(s, BP_SEV_ERROR, foff,
                   "unterminated quoted field (the quote opened here is never closed)");
          bp_buf_free(&b);
          c->pos = n;
          *bad = true;
          return false;
        }
        if (t[p] == '"') {
          if (p + 1 < n && t[p + 1] == '"') {
            bp_buf_putc(&b, '"');
            p += 2;
            continue;
          }
          p++;
          break;
        }
        bp_buf_putc(&b, t[p++]);
      }
      if (p < n && t[p] != ',' && t[p] != '\n' &&
          !(t[p] == '\r' && p + 1 < n && t[p + 1] == '\n')) {
        bp__diag(s, BP_SEV_ERROR, p, "expected ',' or end of line after the closing quote");
        bp_buf_free(&b);
        while (p < n && t[p] != '\n') p++;
        c->pos = p;
        *bad = true;
        return false;
      }
    } else {
      while (p < n && t[p] != ',' && t[p] != '\n') {
        if (t[p] == '\r' && p + 1 < n && t[p + 1] == '\n') break;
        if (t[p] == '"' || t[p] == '\r') {
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
        bp_buf_putc(&b, t[p++]);
      }
    }
    size_t at;
    char why[160];
    if (b.len && !bp_text_within_limits(b.data, b.len, &at, why, sizeof why))
      bp__diag(s, BP_SEV_ERROR, foff + (t[foff] == '"') + at, "%s", why);
    bp_csv_field f = {bp_buf_detach(&b), foff};
    BP_PUSH(rec->f, rec->n, rec->cap, f);
    if (p >= n) break;
    if (t[p] == ',') {
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

void bp_records_free(bp_records *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n_rows; i++) {
    for (size_t k = 0; k < r->n_cols; k++) free(r->rows[i].fields[k]);
    free(r->rows[i].fields);
    free(r->rows[i].error);
    free(r->rows[i].error_field);
  }
  free(r->rows);
  for (size_t k = 0; k < r->n_cols; k++) free(r->names[k]);
  free(r->names);
  free(r->path);
  free(r);
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

/* each: rows fail alone (bp_records_load_each); cells are not checked. */
static bp_records *records_parse(bp_src *s, const bp_resolver *r, bool each) {
  if (!s->usable) return NULL;
  size_t errs = s->dl->n_errors;
  bp_csv c = {s, s->start};
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
    for (size_t k = 1; !each && k < rec.n; k++)
      if (rec.f[k].text[0]) check_cell(s, r, kinds[k], hdr.f[k].text, &rec.f[k]);
    bp_record row = {bp_calloc(hdr.n, sizeof(char *)), line, err, field ? bp_strdup(field) : NULL};
    for (size_t k = 0; k < hdr.n; k++) { /* padded to the header's width */
      row.fields[k] = k < rec.n ? rec.f[k].text : bp_strdup("");
      if (k < rec.n) rec.f[k].text = NULL;
    }
    BP_PUSH(out->rows, out->n_rows, cap, row);
  }
  if (!out->n_rows && s->dl->n_errors == errs) {
    size_t e = hdr.f[hdr.n - 1].off;
    while (e < s->len && s->text[e] != '\n' && s->text[e] != '\r') e++;
    /* a batch of nothing is a mistake; a table of nothing only odd */
    bp__diag(s, each ? BP_SEV_ERROR : BP_SEV_WARNING, e,
             "no records (the file has only a header line)");
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

bp_records *bp__records_parse(bp_src *s, const bp_resolver *r) {
  return records_parse(s, r, false);
}

bp_records *bp__records_parse_each(bp_src *s) { return records_parse(s, NULL, true); }

static bp_status records_load(bp_ctx *ctx, const char *path, bool each, bp_records **out) {
  *out = NULL;
  bp_diag_list *dl = bp_diag_list_new();
  bool io;
  bp_src *s = each ? bp__src_open_rows(dl, path, &io) : bp__src_open(dl, path, &io);
  bp_records *r = each ? bp__records_parse_each(s) : bp__records_parse(s, NULL);
  bp_status st = bp__diag_to_ctx(ctx, dl, io);
  if (st == BP_OK && r)
    *out = r;
  else {
    bp_records_free(r);
    if (st == BP_OK) st = bp_error(ctx, BP_ERR_DATA, "%s: cannot load", path);
  }
  bp__src_free(s);
  bp_diag_list_free(dl);
  return st;
}

bp_status bp_records_load(bp_ctx *ctx, const char *path, bp_records **out) {
  return records_load(ctx, path, false, out);
}

bp_status bp_records_load_each(bp_ctx *ctx, const char *path, bp_records **out) {
  return records_load(ctx, path, true, out);
}
