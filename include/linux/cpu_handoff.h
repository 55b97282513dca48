/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Park CPUs for a handoff between kernels (hibernation restore, kexec).
 *
 * What generic hibernation, kexec and CPU hotplug code calls; the
 * mechanism is the architecture's (x86: arch/x86/kernel/cpu_handoff.c).
 * See Documentation/arch/x86/cpu-handoff.rst.
 */
#ifndef _LINUX_CPU_HANDOFF_H
#define _LINUX_CPU_HANDOFF_H

#include <linux/errno.h>
#include <linux/types.h>

struct cpumask;

/**
 * enum cpu_handoff_reason - why the machine is being handed over
 * @CPU_HANDOFF_RESTORE: a restore kernel jumps into a hibernation image
 * @CPU_HANDOFF_KEXEC: kexec into a new kernel
 * @CPU_HANDOFF_KEXEC_JUMP: kexec jump (%KEXEC_PRESERVE_CONTEXT), which
 *	comes back
 */
enum cpu_handoff_reason {
	CPU_HANDOFF_RESTORE,
	CPU_HANDOFF_KEXEC,
	CPU_HANDOFF_KEXEC_JUMP,
};

#ifdef CONFIG_CPU_HANDOFF
/* kernel/power/hibernate.c: a restore failed before its jump; the jump landed. */
void cpu_handoff_release(void);
void cpu_handoff_restored(void);
/* kernel/cpu.c: thaw_secondary_cpus() */
void cpu_handoff_thaw(const struct cpumask *frozen);
/* kernel/kexec_core.c (kexec jump) and the architecture's kexec stop */
int cpu_handoff_park_stopped(enum cpu_handoff_reason reason);
#else
static inline void cpu_handoff_release(void) { }
static inline void cpu_handoff_restored(void) { }
static inline void cpu_handoff_thaw(const struct cpumask *frozen) { }
static inline int cpu_handoff_park_stopped(enum cpu_handoff_reason reason) { return -EOPNOTSUPP; }
#endif

#endif /* _LINUX_CPU_HANDOFF_H */
