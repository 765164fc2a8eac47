#!/usr/bin/env bash
# e2e: every C file of the project is formatted as .clang-format says.
# Args: BRIEFPRESS BUILD_DIR (unused).
set -euo pipefail
if ! command -v clang-format >/dev/null; then
  echo "format: clang-format is not installed (scripts/bootstrap installs it)" >&2
  exit 1
fi
bad=$(git ls-files '*.c' '*.h' 2>/dev/null | while read -r f; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
if [[ -n $bad ]]; then
  echo "format: not clang-formatted (run: clang-format -i FILE):" >&2
  echo "$bad" >&2
  exit 1
fi
echo "format: $(git ls-files '*.c' '*.h' | wc -l) files clang-formatted"
