/* proc.c - the CSL processor's document state: the registry of cited
 * items (citation numbers, positions first/subsequent/ibid, note numbers),
 * sorting (cs:sort keys), disambiguation (more names, given names, year
 * suffixes, the disambiguate condition), citation collapsing
 * (citation-number ranges, year, year-suffix) and the bibliography. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "csl-imp.h"

typedef struct reg {
  json_t *item;
  char *id;        /* owned */
  int number;      /* citation number (1-based, order of first registration) */
  int year_suffix; /* 0 none */
  int add_names;   /* disambiguation: extra names */
  cs_given *gn;    /* disambiguation: every name of the item, its given-name level */
  size_t n_gn, cap_gn;
  bool disambiguate;
  int first_note;
} reg;

typedef struct ccite {
  cs_citation_item ci;
  size_t reg;
  int position;
  bool near_note;
  int first_note;
} ccite;

typedef struct cluster {
  ccite *v;
  size_t n;
  int note;
} cluster;

struct cs_proc {
  const bp_csl_style *st;
  json_t *items;
  reg *regs;
  size_t n_regs, cap_regs;
  cluster *clusters;
  size_t n_clusters, cap_clusters;
  bool dirty;        /* disambiguation to recompute */
  GHashTable *by_id; /* a reg's id (borrowed) -> its index + 1 */
};

cs_proc *cs_proc_new(const bp_csl_style *st, json_t *items) {
  cs_proc *p = bp_calloc(1, sizeof *p);
  p->st = st;
  p->items = items;
  p->by_id = g_hash_table_new(g_str_hash, g_str_equal);
  return p;
}

static char *dup_or_null(const char *s) { return s ? bp_strdup(s) : NULL; }

/* The cluster's copies of what the caller's citation items said. */
static void ccite_free(ccite *c) {
  free((char *)c->ci.id);
  free((char *)c->ci.locator);
  free((char *)c->ci.label);
  free((char *)c->ci.prefix);
  free((char *)c->ci.suffix);
}

void cs_proc_free(cs_proc *p) {
  if (!p) return;
  for (size_t i = 0; i < p->n_clusters; i++) {
    for (size_t j = 0; j < p->clusters[i].n; j++) ccite_free(&p->clusters[i].v[j]);
    free(p->clusters[i].v);
  }
  for (size_t i = 0; i < p->n_regs; i++) {
    free(p->regs[i].id);
    free(p->regs[i].gn);
  }
  free(p->clusters);
  free(p->regs);
  g_hash_table_destroy(p->by_id);
  free(p);
}

/* The item with that id; of two with one id, the later (as citeproc-js
 * keeps the last one it was given). */
static json_t *find_item(cs_proc *p, const char *id) {
  for (size_t i = json_array_size(p->items); i-- > 0;) {
    json_t *it = json_array_get(p->items, i);
    json_t *v = json_object_get(it, "id");
    if (json_is_string(v) && !strcmp(json_string_value(v), id)) return it;
    if (json_is_integer(v)) {
      char b[32];
      snprintf(b, sizeof b, "%lld", (long long)json_integer_value(v));
      if (!strcmp(b, id)) return it;
    }
  }
  return NULL;
}

static long reg_index(const cs_proc *p, const char *id) {
  return (long)GPOINTER_TO_SIZE(g_hash_table_lookup(p->by_id, id)) - 1;
}

long cs_proc_find(const cs_proc *p, const char *id) { return reg_index(p, id); }

/* The name variables disambiguation looks at. */
static const char *const NAME_VARS[] = {
    "author",   "editor",      "translator", "container-author", "collection-editor", "composer",
    "director", "interviewer", "recipient",  "illustrator",      "original-author",   NULL};

static long reg_add(cs_proc *p, const char *id) {
  long i = reg_index(p, id);
  if (i >= 0) return i;
  json_t *it = find_item(p, id);
  if (!it) return -1;
  reg r = {0};
  r.item = it;
  r.id = bp_strdup(id);
  r.number = (int)p->n_regs + 1;
  for (const char *const *v = NAME_VARS; *v; v++) {
    json_t *arr = json_object_get(it, *v);
    for (size_t k = 0; k < json_array_size(arr); k++) {
      cs_given g = {json_array_get(arr, k), 0};
      BP_PUSH(r.gn, r.n_gn, r.cap_gn, g);
    }
  }
  BP_PUSH(p->regs, p->n_regs, p->cap_regs, r);
  g_hash_table_insert(p->by_id, r.id, GSIZE_TO_POINTER(p->n_regs));
  p->dirty = true;
  return (long)p->n_regs - 1;
}

void cs_proc_register(cs_proc *p, const char *id) { reg_add(p, id); }

static void cite_of(cs_proc *p, size_t ri, cs_cite *c) {
  memset(c, 0, sizeof *c);
  reg *r = &p->regs[ri];
  c->item = r->item;
  c->citation_number = r->number;
  c->year_suffix = r->year_suffix;
  c->add_names = r->add_names;
  c->gn = r->gn;
  c->n_gn = r->n_gn;
  c->disambiguate = r->disambiguate;
  c->first_note = r->first_note;
}

/* ------------------------------------------------------------- sorting */

typedef struct sort_ent {
  size_t idx;
  char **keys;
  size_t n;
  const int *desc; /* per key: descending (the same array for every entry) */
} sort_ent;

static int utf8_casecmp(const char *a, const char *b) {
  /* compare ignoring case for ASCII and skipping leading punctuation */
  while (*a && strchr("\"'[(\xE2", *a) && *a != '\xE2') a++;
  while (*b && strchr("\"'[(\xE2", *b) && *b != '\xE2') b++;
  for (;; a++, b++) {
    while (*a && strchr(",;:", *a)) a++; /* "title, here" sorts as "title here" */
    while (*b && strchr(",;:", *b)) b++;
    unsigned char ca = (unsigned char)*a, cb = (unsigned char)*b;
    if (ca >= 'A' && ca <= 'Z') ca += 32;
    if (cb >= 'A' && cb <= 'Z') cb += 32;
    if (ca != cb || !ca) return (int)ca - (int)cb;
  }
}

static int sort_cmp(const void *x, const void *y) {
  const sort_ent *a = x, *b = y;
  for (size_t i = 0; i < a->n; i++) {
    const char *ka = a->keys[i], *kb = b->keys[i];
    if (!ka && !kb) continue;
    if (!ka) return 1; /* empty keys last, either direction */
    if (!kb) return -1;
    int c = utf8_casecmp(ka, kb);
    if (c) return a->desc[i] ? -c : c;
  }
  return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Sorts cites (by the area's <sort>) in place. */
static void sort_cites(const bp_csl_style *st, const cs_node *area, cs_cite *cites, size_t n) {
  const cs_node *sort = cs_child(area, CS_SORT);
  if (!sort || n < 2) return;
  sort_ent *e = bp_calloc(n, sizeof *e);
  int desc[64] = {0};
  size_t nk = 0;
  const cs_node *keys[64];
  for (size_t i = 0; i < sort->n_kids && nk < 64; i++)
    if (sort->kids[i]->kind == CS_KEY) {
      keys[nk] = sort->kids[i];
      desc[nk] = !strcmp(cs_attr_or(sort->kids[i], "sort", "ascending"), "descending");
      nk++;
    }
  for (size_t i = 0; i < n; i++) {
    e[i].idx = i;
    e[i].n = nk;
    e[i].desc = desc;
    e[i].keys = bp_calloc(nk + 1, sizeof *e[i].keys);
    for (size_t k = 0; k < nk; k++) e[i].keys[k] = cs_sort_key(st, area, keys[k], &cites[i]);
  }
  qsort(e, n, sizeof *e, sort_cmp);
  cs_cite *tmp = bp_malloc(n * sizeof *tmp);
  for (size_t i = 0; i < n; i++) tmp[i] = cites[e[i].idx];
  memcpy(cites, tmp, n * sizeof *tmp);
  free(tmp);
  for (size_t i = 0; i < n; i++) {
    for (size_t k = 0; k < nk; k++) free(e[i].keys[k]);
    free(e[i].keys);
  }
  free(e);
}

/* The registry in bibliography order (indexes). */
static size_t *bib_order(cs_proc *p) {
  size_t n = p->n_regs;
  size_t *ord = bp_malloc((n + 1) * sizeof *ord);
  cs_cite *cites = bp_calloc(n + 1, sizeof *cites);
  for (size_t i = 0; i < n; i++) {
    cite_of(p, i, &cites[i]);
    cites[i].citation_number = (int)i + 1;
  }
  if (p->st->bibliography) sort_cites(p->st, p->st->bibliography, cites, n);
  for (size_t i = 0; i < n; i++) ord[i] = (size_t)cites[i].citation_number - 1;
  free(cites);
  return ord;
}

/* Citation numbers follow the bibliography's order when it is sorted by
 * something other than the citation number itself. */
static void renumber(cs_proc *p) {
  const cs_node *sort = p->st->bibliography ? cs_child(p->st->bibliography, CS_SORT) : NULL;
  for (size_t i = 0; i < p->n_regs; i++) p->regs[i].number = (int)i + 1;
  if (!sort) return;
  for (size_t i = 0; i < sort->n_kids; i++)
    if (!strcmp(cs_attr_or(sort->kids[i], "variable", ""), "citation-number")) return;
  size_t *ord = bib_order(p);
  for (size_t i = 0; i < p->n_regs; i++) p->regs[ord[i]].number = (int)i + 1;
  free(ord);
}

/* ----------------------------------------------------- disambiguation */

static char *cite_text(cs_proc *p, size_t ri) {
  cs_cite c;
  cite_of(p, ri, &c);
  c.disambiguating = true;
  co_node *o = cs_render_cite(p->st, p->st->citation, &c, MODE_CITATION);
  char *s = o ? co_plain(p->st, o) : bp_strdup("");
  co_free(o);
  return s;
}

static size_t max_names(json_t *item) {
  size_t m = 0;
  for (const char *const *v = NAME_VARS; *v; v++) {
    size_t k = cs_name_count(item, *v);
    if (k > m) m = k;
  }
  return m;
}

typedef struct text_ent {
  const char *t;
  size_t i;
} text_ent;

static int text_ent_cmp(const void *x, const void *y) {
  const text_ent *a = x, *b = y;
  int c = strcmp(a->t, b->t);
  return c ? c : (a->i > b->i) - (a->i < b->i);
}

/* The indexes 0..n-1 ordered by t[i] (strcmp), equal texts in index
 * order: the items of one text are neighbours. Caller frees. */
static size_t *order_by_text(char *const *t, size_t n) {
  text_ent *e = bp_calloc(n + 1, sizeof *e);
  for (size_t i = 0; i < n; i++) e[i] = (text_ent){t[i], i};
  qsort(e, n, sizeof *e, text_ent_cmp);
  size_t *ord = bp_calloc(n + 1, sizeof *ord);
  for (size_t i = 0; i < n; i++) ord[i] = e[i].i;
  free(e);
  return ord;
}

/* Marks which registered items render the same citation text as another
 * work. Texts are compared in sorted order: the items of one text are
 * neighbours, and either all of them are ambiguous (two works among them)
 * or none (one work under several ids). */
static size_t ambiguous(cs_proc *p, bool *amb) {
  size_t n = p->n_regs, count = 0;
  char **t = bp_calloc(n + 1, sizeof *t);
  for (size_t i = 0; i < n; i++) t[i] = cite_text(p, i);
  size_t *ord = order_by_text(t, n);
  for (size_t a = 0, b; a < n; a = b) {
    bool two = false;
    for (b = a + 1; b < n && !strcmp(t[ord[a]], t[ord[b]]); b++)
      two |= !two && !json_equal(p->regs[ord[a]].item, p->regs[ord[b]].item);
    for (size_t x = a; x < b; x++) amb[ord[x]] = two;
    count += two ? b - a : 0;
  }
  for (size_t i = 0; i < n; i++) free(t[i]);
  free(t);
  free(ord);
  return count;
}

/* True when name is the first of one of item's name variables. */
static bool first_name_of(json_t *item, const json_t *name) {
  for (const char *const *v = NAME_VARS; *v; v++)
    if (json_array_get(json_object_get(item, *v), 0) == name) return true;
  return false;
}

/* The given name without spaces and full stops ("J. J." = "J.J."). */
static char *given_key(json_t *name) {
  json_t *g = json_object_get(name, "given");
  const char *s = json_is_string(g) ? json_string_value(g) : "";
  char *k = bp_strdup(s), *o = k;
  for (; *s; s++)
    if (*s != ' ' && *s != '.') *o++ = *s;
  *o = '\0';
  return k;
}

/* Two names are equal in every part but "given" (json_equal of copies
 * without it, made without copying). */
static bool equal_but_given(json_t *a, json_t *b) {
  if (!json_is_object(a) || !json_is_object(b)) return json_equal(a, b);
  if (json_object_size(a) - !!json_object_get(a, "given") !=
      json_object_size(b) - !!json_object_get(b, "given"))
    return false;
  for (void *it = json_object_iter(a); it; it = json_object_iter_next(a, it)) {
    const char *k = json_object_iter_key(it);
    size_t kl = json_object_iter_key_len(it);
    if (kl == 5 && !memcmp(k, "given", 5)) continue;
    json_t *w = json_object_getn(b, k, kl);
    if (!w || !json_equal(json_object_iter_value(it), w)) return false;
  }
  return true;
}

/* Two names are one person: equal but for the spacing of initials. */
static bool same_person(json_t *a, json_t *b) {
  if (json_equal(a, b)) return true;
  if (!equal_but_given(a, b)) return false;
  char *ga = given_key(a), *gb = given_key(b);
  bool same = !strcmp(ga, gb);
  free(ga);
  free(gb);
  return same;
}

/* The global given-name rules (all-names, primary-name and their
 * -with-initials forms): every name (primary: every first name) that
 * renders like a different person's name gets the least expansion, up to
 * maxl, that tells it from all of them; none when no level does. */
static void global_givennames(cs_proc *p, int maxl, bool primary) {
  typedef struct ent {
    cs_given *g;
    char *form[3]; /* plain text at levels 0..2, made when needed */
  } ent;
  ent *e = NULL;
  size_t ne = 0, cap = 0;
  for (size_t i = 0; i < p->n_regs; i++)
    for (size_t k = 0; k < p->regs[i].n_gn; k++) {
      cs_given *g = &p->regs[i].gn[k];
      if (primary && !first_name_of(p->regs[i].item, g->name)) continue;
      ent x = {g, {cs_name_plain(p->st, g->name, 0), NULL, NULL}};
      BP_PUSH(e, ne, cap, x);
    }
  /* only names that render alike can clash: each is compared with its
   * group (the names of one plain form, neighbours in this order) */
  char **forms = bp_calloc(ne + 1, sizeof *forms);
  for (size_t i = 0; i < ne; i++) forms[i] = e[i].form[0];
  size_t *ord = order_by_text(forms, ne);
  for (size_t a = 0, b; a < ne; a = b) {
    for (b = a + 1; b < ne && !strcmp(forms[ord[a]], forms[ord[b]]);) b++;
    for (size_t x = a; x < b; x++) {
      size_t i = ord[x];
      int level = 0;
      for (int l = 1; l <= maxl && !level; l++) {
        bool clash = false, other = false;
        for (size_t y = a; y < b && !clash; y++) {
          size_t j = ord[y];
          if (same_person(e[i].g->name, e[j].g->name)) continue;
          other = true;
          if (!e[i].form[l]) e[i].form[l] = cs_name_plain(p->st, e[i].g->name, l);
          if (!e[j].form[l]) e[j].form[l] = cs_name_plain(p->st, e[j].g->name, l);
          clash = !strcmp(e[i].form[l], e[j].form[l]);
        }
        if (!other) break;
        if (!clash) level = l;
      }
      e[i].g->level = level;
    }
  }
  free(ord);
  free(forms);
  for (size_t i = 0; i < ne; i++)
    for (int l = 0; l < 3; l++) free(e[i].form[l]);
  free(e);
}

/* The citation texts of every registered item while disambiguating, and
 * which items have which text: a chain per hash bucket (one text's items
 * are all in one chain), so that an item is compared only with the items
 * of its own bucket. */
typedef struct dis {
  cs_proc *p;
  char **t;
  size_t n;
  size_t *head;         /* per bucket: its first item + 1 (0: none) */
  size_t *next, *prev;  /* per item: the chain's next and previous + 1 (0: none) */
  size_t *bucket, mask; /* per item: its bucket; buckets - 1 */
} dis;

static void dis_retext(dis *d, size_t i) {
  if (d->t[i]) { /* out of its chain */
    if (d->prev[i])
      d->next[d->prev[i] - 1] = d->next[i];
    else
      d->head[d->bucket[i]] = d->next[i];
    if (d->next[i]) d->prev[d->next[i] - 1] = d->prev[i];
    free(d->t[i]);
  }
  d->t[i] = cite_text(d->p, i);
  size_t b = d->bucket[i] = g_str_hash(d->t[i]) & d->mask;
  d->prev[i] = 0;
  d->next[i] = d->head[b];
  if (d->head[b]) d->prev[d->head[b] - 1] = i + 1;
  d->head[b] = i + 1;
}

/* Every registered item's text. */
static void dis_init(dis *d, cs_proc *p) {
  size_t n = p->n_regs, nb = 16;
  while (nb < 2 * n) nb *= 2;
  *d = (dis){p,
             bp_calloc(n + 1, sizeof *d->t),
             n,
             bp_calloc(nb, sizeof *d->head),
             bp_calloc(n + 1, sizeof *d->next),
             bp_calloc(n + 1, sizeof *d->prev),
             bp_calloc(n + 1, sizeof *d->bucket),
             nb - 1};
  for (size_t i = 0; i < n; i++) dis_retext(d, i);
}

static void dis_free(dis *d) {
  for (size_t i = 0; i < d->n; i++) free(d->t[i]);
  free(d->t);
  free(d->head);
  free(d->next);
  free(d->prev);
  free(d->bucket);
}

/* How many other works render the same citation text as item i. */
static size_t clashes(const dis *d, size_t i) {
  size_t c = 0;
  for (size_t j1 = d->head[d->bucket[i]]; j1; j1 = d->next[j1 - 1]) {
    size_t j = j1 - 1;
    if (j != i && !strcmp(d->t[i], d->t[j]) && !json_equal(d->p->regs[i].item, d->p->regs[j].item))
      c++;
  }
  return c;
}

static int size_cmp(const void *x, const void *y) {
  size_t a = *(const size_t *)x, b = *(const size_t *)y;
  return (a > b) - (a < b);
}

/* The items from i on, not yet done, with item i's text, in order; marks
 * them done. Returns how many (into set). */
static size_t same_text_set(const dis *d, size_t i, bool *done, size_t *set) {
  size_t ns = 0;
  for (size_t j1 = d->head[d->bucket[i]]; j1; j1 = d->next[j1 - 1]) {
    size_t j = j1 - 1;
    if (j >= i && !done[j] && !strcmp(d->t[i], d->t[j])) set[ns++] = j;
  }
  qsort(set, ns, sizeof *set, size_cmp);
  for (size_t m = 0; m < ns; m++) done[set[m]] = true;
  return ns;
}

/* A registered item's disambiguation settings, saved and restored. */
typedef struct snap {
  int add_names;
  int *levels;
} snap;

static void snap_take(const reg *r, snap *s) {
  s->add_names = r->add_names;
  if (!s->levels) s->levels = bp_calloc(r->n_gn + 1, sizeof *s->levels);
  for (size_t k = 0; k < r->n_gn; k++) s->levels[k] = r->gn[k].level;
}

static void snap_put(reg *r, const snap *s) {
  r->add_names = s->add_names;
  for (size_t k = 0; k < r->n_gn; k++) r->gn[k].level = s->levels[k];
}

/* One ambiguous set's search: each member keeps the settings with which
 * it first clashed with the fewest others; a member that no longer clashes
 * leaves the search. */
typedef struct search {
  dis *d;
  const size_t *set;
  size_t ns;
  bool *active;
  size_t *best;
  snap *keep;
} search;

static size_t search_update(search *s) {
  size_t left = 0;
  for (size_t m = 0; m < s->ns; m++) {
    if (!s->active[m]) continue;
    size_t i = s->set[m], c = clashes(s->d, i);
    if (c < s->best[m]) {
      s->best[m] = c;
      snap_take(&s->d->p->regs[i], &s->keep[m]);
    }
    if (!c)
      s->active[m] = false;
    else
      left++;
  }
  return left;
}

/* The k-th name of variable var of set member m differs from another
 * active member's k-th name. */
static bool name_differs(const search *s, size_t m, const char *var, size_t k) {
  json_t *a = json_array_get(json_object_get(s->d->p->regs[s->set[m]].item, var), k);
  for (size_t o = 0; o < s->ns; o++) {
    if (o == m || !s->active[o]) continue;
    json_t *b = json_array_get(json_object_get(s->d->p->regs[s->set[o]].item, var), k);
    if (b && !same_person(a, b)) return true;
  }
  return false;
}

/* By-cite given names: expands the k-th names that differ within the set
 * to level l, keeping an expansion only where the citation text changes. */
static size_t search_givennames(search *s, size_t k, int l) {
  for (size_t m = 0; m < s->ns; m++) {
    if (!s->active[m]) continue;
    size_t i = s->set[m];
    reg *r = &s->d->p->regs[i];
    for (const char *const *v = NAME_VARS; *v; v++) {
      json_t *name = json_array_get(json_object_get(r->item, *v), k);
      if (!name || !name_differs(s, m, *v, k)) continue;
      for (size_t g = 0; g < r->n_gn; g++) {
        if (r->gn[g].name != name || r->gn[g].level >= l) continue;
        int was = r->gn[g].level;
        char *before = bp_strdup(s->d->t[i]);
        r->gn[g].level = l;
        dis_retext(s->d, i);
        if (!strcmp(before, s->d->t[i])) r->gn[g].level = was;
        free(before);
      }
    }
  }
  return search_update(s);
}

/* Disambiguates one set of items that render the same citation: names
 * added one at a time (disambiguate-add-names), and with each, given names
 * expanded name by name (by-cite). */
static void disambiguate_set(dis *d, const size_t *set, size_t ns, bool add_names,
                             bool givennames) {
  search s = {d,
              set,
              ns,
              bp_calloc(ns, sizeof(bool)),
              bp_calloc(ns, sizeof(size_t)),
              bp_calloc(ns, sizeof(snap))};
  size_t maxn = 0;
  for (size_t m = 0; m < ns; m++) {
    reg *r = &d->p->regs[set[m]];
    s.active[m] = true;
    s.best[m] = clashes(d, set[m]);
    snap_take(r, &s.keep[m]);
    size_t k = max_names(r->item);
    if (k > maxn) maxn = k;
  }
  size_t left = ns;
  for (size_t step = 0; step <= (add_names ? maxn : 0) && left; step++) {
    if (step) {
      for (size_t m = 0; m < ns; m++) {
        reg *r = &d->p->regs[set[m]];
        if (!s.active[m] || step > max_names(r->item)) continue;
        r->add_names = (int)step;
        dis_retext(d, set[m]);
      }
      left = search_update(&s);
    }
    for (size_t k = 0; givennames && k < maxn && left; k++)
      for (int l = 1; l <= 2 && left; l++) left = search_givennames(&s, k, l);
  }
  for (size_t m = 0; m < ns; m++) {
    snap_put(&d->p->regs[set[m]], &s.keep[m]);
    dis_retext(d, set[m]);
    free(s.keep[m].levels);
  }
  free(s.keep);
  free(s.best);
  free(s.active);
}

static void disambiguate(cs_proc *p) {
  const cs_node *cit = p->st->citation;
  size_t n = p->n_regs;
  for (size_t i = 0; i < n; i++) {
    p->regs[i].year_suffix = 0;
    p->regs[i].add_names = 0;
    for (size_t k = 0; k < p->regs[i].n_gn; k++) p->regs[i].gn[k].level = 0;
    p->regs[i].disambiguate = false;
  }
  if (!n) return;
  const char *rule = cs_attr_or(cit, "givenname-disambiguation-rule", "by-cite");
  bool add_given = cs_attr_true(cit, "disambiguate-add-givenname");
  bool by_cite = !strcmp(rule, "by-cite");
  bool add_names = cs_attr_true(cit, "disambiguate-add-names");
  if (add_given && !by_cite)
    global_givennames(p, strstr(rule, "with-initials") ? 1 : 2, !strncmp(rule, "primary", 7));
  if (n > 1 && (add_names || (add_given && by_cite))) { /* one item clashes with none */
    dis d;
    dis_init(&d, p);
    bool *done = bp_calloc(n, sizeof *done);
    size_t *set = bp_calloc(n, sizeof *set);
    for (size_t i = 0; i < n; i++) {
      if (done[i] || !clashes(&d, i)) continue;
      size_t ns = same_text_set(&d, i, done, set);
      disambiguate_set(&d, set, ns, add_names, add_given && by_cite);
    }
    dis_free(&d);
    free(done);
    free(set);
  }
  /* What is still ambiguous gets year suffixes and the disambiguate
   * condition: each cite is rendered to tell, so only when the style has
   * either and there are two items to tell apart. */
  bool add_ys = cs_attr_true(cit, "disambiguate-add-year-suffix");
  if (n < 2 || (!add_ys && !p->st->uses_disambiguate)) return;
  bool *amb = bp_calloc(n, sizeof *amb);
  size_t n_amb = ambiguous(p, amb); /* each cite rendered: asked again only after a change */
  if (n_amb && add_ys) {
    /* the ambiguous items in bibliography order, then ordered by text
     * (ties in that order): each text's items get a, b, c... */
    size_t *ord = bib_order(p), *who = bp_calloc(n + 1, sizeof *who), na = 0;
    char **t = bp_calloc(n + 1, sizeof *t);
    for (size_t k = 0; k < n; k++)
      if (amb[ord[k]]) {
        who[na] = ord[k];
        t[na++] = cite_text(p, ord[k]);
      }
    size_t *by = order_by_text(t, na);
    for (size_t x = 0, ys = 0; x < na; x++) {
      ys = x && !strcmp(t[by[x]], t[by[x - 1]]) ? ys + 1 : 1;
      p->regs[who[by[x]]].year_suffix = (int)ys;
    }
    for (size_t i = 0; i < na; i++) free(t[i]);
    free(t);
    free(by);
    free(who);
    free(ord);
    n_amb = ambiguous(p, amb);
  }
  if (n_amb)
    for (size_t i = 0; i < n; i++)
      if (amb[i]) p->regs[i].disambiguate = true;
  free(amb);
}

static void settle(cs_proc *p) {
  if (!p->dirty) return;
  renumber(p);
  disambiguate(p);
  p->dirty = false;
}

/* ----------------------------------------------------------- citations */

static bool same_locator(const char *a, const char *b) {
  if (!a || !*a) return !b || !*b;
  return b && !strcmp(a, b);
}

/* Positions of every cite, in document order. */
static void positions(cs_proc *p) {
  int near = atoi(cs_attr_or(p->st->citation, "near-note-distance", "5"));
  int *last_note = bp_calloc(p->n_regs + 1, sizeof *last_note);
  bool *seen = bp_calloc(p->n_regs + 1, sizeof *seen);
  for (size_t i = 0; i < p->n_regs; i++) p->regs[i].first_note = 0;
  const ccite *prev = NULL;
  size_t prev_cluster_n = 0;
  for (size_t k = 0; k < p->n_clusters; k++) {
    cluster *cl = &p->clusters[k];
    for (size_t j = 0; j < cl->n; j++) {
      ccite *c = &cl->v[j];
      reg *r = &p->regs[c->reg];
      if (!seen[c->reg]) {
        c->position = POS_FIRST;
        seen[c->reg] = true;
        r->first_note = cl->note;
      } else {
        bool ibid = prev && prev->reg == c->reg && (j > 0 || prev_cluster_n == 1);
        if (ibid) {
          if (same_locator(prev->ci.locator, c->ci.locator))
            c->position = POS_IBID;
          else if (c->ci.locator && *c->ci.locator)
            c->position = POS_IBID_WITH_LOCATOR;
          else
            c->position = POS_SUBSEQUENT;
        } else {
          c->position = POS_SUBSEQUENT;
        }
      }
      c->first_note = r->first_note;
      c->near_note = last_note[c->reg] && cl->note && cl->note - last_note[c->reg] <= near;
      last_note[c->reg] = cl->note;
      prev = c;
    }
    prev_cluster_n = cl->n;
  }
  free(last_note);
  free(seen);
}

/* The plain text of the first <names> a cite renders (the "author" that
 * collapsing compares). */
static char *author_key(const bp_csl_style *st, const cs_cite *c) {
  const cs_node *nm = cs_first_names(cs_child(st->citation, CS_LAYOUT));
  if (!nm) return bp_strdup(""); /* a layout without names: one "author" */
  co_node *o = cs_render(st, st->citation, nm, c, MODE_CITATION);
  char *s = o ? co_plain(st, o) : NULL;
  co_free(o);
  return s;
}

/* The issued year of an item (0 when none). */
static int item_year(json_t *item) {
  json_t *y = json_array_get(
      json_array_get(json_object_get(json_object_get(item, "issued"), "date-parts"), 0), 0);
  return json_is_integer(y)  ? (int)json_integer_value(y)
         : json_is_string(y) ? atoi(json_string_value(y))
                             : 0;
}

/* Year-suffix letters as a text node. */
static co_node *ys_text(int n) {
  char *l = cs_year_suffix_letters(n);
  co_node *t = co_text(l);
  free(l);
  return t;
}

static co_node *with_affixes(co_node *o, const char *pre, const char *suf) {
  if (!o) return NULL;
  if ((!pre || !*pre) && (!suf || !*suf)) return o;
  co_node *g = co_group();
  co_add(g, o);
  g->user_affixes = true;
  if (pre && *pre) g->prefix = bp_strdup(pre);
  if (suf && *suf) g->suffix = bp_strdup(suf);
  return g;
}

/* Moves the cites of one author together (in order of the author's first
 * cite), as collapsing and cite-group-delimiter want. */
static void group_by_author(const bp_csl_style *st, cs_cite *cites, size_t n) {
  char **keys = bp_calloc(n + 1, sizeof *keys);
  for (size_t i = 0; i < n; i++) keys[i] = author_key(st, &cites[i]);
  for (size_t i = 0; i + 1 < n; i++) {
    if (!keys[i]) continue;
    size_t j = i + 1;
    while (j < n && keys[j] && !strcmp(keys[j], keys[i])) j++, i++;
    for (size_t k = j + 1; k < n; k++) {
      if (!keys[k] || strcmp(keys[k], keys[i])) continue;
      /* move k to j, shifting j..k-1 right */
      cs_cite c = cites[k];
      char *kk = keys[k];
      memmove(cites + j + 1, cites + j, (k - j) * sizeof *cites);
      memmove(keys + j + 1, keys + j, (k - j) * sizeof *keys);
      cites[j] = c;
      keys[j] = kk;
      j++;
      i++;
    }
  }
  for (size_t i = 0; i < n; i++) free(keys[i]);
  free(keys);
}

/* s ends a sentence: more than a word, then a full stop, question or
 * exclamation mark, maybe inside closing quotes. */
static bool ends_sentence(const char *s) {
  size_t n = strlen(s);
  for (;;) {
    while (n && s[n - 1] == ' ') n--;
    if (n && (s[n - 1] == '"' || s[n - 1] == '\'')) {
      n--;
      continue;
    }
    if (n >= 3 &&
        (!strncmp(s + n - 3, "\xE2\x80\x9D", 3) || !strncmp(s + n - 3, "\xE2\x80\x99", 3))) {
      n -= 3;
      continue;
    }
    break;
  }
  /* a one-word prefix ("Nocapsafter.") is an abbreviation, not a sentence */
  size_t b = strspn(s, " ");
  return n > b && strchr(".?!", s[n - 1]) && memchr(s + b, ' ', n - b);
}

/* Cite b shows only its year suffix after cite a (collapse="year-suffix"):
 * the same year, both with suffixes, neither with a locator. */
static bool suffix_only(const cs_cite *a, const cs_cite *b) {
  return a->year_suffix && b->year_suffix && item_year(a->item) == item_year(b->item) &&
         !a->locator && !b->locator;
}

/* One author's cites (collapse="year...", or cite-group-delimiter): the
 * author once, then the years; with year-suffix a year's further cites as
 * their suffix only ("2000a, b"), ranged ("2000a–c") with
 * year-suffix-ranged. Delimiters: year-suffix-delimiter (default the
 * cite-group-delimiter, then the layout's) between suffixes, after-collapse-delimiter (the
 * layout's) after suffixes or a locator, cite-group-delimiter (", ") otherwise. */
static co_node *author_run(const bp_csl_style *st, const cs_cite *cites, size_t run) {
  const cs_node *cit = st->citation;
  const char *collapse = cs_attr(cit, "collapse");
  const char *delim = cs_attr_or(cs_child(cit, CS_LAYOUT), "delimiter", ", ");
  const char *cgd = cs_attr_or(cit, "cite-group-delimiter", ", ");
  const char *ysd =
      cs_attr_or(cit, "year-suffix-delimiter", cs_attr_or(cit, "cite-group-delimiter", delim));
  const char *acd = cs_attr_or(cit, "after-collapse-delimiter", delim);
  bool ys = collapse && !strncmp(collapse, "year-suffix", 11);
  bool ranged = collapse && !strcmp(collapse, "year-suffix-ranged");
  co_node *piece = co_group();
  bool after_suffixes = false;
  for (size_t k = 0; k < run;) {
    size_t e = k + 1; /* cites k+1 .. e-1 show their suffix only */
    while (ys && e < run && suffix_only(&cites[e - 1], &cites[e])) e++;
    if (k) co_add(piece, co_affix(after_suffixes || cites[k - 1].locator ? acd : cgd));
    cs_cite c = cites[k];
    if (k && collapse) c.suppress_author = true;
    co_add(piece, with_affixes(cs_render_cite(st, cit, &c, MODE_CITATION), c.prefix, c.suffix));
    for (size_t m = k + 1; m < e; m++) {
      size_t t = m - 1; /* a range of three letters or more: a–c */
      while (ranged && t + 1 < e && cites[t + 1].year_suffix == cites[t].year_suffix + 1) t++;
      if (t >= m + 1) {
        co_add(piece, co_affix("\xE2\x80\x93"));
        m = t;
      } else {
        co_add(piece, co_affix(ysd));
      }
      co_add(piece, ys_text(cites[m].year_suffix));
    }
    after_suffixes = e > k + 1;
    k = e;
  }
  return piece;
}

static co_node *render_cluster(cs_proc *p, const cluster *cl) {
  const bp_csl_style *st = p->st;
  const cs_node *cit = st->citation, *layout = cs_child(cit, CS_LAYOUT);
  size_t n = cl->n;
  cs_cite *cites = bp_calloc(n + 1, sizeof *cites);
  for (size_t i = 0; i < n; i++) {
    cite_of(p, cl->v[i].reg, &cites[i]);
    const cs_citation_item *ci = &cl->v[i].ci;
    cites[i].locator = ci->locator;
    cites[i].label = ci->label;
    cites[i].prefix = ci->prefix;
    cites[i].suffix = ci->suffix;
    cites[i].suppress_author = ci->suppress_author;
    cites[i].author_only = ci->author_only;
    cites[i].position = cl->v[i].position;
    cites[i].near_note = cl->v[i].near_note;
    cites[i].note_number = cl->note;
    cites[i].first_note = cl->v[i].first_note;
  }
  sort_cites(st, cit, cites, n);
  const char *delim = cs_attr(layout, "delimiter");
  const char *collapse = cs_attr(cit, "collapse");
  const char *cgd = cs_attr(cit, "cite-group-delimiter");
  const char *acd = cs_attr(cit, "after-collapse-delimiter");
  bool by_author = (collapse && !strncmp(collapse, "year", 4)) || cgd;
  if (by_author && cs_child(cit, CS_SORT)) group_by_author(st, cites, n); /* sorted: grouped */
  co_node *out = co_group();
  bool first_out = true, prev_collapsed = false;
  bool note = !strcmp(bp_csl_style_class(st), "note");
  for (size_t i = 0; i < n;) {
    size_t run = 1;
    co_node *piece = NULL;
    if (collapse && !strcmp(collapse, "citation-number")) {
      while (i + run < n &&
             cites[i + run].citation_number == cites[i + run - 1].citation_number + 1 &&
             !cites[i + run].locator && !cites[i + run - 1].locator && !cites[i + run].prefix &&
             !cites[i + run].suffix)
        run++;
      if (run >= 3) {
        piece = co_group();
        co_add(piece, cs_render_cite(st, cit, &cites[i], MODE_CITATION));
        co_add(piece, co_affix("\xE2\x80\x93"));
        co_add(piece, cs_render_cite(st, cit, &cites[i + run - 1], MODE_CITATION));
      } else {
        run = 1;
      }
    } else if (by_author) {
      char *ak = author_key(st, &cites[i]);
      while (ak && i + run < n) {
        char *bk = author_key(st, &cites[i + run]);
        bool same = bk && !strcmp(ak, bk);
        free(bk);
        if (!same) break;
        run++;
      }
      free(ak);
      if (run > 1) piece = author_run(st, cites + i, run);
    }
    const char *pre = cites[i].prefix;
    if (!piece) {
      run = 1;
      co_node *o = cs_render_cite(st, cit, &cites[i], MODE_CITATION);
      /* a note that begins with a term, or a term after a sentence: "Ibid." */
      if (note && (pre && *pre ? ends_sentence(pre) : first_out)) co_capitalize_term(o);
      piece = with_affixes(o, pre, cites[i].suffix);
    }
    if (piece) {
      /* a prefix that begins with punctuation takes the delimiter's place */
      if (!first_out && !(pre && strchr(",.;:", *pre) && *pre))
        co_add(out, co_affix(acd && prev_collapsed ? acd : delim ? delim : ""));
      co_add(out, piece);
      first_out = false;
      prev_collapsed = run > 1 && collapse;
    }
    i += run;
  }
  free(cites);
  if (co_empty(out)) {
    co_free(out);
    return NULL;
  }
  /* the layout's formatting covers its affixes too: <b>([1]–[3])</b> */
  co_node *g = cs_wrap(layout, out), *f = co_group();
  f->font_style = g->font_style;
  f->font_weight = g->font_weight;
  f->font_variant = g->font_variant;
  f->decoration = g->decoration;
  f->valign = g->valign;
  g->font_style = g->font_weight = g->font_variant = g->decoration = g->valign = 0;
  co_add(f, g);
  return f;
}

co_node *cs_proc_cite(cs_proc *p, const cs_citation_item *items, size_t n, int note) {
  cluster cl = {bp_calloc(n + 1, sizeof(ccite)), 0, note};
  for (size_t i = 0; i < n; i++) {
    long r = reg_add(p, items[i].id);
    if (r < 0) continue;
    cs_citation_item *c = &cl.v[cl.n].ci;
    *c = items[i];
    c->id = bp_strdup(items[i].id);
    c->locator = dup_or_null(items[i].locator);
    c->label = dup_or_null(items[i].label);
    c->prefix = dup_or_null(items[i].prefix);
    c->suffix = dup_or_null(items[i].suffix);
    cl.v[cl.n].reg = (size_t)r;
    cl.n++;
  }
  BP_PUSH(p->clusters, p->n_clusters, p->cap_clusters, cl);
  settle(p);
  positions(p);
  return render_cluster(p, &p->clusters[p->n_clusters - 1]);
}

size_t cs_proc_recite(cs_proc *p, co_node ***clusters) {
  settle(p);
  positions(p);
  co_node **v = bp_calloc(p->n_clusters + 1, sizeof *v);
  for (size_t i = 0; i < p->n_clusters; i++) v[i] = render_cluster(p, &p->clusters[i]);
  *clusters = v;
  return p->n_clusters;
}

/* second-field-align: the entry's first field in the left margin, the
 * rest (with the layout's suffix) beside it. */
static co_node *second_field_align(const cs_node *area, co_node *o) {
  const cs_node *layout = cs_child(area, CS_LAYOUT);
  size_t f = 0;
  while (f < o->n_kids && co_empty(o->kids[f])) f++;
  if (f + 1 >= o->n_kids || o->text) return cs_wrap(layout, o);
  co_node *left = co_group(), *right = co_group();
  for (size_t i = 0; i < o->n_kids; i++) co_add(i <= f ? left : right, o->kids[i]);
  o->n_kids = 0;
  co_free(o);
  left->display = DI_LEFT_MARGIN;
  right->display = DI_RIGHT_INLINE;
  const char *pre = cs_attr(layout, "prefix"), *suf = cs_attr(layout, "suffix");
  co_node *r = right;
  if (pre && *pre) { /* inside the margin */
    co_node *in = co_group();
    for (size_t i = 0; i < left->n_kids; i++) co_add(in, left->kids[i]);
    left->n_kids = 0;
    in->prefix = bp_strdup(pre);
    co_add(left, in);
  }
  if (suf && *suf) {
    right->display = 0;
    r = co_group();
    co_add(r, right);
    right->suffix = bp_strdup(suf);
    r->display = DI_RIGHT_INLINE;
  }
  co_node *g = co_group();
  co_add(g, left);
  co_add(g, r);
  return g;
}

size_t cs_proc_bibliography(cs_proc *p, co_node ***entries, const char ***ids) {
  settle(p);
  const bp_csl_style *st = p->st;
  const cs_node *area = st->bibliography ? st->bibliography : st->citation;
  size_t n = p->n_regs;
  size_t *ord = bib_order(p);
  co_node **v = bp_calloc(n + 1, sizeof *v);
  const char **iv = bp_calloc(n + 1, sizeof *iv);
  const char *sas = cs_attr(area, "subsequent-author-substitute");
  const char *sas_rule = cs_attr_or(area, "subsequent-author-substitute-rule", "complete-all");
  char *prev_author = NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    cs_cite c;
    cite_of(p, ord[i], &c);
    co_node *o = cs_render_cite(st, area, &c, MODE_BIBLIOGRAPHY);
    if (!o) continue;
    if (sas) {
      const cs_node *nm = cs_first_names(cs_child(area, CS_LAYOUT));
      cs_cite ck = c;
      ck.names_only = true; /* "Doe, John ed." and "Doe, John" are one author */
      co_node *a = nm ? cs_render(st, area, nm, &ck, MODE_BIBLIOGRAPHY) : NULL;
      char *akey = a ? co_plain(st, a) : NULL;
      co_free(a);
      bool each = !strcmp(sas_rule, "complete-each");
      if (akey && prev_author && !strcmp(akey, prev_author) &&
          (each || !strcmp(sas_rule, "complete-all"))) {
        /* re-render with the names replaced by the substitute text */
        co_free(o);
        cs_cite c2 = c;
        c2.author_subst = sas;
        c2.author_subst_each = each;
        o = cs_render_cite(st, area, &c2, MODE_BIBLIOGRAPHY);
      }
      free(prev_author);
      prev_author = akey;
    }
    co_node *g = cs_attr(area, "second-field-align") ? second_field_align(area, o)
                                                     : cs_wrap(cs_child(area, CS_LAYOUT), o);
    v[k] = g;
    iv[k] = p->regs[ord[i]].id;
    k++;
  }
  free(prev_author);
  free(ord);
  *entries = v;
  *ids = iv;
  return k;
}
