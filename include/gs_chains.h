/*
 * gs_chains.h - repeat unactioned intelligence: the same child, vehicle,
 * phone, place or person cited again and again.
 *
 * Entities come from subject_refs, from named captures of rule hits (vrm,
 * phone, place) and from an optional POLE links file; each is normalised
 * (gs_chains_normalise) to "type:value". A chain is an entity cited by at
 * least K flagged records within a window of W days, at least one of them a
 * gap; overlapping windows of one entity join into one chain. An isolated
 * pair is two flagged records sharing an entity within W days where neither
 * an action nor the text of one cross-references the other.
 *
 * Cost: the flagged records are indexed by entity and each entity's records
 * are walked once with a sliding window: near linear, never all pairs.
 */
#ifndef GS_CHAINS_H
#define GS_CHAINS_H

#include <stddef.h>

struct gs_run;

struct gs_chain {
	char *entity;     /* "vrm:AB12CDE" */
	size_t *members;  /* indexes into run->flagged, by date then id */
	size_t nmembers;
	size_t nsubjects; /* distinct subjects among the members */
	long first_day, last_day;
	size_t ngaps;
	int cross_referenced; /* some member cites another (action or text) */
};

struct gs_chain_set {
	struct gs_chain *chains; /* most distinct subjects, then most gaps */
	size_t nchains;
	size_t *isolated; /* flagged indexes in an isolated pair, sorted */
	size_t nisolated;
	size_t isolated_pairs;
};

/* Normalises a raw entity value of a type ("vrm", "phone", "place",
 * "subject", or any POLE type) into out as "type:value": vrm upper case
 * without spaces; phone digits only (+44 -> 0); place lower case, single
 * spaces, St -> street, Rd -> road, Ave -> avenue, Ln -> lane; others
 * trimmed. Returns the length, or 0 when nothing is left. */
size_t gs_chains_normalise(const char *type, const char *raw, size_t n,
			   char *out, size_t outsz);

/* Finds chains and isolated pairs among run->flagged. */
void gs_chains_find(const struct gs_run *run, int min_records,
		    int window_days, struct gs_chain_set *out);
void gs_chain_set_release(struct gs_chain_set *set);

#endif
