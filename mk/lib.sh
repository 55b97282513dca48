# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the mk/*.sh scripts.  Sourced, never run.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$REPO/build}

die() {
	echo "error: $*" >&2
	exit 1
}

note() {
	echo "  $*" >&2
}

# base_get KEY: a value from the BASE file (KEY = value).
base_get() {
	sed -n "s/^$1[[:space:]]*=[[:space:]]*//p" "$REPO/BASE"
}

# manifest_baseline_hooks: the patches/ entries that also go on the
# unpatched baseline (patches marked "baseline" in MANIFEST).
manifest_baseline_hooks() {
	awk '
		/^patch:/ { inpatch = 1; base = 0; n = 0; next }
		/^[[:space:]]+baseline[[:space:]]*$/ { base = 1; for (i = 0; i < n; i++) print hooks[i]; next }
		/^[[:space:]]+hook:/ { h = $2; if (base) print h; else hooks[n++] = h; next }
	' "$REPO/MANIFEST" | sort -u
}

# manifest_baseline_files: new files that also go on the baseline.
manifest_baseline_files() {
	awk '
		/^patch:/ { base = 0; n = 0; next }
		/^[[:space:]]+baseline[[:space:]]*$/ { base = 1; for (i = 0; i < n; i++) print files[i]; next }
		/^[[:space:]]+file:/ { f = $2; if (base) print f; else files[n++] = f; next }
	' "$REPO/MANIFEST" | sort -u
}

# series_entries: patches/series in order, comments and blanks dropped.
series_entries() {
	[ -f "$REPO/patches/series" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$REPO/patches/series" |
		awk '{ print $1 }'
}

# new_files: our new kernel-layout files (everything under these top-level
# directories is ours and is linked into the assembled tree).
new_files() {
	local d
	cd "$REPO" || exit 1
	for d in arch block drivers include init kernel lib mm Documentation tools; do
		[ -d "$d" ] || continue
		if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
			git ls-files --cached --others --exclude-standard -- "$d"
		else
			find "$d" -type f
		fi
	done | sort -u
}

# only SPEC...: into SPECS, the runner scenarios whose name= is one of
# $ONLY's words, or all of them if ONLY is empty (make check, check-bochs).
only() {
	local s
	SPECS=()
	for s in "$@"; do
		case " ${ONLY:-${s##*:name=}} " in *" ${s##*:name=} "*) SPECS+=("$s") ;; esac
	done
}
