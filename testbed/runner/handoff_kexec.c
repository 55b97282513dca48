// SPDX-License-Identifier: GPL-2.0
/*
 * handoff_kexec - load a kernel with kexec_file_load(2) and jump to it.
 *
 * The guest has no kexec-tools (Debian's is linked against Xen libraries),
 * and kexec_file_load needs nothing but two file descriptors and a
 * command line, so this is all the guest needs to chain kernels.
 *
 *   handoff_kexec [-l] KERNEL INITRD CMDLINE
 *     -l  load only, do not reboot (for checking that a kernel loads)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/reboot.h>
#include <sys/reboot.h>
#include <sys/syscall.h>

#ifndef SYS_kexec_file_load
#define SYS_kexec_file_load 320
#endif

int main(int argc, char **argv)
{
	int kfd, ifd, load_only = 0;
	const char *cmdline;
	long ret;

	if (argc > 1 && !strcmp(argv[1], "-l")) {
		load_only = 1;
		argv++;
		argc--;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: handoff_kexec [-l] KERNEL INITRD CMDLINE\n");
		return 2;
	}
	kfd = open(argv[1], O_RDONLY);
	ifd = open(argv[2], O_RDONLY);
	if (kfd < 0 || ifd < 0) {
		fprintf(stderr, "handoff_kexec: open: %s\n", strerror(errno));
		return 1;
	}
	cmdline = argv[3];
	/* The length must count the terminating NUL, or the kernel says EINVAL. */
	ret = syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1, cmdline, 0UL);
	if (ret) {
		fprintf(stderr, "handoff_kexec: kexec_file_load: %s\n", strerror(errno));
		return 1;
	}
	if (load_only)
		return 0;
	sync();
	reboot(LINUX_REBOOT_CMD_KEXEC);
	fprintf(stderr, "handoff_kexec: reboot(KEXEC): %s\n", strerror(errno));
	return 1;
}
