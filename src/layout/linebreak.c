/* linebreak.c - chooses where a paragraph's lines end, over an abstract list
 * of boxes, glue and penalties (Knuth and Plass, "Breaking Paragraphs into
 * Lines", 1981): total fit for justified text, first fit for ragged text.
 * It knows nothing of Pango or of scripts: text.c measures the clusters
 * and says where a break is allowed and at what cost. */
#include "layout-imp.h"

#include <math.h>
#include <stdlib.h>

#define LINE_PENALTY 10.0     /* added to every line's badness: fewer lines */
#define DOUBLE_HYPHEN 10000.0 /* two hyphenated lines in a row */
#define TRIPLE_HYPHEN 1e15    /* a third: only when nothing else fits at all */
#define FINAL_HYPHEN 1e9      /* a hyphen on the last full line: as a line at ratio 3.2 */
#define ADJ_FITNESS 10000.0   /* a tight line next to a loose one */
#define MAX_BAD 1e12
/* A line without spaces (a word, or syllables of an overlong Hangul word)
 * cannot be justified: it is set ragged, and its badness counts its empty
 * end as if the line could stretch by this share of the measure. */
#define RAGGED_STRETCH 0.05
/* The first pass takes no line whose spaces stretch past 1.5 times their
 * stretch (to about 150 %); a paragraph that cannot be set so is set again
 * without the limit. */
#define FIRST_PASS_STRETCH 1.5
#define EPS 1e-6
/* The items' shrink is how far a space may shrink at most; its badness is
 * counted as if only this share of it were there, so demerits soar past
 * about 70 % of the space and a line shrinks further only when the other
 * way is a loose line (a tight line reads better than a loose one). */
#define SHRINK_SOFT 0.7
/* A paragraph is set a line shorter when no space of the shorter setting
 * departs from its natural width by more than this share (a space at 64 %
 * at worst, its glyphs narrowed too, 0.17 em in Noto Serif: the greedy
 * breaker's tightest lines had 0.157 em), or than the best setting's worst
 * space does. */
#define TIGHTER_SPACE 0.36

typedef struct node {
  int b;        /* the break (item index; -1 for the paragraph's start) */
  int s;        /* the first item of the line after it */
  int line;     /* lines before it */
  int fit;      /* fitness class of the line that ends here */
  int hy;       /* hyphenated lines ending here in a row (0..2) */
  double total; /* demerits up to here */
  int prev;     /* node of the break before */
} node;

typedef struct sums {
  double *w, *y, *z, *x; /* widths, stretch, shrink, expansion of items [0, i) */
} sums;

static bool legal(const bp_lb_item *it, size_t n, size_t b) {
  if (b == n) return true;
  if (it[b].kind == BP_LB_GLUE) return it[b].breakable;
  return it[b].kind == BP_LB_PENALTY && it[b].penalty < BP_LB_NEVER;
}

/* The first item of the line after a break at b: glue and penalties after
 * a break are dropped. */
static int line_start(const bp_lb_item *it, size_t n, int b) {
  size_t s = (size_t)(b + 1);
  while (s < n && it[s].kind != BP_LB_BOX) s++;
  return (int)s;
}

static double avail(const bp_lb_params *p, int line) {
  return line == 0 ? p->first_width_pt : p->width_pt;
}

/* Natural width of the line from item s to a break at b. */
static double line_width(const bp_lb_item *it, size_t n, const sums *S, int s, size_t b) {
  double w = S->w[b] - S->w[s];
  if ((size_t)s < n) w -= it[s].lead_pt;
  if (b < n && it[b].kind == BP_LB_PENALTY) w += it[b].width_pt;
  if (b < n) w -= it[b].protrude_pt;
  return w;
}

static int fitness(double r) {
  if (r < -0.5) return 0;
  if (r <= 0.5) return 1;
  if (r <= 1) return 2;
  return 3;
}

/* The adjustment ratio of the line from item s to a break at b that is
 * line number `line`: how far its spaces and glyphs stretch (> 0) or
 * shrink (< 0) in units of their stretch or shrink; below -1 it is
 * overfull. Past 1 the glyphs are at their limit and the ratio is the
 * spaces' alone (a line that needs more than both give is as loose as its
 * spaces). A line without spaces is not expanded (it is set ragged). */
static double ratio(const bp_lb_item *it, size_t n, const bp_lb_params *p, const sums *S, int s,
                    size_t b, int line) {
  double L = line_width(it, n, S, s, b), A = avail(p, line);
  double Y = S->y[b] - S->y[s], Z = S->z[b] - S->z[s], X = S->x[b] - S->x[s];
  if (L > A + EPS) {
    if (Z <= 0) return -INFINITY;
    double r = (A - L) / (Z + X);
    return r < -1 ? (A - L + X) / Z : r;
  }
  if (b == n) return 0; /* the last line is set ragged */
  if (L >= A - EPS) return 0;
  if (Y <= 0) return (A - L) / (RAGGED_STRETCH * A);
  double r = (A - L) / (Y + X);
  return r > 1 ? (A - L - X) / Y : r;
}

/* A way to end a line at the current break: the best one for each fitness
 * class, run of hyphens and number of lines (kept apart so that a setting
 * one line shorter survives to the end, as TeX does for \looseness). */
typedef struct cand {
  double total;
  int from, fit, hy, line;
} cand;

static void cand_offer(cand **cs, size_t *nc, size_t *cap, cand c, bool by_line) {
  for (size_t i = 0; i < *nc; i++) {
    cand *o = &(*cs)[i];
    if (o->fit != c.fit || o->hy != c.hy || (by_line && o->line != c.line)) continue;
    if (c.total < o->total) *o = c;
    return;
  }
  BP_PUSH(*cs, *nc, *cap, c);
}

/* One pass of total fit. *ends (owned) gets, for each number of lines the
 * paragraph can be set in, the node its last line starts from (the best
 * setting in that many lines), in no order; returns how many (0 when some
 * stretch of text has no break with its spaces stretched at most
 * `tolerance` times their stretch: the caller tries again without). */
static size_t total_fit(const bp_lb_item *it, size_t n, const bp_lb_params *p, const sums *S,
                        double tolerance, node **nodes_io, size_t *n_nodes, cand **ends) {
  node *nodes = *nodes_io;
  size_t nn = 0, cap = 0;
  int *active = NULL;
  size_t na = 0, cap_a = 0;
  cand *cs = NULL;
  size_t nc = 0, cap_c = 0;
  node start = {-1, 0, 0, 1, 0, 0, -1};
  BP_PUSH(nodes, nn, cap, start);
  int zero = 0;
  BP_PUSH(active, na, cap_a, zero);
  for (size_t b = 0; b <= n && na > 0; b++) {
    if (!legal(it, n, b)) continue;
    bool last = b == n;
    bool flagged = !last && it[b].kind == BP_LB_PENALTY && it[b].flagged;
    double pen = !last && it[b].kind == BP_LB_PENALTY ? it[b].penalty : 0;
    nc = 0;
    /* the first pass keeps settings of different lengths apart; the
     * second (unlimited stretch: any number of lines) does not */
    bool strict = !isinf(tolerance);
    int rescue = -1;
    size_t keep = 0;
    for (size_t k = 0; k < na; k++) {
      const node *a = &nodes[active[k]];
      double r = ratio(it, n, p, S, a->s, b, a->line);
      if (r < -1 - EPS) { /* overfull from here on: no longer active */
        if (rescue < 0 || a->total < nodes[rescue].total) rescue = active[k];
        continue;
      }
      active[keep++] = active[k];
      if (r > tolerance) continue;
      if (r < 0) r /= SHRINK_SOFT; /* demerits soar past the soft shrink */
      /* not capped: a line twice as loose is worse, however loose both are */
      double bad = fmin(100 * fabs(r) * fabs(r) * fabs(r), MAX_BAD);
      double d = (LINE_PENALTY + bad) * (LINE_PENALTY + bad);
      d += pen >= 0 ? pen * pen : -pen * pen;
      int hy = flagged ? a->hy + 1 : 0;
      if ((hy > 2 || (last && a->hy > 0)) && strict) continue; /* the first pass takes neither */
      if (flagged && a->hy > 0) d += hy > 2 ? TRIPLE_HYPHEN : DOUBLE_HYPHEN;
      if (last && a->hy > 0) d += FINAL_HYPHEN;
      int f = fitness(r);
      if (abs(f - a->fit) > 1) d += ADJ_FITNESS;
      if (hy > 2) hy = 2;
      cand c = {a->total + d, active[k], f, hy, a->line + 1};
      cand_offer(&cs, &nc, &cap_c, c, strict);
    }
    na = keep;
    if (last) {
      if (nc == 0 && rescue >= 0 && isinf(tolerance)) { /* an overfull last line */
        cand c = {nodes[rescue].total, rescue, 0, 0, nodes[rescue].line + 1};
        cand_offer(&cs, &nc, &cap_c, c, strict);
      }
      break;
    }
    size_t before = nn;
    for (size_t i = 0; i < nc; i++) {
      node nd = {(int)b,    line_start(it, n, (int)b), cs[i].line, cs[i].fit, cs[i].hy, cs[i].total,
                 cs[i].from};
      BP_PUSH(nodes, nn, cap, nd);
    }
    /* Nothing fits and nothing is left: an overfull line (a box wider than
     * the measure) rather than no paragraph at all, when out of tolerance. */
    if (nn == before && na == 0 && rescue >= 0 && isinf(tolerance)) {
      node nd = {(int)b,
                 line_start(it, n, (int)b),
                 nodes[rescue].line + 1,
                 0,
                 0,
                 nodes[rescue].total + MAX_BAD,
                 rescue};
      BP_PUSH(nodes, nn, cap, nd);
    }
    for (size_t k = before; k < nn; k++) {
      int idx = (int)k;
      BP_PUSH(active, na, cap_a, idx);
    }
    nc = 0;
  }
  /* at the end: the best setting for each number of lines */
  size_t ne = 0;
  for (size_t i = 0; i < nc; i++) {
    size_t j = 0;
    while (j < ne && cs[j].line != cs[i].line) j++;
    if (j == ne)
      cs[ne++] = cs[i];
    else if (cs[i].total < cs[j].total)
      cs[j] = cs[i];
  }
  free(active);
  *nodes_io = nodes;
  *n_nodes = nn;
  *ends = cs;
  return ne;
}

/* How far the spaces of the setting ending at node `k` (lines before the
 * last) depart from their natural width at worst, as a share of it. */
static double worst_space(const bp_lb_item *it, size_t n, const bp_lb_params *p, const sums *S,
                          const node *nodes, int k) {
  double worst = 0;
  for (; k > 0; k = nodes[k].prev) {
    const node *a = &nodes[nodes[k].prev], *e = &nodes[k];
    double r = ratio(it, n, p, S, a->s, (size_t)e->b, a->line);
    double W = 0; /* the natural width of the line's spaces */
    for (int i = a->s; i < e->b; i++)
      if (it[i].kind == BP_LB_GLUE) W += it[i].width_pt;
    if (W <= 0) continue;
    /* what the spaces take once the glyphs took their share (at most their
     * expansion: past ratio 1 the spaces take the rest) */
    double room = avail(p, a->line) - line_width(it, n, S, a->s, (size_t)e->b);
    double dev = fabs(room - fmax(-1, fmin(1, r)) * (S->x[e->b] - S->x[a->s])) / W;
    if (dev > worst) worst = dev;
  }
  return worst;
}

/* Looseness -1 where it costs little: the setting one line shorter is
 * taken when no space of it departs further from its natural width than
 * the best setting's worst, or than TIGHTER_SPACE (the shorter one shrinks
 * where the other stretched; a paragraph's last short line goes, as a
 * typographer would ask for with \looseness=-1 line by line). */
static bool tighter_ok(const bp_lb_item *it, size_t n, const bp_lb_params *p, const sums *S,
                       const node *nodes, int best, int tight) {
  double worst = worst_space(it, n, p, S, nodes, best);
  return worst_space(it, n, p, S, nodes, tight) <= fmax(TIGHTER_SPACE, worst) + EPS;
}

/* First fit: each line takes as much as fits at natural width. */
static size_t first_fit(const bp_lb_item *it, size_t n, const bp_lb_params *p, const sums *S,
                        int **breaks) {
  int *out = NULL;
  size_t nb = 0, cap = 0;
  int s = 0, lastfit = -1;
  for (size_t b = 0; b <= n; b++) {
    if (!legal(it, n, b)) continue;
    double L = line_width(it, n, S, s, b), A = avail(p, (int)nb);
    if (L <= A + EPS) {
      if (b == n) break;
      lastfit = (int)b;
      continue;
    }
    int at = lastfit >= 0 ? lastfit : (int)b; /* nothing fit: an overfull line */
    if (at == (int)n) break;
    BP_PUSH(out, nb, cap, at);
    s = line_start(it, n, at);
    lastfit = -1;
    b = (size_t)at; /* look again from the new line's start */
  }
  int end = (int)n;
  BP_PUSH(out, nb, cap, end);
  *breaks = out;
  return nb;
}

size_t bp_linebreak(const bp_lb_item *items, size_t n, const bp_lb_params *p, int **breaks) {
  sums S;
  S.w = bp_calloc(n + 1, sizeof(double));
  S.y = bp_calloc(n + 1, sizeof(double));
  S.z = bp_calloc(n + 1, sizeof(double));
  S.x = bp_calloc(n + 1, sizeof(double));
  for (size_t i = 0; i < n; i++) {
    bool counts = items[i].kind != BP_LB_PENALTY;
    S.w[i + 1] = S.w[i] + (counts ? items[i].width_pt : 0);
    S.y[i + 1] = S.y[i] + (counts ? items[i].stretch_pt : 0);
    S.z[i + 1] = S.z[i] + (counts ? items[i].shrink_pt : 0);
    S.x[i + 1] = S.x[i] + (counts ? items[i].expand_pt : 0);
  }
  size_t nb = 0;
  if (!p->justify || p->width_pt <= 0) {
    nb = first_fit(items, n, p, &S, breaks);
  } else {
    node *nodes = NULL;
    size_t nn = 0;
    cand *ends = NULL;
    size_t ne = total_fit(items, n, p, &S, FIRST_PASS_STRETCH, &nodes, &nn, &ends);
    if (ne == 0) {
      free(nodes);
      free(ends);
      nodes = NULL;
      ends = NULL;
      ne = total_fit(items, n, p, &S, INFINITY, &nodes, &nn, &ends);
    }
    int final = 0; /* not kept: the second pass always ends */
    if (ne > 0) {
      size_t best = 0;
      for (size_t i = 1; i < ne; i++)
        if (ends[i].total < ends[best].total) best = i;
      final = ends[best].from;
      for (size_t i = 0; i < ne; i++)
        if (ends[i].line == ends[best].line - 1 &&
            tighter_ok(items, n, p, &S, nodes, ends[best].from, ends[i].from))
          final = ends[i].from;
    }
    free(ends);
    int lines = 1;
    for (int k = final; k > 0; k = nodes[k].prev) lines++;
    int *out = bp_calloc((size_t)lines, sizeof(int));
    out[lines - 1] = (int)n;
    int i = lines - 2;
    for (int k = final; k > 0; k = nodes[k].prev) out[i--] = nodes[k].b;
    free(nodes);
    *breaks = out;
    nb = (size_t)lines;
  }
  free(S.w);
  free(S.y);
  free(S.z);
  free(S.x);
  return nb;
}
