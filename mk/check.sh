#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: every runner scenario against the patched kernel and the
# unpatched 6.12 baseline, plus self-tests that prove the runner fails
# when it should.  TAP on stdout; logs in build/check/.
. "$(dirname "$0")/lib.sh"

T=$REPO/tools/testing/selftests/cpu-handoff
P=$BUILD/out/patched/arch/x86/boot/bzImage
B=$BUILD/out/base/arch/x86/boot/bzImage
CPUS=${CPUS:-4}
OUT=${OUT:-$BUILD/check}

# A kernel that parks its CPUs for handoff survives NMIs into them; one
# that parks them in HLT (6.12) is known not to: its nmi scenarios are
# reported as TAP TODO rather than failures.
parks() {
	grep -q '^CONFIG_CPU_HANDOFF=y' "$BUILD/out/$1/.config" 2>/dev/null
}
nmi_expect() {
	parks "$1" && echo pass || echo xfail
}

rm -rf "$OUT"
c=cpus=$CPUS
set -- \
	"boot:k=patched:$c:name=boot-patched-nosmt" \
	"hibernate:k=patched:$c:cycles=2:name=hibernate-patched-nosmt" \
	"hibernate:k=base:$c:cycles=2:name=hibernate-6.12-nosmt" \
	"cross:image=base:restore=base:$c:cycles=1:name=cross-6.12-by-6.12" \
	"cross:image=base:restore=patched:$c:cycles=1:name=cross-6.12-by-patched" \
	"cross:image=patched:restore=base:$c:cycles=1:name=cross-patched-by-6.12" \
	"cross:image=patched:restore=patched:$c:cycles=1:name=cross-patched-by-patched" \
	"kexec:kernels=patched:$c:cycles=3:name=kexec-patched-chain" \
	"kexec:kernels=patched,base:$c:cycles=3:name=kexec-patched+6.12-chain" \
	"nmi:image=patched:restore=base:$c:cycles=1:expect=$(nmi_expect base):name=nmi-patched-restored-by-6.12" \
	"nmi:image=base:restore=patched:$c:cycles=1:expect=$(nmi_expect patched):name=nmi-6.12-restored-by-patched" \
	"nmi-kexec:kernels=base,patched:$c:cycles=1:expect=$(nmi_expect base):name=nmi-kexec-6.12-to-patched" \
	"nmi-kexec:kernels=patched,base:$c:cycles=1:expect=$(nmi_expect patched):name=nmi-kexec-patched-to-6.12" \
	"sipi-nmi:k=base:$c:name=experiment-nmi-in-wait-for-sipi" \
	"hibernate:k=patched:$c:cycles=1:break=check:expect=fail:name=selftest-broken-guest-check" \
	"hibernate:k=patched:$c:cycles=1:break=cpus:expect=fail:name=selftest-cpu-missing-after-resume" \
	"hibernate:k=patched:$c:cycles=1:break=payload:expect=fail:name=selftest-payload-corrupted"

"$T/run.sh" --accel "${ACCEL:-auto}" --accel-cache "$BUILD/.accel" --initrd "$BUILD/guest/initramfs.cpio" --out "$OUT" \
	--kernel patched="$P" --kernel base="$B" "$@" | tee "$OUT.tap"
rc=${PIPESTATUS[0]}
# The closing line CI reads.
awk '/^ok / && !/# TODO/ { p++ } /^not ok / && !/# TODO/ { f++ } /# TODO/ { s++ }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$OUT.tap"
exit "$rc"
