/*
 * report_md.c - the report as Markdown for pasting into a board paper:
 * headline, funnel, breakdowns, ageing and the exception list. Text from
 * the data has Markdown punctuation backslash-escaped and < > & written as
 * entities, so a record can neither break a table nor inject HTML.
 */
#include <string.h>

#include "gs_report.h"

static void md(FILE *fp, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		char c = s[i];

		switch (c) {
		case '&': fputs("&amp;", fp); break;
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '\r':
		case '\n':
		case '\t': fputc(' ', fp); break;
		case '\\': case '`': case '*': case '_': case '[': case ']':
		case '|': case '#': case '~': case '!':
			fputc('\\', fp);
			fputc(c, fp);
			break;
		default:
			fputc(c, fp);
		}
	}
}

static void mds(FILE *fp, const char *s)
{
	md(fp, s, strlen(s));
}

static void cell(FILE *fp, const struct gs_report *r, const struct gs_cell *c)
{
	char buf[32];

	if (c->sup)
		fprintf(fp, "&lt;%ld", r->min_cell);
	else
		fputs(gs_report_cell_text(r, c, buf, sizeof buf), fp);
}

static void median(FILE *fp, double d)
{
	if (d < 0)
		fputs("–", fp);
	else
		fprintf(fp, "%.1f", d);
}

static const char *const head_label[GS_NHEAD] = {
	"Flagged", "Actioned in time", "Actioned late", "Gap (no action)",
	"Open (within SLA)", "Indeterminate"};

static void headline(FILE *fp, const struct gs_report *r)
{
	fputs("## Headline figures\n\n", fp);
	if (r->prev)
		fprintf(fp, "| Measure | This run | Run %lld (%s) | Change |\n"
			    "|---|--:|--:|--:|\n",
			r->prev->id, r->prev->as_of);
	else
		fputs("| Measure | This run |\n|---|--:|\n", fp);
	for (int h = 0; h < GS_NHEAD; h++) {
		const struct gs_cell *c = &r->head[h];
		const struct gs_cell *p = &r->head_prev[h];

		fprintf(fp, "| %s | ", head_label[h]);
		cell(fp, r, c);
		if (r->prev) {
			fputs(" | ", fp);
			cell(fp, r, p);
			fputs(" | ", fp);
			if (c->sup || p->sup)
				fputs("–", fp);
			else
				fprintf(fp, "%+ld", c->v - p->v);
		}
		fputs(" |\n", fp);
	}
	fputs("| Median days to first action | ", fp);
	median(fp, r->median_days);
	if (r->prev) {
		fputs(" | ", fp);
		median(fp, r->median_days_prev);
		fputs(" | ", fp);
	}
	fputs(" |\n\n", fp);
	if (r->caveat[0]) {
		fputs("**Read the changes with care.** ", fp);
		mds(fp, r->caveat);
		fputs("\n\n", fp);
	}
}

static void chain_kinds(FILE *fp, const struct gs_report *r)
{
	fputs("| Entity | Chains | Records in chains | Of which gaps |\n"
	      "|---|--:|--:|--:|\n",
	      fp);
	for (size_t i = 0; i <= r->nchain_kinds; i++) {
		const struct gs_report_chain_kind *k =
			i < r->nchain_kinds ? &r->chain_kinds[i]
					    : &r->chain_total;

		fputs("| ", fp);
		mds(fp, gs_report_entity_label(k->entity_type));
		for (int c = 0; c < GS_NCHAIN; c++) {
			fputs(" | ", fp);
			cell(fp, r, &k->c[c]);
		}
		fputs(" |\n", fp);
	}
}

static void chains(FILE *fp, const struct gs_report *r)
{
	fputs("## Repeat intelligence\n\n", fp);
	if (r->chain_total.c[GS_CHAIN_CHAINS].v == 0 &&
	    !r->chain_total.c[GS_CHAIN_CHAINS].sup) {
		fputs("No chains in this run.\n", fp);
	} else if (r->public) {
		chain_kinds(fp, r);
	} else {
		fputs("| # | Entity | Records (date, status) | Subjects | Gaps "
		      "| Span (days) | Cross-referenced |\n"
		      "|--:|---|---|--:|--:|--:|---|\n",
		      fp);
		for (size_t i = 0; i < r->nchains; i++) {
			const struct gs_report_chain *c = &r->chains[i];

			fprintf(fp, "| %zu | ", i + 1);
			mds(fp, gs_report_entity_label(c->entity_type));
			fputs(" ", fp);
			mds(fp, c->value);
			fputs(" | ", fp);
			for (size_t k = 0; k < c->nmembers; k++) {
				if (k)
					fputs("; ", fp);
				mds(fp, c->members[k].id);
				fputs(" ", fp);
				mds(fp, c->members[k].logged_date);
				fputs(" ", fp);
				mds(fp, c->members[k].status);
			}
			if (c->restricted)
				fprintf(fp, "%s%lu restricted record%s",
					c->nmembers ? "; " : "", c->restricted,
					c->restricted == 1 ? "" : "s");
			fprintf(fp, " | %lu | %lu | %ld | %s |\n", c->subjects,
				c->gaps, c->span_days,
				c->cross_referenced ? "yes" : "no");
		}
	}
	fputs("\nIsolated entries: ", fp);
	cell(fp, r, &r->isolated_records);
	fputs(" records in ", fp);
	cell(fp, r, &r->isolated_pairs);
	fputs(" pairs", fp);
	for (size_t i = 0; i < r->nisolated; i++) {
		fputs(i ? ", " : ": ", fp);
		mds(fp, r->isolated[i]);
	}
	if (r->isolated_withheld)
		fprintf(fp, " (%lu restricted not listed)",
			r->isolated_withheld);
	fputs(".\n\n", fp);
}

static void funnel(FILE *fp, const struct gs_report *r)
{
	static const char *const label[GS_NSTAGES] = {
		"Records read", "Rejected", "Assessed", "Not flagged",
		"Suppressed by context", "Below threshold", "Flagged",
		"Actioned in time", "Actioned late", "Open (within SLA)",
		"Indeterminate", "Gap (no action)"};

	fputs("## How the measure is counted\n\n| Stage | Records |\n"
	      "|---|--:|\n",
	      fp);
	for (int s = 0; s < GS_NSTAGES; s++) {
		fputs("| ", fp);
		for (int d = 0; d < gs_report_stage_depth(s); d++)
			fputs("&emsp;", fp);
		fprintf(fp, "%s | ", label[s]);
		cell(fp, r, &r->funnel[s]);
		fputs(" |\n", fp);
	}
	fputs("\n", fp);
}

static void table(FILE *fp, const struct gs_report *r,
		  const struct gs_report_table *t, const char *title,
		  const char *what, int first_col)
{
	static const char *const heads[GS_NCOLS] = {
		"Records", "Flagged", "Actioned", "Late", "Open", "Gap",
		"Indet."};

	fprintf(fp, "## %s\n\n| %s |", title, what);
	for (int c = first_col; c < GS_NCOLS; c++)
		fprintf(fp, " %s |", heads[c]);
	fputs(" Median days |\n|---|", fp);
	for (int c = first_col; c <= GS_NCOLS; c++)
		fputs("--:|", fp);
	fputs("\n", fp);
	for (size_t i = 0; i <= t->n; i++) {
		const struct gs_report_row *row = i < t->n ? &t->rows[i]
							   : &t->total;

		fputs(i == t->n ? "| **" : "| ", fp);
		mds(fp, row->label);
		fputs(i == t->n ? "** |" : " |", fp);
		for (int c = first_col; c < GS_NCOLS; c++) {
			fputs(" ", fp);
			cell(fp, r, &row->c[c]);
			fputs(" |", fp);
		}
		fputs(" ", fp);
		median(fp, row->median_days);
		fputs(" |\n", fp);
	}
	fputs("\n", fp);
}

static void ageing(FILE *fp, const struct gs_report *r)
{
	fputs("## Ageing of gaps\n\n| Days since logged | Gaps |\n"
	      "|---|--:|\n",
	      fp);
	for (int b = 0; b <= GS_NAGES; b++) {
		fprintf(fp, "| %s | ", b == GS_NAGES ? "**All gaps**"
						     : gs_report_age_label(b));
		cell(fp, r, &r->ageing[b]);
		fputs(" |\n", fp);
	}
	fputs("\n", fp);
}

static void language(FILE *fp, const struct gs_report *r)
{
	fprintf(fp, "## Victim-blaming language by %s\n\n",
		r->public ? "district" : "unit");
	if (r->nlang == 0) {
		fputs("None found in this run.\n\n", fp);
		return;
	}
	fprintf(fp, "| %s | Records | Findings |\n|---|--:|--:|\n",
		r->public ? "District" : "Unit");
	for (size_t i = 0; i <= r->nlang; i++) {
		const struct gs_report_lang_row *l =
			i < r->nlang ? &r->lang[i] : &r->lang_total;

		fputs("| ", fp);
		mds(fp, l->label);
		fputs(" | ", fp);
		cell(fp, r, &l->c[GS_LANG_RECORDS]);
		fputs(" | ", fp);
		cell(fp, r, &l->c[GS_LANG_FINDINGS]);
		fputs(" |\n", fp);
	}
	fputs("\n", fp);
}

static void exceptions(FILE *fp, const struct gs_report *r)
{
	fputs("## Exception list\n\n", fp);
	if (r->public) {
		fputs("Not included: the published version holds no "
		      "record-level information.\n\n",
		      fp);
		return;
	}
	fprintf(fp, "%zu records with status gap or late, gaps first.", r->nexceptions);
	if (r->withheld)
		fprintf(fp, " %lu more with a restricted handling code are "
			    "counted but not listed.",
			r->withheld);
	fputs("\n\n", fp);
	if (r->nexceptions == 0)
		return;
	fputs("| Record | Logged | District | Unit | Status | Days | "
	      "Categories | Excerpt |\n|---|---|---|---|---|--:|---|---|\n",
	      fp);
	for (size_t i = 0; i < r->nexceptions; i++) {
		const struct gs_report_exception *e = &r->exceptions[i];

		fputs("| ", fp);
		mds(fp, e->id);
		fputs(" | ", fp);
		mds(fp, e->logged_date);
		fputs(" | ", fp);
		mds(fp, e->district);
		fputs(" | ", fp);
		mds(fp, e->unit);
		fprintf(fp, " | %s | %ld | ", e->status, e->days);
		mds(fp, e->categories);
		fputs(" | ", fp);
		md(fp, e->excerpt, e->mark_start);
		if (e->mark_end > e->mark_start) {
			fputs("**", fp);
			md(fp, e->excerpt + e->mark_start,
			   e->mark_end - e->mark_start);
			fputs("**", fp);
		}
		mds(fp, e->excerpt + e->mark_end);
		fputs(" |\n", fp);
	}
	fputs("\n", fp);
}

static int write_md(const struct gs_report *r,
		    const struct gs_report_opts *o, FILE *fp,
		    struct gs_error *err)
{
	const struct gs_store_run_row *run = r->run;

	(void)o;
	(void)err;
	fputs("**", fp);
	mds(fp, r->marking);
	fputs("**\n\n# Intelligence logged but not acted upon\n\n", fp);
	fprintf(fp, "Exception report%s: run %lld, as of %s, SLA %d days, "
		    "intelligence export ",
		r->public ? " (published version)" : "", run->id, run->as_of,
		run->sla_days);
	mds(fp, run->intel_name ? run->intel_name : "");
	fputs(" (SHA-256 ", fp);
	mds(fp, run->intel_sha256 ? run->intel_sha256 : "");
	fputs("), rule pack ", fp);
	mds(fp, run->rules_hash ? run->rules_hash : "");
	fputs(".\n\n", fp);
	if (r->public)
		fprintf(fp, "&lt;%ld marks a hidden cell: a count from 1 to "
			    "%ld, or a larger one hidden too so that no hidden "
			    "count can be worked out from the totals.\n\n",
			r->min_cell, r->min_cell - 1);
	headline(fp, r);
	chains(fp, r);
	funnel(fp, r);
	table(fp, r, &r->months, "By month logged", "Month", 0);
	table(fp, r, &r->districts, "By district", "District", 0);
	table(fp, r, &r->categories, "By indicator category", "Category",
	      GS_COL_FLAGGED);
	ageing(fp, r);
	language(fp, r);
	exceptions(fp, r);
	fputs("**", fp);
	mds(fp, r->marking);
	fputs("**\n", fp);
	return 0;
}

const struct gs_report_writer gs_report_md = {"md", write_md};
