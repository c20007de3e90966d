/* test_assess.c - statuses at their boundaries, through the real actions
 * index (gs_link) and the real profile rules for qualifying actions. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "gs_assess.h"
#include "gs_date.h"
#include "gs_link.h"
#include "gs_profile.h"
#include "gs_rules.h"

static struct gs_profile prof;
static struct gs_link *link;

static struct gs_str S(const char *s)
{
	struct gs_str v = {s, strlen(s)};

	return v;
}

static long D(const char *iso)
{
	long d;

	cr_assert_eq(gs_date_parse(iso, strlen(iso), GS_DATE_ISO, &d, NULL), 0);
	return d;
}

static void act(const char *id, const char *intel, const char *type,
		const char *at, const char *rationale)
{
	struct gs_action_rec r;

	memset(&r, 0, sizeof(r));
	r.line = 2;
	r.action_id = S(id);
	r.intel_ids = S(intel);
	r.type = S(type);
	r.at = S(at);
	r.unit = S("MASH");
	r.rationale = S(rationale);
	r.action_day = D(at);
	gs_link_add(link, &r);
}

static void setup(void)
{
	gs_profile_init(&prof);
	link = gs_link_new(&prof);
}

static void teardown(void)
{
	gs_link_free(link);
	gs_profile_release(&prof);
}

TestSuite(assess, .init = setup, .fini = teardown);

/* Status of intel id logged on log, as of as_of, SLA 7. */
static struct gs_assessment status_of(const char *id, const char *log,
				      const char *as_of)
{
	const struct gs_action *const *acts;
	size_t n = gs_link_find(link, id, strlen(id), &acts);
	struct gs_assessment a;

	memset(&a, 0, sizeof(a));
	gs_assess_status(D(log), D(as_of), 7, acts, n, &a);
	return a;
}

Test(assess, action_on_day_sla_is_actioned_day_sla_plus_one_is_late)
{
	struct gs_assessment a;

	act("A1", "I1", "referral", "2026-10-08", "");
	act("A2", "I2", "referral", "2026-10-09", "");
	a = status_of("I1", "2026-10-01", "2026-11-01");
	cr_expect_eq(a.status, GS_STATUS_ACTIONED);
	cr_expect_eq(a.days, 7);
	a = status_of("I2", "2026-10-01", "2026-11-01");
	cr_expect_eq(a.status, GS_STATUS_LATE);
	cr_expect_eq(a.days, 8);
	cr_expect_str_eq(a.first_action->action_id, "A2");
}

Test(assess, same_day_action_is_in_time)
{
	struct gs_assessment a;

	act("A1", "I1", "tasking", "2026-10-01T23:59", "");
	a = status_of("I1", "2026-10-01", "2026-11-01");
	cr_expect_eq(a.status, GS_STATUS_ACTIONED);
	cr_expect_eq(a.days, 0);
}

Test(assess, open_until_sla_elapses_then_gap)
{
	struct gs_assessment a;

	a = status_of("I9", "2026-10-25", "2026-11-01"); /* 7 days */
	cr_expect_eq(a.status, GS_STATUS_OPEN);
	cr_expect_eq(a.days, 7);
	a = status_of("I9", "2026-10-24", "2026-11-01"); /* 8 days */
	cr_expect_eq(a.status, GS_STATUS_GAP);
	cr_expect_eq(a.days, 8);
}

Test(assess, action_before_the_log_never_qualifies_and_is_counted)
{
	struct gs_assessment a;

	act("A1", "I1", "arrest", "2026-09-30", "");
	a = status_of("I1", "2026-10-01", "2026-11-01");
	cr_expect_eq(a.status, GS_STATUS_GAP);
	cr_expect_eq(a.actions_before_log, 1);
	cr_expect_null(a.first_action);
}

Test(assess, non_qualifying_types_leave_a_gap)
{
	struct gs_assessment a;

	act("A1", "I1", "noted", "2026-10-02", "");
	act("A2", "I1", "filed", "2026-10-02", "");
	act("A3", "I1", "nfa", "2026-10-02", "");
	a = status_of("I1", "2026-10-01", "2026-11-01");
	cr_expect_eq(a.status, GS_STATUS_GAP);
	cr_expect_eq(a.days, 31);
	cr_expect_eq(a.nqualifying, 0);
}

Test(assess, nfa_with_rationale_qualifies)
{
	struct gs_assessment a;

	act("A1", "I1", "nfa", "2026-10-03", "RHI done, parents engaged");
	a = status_of("I1", "2026-10-01", "2026-11-01");
	cr_expect_eq(a.status, GS_STATUS_ACTIONED);
	cr_expect_eq(a.days, 2);
}

Test(assess, one_action_citing_two_entries_answers_both)
{
	struct gs_assessment a;

	act("A1", "I1; I2", "strategy_meeting", "2026-10-05", "");
	a = status_of("I1", "2026-10-01", "2026-11-01");
	cr_expect_eq(a.status, GS_STATUS_ACTIONED);
	a = status_of("I2", "2026-09-20", "2026-11-01");
	cr_expect_eq(a.status, GS_STATUS_LATE);
	cr_expect_eq(a.days, 15);
}

Test(assess, earliest_in_time_action_is_first)
{
	struct gs_assessment a;

	act("A1", "I1", "tasking", "2026-10-06", "");
	act("A2", "I1", "referral", "2026-10-02", "");
	act("A3", "I1", "arrest", "2026-12-02", "");
	a = status_of("I1", "2026-10-01", "2026-11-01");
	cr_expect_eq(a.status, GS_STATUS_ACTIONED);
	cr_expect_str_eq(a.first_action->action_id, "A2");
	cr_expect_eq(a.nqualifying, 2); /* A3 is after the as-of date */
}

static void seen_cb(void *ctx, const struct gs_action *a, const char *id)
{
	char *buf = ctx;

	strcat(buf, a->action_id);
	strcat(buf, ":");
	strcat(buf, id);
	strcat(buf, " ");
}

Test(assess, actions_citing_unknown_ids_are_counted_once)
{
	char got[256] = "";

	act("A1", "I1;I404", "tasking", "2026-10-06", "");
	act("A2", "I1", "tasking", "2026-10-06", "");
	act("A3", "I405;I406", "tasking", "2026-10-06", "");
	gs_link_mark_seen(link, "I1", 2);
	cr_expect_eq(gs_link_count_unknown(link, seen_cb, got), 2);
	cr_expect_str_eq(got, "A1:I404 A3:I405 A3:I406 ");
	cr_expect_eq(gs_link_count(link), 3);
}

/* Thousands of actions: the id table and the arrays grow many times and
 * are trimmed at finish; every id still answers with its own actions, in
 * file order, an id repeated within one action counts once, and actions
 * added after a lookup are found by the next one. */
Test(assess, index_answers_every_id_through_growth_and_a_second_finish)
{
	const struct gs_action *const *acts;
	char aid[32], ids[64];

	for (int i = 0; i < 6000; i++) {
		/* action i cites I<i/3> (three actions an id) and I<i/3> again */
		snprintf(aid, sizeof aid, "A%d", i);
		snprintf(ids, sizeof ids, "I%d; I%d", i / 3, i / 3);
		act(aid, ids, "tasking", "2026-10-06", "");
	}
	for (int k = 0; k < 2000; k++) {
		snprintf(ids, sizeof ids, "I%d", k);
		cr_assert_eq(gs_link_find(link, ids, strlen(ids), &acts), 3,
			     "%s", ids);
		for (int j = 0; j < 3; j++) {
			snprintf(aid, sizeof aid, "A%d", 3 * k + j);
			cr_expect_str_eq(acts[j]->action_id, aid);
		}
	}
	act("B1", "I7;I9999", "referral", "2026-10-07", "");
	cr_assert_eq(gs_link_find(link, "I7", 2, &acts), 4);
	cr_expect_str_eq(acts[0]->action_id, "A21");
	cr_expect_str_eq(acts[3]->action_id, "B1");
	cr_expect_str_eq(acts[3]->type, "referral");
	cr_expect_eq(gs_link_find(link, "I9999", 5, &acts), 1);
	cr_expect_eq(gs_link_find(link, "I2000", 5, &acts), 0);
	cr_expect_eq(gs_link_count(link), 6001);
}

/* One action, a lookup (which finishes and trims the arrays to one
 * element each), then more actions: they must grow again, not write past
 * the end (ASan caught it). */
Test(assess, adding_after_a_lookup_on_a_one_action_index)
{
	const struct gs_action *const *acts;

	act("A1", "I1", "tasking", "2026-10-06", "");
	cr_assert_eq(gs_link_find(link, "I1", 2, &acts), 1);
	act("A2", "I1;I2", "referral", "2026-10-07", "");
	act("A3", "I3", "referral", "2026-10-08", "");
	cr_assert_eq(gs_link_find(link, "I1", 2, &acts), 2);
	cr_expect_str_eq(acts[0]->action_id, "A1");
	cr_expect_str_eq(acts[1]->action_id, "A2");
	cr_assert_eq(gs_link_find(link, "I3", 2, &acts), 1);
	cr_expect_str_eq(acts[0]->action_id, "A3");
	cr_expect_eq(gs_link_count(link), 3);
}

/* A run as of an earlier date sees only the actions taken by then: a
 * referral after the as-of date leaves the record open or a gap, and an
 * action on the as-of date itself counts. */
Test(assess, actions_after_the_as_of_date_are_not_yet_taken)
{
	struct gs_assessment a;

	act("A1", "I1", "referral", "2026-10-20", "");
	a = status_of("I1", "2026-10-01", "2026-10-05");
	cr_expect_eq(a.status, GS_STATUS_OPEN);
	cr_expect_eq(a.days, 4);
	cr_expect_null(a.first_action);
	a = status_of("I1", "2026-10-01", "2026-10-19");
	cr_expect_eq(a.status, GS_STATUS_GAP);
	cr_expect_eq(a.days, 18);
	a = status_of("I1", "2026-10-01", "2026-10-20");
	cr_expect_eq(a.status, GS_STATUS_LATE);
	cr_expect_eq(a.days, 19);
	cr_expect_eq(a.nqualifying, 1);
}

Test(assess, status_names_are_the_documented_ones)
{
	cr_expect_str_eq(gs_status_name(GS_STATUS_ACTIONED), "actioned");
	cr_expect_str_eq(gs_status_name(GS_STATUS_LATE), "late");
	cr_expect_str_eq(gs_status_name(GS_STATUS_OPEN), "open");
	cr_expect_str_eq(gs_status_name(GS_STATUS_GAP), "gap");
	cr_expect_str_eq(gs_status_name(GS_STATUS_INDETERMINATE),
			 "indeterminate");
}

/* The flag decision over a real (tiny) pack: a rule stopped by a PCRE2
 * limit whose weight could reach the threshold makes the record
 * indeterminate, with the days since logging like an open record, what
 * scan stores and explain prints alike. */
Test(assess, limit_rule_that_could_flag_is_indeterminate_with_open_days)
{
	struct gs_rules *rules = NULL;
	struct gs_error err;
	struct gs_match_result res;
	unsigned limited = 0;
	struct gs_assessment a;
	const struct gs_action *const *acts;
	size_t n;
	int w;

	char dir[4096];

	snprintf(dir, sizeof(dir), "%s/tests/data/rules/good/pack",
		 getenv("GAPSCAN_ROOT") ? getenv("GAPSCAN_ROOT") : ".");
	cr_assert_eq(gs_rules_load(&rules, dir, NULL, &err), 0, "%s", err.msg);
	w = gs_rules_get(rules, 0)->weight;
	cr_assert_gt(w, 0);
	/* an action 12 days after the log, out of the SLA of 7 */
	act("A1", "I1", "referral", "2026-10-13", "");
	n = gs_link_find(link, "I1", 2, &acts);
	memset(&res, 0, sizeof(res));
	res.limit_rules = &limited;
	res.nlimit = 1;
	gs_assess_record(rules, &res, w, D("2026-10-01"), D("2026-11-01"), 7,
			 acts, n, &a);
	cr_expect_eq(a.flagged, 1);
	cr_expect_eq(a.status, GS_STATUS_INDETERMINATE);
	cr_expect_eq(a.days, 31, "days %ld", a.days);
	/* one more point of threshold than the limited rule weighs: none */
	gs_assess_record(rules, &res, w + 1, D("2026-10-01"), D("2026-11-01"),
			 7, acts, n, &a);
	cr_expect_eq(a.flagged, 0);
	cr_expect_eq(a.status, GS_STATUS_NONE);
	gs_rules_free(rules);
}
