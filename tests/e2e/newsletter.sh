#!/usr/bin/env bash
# e2e: `briefpress newsletter` as a user runs it: the sample brief, a brief
# with a Korean title and the sample article packaged into PDF + page-1 PNG +
# .eml; the message parsed by Python's email package; the preview against
# pdftoppm; the size budget; delivery to a real SMTP server on 127.0.0.1
# (see check_newsletter.py). Args: BRIEFPRESS BUILD_DIR.
set -euo pipefail
bp=$1 build=$2
work=$build/e2e-newsletter
rm -rf "$work" && mkdir -p "$work"
export SOURCE_DATE_EPOCH=1712102400 # 2024-04-03
"$bp" newsletter data/briefs/nk-missions.json -o "$work/en" --from a@example.org --to b@example.org
"$bp" newsletter data/briefs/nk-missions.json -o "$work/en2" --from a@example.org --to b@example.org
"$bp" newsletter tests/fixtures/sample/briefs/korean-title.json -o "$work/ko" \
  --from "NKR Desk <desk@example.org>" --to "b@example.org" --to "김 <c@example.org>"
"$bp" newsletter data/articles/nk-missions.json -o "$work/article"
exec python3 tests/e2e/check_newsletter.py "$work" "$bp"
