/*
 * fuzz_common.h - helpers shared by the libFuzzer harnesses.
 *
 * Hostile bytes reach the parsers through a real file: an anonymous memfd
 * named by /proc/self/fd/N, so every harness exercises the same fopen/fread
 * path as the binary without touching the disk.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Writes data into a new memfd; fills path with its /proc name. Returns the
 * fd (the caller closes it) or aborts: a harness that cannot set up must
 * not report "no bug". */
static inline int fuzz_memfd(const uint8_t *data, size_t size, char *path,
			     size_t pathlen)
{
	int fd = memfd_create("fuzz", 0);
	size_t off = 0;

	if (fd < 0)
		abort();
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

/* FNV-1a over bytes, for comparing two runs of the same reader. */
static inline uint64_t fuzz_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FUZZ_CHECK(cond)                                                    \
	do {                                                                \
		if (!(cond)) {                                              \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",    \
				__FILE__, __LINE__, #cond);                 \
			abort();                                            \
		}                                                           \
	} while (0)

#endif
