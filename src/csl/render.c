/* render.c - evaluates a CSL layout for one cite: text, number, label,
 * date, names (initials, particles, et al., sort order, Korean and other
 * CJK names in native order), group (suppressed when every variable it
 * calls is empty), choose (conditions) and the substitution of names.
 * Builds an output tree (output.c); reads the item (CSL-JSON) only. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csl-imp.h"

/* Rich text of a value, with the style's quote rule. */
#define RICH(s) co_rich((s), !r->st->keep_straight_quotes)

typedef struct rctx {
  const bp_csl_style *st;
  const cs_node *area; /* citation or bibliography */
  const cs_cite *c;
  json_t *item;
  int mode;
  int called, rendered; /* variables called and non-empty, for group suppression */
  char **owned;
  size_t n_owned, cap_owned;
  const char **supp; /* substituted variables, suppressed from then on */
  size_t n_supp, cap_supp;
  const char **seen; /* variables rendered non-empty (for substitution) */
  size_t n_seen, cap_seen;
  const char *lang;
  int depth;
  bool sort_names;                     /* names as in a sort key (all inverted, plain) */
  int sort_min, sort_first, sort_last; /* <key names-min ...> overrides (-1: none) */
  bool suppress_names;                 /* suppress-author: drop the first names rendered */
  const char *subst;                   /* subsequent-author-substitute text for them */
  bool ys_pending;                     /* year suffix to append to the first year */
  bool subst_each;                     /* every name is the substitute text */
} rctx;

static co_node *render(rctx *r, const cs_node *n);
static co_node *render_kids(rctx *r, const cs_node *n, const char *delim);

static const char *own(rctx *r, char *s) {
  BP_PUSH(r->owned, r->n_owned, r->cap_owned, s);
  return s;
}

static bool suppressed(const rctx *r, const char *var) {
  if (r->c->disambiguating && !strcmp(var, "accessed")) return true;
  for (size_t i = 0; i < r->n_supp; i++)
    if (!strcmp(r->supp[i], var)) return true;
  return false;
}

static void mark_seen(rctx *r, const char *var) {
  const char *copy = own(r, bp_strdup(var)); /* var may live in a temporary list */
  BP_PUSH(r->seen, r->n_seen, r->cap_seen, copy);
}

char *cs_year_suffix_letters(int n) {
  char tmp[16];
  int k = 0;
  while (n > 0 && k < 15) {
    n--;
    tmp[k++] = (char)('a' + n % 26);
    n /= 26;
  }
  char *out = bp_malloc((size_t)k + 1);
  for (int i = 0; i < k; i++) out[i] = tmp[k - 1 - i];
  out[k] = '\0';
  return out;
}

typedef struct pname pname;
static void parse_name(json_t *o, pname *p);
static void pname_free(pname *p);
static char *trigraph(json_t *item);

/* A string or number variable's value, or NULL. */
static const char *var_str(rctx *r, const char *var) {
  if (suppressed(r, var)) return NULL;
  const cs_cite *c = r->c;
  if (!strcmp(var, "locator")) return c->locator && *c->locator ? c->locator : NULL;
  if (!strcmp(var, "citation-number")) {
    if (c->citation_number <= 0) return NULL;
    char b[24];
    snprintf(b, sizeof b, "%d", c->citation_number);
    return own(r, bp_strdup(b));
  }
  if (!strcmp(var, "year-suffix")) {
    if (c->year_suffix > 0) return own(r, cs_year_suffix_letters(c->year_suffix));
    json_t *v = json_object_get(r->item, "year-suffix"); /* as the data gives it */
    return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
  }
  if (!strcmp(var, "citation-label")) {
    json_t *v = json_object_get(r->item, "citation-label");
    char *l = json_is_string(v) && *json_string_value(v) ? bp_strdup(json_string_value(v))
                                                         : trigraph(r->item);
    if (l && r->ys_pending) { /* the implicit year suffix goes on the label */
      char *ys = cs_year_suffix_letters(c->year_suffix),
           *both = bp_malloc(strlen(l) + strlen(ys) + 1);
      strcpy(both, l);
      strcat(both, ys);
      free(ys);
      free(l);
      l = both;
      r->ys_pending = false;
    }
    return l ? own(r, l) : NULL;
  }
  if (!strcmp(var, "first-reference-note-number")) {
    if (c->first_note <= 0 || c->position == POS_FIRST) return NULL;
    char b[24];
    snprintf(b, sizeof b, "%d", c->first_note);
    return own(r, bp_strdup(b));
  }
  if (!strcmp(var, "page-first")) {
    const char *p = var_str(r, "page");
    if (!p) return NULL;
    size_t k = 0;
    while (p[k] && !strchr("-,&\xE2 ", p[k])) k++;
    return own(r, bp_strndup(p, k));
  }
  json_t *v = json_object_get(r->item, var);
  if (!v && !strcmp(var, "title-short")) v = json_object_get(r->item, "shortTitle");
  if (!v && !strcmp(var, "container-title-short"))
    v = json_object_get(r->item, "journalAbbreviation");
  if (json_is_string(v)) return *json_string_value(v) ? json_string_value(v) : NULL;
  if (json_is_integer(v)) {
    char b[32];
    snprintf(b, sizeof b, "%lld", (long long)json_integer_value(v));
    return own(r, bp_strdup(b));
  }
  if (json_is_real(v)) {
    char b[32];
    snprintf(b, sizeof b, "%g", json_real_value(v));
    return own(r, bp_strdup(b));
  }
  return NULL;
}

/* ------------------------------------------------------------ formatting */

static void set_fmt(co_node *g, const cs_node *n) {
  const char *v;
  if ((v = cs_attr(n, "font-style")))
    g->font_style = !strcmp(v, "italic")    ? FS_ITALIC
                    : !strcmp(v, "oblique") ? FS_OBLIQUE
                                            : FS_NORMAL;
  if ((v = cs_attr(n, "font-weight")))
    g->font_weight = !strcmp(v, "bold") ? FW_BOLD : !strcmp(v, "light") ? FW_LIGHT : FW_NORMAL;
  if ((v = cs_attr(n, "font-variant")))
    g->font_variant = !strcmp(v, "small-caps") ? FV_SMALLCAPS : FV_NORMAL;
  if ((v = cs_attr(n, "text-decoration")))
    g->decoration = !strcmp(v, "underline") ? TD_UNDERLINE : TD_NONE;
  if ((v = cs_attr(n, "vertical-align")))
    g->valign = !strcmp(v, "sup") ? VA_SUP : !strcmp(v, "sub") ? VA_SUB : VA_BASELINE;
}

co_node *cs_wrap(const cs_node *n, co_node *out) {
  if (!out) return NULL;
  co_node *g = co_group();
  co_add(g, out);
  set_fmt(g, n);
  const char *pre = cs_attr(n, "prefix"), *suf = cs_attr(n, "suffix");
  if (pre && *pre) g->prefix = bp_strdup(pre);
  if (suf && *suf) g->suffix = bp_strdup(suf);
  return g;
}

/* Wraps out with n's formatting, quotes, text-case, affixes and display. */
static co_node *decorate(rctx *r, const cs_node *n, co_node *out) {
  if (!out) return NULL;
  if (co_empty(out)) {
    co_free(out);
    return NULL;
  }
  if (r->mode == MODE_SORT) return out;
  const char *tc = cs_attr(n, "text-case");
  if (tc) co_text_case(out, tc, r->lang);
  if (cs_attr_true(n, "strip-periods")) co_strip_periods(out);
  co_node *g = co_group();
  co_add(g, out);
  set_fmt(g, n);
  g->quotes = cs_attr_true(n, "quotes");
  const char *d = cs_attr(n, "display");
  if (d)
    g->display = !strcmp(d, "block")          ? DI_BLOCK
                 : !strcmp(d, "left-margin")  ? DI_LEFT_MARGIN
                 : !strcmp(d, "right-inline") ? DI_RIGHT_INLINE
                 : !strcmp(d, "indent")       ? DI_INDENT
                                              : 0;
  const char *p = cs_attr(n, "prefix"), *s = cs_attr(n, "suffix");
  if (p && *p) g->prefix = bp_strdup(p);
  if (s && *s) g->suffix = bp_strdup(s);
  return g;
}

static co_node *join(co_node **parts, size_t n, const char *delim) {
  co_node *g = NULL;
  for (size_t i = 0; i < n; i++) {
    if (!parts[i]) continue;
    if (!g)
      g = co_group();
    else if (delim && *delim)
      co_add(g, co_affix(delim));
    co_add(g, parts[i]);
  }
  return g;
}

/* ------------------------------------------------------------- numbers */

/* True when s is numeric in CSL's sense: numbers (with letter affixes such
 * as "2a" or "L12") joined by "-", "–", ",", "&" or "and". */
static bool is_numeric(const char *s) {
  if (!s || !*s) return false;
  const char *p = s;
  for (;;) {
    while (isalpha((unsigned char)*p)) p++;
    if (!isdigit((unsigned char)*p)) return false;
    while (isdigit((unsigned char)*p)) p++;
    while (isalpha((unsigned char)*p)) p++;
    if (!*p) return true;
    const char *q = p;
    while (*q == ' ') q++;
    if (*q == '-' || *q == ',' || *q == '&')
      q++;
    else if (!strncmp(q, "\xE2\x80\x93", 3))
      q += 3;
    else if (!strncmp(q, "and ", 4))
      q += 3;
    else
      return false;
    while (*q == ' ') q++;
    p = q;
  }
}

static const char *ordinal_suffix(rctx *r, long n, const char *gender) {
  char name[24];
  if (n < 0) n = -n;
  /* two-digit matches first (11th, 12th, 13th), then the last digit */
  snprintf(name, sizeof name, "ordinal-%02ld", n % 100);
  const char *t = n % 100 >= 10 ? cs_term_lookup(r->st, name, "long", false, gender) : NULL;
  if (t) return t;
  snprintf(name, sizeof name, "ordinal-%02ld", n % 10);
  if (n % 100 < 10 || n % 100 > 20 || 1) {
    t = cs_term_lookup(r->st, name, "long", false, gender);
    if (t && !(n % 100 >= 11 && n % 100 <= 13 && n % 100 != n % 10 &&
               cs_term_lookup(r->st, "ordinal", "long", false, gender) && n % 10 >= 1 &&
               n % 10 <= 3 && 0))
      return t;
  }
  t = cs_term_lookup(r->st, "ordinal", "long", false, gender);
  return t ? t : "";
}

static void put_roman(bp_buf *b, long n) {
  static const struct {
    int v;
    const char *s;
  } R[] = {{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"}, {90, "xc"}, {50, "l"},
           {40, "xl"},  {10, "x"},   {9, "ix"},  {5, "v"},    {4, "iv"},  {1, "i"}};
  if (n <= 0 || n >= 4000) {
    bp_buf_printf(b, "%ld", n);
    return;
  }
  for (size_t i = 0; i < sizeof R / sizeof *R; i++)
    while (n >= R[i].v) {
      bp_buf_puts(b, R[i].s);
      n -= R[i].v;
    }
}

static void put_number(rctx *r, bp_buf *b, long n, const char *form, const char *gender) {
  if (!strcmp(form, "ordinal")) {
    bp_buf_printf(b, "%ld%s", n, ordinal_suffix(r, n, gender));
  } else if (!strcmp(form, "long-ordinal")) {
    char name[24];
    snprintf(name, sizeof name, "long-ordinal-%02ld", n);
    const char *t = n >= 1 && n <= 10 ? cs_term_lookup(r->st, name, "long", false, gender) : NULL;
    if (t)
      bp_buf_puts(b, t);
    else
      bp_buf_printf(b, "%ld%s", n, ordinal_suffix(r, n, gender));
  } else if (!strcmp(form, "roman")) {
    put_roman(b, n);
  } else {
    bp_buf_printf(b, "%ld", n);
  }
}

/* Formats a numeric value: each number in form, separators normalised
 * ("-" -> en dash, ", ", " & "). */
static char *format_numeric(rctx *r, const char *s, const char *form, const char *gender) {
  bp_buf b = {0};
  const char *p = s;
  while (*p) {
    if (isdigit((unsigned char)*p)) {
      char *end;
      long n = strtol(p, &end, 10);
      if (end - p > 9) { /* too long for a number: keep the digits */
        bp_buf_put(&b, p, (size_t)(end - p));
      } else if (*p == '0' && strcmp(form, "numeric") == 0) {
        bp_buf_put(&b, p, (size_t)(end - p)); /* leading zeros stay */
      } else {
        put_number(r, &b, n, form, gender);
      }
      p = end;
    } else if (*p == '-' || !strncmp(p, "\xE2\x80\x93", 3)) {
      while (b.len && b.data[b.len - 1] == ' ') b.data[--b.len] = '\0';
      bp_buf_puts(&b, "\xE2\x80\x93");
      p += *p == '-' ? 1 : 3;
      while (*p == ' ') p++;
    } else if (*p == ',') {
      while (b.len && b.data[b.len - 1] == ' ') b.data[--b.len] = '\0';
      bp_buf_puts(&b, ", ");
      p++;
      while (*p == ' ') p++;
    } else if (*p == '&') {
      while (b.len && b.data[b.len - 1] == ' ') b.data[--b.len] = '\0';
      bp_buf_puts(&b, " & ");
      p++;
      while (*p == ' ') p++;
    } else {
      bp_buf_putc(&b, *p++);
    }
  }
  return b.data ? bp_buf_detach(&b) : bp_strdup("");
}

/* Page ranges per page-range-format (expanded, minimal, minimal-two,
 * chicago); "-" becomes an en dash either way. */
/* The end of a page range a–z in the style's page-range-format; z as
 * written may be shortened ("321-5"): its missing digits come from a.
 * Without a format, z as written. */
static void put_range_end(bp_buf *b, const char *a, const char *z, const char *fmt) {
  size_t la = strlen(a), lz = strlen(z);
  if (!fmt) { /* as written */
    bp_buf_puts(b, z);
    return;
  }
  char *full = bp_malloc(la + lz + 1);
  if (lz < la) {
    memcpy(full, a, la - lz);
    strcpy(full + la - lz, z);
  } else {
    strcpy(full, z);
  }
  z = full;
  lz = strlen(z);
  if (lz != la || !strcmp(fmt, "expanded")) {
    bp_buf_puts(b, z);
    free(full);
    return;
  }
  size_t k = 0; /* digits in common */
  while (k < la && a[k] == z[k]) k++;
  size_t keep = la - k;
  bool c15 = !strcmp(fmt, "chicago") || !strcmp(fmt, "chicago-15");
  if (!strcmp(fmt, "minimal-two") && keep < 2) keep = 2;
  if (c15 || !strcmp(fmt, "chicago-16")) {
    long na = atol(a);
    if (na < 100 || na % 100 == 0)
      keep = la; /* 3–10, 71–72, 100–104, 1100–1123 */
    else if (na % 100 >= 10 && keep < 2)
      keep = 2; /* 321–25, 1536–38; 101–8 keeps the changed part */
    if (c15 && la == 4 && keep >= 3) keep = 4; /* 1496–1504 */
  }
  if (keep < 1) keep = 1;
  if (keep > lz) keep = lz;
  bp_buf_puts(b, z + (lz - keep));
  free(full);
}

/* One side of a page range at s: letters and digits ending in digits;
 * *pre_len gets the part before the digits. Returns its length (0: none). */
static size_t page_side(const char *s, size_t *pre_len) {
  size_t n = 0;
  while (isalnum((unsigned char)s[n])) n++;
  size_t d = n;
  while (d > 0 && isdigit((unsigned char)s[d - 1])) d--;
  if (d == n) return 0;
  *pre_len = d;
  return n;
}

/* A range delimiter at s (spaces, a hyphen or two, or an en dash): its
 * length, 0 when none. */
static size_t range_dash(const char *s) {
  size_t i = 0;
  while (s[i] == ' ') i++;
  size_t dl = s[i] == '-' ? (s[i + 1] == '-' ? 2 : 1) : !strncmp(s + i, "\xE2\x80\x93", 3) ? 3 : 0;
  if (!dl) return 0;
  i += dl;
  while (s[i] == ' ') i++;
  return i;
}

/* The hyphen at h in s joins two words that are not roman numerals
 * ("Michaelson-Morely" keeps it; "i-ix" is a range). */
static bool between_words(const char *s, const char *h) {
  const char *a = h, *z = h + 1;
  while (a > s && isalpha((unsigned char)a[-1])) a--;
  while (isalpha((unsigned char)*z)) z++;
  if (a == h || z == h + 1) return false;
  size_t ra = strspn(a, "ivxlcdmIVXLCDM"), rz = strspn(h + 1, "ivxlcdmIVXLCDM");
  return !(a + ra >= h && h + 1 + rz >= z);
}

/* Page numbers with ranges: "110-5" -> "110–115" (expanded) or "110–15"
 * (chicago) and so on. Both sides with the same prefix make a range
 * (N110–N115, shown on the end only when expanded); sides that differ
 * ("N110 - 5") are joined by a plain hyphen. */
static char *format_pages(const char *s, const char *fmt, const char *dash) {
  bp_buf b = {0};
  const char *p = s;
  while (*p) {
    size_t pa, pz, dl;
    size_t na = (p == s || !isalnum((unsigned char)p[-1])) ? page_side(p, &pa) : 0;
    if (na && (dl = range_dash(p + na)) != 0) {
      const char *zs = p + na + dl;
      size_t nz = page_side(zs, &pz);
      if (nz && !isalpha((unsigned char)zs[nz])) {
        if ((!fmt && (pa || pz)) || pa != pz || strncmp(p, zs, pa)) {
          if (!fmt) goto plain;  /* as before without a format */
          bp_buf_put(&b, p, na); /* not a range */
          bp_buf_putc(&b, '-');
          bp_buf_put(&b, zs, nz);
        } else {
          char *a = bp_strndup(p + pa, na - pa), *z = bp_strndup(zs + pz, nz - pz);
          bp_buf_put(&b, p, na);
          bp_buf_puts(&b, dash);
          if (fmt && !strcmp(fmt, "expanded")) bp_buf_put(&b, zs, pz);
          put_range_end(&b, a, z, fmt);
          free(a);
          free(z);
        }
        p = zs + nz;
        continue;
      }
    }
  plain:
    if (*p == '\\' && p[1]) { /* "3\-B": a literal hyphen */
      bp_buf_putc(&b, p[1]);
      p += 2;
      continue;
    }
    if (*p == '-' && b.len && !between_words(s, p)) {
      bp_buf_puts(&b, dash);
      p++;
      continue;
    }
    bp_buf_putc(&b, *p++);
  }
  return b.data ? bp_buf_detach(&b) : bp_strdup("");
}

/* ---------------------------------------------------------------- text */

static co_node *text_leaf(rctx *r, const char *var, const char *val) {
  if (!strcmp(var, "URL") || !strcmp(var, "DOI")) {
    co_node *t = co_text(val);
    if (!strcmp(var, "URL"))
      t->link = bp_strdup(val);
    else {
      bp_buf b = {0};
      bp_buf_printf(&b, "%s%s", strncmp(val, "http", 4) ? "https://doi.org/" : "", val);
      t->link = bp_buf_detach(&b);
    }
    return t;
  }
  bool pages = !strcmp(var, "page") ||
               (!strcmp(var, "locator") && (!r->c->label || !strcmp(r->c->label, "page")));
  if (pages || !strcmp(var, "locator")) {
    /* other locators (chapters, sections) get the dash, not the page format */
    const char *dash = cs_term_lookup(r->st, "page-range-delimiter", "long", false, NULL);
    char *f =
        format_pages(val, pages ? r->st->page_range_format : NULL, dash ? dash : "\xE2\x80\x93");
    co_node *t = RICH(f);
    free(f);
    return t;
  }
  return RICH(val);
}

/* n's children as a group is rendered: nothing when they call variables
 * and every one is empty (groups, and macros called by <text>). */
static co_node *render_suppressible(rctx *r, const cs_node *n, const char *delim) {
  int called = r->called, rendered = r->rendered;
  r->called = r->rendered = 0;
  co_node *g = render_kids(r, n, delim);
  if (r->called > 0 && r->rendered == 0) {
    co_free(g);
    g = NULL;
  }
  r->called = called + (r->called > 0);
  r->rendered = rendered + (r->rendered > 0);
  return g;
}

static co_node *render_text(rctx *r, const cs_node *n) {
  const char *v;
  if ((v = cs_attr(n, "variable"))) {
    /* an empty year-suffix leaves its group standing ("n.d." + suffix) */
    if (strcmp(v, "year-suffix")) r->called++;
    const char *form = cs_attr(n, "form");
    const char *val = NULL;
    const char *used = v;
    if (form && !strcmp(form, "short")) {
      char sv[64];
      snprintf(sv, sizeof sv, "%s-short", v);
      val = var_str(r, sv);
      if (val) used = v;
    }
    if (!val) val = var_str(r, v);
    if (!val) return NULL;
    r->rendered++;
    mark_seen(r, used);
    return decorate(r, n, text_leaf(r, v, val));
  }
  if (n->macro) return decorate(r, n, render_suppressible(r, n->macro, NULL));
  if ((v = cs_attr(n, "term"))) {
    const char *t =
        cs_term_lookup(r->st, v, cs_attr_or(n, "form", "long"), cs_attr_true(n, "plural"), NULL);
    if (!t || !*t) return NULL;
    co_node *out = RICH(t);
    out->term = true;
    return decorate(r, n, out);
  }
  if ((v = cs_attr(n, "value"))) return decorate(r, n, RICH(v));
  return NULL;
}

static co_node *render_number(rctx *r, const cs_node *n) {
  const char *var = cs_attr(n, "variable");
  if (!var) return NULL;
  r->called++;
  const char *val = var_str(r, var);
  if (!val) return NULL;
  r->rendered++;
  mark_seen(r, var);
  const char *form = cs_attr_or(n, "form", "numeric");
  co_node *out;
  if (is_numeric(val)) {
    char *f = format_numeric(r, val, form, cs_term_gender(r->st, var));
    out = co_rich(f, true);
    free(f);
  } else {
    out = RICH(val);
  }
  return decorate(r, n, out);
}

/* True when a value names more than one (for contextual plurals). */
/* True for a token that counts as a number: digits (with letters around,
 * "2a", "L12") or a roman numeral ("ix"). */
static bool number_token(const char *s, size_t n) {
  while (n && *s == ' ') s++, n--;
  while (n && s[n - 1] == ' ') n--;
  if (!n) return false;
  bool digit = false, roman = true;
  for (size_t i = 0; i < n; i++) {
    if (isdigit((unsigned char)s[i])) digit = true;
    if (!strchr("ivxlcdmIVXLCDM", s[i])) roman = false;
  }
  return digit || roman;
}

/* True when a value names more than one (for contextual plurals): two
 * numbers joined by "-", "–", ",", "&", "and" or the locale's "and". */
static bool plural_value(const char *var, const char *val, const char *and_term) {
  if (!strcmp(var, "number-of-pages") || !strcmp(var, "number-of-volumes")) return atol(val) > 1;
  int nums = 0, seps = 0;
  const char *p = val, *tok = val;
  for (;;) {
    size_t sep = 0;
    if (*p == '-' || *p == ',' || *p == '&')
      sep = 1;
    else if (!strncmp(p, "\xE2\x80\x93", 3))
      sep = 3;
    else if (!strncmp(p, " and ", 5))
      sep = 5;
    else if (and_term && *and_term && *p == ' ' && !strncmp(p + 1, and_term, strlen(and_term)) &&
             p[1 + strlen(and_term)] == ' ')
      sep = strlen(and_term) + 2;
    if (*p == '\\' && p[1]) {
      p += 2;
      continue;
    }
    if (sep || !*p) {
      if (!number_token(tok, (size_t)(p - tok))) return false;
      nums++;
      if (!*p) break;
      seps++;
      p += sep;
      while (*p == ' ') p++;
      if (!strncmp(p, "and ", 4))
        p += 4;
      else if (and_term && *and_term && !strncmp(p, and_term, strlen(and_term)) &&
               p[strlen(and_term)] == ' ')
        p += strlen(and_term) + 1;
      tok = p;
      continue;
    }
    p++;
  }
  return nums >= 2 && seps >= 1;
}

static co_node *render_label(rctx *r, const cs_node *n) {
  const char *var = cs_attr(n, "variable");
  if (!var) return NULL;
  const char *val = var_str(r, var);
  if (!val) return NULL;
  const char *term = var;
  if (!strcmp(var, "locator")) term = r->c->label && *r->c->label ? r->c->label : "page";
  const char *pl = cs_attr_or(n, "plural", "contextual");
  bool plural = !strcmp(pl, "always") ||
                (!strcmp(pl, "contextual") &&
                 plural_value(var, val, cs_term_lookup(r->st, "and", "long", false, NULL)));
  const char *t = cs_term_lookup(r->st, term, cs_attr_or(n, "form", "long"), plural, NULL);
  if (!t || !*t) return NULL;
  return decorate(r, n, RICH(t));
}

/* --------------------------------------------------------------- dates */

typedef struct cdate {
  int y, m, d;    /* m 13..16: seasons */
  int y2, m2, d2; /* range end (y2 == 0 and m2 == 0: none) */
  bool range, circa;
  const char *literal;
} cdate;

static int part_int(json_t *v) {
  if (json_is_integer(v)) return (int)json_integer_value(v);
  if (json_is_string(v)) return atoi(json_string_value(v));
  if (json_is_real(v)) return (int)json_real_value(v);
  return 0;
}

static bool parse_raw(const char *s, cdate *d) {
  int y = 0, m = 0, dd = 0, y2 = 0, m2 = 0, d2 = 0;
  int n = sscanf(s, "%d-%d-%d", &y, &m, &dd);
  if (n < 1) return false;
  d->y = y;
  d->m = n >= 2 ? m : 0;
  d->d = n >= 3 ? dd : 0;
  const char *slash = strchr(s, '/');
  if (slash) {
    int k = sscanf(slash + 1, "%d-%d-%d", &y2, &m2, &d2);
    if (k >= 1) {
      d->range = true;
      d->y2 = y2;
      d->m2 = k >= 2 ? m2 : 0;
      d->d2 = k >= 3 ? d2 : 0;
    }
  }
  return true;
}

static bool get_date(rctx *r, const char *var, cdate *d) {
  memset(d, 0, sizeof *d);
  if (suppressed(r, var)) return false;
  json_t *v = json_object_get(r->item, var);
  if (!json_is_object(v)) {
    if (json_is_string(v)) return parse_raw(json_string_value(v), d);
    return false;
  }
  json_t *c = json_object_get(v, "circa");
  d->circa = c && (json_is_true(c) || (json_is_string(c) && *json_string_value(c)) ||
                   (json_is_integer(c) && json_integer_value(c)));
  json_t *parts = json_object_get(v, "date-parts");
  json_t *first = json_array_get(parts, 0);
  if (json_is_array(first) && json_array_size(first) >= 1 && part_int(json_array_get(first, 0))) {
    d->y = part_int(json_array_get(first, 0));
    d->m = part_int(json_array_get(first, 1));
    d->d = part_int(json_array_get(first, 2));
    json_t *second = json_array_get(parts, 1);
    if (json_is_array(second) && json_array_size(second) >= 1 &&
        part_int(json_array_get(second, 0))) {
      d->range = true;
      d->y2 = part_int(json_array_get(second, 0));
      d->m2 = part_int(json_array_get(second, 1));
      d->d2 = part_int(json_array_get(second, 2));
    }
  } else if (json_is_string(json_object_get(v, "raw"))) {
    if (!parse_raw(json_string_value(json_object_get(v, "raw")), d)) {
      d->literal = json_string_value(json_object_get(v, "raw"));
      return true;
    }
  } else if (json_is_string(json_object_get(v, "literal"))) {
    d->literal = json_string_value(json_object_get(v, "literal"));
    return *d->literal;
  } else {
    return false;
  }
  /* months 13-24: seasons (13-16, 17-20 and 21-24 are spring to winter) */
  if (d->m >= 13 && d->m <= 24) d->m = 13 + (d->m - 13) % 4;
  if (d->m2 >= 13 && d->m2 <= 24) d->m2 = 13 + (d->m2 - 13) % 4;
  json_t *season = json_object_get(v, "season");
  if (season && !d->m) {
    int s = part_int(season);
    if (s >= 1 && s <= 4) d->m = 12 + s;
  }
  if (d->m < 0 || d->m > 16) d->m = 0;
  if (d->d < 0 || d->d > 31) d->d = 0;
  if (d->m2 < 0 || d->m2 > 16) d->m2 = 0;
  if (d->d2 < 0 || d->d2 > 31) d->d2 = 0;
  if (d->range && d->y == d->y2 && d->m == d->m2 && d->d == d->d2) d->range = false;
  return true;
}

/* One date part: base (the locale's or the style's) with an override. */
typedef struct dpart {
  const cs_node *base, *over;
} dpart;

static const char *dp_attr(const dpart *p, const char *a) {
  const char *v =
      p->over && strcmp(a, "prefix") && strcmp(a, "suffix") ? cs_attr(p->over, a) : NULL;
  return v ? v : cs_attr(p->base, a);
}

static co_node *render_date_part(rctx *r, const dpart *p, int y, int m, int d, bool no_prefix,
                                 bool no_suffix) {
  const char *name = dp_attr(p, "name");
  const char *form = dp_attr(p, "form");
  bp_buf b = {0};
  if (!name) return NULL;
  if (!strcmp(name, "year")) {
    if (!y) return NULL;
    if (form && !strcmp(form, "short"))
      bp_buf_printf(&b, "%02d", (y < 0 ? -y : y) % 100);
    else
      bp_buf_printf(&b, "%d", y < 0 ? -y : y);
    if (y < 0)
      bp_buf_puts(&b, cs_term_lookup(r->st, "bc", "long", false, NULL) ?: "BC");
    else if (y < 1000)
      bp_buf_puts(&b, cs_term_lookup(r->st, "ad", "long", false, NULL) ?: "AD");
    if (r->ys_pending && !(no_suffix && !no_prefix && 0)) {
      char *l = cs_year_suffix_letters(r->c->year_suffix);
      bp_buf_puts(&b, l);
      free(l);
      r->ys_pending = false;
    }
  } else if (!strcmp(name, "month")) {
    if (!m) return NULL;
    if (m > 12) {
      char t[32];
      snprintf(t, sizeof t, "season-%02d", m - 12);
      const char *s = cs_term_lookup(r->st, t, "long", false, NULL);
      if (!s) return NULL;
      bp_buf_puts(&b, s);
    } else if (form && !strcmp(form, "numeric")) {
      bp_buf_printf(&b, "%d", m);
    } else if (form && !strcmp(form, "numeric-leading-zeros")) {
      bp_buf_printf(&b, "%02d", m);
    } else {
      char t[32];
      snprintf(t, sizeof t, "month-%02d", m);
      const char *s =
          cs_term_lookup(r->st, t, form && !strcmp(form, "short") ? "short" : "long", false, NULL);
      if (!s) return NULL;
      bp_buf_puts(&b, s);
    }
  } else if (!strcmp(name, "day")) {
    if (!d || m > 12) return NULL;
    if (form && !strcmp(form, "numeric-leading-zeros"))
      bp_buf_printf(&b, "%02d", d);
    else if (form && !strcmp(form, "ordinal") && (d == 1 || !cs_limit_day_ordinals(r->st))) {
      char mt[32];
      snprintf(mt, sizeof mt, "month-%02d", m ? m : 1);
      put_number(r, &b, d, "ordinal", cs_term_gender(r->st, mt));
    } else
      bp_buf_printf(&b, "%d", d);
  } else {
    return NULL;
  }
  co_node *t = co_rich(b.data ? b.data : "", true);
  bp_buf_free(&b);
  if (dp_attr(p, "strip-periods") && !strcmp(dp_attr(p, "strip-periods"), "true"))
    co_strip_periods(t);
  const char *tc = dp_attr(p, "text-case");
  if (tc) co_text_case(t, tc, r->lang);
  co_node *g = co_group();
  co_add(g, t);
  set_fmt(g, p->base);
  if (p->over) set_fmt(g, p->over);
  const char *pre = cs_attr(p->base, "prefix"), *suf = cs_attr(p->base, "suffix");
  if (pre && *pre && !no_prefix) g->prefix = bp_strdup(pre);
  if (suf && *suf && !no_suffix) g->suffix = bp_strdup(suf);
  return g;
}

static int unit_of(const char *name) {
  return !strcmp(name, "year") ? 3 : !strcmp(name, "month") ? 2 : 1;
}

static co_node *render_date(rctx *r, const cs_node *n) {
  const char *var = cs_attr(n, "variable");
  if (!var) return NULL;
  r->called++;
  cdate d;
  if (!get_date(r, var, &d)) return NULL;
  mark_seen(r, var);
  if (d.literal) {
    r->rendered++;
    return decorate(r, n, RICH(d.literal));
  }
  if (r->mode == MODE_SORT) {
    /* only the parts the date shows: a year-month date sorts by those */
    bool shown[3] = {true, true, true}; /* year, month, day */
    const char *want = cs_attr(n, "date-parts");
    if (cs_attr(n, "form")) {
      shown[2] = !want || !strcmp(want, "year-month-day");
      shown[1] = !want || strcmp(want, "year");
    } else {
      shown[0] = shown[1] = shown[2] = false;
      for (size_t i = 0; i < n->n_kids; i++)
        if (n->kids[i]->kind == CS_DATE_PART)
          shown[3 - unit_of(cs_attr_or(n->kids[i], "name", ""))] = true;
    }
    char b[64];
    snprintf(b, sizeof b, "%05d%02d%02d", shown[0] ? d.y + 10000 : 0, shown[1] ? d.m : 0,
             shown[2] ? d.d : 0);
    r->rendered++;
    return co_text(b);
  }
  dpart parts[3];
  size_t np = 0;
  const char *form = cs_attr(n, "form");
  const char *delim = cs_attr(n, "delimiter");
  if (form) {
    const cs_node *base = cs_locale_date(r->st, form);
    if (!base) return NULL;
    const char *want = cs_attr_or(n, "date-parts", "year-month-day");
    for (size_t i = 0; i < base->n_kids && np < 3; i++) {
      const cs_node *bp = base->kids[i];
      if (bp->kind != CS_DATE_PART) continue;
      const char *nm = cs_attr_or(bp, "name", "");
      if (!strcmp(want, "year") && strcmp(nm, "year")) continue;
      if (!strcmp(want, "year-month") && !strcmp(nm, "day")) continue;
      dpart p = {bp, NULL};
      for (size_t j = 0; j < n->n_kids; j++)
        if (n->kids[j]->kind == CS_DATE_PART && !strcmp(cs_attr_or(n->kids[j], "name", ""), nm))
          p.over = n->kids[j];
      parts[np++] = p;
    }
    delim = cs_attr(base, "delimiter");
  } else {
    for (size_t i = 0; i < n->n_kids && np < 3; i++)
      if (n->kids[i]->kind == CS_DATE_PART) parts[np++] = (dpart){n->kids[i], NULL};
  }
  co_node *out = co_group();
  if (!d.range) {
    co_node *ps[3] = {0};
    for (size_t i = 0; i < np; i++) ps[i] = render_date_part(r, &parts[i], d.y, d.m, d.d, 0, 0);
    co_free(out);
    out = join(ps, np, delim);
  } else {
    int big = d.y != d.y2 ? 3 : d.m != d.m2 ? 2 : 1;
    const char *rdelim = "\xE2\x80\x93";
    for (size_t i = 0; i < np; i++)
      if (unit_of(cs_attr_or(parts[i].base, "name", "")) == big)
        rdelim = dp_attr(&parts[i], "range-delimiter") ?: rdelim;
    /* the run of parts at or below the largest differing unit is doubled */
    size_t lo = np, hi = 0;
    for (size_t i = 0; i < np; i++) {
      int u = unit_of(cs_attr_or(parts[i].base, "name", ""));
      if ((u == 1 && !d.d && !d.d2) || (u == 2 && !d.m && !d.m2)) continue; /* not shown */
      if (u <= big) {
        if (lo == np) lo = i;
        hi = i;
      }
    }
    co_node *ps[8] = {0};
    size_t k = 0;
    for (size_t i = 0; i < lo && i < np; i++)
      ps[k++] = render_date_part(r, &parts[i], d.y, d.m, d.d, 0, 0);
    co_node *a = co_group(), *z = co_group();
    for (size_t i = lo; i <= hi && i < np; i++) {
      if (i > lo && delim) co_add(a, co_affix(delim));
      co_add(a, render_date_part(r, &parts[i], d.y, d.m, d.d, 0, i == hi));
    }
    for (size_t i = lo; i <= hi && i < np; i++) {
      if (i > lo && delim) co_add(z, co_affix(delim));
      co_add(z, render_date_part(r, &parts[i], d.y2, d.m2, d.d2, i == lo, 0));
    }
    co_node *mid = co_group();
    co_add(mid, a);
    co_add(mid, co_affix(rdelim));
    co_add(mid, z);
    ps[k++] = mid;
    for (size_t i = hi + 1; i < np; i++)
      ps[k++] = render_date_part(r, &parts[i], d.y, d.m, d.d, 0, 0);
    co_free(out);
    out = join(ps, k, delim);
  }
  if (out && !co_empty(out)) r->rendered++; /* a date without the parts shown is empty */
  return decorate(r, n, out);
}

/* --------------------------------------------------------------- names */

/* An inheritable name option: the element's own, then the citation's or
 * bibliography's, then the style's (with the inherited names). */
static const char *name_opt(rctx *r, const cs_node *name, const char *a) {
  const char *v = name ? cs_attr(name, a) : NULL;
  if (v) return v;
  const char *inh = !strcmp(a, "delimiter") ? "name-delimiter"
                    : !strcmp(a, "form")    ? "name-form"
                                            : a;
  if ((v = cs_attr(r->area, inh))) return v;
  return cs_attr(r->st->root, inh);
}

static bool cjk(const char *s) {
  if (!s) return false;
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    int len;
    int32_t c = bp_utf8_decode(s + i, n - i, &len);
    if (c >= 0x1100 && (bp_is_hangul((uint32_t)c) || (c >= 0x2E80 && c <= 0x9FFF) ||
                        (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x3040 && c <= 0x30FF)))
      return true;
    i += (size_t)len;
  }
  return false;
}

static const char *jstr(json_t *o, const char *k) {
  json_t *v = json_object_get(o, k);
  return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

struct pname {
  const char *family, *given, *literal, *suffix;
  char *ndp, *dp;   /* particles (owned) */
  char *fam, *giv;  /* family/given without particles parsed off (owned) */
  char *own_suffix; /* a suffix parsed off the given name */
  bool comma_suffix, static_order;
};

static bool lower_word(const char *s, size_t n) { return n > 0 && islower((unsigned char)s[0]); }

/* Splits particles: "van Gogh" (non-dropping), given "Vincent van"
 * (dropping), unless the item gives them or says parse-names false. */
static void parse_name(json_t *o, pname *p) {
  memset(p, 0, sizeof *p);
  p->literal = jstr(o, "literal");
  p->family = jstr(o, "family");
  p->given = jstr(o, "given");
  p->suffix = jstr(o, "suffix");
  json_t *cs = json_object_get(o, "comma-suffix");
  p->comma_suffix = json_is_true(cs) || (json_is_string(cs) && *json_string_value(cs)) ||
                    (json_is_integer(cs) && json_integer_value(cs));
  json_t *so = json_object_get(o, "static-ordering");
  p->static_order = json_is_true(so) || (json_is_integer(so) && json_integer_value(so));
  const char *ndp = jstr(o, "non-dropping-particle"), *dp = jstr(o, "dropping-particle");
  json_t *pn = json_object_get(o, "parse-names");
  bool parse =
      !(json_is_false(pn) || (json_is_string(pn) && !strcmp(json_string_value(pn), "false")));
  p->ndp = ndp ? bp_strdup(ndp) : NULL;
  p->dp = dp ? bp_strdup(dp) : NULL;
  p->fam = p->family ? bp_strdup(p->family) : NULL;
  p->giv = p->given ? bp_strdup(p->given) : NULL;
  size_t fl = p->fam ? strlen(p->fam) : 0;
  if (fl > 2 && p->fam[0] == '"' && p->fam[fl - 1] == '"') { /* "\"Van Dyke\"": as written */
    memmove(p->fam, p->fam + 1, fl - 2);
    p->fam[fl - 2] = '\0';
    parse = false;
  }
  if (parse && !ndp && p->fam) {
    /* leading lower-case words: "van der Berg", "d'Alembert" */
    const char *s = p->fam;
    size_t cut = 0, i = 0;
    while (s[i]) {
      size_t w = i;
      while (s[i] && s[i] != ' ' && s[i] != '\'' && s[i] != '-' &&
             strncmp(s + i, "\xE2\x80\x99", 3))
        i++;
      if (!lower_word(s + w, i - w)) break;
      if (s[i] == ' ') {
        i++;
        cut = i;
      } else if (s[i] == '\'' || s[i] == '-' || !strncmp(s + i, "\xE2\x80\x99", 3)) {
        i += s[i] == '\'' || s[i] == '-' ? 1 : 3;
        cut = i;
        break;
      } else {
        break;
      }
    }
    if (cut && s[cut]) {
      char *n = bp_strndup(s, cut);
      size_t l = strlen(n);
      while (l && n[l - 1] == ' ') n[--l] = '\0';
      p->ndp = n;
      char *f = bp_strdup(s + cut);
      free(p->fam);
      p->fam = f;
    }
  }
  char *comma = p->giv && !p->suffix && parse ? strchr(p->giv, ',') : NULL;
  if (comma && comma > p->giv && (comma[1] == ' ' || (comma[1] == '!' && comma[2] == ' '))) {
    /* "John, III"; "John,! Jr." prints a comma before the suffix */
    bool bang = comma[1] == '!';
    p->own_suffix = bp_strdup(comma + (bang ? 3 : 2));
    p->comma_suffix = p->comma_suffix || bang;
    *comma = '\0';
    p->suffix = p->own_suffix;
  }
  if (parse && !dp && p->giv) {
    /* trailing lower-case words of the given name: "Jean de" */
    char *g = p->giv;
    size_t l = strlen(g);
    size_t k = l;
    for (;;) {
      size_t e = k;
      while (e > 0 && g[e - 1] == ' ') e--;
      size_t b = e;
      while (b > 0 && g[b - 1] != ' ') b--;
      if (b == 0 || !lower_word(g + b, e - b)) break;
      k = b;
    }
    if (k < l && k > 0) {
      p->dp = bp_strdup(g + k);
      g[k] = '\0';
      while (k && g[k - 1] == ' ') g[--k] = '\0';
    }
  }
}

static void pname_free(pname *p) {
  free(p->own_suffix);
  free(p->ndp);
  free(p->dp);
  free(p->fam);
  free(p->giv);
}

/* The citation-label an item without one gets (CSL's default trigraph
 * "Aaaa00:AaAa00:AaAA00:AAAA00"): letters of the authors' (else the
 * editors') family names, four from one, two each from two, two, one and
 * one from three, one each from the first four; then the year's last two
 * digits. NULL without names. */
static char *trigraph(json_t *item) {
  json_t *names = json_object_get(item, "author");
  if (!json_array_size(names)) names = json_object_get(item, "editor");
  size_t n = json_array_size(names);
  if (!n) return NULL;
  static const int take[4][4] = {{4}, {2, 2}, {2, 1, 1}, {1, 1, 1, 1}};
  const int *t = take[n > 4 ? 3 : n - 1];
  bp_buf b = {0};
  for (size_t i = 0; i < 4 && i < n && t[i]; i++) {
    pname p;
    parse_name(json_array_get(names, i), &p);
    const char *f = p.fam ? p.fam : p.literal ? p.literal : "";
    size_t k = 0;
    for (int c = 0; c < t[i] && f[k]; c++) {
      int len;
      if (bp_utf8_decode(f + k, strlen(f + k), &len) < 0) len = 1;
      k += (size_t)len;
    }
    bp_buf_put(&b, f, k);
    pname_free(&p);
  }
  json_t *y = json_array_get(
      json_array_get(json_object_get(json_object_get(item, "issued"), "date-parts"), 0), 0);
  int year = json_is_integer(y)  ? (int)json_integer_value(y)
             : json_is_string(y) ? atoi(json_string_value(y))
                                 : -1;
  if (year >= 0) bp_buf_printf(&b, "%02d", year % 100);
  return b.data ? bp_buf_detach(&b) : NULL;
}

/* Initials of a given name: "John Frederick" -> "J. F." (with ". "),
 * "Jean-Pierre" -> "J.-P."; with initialize="false" only existing
 * initials are normalised and whole names stay. */
static char *initials(rctx *r, const char *given, const char *with, bool initialize) {
  bp_buf b = {0};
  const char *p = given;
  size_t wlen = strlen(with);
  bool with_space = wlen && with[wlen - 1] == ' ';
  int sep = 0; /* before the next word: 0 none, 1 space, 2 hyphen */
  while (*p) {
    if (*p == ' ' || *p == '.') {
      if (sep != 2) sep = 1;
      p++;
      continue;
    }
    if (*p == '-') {
      sep = 2;
      p++;
      continue;
    }
    const char *w = p;
    while (*p && *p != ' ' && *p != '.' && *p != '-') p++;
    size_t wl = (size_t)(p - w);
    int len;
    int32_t c = bp_utf8_decode(w, wl, &len);
    if (c < 0) len = 1;
    bool abbrev = *p == '.' && (size_t)len < wl; /* "Ph." stays whole, as an initial */
    bool is_initial = (size_t)len == wl || abbrev;
    /* a lower-case word ("de") stays whole; after a hyphen ("Jong-il") it
     * is initialised ("J.-I.", as Korean names want; citeproc-js drops it) */
    bool whole = (!initialize && !is_initial) ||
                 (islower((unsigned char)w[0]) && wl > 1 && !abbrev && sep != 2);
    if (b.len) {
      /* separate from what came before */
      while (b.len && b.data[b.len - 1] == ' ' && sep == 2) b.data[--b.len] = '\0';
      if (sep == 2 && r->st->initialize_with_hyphen)
        bp_buf_putc(&b, '-');
      else if (whole && b.data[b.len - 1] != ' ')
        bp_buf_putc(&b, ' ');
      else if (!with_space && sep && !whole && b.data[b.len - 1] != ' ' && 0)
        bp_buf_putc(&b, ' ');
    }
    if (whole) {
      bp_buf_put(&b, w, wl);
      bp_buf_putc(&b, ' ');
    } else if (initialize && wl >= 3 && isupper((unsigned char)w[0]) &&
               isupper((unsigned char)w[1]) && islower((unsigned char)w[2])) {
      bp_buf_putc(&b, w[0]); /* "TSerendorjiin" -> "Ts." */
      bp_buf_putc(&b, (char)tolower((unsigned char)w[1]));
      bp_buf_puts(&b, with);
    } else if (abbrev) {
      bp_buf_put(&b, w, wl);
      bp_buf_puts(&b, with);
    } else {
      char e[4];
      uint32_t u = c >= 0 ? (uint32_t)c : (uint32_t)(unsigned char)w[0];
      if (u < 0x80) u = (uint32_t)toupper((int)u);
      bp_buf_put(&b, e, (size_t)bp_utf8_encode(u, e));
      bp_buf_puts(&b, with);
    }
    sep = 0;
  }
  while (b.len && b.data[b.len - 1] == ' ') b.data[--b.len] = '\0';
  return b.data ? bp_buf_detach(&b) : bp_strdup("");
}

static const cs_node *name_part(const cs_node *name, const char *which) {
  for (size_t i = 0; name && i < name->n_kids; i++)
    if (name->kids[i]->kind == CS_NAME_PART &&
        !strcmp(cs_attr_or(name->kids[i], "name", ""), which))
      return name->kids[i];
  return NULL;
}

static co_node *part_node_wrap(rctx *r, const cs_node *np, co_node *t) {
  if (!t || !np || r->mode == MODE_SORT) return t;
  const char *tc = cs_attr(np, "text-case");
  if (tc) co_text_case(t, tc, NULL);
  return cs_wrap(np, t);
}

static co_node *part_node(rctx *r, const cs_node *np, const char *text) {
  if (!text || !*text) return NULL;
  return part_node_wrap(r, np, RICH(text));
}

static bool glue_particle(const char *part) {
  size_t l = part ? strlen(part) : 0;
  return l && (part[l - 1] == '\'' || part[l - 1] == '-' ||
               (l >= 3 && !strcmp(part + l - 3, "\xE2\x80\x99")));
}

/* Appends words to g separated by single spaces (no space after a particle
 * that ends in an apostrophe or hyphen). */
static void add_word(co_node *g, co_node *w, bool *need_space, bool glue) {
  if (!w) return;
  if (*need_space) co_add(g, co_affix(" "));
  co_add(g, w);
  *need_space = !glue;
}

/* One name. inverted: family first (name-as-sort-order). givenlevel: -1
 * as the style says, 1 initials, 2 full given name. */
static co_node *render_one_name(rctx *r, const cs_node *name, json_t *o, bool inverted,
                                int givenlevel, bool *was_inverted) {
  *was_inverted = false;
  if (r->subst_each) return co_text(r->subst);
  pname p;
  parse_name(o, &p);
  const cs_node *np_given = name_part(name, "given"), *np_family = name_part(name, "family");
  co_node *out = NULL;
  const char *form = name_opt(r, name, "form");
  bool short_form = form && !strcmp(form, "short");
  if (givenlevel >= 1 && short_form) short_form = false;
  if (p.literal || (!p.fam && !p.giv)) {
    out = p.literal ? RICH(p.literal) : NULL;
    pname_free(&p);
    return out;
  }
  if (!p.fam) { /* given only */
    out = part_node(r, np_given, p.giv);
    pname_free(&p);
    return out;
  }
  /* the given name as shown: initialised or whole */
  char *giv = NULL;
  const char *iw = name_opt(r, name, "initialize-with");
  bool init = strcmp(name_opt(r, name, "initialize") ?: "true", "false") != 0;
  if (p.giv) {
    /* a name variable's sort key has whole given names, a macro's names
     * are initialised as the macro shows them */
    if (iw && givenlevel != 2 && !cjk(p.giv) && (r->mode != MODE_SORT || name))
      giv = initials(r, p.giv, iw, init);
    else
      giv = bp_strdup(p.giv);
  }
  co_node *g = co_group();
  if (cjk(p.fam) || cjk(p.giv)) {
    /* native order without a space or comma: 엄지인, 毛泽东 */
    bool cjk_fam = cjk(p.fam);
    if (short_form) {
      co_add(g, part_node(r, np_family, p.fam));
    } else if (cjk_fam) {
      co_add(g, part_node(r, np_family, p.fam));
      co_add(g, part_node(r, np_given, giv));
    } else {
      bool sp = false;
      add_word(g, part_node(r, np_family, p.fam), &sp, false);
      add_word(g, part_node(r, np_given, giv), &sp, false);
    }
    free(giv);
    pname_free(&p);
    return g;
  }
  const char *sortsep = name_opt(r, name, "sort-separator");
  if (!sortsep) sortsep = ", ";
  if (short_form) {
    bool sp = false;
    co_node *fam = co_group();
    if (p.ndp) add_word(fam, RICH(p.ndp), &sp, glue_particle(p.ndp));
    add_word(fam, RICH(p.fam), &sp, false);
    co_add(g, part_node_wrap(r, np_family, fam));
  } else if (inverted && !p.static_order) {
    *was_inverted = true;
    bool demote = !r->st->demote_ndp_sort_only && !r->st->demote_ndp_never;
    if (r->mode == MODE_SORT) demote = !r->st->demote_ndp_never;
    bool sp = false;
    co_node *fam = co_group();
    if (p.ndp && !demote) add_word(fam, RICH(p.ndp), &sp, glue_particle(p.ndp));
    add_word(fam, RICH(p.fam), &sp, false);
    co_add(g, part_node_wrap(r, np_family, fam));
    co_node *gv = co_group();
    sp = false;
    if (giv && *giv) add_word(gv, RICH(giv), &sp, false);
    if (p.dp) add_word(gv, RICH(p.dp), &sp, glue_particle(p.dp));
    if (p.ndp && demote) add_word(gv, RICH(p.ndp), &sp, false);
    if (gv->n_kids) {
      co_add(g, co_affix(sortsep));
      co_add(g, part_node_wrap(r, np_given, gv));
    } else {
      co_free(gv);
    }
    if (p.suffix) {
      co_add(g, co_affix(sortsep));
      co_add(g, RICH(p.suffix));
    }
  } else {
    /* display order: the given part is the given name; the family part
     * holds the particles, the family name and the suffix */
    if (giv && *giv) co_add(g, part_node_wrap(r, np_given, RICH(giv)));
    /* the family part's formatting covers the non-dropping particle and
     * the family name; its affixes also the dropping particle and suffix */
    co_node *core = co_group();
    bool sp = false;
    if (p.ndp) add_word(core, RICH(p.ndp), &sp, glue_particle(p.ndp));
    add_word(core, RICH(p.fam), &sp, false);
    if (np_family && r->mode != MODE_SORT) {
      const char *tc = cs_attr(np_family, "text-case");
      if (tc) co_text_case(core, tc, NULL);
      set_fmt(core, np_family);
    }
    co_node *fam = co_group();
    sp = false;
    if (p.dp) add_word(fam, RICH(p.dp), &sp, glue_particle(p.dp));
    add_word(fam, core, &sp, false);
    if (p.suffix) {
      co_add(fam, co_affix(p.comma_suffix ? ", " : " "));
      co_add(fam, RICH(p.suffix));
    }
    if (np_family && r->mode != MODE_SORT) {
      const char *pre = cs_attr(np_family, "prefix"), *suf = cs_attr(np_family, "suffix");
      if (pre && *pre) fam->prefix = bp_strdup(pre);
      if (suf && *suf) fam->suffix = bp_strdup(suf);
    }
    /* no space after a given part whose suffix ends in one (&#160;) */
    const char *gsuf = np_given ? cs_attr(np_given, "suffix") : NULL;
    size_t gl = gsuf ? strlen(gsuf) : 0;
    bool spaced = gl && (gsuf[gl - 1] == ' ' || (gl >= 2 && !strcmp(gsuf + gl - 2, "\xC2\xA0")));
    if (giv && *giv && !spaced) co_add(g, co_affix(" "));
    co_add(g, fam);
  }
  free(giv);
  pname_free(&p);
  return g;
}

static int opt_int(rctx *r, const cs_node *name, const char *a, int dflt) {
  const char *v = name_opt(r, name, a);
  return v && *v ? atoi(v) : dflt;
}

/* The given-name level disambiguation chose for a name (-1: as the style
 * says); citations only. */
static int given_level(const rctx *r, const json_t *name) {
  if (r->mode != MODE_CITATION) return -1;
  for (size_t i = 0; i < r->c->n_gn; i++)
    if (r->c->gn[i].name == name) return r->c->gn[i].level > 0 ? r->c->gn[i].level : -1;
  return -1;
}

/* The list of one name variable; *count gets the names shown. */
static co_node *render_name_list(rctx *r, const cs_node *name, const cs_node *etal, json_t *arr,
                                 size_t *count) {
  size_t n = json_array_size(arr);
  int min = opt_int(r, name, "et-al-min", 0), first = opt_int(r, name, "et-al-use-first", 0);
  if (r->mode == MODE_CITATION && r->c->position != POS_FIRST) {
    min = opt_int(r, name, "et-al-subsequent-min", min);
    first = opt_int(r, name, "et-al-subsequent-use-first", first);
  }
  bool use_last =
      cs_attr_true(name, "et-al-use-last") ||
      (!cs_attr(name, "et-al-use-last") &&
       (cs_attr_true(r->area, "et-al-use-last") || cs_attr_true(r->st->root, "et-al-use-last")));
  if (r->sort_names) {
    if (r->sort_min >= 0) min = r->sort_min;
    if (r->sort_first >= 0) first = r->sort_first;
    if (r->sort_last >= 0) use_last = r->sort_last;
  }
  size_t shown = n;
  bool truncated = false;
  if (min > 0 && first > 0 && n >= (size_t)min) {
    shown = (size_t)first +
            (size_t)(r->c->add_names > 0 && r->mode == MODE_CITATION ? r->c->add_names : 0);
    if (shown < n)
      truncated = true;
    else
      shown = n;
  }
  if (count) *count = shown;
  const char *nas = name_opt(r, name, "name-as-sort-order");
  const char *delim = name_opt(r, name, "delimiter");
  if (!delim) delim = ", ";
  const char *and_ = name_opt(r, name, "and");
  const char *dpl = name_opt(r, name, "delimiter-precedes-last");
  if (!dpl) dpl = "contextual";
  const char *dpe = name_opt(r, name, "delimiter-precedes-et-al");
  if (!dpe) dpe = "contextual";
  co_node *g = co_group();
  bool prev_inverted = false;
  size_t last_i = truncated && use_last ? n - 1 : shown - 1;
  for (size_t i = 0; i < shown; i++) {
    bool inv = r->sort_names || (nas && (!strcmp(nas, "all") || (!strcmp(nas, "first") && i == 0)));
    int level = given_level(r, json_array_get(arr, i));
    bool was_inv = false;
    co_node *one = render_one_name(r, name, json_array_get(arr, i), inv, level, &was_inv);
    if (i > 0) {
      bool last = i == shown - 1 && !truncated;
      if (last && and_ && r->mode != MODE_SORT) {
        const char *andt =
            !strcmp(and_, "symbol") ? "&" : cs_term_lookup(r->st, "and", "long", false, NULL);
        if (!andt) andt = "and";
        bool d = !strcmp(dpl, "always") || (!strcmp(dpl, "contextual") && shown >= 3) ||
                 (!strcmp(dpl, "after-inverted-name") && prev_inverted);
        bp_buf b = {0};
        bp_buf_printf(&b, "%s%s ", d ? delim : " ", andt);
        co_add(g, co_affix(b.data));
        bp_buf_free(&b);
      } else if (last && r->mode != MODE_SORT && !strcmp(dpl, "never") && !and_) {
        co_add(g, co_affix(delim));
      } else {
        co_add(g, co_affix(delim));
      }
    }
    co_add(g, one);
    prev_inverted = was_inv;
  }
  if (truncated && r->mode != MODE_SORT) {
    if (use_last && shown + 1 < n) {
      co_add(g, co_affix(delim));
      co_add(g, co_affix("\xE2\x80\xA6 ")); /* … */
      bool wi;
      co_add(g, render_one_name(r, name, json_array_get(arr, n - 1), nas && !strcmp(nas, "all"), -1,
                                &wi));
    } else if (!use_last || shown + 1 >= n) {
      const char *term = etal ? cs_attr_or(etal, "term", "et-al") : "et-al";
      const char *t = cs_term_lookup(r->st, term, "long", false, NULL);
      if (t && *t) {
        bool d = !strcmp(dpe, "always") || (!strcmp(dpe, "contextual") && shown >= 2) ||
                 (!strcmp(dpe, "after-inverted-name") && prev_inverted);
        co_add(g, co_affix(d ? delim : " "));
        co_node *et = RICH(t);
        if (etal) et = cs_wrap(etal, et);
        co_add(g, et);
      }
    }
  }
  (void)last_i;
  return g;
}

static bool names_equal(json_t *a, json_t *b) { return json_equal(a, b); }

/* The names element's pieces: itself, or the parent's when a substitute's
 * <names> has no children of its own. */
typedef struct names_parts {
  const cs_node *name, *etal, *label;
  bool label_before;
} names_parts;

static void names_parts_of(const cs_node *n, names_parts *np) {
  memset(np, 0, sizeof *np);
  long ni = -1, li = -1;
  for (size_t i = 0; i < n->n_kids; i++) {
    const cs_node *k = n->kids[i];
    if (k->kind == CS_NAME) np->name = k, ni = (long)i;
    if (k->kind == CS_ET_AL) np->etal = k;
    if (k->kind == CS_LABEL) np->label = k, li = (long)i;
  }
  np->label_before = li >= 0 && ni >= 0 && li < ni;
}

static co_node *render_names_with(rctx *r, const cs_node *n, const names_parts *np) {
  const char *vars = cs_attr(n, "variable");
  if (!vars) return NULL;
  char *copy = bp_strdup(vars);
  const char *list[16];
  size_t nv = 0;
  char *save = NULL; /* strtok_r: batch renders in threads, strtok's state is shared */
  for (char *tok = strtok_r(copy, " ", &save); tok && nv < 16; tok = strtok_r(NULL, " ", &save))
    list[nv++] = tok;
  co_node *parts[16] = {0};
  size_t total = 0;
  bool count_form =
      np->name && cs_attr(np->name, "form") && !strcmp(cs_attr(np->name, "form"), "count");
  json_t *ed = json_object_get(r->item, "editor"), *tr = json_object_get(r->item, "translator");
  bool edtr = false;
  for (size_t i = 0; i < nv; i++) {
    if (!strcmp(list[i], "editor"))
      for (size_t j = 0; j < nv; j++) edtr |= !strcmp(list[j], "translator");
  }
  /* editor and translator the same people: one list, "editortranslator"
   * (unless the locale leaves that term empty) */
  const char *edtr_term = np->label
                              ? cs_term_lookup(r->st, "editortranslator",
                                               cs_attr_or(np->label, "form", "long"), false, NULL)
                              : "";
  edtr = edtr && json_array_size(ed) && names_equal(ed, tr) && !suppressed(r, "editor") &&
         !suppressed(r, "translator") && edtr_term && *edtr_term;
  bool subst_done = false;
  for (size_t i = 0; i < nv; i++) {
    const char *var = list[i];
    r->called++;
    if (suppressed(r, var)) continue;
    if (edtr && !strcmp(var, "translator")) continue;
    json_t *arr = json_object_get(r->item, var);
    if (!json_is_array(arr) || !json_array_size(arr)) continue;
    r->rendered++;
    mark_seen(r, var);
    size_t cnt = 0;
    co_node *list_out;
    if (r->suppress_names && r->subst) {
      /* subsequent-author-substitute: the names give way, a label stays */
      if (subst_done) continue;
      r->subst_each = r->c->author_subst_each;
      list_out =
          r->subst_each ? render_name_list(r, np->name, np->etal, arr, &cnt) : co_text(r->subst);
      r->subst_each = false;
      subst_done = true;
    } else {
      list_out = render_name_list(r, np->name, np->etal, arr, &cnt);
    }
    total += cnt;
    if (count_form) {
      co_free(list_out);
      continue;
    }
    if (np->name && r->mode != MODE_SORT) list_out = cs_wrap(np->name, list_out);
    if (np->label && r->mode != MODE_SORT && !r->c->names_only) {
      const char *term = edtr && !strcmp(var, "editor") ? "editortranslator" : var;
      const char *pl = cs_attr_or(np->label, "plural", "contextual");
      bool plural =
          !strcmp(pl, "always") || (!strcmp(pl, "contextual") && json_array_size(arr) > 1);
      const char *t =
          cs_term_lookup(r->st, term, cs_attr_or(np->label, "form", "long"), plural, NULL);
      if (t && *t) {
        co_node *lab = decorate(r, np->label, RICH(t));
        co_node *w = co_group();
        if (np->label_before) {
          co_add(w, lab);
          co_add(w, list_out);
        } else {
          co_add(w, list_out);
          co_add(w, lab);
        }
        list_out = w;
      }
    }
    parts[i] = list_out;
  }
  free(copy);
  if (subst_done) r->suppress_names = false;
  if (count_form) {
    if (!total) return NULL;
    char b[24];
    snprintf(b, sizeof b, "%zu", total);
    return co_text(b);
  }
  const char *delim = cs_attr(n, "delimiter");
  if (!delim) delim = cs_attr(r->area, "names-delimiter");
  if (!delim) delim = cs_attr(r->st->root, "names-delimiter");
  return join(parts, nv, delim);
}

static co_node *render_names(rctx *r, const cs_node *n) {
  names_parts np;
  names_parts_of(n, &np);
  co_node *out = render_names_with(r, n, &np);
  if (out && r->suppress_names) {
    r->suppress_names = false;
    co_free(out);
    if (!r->subst) return NULL;
    return decorate(r, n, co_text(r->subst));
  }
  if (!out) {
    const cs_node *sub = cs_child(n, CS_SUBSTITUTE);
    for (size_t i = 0; sub && i < sub->n_kids && !out; i++) {
      const cs_node *k = sub->kids[i];
      size_t mark = r->n_seen;
      int called = r->called, rendered = r->rendered;
      if (k->kind == CS_NAMES) {
        names_parts kp;
        names_parts_of(k, &kp);
        if (!kp.name) kp.name = np.name;
        if (!kp.etal) kp.etal = np.etal;
        if (!kp.label && !k->n_kids) {
          kp.label = np.label;
          kp.label_before = np.label_before;
        }
        out = render_names_with(r, k, &kp);
        out = decorate(r, k, out);
      } else {
        out = render(r, k);
      }
      if (out) {
        for (size_t j = mark; j < r->n_seen; j++)
          BP_PUSH(r->supp, r->n_supp, r->cap_supp, r->seen[j]);
      } else {
        r->called = called;
        r->rendered = rendered;
      }
    }
    if (!out) return NULL;
    if (r->suppress_names) {
      r->suppress_names = false;
      co_free(out);
      if (!r->subst) return NULL;
      return decorate(r, n, co_text(r->subst));
    }
  }
  return decorate(r, n, out);
}

/* ----------------------------------------------------------- conditions */

static bool var_present(rctx *r, const char *var) {
  if (suppressed(r, var)) return false;
  json_t *v = json_object_get(r->item, var);
  if (json_is_array(v)) return json_array_size(v) > 0;
  if (json_is_object(v)) {
    cdate d;
    return get_date(r, var, &d);
  }
  return var_str(r, var) != NULL;
}

static bool var_numeric(rctx *r, const char *var) {
  const char *v = var_str(r, var);
  return v && is_numeric(v);
}

static bool test_one(rctx *r, const char *attr, const char *val) {
  const cs_cite *c = r->c;
  if (!strcmp(attr, "type")) {
    json_t *t = json_object_get(r->item, "type");
    return json_is_string(t) && !strcmp(json_string_value(t), val);
  }
  if (!strcmp(attr, "variable")) return var_present(r, val);
  if (!strcmp(attr, "is-numeric")) return var_numeric(r, val);
  if (!strcmp(attr, "is-uncertain-date")) {
    cdate d;
    return get_date(r, val, &d) && d.circa;
  }
  if (!strcmp(attr, "locator")) {
    if (!c->locator || !*c->locator) return false;
    const char *l = c->label && *c->label ? c->label : "page";
    if (!strcmp(val, "sub-verbo")) return !strcmp(l, "sub-verbo") || !strcmp(l, "sub verbo");
    return !strcmp(l, val);
  }
  if (!strcmp(attr, "position")) {
    if (r->mode != MODE_CITATION) return false;
    if (!strcmp(val, "first")) return c->position == POS_FIRST;
    if (!strcmp(val, "subsequent")) return c->position != POS_FIRST;
    if (!strcmp(val, "ibid"))
      return c->position == POS_IBID || c->position == POS_IBID_WITH_LOCATOR;
    if (!strcmp(val, "ibid-with-locator")) return c->position == POS_IBID_WITH_LOCATOR;
    if (!strcmp(val, "near-note")) return c->position != POS_FIRST && c->near_note;
    return false;
  }
  if (!strcmp(attr, "disambiguate")) return c->disambiguate == !strcmp(val, "true");
  return false;
}

static bool condition(rctx *r, const cs_node *n) {
  if (n->kind == CS_ELSE) return true;
  static const char *const TESTS[] = {"type",    "variable", "is-numeric",   "is-uncertain-date",
                                      "locator", "position", "disambiguate", NULL};
  const char *match = cs_attr_or(n, "match", "all");
  bool any = false, all = true, none = true;
  int tests = 0;
  for (const char *const *t = TESTS; *t; t++) {
    const char *v = cs_attr(n, *t);
    if (!v) continue;
    char *copy = bp_strdup(v);
    char *save = NULL; /* strtok_r: batch renders in threads */
    for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
      bool ok = test_one(r, *t, tok);
      tests++;
      any |= ok;
      all &= ok;
      none &= !ok;
    }
    free(copy);
  }
  if (!tests) return false;
  if (!strcmp(match, "any")) return any;
  if (!strcmp(match, "none")) return none;
  return all;
}

/* --------------------------------------------------------------- render */

static co_node *render_kids(rctx *r, const cs_node *n, const char *delim) {
  co_node *parts[64];
  co_node **v = parts;
  size_t k = 0, cap = 64;
  bool heap = false;
  for (size_t i = 0; i < n->n_kids; i++) {
    co_node *o = render(r, n->kids[i]);
    if (!o) continue;
    if (k == cap) {
      co_node **nv = bp_malloc(2 * cap * sizeof *nv);
      memcpy(nv, v, k * sizeof *nv);
      if (heap) free(v);
      v = nv;
      cap *= 2;
      heap = true;
    }
    v[k++] = o;
  }
  co_node *out = join(v, k, delim);
  if (heap) free(v);
  return out;
}

static co_node *render(rctx *r, const cs_node *n) {
  if (r->depth > 60) return NULL;
  r->depth++;
  co_node *out = NULL;
  switch (n->kind) {
  case CS_TEXT: out = render_text(r, n); break;
  case CS_NUMBER: out = render_number(r, n); break;
  case CS_LABEL: out = render_label(r, n); break;
  case CS_DATE: out = render_date(r, n); break;
  case CS_NAMES: out = render_names(r, n); break;
  case CS_GROUP: out = decorate(r, n, render_suppressible(r, n, cs_attr(n, "delimiter"))); break;
  case CS_CHOOSE:
    for (size_t i = 0; i < n->n_kids; i++) {
      const cs_node *b = n->kids[i];
      if (b->kind != CS_IF && b->kind != CS_ELSE_IF && b->kind != CS_ELSE) continue;
      if (condition(r, b)) {
        out = render_kids(r, b, NULL);
        break;
      }
    }
    break;
  default: break;
  }
  r->depth--;
  return out;
}

static void rctx_init(rctx *r, const bp_csl_style *st, const cs_node *area, const cs_cite *c,
                      int mode) {
  memset(r, 0, sizeof *r);
  r->st = st;
  r->area = area;
  r->c = c;
  r->item = c->item;
  r->mode = mode;
  r->lang = jstr(c->item, "language");
  if (!r->lang) r->lang = st->lang; /* title case is for English only */
  r->sort_min = r->sort_first = r->sort_last = -1;
  if (mode == MODE_SORT) r->sort_names = true;
  r->suppress_names = c->suppress_author || c->author_subst;
  r->subst = c->author_subst;
  r->ys_pending = c->year_suffix > 0 && !st->uses_year_suffix && mode != MODE_SORT;
}

static void rctx_free(rctx *r) {
  for (size_t i = 0; i < r->n_owned; i++) free(r->owned[i]);
  free(r->owned);
  free(r->supp);
  free(r->seen);
}

co_node *cs_render(const bp_csl_style *st, const cs_node *area, const cs_node *elem,
                   const cs_cite *c, int mode) {
  rctx r;
  rctx_init(&r, st, area, c, mode);
  co_node *out = render(&r, elem);
  rctx_free(&r);
  return out;
}

co_node *cs_render_cite(const bp_csl_style *st, const cs_node *area, const cs_cite *c, int mode) {
  const cs_node *layout = cs_child(area, CS_LAYOUT);
  if (!layout) return NULL;
  rctx r;
  rctx_init(&r, st, area, c, mode);
  co_node *out = render_kids(&r, layout, NULL);
  rctx_free(&r);
  if (out && co_empty(out)) {
    co_free(out);
    out = NULL;
  }
  return out;
}

size_t cs_name_count(json_t *item, const char *var) {
  return json_array_size(json_object_get(item, var));
}

const cs_node *cs_first_names(const cs_node *n) {
  if (!n) return NULL;
  if (n->kind == CS_NAMES) return n;
  if (n->macro) {
    const cs_node *m = cs_first_names(n->macro);
    if (m) return m;
  }
  for (size_t i = 0; i < n->n_kids; i++) {
    const cs_node *m = cs_first_names(n->kids[i]);
    if (m) return m;
  }
  return NULL;
}

char *cs_name_plain(const bp_csl_style *st, json_t *name, int level) {
  const cs_node *names = cs_first_names(cs_child(st->citation, CS_LAYOUT));
  cs_cite c = {0};
  c.item = name;
  rctx r;
  rctx_init(&r, st, st->citation, &c, MODE_CITATION);
  bool inverted;
  co_node *out = render_one_name(&r, names ? cs_child(names, CS_NAME) : NULL, name, false,
                                 level > 0 ? level : -1, &inverted);
  char *s = out ? co_plain(st, out) : bp_strdup("");
  co_free(out);
  rctx_free(&r);
  return s;
}

char *cs_sort_key(const bp_csl_style *st, const cs_node *area, const cs_node *key,
                  const cs_cite *c) {
  rctx r;
  rctx_init(&r, st, area, c, MODE_SORT);
  const char *v;
  if ((v = cs_attr(key, "names-min"))) r.sort_min = atoi(v);
  if ((v = cs_attr(key, "names-use-first"))) r.sort_first = atoi(v);
  if ((v = cs_attr(key, "names-use-last"))) r.sort_last = !strcmp(v, "true");
  co_node *out = NULL;
  const char *var = cs_attr(key, "variable");
  char *res = NULL;
  if (var) {
    json_t *jv = json_object_get(c->item, var);
    if (json_is_array(jv)) {
      cs_node fake = {0};
      fake.kind = CS_NAMES;
      char *attrs[2] = {"variable", (char *)var};
      fake.attrs = attrs;
      fake.n_attrs = 1;
      out = render_names_with(&r, &fake, &(names_parts){0});
    } else if (json_is_object(jv)) {
      cdate d;
      if (get_date(&r, var, &d) && !d.literal) {
        char b[64];
        snprintf(b, sizeof b, "%05d%02d%02d%05d%02d%02d", d.y + 10000, d.m, d.d,
                 d.range ? d.y2 + 10000 : 0, d.m2, d.d2);
        res = bp_strdup(b);
      }
    } else {
      const char *s = var_str(&r, var);
      if (s && (!strcmp(var, "citation-number") || is_numeric(s))) {
        char b[64];
        snprintf(b, sizeof b, "%012ld", atol(s + strcspn(s, "0123456789")));
        res = bp_strdup(b);
      } else if (s) {
        out = co_rich(s, !st->keep_straight_quotes);
      }
    }
  } else if (key->macro) {
    out = render_kids(&r, key->macro, NULL);
  }
  if (out) {
    res = co_sort_text(st, out);
    co_free(out);
  }
  rctx_free(&r);
  if (res && !*res) {
    free(res);
    res = NULL;
  }
  return res;
}
