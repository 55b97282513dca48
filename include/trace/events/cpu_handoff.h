/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM cpu_handoff

#if !defined(_TRACE_CPU_HANDOFF_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_CPU_HANDOFF_H

#include <linux/cpu_handoff.h>
#include <linux/tracepoint.h>

#define show_handoff_reason(r)						\
	__print_symbolic(r,						\
			 { CPU_HANDOFF_RESTORE,		"restore" },	\
			 { CPU_HANDOFF_KEXEC,		"kexec" },	\
			 { CPU_HANDOFF_KEXEC_JUMP,	"kexec-jump" })

TRACE_DEFINE_ENUM(CPU_HANDOFF_RESTORE);
TRACE_DEFINE_ENUM(CPU_HANDOFF_KEXEC);
TRACE_DEFINE_ENUM(CPU_HANDOFF_KEXEC_JUMP);

/*
 * The other online CPUs are held with interrupts off, or could not all be
 * (@ret < 0, the handoff goes on the old way).
 */
TRACE_EVENT(cpu_handoff_hold,

	TP_PROTO(int reason, unsigned int cpus, int ret),

	TP_ARGS(reason, cpus, ret),

	TP_STRUCT__entry(
		__field(int,		reason)
		__field(unsigned int,	cpus)
		__field(int,		ret)
	),

	TP_fast_assign(
		__entry->reason	= reason;
		__entry->cpus	= cpus;
		__entry->ret	= ret;
	),

	TP_printk("%s cpus=%u ret=%d", show_handoff_reason(__entry->reason),
		  __entry->cpus, __entry->ret)
);

/* One CPU parked for a handoff, held (@online) or offline. */
TRACE_EVENT(cpu_handoff_park,

	TP_PROTO(int reason, unsigned int cpu, bool online, const char *method, int ret),

	TP_ARGS(reason, cpu, online, method, ret),

	TP_STRUCT__entry(
		__field(int,		reason)
		__field(unsigned int,	cpu)
		__field(bool,		online)
		__string(method,	method)
		__field(int,		ret)
	),

	TP_fast_assign(
		__entry->reason	= reason;
		__entry->cpu	= cpu;
		__entry->online	= online;
		__assign_str(method);
		__entry->ret	= ret;
	),

	TP_printk("%s cpu=%u %s method=%s ret=%d", show_handoff_reason(__entry->reason),
		  __entry->cpu, __entry->online ? "held" : "offline",
		  __get_str(method), __entry->ret)
);

DECLARE_EVENT_CLASS(cpu_handoff_cpu,

	TP_PROTO(unsigned int cpu, int ret),

	TP_ARGS(cpu, ret),

	TP_STRUCT__entry(
		__field(unsigned int,	cpu)
		__field(int,		ret)
	),

	TP_fast_assign(
		__entry->cpu	= cpu;
		__entry->ret	= ret;
	),

	TP_printk("cpu=%u ret=%d", __entry->cpu, __entry->ret)
);

#ifdef CONFIG_X86_CPU_HANDOFF_TRAMPOLINE
/*
 * In the kernel that took over: a CPU found parked in the trampoline is
 * taken back through its release word (@ret 0), or left to the ordinary
 * INIT-SIPI-SIPI (@ret < 0).  Only the trampoline calls it, and an event
 * nothing calls is a build warning (UT=1).
 */
DEFINE_EVENT(cpu_handoff_cpu, cpu_handoff_wake,

	TP_PROTO(unsigned int cpu, int ret),
	TP_ARGS(cpu, ret)
);
#endif

/*
 * A CPU this kernel believes offline, inherited from the kernel before it,
 * is reset and parked again in this kernel's play_dead().
 */
DEFINE_EVENT(cpu_handoff_cpu, cpu_handoff_repark,

	TP_PROTO(unsigned int cpu, int ret),
	TP_ARGS(cpu, ret)
);

#endif /* _TRACE_CPU_HANDOFF_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
