#!/usr/bin/env python3
"""Checks that the JSON examples of docs/templates.md work: each whole
template renders the sample brief, and each section example, put into a
shipped template in place of (or beside) the section of its kind, renders
the sample brief or the Nepal profile. Args: BRIEFPRESS WORK_DIR."""
import json
import os
import re
import shutil
import subprocess
import sys

bp, work = sys.argv[1], sys.argv[2]
doc = open("docs/templates.md", encoding="utf-8").read()
failures = []


def run(args):
    p = subprocess.run([bp] + args, capture_output=True, text=True)
    return p.returncode, p.stderr.strip()


def render_brief(tpl_path, out):
    return run(["render", "data/briefs/nk-missions.json", "--template", tpl_path, "-o", out])


def render_profile(tpl_path, out):
    return run(["batch", tpl_path, "data/countries.csv", "-o", out, "--only", "nepal", "-q",
                "--force"])


def with_section(base, section):
    t = json.load(open(base, encoding="utf-8"))
    secs = t["sections"]
    kinds = [s["type"] for s in secs]
    if section["type"] in kinds:
        secs[kinds.index(section["type"])] = section
    elif "endnotes" in kinds:
        secs.insert(kinds.index("endnotes"), section)
    else:
        secs.append(section)
    return t


# the logo the image example names, relative to the template
os.makedirs(os.path.join(work, "logos"), exist_ok=True)
shutil.copy("tests/fixtures/images/logo.svg", os.path.join(work, "logos", "institute.svg"))

blocks = re.findall(r"^(#{2,3} .*?$)|^```json\n(.*?)^```", doc, re.M | re.S)
heading, n_whole, n_sections = "", 0, 0
for i, (h, body) in enumerate(blocks):
    if h:
        heading = h
        continue
    if heading.startswith("## Make your own"):
        continue  # fragments; the finished file is checked by example_templates.sh
    try:
        obj = json.loads(body)
    except ValueError as e:
        # a fragment of keys ("key": value, ...) must parse inside braces
        try:
            json.loads("{" + body.strip().rstrip(",") + "}")
            continue
        except ValueError:
            failures.append(f"example {i} under {heading!r} is not JSON: {e}")
            continue
    path = os.path.join(work, f"example-{i}.json")
    if "sections" in obj:  # a whole template
        n_whole += 1
        json.dump(obj, open(path, "w", encoding="utf-8"), ensure_ascii=False)
        rc, err = render_brief(path, os.path.join(work, f"example-{i}.pdf"))
        if rc:
            failures.append(f"whole template under {heading!r}: {err}")
        continue
    if "type" not in obj:
        failures.append(f"example {i} under {heading!r} is neither a template nor a section")
        continue
    n_sections += 1
    errors = []
    for base, render in (("templates/one-page-brief.json", render_brief),
                         ("templates/country-profile.json", render_profile)):
        json.dump(with_section(base, obj), open(path, "w", encoding="utf-8"), ensure_ascii=False)
        rc, err = render(path, os.path.join(work, f"example-{i}.out"))
        if not rc:
            break
        errors.append(err)
    else:
        failures.append(f"section {obj['type']} under {heading!r} renders with neither the "
                        f"brief nor the profile: {' | '.join(errors)}")

if n_whole < 1 or n_sections < 13:
    failures.append(f"found {n_whole} whole templates and {n_sections} section examples "
                    "(expected one, and one for each kind but claims and header, shown with findings and footer)")
for f in failures:
    print("FAIL:", f)
print(f"docs/templates.md: {n_whole} template and {n_sections} section examples checked")
sys.exit(1 if failures else 0)
