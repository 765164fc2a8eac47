/* layout.h - text layout with Pango over the project's private font set, and
 * the typesetter that turns styled text into display-list glyph runs.
 * Units are points throughout; y grows downwards from the page's top edge.
 * Knows nothing about libharu or the data model's files. */
#ifndef BP_LAYOUT_H
#define BP_LAYOUT_H

#include "../draw/dlist.h"
#include "../model/doc.h"

/** The project's fonts: a private FcConfig holding only the files in
 * fonts/ (checked against fonts/MANIFEST.tsv) and a Pango font map over it.
 * Open once, share between documents; read-only after opening. */
typedef struct bp_fontset bp_fontset;

/** The font folder used when none is given: $BRIEFPRESS_FONTS when set and
 * not empty, else bp_data_fonts_dir() (the installed fonts, or the source
 * tree's fonts/ for the build tree's library). */
const char *bp_fontset_default_dir(void);
/** Opens the font set in `fonts_dir` (NULL: bp_fontset_default_dir()). Fails with BP_ERR_FONT
 * naming the file when a font of the manifest is missing or its SHA-256 differs. */
bp_status bp_fontset_open(bp_ctx *ctx, const char *fonts_dir, bp_fontset **out);
void bp_fontset_free(bp_fontset *fs);
/** True when `family` (e.g. "Noto Serif") is a family of the fonts the
 * project ships (fonts/MANIFEST.tsv); templates may name only these. */
bool bp_font_family_known(const char *family);
/** True when shipped family `family` has a face of that weight and slant
 * (Noto Sans has no bold italic, the Korean families no italic: fontconfig
 * would set such text in another face). */
bool bp_font_family_has_face(const char *family, bool bold, bool italic);
/** True when shipped family `family` has Hangul. */
bool bp_font_family_has_hangul(const char *family);
/** The shipped families, comma-separated, for messages. */
const char *bp_font_families(void);
/** True when some font of the set has a glyph for `cp`. Thread-safe. */
bool bp_fontset_covers(const bp_fontset *fs, uint32_t cp);
/** The number of faces (font files) of the set. */
size_t bp_fontset_n_faces(const bp_fontset *fs);
/** Face i (0 <= i < bp_fontset_n_faces), in file-name order: its file's
 * name in the font folder, its family and style (all borrowed, valid while
 * fs lives). */
void bp_fontset_face(const bp_fontset *fs, size_t i, const char **file, const char **family,
                     const char **style);
/** How many of the characters first..last (inclusive) face i has a glyph
 * for, by fontconfig's charset; BP_FONTSET_ANY_FACE: any face of the set. */
size_t bp_fontset_face_count(const bp_fontset *fs, size_t i, uint32_t first, uint32_t last);
#define BP_FONTSET_ANY_FACE ((size_t)-1)

typedef enum bp_align { BP_ALIGN_LEFT, BP_ALIGN_CENTER, BP_ALIGN_RIGHT, BP_ALIGN_JUSTIFY } bp_align;

/** A text style. `family` is a Pango family list, e.g.
 * "Noto Serif, NanumMyeongjo": Latin takes the first face, Hangul falls to
 * the Korean one (the set has nothing else to fall back to). */
typedef struct bp_style {
  const char *family;
  double size_pt;
  double leading_pt; /* baseline-to-baseline distance; 0 = 1.3 x size */
  bool bold, italic;
  bp_color color;
  bp_align align;
  bool hyphenate;   /* English hyphenation from the libhyphen dictionary */
  double indent_pt; /* first-line indent */
  double letter_spacing_pt;
  bool break_all;        /* Korean may break between any syllables (CSS word-break:
                            normal); default false: keep-all, breaks between words */
  bool straight_punct;   /* leave ASCII quotes, -- and ... as written (default
                            false: typographic ones, see smart.c) */
  bool hang_punctuation; /* justified lines: a final period, comma, hyphen or
                            closing quote hangs partly into the right margin */
} bp_style;

/** Where the first baseline of a text set in `style` lies below the text's
 * top: half the extra leading plus BP_BASELINE_RATIO of the size. */
#define BP_BASELINE_RATIO 0.86
double bp_style_first_baseline_pt(const bp_style *style);

/** A typesetter: a Pango context on the font set plus the hyphenator. One
 * per thread; cheap to create. */
typedef struct bp_typesetter bp_typesetter;

bp_status bp_typesetter_new(bp_ctx *ctx, bp_fontset *fs, bp_typesetter **out);
void bp_typesetter_free(bp_typesetter *ts);
/** Tests only: with `on`, every text is shaped by a PangoLayout, as it was
 * before text.c shaped through Pango's itemizer and shaper itself (the two
 * must draw the same). Texts shaped already stay in the cache. */
void bp__typesetter_use_layout(bp_typesetter *ts, bool on);
/** Tests only: with `on`, drawing a line walks each of its paragraph's
 * glyph runs from the run's first cluster through Pango's iterator, as it
 * did before it went to the line's first cluster directly (the two must
 * draw the same). For the whole process; set it only while one thread
 * draws. */
void bp__text_walk_whole_runs(bool on);
/** With `on`, texts are laid out from each character's nominal advance in
 * the font the font set gives it (no itemizing, no shaping, no kerning): an
 * estimate of their lines for the fit's first guess, a fraction of a
 * layout's cost. Such a text draws no glyphs and is not kept in the
 * shaping cache; only its lines and height are to be read. */
void bp__typesetter_estimate(bp_typesetter *ts, bool on);
/** Tests only: the estimate's advances times `skew` (1 by default), to
 * show that a wrong estimate costs layouts but never changes the fit. */
void bp__typesetter_estimate_skew(bp_typesetter *ts, double skew);

/** A laid-out block of text (a paragraph or a label), placed later. */
typedef struct bp_text bp_text;

/** A link or citation marker inside a laid-out text: where it ended up. */
typedef struct bp_text_anchor {
  double x_pt, y_pt, w_pt, h_pt; /* relative to the text's top-left */
  const char *uri;               /* owned by the text (a copy) */
  int cite_number; /* >0 an endnote marker; <0 only where note -n links back (inside a range) */
  int start, end;  /* its bytes in the laid-out text */
  int src;         /* the link it is part of (a link may span lines) */
} bp_text_anchor;

/** The longest text laid out as one paragraph or label (the data layer
 * allows 64 KiB; at large sizes the limit is lower, so that no line can
 * overflow Pango's int units). */
#define BP_TEXT_LAYOUT_MAX_BYTES ((size_t)256 << 10)

/** Lays out plain UTF-8 `text` in `style`, wrapped at width_pt (<= 0: no
 * wrapping, one line per '\n'). Returns NULL with an error in ctx for
 * invalid UTF-8, characters no font covers (BP_ERR_DATA, BP_ERR_FONT), text
 * too long to lay out at its size, and a line that ends up wider than
 * width_pt (BP_ERR_LAYOUT: nothing is ever drawn off the page). */
bp_text *bp_text_new_plain(bp_typesetter *ts, bp_ctx *ctx, const bp_style *style, const char *text,
                           double width_pt);

/** Maps a citation span's ids to the endnote numbers to print. */
typedef int (*bp_cite_numberer)(void *ud, const char *id);

/** How citations print: superscript endnote numbers from `number` (NULL:
 * 1, 2... in order), ascending and each once within a run of citations
 * (cite spans with only spaces between), each linking to its note; with
 * `collapse`, three or more in a row as a range ("2–4"). */
typedef struct bp_cite_marks {
  bp_cite_numberer number;
  void *ud;
  bool collapse;
} bp_cite_marks;

/** Lays out inline spans (bold/italic/superscript, links, citations as
 * `marks` says; marks may be NULL). */
bp_text *bp_text_new_spans(bp_typesetter *ts, bp_ctx *ctx, const bp_style *style,
                           const bp_spans *spans, const bp_cite_marks *marks, double width_pt);
void bp_text_free(bp_text *t);

double bp_text_width_pt(const bp_text *t);   /* widest line's ink-independent advance */
double bp_text_height_pt(const bp_text *t);  /* lines x leading */
double bp_text_measure_pt(const bp_text *t); /* the wrap width it was set to (0: none) */
int bp_text_line_count(const bp_text *t);
/** Baseline of line i measured from the text's top. */
double bp_text_line_baseline_pt(const bp_text *t, int i);
/** Draws lines [first, first+count) with the text's top-left at (x, y) (the
 * top of line `first` lands at y). Registers fonts with the page's list. */
void bp_text_draw_lines(const bp_text *t, bp_dlist *dl, bp_dl_page *pg, double x_pt, double y_pt,
                        int first, int count);
/** Which endnote numbers already have their "ref-N" destination (the first
 * marker of each number is where an endnote links back to). */
typedef struct bp_ref_marks {
  bool *seen;
  size_t n;
} bp_ref_marks;
void bp_ref_marks_free(bp_ref_marks *m);
/** Records that "ref-N" now exists (for a destination added by hand). */
void bp_ref_marks_mark(bp_ref_marks *m, int num);

/** Draws lines [first, first+count) like bp_text_draw_lines and adds the
 * links of the anchors on them: URIs as they are, endnote markers to
 * "note-N"; the first marker of each N also gets the destination "ref-N".
 * Each link and its text are a Link structure element. */
void bp_text_draw_linked(const bp_text *t, bp_dlist *dl, bp_dl_page *pg, double x_pt, double y_pt,
                         int first, int count, bp_ref_marks *marks);

/** Draws all lines with the top-left at (x, y). */
void bp_text_draw(const bp_text *t, bp_dlist *dl, bp_dl_page *pg, double x_pt, double y_pt);
/** The characters of line i as set (soft hyphens dropped, a hyphen added
 * where the line was hyphenated); caller frees. For tests and diagnostics. */
char *bp_text_line_text(const bp_text *t, int i);
/** Advance width of line i in points. */
double bp_text_line_width_pt(const bp_text *t, int i);
/** What the preflight found in laid-out text: lines checked, Hangul words
 * broken across lines (other than words wider than the measure), lines that
 * start with closing punctuation, lines wider than the measure. */
typedef struct bp_preflight {
  int lines, hangul_breaks, closing_starts, overwide;
  char first_problem[256]; /* a description of the first problem found */
} bp_preflight;
/** Checks every line of `t` against the Korean and measure rules and adds
 * the findings to *pf. `width_pt` <= 0 skips the measure check. */
void bp_text_preflight(const bp_text *t, double width_pt, bp_preflight *pf);
size_t bp_text_anchor_count(const bp_text *t);
const bp_text_anchor *bp_text_anchor_at(const bp_text *t, size_t i);

/** One-call label helpers for charts: measure, then draw with an anchor.
 * `ax`, `ay` in 0..1 pick the point of the label's box placed at (x, y):
 * (0,0) top-left, (0.5,0.5) centre, (1,1) bottom-right. A label may wrap at
 * max_width_pt (<= 0: never). */
bp_status bp_label_measure(bp_typesetter *ts, bp_ctx *ctx, const bp_style *style, const char *text,
                           double max_width_pt, double *w_pt, double *h_pt);
bp_status bp_label_draw(bp_typesetter *ts, bp_ctx *ctx, bp_dlist *dl, bp_dl_page *pg,
                        const bp_style *style, const char *text, double max_width_pt, double x_pt,
                        double y_pt, double ax, double ay);

#endif
