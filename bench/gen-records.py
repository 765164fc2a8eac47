#!/usr/bin/env python3
"""bench/gen-records.py N [SOURCE.csv] > out.csv - N synthetic records for the
batch benchmark, made by cycling through the rows of data/countries.csv (or
SOURCE.csv): each copy gets a unique id ("guinea-0042") and keeps every other
field, so each profile has the same claims, charts and endnotes as the real
country it copies. Deterministic: the same N gives the same file."""
import csv
import sys

def main():
    if len(sys.argv) < 2:
        sys.exit("usage: gen-records.py N [SOURCE.csv]")
    n = int(sys.argv[1])
    src = sys.argv[2] if len(sys.argv) > 2 else "data/countries.csv"
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(header)
    for i in range(n):
        row = list(body[i % len(body)])
        row[0] = "%s-%04d" % (row[0], i + 1)
        out.writerow(row)

if __name__ == "__main__":
    main()
