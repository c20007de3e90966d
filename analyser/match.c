/*
 * match.c - runs a compiled rule pack over one record's text fields.
 *
 * Per field: a vectorscan scan for the patterns' literal factors (and a
 * regex prefilter for patterns without any, prefilter.h) says which
 * patterns could match; PCRE2 confirms only those (all of them when the prefilter is off)
 * and gives exact spans. Then, per hit: `all` patterns must start within
 * `window` bytes of it, an `exclude` match in the same sentence marks it
 * excluded, and context cues (NegEx/ConText style) whose scope covers it
 * mark it suppressed. Scratch lives in the matcher, so matching allocates
 * only while buffers grow, and a matcher is used by one thread.
 *
 * Semantics worth knowing (both paths share them, so results are equal):
 * - a rule's matches are the non-overlapping matches of all its patterns,
 *   leftmost first (longest first on a tie, then pattern order); empty
 *   matches are ignored;
 * - an `all` pattern is satisfied when its leftmost match at or after
 *   hit.start - window starts no later than hit.end + window;
 * - an `exclude` pattern applies when its leftmost match at or after the
 *   start of the hit's sentence starts inside that sentence;
 * - a forward cue covers hits starting within the `scope` words after it,
 *   a backward cue hits lying within the `scope` words before it; a
 *   terminate cue or the end of the sentence ends a scope early; cue
 *   matches overlapping a pseudo cue match are not cues.
 */
#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "factors.h"
#include "gs_match.h"
#include "gs_util.h"
#include "prefilter.h"
#include "rules_internal.h"

/* Defaults when the profile gives 0: a pathological pattern on a 1 MiB
 * field stops within milliseconds, ordinary ones never get near. */
#define DEFAULT_MATCH_LIMIT 1000000UL
#define DEFAULT_DEPTH_LIMIT 100000UL
#define DEFAULT_HEAP_LIMIT_KIB 65536UL
#define JIT_STACK_MIN (32 * 1024)
#define JIT_STACK_MAX (1024 * 1024)

struct span {
	size_t start, end;
};

/* A context cue match in the current field, with its scope resolved. */
struct cue_match {
	unsigned cue;
	size_t start, end;
	size_t fwd_end;              /* forward scope: [end, fwd_end) */
	size_t bwd_start;            /* backward scope: [bwd_start, start) */
};

/* A candidate match of one rule before overlap removal. */
struct cand {
	struct gs_hit h;
	unsigned pat;
};

/* Leftmost match at or after `from` of an all/exclude pattern in the
 * current field; valid for any later query with from <= q <= start. */
struct next_cache {
	int state; /* 0 unknown, 1 found, 2 none at or after from */
	size_t from, start;
};

struct gs_matcher {
	const struct gs_rules *rules;
	pcre2_match_data *md;
	pcre2_jit_stack *jit;
	pcre2_match_context *mctx;

	const struct gs_prefilter *pf;
	hs_scratch_t *scratch; /* for both databases */
	int use_pf;
	int trace;      /* gs_match_trace */
	int unguarding; /* the trace pass: keep hits an all guard stops */
	unsigned char *fired; /* [pf->nids] for the current field */
	unsigned char *seen;  /* [pf->nids]: factor sets seen (bit k: set k) */
	unsigned char *rule_fired; /* [nrules]: a rule pattern of it fired */

	int timings_on;
	int trusted_utf8; /* the caller validated every field already */
	struct gs_rule_timing *timings; /* [nrules] */

	/* current field */
	const char *text;
	size_t len;
	int have_sents;
	struct span *sents;
	size_t nsents, sents_cap;
	int have_cues;
	int cue_limit; /* PCRE2 limit code while matching cues, or 0 */
	struct cue_match *cues;
	size_t ncues, cues_cap;
	struct span *terms; /* terminate cue matches */
	size_t nterms, terms_cap;
	struct span *pseudo;
	size_t npseudo, pseudo_cap;

	struct cand *cands;
	size_t ncands, cands_cap;
	/* all/exclude patterns with the same source and case are the same
	 * regex (the pack's child and adult guards recur in many rules): one
	 * cache per distinct pattern and field, shared by the rules */
	struct next_cache *cache; /* [ncache], reset per field */
	size_t ncache;
	size_t *cache_base; /* [nrules]: rule r's all k is slot
			       cache_slot[cache_base[r] + k], its exclude k
			       cache_slot[cache_base[r] + nall + k] */
	size_t *cache_slot;
};

static int is_limit(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	       rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n;

	if (need <= *cap)
		return;
	n = *cap ? *cap * 2 : 16;
	while (n < need)
		n *= 2;
	*p = xrealloc(*p, n * size);
	*cap = n;
}

static uint32_t max_captures(const struct gs_pattern *p, size_t n,
			     uint32_t best)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t c = 0;

		if (p[i].code != NULL &&
		    pcre2_pattern_info(p[i].code, PCRE2_INFO_CAPTURECOUNT,
				       &c) == 0 &&
		    c > best)
			best = c;
	}
	return best;
}

struct gs_matcher *gs_match_new(const struct gs_rules *rules)
{
	struct gs_matcher *m = xcalloc(1, sizeof(*m));
	uint32_t caps = 0;
	const char *env;

	m->rules = rules;
	for (size_t r = 0; r < rules->nrules; r++) {
		const struct gs_rule *rule = &rules->rules[r];

		caps = max_captures(rule->patterns, rule->npatterns, caps);
		caps = max_captures(rule->all, rule->nall, caps);
		caps = max_captures(rule->exclude, rule->nexclude, caps);
	}
	m->ncache = gs_rules_guard_slots(rules, &m->cache_base,
					 &m->cache_slot);
	m->cache = xcalloc(m->ncache ? m->ncache : 1, sizeof(*m->cache));
	for (size_t c = 0; c < rules->ncues; c++)
		caps = max_captures(&rules->cues[c].pat, 1, caps);
	m->md = pcre2_match_data_create(caps + 1, NULL);
	m->mctx = pcre2_match_context_create(NULL);
	m->jit = pcre2_jit_stack_create(JIT_STACK_MIN, JIT_STACK_MAX, NULL);
	if (m->md == NULL || m->mctx == NULL || m->jit == NULL) {
		fprintf(stderr, "gapscan: out of memory (pcre2 scratch)\n");
		abort();
	}
	pcre2_set_match_limit(m->mctx, rules->match_limit ? (uint32_t)rules->match_limit
							   : DEFAULT_MATCH_LIMIT);
	pcre2_set_depth_limit(m->mctx, rules->depth_limit ? (uint32_t)rules->depth_limit
							   : DEFAULT_DEPTH_LIMIT);
	pcre2_set_heap_limit(m->mctx, rules->heap_limit_kib
					      ? (uint32_t)rules->heap_limit_kib
					      : DEFAULT_HEAP_LIMIT_KIB);
	pcre2_jit_stack_assign(m->mctx, NULL, m->jit);
	m->timings = xcalloc(rules->nrules ? rules->nrules : 1,
			     sizeof(*m->timings));

	m->pf = rules->prefilter;
	if (m->pf != NULL) {
		m->fired = xcalloc(m->pf->nids ? m->pf->nids : 1, 1);
		m->seen = xcalloc(m->pf->nids ? m->pf->nids : 1, 1);
		m->rule_fired = xcalloc(rules->nrules ? rules->nrules : 1, 1);
		if ((m->pf->db != NULL &&
		     hs_alloc_scratch(m->pf->db, &m->scratch) != HS_SUCCESS) ||
		    (m->pf->lit_db != NULL &&
		     hs_alloc_scratch(m->pf->lit_db, &m->scratch) != HS_SUCCESS)) {
			fprintf(stderr, "gapscan: out of memory (vectorscan scratch)\n");
			abort();
		}
		m->use_pf = 1;
	}
	env = getenv("GAPSCAN_NO_PREFILTER");
	if (env != NULL && strcmp(env, "") != 0 && strcmp(env, "0") != 0)
		m->use_pf = 0;
	return m;
}

void gs_match_free(struct gs_matcher *m)
{
	if (m == NULL)
		return;
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mctx);
	pcre2_jit_stack_free(m->jit);
	hs_free_scratch(m->scratch);
	free(m->fired);
	free(m->seen);
	free(m->rule_fired);
	free(m->timings);
	free(m->sents);
	free(m->cues);
	free(m->terms);
	free(m->pseudo);
	free(m->cands);
	free(m->cache);
	free(m->cache_base);
	free(m->cache_slot);
	free(m);
}

void gs_match_set_prefilter(struct gs_matcher *m, int on)
{
	m->use_pf = on && m->pf != NULL;
}

void gs_match_trace(struct gs_matcher *m, int on)
{
	m->trace = on;
}

void gs_match_trust_utf8(struct gs_matcher *m, int on)
{
	m->trusted_utf8 = on;
}

void gs_match_enable_timings(struct gs_matcher *m, int on)
{
	m->timings_on = on;
}

const struct gs_rule_timing *gs_match_timings(const struct gs_matcher *m)
{
	return m->timings;
}

void gs_match_result_init(struct gs_match_result *res)
{
	memset(res, 0, sizeof(*res));
}

void gs_match_result_release(struct gs_match_result *res)
{
	if (res == NULL)
		return;
	free(res->hits);
	free(res->limit_rules);
	memset(res, 0, sizeof(*res));
}

/* ---- PCRE2 calls ---- */

/* Leftmost match of p at or after from: 1 found, 0 none, else the PCRE2
 * error code (< 0). */
static int find(struct gs_matcher *m, const struct gs_pattern *p, size_t from,
		size_t *ms, size_t *me)
{
	PCRE2_SIZE *ov;
	int rc;

	if (from > m->len)
		return 0;
	rc = pcre2_match(p->code, (PCRE2_SPTR)m->text, m->len, from,
			 PCRE2_NO_UTF_CHECK, m->md, m->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0)
		return rc;
	ov = pcre2_get_ovector_pointer(m->md);
	*ms = ov[0];
	*me = ov[1] < ov[0] ? ov[0] : ov[1]; /* \K in a lookahead */
	return 1;
}

/* Position after the UTF-8 character at i. */
static size_t next_char(const char *s, size_t len, size_t i)
{
	i++;
	while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
		i++;
	return i;
}

/* Copies the named captures of the last match into h. */
static void take_caps(struct gs_matcher *m, const struct gs_pattern *p,
		      struct gs_hit *h)
{
	uint32_t count = 0, size = 0;
	PCRE2_SPTR table = NULL;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
	uint32_t nov = pcre2_get_ovector_count(m->md);

	h->ncaps = 0;
	if (pcre2_pattern_info(p->code, PCRE2_INFO_NAMECOUNT, &count) != 0 ||
	    count == 0)
		return;
	pcre2_pattern_info(p->code, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(p->code, PCRE2_INFO_NAMETABLE, &table);
	for (uint32_t i = 0; i < count && h->ncaps < 4; i++) {
		PCRE2_SPTR e = table + (size_t)i * size;
		uint32_t g = ((uint32_t)e[0] << 8) | e[1];
		struct gs_hit_cap *c;

		if (g >= nov || ov[2 * g] == PCRE2_UNSET)
			continue;
		c = &h->caps[h->ncaps++];
		snprintf(c->name, sizeof(c->name), "%s", (const char *)e + 2);
		c->start = ov[2 * g];
		c->end = ov[2 * g + 1];
	}
}

static void add_limit(struct gs_match_result *res, unsigned rule, int code)
{
	for (size_t i = 0; i < res->nlimit; i++)
		if (res->limit_rules[i] == rule)
			return;
	grow((void **)&res->limit_rules, &res->limit_cap, res->nlimit + 1,
	     sizeof(*res->limit_rules));
	res->limit_rules[res->nlimit++] = rule;
	if (res->limit_code == 0)
		res->limit_code = code;
}

static int pcre2_fail(struct gs_error *err, const char *what, const char *id,
		      int rc)
{
	PCRE2_UCHAR buf[256];

	pcre2_get_error_message(rc, buf, sizeof(buf));
	return gs_error_set(err, GS_ERR_RULE, NULL, 0, 0,
			    "%s '%s': pcre2 error %d: %s", what, id, rc,
			    (const char *)buf);
}

static int pf_skip(const struct gs_matcher *m, size_t id)
{
	if (!m->use_pf)
		return 0;
	id = m->pf->canon[id];
	return !m->fired[id] && !m->pf->always[id];
}

/* ---- sentences and words ---- */

static int is_word_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_' || c == '\'' || c >= 0x80;
}

static int is_space_byte(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
	       c == '\v';
}

/* 1 when the '.' at i closes a common abbreviation ("Mr.", "e.g."). */
static int is_abbrev(const char *s, size_t i)
{
	static const char *const abbrevs[] = {
		"mr", "mrs", "ms", "dr", "st", "e.g", "i.e", "approx", "vs",
		"cf", "ref", "tel", "nr", "pc", "ds", "dc", "sgt", "insp",
	};
	size_t b = i;
	char word[8];
	size_t n;

	while (b > 0 && (is_word_byte((unsigned char)s[b - 1]) ||
			 s[b - 1] == '.'))
		b--;
	n = i - b;
	if (n == 0 || n >= sizeof(word))
		return 0;
	for (size_t k = 0; k < n; k++) {
		char c = s[b + k];

		word[k] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	word[n] = '\0';
	for (size_t k = 0; k < sizeof(abbrevs) / sizeof(abbrevs[0]); k++)
		if (strcmp(word, abbrevs[k]) == 0)
			return 1;
	return 0;
}

/* Splits the current field into sentences: they end after . ! ? followed
 * by a space or the end (closing quotes and brackets may come between),
 * and at newlines and ';'. "03.00" and "Mr." do not end one. */
static void split_sentences(struct gs_matcher *m)
{
	const char *s = m->text;
	size_t start = 0;

	m->nsents = 0;
	for (size_t i = 0; i < m->len; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t end = 0;

		if (c == '\n' || c == ';') {
			end = i + 1;
		} else if (c == '.' || c == '!' || c == '?') {
			size_t j = i + 1;

			while (j < m->len && (s[j] == '"' || s[j] == '\'' ||
					      s[j] == ')' || s[j] == ']'))
				j++;
			if ((j == m->len || is_space_byte((unsigned char)s[j])) &&
			    !(c == '.' && is_abbrev(s, i)))
				end = j;
		}
		if (end == 0)
			continue;
		grow((void **)&m->sents, &m->sents_cap, m->nsents + 1,
		     sizeof(*m->sents));
		m->sents[m->nsents].start = start;
		m->sents[m->nsents].end = end;
		m->nsents++;
		start = end;
		i = end - 1;
	}
	if (start < m->len || m->nsents == 0) {
		grow((void **)&m->sents, &m->sents_cap, m->nsents + 1,
		     sizeof(*m->sents));
		m->sents[m->nsents].start = start;
		m->sents[m->nsents].end = m->len;
		m->nsents++;
	}
	m->have_sents = 1;
}

static struct span sentence_of(struct gs_matcher *m, size_t pos)
{
	size_t lo = 0, hi;

	if (!m->have_sents)
		split_sentences(m);
	hi = m->nsents;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->sents[mid].start <= pos)
			lo = mid;
		else
			hi = mid;
	}
	return m->sents[lo];
}

/* End of the n-th word starting at or after pos, or limit. */
static size_t words_forward(const char *s, size_t pos, size_t limit, int n)
{
	size_t i = pos;

	if (n <= 0)
		return pos;
	while (i < limit) {
		while (i < limit && !is_word_byte((unsigned char)s[i]))
			i++;
		if (i >= limit)
			break;
		while (i < limit && is_word_byte((unsigned char)s[i]))
			i++;
		if (--n == 0)
			return i;
	}
	return limit;
}

/* Start of the n-th word ending at or before pos, or limit. */
static size_t words_backward(const char *s, size_t pos, size_t limit, int n)
{
	size_t i = pos;

	if (n <= 0)
		return pos;
	while (i > limit) {
		while (i > limit && !is_word_byte((unsigned char)s[i - 1]))
			i--;
		if (i <= limit)
			break;
		while (i > limit && is_word_byte((unsigned char)s[i - 1]))
			i--;
		if (--n == 0)
			return i;
	}
	return limit;
}

/* ---- context cues ---- */

static int cmp_cue(const void *a, const void *b)
{
	const struct cue_match *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->cue != y->cue)
		return x->cue < y->cue ? -1 : 1;
	return 0;
}

static void push_span(struct span **v, size_t *n, size_t *cap, size_t s,
		      size_t e)
{
	grow((void **)v, cap, *n + 1, sizeof(**v));
	(*v)[*n].start = s;
	(*v)[*n].end = e;
	(*n)++;
}

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

/* Index of the first span in v[0..n) (sorted by start) starting at or
 * after pos. */
static size_t first_span(const struct span *v, size_t n, size_t pos)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].start < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* 1 when [s,e) overlaps a pseudo cue match (m->pseudo sorted by start,
 * ends turned into a running maximum). */
static int in_pseudo(const struct gs_matcher *m, size_t s, size_t e)
{
	size_t lo = 0, hi = m->npseudo;

	/* lo = number of pseudo matches starting before e */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->pseudo[mid].start < e)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && m->pseudo[lo - 1].end > s;
}

/* Finds every cue match in the current field and resolves its scope.
 * Returns 0, or < 0 on an unexpected PCRE2 error; a limit sets
 * m->cue_limit. */
static int find_cues(struct gs_matcher *m, struct gs_error *err)
{
	const struct gs_rules *rules = m->rules;
	size_t keep = 0;

	m->ncues = m->nterms = m->npseudo = 0;
	m->cue_limit = 0;
	m->have_cues = 1;
	for (size_t c = 0; c < rules->ncues; c++) {
		const struct gs_cue *cue = &rules->cues[c];
		size_t from = 0;

		if (m->pf != NULL && pf_skip(m, m->pf->cue_base + c))
			continue;
		if (cue->pat.code == NULL)
			continue;
		for (;;) {
			size_t s = 0, e = 0;
			int rc = find(m, &cue->pat, from, &s, &e);

			if (rc == 0)
				break;
			if (is_limit(rc)) {
				if (m->cue_limit == 0)
					m->cue_limit = rc;
				break;
			}
			if (rc < 0)
				return pcre2_fail(err, "cue", cue->info.id, rc);
			if (s == e) {
				from = next_char(m->text, m->len, s);
				continue;
			}
			from = e;
			if (cue->info.dir == GS_DIR_PSEUDO) {
				push_span(&m->pseudo, &m->npseudo,
					  &m->pseudo_cap, s, e);
			} else if (cue->info.dir == GS_DIR_TERMINATE) {
				push_span(&m->terms, &m->nterms,
					  &m->terms_cap, s, e);
			} else {
				grow((void **)&m->cues, &m->cues_cap,
				     m->ncues + 1, sizeof(*m->cues));
				m->cues[m->ncues].cue = (unsigned)c;
				m->cues[m->ncues].start = s;
				m->cues[m->ncues].end = e;
				m->ncues++;
			}
		}
	}
	/* cue matches overlapping a pseudo cue are not cues; terminate
	 * matches overlapping one do not terminate */
	if (m->npseudo > 1)
		qsort(m->pseudo, m->npseudo, sizeof(*m->pseudo), cmp_span);
	for (size_t i = 1; i < m->npseudo; i++)
		if (m->pseudo[i].end < m->pseudo[i - 1].end)
			m->pseudo[i].end = m->pseudo[i - 1].end; /* running max */
	for (size_t i = 0; i < m->ncues; i++)
		if (!in_pseudo(m, m->cues[i].start, m->cues[i].end))
			m->cues[keep++] = m->cues[i];
	m->ncues = keep;
	keep = 0;
	for (size_t i = 0; i < m->nterms; i++)
		if (!in_pseudo(m, m->terms[i].start, m->terms[i].end))
			m->terms[keep++] = m->terms[i];
	m->nterms = keep;
	if (m->ncues > 1)
		qsort(m->cues, m->ncues, sizeof(*m->cues), cmp_cue);
	if (m->nterms > 1)
		qsort(m->terms, m->nterms, sizeof(*m->terms), cmp_span);

	for (size_t i = 0; i < m->ncues; i++) {
		struct cue_match *cm = &m->cues[i];
		const struct gs_cue_info *ci = &rules->cues[cm->cue].info;
		struct span sent = sentence_of(m, cm->start);
		size_t fwd_limit = sent.end, bwd_limit = sent.start;

		if (cm->end > sent.end)
			fwd_limit = cm->end;
		/* only terminators in the cue's sentence can end its scope */
		for (size_t t = first_span(m->terms, m->nterms, sent.start);
		     t < m->nterms && m->terms[t].start < sent.end; t++) {
			const struct span *tm = &m->terms[t];

			if (tm->start >= cm->end && tm->start < fwd_limit)
				fwd_limit = tm->start;
			if (tm->end <= cm->start && tm->end > bwd_limit)
				bwd_limit = tm->end;
		}
		cm->fwd_end = words_forward(m->text, cm->end, fwd_limit,
					    ci->scope);
		cm->bwd_start = words_backward(m->text, cm->start, bwd_limit,
					       ci->scope);
	}
	return 0;
}

/* Marks h suppressed by the first cue (in text order) whose scope covers
 * it and whose type the rule does not accept. */
static void apply_cues(struct gs_matcher *m, const struct gs_rule *rule,
		       struct gs_hit *h)
{
	struct span sent = sentence_of(m, h->start);
	size_t lo = 0, hi = m->ncues;

	/* scopes stay inside the cue's sentence: look at that one only */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->cues[mid].start < sent.start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < m->ncues && m->cues[i].start < sent.end; i++) {
		const struct cue_match *cm = &m->cues[i];
		const struct gs_cue_info *ci = &m->rules->cues[cm->cue].info;
		int fwd = ci->dir == GS_DIR_FORWARD || ci->dir == GS_DIR_BOTH;
		int bwd = ci->dir == GS_DIR_BACKWARD || ci->dir == GS_DIR_BOTH;
		int in = 0;

		if (rule->info.accepts & (1u << ci->type))
			continue;
		if (fwd && h->start >= cm->end && h->start < cm->fwd_end)
			in = 1;
		if (bwd && h->end <= cm->start && h->start >= cm->bwd_start)
			in = 1;
		if (!in)
			continue;
		h->state = GS_HIT_SUPPRESSED;
		h->cue = (int)cm->cue;
		h->cue_start = cm->start;
		h->cue_end = cm->end;
		return;
	}
}

/* ---- one rule over one field ---- */

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->h.start != y->h.start)
		return x->h.start < y->h.start ? -1 : 1;
	if (x->h.end != y->h.end)
		return x->h.end > y->h.end ? -1 : 1;
	if (x->pat != y->pat)
		return x->pat < y->pat ? -1 : 1;
	return 0;
}

/* Leftmost match of an all/exclude pattern at or after from, cached.
 * 1 found (*start), 0 none, < 0 PCRE2 error. */
static int find_cached(struct gs_matcher *m, const struct gs_pattern *p,
		       struct next_cache *c, size_t from, size_t *start)
{
	size_t s = 0, e = 0;
	int rc;

	if (c->state == 2 && from >= c->from)
		return 0;
	if (c->state == 1 && from >= c->from && from <= c->start) {
		*start = c->start;
		return 1;
	}
	rc = find(m, p, from, &s, &e);
	if (rc < 0)
		return rc;
	c->from = from;
	c->state = rc == 1 ? 1 : 2;
	c->start = s;
	*start = s;
	return rc;
}

/* Returns 0 ok, 1 when a PCRE2 limit stopped the rule (nothing added),
 * < 0 on an unexpected PCRE2 error. */
static int match_rule(struct gs_matcher *m, unsigned r, unsigned field,
		      struct gs_match_result *res, struct gs_error *err)
{
	const struct gs_rule *rule = &m->rules->rules[r];
	struct gs_rule_timing *t = &m->timings[r];
	size_t base = m->pf != NULL ? m->pf->rule_base[r] : 0;
	size_t last_end = 0;
	size_t nkept = 0;
	const size_t *slots;
	int fired = 0;

	m->ncands = 0;
	for (size_t j = 0; j < rule->npatterns; j++) {
		const struct gs_pattern *p = &rule->patterns[j];
		size_t from = 0;

		if (p->code == NULL)
			continue;
		if (m->pf != NULL && pf_skip(m, base + j))
			continue;
		fired = 1;
		t->confirmations++;
		for (;;) {
			size_t s = 0, e = 0;
			int rc = find(m, p, from, &s, &e);
			struct cand *c;

			if (rc == 0)
				break;
			if (is_limit(rc)) {
				add_limit(res, r, rc);
				return 1;
			}
			if (rc < 0)
				return pcre2_fail(err, "rule", rule->info.id, rc);
			if (s == e) {
				from = next_char(m->text, m->len, s);
				continue;
			}
			from = e;
			grow((void **)&m->cands, &m->cands_cap, m->ncands + 1,
			     sizeof(*m->cands));
			c = &m->cands[m->ncands++];
			memset(c, 0, sizeof(*c));
			c->pat = (unsigned)j;
			c->h.rule = r;
			c->h.field = field;
			c->h.start = s;
			c->h.end = e;
			c->h.state = GS_HIT_ACTIVE;
			c->h.cue = -1;
			take_caps(m, p, &c->h);
		}
	}
	if (m->use_pf && fired)
		t->prefilter_hits++;
	if (m->ncands == 0)
		return 0;
	if (m->ncands > 1)
		qsort(m->cands, m->ncands, sizeof(*m->cands), cmp_cand);
	for (size_t i = 0; i < m->ncands; i++) {
		if (i > 0 && m->cands[i].h.start < last_end)
			continue;
		last_end = m->cands[i].h.end;
		m->cands[nkept++] = m->cands[i];
	}
	m->ncands = nkept;

	slots = m->cache_slot + m->cache_base[r];
	nkept = 0;
	for (size_t i = 0; i < m->ncands; i++) {
		struct gs_hit *h = &m->cands[i].h;
		int keep = 1;
		size_t g;

		for (g = 0; g < rule->nall && keep; g++) {
			size_t lo = h->start > (size_t)rule->window
					    ? h->start - (size_t)rule->window
					    : 0;
			size_t s = 0;
			int rc;

			/* (rule_may_hit saw every all pattern fire) */
			rc = find_cached(m, &rule->all[g], &m->cache[slots[g]],
					 lo, &s);
			if (is_limit(rc)) {
				add_limit(res, r, rc);
				return 1;
			}
			if (rc < 0)
				return pcre2_fail(err, "rule", rule->info.id, rc);
			keep = rc == 1 && s <= h->end + (size_t)rule->window;
		}
		if (!keep && m->unguarding) {
			h->state = GS_HIT_UNGUARDED;
			h->cue = (int)g - 1; /* the loop stepped past it */
			m->cands[nkept++] = m->cands[i];
			continue;
		}
		if (!keep)
			continue;
		for (size_t k = 0; k < rule->nexclude; k++) {
			size_t id = base + rule->npatterns + rule->nall + k;
			struct span sent;
			size_t s = 0;
			int rc;

			if (m->pf != NULL && pf_skip(m, id))
				continue;
			sent = sentence_of(m, h->start);
			rc = find_cached(m, &rule->exclude[k],
					 &m->cache[slots[rule->nall + k]],
					 sent.start, &s);
			if (is_limit(rc)) {
				add_limit(res, r, rc);
				return 1;
			}
			if (rc < 0)
				return pcre2_fail(err, "rule", rule->info.id, rc);
			if (rc == 1 && s < sent.end) {
				h->state = GS_HIT_EXCLUDED;
				break;
			}
		}
		m->cands[nkept++] = m->cands[i];
	}
	m->ncands = nkept;

	grow((void **)&res->hits, &res->cap, res->nhits + m->ncands,
	     sizeof(*res->hits));
	for (size_t i = 0; i < m->ncands; i++)
		res->hits[res->nhits++] = m->cands[i].h;
	t->matches += m->ncands;
	return 0;
}

static int rule_applies(const struct gs_rule *rule, const char *name)
{
	if (rule->info.nfields == 0)
		return 1;
	if (name == NULL)
		return 0;
	for (size_t i = 0; i < rule->info.nfields; i++)
		if (strcasecmp(rule->info.fields[i], name) == 0)
			return 1;
	return 0;
}

static void fire(struct gs_matcher *m, unsigned id)
{
	unsigned r = m->pf->id_rule[id];

	m->fired[id] = 1;
	if (r != GS_PREFILTER_NO_RULE)
		m->rule_fired[r] = 1;
}

/* A regex prefilter matched: the patterns it stands for fire. */
static int on_hs_match(unsigned int id, unsigned long long from,
		       unsigned long long to, unsigned int flags, void *ctx)
{
	struct gs_matcher *m = ctx;
	const struct gs_prefilter *pf = m->pf;

	(void)from;
	(void)to;
	(void)flags;
	for (unsigned k = pf->rx_first[id]; k < pf->rx_first[id + 1]; k++)
		fire(m, pf->rx_ids[k]);
	return 0;
}

/* A factor literal was found: the factor sets it is in are seen; a
 * pattern fires once all its sets were. */
static int on_lit_match(unsigned int id, unsigned long long from,
			unsigned long long to, unsigned int flags, void *ctx)
{
	struct gs_matcher *m = ctx;
	const struct gs_prefilter *pf = m->pf;

	(void)from;
	(void)to;
	(void)flags;
	for (unsigned k = pf->lit_first[id]; k < pf->lit_first[id + 1]; k++) {
		unsigned pid = pf->lit_ids[k] >> GS_PREFILTER_SET_BITS;
		unsigned set = pf->lit_ids[k] & GS_PREFILTER_SET_MASK;

		m->seen[pid] |= (unsigned char)(1u << set);
		if (m->seen[pid] == pf->need[pid] && !m->fired[pid])
			fire(m, pid);
	}
	return 0;
}

/* 1 when every `all` pattern of rule r fired in the current field (a hit
 * of r needs a match of each). */
static int all_fired(const struct gs_matcher *m, unsigned r)
{
	const struct gs_rule *rule = &m->rules->rules[r];
	size_t base = m->pf->rule_base[r] + rule->npatterns;

	for (size_t k = 0; k < rule->nall; k++)
		if (pf_skip(m, base + k))
			return 0;
	return 1;
}

/* 1 when a match of some pattern of the regex prefilter could still
 * matter after the literal scan: a rule pattern's rule is enabled and every
 * `all` pattern of it fired (else the rule is skipped whatever its
 * patterns do), or the pattern is an all/exclude/cue pattern. In this pack
 * the regex patterns (vehicle registrations, an adult's age in brackets)
 * all sit in rules guarded by the child context, so fields without one
 * skip the regex scan. */
static int regex_needed(const struct gs_matcher *m)
{
	const struct gs_prefilter *pf = m->pf;

	for (size_t k = 0; k < pf->nrx_ids; k++) {
		unsigned r = pf->id_rule[pf->rx_ids[k]];

		if (r == GS_PREFILTER_NO_RULE)
			return 1;
		if (!m->rules->rules[r].info.disabled && all_fired(m, r))
			return 1;
	}
	return 0;
}

/* Fills m->fired for the current field. */
static int prefilter_field(struct gs_matcher *m)
{
	const struct gs_prefilter *pf = m->pf;

	if (pf->fold_hazard && gs_factors_fold_hazard(m->text, m->len)) {
		/* PCRE2 folds these onto 's' and 'k': factors may miss */
		memset(m->fired, 1, pf->nids);
		memset(m->rule_fired, 1, m->rules->nrules);
		return 0;
	}
	memset(m->fired, 0, pf->nids);
	memset(m->seen, 0, pf->nids);
	memset(m->rule_fired, 0, m->rules->nrules);
	if (pf->lit_db != NULL &&
	    hs_scan(pf->lit_db, m->text, (unsigned)m->len, 0, m->scratch,
		    on_lit_match, m) != HS_SUCCESS)
		return -1;
	if (pf->db != NULL && regex_needed(m) &&
	    hs_scan(pf->db, m->text, (unsigned)m->len, 0, m->scratch,
		    on_hs_match, m) != HS_SUCCESS)
		return -1;
	return 0;
}

/* 0 when the prefilter proves rule r has no hit in the current field: no
 * pattern of it fired, or an `all` pattern did not (a hit needs a match of
 * every `all` pattern in the field). */
static int rule_may_hit(const struct gs_matcher *m, unsigned r)
{
	if (!m->rule_fired[r] && !m->pf->rule_always[r])
		return 0;
	return all_fired(m, r);
}

/* Removes the hits of rule r from res->hits[first..). */
static void drop_rule_hits(struct gs_match_result *res, size_t first,
			   unsigned r)
{
	size_t keep = first;

	for (size_t i = first; i < res->nhits; i++)
		if (res->hits[i].rule != r)
			res->hits[keep++] = res->hits[i];
	res->nhits = keep;
}

/* Context cues over the hits of the current field (res->hits[first..)). */
static int field_context(struct gs_matcher *m, size_t first,
			 struct gs_match_result *res, struct gs_error *err)
{
	const struct gs_rules *rules = m->rules;
	int rc;

	for (size_t i = first; i < res->nhits; i++) {
		const struct gs_rule *rule = &rules->rules[res->hits[i].rule];

		if (!rule->context || res->hits[i].state != GS_HIT_ACTIVE)
			continue;
		if (!m->have_cues) {
			rc = find_cues(m, err);
			if (rc < 0)
				return rc;
		}
		if (m->cue_limit != 0) {
			unsigned r = res->hits[i].rule;

			/* the cue search stopped: suppression unknown */
			add_limit(res, r, m->cue_limit);
			drop_rule_hits(res, first, r);
			i = first - 1;
			continue;
		}
		apply_cues(m, rule, &res->hits[i]);
	}
	return 0;
}

static int cmp_hit(const void *a, const void *b)
{
	const struct gs_hit *x = a, *y = b;

	if (x->field != y->field)
		return x->field < y->field ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return 0;
}

static int match_record(struct gs_matcher *m, const struct gs_text *texts,
			size_t ntexts, struct gs_match_result *res,
			struct gs_error *err);

/* gs_match_record, then for gs_match_trace a second pass without the
 * prefilter whose only yield is the unguarded hits: the first pass alone
 * decides hits, limits and so scores, exactly as a scan does. */
int gs_match_record(struct gs_matcher *m, const struct gs_text *texts,
		    size_t ntexts, struct gs_match_result *res,
		    struct gs_error *err)
{
	struct gs_match_result t;
	int use_pf = m->use_pf, rc;

	rc = match_record(m, texts, ntexts, res, err);
	if (rc < 0 || !m->trace)
		return rc;
	gs_match_result_init(&t);
	m->use_pf = 0;
	m->unguarding = 1;
	rc = match_record(m, texts, ntexts, &t, err);
	m->use_pf = use_pf;
	m->unguarding = 0;
	if (rc < 0) { /* the trace is extra: the first pass stands */
		gs_error_clear(err);
		rc = 0;
	}
	for (size_t i = 0; i < t.nhits; i++) {
		if (t.hits[i].state != GS_HIT_UNGUARDED)
			continue;
		grow((void **)&res->hits, &res->cap, res->nhits + 1,
		     sizeof(*res->hits));
		res->hits[res->nhits++] = t.hits[i];
	}
	gs_match_result_release(&t);
	return 0;
}

static int match_record(struct gs_matcher *m, const struct gs_text *texts,
			size_t ntexts, struct gs_match_result *res,
			struct gs_error *err)
{
	const struct gs_rules *rules = m->rules;
	int rc = 0;

	res->nhits = 0;
	res->nlimit = 0;
	res->limit_code = 0;
	for (size_t f = 0; f < ntexts; f++) {
		size_t first = res->nhits;
		size_t bad = 0;

		m->text = texts[f].ptr ? texts[f].ptr : "";
		m->len = texts[f].ptr ? texts[f].len : 0;
		m->have_sents = 0;
		m->have_cues = 0;
		memset(m->cache, 0, m->ncache * sizeof(*m->cache));
		if (!m->trusted_utf8 && !gs_utf8_valid(m->text, m->len, &bad)) {
			rc = gs_error_set(err, GS_ERR_INPUT, NULL, 0, (long)bad + 1,
					  "field '%s' is not valid utf-8 at byte %zu",
					  texts[f].name ? texts[f].name : "", bad);
			goto out;
		}
		if (m->use_pf && prefilter_field(m) < 0) {
			rc = gs_error_set(err, GS_ERR_RULE, NULL, 0, 0,
					  "vectorscan scan failed on field '%s'",
					  texts[f].name ? texts[f].name : "");
			goto out;
		}
		for (unsigned r = 0; r < rules->nrules; r++) {
			const struct gs_rule *rule = &rules->rules[r];
			double t0 = 0;

			if (rule->info.disabled)
				continue;
			/* no hit of it is possible here: nothing to do */
			if (m->use_pf && !rule_may_hit(m, r))
				continue;
			if (!rule_applies(rule, texts[f].name))
				continue;
			if (m->timings_on)
				t0 = now_seconds();
			rc = match_rule(m, r, (unsigned)f, res, err);
			if (m->timings_on)
				m->timings[r].seconds += now_seconds() - t0;
			if (rc < 0)
				goto out;
			rc = 0;
		}
		rc = field_context(m, first, res, err);
		if (rc < 0)
			goto out;
	}
	/* a rule stopped by a limit in one field has no hits anywhere: its
	 * answer for the record is unknown */
	for (size_t i = 0; i < res->nlimit; i++)
		drop_rule_hits(res, 0, res->limit_rules[i]);
	if (res->nhits > 1)
		qsort(res->hits, res->nhits, sizeof(*res->hits), cmp_hit);
out:
	return rc;
}
