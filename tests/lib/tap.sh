# Shell helpers for integration suites: each suite prints TAP lines, which
# tests/run-suites.sh counts.  Source this file, call ok/not_ok/check, and end
# with tap_done.
_tap_n=0
_tap_failed=0

# ok NAME / not_ok NAME [DETAIL...]
ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1"
}
not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1"
	shift
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}

# check NAME COMMAND...: run the command; ok when it exits 0.
check() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then
		ok "$_name"
	else
		not_ok "$_name" "command: $*" "$_out"
	fi
}

# diag TEXT: a comment line in the TAP stream
diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

tap_done() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}
