#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make lint-configs: build the patched tree (series + testbed) in the
# configurations the test kernel is not, the way a build robot's
# randconfig would reach them:
#   off         X86_CPU_HANDOFF=n: every hook in upstream files must
#               build (and vanish) without the option
#   init        X86_CPU_HANDOFF_TRAMPOLINE=n, the default: INIT only
#   nohibernate HIBERNATION=n: the kexec half alone
#   nokexec     KEXEC_CORE=n: the hibernation half alone
# The test kernel is tinyconfig-based and has no tracing, so the series'
# tracepoints are never compiled there: every configuration here but off
# turns event tracing on.  Each starts from a copy of the patched kernel's
# build (incremental), builds bzImage with UT=1 on bases that have it (a
# tracepoint no code calls is a warning there), then the series' files it
# built again with W=1, and passes when all of it builds with no warning
# and the options are what the name says.  Logs: build/configs/NAME/.
set -e
. "$(dirname "$0")/lib.sh"

src=$BUILD/linux
from=$BUILD/out/patched
if [ ! -f "$from/.config" ] || [ ! -f "$from/vmlinux" ]; then
	die "$from has no build; run 'make kernel' first"
fi
jobs=${JOBS:-$(($(nproc) + 1))}
# As mk/kernel.sh's: $out is the configuration's build directory.
kmake() { make -s -C "$src" O="$out" ARCH=x86_64 "$@"; }
CONFIGS=${CONFIGS:-off init nohibernate nokexec}
# UT=1 (7.x): warn about tracepoints defined but never called.
ut=""
grep -q 'tracepoint-update' "$src/scripts/link-vmlinux.sh" 2>/dev/null && ut="UT=1"
# The series' C files, relative to the tree: the hooks' and our own.
files=$( { git -C "$src" diff --name-only base -- '*.c' 2>/dev/null
	  (cd "$REPO" && find arch kernel testbed/arch -name '*.c' 2>/dev/null | sed 's|^testbed/||'); } | sort -u)
[ -n "$files" ] || die "no C files differ from the base in $src (is it a 'make tree' tree?)"
# UT=1 also lists upstream's own unused tracepoints (15 in a tinyconfig
# 7.3): only the series' events count.
ours_tp=$(sed -nE 's/^(TRACE_EVENT|DEFINE_EVENT)\(([a-z_]+, *)?([a-z_]+),?.*/\3/p' \
	"$src/include/trace/events/cpu_handoff.h" | paste -sd'|')
[ -n "$ours_tp" ] || die "no events found in include/trace/events/cpu_handoff.h"
fails=0
n=0
for c in $CONFIGS; do
	n=$((n + 1))
	trace=(-e FTRACE -e ENABLE_DEFAULT_TRACERS)
	case $c in
	off) set_=(-d X86_CPU_HANDOFF) want="# CONFIG_X86_CPU_HANDOFF is not set" trace=() ;;
	init) set_=(-e X86_CPU_HANDOFF -d X86_CPU_HANDOFF_TRAMPOLINE)
		want="# CONFIG_X86_CPU_HANDOFF_TRAMPOLINE is not set" ;;
	nohibernate) set_=(-d HIBERNATION -e X86_CPU_HANDOFF) want="CONFIG_X86_CPU_HANDOFF=y" ;;
	nokexec) set_=(-d KEXEC -d KEXEC_FILE -d KEXEC_JUMP -d CRASH_DUMP -e X86_CPU_HANDOFF)
		want="CONFIG_X86_CPU_HANDOFF=y" ;;
	*) die "unknown configuration '$c' (off, init, nohibernate, nokexec)" ;;
	esac
	out=$BUILD/configs/$c
	log=$out/build.log
	if [ ! -f "$out/.config" ]; then
		rm -rf "$out"
		mkdir -p "$BUILD/configs"
		cp -a "$from" "$out"
	fi
	cp "$from/.config" "$out/.config"
	"$src/scripts/config" --file "$out/.config" "${set_[@]}" "${trace[@]}"
	kmake olddefconfig >"$log" 2>&1
	state=ok
	grep -qxF "$want" "$out/.config" || state="the config lacks '$want'"
	case $c in
	nohibernate) grep -q '^CONFIG_HIBERNATION=y' "$out/.config" && state="HIBERNATION is still on" ;;
	nokexec) grep -q '^CONFIG_KEXEC_CORE=y' "$out/.config" && state="KEXEC_CORE is still on (selected by something)" ;;
	esac
	[ ${#trace[@]} = 0 ] || grep -q '^CONFIG_EVENT_TRACING=y' "$out/.config" ||
		state="event tracing did not turn on"
	if [ "$state" != ok ]; then
		echo "not ok $n - configs: $c: $state"
		fails=$((fails + 1))
		continue
	fi
	# Which of the series' files this configuration builds: the objects
	# the copy inherited are removed first, so what is there after the
	# build was built for it.
	for f in $files; do
		rm -f "$out/${f%.c}.o"
	done
	rc=0
	echo "  KERNEL  configs/$c (make -j$jobs $ut)" >&2
	# shellcheck disable=SC2086
	kmake -j"$jobs" $ut bzImage >>"$log" 2>&1 || rc=$?
	objs=""
	for f in $files; do
		o=${f%.c}.o
		[ -f "$out/$o" ] && objs="$objs $o"
	done
	# Again with W=1 (the objects just built, so the rest stays as it is).
	# shellcheck disable=SC2086
	[ $rc != 0 ] || { (cd "$out" && rm -f $objs) &&
		kmake -j"$jobs" W=1 $objs; } >>"$log" 2>&1 || rc=$?
	if [ $rc != 0 ]; then
		echo "not ok $n - configs: $c: the build failed (see $log)"
		grep -m5 -E 'error|undefined' "$log" | sed 's/^/#   /'
		fails=$((fails + 1))
	elif { grep -i 'warning' "$log" | grep -vE "tracepoint '[a-z0-9_]+' is unused"
		grep -E "tracepoint '($ours_tp)' is unused" "$log"; } >"$log.ours"
		[ -s "$log.ours" ]; then
		echo "not ok $n - configs: $c: warnings (see $log)"
		head -n 5 "$log.ours" | sed 's/^/#   /'
		fails=$((fails + 1))
	else
		echo "ok $n - configs: $c builds${ut:+ ($ut)}, W=1 clean on $(echo "$objs" | wc -w) files"
	fi
done
echo "1..$n"
[ $fails = 0 ] || { echo "configs: $fails of $n failed"; exit 1; }
echo "configs: all $n built"
