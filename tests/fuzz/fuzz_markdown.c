/* fuzz_markdown.c - libFuzzer target: GitHub-flavoured Markdown through
 * cmark-gfm into the document model (front matter, pipe tables, footnotes,
 * pandoc citations, the errors for what cannot be drawn), citation checks,
 * the footnotes moved into a bibliography, the cited-id list, a table as
 * the layout takes it, and the inline parser claims use. */
#include <stdlib.h>
#include <string.h>

#include "data/data-imp.h"
#include "layout/table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bp_diag_list *dl = bp_diag_list_new();
  bp_src *s = bp__src_mem(dl, "fuzz.md", (const char *)data, size);
  bp_doc *doc = bp__markdown_parse(s);
  if (doc) {
    bp_bib *bib = bp__bib_new();
    bp_resolver r = {bib, NULL, NULL};
    bp__doc_check_cites(s, doc, &r);
    bp_bib_add_notes(bib, doc);
    free(bp_doc_cited_ids(doc, NULL));
    for (size_t i = 0; i < doc->n_blocks; i++) {
      if (!doc->blocks[i].table) continue;
      bp_table_column *cols;
      free(bp_table_of_doc(doc->blocks[i].table, &cols));
      free(cols);
    }
    bp_bib_free(bib);
  }
  bp_doc_free(doc);
  if (s->usable) { /* the same bytes as one claim's text */
    bp_spans sp = {0};
    bp_inline_parse(s->text, &sp);
    bp_spans_free(&sp);
  }
  bp__src_free(s);
  bp_diag_list_free(dl);
  return 0;
}
