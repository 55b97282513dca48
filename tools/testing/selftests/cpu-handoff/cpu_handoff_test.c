// SPDX-License-Identifier: GPL-2.0
/*
 * cpu_handoff_test - what can be checked of CPU handoff parking in one boot.
 *
 *  1. cpu_handoff= was understood: the method debugfs reports matches the
 *     command line (an unknown value must fall back to auto with a warning);
 *  2. the per-CPU state file lists every possible CPU with its state;
 *  3. the x86 trampoline is at its documented fixed address, and the page
 *     tables say its code page is read-only and not executable there, and
 *     that nothing in the kernel is writable and executable at once;
 *  4. a test_resume hibernation cycle (snapshot, then restore into the same
 *     kernel) parks every other booted CPU, leaves the online set as it
 *     was, and the resumed kernel re-parks every CPU it inherited offline;
 *  5. after it, the code page is still read-only and not executable: CPUs
 *     taken back through the release word and sent back to play_dead()
 *     must not leave it executable.
 *
 * Needs root, debugfs, CONFIG_CPU_HANDOFF, and an active swap device for
 * test 4 (which is skipped without one).  TAP output.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest.h"

#define DBG "/sys/kernel/debug/cpu_handoff/"
#define PTDUMP "/sys/kernel/debug/page_tables/kernel"
/* Documentation/arch/x86/cpu-handoff.rst: the ABI address */
#define TRAMPOLINE_VADDR 0xffffffffff5ff000UL

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

/* The value of the first word of /proc/cmdline that starts with @key */
static void param_value(const char *key, char *out, size_t len)
{
	char buf[4096], *p, *e;
	size_t n = strlen(key);

	out[0] = 0;
	if (read_file("/proc/cmdline", buf, sizeof(buf)) < 0)
		return;
	for (p = strstr(buf, key); p; p = strstr(p + 1, key))
		if (p == buf || p[-1] == ' ')
			break;
	if (!p)
		return;
	p += n;
	e = p + strcspn(p, "\t\n ");
	snprintf(out, len, "%.*s", (int)(e - p), p);
}

/* cpu_handoff=VALUE from /proc/cmdline, or "" */
static void cmdline_value(char *out, size_t len)
{
	param_value("cpu_handoff=", out, len);
}

/* A value of the debugfs trampoline file, or "" */
static void trampoline_value(const char *name, char *out, size_t len)
{
	char buf[65536], *p;
	size_t n = strlen(name);

	out[0] = 0;
	if (read_file(DBG "trampoline", buf, sizeof(buf)) < 0)
		return;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, name, n) && p[n] == ' ') {
			snprintf(out, len, "%.*s", (int)strcspn(p + n + 1, "\n"), p + n + 1);
			return;
		}
	}
}

/*
 * What the kaslr-abi scenario compares across two boots with KASLR: the
 * area's diagnostics must not move when _text does.
 */
static void print_layout(void)
{
	char vaddr[64], phys[64], crc[64], sym[256];
	FILE *f;

	trampoline_value("vaddr", vaddr, sizeof(vaddr));
	trampoline_value("phys", phys, sizeof(phys));
	trampoline_value("code_crc32", crc, sizeof(crc));
	ksft_print_msg("trampoline vaddr=%s phys=%s code_crc32=%s\n", vaddr, phys, crc);
	f = fopen("/proc/kallsyms", "r");
	while (f && fgets(sym, sizeof(sym), f)) {
		if (strstr(sym, " _text\n")) {
			ksft_print_msg("kernel _text=%.16s\n", sym);
			break;
		}
	}
	if (f)
		fclose(f);
}

/*
 * The method the kernel chose.  What it should have chosen is not worked
 * out here from the command line and the DMI strings: that would copy the
 * kernel's own policy, and a test that copies the code it tests passes
 * whatever both get wrong.  The runner states it for each scenario, from
 * the documented policy, as cpu_handoff_test.method=NAME on the command
 * line (a parameter with a dot that no module owns: the kernel ignores
 * it and keeps it in /proc/cmdline).
 */
static void test_method(void)
{
	char method[256], want[64];
	size_t n;

	param_value("cpu_handoff_test.method=", want, sizeof(want));
	if (!want[0]) {
		ksft_test_result_skip("method: no cpu_handoff_test.method= on the command line\n");
		return;
	}
	if (read_file(DBG "method", method, sizeof(method)) < 0) {
		ksft_test_result_fail("method: cannot read " DBG "method: %s\n", strerror(errno));
		return;
	}
	method[strcspn(method, "\n")] = 0;
	n = strcspn(method, " ");
	ksft_test_result(n == strlen(want) && !strncmp(method, want, n),
			 "method: '%s' (want %s)\n", method, want);
}

/*
 * The trampoline area's ABI, from outside the kernel: every kernel with
 * this option keeps physical [0xe00000, 0xe20000) out of its memory map,
 * with any method, so that a kernel it hands over to finds it unused.
 * /proc/iomem must show it, and no System RAM in it.
 */
#define AREA_PHYS 0xe00000UL
#define AREA_END  0xe20000UL

static void test_trampoline_abi(void)
{
	char line[256];
	unsigned long start, end;
	int covered = 0, ram = 0;
	FILE *f;

	if (access(DBG "trampoline", R_OK)) {
		ksft_test_result_skip("trampoline: no " DBG "trampoline (not x86)\n");
		return;
	}
	print_layout();
	f = fopen("/proc/iomem", "r");
	if (!f) {
		ksft_test_result_fail("trampoline: cannot read /proc/iomem: %s\n", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		/* Top-level resources only: children of RAM are still RAM. */
		if (line[0] == ' ' || sscanf(line, "%lx-%lx", &start, &end) != 2)
			continue;
		if (start > AREA_END - 1 || end < AREA_PHYS)
			continue;
		if (strstr(line, "System RAM")) {
			ram++;
			ksft_print_msg("RAM over the area: %s", line);
		} else if (start <= AREA_PHYS && end >= AREA_END - 1) {
			covered = 1;
		}
	}
	fclose(f);
	ksft_test_result(covered && !ram,
			 "trampoline: [mem %#lx-%#lx] reserved in /proc/iomem (%s, %d RAM ranges over it)\n",
			 AREA_PHYS, AREA_END - 1, covered ? "covered" : "not covered", ram);
}

/* Does a ptdump line carry attribute @a as a word? */
static int has_attr(const char *line, const char *a)
{
	const char *p = line;
	size_t n = strlen(a);

	while ((p = strstr(p, a))) {
		if ((p == line || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

/*
 * Read the kernel page tables: the code page must be mapped read-only and
 * not executable outside a handoff, and no kernel mapping W+X.  @when: at
 * boot, or after test_resume, whose re-park booted CPUs and sent them back
 * to play_dead() (where INIT is unusable, through the release word, which
 * maps the page executable while CPUs leave the trampoline).
 */
static void test_trampoline_ptdump(const char *when)
{
	char line[512], found[512] = "";
	int wx = 0;
	FILE *f;

	if (access(DBG "trampoline", R_OK)) {
		ksft_test_result_skip("ptdump %s: no trampoline (not x86)\n", when);
		return;
	}
	f = fopen(PTDUMP, "r");
	if (!f) {
		ksft_test_result_skip("ptdump %s: no " PTDUMP " (CONFIG_PTDUMP_DEBUGFS)\n", when);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;

		if (sscanf(line, "0x%lx-0x%lx", &start, &end) != 2)
			continue;
		if (has_attr(line, "RW") && has_attr(line, "x") && !wx++)
			ksft_print_msg("W+X: %s", line);
		if (start <= TRAMPOLINE_VADDR && TRAMPOLINE_VADDR < end)
			snprintf(found, sizeof(found), "%s", line);
	}
	fclose(f);
	found[strcspn(found, "\n")] = 0;
	ksft_test_result(found[0] && has_attr(found, "ro") && has_attr(found, "NX") && !wx,
			 "ptdump %s: code page mapped '%s' (want ro NX), %d W+X mappings\n",
			 when, found[0] ? found : "not mapped", wx);
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
	bool settled;
	int ret;

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
	 * The re-park runs before user space is thawed: by the time the
	 * write returns, no CPU may be online that was not before, and none
	 * may still be waiting to be re-parked.  No waiting here.
	 */
	{
		char state[65536];

		settled = read_file(DBG "state", state, sizeof(state)) > 0 &&
			  !strstr(state, "inherited") && stat_value("repark_pending") <= 0;
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
	ksft_test_result(settled && reparked == sysconf(_SC_NPROCESSORS_CONF) -
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
	ksft_set_plan(8);
	test_method();
	test_state_file();
	test_trampoline_abi();
	test_trampoline_ptdump("at boot");
	test_resume_cycle();
	test_trampoline_ptdump("after test_resume");
	ksft_finished();
}
