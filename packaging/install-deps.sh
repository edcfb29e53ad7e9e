#!/bin/sh
# Install the Debian packages amiwiz needs that are not installed yet.
# Quick when nothing is missing: one dpkg-query for the whole list.
set -eu
here=$(dirname "$0")
list="$here/debian-packages.txt"

want=""
for_check=""
while read -r pkg cmd; do
	case "$pkg" in ''|'#'*) continue ;; esac
	if [ -n "${cmd:-}" ] && command -v "$cmd" >/dev/null 2>&1; then
		continue
	fi
	want="$want $pkg"
done < "$list"

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "Installing Debian packages:$missing"
sudo=""
if [ "$(id -u)" != 0 ]; then
	sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet; refresh them when the first
# attempt cannot find what it needs.
# shellcheck disable=SC2086
if ! $sudo apt-get install -y -q --no-install-recommends $missing; then
	$sudo apt-get update -q
	$sudo apt-get install -y -q --no-install-recommends $missing
fi
