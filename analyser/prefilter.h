/*
 * prefilter.h - the vectorscan prefilter in front of PCRE2 (matcher only).
 *
 * gs_match_prepare finds, for every rule pattern, `all` and `exclude`
 * pattern and context cue of a loaded pack, its required literal factors
 * (factors.h): up to GS_FACTORS_MAX_SETS sets of strings such that every
 * match contains a string of each set. All factors go into ONE literal
 * vectorscan database; a pattern "fires" in a field when a string of EACH
 * of its sets occurs there. A rule is only run in a field when one of its
 * patterns fired and every one of its `all` patterns did (each must match
 * in the field for a hit to survive). A pattern without usable factors
 * (rule, `all`, `exclude` or cue) goes into a second, regex database
 * (HS_FLAG_PREFILTER: a superset of the PCRE2 matches). Either way "did
 * not fire" proves "PCRE2 cannot match anywhere in this field". One that
 * vectorscan rejects is "always confirm". The regex database is scanned
 * after the literals, and only when one of its patterns could matter: an
 * all/exclude/cue pattern, or a rule pattern whose rule's `all` patterns
 * all fired (otherwise the rule is skipped whatever the scan said).
 *
 * The databases are stored in the pack (rules->prefilter, freed by
 * rules->prefilter_free from gs_rules_free) and are read-only afterwards,
 * so matchers on several threads share them; each matcher allocates its
 * own hs_scratch.
 *
 * Call it once, after gs_rules_load and before the first gs_match_new.
 * A rule pattern vectorscan rejects even in prefilter mode (some back
 * references, ...) is marked "always confirm" too: PCRE2 runs on it for
 * every field, exactly as without a prefilter.
 */
#ifndef GS_PREFILTER_H
#define GS_PREFILTER_H

#include <stddef.h>

#include "gs_error.h"
#include "gs_match.h"
#include "rules_internal.h"

#define GS_PREFILTER_NO_RULE 0xffffffffu

/* lit_ids entries are (pattern id << GS_PREFILTER_SET_BITS) | set index */
#define GS_PREFILTER_SET_BITS 2
#define GS_PREFILTER_SET_MASK ((1u << GS_PREFILTER_SET_BITS) - 1)

struct gs_prefilter {
	void *db;              /* hs_database_t *: regex prefilter of the rule
				  patterns without factors, or NULL */
	void *lit_db;          /* hs_database_t *: every factor, or NULL */
	size_t nids;           /* pattern ids: rule patterns, all, exclude, cues */
	unsigned char *always; /* [nids]: 1 = not prefiltered, always confirm */
	unsigned char *factored; /* [nids]: 1 = fired by its factors */
	unsigned char *need;   /* [nids]: bit k set = the pattern has factor
				  set k; it fires when all were seen */
	size_t *rule_base;     /* [nrules]: id of rule r's first pattern; its
				  all and exclude patterns follow */
	size_t cue_base;       /* id of cue 0 */
	size_t nalways;        /* how many ids are "always confirm" */
	size_t nfactored;      /* how many ids are factored */
	size_t nlits;          /* literals in lit_db (its ids 0..nlits-1) */
	unsigned *lit_first;   /* [nlits + 1]: literal i is in the factor sets
				  lit_ids[lit_first[i] .. lit_first[i + 1])
				  (see GS_PREFILTER_SET_BITS) */
	unsigned *lit_ids;
	unsigned *rx_first;    /* [regex ids + 1]: regex i fires the pattern ids
				  rx_ids[rx_first[i] .. rx_first[i + 1]) (equal
				  expressions are compiled once) */
	unsigned *rx_ids;
	size_t nrx_ids;        /* entries in rx_ids: every pattern id of db */
	unsigned *canon;       /* [nids]: the id whose firing stands for this
				  one; an all/exclude pattern equal (source
				  and case) to an earlier one has that id and
				  no literals of its own, else itself */
	unsigned *id_rule;     /* [nids]: the rule of a rule pattern id, else
				  GS_PREFILTER_NO_RULE */
	unsigned char *rule_always; /* [nrules]: 1 when a rule pattern of it
				  is "always confirm" */
	int fold_hazard;       /* 1 when some factor set is caseless: a field
				  with U+017F / U+212A fires every pattern */
};

/* Builds the database into rules->prefilter (no-op when already built).
 * Returns 0, or GS_ERR_RULE when vectorscan fails as a whole. */
int gs_match_prepare(struct gs_rules *rules, struct gs_error *err);

/* Turns the prefilter off (0) or back on (1) for one matcher; off is the
 * PCRE2-only reference path. GAPSCAN_NO_PREFILTER=1 in the environment turns
 * it off for every new matcher. Results are identical either way. */
void gs_match_set_prefilter(struct gs_matcher *m, int on);

#endif
