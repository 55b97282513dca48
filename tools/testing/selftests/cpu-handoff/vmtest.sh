#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a kernel with CONFIG_X86_CPU_HANDOFF in QEMU with SMT siblings and
# nosmt, run cpu_handoff_test in it, hibernate, and restore the image in a
# second run of the same kernel: the restore kernel must park its CPUs
# with INIT and the resumed kernel must come back with exactly the CPUs
# it had, the nosmt siblings offline.  In the manner of
# tools/testing/selftests/kho/vmtest.sh; needs qemu-system-x86_64 and a
# static busybox for the guest's /init.

set -ue

ksft_fail=1
ksft_skip=4

test_dir=$(realpath "$(dirname "$0")")
kernel_dir=$(realpath "$test_dir/../../../..")
build_dir=""
kernel_image=""
jobs=$(nproc)
cpus=4
accel=kvm
[ -w /dev/kvm ] || accel=tcg

usage() {
	cat <<EOF
$0 [-d build_dir] [-j jobs] [-k bzImage] [-c cpus] [-a accel] [-h]
Options:
	-d)	path to the kernel build directory (default: a new one)
	-j)	number of jobs for compilation
	-k)	boot this bzImage instead of building one
	-c)	vCPUs, an even number: half of them are nosmt siblings (default 4)
	-a)	QEMU accelerator (default: kvm where /dev/kvm is writable, else tcg)
	-h)	display this help
EOF
}

skip() { echo "SKIP: $*"; exit "$ksft_skip"; }
fail() { echo "FAIL: $*"; exit "$ksft_fail"; }

build_kernel() {
	local cfg=$build_dir/.config

	make -C "$kernel_dir" O="$build_dir" ARCH=x86_64 tinyconfig >/dev/null
	"$kernel_dir/scripts/kconfig/merge_config.sh" -Q -m -O "$build_dir" \
		"$cfg" "$test_dir/config" >/dev/null
	make -C "$kernel_dir" O="$build_dir" ARCH=x86_64 olddefconfig >/dev/null
	grep -q '^CONFIG_X86_CPU_HANDOFF=y' "$cfg" || fail "CONFIG_X86_CPU_HANDOFF did not stick"
	make -C "$kernel_dir" O="$build_dir" ARCH=x86_64 -j"$jobs" bzImage
	kernel_image=$build_dir/arch/x86/boot/bzImage
}

# The guest's /init: first boot, the kselftest and a hibernation; after
# the restore it goes on where it hibernated and says what it found.
write_init() {
	cat <<'EOF'
#!/bin/sh
mount -t proc none /proc
mount -t sysfs none /sys
mount -t debugfs none /sys/kernel/debug
mount -t devtmpfs none /dev
online=/sys/devices/system/cpu/online
case " $(cat /proc/cmdline) " in
*" vmtest.restore "*)
	echo "vmtest: FAIL: the image was not restored"
	poweroff -f
esac
mkswap /dev/vda >/dev/null && swapon /dev/vda || echo "vmtest: FAIL: no swap"
/cpu_handoff_test
before=$(cat $online)
echo shutdown >/sys/power/disk
echo "vmtest: hibernating with CPUs $before online"
echo disk >/sys/power/state || echo "vmtest: FAIL: hibernation failed"
after=$(cat $online)
if [ "$after" = "$before" ]; then
	echo "vmtest: resumed with CPUs $after online, as before"
else
	echo "vmtest: FAIL: resumed with CPUs $after online, $before before"
fi
poweroff -f
EOF
}

make_initrd() {
	local busybox
	local root=$tmp/root

	busybox=$(command -v busybox) || skip "no busybox (Debian: busybox-static)"
	if command -v file >/dev/null && ! file -L "$busybox" | grep -q 'statically linked'; then
		skip "$busybox is not statically linked (Debian: busybox-static)"
	fi
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
	cp "$busybox" "$root/bin/busybox"
	for a in sh mount mkswap swapon poweroff cat; do
		ln -s busybox "$root/bin/$a"
	done
	write_init >"$root/init"
	chmod +x "$root/init"
	${CC:-gcc} -static -O2 -I"$kernel_dir/tools/testing/selftests" \
		-o "$root/cpu_handoff_test" "$test_dir/cpu_handoff_test.c" ||
		fail "cannot build cpu_handoff_test"
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$tmp/initrd"
}

# run_vm LOG APPEND: one QEMU run until the guest powers off.
run_vm() {
	timeout 600 qemu-system-x86_64 -accel "$accel" -m 512 -nographic \
		-cpu max,vendor=GenuineIntel \
		-smp "$cpus,sockets=1,cores=$((cpus / 2)),threads=2" \
		-kernel "$kernel_image" -initrd "$tmp/initrd" -no-reboot \
		-drive file="$tmp/swap",format=raw,if=virtio \
		-append "console=ttyS0 no_console_suspend panic=-1 nosmt cpu_handoff=init \
cpu_handoff_test.method=init $2" \
		>"$1" 2>&1 || true
}

main() {
	local opt

	while getopts 'hd:j:k:c:a:' opt; do
		case $opt in
		d) build_dir=$OPTARG ;;
		j) jobs=$OPTARG ;;
		k) kernel_image=$(realpath "$OPTARG") ;;
		c) cpus=$OPTARG ;;
		a) accel=$OPTARG ;;
		h) usage; exit 0 ;;
		*) usage; exit "$ksft_fail" ;;
		esac
	done
	command -v qemu-system-x86_64 >/dev/null || skip "no qemu-system-x86_64"
	if [ $((cpus % 2)) != 0 ] || [ "$cpus" -lt 2 ]; then
		fail "-c wants an even number of vCPUs"
	fi

	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	if [ -z "$kernel_image" ]; then
		[ -n "$build_dir" ] || build_dir=$tmp/build
		build_kernel
	fi
	make_initrd
	truncate -s 512M "$tmp/swap"

	run_vm "$tmp/boot.log" ""
	cat "$tmp/boot.log"
	grep -q '^ok [0-9]* test_resume: online' "$tmp/boot.log" || fail "test_resume"
	grep -q '^# Totals: pass:[0-9]* fail:0 ' "$tmp/boot.log" || fail "cpu_handoff_test"
	grep -q 'vmtest: hibernating' "$tmp/boot.log" || fail "the guest did not hibernate"

	run_vm "$tmp/restore.log" "resume=/dev/vda vmtest.restore"
	cat "$tmp/restore.log"
	grep -q "cpu_handoff: restore: parked $((cpus - 1)) CPUs with init, .* 0 failed" \
		"$tmp/restore.log" ||
		fail "the restore kernel did not park its $((cpus - 1)) other CPUs"
	grep -q "re-parked $((cpus / 2)) inherited CPUs" "$tmp/restore.log" ||
		fail "the resumed kernel did not re-park the $((cpus / 2)) nosmt siblings"
	grep -q 'vmtest: resumed .* as before' "$tmp/restore.log" || fail "the resumed kernel"
	if grep -E -q 'WARNING:|BUG:|Call Trace:' "$tmp/boot.log" "$tmp/restore.log"; then
		fail "a kernel splat"
	fi
	echo "PASS: hibernation restore with $cpus vCPUs, nosmt"
}

main "$@"
