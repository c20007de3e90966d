/* test_profile.c - profile defaults, loading and its located errors. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "gs_profile.h"

#define DATA "tests/data/profile/"

static void chdir_root(void)
{
	const char *root = getenv("GAPSCAN_ROOT");

	if (root)
		cr_assert_eq(chdir(root), 0);
}

TestSuite(profile, .init = chdir_root);

Test(profile, defaults_match_the_default_export_shape)
{
	struct gs_profile p;

	gs_profile_init(&p);
	cr_expect_str_eq(p.col_id, "intel_id");
	cr_expect_str_eq(p.col_subject, "subject_refs");
	cr_expect_eq(p.ntext, 1);
	cr_expect_str_eq(p.col_text[0], "narrative");
	cr_expect_eq(p.sla_days, 7);
	cr_expect_eq(p.threshold, 3);
	cr_expect_eq(p.max_field, 1u << 20);
	cr_expect_eq(p.intel.date_format, GS_DATE_ISO);
	gs_profile_release(&p);
}

Test(profile, shipped_default_json_loads_with_priority_slas)
{
	struct gs_profile p;
	struct gs_error e;

	gs_profile_init(&p);
	cr_assert_eq(gs_profile_load(&p, "profiles/default.json", &e), 0,
		     "%s", e.msg);
	cr_expect_eq(gs_profile_sla(&p, "urgent", 6), 1);
	cr_expect_eq(gs_profile_sla(&p, "HIGH", 4), 3);
	cr_expect_eq(gs_profile_sla(&p, "routine", 7), 7);
	cr_expect_eq(gs_profile_sla(&p, "", 0), 7);
	cr_expect_eq(strlen(p.sha256), 64);
	gs_profile_release(&p);
}

Test(profile, other_export_needs_only_another_profile)
{
	struct gs_profile p;
	struct gs_error e;

	gs_profile_init(&p);
	cr_assert_eq(gs_profile_load(&p, DATA "uk.json", &e), 0, "%s", e.msg);
	cr_expect_eq(p.intel.delimiter, ';');
	cr_expect_eq(p.intel.date_format, GS_DATE_UK);
	cr_expect_eq(p.actions.date_format, GS_DATE_ISO);
	cr_expect_str_eq(p.col_id, "Ref");
	cr_expect_null(p.col_unit);
	cr_expect_str_eq(p.col_district, "Area");
	cr_expect_str_eq(p.col_grading, "grading"); /* default kept */
	cr_expect_eq(p.ntext, 2);
	cr_expect_str_eq(p.col_text[1], "Detail");
	cr_expect_eq(p.threshold, 4);
	cr_expect_eq(gs_profile_sla(&p, "p1", 2), 2);
	cr_expect_eq(gs_profile_sla(&p, "P2", 2), 10);
	/* qualifying list replaced, lower-cased; nfa no longer qualifies */
	cr_expect_eq(gs_profile_qualifies(&p, "tasking", 7, "", 0), 1);
	cr_expect_eq(gs_profile_qualifies(&p, "Referral", 8, "", 0), 1);
	cr_expect_eq(gs_profile_qualifies(&p, "arrest", 6, "", 0), 0);
	cr_expect_eq(gs_profile_qualifies(&p, "nfa", 3, "because", 7), 0);
	gs_profile_release(&p);
}

Test(profile, nfa_qualifies_only_with_a_rationale)
{
	struct gs_profile p;

	gs_profile_init(&p);
	cr_expect_eq(gs_profile_qualifies(&p, "nfa", 3, "", 0), 0);
	cr_expect_eq(gs_profile_qualifies(&p, "nfa", 3, "   ", 3), 0);
	cr_expect_eq(gs_profile_qualifies(&p, "NFA", 3, "parents informed", 16),
		     1);
	cr_expect_eq(gs_profile_qualifies(&p, "noted", 5, "x", 1), 0);
	cr_expect_eq(gs_profile_qualifies(&p, "filed", 5, "", 0), 0);
	cr_expect_eq(gs_profile_qualifies(&p, " referral ", 10, "", 0), 1);
	gs_profile_release(&p);
}

struct bad_case {
	char file[64];
	long line;
	char msg[160];
};

static struct bad_case bad_cases[] = {
	{DATA "unknown_key.json", 3,
	 "unknown key \"threshhold\" in profile"},
	{DATA "bad_type.json", 3, "key \"sla_days\" must be an integer in 0..3650"},
	{DATA "bad_date_format.json", 4,
	 "key \"date_format\" in \"intel\" must be \"iso\" (YYYY-MM-DD) or \"uk\" "
	 "(dd/mm/yyyy)"},
	{DATA "syntax.json", 4, "invalid profile JSON: string or '}' expected near '}'"},
	{DATA "dup.json", 3, "invalid profile JSON: duplicate object key near '\"name\"'"},
	{DATA "missing.json", 0, "cannot read profile: No such file or directory"},
};

ParameterizedTestParameters(profile, errors_are_located)
{
	return cr_make_param_array(struct bad_case, bad_cases,
				   sizeof(bad_cases) / sizeof(*bad_cases));
}

ParameterizedTest(struct bad_case *c, profile, errors_are_located)
{
	struct gs_profile p;
	struct gs_error e;

	gs_profile_init(&p);
	cr_assert_eq(gs_profile_load(&p, c->file, &e), GS_ERR_INPUT);
	cr_expect_str_eq(e.file, c->file);
	cr_expect_eq(e.line, c->line, "%s: line %ld", c->file, e.line);
	cr_expect_str_eq(e.msg, c->msg);
	gs_profile_release(&p);
}

/* Writes json to a temporary file and loads it over the defaults. */
static int load_text(struct gs_profile *p, const char *json,
		     struct gs_error *e)
{
	char path[] = "/tmp/gs-profile-XXXXXX";
	int fd = mkstemp(path);
	int rc;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	gs_profile_init(p);
	rc = gs_profile_load(p, path, e);
	unlink(path);
	return rc;
}

/* Found by fuzzing: " Tasking" was kept with its space and, as action types
 * are trimmed before the look-up, never qualified anything. */
Test(profile, qualifying_types_are_trimmed)
{
	struct gs_profile p;
	struct gs_error e;

	cr_assert_eq(load_text(&p,
			       "{\"actions\": {\"qualifying\": [\" Tasking\\t\", "
			       "\"REFERRAL\"], \"qualifying_with_rationale\": "
			       "[\"\\nNFA \"]}}",
			       &e),
		     0, "%s", e.msg);
	cr_assert_eq(p.nqualifying, 2);
	cr_expect_str_eq(p.qualifying[0], "tasking");
	cr_expect_str_eq(p.qualifying_with_rationale[0], "nfa");
	cr_expect_eq(gs_profile_qualifies(&p, "tasking", 7, "", 0), 1);
	cr_expect_eq(gs_profile_qualifies(&p, " Tasking ", 9, "", 0), 1);
	cr_expect_eq(gs_profile_qualifies(&p, "nfa", 3, "seen", 4), 1);
	gs_profile_release(&p);
}

Test(profile, blank_qualifying_type_is_an_error)
{
	struct gs_profile p;
	struct gs_error e;

	cr_assert_eq(load_text(&p, "{\"actions\": {\n\"qualifying\": [\"x\", \" \"]}}",
			       &e),
		     GS_ERR_INPUT);
	cr_expect_eq(e.line, 2);
	cr_expect_str_eq(e.msg, "key \"qualifying\" must be an array of "
				"non-blank strings");
	gs_profile_release(&p);
}

/* A profile over 16 MiB is refused, not parsed cut short at the limit. */
Test(profile, oversized_file_is_refused)
{
	struct gs_profile p;
	struct gs_error e;
	size_t n = (16u << 20) + 2;
	char *json = malloc(n + 1);

	cr_assert_not_null(json);
	memset(json, ' ', n);
	json[0] = '{';
	json[n - 1] = '}';
	json[n] = '\0';
	cr_assert_eq(load_text(&p, json, &e), GS_ERR_INPUT);
	cr_expect_str_eq(e.msg, "cannot read profile: File too large");
	free(json);
	gs_profile_release(&p);
}
