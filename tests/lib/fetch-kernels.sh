#!/bin/bash
# Fetch real Debian kernel packages for the kernel-check tests and benchmark.
#
#   tests/lib/fetch-kernels.sh CACHE
#
# Downloads the current linux-image-*-cloud-amd64, linux-image-*-amd64, the
# i386 linux-image-*-686-pae and the arm64 linux-image-*-arm64 packages with
# `apt-get download` and unpacks each into CACHE/kernels/<flavour>/ (so
# CACHE/kernels/amd64/boot/vmlinuz-* exists).
# The real package names are resolved through the metapackages' dependencies,
# so this keeps working when Debian moves to a new kernel ABI.  The i386 and
# arm64 lists live in CACHE/apt-<arch> and are used only through -o options:
# the machine's own apt configuration is never changed.  Prints one line per
# flavour: "<flavour> <package> <dir>".  Exit 1 when something could not be fetched.
set -eu
cache=$1
mkdir -p "$cache/kernels" "$cache/debs"

# resolve METAPACKAGE [APTOPTS...]: the linux-image-<abi>-<flavour> it depends on
resolve() {
	local meta=$1
	shift
	apt-cache "$@" depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\).*/\1/p' | head -1
}

# fetch FLAVOUR PACKAGE [APTOPTS...]
fetch() {
	local flavour=$1 pkg=$2
	shift 2
	local dir="$cache/kernels/$flavour"
	if [ -f "$dir/.package" ] && [ "$(cat "$dir/.package")" = "$pkg" ]; then
		echo "$flavour $pkg $dir"
		return 0
	fi
	# Downloading as root into a directory _apt cannot write: say so to apt
	# instead of letting it warn.
	(cd "$cache/debs" && apt-get -o APT::Sandbox::User=root "$@" download "$pkg" >/dev/null)
	local deb
	deb=$(ls -t "$cache/debs/${pkg}"_*.deb | head -1)
	rm -rf "$dir"
	mkdir -p "$dir"
	# Only /boot is needed (vmlinuz, config, System.map); the modules' file
	# names are listed from the package without unpacking them all.
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" ./boot
	dpkg-deb -c "$deb" | awk '{print $NF}' >"$dir/.contents"
	echo "$pkg" >"$dir/.package"
	echo "$flavour $pkg $dir"
}

pkg=$(resolve linux-image-cloud-amd64)
[ -n "$pkg" ] || { echo "cannot resolve linux-image-cloud-amd64" >&2; exit 1; }
fetch cloud-amd64 "$pkg"
pkg=$(resolve linux-image-amd64)
[ -n "$pkg" ] || { echo "cannot resolve linux-image-amd64" >&2; exit 1; }
fetch amd64 "$pkg"

# foreign ARCH METAPACKAGE FLAVOUR: a kernel of another architecture, through
# a private set of lists, state and cache in CACHE/apt-ARCH with ARCH as the
# architecture.
foreign() {
	local arch=$1 meta=$2 flavour=$3
	local a="$cache/apt-$arch"
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial"
	: >"$a/status"
	local opts=(-o APT::Architecture="$arch" -o APT::Architectures::="$arch"
		-o Dir::State::Lists="$a/lists" -o Dir::State::status="$a/status"
		-o Dir::Cache="$a/cache")
	# A mirror in the middle of a sync can fail one index while the others
	# are fine: what counts is whether the package resolves afterwards.
	if [ -z "$(find "$a" -maxdepth 1 -name updated -mmin -1440 2>/dev/null)" ]; then
		apt-get "${opts[@]}" update >"$a/update.log" 2>&1 || true
		touch "$a/updated"
	fi
	local pkg
	pkg=$(resolve "$meta" "${opts[@]}")
	if [ -z "$pkg" ]; then
		apt-get "${opts[@]}" update >"$a/update.log" 2>&1 || true
		pkg=$(resolve "$meta" "${opts[@]}")
	fi
	[ -n "$pkg" ] || { cat "$a/update.log" >&2; echo "cannot resolve $meta ($arch)" >&2; exit 1; }
	fetch "$flavour" "$pkg" "${opts[@]}"
}

foreign i386 linux-image-686-pae 686-pae
foreign arm64 linux-image-arm64 arm64
