/* csl-imp.h - the CSL processor's private types, shared by its files:
 * style.c (XML -> node tree, checks, locales and terms), render.c (style
 * nodes + one item -> an output tree), output.c (output tree -> tokens ->
 * HTML or bp_spans, punctuation, quotes, text-case), proc.c (citations and
 * bibliographies: sorting, disambiguation, collapsing). Items are CSL-JSON
 * objects (jansson); the conformance runner (bench/csl-suite.c) uses this
 * header too. */
#ifndef BP_CSL_IMP_H
#define BP_CSL_IMP_H

#include <jansson.h>

#include "csl.h"

/* ------------------------------------------------------------ node tree */

typedef enum cs_kind {
  CS_STYLE,
  CS_INFO,
  CS_LOCALE,
  CS_MACRO,
  CS_CITATION,
  CS_BIBLIOGRAPHY,
  CS_SORT,
  CS_KEY,
  CS_LAYOUT,
  CS_TEXT,
  CS_DATE,
  CS_DATE_PART,
  CS_NUMBER,
  CS_NAMES,
  CS_NAME,
  CS_NAME_PART,
  CS_ET_AL,
  CS_SUBSTITUTE,
  CS_LABEL,
  CS_GROUP,
  CS_CHOOSE,
  CS_IF,
  CS_ELSE_IF,
  CS_ELSE,
  CS_TERMS,
  CS_TERM,
  CS_SINGLE,
  CS_MULTIPLE,
  CS_STYLE_OPTIONS,
  CS_N_KINDS
} cs_kind;

typedef struct cs_node cs_node;
struct cs_node {
  cs_kind kind;
  int line;
  char **attrs; /* name, value, name, value... (2 * n_attrs strings) */
  size_t n_attrs;
  cs_node **kids;
  size_t n_kids, cap_kids;
  char *text;     /* character content (term, single, multiple) */
  cs_node *macro; /* CS_TEXT or CS_KEY with macro=: the macro, resolved at load */
};

/** The value of attribute `name`, or NULL. */
const char *cs_attr(const cs_node *n, const char *name);
/** cs_attr with a default. */
const char *cs_attr_or(const cs_node *n, const char *name, const char *dflt);
/** True when attribute `name` is "true". */
bool cs_attr_true(const cs_node *n, const char *name);
/** The first child of that kind, or NULL. */
cs_node *cs_child(const cs_node *n, cs_kind kind);
void cs_node_free(cs_node *n);
/** A style or locale file's XML (path names it in errors) as a node tree:
 * known CSL elements only, <info>'s contents skipped; NULL and an error in
 * ctx (path:line: message) otherwise. *parent gets the independent parent's
 * id that the root's <info> links to, or NULL (caller frees). The loaders
 * use it; exported for tests/xml/csl_xml_diff.c. */
cs_node *cs_parse(bp_ctx *ctx, const char *path, const char *xml, size_t len, char **parent);

/* --------------------------------------------------------------- locale */

typedef struct cs_term {
  const char *name, *form, *gender, *gender_form, *match; /* borrowed from the tree */
  const char *single, *multiple;                          /* multiple NULL: one form */
  size_t order; /* position in the locale: terms are sorted by name, form, order */
} cs_term;

typedef struct cs_locale {
  char *lang;     /* NULL: applies to every language (a style's <locale> without xml:lang) */
  cs_term *terms; /* sorted by (name, form), then as written: found by bisection */
  size_t n_terms, cap_terms;
  cs_node *date_text, *date_numeric; /* borrowed from the tree */
  int punct_in_quote;                /* -1 unset, else 0/1 */
  int limit_day_ordinals;            /* -1 unset */
  cs_node *tree;                     /* owned when loaded from a file, else NULL */
} cs_locale;

/* ---------------------------------------------------------------- style */

#define CS_MAX_LOCALES 8

struct bp_csl_style {
  char *path; /* for messages */
  cs_node *root;
  cs_node *citation, *bibliography; /* borrowed; bibliography may be NULL */
  cs_node **macros;
  size_t n_macros, cap_macros;
  cs_locale *chain[CS_MAX_LOCALES]; /* term lookup order */
  size_t n_chain;
  cs_locale *owned[CS_MAX_LOCALES]; /* freed with the style */
  size_t n_owned;
  char *lang;                                  /* the rendering language */
  bool demote_ndp_sort_only, demote_ndp_never; /* demote-non-dropping-particle */
  bool initialize_with_hyphen;
  const char *page_range_format; /* NULL: keep as written (hyphen -> en dash) */
  bool uses_year_suffix;         /* a layout renders year-suffix itself */
  bool uses_disambiguate;        /* a condition tests disambiguate= (proc.c asks only then) */
  bool keep_straight_quotes;     /* bp:straight-quotes="keep": data quotes as written */
};

/** The term `name` in `form` ("long", "short", "verb", "verb-short",
 * "symbol"), plural or singular, with form fallback (verb-short -> verb ->
 * long, symbol -> short -> long). NULL when undefined. gender may be NULL. */
const char *cs_term_lookup(const bp_csl_style *st, const char *name, const char *form, bool plural,
                           const char *gender);
/** The gender of the term `name` ("masculine", "feminine") or NULL. */
const char *cs_term_gender(const bp_csl_style *st, const char *name);
/** The locale's date format (form "text" or "numeric") or NULL. */
const cs_node *cs_locale_date(const bp_csl_style *st, const char *form);
bool cs_punct_in_quote(const bp_csl_style *st);
bool cs_limit_day_ordinals(const bp_csl_style *st);

/* --------------------------------------------------------- output tree */

enum { CO_NONE = 0 };
enum { FS_ITALIC = 1, FS_NORMAL, FS_OBLIQUE };
enum { FW_BOLD = 1, FW_NORMAL, FW_LIGHT };
enum { FV_SMALLCAPS = 1, FV_NORMAL };
enum { TD_UNDERLINE = 1, TD_NONE };
enum { VA_SUP = 1, VA_SUB, VA_BASELINE };
enum { DI_BLOCK = 1, DI_LEFT_MARGIN, DI_RIGHT_INLINE, DI_INDENT };

typedef struct co_node co_node;
struct co_node {
  char *text; /* a leaf's text; NULL for a group */
  co_node **kids;
  size_t n_kids, cap_kids;
  unsigned char font_style, font_weight, font_variant, decoration, valign, display;
  bool quotes;       /* wrapped in the locale's quotes (flip-flopping when nested) */
  bool affix;        /* a prefix, suffix or delimiter: punctuation merges at it */
  bool nocase;       /* text-case leaves it alone */
  bool term;         /* a term's text (capitalized at the start of a note) */
  bool user_affixes; /* prefix and suffix are a cite's own (rich text, quotes) */
  char *prefix, *suffix;
  char *link; /* a URL the text links to (spans only) */
};

co_node *co_text(const char *s);
co_node *co_affix(const char *s);
co_node *co_group(void);
void co_add(co_node *g, co_node *kid); /* kid may be NULL (ignored) */
void co_free(co_node *n);
/** Parses the rich text of a CSL-JSON value: <i>, <b>, <sup>, <sub>, <sc>,
 * <span class="nocase">, <span style="font-variant:small-caps;">; straight
 * double quotes become quotes nodes and apostrophes ’ when smart_quotes. */
co_node *co_rich(const char *s, bool smart_quotes);
/** True when n has no visible text. */
bool co_empty(const co_node *n);
/** The text a sort key compares: plain, without quotes. Caller frees. */
char *co_sort_text(const bp_csl_style *st, const co_node *n);
/** The plain text (no markup, quotes as the locale's). Caller frees. */
char *co_plain(const bp_csl_style *st, const co_node *n);
/** The test-suite HTML of n. Caller frees. */
char *co_html(const bp_csl_style *st, const co_node *n);
/** Appends n to spans. */
void co_spans(const bp_csl_style *st, const co_node *n, bp_spans *out);
/** Applies text-case ("lowercase", "uppercase", "capitalize-first",
 * "capitalize-all", "title", "sentence") to every leaf under n. */
void co_text_case(co_node *n, const char *tc, const char *lang);
/** Capitalizes the first letter of n when n begins with a term's text
 * (a note citation's "ibid." -> "Ibid."). */
void co_capitalize_term(co_node *n);
/** Removes full stops from every leaf under n. */
void co_strip_periods(co_node *n);

/* -------------------------------------------------------------- render */

enum { POS_FIRST = 0, POS_SUBSEQUENT, POS_IBID, POS_IBID_WITH_LOCATOR };

/** Given-name expansion of one name of an item, for disambiguation: level
 * 1 shows initials (or the whole given name without initialize-with), 2 the
 * whole given name; 0 as the style says. name is borrowed from the item. */
typedef struct cs_given {
  json_t *name;
  int level;
} cs_given;

/** One cite: an item and what the citation says about it. */
typedef struct cs_cite {
  json_t *item; /* borrowed */
  const char *locator, *label, *prefix, *suffix;
  bool suppress_author, author_only;
  const char *author_subst; /* subsequent-author-substitute: replaces the first names */
  bool author_subst_each;   /* ... each name of them (rule complete-each) */
  bool names_only;          /* names without their labels (comparing authors) */
  int position;             /* POS_* */
  bool near_note;
  int note_number, first_note; /* 0: unknown */
  /* filled by the processor */
  int citation_number;
  int year_suffix;     /* 0 none, 1 = a */
  int add_names;       /* extra names shown for disambiguation (citations) */
  bool disambiguate;   /* the disambiguate="true" condition holds */
  bool disambiguating; /* rendered to compare: the accessed date does not count */
  const cs_given *gn;  /* given-name expansion of the item's names (citations) */
  size_t n_gn;
} cs_cite;

enum { MODE_CITATION, MODE_BIBLIOGRAPHY, MODE_SORT };

/** Renders `layout` (citation or bibliography node) for one cite; NULL when
 * nothing renders. mode MODE_SORT renders plain keys for sorting. */
co_node *cs_render(const bp_csl_style *st, const cs_node *area, const cs_node *elem,
                   const cs_cite *c, int mode);
/** Year-suffix letters: 1 -> "a", 26 -> "z", 27 -> "aa". Caller frees. */
char *cs_year_suffix_letters(int n);
/** out wrapped in a group with n's formatting and affixes (NULL: NULL). */
co_node *cs_wrap(const cs_node *n, co_node *out);
/** Renders one cite with the area's layout (without the layout's affixes
 * and delimiter). */
co_node *cs_render_cite(const bp_csl_style *st, const cs_node *area, const cs_cite *c, int mode);
/** Sort key of a <key> for a cite: a string (plain text; dates as
 * YYYYMMDD-style digits, numbers zero padded). Caller frees; NULL when
 * empty. */
char *cs_sort_key(const bp_csl_style *st, const cs_node *area, const cs_node *key,
                  const cs_cite *c);
/** The number of names in an item's name variable (0 when absent). */
size_t cs_name_count(json_t *item, const char *var);
/** The first <names> under n (following macros), or NULL. */
const cs_node *cs_first_names(const cs_node *n);
/** One name (a CSL-JSON name object) as the citation's first <name> shows
 * it, plain text, with given-name expansion level (0 as the style says, 1,
 * 2 as cs_given). Caller frees. */
char *cs_name_plain(const bp_csl_style *st, json_t *name, int level);

/* ------------------------------------------------------------ processor */

typedef struct cs_citation_item {
  const char *id, *locator, *label, *prefix, *suffix;
  bool suppress_author, author_only;
} cs_citation_item;

typedef struct cs_proc cs_proc;
/** A processor over CSL-JSON items (borrowed array of objects). */
cs_proc *cs_proc_new(const bp_csl_style *st, json_t *items);
void cs_proc_free(cs_proc *p);
/** Registers ids in order (citation numbers), as a bibliography would. */
void cs_proc_register(cs_proc *p, const char *id);
/** The registration index (0-based) of a registered id, or -1. */
long cs_proc_find(const cs_proc *p, const char *id);
/** Renders a citation of n items with note number note (0: in text).
 * Registers its items. Returns the cluster's output tree (owned). */
co_node *cs_proc_cite(cs_proc *p, const cs_citation_item *items, size_t n, int note);
/** Renders the citation clusters given so far again (after all are known:
 * disambiguation over the whole document); clusters[i] owned by caller. */
size_t cs_proc_recite(cs_proc *p, co_node ***clusters);
/** The bibliography: n entries (sorted), each an output tree (owned by the
 * caller), and their items' ids in *ids (borrowed; array owned). */
size_t cs_proc_bibliography(cs_proc *p, co_node ***entries, const char ***ids);

#endif
