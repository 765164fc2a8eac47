#!/usr/bin/env bash
# markdown.sh - Markdown as a user writes it, end to end: a pipe table
# renders as a table (its header, its cells, numbers), footnotes become
# endnotes numbered with the citations, each marker a link to its note; a
# long table repeats its header on the next page; a short column keeps its
# longest word beside a long text; a brief's summary,
# findings and body from Markdown files (findings: each list item, cited); front matter with an unknown key and raw HTML
# fail with file:line:col, and `check` reports what `render` does; a
# Markdown article on its own; "-" (standard input, binary-safe) for
# render, check and batch records.
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

# a short column beside a long text keeps its longest word (by the texts'
# lengths alone it got 3 pt and the render failed); two words too wide to
# stand side by side are named, in render and check alike
mkdir -p "$work/wide"
{
  printf -- '---\ntitle: A wide column\n---\n\n| Rank | Remark |\n|---:|---|\n'
  for i in 1 2 3; do printf '| %d | %s end of remark %d |\n' "$i" "$(printf 'word %.0s' $(seq 1 80))" "$i"; done
} >"$work/wide/wide.md"
run wide-render 0 "" "$bp" render "$work/wide/wide.md" -o "$work/wide.pdf"
text=$(pdftotext -layout "$work/wide.pdf" - 2>&1)
printf '%s\n' "$text" | grep -Eq '^ *Rank +Remark' || bad "wide: no header 'Rank Remark'"
printf '%s\n' "$text" | grep -Eq '^ *3 +word word' || bad "wide: no row '3 word word'"
has wide "$text" "end of remark 3"
printf -- '---\ntitle: T\n---\n\n| a | b |\n|---|---|\n| %s | %s |\n' "$(printf 'x%.0s' $(seq 1 300))" "$(printf 'y%.0s' $(seq 1 300))" >"$work/wide/too.md"
for cmd in render check; do
  out=$("$bp" $cmd "$work/wide/too.md" -o "$work/too.pdf" 2>&1)
  [ "$cmd" = check ] && out=$("$bp" check "$work/wide/too.md" 2>&1)
  case "$out" in *'too.md:5: '*'the columns need'*'side by side for their longest words ("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'*) ;;
  *) bad "wide: $cmd of a table whose words cannot fit: $out" ;; esac
done
[ -e "$work/too.pdf" ] && bad "wide: a failed render wrote its PDF"

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

# a brief's findings from a Markdown file: each list item a finding with
# its endnote markers, in Korean from findings_ko; what cannot be a finding
# fails at file:line:col in render and check alike
run findings-check 0 "$F/brief: 0 errors" "$bp" check --no-caret --no-fonts "$F/brief"
run findings-render 0 "" "$bp" render "$F/brief/briefs/md-findings.json" -o "$work/findings.pdf"
text=$(pdftotext -layout "$work/findings.pdf" - 2>&1)
printf '%s\n' "$text" | grep -Eq '^ *Key findings$' || bad "findings: no heading"
printf '%s\n' "$text" | grep -Eq '^ *• Missions abroad were once expected to pay their own way\.1$' ||
  bad "findings: no first finding with its marker: $text"
printf '%s\n' "$text" | grep -Eq '^ *• Estimates of the cryptocurrency stolen differ by source and by year\.1,2$' ||
  bad "findings: no second finding with its markers"
printf '%s\n' "$text" | grep -Eq '^ *• The largest single theft came from a cross-chain bridge\.2$' ||
  bad "findings: no third finding (from a '*' list)"
[ "$(printf '%s\n' "$text" | grep -c '•')" -eq 3 ] || bad "findings: not 3 findings (a comment is none)"
printf '%s\n' "$text" | grep -Eq '^ *2 +Lee, H\. \(2024' || bad "findings: Lee is not endnote 2"
python3 tests/e2e/check_markdown.py "$work/findings.pdf" way. Kim, bridge. Lee, || bad "findings: marker link"
pdfinfo -url "$work/findings.pdf" 2>/dev/null | grep -q 'https://example.org/bridge' ||
  bad "findings: the link in a finding is not a link"
run findings-ko 0 "" "$bp" render "$F/brief/briefs/md-findings.json" -o "$work/findings-ko.pdf" \
  --template "$F/brief/templates/md-template-ko.json"
text=$(pdftotext -layout "$work/findings-ko.pdf" - 2>&1)
has findings-ko "$text" "• 해외 공관은 한때 스스로 경비를 충당하도록 요구받았다.1"
has findings-ko "$text" "• 가장 큰 단일 탈취는 크로스체인 브리지에서 일어났다.2"
case "$text" in *"pay their own way."*) bad "findings-ko: an English finding in the Korean edition" ;; esac
# the newsletter's e-mail carries them as it carries claims
run findings-newsletter 0 "" "$bp" newsletter "$F/brief/briefs/md-findings.json" -o "$work/nl"
eml=$(cat "$work"/nl/*.eml)
has findings-newsletter "$eml" "- Estimates of the cryptocurrency stolen differ by source and by year."
# the claim ids of a brief's JSON still work beside them (data/briefs)
run findings-claims 0 "" "$bp" render data/briefs/nk-missions.json -o "$work/claims.pdf"
# each refusal, in render and in check, at the same place
findings_bad() { # NAME MARKDOWN WANT
  rm -rf "$work/fb" && cp -r "$F/brief" "$work/fb"
  printf -- "$2" >"$work/fb/briefs/md-findings.md"
  run "findings-$1" 1 "md-findings.md:$3" "$bp" render "$work/fb/briefs/md-findings.json" -o "$work/x.pdf"
  same_as_check "findings-$1" "$work/fb"
}
findings_bad no-source '- a [@kim_2023]\n- A finding without a source.\n- c [@lee_2024]\n' \
  '2:3: finding 2 has no source: cite it with [@id]'
findings_bad only-cite '- [@kim_2023]\n- b [@kim_2023]\n- c [@lee_2024]\n' '1:3: finding 1 is only a citation'
findings_bad heading '# Findings\n\n- a [@kim_2023]\n' '1:1: a findings file is a list, one finding per item (- text [@source]): a heading is not a finding'
findings_bad outside '- a [@kim_2023]\n\nSome text.\n' '3:1: a findings file is a list, one finding per item (- text [@source]): text outside the list is not a finding'
findings_bad nested '- a [@kim_2023]\n  - b [@kim_2023]\n' '2:3: a finding is one paragraph: a nested list cannot be part of it'
findings_bad second-para '- a [@kim_2023]\n\n  more\n' '3:3: a finding is one paragraph: a second paragraph cannot be part of it'
findings_bad footnote '- a[^n] [@kim_2023]\n\n[^n]: A note.\n' '3:1: a finding takes no footnotes: cite its source with [@id]'
findings_bad table '| a | b |\n|---|---|\n| 1 | 2 |\n' '1:1: a findings file is a list, one finding per item (- text [@source]): a table is not a finding'
findings_bad html '- a <b>bold</b> [@kim_2023]\n' '1:5: raw HTML is not supported: <b>'
findings_bad unknown '- a [@kim_2023]\n- b [@nobody]\n' '2:7: unknown citation'
findings_bad front-matter '---\ntitle: x\n---\n- a [@kim_2023]\n' "1:1: a brief's Markdown takes no front matter"
findings_bad empty '<!-- nothing -->\n' '1:1: no findings: write each as an item of a list'
rm -rf "$work/fb" && cp -r "$F/brief" "$work/fb"
printf -- '- one more [@kim_2023]\n' >>"$work/fb/briefs/md-findings-ko.md"
run findings-ko-count 1 'md-findings.json:8:18: '"$work"'/fb/briefs/md-findings-ko.md has 4 findings' \
  "$bp" render "$work/fb/briefs/md-findings.json" -o "$work/x.pdf"
same_as_check findings-ko-count "$work/fb"
rm -rf "$work/fb" && cp -r "$F/brief" "$work/fb"
sed -i '/findings_ko/d; s/"md-findings.md"},/"md-findings.md"}/' "$work/fb/briefs/md-findings.json"
run findings-ko-missing 1 'md-findings.json:7:15: the Korean template' "$bp" render \
  "$work/fb/briefs/md-findings.json" -o "$work/x.pdf" --template "$F/brief/templates/md-template-ko.json"
run findings-ko-alone 1 'ko-alone.json:8:18: "findings_ko" is {"markdown": "FILE.md"}' sh -c \
  "sed 's/\"findings\": {\"markdown\": \"md-findings.md\"}/\"findings\": []/' '$F/brief/briefs/md-findings.json' >'$work/fb/briefs/ko-alone.json' &&
   '$bp' render '$work/fb/briefs/ko-alone.json' -o '$work/x.pdf'"
[ -e "$work/x.pdf" ] && bad "a failed findings render wrote its PDF"

# raw HTML in a JSON string (a claim's text, a brief's summary and body)
# is text: printed as written (a block too, not dropped; a comment not at
# all), and check warns at its place in the string, naming the field
# (tests/fixtures/check/raw_html* are check's goldens)
C=tests/fixtures/check
rm -rf "$work/jh" && cp -r "$C/raw_html" "$work/jh" && mkdir -p "$work/jh/briefs" "$work/jh/templates"
cp "$C/raw_html_brief/templates/md-template.json" "$work/jh/templates/"
cat >"$work/jh/briefs/b.json" <<'JSON'
{"template": "../templates/md-template.json", "title": "Raw HTML as text",
 "summary": "A <i>summary</i> [@kim_2023].",
 "findings": ["inline", "block", "comment", "text-lt"]}
JSON
run json-html 0 "" "$bp" render "$work/jh/briefs/b.json" -o "$work/jh.pdf"
text=$(pdftotext "$work/jh.pdf" - 2>&1 | tr '\n' ' ')
has json-html "$text" "A <i>summary</i>"
has json-html "$text" "Missions were <b>closed</b>"
has json-html "$text" "<div>Missions</div> were closed"
has json-html "$text" "Missions closed.2"
case "$text" in *"check this"*) bad "json-html: a comment is printed" ;; esac
has json-html "$text" "Fewer than 5 < 7 missions, <b> as written, x<y"
run json-html-check 0 'b.json:2:16: warning: the brief'"'"'s "summary" has what looks like HTML markup, printed as written: <i>' \
  "$bp" check --no-caret --no-fonts "$work/jh"
has json-html-check "$out" 'claims.json:2:43: warning: the claim'"'"'s "text" has what looks like HTML markup, printed as written: <b>'
has json-html-check "$out" "0 errors, 5 warnings"

# front matter with an unknown key: file:line:col, in render and check
run front-matter 1 "$F/front-matter/articles/a.md:3:1: unknown front matter key \"colour\"" \
  "$bp" render "$F/front-matter/articles/a.json" -o "$work/x.pdf"
same_as_check front-matter "$F/front-matter"
# block-style front matter as YAML users write it: a folded title, block
# lists of authors and keywords; a nested mapping fails at its place
mkdir -p "$work/fm/articles"
printf -- '---\ntitle: >\n  A title too long\n  for one line\nauthor:\n  - Kim Jin\n  - "Lee, H."\nkeywords:\n- North Korea\n- missions\n---\n\nText.\n' >"$work/fm/articles/block.md"
run fm-block 0 "" "$bp" render "$work/fm/articles/block.md" -o "$work/fm.pdf"
info=$(pdfinfo "$work/fm.pdf" 2>&1)
printf '%s\n' "$info" | grep -Eq '^Title: +A title too long for one line$' || bad "fm-block: title: $info"
printf '%s\n' "$info" | grep -Eq '^Author: +Kim Jin, Lee, H\.$' || bad "fm-block: author: $info"
printf '%s\n' "$info" | grep -Eq '^Keywords: +North Korea, missions$' || bad "fm-block: keywords: $info"
printf -- '---\ntitle: T\nauthor:\n  name: Kim Jin\n---\n\nText.\n' >"$work/fm/articles/block.md"
run fm-nested 1 "block.md:4:3: front matter \"author\": a nested mapping is not read: write the value on the key's line" \
  "$bp" render "$work/fm/articles/block.md" -o "$work/x.pdf"
same_as_check fm-nested "$work/fm"
# raw HTML: never printed, an error at its place
run raw-html 1 "$F/raw-html/articles/a.md:5:11: raw HTML is not supported: <span style=\"color: red\">" \
  "$bp" render "$F/raw-html/articles/a.json" -o "$work/x.pdf"
same_as_check raw-html "$F/raw-html"
run raw-html-preview 1 "a.md:5:11: raw HTML" "$bp" preview "$F/raw-html/articles/a.json" -o "$work/png"
[ -e "$work/x.pdf" ] && bad "a failed render wrote its PDF"

# a Markdown article on its own: its front matter is the manifest; the same
# bytes from a file and from standard input ("-", relative paths from the
# current folder)
run md-alone 0 "" "$bp" render "$F/good/articles/standalone.md" -o "$work/alone.pdf"
text=$(pdftotext -layout "$work/alone.pdf" - 2>&1)
has md-alone "$text" "A Markdown article on its own"
printf '%s\n' "$text" | grep -Eq '^ *2\. +Rendered with briefpress render standalone.md' ||
  bad "md-alone: the footnote is not endnote 2"
(cd "$F/good/articles" && "$bp" render - -o "$work/alone-stdin.pdf" <standalone.md) || bad "render - < standalone.md failed"
cmp -s "$work/alone.pdf" "$work/alone-stdin.pdf" || bad "render - < standalone.md: not the file's PDF"
run md-alone-check 0 "$F/good/articles/standalone.md: 0 errors" "$bp" check "$F/good/articles/standalone.md"
printf -- '---\ntitle: T\n---\n\nText <b>x</b>.\n' >"$work/html.md"
run md-alone-html 1 "html.md:5:6: raw HTML is not supported: <b>" "$bp" render "$work/html.md" -o "$work/x.pdf"
run md-alone-notitle 1 "<stdin>:1:1: a Markdown article needs a title" sh -c "printf 'Text.\n' | '$bp' render - -o '$work/x.pdf'"

# check -: one file from standard input, reported as <stdin>, with what
# render reports
run check-stdin-md 1 "<stdin>:5:11: error: raw HTML is not supported" \
  sh -c "'$bp' check --no-caret - <'$F/raw-html/articles/a.md'"
run check-stdin-claims 0 "<stdin>: 0 errors" sh -c "cd data/claims && '$bp' check --no-fonts - <nk-missions.json"
run check-stdin-brief 0 "<stdin>: 0 errors" sh -c "cd data/briefs && '$bp' check --no-fonts - <nk-missions.json"
sed 's/"findings": \[/"findings": ["no-such-claim", /' data/briefs/nk-missions.json >"$work/brief-bad.json"
run check-stdin-brief-bad 1 '<stdin>:18:16: error: unknown claim "no-such-claim"' sh -c "cd data/briefs && '$bp' check --no-fonts - <'$work/brief-bad.json'"
# binary-safe: a NUL byte is reported where it is, not cut off
run check-stdin-nul 1 "<stdin>:1:6: error:" sh -c "printf 'Text \\000 more.\\n' | '$bp' check --no-caret -"
has check-stdin-nul "$out" "U+0000"

# batch records from standard input: the same PDFs as from the file (and
# the same bad record, named in <stdin>)
run batch-file 1 "record 'bad-date' (tests/fixtures/batch/small.csv:4)" "$bp" batch templates/country-profile.json tests/fixtures/batch/small.csv --data data -o "$work/p-file" -q
run batch-stdin 1 "record 'bad-date' (<stdin>:4)" sh -c "'$bp' batch templates/country-profile.json - --data data -o '$work/p-stdin' -q <tests/fixtures/batch/small.csv"
for f in "$work"/p-file/*.pdf; do
  cmp -s "$f" "$work/p-stdin/${f##*/}" || bad "batch -: ${f##*/} differs from the file's"
done
[ "$(ls "$work"/p-stdin/*.pdf | wc -l)" -eq "$(ls "$work"/p-file/*.pdf | wc -l)" ] || bad "batch -: not as many PDFs"
python3 - tests/fixtures/batch/small.csv "$work/nul.csv" <<'PY'
import sys
s = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(s.replace(b"Guinea", b"Gui\0nea", 1))
PY
run batch-stdin-nul 1 "<stdin>:2:14: field name_en: NUL byte (U+0000)" \
  sh -c "'$bp' batch templates/country-profile.json - --data data -o '$work/p-nul' -q <'$work/nul.csv'"

[ $fail -eq 0 ] && echo "markdown: ok"
exit $fail
