/* findings.c - a brief's key findings from a Markdown file: one list, each
 * item a finding (one paragraph of inline Markdown) that cites its sources
 * with [@id], so that every finding carries its endnote as a claim does.
 * The items become claims of their own (bp_claims, ids "finding N") that
 * the composer and the newsletter read as they read the data folder's.
 * Everything else in the file is an error at file:line:col; the generic
 * checks (raw HTML, images, citations, limits) are markdown.c's. */
#include "data-imp.h"

#include <cmark-gfm.h>
#include <stdlib.h>
#include <string.h>

/* Byte offset in s of cmark's (line, byte column) over s->text + s->start. */
static size_t node_off(const bp_src *s, int line, int bytecol) {
  if (line < 1 || (size_t)line > s->n_ls) return s->len;
  size_t p = line == 1 ? s->start : s->ls[line - 1];
  p += (size_t)(bytecol > 1 ? bytecol - 1 : 0);
  return p > s->len ? s->len : p;
}

static size_t start_off(const bp_src *s, cmark_node *n) {
  return node_off(s, cmark_node_get_start_line(n), cmark_node_get_start_column(n));
}

/* What a block that is not a finding is called in a message (`item`: it is
 * in a list item, after the finding's paragraph). */
static const char *block_name(cmark_node *n, bool item) {
  switch (cmark_node_get_type(n)) {
  case CMARK_NODE_PARAGRAPH: return item ? "a second paragraph" : "text outside the list";
  case CMARK_NODE_HEADING: return "a heading";
  case CMARK_NODE_BLOCK_QUOTE: return "a block quote";
  case CMARK_NODE_CODE_BLOCK: return "a code block";
  case CMARK_NODE_THEMATIC_BREAK: return "a rule";
  case CMARK_NODE_LIST: return "a nested list";
  case CMARK_NODE_HTML_BLOCK: return "an HTML comment";
  default: return !strcmp(cmark_node_get_type_string(n), "table") ? "a table" : "this block";
  }
}

/* The item's paragraph (n) as a claim "finding <number>" of c. */
static void add_finding(bp_src *s, const bp_bib *bib, cmark_node *n, bp_claims *c) {
  size_t a = start_off(s, n);
  size_t b = node_off(s, cmark_node_get_end_line(n), cmark_node_get_end_column(n)) + 1;
  bp_claim cl;
  memset(&cl, 0, sizeof cl);
  char id[32];
  snprintf(id, sizeof id, "finding %zu", c->n + 1);
  cl.id = bp_strdup(id);
  cl.text = bp_strndup(s->text + a, b > a && b <= s->len ? b - a : 0);
  cl.path = c->paths[0];
  bp__src_linecol(s, a, &cl.line, &cl.col);
  bp_inline_parse(cl.text, &cl.spans);
  bool words = false;
  size_t cap = 0;
  bp_strmap seen = {0};
  for (size_t k = 0; k < cl.spans.n; k++) {
    bp_span *sp = &cl.spans.v[k];
    if (sp->kind != BP_SPAN_CITE) words |= sp->text && !bp_text_blank(sp->text);
    for (size_t q = 0; sp->kind == BP_SPAN_CITE && q < sp->n_cite; q++) {
      bp__cite_canon(&sp->cite_ids[q], bp_bib_lookup(bib, sp->cite_ids[q]));
      if (bp__map_get(&seen, sp->cite_ids[q], NULL)) continue;
      bp__map_put(&seen, sp->cite_ids[q], 1);
      char *x = bp_strdup(sp->cite_ids[q]);
      BP_PUSH(cl.cites, cl.n_cites, cap, x);
    }
  }
  bp__map_free(&seen);
  if (!cl.n_cites)
    bp__diag(s, BP_SEV_ERROR, a,
             "finding %zu has no source: cite it with [@id] (every finding carries its endnote)",
             c->n + 1);
  else if (!words)
    bp__diag(s, BP_SEV_ERROR, a, "finding %zu is only a citation (write the finding, then cite it)",
             c->n + 1);
  BP_PUSH(c->v, c->n, c->cap, cl);
}

/* The list items of the parsed file as findings; anything else is an
 * error at its place. */
static void read_findings(bp_src *s, const bp_bib *bib, bp_claims *c) {
  cmark_node *root = bp__markdown_tree(s->text + s->start, s->len - s->start);
  for (cmark_node *n = cmark_node_first_child(root); n; n = cmark_node_next(n)) {
    cmark_node_type t = cmark_node_get_type(n);
    const char *lit = t == CMARK_NODE_HTML_BLOCK ? cmark_node_get_literal(n) : NULL;
    if (lit && !strncmp(lit, "<!--", 4) && !strstr(lit, "endnotes") && !strstr(lit, "chart:"))
      continue; /* a comment */
    if (t == CMARK_NODE_FOOTNOTE_DEFINITION) {
      bp__diag(s, BP_SEV_ERROR, node_off(s, cmark_node_get_start_line(n), 1),
               "a finding takes no footnotes: cite its source with [@id]");
      continue;
    }
    if (t != CMARK_NODE_LIST) {
      bp__diag(s, BP_SEV_ERROR, start_off(s, n),
               "a findings file is a list, one finding per item (- text [@source]): %s is not "
               "a finding",
               block_name(n, false));
      continue;
    }
    for (cmark_node *item = cmark_node_first_child(n); item; item = cmark_node_next(item)) {
      cmark_node *par = cmark_node_first_child(item);
      cmark_node *more = par ? cmark_node_next(par) : NULL;
      if (!par || cmark_node_get_type(par) != CMARK_NODE_PARAGRAPH)
        bp__diag(s, BP_SEV_ERROR, start_off(s, par ? par : item),
                 "a finding is a line of text (- text [@source]), not %s",
                 par ? block_name(par, true) : "an empty item");
      else if (more)
        bp__diag(s, BP_SEV_ERROR, start_off(s, more),
                 "a finding is one paragraph: %s cannot be part of it (make it an item of its own)",
                 block_name(more, true));
      else
        add_finding(s, bib, par, c);
    }
  }
  cmark_node_free(root);
}

bp_status bp_markdown_load_findings(bp_ctx *ctx, const char *path, const bp_bib *bib,
                                    bp_claims **out) {
  *out = NULL;
  bp_diag_list *dl = bp_diag_list_new();
  bool io;
  bp_src *s = bp__src_open(dl, path, &io);
  bp_doc *d = bp__markdown_parse(s);
  bp_claims *c = bp_calloc(1, sizeof *c);
  c->paths = bp_calloc(1, sizeof *c->paths);
  c->paths[c->n_paths++] = bp_strdup(path);
  c->cap_paths = 1;
  if (d) {
    bp_resolver r = {bib, NULL, NULL};
    bp__doc_check_cites(s, d, &r);
    bp__markdown_brief_check(s, d, false);
  }
  if (d && !dl->n_errors) read_findings(s, bib, c);
  if (d && !dl->n_errors && !c->n)
    bp__diag(s, BP_SEV_ERROR, s->start,
             "no findings: write each as an item of a list (- text [@source])");
  bp_status st = bp__diag_to_ctx(ctx, dl, io);
  if (!st) {
    *out = c;
    c = NULL;
  }
  bp_claims_free(c);
  bp_doc_free(d);
  bp__src_free(s);
  bp_diag_list_free(dl);
  return st;
}
