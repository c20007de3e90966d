/* test_ingest.c - column mapping, every reject reason with its line, the
 * JSON Lines reader, progress offsets and the duplicate-id set's memory. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "gs_ingest.h"
#include "gs_profile.h"
#include "gs_util.h"

#define DATA "tests/data/ingest/"

/* A new file named from tmpl (its XXXXXX replaced), open for writing:
 * unique, so runs of the suite side by side do not share it. */
static FILE *temp_file(char *tmpl)
{
	int fd = mkstemp(tmpl);

	return fd < 0 ? NULL : fdopen(fd, "w");
}

static void chdir_root(void)
{
	const char *root = getenv("GAPSCAN_ROOT");

	if (root)
		cr_assert_eq(chdir(root), 0);
}

TestSuite(ingest, .init = chdir_root);

/* "LINE id day unit [text]" per record, "!LINE: message" per reject. */
static void intel_transcript(const char *path, struct gs_profile *p,
			     struct gs_buf *out)
{
	struct gs_ingest *in = NULL;
	struct gs_intel_rec rec;
	struct gs_error e;
	int rc;

	gs_buf_init(out, 0);
	gs_buf_append(out, "", 0);
	rc = gs_ingest_open(&in, path, GS_INGEST_INTEL, p, &e);
	cr_assert_eq(rc, 0, "%s", e.msg);
	while ((rc = gs_ingest_next_intel(in, &rec, &e)) != 0) {
		if (rc == GS_ERR_REJECT) {
			cr_assert_str_eq(e.file, path);
			gs_buf_printf(out, "!%ld: %s\n", e.line, e.msg);
			continue;
		}
		cr_assert_eq(rc, 1, "%s", e.msg);
		cr_assert_eq(strlen(rec.id.ptr), rec.id.len);
		cr_assert_eq(strlen(rec.logged_at.ptr), rec.logged_at.len);
		gs_buf_printf(out, "%ld %s %ld %s [%s]\n", rec.line, rec.id.ptr,
			      rec.logged_day, rec.unit.ptr, rec.text[0].ptr);
	}
	cr_expect_eq(gs_ingest_offset(in), gs_ingest_size(in));
	gs_ingest_free(in);
}

Test(ingest, csv_rejects_each_reason_with_its_line)
{
	struct gs_profile p;
	struct gs_buf got;

	gs_profile_init(&p);
	p.max_field = 64;
	intel_transcript(DATA "intel.csv", &p, &got);
	cr_expect_str_eq(
		got.data,
		"2 I-1 20758 North [first, ok]\n"
		"3 I-2 20758 North [uk date falls back]\n"
		"!4: wrong field count: expected 4, found 2\n"
		"!5: missing id\n"
		"!6: duplicate id \"I-1\" (first seen on line 2)\n"
		"!7: unparseable date \"31/02/2026\" in column \"logged_at\"\n"
		"!8: invalid UTF-8 in column \"narrative\" at byte 5\n"
		"9 I-6 20758 North [multi\nline]\n"
		"!11: quote inside an unquoted field (column \"narrative\")\n"
		"12 I-8 20760 South [trimmed id and date]\n"
		"13 I-9 20758 North [  spaces kept  ]\n"
		"!14: field over the size limit (64 bytes) in column "
		"\"narrative\"\n"
		"!15: unparseable date \"\" in column \"logged_at\"\n"
		"16 I-12 20758  [last without newline]\n",
		"got:\n%s", got.data);
	gs_buf_release(&got);
	gs_profile_release(&p);
}

Test(ingest, trimmed_values_are_exact)
{
	struct gs_profile p;
	struct gs_ingest *in = NULL;
	struct gs_intel_rec rec;
	struct gs_error e;
	int rc, seen = 0;

	gs_profile_init(&p);
	p.max_field = 64;
	cr_assert_eq(
		gs_ingest_open(&in, DATA "intel.csv", GS_INGEST_INTEL, &p, &e),
		0);
	while ((rc = gs_ingest_next_intel(in, &rec, &e)) != 0) {
		if (rc != 1 || strcmp(rec.id.ptr, "I-8") != 0)
			continue;
		seen = 1;
		cr_expect_eq(rec.id.len, 3);
		cr_expect_str_eq(rec.logged_at.ptr, "2026-11-03");
		cr_expect_eq(rec.logged_at.len, 10);
		cr_expect_eq(rec.ntext, 1);
		cr_expect_str_eq(rec.district.ptr, ""); /* no such column */
		cr_expect_eq(rec.district.len, 0);
	}
	cr_expect(seen);
	gs_ingest_free(in);
	gs_profile_release(&p);
}

Test(ingest, actions_rejects_and_records)
{
	struct gs_profile p;
	struct gs_ingest *in = NULL;
	struct gs_action_rec rec;
	struct gs_error e;
	struct gs_buf got;
	int rc;

	gs_profile_init(&p);
	gs_buf_init(&got, 0);
	gs_buf_append(&got, "", 0);
	cr_assert_eq(gs_ingest_open(&in, DATA "actions.csv", GS_INGEST_ACTIONS,
				    &p, &e),
		     0, "%s", e.msg);
	while ((rc = gs_ingest_next_action(in, &rec, &e)) != 0) {
		if (rc == GS_ERR_REJECT) {
			gs_buf_printf(&got, "!%ld: %s\n", e.line, e.msg);
			continue;
		}
		cr_assert_eq(rc, 1, "%s", e.msg);
		gs_buf_printf(&got, "%ld %s <%s> %s %s %ld [%s] [%s]\n",
			      rec.line, rec.action_id.ptr, rec.intel_ids.ptr,
			      rec.type.ptr, rec.at.ptr, rec.action_day,
			      rec.rationale.ptr, rec.unit.ptr);
	}
	cr_expect_str_eq(
		got.data,
		"2 A-1 <I-1> referral 2026-11-02 20759 [] []\n"
		"!3: missing intel_id\n"
		"!4: duplicate id \"A-1\" (first seen on line 2)\n"
		"!5: unparseable date \"2026-11-40\" in column \"action_at\"\n"
		"!6: missing id\n"
		"7 A-4 <I-1 ; I-2> nfa 02/11/2026 20759 "
		"[no concerns, child safe] []\n",
		"got:\n%s", got.data);
	gs_ingest_free(in);
	gs_buf_release(&got);
	gs_profile_release(&p);
}

Test(ingest, jsonl_reader)
{
	struct gs_profile p;
	struct gs_ingest *in = NULL;
	struct gs_intel_rec rec;
	struct gs_error e;
	struct gs_buf got;
	int rc;

	gs_profile_init(&p);
	p.intel.format = GS_FORMAT_JSONL;
	gs_buf_init(&got, 0);
	gs_buf_append(&got, "", 0);
	cr_assert_eq(gs_ingest_open(&in, DATA "intel.jsonl", GS_INGEST_INTEL,
				    &p, &e),
		     0, "%s", e.msg);
	while ((rc = gs_ingest_next_intel(in, &rec, &e)) != 0) {
		if (rc == GS_ERR_REJECT) {
			gs_buf_printf(&got, "!%ld:%ld: %s\n", e.line, e.col,
				      e.msg);
			continue;
		}
		cr_assert_eq(rc, 1, "%s", e.msg);
		gs_buf_printf(&got, "%ld %s %ld <%s> <%s> [%s]\n", rec.line,
			      rec.id.ptr, rec.logged_day, rec.unit.ptr,
			      rec.priority.ptr, rec.text[0].ptr);
	}
	cr_expect_str_eq(
		got.data,
		"1 J-1 20758 <North> <2> [hello]\n"
		"!2:62: invalid JSON: '}' expected near 'bad' "
		"(column 62)\n"
		"4 J-3 20762 <> <> [n\xC3\xA9]\n"
		"!5:1: line is not a JSON object\n"
		"!6:0: duplicate id \"J-1\" (first seen on line 1)\n"
		"!7:0: value of \"narrative\" is not a string or number\n"
		"8 7 20763 <> <1.5> []\n",
		"got:\n%s", got.data);
	cr_expect_eq(gs_ingest_offset(in), gs_ingest_size(in));
	gs_ingest_free(in);
	gs_buf_release(&got);
	gs_profile_release(&p);
}

struct open_case {
	const char *path;
	enum gs_format format;
	const char *msg;
};

Test(ingest, open_errors_name_the_problem)
{
	static const struct open_case cases[] = {
		{DATA "no_text.csv", GS_FORMAT_CSV,
		 "missing required column \"narrative\" (role text); columns "
		 "found: intel_id, logged_at, details"},
		{DATA "no_id.csv", GS_FORMAT_CSV,
		 "missing required column \"intel_id\" (role id); columns "
		 "found: id, logged_at, narrative"},
		{DATA "no_id.jsonl", GS_FORMAT_JSONL,
		 "missing required column \"intel_id\" (role id); columns "
		 "found: id, logged_at, narrative"},
		{DATA "twice.csv", GS_FORMAT_CSV,
		 "column \"intel_id\" appears twice (columns 1 and 4)"},
		{DATA "empty.csv", GS_FORMAT_CSV,
		 "file is empty: no header row"},
		{DATA "utf16.csv", GS_FORMAT_CSV,
		 "file is UTF-16; re-export it as UTF-8"},
		{DATA "utf16.csv", GS_FORMAT_JSONL,
		 "file is UTF-16; re-export it as UTF-8"},
		{DATA "bad_header.csv", GS_FORMAT_CSV,
		 "unterminated quoted field (field 2): the quote opened on "
		 "line 1 is never closed"},
		{DATA "nonexistent.csv", GS_FORMAT_CSV,
		 "cannot open: No such file or directory"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gs_profile p;
		struct gs_ingest *in = (struct gs_ingest *)&p;
		struct gs_error e;

		gs_profile_init(&p);
		p.intel.format = cases[i].format;
		cr_expect_eq(gs_ingest_open(&in, cases[i].path, GS_INGEST_INTEL,
					    &p, &e),
			     GS_ERR_INPUT, "%s", cases[i].path);
		cr_expect_null(in);
		cr_expect_eq(e.code, GS_ERR_INPUT);
		cr_expect_str_eq(e.file, cases[i].path);
		cr_expect_str_eq(e.msg, cases[i].msg, "%s: %s", cases[i].path,
				 e.msg);
		gs_profile_release(&p);
	}
}

Test(ingest, actions_missing_column)
{
	struct gs_profile p;
	struct gs_ingest *in = NULL;
	struct gs_error e;

	gs_profile_init(&p);
	cr_expect_eq(gs_ingest_open(&in, DATA "intel.csv", GS_INGEST_ACTIONS,
				    &p, &e),
		     GS_ERR_INPUT);
	cr_expect_str_eq(e.msg,
			 "missing required column \"action_id\" (role "
			 "action_id); columns found: intel_id, logged_at, "
			 "unit, narrative");
	gs_profile_release(&p);
}

Test(ingest, profile_without_a_required_column)
{
	struct gs_profile p;
	struct gs_ingest *in = NULL;
	struct gs_error e;

	gs_profile_init(&p);
	free(p.act_type);
	p.act_type = NULL;
	cr_expect_eq(gs_ingest_open(&in, DATA "actions.csv",
				    GS_INGEST_ACTIONS, &p, &e),
		     GS_ERR_INPUT);
	cr_expect_str_eq(e.msg,
			 "the profile names no column for role action_type");
	gs_profile_release(&p);
}

Test(ingest, header_names_ignore_case_and_spaces)
{
	struct gs_profile p;
	struct gs_ingest *in = NULL;
	struct gs_intel_rec rec;
	struct gs_error e;

	gs_profile_init(&p);
	cr_assert_eq(gs_ingest_open(&in, DATA "case_spaces.csv",
				    GS_INGEST_INTEL, &p, &e),
		     0, "%s", e.msg);
	cr_assert_eq(gs_ingest_next_intel(in, &rec, &e), 1);
	cr_expect_str_eq(rec.id.ptr, "I-1");
	cr_expect_str_eq(rec.text[0].ptr, "x");
	cr_expect_eq(gs_ingest_next_intel(in, &rec, &e), 0);
	gs_ingest_free(in);
	gs_ingest_free(NULL);
	/* JSON keys too: the same rule in every format */
	p.intel.format = GS_FORMAT_JSONL;
	cr_assert_eq(gs_ingest_open(&in, DATA "case_spaces.jsonl",
				    GS_INGEST_INTEL, &p, &e),
		     0, "%s", e.msg);
	cr_assert_eq(gs_ingest_next_intel(in, &rec, &e), 1, "%s", e.msg);
	cr_expect_str_eq(rec.id.ptr, "J-1");
	cr_expect_str_eq(rec.text[0].ptr, "x");
	gs_ingest_free(in);
	gs_profile_release(&p);
}

/* Several text columns keep the profile's order; absent ones are "". */
Test(ingest, text_columns_in_profile_order)
{
	char path[] = "/tmp/gs_test_ingest_XXXXXX";
	FILE *fp = temp_file(path);
	struct gs_profile p;
	struct gs_ingest *in = NULL;
	struct gs_intel_rec rec;
	struct gs_error e;

	cr_assert_not_null(fp);
	fputs("intel_id,logged_at,b,a\nI-1,2026-11-01,bee,ay\n", fp);
	fclose(fp);
	gs_profile_init(&p);
	free(p.col_text[0]);
	p.col_text[0] = xstrdup("a");
	p.col_text[1] = xstrdup("missing");
	p.col_text[2] = xstrdup("b");
	p.ntext = 3;
	cr_assert_eq(gs_ingest_open(&in, path, GS_INGEST_INTEL, &p, &e), 0,
		     "%s", e.msg);
	cr_assert_eq(gs_ingest_next_intel(in, &rec, &e), 1);
	cr_expect_eq(rec.ntext, 3);
	cr_expect_str_eq(rec.text[0].ptr, "ay");
	cr_expect_str_eq(rec.text[1].ptr, "");
	cr_expect_str_eq(rec.text[2].ptr, "bee");
	gs_ingest_free(in);
	gs_profile_release(&p);
	unlink(path);
}

/* A million distinct ids (then one duplicate) stay well under 50 MB. */
Test(ingest, million_ids_memory, .timeout = 60)
{
	char path[] = "/tmp/gs_test_ingest_XXXXXX";
	FILE *fp = temp_file(path);
	struct gs_profile p;
	struct gs_ingest *in = NULL;
	struct gs_intel_rec rec;
	struct gs_error e;
	struct rusage before, after;
	long accepted = 0, rejected = 0;
	int rc;

	cr_assert_not_null(fp);
	fputs("intel_id,logged_at,narrative\n", fp);
	for (long i = 0; i < 1000000; i++)
		fprintf(fp, "INT-%08ld,2026-11-01,t\n", i);
	fputs("INT-00000007,2026-11-01,again\n", fp);
	fclose(fp);
	getrusage(RUSAGE_SELF, &before);
	gs_profile_init(&p);
	cr_assert_eq(gs_ingest_open(&in, path, GS_INGEST_INTEL, &p, &e), 0);
	while ((rc = gs_ingest_next_intel(in, &rec, &e)) != 0) {
		if (rc == 1) {
			accepted++;
			continue;
		}
		cr_assert_eq(rc, GS_ERR_REJECT);
		cr_expect_str_eq(e.msg, "duplicate id \"INT-00000007\" (first "
					"seen on line 9)");
		cr_expect_eq(e.line, 1000002);
		rejected++;
	}
	getrusage(RUSAGE_SELF, &after);
	cr_expect_eq(accepted, 1000000);
	cr_expect_eq(rejected, 1);
#ifndef __SANITIZE_ADDRESS__ /* ASan's shadow and quarantine inflate it */
	cr_expect_lt(after.ru_maxrss - before.ru_maxrss, 40 * 1024,
		     "grew %ld KiB", after.ru_maxrss - before.ru_maxrss);
#endif
	gs_ingest_free(in);
	gs_profile_release(&p);
	unlink(path);
}

/* JSON Lines limits: a long string is a field reject, an over-long line is
 * skipped without being kept, and the lines after keep their numbers. */
Test(ingest, jsonl_limits)
{
	char path[] = "/tmp/gs_test_ingest_XXXXXX";
	FILE *fp = temp_file(path);
	struct gs_profile p;
	struct gs_ingest *in = NULL;
	struct gs_intel_rec rec;
	struct gs_error e;

	cr_assert_not_null(fp);
	fputs("{\"intel_id\":\"A\",\"logged_at\":\"2026-11-01\","
	      "\"narrative\":\"short\"}\n",
	      fp);
	fputs("{\"intel_id\":\"B\",\"logged_at\":\"2026-11-01\","
	      "\"narrative\":\"0123456789abcdefg\"}\n",
	      fp);
	fputs("{\"intel_id\":\"C\",\"narrative\":\"", fp);
	for (int i = 0; i < 70000; i++)
		fputc('x', fp);
	fputs("\"}\n{\"intel_id\":\"D\",\"logged_at\":\"2026-11-02\"}", fp);
	fclose(fp);
	gs_profile_init(&p);
	p.intel.format = GS_FORMAT_JSONL;
	p.max_field = 16;
	cr_assert_eq(gs_ingest_open(&in, path, GS_INGEST_INTEL, &p, &e), 0,
		     "%s", e.msg);
	cr_assert_eq(gs_ingest_next_intel(in, &rec, &e), 1, "%s", e.msg);
	cr_expect_str_eq(rec.text[0].ptr, "short");
	cr_assert_eq(gs_ingest_next_intel(in, &rec, &e), GS_ERR_REJECT);
	cr_expect_eq(e.line, 2);
	cr_expect_str_eq(e.msg, "field over the size limit (16 bytes) in "
				"column \"narrative\"");
	cr_assert_eq(gs_ingest_next_intel(in, &rec, &e), GS_ERR_REJECT);
	cr_expect_eq(e.line, 3);
	cr_expect_str_eq(e.msg, "line over the size limit (65664 bytes)");
	cr_assert_eq(gs_ingest_next_intel(in, &rec, &e), 1, "%s", e.msg);
	cr_expect_eq(rec.line, 4);
	cr_expect_str_eq(rec.id.ptr, "D");
	cr_expect_str_eq(rec.text[0].ptr, "");
	cr_expect_eq(rec.logged_day, 20759);
	cr_expect_eq(gs_ingest_next_intel(in, &rec, &e), 0);
	gs_ingest_free(in);
	gs_profile_release(&p);
	unlink(path);
}
