/* style.c - loads CSL styles and locales: expat reads the XML into a
 * small node tree (element kind, line, attributes, children), which is
 * checked here once (known elements, macros that exist and do not recurse)
 * so that rendering never meets a malformed tree. Also the locale chain
 * and term lookup. Every error is `file:line: message` in the bp_ctx. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <expat.h>

#include "csl-imp.h"

/* ------------------------------------------------------------ node tree */

static const struct {
  const char *name;
  cs_kind kind;
} KINDS[] = {
    {"style", CS_STYLE},
    {"info", CS_INFO},
    {"locale", CS_LOCALE},
    {"macro", CS_MACRO},
    {"citation", CS_CITATION},
    {"bibliography", CS_BIBLIOGRAPHY},
    {"sort", CS_SORT},
    {"key", CS_KEY},
    {"layout", CS_LAYOUT},
    {"text", CS_TEXT},
    {"date", CS_DATE},
    {"date-part", CS_DATE_PART},
    {"number", CS_NUMBER},
    {"names", CS_NAMES},
    {"name", CS_NAME},
    {"name-part", CS_NAME_PART},
    {"et-al", CS_ET_AL},
    {"substitute", CS_SUBSTITUTE},
    {"label", CS_LABEL},
    {"group", CS_GROUP},
    {"choose", CS_CHOOSE},
    {"if", CS_IF},
    {"else-if", CS_ELSE_IF},
    {"else", CS_ELSE},
    {"terms", CS_TERMS},
    {"term", CS_TERM},
    {"single", CS_SINGLE},
    {"multiple", CS_MULTIPLE},
    {"style-options", CS_STYLE_OPTIONS},
};

const char *cs_attr(const cs_node *n, const char *name) {
  if (!n) return NULL;
  for (size_t i = 0; i < n->n_attrs; i++) /* the first letters first: it runs per node rendered */
    if (n->attrs[2 * i][0] == name[0] && !strcmp(n->attrs[2 * i], name)) return n->attrs[2 * i + 1];
  return NULL;
}

const char *cs_attr_or(const cs_node *n, const char *name, const char *dflt) {
  const char *v = cs_attr(n, name);
  return v ? v : dflt;
}

bool cs_attr_true(const cs_node *n, const char *name) {
  const char *v = cs_attr(n, name);
  return v && !strcmp(v, "true");
}

cs_node *cs_child(const cs_node *n, cs_kind kind) {
  if (!n) return NULL;
  for (size_t i = 0; i < n->n_kids; i++)
    if (n->kids[i]->kind == kind) return n->kids[i];
  return NULL;
}

void cs_node_free(cs_node *n) {
  if (!n) return;
  for (size_t i = 0; i < 2 * n->n_attrs; i++) free(n->attrs[i]);
  free(n->attrs);
  for (size_t i = 0; i < n->n_kids; i++) cs_node_free(n->kids[i]);
  free(n->kids);
  free(n->text);
  free(n);
}

typedef struct loader {
  bp_ctx *ctx;
  const char *path;
  bool failed;
} loader;

static void load_error(loader *L, int line, const char *fmt, const char *a, const char *b) {
  if (L->failed) return;
  L->failed = true;
  char msg[512];
  snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
  bp_error(L->ctx, BP_ERR_DATA, "%s:%d: %s", L->path, line, msg);
}

/* ------------------------------------------------------------ the parse */

/* expat (the XML parser fontconfig already loads: no libxml2, ICU and
 * libstdc++ in every process) with namespaces: a name arrives as
 * "uri SEP local SEP prefix" (SEP below; the prefix only when one was
 * written), or as the bare local name outside any namespace. */
#define NS_SEP '\x01'
#define CSL_NS "http://purl.org/net/xbiblio/csl"
#define MAX_DEPTH 200

typedef struct frame {
  cs_node *n; /* NULL: <info> or inside it, whose contents are not kept */
  bp_buf text;
  bool has_text;
  bool root_info; /* an <info> of the root, whose <link>s may name a parent */
} frame;

typedef struct parse {
  loader *L;
  XML_Parser p;
  frame *stack;
  size_t depth, cap;
  cs_node *root;
  char *parent; /* <info><link rel="independent-parent" href=".../ID"/>: ID */
} parse;

/* Stops the parse with the loader's error (the first one is kept). */
static void parse_fail(parse *P, const char *fmt, const char *a) {
  load_error(P->L, (int)XML_GetCurrentLineNumber(P->p), fmt, a, NULL);
  XML_StopParser(P->p, XML_FALSE);
}

/* The local name of an expat name (after the URI), its length in *n. */
static const char *local_name(const char *name, size_t *n, bool *csl) {
  const char *sep = strchr(name, NS_SEP);
  *csl = !sep || ((size_t)(sep - name) == strlen(CSL_NS) && !memcmp(name, CSL_NS, strlen(CSL_NS)));
  const char *local = sep ? sep + 1 : name;
  const char *end = strchr(local, NS_SEP);
  *n = end ? (size_t)(end - local) : strlen(local);
  return local;
}

/* An attribute's name as written ("prefix:local", or "local"). */
static char *attr_name(const char *name) {
  bool csl;
  size_t n;
  const char *local = local_name(name, &n, &csl);
  const char *prefix = local[n] == NS_SEP ? local + n + 1 : NULL;
  bp_buf b = {0};
  if (prefix) bp_buf_printf(&b, "%s:", prefix);
  bp_buf_put(&b, local, n);
  return bp_buf_detach(&b);
}

static void on_start(void *ud, const char *name, const char **attrs) {
  parse *P = ud;
  if (P->L->failed) return;
  if (P->depth > MAX_DEPTH) {
    parse_fail(P, "elements nested too deeply%s%s", NULL);
    return;
  }
  bool csl;
  size_t len;
  const char *local = local_name(name, &len, &csl);
  frame *top = P->depth ? &P->stack[P->depth - 1] : NULL;
  cs_node *n = NULL;
  if (top && !top->n) { /* inside <info>: only its links are read */
    if (top->root_info && len == 4 && !memcmp(local, "link", 4) && !P->parent) {
      const char *rel = NULL, *href = NULL;
      for (size_t i = 0; attrs[i]; i += 2) {
        size_t an;
        bool ac;
        const char *al = local_name(attrs[i], &an, &ac);
        if (an == 3 && !memcmp(al, "rel", 3) && !rel) rel = attrs[i + 1];
        if (an == 4 && !memcmp(al, "href", 4) && !href) href = attrs[i + 1];
      }
      if (rel && href && !strcmp(rel, "independent-parent")) {
        const char *slash = strrchr(href, '/');
        P->parent = bp_strdup(slash ? slash + 1 : href);
      }
    }
  } else {
    int kind = -1;
    if (csl)
      for (size_t i = 0; i < sizeof KINDS / sizeof *KINDS; i++)
        if (strlen(KINDS[i].name) == len && !memcmp(KINDS[i].name, local, len))
          kind = (int)KINDS[i].kind;
    if (kind < 0) {
      char el[128];
      snprintf(el, sizeof el, "%.*s", len > 100 ? 100 : (int)len, local);
      parse_fail(P, "unknown element <%s>%s", el);
      return;
    }
    n = bp_calloc(1, sizeof *n);
    n->kind = (cs_kind)kind;
    n->line = (int)XML_GetCurrentLineNumber(P->p);
    size_t cap = 0;
    for (size_t i = 0; attrs[i]; i += 2) {
      bp_grow((void **)&n->attrs, &cap, 2 * n->n_attrs + 2, sizeof *n->attrs);
      n->attrs[2 * n->n_attrs] = attr_name(attrs[i]);
      n->attrs[2 * n->n_attrs + 1] = bp_strdup(attrs[i + 1]);
      n->n_attrs++;
    }
    if (top)
      BP_PUSH(top->n->kids, top->n->n_kids, top->n->cap_kids, n);
    else
      P->root = n;
  }
  /* <info>'s contents are metadata: anything goes there */
  bool info = n && n->kind == CS_INFO;
  frame f = {info ? NULL : n, {0}, false, info && P->depth == 1};
  BP_PUSH(P->stack, P->depth, P->cap, f);
}

static void on_end(void *ud, const char *name) {
  (void)name;
  parse *P = ud;
  if (!P->depth) return;
  frame *f = &P->stack[--P->depth];
  if (f->n && f->has_text &&
      (f->n->kind == CS_TERM || f->n->kind == CS_SINGLE || f->n->kind == CS_MULTIPLE)) {
    f->n->text = bp_buf_detach(&f->text); /* "" for an empty CDATA section */
  }
  bp_buf_free(&f->text);
}

static void on_text(void *ud, const char *s, int len) {
  parse *P = ud;
  if (!P->depth) return;
  frame *f = &P->stack[P->depth - 1];
  if (!f->n) return;
  f->has_text = true;
  cs_kind k = f->n->kind;
  if (k == CS_TERM || k == CS_SINGLE || k == CS_MULTIPLE) bp_buf_put(&f->text, s, (size_t)len);
}

static void on_cdata(void *ud) {
  parse *P = ud;
  if (P->depth && P->stack[P->depth - 1].n) P->stack[P->depth - 1].has_text = true;
}

/* Parses XML into a node tree; NULL (and an error) on failure. *parent gets
 * the independent parent's id a dependent style's <info> names (caller
 * frees; NULL without one). */
static cs_node *parse_xml(loader *L, const char *xml, size_t len, char **parent) {
  *parent = NULL;
  if (len > (size_t)BP_DATA_FILE_MAX_BYTES || len > 0x7fffffff) {
    load_error(L, 1, "file too large%s%s", NULL, NULL);
    return NULL;
  }
  XML_Parser p = XML_ParserCreateNS(NULL, NS_SEP);
  if (!p) {
    load_error(L, 1, "cannot create an XML parser%s%s", NULL, NULL);
    return NULL;
  }
  parse P = {.L = L, .p = p};
  XML_SetReturnNSTriplet(p, 1);
  XML_SetUserData(p, &P);
  XML_SetElementHandler(p, on_start, on_end);
  XML_SetCharacterDataHandler(p, on_text);
  XML_SetStartCdataSectionHandler(p, on_cdata);
  if (XML_Parse(p, xml, (int)len, 1) != XML_STATUS_OK && !L->failed) {
    char msg[256];
    snprintf(msg, sizeof msg, "malformed XML: %s", XML_ErrorString(XML_GetErrorCode(p)));
    load_error(L, (int)XML_GetCurrentLineNumber(p), "%s%s", msg, NULL);
  }
  while (P.depth) bp_buf_free(&P.stack[--P.depth].text);
  free(P.stack);
  XML_ParserFree(p);
  if (L->failed) {
    cs_node_free(P.root);
    free(P.parent);
    return NULL;
  }
  if (!P.root) { /* cannot happen: expat requires a root element */
    load_error(L, 1, "no root element%s%s", NULL, NULL);
    return NULL;
  }
  *parent = P.parent;
  return P.root;
}

cs_node *cs_parse(bp_ctx *ctx, const char *path, const char *xml, size_t len, char **parent) {
  loader L = {ctx, path, false};
  return parse_xml(&L, xml, len, parent);
}

/* ------------------------------------------------------------- locales */

static void locale_free(cs_locale *l) {
  if (!l) return;
  free(l->lang);
  free(l->terms);
  cs_node_free(l->tree);
  free(l);
}

static const char *term_text(const cs_node *n) { return n && n->text ? n->text : ""; }

static int term_key_cmp(const cs_term *t, const char *name, const char *form) {
  int c = strcmp(t->name, name);
  return c ? c : strcmp(t->form, form);
}

static int term_cmp(const void *x, const void *y) {
  const cs_term *a = x, *b = y;
  int c = term_key_cmp(a, b->name, b->form);
  return c ? c : (a->order > b->order) - (a->order < b->order);
}

/* The terms of l named `name` in `form`, in the order the locale gives
 * them (*n of them; none: *n is 0). */
static const cs_term *term_run(const cs_locale *l, const char *name, const char *form, size_t *n) {
  size_t lo = 0, hi = l->n_terms;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (term_key_cmp(&l->terms[mid], name, form) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  size_t e = lo;
  while (e < l->n_terms && !term_key_cmp(&l->terms[e], name, form)) e++;
  *n = e - lo;
  return *n ? l->terms + lo : NULL; /* a locale without terms has no array */
}

/* Reads a <locale> element (borrowing its strings). */
static cs_locale *locale_from(const cs_node *loc) {
  cs_locale *l = bp_calloc(1, sizeof *l);
  l->punct_in_quote = -1;
  l->limit_day_ordinals = -1;
  const char *lang = cs_attr(loc, "xml:lang");
  l->lang = lang ? bp_strdup(lang) : NULL;
  for (size_t i = 0; i < loc->n_kids; i++) {
    const cs_node *k = loc->kids[i];
    if (k->kind == CS_STYLE_OPTIONS) {
      const char *v = cs_attr(k, "punctuation-in-quote");
      if (v) l->punct_in_quote = !strcmp(v, "true");
      v = cs_attr(k, "limit-day-ordinals-to-day-1");
      if (v) l->limit_day_ordinals = !strcmp(v, "true");
    } else if (k->kind == CS_DATE) {
      const char *f = cs_attr(k, "form");
      if (f && !strcmp(f, "text")) l->date_text = (cs_node *)k;
      if (f && !strcmp(f, "numeric")) l->date_numeric = (cs_node *)k;
    } else if (k->kind == CS_TERMS) {
      for (size_t j = 0; j < k->n_kids; j++) {
        const cs_node *t = k->kids[j];
        if (t->kind != CS_TERM || !cs_attr(t, "name")) continue;
        cs_term term = {cs_attr(t, "name"),
                        cs_attr_or(t, "form", "long"),
                        cs_attr(t, "gender"),
                        cs_attr(t, "gender-form"),
                        cs_attr(t, "match"),
                        NULL,
                        NULL,
                        l->n_terms};
        const cs_node *s = cs_child(t, CS_SINGLE), *m = cs_child(t, CS_MULTIPLE);
        if (s || m) {
          term.single = term_text(s);
          term.multiple = term_text(m ? m : s);
        } else {
          term.single = term_text(t);
        }
        BP_PUSH(l->terms, l->n_terms, l->cap_terms, term);
      }
    }
  }
  if (l->n_terms) qsort(l->terms, l->n_terms, sizeof *l->terms, term_cmp);
  return l;
}

static bool file_exists(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Loads DIR/locales-LANG.xml; NULL when absent or malformed (a locale file
 * is data we did not write: a bad one falls back to the next). */
static cs_locale *locale_file(const char *dir, const char *lang) {
  char path[1024];
  snprintf(path, sizeof path, "%s/locales-%s.xml", dir, lang);
  if (!file_exists(path)) return NULL;
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  char *xml = NULL;
  size_t len = 0;
  if (bp_file_read_max(&ctx, path, BP_DATA_FILE_MAX_BYTES, &xml, &len) != BP_OK) return NULL;
  loader L = {&ctx, path, false};
  char *parent;
  cs_node *root = parse_xml(&L, xml, len, &parent);
  free(xml);
  free(parent);
  if (!root || root->kind != CS_LOCALE) {
    cs_node_free(root);
    return NULL;
  }
  cs_locale *l = locale_from(root);
  l->tree = root;
  if (!l->lang) l->lang = bp_strdup(lang);
  return l;
}

/* The primary dialect of a bare language ("de" -> "de-DE"). */
static const char *primary_dialect(const char *base) {
  static const char *const MAP[][2] = {
      {"af", "af-ZA"}, {"ar", "ar"},    {"bg", "bg-BG"}, {"ca", "ca-AD"}, {"cs", "cs-CZ"},
      {"da", "da-DK"}, {"de", "de-DE"}, {"el", "el-GR"}, {"en", "en-US"}, {"es", "es-ES"},
      {"et", "et-EE"}, {"fa", "fa-IR"}, {"fi", "fi-FI"}, {"fr", "fr-FR"}, {"he", "he-IL"},
      {"hr", "hr-HR"}, {"hu", "hu-HU"}, {"is", "is-IS"}, {"it", "it-IT"}, {"ja", "ja-JP"},
      {"km", "km-KH"}, {"ko", "ko-KR"}, {"lt", "lt-LT"}, {"lv", "lv-LV"}, {"mn", "mn-MN"},
      {"nb", "nb-NO"}, {"nl", "nl-NL"}, {"nn", "nn-NO"}, {"pl", "pl-PL"}, {"pt", "pt-PT"},
      {"ro", "ro-RO"}, {"ru", "ru-RU"}, {"sk", "sk-SK"}, {"sl", "sl-SI"}, {"sr", "sr-RS"},
      {"sv", "sv-SE"}, {"th", "th-TH"}, {"tr", "tr-TR"}, {"uk", "uk-UA"}, {"vi", "vi-VN"},
      {"zh", "zh-CN"}};
  for (size_t i = 0; i < sizeof MAP / sizeof *MAP; i++)
    if (!strcmp(MAP[i][0], base)) return MAP[i][1];
  return NULL;
}

static void chain_add(bp_csl_style *st, cs_locale *l, bool owned) {
  if (!l) return;
  if (st->n_chain < CS_MAX_LOCALES) st->chain[st->n_chain++] = l;
  if (owned) {
    if (st->n_owned < CS_MAX_LOCALES)
      st->owned[st->n_owned++] = l;
    else
      locale_free(l);
  }
}

/* The chain for lang: the style's locales (exact, base language, without
 * xml:lang), then the locale files (lang, its primary dialect, en-US). */
static void build_chain(bp_csl_style *st, const char *dir, const cs_node *root) {
  const char *lang = st->lang;
  char base[16];
  snprintf(base, sizeof base, "%s", lang);
  char *dash = strchr(base, '-');
  if (dash) *dash = '\0';
  cs_locale *exact = NULL, *basel = NULL, *any = NULL;
  for (size_t i = 0; i < root->n_kids; i++) {
    const cs_node *k = root->kids[i];
    if (k->kind != CS_LOCALE) continue;
    const char *l = cs_attr(k, "xml:lang");
    cs_locale **slot = !l ? &any : !strcmp(l, lang) ? &exact : !strcmp(l, base) ? &basel : NULL;
    if (!slot) continue;
    cs_locale *loc = locale_from(k);
    if (*slot) { /* several for one language: keep the first, add the others after */
      chain_add(st, loc, true);
      continue;
    }
    *slot = loc;
  }
  chain_add(st, exact, true);
  chain_add(st, basel, true);
  chain_add(st, any, true);
  const char *names[3] = {lang, dash ? NULL : primary_dialect(base), "en-US"};
  if (dash && !file_exists(dir)) names[1] = NULL;
  for (int i = 0; i < 3; i++) {
    if (!names[i]) continue;
    bool seen = false;
    for (int j = 0; j < i; j++) seen |= names[j] && !strcmp(names[j], names[i]);
    if (seen) continue;
    cs_locale *f = locale_file(dir, names[i]);
    if (!f && i == 0 && dash) { /* "de-XX": try the language's primary dialect */
      const char *pd = primary_dialect(base);
      if (pd) f = locale_file(dir, pd);
    }
    chain_add(st, f, true);
  }
}

const char *cs_term_lookup(const bp_csl_style *st, const char *name, const char *form, bool plural,
                           const char *gender) {
  static const char *const FALLBACK[][4] = {{"long", NULL},
                                            {"short", "long", NULL},
                                            {"verb", "long", NULL},
                                            {"verb-short", "verb", "long", NULL},
                                            {"symbol", "short", "long", NULL}};
  const char *const *forms = FALLBACK[0];
  for (size_t i = 0; i < sizeof FALLBACK / sizeof *FALLBACK; i++)
    if (form && !strcmp(FALLBACK[i][0], form)) forms = FALLBACK[i];
  for (; *forms; forms++) {
    for (size_t li = 0; li < st->n_chain; li++) {
      size_t n;
      const cs_term *run = term_run(st->chain[li], name, *forms, &n), *hit = NULL;
      for (size_t i = 0; i < n; i++) {
        const cs_term *t = &run[i];
        if (gender && t->gender_form && !strcmp(t->gender_form, gender)) {
          hit = t;
          break;
        }
        if (!t->gender_form && !hit) hit = t;
      }
      if (hit) return plural && hit->multiple ? hit->multiple : hit->single;
    }
  }
  return NULL;
}

const char *cs_term_gender(const bp_csl_style *st, const char *name) {
  for (size_t li = 0; li < st->n_chain; li++) {
    size_t n;
    const cs_term *run = term_run(st->chain[li], name, "long", &n);
    for (size_t i = 0; i < n; i++)
      if (!run[i].gender_form) return run[i].gender;
  }
  return NULL;
}

const cs_node *cs_locale_date(const bp_csl_style *st, const char *form) {
  bool text = !form || strcmp(form, "numeric");
  for (size_t li = 0; li < st->n_chain; li++) {
    const cs_node *d = text ? st->chain[li]->date_text : st->chain[li]->date_numeric;
    if (d) return d;
  }
  return NULL;
}

bool cs_punct_in_quote(const bp_csl_style *st) {
  for (size_t li = 0; li < st->n_chain; li++)
    if (st->chain[li]->punct_in_quote >= 0) return st->chain[li]->punct_in_quote;
  return false;
}

bool cs_limit_day_ordinals(const bp_csl_style *st) {
  for (size_t li = 0; li < st->n_chain; li++)
    if (st->chain[li]->limit_day_ordinals >= 0) return st->chain[li]->limit_day_ordinals;
  return false;
}

/* -------------------------------------------------------------- checks */

/* Resolves macro references; reports missing macros and recursion. */
typedef struct macro_walk {
  loader *L;
  bp_csl_style *st;
  unsigned char *state; /* per macro: 0 unvisited, 1 in progress, 2 done */
} macro_walk;

static cs_node *find_macro(bp_csl_style *st, const char *name, size_t *idx) {
  for (size_t i = 0; i < st->n_macros; i++)
    if (!strcmp(cs_attr_or(st->macros[i], "name", ""), name)) {
      if (idx) *idx = i;
      return st->macros[i];
    }
  return NULL;
}

static void walk(macro_walk *w, cs_node *n, int depth) {
  if (w->L->failed) return;
  if (n->kind == CS_TEXT && !strcmp(cs_attr_or(n, "variable", ""), "year-suffix"))
    w->st->uses_year_suffix = true;
  if (cs_attr(n, "disambiguate")) w->st->uses_disambiguate = true;
  if ((n->kind == CS_TEXT || n->kind == CS_KEY) && cs_attr(n, "macro")) {
    size_t idx = 0;
    cs_node *m = find_macro(w->st, cs_attr(n, "macro"), &idx);
    if (!m) {
      load_error(w->L, n->line, "macro \"%s\" is not defined%s", cs_attr(n, "macro"), NULL);
      return;
    }
    n->macro = m;
    if (w->state[idx] == 1) {
      load_error(w->L, n->line, "macro \"%s\" calls itself (recursion)%s", cs_attr(n, "macro"),
                 NULL);
      return;
    }
    if (w->state[idx] == 0) {
      w->state[idx] = 1;
      walk(w, m, depth + 1);
      w->state[idx] = 2;
    }
  }
  for (size_t i = 0; i < n->n_kids && !w->L->failed; i++) walk(w, n->kids[i], depth + 1);
}

/* Attributes whose values are a closed set: a typo there would silently
 * render something else, so it is an error. */
static void check_values(loader *L, const cs_node *n) {
  static const struct {
    const char *attr;
    const char *values;
  } CLOSED[] = {
      {"form", " long short count verb verb-short symbol text numeric ordinal long-ordinal roman "
               "numeric-leading-zeros "},
      {"text-case", " lowercase uppercase capitalize-first capitalize-all title sentence "},
      {"font-style", " normal italic oblique "},
      {"font-weight", " normal bold light "},
      {"font-variant", " normal small-caps "},
      {"text-decoration", " none underline "},
      {"vertical-align", " baseline sup sub "},
      {"match", " all any none last-digit last-two-digits whole-number "},
      {"plural", " contextual always never true false "},
      {"and", " text symbol "},
      {"name-as-sort-order", " first all "},
      {"sort", " ascending descending "},
  };
  if (L->failed) return;
  for (size_t i = 0; i < n->n_attrs; i++)
    for (size_t j = 0; j < sizeof CLOSED / sizeof *CLOSED; j++) {
      if (strcmp(n->attrs[2 * i], CLOSED[j].attr)) continue;
      char needle[96];
      snprintf(needle, sizeof needle, " %s ", n->attrs[2 * i + 1]);
      if (strlen(n->attrs[2 * i + 1]) > 60 || !strstr(CLOSED[j].values, needle)) {
        char what[160];
        snprintf(what, sizeof what, "%s=\"%.60s\"", CLOSED[j].attr, n->attrs[2 * i + 1]);
        load_error(L, n->line, "invalid attribute %s%s", what, NULL);
        return;
      }
    }
  for (size_t i = 0; i < n->n_kids; i++) check_values(L, n->kids[i]);
}

/* ---------------------------------------------------------------- style */

void bp_csl_style_free(bp_csl_style *st) {
  if (!st) return;
  for (size_t i = 0; i < st->n_owned; i++) locale_free(st->owned[i]);
  cs_node_free(st->root);
  free(st->macros);
  free(st->path);
  free(st->lang);
  free(st);
}

const char *bp_csl_style_class(const bp_csl_style *st) {
  return cs_attr_or(st->root, "class", "in-text");
}

bool bp_csl_style_has_bibliography(const bp_csl_style *st) { return st->bibliography != NULL; }

static bp_status load_any(bp_ctx *ctx, const char *name, const char *xml, size_t len,
                          const bp_csl_style_options *opts, int depth, bp_csl_style **out);

static bool style_id_ok(const char *id) {
  if (!*id || strlen(id) > 200) return false;
  for (const char *p = id; *p; p++)
    if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') || ('0' <= *p && *p <= '9') ||
          *p == '-' || *p == '_' || *p == '.'))
      return false;
  return id[0] != '.';
}

static bp_status load_path(bp_ctx *ctx, const char *name, const bp_csl_style_options *opts,
                           int depth, bp_csl_style **out) {
  *out = NULL;
  size_t nl = strlen(name);
  bool is_path = strchr(name, '/') || (nl > 4 && !strcmp(name + nl - 4, ".csl"));
  char *path;
  if (is_path) {
    path = bp_strdup(name);
  } else {
    if (!style_id_ok(name))
      return bp_error(ctx, BP_ERR_DATA, "CSL style id \"%s\": letters, digits, '-', '_', '.' only",
                      name);
    const char *dir = opts && opts->style_dir ? opts->style_dir : BP_CSL_STYLE_DIR;
    bp_buf b = {0};
    bp_buf_printf(&b, "%s/%s.csl", dir, name);
    if (!file_exists(b.data)) {
      bp_buf_free(&b);
      bp_buf_printf(&b, "%s/dependent/%s.csl", dir, name);
    }
    path = bp_buf_detach(&b);
  }
  char *xml = NULL;
  size_t len = 0;
  bp_status st = bp_file_read_max(ctx, path, BP_DATA_FILE_MAX_BYTES, &xml, &len);
  if (st == BP_OK) st = load_any(ctx, path, xml, len, opts, depth, out);
  free(xml);
  free(path);
  return st;
}

static bp_status load_any(bp_ctx *ctx, const char *name, const char *xml, size_t len,
                          const bp_csl_style_options *opts, int depth, bp_csl_style **out) {
  *out = NULL;
  loader L = {ctx, name, false};
  char *parent;
  cs_node *root = parse_xml(&L, xml, len, &parent);
  if (!root) return BP_ERR_DATA;
  if (root->kind != CS_STYLE) {
    load_error(&L, root->line, "the root element is not <style>%s%s", NULL, NULL);
    cs_node_free(root);
    free(parent);
    return BP_ERR_DATA;
  }
  if (cs_child(root, CS_CITATION)) { /* an independent style: its own link is no parent */
    free(parent);
    parent = NULL;
  }
  if (parent) { /* a dependent style: its parent, in the dependent's locale */
    bp_status s;
    if (depth > 0) {
      load_error(&L, root->line, "dependent style's parent \"%s\" is itself dependent%s", parent,
                 NULL);
      s = BP_ERR_DATA;
    } else {
      bp_csl_style_options o = opts ? *opts : (bp_csl_style_options){0};
      if (!o.lang) o.lang = cs_attr(root, "default-locale");
      char *dir = bp_strdup(name);
      char *slash = strrchr(dir, '/');
      if (slash && slash > dir && !strcmp(slash, "/dependent")) *slash = '\0';
      /* the parent lives in the style folder (the dependent one's parent folder) */
      slash = strrchr(dir, '/');
      if (slash) *slash = '\0';
      if (slash && strlen(dir) > 10 && !strcmp(dir + strlen(dir) - 10, "/dependent"))
        dir[strlen(dir) - 10] = '\0';
      if (!o.style_dir) o.style_dir = slash ? dir : BP_CSL_STYLE_DIR;
      s = load_path(ctx, parent, &o, depth + 1, out);
      free(dir);
    }
    free(parent);
    cs_node_free(root);
    return s;
  }
  bp_csl_style *st = bp_calloc(1, sizeof *st);
  st->path = bp_strdup(name);
  st->root = root;
  st->citation = cs_child(root, CS_CITATION);
  st->bibliography = cs_child(root, CS_BIBLIOGRAPHY);
  if (!st->citation) load_error(&L, root->line, "the style has no <citation>%s%s", NULL, NULL);
  if (st->citation && !cs_child(st->citation, CS_LAYOUT))
    load_error(&L, st->citation->line, "<citation> has no <layout>%s%s", NULL, NULL);
  if (st->bibliography && !cs_child(st->bibliography, CS_LAYOUT))
    load_error(&L, st->bibliography->line, "<bibliography> has no <layout>%s%s", NULL, NULL);
  for (size_t i = 0; i < root->n_kids; i++) {
    cs_node *k = root->kids[i];
    if (k->kind != CS_MACRO) continue;
    const char *mn = cs_attr(k, "name");
    if (!mn) {
      load_error(&L, k->line, "<macro> without a name%s%s", NULL, NULL);
      continue;
    }
    if (find_macro(st, mn, NULL))
      load_error(&L, k->line, "macro \"%s\" is defined twice%s", mn, NULL);
    BP_PUSH(st->macros, st->n_macros, st->cap_macros, k);
  }
  macro_walk w = {&L, st, bp_calloc(st->n_macros + 1, 1)};
  if (!L.failed) walk(&w, root, 0);
  free(w.state);
  check_values(&L, root);
  if (L.failed) {
    bp_csl_style_free(st);
    return BP_ERR_DATA;
  }
  const char *lang = opts && opts->lang ? opts->lang : cs_attr(root, "default-locale");
  st->lang = bp_strdup(lang && *lang && strlen(lang) < 16 ? lang : "en-US");
  build_chain(st, opts && opts->locale_dir ? opts->locale_dir : BP_CSL_LOCALE_DIR, root);
  const char *demote = cs_attr(root, "demote-non-dropping-particle");
  st->demote_ndp_sort_only = demote && !strcmp(demote, "sort-only");
  st->demote_ndp_never = demote && !strcmp(demote, "never");
  st->initialize_with_hyphen = strcmp(cs_attr_or(root, "initialize-with-hyphen", "true"), "false");
  st->page_range_format = cs_attr(root, "page-range-format");
  st->keep_straight_quotes = !strcmp(cs_attr_or(root, "bp:straight-quotes", ""), "keep");
  *out = st;
  return BP_OK;
}

bp_status bp_csl_style_load_mem(bp_ctx *ctx, const char *name, const char *xml, size_t len,
                                const bp_csl_style_options *opts, bp_csl_style **out) {
  return load_any(ctx, name, xml, len, opts, 0, out);
}

bp_status bp_csl_style_load(bp_ctx *ctx, const char *name, const bp_csl_style_options *opts,
                            bp_csl_style **out) {
  return load_path(ctx, name, opts, 0, out);
}
