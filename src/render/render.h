/* render.h - the output devices over libharu (PDF) and cairo (PNG). Only
 * pdf.c includes hpdf.h; only png.c draws with cairo. */
#ifndef BP_RENDER_H
#define BP_RENDER_H

#include "../draw/dlist.h"

typedef struct bp_pdf_options {
  bool compress; /* Flate-compress content and font streams (default true) */
} bp_pdf_options;

/** A device that writes the display list as a PDF to `path` (atomically: a
 * temporary file renamed on success; nothing is left behind on failure).
 * Fonts are subset with hb-subset to the code points used, given a correct
 * ToUnicode CMap, links become borderless annotations, outline entries
 * bookmarks, dl->meta the document info. `opt` may be NULL for defaults. */
bp_device *bp_pdf_device_new(const char *path, const bp_pdf_options *opt);

/** A device that writes each page as a PNG through cairo. `pattern` is a
 * printf pattern with one %d (1-based page number), e.g. "out/page-%d.png".
 * Pages are rendered at `dpi`; when `width_px` > 0 it wins over dpi. When
 * `max_pages` > 0 only the first max_pages pages are written. */
bp_device *bp_png_device_new(const char *pattern, double dpi, int width_px, int max_pages);

#endif
