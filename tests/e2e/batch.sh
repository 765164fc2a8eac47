#!/usr/bin/env bash
# e2e: `briefpress batch` as a user meets it (see check_batch.py): the sample
# countries into profiles; a hostile fixture (path-like names, a long name,
# Unicode, bad records) with safe file names, one message per bad record and
# exit 1; a re-run that skips everything, --force, and two shards that make
# the same files as one run. Args: BRIEFPRESS BUILD_DIR.
set -euo pipefail
bp=$1 build=$2
work=$build/e2e-batch
rm -rf "$work" && mkdir -p "$work"
export SOURCE_DATE_EPOCH=1700000000
t=templates/country-profile.json

"$bp" batch $t data/countries.csv -o "$work/profiles" -j 2 2> "$work/run1.err"
"$bp" batch $t data/countries.csv -o "$work/profiles" -j 2 2> "$work/run2.err"
cp "$work/profiles/manifest.json" "$work/manifest-run2.json"
"$bp" batch $t data/countries.csv -o "$work/profiles" -j 2 --force 2> "$work/run3.err"
# two shards into one folder, as two machines would
"$bp" batch $t data/countries.csv -o "$work/sharded" --shard 0/2 2> "$work/shard0.err"
"$bp" batch $t data/countries.csv -o "$work/sharded" --shard 1/2 2> "$work/shard1.err"
# one record, the way the one-process-per-record benchmark runs it
"$bp" batch $t data/countries.csv -o "$work/only" --only dr-congo -j 1 2> "$work/only.err"

set +e
"$bp" batch $t tests/fixtures/batch/hostile.csv --data data -o "$work/hostile" --name "{name_en}" \
  2> "$work/hostile.err"
echo $? > "$work/hostile.rc"
# set-up errors: exit 2 for usage, 1 for a bad CSV, nothing written
"$bp" batch $t data/countries.csv 2> "$work/usage.err"; echo $? > "$work/usage.rc"
printf 'id,iso2,name_en\nx,GN,A\nx,GN,B\n' > "$work/dup.csv"
"$bp" batch $t "$work/dup.csv" --data data -o "$work/dup" 2> "$work/dup.err"; echo $? > "$work/dup.rc"
# a bad value in a records file inside the data folder fails only its record
mkdir -p "$work/inside" && cp -r data "$work/inside/"
sed -i 's/^nepal,NP,/nepal,ZZ,/' "$work/inside/data/countries.csv"
"$bp" batch $t "$work/inside/data/countries.csv" -o "$work/inside/out" 2> "$work/inside.err"
echo $? > "$work/inside.rc"
set -e
inside_ok=1
[[ $(cat "$work/inside.rc") == 1 ]] || { echo "FAIL: a bad record inside data/: exit $(cat "$work/inside.rc")"; inside_ok=0; }
grep -q "record 'nepal' (.*countries.csv:3), field iso2: unknown country code 'ZZ'" "$work/inside.err" ||
  { echo "FAIL: the bad record inside data/ is not named"; inside_ok=0; }
n=$(ls "$work/inside/out"/*.pdf | wc -l)
[[ $n == $(( $(grep -c . data/countries.csv) - 2 )) ]] || { echo "FAIL: $n profiles written beside the bad record"; inside_ok=0; }
[[ ! -e $work/inside/out/nepal.pdf ]] || { echo "FAIL: the bad record was written"; inside_ok=0; }
[[ $inside_ok == 1 ]] || exit 1
exec python3 tests/e2e/check_batch.py "$work" data/countries.csv tests/fixtures/batch/hostile.csv
