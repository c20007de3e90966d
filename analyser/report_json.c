/*
 * report_json.c - the report for machines: the same content as the HTML
 * with the run manifest. Keys are documented in docs/report.md. A count
 * is a number, "<N" when hidden by suppression, or null when unknown.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "gs_report.h"
#include "gs_util.h"

#define GS_REPORT_JSON_VERSION 1

/* A JSON string of s; invalid UTF-8 bytes become U+FFFD. */
static json_t *str(const char *s)
{
	struct gs_buf b;
	size_t n;
	size_t bad;
	json_t *j;

	if (!s)
		return json_null();
	n = strlen(s);
	if (gs_utf8_valid(s, n, &bad))
		return json_stringn(s, n);
	gs_buf_init(&b, 0);
	while (n > 0) {
		if (gs_utf8_valid(s, n, &bad)) {
			gs_buf_append(&b, s, n);
			break;
		}
		gs_buf_append(&b, s, bad);
		gs_buf_append(&b, "\xEF\xBF\xBD", 3);
		s += bad + 1;
		n -= bad + 1;
	}
	j = json_stringn(b.data ? b.data : "", b.len);
	gs_buf_release(&b);
	return j;
}

static json_t *count(const struct gs_report *r, const struct gs_cell *c)
{
	char buf[32];

	if (c->sup)
		return json_string(gs_report_cell_text(r, c, buf, sizeof buf));
	if (c->v < 0)
		return json_null();
	return json_integer(c->v);
}

static json_t *days(double d)
{
	return d < 0 ? json_null() : json_real(d);
}

static json_t *manifest(const struct gs_store_run_row *run)
{
	json_t *m = json_object();

	json_object_set_new(m, "run_id", json_integer(run->id));
	json_object_set_new(m, "tool_version", str(run->tool_version));
	json_object_set_new(m, "started_at", str(run->started_at));
	json_object_set_new(m, "finished_at", str(run->finished_at));
	json_object_set_new(m, "seconds", json_real(run->seconds));
	json_object_set_new(m, "as_of", str(run->as_of));
	json_object_set_new(m, "sla_days", json_integer(run->sla_days));
	json_object_set_new(m, "threshold", json_integer(run->threshold));
	json_object_set_new(m, "profile_name", str(run->profile_name));
	json_object_set_new(m, "profile_sha256", str(run->profile_sha256));
	json_object_set_new(m, "rules_version", str(run->rules_version));
	json_object_set_new(m, "rules_hash", str(run->rules_hash));
	json_object_set_new(m, "intel_name", str(run->intel_name));
	json_object_set_new(m, "intel_sha256", str(run->intel_sha256));
	json_object_set_new(m, "intel_bytes",
			    json_integer((json_int_t)run->intel_bytes));
	json_object_set_new(m, "actions_name", str(run->actions_name));
	json_object_set_new(m, "actions_sha256", str(run->actions_sha256));
	return m;
}

static json_t *headline(const struct gs_report *r)
{
	json_t *h = json_object();
	json_t *m = json_object();

	for (int i = 0; i < GS_NHEAD; i++) {
		const struct gs_cell *c = &r->head[i];
		const struct gs_cell *p = &r->head_prev[i];
		json_t *o = json_object();

		json_object_set_new(o, "value", count(r, c));
		json_object_set_new(o, "previous",
				    r->prev ? count(r, p) : json_null());
		json_object_set_new(o, "change",
				    r->prev && !c->sup && !p->sup
					    ? json_integer(c->v - p->v)
					    : json_null());
		json_object_set_new(h, gs_report_head_name(i), o);
	}
	json_object_set_new(m, "value", days(r->median_days));
	json_object_set_new(m, "previous",
			    r->prev ? days(r->median_days_prev) : json_null());
	json_object_set_new(h, "median_days_to_first_action", m);
	return h;
}

static json_t *row(const struct gs_report *r, const struct gs_report_row *w,
		   const char *key, int first_col)
{
	json_t *o = json_object();

	json_object_set_new(o, key, str(w->label));
	for (int c = first_col; c < GS_NCOLS; c++)
		json_object_set_new(o, gs_report_col_name(c),
				    count(r, &w->c[c]));
	json_object_set_new(o, "median_days", days(w->median_days));
	return o;
}

static json_t *table(const struct gs_report *r,
		     const struct gs_report_table *t, const char *key,
		     int first_col)
{
	json_t *o = json_object();
	json_t *a = json_array();

	for (size_t i = 0; i < t->n; i++)
		json_array_append_new(a, row(r, &t->rows[i], key, first_col));
	json_object_set_new(o, "rows", a);
	json_object_set_new(o, "total", row(r, &t->total, key, first_col));
	return o;
}

static json_t *split(const char *s, const char *sep)
{
	json_t *a = json_array();
	size_t seplen = strlen(sep);

	while (s && *s) {
		const char *end = strstr(s, sep);
		size_t n = end ? (size_t)(end - s) : strlen(s);
		char *part = xstrndup(s, n);

		json_array_append_new(a, str(part));
		free(part);
		s = end ? end + seplen : NULL;
	}
	return a;
}

static json_t *exceptions(const struct gs_report *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nexceptions; i++) {
		const struct gs_report_exception *e = &r->exceptions[i];
		json_t *o = json_object();
		char *hit = xstrndup(e->excerpt + e->mark_start,
				     e->mark_end - e->mark_start);

		json_object_set_new(o, "id", str(e->id));
		json_object_set_new(o, "logged_date", str(e->logged_date));
		json_object_set_new(o, "district", str(e->district));
		json_object_set_new(o, "unit", str(e->unit));
		json_object_set_new(o, "status", str(e->status));
		json_object_set_new(o, "days", json_integer(e->days));
		json_object_set_new(o, "sla_days", json_integer(e->sla));
		json_object_set_new(o, "categories", split(e->categories, "; "));
		json_object_set_new(o, "rules", split(e->rules, ";"));
		json_object_set_new(o, "first_action_date",
				    *e->first_action_date
					    ? str(e->first_action_date)
					    : json_null());
		json_object_set_new(o, "excerpt", str(e->excerpt));
		json_object_set_new(o, "mark_start",
				    json_integer((json_int_t)e->mark_start));
		json_object_set_new(o, "mark_end",
				    json_integer((json_int_t)e->mark_end));
		json_object_set_new(o, "hit", str(hit));
		free(hit);
		json_array_append_new(a, o);
	}
	return a;
}

/* Repeat-intelligence chains, ranked; empty in a public report. */
static json_t *chains(const struct gs_report *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->nchains; i++) {
		const struct gs_report_chain *c = &r->chains[i];
		json_t *o = json_object();
		json_t *ms = json_array();

		for (size_t k = 0; k < c->nmembers; k++) {
			json_t *m = json_object();

			json_object_set_new(m, "id", str(c->members[k].id));
			json_object_set_new(m, "logged_date",
					    str(c->members[k].logged_date));
			json_object_set_new(m, "status",
					    str(c->members[k].status));
			json_array_append_new(ms, m);
		}
		json_object_set_new(o, "rank", json_integer((json_int_t)i + 1));
		json_object_set_new(o, "entity_type", str(c->entity_type));
		json_object_set_new(o, "entity", str(c->value));
		json_object_set_new(o, "members", ms);
		json_object_set_new(o, "restricted_members",
				    json_integer((json_int_t)c->restricted));
		json_object_set_new(o, "records",
				    json_integer((json_int_t)c->records));
		json_object_set_new(o, "subjects",
				    json_integer((json_int_t)c->subjects));
		json_object_set_new(o, "gaps", json_integer((json_int_t)c->gaps));
		json_object_set_new(o, "span_days",
				    json_integer((json_int_t)c->span_days));
		json_object_set_new(o, "cross_referenced",
				    json_boolean(c->cross_referenced));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *chain_kind(const struct gs_report *r,
			  const struct gs_report_chain_kind *k)
{
	json_t *o = json_object();

	json_object_set_new(o, "entity_type", str(k->entity_type));
	json_object_set_new(o, "chains", count(r, &k->c[GS_CHAIN_CHAINS]));
	json_object_set_new(o, "records", count(r, &k->c[GS_CHAIN_RECORDS]));
	json_object_set_new(o, "gaps", count(r, &k->c[GS_CHAIN_GAPS]));
	return o;
}

static json_t *chain_types(const struct gs_report *r)
{
	json_t *o = json_object();
	json_t *a = json_array();

	for (size_t i = 0; i < r->nchain_kinds; i++)
		json_array_append_new(a, chain_kind(r, &r->chain_kinds[i]));
	json_object_set_new(o, "rows", a);
	json_object_set_new(o, "total", chain_kind(r, &r->chain_total));
	return o;
}

static json_t *isolated(const struct gs_report *r)
{
	json_t *o = json_object();
	json_t *ids = json_array();

	for (size_t i = 0; i < r->nisolated; i++)
		json_array_append_new(ids, str(r->isolated[i]));
	json_object_set_new(o, "pairs", count(r, &r->isolated_pairs));
	json_object_set_new(o, "record_count", count(r, &r->isolated_records));
	json_object_set_new(o, "records", ids);
	json_object_set_new(o, "restricted",
			    r->public ? json_null()
				      : json_integer(
						(json_int_t)r->isolated_withheld));
	return o;
}

static json_t *language(const struct gs_report *r)
{
	json_t *o = json_object();
	json_t *a = json_array();

	for (size_t i = 0; i <= r->nlang; i++) {
		const struct gs_report_lang_row *l =
			i < r->nlang ? &r->lang[i] : &r->lang_total;
		json_t *x = json_object();

		if (i < r->nlang && !r->public)
			json_object_set_new(x, "unit", str(l->label));
		if (i < r->nlang)
			json_object_set_new(x, "district", str(l->district));
		json_object_set_new(x, "records",
				    count(r, &l->c[GS_LANG_RECORDS]));
		json_object_set_new(x, "findings",
				    count(r, &l->c[GS_LANG_FINDINGS]));
		if (i < r->nlang)
			json_array_append_new(a, x);
		else
			json_object_set_new(o, "total", x);
	}
	json_object_set_new(o, "rows", a);
	return o;
}

static int write_json(const struct gs_report *r,
		      const struct gs_report_opts *opts, FILE *fp,
		      struct gs_error *err)
{
	json_t *root = json_object();
	json_t *rep = json_object();
	json_t *f = json_array();
	json_t *age = json_object();
	json_t *ov = json_array();
	int rc = 0;

	(void)opts;
	json_object_set_new(rep, "format_version",
			    json_integer(GS_REPORT_JSON_VERSION));
	json_object_set_new(rep, "tool_version", str(r->tool_version));
	json_object_set_new(rep, "marking", str(r->marking));
	json_object_set_new(rep, "public", json_boolean(r->public));
	json_object_set_new(rep, "min_cell",
			    r->public ? json_integer(r->min_cell) : json_null());
	json_object_set_new(root, "report", rep);
	json_object_set_new(root, "manifest", manifest(r->run));
	if (r->prev) {
		json_t *p = json_object();

		json_object_set_new(p, "run_id", json_integer(r->prev->id));
		json_object_set_new(p, "as_of", str(r->prev->as_of));
		json_object_set_new(p, "caveat",
				    r->caveat[0] ? json_string(r->caveat)
						 : json_null());
		json_object_set_new(root, "previous_run", p);
	} else {
		json_object_set_new(root, "previous_run", json_null());
	}
	json_object_set_new(root, "headline", headline(r));
	json_object_set_new(root, "chains", chains(r));
	json_object_set_new(root, "chain_types", chain_types(r));
	json_object_set_new(root, "isolated", isolated(r));
	for (int s = 0; s < GS_NSTAGES; s++) {
		json_t *o = json_object();

		json_object_set_new(o, "stage", str(gs_report_stage_name(s)));
		json_object_set_new(o, "depth",
				    json_integer(gs_report_stage_depth(s)));
		json_object_set_new(o, "records", count(r, &r->funnel[s]));
		json_array_append_new(f, o);
	}
	json_object_set_new(root, "funnel", f);
	json_object_set_new(root, "months", table(r, &r->months, "month", 0));
	json_object_set_new(root, "districts",
			    table(r, &r->districts, "district", 0));
	json_object_set_new(root, "categories",
			    table(r, &r->categories, "category",
				  GS_COL_FLAGGED));
	for (int b = 0; b <= GS_NAGES; b++)
		json_object_set_new(age, gs_report_age_label(b),
				    count(r, &r->ageing[b]));
	json_object_set_new(root, "ageing", age);
	json_object_set_new(root, "language", language(r));
	if (r->public) {
		json_object_set_new(root, "exceptions", json_null());
		json_object_set_new(root, "exceptions_withheld", json_null());
	} else {
		json_object_set_new(root, "exceptions", exceptions(r));
		json_object_set_new(root, "exceptions_withheld",
				    json_integer((json_int_t)r->withheld));
	}
	for (size_t i = 0; i < r->noverrides; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "rule_id", str(r->overrides[i].rule_id));
		json_object_set_new(o, "what", str(r->overrides[i].what));
		json_object_set_new(o, "reason", str(r->overrides[i].reason));
		json_array_append_new(ov, o);
	}
	json_object_set_new(root, "overrides", ov);
	if (json_dumpf(root, fp, JSON_INDENT(2)) < 0)
		rc = gs_error_set(err, GS_ERR_IO, NULL, 0, 0,
				  "cannot write the JSON report");
	else
		fputc('\n', fp);
	json_decref(root);
	return rc;
}

const struct gs_report_writer gs_report_json = {"json", write_json};
