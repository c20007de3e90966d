/*
 * test_factors.c - required literal factors of PCRE2 patterns.
 *
 * Exact factor sets for hand-picked syntax, the characters PCRE2 folds
 * onto ASCII, and the property the prefilter rests on: over thousands of
 * texts built from the shipped pack's own tests and the corpora, with
 * case changes and long-s / Kelvin-sign mutations, whenever PCRE2 matches
 * a pattern one of its factors occurs in the text.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gs_util.h"
#include "../analyser/factors.h"
#include "../analyser/rules_internal.h"

/* ---- exact sets ---- */

struct fcase {
	char pattern[96];
	int caseless;
	char want[512]; /* factors sorted, joined by '|'; "" = none */
};

/* Sorted factors of f joined by '|' into out. */
static void joined(const struct gs_factors *f, char *out, size_t n)
{
	const char *v[1100];
	size_t k = 0;

	cr_assert_leq(f->n, sizeof(v) / sizeof(v[0]));
	for (size_t i = 0; i < f->n; i++)
		v[i] = f->v[i].s;
	for (size_t i = 1; i < f->n; i++) {
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			const char *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	}
	out[0] = '\0';
	for (size_t i = 0; i < f->n; i++)
		k += (size_t)snprintf(out + k, n - k, "%s%s", i ? "|" : "", v[i]);
}

static const struct fcase cases[] = {
	/* a string holding another of the set says nothing more: dropped */
	{"\\bolder (males?|men)\\b", 1, "older male|older men"},
	{"\\bmf[hcs]\\b", 1, "mfc|mfh|mfs"},
	{"(a|b)?cde", 1, "cde"},
	{"x{0,3}abc", 1, "abc"},
	{"(?:19|[2-3][0-9])s?\\+?\\)", 1,
	 "19)|19+)|19s)|19s+)|20)|20+)|20s)|20s+)|21)|21+)|21s)|21s+)|22)|22+)|"
	 "22s)|22s+)|23)|23+)|23s)|23s+)|24)|24+)|24s)|24s+)|25)|25+)|25s)|"
	 "25s+)|26)|26+)|26s)|26s+)|27)|27+)|27s)|27s+)|28)|28+)|28s)|28s+)|29)|"
	 "29+)|29s)|29s+)|30)|30+)|30s)|30s+)|31)|31+)|31s)|31s+)|32)|32+)|32s)|"
	 "32s+)|33)|33+)|33s)|33s+)|34)|34+)|34s)|34s+)|35)|35+)|35s)|35s+)|36)|"
	 "36+)|36s)|36s+)|37)|37+)|37s)|37s+)|38)|38+)|38s)|38s+)|39)|39+)|39s)|"
	 "39s+)"},
	/* the product would pass GS_FACTORS_MAX_SET: the run is cut before
	 * the optional part, and "19".."39" is too short */
	{"(?:19|[2-3][0-9])s?\\+?(?: ?- ?[2-6]0s)?\\)", 1, ""},
	/* a bounded gap ends the run: the best side wins */
	{"\\bconcerns? (?:of|re)\\b[^.;]{0,20}\\bcse\\b", 1,
	 "concern of|concern re|concerns of|concerns re"},
	{"\\bcse\\b[^.;]{0,15}\\b(?:toolkit|plan)\\b", 1, "plan|toolkit"},
	/* lookarounds contribute nothing */
	{"(?<![0-9][0-9] )\\blac\\b", 1, "lac"},
	{"\\bno\\b(?= concerns)", 1, ""},
	{"(?<=older )male", 1, "male"},
	{"(?!abc)xyz", 1, "xyz"},
	/* too short */
	{"\\bAB\\b", 1, ""},
	{"a|bcd", 1, ""},
	{"ab+cd", 1, ""},
	/* classes: folded, small ones expanded, others unknown */
	{"[A-C]bcd", 1, "abcd|bbcd|cbcd"},
	{"[A-C]bcd", 0, "Abcd|Bbcd|Cbcd"},
	{"[^a]bcd", 1, "bcd"},
	{"[[:alpha:]]bcd", 1, "bcd"},
	{"a[bc]{3}d", 1, "abbbd|abbcd|abcbd|abccd|acbbd|acbcd|accbd|acccd"},
	/* repeats */
	{"(ab){2}x", 1, "ababx"},
	{"(ab){2,}x", 1, "abab"},
	{"a++bcd", 1, "bcd"},
	{"hel{20}o", 1, "hellllllll"},
	{"colou?r", 1, "color|colour"},
	/* escapes, groups, anchors */
	{"a.b.cde", 1, "cde"},
	{"\\x41\\x{42}c", 1, "abc"},
	{"\\d\\d\\dabc", 1, "abc"},
	{"\\.\\*\\+x", 1, ".*+x"},
	{"(abc)\\1", 1, "abc"},
	{"ab(?#comment)cd", 1, "abcd"},
	{"(?>abc|abd)", 1, "abc|abd"},
	{"(?<name>abc)(?P<n2>def)", 1, "abcdef"},
	{"\\Aabc\\z", 1, "abc"},
	{"(?:foo|bar)(?:baz|qux)", 1, "barbaz|barqux|foobaz|fooqux"},
	{"LAC", 0, "LAC"},
	/* an inline (?i) in a case-sensitive pattern: folded */
	{"(?i)Hello", 0, "hello"},
	/* non-ASCII splits the literal */
	{"caf\\x{e9}s", 1, "caf"},
	{"\xc3\xa9"
	 "cole", 1, "cole"},
	/* not understood: no factors, the regex path keeps it */
	{"\\Qabc\\E", 1, ""},
	{"(?x) a b c", 1, ""},
	{"(*UTF)abcd", 1, ""},
	{"(?(1)abc|abd)", 1, ""},
};

Test(factors, exact_sets)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gs_factors f;
		char got[2048];
		int r = gs_factors_compute(cases[i].pattern, cases[i].caseless,
					   GS_FACTORS_MIN_LEN, &f);

		joined(&f, got, sizeof(got));
		cr_expect_eq(r, cases[i].want[0] != '\0', "%s: returned %d",
			     cases[i].pattern, r);
		cr_expect_str_eq(got, cases[i].want, "%s", cases[i].pattern);
		if (r)
			cr_expect_eq(f.caseless,
				     cases[i].caseless ||
					     strstr(cases[i].pattern, "(?i") != NULL,
				     "%s", cases[i].pattern);
		gs_factors_release(&f);
	}
}

/* ---- conjunctions ---- */

struct ccase {
	char pattern[128];
	char want[512]; /* sets in order (best first) joined by " & ", each
			   as joined() writes it; "" = none */
};

static const struct ccase conj_cases[] = {
	{"\\bolder (?:male|man)\\b.{0,40}\\bchild\\b",
	 "older male|older man & child"},
	{"\\b(?:in|at) (?:a|the) (?:flat|house)\\b[^.]{0,60}\\b(?:older|adult) "
	 "(?:men|males)\\b",
	 "adult males|adult men|older males|older men & at a flat|at a house|"
	 "at the flat|at the house|in a flat|in a house|in the flat|in the "
	 "house"},
	/* best first: longest shortest string, then fewest strings */
	{"abc.*def.*ghij", "ghij & abc & def"},
	{"(?:foo|bar)baz.{0,9}qux", "barbaz|foobaz & qux"},
	{"colou?r.*(?:red|blue)", "color|colour & blue|red"},
	{"(?:male|man)s?.*\\bchild\\b", "child & male|man"},
	{"abc\\w+def\\d{2,}ghi", "abc & def & ghi"},
	/* at most GS_FACTORS_MAX_SETS, the best ones */
	{"one.*two.*three.*four.*five.*six", "three & four & five & one"},
	/* an equal set counts once */
	{"child.*child", "child"},
	/* a group that must occur gives its own sets */
	{"x(?:abc.*def)y", "abc & def"},
	{"(?:abc.*def)+", "abc & def"},
	{"(?:foo.*bar){2}", "foo & bar"},
	/* an optional one gives none */
	{"(?:abc.*def)?xyz", "xyz"},
	{"(?:abc.*def){0,2}ghi", "ghi"},
	/* an alternation: the union of each branch's best set */
	{"(?:abc.*defg|xyz)", "defg|xyz"},
	{"(?:(?:abcd.*efgh)|ijkl)mnop", "mnop & abcd|ijkl"},
	/* a back reference is unknown text, not a set */
	{"(abc|def).*\\1xyz", "xyz & abc|def"},
	/* lookarounds contribute nothing */
	{"(?<=abcd)efg.*hij", "efg & hij"},
	{"abc(?!def.*ghi)jkl", "abcjkl"},
	{"(?=abcd)xyz", "xyz"},
	/* too short everywhere */
	{"ab.*cd", ""},
	/* a part too short is left out, the rest stays */
	{"ab.*abcdef.*xyz", "abcdef & xyz"},
};

Test(factors, conjunctive_sets)
{
	for (size_t i = 0; i < sizeof(conj_cases) / sizeof(conj_cases[0]);
	     i++) {
		struct gs_factor_sets fs;
		struct gs_factors one;
		char got[2048], part[2048];
		size_t k = 0;
		int n = gs_factors_compute_all(conj_cases[i].pattern, 1,
					       GS_FACTORS_MIN_LEN, &fs);

		got[0] = '\0';
		cr_expect_eq((size_t)n, fs.n, "%s", conj_cases[i].pattern);
		cr_expect_leq(fs.n, GS_FACTORS_MAX_SETS);
		for (size_t j = 0; j < fs.n; j++) {
			joined(&fs.set[j], part, sizeof(part));
			k += (size_t)snprintf(got + k, sizeof(got) - k, "%s%s",
					      j ? " & " : "", part);
			cr_expect_eq(fs.set[j].caseless, 1);
		}
		cr_expect_str_eq(got, conj_cases[i].want, "%s",
				 conj_cases[i].pattern);
		/* gs_factors_compute gives the best set, the first */
		cr_expect_eq(gs_factors_compute(conj_cases[i].pattern, 1,
						GS_FACTORS_MIN_LEN, &one),
			     n > 0, "%s", conj_cases[i].pattern);
		if (n > 0) {
			char first[2048];

			joined(&one, part, sizeof(part));
			joined(&fs.set[0], first, sizeof(first));
			cr_expect_str_eq(part, first, "%s",
					 conj_cases[i].pattern);
		}
		gs_factors_release(&one);
		gs_factor_sets_release(&fs);
	}
}

Test(factors, product_is_bounded)
{
	struct gs_factors f;

	/* 11 x 11 x ... would explode: the set stays within its limits */
	cr_assert_eq(gs_factors_compute("[a-j]x[a-j]y[a-j]z[a-j]w[a-j]v", 1,
					GS_FACTORS_MIN_LEN, &f),
		     1);
	cr_expect_eq(f.n, 100, "[a-j]x[a-j]y: 100 strings of 4 bytes");
	for (size_t i = 0; i < f.n; i++)
		cr_expect_eq(f.v[i].len, 4);
	gs_factors_release(&f);
	cr_assert_eq(gs_factors_compute(
			     "(?:abcdefghij|bcdefghijk)(?:klmnopqrst|lmnopqrstu)"
			     "(?:uvwxyzabcd|vwxyzabcde)(?:0123456789|1234567890)",
			     1, GS_FACTORS_MIN_LEN, &f),
		     1);
	for (size_t i = 0; i < f.n; i++) {
		cr_expect_geq(f.v[i].len, GS_FACTORS_MIN_LEN);
		cr_expect_leq(f.v[i].len, GS_FACTORS_MAX_LEN);
	}
	cr_expect_leq(f.n, GS_FACTORS_MAX_SET);
	gs_factors_release(&f);
}

Test(factors, shorter_minimum_for_lazy_patterns)
{
	struct gs_factors f;

	cr_expect_eq(gs_factors_compute("\\b(?:yp|young person)\\b", 1,
					GS_FACTORS_MIN_LEN, &f),
		     0);
	cr_assert_eq(gs_factors_compute("\\b(?:yp|young person)\\b", 1,
					GS_FACTORS_MIN_LEN_LAZY, &f),
		     1);
	cr_expect_eq(f.n, 2);
	gs_factors_release(&f);
	cr_expect_eq(gs_factors_compute("\\bno\\b(?= concerns)", 1,
					GS_FACTORS_MIN_LEN, &f),
		     0);
	cr_assert_eq(gs_factors_compute("\\bno\\b(?= concerns)", 1,
					GS_FACTORS_MIN_LEN_LAZY, &f),
		     1);
	cr_expect_eq(f.n, 1);
	cr_expect_str_eq(f.v[0].s, "no", "the lookahead adds nothing");
	gs_factors_release(&f);
}

Test(factors, fold_hazard_bytes)
{
	cr_expect_eq(gs_factors_fold_hazard("plain ascii", 11), 0);
	cr_expect_eq(gs_factors_fold_hazard("caf\xc3\xa9", 5), 0);
	cr_expect_eq(gs_factors_fold_hazard("\xc5\xbf", 2), 1);
	cr_expect_eq(gs_factors_fold_hazard("x\xe2\x84\xaa", 4), 1);
	cr_expect_eq(gs_factors_fold_hazard("x\xe2\x84\xab", 4), 1);
	cr_expect_eq(gs_factors_fold_hazard("x\xe2\x84\xac", 4), 0);
	/* a truncated sequence at the end is not one */
	cr_expect_eq(gs_factors_fold_hazard("x\xe2\x84", 3), 0);
	/* a lead byte that is not the hazard, then one that is */
	cr_expect_eq(gs_factors_fold_hazard("\xc5\x81 a \xc5\xbf", 7), 1);
	cr_expect_eq(gs_factors_fold_hazard("\xe2\x80\x94\xe2\x84\xaa", 6), 1);
	/* the length is the end, not a NUL */
	cr_expect_eq(gs_factors_fold_hazard("a\xc5\xbf", 2), 0);
	cr_expect_eq(gs_factors_fold_hazard("a\xe2\x84\xaa", 3), 0);
}

/* Every code point PCRE2 caseless UTF matching folds onto printable ASCII
 * must be one gs_factors_fold_hazard knows. */
Test(factors, pcre2_folds_only_long_s_and_kelvin_onto_ascii)
{
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR) "^[\\x{20}-\\x{7e}]$",
				       PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF | PCRE2_CASELESS, &ec, &eo,
				       NULL);
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	unsigned found = 0;

	cr_assert_not_null(re);
	for (uint32_t cp = 0x80; cp < 0x110000; cp++) {
		char buf[4];
		size_t n;

		if (cp >= 0xD800 && cp < 0xE000)
			continue;
		if (cp < 0x800) {
			buf[0] = (char)(0xC0 | (cp >> 6));
			buf[1] = (char)(0x80 | (cp & 0x3F));
			n = 2;
		} else if (cp < 0x10000) {
			buf[0] = (char)(0xE0 | (cp >> 12));
			buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
			buf[2] = (char)(0x80 | (cp & 0x3F));
			n = 3;
		} else {
			buf[0] = (char)(0xF0 | (cp >> 18));
			buf[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
			buf[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
			buf[3] = (char)(0x80 | (cp & 0x3F));
			n = 4;
		}
		if (pcre2_match(re, (PCRE2_SPTR)buf, n, 0, 0, md, NULL) < 0)
			continue;
		found++;
		cr_expect_eq(gs_factors_fold_hazard(buf, n), 1,
			     "U+%04X folds onto ascii", cp);
	}
	cr_expect_eq(found, 2, "long s and kelvin sign");
	pcre2_match_data_free(md);
	pcre2_code_free(re);
}

/* ---- the property over the shipped pack ---- */

struct pat {
	const struct gs_pattern *p;
	int caseless;
	size_t min_len;
	int has; /* how many sets */
	struct gs_factor_sets f;
};

static const char *root(void)
{
	const char *r = getenv("GAPSCAN_ROOT");

	return r != NULL ? r : ".";
}

static void add_pat(struct pat **v, size_t *n, size_t *cap,
		    const struct gs_pattern *p, int caseless, size_t min_len)
{
	if (p->code == NULL)
		return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[*n].p = p;
	(*v)[*n].caseless = caseless;
	(*v)[*n].min_len = min_len;
	(*v)[*n].has = gs_factors_compute_all(p->src, caseless, min_len,
					      &(*v)[*n].f);
	(*n)++;
}

static void add_text(char ***v, size_t *n, size_t *cap, const char *s,
		     size_t len)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[*n] = xmalloc(len + 1);
	memcpy((*v)[*n], s, len);
	(*v)[*n][len] = '\0';
	(*n)++;
}

/* Up to max lines of a corpus file (raw CSV lines are text enough). */
static void add_lines(char ***v, size_t *n, size_t *cap, const char *rel,
		      size_t max)
{
	char path[1024], line[8192];
	FILE *fp;
	size_t k = 0;

	snprintf(path, sizeof(path), "%s/%s", root(), rel);
	fp = fopen(path, "r");
	if (fp == NULL)
		return;
	while (k < max && fgets(line, sizeof(line), fp) != NULL) {
		size_t len = strcspn(line, "\n");

		if (gs_utf8_valid(line, len, NULL))
			add_text(v, n, cap, line, len);
		k++;
	}
	fclose(fp);
}

static unsigned long next_rand(unsigned long *s)
{
	*s = *s * 6364136223846793005UL + 1442695040888963407UL;
	return *s >> 33;
}

/* Builds one test text into b from the base texts, with mutations that
 * keep it valid UTF-8. */
static void make_text(struct gs_buf *b, char *const *base, size_t nbase,
		      unsigned long *seed)
{
	size_t parts = 1 + next_rand(seed) % 3;
	size_t len;

	gs_buf_reset(b);
	for (size_t i = 0; i < parts; i++) {
		gs_buf_printf(b, "%s%s", i ? " " : "",
			      base[next_rand(seed) % nbase]);
	}
	len = b->len;
	switch (next_rand(seed) % 5) {
	case 0: /* upper case */
		for (size_t i = 0; i < len; i++)
			if (b->data[i] >= 'a' && b->data[i] <= 'z')
				b->data[i] = (char)(b->data[i] - 32);
		break;
	case 1: /* random case flips */
		for (size_t i = 0; i < len; i++)
			if ((b->data[i] | 32) >= 'a' && (b->data[i] | 32) <= 'z' &&
			    next_rand(seed) % 3 == 0)
				b->data[i] ^= 32;
		break;
	case 2: { /* long s and kelvin sign for s and k */
		struct gs_buf o;

		gs_buf_init(&o, 0);
		for (size_t i = 0; i < len; i++) {
			char c = b->data[i];

			if ((c == 's' || c == 'S') && next_rand(seed) % 2)
				gs_buf_printf(&o, "\xc5\xbf");
			else if ((c == 'k' || c == 'K') && next_rand(seed) % 2)
				gs_buf_printf(&o, "\xe2\x84\xaa");
			else
				gs_buf_printf(&o, "%c", c);
		}
		gs_buf_reset(b);
		gs_buf_printf(b, "%s", o.data);
		gs_buf_release(&o);
		break;
	}
	case 3: /* delete a few ASCII bytes */
		for (int k = 0; k < 3 && b->len > 0; k++) {
			size_t at = next_rand(seed) % b->len;

			if ((unsigned char)b->data[at] < 0x80) {
				memmove(b->data + at, b->data + at + 1,
					b->len - at);
				b->len--;
			}
		}
		break;
	default:
		break;
	}
}

/* Whether t holds f; lt is t with ASCII letters lowered (what a caseless
 * factor is searched in, as strncasecmp would compare in the C locale). */
static int contains(const char *t, const char *lt, size_t n,
		    const struct gs_factor *f, int caseless)
{
	char low[256];

	if (!caseless)
		return memmem(t, n, f->s, f->len) != NULL;
	cr_assert_lt(f->len, sizeof(low));
	for (size_t i = 0; i < f->len; i++)
		low[i] = (char)(f->s[i] >= 'A' && f->s[i] <= 'Z' ? f->s[i] + 32
								  : f->s[i]);
	return memmem(lt, n, low, f->len) != NULL;
}

Test(factors, pcre2_match_implies_a_factor_of_every_set, .timeout = 120)
{
	char path[1024];
	struct gs_rules *rules = NULL;
	struct gs_rules_options opt;
	struct gs_error err;
	struct pat *pats = NULL;
	size_t npats = 0, pcap = 0;
	char **base = NULL;
	size_t nbase = 0, bcap = 0;
	pcre2_match_data *md = pcre2_match_data_create(64, NULL);
	struct gs_buf b;
	unsigned long seed = 5;
	size_t matched = 0, hazards = 0, factored = 0, conj = 0;
	size_t conj_matched = 0, misses = 0;
	struct gs_buf first_miss, lower;

	memset(&opt, 0, sizeof(opt));
	snprintf(path, sizeof(path), "%s/rules", root());
	cr_assert_eq(gs_rules_load(&rules, path, &opt, &err), 0, "%s", err.msg);
	for (size_t r = 0; r < rules->nrules; r++) {
		const struct gs_rule *rule = &rules->rules[r];
		const struct gs_rule_info *in = &rule->info;

		for (size_t j = 0; j < rule->npatterns; j++)
			add_pat(&pats, &npats, &pcap, &rule->patterns[j],
				!rule->case_sensitive, GS_FACTORS_MIN_LEN);
		for (size_t j = 0; j < rule->nall; j++)
			add_pat(&pats, &npats, &pcap, &rule->all[j],
				!rule->case_sensitive, GS_FACTORS_MIN_LEN_LAZY);
		for (size_t j = 0; j < rule->nexclude; j++)
			add_pat(&pats, &npats, &pcap, &rule->exclude[j],
				!rule->case_sensitive, GS_FACTORS_MIN_LEN_LAZY);
		for (size_t j = 0; j < in->ntests_match; j++)
			add_text(&base, &nbase, &bcap, in->tests_match[j],
				 strlen(in->tests_match[j]));
		for (size_t j = 0; j < in->ntests_no_match; j++)
			add_text(&base, &nbase, &bcap, in->tests_no_match[j],
				 strlen(in->tests_no_match[j]));
		for (size_t j = 0; j < in->ntests_suppressed; j++)
			add_text(&base, &nbase, &bcap, in->tests_suppressed[j],
				 strlen(in->tests_suppressed[j]));
	}
	for (size_t c = 0; c < rules->ncues; c++)
		add_pat(&pats, &npats, &pcap, &rules->cues[c].pat, 1,
			GS_FACTORS_MIN_LEN_LAZY);
	add_lines(&base, &nbase, &bcap, "corpus/demo/intel.csv", 1500);
	add_lines(&base, &nbase, &bcap, "corpus/hard/intel.csv", 1500);
	cr_assert_gt(nbase, 100, "base texts %zu", nbase);
	for (size_t i = 0; i < npats; i++) {
		factored += pats[i].has != 0;
		conj += pats[i].has > 1;
	}
	/* the pack's two-part patterns give conjunctions */
	cr_expect_gt(conj, 20, "%zu patterns with several sets", conj);
	/* most of the pack gets factors, or the prefilter would be slow */
	cr_expect_gt(factored * 10, npats * 8, "%zu of %zu factored",
		     factored, npats);

	/* a property of the sets, not of the texts: checked once */
	for (size_t i = 0; i < npats; i++)
		for (size_t j = 0; j < pats[i].f.n; j++)
			for (size_t k = 0; k < pats[i].f.set[j].n; k++)
				cr_assert_geq(pats[i].f.set[j].v[k].len,
					      pats[i].min_len, "%s",
					      pats[i].p->src);

	/* Criterion reports every assertion to its runner, passing or not:
	 * millions of them made this test take minutes under ASan. Misses
	 * are counted, the first one kept for the message. */
	gs_buf_init(&b, 0);
	gs_buf_init(&first_miss, 0);
	gs_buf_init(&lower, 0);
	for (int t = 0; t < 5000; t++) {
		int hazard;

		make_text(&b, base, nbase, &seed);
		cr_assert(gs_utf8_valid(b.data, b.len, NULL));
		hazard = gs_factors_fold_hazard(b.data, b.len);
		gs_buf_reset(&lower);
		for (size_t i = 0; i < b.len; i++)
			gs_buf_putc(&lower, b.data[i] >= 'A' && b.data[i] <= 'Z'
						    ? b.data[i] + 32
						    : b.data[i]);
		gs_buf_putc(&lower, '\0');
		hazards += hazard != 0;
		for (size_t i = 0; i < npats; i++) {
			const struct pat *p = &pats[i];
			int rc;

			if (!p->has)
				continue;
			rc = pcre2_match(p->p->code, (PCRE2_SPTR)b.data, b.len,
					 0, 0, md, NULL);
			if (rc < 0)
				continue;
			matched++;
			conj_matched += p->has > 1;
			/* every set: a match holds a string of each */
			for (size_t j = 0; j < p->f.n; j++) {
				const struct gs_factors *f = &p->f.set[j];
				int found = 0;

				for (size_t k = 0; k < f->n && !found; k++)
					found = contains(b.data, lower.data,
							 b.len, &f->v[k],
							 f->caseless);
				if (found || (hazard && f->caseless))
					continue;
				if (misses++ == 0)
					gs_buf_printf(&first_miss,
						      "'%s' matches \"%s\" "
						      "without a factor of set "
						      "%zu",
						      p->p->src, b.data, j);
			}
		}
	}
	cr_assert_eq(misses, 0, "%zu misses; the first: %s", misses,
		     first_miss.data ? first_miss.data : "");
	gs_buf_release(&first_miss);
	gs_buf_release(&lower);
	cr_expect_gt(matched, 2000, "matches %zu", matched);
	cr_expect_gt(conj_matched, 500, "matches of conjunctions %zu",
		     conj_matched);
	cr_expect_gt(hazards, 100, "texts with long s or kelvin %zu", hazards);

	gs_buf_release(&b);
	for (size_t i = 0; i < npats; i++)
		gs_factor_sets_release(&pats[i].f);
	free(pats);
	for (size_t i = 0; i < nbase; i++)
		free(base[i]);
	free(base);
	pcre2_match_data_free(md);
	gs_rules_free(rules);
}
