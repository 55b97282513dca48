/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_HANDOFF_NMI_INJECT_H
#define _LINUX_HANDOFF_NMI_INJECT_H

#include <linux/types.h>

/*
 * Test-only fault injection for CPU handoff: see
 * arch/x86/kernel/handoff_nmi_inject.c.
 */
#ifdef CONFIG_HANDOFF_NMI_INJECT
extern u32 handoff_nmi_inject_window_spins;
extern u32 handoff_nmi_inject_code_salt;
extern u32 handoff_nmi_inject_mwait;
void handoff_nmi_inject_resume(void);
void handoff_nmi_inject_parking(unsigned int cpu, unsigned int us);
bool handoff_nmi_inject_fail_restore(unsigned int at);
bool handoff_nmi_inject_fail_park(unsigned int cpu);
bool handoff_nmi_inject_no_hold(void);
void handoff_nmi_inject_before_halt(void);
#else
#define handoff_nmi_inject_mwait	0
static inline void handoff_nmi_inject_resume(void) { }
static inline void handoff_nmi_inject_parking(unsigned int cpu, unsigned int us) { }
static inline bool handoff_nmi_inject_fail_restore(unsigned int at) { return false; }
static inline bool handoff_nmi_inject_fail_park(unsigned int cpu) { return false; }
static inline bool handoff_nmi_inject_no_hold(void) { return false; }
static inline void handoff_nmi_inject_before_halt(void) { }
#endif

#endif /* _LINUX_HANDOFF_NMI_INJECT_H */
