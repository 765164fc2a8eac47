#!/usr/bin/env python3
"""bench/typo.py - typesetting quality of a PDF's body text (issue 12).

Reads the word boxes of `pdftotext -bbox-layout` and prints, for the lines
set in the body size (default 10.5 pt, found by the height of their word
boxes: ascent + descent of the body font), the inter-word gaps of the
justified lines (those reaching the right edge of the text block) in em of
the body size: median, 90th percentile, max, the spread (standard deviation
of the per-line average gaps), loose lines (widest gap more than 2x the
median), lines ending in a hyphen, pairs of consecutive hyphenated lines,
the longest run of them, and the number of body lines.

  python3 bench/typo.py out/nk-missions-article.pdf [--size 10.5] [--json]

Exit status 0; with --check, 1 when a figure misses issue 12's targets
(--target NAME=VALUE replaces one of them: tests/e2e/typo_bench.sh holds
the figures that do not meet the issue yet at what they are).
"""
import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/1999/xhtml}"
# ascent + descent of Noto Serif (and of the Hangul fonts set with it), in em:
# what pdftotext reports as a word box's height
BOX_EM = 1.362
TARGETS = {"median": 0.27, "max": 0.40, "spread": 0.05, "loose": 0, "run": 2, "lines": 137}


def without_actual_text(pdf, tmp):
    """A copy of pdf whose marked content has no /ActualText: poppler reads a
    word hyphenated at a line end whole from its ActualText, and the breaker's
    hyphens are what is measured here. Needs qpdf and fix-qdf."""
    qdf = os.path.join(tmp, "q.pdf")
    subprocess.run(["qpdf", "--qdf", "--object-streams=disable", pdf, qdf], check=True)
    data = open(qdf, "rb").read()
    data = re.sub(rb"/ActualText\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)", b"", data)
    fixed = subprocess.run(["fix-qdf"], input=data, check=True, capture_output=True).stdout
    out = os.path.join(tmp, "plain.pdf")
    open(out, "wb").write(fixed)
    return out


def body_lines(pdf, size):
    with tempfile.TemporaryDirectory() as tmp:
        xml = subprocess.run(["pdftotext", "-bbox-layout", without_actual_text(pdf, tmp), "-"],
                             check=True, capture_output=True).stdout
    root = ET.fromstring(xml)
    lines = []  # (page, block right edge, [(x0, x1, text)])
    for pno, page in enumerate(root.iter(NS + "page")):
        for block in page.iter(NS + "block"):
            for line in block.iter(NS + "line"):
                words = [(float(w.get("xMin")), float(w.get("xMax")),
                          float(w.get("yMax")) - float(w.get("yMin")), w.text or "")
                         for w in line.iter(NS + "word")]
                if not words:
                    continue
                heights = sorted(h for _, _, h, _ in words)
                if abs(heights[len(heights) // 2] - size * BOX_EM) > 0.05 * size:
                    continue
                lines.append((pno, [(x0, x1, t) for x0, x1, _, t in words]))
    return lines


def stats(lines, size):
    if not lines:
        return None
    # the text block's right edge: where most lines end (a line whose last
    # glyph hangs into the margin, a period or a hyphen, ends a little past it)
    ends = collections.Counter(round(ws[-1][1], 1) for _, ws in lines)
    right = ends.most_common(1)[0][0]
    gaps, means, widest = [], [], []
    for _, ws in lines:
        if len(ws) < 2 or right - ws[-1][1] > 0.3:
            continue  # ragged: a last line, or a line not reaching the edge
        g = [(b[0] - a[1]) / size for a, b in zip(ws, ws[1:])]
        g = [x for x in g if x > 0.02]  # a superscript marker read as a word
        if not g:
            continue
        gaps += g
        means.append(sum(g) / len(g))
        widest.append(max(g))
    hy = [ws[-1][2].endswith("-") and not ws[-1][2].endswith("--") for _, ws in lines]
    pairs = sum(1 for a, b in zip(hy, hy[1:]) if a and b)
    run = best = 0
    for h in hy:
        run = run + 1 if h else 0
        best = max(best, run)
    gaps.sort()
    med = statistics.median(gaps) if gaps else 0
    return {
        "justified": len(means),
        "median": round(med, 3),
        "p90": round(gaps[int(0.9 * (len(gaps) - 1))], 3) if gaps else 0,
        "max": round(max(gaps), 3) if gaps else 0,
        "spread": round(statistics.pstdev(means), 3) if len(means) > 1 else 0,
        "loose": sum(1 for w in widest if w > 2 * med),
        "hyphens": sum(hy),
        "pairs": pairs,
        "run": best,
        "lines": len(lines),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pdf")
    ap.add_argument("--size", type=float, default=10.5, help="body size in pt (10.5)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--target", action="append", default=[], metavar="NAME=VALUE",
                    help="replace a target for --check (" + ", ".join(TARGETS) + ")")
    a = ap.parse_args()
    targets = dict(TARGETS)
    for t in a.target:
        name, _, value = t.partition("=")
        if name not in TARGETS or not value:
            ap.error(f"--target {t}: want NAME=VALUE, NAME one of " + ", ".join(TARGETS))
        targets[name] = int(value) if value.isdigit() else float(value)
    s = stats(body_lines(a.pdf, a.size), a.size)
    if s is None:
        print(f"{a.pdf}: no lines of {a.size} pt", file=sys.stderr)
        return 1
    if a.json:
        print(json.dumps(s))
    else:
        print(f"{a.pdf}: {s['lines']} body lines, {s['justified']} justified")
        print(f"  gaps (em): median {s['median']:.3f}  p90 {s['p90']:.3f}  max {s['max']:.3f}"
              f"  spread {s['spread']:.3f}  loose lines (> 2x median) {s['loose']}")
        print(f"  hyphenated lines {s['hyphens']}, consecutive pairs {s['pairs']},"
              f" longest run {s['run']}")
    if a.check:
        missed = [k for k, v in targets.items() if s[k] > v]
        if missed:
            print("missed: " + ", ".join(f"{k} {s[k]} > {targets[k]}" for k in missed))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
