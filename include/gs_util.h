/*
 * gs_util.h - allocation wrappers, bounded buffers, UTF-8, hashing, maps.
 *
 * Out of memory aborts with a message (x* wrappers), leaving error paths for
 * real input and I/O problems. A gs_buf has a size cap: a runaway field is an
 * error, not an out-of-memory.
 */
#ifndef GS_UTIL_H
#define GS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gs_error.h"

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);           /* caller frees */
char *xstrndup(const char *s, size_t n); /* NUL-terminated; caller frees */

/* Growable byte buffer, always NUL-terminated when data != NULL. */
struct gs_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* 0 = unbounded */
};
void gs_buf_init(struct gs_buf *b, size_t max);
void gs_buf_release(struct gs_buf *b);
void gs_buf_reset(struct gs_buf *b); /* len = 0, memory kept */
/* Returns 0, or -1 (nothing appended) when the result would exceed max. */
int gs_buf_append(struct gs_buf *b, const void *p, size_t n);
int gs_buf_putc(struct gs_buf *b, int c);
int gs_buf_printf(struct gs_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Returns 1 when p[0..n) is valid UTF-8, else 0 and *bad = offset of the
 * first invalid byte (bad may be NULL). Rejects overlongs and surrogates. */
int gs_utf8_valid(const char *p, size_t n, size_t *bad);

uint64_t gs_hash64(const void *p, size_t n);

/* String-keyed hash map; keys are copied into chunks owned by the map
 * (stable until gs_map_free), values are the caller's pointers. */
struct gs_map;
struct gs_map *gs_map_new(void);
void gs_map_free(struct gs_map *m); /* does not free values; accepts NULL */
/* Returns the slot for key, inserting a NULL value if absent; *inserted
 * (may be NULL) says which. The slot stays valid until the next insert. */
void **gs_map_slot(struct gs_map *m, const char *key, size_t n, int *inserted);
void *gs_map_get(const struct gs_map *m, const char *key, size_t n);
/* The map's own copy of key (stable, NUL-terminated), or NULL if absent. */
const char *gs_map_key(const struct gs_map *m, const char *key, size_t n);
size_t gs_map_count(const struct gs_map *m);
/* Iteration: i from 0; returns 0 at the end. */
int gs_map_iter(const struct gs_map *m, size_t *i, const char **key,
		void **value);

/* A string arena: copies live in chunks that never move, freed together.
 * For many small strings kept for a whole run (ids, excerpts). */
struct gs_arena {
	struct gs_arena_chunk *chunks;
	size_t bytes; /* total held, for tests and the bench */
};
void gs_arena_init(struct gs_arena *a);
void gs_arena_release(struct gs_arena *a);
/* Frees everything taken, keeping one chunk for reuse (a per-batch
 * scratch arena). */
void gs_arena_reset(struct gs_arena *a);
/* NUL-terminated copy of s[0..n), owned by the arena. */
char *gs_arena_strndup(struct gs_arena *a, const char *s, size_t n);
/* size bytes, 8-byte aligned, zeroed, owned by the arena. */
void *gs_arena_alloc(struct gs_arena *a, size_t size);

/* SHA-256 */
struct gs_sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
};
void gs_sha256_init(struct gs_sha256 *s);
void gs_sha256_update(struct gs_sha256 *s, const void *p, size_t n);
void gs_sha256_hex(struct gs_sha256 *s, char out[65]); /* finalises */
/* Tests: 0 forces the portable code, 1 uses the CPU's SHA extensions
 * when it has them (the default). */
void gs_sha256_set_accel(int on);
/* Hashes a whole file; returns 0 or -1 (errno set). */
/* An input stream that computes the SHA-256 of the bytes it reads, so an
 * export is read once (a pipe can be read only once) and the hash is of
 * exactly the bytes scanned. A seek back (a reader resyncing) re-reads
 * bytes already hashed: they are not hashed again. gs_hashed_open returns
 * a FILE to read with stdio (NULL and errno on failure) and *h to ask for
 * the hash; h lives until gs_hashed_close, which closes the FILE too. */
struct gs_hashed;
FILE *gs_hashed_open(const char *path, struct gs_hashed **h);
/* Hex digest and byte count of everything read so far (the whole file
 * once the reader has reached its end). */
void gs_hashed_digest(const struct gs_hashed *h, char out[65],
		      uint64_t *size);
void gs_hashed_close(FILE *fp, struct gs_hashed *h);
int gs_hashed_fd(const struct gs_hashed *h); /* for fstat */

/* Parses a run id (runs.id) as every command takes one: decimal digits
 * only, no sign, space or other text, from 1 to LLONG_MAX. Returns 0 and
 * sets *out, or -1 and leaves *out alone (s may be NULL). */
int gs_parse_run_id(const char *s, long long *out);

/* Writes to PATH through a temporary file in the same directory, created
 * mode 0600, renamed into place by gs_out_commit. "-" or NULL means stdout
 * (no temporary). */
struct gs_out {
	FILE *fp;
	char *path;
	char *tmp;
};
/* Whether an output path means standard output: NULL, "-", or a path to
 * the file stdout already writes (/dev/stdout, a redirect target). */
int gs_out_is_stdout(const char *path);
int gs_out_open(struct gs_out *o, const char *path, struct gs_error *err);
/* Flushes, checks ferror, fsyncs, renames. Returns 0 or GS_ERR_IO. */
int gs_out_commit(struct gs_out *o, struct gs_error *err);
void gs_out_abort(struct gs_out *o); /* removes the temporary */
/* Unlinks every temporary still being written: for a signal handler
 * (async-signal-safe), before the process exits. */
void gs_out_remove_pending(void);

#endif
