#!/usr/bin/env bash
# e2e: what briefpress refuses to write (docs/security.md): -o naming an
# input, a symlink, a FIFO or a folder; --trace naming the PDF; --png whose
# page is a symlink (the PDF must not be left behind); batch --manifest naming
# the records CSV or one of the PDFs; newsletter into a folder whose .eml name
# is a FIFO. Every refusal exits non-zero, names the path and leaves the
# target as it was. Pages of a longer document that --png or preview made
# earlier are removed, a user's file among them kept. Args: BRIEFPRESS BUILD_DIR.
set -uo pipefail
bp=$1 build=$2
work=$build/e2e-outputs
rm -rf "$work" && mkdir -p "$work"
export SOURCE_DATE_EPOCH=1700000000
fail=0
no() { echo "FAIL: $*"; fail=1; }
# a copy of the data: a test that fails must not damage the project's files
cp -r data templates "$work/"
brief=$work/data/briefs/nk-missions.json

# expect_refused NAME EXPECTED-TEXT CMD...: non-zero exit and the text in stderr
expect_refused() {
  local name=$1 text=$2
  shift 2
  "$@" > "$work/$name.out" 2> "$work/$name.err"
  local rc=$?
  [[ $rc != 0 ]] || no "$name: exit 0"
  grep -q -- "$text" "$work/$name.err" || no "$name: stderr lacks '$text': $(cat "$work/$name.err")"
}

# -o naming the input
sum=$(sha256sum "$brief")
expect_refused input "one of this run's inputs" "$bp" render "$brief" -o "$brief"
[[ $(sha256sum "$brief") == "$sum" ]] || no "input: the input was changed"
cp data/briefs/nk-missions.json "$brief" # (so that the cases below test their own thing)
# another name of the input (a hard link) is the input too
ln "$brief" "$work/hardlink.json" 2>/dev/null &&
  expect_refused hardlink "one of this run's inputs" "$bp" render "$brief" -o "$work/hardlink.json"

# -o naming a symlink: neither the link nor its target changes
echo "keep me" > "$work/target.txt"
ln -s target.txt "$work/link.pdf"
expect_refused symlink "symbolic link" "$bp" render "$brief" -o "$work/link.pdf"
[[ -L $work/link.pdf && $(cat "$work/target.txt") == "keep me" ]] || no "symlink: replaced or followed"
# a link to a device (as /dev/stdout is): refused, never written through
ln -s /dev/null "$work/null.pdf"
expect_refused devlink "symbolic link" "$bp" render "$brief" -o "$work/null.pdf"
[[ -L $work/null.pdf ]] || no "devlink: the link was replaced"

# -o naming a FIFO (a stand-in for any device node): refused, never opened
mkfifo "$work/fifo.pdf"
expect_refused fifo "named pipe" timeout 60 "$bp" render "$brief" -o "$work/fifo.pdf"
[[ -p $work/fifo.pdf ]] || no "fifo: the FIFO was replaced"

# -o naming a folder
mkdir "$work/folder.pdf"
expect_refused folder "a folder" "$bp" render "$brief" -o "$work/folder.pdf"
[[ -d $work/folder.pdf ]] || no "folder: replaced"

# two outputs with one name
expect_refused twice "two outputs" "$bp" render "$brief" -o "$work/same.pdf" --trace "$work/same.pdf"
[[ ! -e $work/same.pdf ]] || no "twice: a file was written"

# --png failing (its first page is a symlink): no PDF left either
mkdir "$work/png"
ln -s ../target.txt "$work/png/page-1.png"
expect_refused png "symbolic link" "$bp" render "$brief" -o "$work/with-png.pdf" --png "$work/png"
[[ ! -e $work/with-png.pdf ]] || no "png: the PDF was left behind although --png failed"
[[ $(cat "$work/target.txt") == "keep me" ]] || no "png: the link's target was changed"

# batch: --manifest naming the records CSV or one of the PDFs
t=templates/country-profile.json
cp data/countries.csv "$work/countries.csv"
sum=$(sha256sum "$work/countries.csv")
expect_refused manifest-csv "one of this run's inputs" \
  "$bp" batch $t "$work/countries.csv" --data data -o "$work/prof" -j 2 --manifest "$work/countries.csv"
[[ $(sha256sum "$work/countries.csv") == "$sum" ]] || no "manifest-csv: the CSV was changed"
cp data/countries.csv "$work/countries.csv"
[[ -z $(ls "$work/prof" 2>/dev/null | grep pdf) ]] || no "manifest-csv: PDFs written before the refusal"
first=$(sed -n 2p data/countries.csv | cut -d, -f1)
expect_refused manifest-pdf "the PDF of record '$first'" \
  "$bp" batch $t "$work/countries.csv" --data data -o "$work/prof" -j 2 --manifest "$work/prof/$first.pdf"
# batch: --manifest naming a symlink
ln -s target.txt "$work/manifest-link.json"
expect_refused manifest-link "symbolic link" \
  "$bp" batch $t "$work/countries.csv" --data data -o "$work/prof" -j 2 --manifest "$work/manifest-link.json"
[[ -L $work/manifest-link.json && $(cat "$work/target.txt") == "keep me" ]] || no "manifest-link: replaced"

# newsletter: all or nothing (the .eml's name is a FIFO: no PDF, no PNG)
"$bp" newsletter "$brief" -o "$work/nl-probe" > "$work/nl-probe.out" 2>&1 || no "newsletter probe failed: $(cat "$work/nl-probe.out")"
eml=$(ls "$work/nl-probe" | grep '\.eml$')
mkdir "$work/nl"
mkfifo "$work/nl/$eml"
expect_refused newsletter "named pipe" timeout 60 "$bp" newsletter "$brief" -o "$work/nl"
[[ $(ls "$work/nl") == "$eml" && -p $work/nl/$eml ]] || no "newsletter: left $(ls "$work/nl")"

# what a killed run left (a dead process's temporary files) goes at the next run
( exit 0 ) & dead=$!
wait $dead
touch "$work/stale.pdf.tmp.$dead.0" "$work/png/page-2.png.tmp.$dead.7" "$work/keep.tmp.txt"
"$bp" render "$brief" -o "$work/stale.pdf" --png "$work/png2" > /dev/null 2>&1 || no "stale: render failed"
"$bp" preview "$brief" -o "$work/png" > /dev/null 2>&1 # (fails on the symlinked page: still sweeps)
[[ ! -e $work/stale.pdf.tmp.$dead.0 ]] || no "stale: a killed run's temporary PDF was not removed"
[[ ! -e $work/png/page-2.png.tmp.$dead.7 ]] || no "stale: a killed run's temporary PNG was not removed"
[[ -e $work/keep.tmp.txt ]] || no "stale: a file not of the pattern was removed"
rm -f "$work/keep.tmp.txt"

# --png and preview into a folder where a longer document's pages are: the
# pages briefpress made past the new last one go, a file of the user's
# there stays (page-3.png), and each page is a valid PNG that says who made it
pages=$work/pages
"$bp" render "$work/data/articles/nk-missions.json" -o "$work/article.pdf" --png "$pages" \
  > /dev/null 2>&1 || no "pages: the article's render failed"
n_article=$(ls "$pages" | wc -l)
[[ $n_article -ge 4 ]] || no "pages: the article made $n_article pages"
printf 'my notes\n' > "$pages/page-3.png"
"$bp" preview "$brief" -o "$pages" > /dev/null 2>&1 || no "pages: the brief's preview failed"
[[ $(ls "$pages" | tr '\n' ' ') == 'page-1.png page-3.png ' ]] ||
  no "pages: after the one-page brief: $(ls "$pages" | tr '\n' ' ')"
[[ $(cat "$pages/page-3.png") == 'my notes' ]] || no "pages: the user's page-3.png was changed"
# a gap (a page the user deleted) does not stop the sweep: pages past it go too
gap=$work/gap
"$bp" render "$work/data/articles/nk-missions.json" -o "$work/article2.pdf" --png "$gap" \
  > /dev/null 2>&1 || no "gap: the article's render failed"
rm -f "$gap/page-2.png"
"$bp" preview "$brief" -o "$gap" > /dev/null 2>&1 || no "gap: the brief's preview failed"
[[ $(ls "$gap" | tr '\n' ' ') == 'page-1.png ' ]] || no "gap: after the brief: $(ls "$gap" | tr '\n' ' ')"
python3 - "$pages/page-1.png" <<'PY' || no "pages: page-1.png is not a valid PNG marked as briefpress's"
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n"
i, seen = 8, []
while i < len(d):
    n, = struct.unpack(">I", d[i:i + 4])
    t, body = d[i + 4:i + 8], d[i + 8:i + 8 + n]
    assert zlib.crc32(t + body) == struct.unpack(">I", d[i + 8 + n:i + 12 + n])[0], t
    seen.append((t, body if t == b"tEXt" else None))
    i += 12 + n
assert seen[0][0] == b"IHDR" and seen[1] == (b"tEXt", b"Software\0briefpress"), seen[:2]
assert seen[-1][0] == b"IEND"
PY

leftovers=$(find "$work" -name '*.tmp.*')
[[ -z $leftovers ]] || no "temporary files left: $leftovers"
[[ $fail == 0 ]] && echo "outputs: all refusals hold"
exit $fail
