/*
 * csv.c - streaming RFC 4180 reader through one reused buffer.
 *
 * The file is read in blocks into r->buf. A record is parsed in place: an
 * unquoted field is already where it belongs, a quoted field is unquoted by
 * moving its bytes left over the quotes, and the byte after each field (its
 * delimiter, line end or closing quote) becomes its NUL. When a record runs
 * past the end of the buffered data, the unread part of the buffer is moved
 * to the front and the next block is read behind it; the buffer only grows
 * for a record longer than a block, and never beyond the record limit.
 *
 * Positions during a record are offsets into buf (they survive a refill by
 * subtracting the shift); field starts are kept relative to the record start,
 * so a refill does not touch them.
 *
 * Malformed records are reported with the physical line where they start,
 * and the reader resynchronises: after a stray or misplaced quote it skips
 * to the end of that physical line; after an over-long field or record it
 * finishes the record without keeping its bytes; after a quote that is never
 * closed it seeks back to the line after the record start when the file is
 * seekable.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "gs_csv.h"
#include "gs_util.h"
#include "reader.h"

#define CSV_BLOCK (256 * 1024)
#define CSV_MAX_FIELDS 65536

struct gs_csv {
	FILE *fp;
	char *path;
	char delim;
	size_t max_field;
	size_t max_record; /* bytes of one record kept in the buffer */
	size_t block;
	char *buf; /* cap bytes; buf[end] is a sentinel '\n' */
	size_t cap;
	size_t pos;    /* start of the next record */
	size_t end;    /* bytes of data in buf */
	uint64_t base; /* file offset of buf[0] */
	long line;     /* physical line of buf[pos] */
	int started;
	int eof;
	int fatal; /* error code returned by every later call */
	struct gs_csv_field *fields;
	size_t *foff; /* field start relative to the record start */
	size_t fcap;
	unsigned char special[256]; /* bytes that end an unquoted run */
	const struct gs_str *names; /* column names for messages, or NULL */
	size_t nnames;
};

/* Offsets of the record being parsed; a refill subtracts the shift. */
struct cursor {
	size_t rs; /* record start (or where discarding began) */
	size_t p;  /* next byte to read */
	size_t fs; /* field content start */
	size_t w;  /* write position inside a quoted field */
};

struct gs_csv *gs_csv_new_sized(FILE *fp, const char *path, char delim,
				size_t max_field, size_t block)
{
	struct gs_csv *r;

	assert(delim != '"' && delim != '\n' && delim != '\r' && delim != 0);
	assert(block > 0);
	r = xcalloc(1, sizeof(*r));
	r->fp = fp;
	r->path = xstrdup(path != NULL ? path : "");
	r->delim = delim;
	r->max_field = max_field > 0 ? max_field : 1024 * 1024;
	r->max_record = 8 * r->max_field + 64 * 1024;
	r->block = block;
	r->cap = 2 * block + 1;
	r->buf = xmalloc(r->cap);
	r->buf[0] = '\n';
	r->line = 1;
	r->special[(unsigned char)delim] = 1;
	r->special['"'] = 1;
	r->special['\r'] = 1;
	r->special['\n'] = 1;
	return r;
}

struct gs_csv *gs_csv_new(FILE *fp, const char *path, char delim,
			  size_t max_field)
{
	return gs_csv_new_sized(fp, path, delim, max_field, CSV_BLOCK);
}

void gs_csv_free(struct gs_csv *r)
{
	if (r == NULL)
		return;
	free(r->path);
	free(r->buf);
	free(r->fields);
	free(r->foff);
	free(r);
}

void gs_csv_set_names(struct gs_csv *r, const struct gs_str *names, size_t n)
{
	r->names = names;
	r->nnames = n;
}

/* Names field k (1-based) for a message: column "C" or field K. */
static void where(const struct gs_csv *r, size_t k, char *out, size_t n)
{
	if (r->names != NULL && k >= 1 && k <= r->nnames)
		snprintf(out, n, "column \"%.*s\"",
			 (int)(r->names[k - 1].len > 100 ? 100
							 : r->names[k - 1].len),
			 r->names[k - 1].ptr);
	else
		snprintf(out, n, "field %zu", k);
}

static void over_field(const struct gs_csv *r, char *out, size_t n, size_t k)
{
	char col[128];

	where(r, k, col, sizeof(col));
	snprintf(out, n, "field over the size limit (%zu bytes) in %s",
		 r->max_field, col);
}

size_t gs_csv_buffer_size(const struct gs_csv *r)
{
	return r->cap;
}

uint64_t gs_csv_offset(const struct gs_csv *r)
{
	return r->base + r->pos;
}

/* Nonzero when some byte of x equals the byte repeated in pat. */
static inline uint64_t has_byte(uint64_t x, uint64_t pat)
{
	uint64_t y = x ^ pat;

	return (y - 0x0101010101010101ULL) & ~y & 0x8080808080808080ULL;
}

/* Returns the first delimiter, quote, CR or LF at or after p (the sentinel
 * at buf[end] stops it). Eight bytes a step while none is among them: most
 * bytes of an export are plain text. */
static size_t scan_plain(const struct gs_csv *r, size_t p,
			 const unsigned char *special)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t d = ones * (unsigned char)r->delim;
	const uint64_t q = ones * '"', cr = ones * '\r', lf = ones * '\n';
	const char *b = r->buf;

	while (p + 8 <= r->end) {
		uint64_t x;

		memcpy(&x, b + p, 8);
		if (has_byte(x, d) | has_byte(x, q) | has_byte(x, cr) |
		    has_byte(x, lf))
			break;
		p += 8;
	}
	while (!special[(unsigned char)b[p]])
		p++;
	return p;
}

/* Moves buf[c->rs..end) to the front, grows the buffer when less than a
 * block is free, and reads behind the kept bytes. At end of file sets
 * r->eof; a read error is fatal. */
static int fill(struct gs_csv *r, struct cursor *c, struct gs_error *err)
{
	size_t keep = c->rs;
	size_t len = r->end - keep;
	size_t want, n;

	if (keep > 0) {
		memmove(r->buf, r->buf + keep, len);
		r->base += keep;
		c->rs -= keep;
		c->p -= keep;
		c->fs = c->fs >= keep ? c->fs - keep : 0;
		c->w = c->w >= keep ? c->w - keep : 0;
	}
	r->end = len;
	while (r->cap - 1 - len < r->block) {
		r->cap *= 2;
		r->buf = xrealloc(r->buf, r->cap);
	}
	want = r->cap - 1 - len;
	n = fread(r->buf + len, 1, want, r->fp);
	r->end = len + n;
	r->buf[r->end] = '\n';
	if (n < want) {
		if (ferror(r->fp)) {
			r->fatal =
				gs_error_set(err, GS_ERR_INPUT, r->path, 0, 0,
					     "read error: %s", strerror(errno));
			return r->fatal;
		}
		r->eof = 1;
	}
	return 0;
}

/* First block: refuse UTF-16 (and other files with NUL bytes), strip a
 * UTF-8 byte order mark. */
static int start(struct gs_csv *r, struct gs_error *err)
{
	struct cursor c = {0, 0, 0, 0};
	const unsigned char *u;
	int rc;

	r->started = 1;
	while (r->end < 4 && !r->eof) { /* enough to see a byte order mark */
		rc = fill(r, &c, err);
		if (rc < 0)
			return rc;
	}
	u = (const unsigned char *)r->buf;
	if (r->end >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) ||
			    (u[0] == 0xFE && u[1] == 0xFF))) {
		r->fatal =
			gs_error_set(err, GS_ERR_INPUT, r->path, 0, 0,
				     "file is UTF-16; re-export it as UTF-8");
		return r->fatal;
	}
	if (memchr(r->buf, 0, r->end) != NULL) {
		r->fatal =
			gs_error_set(err, GS_ERR_INPUT, r->path, 0, 0,
				     "file is UTF-16; re-export it as UTF-8");
		return r->fatal;
	}
	if (r->end >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
		r->pos = 3;
	return 0;
}

/* Skips blank lines before a record. Returns 1 when a record starts at
 * r->pos, 0 at end of file, <0 on a read error. */
static int skip_blank(struct gs_csv *r, struct gs_error *err)
{
	struct cursor c;
	int rc;

	for (;;) {
		if (r->pos >= r->end ||
		    (r->buf[r->pos] == '\r' && r->pos + 1 >= r->end)) {
			if (r->eof) {
				if (r->pos >= r->end)
					return 0;
			} else {
				c = (struct cursor){r->pos, r->pos, r->pos,
						    r->pos};
				rc = fill(r, &c, err);
				if (rc < 0)
					return rc;
				r->pos = c.p;
				continue;
			}
		}
		if (r->buf[r->pos] == '\n') {
			r->pos++;
			r->line++;
		} else if (r->buf[r->pos] == '\r') {
			r->pos++;
			r->line++;
			if (r->pos < r->end && r->buf[r->pos] == '\n')
				r->pos++;
		} else {
			return 1;
		}
	}
}

static void add_field(struct gs_csv *r, size_t nf, size_t off, size_t len)
{
	if (nf == r->fcap) {
		r->fcap = r->fcap ? 2 * r->fcap : 64;
		r->fields = xrealloc(r->fields, r->fcap * sizeof(*r->fields));
		r->foff = xrealloc(r->foff, r->fcap * sizeof(*r->foff));
	}
	r->foff[nf] = off;
	r->fields[nf].len = len;
}

/* Whether field nf (0-based) at flen bytes or its record at rlen bytes is
 * over its limit; if so says which in why (and names the field). */
static int over_limit(const struct gs_csv *r, size_t flen, size_t rlen,
		      size_t nf, long *bad_field, char *why, size_t n)
{
	if (flen > r->max_field) {
		*bad_field = (long)nf + 1;
		over_field(r, why, n, nf + 1);
		return 1;
	}
	if (rlen > r->max_record) {
		snprintf(why, n, "record over the size limit (%zu bytes)",
			 r->max_record);
		return 1;
	}
	return 0;
}

/* Counts line feeds in buf[from..to), remembering the file offset of the
 * first one in the record (for recovery from an unclosed quote). */
static long count_lf(const struct gs_csv *r, size_t from, size_t to,
		     int64_t *first)
{
	const char *p = r->buf + from;
	const char *e = r->buf + to;
	long n = 0;

	for (;;) {
		const char *q = memchr(p, '\n', (size_t)(e - p));

		if (q == NULL)
			break;
		if (*first < 0)
			*first = (int64_t)(r->base + (size_t)(q - r->buf));
		n++;
		p = q + 1;
	}
	return n;
}

/* After a structural error: skip to just past the next line feed. */
static int skip_line(struct gs_csv *r, struct cursor *c, long *line,
		     struct gs_error *err)
{
	int rc;

	for (;;) {
		const char *q = memchr(r->buf + c->p, '\n', r->end - c->p);

		if (q != NULL) {
			c->p = (size_t)(q - r->buf) + 1;
			(*line)++;
			return 0;
		}
		c->p = r->end;
		if (r->eof)
			return 0;
		c->rs = c->p;
		rc = fill(r, c, err);
		if (rc < 0)
			return rc;
	}
}

int gs_csv_next(struct gs_csv *r, struct gs_csv_row *row, struct gs_error *err)
{
	struct cursor c;
	const unsigned char *special = r->special;
	char *reason = NULL; /* first problem found in this record */
	char why[256];
	char col[128];
	long line, start_line, end_line = 0;
	long bad_field = 0;
	int64_t first_lf = -1;
	size_t nf = 0;
	int discard = 0; /* keep scanning, keep nothing */
	int rc, ch;

	if (r->fatal)
		return r->fatal;
	if (!r->started) {
		rc = start(r, err);
		if (rc < 0)
			return rc;
	}
	rc = skip_blank(r, err);
	if (rc <= 0)
		return rc;
	c = (struct cursor){r->pos, r->pos, r->pos, r->pos};
	start_line = r->line;
	line = r->line;

	for (;;) { /* one field per iteration */
		size_t flen;

		if (c.p >= r->end && !r->eof) {
			rc = fill(r, &c, err);
			if (rc < 0)
				return rc;
		}
		if (nf >= CSV_MAX_FIELDS && !discard) {
			discard = 1;
			snprintf(why, sizeof(why), "record has over %d fields",
				 CSV_MAX_FIELDS);
			reason = why;
		}
		if (c.p < r->end && r->buf[c.p] == '"') {
			c.p++;
			c.fs = c.p;
			c.w = c.p;
			for (;;) {
				char *q =
					memchr(r->buf + c.p, '"', r->end - c.p);
				size_t seg =
					(q ? (size_t)(q - r->buf) : r->end);

				line += count_lf(r, c.p, seg, &first_lf);
				if (!discard && c.w != c.p)
					memmove(r->buf + c.w, r->buf + c.p,
						seg - c.p);
				c.w += seg - c.p;
				c.p = seg;
				if (!discard &&
				    over_limit(r, c.w - c.fs, c.p - c.rs, nf,
					       &bad_field, why, sizeof(why))) {
					discard = 1;
					reason = why;
				}
				if (q == NULL || c.p + 1 >= r->end) {
					if (r->eof && q == NULL)
						goto unterminated;
					if (!r->eof) {
						if (discard)
							c.rs = c.p;
						rc = fill(r, &c, err);
						if (rc < 0)
							return rc;
						continue;
					}
				}
				/* at a quote, with the next byte (or EOF) known
				 */
				if (c.p + 1 < r->end &&
				    r->buf[c.p + 1] == '"') {
					if (!discard)
						r->buf[c.w] = '"';
					c.w++;
					c.p += 2;
					continue;
				}
				c.p++; /* closing quote */
				break;
			}
			if (c.p >= r->end && !r->eof) {
				rc = fill(r, &c, err);
				if (rc < 0)
					return rc;
			}
			flen = c.w - c.fs;
			if (c.p < r->end) {
				ch = (unsigned char)r->buf[c.p];
				if (ch != (unsigned char)r->delim &&
				    ch != '\n' && ch != '\r') {
					if (reason == NULL) {
						where(r, nf + 1, col,
						      sizeof(col));
						snprintf(why, sizeof(why),
							 "text after the "
							 "closing "
							 "quote (%s)",
							 col);
						reason = why;
						bad_field = (long)nf + 1;
					}
					goto resync;
				}
			}
		} else {
			size_t p = c.p;

			c.fs = p;
			for (;;) {
				p = scan_plain(r, p, special);
				if (p < r->end || r->eof)
					break;
				if (!discard &&
				    over_limit(r, p - c.fs, p - c.rs, nf,
					       &bad_field, why, sizeof(why))) {
					discard = 1;
					reason = why;
				}
				c.p = p;
				if (discard)
					c.rs = p;
				rc = fill(r, &c, err);
				if (rc < 0)
					return rc;
				p = c.p;
			}
			c.p = p;
			/* limits before the quote check, so the reason does
			 * not depend on where the blocks fell */
			flen = p - c.fs;
			if (!discard &&
			    over_limit(r, flen, p - c.rs, nf, &bad_field, why,
				       sizeof(why))) {
				discard = 1;
				reason = why;
			}
			if (p < r->end && r->buf[p] == '"') {
				if (reason == NULL) {
					where(r, nf + 1, col, sizeof(col));
					snprintf(why, sizeof(why),
						 "quote inside an unquoted "
						 "field (%s)",
						 col);
					reason = why;
					bad_field = (long)nf + 1;
				}
				goto resync;
			}
			c.w = p;
		}

		/* the field is buf[fs..fs+flen); c.p is at its terminator,
		 * which its NUL replaces */
		ch = c.p < r->end ? (unsigned char)r->buf[c.p] : -1;
		if (!discard) {
			add_field(r, nf, c.fs - c.rs, flen);
			r->buf[c.fs + flen] = '\0';
		}
		nf++;
		end_line = line;
		if (ch < 0) /* end of file ends the record */
			break;
		c.p++;
		if (ch == (unsigned char)r->delim)
			continue;
		line++;
		if (ch == '\r') {
			if (c.p >= r->end && !r->eof) {
				rc = fill(r, &c, err);
				if (rc < 0)
					return rc;
			}
			if (c.p < r->end && r->buf[c.p] == '\n')
				c.p++;
		}
		break;
	}
	r->pos = c.p;
	r->line = line;
	if (discard) {
		rc = gs_error_set(err, GS_ERR_REJECT, r->path, start_line,
				  bad_field, "%s", reason);
		return rc;
	}
	for (size_t i = 0; i < nf; i++)
		r->fields[i].ptr = r->buf + c.rs + r->foff[i];
	row->fields = r->fields;
	row->nfields = nf;
	row->line = start_line;
	row->end_line = end_line;
	return 1;

resync:
	rc = skip_line(r, &c, &line, err);
	if (rc < 0)
		return rc;
	r->pos = c.p;
	r->line = line;
	return gs_error_set(err, GS_ERR_REJECT, r->path, start_line, bad_field,
			    "%s", reason);

unterminated:
	r->pos = r->end;
	r->line = line;
	where(r, nf + 1, col, sizeof(col));
	rc = gs_error_set(err, GS_ERR_REJECT, r->path, start_line, (long)nf + 1,
			  "unterminated quoted field (%s): the quote opened on "
			  "line %ld is never closed",
			  col, start_line);
	/* Read on from the line after the record start when we can. */
	if (first_lf >= 0 &&
	    fseeko(r->fp, (off_t)first_lf + 1, SEEK_SET) == 0) {
		clearerr(r->fp);
		r->eof = 0;
		r->base = (uint64_t)first_lf + 1;
		r->pos = 0;
		r->end = 0;
		r->buf[0] = '\n';
		r->line = start_line + 1;
	}
	return rc;
}
