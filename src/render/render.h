/* render.h - the output devices over libharu (PDF) and cairo (PNG). Only
 * pdf.c includes hpdf.h; only png.c draws with cairo. */
#ifndef BP_RENDER_H
#define BP_RENDER_H

#include "../draw/dlist.h"

typedef struct bp_pdf_options {
  bool compress;        /* Flate-compress content and font streams (default true) */
  bool plain;           /* not PDF/A-1b: no output intent, XMP or CIDSet, and
                           translucency stays translucent (default false) */
  const char *icc_path; /* the sRGB ICC profile of the output intent
                           (NULL: the compiled-in one, bp_srgb_icc) */
  bool fast_deflate;    /* streams deflated at libdeflate's level 1, not 6:
                           for a batch, whose profiles then take ~6 % less
                           CPU and are ~1.3 % larger (docs/performance.md) */
} bp_pdf_options;

/** What the PDF device writes, for fingerprints of outputs (the batch
 * manifest): changes whenever the same display list would give other bytes. */
#define BP_PDF_WRITER "pdf 4 (PDF/A-1b, tagged, gray black, print boxes, compact sRGB)"

/** A device that writes the display list as a PDF to `path` (atomically: a
 * temporary file renamed on success; nothing is left behind on failure).
 * Fonts are subset with hb-subset to the code points used, given a correct
 * ToUnicode CMap, links become borderless annotations, outline entries
 * bookmarks, dl->meta the document info. Unless opt->plain, the PDF is
 * PDF/A-1b (docs/pdf-device.md); a missing ICC profile then fails the
 * device, naming the file. Near-black colours are written as DeviceGray 0
 * either way (docs/print.md). `opt` may be NULL for defaults. */
bp_device *bp_pdf_device_new(const char *path, const bp_pdf_options *opt);

/** bp_pdf_device_new, except that the PDF's bytes are appended to `out`
 * (the caller's, which must outlive the device) when the device closes
 * without error, and no file is written; errors name `name` (NULL:
 * "<memory>"). The bytes are those bp_pdf_device_new would write. */
bp_device *bp_pdf_device_new_mem(bp_buf *out, const char *name, const bp_pdf_options *opt);

/** A device that writes each page as a PNG through cairo. `pattern` is a
 * printf pattern with one %d (1-based page number), e.g. "out/page-%d.png".
 * Pages are rendered at `dpi`; when `width_px` > 0 it wins over dpi. When
 * `max_pages` > 0 only the first max_pages pages are written. */
bp_device *bp_png_device_new(const char *pattern, double dpi, int width_px, int max_pages);
/** Receives page `page_no` (1-based) of a bp_png_device_new_mem device as
 * PNG bytes, valid during the call only. */
typedef void (*bp_png_page_fn)(void *ud, int page_no, const void *png, size_t len);
/** bp_png_device_new, except that each page's PNG goes to fn(ud, ...) and no
 * file is written (what `briefpress watch` serves). */
bp_device *bp_png_device_new_mem(double dpi, int width_px, bp_png_page_fn fn, void *ud);
/** Makes a PNG device (from bp_png_device_new) write palette PNGs of at
 * most `max_colors` (2..256) colours: a third of the bytes of RGB for a
 * page of text (see bp_png_encode_palette). Does nothing to another device. */
void bp_png_device_set_palette(bp_device *d, int max_colors);
/** Appends to `out` a palette PNG (colour type 3, 8 bits) of the
 * `width_px` x `height_px` image `xrgb` (cairo's RGB24: one uint32 0xXXRRGGBB
 * per pixel, rows `stride` bytes apart): median cut over a 15-bit histogram
 * picks at most `max_colors` colours, each the mean of its pixels; no
 * dithering. BP_ERR_RENDER when libpng fails. */
bp_status bp_png_encode_palette(bp_ctx *ctx, const unsigned char *xrgb, int width_px, int height_px,
                                int stride, int max_colors, bp_buf *out);
/** Whether `path` is a PNG a PNG device wrote (each page has a tEXt chunk
 * "Software" = "briefpress" right after its header). */
bool bp_png_is_ours(const char *path);
/** A pattern for bp_png_device_new from a literal path `prefix` ('%' doubled)
 * and `suffix` (which holds the %d, if any); caller frees. */
char *bp_png_pattern(const char *prefix, const char *suffix);

/* ---- sharing font work between documents (for batches) ---- */

/** A cache of the font work the PDF device can share between documents: the
 * parsed font files and the most recent `max_subsets` (0: 48) subsets, each
 * reused by a later document that shows exactly the same characters of that
 * font. Not thread-safe: one per thread. Free with bp_pdf_cache_free after
 * the devices that use it. */
typedef struct bp_pdf_cache bp_pdf_cache;
bp_pdf_cache *bp_pdf_cache_new(size_t max_subsets);
/** bp_pdf_cache_new whose parsed font files are those of `faces_of` (NULL:
 * its own), for the caches of several threads: the font files are then
 * opened and mapped once. Opening a font is thread-safe; `faces_of` must be
 * freed after every cache that shares its faces. */
bp_pdf_cache *bp_pdf_cache_new_sharing(size_t max_subsets, bp_pdf_cache *faces_of);
void bp_pdf_cache_free(bp_pdf_cache *c);
/** Subsets reused and subsets made (either may be NULL). */
void bp_pdf_cache_stats(const bp_pdf_cache *c, size_t *hits, size_t *misses);

/** bp_pdf_device_new with a cache (NULL: none). The PDF has the same streams,
 * size, text and rendering as bp_pdf_device_new writes (only the object
 * numbers differ: the font descriptors are made before the save); faster to
 * make. Deterministic: the same display list gives the same bytes. */
bp_device *bp_pdf_device_new_cached(const char *path, const bp_pdf_options *opt,
                                    bp_pdf_cache *cache);

#endif
