#!/bin/bash
# Run every test suite and print one closing line "N passed, N failed"
# (", N skipped" when any), summed over all suites.  Exit 1 on any failure.
#
# Suites, in order:
#   unit         the cmocka programs of the normal build
#   unit-asan    the same programs built with -Db_sanitize=address,undefined
#   fuzz         each libFuzzer target in tests/fuzz, run briefly (clang build)
#   integration  tests/integration/*.sh, each printing TAP
#
# Every suite prints TAP; its log is kept in $BUILD/test-logs/.
# Set SUITES="unit integration" (say) to run only some of them.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
BUILD=${1:-build}
case "$BUILD" in /*) ;; *) BUILD="$top/$BUILD" ;; esac
SUITES=${SUITES:-unit unit-asan fuzz integration}
logs="$BUILD/test-logs"
mkdir -p "$logs"
export AMIWIZ_TOP="$top"
export AMIWIZ_BUILD="$BUILD"
export AMIWIZ_BIN="$BUILD/tui/amiwiz"
export AMIWIZ_CACHE="${AMIWIZ_CACHE:-$top/tests/.cache}"
mkdir -p "$AMIWIZ_CACHE"

total_pass=0
total_fail=0
total_skip=0

# count LOG NAME RC: add one program's TAP results to the totals
count() {
	local log=$1 name=$2 rc=$3
	local p f s
	p=$(grep -cE '^ok [0-9]+' "$log" || true)
	s=$(grep -cE '^ok [0-9]+.*# *(SKIP|skip)' "$log" || true)
	f=$(grep -cE '^not ok [0-9]+' "$log" || true)
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# crashed, timed out or failed outside any test: that is a failure too
		f=1
		echo "not ok - $name exited with status $rc outside any test" >>"$log"
	elif [ $((p + s + f)) -eq 0 ]; then
		f=1
		echo "not ok - $name ran no test" >>"$log"
	fi
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
	local line="$name: $p passed, $f failed"
	[ "$s" -gt 0 ] && line="$line, $s skipped"
	echo "  $line"
	if [ "$f" -gt 0 ]; then
		grep -E -A12 '^not ok' "$log" | head -60 | sed 's/^/    | /'
	fi
}

# run_prog NAME TIMEOUT CMD...: run one TAP program, log it, count it
run_prog() {
	local name=$1 tmo=$2
	shift 2
	local log="$logs/$(echo "$name" | tr '/ ' '__').log"
	timeout --kill-after=10 "$tmo" "$@" >"$log" 2>&1 </dev/null
	count "$log" "$name" $?
}

unit_programs() {
	find "$1/tests" -maxdepth 1 -type f -name 'test_*' -perm -u+x 2>/dev/null | sort
}

suite_unit() {
	echo "== unit"
	export CMOCKA_MESSAGE_OUTPUT=TAP
	for t in $(unit_programs "$BUILD"); do
		run_prog "unit/$(basename "$t")" 300 "$t"
	done
}

suite_unit_asan() {
	echo "== unit-asan (address, undefined)"
	local b="$top/build-asan"
	if [ ! -f "$b/build.ninja" ]; then
		meson setup "$b" -Db_sanitize=address,undefined -Db_lundef=false \
			-Dbuildtype=debug >"$logs/asan-setup.log" 2>&1 ||
			{ cat "$logs/asan-setup.log"; total_fail=$((total_fail + 1)); return; }
	fi
	if ! ninja -C "$b" >"$logs/asan-build.log" 2>&1; then
		tail -40 "$logs/asan-build.log"
		total_fail=$((total_fail + 1))
		return
	fi
	export CMOCKA_MESSAGE_OUTPUT=TAP
	# libparted runs dmidecode when it loads, which trips ASan's strchr check.
	export ASAN_OPTIONS="intercept_strchr=0:detect_leaks=1:abort_on_error=0"
	export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
	for t in $(unit_programs "$b"); do
		run_prog "unit-asan/$(basename "$t")" 600 "$t"
	done
	unset ASAN_OPTIONS UBSAN_OPTIONS
}

suite_fuzz() {
	[ -n "$(ls tests/fuzz/fuzz_*.c 2>/dev/null)" ] || return 0
	echo "== fuzz (libFuzzer, briefly)"
	local b="$top/build-fuzz"
	if [ ! -f "$b/build.ninja" ]; then
		# everything is built with coverage hooks; each target links libFuzzer
		CC=clang meson setup "$b" -Dfuzz=true -Dtests=false -Db_lundef=false \
			-Db_sanitize=address,undefined -Dc_args=-fsanitize=fuzzer-no-link \
			-Dbuildtype=debugoptimized >"$logs/fuzz-setup.log" 2>&1 ||
			{ cat "$logs/fuzz-setup.log"; total_fail=$((total_fail + 1)); return; }
	fi
	if ! ninja -C "$b" >"$logs/fuzz-build.log" 2>&1; then
		tail -40 "$logs/fuzz-build.log"
		total_fail=$((total_fail + 1))
		return
	fi
	export ASAN_OPTIONS="intercept_strchr=0:detect_leaks=1"
	for t in $(find "$b/tests/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort); do
		local name
		name=$(basename "$t")
		local corpus="$top/tests/fuzz/corpus/${name#fuzz_}"
		local work
		work=$(mktemp -d)
		[ -d "$corpus" ] && cp -r "$corpus/." "$work/"
		run_prog "fuzz/$name" 120 sh -c '
			if "$1" -max_total_time="${FUZZ_SECONDS:-15}" -rss_limit_mb=2048 \
				-timeout=10 -print_final_stats=1 "$2"; then
				echo "ok 1 - $3 ran without a crash"
			else
				echo "not ok 1 - $3 found a crash (see above)"
			fi' _ "$t" "$work" "$name"
		rm -rf "$work"
	done
	unset ASAN_OPTIONS
}

suite_integration() {
	[ -n "$(ls tests/integration/*.sh 2>/dev/null)" ] || return 0
	echo "== integration"
	for s in tests/integration/*.sh; do
		run_prog "integration/$(basename "$s" .sh)" 1800 bash "$s"
	done
}

for suite in $SUITES; do
	case "$suite" in
	unit) suite_unit ;;
	unit-asan) suite_unit_asan ;;
	fuzz) suite_fuzz ;;
	integration) suite_integration ;;
	*) echo "unknown suite: $suite" >&2; total_fail=$((total_fail + 1)) ;;
	esac
done

line="$total_pass passed, $total_fail failed"
[ "$total_skip" -gt 0 ] && line="$line, $total_skip skipped"
echo "$line"
[ "$total_fail" -eq 0 ]
