#!/usr/bin/env bash
# e2e: the templates the docs show still work. The walk-through's finished
# template (examples/templates/country-profile-ko.json, docs/templates.md
# "Make your own document kind") renders one-page Korean profiles with the
# texts the walk-through promises; every JSON example of docs/templates.md
# renders (check_doc_templates.py). Args: BRIEFPRESS BUILD_DIR.
set -euo pipefail
bp=$1 build=$2
work=$build/e2e-example-templates
rm -rf "$work" && mkdir -p "$work"
fail=0
no() { echo "FAIL: $*"; fail=1; }
t=examples/templates/country-profile-ko.json

for id in nepal bangladesh nicaragua; do
  "$bp" batch $t data/countries.csv -o "$work/ko" --only $id -q
  pages=$(pdfinfo "$work/ko/$id.pdf" | awk '/^Pages:/ {print $2}')
  [[ $pages == 1 ]] || no "$id: $pages pages, not 1"
  pdftotext -layout "$work/ko/$id.pdf" "$work/$id.txt"
done
have() { # file text...
  local f=$1
  shift
  for s in "$@"; do grep -qF -- "$s" "$work/$f.txt" || no "$f: no \"$s\" in the text"; done
}
have nepal "북한 재외공관" "국가 프로필 · NP" "네팔" "Nepal" "Kathmandu (Lalitpur)" "주요 사실" \
  "대사관" "폐쇄" "북한 재외공관 수" "출처:" "주" "네팔 · 북한 재외공관 국가 프로필"
have bangladesh "방글라데시" "2023년 11월 20일" # the closing date, in Korean
grep -qE "1 */ *1\s*$" "$work/nepal.txt" || no "nepal: no page number 1 / 1 in the footer"
# an empty city drops the subtitle and the 도시 row; no closing date, no 폐쇄일 row
have nicaragua "니카라과" "상주 공관 없음" "공관 없음"
for s in "도시" "폐쇄일"; do
  ! grep -qF "$s" "$work/nicaragua.txt" || no "nicaragua: \"$s\" printed for an empty field"
done
title=$(pdfinfo "$work/ko/nepal.pdf" | sed -n 's/^Title: *//p')
[[ $title == "네팔 (Nepal): 북한 재외공관 국가 프로필" ]] || no "nepal: PDF title '$title'"

python3 tests/e2e/check_doc_templates.py "$bp" "$work/doc" || fail=1
exit $fail
