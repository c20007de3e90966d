/* test_date.c - ISO and UK dates, calendar validity, day numbers. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>
#include <time.h>

#include "gs_date.h"

struct good {
	char text[40];
	enum gs_date_format fmt;
	long day;
	int secs;
};

/* Day numbers checked against Python's datetime.date. */
static struct good goods[] = {
	{"1970-01-01", GS_DATE_ISO, 0, 0},
	{"1969-12-31", GS_DATE_ISO, -1, 0},
	{"2000-02-29", GS_DATE_ISO, 11016, 0},
	{"2000-03-01", GS_DATE_ISO, 11017, 0},
	{"2024-02-29", GS_DATE_ISO, 19782, 0},
	{"2026-11-01", GS_DATE_ISO, 20758, 0},
	{"2026-12-31", GS_DATE_ISO, 20818, 0},
	{"1900-03-01", GS_DATE_ISO, -25508, 0},
	{"0001-01-01", GS_DATE_ISO, -719162, 0},
	{"9999-12-31", GS_DATE_ISO, 2932896, 0},
	{"2026-11-01T14:20", GS_DATE_ISO, 20758, 14 * 3600 + 20 * 60},
	{"2026-11-01 14:20:00", GS_DATE_ISO, 20758, 14 * 3600 + 20 * 60},
	{"2026-11-01T23:59:59", GS_DATE_ISO, 20758, 86399},
	{"2026-11-01T00:00:00.125", GS_DATE_ISO, 20758, 0},
	{"2026-11-01T08:00:01,5Z", GS_DATE_ISO, 20758, 8 * 3600 + 1},
	{"2026-11-01T08:00Z", GS_DATE_ISO, 20758, 8 * 3600},
	{"2026-11-01T08:00:00+01:00", GS_DATE_ISO, 20758, 8 * 3600},
	{"2026-11-01T23:30:00-05:30", GS_DATE_ISO, 20758, 23 * 3600 + 1800},
	{"01/11/2026", GS_DATE_UK, 20758, 0},
	{"1/11/2026", GS_DATE_UK, 20758, 0},
	{"29/02/2024", GS_DATE_UK, 19782, 0},
	{"29/2/2000", GS_DATE_UK, 11016, 0},
	{"31/12/2026", GS_DATE_UK, 20818, 0},
	{"01/11/2026 14:20", GS_DATE_UK, 20758, 14 * 3600 + 20 * 60},
	{"01/11/2026 9:05:07", GS_DATE_UK, 20758, 9 * 3600 + 5 * 60 + 7},
	{"01/11/2026 00:00:00", GS_DATE_UK, 20758, 0},
};

ParameterizedTestParameters(date, parses)
{
	return cr_make_param_array(struct good, goods,
				   sizeof(goods) / sizeof(goods[0]));
}

ParameterizedTest(struct good *g, date, parses)
{
	long day = 12345;
	int secs = -1;

	cr_assert_eq(
		gs_date_parse(g->text, strlen(g->text), g->fmt, &day, &secs), 0,
		"%s", g->text);
	cr_expect_eq(day, g->day, "%s: %ld", g->text, day);
	cr_expect_eq(secs, g->secs, "%s: %d", g->text, secs);
}

struct bad {
	char text[40];
	enum gs_date_format fmt;
};

static struct bad bads[] = {
	{"", GS_DATE_ISO},
	{"2026-02-29", GS_DATE_ISO}, /* not a leap year */
	{"1900-02-29", GS_DATE_ISO}, /* century, not a leap year */
	{"2026-02-31", GS_DATE_ISO},
	{"2026-04-31", GS_DATE_ISO},
	{"2026-13-01", GS_DATE_ISO},
	{"2026-00-10", GS_DATE_ISO},
	{"2026-01-00", GS_DATE_ISO},
	{"0000-01-01", GS_DATE_ISO},
	{"2026-1-01", GS_DATE_ISO},
	{"26-11-01", GS_DATE_ISO},
	{"2026/11/01", GS_DATE_ISO},
	{"2026-11-01T24:00", GS_DATE_ISO},
	{"2026-11-01T12:60", GS_DATE_ISO},
	{"2026-11-01T12:00:60", GS_DATE_ISO},
	{"2026-11-01T12", GS_DATE_ISO},
	{"2026-11-01T", GS_DATE_ISO},
	{"2026-11-01T12:00:00.", GS_DATE_ISO},
	{"2026-11-01T12:00+1:00", GS_DATE_ISO},
	{"2026-11-01T12:00+24:00", GS_DATE_ISO},
	{"2026-11-01x", GS_DATE_ISO},
	{"2026-11-01 ", GS_DATE_ISO},
	{" 2026-11-01", GS_DATE_ISO},
	{"01/11/2026", GS_DATE_ISO},
	{"31/02/2026", GS_DATE_UK},
	{"29/02/2026", GS_DATE_UK},
	{"29/02/2100", GS_DATE_UK},
	{"01/13/2026", GS_DATE_UK},
	{"00/01/2026", GS_DATE_UK},
	{"32/01/2026", GS_DATE_UK},
	{"01/11/26", GS_DATE_UK},
	{"011/11/2026", GS_DATE_UK},
	{"01/11/2026 24:00", GS_DATE_UK},
	{"01/11/2026 12:5", GS_DATE_UK},
	{"01/11/2026T12:00", GS_DATE_UK},
	{"01/11/2026 12:00Z", GS_DATE_UK},
	{"01-11-2026", GS_DATE_UK},
	{"2026-11-01", GS_DATE_UK},
	{"yesterday", GS_DATE_UK},
	{"N/A", GS_DATE_UK},
};

ParameterizedTestParameters(date, rejects)
{
	return cr_make_param_array(struct bad, bads,
				   sizeof(bads) / sizeof(bads[0]));
}

ParameterizedTest(struct bad *b, date, rejects)
{
	long day = 777;
	int secs = 777;

	cr_expect_eq(
		gs_date_parse(b->text, strlen(b->text), b->fmt, &day, &secs),
		-1, "\"%s\" parsed", b->text);
	cr_expect_eq(day, 777, "day written for \"%s\"", b->text);
	cr_expect_eq(secs, 777, "secs written for \"%s\"", b->text);
}

Test(date, length_bounds_the_text)
{
	long day;

	/* only the first 10 bytes are the date: the rest is not read */
	cr_expect_eq(
		gs_date_parse("2026-11-01junk", 10, GS_DATE_ISO, &day, NULL),
		0);
	cr_expect_eq(day, 20758);
	cr_expect_eq(gs_date_parse("2026-11-0", 9, GS_DATE_ISO, &day, NULL),
		     -1);
	cr_expect_eq(gs_date_parse("2026-11-01", 10, GS_DATE_ISO, NULL, NULL),
		     0);
}

Test(date, valid_knows_leap_years)
{
	cr_expect(gs_date_valid(2024, 2, 29));
	cr_expect(gs_date_valid(2000, 2, 29));
	cr_expect_not(gs_date_valid(1900, 2, 29));
	cr_expect_not(gs_date_valid(2023, 2, 29));
	cr_expect(gs_date_valid(2023, 12, 31));
	cr_expect_not(gs_date_valid(2023, 11, 31));
	cr_expect_not(gs_date_valid(2023, 0, 1));
	cr_expect_not(gs_date_valid(2023, 1, 0));
}

/* Every day from 1600 to 2400 goes to y/m/d and back, one day apart. */
Test(date, round_trip_every_day)
{
	long first = gs_date_from_ymd(1600, 1, 1);
	long last = gs_date_from_ymd(2400, 12, 31);
	int py = 1599, pm = 12, pd = 31;

	cr_assert_eq(last - first + 1, 801L * 365 + 195); /* 195 leap years */
	for (long day = first; day <= last; day++) {
		int y, m, d;

		gs_date_to_ymd(day, &y, &m, &d);
		cr_assert(gs_date_valid(y, m, d), "%ld", day);
		cr_assert_eq(gs_date_from_ymd(y, m, d), day);
		/* the next day after py-pm-pd */
		if (d == 1)
			cr_assert(!gs_date_valid(py, pm, pd + 1) &&
					  (m == pm + 1 ||
					   (m == 1 && y == py + 1)),
				  "%d-%d-%d after %d-%d-%d", y, m, d, py, pm,
				  pd);
		else
			cr_assert(d == pd + 1 && m == pm && y == py);
		py = y;
		pm = m;
		pd = d;
	}
}

Test(date, format_writes_iso)
{
	char out[11];

	gs_date_format(20758, out);
	cr_expect_str_eq(out, "2026-11-01");
	gs_date_format(-719162, out);
	cr_expect_str_eq(out, "0001-01-01");
	gs_date_format(11016, out);
	cr_expect_str_eq(out, "2000-02-29");
}

Test(date, today_is_the_local_date)
{
	time_t now = time(NULL);
	struct tm tm;
	long today = gs_date_today();

	localtime_r(&now, &tm);
	/* allow for midnight passing between the two clock reads */
	cr_expect(today == gs_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1,
					    tm.tm_mday) ||
		  today + 1 == gs_date_from_ymd(tm.tm_year + 1900,
						tm.tm_mon + 1, tm.tm_mday));
}
