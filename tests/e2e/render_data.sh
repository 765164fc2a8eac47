#!/usr/bin/env bash
# e2e: `render` loads only the data files its document uses (issue 13);
# `check` still checks the whole folder, and reports whatever render fails
# on. An error in a file the brief does not use (another claims file, a
# records file, an article) leaves its PDF as it was, while check fails on
# it; an error in a file it uses (its claims, its chart's series, the
# citations) fails render cleanly: file:line:col, exit 1, no output file,
# and check reports the same message. Args: BRIEFPRESS BUILD_DIR.
set -uo pipefail
bp=$(realpath "$1") build=$2
work=$(realpath -m "$build")/e2e-render-data
rm -rf "$work" && mkdir -p "$work"
export SOURCE_DATE_EPOCH=1700000000
fail=0
no() { echo "FAIL: $*"; fail=1; }
cp -r data templates "$work/"
d=$work/data
brief=$d/briefs/nk-missions.json
"$bp" render "$brief" -o "$work/ref.pdf" || { echo "FAIL: the sample brief does not render"; exit 1; }

# break FILE PYTHON: rewrites $d/FILE with the Python expression over its text `t`
break_file() {
  cp "$d/$1" "$work/saved"
  python3 -c "import sys; t = open(sys.argv[1], encoding='utf-8').read(); open(sys.argv[1], 'w', encoding='utf-8').write($2)" "$d/$1"
}
restore() { cp "$work/saved" "$d/$1"; }

# unused: render gives the same PDF, check reports the file
unused() { # FILE PYTHON
  break_file "$1" "$2"
  rm -f "$work/out.pdf"
  "$bp" render "$brief" -o "$work/out.pdf" 2> "$work/render.err" ||
    no "an error in the unused $1 failed render: $(cat "$work/render.err")"
  cmp -s "$work/ref.pdf" "$work/out.pdf" || no "an error in the unused $1 changed the PDF"
  "$bp" check "$d" > "$work/check.out" 2>&1 && no "check passed an error in $1"
  grep -E "$(basename "$1"):[0-9]+:[0-9]+: error" "$work/check.out" > /dev/null ||
    no "check does not report $1: $(head -c 300 "$work/check.out")"
  restore "$1"
}
unused claims/countries.json 't.replace("\"id\"", "\"id\" 1", 1)'
unused records/missions.csv 't + "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"'
unused articles/crypto-estimates.json '"{" + t'

# used: render fails with file:line:col and writes nothing; check says the same
used() { # FILE PYTHON
  break_file "$1" "$2"
  rm -f "$work/out.pdf"
  "$bp" render "$brief" -o "$work/out.pdf" 2> "$work/render.err"
  rc=$?
  [[ $rc == 1 ]] || no "an error in $1: render exit $rc, not 1"
  [[ -e $work/out.pdf ]] && no "an error in $1: render wrote a PDF"
  ls "$work" | grep -E '^\.?out\.pdf.' > /dev/null && no "an error in $1: render left a temporary file"
  msg=$(grep -oE "$(basename "$1"):[0-9]+:[0-9]+: .*" "$work/render.err" | head -1)
  [[ -n $msg ]] || no "an error in $1: render's message has no file:line:col: $(cat "$work/render.err")"
  "$bp" check "$d" > "$work/check.out" 2>&1 && no "check passed an error in $1"
  [[ -n $msg ]] && ! grep -F -- "${msg#*: }" "$work/check.out" > /dev/null &&
    no "check does not report render's error in $1 ($msg): $(head -c 400 "$work/check.out")"
  restore "$1"
}
used claims/nk-missions.json 't.replace("\"missions-53-to-44\"", "\"missions-53-to-44\" 1", 1)'
# an empty finding id: every claims file is read, then it is unknown (it
# made the claims search read past the end of a file; found by fuzz_brief)
used briefs/nk-missions.json 't.replace("\"missions-53-to-44\",", "\"\",", 1)'
used claims/nk-missions.json 't.replace("[@mbc_20231205]", "[@no_such_source]", 1)'
used series/crypto_theft.csv 't.replace("2017,29.2,", "2017,lots,", 1)'
used series/mission_counts.csv 't + "not a date,1\n"'
used citations/sources.json '"[{\"id\": 1}," + t[1:]'

"$bp" render "$brief" -o "$work/out.pdf" 2> "$work/render.err" ||
  no "the restored folder does not render: $(cat "$work/render.err")"
cmp "$work/ref.pdf" "$work/out.pdf" || no "the restored folder's PDF differs"
if [[ $fail == 0 ]]; then echo "render_data: unused files' errors left alone, used files' errors reported by render and check"; fi
exit $fail
