/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_HANDOFF_NMI_INJECT_H
#define _LINUX_HANDOFF_NMI_INJECT_H

/*
 * Test-only fault injection for CPU handoff: see
 * arch/x86/kernel/handoff_nmi_inject.c.
 */
#ifdef CONFIG_HANDOFF_NMI_INJECT
void handoff_nmi_inject_resume(void);
#else
static inline void handoff_nmi_inject_resume(void) { }
#endif

#endif /* _LINUX_HANDOFF_NMI_INJECT_H */
