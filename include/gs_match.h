/*
 * gs_match.h - runs a rule pack over one record's text fields.
 *
 * A matcher holds per-thread scratch (PCRE2 match data, JIT stack, match
 * context with limits); the pack it reads is shared and immutable, so one
 * matcher per thread gives matching with no shared mutable state.
 * Results: hits (rule, field, byte span) after `all`/window, `exclude` and
 * context cues; suppressed hits are kept with the cue that suppressed them;
 * rules that hit a PCRE2 resource limit are listed separately
 * (indeterminate, never "no match").
 */
#ifndef GS_MATCH_H
#define GS_MATCH_H

#include <stddef.h>

#include "gs_error.h"
#include "gs_rules.h"

struct gs_text {
	const char *name; /* field name (profile column), for rule `fields` */
	const char *ptr;
	size_t len;
};

enum gs_hit_state {
	GS_HIT_ACTIVE = 0,
	GS_HIT_SUPPRESSED = 1, /* by a context cue: see cue, cue_start */
	GS_HIT_EXCLUDED = 2,   /* by the rule's exclude pattern */
	/* only with gs_match_trace: a rule pattern matched but one of the
	 * rule's `all` patterns (index in cue) is not within its window */
	GS_HIT_UNGUARDED = 3
};

struct gs_hit {
	unsigned rule;   /* index into the pack */
	unsigned field;  /* index into the texts passed */
	size_t start, end; /* byte span in that field */
	enum gs_hit_state state;
	int cue;          /* cue index when suppressed, else -1 */
	size_t cue_start, cue_end; /* span of the cue text */
	/* named captures (vrm, phone, place) of the hit, if any: spans */
	size_t ncaps;
	struct gs_hit_cap {
		char name[8];
		size_t start, end;
	} caps[4];
};

struct gs_match_result {
	struct gs_hit *hits; /* active and suppressed, by field then start */
	size_t nhits, cap;
	unsigned *limit_rules; /* rules stopped by a PCRE2 resource limit */
	size_t nlimit, limit_cap;
	int limit_code; /* the PCRE2 error of the first limit hit */
};

struct gs_matcher;

struct gs_matcher *gs_match_new(const struct gs_rules *rules);
void gs_match_free(struct gs_matcher *m);

void gs_match_result_init(struct gs_match_result *res);
void gs_match_result_release(struct gs_match_result *res);

/* Clears res and matches. Returns 0; a limit hit is reported in res, not as
 * an error. Only fails (GS_ERR_RULE) on an unexpected PCRE2 error. */
int gs_match_record(struct gs_matcher *m, const struct gs_text *texts,
		    size_t ntexts, struct gs_match_result *res,
		    struct gs_error *err);

/* Fields are checked to be valid UTF-8 before PCRE2 runs on them without
 * its own check. A caller whose fields were validated already (the scan:
 * ingest rejects invalid UTF-8) turns the second check off with on = 1. */
void gs_match_trust_utf8(struct gs_matcher *m, int on);

/* Per-rule counters for --rule-timings (filled when enabled). */
struct gs_rule_timing {
	unsigned long prefilter_hits;
	unsigned long confirmations;
	unsigned long matches;
	double seconds;
};
void gs_match_enable_timings(struct gs_matcher *m, int on);

/* For explain: after the usual matching (which alone decides hits, limits
 * and scores), a second pass without the prefilter adds, after the other
 * hits, each pattern hit whose `all` guard is missing as GS_HIT_UNGUARDED
 * (never active), to show a rule author why a rule did not hit. */
void gs_match_trace(struct gs_matcher *m, int on);
const struct gs_rule_timing *gs_match_timings(const struct gs_matcher *m);

#endif
