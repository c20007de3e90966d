/*
 * fuzz_csv.c - the streaming CSV reader on hostile bytes.
 *
 * Each input is read twice through fmemopen: with a one-byte block (every
 * record crosses many refills) and with a 4 KiB block. Both runs must
 * return the same rows, rejects and lines: the block size is an
 * implementation detail (except for NUL bytes: the UTF-16 check looks at
 * the first block only). Invariants on every row: lines never go back,
 * end_line >= line, every field is NUL-terminated at its length and holds
 * no more than max_field bytes; the reader ends within a bounded number of
 * calls.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_common.h"
#include "gs_csv.h"
#include "gs_error.h"
#include "reader.h"

#define MAX_FIELD 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t drain(const uint8_t *data, size_t size, size_t block,
		      char delim)
{
	/* fmemopen refuses a zero-sized buffer */
	FILE *fp = size > 0 ? fmemopen((void *)(uintptr_t)data, size, "r")
			    : fopen("/dev/null", "r");
	struct gs_csv *r;
	struct gs_csv_row row;
	struct gs_error err;
	uint64_t h = 0xcbf29ce484222325ULL;
	long last = 0;
	size_t calls = 0;
	int rc;

	FUZZ_CHECK(fp != NULL);
	r = gs_csv_new_sized(fp, "fuzz.csv", delim, MAX_FIELD, block);
	for (;;) {
		gs_error_clear(&err);
		rc = gs_csv_next(r, &row, &err);
		FUZZ_CHECK(++calls <= 2 * size + 4);
		h = fuzz_hash(h, &rc, sizeof(rc));
		if (rc == 1) {
			FUZZ_CHECK(row.line >= last);
			FUZZ_CHECK(row.end_line >= row.line);
			FUZZ_CHECK(row.nfields >= 1);
			last = row.line;
			h = fuzz_hash(h, &row.line, sizeof(row.line));
			h = fuzz_hash(h, &row.end_line, sizeof(row.end_line));
			h = fuzz_hash(h, &row.nfields, sizeof(row.nfields));
			for (size_t i = 0; i < row.nfields; i++) {
				const struct gs_csv_field *f = &row.fields[i];

				FUZZ_CHECK(f->len <= MAX_FIELD);
				FUZZ_CHECK(f->ptr[f->len] == '\0');
				h = fuzz_hash(h, &f->len, sizeof(f->len));
				h = fuzz_hash(h, f->ptr, f->len);
			}
		} else if (rc == GS_ERR_REJECT) {
			FUZZ_CHECK(err.line >= last);
			FUZZ_CHECK(err.msg[0] != '\0');
			last = err.line;
			h = fuzz_hash(h, &err.line, sizeof(err.line));
			h = fuzz_hash(h, err.msg, strlen(err.msg));
		} else {
			if (rc < 0)
				FUZZ_CHECK(err.msg[0] != '\0');
			break;
		}
		FUZZ_CHECK(gs_csv_offset(r) <= size);
	}
	/* a finished reader stays finished */
	FUZZ_CHECK(gs_csv_next(r, &row, &err) == rc);
	gs_csv_free(r);
	fclose(fp);
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t a = drain(data, size, 1, ',');
	uint64_t b = drain(data, size, 4096, ',');

	/* NUL bytes are looked for in the first block only (UTF-16
	 * detection), so the block size legitimately changes the outcome */
	if (memchr(data, 0, size) == NULL)
		FUZZ_CHECK(a == b);
	drain(data, size, 3, ';');
	return 0;
}
