/*
 * gs_error.h - located errors and exit codes.
 *
 * Every fallible function returns int (0 ok, negative GS_ERR_* on failure)
 * and fills a caller-owned struct gs_error. The struct needs no allocation:
 * set the message once where the problem is found; callers pass the code up.
 * Messages are lower case and name the thing in quotes.
 */
#ifndef GS_ERROR_H
#define GS_ERROR_H

#include <stdio.h>

/* Exit codes of the gapscan binary: API, documented in README.md. */
enum gs_exit {
	GS_EXIT_OK = 0,       /* completed (a scan exits 0 whatever it found) */
	GS_EXIT_FINDINGS = 1, /* a check failed: rules test/lint failures */
	GS_EXIT_USAGE = 2,    /* bad command line */
	GS_EXIT_INPUT = 3,    /* unreadable or unusable input data/profile */
	GS_EXIT_RULE = 4,     /* rule pack does not load */
	GS_EXIT_IO = 5,       /* cannot write output or database */
	GS_EXIT_INTERNAL = 70 /* a bug */
};

/* Error codes carried in struct gs_error and returned (negative). */
enum gs_err_code {
	GS_OK = 0,
	GS_ERR_USAGE = -2,
	GS_ERR_INPUT = -3, /* bad input file (fatal for that file) */
	GS_ERR_RULE = -4,
	GS_ERR_IO = -5,
	GS_ERR_REJECT = -6, /* one bad row: reported, the read goes on */
	GS_ERR_LIMIT = -7   /* a resource limit was hit */
};

#define GS_ERROR_MSG_MAX 1024
#define GS_ERROR_FILE_MAX 512

struct gs_error {
	int code;                     /* enum gs_err_code, 0 when clear */
	char file[GS_ERROR_FILE_MAX]; /* file the problem is in, or "" */
	long line;                    /* 1-based line, or 0 when unknown */
	long col;                     /* 1-based column/offset, or 0 */
	char msg[GS_ERROR_MSG_MAX];   /* lower case, no trailing newline */
};

void gs_error_clear(struct gs_error *e);

/* Fills e and returns code, so callers can write `return gs_error_set(...)`.
 * file may be NULL. */
int gs_error_set(struct gs_error *e, int code, const char *file, long line,
		 long col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Prints "gapscan: FILE:LINE: message" (or without the parts unknown). */
void gs_error_print(const struct gs_error *e, FILE *out);

/* Maps an error code to the process exit code. */
int gs_error_exit_code(int code);

#endif
