/*
 * gs_assess.h - score, flag decision and status of one record.
 *
 * Days are calendar days (times ignored). A qualifying action is in time
 * when log_day <= action_day <= log_day + sla. Actions dated before the log
 * never qualify and are counted as data-quality findings. Statuses:
 * actioned (in-time qualifying action), late (only later ones), open (none,
 * as_of - log_day <= sla), gap (none, as_of - log_day > sla), and
 * indeterminate (a rule hit a resource limit, so the answer is unknown).
 */
#ifndef GS_ASSESS_H
#define GS_ASSESS_H

#include <stddef.h>

#include "gs_link.h"
#include "gs_match.h"
#include "gs_rules.h"

enum gs_status {
	GS_STATUS_NONE = 0, /* not flagged */
	GS_STATUS_ACTIONED,
	GS_STATUS_LATE,
	GS_STATUS_OPEN,
	GS_STATUS_GAP,
	GS_STATUS_INDETERMINATE,
	GS_STATUS_COUNT
};

const char *gs_status_name(enum gs_status s); /* "actioned", ... */

struct gs_assessment {
	int score;             /* distinct active non-language rule weights */
	int flagged;
	enum gs_status status; /* NONE when not flagged */
	long days;  /* gap/open/indeterminate: as_of - log_day;
		       late/actioned: to first qualifying action; else 0 */
	const struct gs_action *first_action; /* first qualifying, or NULL */
	size_t actions_before_log; /* cited actions dated before the log */
	size_t nqualifying;
};

/* Score from the active hits (language rules excluded). */
int gs_assess_score(const struct gs_rules *rules,
		    const struct gs_match_result *res);

/* Status from the dates and actions. */
void gs_assess_status(long log_day, long as_of, int sla,
		      const struct gs_action *const *acts, size_t nacts,
		      struct gs_assessment *out);

/* Both: score; flagged when score >= threshold; when it is not, but the
 * weights of the rules stopped by a limit could have reached it, the record
 * is flagged with status indeterminate. */
void gs_assess_record(const struct gs_rules *rules,
		      const struct gs_match_result *res, int threshold,
		      long log_day, long as_of, int sla,
		      const struct gs_action *const *acts, size_t nacts,
		      struct gs_assessment *out);

#endif
