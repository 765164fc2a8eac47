#!/usr/bin/env bash
# e2e: the seed article rendered as a user gets it: opens in qpdf, poppler,
# PDF.js, PDFium and MuPDF, text back in order (Korean included), fonts
# embedded and subset with ToUnicode, links, PNG device = pdftoppm, two runs
# byte-identical, size budget. Args: BRIEFPRESS BUILD_DIR.
set -euo pipefail
bp=$1 build=$2
work=$build/e2e-article
rm -rf "$work" && mkdir -p "$work"
"$bp" render data/articles/nk-missions.json -o "$work/a.pdf" --png "$work/png" --dpi 60
"$bp" render data/articles/nk-missions.json -o "$work/b.pdf"
exec python3 tests/e2e/check_article.py "$work" data/articles/nk-missions.json
