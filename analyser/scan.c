/*
 * scan.c - the scan pipeline (gs_scan.h).
 *
 * The calling thread loads the actions index, then reads the intelligence
 * export into batches of records copied into a per-batch arena. Worker
 * threads, each with its own matcher, claim filled batches in sequence
 * (a shared counter under the lock: faster cores simply claim more) and
 * match and assess every record of a batch. The calling thread merges the
 * finished batches strictly in sequence, so the run is identical for any
 * number of threads. Only flagged records, findings and counts are kept.
 */
#include "gs_scan.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "gs_ingest.h"
#include "gs_link.h"
#include "gs_links.h"
#include "gs_match.h"
#include "gs_util.h"

#define BATCH_RECORDS 512
#define BATCH_BYTES (4u << 20)

enum { F_ID, F_UNIT, F_DISTRICT, F_GRADING, F_PRIORITY, F_SUBJECTS, F_NMETA };

struct slot {
	long line;
	long logged_day;
	size_t off[F_NMETA + GS_PROFILE_MAX_TEXT];
	size_t len[F_NMETA + GS_PROFILE_MAX_TEXT];
};

struct result {
	enum gs_status status;
	int score;
	unsigned *rules; /* distinct active rules; capacity kept across
			    batches, so no allocation per record */
	size_t nrules, rules_cap;
	int is_flagged;
	struct gs_flagged flagged; /* when is_flagged; parts in a run arena */
	struct gs_language_finding *lang;
	size_t nlang;
	struct gs_limit_event *limits;
	size_t nlimits;
	struct gs_dq_finding *dq;
	size_t ndq;
	size_t nbefore; /* actions of dq first found before a log here */
	int suppressed; /* not flagged; a context cue suppressed a hit and no
			   indicator (non-language) hit stayed active */
};

enum batch_state { B_FREE, B_FILLED, B_MATCHING, B_DONE };

struct batch {
	enum batch_state state;
	struct gs_buf arena;
	/* a flagged record's details (hits, excerpt, ...): only the store
	 * reads them, during merge, so they live as long as the batch */
	struct gs_arena scratch;
	struct slot *slots;
	struct result *results;
	size_t n;
	int err_code; /* a worker's fatal error */
	struct gs_error err;
};

struct pipeline {
	const struct gs_scan_config *cfg;
	const struct gs_link *link;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct batch *batches;
	size_t nbatches;
	unsigned long next_fill, next_match, next_merge;
	int closing;
	struct gs_rule_timing *timings; /* summed by workers at exit */
	struct gs_arena **arenas; /* one per worker, owned by the run */
	size_t next_arena;
};

static double now_seconds(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

void gs_run_init(struct gs_run *run)
{
	memset(run, 0, sizeof(*run));
}

/* Each frees an array of findings and the strings it owns. */
static void free_language(struct gs_language_finding *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].record_id);
		free(v[i].unit);
		free(v[i].district);
	}
	free(v);
}

static void free_limits(struct gs_limit_event *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].record_id);
	free(v);
}

static void free_dq(struct gs_dq_finding *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].kind);
		free(v[i].action_id);
		free(v[i].intel_id);
	}
	free(v);
}

void gs_run_release(struct gs_run *run)
{
	free(run->flagged); /* their parts are in the arenas */
	for (size_t i = 0; i < run->narenas; i++) {
		gs_arena_release(run->arenas[i]);
		free(run->arenas[i]);
	}
	free(run->arenas);
	for (size_t i = 0; i < run->nrejects; i++) {
		free(run->rejects[i].file);
		free(run->rejects[i].reason);
	}
	free(run->rejects);
	free_limits(run->limits, run->nlimits);
	free_dq(run->dq, run->ndq);
	free(run->months);
	gs_map_free(run->strings);
	free_language(run->language, run->nlanguage);
	gs_chain_set_release(&run->chains);
	free(run->timings);
	free(run->intel.path);
	free(run->actions.path);
	gs_run_init(run);
}

struct gs_arena *gs_run_arena(struct gs_run *run)
{
	struct gs_arena *a = xmalloc(sizeof(*a));

	gs_arena_init(a);
	run->arenas = xrealloc(run->arenas,
			       (run->narenas + 1) * sizeof(*run->arenas));
	run->arenas[run->narenas++] = a;
	return a;
}

/* Grows *arr (of elem size) to hold one more; returns the new element. */
static void *push(void *arrp, size_t *n, size_t elem)
{
	void **arr = arrp;

	if ((*n & (*n - 1)) == 0) /* n is 0 or a power of two: grow */
		*arr = xrealloc(*arr, (*n ? *n * 2 : 4) * elem);
	memset((char *)*arr + *n * elem, 0, elem);
	return (char *)*arr + (*n)++ * elem;
}

void gs_run_add_reject(struct gs_run *run, const struct gs_error *e)
{
	struct gs_reject *r = push(&run->rejects, &run->nrejects, sizeof(*r));

	r->file = xstrdup(e->file);
	r->line = e->line;
	r->reason = xstrdup(e->msg);
}

/* ---- actions ---- */

static int load_actions(const struct gs_scan_config *cfg, struct gs_link *link,
			struct gs_run *run, struct gs_error *err)
{
	struct gs_ingest *in = NULL;
	struct gs_action_rec rec;
	int rc;

	rc = gs_ingest_open(&in, cfg->actions_path, GS_INGEST_ACTIONS,
			    cfg->profile, err);
	if (rc < 0)
		return rc;
	for (;;) {
		rc = gs_ingest_next_action(in, &rec, err);
		if (rc == 0)
			break;
		if (rc == GS_ERR_REJECT) {
			run->counts.actions_read++;
			run->counts.actions_rejected++;
			gs_run_add_reject(run, err);
			gs_error_clear(err);
			continue;
		}
		if (rc < 0)
			goto out;
		run->counts.actions_read++;
		gs_link_add(link, &rec);
	}
	gs_ingest_digest(in, run->actions.sha256, &run->actions.size);
	rc = 0;
out:
	gs_ingest_free(in);
	return rc;
}

/* ---- per-record work (worker threads) ---- */

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x > y) - (x < y);
}

/* A worker's memory for what it keeps: an arena owned by the run, an
 * intern table for the short strings flagged records repeat (district,
 * unit, grading, priority, action type), and scratch lists reused from
 * record to record while a flagged record's lists are collected. */
struct strv {
	const char **v;
	size_t n, cap;
};

struct wmem {
	struct gs_arena *arena;
	struct gs_map *intern;
	struct strv entities, action_ids, text_refs;
};

static char *wm_str(struct wmem *w, const char *s, size_t n)
{
	return gs_arena_strndup(w->arena, s, n);
}

static char *wm_intern(struct wmem *w, const char *s, size_t n)
{
	void **slot = gs_map_slot(w->intern, s, n, NULL);

	if (!*slot)
		*slot = gs_arena_strndup(w->arena, s, n);
	return *slot;
}

/* Adds s to the scratch list unless it is there already. */
static void strv_add(struct wmem *w, struct strv *l, const char *s,
		     size_t len)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strncmp(l->v[i], s, len) == 0 && l->v[i][len] == '\0')
			return;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = wm_str(w, s, len);
}

/* The scratch list's pointers, copied into the arena; the list is reset. */
static char **strv_keep(struct wmem *w, struct strv *l, size_t *n)
{
	char **v = NULL;

	*n = l->n;
	if (l->n) {
		v = gs_arena_alloc(w->arena, l->n * sizeof(*v));
		memcpy(v, l->v, l->n * sizeof(*v));
	}
	l->n = 0;
	return v;
}

static void add_entity(struct wmem *w, const char *type, const char *v,
		       size_t n)
{
	char buf[256];
	size_t k = gs_chains_normalise(type, v, n, buf, sizeof(buf));

	if (k)
		strv_add(w, &w->entities, buf, k);
}

/* A short excerpt around a hit, in the arena, with control characters
 * turned into spaces; *ms, *me mark the hit inside it. */
static char *make_excerpt(struct gs_arena *a, const char *text, size_t len,
			  size_t start, size_t end, size_t *ms, size_t *me)
{
	size_t from = start > 60 ? start - 60 : 0;
	size_t to;
	char *out;

	/* a long hit is cut to 200 bytes first, so the excerpt stays short */
	if (end - start > 200) {
		end = start + 200;
		while (end > start && ((unsigned char)text[end] & 0xC0) == 0x80)
			end--;
	}
	to = end + 60 < len ? end + 60 : len;
	/* do not cut a UTF-8 sequence */
	while (from > 0 && ((unsigned char)text[from] & 0xC0) == 0x80)
		from--;
	while (to < len && ((unsigned char)text[to] & 0xC0) == 0x80)
		to++;
	out = gs_arena_strndup(a, text + from, to - from);
	for (char *c = out; *c; c++) {
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	}
	*ms = start - from;
	*me = end - from;
	return out;
}

/* Intel ids of the same shape as id (its non-digit prefix, then digits)
 * cited in text: the record's cross-references to other entries. */
static void find_text_refs(struct wmem *w, const char *id, const char *text,
			   size_t n)
{
	size_t plen = 0, idlen = strlen(id);
	const char *p = text, *end = text + n;

	while (id[plen] && !(id[plen] >= '0' && id[plen] <= '9'))
		plen++;
	if (plen < 2 || !id[plen])
		return;
	while (p + plen < end) {
		const char *q = memmem(p, (size_t)(end - p), id, plen);
		const char *d;

		if (!q)
			break;
		d = q + plen;
		while (d < end && *d >= '0' && *d <= '9')
			d++;
		if (d > q + plen &&
		    ((size_t)(d - q) != idlen || memcmp(q, id, idlen) != 0))
			strv_add(w, &w->text_refs, q, (size_t)(d - q));
		p = d > q + plen ? d : q + plen;
	}
}

static int process_record(const struct pipeline *pl, struct gs_matcher *m,
			  struct wmem *wm, struct gs_match_result *res,
			  const struct slot *s, const char *arena,
			  struct gs_arena *scratch, struct result *out,
			  struct gs_error *err)
{
	const struct gs_scan_config *cfg = pl->cfg;
	const struct gs_profile *p = cfg->profile;
	struct gs_text texts[GS_PROFILE_MAX_TEXT];
	const struct gs_action *const *acts = NULL;
	struct gs_assessment as;
	const char *id = arena + s->off[F_ID];
	const char *prio = arena + s->off[F_PRIORITY];
	size_t nacts;
	int sla, rc;
	int cue_hit = 0, indicator = 0; /* for "suppressed only" */

	for (size_t i = 0; i < p->ntext; i++) {
		texts[i].name = p->col_text[i];
		texts[i].ptr = arena + s->off[F_NMETA + i];
		texts[i].len = s->len[F_NMETA + i];
	}
	rc = gs_match_record(m, texts, p->ntext, res, err);
	if (rc < 0)
		return rc;
	/* marks the id seen too: the actions citing no intel record are
	 * counted after the last batch */
	nacts = gs_link_find_seen(pl->link, id, s->len[F_ID], &acts);
	sla = cfg->sla_days >= 0 ? cfg->sla_days
				 : gs_profile_sla(p, prio, s->len[F_PRIORITY]);
	gs_assess_record(cfg->rules, res, p->threshold, s->logged_day,
			 cfg->as_of, sla, acts, nacts, &as);
	out->status = as.flagged ? as.status : GS_STATUS_NONE;
	out->score = as.score;

	/* distinct active rules, language findings, suppression */
	for (size_t i = 0; i < res->nhits; i++) {
		const struct gs_hit *h = &res->hits[i];
		int dup = 0, lang;

		if (h->state != GS_HIT_ACTIVE) {
			cue_hit |= h->state == GS_HIT_SUPPRESSED;
			continue;
		}
		lang = gs_rules_get(cfg->rules, h->rule)->is_language;
		indicator |= !lang;
		for (size_t k = 0; k < out->nrules; k++)
			dup |= out->rules[k] == h->rule;
		if (dup)
			continue;
		if (out->nrules == out->rules_cap) {
			out->rules_cap = out->rules_cap ? 2 * out->rules_cap : 8;
			out->rules = xrealloc(out->rules, out->rules_cap *
							    sizeof(*out->rules));
		}
		out->rules[out->nrules++] = h->rule;
		if (lang) {
			struct gs_language_finding *lf =
				push(&out->lang, &out->nlang, sizeof(*lf));

			lf->record_id = xstrndup(id, s->len[F_ID]);
			lf->unit = xstrndup(arena + s->off[F_UNIT], s->len[F_UNIT]);
			lf->district = xstrndup(arena + s->off[F_DISTRICT],
						s->len[F_DISTRICT]);
			lf->logged_day = s->logged_day;
			lf->rule = h->rule;
		}
	}
	if (out->nrules)
		qsort(out->rules, out->nrules, sizeof(unsigned), cmp_unsigned);
	out->suppressed = !as.flagged && cue_hit && !indicator;
	for (size_t i = 0; i < res->nlimit; i++) {
		struct gs_limit_event *le =
			push(&out->limits, &out->nlimits, sizeof(*le));

		le->record_id = xstrndup(id, s->len[F_ID]);
		le->line = s->line;
		le->rule = res->limit_rules[i];
		le->pcre2_code = res->limit_code;
		le->status = out->status;
	}
	for (size_t i = 0; i < nacts; i++) {
		if (acts[i]->day < s->logged_day) {
			struct gs_dq_finding *d = push(&out->dq, &out->ndq,
						       sizeof(*d));

			d->kind = xstrdup("action_before_log");
			d->action_id = xstrdup(acts[i]->action_id);
			d->intel_id = xstrndup(id, s->len[F_ID]);
			d->line = acts[i]->line;
			out->nbefore +=
				(size_t)gs_link_mark_before_log(pl->link, acts[i]);
		}
	}
	if (!as.flagged)
		return 0;

	{
		struct gs_flagged *f = &out->flagged;
		const char *subj = arena + s->off[F_SUBJECTS];
		size_t nsubj = s->len[F_SUBJECTS];
		/* the details are for on_flagged only (gs_scan.h) */
		int details = cfg->on_flagged != NULL;

		memset(f, 0, sizeof(*f));
		out->is_flagged = 1;
		f->id = wm_str(wm, id, s->len[F_ID]);
		f->line = s->line;
		f->logged_day = s->logged_day;
		f->district = wm_intern(wm, arena + s->off[F_DISTRICT],
					s->len[F_DISTRICT]);
		f->unit = wm_intern(wm, arena + s->off[F_UNIT], s->len[F_UNIT]);
		f->grading = wm_intern(wm, arena + s->off[F_GRADING],
				       s->len[F_GRADING]);
		f->priority = wm_intern(wm, prio, s->len[F_PRIORITY]);
		if (details)
			f->subjects = gs_arena_strndup(scratch, subj, nsubj);
		f->sla = sla;
		f->score = as.score;
		f->status = out->status;
		f->days = as.days;
		f->first_action_day = as.first_action ? as.first_action->day : -1;
		if (as.first_action && details)
			f->first_action_id = gs_arena_strndup(
				scratch, as.first_action->action_id,
				strlen(as.first_action->action_id));
		if (as.first_action)
			f->first_action_type =
				wm_intern(wm, as.first_action->type,
					  strlen(as.first_action->type));
		if (out->nrules) {
			f->rules = gs_arena_alloc(wm->arena,
						  out->nrules * sizeof(*f->rules));
			memcpy(f->rules, out->rules,
			       out->nrules * sizeof(*f->rules));
			f->nrules = out->nrules;
		}
		if (res->nhits && details) {
			f->hits = gs_arena_alloc(scratch,
						 res->nhits * sizeof(*f->hits));
			f->nhits = res->nhits;
		}
		for (size_t i = 0; i < res->nhits; i++) {
			const struct gs_hit *h = &res->hits[i];
			const struct gs_text *t = &texts[h->field];

			if (f->hits) {
				f->hits[i].rule = h->rule;
				f->hits[i].field = h->field;
				f->hits[i].start = h->start;
				f->hits[i].end = h->end;
				f->hits[i].state = (int)h->state;
				f->hits[i].cue = h->cue;
			}
			if (h->state != GS_HIT_ACTIVE)
				continue;
			for (size_t c = 0; c < h->ncaps; c++)
				add_entity(wm, h->caps[c].name,
					   t->ptr + h->caps[c].start,
					   h->caps[c].end - h->caps[c].start);
			if (!f->excerpt && details)
				f->excerpt = make_excerpt(scratch, t->ptr, t->len,
							  h->start, h->end,
							  &f->mark_start,
							  &f->mark_end);
		}
		if (res->nlimit && details) {
			f->limit_rules = gs_arena_alloc(
				scratch, res->nlimit * sizeof(*f->limit_rules));
			memcpy(f->limit_rules, res->limit_rules,
			       res->nlimit * sizeof(*f->limit_rules));
			f->nlimit = res->nlimit;
		}
		for (size_t i = 0; i < nacts; i++)
			strv_add(wm, &wm->action_ids, acts[i]->action_id,
				 strlen(acts[i]->action_id));
		for (size_t i = 0; i < p->ntext; i++)
			find_text_refs(wm, f->id, texts[i].ptr, texts[i].len);
		/* subjects as entities */
		for (size_t i = 0; i < nsubj;) {
			size_t j = i;

			while (j < nsubj && subj[j] != p->intel.multi_sep)
				j++;
			while (i < j && subj[i] == ' ')
				i++;
			if (j > i)
				add_entity(wm, "subject", subj + i, j - i);
			i = j + 1;
		}
		f->entities = strv_keep(wm, &wm->entities, &f->nentities);
		f->action_ids = strv_keep(wm, &wm->action_ids, &f->naction_ids);
		f->text_refs = strv_keep(wm, &wm->text_refs, &f->ntext_refs);
	}
	return 0;
}

static void *worker(void *arg)
{
	struct pipeline *pl = arg;
	struct gs_matcher *m = gs_match_new(pl->cfg->rules);
	struct gs_match_result res;
	struct wmem wm;

	gs_match_result_init(&res);
	pthread_mutex_lock(&pl->lock);
	wm.arena = pl->arenas[pl->next_arena++];
	pthread_mutex_unlock(&pl->lock);
	wm.intern = gs_map_new();
	memset(&wm.entities, 0, sizeof(wm.entities));
	memset(&wm.action_ids, 0, sizeof(wm.action_ids));
	memset(&wm.text_refs, 0, sizeof(wm.text_refs));
	gs_match_trust_utf8(m, 1); /* ingest rejected invalid UTF-8 */
	if (pl->cfg->timings)
		gs_match_enable_timings(m, 1);
	pthread_mutex_lock(&pl->lock);
	for (;;) {
		struct batch *b;

		while (!pl->closing &&
		       !(pl->next_match < pl->next_fill &&
			 pl->batches[pl->next_match % pl->nbatches].state ==
				 B_FILLED))
			pthread_cond_wait(&pl->cond, &pl->lock);
		if (pl->next_match >= pl->next_fill && pl->closing)
			break;
		if (pl->next_match >= pl->next_fill)
			continue;
		b = &pl->batches[pl->next_match++ % pl->nbatches];
		b->state = B_MATCHING;
		pthread_mutex_unlock(&pl->lock);

		for (size_t i = 0; i < b->n && !b->err_code; i++) {
			int rc = process_record(pl, m, &wm, &res, &b->slots[i],
						b->arena.data, &b->scratch,
						&b->results[i], &b->err);

			if (rc < 0)
				b->err_code = rc;
		}

		pthread_mutex_lock(&pl->lock);
		b->state = B_DONE;
		pthread_cond_broadcast(&pl->cond);
	}
	if (pl->cfg->timings) {
		const struct gs_rule_timing *t = gs_match_timings(m);
		size_t nr = gs_rules_count(pl->cfg->rules);

		for (size_t i = 0; t && i < nr; i++) {
			pl->timings[i].prefilter_hits += t[i].prefilter_hits;
			pl->timings[i].confirmations += t[i].confirmations;
			pl->timings[i].matches += t[i].matches;
			pl->timings[i].seconds += t[i].seconds;
		}
	}
	pthread_mutex_unlock(&pl->lock);
	gs_match_result_release(&res);
	gs_match_free(m);
	gs_map_free(wm.intern);
	free(wm.entities.v);
	free(wm.action_ids.v);
	free(wm.text_refs.v);
	return NULL;
}

/* ---- merging (calling thread) ---- */

static int month_cmp(const struct gs_month_count *c, int y, int mo,
		     const char *district)
{
	if (c->year != y)
		return c->year < y ? -1 : 1;
	if (c->month != mo)
		return c->month < mo ? -1 : 1;
	return strcmp(c->district, district);
}

static void count_month(struct gs_run *run, long day, const char *district,
			size_t dlen, int flagged)
{
	int y, mo, d;
	size_t lo = 0, hi = run->nmonths;
	struct gs_month_count *mc;
	const char *dist;

	if (!run->strings)
		run->strings = gs_map_new();
	gs_map_slot(run->strings, district, dlen, NULL);
	dist = gs_map_key(run->strings, district, dlen);
	gs_date_to_ymd(day, &y, &mo, &d);
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (month_cmp(&run->months[mid], y, mo, dist) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == run->nmonths || month_cmp(&run->months[lo], y, mo, dist)) {
		push(&run->months, &run->nmonths, sizeof(*run->months));
		memmove(&run->months[lo + 1], &run->months[lo],
			(run->nmonths - 1 - lo) * sizeof(*run->months));
		run->months[lo].year = y;
		run->months[lo].month = mo;
		run->months[lo].district = dist;
		run->months[lo].records = 0;
		run->months[lo].flagged = 0;
	}
	mc = &run->months[lo];
	mc->records++;
	mc->flagged += flagged != 0;
}

/* Empties a result for the next record, keeping its rules buffer. */
static void reset_result(struct result *r)
{
	unsigned *rules = r->rules;
	size_t cap = r->rules_cap;

	memset(r, 0, sizeof(*r));
	r->rules = rules;
	r->rules_cap = cap;
}

/* Merges a finished batch into run, in input order. *cb_rc is the first
 * on_flagged failure (then *cb_err says why); after one, on_flagged is no
 * longer called. */
static void merge_batch(const struct gs_scan_config *cfg, struct gs_run *run,
			struct batch *b, int *cb_rc, struct gs_error *cb_err)
{
	for (size_t i = 0; i < b->n; i++) {
		struct result *r = &b->results[i];
		const char *id = b->arena.data + b->slots[i].off[F_ID];
		struct gs_flagged *f;

		run->counts.assessed++;
		count_month(run, b->slots[i].logged_day,
			    b->arena.data + b->slots[i].off[F_DISTRICT],
			    b->slots[i].len[F_DISTRICT], r->is_flagged);
		if (r->is_flagged) {
			run->counts.flagged++;
			run->counts.by_status[r->status]++;
			if (run->nflagged == run->flagged_cap) {
				/* 1.25x: the array is the largest one kept */
				run->flagged_cap = run->flagged_cap
							   ? run->flagged_cap +
								     run->flagged_cap / 4
							   : 1024;
				run->flagged = xrealloc(
					run->flagged,
					run->flagged_cap * sizeof(*run->flagged));
			}
			f = &run->flagged[run->nflagged++];
			*f = r->flagged;
			if (cfg->on_flagged && *cb_rc == 0)
				*cb_rc = cfg->on_flagged(cfg->on_flagged_ctx, f,
							 cb_err);
			/* the details go with the batch (gs_scan.h) */
			f->subjects = NULL;
			f->first_action_id = NULL;
			f->hits = NULL;
			f->nhits = 0;
			f->limit_rules = NULL;
			f->nlimit = 0;
			f->excerpt = NULL;
			f->mark_start = f->mark_end = 0;
		} else {
			run->counts.by_status[GS_STATUS_NONE]++;
			run->counts.suppressed_only += r->suppressed != 0;
		}
		if (r->nlang)
			run->counts.language++;
		for (size_t k = 0; k < r->nlang; k++)
			*(struct gs_language_finding *)push(
				&run->language, &run->nlanguage,
				sizeof(*run->language)) = r->lang[k];
		for (size_t k = 0; k < r->nlimits; k++)
			*(struct gs_limit_event *)push(&run->limits,
						       &run->nlimits,
						       sizeof(*run->limits)) =
				r->limits[k];
		for (size_t k = 0; k < r->ndq; k++)
			*(struct gs_dq_finding *)push(&run->dq, &run->ndq,
						      sizeof(*run->dq)) =
				r->dq[k];
		/* actions, once each (the findings are per record cited) */
		run->counts.actions_before_log += r->nbefore;
		if (cfg->on_record)
			cfg->on_record(cfg->on_record_ctx, id, r->status,
				       r->score, r->rules, r->nrules);
		free(r->lang);
		free(r->limits);
		free(r->dq);
		reset_result(r);
	}
	b->n = 0;
	gs_buf_reset(&b->arena);
	gs_arena_reset(&b->scratch);
}

static void add_unknown(void *ctx, const struct gs_action *a,
			const char *intel_id)
{
	struct gs_run *run = ctx;
	struct gs_dq_finding *d = push(&run->dq, &run->ndq, sizeof(*d));

	d->kind = xstrdup("unknown_intel_id");
	d->action_id = xstrdup(a->action_id);
	d->intel_id = xstrdup(intel_id);
	d->line = a->line;
}

/* Frees a batch's unmerged results (error paths). */
static void discard_batch(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct result *r = &b->results[i];

		free_language(r->lang, r->nlang);
		free_limits(r->limits, r->nlimits);
		free_dq(r->dq, r->ndq);
		reset_result(r);
	}
	b->n = 0;
	gs_arena_reset(&b->scratch);
}

/* A record logged after the as-of date cannot be assessed at it (days
 * would be negative): it is a reject naming both dates. Its id is in the
 * export, so actions citing it are not "unknown". */
static void reject_after_as_of(const struct gs_scan_config *cfg,
			       struct gs_link *link, struct gs_run *run,
			       const struct gs_intel_rec *rec,
			       struct gs_error *err)
{
	char logged[11], as_of[11];

	gs_date_format(rec->logged_day, logged);
	gs_date_format(cfg->as_of, as_of);
	gs_error_set(err, GS_ERR_REJECT, cfg->intel_path, rec->line, 0,
		     "logged on %s, after the as-of date %s: not assessed",
		     logged, as_of);
	run->counts.rejected++;
	gs_run_add_reject(run, err);
	gs_error_clear(err);
	gs_link_mark_seen(link, rec->id.ptr, rec->id.len);
}

static void fill_slot(struct batch *b, const struct gs_intel_rec *rec,
		      size_t ntext)
{
	struct slot *s = &b->slots[b->n];
	const struct gs_str *meta[F_NMETA] = {&rec->id,       &rec->unit,
					      &rec->district, &rec->grading,
					      &rec->priority, &rec->subjects};

	s->line = rec->line;
	s->logged_day = rec->logged_day;
	for (size_t i = 0; i < F_NMETA + ntext; i++) {
		const struct gs_str *v = i < F_NMETA ? meta[i]
						     : &rec->text[i - F_NMETA];

		s->off[i] = b->arena.len;
		s->len[i] = v->len;
		gs_buf_append(&b->arena, v->ptr, v->len);
		gs_buf_putc(&b->arena, '\0');
	}
	b->n++;
}

static void draw_progress(const struct gs_run *run, uint64_t done,
			  uint64_t total, double t0, int final)
{
	double el = now_seconds() - t0;
	double mbs = el > 0 ? (double)done / 1e6 / el : 0;
	double eta = done && total > done ? el * (double)(total - done) /
						    (double)done
					  : 0;

	fprintf(stderr,
		"\r\033[Kscan: %lu records, %.1f MB/s, %.0fs elapsed",
		run->counts.records_read, mbs, el);
	if (!final && total)
		fprintf(stderr, ", %.0f%%, ETA %.0fs",
			100.0 * (double)done / (double)total, eta);
	if (final)
		fputc('\n', stderr);
}

int gs_scan_run(const struct gs_scan_config *cfg, struct gs_run *run,
		struct gs_error *err)
{
	struct gs_link *link = NULL;
	struct gs_ingest *in = NULL;
	struct pipeline pl;
	pthread_t *tids = NULL;
	size_t nthreads = 0;
	int rc = 0, threads = cfg->threads;
	int cb_rc = 0; /* first on_flagged failure */
	struct gs_error cb_err;
	int show = cfg->progress && !cfg->quiet && isatty(2);
	double t0 = now_seconds(), last_draw = 0;

	memset(&pl, 0, sizeof(pl));
	gs_error_clear(&cb_err);
	run->started = t0;
	run->as_of = cfg->as_of;
	run->sla_days = cfg->sla_days >= 0 ? cfg->sla_days
					   : cfg->profile->sla_days;
	run->intel.path = xstrdup(cfg->intel_path);
	run->actions.path = xstrdup(cfg->actions_path);
	/* both exports are checked before the long read of either */
	for (int i = 0; i < 2; i++) {
		const char *path = i ? cfg->actions_path : cfg->intel_path;
		struct stat st;

		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			errno = EISDIR;
		else if (access(path, R_OK) == 0)
			continue;
		return gs_error_set(err, GS_ERR_INPUT, path, 0, 0,
				    "cannot read %s: %s",
				    i ? "actions export" : "intelligence export",
				    strerror(errno));
	}

	link = gs_link_new(cfg->profile);
	if ((rc = load_actions(cfg, link, run, err)) < 0)
		goto out;
	gs_link_finish(link);
	if ((rc = gs_ingest_open(&in, cfg->intel_path, GS_INGEST_INTEL,
				 cfg->profile, err)) < 0)
		goto out;

	if (threads <= 0) {
		long nc = sysconf(_SC_NPROCESSORS_ONLN);

		threads = nc > 0 ? (int)nc : 1;
	}
	if (threads > 64)
		threads = 64;
	pl.cfg = cfg;
	pl.link = link;
	pthread_mutex_init(&pl.lock, NULL);
	pthread_cond_init(&pl.cond, NULL);
	pl.nbatches = (size_t)threads * 2 + 2;
	pl.batches = xcalloc(pl.nbatches, sizeof(*pl.batches));
	for (size_t i = 0; i < pl.nbatches; i++) {
		gs_buf_init(&pl.batches[i].arena, 0);
		gs_arena_init(&pl.batches[i].scratch);
		pl.batches[i].slots = xcalloc(BATCH_RECORDS, sizeof(struct slot));
		pl.batches[i].results = xcalloc(BATCH_RECORDS,
						sizeof(struct result));
	}
	if (cfg->timings)
		pl.timings = xcalloc(gs_rules_count(cfg->rules) + 1,
				     sizeof(*pl.timings));
	tids = xcalloc((size_t)threads, sizeof(*tids));
	pl.arenas = xcalloc((size_t)threads, sizeof(*pl.arenas));
	for (int i = 0; i < threads; i++)
		pl.arenas[i] = gs_run_arena(run);
	for (int i = 0; i < threads; i++) {
		if (pthread_create(&tids[i], NULL, worker, &pl) != 0)
			break;
		nthreads++;
	}
	if (!nthreads) {
		rc = gs_error_set(err, GS_ERR_IO, NULL, 0, 0,
				  "cannot start a worker thread");
		goto out;
	}

	for (int eof = 0; !eof || pl.next_merge < pl.next_fill;) {
		struct batch *b;

		pthread_mutex_lock(&pl.lock);
		/* merge every finished batch, in sequence */
		while (pl.next_merge < pl.next_fill &&
		       pl.batches[pl.next_merge % pl.nbatches].state == B_DONE) {
			b = &pl.batches[pl.next_merge % pl.nbatches];
			pthread_mutex_unlock(&pl.lock);
			if (b->err_code && !rc) {
				*err = b->err;
				rc = b->err_code;
			}
			merge_batch(cfg, run, b, &cb_rc, &cb_err);
			if (cb_rc < 0 && !rc) {
				*err = cb_err;
				rc = cb_rc;
			}
			pthread_mutex_lock(&pl.lock);
			b->state = B_FREE;
			pl.next_merge++;
		}
		if (eof || rc) {
			if (pl.next_merge >= pl.next_fill) {
				pthread_mutex_unlock(&pl.lock);
				break;
			}
			pthread_cond_wait(&pl.cond, &pl.lock);
			pthread_mutex_unlock(&pl.lock);
			continue;
		}
		b = &pl.batches[pl.next_fill % pl.nbatches];
		if (b->state != B_FREE) {
			pthread_cond_wait(&pl.cond, &pl.lock);
			pthread_mutex_unlock(&pl.lock);
			continue;
		}
		pthread_mutex_unlock(&pl.lock);

		/* fill one batch */
		while (b->n < BATCH_RECORDS && b->arena.len < BATCH_BYTES) {
			struct gs_intel_rec rec;
			int r = gs_ingest_next_intel(in, &rec, err);

			if (r == 0) {
				eof = 1;
				break;
			}
			run->counts.records_read++;
			if (r == GS_ERR_REJECT) {
				run->counts.rejected++;
				gs_run_add_reject(run, err);
				gs_error_clear(err);
				continue;
			}
			if (r < 0) {
				run->counts.records_read--;
				rc = r;
				eof = 1;
				break;
			}
			if (rec.logged_day > cfg->as_of) {
				reject_after_as_of(cfg, link, run, &rec, err);
				continue;
			}
			fill_slot(b, &rec, cfg->profile->ntext);
		}
		if (show) {
			double t = now_seconds();

			if (t - last_draw > 0.25) {
				draw_progress(run, gs_ingest_offset(in),
					      gs_ingest_size(in), t0, 0);
				last_draw = t;
			}
		}
		pthread_mutex_lock(&pl.lock);
		if (b->n) {
			pl.next_fill++;
			b->state = B_FILLED;
			pthread_cond_broadcast(&pl.cond);
		}
		pthread_mutex_unlock(&pl.lock);
	}

	pthread_mutex_lock(&pl.lock);
	pl.closing = 1;
	pthread_cond_broadcast(&pl.cond);
	pthread_mutex_unlock(&pl.lock);
	for (size_t i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	nthreads = 0;
	if (rc < 0)
		goto out;

	gs_ingest_digest(in, run->intel.sha256, &run->intel.size);
	run->counts.actions_unknown_intel =
		gs_link_count_unknown(link, add_unknown, run);
	run->counts.intel_bytes = gs_ingest_offset(in);
	if (cfg->links_path &&
	    (rc = gs_links_load(run, cfg->links_path, in,
				cfg->profile->max_field, err)) < 0)
		goto out;
	{
		double tc = now_seconds();

		gs_chains_find(run, cfg->profile->chain_min_records,
			       cfg->profile->chain_window_days, &run->chains);
		run->chains_seconds = now_seconds() - tc;
	}
	if (cfg->timings) {
		run->timings = pl.timings;
		run->ntimings = gs_rules_count(cfg->rules);
		pl.timings = NULL;
	}
	if (show)
		draw_progress(run, gs_ingest_offset(in), gs_ingest_size(in), t0,
			      1);
out:
	if (nthreads) {
		pthread_mutex_lock(&pl.lock);
		pl.closing = 1;
		pthread_cond_broadcast(&pl.cond);
		pthread_mutex_unlock(&pl.lock);
		for (size_t i = 0; i < nthreads; i++)
			pthread_join(tids[i], NULL);
	}
	free(tids);
	free(pl.arenas);
	if (pl.batches) {
		for (size_t i = 0; i < pl.nbatches; i++) {
			discard_batch(&pl.batches[i]);
			gs_buf_release(&pl.batches[i].arena);
			gs_arena_release(&pl.batches[i].scratch);
			free(pl.batches[i].slots);
			for (size_t k = 0; k < BATCH_RECORDS; k++)
				free(pl.batches[i].results[k].rules);
			free(pl.batches[i].results);
		}
		free(pl.batches);
		pthread_mutex_destroy(&pl.lock);
		pthread_cond_destroy(&pl.cond);
	}
	free(pl.timings);
	gs_ingest_free(in);
	gs_link_free(link);
	run->finished = now_seconds();
	run->seconds = run->finished - t0;
	return rc;
}

static int cmp_exception(const void *a, const void *b)
{
	const struct gs_flagged *x = *(const struct gs_flagged *const *)a;
	const struct gs_flagged *y = *(const struct gs_flagged *const *)b;

	if (x->days != y->days)
		return x->days > y->days ? -1 : 1;
	return strcmp(x->id, y->id);
}

const struct gs_flagged **gs_scan_exceptions(const struct gs_run *run,
					     size_t *n)
{
	const struct gs_flagged **v =
		xcalloc(run->nflagged + 1, sizeof(*v));
	size_t k = 0;

	for (size_t i = 0; i < run->nflagged; i++) {
		if (run->flagged[i].status == GS_STATUS_GAP ||
		    run->flagged[i].status == GS_STATUS_LATE)
			v[k++] = &run->flagged[i];
	}
	qsort(v, k, sizeof(*v), cmp_exception);
	*n = k;
	return v;
}
