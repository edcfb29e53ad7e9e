#!/usr/bin/python3
"""Compile the help catalog (help/catalog/*.txt) into a sorted C table.

Run by the build (help/meson.build):

    gen_catalog.py --err-h help/err.h --out help_catalog.c FILE.txt...

Any problem in an entry is reported as FILE:LINE: message on stderr and the
exit status is 1, which fails the build.  --check runs every check and writes
nothing (tests use it on deliberately broken catalogs).

The format, one entry per block:

    # a comment line (only at the start of a line)
    [Namespace:Key]
    title: One line, at most 90 characters
    what: What happened, in plain words.
    why: Why it usually happens (optional).
    do: What to do next.
    retry: yes | no
    cli: an equivalent command (optional)
    match: a message pattern (optional, repeatable)
    alias: another key for the same entry (optional, repeatable)
    errkind: err kinds a pattern applies to (optional; names from help/err.h)

A value continues on following lines that start with whitespace; they are
joined with one space.  Blank lines separate entries.  Keys without a
namespace prefix are EC2 API error codes.

Patterns (match:) are matched case-insensitively anywhere in a message; a
space matches any run of whitespace, `*` matches anything, `{name}` captures
one run of non-blank characters and `{name=GLOB}` captures one that also
matches the fnmatch(3) glob.  In an entry with patterns, and in fallback:
entries, texts may quote a capture back as `{name}` or `{name|default}`.
"""

import argparse
import re
import sys

NAMESPACES = ("vmimport", "state", "ebs", "s3", "local", "step", "kcheck", "inspect", "fallback")
FIELDS = ("title", "what", "why", "do", "retry", "cli", "match", "alias", "errkind")
REPEATABLE = ("match", "alias")
REQUIRED = ("title", "what", "do", "retry")
TEXT_FIELDS = ("title", "what", "why", "do")
TITLE_MAX = 90
# Placeholders the fallback texts may use; filled in by help.c from the code.
FALLBACK_HOLES = ("code", "subject")

KEY_RE = re.compile(r"^(?:([a-z0-9]+):)?([A-Za-z0-9][A-Za-z0-9._/-]*)$")
HOLE_RE = re.compile(r"\{([^{}]*)\}")
HOLE_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
PLACEHOLDER_RE = re.compile(r"\{([a-z_][a-z0-9_]*)(\|[^{}]*)?\}")
MAX_CAPTURES = 4


class Entry:
    def __init__(self, key, path, line):
        self.key = key
        self.path = path
        self.line = line
        self.fields = {}
        self.field_line = {}
        self.matches = []  # (pattern, line)
        self.aliases = []  # (alias, line)


class Catalog:
    def __init__(self, kinds):
        self.kinds = kinds
        self.entries = []
        self.errors = []

    def error(self, path, line, msg):
        self.errors.append("%s:%d: %s" % (path, line, msg))

    # -- reading -----------------------------------------------------------
    def read(self, path):
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().split("\n")
        except (OSError, UnicodeDecodeError) as e:
            self.error(path, 0, "cannot read: %s" % e)
            return
        cur = None
        last_field = None
        for n, raw in enumerate(lines, 1):
            line = raw.rstrip("\r")
            if line.startswith("#"):
                continue
            if line.strip() == "":
                if cur is not None:
                    self.finish(cur)
                cur = None
                last_field = None
                continue
            if "\t" in line.strip() or any(ord(c) < 32 and c != "\t" for c in line):
                self.error(path, n, "control character in text")
                continue
            if line[0] in " \t":
                if cur is None or last_field is None:
                    self.error(path, n, "continuation line outside a field")
                    continue
                more = line.strip()
                if last_field in REPEATABLE:
                    self.error(path, n, "%s: takes one line" % last_field)
                    continue
                cur.fields[last_field] += " " + more
                continue
            if line.startswith("["):
                if cur is not None:
                    self.error(path, n, "entry [%s] is not followed by a blank line" % cur.key)
                    self.finish(cur)
                m = re.match(r"^\[([^\]]*)\]\s*$", line)
                if not m:
                    self.error(path, n, "bad entry header (want [key])")
                    cur = None
                    continue
                cur = Entry(m.group(1), path, n)
                last_field = None
                km = KEY_RE.match(cur.key)
                if not km:
                    self.error(path, n, "bad key %r (letters, digits, . _ / - and one namespace prefix)" % cur.key)
                elif km.group(1) is not None and km.group(1) not in NAMESPACES:
                    self.error(path, n, "unknown namespace %r (known: %s)" % (km.group(1), ", ".join(NAMESPACES)))
                continue
            m = re.match(r"^([a-z]+):(.*)$", line)
            if not m:
                self.error(path, n, "expected 'field: value', '[key]', a comment or a blank line")
                continue
            if cur is None:
                self.error(path, n, "field outside an entry (start one with [key])")
                continue
            name, value = m.group(1), m.group(2).strip()
            if name not in FIELDS:
                self.error(path, n, "unknown field %r (known: %s)" % (name, ", ".join(FIELDS)))
                last_field = None
                continue
            if value == "":
                self.error(path, n, "%s: empty value" % name)
            if name == "match":
                cur.matches.append((value, n))
            elif name == "alias":
                cur.aliases.append((value, n))
            else:
                if name in cur.fields:
                    self.error(path, n, "%s: given twice in [%s]" % (name, cur.key))
                cur.fields[name] = value
                cur.field_line[name] = n
            last_field = name
        if cur is not None:
            self.finish(cur)

    def finish(self, e):
        self.entries.append(e)

    # -- checks ------------------------------------------------------------
    def check_entry(self, e):
        for f in REQUIRED:
            if f not in e.fields:
                self.error(e.path, e.line, "[%s] lacks %s:" % (e.key, f))
        r = e.fields.get("retry")
        if r is not None and r not in ("yes", "no"):
            self.error(e.path, e.field_line["retry"], "retry: must be yes or no, not %r" % r)
        t = e.fields.get("title")
        if t is not None and len(t) > TITLE_MAX:
            self.error(e.path, e.field_line["title"], "title: %d characters, at most %d" % (len(t), TITLE_MAX))
        for f in TEXT_FIELDS:
            v = e.fields.get(f)
            if v is not None and len(v) > 3000:
                self.error(e.path, e.field_line[f], "%s: longer than 3000 characters" % f)
        for a, n in e.aliases:
            if not KEY_RE.match(a):
                self.error(e.path, n, "bad alias %r" % a)
        ns = namespace(e.key)
        kinds = e.fields.get("errkind")
        e.kinds = []
        if kinds is not None:
            for k in kinds.replace(",", " ").split():
                if k not in self.kinds:
                    self.error(e.path, e.field_line["errkind"], "errkind: unknown kind %r (known: %s)"
                               % (k, ", ".join(sorted(self.kinds))))
                else:
                    e.kinds.append(self.kinds[k])
            if not e.matches:
                self.error(e.path, e.field_line["errkind"], "errkind: only means something with match:")
        holes_per_pattern = []
        for p, n in e.matches:
            holes = check_pattern(p, lambda msg, n=n: self.error(e.path, n, msg))
            if holes is not None:
                holes_per_pattern.append(holes)
        # Which placeholders may the texts use?
        if ns == "fallback":
            allowed_all = set(FALLBACK_HOLES)
            allowed_any = set(FALLBACK_HOLES)
            templated = True
        elif e.matches:
            sets = [set(h) for h in holes_per_pattern] or [set()]
            allowed_all = set.intersection(*sets)
            allowed_any = set.union(*sets)
            templated = True
        else:
            templated = False
        e.templated = templated
        if templated:
            for f in TEXT_FIELDS:
                v = e.fields.get(f)
                if v is None:
                    continue
                for m in PLACEHOLDER_RE.finditer(v):
                    name, default = m.group(1), m.group(2)
                    line = e.field_line[f]
                    if name not in allowed_any:
                        self.error(e.path, line, "%s: {%s} is not a hole of any match: pattern" % (f, name))
                    elif name not in allowed_all and default is None:
                        self.error(e.path, line, "%s: {%s} is missing from some match: patterns; "
                                   "give a default as {%s|...}" % (f, name, name))
                rest = PLACEHOLDER_RE.sub("", v)
                if "{" in rest or "}" in rest:
                    self.error(e.path, e.field_line[f], "%s: stray brace in a templated text" % f)

    def check_all(self):
        for e in self.entries:
            self.check_entry(e)
        seen = {}
        for e in self.entries:
            names = [(e.key, e.line)] + list(e.aliases)
            for k, n in names:
                if k in seen:
                    o = seen[k]
                    self.error(e.path, n, "key %r already used at %s:%d" % (k, o.path, o.line))
                else:
                    seen[k] = e
        for f, label in (("what", "what happened"), ("do", "what to do")):
            texts = {}
            for e in self.entries:
                v = e.fields.get(f)
                if v is None:
                    continue
                norm = " ".join(v.lower().split())
                if norm in texts:
                    o = texts[norm]
                    self.error(e.path, e.field_line[f], "%s: same %s text as [%s] at %s:%d"
                               % (f, label, o.key, o.path, o.field_line[f]))
                else:
                    texts[norm] = e
        pats = {}
        for e in self.entries:
            for p, n in e.matches:
                norm = " ".join(p.lower().split())
                if norm in pats:
                    self.error(e.path, n, "match: same pattern as [%s]" % pats[norm].key)
                else:
                    pats[norm] = e


def namespace(key):
    return key.split(":", 1)[0] if ":" in key else ""


def check_pattern(p, err):
    """Validate one pattern; return its hole names, or None when broken."""
    holes = []
    i = 0
    while i < len(p):
        c = p[i]
        if c == "}":
            err("match: '}' without '{'")
            return None
        if c == "{":
            j = p.find("}", i)
            if j < 0:
                err("match: '{' without '}'")
                return None
            body = p[i + 1:j]
            if "{" in body:
                err("match: nested '{'")
                return None
            name, _, glob = body.partition("=")
            if not HOLE_NAME_RE.match(name):
                err("match: bad hole name %r (lower case letters, digits, _)" % name)
                return None
            if name in holes:
                err("match: hole {%s} used twice" % name)
                return None
            if "=" in body and glob == "":
                err("match: empty glob in {%s=}" % name)
                return None
            holes.append(name)
            i = j + 1
            continue
        i += 1
    if len(holes) > MAX_CAPTURES:
        err("match: at most %d holes" % MAX_CAPTURES)
        return None
    if pattern_score(p) < 4:
        err("match: too few literal characters; it would match almost anything")
        return None
    return holes


def pattern_score(p):
    """More literal text = more specific; the most specific pattern wins."""
    score = 0
    for part in re.split(r"(\{[^{}]*\})", p):
        if part.startswith("{"):
            glob = part[1:-1].partition("=")[2]
            score += 1 + len(re.sub(r"[*?\[\]]", "", glob))
        else:
            score += len(part.replace("*", "").strip())
    return score


def c_string(s):
    out = ['"']
    for b in s.encode("utf-8"):
        ch = chr(b)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch == "?":
            out.append("\\?")  # no trigraphs, ever
        elif 32 <= b < 127:
            out.append(ch)
        else:
            out.append("\\%03o" % b)
    out.append('"')
    return "".join(out)


def read_kinds(path):
    kinds = {}
    with open(path, encoding="utf-8") as f:
        for m in re.finditer(r'X\((ERR_[A-Z_]+),\s*"([a-z]+)"\)', f.read()):
            kinds[m.group(2)] = m.group(1)
    return kinds


def emit(cat, out):
    entries = sorted(cat.entries, key=lambda e: e.key.encode())
    index = {e.key: i for i, e in enumerate(entries)}
    lines = []
    w = lines.append
    w("/* Generated by help/gen_catalog.py from the help catalog files.  Do not edit. */")
    w('#include "help/help_catalog.h"')
    w("")
    w("const struct help_entry help_entries[] = {")
    for e in entries:
        f = e.fields
        w("\t{%s," % c_string(e.key))
        w("\t %s," % c_string(f.get("title", "")))
        w("\t %s," % c_string(f.get("what", "")))
        w("\t %s," % c_string(f.get("why", "")))
        w("\t %s," % c_string(f.get("do", "")))
        w("\t %s," % c_string(f.get("cli", "")))
        w("\t %s, %s}," % ("true" if f.get("retry") == "yes" else "false",
                          "true" if e.templated else "false"))
    w("};")
    w("const size_t help_entries_count = %d;" % len(entries))
    w("")
    aliases = sorted(((a, index[e.key]) for e in entries for a, _ in e.aliases), key=lambda x: x[0].encode())
    w("const struct help_alias help_aliases[] = {")
    for a, i in aliases:
        w("\t{%s, %d}," % (c_string(a), i))
    if not aliases:
        w("\t{0, 0},")
    w("};")
    w("const size_t help_aliases_count = %d;" % len(aliases))
    w("")
    pats = []
    for e in entries:
        mask = " | ".join("(1u << %s)" % k for k in e.kinds) or "0"
        for p, _ in e.matches:
            pats.append((pattern_score(p), e.key, p, index[e.key], mask))
    pats.sort(key=lambda x: (-x[0], x[1].encode(), x[2]))
    w("const struct help_pattern help_patterns[] = {")
    for score, _, p, i, mask in pats:
        w("\t{%s, %d, %d, %s}," % (c_string(p), i, score, mask))
    if not pats:
        w("\t{0, 0, 0, 0},")
    w("};")
    w("const size_t help_patterns_count = %d;" % len(pats))
    w("")
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--err-h", required=True, help="help/err.h, for the err kind names")
    ap.add_argument("--out", help="the C file to write")
    ap.add_argument("--check", action="store_true", help="check only, write nothing")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    cat = Catalog(read_kinds(a.err_h))
    for path in a.files:
        cat.read(path)
    cat.check_all()
    if cat.errors:
        for m in cat.errors:
            print(m, file=sys.stderr)
        print("help catalog: %d problem(s); fix the entries above" % len(cat.errors), file=sys.stderr)
        return 1
    if not a.check:
        if not a.out:
            ap.error("--out is required unless --check")
        emit(cat, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
