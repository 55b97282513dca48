/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the x86 CPU handoff core (cpu_handoff.c) and its two ways of
 * parking a CPU: INIT (cpu_handoff_init.c) and the fixed-address
 * trampoline (cpu_handoff_trampoline.c).
 */
#ifndef _X86_KERNEL_CPU_HANDOFF_H
#define _X86_KERNEL_CPU_HANDOFF_H

#include <linux/cpu_handoff.h>
#include <linux/init.h>

struct dentry;

/**
 * struct handoff_method - one way of parking a CPU for a handoff
 * @name: as accepted by cpu_handoff=
 * @unusable: why the method cannot be used on this machine, or NULL
 * @avoid: why cpu_handoff=auto should not pick it here (it can still be
 *	asked for by name), or NULL
 * @refuse: why it cannot be used for this handoff (the handoff would
 *	overwrite what it parks CPUs in), or NULL; interrupts off
 * @select: called once at boot, before secondary CPUs come up, if the
 *	method was chosen
 * @prepare_cpu: runs on each held CPU, interrupts off, right before it is
 *	parked: leave VMX/SVM, which block INIT
 * @park_self: if set, a held and prepared CPU parks itself with it, and
 *	@park only waits until it is there; never returns
 * @park: parks @cpu, which is held and prepared or offline; runs on the
 *	controlling CPU with interrupts off; returns 0 or a negative errno
 * @resumed: this kernel is back from a handoff (hibernation resume,
 *	kexec jump return) and must check what it parks CPUs in; process
 *	context
 */
struct handoff_method {
	const char *name;
	const char *(*unusable)(void);
	const char *(*avoid)(void);
	const char *(*refuse)(enum cpu_handoff_reason reason);
	void (*select)(void);
	void (*prepare_cpu)(void);
	void (*park_self)(void);
	int (*park)(unsigned int cpu);
	void (*resumed)(void);
};

extern const struct handoff_method handoff_init_method;
const char *handoff_init_unusable(void);

#ifdef CONFIG_X86_CPU_HANDOFF_TRAMPOLINE
extern const struct handoff_method handoff_trampoline_method;
#define HANDOFF_TRAMPOLINE_METHOD	(&handoff_trampoline_method)
void __init handoff_trampoline_setup(void);
#else
#define HANDOFF_TRAMPOLINE_METHOD	NULL
static inline void handoff_trampoline_setup(void) { }
#endif

const struct handoff_method *cpu_handoff_stop_method(void);
struct dentry *cpu_handoff_debugfs_dir(void);

#endif /* _X86_KERNEL_CPU_HANDOFF_H */
