/*
 * cmd_history.c - `gapscan runs`, `gapscan diff` and `gapscan trend`: the
 * run history read back from the database (gs_store.h).
 *
 * Each command fills one small table of typed cells and hands it to a
 * writer (table, csv, json) picked from a registry, so the three commands
 * print the same three formats the same way.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gs_cli.h"
#include "gs_report.h"
#include "gs_store.h"
#include "gs_util.h"

/* ---- a table of typed cells ---- */

enum cell_type { CELL_NULL, CELL_STR, CELL_INT, CELL_REAL };

struct cell {
	enum cell_type type;
	char *s;
	long long i;
	double d;
};

struct table {
	const char *const *cols;
	size_t ncols;
	struct cell *cells; /* row-major */
	size_t ncells, cap;
};

static void table_init(struct table *t, const char *const *cols, size_t n)
{
	memset(t, 0, sizeof *t);
	t->cols = cols;
	t->ncols = n;
}

static void table_release(struct table *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i].s);
	free(t->cells);
	memset(t, 0, sizeof *t);
}

static size_t table_rows(const struct table *t)
{
	return t->ncells / t->ncols;
}

static struct cell *push_cell(struct table *t, enum cell_type type)
{
	struct cell *c;

	if (t->ncells == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 64;
		t->cells = xrealloc(t->cells, t->cap * sizeof *t->cells);
	}
	c = &t->cells[t->ncells++];
	memset(c, 0, sizeof *c);
	c->type = type;
	return c;
}

/* "" is stored as NULL: an absent district or action is not a value. */
static void put_str(struct table *t, const char *s)
{
	if (!s || !*s) {
		push_cell(t, CELL_NULL);
		return;
	}
	push_cell(t, CELL_STR)->s = xstrdup(s);
}

static void put_int(struct table *t, long long v)
{
	push_cell(t, CELL_INT)->i = v;
}

static void put_real(struct table *t, double v)
{
	push_cell(t, CELL_REAL)->d = v;
}

/* Text of a cell for table and csv output; buf holds numbers. */
static const char *cell_text(const struct cell *c, char buf[32],
			     const char *null)
{
	switch (c->type) {
	case CELL_STR:
		return c->s;
	case CELL_INT:
		snprintf(buf, 32, "%lld", c->i);
		return buf;
	case CELL_REAL:
		snprintf(buf, 32, "%.1f", c->d);
		return buf;
	default:
		return null;
	}
}

/* ---- writers ---- */

struct writer {
	const char *name;
	void (*write)(FILE *fp, const struct table *t, const char *title);
};

static void write_table(FILE *fp, const struct table *t, const char *title)
{
	size_t *width = xcalloc(t->ncols, sizeof *width);
	char *num = xcalloc(t->ncols, 1); /* numeric column: align right */
	size_t rows = table_rows(t);
	char buf[32];

	if (title)
		fprintf(fp, "%s\n", title);
	for (size_t j = 0; j < t->ncols; j++)
		width[j] = strlen(t->cols[j]);
	for (size_t i = 0; i < t->ncells; i++) {
		const struct cell *c = &t->cells[i];
		size_t w = strlen(cell_text(c, buf, "-"));

		if (w > width[i % t->ncols])
			width[i % t->ncols] = w;
		if (c->type == CELL_INT || c->type == CELL_REAL)
			num[i % t->ncols] = 1;
	}
	for (size_t r = 0; r <= rows; r++) {
		for (size_t j = 0; j < t->ncols; j++) {
			const char *s = r ? cell_text(&t->cells[(r - 1) *
								t->ncols + j],
						      buf, "-")
					  : t->cols[j];
			int w = j + 1 < t->ncols || num[j] ? (int)width[j] : 0;

			fprintf(fp, num[j] ? "%s%*s" : "%s%-*s", j ? "  " : "",
				w, s);
		}
		fputc('\n', fp);
	}
	free(num);
	free(width);
}

static void write_csv(FILE *fp, const struct table *t, const char *title)
{
	char buf[32];

	(void)title;
	for (size_t j = 0; j < t->ncols; j++) {
		if (j)
			fputc(',', fp);
		gs_report_csv_text(fp, t->cols[j]);
	}
	fputs("\r\n", fp);
	for (size_t i = 0; i < t->ncells; i++) {
		/* text from the data is quoted and formula-neutralised;
		 * numbers (older_by may be negative) are written as they are */
		if (t->cells[i].type == CELL_STR)
			gs_report_csv_text(fp, t->cells[i].s);
		else
			fputs(cell_text(&t->cells[i], buf, ""), fp);
		fputs((i + 1) % t->ncols ? "," : "\r\n", fp);
	}
}

static json_t *table_json(const struct table *t)
{
	json_t *arr = json_array();

	for (size_t r = 0; r < table_rows(t); r++) {
		json_t *obj = json_object();

		for (size_t j = 0; j < t->ncols; j++) {
			const struct cell *c = &t->cells[r * t->ncols + j];
			json_t *v;

			switch (c->type) {
			case CELL_STR:
				v = json_string(c->s);
				break;
			case CELL_INT:
				v = json_integer(c->i);
				break;
			case CELL_REAL:
				v = json_real(c->d);
				break;
			default:
				v = json_null();
			}
			json_object_set_new(obj, t->cols[j], v);
		}
		json_array_append_new(arr, obj);
	}
	return arr;
}

/* JSON is written by the command (it wraps the rows in an object). */
static void write_json_rows(FILE *fp, const struct table *t,
			    const char *title)
{
	json_t *arr = table_json(t);

	(void)title;
	json_dumpf(arr, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', fp);
	json_decref(arr);
}

static const struct writer writers[] = {
	{"table", write_table},
	{"csv", write_csv},
	{"json", write_json_rows},
};

static const struct writer *find_writer(const char *name)
{
	for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++)
		if (strcmp(writers[i].name, name) == 0)
			return &writers[i];
	return NULL;
}

/* ---- shared options ---- */

struct hist_opts {
	const char *db;
	const char *out;
	const struct writer *fmt;
	long long run;
	const char *by;
	int help;
};

enum { O_DB = 1, O_FORMAT, O_OUT, O_RUN, O_BY, O_HELP };

static const struct option long_opts[] = {
	{"db", required_argument, NULL, O_DB},
	{"format", required_argument, NULL, O_FORMAT},
	{"out", required_argument, NULL, O_OUT},
	{"run", required_argument, NULL, O_RUN},
	{"by", required_argument, NULL, O_BY},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0},
};

/* allowed: which of --run/--by the command takes. Returns 0, or an exit
 * code after printing the usage error. */
static int parse_opts(int argc, char **argv, const char *cmd, int allowed,
		      struct hist_opts *o)
{
	int c;

	memset(o, 0, sizeof *o);
	o->fmt = &writers[0];
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		if ((c == O_RUN || c == O_BY) && !(allowed & (1 << c)))
			c = '?';
		switch (c) {
		case O_DB:
			o->db = optarg;
			break;
		case O_OUT:
			o->out = optarg;
			break;
		case O_FORMAT:
			o->fmt = find_writer(optarg);
			if (!o->fmt)
				return gs_cli_usage_error(
					"--format: \"%s\" is not table, csv "
					"or json",
					optarg);
			break;
		case O_RUN:
			if (gs_parse_run_id(optarg, &o->run) < 0)
				return gs_cli_usage_error(
					"--run: \"%s\" is not a run id",
					optarg);
			break;
		case O_BY:
			if (strcmp(optarg, "district") != 0 &&
			    strcmp(optarg, "category") != 0)
				return gs_cli_usage_error(
					"--by: \"%s\" is not district or "
					"category",
					optarg);
			o->by = optarg;
			break;
		case 'h':
		case O_HELP:
			o->help = 1;
			break;
		case ':':
			return gs_cli_usage_error("%s needs a value; see "
						  "gapscan %s --help",
						  argv[optind - 1], cmd);
		default:
			return gs_cli_usage_error("unknown option \"%s\"; see "
						  "gapscan %s --help",
						  argv[optind - 1], cmd);
		}
	}
	if (!o->db)
		o->db = gs_store_default_path();
	return 0;
}

static const char db_help[] =
	"  --db FILE             database (default: $GAPSCAN_DB, else "
	"./gapscan.db)\n"
	"  --format FMT          table (default), csv or json\n"
	"  --out FILE            write there (mode 0600) instead of stdout\n"
	"  --help                this text\n"
	"\nexit codes: 0 ok, 2 usage error, 3 not enough runs, 5 database "
	"error\n";

static int print_help(const char *text)
{
	fputs(text, stdout);
	fputs(db_help, stdout);
	return GS_EXIT_OK;
}

/* Writes t (and, for json, the object head built by the caller) to the
 * chosen output through a temporary file. */
static int emit(const struct hist_opts *o, const struct table *t,
		json_t *head, const char *rows_key, const char *title)
{
	struct gs_out out;
	struct gs_error err;

	gs_error_clear(&err);
	if (gs_out_open(&out, o->out, &err) < 0)
		return gs_cli_fail(&err);
	if (o->fmt->write == write_json_rows && head) {
		json_object_set_new(head, rows_key, table_json(t));
		json_dumpf(head, out.fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out.fp);
	} else {
		o->fmt->write(out.fp, t, title);
	}
	if (gs_out_commit(&out, &err) < 0)
		return gs_cli_fail(&err);
	return GS_EXIT_OK;
}

static int open_store(const struct hist_opts *o, struct gs_store **s)
{
	struct gs_error err;

	gs_error_clear(&err);
	if (gs_store_open(s, o->db, 0, &err) < 0)
		return gs_cli_fail(&err);
	return 0;
}

/* "2026.11+1a2b3c4d": pack version and the first 8 hex of its hash. */
static void rules_label(char *out, size_t n, const char *version,
			const char *hash)
{
	snprintf(out, n, "%s+%.8s", *version ? version : "?", hash);
}

/* ---- runs ---- */

static const char runs_help[] =
	"usage: gapscan runs [--db FILE] [--format table|csv|json]\n\n"
	"Lists the stored runs, newest first: id, when it finished (UTC),\n"
	"as-of date, intelligence file, records read, flagged, gap, late,\n"
	"open, actioned, and the rule pack (version+short hash).\n\n";

int gs_cmd_runs(int argc, char **argv)
{
	static const char *const cols[] = {
		"run",  "finished", "as_of", "intel",    "records", "flagged",
		"gap",  "late",     "open",  "actioned", "rules"};
	struct hist_opts o;
	struct gs_store *s = NULL;
	struct gs_store_run_row *rows = NULL;
	size_t n = 0;
	struct table t;
	struct gs_error err;
	char label[128];
	int rc;

	rc = parse_opts(argc, argv, "runs", 0, &o);
	if (rc)
		return rc;
	if (o.help)
		return print_help(runs_help);
	if (optind < argc)
		return gs_cli_usage_error("runs takes no arguments; see "
					  "gapscan runs --help");
	rc = open_store(&o, &s);
	if (rc)
		return rc;
	table_init(&t, cols, sizeof cols / sizeof cols[0]);
	gs_error_clear(&err);
	if (gs_store_runs(s, &rows, &n, &err) < 0) {
		rc = gs_cli_fail(&err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct gs_store_run_row *r = &rows[i];

		put_int(&t, r->id);
		put_str(&t, r->finished_at);
		put_str(&t, r->as_of);
		put_str(&t, r->intel_name);
		put_int(&t, (long long)r->records_read);
		put_int(&t, (long long)r->flagged);
		put_int(&t, (long long)r->gap);
		put_int(&t, (long long)r->late);
		put_int(&t, (long long)r->open);
		put_int(&t, (long long)r->actioned);
		rules_label(label, sizeof label, r->rules_version,
			    r->rules_hash);
		put_str(&t, label);
	}
	if (n == 0 && o.fmt->write == write_table)
		fprintf(stderr, "gapscan: %s: no runs stored yet\n", o.db);
	{
		json_t *head = json_object();

		json_object_set_new(head, "database", json_string(o.db));
		rc = emit(&o, &t, head, "runs", NULL);
		json_decref(head);
	}
out:
	gs_store_runs_free(rows, n);
	table_release(&t);
	gs_store_free(s);
	return rc;
}

/* ---- diff ---- */

static const char diff_help[] =
	"usage: gapscan diff [--db FILE] [RUN_A RUN_B] "
	"[--format table|csv|json]\n\n"
	"What changed from run A to run B (default: the last two runs, A the\n"
	"older): gaps new in B; gaps still open in both, with how many days\n"
	"older they are; gaps resolved (actioned or late in B) with the\n"
	"action that resolved them; gaps no longer flagged in B; and, when\n"
	"the rule pack changed between the runs, records whose flag or score\n"
	"changed because of it (kind rules_changed), reported separately.\n\n";

static const char *const diff_cols[] = {
	"kind",     "record_id", "district", "logged",  "status_a",
	"status_b", "days_a",    "days_b",   "older_by", "score_a",
	"score_b",  "action_id", "action_type"};
#define DIFF_NCOLS (sizeof diff_cols / sizeof diff_cols[0])

static void diff_row(struct table *t, const struct gs_store_diff_row *d,
		     int with_kind)
{
	if (with_kind)
		put_str(t, gs_diff_kind_name(d->kind));
	put_str(t, d->record_id);
	put_str(t, d->district);
	put_str(t, d->logged_date);
	put_str(t, d->status_a);
	put_str(t, d->status_b);
	if (d->days_a >= 0)
		put_int(t, d->days_a);
	else
		put_str(t, NULL);
	if (d->days_b >= 0)
		put_int(t, d->days_b);
	else
		put_str(t, NULL);
	if (d->kind == GS_DIFF_STILL_OPEN)
		put_int(t, d->days_b - d->days_a);
	else
		put_str(t, NULL);
	if (d->status_a[0])
		put_int(t, d->score_a);
	else
		put_str(t, NULL);
	if (d->status_b[0])
		put_int(t, d->score_b);
	else
		put_str(t, NULL);
	put_str(t, d->first_action_id);
	put_str(t, d->first_action_type);
}

static const char *const kind_titles[GS_DIFF_NKINDS] = {
	"new gaps", "gaps still open", "gaps resolved",
	"gaps no longer flagged", "changed by the rule pack change"};

/* Terminal form: a summary line and one table per kind. */
static int diff_table(const struct hist_opts *o,
		      const struct gs_store_run_row *a,
		      const struct gs_store_run_row *b,
		      const struct gs_store_diff_row *d, size_t n)
{
	size_t count[GS_DIFF_NKINDS] = {0};
	struct gs_out out;
	struct gs_error err;

	gs_error_clear(&err);
	for (size_t i = 0; i < n; i++)
		count[d[i].kind]++;
	if (gs_out_open(&out, o->out, &err) < 0)
		return gs_cli_fail(&err);
	fprintf(out.fp,
		"run %lld (as of %s) -> run %lld (as of %s): %zu new, %zu still "
		"open, %zu resolved, %zu no longer flagged, %zu changed by "
		"rules\n",
		a->id, a->as_of, b->id, b->as_of, count[GS_DIFF_NEW],
		count[GS_DIFF_STILL_OPEN], count[GS_DIFF_RESOLVED],
		count[GS_DIFF_GONE], count[GS_DIFF_RULES]);
	if (strcmp(a->rules_hash, b->rules_hash) != 0)
		fprintf(out.fp, "rule pack changed: %s+%.8s -> %s+%.8s\n",
			a->rules_version, a->rules_hash, b->rules_version,
			b->rules_hash);
	for (int k = 0; k < GS_DIFF_NKINDS; k++) {
		struct table t;
		char title[96];

		if (!count[k])
			continue;
		table_init(&t, diff_cols + 1, DIFF_NCOLS - 1);
		for (size_t i = 0; i < n; i++) {
			if ((int)d[i].kind != k)
				continue;
			diff_row(&t, &d[i], 0); /* the section names it */
		}
		snprintf(title, sizeof title, "\n%s (%zu):", kind_titles[k],
			 count[k]);
		write_table(out.fp, &t, title);
		table_release(&t);
	}
	if (gs_out_commit(&out, &err) < 0)
		return gs_cli_fail(&err);
	return GS_EXIT_OK;
}

int gs_cmd_diff(int argc, char **argv)
{
	struct hist_opts o;
	struct gs_store *s = NULL;
	struct gs_store_run_row *a = NULL, *b = NULL;
	struct gs_store_diff_row *d = NULL;
	size_t n = 0;
	long long ra, rb;
	struct table t;
	struct gs_error err;
	int rc;

	rc = parse_opts(argc, argv, "diff", 0, &o);
	if (rc)
		return rc;
	if (o.help)
		return print_help(diff_help);
	if (argc - optind != 0 && argc - optind != 2)
		return gs_cli_usage_error("diff takes two run ids or none; see "
					  "gapscan diff --help");
	ra = rb = 0;
	for (int i = 0; i < argc - optind; i++) {
		if (gs_parse_run_id(argv[optind + i], i ? &rb : &ra) < 0)
			return gs_cli_usage_error(
				"diff: \"%s\" is not a run id",
				argv[optind + i]);
	}
	rc = open_store(&o, &s);
	if (rc)
		return rc;
	table_init(&t, diff_cols, DIFF_NCOLS);
	gs_error_clear(&err);
	if (!rb) {
		rb = gs_store_latest_run(s);
		ra = rb ? gs_store_previous_run(s, rb) : 0;
		if (!ra) {
			fprintf(stderr,
				"gapscan: %s: diff needs two runs; this "
				"database holds %s\n",
				o.db, rb ? "one" : "none");
			rc = GS_EXIT_INPUT;
			goto out;
		}
	}
	if (gs_store_run_get(s, ra, &a, &err) < 0 ||
	    gs_store_run_get(s, rb, &b, &err) < 0 ||
	    gs_store_diff(s, ra, rb, &d, &n, &err) < 0) {
		rc = gs_cli_fail(&err);
		goto out;
	}
	if (o.fmt->write == write_table) {
		rc = diff_table(&o, a, b, d, n);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		diff_row(&t, &d[i], 1);
	{
		json_t *head = json_object();

		json_object_set_new(head, "run_a", json_integer(ra));
		json_object_set_new(head, "run_b", json_integer(rb));
		json_object_set_new(
			head, "rules_changed",
			json_boolean(strcmp(a->rules_hash, b->rules_hash)));
		rc = emit(&o, &t, head, "changes", NULL);
		json_decref(head);
	}
out:
	gs_store_diff_free(d, n);
	gs_store_runs_free(a, a ? 1 : 0);
	gs_store_runs_free(b, b ? 1 : 0);
	table_release(&t);
	gs_store_free(s);
	return rc;
}

/* ---- trend ---- */

static const char trend_help[] =
	"usage: gapscan trend [--db FILE] [--run ID] [--by district|category]"
	"\n                     [--format table|csv|json]\n\n"
	"Per month of logging (YYYY-MM) in a run (default: the latest):\n"
	"records assessed, flagged, actioned in time, late, gap, open,\n"
	"indeterminate, and the median and 90th percentile of days to the\n"
	"first qualifying action over actioned and late records (median: mean\n"
	"of the two middle values; p90: nearest rank). With --by, the same\n"
	"per district or per rule category (a record counts once in each\n"
	"category it hit; records is unknown per category).\n\n"
	"  --run ID              the run (default: the latest)\n"
	"  --by district|category  split each month\n";

int gs_cmd_trend(int argc, char **argv)
{
	static const char *const cols_plain[] = {
		"month", "records", "flagged", "actioned", "late", "gap",
		"open", "indeterminate", "median_days", "p90_days"};
	const char *cols[11];
	struct hist_opts o;
	struct gs_store *s = NULL;
	struct gs_store_count *c = NULL;
	struct gs_store_run_row *run = NULL;
	size_t n = 0, ncols = 0;
	unsigned keys = GS_STORE_BY_MONTH;
	struct table t;
	struct gs_error err;
	int rc;

	rc = parse_opts(argc, argv, "trend", (1 << O_RUN) | (1 << O_BY), &o);
	if (rc)
		return rc;
	if (o.help)
		return print_help(trend_help);
	if (optind < argc)
		return gs_cli_usage_error("trend takes no arguments; see "
					  "gapscan trend --help");
	cols[ncols++] = cols_plain[0];
	if (o.by) {
		cols[ncols++] = o.by;
		keys |= strcmp(o.by, "district") == 0 ? GS_STORE_BY_DISTRICT
						      : GS_STORE_BY_CATEGORY;
	}
	for (size_t i = 1; i < sizeof cols_plain / sizeof cols_plain[0]; i++)
		cols[ncols++] = cols_plain[i];
	rc = open_store(&o, &s);
	if (rc)
		return rc;
	table_init(&t, cols, ncols);
	gs_error_clear(&err);
	if (!o.run)
		o.run = gs_store_latest_run(s);
	if (!o.run) {
		fprintf(stderr, "gapscan: %s: no runs stored yet\n", o.db);
		rc = GS_EXIT_INPUT;
		goto out;
	}
	if (gs_store_run_get(s, o.run, &run, &err) < 0 ||
	    gs_store_counts(s, o.run, keys, &c, &n, &err) < 0) {
		rc = gs_cli_fail(&err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		put_str(&t, c[i].month);
		if (o.by)
			put_str(&t, c[i].group);
		if (c[i].records >= 0)
			put_int(&t, c[i].records);
		else
			put_str(&t, NULL);
		put_int(&t, (long long)c[i].flagged);
		put_int(&t, (long long)c[i].actioned);
		put_int(&t, (long long)c[i].late);
		put_int(&t, (long long)c[i].gap);
		put_int(&t, (long long)c[i].open);
		put_int(&t, (long long)c[i].indeterminate);
		if (c[i].median_days >= 0) {
			put_real(&t, c[i].median_days);
			put_real(&t, c[i].p90_days);
		} else {
			put_str(&t, NULL);
			put_str(&t, NULL);
		}
	}
	{
		json_t *head = json_object();
		char title[64];

		snprintf(title, sizeof title, "run %lld (as of %s)", o.run,
			 run->as_of);
		json_object_set_new(head, "run", json_integer(o.run));
		json_object_set_new(head, "by",
				    json_string(o.by ? o.by : "month"));
		rc = emit(&o, &t, head, "months",
			  o.fmt->write == write_table ? title : NULL);
		json_decref(head);
	}
out:
	gs_store_runs_free(run, run ? 1 : 0);
	gs_store_counts_free(c, n);
	table_release(&t);
	gs_store_free(s);
	return rc;
}
