/* test_pdf.c - the PDF device, checked like a user would: display lists
 * built by hand (shaped with HarfBuzz), written to a temporary directory, then
 * read back with poppler (pdftotext, pdffonts, pdfinfo) and qpdf. Needs the
 * fonts in fonts/ and poppler-utils + qpdf on PATH (the bootstrap installs
 * them). Runs with the source root as the working directory. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <hb.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <hpdf.h>
#include <hpdf_streams.h>

#include "render/pdf-imp.h"
#include "render/pdf_save.h"
#include "render/render.h"
#include "assert_ok.h"

#define SERIF "fonts/NotoSerif-Regular.ttf"
#define SERIF_BOLD "fonts/NotoSerif-Bold.ttf"
#define MYEONGJO "fonts/NanumMyeongjo.ttf"
#define GOTHIC "fonts/NanumGothic.ttf"
#define A4_W 595.276
#define A4_H 841.89

static char tmpdir[256];

/* ---- helpers ------------------------------------------------------------- */

static char *path_in_tmp(const char *name) {
  char *p = malloc(strlen(tmpdir) + strlen(name) + 2);
  sprintf(p, "%s/%s", tmpdir, name);
  return p;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  bp_buf b = {0};
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) bp_buf_put(&b, chunk, n);
  fclose(f);
  if (len) *len = b.len;
  return bp_buf_detach(&b);
}

/* Runs a shell command; returns its exit status, stdout in *out and stderr
 * in *err (both owned, may be passed NULL). */
static int run(char **out, char **err, const char *fmt, ...) {
  char cmd[2048], errpath[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  snprintf(errpath, sizeof errpath, "%s/.stderr", tmpdir);
  char full[2600];
  snprintf(full, sizeof full, "%s 2>'%s'", cmd, errpath);
  FILE *p = popen(full, "r");
  assert_non_null(p);
  bp_buf b = {0};
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) bp_buf_put(&b, chunk, n);
  /* binary stream data (the ICC profile in qpdf --qdf) holds NULs: make
   * them spaces so that strstr searches the whole output */
  for (size_t i = 0; i < b.len; i++)
    if (!b.data[i]) b.data[i] = ' ';
  int st = pclose(p);
  char *e = slurp(errpath, NULL);
  unlink(errpath);
  if (out)
    *out = bp_buf_detach(&b);
  else
    bp_buf_free(&b);
  if (err)
    *err = e ? e : bp_strdup("");
  else
    free(e);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* With BP_PDF_KEEP=dir set, copies a written PDF there for inspection. */
static void keep(const char *path) {
  const char *dir = getenv("BP_PDF_KEEP");
  if (!dir || !*dir) return;
  char *out, *err;
  run(&out, &err, "cp '%s' '%s/'", path, dir);
  free(out);
  free(err);
}

static int count_dir_entries(void) {
  DIR *dir = opendir(tmpdir);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(dir)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(dir);
  return n;
}

static bool file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

static long file_size(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

/* Shapes `text` with HarfBuzz in the font and adds it as one run, clusters
 * and glyphs at the positions HarfBuzz gives (kerning included). Every space
 * gets `extra_space_pt` more, as justification would. Returns the width. */
static double add_run_ex(bp_dlist *dl, bp_dl_page *pg, const char *font_path, double size, double x,
                         double y, const char *text, bp_color color, double extra_space_pt) {
  int fi = bp_dlist_add_font(dl, font_path, 0, "Test", "Regular");
  hb_blob_t *blob = hb_blob_create_from_file_or_fail(font_path);
  assert_non_null(blob);
  hb_face_t *face = hb_face_create(blob, 0);
  hb_font_t *font = hb_font_create(face);
  unsigned upem = hb_face_get_upem(face);
  hb_buffer_t *buf = hb_buffer_create();
  hb_buffer_add_utf8(buf, text, -1, 0, -1);
  hb_buffer_guess_segment_properties(buf);
  hb_feature_t liga;
  hb_feature_from_string("-liga", -1, &liga);
  hb_shape(font, buf, &liga, 1);
  unsigned n;
  hb_glyph_info_t *info = hb_buffer_get_glyph_infos(buf, &n);
  hb_glyph_position_t *pos = hb_buffer_get_glyph_positions(buf, &n);
  bp_dl_glyph *glyphs = calloc(n ? n : 1, sizeof *glyphs);
  bp_dl_cluster *clusters = calloc(n ? n : 1, sizeof *clusters);
  size_t nc = 0, len = strlen(text);
  double pen = x, k = size / upem;
  for (unsigned i = 0; i < n; i++) {
    glyphs[i].id = info[i].codepoint;
    glyphs[i].x_pt = pen + pos[i].x_offset * k;
    glyphs[i].cluster = info[i].cluster;
    if (i == 0 || info[i].cluster != info[i - 1].cluster) {
      clusters[nc].start = info[i].cluster;
      clusters[nc].x_pt = pen;
      if (nc) clusters[nc - 1].len = info[i].cluster - clusters[nc - 1].start;
      nc++;
    }
    double adv = pos[i].x_advance * k;
    if (text[info[i].cluster] == ' ') adv += extra_space_pt;
    clusters[nc - 1].adv_pt += adv;
    pen += adv;
  }
  if (nc) clusters[nc - 1].len = (uint32_t)len - clusters[nc - 1].start;
  bp_dl_text t = {0};
  t.font = fi;
  t.size_pt = size;
  t.color = color;
  t.x_pt = x;
  t.y_pt = y;
  t.width_pt = pen - x;
  t.text = (char *)text;
  t.text_len = len;
  t.clusters = clusters;
  t.n_clusters = nc;
  t.glyphs = glyphs;
  t.n_glyphs = n;
  bp_dl_add_text(pg, &t);
  free(glyphs);
  free(clusters);
  hb_buffer_destroy(buf);
  hb_font_destroy(font);
  hb_face_destroy(face);
  hb_blob_destroy(blob);
  return pen - x;
}

static const bp_color BLACK = {0, 0, 0, 1};

static double add_run(bp_dlist *dl, bp_dl_page *pg, const char *font_path, double size, double x,
                      double y, const char *text) {
  return add_run_ex(dl, pg, font_path, size, x, y, text, BLACK, 0);
}

/* In pdftotext -bbox output, the first box of `word` from *at on: its
 * attribute `attr` ("xMin", "xMax"); *at moves to it (a failure when it is
 * not there). */
static double word_box(const char **at, const char *word, const char *attr) {
  char needle[64];
  snprintf(needle, sizeof needle, ">%s</word>", word); /* <word xMin="72.0" ...>Word</word> */
  const char *hit = strstr(*at, needle), *v = hit;
  if (!hit) fail_msg("no word %s in pdftotext's boxes", word);
  size_t n = strlen(attr);
  while (v > *at && (strncmp(v, attr, n) || strncmp(v + n, "=\"", 2))) v--;
  *at = hit;
  return atof(v + n + 2);
}

/* True when pdfinfo's output has the line "key:   value". */
static bool info_is(const char *out, const char *key, const char *value) {
  size_t kl = strlen(key);
  for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
    if (strncmp(l, key, kl) || l[kl] != ':') continue;
    const char *v = l + kl + 1;
    while (*v == ' ') v++;
    return strncmp(v, value, strlen(value)) == 0 && (v[strlen(value)] == '\n' || !v[strlen(value)]);
  }
  return false;
}

static bp_status write_pdf(const bp_dlist *dl, const char *path, bool compress, bp_ctx *ctx) {
  bp_ctx_init(ctx);
  bp_pdf_options opt = {.compress = compress};
  return bp_dlist_run(dl, bp_pdf_device_new(path, &opt), ctx);
}

/* A page of mixed Korean and Latin text, the shape of a brief's endnotes. */
static const char *KO_PARA[] = {
    "북한은 2023년 말 해외 공관 수십 곳의 폐쇄를 발표했다. 12월 초까지 기니, 네팔,",
    "방글라데시, 세네갈, 스페인, 우간다, 앙골라에서 철수했으며 콩고민주공화국에서",
    "철수하는 중이고 홍콩 총영사관도 닫는다. 아프리카 국가들에서의 철수는 냉전 시기",
    "이들 나라에 대한 재정 지원이라는 유산을 포기한다는 상징이다. 자유아시아방송에",
    "따르면 홍콩 영사관은 폐쇄 결정 한 달 전까지 새 잠수함 건조 자금의 중요한",
    "수입원이었다. 이러한 철수 결정은 북한이 지금 처한 두 가지 상황을 상징한다.",
};
static const char *EN_PARA[] = {
    "At the end of 2023, Pyongyang announced the closure of dozens of diplomatic",
    "missions abroad. As of early December, North Korea had withdrawn from Guinea,",
    "Nepal, Bangladesh, Senegal, Spain, Uganda, and Angola and was currently in the",
    "process of withdrawing from the Democratic Republic of Congo and shutting down",
    "its consulate in Hong Kong. The withdrawal from African states symbolizes the",
    "abandonment of a legacy of financial support to these countries.",
};

static bp_dlist *mixed_page(void) {
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, A4_W, A4_H);
  double y = 72;
  add_run(dl, pg, SERIF_BOLD, 16, 72, y, "Hello world: a brief");
  y += 24;
  for (size_t i = 0; i < sizeof EN_PARA / sizeof *EN_PARA; i++, y += 14)
    add_run(dl, pg, SERIF, 10, 72, y, EN_PARA[i]);
  y += 10;
  for (size_t i = 0; i < sizeof KO_PARA / sizeof *KO_PARA; i++, y += 15)
    add_run(dl, pg, MYEONGJO, 10, 72, y, KO_PARA[i]);
  y += 10;
  add_run(dl, pg, SERIF, 10, 72, y, "Um, J. (2023). Ministry of Foreign Affairs:");
  add_run(dl, pg, MYEONGJO, 10, 290, y, "“외교부 ‘북한, 기니·세네갈 대사관도 폐쇄’”");
  return dl;
}

/* ---- tests ---------------------------------------------------------------- */

/* The writer's integers, numbers with decimals and hex digits are
 * printf's, character for character (the objects, structure tree, xref
 * table and page content hold thousands). */
static void numbers_as_printf(void **state) {
  (void)state;
  static const long long ints[] = {0,
                                   1,
                                   -1,
                                   9,
                                   10,
                                   -10,
                                   99,
                                   100,
                                   65535,
                                   2147483647,
                                   -2147483647 - 1,
                                   1234567890123LL,
                                   -987654321LL,
                                   9223372036854775807LL,
                                   -9223372036854775807LL - 1};
  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
    bp_buf b = {0};
    bp_pdf_put_int(&b, ints[i]);
    char want[32];
    snprintf(want, sizeof want, "%lld", ints[i]);
    assert_string_equal(b.data, want);
    bp_buf_free(&b);
  }
  /* numbers with decimals: printf's "%.*f" with the trailing zeros (and
   * point) taken off, for the positions a layout makes (1/1024 pt steps,
   * ties among them), thirds, tiny and negative values */
  unsigned seed = 12345;
  for (int i = 0; i < 200000; i++) {
    seed = seed * 1103515245u + 12345u;
    double v;
    switch (i % 4) {
    case 0: v = (double)(int)(seed % 2000000) / 1024.0 - 500; break;
    case 1: v = (double)(int)(seed % 200000) / 1000.0 - 100 + 0.0005; break;
    case 2: v = (double)(seed % 100000) / 3.0 - 16000; break;
    default: v = ((double)(seed % 1000) - 500) * 1e-5; break;
    }
    for (int dec = 0; dec <= 3; dec++) {
      bp_buf b = {0};
      bp_pdf_put_number(&b, v, dec);
      char want[64];
      snprintf(want, sizeof want, "%.*f", dec, fabs(v) < 0.5 * pow(10, -dec) ? 0.0 : v);
      char *e = want + strlen(want);
      while (dec > 0 && e[-1] == '0') *--e = '\0';
      if (e[-1] == '.') e[-1] = '\0';
      if (strcmp(b.data, want))
        fail_msg("%.17g with %d decimals: %s, printf %s", v, dec, b.data, want);
      bp_buf_free(&b);
    }
  }
  for (unsigned v = 0; v <= 0xFFFF; v += 0x0F0F) {
    bp_buf b = {0};
    bp_pdf_put_hex4(&b, v);
    char want[8];
    snprintf(want, sizeof want, "%04X", v);
    assert_string_equal(b.data, want);
    bp_buf_free(&b);
  }
}

/* Text strings (the document information, bookmark titles): PDFDocEncoding
 * when they can be, else UTF-16 written by the device for the BMP and by
 * libharu's UTF-8 encoder beyond it; each comes back as it was given. */
static void text_strings_come_back(void **state) {
  (void)state;
  bp_dlist *dl = mixed_page();
  bp_dl_meta m = {.title = "요약 Brief — 2023", .author = "Kim 김 \xf0\x9f\x98\x80", .lang = "ko"};
  bp_dl_set_meta(dl, &m);
  bp_dl_add_outline(&dl->pages[0], 0, "첫째 절 Section", 72);
  bp_dl_add_outline(&dl->pages[0], 0, "Notes", 300);
  char *p = path_in_tmp("strings.pdf");
  bp_ctx ctx;
  assert_ok(write_pdf(dl, p, true, &ctx), &ctx);
  char *out, *err;
  assert_int_equal(run(&out, &err, "pdfinfo '%s'", p), 0);
  assert_true(info_is(out, "Title", "요약 Brief — 2023"));
  assert_non_null(strstr(out, "Kim 김")); /* beyond the BMP: libharu's encoder, as before */
  free(out), free(err);
  assert_int_equal(run(&out, &err, "mutool show '%s' outline", p), 0);
  assert_non_null(strstr(out, "첫째 절 Section"));
  assert_non_null(strstr(out, "Notes"));
  free(out), free(err);
  unlink(p);
  free(p);
  bp_dlist_free(dl);
}

/* bp_pdf_deflate's output inflates to its input, the same bytes each time;
 * and the page content and the font programs of a written PDF are its
 * output (libdeflate's, not libharu's zlib): every Flate stream inflates. */
static unsigned char *inflated(const unsigned char *z, size_t len, size_t *out_len) {
  z_stream s = {0};
  assert_int_equal(inflateInit(&s), Z_OK);
  bp_buf b = {0};
  s.next_in = (unsigned char *)z;
  s.avail_in = (uInt)len;
  int r;
  do {
    unsigned char chunk[16384];
    s.next_out = chunk;
    s.avail_out = sizeof chunk;
    r = inflate(&s, Z_NO_FLUSH);
    assert_true(r == Z_OK || r == Z_STREAM_END);
    bp_buf_put(&b, (const char *)chunk, sizeof chunk - s.avail_out);
  } while (r != Z_STREAM_END);
  assert_int_equal(s.avail_in, 0);
  inflateEnd(&s);
  *out_len = b.len;
  return (unsigned char *)bp_buf_detach(&b);
}

/* Every Flate stream of a PDF the device wrote at `fast` (a batch's level,
 * or a document's): each content stream and font program is the same bytes
 * bp_pdf_deflate makes at that level; the PDF's total size is returned. */
static size_t streams_at(bp_dlist *dl, bool fast) {
  int level = fast ? BP_DEFLATE_FAST : BP_DEFLATE_SMALL;
  char *path = path_in_tmp(fast ? "deflate-fast.pdf" : "deflate.pdf");
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_pdf_options opt = {.compress = true, .fast_deflate = fast};
  assert_ok(bp_dlist_run(dl, bp_pdf_device_new(path, &opt), &ctx), &ctx);
  size_t len;
  char *pdf = slurp(path, &len);
  int content = 0, programs = 0, flate = 0;
  for (char *at = pdf; (at = memmem(at, len - (size_t)(at - pdf), "stream\r\n", 8)); at += 8) {
    char *dict = at;
    while (dict > pdf && memcmp(dict, "<<", 2)) dict--;
    char *length = memmem(dict, (size_t)(at - dict), "/Length ", 8);
    if (!length || !memmem(dict, (size_t)(at - dict), "/FlateDecode", 12)) continue;
    size_t zlen = strtoul(length + 8, NULL, 10);
    const unsigned char *z = (const unsigned char *)at + 8;
    size_t raw_len;
    unsigned char *raw = inflated(z, zlen, &raw_len);
    flate++;
    bool is_content = memmem(raw, raw_len, " Tf", 3) != NULL;
    bool is_program = raw_len > 4 && !memcmp(raw, "\0\1\0\0", 4);
    if (is_content || is_program) {
      unsigned char *again;
      size_t again_len;
      assert_true(bp_pdf_deflate(raw, raw_len, level, &again, &again_len));
      assert_true(again_len == zlen && memcmp(again, z, zlen) == 0);
      free(again);
      content += is_content, programs += is_program;
    }
    free(raw);
  }
  assert_int_equal(content, 1);
  assert_int_equal(programs, 3); /* serif, serif bold, Myeongjo */
  assert_true(flate > 4);
  free(pdf);
  free(path);
  return len;
}

static void streams_deflated_by_libdeflate(void **state) {
  (void)state;
  static const size_t sizes[] = {0, 1, 100, 65536, 300000};
  static const int levels[] = {BP_DEFLATE_SMALL, BP_DEFLATE_FAST};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    for (size_t l = 0; l < 2; l++) { /* each level the same bytes every time, any order */
      unsigned char *in = calloc(sizes[i] + 1, 1);
      for (size_t k = 0; k < sizes[i]; k += 7) in[k] = (unsigned char)(k * 31 + k / 1000);
      unsigned char *z1, *z2, *zo;
      size_t n1, n2, no, back_len;
      assert_true(bp_pdf_deflate(in, sizes[i], levels[l], &z1, &n1));
      assert_true(bp_pdf_deflate(in, sizes[i], levels[!l], &zo, &no));
      assert_true(bp_pdf_deflate(in, sizes[i], levels[l], &z2, &n2));
      assert_true(n1 == n2 && memcmp(z1, z2, n1) == 0);
      unsigned char *back = inflated(z1, n1, &back_len);
      assert_true(back_len == sizes[i] && memcmp(back, in, back_len) == 0);
      free(back), free(z1), free(z2), free(zo), free(in);
    }

  bp_dlist *dl = mixed_page();
  size_t small = streams_at(dl, false), fast = streams_at(dl, true);
  assert_true(fast >= small); /* a batch's bytes cost a little more room */
  bp_dlist_free(dl);
}

static void text_extracts_in_order(void **state) {
  (void)state;
  bp_dlist *dl = mixed_page();
  char *out_path = path_in_tmp("mixed.pdf");
  bp_ctx ctx;
  assert_int_equal(write_pdf(dl, out_path, true, &ctx), BP_OK);
  char *out, *err;
  assert_int_equal(run(&out, &err, "pdftotext -layout '%s' -", out_path), 0);
  assert_null(strstr(err, "ToUnicode"));
  assert_null(strstr(err, "Syntax"));
  assert_null(strstr(err, "Error"));
  const char *hello = strstr(out, "Hello world: a brief");
  assert_non_null(hello);
  const char *en = strstr(out, "withdrawing from the Democratic Republic of Congo");
  assert_non_null(en);
  const char *ko = strstr(out, "북한은 2023년 말 해외 공관 수십 곳의 폐쇄를 발표했다.");
  assert_non_null(ko);
  const char *ko2 = strstr(out, "이러한 철수 결정은 북한이 지금 처한 두 가지 상황을 상징한다.");
  assert_non_null(ko2);
  const char *cite = strstr(out, "“외교부 ‘북한, 기니·세네갈 대사관도 폐쇄’”");
  assert_non_null(cite);
  assert_true(hello < en && en < ko && ko < ko2 && ko2 < cite);
  keep(out_path);
  long size = file_size(out_path);
  printf("# mixed Korean+Latin page: %ld bytes\n", size);
  assert_true(size > 0 && size < 60000);
  free(out);
  free(err);
  unlink(out_path);
  free(out_path);
  bp_dlist_free(dl);
}

/* Characters a font draws with one glyph (NanumGothic: U+0020 and U+00A0,
 * U+2014 and U+2015) still come back apart: each gets a code of its own
 * (else a reader's text would have the same dash twice),
 * and only that font gets a CIDToGIDMap; a font whose characters each have
 * a glyph is mapped /Identity (its codes are its glyphs). Compressed and
 * not. */
static void shared_glyphs_extract_apart(void **state) {
  (void)state;
  for (int compress = 0; compress < 2; compress++) {
    bp_dlist *dl = bp_dlist_new();
    bp_dl_page *pg = bp_dlist_add_page(dl, A4_W, A4_H);
    add_run(dl, pg, GOTHIC, 12, 72, 72, "A B\u00A0C\u2014D\u2015E 한국");
    add_run(dl, pg, SERIF, 12, 72, 100, "Plain text");
    char *path = path_in_tmp(compress ? "shared-z.pdf" : "shared.pdf");
    bp_ctx ctx;
    assert_int_equal(write_pdf(dl, path, compress, &ctx), BP_OK);
    keep(path);
    char *out, *err;
    assert_int_equal(run(&out, &err, "pdftotext '%s' -", path), 0);
    /* poppler reads U+00A0 as a space: its code's ToUnicode entry below */
    assert_non_null(strstr(out, "A B C\u2014D\u2015E 한국"));
    assert_non_null(strstr(out, "Plain text"));
    free(out);
    free(err);
    /* the CIDFonts' maps, in qpdf's QDF form: one stream, one /Identity */
    assert_int_equal(run(&out, &err, "qpdf --qdf --object-streams=disable '%s' -", path), 0);
    int streams = 0, identity = 0;
    for (const char *p = out; (p = strstr(p, "/CIDToGIDMap ")); p++) {
      p += strlen("/CIDToGIDMap ");
      identity += strncmp(p, "/Identity", 9) == 0;
      streams += *p >= '1' && *p <= '9';
    }
    assert_int_equal(streams, 1);
    assert_int_equal(identity, 1);
    assert_non_null(strstr(out, " <00A0>")); /* a code of its own for U+00A0 */
    free(out);
    free(err);
    unlink(path);
    free(path);
    bp_dlist_free(dl);
  }
}

static void fonts_embedded_subset_unicode(void **state) {
  (void)state;
  bp_dlist *dl = mixed_page();
  char *out_path = path_in_tmp("fonts.pdf");
  bp_ctx ctx;
  assert_int_equal(write_pdf(dl, out_path, true, &ctx), BP_OK);
  char *out, *err;
  assert_int_equal(run(&out, &err, "pdffonts '%s'", out_path), 0);
  int lines = 0;
  for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
    if (!strchr(line, '+')) continue; /* header lines */
    lines++;
    /* NAME+TAG  CID TrueType  Identity-H  yes yes yes  N 0 */
    assert_true(line[6] == '+');
    for (int i = 0; i < 6; i++) assert_true(line[i] >= 'A' && line[i] <= 'Z');
    assert_non_null(strstr(line, "Identity-H       yes yes yes"));
  }
  assert_int_equal(lines, 3);
  free(out);
  free(err);
  assert_int_equal(run(&out, &err, "qpdf --check '%s'", out_path), 0);
  free(out);
  free(err);
  unlink(out_path);
  free(out_path);
  bp_dlist_free(dl);
}

static void byte_identical_runs(void **state) {
  (void)state;
  bp_dlist *dl = mixed_page();
  bp_dl_meta m = {
      .title = "북한 공관 철수 Brief", .author = "Kim 김", .lang = "ko", .epoch = 1700000000};
  bp_dl_set_meta(dl, &m);
  char *a = path_in_tmp("a.pdf"), *b = path_in_tmp("b.pdf");
  bp_ctx ctx;
  assert_int_equal(write_pdf(dl, a, true, &ctx), BP_OK);
  assert_int_equal(write_pdf(dl, b, true, &ctx), BP_OK);
  size_t la, lb;
  char *da = slurp(a, &la), *db = slurp(b, &lb);
  assert_int_equal(la, lb);
  assert_memory_equal(da, db, la);
  /* the trailer's /ID comes from the content, not the clock (above: equal
   * bytes), and is set: no zeros left of its placeholder */
  assert_non_null(memmem(da, la, "/ID[<", 5));
  assert_null(memmem(da, la, "<00000000000000000000000000000000>", 34));
  char *out, *err;
  assert_int_equal(run(&out, &err, "pdfinfo '%s'", a), 0);
  assert_true(info_is(out, "Title", "북한 공관 철수 Brief"));
  assert_true(info_is(out, "Author", "Kim 김"));
  assert_true(info_is(out, "Creator", "briefpress"));
  assert_non_null(strstr(out, "CreationDate:"));
  assert_non_null(strstr(out, "2023")); /* 1700000000 = 2023-11-14T22:13:20Z */
  free(out);
  free(err);
  assert_int_equal(run(&out, &err, "pdfinfo -isodates '%s'", a), 0);
  assert_non_null(strstr(out, "2023-11-14T22:13:20"));
  free(out);
  free(err);
  assert_int_equal(run(&out, &err, "qpdf --qdf --object-streams=disable '%s' -", a), 0);
  assert_non_null(strstr(out, "/Lang (ko)"));
  free(out);
  free(err);
  free(da);
  free(db);
  unlink(a);
  unlink(b);
  free(a);
  free(b);
  bp_dlist_free(dl);
}

static void no_date_without_epoch(void **state) {
  (void)state;
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, A4_W, A4_H);
  add_run(dl, pg, SERIF, 12, 72, 72, "No dates here");
  char *p = path_in_tmp("nodate.pdf");
  bp_ctx ctx;
  assert_int_equal(write_pdf(dl, p, false, &ctx), BP_OK);
  char *out, *err;
  assert_int_equal(run(&out, &err, "pdfinfo '%s'", p), 0);
  assert_null(strstr(out, "CreationDate"));
  assert_null(strstr(out, "ModDate"));
  assert_true(info_is(out, "Creator", "briefpress"));
  free(out);
  free(err);
  unlink(p);
  free(p);
  bp_dlist_free(dl);
}

/* Subsets are tight: a few Korean syllables cost a few KB, not the 4 MB of
 * the font file. */
static void subsets_are_small(void **state) {
  (void)state;
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, A4_W, A4_H);
  add_run(dl, pg, GOTHIC, 12, 72, 100, "외교부 북한 대사관 폐쇄");
  char *p = path_in_tmp("small.pdf");
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_pdf_options plain = {.compress = true, .plain = true}; /* no ICC profile */
  assert_int_equal(bp_dlist_run(dl, bp_pdf_device_new(p, &plain), &ctx), BP_OK);
  long size = file_size(p);
  printf("# one Korean line in NanumGothic: %ld bytes (plain PDF)\n", size);
  assert_true(size > 0 && size < 8000);
  unlink(p);
  free(p);
  bp_dlist_free(dl);
}

/* Words of a justified line land where the layout put them. */
static void justified_words_placed(void **state) {
  (void)state;
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, A4_W, A4_H);
  add_run_ex(dl, pg, SERIF, 10, 72, 100, "Pyongyang closes missions abroad", BLACK, 2.5);
  const bp_dl_text *t = &pg->items[0].u.text;
  char *p = path_in_tmp("just.pdf");
  bp_ctx ctx;
  assert_int_equal(write_pdf(dl, p, true, &ctx), BP_OK);
  keep(p);
  char *out, *err;
  assert_int_equal(run(&out, &err, "pdftotext -bbox '%s' -", p), 0);
  const char *words[] = {"Pyongyang", "closes", "missions", "abroad"};
  const char *at = out;
  for (size_t w = 0; w < 4; w++) {
    double x = word_box(&at, words[w], "xMin");
    /* the cluster x of the word's first letter */
    double want = -1;
    size_t off = (size_t)(strstr(t->text, words[w]) - t->text);
    for (size_t c = 0; c < t->n_clusters; c++)
      if (t->clusters[c].start == off) want = t->clusters[c].x_pt;
    assert_true(want > 0);
    /* poppler's xMin is the glyph origin; allow its float formatting */
    assert_true(x > want - 0.1 && x < want + 0.1);
  }
  free(out);
  free(err);
  assert_int_equal(run(&out, &err, "pdftotext '%s' -", p), 0);
  assert_non_null(strstr(out, "Pyongyang closes missions abroad"));
  free(out);
  free(err);
  unlink(p);
  free(p);
  bp_dlist_free(dl);
}

/* In qpdf's QDF text: the URI `literal` is an object of its own, which a
 * link's action (/URI) and description (/Contents) both refer to. */
static void assert_uri_object(const char *qdf, const char *literal) {
  char want[256];
  snprintf(want, sizeof want, "\n%s\nendobj", literal);
  const char *at = strstr(qdf, want);
  if (!at) fail_msg("no object %s", literal);
  while (at > qdf && at[-1] != '\n') at--; /* "N 0 obj" */
  int n = atoi(at);
  snprintf(want, sizeof want, "/URI %d 0 R", n);
  if (!strstr(qdf, want)) fail_msg("no %s (%s)", want, literal);
  snprintf(want, sizeof want, "/Contents %d 0 R", n);
  if (!strstr(qdf, want)) fail_msg("no %s (%s)", want, literal);
}

/* The widths in the PDF are the layout's: a reader finds each Korean and
 * Latin word ending where the layout put the next cluster. */
static void widths_match_layout(void **state) {
  (void)state;
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, A4_W, A4_H);
  add_run(dl, pg, MYEONGJO, 9, 72, 100, "코인 열풍과 북한의 현금화 난제");
  add_run(dl, pg, SERIF_BOLD, 11, 72, 130, "Withdrawal AVAILABLE Tokyo");
  char *p = path_in_tmp("widths.pdf");
  bp_ctx ctx;
  assert_int_equal(write_pdf(dl, p, true, &ctx), BP_OK);
  char *out, *err;
  assert_int_equal(run(&out, &err, "pdftotext -bbox '%s' -", p), 0);
  struct {
    int item;
    const char *word;
  } checks[] = {{0, "코인"},       {0, "열풍과"},    {0, "난제"},
                {1, "Withdrawal"}, {1, "AVAILABLE"}, {1, "Tokyo"}};
  for (size_t i = 0; i < sizeof checks / sizeof *checks; i++) {
    const bp_dl_text *t = &pg->items[checks[i].item].u.text;
    const char *at = out;
    double x = word_box(&at, checks[i].word, "xMax");
    /* where the word ends in the layout: its last cluster's x + advance */
    size_t end = (size_t)(strstr(t->text, checks[i].word) - t->text) + strlen(checks[i].word);
    double want = -1;
    for (size_t c = 0; c < t->n_clusters; c++)
      if (t->clusters[c].start + t->clusters[c].len == end)
        want = t->clusters[c].x_pt + t->clusters[c].adv_pt;
    assert_true(want > 0);
    if (!(x > want - 0.05 && x < want + 0.05))
      fail_msg("%s ends at %.3f in the PDF, %.3f in the layout", checks[i].word, x, want);
  }
  free(out);
  free(err);
  unlink(p);
  free(p);
  bp_dlist_free(dl);
}

/* Font expansion: a justified run drawn 2 % wider or narrower (Tz, which
 * scales TJ's shifts too) ends each word where the layout put it, the run
 * after it is drawn at 100 % again, and the text reads as before. */
static void expanded_runs_placed(void **state) {
  (void)state;
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, A4_W, A4_H);
  const double expand[] = {0.02, -0.02, 0};
  for (int i = 0; i < 3; i++) {
    add_run_ex(dl, pg, SERIF, 11, 72, 100 + 20 * i, "Withdrawal AVAILABLE Tokyo", BLACK, 3);
    bp_dl_text *t = &pg->items[pg->n_items - 1].u.text;
    double k = 1 + expand[i];
    t->expand = expand[i];
    t->width_pt *= k;
    for (size_t c = 0; c < t->n_clusters; c++)
      t->clusters[c].x_pt = 72 + (t->clusters[c].x_pt - 72) * k, t->clusters[c].adv_pt *= k;
    for (size_t g = 0; g < t->n_glyphs; g++) t->glyphs[g].x_pt = 72 + (t->glyphs[g].x_pt - 72) * k;
  }
  char *p = path_in_tmp("expanded.pdf");
  bp_ctx ctx;
  assert_int_equal(write_pdf(dl, p, true, &ctx), BP_OK);
  char *out, *err;
  assert_int_equal(run(&out, &err, "pdftotext -bbox '%s' -", p), 0);
  const char *words[] = {"Withdrawal", "AVAILABLE", "Tokyo"};
  const char *at = out;
  for (int i = 0; i < 3; i++) {
    const bp_dl_text *t = &pg->items[i].u.text;
    for (int w = 0; w < 3; w++) {
      double x = word_box(&at, words[w], "xMax");
      size_t end = (size_t)(strstr(t->text, words[w]) - t->text) + strlen(words[w]);
      double want = -1;
      for (size_t c = 0; c < t->n_clusters; c++)
        if (t->clusters[c].start + t->clusters[c].len == end)
          want = t->clusters[c].x_pt + t->clusters[c].adv_pt;
      if (!(x > want - 0.05 && x < want + 0.05))
        fail_msg("line %d: %s ends at %.3f in the PDF, %.3f in the layout", i, words[w], x, want);
    }
  }
  free(out);
  free(err);
  assert_int_equal(run(&out, &err, "pdftotext '%s' -", p), 0);
  assert_non_null(strstr(out, "Withdrawal AVAILABLE Tokyo\nWithdrawal AVAILABLE Tokyo\n"
                              "Withdrawal AVAILABLE Tokyo"));
  free(out);
  free(err);
  unlink(p);
  free(p);
  bp_dlist_free(dl);
}

static void uri_link_and_internal_link(void **state) {
  (void)state;
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *p1 = bp_dlist_add_page(dl, A4_W, A4_H);
  add_run(dl, p1, SERIF, 10, 72, 100, "See note 1 and the source.");
  bp_dl_link uri = {72, 90, 100, 12, "https://example.org/a?b=c&d=(e)", NULL};
  bp_dl_add_link(p1, &uri);
  bp_dl_link fwd = {120, 90, 8, 12, NULL, "note-1"};
  bp_dl_add_link(p1, &fwd);
  bp_dl_link ko = {200, 90, 50, 12, "https://ko.wikipedia.org/wiki/북한 외교", NULL};
  bp_dl_add_link(p1, &ko);
  bp_dl_add_outline(p1, 0, "본문 Body", 72);
  bp_dl_add_outline(p1, 1, "첫째 절 Section", 90);
  bp_dlist_add_page(dl, A4_W, A4_H);
  bp_dl_page *p3 = bp_dlist_add_page(dl, A4_W, A4_H);
  bp_dl_add_dest(p3, "note-1", 300);
  add_run(dl, p3, SERIF, 10, 72, 310, "1. The note.");
  bp_dl_add_outline(p3, 0, "Notes 주", 290);
  char *p = path_in_tmp("links.pdf");
  bp_ctx ctx;
  assert_int_equal(write_pdf(dl, p, true, &ctx), BP_OK);
  keep(p);
  char *out, *err;
  assert_int_equal(run(&out, &err, "qpdf --check '%s'", p), 0);
  free(out);
  free(err);
  assert_int_equal(run(&out, &err, "qpdf --qdf --object-streams=disable '%s' -", p), 0);
  assert_uri_object(out, "(https://example.org/a?b=c&d=\\(e\\))");
  /* a URI is ASCII: UTF-8 and spaces percent-encoded */
  assert_uri_object(out, "(https://ko.wikipedia.org/wiki/%EB%B6%81%ED%95%9C%20%EC%99%B8%EA%B5%90)");
  assert_non_null(strstr(out, "/Border [\n    0\n    0\n    0\n  ]"));
  /* the internal link's /Dest is [page-3 /XYZ null 541.89 null] */
  const char *pg3 = strstr(out, "%% Page 3\n");
  assert_non_null(pg3);
  const char *objl = strstr(pg3, " 0 obj");
  assert_non_null(objl);
  while (objl > pg3 && objl[-1] != '\n') objl--;
  int pg3_obj = atoi(objl);
  /* a direct destination in the annotation (no object of its own) */
  char want[128];
  snprintf(want, sizeof want, "/Dest [\n    %d 0 R\n    /XYZ\n    null\n    542\n    null\n  ]",
           pg3_obj);
  assert_non_null(strstr(out, want));
  /* the empty page 2 still gets valid (non-empty) content */
  const char *c2 = strstr(out, "%% Contents for page 2");
  assert_non_null(c2);
  assert_non_null(strstr(c2, "stream\nq\nQ\n"));
  free(out);
  free(err);
  /* bookmarks */
  assert_int_equal(run(&out, &err, "qpdf --json --json-key=outlines '%s'", p), 0);
  assert_non_null(strstr(out, "\"title\": \"본문 Body\""));
  assert_non_null(strstr(out, "\"title\": \"첫째 절 Section\""));
  assert_non_null(strstr(out, "\"title\": \"Notes 주\""));
  /* qpdf prints an item's kids before its title: Section nests in Body */
  const char *body = strstr(out, "본문 Body"), *sec = strstr(out, "첫째 절"),
             *notes = strstr(out, "Notes 주");
  const char *kids = strstr(out, "\"kids\": [\n");
  assert_true(kids && kids < sec && sec < body && body < notes);
  const char *on3 = strstr(body, "\"destpageposfrom1\": 3");
  assert_true(on3 && on3 < notes);
  free(out);
  free(err);
  unlink(p);
  free(p);
  bp_dlist_free(dl);
}

static void unknown_dest_fails(void **state) {
  (void)state;
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *p1 = bp_dlist_add_page(dl, A4_W, A4_H);
  add_run(dl, p1, SERIF, 10, 72, 100, "x");
  bp_dl_link l = {72, 90, 10, 10, NULL, "nowhere"};
  bp_dl_add_link(p1, &l);
  char *p = path_in_tmp("nodest.pdf");
  bp_ctx ctx;
  assert_int_not_equal(write_pdf(dl, p, true, &ctx), BP_OK);
  assert_non_null(strstr(ctx.msg, "nowhere"));
  assert_false(file_exists(p));
  assert_int_equal(count_dir_entries(), 0);
  free(p);
  bp_dlist_free(dl);
}

static void non_bmp_fails(void **state) {
  (void)state;
  bp_dlist *dl = bp_dlist_new();
  bp_dlist_add_page(dl, A4_W, A4_H);
  bp_dl_page *pg = bp_dlist_add_page(dl, A4_W, A4_H);
  add_run(dl, pg, SERIF, 10, 72, 100, "smile \xF0\x9F\x98\x80 please");
  char *p = path_in_tmp("emoji.pdf");
  bp_ctx ctx;
  assert_int_equal(write_pdf(dl, p, true, &ctx), BP_ERR_FONT);
  assert_non_null(strstr(ctx.msg, "U+1F600"));
  assert_non_null(strstr(ctx.msg, "page 2"));
  assert_false(file_exists(p));
  assert_int_equal(count_dir_entries(), 0);
  free(p);
  bp_dlist_free(dl);
}

static void missing_glyph_fails(void **state) {
  (void)state;
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, A4_W, A4_H);
  /* Noto Serif has no Hangul: build the run by hand */
  int fi = bp_dlist_add_font(dl, SERIF, 0, "Noto Serif", "Regular");
  bp_dl_cluster c[2] = {{0, 1, 72, 6}, {1, 3, 78, 10}};
  bp_dl_text t = {.font = fi,
                  .size_pt = 10,
                  .color = BLACK,
                  .x_pt = 72,
                  .y_pt = 100,
                  .text = "A가",
                  .text_len = 4,
                  .clusters = c,
                  .n_clusters = 2};
  bp_dl_add_text(pg, &t);
  char *p = path_in_tmp("tofu.pdf");
  bp_ctx ctx;
  assert_int_equal(write_pdf(dl, p, true, &ctx), BP_ERR_FONT);
  assert_non_null(strstr(ctx.msg, "U+AC00"));
  assert_non_null(strstr(ctx.msg, SERIF));
  assert_non_null(strstr(ctx.msg, "page 1"));
  assert_false(file_exists(p));
  assert_int_equal(count_dir_entries(), 0);
  free(p);
  bp_dlist_free(dl);
}

static void broken_font_fails(void **state) {
  (void)state;
  /* a truncated copy of a real font: hb-subset or the checks must reject it */
  char *bad = path_in_tmp("broken.ttf");
  size_t len;
  char *data = slurp(SERIF, &len);
  FILE *f = fopen(bad, "wb");
  fwrite(data, 1, 2000, f);
  fclose(f);
  free(data);
  char *txt = path_in_tmp("notafont.ttf");
  f = fopen(txt, "wb");
  fputs("this is not a font\n", f);
  fclose(f);
  const char *fonts[] = {bad, txt};
  for (int i = 0; i < 2; i++) {
    bp_dlist *dl = bp_dlist_new();
    bp_dl_page *pg = bp_dlist_add_page(dl, A4_W, A4_H);
    int fi = bp_dlist_add_font(dl, fonts[i], 0, "Broken", "Regular");
    bp_dl_cluster c[1] = {{0, 1, 72, 6}};
    bp_dl_text t = {.font = fi,
                    .size_pt = 10,
                    .color = BLACK,
                    .x_pt = 72,
                    .y_pt = 100,
                    .text = "A",
                    .text_len = 1,
                    .clusters = c,
                    .n_clusters = 1};
    bp_dl_add_text(pg, &t);
    char *p = path_in_tmp("broken.pdf");
    bp_ctx ctx;
    assert_int_equal(write_pdf(dl, p, true, &ctx), BP_ERR_FONT);
    assert_non_null(strstr(ctx.msg, fonts[i]));
    assert_false(file_exists(p));
    free(p);
    bp_dlist_free(dl);
  }
  unlink(bad);
  unlink(txt);
  free(bad);
  free(txt);
  assert_int_equal(count_dir_entries(), 0);
}

/* libharu 2.3.0's memory stream failed to seek to the very end of a stream
 * whose size is an exact multiple of its 4096-byte buffers (pdf.c replaces
 * HPDF_MemStream_SeekFunc). It bit when libharu re-serialised a subset
 * whose tables filled their buffers exactly: 0.2-0.3 % of distinct batch
 * records failed with "libharu cannot load its subset". The device now
 * embeds the subset's program itself (pdf_subset.c), but libharu still
 * loads every subset from a memory stream: the seek is checked directly,
 * and the text that used to fill the buffers (8 syllables of a synthetic
 * record, NanumGothic) still embeds through both paths, the plain device
 * and the cached one. */
static void subset_at_buffer_boundary(void **state) {
  (void)state;
  HPDF_Doc doc = HPDF_New(NULL, NULL);
  assert_non_null(doc);
  HPDF_Stream s = HPDF_MemStream_New(doc->mmgr, 4096);
  static HPDF_BYTE block[4096];
  assert_int_equal(HPDF_Stream_Write(s, block, sizeof block), HPDF_OK);
  assert_int_equal(HPDF_Stream_Seek(s, 4096, HPDF_SEEK_SET), HPDF_OK);
  HPDF_UINT n = 1;
  HPDF_BYTE b;
  assert_int_equal(HPDF_Stream_Read(s, &b, &n), HPDF_STREAM_EOF);
  HPDF_Stream_Free(s);
  HPDF_Free(doc);
  for (int cached = 0; cached < 2; cached++) {
    bp_dlist *dl = bp_dlist_new();
    bp_dl_page *pg = bp_dlist_add_page(dl, A4_W, A4_H);
    add_run(dl, pg, GOTHIC, 12, 72, 100, "립떒바퐈홶븚벾뒅");
    char *p = path_in_tmp("boundary.pdf");
    bp_ctx ctx;
    bp_ctx_init(&ctx);
    bp_pdf_cache *cache = cached ? bp_pdf_cache_new(0) : NULL;
    bp_pdf_options opt = {.compress = true};
    bp_status st = bp_dlist_run(dl, bp_pdf_device_new_cached(p, &opt, cache), &ctx);
    if (st) fail_msg("%s device: %s", cached ? "cached" : "plain", ctx.msg);
    char *out, *err;
    assert_int_equal(run(&out, &err, "pdffonts '%s' | grep -c 'CID TrueType.*yes *yes'", p), 0);
    assert_string_equal(out, "1\n");
    free(out);
    free(err);
    unlink(p);
    free(p);
    bp_pdf_cache_free(cache);
    bp_dlist_free(dl);
  }
}

/* Caches that share another cache's parsed fonts, as a batch's threads do:
 * two threads open the fonts through the shared table at once, and each
 * writes the bytes that a cache of its own writes. */
typedef struct share_job {
  bp_pdf_cache *faces_of;
  bp_dlist *dl;
  char *path;
  bp_status st;
} share_job;

static void *share_render(void *arg) {
  share_job *j = arg;
  bp_pdf_cache *cache = bp_pdf_cache_new_sharing(0, j->faces_of);
  bp_pdf_options opt = {.compress = true};
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  j->st = bp_dlist_run(j->dl, bp_pdf_device_new_cached(j->path, &opt, cache), &ctx);
  bp_pdf_cache_free(cache);
  return NULL;
}

static void caches_share_faces(void **state) {
  (void)state;
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, A4_W, A4_H);
  add_run(dl, pg, GOTHIC, 12, 72, 100, "공관 철수");
  add_run(dl, pg, SERIF, 10, 72, 140, "Missions abroad");
  bp_pdf_cache *root = bp_pdf_cache_new(0);
  share_job jobs[2] = {{root, dl, path_in_tmp("share-a.pdf"), BP_OK},
                       {root, dl, path_in_tmp("share-b.pdf"), BP_OK}};
  pthread_t th[2];
  for (int i = 0; i < 2; i++)
    assert_int_equal(pthread_create(&th[i], NULL, share_render, &jobs[i]), 0);
  for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
  share_job own = {NULL, dl, path_in_tmp("share-own.pdf"), BP_OK};
  share_render(&own);
  assert_int_equal(jobs[0].st, BP_OK);
  assert_int_equal(jobs[1].st, BP_OK);
  assert_int_equal(own.st, BP_OK);
  size_t la, lb, lo;
  char *da = slurp(jobs[0].path, &la), *db = slurp(jobs[1].path, &lb), *dow = slurp(own.path, &lo);
  assert_int_equal(la, lo);
  assert_int_equal(lb, lo);
  assert_memory_equal(da, dow, lo);
  assert_memory_equal(db, dow, lo);
  free(da), free(db), free(dow);
  for (int i = 0; i < 2; i++) unlink(jobs[i].path), free(jobs[i].path);
  unlink(own.path), free(own.path);
  bp_pdf_cache_free(root);
  bp_dlist_free(dl);
}

static void unwritable_target_fails(void **state) {
  (void)state;
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, A4_W, A4_H);
  add_run(dl, pg, SERIF, 10, 72, 100, "x");
  char *p = path_in_tmp("no/such/dir/out.pdf");
  bp_ctx ctx;
  assert_int_equal(write_pdf(dl, p, true, &ctx), BP_ERR_IO);
  assert_non_null(strstr(ctx.msg, p));
  assert_int_equal(count_dir_entries(), 0);
  free(p);
  bp_dlist_free(dl);
}

/* Paths, dashes and alpha. A plain PDF keeps alpha (ExtGState CA/ca);
 * PDF/A-1 has no transparency, so there each translucent colour is
 * blended against white and no ExtGState is written. */
static void paths_and_alpha(void **state) {
  bool pdfa = *state != NULL;
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, 300, 200);
  bp_path_seg box[] = {{BP_PATH_MOVE, {10, 10}},
                       {BP_PATH_LINE, {110, 10}},
                       {BP_PATH_LINE, {110, 60}},
                       {BP_PATH_LINE, {10, 60}},
                       {BP_PATH_CLOSE, {0}}};
  bp_dl_path fill = {.segs = box, .n_segs = 5, .fill = true, .fill_color = {0.8, 0.1, 0.1, 1}};
  bp_dl_add_path(pg, &fill);
  bp_path_seg curve[] = {{BP_PATH_MOVE, {10, 100}}, {BP_PATH_CURVE, {50, 60, 100, 140, 140, 100}}};
  bp_dl_path stroke = {.segs = curve,
                       .n_segs = 2,
                       .stroke = true,
                       .stroke_color = {0, 0, 1, 0.5},
                       .line_width_pt = 2,
                       .cap = BP_CAP_ROUND,
                       .join = BP_JOIN_BEVEL,
                       .dash = {3, 2},
                       .n_dash = 2};
  bp_dl_add_path(pg, &stroke);
  bp_dl_path eo = fill;
  eo.even_odd = true;
  eo.stroke = true;
  eo.fill_color.a = 0.25;
  eo.stroke_color = (bp_color){0, 0, 0, 1};
  eo.line_width_pt = 0.5;
  bp_dl_add_path(pg, &eo);
  add_run_ex(dl, pg, SERIF, 12, 20, 180, "Translucent text", (bp_color){0, 0.5, 0, 0.5}, 0);
  bp_dl_path invisible = fill; /* alpha 0: nothing to draw in PDF/A */
  invisible.fill_color = (bp_color){0.3, 0.6, 0.9, 0};
  bp_dl_add_path(pg, &invisible);
  char *p = path_in_tmp("paths.pdf");
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_pdf_options opt = {.compress = false, .plain = !pdfa};
  assert_int_equal(bp_dlist_run(dl, bp_pdf_device_new(p, &opt), &ctx), BP_OK);
  keep(p);
  size_t len;
  char *data = slurp(p, &len);
  const char *plain_want[] = {"0.8 0.1 0.1 rg", "[3 2 ] 0 d", "1 J",     "2 j",
                              " c\n",           "B*\n",       "/CA 0.5", "/ca 0.25",
                              "/E1 gs",         "/E2 gs",     "/E3 gs",  "0.3 0.6 0.9 rg"};
  const char *pdfa_want[] = {
      "0.8 0.1 0.1 rg", "[3 2 ] 0 d",          "1 J",          "2 j", " c\n",
      "B*\n",           "0.95 0.775 0.775 rg", "0.5 0.5 1 RG", "0 G", "0.5 0.75 0.5 rg"};
  const char *const *want = pdfa ? pdfa_want : plain_want;
  size_t n_want =
      pdfa ? sizeof pdfa_want / sizeof *pdfa_want : sizeof plain_want / sizeof *plain_want;
  for (size_t i = 0; i < n_want; i++)
    if (!memmem(data, len, want[i], strlen(want[i]))) fail_msg("no \"%s\" in %s", want[i], p);
  if (pdfa) {
    assert_null(memmem(data, len, "/ExtGState", 10));
    assert_null(memmem(data, len, "0.3 0.6 0.9", 11));
  }
  free(data);
  char *out, *err;
  assert_int_equal(run(&out, &err, "qpdf --check '%s'", p), 0);
  free(out);
  free(err);
  assert_int_equal(run(&out, &err, "pdftoppm -r 20 -png '%s' '%s/render'", p, tmpdir), 0);
  assert_string_equal(err, "");
  free(out);
  free(err);
  char *png = path_in_tmp("render-1.png");
  assert_true(file_exists(png));
  unlink(png);
  free(png);
  unlink(p);
  free(p);
  bp_dlist_free(dl);
}

/* A document with what PDF/A-1b and print care about: metadata that XML
 * must escape, dates, a link, a bookmark, near-black body text and an
 * accent colour. */
static bp_dlist *pdfa_page(void) {
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, A4_W, A4_H);
  add_run_ex(dl, pg, SERIF, 10, 72, 100, "Body text in ink.", (bp_color){0.086, 0.098, 0.114, 1},
             0);
  add_run_ex(dl, pg, MYEONGJO, 10, 72, 120, "본문 각주", (bp_color){0.169, 0.184, 0.208, 1}, 0);
  add_run_ex(dl, pg, SERIF, 10, 72, 140, "Accent heading", (bp_color){0.122, 0.306, 0.475, 1}, 0);
  bp_dl_link uri = {72, 90, 100, 12, "https://example.org/", NULL};
  bp_dl_add_link(pg, &uri);
  bp_dl_add_outline(pg, 0, "본문 Body", 72);
  bp_dl_meta m = {.title = "R&D <Beta> 북한 \"q\"",
                  .author = "Kim & Lee",
                  .subject = "a < b",
                  .keywords = "x, y",
                  .lang = "en",
                  .epoch = 1700000000};
  bp_dl_set_meta(dl, &m);
  return dl;
}

static void assert_has(const char *data, size_t len, const char *want, const char *path) {
  if (!memmem(data, len, want, strlen(want))) fail_msg("no \"%s\" in %s", want, path);
}

/* PDF/A-1b by default: the parts Preflight checks (tests/e2e/pdfa.sh runs
 * Preflight itself), written uncompressed so they can be read here. */
static void pdfa_by_default(void **state) {
  (void)state;
  bp_dlist *dl = pdfa_page();
  char *p = path_in_tmp("pdfa.pdf");
  bp_ctx ctx;
  assert_int_equal(write_pdf(dl, p, false, &ctx), BP_OK);
  keep(p);
  size_t len;
  char *d = slurp(p, &len);
  assert_memory_equal(d, "%PDF-1.4", 8);
  const char *want[] = {
      "/OutputIntents", "/S/GTS_PDFA1", "/DestOutputProfile", "(sRGB IEC61966-2.1)",
      "/Type/Metadata", "/Subtype/XML",
      /* the XMP says what the Info dictionary says, escaped for XML */
      "<rdf:li xml:lang=\"x-default\">R&amp;D &lt;Beta&gt; 북한 &quot;q&quot;</rdf:li>",
      "<rdf:li>Kim &amp; Lee</rdf:li>", "a &lt; b</rdf:li>", "<pdf:Keywords>x, y</pdf:Keywords>",
      "<xmp:CreatorTool>briefpress</xmp:CreatorTool>",
      "<xmp:CreateDate>2023-11-14T22:13:20+00:00</xmp:CreateDate>", "<pdfaid:part>1</pdfaid:part>",
      "<pdfaid:conformance>B</pdfaid:conformance>", "(D:20231114221320+00'00')", "/CIDSet",
      "/CapHeight", "/TrimBox", "/BleedBox", "/F 4",
      /* the bookmark's destination is a direct array */
      "/Dest[", "/ID[<",
      /* print: the near-black body and note text is black ink, the accent RGB */
      "0 g\n", "0.122 0.306 0.475 rg"};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) assert_has(d, len, want[i], p);
  assert_null(memmem(d, len, "0.08627", 7)); /* the ink's RGB is gone */
  assert_null(memmem(d, len, "<00000000000000000000000000000000>", 34));
  free(d);
  char *out, *err;
  assert_int_equal(run(&out, &err, "pdfinfo '%s'", p), 0);
  assert_true(info_is(out, "Title", "R&D <Beta> 북한 \"q\""));
  assert_true(info_is(out, "PDF version", "1.4"));
  assert_true(info_is(out, "Metadata Stream", "yes"));
  free(out);
  free(err);
  assert_int_equal(run(&out, &err, "qpdf --check '%s'", p), 0);
  free(out);
  free(err);
  unlink(p);
  free(p);
  bp_dlist_free(dl);
}

/* The black-ink rule of docs/print.md at its edges: neutral greys are
 * DeviceGray at their level; tinted near-blacks (every channel <= 0.25,
 * spread <= 0.06) DeviceGray 0; anything else RGB. Fills and strokes alike. */
static void black_ink_rule(void **state) {
  (void)state;
  static const struct {
    bp_color c;
    const char *fill;
  } cases[] = {
      {{0.5, 0.5, 0.5, 1}, "0.5 g"},            /* neutral grey */
      {{0.2, 0.2, 0.2, 1}, "0.2 g"},            /* a neutral dark grey stays grey */
      {{0.25, 0.2, 0.19, 1}, "0 g"},            /* tinted near-black at the edge */
      {{0.26, 0.2, 0.2, 1}, "0.26 0.2 0.2 rg"}, /* a channel above 0.25 */
      {{0.1, 0.1, 0.17, 1}, "0.1 0.1 0.17 rg"}, /* spread 0.07: a dark colour */
      {{0.122, 0.306, 0.475, 1}, "0.122 0.306 0.475 rg"},
  };
  bp_dlist *dl = bp_dlist_new();
  bp_dl_page *pg = bp_dlist_add_page(dl, 300, 300);
  bp_path_seg box[] = {
      {BP_PATH_MOVE, {10, 10}}, {BP_PATH_LINE, {20, 10}}, {BP_PATH_LINE, {20, 20}}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    bp_dl_path p = {.segs = box, .n_segs = 3, .fill = true, .fill_color = cases[i].c};
    bp_dl_add_path(pg, &p);
    bp_dl_path s = {.segs = box, .n_segs = 3, .stroke = true, .stroke_color = cases[i].c};
    s.line_width_pt = 1;
    bp_dl_add_path(pg, &s);
  }
  char *p = path_in_tmp("ink.pdf");
  bp_ctx ctx;
  assert_int_equal(write_pdf(dl, p, false, &ctx), BP_OK);
  size_t len;
  char *d = slurp(p, &len);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char want[64];
    snprintf(want, sizeof want, "%s\n", cases[i].fill);
    assert_has(d, len, want, p);
    size_t n = strlen(want); /* the stroke: the same operator in capitals */
    want[n - 2] = 'G';
    if (want[n - 3] == 'r') want[n - 3] = 'R';
    assert_has(d, len, want, p);
  }
  free(d);
  unlink(p);
  free(p);
  bp_dlist_free(dl);
}

/* --no-pdfa: no output intent, XMP or CIDSet; print colours and boxes stay. */
static void plain_is_not_pdfa(void **state) {
  (void)state;
  bp_dlist *dl = pdfa_page();
  char *p = path_in_tmp("plain.pdf");
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_pdf_options opt = {.compress = false, .plain = true};
  assert_int_equal(bp_dlist_run(dl, bp_pdf_device_new(p, &opt), &ctx), BP_OK);
  size_t len;
  char *d = slurp(p, &len);
  assert_null(memmem(d, len, "/OutputIntents", 14));
  assert_null(memmem(d, len, "/Metadata", 9));
  assert_null(memmem(d, len, "/CIDSet", 7));
  assert_has(d, len, "/TrimBox", p);
  assert_has(d, len, "0 g\n", p);
  free(d);
  unlink(p);
  free(p);
  bp_dlist_free(dl);
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The compiled-in output intent profile (scripts/icc-compact.c) is still
 * sRGB: a version 2 RGB display profile of its stated size, the sRGB
 * primaries (D50-adapted, as in icc-profiles-free's sRGB.icc) and one tone
 * curve for the three channels within 2/65535 of IEC 61966-2-1's formula at
 * every 16-bit input; and it is small. */
static void srgb_profile_is_srgb(void **state) {
  (void)state;
  const unsigned char *p = bp_srgb_icc;
  assert_int_equal(be32(p), bp_srgb_icc_len);
  assert_true(bp_srgb_icc_len < 1400);
  assert_memory_equal(p + 36, "acsp", 4);
  assert_memory_equal(p + 12, "mntrRGB XYZ ", 12);
  assert_int_equal(p[8], 2);
  uint32_t n = be32(p + 128), trc = 0;
  const double want[3][3] = {
      {0.4361, 0.2225, 0.0139}, {0.3851, 0.7169, 0.0971}, {0.1431, 0.0606, 0.7141}};
  const char *xyz[3] = {"rXYZ", "gXYZ", "bXYZ"}, *trcs = "rTRCgTRCbTRC";
  int found = 0;
  for (uint32_t i = 0; i < n; i++) {
    const unsigned char *e = p + 132 + 12 * i, *data = p + be32(e + 4);
    assert_true(be32(e + 4) + be32(e + 8) <= bp_srgb_icc_len);
    for (int c = 0; c < 3; c++)
      if (!memcmp(e, xyz[c], 4)) {
        for (int k = 0; k < 3; k++)
          assert_float_equal((int32_t)be32(data + 8 + 4 * k) / 65536.0, want[c][k], 0.001);
        found++;
      }
    for (int c = 0; c < 3; c++)
      if (!memcmp(e, trcs + 4 * c, 4)) {
        if (trc) assert_int_equal(be32(e + 4), trc); /* one curve, shared */
        trc = be32(e + 4);
        found++;
      }
  }
  assert_int_equal(found, 6);
  const unsigned char *curve = p + trc;
  assert_memory_equal(curve, "curv", 4);
  uint32_t m = be32(curve + 8);
  double worst = 0;
  for (uint32_t k = 0; k < 65536; k++) {
    double x = k / 65535.0, pos = x * (m - 1);
    uint32_t i = pos >= m - 1 ? m - 2 : (uint32_t)pos;
    double a = (be32(curve + 12 + 2 * i) >> 16), b = (be32(curve + 14 + 2 * i) >> 16);
    double got = a + (b - a) * (pos - i);
    double srgb = x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4);
    worst = fmax(worst, fabs(got - srgb * 65535));
  }
  printf("# the sRGB profile: %zu bytes, a curve of %u entries at most %.2f/65535 off sRGB's\n",
         bp_srgb_icc_len, m, worst);
  assert_true(worst <= 2);
}

/* Without its ICC profile PDF/A cannot be written: the message names the
 * file, the package and --no-pdfa, and nothing is left behind. */
static void missing_icc_profile_fails(void **state) {
  (void)state;
  bp_dlist *dl = pdfa_page();
  char *p = path_in_tmp("noicc.pdf");
  bp_ctx ctx;
  bp_ctx_init(&ctx);
  bp_pdf_options opt = {.compress = true, .icc_path = "/nonexistent/sRGB.icc"};
  assert_int_equal(bp_dlist_run(dl, bp_pdf_device_new(p, &opt), &ctx), BP_ERR_IO);
  printf("# %s\n", ctx.msg);
  assert_non_null(strstr(ctx.msg, "/nonexistent/sRGB.icc"));
  assert_non_null(strstr(ctx.msg, "icc-profiles-free"));
  assert_non_null(strstr(ctx.msg, "--no-pdfa"));
  assert_false(file_exists(p));
  assert_int_equal(count_dir_entries(), 0);
  /* a file that is not an RGB ICC profile */
  bp_ctx_init(&ctx);
  opt.icc_path = SERIF;
  assert_int_equal(bp_dlist_run(dl, bp_pdf_device_new(p, &opt), &ctx), BP_ERR_DATA);
  assert_non_null(strstr(ctx.msg, "not an RGB ICC profile"));
  assert_false(file_exists(p));
  free(p);
  bp_dlist_free(dl);
}

static char base_tmp[200];

/* Each test gets a fresh directory, which is also $TMPDIR: the device's font
 * subsets go there too, so a leftover temporary file would show. */
static int setup(void **state) {
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "%s/bp-test-pdf-XXXXXX", base_tmp);
  if (!mkdtemp(tmpdir)) return -1;
  setenv("TMPDIR", tmpdir, 1);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  DIR *dir = opendir(tmpdir);
  struct dirent *e;
  while (dir && (e = readdir(dir))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char *p = path_in_tmp(e->d_name);
    unlink(p);
    free(p);
  }
  if (dir) closedir(dir);
  return rmdir(tmpdir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(text_extracts_in_order, setup, teardown),
      cmocka_unit_test_setup_teardown(fonts_embedded_subset_unicode, setup, teardown),
      cmocka_unit_test_setup_teardown(shared_glyphs_extract_apart, setup, teardown),
      cmocka_unit_test_setup_teardown(byte_identical_runs, setup, teardown),
      cmocka_unit_test_setup_teardown(no_date_without_epoch, setup, teardown),
      cmocka_unit_test_setup_teardown(subsets_are_small, setup, teardown),
      cmocka_unit_test(numbers_as_printf),
      cmocka_unit_test_setup_teardown(text_strings_come_back, setup, teardown),
      cmocka_unit_test_setup_teardown(streams_deflated_by_libdeflate, setup, teardown),
      cmocka_unit_test_setup_teardown(justified_words_placed, setup, teardown),
      cmocka_unit_test_setup_teardown(widths_match_layout, setup, teardown),
      cmocka_unit_test_setup_teardown(expanded_runs_placed, setup, teardown),
      cmocka_unit_test_setup_teardown(uri_link_and_internal_link, setup, teardown),
      cmocka_unit_test_setup_teardown(unknown_dest_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(non_bmp_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(missing_glyph_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(broken_font_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(subset_at_buffer_boundary, setup, teardown),
      cmocka_unit_test_setup_teardown(caches_share_faces, setup, teardown),
      cmocka_unit_test_setup_teardown(unwritable_target_fails, setup, teardown),
      cmocka_unit_test_prestate_setup_teardown(paths_and_alpha, setup, teardown, NULL),
      cmocka_unit_test_prestate_setup_teardown(paths_and_alpha, setup, teardown, (void *)"PDF/A"),
      cmocka_unit_test_setup_teardown(pdfa_by_default, setup, teardown),
      cmocka_unit_test_setup_teardown(plain_is_not_pdfa, setup, teardown),
      cmocka_unit_test_setup_teardown(black_ink_rule, setup, teardown),
      cmocka_unit_test(srgb_profile_is_srgb),
      cmocka_unit_test_setup_teardown(missing_icc_profile_fails, setup, teardown),
  };
  const char *base = getenv("TMPDIR");
  snprintf(base_tmp, sizeof base_tmp, "%s", base && *base ? base : "/tmp");
  return cmocka_run_group_tests(tests, NULL, NULL);
}
