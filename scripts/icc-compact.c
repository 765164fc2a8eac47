/* icc-compact.c IN OUT N - run by the build (CMakeLists.txt): reads the sRGB
 * ICC profile IN (Debian's icc-profiles-free: a v2 profile whose red, green
 * and blue tone curves are three copies of one 1024-entry table) and writes
 * it into OUT as a C array (bp_srgb_icc, src/render/pdf-imp.h) with the same
 * header and tags, but one curve, resampled to N entries by the linear
 * interpolation an ICC colour engine applies to a 'curv' table, that the
 * three TRC tags share (ICC.1: tags may share their data). Every other tag
 * is copied as it is. Fails (exit 1) unless the result is within 2/65535 of
 * the original curve at each of the 65536 16-bit inputs: the same sRGB at
 * the precision the profile stores. Writes OUT.tmp, then renames it. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static int fail(const char *in, const char *why) {
  fprintf(stderr, "icc-compact: %s: %s\n", in, why);
  return 1;
}

/* the curve's value at x in [0, 1], as a CMM interpolates the table */
static double curve_at(const unsigned char *t, uint32_t n, double x) {
  double p = x * (n - 1);
  uint32_t i = p >= n - 1 ? n - 2 : (uint32_t)p;
  double f = p - i, a = (be32(t + 2 * i) >> 16), b = (be32(t + 2 * i + 2) >> 16);
  return a + (b - a) * f;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: icc-compact IN.icc OUT.c N\n");
    return 2;
  }
  const char *in = argv[1];
  uint32_t n_new = (uint32_t)atoi(argv[3]);
  FILE *f = fopen(in, "rb");
  if (!f) return fail(in, "cannot open it (Debian package icc-profiles-free)");
  static unsigned char src[1 << 16], out[1 << 16];
  size_t len = fread(src, 1, sizeof src, f);
  fclose(f);
  if (len < 132 || len >= sizeof src || be32(src) != len || memcmp(src + 36, "acsp", 4) ||
      memcmp(src + 16, "RGB ", 4) || src[8] != 2 || n_new < 2 || n_new > 4096)
    return fail(in, "not a version 2 RGB ICC profile of under 64 KB");
  uint32_t n_tags = be32(src + 128);
  if (n_tags > 64 || 132 + 12 * n_tags > len) return fail(in, "a broken tag table");
  /* the tone curves: one 'curv' table, the same in all three */
  const unsigned char *trc = NULL;
  uint32_t trc_len = 0;
  for (uint32_t i = 0; i < n_tags; i++) {
    const unsigned char *e = src + 132 + 12 * i;
    uint32_t off = be32(e + 4), sz = be32(e + 8);
    if (off > len || sz > len - off) return fail(in, "a tag outside the file");
    if (memcmp(e, "rTRC", 4) && memcmp(e, "gTRC", 4) && memcmp(e, "bTRC", 4)) continue;
    if (sz < 14 || memcmp(src + off, "curv", 4) || be32(src + off + 8) < 2 ||
        sz < 12 + 2 * be32(src + off + 8))
      return fail(in, "a tone curve that is not a 'curv' table");
    if (trc && (sz != trc_len || memcmp(trc, src + off, sz)))
      return fail(in, "the red, green and blue tone curves differ");
    trc = src + off, trc_len = sz;
  }
  if (!trc) return fail(in, "no tone curves");
  uint32_t n_old = be32(trc + 8);
  const unsigned char *table = trc + 12;

  /* header and tag table, then each tag's data (4-byte aligned), the
   * resampled curve once */
  memcpy(out, src, 132 + 12 * n_tags);
  uint32_t pos = 132 + 12 * n_tags, curve_at_pos = 0;
  for (uint32_t i = 0; i < n_tags; i++) {
    unsigned char *e = out + 132 + 12 * i;
    uint32_t off = be32(e + 4), sz = be32(e + 8);
    pos = (pos + 3) & ~3u;
    if (!memcmp(e, "rTRC", 4) || !memcmp(e, "gTRC", 4) || !memcmp(e, "bTRC", 4)) {
      if (!curve_at_pos) {
        curve_at_pos = pos;
        memcpy(out + pos, "curv\0\0\0\0", 8);
        put32(out + pos + 8, n_new);
        for (uint32_t k = 0; k < n_new; k++) {
          long v = lround(curve_at(table, n_old, (double)k / (n_new - 1)));
          out[pos + 12 + 2 * k] = (unsigned char)(v >> 8), out[pos + 13 + 2 * k] = (unsigned char)v;
        }
        pos += 12 + 2 * n_new;
      }
      put32(e + 4, curve_at_pos), put32(e + 8, 12 + 2 * n_new);
      continue;
    }
    memcpy(out + pos, src + off, sz);
    put32(e + 4, pos);
    pos += sz;
  }
  pos = (pos + 3) & ~3u;
  put32(out, pos);         /* the profile's size */
  memset(out + 84, 0, 16); /* a v2 profile has no ID */

  double worst = 0;
  for (uint32_t k = 0; k < 65536; k++) {
    double x = k / 65535.0;
    double d = fabs(curve_at(out + curve_at_pos + 12, n_new, x) - curve_at(table, n_old, x));
    if (d > worst) worst = d;
  }
  if (worst > 2) {
    fprintf(stderr, "icc-compact: %s: %u entries are %.2f/65535 off the curve (at most 2)\n", in,
            n_new, worst);
    return 1;
  }

  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
  FILE *o = fopen(tmp, "w");
  if (!o) return fail(tmp, "cannot write it");
  fprintf(o,
          "/* generated by scripts/icc-compact.c from %s: %zu bytes, its tone curve of %u\n"
          " * entries resampled to %u (at most %.2f/65535 off it) and shared by the three\n"
          " * TRC tags: %u bytes */\n#include <stddef.h>\n"
          "extern const unsigned char bp_srgb_icc[];\nextern const size_t bp_srgb_icc_len;\n"
          "const unsigned char bp_srgb_icc[] = {",
          in, len, n_old, n_new, worst, pos);
  for (uint32_t i = 0; i < pos; i++) fprintf(o, "%s%u,", i % 24 ? "" : "\n    ", out[i]);
  fprintf(o, "\n};\nconst size_t bp_srgb_icc_len = %u;\n", pos);
  if (fclose(o) || rename(tmp, argv[2])) return fail(tmp, "cannot write it");
  return 0;
}
