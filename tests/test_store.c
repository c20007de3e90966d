/*
 * test_store.c - the run history on real SQLite files in a temporary
 * directory: round trip, file mode, migrations, refusal of newer and
 * foreign files, same-input runs, diff categories, trend percentiles and
 * a writer killed mid-transaction.
 */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gs_date.h"
#include "gs_store.h"
#include "gs_util.h"

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/gs-store-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(store, .init = make_tmpdir, .fini = remove_tmpdir);

static void db_path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

/* ---- a hand-made run ---- */

static const struct gs_store_rule rules_v1[] = {
	{"cse.grooming.gifts", "grooming", 2, 0, 0},
	{"cse.older.partner", "relationship", 3, 0, 0},
	{"lang.child.prostitute", "language", 0, 1, 0},
};
static const char *const cues[] = {"neg.no_concerns"};
static const char *const fields[] = {"summary", "details"};
static const struct gs_store_override overrides[] = {
	{"cse.grooming.gifts", "too broad in the pilot", "weight 3 -> 2"},
};

static void meta_init(struct gs_store_meta *m, const char *hash)
{
	memset(m, 0, sizeof *m);
	m->tool_version = "0.1.0";
	m->profile_name = "default";
	m->profile_path = "profiles/default.json";
	m->profile_sha256 = "ab";
	m->threshold = 3;
	m->rules_dir = "rules";
	m->rules_version = "2026.11";
	m->rules_hash = hash;
	m->rules = rules_v1;
	m->nrules = 3;
	m->cues = cues;
	m->ncues = 1;
	m->fields = fields;
	m->nfields = 2;
	m->overrides = overrides;
	m->noverrides = 1;
}

/* A flagged record; strings point at literals (the store only reads). */
static struct gs_flagged flag(char *id, const char *logged, char *district,
			      int score, enum gs_status st, long days,
			      char *action_id)
{
	struct gs_flagged f;
	int y, m, d;

	memset(&f, 0, sizeof f);
	sscanf(logged, "%d-%d-%d", &y, &m, &d);
	f.id = id;
	f.line = 2;
	f.logged_day = gs_date_from_ymd(y, m, d);
	f.district = district;
	f.sla = 28;
	f.score = score;
	f.status = st;
	f.days = days;
	f.first_action_day = action_id ? f.logged_day + days : -1;
	f.first_action_id = action_id;
	f.first_action_type = action_id ? "safeguarding visit" : NULL;
	return f;
}

static void run_init(struct gs_run *run, struct gs_flagged *fl, size_t n,
		     const char *intel_sha, const char *as_of)
{
	int y, m, d;

	memset(run, 0, sizeof *run);
	sscanf(as_of, "%d-%d-%d", &y, &m, &d);
	run->as_of = gs_date_from_ymd(y, m, d);
	run->sla_days = 28;
	run->flagged = fl;
	run->nflagged = n;
	run->counts.records_read = 100;
	run->counts.assessed = 98;
	run->counts.rejected = 2;
	run->counts.flagged = n;
	for (size_t i = 0; i < n; i++)
		run->counts.by_status[fl[i].status]++;
	run->intel.path = "data/intel-2026-11.csv";
	run->intel.size = 12345;
	snprintf(run->intel.sha256, sizeof run->intel.sha256, "%s", intel_sha);
	run->actions.path = "data/actions.csv";
	run->actions.size = 678;
	snprintf(run->actions.sha256, sizeof run->actions.sha256, "%s",
		 "acts-sha");
	run->started = 1795000000.0; /* 2026-11-18T11:06:40Z */
	run->finished = 1795000003.0;
	run->seconds = 3.0;
}

static struct gs_store *open_db(const char *name)
{
	char path[256];
	struct gs_error err;
	struct gs_store *s = NULL;

	db_path(path, sizeof path, name);
	gs_error_clear(&err);
	cr_assert_eq(gs_store_open(&s, path, 1, &err), 0, "%s", err.msg);
	return s;
}

static long long store_write(struct gs_store *s, const struct gs_run *run,
		       const struct gs_store_meta *m)
{
	struct gs_error err;
	long long id = 0;

	gs_error_clear(&err);
	cr_assert_eq(gs_store_write(s, run, m, &id, &err), 0, "%s", err.msg);
	return id;
}

/* Concatenates every result row as "a|b|c\n" into a gs_buf. */
static int collect(int ncols, const char *const *vals, void *ctx)
{
	struct gs_buf *b = ctx;

	for (int i = 0; i < ncols; i++)
		gs_buf_printf(b, "%s%s", i ? "|" : "", vals[i] ? vals[i] : "~");
	gs_buf_putc(b, '\n');
	return 0;
}

static void query(struct gs_store *s, const char *sql, struct gs_buf *out)
{
	struct gs_error err;

	gs_error_clear(&err);
	gs_buf_reset(out);
	cr_assert_eq(gs_store_sql(s, sql, collect, out, &err), 0, "%s",
		     err.msg);
	if (!out->data)
		gs_buf_append(out, "", 0);
}

Test(store, round_trip)
{
	struct gs_flagged fl[2];
	struct gs_scan_hit hits[2] = {
		{0, 1, 10, 22, GS_HIT_ACTIVE, -1},
		{1, 0, 3, 9, GS_HIT_SUPPRESSED, 0},
	};
	unsigned rl[2] = {0, 2};
	struct gs_reject rej = {"data/intel-2026-11.csv", 17, "bad date"};
	struct gs_limit_event lim = {"I-9", 40, 1, -47, GS_STATUS_INDETERMINATE};
	struct gs_dq_finding dq = {"action_before_log", "A-3", "I-1", 5};
	char *ents[] = {"vrm:AB12CDE", "subject:S-1"};
	struct gs_store_month months[] = {{"2026-09", "North", 40},
					  {"2026-10", "North", 58}};
	struct gs_store_meta m;
	struct gs_run run;
	struct gs_store *s = open_db("h.db");
	struct gs_store_run_row *rows = NULL;
	size_t n = 0;
	struct gs_error err;
	struct gs_buf b;
	long long id;

	fl[0] = flag("I-1", "2026-09-01", "North", 5, GS_STATUS_GAP, 61, NULL);
	fl[0].unit = "CSE team";
	fl[0].rules = rl;
	fl[0].nrules = 2;
	fl[0].hits = hits;
	fl[0].nhits = 2;
	fl[0].entities = ents;
	fl[0].nentities = 2;
	fl[0].excerpt = "met an older boyfriend";
	fl[0].mark_start = 7;
	fl[0].mark_end = 22;
	fl[1] = flag("I-2", "2026-10-03", NULL, 3, GS_STATUS_ACTIONED, 4,
		     "A-7");
	run_init(&run, fl, 2, "intel-sha", "2026-11-01");
	run.rejects = &rej;
	run.nrejects = 1;
	run.limits = &lim;
	run.nlimits = 1;
	run.dq = &dq;
	run.ndq = 1;
	meta_init(&m, "hash-1");
	m.months = months;
	m.nmonths = 2;
	id = store_write(s, &run, &m);
	cr_assert_eq(id, 1);

	gs_error_clear(&err);
	cr_assert_eq(gs_store_runs(s, &rows, &n, &err), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(rows[0].id, 1);
	cr_assert_str_eq(rows[0].tool_version, "0.1.0");
	cr_assert_str_eq(rows[0].started_at, "2026-11-18T11:06:40Z");
	cr_assert_str_eq(rows[0].finished_at, "2026-11-18T11:06:43Z");
	cr_assert_str_eq(rows[0].as_of, "2026-11-01");
	cr_assert_eq(rows[0].sla_days, 28);
	cr_assert_eq(rows[0].threshold, 3);
	cr_assert_str_eq(rows[0].profile_path, "profiles/default.json");
	cr_assert_str_eq(rows[0].rules_version, "2026.11");
	cr_assert_str_eq(rows[0].rules_hash, "hash-1");
	cr_assert_str_eq(rows[0].intel_name, "intel-2026-11.csv");
	cr_assert_str_eq(rows[0].intel_sha256, "intel-sha");
	cr_assert_str_eq(rows[0].actions_path, "data/actions.csv");
	cr_assert_eq(rows[0].records_read, 100);
	cr_assert_eq(rows[0].rejected, 2);
	cr_assert_eq(rows[0].flagged, 2);
	cr_assert_eq(rows[0].gap, 1);
	cr_assert_eq(rows[0].actioned, 1);
	cr_assert_eq(rows[0].late, 0);
	gs_store_runs_free(rows, n);

	gs_buf_init(&b, 0);
	query(s,
	      "SELECT record_id, line, logged_date, logged_month, district,"
	      " unit, sla, score, status, days, first_action_id,"
	      " first_action_type, first_action_date, rules, excerpt,"
	      " mark_start, mark_end FROM assessments ORDER BY record_id",
	      &b);
	cr_assert_str_eq(b.data,
			 "I-1|2|2026-09-01|2026-09|North|CSE team|28|5|gap|61"
			 "|~|~|~|cse.grooming.gifts;lang.child.prostitute|"
			 "met an older boyfriend|7|22\n"
			 "I-2|2|2026-10-03|2026-10|~|~|28|3|actioned|4|A-7|"
			 "safeguarding visit|2026-10-07||~|~|~\n");
	query(s,
	      "SELECT record_id, rule_id, field, field_index, start_byte,"
	      " end_byte, state, cue_id FROM hits ORDER BY rowid",
	      &b);
	cr_assert_str_eq(b.data, "I-1|cse.grooming.gifts|details|1|10|22|"
				 "active|~\n"
				 "I-1|cse.older.partner|summary|0|3|9|"
				 "suppressed|neg.no_concerns\n");
	query(s, "SELECT * FROM rejects", &b);
	cr_assert_str_eq(b.data, "1|data/intel-2026-11.csv|17|bad date\n");
	query(s, "SELECT * FROM rule_errors", &b);
	cr_assert_str_eq(b.data, "1|I-9|40|cse.older.partner|-47\n");
	query(s, "SELECT * FROM dq_findings", &b);
	cr_assert_str_eq(b.data, "1|action_before_log|A-3|I-1|5\n");
	query(s, "SELECT * FROM overrides", &b);
	cr_assert_str_eq(b.data, "1|cse.grooming.gifts|too broad in the "
				 "pilot|weight 3 -> 2\n");
	query(s, "SELECT * FROM run_rules ORDER BY rule_index", &b);
	cr_assert_str_eq(b.data, "1|0|cse.grooming.gifts|grooming|2|0|0\n"
				 "1|1|cse.older.partner|relationship|3|0|0\n"
				 "1|2|lang.child.prostitute|language|0|1|0\n");
	query(s, "SELECT * FROM entities ORDER BY rowid", &b);
	cr_assert_str_eq(b.data, "1|I-1|vrm|AB12CDE\n1|I-1|subject|S-1\n");
	query(s, "SELECT * FROM run_months ORDER BY month", &b);
	cr_assert_str_eq(b.data, "1|2026-09|North|40\n1|2026-10|North|58\n");
	query(s, "SELECT role, path, name, size, sha256 FROM inputs"
		 " ORDER BY role",
	      &b);
	cr_assert_str_eq(b.data, "actions|data/actions.csv|actions.csv|678|"
				 "acts-sha\n"
				 "intel|data/intel-2026-11.csv|"
				 "intel-2026-11.csv|12345|intel-sha\n");
	gs_buf_release(&b);
	gs_store_free(s);
}

struct seen {
	char ids[8][32];
	char status[8][32];
	int n;
};

static int on_assessment(const struct gs_store_assessment *a, void *ctx)
{
	struct seen *v = ctx;

	snprintf(v->ids[v->n], sizeof v->ids[0], "%s", a->record_id);
	snprintf(v->status[v->n], sizeof v->status[0], "%s", a->status);
	v->n++;
	return 0;
}

static int on_hit(const struct gs_store_hit *h, void *ctx)
{
	struct seen *v = ctx;

	snprintf(v->ids[v->n], sizeof v->ids[0], "%s", h->rule_id);
	snprintf(v->status[v->n], sizeof v->status[0], "%s:%ld", h->state,
		 h->start);
	v->n++;
	return 0;
}

Test(store, readers)
{
	struct gs_flagged fl[2];
	struct gs_scan_hit hits[2] = {
		{1, 0, 30, 40, GS_HIT_ACTIVE, -1},
		{0, 0, 3, 9, GS_HIT_ACTIVE, -1},
	};
	struct gs_store_meta m;
	struct gs_run run;
	struct gs_store *s = open_db("r.db");
	struct seen v = {0};
	struct gs_error err;

	fl[0] = flag("B", "2026-09-01", "North", 5, GS_STATUS_GAP, 61, NULL);
	fl[1] = flag("A", "2026-10-03", "South", 3, GS_STATUS_LATE, 40, "x");
	fl[0].hits = hits;
	fl[0].nhits = 2;
	run_init(&run, fl, 2, "i", "2026-11-01");
	meta_init(&m, "h");
	store_write(s, &run, &m);
	cr_assert_eq(gs_store_latest_run(s), 1);
	cr_assert_eq(gs_store_previous_run(s, 1), 0);
	gs_error_clear(&err);
	cr_assert_eq(gs_store_assessments(s, 1, on_assessment, &v, &err), 0);
	cr_assert_eq(v.n, 2);
	cr_assert_str_eq(v.ids[0], "A");
	cr_assert_str_eq(v.status[0], "late");
	cr_assert_str_eq(v.ids[1], "B");
	cr_assert_str_eq(v.status[1], "gap");
	v.n = 0;
	cr_assert_eq(gs_store_hits(s, 1, "B", on_hit, &v, &err), 0);
	cr_assert_eq(v.n, 2);
	cr_assert_str_eq(v.ids[0], "cse.grooming.gifts");
	cr_assert_str_eq(v.status[0], "active:3");
	cr_assert_str_eq(v.ids[1], "cse.older.partner");
	cr_assert_str_eq(v.status[1], "active:30");
	gs_store_free(s);
}

Test(store, created_mode_0600)
{
	char path[256];
	struct stat st;
	struct gs_store *s;
	mode_t old = umask(022);

	s = open_db("m.db");
	umask(old);
	db_path(path, sizeof path, "m.db");
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(gs_store_schema_version(s), GS_STORE_SCHEMA_VERSION);
	gs_store_free(s);
}

Test(store, missing_file_without_create)
{
	char path[256];
	struct gs_error err;
	struct gs_store *s = NULL;

	db_path(path, sizeof path, "none.db");
	gs_error_clear(&err);
	cr_assert_eq(gs_store_open(&s, path, 0, &err), GS_ERR_IO);
	cr_assert_null(s);
	cr_assert_str_eq(err.file, path);
	cr_assert_str_eq(err.msg,
			 "cannot open database: No such file or directory");
	cr_assert_eq(access(path, F_OK), -1, "must not create it");
}

Test(store, not_sqlite_refused)
{
	char path[256];
	struct gs_error err;
	struct gs_store *s = NULL;
	FILE *fp;

	db_path(path, sizeof path, "text.db");
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fputs("id,logged_at,text\n1,2026-01-01,this is a csv file not a "
	      "database at all, padded to more than one hundred bytes "
	      "so SQLite reads a full header\n",
	      fp);
	fclose(fp);
	gs_error_clear(&err);
	cr_assert_eq(gs_store_open(&s, path, 1, &err), GS_ERR_IO);
	cr_assert_str_eq(err.file, path);
	cr_assert_str_eq(err.msg, "not a SQLite database");
}

Test(store, newer_version_refused)
{
	char path[256];
	char want[512];
	struct gs_error err;
	struct gs_store *s = open_db("new.db");
	struct gs_buf b;

	gs_buf_init(&b, 0);
	query(s, "PRAGMA user_version=99", &b);
	gs_buf_release(&b);
	gs_store_free(s);
	s = NULL;
	db_path(path, sizeof path, "new.db");
	gs_error_clear(&err);
	cr_assert_eq(gs_store_open(&s, path, 0, &err), GS_ERR_IO);
	cr_assert_null(s);
	snprintf(want, sizeof want,
		 "database \"%s\" has schema version 99, newer than this "
		 "gapscan supports (%d); upgrade gapscan",
		 path, GS_STORE_SCHEMA_VERSION);
	cr_assert_str_eq(err.msg, want);
	cr_assert_eq(gs_error_exit_code(err.code), GS_EXIT_IO);
}

Test(store, migrate_from_0)
{
	char path[256];
	struct gs_error err;
	struct gs_store *s = NULL;
	struct gs_buf b;

	db_path(path, sizeof path, "v0.db");
	gs_error_clear(&err);
	cr_assert_eq(gs_store_create_version(path, 0, NULL, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(gs_store_open(&s, path, 0, &err), 0, "%s", err.msg);
	gs_buf_init(&b, 0);
	query(s, "PRAGMA user_version", &b);
	cr_assert_str_eq(b.data, "4\n");
	query(s, "SELECT name FROM sqlite_master WHERE type='table'"
		 " ORDER BY name",
	      &b);
	cr_assert_str_eq(b.data, "assessment_rules\nassessments\nchains\n"
				 "dq_findings\nentities\nhits\ninputs\nisolated_records\n"
				 "language_findings\noverrides\nrejects\n"
				 "rule_errors\nrun_months\nrun_rules\nruns\n");
	gs_buf_release(&b);
	gs_store_free(s);
}

Test(store, foreign_database_refused)
{
	char path[256];
	struct gs_error err;
	struct gs_store *s = NULL;

	db_path(path, sizeof path, "other.db");
	gs_error_clear(&err);
	cr_assert_eq(gs_store_create_version(
			     path, 0, "CREATE TABLE people (name TEXT)", &err),
		     0, "%s", err.msg);
	cr_assert_eq(gs_store_open(&s, path, 0, &err), GS_ERR_IO);
	cr_assert_str_eq(err.msg, "not a gapscan database (it has tables but "
				  "no gapscan schema version)");
}

Test(store, migrate_from_1_keeps_runs)
{
	char path[256];
	struct gs_error err;
	struct gs_store *s = NULL;
	struct gs_store_run_row *rows = NULL;
	size_t n = 0;
	struct gs_flagged fl[1];
	struct gs_store_meta m;
	struct gs_run run;
	struct gs_buf b;

	db_path(path, sizeof path, "v1.db");
	gs_error_clear(&err);
	cr_assert_eq(gs_store_create_version(
			     path, 1,
			     "INSERT INTO runs (id, tool_version, as_of,"
			     " as_of_day, flagged, gap) VALUES"
			     " (1, '0.0.9', '2026-10-01', 20362, 1, 1);"
			     "INSERT INTO assessments (run_id, record_id,"
			     " status, days) VALUES (1, 'I-1', 'gap', 30);",
			     &err),
		     0, "%s", err.msg);
	cr_assert_eq(gs_store_open(&s, path, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(gs_store_schema_version(s), GS_STORE_SCHEMA_VERSION);
	cr_assert_eq(gs_store_runs(s, &rows, &n, &err), 0);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(rows[0].tool_version, "0.0.9");
	cr_assert_str_eq(rows[0].as_of, "2026-10-01");
	gs_store_runs_free(rows, n);

	fl[0] = flag("I-1", "2026-09-01", "North", 5, GS_STATUS_GAP, 61, NULL);
	fl[0].excerpt = "x";
	run_init(&run, fl, 1, "i", "2026-11-01");
	meta_init(&m, "h");
	cr_assert_eq(store_write(s, &run, &m), 2);
	gs_buf_init(&b, 0);
	query(s, "SELECT run_id, record_id, days, excerpt FROM assessments"
		 " ORDER BY run_id",
	      &b);
	cr_assert_str_eq(b.data, "1|I-1|30|~\n2|I-1|61|x\n");
	gs_buf_release(&b);
	gs_store_free(s);
}

/* ---- migrations from what old versions really wrote ----
 * tests/data/store/ holds the schema of each historical version as
 * literal SQL taken from git history, and one run stored with the
 * version-1 columns. Building the "old" database from those files, not
 * with gs_store_create_version, catches a migration edited after a
 * version shipped: the database on disk keeps the old shape. */

static void append_file(struct gs_buf *b, const char *rel)
{
	const char *root = getenv("GAPSCAN_ROOT");
	char path[512];
	char chunk[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/data/store/%s",
		 root ? root : ".", rel);
	f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s (set GAPSCAN_ROOT)", path);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		gs_buf_append(b, chunk, n);
	cr_assert_eq(ferror(f), 0);
	fclose(f);
	gs_buf_putc(b, '\n');
}

/* Creates tmpdir/NAME from the frozen schema files (NULL-terminated)
 * and the version-1 run of rows-v1.sql. */
static void create_frozen(char *path, size_t n, const char *name,
			  const char *const *schema)
{
	struct gs_error err;
	struct gs_buf sql;

	gs_buf_init(&sql, 0);
	for (size_t i = 0; schema[i]; i++)
		append_file(&sql, schema[i]);
	append_file(&sql, "rows-v1.sql");
	db_path(path, n, name);
	gs_error_clear(&err);
	cr_assert_eq(gs_store_create_version(path, 0, sql.data, &err), 0,
		     "%s", err.msg);
	gs_buf_release(&sql);
}

/* Every table's columns (name, type, in order) and every index, so that
 * two databases compare equal only when they have the same shape. */
static const char shape_sql[] =
	"SELECT m.type, m.name, group_concat(p.name || ' ' || p.type, ',')"
	" FROM sqlite_master m LEFT JOIN pragma_table_info(m.name) p"
	" ON m.type = 'table' WHERE m.name NOT LIKE 'sqlite_%'"
	" GROUP BY m.type, m.name ORDER BY m.type, m.name";

static void shape_of_new(struct gs_buf *out)
{
	struct gs_store *s = open_db("fresh.db");

	query(s, shape_sql, out);
	gs_store_free(s);
}

/* Opens a frozen old database with today's code and checks the result:
 * the current version, the shape of a new database, the old run intact
 * through the readers, and room for a new run. */
static void check_migrated(const char *name, const char *const *schema)
{
	char path[256];
	struct gs_error err;
	struct gs_store *s = NULL;
	struct gs_store_run_row *rows = NULL;
	size_t n = 0;
	struct gs_flagged fl[1];
	struct gs_store_meta m;
	struct gs_run run;
	struct gs_buf want, got;
	unsigned long chains = 9, pairs = 9;

	create_frozen(path, sizeof path, name, schema);
	gs_error_clear(&err);
	cr_assert_eq(gs_store_open(&s, path, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(gs_store_schema_version(s), GS_STORE_SCHEMA_VERSION);
	gs_buf_init(&want, 0);
	gs_buf_init(&got, 0);
	query(s, "PRAGMA user_version", &got);
	gs_buf_printf(&want, "%d\n", GS_STORE_SCHEMA_VERSION);
	cr_assert_str_eq(got.data, want.data);
	query(s, shape_sql, &got);
	shape_of_new(&want);
	cr_assert_str_eq(got.data, want.data, "%s: migrated shape differs",
			 name);

	/* the old run, every field, through the readers */
	cr_assert_eq(gs_store_runs(s, &rows, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 1);
	cr_assert_eq(rows[0].id, 1);
	cr_assert_str_eq(rows[0].tool_version, "0.0.9");
	cr_assert_str_eq(rows[0].finished_at, "2026-10-01T08:00:02Z");
	cr_assert_str_eq(rows[0].as_of, "2026-10-01");
	cr_assert_eq(rows[0].sla_days, 7);
	cr_assert_str_eq(rows[0].rules_hash, "old-rules-hash");
	cr_assert_str_eq(rows[0].intel_name, "intel-2026-09.csv");
	cr_assert_str_eq(rows[0].actions_sha256, "old-actions-sha");
	cr_assert_eq(rows[0].records_read, 4);
	cr_assert_eq(rows[0].flagged, 2);
	cr_assert_eq(rows[0].gap, 1);
	cr_assert_eq(rows[0].actioned, 1);
	cr_assert_eq(rows[0].intel_bytes, 4096);
	gs_store_runs_free(rows, n);
	query(s,
	      "SELECT record_id, status, days, first_action_id, rules,"
	      " excerpt FROM assessments WHERE run_id = 1 ORDER BY record_id",
	      &got);
	cr_assert_str_eq(got.data,
			 "I-1|gap|59|~|cse.grooming.gifts;cse.older.partner|~\n"
			 "I-2|actioned|5|A-1|cse.older.partner|~\n");
	query(s, "SELECT count(*) FROM hits WHERE run_id = 1", &got);
	cr_assert_str_eq(got.data, "3\n");
	cr_assert_eq(gs_store_chain_counts(s, 1, &chains, &pairs, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(chains, 0);
	cr_assert_eq(pairs, 0);

	/* a new run goes in after it, with the columns version 1 lacked */
	fl[0] = flag("I-1", "2026-08-03", "North", 5, GS_STATUS_GAP, 90, NULL);
	fl[0].excerpt = "older male";
	fl[0].mark_end = 5;
	run_init(&run, fl, 1, "old-intel-sha", "2026-11-01");
	meta_init(&m, "h");
	cr_assert_eq(store_write(s, &run, &m), 2);
	query(s, "SELECT run_id, record_id, days, excerpt, mark_end"
		 " FROM assessments WHERE record_id = 'I-1' ORDER BY run_id",
	      &got);
	cr_assert_str_eq(got.data, "1|I-1|59|~|~\n2|I-1|90|older male|5\n");
	gs_buf_release(&want);
	gs_buf_release(&got);
	gs_store_free(s);
}

Test(store, migrate_frozen_v1)
{
	static const char *const schema[] = {"v1.sql", NULL};

	check_migrated("v1.db", schema);
}

/* Version 2 changed twice after f8be504 without a new number: these
 * databases say version 2 but lack excerpts, entities, chain counts or
 * isolated_records, so "already current" would fail the next scan. */
Test(store, migrate_frozen_v2_f8be504)
{
	static const char *const schema[] = {"v1.sql", "v2-f8be504.sql",
					     NULL};

	check_migrated("v2a.db", schema);
}

Test(store, migrate_frozen_v2_fb25e8d)
{
	static const char *const schema[] = {"v1.sql", "v2-fb25e8d.sql",
					     NULL};

	check_migrated("v2b.db", schema);
}

Test(store, same_inputs_same_assessments)
{
	struct gs_flagged fl[3];
	unsigned rl[1] = {1};
	struct gs_store_meta m;
	struct gs_run run, other;
	struct gs_store *s = open_db("same.db");
	struct gs_buf a, b;

	fl[0] = flag("I-1", "2026-09-01", "North", 5, GS_STATUS_GAP, 61, NULL);
	fl[0].rules = rl;
	fl[0].nrules = 1;
	fl[1] = flag("I-2", "2026-10-03", "South", 3, GS_STATUS_LATE, 40,
		     "A-1");
	fl[2] = flag("I-3", "2026-10-20", "South", 3, GS_STATUS_OPEN, 12,
		     NULL);
	run_init(&run, fl, 3, "same-sha", "2026-11-01");
	meta_init(&m, "h");
	cr_assert_eq(gs_store_find_same_inputs(s, &run), 0);
	cr_assert_eq(store_write(s, &run, &m), 1);
	cr_assert_eq(gs_store_find_same_inputs(s, &run), 1);
	cr_assert_eq(store_write(s, &run, &m), 2);
	cr_assert_eq(gs_store_find_same_inputs(s, &run), 1);
	run_init(&other, fl, 3, "other-sha", "2026-11-01");
	cr_assert_eq(gs_store_find_same_inputs(s, &other), 0);

	gs_buf_init(&a, 0);
	gs_buf_init(&b, 0);
	query(s, "SELECT * FROM assessments WHERE run_id = 1 ORDER BY"
		 " record_id",
	      &a);
	query(s, "SELECT * FROM assessments WHERE run_id = 2 ORDER BY"
		 " record_id",
	      &b);
	cr_assert_eq(a.len, b.len);
	/* identical after the run id column */
	cr_assert_eq(a.data[0], '1');
	cr_assert_eq(b.data[0], '2');
	for (size_t i = 0; i < a.len; i++)
		if (a.data[i] == '\n' && i + 1 < a.len) {
			a.data[i + 1] = 'x';
			b.data[i + 1] = 'x';
		}
	a.data[0] = b.data[0] = 'x';
	cr_assert_str_eq(a.data, b.data);
	cr_assert_eq(a.len > 60, 1);
	gs_buf_release(&a);
	gs_buf_release(&b);
	gs_store_free(s);
}

/* ---- diff ---- */

Test(store, diff_categories)
{
	struct gs_flagged fa[5], fb[5], fc[5];
	struct gs_store_meta m;
	struct gs_run ra, rb, rc;
	struct gs_store *s = open_db("diff.db");
	struct gs_store_diff_row *d = NULL;
	size_t n = 0;
	struct gs_error err;

	fa[0] = flag("R1", "2026-09-01", "North", 5, GS_STATUS_GAP, 30, NULL);
	fa[1] = flag("R2", "2026-09-02", "North", 5, GS_STATUS_GAP, 29, NULL);
	fa[2] = flag("R4", "2026-09-20", "South", 3, GS_STATUS_OPEN, 11, NULL);
	fa[3] = flag("R5", "2026-09-03", "South", 3, GS_STATUS_ACTIONED, 2,
		     "A-5");
	fa[4] = flag("R6", "2026-09-04", "East", 4, GS_STATUS_GAP, 27, NULL);
	run_init(&ra, fa, 5, "sha-a", "2026-10-01");

	fb[0] = flag("R1", "2026-09-01", "North", 5, GS_STATUS_GAP, 60, NULL);
	fb[1] = flag("R2", "2026-09-02", "North", 5, GS_STATUS_LATE, 35,
		     "A-9");
	fb[2] = flag("R3", "2026-10-05", "West", 3, GS_STATUS_GAP, 26, NULL);
	fb[3] = flag("R4", "2026-09-20", "South", 3, GS_STATUS_GAP, 41, NULL);
	fb[4] = flag("R5", "2026-09-03", "South", 3, GS_STATUS_ACTIONED, 2,
		     "A-5");
	run_init(&rb, fb, 5, "sha-b", "2026-10-31");
	meta_init(&m, "hash-1");
	cr_assert_eq(store_write(s, &ra, &m), 1);
	cr_assert_eq(store_write(s, &rb, &m), 2);

	gs_error_clear(&err);
	cr_assert_eq(gs_store_diff(s, 1, 2, &d, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 5);
	/* new, by days in B descending: R4 (41) then R3 (26) */
	cr_assert_eq(d[0].kind, GS_DIFF_NEW);
	cr_assert_str_eq(d[0].record_id, "R4");
	cr_assert_str_eq(d[0].status_a, "open");
	cr_assert_eq(d[0].days_a, 11);
	cr_assert_eq(d[0].days_b, 41);
	cr_assert_eq(d[1].kind, GS_DIFF_NEW);
	cr_assert_str_eq(d[1].record_id, "R3");
	cr_assert_str_eq(d[1].status_a, "");
	cr_assert_eq(d[1].days_a, -1);
	cr_assert_str_eq(d[1].district, "West");
	cr_assert_eq(d[2].kind, GS_DIFF_STILL_OPEN);
	cr_assert_str_eq(d[2].record_id, "R1");
	cr_assert_eq(d[2].days_a, 30);
	cr_assert_eq(d[2].days_b, 60);
	cr_assert_eq(d[3].kind, GS_DIFF_RESOLVED);
	cr_assert_str_eq(d[3].record_id, "R2");
	cr_assert_str_eq(d[3].status_b, "late");
	cr_assert_str_eq(d[3].first_action_id, "A-9");
	cr_assert_str_eq(d[3].first_action_type, "safeguarding visit");
	cr_assert_eq(d[4].kind, GS_DIFF_GONE);
	cr_assert_str_eq(d[4].record_id, "R6");
	cr_assert_str_eq(d[4].status_b, "");
	cr_assert_str_eq(d[4].district, "East");
	gs_store_diff_free(d, n);

	/* same inputs as B under a new rule pack: R1's score changes, R3
	 * is no longer flagged; R4 keeps its score and stays a plain gap */
	fc[0] = fb[0];
	fc[0].score = 8;
	fc[1] = fb[1];
	fc[2] = fb[3];
	fc[3] = fb[4];
	run_init(&rc, fc, 4, "sha-b", "2026-10-31");
	meta_init(&m, "hash-2");
	cr_assert_eq(store_write(s, &rc, &m), 3);
	cr_assert_eq(gs_store_diff(s, 2, 3, &d, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n, 3);
	cr_assert_eq(d[0].kind, GS_DIFF_STILL_OPEN);
	cr_assert_str_eq(d[0].record_id, "R4");
	cr_assert_eq(d[1].kind, GS_DIFF_RULES);
	cr_assert_str_eq(d[1].record_id, "R1");
	cr_assert_eq(d[1].score_a, 5);
	cr_assert_eq(d[1].score_b, 8);
	cr_assert_eq(d[2].kind, GS_DIFF_RULES);
	cr_assert_str_eq(d[2].record_id, "R3");
	cr_assert_str_eq(d[2].status_a, "gap");
	cr_assert_str_eq(d[2].status_b, "");
	gs_store_diff_free(d, n);

	cr_assert_eq(gs_store_diff(s, 2, 9, &d, &n, &err), GS_ERR_USAGE);
	cr_assert_str_eq(err.msg, "no run 9 in this database");
	gs_store_free(s);
}

/* ---- trend ---- */

Test(store, trend_percentiles)
{
	/* 2026-01: actioned/late days {1,2,3,10,30} -> median 3, p90 30;
	 * 2026-02: {4,8} -> median 6, p90 8; 2026-03: none */
	struct gs_flagged f[10];
	unsigned r0[1] = {0};
	unsigned r01[2] = {0, 1};
	struct gs_store_month months[] = {{"2026-01", "North", 50},
					  {"2026-01", "South", 30},
					  {"2026-02", "North", 20},
					  {"2026-03", "North", 7},
					  {"2026-04", "South", 9}};
	struct gs_store_meta m;
	struct gs_run run;
	struct gs_store *s = open_db("trend.db");
	struct gs_store_count *c = NULL;
	size_t n = 0;
	struct gs_error err;

	f[0] = flag("a", "2026-01-03", "North", 3, GS_STATUS_ACTIONED, 10, "x");
	f[1] = flag("b", "2026-01-05", "North", 3, GS_STATUS_ACTIONED, 1, "x");
	f[2] = flag("c", "2026-01-09", "South", 3, GS_STATUS_LATE, 30, "x");
	f[3] = flag("d", "2026-01-10", "South", 3, GS_STATUS_ACTIONED, 3, "x");
	f[4] = flag("e", "2026-01-31", "North", 3, GS_STATUS_ACTIONED, 2, "x");
	f[5] = flag("f", "2026-01-31", "North", 3, GS_STATUS_GAP, 90, NULL);
	f[6] = flag("g", "2026-02-01", "North", 3, GS_STATUS_ACTIONED, 8, "x");
	f[7] = flag("h", "2026-02-11", "North", 3, GS_STATUS_ACTIONED, 4, "x");
	f[8] = flag("i", "2026-03-02", "North", 3, GS_STATUS_OPEN, 20, NULL);
	f[9] = flag("j", "2026-03-02", "North", 3, GS_STATUS_INDETERMINATE, 0,
		    NULL);
	for (int i = 0; i < 10; i++) {
		f[i].rules = i == 2 ? r01 : r0;
		f[i].nrules = i == 2 ? 2 : 1;
	}
	run_init(&run, f, 10, "t", "2026-03-22");
	meta_init(&m, "h");
	m.months = months;
	m.nmonths = 5;
	store_write(s, &run, &m);

	gs_error_clear(&err);
	cr_assert_eq(gs_store_counts(s, 1, GS_STORE_BY_MONTH, &c, &n, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(c[0].month, "2026-01");
	cr_assert_null(c[0].group);
	cr_assert_eq(c[0].records, 80);
	cr_assert_eq(c[0].flagged, 6);
	cr_assert_eq(c[0].actioned, 4);
	cr_assert_eq(c[0].late, 1);
	cr_assert_eq(c[0].gap, 1);
	cr_assert_float_eq(c[0].median_days, 3.0, 1e-9);
	cr_assert_float_eq(c[0].p90_days, 30.0, 1e-9);
	cr_assert_str_eq(c[1].month, "2026-02");
	cr_assert_eq(c[1].records, 20);
	cr_assert_float_eq(c[1].median_days, 6.0, 1e-9);
	cr_assert_float_eq(c[1].p90_days, 8.0, 1e-9);
	cr_assert_str_eq(c[2].month, "2026-03");
	cr_assert_eq(c[2].open, 1);
	cr_assert_eq(c[2].indeterminate, 1);
	cr_assert_float_eq(c[2].median_days, -1.0, 1e-9);
	cr_assert_str_eq(c[3].month, "2026-04");
	cr_assert_eq(c[3].records, 9);
	cr_assert_eq(c[3].flagged, 0);
	gs_store_counts_free(c, n);

	cr_assert_eq(gs_store_counts(s, 1,
				     GS_STORE_BY_MONTH | GS_STORE_BY_DISTRICT,
				     &c, &n, &err),
		     0);
	cr_assert_eq(n, 5);
	cr_assert_str_eq(c[0].month, "2026-01");
	cr_assert_str_eq(c[0].group, "North");
	cr_assert_eq(c[0].records, 50);
	cr_assert_eq(c[0].flagged, 4);
	cr_assert_float_eq(c[0].median_days, 2.0, 1e-9); /* {1,2,10} */
	cr_assert_float_eq(c[0].p90_days, 10.0, 1e-9);
	cr_assert_str_eq(c[1].group, "South");
	cr_assert_eq(c[1].records, 30);
	cr_assert_float_eq(c[1].median_days, 16.5, 1e-9); /* {3,30} */
	cr_assert_float_eq(c[1].p90_days, 30.0, 1e-9);
	cr_assert_str_eq(c[4].month, "2026-04");
	cr_assert_str_eq(c[4].group, "South");
	gs_store_counts_free(c, n);

	cr_assert_eq(gs_store_counts(s, 1, GS_STORE_BY_CATEGORY, &c, &n, &err),
		     0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(c[0].group, "grooming");
	cr_assert_eq(c[0].flagged, 10);
	cr_assert_eq(c[0].records, -1);
	cr_assert_float_eq(c[0].median_days, 4.0, 1e-9); /* 1,2,3,4,8,10,30 */
	cr_assert_float_eq(c[0].p90_days, 30.0, 1e-9);
	cr_assert_str_eq(c[1].group, "relationship");
	cr_assert_eq(c[1].flagged, 1);
	cr_assert_eq(c[1].late, 1);
	gs_store_counts_free(c, n);
	gs_store_free(s);
}

/* ---- crash safety ---- */

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Child: writes a run far too large to finish before it is killed. */
static void write_huge(const char *path)
{
	enum { N = 2000000 };
	struct gs_flagged *fl = xcalloc(N, sizeof *fl);
	char *ids = xmalloc((size_t)N * 16);
	struct gs_scan_hit hit = {0, 0, 1, 5, GS_HIT_ACTIVE, -1};
	struct gs_store_meta m;
	struct gs_run run;
	struct gs_store *s = NULL;
	struct gs_error err;

	for (int i = 0; i < N; i++) {
		snprintf(ids + (size_t)i * 16, 16, "H%09d", i);
		fl[i] = flag(ids + (size_t)i * 16, "2026-09-01", "North", 5,
			     GS_STATUS_GAP, 61, NULL);
		fl[i].hits = &hit;
		fl[i].nhits = 1;
	}
	run_init(&run, fl, N, "huge", "2026-11-01");
	meta_init(&m, "h");
	if (gs_store_open(&s, path, 1, &err) != 0)
		_exit(3);
	gs_store_write(s, &run, &m, NULL, &err);
	_exit(4); /* finishing means the test did not test anything */
}

Test(store, sigkill_mid_write_leaves_earlier_runs)
{
	char path[256], journal[300];
	struct gs_flagged fl[1];
	struct gs_store_meta m;
	struct gs_run run;
	struct gs_store *s = open_db("kill.db");
	struct gs_store_run_row *rows = NULL;
	size_t n = 0;
	struct gs_error err;
	struct gs_buf b;
	off_t before;
	pid_t pid;
	int status;
	int waited = 0;

	fl[0] = flag("I-1", "2026-09-01", "North", 5, GS_STATUS_GAP, 61, NULL);
	run_init(&run, fl, 1, "small", "2026-11-01");
	meta_init(&m, "h");
	cr_assert_eq(store_write(s, &run, &m), 1);
	gs_store_free(s);
	db_path(path, sizeof path, "kill.db");
	snprintf(journal, sizeof journal, "%s-journal", path);
	before = file_size(path);

	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0)
		write_huge(path);
	/* wait until the transaction has spilled pages into the database
	 * file itself (cache overflow), so the kill lands mid-write */
	while (waited < 60000 &&
	       (file_size(journal) < 0 || file_size(path) < before + (4 << 20))) {
		struct timespec ts = {0, 5000000};

		nanosleep(&ts, NULL);
		waited += 5;
	}
	cr_assert_lt(waited, 60000, "the writer never got going");
	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		  "writer finished before the kill");
	cr_assert_geq(file_size(journal), 0, "hot journal expected");

	gs_error_clear(&err);
	s = NULL;
	cr_assert_eq(gs_store_open(&s, path, 0, &err), 0, "%s", err.msg);
	cr_assert_eq(gs_store_runs(s, &rows, &n, &err), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(rows[0].id, 1);
	gs_store_runs_free(rows, n);
	gs_buf_init(&b, 0);
	query(s, "PRAGMA integrity_check", &b);
	cr_assert_str_eq(b.data, "ok\n");
	query(s, "SELECT count(*), max(run_id) FROM assessments", &b);
	cr_assert_str_eq(b.data, "1|1\n");
	gs_buf_release(&b);
	/* and the next run still writes */
	cr_assert_eq(store_write(s, &run, &m), 2);
	gs_store_free(s);
}
