#!/usr/bin/env bash
# e2e: the sample one-page brief as a user meets it (see check_brief.py).
# Args: BRIEFPRESS BUILD_DIR.
set -euo pipefail
bp=$1 build=$2
work=$build/e2e-brief
rm -rf "$work" && mkdir -p "$work"
"$bp" render data/briefs/nk-missions.json -o "$work/brief.pdf" --png "$work/png" --dpi 60
"$bp" render data/briefs/nk-missions.json -o "$work/letter.pdf" --template templates/one-page-brief-letter.json
# too much content: a clear message, exit 1, and no PDF
set +e
"$bp" render tests/fixtures/sample/briefs/overflow.json -o "$work/overflow.pdf" 2> "$work/overflow.err"
echo $? > "$work/overflow.rc"
set -e
exec python3 tests/e2e/check_brief.py "$work" data/briefs/nk-missions.json
