/* pdf_save.h - writes a libharu 2.3.0 document compactly (pdf_save.c), for
 * the PDF device (pdf.c). Not part of the public API. */
#ifndef BP_PDF_SAVE_H
#define BP_PDF_SAVE_H

#include "../core/bp.h"
#include "pdf-imp.h"

#include <hpdf.h>

/** True when this libharu's objects are the ones bp_pdf_save knows
 * (libharu 2.3.0); otherwise use HPDF_SaveToStream. */
bool bp_pdf_save_supported(void);

/** Appends `v` with at most `decimals` decimals and no trailing zeros (libharu
 * prints a float's 5 decimals: 632.60999). */
void bp_pdf_put_number(bp_buf *b, double v, int decimals);

/* bp_pdf_put_int and bp_pdf_put_hex4: pdf-imp.h (the CMap text uses them) */

/** Saves `pdf` into `out` (appended) as HPDF_SaveToStream would, in fewer
 * bytes: dictionaries and arrays without the blanks libharu puts between
 * their tokens, reals to 1/1000, stream lengths as direct numbers (libharu
 * writes each as an object of its own, 40 bytes with its xref entry), the
 * remaining objects renumbered. An object of the cross-reference table
 * marked hidden (HPDF_OTYPE_HIDDEN) is not written: nothing may refer to
 * it. The objects' before-write, write and after-write functions run as
 * they do in libharu's save (the before-write ones all first, so that
 * objects they add are numbered too). The document's objects are
 * renumbered: nothing but freeing the document may follow. Flate streams
 * are deflated at libdeflate's `level` (bp_pdf_deflate). Returns libharu's
 * status (HPDF_OK). */
HPDF_STATUS bp_pdf_save(HPDF_Doc pdf, int level, bp_buf *out);

#endif
