/*
 * link.c - the actions index (gs_link.h).
 *
 * Laid out for size: a month's actions export can hold hundreds of
 * thousands of rows. Action ids and cited intel ids live in a string arena,
 * action types and units are interned (a handful of distinct values), and
 * gs_link_finish sorts the citations by the hash of the intel id they cite:
 * one array of id entries (hash, key, first, count) found through a
 * 4-byte-a-slot hash table, and one flat array of action pointers grouped
 * by id (compressed sparse rows). No per-id allocation.
 */
#include "gs_link.h"

#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gs_util.h"

struct cite {
	uint64_t hash;
	const char *key; /* arena copy of the cited intel id */
	uint32_t action; /* index into actions */
	uint32_t seq;    /* file order of the citation */
};

struct id_entry {
	uint64_t hash;
	const char *key;
	uint32_t start, n; /* into flat */
	unsigned char seen; /* written with atomic stores: workers mark */
};

struct gs_link {
	const struct gs_profile *profile;
	struct gs_arena arena;
	struct gs_map *strings; /* interned action types and units */
	struct gs_action *actions;
	size_t nactions, cap;
	struct cite *cites;
	size_t ncites, cites_cap;
	struct id_entry *ids; /* sorted by hash, key; after finish */
	size_t nids;
	uint32_t *table; /* open addressing: index into ids + 1, 0 = empty */
	size_t table_mask;
	const struct gs_action **flat;
	int finished;
};

struct gs_link *gs_link_new(const struct gs_profile *p)
{
	struct gs_link *l = xcalloc(1, sizeof(*l));

	l->profile = p;
	gs_arena_init(&l->arena);
	l->strings = gs_map_new();
	l->finished = 1;
	return l;
}

void gs_link_free(struct gs_link *l)
{
	if (!l)
		return;
	gs_arena_release(&l->arena);
	gs_map_free(l->strings);
	free(l->actions);
	free(l->cites);
	free(l->ids);
	free(l->flat);
	free(l->table);
	free(l);
}

static char *intern(struct gs_link *l, const char *s, size_t n)
{
	gs_map_slot(l->strings, s, n, NULL);
	return (char *)gs_map_key(l->strings, s, n);
}

void gs_link_add(struct gs_link *l, const struct gs_action_rec *rec)
{
	const char *p = rec->intel_ids.ptr, *end = p + rec->intel_ids.len;
	char sep = l->profile->actions.multi_sep;
	struct gs_action *a;
	size_t first = l->ncites;
	uint32_t ai;

	assert(l->nactions < UINT32_MAX && l->ncites < UINT32_MAX);
	if (l->nactions == l->cap) {
		l->cap = l->cap ? l->cap + l->cap / 2 : 1024;
		l->actions = xrealloc(l->actions, l->cap * sizeof(*l->actions));
	}
	ai = (uint32_t)l->nactions++;
	a = &l->actions[ai];
	memset(a, 0, sizeof(*a));
	a->action_id = gs_arena_strndup(&l->arena, rec->action_id.ptr,
					rec->action_id.len);
	a->type = intern(l, rec->type.ptr, rec->type.len);
	a->unit = intern(l, rec->unit.ptr, rec->unit.len);
	a->line = rec->line;
	a->day = rec->action_day;
	a->qualifies = gs_profile_qualifies(l->profile, rec->type.ptr,
					    rec->type.len, rec->rationale.ptr,
					    rec->rationale.len);
	l->finished = 0;
	while (p < end) {
		const char *q = memchr(p, sep, (size_t)(end - p));
		const char *s = p, *e = q ? q : end;
		size_t n;
		uint64_t h;
		int dup = 0;

		p = q ? q + 1 : end;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (s == e)
			continue;
		n = (size_t)(e - s);
		h = gs_hash64(s, n);
		/* the same id twice in one action counts once */
		for (size_t i = first; i < l->ncites; i++)
			dup |= l->cites[i].hash == h &&
			       strlen(l->cites[i].key) == n &&
			       memcmp(l->cites[i].key, s, n) == 0;
		if (dup)
			continue;
		if (l->ncites == l->cites_cap) {
			l->cites_cap = l->cites_cap ? l->cites_cap + l->cites_cap / 2
						    : 1024;
			l->cites = xrealloc(l->cites,
					    l->cites_cap * sizeof(*l->cites));
		}
		l->cites[l->ncites].hash = h;
		l->cites[l->ncites].key = gs_arena_strndup(&l->arena, s, n);
		l->cites[l->ncites].action = ai;
		l->cites[l->ncites].seq = (uint32_t)l->ncites;
		l->ncites++;
		a->nintel++;
	}
}

static int cmp_cite(const void *x, const void *y)
{
	const struct cite *a = x, *b = y;
	int c;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	c = strcmp(a->key, b->key);
	if (c)
		return c;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static int cmp_seq(const void *x, const void *y)
{
	const struct cite *a = x, *b = y;

	return (a->seq > b->seq) - (a->seq < b->seq);
}

void gs_link_finish(struct gs_link *l)
{
	size_t k = 0;

	if (l->finished)
		return;
	free(l->ids);
	free(l->flat);
	l->ids = NULL;
	l->nids = 0;
	qsort(l->cites, l->ncites, sizeof(*l->cites), cmp_cite);
	for (size_t i = 0; i < l->ncites; i++) {
		if (i == 0 || l->cites[i].hash != l->cites[i - 1].hash ||
		    strcmp(l->cites[i].key, l->cites[i - 1].key) != 0)
			l->nids++;
	}
	l->ids = xcalloc(l->nids + 1, sizeof(*l->ids));
	l->flat = xcalloc(l->ncites + 1, sizeof(*l->flat));
	for (size_t i = 0; i < l->ncites; i++) {
		const struct cite *c = &l->cites[i];

		if (i == 0 || c->hash != l->cites[i - 1].hash ||
		    strcmp(c->key, l->cites[i - 1].key) != 0) {
			k = i == 0 ? 0 : k + 1;
			l->ids[k].hash = c->hash;
			l->ids[k].key = c->key;
			l->ids[k].start = (uint32_t)i;
		}
		l->ids[k].n++;
		l->flat[i] = &l->actions[c->action];
	}
	/* a 4-byte-a-slot hash table over the entries, half full */
	free(l->table);
	l->table_mask = 15;
	while (l->table_mask + 1 < 2 * l->nids)
		l->table_mask = l->table_mask * 2 + 1;
	l->table = xcalloc(l->table_mask + 1, sizeof(*l->table));
	for (size_t i = 0; i < l->nids; i++) {
		size_t j = l->ids[i].hash & l->table_mask;

		while (l->table[j])
			j = (j + 1) & l->table_mask;
		l->table[j] = (uint32_t)i + 1;
	}
	/* back to file order, for the unknown-id findings */
	qsort(l->cites, l->ncites, sizeof(*l->cites), cmp_seq);
	l->finished = 1;
}

static const struct id_entry *lookup(const struct gs_link *l, const char *id,
				     size_t n)
{
	uint64_t h = gs_hash64(id, n);
	size_t j;

	if (!l->table)
		return NULL;
	for (j = h & l->table_mask; l->table[j]; j = (j + 1) & l->table_mask) {
		const struct id_entry *e = &l->ids[l->table[j] - 1];

		if (e->hash == h && strncmp(e->key, id, n) == 0 &&
		    e->key[n] == '\0')
			return e;
	}
	return NULL;
}

size_t gs_link_find(const struct gs_link *l, const char *id, size_t n,
		    const struct gs_action *const **out)
{
	const struct id_entry *e;

	if (!l->finished)
		gs_link_finish((struct gs_link *)l); /* single-threaded use */
	e = lookup(l, id, n);
	*out = NULL;
	if (!e)
		return 0;
	*out = l->flat + e->start;
	return e->n;
}

void gs_link_mark_seen(struct gs_link *l, const char *id, size_t n)
{
	struct id_entry *e;

	gs_link_finish(l);
	e = (struct id_entry *)lookup(l, id, n);
	if (e)
		__atomic_store_n(&e->seen, 1, __ATOMIC_RELAXED);
}

size_t gs_link_find_seen(const struct gs_link *l, const char *id, size_t n,
			 const struct gs_action *const **out)
{
	struct id_entry *e;

	assert(l->finished);
	e = (struct id_entry *)lookup(l, id, n);
	*out = NULL;
	if (!e)
		return 0;
	__atomic_store_n(&e->seen, 1, __ATOMIC_RELAXED);
	*out = l->flat + e->start;
	return e->n;
}

size_t gs_link_count_unknown(struct gs_link *l,
			     void (*cb)(void *ctx, const struct gs_action *a,
					const char *intel_id),
			     void *ctx)
{
	size_t count = 0;

	gs_link_finish(l);
	for (size_t i = 0; i < l->ncites; i++) {
		const struct cite *c = &l->cites[i];
		struct gs_action *a = &l->actions[c->action];
		const struct id_entry *e = lookup(l, c->key, strlen(c->key));

		if (e && __atomic_load_n(&e->seen, __ATOMIC_RELAXED))
			continue;
		if (!a->unknown)
			count++;
		a->unknown = 1;
		if (cb)
			cb(ctx, a, c->key);
	}
	return count;
}

size_t gs_link_count(const struct gs_link *l)
{
	return l->nactions;
}
