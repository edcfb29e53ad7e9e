"""Read help/catalog/*.txt for the tools in this folder (not the build)."""
import glob
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CATALOG = os.path.join(HERE, "..", "catalog")
TEXT_FIELDS = ("title", "what", "why", "do")


def entries(folder=CATALOG):
    """Yield (path, line, key, {field: text}) for every entry."""
    for path in sorted(glob.glob(os.path.join(folder, "*.txt"))):
        key, fields, last, start = None, {}, None, 0
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n") + [""]
        for n, line in enumerate(lines, 1):
            if line.startswith("#"):
                continue
            if not line.strip():
                if key:
                    yield path, start, key, fields
                key, fields, last = None, {}, None
            elif line.startswith("["):
                key, fields, last, start = line.strip()[1:-1], {}, None, n
            elif line[0] in " \t" and last:
                fields[last] += " " + line.strip()
            elif ":" in line:
                last, _, value = line.partition(":")
                if last in fields:
                    fields[last] += " " + value.strip()
                else:
                    fields[last] = value.strip()
