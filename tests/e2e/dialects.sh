#!/usr/bin/env bash
# e2e: CSV dialects as spreadsheets export them (issue 15). The sample
# countries and the brief's crypto series are rewritten as LibreOffice and
# Excel write them in a German locale (UTF-8 BOM, CRLF, ';', 1.650,5,
# 25.10.2023) and must give the very same PDFs as the originals: the dialect
# declared in the metadata JSON, or on batch's command line; ';' with no
# declaration is detected with a warning. A value the dialect cannot read is
# reported at the same file:line:col by check, render and batch.
# Args: BRIEFPRESS BUILD_DIR.
set -uo pipefail
bp=$1 build=$2
export LSAN_OPTIONS="suppressions=$PWD/tests/fixtures/lsan-third-party.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
work=$build/e2e-dialects
rm -rf "$work" && mkdir -p "$work"
export SOURCE_DATE_EPOCH=1700000000
t=templates/country-profile.json
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# german SRC DST [DATECOL]: SRC as a German LibreOffice export: BOM, CRLF,
# ';' (fields holding ';' quoted), numbers with ',' and '.', DATECOL as DD.MM.YYYY
german() {
  python3 - "$@" <<'PY'
import csv, re, sys
src, dst = sys.argv[1], sys.argv[2]
datecol = sys.argv[3] if len(sys.argv) > 3 else None
rows = list(csv.reader(open(src, encoding="utf-8", newline="")))
head = rows[0]
def de_number(v):
    if not re.fullmatch(r"-?\d+(\.\d+)?", v):
        return v
    whole, _, frac = v.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + ".".join(groups) + ("," + frac if frac else "")
out = [head]
for r in rows[1:]:
    r = list(r)
    for i, v in enumerate(r):
        if head[i] == datecol and re.fullmatch(r"\d{4}-\d\d-\d\d", v):
            y, m, d = v.split("-")
            r[i] = f"{d}.{m}.{y}"
        elif i > 0 and head[i] not in ("source_id", "note", "id", "iso2"):
            r[i] = de_number(v)
    out.append(r)
with open(dst, "w", encoding="utf-8-sig", newline="") as f:
    csv.writer(f, delimiter=";", lineterminator="\r\n").writerows(out)
PY
}

# 1. batch: the countries as a German export make the same profiles
mkdir -p "$work/de" "$work/cli"
german data/countries.csv "$work/de/countries.csv" closed_on
grep -q $'^\xef\xbb\xbfid;iso2;' "$work/de/countries.csv" || bad "the export has no BOM and ';'"
grep -q '20.11.2023' "$work/de/countries.csv" || bad "the export has no German date"
printf '{"description": "LibreOffice, German", "csv": {"delimiter": ";", "date_format": "DD.MM.YYYY"}}\n' \
  > "$work/de/countries.json"
cp "$work/de/countries.csv" "$work/cli/countries.csv" # no metadata: the command line says it
"$bp" batch $t data/countries.csv -o "$work/p-orig" -j 2 -q 2> "$work/orig.err" || bad "batch orig: $(cat "$work/orig.err")"
"$bp" batch $t "$work/de/countries.csv" --data data -o "$work/p-de" -j 2 2> "$work/de.err" ||
  bad "batch de: $(cat "$work/de.err")"
"$bp" batch $t "$work/cli/countries.csv" --data data -o "$work/p-cli" -j 2 --delimiter ';' \
  --date-format DD.MM.YYYY 2> "$work/cli.err" || bad "batch --delimiter: $(cat "$work/cli.err")"
n=0
for f in "$work"/p-orig/*.pdf; do
  n=$((n + 1))
  b=$(basename "$f")
  cmp -s "$f" "$work/p-de/$b" || bad "p-de/$b differs from the profile of data/countries.csv"
  cmp -s "$f" "$work/p-cli/$b" || bad "p-cli/$b differs from the profile of data/countries.csv"
done
[ $n -eq 15 ] || bad "$n profiles, expected 15"
grep -q "warning" "$work/de.err" "$work/cli.err" && bad "a warning with a declared dialect: $(cat "$work/de.err" "$work/cli.err")"

# ';' not declared: detected, with a warning that says how to declare it
mkdir -p "$work/undeclared"
python3 -c "
import csv, sys
rows = list(csv.reader(open('data/countries.csv', encoding='utf-8', newline='')))
csv.writer(open(sys.argv[1], 'w', encoding='utf-8', newline=''), delimiter=';').writerows(rows)" \
  "$work/undeclared/countries.csv"
"$bp" batch $t "$work/undeclared/countries.csv" --data data -o "$work/p-und" --only dr-congo -j 1 \
  2> "$work/und.err" || bad "batch undeclared: $(cat "$work/und.err")"
grep -q "countries.csv:1:1: warning: columns are separated by ';'" "$work/und.err" ||
  bad "no warning for a detected ';': $(cat "$work/und.err")"
cmp -s "$work/p-orig/dr-congo.pdf" "$work/p-und/dr-congo.pdf" || bad "p-und/dr-congo.pdf differs"

# 2. render: the brief with its crypto series as a German export is the same PDF
rm -rf "$work/d" && mkdir -p "$work/d" && cp -r data templates "$work/d/"
D=$work/d/data
german data/series/crypto_theft.csv "$D/series/crypto_theft.csv"
grep -q '1.650,5' "$D/series/crypto_theft.csv" || bad "the series export has no 1.650,5"
python3 - "$D/series/crypto_theft.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1], encoding="utf-8"))
m["csv"] = {"delimiter": ";", "decimal": ",", "thousands": "."}
json.dump(m, open(sys.argv[1], "w", encoding="utf-8"), ensure_ascii=False)
PY
"$bp" render data/briefs/nk-missions.json -o "$work/orig.pdf" || bad "render orig"
"$bp" render "$D/briefs/nk-missions.json" -o "$work/de.pdf" 2> "$work/render-de.err" ||
  bad "render de: $(cat "$work/render-de.err")"
cmp -s "$work/orig.pdf" "$work/de.pdf" || bad "the brief from the German series differs"
out=$("$bp" check --no-fonts "$D" 2>&1) || bad "check of the German data: $out"

# 3. a value the dialect cannot read: the same file:line:col from check, render and batch
sed -i 's/1\.650,5/1.65,5/' "$D/series/crypto_theft.csv"
msg=$("$bp" render "$D/briefs/nk-missions.json" -o "$work/x.pdf" 2>&1 | grep -m1 '^briefpress: ')
msg=${msg#briefpress: }
case "$msg" in *"crypto_theft.csv:"*":"*": non-numeric value '1.65,5' in column 'usd_millions'"*) ;;
*) bad "render: $msg" ;; esac
[ -e "$work/x.pdf" ] && bad "render wrote a PDF"
loc=${msg%%: non-numeric*}
loc=${loc##*/} # render names it through the brief's folder (briefs/../series/...)
chk=$("$bp" check --no-caret --no-fonts "$D" 2>&1)
case "$chk" in *"/$loc: error: non-numeric value '1.65,5'"*) ;; *) bad "check does not say '$loc': $chk" ;; esac
sed -i 's/20\.11\.2023/31.11.2023/' "$work/de/countries.csv"
"$bp" batch $t "$work/de/countries.csv" --data data -o "$work/p-bad" -j 2 2> "$work/bad.err"
[ $? -eq 1 ] || bad "batch with a bad date: exit status"
line=$(grep -n '31.11.2023' "$work/de/countries.csv" | cut -d: -f1)
want="countries.csv:$line:"
grep -q "$want[0-9]*: field closed_on: invalid date '31.11.2023'" "$work/p-bad/manifest.json" ||
  bad "the manifest does not name $want: $(grep -m1 -o '"error": "[^"]*"' "$work/p-bad/manifest.json")"
col=$(grep -o "$want[0-9]*: field closed_on" "$work/p-bad/manifest.json" | head -1 | cut -d: -f3)
chk=$("$bp" check --no-caret --no-fonts "$work/de/countries.csv" 2>&1)
case "$chk" in *"countries.csv:$line:$col: error: invalid date '31.11.2023' in column 'closed_on'"*) ;;
*) bad "check does not say countries.csv:$line:$col: $chk" ;; esac

# bad dialects on the command line: usage errors
"$bp" batch $t data/countries.csv -o "$work/u" --decimal ';' 2> "$work/u.err"
[ $? -eq 2 ] && grep -q -- "--decimal" "$work/u.err" || bad "--decimal ';': $(cat "$work/u.err")"
"$bp" batch $t data/countries.csv -o "$work/u" --date-format 'DD.MM.YY' 2> "$work/u.err"
[ $? -eq 2 ] && grep -q -- "--date-format" "$work/u.err" || bad "--date-format YY: $(cat "$work/u.err")"
"$bp" batch $t data/countries.csv -o "$work/u" --delimiter , --decimal , 2> "$work/u.err"
[ $? -eq 1 ] && grep -q "both ','" "$work/u.err" || bad "--delimiter , --decimal ,: $(cat "$work/u.err")"
[ -e "$work/u" ] && bad "a refused batch made its folder"

[ $fail -eq 0 ] && echo "dialects: $n profiles and the brief identical from German exports; errors agree"
exit $fail
