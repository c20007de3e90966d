/*
 * gs_store.h - the run history: one SQLite database, one row per run.
 *
 * A run is written in one transaction (BEGIN IMMEDIATE ... COMMIT): a
 * process killed part-way leaves the earlier runs intact and no partial run
 * visible. The schema (docs/schema.md) carries its version in PRAGMA
 * user_version; opening an older database migrates it forward in one
 * transaction, a newer one is refused. A database file this module creates
 * is mode 0600 (SQLite gives its -journal the same mode).
 *
 * Only this module includes sqlite3.h. Readers return small arrays the
 * caller frees with the matching _free function, or call a callback per
 * row; strings in a callback's row are valid only during the call.
 */
#ifndef GS_STORE_H
#define GS_STORE_H

#include <stddef.h>

#include "gs_error.h"
#include "gs_scan.h"

/* Schema version written by this build (PRAGMA user_version). */
#define GS_STORE_SCHEMA_VERSION 4

/* Default database: $GAPSCAN_DB, else "gapscan.db" (current directory). */
#define GS_STORE_DEFAULT "gapscan.db"
#define GS_STORE_ENV "GAPSCAN_DB"

struct gs_store;

/* Returns getenv(GAPSCAN_DB) when set and non-empty, else GS_STORE_DEFAULT.
 * Not to be freed. */
const char *gs_store_default_path(void);

/* Opens (create != 0: creating, mode 0600) the database at path and
 * migrates it to GS_STORE_SCHEMA_VERSION. Errors: GS_ERR_IO (missing file
 * when !create, not a SQLite file, not a gapscan database, newer schema,
 * locked). *out is set only on success; free with gs_store_free. */
int gs_store_open(struct gs_store **out, const char *path, int create,
		  struct gs_error *err);
void gs_store_free(struct gs_store *s); /* accepts NULL */

/* Schema version of the open database (after migration). */
int gs_store_schema_version(struct gs_store *s);

/*
 * What a run needs besides struct gs_run: provenance and rule metadata.
 * gs_store_meta_from_config fills it from the scan config (rule pack,
 * profile); tests and other callers may fill it by hand. Rule, cue and
 * field indexes in the run's hits index these arrays.
 */
struct gs_store_rule {
	const char *id;
	const char *category;
	int weight;
	int is_language;
	int disabled;
};

struct gs_store_override {
	const char *rule_id;
	const char *reason;
	const char *what;
};

/* Records assessed per month of logging (YYYY-MM) and district ("" when
 * the record has none). Optional: without it the run's own run->months
 * (per month, no district) are stored; without either, `records` per month
 * is unknown. */
struct gs_store_month {
	char month[8];
	const char *district;
	unsigned long records;
};

struct gs_store_meta {
	const char *tool_version;
	const char *profile_name, *profile_path, *profile_sha256;
	const char *marking; /* the profile's security marking */
	int threshold;
	const char *rules_dir, *rules_version, *rules_hash;
	const struct gs_store_rule *rules;
	size_t nrules;
	const char *const *cues; /* cue ids */
	size_t ncues;
	const char *const *fields; /* text field names (profile col_text) */
	size_t nfields;
	const struct gs_store_override *overrides;
	size_t noverrides;
	const struct gs_store_month *months; /* NULL: unknown */
	size_t nmonths;
	/* owned storage when filled by gs_store_meta_from_config */
	struct gs_store_rule *own_rules;
	const char **own_cues;
	struct gs_store_override *own_overrides;
};

/* Points meta at cfg->rules and cfg->profile (which must outlive it);
 * release with gs_store_meta_release. */
void gs_store_meta_from_config(struct gs_store_meta *meta,
			       const struct gs_scan_config *cfg);
void gs_store_meta_release(struct gs_store_meta *meta);

/* Writing a run while it is scanned, in one transaction: gs_store_begin
 * takes the write lock and picks the run id; gs_store_add_flagged writes a
 * flagged record's assessment, rules and hits (call it in scan order, as
 * records are merged); gs_store_finish writes the manifest, inputs,
 * entities (which --links may extend after the scan), lists, chains and
 * months, and commits. On any error the transaction is rolled back
 * (gs_store_abort, also done by gs_store_free): nothing of the run is
 * kept. The database is the same as gs_store_write's. */
int gs_store_begin(struct gs_store *s, struct gs_error *err);
int gs_store_add_flagged(struct gs_store *s, const struct gs_flagged *f,
			 const struct gs_store_meta *meta,
			 struct gs_error *err);
int gs_store_finish(struct gs_store *s, const struct gs_run *run,
		    const struct gs_store_meta *meta, long long *run_id,
		    struct gs_error *err);
void gs_store_abort(struct gs_store *s);

/* Writes run in one transaction; *run_id (may be NULL) gets its id. For
 * runs built by hand (tests): a run from gs_scan_run no longer holds its
 * flagged records' details (gs_scan.h), so store it while it is scanned,
 * with gs_store_begin / add_flagged / finish. */
int gs_store_write(struct gs_store *s, const struct gs_run *run,
		   const struct gs_store_meta *meta, long long *run_id,
		   struct gs_error *err);


/* The first (lowest id) run whose intel and actions SHA-256s equal run's,
 * or 0. Call it before gs_store_write to learn whether these inputs were
 * scanned already. */
long long gs_store_find_same_inputs(struct gs_store *s,
				    const struct gs_run *run);

/* ---- reading ---- */

/* One manifest row. Strings owned by the row array. */
struct gs_store_run_row {
	long long id;
	char *tool_version;
	char *started_at, *finished_at; /* "YYYY-MM-DDTHH:MM:SSZ" */
	double seconds;
	char *as_of; /* YYYY-MM-DD */
	int sla_days, threshold;
	char *profile_name, *profile_path, *profile_sha256;
	char *rules_dir, *rules_version, *rules_hash;
	char *intel_path, *intel_name, *intel_sha256;
	char *actions_path, *actions_name, *actions_sha256;
	unsigned long records_read, rejected, assessed, flagged;
	unsigned long actioned, late, open, gap, indeterminate;
	unsigned long suppressed_only, language;
	unsigned long actions_read, actions_rejected, actions_unknown_intel,
		actions_before_log;
	unsigned long long intel_bytes;
	char *marking; /* NULL for runs stored before schema 4 */
};

/* All runs, newest first. *rows is malloc'd: free with gs_store_runs_free. */
int gs_store_runs(struct gs_store *s, struct gs_store_run_row **rows,
		  size_t *n, struct gs_error *err);
/* One run; GS_ERR_USAGE "no run N in ..." when absent. Free the row with
 * gs_store_runs_free(row, 1). */
int gs_store_run_get(struct gs_store *s, long long id,
		     struct gs_store_run_row **row, struct gs_error *err);
void gs_store_runs_free(struct gs_store_run_row *rows, size_t n);

/* Newest run id (0 when none); the one before id (0 when none). */
long long gs_store_latest_run(struct gs_store *s);
long long gs_store_previous_run(struct gs_store *s, long long id);

/* One flagged record's assessment; valid during the callback only. */
struct gs_store_assessment {
	const char *record_id;
	long line;
	const char *logged_date; /* YYYY-MM-DD */
	const char *district, *unit, *grading, *priority, *subjects; /* or "" */
	int sla, score;
	const char *status; /* gs_status_name */
	long days;
	const char *first_action_id, *first_action_type; /* or "" */
	const char *first_action_date;                   /* or "" */
	const char *rules; /* rule ids, ';'-separated */
	const char *excerpt; /* around the first active hit, or "" */
	size_t mark_start, mark_end; /* the hit within excerpt */
};
typedef int (*gs_store_assessment_cb)(const struct gs_store_assessment *a,
				      void *ctx);
/* Calls cb per assessment of run (by record id); a non-zero return stops
 * the walk and is returned. */
int gs_store_assessments(struct gs_store *s, long long run,
			 gs_store_assessment_cb cb, void *ctx,
			 struct gs_error *err);

struct gs_store_hit {
	const char *record_id, *rule_id, *field;
	long start, end;
	const char *state; /* active | suppressed | excluded */
	const char *cue;   /* or "" */
};
typedef int (*gs_store_hit_cb)(const struct gs_store_hit *h, void *ctx);
/* Hits of run (record_id NULL: every record), by record, field, start. */
int gs_store_hits(struct gs_store *s, long long run, const char *record_id,
		  gs_store_hit_cb cb, void *ctx, struct gs_error *err);

/* Summary rows: per month, district and/or category. */
enum gs_store_key {
	GS_STORE_BY_MONTH = 1,
	GS_STORE_BY_DISTRICT = 2,
	GS_STORE_BY_CATEGORY = 4
};
struct gs_store_count {
	char month[8];   /* "" unless by month */
	char *group;     /* district or category; NULL unless grouped */
	long records;    /* assessed records; -1 when unknown */
	unsigned long flagged, actioned, late, open, gap, indeterminate;
	/* days to first action over actioned+late; -1 when none. Median:
	 * mean of the two middle values for an even count; p90: nearest
	 * rank ceil(0.9 n). */
	double median_days, p90_days;
};
/* keys: a mask of gs_store_key (DISTRICT and CATEGORY are exclusive).
 * Rows sorted by month, then group. Free with gs_store_counts_free. */
int gs_store_counts(struct gs_store *s, long long run, unsigned keys,
		    struct gs_store_count **rows, size_t *n,
		    struct gs_error *err);
void gs_store_counts_free(struct gs_store_count *rows, size_t n);

/* Run-over-run differences. */
enum gs_diff_kind {
	GS_DIFF_NEW,        /* gap in B, not a gap in A */
	GS_DIFF_STILL_OPEN, /* gap in both */
	GS_DIFF_RESOLVED,   /* gap in A, actioned or late in B */
	GS_DIFF_GONE,       /* gap in A, not flagged in B, same rules */
	GS_DIFF_RULES,      /* flagged/score changed and the rule pack did */
	GS_DIFF_NKINDS
};
const char *gs_diff_kind_name(enum gs_diff_kind k); /* "new", ... */

struct gs_store_diff_row {
	enum gs_diff_kind kind;
	char *record_id;
	char *district;    /* from B, else A */
	char *logged_date;
	char *status_a, *status_b; /* "" when not flagged in that run */
	long days_a, days_b;       /* -1 when not flagged */
	int score_a, score_b;      /* 0 when not flagged */
	char *first_action_id, *first_action_type; /* B's, or "" */
};
/* Rows sorted by kind, then days in B (descending), then record id.
 * Free with gs_store_diff_free. */
int gs_store_diff(struct gs_store *s, long long run_a, long long run_b,
		  struct gs_store_diff_row **rows, size_t *n,
		  struct gs_error *err);
void gs_store_diff_free(struct gs_store_diff_row *rows, size_t n);

/* One member of a repeat-intelligence chain (docs/schema.md, "chains");
 * valid during the callback only. Chain-level figures repeat on every
 * member row. grading and logged_date come from the member's assessment
 * ("" when it has none). */
struct gs_store_chain_row {
	long long chain_id; /* rank in the run, from 1 */
	const char *key_type, *key_value;
	const char *record_id;
	long logged_day;
	const char *logged_date; /* YYYY-MM-DD */
	const char *status;
	const char *grading;
	unsigned long nmembers, nsubjects, ngaps;
	long span_days;
	int cross_referenced;
};
typedef int (*gs_store_chain_cb)(const struct gs_store_chain_row *c,
				 void *ctx);
/* Calls cb per chain member of run, by chain_id, then logged day, then
 * record id; a non-zero return stops the walk and is returned. */
int gs_store_chains(struct gs_store *s, long long run, gs_store_chain_cb cb,
		    void *ctx, struct gs_error *err);

/* One record in an isolated pair; valid during the callback only. */
struct gs_store_isolated_row {
	const char *record_id;
	const char *logged_date, *status, *grading; /* "" when unknown */
};
typedef int (*gs_store_isolated_cb)(const struct gs_store_isolated_row *i,
				    void *ctx);
/* Calls cb per isolated record of run, by record id. */
int gs_store_isolated(struct gs_store *s, long long run,
		      gs_store_isolated_cb cb, void *ctx,
		      struct gs_error *err);

/* runs.chains and runs.isolated_pairs of run (0 when not recorded, as in a
 * run stored before schema 2). */
int gs_store_chain_counts(struct gs_store *s, long long run,
			  unsigned long *chains, unsigned long *pairs,
			  struct gs_error *err);

/* Runs sql (one or more statements) and calls cb per result row with the
 * columns as text (NULL for SQL NULL). For tests, reports and ad-hoc
 * checks such as "PRAGMA integrity_check". */
typedef int (*gs_store_row_cb)(int ncols, const char *const *vals,
			       void *ctx);
int gs_store_sql(struct gs_store *s, const char *sql, gs_store_row_cb cb,
		 void *ctx, struct gs_error *err);

/* Creates a new database at path holding the schema of an older version
 * (0: empty), runs sql on it (may be NULL) and does not migrate: for
 * migration tests. */
int gs_store_create_version(const char *path, int version, const char *sql,
			    struct gs_error *err);

#endif
