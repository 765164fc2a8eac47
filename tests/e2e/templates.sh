#!/usr/bin/env bash
# e2e: templates are data. The Korean edition of the sample brief comes from
# templates/one-page-brief-ko.json alone (Korean labels, dates and texts);
# the palette's accent recolours every accent element; schema errors
# (unknown font family, max_pages on a brief) name file:line:col; a brief
# whose chart cites a source no finding cites renders and checks alike; and
# whole-document trace goldens (tests/golden/documents/, BP_UPDATE_GOLDEN=1
# rewrites them) show any layout change as a diff.
# Args: BRIEFPRESS BUILD_DIR.
set -euo pipefail
bp=$1 build=$2
work=$build/e2e-templates
rm -rf "$work" && mkdir -p "$work"
fail=0
brief=data/briefs/nk-missions.json

# the Korean edition
"$bp" render $brief -o "$work/ko.pdf" --template templates/one-page-brief-ko.json
pdftotext -layout "$work/ko.pdf" "$work/ko.txt"
[[ $(pdfinfo "$work/ko.pdf" | awk '/^Pages:/ {print $2}') == 1 ]] || { echo "FAIL: ko pages"; fail=1; }
for want in 요약 '주요 내용' '2024년 4월' '출처:' '제2024-03호' '북한은 왜 재외공관을 닫는가' \
    '암호화폐 16억 5천만 달러를 탈취했다' '거부권을 행사했다'; do
  grep -q "$want" "$work/ko.txt" || { echo "FAIL: Korean brief lacks '$want'"; fail=1; }
done
for bad in SUMMARY 'Key findings' 'Source:' 'April 2024'; do
  ! grep -q "$bad" "$work/ko.txt" || { echo "FAIL: Korean brief still says '$bad'"; fail=1; }
done

# one palette change recolours every accent element (and series1 the data)
"$bp" render $brief -o "$work/a.pdf" --trace "$work/a.trace"
sed 's/"accent": "#1f4e79"/"accent": "#aa0000"/; s/"series1": "#0072b2"/"series1": "#00aa00"/' \
  templates/one-page-brief.json > "$work/red.json"
"$bp" render $brief -o "$work/r.pdf" --template "$work/red.json" --trace "$work/r.trace"
n_old=$(grep -c '#1f4e79' "$work/a.trace" || true)
n_new=$(grep -c '#aa0000' "$work/r.trace" || true)
[[ $n_old -ge 10 && $n_new == "$n_old" ]] || { echo "FAIL: accent $n_old -> $n_new"; fail=1; }
! grep -q '#1f4e79' "$work/r.trace" || { echo "FAIL: old accent left"; fail=1; }
[[ $(grep -c '#0072b2' "$work/a.trace") == $(grep -c '#00aa00' "$work/r.trace") ]] ||
  { echo "FAIL: series1"; fail=1; }

# the article through its template: --template is honoured, not ignored
"$bp" render data/articles/nk-missions.json -o "$work/art.pdf" --trace "$work/art.trace"
sed 's/"accent": "#004d8c"/"accent": "#aa0000"/' templates/article-a4.json > "$work/art-red.json"
"$bp" render data/articles/nk-missions.json -o "$work/art-red.pdf" --template "$work/art-red.json" \
  --trace "$work/art-red.trace"
n_old=$(grep -c '#004d8c' "$work/art.trace" || true)
n_new=$(grep -c '#aa0000' "$work/art-red.trace" || true)
[[ $n_old -ge 10 && $n_new == "$n_old" ]] || { echo "FAIL: article accent $n_old -> $n_new"; fail=1; }
printf '{"sections": [{"type": "title"}, {"type": "summary"}]}' > "$work/art-bad.json"
set +e
"$bp" render data/articles/nk-missions.json -o "$work/art-bad.pdf" --template "$work/art-bad.json" 2> "$work/art-bad.err"
rc=$?
set -e
[[ $rc == 1 ]] && grep -q 'art-bad.json:1:34: "{summary}": an article has no field "summary"' "$work/art-bad.err" ||
  { echo "FAIL: article template sections: $(cat "$work/art-bad.err")"; fail=1; }

# schema errors at file:line:col, from render and from check alike
sed 's/"title":          {"family": "Noto Sans, NanumGothic"/"title":          {"family": "Noto Sans, Helvetica"/' \
  templates/one-page-brief.json > "$work/font.json"
set +e
"$bp" render $brief -o "$work/font.pdf" --template "$work/font.json" 2> "$work/font.err"
rc=$?
set -e
[[ $rc == 1 && ! -e "$work/font.pdf" ]] || { echo "FAIL: unknown font: exit $rc"; fail=1; }
grep -q "font.json:15:[0-9]*: unknown font family 'Helvetica'" "$work/font.err" ||
  { echo "FAIL: unknown font message: $(cat "$work/font.err")"; fail=1; }
# max_pages 2: the brief that overflows one page takes two, every text on
# its page; three pages' worth fails with the overflow report, writing nothing
sed 's/"max_pages": 1/"max_pages": 2/' tests/fixtures/sample/briefs/overflow-template.json > "$work/two.json"
"$bp" render tests/fixtures/sample/briefs/overflow.json -o "$work/two.pdf" --template "$work/two.json"
[[ $(pdfinfo "$work/two.pdf" | awk '/^Pages:/ {print $2}') == 2 ]] ||
  { echo "FAIL: max_pages 2 brief: $(pdfinfo "$work/two.pdf" | grep Pages)"; fail=1; }
cp -r tests/fixtures/sample "$work/sample"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
b = json.load(open("tests/fixtures/sample/briefs/overflow.json"))
b["body"] = b["body"] * 4
json.dump(b, open(w + "/sample/briefs/three-pages.json", "w"))
PY
set +e
"$bp" render "$work/sample/briefs/three-pages.json" -o "$work/three.pdf" --template "$work/two.json" 2> "$work/three.err"
rc=$?
set -e
[[ $rc == 1 && ! -e "$work/three.pdf" ]] || { echo "FAIL: three pages in max_pages 2: exit $rc"; fail=1; }
grep -q 'three-pages.json: the brief takes [3-9] pages; the template .*two.json allows 2 .*the largest sections: body' "$work/three.err" ||
  { echo "FAIL: max_pages message: $(cat "$work/three.err")"; fail=1; }

# a source only a chart cites: the note links back to the chart; render and check agree
mkdir -p "$work/cso/briefs"
cp -r data/citations data/claims data/series data/records data/countries.csv "$work/cso/"
python3 - "$work/cso/briefs/cso.json" <<'PY'
import json, sys
b = json.load(open("tests/fixtures/sample/briefs/chart-source-only.json"))
b["template"] = "../../../../../templates/one-page-brief.json"
b["data"] = ".."
json.dump(b, open(sys.argv[1], "w"), ensure_ascii=False)
PY
sed -i "s|../../../../../templates|$PWD/templates|" "$work/cso/briefs/cso.json"
"$bp" render "$work/cso/briefs/cso.json" -o "$work/cso.pdf" || { echo "FAIL: chart-source brief render"; fail=1; }
"$bp" check "$work/cso" > "$work/cso.check" 2>&1 || { echo "FAIL: chart-source brief check"; cat "$work/cso.check"; fail=1; }
qpdf --check "$work/cso.pdf" > /dev/null || { echo "FAIL: qpdf"; fail=1; }

# "columns": 2 sets a brief's body in two balanced columns
"$bp" render tests/fixtures/sample/briefs/body-columns.json -o "$work/cols.pdf" --trace "$work/cols.trace"
# (the apostrophe is typographic, three bytes: '.' would not match it in the
# C locale a fresh Debian's root shell has; a missing line is a FAIL below)
x1=$(grep -m1 '"North Korea[^ ]*s missions abroad were' "$work/cols.trace" | sed 's/.* at=\([0-9.]*\),.*/\1/' || true)
x2=$(grep -m1 '"The pandemic then cut' "$work/cols.trace" | sed 's/.* at=\([0-9.]*\),.*/\1/' || true)
python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(0 if a < 60 and b > 290 else 1)" "${x1:-nan}" "${x2:-nan}" 2>/dev/null ||
  { echo "FAIL: body columns at x $x1 and $x2"; fail=1; }

# a logo from the template: PNG as an image, SVG as vector paths (no image)
for k in png svg; do
  "$bp" render $brief -o "$work/logo-$k.pdf" --template tests/fixtures/briefs/logo-$k-template.json \
    --trace "$work/logo-$k.trace"
  n=$(pdfimages -list "$work/logo-$k.pdf" | tail -n +3 | wc -l)
  if [[ $k == png ]]; then
    [[ $n -ge 1 ]] && grep -q '^  image raster=0 at=459.28,40.00 w=90.00 h=30.00' "$work/logo-$k.trace" ||
      { echo "FAIL: PNG logo: $n images"; fail=1; }
  else
    [[ $n == 0 ]] && grep -q 'path fill=#0b3d91' "$work/logo-$k.trace" ||
      { echo "FAIL: SVG logo: $n images, or no paths"; fail=1; }
  fi
done
sed "s|../images/logo.png|$PWD/tests/fixtures/images/no-such-logo.png|" \
  tests/fixtures/briefs/logo-png-template.json > "$work/missing-logo.json"
set +e
"$bp" render $brief -o "$work/nologo.pdf" --template "$work/missing-logo.json" 2> "$work/nologo.err"
rc=$?
set -e
[[ $rc == 1 ]] && grep -q 'missing-logo.json:30:[0-9]*: .*no-such-logo.png' "$work/nologo.err" ||
  { echo "FAIL: missing logo: $(cat "$work/nologo.err")"; fail=1; }

# every sample profile on one page: the endnotes stay with the text
# ("keep_with_text"), the body styles shrinking within the template's fit
"$bp" batch templates/country-profile.json data/countries.csv -o "$work/profiles" > /dev/null 2>&1 ||
  { echo "FAIL: batch"; fail=1; }
n=0
for f in "$work"/profiles/*.pdf; do
  n=$((n + 1))
  [[ $(pdfinfo "$f" | awk '/^Pages:/ {print $2}') == 1 ]] || { echo "FAIL: $f is not one page"; fail=1; }
done
[[ $n == 15 ]] || { echo "FAIL: $n profiles, want 15"; fail=1; }

# no text outside its page, in any of these documents
for f in "$work"/ko.pdf "$work"/a.pdf "$work"/cso.pdf "$work"/two.pdf "$work"/profiles/*.pdf; do
  python3 - "$f" <<'PY' || fail=1
import re, subprocess, sys
html = subprocess.run(["pdftotext", "-bbox", sys.argv[1], "-"], capture_output=True, text=True).stdout
for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
    w, h = float(page.group(1)), float(page.group(2))
    for m in re.finditer(r'xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)', page.group(3)):
        x0, y0, x1, y1 = map(float, m.groups()[:4])
        if x0 < 0 or y0 < 0 or x1 > w + 0.5 or y1 > h + 0.5:
            sys.exit(f"FAIL: {sys.argv[1]}: '{m.group(5)}' outside the page")
PY
done

# whole-document goldens: each shipped brief template on the sample brief,
# the article templates on the sample articles
for t in one-page-brief one-page-brief-letter one-page-brief-ko article-a4 article-a4-annex; do
  in=$brief
  [[ $t == article-a4 ]] && in=data/articles/nk-missions.json
  [[ $t == article-a4-annex ]] && in=data/articles/crypto-estimates.json
  "$bp" render $in -o "$work/$t.pdf" --template templates/$t.json --trace "$work/$t.trace"
  golden=tests/golden/documents/$(basename "$in" .json).$t.trace
  if [[ ${BP_UPDATE_GOLDEN:-} == 1 ]]; then
    mkdir -p tests/golden/documents && cp "$work/$t.trace" "$golden"
  elif ! diff -u "$golden" "$work/$t.trace" > "$work/$t.diff"; then
    echo "FAIL: $t differs from $golden:"; head -40 "$work/$t.diff"; fail=1
  fi
done
# what the engine refuses, each at its place, writing nothing: a charts
# section for an article whose manifest names no data, a brief that cites
# sources without an endnotes section, a key a kind does not take
refused() { # name expected-message input template
  set +e
  "$bp" render "$3" -o "$work/$1.pdf" --template "$4" 2> "$work/$1.err"
  local rc=$?
  set -e
  [[ $rc == 1 && ! -e "$work/$1.pdf" ]] && grep -q "$2" "$work/$1.err" ||
    { echo "FAIL: $1: exit $rc: $(cat "$work/$1.err")"; fail=1; }
}
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
a = json.load(open("templates/article-a4.json"))
a["sections"].insert(2, {"type": "charts", "charts": [{"kind": "line", "series": "mission_counts"}]})
json.dump(a, open(w + "/art-charts.json", "w"))
m = json.load(open("data/articles/nk-missions.json"))
for k in ("charts", "data", "template", "date"):
    m.pop(k, None)
m["body"], m["bibliography"] = "nodata.md", "../citations/nk-missions.json"
json.dump(m, open(w + "/sample/articles/nodata.json", "w"))
open(w + "/sample/articles/nodata.md", "w").write(
    "# Missions\n\nNorth Korea closed missions in 2023 [@mbc_20231205].\n")
b = json.load(open("templates/one-page-brief.json"))
b["sections"] = [s for s in b["sections"] if s["type"] != "endnotes"]
json.dump(b, open(w + "/no-notes.json", "w"))
b = json.load(open("templates/one-page-brief.json"))
b["sections"][0]["columns"] = 2
json.dump(b, open(w + "/mast-cols.json", "w"))
b = json.load(open("templates/one-page-brief.json"))
b["sections"].append({"type": "header", "left": "{series} {page}/{pages}", "right": "{nosuch}"})
json.dump(b, open(w + "/bad-header.json", "w"))
b["sections"][-1]["right"] = "{date}"
json.dump(b, open(w + "/header.json", "w"))
PY
refused art-charts 'art-charts.json:[0-9]*:[0-9]*: a charts section draws from a data folder' \
  "$work/sample/articles/nodata.json" "$work/art-charts.json"
refused no-notes 'no "endnotes" section for their notes' $brief "$work/no-notes.json"
refused mast-cols 'unknown key "columns" in a masthead section' $brief "$work/mast-cols.json"
refused bad-header '"{nosuch}": a brief has no field "nosuch"' $brief "$work/bad-header.json"
# a header given as a section, with {page} and {pages}
"$bp" render $brief -o "$work/header.pdf" --template "$work/header.json"
pdftotext "$work/header.pdf" "$work/header.txt"
grep -q "North Korean Review Brief 1/1" "$work/header.txt" ||
  { echo "FAIL: header section: $(pdftotext "$work/header.pdf" - | head -3)"; fail=1; }
# an article without a date keeps its author in the byline
"$bp" render "$work/sample/articles/nodata.json" -o "$work/nodate.pdf"
pdftotext -l 1 "$work/nodate.pdf" "$work/nodate.txt"
grep -q "^Alfred Han (NKR Intern)$" "$work/nodate.txt" ||
  { echo "FAIL: byline without a date"; fail=1; }
# check over templates: every shipped one is clean; a bad one is reported at
# its place, as render would refuse it
"$bp" check templates > "$work/check-tpl.out" || { echo "FAIL: check templates: $(cat "$work/check-tpl.out")"; fail=1; }
grep -q '^templates: 6 templates, 0 errors, 0 warnings$' "$work/check-tpl.out" ||
  { echo "FAIL: check templates summary: $(tail -1 "$work/check-tpl.out")"; fail=1; }
set +e
"$bp" check "$work/mast-cols.json" > "$work/check-bad.out"
rc=$?
set -e
[[ $rc == 1 ]] && grep -q 'mast-cols.json:[0-9]*:[0-9]*: error: unknown key "columns" in a masthead section' "$work/check-bad.out" ||
  { echo "FAIL: check a bad template: exit $rc: $(cat "$work/check-bad.out")"; fail=1; }
# a facts table (the data note's annex): its header and cells come back as
# text, and the header again at the top of the page the table continues on
"$bp" render data/articles/crypto-estimates.json -o "$work/annex.pdf"
pdftotext -layout "$work/annex.pdf" "$work/annex.txt"
pdftotext -layout -f 2 -l 2 "$work/annex.pdf" "$work/annex2.txt"
grep -Eq '^ *Year +US\$ million +Incidents +What the source says$' "$work/annex.txt" &&
  grep -Eq '^ *2023 +660\.5[0-9]+ +20 +Chainalysis revised figure in Dec 2024 report' "$work/annex.txt" &&
  head -1 "$work/annex2.txt" | grep -Eq '^ *Year +US\$ million +Incidents +What the source says$' ||
  { echo "FAIL: the annex table: $(grep -n -A3 Year "$work/annex.txt" | head -12)"; fail=1; }
# a column too narrow for a word is an error at the column in the template,
# naming its widest word (the header's or a cell's)
sed 's/"label": "Year", "width": 44/"label": "Year", "width": 14/' templates/article-a4-annex.json > "$work/narrow.json"
refused narrow 'narrow.json:36:8: the table.s column "Year" is too narrow: "2021" is 19.4 pt wide' \
  data/articles/crypto-estimates.json "$work/narrow.json"
# check and render refuse a column the records lack at the same place
cp -r data "$work/annexdata" && cp -r templates "$work/templates"
sed 's/"field": "usd_millions"/"field": "usd"/' templates/article-a4-annex.json > "$work/bad-annex.json"
sed 's#../../templates/article-a4-annex.json#../../bad-annex.json#' data/articles/crypto-estimates.json \
  > "$work/annexdata/articles/crypto-estimates.json"
want='the records [^ ]*crypto_theft_estimates.csv need a "field" column that exists'
set +e
"$bp" check "$work/annexdata" > "$work/annex-check.out" 2>&1
rc=$?
set -e
[[ $rc == 1 ]] && grep -q "bad-annex.json:37:18: error: $want" "$work/annex-check.out" ||
  { echo "FAIL: check a bad table column: exit $rc: $(grep -m3 error "$work/annex-check.out")"; fail=1; }
refused annex-render "bad-annex.json:37:18: $want" "$work/annexdata/articles/crypto-estimates.json" "$work/bad-annex.json"
# a source cited by one of its aliases keeps the one note of its work
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
b = json.load(open("tests/fixtures/sample/briefs/chart-source-only.json"))
b["summary"] = (b.get("summary") or "A summary.") + " Cited by its alias [@um2023mbc] and its id [@mbc_20231205]."
json.dump(b, open(w + "/sample/briefs/alias.json", "w"))
PY
"$bp" render "$work/sample/briefs/alias.json" -o "$work/alias.pdf" --trace "$work/alias.trace"
n_alias=$(grep -c 'dest note-' "$work/alias.trace" || true)
"$bp" render "$work/sample/briefs/chart-source-only.json" -o "$work/noalias.pdf" --trace "$work/noalias.trace"
n_plain=$(grep -c 'dest note-' "$work/noalias.trace" || true)
# (the fixture cites mbc_20231205 already: no new note)
[[ $n_plain -gt 0 && $n_alias == "$n_plain" ]] ||
  { echo "FAIL: citing a work by its alias gave $n_alias notes, not $n_plain"; fail=1; }
exit $fail
