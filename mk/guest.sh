#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the test guest: static helpers and build/guest/initramfs.cpio
# (busybox-static, guest-init.sh as /init, payload, handoff_kexec).
set -e
. "$(dirname "$0")/lib.sh"

T=$REPO/testbed/runner
K=$REPO/tools/testing/selftests/cpu-handoff
G=$BUILD/guest
mkdir -p "$G"
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing (Debian: apt-get install busybox-static)"
file -L "$BUSYBOX" 2>/dev/null | grep -q 'dynamically linked' &&
	die "$BUSYBOX is dynamically linked; the guest needs busybox-static"
[ -f "$BUILD/linux/usr/gen_init_cpio.c" ] || die "run 'make tree' first"

CFLAGS="-static -O2 -Wall -Wextra -Werror"
for p in payload handoff_kexec kexec_jump cpuwatch cpu_handoff_test; do
	src=$T/$p.c
	[ "$p" != cpu_handoff_test ] || src=$K/$p.c
	if [ ! -x "$G/$p" ] || [ "$src" -nt "$G/$p" ]; then
		echo "  CC      guest/$p" >&2
		# The kselftest compiles through the assembled tree, where
		# ../kselftest.h is; the runner's helpers are the test bed's.
		[ "$p" != cpu_handoff_test ] ||
			src=$BUILD/linux/tools/testing/selftests/cpu-handoff/$p.c
		# shellcheck disable=SC2086
		${CC:-gcc} $CFLAGS -o "$G/$p" "$src"
	fi
done
# Upstream's kexec jump selftest, built as it is in the kernel tree, for
# the kexec-jump scenarios with client=upstream (7.x has it, 6.12 not).
KJ=$BUILD/linux/tools/testing/selftests/kexec
if [ -f "$KJ/test_kexec_jump.c" ] &&
	{ [ ! -x "$G/test_kexec_jump" ] || [ "$KJ/test_kexec_jump.c" -nt "$G/test_kexec_jump" ]; }; then
	echo "  CC      guest/test_kexec_jump (selftests/kexec)" >&2
	${CC:-gcc} -static -O2 -o "$G/test_kexec_jump" "$KJ/test_kexec_jump.c"
fi
if [ ! -x "$G/gen_init_cpio" ] || [ "$BUILD/linux/usr/gen_init_cpio.c" -nt "$G/gen_init_cpio" ]; then
	${HOSTCC:-gcc} -O2 -o "$G/gen_init_cpio" "$BUILD/linux/usr/gen_init_cpio.c"
fi

# Debian's kexec-tools, for the scenarios that kexec through a real client
# (kexec -l/-s, kexec -e) next to our own helper.  Downloaded with
# apt-get download and unpacked under build/ (nothing is installed), with
# the shared libraries it links (Xen's control libraries among them).
KT=$G/kexec-tools
kt_pkgs="kexec-tools libxenmisc4.17 libxencall1 libxendevicemodel1 libxenevtchn1
	 libxenforeignmemory1 libxengnttab1 libxenhypfs1 libxenstore4 libxentoollog1
	 libxentoolcore1 libyajl2"
if [ ! -x "$KT/root/sbin/kexec" ]; then
	rm -rf "$KT" && mkdir -p "$KT/debs"
	# shellcheck disable=SC2086
	if (cd "$KT/debs" && apt-get download $kt_pkgs >/dev/null 2>&1); then
		for d in "$KT"/debs/*.deb; do dpkg-deb -x "$d" "$KT/root"; done
		echo "  KEXEC   kexec-tools $(dpkg-deb -f "$KT"/debs/kexec-tools_*.deb Version) (unpacked under $KT)" >&2
	else
		echo "warning: apt-get download of kexec-tools failed: the guest has no kexec-tools;" >&2
		echo "  the kexec-tools scenarios will fail with 'no kexec-tools in the guest'." >&2
		rm -rf "$KT"
	fi
fi
# kexec-tools goes into a cpio of its own, which run.sh puts on the data
# disk (--datafile) and the guest unpacks only where a scenario uses it:
# every boot unpacks the initramfs, and libc alone would double its size.
kt_list() {
	echo "dir /sbin 0755 0 0"
	echo "dir /lib 0755 0 0"
	echo "dir /lib/x86_64-linux-gnu 0755 0 0"
	echo "dir /lib64 0755 0 0"
	echo "file /sbin/kexec $KT/root/sbin/kexec 0755 0 0"
	LD_LIBRARY_PATH=$KT/root/usr/lib/x86_64-linux-gnu ldd "$KT/root/sbin/kexec" |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/lib64\// { print $1 }' |
		while read -r lib; do
			case $lib in
			/lib64/*) echo "file $lib $(readlink -f "$lib") 0755 0 0" ;;
			*) echo "file /lib/x86_64-linux-gnu/$(basename "$lib") $(readlink -f "$lib") 0755 0 0" ;;
			esac
		done
}

list=$G/initramfs.list
{
	for d in /bin /sbin /usr /usr/bin /usr/sbin /dev /proc /sys /tmp /root /mnt; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "nod /dev/null 0666 0 0 c 1 3"
	echo "file /init $T/guest-init.sh 0755 0 0"
	echo "file /bin/busybox $BUSYBOX 0755 0 0"
	echo "file /bin/payload $G/payload 0755 0 0"
	echo "file /bin/handoff_kexec $G/handoff_kexec 0755 0 0"
	echo "file /bin/cpu_handoff_test $G/cpu_handoff_test 0755 0 0"
	echo "file /bin/kexec_jump $G/kexec_jump 0755 0 0"
	echo "file /bin/cpuwatch $G/cpuwatch 0755 0 0"
	if [ -x "$G/test_kexec_jump" ]; then
		echo "dir /kexec-selftest 0755 0 0"
		echo "file /kexec-selftest/test_kexec_jump $G/test_kexec_jump 0755 0 0"
		echo "file /kexec-selftest/test_kexec_jump.sh $KJ/test_kexec_jump.sh 0755 0 0"
		echo "file /kexec-selftest/kexec_common_lib.sh $KJ/kexec_common_lib.sh 0644 0 0"
	fi
	"$BUSYBOX" --list-full | while read -r a; do
		[ "$a" = bin/busybox ] && continue
		# busybox's timeout applet differs from coreutils'; keep it out of
		# /usr/bin so nothing mistakes it for the real one.
		case $a in usr/bin/timeout) continue ;; esac
		echo "slink /$a /bin/busybox 0777 0 0"
	done
} >"$list.new"
if ! cmp -s "$list.new" "$list" || [ ! -f "$G/initramfs.cpio" ] ||
	[ -n "$(find "$T/guest-init.sh" "$G/payload" "$G/handoff_kexec" "$G/cpu_handoff_test" "$G/kexec_jump" "$G/cpuwatch" "$BUSYBOX" \
		-newer "$G/initramfs.cpio")" ]; then
	mv "$list.new" "$list"
	"$G/gen_init_cpio" "$list" >"$G/initramfs.cpio.tmp"
	mv "$G/initramfs.cpio.tmp" "$G/initramfs.cpio"
	echo "  CPIO    $G/initramfs.cpio ($(du -k "$G/initramfs.cpio" | cut -f1) KiB)" >&2
else
	rm -f "$list.new"
fi

if [ -x "$KT/root/sbin/kexec" ]; then
	kt_list >"$G/kexec-tools.list.new"
	if ! cmp -s "$G/kexec-tools.list.new" "$G/kexec-tools.list" || [ ! -f "$G/kexec-tools.cpio" ]; then
		mv "$G/kexec-tools.list.new" "$G/kexec-tools.list"
		"$G/gen_init_cpio" "$G/kexec-tools.list" >"$G/kexec-tools.cpio"
		echo "  CPIO    $G/kexec-tools.cpio ($(du -k "$G/kexec-tools.cpio" | cut -f1) KiB)" >&2
	else
		rm -f "$G/kexec-tools.list.new"
	fi
fi
