/*
 * reader_jsonl.c - the JSON Lines input reader: one JSON object a line.
 *
 * Lines are read through one reused buffer (as the CSV reader does) and
 * parsed with jansson one at a time. The keys of the first object are the
 * columns; every row returns one field per column: a string as it is, a
 * number in its shortest exact text, null or a missing key as "". Keys that
 * are not columns are ignored. A line that is not valid JSON, not an object,
 * holds another kind of value in a column or is longer than the line limit is
 * a reject naming the line (and jansson's column).
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gs_util.h"
#include "reader.h"

#define JSONL_BLOCK (256 * 1024)
#define JSONL_NUM 40 /* room for one number's text */

struct jsonl_state {
	FILE *fp;
	char *path;
	size_t max_field;
	size_t max_line;
	char *buf; /* cap bytes */
	size_t cap, pos, end;
	uint64_t base; /* file offset of buf[0] */
	long line;     /* physical line of buf[pos] */
	int eof;
	json_t *cur;	 /* the row's object, kept until the next call */
	json_t *pending; /* first object, read at open, not yet returned */
	long pending_line;
	struct gs_str *names;
	size_t nnames;
	struct gs_str *fields;
	char *num; /* nnames * JSONL_NUM bytes for number texts */
};

static void jsonl_close(void *state)
{
	struct jsonl_state *s = state;

	if (s == NULL)
		return;
	json_decref(s->cur);
	json_decref(s->pending);
	for (size_t i = 0; i < s->nnames; i++)
		free((char *)s->names[i].ptr);
	free(s->names);
	free(s->fields);
	free(s->num);
	free(s->buf);
	free(s->path);
	free(s);
}

/* Keeps buf[keep..end), reads more behind it. */
static int fill(struct jsonl_state *s, size_t keep, struct gs_error *err)
{
	size_t len = s->end - keep;
	size_t want, n;

	memmove(s->buf, s->buf + keep, len);
	s->base += keep;
	s->pos -= keep;
	s->end = len;
	while (s->cap - 1 - len < JSONL_BLOCK) {
		s->cap *= 2;
		s->buf = xrealloc(s->buf, s->cap);
	}
	want = s->cap - 1 - len;
	n = fread(s->buf + len, 1, want, s->fp);
	s->end = len + n;
	if (n < want) {
		if (ferror(s->fp))
			return gs_error_set(err, GS_ERR_INPUT, s->path, 0, 0,
					    "read error: %s", strerror(errno));
		s->eof = 1;
	}
	return 0;
}

/* Finds the next line: *line_out = buf + pos, *len without the line end.
 * Returns 1, 0 at end of file, GS_ERR_REJECT for an over-long line (skipped
 * without keeping it), or a fatal code. */
static int next_line(struct jsonl_state *s, char **out, size_t *len,
		     struct gs_error *err)
{
	size_t scanned = 0; /* bytes of this line already searched */
	int too_long = 0;
	long start = s->line;
	int rc;

	for (;;) {
		char *nl = memchr(s->buf + s->pos + scanned, '\n',
				  s->end - s->pos - scanned);
		size_t n;

		if (nl == NULL && !s->eof) {
			scanned = s->end - s->pos;
			if (scanned > s->max_line) {
				/* drop what we have; keep looking for the end
				 */
				too_long = 1;
				s->pos = s->end;
				scanned = 0;
			}
			rc = fill(s, s->pos, err);
			if (rc < 0)
				return rc;
			continue;
		}
		if (nl == NULL && s->pos >= s->end)
			return too_long ? gs_error_set(err, GS_ERR_REJECT,
						       s->path, start, 0,
						       "line over the size "
						       "limit (%zu bytes)",
						       s->max_line)
					: 0;
		n = nl ? (size_t)(nl - (s->buf + s->pos)) : s->end - s->pos;
		*out = s->buf + s->pos;
		s->pos += n + (nl != NULL);
		s->line++;
		if (too_long || n > s->max_line)
			return gs_error_set(
				err, GS_ERR_REJECT, s->path, start, 0,
				"line over the size limit (%zu bytes)",
				s->max_line);
		if (n > 0 && (*out)[n - 1] == '\r')
			n--;
		(*out)[n] = '\0';
		*len = n;
		return 1;
	}
}

static int blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t')
			return 0;
	return 1;
}

/* Reads lines until an object (1), the end (0) or a bad line (reject). */
static int read_object(struct jsonl_state *s, json_t **obj, long *line,
		       struct gs_error *err)
{
	json_error_t je;
	char *p = NULL;
	size_t n = 0;
	int rc;

	for (;;) {
		rc = next_line(s, &p, &n, err);
		if (rc <= 0)
			return rc;
		if (!blank(p, n))
			break;
	}
	*line = s->line - 1;
	*obj = json_loadb(p, n, 0, &je);
	if (*obj == NULL)
		return gs_error_set(err, GS_ERR_REJECT, s->path, *line,
				    je.column, "invalid JSON: %s (column %d)",
				    je.text, je.column);
	if (!json_is_object(*obj)) {
		json_decref(*obj);
		*obj = NULL;
		return gs_error_set(err, GS_ERR_REJECT, s->path, *line, 1,
				    "line is not a JSON object");
	}
	return 1;
}

static int jsonl_open(void **state, FILE *fp, const char *path,
		      const struct gs_profile_input *in, size_t max_field,
		      struct gs_error *err)
{
	struct jsonl_state *s = xcalloc(1, sizeof(*s));
	const unsigned char *u;
	const char *key;
	json_t *v;
	size_t i = 0;
	int rc;

	(void)in;
	s->fp = fp;
	s->path = xstrdup(path != NULL ? path : "");
	s->max_field = max_field > 0 ? max_field : 1024 * 1024;
	s->max_line = 8 * s->max_field + 64 * 1024;
	s->cap = 2 * JSONL_BLOCK + 1;
	s->buf = xmalloc(s->cap);
	s->line = 1;
	rc = fill(s, 0, err);
	if (rc < 0)
		goto out;
	u = (const unsigned char *)s->buf;
	if ((s->end >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) ||
			     (u[0] == 0xFE && u[1] == 0xFF))) ||
	    memchr(s->buf, 0, s->end) != NULL) {
		rc = gs_error_set(err, GS_ERR_INPUT, path, 0, 0,
				  "file is UTF-16; re-export it as UTF-8");
		goto out;
	}
	if (s->end >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
		s->pos = 3;
	rc = read_object(s, &s->pending, &s->pending_line, err);
	if (rc == 0) {
		rc = gs_error_set(err, GS_ERR_INPUT, path, 0, 0,
				  "file is empty: no JSON object to take "
				  "the columns from");
		goto out;
	}
	if (rc < 0) {
		/* the columns come from the first object: nothing to go by */
		err->code = GS_ERR_INPUT;
		rc = GS_ERR_INPUT;
		goto out;
	}
	s->nnames = json_object_size(s->pending);
	s->names = xcalloc(s->nnames + 1, sizeof(*s->names));
	s->fields = xcalloc(s->nnames + 1, sizeof(*s->fields));
	s->num = xmalloc((s->nnames + 1) * JSONL_NUM);
	json_object_foreach(s->pending, key, v)
	{
		s->names[i].ptr = xstrdup(key);
		s->names[i].len = strlen(key);
		i++;
	}
	rc = 0;
out:
	if (rc < 0) {
		jsonl_close(s);
		s = NULL;
	}
	*state = s;
	return rc;
}

static const struct gs_str *jsonl_columns(void *state, size_t *n)
{
	struct jsonl_state *s = state;

	*n = s->nnames;
	return s->names;
}

static int jsonl_next(void *state, struct gs_reader_row *row,
		      struct gs_error *err)
{
	struct jsonl_state *s = state;
	long line;
	int rc;

	json_decref(s->cur);
	s->cur = NULL;
	if (s->pending != NULL) {
		s->cur = s->pending;
		line = s->pending_line;
		s->pending = NULL;
	} else {
		rc = read_object(s, &s->cur, &line, err);
		if (rc <= 0)
			return rc;
	}
	for (size_t i = 0; i < s->nnames; i++) {
		json_t *v = json_object_get(s->cur, s->names[i].ptr);
		char *num = s->num + i * JSONL_NUM;
		struct gs_str *f = &s->fields[i];

		if (v == NULL || json_is_null(v)) {
			f->ptr = "";
			f->len = 0;
		} else if (json_is_string(v)) {
			f->ptr = json_string_value(v);
			f->len = json_string_length(v);
		} else if (json_is_integer(v)) {
			snprintf(num, JSONL_NUM, "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
			f->ptr = num;
			f->len = strlen(num);
		} else if (json_is_real(v)) {
			double d = json_real_value(v);

			/* shortest of 15 or 17 digits that reads back exactly
			 */
			snprintf(num, JSONL_NUM, "%.15g", d);
			if (strtod(num, NULL) != d)
				snprintf(num, JSONL_NUM, "%.17g", d);
			f->ptr = num;
			f->len = strlen(num);
		} else {
			/* true/false, array or object: no text. Ingest
			 * rejects the row only if a role reads this column;
			 * columns no role names are ignored. */
			f->ptr = NULL;
			f->len = 0;
			continue;
		}
		if (f->len > s->max_field)
			return gs_error_set(err, GS_ERR_REJECT, s->path, line,
					    0,
					    "field over the size limit (%zu "
					    "bytes) in column \"%s\"",
					    s->max_field, s->names[i].ptr);
	}
	row->fields = s->fields;
	row->nfields = s->nnames;
	row->line = line;
	return 1;
}

static uint64_t jsonl_offset(const void *state)
{
	const struct jsonl_state *s = state;

	return s->base + s->pos;
}

const struct gs_reader_ops gs_reader_jsonl = {
	.name = "jsonl",
	.format = GS_FORMAT_JSONL,
	.open = jsonl_open,
	.columns = jsonl_columns,
	.next = jsonl_next,
	.offset = jsonl_offset,
	.close = jsonl_close,
};
