// SPDX-License-Identifier: GPL-2.0
/*
 * cpu_handoff_test - what can be checked of CPU handoff parking in one boot.
 *
 *  1. cpu_handoff= was understood: the method the boot log reports matches
 *     what the command line asks for (an unknown value must fall back to
 *     auto with a warning);
 *  2. where the trampoline is built, it is at its documented fixed address,
 *     and the page tables say its code page is read-only and not executable
 *     there, and that nothing in the kernel is writable and executable;
 *  3. a test_resume hibernation cycle (snapshot, then restore into the same
 *     kernel) leaves the online set as it was, and the resumed kernel
 *     re-parks every CPU it inherited offline (its log line says so);
 *  4. after it, the trampoline's code page is still read-only and not
 *     executable.
 *
 * Needs root, CONFIG_X86_CPU_HANDOFF, its boot messages still in the kernel
 * log, and an active swap device for test 3 (skipped without one).  What
 * the restore parked is not visible here: the image overwrites the restore
 * kernel's log; vmtest.sh reads it from the console.  TAP output.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <unistd.h>

#include "../kselftest.h"

#define DBG "/sys/kernel/debug/cpu_handoff/"
#define KMSG "cpu_handoff: "
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

/*
 * The last kernel log line that contains @what, from the text after it up
 * to the end of the line, into @out; -1 if there is none.
 */
static int log_find(const char *what, char *out, size_t len)
{
	static char buf[1 << 20];
	char *p, *last = NULL;
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf) - 1);

	if (n < 0)
		return -1;
	buf[n] = 0;
	for (p = strstr(buf, what); p; p = strstr(p + 1, what))
		last = p + strlen(what);
	if (!last)
		return -1;
	snprintf(out, len, "%.*s", (int)strcspn(last, "\n"), last);
	return 0;
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
	if (log_find(KMSG "handoffs park CPUs with ", method, sizeof(method)) &&
	    log_find(KMSG "CPUs are parked as without this option ", method, sizeof(method))) {
		ksft_test_result_skip("method: the boot log no longer says\n");
		return;
	} else if (method[0] == '(') {
		/* "CPUs are parked as without this option (...)" */
		memmove(method + 4, method, strlen(method) + 1);
		memcpy(method, "off ", 4);
	}
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
		ksft_test_result_skip("trampoline: none built (no " DBG "trampoline)\n");
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
		ksft_test_result_skip("ptdump %s: no trampoline built\n", when);
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

static int swap_active(void)
{
	char buf[4096];

	return read_file("/proc/swaps", buf, sizeof(buf)) > 0 && strchr(buf, '\n') &&
	       strchr(strchr(buf, '\n') + 1, '/');
}

/*
 * The re-park's log line ("re-parked N inherited CPUs ...") printed since
 * @fd was opened at the end of /dev/kmsg; -1 if none.
 */
static long reparked_since(int fd)
{
	char rec[2048], *p;
	long n = -1;
	ssize_t r;

	while ((r = read(fd, rec, sizeof(rec) - 1)) > 0 || (r < 0 && errno == EPIPE)) {
		if (r <= 0)
			continue;
		rec[r] = 0;
		p = strstr(rec, KMSG "re-parked ");
		if (p)
			n = strtol(p + strlen(KMSG "re-parked "), NULL, 10);
	}
	return n;
}

static void test_resume_cycle(void)
{
	long inherited = sysconf(_SC_NPROCESSORS_CONF) - sysconf(_SC_NPROCESSORS_ONLN);
	char before[256], after[256], arg[64], maxcpus[16];
	long reparked;
	int ret, fd;

	cmdline_value(arg, sizeof(arg));
	param_value("maxcpus=", maxcpus, sizeof(maxcpus));
	if (!swap_active() ||
	    read_file("/sys/devices/system/cpu/online", before, sizeof(before)) < 0 ||
	    write_file("/sys/power/disk", "test_resume")) {
		ksft_test_result_skip("test_resume: no active swap, or no test_resume\n");
		ksft_test_result_skip("test_resume: re-park\n");
		return;
	}
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0 || lseek(fd, 0, SEEK_END) < 0) {
		ksft_exit_fail_msg("test_resume: /dev/kmsg: %s\n", strerror(errno));
		return;
	}
	ret = write_file("/sys/power/state", "disk");
	if (ret) {
		ksft_test_result_fail("test_resume: hibernation failed: %s\n", strerror(-ret));
		ksft_test_result_skip("test_resume: re-park\n");
		close(fd);
		return;
	}
	/*
	 * The re-park runs before user space is thawed: by the time the
	 * write returns, no CPU may be online that was not before, and its
	 * line is in the log.  No waiting here.
	 */
	reparked = reparked_since(fd);
	close(fd);
	read_file("/sys/devices/system/cpu/online", after, sizeof(after));

	ksft_test_result(!strcmp(before, after),
			 "test_resume: online CPUs before %.*s, after %.*s\n",
			 (int)strcspn(before, "\n"), before, (int)strcspn(after, "\n"), after);
	if (!strcmp(arg, "off"))
		ksft_test_result(reparked < 0, "test_resume: cpu_handoff=off re-parks nothing\n");
	else if (maxcpus[0])
		/* CPUs maxcpus= kept from booting never ran this kernel: not re-parked. */
		ksft_test_result(reparked >= 0 && reparked <= inherited,
				 "test_resume: %ld inherited CPUs re-parked (want at most %ld)\n",
				 reparked, inherited);
	else
		ksft_test_result(reparked == inherited,
				 "test_resume: %ld inherited CPUs re-parked (want %ld)\n",
				 reparked, inherited);
}

int main(void)
{
	char line[256];

	ksft_print_header();
	if (geteuid())
		ksft_exit_skip("needs root\n");
	if (log_find(KMSG, line, sizeof(line)))
		ksft_exit_skip("no cpu_handoff line in the kernel log: option off?\n");
	ksft_set_plan(6);
	test_method();
	test_trampoline_abi();
	test_trampoline_ptdump("at boot");
	test_resume_cycle();
	test_trampoline_ptdump("after test_resume");
	ksft_finished();
}
