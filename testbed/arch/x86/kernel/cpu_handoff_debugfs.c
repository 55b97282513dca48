// SPDX-License-Identifier: GPL-2.0
/*
 * The test bed's view of CPU handoff parking, in debugfs (cpu_handoff/):
 * the method and why it was chosen, each CPU's state, and the record of
 * the last handoff in this kernel.  Not part of the series, which has no
 * debugfs: the test bed's guest reads these files.  The tracepoints in
 * include/trace/events/cpu_handoff.h follow each step.
 */

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/math64.h>
#include <linux/seq_file.h>

#include "cpu_handoff.h"

static const char * const state_names[] = {
	[CPU_HANDOFF_NONE]	= "none",
	[CPU_HANDOFF_HELD]	= "held",
	[CPU_HANDOFF_READY]	= "ready",
	[CPU_HANDOFF_PARKED]	= "parked",
	[CPU_HANDOFF_INHERITED]	= "inherited",
	[CPU_HANDOFF_SKIPPED]	= "skipped",
};

static int method_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s (%s)\n", handoff_chosen ? handoff_chosen->name : "off",
		   handoff_policy_why);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(method);

static int state_show(struct seq_file *m, void *v)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		seq_printf(m, "%u %s %s%s\n", cpu,
			   !cpu_present(cpu) ? "absent" : cpu_online(cpu) ? "online" : "offline",
			   state_names[handoff_get_state(cpu)],
			   cpumask_test_cpu(cpu, &cpus_booted_once_mask) ? "" : " never-booted");
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(state);

static int stats_show(struct seq_file *m, void *v)
{
	struct handoff_stats *st = &handoff_stats;

	seq_printf(m, "handoffs %u\nparked_online %u\nparked_offline %u\nskipped %u\nfailed %u\n",
		   st->handoffs, st->held, st->offline, st->skipped, st->failed);
	seq_printf(m, "hold_us %llu\npark_us %llu\ntotal_us %llu\nreparked %u\nrepark_us %llu\n",
		   div_u64(st->hold_ns, NSEC_PER_USEC), div_u64(st->park_ns, NSEC_PER_USEC),
		   div_u64(st->total_ns, NSEC_PER_USEC),
		   st->reparked, div_u64(st->repark_ns, NSEC_PER_USEC));
	seq_printf(m, "repark_pending %u\n", READ_ONCE(st->repark_pending));
	seq_printf(m, "image_reparks %s\n", handoff_image_kind == IMAGE_UNKNOWN ? "unknown" :
		   handoff_image_kind == IMAGE_REPARKS_CPUS ? "yes" : "no");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int __init cpu_handoff_debugfs_init(void)
{
	/* Shared with the trampoline's file, where it is built. */
	struct dentry *dir = debugfs_lookup("cpu_handoff", NULL);

	if (!dir)
		dir = debugfs_create_dir("cpu_handoff", NULL);
	debugfs_create_file("method", 0444, dir, NULL, &method_fops);
	debugfs_create_file("state", 0444, dir, NULL, &state_fops);
	debugfs_create_file("stats", 0444, dir, NULL, &stats_fops);
	return 0;
}
late_initcall(cpu_handoff_debugfs_init);
