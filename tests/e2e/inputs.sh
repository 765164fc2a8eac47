#!/usr/bin/env bash
# inputs.sh - what briefpress refuses to read, end to end: paths named in
# data files that leave the data folder, folders, FIFOs and devices (no
# hang), text over the limits, a finding listed twice, a claim that is only a
# citation, a NUL in a batch record, a UTF-16 records file, bad --dpi and
# --name values. Each refusal is an error naming the input (file:line:col
# where there is one), and `check` reports what `render` does.
# Usage: inputs.sh <briefpress> <build-dir>   (cwd: source root)
set -u
bp=$1 build=$2
export LSAN_OPTIONS="suppressions=$PWD/tests/fixtures/lsan-third-party.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
work=$build/e2e-inputs
rm -rf "$work" && mkdir -p "$work"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

. tests/e2e/lib/errors.bash

fresh() { rm -rf "$work/d" && mkdir -p "$work/d" && cp -r data templates "$work/d/"; }
D=$work/d/data

# paths named in data files stay in the data folder
fresh
art=$D/articles/nk-missions.json
python3 - "$art" /etc/passwd <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); a["body"] = sys.argv[2]; json.dump(a, open(sys.argv[1], "w"))
PY
run body-absolute 1 '"body": /etc/passwd is an absolute path' "$bp" render "$art" -o "$work/x.pdf"
same_as_check body-absolute "$D"
sed -i 's|"/etc/passwd"|"../../../../../../../../../etc/passwd"|' "$art"
run body-dotdot 1 'is outside the data folder' "$bp" render "$art" -o "$work/x.pdf"
same_as_check body-dotdot "$D"
ln -s /etc/passwd "$D/articles/p.md"
sed -i 's|"../../../../../../../../../etc/passwd"|"p.md"|' "$art"
run body-symlink 1 'leads through a symbolic link to /etc/passwd' "$bp" render "$art" -o "$work/x.pdf"
same_as_check body-symlink "$D"
rm "$D/articles/p.md" && mkfifo "$D/articles/p.md"
run body-fifo 1 'is a FIFO (named pipe), not a file' "$bp" render "$art" -o "$work/x.pdf"
same_as_check body-fifo "$D"
rm "$D/articles/p.md" && mkdir "$D/articles/p.md"
run body-folder 1 'p.md is a folder, not a file' "$bp" render "$art" -o "$work/x.pdf"
[ -e "$work/x.pdf" ] && bad "a PDF was written"

fresh
echo '{"title": "T", "data": "/dev/zero"}' > "$D/series/zero.json"
run series-data 1 'zero.json:1:25: error: "data": /dev/zero is an absolute path' "$bp" check --no-fonts "$D"

# inputs that are not regular files: a clear message, at once
run input-device 1 '/dev/zero:1:1: is a character device, not a file' "$bp" render /dev/zero -o "$work/x.pdf"
run input-folder 1 'is a folder, not a file' "$bp" render "$D" -o "$work/x.pdf"
mkfifo "$work/fifo.json"
run input-fifo 1 'is a FIFO (named pipe), not a file' "$bp" render "$work/fifo.json" -o "$work/x.pdf"
run records-folder 1 'is a folder, not a file' "$bp" batch templates/country-profile.json "$D" -o "$work/p"

# text limits, a finding twice, a claim that is only a citation
fresh
brief=$D/briefs/nk-missions.json
python3 - "$brief" <<'PY'
import json, sys
b = json.load(open(sys.argv[1])); b["title"] = " ".join(["word"] * 250000)
json.dump(b, open(sys.argv[1], "w"), indent=2)
PY
run title-1mb 1 'a text of 1249999 bytes is longer than the limit of 65536 bytes' \
  "$bp" render "$brief" -o "$work/x.pdf"
same_as_check title-1mb "$D"
fresh
python3 - "$brief" <<'PY'
import json, sys
b = json.load(open(sys.argv[1])); b["findings"].append(b["findings"][2])
json.dump(b, open(sys.argv[1], "w"), indent=2)
PY
run finding-twice 1 'is listed twice in "findings" (also item 3)' "$bp" render "$brief" -o "$work/x.pdf"
same_as_check finding-twice "$D"
fresh
python3 - "$D/claims/nk-missions.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c[0]["text"] = " [@" + c[0]["cites"][0] + "] " if c[0].get("cites") else c[0]["text"].split(".")[-1]
json.dump(c, open(sys.argv[1], "w"), indent=1, ensure_ascii=False)
PY
run claim-only-cite 1 'claim text is only a citation' "$bp" render "$brief" -o "$work/x.pdf"
same_as_check claim-only-cite "$D"

# batch: a NUL fails its record (it cut "Guinea" to "Gui"); UTF-16 the batch
fresh
mkdir -p "$work/u"
python3 - tests/fixtures/batch/small.csv "$D/nul.csv" "$work/u/utf16.csv" <<'PY'
import sys
s = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(s.replace(b"Guinea", b"Gui\0nea", 1))
open(sys.argv[3], "wb").write(s.decode().encode("utf-16"))
PY
run batch-nul 1 'nul.csv:2:14: field name_en: NUL byte (U+0000)' "$bp" batch templates/country-profile.json "$D/nul.csv" -o "$work/p1" -q
[ -e "$work/p1/guinea.pdf" ] && bad "batch-nul: the record with a NUL was written"
run batch-utf16 1 'utf16.csv:1:1: the file is UTF-16 (little-endian), not UTF-8; save it as UTF-8' \
  "$bp" batch templates/country-profile.json "$work/u/utf16.csv" --data "$D" -o "$work/p2" -q

# options
for dpi in nan inf -96 0 1e9 96x ''; do
  run "dpi '$dpi'" 2 "--dpi must be a number from 10 to 2400, not '$dpi'" \
    "$bp" preview data/briefs/nk-missions.json -o "$work/pv" --dpi "$dpi"
done
run name-unknown 2 "no column 'nosuch' (known fields: {id}, {iso2}," \
  "$bp" batch templates/country-profile.json tests/fixtures/batch/small.csv --data data -o "$work/p3" --name '{iso2}-{nosuch}'
[ -e "$work/p3" ] && bad "name-unknown: the output folder was made"

[ $fail -eq 0 ] && echo "inputs: ok"
exit $fail
