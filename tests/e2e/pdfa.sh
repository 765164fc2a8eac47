#!/usr/bin/env bash
# e2e: PDF/A-1b and print. Renders what `make samples` renders (PDFs only:
# article, brief, Letter and Korean editions, the newsletter PDF, every
# country profile) and the e2e fixtures into BUILD/e2e-pdfa, then
# check_pdfa.py runs Apache PDFBox Preflight on every one of them and
# decodes their content streams; check_tags.py checks their structure
# (tagged PDF). Nothing here needs the network or out/.
# Args: BRIEFPRESS BUILD_DIR.
set -euo pipefail
bp=$1 build=$2
work=$build/e2e-pdfa
rm -rf "$work" && mkdir -p "$work/pdf"
pdf=$work/pdf
export SOURCE_DATE_EPOCH=1700000000

# the samples, as scripts/samples renders them
for a in data/articles/*.json; do
  "$bp" render "$a" -o "$pdf/$(basename "$a" .json)-article.pdf"
done
for b in data/briefs/*.json; do
  n=$(basename "$b" .json)
  "$bp" render "$b" -o "$pdf/$n-brief.pdf"
  "$bp" render "$b" -o "$pdf/$n-brief-letter.pdf" --template templates/one-page-brief-letter.json
  if grep -q '"title_ko"' "$b"; then
    "$bp" render "$b" -o "$pdf/$n-brief-ko.pdf" --template templates/one-page-brief-ko.json
  fi
done
"$bp" newsletter data/briefs/nk-missions.json -o "$work/newsletter" --from a@example.org \
  --to b@example.org >/dev/null
for f in "$work"/newsletter/*.pdf; do cp "$f" "$pdf/newsletter-$(basename "$f")"; done
"$bp" batch templates/country-profile.json data/countries.csv -o "$work/profiles" -q -j 2
for f in "$work"/profiles/*.pdf; do cp "$f" "$pdf/profile-$(basename "$f")"; done
# make samples runs without SOURCE_DATE_EPOCH: no dates at all
env -u SOURCE_DATE_EPOCH "$bp" render data/briefs/nk-missions.json -o "$pdf/undated-brief.pdf"

# the e2e fixtures: other layouts, logos (PNG with alpha, SVG), Korean and
# hostile titles, metadata XML must escape (&, <, ", Korean), bleed
"$bp" render tests/fixtures/sample/briefs/body-columns.json -o "$pdf/fixture-body-columns.pdf"
"$bp" render tests/fixtures/sample/briefs/chart-source-only.json -o "$pdf/fixture-chart-source-only.pdf"
for k in png svg; do
  "$bp" render data/briefs/nk-missions.json -o "$pdf/fixture-logo-$k.pdf" \
    --template tests/fixtures/briefs/logo-$k-template.json
done
"$bp" render tests/fixtures/sample/briefs/korean-title.json -o "$pdf/fixture-korean-title.pdf"
"$bp" render tests/fixtures/sample/briefs/xml-title.json -o "$pdf/fixture-xml-title.pdf"
# a title NanumGothicBold draws with glyphs it shares (U+00A0 with the space,
# U+2015 with U+2014): that font's extra codes and CIDToGIDMap stream
"$bp" render tests/fixtures/sample/briefs/shared-glyphs.json -o "$pdf/fixture-shared-glyphs.pdf"
# 3 mm bleed: a larger MediaBox, TrimBox and BleedBox, the page moved in (bleed.sh)
"$bp" render data/briefs/nk-missions.json -o "$pdf/fixture-bleed.pdf" \
  --template tests/fixtures/bleed/bleed-3mm-template.json
"$bp" batch templates/country-profile.json tests/fixtures/batch/hostile.csv --data data \
  -o "$work/hostile" --name "{name_en}" -q -j 2 || true # some rows fail on purpose
for f in "$work"/hostile/*.pdf; do cp "$f" "$pdf/hostile-$(basename "$f")"; done

# deterministic: the content-based /ID keeps two runs byte-identical
"$bp" render data/briefs/nk-missions.json -o "$work/again-brief.pdf"
cmp "$pdf/nk-missions-brief.pdf" "$work/again-brief.pdf"

# --no-pdfa: a plain PDF (Preflight must reject it: the check can fail)
mkdir -p "$work/plain"
"$bp" render data/briefs/nk-missions.json -o "$work/plain/plain-brief.pdf" --no-pdfa

# the batch fingerprint holds the output options: --no-pdfa renders again,
# and a second run with the same options renders nothing (small.csv's third
# record fails on purpose, so each run exits 1; the summaries are checked)
for i in 1 2 3; do
  opt=(); [[ $i == 1 ]] || opt=(--no-pdfa)
  "$bp" batch templates/country-profile.json tests/fixtures/batch/small.csv --data data \
    -o "$work/fp" -q "${opt[@]}" 2> "$work/fp$i.err" || true
done

python3 tests/e2e/check_pdfa.py "$work"
# tagged PDF: the structure checker on every PDF but the plain one
exec python3 tests/e2e/check_tags.py "$pdf"/*.pdf
