#!/usr/bin/env python3
"""manifest_true.py DIR [MANIFEST] [--all N]: the batch manifest tells the truth.

Every entry that says "written" or "unchanged" names a file in DIR whose size
and SHA-256 are the entry's and which qpdf --check accepts; every "failed"
entry has no file. With --all N the manifest must list N records, none
failed. Exit 1 with one line per lie."""
import hashlib, json, os, subprocess, sys

args = sys.argv[1:]
want_all = None
if "--all" in args:
    i = args.index("--all")
    want_all = int(args[i + 1])
    del args[i:i + 2]
folder = args[0]
mpath = args[1] if len(args) > 1 else os.path.join(folder, "manifest.json")
bad = []
if not os.path.exists(mpath):
    if want_all is not None:
        bad.append(f"{mpath}: no manifest")
    entries = []
else:
    entries = json.load(open(mpath, encoding="utf-8"))["records"]
for e in entries:
    path = os.path.join(folder, e["file"])
    if e["status"] == "failed":
        if os.path.exists(path):
            bad.append(f"{e['id']}: failed, yet {e['file']} exists")
        continue
    if not os.path.isfile(path):
        bad.append(f"{e['id']}: {e['status']}, yet {e['file']} is missing")
        continue
    data = open(path, "rb").read()
    if len(data) != e["bytes"]:
        bad.append(f"{e['id']}: {e['file']} has {len(data)} bytes, the manifest says {e['bytes']}")
    if hashlib.sha256(data).hexdigest() != e["sha256"]:
        bad.append(f"{e['id']}: {e['file']} does not match the manifest's SHA-256")
    if subprocess.run(["qpdf", "--check", path], capture_output=True).returncode not in (0, 3):
        bad.append(f"{e['id']}: {e['file']} fails qpdf --check")
if want_all is not None:
    ok = [e for e in entries if e["status"] in ("written", "unchanged")]
    if len(ok) != want_all or len(entries) != want_all:
        bad.append(f"{mpath}: {len(ok)} of {len(entries)} entries good, expected {want_all}")
for b in bad:
    print(f"FAIL: {b}")
sys.exit(1 if bad else 0)
