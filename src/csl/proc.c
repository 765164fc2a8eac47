/* proc.c - the CSL processor's document state: the registry of cited
 * items (citation numbers, positions first/subsequent/ibid, note numbers),
 * sorting (cs:sort keys), disambiguation (more names, given names, year
 * suffixes, the disambiguate condition), citation collapsing
 * (citation-number ranges, year, year-suffix) and the bibliography. */
#include <stdlib.h>
#include <string.h>

#include "csl-imp.h"

typedef struct reg {
  json_t *item;
  char *id;        /* owned */
  int number;      /* citation number (1-based, order of first registration) */
  int year_suffix; /* 0 none */
  int add_names;   /* disambiguation: extra names */
  int givenname;   /* disambiguation: 1 initials, 2 full */
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
  bool dirty; /* disambiguation to recompute */
};

cs_proc *cs_proc_new(const bp_csl_style *st, json_t *items) {
  cs_proc *p = bp_calloc(1, sizeof *p);
  p->st = st;
  p->items = items;
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
  for (size_t i = 0; i < p->n_regs; i++) free(p->regs[i].id);
  free(p->clusters);
  free(p->regs);
  free(p);
}

static json_t *find_item(cs_proc *p, const char *id) {
  for (size_t i = 0; i < json_array_size(p->items); i++) {
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

static long reg_index(cs_proc *p, const char *id) {
  for (size_t i = 0; i < p->n_regs; i++)
    if (!strcmp(p->regs[i].id, id)) return (long)i;
  return -1;
}

static long reg_add(cs_proc *p, const char *id) {
  long i = reg_index(p, id);
  if (i >= 0) return i;
  json_t *it = find_item(p, id);
  if (!it) return -1;
  reg r = {0};
  r.item = it;
  r.id = bp_strdup(id);
  r.number = (int)p->n_regs + 1;
  BP_PUSH(p->regs, p->n_regs, p->cap_regs, r);
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
  c->givenname_level = r->givenname;
  c->disambiguate = r->disambiguate;
  c->first_note = r->first_note;
}

/* ------------------------------------------------------------- sorting */

typedef struct sort_ent {
  size_t idx;
  char **keys;
  size_t n;
} sort_ent;

static const cs_node *sort_node;
static const int *sort_desc;

static int utf8_casecmp(const char *a, const char *b) {
  /* compare ignoring case for ASCII and skipping leading punctuation */
  while (*a && strchr("\"'[(\xE2", *a) && *a != '\xE2') a++;
  while (*b && strchr("\"'[(\xE2", *b) && *b != '\xE2') b++;
  for (;; a++, b++) {
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
    if (c) return sort_desc[i] ? -c : c;
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
    e[i].keys = bp_calloc(nk + 1, sizeof *e[i].keys);
    for (size_t k = 0; k < nk; k++) e[i].keys[k] = cs_sort_key(st, area, keys[k], &cites[i]);
  }
  sort_node = sort;
  sort_desc = desc;
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
  co_node *o = cs_render_cite(p->st, p->st->citation, &c, MODE_CITATION);
  char *s = o ? co_plain(p->st, o) : bp_strdup("");
  co_free(o);
  return s;
}

static size_t max_names(json_t *item) {
  static const char *const V[] = {
      "author",   "editor",      "translator", "container-author", "collection-editor", "composer",
      "director", "interviewer", "recipient",  "illustrator",      "original-author",   NULL};
  size_t m = 0;
  for (const char *const *v = V; *v; v++) {
    size_t k = cs_name_count(item, *v);
    if (k > m) m = k;
  }
  return m;
}

/* Marks which registered items render the same citation text as another. */
static size_t ambiguous(cs_proc *p, bool *amb) {
  size_t n = p->n_regs, count = 0;
  char **t = bp_calloc(n + 1, sizeof *t);
  for (size_t i = 0; i < n; i++) t[i] = cite_text(p, i);
  for (size_t i = 0; i < n; i++) amb[i] = false;
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      if (!strcmp(t[i], t[j]) && !json_equal(p->regs[i].item, p->regs[j].item))
        amb[i] = amb[j] = true;
  for (size_t i = 0; i < n; i++) {
    count += amb[i];
    free(t[i]);
  }
  free(t);
  return count;
}

static void disambiguate(cs_proc *p) {
  const cs_node *cit = p->st->citation;
  size_t n = p->n_regs;
  for (size_t i = 0; i < n; i++) {
    p->regs[i].year_suffix = 0;
    p->regs[i].add_names = 0;
    p->regs[i].givenname = 0;
    p->regs[i].disambiguate = false;
  }
  if (!n) return;
  bool *amb = bp_calloc(n, sizeof *amb);
  if (!ambiguous(p, amb)) {
    free(amb);
    return;
  }
  if (cs_attr_true(cit, "disambiguate-add-names")) {
    for (int step = 1; step < 50; step++) {
      bool grew = false;
      for (size_t i = 0; i < n; i++)
        if (amb[i] && (size_t)step < max_names(p->regs[i].item)) {
          p->regs[i].add_names = step;
          grew = true;
        }
      if (!grew || !ambiguous(p, amb)) break;
    }
    /* keep only the names that helped: items no longer ambiguous keep theirs */
  }
  if (ambiguous(p, amb) && cs_attr_true(cit, "disambiguate-add-givenname")) {
    for (int level = 1; level <= 2; level++) {
      for (size_t i = 0; i < n; i++)
        if (amb[i]) p->regs[i].givenname = level;
      if (!ambiguous(p, amb)) break;
    }
    for (size_t i = 0; i < n; i++)
      if (amb[i]) p->regs[i].givenname = 0; /* did not help */
  }
  if (ambiguous(p, amb) && cs_attr_true(cit, "disambiguate-add-year-suffix")) {
    size_t *ord = bib_order(p);
    char **t = bp_calloc(n + 1, sizeof *t);
    for (size_t i = 0; i < n; i++) t[i] = amb[i] ? cite_text(p, i) : NULL;
    int *next = bp_calloc(n, sizeof *next);
    for (size_t k = 0; k < n; k++) {
      size_t i = ord[k];
      if (!t[i]) continue;
      /* the group's counter lives at its first member in bibliography order */
      size_t g = i;
      for (size_t m = 0; m < k; m++)
        if (t[ord[m]] && !strcmp(t[ord[m]], t[i])) {
          g = ord[m];
          break;
        }
      p->regs[i].year_suffix = ++next[g];
    }
    for (size_t i = 0; i < n; i++) free(t[i]);
    free(t);
    free(next);
    free(ord);
  }
  if (ambiguous(p, amb))
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
static const cs_node *first_names(const cs_node *n) {
  if (n->kind == CS_NAMES) return n;
  if (n->macro) {
    const cs_node *m = first_names(n->macro);
    if (m) return m;
  }
  for (size_t i = 0; i < n->n_kids; i++) {
    const cs_node *m = first_names(n->kids[i]);
    if (m) return m;
  }
  return NULL;
}

static char *author_key(const bp_csl_style *st, const cs_cite *c) {
  const cs_node *nm = first_names(cs_child(st->citation, CS_LAYOUT));
  if (!nm) return NULL;
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
  bool first_out = true;
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
      if (run > 1) {
        piece = co_group();
        bool ys = collapse && !strncmp(collapse, "year-suffix", 11);
        bool ranged = collapse && !strcmp(collapse, "year-suffix-ranged");
        const char *ysd = cs_attr(cit, "year-suffix-delimiter");
        bool in_ys = false;
        for (size_t k = 0; k < run; k++) {
          cs_cite c = cites[i + k];
          bool suffix_only = ys && k && c.year_suffix && cites[i + k - 1].year_suffix &&
                             item_year(c.item) == item_year(cites[i + k - 1].item) && !c.locator &&
                             !cites[i + k - 1].locator;
          if (suffix_only && ranged) {
            /* a run of three or more letters: a–c */
            size_t e = k;
            while (i + e + 1 < i + run &&
                   cites[i + e + 1].year_suffix == cites[i + e].year_suffix + 1 &&
                   item_year(cites[i + e + 1].item) == item_year(c.item) &&
                   !cites[i + e + 1].locator)
              e++;
            if (e > k) {
              co_add(piece, co_affix("\xE2\x80\x93"));
              co_add(piece, ys_text(cites[i + e].year_suffix));
              k = e;
              continue;
            }
          }
          if (k)
            co_add(piece, co_affix(suffix_only ? (ysd     ? ysd
                                                  : cgd   ? cgd
                                                  : delim ? delim
                                                          : ", ")
                                   : in_ys     ? (acd     ? acd
                                                  : delim ? delim
                                                          : ", ")
                                   : cgd       ? cgd
                                               : ", "));
          in_ys = suffix_only;
          if (suffix_only) {
            co_add(piece, ys_text(c.year_suffix));
            continue;
          }
          if (k && collapse) c.suppress_author = true;
          co_add(piece,
                 with_affixes(cs_render_cite(st, cit, &c, MODE_CITATION), c.prefix, c.suffix));
        }
      }
    }
    if (!piece) {
      run = 1;
      piece = with_affixes(cs_render_cite(st, cit, &cites[i], MODE_CITATION), cites[i].prefix,
                           cites[i].suffix);
    }
    if (piece) {
      if (!first_out) co_add(out, co_affix(acd && run > 1 ? acd : delim ? delim : ""));
      co_add(out, piece);
      first_out = false;
    }
    i += run;
  }
  free(cites);
  if (co_empty(out)) {
    co_free(out);
    return NULL;
  }
  return cs_wrap(layout, out);
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
      const cs_node *nm = first_names(cs_child(area, CS_LAYOUT));
      co_node *a = nm ? cs_render(st, area, nm, &c, MODE_BIBLIOGRAPHY) : NULL;
      char *akey = a ? co_plain(st, a) : NULL;
      co_free(a);
      if (akey && prev_author && !strcmp(akey, prev_author) && !strcmp(sas_rule, "complete-all")) {
        /* re-render with the names replaced by the substitute text */
        co_free(o);
        cs_cite c2 = c;
        c2.author_subst = sas;
        o = cs_render_cite(st, area, &c2, MODE_BIBLIOGRAPHY);
      }
      free(prev_author);
      prev_author = akey;
    }
    co_node *g = cs_wrap(cs_child(area, CS_LAYOUT), o);
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
