#!/usr/bin/env bash
# bench/batch.sh [BRIEFPRESS] [RUNS] - the batch benchmark, run by hand:
# profiles per second for 200 synthetic records with -j1 and -j2 (medians of
# RUNS runs, default 5, each into a new empty folder),
# peak memory (/usr/bin/time -v "Maximum resident set size") for 200 and 1000
# records, the same batch with the piece and font caches off (--no-cache),
# and one process per record (`briefpress batch ... --only ID -j 1`, the
# whole start-up paid per profile) over the first PER_PROCESS records
# (default 50). Records come from bench/gen-records.py (copies of
# data/countries.csv with unique ids). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
bp=${1:-build/briefpress}
runs=${2:-5}
per_process=${PER_PROCESS:-50}
tpl=templates/country-profile.json
work=$(mktemp -d "${TMPDIR:-/tmp}/bp-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 bench/gen-records.py 200 > "$work/r200.csv"
python3 bench/gen-records.py 1000 > "$work/r1000.csv"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# one_run CSV JOBS [extra options]: prints "seconds peak_kB". Every run
# writes into a new empty folder (a first run; nothing is deleted until the
# end, so the file system's inode allocator is not measured instead).
one_run() {
  local csv=$1 jobs=$2; shift 2
  local out
  out=$(mktemp -d "$work/out-XXXXXX")
  /usr/bin/time -f "%e %M" -o "$work/time" \
    "$bp" batch "$tpl" "$csv" --data data -o "$out" -j "$jobs" -q "$@" 2>/dev/null
  cat "$work/time"
}

# measure N CSV JOBS [extra]: median seconds and median peak over $runs runs
measure() {
  local n=$1 csv=$2 jobs=$3; shift 3
  one_run "$csv" "$jobs" "$@" > /dev/null # warm the page cache
  : > "$work/s"; : > "$work/m"
  for _ in $(seq "$runs"); do
    read -r s m < <(one_run "$csv" "$jobs" "$@")
    echo "$s" >> "$work/s"; echo "$m" >> "$work/m"
  done
  local s m
  s=$(median < "$work/s"); m=$(median < "$work/m")
  awk -v n="$n" -v s="$s" -v m="$m" -v j="$jobs" -v x="$*" \
    'BEGIN {printf "| %d | -j%d %s | %.2f | %.0f | %.1f |\n", n, j, x, s, n / s, m / 1024}'
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "briefpress: $("$bp" batch --help >/dev/null 2>&1; git rev-parse --short HEAD 2>/dev/null || echo '?'), $runs runs each, medians"
echo
echo "| records | run | seconds | profiles/s | peak MB |"
echo "|---|---|---|---|---|"
measure 200 "$work/r200.csv" 1
measure 200 "$work/r200.csv" 2
measure 1000 "$work/r1000.csv" 2
measure 200 "$work/r200.csv" 1 --no-cache
measure 200 "$work/r200.csv" 2 --no-cache

# one process per record
ids=$(tail -n +2 "$work/r200.csv" | head -n "$per_process" | cut -d, -f1)
start=$(date +%s.%N)
for id in $ids; do
  "$bp" batch "$tpl" "$work/r200.csv" --data data -o "$work/one" --only "$id" -j 1 -q 2>/dev/null
done
end=$(date +%s.%N)
awk -v n="$per_process" -v a="$start" -v b="$end" \
  'BEGIN {s = b - a; printf "| %d | one process per record | %.2f | %.1f | |\n", n, s, n / s}'
