"""check_pdfa - what tests/e2e/pdfa.sh rendered, checked as an archivist and
a print shop would: Apache PDFBox Preflight (PDF/A-1b) on every PDF, with its
error codes on failure; the content streams decoded (qpdf) to see that body
text is black ink (`0 g`) and that no near-black RGB is left; the plain
variant rejected; the batch fingerprint honouring the output options.
Usage: check_pdfa.py WORK. Standard library only."""
import glob
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_tags  # noqa: E402
from pdfcheck import check, finish, run  # noqa: E402

work = sys.argv[1]
pdf_dir = os.path.join(work, "pdf")

# Debian's PDFBox 2.0 and, for Java 17, the JAF and JAXB APIs it needs
# (scripts/bootstrap installs libpdfbox2-java, libactivation-java,
# libjaxb-api-java and openjdk-17-jre-headless)
JARS = ["preflight", "pdfbox2", "fontbox2", "xmpbox", "commons-logging", "javax.activation",
        "jaxb-api"]


def preflight(pdfs, list_name):
    """{basename: (valid, [(code, count, details)])} from one Preflight run."""
    cp = [f"/usr/share/java/{j}.jar" for j in JARS]
    missing = [j for j in cp if not os.path.exists(j)]
    if not check(not missing, f"Preflight: missing {', '.join(missing)} (run scripts/bootstrap)"):
        return {}
    names = [os.path.basename(p) for p in pdfs]
    check(len(set(names)) == len(names), "Preflight: file names must be unique in one report")
    lst = os.path.join(work, list_name)
    with open(lst, "w") as f:
        f.write("".join(os.path.abspath(p) + "\n" for p in pdfs))
    report = lst + ".preflight.xml"
    if os.path.exists(report):
        os.unlink(report)
    r = run(["java", "-cp", ":".join(cp), "org.apache.pdfbox.preflight.Validator_A1b", "xml",
             "group", lst])
    if not check(r.returncode == 0 and os.path.exists(report),
                 f"Preflight: exit {r.returncode}: {r.stdout[-800:]}{r.stderr[-800:]}"):
        return {}
    out = {}
    for pf in ET.parse(report).getroot().findall("preflight"):
        valid = (pf.findtext("isValid") or "").strip() == "true"
        errors = [((e.findtext("code") or "?").strip(), e.get("count", "1"),
                   (e.findtext("details") or "").strip()) for e in pf.iter("error")]
        out[pf.get("name")] = (valid, errors)
    return out


# ---- Preflight on every PDF ---------------------------------------------------

pdfs = sorted(glob.glob(os.path.join(pdf_dir, "*.pdf")))
expected = ["nk-missions-article.pdf", "nk-missions-brief.pdf", "nk-missions-brief-letter.pdf",
            "nk-missions-brief-ko.pdf", "undated-brief.pdf", "fixture-xml-title.pdf",
            "fixture-logo-png.pdf", "fixture-logo-svg.pdf", "fixture-korean-title.pdf",
            "fixture-bleed.pdf", "fixture-shared-glyphs.pdf"]
for name in expected:
    check(os.path.exists(os.path.join(pdf_dir, name)), f"{name} was not rendered")
check(len(glob.glob(os.path.join(pdf_dir, "profile-*.pdf"))) == 15, "15 country profiles")
check(len(glob.glob(os.path.join(pdf_dir, "newsletter-*.pdf"))) == 1, "the newsletter PDF")
check(len(glob.glob(os.path.join(pdf_dir, "hostile-*.pdf"))) >= 5, "the hostile batch's PDFs")

results = preflight(pdfs, "all.txt")
valid = 0
for p in pdfs:
    name = os.path.basename(p)
    if name not in results:
        check(False, f"Preflight: no result for {name}")
        continue
    ok, errors = results[name]
    codes = "; ".join(f"{c} x{n}: {d[:160]}" for c, n, d in errors[:12])
    if check(ok and not errors, f"Preflight: {name} is not valid PDF/A-1b: {codes}"):
        valid += 1
print(f"Preflight: {valid} of {len(pdfs)} PDFs valid PDF/A-1b")
for p in pdfs:
    print(f"  {os.path.basename(p)}: {os.path.getsize(p)} bytes, "
          f"{'valid' if results.get(os.path.basename(p), (False,))[0] else 'INVALID'}")

# the plain variant is not PDF/A (no output intent, no XMP): Preflight says so
plain = preflight([os.path.join(work, "plain", "plain-brief.pdf")], "plain.txt")
ok, errors = plain.get("plain-brief.pdf", (True, []))
codes = {c for c, _, _ in errors}
check(not ok and "7.1" in codes, f"--no-pdfa: Preflight should reject the plain PDF (7.1): {codes}")

# ---- content streams: print colours ---------------------------------------------

TOKEN = re.compile(rb"\s*(<<|>>|<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\)|\[|\]|/[^\s/\[\]()<>]*|"
                   rb"[-+]?\d*\.?\d+|[A-Za-z'\"*]+\d?\*?|%[^\n]*)", re.S)


def page_contents(pdf):
    """Per page: its content streams decoded, and its fonts' ToUnicode maps
    by resource name (check_tags.cmap: code bytes -> text)."""
    try:
        doc = check_tags.Doc(pdf)
    except RuntimeError as e:
        check(False, f"{pdf}: {e}")
        return []
    pages = []

    def walk(ref):
        node = doc.get(ref) or {}
        if node.get("/Type") == "/Pages":
            for k in node.get("/Kids", []):
                walk(k)
        else:
            pages.append(node)
    walk(doc.get(doc.objs["trailer"]["value"]["/Root"])["/Pages"])
    out = []
    for page in pages:
        res = doc.get(page.get("/Resources")) or {}
        fonts = {}
        for name, ref in (doc.get(res.get("/Font")) or {}).items():
            tu = (doc.get(ref) or {}).get("/ToUnicode")
            fonts[name.encode()] = check_tags.cmap(doc.stream(tu)) if isinstance(tu, str) else {}
        contents = page.get("/Contents")
        refs = contents if isinstance(contents, list) else [contents]
        out.append((b"\n".join(doc.stream(r) for r in refs if isinstance(r, str)), fonts))
    return out


def near_black(vals):
    hi, lo = max(vals), min(vals)
    return hi <= 0.25 and hi - lo <= 0.06 and hi - lo > 1 / 512


ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def decode(tok, font):
    """A string operand shown in a font (2-byte codes) as text, through the
    font's ToUnicode map: hex, or literal with its escapes."""
    if tok.startswith(b"<"):
        raw = bytes.fromhex(re.sub(rb"\s", b"", tok[1:-1]).decode())
    else:
        raw = re.sub(rb"\\([0-7]{1,3}|.)", lambda m: bytes([int(m.group(1), 8) & 0xFF])
                     if m.group(1)[:1].isdigit() else ESCAPES.get(m.group(1), m.group(1)), tok[1:-1],
                     flags=re.S)
    return "".join(font.get(raw[k:k + 2], "\ufffd") for k in range(0, len(raw) - 1, 2))


def colours(pdf):
    """(text shown per fill colour, near-black RGB operators) of every page."""
    shown, bad = {}, []
    for content, fonts in page_contents(pdf):
        stack, ops, font = [], [], {}
        fill = ("g", 0.0)
        for m in TOKEN.finditer(content):
            t = m.group(1)
            if re.fullmatch(rb"[-+]?\d*\.?\d+", t) or t[:1] in b"<(/[]" or t == b">>":
                ops.append(t)
                continue
            op = t.decode("latin-1")
            if op == "q":
                stack.append(fill)
            elif op == "Q" and stack:
                fill = stack.pop()
            elif op in ("g", "rg", "k"):
                fill = (op,) + tuple(round(float(v), 3) for v in ops[-{"g": 1, "rg": 3, "k": 4}[op]:])
            if op in ("rg", "RG") and near_black([float(v) for v in ops[-3:]]):
                bad.append(" ".join(v.decode() for v in ops[-3:]) + " " + op)
            if op == "Tf" and len(ops) >= 2:
                font = fonts.get(ops[-2], {})
            if op in ("Tj", "TJ"):
                text = "".join(decode(v, font) for v in ops if v[:1] in b"<(")
                key = " ".join(str(v) for v in fill[1:]) + " " + fill[0]
                shown[key] = shown.get(key, "") + text
            if op == "ET":
                for k in shown:
                    shown[k] += "\n"
            ops = []
    return shown, bad


def words(s):
    return " ".join(s.replace("-\n", "").split())


brief = json.load(open("data/briefs/nk-missions.json"))
phrases = {
    "nk-missions-brief.pdf": " ".join(brief["summary"].split()[:6]),
    "nk-missions-article.pdf": "At the end of 2023, Pyongyang announced",
    "profile-china.pdf": None,
    "nk-missions-brief-ko.pdf": None,
    "fixture-xml-title.pdf": None,
}
for name, phrase in phrases.items():
    path = os.path.join(pdf_dir, name)
    if not os.path.exists(path):
        check(False, f"{name}: missing for the colour check")
        continue
    shown, bad = colours(path)
    check(not bad, f"{name}: near-black RGB left in the content streams: {sorted(set(bad))[:5]}")
    black = words(shown.get("0.0 g", ""))
    total = sum(len(words(v)) for v in shown.values())
    share = len(black) / total if total else 0
    print(f"{name}: {share:.0%} of the text is 0 g; colours: "
          + ", ".join(f"{k} ({len(words(v))})" for k, v in sorted(shown.items())))
    check(share >= 0.5, f"{name}: only {share:.0%} of the text is black ink (0 g)")
    if phrase:
        check(phrase in black, f"{name}: body text '{phrase}' is not shown in 0 g")

# ---- characters that share a glyph come back apart ------------------------------

# NanumGothicBold draws U+00A0 with the space's glyph and U+2015 with
# U+2014's: the title's font gets codes of its own for them and a
# CIDToGIDMap; every other font is mapped /Identity (docs/pdf-device.md)
path = os.path.join(pdf_dir, "fixture-shared-glyphs.pdf")
if check(os.path.exists(path), "fixture-shared-glyphs.pdf: missing"):
    doc = check_tags.Doc(path)
    maps = [v.get("/CIDToGIDMap") for v in (o.get("value") for o in doc.objs.values())
            if isinstance(v, dict) and v.get("/Subtype") == "/CIDFontType2"]
    check(sum(m != "/Identity" for m in maps) == 1 and len(maps) > 2,
          f"fixture-shared-glyphs.pdf: CIDToGIDMaps {maps}: one stream expected, the rest /Identity")
    text = "".join(colours(path)[0].values()).replace("\n", "")  # runs end in "\n"
    want = "북한은 왜\u00a0대사관을 닫는가 \u2015 외교"
    check(want in text, f"fixture-shared-glyphs.pdf: the title does not come back as {want!r}")

# ---- each CIDSet lists exactly the font program's CIDs ---------------------------

def num_glyphs(font):
    """numGlyphs of a TrueType font program's maxp table."""
    n = int.from_bytes(font[4:6], "big")
    for i in range(n):
        rec = font[12 + 16 * i:28 + 16 * i]
        if rec[:4] == b"maxp":
            off = int.from_bytes(rec[8:12], "big")
            return int.from_bytes(font[off + 4:off + 6], "big")
    return None


for name in ("nk-missions-brief.pdf", "nk-missions-article.pdf", "nk-missions-brief-ko.pdf",
             "fixture-shared-glyphs.pdf", "profile-china.pdf"):
    doc = check_tags.Doc(os.path.join(pdf_dir, name))
    for key, o in doc.objs.items():
        cid = o.get("value")
        if not isinstance(cid, dict) or cid.get("/Subtype") != "/CIDFontType2":
            continue
        desc = doc.get(cid.get("/FontDescriptor")) or {}
        glyphs = num_glyphs(doc.stream(desc.get("/FontFile2", "")))
        cmap = cid.get("/CIDToGIDMap")
        cids = glyphs if cmap == "/Identity" else len(doc.stream(cmap)) // 2
        bits = doc.stream(desc.get("/CIDSet", ""))
        ones = "".join(f"{b:08b}" for b in bits).rstrip("0")
        check(glyphs and ones == "1" * cids,
              f"{name}: {cid.get('/BaseFont')}: CIDSet {ones!r} is not the {cids} CIDs of its "
              f"{glyphs} glyphs")

# ---- print boxes on every page --------------------------------------------------

for name in ("nk-missions-article.pdf", "nk-missions-brief-letter.pdf", "profile-cuba.pdf"):
    r = run(["pdfinfo", "-box", "-f", "1", "-l", "99", os.path.join(pdf_dir, name)])
    media = re.findall(r"Page\s+\d+ MediaBox:\s+(.*)", r.stdout)
    for box in ("TrimBox", "BleedBox"):
        got = re.findall(rf"Page\s+\d+ {box}:\s+(.*)", r.stdout)
        check(got and got == media, f"{name}: {box} {got[:2]} is not the MediaBox {media[:2]}")
    check(re.search(r"PDF version:\s+1\.4", r.stdout), f"{name}: not PDF 1.4")

# ---- the batch manifest's fingerprint --------------------------------------------

summaries = []
for i in (1, 2, 3):
    text = open(os.path.join(work, f"fp{i}.err")).read()
    m = re.search(r"(\d+) written, (\d+) unchanged", text)
    summaries.append((int(m.group(1)), int(m.group(2))) if m else None)
check(summaries == [(2, 0), (2, 0), (0, 2)],
      f"batch: PDF/A, then --no-pdfa (all rendered again), then --no-pdfa again (all "
      f"unchanged): got {summaries}")

finish("pdfa")
