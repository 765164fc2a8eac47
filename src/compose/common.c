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
