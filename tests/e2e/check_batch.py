"""Checks what batch.sh made: every profile PDF opens (qpdf --check), shows
its country's English and Korean names (pdftotext), embeds subset fonts;
the manifest lists every record with the right file, bytes and SHA-256; a
re-run skips all, --force rewrites the same bytes, shards make the same
files; the hostile fixture gives safe names, its bad records fail with
their field named, and nothing else is written."""
import csv
import hashlib
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pdfcheck import check, finish, pdffonts, pdftotext, qpdf_check, run

work, countries_csv, hostile_csv = sys.argv[1:4]


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def manifest(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def entries_match_files(m, folder, what):
    for e in m["records"]:
        if e["status"] == "failed":
            continue
        p = os.path.join(folder, e["file"])
        if not check(os.path.isfile(p), f"{what}: {e['id']}: {p} missing"):
            continue
        check(os.path.getsize(p) == e["bytes"], f"{what}: {e['id']}: bytes {e['bytes']} != {os.path.getsize(p)}")
        check(sha(p) == e["sha256"], f"{what}: {e['id']}: sha256 differs from the file")
        check(e["pages"] >= 1, f"{what}: {e['id']}: pages {e['pages']}")


countries = rows(countries_csv)
prof = os.path.join(work, "profiles")
m = manifest(os.path.join(prof, "manifest.json"))
ids = [e["id"] for e in m["records"]]
check(ids == [r["id"] for r in countries], f"manifest ids {ids} differ from the CSV")
check(m["summary"]["failed"] == 0, f"{m['summary']['failed']} failed")
entries_match_files(m, prof, "profiles")
for r, e in zip(countries, m["records"]):
    check(e["status"] == "written", f"{r['id']}: status {e['status']} after --force")
    check(e["file"] == r["id"] + ".pdf", f"{r['id']}: file {e['file']}")
    check(r["name_en"] in e["title"] and r["name_ko"] in e["title"], f"{r['id']}: title {e['title']!r}")
    pdf = os.path.join(prof, e["file"])
    qpdf_check(pdf)
    fonts = pdffonts(pdf)
    check(len(fonts) <= 4, f"{pdf}: {len(fonts)} fonts")
    text = pdftotext(pdf)
    flat = re.sub(r"\s+", " ", text)
    check(r["name_en"] in flat, f"{pdf}: English name {r['name_en']!r} not in the text")
    check(r["name_ko"] in text, f"{pdf}: Korean name {r['name_ko']!r} not in the text")
    if r["city"]:
        check(r["city"].split(";")[0].split(" (")[0] in flat, f"{pdf}: city {r['city']!r} not in the text")
    check("Notes" in text, f"{pdf}: no endnotes")
    info = run(["pdfinfo", pdf]).stdout
    check(f"Title:" in info and r["name_en"] in info, f"{pdf}: document title not set: {info[:200]}")
    size = os.path.getsize(pdf)
    check(size < 80 * 1024, f"{pdf}: {size} bytes, over 80 KB")
leftovers = [f for f in os.listdir(prof) if ".tmp" in f]
check(not leftovers, f"temporary files left: {leftovers}")

# the re-run skipped everything; --force wrote the same bytes again
m2 = manifest(os.path.join(work, "manifest-run2.json"))
check(all(e["status"] == "unchanged" for e in m2["records"]), "re-run rendered something")
check(m2["summary"]["unchanged"] == len(countries), f"re-run summary {m2['summary']}")
for a, b in zip(m2["records"], m["records"]):
    check(a["sha256"] == b["sha256"], f"{a['id']}: --force changed the bytes")
run2 = open(os.path.join(work, "run2.err"), encoding="utf-8").read()
check(re.search(r"0 written, %d unchanged, 0 failed" % len(countries), run2) is not None,
      f"re-run summary line: {run2!r}")
# (sanitizer builds append their own report after it)
ours = [l for l in run2.splitlines() if l.startswith("briefpress")]
check(len(ours) == 1, f"not a terminal: one summary line expected, got {run2!r}")

# shards: the union is every record, the files are the same
sh = os.path.join(work, "sharded")
s0 = manifest(os.path.join(sh, "manifest.shard-0-of-2.json"))
s1 = manifest(os.path.join(sh, "manifest.shard-1-of-2.json"))
check([e["id"] for e in s0["records"]] == [r["id"] for r in countries[0::2]], "shard 0/2 records")
check([e["id"] for e in s1["records"]] == [r["id"] for r in countries[1::2]], "shard 1/2 records")
by_id = {e["id"]: e for e in m["records"]}
for e in s0["records"] + s1["records"]:
    check(e["sha256"] == by_id[e["id"]]["sha256"], f"{e['id']}: sharded file differs from the one-run file")
entries_match_files(s0, sh, "shard 0")
entries_match_files(s1, sh, "shard 1")
only = manifest(os.path.join(work, "only", "manifest.json"))
check([e["id"] for e in only["records"]] == ["dr-congo"], "--only")
check(only["records"][0]["sha256"] == by_id["dr-congo"]["sha256"], "--only made different bytes")

# the hostile fixture
hostile = rows(hostile_csv)
hdir = os.path.join(work, "hostile")
rc = int(open(os.path.join(work, "hostile.rc")).read())
check(rc == 1, f"hostile batch exit {rc}, expected 1")
hm = manifest(os.path.join(hdir, "manifest.json"))
check(len(hm["records"]) == len(hostile), f"hostile manifest has {len(hm['records'])} records")
files = sorted(os.listdir(hdir))
for f in files:
    check(f == "manifest.json" or re.fullmatch(r"[a-z0-9_][a-z0-9_-]*\.pdf", f) is not None, f"unsafe file name {f!r}")
    check(len(f) <= 100, f"file name too long: {f!r}")
check(not os.path.exists(os.path.join(work, "etc")) and not os.path.exists("/etc/passwd.pdf"), "a file escaped the folder")
# "long": a 300-character name makes the running footer four lines, more than
# the bottom margin holds: an error for that record, never a footer drawn to
# the page's edge
expect_fail = {"bad-date": "closed_on", "bad-glyph": "name_en", "bad-country": "iso2", "bad id!": "id",
               "long": "footer"}
err = open(os.path.join(work, "hostile.err"), encoding="utf-8").read()
for e in hm["records"]:
    if e["id"] in expect_fail:
        check(e["status"] == "failed", f"{e['id']}: status {e['status']}")
        fld = (e.get("error") or {}).get("field")
        check(fld == expect_fail[e["id"]], f"{e['id']}: error field {fld!r}, expected {expect_fail[e['id']]!r}")
        check(not os.path.exists(os.path.join(hdir, e["file"])) or e["file"] in [x["file"] for x in hm["records"] if x["status"] != "failed"],
              f"{e['id']}: a file was written for a failed record")
        check(expect_fail[e["id"]] in err, f"{e['id']}: stderr does not name the field")
    else:
        check(e["status"] == "written", f"{e['id']}: status {e['status']}: {e.get('error')}")
names = {e["id"]: e["file"] for e in hm["records"]}
check(names["traversal"] == "etc-passwd.pdf", f"traversal -> {names['traversal']}")
check(names["slash"] == "a-b.pdf", f"slash -> {names['slash']}")
check(names["dots"] == "dots.pdf", f"dots -> {names['dots']}")
check(names["unicode"] == "cote-divoire.pdf", f"unicode -> {names['unicode']}")
check(names["hangul"] == "daehanminguk.pdf", f"hangul -> {names['hangul']}")
check(names["dup-slug-2"] == "angola-2.pdf", f"dup-slug-2 -> {names['dup-slug-2']}")
check(len(names["long"]) <= 100, f"long -> {names['long']}")
check(len(set(names.values())) == len(names), "two records share a file name")
entries_match_files(hm, hdir, "hostile")
for e in hm["records"]:
    if e["status"] != "failed":
        qpdf_check(os.path.join(hdir, e["file"]))
check("대한민국" in pdftotext(os.path.join(hdir, names["hangul"])), "Hangul-only name not in its PDF")
check(any("empty" in w or "name" in w for w in [x for e in hm["records"] if e["id"] == "empty" for x in e["warnings"]]),
      "an empty name gives no warning")

# set-up errors
check(int(open(os.path.join(work, "usage.rc")).read()) == 2, "missing -o is not exit 2")
check(int(open(os.path.join(work, "dup.rc")).read()) == 1, "duplicate ids are not exit 1")
dup = open(os.path.join(work, "dup.err"), encoding="utf-8").read()
check("duplicate id 'x'" in dup and "dup.csv:3" in dup, f"duplicate id message: {dup!r}")
check(not os.path.exists(os.path.join(work, "dup")) or not os.listdir(os.path.join(work, "dup")), "files written for a bad CSV")
finish("batch")
