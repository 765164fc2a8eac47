#!/usr/bin/env bash
# e2e: the structure checker (check_tags.py) can fail. A brief with a chart
# and the article (hyphenated words) pass; copies made bad by hand (qpdf
# --qdf, an edit, fix-qdf) fail with the problem named: a Figure without
# /Alt, content outside any structure element, a heading that skips a
# level, a link no Link element holds, a hyphenated word's ActualText that
# is not the word, or that covers its head alone, XMP without pdfuaid, a
# table row that lost a cell, a table without header cells.
# pdfa.sh runs the checker on every sample. Args: BRIEFPRESS BUILD_DIR.
set -euo pipefail
bp=$1 build=$2
work=$build/e2e-tags
rm -rf "$work" && mkdir -p "$work"
"$bp" render data/briefs/nk-missions.json -o "$work/good.pdf"
"$bp" render data/articles/nk-missions.json -o "$work/article.pdf"
"$bp" render data/articles/crypto-estimates.json -o "$work/table.pdf"
python3 tests/e2e/check_tags.py "$work/good.pdf" "$work/article.pdf" "$work/table.pdf"
qpdf --qdf --object-streams=disable "$work/table.pdf" "$work/table-qdf.pdf"
qpdf --qdf --object-streams=disable "$work/good.pdf" "$work/good-qdf.pdf"
qpdf --qdf --object-streams=disable "$work/article.pdf" "$work/article-qdf.pdf"
pdfinfo "$work/good.pdf" | grep -q '^Tagged: *yes'

# hyphenated words come back whole from poppler, which honours ActualText
# (pdftotext -raw keeps the lines as drawn: "Demo-" / "cratic" without it)
pdftotext -raw "$work/article.pdf" "$work/article.txt"
grep -q 'withdrawing from the Democratic$' "$work/article.txt" || {
  echo "tags: pdftotext does not read the hyphenated \"Democratic\" whole" >&2
  exit 1
}

# bad NAME PYTHON-EDIT EXPECTED: the edit (on bytes `d`) must make the
# checker fail saying EXPECTED
bad() {
  local name=$1 edit=$2 want=$3 from=${4:-good}
  python3 - "$work/$from-qdf.pdf" "$work/$name-qdf.pdf" "$edit" <<'PY'
import re, sys
d = open(sys.argv[1], "rb").read()
e = d
exec(sys.argv[3])
assert e != d, "the edit changed nothing"
open(sys.argv[2], "wb").write(e)
PY
  fix-qdf "$work/$name-qdf.pdf" > "$work/$name.pdf"
  if python3 tests/e2e/check_tags.py "$work/$name.pdf" > "$work/$name.out" 2>&1; then
    echo "tags: the checker passed $name.pdf" >&2
    exit 1
  fi
  grep -q -- "$want" "$work/$name.out" || {
    echo "tags: $name.pdf: expected \"$want\", got:" >&2
    cat "$work/$name.out" >&2
    exit 1
  }
}
# a Figure's /Alt emptied
bad no-alt 'i = d.index(b"/S /Figure"); j = d.rindex(b" obj", 0, i)
e = d[:j] + re.sub(rb"/Alt <[0-9A-Fa-f]+>", b"/Alt <>", d[j:i], count=1) + d[i:]' \
  "a Figure .* has no /Alt"
# the first paragraph's marked content removed: its text is untagged
bad untagged 'e = d.replace(b"/P <</MCID 1>> BDC", b"", 1)' \
  "outside any structure element or artifact"
# the first H2 made an H3: H1 then H3
bad skip 'e = d.replace(b"/S /H2", b"/S /H3", 1)' "skips a level"
# a Link element's OBJR dropped
bad link 'e = re.sub(rb"<<\s*/Obj \d+ 0 R\s*/Type /OBJR\s*>>", b"", d, count=1)' \
  "referenced by no Link element"
# a hyphenated word's ActualText that is not the word
bad actual 'e = d.replace(b"/ActualText (Democratic)", b"/ActualText (Democrat)", 1)' \
  "is not its hyphenated word" article
# the word's Span holding its head alone (the tail's MCID dropped from it)
bad head-only 'e = re.sub(rb"(/ActualText \(Democratic\)\s*/K \[\s*\d+)\s+\d+", rb"\1", d, count=1)' \
  "holds only the head" article
# no pdfuaid in the XMP (the same length: the stream's /Length holds)
bad no-ua 'e = d.replace(b"<pdfuaid:part>1</pdfuaid:part>", b"<pdfuaid:part>0</pdfuaid:part>", 1)' \
  "no pdfuaid:part 1"
# a table row without its first cell
bad row 'i = d.index(b"/S /TR"); j = d.rindex(b"/K [", 0, i)
e = d[:j] + re.sub(rb"\[\s*\d+ 0 R", b"[", d[j:i], count=1) + d[i:]' \
  "cells, not one number" table
# the header cells made data cells
bad no-th 'e = d.replace(b"/S /TH", b"/S /TD")' "no header row" table
# the note markers' Reference elements made Spans: a Link to a note outside
# a Reference
bad no-reference 'e = d.replace(b"/S /Reference", b"/S /Span")' \
  "goes to note-[0-9]*, and its Link is in a Span, not a Reference"
echo "tags: the checker caught all 10 crafted files"
