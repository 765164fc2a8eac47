"""check_bleed - what a print shop checks in a PDF with bleed (see bleed.sh),
against the same document without it: the page boxes (pdfinfo -box), the
text at the same place relative to the TrimBox (pdftotext -bbox), links,
their destinations, bookmarks and Figure boxes moved by the same offset
(qpdf --json), the page inside the TrimBox drawn as without bleed and only
the band running into the bleed (pdftoppm), the PNG preview the trimmed
page, the display list (trace) in trim coordinates, the structure the same.
Usage: check_bleed.py WORK BLEED_MM (WORK holds bleed.pdf, none.pdf, their
.trace and -png/page-1.png). Standard library only."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdfcheck import check, finish, read_pgm, read_png_gray, run  # noqa: E402

work, mm = sys.argv[1], float(sys.argv[2])
b = mm * 72 / 25.4  # the offset, in points (3 mm: 8.504)
pdf, ref = os.path.join(work, "bleed.pdf"), os.path.join(work, "none.pdf")
W, H = 595.276, 841.89  # A4: the trimmed page


def boxes(path):
    out = run(["pdfinfo", "-box", path]).stdout
    return {m.group(1): [float(v) for v in m.group(2).split()]
            for m in re.finditer(r"^(\w+Box):\s+(.*)$", out, re.M)}


def close(a, c, tol=0.011):
    return len(a) == len(c) and all(abs(x - y) <= tol for x, y in zip(a, c))


# ---- the boxes ---------------------------------------------------------------
bx, rx = boxes(pdf), boxes(ref)
media = [0, 0, W + 2 * b, H + 2 * b]
check(close(bx.get("MediaBox", []), media), f"MediaBox {bx.get('MediaBox')}, want {media}")
check(close(bx.get("BleedBox", []), media), f"BleedBox {bx.get('BleedBox')}, want the MediaBox")
trim = [b, b, W + b, H + b]
check(close(bx.get("TrimBox", []), trim), f"TrimBox {bx.get('TrimBox')}, want {trim}")
t = bx.get("TrimBox", [0, 0, 0, 0])
check(abs(t[2] - t[0] - W) < 0.011 and abs(t[3] - t[1] - H) < 0.011,
      f"TrimBox is {t[2] - t[0]:.2f} x {t[3] - t[1]:.2f} pt, not the A4 page")
for k in ("MediaBox", "BleedBox", "TrimBox"):
    check(close(rx.get(k, []), [0, 0, W, H]), f"without bleed, {k} {rx.get(k)} is not the page")

# ---- the text: at the same place relative to the TrimBox -----------------------
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def words(path):
    return [(m.group(5), *(float(m.group(i)) for i in range(1, 5)))
            for m in WORD.finditer(run(["pdftotext", "-bbox", path, "-"]).stdout)]


# (sorted: pdftotext's order of a chart's labels may change with the offset)
wb = sorted(words(pdf), key=lambda w: (w[0], w[1] - b, w[2] - b))
wr = sorted(words(ref), key=lambda w: (w[0], w[1], w[2]))
check(len(wb) > 500 and [w[0] for w in wb] == [w[0] for w in wr],
      f"the words differ: {len(wb)} with bleed, {len(wr)} without")
moved = [w for w, v in zip(wb, wr)
         if any(abs(w[i] - v[i] - b) > 0.011 for i in range(1, 5))]  # top-left origin: +b, +b
check(not moved, f"{len(moved)} words not {b:.3f} pt right and down of where they are "
                 f"without bleed, e.g. {moved[:2]}")
print(f"bleed: {len(wb)} words, each {b:.3f} pt right and down (the TrimBox's corner)")

# ---- links, destinations, bookmarks, Figure boxes ------------------------------


def objects(path):
    objs = json.loads(run(["qpdf", "--json", "--json-key=qpdf", path]).stdout)["qpdf"][1]
    key = lambda k: int(k.split()[0].split(":")[1]) if k.startswith("obj:") else -1
    return [o.get("value", o.get("stream", {}).get("dict")) for k, o in
            sorted(objs.items(), key=lambda kv: key(kv[0])) if isinstance(o, dict)]


def geometry(path):
    """Link Rects, link and bookmark destination tops, Figure BBoxes, in order."""
    rects, tops, bboxes = [], [], []
    for v in objects(path):
        if not isinstance(v, dict):
            continue
        if v.get("/Subtype") == "/Link":
            rects.append(v["/Rect"])
        if isinstance(v.get("/Dest"), list):
            tops.append(v["/Dest"][3])
        attrs = v.get("/A") if v.get("/S") == "/Figure" else None
        for a in attrs if isinstance(attrs, list) else [attrs] if attrs else []:
            if isinstance(a, dict) and "/BBox" in a:
                bboxes.append(a["/BBox"])
    return rects, tops, bboxes


(rb, tb, fb), (rr, tr, fr) = geometry(pdf), geometry(ref)
check(len(rb) >= 30 and len(rb) == len(rr), f"link annotations: {len(rb)} with bleed, {len(rr)} without")
# Rects are whole points rounded outwards, destination tops whole points:
# each moves by the offset within the rounding
off = [r for r, q in zip(rb, rr) if any(abs(r[i] - q[i] - b) >= 1 for i in range(4))]
check(not off, f"{len(off)} link Rects not moved by {b:.2f} pt, e.g. {off[:2]} vs {rr[:2]}")
check(len(tb) >= 20 and len(tb) == len(tr), f"destinations: {len(tb)} with bleed, {len(tr)} without")
off = [(x, y) for x, y in zip(tb, tr) if abs(x - y - b) >= 1]
check(not off, f"{len(off)} destination tops not moved by {b:.2f} pt: {off[:3]}")
check(len(fb) >= 2 and len(fb) == len(fr), f"Figure BBoxes: {len(fb)} with bleed, {len(fr)} without")
off = [(x, y) for x, y in zip(fb, fr) if any(abs(x[i] - y[i] - b) > 0.011 for i in range(4))]
check(not off, f"Figure BBoxes not moved by {b:.2f} pt: {off[:2]}")
print(f"bleed: {len(rb)} link Rects, {len(tb)} destinations, {len(fb)} Figure BBoxes moved with the page")

# ---- what is drawn: the trimmed page unchanged, only the band in the bleed ----
# at 127 dpi A4 is 1050 x 1485 px and 3 mm is 15 px: whole pixels both
dpi = 127
px = round(b * dpi / 72)

def render(path, name, x, y, w, h):  # whole pixels: pdftoppm rounds the page's size up
    run(["pdftoppm", "-r", str(dpi), "-gray", "-singlefile", "-x", str(x), "-y", str(y), "-W", str(w),
         "-H", str(h), path, os.path.join(work, name)])


render(pdf, "all", 0, 0, 1050 + 2 * px, 1485 + 2 * px)
render(pdf, "trim", px, px, 1050, 1485)
render(ref, "ref", 0, 0, 1050, 1485)
aw, ah, a = read_pgm(os.path.join(work, "all.pgm"))
check((aw, ah) == (1050 + 2 * px, 1485 + 2 * px), f"the MediaBox renders {aw} x {ah} px")
tw, th, tp = read_pgm(os.path.join(work, "trim.pgm"))
fw, fh, fp = read_pgm(os.path.join(work, "ref.pgm"))
if check((tw, th) == (fw, fh), f"trimmed {tw} x {th} px, without bleed {fw} x {fh}"):
    diff = sum(1 for x, y in zip(tp, fp) if abs(x - y) > 48)
    check(diff < tw * th * 0.0005, f"inside the TrimBox {diff} pixels differ from the page without bleed")
# the band: its rows from the trace of the page without bleed
band = re.search(r"path fill=#edf2f7 : M0\.00,([\d.]+) L[\d.]+,[\d.]+ L[\d.]+,([\d.]+)",
                 open(os.path.join(work, "none.trace")).read())
if check(band, "no page-wide summary band in the trace"):
    y0 = (float(band.group(1)) + b) * dpi / 72
    y1 = (float(band.group(2)) + b) * dpi / 72
    grey = a[(int(y0) + 2) * aw + aw // 2 - 300]  # inside the band, beside the text
    check(230 <= grey <= 250, f"the band's grey is {grey}")
    strays, band_px = 0, 0
    for y in range(ah):
        for x in list(range(px)) + list(range(aw - px, aw)) if px < y < ah - px else range(aw):
            v = a[y * aw + x]
            if y0 + 1 < y < y1 - 1:  # the band's rows: the band's grey, to the MediaBox's edge
                band_px += abs(v - grey) <= 2
            elif not (y0 - 1 <= y <= y1 + 1) and v < 250:
                strays += 1
    rows = int(y1 - 1) - int(y0 + 1)
    check(band_px >= rows * 2 * px - 2, f"the band fills {band_px} of the bleed's {rows * 2 * px} px beside it")
    check(strays == 0, f"{strays} pixels in the bleed that are not the band")
    print(f"bleed: the band runs {px} px (at {dpi} dpi) past the trim on both sides, "
          f"nothing else crosses it")

# ---- the PNG preview is the trimmed page; the display list in trim coordinates
pw, ph, pa = read_png_gray(os.path.join(work, "bleed-png", "page-1.png"))
qw, qh, qa = read_png_gray(os.path.join(work, "none-png", "page-1.png"))
check((pw, ph) == (qw, qh), f"PNG preview {pw} x {ph}, without bleed {qw} x {qh}")
# only the last column, which the page covers in part, may differ
diff = sum(1 for i, (x, y) in enumerate(zip(pa, qa)) if x != y and i % pw != pw - 1)
check(diff == 0, f"the PNG preview differs from the page without bleed in {diff} pixels")
tb_lines = open(os.path.join(work, "bleed.trace")).read().splitlines()
tr_lines = open(os.path.join(work, "none.trace")).read().splitlines()
changed = [(x, y) for x, y in zip(tb_lines, tr_lines) if x != y]
check(len(tb_lines) == len(tr_lines) and len(changed) == 2
      and changed[0][0] == changed[0][1] + f" bleed={b:.2f}" and "#edf2f7" in changed[1][0],
      f"the traces differ in more than the page's bleed and the band: {changed[:4]}")

# ---- the structure ------------------------------------------------------------
# the same but for the Figures' BBoxes (checked above)
sb, sr = (re.sub(r"/BBox \[[^]]*\]", "", run(["pdfinfo", "-struct-text", p]).stdout) for p in (pdf, ref))
check(len(sb) > 1000 and sb == sr, "pdfinfo -struct-text differs with bleed")
finish("check_bleed")
