#!/usr/bin/env bash
# e2e: `briefpress batch` as a user meets it (see check_batch.py): the sample
# countries into profiles; a hostile fixture (path-like names, a long name,
# Unicode, bad records) with safe file names, one message per bad record and
# exit 1; a re-run that skips everything, --force, and two shards that make
# the same files as one run; files of the user's in the output folder (and
# a manifest.json not of a batch) left alone. Args: BRIEFPRESS BUILD_DIR.
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

# files in the output folder that no batch wrote are never replaced nor
# removed: the user's own guinea.pdf fails its record (the others are
# written), a failed record leaves the user's file of its name alone, a
# briefpress PDF there unlisted (a batch killed between checkpoints) is
# replaced, and a manifest.json that is not a batch's stops the batch
mine=$work/mine
mkdir -p "$mine/out" && cp -r data "$mine/"
printf 'my own notes\n' > "$mine/out/guinea.pdf"
printf 'my own nepal\n' > "$mine/out/nepal.pdf"
sed -i 's/^nepal,NP,/nepal,ZZ,/' "$mine/data/countries.csv"
cp "$work/profiles/peru.pdf" "$mine/out/peru.pdf"
peru_inode=$(stat -c %i "$mine/out/peru.pdf")
set +e
"$bp" batch $t "$mine/data/countries.csv" -o "$mine/out" 2> "$mine/run.err"; rc=$?
set -e
mine_ok=1
no() { echo "FAIL: $*"; mine_ok=0; }
[[ $rc == 1 ]] || no "a file in the way: exit $rc"
grep -q "record 'guinea' (.*countries.csv:2): .*/out/guinea.pdf is in the way: no batch into .*out wrote it" "$mine/run.err" ||
  no "the file in the way is not named: $(cat "$mine/run.err")"
[[ $(cat "$mine/out/guinea.pdf") == 'my own notes' ]] || no "the user's guinea.pdf was replaced"
[[ $(cat "$mine/out/nepal.pdf") == 'my own nepal' ]] || no "a failed record removed the user's nepal.pdf"
# written again (a new file renamed over it), the same bytes (deterministic)
[[ $(stat -c %i "$mine/out/peru.pdf") != "$peru_inode" ]] || no "the unlisted briefpress PDF was not written again"
cmp -s "$mine/out/peru.pdf" "$work/profiles/peru.pdf" || no "peru.pdf is not the profile"
python3 - "$mine/out/manifest.json" <<'PY' || no "the manifest"
import json, sys
m = {r["id"]: r for r in json.load(open(sys.argv[1]))["records"]}
assert m["guinea"]["status"] == "failed" and "in the way" in m["guinea"]["error"]["message"], m["guinea"]
assert m["nepal"]["status"] == "failed", m["nepal"]
assert m["peru"]["status"] == "written", m["peru"]
PY
# a second run: the user's files are still not the batch's (a failed entry
# names a file, it does not claim it)
set +e
"$bp" batch $t "$mine/data/countries.csv" -o "$mine/out" 2> "$mine/run2.err"; rc=$?
set -e
[[ $rc == 1 ]] || no "the second run: exit $rc"
[[ $(cat "$mine/out/guinea.pdf") == 'my own notes' ]] || no "the second run replaced the user's guinea.pdf"
[[ $(cat "$mine/out/nepal.pdf") == 'my own nepal' ]] || no "the second run removed the user's nepal.pdf"
mkdir -p "$mine/notes" && printf '{"my": "notes"}\n' > "$mine/notes/manifest.json"
set +e
"$bp" batch $t data/countries.csv -o "$mine/notes" 2> "$mine/notes.err"; rc=$?
set -e
[[ $rc == 2 ]] || no "a manifest.json not of a batch: exit $rc"
grep -q "manifest.json: refusing to replace it: it is not a briefpress batch manifest" "$mine/notes.err" ||
  no "the user's manifest.json is not named: $(cat "$mine/notes.err")"
[[ $(cat "$mine/notes/manifest.json") == '{"my": "notes"}' ]] || no "the user's manifest.json was replaced"
[[ -z $(ls "$mine/notes" | grep -v manifest.json) ]] || no "PDFs written beside a refused manifest"
[[ $mine_ok == 1 ]] || exit 1
exec python3 tests/e2e/check_batch.py "$work" data/countries.csv tests/fixtures/batch/hostile.csv
