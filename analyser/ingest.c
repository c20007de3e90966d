/*
 * ingest.c - reads an export through a format reader, maps its columns to
 * roles and validates every row.
 *
 * The reader comes from the registry below by the profile's format. Each
 * row is checked in a fixed order (field count, bytes of the mapped columns,
 * ids, dates, duplicates); the first problem makes the row a reject with the
 * file, line and a reason whose leading phrase is fixed (docs/formats.md):
 * the scan counts rejects by it. Accepted ids go into a compact hash set so
 * duplicates can name the line they were first seen on.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "gs_date.h"
#include "gs_ingest.h"
#include "gs_util.h"
#include "reader.h"

/* One line per format: a new format is one reader file and one line here. */
static const struct gs_reader_ops *const readers[] = {
	&gs_reader_csv,
	&gs_reader_jsonl,
};

enum role_kind {
	ROLE_PLAIN, /* taken as it is */
	ROLE_ID,    /* trimmed, required non-empty, unique in the file */
	ROLE_REF,   /* trimmed, required non-empty (an action's intel ids) */
	ROLE_DATE,  /* trimmed, parsed */
	ROLE_TEXT   /* free text; at least one text column must exist */
};

struct role {
	const char *name;   /* role name for messages */
	const char *column; /* profile's column name, NULL = not used */
	enum role_kind kind;
	int required;
	long idx; /* column index in the file, -1 = absent */
};

#define MAX_ROLES (7 + GS_PROFILE_MAX_TEXT)

/*
 * Set of accepted ids. Open addressing over 32-bit offsets into one arena
 * of entries {uint32 line, uint32 len, bytes}: about 8 bytes of overhead an
 * id plus 4-8 bytes of table, so a million short ids take some 30 MB.
 */
struct idset {
	/* high 32 bits: a tag from the key's hash; low 32: arena offset + 1
	 * (0 = empty). The tag spares most probes a trip to the key. */
	uint64_t *slots;
	size_t cap;	 /* power of two */
	size_t count;
	char *arena;
	size_t alen, acap;
};

struct gs_ingest {
	FILE *fp;
	struct gs_hashed *hash; /* SHA-256 of the bytes read */
	char *path;
	enum gs_ingest_kind kind;
	const struct gs_reader_ops *ops;
	void *rd;
	uint64_t size;
	enum gs_date_format date_format;
	enum gs_date_format date_other; /* tried when date_format fails */
	const struct gs_str *cols;
	size_t ncols;
	struct role roles[MAX_ROLES];
	size_t nroles;
	struct gs_str val[MAX_ROLES];  /* this row, per role */
	long day;		       /* this row's date */
	long line;		       /* this row's first line */
	struct gs_buf trim[MAX_ROLES]; /* trimmed copies, when needed */
	struct idset ids;
};

static void idset_release(struct idset *s)
{
	free(s->slots);
	free(s->arena);
}

static void entry_at(const struct idset *s, uint32_t off, uint32_t *line,
		     uint32_t *len, const char **key)
{
	memcpy(line, s->arena + off, 4);
	memcpy(len, s->arena + off + 4, 4);
	*key = s->arena + off + 8;
}

static void idset_grow(struct idset *s)
{
	size_t ncap = s->cap ? 2 * s->cap : 1024;
	uint64_t *slots = xcalloc(ncap, sizeof(*slots));

	/* the home slot comes from the tag: no trip to the keys */
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (s->slots[i] == 0)
			continue;
		j = (size_t)(s->slots[i] >> 32) & (ncap - 1);
		while (slots[j] != 0)
			j = (j + 1) & (ncap - 1);
		slots[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = slots;
	s->cap = ncap;
}

/* Finds key: returns its slot and *line the line it was first seen on, or
 * the empty slot where it would go and *line 0. The set must have slots. */
static size_t idset_probe(const struct idset *s, const char *key, size_t n,
			  uint64_t tag, long *line)
{
	size_t j = (size_t)(tag >> 32) & (s->cap - 1); /* see grow */

	*line = 0;
	while (s->slots[j] != 0) {
		uint32_t eline, elen;
		const char *ekey;

		if ((s->slots[j] & 0xffffffff00000000ULL) == tag) {
			entry_at(s, (uint32_t)s->slots[j] - 1, &eline, &elen,
				 &ekey);
			if (elen == n && memcmp(ekey, key, n) == 0) {
				*line = (long)eline;
				return j;
			}
		}
		j = (j + 1) & (s->cap - 1);
	}
	return j;
}

/* Inserts key seen on line. Returns 0 when new, the line it was first seen
 * on when present, or -1 when the set is full (4 GiB of ids). */
static long idset_add(struct idset *s, const char *key, size_t n, long line)
{
	uint32_t l32 = (uint32_t)line, n32 = (uint32_t)n;
	uint64_t tag;
	size_t j;
	long first;

	if (2 * (s->count + 1) > s->cap) /* at most half full */
		idset_grow(s);
	tag = gs_hash64(key, n) >> 32 << 32;
	j = idset_probe(s, key, n, tag, &first);
	if (first > 0)
		return first;
	if (s->alen + 8 + n >= UINT32_MAX)
		return -1;
	if (s->alen + 8 + n > s->acap) {
		s->acap = s->acap ? s->acap + s->acap / 2 : 64 * 1024;
		if (s->acap < s->alen + 8 + n)
			s->acap = s->alen + 8 + n;
		s->arena = xrealloc(s->arena, s->acap);
	}
	memcpy(s->arena + s->alen, &l32, 4);
	memcpy(s->arena + s->alen + 4, &n32, 4);
	memcpy(s->arena + s->alen + 8, key, n);
	s->slots[j] = tag | ((uint32_t)s->alen + 1);
	s->alen += 8 + n;
	s->count++;
	return 0;
}

static void add_role(struct gs_ingest *in, const char *name, const char *column,
		     enum role_kind kind, int required)
{
	struct role *r = &in->roles[in->nroles++];

	assert(in->nroles <= MAX_ROLES);
	r->name = name;
	r->column = column;
	r->kind = kind;
	r->required = required;
	r->idx = -1;
}

/* Column names match ignoring ASCII case and the spaces around them, in
 * every format (the CSV reader trims its header, JSON keys come as they
 * are written). */
int gs_column_is(const struct gs_str *col, const char *name)
{
	const char *p = col->ptr;
	size_t n = col->len;

	while (n > 0 && *p == ' ') {
		p++;
		n--;
	}
	while (n > 0 && p[n - 1] == ' ')
		n--;
	return n == strlen(name) && strncasecmp(p, name, n) == 0;
}

/* "a, b, c" into out, cut short with "..." when it does not fit. */
void gs_column_list(const struct gs_str *cols, size_t ncols, char *out,
		    size_t n)
{
	size_t used = 0;

	out[0] = '\0';
	if (ncols == 0)
		snprintf(out, n, "(none)");
	for (size_t i = 0; i < ncols; i++) {
		int w = snprintf(out + used, n - used, "%s%.*s", i ? ", " : "",
				 (int)cols[i].len, cols[i].ptr);

		if (w < 0 || (size_t)w >= n - used) {
			if (n > 4)
				memcpy(out + n - 4, "...", 4);
			return;
		}
		used += (size_t)w;
	}
}

static int missing(const struct gs_ingest *in, const struct role *r,
		   struct gs_error *err)
{
	char found[600];

	gs_column_list(in->cols, in->ncols, found, sizeof(found));
	return gs_error_set(err, GS_ERR_INPUT, in->path, 1, 0,
			    "missing required column \"%s\" (role %s); "
			    "columns found: %s",
			    r->column ? r->column : "", r->name, found);
}

/* Finds each role's column; checks required ones exist once. */
static int map_columns(struct gs_ingest *in, struct gs_error *err)
{
	const struct role *first_text = NULL;
	int have_text = 0;

	for (size_t k = 0; k < in->nroles; k++) {
		struct role *r = &in->roles[k];

		if (r->column == NULL && r->required)
			return gs_error_set(err, GS_ERR_INPUT, in->path, 0, 0,
					    "the profile names no column for "
					    "role %s",
					    r->name);
		if (r->column == NULL)
			continue;
		for (size_t i = 0; i < in->ncols; i++) {
			if (!gs_column_is(&in->cols[i], r->column))
				continue;
			if (r->idx >= 0)
				return gs_error_set(
					err, GS_ERR_INPUT, in->path, 1, 0,
					"column \"%s\" appears twice (columns "
					"%ld and %zu)",
					r->column, r->idx + 1, i + 1);
			r->idx = (long)i;
		}
		if (r->kind == ROLE_TEXT) {
			if (first_text == NULL)
				first_text = r;
			have_text |= r->idx >= 0;
		} else if (r->required && r->idx < 0) {
			return missing(in, r, err);
		}
	}
	if (in->kind == GS_INGEST_INTEL && !have_text) {
		if (first_text == NULL)
			return gs_error_set(err, GS_ERR_INPUT, in->path, 0, 0,
					    "the profile names no text column");
		return missing(in, first_text, err);
	}
	return 0;
}

int gs_ingest_open(struct gs_ingest **out, const char *path,
		   enum gs_ingest_kind kind, const struct gs_profile *p,
		   struct gs_error *err)
{
	const struct gs_profile_input *input;
	struct gs_ingest *in = xcalloc(1, sizeof(*in));
	struct stat st;
	int rc;

	*out = NULL;
	in->kind = kind;
	in->path = xstrdup(path);
	for (size_t i = 0; i < MAX_ROLES; i++)
		gs_buf_init(&in->trim[i], 0);
	input = kind == GS_INGEST_INTEL ? &p->intel : &p->actions;
	in->date_format = input->date_format;
	in->date_other = in->date_format == GS_DATE_ISO ? GS_DATE_UK
							: GS_DATE_ISO;
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++)
		if (readers[i]->format == input->format)
			in->ops = readers[i];
	assert(in->ops != NULL);

	in->fp = gs_hashed_open(path, &in->hash);
	if (in->fp == NULL) {
		rc = gs_error_set(err, GS_ERR_INPUT, path, 0, 0,
				  "cannot open: %s", strerror(errno));
		goto out;
	}
	if (fstat(gs_hashed_fd(in->hash), &st) == 0 && S_ISREG(st.st_mode))
		in->size = (uint64_t)st.st_size;
	rc = in->ops->open(&in->rd, in->fp, path, input, p->max_field, err);
	if (rc < 0)
		goto out;
	in->cols = in->ops->columns(in->rd, &in->ncols);

	if (kind == GS_INGEST_INTEL) {
		add_role(in, "id", p->col_id, ROLE_ID, 1);
		add_role(in, "logged_at", p->col_logged_at, ROLE_DATE, 1);
		add_role(in, "unit", p->col_unit, ROLE_PLAIN, 0);
		add_role(in, "district", p->col_district, ROLE_PLAIN, 0);
		add_role(in, "grading", p->col_grading, ROLE_PLAIN, 0);
		add_role(in, "priority", p->col_priority, ROLE_PLAIN, 0);
		add_role(in, "subject", p->col_subject, ROLE_PLAIN, 0);
		for (size_t i = 0; i < p->ntext && i < GS_PROFILE_MAX_TEXT; i++)
			add_role(in, "text", p->col_text[i], ROLE_TEXT, 0);
	} else {
		add_role(in, "action_id", p->act_id, ROLE_ID, 1);
		add_role(in, "intel_id", p->act_intel_id, ROLE_REF, 1);
		add_role(in, "action_type", p->act_type, ROLE_PLAIN, 1);
		add_role(in, "action_at", p->act_at, ROLE_DATE, 1);
		add_role(in, "unit", p->act_unit, ROLE_PLAIN, 0);
		add_role(in, "rationale", p->act_rationale, ROLE_PLAIN, 0);
	}
	assert(in->roles[0].kind == ROLE_ID);
	rc = map_columns(in, err);
out:
	if (rc < 0) {
		gs_ingest_free(in);
		return rc;
	}
	*out = in;
	return 0;
}

void gs_ingest_free(struct gs_ingest *in)
{
	if (in == NULL)
		return;
	if (in->ops != NULL && in->rd != NULL)
		in->ops->close(in->rd);
	gs_hashed_close(in->fp, in->hash);
	for (size_t i = 0; i < MAX_ROLES; i++)
		gs_buf_release(&in->trim[i]);
	idset_release(&in->ids);
	free(in->path);
	free(in);
}

uint64_t gs_ingest_offset(const struct gs_ingest *in)
{
	return in->ops->offset(in->rd);
}

void gs_ingest_digest(const struct gs_ingest *in, char out[65],
		      uint64_t *size)
{
	gs_hashed_digest(in->hash, out, size);
}

uint64_t gs_ingest_size(const struct gs_ingest *in)
{
	return in->size;
}

int gs_ingest_has_id(const struct gs_ingest *in, const char *id, size_t n)
{
	long line;

	if (in->ids.cap == 0)
		return 0;
	idset_probe(&in->ids, id, n, gs_hash64(id, n) >> 32 << 32, &line);
	return line > 0;
}

/* Trims surrounding ASCII spaces; a trailing trim copies into the role's
 * scratch buffer so the value stays NUL-terminated. */
static struct gs_str trimmed(struct gs_ingest *in, size_t k, struct gs_str v)
{
	while (v.len > 0 && v.ptr[0] == ' ') {
		v.ptr++;
		v.len--;
	}
	if (v.len > 0 && v.ptr[v.len - 1] == ' ') {
		while (v.len > 0 && v.ptr[v.len - 1] == ' ')
			v.len--;
		gs_buf_reset(&in->trim[k]);
		gs_buf_append(&in->trim[k], v.ptr, v.len);
		v.ptr = in->trim[k].data;
	}
	return v;
}

static int reject(const struct gs_ingest *in, long line, long col,
		  struct gs_error *err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int reject(const struct gs_ingest *in, long line, long col,
		  struct gs_error *err, const char *fmt, ...)
{
	char msg[GS_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return gs_error_set(err, GS_ERR_REJECT, in->path, line, col, "%s", msg);
}

int gs_ingest_check_text(const struct gs_str *v, const char *column,
			 const char *path, long line, struct gs_error *err)
{
	const char *nul = memchr(v->ptr, '\0', v->len);
	size_t bad;

	if (nul != NULL)
		return gs_error_set(err, GS_ERR_REJECT, path, line, 0,
				    "NUL byte in column \"%s\" at byte %zu",
				    column, (size_t)(nul - v->ptr) + 1);
	if (!gs_utf8_valid(v->ptr, v->len, &bad))
		return gs_error_set(err, GS_ERR_REJECT, path, line, 0,
				    "invalid UTF-8 in column \"%s\" at byte %zu",
				    column, bad + 1);
	return 0;
}

/* Reads one row and validates it into in->val; 1, 0, reject or fatal. */
static int next_row(struct gs_ingest *in, struct gs_error *err)
{
	struct gs_reader_row row;
	const struct gs_str *id = &in->val[0]; /* role 0 is the id */
	long first;
	int rc;

	rc = in->ops->next(in->rd, &row, err);
	if (rc <= 0)
		return rc;
	in->line = row.line;
	if (row.nfields != in->ncols)
		return reject(in, row.line, 0, err,
			      "wrong field count: expected %zu, found %zu",
			      in->ncols, row.nfields);
	for (size_t k = 0; k < in->nroles; k++) {
		const struct role *r = &in->roles[k];
		struct gs_str v = {"", 0};

		if (r->idx >= 0)
			v = row.fields[r->idx];
		if (v.ptr == NULL) /* a JSON value that is not text */
			return reject(in, row.line, 0, err,
				      "value of \"%s\" is not a string or "
				      "number",
				      r->column);
		if (gs_ingest_check_text(&v, r->column, in->path, row.line,
					 err) < 0)
			return GS_ERR_REJECT;
		in->val[k] = v;
	}
	for (size_t k = 0; k < in->nroles; k++) {
		const struct role *r = &in->roles[k];
		struct gs_str *v = &in->val[k];

		if (r->kind != ROLE_ID && r->kind != ROLE_REF &&
		    r->kind != ROLE_DATE)
			continue;
		*v = trimmed(in, k, *v);
		if (r->kind == ROLE_ID && v->len == 0)
			return reject(in, row.line, 0, err, "missing id");
		if (r->kind == ROLE_REF && v->len == 0)
			return reject(in, row.line, 0, err, "missing %s",
				      r->name);
		if (r->kind == ROLE_DATE &&
		    gs_date_parse(v->ptr, v->len, in->date_format, &in->day,
				  NULL) < 0 &&
		    gs_date_parse(v->ptr, v->len, in->date_other, &in->day,
				  NULL) < 0)
			return reject(in, row.line, 0, err,
				      "unparseable date \"%.*s\" in column "
				      "\"%s\"",
				      (int)(v->len > 64 ? 64 : v->len), v->ptr,
				      r->column);
	}
	first = idset_add(&in->ids, id->ptr, id->len, row.line);
	if (first < 0)
		return gs_error_set(err, GS_ERR_LIMIT, in->path, row.line, 0,
				    "too many ids to check for duplicates");
	if (first > 0)
		return reject(in, row.line, 0, err,
			      "duplicate id \"%.*s\" (first seen on line %ld)",
			      (int)(id->len > 64 ? 64 : id->len), id->ptr,
			      first);
	return 1;
}

int gs_ingest_next_intel(struct gs_ingest *in, struct gs_intel_rec *rec,
			 struct gs_error *err)
{
	int rc;

	assert(in->kind == GS_INGEST_INTEL);
	rc = next_row(in, err);
	if (rc <= 0)
		return rc;
	rec->line = in->line;
	rec->id = in->val[0];
	rec->logged_at = in->val[1];
	rec->unit = in->val[2];
	rec->district = in->val[3];
	rec->grading = in->val[4];
	rec->priority = in->val[5];
	rec->subjects = in->val[6];
	rec->logged_day = in->day;
	rec->ntext = in->nroles - 7;
	for (size_t i = 0; i < rec->ntext; i++)
		rec->text[i] = in->val[7 + i];
	return 1;
}

int gs_ingest_next_action(struct gs_ingest *in, struct gs_action_rec *rec,
			  struct gs_error *err)
{
	int rc;

	assert(in->kind == GS_INGEST_ACTIONS);
	rc = next_row(in, err);
	if (rc <= 0)
		return rc;
	rec->line = in->line;
	rec->action_id = in->val[0];
	rec->intel_ids = in->val[1];
	rec->type = in->val[2];
	rec->at = in->val[3];
	rec->unit = in->val[4];
	rec->rationale = in->val[5];
	rec->action_day = in->day;
	return 1;
}
