/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Park CPUs for a handoff between kernels (hibernation restore, kexec).
 *
 * See Documentation/arch/x86/cpu-handoff.rst.
 */
#ifndef _LINUX_CPU_HANDOFF_H
#define _LINUX_CPU_HANDOFF_H

#include <linux/errno.h>
#include <linux/types.h>

struct cpumask;
struct dentry;

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

/**
 * enum cpu_handoff_state - where a CPU is, as far as the handoff goes
 * @CPU_HANDOFF_NONE: no handoff is in progress for this CPU: it is online,
 *	or offline in this kernel's own play_dead()
 * @CPU_HANDOFF_HELD: online and held with interrupts off in this kernel,
 *	waiting for the point of no return; can still be released
 * @CPU_HANDOFF_READY: held and prepared to be parked (virtualization off);
 *	there is no way back from here but a release
 * @CPU_HANDOFF_PARKED: parked by the backend: it runs no code of any
 *	kernel until the next kernel wakes it
 * @CPU_HANDOFF_INHERITED: offline in this kernel's view after a handoff
 *	into this kernel; the previous kernel parked it in a way this kernel
 *	cannot know, so it must be woken and re-parked
 * @CPU_HANDOFF_SKIPPED: present but never booted; left where firmware put
 *	it, because INIT to a CPU that never ran Linux is not safe
 */
enum cpu_handoff_state {
	CPU_HANDOFF_NONE,
	CPU_HANDOFF_HELD,
	CPU_HANDOFF_READY,
	CPU_HANDOFF_PARKED,
	CPU_HANDOFF_INHERITED,
	CPU_HANDOFF_SKIPPED,
};

/**
 * struct cpu_handoff_backend - an architecture's way of parking a CPU
 * @name: method name, as accepted by cpu_handoff=
 * @rank: cpu_handoff=auto takes the usable method of lowest rank
 * @unusable: why the method cannot be used on this machine, or NULL
 * @avoid: why cpu_handoff=auto should not pick it here (it can still be
 *	asked for by name), or NULL
 * @refuse: why it cannot be used for this handoff (say, the handoff
 *	would overwrite what it parks CPUs in), or NULL; interrupts off
 * @select: called once at boot, before secondary CPUs come up, if the
 *	method was chosen
 * @prepare_cpu: runs on each held CPU, interrupts off, right before it is
 *	parked (x86: leave VMX/SVM, which block INIT)
 * @park_self: if set, a held and prepared CPU parks itself with it, and
 *	@park only waits until it is there; never returns
 * @park: parks @cpu, which is held and prepared or offline; runs on the
 *	controlling CPU with interrupts off; returns 0 or a negative errno
 * @resumed: this kernel is back from a handoff (hibernation resume,
 *	kexec jump return) and must check what it parks CPUs in; process
 *	context
 *
 * A backend parks a CPU so that it executes nothing from the memory of the
 * outgoing kernel and can be woken by the incoming one with its ordinary
 * CPU bringup.
 */
struct cpu_handoff_backend {
	const char *name;
	unsigned int rank;
	const char *(*unusable)(void);
	const char *(*avoid)(void);
	const char *(*refuse)(enum cpu_handoff_reason reason);
	void (*select)(void);
	void (*prepare_cpu)(void);
	void (*park_self)(void);
	int (*park)(unsigned int cpu);
	void (*resumed)(void);
};

#ifdef CONFIG_CPU_HANDOFF
int cpu_handoff_register_backend(const struct cpu_handoff_backend *backend);
const struct cpu_handoff_backend *cpu_handoff_chosen(void);
const char *cpu_handoff_unusable(const char *name);
const struct cpu_handoff_backend *cpu_handoff_backend_for(enum cpu_handoff_reason reason);
struct dentry *cpu_handoff_debugfs_dir(void);
int cpu_handoff_hold(enum cpu_handoff_reason reason);
int cpu_handoff_commit(void);
void cpu_handoff_release(void);
void cpu_handoff_restored(void);
void cpu_handoff_thaw(const struct cpumask *frozen);
bool cpu_handoff_resumed(void);
unsigned long cpu_handoff_image_header(void);
void cpu_handoff_image_header_read(unsigned long word);
int cpu_handoff_park_stopped(enum cpu_handoff_reason reason);
bool cpu_handoff_will_park(enum cpu_handoff_reason reason);
const struct cpu_handoff_backend *cpu_handoff_stop_backend(void);
int cpu_handoff_park_cpu(unsigned int cpu);
int cpu_handoff_wake_cpu(unsigned int cpu);
#else
static inline const struct cpu_handoff_backend *cpu_handoff_chosen(void) { return NULL; }
static inline int cpu_handoff_hold(enum cpu_handoff_reason reason) { return -EOPNOTSUPP; }
static inline int cpu_handoff_commit(void) { return 0; }
static inline void cpu_handoff_release(void) { }
static inline void cpu_handoff_restored(void) { }
static inline void cpu_handoff_thaw(const struct cpumask *frozen) { }
static inline bool cpu_handoff_resumed(void) { return false; }
static inline unsigned long cpu_handoff_image_header(void) { return 0; }
static inline void cpu_handoff_image_header_read(unsigned long word) { }
static inline int cpu_handoff_park_stopped(enum cpu_handoff_reason reason) { return -EOPNOTSUPP; }
static inline bool cpu_handoff_will_park(enum cpu_handoff_reason reason) { return false; }
#endif

#endif /* _LINUX_CPU_HANDOFF_H */
