/* hpdf_mem.c - libharu's byte loops replaced, in the briefpress executable
 * only (never in libbriefpress: a program that links the library keeps its
 * libharu as it is). libharu 2.3.0 copies and clears memory one byte at a
 * time (HPDF_MemCpy, HPDF_MemSet: 128 KB per font per document, every
 * stream it writes), about a seventh of a batch profile's time. Its own
 * calls to them go through the PLT, so these definitions in the executable
 * take their place (ELF interposition, as a malloc replacement does), with
 * the same results: the end pointer is returned and an overlapping copy to
 * a higher address stays a forward byte copy. Output is byte-identical
 * either way; -DBP_NO_FAST_HPDF_MEM keeps libharu's own loops. */
#include <hpdf.h>
#include <string.h>

#ifndef BP_NO_FAST_HPDF_MEM
void *HPDF_MemSet(void *s, HPDF_BYTE c, HPDF_UINT n);
void *HPDF_MemSet(void *s, HPDF_BYTE c, HPDF_UINT n) {
  memset(s, c, n);
  return (HPDF_BYTE *)s + n;
}

HPDF_BYTE *HPDF_MemCpy(HPDF_BYTE *out, const HPDF_BYTE *in, HPDF_UINT n);
HPDF_BYTE *HPDF_MemCpy(HPDF_BYTE *out, const HPDF_BYTE *in, HPDF_UINT n) {
  if (out > in && out < in + n) { /* forward byte copy, as libharu does */
    for (HPDF_UINT i = 0; i < n; i++) out[i] = in[i];
  } else {
    memmove(out, in, n);
  }
  return out + n;
}
#endif
