/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86 CPU handoff parking: what the x86 hibernation and kexec paths call.
 * See Documentation/arch/x86/cpu-handoff.rst.
 */
#ifndef _ASM_X86_CPU_HANDOFF_H
#define _ASM_X86_CPU_HANDOFF_H

#include <linux/cpu_handoff.h>

#ifdef CONFIG_X86_CPU_HANDOFF
int cpu_handoff_hold(enum cpu_handoff_reason reason);
int cpu_handoff_commit(void);
bool cpu_handoff_will_park(enum cpu_handoff_reason reason);
bool cpu_handoff_resumed(void);
unsigned long cpu_handoff_image_header(void);
void cpu_handoff_image_header_read(unsigned long word);
#else
static inline int cpu_handoff_hold(enum cpu_handoff_reason reason) { return -EOPNOTSUPP; }
static inline int cpu_handoff_commit(void) { return 0; }
static inline bool cpu_handoff_will_park(enum cpu_handoff_reason reason) { return false; }
static inline bool cpu_handoff_resumed(void) { return false; }
static inline unsigned long cpu_handoff_image_header(void) { return 0; }
static inline void cpu_handoff_image_header_read(unsigned long word) { }
#endif

#endif /* _ASM_X86_CPU_HANDOFF_H */
