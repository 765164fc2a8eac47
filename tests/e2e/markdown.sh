#!/usr/bin/env bash
# markdown.sh - Markdown as a user writes it, end to end: a pipe table
# renders as a table (its header, its cells, numbers), footnotes become
# endnotes numbered with the citations, each marker a link to its note; a
# long table repeats its header on the next page; a brief's summary and
# body from Markdown files; front matter with an unknown key and raw HTML
# fail with file:line:col, and `check` reports what `render` does.
# Usage: markdown.sh <briefpress> <build-dir>   (cwd: source root)
set -u
bp=$1 build=$2
export LSAN_OPTIONS="suppressions=$PWD/tests/fixtures/lsan-third-party.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
work=$build/e2e-markdown
rm -rf "$work" && mkdir -p "$work"
F=tests/fixtures/markdown
fail=0
bad() { echo "FAIL: $*"; fail=1; }
has() { case "$2" in *"$3"*) ;; *) bad "$1: lacks '$3'" ;; esac; }

. tests/e2e/lib/errors.bash

# a pipe table, footnotes and citations
run good-check 0 "$F/good: 0 errors, 0 warnings" "$bp" check --no-caret "$F/good"
run good-render 0 "" "$bp" render "$F/good/articles/gfm.json" -o "$work/gfm.pdf"
qpdf --check "$work/gfm.pdf" >/dev/null || bad "qpdf --check gfm.pdf"
text=$(pdftotext -layout "$work/gfm.pdf" - 2>&1)
has text "$text" "Tables and footnotes in Markdown"         # the front matter's title
has text "$text" "Briefpress tests · April 2024"            # its author and date
has text "$text" "What the source says"                     # the table's header
printf '%s\n' "$text" | grep -Eq '^ *2022 +1,650 +The largest single theft' ||
  bad "text: no row '2022 1,650 The largest single theft'"
printf '%s\n' "$text" | grep -Eq '^ *Endnotes$' || bad "text: no Endnotes heading"
# numbered in order of first reference, footnotes and citations together
printf '%s\n' "$text" | grep -Eq '^ *1\. +Kim, S\. \(2023' || bad "text: endnote 1 is not Kim (2023)"
printf '%s\n' "$text" | grep -Eq '^ *2\. +Hard currency for the regime' || bad "text: endnote 2 is not the first footnote"
printf '%s\n' "$text" | grep -Eq '^ *3\. +Estimates are rounded' || bad "text: endnote 3 is not the second footnote"
printf '%s\n' "$text" | grep -Eq '^ *4\. +Lee, H\. \(2024' || bad "text: endnote 4 is not Lee (2024)"
has text "$text" "keep.1,2"
[ "$(printf '%s\n' "$text" | grep -c '^ *[0-9]\. ')" -eq 4 ] || bad "text: not 4 endnotes"
# each footnote marker links to its note (text, then table cell)
python3 tests/e2e/check_markdown.py "$work/gfm.pdf" keep. Hard shows. Estimates sums Estimates ||
  bad "footnote links"

# a table longer than a page continues under its repeated header
mkdir -p "$work/long/articles"
{
  printf -- '---\ntitle: A long table\n---\n\n| Year | Count | Remark |\n|---|---:|---|\n'
  for i in $(seq 1 90); do printf '| %d | %d | row %d of the long table |\n' $((1900 + i)) $((i * 37)) "$i"; done
} >"$work/long/articles/long.md"
echo '{"body": "long.md"}' >"$work/long/articles/long.json"
run long-render 0 "" "$bp" render "$work/long/articles/long.json" -o "$work/long.pdf"
p2=$(pdftotext -f 2 -l 2 -layout "$work/long.pdf" - 2>&1)
printf '%s\n' "$p2" | grep -Eq '^ *Year +Count +Remark' || bad "long: no header on page 2: $p2"
has long "$(pdftotext -layout "$work/long.pdf" - 2>&1)" "row 90 of the long table"

# a brief whose summary and body are Markdown files
run brief-render 0 "" "$bp" render "$F/brief/briefs/md.json" -o "$work/brief.pdf"
text=$(pdftotext -layout "$work/brief.pdf" - 2>&1)
has brief "$text" "pay their own way;1"                     # the summary, its citation
printf '%s\n' "$text" | grep -Eq '^ *2021 +400 +Lee3$' || bad "brief: no table row '2021 400 Lee3'"
printf '%s\n' "$text" | grep -Eq '^ *2 +Some count the funds when stolen' || bad "brief: footnote not endnote 2"
python3 tests/e2e/check_markdown.py "$work/brief.pdf" differently. Some || bad "brief footnote link"
rm -rf "$work/bb" && cp -r "$F/brief" "$work/bb"
printf '\nSee <img src="x.png">.\n' >>"$work/bb/briefs/md-body.md"
run brief-html 1 "md-body.md:15:5: raw HTML is not supported: <img" \
  "$bp" render "$work/bb/briefs/md.json" -o "$work/x.pdf"
same_as_check brief-html "$work/bb"

# front matter with an unknown key: file:line:col, in render and check
run front-matter 1 "$F/front-matter/articles/a.md:3:1: unknown front matter key \"colour\"" \
  "$bp" render "$F/front-matter/articles/a.json" -o "$work/x.pdf"
same_as_check front-matter "$F/front-matter"
# raw HTML: never printed, an error at its place
run raw-html 1 "$F/raw-html/articles/a.md:5:11: raw HTML is not supported: <span style=\"color: red\">" \
  "$bp" render "$F/raw-html/articles/a.json" -o "$work/x.pdf"
same_as_check raw-html "$F/raw-html"
run raw-html-preview 1 "a.md:5:11: raw HTML" "$bp" preview "$F/raw-html/articles/a.json" -o "$work/png"
[ -e "$work/x.pdf" ] && bad "a failed render wrote its PDF"

[ $fail -eq 0 ] && echo "markdown: ok"
exit $fail
