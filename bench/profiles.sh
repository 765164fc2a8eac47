#!/usr/bin/env bash
# bench/profiles.sh [BRIEFPRESS] - the distinct-profile benchmark, run by
# hand: 50, 1,000 and 10,000 distinct records (scripts/gen-records: every
# name, number and text of a record differs, as in a real batch, so neither
# the piece cache nor the font-subset cache can serve one record from
# another; bench/batch.sh repeats the 15 sample rows instead) through
# `briefpress batch -j JOBS` (default 2), each run into a new empty folder.
# Prints per size the medians over RUNS runs (default 3; one at 10,000) of
# profiles per second (wall), CPU milliseconds (user + sys) per profile and
# peak RSS. SIZES="50 1000" picks the sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
bp=${1:-build/briefpress}
jobs=${JOBS:-2}
runs=${RUNS:-3}
tpl=templates/country-profile.json
work=$(mktemp -d "${TMPDIR:-/tmp}/bp-profiles-XXXXXX")
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "load $(cut -d' ' -f1-3 /proc/loadavg); briefpress $(git rev-parse --short HEAD 2>/dev/null)," \
  "-j $jobs, medians"
echo
echo "| distinct records | runs | profiles/s | CPU ms per profile | peak RSS MB |"
echo "|---|---|---|---|---|"
for n in ${SIZES:-50 1000 10000}; do
  python3 scripts/gen-records "$n" --seed 13 --data data > "$work/r$n.csv"
  r=$runs
  [ "$n" -ge 10000 ] && r=1
  : > "$work/t$n"
  for i in $(seq "$r"); do
    python3 bench/rusage.py "$work/t$n" "$bp" batch "$tpl" "$work/r$n.csv" --data data \
      -o "$work/out$n-$i" -j "$jobs" -q 2> "$work/err" || { cat "$work/err"; exit 1; }
    rm -rf "$work/out$n-$i"
  done
  wall=$(awk '{print $3}' "$work/t$n" | median)
  cpu=$(awk '{print $1 + $2}' "$work/t$n" | median)
  rss=$(awk '{print $4}' "$work/t$n" | median)
  awk -v n="$n" -v r="$r" -v w="$wall" -v c="$cpu" -v m="$rss" \
    'BEGIN {printf "| %d | %d | %.0f | %.2f | %.1f |\n", n, r, n / w, c * 1000 / n, m * 1024 / 1e6}'
done
# INSTR=1: instructions per distinct profile under callgrind (valgrind), which
# do not move with the host's load: a batch of 40 records minus one of 20,
# at -j 1, divided by 20
if [ "${INSTR:-0}" = 1 ]; then
  for n in 20 40; do
    python3 scripts/gen-records "$n" --seed 13 --data data > "$work/i$n.csv"
    ir[$n]=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bp" batch "$tpl" \
      "$work/i$n.csv" --data data -o "$work/iout$n" -j 1 -q 2>&1 | sed -n 's/.*Collected : //p')
  done
  echo
  echo "instructions per distinct profile: $(((ir[40] - ir[20]) / 20000000)) M" \
    "(a batch of 20: $((ir[20] / 1000000)) M)"
fi
