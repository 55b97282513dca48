// SPDX-License-Identifier: GPL-2.0
/*
 * kexec_jump - jump to a trivial image with KEXEC_PRESERVE_CONTEXT and back.
 *
 * The image is a few instructions that store their own address as the
 * re-entry point for the next jump and return to the kernel that called
 * them.  That is enough to run the kernel's whole kexec jump path (freeze,
 * suspend devices, stop the other CPUs, jump, come back, bring the CPUs
 * back), which is what the CPU handoff tests need.
 *
 *   kexec_jump [N]   jump N times (default 1)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <sys/reboot.h>
#include <sys/syscall.h>

/*
 * Physical address of the image: ordinary RAM below where the kernel is
 * loaded without KASLR (16 MiB); its contents are swapped back on return.
 */
#define JUMP_DEST	0x800000UL

/*
 * Called by relocate_kernel with a stack whose second word is the re-entry
 * point it will use next time: keep it pointing here, and return.
 */
static const unsigned char jump_image[] = {
	0x4c, 0x8d, 0x1d, 0xf9, 0xff, 0xff, 0xff,	/* lea -7(%rip), %r11 */
	0x4c, 0x89, 0x5c, 0x24, 0x08,			/* mov %r11, 8(%rsp) */
	0xc3,						/* ret */
};

int main(int argc, char **argv)
{
	static char page[4096];
	struct kexec_segment seg = {
		.buf	= page,
		.bufsz	= sizeof(page),
		.mem	= (void *)JUMP_DEST,
		.memsz	= sizeof(page),
	};
	int i, n = argc > 1 ? atoi(argv[1]) : 1;

	memcpy(page, jump_image, sizeof(jump_image));
	if (syscall(SYS_kexec_load, JUMP_DEST, 1UL, &seg,
		    (unsigned long)(KEXEC_PRESERVE_CONTEXT | KEXEC_ARCH_DEFAULT))) {
		fprintf(stderr, "kexec_jump: kexec_load: %s\n", strerror(errno));
		return 1;
	}
	for (i = 1; i <= n; i++) {
		sync();
		if (reboot(LINUX_REBOOT_CMD_KEXEC)) {
			fprintf(stderr, "kexec_jump: jump %d: %s\n", i, strerror(errno));
			return 1;
		}
		printf("kexec_jump: back from jump %d\n", i);
	}
	return 0;
}
