/* csl-suite.c - the CSL conformance runner: reads the fixtures of the
 * official CSL test suite (processor-tests/humans/ *.txt: sections MODE,
 * RESULT, CSL, INPUT and optionally CITATION-ITEMS, CITATIONS,
 * BIBENTRIES), renders each with briefpress's processor (src/csl) and
 * compares with RESULT. Prints the pass rate overall and per category (the
 * file name's prefix before '_').
 *
 *   csl-suite [-v] [-q] [--strict] [--locales DIR] [--list-passing FILE] [--expect FILE]
 *             FOLDER|FILE...
 *
 * --strict: exit 1 unless every fixture passes (briefpress's own fixtures,
 * tests/fixtures/csl/).
 * --expect FILE: exit 1 when a fixture named in FILE (one name a line) does
 * not pass (the pinned regression list); --list-passing writes the names
 * of the passing fixtures. Not part of the library; nothing of it is needed
 * to build or test briefpress. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csl/csl-imp.h"

/* The text between ">>===== NAME =====>>" and "<<===== NAME =====<<" (any
 * number of '='), or NULL. */
static const char *marker(const char *text, const char *name, const char *arrows, size_t *len) {
  for (const char *p = strstr(text, arrows); p; p = strstr(p + 1, arrows)) {
    const char *q = p + 2;
    if (*q != '=') continue;
    while (*q == '=') q++;
    if (*q++ != ' ') continue;
    size_t nl = strlen(name);
    if (strncmp(q, name, nl) || q[nl] != ' ') continue;
    q += nl + 1;
    if (*q != '=') continue;
    while (*q == '=') q++;
    if (strncmp(q, arrows, 2)) continue;
    *len = (size_t)(q + 2 - p);
    return p;
  }
  return NULL;
}

static char *section(const char *text, const char *name) {
  size_t ol, cl;
  const char *a = marker(text, name, ">>", &ol);
  if (!a) return NULL;
  a += ol;
  const char *z = marker(a, name, "<<", &cl);
  if (!z) return NULL;
  while (a < z && (*a == '\n' || *a == '\r')) a++;
  const char *e = z;
  while (e > a && (e[-1] == '\n' || e[-1] == '\r')) e--;
  return bp_strndup(a, (size_t)(e - a));
}

static const char *jget(json_t *o, const char *k, char *buf, size_t n) {
  json_t *v = json_object_get(o, k);
  if (json_is_string(v)) return json_string_value(v);
  if (json_is_integer(v)) {
    snprintf(buf, n, "%lld", (long long)json_integer_value(v));
    return buf;
  }
  return NULL;
}

typedef struct citem_store {
  cs_citation_item *v;
  char (*bufs)[2][32];
  size_t n;
} citem_store;

static void citems(json_t *arr, citem_store *s) {
  s->n = json_array_size(arr);
  s->v = bp_calloc(s->n + 1, sizeof *s->v);
  s->bufs = bp_calloc(s->n + 1, sizeof *s->bufs);
  for (size_t i = 0; i < s->n; i++) {
    json_t *o = json_array_get(arr, i);
    cs_citation_item *c = &s->v[i];
    c->id = jget(o, "id", s->bufs[i][0], 32);
    c->locator = jget(o, "locator", s->bufs[i][1], 32);
    c->label = jget(o, "label", NULL, 0);
    c->prefix = jget(o, "prefix", NULL, 0);
    c->suffix = jget(o, "suffix", NULL, 0);
    c->suppress_author = json_is_true(json_object_get(o, "suppress-author"));
    c->author_only = json_is_true(json_object_get(o, "author-only"));
    if (!c->id) c->id = "";
  }
}

static void citems_free(citem_store *s) {
  free(s->v);
  free(s->bufs);
}

static void put_html(bp_buf *b, const bp_csl_style *st, const co_node *n) {
  char *h = co_html(st, n);
  bp_buf_puts(b, h);
  free(h);
}

/* A citation of a CITATIONS fixture: its id, items, note and the text it
 * rendered last. */
typedef struct doc_cite {
  const char *id;
  json_t *items; /* borrowed from the fixture */
  int note;
  char *text;
} doc_cite;

static doc_cite *doc_find(doc_cite *v, size_t n, const char *id) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(v[i].id, id)) return &v[i];
  return NULL;
}

/* The CITATIONS section as citeproc-js's test harness runs it: each entry
 * is [citation, citationsPre, citationsPost], a call that makes the
 * document those citations in that order (with their note numbers). After
 * the last call every citation of the document is printed, ">>[i]" when
 * the last call changed it (or it is the new one), "..[i]" otherwise. */
static void run_citations(json_t *cj, const bp_csl_style *st, json_t *items, bp_buf *b) {
  doc_cite *known = NULL;
  size_t n_known = 0, cap_known = 0;
  for (size_t call = 0; call < json_array_size(cj); call++) {
    json_t *entry = json_array_get(cj, call), *cit = json_array_get(entry, 0);
    const char *cid = json_string_value(json_object_get(cit, "citationID"));
    if (!cid) cid = "";
    doc_cite *d = doc_find(known, n_known, cid);
    if (!d) {
      doc_cite nd = {cid, NULL, 0, NULL};
      BP_PUSH(known, n_known, cap_known, nd);
      d = &known[n_known - 1];
    }
    d->items = json_object_get(cit, "citationItems");
    d->note =
        (int)json_integer_value(json_object_get(json_object_get(cit, "properties"), "noteIndex"));
    /* the document: pre, this citation, post */
    doc_cite **doc = bp_calloc(n_known + 1, sizeof *doc);
    size_t nd = 0;
    for (int part = 1; part <= 2; part++) {
      json_t *list = json_array_get(entry, (size_t)part);
      for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *pair = json_array_get(list, i);
        doc_cite *o = doc_find(known, n_known, json_string_value(json_array_get(pair, 0)) ?: "");
        if (!o || o == d) continue;
        o->note = (int)json_integer_value(json_array_get(pair, 1));
        doc[nd++] = o;
      }
      if (part == 1) doc[nd++] = d;
    }
    cs_proc *p = cs_proc_new(st, items);
    for (size_t i = 0; i < nd; i++) {
      citem_store s;
      citems(doc[i]->items, &s);
      co_free(cs_proc_cite(p, s.v, s.n, doc[i]->note));
      citems_free(&s);
    }
    co_node **cl;
    size_t n = cs_proc_recite(p, &cl);
    bool last = call + 1 == json_array_size(cj);
    for (size_t i = 0; i < n && i < nd; i++) {
      char *h = cl[i] ? co_html(st, cl[i]) : bp_strdup("");
      co_free(cl[i]);
      bool changed = doc[i] == d || !doc[i]->text || strcmp(doc[i]->text, h);
      if (last) bp_buf_printf(b, "%s%s[%zu] %s", i ? "\n" : "", changed ? ">>" : "..", i, h);
      free(doc[i]->text);
      doc[i]->text = h;
    }
    free(cl);
    cs_proc_free(p);
    free(doc);
  }
  for (size_t i = 0; i < n_known; i++) free(known[i].text);
  free(known);
}

/* Runs one fixture; returns the processor's output (owned) or NULL with
 * *err set. */
static char *run(const char *text, const char *locales, char *err, size_t errn) {
  char *mode = section(text, "MODE"), *csl = section(text, "CSL"), *input = section(text, "INPUT");
  char *citations = section(text, "CITATIONS"), *citems_s = section(text, "CITATION-ITEMS");
  char *bibentries = section(text, "BIBENTRIES");
  char *out = NULL;
  json_t *items = NULL, *cj = NULL, *bj = NULL;
  bp_csl_style *st = NULL;
  cs_proc *p = NULL;
  if (!mode || !csl || !input) {
    snprintf(err, errn, "missing section");
    goto done;
  }
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_csl_style_options o = {0};
  o.locale_dir = locales;
  if (bp_csl_style_load_mem(&ctx, "fixture.csl", csl, strlen(csl), &o, &st) != BP_OK) {
    snprintf(err, errn, "%s", ctx.msg);
    goto done;
  }
  json_error_t je;
  items = json_loads(input, 0, &je);
  if (!json_is_array(items)) {
    snprintf(err, errn, "INPUT: %s", je.text);
    goto done;
  }
  for (size_t i = 0; i < json_array_size(items); i++) { /* an item without id: ITEM-n */
    json_t *it = json_array_get(items, i);
    if (json_is_object(it) && !json_object_get(it, "id")) {
      char id[32];
      snprintf(id, sizeof id, "ITEM-%zu", i + 1);
      json_object_set_new(it, "id", json_string(id));
    }
  }
  p = cs_proc_new(st, items);
  bp_buf b = {0};
  bool bib = !strncmp(mode, "bibliography", 12);
  char idb[32];
  if (citations) {
    cj = json_loads(citations, 0, &je);
    if (!bib) run_citations(cj, st, items, &b);
    for (size_t i = 0; bib && i < json_array_size(cj); i++) {
      json_t *c = json_array_get(json_array_get(cj, i), 0);
      citem_store s;
      citems(json_object_get(c, "citationItems"), &s);
      json_t *props = json_object_get(c, "properties");
      int note = (int)json_integer_value(json_object_get(props, "noteIndex"));
      co_free(cs_proc_cite(p, s.v, s.n, note));
      citems_free(&s);
    }
  } else if (citems_s) {
    cj = json_loads(citems_s, 0, &je);
    for (size_t i = 0; i < json_array_size(cj); i++) {
      citem_store s;
      citems(json_array_get(cj, i), &s);
      co_free(cs_proc_cite(p, s.v, s.n, (int)i + 1));
      citems_free(&s);
    }
  } else if (!bib) {
    size_t n = json_array_size(items);
    cs_citation_item *v = bp_calloc(n + 1, sizeof *v);
    char(*bufs)[32] = bp_calloc(n + 1, 32);
    size_t k = 0; /* each id once */
    for (size_t i = 0; i < n; i++) {
      const char *id = jget(json_array_get(items, i), "id", bufs[i], 32);
      bool dup = false;
      for (size_t j = 0; j < k && id; j++) dup |= !strcmp(v[j].id, id);
      if (!dup) v[k++].id = id ? id : "";
    }
    co_free(cs_proc_cite(p, v, k, 1));
    free(v);
    free(bufs);
  }
  if (bib) {
    if (bibentries) {
      bj = json_loads(bibentries, 0, &je);
      json_t *last = json_array_get(bj, json_array_size(bj) - 1);
      for (size_t i = 0; i < json_array_size(last); i++) {
        const char *id = json_is_string(json_array_get(last, i))
                             ? json_string_value(json_array_get(last, i))
                             : NULL;
        if (id) cs_proc_register(p, id);
      }
    } else if (!citations && !citems_s) {
      for (size_t i = 0; i < json_array_size(items); i++) {
        const char *id = jget(json_array_get(items, i), "id", idb, sizeof idb);
        if (id) cs_proc_register(p, id);
      }
    }
    co_node **entries;
    const char **ids;
    size_t n = cs_proc_bibliography(p, &entries, &ids);
    bp_buf_puts(&b, "<div class=\"csl-bib-body\">\n");
    for (size_t i = 0; i < n; i++) {
      bp_buf_puts(&b, "  <div class=\"csl-entry\">");
      put_html(&b, st, entries[i]);
      bp_buf_puts(&b, "</div>\n");
      co_free(entries[i]);
    }
    bp_buf_puts(&b, "</div>");
    free(entries);
    free(ids);
  } else if (!citations) {
    co_node **cl;
    size_t n = cs_proc_recite(p, &cl);
    for (size_t i = 0; i < n; i++) {
      if (i) bp_buf_putc(&b, '\n');
      if (cl[i]) put_html(&b, st, cl[i]);
      co_free(cl[i]);
    }
    free(cl);
  }
  out = b.data ? bp_buf_detach(&b) : bp_strdup("");
done:
  cs_proc_free(p);
  bp_csl_style_free(st);
  json_decref(items);
  json_decref(cj);
  json_decref(bj);
  free(mode);
  free(csl);
  free(input);
  free(citations);
  free(citems_s);
  free(bibentries);
  return out;
}

static char *trim(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r')) s[--n] = '\0';
  return s;
}

typedef struct cat {
  char name[48];
  int pass, total;
} cat;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  bool verbose = false, quiet = false, strict = false;
  const char *locales = NULL, *list = NULL, *expect = NULL;
  char **files = NULL;
  size_t nf = 0, cf = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-v"))
      verbose = true;
    else if (!strcmp(argv[i], "-q"))
      quiet = true;
    else if (!strcmp(argv[i], "--strict"))
      strict = true;
    else if (!strcmp(argv[i], "--locales") && i + 1 < argc)
      locales = argv[++i];
    else if (!strcmp(argv[i], "--list-passing") && i + 1 < argc)
      list = argv[++i];
    else if (!strcmp(argv[i], "--expect") && i + 1 < argc)
      expect = argv[++i];
    else {
      DIR *d = opendir(argv[i]);
      if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
          size_t l = strlen(e->d_name);
          if (l > 4 && !strcmp(e->d_name + l - 4, ".txt")) {
            bp_buf b = {0};
            bp_buf_printf(&b, "%s/%s", argv[i], e->d_name);
            BP_PUSH(files, nf, cf, bp_buf_detach(&b));
          }
        }
        closedir(d);
      } else {
        BP_PUSH(files, nf, cf, bp_strdup(argv[i]));
      }
    }
  }
  if (!nf) {
    fprintf(stderr, "usage: csl-suite [-v] [-q] [--strict] [--locales DIR] [--list-passing FILE] "
                    "[--expect FILE] FOLDER|FIXTURE...\n");
    return 2;
  }
  qsort(files, nf, sizeof *files, cmp_str);
  cat cats[128];
  size_t ncat = 0;
  int pass = 0;
  char **passed = bp_calloc(nf + 1, sizeof *passed);
  size_t npassed = 0;
  for (size_t i = 0; i < nf; i++) {
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    char *text = NULL;
    size_t len;
    const char *base = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
    char name[256];
    snprintf(name, sizeof name, "%s", base);
    if (strlen(name) > 4) name[strlen(name) - 4] = '\0';
    char cname[48];
    snprintf(cname, sizeof cname, "%.*s", (int)strcspn(name, "_"), name);
    size_t ci = 0;
    while (ci < ncat && strcmp(cats[ci].name, cname)) ci++;
    if (ci == ncat && ncat < 128) {
      snprintf(cats[ncat].name, sizeof cats[ncat].name, "%s", cname);
      cats[ncat].pass = cats[ncat].total = 0;
      ncat++;
    }
    bool ok = false;
    char err[1200] = "";
    char *got = NULL, *want = NULL;
    if (bp_file_read(&ctx, files[i], &text, &len) == BP_OK) {
      want = section(text, "RESULT");
      got = run(text, locales, err, sizeof err);
      ok = got && want && !strcmp(trim(got), trim(want));
    } else {
      snprintf(err, sizeof err, "%s", ctx.msg);
    }
    if (ci < ncat) {
      cats[ci].total++;
      cats[ci].pass += ok;
    }
    pass += ok;
    if (ok) passed[npassed++] = bp_strdup(name);
    if (!ok && verbose)
      printf("FAIL %s\n  want: %s\n  got:  %s%s%s\n", name, want ? want : "(none)",
             got ? got : "(error)", *err ? "\n  error: " : "", err);
    else if (!quiet && verbose)
      printf("ok   %s\n", name);
    free(got);
    free(want);
    free(text);
  }
  printf("%-14s %6s %6s %7s\n", "category", "pass", "total", "rate");
  for (size_t i = 0; i < ncat; i++)
    printf("%-14s %6d %6d %6.1f%%\n", cats[i].name, cats[i].pass, cats[i].total,
           100.0 * cats[i].pass / cats[i].total);
  printf("%-14s %6d %6zu %6.1f%%\n", "overall", pass, nf, 100.0 * pass / (double)nf);
  int status = strict && (size_t)pass != nf ? 1 : 0;
  if (list) {
    FILE *f = fopen(list, "w");
    if (!f) {
      perror(list);
      status = 2;
    } else {
      for (size_t i = 0; i < npassed; i++) fprintf(f, "%s\n", passed[i]);
      fclose(f);
    }
  }
  if (expect) {
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    char *want;
    size_t wl;
    if (bp_file_read(&ctx, expect, &want, &wl) != BP_OK) {
      fprintf(stderr, "%s\n", ctx.msg);
      return 2;
    }
    int missing = 0;
    for (char *line = strtok(want, "\n"); line; line = strtok(NULL, "\n")) {
      if (!*line || *line == '#') continue;
      bool found = false;
      for (size_t i = 0; i < npassed && !found; i++) found = !strcmp(passed[i], line);
      if (!found) {
        fprintf(stderr, "regression: %s no longer passes\n", line);
        missing++;
      }
    }
    free(want);
    if (missing) status = 1;
  }
  for (size_t i = 0; i < npassed; i++) free(passed[i]);
  free(passed);
  for (size_t i = 0; i < nf; i++) free(files[i]);
  free(files);
  return status;
}
