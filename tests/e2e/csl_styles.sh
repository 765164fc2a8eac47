#!/usr/bin/env bash
# e2e: the brief's endnotes in citation styles from Debian's
# citation-style-language-styles, named by the endnotes section's "style"
# and "locale": chicago-fullnote-bibliography, apa, Chicago in ko-KR (Korean
# dates) and a Korean journal's numeric style in ko-KR (its own "1." left to
# the note's label). A copy of data/ gives the first note a Korean author
# split into family and given name: every style prints 엄지인 (family name
# first, no comma). The text is read back with pdftotext; the URL stays a
# link (the trace). Args: BRIEFPRESS BUILD_DIR.
set -euo pipefail
bp=$1 build=$2
work=$build/e2e-csl-styles
rm -rf "$work" && mkdir -p "$work"
cp -r data "$work/data"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
p = w + "/data/citations/nk-missions.json"
items = json.load(open(p))
for it in items:
    if it["id"] == "mbc_20231205":
        it["author"] = [{"family": "엄", "given": "지인"}, {"family": "Kim", "given": "Jong-il"}]
json.dump(items, open(p, "w"), ensure_ascii=False, indent=1)
t = json.load(open("templates/one-page-brief.json"))
t["max_pages"] = 3  # longer notes than the house style's
for name, style, locale in [("chicago", "chicago-fullnote-bibliography", None), ("apa", "apa", None),
                            ("chicago-ko", "chicago-fullnote-bibliography", "ko-KR"),
                            ("kjim-ko", "the-korean-journal-of-internal-medicine", "ko-KR")]:
    for s in t["sections"]:
        if s["type"] == "endnotes":
            s["style"] = style
            s.pop("locale", None)
            if locale:
                s["locale"] = locale
    json.dump(t, open(f"{w}/{name}.json", "w"), ensure_ascii=False, indent=1)
PY
for s in chicago apa chicago-ko kjim-ko; do
  "$bp" render "$work/data/briefs/nk-missions.json" --template "$work/$s.json" \
    -o "$work/$s.pdf" --trace "$work/$s.trace"
  pdftotext "$work/$s.pdf" "$work/$s.txt"
done
exec python3 - "$work" <<'PY'
import re, sys
w = sys.argv[1]
url = "https://imnews.imbc.com/news/2023/politics/article/6550229_36119.html"
# whitespace is dropped on both sides: lines break anywhere in a note
want = {
    "chicago": ["1엄지인 and Jong-il Kim, “Ministry of Foreign Affairs:",
                "MBC News, December 5, 2023, " + url + "."],
    "apa": ["1엄지인, & Kim, J.-I. (2023, December 5). Ministry of Foreign Affairs:",
            "MBC News. " + url],
    "chicago-ko": ["1엄지인", "MBC News, 2023년 12월 5일, " + url],
    "kjim-ko": ["1엄지인, Kim J-I. Ministry of Foreign Affairs:"],
}
fail = 0
for style, needles in want.items():
    text = open(f"{w}/{style}.txt").read()
    notes = re.sub(r"\s+", "", text[text.index("\nNotes\n"):])
    for n in needles + ["Ministry"]:
        if re.sub(r"\s+", "", n) not in notes:
            print(f"FAIL: {style}: no {n!r} in the notes:\n{text[text.index('Notes'):][:600]}")
            fail = 1
    for bad in ["엄,지인", "지인엄", "1.엄지인", "Um,J."]:
        if bad in notes:
            print(f"FAIL: {style}: {bad!r} in the notes")
            fail = 1
    trace = open(f"{w}/{style}.trace").read()
    if style != "kjim-ko" and f"-> {url}\n" not in trace:  # that style prints no URL
        print(f"FAIL: {style}: the URL is not a link")
        fail = 1
print("csl styles: chicago, apa, chicago ko-KR, a Korean journal's style in ko-KR")
sys.exit(fail)
PY
