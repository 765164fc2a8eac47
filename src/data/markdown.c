/* markdown.c - prose: CommonMark through Debian's libcmark (with source
 * positions) into the document model, plus pandoc citations `[@id]` and
 * `[@a; @b]`, which cmark leaves as literal text and which are cut out of
 * the text runs here. Also the inline parser claims share, the article
 * manifest and the list of cited ids in endnote order. */
#include "data-imp.h"

#include <cmark.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Line starts of the text cmark parsed, to turn byte columns into
 * character columns. */
typedef struct lidx {
  const char *t;
  size_t n;
  size_t *ls;
  size_t n_ls;
  /* the last position asked for: spans come in order, so counting
   * characters resumes from there (linear, not quadratic, on long lines) */
  size_t c_off;
  int c_line, c_col;
} lidx;

static void lidx_init(lidx *L, const char *t, size_t n) {
  memset(L, 0, sizeof *L);
  L->t = t;
  L->n = n;
  size_t cap = 0;
  BP_PUSH(L->ls, L->n_ls, cap, 0);
  for (size_t i = 0; i < n; i++)
    if (t[i] == '\n') BP_PUSH(L->ls, L->n_ls, cap, i + 1);
}

static size_t lidx_off(const lidx *L, int line, int bytecol) {
  if (line < 1 || (size_t)line > L->n_ls) return L->n;
  size_t o = L->ls[line - 1] + (size_t)(bytecol > 0 ? bytecol - 1 : 0);
  return o > L->n ? L->n : o;
}

static void lidx_charpos(lidx *L, size_t off, int *line, int *col) {
  size_t lo = 0, hi = L->n_ls;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (L->ls[mid] <= off)
      lo = mid;
    else
      hi = mid;
  }
  size_t p = L->ls[lo];
  int c = 1;
  if (L->c_line == (int)lo + 1 && L->c_off <= off && L->c_off >= p) {
    p = L->c_off;
    c = L->c_col;
  }
  for (; p < off && p < L->n; p++)
    if (((unsigned char)L->t[p] & 0xC0) != 0x80) c++;
  L->c_off = p;
  L->c_line = (int)lo + 1;
  L->c_col = c;
  *line = (int)lo + 1;
  *col = c;
}

/* ------------------------------------------------------------ text runs */

typedef struct anchor {
  size_t at;  /* offset in the run's text */
  size_t src; /* offset in the parsed text, SIZE_MAX if unknown */
} anchor;

typedef struct run {
  bp_buf text;
  unsigned flags;
  char *uri;
  anchor *a;
  size_t n_a, cap_a;
  bool open;
} run;

typedef struct ictx {
  lidx *L;
  bp_spans *out;
  run r;
} ictx;

static size_t run_src(const run *r, size_t at) {
  /* last anchor with a->at <= at (anchors are in increasing order) */
  size_t lo = 0, hi = r->n_a;
  if (!hi || r->a[0].at > at) return SIZE_MAX;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (r->a[mid].at <= at)
      lo = mid;
    else
      hi = mid;
  }
  const anchor *a = &r->a[lo];
  return a->src == SIZE_MAX ? SIZE_MAX : a->src + (at - a->at);
}

static void span_pos(ictx *c, bp_span *sp, size_t src) {
  if (src == SIZE_MAX) return;
  lidx_charpos(c->L, src, &sp->line, &sp->col);
}

/* Is t[i..] the start of a pandoc citation "[@...]"? On success gives the
 * end (after ']') and the ids. */
static bool key_char(char c) {
  return isalnum((unsigned char)c) || (unsigned char)c >= 0x80 || c == '_' ||
         strchr(":.#$%&-+?<>~/", c);
}

/* Is t[i..] a pandoc citation "[@a]", "[@a; @b]", "[see @a, p. 3]",
 * "[-@a]"? Every ';'-separated item must hold one @key whose '@' starts the
 * item or follows a space or '-'. On success gives the end (after ']') and
 * the ids; prefixes and locators are dropped. */
static bool cite_at(const char *t, size_t n, size_t i, size_t *end, char ***ids, size_t *n_ids) {
  if (t[i] != '[') return false;
  size_t close = i + 1;
  while (close < n && t[close] != ']' && t[close] != '[') close++;
  if (close >= n || t[close] != ']') return false;
  char **v = NULL;
  size_t nv = 0, cap = 0;
  size_t p = i + 1;
  bool ok = true;
  while (p < close && ok) {
    size_t q = p;
    while (q < close && t[q] != ';') q++;
    size_t a = p;
    while (a < q && !(t[a] == '@' && (a == p || t[a - 1] == ' ' || t[a - 1] == '-'))) a++;
    if (a >= q) {
      ok = false;
      break;
    }
    size_t k = a + 1, e = k;
    while (e < q && key_char(t[e])) e++;
    while (e > k && strchr(":.#$%&-+?<>~/", t[e - 1])) e--;
    char *id = bp_strndup(t + k, e - k);
    if (!bp__cite_id_valid(id)) {
      free(id);
      ok = false;
      break;
    }
    BP_PUSH(v, nv, cap, id);
    p = q + 1;
  }
  if (!ok || !nv) {
    for (size_t k = 0; k < nv; k++) free(v[k]);
    free(v);
    return false;
  }
  *end = close + 1;
  *ids = v;
  *n_ids = nv;
  return true;
}

static void run_flush(ictx *c) {
  run *r = &c->r;
  if (!r->open) return;
  const char *t = r->text.data ? r->text.data : "";
  size_t n = r->text.len, seg = 0;
  for (size_t i = 0; i < n; i++) {
    size_t end, nid;
    char **ids;
    if (t[i] != '[' || !cite_at(t, n, i, &end, &ids, &nid)) continue;
    if (i > seg) {
      bp_span *sp = bp_spans_add_text(c->out, t + seg, i - seg, r->flags, r->uri);
      span_pos(c, sp, run_src(r, seg));
    }
    bp_span *sp = bp_spans_add_cite(c->out, (const char *const *)ids, nid);
    span_pos(c, sp, run_src(r, i));
    for (size_t k = 0; k < nid; k++) free(ids[k]);
    free(ids);
    seg = i = end;
    i--;
  }
  if (n > seg) {
    bp_span *sp = bp_spans_add_text(c->out, t + seg, n - seg, r->flags, r->uri);
    span_pos(c, sp, run_src(r, seg));
  }
  bp_buf_free(&r->text);
  free(r->uri);
  free(r->a);
  memset(r, 0, sizeof *r);
}

static void run_add(ictx *c, const char *s, unsigned flags, const char *uri, size_t src) {
  run *r = &c->r;
  bool same_uri = (!uri && !r->uri) || (uri && r->uri && !strcmp(uri, r->uri));
  if (r->open && (r->flags != flags || !same_uri)) run_flush(c);
  if (!r->open) {
    r->open = true;
    r->flags = flags;
    r->uri = bp_strdup(uri);
  }
  anchor a = {r->text.len, src};
  BP_PUSH(r->a, r->n_a, r->cap_a, a);
  bp_buf_puts(&r->text, s);
  if (!r->text.data) bp_buf_puts(&r->text, "");
}

static size_t node_src(ictx *c, cmark_node *n) {
  int line = cmark_node_get_start_line(n), col = cmark_node_get_start_column(n);
  if (line <= 0 || col <= 0) return SIZE_MAX;
  return lidx_off(c->L, line, col);
}

static void inlines(ictx *c, cmark_node *parent, unsigned flags, const char *uri, int depth) {
  for (cmark_node *n = cmark_node_first_child(parent); n; n = cmark_node_next(n)) {
    switch (cmark_node_get_type(n)) {
    case CMARK_NODE_TEXT:
    case CMARK_NODE_HTML_INLINE: {
      const char *lit = cmark_node_get_literal(n);
      if (lit && *lit) run_add(c, lit, flags, uri, node_src(c, n));
      break;
    }
    case CMARK_NODE_CODE: {
      const char *lit = cmark_node_get_literal(n);
      if (lit && *lit) {
        size_t src = node_src(c, n);
        run_add(c, lit, flags | BP_SPAN_CODE, uri, src == SIZE_MAX ? src : src + 1);
      }
      break;
    }
    case CMARK_NODE_SOFTBREAK: run_add(c, " ", flags, uri, SIZE_MAX); break;
    case CMARK_NODE_LINEBREAK: {
      run_flush(c);
      bp_span *sp = bp_spans_add_text(c->out, "", 0, flags, NULL);
      sp->kind = BP_SPAN_BREAK;
      break;
    }
    case CMARK_NODE_EMPH:
      if (depth < 64) inlines(c, n, flags | BP_SPAN_ITALIC, uri, depth + 1);
      break;
    case CMARK_NODE_STRONG:
      if (depth < 64) inlines(c, n, flags | BP_SPAN_BOLD, uri, depth + 1);
      break;
    case CMARK_NODE_LINK:
      if (depth < 64) inlines(c, n, flags, cmark_node_get_url(n), depth + 1);
      break;
    case CMARK_NODE_IMAGE: /* its alt text */
      if (depth < 64) inlines(c, n, flags, uri, depth + 1);
      break;
    default: break;
    }
  }
}

static void block_spans(lidx *L, cmark_node *block, bp_spans *out) {
  ictx c = {.L = L, .out = out};
  inlines(&c, block, 0, NULL, 0);
  run_flush(&c);
}

void bp_inline_parse(const char *text, bp_spans *out) {
  size_t n = strlen(text);
  cmark_node *doc = cmark_parse_document(text, n, CMARK_OPT_SOURCEPOS);
  lidx L;
  lidx_init(&L, text, n);
  bool first = true;
  /* every leaf block's inlines, in order (a claim is normally one paragraph) */
  cmark_iter *it = cmark_iter_new(doc);
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *nd = cmark_iter_get_node(it);
    if (ev != CMARK_EVENT_ENTER) continue;
    cmark_node_type t = cmark_node_get_type(nd);
    if (t == CMARK_NODE_PARAGRAPH || t == CMARK_NODE_HEADING) {
      if (!first) bp_spans_add_text(out, " ", 1, 0, NULL);
      first = false;
      block_spans(&L, nd, out);
    } else if (t == CMARK_NODE_CODE_BLOCK) {
      const char *lit = cmark_node_get_literal(nd);
      if (lit) bp_spans_add_text(out, lit, strlen(lit), BP_SPAN_CODE, NULL);
    }
  }
  cmark_iter_free(it);
  cmark_node_free(doc);
  free(L.ls);
}

/* -------------------------------------------------------------- blocks */

typedef struct bctx {
  bp_src *s;
  lidx *L;
  bp_doc *doc;
} bctx;

static int clamp_level(int l) { return l < 1 ? 1 : l > 3 ? 3 : l; }

static void walk_blocks(bctx *b, cmark_node *parent, int list_level, bool quote, int depth) {
  if (depth > 200) return;
  for (cmark_node *n = cmark_node_first_child(parent); n; n = cmark_node_next(n)) {
    cmark_node_type t = cmark_node_get_type(n);
    int line = cmark_node_get_start_line(n);
    switch (t) {
    case CMARK_NODE_HEADING: {
      bp_block *bl = bp_doc_add_block(b->doc, BP_BLOCK_HEADING);
      bl->level = clamp_level(cmark_node_get_heading_level(n));
      bl->line = line;
      block_spans(b->L, n, &bl->spans);
      break;
    }
    case CMARK_NODE_PARAGRAPH: {
      bp_block_kind k = quote ? BP_BLOCK_QUOTE : BP_BLOCK_PARA;
      cmark_node *par = cmark_node_parent(n);
      int number = 0;
      if (par && cmark_node_get_type(par) == CMARK_NODE_ITEM && cmark_node_first_child(par) == n) {
        k = BP_BLOCK_LIST_ITEM;
        cmark_node *list = cmark_node_parent(par);
        if (list && cmark_node_get_list_type(list) == CMARK_ORDERED_LIST) {
          number = cmark_node_get_list_start(list);
          for (cmark_node *q = cmark_node_first_child(list); q && q != par; q = cmark_node_next(q))
            number++;
        }
      }
      bp_block *bl = bp_doc_add_block(b->doc, k);
      bl->line = line;
      bl->level = k == BP_BLOCK_LIST_ITEM ? list_level : 0;
      bl->number = number;
      block_spans(b->L, n, &bl->spans);
      break;
    }
    case CMARK_NODE_LIST: walk_blocks(b, n, list_level + 1, quote, depth + 1); break;
    case CMARK_NODE_ITEM: walk_blocks(b, n, list_level, quote, depth + 1); break;
    case CMARK_NODE_BLOCK_QUOTE: walk_blocks(b, n, list_level, true, depth + 1); break;
    case CMARK_NODE_THEMATIC_BREAK: {
      bp_block *bl = bp_doc_add_block(b->doc, BP_BLOCK_RULE);
      bl->line = line;
      break;
    }
    case CMARK_NODE_CODE_BLOCK: {
      bp_block *bl = bp_doc_add_block(b->doc, quote ? BP_BLOCK_QUOTE : BP_BLOCK_PARA);
      bl->line = line;
      const char *lit = cmark_node_get_literal(n);
      const char *p = lit ? lit : "";
      while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        bp_span *sp = bp_spans_add_text(&bl->spans, p, len, BP_SPAN_CODE, NULL);
        sp->line = line + 1;
        p += len;
        if (*p == '\n') {
          p++;
          if (*p) {
            bp_span *br = bp_spans_add_text(&bl->spans, "", 0, 0, NULL);
            br->kind = BP_SPAN_BREAK;
          }
        }
      }
      break;
    }
    case CMARK_NODE_HTML_BLOCK: {
      const char *lit = cmark_node_get_literal(n);
      while (lit && isspace((unsigned char)*lit)) lit++;
      /* <!-- endnotes --> and <!-- chart: NAME --> place generated blocks */
      if (lit && !strncmp(lit, "<!--", 4)) {
        const char *p = lit + 4;
        while (*p == ' ') p++;
        if (!strncmp(p, "endnotes", 8) && (p[8] == ' ' || p[8] == '-')) {
          bp_doc_add_block(b->doc, BP_BLOCK_ENDNOTES)->line = line;
        } else if (!strncmp(p, "chart:", 6)) {
          p += 6;
          while (*p == ' ') p++;
          size_t len = 0;
          while (p[len] && p[len] != ' ' && p[len] != '-' && p[len] != '\n') len++;
          while (p[len] == '-' && p[len + 1] != '-' && p[len + 1]) {
            len++;
            while (p[len] && p[len] != ' ' && p[len] != '-' && p[len] != '\n') len++;
          }
          if (len) {
            bp_block *bl = bp_doc_add_block(b->doc, BP_BLOCK_CHART);
            bl->line = line;
            bl->ref = bp_strndup(p, len);
          }
        }
      }
      if (b->s && lit && strncmp(lit, "<!--", 4))
        bp__diag(b->s, BP_SEV_WARNING, bp__src_off(b->s, line, 1),
                 "raw HTML is not rendered (ignored)");
      break;
    }
    default: break;
    }
  }
}

/* Reports each block whose text is over the limits (bp_text_within_limits),
 * at the span where it goes over. False when there was one. */
static bool check_block_limits(bp_src *s, const bp_doc *doc) {
  bool ok = true;
  for (size_t i = 0; i < doc->n_blocks; i++) {
    const bp_block *bl = &doc->blocks[i];
    bp_buf text = {0};
    for (size_t k = 0; k < bl->spans.n; k++)
      if (bl->spans.v[k].text) bp_buf_puts(&text, bl->spans.v[k].text);
    size_t bad;
    char why[160];
    if (text.len && !bp_text_within_limits(text.data, text.len, &bad, why, sizeof why)) {
      size_t off = bp__src_off(s, bl->line, 1), at = 0;
      for (size_t k = 0; k < bl->spans.n; k++) { /* the span that holds the bad byte */
        const bp_span *x = &bl->spans.v[k];
        size_t len = x->text ? strlen(x->text) : 0;
        if (x->line && at <= bad) {
          off = bp__src_off(s, x->line, x->col);
          /* within it, when the span is the source as written */
          if (bad < at + len && off + (bad - at) <= s->len &&
              !memcmp(s->text + off, x->text, bad - at))
            off += bad - at;
        }
        at += len;
      }
      bp__diag(s, BP_SEV_ERROR, off, "%s", why);
      ok = false;
    }
    bp_buf_free(&text);
  }
  return ok;
}

bp_doc *bp__markdown_parse(bp_src *s) {
  if (!s->usable) return NULL;
  const char *t = s->text + s->start;
  size_t n = s->len - s->start;
  cmark_node *root = cmark_parse_document(t, n, CMARK_OPT_SOURCEPOS);
  lidx L;
  lidx_init(&L, t, n);
  bp_doc *doc = bp_doc_new();
  doc->source_path = bp_strdup(s->path);
  bctx b = {s, &L, doc};
  walk_blocks(&b, root, 0, false, 0);
  cmark_node_free(root);
  free(L.ls);
  if (!check_block_limits(s, doc)) {
    bp_doc_free(doc);
    return NULL;
  }
  return doc;
}

/* Offset of "@id" at or after `off` in s (before the closing ']'). */
static size_t find_id(const char *t, size_t n, size_t off, const char *id) {
  size_t il = strlen(id);
  for (size_t p = off; p < n && t[p] != '\n'; p++) {
    if (t[p] == ']' && p > off) break;
    if (t[p] == '@' && p + 1 + il <= n && !memcmp(t + p + 1, id, il)) return p + 1;
  }
  return off;
}

void bp__doc_check_cites(bp_src *s, bp_doc *doc, const bp_resolver *r) {
  for (size_t i = 0; i < doc->n_blocks; i++) {
    bp_spans *sp = &doc->blocks[i].spans;
    for (size_t k = 0; k < sp->n; k++) {
      bp_span *x = &sp->v[k];
      size_t off =
          x->line ? bp__src_off(s, x->line, x->col) : bp__src_off(s, doc->blocks[i].line, 1);
      if (x->kind == BP_SPAN_TEXT && x->text && strstr(x->text, "[@")) {
        size_t d = (size_t)(strstr(x->text, "[@") - x->text);
        bp__diag(s, BP_SEV_WARNING, x->line ? off + d : off,
                 "looks like a citation but is not one (write [@id] or [@a; @b])");
      }
      if (x->kind != BP_SPAN_CITE) continue;
      for (size_t c = 0; c < x->n_cite; c++)
        bp__cite_canon(&x->cite_ids[c], bp__resolve(s, r, x->cite_ids[c],
                                                    find_id(s->text, s->len, off, x->cite_ids[c])));
    }
  }
}

bp_status bp_markdown_load(bp_ctx *ctx, const char *path, bp_doc **out) {
  *out = NULL;
  bp_diag_list *dl = bp_diag_list_new();
  bool io;
  bp_src *s = bp__src_open(dl, path, &io);
  bp_doc *doc = bp__markdown_parse(s);
  bp_status st = bp__diag_to_ctx(ctx, dl, io);
  if (st == BP_OK)
    *out = doc;
  else
    bp_doc_free(doc);
  bp__src_free(s);
  bp_diag_list_free(dl);
  return st;
}

const char **bp_doc_cited_ids(const bp_doc *doc, size_t *n_out) {
  const char **v = NULL;
  size_t n = 0, cap = 0;
  bp_strmap seen = {0};
  for (size_t i = 0; i < doc->n_blocks; i++) {
    const bp_spans *sp = &doc->blocks[i].spans;
    for (size_t k = 0; k < sp->n; k++) {
      if (sp->v[k].kind != BP_SPAN_CITE) continue;
      for (size_t c = 0; c < sp->v[k].n_cite; c++) {
        const char *id = sp->v[k].cite_ids[c];
        if (bp__map_get(&seen, id, NULL)) continue;
        bp__map_put(&seen, id, n);
        BP_PUSH(v, n, cap, id);
      }
    }
  }
  bp__map_free(&seen);
  BP_PUSH(v, n, cap, NULL);
  if (n_out) *n_out = n - 1;
  return v;
}

/* -------------------------------------------------------------- articles */

static char *man_str(bp_src *s, bp_json *j, json_t *o, const char *key, bool required) {
  json_t *v = json_object_get(o, key);
  if (!v || json_is_null(v)) {
    if (required)
      bp__diag(s, BP_SEV_ERROR, bp__json_start(j, o), "article manifest has no \"%s\"", key);
    return NULL;
  }
  if (json_is_string(v)) return bp_strdup(json_string_value(v));
  if (json_is_array(v) && !strcmp(key, "keywords")) {
    bp_buf b = {0};
    for (size_t i = 0; i < json_array_size(v); i++) {
      json_t *e = json_array_get(v, i);
      if (!json_is_string(e)) {
        bp__diag(s, BP_SEV_ERROR, bp__json_elem(j, v, i), "a keyword must be a string, not %s",
                 bp__json_type_name(e));
        continue;
      }
      if (b.len) bp_buf_puts(&b, ", ");
      bp_buf_puts(&b, json_string_value(e));
    }
    return bp_buf_detach(&b);
  }
  bp__diag(s, BP_SEV_ERROR, bp__json_val(j, o, key), "field \"%s\" must be a string, not %s", key,
           bp__json_type_name(v));
  return NULL;
}

bp_article *bp__article_parse(bp_src *s, bp_json *j, const char *root) {
  json_t *o = bp__json_root(j);
  if (!json_is_object(o)) {
    bp__diag(s, BP_SEV_ERROR, bp__json_start(j, o), "an article manifest is an object, not %s",
             bp__json_type_name(o));
    return NULL;
  }
  /* "data" and "charts" are read by the article composer (charts in the body) */
  static const char *const KEYS[] = {"title",  "subtitle",     "author",  "date",     "lang",
                                     "body",   "bibliography", "subject", "keywords", "data",
                                     "charts", "template",     NULL};
  bp__json_unknown_keys(s, j, o, KEYS, "an article manifest");
  size_t errs = s->dl->n_errors;
  bp_article *a = bp_calloc(1, sizeof *a);
  a->path = bp_strdup(s->path);
  a->title = man_str(s, j, o, "title", true);
  a->subtitle = man_str(s, j, o, "subtitle", false);
  a->author = man_str(s, j, o, "author", false);
  a->date = man_str(s, j, o, "date", false);
  a->lang = man_str(s, j, o, "lang", false);
  a->subject = man_str(s, j, o, "subject", false);
  a->keywords = man_str(s, j, o, "keywords", false);
  a->template_name = man_str(s, j, o, "template", false);
  char *body = man_str(s, j, o, "body", true);
  char *bib = man_str(s, j, o, "bibliography", false);
  char why[96];
  if (a->date && !bp_date_parse(a->date, NULL, why, sizeof why))
    bp__diag(s, BP_SEV_ERROR, bp__json_val(j, o, "date"), "invalid date \"%s\": %s", a->date, why);
  if (body)
    a->body_path = bp__path_resolve(s, bp__json_val(j, o, "body") + 1, root, "\"body\"", body);
  if (bib)
    a->bib_path =
        bp__path_resolve(s, bp__json_val(j, o, "bibliography") + 1, root, "\"bibliography\"", bib);
  free(body);
  free(bib);
  if (s->dl->n_errors != errs) {
    bp_article_free(a);
    return NULL;
  }
  return a;
}

void bp_article_free(bp_article *a) {
  if (!a) return;
  free(a->path);
  free(a->title);
  free(a->subtitle);
  free(a->author);
  free(a->date);
  free(a->lang);
  free(a->subject);
  free(a->keywords);
  free(a->template_name);
  free(a->body_path);
  free(a->bib_path);
  bp_doc_free(a->doc);
  bp_bib_free(a->bib);
  free(a);
}

static void copy_meta(bp_article *a) {
  bp_doc *d = a->doc;
  d->title = bp_strdup(a->title);
  d->subtitle = bp_strdup(a->subtitle);
  d->author = bp_strdup(a->author);
  d->date = bp_strdup(a->date);
  d->lang = bp_strdup(a->lang);
  d->subject = bp_strdup(a->subject);
  d->keywords = bp_strdup(a->keywords);
}

bp_status bp_article_load(bp_ctx *ctx, const char *json_path, bp_article **out) {
  *out = NULL;
  bp_diag_list *dl = bp_diag_list_new();
  bool io = false, io2 = false;
  bp_src *s = bp__src_open(dl, json_path, &io);
  bp_json *j = bp__json_parse(s);
  char *root = bp_data_root_of(json_path);
  bp_article *a = j ? bp__article_parse(s, j, root) : NULL;
  free(root);
  bp_src *body = NULL, *bibsrc = NULL;
  bp_json *bj = NULL;
  if (a) {
    a->bib = bp__bib_new();
    if (a->bib_path) {
      bibsrc = bp__src_open(dl, a->bib_path, &io2);
      io |= io2;
      bj = bp__json_parse(bibsrc);
      if (bj) bp__bib_parse(bibsrc, bj, a->bib);
    }
    body = bp__src_open(dl, a->body_path, &io2);
    io |= io2;
    a->doc = bp__markdown_parse(body);
    if (a->doc) {
      bp_resolver r = {a->bib, NULL, NULL};
      bp__doc_check_cites(body, a->doc, &r);
      copy_meta(a);
    }
  }
  bp_status st = bp__diag_to_ctx(ctx, dl, io);
  if (st == BP_OK && a && a->doc) {
    *out = a;
  } else {
    if (st == BP_OK) st = bp_error(ctx, BP_ERR_DATA, "%s: cannot load the article", json_path);
    bp_article_free(a);
  }
  bp__json_free(bj);
  bp__src_free(bibsrc);
  bp__src_free(body);
  bp__json_free(j);
  bp__src_free(s);
  bp_diag_list_free(dl);
  return st;
}
