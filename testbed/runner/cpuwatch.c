// SPDX-License-Identifier: GPL-2.0
/*
 * cpuwatch - fail when a CPU the user wants offline is seen online.
 *
 * nosmt is a security setting: an SMT sibling must never be online while
 * user space runs, and neither may a CPU offlined by hand.  Started before
 * a hibernation or a kexec jump, this polls the online mask every
 * millisecond in the background.  It is frozen with the rest of user
 * space and thawed with it, so its first read after the handoff is among
 * the first things user space does.
 *
 *   cpuwatch ALLOWED    ALLOWED: the CPUs that may be online, as in
 *                       /sys/devices/system/cpu/online ("0,2-3")
 *
 * Prints "CH: FAIL online-watch ..." for every CPU seen online outside
 * ALLOWED, and on SIGTERM a summary "CH: WATCH reads=N gaps=G
 * longest-gap-ms=L violations=V".  A gap is a pause of over 50 ms between
 * two reads, such as the freeze of a handoff (informative only: how long
 * user space stays frozen varies too much under emulation to require one).
 * A watcher that could not read at least twice fails too.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CPUS 1024

/* "0,2-3" -> set[0] = set[2] = set[3] = 1; returns -1 on bad input. */
static int parse_list(const char *s, unsigned char *set)
{
	memset(set, 0, MAX_CPUS);
	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b = a;

		if (end == s || a < 0 || a >= MAX_CPUS)
			return -1;
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			if (end == s + 1 || b < a || b >= MAX_CPUS)
				return -1;
			s = end;
		}
		while (a <= b)
			set[a++] = 1;
		if (*s == ',')
			s++;
	}
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	static unsigned char allowed[MAX_CPUS], seen[MAX_CPUS], reported[MAX_CPUS];
	unsigned long reads = 0, gaps = 0, violations = 0;
	struct timespec tick = { 0, 1000000 };
	double last = 0, longest = 0;
	char buf[4096];
	sigset_t term;
	int fd, cpu;

	if (argc != 2 || parse_list(argv[1], allowed)) {
		fprintf(stderr, "usage: cpuwatch ALLOWED-CPU-LIST\n");
		return 2;
	}
	fd = open("/sys/devices/system/cpu/online", O_RDONLY);
	if (fd < 0) {
		perror("cpuwatch: /sys/devices/system/cpu/online");
		return 2;
	}
	/* SIGTERM ends the watch: waited for between reads, as the tick. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	sigprocmask(SIG_BLOCK, &term, NULL);

	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		double t = now_ms();

		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			printf("CH: FAIL online-watch cannot read the online mask\n");
			return 1;
		}
		buf[n] = '\0';
		if (parse_list(buf, seen)) {
			printf("CH: FAIL online-watch bad online mask '%s'\n", buf);
			return 1;
		}
		if (reads && t - last > 50) {
			gaps++;
			if (t - last > longest)
				longest = t - last;
		}
		last = t;
		reads++;
		for (cpu = 0; cpu < MAX_CPUS; cpu++) {
			if (!seen[cpu] || allowed[cpu] || reported[cpu])
				continue;
			/* Once per CPU: one line says enough. */
			reported[cpu] = 1;
			violations++;
			buf[strcspn(buf, "\n")] = '\0';
			printf("CH: FAIL online-watch cpu%d online in user space ", cpu);
			printf("(online=%s, allowed=%s, read %lu)\n", buf, argv[1], reads);
			fflush(stdout);
		}
		if (sigtimedwait(&term, NULL, &tick) > 0)
			break;
	}
	printf("CH: WATCH reads=%lu gaps=%lu longest-gap-ms=%.0f violations=%lu\n",
	       reads, gaps, longest, violations);
	if (reads < 2) {
		printf("CH: FAIL online-watch read the online mask only %lu time(s)\n", reads);
		return 3;
	}
	return violations ? 1 : 0;
}
