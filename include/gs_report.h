/*
 * gs_report.h - the exception report for the Police and Crime Commissioner.
 *
 * gs_report_load reads one run (and the run before it) from the history
 * database into a struct gs_report once: headline figures, the funnel from
 * records read to gaps, months, districts, categories, ageing of gaps,
 * victim-blaming language by unit, the exception list and provenance. The
 * writers (html, csv, json, md) only print that model; none reads the
 * database. For --public, gs_report_suppress is applied to the model once
 * (record-level rows dropped, units folded into districts, small counts
 * hidden with secondary suppression), so every writer shows the same cells.
 *
 * Invariant: a record whose handling code restricts sharing (3x5x2 "C";
 * 5x5x5 handling 4 or 5) is counted in every figure but never appears in
 * the model at record level: it is left out of the exception list and only
 * counted in `withheld`.
 *
 * Every string in the model is owned by it and freed by gs_report_release.
 */
#ifndef GS_REPORT_H
#define GS_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "gs_error.h"
#include "gs_store.h"

#define GS_REPORT_MIN_CELL 5 /* --public: counts 1..N-1 shown as "<N" */
#define GS_REPORT_MARKING "OFFICIAL-SENSITIVE"

/* One count. v < 0: unknown (shown as "n/a"). sup: hidden by suppression
 * (writers print "<N" and never v). */
struct gs_cell {
	long v;
	int sup;
};

/* Columns of the month, district and category tables. */
enum gs_report_col {
	GS_COL_RECORDS, /* records assessed; unknown for categories */
	GS_COL_FLAGGED,
	GS_COL_ACTIONED,
	GS_COL_LATE,
	GS_COL_OPEN,
	GS_COL_GAP,
	GS_COL_INDETERMINATE,
	GS_NCOLS
};
const char *gs_report_col_name(enum gs_report_col c); /* "records", ... */

struct gs_report_row {
	char *label; /* month YYYY-MM, district, category or unit */
	struct gs_cell c[GS_NCOLS];
	double median_days; /* to first action; -1 when none or hidden */
};

/* rows, then `total` (all rows together: for categories, records in any
 * category, so not the sum of the rows). */
struct gs_report_table {
	struct gs_report_row *rows;
	size_t n;
	struct gs_report_row total;
};

/* Headline figures, current run and the one before. */
enum gs_report_head {
	GS_HEAD_FLAGGED,
	GS_HEAD_ACTIONED,
	GS_HEAD_LATE,
	GS_HEAD_GAP,
	GS_HEAD_OPEN,
	GS_HEAD_INDETERMINATE,
	GS_NHEAD
};
const char *gs_report_head_name(enum gs_report_head h); /* "flagged", ... */

/* The measure as a funnel: every record read ends in exactly one leaf. */
enum gs_report_stage {
	GS_STAGE_READ,
	GS_STAGE_REJECTED,      /* leaf */
	GS_STAGE_ASSESSED,
	GS_STAGE_NOT_FLAGGED,
	GS_STAGE_SUPPRESSED,    /* leaf: only hits were suppressed by context */
	GS_STAGE_BELOW,         /* leaf: no hit or weight below threshold */
	GS_STAGE_FLAGGED,
	GS_STAGE_ACTIONED,      /* leaf */
	GS_STAGE_LATE,          /* leaf */
	GS_STAGE_OPEN,          /* leaf */
	GS_STAGE_INDETERMINATE, /* leaf */
	GS_STAGE_GAP,           /* leaf */
	GS_NSTAGES
};
const char *gs_report_stage_name(enum gs_report_stage s); /* "read", ... */
int gs_report_stage_depth(enum gs_report_stage s);        /* 0, 1 or 2 */

/* Ageing of gaps by days since logging at the as-of date. */
enum { GS_AGE_0_7, GS_AGE_8_28, GS_AGE_29_90, GS_AGE_OVER_90, GS_NAGES };
int gs_report_age_bucket(long days); /* GS_AGE_*; days < 0 counts as 0 */
const char *gs_report_age_label(int bucket); /* "0-7", ... "over 90" */

/* Victim-blaming language: records and findings (rule hits) per unit, or
 * per district in a public report. */
enum { GS_LANG_RECORDS, GS_LANG_FINDINGS, GS_NLANG };
struct gs_report_lang_row {
	char *label;
	char *district; /* of the unit ("" when mixed or none) */
	struct gs_cell c[GS_NLANG];
};

struct gs_report_exception {
	char *id, *logged_date, *district, *unit, *status;
	long days;
	int sla;
	char *categories; /* distinct non-language categories, "; "-joined */
	char *rules;      /* rule ids, ";"-joined */
	char *first_action_date; /* "" when none */
	char *excerpt;    /* "" when none */
	size_t mark_start, mark_end; /* the hit: excerpt[mark_start..mark_end) */
};

/*
 * Repeat intelligence (issue 7): an entity cited by at least K flagged
 * records within W days, at least one a gap (gs_chains.h). Chains come in
 * the stored rank order: most distinct subjects, then most gaps. A member
 * whose handling code restricts sharing is counted in the chain's figures
 * but left out of `members` (counted in `restricted`).
 */
struct gs_report_chain_member {
	char *id;
	char *logged_date; /* YYYY-MM-DD, "" when unknown */
	char *status;      /* gap | late | actioned | open | indeterminate */
};

struct gs_report_chain {
	char *entity_type; /* subject | vrm | phone | place | a POLE type */
	char *value;       /* normalised entity value */
	struct gs_report_chain_member *members; /* by logged date */
	size_t nmembers;
	unsigned long restricted; /* members left out: restricted handling */
	unsigned long records;    /* all members, restricted ones included */
	unsigned long subjects;   /* distinct subjects */
	unsigned long gaps;       /* members whose status is gap */
	long span_days;           /* first to last member's log date */
	int cross_referenced;     /* some member cites another */
};

/* Chains per entity type: all a public report shows of them. records and
 * gaps: distinct records (and those of them gaps) in chains of the type. */
enum { GS_CHAIN_CHAINS, GS_CHAIN_RECORDS, GS_CHAIN_GAPS, GS_NCHAIN };
struct gs_report_chain_kind {
	char *entity_type; /* "All" in the total */
	struct gs_cell c[GS_NCHAIN];
};

/* "vehicle" for vrm, "phone", "place", "subject"; other (POLE) types as
 * they are. Static or the argument itself. */
const char *gs_report_entity_label(const char *type);

struct gs_report_override {
	char *rule_id, *reason, *what;
};

struct gs_report {
	int public;    /* gs_report_suppress applied */
	long min_cell; /* N of "<N" when public */
	char *marking;

	struct gs_store_run_row *run;  /* this run (owned) */
	struct gs_store_run_row *prev; /* the run before it, or NULL */

	struct gs_cell head[GS_NHEAD], head_prev[GS_NHEAD];
	/* when prev was made with other settings or the same exports: a
	 * sentence saying so, for every comparison with it ("" when none) */
	char caveat[512];
	double median_days, median_days_prev; /* -1 when none or hidden */

	struct gs_cell funnel[GS_NSTAGES];

	struct gs_report_table months, districts, categories;

	struct gs_cell ageing[GS_NAGES + 1]; /* [GS_NAGES]: all gaps */

	struct gs_report_lang_row *lang; /* by unit (by district if public) */
	size_t nlang;
	struct gs_report_lang_row lang_total;

	struct gs_report_exception *exceptions; /* gap then late, days desc */
	size_t nexceptions;
	unsigned long withheld; /* exceptions left out: restricted handling */

	struct gs_report_chain *chains; /* ranked; dropped when public */
	size_t nchains;
	struct gs_report_chain_kind *chain_kinds; /* by entity type */
	size_t nchain_kinds;
	struct gs_report_chain_kind chain_total;
	/* records in isolated pairs (see gs_chains.h) and the pairs */
	struct gs_cell isolated_records, isolated_pairs;
	char **isolated; /* ids by id, restricted left out; dropped if public */
	size_t nisolated;
	unsigned long isolated_withheld; /* isolated records left out */

	struct gs_report_override *overrides;
	size_t noverrides;
	char *tool_version; /* of this report writer (GS_VERSION) */
};

/* Loads run (0: the newest) from s. marking NULL: GS_REPORT_MARKING.
 * Errors: GS_ERR_USAGE for a missing run, GS_ERR_IO for the database.
 * Release with gs_report_release, also after a failure. */
int gs_report_load(struct gs_report *r, struct gs_store *s, long long run,
		   const char *marking, struct gs_error *err);
void gs_report_release(struct gs_report *r);

/* The caveat a comparison of run with prev needs (into out, n bytes): the
 * settings that differ (SLA, threshold, rule pack, profile), or that both
 * scanned the same exports. Returns 1 when there is one, else 0 (out ""). */
int gs_report_caveat(const struct gs_store_run_row *run,
		     const struct gs_store_run_row *prev, char *out, size_t n);

/* Makes r publishable: drops the exception list, the chains (keeping the
 * counts by entity type) and the isolated list, zeroes the counts of
 * restricted records left out of them (withheld, isolated_withheld), folds
 * units into districts, hides counts 1..n-1 (primary) and, in every row
 * and column of every table left with exactly one hidden cell, the
 * smallest other non-zero cell (secondary), until no line has exactly one.
 * Headline changes against the previous run are hidden with either side. */
void gs_report_suppress(struct gs_report *r, long n);

/* After gs_report_suppress of r and of prev (the previous run's model,
 * suppressed with the same n): hides in r's "previous run" figures every
 * one prev's own public report hides (secondary suppression there may hide
 * a large figure), so publishing both reports reveals nothing either hides. */
void gs_report_hide_as_published(struct gs_report *r,
				 const struct gs_report *prev);

/*
 * The suppression rule on any set of cells: cells[] with `nlines` lines,
 * line i being the cell indexes lines[starts[i] .. starts[i + 1]). Primary
 * first (1 <= v < n), then secondary until stable. Exposed for tests.
 */
void gs_report_suppress_lines(struct gs_cell *const *cells,
			      const size_t *lines, const size_t *starts,
			      size_t nlines, long n);
/* The same for a rows x cols grid stored row-major (lines: every row and
 * every column). */
void gs_report_suppress_grid(struct gs_cell *cells, size_t rows, size_t cols,
			     long n);

/* 1 when the grading's handling code restricts sharing: 3x5x2 handling
 * "C" ("1/A/C", "B2C", "1AC") or 5x5x5 handling 4 or 5 ("B24", "B/2/5").
 * Unknown or empty gradings: 0. */
int gs_report_restricted(const char *grading);

/* ---- writers ---- */

struct gs_report_opts {
	int bom; /* CSV: start with a UTF-8 byte order mark */
};

struct gs_report_writer {
	const char *name; /* --format value */
	int (*write)(const struct gs_report *r,
		     const struct gs_report_opts *o, FILE *fp,
		     struct gs_error *err);
};

extern const struct gs_report_writer gs_report_html;
extern const struct gs_report_writer gs_report_csv;
extern const struct gs_report_writer gs_report_json;
extern const struct gs_report_writer gs_report_md;

/* The writer named name, or NULL. */
const struct gs_report_writer *gs_report_writer_find(const char *name);
/* Names of all writers, "|"-joined ("html|csv|json|md"); static. */
const char *gs_report_writer_names(void);

/* ---- helpers shared by the writers (and tested alone) ---- */

/* Writes s[0..n) with & < > " ' as entities; invalid UTF-8 bytes and
 * control characters other than tab and newline become U+FFFD. */
void gs_report_html_text(FILE *fp, const char *s, size_t n);
/* One CSV cell per RFC 4180; a text starting with = + - @ tab or CR is
 * neutralised with a leading apostrophe. */
void gs_report_csv_text(FILE *fp, const char *s);
/* A count as text: "<N" when hidden, "n/a" when unknown. buf >= 24. */
const char *gs_report_cell_text(const struct gs_report *r,
				const struct gs_cell *c, char *buf,
				size_t size);

#endif
