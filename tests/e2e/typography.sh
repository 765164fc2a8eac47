#!/usr/bin/env bash
# typography.sh - hostile texts, end to end (issue 12): decomposed (NFD)
# Vietnamese comes out of the PDF as the composed words, straight quotes,
# -- and ... are set typographic (not inside URLs), and a template style
# with "smart_punctuation": false keeps them as written.
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
has "$work/a1.txt" "$(printf 'Nguy\xe1\xbb\x85n Ph\xc3\xba Tr\xe1\xbb\x8dng')" "NFD name"
hasnt "$work/a1.txt" "$(printf '\xcc\x82')" "combining circumflex"
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

[ $fail -eq 0 ] && echo "typography: ok"
exit $fail
