/*
 * factors.c - required literal factors of a PCRE2 pattern. See factors.h.
 *
 * A recursive-descent reader of the PCRE2 syntax computes, for every node,
 * either an EXACT set (every match of the node is one of these strings) or
 * a REQUIRED set (every match contains one of them; {""} means "nothing
 * known"):
 * - a literal is exact {c}; a class of at most CLASS_MAX characters (after
 *   folding) is exact, a larger one nothing known;
 * - a concatenation multiplies exact sets while the product stays small;
 *   when it would not, or when an inexact child comes, the run so far
 *   becomes a candidate, and so does every required set of an inexact
 *   child; all candidates hold for the same match, so the result is a
 *   conjunction of the best CAND_MAX (longest shortest string, then fewest
 *   strings), the best first;
 * - an alternation is the union of the branches' best sets (exact when
 *   every branch is);
 * - x? is exact x plus "", x{m,n} repeats x m times then (x|"") up to n,
 *   x* and the rest of an unbounded repeat are "nothing known";
 * - zero-width items (\b, anchors, lookarounds) are exact {""};
 * - a required set drops every string holding another of its strings
 *   (sset_minimize): "contains one of them" stays the same, with fewer
 *   literals.
 * Whatever is not understood fails the whole pattern (no factors).
 */
#include <stdlib.h>
#include <string.h>

#include "factors.h"
#include "gs_util.h"

#define CLASS_MAX 10   /* largest class kept as an exact set */
#define REPEAT_MAX 8   /* largest bounded repeat expanded */
#define UNION_MAX 1024 /* largest required set kept from a union */
#define DEPTH_MAX 200
#define CAND_MAX 8     /* required sets a concatenation keeps */

/* A set of strings; h is an open-addressing index of v (slot = index + 1,
 * 0 empty) so that adding stays O(1) for the larger sets. */
struct sset {
	struct gs_factor *v;
	size_t n, cap;
	size_t *h;
	size_t hcap; /* a power of two, or 0 */
	int minimal; /* 1 after sset_minimize, until the next add */
};

/* s: the exact set, or the best required set; more[]: further required
 * sets of the same match (a conjunction, never when exact). */
struct info {
	int exact;
	struct sset s;
	struct sset more[CAND_MAX];
	size_t nmore;
};

struct parser {
	const char *p, *end;
	int fold;  /* caseless: fold letters to lower case */
	int fail;  /* syntax not understood */
	int saw_i; /* an inline (?i) in a case-sensitive pattern */
	int depth;
};

/* ---- string sets ---- */

static void sset_free(struct sset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].s);
	free(s->v);
	free(s->h);
	memset(s, 0, sizeof(*s));
}

/* First slot to probe for p[0..len) in a table of cap (a power of two). */
static size_t home(const char *p, size_t len, size_t cap)
{
	return (size_t)gs_hash64(p, len) & (cap - 1);
}

/* (Re)builds the index of s with room for at least want strings. */
static void sset_reindex(struct sset *s, size_t want)
{
	size_t cap = 16;

	while (cap < want * 2)
		cap *= 2;
	free(s->h);
	s->h = xcalloc(cap, sizeof(*s->h));
	s->hcap = cap;
	for (size_t i = 0; i < s->n; i++) {
		size_t k = home(s->v[i].s, s->v[i].len, cap);

		while (s->h[k] != 0)
			k = (k + 1) & (cap - 1);
		s->h[k] = i + 1;
	}
}

/* Index of the string p[0..len) in s, or -1. */
static long sset_find(const struct sset *s, const char *p, size_t len)
{
	size_t k;

	if (s->hcap == 0)
		return -1;
	k = home(p, len, s->hcap);
	while (s->h[k] != 0) {
		const struct gs_factor *f = &s->v[s->h[k] - 1];

		if (f->len == len && memcmp(f->s, p, len) == 0)
			return (long)(s->h[k] - 1);
		k = (k + 1) & (s->hcap - 1);
	}
	return -1;
}

static void sset_add(struct sset *s, const char *p, size_t len)
{
	size_t k;

	if (sset_find(s, p, len) >= 0)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n].s = xmalloc(len + 1);
	memcpy(s->v[s->n].s, p, len);
	s->v[s->n].s[len] = '\0';
	s->v[s->n].len = len;
	s->n++;
	s->minimal = 0;
	if ((s->n + 1) * 2 > s->hcap) {
		sset_reindex(s, s->n * 2);
		return;
	}
	k = home(p, len, s->hcap);
	while (s->h[k] != 0)
		k = (k + 1) & (s->hcap - 1);
	s->h[k] = s->n;
}

static void sset_copy(struct sset *dst, const struct sset *src)
{
	int was_empty = dst->n == 0;

	for (size_t i = 0; i < src->n; i++)
		sset_add(dst, src->v[i].s, src->v[i].len);
	if (was_empty)
		dst->minimal = src->minimal;
}

/* 1 when a and b hold the same strings (neither has duplicates). */
static int sset_equal(const struct sset *a, const struct sset *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (sset_find(b, a->v[i].s, a->v[i].len) < 0)
			return 0;
	return 1;
}

/* Drops every string that contains another string of s: for a REQUIRED
 * set ("a match contains one of them") the shorter one alone says as much.
 * The shortest length stays. Never for an exact set. A string is looked
 * up by its substrings of the lengths the set holds. */
static void sset_minimize(struct sset *s)
{
	unsigned char lens[GS_FACTORS_MAX_LEN + 1];
	unsigned char *drop;
	size_t keep = 0;

	if (s->n < 2 || s->minimal) {
		s->minimal = 1;
		return;
	}
	drop = xcalloc(s->n, 1);
	memset(lens, 0, sizeof(lens));
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].len <= GS_FACTORS_MAX_LEN)
			lens[s->v[i].len] = 1;
	for (size_t i = 0; i < s->n; i++) {
		const struct gs_factor *f = &s->v[i];
		int covered = 0;

		for (size_t l = 0; l < f->len && l <= GS_FACTORS_MAX_LEN &&
				   !covered; l++) {
			if (!lens[l])
				continue;
			for (size_t at = 0; at + l <= f->len && !covered; at++)
				covered = sset_find(s, f->s + at, l) >= 0;
		}
		drop[i] = (unsigned char)covered;
	}
	for (size_t i = 0; i < s->n; i++) {
		if (drop[i])
			free(s->v[i].s);
		else
			s->v[keep++] = s->v[i];
	}
	free(drop);
	s->n = keep;
	sset_reindex(s, s->n);
	s->minimal = 1;
}

static void info_free(struct info *in)
{
	sset_free(&in->s);
	for (size_t i = 0; i < in->nmore; i++)
		sset_free(&in->more[i]);
	in->nmore = 0;
}

static size_t sset_minlen(const struct sset *s)
{
	size_t m = (size_t)-1;

	if (s->n == 0)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].len < m)
			m = s->v[i].len;
	return m;
}

/* 1 when a is a better required set than b: longer shortest string (up
 * to 8 bytes, beyond that more length hardly filters better), then fewer
 * strings. */
static int sset_better(const struct sset *a, const struct sset *b)
{
	size_t ma = sset_minlen(a), mb = sset_minlen(b);

	if (ma > 8)
		ma = 8;
	if (mb > 8)
		mb = 8;
	if (ma != mb)
		return ma > mb;
	return a->n < b->n;
}

/* 1 when a's shortest string (capped as in sset_better) is longer than
 * b's: a is better whatever the counts. */
static int sset_better_len(const struct sset *a, const struct sset *b)
{
	size_t ma = sset_minlen(a), mb = sset_minlen(b);

	return (ma > 8 ? 8 : ma) > (mb > 8 ? 8 : mb);
}

/* out = a x b. Returns 0, or -1 (out empty) when it would exceed the set
 * or string limits. */
static int sset_product(const struct sset *a, const struct sset *b,
			struct sset *out)
{
	char buf[GS_FACTORS_MAX_LEN];

	memset(out, 0, sizeof(*out));
	if (a->n * b->n > GS_FACTORS_MAX_SET)
		return -1;
	for (size_t i = 0; i < a->n; i++) {
		for (size_t j = 0; j < b->n; j++) {
			size_t la = a->v[i].len, lb = b->v[j].len;

			if (la + lb > GS_FACTORS_MAX_LEN) {
				sset_free(out);
				return -1;
			}
			memcpy(buf, a->v[i].s, la);
			memcpy(buf + la, b->v[j].s, lb);
			sset_add(out, buf, la + lb);
		}
	}
	return 0;
}

static struct info info_exact1(const char *p, size_t len)
{
	struct info in;

	memset(&in, 0, sizeof(in));
	in.exact = 1;
	sset_add(&in.s, p, len);
	return in;
}

static struct info info_any(void)
{
	struct info in = info_exact1("", 0);

	in.exact = 0;
	return in;
}

/* ---- concatenation ---- */

/* Every candidate is a required set of the concatenation (a run of exact
 * children, or a required set of an inexact child); they all hold for the
 * same match, so the best CAND_MAX of them form a conjunction. */
struct concat {
	struct sset run;              /* exact set of the current run */
	struct sset cand[CAND_MAX + 1]; /* best first */
	size_t ncand;
	int exact;                    /* 1 while everything so far was exact */
};

static void concat_init(struct concat *c)
{
	memset(c, 0, sizeof(*c));
	sset_add(&c->run, "", 0);
	c->exact = 1;
}

/* Offers s as a candidate required set (s is consumed). A set holding ""
 * requires nothing; an equal one is already there. */
static void concat_offer(struct concat *c, struct sset *s)
{
	size_t at;

	if (s->n == 0 || sset_minlen(s) == 0) {
		sset_free(s);
		return;
	}
	if (c->ncand == CAND_MAX &&
	    sset_better_len(&c->cand[CAND_MAX - 1], s)) {
		/* shorter than the worst kept one: it cannot get in */
		sset_free(s);
		return;
	}
	sset_minimize(s);
	for (size_t i = 0; i < c->ncand; i++) {
		if (sset_equal(&c->cand[i], s)) {
			sset_free(s);
			return;
		}
	}
	for (at = 0; at < c->ncand; at++)
		if (sset_better(s, &c->cand[at]))
			break;
	memmove(&c->cand[at + 1], &c->cand[at],
		(c->ncand - at) * sizeof(c->cand[0]));
	c->cand[at] = *s;
	memset(s, 0, sizeof(*s));
	c->ncand++;
	if (c->ncand > CAND_MAX)
		sset_free(&c->cand[--c->ncand]);
}

/* a x {one string}, in place (the common case: a literal character).
 * Appending the same suffix keeps the strings distinct. */
static int sset_append1(struct sset *a, const struct gs_factor *suf)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].len + suf->len > GS_FACTORS_MAX_LEN)
			return -1;
	for (size_t i = 0; i < a->n; i++) {
		struct gs_factor *f = &a->v[i];

		f->s = xrealloc(f->s, f->len + suf->len + 1);
		memcpy(f->s + f->len, suf->s, suf->len);
		f->len += suf->len;
		f->s[f->len] = '\0';
	}
	sset_reindex(a, a->n);
	a->minimal = 0;
	return 0;
}

static void concat_exact(struct concat *c, const struct sset *s)
{
	struct sset prod;

	if (s->n == 1 && sset_append1(&c->run, &s->v[0]) == 0)
		return;

	if (sset_product(&c->run, s, &prod) == 0) {
		sset_free(&c->run);
		c->run = prod;
		return;
	}
	/* too big: the run so far is a candidate, a new run starts */
	c->exact = 0;
	concat_offer(c, &c->run);
	memset(&c->run, 0, sizeof(c->run));
	sset_copy(&c->run, s);
}

/* An inexact child: its required sets (none when req is NULL) are
 * candidates, and the run ends. */
static void concat_inexact(struct concat *c, const struct info *req)
{
	c->exact = 0;
	concat_offer(c, &c->run);
	memset(&c->run, 0, sizeof(c->run));
	sset_add(&c->run, "", 0);
	if (req == NULL)
		return;
	for (size_t i = 0; i <= req->nmore; i++) {
		struct sset copy;

		memset(&copy, 0, sizeof(copy));
		sset_copy(&copy, i == 0 ? &req->s : &req->more[i - 1]);
		concat_offer(c, &copy);
	}
}

static struct info concat_finish(struct concat *c)
{
	struct info in;

	memset(&in, 0, sizeof(in));
	if (c->exact) {
		in.exact = 1;
		in.s = c->run;
		return in;
	}
	concat_offer(c, &c->run);
	if (c->ncand == 0) {
		sset_add(&in.s, "", 0); /* nothing known */
		return in;
	}
	in.s = c->cand[0];
	for (size_t i = 1; i < c->ncand; i++)
		in.more[in.nmore++] = c->cand[i];
	return in;
}

/* Feeds atom a repeated {min,max} (max < 0: unbounded) into c. */
static void concat_repeat(struct concat *c, const struct info *a, long min,
			  long max)
{
	if (max == 0)
		return;
	if (!a->exact) {
		concat_inexact(c, min >= 1 ? a : NULL);
		return;
	}
	for (long i = 0; i < min && i < REPEAT_MAX; i++)
		concat_exact(c, &a->s);
	if (min > REPEAT_MAX || max < 0 || max > REPEAT_MAX) {
		/* more copies than expanded: the rest is not known */
		concat_inexact(c, NULL);
		return;
	}
	if (max > min) {
		struct sset opt;

		memset(&opt, 0, sizeof(opt));
		sset_copy(&opt, &a->s);
		sset_add(&opt, "", 0);
		for (long i = min; i < max; i++)
			concat_exact(c, &opt);
		sset_free(&opt);
	}
}

/* ---- the reader ---- */

static struct info parse_alt(struct parser *ps);

static int at_end(const struct parser *ps)
{
	return ps->p >= ps->end;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hexval(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char fold_char(const struct parser *ps, char c)
{
	if (ps->fold && c >= 'A' && c <= 'Z')
		return (char)(c + 32);
	return c;
}

/* Skips one UTF-8 character (the lead byte at ps->p). */
static void skip_utf8(struct parser *ps)
{
	ps->p++;
	while (!at_end(ps) && ((unsigned char)*ps->p & 0xC0) == 0x80)
		ps->p++;
}

enum esc { ESC_LIT, ESC_ZERO, ESC_ANY, ESC_FAIL };

/* Skips a {...}, <...> or '...' name after \g, \k, \p. */
static int skip_braced(struct parser *ps)
{
	char close;

	if (at_end(ps))
		return -1;
	if (*ps->p == '{')
		close = '}';
	else if (*ps->p == '<')
		close = '>';
	else if (*ps->p == '\'')
		close = '\'';
	else
		return -1;
	ps->p++;
	while (!at_end(ps) && *ps->p != close)
		ps->p++;
	if (at_end(ps))
		return -1;
	ps->p++;
	return 0;
}

/* Reads the escape after a backslash (ps->p is past it). */
static enum esc parse_escape(struct parser *ps, int in_class, char *lit)
{
	unsigned char c;

	if (at_end(ps))
		return ESC_FAIL;
	c = (unsigned char)*ps->p++;
	if (c >= 0x80) {
		ps->p--;
		skip_utf8(ps);
		return ESC_ANY;
	}
	if (!is_alnum(c)) {
		*lit = (char)c;
		return ESC_LIT;
	}
	switch (c) {
	case 'n': *lit = '\n'; return ESC_LIT;
	case 't': *lit = '\t'; return ESC_LIT;
	case 'r': *lit = '\r'; return ESC_LIT;
	case 'f': *lit = '\f'; return ESC_LIT;
	case 'e': *lit = 0x1b; return ESC_LIT;
	case 'a': *lit = 0x07; return ESC_LIT;
	case 'b':
		if (in_class) {
			*lit = 0x08;
			return ESC_LIT;
		}
		return ESC_ZERO;
	case 'B': case 'A': case 'Z': case 'z': case 'G': case 'K':
		return in_class ? ESC_FAIL : ESC_ZERO;
	case 'd': case 'D': case 's': case 'S': case 'w': case 'W':
	case 'h': case 'H': case 'v': case 'V':
		return ESC_ANY;
	case 'R': case 'X':
		return in_class ? ESC_FAIL : ESC_ANY;
	case 'N':
		if (!at_end(ps) && *ps->p == '{')
			return ESC_FAIL;
		return in_class ? ESC_FAIL : ESC_ANY;
	case 'p': case 'P':
		if (!at_end(ps) && *ps->p == '{')
			return skip_braced(ps) == 0 ? ESC_ANY : ESC_FAIL;
		if (at_end(ps) || !is_alnum((unsigned char)*ps->p))
			return ESC_FAIL;
		ps->p++;
		return ESC_ANY;
	case 'x': {
		unsigned long v = 0;
		int digits = 0;

		if (!at_end(ps) && *ps->p == '{') {
			ps->p++;
			while (!at_end(ps) && hexval((unsigned char)*ps->p) >= 0 &&
			       digits < 8) {
				v = v * 16 + (unsigned long)hexval((unsigned char)*ps->p++);
				digits++;
			}
			if (at_end(ps) || *ps->p != '}' || digits == 0)
				return ESC_FAIL;
			ps->p++;
		} else {
			while (!at_end(ps) && hexval((unsigned char)*ps->p) >= 0 &&
			       digits < 2) {
				v = v * 16 + (unsigned long)hexval((unsigned char)*ps->p++);
				digits++;
			}
		}
		if (v >= 0x80)
			return ESC_ANY;
		*lit = (char)v;
		return ESC_LIT;
	}
	case 'g': case 'k':
		if (in_class)
			return ESC_FAIL;
		if (c == 'g' && !at_end(ps) &&
		    (is_digit((unsigned char)*ps->p) || *ps->p == '-' ||
		     *ps->p == '+')) {
			ps->p++;
			while (!at_end(ps) && is_digit((unsigned char)*ps->p))
				ps->p++;
			return ESC_ANY;
		}
		return skip_braced(ps) == 0 ? ESC_ANY : ESC_FAIL;
	default:
		break;
	}
	if (is_digit(c) && !in_class && c != '0') {
		/* a back reference: the text is unknown */
		while (!at_end(ps) && is_digit((unsigned char)*ps->p))
			ps->p++;
		return ESC_ANY;
	}
	return ESC_FAIL; /* octal, \c, \o, \Q, \E, ... */
}

static void class_add(unsigned char *set, int c)
{
	set[c & 0x7f] = 1;
}

/* Reads a class after '['; returns exact single characters or "any". */
static struct info parse_class(struct parser *ps)
{
	unsigned char set[128];
	int negated = 0, big = 0, first = 1, prev = -1;
	struct info in;

	memset(set, 0, sizeof(set));
	if (!at_end(ps) && *ps->p == '^') {
		negated = 1;
		ps->p++;
	}
	for (;;) {
		int c;
		char lit = 0;

		if (at_end(ps)) {
			ps->fail = 1;
			return info_any();
		}
		c = (unsigned char)*ps->p;
		if (c == ']' && !first) {
			ps->p++;
			break;
		}
		first = 0;
		if (c == '[' && ps->p + 1 < ps->end &&
		    (ps->p[1] == ':' || ps->p[1] == '.' || ps->p[1] == '=')) {
			const char *close = NULL;

			for (const char *q = ps->p + 2; q + 1 < ps->end; q++) {
				if (q[0] == ps->p[1] && q[1] == ']') {
					close = q;
					break;
				}
			}
			if (close == NULL) {
				ps->fail = 1;
				return info_any();
			}
			ps->p = close + 2;
			big = 1;
			prev = -1;
			continue;
		}
		if (c == '-' && prev >= 0 && ps->p + 1 < ps->end &&
		    ps->p[1] != ']') {
			int hi;

			ps->p++;
			c = (unsigned char)*ps->p;
			if (c >= 0x80) {
				skip_utf8(ps);
				big = 1;
				prev = -1;
				continue;
			}
			if (c == '\\') {
				ps->p++;
				if (parse_escape(ps, 1, &lit) != ESC_LIT) {
					ps->fail = 1;
					return info_any();
				}
				hi = (unsigned char)lit;
			} else {
				ps->p++;
				hi = c;
			}
			if (hi < prev) {
				ps->fail = 1;
				return info_any();
			}
			for (int k = prev; k <= hi; k++)
				class_add(set, k);
			prev = -1;
			continue;
		}
		if (c >= 0x80) {
			skip_utf8(ps);
			big = 1;
			prev = -1;
			continue;
		}
		if (c == '\\') {
			enum esc e;

			ps->p++;
			e = parse_escape(ps, 1, &lit);
			if (e == ESC_FAIL || e == ESC_ZERO) {
				ps->fail = 1;
				return info_any();
			}
			if (e == ESC_ANY) {
				big = 1;
				prev = -1;
				continue;
			}
			c = (unsigned char)lit;
		} else {
			ps->p++;
		}
		class_add(set, c);
		prev = c;
	}
	if (negated || big)
		return info_any();
	memset(&in, 0, sizeof(in));
	in.exact = 1;
	for (int k = 0; k < 128; k++) {
		char ch;

		if (!set[k])
			continue;
		ch = fold_char(ps, (char)k);
		sset_add(&in.s, &ch, 1);
		if (in.s.n > CLASS_MAX) {
			sset_free(&in.s);
			return info_any();
		}
	}
	return in;
}

/* Reads (?flags) or (?flags: after "(?". Returns 1 for a group to parse,
 * 0 for a bare option setting (zero width), -1 when not understood. */
static int parse_options(struct parser *ps)
{
	int off = 0;

	while (!at_end(ps)) {
		char c = *ps->p++;

		if (c == ')')
			return 0;
		if (c == ':')
			return 1;
		if (c == '-') {
			off = 1;
			continue;
		}
		if (c == '^')
			continue;
		if (c == 'i') {
			if (!ps->fold)
				ps->saw_i = 1;
			continue;
		}
		if (c == 'x' && !off)
			return -1; /* extended: whitespace means nothing */
		if (c == 'm' || c == 's' || c == 'n' || c == 'x' || c == 'J' ||
		    c == 'U')
			continue;
		return -1;
	}
	return -1;
}

/* Moves past the next ch; 0, or -1 (and fail set) when there is none. */
static int skip_past(struct parser *ps, char ch)
{
	while (!at_end(ps) && *ps->p != ch)
		ps->p++;
	if (at_end(ps)) {
		ps->fail = 1;
		return -1;
	}
	ps->p++;
	return 0;
}

/* Reads a group after '('. */
static struct info parse_group(struct parser *ps)
{
	int zero = 0;
	struct info in;

	if (++ps->depth > DEPTH_MAX) {
		ps->fail = 1;
		return info_any();
	}
	if (!at_end(ps) && *ps->p == '*') {
		ps->fail = 1; /* (*VERB) */
		return info_any();
	}
	if (!at_end(ps) && *ps->p == '?') {
		ps->p++;
		if (at_end(ps)) {
			ps->fail = 1;
			return info_any();
		}
		switch (*ps->p) {
		case ':': case '>': case '|':
			ps->p++;
			break;
		case '=': case '!':
			ps->p++;
			zero = 1;
			break;
		case '<':
			ps->p++;
			if (!at_end(ps) && (*ps->p == '=' || *ps->p == '!')) {
				ps->p++;
				zero = 1;
				break;
			}
			if (skip_past(ps, '>') < 0)
				return info_any();
			break;
		case 'P':
			ps->p++;
			if (at_end(ps) || *ps->p != '<') {
				ps->fail = 1;
				return info_any();
			}
			if (skip_past(ps, '>') < 0)
				return info_any();
			break;
		case '\'':
			ps->p++;
			if (skip_past(ps, '\'') < 0)
				return info_any();
			break;
		case '#':
			if (skip_past(ps, ')') < 0)
				return info_any();
			ps->depth--;
			return info_exact1("", 0);
		default: {
			int r = parse_options(ps);

			if (r < 0) {
				ps->fail = 1;
				return info_any();
			}
			if (r == 0) {
				ps->depth--;
				return info_exact1("", 0);
			}
			break;
		}
		}
	}
	in = parse_alt(ps);
	if (at_end(ps) || *ps->p != ')') {
		ps->fail = 1;
		info_free(&in);
		return info_any();
	}
	ps->p++;
	ps->depth--;
	if (zero) {
		/* lookaround: text outside the match, contributes nothing */
		info_free(&in);
		return info_exact1("", 0);
	}
	return in;
}

/* Reads a quantifier at ps->p, if any: 1 with *min, *max (-1 unbounded). */
static int parse_quant(struct parser *ps, long *min, long *max)
{
	const char *q = ps->p;

	if (at_end(ps))
		return 0;
	if (*q == '?' || *q == '*' || *q == '+') {
		*min = *q == '+' ? 1 : 0;
		*max = *q == '?' ? 1 : -1;
		ps->p++;
	} else if (*q == '{') {
		long a = 0, b;
		const char *r = q + 1;

		if (r >= ps->end || !is_digit((unsigned char)*r))
			return 0; /* a literal '{' */
		while (r < ps->end && is_digit((unsigned char)*r) && a < 100000)
			a = a * 10 + (*r++ - '0');
		b = a;
		if (r < ps->end && *r == ',') {
			r++;
			b = -1;
			if (r < ps->end && is_digit((unsigned char)*r)) {
				b = 0;
				while (r < ps->end && is_digit((unsigned char)*r) &&
				       b < 100000)
					b = b * 10 + (*r++ - '0');
			}
		}
		if (r >= ps->end || *r != '}')
			return 0;
		ps->p = r + 1;
		*min = a;
		*max = b;
	} else {
		return 0;
	}
	if (!at_end(ps) && (*ps->p == '?' || *ps->p == '+'))
		ps->p++; /* lazy or possessive: the same text can match */
	return 1;
}

/* Reads one atom. */
static struct info parse_atom(struct parser *ps)
{
	unsigned char c = (unsigned char)*ps->p;
	char lit;

	if (c >= 0x80) {
		skip_utf8(ps);
		return info_any();
	}
	ps->p++;
	switch (c) {
	case '(':
		return parse_group(ps);
	case '[':
		return parse_class(ps);
	case '.':
		return info_any();
	case '^': case '$':
		return info_exact1("", 0);
	case '*': case '+': case '?':
		ps->fail = 1;
		return info_any();
	case '\\':
		switch (parse_escape(ps, 0, &lit)) {
		case ESC_LIT:
			lit = fold_char(ps, lit);
			return info_exact1(&lit, 1);
		case ESC_ZERO:
			return info_exact1("", 0);
		case ESC_ANY:
			return info_any();
		default:
			ps->fail = 1;
			return info_any();
		}
	default:
		lit = fold_char(ps, (char)c);
		return info_exact1(&lit, 1);
	}
}

static struct info parse_concat(struct parser *ps)
{
	struct concat c;

	concat_init(&c);
	while (!at_end(ps) && *ps->p != '|' && *ps->p != ')' && !ps->fail) {
		struct info a = parse_atom(ps);
		long min = 1, max = 1;

		if (parse_quant(ps, &min, &max)) {
			long min2, max2;

			if (parse_quant(ps, &min2, &max2))
				ps->fail = 1; /* a{2}{3}: rare, not worth it */
		}
		concat_repeat(&c, &a, min, max);
		info_free(&a);
	}
	return concat_finish(&c);
}

static struct info parse_alt(struct parser *ps)
{
	struct info acc = parse_concat(ps);

	while (!at_end(ps) && *ps->p == '|' && !ps->fail) {
		struct info b;

		ps->p++;
		b = parse_concat(ps);
		/* a branch's further sets do not hold for the other branches:
		 * the union of the best sets is what every match needs */
		for (size_t i = 0; i < acc.nmore; i++)
			sset_free(&acc.more[i]);
		acc.nmore = 0;
		acc.exact = acc.exact && b.exact;
		sset_copy(&acc.s, &b.s);
		info_free(&b);
		if (acc.exact && acc.s.n > GS_FACTORS_MAX_SET)
			acc.exact = 0;
		if (!acc.exact && acc.s.n > UNION_MAX)
			sset_minimize(&acc.s);
		if (acc.s.n > UNION_MAX) {
			info_free(&acc);
			acc = info_any();
		}
	}
	if (!acc.exact)
		sset_minimize(&acc.s);
	return acc;
}

/* 1 when s can be a factor set: at least min_len bytes, ASCII only. */
static int usable(const struct sset *s, size_t min_len)
{
	if (s->n == 0 || sset_minlen(s) < min_len)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->v[i].len; k++)
			if ((unsigned char)s->v[i].s[k] >= 0x80)
				return 0;
	return 1;
}

static void take(struct gs_factors *f, struct sset *s, int fold)
{
	f->v = s->v;
	f->n = s->n;
	f->caseless = fold;
	free(s->h);
	memset(s, 0, sizeof(*s));
}

static int compute(const char *src, int fold, size_t min_len,
		   struct gs_factor_sets *out, int *saw_i)
{
	struct parser ps;
	struct info in;

	memset(&ps, 0, sizeof(ps));
	ps.p = src;
	ps.end = src + strlen(src);
	ps.fold = fold;
	in = parse_alt(&ps);
	*saw_i = ps.saw_i;
	if (!ps.fail && at_end(&ps) && min_len > 0) {
		/* in.s is the best set, in.more[] the rest, best first */
		for (size_t i = 0; i <= in.nmore && out->n < GS_FACTORS_MAX_SETS;
		     i++) {
			struct sset *s = i == 0 ? &in.s : &in.more[i - 1];

			if (usable(s, min_len)) {
				sset_minimize(s);
				take(&out->set[out->n++], s, fold);
			}
		}
	}
	info_free(&in);
	return out->n > 0;
}

int gs_factors_compute_all(const char *src, int caseless, size_t min_len,
			   struct gs_factor_sets *out)
{
	int saw_i = 0;
	int r;

	memset(out, 0, sizeof(*out));
	r = compute(src, caseless, min_len, out, &saw_i);
	if (saw_i) {
		/* an inline (?i): caseless factors are a safe superset */
		gs_factor_sets_release(out);
		r = compute(src, 1, min_len, out, &saw_i);
	}
	return r ? (int)out->n : 0;
}

int gs_factors_compute(const char *src, int caseless, size_t min_len,
		       struct gs_factors *out)
{
	struct gs_factor_sets all;

	memset(out, 0, sizeof(*out));
	if (gs_factors_compute_all(src, caseless, min_len, &all) == 0)
		return 0;
	*out = all.set[0];
	memset(&all.set[0], 0, sizeof(all.set[0]));
	gs_factor_sets_release(&all);
	return 1;
}

void gs_factor_sets_release(struct gs_factor_sets *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < GS_FACTORS_MAX_SETS; i++)
		gs_factors_release(&s->set[i]);
	s->n = 0;
}

void gs_factors_release(struct gs_factors *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].s);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

int gs_factors_fold_hazard(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	const unsigned char *end = s + len, *p;

	/* memchr for the two lead bytes: almost every field has neither */
	for (p = s; (p = memchr(p, 0xC5, (size_t)(end - p))) != NULL; p++)
		if (end - p >= 2 && p[1] == 0xBF)
			return 1; /* U+017F long s */
	for (p = s; (p = memchr(p, 0xE2, (size_t)(end - p))) != NULL; p++)
		if (end - p >= 3 && p[1] == 0x84 &&
		    (p[2] == 0xAA || p[2] == 0xAB))
			return 1; /* U+212A Kelvin, U+212B Angstrom */
	return 0;
}
