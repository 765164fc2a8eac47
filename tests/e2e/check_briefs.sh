#!/usr/bin/env bash
# e2e: `briefpress check` also loads and lays out every brief of a data
# folder: an unknown claim, content the template has no section for, and a
# brief that overflows its page are errors naming the file (and line:column).
# Args: BRIEFPRESS BUILD_DIR.
set -euo pipefail
bp=$1 build=$2
work=$build/e2e-check-briefs
rm -rf "$work" && mkdir -p "$work"
cp -r data templates "$work/"
cp tests/fixtures/sample/briefs/overflow-template.json "$work/templates/"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
b = json.load(open(f"{w}/data/briefs/nk-missions.json"))
bad = dict(b, findings=b["findings"] + ["no-such-claim"])
json.dump(bad, open(f"{w}/data/briefs/a-unknown-claim.json", "w"), indent=2)
body = dict(b, body=["A paragraph the template has no place for [@mbc_20231205]."])
json.dump(body, open(f"{w}/data/briefs/b-no-section.json", "w"), indent=2)
long = dict(b, template="../../templates/overflow-template.json",
            body=["North Korea's missions abroad were expected to pay their own way; "
                  "sanctions and the pandemic made them a cost [@mbc_20231205]."] * 30)
json.dump(long, open(f"{w}/data/briefs/c-overflow.json", "w"), indent=2)
PY
set +e
"$bp" check "$work/data" > "$work/out.txt" 2>&1
rc=$?
set -e
cat "$work/out.txt"
fail=0
[[ $rc == 1 ]] || { echo "FAIL: exit $rc, want 1"; fail=1; }
grep -q 'a-unknown-claim.json:[0-9]*:[0-9]*: error: unknown claim "no-such-claim"' "$work/out.txt" ||
  { echo "FAIL: unknown claim not reported"; fail=1; }
grep -q 'b-no-section.json:[0-9]*:[0-9]*: error: the template .* has no "body" section' "$work/out.txt" ||
  { echo "FAIL: missing body section not reported"; fail=1; }
grep -q 'c-overflow.json: error: the brief overflows its one page by' "$work/out.txt" ||
  { echo "FAIL: overflow not reported"; fail=1; }
grep -q ': 3 errors, 0 warnings$' "$work/out.txt" || { echo "FAIL: summary"; fail=1; }
# and the sample data folder checks clean, briefs included
"$bp" check data | tail -1 | grep -q '^data: 0 errors, 0 warnings$' || { echo "FAIL: data/ not clean"; fail=1; }
exit $fail
