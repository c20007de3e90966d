/* test_util.c - SHA-256 (portable and SHA-NI paths) against FIPS 180-4
 * vectors, UTF-8 validation, the string map and bounded buffers. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "gs_util.h"

static void hash(const char *s, size_t n, size_t chunk, char out[65])
{
	struct gs_sha256 h;

	gs_sha256_init(&h);
	for (size_t i = 0; i < n; i += chunk)
		gs_sha256_update(&h, s + i, n - i < chunk ? n - i : chunk);
	gs_sha256_hex(&h, out);
}

static void check_vectors(void)
{
	char out[65];
	char *million = xmalloc(1000000);

	hash("", 0, 1, out);
	cr_expect_str_eq(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hash("abc", 3, 3, out);
	cr_expect_str_eq(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, 7, out);
	cr_expect_str_eq(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', 1000000);
	hash(million, 1000000, 1000000, out);
	cr_expect_str_eq(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	hash(million, 1000000, 4099, out); /* odd chunks cross blocks */
	cr_expect_str_eq(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

Test(util, sha256_accelerated_matches_fips_vectors)
{
	gs_sha256_set_accel(1);
	check_vectors();
}

Test(util, sha256_portable_matches_fips_vectors)
{
	gs_sha256_set_accel(0);
	check_vectors();
	gs_sha256_set_accel(1);
}

Test(util, utf8_validation_finds_the_first_bad_byte)
{
	size_t bad = 99;

	cr_expect(gs_utf8_valid("plain ascii text", 16, &bad));
	cr_expect(gs_utf8_valid("Zo\xc3\xab caf\xc3\xa9 \xe2\x80\x98q\xe2\x80\x99", 18, &bad));
	cr_expect_not(gs_utf8_valid("abc\xff", 4, &bad));
	cr_expect_eq(bad, 3);
	cr_expect_not(gs_utf8_valid("ab\xc0\xaf", 4, &bad)); /* overlong */
	cr_expect_eq(bad, 2);
	cr_expect_not(gs_utf8_valid("\xed\xa0\x80", 3, &bad)); /* surrogate */
	cr_expect_eq(bad, 0);
	cr_expect_not(gs_utf8_valid("0123456789abcdef\xe2\x80", 18, &bad)); /* truncated */
	cr_expect_eq(bad, 16);
	cr_expect_not(gs_utf8_valid("\xf4\x90\x80\x80", 4, &bad)); /* > U+10FFFF */
}

Test(util, map_holds_every_key_across_growth)
{
	struct gs_map *m = gs_map_new();
	char key[32];
	int inserted;

	for (long i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "INT-%06ld", i);
		*gs_map_slot(m, key, strlen(key), &inserted) = (void *)(i + 1);
		cr_assert(inserted);
	}
	cr_expect_eq(gs_map_count(m), 5000);
	gs_map_slot(m, "INT-000042", 10, &inserted);
	cr_expect_not(inserted);
	cr_expect_eq((long)gs_map_get(m, "INT-004999", 10), 5000);
	cr_expect_null(gs_map_get(m, "INT-005000", 10));
	gs_map_free(m);
}

Test(util, bounded_buffer_refuses_past_its_cap)
{
	struct gs_buf b;

	gs_buf_init(&b, 8);
	cr_expect_eq(gs_buf_append(&b, "12345678", 8), 0);
	cr_expect_eq(gs_buf_append(&b, "9", 1), -1);
	cr_expect_eq(b.len, 8);
	cr_expect_str_eq(b.data, "12345678");
	gs_buf_release(&b);
}

/* A scratch arena reset after each batch: it keeps one chunk, so a steady
 * stream of batches holds one chunk, not one per batch; what was taken
 * before the reset is reused, big one-off allocations are given back, and
 * everything taken after a reset is intact and aligned. */
Test(util, arena_reset_keeps_one_chunk_and_reuses_it)
{
	struct gs_arena a;
	char *first, *again, *big;
	size_t one;

	gs_arena_init(&a);
	first = gs_arena_strndup(&a, "abc", 3);
	one = a.bytes;
	cr_assert_gt(one, 0);
	for (int i = 0; i < 3000; i++) /* several chunks */
		gs_arena_alloc(&a, 1000);
	big = gs_arena_alloc(&a, 4u << 20); /* a one-off */
	big[(4u << 20) - 1] = 'x';
	cr_assert_gt(a.bytes, 8 * one);
	gs_arena_reset(&a);
	cr_expect_eq(a.bytes, one);
	again = gs_arena_strndup(&a, "xyz", 3);
	cr_expect_str_eq(again, "xyz");
	for (int i = 0; i < 5; i++) {
		long *p = gs_arena_alloc(&a, sizeof(long) * 3);

		cr_expect_eq((uintptr_t)p % 8, 0);
		cr_expect_eq(p[0] | p[1] | p[2], 0);
	}
	(void)first;
	gs_arena_reset(&a);
	gs_arena_reset(&a); /* twice, and on an arena with nothing taken */
	cr_expect_eq(a.bytes, one);
	gs_arena_release(&a);
	cr_expect_eq(a.bytes, 0);
	gs_arena_reset(&a);
	cr_expect_eq(a.bytes, 0);
	gs_arena_release(&a);
}

/* Run ids as every command takes them: digits only, from 1 to LLONG_MAX. */
static const struct {
	const char *text;
	int ok;
	long long want;
} run_ids[] = {
	{"1", 1, 1},
	{"42", 1, 42},
	{"007", 1, 7},
	{"9223372036854775807", 1, 9223372036854775807LL},
	{"9223372036854775808", 0, 0}, /* LLONG_MAX + 1 */
	{"99999999999999999999999", 0, 0},
	{"0", 0, 0},
	{"-1", 0, 0},
	{"-0", 0, 0},
	{"+1", 0, 0},
	{" 1", 0, 0},
	{"1 ", 0, 0},
	{"1x", 0, 0},
	{"1.0", 0, 0},
	{"0x10", 0, 0},
	{"abc", 0, 0},
	{"", 0, 0},
};

Test(util, run_ids_are_whole_numbers_from_one)
{
	for (size_t i = 0; i < sizeof run_ids / sizeof run_ids[0]; i++) {
		long long v = -5;
		int rc = gs_parse_run_id(run_ids[i].text, &v);

		cr_expect_eq(rc, run_ids[i].ok ? 0 : -1, "\"%s\"",
			     run_ids[i].text);
		cr_expect_eq(v, run_ids[i].ok ? run_ids[i].want : -5,
			     "\"%s\": %lld", run_ids[i].text, v);
	}
	cr_expect_eq(gs_parse_run_id(NULL, NULL), -1);
}
