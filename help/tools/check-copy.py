#!/usr/bin/python3
"""Flag any run of more than eight words our help texts share with AWS's own.

    help/tools/check-copy.py PATH/TO/ec2_error_codes.json [N]

Every string in the reference JSON (descriptions, explanations, notes) is
compared with the title, what, why and do texts of every catalog entry, after
lower-casing and dropping punctuation.  Any shared run of more than N words
(default 8) is printed with the entry it is in; the exit status is 1 when
there is one.  Not part of make test: the reference lives outside the project.
"""
import json
import re
import sys

from catalog import TEXT_FIELDS, entries


def words(text):
    return re.findall(r"[a-z0-9]+(?:['.-][a-z0-9]+)*", text.lower())


def strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    n = limit + 1
    with open(sys.argv[1], encoding="utf-8") as f:
        ref = json.load(f)
    grams = {}
    for s in strings(ref):
        w = words(s)
        for i in range(len(w) - n + 1):
            grams.setdefault(tuple(w[i:i + n]), s)
    hits = 0
    for path, line, key, fields in entries():
        for field in TEXT_FIELDS:
            w = words(fields.get(field, ""))
            i = 0
            while i <= len(w) - n:
                g = tuple(w[i:i + n])
                if g in grams:
                    j = i + n
                    while j < len(w) and any(tuple(w[k:k + n]) in grams for k in [j - n + 1]):
                        j += 1
                    print("%s:%d: [%s] %s: shares %d words with AWS: \"%s\"\n    AWS: %s"
                          % (path, line, key, field, j - i, " ".join(w[i:j]), grams[g][:160]))
                    hits += 1
                    i = j
                else:
                    i += 1
    print("%d shared run(s) of more than %d words" % (hits, limit))
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
