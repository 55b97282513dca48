#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build one kernel: mk/kernel.sh patched|base|debug|bochs|bochs-base
#   patched  build/linux       -> build/out/patched/arch/x86/boot/bzImage
#   base     build/linux-base  -> build/out/base/arch/x86/boot/bzImage
#   debug    build/linux       -> build/out/debug/...: patched, plus
#            config.debug (lockdep, PREEMPT, DEBUG_ATOMIC_SLEEP,
#            DEBUG_OBJECTS, PROVE_RCU, DEBUG_LIST)
#   bochs, bochs-base  patched and base, plus config.bochs (the PIIX ATA
#            disks Bochs emulates: Bochs has no virtio), for make check-bochs
#   distro, distro-base  patched and base, plus the options of
#            config.distro as Debian sets them (mk/distro-config.sh), and
#            config.distro-extra's on top (what a scenario needs)
# Config: x86_64 tinyconfig + tools/testing/selftests/cpu-handoff/config
# (+ the test bed's testbed/runner/config.test, the test-only options, + config.checks: kernel IBT, FRED
# and noinstr validation, for what no emulator here runs).  The config is
# regenerated only when a fragment changes, so rebuilds stay incremental.
# An objtool warning fails the build: with IBT, objtool checks the whole
# vmlinux.o at every link (ENDBR on indirect-branch targets, noinstr).
set -e
. "$(dirname "$0")/lib.sh"

variant=${1:?usage: kernel.sh patched|base|debug|bochs|bochs-base|distro|distro-base}
T=$REPO/testbed/runner
frags="$REPO/tools/testing/selftests/cpu-handoff/config $T/config.test $T/config.checks"
case $variant in
patched) src=$BUILD/linux ;;
base) src=$BUILD/linux-base ;;
debug) src=$BUILD/linux frags="$frags $T/config.debug" ;;
bochs) src=$BUILD/linux frags="$frags $T/config.bochs" ;;
distro) src=$BUILD/linux frags="$frags $("$REPO/mk/distro-config.sh") $T/config.distro-extra" ;;
distro-base) src=$BUILD/linux-base frags="$frags $("$REPO/mk/distro-config.sh") $T/config.distro-extra" ;;
bochs-base) src=$BUILD/linux-base frags="$frags $T/config.bochs" ;;
*) die "unknown kernel variant '$variant' (patched, base, debug, bochs, bochs-base, distro or distro-base)" ;;
esac
out=$BUILD/out/$variant
[ -f "$src/Makefile" ] || die "$src is not assembled; run 'make tree'"
mkdir -p "$out"
# One job more than CPUs keeps both busy while one waits on the disk.
jobs=${JOBS:-$(($(nproc) + 1))}
kmake() { make -s -C "$src" O="$out" ARCH=x86_64 "$@"; }

stamp=$out/.fragments
# shellcheck disable=SC2086
if [ ! -f "$out/.config" ] || ! cat $frags | cmp -s - "$stamp"; then
	echo "  CONFIG  $variant: tinyconfig + $(echo $frags | xargs -n1 basename | tr '\n' ' ')" >&2
	kmake tinyconfig >/dev/null
	# shellcheck disable=SC2086
	KCONFIG_CONFIG=$out/.config "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" $frags >/dev/null
	kmake olddefconfig >/dev/null
	# Every option the fragments ask for must have survived olddefconfig:
	# as the last fragment that names it sets it (config.distro's
	# Debian values override the test kernel's own).
	bad=""
	# shellcheck disable=SC2086
	for l in $(cat $frags | awk '
		/^CONFIG_[A-Z0-9_]+=/ { s = $0; sub(/=.*/, "", s); v[s] = $0 }
		/^# CONFIG_[A-Z0-9_]+ is not set$/ { delete v[$2] }
		END { for (s in v) print v[s] }' | sort); do
		sym=${l%%=*}
		sym=${sym#CONFIG_}
		# Options the series adds do not exist in the baseline.
		if [ "$src" = "$BUILD/linux-base" ] &&
			! grep -rqs --include='Kconfig*' "^config $sym\$" "$src/arch/x86" "$src/arch/Kconfig" "$src/kernel" "$src/lib" "$src/init"; then
			continue
		fi
		grep -qxF "$l" "$out/.config" || bad="$bad $l"
	done
	[ -z "$bad" ] || die "$variant config lost:$bad (a dependency is missing from the fragment)"
	# shellcheck disable=SC2086
	cat $frags >"$stamp"
fi
echo "  KERNEL  $variant (make -j$jobs)" >&2
log=$out/build.log
rc=0
kmake -j"$jobs" bzImage 2>"$log" || rc=$?
cat "$log" >&2
[ $rc = 0 ] || die "$variant kernel build failed (stderr in $log)"
if grep -q 'objtool' "$log"; then
	grep 'objtool' "$log" | head -n 10 >&2
	# Relink next time, so the warnings are seen again.
	rm -f "$out/vmlinux.o" "$out/vmlinux"
	die "$variant: objtool warnings (in $log); they are errors here"
fi
echo "  IMAGE   $out/arch/x86/boot/bzImage" >&2
