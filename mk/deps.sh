#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what the test bed needs from Debian's archive, when missing.
# Usage: mk/deps.sh [lint|bochs]
. "$(dirname "$0")/lib.sh"

pkgs="gcc make git flex bison bc cpio file libelf-dev libssl-dev xz-utils perl
      qemu-system-x86 qemu-utils ovmf busybox-static quilt"
[ "${1:-}" = lint ] && pkgs="$pkgs sparse codespell python3-sphinx python3-ply python3-git git-email gnuplot-nox"
# make check-bochs: Bochs 2.7 with its BIOSes, and an isolinux CD-ROM to
# boot from (Bochs has no direct kernel boot).
[ "${1:-}" = bochs ] && pkgs="$pkgs bochs bochsbios vgabios isolinux syslinux-common genisoimage"

want_ver=$(base_get BASE_DEBVERSION)
want_pkg=$(base_get BASE_PACKAGE)

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
have_ver=$(dpkg-query -W -f='${Version}' "$want_pkg" 2>/dev/null)
base_missing=""
if [ "$(base_get BASE_FETCH)" = apt-download ]; then
	: # not installed: mk/fetch-base.sh downloads it into build/dl/
elif [ "$have_ver" != "$want_ver" ] && [ ! -f "$(base_get BASE_TARBALL)" ]; then
	base_missing="$want_pkg=$want_ver"
elif [ "$have_ver" != "$want_ver" ] && [ -n "$have_ver" ]; then
	base_missing="$want_pkg=$want_ver"
fi

[ -z "$missing$base_missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "Missing Debian packages:$missing $base_missing" >&2
	echo "This is not root, so nothing was installed.  As root, run:" >&2
	echo "  apt-get update && apt-get install --no-install-recommends$missing $base_missing" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "Installing:$missing $base_missing" >&2
apt-get update -qq >/dev/null 2>&1 || echo "warning: apt-get update failed; trying the cached lists" >&2
if [ -n "$missing" ]; then
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		die "apt-get install failed for:$missing"
fi
if [ -n "$base_missing" ]; then
	if ! apt-get install -y -qq --no-install-recommends --allow-downgrades "$base_missing" >/dev/null; then
		avail=$(apt-cache madison "$want_pkg" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | tr '\n' ' ')
		echo "error: the pinned base $want_pkg $want_ver is not served by this machine's archive." >&2
		echo "  versions the archive offers: ${avail:-none}" >&2
		echo "  Nothing was built.  To proceed, either put the $want_ver tarball at" >&2
		echo "  $(base_get BASE_TARBALL) (its sha256 must match BASE), or move the series" >&2
		echo "  to an offered version: update bases/$BASE, rebase patches/, and run make check." >&2
		exit 1
	fi
fi
exit 0
