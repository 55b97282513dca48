/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM cpu_handoff

#if !defined(_TRACE_CPU_HANDOFF_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_CPU_HANDOFF_H

#include <linux/tracepoint.h>

/* A CPU parked for a handoff (@ret 0), or not. */
TRACE_EVENT(cpu_handoff_park,

	TP_PROTO(int reason, unsigned int cpu, int ret),

	TP_ARGS(reason, cpu, ret),

	TP_STRUCT__entry(
		__field(int,		reason)
		__field(unsigned int,	cpu)
		__field(int,		ret)
	),

	TP_fast_assign(
		__entry->reason	= reason;
		__entry->cpu	= cpu;
		__entry->ret	= ret;
	),

	TP_printk("%s cpu=%u ret=%d",
		  __print_symbolic(__entry->reason, { 0, "restore" }, { 1, "kexec" },
				   { 2, "kexec-jump" }),
		  __entry->cpu, __entry->ret)
);

#endif /* _TRACE_CPU_HANDOFF_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
