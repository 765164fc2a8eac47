/* integrity.c - what an editor checks in a bibliography beyond its syntax:
 * two items that are the same work (same URL once tracking parameters and
 * fragments are removed, same DOI, or same title and month), placeholder
 * titles and editor's notes printed as titles or authors, straight quotes
 * mixed with curly ones in one field, double quotes inside an original
 * title (which endnotes quote), an issued date that a date in the
 * item's URL contradicts, and an approximate date without "circa". All of
 * these are warnings; nothing here changes what was loaded. */
#include "data-imp.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ URLs */

/* Query parameters that only say where a reader came from. */
static bool tracking_param(const char *name, size_t n) {
  static const char *const EXACT[] = {"fbclid",  "gclid",  "dclid",      "msclkid", "mc_cid",
                                      "mc_eid",  "igshid", "ab_channel", "feature", "si",
                                      "ref_src", "ref",    "spm",        "_ga",     NULL};
  for (const char *const *e = EXACT; *e; e++)
    if (strlen(*e) == n && !strncasecmp(name, *e, n)) return true;
  return (n > 4 && !strncasecmp(name, "utm_", 4)) || (n > 3 && !strncasecmp(name, "qt-", 3));
}

char *bp__url_key(const char *url) {
  bp_buf b = {0};
  const char *p = strstr(url, "://");
  p = p ? p + 3 : url;
  if (!strncasecmp(p, "www.", 4)) p += 4;
  const char *host_end = p + strcspn(p, "/?#;");
  for (const char *h = p; h < host_end; h++) bp_buf_putc(&b, (char)tolower((unsigned char)*h));
  p = host_end;
  size_t path_n = strcspn(p, "?#;");
  while (path_n && p[path_n - 1] == '/') path_n--;
  bp_buf_put(&b, p, path_n);
  p += strcspn(p, "?#");
  if (*p == '?') {
    p++;
    char sep = '?';
    while (*p && *p != '#') {
      size_t n = strcspn(p, "&#");
      size_t name_n = strcspn(p, "=&#");
      if (n && !tracking_param(p, name_n)) {
        bp_buf_putc(&b, sep);
        bp_buf_put(&b, p, n);
        sep = '&';
      }
      p += n;
      if (*p == '&') p++;
    }
  }
  return bp_buf_detach(&b);
}

/* "10.2307/523764" from a DOI or a doi.org URL, lower case; NULL if neither. */
static char *doi_key(const char *doi, const char *url) {
  const char *d = doi;
  if (!d && url) {
    const char *p = strstr(url, "doi.org/");
    if (p) d = p + 8;
  }
  if (!d) return NULL;
  if (!strncasecmp(d, "doi:", 4)) d += 4;
  const char *p = strstr(d, "doi.org/");
  if (p) d = p + 8;
  char *k = bp_strdup(d);
  for (char *c = k; *c; c++) *c = (char)tolower((unsigned char)*c);
  return k;
}

/* A date a URL may carry: 1900-2099, with a month (and a day when d > 0). */
static bool valid_ymd(int y, int m, int d) {
  return y >= 1900 && y <= 2099 && m >= 1 && d >= 0 && bp__date_check(y, m, d, NULL, 0);
}

static int num(const char *s, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
  return v;
}

static bool all_digits(const char *s, int n) {
  for (int i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i])) return false;
  return true;
}

bool bp__url_date(const char *url, bp_date *out) {
  char *key = bp__url_key(url); /* no tracking parameters: utm_content=20220629 says nothing */
  const char *s = key;
  bool found = false;
  for (const char *p = s; *p && !found; p++) {
    bool start = p == s || !isdigit((unsigned char)p[-1]);
    if (!start || !isdigit((unsigned char)*p)) continue;
    size_t run = strspn(p, "0123456789");
    /* /2023/12/11/, /2023/12/ and 2023-11-01 */
    if (run == 4 && p > s && p[-1] == '/' && (p[4] == '/' || p[4] == '-') && all_digits(p + 5, 2) &&
        !isdigit((unsigned char)p[7])) {
      int y = num(p, 4), m = num(p + 5, 2), d = 0;
      if (p[7] == p[4] && all_digits(p + 8, 2) && !isdigit((unsigned char)p[10])) d = num(p + 8, 2);
      if (valid_ymd(y, m, d)) *out = (bp_date){y, m, d}, found = true;
    } else if (run >= 8) { /* 20230523, 20240130000769 */
      int y = num(p, 4), m = num(p + 4, 2), d = num(p + 6, 2);
      if (d && valid_ymd(y, m, d)) {
        *out = (bp_date){y, m, d}, found = true;
      } else if (run == 14) { /* 10272023152134: month, day, year, then the time */
        y = num(p + 4, 4), m = num(p, 2), d = num(p + 2, 2);
        if (d && valid_ymd(y, m, d) && num(p + 8, 2) < 24 && num(p + 10, 2) < 60 &&
            num(p + 12, 2) < 60)
          *out = (bp_date){y, m, d}, found = true;
      }
    }
  }
  free(key);
  return found;
}

/* ----------------------------------------------------------------- text */

bool bp__quotes_mixed(const char *s, size_t *straight_off) {
  bool curly = strstr(s, "\xE2\x80\x9C") || strstr(s, "\xE2\x80\x9D") ||
               strstr(s, "\xE2\x80\x98") || strstr(s, "\xE2\x80\x99");
  size_t n = strcspn(s, "\"'");
  if (!curly || !s[n]) return false;
  *straight_off = n;
  return true;
}

/* "(NIS: North Korea stole ...)": a description standing in for a title. */
static bool parenthesised(const char *s) {
  size_t n = strlen(s);
  return n > 2 && s[0] == '(' && s[n - 1] == ')';
}

static const char *find_ci(const char *s, const char *what) {
  size_t n = strlen(what);
  int first = tolower((unsigned char)*what);
  for (; *s; s++) /* the first letter first, as strncasecmp compares it */
    if (tolower((unsigned char)*s) == first && !strncasecmp(s, what, n)) return s;
  return NULL;
}

/* Offset in the raw file of decoded byte `dec` of the string member `key`. */
static size_t str_off(const bp_json *j, const json_t *o, const char *key, size_t dec) {
  return bp__json_str_off(j, bp__json_val(j, o, key), dec);
}

static void check_text(bp_src *s, const bp_json *j, const json_t *o, const char *key, const char *v,
                       const char *what) {
  if (!v) return;
  size_t off;
  if (bp__quotes_mixed(v, &off))
    bp__diag(s, BP_SEV_WARNING, str_off(j, o, key, off),
             "straight and curly quotes mixed in %s: use curly ones (\xE2\x80\x98 \xE2\x80\x99 "
             "\xE2\x80\x9C \xE2\x80\x9D) throughout",
             what);
  const char *nc = find_ci(v, "not in copy consulted");
  if (nc)
    bp__diag(s, BP_SEV_WARNING, str_off(j, o, key, (size_t)(nc - v)),
             "%s holds an editor's note (\"not in copy consulted\"), which would be printed; "
             "put it in \"note\"",
             what);
  else if (parenthesised(v) && strcmp(key, "author"))
    bp__diag(s, BP_SEV_WARNING, str_off(j, o, key, 0),
             "%s in parentheses is a placeholder, not the headline; give the real one (or leave "
             "it out and say so in \"note\")",
             what);
}

void bp__item_check(bp_src *s, const bp_json *j, const json_t *o, const bp_csl_item *it) {
  check_text(s, j, o, "title", it->title, "the title");
  check_text(s, j, o, "original-title", it->original_title, "the original title");
  const char *dq = it->original_title ? strstr(it->original_title, "\xE2\x80\x9C") : NULL;
  if (!dq && it->original_title) dq = strstr(it->original_title, "\xE2\x80\x9D");
  if (dq) /* the endnote sets it in “ ”: “…“…”” reads as two quotations */
    bp__diag(s, BP_SEV_WARNING, str_off(j, o, "original-title", (size_t)(dq - it->original_title)),
             "double quotes inside the original title, which endnotes set in double quotes: use "
             "\xE2\x80\x98 \xE2\x80\x99 inside it");
  check_text(s, j, o, "container-title", it->container_title, "the container title");
  check_text(s, j, o, "publisher", it->publisher, "the publisher");
  json_t *au = json_object_get(o, "author");
  for (size_t i = 0; json_is_array(au) && i < json_array_size(au); i++) {
    json_t *n = json_array_get(au, i);
    static const char *const PARTS[] = {"literal", "family", "given", NULL};
    for (const char *const *k = PARTS; *k; k++)
      if (json_is_string(json_object_get(n, *k)))
        check_text(s, j, n, *k, json_string_value(json_object_get(n, *k)), "an author's name");
  }
  if (it->url && it->issued.y) {
    bp_date u;
    const bp_date *d = &it->issued;
    if (bp__url_date(it->url, &u) &&
        (u.y != d->y || (u.m && d->m && u.m != d->m) || (u.d && d->d && u.d != d->d))) {
      char a[11], b[11];
      bp_date_format(d, a);
      bp_date_format(&u, b);
      bp__diag(s, BP_SEV_WARNING, bp__json_val(j, o, "issued"),
               "issued date %s contradicts the date %s in the item's URL", a, b);
    }
  }
  static const char *const APPROX[] = {"date approximate",           "approximate date",
                                       "date is approximate",        "exact date not",
                                       "exact publication date not", NULL};
  bool approx = false;
  for (const char *const *a = APPROX; *a && it->note && !approx; a++)
    approx = find_ci(it->note, *a) != NULL;
  if (approx && !it->circa && it->issued.y)
    bp__diag(s, BP_SEV_WARNING, bp__json_val(j, o, "issued"),
             "the note says the date is approximate: mark it {\"circa\": true} in \"issued\"");
}

/* ------------------------------------------------------------ same work */

/* Title without case, spaces, punctuation or quotes: letters and digits of
 * any script. */
static char *title_key(const char *t) {
  bp_buf b = {0};
  const char *p = t;
  size_t n = strlen(t);
  while (*p) {
    int len;
    int32_t cp = bp_utf8_decode(p, n - (size_t)(p - t), &len);
    if (len < 1) len = 1;
    if (cp < 0x80) {
      if (isalnum((int)cp)) bp_buf_putc(&b, (char)tolower((int)cp));
    } else if (cp >= 0xC0 && !(cp >= 0x2000 && cp <= 0x2BFF) && !(cp >= 0x3000 && cp <= 0x303F) &&
               !(cp >= 0xFE30 && cp <= 0xFE4F) && !(cp >= 0xFF00 && cp <= 0xFF0F)) {
      bp_buf_put(&b, p, (size_t)len);
    }
    p += len;
  }
  return bp_buf_detach(&b);
}

/* prefix + a + b, owned. */
static char *key_of(const char *prefix, const char *a, const char *b) {
  bp_buf k = {0};
  bp_buf_puts(&k, prefix);
  bp_buf_puts(&k, a);
  if (b) bp_buf_puts(&k, b);
  return bp_buf_detach(&k);
}

/* Reports `it` as the same work as the item indexed under `key` (or
 * indexes it). */
static void same_work(bp_strmap *m, const bp_bib *bib, size_t i, char *key, const char *why,
                      bp_src *(*src_of)(void *, const char *), void *ud, bool *done) {
  size_t prev;
  if (strlen(key) <= 2) { /* "u:" of an empty URL: nothing to compare */
    free(key);
    return;
  }
  if (!bp__map_get(m, key, &prev)) {
    bp__map_put(m, key, i);
  } else if (!*done) {
    const bp_csl_item *a = &bib->items[prev], *b = &bib->items[i];
    bp_src *s = src_of(ud, b->path);
    if (s) {
      bp__diag(s, BP_SEV_WARNING, bp__src_off(s, b->line, b->col),
               "'%s' and '%s' (%s:%d:%d) are the same work (%s): keep one id and list the "
               "other in its \"aliases\"",
               b->id, a->id, a->path, a->line, a->col, why);
      *done = true;
    }
  }
  free(key);
}

void bp__bib_check_same_work(const bp_bib *bib, bp_src *(*src_of)(void *, const char *), void *ud) {
  bp_strmap m = {0};
  for (size_t i = 0; i < bib->n_items; i++) {
    const bp_csl_item *it = &bib->items[i];
    bool done = false;
    if (it->url) {
      char *u = bp__url_key(it->url);
      same_work(&m, bib, i, key_of("u:", u, NULL),
                "same URL once tracking parameters and fragments are removed", src_of, ud, &done);
      free(u);
    }
    char *doi = doi_key(it->doi, it->url);
    if (doi) same_work(&m, bib, i, key_of("d:", doi, NULL), "same DOI", src_of, ud, &done);
    free(doi);
    if (it->issued.y && it->issued.m) {
      const char *t[2] = {it->title, it->original_title};
      for (int k = 0; k < 2; k++) {
        if (!t[k]) continue;
        char *tk = title_key(t[k]);
        char ym[16];
        snprintf(ym, sizeof ym, "|%04d-%02d", it->issued.y, it->issued.m);
        if (strlen(tk) >= 8)
          same_work(&m, bib, i, key_of("t:", tk, ym),
                    k ? "same original title and month" : "same title and month", src_of, ud,
                    &done);
        free(tk);
      }
    }
  }
  bp__map_free(&m);
}
