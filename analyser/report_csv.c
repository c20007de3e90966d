/*
 * report_csv.c - the report as CSV for Excel and Power BI: UTF-8 with a
 * byte order mark (unless --no-bom), CRLF line ends, RFC 4180 quoting, and
 * text cells that a spreadsheet would read as a formula neutralised.
 *
 * Internal report: the exception list, one row per record. Public report:
 * no record-level rows, so every table of the report in long form
 * (table,row,column,value) with hidden counts as "<N".
 */
#include <string.h>

#include "gs_report.h"

static void num(FILE *fp, long v)
{
	fprintf(fp, "%ld", v);
}

static void exception_rows(const struct gs_report *r, FILE *fp)
{
	fputs("intel_id,logged_date,district,unit,status,days,sla,"
	      "categories,rules,first_action_date,excerpt,hit\r\n",
	      fp);
	for (size_t i = 0; i < r->nexceptions; i++) {
		const struct gs_report_exception *e = &r->exceptions[i];
		char hit[512];
		size_t hn = e->mark_end - e->mark_start;

		if (hn >= sizeof hit)
			hn = sizeof hit - 1;
		memcpy(hit, e->excerpt + e->mark_start, hn);
		hit[hn] = '\0';
		gs_report_csv_text(fp, e->id);
		fputc(',', fp);
		gs_report_csv_text(fp, e->logged_date);
		fputc(',', fp);
		gs_report_csv_text(fp, e->district);
		fputc(',', fp);
		gs_report_csv_text(fp, e->unit);
		fputc(',', fp);
		gs_report_csv_text(fp, e->status);
		fputc(',', fp);
		num(fp, e->days);
		fputc(',', fp);
		num(fp, e->sla);
		fputc(',', fp);
		gs_report_csv_text(fp, e->categories);
		fputc(',', fp);
		gs_report_csv_text(fp, e->rules);
		fputc(',', fp);
		gs_report_csv_text(fp, e->first_action_date);
		fputc(',', fp);
		gs_report_csv_text(fp, e->excerpt);
		fputc(',', fp);
		gs_report_csv_text(fp, hit);
		fputs("\r\n", fp);
	}
}

static void long_cell(const struct gs_report *r, FILE *fp,
		      const char *table, const char *row, const char *col,
		      const struct gs_cell *c)
{
	char buf[32];

	gs_report_csv_text(fp, table);
	fputc(',', fp);
	gs_report_csv_text(fp, row);
	fputc(',', fp);
	gs_report_csv_text(fp, col);
	fputc(',', fp);
	if (c->sup || c->v < 0)
		gs_report_csv_text(fp, gs_report_cell_text(r, c, buf, sizeof buf));
	else
		num(fp, c->v);
	fputs("\r\n", fp);
}

/* A median in days (one decimal), or n/a: none, or hidden because a count
 * it rests on is. */
static void long_median(FILE *fp, const char *table, const char *row,
			const char *col, double d)
{
	gs_report_csv_text(fp, table);
	fputc(',', fp);
	gs_report_csv_text(fp, row);
	fputc(',', fp);
	gs_report_csv_text(fp, col);
	if (d < 0)
		fputs(",n/a\r\n", fp);
	else
		fprintf(fp, ",%.1f\r\n", d);
}

static void long_table(const struct gs_report *r, FILE *fp,
		       const char *name, const struct gs_report_table *t,
		       int first_col)
{
	for (size_t i = 0; i <= t->n; i++) {
		const struct gs_report_row *row = i < t->n ? &t->rows[i]
							   : &t->total;

		for (int c = first_col; c < GS_NCOLS; c++)
			long_cell(r, fp, name, row->label,
				  gs_report_col_name(c), &row->c[c]);
		long_median(fp, name, row->label, "median_days",
			    row->median_days);
	}
}

/* Repeat intelligence where the other formats show it, after the
 * headline: chains by entity type (the chains themselves never), then the
 * isolated entries. */
static void long_chains(const struct gs_report *r, FILE *fp)
{
	static const char *const cols[GS_NCHAIN] = {"chains", "records",
						    "gaps"};

	for (size_t i = 0; i <= r->nchain_kinds; i++) {
		const struct gs_report_chain_kind *k =
			i < r->nchain_kinds ? &r->chain_kinds[i]
					    : &r->chain_total;

		for (int c = 0; c < GS_NCHAIN; c++)
			long_cell(r, fp, "chain",
				  gs_report_entity_label(k->entity_type),
				  cols[c], &k->c[c]);
	}
	long_cell(r, fp, "isolated", "All", "records", &r->isolated_records);
	long_cell(r, fp, "isolated", "All", "pairs", &r->isolated_pairs);
}

static void long_rows(const struct gs_report *r, FILE *fp)
{
	static const char *const lang_cols[GS_NLANG] = {"records",
							"findings"};

	fputs("table,row,column,value\r\n", fp);
	for (int h = 0; h < GS_NHEAD; h++)
		long_cell(r, fp, "headline", "this run", gs_report_head_name(h),
			  &r->head[h]);
	long_median(fp, "headline", "this run", "median_days_to_first_action",
		    r->median_days);
	if (r->prev) {
		for (int h = 0; h < GS_NHEAD; h++)
			long_cell(r, fp, "headline", "previous run",
				  gs_report_head_name(h), &r->head_prev[h]);
		long_median(fp, "headline", "previous run",
			    "median_days_to_first_action", r->median_days_prev);
	}
	long_chains(r, fp);
	for (int s = 0; s < GS_NSTAGES; s++)
		long_cell(r, fp, "funnel", gs_report_stage_name(s), "records",
			  &r->funnel[s]);
	long_table(r, fp, "month", &r->months, 0);
	long_table(r, fp, "district", &r->districts, 0);
	long_table(r, fp, "category", &r->categories, GS_COL_FLAGGED);
	for (int b = 0; b <= GS_NAGES; b++)
		long_cell(r, fp, "ageing", gs_report_age_label(b), "gaps",
			  &r->ageing[b]);
	for (size_t i = 0; i <= r->nlang; i++) {
		const struct gs_report_lang_row *l =
			i < r->nlang ? &r->lang[i] : &r->lang_total;

		for (int c = 0; c < GS_NLANG; c++)
			long_cell(r, fp, "language", l->label, lang_cols[c],
				  &l->c[c]);
	}
}

static int write_csv(const struct gs_report *r,
		     const struct gs_report_opts *o, FILE *fp,
		     struct gs_error *err)
{
	(void)err;
	if (o->bom)
		fputs("\xEF\xBB\xBF", fp);
	if (r->public)
		long_rows(r, fp);
	else
		exception_rows(r, fp);
	return 0;
}

const struct gs_report_writer gs_report_csv = {"csv", write_csv};
