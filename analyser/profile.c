/* profile.c - loading the export profile (gs_profile.h, docs/profile.md). */
#include "gs_profile.h"

#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gs_util.h"

static const char *const default_qualifying[] = {
	"tasking",   "referral",	   "strategy_meeting", "crime_report",
	"arrest",    "disruption", "safeguarding_visit"};

static char **strv_dup(const char *const *v, size_t n)
{
	char **out = xcalloc(n ? n : 1, sizeof(*out));

	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

static void strv_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void input_defaults(struct gs_profile_input *in)
{
	in->format = GS_FORMAT_CSV;
	in->delimiter = ',';
	in->date_format = GS_DATE_ISO;
	in->multi_sep = ';';
}

void gs_profile_init(struct gs_profile *p)
{
	static const char *const nfa[] = {"nfa"};

	memset(p, 0, sizeof(*p));
	p->name = xstrdup("default");
	input_defaults(&p->intel);
	input_defaults(&p->actions);
	p->col_id = xstrdup("intel_id");
	p->col_logged_at = xstrdup("logged_at");
	p->col_unit = xstrdup("unit");
	p->col_district = xstrdup("district");
	p->col_grading = xstrdup("grading");
	p->col_priority = xstrdup("priority");
	p->col_subject = xstrdup("subject_refs");
	p->col_text[0] = xstrdup("narrative");
	p->ntext = 1;
	p->act_id = xstrdup("action_id");
	p->act_intel_id = xstrdup("intel_id");
	p->act_type = xstrdup("action_type");
	p->act_at = xstrdup("action_at");
	p->act_unit = xstrdup("unit");
	p->act_rationale = xstrdup("rationale");
	p->nqualifying = sizeof(default_qualifying) / sizeof(*default_qualifying);
	p->qualifying = strv_dup(default_qualifying, p->nqualifying);
	p->nqualifying_with_rationale = 1;
	p->qualifying_with_rationale = strv_dup(nfa, 1);
	p->sla_days = 7;
	p->threshold = 3;
	p->max_field = 1u << 20;
	p->match_limit = 1000000;
	p->depth_limit = 10000;
	p->heap_limit_kib = 64 * 1024;
	p->marking = xstrdup("OFFICIAL-SENSITIVE");
	p->chain_min_records = 3;
	p->chain_window_days = 90;
}

void gs_profile_release(struct gs_profile *p)
{
	char **cols[] = {&p->name,	   &p->path,	     &p->col_id,
			 &p->col_logged_at, &p->col_unit,	     &p->col_district,
			 &p->col_grading,   &p->col_priority, &p->col_subject,
			 &p->act_id,	   &p->act_intel_id, &p->act_type,
			 &p->act_at,	   &p->act_unit,     &p->act_rationale,
			 &p->reference_pattern, &p->marking};

	for (size_t i = 0; i < sizeof(cols) / sizeof(*cols); i++) {
		free(*cols[i]);
		*cols[i] = NULL;
	}
	for (size_t i = 0; i < p->ntext; i++)
		free(p->col_text[i]);
	p->ntext = 0;
	strv_free(p->qualifying, p->nqualifying);
	strv_free(p->qualifying_with_rationale, p->nqualifying_with_rationale);
	for (size_t i = 0; i < p->nsla_by_priority; i++)
		free(p->sla_by_priority[i].priority);
	free(p->sla_by_priority);
	p->qualifying = p->qualifying_with_rationale = NULL;
	p->sla_by_priority = NULL;
	p->nqualifying = p->nqualifying_with_rationale = p->nsla_by_priority = 0;
}

/* ---- loading ---- */

struct loader {
	const char *path;
	char *text; /* file contents, to locate keys by line */
	struct gs_error *err;
};

/* Line of the first occurrence of "key" in the file, or 0. */
static long key_line(const struct loader *ld, const char *key)
{
	char pat[160];
	const char *hit;
	long line = 1;

	if (!ld->text)
		return 0;
	snprintf(pat, sizeof(pat), "\"%s\"", key);
	hit = strstr(ld->text, pat);
	if (!hit)
		return 0;
	for (const char *c = ld->text; c < hit; c++)
		line += *c == '\n';
	return line;
}

__attribute__((format(printf, 3, 0))) static int
fail(struct loader *ld, const char *key, const char *fmt, const char *a,
     const char *b)
{
	char msg[GS_ERROR_MSG_MAX - 64];

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(msg, sizeof(msg), fmt, a, b);
#pragma GCC diagnostic pop
	return gs_error_set(ld->err, GS_ERR_INPUT, ld->path, key_line(ld, key),
			    0, "%s", msg);
}

/* Checks that obj has only the listed keys. */
static int check_keys(struct loader *ld, json_t *obj, const char *where,
		      const char *const *allowed)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v)
	{
		int ok = 0;

		for (size_t i = 0; allowed[i]; i++)
			ok |= strcmp(allowed[i], k) == 0;
		if (!ok)
			return fail(ld, k, "unknown key \"%s\" in %s", k, where);
	}
	return 0;
}

static int get_str(struct loader *ld, json_t *obj, const char *key,
		   char **dst, int nullable)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (json_is_null(v) && nullable) {
		free(*dst);
		*dst = NULL;
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) == 0)
		return fail(ld, key, "key \"%s\" must be a non-empty string%s",
			    key, nullable ? " or null" : "");
	free(*dst);
	*dst = xstrdup(json_string_value(v));
	return 0;
}

static int get_int(struct loader *ld, json_t *obj, const char *key, long min,
		   long max, long *dst)
{
	json_t *v = json_object_get(obj, key);
	char range[64];

	if (!v)
		return 0;
	snprintf(range, sizeof(range), "%ld..%ld", min, max);
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return fail(ld, key, "key \"%s\" must be an integer in %s", key,
			    range);
	*dst = (long)json_integer_value(v);
	return 0;
}

static int get_strv(struct loader *ld, json_t *obj, const char *key,
		    char ***dst, size_t *n)
{
	json_t *v = json_object_get(obj, key);
	size_t i;
	json_t *el;

	if (!v)
		return 0;
	if (!json_is_array(v))
		return fail(ld, key, "key \"%s\" must be an array of strings%s",
			    key, "");
	json_array_foreach(v, i, el)
	{
		const char *t = json_is_string(el) ? json_string_value(el) : "";

		while (isspace((unsigned char)*t))
			t++;
		if (!*t)
			return fail(ld, key,
				    "key \"%s\" must be an array of non-blank "
				    "strings%s",
				    key, "");
	}
	strv_free(*dst, *n);
	*n = json_array_size(v);
	*dst = xcalloc(*n ? *n : 1, sizeof(**dst));
	json_array_foreach(v, i, el)
	{
		/* trimmed as gs_profile_qualifies trims the action type, or
		 * " referral" would never match anything */
		const char *t = json_string_value(el);
		size_t len;
		char *s;

		while (isspace((unsigned char)*t))
			t++;
		len = strlen(t);
		while (len > 0 && isspace((unsigned char)t[len - 1]))
			len--;
		s = xstrndup(t, len);
		for (char *c = s; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		(*dst)[i] = s;
	}
	return 0;
}

static int load_input(struct loader *ld, json_t *obj, const char *where,
		      struct gs_profile_input *in)
{
	json_t *v;

	if ((v = json_object_get(obj, "format"))) {
		const char *f = json_string_value(v);

		if (f && strcmp(f, "csv") == 0)
			in->format = GS_FORMAT_CSV;
		else if (f && strcmp(f, "jsonl") == 0)
			in->format = GS_FORMAT_JSONL;
		else
			return fail(ld, "format",
				    "key \"format\" in %s must be \"csv\" or "
				    "\"jsonl\"%s",
				    where, "");
	}
	if ((v = json_object_get(obj, "date_format"))) {
		const char *f = json_string_value(v);

		if (f && strcmp(f, "iso") == 0)
			in->date_format = GS_DATE_ISO;
		else if (f && strcmp(f, "uk") == 0)
			in->date_format = GS_DATE_UK;
		else
			return fail(ld, "date_format",
				    "key \"date_format\" in %s must be \"iso\" "
				    "(YYYY-MM-DD) or \"uk\" (dd/mm/yyyy)%s",
				    where, "");
	}
	if ((v = json_object_get(obj, "delimiter"))) {
		const char *d = json_string_value(v);

		if (!d || strlen(d) != 1 || *d == '"' || *d == '\n' || *d == '\r')
			return fail(ld, "delimiter",
				    "key \"delimiter\" in %s must be one "
				    "character other than a quote or newline%s",
				    where, "");
		in->delimiter = *d;
	}
	if ((v = json_object_get(obj, "multi_value_separator"))) {
		const char *d = json_string_value(v);

		if (!d || strlen(d) != 1)
			return fail(ld, "multi_value_separator",
				    "key \"multi_value_separator\" in %s must "
				    "be one character%s",
				    where, "");
		in->multi_sep = *d;
	}
	return 0;
}

/* A key of a "columns" object and the profile field it sets. */
struct column {
	const char *key;
	size_t off; /* of a char * in struct gs_profile */
	int nullable;
};

/* Checks that obj, the value of key name, is an object. */
static int need_object(struct loader *ld, json_t *obj, const char *name)
{
	if (!json_is_object(obj))
		return fail(ld, name, "key \"%s\" must be an object%s", name,
			    "");
	return 0;
}

/* Reads the "columns" object of obj, if any, into *out (else NULL): keys
 * are the keys it may hold, cols those that name one column. */
static int load_columns(struct loader *ld, json_t *obj, const char *where,
			const char *const *keys, const struct column *cols,
			struct gs_profile *p, json_t **out)
{
	json_t *v = json_object_get(obj, "columns");
	int rc;

	*out = NULL;
	if (!v)
		return 0;
	rc = need_object(ld, v, "columns");
	if (rc == 0)
		rc = check_keys(ld, v, where, keys);
	for (; rc == 0 && cols->key; cols++)
		rc = get_str(ld, v, cols->key,
			     (char **)((char *)p + cols->off), cols->nullable);
	if (rc == 0)
		*out = v;
	return rc;
}

static int load_intel(struct loader *ld, json_t *obj, struct gs_profile *p)
{
	static const char *const keys[] = {"format", "delimiter", "date_format",
					   "multi_value_separator", "columns",
					   NULL};
	static const char *const ckeys[] = {"id",	"logged_at", "unit",
					    "district", "grading",   "priority",
					    "subject",	"text",	     NULL};
	static const struct column ccols[] = {
		{"id", offsetof(struct gs_profile, col_id), 0},
		{"logged_at", offsetof(struct gs_profile, col_logged_at), 0},
		{"unit", offsetof(struct gs_profile, col_unit), 1},
		{"district", offsetof(struct gs_profile, col_district), 1},
		{"grading", offsetof(struct gs_profile, col_grading), 1},
		{"priority", offsetof(struct gs_profile, col_priority), 1},
		{"subject", offsetof(struct gs_profile, col_subject), 1},
		{NULL, 0, 0}};
	json_t *cols, *text;
	int rc;

	if ((rc = need_object(ld, obj, "intel")) ||
	    (rc = check_keys(ld, obj, "\"intel\"", keys)) ||
	    (rc = load_input(ld, obj, "\"intel\"", &p->intel)) ||
	    (rc = load_columns(ld, obj, "\"intel.columns\"", ckeys, ccols, p,
			       &cols)))
		return rc;
	if (!cols)
		return 0;
	text = json_object_get(cols, "text");
	if (text) {
		size_t i;
		json_t *el;

		if (json_is_string(text))
			text = json_pack("[O]", text);
		else
			json_incref(text);
		if (!json_is_array(text) || json_array_size(text) == 0 ||
		    json_array_size(text) > GS_PROFILE_MAX_TEXT) {
			json_decref(text);
			return fail(ld, "text",
				    "key \"text\" must be a column name or an "
				    "array of 1 to 16 column names%s%s",
				    "", "");
		}
		json_array_foreach(text, i, el)
		{
			if (!json_is_string(el) || !json_string_length(el)) {
				json_decref(text);
				return fail(ld, "text",
					    "key \"text\" must hold column "
					    "names (strings)%s%s",
					    "", "");
			}
		}
		for (i = 0; i < p->ntext; i++)
			free(p->col_text[i]);
		p->ntext = json_array_size(text);
		json_array_foreach(text, i, el) p->col_text[i] =
			xstrdup(json_string_value(el));
		json_decref(text);
	}
	return 0;
}

static int load_actions(struct loader *ld, json_t *obj, struct gs_profile *p)
{
	static const char *const keys[] = {
		"format",     "delimiter",		 "date_format",
		"multi_value_separator", "columns",	 "qualifying",
		"qualifying_with_rationale", "reference_pattern", NULL};
	static const char *const ckeys[] = {"action_id", "intel_id",
					    "action_type", "action_at",
					    "unit",	   "rationale", NULL};
	static const struct column ccols[] = {
		{"action_id", offsetof(struct gs_profile, act_id), 0},
		{"intel_id", offsetof(struct gs_profile, act_intel_id), 0},
		{"action_type", offsetof(struct gs_profile, act_type), 0},
		{"action_at", offsetof(struct gs_profile, act_at), 0},
		{"unit", offsetof(struct gs_profile, act_unit), 1},
		{"rationale", offsetof(struct gs_profile, act_rationale), 1},
		{NULL, 0, 0}};
	json_t *cols;
	int rc;

	if ((rc = need_object(ld, obj, "actions")) ||
	    (rc = check_keys(ld, obj, "\"actions\"", keys)) ||
	    (rc = load_input(ld, obj, "\"actions\"", &p->actions)) ||
	    (rc = get_strv(ld, obj, "qualifying", &p->qualifying,
			   &p->nqualifying)) ||
	    (rc = get_strv(ld, obj, "qualifying_with_rationale",
			   &p->qualifying_with_rationale,
			   &p->nqualifying_with_rationale)) ||
	    (rc = get_str(ld, obj, "reference_pattern", &p->reference_pattern,
			  1)))
		return rc;
	return load_columns(ld, obj, "\"actions.columns\"", ckeys, ccols, p,
			    &cols);
}

static int load_sla_by_priority(struct loader *ld, json_t *obj,
				struct gs_profile *p)
{
	const char *k;
	json_t *v;
	size_t i = 0;

	if (!obj)
		return 0;
	if (!json_is_object(obj))
		return fail(ld, "sla_by_priority",
			    "key \"%s\" must be an object of priority: days%s",
			    "sla_by_priority", "");
	json_object_foreach(obj, k, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 3650)
			return fail(ld, k,
				    "sla_by_priority \"%s\" must be an integer "
				    "number of days in 0..3650%s",
				    k, "");
	}
	p->sla_by_priority = xcalloc(json_object_size(obj) + 1,
				     sizeof(*p->sla_by_priority));
	json_object_foreach(obj, k, v)
	{
		p->sla_by_priority[i].priority = xstrdup(k);
		p->sla_by_priority[i].days = (int)json_integer_value(v);
		i++;
	}
	p->nsla_by_priority = i;
	return 0;
}

/* The whole file, NUL-terminated (caller frees), or NULL with errno set:
 * a read error or a file over 16 MiB is not parsed cut short. */
static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	struct gs_buf b;
	char chunk[8192];
	size_t k;
	int bad = 0;

	if (!fp)
		return NULL;
	gs_buf_init(&b, 16u << 20);
	while (!bad && (k = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (gs_buf_append(&b, chunk, k) < 0)
			bad = EFBIG;
	if (!bad && ferror(fp))
		bad = errno ? errno : EIO;
	fclose(fp);
	if (bad) {
		gs_buf_release(&b);
		errno = bad;
		return NULL;
	}
	if (!b.data)
		gs_buf_append(&b, "", 0);
	*n = b.len;
	return b.data;
}

int gs_profile_load(struct gs_profile *p, const char *path,
		    struct gs_error *err)
{
	static const char *const keys[] = {
		"name",	     "description", "intel",  "actions",
		"sla_days",  "sla_by_priority", "threshold", "limits",
		"marking",   "chains",	    NULL};
	static const char *const lkeys[] = {"max_field_bytes", "match_limit",
					    "depth_limit", "heap_limit_kib",
					    NULL};
	static const char *const chkeys[] = {"min_records", "window_days",
					     NULL};
	struct loader ld = {path, NULL, err};
	json_error_t jerr;
	json_t *root = NULL, *v;
	size_t n = 0;
	long num;
	int rc = 0;

	ld.text = slurp(path, &n);
	if (!ld.text) {
		rc = gs_error_set(err, GS_ERR_INPUT, path, 0, 0,
				  "cannot read profile: %s", strerror(errno));
		goto out;
	}
	root = json_loadb(ld.text, n, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		rc = gs_error_set(err, GS_ERR_INPUT, path, jerr.line,
				  jerr.column, "invalid profile JSON: %s",
				  jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = gs_error_set(err, GS_ERR_INPUT, path, 1, 0,
				  "profile must be a JSON object");
		goto out;
	}
	if ((rc = check_keys(&ld, root, "profile", keys)) ||
	    (rc = get_str(&ld, root, "name", &p->name, 0)) ||
	    (rc = get_str(&ld, root, "marking", &p->marking, 0)))
		goto out;
	if ((v = json_object_get(root, "intel")) && (rc = load_intel(&ld, v, p)))
		goto out;
	if ((v = json_object_get(root, "actions")) &&
	    (rc = load_actions(&ld, v, p)))
		goto out;
	num = p->sla_days;
	if ((rc = get_int(&ld, root, "sla_days", 0, 3650, &num)))
		goto out;
	p->sla_days = (int)num;
	if ((rc = load_sla_by_priority(&ld, json_object_get(root,
							     "sla_by_priority"),
				       p)))
		goto out;
	num = p->threshold;
	if ((rc = get_int(&ld, root, "threshold", 1, 1000, &num)))
		goto out;
	p->threshold = (int)num;
	if ((v = json_object_get(root, "limits"))) {
		if (!json_is_object(v)) {
			rc = fail(&ld, "limits", "key \"%s\" must be an object%s",
				  "limits", "");
			goto out;
		}
		if ((rc = check_keys(&ld, v, "\"limits\"", lkeys)))
			goto out;
		num = (long)p->max_field;
		if ((rc = get_int(&ld, v, "max_field_bytes", 16, 1L << 30, &num)))
			goto out;
		p->max_field = (size_t)num;
		num = (long)p->match_limit;
		if ((rc = get_int(&ld, v, "match_limit", 1, 1L << 32, &num)))
			goto out;
		p->match_limit = (unsigned long)num;
		num = (long)p->depth_limit;
		if ((rc = get_int(&ld, v, "depth_limit", 1, 1L << 32, &num)))
			goto out;
		p->depth_limit = (unsigned long)num;
		num = (long)p->heap_limit_kib;
		if ((rc = get_int(&ld, v, "heap_limit_kib", 1, 1L << 32, &num)))
			goto out;
		p->heap_limit_kib = (unsigned long)num;
	}
	if ((v = json_object_get(root, "chains"))) {
		if (!json_is_object(v)) {
			rc = fail(&ld, "chains", "key \"%s\" must be an object%s",
				  "chains", "");
			goto out;
		}
		if ((rc = check_keys(&ld, v, "\"chains\"", chkeys)))
			goto out;
		num = p->chain_min_records;
		if ((rc = get_int(&ld, v, "min_records", 2, 1000, &num)))
			goto out;
		p->chain_min_records = (int)num;
		num = p->chain_window_days;
		if ((rc = get_int(&ld, v, "window_days", 1, 3650, &num)))
			goto out;
		p->chain_window_days = (int)num;
	}
	free(p->path);
	p->path = xstrdup(path);
	{
		struct gs_sha256 s;

		gs_sha256_init(&s);
		gs_sha256_update(&s, ld.text, n);
		gs_sha256_hex(&s, p->sha256);
	}
out:
	json_decref(root);
	free(ld.text);
	return rc;
}

int gs_profile_sla(const struct gs_profile *p, const char *priority, size_t n)
{
	if (!priority || n == 0)
		return p->sla_days;
	for (size_t i = 0; i < p->nsla_by_priority; i++) {
		const char *k = p->sla_by_priority[i].priority;

		if (strlen(k) == n && strncasecmp(k, priority, n) == 0)
			return p->sla_by_priority[i].days;
	}
	return p->sla_days;
}

static int in_list(char *const *v, size_t nv, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	for (size_t i = 0; i < nv; i++) {
		if (strlen(v[i]) == n && strncasecmp(v[i], s, n) == 0)
			return 1;
	}
	return 0;
}

int gs_profile_qualifies(const struct gs_profile *p, const char *type,
			 size_t type_len, const char *rationale,
			 size_t rationale_len)
{
	if (in_list(p->qualifying, p->nqualifying, type, type_len))
		return 1;
	if (in_list(p->qualifying_with_rationale, p->nqualifying_with_rationale,
		    type, type_len)) {
		for (size_t i = 0; rationale && i < rationale_len; i++) {
			if (!isspace((unsigned char)rationale[i]))
				return 1;
		}
	}
	return 0;
}
