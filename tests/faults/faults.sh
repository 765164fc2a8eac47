#!/usr/bin/env bash
# Fault injection, SQLite-style: write(), fsync(), close() and rename() made
# to fail (faultshim.c, LD_PRELOAD) at the first, a middle and the last call
# on an output file, short writes, a file-size limit (ENOSPC's twin EFBIG),
# SIGKILL and SIGTERM in the middle of a batch, two batches in one folder (the
# second waits, or with --no-wait is refused) and
# a PDF changed behind the manifest's back. Every case must end with complete
# valid files or none, a non-zero exit when it failed, no temporary file, and
# a manifest whose every entry matches the file on disk (manifest_true.py).
# Args: BRIEFPRESS FAULTSHIM.so BUILD_DIR.
set -uo pipefail
bp=$1 shim=$2 build=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$build/faults
rm -rf "$work" && mkdir -p "$work/tmp"
export SOURCE_DATE_EPOCH=1700000000 TMPDIR=$work/tmp
fail=0
no() { echo "FAIL: $*"; fail=1; }
brief=data/briefs/nk-missions.json
art=data/articles/nk-missions.json
t=templates/country-profile.json
truth() { python3 "$here/manifest_true.py" "$@" || no "the manifest lies (${*})"; }
no_tmp() {
  local left
  left=$(find "$1" "$work/tmp" -name '*.tmp.*' -o -name 'briefpress-subset-*' 2>/dev/null)
  [[ -z $left ]] || no "$2: temporary files left: $left"
}
# ops_count FILE OP: how many matching calls the clean run made
ops_count() { awk -v op="$2" '$1 == op { n += $2 } END { print n + 0 }' "$1"; }
# the first, a middle and the last of n (each once)
picks() { printf '%s\n' 1 $(( ($1 + 1) / 2 )) "$1" | awk -v n="$1" '$1 >= 1 && $1 <= n' | sort -un; }

# ---- render: the PDF, the trace and the PNG pages are all or nothing ----
render() { "$bp" render "$brief" -o "$1/out.pdf" --trace "$1/out.txt" --png "$1/png" --dpi 30; }
mkdir -p "$work/render-ref"
BP_FAULT_COUNT=$work/render.count LD_PRELOAD=$shim render "$work/render-ref" ||
  no "render: the clean run failed"
for op in write fsync close rename; do
  n=$(ops_count "$work/render.count" "$op")
  [[ $n -ge 3 ]] || no "render: only $n ${op}() calls on output files (expected one per file)"
  for k in $(picks "$n"); do
    d=$work/render-$op-$k
    mkdir -p "$d"
    BP_FAULT_OP=$op BP_FAULT_AT=$k LD_PRELOAD=$shim render "$d" 2> "$d.err"
    rc=$?
    [[ $rc != 0 ]] || no "render: $op #$k failed, yet exit 0"
    grep -q "cannot write" "$d.err" || no "render: $op #$k: message $(cat "$d.err")"
    left=$(cd "$d" && find . -type f)
    [[ -z $left ]] || no "render: $op #$k failed, yet left $left"
    no_tmp "$d" "render $op #$k"
  done
done
# short writes are retried: the same bytes
mkdir -p "$work/render-short"
BP_FAULT_SHORT=1 LD_PRELOAD=$shim render "$work/render-short" || no "render: short writes failed"
cmp -s "$work/render-ref/out.pdf" "$work/render-short/out.pdf" || no "render: short writes changed the PDF"

# ---- render under a file-size limit: EFBIG, not a truncated PDF ----
"$bp" render "$art" -o "$work/article.pdf" || no "article: the clean run failed"
size=$(stat -c %s "$work/article.pdf")
mkdir -p "$work/fsize"
(ulimit -f $(( size / 1024 - 8 )); "$bp" render "$art" -o "$work/fsize/article.pdf") 2> "$work/fsize.err"
rc=$?
[[ $rc != 0 && $rc -lt 128 ]] || no "file-size limit: exit $rc (0 or killed by SIGXFSZ)"
grep -q "File too large" "$work/fsize.err" || no "file-size limit: message $(cat "$work/fsize.err")"
[[ ! -e $work/fsize/article.pdf ]] || no "file-size limit: a truncated PDF was left"
no_tmp "$work/fsize" "file-size limit"

# ---- batch: a failed write fails its record (or the manifest), never lies ----
batch() { "$bp" batch $t data/countries.csv -o "$1" -j 2 -q; }
records=$(( $(grep -c . data/countries.csv) - 1 ))
BP_FAULT_COUNT=$work/batch.count LD_PRELOAD=$shim batch "$work/batch-ref" 2> /dev/null ||
  no "batch: the clean run failed"
truth "$work/batch-ref" --all "$records"
# A batch syncs its PDFs' data a few at a time (syncfs), so a PDF's own
# fsync() comes only where that fails: the fsync cases run with every
# syncfs() failing (BP_FAULT_SYNCFS=1), counted in a clean run so.
BP_FAULT_SYNCFS=1 BP_FAULT_COUNT=$work/batch-nosyncfs.count LD_PRELOAD=$shim batch "$work/batch-nosyncfs" \
  2> /dev/null || no "batch: the clean run with syncfs failing failed"
truth "$work/batch-nosyncfs" --all "$records"
[[ $(ops_count "$work/batch.count" fsync) == 1 ]] ||
  no "batch: $(ops_count "$work/batch.count" fsync) fsync() calls on temporary files (expected 1: the manifest's)"
for op in write fsync close rename; do
  count=$work/batch.count syncfs=
  [[ $op == fsync ]] && count=$work/batch-nosyncfs.count syncfs=1
  n=$(ops_count "$count" "$op")
  [[ $n -gt $records ]] || no "batch: only $n ${op}() calls on output files"
  for k in $(picks "$n"); do
    d=$work/batch-$op-$k
    BP_FAULT_SYNCFS=$syncfs BP_FAULT_OP=$op BP_FAULT_AT=$k LD_PRELOAD=$shim batch "$d" 2> "$d.err"
    rc=$?
    [[ $rc != 0 ]] || no "batch: $op #$k failed, yet exit 0"
    no_tmp "$d" "batch $op #$k"
    truth "$d"
    batch "$d" 2> "$d.rerun.err" || no "batch: the re-run after $op #$k failed: $(cat "$d.rerun.err")"
    truth "$d" --all "$records"
    no_tmp "$d" "batch re-run after $op #$k"
  done
done

# ---- batch: its folder synced before each manifest write, not once per PDF ----
# BP_FAULT_MATCH is the folder's name: the folder and the files in it count.
# A batch of N records without a checkpoint: the PDFs' data synced by one
# syncfs() per worker (at most 16 PDFs each), then the folder before the
# manifest names them, the manifest, the folder after its rename: 3
# fsync() calls (it was 2N + 2, then N + 3: each PDF synced on its own).
d=$work/batch-dirsync
BP_FAULT_MATCH=batch-dirsync BP_FAULT_COUNT=$work/dirsync.count LD_PRELOAD=$shim batch "$d" 2> /dev/null ||
  no "batch: the clean run counting the folder's syncs failed"
n=$(ops_count "$work/dirsync.count" fsync)
[[ $n == 3 ]] || no "batch: $n fsync() calls in the folder for $records PDFs (expected 3)"
s=$(ops_count "$work/dirsync.count" syncfs)
[[ $s -ge 1 && $s -le 2 ]] || no "batch: $s syncfs() calls for $records PDFs at -j 2 (expected 1 or 2)"
truth "$d" --all "$records"
# a failed syncfs(): each PDF is synced on its own, and the batch is whole
d=$work/batch-syncfs-fail
BP_FAULT_MATCH=batch-syncfs-fail BP_FAULT_OP=syncfs BP_FAULT_AT=1 BP_FAULT_COUNT=$d.count LD_PRELOAD=$shim \
  batch "$d" 2> "$d.err" || no "batch: a failed syncfs() failed the batch: $(cat "$d.err")"
n=$(ops_count "$d.count" fsync)
[[ $n -gt 3 ]] || no "batch: after a failed syncfs() only $n fsync() calls in the folder (each PDF's expected)"
truth "$d" --all "$records"
no_tmp "$d" "batch with a failed syncfs"
# that folder sync failing fails the batch: no manifest names the PDFs, and
# the re-run (the PDFs are briefpress's) makes a true one
d=$work/batch-dirsync-fail
BP_FAULT_MATCH=batch-dirsync-fail BP_FAULT_OP=fsync BP_FAULT_AT=1 LD_PRELOAD=$shim \
  batch "$d" 2> "$d.err"
rc=$?
[[ $rc != 0 ]] || no "batch: the folder's sync failed, yet exit 0"
grep -q "cannot sync the folder" "$d.err" || no "batch: the folder's failed sync not reported: $(head -c 300 "$d.err")"
[[ ! -e $d/manifest.json ]] || no "batch: a manifest written though the folder's sync failed"
no_tmp "$d" "batch folder sync"
truth "$d"
batch "$d" 2> "$d.rerun.err" || no "batch: the re-run after the folder's sync failed: $(cat "$d.rerun.err")"
truth "$d" --all "$records"

# ---- batch under a file-size limit: the large profiles fail, the rest is true ----
max=$(stat -c %s "$work/batch-ref"/*.pdf | sort -n | tail -1)
min=$(stat -c %s "$work/batch-ref"/*.pdf | sort -n | head -1)
limit=$(( (max + min) / 2 / 1024 ))
(ulimit -f "$limit"; batch "$work/batch-fsize") 2> "$work/batch-fsize.err"
rc=$?
[[ $rc == 1 ]] || no "batch under a file-size limit: exit $rc, expected 1"
no_tmp "$work/batch-fsize" "batch under a file-size limit"
truth "$work/batch-fsize"
batch "$work/batch-fsize" 2> /dev/null || no "batch: the re-run after the file-size limit failed"
truth "$work/batch-fsize" --all "$records"

# ---- many records, for the signals and the lock ----
big=$work/big.csv
head -1 data/countries.csv > "$big"
for i in $(seq 1 12); do tail -n +2 data/countries.csv | sed "s/^\([^,]*\),/\1-$i,/" >> "$big"; done
n_big=$(( $(wc -l < "$big") - 1 ))
bigbatch() { "$bp" batch $t "$big" --data data -o "$1" -j 2 -q; }
# in the background, as the process itself (so that $! is briefpress's pid)
bigbatch_bg() { (exec "$bp" batch $t "$big" --data data -o "$1" -j 2 -q 2> /dev/null) & }
wait_pdfs() { # DIR N: until N PDFs are in DIR (at most 300 s: CI machines are busy)
  for _ in $(seq 3000); do
    [[ $(find "$1" -name '*.pdf' 2> /dev/null | wc -l) -ge $2 ]] && return 0
    sleep 0.1
  done
  return 1
}

# SIGKILL in the middle, then a re-run: it completes and the manifest is true
bigbatch_bg "$work/killed"
pid=$!
wait_pdfs "$work/killed" 20 || no "kill: the batch wrote no PDFs"
# (the first checkpoint: at most 300 s, then the kill comes regardless)
for _ in $(seq 3000); do [[ -e $work/killed/manifest.json ]] && break; sleep 0.1; done
kill -KILL $pid
wait $pid 2> /dev/null
truth "$work/killed" # the checkpoint lists only what is on disk
(exec "$bp" batch $t "$big" --data data -o "$work/killed" -j 2) 2> "$work/killed.err" ||
  no "kill: the re-run failed: $(cat "$work/killed.err")"
no_tmp "$work/killed" "the re-run after SIGKILL"
truth "$work/killed" --all "$n_big"
grep -Eq " [1-9][0-9]* unchanged" "$work/killed.err" ||
  no "kill: the re-run did everything again: $(tail -1 "$work/killed.err")"

# a PDF changed behind the manifest's back (same size) is rendered again
victim=$(ls "$work/killed"/*.pdf | head -1)
printf 'XXXX' | dd of="$victim" bs=1 seek=1000 conv=notrunc status=none
bigbatch "$work/killed" 2> "$work/changed.err" || no "changed: the re-run failed"
grep -q " 1 written" "$work/changed.err" || no "changed: the damaged PDF was not rendered again: $(cat "$work/changed.err")"
truth "$work/killed" --all "$n_big"

# SIGTERM in the middle: the temporary files go with the process
bigbatch_bg "$work/termed"
pid=$!
wait_pdfs "$work/termed" 20 || no "term: the batch wrote no PDFs"
kill -TERM $pid
wait $pid 2> /dev/null
no_tmp "$work/termed" "SIGTERM"

# two batches in one folder: with --no-wait the second is refused while the
# first runs; without, it says it waits, waits, then finds everything done
bigbatch_bg "$work/two"
pid=$!
wait_pdfs "$work/two" 5 || no "two: the first batch wrote no PDFs"
"$bp" batch $t "$big" --data data -o "$work/two" -j 2 -q --no-wait 2> "$work/two-nowait.err"
rc=$?
[[ $rc != 0 ]] || no "two: the --no-wait batch ran beside the first"
grep -q "another briefpress batch is writing" "$work/two-nowait.err" ||
  no "two: --no-wait message $(cat "$work/two-nowait.err")"
bigbatch "$work/two" 2> "$work/two.err" || no "two: the waiting batch failed: $(cat "$work/two.err")"
grep -q "another briefpress batch is writing into this folder; waiting" "$work/two.err" ||
  no "two: the second batch did not say that it waits: $(cat "$work/two.err")"
kill -0 $pid 2> /dev/null && no "two: the waiting batch finished while the first still ran"
wait $pid || no "two: the first batch failed"
grep -q " 0 written, $n_big unchanged, 0 failed" "$work/two.err" ||
  no "two: the waiting batch did not find the first's work: $(tail -1 "$work/two.err")"
truth "$work/two" --all "$n_big"
no_tmp "$work/two" "two batches"

[[ $fail == 0 ]] && echo "faults: every case ended with complete files or none, and a true manifest"
exit $fail
