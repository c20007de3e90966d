/*
 * gs_ingest.h - reads the intelligence and actions exports into records.
 *
 * A reader is picked from the registry by the profile's format (CSV, JSON
 * Lines), maps columns to roles and validates every row: wrong field count,
 * missing id, duplicate id, unparseable date, invalid UTF-8, field over the
 * size limit. A bad row is returned as GS_ERR_REJECT with file, line and
 * reason in the error; the caller records it and calls again. Nothing is
 * dropped silently. Record fields point into the reader's buffers and stay
 * valid until the next call.
 */
#ifndef GS_INGEST_H
#define GS_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "gs_error.h"
#include "gs_profile.h"

struct gs_str {
	const char *ptr; /* NUL-terminated; "" when the role is absent */
	size_t len;
};

struct gs_intel_rec {
	long line;
	struct gs_str id, logged_at, unit, district, grading, priority,
		subjects;
	long logged_day;
	struct gs_str text[GS_PROFILE_MAX_TEXT]; /* profile->col_text order */
	size_t ntext;
};

struct gs_action_rec {
	long line;
	struct gs_str action_id, intel_ids, type, at, unit, rationale;
	long action_day;
};

enum gs_ingest_kind { GS_INGEST_INTEL, GS_INGEST_ACTIONS };

struct gs_ingest;

/* Opens path and reads its header. A missing required column fails with
 * GS_ERR_INPUT naming it and the columns found. */
int gs_ingest_open(struct gs_ingest **out, const char *path,
		   enum gs_ingest_kind kind, const struct gs_profile *p,
		   struct gs_error *err);
void gs_ingest_free(struct gs_ingest *in);

/* 1 record, 0 end, GS_ERR_REJECT bad row (call again), other <0 fatal. */
int gs_ingest_next_intel(struct gs_ingest *in, struct gs_intel_rec *rec,
			 struct gs_error *err);
int gs_ingest_next_action(struct gs_ingest *in, struct gs_action_rec *rec,
			  struct gs_error *err);

/* Whether a header column is name: spaces around it and ASCII case do not
 * count. */
int gs_column_is(const struct gs_str *col, const char *name);
/* "a, b, c" into out (n bytes), cut short with "..." when it does not fit;
 * "(none)" for no columns. For messages naming the columns found. */
void gs_column_list(const struct gs_str *cols, size_t ncols, char *out,
		    size_t n);

/* A field's bytes as every input checks them: no NUL byte, valid UTF-8.
 * 0, or GS_ERR_REJECT with err naming the column, path, line and byte. */
int gs_ingest_check_text(const struct gs_str *v, const char *column,
			 const char *path, long line, struct gs_error *err);

uint64_t gs_ingest_offset(const struct gs_ingest *in); /* bytes consumed */
uint64_t gs_ingest_size(const struct gs_ingest *in);   /* file size or 0 */
/* SHA-256 (hex) and length of the bytes read so far: of the whole input
 * once the last record has been returned. The input is read once, so a
 * pipe works and the hash is of exactly what was scanned. */
void gs_ingest_digest(const struct gs_ingest *in, char out[65],
		      uint64_t *size);
/* 1 when an id equal to id[0..n) was accepted from this export so far (the
 * first of duplicates is; a rejected row's id is not), else 0. */
int gs_ingest_has_id(const struct gs_ingest *in, const char *id, size_t n);

/* The per-format readers (CSV, JSON Lines) are a const struct of function
 * pointers each, listed in one registry inside the ingest module
 * (analyser/reader.h); a new format is one file and one line. */

#endif
