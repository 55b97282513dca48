#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The distro-shaped test kernel's fragment: the options that bear on a CPU
# handoff (testbed/runner/config.distro), each as
# Debian sets it in its own kernel of this base.  The configuration comes
# from Debian's package (bases/BASE: DISTRO_*), downloaded with a private
# apt configuration under $DL (nothing is installed) and checked by size
# and sha256.  "m" becomes "y": the test kernels have no modules.
# Writes $BUILD/distro/debian.config (Debian's, whole) and
# $BUILD/distro/fragment; prints the fragment's path.
set -e
. "$(dirname "$0")/lib.sh"

pkg=$(base_get DISTRO_PACKAGE)
[ -n "$pkg" ] || die "bases/$BASE names no distro configuration (DISTRO_PACKAGE)"
ver=$(base_get DISTRO_DEBVERSION)
archive=$(base_get DISTRO_ARCHIVE)
suite=$(base_get DISTRO_SUITE)
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
list=$REPO/testbed/runner/config.distro
out=$BUILD/distro
deb=$DL/${pkg}_${ver//:/%3a}_amd64.deb
sha() { sha256sum "$1" | cut -d' ' -f1; }

fail() {
	echo "error: cannot get Debian's kernel configuration ($pkg $ver, $suite): $1" >&2
	echo "  The package can also be put by hand at $deb" >&2
	echo "  (size $(base_get DISTRO_DEB_SIZE), sha256 $(base_get DISTRO_DEB_SHA256))." >&2
	exit 1
}

mkdir -p "$out" "$DL"
if [ ! -f "$deb" ] || [ "$(sha "$deb")" != "$(base_get DISTRO_DEB_SHA256)" ]; then
	apt=$DL/apt-distro-$BASE
	[ -r "$keyring" ] || fail "no archive keyring at $keyring (Debian package debian-archive-keyring)"
	apt_private "$apt" "$archive" "$suite" "$keyring"
	opts=("${apt_opts[@]}")
	note "FETCH   $pkg $ver from $suite"
	apt-get "${opts[@]}" update >"$apt/update.log" 2>&1 ||
		fail "apt-get update failed (see $apt/update.log)"
	(cd "$DL" && apt-get "${opts[@]}" download "$pkg=$ver") >"$apt/download.log" 2>&1 ||
		fail "the suite does not offer it (see $apt/download.log)"
	size=$(stat -c %s "$deb")
	if [ "$size" != "$(base_get DISTRO_DEB_SIZE)" ] ||
		[ "$(sha "$deb")" != "$(base_get DISTRO_DEB_SHA256)" ]; then
		mv -f "$deb" "$deb.bad"
		fail "the downloaded package is not the pinned one (size $size, sha256 $(sha "$deb.bad"); kept as $deb.bad)"
	fi
fi
rm -rf "$out/pkg"
dpkg-deb -x "$deb" "$out/pkg"
cfg=$out/pkg/$(base_get DISTRO_CONFIG)
[ -f "$cfg" ] || fail "the package has no $(base_get DISTRO_CONFIG)"
cp "$cfg" "$out/debian.config"

# Each listed option as Debian has it; one Debian does not know is an
# error in the list, not something to leave out quietly.
: >"$out/fragment.new"
missing=""
for sym in $(grep -v '^#' "$list"); do
	line=$(grep -E "^(CONFIG_$sym=|# CONFIG_$sym is not set)" "$out/debian.config" || true)
	[ -n "$line" ] || { missing="$missing $sym"; continue; }
	echo "${line/%=m/=y}" >>"$out/fragment.new"
done
[ -z "$missing" ] || die "Debian's configuration has no$missing (config.distro)"
mv "$out/fragment.new" "$out/fragment"
echo "$out/fragment"
