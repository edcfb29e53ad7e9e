#!/bin/bash
# Benchmark (not a test): how long `amiwiz check-kernel` takes on
#   1. a kernel configuration file (target: 50 ms or less),
#   2. a vmlinuz carrying its configuration (IKCONFIG) that must be
#      decompressed to find it (target: 300 ms or less),
#   3. a real Debian vmlinuz with its config beside it,
#   4. Debian's arm64 vmlinuz (a plain Image) with its config beside it, and
#      the same wrapped as a gzip EFI zboot image carrying its configuration
#      (the payload is decompressed for the version, then for IKCONFIG),
# each the median of RUNS runs, beside a baseline in the same go: the time to
# start amiwiz at all (amiwiz --version), and gzip -dc of the same payload.
#
#   tests/bench/kcheck-bench.sh [BUILD]      (RUNS=21 by default)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
bin=$build/tui/amiwiz
cache=${AMIWIZ_CACHE:-$top/tests/.cache}
runs=${RUNS:-21}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$top/tests/lib/fetch-kernels.sh" "$cache" >/dev/null
boot=$cache/kernels/amd64/boot
cfg=$(ls "$boot"/config-* | head -1)
vmlinuz=$(ls "$boot"/vmlinuz-* | head -1)
# the configuration alone (beside the vmlinuz it would read that too)
cp "$cfg" "$work/config"
aboot=$cache/kernels/arm64/boot
aimg=$(ls "$aboot"/vmlinuz-* | head -1)
/usr/bin/python3 "$top/tests/lib/make-zboot.py" "$aimg" "$work/vmlinuz-zboot" \
	--ikconfig "$(ls "$aboot"/config-* | head -1)"
# a real kernel, re-packed gzip with the configuration inside, the way a
# kernel built with CONFIG_IKCONFIG=y carries it
/usr/bin/python3 "$top/tests/lib/make-ikconfig-kernel.py" "$cfg" "$work/vmlinuz-ik" --from "$vmlinuz"
/usr/bin/python3 - "$work/vmlinuz-ik" "$work/payload.gz" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
pm = ((d[0x1F1] or 4) + 1) * 512
poff, plen = struct.unpack_from("<II", d, 0x248)
open(sys.argv[2], "wb").write(d[pm + poff:pm + poff + plen])
PY

# median_ms CMD...: the median wall time of RUNS runs, in milliseconds
median_ms() {
	local i t0 t1
	for ((i = 0; i < runs; i++)); do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1 || true
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

base=$(median_ms "$bin" --version)
gz=$(median_ms sh -c "gzip -dc '$work/payload.gz' >/dev/null")
c=$(median_ms "$bin" check-kernel "$work/config")
ik=$(median_ms "$bin" check-kernel "$work/vmlinuz-ik")
real=$(median_ms "$bin" check-kernel "$vmlinuz")
a64=$(median_ms "$bin" check-kernel "$aimg")
zb=$(median_ms "$bin" check-kernel "$work/vmlinuz-zboot")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b > 0 ? a / b : 0)}'; }
printf '%-44s %9s %8s %s\n' "what (median of $runs runs)" "ms" "target" "x baseline"
printf '%-44s %9s %8s %s\n' "baseline: amiwiz --version" "$base" "" "1.0"
printf '%-44s %9s %8s %s\n' "check-kernel on a config ($(wc -c <"$cfg") bytes)" "$c" "50" "$(ratio "$c" "$base")"
printf '%-44s %9s %8s %s\n' "check-kernel on an IKCONFIG vmlinuz (gzip)" "$ik" "300" "$(ratio "$ik" "$base")"
printf '%-44s %9s %8s %s\n' "  for scale: gzip -dc of that payload" "$gz" "" "$(ratio "$gz" "$base")"
printf '%-44s %9s %8s %s\n' "check-kernel on Debian's vmlinuz + config" "$real" "" "$(ratio "$real" "$base")"
printf '%-44s %9s %8s %s\n' "check-kernel on Debian's arm64 Image + config" "$a64" "" "$(ratio "$a64" "$base")"
printf '%-44s %9s %8s %s\n' "check-kernel on arm64 zboot+IKCONFIG (gzip)" "$zb" "" "$(ratio "$zb" "$base")"
