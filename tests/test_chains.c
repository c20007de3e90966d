/* test_chains.c - entity normalisation, chains and isolated pairs on runs
 * built by hand, with exact expected members. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "gs_chains.h"
#include "gs_date.h"
#include "gs_scan.h"
#include "gs_util.h"

static struct gs_run run;

static void add(const char *id, const char *date, enum gs_status st,
		const char *entities, const char *actions, const char *refs)
{
	struct gs_flagged *f;
	struct gs_arena *a = run.narenas ? run.arenas[0] : gs_run_arena(&run);
	char buf[256], *tok, *save;

	run.flagged = xrealloc(run.flagged, (run.nflagged + 1) * sizeof(*f));
	f = &run.flagged[run.nflagged++];
	memset(f, 0, sizeof(*f));
	f->id = gs_arena_strndup(a, id, strlen(id));
	cr_assert_eq(gs_date_parse(date, strlen(date), GS_DATE_ISO,
				   &f->logged_day, NULL),
		     0);
	f->status = st;
	f->entities = gs_arena_alloc(a, 8 * sizeof(char *));
	f->action_ids = gs_arena_alloc(a, 8 * sizeof(char *));
	f->text_refs = gs_arena_alloc(a, 8 * sizeof(char *));
	snprintf(buf, sizeof(buf), "%s", entities);
	for (tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save))
		f->entities[f->nentities++] = gs_arena_strndup(a, tok, strlen(tok));
	snprintf(buf, sizeof(buf), "%s", actions);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		f->action_ids[f->naction_ids++] = gs_arena_strndup(a, tok, strlen(tok));
	snprintf(buf, sizeof(buf), "%s", refs);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		f->text_refs[f->ntext_refs++] = gs_arena_strndup(a, tok, strlen(tok));
}

static void members(const struct gs_chain *c, char *out, size_t n)
{
	out[0] = '\0';
	for (size_t i = 0; i < c->nmembers; i++) {
		strncat(out, run.flagged[c->members[i]].id, n - strlen(out) - 2);
		strcat(out, " ");
	}
}

static void setup(void)
{
	gs_run_init(&run);
}

static void teardown(void)
{
	gs_run_release(&run);
}

TestSuite(chains, .init = setup, .fini = teardown);

struct norm_case {
	char type[8], raw[40], want[48];
};

static struct norm_case norm_cases[] = {
	{"vrm", "AB12 CDE", "vrm:AB12CDE"},
	{"vrm", "ab12cde", "vrm:AB12CDE"},
	{"vrm", " Ab12  cDe", "vrm:AB12CDE"},
	{"vrm", "M123 ABC", "vrm:M123ABC"},
	{"phone", "07700 900123", "phone:07700900123"},
	{"phone", "+44 7700 900123", "phone:07700900123"},
	{"phone", "0044-7700-900123", "phone:07700900123"},
	{"place", "the takeaway on Bridge St", "place:the takeaway on bridge street"},
	{"place", "Takeaway  on BRIDGE Street", "place:takeaway on bridge street"},
	{"place", "Hotel 4, Mill Rd", "place:hotel 4 mill road"},
	{"subject", " SUBJ-001 ", "subject:SUBJ-001"},
	{"vrm", " - ", ""},
};

ParameterizedTestParameters(chains, normalise)
{
	return cr_make_param_array(struct norm_case, norm_cases,
				   sizeof(norm_cases) / sizeof(*norm_cases));
}

ParameterizedTest(struct norm_case *c, chains, normalise)
{
	char out[128];
	size_t n = gs_chains_normalise(c->type, c->raw, strlen(c->raw), out,
				       sizeof(out));

	if (!c->want[0]) {
		cr_expect_eq(n, 0);
		return;
	}
	cr_expect_str_eq(out, c->want);
	cr_expect_eq(n, strlen(c->want));
}

Test(chains, three_in_window_with_a_gap_form_one_chain)
{
	struct gs_chain_set cs;
	char m[256];

	add("I1", "2026-01-01", GS_STATUS_GAP, "vrm:AB12CDE|subject:S1", "", "");
	add("I2", "2026-02-01", GS_STATUS_ACTIONED, "vrm:AB12CDE|subject:S2", "", "");
	add("I3", "2026-03-01", GS_STATUS_LATE, "vrm:AB12CDE|subject:S1", "", "");
	add("I4", "2026-03-01", GS_STATUS_GAP, "vrm:ZZ99ZZZ", "", "");
	gs_chains_find(&run, 3, 90, &cs);
	cr_assert_eq(cs.nchains, 1);
	members(&cs.chains[0], m, sizeof(m));
	cr_expect_str_eq(m, "I1 I2 I3 ");
	cr_expect_str_eq(cs.chains[0].entity, "vrm:AB12CDE");
	cr_expect_eq(cs.chains[0].nsubjects, 2);
	cr_expect_eq(cs.chains[0].ngaps, 1);
	cr_expect_eq(cs.chains[0].last_day - cs.chains[0].first_day, 59);
	cr_expect_eq(cs.chains[0].cross_referenced, 0);
	/* the subject S1 is cited twice only: no chain for it */
	gs_chain_set_release(&cs);
}

Test(chains, citations_months_apart_do_not_form_a_chain)
{
	struct gs_chain_set cs;

	add("I1", "2026-01-01", GS_STATUS_GAP, "place:hotel 4", "", "");
	add("I2", "2026-03-15", GS_STATUS_GAP, "place:hotel 4", "", "");
	add("I3", "2026-06-01", GS_STATUS_GAP, "place:hotel 4", "", "");
	add("I4", "2026-09-01", GS_STATUS_GAP, "place:hotel 4", "", "");
	gs_chains_find(&run, 3, 90, &cs);
	cr_expect_eq(cs.nchains, 0);
	gs_chain_set_release(&cs);
}

Test(chains, window_boundary_is_inclusive_of_w_days)
{
	struct gs_chain_set cs;

	add("I1", "2026-01-01", GS_STATUS_GAP, "phone:07700900123", "", "");
	add("I2", "2026-02-01", GS_STATUS_GAP, "phone:07700900123", "", "");
	add("I3", "2026-04-01", GS_STATUS_GAP, "phone:07700900123", "", ""); /* day 90 */
	gs_chains_find(&run, 3, 90, &cs);
	cr_expect_eq(cs.nchains, 1);
	gs_chain_set_release(&cs);
	gs_chains_find(&run, 3, 89, &cs);
	cr_expect_eq(cs.nchains, 0);
	gs_chain_set_release(&cs);
}

Test(chains, all_actioned_is_no_chain)
{
	struct gs_chain_set cs;

	add("I1", "2026-01-01", GS_STATUS_ACTIONED, "subject:S1", "", "");
	add("I2", "2026-01-02", GS_STATUS_ACTIONED, "subject:S1", "", "");
	add("I3", "2026-01-03", GS_STATUS_LATE, "subject:S1", "", "");
	gs_chains_find(&run, 3, 90, &cs);
	cr_expect_eq(cs.nchains, 0);
	gs_chain_set_release(&cs);
}

Test(chains, overlapping_windows_join_and_ranking_is_subjects_then_gaps)
{
	struct gs_chain_set cs;
	char m[256];

	/* windows of 3 overlap from A1 to A4; A5 is 92 days after A3 */
	add("A1", "2026-01-01", GS_STATUS_GAP, "vrm:X1|subject:S1", "", "");
	add("A2", "2026-02-15", GS_STATUS_GAP, "vrm:X1|subject:S1", "", "");
	add("A3", "2026-03-20", GS_STATUS_GAP, "vrm:X1|subject:S1", "", "");
	add("A4", "2026-05-10", GS_STATUS_GAP, "vrm:X1|subject:S1", "", "");
	add("A5", "2026-06-20", GS_STATUS_GAP, "vrm:X1|subject:S1", "", "");
	add("B1", "2026-01-01", GS_STATUS_GAP, "place:flat 2|subject:S7", "", "");
	add("B2", "2026-01-02", GS_STATUS_OPEN, "place:flat 2|subject:S8", "", "");
	add("B3", "2026-01-03", GS_STATUS_OPEN, "place:flat 2|subject:S9", "", "");
	gs_chains_find(&run, 3, 90, &cs);
	cr_assert_eq(cs.nchains, 3); /* flat 2, subject S1, vrm X1 */
	cr_expect_str_eq(cs.chains[0].entity, "place:flat 2"); /* 3 subjects */
	members(&cs.chains[1], m, sizeof(m));
	cr_expect_str_eq(m, "A1 A2 A3 A4 ");
	cr_expect_str_eq(cs.chains[1].entity, "subject:S1");
	cr_expect_str_eq(cs.chains[2].entity, "vrm:X1");
	gs_chain_set_release(&cs);
}

Test(chains, isolated_pairs_exclude_cross_referenced_ones)
{
	struct gs_chain_set cs;

	add("I1", "2026-01-01", GS_STATUS_GAP, "subject:S1", "ACT-1", "");
	add("I2", "2026-01-05", GS_STATUS_GAP, "subject:S1", "ACT-1", ""); /* shared action */
	add("I3", "2026-01-09", GS_STATUS_GAP, "vrm:Q1", "", "I4");     /* text ref */
	add("I4", "2026-01-10", GS_STATUS_GAP, "vrm:Q1", "", "");
	add("I5", "2026-01-10", GS_STATUS_GAP, "place:park", "", "");
	add("I6", "2026-02-10", GS_STATUS_GAP, "place:park", "", "");     /* isolated */
	add("I7", "2026-09-10", GS_STATUS_GAP, "place:park", "", "");     /* too far */
	gs_chains_find(&run, 3, 90, &cs);
	cr_expect_eq(cs.isolated_pairs, 1);
	cr_assert_eq(cs.nisolated, 2);
	cr_expect_str_eq(run.flagged[cs.isolated[0]].id, "I5");
	cr_expect_str_eq(run.flagged[cs.isolated[1]].id, "I6");
	gs_chain_set_release(&cs);
}

Test(chains, cross_reference_is_reported_on_the_chain)
{
	struct gs_chain_set cs;

	add("I1", "2026-01-01", GS_STATUS_GAP, "subject:S1", "", "");
	add("I2", "2026-01-05", GS_STATUS_GAP, "subject:S1", "", "I1");
	add("I3", "2026-01-09", GS_STATUS_GAP, "subject:S1", "", "");
	gs_chains_find(&run, 3, 90, &cs);
	cr_assert_eq(cs.nchains, 1);
	cr_expect_eq(cs.chains[0].cross_referenced, 1);
	gs_chain_set_release(&cs);
}

Test(chains, equal_subjects_rank_by_gaps_before_members_and_name)
{
	struct gs_chain_set cs;
	const char *want[] = {"subject:S2", "vrm:ZZZ", "place:aaa",
			      "subject:S1"};

	/* place:aaa and subject:S1: 1 subject, 1 gap, 4 members */
	add("P1", "2026-01-01", GS_STATUS_GAP, "place:aaa|subject:S1", "", "");
	add("P2", "2026-01-05", GS_STATUS_ACTIONED, "place:aaa|subject:S1", "", "");
	add("P3", "2026-01-09", GS_STATUS_ACTIONED, "place:aaa|subject:S1", "", "");
	add("P4", "2026-01-13", GS_STATUS_LATE, "place:aaa|subject:S1", "", "");
	/* vrm:ZZZ and subject:S2: 1 subject, 2 gaps, 3 members; fewer
	 * members and later names, so only the gaps can put them first */
	add("V1", "2026-02-01", GS_STATUS_GAP, "vrm:ZZZ|subject:S2", "", "");
	add("V2", "2026-02-05", GS_STATUS_GAP, "vrm:ZZZ|subject:S2", "", "");
	add("V3", "2026-02-09", GS_STATUS_OPEN, "vrm:ZZZ|subject:S2", "", "");
	gs_chains_find(&run, 3, 90, &cs);
	cr_assert_eq(cs.nchains, 4);
	for (size_t i = 0; i < 4; i++) {
		cr_expect_str_eq(cs.chains[i].entity, want[i], "rank %zu", i + 1);
		cr_expect_eq(cs.chains[i].nsubjects, 1);
		cr_expect_eq(cs.chains[i].ngaps, i < 2 ? 2 : 1);
		cr_expect_eq(cs.chains[i].nmembers, i < 2 ? 3 : 4);
	}
	gs_chain_set_release(&cs);
}
