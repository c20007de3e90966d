/*
 * report.c - the report model: loaded once from the run history, made
 * publishable once (gs_report_suppress), printed by the writers listed in
 * the registry below.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "gs_cli.h"
#include "gs_report.h"
#include "gs_util.h"

/* The writers: a new format is one file and one line here. */
static const struct gs_report_writer *const writers[] = {
	&gs_report_html,
	&gs_report_csv,
	&gs_report_json,
	&gs_report_md,
};
#define NWRITERS (sizeof(writers) / sizeof(*writers))

const struct gs_report_writer *gs_report_writer_find(const char *name)
{
	for (size_t i = 0; i < NWRITERS; i++)
		if (strcmp(writers[i]->name, name) == 0)
			return writers[i];
	return NULL;
}

const char *gs_report_writer_names(void)
{
	return "html|csv|json|md";
}

/* ---- names ---- */

const char *gs_report_col_name(enum gs_report_col c)
{
	static const char *const names[GS_NCOLS] = {
		"records", "flagged", "actioned", "late",
		"open", "gap", "indeterminate"};

	return (unsigned)c < GS_NCOLS ? names[c] : "";
}

const char *gs_report_head_name(enum gs_report_head h)
{
	static const char *const names[GS_NHEAD] = {
		"flagged", "actioned", "late", "gap", "open", "indeterminate"};

	return (unsigned)h < GS_NHEAD ? names[h] : "";
}

const char *gs_report_stage_name(enum gs_report_stage s)
{
	static const char *const names[GS_NSTAGES] = {
		"read",    "rejected", "assessed", "not_flagged",
		"suppressed_by_context", "below_threshold", "flagged",
		"actioned", "late", "open", "indeterminate", "gap"};

	return (unsigned)s < GS_NSTAGES ? names[s] : "";
}

int gs_report_stage_depth(enum gs_report_stage s)
{
	switch (s) {
	case GS_STAGE_READ:
		return 0;
	case GS_STAGE_REJECTED:
	case GS_STAGE_ASSESSED:
		return 1;
	case GS_STAGE_NOT_FLAGGED:
	case GS_STAGE_FLAGGED:
		return 2;
	default:
		return 3;
	}
}

int gs_report_age_bucket(long days)
{
	if (days <= 7)
		return GS_AGE_0_7;
	if (days <= 28)
		return GS_AGE_8_28;
	if (days <= 90)
		return GS_AGE_29_90;
	return GS_AGE_OVER_90;
}

const char *gs_report_age_label(int bucket)
{
	static const char *const labels[GS_NAGES + 1] = {
		"0-7", "8-28", "29-90", "over 90", "all"};

	return bucket >= 0 && bucket <= GS_NAGES ? labels[bucket] : "";
}

/* ---- handling codes ---- */

int gs_report_restricted(const char *grading)
{
	char c[4];
	size_t n = 0;
	int letters = 0;
	int digits = 0;

	if (!grading)
		return 0;
	/* "1/A/C", "1-A-C", "B2C", "b 2 c": keep the alphanumerics */
	for (const char *p = grading; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (!isalnum(ch))
			continue;
		if (n == 3)
			return 0; /* not a grading code */
		c[n++] = (char)toupper(ch);
	}
	if (n != 3)
		return 0;
	for (size_t i = 0; i < 2; i++) {
		letters += c[i] >= 'A' && c[i] <= 'E';
		digits += c[i] >= '1' && c[i] <= '5';
	}
	if (letters != 1 || digits != 1)
		return 0;
	if (c[2] == 'C')
		return 1; /* 3x5x2: handling code C, conditions apply */
	/* 5x5x5: source A-E, intelligence 1-5, handling 1-5 */
	return c[0] >= 'A' && c[0] <= 'E' && (c[2] == '4' || c[2] == '5');
}

/* ---- suppression ---- */

static int primary(const struct gs_cell *c, long n)
{
	return c->v >= 1 && c->v < n;
}

void gs_report_suppress_lines(struct gs_cell *const *cells,
			      const size_t *lines, const size_t *starts,
			      size_t nlines, long n)
{
	int changed = 1;

	for (size_t i = 0; i < nlines; i++)
		for (size_t k = starts[i]; k < starts[i + 1]; k++)
			if (primary(cells[lines[k]], n))
				cells[lines[k]]->sup = 1;
	while (changed) {
		changed = 0;
		for (size_t i = 0; i < nlines; i++) {
			struct gs_cell *best = NULL;
			size_t hidden = 0;

			for (size_t k = starts[i]; k < starts[i + 1]; k++)
				hidden += cells[lines[k]]->sup != 0;
			if (hidden != 1)
				continue;
			for (size_t k = starts[i]; k < starts[i + 1]; k++) {
				struct gs_cell *c = cells[lines[k]];

				if (c->sup || c->v <= 0)
					continue;
				if (!best || c->v < best->v)
					best = c;
			}
			if (best) {
				best->sup = 1;
				changed = 1;
			}
		}
	}
}

/* The grid rule on rows that need not be contiguous: row i is rows[i][0 ..
 * cols). Every row and every column is a line. The one implementation
 * behind every table of the report (and gs_report_suppress_grid). */
static void suppress_rows(struct gs_cell *const *rows, size_t nrows,
			  size_t cols, long n)
{
	size_t ncells = nrows * cols;
	struct gs_cell **ptr = xcalloc(ncells + 1, sizeof(*ptr));
	size_t *lines = xcalloc(2 * ncells + 1, sizeof(*lines));
	size_t *starts = xcalloc(nrows + cols + 1, sizeof(*starts));
	size_t k = 0;
	size_t l = 0;

	for (size_t r = 0; r < nrows; r++)
		for (size_t c = 0; c < cols; c++)
			ptr[r * cols + c] = &rows[r][c];
	for (size_t r = 0; r < nrows; r++) {
		starts[l++] = k;
		for (size_t c = 0; c < cols; c++)
			lines[k++] = r * cols + c;
	}
	for (size_t c = 0; c < cols; c++) {
		starts[l++] = k;
		for (size_t r = 0; r < nrows; r++)
			lines[k++] = r * cols + c;
	}
	starts[l] = k;
	gs_report_suppress_lines(ptr, lines, starts, l, n);
	free(ptr);
	free(lines);
	free(starts);
}

void gs_report_suppress_grid(struct gs_cell *cells, size_t rows, size_t cols,
			     long n)
{
	struct gs_cell **row = xcalloc(rows + 1, sizeof(*row));

	for (size_t r = 0; r < rows; r++)
		row[r] = &cells[r * cols];
	suppress_rows(row, rows, cols, n);
	free(row);
}

/* A median over fewer than n records, or over a hidden count, says too
 * much. */
static void no_small_median(double *median, const struct gs_cell *actioned,
			    const struct gs_cell *late, long n)
{
	if (actioned->sup || late->sup || actioned->v + late->v < n)
		*median = -1;
}

/* A table (rows then the total row) from column first_col on. */
static void suppress_table(struct gs_report_table *t, size_t first_col,
			   long n)
{
	size_t rows = t->n + 1;
	struct gs_cell **row = xcalloc(rows, sizeof(*row));

	for (size_t r = 0; r < rows; r++)
		row[r] = r < t->n ? &t->rows[r].c[first_col]
				  : &t->total.c[first_col];
	suppress_rows(row, rows, GS_NCOLS - first_col, n);
	free(row);
	for (size_t r = 0; r < rows; r++) {
		struct gs_report_row *w = r < t->n ? &t->rows[r] : &t->total;

		no_small_median(&w->median_days, &w->c[GS_COL_ACTIONED],
				&w->c[GS_COL_LATE], n);
	}
}

static void suppress_funnel(struct gs_cell *f, long n)
{
	/* each parent with its children: read = rejected + assessed, ... */
	static const size_t lines[] = {
		GS_STAGE_READ,        GS_STAGE_REJECTED,   GS_STAGE_ASSESSED,
		GS_STAGE_ASSESSED,    GS_STAGE_NOT_FLAGGED, GS_STAGE_FLAGGED,
		GS_STAGE_NOT_FLAGGED, GS_STAGE_SUPPRESSED, GS_STAGE_BELOW,
		GS_STAGE_FLAGGED,     GS_STAGE_ACTIONED,   GS_STAGE_LATE,
		GS_STAGE_OPEN,        GS_STAGE_INDETERMINATE, GS_STAGE_GAP};
	static const size_t starts[] = {0, 3, 6, 9, 15};
	struct gs_cell *ptr[GS_NSTAGES];

	for (size_t i = 0; i < GS_NSTAGES; i++)
		ptr[i] = &f[i];
	gs_report_suppress_lines(ptr, lines, starts, 4, n);
}

/* Headline: flagged = actioned + late + gap + open + indeterminate, for
 * this run and the previous one; the same cells as the funnel's. */
static void suppress_head(struct gs_cell *h, long n)
{
	static const size_t lines[] = {
		GS_HEAD_FLAGGED, GS_HEAD_ACTIONED, GS_HEAD_LATE, GS_HEAD_GAP,
		GS_HEAD_OPEN, GS_HEAD_INDETERMINATE};
	static const size_t starts[] = {0, 6};
	struct gs_cell *ptr[GS_NHEAD];

	for (size_t i = 0; i < GS_NHEAD; i++)
		ptr[i] = &h[i];
	gs_report_suppress_lines(ptr, lines, starts, 1, n);
}

static void suppress_lang(struct gs_report *r, long n)
{
	size_t rows = r->nlang + 1;
	struct gs_cell **row = xcalloc(rows, sizeof(*row));

	for (size_t i = 0; i < rows; i++)
		row[i] = i < r->nlang ? r->lang[i].c : r->lang_total.c;
	suppress_rows(row, rows, GS_NLANG, n);
	free(row);
}

/* Units are below district: fold language rows into one per district. */
static void fold_lang(struct gs_report *r)
{
	struct gs_report_lang_row *out =
		xcalloc(r->nlang + 1, sizeof(*out));
	size_t n = 0;

	for (size_t i = 0; i < r->nlang; i++) {
		struct gs_report_lang_row *l = &r->lang[i];
		size_t k;

		for (k = 0; k < n; k++)
			if (strcmp(out[k].label, l->district) == 0)
				break;
		if (k == n) {
			out[n].label = xstrdup(l->district);
			out[n].district = xstrdup(l->district);
			n++;
		}
		for (int c = 0; c < GS_NLANG; c++)
			out[k].c[c].v += l->c[c].v;
		free(l->label);
		free(l->district);
	}
	free(r->lang);
	r->lang = out;
	r->nlang = n;
}

static void free_exceptions(struct gs_report *r)
{
	for (size_t i = 0; i < r->nexceptions; i++) {
		struct gs_report_exception *e = &r->exceptions[i];

		free(e->id);
		free(e->logged_date);
		free(e->district);
		free(e->unit);
		free(e->status);
		free(e->categories);
		free(e->rules);
		free(e->first_action_date);
		free(e->excerpt);
	}
	free(r->exceptions);
	r->exceptions = NULL;
	r->nexceptions = 0;
}

static void free_chains(struct gs_report *r)
{
	for (size_t i = 0; i < r->nchains; i++) {
		struct gs_report_chain *c = &r->chains[i];

		free(c->entity_type);
		free(c->value);
		for (size_t k = 0; k < c->nmembers; k++) {
			free(c->members[k].id);
			free(c->members[k].logged_date);
			free(c->members[k].status);
		}
		free(c->members);
	}
	free(r->chains);
	r->chains = NULL;
	r->nchains = 0;
	for (size_t i = 0; i < r->nisolated; i++)
		free(r->isolated[i]);
	free(r->isolated);
	r->isolated = NULL;
	r->nisolated = 0;
}

static void free_chain_kinds(struct gs_report *r)
{
	for (size_t i = 0; i < r->nchain_kinds; i++)
		free(r->chain_kinds[i].entity_type);
	free(r->chain_kinds);
	r->chain_kinds = NULL;
	r->nchain_kinds = 0;
	free(r->chain_total.entity_type);
	r->chain_total.entity_type = NULL;
}

/* Chains by entity type as a grid (types, then the total row); the
 * isolated entries, records and pairs, as one line. */
static void suppress_chains(struct gs_report *r, long n)
{
	static const size_t iso_lines[] = {0, 1};
	static const size_t iso_starts[] = {0, 2};
	size_t rows = r->nchain_kinds + 1;
	struct gs_cell **row = xcalloc(rows, sizeof(*row));
	struct gs_cell *iso[2] = {&r->isolated_records, &r->isolated_pairs};

	for (size_t i = 0; i < rows; i++)
		row[i] = i < r->nchain_kinds ? r->chain_kinds[i].c
					     : r->chain_total.c;
	suppress_rows(row, rows, GS_NCHAIN, n);
	free(row);
	/* with pairs 0 exactly when records are 0, hidden together */
	gs_report_suppress_lines(iso, iso_lines, iso_starts, 1, n);
}

/* OR-s the hidden flag of cells that show the same number in several
 * places; returns 1 when any flag changed. */
static int share(struct gs_cell *const *cells, size_t n)
{
	int sup = 0;
	int changed = 0;

	for (size_t i = 0; i < n; i++)
		sup |= cells[i]->sup;
	for (size_t i = 0; i < n; i++) {
		changed |= cells[i]->sup != sup;
		cells[i]->sup = sup;
	}
	return changed;
}

/* The same run-level figure appears in the headline, the funnel, the
 * total rows and the ageing total: hidden in one place, hidden in all. */
static int sync_totals(struct gs_report *r)
{
	static const struct {
		int head, stage, col;
	} same[] = {
		{GS_HEAD_FLAGGED, GS_STAGE_FLAGGED, GS_COL_FLAGGED},
		{GS_HEAD_ACTIONED, GS_STAGE_ACTIONED, GS_COL_ACTIONED},
		{GS_HEAD_LATE, GS_STAGE_LATE, GS_COL_LATE},
		{GS_HEAD_OPEN, GS_STAGE_OPEN, GS_COL_OPEN},
		{GS_HEAD_GAP, GS_STAGE_GAP, GS_COL_GAP},
		{GS_HEAD_INDETERMINATE, GS_STAGE_INDETERMINATE,
		 GS_COL_INDETERMINATE},
	};
	int changed = 0;

	for (size_t i = 0; i < sizeof(same) / sizeof(*same); i++) {
		struct gs_cell *c[6];
		size_t n = 0;

		c[n++] = &r->head[same[i].head];
		c[n++] = &r->funnel[same[i].stage];
		c[n++] = &r->months.total.c[same[i].col];
		c[n++] = &r->districts.total.c[same[i].col];
		c[n++] = &r->categories.total.c[same[i].col];
		if (same[i].head == GS_HEAD_GAP)
			c[n++] = &r->ageing[GS_NAGES];
		changed |= share(c, n);
	}
	{
		struct gs_cell *c[3] = {&r->funnel[GS_STAGE_ASSESSED],
					&r->months.total.c[GS_COL_RECORDS],
					&r->districts.total.c[GS_COL_RECORDS]};

		changed |= share(c, 3);
	}
	return changed;
}

static void suppress_ageing(struct gs_cell *a, long n)
{
	struct gs_cell *ptr[GS_NAGES + 1];
	size_t lines[GS_NAGES + 1];
	size_t starts[2] = {0, GS_NAGES + 1};

	for (size_t i = 0; i <= GS_NAGES; i++) {
		ptr[i] = &a[i];
		lines[i] = i;
	}
	gs_report_suppress_lines(ptr, lines, starts, 1, n);
}

void gs_report_suppress(struct gs_report *r, long n)
{
	int rounds = 0;

	r->public = 1;
	r->min_cell = n;
	free_exceptions(r);
	free_chains(r);
	/* nothing is listed, so nothing was left out of a list; and how many
	 * records carry a restricted handling code is a record-level count
	 * that no line of the suppression covers */
	r->withheld = 0;
	r->isolated_withheld = 0;
	fold_lang(r);
	suppress_head(r->head_prev, n);
	/* suppression only ever adds hidden cells: repeat until the shared
	 * figures agree everywhere (bounded by the number of cells) */
	do {
		suppress_funnel(r->funnel, n);
		suppress_head(r->head, n);
		suppress_table(&r->months, 0, n);
		suppress_table(&r->districts, 0, n);
		/* categories overlap and have no record counts: statuses */
		suppress_table(&r->categories, GS_COL_FLAGGED, n);
		suppress_ageing(r->ageing, n);
	} while (sync_totals(r) && ++rounds < 64);
	suppress_lang(r, n);
	suppress_chains(r, n);
	no_small_median(&r->median_days, &r->head[GS_HEAD_ACTIONED],
			&r->head[GS_HEAD_LATE], n);
	no_small_median(&r->median_days_prev, &r->head_prev[GS_HEAD_ACTIONED],
			&r->head_prev[GS_HEAD_LATE], n);
}

void gs_report_hide_as_published(struct gs_report *r,
				 const struct gs_report *prev)
{
	for (int h = 0; h < GS_NHEAD; h++)
		r->head_prev[h].sup |= prev->head[h].sup;
	if (prev->median_days < 0)
		r->median_days_prev = -1;
}

/* ---- loading ---- */

static char *dup_or(const char *s, const char *dflt)
{
	return xstrdup(s && *s ? s : dflt);
}

static void head_from_run(struct gs_cell *h,
			  const struct gs_store_run_row *run)
{
	h[GS_HEAD_FLAGGED].v = (long)run->flagged;
	h[GS_HEAD_ACTIONED].v = (long)run->actioned;
	h[GS_HEAD_LATE].v = (long)run->late;
	h[GS_HEAD_GAP].v = (long)run->gap;
	h[GS_HEAD_OPEN].v = (long)run->open;
	h[GS_HEAD_INDETERMINATE].v = (long)run->indeterminate;
}

static void funnel_from_run(struct gs_cell *f,
			    const struct gs_store_run_row *run)
{
	long not_flagged = (long)run->assessed - (long)run->flagged;
	long supp = (long)run->suppressed_only;

	if (not_flagged < 0)
		not_flagged = 0;
	if (supp > not_flagged)
		supp = not_flagged;
	f[GS_STAGE_READ].v = (long)run->records_read;
	f[GS_STAGE_REJECTED].v = (long)run->rejected;
	f[GS_STAGE_ASSESSED].v = (long)run->assessed;
	f[GS_STAGE_NOT_FLAGGED].v = not_flagged;
	f[GS_STAGE_SUPPRESSED].v = supp;
	f[GS_STAGE_BELOW].v = not_flagged - supp;
	f[GS_STAGE_FLAGGED].v = (long)run->flagged;
	f[GS_STAGE_ACTIONED].v = (long)run->actioned;
	f[GS_STAGE_LATE].v = (long)run->late;
	f[GS_STAGE_OPEN].v = (long)run->open;
	f[GS_STAGE_INDETERMINATE].v = (long)run->indeterminate;
	f[GS_STAGE_GAP].v = (long)run->gap;
}

static void row_from_count(struct gs_report_row *row,
			   const struct gs_store_count *c, const char *label)
{
	row->label = xstrdup(label);
	row->c[GS_COL_RECORDS].v = c->records;
	row->c[GS_COL_FLAGGED].v = (long)c->flagged;
	row->c[GS_COL_ACTIONED].v = (long)c->actioned;
	row->c[GS_COL_LATE].v = (long)c->late;
	row->c[GS_COL_OPEN].v = (long)c->open;
	row->c[GS_COL_GAP].v = (long)c->gap;
	row->c[GS_COL_INDETERMINATE].v = (long)c->indeterminate;
	row->median_days = c->median_days;
}

/* The median over the whole run, or -1. */
static int run_median(struct gs_store *s, long long run, double *median,
		      struct gs_error *err)
{
	struct gs_store_count *rows = NULL;
	size_t n = 0;
	int rc;

	*median = -1;
	rc = gs_store_counts(s, run, 0, &rows, &n, err);
	if (rc == 0 && n > 0)
		*median = rows[0].median_days;
	gs_store_counts_free(rows, n);
	return rc;
}

struct rule_cat {
	struct gs_map *cat;  /* rule id -> category (owned strings) */
	struct gs_map *lang; /* language categories -> non-NULL */
};

static int on_rule(int ncols, const char *const *v, void *ctx)
{
	struct rule_cat *rc = ctx;
	void **slot;

	if (ncols < 3 || !v[0])
		return 0;
	slot = gs_map_slot(rc->cat, v[0], strlen(v[0]), NULL);
	if (!*slot)
		*slot = xstrdup(v[1] ? v[1] : "");
	if (v[2] && strcmp(v[2], "0") != 0 && v[1])
		*gs_map_slot(rc->lang, v[1], strlen(v[1]), NULL) = rc;
	return 0;
}

static void rule_cat_release(struct rule_cat *rc)
{
	size_t i = 0;
	const char *key;
	void *val;

	while (rc->cat && gs_map_iter(rc->cat, &i, &key, &val))
		free(val);
	gs_map_free(rc->cat);
	gs_map_free(rc->lang);
}

static int load_table(struct gs_store *s, long long run, unsigned keys,
		      const struct rule_cat *rcat, struct gs_report_table *t,
		      struct gs_error *err)
{
	struct gs_store_count *rows = NULL;
	size_t n = 0;
	int rc;

	rc = gs_store_counts(s, run, keys, &rows, &n, err);
	if (rc < 0)
		return rc;
	t->rows = xcalloc(n + 1, sizeof(*t->rows));
	for (size_t i = 0; i < n; i++) {
		const char *label = (keys & GS_STORE_BY_MONTH) ? rows[i].month
							       : rows[i].group;

		if ((keys & GS_STORE_BY_CATEGORY) && label &&
		    gs_map_get(rcat->lang, label, strlen(label)))
			continue; /* victim-blaming language has its own table */
		row_from_count(&t->rows[t->n], &rows[i],
			       label && *label ? label : "(not recorded)");
		if (keys & GS_STORE_BY_CATEGORY)
			t->rows[t->n].c[GS_COL_RECORDS].v = -1;
		t->n++;
	}
	gs_store_counts_free(rows, n);
	return 0;
}

/* The total row: the run's own counts. */
static void table_total(struct gs_report_table *t,
			const struct gs_store_run_row *run, double median,
			int records_known)
{
	struct gs_report_row *row = &t->total;

	row->label = xstrdup("All");
	row->c[GS_COL_RECORDS].v = records_known ? (long)run->assessed : -1;
	row->c[GS_COL_FLAGGED].v = (long)run->flagged;
	row->c[GS_COL_ACTIONED].v = (long)run->actioned;
	row->c[GS_COL_LATE].v = (long)run->late;
	row->c[GS_COL_OPEN].v = (long)run->open;
	row->c[GS_COL_GAP].v = (long)run->gap;
	row->c[GS_COL_INDETERMINATE].v = (long)run->indeterminate;
	row->median_days = median;
}

struct walk {
	struct gs_report *r;
	const struct rule_cat *rcat;
	size_t cap;
};

/* "; "-joined distinct non-language categories of ';'-separated rules. */
static char *categories_of(const char *rules, const struct rule_cat *rcat)
{
	struct gs_buf b;
	const char *p = rules;

	gs_buf_init(&b, 0);
	gs_buf_append(&b, "", 0);
	while (p && *p) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *cat = gs_map_get(rcat->cat, p, len);

		if (cat && *cat && !gs_map_get(rcat->lang, cat, strlen(cat))) {
			size_t clen = strlen(cat);
			const char *q = b.data;
			int dup = 0;

			/* a category already in the list is not repeated */
			while ((q = strstr(q, cat)) != NULL) {
				if ((q == b.data || q[-1] == ' ') &&
				    (q[clen] == ';' || q[clen] == '\0')) {
					dup = 1;
					break;
				}
				q += clen;
			}
			if (!dup) {
				if (b.len)
					gs_buf_append(&b, "; ", 2);
				gs_buf_append(&b, cat, clen);
			}
		}
		p = end ? end + 1 : NULL;
	}
	return b.data;
}

static int on_assessment(const struct gs_store_assessment *a, void *ctx)
{
	struct walk *w = ctx;
	struct gs_report *r = w->r;
	struct gs_report_exception *e;
	int gap = strcmp(a->status, "gap") == 0;
	size_t elen;

	if (gap) {
		r->ageing[gs_report_age_bucket(a->days)].v++;
		r->ageing[GS_NAGES].v++;
	}
	if (!gap && strcmp(a->status, "late") != 0)
		return 0;
	if (gs_report_restricted(a->grading)) {
		r->withheld++;
		return 0;
	}
	if (r->nexceptions == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		r->exceptions =
			xrealloc(r->exceptions, w->cap * sizeof(*r->exceptions));
	}
	e = &r->exceptions[r->nexceptions++];
	memset(e, 0, sizeof(*e));
	e->id = xstrdup(a->record_id);
	e->logged_date = dup_or(a->logged_date, "");
	e->district = dup_or(a->district, "");
	e->unit = dup_or(a->unit, "");
	e->status = xstrdup(a->status);
	e->days = a->days;
	e->sla = a->sla;
	e->rules = dup_or(a->rules, "");
	e->categories = categories_of(a->rules, w->rcat);
	e->first_action_date = dup_or(a->first_action_date, "");
	e->excerpt = dup_or(a->excerpt, "");
	elen = strlen(e->excerpt);
	e->mark_start = a->mark_start <= elen ? a->mark_start : elen;
	e->mark_end = a->mark_end <= elen ? a->mark_end : elen;
	if (e->mark_end < e->mark_start)
		e->mark_end = e->mark_start;
	return 0;
}

static int cmp_exception(const void *pa, const void *pb)
{
	const struct gs_report_exception *a = pa;
	const struct gs_report_exception *b = pb;
	int ga = strcmp(a->status, "gap") == 0;
	int gb = strcmp(b->status, "gap") == 0;

	if (ga != gb)
		return gb - ga;
	if (a->days != b->days)
		return (a->days < b->days) - (a->days > b->days);
	return strcmp(a->id, b->id);
}

struct lang_acc {
	struct gs_report *r;
	size_t cap;
};

static long num(const char *s)
{
	return s ? strtol(s, NULL, 10) : 0;
}

static int on_lang(int ncols, const char *const *v, void *ctx)
{
	struct lang_acc *acc = ctx;
	struct gs_report *r = acc->r;
	struct gs_report_lang_row *l;

	if (ncols < 4)
		return 0;
	if (r->nlang == acc->cap) {
		acc->cap = acc->cap ? 2 * acc->cap : 16;
		r->lang = xrealloc(r->lang, acc->cap * sizeof(*r->lang));
	}
	l = &r->lang[r->nlang++];
	memset(l, 0, sizeof(*l));
	l->label = dup_or(v[0], "(not recorded)");
	l->district = dup_or(v[1], "(not recorded)");
	l->c[GS_LANG_RECORDS].v = num(v[2]);
	l->c[GS_LANG_FINDINGS].v = num(v[3]);
	return 0;
}

static int on_lang_total(int ncols, const char *const *v, void *ctx)
{
	struct gs_report *r = ctx;

	if (ncols < 2)
		return 0;
	r->lang_total.c[GS_LANG_RECORDS].v = num(v[0]);
	r->lang_total.c[GS_LANG_FINDINGS].v = num(v[1]);
	return 0;
}

struct over_acc {
	struct gs_report *r;
	size_t cap;
};

static int on_override(int ncols, const char *const *v, void *ctx)
{
	struct over_acc *acc = ctx;
	struct gs_report *r = acc->r;
	struct gs_report_override *o;

	if (ncols < 3)
		return 0;
	if (r->noverrides == acc->cap) {
		acc->cap = acc->cap ? 2 * acc->cap : 8;
		r->overrides =
			xrealloc(r->overrides, acc->cap * sizeof(*r->overrides));
	}
	o = &r->overrides[r->noverrides++];
	o->rule_id = dup_or(v[0], "");
	o->reason = dup_or(v[1], "");
	o->what = dup_or(v[2], "");
	return 0;
}

static int load_lists(struct gs_store *s, long long run, struct gs_report *r,
		      struct gs_error *err)
{
	char sql[512];
	struct lang_acc la = {r, 0};
	struct over_acc oa = {r, 0};
	int rc;

	snprintf(sql, sizeof sql,
		 "SELECT coalesce(unit, ''), coalesce(district, ''),"
		 " count(DISTINCT record_id), count(*) FROM language_findings"
		 " WHERE run_id = %lld GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2",
		 run);
	rc = gs_store_sql(s, sql, on_lang, &la, err);
	if (rc < 0)
		return rc;
	r->lang_total.label = xstrdup("All");
	r->lang_total.district = xstrdup("");
	snprintf(sql, sizeof sql,
		 "SELECT count(DISTINCT record_id), count(*)"
		 " FROM language_findings WHERE run_id = %lld",
		 run);
	rc = gs_store_sql(s, sql, on_lang_total, r, err);
	if (rc < 0)
		return rc;
	snprintf(sql, sizeof sql,
		 "SELECT rule_id, coalesce(reason, ''), coalesce(what, '')"
		 " FROM overrides WHERE run_id = %lld ORDER BY rowid",
		 run);
	return gs_store_sql(s, sql, on_override, &oa, err);
}

static int load_rules(struct gs_store *s, long long run,
		      struct rule_cat *rcat, struct gs_error *err)
{
	char sql[256];

	snprintf(sql, sizeof sql,
		 "SELECT rule_id, coalesce(category, ''), is_language"
		 " FROM run_rules WHERE run_id = %lld",
		 run);
	return gs_store_sql(s, sql, on_rule, rcat, err);
}

/* ---- repeat intelligence ---- */

const char *gs_report_entity_label(const char *type)
{
	static const char *const names[][2] = {
		{"vrm", "vehicle"},
		{"phone", "phone"},
		{"place", "place"},
		{"subject", "subject"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (strcmp(type, names[i][0]) == 0)
			return names[i][1];
	return type;
}

struct chain_acc {
	struct gs_report *r;
	long long chain_id; /* of the last chain added */
	size_t cap, mcap, icap;
	struct gs_map *seen; /* "type\037record" already counted */
};

static struct gs_report_chain_kind *chain_kind(struct gs_report *r,
					       const char *type)
{
	struct gs_report_chain_kind *k;

	for (size_t i = 0; i < r->nchain_kinds; i++)
		if (strcmp(r->chain_kinds[i].entity_type, type) == 0)
			return &r->chain_kinds[i];
	r->chain_kinds = xrealloc(r->chain_kinds, (r->nchain_kinds + 1) *
							  sizeof(*r->chain_kinds));
	k = &r->chain_kinds[r->nchain_kinds++];
	memset(k, 0, sizeof(*k));
	k->entity_type = xstrdup(type);
	return k;
}

static int on_chain(const struct gs_store_chain_row *row, void *ctx)
{
	struct chain_acc *acc = ctx;
	struct gs_report *r = acc->r;
	struct gs_report_chain *c;
	struct gs_report_chain_kind *k = chain_kind(r, row->key_type);
	struct gs_report_chain_member *m;
	char key[512];
	int inserted = 0;
	int n;

	if (r->nchains == 0 || row->chain_id != acc->chain_id) {
		if (r->nchains == acc->cap) {
			acc->cap = acc->cap ? 2 * acc->cap : 16;
			r->chains = xrealloc(r->chains,
					     acc->cap * sizeof(*r->chains));
		}
		c = &r->chains[r->nchains++];
		memset(c, 0, sizeof(*c));
		c->entity_type = xstrdup(row->key_type);
		c->value = xstrdup(row->key_value);
		c->records = row->nmembers;
		c->subjects = row->nsubjects;
		c->gaps = row->ngaps;
		c->span_days = row->span_days;
		c->cross_referenced = row->cross_referenced;
		acc->chain_id = row->chain_id;
		acc->mcap = 0;
		k->c[GS_CHAIN_CHAINS].v++;
		r->chain_total.c[GS_CHAIN_CHAINS].v++;
	}
	c = &r->chains[r->nchains - 1];
	n = snprintf(key, sizeof key, "%s\037%s", row->key_type,
		     row->record_id);
	if (n > 0 && (size_t)n < sizeof key)
		gs_map_slot(acc->seen, key, (size_t)n, &inserted);
	if (inserted) {
		k->c[GS_CHAIN_RECORDS].v++;
		k->c[GS_CHAIN_GAPS].v += strcmp(row->status, "gap") == 0;
	}
	n = snprintf(key, sizeof key, "\037%s", row->record_id);
	inserted = 0;
	if (n > 0 && (size_t)n < sizeof key)
		gs_map_slot(acc->seen, key, (size_t)n, &inserted);
	if (inserted) {
		r->chain_total.c[GS_CHAIN_RECORDS].v++;
		r->chain_total.c[GS_CHAIN_GAPS].v +=
			strcmp(row->status, "gap") == 0;
	}
	if (gs_report_restricted(row->grading)) {
		c->restricted++;
		return 0;
	}
	if (c->nmembers == acc->mcap) {
		acc->mcap = acc->mcap ? 2 * acc->mcap : 8;
		c->members = xrealloc(c->members, acc->mcap * sizeof(*c->members));
	}
	m = &c->members[c->nmembers++];
	m->id = xstrdup(row->record_id);
	m->logged_date = xstrdup(row->logged_date);
	m->status = xstrdup(row->status);
	return 0;
}

static int on_isolated(const struct gs_store_isolated_row *row, void *ctx)
{
	struct chain_acc *acc = ctx;
	struct gs_report *r = acc->r;

	r->isolated_records.v++;
	if (gs_report_restricted(row->grading)) {
		r->isolated_withheld++;
		return 0;
	}
	if (r->nisolated == acc->icap) {
		acc->icap = acc->icap ? 2 * acc->icap : 16;
		r->isolated = xrealloc(r->isolated, acc->icap * sizeof(*r->isolated));
	}
	r->isolated[r->nisolated++] = xstrdup(row->record_id);
	return 0;
}

static int cmp_kind(const void *pa, const void *pb)
{
	const struct gs_report_chain_kind *a = pa;
	const struct gs_report_chain_kind *b = pb;

	return strcmp(a->entity_type, b->entity_type);
}

static int load_chains(struct gs_store *s, long long run, struct gs_report *r,
		       struct gs_error *err)
{
	struct chain_acc acc = {r, 0, 0, 0, 0, gs_map_new()};
	unsigned long nchains, pairs;
	int rc;

	r->chain_total.entity_type = xstrdup("All");
	if ((rc = gs_store_chains(s, run, on_chain, &acc, err)) < 0)
		goto out;
	if ((rc = gs_store_isolated(s, run, on_isolated, &acc, err)) < 0)
		goto out;
	if ((rc = gs_store_chain_counts(s, run, &nchains, &pairs, err)) < 0)
		goto out;
	r->isolated_pairs.v = (long)pairs;
	if (r->nchain_kinds)
		qsort(r->chain_kinds, r->nchain_kinds, sizeof(*r->chain_kinds),
		      cmp_kind);
out:
	gs_map_free(acc.seen);
	return rc;
}

static int differs(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") != 0;
}

int gs_report_caveat(const struct gs_store_run_row *run,
		     const struct gs_store_run_row *prev, char *out, size_t n)
{
	struct gs_buf b; /* the settings that differ, ", "-separated */

	gs_buf_init(&b, 0);
	if (run->sla_days != prev->sla_days)
		gs_buf_printf(&b, "an SLA of %d days (this run: %d)",
			      prev->sla_days, run->sla_days);
	if (run->threshold != prev->threshold)
		gs_buf_printf(&b, "%sa threshold of %d (this run: %d)",
			      b.len ? ", " : "", prev->threshold,
			      run->threshold);
	if (differs(run->rules_hash, prev->rules_hash))
		gs_buf_printf(&b, "%sanother rule pack (%s)",
			      b.len ? ", " : "",
			      prev->rules_version && prev->rules_version[0]
				      ? prev->rules_version
				      : "unversioned");
	if (differs(run->profile_sha256, prev->profile_sha256))
		gs_buf_printf(&b, "%sanother export profile",
			      b.len ? ", " : "");
	out[0] = '\0';
	if (b.len)
		snprintf(out, n,
			 "Run %lld used %s: changes against it may come from "
			 "the settings, not from what was done.",
			 prev->id, b.data);
	else if (!differs(run->intel_sha256, prev->intel_sha256) &&
		 !differs(run->actions_sha256, prev->actions_sha256))
		snprintf(out, n,
			 differs(run->as_of, prev->as_of)
				 ? "Run %lld scanned the same exports as of %s: "
				   "changes against it come from the as-of date "
				   "only."
				 : "Run %lld scanned the same exports as of the "
				   "same date %s: it is a repeat of this run.",
			 prev->id, prev->as_of ? prev->as_of : "");
	gs_buf_release(&b);
	return out[0] != '\0';
}

int gs_report_load(struct gs_report *r, struct gs_store *s, long long run,
		   const char *marking, struct gs_error *err)
{
	struct rule_cat rcat = {gs_map_new(), gs_map_new()};
	struct walk w = {r, &rcat, 0};
	long long prev;
	int rc;

	memset(r, 0, sizeof(*r));
	r->median_days = r->median_days_prev = -1;
	r->min_cell = GS_REPORT_MIN_CELL;
	r->marking = xstrdup(marking && *marking ? marking : GS_REPORT_MARKING);
	r->tool_version = xstrdup(GS_VERSION);
	if (run == 0)
		run = gs_store_latest_run(s);
	if (run == 0) {
		rc = gs_error_set(err, GS_ERR_USAGE, NULL, 0, 0,
				  "no runs in the database; store one with "
				  "gapscan scan --db");
		goto out;
	}
	if ((rc = gs_store_run_get(s, run, &r->run, err)) < 0)
		goto out;
	head_from_run(r->head, r->run);
	funnel_from_run(r->funnel, r->run);
	if ((rc = run_median(s, run, &r->median_days, err)) < 0)
		goto out;
	prev = gs_store_previous_run(s, run);
	if (prev > 0) {
		if ((rc = gs_store_run_get(s, prev, &r->prev, err)) < 0)
			goto out;
		head_from_run(r->head_prev, r->prev);
		gs_report_caveat(r->run, r->prev, r->caveat,
				 sizeof(r->caveat));
		if ((rc = run_median(s, prev, &r->median_days_prev, err)) < 0)
			goto out;
	}
	if ((rc = load_rules(s, run, &rcat, err)) < 0)
		goto out;
	if ((rc = load_table(s, run, GS_STORE_BY_MONTH, &rcat, &r->months,
			     err)) < 0)
		goto out;
	if ((rc = load_table(s, run, GS_STORE_BY_DISTRICT, &rcat,
			     &r->districts, err)) < 0)
		goto out;
	if ((rc = load_table(s, run, GS_STORE_BY_CATEGORY, &rcat,
			     &r->categories, err)) < 0)
		goto out;
	table_total(&r->months, r->run, r->median_days,
		    r->months.n == 0 || r->months.rows[0].c[GS_COL_RECORDS].v >= 0);
	table_total(&r->districts, r->run, r->median_days,
		    r->districts.n == 0 ||
			    r->districts.rows[0].c[GS_COL_RECORDS].v >= 0);
	table_total(&r->categories, r->run, r->median_days, 0);
	if ((rc = gs_store_assessments(s, run, on_assessment, &w, err)) < 0)
		goto out;
	if (r->nexceptions)
		qsort(r->exceptions, r->nexceptions, sizeof(*r->exceptions),
		      cmp_exception);
	if ((rc = load_chains(s, run, r, err)) < 0)
		goto out;
	rc = load_lists(s, run, r, err);
out:
	rule_cat_release(&rcat);
	return rc;
}

static void table_release(struct gs_report_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->rows[i].label);
	free(t->rows);
	free(t->total.label);
}

void gs_report_release(struct gs_report *r)
{
	if (!r)
		return;
	free(r->marking);
	gs_store_runs_free(r->run, r->run ? 1 : 0);
	gs_store_runs_free(r->prev, r->prev ? 1 : 0);
	table_release(&r->months);
	table_release(&r->districts);
	table_release(&r->categories);
	for (size_t i = 0; i < r->nlang; i++) {
		free(r->lang[i].label);
		free(r->lang[i].district);
	}
	free(r->lang);
	free(r->lang_total.label);
	free(r->lang_total.district);
	free_exceptions(r);
	free_chains(r);
	free_chain_kinds(r);
	for (size_t i = 0; i < r->noverrides; i++) {
		free(r->overrides[i].rule_id);
		free(r->overrides[i].reason);
		free(r->overrides[i].what);
	}
	free(r->overrides);
	free(r->tool_version);
	memset(r, 0, sizeof(*r));
}

/* ---- helpers shared by the writers ---- */

const char *gs_report_cell_text(const struct gs_report *r,
				const struct gs_cell *c, char *buf,
				size_t size)
{
	if (c->sup)
		snprintf(buf, size, "<%ld", r->min_cell);
	else if (c->v < 0)
		snprintf(buf, size, "n/a");
	else
		snprintf(buf, size, "%ld", c->v);
	return buf;
}

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t bad;
	size_t len;

	if (p[0] < 0x80)
		return 1;
	len = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : 2;
	if (len > n || !gs_utf8_valid((const char *)p, len, &bad))
		return 0;
	return len;
}

void gs_report_html_text(FILE *fp, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		size_t len;

		switch (c) {
		case '&': fputs("&amp;", fp); i++; continue;
		case '<': fputs("&lt;", fp); i++; continue;
		case '>': fputs("&gt;", fp); i++; continue;
		case '"': fputs("&quot;", fp); i++; continue;
		case '\'': fputs("&#39;", fp); i++; continue;
		default: break;
		}
		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
			fputs("\xEF\xBF\xBD", fp);
			i++;
			continue;
		}
		len = utf8_len(p + i, n - i);
		if (len == 0) {
			fputs("\xEF\xBF\xBD", fp);
			i++;
			continue;
		}
		fwrite(p + i, 1, len, fp);
		i += len;
	}
}

void gs_report_csv_text(FILE *fp, const char *s)
{
	int neutralise = s[0] == '=' || s[0] == '+' || s[0] == '-' ||
			 s[0] == '@' || s[0] == '\t' || s[0] == '\r';

	if (!neutralise && !strpbrk(s, ",\"\r\n")) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	if (neutralise)
		fputc('\'', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}
