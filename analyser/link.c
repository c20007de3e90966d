/*
 * link.c - the actions index (gs_link.h).
 *
 * Laid out for size: a month's actions export can hold hundreds of
 * thousands of rows, all held while the intelligence is scanned. Per
 * action: a 32-byte record, its id copied once into an arena, and per
 * citation 8 bytes (action, id entry). Cited intel ids are interned as they
 * are read, each copied once however many actions cite it, into entries
 * found through a table of 8-byte slots (a 32-bit hash tag beside the entry
 * number, so most probes that miss touch nothing else). gs_link_finish
 * lays the citations out grouped by id (compressed sparse rows, file order
 * kept) and trims the arrays to their size. No per-id allocation.
 */
#include "gs_link.h"

#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gs_util.h"

struct cite {
	uint32_t action; /* index into actions */
	uint32_t entry;  /* index into ids */
};

struct id_entry {
	const char *key;    /* arena copy of the intel id */
	uint32_t start, n;  /* into flat, after finish; n: citations */
	unsigned char seen; /* written with atomic stores: workers mark */
};

struct gs_link {
	const struct gs_profile *profile;
	struct gs_arena arena;
	struct gs_map *strings; /* interned action types */
	struct gs_action *actions;
	size_t nactions, cap;
	struct cite *cites;
	size_t ncites, cites_cap;
	struct id_entry *ids; /* first-citation order */
	size_t nids, ids_cap;
	/* open addressing: hash tag << 32 | (index into ids + 1), 0 = empty */
	uint64_t *table;
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

static const char *intern(struct gs_link *l, const char *s, size_t n)
{
	gs_map_slot(l->strings, s, n, NULL);
	return gs_map_key(l->strings, s, n);
}

/* The next capacity of an array: a finish may have trimmed it to 1, which
 * 1.5x would not grow. */
static size_t grown(size_t cap)
{
	return cap < 1024 ? 1024 : cap + cap / 2;
}

static uint32_t tag_of(uint64_t h)
{
	return (uint32_t)(h >> 32);
}

/* Slot of id (hash tag t) in the table: the id's slot, or the empty slot
 * where it would go (value 0). */
static size_t probe(const struct gs_link *l, uint32_t t, const char *id,
		    size_t n)
{
	size_t j;

	for (j = t & l->table_mask; l->table[j]; j = (j + 1) & l->table_mask) {
		const struct id_entry *e;

		if ((uint32_t)(l->table[j] >> 32) != t)
			continue;
		e = &l->ids[(uint32_t)l->table[j] - 1];
		if (strncmp(e->key, id, n) == 0 && e->key[n] == '\0')
			break;
	}
	return j;
}

/* At most half full; the home slot comes from the tag, so growing needs
 * no trip to the keys. */
static void table_grow(struct gs_link *l)
{
	size_t ncap = l->table ? 2 * (l->table_mask + 1) : 1024;
	uint64_t *t = xcalloc(ncap, sizeof(*t));

	for (size_t i = 0; l->table && i <= l->table_mask; i++) {
		size_t j;

		if (!l->table[i])
			continue;
		j = (size_t)(l->table[i] >> 32) & (ncap - 1);
		while (t[j])
			j = (j + 1) & (ncap - 1);
		t[j] = l->table[i];
	}
	free(l->table);
	l->table = t;
	l->table_mask = ncap - 1;
}

/* The entry of intel id s (n bytes), added when new. */
static uint32_t entry_for(struct gs_link *l, const char *s, size_t n)
{
	uint32_t t;
	size_t j;

	if (!l->table || 2 * (l->nids + 1) > l->table_mask + 1)
		table_grow(l);
	t = tag_of(gs_hash64(s, n));
	j = probe(l, t, s, n);
	if (l->table[j])
		return (uint32_t)l->table[j] - 1;
	assert(l->nids < UINT32_MAX - 1);
	if (l->nids == l->ids_cap) {
		l->ids_cap = grown(l->ids_cap);
		l->ids = xrealloc(l->ids, l->ids_cap * sizeof(*l->ids));
	}
	memset(&l->ids[l->nids], 0, sizeof(l->ids[l->nids]));
	l->ids[l->nids].key = gs_arena_strndup(&l->arena, s, n);
	l->table[j] = (uint64_t)t << 32 | (uint32_t)(l->nids + 1);
	return (uint32_t)l->nids++;
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
		l->cap = grown(l->cap);
		l->actions = xrealloc(l->actions, l->cap * sizeof(*l->actions));
	}
	ai = (uint32_t)l->nactions++;
	a = &l->actions[ai];
	memset(a, 0, sizeof(*a));
	a->action_id = gs_arena_strndup(&l->arena, rec->action_id.ptr,
					rec->action_id.len);
	a->type = intern(l, rec->type.ptr, rec->type.len);
	a->line = rec->line;
	a->day = (int32_t)rec->action_day;
	a->qualifies = (unsigned char)gs_profile_qualifies(
		l->profile, rec->type.ptr, rec->type.len, rec->rationale.ptr,
		rec->rationale.len);
	l->finished = 0;
	while (p < end) {
		const char *q = memchr(p, sep, (size_t)(end - p));
		const char *s = p, *e = q ? q : end;
		uint32_t entry;
		int dup = 0;

		p = q ? q + 1 : end;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (s == e)
			continue;
		entry = entry_for(l, s, (size_t)(e - s));
		/* the same id twice in one action counts once */
		for (size_t i = first; i < l->ncites; i++)
			dup |= l->cites[i].entry == entry;
		if (dup)
			continue;
		if (l->ncites == l->cites_cap) {
			l->cites_cap = grown(l->cites_cap);
			l->cites = xrealloc(l->cites,
					    l->cites_cap * sizeof(*l->cites));
		}
		l->cites[l->ncites].action = ai;
		l->cites[l->ncites].entry = entry;
		l->ncites++;
		l->ids[entry].n++;
	}
}

/* Gives back the growth slack of an array of n elements of size sz. */
static void *trim(void *p, size_t n, size_t sz, size_t *cap)
{
	if (!p || *cap == n)
		return p;
	*cap = n ? n : 1;
	return xrealloc(p, *cap * sz);
}

void gs_link_finish(struct gs_link *l)
{
	uint32_t *fill;

	if (l->finished)
		return;
	/* trimmed before the pointers into actions are made (a later
	 * gs_link_add may move the array again: gs_link.h) */
	l->actions = trim(l->actions, l->nactions, sizeof(*l->actions),
			  &l->cap);
	l->cites = trim(l->cites, l->ncites, sizeof(*l->cites),
			&l->cites_cap);
	l->ids = trim(l->ids, l->nids, sizeof(*l->ids), &l->ids_cap);
	for (size_t k = 0, at = 0; k < l->nids; k++) {
		l->ids[k].start = (uint32_t)at;
		at += l->ids[k].n;
	}
	free(l->flat);
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
	j = probe(l, tag_of(gs_hash64(id, n)), id, n);
	return l->table[j] ? &l->ids[(uint32_t)l->table[j] - 1] : NULL;
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
			cb(ctx, a, l->ids[c->entry].key);
	}
	return count;
}

size_t gs_link_count(const struct gs_link *l)
{
	return l->nactions;
}
