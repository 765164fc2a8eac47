/* common.c - what the composers share (see compose-imp.h). */
#include "compose-imp.h"

#include <stdlib.h>
#include <string.h>

int bp__number_of(void *ud, const char *id) {
  bp__numbering *nb = ud;
  const bp_csl_item *it = nb->bib ? bp_bib_lookup(nb->bib, id) : NULL;
  if (it && it->id) id = it->id; /* one note per work, whichever of its ids is cited */
  for (size_t i = 0; i < nb->n; i++)
    if (!strcmp(nb->ids[i], id)) return (int)i + 1;
  char *copy = bp_strdup(id);
  BP_PUSH(nb->ids, nb->n, nb->cap, copy);
  return (int)nb->n;
}

void bp__numbering_clear(bp__numbering *nb) {
  for (size_t i = 0; i < nb->n; i++) free(nb->ids[i]);
  nb->n = 0;
}

void bp__numbering_free(bp__numbering *nb) {
  bp__numbering_clear(nb);
  free(nb->ids);
  nb->ids = NULL;
  nb->cap = 0;
}

void bp__endnote_spans(const bp_csl_item *it, bp_spans *out) {
  char *txt = bp_csl_format_endnote(it);
  bp_spans_add_text(out, txt, strlen(txt), 0, NULL);
  free(txt);
  if (it->url) {
    bp_spans_add_text(out, " ", 1, 0, NULL);
    bp_spans_add_text(out, it->url, strlen(it->url), 0, it->url);
  }
}

static bool cited_inline(const bp_claim *cl, const char *id) {
  for (size_t k = 0; k < cl->spans.n; k++)
    for (size_t j = 0; j < cl->spans.v[k].n_cite; j++)
      if (!strcmp(cl->spans.v[k].cite_ids[j], id)) return true;
  return false;
}

char *bp__claim_markup(const bp_claim *cl, bool korean) {
  bp_buf b = {0};
  bool ko = korean && cl->text_ko;
  bp_buf_puts(&b, ko ? cl->text_ko : cl->text);
  /* the Korean text has no markers of its own: the English text's come
   * first, in their order, so both editions number the notes alike */
  for (size_t k = 0; ko && k < cl->spans.n; k++)
    for (size_t j = 0; j < cl->spans.v[k].n_cite; j++)
      bp_buf_printf(&b, " [@%s]", cl->spans.v[k].cite_ids[j]);
  for (size_t i = 0; i < cl->n_cites; i++)
    if (!cited_inline(cl, cl->cites[i])) bp_buf_printf(&b, " [@%s]", cl->cites[i]);
  return bp_buf_detach(&b);
}

char *bp__source_line(const bp_csl_item *it, const char *label) {
  bp_buf b = {0};
  bp_buf_printf(&b, "%s ", label ? label : "Source:");
  char *authors = bp_csl_format_authors(it);
  if (it->container_title)
    bp_buf_puts(&b, it->container_title);
  else if (authors && *authors)
    bp_buf_puts(&b, authors);
  else if (it->title)
    bp_buf_puts(&b, it->title);
  free(authors);
  if (it->issued.y) bp_buf_printf(&b, " (%d)", it->issued.y);
  return bp_buf_detach(&b);
}
