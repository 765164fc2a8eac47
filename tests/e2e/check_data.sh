#!/usr/bin/env bash
# check_data.sh - `briefpress check` end to end: the sample data/ is clean
# (exit 0, "0 errors, 0 warnings"), every bad folder in
# tests/fixtures/check/ prints exactly its expected.txt diagnostics with the
# right exit status, usage errors exit 2, a 5 MB single-line file is handled,
# and check never writes into the folder it reads.
# Usage: check_data.sh <briefpress> <build-dir>   (cwd: source root)
set -u
bp=$1
# under -DBP_SANITIZE=ON: ignore fontconfig's own leaks, keep ours fatal
export LSAN_OPTIONS="suppressions=$PWD/tests/fixtures/lsan-third-party.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$bp" check data); rc=$?
if [ $rc -ne 0 ] || [ "$out" != "data: 0 errors, 0 warnings" ]; then
  echo "FAIL: data/ not clean (rc=$rc):"; echo "$out"; fail=1
fi

for dir in tests/fixtures/check/*/; do
  dir=${dir%/}
  exp=$dir/expected.txt
  [ -f "$exp" ] || continue
  fonts=--no-fonts # opening the font set (hashing the fonts) is slow under ASan
  [ "$(basename "$dir")" = font_coverage ] && fonts=
  got=$("$bp" check --no-caret $fonts "$dir" | sed '$d' | sed "s|$dir/||g")
  "$bp" check --no-caret $fonts "$dir" >/dev/null; rc=$?
  want_rc=0
  grep -q ': error: ' "$exp" && want_rc=1
  if [ "$got" != "$(cat "$exp")" ]; then
    echo "FAIL: $dir diagnostics differ"; diff <(echo "$got") "$exp"; fail=1
  fi
  if [ $rc -ne $want_rc ]; then echo "FAIL: $dir exit $rc, want $want_rc"; fail=1; fi
done

# the caret line sits under the column
out=$("$bp" check tests/fixtures/check/article)
want=$'tests/fixtures/check/article/articles/a.md:4:17: error: unknown citation \'nope\'\n  a missing one.[@nope; @src1]\n                  ^'
case "$out" in *"$want"*) ;; *) echo "FAIL: caret output"; echo "$out"; fail=1 ;; esac

# usage
"$bp" check >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: no folder should exit 2"; fail=1; }
"$bp" check --bogus data >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: bad option should exit 2"; fail=1; }
"$bp" check "$tmp/none" >/dev/null 2>&1; [ $? -eq 1 ] || { echo "FAIL: missing folder should exit 1"; fail=1; }

# a 5 MB single line, made here
mkdir -p "$tmp/big/claims"
{ printf '[{"id": "big", "text": "'; head -c 5242880 /dev/zero | tr '\0' 'a'; printf ' [@nowhere]"}]'; } > "$tmp/big/claims/big.json"
out=$("$bp" check --no-fonts "$tmp/big"); rc=$?
case "$out" in *"big.json:1:5242908: error: unknown citation 'nowhere'"*) ;; *) echo "FAIL: 5 MB line"; echo "$out" | cut -c1-300; fail=1 ;; esac
[ $rc -eq 1 ] || { echo "FAIL: 5 MB line exit $rc"; fail=1; }
[ "$(echo "$out" | wc -c)" -lt 2000 ] || { echo "FAIL: 5 MB line printed in full"; fail=1; }

# check only reads: nothing new appears in the folder
before=$(find tests/fixtures/check data -type f | sort | xargs sha256sum)
"$bp" check data >/dev/null; "$bp" check tests/fixtures/check/csv_errors >/dev/null
after=$(find tests/fixtures/check data -type f | sort | xargs sha256sum)
[ "$before" = "$after" ] || { echo "FAIL: check changed files"; fail=1; }

[ $fail -eq 0 ] && echo "check_data: ok"
exit $fail
