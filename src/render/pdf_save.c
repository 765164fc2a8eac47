/* pdf_save.c - writes a libharu 2.3.0 document as HPDF_SaveToStream would,
 * in fewer bytes (issue 11: the article within 120 KB): no blanks between
 * tokens where PDF needs none ("<</Type/Page/MediaBox[0 0 595.276 841.89]"
 * for libharu's key-a-line "<<\n/Type /Page\n/MediaBox [ 0 0 595.276
 * 841.89001 ]"), stream lengths as direct numbers and no objects of their
 * own, the objects renumbered. It walks libharu's object structures
 * (hpdf_objects.h) and must not change what any object says: the scalars
 * (names, strings, numbers) are written by libharu's own writers. Flate
 * streams are deflated by bp_pdf_deflate (libdeflate), not libharu's zlib. */
#include "pdf_save.h"
#include "pdf-imp.h"

#include <hpdf_doc.h>
#include <hpdf_objects.h>
#include <hpdf_streams.h>
#include <hpdf_version.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct saver {
  HPDF_Stream st; /* writes into out */
  bp_buf *out;    /* the file so far */
  unsigned *ids;  /* per xref entry: its new object number, 0: not written */
  size_t n_ids;
  int level; /* bp_pdf_deflate's */
} saver;

static HPDF_STATUS to_buf(HPDF_Stream st, const HPDF_BYTE *p, HPDF_UINT n) {
  bp_buf_put(((saver *)st->attr)->out, (const char *)p, n);
  return HPDF_OK;
}

static char last_byte(const saver *s) { return s->out->len ? s->out->data[s->out->len - 1] : '\n'; }

/* PDF's delimiters and blanks: no blank is needed next to one. */
static bool delimits(char c) { return c && strchr("()<>[]{}/% \n\r\t", c) != NULL; }

static unsigned obj_num(const void *obj) {
  return ((const HPDF_Obj_Header *)obj)->obj_id & 0x00FFFFFF;
}

static HPDF_STATUS put(saver *s, const char *text) { return HPDF_Stream_WriteStr(s->st, text); }

static HPDF_STATUS put_value(saver *s, void *obj, bool top);

/* The digits of `v` written backwards before `end`, as printf's "%llu";
 * returns where they start. */
static char *digits_before(char *end, unsigned long long v) {
  do *--end = (char)('0' + v % 10);
  while (v /= 10);
  return end;
}

/* printf's "%.*f" of `v`, trailing zeros and a trailing point removed, a
 * negative zero written as 0. */
static void put_number_printf(bp_buf *b, double v, int decimals) {
  char num[64];
  snprintf(num, sizeof num, "%.*f", decimals, fabs(v) < 0.5 * pow(10, -decimals) ? 0.0 : v);
  char *e = num + strlen(num);
  while (decimals > 0 && e[-1] == '0') *--e = '\0';
  if (e[-1] == '.') e[-1] = '\0';
  bp_buf_puts(b, num);
}

void bp_pdf_put_number(bp_buf *b, double v, int decimals) {
  /* The same digits without printf (2,500 instructions a number; a page
   * of text places a thousand): v scaled to an integer of hundredths
   * (decimals 2), rounded as printf rounds. Only when the scaled value is
   * not near a tie, where the product's own rounding could differ from
   * printf's exact decimal rounding, and not too large; else printf. */
  static const double scale[] = {1, 10, 100, 1000};
  if (decimals < 0 || decimals > 3 || !(fabs(v) < 1e12)) {
    put_number_printf(b, v, decimals);
    return;
  }
  double x = v * scale[decimals], r = nearbyint(x);
  if (fabs(fabs(x - r) - 0.5) < 1e-12 * (1 + fabs(x))) { /* x is v * scale within an ulp */
    put_number_printf(b, v, decimals);
    return;
  }
  long long n = (long long)r;
  if (n == 0) {
    bp_buf_putc(b, '0');
    return;
  }
  unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
  char num[32], *end = num + sizeof num, *p = end;
  int frac = decimals;
  while (frac > 0 && u % 10 == 0) u /= 10, frac--; /* trailing zeros */
  for (int k = 0; k < frac; k++, u /= 10) *--p = (char)('0' + u % 10);
  if (frac) *--p = '.';
  p = digits_before(p, u);
  if (n < 0) *--p = '-';
  bp_buf_put(b, p, (size_t)(end - p));
}

void bp_pdf_put_int(bp_buf *b, long long v) {
  char num[24], *end = num + sizeof num;
  char *p = digits_before(end, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v);
  if (v < 0) *--p = '-';
  bp_buf_put(b, p, (size_t)(end - p));
}

void bp_pdf_put_hex4(bp_buf *b, unsigned v) {
  static const char hex[] = "0123456789ABCDEF";
  char h[4] = {hex[(v >> 12) & 15], hex[(v >> 8) & 15], hex[(v >> 4) & 15], hex[v & 15]};
  bp_buf_put(b, h, 4);
}

/* "N 0 R" (or with `tail` in place of " 0 R") as a C string in `out`, which
 * has room for 40 bytes: printf's "%u 0 R" without printf. */
static char *ref_text(char out[40], unsigned long long v, const char *tail) {
  size_t tl = strlen(tail);
  char *end = out + 39 - tl;
  memcpy(end, tail, tl + 1);
  return digits_before(end, v);
}

/* A real to 1/1000 (libharu prints a float's 5 decimals: 841.89001). */
static HPDF_STATUS put_real(saver *s, double v) {
  bp_buf b = {0};
  bp_pdf_put_number(&b, v, 3);
  HPDF_STATUS ret = put(s, b.data);
  bp_buf_free(&b);
  return ret;
}

/* A string of bytes (no encoder) as a literal: only what a literal string
 * cannot hold as it is escaped (libharu escapes '/', '<', '#' ... too). */
static HPDF_STATUS put_literal(saver *s, HPDF_String str) {
  bp_buf b = {0};
  bp_buf_putc(&b, '(');
  for (HPDF_UINT i = 0; i < str->len; i++) {
    unsigned char c = str->value[i];
    if (c == '(' || c == ')' || c == '\\')
      bp_buf_putc(&b, '\\'), bp_buf_putc(&b, (char)c);
    else if (c < 0x20 || c > 0x7E)
      bp_buf_printf(&b, "\\%03o", c);
    else
      bp_buf_putc(&b, (char)c);
  }
  bp_buf_putc(&b, ')');
  HPDF_STATUS ret = HPDF_Stream_Write(s->st, (const HPDF_BYTE *)b.data, (HPDF_UINT)b.len);
  bp_buf_free(&b);
  return ret;
}

/* The bytes of a stream's data as the file holds them (filtered): Flate
 * by bp_pdf_deflate, not libharu's zlib (an empty stream stays empty, as
 * libharu leaves it). */
static HPDF_STATUS stream_data(HPDF_Dict dict, int level, bp_buf *data) {
  bool flate = dict->filter == HPDF_STREAM_FILTER_FLATE_DECODE;
  bp_buf raw = {0};
  saver tmp = {NULL, flate ? &raw : data, NULL, 0, level};
  HPDF_Stream st = HPDF_CallbackWriter_New(dict->mmgr, to_buf, &tmp);
  if (!st) return HPDF_FAILD_TO_ALLOC_MEM;
  HPDF_STATUS ret = HPDF_Stream_WriteToStream(dict->stream, st,
                                              flate ? HPDF_STREAM_FILTER_NONE : dict->filter, NULL);
  HPDF_Stream_Free(st);
  if (ret == HPDF_OK && flate && raw.len) {
    unsigned char *z;
    size_t n;
    if (bp_pdf_deflate(raw.data, raw.len, level, &z, &n)) {
      bp_buf_put(data, (const char *)z, n);
      free(z);
    } else {
      ret = HPDF_ZLIB_ERROR;
    }
  }
  bp_buf_free(&raw);
  return ret;
}

static HPDF_STATUS put_dict(saver *s, HPDF_Dict dict, bool top) {
  HPDF_STATUS ret = put(s, "<<");
  if (ret == HPDF_OK && !top && dict->before_write_fn) ret = dict->before_write_fn(dict);
  for (HPDF_UINT i = 0; ret == HPDF_OK && i < dict->list->count; i++) {
    HPDF_DictElement el = HPDF_List_ItemAt(dict->list, i);
    const HPDF_Obj_Header *h = el->value;
    if (!h) return HPDF_INVALID_OBJECT;
    if (h->obj_id & HPDF_OTYPE_HIDDEN) continue;
    if (dict->stream && (!strcmp(el->key, "Length") || !strcmp(el->key, "Filter"))) continue;
    ret = HPDF_Stream_WriteEscapeName(s->st, el->key);
    if (ret == HPDF_OK) ret = put_value(s, el->value, false);
  }
  if (ret == HPDF_OK && dict->write_fn) ret = dict->write_fn(dict, s->st);
  bp_buf data = {0};
  if (ret == HPDF_OK && dict->stream) {
    ret = stream_data(dict, s->level, &data);
    char len[32];
    snprintf(len, sizeof len, "/Length %zu", data.len);
    if (ret == HPDF_OK) ret = put(s, len);
    bool flate = dict->filter & HPDF_STREAM_FILTER_FLATE_DECODE;
    bool dct = dict->filter & HPDF_STREAM_FILTER_DCT_DECODE;
    if (ret == HPDF_OK && (flate || dct))
      ret = put(s, flate && dct ? "/Filter[/FlateDecode/DCTDecode]"
                   : flate      ? "/Filter/FlateDecode"
                                : "/Filter/DCTDecode");
  }
  if (ret == HPDF_OK) ret = put(s, ">>");
  if (ret == HPDF_OK && dict->stream) {
    /* both CR and LF after "stream", as libharu writes it (Acrobat 8) */
    ret = put(s, "\012stream\015\012");
    if (ret == HPDF_OK && data.len)
      ret = HPDF_Stream_Write(s->st, (const HPDF_BYTE *)data.data, (HPDF_UINT)data.len);
    if (ret == HPDF_OK) ret = put(s, "\012endstream");
  }
  bp_buf_free(&data);
  if (ret == HPDF_OK && dict->after_write_fn) ret = dict->after_write_fn(dict);
  return ret;
}

/* A value, after a blank when the bytes before it and its own first one
 * would run together (a number after a number or a name). */
static HPDF_STATUS put_value(saver *s, void *obj, bool top) {
  HPDF_Obj_Header *h = obj;
  HPDF_UINT16 cls = h->obj_class & HPDF_OCLASS_ANY;
  bool starts_delimited = cls == HPDF_OCLASS_NAME || cls == HPDF_OCLASS_STRING ||
                          cls == HPDF_OCLASS_BINARY || cls == HPDF_OCLASS_ARRAY ||
                          cls == HPDF_OCLASS_DICT;
  HPDF_STATUS ret = HPDF_OK;
  if (!starts_delimited && !delimits(last_byte(s))) ret = put(s, " ");
  if (ret != HPDF_OK) return ret;
  char num[40];
  switch (cls) {
  case HPDF_OCLASS_PROXY: return put(s, ref_text(num, obj_num(((HPDF_Proxy)obj)->obj), " 0 R"));
  case HPDF_OCLASS_NUMBER: {
    int v = (int)((HPDF_Number)obj)->value;
    char *p = ref_text(num, v < 0 ? 0U - (unsigned)v : (unsigned)v, "");
    if (v < 0) *--p = '-';
    return put(s, p);
  }
  case HPDF_OCLASS_REAL: return put_real(s, ((HPDF_Real)obj)->value);
  case HPDF_OCLASS_ARRAY: {
    HPDF_Array arr = obj;
    ret = put(s, "[");
    for (HPDF_UINT i = 0; ret == HPDF_OK && i < arr->list->count; i++) {
      HPDF_Obj_Header *item = HPDF_List_ItemAt(arr->list, i);
      if (!item) return HPDF_INVALID_OBJECT;
      if (!(item->obj_id & HPDF_OTYPE_HIDDEN)) ret = put_value(s, item, false);
    }
    return ret == HPDF_OK ? put(s, "]") : ret;
  }
  case HPDF_OCLASS_DICT: return put_dict(s, obj, top);
  case HPDF_OCLASS_STRING:
    if (!((HPDF_String)obj)->encoder) return put_literal(s, obj);
    return HPDF_Obj_WriteValue(obj, s->st, NULL); /* libharu converts the encoded */
  default: /* null, boolean, name, binary: as libharu writes them */
    return HPDF_Obj_WriteValue(obj, s->st, NULL);
  }
}

bool bp_pdf_save_supported(void) { return HPDF_VERSION_ID == 20300; }

/* The stream dictionaries' /Length objects are left out of the numbering. */
static void number_objects(saver *s, HPDF_Xref xref) {
  for (size_t i = 1; i < s->n_ids; i++) { /* a hidden object is not written */
    const HPDF_Obj_Header *h = HPDF_Xref_GetEntry(xref, (HPDF_UINT)i)->obj;
    s->ids[i] = h && !(h->obj_id & HPDF_OTYPE_HIDDEN);
  }
  for (size_t i = 1; i < s->n_ids; i++) {
    HPDF_XrefEntry e = HPDF_Xref_GetEntry(xref, (HPDF_UINT)i);
    HPDF_Obj_Header *h = e->obj;
    if (!h || (h->obj_class & HPDF_OCLASS_ANY) != HPDF_OCLASS_DICT || !((HPDF_Dict)h)->stream)
      continue;
    HPDF_Dict dict = (HPDF_Dict)h;
    for (HPDF_UINT k = 0; k < dict->list->count; k++) {
      HPDF_DictElement el = HPDF_List_ItemAt(dict->list, k);
      HPDF_Obj_Header *v = el->value;
      if (strcmp(el->key, "Length") || !v || (v->obj_class & HPDF_OCLASS_ANY) != HPDF_OCLASS_PROXY)
        continue;
      unsigned n = obj_num(((HPDF_Proxy)v)->obj);
      if (n > 0 && n < s->n_ids) s->ids[n] = 0;
    }
  }
  unsigned next = 1;
  for (size_t i = 1; i < s->n_ids; i++) {
    if (!s->ids[i]) continue;
    HPDF_Obj_Header *h = HPDF_Xref_GetEntry(xref, (HPDF_UINT)i)->obj;
    s->ids[i] = next++;
    h->obj_id = (h->obj_id & 0xFF000000) | s->ids[i];
  }
}

HPDF_STATUS bp_pdf_save(HPDF_Doc pdf, int level, bp_buf *out) {
  HPDF_Xref xref = pdf->xref;
  if (!bp_pdf_save_supported() || xref->prev || xref->start_offset || pdf->encrypt_on)
    return HPDF_INVALID_DOCUMENT; /* nothing this document makes */
  /* the before-write functions first: they may add objects, numbered too */
  HPDF_STATUS ret = HPDF_OK;
  for (HPDF_UINT i = 1; ret == HPDF_OK && i < xref->entries->count; i++) {
    HPDF_Obj_Header *h = HPDF_Xref_GetEntry(xref, i)->obj;
    if (h && !(h->obj_id & HPDF_OTYPE_HIDDEN) &&
        (h->obj_class & HPDF_OCLASS_ANY) == HPDF_OCLASS_DICT && ((HPDF_Dict)h)->before_write_fn)
      ret = ((HPDF_Dict)h)->before_write_fn((HPDF_Dict)h);
  }
  if (ret != HPDF_OK) return ret;
  saver s = {NULL, out, NULL, xref->entries->count, level};
  s.st = HPDF_CallbackWriter_New(pdf->mmgr, to_buf, &s);
  if (!s.st) return HPDF_FAILD_TO_ALLOC_MEM;
  s.ids = bp_calloc(s.n_ids, sizeof *s.ids);
  number_objects(&s, xref);
  size_t base = out->len, n_written = 0;
  size_t *offsets = bp_calloc(s.n_ids, sizeof *offsets);
  char line[64];
  snprintf(line, sizeof line, "%%PDF-1.%d\012%%\267\276\255\252\012", (int)pdf->pdf_version + 2);
  ret = put(&s, line);
  for (size_t i = 1; ret == HPDF_OK && i < s.n_ids; i++) {
    if (!s.ids[i]) continue;
    offsets[n_written++] = out->len - base;
    ret = put(&s, ref_text(line, s.ids[i], " 0 obj\012"));
    if (ret == HPDF_OK) ret = put_value(&s, HPDF_Xref_GetEntry(xref, (HPDF_UINT)i)->obj, true);
    if (ret == HPDF_OK) ret = put(&s, "\012endobj\012");
  }
  if (ret == HPDF_OK && xref->entries->count != s.n_ids)
    ret = HPDF_INVALID_OBJECT; /* an object was added while writing: numbered nowhere */
  size_t xref_at = out->len - base;
  snprintf(line, sizeof line, "xref\0120 %zu\0120000000000 65535 f\015\012", n_written + 1);
  if (ret == HPDF_OK) ret = put(&s, line);
  for (size_t i = 0; ret == HPDF_OK && i < n_written; i++) {
    /* "%010zu 00000 n\r\n": offsets below 10^10, as the xref table needs */
    static const char tail[] = " 00000 n\015\012";
    char *at = ref_text(line, offsets[i], tail);
    while (at > line + 39 - (sizeof tail - 1) - 10) *--at = '0';
    ret = put(&s, at);
  }
  /* the trailer as libharu's save prepares it */
  HPDF_Dict trailer = xref->trailer;
  if (ret == HPDF_OK) ret = HPDF_Dict_Add(trailer, "Root", pdf->catalog);
  if (ret == HPDF_OK && pdf->info) ret = HPDF_Dict_Add(trailer, "Info", pdf->info);
  if (ret == HPDF_OK) ret = HPDF_Dict_AddNumber(trailer, "Size", (HPDF_INT32)(n_written + 1));
  if (ret == HPDF_OK) ret = put(&s, "trailer\012");
  if (ret == HPDF_OK) ret = put_value(&s, trailer, true);
  snprintf(line, sizeof line, "\012startxref\012%zu\012%%%%EOF\012", xref_at);
  if (ret == HPDF_OK) ret = put(&s, line);
  free(offsets);
  free(s.ids);
  HPDF_Stream_Free(s.st);
  return ret;
}
