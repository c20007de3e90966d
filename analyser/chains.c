/* chains.c - repeat unactioned intelligence (gs_chains.h). */
#include "gs_chains.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gs_scan.h"
#include "gs_util.h"

/* Street-type abbreviations a place is normalised through. */
static const char *const place_words[][2] = {
	{"st", "street"}, {"rd", "road"},   {"ave", "avenue"},
	{"ln", "lane"},   {"dr", "drive"},  {"cl", "close"},
	{"ct", "court"},  {"sq", "square"}, {"pl", "place"}};

static size_t put(char *out, size_t outsz, size_t k, const char *s, size_t n)
{
	for (size_t i = 0; i < n && k + 1 < outsz; i++)
		out[k++] = s[i];
	return k;
}

size_t gs_chains_normalise(const char *type, const char *raw, size_t n,
			   char *out, size_t outsz)
{
	size_t k = 0, start;

	if (outsz < 4)
		return 0;
	k = put(out, outsz, 0, type, strlen(type));
	k = put(out, outsz, k, ":", 1);
	start = k;
	if (strcmp(type, "vrm") == 0) {
		for (size_t i = 0; i < n && k + 1 < outsz; i++) {
			if (isalnum((unsigned char)raw[i]))
				out[k++] = (char)toupper((unsigned char)raw[i]);
		}
	} else if (strcmp(type, "phone") == 0) {
		size_t i = 0;

		while (i < n && !isdigit((unsigned char)raw[i]) && raw[i] != '+')
			i++;
		if (i + 2 < n && raw[i] == '+' && raw[i + 1] == '4' &&
		    raw[i + 2] == '4') {
			out[k++] = '0';
			i += 3;
		}
		for (; i < n && k + 1 < outsz; i++) {
			if (isdigit((unsigned char)raw[i]))
				out[k++] = raw[i];
		}
		/* 0044... written out in full */
		if (k - start > 4 && strncmp(out + start, "0044", 4) == 0) {
			memmove(out + start + 1, out + start + 4, k - start - 4);
			k -= 3;
		}
	} else if (strcmp(type, "place") == 0) {
		size_t i = 0;

		while (i < n) {
			size_t j;
			char word[32];
			size_t wl = 0;

			while (i < n && !isalnum((unsigned char)raw[i]))
				i++;
			j = i;
			while (j < n && isalnum((unsigned char)raw[j]))
				j++;
			if (j == i)
				break;
			for (size_t c = i; c < j && wl < sizeof(word) - 1; c++)
				word[wl++] = (char)tolower((unsigned char)raw[c]);
			word[wl] = '\0';
			if (k > start)
				k = put(out, outsz, k, " ", 1);
			{
				const char *w = word;

				for (size_t p = 0;
				     p < sizeof(place_words) / sizeof(*place_words);
				     p++) {
					if (strcmp(word, place_words[p][0]) == 0)
						w = place_words[p][1];
				}
				k = put(out, outsz, k, w, strlen(w));
			}
			i = j;
		}
	} else {
		size_t i = 0, e = n;

		while (i < e && isspace((unsigned char)raw[i]))
			i++;
		while (e > i && isspace((unsigned char)raw[e - 1]))
			e--;
		k = put(out, outsz, k, raw + i, e - i);
	}
	out[k] = '\0';
	return k > start ? k : 0;
}

struct entity_list {
	size_t *idx;
	size_t n;
};

struct sort_ctx {
	const struct gs_run *run;
};

static int cmp_member(const void *a, const void *b, void *ctx)
{
	const struct gs_run *run = ctx;
	const struct gs_flagged *x = &run->flagged[*(const size_t *)a];
	const struct gs_flagged *y = &run->flagged[*(const size_t *)b];

	if (x->logged_day != y->logged_day)
		return x->logged_day < y->logged_day ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int has_str(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i], s) == 0)
			return 1;
	}
	return 0;
}

/* 1 when a and b cite each other in text or share an action. */
static int cross_ref(const struct gs_flagged *a, const struct gs_flagged *b)
{
	if (has_str(a->text_refs, a->ntext_refs, b->id) ||
	    has_str(b->text_refs, b->ntext_refs, a->id))
		return 1;
	for (size_t i = 0; i < a->naction_ids; i++) {
		if (has_str(b->action_ids, b->naction_ids, a->action_ids[i]))
			return 1;
	}
	return 0;
}

static size_t count_subjects(const struct gs_run *run, const size_t *m,
			     size_t n)
{
	struct gs_map *seen = gs_map_new();
	size_t count;

	for (size_t i = 0; i < n; i++) {
		const struct gs_flagged *f = &run->flagged[m[i]];

		for (size_t e = 0; e < f->nentities; e++) {
			if (strncmp(f->entities[e], "subject:", 8) == 0)
				gs_map_slot(seen, f->entities[e],
					    strlen(f->entities[e]), NULL);
		}
	}
	count = gs_map_count(seen);
	gs_map_free(seen);
	return count;
}

static void emit_chain(const struct gs_run *run, const char *entity,
		       const size_t *m, size_t n, struct gs_chain_set *out)
{
	struct gs_chain c;

	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < n; i++)
		c.ngaps += run->flagged[m[i]].status == GS_STATUS_GAP;
	if (!c.ngaps)
		return;
	c.entity = xstrdup(entity);
	c.members = xmalloc(n * sizeof(*c.members));
	memcpy(c.members, m, n * sizeof(*m));
	c.nmembers = n;
	c.first_day = run->flagged[m[0]].logged_day;
	c.last_day = run->flagged[m[n - 1]].logged_day;
	c.nsubjects = count_subjects(run, m, n);
	for (size_t i = 0; i < n && !c.cross_referenced; i++) {
		for (size_t j = i + 1; j < n && !c.cross_referenced; j++)
			c.cross_referenced = cross_ref(&run->flagged[m[i]],
						       &run->flagged[m[j]]);
	}
	if ((out->nchains & (out->nchains - 1)) == 0)
		out->chains = xrealloc(out->chains, (out->nchains ? out->nchains * 2
								   : 4) *
							    sizeof(*out->chains));
	out->chains[out->nchains++] = c;
}

static int cmp_chain(const void *a, const void *b)
{
	const struct gs_chain *x = a, *y = b;

	if (x->nsubjects != y->nsubjects)
		return x->nsubjects > y->nsubjects ? -1 : 1;
	if (x->ngaps != y->ngaps)
		return x->ngaps > y->ngaps ? -1 : 1;
	if (x->nmembers != y->nmembers)
		return x->nmembers > y->nmembers ? -1 : 1;
	return strcmp(x->entity, y->entity);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

void gs_chains_find(const struct gs_run *run, int min_records,
		    int window_days, struct gs_chain_set *out)
{
	struct gs_map *by_entity = gs_map_new();
	struct gs_map *pairs = gs_map_new();
	unsigned char *isolated = xcalloc(run->nflagged + 1, 1);
	size_t it = 0;
	const char *key;
	void *v;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < run->nflagged; i++) {
		const struct gs_flagged *f = &run->flagged[i];

		for (size_t e = 0; e < f->nentities; e++) {
			void **slot = gs_map_slot(by_entity, f->entities[e],
						  strlen(f->entities[e]), NULL);
			struct entity_list *l = *slot;

			if (!l)
				l = *slot = xcalloc(1, sizeof(*l));
			if ((l->n & (l->n - 1)) == 0)
				l->idx = xrealloc(l->idx, (l->n ? l->n * 2 : 4) *
								  sizeof(size_t));
			l->idx[l->n++] = i;
		}
	}
	while (gs_map_iter(by_entity, &it, &key, &v)) {
		struct entity_list *l = v;
		size_t lo = 0, clo = 0, chi = 0;
		int open = 0;

		if (l->n < 2)
			continue;
		qsort_r(l->idx, l->n, sizeof(size_t), cmp_member, (void *)run);
		for (size_t j = 0; j < l->n; j++) {
			long dj = run->flagged[l->idx[j]].logged_day;

			while (dj - run->flagged[l->idx[lo]].logged_day >
			       window_days)
				lo++;
			/* isolated pairs: every earlier record in the window */
			for (size_t i = lo; i < j; i++) {
				size_t a = l->idx[i], b = l->idx[j];
				char pk[48];

				if (cross_ref(&run->flagged[a], &run->flagged[b]))
					continue;
				snprintf(pk, sizeof(pk), "%zu:%zu", a < b ? a : b,
					 a < b ? b : a);
				gs_map_slot(pairs, pk, strlen(pk), NULL);
				isolated[a] = isolated[b] = 1;
			}
			if (j - lo + 1 < (size_t)min_records)
				continue;
			if (open && lo <= chi) {
				chi = j;
				continue;
			}
			if (open)
				emit_chain(run, key, l->idx + clo, chi - clo + 1,
					   out);
			open = 1;
			clo = lo;
			chi = j;
		}
		if (open)
			emit_chain(run, key, l->idx + clo, chi - clo + 1, out);
	}
	if (out->nchains)
		qsort(out->chains, out->nchains, sizeof(*out->chains), cmp_chain);
	out->isolated_pairs = gs_map_count(pairs);
	for (size_t i = 0; i < run->nflagged; i++) {
		if (!isolated[i])
			continue;
		if ((out->nisolated & (out->nisolated - 1)) == 0)
			out->isolated = xrealloc(out->isolated,
						 (out->nisolated ? out->nisolated * 2
								 : 4) *
							 sizeof(size_t));
		out->isolated[out->nisolated++] = i;
	}
	if (out->nisolated)
		qsort(out->isolated, out->nisolated, sizeof(size_t), cmp_size);
	it = 0;
	while (gs_map_iter(by_entity, &it, NULL, &v)) {
		struct entity_list *l = v;

		free(l->idx);
		free(l);
	}
	gs_map_free(by_entity);
	gs_map_free(pairs);
	free(isolated);
}

void gs_chain_set_release(struct gs_chain_set *set)
{
	for (size_t i = 0; i < set->nchains; i++) {
		free(set->chains[i].entity);
		free(set->chains[i].members);
	}
	free(set->chains);
	free(set->isolated);
	memset(set, 0, sizeof(*set));
}
