/* csl.h - a CSL 1.0.2 processor (Citation Style Language): loads a style
 * (.csl) and its locale (.xml), renders citations and bibliography entries
 * into inline spans (bp_spans: italic, bold, superscript, links for URLs
 * and DOIs) or into the HTML-like text of the CSL test suite. Depends on
 * core, the document model and the data layer's bp_csl_item; expat reads
 * the XML, jansson holds the items. Nothing here knows fonts or pages. */
#ifndef BP_CSL_H
#define BP_CSL_H

#include "../core/bp.h"
#include "../data/data.h"
#include "../model/doc.h"

/** Where Debian's citation-style-language-styles and -locales install. */
#define BP_CSL_STYLE_DIR "/usr/share/citation-style-language/styles"
#define BP_CSL_LOCALE_DIR "/usr/share/citation-style-language/locales"

/** The path of the house style, templates/csl/briefpress-endnote.csl in
 * briefpress's data folder (the source tree, or PREFIX/share/briefpress
 * when installed). Caller frees. */
char *bp_csl_house_style_path(void);

/** A loaded style with its locale chain (immutable once loaded; may be
 * shared by threads that each use their own bp_csl_proc). */
typedef struct bp_csl_style bp_csl_style;

typedef struct bp_csl_style_options {
  /** Locale to render in ("ko-KR", "en-US"...); NULL: the style's
   * default-locale, else en-US. */
  const char *lang;
  /** Folder of locales-xx-XX.xml files; NULL: BP_CSL_LOCALE_DIR. A missing
   * folder or file is not an error: the style's own <locale> elements and
   * built-in English terms are used. */
  const char *locale_dir;
  /** Folder searched for a style given as an id ("apa"); NULL:
   * BP_CSL_STYLE_DIR. Also where a dependent style's parent is found. */
  const char *style_dir;
} bp_csl_style_options;

/** Loads a style: `name` is a path to a .csl file (it contains '/' or ends
 * in ".csl") or a style id looked up as STYLE_DIR/ID.csl (a dependent style
 * loads its independent parent from the same folder). opts may be NULL.
 * Malformed XML, unknown elements or attributes values, a missing or
 * recursive macro fail with BP_ERR_DATA and `file:line: message`; a missing
 * file with BP_ERR_IO. Caller frees with bp_csl_style_free. */
bp_status bp_csl_style_load(bp_ctx *ctx, const char *name, const bp_csl_style_options *opts,
                            bp_csl_style **out);
/** bp_csl_style_load from memory; `name` is used in messages only. */
bp_status bp_csl_style_load_mem(bp_ctx *ctx, const char *name, const char *xml, size_t len,
                                const bp_csl_style_options *opts, bp_csl_style **out);
void bp_csl_style_free(bp_csl_style *st);
/** "note", "in-text" (the style's class). Borrowed. */
const char *bp_csl_style_class(const bp_csl_style *st);
/** True when the style has a <bibliography>. */
bool bp_csl_style_has_bibliography(const bp_csl_style *st);

/** A processor: one document's registry of cited items (citation numbers,
 * disambiguation, positions). Not thread-safe; one per document. */
typedef struct bp_csl_proc bp_csl_proc;

/** A new processor for a style (borrowed; must outlive the processor). */
bp_csl_proc *bp_csl_proc_new(const bp_csl_style *st);
void bp_csl_proc_free(bp_csl_proc *p);
/** Registers an item (borrowed; must outlive the processor) in citation
 * order: the first registered gets citation number 1. Registering the same
 * id twice is a no-op. Fails with BP_ERR_DATA when the item cannot be
 * represented (it never does for a bp_csl_item that loaded). */
bp_status bp_csl_proc_add(bp_ctx *ctx, bp_csl_proc *p, const bp_csl_item *item);

/** Appends the bibliography entry of a registered item (by id) to `out`,
 * rendered with the style's <bibliography> (or <citation> when it has none)
 * after sorting and disambiguating all registered items: text with
 * italic/bold/superscript flags, URLs and DOIs as links. Fails with
 * BP_ERR_DATA for an unregistered id. */
bp_status bp_csl_proc_entry(bp_ctx *ctx, bp_csl_proc *p, const char *id, bp_spans *out);
/** The registered ids in bibliography order (sorted by the style's
 * <bibliography><sort>, else registration order). NULL-terminated array of
 * borrowed strings; free the array with free(). *n may be NULL. */
const char **bp_csl_proc_bibliography_order(bp_csl_proc *p, size_t *n);
/** Appends one citation of the registered ids to `out` (sorted, collapsed
 * and disambiguated as the style says; `locators` may be NULL, else one
 * "page" locator or NULL per id). */
bp_status bp_csl_proc_citation(bp_ctx *ctx, bp_csl_proc *p, const char *const *ids,
                               const char *const *locators, size_t n, bp_spans *out);

/** A style shared by the whole process: loaded on first use per (name,
 * lang) and kept until the process exits (thread-safe). `name` as for
 * bp_csl_style_load, NULL: the house style; `lang` NULL: the style's
 * default-locale. Borrowed: never freed by the caller. Errors as
 * bp_csl_style_load's (and not remembered: a later call tries again). */
bp_status bp_csl_style_shared(bp_ctx *ctx, const char *name, const char *lang,
                              const bp_csl_style **out);
/** True when the style's <citation> collapses citation numbers into
 * ranges (collapse="citation-number": "2–4"). st may be NULL (false). */
bool bp_csl_style_collapses_numbers(const bp_csl_style *st);
/** A document's endnotes: `ids` (n of them, note i+1 is ids[i]; an alias
 * resolves to its work in `bib`) rendered in `st`, each appended to out[i]
 * (the caller's n bp_spans): a note style's full first note, else the
 * bibliography entry. An id not in bib fails with BP_ERR_DATA. */
bp_status bp_csl_notes(bp_ctx *ctx, const bp_csl_style *st, const bp_bib *bib,
                       const char *const *ids, size_t n, bp_spans *out);

/** Test-suite form of an entry or citation: HTML-like text (<i>, <b>,
 * <sup>, small caps as a span; &#38; for &). Caller frees. NULL on error. */
char *bp_csl_proc_entry_html(bp_ctx *ctx, bp_csl_proc *p, const char *id);

#endif
