#!/usr/bin/python3
"""Typical time spent in each ImportImage state, from help/data/import-timelines.

Each CSV is one measured import: rows of time (seconds since the task began),
progress percent, and the state the task reported from then on.  Prints, per
state, how many imports passed through it and the median, shortest and longest
stay; then how each import ended and after how long.  The state texts in
help/catalog/states.txt quote these figures.
"""
import csv
import glob
import os
import statistics
import sys

here = os.path.dirname(os.path.abspath(__file__))
folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "data", "import-timelines")
stays = {}
endings = []
for path in sorted(glob.glob(os.path.join(folder, "*.csv"))):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for a, b in zip(rows, rows[1:]):
        stays.setdefault(a["state"], []).append(int(b["time"]) - int(a["time"]))
    endings.append((os.path.basename(path), rows[-1]["state"], int(rows[-1]["time"])))
print("%-20s %3s %8s %6s %6s" % ("state", "n", "median", "min", "max"))
for state, v in sorted(stays.items(), key=lambda kv: statistics.median(kv[1])):
    print("%-20s %3d %7.0fs %5ds %5ds" % (state, len(v), statistics.median(v), min(v), max(v)))
print()
for name, state, t in endings:
    print("%-45s ends %-14s after %4ds (%.1f min)" % (name, state, t, t / 60))
