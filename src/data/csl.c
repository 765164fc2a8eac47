/* csl.c - citations: CSL-JSON bibliographies (what Zotero and Better
 * BibTeX export, pandoc reads) loaded into bp_bib with positions, and the
 * source line of a chart caption ("Source: Chainalysis (2023)"). Endnotes are
 * the CSL processor's (src/csl, templates/csl/briefpress-endnote.csl). */
#include "data-imp.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

bp_bib *bp__bib_new(void) {
  bp_bib *b = bp_calloc(1, sizeof *b);
  b->index = bp_calloc(1, sizeof(bp_strmap));
  return b;
}

static void name_free(bp_csl_name *n) {
  free(n->family);
  free(n->given);
  free(n->literal);
}

static void item_free(bp_csl_item *it) {
  free(it->id);
  free(it->type);
  for (size_t i = 0; i < it->n_authors; i++) name_free(&it->authors[i]);
  free(it->authors);
  free(it->year_suffix);
  free(it->title);
  free(it->original_title);
  free(it->container_title);
  free(it->volume);
  free(it->issue);
  free(it->page);
  free(it->publisher);
  free(it->url);
  free(it->doi);
  free(it->note);
  free(it->language);
  for (size_t i = 0; i < it->n_aliases; i++) free(it->aliases[i]);
  free(it->aliases);
  if (it->footnote) bp_spans_free(it->footnote);
  free(it->footnote);
}

void bp_bib_free(bp_bib *bib) {
  if (!bib) return;
  for (size_t i = 0; i < bib->n_items; i++) item_free(&bib->items[i]);
  free(bib->items);
  for (size_t i = 0; i < bib->n_paths; i++) free(bib->paths[i]);
  free(bib->paths);
  if (bib->index) bp__map_free(bib->index);
  free(bib->index);
  free(bib);
}

const bp_csl_item *bp_bib_lookup(const bp_bib *bib, const char *id) {
  size_t i;
  if (!bib || !id || !bp__map_get(bib->index, id, &i)) return NULL;
  return &bib->items[i];
}

/* ------------------------------------------------------------- parsing */

static const char *const CSL_TYPES[] = {"article",
                                        "article-journal",
                                        "article-magazine",
                                        "article-newspaper",
                                        "bill",
                                        "book",
                                        "broadcast",
                                        "chapter",
                                        "classic",
                                        "collection",
                                        "dataset",
                                        "document",
                                        "entry",
                                        "entry-dictionary",
                                        "entry-encyclopedia",
                                        "event",
                                        "figure",
                                        "graphic",
                                        "hearing",
                                        "interview",
                                        "legal_case",
                                        "legislation",
                                        "manuscript",
                                        "map",
                                        "motion_picture",
                                        "musical_score",
                                        "pamphlet",
                                        "paper-conference",
                                        "patent",
                                        "performance",
                                        "periodical",
                                        "personal_communication",
                                        "post",
                                        "post-weblog",
                                        "regulation",
                                        "report",
                                        "review",
                                        "review-book",
                                        "software",
                                        "song",
                                        "speech",
                                        "standard",
                                        "thesis",
                                        "treaty",
                                        "webpage",
                                        NULL};

/* CSL 1.0.2 variables we accept without a warning. */
static const char *const CSL_KEYS[] = {"id",
                                       "type",
                                       "citation-key",
                                       "categories",
                                       "language",
                                       "journalAbbreviation",
                                       "shortTitle",
                                       "author",
                                       "chair",
                                       "collection-editor",
                                       "compiler",
                                       "composer",
                                       "container-author",
                                       "contributor",
                                       "curator",
                                       "director",
                                       "editor",
                                       "editorial-director",
                                       "executive-producer",
                                       "guest",
                                       "host",
                                       "interviewer",
                                       "illustrator",
                                       "narrator",
                                       "organizer",
                                       "original-author",
                                       "performer",
                                       "producer",
                                       "recipient",
                                       "reviewed-author",
                                       "script-writer",
                                       "series-creator",
                                       "translator",
                                       "accessed",
                                       "available-date",
                                       "event-date",
                                       "issued",
                                       "original-date",
                                       "submitted",
                                       "abstract",
                                       "annote",
                                       "archive",
                                       "archive_collection",
                                       "archive_location",
                                       "archive-place",
                                       "authority",
                                       "call-number",
                                       "chapter-number",
                                       "citation-number",
                                       "citation-label",
                                       "collection-number",
                                       "collection-title",
                                       "container-title",
                                       "container-title-short",
                                       "dimensions",
                                       "division",
                                       "DOI",
                                       "edition",
                                       "event",
                                       "event-title",
                                       "event-place",
                                       "first-reference-note-number",
                                       "genre",
                                       "ISBN",
                                       "ISSN",
                                       "issue",
                                       "jurisdiction",
                                       "keyword",
                                       "locator",
                                       "medium",
                                       "note",
                                       "number",
                                       "number-of-pages",
                                       "number-of-volumes",
                                       "original-publisher",
                                       "original-publisher-place",
                                       "original-title",
                                       "page",
                                       "page-first",
                                       "part",
                                       "part-title",
                                       "PMCID",
                                       "PMID",
                                       "printing",
                                       "publisher",
                                       "publisher-place",
                                       "references",
                                       "reviewed-genre",
                                       "reviewed-title",
                                       "scale",
                                       "section",
                                       "source",
                                       "status",
                                       "supplement",
                                       "title",
                                       "title-short",
                                       "URL",
                                       "version",
                                       "volume",
                                       "volume-title",
                                       "volume-title-short",
                                       "year-suffix",
                                       "custom",
                                       "aliases", /* ours: the work's other ids */
                                       NULL};

typedef struct pctx {
  bp_src *s;
  bp_json *j;
} pctx;

/* A string member (numbers accepted when `num_ok`); NULL when absent or bad. */
static char *get_str(pctx *p, const json_t *obj, const char *key, bool num_ok) {
  json_t *v = json_object_get(obj, key);
  if (!v || json_is_null(v)) return NULL;
  if (json_is_string(v)) return bp_strdup(json_string_value(v));
  if (num_ok && json_is_integer(v)) {
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)json_integer_value(v));
    return bp_strdup(b);
  }
  bp__diag(p->s, BP_SEV_ERROR, bp__json_val(p->j, obj, key),
           "field \"%s\" must be a string, not %s", key, bp__json_type_name(v));
  return NULL;
}

static bool date_part(pctx *p, const json_t *arr, size_t i, int *out) {
  json_t *v = json_array_get(arr, i);
  size_t off = bp__json_elem(p->j, arr, i);
  if (json_is_integer(v)) {
    json_int_t x = json_integer_value(v);
    if (x < -99999 || x > 99999) {
      bp__diag(p->s, BP_SEV_ERROR, off, "date part %lld is out of range", (long long)x);
      return false;
    }
    *out = (int)x;
    return true;
  }
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    char *end;
    long x = strtol(s, &end, 10);
    if (*s && !*end && x > -99999 && x < 99999) {
      *out = (int)x;
      return true;
    }
  }
  bp__diag(p->s, BP_SEV_ERROR, off, "date part must be an integer, not %s", bp__json_type_name(v));
  return false;
}

/* Parses a CSL date object into d; reports problems. */
static void get_date(pctx *p, const json_t *obj, const char *key, bp_date *d, bool *circa) {
  json_t *v = json_object_get(obj, key);
  if (!v || json_is_null(v)) return;
  size_t off = bp__json_val(p->j, obj, key);
  if (!json_is_object(v)) {
    bp__diag(
        p->s, BP_SEV_ERROR, off,
        "field \"%s\" must be a CSL date object like {\"date-parts\": [[2023, 12, 5]]}, not %s",
        key, bp__json_type_name(v));
    return;
  }
  static const char *const DATE_KEYS[] = {"date-parts", "raw", "literal", "circa", "season", NULL};
  bp__json_unknown_keys(p->s, p->j, v, DATE_KEYS, "a date");
  json_t *c = json_object_get(v, "circa");
  if (c && circa)
    *circa = json_is_true(c) || (json_is_string(c) && *json_string_value(c)) ||
             (json_is_integer(c) && json_integer_value(c));
  json_t *parts = json_object_get(v, "date-parts");
  json_t *raw = json_object_get(v, "raw");
  if (parts) {
    size_t poff = bp__json_val(p->j, v, "date-parts");
    json_t *first = json_is_array(parts) ? json_array_get(parts, 0) : NULL;
    if (!first || !json_is_array(first) || json_array_size(first) < 1 ||
        json_array_size(first) > 3) {
      bp__diag(p->s, BP_SEV_ERROR, poff,
               "\"date-parts\" must be [[year, month, day]] with month and day optional");
      return;
    }
    if (json_array_size(parts) > 1)
      bp__diag(p->s, BP_SEV_WARNING, bp__json_elem(p->j, parts, 1),
               "date ranges are not supported; the first date is used");
    int ymd[3] = {0, 0, 0};
    for (size_t i = 0; i < json_array_size(first); i++)
      if (!date_part(p, first, i, &ymd[i])) return;
    char why[96];
    if (!bp__date_check(ymd[0], ymd[1], ymd[2], why, sizeof why)) {
      size_t bad = ymd[2] && ymd[1] >= 1 && ymd[1] <= 12 ? 2 : ymd[1] ? 1 : 0;
      if (ymd[0] < 1 || ymd[0] > 9999) bad = 0;
      bp__diag(p->s, BP_SEV_ERROR, bp__json_elem(p->j, first, bad), "impossible date: %s", why);
      return;
    }
    d->y = ymd[0];
    d->m = ymd[1];
    d->d = ymd[2];
  } else if (raw) {
    size_t roff = bp__json_val(p->j, v, "raw");
    char why[96];
    if (!json_is_string(raw)) {
      bp__diag(p->s, BP_SEV_ERROR, roff, "\"raw\" must be a string");
    } else if (!bp_date_parse(json_string_value(raw), d, why, sizeof why)) {
      bp__diag(p->s, BP_SEV_ERROR, roff, "invalid date \"%s\": %s", json_string_value(raw), why);
    }
  } else if (!json_object_get(v, "literal")) {
    bp__diag(p->s, BP_SEV_ERROR, off, "date has neither \"date-parts\" nor \"raw\"");
  }
}

static void get_names(pctx *p, const json_t *obj, const char *key, bp_csl_item *it) {
  json_t *v = json_object_get(obj, key);
  if (!v || json_is_null(v)) return;
  if (!json_is_array(v)) {
    bp__diag(p->s, BP_SEV_ERROR, bp__json_val(p->j, obj, key),
             "field \"%s\" must be an array of names, not %s", key, bp__json_type_name(v));
    return;
  }
  size_t cap = 0;
  for (size_t i = 0; i < json_array_size(v); i++) {
    json_t *n = json_array_get(v, i);
    size_t off = bp__json_elem(p->j, v, i);
    if (!json_is_object(n)) {
      bp__diag(p->s, BP_SEV_ERROR, off,
               "a name must be an object {\"family\", \"given\"} or {\"literal\"}, not %s",
               bp__json_type_name(n));
      continue;
    }
    static const char *const NAME_KEYS[] = {
        "family", "given",        "literal",         "dropping-particle", "non-dropping-particle",
        "suffix", "comma-suffix", "static-ordering", "parse-names",       NULL};
    bp__json_unknown_keys(p->s, p->j, n, NAME_KEYS, "a name");
    bp_csl_name nm = {get_str(p, n, "family", false), get_str(p, n, "given", false),
                      get_str(p, n, "literal", false)};
    if ((!nm.family || !*nm.family) && (!nm.literal || !*nm.literal)) {
      bp__diag(p->s, BP_SEV_ERROR, off, "a name needs \"family\" or \"literal\"");
      name_free(&nm);
      continue;
    }
    if (!strcmp(key, "author"))
      BP_PUSH(it->authors, it->n_authors, cap, nm);
    else
      name_free(&nm);
  }
}

static bool lang_ok(const char *s) {
  size_t n = 0;
  while (isalpha((unsigned char)s[n])) n++;
  if (n < 2 || n > 3) return false;
  while (s[n] == '-') {
    size_t k = ++n;
    while (isalnum((unsigned char)s[n])) n++;
    if (n == k) return false;
  }
  return s[n] == '\0';
}

static void check_url(pctx *p, const json_t *obj, const char *key, const char *url) {
  size_t bad;
  char why[128];
  if (!bp_url_valid(url, &bad, why, sizeof why)) {
    size_t voff = bp__json_val(p->j, obj, key);
    bp__diag(p->s, BP_SEV_ERROR, bp__json_str_off(p->j, voff, bad), "malformed URL: %s", why);
  }
}

/* The item's "aliases" (its other ids: another file's id for the same
 * work). Copies the valid, distinct ones into it->aliases (in order) and
 * returns the array, or NULL when absent or not an array (reported). */
static json_t *get_aliases(pctx *p, const json_t *o, bp_csl_item *it) {
  json_t *al = json_object_get(o, "aliases");
  if (!al) return NULL;
  if (!json_is_array(al)) {
    bp__diag(p->s, BP_SEV_ERROR, bp__json_val(p->j, o, "aliases"),
             "\"aliases\" must be an array of citation ids, not %s", bp__json_type_name(al));
    return NULL;
  }
  size_t cap = 0;
  for (size_t i = 0; i < json_array_size(al); i++) {
    json_t *e = json_array_get(al, i);
    size_t off = bp__json_elem(p->j, al, i);
    const char *a = json_string_value(e);
    bool dup = false;
    for (size_t k = 0; a && k < it->n_aliases; k++) dup |= !strcmp(it->aliases[k], a);
    if (!a || !bp__cite_id_valid(a))
      bp__diag(p->s, BP_SEV_ERROR, off, "an alias must be a citation id (letters, digits, '_')");
    else if (!strcmp(a, it->id) || dup)
      bp__diag(p->s, BP_SEV_WARNING, off + 1, "alias '%s' is %s", a,
               dup ? "listed twice" : "the item's own id");
    else {
      char *x = bp_strdup(a);
      BP_PUSH(it->aliases, it->n_aliases, cap, x);
    }
  }
  return al;
}

static void parse_item(pctx *p, const json_t *o, bp_bib *bib, const char *path) {
  size_t start = bp__json_start(p->j, o);
  bp_csl_item it;
  memset(&it, 0, sizeof it);
  it.path = path;
  bp__src_linecol(p->s, start, &it.line, &it.col);
  bp__json_unknown_keys(p->s, p->j, o, CSL_KEYS, "a CSL item");
  it.id = get_str(p, o, "id", true);
  if (!json_object_get(o, "id")) {
    bp__diag(p->s, BP_SEV_ERROR, start, "CSL item has no \"id\"");
  } else if (it.id && !bp__cite_id_valid(it.id)) {
    bp__diag(p->s, BP_SEV_ERROR, bp__json_val(p->j, o, "id"),
             "invalid citation id \"%s\" (letters, digits, '_' and inner :.#$%%&-+?<>~/)", it.id);
  }
  it.type = get_str(p, o, "type", false);
  if (!json_object_get(o, "type")) {
    bp__diag(p->s, BP_SEV_ERROR, start, "CSL item%s%s has no \"type\"", it.id ? " " : "",
             it.id ? it.id : "");
  } else if (it.type) {
    bool ok = false;
    for (const char *const *t = CSL_TYPES; *t && !ok; t++) ok = !strcmp(*t, it.type);
    if (!ok)
      bp__diag(p->s, BP_SEV_WARNING, bp__json_val(p->j, o, "type"), "unknown CSL type \"%s\"",
               it.type);
  }
  static const char *const NAME_VARS[] = {"author", "editor", "translator", "container-author",
                                          NULL};
  for (const char *const *k = NAME_VARS; *k; k++) get_names(p, o, *k, &it);
  get_date(p, o, "issued", &it.issued, &it.circa);
  get_date(p, o, "accessed", &it.accessed, NULL);
  it.year_suffix = get_str(p, o, "year-suffix", false);
  it.title = get_str(p, o, "title", false);
  it.original_title = get_str(p, o, "original-title", false);
  it.container_title = get_str(p, o, "container-title", false);
  it.volume = get_str(p, o, "volume", true);
  it.issue = get_str(p, o, "issue", true);
  it.page = get_str(p, o, "page", true);
  it.publisher = get_str(p, o, "publisher", false);
  it.url = get_str(p, o, "URL", false);
  it.doi = get_str(p, o, "DOI", false);
  it.note = get_str(p, o, "note", false);
  it.language = get_str(p, o, "language", false);
  /* the remaining known string variables: type-check only */
  static const char *const STR_VARS[] = {
      "abstract", "publisher-place", "genre",   "medium", "title-short", "container-title-short",
      "source",   "archive",         "edition", "number", NULL};
  for (const char *const *k = STR_VARS; *k; k++) free(get_str(p, o, *k, true));
  if (json_object_get(o, "url") && !it.url)
    bp__diag(p->s, BP_SEV_WARNING, bp__json_key(p->j, o, "url"),
             "CSL spells it \"URL\" (upper case)");
  if (it.url) check_url(p, o, "URL", it.url);
  if (it.language && !lang_ok(it.language))
    bp__diag(p->s, BP_SEV_WARNING, bp__json_val(p->j, o, "language"),
             "language \"%s\" is not a language tag like \"en\" or \"ko\"", it.language);
  if (!json_object_get(o, "title") && !json_object_get(o, "original-title") &&
      json_object_get(o, "id"))
    bp__diag(p->s, BP_SEV_WARNING, start, "CSL item %s has no title", it.id ? it.id : "");
  /* Items with bad fields stay in the bib (reported above) so that their
   * citations still resolve; only a missing or invalid id drops one. */

  bp__item_check(p->s, p->j, o, &it);

  if (!it.id || !bp__cite_id_valid(it.id)) {
    item_free(&it);
    return;
  }
  size_t prev;
  if (bp__map_get(bib->index, it.id, &prev)) {
    const bp_csl_item *f = &bib->items[prev];
    if (strcmp(f->id, it.id))
      bp__diag(p->s, BP_SEV_ERROR, bp__json_val(p->j, o, "id"),
               "citation id \"%s\" is already an alias of '%s' (%s:%d:%d)", it.id, f->id, f->path,
               f->line, f->col);
    else
      bp__diag(p->s, BP_SEV_ERROR, bp__json_val(p->j, o, "id"),
               "duplicate citation id \"%s\" (first defined at %s:%d:%d)", it.id, f->path, f->line,
               f->col);
    item_free(&it);
    return;
  }
  json_t *al = get_aliases(p, o, &it);
  bp_grow((void **)&bib->items, &bib->cap_items, bib->n_items + 1, sizeof *bib->items);
  bib->items[bib->n_items] = it;
  bp__map_put(bib->index, it.id, bib->n_items);
  for (size_t i = 0, k = 0; al && i < json_array_size(al) && k < it.n_aliases; i++) {
    const char *a = json_string_value(json_array_get(al, i));
    if (!a || strcmp(a, it.aliases[k])) continue; /* an element refused in get_aliases */
    k++;
    if (bp__map_get(bib->index, a, &prev)) {
      const bp_csl_item *f = &bib->items[prev];
      bool alias = strcmp(f->id, a) != 0;
      bp__diag(p->s, BP_SEV_ERROR, bp__json_elem(p->j, al, i) + 1,
               "alias '%s' of '%s' is already %s'%s' (%s:%d:%d)", a, it.id,
               alias ? "an alias of " : "the id of ", f->id, f->path, f->line, f->col);
      continue;
    }
    bp__map_put(bib->index, a, bib->n_items);
  }
  bib->n_items++;
}

void bp_bib_add_notes(bp_bib *bib, bp_doc *doc) {
  if (!doc->n_notes) return;
  bp_grow((void **)&bib->paths, &bib->cap_paths, bib->n_paths + 1, sizeof *bib->paths);
  char *path = bib->paths[bib->n_paths++] = bp_strdup(doc->source_path ? doc->source_path : "");
  for (size_t i = 0; i < doc->n_notes; i++) {
    bp_doc_note *n = &doc->notes[i];
    bp_grow((void **)&bib->items, &bib->cap_items, bib->n_items + 1, sizeof *bib->items);
    bp_csl_item *it = &bib->items[bib->n_items];
    memset(it, 0, sizeof *it);
    it->id = n->id;
    it->footnote = bp_malloc(sizeof *it->footnote);
    *it->footnote = n->spans;
    it->path = path;
    it->line = n->line;
    it->col = 1;
    bp__map_put(bib->index, it->id, bib->n_items++);
  }
  free(doc->notes);
  doc->notes = NULL;
  doc->n_notes = doc->cap_notes = 0;
}

void bp__bib_parse(bp_src *s, bp_json *j, bp_bib *bib) {
  bp_grow((void **)&bib->paths, &bib->cap_paths, bib->n_paths + 1, sizeof *bib->paths);
  char *path = bp_strdup(s->path);
  bib->paths[bib->n_paths++] = path;
  json_t *root = bp__json_root(j);
  pctx p = {s, j};
  if (!json_is_array(root)) {
    bp__diag(s, BP_SEV_ERROR, bp__json_start(j, root),
             "a CSL-JSON bibliography is an array of items, not %s", bp__json_type_name(root));
    return;
  }
  for (size_t i = 0; i < json_array_size(root); i++) {
    json_t *o = json_array_get(root, i);
    if (!json_is_object(o)) {
      bp__diag(s, BP_SEV_ERROR, bp__json_elem(j, root, i), "a CSL item must be an object, not %s",
               bp__json_type_name(o));
      continue;
    }
    parse_item(&p, o, bib, path);
  }
  if (json_array_size(root) == 0)
    bp__diag(s, BP_SEV_WARNING, bp__json_start(j, root), "bibliography has no items");
}

static bp_status bib_add(bp_ctx *ctx, bp_bib *bib, const char *path) {
  bp_diag_list *dl = bp_diag_list_new();
  bool io;
  bp_src *s = bp__src_open(dl, path, &io);
  bp_json *j = bp__json_parse(s);
  size_t n0 = bib->n_items, p0 = bib->n_paths;
  if (j) bp__bib_parse(s, j, bib);
  bp_status st = bp__diag_to_ctx(ctx, dl, io);
  if (st != BP_OK) { /* roll back: the bib stays as it was */
    for (size_t i = n0; i < bib->n_items; i++) item_free(&bib->items[i]);
    bib->n_items = n0;
    for (size_t i = p0; i < bib->n_paths; i++) free(bib->paths[i]);
    bib->n_paths = p0;
    bp__map_free(bib->index);
    for (size_t i = 0; i < n0; i++) {
      bp__map_put(bib->index, bib->items[i].id, i);
      for (size_t k = 0; k < bib->items[i].n_aliases; k++)
        bp__map_put(bib->index, bib->items[i].aliases[k], i);
    }
  }
  bp__json_free(j);
  bp__src_free(s);
  bp_diag_list_free(dl);
  return st;
}

bp_status bp_bib_load(bp_ctx *ctx, const char *path, bp_bib **out) {
  *out = NULL;
  bp_bib *bib = bp__bib_new();
  bp_status st = bib_add(ctx, bib, path);
  if (st != BP_OK) {
    bp_bib_free(bib);
    return st;
  }
  *out = bib;
  return BP_OK;
}

bp_status bp_bib_add_file(bp_ctx *ctx, bp_bib *bib, const char *path) {
  return bib_add(ctx, bib, path);
}

/* ------------------------------------------------------------ formatting */

/* "J." for "Ji", "J.-I." for "Ji-in", "B. R." for "B. R."; non-Latin given
 * names are kept whole. */
static void put_initials(bp_buf *b, const char *given) {
  for (const unsigned char *p = (const unsigned char *)given; *p; p++)
    if (*p >= 0x80) {
      bp_buf_puts(b, given);
      return;
    }
  const char *p = given;
  char sep = 0;
  bool first = true;
  while (*p) {
    if (*p == ' ' || *p == '-') {
      if (*p == '-')
        sep = '-';
      else if (sep != '-')
        sep = ' ';
      p++;
      continue;
    }
    if (*p == '.') {
      p++;
      continue;
    }
    if (!first) bp_buf_putc(b, sep ? sep : ' ');
    bp_buf_putc(b, (char)toupper((unsigned char)*p));
    bp_buf_putc(b, '.');
    first = false;
    sep = 0;
    while (*p && *p != ' ' && *p != '-' && *p != '.') p++;
  }
}

static void put_name(bp_buf *b, const bp_csl_name *n) {
  if (n->literal && *n->literal) {
    bp_buf_puts(b, n->literal);
    return;
  }
  bp_buf_puts(b, n->family);
  if (n->given && *n->given) {
    bp_buf_puts(b, ", ");
    put_initials(b, n->given);
  }
}

char *bp_csl_format_authors(const bp_csl_item *it) {
  bp_buf b = {0};
  for (size_t i = 0; i < it->n_authors; i++) {
    if (i) bp_buf_puts(&b, i + 1 == it->n_authors ? ", & " : ", ");
    put_name(&b, &it->authors[i]);
  }
  return bp_buf_detach(&b);
}

char *bp_csl_source_line(const bp_csl_item *const *items, size_t n, const char *label) {
  bp_buf b = {0};
  if (!label) label = "Source:";
  bp_buf_printf(&b, "%s ", n > 1 && !strcmp(label, "Source:") ? "Sources:" : label);
  for (size_t i = 0; i < n; i++) {
    const bp_csl_item *it = items[i];
    if (i) bp_buf_puts(&b, "; ");
    char *authors = bp_csl_format_authors(it);
    if (it->container_title)
      bp_buf_puts(&b, it->container_title);
    else if (authors && *authors)
      bp_buf_puts(&b, authors);
    else if (it->title)
      bp_buf_puts(&b, it->title);
    free(authors);
    if (it->issued.y) bp_buf_printf(&b, " (%d)", it->issued.y);
  }
  return bp_buf_detach(&b);
}
