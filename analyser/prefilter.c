/*
 * prefilter.c - builds the vectorscan prefilter database of a rule pack.
 * See prefilter.h. Only this file and match.c include hs/hs.h.
 */
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs_util.h"
#include "prefilter.h"

static void prefilter_free(void *p)
{
	struct gs_prefilter *pf = p;

	if (pf == NULL)
		return;
	hs_free_database(pf->db);
	free(pf->always);
	free(pf->rule_base);
	free(pf);
}

/* One expression waiting to be compiled. */
struct pf_expr {
	const char *src;
	unsigned flags;
	unsigned id;
};

static void add_expr(struct pf_expr *v, size_t *n, const char *src,
		     int case_sensitive, size_t id)
{
	v[*n].src = src;
	v[*n].flags = HS_FLAG_PREFILTER | HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH;
	if (!case_sensitive)
		v[*n].flags |= HS_FLAG_CASELESS;
	v[*n].id = (unsigned)id;
	(*n)++;
}

/* Compiles v[0..n); a pattern vectorscan rejects is marked always-confirm
 * and dropped, and the rest is compiled again. */
static int compile_all(struct gs_prefilter *pf, struct pf_expr *v, size_t n,
		       struct gs_error *err)
{
	const char **exprs = xcalloc(n ? n : 1, sizeof(*exprs));
	unsigned *flags = xcalloc(n ? n : 1, sizeof(*flags));
	unsigned *ids = xcalloc(n ? n : 1, sizeof(*ids));
	hs_database_t *db = NULL;
	hs_compile_error_t *cerr = NULL;
	int rc = 0;

	while (n > 0) {
		hs_error_t hr;

		for (size_t i = 0; i < n; i++) {
			exprs[i] = v[i].src;
			flags[i] = v[i].flags;
			ids[i] = v[i].id;
		}
		hr = hs_compile_multi(exprs, flags, ids, (unsigned)n,
				      HS_MODE_BLOCK, NULL, &db, &cerr);
		if (hr == HS_SUCCESS)
			break;
		if (cerr == NULL || cerr->expression < 0 ||
		    (size_t)cerr->expression >= n) {
			rc = gs_error_set(err, GS_ERR_RULE, NULL, 0, 0,
					  "vectorscan prefilter: %s",
					  cerr ? cerr->message : "compile failed");
			goto out;
		}
		/* drop the rejected expression: PCRE2 always confirms it */
		pf->always[v[cerr->expression].id] = 1;
		pf->nalways++;
		memmove(&v[cerr->expression], &v[cerr->expression + 1],
			(n - (size_t)cerr->expression - 1) * sizeof(*v));
		n--;
		hs_free_compile_error(cerr);
		cerr = NULL;
	}
	pf->db = db;
out:
	hs_free_compile_error(cerr);
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

int gs_match_prepare(struct gs_rules *rules, struct gs_error *err)
{
	struct gs_prefilter *pf = NULL;
	struct pf_expr *v = NULL;
	size_t n = 0;
	size_t id = 0;
	int rc = 0;

	if (rules->prefilter != NULL)
		return 0;
	pf = xcalloc(1, sizeof(*pf));
	pf->rule_base = xcalloc(rules->nrules ? rules->nrules : 1,
				sizeof(*pf->rule_base));
	for (size_t r = 0; r < rules->nrules; r++) {
		const struct gs_rule *rule = &rules->rules[r];

		pf->rule_base[r] = id;
		id += rule->npatterns + rule->nall + rule->nexclude;
	}
	pf->cue_base = id;
	id += rules->ncues;
	pf->nids = id;
	pf->always = xcalloc(id ? id : 1, 1);
	v = xcalloc(id ? id : 1, sizeof(*v));

	for (size_t r = 0; r < rules->nrules; r++) {
		const struct gs_rule *rule = &rules->rules[r];
		size_t base = pf->rule_base[r];
		int cs = rule->case_sensitive;

		for (size_t j = 0; j < rule->npatterns; j++)
			add_expr(v, &n, rule->patterns[j].src, cs, base + j);
		base += rule->npatterns;
		for (size_t j = 0; j < rule->nall; j++)
			add_expr(v, &n, rule->all[j].src, cs, base + j);
		base += rule->nall;
		for (size_t j = 0; j < rule->nexclude; j++)
			add_expr(v, &n, rule->exclude[j].src, cs, base + j);
	}
	for (size_t c = 0; c < rules->ncues; c++)
		add_expr(v, &n, rules->cues[c].pat.src, 0, pf->cue_base + c);

	rc = compile_all(pf, v, n, err);
	if (rc != 0)
		goto out;
	rules->prefilter = pf;
	rules->prefilter_free = prefilter_free;
	pf = NULL;
out:
	prefilter_free(pf);
	free(v);
	return rc;
}
