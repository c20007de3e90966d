/*
 * cmd_ruletest.c - `gapscan rules test [DIR]`: runs every rule's own test
 * texts through the real matcher, context cues included.
 *
 * Each text is matched as one field named "narrative". A `match` text must
 * give an active hit of its rule, a `no_match` text none, a `suppressed`
 * text a hit of the rule that a cue suppressed or an exclude removed. A
 * failure shows the rule, the expectation, the text, what matched and what
 * suppressed it. The last line is exactly "N passed, N failed".
 */
#include <stdio.h>
#include <string.h>

#include "gs_cli.h"
#include "gs_match.h"
#include "gs_rules.h"

static const char usage[] =
	"usage: gapscan rules test [DIR] [--rules DIR] [--overrides FILE]\n"
	"                          [--profile FILE] [-v]\n"
	"\n"
	"Runs each rule's tests (match, no_match, suppressed) through the\n"
	"matcher with the pack's context cues. DIR defaults to the shipped\n"
	"rules/. --overrides takes local rule overrides as scan does (default:\n"
	"overrides.json beside the pack, when present); --profile takes the\n"
	"PCRE2 limits and text columns from a profile; -v prints passing\n"
	"tests too.\n"
	"\n"
	"exit: 0 all passed, 1 a test failed or none ran, 2 usage,\n"
	"      4 the pack does not load\n";

enum expect { EXPECT_MATCH, EXPECT_NO_MATCH, EXPECT_SUPPRESSED };

static const char *const expect_names[] = {"match", "no_match", "suppressed"};

struct ruletest {
	const struct gs_rules *rules;
	struct gs_matcher *m;
	struct gs_match_result res;
	int verbose;
	unsigned long passed, failed;
};

/* Prints every hit of rule r in text with what suppressed it. */
static void print_hits(const struct ruletest *t, unsigned r, const char *text)
{
	size_t shown = 0;

	for (size_t i = 0; i < t->res.nhits; i++) {
		const struct gs_hit *h = &t->res.hits[i];

		if (h->rule != r)
			continue;
		shown++;
		printf("  hit [%zu,%zu) \"%.*s\"", h->start, h->end,
		       (int)(h->end - h->start), text + h->start);
		if (h->state == GS_HIT_ACTIVE) {
			printf(" active\n");
		} else if (h->state == GS_HIT_EXCLUDED) {
			printf(" excluded by an exclude pattern in its sentence\n");
		} else {
			const struct gs_cue_info *c = gs_rules_cue(t->rules,
								   (size_t)h->cue);

			printf(" suppressed by cue %s (%s) \"%.*s\" at [%zu,%zu)\n",
			       c->id, gs_cue_type_name(c->type),
			       (int)(h->cue_end - h->cue_start),
			       text + h->cue_start, h->cue_start, h->cue_end);
		}
	}
	for (size_t i = 0; i < t->res.nlimit; i++)
		if (t->res.limit_rules[i] == r) {
			printf("  stopped by a pcre2 resource limit (error %d)\n",
			       t->res.limit_code);
			shown++;
		}
	if (shown == 0)
		printf("  no hit\n");
}

/* Runs one test text; returns 0 when it passed, 1 when it failed and
 * < 0 on a matcher error. */
static int run_one(struct ruletest *t, unsigned r, enum expect want,
		   const char *text, struct gs_error *err)
{
	const struct gs_rule_info *info = gs_rules_get(t->rules, r);
	/* the text stands in the rule's own field when it names some */
	struct gs_text field = {info->nfields ? info->fields[0] : "narrative",
				text, strlen(text)};
	int active = 0, quiet = 0, ok = 0;
	int rc;

	rc = gs_match_record(t->m, &field, 1, &t->res, err);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < t->res.nhits; i++) {
		if (t->res.hits[i].rule != r)
			continue;
		if (t->res.hits[i].state == GS_HIT_ACTIVE)
			active = 1;
		else
			quiet = 1;
	}
	switch (want) {
	case EXPECT_MATCH:
		ok = active;
		break;
	case EXPECT_NO_MATCH:
		ok = !active;
		break;
	case EXPECT_SUPPRESSED:
		ok = quiet && !active;
		break;
	}
	if (ok) {
		t->passed++;
		if (t->verbose)
			printf("ok   %s %s: \"%s\"\n", info->id,
			       expect_names[want], text);
		return 0;
	}
	t->failed++;
	printf("FAIL %s %s (%s:%ld): expected %s\n", info->id,
	       expect_names[want], info->file ? info->file : "?", info->line,
	       want == EXPECT_MATCH	 ? "an active hit"
	       : want == EXPECT_NO_MATCH ? "no active hit"
					 : "a suppressed or excluded hit and no active one");
	printf("  text: \"%s\"\n", text);
	print_hits(t, r, text);
	return 1;
}

static int run_list(struct ruletest *t, unsigned r, enum expect want,
		    const char *const *texts, size_t n, struct gs_error *err)
{
	for (size_t i = 0; i < n; i++) {
		int rc = run_one(t, r, want, texts[i], err);

		if (rc < 0)
			return rc;
	}
	return 0;
}

int gs_cmd_rules_test(int argc, char **argv)
{
	const char *dir = NULL, *profile_path = NULL, *overrides = NULL;
	struct gs_profile profile;
	struct gs_rules *rules = NULL;
	struct gs_error err;
	struct ruletest t;
	unsigned long skipped = 0;
	int rc = GS_EXIT_OK;

	memset(&t, 0, sizeof(t));
	gs_error_clear(&err);
	memset(&profile, 0, sizeof(profile)); /* gs_cli_load_profile inits it */
	gs_match_result_init(&t.res);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			goto out;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			t.verbose = 1;
		} else if ((strcmp(a, "--rules") == 0 ||
			    strcmp(a, "--overrides") == 0 ||
			    strcmp(a, "--profile") == 0) && i + 1 < argc) {
			if (strcmp(a, "--rules") == 0)
				dir = argv[++i];
			else if (strcmp(a, "--overrides") == 0)
				overrides = argv[++i];
			else
				profile_path = argv[++i];
		} else if (a[0] == '-' || dir != NULL) {
			rc = gs_cli_usage_error("rules test: unexpected '%s' "
						"(try 'gapscan rules test --help')",
						a);
			goto out;
		} else {
			dir = a;
		}
	}
	if (gs_cli_load_profile(&profile, profile_path, &err) < 0) {
		rc = gs_cli_fail(&err);
		goto out;
	}
	if (gs_cli_load_rules(&rules, dir, overrides, &profile, &err) < 0) {
		gs_cli_fail(&err);
		rc = GS_EXIT_RULE;
		goto out;
	}
	t.rules = rules;
	t.m = gs_match_new(rules);
	for (unsigned r = 0; r < gs_rules_count(rules); r++) {
		const struct gs_rule_info *info = gs_rules_get(rules, r);
		int e;

		if (info->disabled) {
			skipped += info->ntests_match + info->ntests_no_match +
				   info->ntests_suppressed;
			continue;
		}
		e = run_list(&t, r, EXPECT_MATCH, info->tests_match,
			     info->ntests_match, &err);
		if (e == 0)
			e = run_list(&t, r, EXPECT_NO_MATCH, info->tests_no_match,
				     info->ntests_no_match, &err);
		if (e == 0)
			e = run_list(&t, r, EXPECT_SUPPRESSED,
				     info->tests_suppressed,
				     info->ntests_suppressed, &err);
		if (e < 0) {
			rc = gs_cli_fail(&err);
			goto out;
		}
	}
	if (skipped > 0)
		printf("%lu skipped (rules disabled by an override)\n", skipped);
	printf("%lu passed, %lu failed\n", t.passed, t.failed);
	if (t.failed > 0 || t.passed == 0)
		rc = GS_EXIT_FINDINGS;
out:
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "gapscan: cannot write to standard output\n");
		rc = GS_EXIT_IO;
	}
	gs_match_result_release(&t.res);
	gs_match_free(t.m);
	gs_rules_free(rules);
	gs_profile_release(&profile);
	return rc;
}
