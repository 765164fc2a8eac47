#!/usr/bin/env bash
# bench/render.sh - the sample article and brief end to end (whole process,
# as a user runs it): RUNS runs each (default 30), the two documents
# interleaved so that a busy host slows both alike; prints the medians of
# CPU time (user + sys, what the issue's targets count: on a shared host
# wall time moves 2x) and wall time, peak RSS and the file size. With
# INSTR=1 also the instruction count under callgrind (valgrind), which does
# not move with the host's load. Run by hand: `bash bench/render.sh`.
# Figures go to docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bp=${BRIEFPRESS:-build/briefpress}
runs=${RUNS:-30}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "load $(cut -d' ' -f1-3 /proc/loadavg); $runs runs each, interleaved, medians"
names=(article brief)
inputs=(data/articles/nk-missions.json data/briefs/nk-missions.json)
for i in 0 1; do "$bp" render "${inputs[$i]}" -o "$out/${names[$i]}.pdf"; done # warm caches
for _ in $(seq "$runs"); do
  for i in 0 1; do
    python3 bench/rusage.py "$out/${names[$i]}.t" \
      "$bp" render "${inputs[$i]}" -o "$out/${names[$i]}.pdf"
  done
done
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for i in 0 1; do
  t=$out/${names[$i]}.t
  cpu=$(awk '{print ($1 + $2) * 1000}' "$t" | median)
  wall=$(awk '{print $3 * 1000}' "$t" | median)
  rss=$(awk '{print $4}' "$t" | median)
  line=$(printf '%s: CPU %.1f ms, wall %.0f ms, peak RSS %.1f MiB,' "${names[$i]}" "$cpu" "$wall" \
    "$(awk -v k="$rss" 'BEGIN {print k / 1024}')")
  line+=" $(stat -c %s "$out/${names[$i]}.pdf") bytes"
  if [ "${INSTR:-0}" = 1 ]; then
    ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
      "$bp" render "${inputs[$i]}" -o "$out/${names[$i]}.pdf" 2>&1 |
      sed -n 's/.*Collected : //p')
    line+=", $((ir / 1000000)) M instructions"
  fi
  echo "$line"
done
