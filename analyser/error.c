/* error.c - located errors and their exit codes (gs_error.h). */
#include "gs_error.h"

#include <stdarg.h>
#include <string.h>

void gs_error_clear(struct gs_error *e)
{
	e->code = GS_OK;
	e->file[0] = '\0';
	e->line = 0;
	e->col = 0;
	e->msg[0] = '\0';
}

int gs_error_set(struct gs_error *e, int code, const char *file, long line,
		 long col, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	snprintf(e->file, sizeof(e->file), "%s", file ? file : "");
	e->line = line;
	e->col = col;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	/* a message may quote a value from the data (a date, an id): its
	 * control characters would reach a terminal or split a log line */
	for (char *c = e->msg; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	}
	return code;
}

void gs_error_print(const struct gs_error *e, FILE *out)
{
	fputs("gapscan: ", out);
	if (e->file[0]) {
		fputs(e->file, out);
		if (e->line > 0)
			fprintf(out, ":%ld", e->line);
		if (e->line > 0 && e->col > 0)
			fprintf(out, ":%ld", e->col);
		fputs(": ", out);
	}
	fprintf(out, "%s\n", e->msg[0] ? e->msg : "unknown error");
}

int gs_error_exit_code(int code)
{
	switch (code) {
	case GS_OK:
		return GS_EXIT_OK;
	case GS_ERR_USAGE:
		return GS_EXIT_USAGE;
	case GS_ERR_INPUT:
	case GS_ERR_REJECT:
		return GS_EXIT_INPUT;
	case GS_ERR_RULE:
	case GS_ERR_LIMIT:
		return GS_EXIT_RULE;
	case GS_ERR_IO:
		return GS_EXIT_IO;
	default:
		return GS_EXIT_INTERNAL;
	}
}
