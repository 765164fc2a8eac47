"""check_stress.py DIR N - the manifest of a stress batch says 0 failed and
N written, lists N records each "written" with no error, and every listed
PDF is in DIR with the manifest's bytes and SHA-256 (a PDF header and an
%%EOF trailer); 20 of them, spread over the batch, pass qpdf --check."""
import hashlib
import json
import os
import subprocess
import sys

folder, n = sys.argv[1], int(sys.argv[2])
problems = []
with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
    m = json.load(f)
s = m["summary"]
if s["failed"] != 0 or s["written"] != n or s["selected"] != n:
    problems.append(f"summary: {s} (expected {n} written, 0 failed)")
recs = m["records"]
if len(recs) != n:
    problems.append(f"{len(recs)} records in the manifest, expected {n}")
bad = [r for r in recs if r["status"] != "written" or r["error"] is not None]
for r in bad[:10]:
    problems.append(f"{r['id']}: {r['status']}: {r['error']}")
files = set()
for r in recs:
    p = os.path.join(folder, r.get("file") or "")
    if r["status"] != "written":
        continue
    files.add(r["file"])
    try:
        with open(p, "rb") as g:
            data = g.read()
    except OSError as e:
        problems.append(f"{r['id']}: {e}")
        continue
    if len(data) != r["bytes"] or hashlib.sha256(data).hexdigest() != r["sha256"]:
        problems.append(f"{r['id']}: {p} does not match its manifest entry")
    elif not data.startswith(b"%PDF-") or b"%%EOF" not in data[-32:]:
        problems.append(f"{r['id']}: {p} is not a whole PDF")
pdfs = {x for x in os.listdir(folder) if x.endswith(".pdf")}
if pdfs != files or len(pdfs) != n:
    problems.append(f"{len(pdfs)} PDFs in {folder}, {len(files)} listed, expected {n}")
others = [x for x in os.listdir(folder) if not x.endswith(".pdf") and x != "manifest.json"]
if others:
    problems.append(f"left in {folder}: {sorted(others)[:5]}")
for r in recs[:: max(1, n // 20)][:20]:
    q = subprocess.run(["qpdf", "--check", os.path.join(folder, r["file"])],
                       capture_output=True, text=True)
    if q.returncode != 0:
        problems.append(f"{r['id']}: qpdf --check: {q.stdout[-200:]}{q.stderr[-200:]}")
for p in problems[:30]:
    print("FAIL:", p)
sys.exit(1 if problems else 0)
