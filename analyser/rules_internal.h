/*
 * rules_internal.h - the compiled rule pack, shared by the rule loader
 * (rules.c), the matcher (match.c) and the prefilter. Not a public header:
 * everything outside these modules uses gs_rules.h.
 *
 * Invariant: after gs_rules_load returns, nothing here changes; matchers on
 * several threads read it concurrently.
 */
#ifndef GS_RULES_INTERNAL_H
#define GS_RULES_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "gs_rules.h"

struct gs_pattern {
	char *src;          /* source text as written in the pack */
	pcre2_code *code;   /* compiled, JIT-compiled when possible */
	int jit;            /* 1 when JIT compile succeeded */
	long line;          /* line in the pack file */
	int from_override;  /* added by the overrides file */
};

struct gs_rule {
	struct gs_rule_info info; /* public view; its arrays point below */
	struct gs_pattern *patterns; /* any of them hits */
	size_t npatterns;
	struct gs_pattern *all; /* each must also match within window */
	size_t nall;
	int window; /* characters (bytes) either side of the hit; default 100 */
	struct gs_pattern *exclude; /* cancels a hit in the same sentence */
	size_t nexclude;
	int case_sensitive;
	int context; /* 1: pack context cues apply */
	/* owned storage behind info's const char *const * arrays */
	char **references, **tests_match, **tests_no_match, **tests_suppressed,
		**fields, **pattern_srcs;
};

struct gs_cue {
	struct gs_cue_info info;
	struct gs_pattern pat;
};

struct gs_override {
	struct gs_override_info info;
	char *rule_id, *reason, *what;
};

struct gs_rules {
	struct gs_rule *rules;
	size_t nrules;
	struct gs_cue *cues;
	size_t ncues;
	struct gs_override *overrides;
	size_t noverrides;
	char *dir;
	char *version;
	char hash[65];
	unsigned long match_limit, depth_limit, heap_limit_kib;
	void *prefilter; /* built by the matcher module (vectorscan), or NULL */
	void (*prefilter_free)(void *);
};

/* Numbers the distinct `all`/`exclude` patterns ("guards") of a pack:
 * the same source under the same case setting (the child and adult
 * guards recur in many rules) gets one number, which the prefilter and
 * the matcher's per-field cache both key on. Rule r's guard k (its all
 * patterns, then its excludes) is (*slot)[(*base)[r] + k]. Returns the
 * number of distinct guards; free *base and *slot. */
size_t gs_rules_guard_slots(const struct gs_rules *rules, size_t **base,
			    size_t **slot);

#endif
