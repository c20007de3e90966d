/*
 * report_html.c - the exception report as one self-contained HTML file:
 * inline CSS and inline SVG, no script, and nothing fetched (a Content
 * Security Policy of default-src 'none' says so to the browser as well).
 * Every string from the data goes through gs_report_html_text.
 */
#include <string.h>

#include "gs_report.h"

static void esc(FILE *fp, const char *s)
{
	gs_report_html_text(fp, s, strlen(s));
}

static void cell(FILE *fp, const struct gs_report *r, const struct gs_cell *c)
{
	char buf[32];

	if (c->sup)
		fprintf(fp,
			"<span class=\"sup\" title=\"hidden: fewer than %ld, "
			"or hidden so that such a count cannot be worked "
			"out\">&lt;%ld</span>",
			r->min_cell, r->min_cell);
	else
		fputs(gs_report_cell_text(r, c, buf, sizeof buf), fp);
}

static void median(FILE *fp, double d)
{
	if (d < 0)
		fputs("&ndash;", fp);
	else
		fprintf(fp, "%.1f", d);
}

static const char style1[] =
	"<style>\n"
	":root{--ink:#1b1f24;--muted:#505a66;--rule:#c9d0d8;--navy:#1f3a5f;"
	"--flag:#3c6e9f;--gap:#a4262c;--late:#9a6700;--ok:#2e6b30;"
	"--band:#f3f5f8}\n"
	"*{box-sizing:border-box}\n"
	"html{-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
	"html{background:#e4e8ed}\n"
	"body{margin:6mm auto;max-width:210mm;padding:6mm 14mm 8mm;"
	"background:#fff;box-shadow:0 1mm 4mm rgba(0,0,0,.18);color:var(--ink);"
	"font:10pt/1.45 \"Liberation Sans\",Arial,Helvetica,sans-serif}\n"
	".marking{text-align:center;font-weight:700;letter-spacing:.12em;"
	"font-size:9pt;padding:2mm 0;border-bottom:1.5pt solid var(--ink)}\n"
	".marking.bottom{border-bottom:0;border-top:1.5pt solid var(--ink);"
	"margin-top:8mm}\n"
	"header.title{padding:5mm 0 3mm;border-bottom:3pt solid var(--navy);"
	"margin-bottom:4mm}\n"
	"header.title .kicker{margin:0;color:var(--muted);font-size:9pt;"
	"text-transform:uppercase;letter-spacing:.08em}\n"
	"h1{font-size:19pt;line-height:1.2;margin:1mm 0 2mm;color:var(--navy)}\n"
	"h2{font-size:13pt;color:var(--navy);margin:7mm 0 2mm;padding-bottom:1mm;"
	"border-bottom:.75pt solid var(--rule);break-after:avoid}\n"
	"h3{font-size:10.5pt;margin:4mm 0 1mm;break-after:avoid}\n"
	"p{margin:1mm 0 2mm}\n"
	".meta{display:flex;flex-wrap:wrap;gap:1mm 6mm;margin:0;color:var(--muted)}\n"
	".meta b{color:var(--ink)}\n"
	".note{color:var(--muted);font-size:8.5pt}\n"
	".caveat{border-left:3pt solid var(--navy);padding:1mm 3mm;margin:2mm 0}\n"
	".public{border:1pt solid var(--navy);padding:2mm 3mm;margin:3mm 0;"
	"background:var(--band)}\n"
	".cards{display:grid;grid-template-columns:repeat(3,1fr);gap:3mm;"
	"margin:3mm 0}\n"
	".card{border:.75pt solid var(--rule);border-top:3pt solid var(--flag);"
	"padding:2.5mm 3mm;break-inside:avoid;background:#fff}\n"
	".card.exc{border-top-color:var(--gap)}\n"
	".card.late{border-top-color:var(--late)}\n"
	".card.good{border-top-color:var(--ok)}\n"
	".card h3{margin:0;font-size:9pt;font-weight:600;color:var(--muted);"
	"text-transform:uppercase;letter-spacing:.04em}\n"
	".card .value{font-size:22pt;font-weight:700;margin:.5mm 0;line-height:1.1}\n"
	".card .cmp{font-size:8.5pt;color:var(--muted);margin:0}\n"
	".up-bad,.down-bad{color:var(--gap);font-weight:600}\n"
	".up-good,.down-good{color:var(--ok);font-weight:600}\n";

/* split in two: C11 promises string literals of 4095 bytes only */
static const char style2[] =
	"table{border-collapse:collapse;width:100%;margin:2mm 0 3mm;"
	"font-size:8.8pt}\n"
	"tbody th,tfoot th{white-space:nowrap;font-weight:600}\n"
	"caption{text-align:left;font-weight:600;padding-bottom:1mm;"
	"caption-side:top}\n"
	"thead{display:table-header-group}\n"
	"tfoot{display:table-row-group}\n" /* the total once, not per page */
	/* short sections stay whole, heading with table */
	"#headline,#funnel,#districts,#categories,#ageing,#language,"
	"#provenance{break-inside:avoid}\n"
	"tr{break-inside:avoid}\n"
	"th,td{padding:1.1mm 1.6mm;border-bottom:.5pt solid var(--rule);"
	"vertical-align:top;text-align:left}\n"
	"thead th{border-bottom:1.2pt solid var(--ink);font-weight:600;"
	"background:var(--band)}\n"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;"
	"white-space:nowrap}\n"
	"tr.total th,tr.total td{font-weight:700;border-top:1.2pt solid var(--ink)}\n"
	"tbody tr:nth-child(even){background:#fafbfc}\n"
	".sup{font-style:italic}\n"
	".d1{padding-left:6mm}.d2{padding-left:11mm}.d3{padding-left:16mm}\n"
	".bar{display:inline-block;height:2.6mm;background:var(--flag);"
	"vertical-align:middle}\n"
	".bar.gap{background:repeating-linear-gradient(45deg,var(--gap) 0 1.2mm,"
	"#e8b4b6 1.2mm 2mm)}\n"
	".bar.late{background:var(--late)}\n"
	".status{font-weight:700;white-space:nowrap}\n"
	".status.gap::before{content:\"\\25A0  \"}\n"
	".status.late::before{content:\"\\25B2  \"}\n"
	".status.gap{color:var(--gap)}.status.late{color:var(--late)}\n"
	".status.actioned::before{content:\"\\25CF  \"}\n"
	".status.open::before{content:\"\\25CB  \"}\n"
	".status.other::before{content:\"?  \"}\n"
	".status.actioned{color:var(--ok)}\n"
	"ul.members,ul.isolated{margin:0;padding:0;list-style:none}\n"
	"ul.isolated li{display:inline-block;margin-right:4mm}\n"
	"li.restricted{color:var(--muted);font-style:italic}\n"
	".etype{font-weight:700}\n"
	"mark{background:#ffe08a;color:inherit;font-weight:700;"
	"text-decoration:underline;padding:0 .3mm}\n"
	".excerpt{font-size:8.5pt;min-width:52mm;max-width:75mm;"
	"overflow-wrap:anywhere}\n"
	"td.id{white-space:nowrap;font-family:\"Liberation Mono\",monospace;"
	"font-size:8.5pt}\n"
	"figure{margin:2mm 0;break-inside:avoid}\n"
	"figcaption{font-size:8.5pt;color:var(--muted)}\n"
	"svg text{font-family:\"Liberation Sans\",Arial,sans-serif}\n"
	"dl.prov{display:grid;grid-template-columns:48mm 1fr;gap:.8mm 4mm;"
	"font-size:9pt;margin:2mm 0}\n"
	"dl.prov dt{font-weight:600;color:var(--muted)}\n"
	"dl.prov dd{margin:0;overflow-wrap:anywhere}\n"
	"code{font-family:\"Liberation Mono\",monospace;font-size:8.5pt}\n"
	"footer{margin-top:6mm;font-size:8pt;color:var(--muted)}\n"
	"@media print{html{background:#fff}"
	"body{max-width:none;margin:0;padding:0;box-shadow:none}"
	".marking{display:none}" /* the page margin boxes repeat it */
	"section{break-inside:auto}.pb{break-before:page}}\n"
	"</style>\n";

/* s as a CSS string body: everything but letters, digits and spaces as a
 * \HHHHHH escape, so no marking can end the string or the style element. */
static void css_string(FILE *fp, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == ' ')
			fputc(*p, fp);
		else
			fprintf(fp, "\\%06X", *p < 0x80 ? (unsigned)*p : 0xFFFDu);
	}
}

/* A4 pages with the security marking at the top and bottom of every page
 * and the page number, in the page margin boxes. */
static void page_style(FILE *fp, const struct gs_report *r)
{
	fputs("<style>\n@page{size:A4;margin:20mm 15mm 20mm 15mm;"
	      "@top-center{content:\"",
	      fp);
	css_string(fp, r->marking);
	fputs("\";font:700 9pt Arial,sans-serif;letter-spacing:.12em}"
	      "@bottom-center{content:\"",
	      fp);
	css_string(fp, r->marking);
	fprintf(fp, "\";font:700 9pt Arial,sans-serif;letter-spacing:.12em}"
		    "@bottom-right{content:\"Page \" counter(page) \" of \" "
		    "counter(pages);font:8pt Arial,sans-serif;color:#505a66}"
		    "@bottom-left{content:\"Run %lld\";font:8pt Arial,"
		    "sans-serif;color:#505a66}}\n</style>\n",
		r->run->id);
}

/* ---- headline ---- */

struct head_info {
	enum gs_report_head h;
	const char *label;
	const char *cls;
	int up_is_bad;
};

static const struct head_info heads[] = {
	{GS_HEAD_FLAGGED, "Flagged", "", -1},
	{GS_HEAD_ACTIONED, "Actioned in time", "good", 0},
	{GS_HEAD_LATE, "Actioned late", "late", 1},
	{GS_HEAD_GAP, "Gap: no action", "exc", 1},
	{GS_HEAD_OPEN, "Open: within SLA", "", -1},
};

static void compare(FILE *fp, const struct gs_report *r, const char *what,
		    const struct gs_cell *cur, const struct gs_cell *prev,
		    int up_is_bad)
{
	long d;

	if (!r->prev) {
		fputs("<p class=\"cmp\">No previous run to compare.</p>", fp);
		return;
	}
	fputs("<p class=\"cmp\">Previous run: ", fp);
	cell(fp, r, prev);
	if (cur->sup || prev->sup || cur->v < 0 || prev->v < 0) {
		fputs("</p>", fp);
		return;
	}
	d = cur->v - prev->v;
	if (d == 0) {
		fputs(" &middot; no change</p>", fp);
		return;
	}
	fprintf(fp, " &middot; <span class=\"%s-%s\">%s %s %ld</span>%s</p>",
		d > 0 ? "up" : "down",
		up_is_bad < 0 ? "n" : (d > 0) == up_is_bad ? "bad" : "good",
		d > 0 ? "&#9650;" : "&#9660;", d > 0 ? "up" : "down",
		d > 0 ? d : -d, what);
}

static void headline(FILE *fp, const struct gs_report *r)
{
	fputs("<section id=\"headline\" aria-labelledby=\"h-headline\">\n"
	      "<h2 id=\"h-headline\">1. Headline figures</h2>\n",
	      fp);
	fputs("<div class=\"cards\">\n", fp);
	for (size_t i = 0; i < sizeof(heads) / sizeof(*heads); i++) {
		const struct head_info *h = &heads[i];

		fprintf(fp, "<div class=\"card %s\"><h3>%s</h3>", h->cls,
			h->label);
		fprintf(fp, "<p class=\"value\" id=\"head-%s\" data-value=\"",
			gs_report_head_name(h->h));
		if (r->head[h->h].sup)
			fprintf(fp, "&lt;%ld", r->min_cell);
		else
			fprintf(fp, "%ld", r->head[h->h].v);
		fputs("\">", fp);
		cell(fp, r, &r->head[h->h]);
		fputs("</p>", fp);
		compare(fp, r, "", &r->head[h->h], &r->head_prev[h->h],
			h->up_is_bad);
		fputs("</div>\n", fp);
	}
	fputs("<div class=\"card\"><h3>Median days to first action</h3>"
	      "<p class=\"value\" id=\"head-median\">",
	      fp);
	median(fp, r->median_days);
	fputs("</p><p class=\"cmp\">", fp);
	if (!r->prev) {
		fputs("No previous run to compare.", fp);
	} else {
		fputs("Previous run: ", fp);
		median(fp, r->median_days_prev);
	}
	fputs("</p></div>\n</div>\n", fp);
	fputs("<p class=\"note\">Flagged records carry indicators of child "
	      "sexual exploitation. <b>Gap</b> and <b>late</b> are the "
	      "exceptions: no qualifying action within the service level, "
	      "or none at all.",
	      fp);
	if (r->head[GS_HEAD_INDETERMINATE].v > 0 ||
	    r->head[GS_HEAD_INDETERMINATE].sup) {
		fputs(" Indeterminate (a rule hit a resource limit, so the "
		      "answer is unknown): ",
		      fp);
		cell(fp, r, &r->head[GS_HEAD_INDETERMINATE]);
		fputs(".", fp);
	}
	if (r->prev)
		fprintf(fp, " Compared with run %lld (as of %s).", r->prev->id,
			r->prev->as_of);
	fputs("</p>\n", fp);
	if (r->caveat[0]) {
		fputs("<p class=\"caveat\" id=\"head-caveat\"><b>Read the "
		      "changes with care.</b> ",
		      fp);
		gs_report_html_text(fp, r->caveat, strlen(r->caveat));
		fputs("</p>\n", fp);
	}
	fputs("</section>\n", fp);
}

/* ---- repeat intelligence, right after the headline ---- */

static const char *status_word(const char *status)
{
	static const char *const words[][2] = {
		{"gap", "Gap"},           {"late", "Late"},
		{"actioned", "Actioned"}, {"open", "Open"},
		{"indeterminate", "Indeterminate"},
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (strcmp(status, words[i][0]) == 0)
			return words[i][1];
	return "Unknown";
}

/* The CSS class that gives a status its shape ("other": unknown). */
static const char *status_class(const char *status)
{
	return strcmp(status_word(status), "Unknown") == 0 ||
			       strcmp(status, "indeterminate") == 0
		       ? "other"
		       : status;
}

static void chain_kinds(FILE *fp, const struct gs_report *r)
{
	fputs("<table id=\"chain-kinds\"><caption>Chains by entity type"
	      "</caption><thead><tr><th scope=\"col\">Entity</th>"
	      "<th scope=\"col\" class=\"n\">Chains</th>"
	      "<th scope=\"col\" class=\"n\">Records in chains</th>"
	      "<th scope=\"col\" class=\"n\">Of which gaps</th></tr></thead>"
	      "<tbody>\n",
	      fp);
	for (size_t i = 0; i <= r->nchain_kinds; i++) {
		const struct gs_report_chain_kind *k =
			i < r->nchain_kinds ? &r->chain_kinds[i]
					    : &r->chain_total;

		fprintf(fp, "<tr%s><th scope=\"row\">",
			i < r->nchain_kinds ? "" : " class=\"total\"");
		esc(fp, gs_report_entity_label(k->entity_type));
		fputs("</th>", fp);
		for (int c = 0; c < GS_NCHAIN; c++) {
			fputs("<td class=\"n\">", fp);
			cell(fp, r, &k->c[c]);
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</tbody></table>\n", fp);
}

static void chain_rows(FILE *fp, const struct gs_report *r)
{
	fputs("<table id=\"chain-table\"><caption>Chains, most distinct "
	      "subjects first, then most gaps</caption><thead><tr>"
	      "<th scope=\"col\" class=\"n\">#</th>"
	      "<th scope=\"col\">Entity</th><th scope=\"col\">Records "
	      "(date, status)</th><th scope=\"col\" class=\"n\">Subjects</th>"
	      "<th scope=\"col\" class=\"n\">Gaps</th>"
	      "<th scope=\"col\" class=\"n\">Span (days)</th>"
	      "<th scope=\"col\">Cross-referenced</th></tr></thead><tbody>\n",
	      fp);
	for (size_t i = 0; i < r->nchains; i++) {
		const struct gs_report_chain *c = &r->chains[i];

		fprintf(fp, "<tr id=\"chain-%zu\"><td class=\"n\">%zu</td>"
			    "<td><span class=\"etype\">",
			i + 1, i + 1);
		esc(fp, gs_report_entity_label(c->entity_type));
		fputs("</span> <span class=\"id\">", fp);
		esc(fp, c->value);
		fputs("</span></td><td><ul class=\"members\">", fp);
		for (size_t k = 0; k < c->nmembers; k++) {
			const struct gs_report_chain_member *m = &c->members[k];

			fputs("<li><span class=\"id\">", fp);
			esc(fp, m->id);
			fputs("</span> ", fp);
			esc(fp, m->logged_date);
			fprintf(fp, " <span class=\"status %s\">%s</span></li>",
				status_class(m->status),
				status_word(m->status));
		}
		if (c->restricted)
			fprintf(fp, "<li class=\"restricted\">%lu restricted "
				    "record%s</li>",
				c->restricted, c->restricted == 1 ? "" : "s");
		fprintf(fp,
			"</ul></td><td class=\"n\">%lu</td><td class=\"n\">%lu"
			"</td><td class=\"n\">%ld</td><td>cross-referenced: "
			"%s</td></tr>\n",
			c->subjects, c->gaps, c->span_days,
			c->cross_referenced ? "yes" : "no");
	}
	fputs("</tbody></table>\n", fp);
}

static void chains(FILE *fp, const struct gs_report *r)
{
	fputs("<section id=\"chains\" aria-labelledby=\"h-chains\">\n"
	      "<h2 id=\"h-chains\">Repeat intelligence</h2>\n"
	      "<p>The same child, vehicle, phone or place cited again and "
	      "again by flagged records within a short window, at least one "
	      "of them a gap: each chain is one entity and the records that "
	      "cite it. <b>Cross-referenced: no</b> means no record or "
	      "action in the chain mentions another, so the pattern may not "
	      "have been seen.</p>\n",
	      fp);
	if (r->chain_total.c[GS_CHAIN_CHAINS].v == 0 &&
	    !r->chain_total.c[GS_CHAIN_CHAINS].sup)
		fputs("<p id=\"chains-none\">No chains in this run.</p>\n", fp);
	else if (r->public)
		chain_kinds(fp, r);
	else
		chain_rows(fp, r);
	fputs("<p id=\"isolated\">Isolated entries: ", fp);
	cell(fp, r, &r->isolated_records);
	fputs(" records in ", fp);
	cell(fp, r, &r->isolated_pairs);
	fputs(" pairs &ndash; flagged records sharing an entity within the "
	      "window where neither cites the other.",
	      fp);
	if (r->isolated_withheld)
		fprintf(fp, " %lu restricted record%s not listed.",
			r->isolated_withheld,
			r->isolated_withheld == 1 ? " is" : "s are");
	fputs("</p>\n", fp);
	if (r->nisolated) {
		fputs("<ul class=\"isolated\">", fp);
		for (size_t i = 0; i < r->nisolated; i++) {
			fputs("<li class=\"id\">", fp);
			esc(fp, r->isolated[i]);
			fputs("</li>", fp);
		}
		fputs("</ul>\n", fp);
	}
	fputs("</section>\n", fp);
}

/* ---- funnel ---- */

static const char *const stage_label[GS_NSTAGES] = {
	"Records read",
	"Rejected",
	"Assessed",
	"Not flagged",
	"Suppressed by context",
	"Below threshold",
	"Flagged",
	"Actioned in time",
	"Actioned late",
	"Open (within SLA)",
	"Indeterminate",
	"Gap (no action)",
};

static const char *const stage_why[GS_NSTAGES] = {
	"every row in the intelligence export",
	"row failed validation (missing id or date, bad encoding); listed "
	"with file and line in the rejects",
	"valid rows, each checked against the rule pack",
	"",
	"every indicator found was negated, hypothetical or historical "
	"(e.g. &ldquo;no CSE concerns&rdquo;)",
	"no indicator, or indicator weights below the flag threshold",
	"indicator weights reached the threshold",
	"qualifying action within the SLA: leaves the count",
	"qualifying action after the SLA",
	"no action yet, SLA not yet elapsed: not yet counted",
	"a rule hit a resource limit; status unknown",
	"no qualifying action and the SLA has elapsed",
};

static void funnel(FILE *fp, const struct gs_report *r)
{
	long read = r->funnel[GS_STAGE_READ].v;

	fputs("<section id=\"funnel\" aria-labelledby=\"h-funnel\">\n"
	      "<h2 id=\"h-funnel\">2. How the measure is counted</h2>\n"
	      "<p>Every record read ends in exactly one of the indented "
	      "outcomes below, so each record that left the count can be "
	      "accounted for.</p>\n"
	      "<table><thead><tr><th scope=\"col\">Stage</th>"
	      "<th scope=\"col\" class=\"n\">Records</th>"
	      "<th scope=\"col\" class=\"n\">Share of read</th>"
	      "<th scope=\"col\">Why it leaves or stays</th></tr></thead>"
	      "<tbody>\n",
	      fp);
	for (int s = 0; s < GS_NSTAGES; s++) {
		const struct gs_cell *c = &r->funnel[s];
		int exc = s == GS_STAGE_GAP || s == GS_STAGE_LATE;

		fprintf(fp, "<tr id=\"funnel-%s\"><th scope=\"row\" class=\"d%d\">",
			gs_report_stage_name(s), gs_report_stage_depth(s));
		fputs(stage_label[s], fp);
		fputs("</th><td class=\"n\">", fp);
		cell(fp, r, c);
		fputs("</td><td class=\"n\">", fp);
		if (!c->sup && read > 0) {
			double pct = 100.0 * (double)c->v / (double)read;

			fprintf(fp,
				"%.1f%% <span class=\"bar%s\" style=\"width:%.1fmm\">"
				"</span>",
				pct, s == GS_STAGE_GAP ? " gap"
				     : s == GS_STAGE_LATE ? " late" : "",
				pct * 0.25);
		} else {
			fputs("&ndash;", fp);
		}
		fprintf(fp, "</td><td>%s%s</td></tr>\n",
			exc ? "<b>Exception.</b> " : "", stage_why[s]);
	}
	fputs("</tbody></table>\n</section>\n", fp);
}

/* ---- trend chart ---- */

/* A round tick step (1, 2 or 5 times a power of ten) that reaches v in
 * at most five intervals. */
static long nice_step(long v)
{
	static const long m[3] = {1, 2, 5};

	for (long base = 1;; base *= 10)
		for (int i = 0; i < 3; i++)
			if (base * m[i] * 5 >= v)
				return base * m[i];
}

static void trend_svg(FILE *fp, const struct gs_report *r)
{
	const struct gs_report_table *t = &r->months;
	const double w = 700, h = 250, left = 48, right = 12, top = 30,
		     bottom = 40;
	double pw = w - left - right, ph = h - top - bottom;
	double slot, bw;
	long max = 0;
	long step, ticks;

	for (size_t i = 0; i < t->n; i++) {
		const struct gs_cell *f = &t->rows[i].c[GS_COL_FLAGGED];

		if (!f->sup && f->v > max)
			max = f->v;
	}
	step = nice_step(max);
	ticks = max > 0 ? (max + step - 1) / step : 1;
	max = ticks * step;
	slot = t->n ? pw / (double)t->n : pw;
	bw = slot * 0.36;
	if (bw > 22)
		bw = 22;
	fprintf(fp,
		"<figure><svg viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" role=\"img\" "
		"aria-labelledby=\"trend-title trend-desc\">\n"
		"<title id=\"trend-title\">Flagged records and gaps by month "
		"logged</title>\n"
		"<desc id=\"trend-desc\">Bar chart: for each month, a solid bar "
		"for records flagged and a hatched bar for gaps. The table "
		"below gives the same figures.</desc>\n"
		"<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" "
		"patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
		"<rect width=\"6\" height=\"6\" fill=\"#f2d3d4\"/>"
		"<rect width=\"3\" height=\"6\" fill=\"#a4262c\"/></pattern></defs>\n",
		w, h);
	/* legend: shape and words, not colour alone */
	fprintf(fp,
		"<rect x=\"%.0f\" y=\"8\" width=\"12\" height=\"12\" "
		"fill=\"#3c6e9f\"/><text x=\"%.0f\" y=\"18\" font-size=\"11\">"
		"Flagged (solid)</text>\n"
		"<rect x=\"%.0f\" y=\"8\" width=\"12\" height=\"12\" "
		"fill=\"url(#hatch)\" stroke=\"#a4262c\"/><text x=\"%.0f\" "
		"y=\"18\" font-size=\"11\">Gap (hatched)</text>\n",
		left, left + 16, left + 120, left + 136);
	/* y axis: a gridline with its label per step */
	for (long k = 0; k <= ticks; k++) {
		double y = top + ph - ph * (double)k / (double)ticks;

		fprintf(fp,
			"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"%s\" stroke-width=\"%s\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
			"text-anchor=\"end\" fill=\"#505a66\">%ld</text>\n",
			left, left + pw, y, y, k ? "#dde2e8" : "#1b1f24",
			k ? "0.6" : "1", left - 5, y + 3.5, step * k);
	}
	fprintf(fp,
		"<text x=\"12\" y=\"%.1f\" font-size=\"10\" fill=\"#505a66\" "
		"transform=\"rotate(-90 12 %.1f)\" text-anchor=\"middle\">"
		"records</text>\n",
		top + ph / 2, top + ph / 2);
	for (size_t i = 0; i < t->n; i++) {
		const struct gs_report_row *row = &t->rows[i];
		double x0 = left + slot * (double)i + (slot - 2 * bw) / 2;
		int every = t->n > 24 ? 3 : t->n > 12 ? 2 : 1;

		for (int k = 0; k < 2; k++) {
			const struct gs_cell *c =
				&row->c[k ? GS_COL_GAP : GS_COL_FLAGGED];
			double x = x0 + bw * k;
			double bh;

			if (c->sup) {
				fprintf(fp,
					"<text x=\"%.1f\" y=\"%.1f\" font-size=\"8\" "
					"text-anchor=\"middle\">&lt;%ld</text>\n",
					x + bw / 2, top + ph - 3, r->min_cell);
				continue;
			}
			bh = max ? ph * (double)c->v / (double)max : 0;
			fprintf(fp,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\" fill=\"%s\"%s><title>",
				x, top + ph - bh, bw, bh,
				k ? "url(#hatch)" : "#3c6e9f",
				k ? " stroke=\"#a4262c\" stroke-width=\"0.6\""
				  : "");
			esc(fp, row->label);
			fprintf(fp, ": %ld %s</title></rect>\n", c->v,
				k ? "gaps" : "flagged");
			if (bw >= 9 && c->v > 0)
				fprintf(fp,
					"<text x=\"%.1f\" y=\"%.1f\" font-size=\"%s\" "
					"text-anchor=\"middle\" fill=\"#1b1f24\">"
					"%ld</text>\n",
					x + bw / 2, top + ph - bh - 2,
					bw >= 14 ? "9" : "7", c->v);
		}
		if (i % (size_t)every == 0) {
			fprintf(fp,
				"<text x=\"%.1f\" y=\"%.1f\" font-size=\"9.5\" "
				"text-anchor=\"middle\" fill=\"#1b1f24\">",
				left + slot * (double)i + slot / 2,
				top + ph + 14);
			esc(fp, row->label);
			fputs("</text>\n", fp);
		}
	}
	fprintf(fp,
		"<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#505a66\" "
		"text-anchor=\"middle\">month logged</text>\n",
		left + pw / 2, h - 6);
	fputs("</svg><figcaption>Figure 1. Flagged records (solid bars) and "
	      "gaps (hatched bars) by month the intelligence was logged.",
	      fp);
	if (r->public)
		fprintf(fp, " Counts below %ld are not drawn.", r->min_cell);
	fputs("</figcaption></figure>\n", fp);
}

/* ---- tables ---- */

static void table(FILE *fp, const struct gs_report *r,
		  const struct gs_report_table *t, const char *id,
		  const char *what, const char *caption, int records)
{
	static const char *const heads_[GS_NCOLS] = {
		"Records", "Flagged", "In time", "Late", "Open", "Gap",
		"Indet."};

	/* a records column of "n/a" only says the run did not count them */
	records = records && t->total.c[GS_COL_RECORDS].v >= 0;
	fprintf(fp, "<table id=\"%s\"><caption>%s</caption><thead><tr>"
		    "<th scope=\"col\">%s</th>",
		id, caption, what);
	for (int c = records ? 0 : 1; c < GS_NCOLS; c++)
		fprintf(fp, "<th scope=\"col\" class=\"n\">%s</th>", heads_[c]);
	fputs("<th scope=\"col\" class=\"n\">Gap rate</th>"
	      "<th scope=\"col\" class=\"n\">Median days</th>"
	      "</tr></thead><tbody>\n",
	      fp);
	for (size_t i = 0; i <= t->n; i++) {
		const struct gs_report_row *row = i < t->n ? &t->rows[i]
							   : &t->total;
		const struct gs_cell *f = &row->c[GS_COL_FLAGGED];
		const struct gs_cell *g = &row->c[GS_COL_GAP];

		if (i == t->n)
			fputs("</tbody><tfoot><tr class=\"total\">", fp);
		else
			fputs("<tr>", fp);
		fputs("<th scope=\"row\">", fp);
		esc(fp, row->label);
		fputs("</th>", fp);
		for (int c = records ? 0 : 1; c < GS_NCOLS; c++) {
			fputs("<td class=\"n\">", fp);
			cell(fp, r, &row->c[c]);
			fputs("</td>", fp);
		}
		fputs("<td class=\"n\">", fp);
		if (!f->sup && !g->sup && f->v > 0)
			fprintf(fp, "%.0f%%", 100.0 * (double)g->v / (double)f->v);
		else
			fputs("&ndash;", fp);
		fputs("</td><td class=\"n\">", fp);
		median(fp, row->median_days);
		fputs("</td></tr>\n", fp);
	}
	fputs("</tfoot></table>\n<p class=\"note\">", fp);
	if (records)
		fputs("Records: records assessed. ", fp);
	fputs("In time: qualifying action within the SLA. Indet.: "
	      "indeterminate. Gap rate: gaps as a share of flagged. Median "
	      "days: from logging to the first qualifying action.</p>\n",
	      fp);
}

static void ageing(FILE *fp, const struct gs_report *r)
{
	long max = 0;

	for (int b = 0; b < GS_NAGES; b++)
		if (!r->ageing[b].sup && r->ageing[b].v > max)
			max = r->ageing[b].v;
	fputs("<section id=\"ageing\" aria-labelledby=\"h-ageing\">\n"
	      "<h2 id=\"h-ageing\">6. Ageing of gaps</h2>\n"
	      "<p>Gaps still without any qualifying action, by days since the "
	      "intelligence was logged, at the as-of date.</p>\n"
	      "<table id=\"ageing-table\"><thead><tr><th scope=\"col\">Days "
	      "since logged</th><th scope=\"col\" class=\"n\">Gaps</th>"
	      "<th scope=\"col\">&nbsp;</th></tr></thead><tbody>\n",
	      fp);
	for (int b = 0; b <= GS_NAGES; b++) {
		const struct gs_cell *c = &r->ageing[b];

		fprintf(fp, "<tr%s><th scope=\"row\">%s%s</th><td class=\"n\">",
			b == GS_NAGES ? " class=\"total\"" : "",
			b == GS_NAGES ? "All gaps" : gs_report_age_label(b),
			b == GS_NAGES ? "" : " days");
		cell(fp, r, c);
		fputs("</td><td>", fp);
		if (b < GS_NAGES && !c->sup && max > 0 && c->v > 0)
			fprintf(fp,
				"<span class=\"bar gap\" style=\"width:%.1fmm\">"
				"</span>",
				60.0 * (double)c->v / (double)max);
		fputs("</td></tr>\n", fp);
	}
	fputs("</tbody></table>\n</section>\n", fp);
}

static void language(FILE *fp, const struct gs_report *r)
{
	fputs("<section id=\"language\" aria-labelledby=\"h-language\">\n"
	      "<h2 id=\"h-language\">7. Victim-blaming language</h2>\n"
	      "<p>Records whose wording blames or sexualises the child "
	      "(&ldquo;child prostitute&rdquo;, &ldquo;lifestyle "
	      "choice&rdquo;, &ldquo;consenting&rdquo;), which inquiries "
	      "found in case records. This does not flag a record by "
	      "itself.</p>\n",
	      fp);
	if (r->nlang == 0) {
		fputs("<p>No victim-blaming language was found in this "
		      "run.</p>\n</section>\n",
		      fp);
		return;
	}
	fprintf(fp,
		"<table id=\"language-table\"><thead><tr><th scope=\"col\">%s"
		"</th>%s<th scope=\"col\" class=\"n\">Records</th>"
		"<th scope=\"col\" class=\"n\">Findings</th></tr></thead>"
		"<tbody>\n",
		r->public ? "District" : "Unit",
		r->public ? "" : "<th scope=\"col\">District</th>");
	for (size_t i = 0; i <= r->nlang; i++) {
		const struct gs_report_lang_row *l =
			i < r->nlang ? &r->lang[i] : &r->lang_total;

		fputs(i == r->nlang ? "</tbody><tfoot><tr class=\"total\">"
				    : "<tr>",
		      fp);
		fputs("<th scope=\"row\">", fp);
		esc(fp, l->label);
		fputs("</th>", fp);
		if (!r->public) {
			fputs("<td>", fp);
			esc(fp, l->district);
			fputs("</td>", fp);
		}
		for (int c = 0; c < GS_NLANG; c++) {
			fputs("<td class=\"n\">", fp);
			cell(fp, r, &l->c[c]);
			fputs("</td>", fp);
		}
		fputs("</tr>\n", fp);
	}
	fputs("</tfoot></table>\n</section>\n", fp);
}

static void excerpt(FILE *fp, const struct gs_report_exception *e)
{
	const char *x = e->excerpt;

	gs_report_html_text(fp, x, e->mark_start);
	if (e->mark_end > e->mark_start) {
		fputs("<mark>", fp);
		gs_report_html_text(fp, x + e->mark_start,
				    e->mark_end - e->mark_start);
		fputs("</mark>", fp);
	}
	esc(fp, x + e->mark_end);
}

static void exceptions(FILE *fp, const struct gs_report *r)
{
	fputs("<section id=\"exceptions\" class=\"pb\" "
	      "aria-labelledby=\"h-exceptions\">\n"
	      "<h2 id=\"h-exceptions\">8. Exception list</h2>\n",
	      fp);
	if (r->public) {
		fputs("<p>Not included: the published version of this report "
		      "holds no record-level information.</p>\n</section>\n",
		      fp);
		return;
	}
	fprintf(fp,
		"<p>%zu records flagged with indicators whose status is "
		"<b>gap</b> (no qualifying action, SLA elapsed) or <b>late</b>, "
		"gaps first (longest outstanding first), then late records "
		"(longest to their first action first). The marked words are "
		"the indicator "
		"that flagged the record.",
		r->nexceptions);
	if (r->withheld)
		fprintf(fp,
			" %lu further exception%s with a handling code that "
			"restricts sharing %s counted above but not listed.",
			r->withheld, r->withheld == 1 ? "" : "s",
			r->withheld == 1 ? "is" : "are");
	fputs("</p>\n", fp);
	if (r->nexceptions == 0) {
		fputs("<p>There are no exceptions in this run.</p>\n"
		      "</section>\n",
		      fp);
		return;
	}
	fputs("<table id=\"exception-table\"><thead><tr>"
	      "<th scope=\"col\">Record</th><th scope=\"col\">Logged</th>"
	      "<th scope=\"col\">District</th><th scope=\"col\">Unit</th>"
	      "<th scope=\"col\">Status</th><th scope=\"col\" class=\"n\">Days"
	      "</th><th scope=\"col\">Indicator categories</th>"
	      "<th scope=\"col\">Excerpt</th></tr></thead><tbody>\n",
	      fp);
	for (size_t i = 0; i < r->nexceptions; i++) {
		const struct gs_report_exception *e = &r->exceptions[i];

		fputs("<tr><td class=\"id\">", fp);
		esc(fp, e->id);
		fputs("</td><td class=\"n\">", fp);
		esc(fp, e->logged_date);
		fputs("</td><td>", fp);
		esc(fp, e->district);
		fputs("</td><td>", fp);
		esc(fp, e->unit);
		fprintf(fp, "</td><td><span class=\"status %s\">%s</span></td>"
			    "<td class=\"n\">%ld</td><td>",
			strcmp(e->status, "gap") == 0 ? "gap" : "late",
			strcmp(e->status, "gap") == 0 ? "Gap" : "Late",
			e->days);
		esc(fp, e->categories);
		fputs("</td><td class=\"excerpt\">", fp);
		excerpt(fp, e);
		fputs("</td></tr>\n", fp);
	}
	fputs("</tbody></table>\n</section>\n", fp);
}

static void dd(FILE *fp, const char *term, const char *value)
{
	fprintf(fp, "<dt>%s</dt><dd>", term);
	esc(fp, value && *value ? value : "not recorded");
	fputs("</dd>\n", fp);
}

static void dd_hash(FILE *fp, const char *term, const char *name,
		    const char *hash)
{
	fprintf(fp, "<dt>%s</dt><dd>", term);
	if (name && *name) {
		esc(fp, name);
		fputs("<br>", fp);
	}
	fputs("SHA-256 <code>", fp);
	esc(fp, hash && *hash ? hash : "not recorded");
	fputs("</code></dd>\n", fp);
}

static void provenance(FILE *fp, const struct gs_report *r)
{
	const struct gs_store_run_row *run = r->run;

	fputs("<section id=\"provenance\" aria-labelledby=\"h-provenance\">\n"
	      "<h2 id=\"h-provenance\">9. Provenance</h2>\n"
	      "<p>What this report was produced from, so that anyone can "
	      "reproduce it.</p>\n<dl class=\"prov\">\n",
	      fp);
	fprintf(fp, "<dt>Run</dt><dd id=\"prov-run\">%lld</dd>\n", run->id);
	dd(fp, "As-of date", run->as_of);
	fprintf(fp, "<dt>Service level (SLA)</dt><dd>%d days (shorter by "
		    "priority where the profile says so)</dd>\n",
		run->sla_days);
	fprintf(fp, "<dt>Flag threshold</dt><dd>%d</dd>\n", run->threshold);
	dd(fp, "Scan started (UTC)", run->started_at);
	dd_hash(fp, "Intelligence export", run->intel_name, run->intel_sha256);
	dd_hash(fp, "Actions export", run->actions_name, run->actions_sha256);
	dd_hash(fp, "Rule pack", run->rules_version, run->rules_hash);
	dd_hash(fp, "Profile", run->profile_name, run->profile_sha256);
	fputs("<dt>Rule overrides</dt><dd>", fp);
	if (r->noverrides == 0)
		fputs("none", fp);
	for (size_t i = 0; i < r->noverrides; i++) {
		const struct gs_report_override *o = &r->overrides[i];

		fputs(i ? "<br><code>" : "<code>", fp);
		esc(fp, o->rule_id);
		fputs("</code> ", fp);
		esc(fp, o->what);
		if (*o->reason) {
			fputs(": ", fp);
			esc(fp, o->reason);
		}
	}
	fputs("</dd>\n", fp);
	dd(fp, "Scanned by", run->tool_version);
	fputs("<dt>Report written by</dt><dd>gapscan ", fp);
	esc(fp, r->tool_version);
	fputs("</dd>\n", fp);
	if (r->prev)
		fprintf(fp, "<dt>Compared with</dt><dd>run %lld, as of %s</dd>\n",
			r->prev->id, r->prev->as_of);
	if (r->public)
		fprintf(fp, "<dt>Disclosure control</dt><dd>&lt;%ld marks a "
			    "hidden cell: a count from 1 to %ld, or a larger "
			    "one hidden so that those cannot be worked out "
			    "(secondary suppression); no record-level "
			    "rows</dd>\n",
			r->min_cell, r->min_cell - 1);
	fputs("</dl>\n</section>\n", fp);
}

static int write_html(const struct gs_report *r,
		      const struct gs_report_opts *o, FILE *fp,
		      struct gs_error *err)
{
	const struct gs_store_run_row *run = r->run;

	(void)o;
	(void)err;
	fputs("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\""
	      "default-src 'none'; style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\">\n<title>",
	      fp);
	esc(fp, r->marking);
	fprintf(fp, " &ndash; Unactioned intelligence: exception report, run "
		    "%lld as of %s</title>\n",
		run->id, run->as_of);
	fputs(style1, fp);
	fputs(style2, fp);
	page_style(fp, r);
	fputs("</head>\n<body>\n<div class=\"marking top\" role=\"note\" "
	      "id=\"marking-top\">",
	      fp);
	esc(fp, r->marking);
	fputs("</div>\n<header class=\"title\">\n<p class=\"kicker\">"
	      "Exception report to the Police and Crime Commissioner",
	      fp);
	if (r->public)
		fputs(" &middot; published version", fp);
	fputs("</p>\n<h1>Intelligence on child sexual exploitation logged "
	      "but not acted upon</h1>\n<p class=\"meta\">",
	      fp);
	fprintf(fp, "<span>As of <b>%s</b></span><span>Run <b>%lld</b></span>"
		    "<span>SLA <b>%d days</b></span>",
		run->as_of, run->id, run->sla_days);
	fputs("<span>Export <b>", fp);
	esc(fp, run->intel_name && *run->intel_name ? run->intel_name
						    : "not recorded");
	fputs("</b></span></p>\n</header>\n<main>\n", fp);
	if (r->public)
		fprintf(fp,
			"<p class=\"public\"><b>Published version.</b> No "
			"record-level information, no excerpts and no units "
			"below district. &lt;%ld marks a hidden cell: a count "
			"from 1 to %ld, or a larger one hidden too so that no "
			"hidden count can be worked out from the "
			"totals.</p>\n",
			r->min_cell, r->min_cell - 1);
	headline(fp, r);
	chains(fp, r);
	funnel(fp, r);
	fputs("<section id=\"trend\" aria-labelledby=\"h-trend\">\n"
	      "<h2 id=\"h-trend\">3. Monthly trend</h2>\n",
	      fp);
	if (r->months.n) {
		trend_svg(fp, r);
		table(fp, r, &r->months, "month-table", "Month",
		      "Table 1. By month logged (the figures in Figure 1)", 1);
	} else {
		fputs("<p>No flagged records, so there is no trend to "
		      "draw.</p>\n",
		      fp);
	}
	fputs("</section>\n<section id=\"districts\" "
	      "aria-labelledby=\"h-districts\">\n<h2 id=\"h-districts\">"
	      "4. By district</h2>\n",
	      fp);
	table(fp, r, &r->districts, "district-table", "District",
	      "Table 2. Flagged records and outcomes by district", 1);
	fputs("</section>\n<section id=\"categories\" "
	      "aria-labelledby=\"h-categories\">\n<h2 id=\"h-categories\">"
	      "5. By indicator category</h2>\n<p>A record with indicators "
	      "in several categories is counted in each, so the rows add up "
	      "to more than the total.</p>\n",
	      fp);
	table(fp, r, &r->categories, "category-table", "Category",
	      "Table 3. Flagged records by indicator category", 0);
	fputs("</section>\n", fp);
	ageing(fp, r);
	language(fp, r);
	exceptions(fp, r);
	provenance(fp, r);
	fputs("</main>\n<footer><p>Produced by gapscan ", fp);
	esc(fp, r->tool_version);
	fprintf(fp, " from run %lld. Every figure is drawn from the run "
		    "history database; the exception list is for review by "
		    "trained safeguarding staff.</p></footer>\n",
		run->id);
	fputs("<div class=\"marking bottom\" role=\"note\" "
	      "id=\"marking-bottom\">",
	      fp);
	esc(fp, r->marking);
	fputs("</div>\n</body>\n</html>\n", fp);
	return 0;
}

const struct gs_report_writer gs_report_html = {"html", write_html};
