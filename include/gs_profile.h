/*
 * gs_profile.h - the description of an export: column names per role,
 * date format, qualifying action types, SLAs, flag threshold and limits.
 *
 * A profile is one JSON file (docs/profile.md). gs_profile_init sets every
 * default, so a profile file only needs what differs. Strings are owned by
 * the profile and freed by gs_profile_release.
 */
#ifndef GS_PROFILE_H
#define GS_PROFILE_H

#include <stddef.h>

#include "gs_date.h"
#include "gs_error.h"

#define GS_PROFILE_MAX_TEXT 16

enum gs_format { GS_FORMAT_CSV, GS_FORMAT_JSONL };

struct gs_sla_priority {
	char *priority;
	int days;
};

struct gs_profile_input {
	enum gs_format format;
	char delimiter;
	enum gs_date_format date_format;
	char multi_sep; /* separator inside multi-valued cells, default ';' */
};

struct gs_profile {
	char *name;
	char *path; /* file it was loaded from, or NULL for built-in defaults */
	char sha256[65]; /* of the file, "" for defaults */

	struct gs_profile_input intel;
	/* intel columns per role; NULL = role absent (optional roles only) */
	char *col_id, *col_logged_at, *col_unit, *col_district, *col_grading,
		*col_priority, *col_subject;
	char *col_text[GS_PROFILE_MAX_TEXT]; /* free-text columns, in order */
	size_t ntext;

	struct gs_profile_input actions;
	char *act_id, *act_intel_id, *act_type, *act_at, *act_unit,
		*act_rationale;
	char **qualifying; /* action types that qualify, lower case */
	size_t nqualifying;
	char **qualifying_with_rationale; /* qualify only with a rationale */
	size_t nqualifying_with_rationale;
	char *reference_pattern; /* PCRE2 finding intel ids in rationale, or NULL */

	int sla_days;
	struct gs_sla_priority *sla_by_priority;
	size_t nsla_by_priority;
	int threshold; /* flag when sum of distinct non-language weights >= */

	size_t max_field;          /* bytes, default 1 MiB */
	unsigned long match_limit; /* PCRE2 */
	unsigned long depth_limit;
	unsigned long heap_limit_kib;

	char *marking; /* security marking for reports */
	int chain_min_records; /* K */
	int chain_window_days; /* W */
};

void gs_profile_init(struct gs_profile *p); /* built-in defaults */
void gs_profile_release(struct gs_profile *p);

/* Loads path over the defaults. Errors name the file, line and key. */
int gs_profile_load(struct gs_profile *p, const char *path,
		    struct gs_error *err);

/* SLA for a priority value (NULL or "" = default). */
int gs_profile_sla(const struct gs_profile *p, const char *priority, size_t n);

/* 1 when an action of this type (and rationale) qualifies. Case-insensitive
 * on type; rationale "qualifies" when it has a non-space character. */
int gs_profile_qualifies(const struct gs_profile *p, const char *type,
			 size_t type_len, const char *rationale,
			 size_t rationale_len);

#endif
