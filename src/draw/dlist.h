/* dlist.h - the display list: per page, positioned glyph runs, paths, links
 * and outline entries, all in points with the origin at the page's top-left
 * corner and y growing downwards (cairo's convention; the PDF device flips).
 * Structure (tagged PDF): items belong to structure elements (nodes of a
 * tree with roles: headings, paragraphs, lists, notes, links, figures,
 * tables) or are page furniture (artifacts).
 * Also the device interface (after MuPDF's fz_device and cairo's backends)
 * through which a display list is replayed into PDF, PNG or trace output.
 * Nothing here knows about Pango, libharu or the data model. */
#ifndef BP_DLIST_H
#define BP_DLIST_H

#include "../core/bp.h"
#include "../core/outfile.h"

typedef struct bp_color {
  double r, g, b, a; /* 0..1 */
} bp_color;

/** A font file of the document's font set. Runs refer to fonts by index. */
typedef struct bp_dl_font {
  char *path;     /* absolute or project-relative path of the TTF file */
  int face_index; /* face within the file (0 for .ttf) */
  char *family;   /* e.g. "Noto Serif" (for trace output and PDF names) */
  char *style;    /* e.g. "Regular", "Bold", "Italic" */
} bp_dl_font;

/** One glyph as Pango placed it. x_pt is absolute on the page. */
typedef struct bp_dl_glyph {
  uint32_t id;      /* glyph id in the font */
  double x_pt;      /* absolute x of the glyph origin */
  double dy_pt;     /* offset from the run's baseline (down positive) */
  uint32_t cluster; /* byte offset into the run's text of its cluster */
} bp_dl_glyph;

/** One cluster: a byte range of the run's text and the x where it starts. */
typedef struct bp_dl_cluster {
  uint32_t start, len; /* byte range in text */
  double x_pt;         /* absolute x of the cluster's first glyph origin */
  double adv_pt;       /* advance of the whole cluster as laid out */
} bp_dl_cluster;

/** A run of text in one font, size and colour on one baseline. `text` holds
 * the characters a reader should extract (soft hyphens that became visible
 * hyphens appear as U+2010; invisible ones are dropped). */
typedef struct bp_dl_text {
  int font; /* index into the list's fonts */
  double size_pt;
  bp_color color;
  double x_pt, y_pt; /* start of the baseline */
  double width_pt;   /* advance of the whole run */
  char *text;
  size_t text_len;
  bp_dl_cluster *clusters;
  size_t n_clusters;
  bp_dl_glyph *glyphs;
  size_t n_glyphs;
  char lang[8];  /* its language when not the document's ("ko"), else "" */
  double expand; /* glyphs drawn 1 + expand times as wide (the font expansion
                  * of a justified line, within +-0.02); 0: as designed */
} bp_dl_text;

typedef enum bp_path_op { BP_PATH_MOVE, BP_PATH_LINE, BP_PATH_CURVE, BP_PATH_CLOSE } bp_path_op;

typedef struct bp_path_seg {
  bp_path_op op;
  double pts[6]; /* MOVE/LINE: x,y; CURVE: x1,y1,x2,y2,x3,y3 */
} bp_path_seg;

typedef enum bp_cap { BP_CAP_BUTT, BP_CAP_ROUND, BP_CAP_SQUARE } bp_cap;
typedef enum bp_join { BP_JOIN_MITER, BP_JOIN_ROUND, BP_JOIN_BEVEL } bp_join;

typedef struct bp_dl_path {
  bp_path_seg *segs;
  size_t n_segs;
  bool fill, stroke;
  bool even_odd;
  bp_color fill_color, stroke_color;
  double line_width_pt;
  bp_cap cap;
  bp_join join;
  double dash[4]; /* integer lengths in points (libharu takes integers) */
  int n_dash;
} bp_dl_path;

/** A raster image of the document, registered once (as fonts are) and drawn
 * by index from BP_DL_IMAGE items. Pixels are 8-bit, not premultiplied,
 * rows top to bottom. */
typedef struct bp_dl_raster {
  int width_px, height_px;
  uint8_t *rgb;   /* width_px * height_px * 3 bytes */
  uint8_t *alpha; /* width_px * height_px bytes (255 = opaque), or NULL */
  uint8_t *jpeg;  /* the original JPEG file, which the PDF device embeds as
                     is (DCT), or NULL; rgb is always set */
  size_t jpeg_len;
} bp_dl_raster;

/** A raster drawn into the box (x, y, w, h): top-left origin, points. */
typedef struct bp_dl_image {
  int raster; /* index into the list's rasters */
  double x_pt, y_pt, w_pt, h_pt;
} bp_dl_image;

/** A clickable area: either an external URI or an internal destination. */
typedef struct bp_dl_link {
  double x_pt, y_pt, w_pt, h_pt; /* rectangle, top-left origin */
  char *uri;                     /* external target, or NULL */
  char *dest;                    /* internal named destination, or NULL */
} bp_dl_link;

/** A named destination: where internal links land. */
typedef struct bp_dl_dest {
  char *name;
  double y_pt; /* top of the target on its page */
} bp_dl_dest;

/** A bookmark (outline entry). Level 0 is top level. */
typedef struct bp_dl_outline {
  int level;
  char *title;
  double y_pt;
} bp_dl_outline;

typedef enum bp_dl_kind {
  BP_DL_TEXT,
  BP_DL_PATH,
  BP_DL_LINK,
  BP_DL_DEST,
  BP_DL_OUTLINE,
  BP_DL_IMAGE
} bp_dl_kind;

/** Roles of structure elements: PDF's standard structure types (ISO
 * 32000-1, 14.8.4), which the PDF device writes by these names. */
typedef enum bp_role {
  BP_ROLE_NONE, /* no element of its own: the content is the enclosing one's (a node of
                   this role marks its content apart in the element of its parent: its
                   own ActualText or language) */
  BP_ROLE_P,
  BP_ROLE_H1,
  BP_ROLE_H2,
  BP_ROLE_H3,
  BP_ROLE_L,
  BP_ROLE_LI,
  BP_ROLE_LBL,
  BP_ROLE_LBODY,
  BP_ROLE_NOTE,
  BP_ROLE_REFERENCE,
  BP_ROLE_LINK,
  BP_ROLE_SPAN,
  BP_ROLE_FIGURE,
  BP_ROLE_CAPTION,
  BP_ROLE_TABLE,
  BP_ROLE_TR,
  BP_ROLE_TH,
  BP_ROLE_TD,
  BP_ROLE_BLOCKQUOTE,
  BP_ROLE_THEAD,   /* a table's header rows (PDF 1.5) */
  BP_ROLE_TBODY,   /* its body rows */
  BP_ROLE_ARTIFACT /* page furniture, not content: only for bp_dl_begin */
} bp_role;

/** The cells a table header cell (TH) heads: PDF's /Scope attribute. */
typedef enum bp_scope { BP_SCOPE_NONE, BP_SCOPE_ROW, BP_SCOPE_COLUMN } bp_scope;

/** The role's structure type name ("P", "H1", "LBody", "Artifact"). */
const char *bp_role_name(bp_role role);

/** A structure element. Its children are the nodes whose parent it is and
 * the items that name it, in the order they are drawn (reading order). */
typedef struct bp_dl_node {
  bp_role role;
  int parent;        /* index of the parent node, -1: top level */
  char *alt;         /* a Figure's description (owned), or NULL */
  char *lang;        /* a language other than the document's (owned), or NULL */
  char *actual_text; /* what the content stands for (owned), or NULL */
  double bbox[4];    /* a Figure's box on its page: x, y, w, h (w 0: none) */
  bp_scope scope;    /* a TH's: the cells it heads, or none */
} bp_dl_node;

/* An item's node: a node index, none, or page furniture. */
#define BP_DL_UNTAGGED (-1)
#define BP_DL_ARTIFACT (-2)

typedef struct bp_dl_item {
  bp_dl_kind kind;
  int node; /* the structure element it belongs to, or BP_DL_UNTAGGED / BP_DL_ARTIFACT */
  union {
    bp_dl_text text;
    bp_dl_path path;
    bp_dl_link link;
    bp_dl_dest dest;
    bp_dl_outline outline;
    bp_dl_image image;
  } u;
} bp_dl_item;

typedef struct bp_dl_page {
  double width_pt, height_pt; /* the finished (trimmed) page */
  /* how far the page's background runs past its edges, for the printer to
   * trim (0: none): a fill may reach -bleed_pt .. width_pt + bleed_pt; the
   * PDF device enlarges the MediaBox by it, the PNG device shows the
   * trimmed page */
  double bleed_pt;
  bp_dl_item *items;
  size_t n_items, cap_items;
  int node;        /* the node items added now belong to (bp_dl_begin); BP_DL_UNTAGGED at first */
  bp_arena *arena; /* its list's, which holds the items' arrays and strings */
} bp_dl_page;

/** Document-level metadata carried to devices. UTF-8 strings; NULL = unset. */
typedef struct bp_dl_meta {
  char *title, *author, *subject, *keywords, *lang, *creator;
  long long epoch; /* creation date in seconds since 1970, or -1 for none */
} bp_dl_meta;

/** The display list of a whole document. Owns everything it records: each
 * add function copies its argument's strings and arrays. */
typedef struct bp_dlist {
  bp_dl_font *fonts;
  size_t n_fonts, cap_fonts;
  bp_dl_raster *rasters;
  size_t n_rasters, cap_rasters;
  bp_dl_page *pages;
  size_t n_pages, cap_pages;
  bp_dl_node *nodes; /* the structure elements */
  size_t n_nodes, cap_nodes;
  bp_dl_meta meta;
  bp_arena arena; /* the pages' items' arrays and strings */
} bp_dlist;

bp_dlist *bp_dlist_new(void);
void bp_dlist_free(bp_dlist *dl);
/** Registers a font (path + face), returning its index; returns the existing
 * index when the same path and face are already registered. */
int bp_dlist_add_font(bp_dlist *dl, const char *path, int face_index, const char *family,
                      const char *style);
/** Registers a raster (copying its arrays), returning its index; returns
 * the existing index when an identical raster (same size and bytes) is
 * already registered, so an image drawn twice is embedded once. */
int bp_dlist_add_raster(bp_dlist *dl, const bp_dl_raster *src);
/** Starts a new page and returns it (borrowed; valid until the next add_page). */
bp_dl_page *bp_dlist_add_page(bp_dlist *dl, double width_pt, double height_pt);
/* Each add_* copies `src` deeply into the page. */
void bp_dl_add_text(bp_dl_page *pg, const bp_dl_text *src);
void bp_dl_add_path(bp_dl_page *pg, const bp_dl_path *src);
void bp_dl_add_link(bp_dl_page *pg, const bp_dl_link *src);
void bp_dl_add_image(bp_dl_page *pg, const bp_dl_image *src);
void bp_dl_add_dest(bp_dl_page *pg, const char *name, double y_pt);
void bp_dl_add_outline(bp_dl_page *pg, int level, const char *title, double y_pt);
void bp_dl_set_meta(bp_dlist *dl, const bp_dl_meta *meta); /* copies */

/** Adds a node of `role` under `parent` (-1: top level); returns its index. */
int bp_dlist_add_node(bp_dlist *dl, bp_role role, int parent);
/** Opens a structure element of `role` inside the page's current one (for
 * BP_ROLE_ARTIFACT: page furniture), so that items added to `pg` belong to
 * it until bp_dl_end; pg->node is then the new node's index. Returns the
 * node that was current, for bp_dl_end. */
int bp_dl_begin(bp_dlist *dl, bp_dl_page *pg, bp_role role);
/** Makes `was` (bp_dl_begin's result) the page's current node again. */
void bp_dl_end(bp_dl_page *pg, int was);
/** The role of item node `node` of dl, following its parents: the node's
 * own, BP_ROLE_ARTIFACT for page furniture, BP_ROLE_NONE when untagged. */
bp_role bp_dlist_node_role(const bp_dlist *dl, int node);

/** Checks what every device relies on: each internal link lands on a
 * destination of the list, and no text run starts or ends outside its page.
 * BP_ERR_LAYOUT naming the first problem otherwise. Composers run it before
 * they hand a list out, so `check` (which writes nothing) finds what a
 * device would. */
bp_status bp_dlist_check(bp_ctx *ctx, const bp_dlist *dl);

/* ---- devices ---------------------------------------------------------- */

typedef struct bp_device bp_device;

/** Operations of a device. Every pointer may be NULL (the call is skipped).
 * A failing operation records the error with bp_device_fail(). */
typedef struct bp_device_ops {
  void (*begin_document)(bp_device *dev, const bp_dlist *dl);
  void (*begin_page)(bp_device *dev, int page_no, const bp_dl_page *pg);
  /* before each item: the structure node it belongs to (dl->nodes index,
   * BP_DL_UNTAGGED or BP_DL_ARTIFACT) */
  void (*node)(bp_device *dev, int node);
  void (*text)(bp_device *dev, const bp_dl_text *t);
  void (*path)(bp_device *dev, const bp_dl_path *p);
  void (*link)(bp_device *dev, const bp_dl_link *l);
  void (*dest)(bp_device *dev, const bp_dl_dest *d);
  void (*outline)(bp_device *dev, const bp_dl_outline *o);
  /* `r` is the list's raster im->raster */
  void (*image)(bp_device *dev, const bp_dl_image *im, const bp_dl_raster *r);
  void (*end_page)(bp_device *dev, int page_no);
  void (*close)(bp_device *dev); /* finish output (write the file) */
  void (*destroy)(bp_device *dev);
} bp_device_ops;

/** The base of every device; concrete devices embed it as their first member. */
struct bp_device {
  const bp_device_ops *ops;
  bp_ctx ctx; /* sticky first error */
  /* NULL: a device that writes files renames each on close; else it stages
   * them here and the caller commits them all at once (core/outfile.h) */
  bp_outgroup *group;
};

/** Records an error on the device (first one wins). */
void bp_device_fail(bp_device *dev, bp_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Replays the whole display list into the device: begin_document, then per
 * page begin_page, items in order, end_page. Stops early once the device has
 * an error. Does not close. */
void bp_dlist_replay(const bp_dlist *dl, bp_device *dev);
/** Closes the device, returning its first error (copied into ctx). */
bp_status bp_device_close(bp_device *dev, bp_ctx *ctx);
/** Frees the device; NULL is fine. */
void bp_device_free(bp_device *dev);

/** Replays `dl` into the device, closes it and frees it: one call for the
 * common case. Returns the device's first error. */
bp_status bp_dlist_run(const bp_dlist *dl, bp_device *dev, bp_ctx *ctx);

/* ---- the trace device: a stable text dump for golden tests ------------- */
/** Writes a text trace of every item to `path` (atomically), or into *out
 * when path is NULL (out owned by caller, freed with free()). */
bp_device *bp_trace_device_new(const char *path, char **out);

#endif
