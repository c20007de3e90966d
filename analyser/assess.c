/* assess.c - score, flag decision and status (gs_assess.h). */
#include "gs_assess.h"

#include <stdlib.h>

static const char *const status_names[GS_STATUS_COUNT] = {
	"none", "actioned", "late", "open", "gap", "indeterminate"};

const char *gs_status_name(enum gs_status s)
{
	if ((int)s < 0 || s >= GS_STATUS_COUNT)
		return "unknown";
	return status_names[s];
}

/* Sum of weights of distinct rules, over active hits or limit rules. */
static int distinct_weight(const struct gs_rules *rules, const unsigned *ids,
			   size_t n, const struct gs_hit *hits, size_t nhits)
{
	size_t nr = gs_rules_count(rules);
	unsigned char small[512];
	unsigned char *seen = nr <= sizeof(small) ? small : calloc(nr, 1);
	int score = 0;

	if (!seen)
		abort();
	for (size_t i = 0; i < nr && seen == small; i++)
		small[i] = 0;
	for (size_t i = 0; i < n + nhits; i++) {
		unsigned r;
		const struct gs_rule_info *info;

		if (i < n) {
			r = ids[i];
		} else {
			if (hits[i - n].state != GS_HIT_ACTIVE)
				continue;
			r = hits[i - n].rule;
		}
		if (r >= nr || seen[r])
			continue;
		seen[r] = 1;
		info = gs_rules_get(rules, r);
		if (!info->is_language && !info->disabled)
			score += info->weight;
	}
	if (seen != small)
		free(seen);
	return score;
}

int gs_assess_score(const struct gs_rules *rules,
		    const struct gs_match_result *res)
{
	return distinct_weight(rules, NULL, 0, res->hits, res->nhits);
}

void gs_assess_status(long log_day, long as_of, int sla,
		      const struct gs_action *const *acts, size_t nacts,
		      struct gs_assessment *out)
{
	const struct gs_action *in_time = NULL, *later = NULL;

	out->first_action = NULL;
	out->actions_before_log = 0;
	out->nqualifying = 0;
	for (size_t i = 0; i < nacts; i++) {
		const struct gs_action *a = acts[i];

		/* not yet taken at the as-of date (a run as of an earlier
		 * date): the status is what was known then */
		if (a->day > as_of)
			continue;
		if (a->day < log_day) {
			out->actions_before_log++;
			continue;
		}
		if (!a->qualifies)
			continue;
		out->nqualifying++;
		if (a->day <= log_day + sla) {
			if (!in_time || a->day < in_time->day)
				in_time = a;
		} else if (!later || a->day < later->day) {
			later = a;
		}
	}
	if (in_time) {
		out->status = GS_STATUS_ACTIONED;
		out->first_action = in_time;
		out->days = in_time->day - log_day;
	} else if (later) {
		out->status = GS_STATUS_LATE;
		out->first_action = later;
		out->days = later->day - log_day;
	} else {
		out->days = as_of - log_day;
		out->status = out->days <= sla ? GS_STATUS_OPEN : GS_STATUS_GAP;
	}
}

void gs_assess_record(const struct gs_rules *rules,
		      const struct gs_match_result *res, int threshold,
		      long log_day, long as_of, int sla,
		      const struct gs_action *const *acts, size_t nacts,
		      struct gs_assessment *out)
{
	out->score = gs_assess_score(rules, res);
	out->flagged = out->score >= threshold;
	gs_assess_status(log_day, as_of, sla, acts, nacts, out);
	if (out->flagged)
		return;
	if (res->nlimit &&
	    out->score + distinct_weight(rules, res->limit_rules, res->nlimit,
					 NULL, 0) >=
		    threshold) {
		/* flagged, status unknown: days since logging, like an
		 * open record (the first action found stays) */
		out->flagged = 1;
		out->status = GS_STATUS_INDETERMINATE;
		out->days = as_of - log_day;
		return;
	}
	out->status = GS_STATUS_NONE;
}
