/* api.c - the processor's public face (csl.h) over the CSL-JSON engine:
 * converts the data layer's bp_csl_item into a CSL-JSON object, keeps the
 * registry of one document and hands out bibliography entries and
 * citations as bp_spans. */
#include <stdlib.h>
#include <string.h>

#include "csl-imp.h"

struct bp_csl_proc {
  const bp_csl_style *st;
  json_t *items; /* CSL-JSON of the registered items, in registration order */
  cs_proc *proc;
  co_node **entries; /* the bibliography, computed on demand */
  const char **ids;
  size_t n_entries;
  size_t *entry_at; /* per registered item (registration order): its entry + 1, 0: none */
  bool have_entries;
};

static void put_str(json_t *o, const char *k, const char *v) {
  if (v && *v) json_object_set_new(o, k, json_string(v));
}

static void put_date(json_t *o, const char *k, const bp_date *d, bool circa) {
  if (!d->y) return;
  json_t *parts = json_array();
  json_array_append_new(parts, json_integer(d->y));
  if (d->m) json_array_append_new(parts, json_integer(d->m));
  if (d->m && d->d) json_array_append_new(parts, json_integer(d->d));
  json_t *outer = json_array();
  json_array_append_new(outer, parts);
  json_t *date = json_object();
  json_object_set_new(date, "date-parts", outer);
  if (circa) json_object_set_new(date, "circa", json_true());
  json_object_set_new(o, k, date);
}

/* A bp_csl_item as a CSL-JSON object (new reference). */
static json_t *item_json(const bp_csl_item *it) {
  json_t *o = json_object();
  put_str(o, "id", it->id);
  put_str(o, "type", it->type);
  if (it->n_authors) {
    json_t *a = json_array();
    for (size_t i = 0; i < it->n_authors; i++) {
      json_t *n = json_object();
      put_str(n, "family", it->authors[i].family);
      put_str(n, "given", it->authors[i].given);
      put_str(n, "literal", it->authors[i].literal);
      json_array_append_new(a, n);
    }
    json_object_set_new(o, "author", a);
  }
  put_date(o, "issued", &it->issued, it->circa);
  put_date(o, "accessed", &it->accessed, false);
  put_str(o, "year-suffix", it->year_suffix);
  put_str(o, "title", it->title);
  put_str(o, "original-title", it->original_title);
  put_str(o, "container-title", it->container_title);
  put_str(o, "volume", it->volume);
  put_str(o, "issue", it->issue);
  put_str(o, "page", it->page);
  put_str(o, "publisher", it->publisher);
  put_str(o, "URL", it->url);
  put_str(o, "DOI", it->doi);
  put_str(o, "note", it->note);
  put_str(o, "language", it->language);
  return o;
}

char *bp_csl_house_style_path(void) {
  bp_buf b = {0};
  bp_buf_printf(&b, "%s/csl/briefpress-endnote.csl", bp_data_templates_dir());
  return bp_buf_detach(&b);
}

bp_csl_proc *bp_csl_proc_new(const bp_csl_style *st) {
  bp_csl_proc *p = bp_calloc(1, sizeof *p);
  p->st = st;
  p->items = json_array();
  p->proc = cs_proc_new(st, p->items);
  return p;
}

static void drop_entries(bp_csl_proc *p) {
  for (size_t i = 0; i < p->n_entries; i++) co_free(p->entries[i]);
  free(p->entries);
  free(p->ids);
  free(p->entry_at);
  p->entries = NULL;
  p->ids = NULL;
  p->entry_at = NULL;
  p->n_entries = 0;
  p->have_entries = false;
}

void bp_csl_proc_free(bp_csl_proc *p) {
  if (!p) return;
  drop_entries(p);
  cs_proc_free(p->proc);
  json_decref(p->items);
  free(p);
}

bp_status bp_csl_proc_add(bp_ctx *ctx, bp_csl_proc *p, const bp_csl_item *item) {
  if (!item || !item->id || !*item->id)
    return bp_error(ctx, BP_ERR_DATA, "CSL: an item without an id cannot be cited");
  if (cs_proc_find(p->proc, item->id) >= 0) return BP_OK; /* each item is registered */
  json_array_append_new(p->items, item_json(item));
  cs_proc_register(p->proc, item->id);
  drop_entries(p);
  return BP_OK;
}

static void ensure_entries(bp_csl_proc *p) {
  if (p->have_entries) return;
  p->n_entries = cs_proc_bibliography(p->proc, &p->entries, &p->ids);
  p->entry_at = bp_calloc(json_array_size(p->items) + 1, sizeof *p->entry_at);
  for (size_t i = 0; i < p->n_entries; i++) p->entry_at[cs_proc_find(p->proc, p->ids[i])] = i + 1;
  p->have_entries = true;
}

static const co_node *entry_of(bp_ctx *ctx, bp_csl_proc *p, const char *id) {
  ensure_entries(p);
  long r = cs_proc_find(p->proc, id);
  if (r < 0) {
    bp_error(ctx, BP_ERR_DATA, "CSL: \"%s\" is not a registered item", id);
    return NULL;
  }
  size_t e = p->entry_at[r];
  return e ? p->entries[e - 1] : NULL; /* none: registered, renders nothing */
}

bp_status bp_csl_proc_entry(bp_ctx *ctx, bp_csl_proc *p, const char *id, bp_spans *out) {
  bp_ctx local;
  bp_ctx_init(&local);
  const co_node *e = entry_of(&local, p, id);
  if (local.status) return bp_error(ctx, local.status, "%s", local.msg);
  if (e) co_spans(p->st, e, out);
  return BP_OK;
}

char *bp_csl_proc_entry_html(bp_ctx *ctx, bp_csl_proc *p, const char *id) {
  bp_ctx local;
  bp_ctx_init(&local);
  const co_node *e = entry_of(&local, p, id);
  if (local.status) {
    bp_error(ctx, local.status, "%s", local.msg);
    return NULL;
  }
  return e ? co_html(p->st, e) : bp_strdup("");
}

const char **bp_csl_proc_bibliography_order(bp_csl_proc *p, size_t *n) {
  ensure_entries(p);
  const char **v = bp_calloc(p->n_entries + 1, sizeof *v);
  memcpy(v, p->ids, p->n_entries * sizeof *v);
  if (n) *n = p->n_entries;
  return v;
}

bp_status bp_csl_proc_citation(bp_ctx *ctx, bp_csl_proc *p, const char *const *ids,
                               const char *const *locators, size_t n, bp_spans *out) {
  cs_citation_item *v = bp_calloc(n + 1, sizeof *v);
  for (size_t i = 0; i < n; i++) {
    if (cs_proc_find(p->proc, ids[i]) < 0) {
      free(v);
      return bp_error(ctx, BP_ERR_DATA, "CSL: \"%s\" is not a registered item", ids[i]);
    }
    v[i].id = ids[i];
    v[i].locator = locators ? locators[i] : NULL;
  }
  co_node *c = cs_proc_cite(p->proc, v, n, 0);
  free(v);
  drop_entries(p); /* citing may change disambiguation */
  if (c) co_spans(p->st, c, out);
  co_free(c);
  return BP_OK;
}
