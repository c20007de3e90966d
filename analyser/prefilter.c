/*
 * prefilter.c - builds the vectorscan prefilter database of a rule pack.
 * See prefilter.h. Only this file and match.c include hs/hs.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "factors.h"
#include "gs_util.h"
#include "prefilter.h"

static void prefilter_free(void *p)
{
	struct gs_prefilter *pf = p;

	if (pf == NULL)
		return;
	hs_free_database(pf->db);
	hs_free_database(pf->lit_db);
	free(pf->always);
	free(pf->factored);
	free(pf->need);
	free(pf->lit_first);
	free(pf->lit_ids);
	free(pf->canon);
	free(pf->rx_first);
	free(pf->rx_ids);
	free(pf->id_rule);
	free(pf->rule_always);
	free(pf->rule_base);
	free(pf);
}

/* One expression waiting to be compiled. */
struct pf_expr {
	const char *src;
	unsigned flags;
	unsigned id;
};

/* One factor literal and the factor set it belongs to. */
struct pf_lit {
	const char *s;
	size_t len;
	unsigned flags;
	unsigned id; /* (pattern id << GS_PREFILTER_SET_BITS) | set index */
};

_Static_assert(GS_FACTORS_MAX_SETS <= (1 << GS_PREFILTER_SET_BITS),
	       "set index fits its bits");
_Static_assert(GS_FACTORS_MAX_SETS <= 8, "need[] is a byte of bits");

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

static int cmp_expr(const void *a, const void *b)
{
	const struct pf_expr *x = a, *y = b;
	int c;

	if (x->flags != y->flags)
		return x->flags < y->flags ? -1 : 1;
	c = strcmp(x->src, y->src);
	if (c != 0)
		return c;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

/* Sorts v[0..n) and keeps one expression per distinct (flags, source):
 * pf->rx_first / rx_ids map the kept expression i (its id becomes i) to
 * the pattern ids it stands for. Returns the number kept. */
static size_t group_exprs(struct gs_prefilter *pf, struct pf_expr *v,
			  size_t n)
{
	size_t nx = 0;

	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_expr);
	pf->rx_first = xcalloc(n + 1, sizeof(*pf->rx_first));
	pf->rx_ids = xcalloc(n ? n : 1, sizeof(*pf->rx_ids));
	for (size_t i = 0; i < n; i++) {
		pf->rx_ids[i] = v[i].id;
		if (i > 0 && v[i].flags == v[nx - 1].flags &&
		    strcmp(v[i].src, v[nx - 1].src) == 0)
			continue;
		pf->rx_first[nx] = (unsigned)i;
		v[nx] = v[i];
		v[nx].id = (unsigned)nx;
		nx++;
	}
	pf->rx_first[nx] = (unsigned)n;
	pf->nrx_ids = n;
	return nx;
}

/* Compiles v[0..n) (ids: regex indexes); a pattern vectorscan rejects is
 * marked always-confirm and dropped, and the rest is compiled again. */
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
		for (unsigned k = pf->rx_first[v[cerr->expression].id];
		     k < pf->rx_first[v[cerr->expression].id + 1]; k++)
			pf->always[pf->rx_ids[k]] = 1;
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

static int cmp_lit(const void *a, const void *b)
{
	const struct pf_lit *x = a, *y = b;
	int c;

	if (x->flags != y->flags)
		return x->flags < y->flags ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	c = memcmp(x->s, y->s, x->len);
	if (c != 0)
		return c;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

/* Sorts v[0..n) and groups equal literals: pf->nlits unique literals,
 * literal i at v[first[i]], its pattern ids in pf->lit_ids. */
static void group_lits(struct gs_prefilter *pf, struct pf_lit *v, size_t n,
		       size_t **first)
{
	size_t nl = 0, nid = 0;

	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_lit);
	*first = xcalloc(n + 1, sizeof(**first));
	pf->lit_first = xcalloc(n + 1, sizeof(*pf->lit_first));
	pf->lit_ids = xcalloc(n ? n : 1, sizeof(*pf->lit_ids));
	for (size_t i = 0; i < n; i++) {
		int same = i > 0 && v[i].flags == v[i - 1].flags &&
			   v[i].len == v[i - 1].len &&
			   memcmp(v[i].s, v[i - 1].s, v[i].len) == 0;

		if (!same) {
			(*first)[nl] = i;
			pf->lit_first[nl] = (unsigned)nid;
			nl++;
		}
		if (same && v[i].id == v[i - 1].id)
			continue;
		pf->lit_ids[nid++] = v[i].id;
	}
	pf->lit_first[nl] = (unsigned)nid;
	pf->nlits = nl;
}

/* Compiles the unique literals (v[first[i]], i < pf->nlits) into
 * pf->lit_db. */
static int compile_lits(struct gs_prefilter *pf, const struct pf_lit *v,
			const size_t *first, struct gs_error *err)
{
	size_t n = pf->nlits;
	const char **exprs = xcalloc(n ? n : 1, sizeof(*exprs));
	size_t *lens = xcalloc(n ? n : 1, sizeof(*lens));
	unsigned *flags = xcalloc(n ? n : 1, sizeof(*flags));
	unsigned *ids = xcalloc(n ? n : 1, sizeof(*ids));
	hs_database_t *db = NULL;
	hs_compile_error_t *cerr = NULL;
	int rc = 0;

	if (n == 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		exprs[i] = v[first[i]].s;
		lens[i] = v[first[i]].len;
		flags[i] = v[first[i]].flags;
		ids[i] = (unsigned)i;
	}
	if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned)n,
				 HS_MODE_BLOCK, NULL, &db,
				 &cerr) != HS_SUCCESS) {
		rc = gs_error_set(err, GS_ERR_RULE, NULL, 0, 0,
				  "vectorscan literal prefilter: %s",
				  cerr ? cerr->message : "compile failed");
		goto out;
	}
	pf->lit_db = db;
out:
	hs_free_compile_error(cerr);
	free(exprs);
	free(lens);
	free(flags);
	free(ids);
	return rc;
}

/*
 * Compiling the databases can take a second or two, more than scanning a
 * whole month's export; the result depends only on the expressions and
 * literals, their flags and ids and the vectorscan version. So it is
 * cached, serialized, under $GAPSCAN_CACHE (else $XDG_CACHE_HOME/gapscan,
 * else ~/.cache/gapscan) in a file named by the SHA-256 of exactly those
 * inputs. A missing, unreadable or corrupt cache file is simply rebuilt;
 * GAPSCAN_CACHE=off disables it.
 */
#define CACHE_MAGIC "GSPF3\n"
#define CACHE_DB_MAX (1u << 30)

static int cache_dir(char *out, size_t n)
{
	const char *env = getenv("GAPSCAN_CACHE");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (env && strcmp(env, "off") == 0)
		return -1;
	if (env && *env)
		snprintf(out, n, "%s", env);
	else if (xdg && *xdg)
		snprintf(out, n, "%s/gapscan", xdg);
	else if (home && *home)
		snprintf(out, n, "%s/.cache/gapscan", home);
	else
		return -1;
	return 0;
}

static void cache_key(const struct pf_expr *v, size_t n,
		      const struct pf_lit *lits, const size_t *first,
		      const struct gs_prefilter *pf, char hex[65])
{
	struct gs_sha256 s;
	char num[64];

	gs_sha256_init(&s);
	gs_sha256_update(&s, CACHE_MAGIC, strlen(CACHE_MAGIC));
	gs_sha256_update(&s, hs_version(), strlen(hs_version()) + 1);
	snprintf(num, sizeof(num), "%zu %zu %zu\n", n, pf->nids, pf->nlits);
	gs_sha256_update(&s, num, strlen(num));
	for (size_t i = 0; i < n; i++) {
		snprintf(num, sizeof(num), "%u %u ", v[i].flags, v[i].id);
		gs_sha256_update(&s, num, strlen(num));
		gs_sha256_update(&s, v[i].src, strlen(v[i].src) + 1);
	}
	for (size_t i = 0; i < pf->nlits; i++) {
		const struct pf_lit *l = &lits[first[i]];

		snprintf(num, sizeof(num), "%u %zu ", l->flags, l->len);
		gs_sha256_update(&s, num, strlen(num));
		gs_sha256_update(&s, l->s, l->len);
	}
	gs_sha256_hex(&s, hex);
}

/* Reads one serialized database (size 0: none). 0 ok, -1 bad. */
static int read_db(FILE *fp, hs_database_t **db)
{
	uint64_t size = 0;
	char *bytes = NULL;
	int rc = -1;

	*db = NULL;
	if (fread(&size, sizeof(size), 1, fp) != 1 || size > CACHE_DB_MAX)
		return -1;
	if (size == 0)
		return 0;
	bytes = xmalloc(size);
	if (fread(bytes, 1, size, fp) == size &&
	    hs_deserialize_database(bytes, size, db) == HS_SUCCESS)
		rc = 0;
	free(bytes);
	return rc;
}

static int cache_load(struct gs_prefilter *pf, const char *path)
{
	FILE *fp = fopen(path, "rb");
	char magic[sizeof(CACHE_MAGIC) - 1];
	unsigned char *always = NULL;
	uint64_t nids = 0;
	hs_database_t *db = NULL, *lit_db = NULL;
	int rc = -1;

	if (!fp)
		return -1;
	always = xcalloc(pf->nids ? pf->nids : 1, 1);
	if (fread(magic, 1, sizeof(magic), fp) != sizeof(magic) ||
	    memcmp(magic, CACHE_MAGIC, sizeof(magic)) != 0 ||
	    fread(&nids, sizeof(nids), 1, fp) != 1 || nids != pf->nids ||
	    fread(always, 1, pf->nids, fp) != pf->nids ||
	    read_db(fp, &db) < 0 || read_db(fp, &lit_db) < 0 ||
	    (lit_db == NULL) != (pf->nlits == 0))
		goto out;
	memcpy(pf->always, always, pf->nids);
	pf->db = db;
	pf->lit_db = lit_db;
	db = lit_db = NULL;
	rc = 0;
out:
	hs_free_database(db);
	hs_free_database(lit_db);
	free(always);
	fclose(fp);
	return rc;
}

/* Writes one database (NULL: size 0). */
static int write_db(FILE *fp, const hs_database_t *db)
{
	char *bytes = NULL;
	size_t size = 0;
	uint64_t s64;
	int ok;

	if (db != NULL &&
	    hs_serialize_database(db, &bytes, &size) != HS_SUCCESS)
		return 0;
	s64 = size;
	ok = fwrite(&s64, sizeof(s64), 1, fp) == 1 &&
	     (size == 0 || fwrite(bytes, 1, size, fp) == size);
	free(bytes);
	return ok;
}

static void cache_store(const struct gs_prefilter *pf, const char *dir,
			const char *path)
{
	uint64_t n64 = pf->nids;
	struct gs_out out;
	struct gs_error err;
	int ok;

	mkdir(dir, 0700);
	/* temp file + rename, removed on SIGINT/SIGTERM like every output */
	if (gs_out_open(&out, path, &err) != 0)
		return;
	ok = fwrite(CACHE_MAGIC, 1, strlen(CACHE_MAGIC), out.fp) ==
		     strlen(CACHE_MAGIC) &&
	     fwrite(&n64, sizeof(n64), 1, out.fp) == 1 &&
	     fwrite(pf->always, 1, pf->nids, out.fp) == pf->nids &&
	     write_db(out.fp, pf->db) && write_db(out.fp, pf->lit_db);
	if (ok)
		gs_out_commit(&out, &err);
	else
		gs_out_abort(&out);
}

/* Factor sets of the pattern with the given id (strings at least min_len
 * bytes): their literals go to *lits, or, without factors, the pattern
 * goes to the regex list v. */
static void add_pattern(struct gs_prefilter *pf, const char *src,
			int case_sensitive, size_t id, size_t min_len,
			struct gs_factor_sets *fs, struct pf_expr *v, size_t *n,
			struct pf_lit **lits, size_t *nlits, size_t *lits_cap)
{
	struct gs_factor_sets *f = &fs[id];

	if (gs_factors_compute_all(src, !case_sensitive, min_len, f) == 0) {
		add_expr(v, n, src, case_sensitive, id);
		return;
	}
	pf->factored[id] = 1;
	pf->need[id] = (unsigned char)((1u << f->n) - 1);
	for (size_t k = 0; k < f->n; k++) {
		const struct gs_factors *set = &f->set[k];

		if (set->caseless)
			pf->fold_hazard = 1;
		for (size_t i = 0; i < set->n; i++) {
			struct pf_lit *l;

			if (*nlits == *lits_cap) {
				*lits_cap = *lits_cap ? *lits_cap * 2 : 256;
				*lits = xrealloc(*lits, *lits_cap * sizeof(**lits));
			}
			l = &(*lits)[(*nlits)++];
			l->s = set->v[i].s;
			l->len = set->v[i].len;
			/* not HS_FLAG_SINGLEMATCH: its per-literal
			 * bookkeeping costs more (~18% of the scan with
			 * this pack's 9.5k literals) than the repeated
			 * callbacks, which only set bits already set */
			l->flags = set->caseless ? HS_FLAG_CASELESS : 0;
			l->id = (unsigned)(id << GS_PREFILTER_SET_BITS) |
				(unsigned)k;
		}
	}
}

int gs_match_prepare(struct gs_rules *rules, struct gs_error *err)
{
	struct gs_prefilter *pf = NULL;
	struct pf_expr *v = NULL;
	struct gs_factor_sets *fs = NULL;
	struct pf_lit *lits = NULL;
	size_t *first = NULL;
	size_t n = 0, nlits = 0, lits_cap = 0;
	size_t id = 0;
	int rc = 0;
	size_t *gbase = NULL, *gslot = NULL, nguards;
	unsigned *gfirst = NULL; /* [guard]: its first prefilter id + 1 */

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
	pf->factored = xcalloc(id ? id : 1, 1);
	pf->need = xcalloc(id ? id : 1, 1);
	pf->canon = xcalloc(id ? id : 1, sizeof(*pf->canon));
	for (size_t i = 0; i < id; i++)
		pf->canon[i] = (unsigned)i;
	v = xcalloc(id ? id : 1, sizeof(*v));
	fs = xcalloc(id ? id : 1, sizeof(*fs));
	nguards = gs_rules_guard_slots(rules, &gbase, &gslot);
	gfirst = xcalloc(nguards ? nguards : 1, sizeof(*gfirst));

	for (size_t r = 0; r < rules->nrules; r++) {
		const struct gs_rule *rule = &rules->rules[r];
		size_t base = pf->rule_base[r];
		int cs = rule->case_sensitive;

		for (size_t j = 0; j < rule->npatterns; j++)
			add_pattern(pf, rule->patterns[j].src, cs, base + j,
				    GS_FACTORS_MIN_LEN,
				    fs, v, &n, &lits, &nlits, &lits_cap);
		base += rule->npatterns;
		for (size_t j = 0; j < rule->nall + rule->nexclude; j++) {
			size_t g = gslot[gbase[r] + j];
			const char *src = j < rule->nall
						  ? rule->all[j].src
						  : rule->exclude[j - rule->nall].src;

			/* the same guard in another rule: one prefilter id */
			if (gfirst[g] != 0) {
				pf->canon[base + j] = gfirst[g] - 1;
				continue;
			}
			gfirst[g] = (unsigned)(base + j) + 1;
			add_pattern(pf, src, cs, base + j,
				    GS_FACTORS_MIN_LEN_LAZY, fs,
				    v, &n, &lits, &nlits, &lits_cap);
		}
	}
	for (size_t c = 0; c < rules->ncues; c++)
		add_pattern(pf, rules->cues[c].pat.src, 0, pf->cue_base + c,
			    GS_FACTORS_MIN_LEN_LAZY,
			    fs, v, &n, &lits, &nlits, &lits_cap);
	group_lits(pf, lits, nlits, &first);
	n = group_exprs(pf, v, n);

	{
		char dir[4096], path[4200], key[65];
		int cached = cache_dir(dir, sizeof(dir)) == 0;

		if (cached) {
			cache_key(v, n, lits, first, pf, key);
			snprintf(path, sizeof(path), "%s/%s.hsdb", dir, key);
		}
		if (!cached || (n == 0 && nlits == 0) ||
		    cache_load(pf, path) < 0) {
			rc = compile_all(pf, v, n, err);
			if (rc == 0)
				rc = compile_lits(pf, lits, first, err);
			if (rc != 0)
				goto out;
			if (cached && (pf->db || pf->lit_db))
				cache_store(pf, dir, path);
		}
	}
	pf->id_rule = xcalloc(pf->nids ? pf->nids : 1, sizeof(*pf->id_rule));
	pf->rule_always = xcalloc(rules->nrules ? rules->nrules : 1, 1);
	for (size_t i = 0; i < pf->nids; i++) {
		pf->id_rule[i] = GS_PREFILTER_NO_RULE;
		pf->nalways += pf->always[i] != 0;
		pf->nfactored += pf->factored[i] != 0;
	}
	for (size_t r = 0; r < rules->nrules; r++) {
		for (size_t j = 0; j < rules->rules[r].npatterns; j++) {
			size_t i = pf->rule_base[r] + j;

			pf->id_rule[i] = (unsigned)r;
			if (pf->always[i])
				pf->rule_always[r] = 1;
		}
	}
	rules->prefilter = pf;
	rules->prefilter_free = prefilter_free;
	pf = NULL;
out:
	prefilter_free(pf);
	for (size_t i = 0; i < id; i++)
		gs_factor_sets_release(&fs[i]);
	free(fs);
	free(lits);
	free(first);
	free(v);
	free(gbase);
	free(gslot);
	free(gfirst);
	return rc;
}
