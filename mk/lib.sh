# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the mk/*.sh scripts.  Sourced, never run.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() {
	echo "error: $*" >&2
	exit 1
}

# The base the trees are built on: BASE=NAME (a file in bases/), else the
# default one that the file BASE names.  The default base builds in
# build/, any other in build/base-NAME/; downloads are shared (build/dl/).
DEFAULT_BASE=$(sed -n 's/^DEFAULT_BASE[[:space:]]*=[[:space:]]*//p' "$REPO/BASE")
BASE=${BASE:-$DEFAULT_BASE}
if [ -z "$BASE" ] || [ ! -f "$REPO/bases/$BASE" ] || [ "${BASE#*/}" != "$BASE" ]; then
	die "BASE=$BASE is not a base; bases/ has: $(cd "$REPO/bases" && ls -p | grep -v / | tr '\n' ' ')"
fi
if [ "$BASE" = "$DEFAULT_BASE" ]; then
	BUILD=${BUILD:-$REPO/build}
else
	BUILD=${BUILD:-$REPO/build/base-$BASE}
fi
DL=${DL:-$REPO/build/dl}
export BASE BUILD DL

note() {
	echo "  $*" >&2
}

# apt_private DIR ARCHIVE SUITE KEYRING: a private apt configuration under
# DIR that serves SUITE of ARCHIVE alone (nothing is installed and the
# system's apt state is not touched); its apt-get options in apt_opts.
apt_private() {
	mkdir -p "$1/lists/partial" "$1/cache/archives/partial"
	echo "deb [signed-by=$4] $2 $3 main" >"$1/sources.list"
	apt_opts=(-o "Dir::Etc::sourcelist=$1/sources.list" -o Dir::Etc::sourceparts=-
		-o "Dir::State::Lists=$1/lists" -o "Dir::Cache=$1/cache"
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=-
		-o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root -q)
}

# base_get KEY: a value from the base's file in bases/ (KEY = value).
base_get() {
	sed -n "s/^$1[[:space:]]*=[[:space:]]*//p" "$REPO/bases/$BASE" | sed "s|@DL@|$DL|g"
}

# base_hook DIR NAME: the hook mail NAME of DIR/patches (DIR empty: the
# series, or testbed) for this base, as a path in this repository: the
# base's own version (bases/BASE.d/DIR/patches/NAME) where the upstream
# code it hooks into differs, else the common one.  An empty file there
# means the base needs no such hook: nothing is printed.
base_hook() {
	local own=bases/$BASE.d/${1:+$1/}patches/$2
	if [ -f "$REPO/$own" ]; then
		[ -s "$REPO/$own" ] || return 0
		echo "$own"
	else
		echo "${1:+$1/}patches/$2"
	fi
}

# The identity a draft series is signed off as when nobody real is
# configured (and the one the committed patches/ mails carry).
PLACEHOLDER_NAME="CPU Handoff Developers"
PLACEHOLDER_EMAIL="cpu-handoff@lists.example.org"

# identity: who signs the series off: AUTHOR_NAME and AUTHOR_EMAIL if set,
# else git config user.name and user.email, into ID_NAME and ID_EMAIL.
# Returns 1, with the reason in ID_WHY, if either is missing or is a
# placeholder: ours, or an address in a domain reserved for examples and
# tests (RFC 2606, RFC 6761: example, example.com/.net/.org, invalid,
# localhost, test, and their subdomains) or local (.local, .localdomain).
identity() {
	ID_NAME=${AUTHOR_NAME:-$(git -C "$REPO" config user.name 2>/dev/null || true)}
	ID_EMAIL=${AUTHOR_EMAIL:-$(git -C "$REPO" config user.email 2>/dev/null || true)}
	ID_WHY=""
	local domain=${ID_EMAIL##*@}
	domain=${domain,,}
	if [ -z "${ID_NAME//[[:space:]]/}" ]; then
		ID_WHY="no name (git config user.name, or AUTHOR_NAME)"
	elif [ -z "$ID_EMAIL" ]; then
		ID_WHY="no email address (git config user.email, or AUTHOR_EMAIL)"
	elif [ "$ID_NAME" = "$PLACEHOLDER_NAME" ] || [ "$ID_EMAIL" = "$PLACEHOLDER_EMAIL" ]; then
		ID_WHY="'$ID_NAME <$ID_EMAIL>' is the project's placeholder"
	else
		case $ID_EMAIL in
		*@*.*) ;;
		*) ID_WHY="'$ID_EMAIL' is not a mail address" ;;
		esac
		case .$domain in
		*.example | *.example.com | *.example.net | *.example.org | *.invalid | *.localhost | *.test | *.localdomain | *.local)
			ID_WHY="'$ID_EMAIL' is a placeholder address (its domain is reserved for examples and tests, or local)"
			;;
		esac
	fi
	[ -z "$ID_WHY" ]
}

# series_entries [DIR]: DIR/patches/series in order (DIR: this repository,
# or testbed), comments and blanks dropped.
series_entries() {
	local s=$REPO/${1:+$1/}patches/series
	[ -f "$s" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$s" |
		awk '{ print $1 }'
}

# testbed_entries: the test bed's hooks (testbed/patches/series), in order.
# They go on both assembled trees, on top of the series in build/linux and
# on the bare base in build/linux-base, and never into the mailing-list
# series (testbed/README.md).
testbed_entries() {
	series_entries testbed
}

# new_files [DIR]: our new kernel-layout files (everything under these
# top-level directories is ours and is linked into the assembled tree):
# the series' (DIR empty), or the test bed's (DIR = testbed), as paths in
# the kernel tree.
new_files() (
	cd "$REPO${1:+/$1}" || exit 1
	for d in arch block drivers include init kernel lib mm Documentation tools; do
		[ -d "$d" ] || continue
		if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
			git ls-files --cached --others --exclude-standard -- "$d"
		else
			find "$d" -type f
		fi
	done | sort -u
)

# only NAME...: into SPECS, the scenarios named by one of $ONLY's words,
# or all of them if ONLY is empty (make check, check-bochs).  ONLY may name
# a scenario as TAP does, with the base's version for the word "base"
# (kexec-7.3+patched-chain), or as its file (kexec-base+patched-chain).
only() {
	local s
	SPECS=()
	for s in "$@"; do
		case " ${ONLY:-$s} " in
		*" $s "* | *" $(tap_name "$s") "*)
			SPECS+=("$s") ;;
		esac
	done
}

# tap_name NAME: a scenario's name as TAP says it, the word "base" read
# as the base's version: the runner's own rule (scenario.sh).
tap_name() (
	. "$REPO/testbed/runner/scenario.sh"
	base_version=$BASE
	scenario_name "$1"
)

# scenario_file DIR NAME LINE...: write a scenario made up on the spot
# (make bench, faults, soak, measure, run) as DIR/NAME, one "key value"
# LINE per line (the runner's scenario.sh), and print its path.
scenario_file() {
	local dir=$1 name=$2
	shift 2
	mkdir -p "$dir"
	printf '%s\n' "$@" >"$dir/$name"
	echo "$dir/$name"
}

# set_names SET: the scenario names of sets/SET of the runner.
set_names() {
	local f=$REPO/testbed/runner/sets/$1
	[ -f "$f" ] || die "no scenario set $1 ($f)"
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$f"
}

# series_size GIT FROM TO: what the commits FROM..TO of GIT change, as
# issue 24 counts it: lines added or removed outside Documentation/ and
# tools/testing/ (the code), in Documentation/, and in tools/testing/.
series_size() {
	git -C "$1" diff --numstat "$2" "$3" -- . ':!MAINTAINERS' | awk '
		{ n = $1 + $2 }
		$3 ~ /^Documentation\// { doc += n; next }
		$3 ~ /^tools\/testing\// { test += n; next }
		{ code += n }
		END { printf "%d lines of code, %d of documentation, %d of tests\n", code, doc, test }'
}

# manifest_first_hooks: one line per MANIFEST "patch:" block, in order: its
# first hook, or "-" (mk/unseries.sh, mk/unseries-base.sh).
manifest_first_hooks() {
	awk '
		/^[[:space:]]*#/ { next }
		/^patch:/ { if (n && !h) print "-"; n++; h = 0; next }
		/^[[:space:]]+hook:/ && !h { print $2; h = 1 }
		END { if (n && !h) print "-" }' "$REPO/MANIFEST"
}

# hook_mail GITDIR COMMIT [FILE...]: COMMIT as a patches/ mail, without
# MAINTAINERS and the FILEs (the new files it adds, which are ours), its
# sign-offs replaced by the project's placeholder's.
hook_mail() {
	local git=$1 c=$2 f excl=(':!MAINTAINERS')
	shift 2
	for f in "$@"; do excl+=(":!$f"); done
	git -C "$git" format-patch -1 --stdout --zero-commit -N --no-signature "$c" -- . "${excl[@]}" |
		python3 -c '
import sys
who = sys.argv[1]
m = sys.stdin.read()
head, sep, rest = m.partition("\n---\n")
lines, prev = [], ""
for l in head.split("\n"):
    # the author: the placeholder too (a From: header may be folded)
    if l.startswith("From: ") or (l.startswith(" ") and prev == "from"):
        if prev != "from":
            lines.append("From: " + who)
        prev = "from"
        continue
    prev = ""
    if not l.startswith("Signed-off-by: "):
        lines.append(l)
while lines and lines[-1] == "":
    lines.pop()
sys.stdout.write("\n".join(lines) + "\n\nSigned-off-by: " + who + sep + rest)
' "$PLACEHOLDER_NAME <$PLACEHOLDER_EMAIL>"
}
