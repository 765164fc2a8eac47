/* doc.c - construction and destruction of the document model. */
#include "doc.h"

#include <stdlib.h>
#include <string.h>

bp_doc *bp_doc_new(void) { return bp_calloc(1, sizeof(bp_doc)); }

void bp_spans_free(bp_spans *s) {
  for (size_t i = 0; i < s->n; i++) {
    bp_span *sp = &s->v[i];
    free(sp->text);
    free(sp->uri);
    for (size_t k = 0; k < sp->n_cite; k++) free(sp->cite_ids[k]);
    free(sp->cite_ids);
  }
  free(s->v);
  memset(s, 0, sizeof *s);
}

void bp_doc_free(bp_doc *doc) {
  if (!doc) return;
  for (size_t i = 0; i < doc->n_blocks; i++) {
    bp_spans_free(&doc->blocks[i].spans);
    free(doc->blocks[i].ref);
    bp_doc_table_free(doc->blocks[i].table);
  }
  free(doc->blocks);
  for (size_t i = 0; i < doc->n_notes; i++) {
    free(doc->notes[i].id);
    bp_spans_free(&doc->notes[i].spans);
  }
  free(doc->notes);
  free(doc->title);
  free(doc->subtitle);
  free(doc->author);
  free(doc->date);
  free(doc->lang);
  free(doc->subject);
  free(doc->keywords);
  free(doc->source_path);
  free(doc->bibliography);
  free(doc->template_name);
  free(doc);
}

void bp_doc_table_free(bp_doc_table *t) {
  if (!t) return;
  for (size_t i = 0; i < t->n_cols; i++) free(t->headers[i]);
  for (size_t i = 0; i < t->n_cols * t->n_rows; i++) bp_spans_free(&t->cells[i]);
  free(t->headers);
  free(t->align);
  free(t->cells);
  free(t);
}

bp_block *bp_doc_add_block(bp_doc *doc, bp_block_kind kind) {
  bp_grow((void **)&doc->blocks, &doc->cap_blocks, doc->n_blocks + 1, sizeof *doc->blocks);
  bp_block *b = &doc->blocks[doc->n_blocks++];
  memset(b, 0, sizeof *b);
  b->kind = kind;
  return b;
}

static bp_span *add_span(bp_spans *s) {
  bp_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v);
  bp_span *sp = &s->v[s->n++];
  memset(sp, 0, sizeof *sp);
  return sp;
}

bp_span *bp_spans_add_text(bp_spans *s, const char *text, size_t len, unsigned flags,
                           const char *uri) {
  bp_span *sp = add_span(s);
  sp->kind = BP_SPAN_TEXT;
  sp->flags = flags;
  sp->text = bp_strndup(text, len);
  sp->uri = bp_strdup(uri);
  return sp;
}

bp_span *bp_spans_add_cite(bp_spans *s, const char *const *ids, size_t n) {
  bp_span *sp = add_span(s);
  sp->kind = BP_SPAN_CITE;
  sp->cite_ids = bp_calloc(n, sizeof(char *));
  for (size_t i = 0; i < n; i++) sp->cite_ids[i] = bp_strdup(ids[i]);
  sp->n_cite = n;
  return sp;
}

void bp_spans_append(bp_spans *dst, const bp_spans *src) {
  for (size_t i = 0; i < src->n; i++) {
    const bp_span *x = &src->v[i];
    bp_span *y = x->kind == BP_SPAN_CITE
                     ? bp_spans_add_cite(dst, (const char *const *)x->cite_ids, x->n_cite)
                     : bp_spans_add_text(dst, x->text ? x->text : "", x->text ? strlen(x->text) : 0,
                                         x->flags, x->uri);
    y->kind = x->kind;
    y->flags = x->flags;
    y->line = x->line;
    y->col = x->col;
  }
}

char *bp_spans_key(const bp_spans *sp) {
  bp_buf k = {0};
  for (size_t i = 0; i < sp->n; i++) {
    const bp_span *s = &sp->v[i];
    bp_buf_printf(&k, "%d.%u|%s|%s|", (int)s->kind, s->flags, s->text ? s->text : "",
                  s->uri ? s->uri : "");
    for (size_t c = 0; c < s->n_cite; c++) bp_buf_printf(&k, "%s,", s->cite_ids[c]);
  }
  return k.data ? bp_buf_detach(&k) : bp_strdup("");
}
