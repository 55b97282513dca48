// SPDX-License-Identifier: GPL-2.0
/*
 * cpu_handoff_test - what can be checked of CPU handoff parking in one boot.
 *
 *  1. cpu_handoff= was understood: the method the boot log reports matches
 *     what the command line asks for (an unknown value must fall back to
 *     auto with a warning);
 *  2. a test_resume hibernation cycle (snapshot, then restore into the same
 *     kernel) leaves the online set as it was, and the resumed kernel
 *     re-parks every CPU it inherited offline (its log line says so).
 *
 * Needs root, CONFIG_X86_CPU_HANDOFF, its boot messages still in the kernel
 * log, and an active swap device for test 2 (skipped without one).  What
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

#define KMSG "cpu_handoff: "

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
	ksft_set_plan(3);
	test_method();
	test_resume_cycle();
	ksft_finished();
}
