/*
 * date.c - calendar dates as day numbers since 1970-01-01.
 *
 * Parsing is strict: every digit position is checked and the calendar date
 * must exist (no 31/02, no 29/02 outside leap years, no month 13, no 24:00).
 * Callers trim surrounding spaces first.
 */
#include <time.h>

#include "gs_date.h"

/* Reads exactly n digits at s[*i]; returns the value or -1. */
static int digits(const char *s, size_t len, size_t *i, int n)
{
	int v = 0;

	if (*i + (size_t)n > len)
		return -1;
	for (int k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[*i + (size_t)k];

		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*i += (size_t)n;
	return v;
}

/* Reads one or two digits (for UK day, month and hour). */
static int digits12(const char *s, size_t len, size_t *i)
{
	if (*i + 1 < len && s[*i + 1] >= '0' && s[*i + 1] <= '9')
		return digits(s, len, i, 2);
	return digits(s, len, i, 1);
}

static int expect(const char *s, size_t len, size_t *i, char c)
{
	if (*i >= len || s[*i] != c)
		return -1;
	(*i)++;
	return 0;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int gs_date_valid(int y, int m, int d)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30,
				      31, 31, 30, 31, 30, 31};
	int max;

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	max = mdays[m - 1];
	if (m == 2 && is_leap(y))
		max = 29;
	return d <= max;
}

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian
 * calendar, no tables, no loops. */
long gs_date_from_ymd(int y, int m, int d)
{
	long yy = y - (m <= 2);
	long era = (yy >= 0 ? yy : yy - 399) / 400;
	long yoe = yy - era * 400;
	long doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void gs_date_to_ymd(long day, int *y, int *m, int *d)
{
	long z = day + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	long dd = doy - (153 * mp + 2) / 5 + 1;
	long mm = mp < 10 ? mp + 3 : mp - 9;

	*y = (int)(yoe + era * 400 + (mm <= 2));
	*m = (int)mm;
	*d = (int)dd;
}

void gs_date_format(long day, char out[11])
{
	int y, m, d;

	gs_date_to_ymd(day, &y, &m, &d);
	out[0] = (char)('0' + y / 1000 % 10);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

long gs_date_today(void)
{
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm) == NULL)
		return gs_date_from_ymd(1970, 1, 1);
	return gs_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* Parses HH:MM[:SS] at s[*i] (hour with one or two digits when loose_hour),
 * then for ISO an optional fraction. Returns seconds since midnight or -1. */
static int parse_time(const char *s, size_t len, size_t *i, int loose_hour,
		      int iso)
{
	int h, mi, se = 0;

	h = loose_hour ? digits12(s, len, i) : digits(s, len, i, 2);
	if (h < 0 || h > 23 || expect(s, len, i, ':') < 0)
		return -1;
	mi = digits(s, len, i, 2);
	if (mi < 0 || mi > 59)
		return -1;
	if (*i < len && s[*i] == ':') {
		(*i)++;
		se = digits(s, len, i, 2);
		if (se < 0 || se > 59)
			return -1;
		if (iso && *i < len && (s[*i] == '.' || s[*i] == ',')) {
			size_t start = ++(*i);

			while (*i < len && s[*i] >= '0' && s[*i] <= '9')
				(*i)++;
			if (*i == start)
				return -1;
		}
	}
	return h * 3600 + mi * 60 + se;
}

/* Z or +HH:MM / -HH:MM. The offset is validated, not applied: the date
 * written in the export is the date that counts. */
static int parse_zone(const char *s, size_t len, size_t *i)
{
	int h, m;

	if (*i < len && s[*i] == 'Z') {
		(*i)++;
		return 0;
	}
	if (*i < len && (s[*i] == '+' || s[*i] == '-')) {
		(*i)++;
		h = digits(s, len, i, 2);
		if (h < 0 || h > 23 || expect(s, len, i, ':') < 0)
			return -1;
		m = digits(s, len, i, 2);
		if (m < 0 || m > 59)
			return -1;
	}
	return 0;
}

int gs_date_parse(const char *s, size_t n, enum gs_date_format fmt, long *day,
		  int *secs)
{
	size_t i = 0;
	int y, m, d, t = 0;

	if (fmt == GS_DATE_ISO) {
		y = digits(s, n, &i, 4);
		if (y < 0 || expect(s, n, &i, '-') < 0)
			return -1;
		m = digits(s, n, &i, 2);
		if (m < 0 || expect(s, n, &i, '-') < 0)
			return -1;
		d = digits(s, n, &i, 2);
		if (d < 0)
			return -1;
		if (i < n && (s[i] == 'T' || s[i] == ' ')) {
			i++;
			t = parse_time(s, n, &i, 0, 1);
			if (t < 0 || parse_zone(s, n, &i) < 0)
				return -1;
		}
	} else {
		d = digits12(s, n, &i);
		if (d < 0 || expect(s, n, &i, '/') < 0)
			return -1;
		m = digits12(s, n, &i);
		if (m < 0 || expect(s, n, &i, '/') < 0)
			return -1;
		y = digits(s, n, &i, 4);
		if (y < 0)
			return -1;
		if (i < n && s[i] == ' ') {
			i++;
			t = parse_time(s, n, &i, 1, 0);
			if (t < 0)
				return -1;
		}
	}
	if (i != n || !gs_date_valid(y, m, d))
		return -1;
	if (day != NULL)
		*day = gs_date_from_ymd(y, m, d);
	if (secs != NULL)
		*secs = t;
	return 0;
}
