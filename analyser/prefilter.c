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

/*
 * Compiling the database takes a second or two, more than scanning a whole
 * month's export; the result depends only on the expressions, their flags
 * and ids and the vectorscan version. So it is cached, serialized, under
 * $GAPSCAN_CACHE (else $XDG_CACHE_HOME/gapscan, else ~/.cache/gapscan) in a
 * file named by the SHA-256 of exactly those inputs. A missing, unreadable
 * or corrupt cache file is simply rebuilt; GAPSCAN_CACHE=off disables it.
 */
#define CACHE_MAGIC "GSPF1\n"

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

static void cache_key(const struct pf_expr *v, size_t n, size_t nids,
		      char hex[65])
{
	struct gs_sha256 s;
	char num[64];

	gs_sha256_init(&s);
	gs_sha256_update(&s, CACHE_MAGIC, strlen(CACHE_MAGIC));
	gs_sha256_update(&s, hs_version(), strlen(hs_version()) + 1);
	snprintf(num, sizeof(num), "%zu %zu\n", n, nids);
	gs_sha256_update(&s, num, strlen(num));
	for (size_t i = 0; i < n; i++) {
		snprintf(num, sizeof(num), "%u %u ", v[i].flags, v[i].id);
		gs_sha256_update(&s, num, strlen(num));
		gs_sha256_update(&s, v[i].src, strlen(v[i].src) + 1);
	}
	gs_sha256_hex(&s, hex);
}

static int cache_load(struct gs_prefilter *pf, const char *path)
{
	FILE *fp = fopen(path, "rb");
	char magic[sizeof(CACHE_MAGIC) - 1];
	uint64_t nids = 0, size = 0;
	char *bytes = NULL;
	hs_database_t *db = NULL;
	int rc = -1;

	if (!fp)
		return -1;
	if (fread(magic, 1, sizeof(magic), fp) != sizeof(magic) ||
	    memcmp(magic, CACHE_MAGIC, sizeof(magic)) != 0 ||
	    fread(&nids, sizeof(nids), 1, fp) != 1 || nids != pf->nids ||
	    fread(pf->always, 1, pf->nids, fp) != pf->nids ||
	    fread(&size, sizeof(size), 1, fp) != 1 || size == 0 ||
	    size > (1u << 30))
		goto out;
	bytes = xmalloc(size);
	if (fread(bytes, 1, size, fp) != size ||
	    hs_deserialize_database(bytes, size, &db) != HS_SUCCESS)
		goto out;
	pf->db = db;
	pf->nalways = 0;
	for (size_t i = 0; i < pf->nids; i++)
		pf->nalways += pf->always[i] != 0;
	rc = 0;
out:
	if (rc < 0)
		memset(pf->always, 0, pf->nids);
	free(bytes);
	fclose(fp);
	return rc;
}

static void cache_store(const struct gs_prefilter *pf, const char *dir,
			const char *path)
{
	char *bytes = NULL, tmp[4300];
	size_t size = 0;
	uint64_t n64 = pf->nids, s64;
	FILE *fp;
	int fd, ok;

	if (hs_serialize_database(pf->db, &bytes, &size) != HS_SUCCESS)
		return;
	s64 = size;
	mkdir(dir, 0700);
	snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		free(bytes);
		return;
	}
	fp = fdopen(fd, "wb");
	ok = fp && fwrite(CACHE_MAGIC, 1, strlen(CACHE_MAGIC), fp) ==
			   strlen(CACHE_MAGIC) &&
	     fwrite(&n64, sizeof(n64), 1, fp) == 1 &&
	     fwrite(pf->always, 1, pf->nids, fp) == pf->nids &&
	     fwrite(&s64, sizeof(s64), 1, fp) == 1 &&
	     fwrite(bytes, 1, size, fp) == size;
	if (fp)
		ok = (fclose(fp) == 0) && ok;
	else
		close(fd);
	if (!ok || rename(tmp, path) != 0)
		unlink(tmp);
	free(bytes);
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

	{
		char dir[4096], path[4200], key[65];
		int cached = cache_dir(dir, sizeof(dir)) == 0;

		if (cached) {
			cache_key(v, n, pf->nids, key);
			snprintf(path, sizeof(path), "%s/%s.hsdb", dir, key);
		}
		if (!cached || n == 0 || cache_load(pf, path) < 0) {
			rc = compile_all(pf, v, n, err);
			if (rc != 0)
				goto out;
			if (cached && pf->db)
				cache_store(pf, dir, path);
		}
	}
	rules->prefilter = pf;
	rules->prefilter_free = prefilter_free;
	pf = NULL;
out:
	prefilter_free(pf);
	free(v);
	return rc;
}
