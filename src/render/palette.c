/* palette.c - an RGB image as a palette PNG (colour type 3): median cut over
 * a 15-bit colour histogram picks at most 256 colours (each the mean of the
 * pixels it stands for), every pixel takes its box's colour, and libpng's
 * simplified API writes the file. A rendered page (paper, ink, a few accent
 * colours and their anti-aliased edges) loses almost nothing and the file
 * is a fraction of the RGB one. No dithering: it would add noise to text.
 * Must not draw: it takes pixels already rendered. */
#include "render.h"

#include <png.h>
#include <stdlib.h>
#include <string.h>

#define BINS (1 << 15)

typedef struct hist {
  uint32_t count[BINS];
  uint64_t sum[BINS][3];
} hist;

typedef struct box {
  int lo[3], hi[3]; /* inclusive 5-bit bounds per channel */
  uint64_t count;
  double err; /* squared distance of its pixels' bins from its mean */
} box;

static int bin_of(int r, int g, int b) { return (r >> 3) << 10 | (g >> 3) << 5 | (b >> 3); }

static int bin_at(const int c[3]) { return c[0] << 10 | c[1] << 5 | c[2]; }

/* Shrinks `bx` to the bins it holds and measures its count and error. */
static void box_measure(const hist *h, box *bx) {
  int lo[3] = {31, 31, 31}, hi[3] = {0, 0, 0};
  uint64_t n = 0;
  double s[3] = {0, 0, 0}, s2 = 0;
  int c[3];
  for (c[0] = bx->lo[0]; c[0] <= bx->hi[0]; c[0]++)
    for (c[1] = bx->lo[1]; c[1] <= bx->hi[1]; c[1]++)
      for (c[2] = bx->lo[2]; c[2] <= bx->hi[2]; c[2]++) {
        uint32_t k = h->count[bin_at(c)];
        if (!k) continue;
        for (int a = 0; a < 3; a++) {
          if (c[a] < lo[a]) lo[a] = c[a];
          if (c[a] > hi[a]) hi[a] = c[a];
          s[a] += (double)k * c[a];
          s2 += (double)k * c[a] * c[a];
        }
        n += k;
      }
  bx->count = n;
  if (n) memcpy(bx->lo, lo, sizeof lo), memcpy(bx->hi, hi, sizeof hi);
  bx->err = n ? s2 - (s[0] * s[0] + s[1] * s[1] + s[2] * s[2]) / (double)n : 0;
}

/* Splits `bx` along its widest axis at the pixel median; false when it is
 * one bin. */
static bool box_split(const hist *h, box *bx, box *out) {
  int axis = 0;
  for (int a = 1; a < 3; a++)
    if (bx->hi[a] - bx->lo[a] > bx->hi[axis] - bx->lo[axis]) axis = a;
  if (bx->hi[axis] == bx->lo[axis]) return false;
  uint64_t per[32] = {0};
  int c[3];
  for (c[0] = bx->lo[0]; c[0] <= bx->hi[0]; c[0]++)
    for (c[1] = bx->lo[1]; c[1] <= bx->hi[1]; c[1]++)
      for (c[2] = bx->lo[2]; c[2] <= bx->hi[2]; c[2]++) per[c[axis]] += h->count[bin_at(c)];
  uint64_t acc = 0;
  int cut = bx->lo[axis];
  for (; cut < bx->hi[axis] - 1; cut++) {
    acc += per[cut];
    if (acc * 2 >= bx->count) break;
  }
  *out = *bx;
  bx->hi[axis] = cut;
  out->lo[axis] = cut + 1;
  box_measure(h, bx);
  box_measure(h, out);
  return true;
}

static void colour_of(const hist *h, const box *bx, uint8_t rgb[3]) {
  uint64_t s[3] = {0, 0, 0}, n = 0;
  int c[3];
  for (c[0] = bx->lo[0]; c[0] <= bx->hi[0]; c[0]++)
    for (c[1] = bx->lo[1]; c[1] <= bx->hi[1]; c[1]++)
      for (c[2] = bx->lo[2]; c[2] <= bx->hi[2]; c[2]++) {
        int i = bin_at(c);
        n += h->count[i];
        for (int a = 0; a < 3; a++) s[a] += h->sum[i][a];
      }
  for (int a = 0; a < 3; a++) rgb[a] = n ? (uint8_t)((s[a] + n / 2) / n) : 0;
}

bp_status bp_png_encode_palette(bp_ctx *ctx, const unsigned char *xrgb, int width_px, int height_px,
                                int stride, int max_colors, bp_buf *out) {
  if (max_colors < 2 || max_colors > 256) max_colors = 256;
  hist *h = bp_calloc(1, sizeof *h);
  for (int y = 0; y < height_px; y++) {
    const uint32_t *row = (const uint32_t *)(const void *)(xrgb + (size_t)y * (size_t)stride);
    for (int x = 0; x < width_px; x++) {
      int r = row[x] >> 16 & 0xFF, g = row[x] >> 8 & 0xFF, b = row[x] & 0xFF;
      int i = bin_of(r, g, b);
      h->count[i]++;
      h->sum[i][0] += (uint64_t)r;
      h->sum[i][1] += (uint64_t)g;
      h->sum[i][2] += (uint64_t)b;
    }
  }
  box boxes[256];
  int n = 1;
  boxes[0] = (box){.lo = {0, 0, 0}, .hi = {31, 31, 31}};
  box_measure(h, &boxes[0]);
  while (n < max_colors) { /* split the box whose pixels are furthest from its colour */
    int worst = -1;
    for (int i = 0; i < n; i++)
      if (boxes[i].err > 0 && (worst < 0 || boxes[i].err > boxes[worst].err)) worst = i;
    if (worst < 0 || !box_split(h, &boxes[worst], &boxes[n])) break;
    n++;
  }
  uint8_t colormap[256 * 3];
  uint8_t *map = bp_malloc(BINS); /* bin -> palette index */
  for (int k = 0; k < n; k++) {
    colour_of(h, &boxes[k], colormap + 3 * k);
    int c[3];
    for (c[0] = boxes[k].lo[0]; c[0] <= boxes[k].hi[0]; c[0]++)
      for (c[1] = boxes[k].lo[1]; c[1] <= boxes[k].hi[1]; c[1]++)
        for (c[2] = boxes[k].lo[2]; c[2] <= boxes[k].hi[2]; c[2]++) map[bin_at(c)] = (uint8_t)k;
  }
  free(h);
  uint8_t *idx = bp_malloc((size_t)width_px * (size_t)height_px);
  for (int y = 0; y < height_px; y++) {
    const uint32_t *row = (const uint32_t *)(const void *)(xrgb + (size_t)y * (size_t)stride);
    for (int x = 0; x < width_px; x++)
      idx[(size_t)y * (size_t)width_px + (size_t)x] =
          map[bin_of(row[x] >> 16 & 0xFF, row[x] >> 8 & 0xFF, row[x] & 0xFF)];
  }
  free(map);

  png_image im = {.version = PNG_IMAGE_VERSION,
                  .width = (png_uint_32)width_px,
                  .height = (png_uint_32)height_px,
                  .format = PNG_FORMAT_RGB_COLORMAP,
                  .colormap_entries = (png_uint_32)n};
  png_alloc_size_t size = 0;
  bp_status st = BP_OK;
  if (!png_image_write_to_memory(&im, NULL, &size, 0, idx, width_px, colormap)) {
    st = bp_error(ctx, BP_ERR_RENDER, "libpng cannot size the palette PNG: %s", im.message);
  } else {
    char *mem = bp_malloc(size);
    if (png_image_write_to_memory(&im, mem, &size, 0, idx, width_px, colormap))
      bp_buf_put(out, mem, size);
    else
      st = bp_error(ctx, BP_ERR_RENDER, "libpng cannot write the palette PNG: %s", im.message);
    free(mem);
  }
  png_image_free(&im);
  free(idx);
  return st;
}
