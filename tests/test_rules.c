/*
 * test_rules.c - the rule-pack loader, overrides, lint and export.
 *
 * Fixture packs live in tests/data/rules/: one small broken pack per
 * error, a good pack with an overrides file beside it. Each test chdirs
 * there so file names in messages are short and exact.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gs_cli.h"
#include "gs_util.h"
#include "../analyser/rules_internal.h"
#include "../analyser/rules_lint.h"

static void to_fixtures(void)
{
	const char *root = getenv("GAPSCAN_ROOT");
	char path[4096];

	snprintf(path, sizeof(path), "%s/tests/data/rules",
		 root ? root : ".");
	cr_assert_eq(chdir(path), 0, "cannot chdir to %s", path);
}

/* ---- one fixture per load error ----------------------------------------- */

struct load_case {
	char dir[48];
	char file[64];
	long line;
	long col;
	char msg[200];
};

ParameterizedTestParameters(rules, load_errors)
{
	static struct load_case cases[] = {
		{"bad_json", "bad_json/a.json", 3, 30,
		 "string or '}' expected near '}'"},
		{"unknown_key", "unknown_key/a.json", 8, 0,
		 "unknown key \"pattern\" in rule \"car\"; did you mean "
		 "\"patterns\"?"},
		{"dup_key", "dup_key/a.json", 8, 14,
		 "duplicate object key near '\"weight\"'"},
		{"dup_id", "dup_id/20-b.json", 11, 0,
		 "rule car: duplicate id; first defined at dup_id/10-a.json:4"},
		{"bad_regex", "bad_regex/a.json", 10, 0,
		 "rule car: pattern 2: missing closing parenthesis at offset "
		 "19"},
		{"empty_match", "empty_match/a.json", 8, 0,
		 "rule car: pattern 1: can match the empty string"},
		{"wrong_type", "wrong_type/a.json", 7, 0,
		 "rule car: \"weight\" must be an integer, not a string"},
		{"bad_category", "bad_category/a.json", 6, 0,
		 "rule car: unknown category \"vehicle\"; did you mean "
		 "\"vehicles_taxis\"?"},
		{"override_unknown/pack", "override_unknown/overrides.json", 4,
		 0,
		 "override for unknown rule \"vehicle.cars\"; did you mean "
		 "\"vehicle.car\"?"},
		{"override_no_reason/pack", "override_no_reason/overrides.json",
		 4, 0, "override for rule vehicle.car: missing \"reason\""},
		{"override_nothing/pack", "override_nothing/overrides.json", 4,
		 0,
		 "override for rule vehicle.car: changes nothing: give "
		 "\"disable\", \"weight\", \"patterns\" or \"exclude\""},
		{"bad_id", "bad_id/a.json", 4, 0,
		 "rule #1: id \"Car 1\" must match [a-z0-9_.-]+"},
		{"weight_range", "weight_range/a.json", 7, 0,
		 "rule car: \"weight\" must be from 0 to 10, not 11"},
		{"empty_patterns", "empty_patterns/a.json", 8, 0,
		 "rule car: \"patterns\" must not be empty"},
		{"pattern_item_type", "pattern_item_type/a.json", 10, 0,
		 "rule car: \"patterns\" item 2 must be a string, not an "
		 "integer"},
		{"bad_context", "bad_context/a.json", 9, 0,
		 "rule car: unknown cue type \"histroical\"; did you mean "
		 "\"historical\"?"},
		{"exclude_bad_regex", "exclude_bad_regex/a.json", 9, 0,
		 "rule car: exclude 1: missing terminating ] for character "
		 "class at offset 7"},
		{"cue_no_type", "cue_no_type/a.json", 13, 0,
		 "cue neg.no: missing \"type\""},
		{"dup_cue_id", "dup_cue_id/a.json", 19, 0,
		 "cue neg.no: duplicate id; first defined at "
		 "dup_cue_id/a.json:13"},
		{"unknown_top", "unknown_top/a.json", 2, 0,
		 "unknown key \"rule\" at top level; did you mean \"rules\"?"},
		{"top_array", "top_array/a.json", 1, 0,
		 "top level must be an object, not an array"},
		{"description_top", "description_top/a.json", 2, 0,
		 "top level: \"description\" must be a string, not an "
		 "array"},
		{"description_pack", "description_pack/a.json", 4, 0,
		 "\"pack\": \"description\" must be a string, not an "
		 "integer"},
		{"description_cue", "description_cue/a.json", 17, 0,
		 "cue neg.no: \"description\" must be a string, not a "
		 "boolean"},
		{"override_description/pack",
		 "override_description/overrides.json", 2, 0,
		 "overrides file: \"description\" must be a string, not an "
		 "object"},
		{"empty_dir", "empty_dir", 0, 0, "no *.json files in rule pack"},
		{"no_such_dir", "no_such_dir", 0, 0,
		 "cannot open rule pack: No such file or directory"},
	};

	return cr_make_param_array(struct load_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct load_case *c, rules, load_errors)
{
	struct gs_rules *r = NULL;
	struct gs_error err;
	int rc;

	to_fixtures();
	gs_error_clear(&err);
	rc = gs_rules_load(&r, c->dir, NULL, &err);
	cr_assert_eq(rc, GS_ERR_RULE, "%s: rc %d", c->dir, rc);
	cr_assert_null(r);
	cr_assert_eq(err.code, GS_ERR_RULE);
	cr_assert_str_eq(err.file, c->file);
	cr_assert_eq(err.line, c->line, "%s: line %ld", c->dir, err.line);
	cr_assert_eq(err.col, c->col, "%s: col %ld", c->dir, err.col);
	cr_assert_str_eq(err.msg, c->msg);
}

/* ---- the good pack --------------------------------------------------------- */

static struct gs_rules *load_good(const char *overrides)
{
	struct gs_rules_options opt;
	struct gs_rules *r = NULL;
	struct gs_error err;
	int rc;

	to_fixtures();
	memset(&opt, 0, sizeof(opt));
	opt.overrides_path = overrides;
	opt.match_limit = 12345;
	gs_error_clear(&err);
	rc = gs_rules_load(&r, "good/pack", &opt, &err);
	cr_assert_eq(rc, 0, "load failed: %s:%ld: %s", err.file, err.line,
		     err.msg);
	cr_assert_not_null(r);
	return r;
}

Test(rules, good_pack_counts)
{
	struct gs_rules *r = load_good(NULL);

	cr_assert_eq(gs_rules_count(r), 4);
	cr_assert_eq(gs_rules_ncues(r), 3);
	cr_assert_eq(gs_rules_noverrides(r), 3);
	cr_assert_str_eq(gs_rules_version(r), "1.2.3");
	cr_assert_str_eq(gs_rules_dir(r), "good/pack");
	cr_assert_eq(strlen(gs_rules_hash(r)), 64);
	cr_assert_eq(r->match_limit, 12345);
	cr_assert_eq(gs_rules_find(r, "vehicles.van"), 2);
	cr_assert_eq(gs_rules_find(r, "language.lifestyle"), 3);
	cr_assert_eq(gs_rules_find(r, "nope"), -1);
	cr_assert_null(gs_rules_get(r, 4));
	gs_rules_free(r);
}

Test(rules, good_pack_rule_fields)
{
	struct gs_rules *r = load_good(NULL);
	const struct gs_rule *car = &r->rules[0];
	const struct gs_rule_info *i = gs_rules_get(r, 0);

	cr_assert_eq(i, &car->info);
	cr_assert_str_eq(i->id, "vehicles.car");
	cr_assert_str_eq(i->title, "Got into a car with an adult");
	cr_assert_str_eq(i->description, "Picked up by an adult in a car.");
	cr_assert_str_eq(i->category, "vehicles_taxis");
	cr_assert_str_eq(i->status, "experimental");
	cr_assert_str_eq(i->file, "good/pack/10-vehicles.json");
	cr_assert_eq(i->line, 4);
	cr_assert_eq(i->weight, 1); /* 3, then the override */
	cr_assert_eq(i->disabled, 0);
	cr_assert_eq(i->is_language, 0);
	cr_assert_eq(i->accepts, 1u << GS_CUE_HISTORICAL);
	cr_assert_eq(car->context, 1);
	cr_assert_eq(car->window, 50);
	cr_assert_eq(car->case_sensitive, 0);
	cr_assert_eq(i->npatterns, 1);
	cr_assert_str_eq(i->patterns[0], "\\bgot into (?:a|his|the) car\\b");
	cr_assert_eq(car->npatterns, 1);
	cr_assert_eq(car->patterns[0].line, 11);
	cr_assert_eq(car->nall, 1);
	cr_assert_eq(car->all[0].line, 14);
	cr_assert_eq(car->nexclude, 2);
	cr_assert_eq(car->exclude[0].from_override, 0);
	cr_assert_eq(car->exclude[1].from_override, 1);
	cr_assert_str_eq(car->exclude[1].src, "\\bcar park\\b");
	cr_assert_eq(car->exclude[1].line, 12);
	cr_assert_eq(i->nfields, 1);
	cr_assert_str_eq(i->fields[0], "text");
	cr_assert_eq(i->nreferences, 1);
	cr_assert_str_eq(i->references[0], "Synthetic reference for tests");
	cr_assert_eq(i->ntests_match, 2);
	cr_assert_str_eq(i->tests_match[1], "Got into the car, adult driver.");
	cr_assert_eq(i->ntests_no_match, 1);
	cr_assert_eq(i->ntests_suppressed, 1);
	gs_rules_free(r);
}

Test(rules, good_pack_defaults_and_flags)
{
	struct gs_rules *r = load_good(NULL);
	const struct gs_rule *taxi = &r->rules[1], *van = &r->rules[2];
	const struct gs_rule *lang = &r->rules[3];

	cr_assert_eq(taxi->context, 0);
	cr_assert_eq(taxi->info.accepts, (1u << GS_CUE_NTYPES) - 1);
	cr_assert_eq(taxi->case_sensitive, 1);
	cr_assert_eq(taxi->info.nfields, 0);
	cr_assert_null(taxi->info.fields);
	cr_assert_str_eq(taxi->info.status, "stable");
	cr_assert_str_eq(taxi->info.description, "");
	cr_assert_eq(taxi->info.npatterns, 3);
	cr_assert_eq(taxi->npatterns, 3);
	cr_assert_str_eq(taxi->info.patterns[2], "\\bPrivate hire\\b");
	cr_assert_eq(taxi->patterns[1].from_override, 1);
	cr_assert_eq(van->info.disabled, 1);
	cr_assert_eq(van->info.weight, 1);
	cr_assert_eq(lang->info.is_language, 1);
	cr_assert_eq(lang->info.accepts, 0);
	cr_assert_eq(lang->context, 1);
	cr_assert_eq(lang->window, 100);
	gs_rules_free(r);
}

static int matches(const struct gs_pattern *p, const char *text)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->code,
								      NULL);
	int rc = pcre2_match(p->code, (PCRE2_SPTR)text, strlen(text), 0, 0,
			     md, NULL);

	pcre2_match_data_free(md);
	return rc > 0;
}

Test(rules, compiled_patterns_follow_case_flags)
{
	struct gs_rules *r = load_good(NULL);

	cr_assert(matches(&r->rules[0].patterns[0], "She GOT INTO A CAR."));
	cr_assert(matches(&r->rules[1].patterns[0], "a TAXI came"));
	cr_assert_not(matches(&r->rules[1].patterns[0], "a taxi came"));
	cr_assert_not(matches(&r->rules[1].patterns[2], "private hire"));
	cr_assert(matches(&r->cues[0].pat, "NO concerns"));
	gs_rules_free(r);
}

Test(rules, good_pack_cues)
{
	struct gs_rules *r = load_good(NULL);
	const struct gs_cue_info *c;

	c = gs_rules_cue(r, 0);
	cr_assert_str_eq(c->id, "neg.no");
	cr_assert_str_eq(c->pattern, "\\bno\\b");
	cr_assert_eq(c->type, GS_CUE_NEGATED);
	cr_assert_eq(c->dir, GS_DIR_FORWARD);
	cr_assert_eq(c->scope, 5);
	cr_assert_str_eq(c->file, "good/pack/context.json");
	cr_assert_eq(c->line, 4);
	c = gs_rules_cue(r, 1);
	cr_assert_eq(c->type, GS_CUE_HYPOTHETICAL);
	cr_assert_eq(c->dir, GS_DIR_BACKWARD);
	cr_assert_eq(c->scope, 3);
	c = gs_rules_cue(r, 2);
	cr_assert_str_eq(c->id, "term.but");
	cr_assert_eq(c->dir, GS_DIR_TERMINATE);
	cr_assert_eq(c->type, GS_CUE_NTYPES); /* no type: any */
	cr_assert_eq(c->scope, 0);
	cr_assert_null(gs_rules_cue(r, 3));
	gs_rules_free(r);
}

Test(rules, overrides_recorded)
{
	struct gs_rules *r = load_good(NULL);
	const struct gs_override_info *o;

	o = gs_rules_override(r, 0);
	cr_assert_str_eq(o->rule_id, "vehicles.van");
	cr_assert_str_eq(o->reason, "white vans are everywhere in this force");
	cr_assert_str_eq(o->what, "disabled");
	o = gs_rules_override(r, 1);
	cr_assert_str_eq(o->rule_id, "vehicles.car");
	cr_assert_str_eq(o->what, "weight 3 -> 1, +1 exclude");
	o = gs_rules_override(r, 2);
	cr_assert_str_eq(o->what, "+2 patterns");
	cr_assert_null(gs_rules_override(r, 3));
	gs_rules_free(r);
}

Test(rules, explicit_overrides_path_replaces_default)
{
	struct gs_rules *with = load_good(NULL);
	struct gs_rules *without = load_good("good/no-overrides.json");

	cr_assert_eq(gs_rules_noverrides(without), 0);
	cr_assert_eq(without->rules[2].info.disabled, 0);
	cr_assert_eq(without->rules[0].info.weight, 3);
	cr_assert_str_neq(gs_rules_hash(with), gs_rules_hash(without));
	gs_rules_free(with);
	gs_rules_free(without);
}

Test(rules, overrides_path_default)
{
	char *p;

	to_fixtures();
	p = gs_rules_overrides_path("good/pack", NULL);
	cr_assert_str_eq(p, "good/overrides.json");
	free(p);
	p = gs_rules_overrides_path("good/pack/", NULL);
	cr_assert_str_eq(p, "good/overrides.json");
	free(p);
	cr_assert_null(gs_rules_overrides_path("good", NULL));
	cr_assert_eq(chdir("good/pack"), 0);
	p = gs_rules_overrides_path(".", NULL);
	cr_assert_str_eq(p, "./../overrides.json");
	free(p);
}

/* ---- the hash ------------------------------------------------------------------ */

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	cr_assert_not_null(fp, "cannot write %s", path);
	fputs(text, fp);
	cr_assert_eq(fclose(fp), 0);
}

static void hash_of(const char *dir, char out[65])
{
	struct gs_rules *r = NULL;
	struct gs_error err;

	gs_error_clear(&err);
	cr_assert_eq(gs_rules_load(&r, dir, NULL, &err), 0, "%s", err.msg);
	memcpy(out, gs_rules_hash(r), 65);
	gs_rules_free(r);
}

Test(rules, hash_follows_file_contents)
{
	char tmpl[] = "/tmp/gs_rules_XXXXXX", pack[64], file[96], h[4][65];
	const char *rule = "{\"rules\": [{\"id\": \"car\", \"title\": \"t\", "
			   "\"category\": \"vehicles_taxis\", \"weight\": 2, "
			   "\"patterns\": [\"\\\\bcar\\\\b\"]}]}\n";
	char *root = mkdtemp(tmpl);

	cr_assert_not_null(root);
	snprintf(pack, sizeof(pack), "%s/pack", root);
	cr_assert_eq(mkdir(pack, 0700), 0);
	snprintf(file, sizeof(file), "%s/a.json", pack);
	write_text(file, rule);
	hash_of(pack, h[0]);
	hash_of(pack, h[1]);
	cr_assert_str_eq(h[0], h[1]);
	write_text(file, "{\"rules\": [{\"id\": \"car\", \"title\": \"t\", "
			 "\"category\": \"vehicles_taxis\", \"weight\": 3, "
			 "\"patterns\": [\"\\\\bcar\\\\b\"]}]}\n");
	hash_of(pack, h[2]);
	cr_assert_str_neq(h[0], h[2]);
	/* the same content under another name is another pack */
	remove(file);
	snprintf(file, sizeof(file), "%s/b.json", pack);
	write_text(file, rule);
	hash_of(pack, h[3]);
	cr_assert_str_neq(h[0], h[3]);
	/* an overrides file beside the pack is part of it */
	snprintf(file, sizeof(file), "%s/overrides.json", root);
	write_text(file, "{\"overrides\": [{\"rule\": \"car\", \"reason\": "
			 "\"r\", \"weight\": 1}]}\n");
	hash_of(pack, h[0]);
	cr_assert_str_neq(h[0], h[3]);
	remove(file);
	snprintf(file, sizeof(file), "%s/b.json", pack);
	remove(file);
	rmdir(pack);
	rmdir(root);
}

/* ---- lint heuristics -------------------------------------------------------- */

struct nested_case {
	char pattern[48];
	int nested;
	size_t at;
};

ParameterizedTestParameters(rules, nested_quantifier)
{
	static struct nested_case cases[] = {
		{"(\\w+\\s?)+", 1, 0},
		{"(a*)*", 1, 0},
		{"(a|aa)+", 1, 0},
		{"ab((c+)d)*", 1, 2},
		{"x(?:\\s+\\w+){2,}", 1, 1},
		{"(?<n>x+)+", 1, 0},
		{"\\b(?:foo|bar)+\\b", 0, 0},
		{"x(?:\\s+\\w+){0,3}", 0, 0},
		{"[(a+)+]", 0, 0},
		{"\\(a+\\)+", 0, 0},
		{"(?>a+)+", 0, 0},
		{"(a++)+", 0, 0},
		{"(a+)?", 0, 0},
		{"\\bgot into (?:a|his|the) car\\b", 0, 0},
	};

	return cr_make_param_array(struct nested_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct nested_case *c, rules, nested_quantifier)
{
	size_t at = 99;
	int got = gs_rules_nested_quantifier(c->pattern, &at);

	cr_assert_eq(got, c->nested, "%s: got %d", c->pattern, got);
	if (c->nested)
		cr_assert_eq(at, c->at, "%s: at %zu", c->pattern, at);
}

/* ---- the commands -------------------------------------------------------------- */

static int run(int argc, const char **argv)
{
	int rc = gs_cmd_rules(argc, (char **)argv);

	fflush(stdout);
	fflush(stderr);
	return rc;
}

Test(rules, lint_reports_everything, .init = cr_redirect_stdout)
{
	const char *argv[] = {"rules", "lint", "lint"};

	to_fixtures();
	cr_assert_eq(run(3, argv), GS_EXIT_FINDINGS);
	cr_assert_stdout_eq_str(
		"lint/a.json:8: error: rule car: pattern 2: missing closing "
		"parenthesis at offset 11\n"
		"    car (?:park\n"
		"               ^\n"
		"lint/a.json:9: error: unknown key \"contxt\" in rule \"car\"; "
		"did you mean \"context\"?\n"
		"lint/a.json:13: warning: rule bus: too few tests: give at "
		"least one \"match\" and one \"no_match\" example\n"
		"lint/a.json:19: warning: rule bus: pattern 2: nested "
		"unbounded quantifier may backtrack catastrophically\n"
		"    (\\w+\\s?)+stop\n"
		"    ^\n"
		"lint/a.json:27: warning: rule tram: pattern 1: slow: not "
		"prefilterable (vectorscan rejects it; PCRE2 runs on every "
		"field)\n"
		"    \\bt\\Kr\n"
		"lint/b.json:3:22: error: '}' expected near '\"title\"'\n"
		"        {\"id\": \"x\" \"title\": \"y\"}\n"
		"                         ^\n"
		"coverage:\n"
		"  vehicles_taxis           1 rule,  weight 1\n"
		"  language                 1 rule,  weight 0\n"
		"  no rules: missing, older_associates, gifts_money_phones, "
		"premises, alcohol_drugs, sexual_health, school_absence, "
		"behaviour_change, online_grooming, peer_recruitment, "
		"injuries_threats, disclosure_withdrawal, "
		"trafficking_movement, looked_after, explicit_concern\n"
		"3 errors, 3 warnings\n");
}

Test(rules, lint_strict_fails_on_warnings, .init = cr_redirect_stdout)
{
	const char *plain[] = {"rules", "lint", "good/pack"};
	const char *strict[] = {"rules", "lint", "--strict", "good/pack"};

	to_fixtures();
	cr_assert_eq(run(3, plain), GS_EXIT_OK);
	cr_assert_eq(run(4, strict), GS_EXIT_FINDINGS);
}

Test(rules, lint_overrides_option, .init = cr_redirect_stdout)
{
	const char *argv[] = {"rules", "lint", "--overrides",
			      "override_unknown/overrides.json", "good/pack"};

	to_fixtures();
	cr_assert_eq(run(5, argv), GS_EXIT_FINDINGS);
}

Test(rules, usage_errors, .init = cr_redirect_stderr)
{
	const char *none[] = {"rules"};
	const char *bad[] = {"rules", "frobnicate"};
	const char *opt[] = {"rules", "lint", "--bogus"};
	const char *two[] = {"rules", "lint", "a", "b"};
	const char *exp[] = {"rules", "export", "good/pack"};

	cr_assert_eq(run(1, none), GS_EXIT_USAGE);
	cr_assert_eq(run(2, bad), GS_EXIT_USAGE);
	cr_assert_eq(run(3, opt), GS_EXIT_USAGE);
	cr_assert_eq(run(4, two), GS_EXIT_USAGE);
	cr_assert_eq(run(3, exp), GS_EXIT_USAGE);
}

Test(rules, export_patterns, .init = cr_redirect_stdout)
{
	const char *argv[] = {"rules", "export", "--patterns", "export/pack"};

	to_fixtures();
	cr_redirect_stderr();
	cr_assert_eq(run(4, argv), GS_EXIT_OK);
	cr_assert_stdout_eq_str("\\bcar\\b\n"
				"(\\b[A-Z]{2}[0-9]{2} ?[A-Z]{3}\\b)\n"
				"[(?i)]z\n"
				"\\bcar\\b[^.]{0,5}[0-9]+[0-9-]\n"
				"\\bA1 (Cars|Taxis)\\b\n");
	cr_assert_stderr_eq_str(
		"gapscan: 3 patterns left out (lookaround, backreferences, "
		"\\K, possessive or atomic groups have no grep/ripgrep "
		"equivalent)\n");
}

Test(rules, export_fails_on_broken_pack, .init = cr_redirect_stderr)
{
	const char *argv[] = {"rules", "export", "--patterns", "bad_regex"};

	to_fixtures();
	cr_assert_eq(run(4, argv), GS_EXIT_RULE);
	cr_assert_stderr_eq_str(
		"gapscan: bad_regex/a.json:10: rule car: pattern 2: missing "
		"closing parenthesis at offset 19\n");
}

Test(rules, shipped_pack_loads)
{
	const char *root = getenv("GAPSCAN_ROOT");
	char dir[4096];
	struct gs_rules *r = NULL;
	struct gs_error err;

	snprintf(dir, sizeof(dir), "%s/rules", root ? root : ".");
	gs_error_clear(&err);
	cr_assert_eq(gs_rules_load(&r, dir, NULL, &err), 0, "%s:%ld: %s",
		     err.file, err.line, err.msg);
	cr_assert_gt(gs_rules_count(r), 0);
	cr_assert_gt(gs_rules_ncues(r), 0);
	gs_rules_free(r);
}

Test(rules, output_errors_are_io_errors, .init = cr_redirect_stderr)
{
	const char *lint[] = {"rules", "lint", "good/pack"};
	const char *json[] = {"rules", "export", "--json", "good/pack"};

	to_fixtures();
	cr_assert_not_null(freopen("/dev/full", "w", stdout));
	cr_assert_eq(run(3, lint), GS_EXIT_IO);
	clearerr(stdout);
	cr_assert_eq(run(4, json), GS_EXIT_IO);
}
