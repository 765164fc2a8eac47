#!/usr/bin/env bash
# e2e: `briefpress init DIR` makes a data folder that check passes (fonts
# checked) and render renders, on a fresh folder; a non-empty folder, a file
# or a second init are refused and leave everything as it was; a failed
# write (the fault shim, where built) leaves no folder behind.
# Args: BRIEFPRESS BUILD_DIR.
set -uo pipefail
bp=$(realpath "$1") build=$2
work=$(realpath -m "$build")/e2e-init
rm -rf "$work" && mkdir -p "$work"
export SOURCE_DATE_EPOCH=1700000000
fail=0
no() { echo "FAIL: $*"; fail=1; }

# init -> check -> render, from another working folder, into a new nested folder
dir=$work/a/new
(cd "$work" && "$bp" init "$dir" > "$work/init.out" 2> "$work/init.err") ||
  no "init: $(cat "$work/init.err")"
for f in README.md citations/sources.json claims/claims.json series/visits.csv \
  series/visits.json briefs/example.json templates/one-page-brief.json; do
  [[ -s $dir/$f ]] || no "init: no $f"
done
cmp -s templates/one-page-brief.json "$dir/templates/one-page-brief.json" ||
  no "init: the template is not a copy of the shipped one"
"$bp" check "$dir" > "$work/check.out" 2>&1 || no "check of the new folder: $(cat "$work/check.out")"
grep -q "0 errors, 0 warnings" "$work/check.out" || no "check: $(cat "$work/check.out")"
grep -q "warning" "$work/check.out" && ! grep -q "0 warnings" "$work/check.out" &&
  no "check warned: $(cat "$work/check.out")"
(cd "$dir" && "$bp" render briefs/example.json -o "$work/example.pdf" --png "$work/png" --dpi 40) \
  2> "$work/render.err" || no "render of the new brief: $(cat "$work/render.err")"
[[ $(pdfinfo "$work/example.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}') == 1 ]] ||
  no "render: not a one-page PDF"
pdftotext "$work/example.pdf" "$work/example.txt" 2>/dev/null
for want in "Libraries are busy again" "Key findings" "back at their 2019 level" "Kim, M."; do
  grep -q "$want" "$work/example.txt" || no "render: '$want' not in the PDF"
done
# a copy of the sample data is what the user starts from, not the tree
grep -q "$(pwd)" "$dir/briefs/example.json" && no "the brief names the source tree"

# an existing empty folder is fine
mkdir "$work/empty"
"$bp" init "$work/empty" > /dev/null 2>&1 || no "init into an empty folder failed"
[[ -s $work/empty/briefs/example.json ]] || no "init into an empty folder wrote no brief"

# refused: the same folder again, a folder with a file of the user's, a file
mkdir "$work/mine" && echo "mine" > "$work/mine/notes.txt"
for target in "$dir" "$work/mine" "$work/mine/notes.txt"; do
  before=$(find "$target" -exec stat -c '%n %s %Y' {} + | sort | sha256sum)
  "$bp" init "$target" > "$work/refused.out" 2> "$work/refused.err"
  rc=$?
  [[ $rc == 1 ]] || no "init $target: exit $rc, not 1"
  grep -q "briefpress init: $target" "$work/refused.err" || no "init $target: $(cat "$work/refused.err")"
  after=$(find "$target" -exec stat -c '%n %s %Y' {} + | sort | sha256sum)
  [[ $before == "$after" ]] || no "init $target changed something"
done
grep -q "mine" "$work/mine/notes.txt" || no "the user's file was touched"

# usage
"$bp" init > /dev/null 2>&1
[[ $? == 2 ]] || no "init without a folder: not exit 2"
"$bp" init "$work/x" "$work/y" > /dev/null 2>&1
[[ $? == 2 ]] || no "init with two folders: not exit 2"
[[ ! -e $work/x ]] || no "a refused usage made a folder"

# a write that fails half-way: nothing of it is left (the shim is not built
# under the sanitizers)
shim=$build/libbpfault.so
if [[ -f $shim ]]; then
  BP_FAULT_MATCH=claims.json BP_FAULT_OP=write BP_FAULT_AT=1 LD_PRELOAD=$shim \
    "$bp" init "$work/faulty/new" > /dev/null 2> "$work/faulty.err"
  rc=$?
  [[ $rc == 1 ]] || no "a failed write: exit $rc, not 1"
  grep -q "claims.json: cannot write" "$work/faulty.err" || no "a failed write: $(cat "$work/faulty.err")"
  [[ ! -e $work/faulty/new ]] || no "a failed init left $(find "$work/faulty/new")"
fi

((fail)) && exit 1
echo "init: all passed"
