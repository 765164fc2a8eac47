/* claims.c - claims: the records a brief is built from, each with the
 * citations that back it. A claims file is a JSON array of
 *   {"id", "text", "text_ko", "cites", "date", "countries", "topics", "note"}.
 * Also the citation resolver every loader uses (unknown ids are errors,
 * cited ids are remembered for the "cited by nobody" warning). */
#include "data-imp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const bp_csl_item *bp__resolve(bp_src *s, const bp_resolver *r, const char *id, size_t off) {
  if (!r) return NULL;
  if (r->refs) bp__map_put(&r->refs->ids, id, 1);
  if (!r->bib) return NULL;
  const bp_csl_item *it = bp_bib_lookup(r->bib, id);
  if (!it) {
    bp__diag(s, BP_SEV_ERROR, off, "unknown citation '%s'", id);
    return NULL;
  }
  if (r->only_path && strcmp(it->path, r->only_path)) {
    bp__diag(s, BP_SEV_ERROR, off,
             "citation '%s' is not in the article's bibliography %s (it is in %s)", id,
             r->only_path, it->path);
    return NULL;
  }
  if (r->refs && strcmp(it->id, id)) bp__map_put(&r->refs->ids, it->id, 1); /* an alias */
  return it;
}

void bp__cite_canon(char **id, const bp_csl_item *it) {
  if (!it || !strcmp(*id, it->id)) return;
  free(*id);
  *id = bp_strdup(it->id);
}

static void claim_free(bp_claim *c) {
  free(c->id);
  free(c->text);
  bp_spans_free(&c->spans);
  free(c->text_ko);
  for (size_t i = 0; i < c->n_cites; i++) free(c->cites[i]);
  free(c->cites);
  for (size_t i = 0; i < c->n_countries; i++) free(c->countries[i]);
  free(c->countries);
  for (size_t i = 0; i < c->n_topics; i++) free(c->topics[i]);
  free(c->topics);
}

void bp_claims_free(bp_claims *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n; i++) claim_free(&c->v[i]);
  free(c->v);
  for (size_t i = 0; i < c->n_paths; i++) free(c->paths[i]);
  free(c->paths);
  free(c);
}

const bp_claim *bp_claims_lookup(const bp_claims *c, const char *id) {
  if (!c || !id) return NULL;
  for (size_t i = 0; i < c->n; i++)
    if (c->v[i].id && !strcmp(c->v[i].id, id)) return &c->v[i];
  return NULL;
}

/* Decoded byte offset of (line, char col) in text, resuming from *cur
 * (positions come in order, so a claim with many citations stays linear). */
typedef struct tcur {
  size_t p;
  int line, col;
} tcur;

static size_t text_off(const char *t, tcur *cur, int line, int col) {
  if (line < cur->line || (line == cur->line && col < cur->col)) *cur = (tcur){0, 1, 1};
  size_t p = cur->p;
  int l = cur->line, c = cur->col;
  for (; l < line && t[p]; p++)
    if (t[p] == '\n') l++, c = 1;
  for (; c < col && t[p] && t[p] != '\n'; c++) {
    p++;
    while (((unsigned char)t[p] & 0xC0) == 0x80) p++;
  }
  *cur = (tcur){p, l, c};
  return p;
}

static size_t raw_id_off(const bp_src *s, size_t off, const char *id) {
  size_t il = strlen(id);
  for (size_t p = off; p < s->len && s->text[p] != '"' && s->text[p] != '\n'; p++) {
    if (s->text[p] == ']' && p > off) break;
    if (s->text[p] == '@' && p + 1 + il <= s->len && !memcmp(s->text + p + 1, id, il)) return p + 1;
  }
  return off;
}

/* A string array member: appends to *v; reports non-strings. */
static void str_array(bp_src *s, bp_json *j, json_t *o, const char *key, char ***v, size_t *n,
                      json_t **arr) {
  json_t *a = json_object_get(o, key);
  *arr = NULL;
  if (!a || json_is_null(a)) return;
  if (!json_is_array(a)) {
    bp__diag(s, BP_SEV_ERROR, bp__json_val(j, o, key),
             "field \"%s\" must be an array of strings, not %s", key, bp__json_type_name(a));
    return;
  }
  *arr = a;
  size_t cap = 0;
  for (size_t i = 0; i < json_array_size(a); i++) {
    json_t *e = json_array_get(a, i);
    if (!json_is_string(e)) {
      bp__diag(s, BP_SEV_ERROR, bp__json_elem(j, a, i), "\"%s\" entries must be strings, not %s",
               key, bp__json_type_name(e));
      continue;
    }
    char *x = bp_strdup(json_string_value(e));
    BP_PUSH(*v, *n, cap, x);
  }
}

static char *opt_str(bp_src *s, bp_json *j, json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  if (!v || json_is_null(v)) return NULL;
  if (json_is_string(v)) return bp_strdup(json_string_value(v));
  bp__diag(s, BP_SEV_ERROR, bp__json_val(j, o, key), "field \"%s\" must be a string, not %s", key,
           bp__json_type_name(v));
  return NULL;
}

static void parse_claim(bp_src *s, bp_json *j, json_t *o, bp_claims *cl, const bp_resolver *r,
                        bp_strmap *ids, const char *path) {
  static const char *const KEYS[] = {"id",        "text",   "text_ko", "cites", "date",
                                     "countries", "topics", "note",    NULL};
  size_t start = bp__json_start(j, o);
  size_t errs = s->dl->n_errors;
  bp_claim c;
  memset(&c, 0, sizeof c);
  c.path = path;
  bp__src_linecol(s, start, &c.line, &c.col);
  bp__json_unknown_keys(s, j, o, KEYS, "a claim");
  c.id = opt_str(s, j, o, "id");
  size_t id_off = bp__json_val(j, o, "id");
  if (!json_object_get(o, "id"))
    bp__diag(s, BP_SEV_ERROR, start, "claim has no \"id\"");
  else if (c.id && !bp__record_id_valid(c.id))
    bp__diag(s, BP_SEV_ERROR, id_off, "invalid claim id \"%s\" (letters, digits, '-' and '_')",
             c.id);
  c.text = opt_str(s, j, o, "text");
  if (!json_object_get(o, "text"))
    bp__diag(s, BP_SEV_ERROR, start, "claim %s has no \"text\"", c.id ? c.id : "");
  else if (c.text && !*c.text)
    bp__diag(s, BP_SEV_ERROR, bp__json_val(j, o, "text"), "claim text is empty");
  else if (c.text && bp_text_blank(c.text))
    bp__diag(s, BP_SEV_ERROR, bp__json_val(j, o, "text"), "claim text is only whitespace");
  c.text_ko = opt_str(s, j, o, "text_ko");
  if (c.text_ko && bp_text_blank(c.text_ko))
    bp__diag(s, BP_SEV_ERROR, bp__json_val(j, o, "text_ko"),
             "claim text_ko is empty or only whitespace (leave it out instead)");
  free(opt_str(s, j, o, "note"));
  static const char *const QUOTED[] = {"text", "text_ko", NULL};
  for (const char *const *q = QUOTED; *q; q++) {
    const char *v = json_string_value(json_object_get(o, *q));
    size_t qoff, hlen, hoff = v ? bp__inline_html(v, &hlen) : SIZE_MAX;
    if (hoff != SIZE_MAX) { /* printed as written: rarely what was meant */
      char what[32];
      snprintf(what, sizeof what, "the claim's \"%s\"", *q);
      char *m = bp__inline_html_message(v, hoff, hlen, what);
      bp__diag(s, BP_SEV_WARNING, bp__json_str_off(j, bp__json_val(j, o, *q), hoff), "%s", m);
      free(m);
    }
    if (v && bp__quotes_mixed(v, &qoff))
      bp__diag(s, BP_SEV_WARNING, bp__json_str_off(j, bp__json_val(j, o, *q), qoff),
               "straight and curly quotes mixed in the claim's %s: use curly ones (\xE2\x80\x98 "
               "\xE2\x80\x99 \xE2\x80\x9C \xE2\x80\x9D) throughout",
               *q);
  }

  size_t cap = 0;
  json_t *ca;
  str_array(s, j, o, "cites", &c.cites, &c.n_cites, &ca);
  cap = c.n_cites;
  const bp_csl_item **items = NULL;
  size_t n_items = 0, cap_items = 0;
  bool undated_source = false;
  for (size_t i = 0, k = 0; ca && i < json_array_size(ca); i++) {
    json_t *e = json_array_get(ca, i);
    if (!json_is_string(e)) continue;
    const char *id = json_string_value(e);
    size_t off = bp__json_elem(j, ca, i), at = k++;
    if (!bp__cite_id_valid(id)) {
      bp__diag(s, BP_SEV_ERROR, off, "invalid citation id \"%s\"", id);
      continue;
    }
    const bp_csl_item *it = bp__resolve(s, r, id, off + 1);
    if (it) BP_PUSH(items, n_items, cap_items, it);
    if (at < c.n_cites) bp__cite_canon(&c.cites[at], it);
  }
  if (c.text) {
    bp_inline_parse(c.text, &c.spans);
    size_t voff = bp__json_val(j, o, "text");
    bp_strmap seen = {0};
    for (size_t i = 0; i < c.n_cites; i++) bp__map_put(&seen, c.cites[i], i);
    tcur cur = {0, 1, 1};
    size_t raw = voff + 1, dec = 0; /* a (raw, decoded) pair inside the string */
    for (size_t k = 0; k < c.spans.n; k++) {
      const bp_span *sp = &c.spans.v[k];
      if (sp->kind == BP_SPAN_TEXT && sp->text && strstr(sp->text, "[@"))
        bp__diag(s, BP_SEV_WARNING, voff,
                 "claim text has something like a citation that is not one");
      if (sp->kind != BP_SPAN_CITE) continue;
      size_t want = text_off(c.text, &cur, sp->line, sp->col);
      if (want < dec) raw = voff + 1, dec = 0;
      raw = bp__json_str_off_from(j, raw, dec, want);
      dec = want;
      for (size_t q = 0; q < sp->n_cite; q++) {
        const bp_csl_item *it =
            bp__resolve(s, r, sp->cite_ids[q], raw_id_off(s, raw, sp->cite_ids[q]));
        if (it) BP_PUSH(items, n_items, cap_items, it);
        bp__cite_canon(&c.spans.v[k].cite_ids[q], it);
        const char *id = sp->cite_ids[q];
        if (!bp__map_get(&seen, id, NULL)) {
          bp__map_put(&seen, id, c.n_cites);
          char *x = bp_strdup(id);
          BP_PUSH(c.cites, c.n_cites, cap, x);
        }
      }
    }
    bp__map_free(&seen);
    bool words = false;
    for (size_t k = 0; k < c.spans.n && !words; k++)
      words = c.spans.v[k].kind != BP_SPAN_CITE && c.spans.v[k].text &&
              !bp_text_blank(c.spans.v[k].text);
    if (!words && !bp_text_blank(c.text))
      bp__diag(s, BP_SEV_ERROR, voff,
               "claim text is only a citation (write the finding, then cite it)");
  }
  if (c.id && c.text && !c.n_cites)
    bp__diag(s, BP_SEV_ERROR, id_off,
             "claim '%s' has no source (add \"cites\" or [@id] in its text)", c.id);

  json_t *d = json_object_get(o, "date");
  if (d && !json_is_null(d)) {
    size_t doff = bp__json_val(j, o, "date");
    char why[96];
    if (!json_is_string(d))
      bp__diag(s, BP_SEV_ERROR, doff, "field \"date\" must be a string like \"2023-12-05\", not %s",
               bp__json_type_name(d));
    else if (!bp_date_parse(json_string_value(d), &c.date, why, sizeof why))
      bp__diag(s, BP_SEV_ERROR, doff, "invalid date \"%s\": %s", json_string_value(d), why);
  }
  json_t *arr;
  str_array(s, j, o, "countries", &c.countries, &c.n_countries, &arr);
  for (size_t i = 0, k = 0; arr && i < json_array_size(arr); i++) {
    json_t *e = json_array_get(arr, i);
    if (!json_is_string(e)) continue;
    const char *cc = c.countries[k++];
    if (bp_country_valid(cc)) continue;
    char up[3] = {0};
    if (strlen(cc) == 2) {
      up[0] = (char)(cc[0] >= 'a' && cc[0] <= 'z' ? cc[0] - 32 : cc[0]);
      up[1] = (char)(cc[1] >= 'a' && cc[1] <= 'z' ? cc[1] - 32 : cc[1]);
    }
    if (up[0] && bp_country_valid(up))
      bp__diag(s, BP_SEV_ERROR, bp__json_elem(j, arr, i) + 1,
               "unknown country code '%s' (ISO 3166-1 codes are upper case: '%s')", cc, up);
    else
      bp__diag(s, BP_SEV_ERROR, bp__json_elem(j, arr, i) + 1,
               "unknown country code '%s' (expected ISO 3166-1 alpha-2, e.g. 'KP')", cc);
  }
  str_array(s, j, o, "topics", &c.topics, &c.n_topics, &arr);

  /* dated after everything it cites was published? */
  if (c.date.y && n_items && n_items == c.n_cites) {
    bool all_after = true;
    const bp_csl_item *latest = NULL;
    for (size_t i = 0; i < n_items; i++) {
      if (!items[i]->issued.y) undated_source = true;
      if (!bp_date_after(&c.date, &items[i]->issued)) all_after = false;
      if (!latest || bp_date_cmp(&items[i]->issued, &latest->issued) > 0) latest = items[i];
    }
    if (all_after && !undated_source) {
      char a[11], b[11];
      bp_date_format(&c.date, a);
      bp_date_format(&latest->issued, b);
      bp__diag(s, BP_SEV_WARNING, bp__json_val(j, o, "date"),
               "claim dated %s is later than every source it cites (latest: %s, '%s')", a, b,
               latest->id);
    }
  }
  free(items);

  if (s->dl->n_errors != errs || !c.id) {
    claim_free(&c);
    return;
  }
  size_t prev;
  if (bp__map_get(ids, c.id, &prev)) {
    const bp_claim *f = &cl->v[prev];
    bp__diag(s, BP_SEV_ERROR, id_off, "duplicate claim id '%s' (first defined at %s:%d:%d)", c.id,
             f->path, f->line, f->col);
    claim_free(&c);
    return;
  }
  bp__map_put(ids, c.id, cl->n);
  BP_PUSH(cl->v, cl->n, cl->cap, c);
}

void bp__claims_parse(bp_src *s, bp_json *j, bp_claims *cl, const bp_resolver *r, bp_strmap *ids) {
  bp_grow((void **)&cl->paths, &cl->cap_paths, cl->n_paths + 1, sizeof *cl->paths);
  char *path = bp_strdup(s->path);
  cl->paths[cl->n_paths++] = path;
  json_t *root = bp__json_root(j);
  if (!json_is_array(root)) {
    bp__diag(s, BP_SEV_ERROR, bp__json_start(j, root),
             "a claims file is an array of claims, not %s", bp__json_type_name(root));
    return;
  }
  for (size_t i = 0; i < json_array_size(root); i++) {
    json_t *o = json_array_get(root, i);
    if (!json_is_object(o)) {
      bp__diag(s, BP_SEV_ERROR, bp__json_elem(j, root, i), "a claim must be an object, not %s",
               bp__json_type_name(o));
      continue;
    }
    parse_claim(s, j, o, cl, r, ids, path);
  }
}

bp_status bp_claims_load(bp_ctx *ctx, const char *path, const bp_bib *bib, bp_claims **out) {
  *out = NULL;
  bp_diag_list *dl = bp_diag_list_new();
  bool io;
  bp_src *s = bp__src_open(dl, path, &io);
  bp_json *j = bp__json_parse(s);
  bp_claims *c = bp_calloc(1, sizeof *c);
  bp_strmap ids = {0};
  bp_resolver r = {bib, NULL, NULL};
  if (j) bp__claims_parse(s, j, c, &r, &ids);
  bp_status st = bp__diag_to_ctx(ctx, dl, io);
  if (st == BP_OK)
    *out = c;
  else
    bp_claims_free(c);
  bp__map_free(&ids);
  bp__json_free(j);
  bp__src_free(s);
  bp_diag_list_free(dl);
  return st;
}

static bool cited_inline(const bp_claim *cl, const char *id) {
  for (size_t k = 0; k < cl->spans.n; k++)
    for (size_t j = 0; j < cl->spans.v[k].n_cite; j++)
      if (!strcmp(cl->spans.v[k].cite_ids[j], id)) return true;
  return false;
}

char *bp_claim_markup(const bp_claim *cl, bool korean) {
  bp_buf b = {0};
  bool ko = korean && cl->text_ko;
  bp_buf_puts(&b, ko ? cl->text_ko : cl->text);
  /* the Korean text has no markers of its own: the English text's come
   * first, in their order, so both editions number the notes alike */
  for (size_t k = 0; ko && k < cl->spans.n; k++)
    for (size_t j = 0; j < cl->spans.v[k].n_cite; j++)
      bp_buf_printf(&b, " [@%s]", cl->spans.v[k].cite_ids[j]);
  for (size_t i = 0; i < cl->n_cites; i++)
    if (!cited_inline(cl, cl->cites[i])) bp_buf_printf(&b, " [@%s]", cl->cites[i]);
  return bp_buf_detach(&b);
}

/* A claim's words as a short event label: at most ~`max` bytes, cut at a
 * space, with an ellipsis. */
char *bp_claim_short_label(const bp_claim *cl, size_t max) {
  bp_buf b = {0};
  for (size_t k = 0; k < cl->spans.n; k++)
    if (cl->spans.v[k].kind == BP_SPAN_TEXT) bp_buf_puts(&b, cl->spans.v[k].text);
  char *s = b.data ? bp_buf_detach(&b) : bp_strdup("");
  size_t n = strlen(s);
  while (n && s[n - 1] == ' ') s[--n] = '\0';
  if (n > max) {
    size_t cut = max;
    while (cut > max / 2 && s[cut] != ' ') cut--;
    if (s[cut] != ' ') /* no space: cut before a UTF-8 continuation byte */
      for (cut = max; cut && ((unsigned char)s[cut] & 0xC0) == 0x80; cut--) {
      }
    while (cut && (s[cut - 1] == ' ' || s[cut - 1] == ',' || s[cut - 1] == ';')) cut--;
    s[cut] = '\0';
    bp_buf o = {0};
    bp_buf_printf(&o, "%s\xE2\x80\xA6", s);
    free(s);
    return bp_buf_detach(&o);
  }
  if (n && s[n - 1] == '.') s[n - 1] = '\0';
  return s;
}
