/*
 * factors.h - required literal factors of a PCRE2 pattern (matcher only).
 *
 * gs_factors_compute reads the PCRE2 syntax rule packs use and finds a set
 * S of literal strings such that EVERY match of the pattern contains at
 * least one string of S (YARA "atoms", RE2's prefilter, Suricata's
 * fast_pattern). The prefilter then looks for these literals only, which
 * a literal matcher does far faster than a regex prefilter.
 *
 * Invariants of a computed set:
 * - every string is at least min_len bytes, ASCII only, and no longer
 *   than GS_FACTORS_MAX_LEN;
 * - when f->caseless is 1 the strings are folded to lower case and must be
 *   searched ASCII-case-insensitively; then a field holding U+017F (long s)
 *   or U+212A (Kelvin sign), which PCRE2 folds to 's' and 'k', must be
 *   treated as containing every factor (gs_factors_fold_hazard);
 * - lookaround content contributes nothing, so the sets never depend on
 *   text outside the match.
 * Anything the parser does not understand makes the pattern "no factors":
 * correctness first, the caller keeps its slower exact path for it.
 */
#ifndef GS_FACTORS_H
#define GS_FACTORS_H

#include <stddef.h>

/* Shortest factor worth it for a rule pattern: shorter ones fire in most
 * fields. `all`/`exclude` patterns and cues only run where a rule already
 * hit, so for them 2 bytes still beat a regex prefilter scan. */
#define GS_FACTORS_MIN_LEN 3
#define GS_FACTORS_MIN_LEN_LAZY 2
#define GS_FACTORS_MAX_LEN 32
#define GS_FACTORS_MAX_SET 256

struct gs_factor {
	char *s; /* not NUL-terminated inside; s[len] is '\0' for printing */
	size_t len;
};

struct gs_factors {
	struct gs_factor *v; /* owned; freed by gs_factors_release */
	size_t n;
	int caseless;
};

/* Computes the factors of src, a pattern compiled with PCRE2_UTF and, when
 * caseless is 1, PCRE2_CASELESS. Returns 1 and fills *out (release it with
 * gs_factors_release) when a set whose strings are all at least min_len
 * bytes exists, 0 when not (*out empty). */
int gs_factors_compute(const char *src, int caseless, size_t min_len,
		       struct gs_factors *out);

/* Several required sets of one pattern, a conjunction: EVERY match
 * contains a string of EACH set. A concatenation gives one set per part
 * that has one (a run of literals, a group that must occur once); an
 * alternation gives the union of its branches' best sets. */
#define GS_FACTORS_MAX_SETS 4

struct gs_factor_sets {
	struct gs_factors set[GS_FACTORS_MAX_SETS]; /* best (as
				gs_factors_compute picks it) first */
	size_t n;
};

/* Fills *out (release with gs_factor_sets_release) with up to
 * GS_FACTORS_MAX_SETS sets whose strings are all at least min_len bytes,
 * the most selective first; set[0] is what gs_factors_compute returns.
 * Returns how many (0: none, *out empty). */
int gs_factors_compute_all(const char *src, int caseless, size_t min_len,
			   struct gs_factor_sets *out);

void gs_factor_sets_release(struct gs_factor_sets *s);

void gs_factors_release(struct gs_factors *f);

/* 1 when text holds a character PCRE2 caseless matching folds onto an ASCII
 * letter (U+017F, U+212A) or U+212B: caseless factors may then miss. */
int gs_factors_fold_hazard(const char *text, size_t len);

#endif
