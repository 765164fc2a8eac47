"""pdfcheck - what the end-to-end tests check in a PDF, the way a user would:
open it with poppler, qpdf and the three real readers (PDF.js, PDFium,
MuPDF), get the text back, follow the links, compare renderings. Standard
library only; shells out to poppler-utils, qpdf and tests/readers/run."""
import json
import os
import re
import struct
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL: " + msg, file=sys.stderr)
    return cond


def finish(name):
    if failures:
        print(f"{name}: {len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print(f"{name}: all checks passed")


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def qpdf_check(pdf):
    r = run(["qpdf", "--check", pdf])
    check(r.returncode == 0, f"qpdf --check {pdf}: exit {r.returncode}: {r.stdout[-500:]}{r.stderr[-500:]}")


def pdftotext(pdf, *args):
    r = run(["pdftotext", *args, pdf, "-"])
    check(r.returncode == 0, f"pdftotext {pdf}: exit {r.returncode}")
    check(r.stderr.strip() == "", f"pdftotext {pdf} warned: {r.stderr.strip()[:300]}")
    return r.stdout


def pdffonts(pdf):
    r = run(["pdffonts", pdf])
    rows = r.stdout.splitlines()[2:]
    check(len(rows) > 0, f"pdffonts {pdf}: no fonts")
    for row in rows:
        cols = row.split()
        # name type... emb sub uni object gen
        emb, sub, uni = cols[-5], cols[-4], cols[-3]
        check(emb == "yes" and sub == "yes" and uni == "yes",
              f"pdffonts {pdf}: {cols[0]} emb={emb} sub={sub} uni={uni}")
    return rows


def readers(pdf):
    r = run(["bash", os.path.join(ROOT, "tests/readers/run"), pdf])
    check(r.returncode == 0, f"readers {pdf}: exit {r.returncode}: {r.stderr[-800:]}")
    try:
        return json.loads(r.stdout.strip().split("\n")[-1])
    except (ValueError, IndexError):
        check(False, f"readers {pdf}: no JSON output: {r.stdout[-300:]} {r.stderr[-300:]}")
        return {}


def norm(text):
    """Whitespace, line-end hyphens and hyphens removed: what words compare on.
    (PDFium reports a hyphen at a line end as U+FFFE.)"""
    text = re.sub(r"[-\u2010\ufffe]\s*\n", "", text)
    return re.sub(r"[\s\u00ad\-\u2010\ufffe\ufffd]+", "", text)


def words_in_order(extracted, paragraph, where, slack=48):
    """Every word of `paragraph` appears in `extracted`, in order, each within
    `slack` characters of the previous (endnote markers may sit between)."""
    hay = norm(extracted)
    words = paragraph.split()
    # find where the paragraph starts: its first words, together
    anchor = norm(" ".join(words[:5]))
    pos = hay.find(anchor)
    if pos < 0:
        check(False, f"{where}: its start {anchor[:40]!r} is missing")
        return False
    for w in words:
        w = norm(w)
        if not w:
            continue
        i = hay.find(w, pos)
        if i < 0 or (pos and i - pos > slack):
            check(False, f"{where}: word {w!r} missing or out of order (at {pos}: {hay[pos:pos+60]!r})")
            return False
        pos = i + len(w)
    return True


def read_png_gray(path):
    """Decodes an 8-bit non-interlaced PNG (grey, RGB or RGBA) into (w, h, bytes of grey)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, w, plte = 8, b"", 0, None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0, "8-bit non-interlaced PNG only"
            bpp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
        elif kind == b"PLTE":  # a palette image: each index stands for an RGB triple
            plte = [round(0.299 * body[i] + 0.587 * body[i + 1] + 0.114 * body[i + 2])
                    for i in range(0, len(body), 3)]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    out = bytearray(w * h)
    prev = bytearray(stride)
    i = 0
    for y in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        row = y * w
        if bpp == 1 and plte:
            out[row:row + w] = bytes(plte[v] for v in line)
        elif bpp == 1:
            out[row:row + w] = line
        else:
            for x in range(w):
                r, g, b_ = line[x * bpp], line[x * bpp + 1], line[x * bpp + 2]
                out[row + x] = (r * 299 + g * 587 + b_ * 114) // 1000
    return w, h, bytes(out)


def read_pgm(path):
    data = open(path, "rb").read()
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    w, h = int(m.group(1)), int(m.group(2))
    return w, h, data[m.end():m.end() + w * h]


def compare_pages(pdf, png_pattern, pages, dpi, workdir, mean_max=4.0, far_max=0.015):
    """Renders the PDF with pdftoppm (grey) and compares each page with the PNG
    device's page. Metric: mean absolute grey difference (0-255) and the
    fraction of pixels differing by more than 96 levels, after letting each
    pixel match its best neighbour within 1 px (anti-aliasing, rounding)."""
    results = []
    for p in range(1, pages + 1):
        base = os.path.join(workdir, f"ref-{p}")
        run(["pdftoppm", "-r", str(dpi), "-gray", "-f", str(p), "-l", str(p), "-singlefile", pdf, base])
        w1, h1, a = read_pgm(base + ".pgm")
        w2, h2, b = read_png_gray(png_pattern % p)
        if not check(abs(w1 - w2) <= 1 and abs(h1 - h2) <= 1, f"page {p}: sizes {w1}x{h1} vs {w2}x{h2}"):
            continue
        w, h = min(w1, w2), min(h1, h2)
        total, far = 0, 0
        for y in range(h):
            for x in range(w):
                va = a[y * w1 + x]
                best = abs(va - b[y * w2 + x])
                if best <= 16:
                    total += best
                    continue
                for dy in (-1, 0, 1):
                    yy = y + dy
                    if 0 <= yy < h:
                        for dx in (-1, 0, 1):
                            xx = x + dx
                            if 0 <= xx < w:
                                d = abs(va - b[yy * w2 + xx])
                                if d < best:
                                    best = d
                total += best
                if best > 96:
                    far += 1
        mean, frac = total / (w * h), far / (w * h)
        results.append((p, mean, frac))
        check(mean <= mean_max and frac <= far_max,
              f"page {p}: PDF vs PNG differ: mean {mean:.2f} (max {mean_max}), far {frac:.4f} (max {far_max})")
    return results
