/* notes.c - the composer's glue to the processor: styles shared by the
 * whole process (each (style, locale) parsed once, kept until exit, behind
 * a mutex: batch renders records in threads) and a document's endnotes
 * rendered as spans in one call. Knows nothing of pages or templates;
 * src/data/template.c names the style, src/compose places the notes. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csl-imp.h"

typedef struct shared {
  char *name, *lang; /* lang NULL: the style's default-locale */
  bp_csl_style *st;
} shared;

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static shared *shared_v;
static size_t shared_n, shared_cap;

static bool same(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

bp_status bp_csl_style_shared(bp_ctx *ctx, const char *name, const char *lang,
                              const bp_csl_style **out) {
  char *house = name ? NULL : bp_csl_house_style_path();
  if (!name) name = house;
  bp_status st = BP_OK;
  *out = NULL;
  pthread_mutex_lock(&shared_lock);
  for (size_t i = 0; i < shared_n && !*out; i++)
    if (!strcmp(shared_v[i].name, name) && same(shared_v[i].lang, lang)) *out = shared_v[i].st;
  if (!*out && !strchr(name, '/') && !strstr(name, ".csl")) { /* a style id */
    bp_buf f = {0}, g = {0};
    bp_buf_printf(&f, "%s/%s.csl", BP_CSL_STYLE_DIR, name);
    bp_buf_printf(&g, "%s/dependent/%s.csl", BP_CSL_STYLE_DIR, name);
    if (access(f.data, R_OK) && access(g.data, R_OK))
      st = bp_error(ctx, BP_ERR_DATA, "unknown citation style \"%s\" (no %s)", name, f.data);
    bp_buf_free(&f);
    bp_buf_free(&g);
  }
  if (!*out && !st) {
    bp_csl_style_options o = {.lang = lang};
    bp_csl_style *s = NULL;
    st = bp_csl_style_load(ctx, name, &o, &s);
    if (!st) {
      shared sh = {bp_strdup(name), lang ? bp_strdup(lang) : NULL, s};
      BP_PUSH(shared_v, shared_n, shared_cap, sh);
      *out = s;
    }
  }
  pthread_mutex_unlock(&shared_lock);
  free(house);
  return st;
}

/* The shared styles go with the process (valgrind and LeakSanitizer see
 * nothing left). */
__attribute__((destructor)) static void shared_free(void) {
  for (size_t i = 0; i < shared_n; i++) {
    free(shared_v[i].name);
    free(shared_v[i].lang);
    bp_csl_style_free(shared_v[i].st);
  }
  free(shared_v);
  shared_v = NULL;
  shared_n = shared_cap = 0;
}

bool bp_csl_style_collapses_numbers(const bp_csl_style *st) {
  const char *c = st && st->citation ? cs_attr(st->citation, "collapse") : NULL;
  return c && !strcmp(c, "citation-number");
}

/* A style that aligns its bibliography's second field (most numeric ones)
 * starts each entry with its number ("1. ", "[1]"): the note's own label
 * prints it, so the first field goes when it holds the number n. */
static void drop_number(const bp_csl_style *st, bp_spans *sp, size_t n) {
  if (!st->bibliography || !cs_attr(st->bibliography, "second-field-align") || !sp->n ||
      sp->v[0].kind != BP_SPAN_TEXT || !sp->v[0].text)
    return;
  char *t = sp->v[0].text, num[24];
  size_t k = strcspn(t, " \t"), nl = (size_t)snprintf(num, sizeof num, "%zu", n);
  bool digits_only = strspn(t, "0123456789") == nl && !strncmp(t, num, nl);
  bool bracketed =
      strchr("[(", t[0]) && strspn(t + 1, "0123456789") == nl && !strncmp(t + 1, num, nl);
  if (!t[k] || !(digits_only || bracketed) || k > nl + 3) return;
  k += strspn(t + k, " \t");
  memmove(t, t + k, strlen(t + k) + 1);
}

bp_status bp_csl_notes(bp_ctx *ctx, const bp_csl_style *st, const bp_bib *bib,
                       const char *const *ids, size_t n, bp_spans *out) {
  bp_csl_proc *p = bp_csl_proc_new(st);
  bp_status s = BP_OK;
  for (size_t i = 0; i < n && !s; i++) {
    const bp_csl_item *it = bp_bib_lookup(bib, ids[i]);
    s = !it ? bp_error(ctx, BP_ERR_DATA, "endnote %zu: unknown citation '%s'", i + 1, ids[i])
        : it->footnote ? BP_OK /* a Markdown footnote, not a work */
                       : bp_csl_proc_add(ctx, p, it);
  }
  /* a note style's notes are its full first notes; else bibliography entries */
  bool note = !strcmp(bp_csl_style_class(st), "note") && bp_csl_style_has_bibliography(st);
  for (size_t i = 0; i < n && !s; i++) {
    const bp_csl_item *it = bp_bib_lookup(bib, ids[i]);
    const char *id = it->id;
    if (it->footnote) {
      bp_spans_append(&out[i], it->footnote);
      continue;
    }
    s = note ? bp_csl_proc_citation(ctx, p, &id, NULL, 1, &out[i])
             : bp_csl_proc_entry(ctx, p, id, &out[i]);
    if (!s && !note) drop_number(st, &out[i], i + 1);
  }
  bp_csl_proc_free(p);
  return s;
}
