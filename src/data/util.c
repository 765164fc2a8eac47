/* util.c - small pieces the data layer shares: a string map, paths,
 * strict numbers, ids, partial dates, ISO 3166-1 country codes and URL
 * syntax. Pure functions over strings; no I/O. */
#include "data-imp.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ string map */

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static void map_rehash(bp_strmap *m, size_t cap) {
  char **ok = m->keys;
  size_t *ov = m->vals, oc = m->cap;
  m->keys = bp_calloc(cap, sizeof *m->keys);
  m->vals = bp_calloc(cap, sizeof *m->vals);
  m->cap = cap;
  for (size_t i = 0; i < oc; i++) {
    if (!ok[i]) continue;
    size_t j = (size_t)hash_str(ok[i]) & (cap - 1);
    while (m->keys[j]) j = (j + 1) & (cap - 1);
    m->keys[j] = ok[i];
    m->vals[j] = ov[i];
  }
  free(ok);
  free(ov);
}

void bp__map_put(bp_strmap *m, const char *key, size_t val) {
  if ((m->n + 1) * 2 > m->cap) map_rehash(m, m->cap ? m->cap * 2 : 16);
  size_t j = (size_t)hash_str(key) & (m->cap - 1);
  while (m->keys[j]) {
    if (!strcmp(m->keys[j], key)) {
      m->vals[j] = val;
      return;
    }
    j = (j + 1) & (m->cap - 1);
  }
  m->keys[j] = bp_strdup(key);
  m->vals[j] = val;
  m->n++;
}

bool bp__map_get(const bp_strmap *m, const char *key, size_t *val) {
  if (!m->cap || !key) return false;
  size_t j = (size_t)hash_str(key) & (m->cap - 1);
  while (m->keys[j]) {
    if (!strcmp(m->keys[j], key)) {
      if (val) *val = m->vals[j];
      return true;
    }
    j = (j + 1) & (m->cap - 1);
  }
  return false;
}

void bp__map_free(bp_strmap *m) {
  for (size_t i = 0; i < m->cap; i++) free(m->keys[i]);
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------------ paths */

char *bp__path_join(const char *dir, const char *rel) {
  if (!dir || !*dir || rel[0] == '/') return bp_strdup(rel);
  bp_buf b = {0};
  bp_buf_puts(&b, dir);
  if (b.data[b.len - 1] != '/') bp_buf_putc(&b, '/');
  /* fold leading "../" against the directory when it is plain */
  bp_buf_puts(&b, rel);
  return bp_buf_detach(&b);
}

char *bp__path_dir(const char *path) {
  const char *sl = strrchr(path, '/');
  if (!sl) return bp_strdup("");
  if (sl == path) return bp_strdup("/");
  return bp_strndup(path, (size_t)(sl - path));
}

const char *bp__path_base(const char *path) {
  const char *sl = strrchr(path, '/');
  return sl ? sl + 1 : path;
}

/* ---------------------------------------------------------- numbers, ids */

bool bp__parse_number(const char *s, double *out) {
  const char *p = s;
  while (*p == ' ') p++;
  const char *b = p;
  if (*p == '+' || *p == '-') p++;
  size_t digits = 0;
  while (isdigit((unsigned char)*p)) p++, digits++;
  if (*p == '.') {
    p++;
    while (isdigit((unsigned char)*p)) p++, digits++;
  }
  if (!digits) return false;
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') p++;
    if (!isdigit((unsigned char)*p)) return false;
    while (isdigit((unsigned char)*p)) p++;
  }
  const char *e = p;
  while (*p == ' ') p++;
  if (*p) return false;
  char tmp[64];
  size_t n = (size_t)(e - b);
  char *heap = NULL;
  char *q = tmp;
  if (n >= sizeof tmp) q = heap = bp_malloc(n + 1);
  memcpy(q, b, n);
  q[n] = '\0';
  double v = strtod(q, NULL);
  free(heap);
  if (!isfinite(v)) return false;
  *out = v;
  return true;
}

static bool id_alnum(unsigned char c) { return isalnum(c) || c == '_' || c >= 0x80; }

bool bp__cite_id_valid(const char *id) {
  if (!id || !id_alnum((unsigned char)id[0])) return false;
  size_t n = strlen(id);
  if (!id_alnum((unsigned char)id[n - 1])) return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)id[i];
    if (!id_alnum(c) && !strchr(":.#$%&-+?<>~/", c)) return false;
  }
  return true;
}

bool bp__record_id_valid(const char *id) {
  if (!id || !*id) return false;
  for (const char *p = id; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') return false;
  return true;
}

/* ------------------------------------------------------------------ dates */

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}

static const char *const MONTHS[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};

static bool digits(const char *s, int n, int *v) {
  *v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i])) return false;
    *v = *v * 10 + (s[i] - '0');
  }
  return true;
}

bool bp__date_check(int y, int m, int d, char *why, size_t why_size) {
  if (y < 1 || y > 9999) {
    if (why) snprintf(why, why_size, "year %d is out of range", y);
    return false;
  }
  if (m < 0 || m > 12 || (m == 0 && d != 0)) {
    if (why) snprintf(why, why_size, "month %d does not exist", m);
    return false;
  }
  if (d < 0 || (m && d > month_days(y, m))) {
    if (why) snprintf(why, why_size, "%s %d has %d days", MONTHS[m - 1], y, month_days(y, m));
    return false;
  }
  return true;
}

bool bp_date_parse(const char *s, bp_date *out, char *why, size_t why_size) {
  bp_date d = {0, 0, 0};
  size_t n = s ? strlen(s) : 0;
  if (why && why_size) why[0] = '\0';
  bool shape = (n == 4 || (n == 7 && s[4] == '-') || (n == 10 && s[4] == '-' && s[7] == '-')) &&
               digits(s, 4, &d.y) && (n < 7 || digits(s + 5, 2, &d.m)) &&
               (n < 10 || digits(s + 8, 2, &d.d));
  if (!shape) {
    if (why) snprintf(why, why_size, "expected YYYY, YYYY-MM or YYYY-MM-DD");
    return false;
  }
  if (n >= 7 && d.m == 0) {
    if (why) snprintf(why, why_size, "month 00 does not exist");
    return false;
  }
  if (n == 10 && d.d == 0) {
    if (why) snprintf(why, why_size, "day 00 does not exist");
    return false;
  }
  if (!bp__date_check(d.y, d.m, d.d, why, why_size)) return false;
  if (out) *out = d;
  return true;
}

void bp_date_format(const bp_date *d, char out[11]) {
  int y = d->y < 0 ? 0 : d->y > 9999 ? 9999 : d->y;
  int m = d->m < 0 ? 0 : d->m > 99 ? 99 : d->m;
  int dd = d->d < 0 ? 0 : d->d > 99 ? 99 : d->d;
  char tmp[48];
  if (!m)
    snprintf(tmp, sizeof tmp, "%04d", y);
  else if (!dd)
    snprintf(tmp, sizeof tmp, "%04d-%02d", y, m);
  else
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, dd);
  memcpy(out, tmp, 10);
  out[10] = '\0';
}

double bp_date_decimal_year(const bp_date *d) {
  if (d->y <= 0) return NAN;
  double diy = leap(d->y) ? 366 : 365;
  if (d->m < 1 || d->m > 12) return d->y + 0.5;
  int doy0 = 0; /* days before the month */
  for (int m = 1; m < d->m; m++) doy0 += month_days(d->y, m);
  if (d->d < 1) return d->y + (doy0 + month_days(d->y, d->m) / 2.0) / diy;
  return d->y + (doy0 + d->d - 0.5) / diy;
}

static long day_key(int y, int m, int d) { return (long)y * 10000 + m * 100 + d; }

int bp_date_cmp(const bp_date *a, const bp_date *b) {
  long ka = day_key(a->y, a->m ? a->m : 1, a->d ? a->d : 1);
  long kb = day_key(b->y, b->m ? b->m : 1, b->d ? b->d : 1);
  return ka < kb ? -1 : ka > kb;
}

bool bp_date_after(const bp_date *a, const bp_date *b) {
  if (a->y <= 0 || b->y <= 0) return false;
  long a_first = day_key(a->y, a->m ? a->m : 1, a->d ? a->d : 1);
  int bm = b->m ? b->m : 12;
  int bd = b->d ? b->d : (bm >= 1 && bm <= 12 ? month_days(b->y, bm) : 31);
  long b_last = day_key(b->y, bm, bd);
  return a_first > b_last;
}

/* -------------------------------------------------------------- countries */

static const char ISO2[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW";

bool bp_country_valid(const char *c) {
  if (!c || strlen(c) != 2 || !isupper((unsigned char)c[0]) || !isupper((unsigned char)c[1]))
    return false;
  for (const char *p = ISO2;; p += 3) {
    if (p[0] == c[0] && p[1] == c[1]) return true;
    if (!p[2]) return false;
  }
}

/* ------------------------------------------------------------------- URLs */

static bool set_why(char *why, size_t n, const char *msg) {
  if (why && n) snprintf(why, n, "%s", msg);
  return false;
}

bool bp_url_valid(const char *url, size_t *bad_off, char *why, size_t why_size) {
  *bad_off = 0;
  size_t n = strlen(url);
  size_t sl;
  if (n >= 7 && !strncasecmp(url, "http://", 7))
    sl = 7;
  else if (n >= 8 && !strncasecmp(url, "https://", 8))
    sl = 8;
  else
    return set_why(why, why_size, "URL must start with http:// or https://");
  /* host[:port] */
  size_t p = sl, dots = 0;
  bool port = false;
  while (p < n && url[p] != '/' && url[p] != '?' && url[p] != '#') {
    unsigned char c = (unsigned char)url[p];
    if (port) {
      if (!isdigit(c)) {
        *bad_off = p;
        return set_why(why, why_size, "bad character in port");
      }
    } else if (c == ':') {
      port = true;
      if (p + 1 >= n || !isdigit((unsigned char)url[p + 1])) {
        *bad_off = p;
        return set_why(why, why_size, "empty port");
      }
    } else if (c == '.') {
      if (p == sl || url[p - 1] == '.') {
        *bad_off = p;
        return set_why(why, why_size, "empty label in host name");
      }
      dots++;
    } else if (!(isalnum(c) || c == '-' || c >= 0x80)) {
      *bad_off = p;
      return set_why(why, why_size, "bad character in host name");
    }
    p++;
  }
  if (p == sl) {
    *bad_off = p;
    return set_why(why, why_size, "URL has no host");
  }
  if (!dots) {
    *bad_off = sl;
    return set_why(why, why_size, "host name has no domain (no '.')");
  }
  for (; p < n; p++) {
    unsigned char c = (unsigned char)url[p];
    if (c <= 0x20 || c == 0x7F) {
      *bad_off = p;
      return set_why(why, why_size,
                     c == ' ' ? "space in URL (write %20)" : "control character in URL");
    }
    if (strchr("<>\"{}|\\^`", c)) {
      *bad_off = p;
      return set_why(why, why_size, "character not allowed in a URL (percent-encode it)");
    }
    if (c == '%' && !(p + 2 < n && isxdigit((unsigned char)url[p + 1]) &&
                      isxdigit((unsigned char)url[p + 2]))) {
      *bad_off = p;
      return set_why(why, why_size, "'%' not followed by two hex digits");
    }
    if (c == 0xC2 && (unsigned char)url[p + 1] == 0xA0) {
      *bad_off = p;
      return set_why(why, why_size, "no-break space in URL (stray character from copying)");
    }
    if (c == 0xEF && (unsigned char)url[p + 1] == 0xBF && (unsigned char)url[p + 2] == 0xBD) {
      *bad_off = p;
      return set_why(why, why_size, "replacement character U+FFFD in URL (damaged text)");
    }
  }
  return true;
}
