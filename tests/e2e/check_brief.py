"""Checks the rendered sample brief (see brief.sh)."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdfcheck import check, compare_pages, finish, pdffonts, qpdf_check, readers, run

work, brief_path = sys.argv[1], sys.argv[2]
pdf = os.path.join(work, "brief.pdf")
brief = json.load(open(brief_path, encoding="utf-8"))
tpl = json.load(open(os.path.join(os.path.dirname(brief_path), brief["template"]), encoding="utf-8"))
m = tpl["page"]["margins"]

qpdf_check(pdf)
pdffonts(pdf)
size = os.path.getsize(pdf)
print(f"brief: {size} bytes")
check(size < 100000, f"brief is {size} bytes, over 100,000 (issue 11)")

# exactly one page, every word inside the margins
bbox = run(["pdftotext", "-bbox", pdf, "-"]).stdout
pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">', bbox)
check(len(pages) == 1, f"{len(pages)} pages, expected 1")
W, H = float(pages[0][0]), float(pages[0][1])
words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', bbox)
check(len(words) > 400, f"only {len(words)} words")
slack = 0.5
for x0, y0, x1, y1, w in words:
    x0, y0, x1, y1 = map(float, (x0, y0, x1, y1))
    inside = x0 >= m["left"] - slack and x1 <= W - m["right"] + slack and y0 >= m["top"] - 4 and y1 <= H - m["bottom"] / 4
    check(inside, f"word {w!r} at ({x0:.1f},{y0:.1f})-({x1:.1f},{y1:.1f}) outside the margins")
text = " ".join(w for *_, w in words)
check(brief["title"].split()[0] in text, "title missing")

# the structure a screen reader gets (poppler's reading of the tree): the
# title a heading, the summary panel's label and the findings' heading the
# headings below it, in that order (issue 11)
struct = run(["pdfinfo", "-struct-text", pdf]).stdout
heads = re.findall(r'^\s*(H[1-6]) \(block\)\n\s*"([^"]*)"', struct, re.M)
label = next((sec.get("title") for sec in tpl.get("sections", []) if sec.get("type") == "summary"), None)
check(heads[:1] == [("H1", brief["title"])], f"the title is not the first heading (H1): {heads[:3]}")
if label:
    check(("H2", label) in heads, f"the summary's label {label!r} is not a heading (H2): {heads}")
    check(heads.index(("H2", label)) == 1, f"the summary's label is not the heading after the title: {heads}")

# links: every endnote URL, every marker to its endnote, every note back
r = readers(pdf)
for engine in ("pdfjs", "pdfium", "mupdf"):
    e = r.get(engine, {})
    check("error" not in e and e.get("pages") == 1, f"{engine} could not open it: {e.get('error')}")
links = r.get("pdfjs", {}).get("links", [])
uris = {l["uri"] for l in links if "uri" in l}
internal = [l for l in links if "dest_page" in l]
check(len(uris) >= 10, f"only {len(uris)} URI links")
for l in internal:
    check(l["dest_page"] == 0, "an internal link leaves the page")
check(len(internal) >= 2 * 12, f"{len(internal)} internal links: markers and back-links missing")
for u in uris:
    check(u.startswith("http"), f"odd link target {u}")

# the PNG device agrees with pdftoppm
for p, mean, frac in compare_pages(pdf, os.path.join(work, "png", "page-%d.png"), 1, 60, work):
    print(f"brief page {p}: mean grey difference {mean:.2f}/255, {frac * 100:.2f}% pixels off by >96")

# charts are vectors with real text
imgs = run(["pdfimages", "-list", pdf]).stdout.strip().splitlines()
check(len(imgs) <= 2, f"the brief has image XObjects: {imgs[2:]}")
check("USD millions" in text and "missions" in text, "chart labels are not text")

# the Letter variant: same brief, other page
info = run(["pdfinfo", os.path.join(work, "letter.pdf")]).stdout
check("612 x 792" in info and re.search(r"^Pages:\s+1$", info, re.M), f"letter variant: {info}")

# overflow: message, exit 1, no file
err = open(os.path.join(work, "overflow.err")).read()
check(open(os.path.join(work, "overflow.rc")).read().strip() == "1", "overflow did not exit 1")
check("overflows its one page by" in err and "largest sections" in err, f"overflow message: {err}")
check(not os.path.exists(os.path.join(work, "overflow.pdf")), "overflow left a PDF")
check(not [f for f in os.listdir(work) if ".tmp." in f], "temporary files left behind")
finish("brief")
