#!/usr/bin/env bash
# typography.sh - hostile texts, end to end (issue 12): decomposed (NFD)
# Vietnamese comes out of the PDF as the composed words (poppler and
# MuPDF), straight quotes,
# -- and ... are set typographic (not inside URLs), a template style
# with "smart_punctuation": false keeps them as written, and `check` warns
# about a style whose fonts fontconfig would replace.
# Usage: typography.sh <briefpress> <build-dir>   (cwd: source root)
set -u
bp=$1 build=$2
export LSAN_OPTIONS="suppressions=$PWD/tests/fixtures/lsan-third-party.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
work=$build/e2e-typography
rm -rf "$work" && mkdir -p "$work"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
has() { grep -qF -- "$2" "$1" || bad "$3: '$2' not in the text of $(basename "$1")"; }
hasnt() { ! grep -qF -- "$2" "$1" || bad "$3: '$2' in the text of $(basename "$1")"; }

fresh() { rm -rf "$work/d" && mkdir -p "$work/d" && cp -r data templates "$work/d/"; }
fresh
D=$work/d/data
md=$D/articles/nk-missions.md
# a paragraph typed as a careless author would: NFD marks, ASCII quotes,
# dashes and an ellipsis, next to a URL that must stay as it is
nfd=$(printf 'Nguye\xcc\x82\xcc\x83n Phu\xcc\x81 Tro\xcc\xa3ng')
printf '\n%s met the envoy\x27s "delegation" in 2017--2018 -- then nothing... See https://example.org/a--b/x...y for more.\n' \
  "$nfd" >>"$md"
"$bp" render "$D/articles/nk-missions.json" -o "$work/a.pdf" >"$work/render.log" 2>&1 ||
  bad "render: $(cat "$work/render.log")"
pdftotext "$work/a.pdf" "$work/a.txt"
# pdftotext joins lines; compare on one line
tr '\n' ' ' <"$work/a.txt" | sed 's/  */ /g' >"$work/a1.txt"
nfc=$(printf 'Nguy\xe1\xbb\x85n Ph\xc3\xba Tr\xe1\xbb\x8dng')
has "$work/a1.txt" "$nfc" "NFD name"
hasnt "$work/a1.txt" "$(printf '\xcc\x82')" "combining circumflex"
# and MuPDF (mupdf-tools, which scripts/bootstrap installs) reads the same
# composed words, with their spaces
if command -v mutool >/dev/null; then
  mutool draw -q -F txt -o "$work/a-mupdf.txt" "$work/a.pdf" 2>"$work/mutool.log" ||
    bad "mutool draw: $(cat "$work/mutool.log")"
  tr '\n' ' ' <"$work/a-mupdf.txt" | sed 's/  */ /g' >"$work/a1-mupdf.txt"
  has "$work/a1-mupdf.txt" "$nfc met" "NFD name (MuPDF)"
  hasnt "$work/a1-mupdf.txt" "$(printf '\xcc\x82')" "combining circumflex (MuPDF)"
else
  echo "typography: mutool (mupdf-tools) is not installed: MuPDF's text not checked"
fi
has "$work/a1.txt" "envoy’s “delegation” in 2017–2018 – then nothing…" "smart punctuation"
has "$work/a1.txt" "example.org/a--b/x...y" "URL"

# the switch: the body style keeps ASCII
python3 - "$D/../templates/article-a4.json" <<'PY'
import json, sys
p = sys.argv[1]; t = json.load(open(p))
t["styles"]["body"]["smart_punctuation"] = False
json.dump(t, open(p, "w"), ensure_ascii=False, indent=1)
PY
"$bp" render --template "$D/../templates/article-a4.json" "$D/articles/nk-missions.json" \
  -o "$work/b.pdf" >"$work/render-b.log" 2>&1 || bad "render with the switch: $(cat "$work/render-b.log")"
pdftotext "$work/b.pdf" - | tr '\n' ' ' | sed 's/  */ /g' >"$work/b1.txt"
has "$work/b1.txt" "envoy's \"delegation\" in 2017--2018 -- then nothing..." "switch off"
# a bad value is an error at the template's line
sed -i 's/"smart_punctuation": false/"smart_punctuation": "no"/' "$D/../templates/article-a4.json"
out=$("$bp" check --no-fonts "$D/../templates/article-a4.json" 2>&1) && bad "check accepted a string: $out"
case "$out" in *article-a4.json:*smart_punctuation*) ;; *) bad "check's message: $out" ;; esac

# a list takes a paragraph's gap before and after it, as paragraphs do
fresh
printf '\nIntro paragraph before the list.\n\n- Guinea embassy closed.\n- Nepal embassy closed.\n\nThe paragraph after the list.\n\nA second paragraph.\n' \
  >>"$D/articles/nk-missions.md"
"$bp" render "$D/articles/nk-missions.json" --trace "$work/l.trace" -o "$work/l.pdf" >"$work/render-l.log" 2>&1 ||
  bad "render with a list: $(cat "$work/render-l.log")"
python3 - "$work/l.trace" <<'PY' || bad "list spacing"
import re, sys
ys = {}
for line in open(sys.argv[1]):
    m = re.search(r'at=[0-9.]+,([0-9.]+) .*"(Intro paragraph|Guinea|Nepal|The paragraph after|A second)', line)
    if m: ys[m.group(2)] = float(m.group(1))
para = ys["A second"] - ys["The paragraph after"]
before, after = ys["Guinea"] - ys["Intro paragraph"], ys["The paragraph after"] - ys["Nepal"]
within = ys["Nepal"] - ys["Guinea"]
print(f"baselines: paragraphs {para:.2f}, into the list {before:.2f}, within {within:.2f}, after it {after:.2f}")
sys.exit(0 if abs(before - para) < 0.01 and abs(after - para) < 0.01 and within < para else 1)
PY

# a narrow page: a long running footer wraps beside its right side and grows
# up from its baseline (never over "N / M", never towards the page's edge);
# a right side that leaves the left no room, and a masthead whose right text
# fills the measure, are errors naming the document
fresh
narrow() { # TEMPLATE FOOTER_LEFT [MASTHEAD_RIGHT]
  python3 - "$@" <<'PY'
import json, sys
p, left = sys.argv[1], sys.argv[2]
t = json.load(open(p))
t["page"] = {"width": 340, "height": 841.89, "margins": {"top": 50, "right": 40, "bottom": 70, "left": 40},
             "footer_baseline": 40}
t["footer"] = {"left": left}
if len(sys.argv) > 3:
    for s in t["sections"]:
        if s["type"] == "masthead": s["right"] = sys.argv[3]
json.dump(t, open(p, "w"), ensure_ascii=False, indent=1)
PY
}
T=$work/d/templates/article-a4.json
narrow "$T" "{title}: what the closures of North Korea's embassies in Africa and Asia mean for its finances"
"$bp" render --template "$T" "$D/articles/nk-missions.json" --trace "$work/n.trace" -o "$work/n.pdf" \
  >"$work/render-n.log" 2>&1 || bad "narrow render: $(cat "$work/render-n.log")"
python3 - "$work/n.trace" <<'PY' || bad "narrow footer"
import re, sys
page, lines, right = 0, [], None
for line in open(sys.argv[1]):
    if line.startswith("page "): page += 1
    m = re.search(r'size=7.50 at=([0-9.]+),([0-9.]+) w=([0-9.]+) .*"(.*)"$', line)
    if page == 1 and m:
        x, y, w, text = float(m[1]), float(m[2]), float(m[3]), m[4]
        if re.fullmatch(r"1 / [0-9]+", text): right = (x, y)
        else: lines.append((x, y, w))
base = 841.89 - 40
print(f"footer: {len(lines)} lines, baselines {[round(l[1], 2) for l in lines]}, right side at {right}")
ok = len(lines) >= 2 and right and abs(max(l[1] for l in lines) - base) < 0.01 and abs(right[1] - base) < 0.01
ok = ok and all(l[0] + l[2] + 7.5 <= right[0] + 0.01 for l in lines)
sys.exit(0 if ok else 1)
PY
narrow "$T" "{title}" "$(printf 'x%.0s' {1..20})"
python3 - "$T" <<'PY'
import json, sys
t = json.load(open(sys.argv[1])); t["footer"]["right"] = "DPRK missions abroad, a report of the institute, page {page} of {pages}"
json.dump(t, open(sys.argv[1], "w"), ensure_ascii=False, indent=1)
PY
out=$("$bp" render --template "$T" "$D/articles/nk-missions.json" -o "$work/n2.pdf" 2>&1) &&
  bad "a footer's right side filling the measure rendered"
case "$out" in *"running footer's right side"*"leaves its left side no room"*) ;; *) bad "narrow footer message: $out" ;; esac
[ ! -e "$work/n2.pdf" ] || bad "a PDF was written for the failed narrow footer"
B=$work/d/templates/one-page-brief.json
narrow "$B" "{title}" "Institute for Far Eastern Studies, Kyungnam University, Seoul"
out=$("$bp" render --template "$B" "$D/briefs/nk-missions.json" -o "$work/n3.pdf" 2>&1) &&
  bad "a masthead whose right text fills the measure rendered"
case "$out" in *"masthead's right text"*"no room beside it"*) ;; *) bad "narrow masthead message: $out" ;; esac

# a style whose fonts fontconfig would replace is a warning of `check` at
# its key: a family without the face asked for, a stack without Hangul
fresh
T=$work/d/templates/article-a4.json
python3 - "$T" <<'PY'
import json, sys
p = sys.argv[1]; t = json.load(open(p))
t["styles"]["quote"]["family"] = "NanumMyeongjo, Noto Serif"  # italic, and no italic face
t["styles"]["caption"] = {"family": "Noto Serif", "size": 8}  # no Hangul
json.dump(t, open(p, "w"), ensure_ascii=False, indent=1)
PY
out=$("$bp" check --no-fonts --no-caret "$T" 2>&1) || bad "check failed on warnings: $out"
echo "$out" >"$work/check-fonts.out"
at=$(awk '/"quote"/ { q = 1 } q && /"italic"/ { print NR; exit }' "$T")
has "$work/check-fonts.out" "article-a4.json:$at:" "the line of the quote style's italic"
has "$work/check-fonts.out" "warning: style 'quote': NanumMyeongjo has no italic face" "no italic"
has "$work/check-fonts.out" "warning: style 'caption': no family of 'Noto Serif' has Hangul" "no Hangul"
has "$work/check-fonts.out" "1 template, 0 errors, 2 warnings" "summary"

[ $fail -eq 0 ] && echo "typography: ok"
exit $fail
