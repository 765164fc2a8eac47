#!/usr/bin/env bash
# bench/render.sh - times the sample article and brief end to end (whole
# process, as a user runs it) with hyperfine, and reports peak memory and
# file sizes. Run by hand on an idle machine: `bash bench/render.sh`.
# Figures go to docs/performance.md. Needs hyperfine (Debian package).
set -euo pipefail
cd "$(dirname "$0")/.."
bp=${BRIEFPRESS:-build/briefpress}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for case in "article data/articles/nk-missions.json" "brief data/briefs/nk-missions.json"; do
  set -- $case
  name=$1 input=$2
  "$bp" render "$input" -o "$out/$name.pdf" # warm the font cache
  hyperfine -N --warmup 3 --runs ${RUNS:-30} --export-json "$out/$name.json" \
    "$bp render $input -o $out/$name.pdf" > /dev/null
  median=$(python3 -c "import json,statistics;r=json.load(open('$out/$name.json'))['results'][0];print(f\"{statistics.median(r['times'])*1000:.0f}\")")
  rss=$( { /usr/bin/time -f %M "$bp" render "$input" -o "$out/$name.pdf"; } 2>&1 | tail -1)
  echo "$name: median ${median} ms, peak RSS $((rss / 1024)) MiB, $(stat -c %s "$out/$name.pdf") bytes"
done
