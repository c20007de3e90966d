/* link.c - the actions index (gs_link.h). */
#include "gs_link.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "gs_util.h"

struct link_entry {
	const struct gs_action **acts;
	size_t n, cap;
	int seen;
};

struct cite {
	struct gs_action *action;
	char *intel_id;
};

struct gs_link {
	const struct gs_profile *profile;
	struct gs_map *by_intel; /* intel id -> struct link_entry */
	struct gs_action **actions;
	size_t nactions, cap;
	struct cite *cites; /* every (action, id) pair in file order */
	size_t ncites, cites_cap;
};

struct gs_link *gs_link_new(const struct gs_profile *p)
{
	struct gs_link *l = xcalloc(1, sizeof(*l));

	l->profile = p;
	l->by_intel = gs_map_new();
	return l;
}

void gs_link_free(struct gs_link *l)
{
	size_t i = 0;
	void *v;

	if (!l)
		return;
	while (gs_map_iter(l->by_intel, &i, NULL, &v)) {
		struct link_entry *e = v;

		free(e->acts);
		free(e);
	}
	gs_map_free(l->by_intel);
	for (i = 0; i < l->nactions; i++) {
		free(l->actions[i]->action_id);
		free(l->actions[i]->type);
		free(l->actions[i]->unit);
		free(l->actions[i]);
	}
	free(l->actions);
	for (i = 0; i < l->ncites; i++)
		free(l->cites[i].intel_id);
	free(l->cites);
	free(l);
}

static struct link_entry *entry(struct gs_link *l, const char *id, size_t n)
{
	void **slot = gs_map_slot(l->by_intel, id, n, NULL);

	if (!*slot)
		*slot = xcalloc(1, sizeof(struct link_entry));
	return *slot;
}

void gs_link_add(struct gs_link *l, const struct gs_action_rec *rec)
{
	struct gs_action *a = xcalloc(1, sizeof(*a));
	const char *p = rec->intel_ids.ptr, *end = p + rec->intel_ids.len;
	char sep = l->profile->actions.multi_sep;

	a->action_id = xstrndup(rec->action_id.ptr, rec->action_id.len);
	a->type = xstrndup(rec->type.ptr, rec->type.len);
	a->unit = xstrndup(rec->unit.ptr, rec->unit.len);
	a->line = rec->line;
	a->day = rec->action_day;
	a->qualifies = gs_profile_qualifies(l->profile, rec->type.ptr,
					    rec->type.len, rec->rationale.ptr,
					    rec->rationale.len);
	if (l->nactions == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->actions = xrealloc(l->actions, l->cap * sizeof(*l->actions));
	}
	l->actions[l->nactions++] = a;

	while (p < end) {
		const char *q = memchr(p, sep, (size_t)(end - p));
		const char *s = p, *e = q ? q : end;
		struct link_entry *en;
		int dup = 0;

		p = q ? q + 1 : end;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (s == e)
			continue;
		en = entry(l, s, (size_t)(e - s));
		/* the same id twice in one action counts once */
		for (size_t i = 0; i < en->n; i++)
			dup |= en->acts[i] == a;
		if (dup)
			continue;
		if (en->n == en->cap) {
			en->cap = en->cap ? 2 * en->cap : 2;
			en->acts = xrealloc(en->acts, en->cap * sizeof(*en->acts));
		}
		en->acts[en->n++] = a;
		a->nintel++;
		if (l->ncites == l->cites_cap) {
			l->cites_cap = l->cites_cap ? 2 * l->cites_cap : 256;
			l->cites = xrealloc(l->cites,
					    l->cites_cap * sizeof(*l->cites));
		}
		l->cites[l->ncites].action = a;
		l->cites[l->ncites].intel_id = xstrndup(s, (size_t)(e - s));
		l->ncites++;
	}
}

size_t gs_link_find(const struct gs_link *l, const char *id, size_t n,
		    const struct gs_action *const **out)
{
	const struct link_entry *e = gs_map_get(l->by_intel, id, n);

	if (!e) {
		*out = NULL;
		return 0;
	}
	*out = e->acts;
	return e->n;
}

void gs_link_mark_seen(struct gs_link *l, const char *id, size_t n)
{
	struct link_entry *e = gs_map_get(l->by_intel, id, n);

	if (e)
		e->seen = 1;
}

size_t gs_link_count_unknown(struct gs_link *l,
			     void (*cb)(void *ctx, const struct gs_action *a,
					const char *intel_id),
			     void *ctx)
{
	size_t count = 0;

	for (size_t i = 0; i < l->ncites; i++) {
		struct cite *c = &l->cites[i];
		const struct link_entry *e =
			gs_map_get(l->by_intel, c->intel_id, strlen(c->intel_id));

		if (e && e->seen)
			continue;
		if (!c->action->unknown)
			count++;
		c->action->unknown = 1;
		if (cb)
			cb(ctx, c->action, c->intel_id);
	}
	return count;
}

size_t gs_link_count(const struct gs_link *l)
{
	return l->nactions;
}
