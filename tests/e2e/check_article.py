"""Checks the rendered seed article (see article.sh)."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdfcheck import (check, compare_pages, finish, pdffonts, pdftotext, qpdf_check, readers, run,
                      words_in_order)

work, manifest = sys.argv[1], sys.argv[2]
pdf = os.path.join(work, "a.pdf")
man = json.load(open(manifest))
base = os.path.dirname(manifest)
md = open(os.path.join(base, man["body"]), encoding="utf-8").read()
bib = {}
for it in json.load(open(os.path.join(base, man["bibliography"]), encoding="utf-8")):
    for i in [it["id"]] + it.get("aliases", []):  # an alias resolves to its work
        bib[i] = it


def plain(markdown_par):
    t = re.sub(r"\[@[^\]]*\]", "", markdown_par)            # citations
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", t)          # links
    t = re.sub(r"[*_`]", "", t)                             # emphasis
    t = re.sub(r"^#+\s*", "", t)
    return t


paragraphs = [plain(p) for p in re.split(r"\n\s*\n", md)
              if p.strip() and not p.lstrip().startswith("<!--")]
check(len(paragraphs) >= 15, f"only {len(paragraphs)} paragraphs in the Markdown")
cited, occurrences = [], 0
for m in re.finditer(r"\[([^\]]*@[^\]]*)\]", md):
    for cid in re.findall(r"@([\w:.#$%&\-+?<>~/]*\w)", m.group(1)):
        occurrences += 1
        if cid not in cited:
            cited.append(cid)
check(len(cited) == 23, f"{len(cited)} distinct citations, expected 23")

# 1. structure
qpdf_check(pdf)
fonts = pdffonts(pdf)
check(any("Nanum" in f for f in fonts), "no Korean font embedded")

# 2. text back, in order, through poppler and the three readers (the running
# footer, "title … N / M", stands between the parts of a paragraph that
# crosses a page: take it out first)
def without_footers(t, n_pages):
    for i in range(1, n_pages + 1):
        t = t.replace(f"{i} / {n_pages}", " ").replace(f"{i}/{n_pages}", " ")
    first = t.find(man["title"])
    if first >= 0:
        head, rest = t[:first + len(man["title"])], t[first + len(man["title"]):]
        t = head + rest.replace(man["title"], " ")
    return t


text = pdftotext(pdf)
n_pages = int(re.search(r"^Pages:\s+(\d+)", run(["pdfinfo", pdf]).stdout, re.M).group(1))
text = without_footers(text, n_pages)
for i, p in enumerate(paragraphs):
    words_in_order(text, p, f"pdftotext paragraph {i + 1}")
r = readers(pdf)
for engine in ("pdfjs", "pdfium", "mupdf"):
    e = r.get(engine, {})
    if not check("error" not in e and e.get("pages", 0) >= 2, f"{engine}: {e.get('error')}"):
        continue
    whole = without_footers("\n".join(e["text"]), n_pages)
    for i, p in enumerate(paragraphs):
        words_in_order(whole, p, f"{engine} paragraph {i + 1}")
check("북한" in text and "외교부" in text, "Korean titles missing from the extracted text")
# the charts are vector paths with real text
check("USD millions" in text and "North Korean missions abroad" in text, "chart labels missing")
imgs = run(["pdfimages", "-list", pdf]).stdout.strip().splitlines()
check(len(imgs) <= 2, f"the article has image XObjects: {imgs[2:]}")

# 3. links: every endnote URL exactly, markers to the endnotes, notes back
pages = r.get("pdfjs", {}).get("pages", 0)
links = r.get("pdfjs", {}).get("links", [])
uris = [l["uri"] for l in links if "uri" in l]
for cid in cited:
    url = bib[cid].get("URL")
    if url:
        check(url in uris, f"endnote {cid}: no link annotation with URI {url}")
notes_page = min((i for i, t in enumerate(r.get("pdfjs", {}).get("text", [])) if "Endnotes" in t),
                 default=None)
check(notes_page is not None, "no Endnotes heading found")
internal = [l for l in links if "dest_page" in l]
check(len(internal) == occurrences + len(cited),
      f"{len(internal)} internal links; expected {occurrences} markers + {len(cited)} back-links")
forward = [l for l in internal if l["page"] < (notes_page or 0)]
for l in forward:
    check(l["dest_page"] >= notes_page, f"marker on page {l['page'] + 1} links to page {l['dest_page'] + 1}, before the endnotes")
back = [l for l in internal if l["page"] >= (notes_page or 0) and l["dest_page"] < notes_page]
check(len(back) >= len(cited) - 1, f"only {len(back)} endnotes link back to their markers")
mupdf_uris = [l.get("uri") for l in r.get("mupdf", {}).get("links", []) if l.get("uri")]
check(set(u for u in uris) == set(mupdf_uris), "PDF.js and MuPDF disagree on the link URIs")
check(r.get("pdfjs", {}).get("title") == man["title"], "document title not in the PDF info")

# 4. the PNG device draws what pdftoppm draws
res = compare_pages(pdf, os.path.join(work, "png", "page-%d.png"), pages, 60, work)
for p, mean, frac in res:
    print(f"page {p}: mean grey difference {mean:.2f}/255, {frac * 100:.2f}% pixels off by >96")

# 5. reproducible and small
check(open(pdf, "rb").read() == open(os.path.join(work, "b.pdf"), "rb").read(), "two runs differ")
size = os.path.getsize(pdf)
print(f"article: {pages} pages, {size} bytes")
# issue 11: < 120,000 bytes, with the structure tree (~150 elements, an
# OBJR and a ParentTree entry for each of 79 links, ActualText for 33
# hyphenated words); ~119.0 KB (docs/pdf-device.md says where the bytes go)
check(size < 120000, f"article is {size} bytes, over 120,000 (issue 11)")
finish("article")
