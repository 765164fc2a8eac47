/* markdown.c - prose: GitHub-flavoured Markdown through Debian's
 * cmark-gfm (with source positions, pipe tables and footnotes) into the
 * document model, plus pandoc citations `[@id]` and `[@a; @b]`, which cmark
 * leaves as literal text and which are cut out of the text runs here. A
 * front matter block (`---` ... `---`) sets the document's metadata.
 * Whatever cannot be drawn as written (raw HTML, images, a table in a list,
 * a footnote that is not defined) is an error at file:line:col, never
 * printed literally or dropped. Also the inline parser claims share, the
 * article manifest and the list of cited ids in endnote order. */
#include "data-imp.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
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
  for (const char *nl = t; (nl = memchr(nl, '\n', (size_t)(t + n - nl))); nl++)
    BP_PUSH(L->ls, L->n_ls, cap, (size_t)(nl - t) + 1);
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

/* What a parse reports into and builds. */
typedef struct bctx {
  bp_src *s; /* diagnostics go here; NULL: none (bp_inline_parse) */
  lidx *L;
  bp_doc *doc;
  bool full;  /* tables and footnotes (a file), not one claim's inlines */
  int *lines; /* the lines of the footnotes kept, then pairs of code block lines */
  size_t n_lines, cap_lines, n_note_lines;
} bctx;

typedef struct ictx {
  const bctx *b;
  lidx *L;
  bp_spans *out;
  run r;
  bool note; /* in a footnote */
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
    const char *br = memchr(t + i, '[', n - i); /* citations start with '[' */
    if (!br) break;
    i = (size_t)(br - t);
    if (!cite_at(t, n, i, &end, &ids, &nid)) continue;
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

/* Offset of node n in the parsed text (its nearest positioned ancestor's:
 * cmark-gfm leaves no position on a paragraph a table was split from). */
static size_t node_src(lidx *L, cmark_node *n) {
  for (; n; n = cmark_node_parent(n)) {
    int line = cmark_node_get_start_line(n), col = cmark_node_get_start_column(n);
    if (line > 0 && col > 0) return lidx_off(L, line, col);
  }
  return SIZE_MAX;
}

/* An error at node n (its offset + `skip` bytes): never shown without a
 * source (bp_inline_parse). */
__attribute__((format(printf, 4, 5))) static void md_error(const bctx *b, cmark_node *n,
                                                           size_t skip, const char *fmt, ...) {
  if (!b->s) return;
  size_t off = node_src(b->L, n);
  off = off == SIZE_MAX ? b->s->start : b->s->start + off + skip;
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  bp__diag(b->s, BP_SEV_ERROR, off > b->s->len ? b->s->len : off, "%s", msg);
}

/* The id of footnote number `n` (cmark-gfm numbers them in order of first
 * reference): '^' is never part of a citation id. */
static char *note_id(const bp_doc *doc, const char *n) {
  bp_buf id = {0};
  bp_buf_printf(&id, "^%s@%s", n ? n : "?", doc && doc->source_path ? doc->source_path : "");
  return bp_buf_detach(&id);
}

/* A text that still holds "[^label]" refers to a footnote nobody defined. */
static void undefined_note(ictx *c, cmark_node *n, const char *lit) {
  const char *p = c->b->full ? strstr(lit, "[^") : NULL;
  size_t len = p ? strcspn(p + 2, "] \t\n[") : 0;
  if (!p || p[2 + len] != ']' || !len) return;
  size_t src = node_src(c->L, n), skip = 0;
  if (src != SIZE_MAX && src + (size_t)(p - lit) + len + 3 <= c->L->n &&
      !memcmp(c->L->t + src + (p - lit), p, len + 3))
    skip = (size_t)(p - lit);
  md_error(c->b, n, skip,
           "footnote [^%.*s] is not defined (write \"[^%.*s]: its text\" on a line of its own)",
           (int)len, p + 2, (int)len, p + 2);
}

static void inlines(ictx *c, cmark_node *parent, unsigned flags, const char *uri, int depth) {
  for (cmark_node *n = cmark_node_first_child(parent); n; n = cmark_node_next(n)) {
    switch (cmark_node_get_type(n)) {
    case CMARK_NODE_TEXT: {
      const char *lit = cmark_node_get_literal(n);
      if (lit && *lit) run_add(c, lit, flags, uri, node_src(c->L, n));
      if (lit && c->b->s) undefined_note(c, n, lit);
      break;
    }
    case CMARK_NODE_HTML_INLINE: {
      const char *lit = cmark_node_get_literal(n);
      if (lit && !strncmp(lit, "<!--", 4)) break; /* a comment */
      if (c->b->s)
        md_error(c->b, n, 0,
                 "raw HTML is not supported: %.*s (write Markdown; a '<' meant as text is "
                 "written \\<)",
                 lit ? (int)strcspn(lit, "\r\n") : 0, lit ? lit : "");
      else if (lit && *lit) /* a claim's text, as written */
        run_add(c, lit, flags, uri, node_src(c->L, n));
      break;
    }
    case CMARK_NODE_CODE: {
      const char *lit = cmark_node_get_literal(n);
      if (lit && *lit) {
        size_t src = node_src(c->L, n);
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
    case CMARK_NODE_IMAGE:
      if (c->b->s)
        md_error(c->b, n, 0,
                 "an image cannot be placed in the text (\"%s\"): a template's image section "
                 "draws pictures",
                 cmark_node_get_url(n) ? cmark_node_get_url(n) : "");
      else if (depth < 64) /* a claim: its alt text */
        inlines(c, n, flags, uri, depth + 1);
      break;
    case CMARK_NODE_FOOTNOTE_REFERENCE: {
      if (c->note) {
        md_error(c->b, n, 0, "a footnote cannot refer to another footnote");
        break;
      }
      run_flush(c);
      char *id = note_id(c->b->doc, cmark_node_get_literal(n));
      bp_span *sp = bp_spans_add_cite(c->out, (const char *const *)&id, 1);
      span_pos(c, sp, node_src(c->L, n));
      free(id);
      break;
    }
    default: break;
    }
  }
}

static void block_spans(const bctx *b, cmark_node *block, bp_spans *out, bool note) {
  ictx c = {.b = b, .L = b->L, .out = out, .note = note};
  inlines(&c, block, 0, NULL, 0);
  run_flush(&c);
}

static pthread_once_t gfm_once = PTHREAD_ONCE_INIT;
static void gfm_register(void) { cmark_gfm_core_extensions_ensure_registered(); }

/* Parses t[0..n): with `full`, GitHub's pipe tables and footnotes too. */
static cmark_node *gfm_parse(const char *t, size_t n, bool full) {
  pthread_once(&gfm_once, gfm_register); /* the registry is global: batch parses in threads */
  cmark_parser *p = cmark_parser_new(CMARK_OPT_SOURCEPOS | (full ? CMARK_OPT_FOOTNOTES : 0));
  if (full) cmark_parser_attach_syntax_extension(p, cmark_find_syntax_extension("table"));
  cmark_parser_feed(p, t, n);
  cmark_node *doc = cmark_parser_finish(p);
  cmark_parser_free(p);
  return doc;
}

struct cmark_node *bp__markdown_tree(const char *t, size_t n) {
  return gfm_parse(t, n, true);
}

size_t bp__inline_html(const char *text, size_t *len) {
  size_t n = strlen(text), off = SIZE_MAX;
  cmark_node *doc = gfm_parse(text, n, false);
  lidx L;
  lidx_init(&L, text, n);
  cmark_iter *it = cmark_iter_new(doc);
  cmark_event_type ev;
  while (off == SIZE_MAX && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
    cmark_node *nd = cmark_iter_get_node(it);
    cmark_node_type t = cmark_node_get_type(nd);
    if (ev != CMARK_EVENT_ENTER || (t != CMARK_NODE_HTML_INLINE && t != CMARK_NODE_HTML_BLOCK))
      continue;
    off = node_src(&L, nd);
    if (off >= n) off = 0;
    const char *lit = cmark_node_get_literal(nd);
    *len = lit ? strcspn(lit, "\r\n") : 0; /* a block's: to its first tag's end */
    if (lit && memchr(lit, '>', *len))
      *len = (size_t)((const char *)memchr(lit, '>', *len) - lit) + 1;
  }
  cmark_iter_free(it);
  cmark_node_free(doc);
  free(L.ls);
  return off;
}

char *bp__inline_html_message(const char *text, size_t off, size_t len, const char *what) {
  bp_buf b = {0};
  if (!strncmp(text + off, "<!--", 4))
    bp_buf_printf(&b, "%s has an HTML comment, which is not printed: %.*s", what,
                  (int)(len > 60 ? 60 : len), text + off);
  else
    bp_buf_printf(&b,
                  "%s has what looks like HTML markup, printed as written: %.*s (it is text with "
                  "Markdown: **bold**, *italic*, [text](https://...))",
                  what, (int)(len > 60 ? 60 : len), text + off);
  return bp_buf_detach(&b);
}

void bp_inline_parse(const char *text, bp_spans *out) {
  size_t n = strlen(text);
  cmark_node *doc = gfm_parse(text, n, false);
  lidx L;
  lidx_init(&L, text, n);
  bctx b = {.L = &L};
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
      block_spans(&b, nd, out, false);
    } else if (t == CMARK_NODE_CODE_BLOCK) {
      const char *lit = cmark_node_get_literal(nd);
      if (lit) bp_spans_add_text(out, lit, strlen(lit), BP_SPAN_CODE, NULL);
    } else if (t == CMARK_NODE_HTML_BLOCK) { /* as written, as inline HTML is; not a comment */
      const char *lit = cmark_node_get_literal(nd);
      size_t n_lit = lit ? strlen(lit) : 0;
      while (n_lit && (lit[n_lit - 1] == '\n' || lit[n_lit - 1] == '\r')) n_lit--;
      if (!n_lit || !strncmp(lit, "<!--", 4)) continue;
      if (!first) bp_spans_add_text(out, " ", 1, 0, NULL);
      first = false;
      bp_spans_add_text(out, lit, n_lit, 0, NULL);
    }
  }
  cmark_iter_free(it);
  cmark_node_free(doc);
  free(L.ls);
}

/* -------------------------------------------------------------- blocks */

static int clamp_level(int l) { return l < 1 ? 1 : l > 3 ? 3 : l; }

/* The plain text of a table's header cell, which the layout sets as plain
 * text: emphasis goes with the header's style; a link or a note cannot. */
static char *header_text(const bctx *b, cmark_node *cell, bp_spans *sp) {
  bp_buf t = {0};
  for (size_t k = 0; k < sp->n; k++) {
    if (sp->v[k].kind == BP_SPAN_CITE || sp->v[k].uri) {
      md_error(b, cell, 0,
               "a table's header cell holds plain text: put links, citations and footnotes in "
               "its cells");
      break;
    }
    bp_buf_puts(&t, sp->v[k].kind == BP_SPAN_BREAK ? " " : sp->v[k].text);
  }
  bp_spans_free(sp);
  return t.data ? bp_buf_detach(&t) : bp_strdup("");
}

/* A pipe table: its header row, then rows of cells (a short row's missing
 * cells are empty); alignments from the delimiter row. */
static void table_block(bctx *b, cmark_node *n) {
  size_t nc = cmark_gfm_extensions_get_table_columns(n), cap = 0;
  uint8_t *al = cmark_gfm_extensions_get_table_alignments(n);
  bp_doc_table *t = bp_calloc(1, sizeof *t);
  t->n_cols = nc;
  t->headers = bp_calloc(nc + 1, sizeof *t->headers);
  t->align = bp_calloc(nc + 1, sizeof *t->align);
  for (size_t c = 0; c < nc; c++)
    t->align[c] = !al ? 0 : al[c] == 'l' ? 1 : al[c] == 'c' ? 2 : al[c] == 'r' ? 3 : 0;
  for (cmark_node *row = cmark_node_first_child(n); row; row = cmark_node_next(row)) {
    bool head = cmark_gfm_extensions_get_table_row_is_header(row);
    bp_spans *cells = head ? bp_calloc(nc + 1, sizeof *cells) : NULL;
    if (!head) {
      bp_grow((void **)&t->cells, &cap, (t->n_rows + 1) * nc, sizeof *t->cells);
      cells = &t->cells[t->n_rows++ * nc];
      memset(cells, 0, nc * sizeof *cells);
    }
    size_t c = 0;
    for (cmark_node *cell = cmark_node_first_child(row); cell && c < nc;
         cell = cmark_node_next(cell), c++) {
      block_spans(b, cell, &cells[c], false);
      if (head) t->headers[c] = header_text(b, cell, &cells[c]);
    }
    for (; head && c < nc; c++) t->headers[c] = bp_strdup("");
    if (head) free(cells);
  }
  if (!t->n_rows) md_error(b, n, 0, "a table needs at least one row under its header");
  bp_block *bl = bp_doc_add_block(b->doc, BP_BLOCK_TABLE);
  bl->line = cmark_node_get_start_line(n);
  bl->table = t;
}

/* A footnote's definition: its paragraphs, one after the other, become the
 * note (cmark-gfm keeps those referenced, in order of first reference). */
static void note_block(bctx *b, cmark_node *n) {
  bp_doc *d = b->doc;
  char num[24];
  snprintf(num, sizeof num, "%zu", d->n_notes + 1);
  bp_grow((void **)&d->notes, &d->cap_notes, d->n_notes + 1, sizeof *d->notes);
  bp_doc_note *note = &d->notes[d->n_notes++];
  memset(note, 0, sizeof *note);
  note->id = note_id(d, num);
  note->line = cmark_node_get_start_line(n);
  BP_PUSH(b->lines, b->n_lines, b->cap_lines, note->line);
  b->n_note_lines++;
  for (cmark_node *p = cmark_node_first_child(n); p; p = cmark_node_next(p)) {
    if (cmark_node_get_type(p) != CMARK_NODE_PARAGRAPH) {
      md_error(b, p, 0, "a footnote holds paragraphs only, not a %s",
               cmark_node_get_type_string(p));
      continue;
    }
    if (note->spans.n) bp_spans_add_text(&note->spans, " ", 1, 0, NULL);
    block_spans(b, p, &note->spans, true);
  }
  for (size_t k = 0; k < note->spans.n; k++)
    if (note->spans.v[k].kind == BP_SPAN_CITE) {
      md_error(b, n, 0, "a footnote cannot cite a source: put the citation in the text");
      break;
    }
}

/* An HTML block: <!-- endnotes --> and <!-- chart: NAME --> place generated
 * blocks, other comments say nothing; any other HTML is an error. */
static void html_block(bctx *b, cmark_node *n, int line) {
  const char *lit = cmark_node_get_literal(n);
  while (lit && isspace((unsigned char)*lit)) lit++;
  if (!lit || strncmp(lit, "<!--", 4)) {
    int len = lit ? (int)strcspn(lit, "\r\n") : 0;
    md_error(b, n, 0, "raw HTML is not supported: %.*s (write Markdown)", len > 60 ? 60 : len,
             lit ? lit : "");
    return;
  }
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
      block_spans(b, n, &bl->spans, false);
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
      block_spans(b, n, &bl->spans, false);
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
      BP_PUSH(b->lines, b->n_lines, b->cap_lines, line);
      BP_PUSH(b->lines, b->n_lines, b->cap_lines, cmark_node_get_end_line(n));
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
    case CMARK_NODE_HTML_BLOCK: html_block(b, n, line); break;
    case CMARK_NODE_FOOTNOTE_DEFINITION: note_block(b, n); break;
    default:
      if (!strcmp(cmark_node_get_type_string(n), "table")) {
        if (list_level || quote)
          md_error(b, n, 0, "a table cannot be drawn inside a %s: start it on a line of its own",
                   quote ? "block quote" : "list");
        else
          table_block(b, n);
      } else {
        md_error(b, n, 0, "a Markdown %s cannot be drawn", cmark_node_get_type_string(n));
      }
      break;
    }
  }
}

/* cmark-gfm drops the definition of a footnote nobody refers to: each line
 * "[^label]: ..." outside a code block that did not become a note is one. */
static void unused_notes(bctx *b) {
  const lidx *L = b->L;
  for (size_t i = 0; i < L->n_ls; i++) {
    size_t p = L->ls[i], k = 0;
    while (k < 3 && p < L->n && L->t[p] == ' ') p++, k++;
    if (p + 2 >= L->n || L->t[p] != '[' || L->t[p + 1] != '^') continue;
    size_t len = strcspn(L->t + p + 2, "] \t\n[");
    if (!len || p + 3 + len >= L->n || L->t[p + 2 + len] != ']' || L->t[p + 3 + len] != ':')
      continue;
    bool kept = false;
    for (size_t k2 = 0; k2 < b->n_note_lines && !kept; k2++) kept = b->lines[k2] == (int)i + 1;
    for (size_t k2 = b->n_note_lines; k2 + 1 < b->n_lines && !kept; k2 += 2)
      kept = b->lines[k2] <= (int)i + 1 && (int)i + 1 <= b->lines[k2 + 1];
    if (!kept)
      bp__diag(b->s, BP_SEV_ERROR, b->s->start + p,
               "footnote [^%.*s] is defined but never referenced (write [^%.*s] where it belongs)",
               (int)len, L->t + p + 2, (int)len, L->t + p + 2);
  }
}

/* Reports each of the n span lists whose text is over the limits
 * (bp_text_within_limits), at the span where it goes over. False when there
 * was one. */
static bool check_limits(bp_src *s, const bp_spans *v, size_t n, int line) {
  bool ok = true;
  for (size_t i = 0; i < n; i++) {
    const bp_spans *sp = &v[i];
    bp_buf text = {0};
    for (size_t k = 0; k < sp->n; k++)
      if (sp->v[k].text) bp_buf_puts(&text, sp->v[k].text);
    size_t bad;
    char why[160];
    if (text.len && !bp_text_within_limits(text.data, text.len, &bad, why, sizeof why)) {
      size_t off = bp__src_off(s, line, 1), at = 0;
      for (size_t k = 0; k < sp->n; k++) { /* the span that holds the bad byte */
        const bp_span *x = &sp->v[k];
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

static bool check_block_limits(bp_src *s, const bp_doc *doc) {
  bool ok = true;
  for (size_t i = 0; i < doc->n_blocks; i++) {
    const bp_block *bl = &doc->blocks[i];
    ok &= check_limits(s, &bl->spans, 1, bl->line);
    if (bl->table)
      ok &= check_limits(s, bl->table->cells, bl->table->n_cols * bl->table->n_rows, bl->line);
  }
  for (size_t i = 0; i < doc->n_notes; i++)
    ok &= check_limits(s, &doc->notes[i].spans, 1, doc->notes[i].line);
  return ok;
}

/* ------------------------------------------------------------ front matter */

/* The keys a front matter may set: the document's metadata (what an
 * article manifest also sets: the first FM_META), then the paths a
 * Markdown article on its own names. */
static const char *const FM_KEYS[] = {"title",   "subtitle", "author",       "date",     "lang",
                                      "subject", "keywords", "bibliography", "template", NULL};
enum { FM_META = 7 };

#define FM_KEYS_N (sizeof FM_KEYS / sizeof *FM_KEYS - 1)

static char **fm_field(bp_doc *d, size_t k) {
  char **f[] = {&d->title,   &d->subtitle, &d->author,       &d->date,         &d->lang,
                &d->subject, &d->keywords, &d->bibliography, &d->template_name};
  return f[k];
}

#define FM_KEY_LIST "title, subtitle, author, date, lang, subject, keywords, bibliography, template"

/* A front matter value: plain (to a " #" comment), "double-quoted" (\" \\
 * \n escapes), 'single-quoted' ('' for ') or a [flow, list] (joined with
 * ", "). NULL, with *why set, when it is none of these. */
static char *fm_value(const char *p, const char *e, const char **why) {
  while (p < e && (*p == ' ' || *p == '\t')) p++;
  while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
  bp_buf v = {0};
  if (p < e && (*p == '"' || *p == '\'')) {
    char q = *p++;
    for (; p < e && *p != q; p++) {
      if (q == '"' && *p == '\\' && p + 1 < e) {
        p++;
        bp_buf_putc(&v, *p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
      } else {
        bp_buf_putc(&v, *p);
      }
      if (q == '\'' && *p == '\'' && p + 1 < e && p[1] == '\'') p++;
    }
    if (p >= e || p + 1 != e) {
      *why = p >= e ? "a quoted value is not closed" : "text after the closing quote";
      bp_buf_free(&v);
      return NULL;
    }
  } else if (p < e && *p == '[') {
    if (e[-1] != ']') {
      *why = "a [list] is not closed on its line";
      return NULL;
    }
    for (const char *q = p + 1; q < e - 1;) {
      const char *c = q;
      while (c < e - 1 && *c != ',') c++;
      char *item = fm_value(q, c, why);
      if (!item) {
        bp_buf_free(&v);
        return NULL;
      }
      if (*item) bp_buf_printf(&v, "%s%s", v.len ? ", " : "", item);
      free(item);
      q = c + 1;
    }
  } else if (p < e && strchr("&*!", *p)) {
    *why = "anchors (&), aliases (*) and tags (!) are not read: write the value itself";
    return NULL;
  } else if (p < e && strchr("{|>", *p)) {
    *why = *p == '{' ? "a {mapping} is not read: write the value as text or a [list]"
                     : "a block scalar (| or >) is read only where a value begins";
    return NULL;
  } else {
    const char *c = p;
    while (c < e && !(*c == '#' && (c == p || c[-1] == ' '))) c++;
    while (c > p && c[-1] == ' ') c--;
    bp_buf_put(&v, p, (size_t)(c - p));
  }
  return v.data ? bp_buf_detach(&v) : bp_strdup("");
}

/* The line at t[q..n): its length without "\n" (and "\r"); *next the
 * offset of the line after it. */
static size_t fm_line(const char *t, size_t n, size_t q, size_t *next) {
  const char *e = memchr(t + q, '\n', n - q);
  size_t len = e ? (size_t)(e - (t + q)) : n - q;
  *next = q + len + (e ? 1 : 0);
  return len && t[q + len - 1] == '\r' ? len - 1 : len;
}

static size_t fm_indent(const char *l, size_t len) {
  size_t i = 0;
  while (i < len && (l[i] == ' ' || l[i] == '\t')) i++;
  return i;
}

/* The lines a key's value goes on to, from t[*q]: a block scalar's (`style`
 * '|': lines kept, '>': folded into one, a blank line a line break), a
 * plain value's continuation (`style` ' ', folded), while they are
 * indented or blank. Appended to v; *q moves past them. */
static void fm_more_lines(const char *t, size_t n, size_t *q, char style, bp_buf *v) {
  size_t ind = 0, blank = 0;
  for (size_t next; *q < n; *q = next) {
    size_t len = fm_line(t, n, *q, &next), i = fm_indent(t + *q, len);
    if (i == len) {
      blank++;
      continue;
    }
    if (!i) break; /* the next key, or the end of the front matter */
    if (!ind || i < ind) ind = i;
    if (v->len || blank)
      for (size_t k = 0; k < (style == '|' ? blank + 1 : blank ? blank : 1); k++)
        bp_buf_putc(v, style == '|' || blank ? '\n' : ' ');
    blank = 0;
    bp_buf_put(v, t + *q + (style == '|' ? ind : i), len - (style == '|' ? ind : i));
  }
}

/* A block list under a key (lines "- item", indented or not) from t[*q],
 * its items joined with ", ". NULL with *why at t[*at] when an item is not
 * a value (a mapping, a nested list). */
static char *fm_block_list(const char *t, size_t n, size_t *q, const char **why, size_t *at) {
  bp_buf v = {0};
  size_t first = SIZE_MAX; /* the first item's indentation */
  for (size_t next; *q < n; *q = next) {
    size_t len = fm_line(t, n, *q, &next), i = fm_indent(t + *q, len);
    const char *l = t + *q;
    if (i == len || l[i] == '#') continue;
    bool item = l[i] == '-' && (i + 1 == len || l[i + 1] == ' ' || l[i + 1] == '\t');
    if (!item && !i) break; /* the next key, or the end of the front matter */
    if (item && first == SIZE_MAX) first = i;
    *at = *q + i;
    const char *c = item ? l + i + 1 + fm_indent(l + i + 1, len - i - 1) : l;
    char *x = item ? fm_value(c, l + len, why) : NULL;
    if (!item)
      *why = "a line in a block list that is not an item (- value)";
    else if (x && *c != '"' && *c != '\'' && (strstr(x, ": ") || (*x && x[strlen(x) - 1] == ':')))
      *why = "a list of mappings (- name: ...) is not read: write each item as text (- Kim Jin)";
    else if (x && (*c == '-' || (*c == '[' && strchr(x, ',')) || i > first))
      *why = "a nested list is not read: write each item as text";
    if (*why) {
      free(x);
      bp_buf_free(&v);
      return NULL;
    }
    if (*x) bp_buf_printf(&v, "%s%s", v.len ? ", " : "", x);
    free(x);
  }
  return v.data ? bp_buf_detach(&v) : bp_strdup("");
}

/* The value of a key whose text after ':' is [p, e) on the line that ends
 * before t[*q], with what follows on the next lines: a block scalar (| or
 * >), a block list (- item), a plain value's continuation lines. *q moves
 * past them. NULL with *why at t[*at] when it cannot be read (a nested
 * mapping, anchors...). */
static char *fm_read(const char *t, size_t n, const char *p, const char *e, size_t *q,
                     const char **why, size_t *at) {
  while (p < e && (*p == ' ' || *p == '\t')) p++;
  *at = (size_t)(p - t);
  if (p < e && (*p == '|' || *p == '>')) {
    const char *r = p + 1;
    while (r < e && (*r == '+' || *r == '-' || (*r >= '1' && *r <= '9'))) r++;
    r += fm_indent(r, (size_t)(e - r));
    if (r < e && *r != '#') {
      *why = "text after a block scalar's | or >: the value goes on the lines below, indented";
      return NULL;
    }
    bp_buf v = {0};
    fm_more_lines(t, n, q, *p, &v);
    return v.data ? bp_buf_detach(&v) : bp_strdup("");
  }
  if (p == e || *p == '#') { /* nothing on the key's line: a block list, or nothing */
    size_t r = *q, next, len = 0, i = 0;
    for (; r < n; r = next) { /* the first line that is not blank or a comment */
      len = fm_line(t, n, r, &next);
      i = fm_indent(t + r, len);
      if (i < len && t[r + i] != '#') break;
    }
    if (r < n && t[r + i] == '-' && (i + 1 == len || t[r + i + 1] == ' ' || t[r + i + 1] == '\t')) {
      *q = r;
      return fm_block_list(t, n, q, why, at);
    }
    if (r < n && i) {
      *at = r + i;
      *why = "a nested mapping is not read: write the value on the key's line (author: Kim Jin), "
             "or a list below it (- Kim Jin)";
      return NULL;
    }
    return bp_strdup("");
  }
  char *v = fm_value(p, e, why);
  if (v && *p != '"' && *p != '\'' && *p != '[') { /* a plain value may go on, indented */
    bp_buf b = {0};
    bp_buf_puts(&b, v);
    free(v);
    fm_more_lines(t, n, q, ' ', &b);
    v = bp_buf_detach(&b);
  } else if (!v && (*p == '"' || *p == '\'') && !strcmp(*why, "a quoted value is not closed")) {
    *why = "a quoted value is not closed on its line (write it on one line, or as a block "
           "scalar: key: > and the text on the lines below, indented)";
  }
  return v;
}

/* The front matter at the top of t (a line "---", lines "key: value", a
 * line "---" or "..."), read into doc's metadata. Returns the offset after
 * it (0: none). Unknown and repeated keys, and values it cannot read, are
 * errors at their place. */
static size_t front_matter(bp_src *s, const char *t, size_t n, bp_doc *doc) {
  if (n < 4 || strncmp(t, "---", 3) || (t[3] != '\n' && strncmp(t + 3, "\r\n", 2))) return 0;
  size_t p = t[3] == '\n' ? 4 : 5;
  bool seen[sizeof FM_KEYS / sizeof *FM_KEYS] = {false};
  while (p < n) {
    const char *l = t + p, *e = memchr(l, '\n', n - p);
    size_t len = e ? (size_t)(e - l) : n - p, next = p + len + (e ? 1 : 0);
    size_t tl = len && l[len - 1] == '\r' ? len - 1 : len;
    if ((tl == 3 && (!strncmp(l, "---", 3) || !strncmp(l, "...", 3)))) return next;
    size_t k = 0;
    while (k < tl && (isalnum((unsigned char)l[k]) || l[k] == '_' || l[k] == '-')) k++;
    size_t sp = strspn(l, " \t");
    if (sp >= tl || l[sp] == '#') { /* blank or a comment */
      p = next;
      continue;
    }
    if (!k || k >= tl || l[k] != ':' || (k + 1 < tl && l[k + 1] != ' ' && l[k + 1] != '\t')) {
      bp__diag(s, BP_SEV_ERROR, s->start + p,
               "front matter: expected \"key: value\" (the keys: %s)", FM_KEY_LIST);
      p = next;
      continue;
    }
    size_t f = 0;
    while (FM_KEYS[f] && (strlen(FM_KEYS[f]) != k || strncmp(FM_KEYS[f], l, k))) f++;
    const char *why = NULL;
    size_t at = 0, vat = p + k + 1 + strspn(l + k + 1, " \t");
    char *v = FM_KEYS[f] ? fm_read(t, n, l + k + 1, l + tl, &next, &why, &at) : NULL;
    for (size_t nx; !v && next < n; next = nx) { /* what the value goes on to: read no further */
      size_t ll = fm_line(t, n, next, &nx), i = fm_indent(t + next, ll);
      if (i < ll && !i) break;
    }
    char dw[96];
    if (!FM_KEYS[f])
      bp__diag(s, BP_SEV_ERROR, s->start + p, "unknown front matter key \"%.*s\" (%s)", (int)k, l,
               FM_KEY_LIST);
    else if (seen[f])
      bp__diag(s, BP_SEV_ERROR, s->start + p, "front matter key \"%s\" is set twice", FM_KEYS[f]);
    else if (!v)
      bp__diag(s, BP_SEV_ERROR, s->start + at, "front matter \"%s\": %s", FM_KEYS[f], why);
    else if (f == 3 && *v && !bp_date_parse(v, NULL, dw, sizeof dw))
      bp__diag(s, BP_SEV_ERROR, s->start + vat, "invalid date \"%s\": %s", v, dw);
    else if (*v) {
      *fm_field(doc, f) = v;
      v = NULL;
    }
    if (FM_KEYS[f]) seen[f] = true;
    free(v);
    p = next;
  }
  bp__diag(s, BP_SEV_ERROR, s->start,
           "the front matter opened here is not closed (a line \"---\" or \"...\")");
  return n;
}

bp_doc *bp__markdown_parse(bp_src *s) {
  if (!s->usable) return NULL;
  const char *t = s->text + s->start;
  size_t n = s->len - s->start;
  bp_doc *doc = bp_doc_new();
  doc->source_path = bp_strdup(s->path);
  size_t errs = s->dl->n_errors, fm = front_matter(s, t, n, doc);
  /* the front matter's lines are left blank, so lines and columns stay the file's */
  char *copy = fm ? bp_strndup(t, n) : NULL;
  for (size_t i = 0; i < fm; i++)
    if (copy[i] != '\n') copy[i] = ' ';
  cmark_node *root = gfm_parse(copy ? copy : t, n, true);
  lidx L;
  lidx_init(&L, copy ? copy : t, n);
  bctx b = {.s = s, .L = &L, .doc = doc, .full = true};
  walk_blocks(&b, root, 0, false, 0);
  unused_notes(&b);
  cmark_node_free(root);
  free(b.lines);
  free(L.ls);
  free(copy);
  if (!check_block_limits(s, doc) || s->dl->n_errors != errs) {
    bp_doc_free(doc);
    return NULL;
  }
  return doc;
}

/* A brief's Markdown file: no front matter (its fields are the brief's);
 * with `text`, paragraphs only and no footnotes. */
void bp__markdown_brief_check(bp_src *s, const bp_doc *doc, bool text) {
  for (size_t i = 0; i < FM_KEYS_N; i++)
    if (*fm_field((bp_doc *)doc, i)) {
      bp__diag(s, BP_SEV_ERROR, s->start,
               "a brief's Markdown takes no front matter: its fields are the brief's own");
      break;
    }
  for (size_t i = 0; text && i < doc->n_blocks; i++)
    if (doc->blocks[i].kind != BP_BLOCK_PARA)
      bp__diag(s, BP_SEV_ERROR, bp__src_off(s, doc->blocks[i].line, 1),
               "a summary holds paragraphs only (no headings, lists, quotes, tables or code)");
  if (text && doc->n_notes)
    bp__diag(s, BP_SEV_ERROR, bp__src_off(s, doc->notes[0].line, 1),
             "a summary takes no footnotes: cite a source with [@id]");
}

bp_status bp_markdown_load_brief(bp_ctx *ctx, const char *path, bp_bib *bib, char **text,
                                 bp_doc **doc) {
  if (text) *text = NULL;
  if (doc) *doc = NULL;
  bp_diag_list *dl = bp_diag_list_new();
  bool io;
  bp_src *s = bp__src_open(dl, path, &io);
  bp_doc *d = bp__markdown_parse(s);
  if (d) {
    bp_resolver r = {bib, NULL, NULL};
    bp__doc_check_cites(s, d, &r);
    bp__markdown_brief_check(s, d, text != NULL);
  }
  bp_status st = bp__diag_to_ctx(ctx, dl, io);
  if (!st && text) *text = bp_strndup(s->text + s->start, s->len - s->start);
  if (!st && doc) {
    bp_bib_add_notes(bib, d);
    *doc = d;
    d = NULL;
  }
  bp_doc_free(d);
  bp__src_free(s);
  bp_diag_list_free(dl);
  return st;
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

static void check_cites(bp_src *s, bp_spans *sp, int line, const bp_resolver *r) {
  for (size_t k = 0; k < sp->n; k++) {
    bp_span *x = &sp->v[k];
    size_t off = x->line ? bp__src_off(s, x->line, x->col) : bp__src_off(s, line, 1);
    if (x->kind == BP_SPAN_TEXT && x->text && strstr(x->text, "[@")) {
      size_t d = (size_t)(strstr(x->text, "[@") - x->text);
      bp__diag(s, BP_SEV_WARNING, x->line ? off + d : off,
               "looks like a citation but is not one (write [@id] or [@a; @b])");
    }
    if (x->kind != BP_SPAN_CITE) continue;
    for (size_t c = 0; c < x->n_cite; c++)
      if (x->cite_ids[c][0] != '^') /* a footnote's, not a citation */
        bp__cite_canon(&x->cite_ids[c], bp__resolve(s, r, x->cite_ids[c],
                                                    find_id(s->text, s->len, off, x->cite_ids[c])));
  }
}

void bp__doc_check_cites(bp_src *s, bp_doc *doc, const bp_resolver *r) {
  for (size_t i = 0; i < doc->n_blocks; i++) {
    bp_block *bl = &doc->blocks[i];
    check_cites(s, &bl->spans, bl->line, r);
    for (size_t c = 0; bl->table && c < bl->table->n_cols * bl->table->n_rows; c++)
      check_cites(s, &bl->table->cells[c], bl->line, r);
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

static void cited_in(const bp_spans *sp, bp_strmap *seen, const char ***v, size_t *n, size_t *cap) {
  for (size_t k = 0; k < sp->n; k++)
    for (size_t c = 0; sp->v[k].kind == BP_SPAN_CITE && c < sp->v[k].n_cite; c++) {
      const char *id = sp->v[k].cite_ids[c];
      if (bp__map_get(seen, id, NULL)) continue;
      bp__map_put(seen, id, *n);
      BP_PUSH(*v, *n, *cap, id);
    }
}

const char **bp_doc_cited_ids(const bp_doc *doc, size_t *n_out) {
  const char **v = NULL;
  size_t n = 0, cap = 0;
  bp_strmap seen = {0};
  for (size_t i = 0; i < doc->n_blocks; i++) {
    const bp_block *bl = &doc->blocks[i];
    cited_in(&bl->spans, &seen, &v, &n, &cap);
    for (size_t c = 0; bl->table && c < bl->table->n_cols * bl->table->n_rows; c++)
      cited_in(&bl->table->cells[c], &seen, &v, &n, &cap);
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
  a->title = man_str(s, j, o, "title", false); /* or the body's front matter's */
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

void bp__article_merge(bp_src *s, bp_json *j, bp_article *a, bp_doc *doc) {
  json_t *o = bp__json_root(j);
  char **man[] = {&a->title, &a->subtitle, &a->author,  &a->date,
                  &a->lang,  &a->subject,  &a->keywords};
  for (size_t k = FM_META; FM_KEYS[k]; k++)
    if (*fm_field(doc, k))
      bp__diag(s, BP_SEV_ERROR, bp__json_start(j, o),
               "the front matter of %s names a \"%s\": the manifest names it (a front matter "
               "names it only for a Markdown article on its own)",
               doc->source_path, FM_KEYS[k]);
  for (size_t k = 0; k < FM_META; k++) {
    char **fm = fm_field(doc, k);
    if (*man[k] && *fm)
      bp__diag(s, BP_SEV_ERROR, bp__json_val(j, o, FM_KEYS[k]),
               "\"%s\" is set both here and in the front matter of %s", FM_KEYS[k],
               doc->source_path);
    else if (*fm)
      *man[k] = bp_strdup(*fm);
    else
      *fm = bp_strdup(*man[k]);
  }
  if (!a->title)
    bp__diag(s, BP_SEV_ERROR, bp__json_start(j, o),
             "article manifest has no \"title\" (nor has the front matter of %s)",
             doc->source_path);
}

bool bp_markdown_input(const char *path) {
  const char *dot = strrchr(path, '.');
  if (dot && (!strcmp(dot, ".md") || !strcmp(dot, ".markdown"))) return true;
  if (strcmp(path, BP_STDIN_NAME)) return false;
  bp_ctx ignore;
  bp_ctx_init(&ignore);
  char *text = NULL;
  if (bp_file_read(&ignore, BP_STDIN_NAME, &text, NULL)) return false;
  const char *p = text + strspn(text, " \t\r\n");
  bool md = *p != '{' && *p != '[';
  free(text);
  return md;
}

/* Offset of the front matter's line "key:" in s (its start when none). */
static size_t fm_key_off(const bp_src *s, const char *key) {
  size_t n = strlen(key);
  for (size_t i = 0; i < s->n_ls; i++)
    if (!strncmp(s->text + s->ls[i], key, n) && s->text[s->ls[i] + n] == ':') return s->ls[i];
  return s->start;
}

char *bp__markdown_bib_path(bp_src *s, const bp_doc *doc, const char *root) {
  if (!doc->bibliography) return NULL;
  size_t off = fm_key_off(s, "bibliography") + 13; /* its value */
  off += strspn(s->text + off, " \t");
  return bp__path_resolve(s, off, root, "\"bibliography\"", doc->bibliography);
}

/* A Markdown file that is the article itself: its front matter is the
 * manifest (a title; "bibliography" and "template" relative to it). */
static bp_status article_md_load(bp_ctx *ctx, const char *path, bp_article **out) {
  bp_diag_list *dl = bp_diag_list_new();
  bool io = false, io2 = false;
  bp_src *s = bp__src_open(dl, path, &io), *bs = NULL;
  bp_json *bj = NULL;
  bp_doc *doc = bp__markdown_parse(s);
  bp_article *a = NULL;
  if (doc) {
    a = bp_calloc(1, sizeof *a);
    a->path = bp_strdup(path);
    a->body_path = bp_strdup(path);
    a->bib = bp__bib_new();
    a->doc = doc;
    char **man[] = {&a->title, &a->subtitle, &a->author,  &a->date,
                    &a->lang,  &a->subject,  &a->keywords};
    for (size_t k = 0; k < FM_META; k++) *man[k] = bp_strdup(*fm_field(doc, k));
    a->template_name = bp_strdup(doc->template_name);
    if (!a->title)
      bp__diag(s, BP_SEV_ERROR, s->start,
               "a Markdown article needs a title: a front matter block with \"title: ...\"");
    char *root = bp_data_root_of(path);
    a->bib_path = bp__markdown_bib_path(s, doc, root);
    free(root);
    if (a->bib_path) {
      bs = bp__src_open(dl, a->bib_path, &io2);
      io |= io2;
      bj = bp__json_parse(bs);
      if (bj) bp__bib_parse(bs, bj, a->bib);
    }
    bp_resolver r = {a->bib, NULL, NULL};
    bp__doc_check_cites(s, doc, &r);
    bp_bib_add_notes(a->bib, doc);
  }
  bp_status st = bp__diag_to_ctx(ctx, dl, io);
  if (st == BP_OK && a)
    *out = a;
  else {
    if (st == BP_OK) st = bp_error(ctx, BP_ERR_DATA, "%s: cannot load the article", path);
    bp_article_free(a);
  }
  bp__json_free(bj);
  bp__src_free(bs);
  bp__src_free(s);
  bp_diag_list_free(dl);
  return st;
}

bp_status bp_article_load(bp_ctx *ctx, const char *json_path, bp_article **out) {
  *out = NULL;
  if (bp_markdown_input(json_path)) return article_md_load(ctx, json_path, out);
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
      bp__article_merge(s, j, a, a->doc);
      bp_bib_add_notes(a->bib, a->doc);
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
