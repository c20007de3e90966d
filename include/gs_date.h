/*
 * gs_date.h - calendar dates as day numbers.
 *
 * A day number counts days since 1970-01-01 (proleptic Gregorian), so the
 * days between two dates is a subtraction. Times of day are parsed and
 * validated but statuses ignore them.
 */
#ifndef GS_DATE_H
#define GS_DATE_H

#include <stddef.h>

enum gs_date_format {
	GS_DATE_ISO, /* YYYY-MM-DD[(T| )HH:MM[:SS[.fff]][Z|+HH:MM]] */
	GS_DATE_UK   /* DD/MM/YYYY[ HH:MM[:SS]] */
};

/* Parses s[0..n). Returns 0 and sets *day (and *secs, seconds since
 * midnight, 0 when no time; either may be NULL), or -1 when the text is not
 * a valid date in that format (including 31/02, month 13, 24:00). */
int gs_date_parse(const char *s, size_t n, enum gs_date_format fmt, long *day,
		  int *secs);

/* Day number from y/m/d; -1 when invalid is impossible to tell, so check
 * with gs_date_valid first. */
long gs_date_from_ymd(int y, int m, int d);
int gs_date_valid(int y, int m, int d);
void gs_date_to_ymd(long day, int *y, int *m, int *d);

/* Writes YYYY-MM-DD and a NUL into out. */
void gs_date_format(long day, char out[11]);

/* Today in local time. */
long gs_date_today(void);

#endif
