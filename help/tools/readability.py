#!/usr/bin/python3
"""How readable are the help texts?  Sentence lengths over the whole catalog.

    help/tools/readability.py [--worst N] [--prefix NS:]

Prints the number of sentences, the median sentence length in words, the share
of sentences over 25 words, and the longest sentences so they can be split.
The aim is a median under 16 words.
"""
import argparse
import re
import statistics

from catalog import entries

FIELDS = ("what", "why", "do")


def sentences(text):
    # split after . ! ? and a space; our sentences may start in lower case
    # (amiwiz, pv-grub), and file names have no space after their dots
    text = re.sub(r"\{(\w+)\|([^}]*)\}", r"\2", text)
    text = re.sub(r"\{(\w+)\}", r"X", text)
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return [p for p in parts if p]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worst", type=int, default=10)
    ap.add_argument("--prefix", default="")
    a = ap.parse_args()
    rows = []
    for path, line, key, fields in entries():
        if not key.startswith(a.prefix):
            continue
        for f in FIELDS:
            for s in sentences(fields.get(f, "")):
                rows.append((len(s.split()), key, f, s))
    if not rows:
        print("no sentences")
        return 1
    lengths = [r[0] for r in rows]
    over = sum(1 for n in lengths if n > 25)
    print("entries' sentences: %d" % len(rows))
    print("median sentence length: %.1f words" % statistics.median(lengths))
    print("sentences over 25 words: %d (%.1f%%)" % (over, 100.0 * over / len(rows)))
    for n, key, f, s in sorted(rows, reverse=True)[:a.worst]:
        print("  %2d words  [%s] %s: %s" % (n, key, f, s))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
