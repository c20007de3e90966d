/* util.c - allocation, bounded buffers, UTF-8, hashing, map, SHA-256 and
 * owner-only atomic output files (gs_util.h). */
#include "gs_util.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void oom(size_t n)
{
	fprintf(stderr, "gapscan: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* ---- gs_buf ---- */

void gs_buf_init(struct gs_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void gs_buf_release(struct gs_buf *b)
{
	free(b->data);
	gs_buf_init(b, b->max);
}

void gs_buf_reset(struct gs_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int buf_grow(struct gs_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	size_t cap;

	if (b->max && b->len + extra > b->max)
		return -1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
	return 0;
}

int gs_buf_append(struct gs_buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int gs_buf_putc(struct gs_buf *b, int c)
{
	char ch = (char)c;

	return gs_buf_append(b, &ch, 1);
}

int gs_buf_printf(struct gs_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

/* ---- gs_arena ---- */

#define ARENA_CHUNK (256u << 10)

struct gs_arena_chunk {
	struct gs_arena_chunk *next;
	size_t used, cap;
	char data[];
};

void gs_arena_init(struct gs_arena *a)
{
	a->chunks = NULL;
	a->bytes = 0;
}

void gs_arena_release(struct gs_arena *a)
{
	while (a->chunks) {
		struct gs_arena_chunk *c = a->chunks;

		a->chunks = c->next;
		free(c);
	}
	a->bytes = 0;
}

void gs_arena_reset(struct gs_arena *a)
{
	struct gs_arena_chunk *keep = NULL;

	while (a->chunks) {
		struct gs_arena_chunk *c = a->chunks;

		a->chunks = c->next;
		if (!keep && c->cap == ARENA_CHUNK)
			keep = c;
		else
			free(c);
	}
	a->bytes = 0;
	if (keep) {
		keep->next = NULL;
		keep->used = 0;
		a->chunks = keep;
		a->bytes = keep->cap;
	}
}

static char *arena_take(struct gs_arena *a, size_t n, size_t align)
{
	struct gs_arena_chunk *c = a->chunks;
	size_t at;

	if (c) {
		at = (c->used + align - 1) & ~(align - 1);
		if (at <= c->cap && c->cap - at >= n) {
			c->used = at + n;
			return c->data + at;
		}
	}
	{
		size_t cap = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;

		c = xmalloc(sizeof(*c) + cap);
		c->cap = cap;
		c->used = 0;
		if (cap == ARENA_CHUNK || !a->chunks) {
			c->next = a->chunks;
			a->chunks = c;
		} else { /* a big one-off: keep the current chunk in front */
			c->next = a->chunks->next;
			a->chunks->next = c;
		}
		a->bytes += cap;
	}
	c->used = n;
	return c->data;
}

char *gs_arena_strndup(struct gs_arena *a, const char *s, size_t n)
{
	char *p = arena_take(a, n + 1, 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void *gs_arena_alloc(struct gs_arena *a, size_t size)
{
	void *p = arena_take(a, size ? size : 1, 8);

	memset(p, 0, size);
	return p;
}

/* ---- UTF-8 ---- */

int gs_utf8_valid(const char *s, size_t n, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i];
		size_t len;
		unsigned cp, min;

		if (c < 0x80) {
			/* fast path over ASCII runs */
			i++;
			while (i + 8 <= n) {
				uint64_t w;

				memcpy(&w, p + i, 8);
				if (w & 0x8080808080808080ULL)
					break;
				i += 8;
			}
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
			cp = c & 0x1F;
			min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			cp = c & 0x0F;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			goto fail;
		}
		if (i + len > n)
			goto fail;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				goto fail;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			goto fail;
		i += len;
	}
	return 1;
fail:
	if (bad)
		*bad = i;
	return 0;
}

/* ---- hashing ---- */

uint64_t gs_hash64(const void *data, size_t n)
{
	/* FNV-1a 64 with a final avalanche (splitmix64 finaliser). */
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* ---- gs_map: open addressing, linear probing ---- */

/* Keys live in chunks that never move, so a million keys cost their bytes
 * and not a million mallocs. */
#define MAP_CHUNK (64u << 10)

struct map_entry {
	const char *key; /* NULL = empty; points into a chunk */
	uint32_t klen;
	uint32_t hash32;
	void *value;
};

struct map_chunk {
	struct map_chunk *next;
	size_t used, cap;
	char data[];
};

struct gs_map {
	struct map_entry *slots;
	size_t cap; /* power of two */
	size_t count;
	struct map_chunk *chunks;
};

struct gs_map *gs_map_new(void)
{
	struct gs_map *m = xcalloc(1, sizeof(*m));

	m->cap = 64;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	return m;
}

void gs_map_free(struct gs_map *m)
{
	if (!m)
		return;
	while (m->chunks) {
		struct map_chunk *c = m->chunks;

		m->chunks = c->next;
		free(c);
	}
	free(m->slots);
	free(m);
}

static const char *map_keep(struct gs_map *m, const char *key, size_t n)
{
	struct map_chunk *c = m->chunks;
	char *p;

	if (!c || c->cap - c->used < n + 1) {
		size_t cap = n + 1 > MAP_CHUNK ? n + 1 : MAP_CHUNK;

		c = xmalloc(sizeof(*c) + cap);
		c->cap = cap;
		c->used = 0;
		c->next = m->chunks;
		m->chunks = c;
	}
	p = c->data + c->used;
	memcpy(p, key, n);
	p[n] = '\0';
	c->used += n + 1;
	return p;
}

static size_t map_find(const struct gs_map *m, const char *key, size_t n,
		       uint64_t h)
{
	size_t i = h & (m->cap - 1);

	while (m->slots[i].key) {
		const struct map_entry *e = &m->slots[i];

		if (e->hash32 == (uint32_t)(h >> 32) && e->klen == n &&
		    memcmp(e->key, key, n) == 0)
			return i;
		i = (i + 1) & (m->cap - 1);
	}
	return i;
}

static void map_grow(struct gs_map *m)
{
	struct map_entry *old = m->slots;
	size_t oldcap = m->cap;

	m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (size_t i = 0; i < oldcap; i++) {
		size_t j;

		if (!old[i].key)
			continue;
		j = gs_hash64(old[i].key, old[i].klen) & (m->cap - 1);
		while (m->slots[j].key)
			j = (j + 1) & (m->cap - 1);
		m->slots[j] = old[i];
	}
	free(old);
}

void **gs_map_slot(struct gs_map *m, const char *key, size_t n, int *inserted)
{
	uint64_t h = gs_hash64(key, n);
	size_t i;

	assert(n <= UINT32_MAX);
	if ((m->count + 1) * 4 > m->cap * 3)
		map_grow(m);
	i = map_find(m, key, n, h);
	if (inserted)
		*inserted = m->slots[i].key == NULL;
	if (!m->slots[i].key) {
		m->slots[i].key = map_keep(m, key, n);
		m->slots[i].klen = (uint32_t)n;
		m->slots[i].hash32 = (uint32_t)(h >> 32);
		m->slots[i].value = NULL;
		m->count++;
	}
	return &m->slots[i].value;
}

void *gs_map_get(const struct gs_map *m, const char *key, size_t n)
{
	size_t i = map_find(m, key, n, gs_hash64(key, n));

	return m->slots[i].key ? m->slots[i].value : NULL;
}

const char *gs_map_key(const struct gs_map *m, const char *key, size_t n)
{
	size_t i = map_find(m, key, n, gs_hash64(key, n));

	return m->slots[i].key;
}

size_t gs_map_count(const struct gs_map *m)
{
	return m->count;
}

int gs_map_iter(const struct gs_map *m, size_t *i, const char **key,
		void **value)
{
	while (*i < m->cap) {
		const struct map_entry *e = &m->slots[(*i)++];

		if (e->key) {
			if (key)
				*key = e->key;
			if (value)
				*value = e->value;
			return 1;
		}
	}
	return 0;
}

/* ---- SHA-256 (FIPS 180-4) ---- */

static const uint32_t K256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(struct gs_sha256 *s, const unsigned char *b);

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define GS_SHA_NI 1

/* SHA-256 with the x86 SHA extensions (about 1.5 GB/s against 0.2 GB/s
 * portable): hashing the inputs for the run manifest must not cost more
 * than scanning them. Same results as sha256_block; the tests compare. */
__attribute__((target("sha,sse4.1,ssse3"))) static void
sha256_blocks_ni(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
	const __m128i mask =
		_mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i st0, st1, tmp, w[4];

	tmp = _mm_loadu_si128((const __m128i *)&h[0]);
	st1 = _mm_loadu_si128((const __m128i *)&h[4]);
	tmp = _mm_shuffle_epi32(tmp, 0xB1);      /* CDAB */
	st1 = _mm_shuffle_epi32(st1, 0x1B);      /* EFGH */
	st0 = _mm_alignr_epi8(tmp, st1, 8);      /* ABEF */
	st1 = _mm_blend_epi16(st1, tmp, 0xF0);   /* CDGH */
	for (; nblocks > 0; nblocks--, p += 64) {
		__m128i save0 = st0, save1 = st1;

		for (int g = 0; g < 16; g++) {
			__m128i msg;

			if (g < 4) {
				w[g] = _mm_shuffle_epi8(
					_mm_loadu_si128((const __m128i *)(p + 16 * g)),
					mask);
			} else {
				__m128i t = _mm_alignr_epi8(w[(g + 3) % 4],
							    w[(g + 2) % 4], 4);

				w[g % 4] = _mm_sha256msg2_epu32(
					_mm_add_epi32(_mm_sha256msg1_epu32(
							      w[g % 4],
							      w[(g + 1) % 4]),
						      t),
					w[(g + 3) % 4]);
			}
			msg = _mm_add_epi32(
				w[g % 4],
				_mm_loadu_si128((const __m128i *)&K256[4 * g]));
			st1 = _mm_sha256rnds2_epu32(st1, st0, msg);
			msg = _mm_shuffle_epi32(msg, 0x0E);
			st0 = _mm_sha256rnds2_epu32(st0, st1, msg);
		}
		st0 = _mm_add_epi32(st0, save0);
		st1 = _mm_add_epi32(st1, save1);
	}
	tmp = _mm_shuffle_epi32(st0, 0x1B);      /* FEBA */
	st1 = _mm_shuffle_epi32(st1, 0xB1);      /* DCHG */
	st0 = _mm_blend_epi16(tmp, st1, 0xF0);   /* DCBA */
	st1 = _mm_alignr_epi8(st1, tmp, 8);      /* ABEF */
	_mm_storeu_si128((__m128i *)&h[0], st0);
	_mm_storeu_si128((__m128i *)&h[4], st1);
}
#endif

static int sha_accel = -1; /* -1 unknown, 0 portable, 1 SHA-NI */

void gs_sha256_set_accel(int on)
{
	sha_accel = on ? -1 : 0;
}

static void sha256_blocks(struct gs_sha256 *s, const unsigned char *p,
			  size_t nblocks)
{
#ifdef GS_SHA_NI
	if (sha_accel < 0) {
		/* CPUID leaf 7 EBX bit 29: SHA; leaf 1 ECX bit 19: SSE4.1
		 * (read directly: clang's __builtin_cpu_supports has no "sha") */
		unsigned a, b, c, d;

		sha_accel = __get_cpuid_count(7, 0, &a, &b, &c, &d) &&
			    (b >> 29 & 1) && __get_cpuid(1, &a, &b, &c, &d) &&
			    (c >> 19 & 1);
	}
	if (sha_accel) {
		sha256_blocks_ni(s->h, p, nblocks);
		return;
	}
#endif
	for (; nblocks > 0; nblocks--, p += 64)
		sha256_block(s, p);
}

static void sha256_block(struct gs_sha256 *s, const unsigned char *b)
{
	uint32_t w[64], a, bb, c, d, e, f, g, h;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
		       (uint32_t)b[4 * i + 2] << 8 | (uint32_t)b[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^
			      (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = s->h[0];
	bb = s->h[1];
	c = s->h[2];
	d = s->h[3];
	e = s->h[4];
	f = s->h[5];
	g = s->h[6];
	h = s->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t S1 = ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = h + S1 + ch + K256[i] + w[i];
		uint32_t S0 = ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22);
		uint32_t maj = (a & bb) ^ (a & c) ^ (bb & c);
		uint32_t t2 = S0 + maj;

		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = bb;
		bb = a;
		a = t1 + t2;
	}
	s->h[0] += a;
	s->h[1] += bb;
	s->h[2] += c;
	s->h[3] += d;
	s->h[4] += e;
	s->h[5] += f;
	s->h[6] += g;
	s->h[7] += h;
}

void gs_sha256_init(struct gs_sha256 *s)
{
	static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
				       0xa54ff53a, 0x510e527f, 0x9b05688c,
				       0x1f83d9ab, 0x5be0cd19};

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->nbuf = 0;
}

void gs_sha256_update(struct gs_sha256 *s, const void *data, size_t n)
{
	const unsigned char *p = data;

	s->len += n;
	if (s->nbuf) {
		size_t take = 64 - s->nbuf < n ? 64 - s->nbuf : n;

		memcpy(s->buf + s->nbuf, p, take);
		s->nbuf += take;
		p += take;
		n -= take;
		if (s->nbuf < 64)
			return;
		sha256_blocks(s, s->buf, 1);
		s->nbuf = 0;
	}
	if (n >= 64) {
		sha256_blocks(s, p, n / 64);
		p += n / 64 * 64;
		n %= 64;
	}
	memcpy(s->buf, p, n);
	s->nbuf = n;
}

void gs_sha256_hex(struct gs_sha256 *s, char out[65])
{
	uint64_t bits = s->len * 8;
	unsigned char pad = 0x80, zero = 0, lenb[8];

	gs_sha256_update(s, &pad, 1);
	while (s->nbuf != 56)
		gs_sha256_update(s, &zero, 1);
	for (int i = 0; i < 8; i++)
		lenb[i] = (unsigned char)(bits >> (56 - 8 * i));
	gs_sha256_update(s, lenb, 8);
	for (int i = 0; i < 8; i++)
		snprintf(out + 8 * i, 9, "%08x", s->h[i]);
	out[64] = '\0';
}

/* ---- hashed input stream ---- */

struct gs_hashed {
	int fd;
	uint64_t pos;	      /* offset of the next byte read */
	struct gs_sha256 sha; /* of bytes [0, sha.len) */
};

static ssize_t hashed_read(void *cookie, char *buf, size_t size)
{
	struct gs_hashed *h = cookie;
	ssize_t n;

	do
		n = read(h->fd, buf, size);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n;
	/* reads are sequential from where a seek put them: only the part past
	 * what is hashed is new */
	if (h->pos <= h->sha.len && h->pos + (uint64_t)n > h->sha.len) {
		size_t skip = (size_t)(h->sha.len - h->pos);

		gs_sha256_update(&h->sha, buf + skip, (size_t)n - skip);
	}
	h->pos += (uint64_t)n;
	return n;
}

static int hashed_seek(void *cookie, off64_t *off, int whence)
{
	struct gs_hashed *h = cookie;
	off_t at = lseek(h->fd, (off_t)*off, whence);

	if (at < 0)
		return -1;
	/* forward past unread bytes would leave a hole in the hash */
	if ((uint64_t)at > h->sha.len) {
		lseek(h->fd, (off_t)h->pos, SEEK_SET);
		errno = EINVAL;
		return -1;
	}
	h->pos = (uint64_t)at;
	*off = at;
	return 0;
}

static int hashed_cookie_close(void *cookie)
{
	struct gs_hashed *h = cookie;

	return close(h->fd);
}

FILE *gs_hashed_open(const char *path, struct gs_hashed **out)
{
	cookie_io_functions_t io = {hashed_read, NULL, hashed_seek,
				    hashed_cookie_close};
	struct gs_hashed *h;
	FILE *fp;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*out = NULL;
	if (fd < 0)
		return NULL;
	h = xcalloc(1, sizeof(*h));
	h->fd = fd;
	gs_sha256_init(&h->sha);
	fp = fopencookie(h, "rb", io);
	if (!fp) {
		int e = errno;

		close(fd);
		free(h);
		errno = e;
		return NULL;
	}
	*out = h;
	return fp;
}

int gs_hashed_fd(const struct gs_hashed *h)
{
	return h->fd;
}

void gs_hashed_digest(const struct gs_hashed *h, char out[65],
		      uint64_t *size)
{
	struct gs_sha256 s = h->sha; /* finalising a copy: reading may go on */

	if (size)
		*size = h->sha.len;
	gs_sha256_hex(&s, out);
}

void gs_hashed_close(FILE *fp, struct gs_hashed *h)
{
	if (fp)
		fclose(fp); /* closes the fd through the cookie */
	free(h);
}

/* ---- owner-only output through a temporary file ---- */

/*
 * Temporary files being written, so that an interrupted run (Ctrl-C,
 * SIGTERM from a scheduler) removes them instead of leaving half-written
 * sensitive data behind. This is the one piece of process-wide state: a
 * signal handler has nowhere else to look. Only the main thread opens
 * outputs.
 */
#define MAX_PENDING 16
static char *pending[MAX_PENDING];

static void pending_add(char *tmp)
{
	for (size_t i = 0; i < MAX_PENDING; i++) {
		if (!pending[i]) {
			pending[i] = tmp;
			return;
		}
	}
}

static void pending_remove(const char *tmp)
{
	for (size_t i = 0; i < MAX_PENDING; i++) {
		if (pending[i] == tmp)
			pending[i] = NULL;
	}
}

void gs_out_remove_pending(void)
{
	for (size_t i = 0; i < MAX_PENDING; i++) {
		if (pending[i])
			unlink(pending[i]); /* async-signal-safe */
	}
}

/* The standard stream (stdout or stderr) path is the same file as, or
 * NULL: /dev/stdout, a link to /proc/self/fd/1, or the file stdout is
 * redirected to. Written through the stream itself, so an append (>>)
 * appends and a link is never renamed over. */
static FILE *std_stream(const char *path)
{
	struct stat p, f;

	if (stat(path, &p) != 0)
		return NULL;
	if (fstat(STDOUT_FILENO, &f) == 0 && f.st_dev == p.st_dev &&
	    f.st_ino == p.st_ino)
		return stdout;
	if (fstat(STDERR_FILENO, &f) == 0 && f.st_dev == p.st_dev &&
	    f.st_ino == p.st_ino)
		return stderr;
	return NULL;
}

int gs_out_is_stdout(const char *path)
{
	return !path || strcmp(path, "-") == 0 || std_stream(path) == stdout;
}

int gs_out_open(struct gs_out *o, const char *path, struct gs_error *err)
{
	int fd;

	o->fp = NULL;
	o->path = NULL;
	o->tmp = NULL;
	if (!path || strcmp(path, "-") == 0) {
		o->fp = stdout;
		return 0;
	}
	{
		/* a device or pipe (/dev/full, a FIFO) is written in place:
		 * renaming a file over it would replace the device; the
		 * file a standard stream already writes is written through
		 * that stream */
		struct stat st;
		FILE *std = std_stream(path);

		if (std) {
			o->fp = std;
			return 0;
		}
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			fd = open(path, O_WRONLY | O_CLOEXEC);
			o->fp = fd >= 0 ? fdopen(fd, "w") : NULL;
			if (!o->fp) {
				int e = errno;

				if (fd >= 0)
					close(fd);
				return gs_error_set(err, GS_ERR_IO, path, 0, 0,
						    "cannot open output: %s",
						    strerror(e));
			}
			o->path = xstrdup(path);
			return 0;
		}
	}
	o->path = xstrdup(path);
	o->tmp = xmalloc(strlen(path) + 16);
	sprintf(o->tmp, "%s.tmpXXXXXX", path);
	fd = mkstemp(o->tmp); /* mode 0600 */
	if (fd < 0) {
		int e = errno;

		free(o->path);
		free(o->tmp);
		o->path = o->tmp = NULL;
		return gs_error_set(err, GS_ERR_IO, path, 0, 0,
				    "cannot create output: %s", strerror(e));
	}
	fchmod(fd, 0600);
	pending_add(o->tmp);
	o->fp = fdopen(fd, "w");
	if (!o->fp) {
		close(fd);
		gs_out_abort(o);
		return gs_error_set(err, GS_ERR_IO, path, 0, 0,
				    "cannot open output: %s", strerror(errno));
	}
	return 0;
}

int gs_out_commit(struct gs_out *o, struct gs_error *err)
{
	int bad;

	if (!o->fp)
		return gs_error_set(err, GS_ERR_IO, o->path, 0, 0,
				    "output not open");
	if (o->fp == stdout || o->fp == stderr) {
		FILE *fp = o->fp;

		bad = fflush(fp) != 0 || ferror(fp);
		o->fp = NULL;
		if (bad)
			return gs_error_set(err, GS_ERR_IO,
					    fp == stdout ? "<stdout>" : "<stderr>",
					    0, 0, "write failed: %s",
					    strerror(errno));
		return 0;
	}
	if (!o->tmp) { /* written in place */
		bad = fflush(o->fp) != 0 || ferror(o->fp);
		bad = fclose(o->fp) != 0 || bad;
		o->fp = NULL;
		if (bad)
			gs_error_set(err, GS_ERR_IO, o->path, 0, 0,
				     "write failed: %s", strerror(errno));
		free(o->path);
		o->path = NULL;
		return bad ? GS_ERR_IO : 0;
	}
	bad = fflush(o->fp) != 0 || ferror(o->fp) || fsync(fileno(o->fp)) != 0;
	if (fclose(o->fp) != 0)
		bad = 1;
	o->fp = NULL;
	if (bad || rename(o->tmp, o->path) != 0) {
		int e = errno;

		pending_remove(o->tmp);

		gs_error_set(err, GS_ERR_IO, o->path, 0, 0, "write failed: %s",
			     strerror(e));
		gs_out_abort(o);
		return GS_ERR_IO;
	}
	pending_remove(o->tmp);
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return 0;
}

void gs_out_abort(struct gs_out *o)
{
	if (o->fp && o->fp != stdout && o->fp != stderr)
		fclose(o->fp);
	o->fp = NULL;
	if (o->tmp) {
		pending_remove(o->tmp);
		unlink(o->tmp);
	}
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
}

int gs_parse_run_id(const char *s, long long *out)
{
	long long v = 0;

	if (!s || !*s)
		return -1;
	for (const char *p = s; *p; p++) {
		int d = *p - '0';

		if (d < 0 || d > 9)
			return -1;
		if (v > (LLONG_MAX - d) / 10)
			return -1; /* past LLONG_MAX */
		v = v * 10 + d;
	}
	if (v < 1)
		return -1;
	*out = v;
	return 0;
}
