/*
 * gs_csv.h - streaming RFC 4180 reader.
 *
 * Reads through one reused buffer: memory stays flat whatever the file
 * size. Quoted fields, doubled quotes, embedded delimiters and newlines,
 * CRLF or LF, a UTF-8 BOM (stripped). A UTF-16 file (BOM or NUL bytes in the
 * first block) is refused. Field pointers in a row stay valid until the next
 * call on the same reader.
 */
#ifndef GS_CSV_H
#define GS_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gs_error.h"

struct gs_csv;

struct gs_csv_field {
	const char *ptr; /* NUL-terminated copy, quotes removed */
	size_t len;
};

struct gs_csv_row {
	struct gs_csv_field *fields;
	size_t nfields;
	long line;     /* physical line the record starts on (1-based) */
	long end_line; /* physical line it ends on */
};

/* fp is read, not closed. path names the file in errors. max_field bounds
 * each field (bytes); a longer field makes the row a reject. */
struct gs_csv *gs_csv_new(FILE *fp, const char *path, char delim,
			  size_t max_field);
void gs_csv_free(struct gs_csv *r);

/* Returns 1 with *row filled; 0 at the end; GS_ERR_REJECT when the record
 * is malformed (err names the line and reason; the reader has skipped to
 * the next record, call again); GS_ERR_INPUT for an unreadable file (UTF-16,
 * read error): stop. */
int gs_csv_next(struct gs_csv *r, struct gs_csv_row *row, struct gs_error *err);

/* Bytes consumed so far (for progress). */
uint64_t gs_csv_offset(const struct gs_csv *r);

#endif
