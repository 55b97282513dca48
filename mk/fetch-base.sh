#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fetch a base that this machine's apt sources do not serve (a base with
# BASE_FETCH = apt-download, see bases/): download the pinned package from
# its suite with a private apt configuration under $DL (nothing is
# installed and the system's apt state is not touched), check the .deb's
# size and sha256, unpack it there and check the tarball's sha256.
# Prints nothing and succeeds if the tarball is already there and right.
# Usage: mk/fetch-base.sh   (the base: $BASE, else the default in BASE)
set -e
. "$(dirname "$0")/lib.sh"

[ "$(base_get BASE_FETCH)" = apt-download ] || exit 0
pkg=$(base_get BASE_PACKAGE)
ver=$(base_get BASE_DEBVERSION)
tarball=$(base_get BASE_TARBALL)
want=$(base_get BASE_SHA256)
suite=$(base_get BASE_SUITE)
archive=$(base_get BASE_ARCHIVE)
keyring=$(base_get BASE_KEYRING)

sha() { sha256sum "$1" | cut -d' ' -f1; }
[ -f "$tarball" ] && [ "$(sha "$tarball")" = "$want" ] && exit 0

fail() {
	echo "error: cannot get the base $pkg $ver from $archive $suite: $1" >&2
	echo "  Nothing was built.  The package can also be put by hand at" >&2
	echo "  $DL/$(basename "$deb") (its sha256 must be $(base_get BASE_DEB_SHA256))." >&2
	exit 1
}

apt=$DL/apt
deb=$DL/${pkg}_${ver//:/%3a}_all.deb
for t in apt-get dpkg-deb sha256sum; do
	command -v "$t" >/dev/null || fail "$t is missing"
done
[ -r "$keyring" ] || fail "no archive keyring at $keyring (Debian package debian-archive-keyring)"

if [ ! -f "$deb" ]; then
	apt_private "$apt" "$archive" "$suite" "$keyring"
	opts=("${apt_opts[@]}")
	note "FETCH   $pkg $ver from $suite"
	apt-get "${opts[@]}" update >"$apt/update.log" 2>&1 ||
		fail "apt-get update failed (see $apt/update.log)"
	(cd "$DL" && apt-get "${opts[@]}" download "$pkg=$ver") >"$apt/download.log" 2>&1 || {
		offered=$(apt-cache "${opts[@]}" madison "$pkg" 2>/dev/null |
			awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | tr '\n' ' ')
		fail "the suite does not offer it (offered: ${offered:-nothing}; see $apt/download.log)"
	}
fi
size=$(stat -c %s "$deb")
if [ "$size" != "$(base_get BASE_DEB_SIZE)" ] || [ "$(sha "$deb")" != "$(base_get BASE_DEB_SHA256)" ]; then
	bad=$deb.bad
	mv -f "$deb" "$bad"
	fail "the downloaded package is not the pinned one (size $size, sha256 $(sha "$bad"); kept as $bad)"
fi
note "UNPACK  $(basename "$deb")"
rm -rf "$DL/$pkg"
dpkg-deb -x "$deb" "$DL/$pkg"
[ -f "$tarball" ] || fail "the package has no $(basename "$tarball")"
got=$(sha "$tarball")
[ "$got" = "$want" ] || fail "the tarball inside is not the pinned one (sha256 $got)"
