/*
 * gs_link.h - the actions index: intelligence id -> actions citing it.
 *
 * Built once from the actions export before the intelligence is streamed.
 * An action may cite several ids (multi-value cell); each is indexed. The
 * index copies what it keeps. Lookups are read-only and thread-safe; the
 * "seen" and "before the log" marks are atomic stores.
 */
#ifndef GS_LINK_H
#define GS_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "gs_error.h"
#include "gs_ingest.h"
#include "gs_profile.h"

struct gs_action {
	const char *action_id; /* owned by the index */
	const char *type;      /* interned by the index */
	long line;
	int32_t day;              /* action_at as a day number */
	unsigned char qualifies;  /* by the profile's types/rationale rule */
	unsigned char unknown;    /* cites an id absent from the intel export */
	unsigned char before_log; /* dated before the log of a record it
				     cites (set by gs_link_mark_before_log) */
};

struct gs_link;

struct gs_link *gs_link_new(const struct gs_profile *p);
void gs_link_free(struct gs_link *l);

/* Indexes an action (copied). Pointers to actions are stable from
 * gs_link_finish (or the first lookup) until the next gs_link_add. */
void gs_link_add(struct gs_link *l, const struct gs_action_rec *rec);

/* Groups the citations by intel id. Call it after the last gs_link_add and
 * before lookups from several threads (a lookup on an unfinished index
 * finishes it, which is only safe single-threaded). */
void gs_link_finish(struct gs_link *l);

/* Actions citing intel id (n bytes): *out points to an array of pointers
 * owned by the index. Returns the count. */
size_t gs_link_find(const struct gs_link *l, const char *id, size_t n,
		    const struct gs_action *const **out);

/* Marks an action as dated before the log of a record it cites. Returns 1
 * the first time for that action, else 0, so each action is counted once
 * however many of its records it precedes. Safe from several threads (an
 * atomic exchange). */
int gs_link_mark_before_log(const struct gs_link *l, const struct gs_action *a);

/* Marks an intel id as present in the intelligence export. */
void gs_link_mark_seen(struct gs_link *l, const char *id, size_t n);

/* gs_link_find and gs_link_mark_seen in one lookup. Safe from several
 * threads at once on a finished index (the mark is an atomic store). */
size_t gs_link_find_seen(const struct gs_link *l, const char *id, size_t n,
			 const struct gs_action *const **out);

/* After the intel stream: number of actions citing at least one id never
 * marked seen (sets gs_action.unknown). cb (may be NULL) is called once per
 * (action, unknown id) pair, in action file order. */
size_t gs_link_count_unknown(struct gs_link *l,
			     void (*cb)(void *ctx, const struct gs_action *a,
					const char *intel_id),
			     void *ctx);

size_t gs_link_count(const struct gs_link *l); /* actions indexed */

#endif
