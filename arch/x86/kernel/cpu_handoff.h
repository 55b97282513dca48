/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _X86_KERNEL_CPU_HANDOFF_H
#define _X86_KERNEL_CPU_HANDOFF_H

#include <linux/cpumask.h>

extern u64 handoff_hold_ns;
extern struct cpumask handoff_unparked;

#endif /* _X86_KERNEL_CPU_HANDOFF_H */
