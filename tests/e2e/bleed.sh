#!/usr/bin/env bash
# e2e: print boxes and bleed (docs/print.md). The sample brief in a template
# with `page.bleed` 3 mm and its summary panel as a page-wide band, against
# the same template without bleed: check_bleed.py checks the boxes, the text,
# links, destinations and Figure boxes relative to the TrimBox, the band in
# the bleed and nothing else, the PNG preview and the trace. The same output
# twice; the out-of-range and mistyped key refused at file:line:col by render
# and check alike. pdfa.sh runs Preflight and the structure checker on it.
# Args: BRIEFPRESS BUILD_DIR.
set -u
bp=$1 build=$2
work=$build/e2e-bleed
rm -rf "$work" && mkdir -p "$work"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
. tests/e2e/lib/errors.bash
export SOURCE_DATE_EPOCH=1700000000
brief=data/briefs/nk-missions.json

for n in bleed none; do
  t=tests/fixtures/bleed/$([[ $n == bleed ]] && echo bleed-3mm || echo bleed-none)-template.json
  "$bp" render $brief --template "$t" -o "$work/$n.pdf" --png "$work/$n-png" --dpi 72 \
    --trace "$work/$n.trace" || bad "render with $t"
done
"$bp" render $brief --template tests/fixtures/bleed/bleed-3mm-template.json -o "$work/again.pdf" ||
  bad "render again"
cmp "$work/bleed.pdf" "$work/again.pdf" || bad "two renders with bleed differ"
qpdf --check "$work/bleed.pdf" > /dev/null || bad "qpdf --check"
python3 tests/e2e/check_bleed.py "$work" 3 || fail=1

# the key refused where it is wrong, by render and check alike
rm -rf "$work/d" && mkdir -p "$work/d" && cp -r data templates "$work/d/"
D=$work/d/data T=$work/d/templates/one-page-brief.json
for v in 25 -1 '"3mm"'; do
  sed "s/\"column_gap\": 16/\"column_gap\": 16, \"bleed\": $v/" templates/one-page-brief.json > "$T"
  want="'bleed' is in millimetres, from 0 to 20 (3 is usual; is $v)"
  [[ $v == '"3mm"' ]] && want="'bleed' must be a number"
  run "bleed $v" 1 "one-page-brief.json:7:32: $want" "$bp" render "$D/briefs/nk-missions.json" \
    -o "$work/x.pdf"
  same_as_check "bleed $v" "$D"
done
[[ ! -e $work/x.pdf ]] || bad "a refused template wrote a PDF"
sed 's/"type": "summary", /"type": "summary", "band": "yes", /' templates/one-page-brief.json > "$T"
msg='one-page-brief.json:33:33: "band" must be true or false'
run "band yes" 1 "$msg" "$bp" render "$D/briefs/nk-missions.json" -o "$work/x.pdf"
# (a section's keys are the composer's: check composes, so not --no-fonts)
chk=$("$bp" check --no-caret "$D" 2>&1)
[[ $chk == *"one-page-brief.json:33:33: error: \"band\" must be true or false"* ]] ||
  bad "band yes: check does not report it: $chk"

[[ $fail == 0 ]] || exit 1
echo "bleed: all checks passed"
