#!/usr/bin/python3
"""Compile help/data/aki.tsv into a C table (help/aki.c includes it).

Fails, naming the file and line, on a malformed row, so a bad edit to the
data stops the build rather than shipping a wrong kernel id."""
import re
import sys


def c_str(s):
    if s is None:
        return "NULL"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(src, out):
    rows = []
    seen = set()
    with open(src, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            where = f"{src}:{n}"
            if len(cols) != 7:
                sys.exit(f"{where}: expected 7 tab-separated columns, found {len(cols)}")
            region, version, disk, arch, aki, name, conf = cols
            if not re.fullmatch(r"[a-z]{2}(-gov)?-[a-z]+-\d", region):
                sys.exit(f"{where}: '{region}' is not a region name")
            if version != "?" and not re.fullmatch(r"1\.0\d", version):
                sys.exit(f"{where}: version '{version}' is neither '?' nor 1.0N")
            if disk not in ("hd0", "hd00", "unknown"):
                sys.exit(f"{where}: disk must be hd0, hd00 or unknown")
            if arch not in ("i386", "x86_64"):
                sys.exit(f"{where}: arch must be i386 or x86_64")
            if not re.fullmatch(r"aki-[0-9a-f]{8}", aki):
                sys.exit(f"{where}: '{aki}' is not an AKI id")
            if (region, aki) in seen:
                sys.exit(f"{where}: {aki} listed twice for {region}")
            seen.add((region, aki))
            rows.append((region, None if version == "?" else version,
                         "AKI_DISK_" + disk.upper(), arch, aki,
                         None if name == "-" else name, conf))
    with open(out, "w", encoding="utf-8") as f:
        f.write("/* Generated from help/data/aki.tsv by help/tools/gen_aki.py. */\n")
        for r in rows:
            f.write("\t{%s, %s, %s, %s, %s, %s, %s},\n" % (
                c_str(r[0]), c_str(r[1]), r[2], c_str(r[3]), c_str(r[4]),
                c_str(r[5]), c_str(r[6])))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
