// SPDX-License-Identifier: GPL-2.0
/*
 * payload - write or verify a memory payload that must survive a handoff.
 *
 * The content is a pure function of (seed, offset), so a check regenerates
 * what was written instead of trusting a stored checksum that could have
 * been corrupted along with the data.
 *
 *   payload gen SEED MIB FILE    write MIB MiB of pattern to FILE
 *   payload check SEED MIB FILE  verify it; exit 1 and name the first bad
 *                                offset on a mismatch
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1024u * 1024u)

static uint64_t word_at(uint64_t seed, uint64_t index)
{
	/* splitmix64: every word differs, and a shifted page is noticed */
	uint64_t z = seed + (index + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void fill(uint64_t *buf, uint64_t seed, uint64_t first)
{
	for (size_t i = 0; i < CHUNK / sizeof(*buf); i++)
		buf[i] = word_at(seed, first + i);
}

static int full_io(int fd, void *buf, size_t len, int writing)
{
	char *p = buf;

	while (len) {
		ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t *want, *have, seed, words = CHUNK / sizeof(uint64_t);
	unsigned long mib, m;
	int gen, fd;

	if (argc != 5 || (strcmp(argv[1], "gen") && strcmp(argv[1], "check"))) {
		fprintf(stderr, "usage: %s gen|check SEED MIB FILE\n", argv[0]);
		return 2;
	}
	gen = !strcmp(argv[1], "gen");
	seed = strtoull(argv[2], NULL, 0);
	mib = strtoul(argv[3], NULL, 0);
	if (gen)
		fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	else
		fd = open(argv[4], O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "payload: %s: %s\n", argv[4], strerror(errno));
		return 1;
	}
	want = malloc(CHUNK);
	have = malloc(CHUNK);
	if (!want || !have)
		return 1;
	for (m = 0; m < mib; m++) {
		fill(want, seed, m * words);
		if (gen) {
			if (full_io(fd, want, CHUNK, 1)) {
				fprintf(stderr, "payload: write failed at MiB %lu\n", m);
				return 1;
			}
			continue;
		}
		if (full_io(fd, have, CHUNK, 0)) {
			printf("payload: short read at MiB %lu of %lu\n", m, mib);
			return 1;
		}
		if (memcmp(want, have, CHUNK)) {
			uint64_t i = 0;

			while (want[i] == have[i])
				i++;
			printf("payload: mismatch at byte %llu: %016llx != %016llx\n",
			       (unsigned long long)((m * words + i) * 8),
			       (unsigned long long)have[i], (unsigned long long)want[i]);
			return 1;
		}
	}
	if (!gen && read(fd, have, 1) != 0) {
		printf("payload: file is longer than %lu MiB\n", mib);
		return 1;
	}
	if (gen && fsync(fd) && errno != EINVAL)
		return 1;
	close(fd);
	return 0;
}
