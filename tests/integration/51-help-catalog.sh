#!/bin/bash
# help/gen_catalog.py: the real catalog passes; each kind of bad entry fails
# with a FILE:LINE message naming the problem, so the build stops there.
set -u
. "$AMIWIZ_TOP/tests/lib/tap.sh"
PY=/usr/bin/python3
GEN="$AMIWIZ_TOP/help/gen_catalog.py"
ERRH="$AMIWIZ_TOP/help/err.h"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if out=$("$PY" "$GEN" --err-h "$ERRH" --check "$AMIWIZ_TOP"/help/catalog/*.txt 2>&1); then
	ok "the committed catalog passes every check"
else
	not_ok "the committed catalog passes every check" "$out"
fi

good='[s3:Fine]
title: A fine entry
what: Something happened here.
do: Do something about it.
retry: no
'

# bad NAME WANT-REGEX: the catalog on stdin must be refused with WANT-REGEX
bad() {
	local name=$1 want=$2
	cat >"$tmp/bad.txt"
	if out=$("$PY" "$GEN" --err-h "$ERRH" --out "$tmp/out.c" "$tmp/bad.txt" 2>&1); then
		not_ok "refused: $name" "the generator accepted it"
	elif printf '%s\n' "$out" | grep -qE -- "$want"; then
		ok "refused: $name"
	else
		not_ok "refused: $name" "want /$want/, got:" "$out"
	fi
}

printf '[s3:NoDo]\ntitle: t\nwhat: w\nretry: no\n' | bad "missing do:" 'bad\.txt:1: .*lacks do:'
printf '[s3:NoTitle]\nwhat: w\ndo: d\nretry: no\n' | bad "missing title:" 'bad\.txt:1: .*lacks title:'
printf '[s3:R]\ntitle: t\nwhat: w\ndo: d\nretry: maybe\n' | bad "bad retry value" 'bad\.txt:5: retry: must be yes or no'
printf '%s\n%s' "$good" "$good" | bad "duplicate key" "bad\.txt:7: key 's3:Fine' already used at .*bad\.txt:1"
printf '%s\n[s3:Other]\ntitle: t2\nwhat: Something happened here.\ndo: d2\nretry: no\n' "$good" |
	bad "same what text as another entry" 'bad\.txt:9: what: same what happened text as \[s3:Fine\]'
printf '%s\n[s3:Other]\ntitle: t2\nwhat: w2\ndo: Do   something about it.\nretry: no\n' "$good" |
	bad "same do text (spacing aside)" 'bad\.txt:10: do: same what to do text'
printf '[s3:F]\ntitle: t\nwhat: w\ndo: d\nretry: no\ncolour: red\n' | bad "unknown field" "bad\.txt:6: unknown field 'colour'"
printf '  floating text\n' | bad "continuation outside an entry" 'bad\.txt:1: continuation line outside a field'
printf 'title: t\n' | bad "field before any entry" 'bad\.txt:1: field outside an entry'
printf '[nope:X]\ntitle: t\nwhat: w\ndo: d\nretry: no\n' | bad "unknown namespace" "bad\.txt:1: unknown namespace 'nope'"
printf '[bad key!]\ntitle: t\nwhat: w\ndo: d\nretry: no\n' | bad "bad key characters" 'bad\.txt:1: bad key'
printf '[vmimport:x]\ntitle: t\nwhat: w\ndo: d\nretry: no\nmatch: Kernel {Version} bad\n' | bad "bad hole name" 'bad\.txt:6: match: bad hole name'
printf '[vmimport:x]\ntitle: t\nwhat: w\ndo: d\nretry: no\nmatch: Kernel {version bad\n' | bad "unclosed hole" "bad\.txt:6: match: '\{' without '\}'"
printf '[vmimport:x]\ntitle: t\nwhat: w\ndo: d\nretry: no\nmatch: *\n' | bad "pattern that matches anything" 'bad\.txt:6: match: too few literal'
printf '[vmimport:x]\ntitle: t\nwhat: kernel {release}\ndo: d\nretry: no\nmatch: Unsupported kernel {version}\n' |
	bad "placeholder that is no hole" 'bad\.txt:3: what: \{release\} is not a hole'
printf '[vmimport:x]\ntitle: t\nwhat: kernel {version}\ndo: d\nretry: no\nmatch: Unsupported kernel {version}\nmatch: Unsupported kernel\n' |
	bad "placeholder missing from one pattern, no default" 'bad\.txt:3: what: \{version\} is missing from some'
printf '[local:x]\ntitle: t\nwhat: w\ndo: d\nretry: no\nerrkind: plumbing\nmatch: pipe burst\n' | bad "unknown err kind" "bad\.txt:6: errkind: unknown kind 'plumbing'"
printf '[s3:T]\ntitle: %s\nwhat: w\ndo: d\nretry: no\n' "$(head -c 120 /dev/zero | tr '\0' a)" | bad "title too long" 'bad\.txt:2: title: 120 characters'
printf '[s3:A]\ntitle: t\nwhat: w\ndo: d\nretry: no\n[s3:B]\ntitle: t\n' | bad "entries not separated" 'bad\.txt:6: entry \[s3:A\] is not followed by a blank line'

# a placeholder with a default is fine, continuation lines join with one space
cat >"$tmp/ok.txt" <<'CAT'
# comment
[vmimport:x]
title: Kernel {version|unknown}
what: The kernel
  {version|you have} is refused.
do: Use another road.
retry: no
match: Unsupported kernel {version}
match: Unsupported kernel
CAT
if out=$("$PY" "$GEN" --err-h "$ERRH" --out "$tmp/ok.c" "$tmp/ok.txt" 2>&1) &&
	grep -qF '"The kernel {version|you have} is refused."' "$tmp/ok.c"; then
	ok "defaults and continuation lines are accepted"
else
	not_ok "defaults and continuation lines are accepted" "$out"
fi

# the output is sorted by key, byte order
printf '[s3:b]\ntitle: t\nwhat: w1\ndo: d1\nretry: no\n\n[s3:B]\ntitle: t\nwhat: w2\ndo: d2\nretry: no\n\n[Zed]\ntitle: t\nwhat: w3\ndo: d3\nretry: yes\n' >"$tmp/s.txt"
"$PY" "$GEN" --err-h "$ERRH" --out "$tmp/s.c" "$tmp/s.txt"
order=$(grep -oE '^	\{"[^"]*"' "$tmp/s.c" | tr -d '\t{"' | tr '\n' ' ')
if [ "$order" = "Zed s3:B s3:b " ]; then ok "output sorted in byte order"; else not_ok "output sorted in byte order" "got: $order"; fi

tap_done
