// SPDX-License-Identifier: GPL-2.0
/*
 * cpu_handoff_test - what can be checked of CPU handoff parking in one boot.
 *
 *  1. cpu_handoff= was understood: the method debugfs reports matches the
 *     command line (an unknown value must fall back to auto with a warning);
 *  2. the per-CPU state file lists every possible CPU with its state;
 *  3. a test_resume hibernation cycle (snapshot, then restore into the same
 *     kernel) parks every other booted CPU, leaves the online set as it
 *     was, and the resumed kernel re-parks every CPU it inherited offline.
 *
 * Needs root, debugfs, CONFIG_CPU_HANDOFF, and an active swap device for
 * test 3 (which is skipped without one).  TAP output.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest.h"

#define DBG "/sys/kernel/debug/cpu_handoff/"

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return n;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

static long stat_value(const char *name)
{
	char buf[1024], *p;
	size_t len = strlen(name);

	if (read_file(DBG "stats", buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, name, len) && p[len] == ' ')
			return strtol(p + len + 1, NULL, 10);
	}
	return -1;
}

/* cpu_handoff=VALUE from /proc/cmdline, or "" */
static void cmdline_value(char *out, size_t len)
{
	char buf[4096], *p, *e;

	out[0] = 0;
	if (read_file("/proc/cmdline", buf, sizeof(buf)) < 0)
		return;
	p = strstr(buf, "cpu_handoff=");
	if (!p)
		return;
	p += strlen("cpu_handoff=");
	e = p + strcspn(p, "\t\n ");
	snprintf(out, len, "%.*s", (int)(e - p), p);
}

static void test_method(void)
{
	char method[256], want[64], arg[64];

	cmdline_value(arg, sizeof(arg));
	if (read_file(DBG "method", method, sizeof(method)) < 0) {
		ksft_test_result_fail("method: cannot read " DBG "method: %s\n", strerror(errno));
		return;
	}
	method[strcspn(method, "\n")] = 0;
	if (!strcmp(arg, "off"))
		snprintf(want, sizeof(want), "off (cpu_handoff=off)");
	else if (!strcmp(arg, "init"))
		snprintf(want, sizeof(want), "init (cpu_handoff=init)");
	else
		/* auto, absent, or unknown: the safe default */
		snprintf(want, sizeof(want), "init (cpu_handoff=auto)");
	ksft_test_result(!strcmp(method, want), "method: cpu_handoff=%s gives '%s' (want '%s')\n",
			 arg[0] ? arg : "(none)", method, want);
}

static void test_state_file(void)
{
	char buf[65536], *line;
	int ncpus = sysconf(_SC_NPROCESSORS_CONF), seen = 0, bad = 0;

	if (read_file(DBG "state", buf, sizeof(buf)) < 0) {
		ksft_test_result_fail("state: cannot read " DBG "state\n");
		return;
	}
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned int cpu;
		char where[16], state[16];

		if (sscanf(line, "%u %15s %15s", &cpu, where, state) != 3) {
			bad++;
			continue;
		}
		seen++;
		/* Outside a handoff nothing is held, ready or parked. */
		if (strcmp(state, "none") && strcmp(state, "skipped") &&
		    strcmp(state, "inherited"))
			bad++;
	}
	ksft_test_result(!bad && seen >= ncpus,
			 "state: %d CPUs listed (%d configured), %d bad lines\n", seen, ncpus, bad);
}

static int swap_active(void)
{
	char buf[4096];

	return read_file("/proc/swaps", buf, sizeof(buf)) > 0 && strchr(buf, '\n') &&
	       strchr(strchr(buf, '\n') + 1, '/');
}

static void test_resume_cycle(void)
{
	char before[256], after[256], arg[64];
	long handoffs, parked, reparked = -1;
	int i, ret;

	cmdline_value(arg, sizeof(arg));
	if (!swap_active()) {
		ksft_test_result_skip("test_resume: no active swap\n");
		return;
	}
	if (read_file("/sys/devices/system/cpu/online", before, sizeof(before)) < 0 ||
	    write_file("/sys/power/disk", "test_resume")) {
		ksft_test_result_skip("test_resume: /sys/power/disk has no test_resume\n");
		return;
	}
	handoffs = stat_value("handoffs");
	ret = write_file("/sys/power/state", "disk");
	if (ret) {
		ksft_test_result_fail("test_resume: hibernation failed: %s\n", strerror(-ret));
		return;
	}
	parked = stat_value("parked_online") + stat_value("parked_offline");
	/*
	 * The re-park runs from a work item after resume, and has CPUs
	 * briefly online while it works: wait for it to finish.
	 */
	for (i = 0; i < 100; i++) {
		char state[65536];

		if (read_file(DBG "state", state, sizeof(state)) > 0 && !strstr(state, "inherited"))
			break;
		usleep(100000);
	}
	reparked = stat_value("reparked");
	read_file("/sys/devices/system/cpu/online", after, sizeof(after));

	ksft_test_result(!strcmp(before, after),
			 "test_resume: online CPUs before %.*s, after %.*s\n",
			 (int)strcspn(before, "\n"), before, (int)strcspn(after, "\n"), after);
	if (!strcmp(arg, "off")) {
		ksft_test_result(stat_value("handoffs") == handoffs,
				 "test_resume: cpu_handoff=off parks nothing\n");
		ksft_test_result_skip("test_resume: re-park (cpu_handoff=off)\n");
		return;
	}
	ksft_test_result(stat_value("handoffs") == handoffs + 1 &&
			 parked == sysconf(_SC_NPROCESSORS_CONF) - 1,
			 "test_resume: one handoff parked %ld of %ld other CPUs\n",
			 parked, sysconf(_SC_NPROCESSORS_CONF) - 1);
	ksft_test_result(i < 100 && reparked == sysconf(_SC_NPROCESSORS_CONF) -
			 sysconf(_SC_NPROCESSORS_ONLN),
			 "test_resume: %ld inherited CPUs re-parked (want %ld)\n", reparked,
			 sysconf(_SC_NPROCESSORS_CONF) - sysconf(_SC_NPROCESSORS_ONLN));
}

int main(void)
{
	ksft_print_header();
	if (geteuid())
		ksft_exit_skip("needs root\n");
	if (access(DBG "method", R_OK))
		ksft_exit_skip("no " DBG " (CONFIG_CPU_HANDOFF off, or debugfs not mounted)\n");
	ksft_set_plan(5);
	test_method();
	test_state_file();
	test_resume_cycle();
	ksft_finished();
}
