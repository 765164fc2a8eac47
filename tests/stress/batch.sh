#!/usr/bin/env bash
# tests/stress/batch.sh BRIEFPRESS WORK_DIR [N] [JOBS] [RUNS] - the batch
# stress test: N distinct synthetic records (scripts/gen-records, default
# 10,000) rendered by `briefpress batch -j JOBS` (default 8), RUNS times
# (default 1; STRESS_RUNS overrides), each into an empty folder. With
# STRESS_NOTES_STYLE set (a CSL style id or path), the country profile's
# endnotes are in that style (for a style that sorts its entries, threads
# sort at once: the TSan test tsan/batch-sorted-notes). Every run
# must exit 0 and its manifest must say 0 failed and list N written PDFs,
# each present with the bytes and SHA-256 it gives (check_stress.py); a
# sample opens in qpdf. Prints CPU and wall time per run. On success the
# PDFs are removed again (10,000 profiles take ~250 MB).
set -euo pipefail
bp=$1 work=$2 n=${3:-10000} jobs=${4:-8} runs=${STRESS_RUNS:-${5:-1}}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rm -rf "$work" && mkdir -p "$work"
python3 "$root/scripts/gen-records" "$n" --seed 16 --data "$root/data" > "$work/records.csv"
template=$root/templates/country-profile.json
if [ -n "${STRESS_NOTES_STYLE:-}" ]; then
  python3 - "$template" "$STRESS_NOTES_STYLE" > "$work/template.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1], encoding="utf-8"))
notes = [s for s in t["sections"] if s["type"] == "endnotes"]
assert notes, "the template has no endnotes section"
for s in notes:
    s["style"] = sys.argv[2]
json.dump(t, sys.stdout, ensure_ascii=False, indent=1)
EOF
  template=$work/template.json
fi
for run in $(seq "$runs"); do
  out=$work/run$run
  /usr/bin/time -f "%e s wall, %U s user, %S s sys, %M KB peak" -o "$work/time$run" \
    "$bp" batch "$template" "$work/records.csv" --data "$root/data" \
    -o "$out" -j "$jobs" -q 2> "$work/run$run.err" || {
    echo "FAIL: run $run of $runs: batch exited $?"
    grep -v '^briefpress: batch:' "$work/run$run.err" | head -20
    exit 1
  }
  python3 "$here/check_stress.py" "$out" "$n" || { echo "FAIL: run $run of $runs"; exit 1; }
  echo "run $run of $runs: $n records at -j $jobs: $(cat "$work/time$run")"
  rm -rf "$out"
done
rm -rf "$work"
