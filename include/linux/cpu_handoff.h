/* SPDX-License-Identifier: GPL-2.0 */
/* Park CPUs for a handoff between kernels: Documentation/arch/x86/cpu-handoff.rst */
#ifndef _LINUX_CPU_HANDOFF_H
#define _LINUX_CPU_HANDOFF_H

#include <linux/errno.h>
#include <linux/types.h>

enum cpu_handoff_reason {
	CPU_HANDOFF_RESTORE,	/* a restore kernel jumps into a hibernation image */
	CPU_HANDOFF_KEXEC,
	CPU_HANDOFF_KEXEC_JUMP,	/* kexec with KEXEC_PRESERVE_CONTEXT: comes back */
};

#ifdef CONFIG_CPU_HANDOFF
bool cpu_handoff_parks(enum cpu_handoff_reason reason);
int cpu_handoff_park_cpus(enum cpu_handoff_reason reason);
int cpu_handoff_repark(void);
#else
static inline bool cpu_handoff_parks(enum cpu_handoff_reason reason) { return false; }
static inline int cpu_handoff_park_cpus(enum cpu_handoff_reason reason) { return -EOPNOTSUPP; }
static inline int cpu_handoff_repark(void) { return -EOPNOTSUPP; }
#endif

#endif /* _LINUX_CPU_HANDOFF_H */
