#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make vmtest: the series' own QEMU runner (vmtest.sh of the kselftest,
# as a reviewer would run it from the kernel tree), on the patched kernel
# make check boots: the kselftest, a hibernation with nosmt, and the
# image restored in a second run.  KERNELS=distro|tiny as make check.
# Prints one TAP line; the runner's output in build/vmtest.log.
set -e
. "$(dirname "$0")/lib.sh"

case ${KERNELS:-distro} in
distro) img=$BUILD/out/distro/arch/x86/boot/bzImage ;;
*) img=$BUILD/out/patched/arch/x86/boot/bzImage ;;
esac
[ -f "$img" ] || die "$img is missing: build it first (make $( [ "${KERNELS:-distro}" = distro ] && echo distro-kernels || echo kernel))"
log=$BUILD/vmtest.log
t0=$(date +%s)
# The accelerator the runner found working here (run.sh --accel-cache):
# a /dev/kvm that boots no guest would hang vmtest.sh's default.
accel=$(sed -n 's/^-accel \([a-z]*\).*/\1/p' "$BUILD/.accel" 2>/dev/null)
if "$BUILD/linux/tools/testing/selftests/cpu-handoff/vmtest.sh" -k "$img" -c 4 \
	-a "${accel:-tcg}" >"$log" 2>&1; then
	echo "ok 1 - vmtest.sh ($(tail -n1 "$log"), $(($(date +%s) - t0)) s)"
else
	echo "not ok 1 - vmtest.sh: $(tail -n1 "$log") (see $log)"
	exit 1
fi
