/*
 * test_report.c - the report model and writers: suppression cells exactly,
 * handling codes, ageing buckets, HTML escaping, CSV quoting and formula
 * neutralising, and a model loaded from a real run-history file (restricted
 * records withheld, language kept out of categories, the writers' output).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs_date.h"
#include "gs_report.h"
#include "gs_store.h"
#include "gs_util.h"

/* Output of a writer helper as a NUL-terminated string; caller frees. */
#define CAPTURE(buf, stmt)                                                     \
	do {                                                                   \
		size_t len_;                                                   \
		FILE *fp = open_memstream(&(buf), &len_);                      \
		cr_assert_not_null(fp);                                        \
		stmt;                                                          \
		cr_assert_eq(fclose(fp), 0);                                   \
	} while (0)

/* ---- suppression ---- */

static void grid(struct gs_cell *g, const long *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		g[i].v = v[i];
		g[i].sup = 0;
	}
}

static void expect_hidden(const struct gs_cell *g, const int *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(g[i].sup, want[i], "cell %zu (value %ld): sup %d, "
			     "want %d", i, g[i].v, g[i].sup, want[i]);
}

Test(suppress, secondary_in_rows_and_columns)
{
	/* rows r0, r1, total; columns a, b, total */
	static const long v[9] = {3, 10, 13, 8, 12, 20, 11, 22, 33};
	/* 3 is primary; r0 then hides 10, column a hides 8, column b hides
	 * 12; every row and column then has none or two hidden */
	static const int want[9] = {1, 1, 0, 1, 1, 0, 0, 0, 0};
	struct gs_cell g[9];

	grid(g, v, 9);
	gs_report_suppress_grid(g, 3, 3, 5);
	expect_hidden(g, want, 9);
}

Test(suppress, zeros_stay_and_smallest_nonzero_goes)
{
	static const long v[4] = {0, 2, 7, 9};
	static const int want[4] = {0, 1, 1, 0};
	struct gs_cell g[4];

	grid(g, v, 4);
	gs_report_suppress_grid(g, 1, 4, 5);
	expect_hidden(g, want, 4);
}

Test(suppress, boundaries_of_n)
{
	/* 0 and N shown, 1 and N-1 hidden; two hidden: no secondary */
	static const long v[4] = {0, 1, 4, 5};
	static const int want[4] = {0, 1, 1, 0};
	struct gs_cell g[4];

	grid(g, v, 4);
	gs_report_suppress_grid(g, 1, 4, 5);
	expect_hidden(g, want, 4);
	/* with N = 10 the 5 is primary too */
	grid(g, v, 4);
	gs_report_suppress_grid(g, 1, 4, 10);
	expect_hidden(g, (const int[]){0, 1, 1, 1}, 4);
}

Test(suppress, cascades_until_stable)
{
	/*
	 *      a    b    c   tot
	 * r0   2   40   50    92
	 * r1  30   60   70   160
	 * r2  35   80   90   205
	 * tot 67  180  210   457
	 * 2 primary; r0 hides 40; column a hides 30; column b hides 60;
	 * r1 has 30 and 60 hidden: stable.
	 */
	static const long v[16] = {2,  40, 50, 92,  30, 60,  70,  160,
				   35, 80, 90, 205, 67, 180, 210, 457};
	static const int want[16] = {1, 1, 0, 0, 1, 1, 0, 0,
				     0, 0, 0, 0, 0, 0, 0, 0};
	struct gs_cell g[16];

	grid(g, v, 16);
	gs_report_suppress_grid(g, 4, 4, 5);
	expect_hidden(g, want, 16);
	/* no row or column is left with exactly one hidden cell */
	for (size_t r = 0; r < 4; r++) {
		int row = 0, col = 0;

		for (size_t c = 0; c < 4; c++) {
			row += g[r * 4 + c].sup;
			col += g[c * 4 + r].sup;
		}
		cr_expect_neq(row, 1, "row %zu", r);
		cr_expect_neq(col, 1, "column %zu", r);
	}
}

Test(suppress, custom_lines_share_cells)
{
	/* funnel-like: p = a + b, a = c + d; c = 2 hidden, d next in its
	 * line, then a's line has d... a line is (a, c, d) and (p, a, b) */
	struct gs_cell p = {100, 0}, a = {30, 0}, b = {70, 0}, c = {2, 0},
		       d = {28, 0};
	struct gs_cell *cells[5] = {&p, &a, &b, &c, &d};
	static const size_t lines[6] = {0, 1, 2, 1, 3, 4};
	static const size_t starts[3] = {0, 3, 6};

	gs_report_suppress_lines(cells, lines, starts, 2, 5);
	cr_expect_eq(c.sup, 1);
	cr_expect_eq(d.sup, 1); /* smallest other non-zero in (a, c, d) */
	cr_expect_eq(a.sup, 0);
	cr_expect_eq(b.sup, 0);
	cr_expect_eq(p.sup, 0);
}

/* ---- handling codes and ageing ---- */

struct grading_case {
	char grading[16];
	int restricted;
};

ParameterizedTestParameters(report, restricted)
{
	static struct grading_case cases[] = {
		{"1/A/C", 1}, {"1/A/P", 0}, {"3/E/P", 0}, {"1ac", 1},
		{"B2C", 1},   {"B2P", 0},   {"B24", 1},   {"B25", 1},
		{"B23", 0},   {"B/2/4", 1}, {"E-5-5", 1}, {"", 0},
		{"2/B/C ", 1}, {"A12X", 0}, {"CC", 0},    {"F14", 0},
	};
	return cr_make_param_array(struct grading_case, cases,
				   sizeof(cases) / sizeof(*cases));
}

ParameterizedTest(struct grading_case *c, report, restricted)
{
	cr_expect_eq(gs_report_restricted(c->grading), c->restricted,
		     "grading \"%s\"", c->grading);
}

Test(report, age_buckets)
{
	static const long days[] = {-1, 0, 7, 8, 28, 29, 90, 91, 4000};
	static const int want[] = {GS_AGE_0_7,   GS_AGE_0_7,    GS_AGE_0_7,
				   GS_AGE_8_28,  GS_AGE_8_28,   GS_AGE_29_90,
				   GS_AGE_29_90, GS_AGE_OVER_90, GS_AGE_OVER_90};

	for (size_t i = 0; i < sizeof(days) / sizeof(*days); i++)
		cr_expect_eq(gs_report_age_bucket(days[i]), want[i], "%ld days",
			     days[i]);
	cr_expect_str_eq(gs_report_age_label(GS_AGE_OVER_90), "over 90");
}

/* ---- escaping ---- */

struct esc_case {
	char in[80];
	char out[200];
};

ParameterizedTestParameters(report, html_text)
{
	static struct esc_case cases[] = {
		{"<script>alert(1)</script>",
		 "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"\"><img src=x onerror=alert(2)>",
		 "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"},
		{"Tom & Jerry's", "Tom &amp; Jerry&#39;s"},
		{"caf\xC3\xA9 \xE2\x80\x94 ok", "caf\xC3\xA9 \xE2\x80\x94 ok"},
		{"bad \xC3 byte", "bad \xEF\xBF\xBD byte"},
		{"nul\x01tab\tnl\n", "nul\xEF\xBF\xBDtab\tnl\n"},
	};
	return cr_make_param_array(struct esc_case, cases,
				   sizeof(cases) / sizeof(*cases));
}

ParameterizedTest(struct esc_case *c, report, html_text)
{
	char *out = NULL;

	CAPTURE(out, gs_report_html_text(fp, c->in, strlen(c->in)));
	cr_expect_str_eq(out, c->out);
	free(out);
}

ParameterizedTestParameters(report, csv_text)
{
	static struct esc_case cases[] = {
		{"plain", "plain"},
		{"a,b", "\"a,b\""},
		{"say \"hi\"", "\"say \"\"hi\"\"\""},
		{"two\r\nlines", "\"two\r\nlines\""},
		{"=HYPERLINK(\"http://x\",\"y\")",
		 "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
		{"+44 7700", "\"'+44 7700\""},
		{"-5", "\"'-5\""},
		{"@SUM(A1)", "\"'@SUM(A1)\""},
		{"\tcmd", "\"'\tcmd\""},
		{"\rcmd", "\"'\rcmd\""},
		{"a=b", "a=b"},
		{"", ""},
	};
	return cr_make_param_array(struct esc_case, cases,
				   sizeof(cases) / sizeof(*cases));
}

ParameterizedTest(struct esc_case *c, report, csv_text)
{
	char *out = NULL;

	CAPTURE(out, gs_report_csv_text(fp, c->in));
	cr_expect_str_eq(out, c->out);
	free(out);
}

/* ---- a model from a real database ---- */

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/gs-report-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(model, .init = make_tmpdir, .fini = remove_tmpdir);

static const struct gs_store_rule rules[] = {
	{"cse.gifts", "grooming", 2, 0, 0},
	{"cse.older", "older associates", 3, 0, 0},
	{"lang.prostitute", "language", 0, 1, 0},
};

static const struct gs_store_override overrides[] = {
	{"cse.gifts", "too broad in the pilot", "weight 3 -> 2"},
};

static struct gs_flagged flag(char *id, const char *logged, char *district,
			      char *unit, char *grading, enum gs_status st,
			      long days, unsigned *rl, size_t nrl,
			      char *excerpt, size_t ms, size_t me)
{
	struct gs_flagged f;
	int y, m, d;

	memset(&f, 0, sizeof f);
	sscanf(logged, "%d-%d-%d", &y, &m, &d);
	f.id = id;
	f.line = 2;
	f.logged_day = gs_date_from_ymd(y, m, d);
	f.district = district;
	f.unit = unit;
	f.grading = grading;
	f.sla = 7;
	f.score = 5;
	f.status = st;
	f.days = days;
	f.first_action_day = -1;
	f.rules = rl;
	f.nrules = nrl;
	f.excerpt = excerpt;
	f.mark_start = ms;
	f.mark_end = me;
	return f;
}

static long long write_run_chains(struct gs_store *s, struct gs_flagged *fl,
				  size_t n, const char *as_of, const char *sha,
				  const struct gs_chain_set *cs)
{
	struct gs_store_meta m;
	struct gs_run run;
	struct gs_error err;
	long long id = 0;
	int y, mo, d;

	memset(&m, 0, sizeof m);
	m.tool_version = "0.1.0";
	m.profile_name = "default";
	m.profile_sha256 = "pp";
	m.threshold = 3;
	m.rules_version = "2026.11";
	m.rules_hash = "rh";
	m.rules = rules;
	m.nrules = 3;
	m.overrides = overrides;
	m.noverrides = 1;
	memset(&run, 0, sizeof run);
	sscanf(as_of, "%d-%d-%d", &y, &mo, &d);
	run.as_of = gs_date_from_ymd(y, mo, d);
	run.sla_days = 7;
	run.flagged = fl;
	run.nflagged = n;
	run.counts.records_read = 60;
	run.counts.rejected = 2;
	run.counts.assessed = 58;
	run.counts.flagged = n;
	run.counts.suppressed_only = 4;
	for (size_t i = 0; i < n; i++)
		run.counts.by_status[fl[i].status]++;
	run.intel.path = "intel.csv";
	snprintf(run.intel.sha256, sizeof run.intel.sha256, "%s", sha);
	run.actions.path = "actions.csv";
	snprintf(run.actions.sha256, sizeof run.actions.sha256, "%s", "as");
	if (cs)
		run.chains = *cs;
	gs_error_clear(&err);
	cr_assert_eq(gs_store_write(s, &run, &m, &id, &err), 0, "%s", err.msg);
	return id;
}

static long long write_run(struct gs_store *s, struct gs_flagged *fl,
			   size_t n, const char *as_of, const char *sha)
{
	return write_run_chains(s, fl, n, as_of, sha, NULL);
}

static struct gs_store *fixture(long long *run2)
{
	static unsigned both[] = {0, 1};
	static unsigned older_lang[] = {1, 2};
	static unsigned gifts[] = {0};
	char path[128];
	struct gs_store *s = NULL;
	struct gs_error err;
	struct gs_flagged one[] = {
		flag("I-1", "2026-10-01", "North", "CID", "1/A/P", GS_STATUS_GAP,
		     31, both, 2, "given a phone by an older male", 6, 13),
	};
	struct gs_flagged two[] = {
		flag("I-1", "2026-10-01", "North", "CID", "1/A/P", GS_STATUS_GAP,
		     62, both, 2, "given a phone by an older male", 6, 13),
		flag("I-2", "2026-11-20", "South", "=HYPERLINK(\"x\")", "B2P",
		     GS_STATUS_GAP, 12, older_lang, 2,
		     "<script>alert(1)</script> older male", 26, 36),
		flag("I-3", "2026-11-28", "South", "Response", "1/A/C",
		     GS_STATUS_GAP, 4, gifts, 1, "secret gifts", 7, 12),
		flag("I-4", "2026-09-02", "North", "CID", "", GS_STATUS_LATE, 20,
		     gifts, 1, "", 0, 0),
		flag("I-5", "2026-09-03", "North", "CID", "B24", GS_STATUS_LATE,
		     9, gifts, 1, "gifts", 0, 5),
		flag("I-6", "2026-11-29", "North", "CID", "", GS_STATUS_ACTIONED,
		     1, gifts, 1, "gifts", 0, 5),
	};

	snprintf(path, sizeof path, "%s/h.db", tmpdir);
	gs_error_clear(&err);
	cr_assert_eq(gs_store_open(&s, path, 1, &err), 0, "%s", err.msg);
	write_run(s, one, 1, "2026-11-01", "s1");
	*run2 = write_run(s, two, 6, "2026-12-02", "s2");
	return s;
}

Test(model, load_withholds_restricted_and_orders_exceptions)
{
	struct gs_report r;
	struct gs_error err;
	long long id;
	struct gs_store *s = fixture(&id);

	gs_error_clear(&err);
	cr_assert_eq(gs_report_load(&r, s, 0, NULL, &err), 0, "%s", err.msg);
	cr_expect_eq(r.run->id, id);
	cr_assert_not_null(r.prev);
	cr_expect_str_eq(r.marking, "OFFICIAL-SENSITIVE");
	cr_expect_eq(r.head[GS_HEAD_FLAGGED].v, 6);
	cr_expect_eq(r.head[GS_HEAD_GAP].v, 3);
	cr_expect_eq(r.head[GS_HEAD_LATE].v, 2);
	cr_expect_eq(r.head_prev[GS_HEAD_GAP].v, 1);
	cr_expect_eq(r.funnel[GS_STAGE_NOT_FLAGGED].v, 52);
	cr_expect_eq(r.funnel[GS_STAGE_SUPPRESSED].v, 4);
	cr_expect_eq(r.funnel[GS_STAGE_BELOW].v, 48);
	/* I-3 (1/A/C) and I-5 (B24) are counted but never listed */
	cr_expect_eq(r.withheld, 2);
	cr_assert_eq(r.nexceptions, 3);
	cr_expect_str_eq(r.exceptions[0].id, "I-1"); /* gap, 62 days */
	cr_expect_str_eq(r.exceptions[1].id, "I-2"); /* gap, 12 days */
	cr_expect_str_eq(r.exceptions[2].id, "I-4"); /* late */
	cr_expect_str_eq(r.exceptions[0].categories,
			 "grooming; older associates");
	cr_expect_str_eq(r.exceptions[1].categories, "older associates");
	cr_expect_eq(r.exceptions[1].mark_start, 26);
	cr_expect_eq(r.exceptions[1].mark_end, 36);
	/* ageing counts every gap, restricted ones too */
	cr_expect_eq(r.ageing[GS_AGE_0_7].v, 1);
	cr_expect_eq(r.ageing[GS_AGE_8_28].v, 1);
	cr_expect_eq(r.ageing[GS_AGE_29_90].v, 1);
	cr_expect_eq(r.ageing[GS_AGE_OVER_90].v, 0);
	cr_expect_eq(r.ageing[GS_NAGES].v, 3);
	/* language is its own table, not an indicator category */
	cr_assert_eq(r.categories.n, 2);
	cr_expect_str_eq(r.categories.rows[0].label, "grooming");
	cr_expect_eq(r.categories.rows[0].c[GS_COL_FLAGGED].v, 5);
	cr_expect_str_eq(r.categories.rows[1].label, "older associates");
	cr_expect_eq(r.categories.rows[1].c[GS_COL_FLAGGED].v, 2);
	cr_assert_eq(r.districts.n, 2);
	cr_expect_str_eq(r.districts.rows[1].label, "South");
	cr_expect_eq(r.districts.rows[1].c[GS_COL_GAP].v, 2);
	cr_assert_eq(r.noverrides, 1);
	cr_expect_str_eq(r.overrides[0].what, "weight 3 -> 2");
	cr_expect_eq(r.nchains, 0); /* no chains stored with these runs */
	cr_expect_eq(r.chain_total.c[GS_CHAIN_CHAINS].v, 0);
	cr_expect_eq(r.isolated_records.v, 0);
	gs_report_release(&r);
	gs_store_free(s);
}

Test(model, missing_run_is_a_usage_error)
{
	struct gs_report r;
	struct gs_error err;
	long long id;
	struct gs_store *s = fixture(&id);

	gs_error_clear(&err);
	cr_expect_eq(gs_report_load(&r, s, 99, NULL, &err), GS_ERR_USAGE);
	gs_report_release(&r);
	gs_store_free(s);
}

static char *render(const struct gs_report *r, const char *format, int bom)
{
	const struct gs_report_writer *w = gs_report_writer_find(format);
	struct gs_report_opts o = {bom};
	struct gs_error err;
	char *out = NULL;

	cr_assert_not_null(w, "%s", format);
	gs_error_clear(&err);
	CAPTURE(out, cr_assert_eq(w->write(r, &o, fp, &err), 0, "%s", err.msg));
	return out;
}

Test(model, csv_exception_list)
{
	struct gs_report r;
	struct gs_error err;
	long long id;
	struct gs_store *s = fixture(&id);
	char *out;

	gs_error_clear(&err);
	cr_assert_eq(gs_report_load(&r, s, 0, NULL, &err), 0, "%s", err.msg);
	out = render(&r, "csv", 1);
	cr_expect_str_eq(
		out,
		"\xEF\xBB\xBF"
		"intel_id,logged_date,district,unit,status,days,sla,categories,"
		"rules,first_action_date,excerpt,hit\r\n"
		"I-1,2026-10-01,North,CID,gap,62,7,grooming; older associates,"
		"cse.gifts;cse.older,,given a phone by an older male,a phone\r\n"
		"I-2,2026-11-20,South,\"'=HYPERLINK(\"\"x\"\")\",gap,12,7,"
		"older associates,cse.older;lang.prostitute,,"
		"<script>alert(1)</script> older male,older male\r\n"
		"I-4,2026-09-02,North,CID,late,20,7,grooming,cse.gifts,,,\r\n");
	free(out);
	out = render(&r, "csv", 0);
	cr_expect_eq(strncmp(out, "intel_id,", 9), 0);
	free(out);
	gs_report_release(&r);
	gs_store_free(s);
}

Test(model, html_escapes_and_marks)
{
	struct gs_report r;
	struct gs_error err;
	long long id;
	struct gs_store *s = fixture(&id);
	char *out;

	gs_error_clear(&err);
	cr_assert_eq(gs_report_load(&r, s, 0, "SECRET & <X>", &err), 0, "%s",
		     err.msg);
	out = render(&r, "html", 0);
	cr_expect_null(strstr(out, "<script"));
	cr_expect_not_null(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt;"
					" <mark>older male</mark>"));
	cr_expect_not_null(strstr(out, "=HYPERLINK(&quot;x&quot;)"));
	cr_expect_not_null(
		strstr(out, "<div class=\"marking top\" role=\"note\" "
			    "id=\"marking-top\">SECRET &amp; &lt;X&gt;</div>"));
	cr_expect_not_null(strstr(out, "id=\"marking-bottom\">SECRET &amp; "
				       "&lt;X&gt;</div>"));
	cr_expect_not_null(strstr(out, "id=\"head-gap\" data-value=\"3\">3<"));
	cr_expect_null(strstr(out, "I-3"));
	cr_expect_null(strstr(out, "I-5"));
	cr_expect_null(strstr(out, "http:"));
	cr_expect_null(strstr(out, "https:"));
	free(out);
	gs_report_release(&r);
	gs_store_free(s);
}

Test(model, public_hides_records_units_and_small_counts)
{
	struct gs_report r;
	struct gs_error err;
	long long id;
	struct gs_store *s = fixture(&id);
	char *out;

	gs_error_clear(&err);
	cr_assert_eq(gs_report_load(&r, s, 0, NULL, &err), 0, "%s", err.msg);
	gs_report_suppress(&r, 5);
	cr_expect_eq(r.public, 1);
	cr_expect_eq(r.nexceptions, 0);
	/* every status 1..4 hidden; flagged 6 too, or assessed = 52 + 6
	 * would give rejected = 60 - 58 = 2 */
	cr_expect_eq(r.head[GS_HEAD_FLAGGED].sup, 1);
	cr_expect_eq(r.months.total.c[GS_COL_FLAGGED].sup, 1);
	cr_expect_eq(r.head[GS_HEAD_GAP].sup, 1);
	cr_expect_eq(r.head[GS_HEAD_LATE].sup, 1);
	cr_expect_eq(r.head[GS_HEAD_ACTIONED].sup, 1);
	cr_expect_eq(r.head[GS_HEAD_OPEN].sup, 0); /* 0 stays */
	cr_expect_eq(r.funnel[GS_STAGE_GAP].sup, 1);
	cr_expect_eq(r.funnel[GS_STAGE_READ].sup, 0);
	cr_expect_eq(r.funnel[GS_STAGE_SUPPRESSED].sup, 1);
	/* suppressed 4 hidden, so below-threshold 48 goes with it */
	cr_expect_eq(r.funnel[GS_STAGE_BELOW].sup, 1);
	cr_expect_eq(r.funnel[GS_STAGE_NOT_FLAGGED].sup, 0);
	/* rejected 2 hidden, so assessed 58 goes with it */
	cr_expect_eq(r.funnel[GS_STAGE_REJECTED].sup, 1);
	cr_expect_eq(r.funnel[GS_STAGE_ASSESSED].sup, 1);
	cr_expect_eq(r.ageing[GS_NAGES].sup, 1);
	cr_expect_lt(r.median_days, 0);
	out = render(&r, "html", 0);
	cr_expect_null(strstr(out, "I-1"));
	cr_expect_null(strstr(out, "CID"));
	cr_expect_null(strstr(out, "older male"));
	cr_expect_null(strstr(out, "<mark>"));
	cr_expect_not_null(strstr(out, "id=\"head-gap\" data-value=\"&lt;5\">"));
	free(out);
	out = render(&r, "json", 0);
	cr_expect_not_null(strstr(out, "\"exceptions\": null"));
	cr_expect_not_null(strstr(out, "\"chains\": []"));
	cr_expect_null(strstr(out, "I-2"));
	free(out);
	gs_report_release(&r);
	gs_store_free(s);
}

Test(model, markdown_escapes_table_breakers)
{
	struct gs_report r;
	struct gs_error err;
	long long id;
	struct gs_store *s = fixture(&id);
	char *out;

	gs_error_clear(&err);
	cr_assert_eq(gs_report_load(&r, s, 0, NULL, &err), 0, "%s", err.msg);
	out = render(&r, "md", 0);
	cr_expect_not_null(strstr(
		out, "| I-2 | 2026-11-20 | South | =HYPERLINK(\"x\") | gap | 12 "
		     "| older associates | &lt;script&gt;alert(1)&lt;/script&gt; "
		     "**older male** |\n"));
	cr_expect_null(strstr(out, "<script"));
	free(out);
	gs_report_release(&r);
	gs_store_free(s);
}

/* ---- repeat intelligence ---- */

/*
 * One run with two chains written through gs_store_write: vrm AB12CDE
 * (C-1 gap, C-2 late, C-3 gap but restricted "1/A/C"; 3 subjects, span 8
 * days, not cross-referenced) and phone 07700900123 (C-1, C-4; 1 subject,
 * cross-referenced); isolated pair C-1 and C-3.
 */
static struct gs_store *chain_fixture(void)
{
	static unsigned gifts[] = {0};
	static size_t m1[] = {0, 1, 2}, m2[] = {0, 3}, iso[] = {0, 2};
	static char e1[] = "vrm:AB12CDE", e2[] = "phone:07700900123";
	struct gs_chain ch[2];
	struct gs_chain_set cs;
	char path[128];
	struct gs_store *s = NULL;
	struct gs_error err;
	struct gs_flagged fl[] = {
		flag("C-1", "2026-10-01", "North", "CID", "", GS_STATUS_GAP, 60,
		     gifts, 1, "gifts", 0, 5),
		flag("C-2", "2026-10-05", "North", "CID", "B2P", GS_STATUS_LATE,
		     9, gifts, 1, "gifts", 0, 5),
		flag("C-3", "2026-10-09", "South", "CID", "1/A/C",
		     GS_STATUS_GAP, 50, gifts, 1, "gifts", 0, 5),
		flag("C-4", "2026-10-20", "South", "CID", "", GS_STATUS_ACTIONED,
		     2, gifts, 1, "gifts", 0, 5),
	};

	memset(ch, 0, sizeof ch);
	ch[0].entity = e1;
	ch[0].members = m1;
	ch[0].nmembers = 3;
	ch[0].nsubjects = 3;
	ch[0].ngaps = 2;
	ch[0].first_day = fl[0].logged_day;
	ch[0].last_day = fl[2].logged_day;
	ch[1].entity = e2;
	ch[1].members = m2;
	ch[1].nmembers = 2;
	ch[1].nsubjects = 1;
	ch[1].ngaps = 1;
	ch[1].first_day = fl[0].logged_day;
	ch[1].last_day = fl[3].logged_day;
	ch[1].cross_referenced = 1;
	memset(&cs, 0, sizeof cs);
	cs.chains = ch;
	cs.nchains = 2;
	cs.isolated = iso;
	cs.nisolated = 2;
	cs.isolated_pairs = 1;
	snprintf(path, sizeof path, "%s/c.db", tmpdir);
	gs_error_clear(&err);
	cr_assert_eq(gs_store_open(&s, path, 1, &err), 0, "%s", err.msg);
	write_run_chains(s, fl, 4, "2026-12-01", "c1", &cs);
	return s;
}

Test(model, chains_loaded_in_rank_order_restricted_hidden)
{
	struct gs_report r;
	struct gs_error err;
	struct gs_store *s = chain_fixture();
	const struct gs_report_chain *c;

	gs_error_clear(&err);
	cr_assert_eq(gs_report_load(&r, s, 0, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(r.nchains, 2);
	c = &r.chains[0];
	cr_expect_str_eq(c->entity_type, "vrm");
	cr_expect_str_eq(c->value, "AB12CDE");
	cr_assert_eq(c->nmembers, 2); /* C-3 is restricted */
	cr_expect_str_eq(c->members[0].id, "C-1");
	cr_expect_str_eq(c->members[0].logged_date, "2026-10-01");
	cr_expect_str_eq(c->members[0].status, "gap");
	cr_expect_str_eq(c->members[1].id, "C-2");
	cr_expect_str_eq(c->members[1].status, "late");
	cr_expect_eq(c->restricted, 1);
	cr_expect_eq(c->records, 3);
	cr_expect_eq(c->subjects, 3);
	cr_expect_eq(c->gaps, 2);
	cr_expect_eq(c->span_days, 8);
	cr_expect_eq(c->cross_referenced, 0);
	c = &r.chains[1];
	cr_expect_str_eq(c->entity_type, "phone");
	cr_expect_str_eq(c->value, "07700900123");
	cr_assert_eq(c->nmembers, 2);
	cr_expect_str_eq(c->members[1].id, "C-4");
	cr_expect_str_eq(c->members[1].status, "actioned");
	cr_expect_eq(c->span_days, 19);
	cr_expect_eq(c->cross_referenced, 1);
	/* by type, sorted: phone then vrm; distinct records and gaps */
	cr_assert_eq(r.nchain_kinds, 2);
	cr_expect_str_eq(r.chain_kinds[0].entity_type, "phone");
	cr_expect_eq(r.chain_kinds[0].c[GS_CHAIN_RECORDS].v, 2);
	cr_expect_eq(r.chain_kinds[0].c[GS_CHAIN_GAPS].v, 1);
	cr_expect_eq(r.chain_kinds[1].c[GS_CHAIN_RECORDS].v, 3);
	cr_expect_eq(r.chain_kinds[1].c[GS_CHAIN_GAPS].v, 2);
	cr_expect_eq(r.chain_total.c[GS_CHAIN_CHAINS].v, 2);
	cr_expect_eq(r.chain_total.c[GS_CHAIN_RECORDS].v, 4);
	cr_expect_eq(r.chain_total.c[GS_CHAIN_GAPS].v, 2);
	cr_expect_eq(r.isolated_records.v, 2);
	cr_expect_eq(r.isolated_pairs.v, 1);
	cr_assert_eq(r.nisolated, 1);
	cr_expect_str_eq(r.isolated[0], "C-1");
	cr_expect_eq(r.isolated_withheld, 1);
	gs_report_release(&r);
	gs_store_free(s);
}

Test(model, chains_in_json_exactly)
{
	struct gs_report r;
	struct gs_error err;
	struct gs_store *s = chain_fixture();
	char *out;
	const char *p;

	gs_error_clear(&err);
	cr_assert_eq(gs_report_load(&r, s, 0, NULL, &err), 0, "%s", err.msg);
	out = render(&r, "json", 0);
	p = strstr(out, "\"chains\": [");
	cr_assert_not_null(p, "%s", out);
	cr_expect_not_null(
		strstr(p, "\"entity_type\": \"vrm\",\n"
			  "      \"entity\": \"AB12CDE\",\n"
			  "      \"members\": [\n"
			  "        {\n"
			  "          \"id\": \"C-1\",\n"
			  "          \"logged_date\": \"2026-10-01\",\n"
			  "          \"status\": \"gap\"\n"
			  "        },\n"
			  "        {\n"
			  "          \"id\": \"C-2\",\n"
			  "          \"logged_date\": \"2026-10-05\",\n"
			  "          \"status\": \"late\"\n"
			  "        }\n"
			  "      ],\n"
			  "      \"restricted_members\": 1,\n"
			  "      \"records\": 3,\n"
			  "      \"subjects\": 3,\n"
			  "      \"gaps\": 2,\n"
			  "      \"span_days\": 8,\n"
			  "      \"cross_referenced\": false\n"),
		"%s", p);
	cr_expect_not_null(strstr(out, "\"isolated\": {\n"
				       "    \"pairs\": 1,\n"
				       "    \"record_count\": 2,\n"
				       "    \"records\": [\n"
				       "      \"C-1\"\n"
				       "    ],\n"
				       "    \"restricted\": 1\n"),
			   "%s", out);
	cr_expect_null(strstr(out, "C-3"));
	free(out);
	gs_report_release(&r);
	gs_store_free(s);
}

Test(model, chains_in_html_after_headline)
{
	struct gs_report r;
	struct gs_error err;
	struct gs_store *s = chain_fixture();
	char *out;
	const char *head, *p;

	gs_error_clear(&err);
	cr_assert_eq(gs_report_load(&r, s, 0, NULL, &err), 0, "%s", err.msg);
	out = render(&r, "html", 0);
	head = strstr(out, "<section id=\"headline\"");
	cr_assert_not_null(head);
	p = strstr(head, "</section>\n");
	cr_assert_not_null(p);
	/* the very next section is repeat intelligence */
	cr_expect_eq(strncmp(p + strlen("</section>\n"),
			     "<section id=\"chains\" aria-labelledby=\"h-chains\">"
			     "\n<h2 id=\"h-chains\">Repeat intelligence</h2>",
			     strlen("<section id=\"chains\" aria-labelledby="
				    "\"h-chains\">\n<h2 id=\"h-chains\">Repeat "
				    "intelligence</h2>")),
		     0, "%.200s", p);
	cr_expect_not_null(strstr(
		out, "<tr id=\"chain-1\"><td class=\"n\">1</td><td><span "
		     "class=\"etype\">vehicle</span> <span class=\"id\">AB12CDE"
		     "</span></td><td><ul class=\"members\"><li><span "
		     "class=\"id\">C-1</span> 2026-10-01 <span class=\"status "
		     "gap\">Gap</span></li><li><span class=\"id\">C-2</span> "
		     "2026-10-05 <span class=\"status late\">Late</span></li>"
		     "<li class=\"restricted\">1 restricted record</li></ul>"
		     "</td><td class=\"n\">3</td><td class=\"n\">2</td><td "
		     "class=\"n\">8</td><td>cross-referenced: no</td></tr>"));
	cr_expect_not_null(strstr(out, "cross-referenced: yes"));
	cr_expect_not_null(strstr(out, "Isolated entries: 2 records in 1 "
				       "pairs"));
	cr_expect_null(strstr(out, "C-3"));
	free(out);
	gs_report_release(&r);
	gs_store_free(s);
}

/* The chain fixture loaded as a public report with min-cell n. */
static struct gs_store *public_chain_report(struct gs_report *r, long n)
{
	struct gs_error err;
	struct gs_store *s = chain_fixture();

	gs_error_clear(&err);
	cr_assert_eq(gs_report_load(r, s, 0, NULL, &err), 0, "%s", err.msg);
	gs_report_suppress(r, n);
	return s;
}

Test(model, public_chains_by_type_only)
{
	struct gs_report r;
	struct gs_store *s = public_chain_report(&r, 5);
	static const char *const formats[] = {"html", "csv", "json", "md"};

	cr_expect_eq(r.nchains, 0);
	cr_expect_eq(r.nisolated, 0);
	cr_expect_eq(r.chain_total.c[GS_CHAIN_CHAINS].sup, 1); /* 2 < 5 */
	cr_expect_eq(r.isolated_pairs.sup, 1);
	for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++) {
		char *out = render(&r, formats[i], 0);

		cr_expect_null(strstr(out, "AB12CDE"), "%s", formats[i]);
		cr_expect_null(strstr(out, "07700900123"), "%s", formats[i]);
		cr_expect_null(strstr(out, "C-1"), "%s", formats[i]);
		cr_expect_null(strstr(out, "C-2"), "%s", formats[i]);
		cr_expect_null(strstr(out, "C-3"), "%s", formats[i]);
		cr_expect_null(strstr(out, "C-4"), "%s", formats[i]);
		/* nor how many restricted records went unlisted: 1 here, a
		 * record-level count that no suppression covers */
		cr_expect_null(strstr(out, "restricted not listed"), "%s",
			       formats[i]);
		cr_expect_null(strstr(out, "restricted record"), "%s",
			       formats[i]);
		cr_expect_null(strstr(out, "\"restricted\": 1"), "%s",
			       formats[i]);
		free(out);
	}
	{
		char *out = render(&r, "html", 0);

		cr_expect_not_null(strstr(out, "<th scope=\"row\">vehicle</th>"
					       "<td class=\"n\"><span class=\"sup\""));
		free(out);
	}
	gs_report_release(&r);
	gs_store_free(s);
}

/* A count below N shows as "<N" wherever it is, in every format: vehicle
 * chains is 1 in the fixture. */
struct shown_case {
	const char *format;
	const char *want;
};

static const struct shown_case hidden_chain_count[] = {
	{"csv", "chain,vehicle,chains,<5\r\n"},
	{"json", "\"entity_type\": \"vrm\",\n        \"chains\": \"<5\","},
	{"md", "| vehicle | &lt;5 |"},
	{"html", "<th scope=\"row\">vehicle</th><td class=\"n\"><span "
		 "class=\"sup\" title=\"hidden: fewer than 5, or hidden so that "
		 "such a count cannot be worked out\">&lt;5</span>"},
};

Test(model, public_small_chain_count_hidden)
{
	struct gs_report r;
	struct gs_store *s = public_chain_report(&r, 5);

	for (size_t i = 0; i < sizeof(hidden_chain_count) /
				       sizeof(*hidden_chain_count);
	     i++) {
		const struct shown_case *c = &hidden_chain_count[i];
		char *out = render(&r, c->format, 0);

		cr_expect_not_null(strstr(out, c->want), "%s:\n%s", c->format,
				   out);
		free(out);
	}
	gs_report_release(&r);
	gs_store_free(s);
}

/* A cell hidden by secondary suppression is N or more yet shows as "<N"
 * (a mark of its own would tell it apart), so the legend of every
 * human-readable format must not say "<N" means fewer than N. */
Test(model, public_legend_says_hidden_cells_may_be_larger)
{
	static const char *const formats[] = {"html", "md"};
	struct gs_report r;
	struct gs_store *s = public_chain_report(&r, 5);

	for (size_t i = 0; i < 2; i++) {
		char *out = render(&r, formats[i], 0);

		cr_expect_not_null(strstr(out, "&lt;5 marks a hidden cell: a "
					       "count from 1 to 4, or a larger "
					       "one hidden"),
				   "%s", formats[i]);
		cr_expect_null(strstr(out, "title=\"fewer than"), "%s",
			       formats[i]);
		cr_expect_null(strstr(out, "are shown as"), "%s", formats[i]);
		free(out);
	}
	gs_report_release(&r);
	gs_store_free(s);
}

/* The public CSV carries the chain figures the other formats show, in the
 * report's order (after the headline), suppressed like them. With N = 2:
 * phone 1 chain, 2 records, 1 gap; vehicle 1 chain, 3 records, 2 gaps
 * (hidden: the only other cell of a row with one hidden); all 2 chains, 4
 * records, 2 gaps; isolated 2 records in 1 pair (both hidden). */
Test(model, public_csv_has_chain_counts)
{
	struct gs_report r;
	struct gs_store *s = public_chain_report(&r, 2);
	static const char want[] = "\r\nchain,phone,chains,<2\r\n"
				   "chain,phone,records,2\r\n"
				   "chain,phone,gaps,<2\r\n"
				   "chain,vehicle,chains,<2\r\n"
				   "chain,vehicle,records,3\r\n"
				   "chain,vehicle,gaps,<2\r\n"
				   "chain,All,chains,2\r\n"
				   "chain,All,records,4\r\n"
				   "chain,All,gaps,2\r\n"
				   "isolated,All,records,<2\r\n"
				   "isolated,All,pairs,<2\r\n"
				   "funnel,";
	char *out;
	const char *chain, *funnel;

	out = render(&r, "csv", 0);
	chain = strstr(out, "\r\nchain,");
	funnel = strstr(out, "\r\nfunnel,");
	cr_assert_not_null(chain, "%s", out);
	cr_expect_eq(strncmp(chain, want, strlen(want)), 0, "%s", out);
	cr_expect(funnel && chain < funnel, "%s", out);
	cr_expect_not_null(strstr(out, "headline,this run,indeterminate,0\r\n"
				       "headline,this run,"
				       "median_days_to_first_action,n/a\r\n"
				       "chain,phone"),
			   "%s", out);
	free(out);
	gs_report_release(&r);
	gs_store_free(s);
}

/* ---- gapscan explain --db ---- */

#include <fcntl.h>
#include <unistd.h>

#include "gs_cli.h"

Test(model, explain_lists_chains_of_a_record)
{
	struct gs_store *s = chain_fixture();
	char db[128], outp[160], text[2048];
	char *argv[] = {"explain", "--db", db, "--id", "C-1", NULL};
	int saved, fd;
	ssize_t n;

	gs_store_free(s);
	snprintf(db, sizeof db, "%s/c.db", tmpdir);
	snprintf(outp, sizeof outp, "%s/explain.txt", tmpdir);
	fflush(stdout);
	saved = dup(1);
	fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert(saved >= 0 && fd >= 0);
	dup2(fd, 1);
	close(fd);
	cr_expect_eq(gs_cmd_explain(5, argv), 0);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fd = open(outp, O_RDONLY);
	n = read(fd, text, sizeof text - 1);
	close(fd);
	cr_assert(n > 0);
	text[n] = '\0';
	cr_expect_str_eq(
		text,
		"\nrepeat intelligence (run 1): C-1 in 2 chains\n"
		"  chain 1: vehicle AB12CDE: 3 records, 3 subjects, 2 gaps, "
		"8 days, cross-referenced: no\n"
		"    * C-1 2026-10-01 gap\n"
		"      C-2 2026-10-05 late\n"
		"      1 restricted record\n"
		"  chain 2: phone 07700900123: 2 records, 1 subjects, 1 gaps, "
		"19 days, cross-referenced: yes\n"
		"    * C-1 2026-10-01 gap\n"
		"      C-4 2026-10-20 actioned\n"
		"isolated entry: yes\n");
}

/* A comparison with a run made under other settings says which, so a fall
 * in "actioned in time" after --sla-days 3 is not read as worse work; the
 * same exports say the change is the as-of date, or a repeat. */
Test(model, comparison_caveat_names_what_differs)
{
	struct gs_store_run_row run, prev;
	char out[512];

	memset(&run, 0, sizeof(run));
	run.id = 3;
	run.sla_days = 3;
	run.threshold = 3;
	run.rules_hash = "R";
	run.profile_sha256 = "P";
	run.intel_sha256 = "I";
	run.actions_sha256 = "A";
	run.as_of = "2026-12-01";
	prev = run;
	prev.id = 2;
	prev.as_of = "2026-11-01";
	prev.intel_sha256 = "I0";
	cr_expect_eq(gs_report_caveat(&run, &prev, out, sizeof out), 0);
	cr_expect_str_eq(out, "");

	prev.sla_days = 7;
	prev.threshold = 4;
	prev.rules_hash = "R0";
	prev.rules_version = "2026.10";
	cr_expect_eq(gs_report_caveat(&run, &prev, out, sizeof out), 1);
	cr_expect_str_eq(out, "Run 2 used an SLA of 7 days (this run: 3), a "
			      "threshold of 4 (this run: 3), another rule pack "
			      "(2026.10): changes against it may come from the "
			      "settings, not from what was done.");

	prev = run;
	prev.id = 2;
	prev.profile_sha256 = "P0";
	gs_report_caveat(&run, &prev, out, sizeof out);
	cr_expect_str_eq(out, "Run 2 used another export profile: changes "
			      "against it may come from the settings, not from "
			      "what was done.");

	prev = run;
	prev.id = 2;
	prev.as_of = "2026-11-01";
	gs_report_caveat(&run, &prev, out, sizeof out);
	cr_expect_str_eq(out, "Run 2 scanned the same exports as of "
			      "2026-11-01: changes against it come from the "
			      "as-of date only.");
	prev.as_of = "2026-12-01";
	gs_report_caveat(&run, &prev, out, sizeof out);
	cr_expect_str_eq(out, "Run 2 scanned the same exports as of the same "
			      "date 2026-12-01: it is a repeat of this run.");
}
