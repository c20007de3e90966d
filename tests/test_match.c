/*
 * test_match.c - the matcher: spans, all/window, exclude, context cues,
 * resource limits, captures and prefilter-vs-PCRE2-only equality.
 *
 * Most tests build a small pack by hand (mk_rules), so each behaviour is
 * tested alone; the pack tests at the end load the shipped rules/.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gs_match.h"
#include "gs_util.h"
#include "../analyser/prefilter.h"
#include "../analyser/rules_internal.h"

#define MAXP 4

struct spec_rule {
	const char *id;
	const char *pats[MAXP];
	const char *all[MAXP];
	int window;
	const char *excl[MAXP];
	int context;
	unsigned accepts;
	const char *fields[MAXP];
	int case_sensitive;
	int disabled;
};

struct spec_cue {
	const char *id;
	const char *pattern;
	enum gs_cue_type type;
	enum gs_cue_dir dir;
	int scope;
};

static size_t count(const char *const *v)
{
	size_t n = 0;

	while (n < MAXP && v[n] != NULL)
		n++;
	return n;
}

static void compile(struct gs_pattern *p, const char *src, int cs)
{
	int ec;
	PCRE2_SIZE eo;

	p->src = xstrdup(src);
	p->code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED,
				PCRE2_UTF | (cs ? 0 : PCRE2_CASELESS), &ec, &eo,
				NULL);
	cr_assert_not_null(p->code, "pattern '%s' compiles", src);
	p->jit = pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE) == 0;
}

static struct gs_pattern *compile_list(const char *const *v, size_t n, int cs)
{
	struct gs_pattern *p = xcalloc(n ? n : 1, sizeof(*p));

	for (size_t i = 0; i < n; i++)
		compile(&p[i], v[i], cs);
	return p;
}

/* Builds a compiled pack by hand; free with free_rules. */
static struct gs_rules *mk_rules(const struct spec_rule *sr, size_t nr,
				 const struct spec_cue *sc, size_t nc)
{
	struct gs_rules *rs = xcalloc(1, sizeof(*rs));

	rs->rules = xcalloc(nr ? nr : 1, sizeof(*rs->rules));
	rs->nrules = nr;
	for (size_t i = 0; i < nr; i++) {
		struct gs_rule *r = &rs->rules[i];

		r->info.id = sr[i].id;
		r->info.category = "test";
		r->info.weight = 1;
		r->info.disabled = sr[i].disabled;
		r->info.fields = sr[i].fields;
		r->info.nfields = count(sr[i].fields);
		r->context = sr[i].context;
		r->info.accepts = sr[i].context ? sr[i].accepts
						: (1u << GS_CUE_NTYPES) - 1;
		r->case_sensitive = sr[i].case_sensitive;
		r->npatterns = count(sr[i].pats);
		r->patterns = compile_list(sr[i].pats, r->npatterns,
					   r->case_sensitive);
		r->nall = count(sr[i].all);
		r->all = compile_list(sr[i].all, r->nall, r->case_sensitive);
		r->window = sr[i].window ? sr[i].window : 100;
		r->nexclude = count(sr[i].excl);
		r->exclude = compile_list(sr[i].excl, r->nexclude,
					  r->case_sensitive);
	}
	rs->cues = xcalloc(nc ? nc : 1, sizeof(*rs->cues));
	rs->ncues = nc;
	for (size_t i = 0; i < nc; i++) {
		struct gs_cue *c = &rs->cues[i];

		c->info.id = sc[i].id;
		c->info.pattern = sc[i].pattern;
		c->info.type = sc[i].type;
		c->info.dir = sc[i].dir;
		c->info.scope = sc[i].scope;
		compile(&c->pat, sc[i].pattern, 0);
	}
	return rs;
}

static void free_pats(struct gs_pattern *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].src);
		pcre2_code_free(p[i].code);
	}
	free(p);
}

static void free_rules(struct gs_rules *rs)
{
	for (size_t i = 0; i < rs->nrules; i++) {
		free_pats(rs->rules[i].patterns, rs->rules[i].npatterns);
		free_pats(rs->rules[i].all, rs->rules[i].nall);
		free_pats(rs->rules[i].exclude, rs->rules[i].nexclude);
	}
	for (size_t i = 0; i < rs->ncues; i++) {
		free(rs->cues[i].pat.src);
		pcre2_code_free(rs->cues[i].pat.code);
	}
	if (rs->prefilter_free != NULL)
		rs->prefilter_free(rs->prefilter);
	free(rs->rules);
	free(rs->cues);
	free(rs);
}

/* Matches text (one field "narrative") with the prefilter on and off,
 * asserts both agree, and leaves the result in res. */
static void run1(struct gs_rules *rs, const char *text,
		 struct gs_match_result *res)
{
	struct gs_error err;
	struct gs_text t = {"narrative", text, strlen(text)};
	struct gs_match_result ref;
	struct gs_matcher *m;

	gs_error_clear(&err);
	cr_assert_eq(gs_match_prepare(rs, &err), 0, "%s", err.msg);
	m = gs_match_new(rs);
	cr_assert_eq(gs_match_record(m, &t, 1, res, &err), 0, "%s", err.msg);
	gs_match_set_prefilter(m, 0);
	gs_match_result_init(&ref);
	cr_assert_eq(gs_match_record(m, &t, 1, &ref, &err), 0, "%s", err.msg);
	cr_assert_eq(ref.nhits, res->nhits, "prefilter and pcre2-only agree");
	cr_assert_eq(ref.nlimit, res->nlimit);
	for (size_t i = 0; i < ref.nhits; i++)
		cr_assert_eq(memcmp(&ref.hits[i], &res->hits[i],
				    sizeof(ref.hits[i])),
			     0, "hit %zu differs", i);
	gs_match_result_release(&ref);
	gs_match_free(m);
}

static void expect_hit(const struct gs_match_result *res, size_t i,
		       unsigned rule, size_t start, size_t end,
		       enum gs_hit_state state)
{
	cr_assert_lt(i, res->nhits, "hit %zu exists (nhits %zu)", i,
		     res->nhits);
	cr_expect_eq(res->hits[i].rule, rule, "hit %zu rule", i);
	cr_expect_eq(res->hits[i].start, start, "hit %zu start %zu", i,
		     res->hits[i].start);
	cr_expect_eq(res->hits[i].end, end, "hit %zu end %zu", i,
		     res->hits[i].end);
	cr_expect_eq(res->hits[i].state, state, "hit %zu state %d", i,
		     (int)res->hits[i].state);
}

Test(match, spans_are_exact_and_non_overlapping)
{
	static const struct spec_rule sr[] = {
		{.id = "car", .pats = {"\\bcar\\b"}},
		{.id = "male", .pats = {"male", "older male"}},
	};
	struct gs_rules *rs = mk_rules(sr, 2, NULL, 0);
	struct gs_match_result res;

	gs_match_result_init(&res);
	/*          0         1         2         3         4
	 *          0123456789012345678901234567890123456789012345 */
	run1(rs, "seen in a car, then a CAR with an older male", &res);
	cr_assert_eq(res.nhits, 3);
	expect_hit(&res, 0, 0, 10, 13, GS_HIT_ACTIVE);
	expect_hit(&res, 1, 0, 22, 25, GS_HIT_ACTIVE);
	/* "older male" and "male" overlap: the leftmost, longest wins */
	expect_hit(&res, 2, 1, 34, 44, GS_HIT_ACTIVE);
	cr_expect_eq(res.hits[0].cue, -1);
	cr_expect_eq(res.nlimit, 0);
	gs_match_result_release(&res);
	free_rules(rs);
}

Test(match, all_window_edges)
{
	/* "older" at 0, "car" at [15,18): in with window 15, out with 14 */
	static const struct spec_rule sr[] = {
		{.id = "w15", .pats = {"car"}, .all = {"older"}, .window = 15},
		{.id = "w14", .pats = {"car"}, .all = {"older"}, .window = 14},
	};
	/* after the hit: "car" [0,3), "older" at 9: in with 6, out with 5 */
	static const struct spec_rule sr2[] = {
		{.id = "w6", .pats = {"car"}, .all = {"older"}, .window = 6},
		{.id = "w5", .pats = {"car"}, .all = {"older"}, .window = 5},
		{.id = "two", .pats = {"car"}, .all = {"older", "male"}},
	};
	struct gs_rules *rs = mk_rules(sr, 2, NULL, 0);
	struct gs_rules *rs2 = mk_rules(sr2, 3, NULL, 0);
	struct gs_match_result res;

	gs_match_result_init(&res);
	run1(rs, "older man in a car", &res);
	cr_assert_eq(res.nhits, 1);
	expect_hit(&res, 0, 0, 15, 18, GS_HIT_ACTIVE);
	run1(rs2, "car then older", &res);
	cr_assert_eq(res.nhits, 1);
	expect_hit(&res, 0, 0, 0, 3, GS_HIT_ACTIVE);
	/* every `all` pattern is needed */
	run1(rs2, "car then older male", &res);
	cr_assert_eq(res.nhits, 2);
	expect_hit(&res, 0, 0, 0, 3, GS_HIT_ACTIVE);
	expect_hit(&res, 1, 2, 0, 3, GS_HIT_ACTIVE);
	gs_match_result_release(&res);
	free_rules(rs);
	free_rules(rs2);
}

/* all/exclude patterns with equal sources share one cache per field: the
 * case setting is part of what makes them equal, and a pattern used as
 * `all` in one rule and `exclude` in another gives each its own answer */
Test(match, guards_shared_across_rules_keep_case)
{
	static const struct spec_rule sr[] = {
		{.id = "cs", .pats = {"car"}, .all = {"older"},
		 .case_sensitive = 1},
		{.id = "ci", .pats = {"car"}, .all = {"older"}},
		{.id = "ex", .pats = {"car"}, .excl = {"older"}},
		{.id = "cs2", .pats = {"car"}, .all = {"older"},
		 .case_sensitive = 1},
	};
	struct gs_rules *rs = mk_rules(sr, 4, NULL, 0);
	struct gs_match_result res;

	gs_match_result_init(&res);
	run1(rs, "OLDER man in a car", &res);
	cr_assert_eq(res.nhits, 2);
	expect_hit(&res, 0, 1, 15, 18, GS_HIT_ACTIVE);
	expect_hit(&res, 1, 2, 15, 18, GS_HIT_EXCLUDED);
	run1(rs, "older man in a car", &res);
	cr_assert_eq(res.nhits, 4);
	expect_hit(&res, 0, 0, 15, 18, GS_HIT_ACTIVE);
	expect_hit(&res, 1, 1, 15, 18, GS_HIT_ACTIVE);
	expect_hit(&res, 2, 2, 15, 18, GS_HIT_EXCLUDED);
	expect_hit(&res, 3, 3, 15, 18, GS_HIT_ACTIVE);
	/* the cache is per field: a later record does not see this one's */
	run1(rs, "a car", &res);
	cr_assert_eq(res.nhits, 1);
	expect_hit(&res, 0, 2, 2, 5, GS_HIT_ACTIVE);
	gs_match_result_release(&res);
	free_rules(rs);
}

/* Patterns without literals go to vectorscan's regex prefilter, which is
 * only scanned when a rule owning one could still hit (its `all` patterns
 * fired). run1 checks every answer against PCRE2 alone, so a scan skipped
 * when it was needed loses the registration hit and fails here. */
Test(match, regex_prefilter_skipped_only_when_no_owner_can_hit)
{
	static const struct spec_rule sr[] = {
		{.id = "vrm", .pats = {"\\b[a-z]{2}[0-9]{2} ?[a-z]{3}\\b"},
		 .all = {"\\bchild\\b"}, .window = 200},
		{.id = "car", .pats = {"\\bcar\\b"}},
		/* a guard without literals is itself in the regex database */
		{.id = "num", .pats = {"\\bcode\\b"},
		 .all = {"\\b[a-z]{4}[0-9]\\b"}},
	};
	struct gs_rules *rs = mk_rules(sr, 3, NULL, 0);
	struct gs_match_result res;

	gs_match_result_init(&res);
	run1(rs, "child seen in car AB12 CDE", &res);
	cr_assert_eq(res.nhits, 2);
	expect_hit(&res, 0, 1, 14, 17, GS_HIT_ACTIVE);
	expect_hit(&res, 1, 0, 18, 26, GS_HIT_ACTIVE);
	run1(rs, "adult seen in car AB12 CDE", &res);
	cr_assert_eq(res.nhits, 1);
	expect_hit(&res, 0, 1, 14, 17, GS_HIT_ACTIVE);
	run1(rs, "code abcd1", &res);
	cr_assert_eq(res.nhits, 1);
	expect_hit(&res, 0, 2, 0, 4, GS_HIT_ACTIVE);
	gs_match_result_release(&res);
	free_rules(rs);
}

Test(match, exclude_same_sentence_only)
{
	static const struct spec_rule sr[] = {
		{.id = "car", .pats = {"\\bcar\\b"}, .excl = {"taxi"}},
	};
	struct gs_rules *rs = mk_rules(sr, 1, NULL, 0);
	struct gs_match_result res;

	gs_match_result_init(&res);
	run1(rs, "got into a taxi car.", &res);
	cr_assert_eq(res.nhits, 1);
	expect_hit(&res, 0, 0, 16, 19, GS_HIT_EXCLUDED);
	run1(rs, "got into a car. It was a taxi.", &res);
	cr_assert_eq(res.nhits, 1);
	expect_hit(&res, 0, 0, 11, 14, GS_HIT_ACTIVE);
	/* ';' and newlines end sentences, "03.00" and "Mr." do not */
	run1(rs, "taxi; car", &res);
	expect_hit(&res, 0, 0, 6, 9, GS_HIT_ACTIVE);
	run1(rs, "taxi\ncar", &res);
	expect_hit(&res, 0, 0, 5, 8, GS_HIT_ACTIVE);
	run1(rs, "taxi at 03.00 car", &res);
	expect_hit(&res, 0, 0, 14, 17, GS_HIT_EXCLUDED);
	run1(rs, "Mr. Taxi car", &res);
	expect_hit(&res, 0, 0, 9, 12, GS_HIT_EXCLUDED);
	run1(rs, "taxi? car", &res);
	expect_hit(&res, 0, 0, 6, 9, GS_HIT_ACTIVE);
	gs_match_result_release(&res);
	free_rules(rs);
}

static const struct spec_cue cues[] = {
	{"neg-no", "\\bno\\b", GS_CUE_NEGATED, GS_DIR_FORWARD, 3},
	{"neg-denied", "\\bdenied\\b", GS_CUE_NEGATED, GS_DIR_BACKWARD, 2},
	{"hyp-if", "\\bif\\b", GS_CUE_HYPOTHETICAL, GS_DIR_BOTH, 2},
	{"term-but", "\\bbut\\b", GS_CUE_NEGATED, GS_DIR_TERMINATE, 0},
	{"pseudo-no-longer", "\\bno longer\\b", GS_CUE_NEGATED, GS_DIR_PSEUDO,
	 0},
	{"neg-no-concerns", "\\bno concerns\\b", GS_CUE_NEGATED,
	 GS_DIR_FORWARD, 8},
};
#define NCUES (sizeof(cues) / sizeof(cues[0]))

static const struct spec_rule ctx_rules[] = {
	{.id = "car", .pats = {"\\bcar\\b"}, .context = 1},
	{.id = "car-hyp-ok", .pats = {"\\bcar\\b"}, .context = 1,
	 .accepts = 1u << GS_CUE_HYPOTHETICAL},
	{.id = "car-no-context", .pats = {"\\bcar\\b"}, .context = 0},
};

/* State of rule 0 ("car") for text: expects exactly one hit of it. */
static struct gs_hit car_hit(struct gs_rules *rs, const char *text)
{
	struct gs_match_result res;
	struct gs_hit h;
	size_t n = 0;

	gs_match_result_init(&res);
	run1(rs, text, &res);
	memset(&h, 0, sizeof(h));
	for (size_t i = 0; i < res.nhits; i++) {
		if (res.hits[i].rule == 0) {
			h = res.hits[i];
			n++;
		}
	}
	cr_assert_eq(n, 1, "one 'car' hit in \"%s\"", text);
	gs_match_result_release(&res);
	return h;
}

Test(match, forward_cue_scope_edge)
{
	struct gs_rules *rs = mk_rules(ctx_rules, 3, cues, NCUES);
	struct gs_hit h;

	/* "car" is the 3rd word after "no": inside scope 3 */
	h = car_hit(rs, "no sign of car");
	cr_expect_eq(h.state, GS_HIT_SUPPRESSED);
	cr_expect_eq(h.cue, 0);
	cr_expect_eq(h.cue_start, 0);
	cr_expect_eq(h.cue_end, 2);
	/* the 4th word: outside */
	h = car_hit(rs, "no sign of a car");
	cr_expect_eq(h.state, GS_HIT_ACTIVE);
	cr_expect_eq(h.cue, -1);
	/* a cue in an earlier sentence does not reach */
	h = car_hit(rs, "no. car");
	cr_expect_eq(h.state, GS_HIT_ACTIVE);
	/* forward cues do not look back */
	h = car_hit(rs, "car no");
	cr_expect_eq(h.state, GS_HIT_ACTIVE);
	free_rules(rs);
}

Test(match, backward_cue_scope_edge)
{
	struct gs_rules *rs = mk_rules(ctx_rules, 3, cues, NCUES);
	struct gs_hit h;

	h = car_hit(rs, "a car was denied");
	cr_expect_eq(h.state, GS_HIT_SUPPRESSED);
	cr_expect_eq(h.cue, 1);
	cr_expect_eq(h.cue_start, 10);
	cr_expect_eq(h.cue_end, 16);
	h = car_hit(rs, "car and so was denied");
	cr_expect_eq(h.state, GS_HIT_ACTIVE);
	h = car_hit(rs, "denied the car");
	cr_expect_eq(h.state, GS_HIT_ACTIVE);
	free_rules(rs);
}

Test(match, both_directions_and_accepts)
{
	struct gs_rules *rs = mk_rules(ctx_rules, 3, cues, NCUES);
	struct gs_match_result res;

	gs_match_result_init(&res);
	/* rule 0 suppressed, rule 1 accepts hypothetical, rule 2 has no
	 * context: hits sorted by start then rule */
	run1(rs, "if the car", &res);
	cr_assert_eq(res.nhits, 3);
	expect_hit(&res, 0, 0, 7, 10, GS_HIT_SUPPRESSED);
	expect_hit(&res, 1, 1, 7, 10, GS_HIT_ACTIVE);
	expect_hit(&res, 2, 2, 7, 10, GS_HIT_ACTIVE);
	cr_expect_eq(res.hits[0].cue, 2);
	run1(rs, "the car, if", &res);
	expect_hit(&res, 0, 0, 4, 7, GS_HIT_SUPPRESSED);
	run1(rs, "the car is big if", &res);
	expect_hit(&res, 0, 0, 4, 7, GS_HIT_ACTIVE);
	gs_match_result_release(&res);
	free_rules(rs);
}

Test(match, terminate_ends_scope)
{
	struct gs_rules *rs = mk_rules(ctx_rules, 3, cues, NCUES);
	struct gs_hit h;

	h = car_hit(rs, "no car");
	cr_expect_eq(h.state, GS_HIT_SUPPRESSED);
	h = car_hit(rs, "no but car");
	cr_expect_eq(h.state, GS_HIT_ACTIVE);
	/* the trap: "but" ends the "no concerns" scope */
	h = car_hit(rs, "no concerns re school but seen getting into a car "
			"with an older male");
	cr_expect_eq(h.state, GS_HIT_ACTIVE);
	h = car_hit(rs, "no concerns re school or seen getting into a car");
	cr_expect_eq(h.state, GS_HIT_SUPPRESSED);
	cr_expect_eq(h.cue, 5);
	free_rules(rs);
}

Test(match, pseudo_cue_is_not_a_cue)
{
	struct gs_rules *rs = mk_rules(ctx_rules, 3, cues, NCUES);
	struct gs_hit h;

	h = car_hit(rs, "no longer uses the car");
	cr_expect_eq(h.state, GS_HIT_ACTIVE);
	h = car_hit(rs, "no cars but no car");
	cr_expect_eq(h.state, GS_HIT_SUPPRESSED);
	cr_expect_eq(h.cue_start, 12);
	free_rules(rs);
}

Test(match, captures_are_named_spans)
{
	static const struct spec_rule sr[] = {
		{.id = "vrm",
		 .pats = {"(?<vrm>\\b[A-Z]{2}[0-9]{2} ?[A-Z]{3}\\b)|"
			  "(?<phone>\\b07[0-9]{9}\\b)"},
		 .case_sensitive = 1},
	};
	struct gs_rules *rs = mk_rules(sr, 1, NULL, 0);
	struct gs_match_result res;

	gs_match_result_init(&res);
	/*        0         1         2         3
	 *        0123456789012345678901234567890123 */
	run1(rs, "car AB12 CDE; call 07700900123 now", &res);
	cr_assert_eq(res.nhits, 2);
	expect_hit(&res, 0, 0, 4, 12, GS_HIT_ACTIVE);
	cr_assert_eq(res.hits[0].ncaps, 1);
	cr_expect_str_eq(res.hits[0].caps[0].name, "vrm");
	cr_expect_eq(res.hits[0].caps[0].start, 4);
	cr_expect_eq(res.hits[0].caps[0].end, 12);
	cr_assert_eq(res.hits[1].ncaps, 1);
	cr_expect_str_eq(res.hits[1].caps[0].name, "phone");
	cr_expect_eq(res.hits[1].caps[0].start, 19);
	cr_expect_eq(res.hits[1].caps[0].end, 30);
	/* case_sensitive: lower case is not a registration */
	run1(rs, "car ab12 cde", &res);
	cr_expect_eq(res.nhits, 0);
	gs_match_result_release(&res);
	free_rules(rs);
}

Test(match, fields_and_disabled)
{
	static const struct spec_rule sr[] = {
		{.id = "notes-only", .pats = {"car"}, .fields = {"notes"}},
		{.id = "off", .pats = {"car"}, .disabled = 1},
	};
	struct gs_rules *rs = mk_rules(sr, 2, NULL, 0);
	struct gs_text t[2] = {{"narrative", "car", 3}, {"NOTES", "a car", 5}};
	struct gs_match_result res;
	struct gs_error err;
	struct gs_matcher *m;

	gs_match_result_init(&res);
	m = gs_match_new(rs);
	cr_assert_eq(gs_match_record(m, t, 2, &res, &err), 0);
	cr_assert_eq(res.nhits, 1);
	cr_expect_eq(res.hits[0].field, 1);
	cr_expect_eq(res.hits[0].start, 2);
	gs_match_result_release(&res);
	gs_match_free(m);
	free_rules(rs);
}

Test(match, invalid_utf8_is_an_input_error)
{
	static const struct spec_rule sr[] = {{.id = "car", .pats = {"car"}}};
	struct gs_rules *rs = mk_rules(sr, 1, NULL, 0);
	struct gs_text t = {"narrative", "car \xff", 5};
	struct gs_match_result res;
	struct gs_error err;
	struct gs_matcher *m = gs_match_new(rs);

	gs_match_result_init(&res);
	cr_expect_eq(gs_match_record(m, &t, 1, &res, &err), GS_ERR_INPUT);
	cr_expect_str_eq(err.msg, "field 'narrative' is not valid utf-8 at byte 4");
	gs_match_result_release(&res);
	gs_match_free(m);
	free_rules(rs);
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1 MiB of "a a a ... a" then tail; rule 1 backtracks catastrophically
 * on it. pf: prefilter on (1) or off (0). */
static void limit_case(int jit, int pf, const char *tail, int want_limit)
{
	static const struct spec_rule sr[] = {
		{.id = "ok-before", .pats = {"^a a\\b"}},
		{.id = "evil", .pats = {"(\\w+\\s?)+$"}},
		{.id = "ok-after", .pats = {"a !"}},
	};
	struct gs_rules *rs = mk_rules(sr, 3, NULL, 0);
	size_t n = (size_t)1 << 20;
	size_t tl = strlen(tail);
	char *text = xmalloc(n + tl + 1);
	struct gs_text t = {"narrative", text, n + tl};
	struct gs_match_result res;
	struct gs_error err;
	struct gs_matcher *m;
	double t0;

	if (!jit) {
		/* the interpreter, as for a pattern JIT cannot compile */
		pcre2_code_free(rs->rules[1].patterns[0].code);
		rs->rules[1].patterns[0].code = pcre2_compile(
			(PCRE2_SPTR)"(\\w+\\s?)+$", PCRE2_ZERO_TERMINATED,
			PCRE2_UTF | PCRE2_CASELESS, &(int){0},
			&(PCRE2_SIZE){0}, NULL);
		rs->rules[1].patterns[0].jit = 0;
	}
	for (size_t i = 0; i < n; i += 2) {
		text[i] = 'a';
		text[i + 1] = ' ';
	}
	memcpy(text + n, tail, tl + 1);
	cr_assert_eq(gs_match_prepare(rs, &err), 0);
	m = gs_match_new(rs);
	gs_match_set_prefilter(m, pf);
	gs_match_result_init(&res);
	t0 = seconds();
	cr_assert_eq(gs_match_record(m, &t, 1, &res, &err), 0, "%s", err.msg);
	cr_expect_lt(seconds() - t0, 1.0, "a limit stops it fast");
	/* the other rules still ran */
	cr_assert_eq(res.nhits, 2);
	cr_expect_eq(res.hits[0].rule, 0);
	cr_expect_eq(res.hits[res.nhits - 1].rule, 2);
	cr_expect_eq(res.hits[res.nhits - 1].start, n - 2);
	if (!want_limit) {
		/* vectorscan proved there is no match at all: a real miss */
		cr_expect_eq(res.nlimit, 0);
		goto out;
	}
	/* the evil rule has no hits and is listed: unknown, not a miss */
	cr_assert_eq(res.nlimit, 1);
	cr_expect_eq(res.limit_rules[0], 1);
	cr_expect(res.limit_code == PCRE2_ERROR_MATCHLIMIT ||
			  res.limit_code == PCRE2_ERROR_DEPTHLIMIT ||
			  res.limit_code == PCRE2_ERROR_HEAPLIMIT ||
			  res.limit_code == PCRE2_ERROR_JIT_STACKLIMIT,
		  "limit code %d", res.limit_code);
out:
	gs_match_result_release(&res);
	gs_match_free(m);
	free_rules(rs);
	free(text);
}

Test(match, limit_jit_is_reported_not_a_miss, .timeout = 10)
{
	limit_case(1, 0, "!", 1);
	limit_case(1, 1, "! b", 1);
}

Test(match, limit_interpreter_is_reported_not_a_miss, .timeout = 10)
{
	limit_case(0, 0, "!", 1);
	limit_case(0, 1, "! b", 1);
}

Test(match, limit_prefilter_proves_no_match, .timeout = 10)
{
	limit_case(1, 1, "!", 0);
}

Test(match, vectorscan_rejected_pattern_is_always_confirmed)
{
	/* "ol" is too short a factor, so it goes to the regex prefilter,
	 * which rejects \K: PCRE2 confirms it in every field */
	static const struct spec_rule sr[] = {
		{.id = "k", .pats = {"\\bo\\Kl"}},
		{.id = "car", .pats = {"car"}},
	};
	struct gs_rules *rs = mk_rules(sr, 2, NULL, 0);
	struct gs_match_result res;
	const struct gs_prefilter *pf;

	gs_match_result_init(&res);
	run1(rs, "an older male", &res);
	pf = rs->prefilter;
	cr_assert_not_null(pf);
	cr_expect_eq(pf->nalways, 1);
	cr_expect_eq(pf->always[0], 1);
	cr_expect_eq(pf->factored[0], 0);
	cr_expect_eq(pf->factored[1], 1);
	cr_assert_eq(res.nhits, 1);
	expect_hit(&res, 0, 0, 4, 5, GS_HIT_ACTIVE);
	gs_match_result_release(&res);
	free_rules(rs);
}

Test(match, factored_pattern_with_reset_is_prefiltered)
{
	static const struct spec_rule sr[] = {
		{.id = "k", .pats = {"older \\Kmale"}},
	};
	struct gs_rules *rs = mk_rules(sr, 1, NULL, 0);
	struct gs_match_result res;
	const struct gs_prefilter *pf;

	gs_match_result_init(&res);
	run1(rs, "an older male", &res);
	pf = rs->prefilter;
	cr_expect_eq(pf->nalways, 0);
	cr_expect_eq(pf->factored[0], 1);
	cr_expect_eq(pf->nlits, 1);
	cr_assert_eq(res.nhits, 1);
	expect_hit(&res, 0, 0, 9, 13, GS_HIT_ACTIVE);
	run1(rs, "an older female", &res);
	cr_expect_eq(res.nhits, 0);
	gs_match_result_release(&res);
	free_rules(rs);
}

/* PCRE2 caseless folds U+017F (long s) onto 's' and U+212A (Kelvin sign)
 * onto 'k'; ASCII factors cannot see that, so such a field fires every
 * pattern, and the hits are still found. */
Test(match, long_s_and_kelvin_sign_still_match)
{
	static const struct spec_rule sr[] = {
		/* no leading \\b: without UCP long s is not a word character */
		{.id = "school", .pats = {"school\\b"}},
		{.id = "kid", .pats = {"kids?\\b"}},
		{.id = "cs", .pats = {"School"}, .case_sensitive = 1},
	};
	struct gs_rules *rs = mk_rules(sr, 3, NULL, 0);
	struct gs_match_result res;

	gs_match_result_init(&res);
	run1(rs, "not at \xc5\xbf" "chool today", &res);
	cr_assert_eq(res.nhits, 1);
	expect_hit(&res, 0, 0, 7, 14, GS_HIT_ACTIVE);
	run1(rs, "the \xe2\x84\xaaIDS left", &res);
	cr_assert_eq(res.nhits, 1);
	expect_hit(&res, 0, 1, 4, 10, GS_HIT_ACTIVE);
	/* case-sensitive: long s is not 'S' */
	run1(rs, "\xc5\xbf" "chool School", &res);
	cr_assert_eq(res.nhits, 3);
	expect_hit(&res, 0, 0, 0, 7, GS_HIT_ACTIVE);
	expect_hit(&res, 1, 0, 8, 14, GS_HIT_ACTIVE);
	expect_hit(&res, 2, 2, 8, 14, GS_HIT_ACTIVE);
	gs_match_result_release(&res);
	free_rules(rs);
}

Test(match, timings_count_confirmations_and_matches)
{
	static const struct spec_rule sr[] = {
		{.id = "car", .pats = {"car"}},
		{.id = "boat", .pats = {"boat"}},
	};
	struct gs_rules *rs = mk_rules(sr, 2, NULL, 0);
	struct gs_text t = {"narrative", "car car", 7};
	struct gs_match_result res;
	struct gs_error err;
	struct gs_matcher *m;
	const struct gs_rule_timing *tm;

	cr_assert_eq(gs_match_prepare(rs, &err), 0);
	m = gs_match_new(rs);
	gs_match_set_prefilter(m, 1);
	gs_match_enable_timings(m, 1);
	gs_match_result_init(&res);
	cr_assert_eq(gs_match_record(m, &t, 1, &res, &err), 0);
	tm = gs_match_timings(m);
	cr_expect_eq(tm[0].prefilter_hits, 1);
	cr_expect_eq(tm[0].confirmations, 1);
	cr_expect_eq(tm[0].matches, 2);
	/* "boat" never fired, so PCRE2 never ran it */
	cr_expect_eq(tm[1].prefilter_hits, 0);
	cr_expect_eq(tm[1].confirmations, 0);
	cr_expect_eq(tm[1].matches, 0);
	gs_match_set_prefilter(m, 0);
	cr_assert_eq(gs_match_record(m, &t, 1, &res, &err), 0);
	cr_expect_eq(tm[1].confirmations, 1);
	gs_match_result_release(&res);
	gs_match_free(m);
	free_rules(rs);
}

/* Generated texts: words drawn from a small vocabulary with cues,
 * punctuation and non-ASCII, over hand rules using all features. */
Test(match, prefilter_equals_pcre2_only_generated)
{
	static const char *const words[] = {
		"no", "car", "older", "male", "but", "if", "denied", "taxi",
		"no longer", "CAR", "Café", "école", "03.00", "Mr.", "school",
		"concerns", "AB12 CDE", "07700900123", "hotel", "party",
		"a", "the", ".", ";", "\n", "!", "?", ",", "ÉCOLE", "girl",
		"\xc5\xbf" "chool", "ta\xe2\x84\xaaI", "Older Man", "ca",
	};
	static const struct spec_rule sr[] = {
		{.id = "car", .pats = {"\\bcar\\b"}, .context = 1},
		{.id = "older", .pats = {"older (?:male|man)"},
		 .all = {"car|taxi"}, .window = 30, .context = 1},
		{.id = "hotel", .pats = {"hotel", "party"}, .excl = {"school"},
		 .context = 1, .accepts = 1u << GS_CUE_HYPOTHETICAL},
		{.id = "ecole", .pats = {"école"}},
		{.id = "vrm", .pats = {"(?<vrm>[A-Z]{2}[0-9]{2} ?[A-Z]{3})"},
		 .case_sensitive = 1},
		{.id = "k", .pats = {"girl \\Kcar"}},
	};
	struct gs_rules *rs = mk_rules(sr, 6, cues, NCUES);
	struct gs_buf b;
	struct gs_match_result res;
	unsigned long seed = 12345;
	size_t total = 0;

	gs_buf_init(&b, 0);
	gs_match_result_init(&res);
	for (int i = 0; i < 2000; i++) {
		int n = 1 + (int)(seed % 40);

		gs_buf_reset(&b);
		for (int w = 0; w < n; w++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			gs_buf_printf(&b, "%s ",
				      words[(seed >> 33) % (sizeof(words) / sizeof(words[0]))]);
		}
		run1(rs, b.data, &res);
		total += res.nhits;
	}
	/* the set exercises the rules: many hits, all compared */
	cr_expect_gt(total, 1000, "total %zu", total);
	gs_match_result_release(&res);
	gs_buf_release(&b);
	free_rules(rs);
}

/* ---- the commands: gapscan rules test, gapscan explain ---- */

#include <jansson.h>

#include "gs_cli.h"

static const char *root(void)
{
	const char *r = getenv("GAPSCAN_ROOT");

	return r != NULL ? r : ".";
}

#define PATH_LEN 1024

/* Fills buf (PATH_LEN bytes) with $GAPSCAN_ROOT/rel and returns it. */
static char *path(char *buf, const char *rel)
{
	snprintf(buf, PATH_LEN, "%s/%s", root(), rel);
	return buf;
}

Test(rules_test, shipped_style_pack_passes)
{
	char p0[PATH_LEN];
	char *argv[] = {"test", path(p0, "tests/data/match/pack"), NULL};

	cr_redirect_stdout();
	cr_assert_eq(gs_cmd_rules_test(2, argv), GS_EXIT_OK);
	cr_assert_stdout_eq_str("7 passed, 0 failed\n");
}

Test(rules_test, failures_say_what_matched_and_why)
{
	char p0[PATH_LEN], p1[PATH_LEN];
	char *argv[] = {"test", "--rules", path(p0, "tests/data/match/failing"),
			NULL};
	char want[4096];
	const char *file = path(p1, "tests/data/match/failing/rules.json");

	snprintf(want, sizeof(want),
		 "FAIL car-bad-tests match (%s:4): expected an active hit\n"
		 "  text: \"if she gets in the car\"\n"
		 "  hit [19,22) \"car\" suppressed by cue hyp-if (hypothetical) "
		 "\"if\" at [0,2)\n"
		 "FAIL car-bad-tests no_match (%s:4): expected no active hit\n"
		 "  text: \"a car\"\n"
		 "  hit [2,5) \"car\" active\n"
		 "FAIL car-bad-tests suppressed (%s:4): expected a suppressed or "
		 "excluded hit and no active one\n"
		 "  text: \"a boat\"\n"
		 "  no hit\n"
		 "1 passed, 3 failed\n",
		 file, file, file);
	cr_redirect_stdout();
	cr_assert_eq(gs_cmd_rules_test(3, argv), GS_EXIT_FINDINGS);
	cr_assert_stdout_eq_str(want);
}

Test(rules_test, unloadable_pack_exits_4)
{
	char p0[PATH_LEN];
	char *argv[] = {"test", path(p0, "tests/data/match/no-such-pack"), NULL};

	cr_redirect_stdout();
	cr_redirect_stderr();
	cr_assert_eq(gs_cmd_rules_test(2, argv), GS_EXIT_RULE);
}

Test(rules_test, usage_error_exits_2)
{
	char *argv[] = {"test", "a", "b", NULL};

	cr_redirect_stderr();
	cr_assert_eq(gs_cmd_rules_test(3, argv), GS_EXIT_USAGE);
}

Test(explain, text_marks_hits_and_explains_suppression)
{
	char p0[PATH_LEN], p1[PATH_LEN];
	char *argv[] = {"explain", "--rules", path(p0, "tests/data/match/pack"),
			"--profile", path(p1, "profiles/default.json"), "--text",
			"if she got in a taxi with an older male. Seen in AB12 CDE",
			NULL};

	/* "taxi" [16,20) with an older male hits car-older-male, and the
	 * hypothetical cue "if" (scope 6 words forward) suppresses it */
	cr_redirect_stdout();
	cr_assert_eq(gs_cmd_explain(7, argv), GS_EXIT_OK);
	cr_assert_stdout_eq_str(
		"narrative:\n"
		"if she got in a taxi with an older male. Seen in "
		"[[AB12 CDE]]{vrm-seen}\n"
		"\n"
		"hits:\n"
		"  vrm-seen  category vehicles_taxis  weight 1  field narrative  "
		"[49,57)  \"AB12 CDE\"\n"
		"    vrm: \"AB12 CDE\"\n"
		"suppressed, excluded or unguarded:\n"
		"  car-older-male  category vehicles_taxis  weight 3  field "
		"narrative  [16,20)  \"taxi\"\n"
		"    suppressed by cue hyp-if (hypothetical) \"if\" at [0,2)\n"
		"language:\n"
		"  none\n"
		"score: 1, threshold 3: not flagged\n"
		"overrides in force:\n"
		"  none\n");
}

/* A rule whose pattern matched but whose `all` guard is too far away is
 * shown as not counted, with the guard, so an author sees why it did not
 * hit; the score is unchanged (the guard is 92 bytes away, window 60). */
Test(explain, unguarded_hit_shows_the_missing_guard)
{
	char p0[PATH_LEN], p1[PATH_LEN];
	char *argv[] = {"explain", "--rules", path(p0, "tests/data/match/pack"),
			"--profile", path(p1, "profiles/default.json"), "--text",
			"got in a taxi; later, after a long time and several streets "
			"away, past the shops and the station, an older male",
			NULL};

	cr_redirect_stdout();
	cr_assert_eq(gs_cmd_explain(7, argv), GS_EXIT_OK);
	cr_assert_stdout_eq_str(
		"narrative:\n"
		"got in a taxi; later, after a long time and several streets "
		"away, past the shops and the station, an older male\n"
		"\n"
		"hits:\n"
		"  none\n"
		"suppressed, excluded or unguarded:\n"
		"  car-older-male  category vehicles_taxis  weight 3  field "
		"narrative  [9,13)  \"taxi\"\n"
		"    not counted: its \"all\" pattern 1 is not within 60 bytes: "
		"\\bolder (?:male|man|men)\\b\n"
		"language:\n"
		"  none\n"
		"score: 0, threshold 3: not flagged\n"
		"overrides in force:\n"
		"  none\n");
}

Test(explain, record_with_actions_json)
{
	char p0[PATH_LEN], p1[PATH_LEN], p2[PATH_LEN], p3[PATH_LEN];
	char *argv[] = {"explain", "--rules", path(p0, "tests/data/match/pack"),
			"--profile", path(p1, "profiles/default.json"),
			"--intel", path(p2, "tests/data/match/intel.csv"),
			"--id", "INT-1",
			"--actions", path(p3, "tests/data/match/actions.csv"),
			"--as-of", "2026-11-01", "--json", NULL};
	char out[8192];
	FILE *f;
	size_t n;
	json_t *j;
	json_error_t je;
	json_t *hit;

	cr_redirect_stdout();
	cr_assert_eq(gs_cmd_explain(14, argv), GS_EXIT_OK);
	fflush(stdout);
	f = cr_get_redirected_stdout();
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	j = json_loads(out, 0, &je);
	cr_assert_not_null(j, "json: %s", je.text);
	cr_expect_eq(json_integer_value(json_object_get(j, "score")), 3);
	cr_expect(json_is_true(json_object_get(j, "flagged")));
	cr_expect_str_eq(json_string_value(json_object_get(j, "status")), "late");
	cr_expect_eq(json_integer_value(json_object_get(j, "days")), 19);
	cr_assert_eq(json_array_size(json_object_get(j, "hits")), 1);
	hit = json_array_get(json_object_get(j, "hits"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(hit, "rule")),
			 "car-older-male");
	cr_expect_str_eq(json_string_value(json_object_get(hit, "state")),
			 "active");
	cr_expect_eq(json_integer_value(json_object_get(hit, "start")), 46);
	cr_expect_str_eq(
		json_string_value(json_object_get(
			json_array_get(json_object_get(j, "actions"), 0),
			"action_id")),
		"ACT-1");
	json_decref(j);
}

Test(explain, absent_id_exits_3)
{
	char p0[PATH_LEN], p1[PATH_LEN], p2[PATH_LEN];
	char *argv[] = {"explain", "--rules", path(p0, "tests/data/match/pack"),
			"--profile", path(p1, "profiles/default.json"),
			"--intel", path(p2, "tests/data/match/intel.csv"),
			"--id", "INT-9", NULL};

	cr_redirect_stdout();
	cr_redirect_stderr();
	cr_assert_eq(gs_cmd_explain(9, argv), GS_EXIT_INPUT);
	{
		char want[2048];

		snprintf(want, sizeof(want),
			 "gapscan: %s: id 'INT-9' not found\n", p2);
		cr_assert_stderr_eq_str(want);
	}
}

/* ---- the shipped pack over a corpus ---- */

#include "gs_ingest.h"
#include "gs_profile.h"

/* Matches every record of intel with the prefilter on and off; the
 * results must be identical. */
static void corpus_equal(const char *intel, size_t min_hits)
{
	char p1[PATH_LEN], p2[PATH_LEN];
	struct gs_profile prof;
	struct gs_rules *rules = NULL;
	struct gs_rules_options opt;
	struct gs_ingest *in = NULL;
	struct gs_matcher *m = NULL;
	struct gs_match_result a, b;
	struct gs_intel_rec rec;
	struct gs_error err;
	size_t records = 0, hits = 0;
	int rc;

	gs_profile_init(&prof);
	cr_assert_eq(gs_profile_load(&prof, path(p1, "profiles/default.json"),
				     &err),
		     0, "%s", err.msg);
	memset(&opt, 0, sizeof(opt));
	cr_assert_eq(gs_rules_load(&rules, path(p2, "rules"), &opt, &err), 0,
		     "%s:%ld: %s", err.file, err.line, err.msg);
	cr_assert_eq(gs_match_prepare(rules, &err), 0, "%s", err.msg);
	cr_assert_eq(gs_ingest_open(&in, intel, GS_INGEST_INTEL, &prof, &err),
		     0, "%s", err.msg);
	m = gs_match_new(rules);
	gs_match_result_init(&a);
	gs_match_result_init(&b);
	while ((rc = gs_ingest_next_intel(in, &rec, &err)) != 0) {
		struct gs_text t[GS_PROFILE_MAX_TEXT];

		if (rc == GS_ERR_REJECT)
			continue;
		cr_assert_gt(rc, 0, "%s", err.msg);
		for (size_t i = 0; i < rec.ntext; i++) {
			t[i].name = prof.col_text[i];
			t[i].ptr = rec.text[i].ptr;
			t[i].len = rec.text[i].len;
		}
		gs_match_set_prefilter(m, 1);
		cr_assert_eq(gs_match_record(m, t, rec.ntext, &a, &err), 0);
		gs_match_set_prefilter(m, 0);
		cr_assert_eq(gs_match_record(m, t, rec.ntext, &b, &err), 0);
		cr_assert_eq(a.nhits, b.nhits, "record %s: %zu vs %zu hits",
			     rec.id.ptr, a.nhits, b.nhits);
		for (size_t i = 0; i < a.nhits; i++)
			cr_assert_eq(memcmp(&a.hits[i], &b.hits[i],
					    sizeof(a.hits[i])),
				     0, "record %s: hit %zu differs", rec.id.ptr,
				     i);
		cr_assert_eq(a.nlimit, b.nlimit, "record %s", rec.id.ptr);
		records++;
		hits += a.nhits;
	}
	cr_expect_gt(records, 100, "records %zu", records);
	cr_expect_gt(hits, min_hits, "%s: hits %zu", intel, hits);
	gs_match_result_release(&a);
	gs_match_result_release(&b);
	gs_match_free(m);
	gs_ingest_free(in);
	gs_rules_free(rules);
	gs_profile_release(&prof);
}

Test(pack, prefilter_equals_pcre2_only_on_corpus, .timeout = 120)
{
	char p0[PATH_LEN];
	const char *extra = getenv("GAPSCAN_EQ_CORPUS");

	corpus_equal(path(p0, "corpus/demo/intel.csv"), 100);
	corpus_equal(path(p0, "corpus/hard/intel.csv"), 50);
	corpus_equal(path(p0, "corpus/holdout/intel.csv"), 50);
	/* a larger generated export, when given (corpus-gen output) */
	if (extra != NULL && *extra != '\0')
		corpus_equal(extra, 100);
}
