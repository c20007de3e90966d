/*
 * prefilter.h - the vectorscan prefilter in front of PCRE2 (matcher only).
 *
 * gs_match_prepare compiles every rule pattern, `all` and `exclude` pattern
 * and context cue of a loaded pack into ONE vectorscan block-mode database
 * (HS_FLAG_PREFILTER: a superset of the PCRE2 matches, so "did not fire"
 * proves "PCRE2 cannot match anywhere in this field"). The database is
 * stored in the pack (rules->prefilter, freed by rules->prefilter_free from
 * gs_rules_free) and is read-only afterwards, so matchers on several
 * threads share it; each matcher allocates its own hs_scratch.
 *
 * Call it once, after gs_rules_load and before the first gs_match_new.
 * A pattern vectorscan rejects even in prefilter mode (\K, some
 * backreferences, ...) is marked "always confirm": PCRE2 runs on it for
 * every field, exactly as without a prefilter.
 */
#ifndef GS_PREFILTER_H
#define GS_PREFILTER_H

#include <stddef.h>

#include "gs_error.h"
#include "gs_match.h"
#include "rules_internal.h"

struct gs_prefilter {
	void *db;              /* hs_database_t *, NULL when no pattern compiled */
	size_t nids;           /* pattern ids: rule patterns, all, exclude, cues */
	unsigned char *always; /* [nids]: 1 = vectorscan rejected, always confirm */
	size_t *rule_base;     /* [nrules]: id of rule r's first pattern; its
				  all and exclude patterns follow */
	size_t cue_base;       /* id of cue 0 */
	size_t nalways;        /* how many ids are "always confirm" */
};

/* Builds the database into rules->prefilter (no-op when already built).
 * Returns 0, or GS_ERR_RULE when vectorscan fails as a whole. */
int gs_match_prepare(struct gs_rules *rules, struct gs_error *err);

/* Turns the prefilter off (0) or back on (1) for one matcher; off is the
 * PCRE2-only reference path. GAPSCAN_NO_PREFILTER=1 in the environment turns
 * it off for every new matcher. Results are identical either way. */
void gs_match_set_prefilter(struct gs_matcher *m, int on);

#endif
