"""Checks a rendered Markdown article (see markdown.sh): each footnote
marker is a link to its endnote. A marker is found as the link annotation
on the line of the word before it, and its destination must be the top of
the endnote whose first words are given.
Usage: check_markdown.py PDF WORD_BEFORE NOTE_FIRST_WORD [WORD_BEFORE NOTE_FIRST_WORD ...]"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdfcheck import check, finish, run

pdf, pairs = sys.argv[1], sys.argv[2:]
objs = json.loads(run(["qpdf", "--json", "--json-key=qpdf", pdf]).stdout)["qpdf"][1]
links = []
for v in objs.values():
    v = v.get("value", v) if isinstance(v, dict) else v
    if isinstance(v, dict) and v.get("/Subtype") == "/Link" and v.get("/Dest"):
        links.append((v["/Rect"], v["/Dest"][3]))
box = run(["pdftotext", "-f", "1", "-l", "1", "-bbox", pdf, "-"]).stdout
height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', box).group(1))
words = [(m.group(5), float(m.group(1)), float(m.group(2)), float(m.group(3)), float(m.group(4)))
         for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', box)]


def word(text):
    return next((w for w in words if w[0] == text), None)


for before, note in zip(pairs[::2], pairs[1::2]):
    b, n = word(before), word(note)
    if not check(b and n, f"words '{before}' and '{note}' not both on page 1"):
        continue
    top = height - n[2]  # the endnote's top, in PDF coordinates
    hits = [r for r, y in links
            if r[0] >= b[3] - 1 and r[0] <= b[3] + 30 and height - b[4] - 2 <= r[1] <= height - b[2] + 2
            and abs(y - top) < 3]
    check(hits, f"no link after '{before}' to the endnote starting '{note}' (y {top:.0f}); "
                f"links: {links}")
finish("check_markdown")
