/*
 * gs_scan.h - one scan run: ingest -> match -> link -> assess, in memory.
 *
 * gs_scan_run loads the actions index, streams the intelligence export
 * through the matcher (one matcher per worker thread), assesses each record
 * and keeps only what the outputs need: flagged records, rejects, limit
 * events and counts. Memory grows with the actions and the flagged records,
 * not with the intelligence file. Record text is never kept.
 */
#ifndef GS_SCAN_H
#define GS_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "gs_assess.h"
#include "gs_chains.h"
#include "gs_error.h"
#include "gs_profile.h"
#include "gs_rules.h"
#include "gs_util.h"

struct gs_flagged;

struct gs_scan_config {
	const char *intel_path;
	const char *actions_path;
	const struct gs_profile *profile;
	const struct gs_rules *rules;
	long as_of;   /* day number */
	int sla_days; /* -1: from the profile (per priority) */
	int threads;  /* 0: number of cores */
	int progress; /* draw progress on stderr */
	int timings;  /* collect per-rule timings */
	int quiet;    /* no progress even on a terminal */
	/* optional POLE links file: intel_id,entity_type,entity_ref[,...] */
	const char *links_path;
	/* Called for every assessed record, in input order (may be NULL):
	 * for --status-out. status is GS_STATUS_NONE when not flagged. */
	void (*on_record)(void *ctx, const char *id, enum gs_status status,
			  int score, const unsigned *rules, size_t nrules);
	void *on_record_ctx;
	/* Called for every flagged record, in input order, on the thread
	 * that called gs_scan_run, once the record is final (may be NULL):
	 * for storing the run while it is scanned. This is the only time
	 * the record's details (see struct gs_flagged) can be read: the run
	 * keeps the rest until gs_run_release. A return < 0 (err filled)
	 * stops the scan with that error. */
	int (*on_flagged)(void *ctx, const struct gs_flagged *f,
			  struct gs_error *err);
	void *on_flagged_ctx;
};

struct gs_reject {
	char *file;
	long line;
	char *reason;
};

/* A stored hit: never the text, only where it was. */
struct gs_scan_hit {
	unsigned rule;
	unsigned field;
	size_t start, end;
	int state; /* enum gs_hit_state */
	int cue;   /* suppressing cue or -1 */
};

/* A flagged record. Its strings and arrays are owned by one of the run's
 * arenas (gs_run_arena). The details marked [detail] are set only while
 * gs_scan_run hands the record to on_flagged (then NULL/0 in run->flagged):
 * at a million records they would be most of the scan's memory, and only
 * the database needs them. */
struct gs_flagged {
	char *id;
	long line;
	long logged_day;
	char *district, *unit, *grading, *priority;
	char *subjects; /* [detail] */
	int sla;
	int score;
	enum gs_status status;
	long days;
	long first_action_day; /* -1 when none */
	char *first_action_id; /* [detail] NULL when none */
	char *first_action_type;
	unsigned *rules; /* distinct active rules (language included) */
	size_t nrules;
	struct gs_scan_hit *hits; /* [detail] */
	size_t nhits;
	unsigned *limit_rules; /* [detail] rules stopped by a limit */
	size_t nlimit;
	/* entities for repeat-intelligence chains: "vrm:AB12CDE",
	 * "phone:07700900123", "place:bridge street takeaway", "subject:S-1" */
	char **entities;
	size_t nentities;
	/* actions citing this record, and intel ids of the same shape as this
	 * one's found in its text: the cross-references chains look for */
	char **action_ids;
	size_t naction_ids;
	char **text_refs;
	size_t ntext_refs;
	/* [detail] a short excerpt around the first active hit, for
	 * exception reports (NULL when none); the hit is
	 * excerpt[mark_start..mark_end) */
	char *excerpt;
	size_t mark_start, mark_end;
};

/* Records per month of logging and district (all assessed records,
 * flagged or not); district "" when the export has none. */
struct gs_month_count {
	int year, month;
	const char *district; /* owned by the run (interned) */
	unsigned long records, flagged;
};

/* A victim-blaming language finding (any record, flagged or not). */
struct gs_language_finding {
	char *record_id;
	char *unit, *district;
	long logged_day;
	unsigned rule;
};

struct gs_limit_event {
	char *record_id;
	long line;
	unsigned rule;
	int pcre2_code;
	enum gs_status status; /* the record's, limits notwithstanding */
};

struct gs_dq_finding {
	char *kind; /* "action_before_log", "unknown_intel_id" */
	char *action_id;
	char *intel_id;
	long line;
};

struct gs_input_info {
	char *path;
	uint64_t size;
	char sha256[65];
};

struct gs_scan_counts {
	unsigned long records_read, rejected, assessed, flagged;
	unsigned long by_status[GS_STATUS_COUNT];
	unsigned long suppressed_only; /* had hits, all suppressed by context */
	unsigned long language;        /* records with a language finding */
	unsigned long actions_read, actions_rejected, actions_unknown_intel,
		actions_before_log;
	/* --links rows: read = rejected + on a known intel id + unknown */
	unsigned long links_read, links_rejected, links_unknown_intel;
	uint64_t intel_bytes;
};

struct gs_run {
	struct gs_scan_counts counts;
	struct gs_flagged *flagged;
	size_t nflagged, flagged_cap;
	struct gs_reject *rejects;
	size_t nrejects;
	struct gs_limit_event *limits;
	size_t nlimits;
	struct gs_dq_finding *dq;
	size_t ndq;
	struct gs_month_count *months; /* sorted by year, month, district */
	size_t nmonths;
	struct gs_map *strings; /* interned strings the run refers to */
	struct gs_language_finding *language;
	size_t nlanguage;
	struct gs_input_info intel, actions;
	long as_of;
	int sla_days; /* effective default SLA */
	struct gs_chain_set chains; /* repeat intelligence (gs_chains.h) */
	double chains_seconds;      /* time spent finding them */
	struct gs_rule_timing *timings; /* per rule, summed over threads, when
					   cfg->timings; else NULL */
	size_t ntimings;
	/* The strings and arrays of flagged records live in these arenas
	 * (one per worker thread), freed by gs_run_release. */
	struct gs_arena **arenas;
	size_t narenas;
	double started, finished; /* epoch seconds */
	double seconds;           /* wall time of the scan */
};

void gs_run_init(struct gs_run *run);
/* Frees everything, including the flagged records' strings and arrays,
 * which must have come from gs_run_arena (or be NULL). */
void gs_run_release(struct gs_run *run);
/* A new arena owned by run: for the strings and arrays of flagged records
 * (the scan's workers, and tests building runs by hand). */
struct gs_arena *gs_run_arena(struct gs_run *run);
/* Appends e (file, line, message) to run->rejects. */
void gs_run_add_reject(struct gs_run *run, const struct gs_error *e);

/* Runs the scan. Returns 0, or a fatal error (GS_ERR_INPUT: a file cannot
 * be read or lacks a required column; GS_ERR_RULE). Bad rows are not fatal:
 * they are in run->rejects. */
int gs_scan_run(const struct gs_scan_config *cfg, struct gs_run *run,
		struct gs_error *err);

/* Flagged records sorted for the exception list: gap/late only, days
 * descending then id. Returns a malloc'd array of pointers into run. */
const struct gs_flagged **gs_scan_exceptions(const struct gs_run *run,
					     size_t *n);

#endif
