/* series.c - time series: a CSV whose first column is a date or year
 * (YYYY, YYYY-MM or YYYY-MM-DD) and whose other columns are numbers (empty
 * cell = gap), with optional per-row `source_id` and `note` columns, plus a
 * JSON file beside it naming title, unit, source citation, note and
 * column labels. Charts read bp_series; nothing here draws. */
#include "data-imp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void bp_series_free(bp_series *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n_points; i++) {
    free(s->points[i].values);
    free(s->points[i].source_id);
    free(s->points[i].note);
  }
  free(s->points);
  for (size_t k = 0; k < s->n_cols; k++) {
    free(s->columns[k]);
    free(s->labels[k]);
  }
  free(s->columns);
  free(s->labels);
  free(s->path);
  free(s->meta_path);
  free(s->title);
  free(s->unit);
  free(s->source_id);
  free(s->note);
  free(s->x_name);
  free(s);
}

int bp_series_column(const bp_series *s, const char *name) {
  for (size_t k = 0; s && k < s->n_cols; k++)
    if (!strcmp(s->columns[k], name)) return (int)k;
  return -1;
}

static char *meta_str(bp_src *m, bp_json *j, json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  if (!v || json_is_null(v)) return NULL;
  if (json_is_string(v)) return bp_strdup(json_string_value(v));
  bp__diag(m, BP_SEV_ERROR, bp__json_val(j, o, key), "field \"%s\" must be a string, not %s", key,
           bp__json_type_name(v));
  return NULL;
}

bp_series *bp__series_parse(bp_src *csv, bp_src *meta, bp_json *mj, const bp_resolver *r) {
  size_t errs = (csv ? csv->dl : meta->dl)->n_errors;
  bp_series *out = bp_calloc(1, sizeof *out);
  json_t *mo = mj ? bp__json_root(mj) : NULL;
  json_t *labels = NULL;
  bp_csv_dialect dialect = {0};
  if (meta) out->meta_path = bp_strdup(meta->path);
  if (mj && !json_is_object(mo)) {
    bp__diag(meta, BP_SEV_ERROR, bp__json_start(mj, mo), "series metadata is an object, not %s",
             bp__json_type_name(mo));
    mo = NULL;
  }
  if (mo) {
    static const char *const KEYS[] = {"title", "unit",    "source", "note",
                                       "data",  "columns", "csv",    NULL};
    bp__json_unknown_keys(meta, mj, mo, KEYS, "series metadata");
    bp__csv_dialect_json(meta, mj, mo, &dialect);
    out->title = meta_str(meta, mj, mo, "title");
    out->unit = meta_str(meta, mj, mo, "unit");
    out->source_id = meta_str(meta, mj, mo, "source");
    out->note = meta_str(meta, mj, mo, "note");
    free(meta_str(meta, mj, mo, "data"));
    if (!json_object_get(mo, "title"))
      bp__diag(meta, BP_SEV_WARNING, bp__json_start(mj, mo), "series metadata has no \"title\"");
    if (out->source_id) {
      size_t off = bp__json_val(mj, mo, "source") + 1;
      if (!bp__cite_id_valid(out->source_id))
        bp__diag(meta, BP_SEV_ERROR, off, "invalid citation id '%s'", out->source_id);
      else
        bp__cite_canon(&out->source_id, bp__resolve(meta, r, out->source_id, off));
    }
    labels = json_object_get(mo, "columns");
    if (labels && !json_is_object(labels)) {
      bp__diag(meta, BP_SEV_ERROR, bp__json_val(mj, mo, "columns"),
               "\"columns\" must be an object {\"column\": \"label\"}, not %s",
               bp__json_type_name(labels));
      labels = NULL;
    }
  }
  if (!csv || !csv->usable) goto done;
  out->path = bp_strdup(csv->path);

  bp__csv_detect(csv, &dialect, meta ? meta->path : NULL);
  bp_csv c = {csv, csv->start, dialect.delimiter};
  bp_csv_rec hdr = {0}, rec = {0};
  if (!bp__csv_header(&c, &hdr)) {
    bp__csv_rec_free(&hdr);
    goto done;
  }
  out->x_name = bp_strdup(hdr.f[0].text);
  int src_col = -1, note_col = -1;
  int *vcol = bp_calloc(hdr.n, sizeof *vcol); /* csv column -> value index or -1 */
  size_t cap_cols = 0, cap_lab = 0, n_lab = 0;
  for (size_t k = 1; k < hdr.n; k++) {
    const char *name = hdr.f[k].text;
    vcol[k] = -1;
    if (!strcmp(name, "source_id"))
      src_col = (int)k;
    else if (!strcmp(name, "note"))
      note_col = (int)k;
    else {
      vcol[k] = (int)out->n_cols;
      char *nm = bp_strdup(name);
      BP_PUSH(out->columns, out->n_cols, cap_cols, nm);
      json_t *l = labels ? json_object_get(labels, name) : NULL;
      char *lab = bp_strdup(l && json_is_string(l) ? json_string_value(l) : name);
      BP_PUSH(out->labels, n_lab, cap_lab, lab);
    }
  }
  if (labels) {
    const char *key;
    json_t *v;
    json_object_foreach(labels, key, v) {
      if (!json_is_string(v))
        bp__diag(meta, BP_SEV_ERROR, bp__json_val(mj, labels, key),
                 "a column label must be a string, not %s", bp__json_type_name(v));
      if (bp_series_column(out, key) < 0)
        bp__diag(meta, BP_SEV_ERROR, bp__json_key(mj, labels, key), "no column '%s' in %s", key,
                 csv->path);
    }
  }
  if (!out->n_cols)
    bp__diag(csv, BP_SEV_ERROR, hdr.f[0].off, "a series needs at least one value column after '%s'",
             hdr.f[0].text);
  bp_strmap seen = {0};
  size_t cap_pts = 0;
  bool bad, warned_order = false;
  while (bp__csv_next(&c, &rec, &bad) || bad) {
    if (bad) continue;
    int line, col;
    bp__src_linecol(csv, rec.off, &line, &col);
    if (rec.n != hdr.n) {
      size_t off = rec.n > hdr.n ? rec.f[hdr.n].off : rec.f[rec.n - 1].off;
      bp__diag(csv, BP_SEV_ERROR, off, "expected %zu fields (as in the header), found %zu", hdr.n,
               rec.n);
      continue;
    }
    bp_series_point pt;
    memset(&pt, 0, sizeof pt);
    pt.line = line;
    char why[96];
    const bp_csv_field *df = &rec.f[0];
    size_t doff = df->off + (csv->text[df->off] == '"');
    char iso[16];
    const char *dtext = df->text;
    bool date_ok = true;
    if (dialect.date_format[0]) { /* read as declared, then as ISO 8601 */
      date_ok = bp_csv_date_to_iso(df->text, dialect.date_format, iso, sizeof iso, why, sizeof why);
      dtext = iso;
    }
    date_ok = date_ok && bp_date_parse(dtext, &pt.date, why, sizeof why);
    if (!date_ok) {
      bp__diag(csv, BP_SEV_ERROR, doff, "invalid date '%s': %s", df->text, why);
    } else {
      size_t prev;
      if (bp__map_get(&seen, df->text, &prev)) {
        bp__diag(csv, BP_SEV_ERROR, doff, "duplicate date %s (first at line %zu)", df->text, prev);
      } else {
        bp__map_put(&seen, df->text, (size_t)line);
        if (out->n_points && !warned_order &&
            bp_date_cmp(&pt.date, &out->points[out->n_points - 1].date) < 0) {
          bp__diag(csv, BP_SEV_WARNING, doff, "dates are not in increasing order");
          warned_order = true;
        }
      }
    }
    pt.x = date_ok ? bp_date_decimal_year(&pt.date) : NAN;
    pt.values = bp_calloc(out->n_cols ? out->n_cols : 1, sizeof(double));
    for (size_t k = 1; k < rec.n; k++) {
      const bp_csv_field *f = &rec.f[k];
      size_t off = f->off + (csv->text[f->off] == '"');
      if ((int)k == src_col) {
        if (f->text[0]) {
          pt.source_id = bp_strdup(f->text);
          if (!bp__cite_id_valid(f->text))
            bp__diag(csv, BP_SEV_ERROR, off, "invalid citation id '%s'", f->text);
          else /* an alias becomes the work's own id */
            bp__cite_canon(&pt.source_id, bp__resolve(csv, r, f->text, off));
        }
      } else if ((int)k == note_col) {
        if (f->text[0]) pt.note = bp_strdup(f->text);
      } else if (vcol[k] >= 0) {
        double v = NAN;
        if (f->text[0] && !bp_csv_number(f->text, &dialect, &v)) {
          /* a mark the dialect does not expect: say how to declare it */
          char other = dialect.decimal == ',' ? '.' : ',';
          bool hint = strchr(f->text, other) && !strstr(dialect.thousands, (char[]){other, 0});
          char tip[160] = "";
          if (hint)
            snprintf(tip, sizeof tip,
                     " (if '%c' is a decimal mark or a thousands separator, declare it in the "
                     "series metadata: \"csv\": {\"decimal\": \"%c\"} or {\"thousands\": \"%c\"})",
                     other, other, other);
          else if (dialect.decimal || dialect.thousands[0])
            snprintf(tip, sizeof tip, " (read with the decimal mark '%c'%s%s%s)",
                     dialect.decimal ? dialect.decimal : '.',
                     dialect.thousands[0] ? " and the thousands separator '" : "",
                     dialect.thousands,
                     dialect.thousands[0] ? "' between groups of three digits" : "");
          bp__diag(csv, BP_SEV_ERROR, off, "non-numeric value '%s' in column '%s'%s", f->text,
                   hdr.f[k].text, tip);
          v = NAN;
        }
        pt.values[vcol[k]] = v;
      }
    }
    BP_PUSH(out->points, out->n_points, cap_pts, pt);
  }
  if (!out->n_points && csv->dl->n_errors == errs)
    bp__diag(csv, BP_SEV_ERROR, hdr.f[hdr.n - 1].off, "series has no data rows (only a header)");
  bp__map_free(&seen);
  free(vcol);
  bp__csv_rec_free(&hdr);
  bp__csv_rec_free(&rec);
done:
  if ((csv ? csv->dl : meta->dl)->n_errors != errs || !csv || !csv->usable) {
    bp_series_free(out);
    return NULL;
  }
  return out;
}

char *bp__series_data_path(bp_src *meta, bp_json *mj, const char *root) {
  json_t *o = bp__json_root(mj);
  return bp__path_resolve(meta, bp__json_val(mj, o, "data") + 1, root, "\"data\"",
                          json_string_value(json_object_get(o, "data")));
}

static bool exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Given a CSV or JSON path, the pair of paths (either may be NULL). The data
 * file named by the metadata's "data" is read after the metadata. */
static void pair_paths(const char *path, char **csv, char **meta) {
  size_t n = strlen(path);
  const char *dot = strrchr(path, '.');
  size_t stem = dot && !strchr(dot, '/') ? (size_t)(dot - path) : n;
  char *other = bp_malloc(stem + 6);
  memcpy(other, path, stem);
  bool is_json = dot && !strcmp(dot, ".json");
  strcpy(other + stem, is_json ? ".csv" : ".json");
  if (is_json) {
    *meta = bp_strdup(path);
    *csv = other;
  } else {
    *csv = bp_strdup(path);
    *meta = exists(other) ? other : (free(other), NULL);
  }
}

bp_status bp_series_load(bp_ctx *ctx, const char *path, bp_series **out) {
  *out = NULL;
  bp_diag_list *dl = bp_diag_list_new();
  char *csvp, *metap;
  pair_paths(path, &csvp, &metap);
  bool io = false, io2 = false;
  bp_src *meta = metap ? bp__src_open(dl, metap, &io) : NULL;
  bp_json *mj = meta ? bp__json_parse(meta) : NULL;
  bp_src *csv = NULL;
  if (mj && json_is_string(json_object_get(bp__json_root(mj), "data"))) {
    free(csvp);
    char *root = bp_data_root_of(metap);
    csvp = bp__series_data_path(meta, mj, root);
    free(root);
  }
  if (csvp) {
    csv = bp__src_open(dl, csvp, &io2);
    io |= io2;
  }
  bp_series *s = (meta && !mj) ? NULL : bp__series_parse(csv, meta, mj, NULL);
  bp_status st = bp__diag_to_ctx(ctx, dl, io);
  if (st == BP_OK && s)
    *out = s;
  else {
    bp_series_free(s);
    if (st == BP_OK) st = bp_error(ctx, BP_ERR_DATA, "%s: cannot load the series", path);
  }
  bp__json_free(mj);
  bp__src_free(meta);
  bp__src_free(csv);
  free(csvp);
  free(metap);
  bp_diag_list_free(dl);
  return st;
}
