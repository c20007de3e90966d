/*
 * fuzz_date.c - gs_date_parse in both formats.
 *
 * When a parse succeeds: the day formats back to YYYY-MM-DD, that text
 * parses (ISO) to the same day, gs_date_to_ymd gives a valid date whose
 * gs_date_from_ymd is the day again, and the year/month/day agree with the
 * digits in the input. Seconds lie in [0, 86400).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"
#include "gs_date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static void one(const char *s, size_t n, enum gs_date_format fmt)
{
	long day = -999999, again = -1;
	int secs = -1, y, m, d;
	char out[11];

	if (gs_date_parse(s, n, fmt, &day, &secs) != 0)
		return;
	FUZZ_CHECK(secs >= 0 && secs < 86400);
	FUZZ_CHECK(gs_date_parse(s, n, fmt, NULL, NULL) == 0);
	gs_date_to_ymd(day, &y, &m, &d);
	FUZZ_CHECK(gs_date_valid(y, m, d));
	FUZZ_CHECK(gs_date_from_ymd(y, m, d) == day);
	gs_date_format(day, out);
	FUZZ_CHECK(strlen(out) == 10);
	FUZZ_CHECK(gs_date_parse(out, 10, GS_DATE_ISO, &again, NULL) == 0);
	FUZZ_CHECK(again == day);
	if (fmt == GS_DATE_ISO) {
		FUZZ_CHECK(n >= 10 && memcmp(out, s, 10) == 0);
	} else {
		const char *a = memchr(s, '/', n);
		const char *b = a ? memchr(a + 1, '/', n - (size_t)(a + 1 - s))
				  : NULL;

		FUZZ_CHECK(a != NULL && b != NULL);
		FUZZ_CHECK(num(s, (size_t)(a - s)) == d);
		FUZZ_CHECK(num(a + 1, (size_t)(b - a - 1)) == m);
		FUZZ_CHECK(num(b + 1, 4) == y);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	if (size > 64)
		return 0;
	one(s, size, GS_DATE_ISO);
	one(s, size, GS_DATE_UK);
	/* every day in range survives the round trip */
	if (size >= 4) {
		uint32_t v;
		long day, again;
		char out[11];

		memcpy(&v, data, 4);
		day = (long)(v % 3652059u) - 719162; /* 0001-01-01..9999-12-31 */
		gs_date_format(day, out);
		FUZZ_CHECK(gs_date_parse(out, 10, GS_DATE_ISO, &again, NULL) ==
			   0);
		FUZZ_CHECK(again == day);
	}
	return 0;
}
