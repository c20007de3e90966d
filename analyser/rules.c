/*
 * rules.c - loads, validates and compiles a rule pack (gs_rules.h,
 * docs/rules.md).
 *
 * jansson parses each file (with JSON_REJECT_DUPLICATES) but gives no
 * positions for values, so a small scanner walks the same text again and
 * records the line of every value and key (struct jpos); every message then
 * names FILE:LINE. The loader never stops at the first problem: it reports
 * each one through a callback, leaves out the rules that have one, and
 * gs_rules_load keeps only the first (rules_lint.h shows all of them).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "gs_util.h"
#include "rules_internal.h"
#include "rules_lint.h"

#define RULES_FILE_MAX (16u << 20) /* bytes in one pack file */
#define RULES_WINDOW_MAX 100000
#define RULES_SCOPE_MAX 100

static const char *const categories[] = {
	"missing",	 "older_associates",
	"gifts_money_phones",	 "vehicles_taxis",
	"premises",	 "alcohol_drugs",
	"sexual_health",	 "school_absence",
	"behaviour_change",	 "online_grooming",
	"peer_recruitment",	 "injuries_threats",
	"disclosure_withdrawal", "trafficking_movement",
	"looked_after",	 "explicit_concern",
	"language",	 NULL,
};
static const char *const statuses[] = {"experimental", "stable", "deprecated",
				       NULL};
static const char *const cue_types[] = {"negated", "hypothetical",
					"historical", "other_person",
					"uncertain", NULL};
static const char *const cue_dirs[] = {"forward", "backward", "both",
				       "terminate", "pseudo", NULL};

_Static_assert(sizeof(cue_types) / sizeof(*cue_types) == GS_CUE_NTYPES + 1,
	       "a name for every cue type");
_Static_assert(sizeof(cue_dirs) / sizeof(*cue_dirs) == GS_DIR_PSEUDO + 2,
	       "a name for every cue direction");

const char *gs_cue_type_name(enum gs_cue_type t)
{
	return cue_types[t];
}

const char *gs_cue_dir_name(enum gs_cue_dir d)
{
	return cue_dirs[d];
}

static const char *const top_keys[] = {"pack", "rules", "context",
				       "description", NULL};
static const char *const pack_keys[] = {"name", "version", "description",
					NULL};
static const char *const rule_keys[] = {
	"id",	  "title",	    "description", "category", "weight",
	"status", "patterns",	    "all",	   "window",   "exclude",
	"fields", "case_sensitive", "context",	   "references", "tests",
	NULL,
};
static const char *const test_keys[] = {"match", "no_match", "suppressed",
					NULL};
static const char *const cue_keys[] = {"id",	    "pattern", "type",
				       "direction", "scope",   "description",
				       NULL};
static const char *const ovr_keys[] = {"rule",	  "reason",  "disable",
				       "weight", "exclude", "patterns",
				       NULL};

/* ---- positions --------------------------------------------------------- */

/* Line and column of one JSON value; objects also keep their keys in
 * document order, with the line of each key. */
struct jpos {
	long line, col;
	size_t n;
	struct jpos *kids;
	char **keys;
	long *key_lines;
};

struct jscan {
	const char *p, *end, *bol;
	long line;
};

static void jpos_release(struct jpos *n)
{
	size_t i;

	for (i = 0; i < n->n; i++) {
		jpos_release(&n->kids[i]);
		if (n->keys)
			free(n->keys[i]);
	}
	free(n->kids);
	free(n->keys);
	free(n->key_lines);
	memset(n, 0, sizeof(*n));
}

static void js_ws(struct jscan *s)
{
	while (s->p < s->end) {
		if (*s->p == '\n') {
			s->line++;
			s->p++;
			s->bol = s->p;
		} else if (*s->p == ' ' || *s->p == '\t' || *s->p == '\r') {
			s->p++;
		} else {
			break;
		}
	}
}

static unsigned js_hex4(const char *p)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
	}
	return v;
}

static void js_put_utf8(struct gs_buf *b, unsigned cp)
{
	if (cp < 0x80) {
		gs_buf_putc(b, (int)cp);
	} else if (cp < 0x800) {
		gs_buf_putc(b, (int)(0xc0 | (cp >> 6)));
		gs_buf_putc(b, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		gs_buf_putc(b, (int)(0xe0 | (cp >> 12)));
		gs_buf_putc(b, (int)(0x80 | ((cp >> 6) & 0x3f)));
		gs_buf_putc(b, (int)(0x80 | (cp & 0x3f)));
	} else {
		gs_buf_putc(b, (int)(0xf0 | (cp >> 18)));
		gs_buf_putc(b, (int)(0x80 | ((cp >> 12) & 0x3f)));
		gs_buf_putc(b, (int)(0x80 | ((cp >> 6) & 0x3f)));
		gs_buf_putc(b, (int)(0x80 | (cp & 0x3f)));
	}
}

/* At '"': skips the string; decodes it into b when b is not NULL. The text
 * was already accepted by jansson, so escapes are well formed. */
static void js_string(struct jscan *s, struct gs_buf *b)
{
	s->p++;
	while (s->p < s->end && *s->p != '"') {
		if (*s->p != '\\') {
			if (b)
				gs_buf_putc(b, *s->p);
			s->p++;
			continue;
		}
		if (s->end - s->p < 2)
			break;
		s->p++;
		if (*s->p == 'u' && s->end - s->p >= 5) {
			unsigned cp = js_hex4(s->p + 1);

			s->p += 5;
			if (cp >= 0xd800 && cp < 0xdc00 && s->end - s->p >= 6 &&
			    s->p[0] == '\\' && s->p[1] == 'u') {
				unsigned lo = js_hex4(s->p + 2);

				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
				s->p += 6;
			}
			if (b)
				js_put_utf8(b, cp);
			continue;
		}
		if (b) {
			const char *from = "bfnrt", *to = "\b\f\n\r\t";
			const char *hit = strchr(from, *s->p);

			gs_buf_putc(b, hit ? to[hit - from] : *s->p);
		}
		s->p++;
	}
	if (s->p < s->end)
		s->p++;
}

static void js_value(struct jscan *s, struct jpos *n, int depth);

static void js_object(struct jscan *s, struct jpos *n, int depth)
{
	size_t cap = 0;
	struct gs_buf key;

	gs_buf_init(&key, 0);
	s->p++;
	for (;;) {
		struct jpos kid;
		long key_line;

		js_ws(s);
		if (s->p >= s->end || *s->p != '"')
			break;
		key_line = s->line;
		gs_buf_reset(&key);
		gs_buf_append(&key, "", 0);
		js_string(s, &key);
		js_ws(s);
		if (s->p < s->end && *s->p == ':')
			s->p++;
		js_value(s, &kid, depth + 1);
		if (n->n == cap) {
			cap = cap ? 2 * cap : 8;
			n->kids = xrealloc(n->kids, cap * sizeof(*n->kids));
			n->keys = xrealloc(n->keys, cap * sizeof(*n->keys));
			n->key_lines = xrealloc(n->key_lines,
						cap * sizeof(*n->key_lines));
		}
		n->kids[n->n] = kid;
		n->keys[n->n] = xstrndup(key.data, key.len);
		n->key_lines[n->n] = key_line;
		n->n++;
		js_ws(s);
		if (s->p < s->end && *s->p == ',')
			s->p++;
		else
			break;
	}
	js_ws(s);
	if (s->p < s->end && *s->p == '}')
		s->p++;
	gs_buf_release(&key);
}

static void js_array(struct jscan *s, struct jpos *n, int depth)
{
	size_t cap = 0;

	s->p++;
	js_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return;
	}
	for (;;) {
		struct jpos kid;

		js_value(s, &kid, depth + 1);
		if (n->n == cap) {
			cap = cap ? 2 * cap : 8;
			n->kids = xrealloc(n->kids, cap * sizeof(*n->kids));
		}
		n->kids[n->n++] = kid;
		js_ws(s);
		if (s->p < s->end && *s->p == ',')
			s->p++;
		else
			break;
	}
	js_ws(s);
	if (s->p < s->end && *s->p == ']')
		s->p++;
}

static void js_value(struct jscan *s, struct jpos *n, int depth)
{
	memset(n, 0, sizeof(*n));
	js_ws(s);
	n->line = s->line;
	n->col = (long)(s->p - s->bol) + 1;
	if (s->p >= s->end || depth > 4096)
		return;
	if (*s->p == '{') {
		js_object(s, n, depth);
	} else if (*s->p == '[') {
		js_array(s, n, depth);
	} else if (*s->p == '"') {
		js_string(s, NULL);
	} else {
		while (s->p < s->end && !strchr(",]} \t\r\n", *s->p))
			s->p++;
	}
}

/* Index of key in an object's positions, or -1. */
static long jpos_find(const struct jpos *n, const char *key)
{
	size_t i;

	if (!n || !n->keys)
		return -1;
	for (i = 0; i < n->n; i++)
		if (strcmp(n->keys[i], key) == 0)
			return (long)i;
	return -1;
}

static const struct jpos *jpos_get(const struct jpos *n, const char *key)
{
	long i = jpos_find(n, key);

	return i < 0 ? NULL : &n->kids[i];
}

static const struct jpos *jpos_at(const struct jpos *n, size_t i)
{
	return n && i < n->n ? &n->kids[i] : NULL;
}

/* ---- helpers ------------------------------------------------------------ */

long gs_rules_char_col(const char *s, size_t n)
{
	long col = 0;
	size_t i;

	for (i = 0; i < n && s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			col++;
	return col;
}

/* Bytes taken by the first k characters of s[0..n). */
static size_t utf8_advance(const char *s, size_t n, size_t k)
{
	size_t i = 0;

	while (i < n && k > 0) {
		i++;
		while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		k--;
	}
	return i;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t row[65], la = strlen(a), lb = strlen(b), i, j;

	if (la > 64 || lb > 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The closest of names to word, when close enough to be a likely typo. */
static const char *did_you_mean(const char *word, const char *const *names,
				size_t nnames)
{
	const char *best = NULL;
	size_t best_d = 99, i, wl = strlen(word);

	for (i = 0; i < nnames; i++) {
		size_t d = edit_distance(word, names[i]);
		size_t nl = strlen(names[i]);
		size_t limit = nl / 3 > 1 ? nl / 3 : 1;

		if (limit > 3)
			limit = 3;
		if (wl >= 3 && strncmp(word, names[i], wl) == 0 && d > limit)
			d = limit; /* a prefix: "vehicle" for "vehicles_taxis" */
		if (d <= limit && d < best_d) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}

static size_t count_names(const char *const *names)
{
	size_t n = 0;

	while (names[n])
		n++;
	return n;
}

static long name_index(const char *const *names, const char *s)
{
	long i;

	for (i = 0; names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static const char *json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static int valid_id(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '.' || *s == '-'))
			return 0;
	return 1;
}

static char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	char *p = xmalloc(n + strlen(name) + 2);

	if (n > 0 && dir[n - 1] == '/')
		sprintf(p, "%s%s", dir, name);
	else
		sprintf(p, "%s/%s", dir, name);
	return p;
}

/* Reads a whole file into a NUL-terminated buffer. Caller frees *out. */
static int read_file(const char *path, char **out, size_t *len,
		     struct gs_error *err)
{
	FILE *fp = fopen(path, "rb");
	struct gs_buf b;
	char chunk[8192];
	size_t n;
	int rc = 0;

	*out = NULL;
	gs_buf_init(&b, RULES_FILE_MAX);
	if (!fp)
		return gs_error_set(err, GS_ERR_RULE, path, 0, 0,
				    "cannot open: %s", strerror(errno));
	gs_buf_append(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (gs_buf_append(&b, chunk, n) < 0) {
			rc = gs_error_set(err, GS_ERR_RULE, path, 0, 0,
					  "file is larger than %u bytes",
					  RULES_FILE_MAX);
			goto out;
		}
	}
	if (ferror(fp)) {
		rc = gs_error_set(err, GS_ERR_RULE, path, 0, 0,
				  "cannot read: %s", strerror(errno));
		goto out;
	}
	*out = b.data;
	*len = b.len;
	b.data = NULL;
out:
	fclose(fp);
	gs_buf_release(&b);
	return rc;
}

char *gs_rules_overrides_beside(const char *dir)
{
	size_t n = strlen(dir);
	const char *slash, *base;
	char *parent, *path;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	parent = xstrndup(dir, n);
	slash = strrchr(parent, '/');
	base = slash ? slash + 1 : parent;
	if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || !*base) {
		path = path_join(parent, "../overrides.json");
	} else if (!slash) {
		path = xstrdup("overrides.json");
	} else if (slash == parent) {
		path = xstrdup("/overrides.json");
	} else {
		parent[slash - parent] = '\0';
		path = path_join(parent, "overrides.json");
	}
	free(parent);
	return path;
}

char *gs_rules_overrides_path(const char *dir,
			      const struct gs_rules_options *opt)
{
	struct stat st;
	char *path;

	if (opt && opt->overrides_path)
		return xstrdup(opt->overrides_path);
	path = gs_rules_overrides_beside(dir);
	if (stat(path, &st) != 0) {
		free(path);
		return NULL;
	}
	return path;
}

/* ---- the loader --------------------------------------------------------- */

/* Where a rule id was first seen (for duplicates and overrides). */
struct seen {
	char *file;
	long line;
	long index; /* in r->rules, -1 when the rule had errors */
};

struct loader {
	struct gs_rules *r;
	gs_rules_diag_fn *fn;
	void *ctx;
	size_t nerrors;
	size_t rules_cap, cues_cap, ovr_cap;
	struct gs_map *rule_ids; /* id -> struct seen */
	struct gs_map *cue_ids;
	char *pack_file;
	long pack_line;
};

static void report(struct loader *L, const char *file, long line, long col,
		   const char *show, long caret, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static void report(struct loader *L, const char *file, long line, long col,
		   const char *show, long caret, const char *fmt, ...)
{
	char msg[GS_ERROR_MSG_MAX];
	struct gs_rules_diag d;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	L->nerrors++;
	if (!L->fn)
		return;
	d.level = GS_RULES_ERROR;
	d.file = file;
	d.line = line;
	d.col = col;
	d.msg = msg;
	d.show = show;
	d.caret = caret;
	L->fn(L->ctx, &d);
}

/* One JSON object being validated: its value, positions and how messages
 * name it ("rule x", "cue y"). */
struct obj {
	struct loader *L;
	const char *file;
	json_t *j;
	const struct jpos *pos;
	char label[160]; /* rule x */
	char where[160]; /* in rule "x" */
	long line;	 /* where messages about the whole object point */
	int bad;	 /* a problem was reported */
	const char *suggested[8]; /* did-you-mean answers already given */
	size_t nsuggested;
};

static long obj_line(const struct obj *o, const char *key)
{
	long i = jpos_find(o->pos, key);

	if (i >= 0)
		return o->pos->key_lines[i];
	return o->line;
}

static void obj_error(struct obj *o, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void obj_error(struct obj *o, long line, const char *fmt, ...)
{
	char msg[GS_ERROR_MSG_MAX - 200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->bad = 1;
	report(o->L, o->file, line, 0, NULL, 0, "%s: %s", o->label, msg);
}

/* Records id (a rule's or a cue's) as defined at file:line in ids; a
 * second definition is an error naming the first. Returns the new entry,
 * or NULL for a duplicate. */
static struct seen *claim_id(struct obj *o, struct gs_map *ids,
			     const char *id, const char *file, long line)
{
	int inserted = 0;
	void **slot = gs_map_slot(ids, id, strlen(id), &inserted);
	struct seen *seen;

	if (!inserted) {
		const struct seen *first = *slot;

		obj_error(o, line, "duplicate id; first defined at %s:%ld",
			  first->file, first->line);
		return NULL;
	}
	seen = xcalloc(1, sizeof(*seen));
	seen->file = xstrdup(file);
	seen->line = line;
	seen->index = -1;
	*slot = seen;
	return seen;
}

/* Reports keys of o not in allowed, in document order. */
static void check_keys(struct obj *o, const char *const *allowed)
{
	size_t i;

	if (!o->pos || !o->pos->keys)
		return;
	for (i = 0; i < o->pos->n; i++) {
		const char *k = o->pos->keys[i];
		const char *alt;

		if (name_index(allowed, k) >= 0)
			continue;
		o->bad = 1;
		alt = did_you_mean(k, allowed, count_names(allowed));
		if (alt && o->nsuggested < 8)
			o->suggested[o->nsuggested++] = alt;
		if (alt)
			report(o->L, o->file, o->pos->key_lines[i], 0, NULL, 0,
			       "unknown key \"%s\" %s; did you mean \"%s\"?", k,
			       o->where, alt);
		else
			report(o->L, o->file, o->pos->key_lines[i], 0, NULL, 0,
			       "unknown key \"%s\" %s", k, o->where);
	}
}

/* "missing" is left unsaid when an unknown key was already answered
 * with "did you mean" this key: one mistake, one message. */
static void missing(struct obj *o, const char *key)
{
	size_t i;

	for (i = 0; i < o->nsuggested; i++) {
		if (strcmp(o->suggested[i], key) == 0) {
			o->bad = 1;
			return;
		}
	}
	obj_error(o, o->line, "missing \"%s\"", key);
}

static void wrong_type(struct obj *o, const char *key, const char *want,
		       const json_t *v)
{
	obj_error(o, obj_line(o, key), "\"%s\" must be %s, not %s", key, want,
		  json_type_name(v));
}

static void obj_init(struct obj *o, struct loader *L, const char *file,
		     json_t *j, const struct jpos *pos)
{
	memset(o, 0, sizeof(*o));
	o->L = L;
	o->file = file;
	o->j = j;
	o->pos = pos;
	o->line = pos ? pos->line : 0;
}

#define NO_INDEX ((size_t)-1)

/* Starts o on the JSON value j at pos (may be NULL), named kind in
 * messages: "rule #3" / "in rule #3", or kind alone when index is
 * NO_INDEX. Returns 0, or -1 after reporting that j is not an object. */
static int obj_start(struct obj *o, struct loader *L, const char *file,
		     json_t *j, const struct jpos *pos, const char *kind,
		     size_t index)
{
	obj_init(o, L, file, j, pos);
	if (index == NO_INDEX) {
		snprintf(o->label, sizeof(o->label), "%s", kind);
		snprintf(o->where, sizeof(o->where), "in %s", kind);
	} else {
		snprintf(o->label, sizeof(o->label), "%s #%zu", kind,
			 index + 1);
		snprintf(o->where, sizeof(o->where), "in %s #%zu", kind,
			 index + 1);
	}
	if (!json_is_object(j)) {
		obj_error(o, o->line, "must be an object, not %s",
			  json_type_name(j));
		return -1;
	}
	return 0;
}

typedef void (*item_fn)(struct loader *L, const char *file, json_t *j,
			const struct jpos *pos, size_t index);

/* Calls load on each element of the array at key, if o has the key. */
static void load_items(struct obj *o, const char *key, item_fn load)
{
	json_t *v = json_object_get(o->j, key);
	size_t i;

	if (v && !json_is_array(v))
		wrong_type(o, key, "an array", v);
	else if (v)
		for (i = 0; i < json_array_size(v); i++)
			load(o->L, o->file, json_array_get(v, i),
			     jpos_at(jpos_get(o->pos, key), i), i);
}

/* Looks up key into *v: 1 when present, 0 when absent and optional, -1
 * (reported) when absent and required. */
static int member(struct obj *o, const char *key, int required, json_t **v)
{
	*v = json_object_get(o->j, key);
	if (*v)
		return 1;
	if (required) {
		missing(o, key);
		return -1;
	}
	return 0;
}

/* String member. *out points into the JSON (valid while it lives); left
 * alone when absent. Returns 0, or -1 when reported. */
static int get_str(struct obj *o, const char *key, int required,
		   const char **out)
{
	json_t *v;
	int rc = member(o, key, required, &v);

	if (rc <= 0)
		return rc;
	if (!json_is_string(v)) {
		wrong_type(o, key, "a string", v);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

static int get_int(struct obj *o, const char *key, int required, long lo,
		   long hi, long *out)
{
	json_t *v;
	json_int_t x;
	int rc = member(o, key, required, &v);

	if (rc <= 0)
		return rc;
	if (!json_is_integer(v)) {
		wrong_type(o, key, "an integer", v);
		return -1;
	}
	x = json_integer_value(v);
	if (x < lo || x > hi) {
		obj_error(o, obj_line(o, key),
			  "\"%s\" must be from %ld to %ld, not %lld", key, lo,
			  hi, (long long)x);
		return -1;
	}
	*out = (long)x;
	return 0;
}

static int get_bool(struct obj *o, const char *key, int *out)
{
	json_t *v = json_object_get(o->j, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v)) {
		wrong_type(o, key, "true or false", v);
		return -1;
	}
	*out = json_is_true(v);
	return 0;
}

/* One of names; *idx left alone when absent. */
static int get_enum(struct obj *o, const char *key, int required,
		    const char *const *names, const char *what, long *idx)
{
	const char *s = NULL;
	const char *alt;
	long i;

	if (get_str(o, key, required, &s) < 0)
		return -1;
	if (!s)
		return 0;
	i = name_index(names, s);
	if (i >= 0) {
		*idx = i;
		return 0;
	}
	alt = did_you_mean(s, names, count_names(names));
	if (alt)
		obj_error(o, obj_line(o, key),
			  "unknown %s \"%s\"; did you mean \"%s\"?", what, s,
			  alt);
	else
		obj_error(o, obj_line(o, key), "unknown %s \"%s\"", what, s);
	return -1;
}

/* Array of strings: copies them (caller frees each and the array) with the
 * line of each. Absent leaves everything alone. */
static int get_strs(struct obj *o, const char *key, int required,
		    int nonempty, char ***out, size_t *n, long **lines)
{
	json_t *v;
	const struct jpos *p = jpos_get(o->pos, key);
	size_t i, m;
	int rc = member(o, key, required, &v);

	if (rc <= 0)
		return rc;
	if (!json_is_array(v)) {
		wrong_type(o, key, "an array of strings", v);
		return -1;
	}
	m = json_array_size(v);
	if (m == 0 && nonempty) {
		obj_error(o, obj_line(o, key), "\"%s\" must not be empty",
			  key);
		return -1;
	}
	for (i = 0; i < m; i++) {
		json_t *e = json_array_get(v, i);
		const struct jpos *ep = jpos_at(p, i);

		if (!json_is_string(e)) {
			obj_error(o, ep ? ep->line : obj_line(o, key),
				  "\"%s\" item %zu must be a string, not %s",
				  key, i + 1, json_type_name(e));
			rc = -1;
		}
	}
	if (rc < 0)
		return rc;
	*out = xcalloc(m + 1, sizeof(**out));
	if (lines)
		*lines = xcalloc(m + 1, sizeof(**lines));
	for (i = 0; i < m; i++) {
		const struct jpos *ep = jpos_at(p, i);

		(*out)[i] = xstrdup(json_string_value(json_array_get(v, i)));
		if (lines)
			(*lines)[i] = ep ? ep->line : obj_line(o, key);
	}
	*n = m;
	return 0;
}

static void free_strs(char **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Compiles src into p. label names it in messages ("rule x: pattern 2"). */
static int compile_pattern(struct loader *L, struct gs_pattern *p,
			   const char *src, uint32_t flags, const char *file,
			   long line, const char *label)
{
	int errcode = 0;
	PCRE2_SIZE off = 0;
	uint32_t minlen = 0;

	p->src = xstrdup(src);
	p->line = line;
	p->code = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, flags,
				&errcode, &off, NULL);
	if (!p->code) {
		PCRE2_UCHAR msg[256];

		if (pcre2_get_error_message(errcode, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d",
				 errcode);
		report(L, file, line, 0, src,
		       gs_rules_char_col(src, (size_t)off) + 1,
		       "%s: %s at offset %zu", label, (const char *)msg,
		       (size_t)off);
		return -1;
	}
	if (pcre2_pattern_info(p->code, PCRE2_INFO_MINLENGTH, &minlen) == 0 &&
	    minlen == 0) {
		report(L, file, line, 0, src, 0,
		       "%s: can match the empty string", label);
		return -1;
	}
	p->jit = pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE) == 0;
	return 0;
}

static void pattern_release(struct gs_pattern *p)
{
	pcre2_code_free(p->code);
	free(p->src);
	memset(p, 0, sizeof(*p));
}

static void patterns_free(struct gs_pattern *v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		pattern_release(&v[i]);
	free(v);
}

/* Compiles srcs[0..n) into a new array; *bad set when any fails. */
static struct gs_pattern *compile_list(struct loader *L, char **srcs,
				       const long *lines, size_t n,
				       uint32_t flags, const char *file,
				       const char *rule_label,
				       const char *kind, size_t first,
				       int from_override, int *bad)
{
	struct gs_pattern *v = xcalloc(n ? n : 1, sizeof(*v));
	size_t i;

	for (i = 0; i < n; i++) {
		char label[256];

		snprintf(label, sizeof(label), "%s: %s %zu", rule_label, kind,
			 first + i + 1);
		if (compile_pattern(L, &v[i], srcs[i], flags, file, lines[i],
				    label) < 0)
			*bad = 1;
		v[i].from_override = from_override;
	}
	return v;
}

static void rule_release(struct gs_rule *r)
{
	free((char *)r->info.id);
	free((char *)r->info.title);
	free((char *)r->info.description);
	free((char *)r->info.file);
	patterns_free(r->patterns, r->npatterns);
	patterns_free(r->all, r->nall);
	patterns_free(r->exclude, r->nexclude);
	free_strs(r->references, r->info.nreferences);
	free_strs(r->tests_match, r->info.ntests_match);
	free_strs(r->tests_no_match, r->info.ntests_no_match);
	free_strs(r->tests_suppressed, r->info.ntests_suppressed);
	free_strs(r->fields, r->info.nfields);
	free_strs(r->pattern_srcs, r->info.npatterns);
	memset(r, 0, sizeof(*r));
}

static void load_tests(struct obj *o, struct gs_rule *r)
{
	json_t *t = json_object_get(o->j, "tests");
	struct obj to = *o;

	if (!t)
		return;
	if (!json_is_object(t)) {
		wrong_type(o, "tests", "an object", t);
		return;
	}
	to.j = t;
	to.pos = jpos_get(o->pos, "tests");
	to.line = to.pos ? to.pos->line : o->line;
	to.bad = 0;
	to.nsuggested = 0;
	snprintf(to.where, sizeof(to.where), "in \"tests\" of %s",
		 o->where + 3);
	check_keys(&to, test_keys);
	get_strs(&to, "match", 0, 0, &r->tests_match, &r->info.ntests_match,
		 NULL);
	get_strs(&to, "no_match", 0, 0, &r->tests_no_match,
		 &r->info.ntests_no_match, NULL);
	get_strs(&to, "suppressed", 0, 0, &r->tests_suppressed,
		 &r->info.ntests_suppressed, NULL);
	if (to.bad)
		o->bad = 1;
}

static void load_context(struct obj *o, struct gs_rule *r)
{
	json_t *v = json_object_get(o->j, "context");
	const struct jpos *p = jpos_get(o->pos, "context");
	size_t i;

	r->context = 1;
	r->info.accepts = 0;
	if (!v)
		return;
	if (json_is_boolean(v)) {
		r->context = json_is_true(v);
		if (!r->context)
			r->info.accepts = (1u << GS_CUE_NTYPES) - 1;
		return;
	}
	if (!json_is_array(v)) {
		wrong_type(o, "context", "true, false or an array of cue types",
			   v);
		return;
	}
	for (i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		const struct jpos *ep = jpos_at(p, i);
		long line = ep ? ep->line : obj_line(o, "context");
		long t;
		const char *alt;

		if (!json_is_string(e)) {
			obj_error(o, line,
				  "\"context\" item %zu must be a string, not "
				  "%s",
				  i + 1, json_type_name(e));
			continue;
		}
		t = name_index(cue_types, json_string_value(e));
		if (t >= 0) {
			r->info.accepts |= 1u << t;
			continue;
		}
		alt = did_you_mean(json_string_value(e), cue_types,
				   count_names(cue_types));
		if (alt)
			obj_error(o, line,
				  "unknown cue type \"%s\"; did you mean "
				  "\"%s\"?",
				  json_string_value(e), alt);
		else
			obj_error(o, line, "unknown cue type \"%s\"",
				  json_string_value(e));
	}
}

static void load_rule(struct loader *L, const char *file, json_t *j,
		      const struct jpos *pos, size_t index)
{
	struct gs_rule r;
	struct obj o;
	const char *id = NULL, *s = NULL;
	char **srcs = NULL, **all = NULL, **excl = NULL;
	long *src_lines = NULL, *all_lines = NULL, *excl_lines = NULL;
	size_t nsrcs = 0, nall = 0, nexcl = 0;
	long n = 0;
	uint32_t flags = PCRE2_UTF;
	struct seen *seen = NULL;

	memset(&r, 0, sizeof(r));
	if (obj_start(&o, L, file, j, pos, "rule", index) < 0)
		return;
	if (get_str(&o, "id", 1, &id) == 0) {
		if (!valid_id(id)) {
			obj_error(&o, obj_line(&o, "id"),
				  "id \"%s\" must match [a-z0-9_.-]+", id);
		} else {
			snprintf(o.label, sizeof(o.label), "rule %s", id);
			snprintf(o.where, sizeof(o.where), "in rule \"%s\"",
				 id);
		}
	}
	r.info.line = obj_line(&o, id ? "id" : "");
	o.line = r.info.line;
	r.info.file = xstrdup(file);
	check_keys(&o, rule_keys);

	if (id && valid_id(id)) {
		seen = claim_id(&o, L->rule_ids, id, file, r.info.line);
		r.info.id = xstrdup(id);
	}
	s = NULL;
	if (get_str(&o, "title", 1, &s) == 0)
		r.info.title = xstrdup(s);
	s = "";
	get_str(&o, "description", 0, &s);
	r.info.description = xstrdup(s);
	n = -1;
	if (get_enum(&o, "category", 1, categories, "category", &n) == 0 &&
	    n >= 0) {
		r.info.category = categories[n];
		r.info.is_language = strcmp(categories[n], "language") == 0;
	}
	n = 0;
	if (get_int(&o, "weight", 1, 0, 10, &n) == 0)
		r.info.weight = (int)n;
	n = 1;
	get_enum(&o, "status", 0, statuses, "status", &n);
	r.info.status = statuses[n >= 0 ? n : 1];
	n = 100;
	get_int(&o, "window", 0, 1, RULES_WINDOW_MAX, &n);
	r.window = (int)n;
	get_bool(&o, "case_sensitive", &r.case_sensitive);
	get_strs(&o, "fields", 0, 0, &r.fields, &r.info.nfields, NULL);
	get_strs(&o, "references", 0, 0, &r.references, &r.info.nreferences,
		 NULL);
	load_context(&o, &r);
	load_tests(&o, &r);

	if (!r.case_sensitive)
		flags |= PCRE2_CASELESS;
	if (get_strs(&o, "patterns", 1, 1, &srcs, &nsrcs, &src_lines) == 0) {
		r.patterns = compile_list(L, srcs, src_lines, nsrcs, flags,
					  file, o.label, "pattern", 0, 0,
					  &o.bad);
		r.npatterns = nsrcs;
		r.pattern_srcs = srcs;
		r.info.npatterns = nsrcs;
		srcs = NULL;
	}
	if (get_strs(&o, "all", 0, 0, &all, &nall, &all_lines) == 0 && all) {
		r.all = compile_list(L, all, all_lines, nall, flags, file,
				     o.label, "all", 0, 0, &o.bad);
		r.nall = nall;
	}
	if (get_strs(&o, "exclude", 0, 0, &excl, &nexcl, &excl_lines) == 0 &&
	    excl) {
		r.exclude = compile_list(L, excl, excl_lines, nexcl, flags,
					 file, o.label, "exclude", 0, 0,
					 &o.bad);
		r.nexclude = nexcl;
	}
	free_strs(all, nall);
	free_strs(excl, nexcl);
	free(src_lines);
	free(all_lines);
	free(excl_lines);

	if (o.bad || !r.info.id) {
		rule_release(&r);
		return;
	}
	if (L->r->nrules == L->rules_cap) {
		L->rules_cap = L->rules_cap ? 2 * L->rules_cap : 32;
		L->r->rules = xrealloc(L->r->rules,
				       L->rules_cap * sizeof(*L->r->rules));
	}
	if (seen)
		seen->index = (long)L->r->nrules;
	L->r->rules[L->r->nrules++] = r;
}

static void load_cue(struct loader *L, const char *file, json_t *j,
		     const struct jpos *pos, size_t index)
{
	struct gs_cue c;
	struct obj o;
	const char *id = NULL, *pat = NULL, *descr = NULL;
	long type = -1, dir = -1, scope = 5;

	memset(&c, 0, sizeof(c));
	if (obj_start(&o, L, file, j, pos, "cue", index) < 0)
		return;
	if (get_str(&o, "id", 1, &id) == 0) {
		if (!valid_id(id)) {
			obj_error(&o, obj_line(&o, "id"),
				  "id \"%s\" must match [a-z0-9_.-]+", id);
			id = NULL;
		} else {
			snprintf(o.label, sizeof(o.label), "cue %s", id);
			snprintf(o.where, sizeof(o.where), "in cue \"%s\"", id);
		}
	}
	c.info.line = obj_line(&o, id ? "id" : "");
	o.line = c.info.line;
	check_keys(&o, cue_keys);
	get_str(&o, "description", 0, &descr);
	if (id)
		claim_id(&o, L->cue_ids, id, file, c.info.line);
	get_enum(&o, "direction", 1, cue_dirs, "direction", &dir);
	if (dir == GS_DIR_TERMINATE || dir == GS_DIR_PSEUDO)
		type = GS_CUE_NTYPES; /* any type, unless one is given */
	get_enum(&o, "type", dir != GS_DIR_TERMINATE && dir != GS_DIR_PSEUDO,
		 cue_types, "type", &type);
	/* scope means nothing to terminate and pseudo cues: 0 is fine */
	get_int(&o, "scope", 0,
		dir == GS_DIR_TERMINATE || dir == GS_DIR_PSEUDO ? 0 : 1,
		RULES_SCOPE_MAX, &scope);
	if (get_str(&o, "pattern", 1, &pat) == 0) {
		char label[256];

		snprintf(label, sizeof(label), "%s: pattern", o.label);
		if (compile_pattern(L, &c.pat, pat, PCRE2_UTF | PCRE2_CASELESS,
				    file, obj_line(&o, "pattern"), label) < 0)
			o.bad = 1;
	}
	if (o.bad || !id || type < 0 || dir < 0) {
		pattern_release(&c.pat);
		return;
	}
	c.info.id = xstrdup(id);
	c.info.pattern = c.pat.src;
	c.info.type = (enum gs_cue_type)type;
	c.info.dir = (enum gs_cue_dir)dir;
	c.info.scope = (int)scope;
	c.info.file = xstrdup(file);
	if (L->r->ncues == L->cues_cap) {
		L->cues_cap = L->cues_cap ? 2 * L->cues_cap : 32;
		L->r->cues = xrealloc(L->r->cues,
				      L->cues_cap * sizeof(*L->r->cues));
	}
	L->r->cues[L->r->ncues++] = c;
}

static void load_pack_meta(struct loader *L, const char *file, json_t *j,
			   const struct jpos *pos)
{
	struct obj o;
	const char *name = NULL, *version = NULL, *descr = NULL;

	if (obj_start(&o, L, file, j, pos, "\"pack\"", NO_INDEX) < 0)
		return;
	if (L->pack_file) {
		obj_error(&o, pos ? pos->line : 0,
			  "already defined at %s:%ld", L->pack_file,
			  L->pack_line);
		return;
	}
	L->pack_file = xstrdup(file);
	L->pack_line = pos ? pos->line : 0;
	check_keys(&o, pack_keys);
	get_str(&o, "name", 0, &name);
	get_str(&o, "description", 0, &descr);
	if (get_str(&o, "version", 0, &version) == 0 && version)
		L->r->version = xstrdup(version);
}

/* Parses text (already hashed) as JSON, reporting syntax errors with the
 * source line and a caret. Returns the value or NULL; fills *pos. */
static json_t *parse_json(struct loader *L, const char *file,
			  const char *text, size_t len, struct jpos *pos)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	struct jscan s;

	memset(pos, 0, sizeof(*pos));
	if (!j) {
		const char *line = text;
		char *show;
		long k, caret;
		size_t n;

		for (k = 1; k < je.line && line; k++) {
			line = memchr(line, '\n', len - (size_t)(line - text));
			if (line)
				line++;
		}
		if (!line || je.line < 1)
			line = text + len;
		n = strcspn(line, "\r\n");
		caret = je.column > 0 ? je.column : 0;
		if (caret > 60 && n > 100) {
			/* a long line: show 100 characters around the error */
			size_t skip = utf8_advance(line, n, (size_t)caret - 40);

			line += skip;
			n -= skip;
			caret = 41;
		}
		show = xstrndup(line, utf8_advance(line, n, 100));
		report(L, file, je.line > 0 ? je.line : 0,
		       je.column > 0 ? je.column : 0, show, caret, "%s",
		       je.text);
		free(show);
		return NULL;
	}
	s.p = text;
	s.bol = text;
	s.end = text + len;
	s.line = 1;
	js_value(&s, pos, 0);
	return j;
}

/* Parses a whole file into *j and starts o on it as label. Returns 0, or
 * -1 after reporting that it is not JSON or not an object. On 0 the caller
 * releases *j and *pos. */
static int top_start(struct obj *o, struct loader *L, const char *file,
		     const char *text, size_t len, struct jpos *pos,
		     json_t **j, const char *label)
{
	*j = parse_json(L, file, text, len, pos);
	if (!*j)
		return -1;
	obj_init(o, L, file, *j, pos);
	snprintf(o->label, sizeof(o->label), "%s", label);
	snprintf(o->where, sizeof(o->where), "at top level");
	if (!json_is_object(*j)) {
		report(L, file, pos->line, 0, NULL, 0,
		       "top level must be an object, not %s",
		       json_type_name(*j));
		json_decref(*j);
		jpos_release(pos);
		return -1;
	}
	return 0;
}

static void load_file(struct loader *L, const char *file, const char *text,
		      size_t len)
{
	struct jpos pos;
	json_t *j;
	struct obj o;
	json_t *v;
	const char *descr = NULL;

	if (top_start(&o, L, file, text, len, &pos, &j, "top level") < 0)
		return;
	if (json_object_get(j, "overrides"))
		report(L, file, obj_line(&o, "overrides"), 0, NULL, 0,
		       "unknown key \"overrides\" at top level; overrides go "
		       "in their own file, outside the pack (--overrides)");
	else
		check_keys(&o, top_keys);
	get_str(&o, "description", 0, &descr);
	v = json_object_get(j, "pack");
	if (v)
		load_pack_meta(L, file, v, jpos_get(&pos, "pack"));
	load_items(&o, "rules", load_rule);
	load_items(&o, "context", load_cue);
	json_decref(j);
	jpos_release(&pos);
}

/* ---- overrides ----------------------------------------------------------- */

static void rule_ids(const struct gs_rules *r, const char ***names,
		     size_t *n)
{
	size_t i;

	*names = xcalloc(r->nrules + 1, sizeof(**names));
	for (i = 0; i < r->nrules; i++)
		(*names)[i] = r->rules[i].info.id;
	*n = r->nrules;
}

/* Compiles an override's extra patterns into a new array (NULL when none
 * or when one fails; *bad is then set). */
static struct gs_pattern *override_patterns(struct loader *L,
					    const struct gs_rule *r,
					    char **srcs, const long *lines,
					    size_t n, size_t first,
					    const char *file,
					    const char *label,
					    const char *kind, int *bad)
{
	uint32_t flags = PCRE2_UTF | (r->case_sensitive ? 0 : PCRE2_CASELESS);
	int failed = 0;
	struct gs_pattern *v;

	if (n == 0)
		return NULL;
	v = compile_list(L, srcs, lines, n, flags, file, label, kind, first, 1,
			 &failed);
	if (failed) {
		patterns_free(v, n);
		*bad = 1;
		return NULL;
	}
	return v;
}

static void append_patterns(struct gs_pattern **v, size_t *nv,
			    struct gs_pattern *extra, size_t n)
{
	if (!extra)
		return;
	*v = xrealloc(*v, (*nv + n) * sizeof(**v));
	memcpy(*v + *nv, extra, n * sizeof(*extra));
	*nv += n;
	free(extra);
}

static void load_override(struct loader *L, const char *file, json_t *j,
			  const struct jpos *pos, size_t index)
{
	struct obj o;
	const char *rule_id = NULL, *reason = NULL;
	const struct seen *seen;
	struct gs_rule *r = NULL;
	struct gs_pattern *xpats = NULL, *xexcl = NULL;
	char **pats = NULL, **excl = NULL;
	long *pat_lines = NULL, *excl_lines = NULL;
	size_t npats = 0, nexcl = 0;
	long weight = -1;
	int disable = -1;
	char what[256] = "";
	struct gs_override *ov;

	if (obj_start(&o, L, file, j, pos, "override", index) < 0)
		return;
	if (get_str(&o, "rule", 1, &rule_id) == 0 && rule_id) {
		o.line = obj_line(&o, "rule");
		snprintf(o.label, sizeof(o.label), "override for rule %s",
			 rule_id);
		snprintf(o.where, sizeof(o.where),
			 "in override for rule \"%s\"", rule_id);
	}
	check_keys(&o, ovr_keys);
	if (get_str(&o, "reason", 1, &reason) == 0) {
		const char *p = reason;

		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			obj_error(&o, obj_line(&o, "reason"),
				  "\"reason\" must not be empty");
	}
	get_bool(&o, "disable", &disable);
	get_int(&o, "weight", 0, 0, 10, &weight);
	get_strs(&o, "patterns", 0, 1, &pats, &npats, &pat_lines);
	get_strs(&o, "exclude", 0, 1, &excl, &nexcl, &excl_lines);
	if (rule_id) {
		seen = gs_map_get(L->rule_ids, rule_id, strlen(rule_id));
		if (seen && seen->index >= 0) {
			r = &L->r->rules[seen->index];
		} else if (!seen) {
			const char **ids;
			size_t nids;
			const char *alt;

			rule_ids(L->r, &ids, &nids);
			alt = did_you_mean(rule_id, ids, nids);
			o.bad = 1;
			if (alt)
				report(L, file, obj_line(&o, "rule"), 0, NULL,
				       0,
				       "override for unknown rule \"%s\"; did "
				       "you mean \"%s\"?",
				       rule_id, alt);
			else
				report(L, file, obj_line(&o, "rule"), 0, NULL,
				       0, "override for unknown rule \"%s\"",
				       rule_id);
			free(ids);
		}
	}
	if (!o.bad && disable != 1 && weight < 0 && !npats && !nexcl)
		obj_error(&o, o.line,
			  "changes nothing: give \"disable\", \"weight\", "
			  "\"patterns\" or \"exclude\"");
	if (o.bad || !r)
		goto out;
	xpats = override_patterns(L, r, pats, pat_lines, npats, r->npatterns,
				  file, o.label, "pattern", &o.bad);
	xexcl = override_patterns(L, r, excl, excl_lines, nexcl, r->nexclude,
				  file, o.label, "exclude", &o.bad);
	if (o.bad) {
		patterns_free(xpats, npats);
		patterns_free(xexcl, nexcl);
		goto out;
	}
	append_patterns(&r->patterns, &r->npatterns, xpats, npats);
	append_patterns(&r->exclude, &r->nexclude, xexcl, nexcl);
	if (disable == 1) {
		r->info.disabled = 1;
		snprintf(what, sizeof(what), "disabled");
	}
	if (weight >= 0) {
		size_t k = strlen(what);

		snprintf(what + k, sizeof(what) - k, "%sweight %d -> %ld",
			 k ? ", " : "", r->info.weight, weight);
		r->info.weight = (int)weight;
	}
	if (npats) {
		size_t k = strlen(what), i;

		snprintf(what + k, sizeof(what) - k, "%s+%zu pattern%s",
			 k ? ", " : "", npats, npats == 1 ? "" : "s");
		r->pattern_srcs = xrealloc(r->pattern_srcs,
					   (r->info.npatterns + npats + 1) *
						   sizeof(*r->pattern_srcs));
		for (i = 0; i < npats; i++)
			r->pattern_srcs[r->info.npatterns++] =
				xstrdup(pats[i]);
		r->pattern_srcs[r->info.npatterns] = NULL;
	}
	if (nexcl) {
		size_t k = strlen(what);

		snprintf(what + k, sizeof(what) - k, "%s+%zu exclude",
			 k ? ", " : "", nexcl);
	}
	if (L->r->noverrides == L->ovr_cap) {
		L->ovr_cap = L->ovr_cap ? 2 * L->ovr_cap : 8;
		L->r->overrides = xrealloc(L->r->overrides,
					   L->ovr_cap *
						   sizeof(*L->r->overrides));
	}
	ov = &L->r->overrides[L->r->noverrides++];
	ov->rule_id = xstrdup(rule_id);
	ov->reason = xstrdup(reason);
	ov->what = xstrdup(what);
	ov->info.rule_id = ov->rule_id;
	ov->info.reason = ov->reason;
	ov->info.what = ov->what;
out:
	free_strs(pats, npats);
	free_strs(excl, nexcl);
	free(pat_lines);
	free(excl_lines);
}

static void load_overrides(struct loader *L, const char *file,
			   const char *text, size_t len)
{
	static const char *const keys[] = {"overrides", "description", NULL};
	struct jpos pos;
	json_t *j;
	struct obj o;
	const char *descr = NULL;

	if (top_start(&o, L, file, text, len, &pos, &j, "overrides file") < 0)
		return;
	check_keys(&o, keys);
	get_str(&o, "description", 0, &descr);
	if (!json_object_get(j, "overrides"))
		missing(&o, "overrides");
	else
		load_items(&o, "overrides", load_override);
	json_decref(j);
	jpos_release(&pos);
}

/* ---- the pack ------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json names in dir, sorted. Caller frees each and the array. */
static int list_dir(const char *dir, char ***out, size_t *n,
		    struct gs_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return gs_error_set(err, GS_ERR_RULE, dir, 0, 0,
				    "cannot open rule pack: %s",
				    strerror(errno));
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		char *path;
		struct stat st;

		if (e->d_name[0] == '.' || len < 6 ||
		    strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		path = path_join(dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		free(path);
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_names);
	return 0;
}

static void hash_file(struct gs_sha256 *sha, const char *name,
		      const char *text, size_t len)
{
	char size[32];

	snprintf(size, sizeof(size), "%zu", len);
	gs_sha256_update(sha, name, strlen(name) + 1);
	gs_sha256_update(sha, size, strlen(size) + 1);
	gs_sha256_update(sha, text, len);
}

/* Points each rule's public arrays at its storage. */
static void finish(struct gs_rules *r)
{
	size_t i;

	for (i = 0; i < r->nrules; i++) {
		struct gs_rule *x = &r->rules[i];

		x->info.patterns = (const char *const *)x->pattern_srcs;
		x->info.fields = (const char *const *)x->fields;
		x->info.references = (const char *const *)x->references;
		x->info.tests_match = (const char *const *)x->tests_match;
		x->info.tests_no_match =
			(const char *const *)x->tests_no_match;
		x->info.tests_suppressed =
			(const char *const *)x->tests_suppressed;
	}
}

static void seen_free(struct gs_map *m)
{
	size_t i = 0;
	const char *key;
	void *v;

	if (!m)
		return;
	while (gs_map_iter(m, &i, &key, &v)) {
		struct seen *s = v;

		if (s)
			free(s->file);
		free(s);
	}
	gs_map_free(m);
}

size_t gs_rules_load_all(struct gs_rules **out, const char *dir,
			 const struct gs_rules_options *opt,
			 gs_rules_diag_fn *fn, void *ctx)
{
	struct loader L;
	struct gs_error err;
	struct gs_sha256 sha;
	char **names = NULL, *ovr = NULL, *text = NULL;
	size_t nnames = 0, len = 0, i;

	memset(&L, 0, sizeof(L));
	L.fn = fn;
	L.ctx = ctx;
	L.r = xcalloc(1, sizeof(*L.r));
	L.r->dir = xstrdup(dir);
	if (opt) {
		L.r->match_limit = opt->match_limit;
		L.r->depth_limit = opt->depth_limit;
		L.r->heap_limit_kib = opt->heap_limit_kib;
	}
	L.rule_ids = gs_map_new();
	L.cue_ids = gs_map_new();
	gs_error_clear(&err);
	gs_sha256_init(&sha);
	if (list_dir(dir, &names, &nnames, &err) < 0) {
		report(&L, err.file, 0, 0, NULL, 0, "%s", err.msg);
		goto out;
	}
	if (nnames == 0)
		report(&L, dir, 0, 0, NULL, 0,
		       "no *.json files in rule pack");
	for (i = 0; i < nnames; i++) {
		char *path = path_join(dir, names[i]);

		if (read_file(path, &text, &len, &err) < 0) {
			report(&L, err.file, 0, 0, NULL, 0, "%s", err.msg);
		} else {
			hash_file(&sha, names[i], text, len);
			load_file(&L, path, text, len);
		}
		free(text);
		text = NULL;
		free(path);
	}
	if (nnames > 0 && L.r->nrules == 0 && L.nerrors == 0)
		report(&L, dir, 0, 0, NULL, 0, "rule pack has no rules");
	ovr = gs_rules_overrides_path(dir, opt);
	if (ovr) {
		if (read_file(ovr, &text, &len, &err) < 0) {
			report(&L, err.file, 0, 0, NULL, 0, "%s", err.msg);
		} else {
			hash_file(&sha, "\001overrides", text, len);
			load_overrides(&L, ovr, text, len);
		}
		free(text);
	}
out:
	gs_sha256_hex(&sha, L.r->hash);
	finish(L.r);
	free_strs(names, nnames);
	free(ovr);
	free(L.pack_file);
	seen_free(L.rule_ids);
	seen_free(L.cue_ids);
	*out = L.r;
	return L.nerrors;
}

/* Keeps the first error for gs_rules_load. */
static void first_error(void *ctx, const struct gs_rules_diag *d)
{
	struct gs_error *err = ctx;

	if (d->level != GS_RULES_ERROR || err->code != GS_OK)
		return;
	gs_error_set(err, GS_ERR_RULE, d->file, d->line, d->col, "%s",
		     d->msg);
}

int gs_rules_load(struct gs_rules **out, const char *dir,
		  const struct gs_rules_options *opt, struct gs_error *err)
{
	struct gs_rules *r = NULL;
	struct gs_error first;

	gs_error_clear(&first);
	if (gs_rules_load_all(&r, dir, opt, first_error, &first) > 0) {
		gs_rules_free(r);
		if (err)
			*err = first;
		return GS_ERR_RULE;
	}
	*out = r;
	return 0;
}

void gs_rules_free(struct gs_rules *r)
{
	size_t i;

	if (!r)
		return;
	if (r->prefilter && r->prefilter_free)
		r->prefilter_free(r->prefilter);
	for (i = 0; i < r->nrules; i++)
		rule_release(&r->rules[i]);
	free(r->rules);
	for (i = 0; i < r->ncues; i++) {
		free((char *)r->cues[i].info.id);
		free((char *)r->cues[i].info.file);
		pattern_release(&r->cues[i].pat);
	}
	free(r->cues);
	for (i = 0; i < r->noverrides; i++) {
		free(r->overrides[i].rule_id);
		free(r->overrides[i].reason);
		free(r->overrides[i].what);
	}
	free(r->overrides);
	free(r->dir);
	free(r->version);
	free(r);
}

size_t gs_rules_count(const struct gs_rules *r)
{
	return r->nrules;
}

const struct gs_rule_info *gs_rules_get(const struct gs_rules *r, size_t i)
{
	return i < r->nrules ? &r->rules[i].info : NULL;
}

long gs_rules_find(const struct gs_rules *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->nrules; i++)
		if (strcmp(r->rules[i].info.id, id) == 0)
			return (long)i;
	return -1;
}

size_t gs_rules_ncues(const struct gs_rules *r)
{
	return r->ncues;
}

const struct gs_cue_info *gs_rules_cue(const struct gs_rules *r, size_t i)
{
	return i < r->ncues ? &r->cues[i].info : NULL;
}

size_t gs_rules_noverrides(const struct gs_rules *r)
{
	return r->noverrides;
}

const struct gs_override_info *gs_rules_override(const struct gs_rules *r,
						 size_t i)
{
	return i < r->noverrides ? &r->overrides[i].info : NULL;
}

const char *gs_rules_version(const struct gs_rules *r)
{
	return r->version ? r->version : "";
}

const char *gs_rules_hash(const struct gs_rules *r)
{
	return r->hash;
}

const char *gs_rules_dir(const struct gs_rules *r)
{
	return r->dir;
}

const char *const *gs_rules_categories(void)
{
	return categories;
}

/* ---- lint heuristics -------------------------------------------------------- */

/* One open group while scanning a pattern. */
struct qframe {
	size_t open;	 /* offset of "(" */
	int unbounded;	 /* holds an unbounded quantifier */
	size_t nalts;	 /* alternatives so far */
	size_t alt[16];	 /* start offset of each alternative */
	int atomic;	 /* (?> ... ) */
};

/* Length of the quantifier at p ("*", "+?", "{2,}"), 0 when none; sets
 * *unbounded and *possessive. */
static size_t quantifier(const char *p, int *unbounded, int *possessive)
{
	size_t n = 0;

	*unbounded = 0;
	*possessive = 0;
	if (*p == '*' || *p == '+') {
		*unbounded = 1;
		n = 1;
	} else if (*p == '?') {
		n = 1;
	} else if (*p == '{') {
		const char *q = p + 1;
		int digits = 0;

		while (*q >= '0' && *q <= '9') {
			q++;
			digits++;
		}
		if (!digits)
			return 0;
		if (*q == ',') {
			q++;
			if (*q == '}')
				*unbounded = 1;
			while (*q >= '0' && *q <= '9')
				q++;
		}
		if (*q != '}')
			return 0;
		n = (size_t)(q - p) + 1;
	} else {
		return 0;
	}
	if (p[n] == '+') {
		*possessive = 1;
		n++;
	} else if (p[n] == '?') {
		n++;
	}
	return n;
}

/* 1 when alternative b is alternative a repeated (a|aa) or equal. */
static int alts_overlap(const char *s, const struct qframe *f, size_t close)
{
	size_t i, j;

	for (i = 0; i < f->nalts; i++) {
		size_t ai = f->alt[i];
		size_t al = (i + 1 < f->nalts ? f->alt[i + 1] - 1 : close) - ai;

		if (al == 0)
			continue;
		for (j = 0; j < f->nalts; j++) {
			size_t bj = f->alt[j];
			size_t bl =
				(j + 1 < f->nalts ? f->alt[j + 1] - 1 : close) -
				bj;
			size_t k;

			if (i == j || bl < al || bl % al != 0)
				continue;
			for (k = 0; k < bl; k++)
				if (s[bj + k] != s[ai + k % al])
					break;
			if (k == bl)
				return 1;
		}
	}
	return 0;
}

int gs_rules_nested_quantifier(const char *s, size_t *at)
{
	struct qframe stack[64];
	size_t depth = 0, i = 0;
	int unb, poss;

	memset(&stack[0], 0, sizeof(stack[0]));
	stack[0].nalts = 1;
	while (s[i]) {
		char c = s[i];

		if (c == '\\') {
			if (s[i + 1] == 'Q') {
				const char *e = strstr(s + i + 2, "\\E");

				i = e ? (size_t)(e - s) + 2 : strlen(s);
			} else {
				i += s[i + 1] ? 2 : 1;
			}
		} else if (c == '[') {
			i++;
			if (s[i] == '^')
				i++;
			if (s[i] == ']')
				i++;
			while (s[i] && s[i] != ']') {
				if (s[i] == '[' && s[i + 1] == ':') {
					const char *e = strstr(s + i, ":]");

					i = e ? (size_t)(e - s) + 2 : i + 1;
					continue;
				}
				i += s[i] == '\\' && s[i + 1] ? 2 : 1;
			}
			if (s[i])
				i++;
		} else if (c == '(') {
			struct qframe *f;

			if (depth + 1 >= 64)
				return 0;
			f = &stack[++depth];
			memset(f, 0, sizeof(*f));
			f->open = i;
			f->atomic = s[i + 1] == '?' && s[i + 2] == '>';
			i++;
			if (s[i] == '?' || s[i] == '*') {
				/* skip (?:  (?<name>  (?i)  (*VERB) headers */
				if (s[i] == '?' && (s[i + 1] == '<' ||
						    s[i + 1] == 'P' ||
						    s[i + 1] == '\'')) {
					const char *e =
						strpbrk(s + i + 2, ">'");

					if (e && (s[i + 1] != '<' ||
						  (s[i + 2] != '=' &&
						   s[i + 2] != '!')))
						i = (size_t)(e - s) + 1;
					else
						i += 3;
				} else {
					i++;
					while (s[i] && strchr("-imnsxUJ", s[i]))
						i++;
					if (s[i] == ':' || s[i] == '>' ||
					    s[i] == '=' || s[i] == '!' ||
					    s[i] == '|')
						i++;
				}
			}
			f->alt[f->nalts++] = i;
		} else if (c == '|') {
			struct qframe *f = &stack[depth];

			i++;
			if (f->nalts < 16)
				f->alt[f->nalts++] = i;
		} else if (c == ')') {
			struct qframe f;
			size_t q;

			if (depth == 0)
				return 0;
			f = stack[depth--];
			if (f.nalts >= 16)
				f.nalts = 0;
			q = quantifier(s + i + 1, &unb, &poss);
			if (unb && !poss && !f.atomic &&
			    (f.unbounded || alts_overlap(s, &f, i))) {
				*at = f.open;
				return 1;
			}
			if (f.unbounded || unb)
				stack[depth].unbounded = 1;
			i += 1 + q;
		} else {
			size_t q = quantifier(s + i + 1, &unb, &poss);

			if (unb && !poss && !stack[depth].atomic)
				stack[depth].unbounded = 1;
			i += 1 + q;
			continue;
		}
		/* an escape or class may carry a quantifier too */
		if (c == '\\' || c == '[') {
			size_t q = quantifier(s + i, &unb, &poss);

			if (unb && !poss && !stack[depth].atomic)
				stack[depth].unbounded = 1;
			i += q;
		}
	}
	return 0;
}

size_t gs_rules_guard_slots(const struct gs_rules *rules, size_t **base,
			    size_t **slot)
{
	size_t total = 0, next = 0;
	const struct gs_pattern **first; /* [slot]: its first pattern */
	int *first_cs;

	*base = xcalloc(rules->nrules ? rules->nrules : 1, sizeof(**base));
	for (size_t r = 0; r < rules->nrules; r++) {
		(*base)[r] = total;
		total += rules->rules[r].nall + rules->rules[r].nexclude;
	}
	*slot = xcalloc(total ? total : 1, sizeof(**slot));
	first = xcalloc(total ? total : 1, sizeof(*first));
	first_cs = xcalloc(total ? total : 1, sizeof(*first_cs));
	for (size_t r = 0; r < rules->nrules; r++) {
		const struct gs_rule *rule = &rules->rules[r];

		for (size_t k = 0; k < rule->nall + rule->nexclude; k++) {
			const struct gs_pattern *p =
				k < rule->nall ? &rule->all[k]
					       : &rule->exclude[k - rule->nall];
			size_t g = 0;

			while (g < next &&
			       (first_cs[g] != rule->case_sensitive ||
				strcmp(first[g]->src, p->src) != 0))
				g++;
			if (g == next) {
				first[next] = p;
				first_cs[next] = rule->case_sensitive;
				next++;
			}
			(*slot)[(*base)[r] + k] = g;
		}
	}
	free(first);
	free(first_cs);
	return next;
}
