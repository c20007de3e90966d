/*
 * reader.h - the input readers behind gs_ingest (internal to the ingest
 * module and the links file reader, which takes the CSV one; tests may use
 * it).
 *
 * A reader turns one file into rows of string fields. At open it reads the
 * column names (the CSV header row; for JSON Lines the keys of the first
 * object); each row then holds fields in that column order. A CSV row may
 * hold more or fewer fields than there are columns: ingest reports that. A
 * JSON Lines row always holds one field per column ("" for a missing key).
 *
 * Invariants: memory stays flat however large the file; field pointers are
 * NUL-terminated and stay valid until the next call on the same reader.
 * next returns 1 (row), 0 (end), GS_ERR_REJECT (one bad row, err filled,
 * call again) or another negative code (fatal, stop).
 */
#ifndef GS_READER_H
#define GS_READER_H

#include <stdint.h>
#include <stdio.h>

#include "gs_csv.h"
#include "gs_ingest.h"
#include "gs_profile.h"

struct gs_reader_row {
	const struct gs_str *fields; /* owned by the reader; a field whose
					ptr is NULL holds a value that is not
					text (a JSON true, array, ...) */
	size_t nfields;
	long line; /* physical line the row starts on */
};

struct gs_reader_ops {
	const char *name; /* "csv", "jsonl" */
	enum gs_format format;
	/* Reads the column names. Returns 0 and *state, or GS_ERR_INPUT. fp
	 * stays the caller's; the state is freed with close. */
	int (*open)(void **state, FILE *fp, const char *path,
		    const struct gs_profile_input *in, size_t max_field,
		    struct gs_error *err);
	/* Column names found in the file, in order; owned by the reader. */
	const struct gs_str *(*columns)(void *state, size_t *n);
	int (*next)(void *state, struct gs_reader_row *row,
		    struct gs_error *err);
	uint64_t (*offset)(const void *state); /* bytes consumed */
	void (*close)(void *state);	       /* accepts NULL */
};

extern const struct gs_reader_ops gs_reader_csv;
extern const struct gs_reader_ops gs_reader_jsonl;

/* The CSV reader with a chosen block size (the default is 256 KiB), so
 * tests can make every record cross a block boundary. Freed with
 * gs_csv_free. */
struct gs_csv *gs_csv_new_sized(FILE *fp, const char *path, char delim,
				size_t max_field, size_t block);

/* Column names for reject messages (`in column "C"` instead of `in field
 * K`); names stay the caller's and must outlive the reader. */
void gs_csv_set_names(struct gs_csv *r, const struct gs_str *names, size_t n);

/* Bytes the reader's buffer holds now (tests check it stays flat). */
size_t gs_csv_buffer_size(const struct gs_csv *r);

#endif
