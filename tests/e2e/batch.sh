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
set -e
exec python3 tests/e2e/check_batch.py "$work" data/countries.csv tests/fixtures/batch/hostile.csv
