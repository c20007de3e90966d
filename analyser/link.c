/*
 * link.c - the actions index (gs_link.h).
 *
 * Laid out for size: a month's actions export can hold hundreds of
 * thousands of rows. Action ids and cited intel ids live in a string arena,
 * action types and units are interned (a handful of distinct values), and
 * gs_link_finish groups the citations by the intel id they cite with a
 * hash table (no sorting, file order kept): one array of id entries (hash,
 * key, first, count) found through a 4-byte-a-slot table, and one flat
 * array of action pointers grouped by id (compressed sparse rows). Each
 * citation remembers its entry, so the unknown-id count needs no lookups.
 * No per-id allocation.
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
	uint32_t entry;  /* its id entry, after finish */
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
	struct id_entry *ids; /* first-citation order; after finish */
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
		l->ncites++;
		a->nintel++;
	}
}

/* Slot of id (hash h) in the table: its entry + 1, or the empty slot
 * where it would go (value 0). Probes compare the hash tag first. */
static size_t probe(const struct gs_link *l, uint64_t h, const char *id,
		    size_t n)
{
	size_t j;

	for (j = h & l->table_mask; l->table[j]; j = (j + 1) & l->table_mask) {
		const struct id_entry *e = &l->ids[l->table[j] - 1];

		if (e->hash == h && strncmp(e->key, id, n) == 0 &&
		    e->key[n] == '\0')
			break;
	}
	return j;
}

void gs_link_finish(struct gs_link *l)
{
	uint32_t *fill;

	if (l->finished)
		return;
	free(l->ids);
	free(l->flat);
	free(l->table);
	l->nids = 0;
	/* group the citations by id with a hash table (no sort: the cites
	 * stay in file order, and so does each id's list of actions) */
	l->table_mask = 15;
	while (l->table_mask + 1 < 2 * l->ncites)
		l->table_mask = l->table_mask * 2 + 1;
	l->table = xcalloc(l->table_mask + 1, sizeof(*l->table));
	l->ids = xcalloc(l->ncites + 1, sizeof(*l->ids));
	for (size_t i = 0; i < l->ncites; i++) {
		struct cite *c = &l->cites[i];
		size_t j = probe(l, c->hash, c->key, strlen(c->key));

		if (l->table[j] == 0) {
			l->ids[l->nids].hash = c->hash;
			l->ids[l->nids].key = c->key;
			l->table[j] = (uint32_t)++l->nids;
		}
		c->entry = l->table[j] - 1;
		l->ids[c->entry].n++;
	}
	l->ids = xrealloc(l->ids, (l->nids + 1) * sizeof(*l->ids));
	for (size_t k = 0, at = 0; k < l->nids; k++) {
		l->ids[k].start = (uint32_t)at;
		at += l->ids[k].n;
	}
	l->flat = xcalloc(l->ncites + 1, sizeof(*l->flat));
	fill = xcalloc(l->nids + 1, sizeof(*fill));
	for (size_t i = 0; i < l->ncites; i++) {
		const struct cite *c = &l->cites[i];

		l->flat[l->ids[c->entry].start + fill[c->entry]++] =
			&l->actions[c->action];
	}
	free(fill);
	l->finished = 1;
}

static const struct id_entry *lookup(const struct gs_link *l, const char *id,
				     size_t n)
{
	size_t j;

	if (!l->table)
		return NULL;
	j = probe(l, gs_hash64(id, n), id, n);
	return l->table[j] ? &l->ids[l->table[j] - 1] : NULL;
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

int gs_link_mark_before_log(const struct gs_link *l, const struct gs_action *a)
{
	/* the index owns its actions: the flag is the only thing written */
	struct gs_action *w = (struct gs_action *)a;

	(void)l;
	return __atomic_exchange_n(&w->before_log, 1, __ATOMIC_RELAXED) == 0;
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

		if (__atomic_load_n(&l->ids[c->entry].seen, __ATOMIC_RELAXED))
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
