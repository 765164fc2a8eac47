/* json.c - jansson parsing with positions. jansson reports the line and
 * column of syntax errors but keeps no positions on values, so after a
 * successful parse a small scanner walks the (now known valid) text in step
 * with the jansson tree and records where each member and element starts.
 * Loaders then point diagnostics at the exact key or value. */
#include "data-imp.h"

#include <stdlib.h>
#include <string.h>

typedef struct jentry {
  char *key; /* NULL for array elements */
  size_t key_off, val_off;
} jentry;

typedef struct jcont {
  const json_t *c;
  size_t start;
  jentry *e;
  size_t n, cap;
} jcont;

struct bp_json {
  bp_src *s;
  json_t *root;
  size_t root_off;
  jcont *conts;
  size_t n, cap;
  size_t *tab; /* hash of container pointer -> index + 1 */
  size_t tab_cap;
};

static size_t ptr_hash(const void *p) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return (size_t)x;
}

static void tab_insert(bp_json *j, size_t idx) {
  size_t h = ptr_hash(j->conts[idx].c) & (j->tab_cap - 1);
  while (j->tab[h]) h = (h + 1) & (j->tab_cap - 1);
  j->tab[h] = idx + 1;
}

static jcont *cont_add(bp_json *j, const json_t *c, size_t start) {
  bp_grow((void **)&j->conts, &j->cap, j->n + 1, sizeof *j->conts);
  jcont *k = &j->conts[j->n++];
  memset(k, 0, sizeof *k);
  k->c = c;
  k->start = start;
  if (j->n * 2 > j->tab_cap) {
    free(j->tab);
    j->tab_cap = j->tab_cap ? j->tab_cap * 2 : 64;
    while (j->n * 2 > j->tab_cap) j->tab_cap *= 2;
    j->tab = bp_calloc(j->tab_cap, sizeof *j->tab);
    for (size_t i = 0; i < j->n; i++) tab_insert(j, i);
  } else {
    tab_insert(j, j->n - 1);
  }
  return k;
}

static const jcont *cont_find(const bp_json *j, const json_t *c) {
  if (!j->tab_cap || !c) return NULL;
  size_t h = ptr_hash(c) & (j->tab_cap - 1);
  while (j->tab[h]) {
    const jcont *k = &j->conts[j->tab[h] - 1];
    if (k->c == c) return k;
    h = (h + 1) & (j->tab_cap - 1);
  }
  return NULL;
}

/* ---------------------------------------------------------------- scanner */

static size_t skip_ws(const char *t, size_t p, size_t n) {
  while (p < n && (t[p] == ' ' || t[p] == '\t' || t[p] == '\n' || t[p] == '\r')) p++;
  return p;
}

static int hexv(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static uint32_t hex4(const char *p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexv(p[i]);
    v = v * 16 + (uint32_t)(h < 0 ? 0 : h);
  }
  return v;
}

/* Decodes the escape at t[p] (t[p] == '\\'); returns raw length consumed and
 * appends the bytes to out (if any) and sets *dlen to the decoded length. */
static size_t decode_escape(const char *t, size_t p, size_t n, bp_buf *out, size_t *dlen) {
  char c = p + 1 < n ? t[p + 1] : '\\';
  char one = 0;
  switch (c) {
  case 'b': one = '\b'; break;
  case 'f': one = '\f'; break;
  case 'n': one = '\n'; break;
  case 'r': one = '\r'; break;
  case 't': one = '\t'; break;
  case 'u': break;
  default: one = c; break;
  }
  if (c != 'u') {
    if (out) bp_buf_putc(out, one);
    *dlen = 1;
    return 2;
  }
  if (p + 6 > n) {
    *dlen = 0;
    return n - p;
  }
  uint32_t u = hex4(t + p + 2);
  size_t used = 6;
  if (u >= 0xD800 && u <= 0xDBFF && p + 12 <= n && t[p + 6] == '\\' && t[p + 7] == 'u') {
    uint32_t lo = hex4(t + p + 8);
    if (lo >= 0xDC00 && lo <= 0xDFFF) {
      u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
      used = 12;
    }
  }
  char enc[4];
  int k = bp_utf8_encode(u, enc);
  if (out) bp_buf_put(out, enc, (size_t)k);
  *dlen = (size_t)k;
  return used;
}

static size_t scan_string(const char *t, size_t p, size_t n, bp_buf *dec) {
  p++; /* opening quote */
  while (p < n && t[p] != '"') {
    if (t[p] == '\\') {
      size_t dl;
      p += decode_escape(t, p, n, dec, &dl);
    } else {
      if (dec) bp_buf_putc(dec, t[p]);
      p++;
    }
  }
  return p < n ? p + 1 : n;
}

static size_t scan_value(bp_json *j, const json_t *v, size_t p) {
  const char *t = j->s->text;
  size_t n = j->s->len;
  if (p >= n) return n;
  char c = t[p];
  if (c == '"') return scan_string(t, p, n, NULL);
  if (c == '{' || c == '[') {
    bool obj = c == '{';
    size_t ci = SIZE_MAX;
    if (v && (obj ? json_is_object(v) : json_is_array(v))) {
      cont_add(j, v, p);
      ci = j->n - 1;
    }
    p = skip_ws(t, p + 1, n);
    size_t idx = 0;
    while (p < n && t[p] != (obj ? '}' : ']')) {
      jentry e = {NULL, p, p};
      const json_t *child = NULL;
      if (obj) {
        bp_buf key = {0};
        p = scan_string(t, p, n, &key);
        e.key = bp_buf_detach(&key);
        p = skip_ws(t, p, n);
        if (p < n && t[p] == ':') p++;
        p = skip_ws(t, p, n);
        e.val_off = p;
        child = v && ci != SIZE_MAX ? json_object_get(v, e.key) : NULL;
      } else {
        child = v && ci != SIZE_MAX ? json_array_get(v, idx) : NULL;
      }
      if (ci != SIZE_MAX) {
        jcont *k = &j->conts[ci];
        bp_grow((void **)&k->e, &k->cap, k->n + 1, sizeof *k->e);
        k->e[k->n++] = e;
      } else {
        free(e.key);
      }
      p = scan_value(j, child, p);
      p = skip_ws(t, p, n);
      if (p < n && t[p] == ',') p = skip_ws(t, p + 1, n);
      idx++;
    }
    return p < n ? p + 1 : n;
  }
  while (p < n &&
         (strchr("+-.eE", t[p]) || (t[p] >= '0' && t[p] <= '9') || (t[p] >= 'a' && t[p] <= 'z')))
    p++;
  return p;
}

/* ----------------------------------------------------------------- parse */

/* A run of n escaped controls at `at`, the first `first`. */
static void report_escapes(bp_src *s, size_t at, uint32_t first, size_t n) {
  char why[96], note[48] = "";
  bp_text_control_name(first, why, sizeof why);
  if (n > 1) snprintf(note, sizeof note, "; %zu characters from here", n);
  bp__diag(s, BP_SEV_ERROR, at, "%s (written as an escape%s)", why, note);
}

/* Reports control characters written as escapes inside strings ("\u0000",
 * "\b"): raw ones never get here (src_validate), and jansson decodes the
 * escapes without complaint. Tab, newline and carriage return are allowed.
 * False when there was one (the document is then not used). A run of such escapes,
 * each right after the one before, is reported once, at its first. */
static bool check_escapes(bp_src *s) {
  const char *t = s->text;
  size_t n = s->len;
  bool in_string = false;
  size_t run_at = 0, run_end = 0, run_n = 0; /* run_n 0: no run */
  uint32_t run_cp = 0;
  bool ok = true;
  for (size_t p = s->start; p < n; p++) {
    if (t[p] == '"') {
      in_string = !in_string;
      continue;
    }
    if (!in_string || t[p] != '\\' || p + 1 >= n) continue;
    char c = t[p + 1];
    uint32_t cp = c == 'b' ? 0x08 : c == 'f' ? 0x0C : 0x20;
    if (c == 'u' && p + 6 <= n) cp = hex4(t + p + 2);
    size_t end = p + (c == 'u' ? 6 : 2);
    if (bp_text_control(cp)) {
      ok = false;
      if (run_n && p == run_end) {
        run_n++;
      } else {
        if (run_n) report_escapes(s, run_at, run_cp, run_n);
        run_at = p, run_cp = cp, run_n = 1;
      }
      run_end = end;
    }
    p = end - 1;
  }
  if (run_n) report_escapes(s, run_at, run_cp, run_n);
  return ok;
}

static bool starts_with(const char *s, const char *pre) { return !strncmp(s, pre, strlen(pre)); }

/* Reports every string value over the text limits (bp_text_within_limits)
 * at the place it goes over: the string's start or the long word's. */
static void check_limits(bp_json *j, const json_t *v, size_t off) {
  if (json_is_string(v)) {
    size_t bad;
    char why[160];
    if (!bp_text_within_limits(json_string_value(v), json_string_length(v), &bad, why, sizeof why))
      bp__diag(j->s, BP_SEV_ERROR, bp__json_str_off(j, off, bad), "%s", why);
    return;
  }
  const jcont *k = cont_find(j, v);
  for (size_t i = 0; k && i < k->n; i++)
    check_limits(j, k->e[i].key ? json_object_get(v, k->e[i].key) : json_array_get(v, i),
                 k->e[i].val_off);
}

bp_json *bp__json_parse(bp_src *s) {
  if (!s->usable) return NULL;
  json_error_t err;
  const char *t = s->text + s->start;
  size_t n = s->len - s->start;
  json_t *root = json_loadb(t, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
  if (!root) {
    size_t off = s->start + (size_t)(err.position > 0 ? err.position : 0);
    if (off > s->len) off = s->len;
    const char *near = strstr(err.text, "near '");
    char tok[64] = "";
    if (near) {
      near += 6;
      const char *q = strrchr(near, '\'');
      size_t tl = q && q > near ? (size_t)(q - near) : 0;
      if (tl >= sizeof tok) tl = sizeof tok - 1;
      memcpy(tok, near, tl);
      tok[tl] = '\0';
      /* point at the token's start, not after it */
      for (size_t back = 0; back <= 2 && tl && off >= tl + back; back++) {
        if (!memcmp(s->text + off - back - tl, tok, tl)) {
          off = off - back - tl;
          break;
        }
      }
    }
    bool eof = (strstr(err.text, "end of file") && !strstr(err.text, "end of file expected")) ||
               strstr(err.text, "premature end of input");
    bool in_string = eof && tok[0] == '"';
    if ((eof && !in_string) || off >= s->len) { /* after the last real character */
      off = s->len;
      while (off > s->start && strchr(" \t\r\n", s->text[off - 1])) off--;
    }
    const char *at = s->text + off;
    if (starts_with(at, "NaN") || starts_with(at, "-NaN") || starts_with(at, "Infinity") ||
        starts_with(at, "-Infinity") || starts_with(at, "+Infinity") || starts_with(tok, "NaN") ||
        starts_with(tok, "Infinity") || starts_with(tok, "-Infinity") || starts_with(tok, "-Inf") ||
        starts_with(tok, "Inf") || starts_with(tok, "nan") || starts_with(tok, "inf"))
      bp__diag(s, BP_SEV_ERROR, off,
               "NaN and Infinity are not JSON numbers (use null or a number)");
    else if (strstr(err.text, "maximum parsing depth"))
      bp__diag(s, BP_SEV_ERROR, off, "nesting too deep (more than 2048 levels)");
    else if (strstr(err.text, "duplicate object key"))
      bp__diag(s, BP_SEV_ERROR, off, "duplicate key %s", tok[0] ? tok : "in object");
    else if (in_string)
      bp__diag(s, BP_SEV_ERROR, off,
               "unexpected end of file inside this string (is the file truncated?)");
    else if (eof)
      bp__diag(s, BP_SEV_ERROR, off, "unexpected end of file (is the file truncated?)");
    else
      bp__diag(s, BP_SEV_ERROR, off, "malformed JSON: %s", err.text);
    return NULL;
  }
  if (!check_escapes(s)) { /* a NUL would cut the string: nothing more is read */
    json_decref(root);
    return NULL;
  }
  bp_json *j = bp_calloc(1, sizeof *j);
  j->s = s;
  j->root = root;
  j->root_off = skip_ws(s->text, s->start, s->len);
  scan_value(j, root, j->root_off);
  check_limits(j, root, j->root_off);
  return j;
}

void bp__json_free(bp_json *j) {
  if (!j) return;
  for (size_t i = 0; i < j->n; i++) {
    for (size_t k = 0; k < j->conts[i].n; k++) free(j->conts[i].e[k].key);
    free(j->conts[i].e);
  }
  free(j->conts);
  free(j->tab);
  json_decref(j->root);
  free(j);
}

json_t *bp__json_root(const bp_json *j) { return j->root; }

size_t bp__json_start(const bp_json *j, const json_t *c) {
  const jcont *k = cont_find(j, c);
  return k ? k->start : j->root_off;
}

static const jentry *member(const bp_json *j, const json_t *obj, const char *key) {
  const jcont *k = cont_find(j, obj);
  if (!k) return NULL;
  for (size_t i = 0; i < k->n; i++)
    if (k->e[i].key && !strcmp(k->e[i].key, key)) return &k->e[i];
  return NULL;
}

size_t bp__json_val(const bp_json *j, const json_t *obj, const char *key) {
  const jentry *e = member(j, obj, key);
  return e ? e->val_off : bp__json_start(j, obj);
}

size_t bp__json_key(const bp_json *j, const json_t *obj, const char *key) {
  const jentry *e = member(j, obj, key);
  return e ? e->key_off : bp__json_start(j, obj);
}

size_t bp__json_elem(const bp_json *j, const json_t *arr, size_t i) {
  const jcont *k = cont_find(j, arr);
  if (!k) return j->root_off;
  return i < k->n ? k->e[i].val_off : k->start;
}

size_t bp__json_str_off_from(const bp_json *j, size_t raw, size_t dec_have, size_t dec) {
  const char *t = j->s->text;
  size_t n = j->s->len;
  size_t p = raw, d = dec_have;
  while (p < n && t[p] != '"' && d < dec) {
    if (t[p] == '\\') {
      size_t dl;
      p += decode_escape(t, p, n, NULL, &dl);
      d += dl;
    } else {
      p++;
      d++;
    }
  }
  return p;
}

size_t bp__json_str_off(const bp_json *j, size_t val_off, size_t dec) {
  if (val_off >= j->s->len || j->s->text[val_off] != '"') return val_off;
  return bp__json_str_off_from(j, val_off + 1, 0, dec);
}

const char *bp__json_type_name(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "an object";
  case JSON_ARRAY: return "an array";
  case JSON_STRING: return "a string";
  case JSON_INTEGER: return "an integer";
  case JSON_REAL: return "a number";
  case JSON_TRUE:
  case JSON_FALSE: return "a boolean";
  case JSON_NULL: return "null";
  }
  return "a value";
}

void bp__json_unknown_keys(bp_src *s, const bp_json *j, const json_t *obj, const char *const *known,
                           const char *what) {
  const jcont *k = cont_find(j, obj);
  if (!k) return;
  for (size_t i = 0; i < k->n; i++) {
    const char *key = k->e[i].key;
    if (!key) continue;
    bool ok = false; /* the first letters first: a CSL item knows 115 fields */
    for (const char *const *q = known; *q && !ok; q++) ok = **q == *key && !strcmp(*q, key);
    if (!ok)
      bp__diag(s, BP_SEV_WARNING, k->e[i].key_off, "unknown field \"%s\" in %s (ignored)", key,
               what);
  }
}
