/*
 * links.c - reads the POLE links file into the flagged records of a run
 * (gs_links.h).
 *
 * The CSV input reader (reader.h) gives the header, trimmed, and the rows;
 * the columns are mapped as ingest maps its roles, and each row is checked
 * in a fixed order (field count, bytes of the used columns, empty values,
 * entity_type, entity_ref) with the first problem making it a reject whose
 * leading phrase is fixed (docs/formats.md). The flagged records are found
 * through a map of their ids built once.
 */
#include "gs_links.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "gs_chains.h"
#include "gs_ingest.h"
#include "gs_scan.h"
#include "gs_util.h"
#include "reader.h"

enum { C_ID, C_TYPE, C_REF, C_COUNT };

static const char *const column_names[C_COUNT] = {"intel_id", "entity_type",
						  "entity_ref"};

/* One good row: the trimmed values, the type in lower case. */
struct link {
	struct gs_str v[C_COUNT];
	char type[GS_LINKS_MAX_TYPE + 1];
};

/* Finds each column once; idx[k] is its index in the row. */
static int map_columns(const char *path, const struct gs_str *cols,
		       size_t ncols, long idx[C_COUNT], struct gs_error *err)
{
	for (int k = 0; k < C_COUNT; k++) {
		idx[k] = -1;
		for (size_t i = 0; i < ncols; i++) {
			if (!gs_column_is(&cols[i], column_names[k]))
				continue;
			if (idx[k] >= 0)
				return gs_error_set(
					err, GS_ERR_INPUT, path, 1, 0,
					"column \"%s\" appears twice (columns "
					"%ld and %zu)",
					column_names[k], idx[k] + 1, i + 1);
			idx[k] = (long)i;
		}
		if (idx[k] < 0) {
			char found[600];

			gs_column_list(cols, ncols, found, sizeof(found));
			return gs_error_set(err, GS_ERR_INPUT, path, 1, 0,
					    "missing required column \"%s\"; "
					    "columns found: %s",
					    column_names[k], found);
		}
	}
	return 0;
}

static struct gs_str trimmed(struct gs_str v)
{
	while (v.len > 0 && v.ptr[0] == ' ') {
		v.ptr++;
		v.len--;
	}
	while (v.len > 0 && v.ptr[v.len - 1] == ' ')
		v.len--;
	return v;
}

/* Checks a row into *l and its entity into ent (normalised, NUL-terminated,
 * entsz bytes). Returns 0, or GS_ERR_REJECT with err filled. */
static int check_row(const char *path, const struct gs_reader_row *row,
		     size_t ncols, const long idx[C_COUNT], struct link *l,
		     char *ent, size_t entsz, struct gs_error *err)
{
	const struct gs_str *type = &l->v[C_TYPE], *ref = &l->v[C_REF];

	if (row->nfields != ncols)
		return gs_error_set(
			err, GS_ERR_REJECT, path, row->line, 0,
			"wrong field count: expected %zu, found %zu", ncols,
			row->nfields);
	for (int k = 0; k < C_COUNT; k++) {
		const struct gs_str *v = &row->fields[idx[k]];

		if (gs_ingest_check_text(v, column_names[k], path, row->line,
					 err) < 0)
			return GS_ERR_REJECT;
		l->v[k] = trimmed(*v);
	}
	for (int k = 0; k < C_COUNT; k++) {
		if (l->v[k].len == 0)
			return gs_error_set(err, GS_ERR_REJECT, path, row->line,
					    0, "missing %s", column_names[k]);
	}
	if (type->len > GS_LINKS_MAX_TYPE)
		return gs_error_set(
			err, GS_ERR_REJECT, path, row->line, 0,
			"entity_type over the size limit (%d bytes)",
			GS_LINKS_MAX_TYPE);
	/* an entity is "type:ref": the first colon ends the type */
	if (memchr(type->ptr, ':', type->len) != NULL)
		return gs_error_set(err, GS_ERR_REJECT, path, row->line, 0,
				    "colon in entity_type \"%.*s\"",
				    (int)type->len, type->ptr);
	if (ref->len > GS_LINKS_MAX_REF)
		return gs_error_set(err, GS_ERR_REJECT, path, row->line, 0,
				    "entity_ref over the size limit (%d bytes)",
				    GS_LINKS_MAX_REF);
	for (size_t i = 0; i < type->len; i++)
		l->type[i] = (char)tolower((unsigned char)type->ptr[i]);
	l->type[type->len] = '\0';
	if (gs_chains_normalise(l->type, ref->ptr, ref->len, ent, entsz) == 0)
		return gs_error_set(err, GS_ERR_REJECT, path, row->line, 0,
				    "nothing left of entity_ref \"%.*s\" once "
				    "normalised as type \"%s\"",
				    (int)ref->len, ref->ptr, l->type);
	return 0;
}

/* Adds entity ent to f unless it holds it: the grown list is allocated in
 * the arena, like the rest of the flagged record. */
static void add_entity(struct gs_arena *a, struct gs_flagged *f,
		       const char *ent)
{
	char **grown;

	for (size_t i = 0; i < f->nentities; i++) {
		if (strcmp(f->entities[i], ent) == 0)
			return;
	}
	grown = gs_arena_alloc(a, (f->nentities + 1) * sizeof(*grown));
	if (f->nentities)
		memcpy(grown, f->entities, f->nentities * sizeof(*grown));
	grown[f->nentities] = gs_arena_strndup(a, ent, strlen(ent));
	f->entities = grown;
	f->nentities++;
}

int gs_links_load(struct gs_run *run, const char *path,
		  const struct gs_ingest *known, size_t max_field,
		  struct gs_error *err)
{
	const struct gs_reader_ops *ops = &gs_reader_csv;
	const struct gs_profile_input input = {.format = GS_FORMAT_CSV,
					       .delimiter = ','};
	FILE *fp = NULL;
	void *rd = NULL;
	struct gs_map *ids = NULL;
	struct gs_arena *arena = NULL;
	const struct gs_str *cols;
	size_t ncols;
	long idx[C_COUNT];
	/* a type, its colon and a place whose every word grew ("st" to
	 * "street": 3 bytes to 7 at most) fit */
	char ent[GS_LINKS_MAX_TYPE + 1 + 3 * GS_LINKS_MAX_REF + 1];
	int rc;

	fp = fopen(path, "rb");
	if (fp == NULL) {
		rc = gs_error_set(err, GS_ERR_INPUT, path, 0, 0,
				  "cannot open: %s", strerror(errno));
		goto out;
	}
	rc = ops->open(&rd, fp, path, &input, max_field, err);
	if (rc < 0)
		goto out;
	cols = ops->columns(rd, &ncols);
	rc = map_columns(path, cols, ncols, idx, err);
	if (rc < 0)
		goto out;
	ids = gs_map_new();
	for (size_t i = 0; i < run->nflagged; i++)
		*gs_map_slot(ids, run->flagged[i].id,
			     strlen(run->flagged[i].id), NULL) =
			&run->flagged[i];
	for (;;) {
		struct gs_reader_row row;
		struct link l;
		struct gs_flagged *f;

		rc = ops->next(rd, &row, err);
		if (rc == 0)
			break;
		if (rc < 0 && rc != GS_ERR_REJECT)
			goto out;
		run->counts.links_read++;
		if (rc > 0)
			rc = check_row(path, &row, ncols, idx, &l, ent,
				       sizeof(ent), err);
		if (rc == GS_ERR_REJECT) {
			run->counts.links_rejected++;
			gs_run_add_reject(run, err);
			gs_error_clear(err);
			continue;
		}
		f = gs_map_get(ids, l.v[C_ID].ptr, l.v[C_ID].len);
		if (f != NULL) {
			if (arena == NULL)
				arena = gs_run_arena(run);
			add_entity(arena, f, ent);
		} else if (known != NULL &&
			   !gs_ingest_has_id(known, l.v[C_ID].ptr,
					     l.v[C_ID].len)) {
			run->counts.links_unknown_intel++;
		}
	}
	rc = 0;
out:
	gs_map_free(ids);
	if (rd != NULL)
		ops->close(rd);
	if (fp != NULL)
		fclose(fp);
	return rc;
}
