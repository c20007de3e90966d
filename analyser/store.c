/*
 * store.c - the run history in SQLite (docs/schema.md).
 *
 * The schema is the list of migrations below: a new database runs all of
 * them, an older one the missing ones, in one transaction. A run is written
 * in one BEGIN IMMEDIATE transaction with prepared statements that live as
 * long as the handle, so a killed process leaves no partial run.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "gs_cli.h"
#include "gs_date.h"
#include "gs_store.h"
#include "gs_util.h"

/* Statements of a run write, prepared once per handle. */
enum ins {
	INS_RUN,
	INS_INPUT,
	INS_ASSESS,
	INS_ARULE,
	INS_HIT,
	INS_REJECT,
	INS_RULE_ERROR,
	INS_DQ,
	INS_OVERRIDE,
	INS_RUN_RULE,
	INS_MONTH,
	INS_ENTITY,
	INS_LANGUAGE,
	INS_CHAIN,
	INS_ISOLATED,
	INS_COUNT
};

static const char *const ins_sql[INS_COUNT] = {
	[INS_RUN] = "INSERT INTO runs (id, tool_version, started_at, finished_at,"
		    " seconds, as_of, as_of_day, sla_days, threshold,"
		    " profile_name, profile_path, profile_sha256, rules_dir,"
		    " rules_version, rules_hash, records_read, rejected,"
		    " assessed, flagged, actioned, late, open, gap,"
		    " indeterminate, suppressed_only, language, actions_read,"
		    " actions_rejected, actions_unknown_intel,"
		    " actions_before_log, intel_bytes, marking) VALUES (?,?,?,?,?,"
		    "?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[INS_INPUT] = "INSERT INTO inputs (run_id, role, path, name, size,"
		      " sha256) VALUES (?,?,?,?,?,?)",
	[INS_ASSESS] = "INSERT INTO assessments (run_id, record_id, line,"
		       " logged_day, logged_date, logged_month, district, unit,"
		       " grading, priority, subjects, sla, score, status, days,"
		       " first_action_id, first_action_type, first_action_day,"
		       " first_action_date, rules, excerpt, mark_start,"
		       " mark_end) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
		       "?,?,?,?,?)",
	[INS_ARULE] = "INSERT INTO assessment_rules (run_id, record_id,"
		      " rule_id) VALUES (?,?,?)",
	[INS_HIT] = "INSERT INTO hits (run_id, record_id, rule_id, field,"
		    " field_index, start_byte, end_byte, state, cue_id)"
		    " VALUES (?,?,?,?,?,?,?,?,?)",
	[INS_REJECT] = "INSERT INTO rejects (run_id, file, line, reason)"
		       " VALUES (?,?,?,?)",
	[INS_RULE_ERROR] = "INSERT INTO rule_errors (run_id, record_id, line,"
			   " rule_id, pcre2_code) VALUES (?,?,?,?,?)",
	[INS_DQ] = "INSERT INTO dq_findings (run_id, kind, action_id,"
		   " intel_id, line) VALUES (?,?,?,?,?)",
	[INS_OVERRIDE] = "INSERT INTO overrides (run_id, rule_id, reason,"
			 " what) VALUES (?,?,?,?)",
	[INS_RUN_RULE] = "INSERT INTO run_rules (run_id, rule_index, rule_id,"
			 " category, weight, is_language, disabled)"
			 " VALUES (?,?,?,?,?,?,?)",
	[INS_MONTH] = "INSERT INTO run_months (run_id, month, district,"
		      " records) VALUES (?,?,?,?)",
	[INS_ENTITY] = "INSERT INTO entities (run_id, record_id, kind, value)"
		       " VALUES (?,?,?,?)",
	[INS_LANGUAGE] = "INSERT INTO language_findings (run_id, record_id,"
			 " unit, district, logged_day, logged_date, rule_id)"
			 " VALUES (?,?,?,?,?,?,?)",
	[INS_CHAIN] = "INSERT INTO chains (run_id, chain_id, key_type,"
		      " key_value, record_id, logged_day, status, nmembers,"
		      " nsubjects, ngaps, span_days, cross_referenced)"
		      " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
	[INS_ISOLATED] = "INSERT INTO isolated_records (run_id, record_id)"
			 " VALUES (?,?)",
};

struct gs_store {
	sqlite3 *db;
	char *path;
	int version;
	int reader; /* opened by a command that only reads */
	sqlite3_stmt *ins[INS_COUNT];
	/* a run being written (gs_store_begin .. finish or abort) */
	int writing;
	long long run_id;
	struct gs_buf rules; /* scratch for the assessments.rules column */
};

/* Migration i takes a database from version i to i + 1. */
static const char *const migrations[GS_STORE_SCHEMA_VERSION] = {
	/* 0 -> 1: the run manifest and everything a run produces */
	"CREATE TABLE runs ("
	" id INTEGER PRIMARY KEY,"
	" tool_version TEXT NOT NULL,"
	" started_at TEXT, finished_at TEXT, seconds REAL,"
	" as_of TEXT NOT NULL, as_of_day INTEGER NOT NULL,"
	" sla_days INTEGER, threshold INTEGER,"
	" profile_name TEXT, profile_path TEXT, profile_sha256 TEXT,"
	" rules_dir TEXT, rules_version TEXT, rules_hash TEXT,"
	" records_read INTEGER, rejected INTEGER, assessed INTEGER,"
	" flagged INTEGER, actioned INTEGER, late INTEGER, open INTEGER,"
	" gap INTEGER, indeterminate INTEGER, suppressed_only INTEGER,"
	" language INTEGER, actions_read INTEGER, actions_rejected INTEGER,"
	" actions_unknown_intel INTEGER, actions_before_log INTEGER,"
	" intel_bytes INTEGER);"
	"CREATE TABLE inputs ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" role TEXT NOT NULL, path TEXT, name TEXT, size INTEGER,"
	" sha256 TEXT, PRIMARY KEY (run_id, role));"
	"CREATE TABLE assessments ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" record_id TEXT NOT NULL, line INTEGER,"
	" logged_day INTEGER, logged_date TEXT, logged_month TEXT,"
	" district TEXT, unit TEXT, grading TEXT, priority TEXT,"
	" subjects TEXT, sla INTEGER, score INTEGER, status TEXT NOT NULL,"
	" days INTEGER, first_action_id TEXT, first_action_type TEXT,"
	" first_action_day INTEGER, first_action_date TEXT, rules TEXT);"
	"CREATE INDEX assessments_record ON assessments (run_id, record_id);"
	"CREATE TABLE assessment_rules ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" record_id TEXT NOT NULL, rule_id TEXT NOT NULL);"
	"CREATE INDEX assessment_rules_record"
	" ON assessment_rules (run_id, record_id);"
	"CREATE TABLE hits ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" record_id TEXT NOT NULL, rule_id TEXT NOT NULL, field TEXT,"
	" field_index INTEGER, start_byte INTEGER, end_byte INTEGER,"
	" state TEXT NOT NULL, cue_id TEXT);"
	"CREATE INDEX hits_record ON hits (run_id, record_id);"
	"CREATE TABLE rejects ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" file TEXT, line INTEGER, reason TEXT);"
	"CREATE INDEX rejects_run ON rejects (run_id);"
	"CREATE TABLE rule_errors ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" record_id TEXT, line INTEGER, rule_id TEXT, pcre2_code INTEGER);"
	"CREATE INDEX rule_errors_run ON rule_errors (run_id);"
	"CREATE TABLE dq_findings ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" kind TEXT NOT NULL, action_id TEXT, intel_id TEXT, line INTEGER);"
	"CREATE INDEX dq_findings_run ON dq_findings (run_id);"
	"CREATE TABLE overrides ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" rule_id TEXT NOT NULL, reason TEXT, what TEXT);"
	"CREATE TABLE run_rules ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" rule_index INTEGER NOT NULL, rule_id TEXT NOT NULL,"
	" category TEXT, weight INTEGER, is_language INTEGER,"
	" disabled INTEGER, PRIMARY KEY (run_id, rule_id));",
	/* 1 -> 2: records per month for trends, excerpts, entities and
	 * language findings; chains reserved for repeat intelligence */
	"ALTER TABLE assessments ADD COLUMN excerpt TEXT;"
	"ALTER TABLE assessments ADD COLUMN mark_start INTEGER;"
	"ALTER TABLE assessments ADD COLUMN mark_end INTEGER;"
	"CREATE TABLE entities ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" record_id TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL);"
	"CREATE INDEX entities_run ON entities (run_id, kind, value);"
	"CREATE TABLE language_findings ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" record_id TEXT NOT NULL, unit TEXT, district TEXT,"
	" logged_day INTEGER, logged_date TEXT, rule_id TEXT NOT NULL);"
	"CREATE INDEX language_findings_run ON language_findings (run_id);"
	"CREATE TABLE run_months ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" month TEXT NOT NULL, district TEXT NOT NULL DEFAULT '',"
	" records INTEGER NOT NULL, PRIMARY KEY (run_id, month, district));"
	"CREATE TABLE chains ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" chain_id INTEGER NOT NULL, key_type TEXT NOT NULL,"
	" key_value TEXT NOT NULL, record_id TEXT NOT NULL,"
	" logged_day INTEGER, status TEXT,"
	" nmembers INTEGER, nsubjects INTEGER, ngaps INTEGER,"
	" span_days INTEGER, cross_referenced INTEGER,"
	" PRIMARY KEY (run_id, chain_id, record_id));"
	"CREATE TABLE isolated_records ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" record_id TEXT NOT NULL, PRIMARY KEY (run_id, record_id));"
	"ALTER TABLE runs ADD COLUMN chains INTEGER;"
	"ALTER TABLE runs ADD COLUMN isolated_pairs INTEGER;",
	/* 2 -> 3: the 1 -> 2 step above was extended twice (fb25e8d,
	 * 542ce2b) after databases had been written with it, so a version-2
	 * database may lack any of its tables or of late_columns below.
	 * This step adds what is missing; on a complete one it does nothing.
	 * Never edit a migration again: add one. */
	"CREATE TABLE IF NOT EXISTS entities ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" record_id TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS entities_run"
	" ON entities (run_id, kind, value);"
	"CREATE TABLE IF NOT EXISTS language_findings ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" record_id TEXT NOT NULL, unit TEXT, district TEXT,"
	" logged_day INTEGER, logged_date TEXT, rule_id TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS language_findings_run"
	" ON language_findings (run_id);"
	"CREATE TABLE IF NOT EXISTS isolated_records ("
	" run_id INTEGER NOT NULL REFERENCES runs(id),"
	" record_id TEXT NOT NULL, PRIMARY KEY (run_id, record_id));",
	/* 3 -> 4: the security marking of the profile a run used, so its
	 * reports carry it without --profile */
	"ALTER TABLE runs ADD COLUMN marking TEXT;",
};

/* Columns the 1 -> 2 step gained after it first shipped, in the order it
 * adds them; migration 2 -> 3 adds each one a database lacks. */
static const struct {
	const char *table, *column, *type;
} late_columns[] = {
	{"assessments", "excerpt", "TEXT"},
	{"assessments", "mark_start", "INTEGER"},
	{"assessments", "mark_end", "INTEGER"},
	{"chains", "nmembers", "INTEGER"},
	{"chains", "nsubjects", "INTEGER"},
	{"chains", "ngaps", "INTEGER"},
	{"chains", "span_days", "INTEGER"},
	{"chains", "cross_referenced", "INTEGER"},
	{"runs", "chains", "INTEGER"},
	{"runs", "isolated_pairs", "INTEGER"},
};

static int db_fail(struct gs_store *s, struct gs_error *err, const char *what)
{
	return gs_error_set(err, GS_ERR_IO, s->path, 0, 0, "%s: %s", what,
			    sqlite3_errmsg(s->db));
}

static int exec(struct gs_store *s, const char *sql, struct gs_error *err)
{
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);

	if (rc == SQLITE_OK)
		return 0;
	gs_error_set(err, GS_ERR_IO, s->path, 0, 0, "%s",
		     msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return GS_ERR_IO;
}

/* Reads PRAGMA user_version; SQLITE_NOTADB and friends surface here. */
static int read_version(struct gs_store *s, int *version,
			struct gs_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
				    NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_NOTADB)
		return gs_error_set(err, GS_ERR_IO, s->path, 0, 0,
				    "not a SQLite database");
	return db_fail(s, err, "cannot read the schema version");
}

static int count_tables(struct gs_store *s, int *n, struct gs_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
		s->db, "SELECT count(*) FROM sqlite_master WHERE type='table'",
		-1, &st, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(s, err, "cannot list tables");
	}
	*n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int has_column(struct gs_store *s, const char *table,
		      const char *column, int *has, struct gs_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT count(*) FROM pragma_table_info(?1)"
				    " WHERE name = ?2",
				    -1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(s, err, "cannot read the schema");
	}
	*has = sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	return 0;
}

/* The column half of migration 2 -> 3 (SQLite has no ADD COLUMN IF NOT
 * EXISTS). */
static int add_late_columns(struct gs_store *s, struct gs_error *err)
{
	char sql[160];
	int has = 0;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof late_columns /
						  sizeof late_columns[0];
	     i++) {
		rc = has_column(s, late_columns[i].table,
				late_columns[i].column, &has, err);
		if (rc < 0 || has)
			continue;
		snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s %s",
			 late_columns[i].table, late_columns[i].column,
			 late_columns[i].type);
		rc = exec(s, sql, err);
	}
	return rc;
}

/* Applies migrations from..to-1 and sets user_version, inside the caller's
 * transaction. */
static int apply_migrations(struct gs_store *s, int from, int to,
			    struct gs_error *err)
{
	char pragma[64];
	int rc;

	for (int v = from; v < to; v++) {
		rc = exec(s, migrations[v], err);
		if (rc == 0 && v == 2)
			rc = add_late_columns(s, err);
		if (rc < 0)
			return rc;
	}
	snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", to);
	return exec(s, pragma, err);
}

/* Whether the last statement failed for want of write access: a
 * read-only file or mount, a journal the directory cannot hold, or a lock
 * another process keeps. */
static int cannot_write(struct gs_store *s)
{
	int e = sqlite3_errcode(s->db);

	return e == SQLITE_READONLY || e == SQLITE_CANTOPEN ||
	       e == SQLITE_BUSY || e == SQLITE_IOERR;
}

static int migrate(struct gs_store *s, struct gs_error *err)
{
	int version = 0, now = 0;
	int ntables = 0;
	int as_is;
	int rc;

	rc = read_version(s, &version, err);
	if (rc < 0)
		return rc;
	if (version > GS_STORE_SCHEMA_VERSION)
		return gs_error_set(err, GS_ERR_IO, NULL, 0, 0,
				    "database \"%s\" has schema version %d, "
				    "newer than this gapscan supports (%d); "
				    "upgrade gapscan",
				    s->path, version, GS_STORE_SCHEMA_VERSION);
	if (version == GS_STORE_SCHEMA_VERSION) {
		s->version = version;
		return 0;
	}
	if (version == 0 && (rc = count_tables(s, &ntables, err)) < 0)
		return rc;
	if (version == 0 && ntables > 0)
		return gs_error_set(err, GS_ERR_IO, s->path, 0, 0,
				    "not a gapscan database (it has tables "
				    "but no gapscan schema version)");
	/* a reader without write access to a database one step behind
	 * (version 3 lacks only runs.marking, which readers do without)
	 * reads it as it is: the next scan migrates it */
	as_is = s->reader && version >= 3;
	if (sqlite3_db_readonly(s->db, "main") == 1 && !as_is)
		return gs_error_set(err, GS_ERR_IO, s->path, 0, 0,
				    "database has schema version %d and must "
				    "be migrated to %d, but it cannot be "
				    "written (read-only file or mount)",
				    version, GS_STORE_SCHEMA_VERSION);
	rc = exec(s, "BEGIN IMMEDIATE", err);
	/* another process may have migrated it meanwhile */
	if (rc == 0)
		rc = read_version(s, &now, err);
	if (rc == 0 && now < GS_STORE_SCHEMA_VERSION)
		rc = apply_migrations(s, now, GS_STORE_SCHEMA_VERSION, err);
	if (rc == 0)
		rc = exec(s, "COMMIT", err);
	if (rc < 0) {
		/* read-only file, no room for a journal, a lock held */
		int readonly = cannot_write(s);

		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		if (!(readonly && as_is))
			return rc;
		gs_error_clear(err);
		s->version = version;
		return 0;
	}
	s->version = GS_STORE_SCHEMA_VERSION;
	return 0;
}

const char *gs_store_default_path(void)
{
	const char *env = getenv(GS_STORE_ENV);

	if (env && *env)
		return env;
	return GS_STORE_DEFAULT;
}

/* Opens the SQLite handle; the file is created 0600 first when asked. */
static int open_db(struct gs_store *s, const char *path, int create,
		   struct gs_error *err)
{
	int fd;
	int rc;

	if (create) {
		int existed = access(path, F_OK) == 0;

		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return gs_error_set(err, GS_ERR_IO, path, 0, 0,
					    "cannot %s database: %s",
					    existed ? "write" : "create",
					    strerror(errno));
		close(fd);
	} else if (access(path, F_OK) != 0) {
		return gs_error_set(err, GS_ERR_IO, path, 0, 0,
				    "cannot open database: %s",
				    strerror(errno));
	}
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		gs_error_set(err, GS_ERR_IO, path, 0, 0,
			     "cannot open database: %s",
			     s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		return GS_ERR_IO;
	}
	sqlite3_busy_timeout(s->db, 5000);
	return 0;
}

int gs_store_open(struct gs_store **out, const char *path, int create,
		  struct gs_error *err)
{
	struct gs_store *s = xcalloc(1, sizeof *s);
	int rc;

	s->path = xstrdup(path);
	s->reader = !create;
	gs_buf_init(&s->rules, 0);
	rc = open_db(s, path, create, err);
	if (rc < 0)
		goto out;
	rc = exec(s, "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-8192", err);
	if (rc < 0) {
		/* the first statement on a file that is not a database */
		if (sqlite3_errcode(s->db) == SQLITE_NOTADB)
			rc = gs_error_set(err, GS_ERR_IO, path, 0, 0,
					  "not a SQLite database");
		goto out;
	}
	rc = migrate(s, err);
out:
	if (rc < 0) {
		gs_store_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void gs_store_free(struct gs_store *s)
{
	if (!s)
		return;
	gs_store_abort(s); /* a run left unfinished is rolled back */
	for (int i = 0; i < INS_COUNT; i++)
		sqlite3_finalize(s->ins[i]);
	sqlite3_close(s->db);
	gs_buf_release(&s->rules);
	free(s->path);
	free(s);
}

int gs_store_schema_version(struct gs_store *s)
{
	return s->version;
}

int gs_store_create_version(const char *path, int version, const char *sql,
			    struct gs_error *err)
{
	struct gs_store s = {0};
	int rc;

	if (version < 0 || version > GS_STORE_SCHEMA_VERSION)
		return gs_error_set(err, GS_ERR_USAGE, NULL, 0, 0,
				    "no schema version %d", version);
	s.path = (char *)path;
	rc = open_db(&s, path, 1, err);
	if (rc == 0 && version > 0)
		rc = apply_migrations(&s, 0, version, err);
	if (rc == 0 && sql)
		rc = exec(&s, sql, err);
	sqlite3_close(s.db);
	return rc;
}

/* ---- metadata ---- */

void gs_store_meta_from_config(struct gs_store_meta *meta,
			       const struct gs_scan_config *cfg)
{
	const struct gs_rules *r = cfg->rules;
	const struct gs_profile *p = cfg->profile;
	size_t n;

	memset(meta, 0, sizeof *meta);
	meta->tool_version = GS_VERSION;
	if (p) {
		meta->profile_name = p->name;
		meta->profile_path = p->path;
		meta->profile_sha256 = p->sha256;
		meta->marking = p->marking;
		meta->threshold = p->threshold;
		meta->fields = (const char *const *)p->col_text;
		meta->nfields = p->ntext;
	}
	if (!r)
		return;
	meta->rules_dir = gs_rules_dir(r);
	meta->rules_version = gs_rules_version(r);
	meta->rules_hash = gs_rules_hash(r);
	n = gs_rules_count(r);
	meta->own_rules = xcalloc(n ? n : 1, sizeof *meta->own_rules);
	for (size_t i = 0; i < n; i++) {
		const struct gs_rule_info *ri = gs_rules_get(r, i);

		meta->own_rules[i].id = ri->id;
		meta->own_rules[i].category = ri->category;
		meta->own_rules[i].weight = ri->weight;
		meta->own_rules[i].is_language = ri->is_language;
		meta->own_rules[i].disabled = ri->disabled;
	}
	meta->rules = meta->own_rules;
	meta->nrules = n;
	n = gs_rules_ncues(r);
	meta->own_cues = xcalloc(n ? n : 1, sizeof *meta->own_cues);
	for (size_t i = 0; i < n; i++)
		meta->own_cues[i] = gs_rules_cue(r, i)->id;
	meta->cues = meta->own_cues;
	meta->ncues = n;
	n = gs_rules_noverrides(r);
	meta->own_overrides = xcalloc(n ? n : 1, sizeof *meta->own_overrides);
	for (size_t i = 0; i < n; i++) {
		const struct gs_override_info *o = gs_rules_override(r, i);

		meta->own_overrides[i].rule_id = o->rule_id;
		meta->own_overrides[i].reason = o->reason;
		meta->own_overrides[i].what = o->what;
	}
	meta->overrides = meta->own_overrides;
	meta->noverrides = n;
}

void gs_store_meta_release(struct gs_store_meta *meta)
{
	if (!meta)
		return;
	free(meta->own_rules);
	free(meta->own_cues);
	free(meta->own_overrides);
	memset(meta, 0, sizeof *meta);
}

/* ---- writing ---- */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_int(sqlite3_stmt *st, int i, long long v)
{
	sqlite3_bind_int64(st, i, v);
}

/* Steps an insert and resets it for the next row. */
static int step_insert(struct gs_store *s, sqlite3_stmt *st,
		       struct gs_error *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, err, "cannot write run");
	return 0;
}

static void format_time(double epoch, char out[32])
{
	time_t t = (time_t)epoch;
	struct tm tm;

	if (epoch <= 0 || !gmtime_r(&t, &tm)) {
		out[0] = '\0';
		return;
	}
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *base_name(const char *path)
{
	const char *slash;

	if (!path)
		return NULL;
	slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static const char *rule_id(const struct gs_store_meta *m, unsigned i)
{
	return i < m->nrules ? m->rules[i].id : "?";
}

static const char *state_name(int state)
{
	switch (state) {
	case GS_HIT_SUPPRESSED:
		return "suppressed";
	case GS_HIT_EXCLUDED:
		return "excluded";
	default:
		return "active";
	}
}

static int prepare_inserts(struct gs_store *s, struct gs_error *err)
{
	for (int i = 0; i < INS_COUNT; i++) {
		if (s->ins[i])
			continue;
		if (sqlite3_prepare_v3(s->db, ins_sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &s->ins[i],
				       NULL) != SQLITE_OK)
			return db_fail(s, err, "cannot prepare insert");
	}
	return 0;
}

static int write_manifest(struct gs_store *s, const struct gs_run *run,
			  const struct gs_store_meta *m, long long id,
			  struct gs_error *err)
{
	sqlite3_stmt *st = s->ins[INS_RUN];
	const struct gs_scan_counts *c = &run->counts;
	char started[32], finished[32], as_of[11];
	int i = 1;

	format_time(run->started, started);
	format_time(run->finished, finished);
	gs_date_format(run->as_of, as_of);
	bind_int(st, i++, id);
	bind_text(st, i++, m->tool_version ? m->tool_version : GS_VERSION);
	bind_text(st, i++, started[0] ? started : NULL);
	bind_text(st, i++, finished[0] ? finished : NULL);
	sqlite3_bind_double(st, i++, run->seconds);
	bind_text(st, i++, as_of);
	bind_int(st, i++, run->as_of);
	bind_int(st, i++, run->sla_days);
	bind_int(st, i++, m->threshold);
	bind_text(st, i++, m->profile_name);
	bind_text(st, i++, m->profile_path);
	bind_text(st, i++, m->profile_sha256);
	bind_text(st, i++, m->rules_dir);
	bind_text(st, i++, m->rules_version);
	bind_text(st, i++, m->rules_hash);
	bind_int(st, i++, (long long)c->records_read);
	bind_int(st, i++, (long long)c->rejected);
	bind_int(st, i++, (long long)c->assessed);
	bind_int(st, i++, (long long)c->flagged);
	bind_int(st, i++, (long long)c->by_status[GS_STATUS_ACTIONED]);
	bind_int(st, i++, (long long)c->by_status[GS_STATUS_LATE]);
	bind_int(st, i++, (long long)c->by_status[GS_STATUS_OPEN]);
	bind_int(st, i++, (long long)c->by_status[GS_STATUS_GAP]);
	bind_int(st, i++, (long long)c->by_status[GS_STATUS_INDETERMINATE]);
	bind_int(st, i++, (long long)c->suppressed_only);
	bind_int(st, i++, (long long)c->language);
	bind_int(st, i++, (long long)c->actions_read);
	bind_int(st, i++, (long long)c->actions_rejected);
	bind_int(st, i++, (long long)c->actions_unknown_intel);
	bind_int(st, i++, (long long)c->actions_before_log);
	bind_int(st, i++, (long long)c->intel_bytes);
	bind_text(st, i++, m->marking && m->marking[0] ? m->marking : NULL);
	return step_insert(s, st, err);
}

static int write_input(struct gs_store *s, long long id, const char *role,
		       const struct gs_input_info *in, struct gs_error *err)
{
	sqlite3_stmt *st = s->ins[INS_INPUT];

	if (!in->path && !in->sha256[0])
		return 0;
	bind_int(st, 1, id);
	bind_text(st, 2, role);
	bind_text(st, 3, in->path);
	bind_text(st, 4, base_name(in->path));
	bind_int(st, 5, (long long)in->size);
	bind_text(st, 6, in->sha256);
	return step_insert(s, st, err);
}

/* "kind:value" entities; one without a kind is stored with kind "". */
static int write_entity(struct gs_store *s, long long id, const char *record,
			const char *entity, struct gs_error *err)
{
	sqlite3_stmt *st = s->ins[INS_ENTITY];
	const char *colon = strchr(entity, ':');

	bind_int(st, 1, id);
	bind_text(st, 2, record);
	if (colon) {
		sqlite3_bind_text(st, 3, entity, (int)(colon - entity),
				  SQLITE_STATIC);
		bind_text(st, 4, colon + 1);
	} else {
		bind_text(st, 3, "");
		bind_text(st, 4, entity);
	}
	return step_insert(s, st, err);
}

static int write_flagged(struct gs_store *s, long long id,
			 const struct gs_flagged *f,
			 const struct gs_store_meta *m, struct gs_buf *rules,
			 struct gs_error *err)
{
	sqlite3_stmt *st = s->ins[INS_ASSESS];
	char logged[11], month[8], action[11];
	int rc;

	gs_date_format(f->logged_day, logged);
	memcpy(month, logged, 7);
	month[7] = '\0';
	gs_buf_reset(rules);
	for (size_t i = 0; i < f->nrules; i++) {
		if (i)
			gs_buf_putc(rules, ';');
		gs_buf_printf(rules, "%s", rule_id(m, f->rules[i]));
	}
	bind_int(st, 1, id);
	bind_text(st, 2, f->id);
	bind_int(st, 3, f->line);
	bind_int(st, 4, f->logged_day);
	bind_text(st, 5, logged);
	bind_text(st, 6, month);
	bind_text(st, 7, f->district);
	bind_text(st, 8, f->unit);
	bind_text(st, 9, f->grading);
	bind_text(st, 10, f->priority);
	bind_text(st, 11, f->subjects);
	bind_int(st, 12, f->sla);
	bind_int(st, 13, f->score);
	bind_text(st, 14, gs_status_name(f->status));
	bind_int(st, 15, f->days);
	bind_text(st, 16, f->first_action_id);
	bind_text(st, 17, f->first_action_type);
	if (f->first_action_day >= 0) {
		gs_date_format(f->first_action_day, action);
		bind_int(st, 18, f->first_action_day);
		bind_text(st, 19, action);
	}
	bind_text(st, 20, rules->data ? rules->data : "");
	if (f->excerpt) {
		bind_text(st, 21, f->excerpt);
		bind_int(st, 22, (long long)f->mark_start);
		bind_int(st, 23, (long long)f->mark_end);
	}
	rc = step_insert(s, st, err);
	for (size_t i = 0; rc == 0 && i < f->nrules; i++) {
		st = s->ins[INS_ARULE];
		bind_int(st, 1, id);
		bind_text(st, 2, f->id);
		bind_text(st, 3, rule_id(m, f->rules[i]));
		rc = step_insert(s, st, err);
	}
	for (size_t i = 0; rc == 0 && i < f->nhits; i++) {
		const struct gs_scan_hit *h = &f->hits[i];

		st = s->ins[INS_HIT];
		bind_int(st, 1, id);
		bind_text(st, 2, f->id);
		bind_text(st, 3, rule_id(m, h->rule));
		bind_text(st, 4, h->field < m->nfields ? m->fields[h->field]
						       : NULL);
		bind_int(st, 5, h->field);
		bind_int(st, 6, (long long)h->start);
		bind_int(st, 7, (long long)h->end);
		bind_text(st, 8, state_name(h->state));
		if (h->cue >= 0 && (size_t)h->cue < m->ncues)
			bind_text(st, 9, m->cues[h->cue]);
		rc = step_insert(s, st, err);
	}
	return rc;
}

static int write_lists(struct gs_store *s, long long id,
		       const struct gs_run *run, const struct gs_store_meta *m,
		       struct gs_error *err)
{
	sqlite3_stmt *st;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < run->nrejects; i++) {
		st = s->ins[INS_REJECT];
		bind_int(st, 1, id);
		bind_text(st, 2, run->rejects[i].file);
		bind_int(st, 3, run->rejects[i].line);
		bind_text(st, 4, run->rejects[i].reason);
		rc = step_insert(s, st, err);
	}
	for (size_t i = 0; rc == 0 && i < run->nlimits; i++) {
		st = s->ins[INS_RULE_ERROR];
		bind_int(st, 1, id);
		bind_text(st, 2, run->limits[i].record_id);
		bind_int(st, 3, run->limits[i].line);
		bind_text(st, 4, rule_id(m, run->limits[i].rule));
		bind_int(st, 5, run->limits[i].pcre2_code);
		rc = step_insert(s, st, err);
	}
	for (size_t i = 0; rc == 0 && i < run->ndq; i++) {
		st = s->ins[INS_DQ];
		bind_int(st, 1, id);
		bind_text(st, 2, run->dq[i].kind ? run->dq[i].kind : "");
		bind_text(st, 3, run->dq[i].action_id);
		bind_text(st, 4, run->dq[i].intel_id);
		bind_int(st, 5, run->dq[i].line);
		rc = step_insert(s, st, err);
	}
	for (size_t i = 0; rc == 0 && i < m->noverrides; i++) {
		st = s->ins[INS_OVERRIDE];
		bind_int(st, 1, id);
		bind_text(st, 2, m->overrides[i].rule_id);
		bind_text(st, 3, m->overrides[i].reason);
		bind_text(st, 4, m->overrides[i].what);
		rc = step_insert(s, st, err);
	}
	for (size_t i = 0; rc == 0 && i < m->nrules; i++) {
		st = s->ins[INS_RUN_RULE];
		bind_int(st, 1, id);
		bind_int(st, 2, (long long)i);
		bind_text(st, 3, m->rules[i].id);
		bind_text(st, 4, m->rules[i].category);
		bind_int(st, 5, m->rules[i].weight);
		bind_int(st, 6, m->rules[i].is_language);
		bind_int(st, 7, m->rules[i].disabled);
		rc = step_insert(s, st, err);
	}
	for (size_t i = 0; rc == 0 && i < run->nlanguage; i++) {
		const struct gs_language_finding *l = &run->language[i];
		char logged[11];

		gs_date_format(l->logged_day, logged);
		st = s->ins[INS_LANGUAGE];
		bind_int(st, 1, id);
		bind_text(st, 2, l->record_id);
		bind_text(st, 3, l->unit);
		bind_text(st, 4, l->district);
		bind_int(st, 5, l->logged_day);
		bind_text(st, 6, logged);
		bind_text(st, 7, rule_id(m, l->rule));
		rc = step_insert(s, st, err);
	}
	/* repeat-intelligence chains, in rank order (chain_id from 1) */
	for (size_t c = 0; rc == 0 && c < run->chains.nchains; c++) {
		const struct gs_chain *ch = &run->chains.chains[c];
		const char *colon = strchr(ch->entity, ':');

		for (size_t k = 0; rc == 0 && k < ch->nmembers; k++) {
			const struct gs_flagged *f =
				&run->flagged[ch->members[k]];

			st = s->ins[INS_CHAIN];
			bind_int(st, 1, id);
			bind_int(st, 2, (long long)c + 1);
			if (colon) {
				sqlite3_bind_text(st, 3, ch->entity,
						  (int)(colon - ch->entity),
						  SQLITE_STATIC);
				bind_text(st, 4, colon + 1);
			} else {
				bind_text(st, 3, "");
				bind_text(st, 4, ch->entity);
			}
			bind_text(st, 5, f->id);
			bind_int(st, 6, f->logged_day);
			bind_text(st, 7, gs_status_name(f->status));
			bind_int(st, 8, (long long)ch->nmembers);
			bind_int(st, 9, (long long)ch->nsubjects);
			bind_int(st, 10, (long long)ch->ngaps);
			bind_int(st, 11, ch->last_day - ch->first_day);
			bind_int(st, 12, ch->cross_referenced);
			rc = step_insert(s, st, err);
		}
	}
	for (size_t i = 0; rc == 0 && i < run->chains.nisolated; i++) {
		st = s->ins[INS_ISOLATED];
		bind_int(st, 1, id);
		bind_text(st, 2, run->flagged[run->chains.isolated[i]].id);
		rc = step_insert(s, st, err);
	}
	if (rc == 0) {
		char sql[160];

		snprintf(sql, sizeof(sql),
			 "UPDATE runs SET chains = %zu, isolated_pairs = %zu "
			 "WHERE id = %lld",
			 run->chains.nchains, run->chains.isolated_pairs, id);
		rc = exec(s, sql, err);
	}
	/* months: the caller's per-district counts, else the scan's */
	for (size_t i = 0; rc == 0 && !m->months && i < run->nmonths; i++) {
		char month[16];

		snprintf(month, sizeof month, "%04d-%02d", run->months[i].year,
			 run->months[i].month);
		st = s->ins[INS_MONTH];
		bind_int(st, 1, id);
		bind_text(st, 2, month);
		bind_text(st, 3, run->months[i].district ? run->months[i].district
							 : "");
		bind_int(st, 4, (long long)run->months[i].records);
		rc = step_insert(s, st, err);
	}
	for (size_t i = 0; rc == 0 && i < m->nmonths; i++) {
		st = s->ins[INS_MONTH];
		bind_int(st, 1, id);
		bind_text(st, 2, m->months[i].month);
		bind_text(st, 3, m->months[i].district ? m->months[i].district
						       : "");
		bind_int(st, 4, (long long)m->months[i].records);
		rc = step_insert(s, st, err);
	}
	return rc;
}

/* The id the next run gets: runs are only added inside a write
 * transaction, which this connection holds. */
static int next_run_id(struct gs_store *s, long long *id,
		       struct gs_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(id), 0) + 1 FROM runs",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "cannot read the run ids");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(s, err, "cannot read the run ids");
	return 0;
}

int gs_store_begin(struct gs_store *s, struct gs_error *err)
{
	int rc;

	assert(!s->writing);
	rc = prepare_inserts(s, err);
	if (rc < 0)
		return rc;
	rc = exec(s, "BEGIN IMMEDIATE", err);
	if (rc < 0)
		return rc;
	s->writing = 1;
	rc = next_run_id(s, &s->run_id, err);
	if (rc < 0)
		gs_store_abort(s);
	return rc;
}

int gs_store_add_flagged(struct gs_store *s, const struct gs_flagged *f,
			 const struct gs_store_meta *meta,
			 struct gs_error *err)
{
	assert(s->writing);
	return write_flagged(s, s->run_id, f, meta, &s->rules, err);
}

int gs_store_finish(struct gs_store *s, const struct gs_run *run,
		    const struct gs_store_meta *meta, long long *run_id,
		    struct gs_error *err)
{
	long long id = s->run_id;
	int rc;

	assert(s->writing);
	rc = write_manifest(s, run, meta, id, err);
	if (rc == 0)
		rc = write_input(s, id, "intel", &run->intel, err);
	if (rc == 0)
		rc = write_input(s, id, "actions", &run->actions, err);
	/* entities last: --links adds some after the scan */
	for (size_t i = 0; rc == 0 && i < run->nflagged; i++) {
		const struct gs_flagged *f = &run->flagged[i];

		for (size_t k = 0; rc == 0 && k < f->nentities; k++)
			rc = write_entity(s, id, f->id, f->entities[k], err);
	}
	if (rc == 0)
		rc = write_lists(s, id, run, meta, err);
	if (rc == 0)
		rc = exec(s, "COMMIT", err);
	if (rc < 0) {
		gs_store_abort(s);
		return rc;
	}
	s->writing = 0;
	if (run_id)
		*run_id = id;
	return 0;
}

void gs_store_abort(struct gs_store *s)
{
	if (!s->writing)
		return;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->writing = 0;
}

int gs_store_write(struct gs_store *s, const struct gs_run *run,
		   const struct gs_store_meta *meta, long long *run_id,
		   struct gs_error *err)
{
	int rc = gs_store_begin(s, err);

	for (size_t i = 0; rc == 0 && i < run->nflagged; i++)
		rc = gs_store_add_flagged(s, &run->flagged[i], meta, err);
	if (rc == 0)
		return gs_store_finish(s, run, meta, run_id, err);
	gs_store_abort(s);
	return rc;
}

long long gs_store_find_same_inputs(struct gs_store *s,
				    const struct gs_run *run)
{
	static const char sql[] =
		"SELECT min(i.run_id) FROM inputs i JOIN inputs a"
		" ON a.run_id = i.run_id AND a.role = 'actions'"
		" WHERE i.role = 'intel' AND i.sha256 = ?1 AND a.sha256 = ?2";
	sqlite3_stmt *st = NULL;
	long long id = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	bind_text(st, 1, run->intel.sha256);
	bind_text(st, 2, run->actions.sha256);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

/* ---- reading ---- */

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	return xstrdup(col_text(st, i));
}

static unsigned long col_ulong(sqlite3_stmt *st, int i)
{
	long long v = sqlite3_column_int64(st, i);

	return v < 0 ? 0 : (unsigned long)v;
}

static int prepare(struct gs_store *s, const char *sql, sqlite3_stmt **st,
		   struct gs_error *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_fail(s, err, "cannot read database");
	return 0;
}

typedef int (*row_fn)(sqlite3_stmt *st, void *ctx);

/* Steps st, calling fn per row until it returns non-zero, and finalises
 * st. Returns fn's non-zero result, the error "<what>: <sqlite message>"
 * when stepping fails, or 0. */
static int each_row(struct gs_store *s, sqlite3_stmt *st, row_fn fn,
		    void *ctx, const char *what, struct gs_error *err)
{
	int rc = 0;
	int step;

	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		rc = fn(st, ctx);
		if (rc != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = db_fail(s, err, what);
	sqlite3_finalize(st);
	return rc;
}

/* Prepares sql, binds ?1 to run and reads the rows through each_row. */
static int query_rows(struct gs_store *s, const char *sql, long long run,
		      row_fn fn, void *ctx, const char *what,
		      struct gs_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(s, sql, &st, err);

	if (rc < 0)
		return rc;
	bind_int(st, 1, run);
	return each_row(s, st, fn, ctx, what, err);
}

/* A public row callback and its context, for the row_fn that fills the
 * row it is given. */
struct forward {
	union {
		gs_store_assessment_cb assessment;
		gs_store_hit_cb hit;
		gs_store_chain_cb chain;
		gs_store_isolated_cb isolated;
	} cb;
	void *ctx;
};

#define RUN_COLUMNS                                                           \
	"SELECT r.id, r.tool_version, r.started_at, r.finished_at,"           \
	" r.seconds, r.as_of, r.sla_days, r.threshold, r.profile_name,"        \
	" r.profile_path, r.profile_sha256, r.rules_dir, r.rules_version,"     \
	" r.rules_hash, i.path, i.name, i.sha256, a.path, a.name, a.sha256,"   \
	" r.records_read, r.rejected, r.assessed, r.flagged, r.actioned,"      \
	" r.late, r.open, r.gap, r.indeterminate, r.suppressed_only,"          \
	" r.language, r.actions_read, r.actions_rejected,"                    \
	" r.actions_unknown_intel, r.actions_before_log, r.intel_bytes,"       \
	" %s FROM runs r"                                                     \
	" LEFT JOIN inputs i ON i.run_id = r.id AND i.role = 'intel'"          \
	" LEFT JOIN inputs a ON a.run_id = r.id AND a.role = 'actions'"

static void read_run_row(sqlite3_stmt *st, struct gs_store_run_row *r)
{
	int i = 0;

	r->id = sqlite3_column_int64(st, i++);
	r->tool_version = col_dup(st, i++);
	r->started_at = col_dup(st, i++);
	r->finished_at = col_dup(st, i++);
	r->seconds = sqlite3_column_double(st, i++);
	r->as_of = col_dup(st, i++);
	r->sla_days = sqlite3_column_int(st, i++);
	r->threshold = sqlite3_column_int(st, i++);
	r->profile_name = col_dup(st, i++);
	r->profile_path = col_dup(st, i++);
	r->profile_sha256 = col_dup(st, i++);
	r->rules_dir = col_dup(st, i++);
	r->rules_version = col_dup(st, i++);
	r->rules_hash = col_dup(st, i++);
	r->intel_path = col_dup(st, i++);
	r->intel_name = col_dup(st, i++);
	r->intel_sha256 = col_dup(st, i++);
	r->actions_path = col_dup(st, i++);
	r->actions_name = col_dup(st, i++);
	r->actions_sha256 = col_dup(st, i++);
	r->records_read = col_ulong(st, i++);
	r->rejected = col_ulong(st, i++);
	r->assessed = col_ulong(st, i++);
	r->flagged = col_ulong(st, i++);
	r->actioned = col_ulong(st, i++);
	r->late = col_ulong(st, i++);
	r->open = col_ulong(st, i++);
	r->gap = col_ulong(st, i++);
	r->indeterminate = col_ulong(st, i++);
	r->suppressed_only = col_ulong(st, i++);
	r->language = col_ulong(st, i++);
	r->actions_read = col_ulong(st, i++);
	r->actions_rejected = col_ulong(st, i++);
	r->actions_unknown_intel = col_ulong(st, i++);
	r->actions_before_log = col_ulong(st, i++);
	r->intel_bytes = (unsigned long long)sqlite3_column_int64(st, i++);
	r->marking = col_dup(st, i++);
}

struct run_rows {
	struct gs_store_run_row *v;
	size_t len, cap;
};

static int run_row(sqlite3_stmt *st, void *ctx)
{
	struct run_rows *r = ctx;

	if (r->len == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 8;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
	}
	memset(&r->v[r->len], 0, sizeof r->v[r->len]);
	read_run_row(st, &r->v[r->len++]);
	return 0;
}

static int read_runs(struct gs_store *s, long long only,
		     struct gs_store_run_row **rows, size_t *n,
		     struct gs_error *err)
{
	sqlite3_stmt *st = NULL;
	struct run_rows r = {0};
	int rc;

	char sql[2048];

	/* a version-3 database read without migrating has no marking */
	snprintf(sql, sizeof sql,
		 only ? RUN_COLUMNS " WHERE r.id = ?1"
		      : RUN_COLUMNS " ORDER BY r.id DESC",
		 s->version >= 4 ? "r.marking" : "NULL");
	rc = prepare(s, sql, &st, err);
	if (rc < 0)
		return rc;
	if (only)
		bind_int(st, 1, only);
	rc = each_row(s, st, run_row, &r, "cannot read runs", err);
	if (rc < 0) {
		gs_store_runs_free(r.v, r.len);
		return rc;
	}
	*rows = r.v;
	*n = r.len;
	return 0;
}

int gs_store_runs(struct gs_store *s, struct gs_store_run_row **rows,
		  size_t *n, struct gs_error *err)
{
	return read_runs(s, 0, rows, n, err);
}

int gs_store_run_get(struct gs_store *s, long long id,
		     struct gs_store_run_row **row, struct gs_error *err)
{
	size_t n = 0;
	int rc = read_runs(s, id, row, &n, err);

	if (rc < 0)
		return rc;
	if (n == 0) {
		free(*row);
		*row = NULL;
		return gs_error_set(err, GS_ERR_USAGE, s->path, 0, 0,
				    "no run %lld in this database", id);
	}
	return 0;
}

void gs_store_runs_free(struct gs_store_run_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		struct gs_store_run_row *r = &rows[i];
		char *strs[] = {r->tool_version,   r->started_at,
				r->finished_at,    r->as_of,
				r->profile_name,   r->profile_path,
				r->profile_sha256, r->rules_dir,
				r->rules_version,  r->rules_hash,
				r->intel_path,     r->intel_name,
				r->intel_sha256,   r->actions_path,
				r->actions_name,   r->actions_sha256,
				r->marking};

		for (size_t j = 0; j < sizeof strs / sizeof strs[0]; j++)
			free(strs[j]);
	}
	free(rows);
}

static long long scalar(struct gs_store *s, const char *sql, long long arg)
{
	sqlite3_stmt *st = NULL;
	long long v = 0;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	bind_int(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

long long gs_store_latest_run(struct gs_store *s)
{
	return scalar(s, "SELECT coalesce(max(id), 0) FROM runs WHERE ?1 = ?1",
		      0);
}

long long gs_store_previous_run(struct gs_store *s, long long id)
{
	return scalar(s, "SELECT coalesce(max(id), 0) FROM runs WHERE id < ?1",
		      id);
}

static int assessment_row(sqlite3_stmt *st, void *ctx)
{
	const struct forward *f = ctx;
	struct gs_store_assessment a;

	a.record_id = col_text(st, 0);
	a.line = (long)sqlite3_column_int64(st, 1);
	a.logged_date = col_text(st, 2);
	a.district = col_text(st, 3);
	a.unit = col_text(st, 4);
	a.grading = col_text(st, 5);
	a.priority = col_text(st, 6);
	a.subjects = col_text(st, 7);
	a.sla = sqlite3_column_int(st, 8);
	a.score = sqlite3_column_int(st, 9);
	a.status = col_text(st, 10);
	a.days = (long)sqlite3_column_int64(st, 11);
	a.first_action_id = col_text(st, 12);
	a.first_action_type = col_text(st, 13);
	a.first_action_date = col_text(st, 14);
	a.rules = col_text(st, 15);
	a.excerpt = col_text(st, 16);
	a.mark_start = (size_t)sqlite3_column_int64(st, 17);
	a.mark_end = (size_t)sqlite3_column_int64(st, 18);
	return f->cb.assessment(&a, f->ctx);
}

int gs_store_assessments(struct gs_store *s, long long run,
			 gs_store_assessment_cb cb, void *ctx,
			 struct gs_error *err)
{
	static const char sql[] =
		"SELECT record_id, line, logged_date, district, unit, grading,"
		" priority, subjects, sla, score, status, days,"
		" first_action_id, first_action_type, first_action_date, rules,"
		" excerpt, mark_start, mark_end"
		" FROM assessments WHERE run_id = ?1 ORDER BY record_id";
	struct forward f = {.cb.assessment = cb, .ctx = ctx};

	return query_rows(s, sql, run, assessment_row, &f,
			  "cannot read assessments", err);
}

static int hit_row(sqlite3_stmt *st, void *ctx)
{
	const struct forward *f = ctx;
	struct gs_store_hit h;

	h.record_id = col_text(st, 0);
	h.rule_id = col_text(st, 1);
	h.field = col_text(st, 2);
	h.start = (long)sqlite3_column_int64(st, 3);
	h.end = (long)sqlite3_column_int64(st, 4);
	h.state = col_text(st, 5);
	h.cue = col_text(st, 6);
	return f->cb.hit(&h, f->ctx);
}

int gs_store_hits(struct gs_store *s, long long run, const char *record_id,
		  gs_store_hit_cb cb, void *ctx, struct gs_error *err)
{
	static const char sql[] =
		"SELECT record_id, rule_id, field, start_byte, end_byte,"
		" state, cue_id FROM hits WHERE run_id = ?1"
		" AND (?2 IS NULL OR record_id = ?2)"
		" ORDER BY record_id, field_index, start_byte, rowid";
	struct forward f = {.cb.hit = cb, .ctx = ctx};
	sqlite3_stmt *st = NULL;
	int rc;

	rc = prepare(s, sql, &st, err);
	if (rc < 0)
		return rc;
	bind_int(st, 1, run);
	bind_text(st, 2, record_id);
	return each_row(s, st, hit_row, &f, "cannot read hits", err);
}

/* ---- repeat intelligence ---- */

static int chain_row(sqlite3_stmt *st, void *ctx)
{
	const struct forward *f = ctx;
	struct gs_store_chain_row c;

	c.chain_id = sqlite3_column_int64(st, 0);
	c.key_type = col_text(st, 1);
	c.key_value = col_text(st, 2);
	c.record_id = col_text(st, 3);
	c.logged_day = (long)sqlite3_column_int64(st, 4);
	c.logged_date = col_text(st, 5);
	c.status = col_text(st, 6);
	c.grading = col_text(st, 7);
	c.nmembers = col_ulong(st, 8);
	c.nsubjects = col_ulong(st, 9);
	c.ngaps = col_ulong(st, 10);
	c.span_days = (long)sqlite3_column_int64(st, 11);
	c.cross_referenced = sqlite3_column_int(st, 12) != 0;
	return f->cb.chain(&c, f->ctx);
}

int gs_store_chains(struct gs_store *s, long long run, gs_store_chain_cb cb,
		    void *ctx, struct gs_error *err)
{
	static const char sql[] =
		"SELECT c.chain_id, c.key_type, c.key_value, c.record_id,"
		" c.logged_day, a.logged_date, c.status, a.grading,"
		" c.nmembers, c.nsubjects, c.ngaps, c.span_days,"
		" c.cross_referenced FROM chains c"
		" LEFT JOIN assessments a ON a.run_id = c.run_id"
		" AND a.record_id = c.record_id WHERE c.run_id = ?1"
		" ORDER BY c.chain_id, c.logged_day, c.record_id";
	struct forward f = {.cb.chain = cb, .ctx = ctx};

	return query_rows(s, sql, run, chain_row, &f, "cannot read chains",
			  err);
}

static int isolated_row(sqlite3_stmt *st, void *ctx)
{
	const struct forward *f = ctx;
	struct gs_store_isolated_row row;

	row.record_id = col_text(st, 0);
	row.logged_date = col_text(st, 1);
	row.status = col_text(st, 2);
	row.grading = col_text(st, 3);
	return f->cb.isolated(&row, f->ctx);
}

int gs_store_isolated(struct gs_store *s, long long run,
		      gs_store_isolated_cb cb, void *ctx,
		      struct gs_error *err)
{
	static const char sql[] =
		"SELECT i.record_id, a.logged_date, a.status, a.grading"
		" FROM isolated_records i LEFT JOIN assessments a"
		" ON a.run_id = i.run_id AND a.record_id = i.record_id"
		" WHERE i.run_id = ?1 ORDER BY i.record_id";
	struct forward f = {.cb.isolated = cb, .ctx = ctx};

	return query_rows(s, sql, run, isolated_row, &f,
			  "cannot read isolated records", err);
}

static int ulong_pair_row(sqlite3_stmt *st, void *ctx)
{
	unsigned long *v = ctx;

	v[0] = col_ulong(st, 0);
	v[1] = col_ulong(st, 1);
	return 0;
}

int gs_store_chain_counts(struct gs_store *s, long long run,
			  unsigned long *chains, unsigned long *pairs,
			  struct gs_error *err)
{
	static const char sql[] =
		"SELECT coalesce(chains, 0), coalesce(isolated_pairs, 0)"
		" FROM runs WHERE id = ?1";
	unsigned long v[2] = {0, 0};
	int rc;

	rc = query_rows(s, sql, run, ulong_pair_row, v,
			"cannot read chain counts", err);
	*chains = v[0];
	*pairs = v[1];
	return rc;
}

/* ---- summaries ---- */

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a;
	long y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Median (mean of the middle two for an even count) and nearest-rank
 * 90th percentile of v[0..n); -1 when n is 0. Sorts v. */
static void percentiles(long *v, size_t n, double *median, double *p90)
{
	size_t rank;

	if (n == 0) {
		*median = -1;
		*p90 = -1;
		return;
	}
	qsort(v, n, sizeof *v, cmp_long);
	if (n % 2)
		*median = (double)v[n / 2];
	else
		*median = ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2.0;
	rank = (9 * n + 9) / 10; /* ceil(0.9 n) */
	*p90 = (double)v[rank - 1];
}

struct counts_acc {
	struct gs_store_count *rows;
	size_t n, cap;
	long *days;
	size_t ndays, days_cap;
};

static struct gs_store_count *acc_push(struct counts_acc *acc,
				       const char *month, const char *group,
				       unsigned keys)
{
	struct gs_store_count *c;

	if (acc->n == acc->cap) {
		acc->cap = acc->cap ? 2 * acc->cap : 16;
		acc->rows = xrealloc(acc->rows, acc->cap * sizeof *acc->rows);
	}
	c = &acc->rows[acc->n++];
	memset(c, 0, sizeof *c);
	snprintf(c->month, sizeof c->month, "%s", month);
	c->group = (keys & (GS_STORE_BY_DISTRICT | GS_STORE_BY_CATEGORY))
			   ? xstrdup(group)
			   : NULL;
	c->records = -1;
	c->median_days = -1;
	c->p90_days = -1;
	return c;
}

static void acc_finish(struct counts_acc *acc)
{
	if (acc->n == 0)
		return;
	percentiles(acc->days, acc->ndays, &acc->rows[acc->n - 1].median_days,
		    &acc->rows[acc->n - 1].p90_days);
	acc->ndays = 0;
}

static void acc_status(struct gs_store_count *c, const char *status,
		       long days, struct counts_acc *acc)
{
	int timed = 0;

	c->flagged++;
	if (strcmp(status, "actioned") == 0) {
		c->actioned++;
		timed = 1;
	} else if (strcmp(status, "late") == 0) {
		c->late++;
		timed = 1;
	} else if (strcmp(status, "open") == 0) {
		c->open++;
	} else if (strcmp(status, "gap") == 0) {
		c->gap++;
	} else if (strcmp(status, "indeterminate") == 0) {
		c->indeterminate++;
	}
	if (!timed)
		return;
	if (acc->ndays == acc->days_cap) {
		acc->days_cap = acc->days_cap ? 2 * acc->days_cap : 64;
		acc->days = xrealloc(acc->days,
				     acc->days_cap * sizeof *acc->days);
	}
	acc->days[acc->ndays++] = days;
}

static int cmp_count(const void *a, const void *b)
{
	const struct gs_store_count *x = a;
	const struct gs_store_count *y = b;
	int c = strcmp(x->month, y->month);

	if (c)
		return c;
	return strcmp(x->group ? x->group : "", y->group ? y->group : "");
}

struct records_ctx {
	struct counts_acc *acc;
	unsigned keys;
	size_t nflagged_rows; /* rows from assessments, before any added */
	int any;
};

static int records_row(sqlite3_stmt *st, void *ctx)
{
	struct records_ctx *r = ctx;
	const char *month = col_text(st, 0);
	const char *group = col_text(st, 1);
	struct gs_store_count *c = NULL;

	r->any = 1;
	for (size_t i = 0; i < r->nflagged_rows; i++) {
		struct gs_store_count *row = &r->acc->rows[i];

		if (strcmp(row->month, month) == 0 &&
		    strcmp(row->group ? row->group : "", group) == 0) {
			c = row;
			break;
		}
	}
	if (!c)
		c = acc_push(r->acc, month, group, r->keys);
	c->records = (long)sqlite3_column_int64(st, 2);
	return 0;
}

/* Fills records from run_months, adding rows for groups that have
 * records but no flagged record. */
static int add_records(struct gs_store *s, long long run, unsigned keys,
		       struct counts_acc *acc, struct gs_error *err)
{
	char sql[640];
	struct records_ctx r = {acc, keys, acc->n, 0};
	int rc;

	if (keys & GS_STORE_BY_CATEGORY)
		return 0; /* unflagged records have no category */
	snprintf(sql, sizeof sql,
		 "SELECT %s, %s, sum(records) FROM run_months"
		 " WHERE run_id = ?1%s GROUP BY 1, 2",
		 (keys & GS_STORE_BY_MONTH) ? "month" : "''",
		 (keys & GS_STORE_BY_DISTRICT) ? "district" : "''",
		 /* counts by month only say nothing about districts */
		 (keys & GS_STORE_BY_DISTRICT)
			 ? " AND EXISTS (SELECT 1 FROM run_months"
			   " WHERE run_id = ?1 AND district <> '')"
			 : "");
	rc = query_rows(s, sql, run, records_row, &r,
			"cannot read run_months", err);
	/* records known for the run: a group without any is 0, not unknown */
	for (size_t i = 0; rc == 0 && r.any && i < acc->n; i++)
		if (acc->rows[i].records < 0)
			acc->rows[i].records = 0;
	return rc;
}

struct count_ctx {
	struct counts_acc acc;
	unsigned keys;
};

static int count_row(sqlite3_stmt *st, void *ctx)
{
	struct count_ctx *k = ctx;
	struct counts_acc *acc = &k->acc;
	const char *m = col_text(st, 0);
	const char *g = col_text(st, 1);
	struct gs_store_count *c = acc->n ? &acc->rows[acc->n - 1] : NULL;

	if (!c || strcmp(c->month, m) != 0 ||
	    strcmp(c->group ? c->group : "", g) != 0) {
		acc_finish(acc);
		c = acc_push(acc, m, g, k->keys);
	}
	acc_status(c, col_text(st, 2), (long)sqlite3_column_int64(st, 3),
		   acc);
	return 0;
}

int gs_store_counts(struct gs_store *s, long long run, unsigned keys,
		    struct gs_store_count **rows, size_t *n,
		    struct gs_error *err)
{
	char sql[1024];
	const char *group = "''";
	const char *join = "";
	struct count_ctx k = {.keys = keys};
	int rc;

	if (keys & GS_STORE_BY_DISTRICT) {
		group = "coalesce(a.district, '')";
	} else if (keys & GS_STORE_BY_CATEGORY) {
		/* once per (record, category): a record hitting two rules
		 * of one category counts once in it; language rules are not
		 * an indicator category (docs/report.md) */
		group = "coalesce(rc.category, '')";
		join = " JOIN (SELECT DISTINCT ar.record_id, rr.category"
		       " FROM assessment_rules ar JOIN run_rules rr"
		       " ON rr.run_id = ar.run_id AND rr.rule_id = ar.rule_id"
		       " WHERE ar.run_id = ?1 AND rr.is_language = 0) rc"
		       " ON rc.record_id = a.record_id";
	}
	snprintf(sql, sizeof sql,
		 "SELECT %s AS m, %s AS g, a.status, a.days"
		 " FROM assessments a%s WHERE a.run_id = ?1 ORDER BY m, g",
		 (keys & GS_STORE_BY_MONTH) ? "coalesce(a.logged_month, '')"
					    : "''",
		 group, join);
	rc = query_rows(s, sql, run, count_row, &k, "cannot read assessments",
			err);
	acc_finish(&k.acc);
	if (rc == 0)
		rc = add_records(s, run, keys, &k.acc, err);
	if (rc == 0 && k.acc.n == 0 && keys == 0)
		acc_push(&k.acc, "", "", keys);
	if (rc == 0 && k.acc.n)
		qsort(k.acc.rows, k.acc.n, sizeof *k.acc.rows, cmp_count);
	free(k.acc.days);
	if (rc < 0) {
		gs_store_counts_free(k.acc.rows, k.acc.n);
		return rc;
	}
	*rows = k.acc.rows;
	*n = k.acc.n;
	return 0;
}

void gs_store_counts_free(struct gs_store_count *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		free(rows[i].group);
	free(rows);
}

/* ---- diff ---- */

const char *gs_diff_kind_name(enum gs_diff_kind k)
{
	static const char *const names[GS_DIFF_NKINDS] = {
		"new", "still_open", "resolved", "no_longer_flagged",
		"rules_changed"};

	return (unsigned)k < GS_DIFF_NKINDS ? names[k] : "?";
}

/* Classifies one record seen in A and/or B; -1 when it is no change. */
static int classify(int rules_changed, const char *sa, const char *sb,
		    int score_a, int score_b)
{
	int in_a = sa[0] != '\0';
	int in_b = sb[0] != '\0';
	int gap_a = strcmp(sa, "gap") == 0;
	int gap_b = strcmp(sb, "gap") == 0;

	if (rules_changed && (in_a != in_b || score_a != score_b))
		return GS_DIFF_RULES;
	if (gap_b && !gap_a)
		return GS_DIFF_NEW;
	if (gap_a && gap_b)
		return GS_DIFF_STILL_OPEN;
	if (gap_a &&
	    (strcmp(sb, "actioned") == 0 || strcmp(sb, "late") == 0))
		return GS_DIFF_RESOLVED;
	if (gap_a && !in_b)
		return GS_DIFF_GONE;
	return -1;
}

static int cmp_diff(const void *a, const void *b)
{
	const struct gs_store_diff_row *x = a;
	const struct gs_store_diff_row *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->days_b != y->days_b)
		return x->days_b > y->days_b ? -1 : 1;
	return strcmp(x->record_id, y->record_id);
}

struct diff_rows {
	int rules_changed;
	struct gs_store_diff_row *v;
	size_t len, cap;
};

static int diff_row(sqlite3_stmt *st, void *ctx)
{
	struct diff_rows *r = ctx;
	const char *sa = col_text(st, 3);
	const char *sb = col_text(st, 4);
	int score_a = sqlite3_column_int(st, 7);
	int score_b = sqlite3_column_int(st, 8);
	int kind = classify(r->rules_changed, sa, sb, score_a, score_b);
	struct gs_store_diff_row *d;

	if (kind < 0)
		return 0;
	if (r->len == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->v = xrealloc(r->v, r->cap * sizeof *r->v);
	}
	d = &r->v[r->len++];
	d->kind = (enum gs_diff_kind)kind;
	d->record_id = col_dup(st, 0);
	d->district = col_dup(st, 1);
	d->logged_date = col_dup(st, 2);
	d->status_a = xstrdup(sa);
	d->status_b = xstrdup(sb);
	d->days_a = sa[0] ? (long)sqlite3_column_int64(st, 5) : -1;
	d->days_b = sb[0] ? (long)sqlite3_column_int64(st, 6) : -1;
	d->score_a = score_a;
	d->score_b = score_b;
	d->first_action_id = col_dup(st, 9);
	d->first_action_type = col_dup(st, 10);
	return 0;
}

int gs_store_diff(struct gs_store *s, long long run_a, long long run_b,
		  struct gs_store_diff_row **rows, size_t *n,
		  struct gs_error *err)
{
	static const char sql[] =
		"SELECT b.record_id, b.district, b.logged_date,"
		" coalesce(a.status, ''), b.status, a.days, b.days,"
		" a.score, b.score, b.first_action_id, b.first_action_type"
		" FROM assessments b LEFT JOIN assessments a"
		" ON a.run_id = ?1 AND a.record_id = b.record_id"
		" WHERE b.run_id = ?2"
		" UNION ALL"
		" SELECT a.record_id, a.district, a.logged_date, a.status, '',"
		" a.days, NULL, a.score, NULL, NULL, NULL"
		" FROM assessments a WHERE a.run_id = ?1 AND NOT EXISTS"
		" (SELECT 1 FROM assessments b WHERE b.run_id = ?2"
		" AND b.record_id = a.record_id)";
	struct gs_store_run_row *ra = NULL, *rb = NULL;
	sqlite3_stmt *st = NULL;
	struct diff_rows r = {0};
	int rc;

	rc = gs_store_run_get(s, run_a, &ra, err);
	if (rc == 0)
		rc = gs_store_run_get(s, run_b, &rb, err);
	if (rc < 0)
		goto out;
	r.rules_changed = strcmp(ra->rules_hash, rb->rules_hash) != 0;
	rc = prepare(s, sql, &st, err);
	if (rc < 0)
		goto out;
	bind_int(st, 1, run_a);
	bind_int(st, 2, run_b);
	rc = each_row(s, st, diff_row, &r, "cannot read assessments", err);
	if (rc == 0 && r.len)
		qsort(r.v, r.len, sizeof *r.v, cmp_diff);
out:
	gs_store_runs_free(ra, ra ? 1 : 0);
	gs_store_runs_free(rb, rb ? 1 : 0);
	if (rc < 0) {
		gs_store_diff_free(r.v, r.len);
		return rc;
	}
	*rows = r.v;
	*n = r.len;
	return 0;
}

void gs_store_diff_free(struct gs_store_diff_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].record_id);
		free(rows[i].district);
		free(rows[i].logged_date);
		free(rows[i].status_a);
		free(rows[i].status_b);
		free(rows[i].first_action_id);
		free(rows[i].first_action_type);
	}
	free(rows);
}

/* ---- raw SQL ---- */

int gs_store_sql(struct gs_store *s, const char *sql, gs_store_row_cb cb,
		 void *ctx, struct gs_error *err)
{
	const char *tail = sql;
	const char *vals[64];
	int rc = 0;

	while (rc == 0 && tail && *tail) {
		sqlite3_stmt *st = NULL;
		int step;
		int ncols;

		if (sqlite3_prepare_v2(s->db, tail, -1, &st, &tail) !=
		    SQLITE_OK)
			return db_fail(s, err, "bad SQL");
		if (!st)
			break; /* trailing whitespace or comment */
		ncols = sqlite3_column_count(st);
		if (ncols > 64)
			ncols = 64;
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			for (int i = 0; i < ncols; i++)
				vals[i] = (const char *)sqlite3_column_text(
					st, i);
			if (cb)
				rc = cb(ncols, vals, ctx);
			if (rc != 0)
				break;
		}
		if (rc == 0 && step != SQLITE_DONE)
			rc = db_fail(s, err, "SQL failed");
		sqlite3_finalize(st);
	}
	return rc;
}
