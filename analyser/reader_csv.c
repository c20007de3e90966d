/*
 * reader_csv.c - the CSV input reader: gs_csv plus a header row.
 *
 * The first record names the columns. Later records are returned as they
 * are; ingest compares their field count with the header's.
 */
#include <stdlib.h>
#include <string.h>

#include "gs_util.h"
#include "reader.h"

struct csv_state {
	struct gs_csv *csv;
	struct gs_str *names; /* header, trimmed copies */
	size_t nnames;
	struct gs_str *fields; /* this row */
	size_t fcap;
};

static void csv_close(void *state)
{
	struct csv_state *s = state;

	if (s == NULL)
		return;
	gs_csv_free(s->csv);
	for (size_t i = 0; i < s->nnames; i++)
		free((char *)s->names[i].ptr);
	free(s->names);
	free(s->fields);
	free(s);
}

static int csv_open(void **state, FILE *fp, const char *path,
		    const struct gs_profile_input *in, size_t max_field,
		    struct gs_error *err)
{
	struct csv_state *s = xcalloc(1, sizeof(*s));
	struct gs_csv_row row;
	int rc;

	s->csv = gs_csv_new(fp, path, in->delimiter, max_field);
	rc = gs_csv_next(s->csv, &row, err);
	if (rc == 0) {
		rc = gs_error_set(err, GS_ERR_INPUT, path, 0, 0,
				  "file is empty: no header row");
		goto out;
	}
	if (rc < 0) {
		/* a malformed header leaves no columns to read by */
		err->code = GS_ERR_INPUT;
		rc = GS_ERR_INPUT;
		goto out;
	}
	s->names = xcalloc(row.nfields, sizeof(*s->names));
	s->nnames = row.nfields;
	for (size_t i = 0; i < row.nfields; i++) {
		const char *p = row.fields[i].ptr;
		size_t n = row.fields[i].len;

		while (n > 0 && p[0] == ' ') {
			p++;
			n--;
		}
		while (n > 0 && p[n - 1] == ' ')
			n--;
		s->names[i].ptr = xstrndup(p, n);
		s->names[i].len = n;
	}
	gs_csv_set_names(s->csv, s->names, s->nnames);
	rc = 0;
out:
	if (rc < 0) {
		csv_close(s);
		s = NULL;
	}
	*state = s;
	return rc;
}

static const struct gs_str *csv_columns(void *state, size_t *n)
{
	struct csv_state *s = state;

	*n = s->nnames;
	return s->names;
}

static int csv_next(void *state, struct gs_reader_row *row,
		    struct gs_error *err)
{
	struct csv_state *s = state;
	struct gs_csv_row r;
	int rc;

	rc = gs_csv_next(s->csv, &r, err);
	if (rc <= 0)
		return rc;
	if (r.nfields > s->fcap) {
		s->fcap = r.nfields > 2 * s->fcap ? r.nfields : 2 * s->fcap;
		s->fields = xrealloc(s->fields, s->fcap * sizeof(*s->fields));
	}
	for (size_t i = 0; i < r.nfields; i++) {
		s->fields[i].ptr = r.fields[i].ptr;
		s->fields[i].len = r.fields[i].len;
	}
	row->fields = s->fields;
	row->nfields = r.nfields;
	row->line = r.line;
	return 1;
}

static uint64_t csv_offset(const void *state)
{
	const struct csv_state *s = state;

	return gs_csv_offset(s->csv);
}

const struct gs_reader_ops gs_reader_csv = {
	.name = "csv",
	.format = GS_FORMAT_CSV,
	.open = csv_open,
	.columns = csv_columns,
	.next = csv_next,
	.offset = csv_offset,
	.close = csv_close,
};
