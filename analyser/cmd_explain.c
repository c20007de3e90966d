/*
 * cmd_explain.c - `gapscan explain`: why one text or record matched, was
 * suppressed, or did not match.
 *
 * Prints the text with each active hit marked, every hit with its rule,
 * category, weight, field and span, what suppressed or excluded the others,
 * language findings on their own, the score against the profile threshold
 * and the flag decision, the overrides in force and, for a record with an
 * actions export, its status and the actions citing it. --json prints the
 * same as one JSON object.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gs_assess.h"
#include "gs_cli.h"
#include "gs_date.h"
#include "gs_ingest.h"
#include "gs_link.h"
#include "gs_match.h"
#include "gs_report.h"
#include "gs_store.h"
#include "gs_util.h"
#include "rules_internal.h"

static const char explain_usage[] =
	"usage: gapscan explain (--text TEXT | --intel FILE --id ID |\n"
	"                        --db FILE --id ID)\n"
	"                       [--actions FILE] [--rules DIR] [--overrides FILE]\n"
	"                       [--profile FILE]\n"
	"                       [--as-of YYYY-MM-DD] [--db FILE [--run N]]\n"
	"                       [--json]\n"
	"\n"
	"Shows which rules hit the text (or the record ID of an intelligence\n"
	"export), what context cue or exclusion suppressed a hit, the score\n"
	"against the profile's threshold and whether it is flagged. With\n"
	"--actions, also the record's status and the actions citing it.\n"
	"Hits are marked [[like this]]{rule-id}, in colour on a terminal\n"
	"(unless NO_COLOR is set). --overrides takes local rule overrides as\n"
	"scan does (default: overrides.json beside the pack, when present).\n"
	"With --db FILE, also the repeat-intelligence chains of run N (default:\n"
	"the newest) that record ID belongs to, and whether it is an isolated\n"
	"entry; --db FILE --id ID alone shows only that.\n"
	"\n"
	"exit: 0 explained, 2 usage, 3 input error or ID not found,\n"
	"      4 the pack does not load, 5 cannot write\n";

static const char *const state_names[] = {"active", "suppressed", "excluded",
					  "unguarded"};

enum { O_TEXT = 256, O_INTEL, O_ID, O_ACTIONS, O_RULES, O_PROFILE, O_JSON,
       O_AS_OF, O_DB, O_RUN, O_OVERRIDES, O_HELP };

static const struct option explain_options[] = {
	{"text", required_argument, NULL, O_TEXT},
	{"intel", required_argument, NULL, O_INTEL},
	{"id", required_argument, NULL, O_ID},
	{"actions", required_argument, NULL, O_ACTIONS},
	{"rules", required_argument, NULL, O_RULES},
	{"overrides", required_argument, NULL, O_OVERRIDES},
	{"profile", required_argument, NULL, O_PROFILE},
	{"json", no_argument, NULL, O_JSON},
	{"as-of", required_argument, NULL, O_AS_OF},
	{"db", required_argument, NULL, O_DB},
	{"run", required_argument, NULL, O_RUN},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0}};

struct explain_opts {
	const char *text, *intel, *id, *actions, *rules, *profile, *as_of;
	const char *overrides;
	const char *db;
	long long run; /* 0: the newest */
	int json;
};

/* What was explained: the fields and, for a record, its dates. */
struct subject {
	struct gs_text texts[GS_PROFILE_MAX_TEXT];
	char *owned[GS_PROFILE_MAX_TEXT]; /* copies behind texts[].ptr */
	size_t ntexts;
	int is_record;
	char *logged_at;
	long log_day;
	char *priority;
};

struct explain {
	const struct gs_rules *rules;
	const struct gs_profile *profile;
	struct subject *sub;
	struct gs_match_result res;
	int score;
	int flagged;
	int have_status;
	long as_of;
	struct gs_assessment assessment;
	const struct gs_action *const *acts;
	size_t nacts;
};

static int parse_opts(int argc, char **argv, struct explain_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", explain_options, NULL)) != -1) {
		switch (c) {
		case O_TEXT: o->text = optarg; break;
		case O_INTEL: o->intel = optarg; break;
		case O_ID: o->id = optarg; break;
		case O_ACTIONS: o->actions = optarg; break;
		case O_RULES: o->rules = optarg; break;
		case O_OVERRIDES: o->overrides = optarg; break;
		case O_PROFILE: o->profile = optarg; break;
		case O_JSON: o->json = 1; break;
		case O_AS_OF: o->as_of = optarg; break;
		case O_DB: o->db = optarg; break;
		case O_RUN:
			if (gs_parse_run_id(optarg, &o->run) < 0)
				return gs_cli_usage_error(
					"--run: \"%s\" is not a run id", optarg);
			break;
		case 'h':
		case O_HELP:
			fputs(explain_usage, stdout);
			return 1;
		case ':':
			return gs_cli_usage_error("explain: %s needs a value",
						  argv[optind - 1]);
		default:
			return gs_cli_usage_error(
				"explain: unknown option '%s' (try 'gapscan "
				"explain --help')",
				argv[optind - 1]);
		}
	}
	if (optind < argc)
		return gs_cli_usage_error("explain: unexpected '%s'",
					  argv[optind]);
	if (o->run && !o->db)
		return gs_cli_usage_error("explain: --run needs --db FILE");
	if (o->db && o->text == NULL && o->intel == NULL) {
		if (o->id == NULL)
			return gs_cli_usage_error("explain: --db needs --id ID");
		if (o->actions != NULL)
			return gs_cli_usage_error(
				"explain: --actions needs --intel FILE");
		return 0;
	}
	if (o->text != NULL && o->db != NULL)
		return gs_cli_usage_error("explain: --db needs --id ID");
	if ((o->text != NULL) == (o->intel != NULL))
		return gs_cli_usage_error(
			"explain: give either --text TEXT or --intel FILE --id ID");
	if (o->intel != NULL && o->id == NULL)
		return gs_cli_usage_error("explain: --intel needs --id ID");
	if (o->text != NULL && (o->id != NULL || o->actions != NULL))
		return gs_cli_usage_error(
			"explain: --id and --actions need --intel FILE");
	return 0;
}

static void subject_release(struct subject *s)
{
	for (size_t i = 0; i < s->ntexts; i++)
		free(s->owned[i]);
	free(s->logged_at);
	free(s->priority);
	memset(s, 0, sizeof(*s));
}

/* Reads the intelligence export until the record with id; copies it into
 * s. Returns 0, GS_ERR_INPUT when absent (err filled) or another error. */
static int read_record(struct subject *s, const struct explain_opts *o,
		       const struct gs_profile *p, struct gs_error *err)
{
	struct gs_ingest *in = NULL;
	struct gs_intel_rec rec;
	struct gs_buf rejects; /* the first few, for a "not found" */
	unsigned long nrejects = 0;
	int rc;

	gs_buf_init(&rejects, 0);
	rc = gs_ingest_open(&in, o->intel, GS_INGEST_INTEL, p, err);
	if (rc < 0)
		goto out;
	for (;;) {
		rc = gs_ingest_next_intel(in, &rec, err);
		if (rc == GS_ERR_REJECT) {
			if (nrejects++ < 3)
				gs_buf_printf(&rejects, "%sline %ld: %s",
					      nrejects > 1 ? "; " : "",
					      err->line, err->msg);
			gs_error_clear(err);
			continue;
		}
		if (rc < 0)
			goto out;
		if (rc == 0 && nrejects) {
			rc = gs_error_set(err, GS_ERR_INPUT, o->intel, 0, 0,
					  "id '%s' not found among the records "
					  "read; %lu row%s rejected, which it may "
					  "be (%s%s)",
					  o->id, nrejects,
					  nrejects > 1 ? "s were" : " was",
					  rejects.data,
					  nrejects > 3 ? "; ..." : "");
			goto out;
		}
		if (rc == 0) {
			rc = gs_error_set(err, GS_ERR_INPUT, o->intel, 0, 0,
					  "id '%s' not found", o->id);
			goto out;
		}
		if (rec.id.len == strlen(o->id) &&
		    memcmp(rec.id.ptr, o->id, rec.id.len) == 0)
			break;
	}
	s->is_record = 1;
	s->log_day = rec.logged_day;
	s->logged_at = xstrndup(rec.logged_at.ptr, rec.logged_at.len);
	s->priority = xstrndup(rec.priority.ptr, rec.priority.len);
	for (size_t i = 0; i < rec.ntext && i < GS_PROFILE_MAX_TEXT; i++) {
		s->owned[i] = xstrndup(rec.text[i].ptr, rec.text[i].len);
		s->texts[i].name = p->col_text[i];
		s->texts[i].ptr = s->owned[i];
		s->texts[i].len = rec.text[i].len;
		s->ntexts++;
	}
	rc = 0;
out:
	gs_ingest_free(in);
	gs_buf_release(&rejects);
	return rc;
}

/* Indexes the actions export into l. */
static int read_actions(struct gs_link *l, const char *path,
			const struct gs_profile *p, struct gs_error *err)
{
	struct gs_ingest *in = NULL;
	struct gs_action_rec rec;
	int rc;

	rc = gs_ingest_open(&in, path, GS_INGEST_ACTIONS, p, err);
	if (rc < 0)
		goto out;
	for (;;) {
		rc = gs_ingest_next_action(in, &rec, err);
		if (rc == GS_ERR_REJECT)
			continue;
		if (rc <= 0)
			break;
		gs_link_add(l, &rec);
	}
out:
	gs_ingest_free(in);
	return rc;
}

/* ---- text output ---- */

/* Prints field text with active hits marked; overlapping hits form one
 * mark listing every rule. */
static void print_marked(const struct explain *x, size_t f, int colour)
{
	const struct gs_text *t = &x->sub->texts[f];
	size_t pos = 0;
	size_t i = 0;

	while (i < x->res.nhits) {
		const struct gs_hit *h = &x->res.hits[i];
		size_t end;
		size_t j;

		if (h->field != f || h->state != GS_HIT_ACTIVE) {
			i++;
			continue;
		}
		end = h->end;
		for (j = i + 1; j < x->res.nhits; j++) {
			const struct gs_hit *k = &x->res.hits[j];

			if (k->field != f || k->start >= end)
				break;
			if (k->state == GS_HIT_ACTIVE && k->end > end)
				end = k->end;
		}
		fwrite(t->ptr + pos, 1, h->start - pos, stdout);
		fputs(colour ? "\033[1;31m" : "[[", stdout);
		fwrite(t->ptr + h->start, 1, end - h->start, stdout);
		fputs(colour ? "\033[0m\033[2m{" : "]]{", stdout);
		for (size_t k = i, n = 0; k < j; k++) {
			const struct gs_hit *g = &x->res.hits[k];

			if (g->state != GS_HIT_ACTIVE)
				continue;
			printf("%s%s", n++ ? "," : "",
			       gs_rules_get(x->rules, g->rule)->id);
		}
		fputs(colour ? "}\033[0m" : "}", stdout);
		pos = end;
		i = j;
	}
	fwrite(t->ptr + pos, 1, t->len - pos, stdout);
	putchar('\n');
}

static void print_hit(const struct explain *x, const struct gs_hit *h)
{
	const struct gs_rule_info *r = gs_rules_get(x->rules, h->rule);
	const struct gs_text *t = &x->sub->texts[h->field];

	printf("  %s  category %s  weight %d  field %s  [%zu,%zu)  \"%.*s\"\n",
	       r->id, r->category, r->weight, t->name ? t->name : "-",
	       h->start, h->end, (int)(h->end - h->start), t->ptr + h->start);
	for (size_t c = 0; c < h->ncaps; c++)
		printf("    %s: \"%.*s\"\n", h->caps[c].name,
		       (int)(h->caps[c].end - h->caps[c].start),
		       t->ptr + h->caps[c].start);
	if (h->state == GS_HIT_SUPPRESSED) {
		const struct gs_cue_info *c = gs_rules_cue(x->rules,
							   (size_t)h->cue);

		printf("    suppressed by cue %s (%s) \"%.*s\" at [%zu,%zu)\n",
		       c->id, gs_cue_type_name(c->type),
		       (int)(h->cue_end - h->cue_start), t->ptr + h->cue_start,
		       h->cue_start, h->cue_end);
	} else if (h->state == GS_HIT_EXCLUDED) {
		printf("    excluded by an exclude pattern in its sentence\n");
	} else if (h->state == GS_HIT_UNGUARDED) {
		const struct gs_rule *rule = &x->rules->rules[h->rule];

		const char *src = rule->all[h->cue].src;
		int cut = strlen(src) > 100; /* --json has it whole */

		printf("    not counted: its \"all\" pattern %d is not within "
		       "%d bytes: %.*s%s\n",
		       h->cue + 1, rule->window, cut ? 100 : (int)strlen(src),
		       src, cut ? "..." : "");
	}
}

/* Prints the hits of one kind: language (1) or indicator (0), in state
 * group active (1) or not (0). Returns how many. */
static size_t print_hits(const struct explain *x, int language, int active)
{
	size_t n = 0;

	for (size_t i = 0; i < x->res.nhits; i++) {
		const struct gs_hit *h = &x->res.hits[i];
		const struct gs_rule_info *r = gs_rules_get(x->rules, h->rule);

		if (r->is_language != language ||
		    (h->state == GS_HIT_ACTIVE) != active)
			continue;
		print_hit(x, h);
		n++;
	}
	return n;
}

static void print_text(const struct explain *x)
{
	int colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	size_t n;

	for (size_t f = 0; f < x->sub->ntexts; f++) {
		printf("%s:\n", x->sub->texts[f].name ? x->sub->texts[f].name
						       : "text");
		print_marked(x, f, colour);
		putchar('\n');
	}
	printf("hits:\n");
	if (print_hits(x, 0, 1) == 0)
		printf("  none\n");
	printf("suppressed, excluded or unguarded:\n");
	if (print_hits(x, 0, 0) == 0)
		printf("  none\n");
	printf("language:\n");
	n = print_hits(x, 1, 1);
	n += print_hits(x, 1, 0);
	if (n == 0)
		printf("  none\n");
	for (size_t i = 0; i < x->res.nlimit; i++)
		printf("limit: rule %s stopped by a pcre2 resource limit "
		       "(error %d): its result is unknown\n",
		       gs_rules_get(x->rules, x->res.limit_rules[i])->id,
		       x->res.limit_code);
	printf("score: %d, threshold %d: %s\n", x->score, x->profile->threshold,
	       x->flagged ? "flagged" : "not flagged");
	if (x->have_status) {
		char day[11];

		gs_date_format(x->as_of, day);
		if (x->sub->log_day > x->as_of)
			printf("status as of %s: none: logged after the as-of "
			       "date, so a scan rejects it (not assessed)",
			       day);
		else
			printf("status as of %s: %s", day,
			       x->assessment.status == GS_STATUS_NONE
				       ? "not flagged"
				       : gs_status_name(x->assessment.status));
		if (x->sub->log_day <= x->as_of &&
		    x->assessment.status != GS_STATUS_NONE)
			printf(" (%ld days)", x->assessment.days);
		putchar('\n');
		printf("actions citing it:\n");
		if (x->nacts == 0)
			printf("  none\n");
		for (size_t i = 0; i < x->nacts; i++) {
			const struct gs_action *a = x->acts[i];

			gs_date_format(a->day, day);
			printf("  %s  %s  %s  %s%s\n", a->action_id, a->type, day,
			       a->qualifies ? "qualifies" : "does not qualify",
			       a->day > x->as_of
				       ? " (after the as-of date: not counted)"
			       : a->day < x->sub->log_day
				       ? " (dated before the log)"
				       : "");
		}
	}
	printf("overrides in force:\n");
	if (gs_rules_noverrides(x->rules) == 0)
		printf("  none\n");
	for (size_t i = 0; i < gs_rules_noverrides(x->rules); i++) {
		const struct gs_override_info *o = gs_rules_override(x->rules, i);

		printf("  %s: %s (reason: %s)\n", o->rule_id, o->what, o->reason);
	}
}

/* ---- JSON output ---- */

static json_t *span_text(const struct gs_text *t, size_t s, size_t e)
{
	return json_stringn(t->ptr + s, e - s);
}

static json_t *hit_json(const struct explain *x, const struct gs_hit *h)
{
	const struct gs_rule_info *r = gs_rules_get(x->rules, h->rule);
	const struct gs_text *t = &x->sub->texts[h->field];
	json_t *o = json_object();
	json_t *caps = json_array();

	json_object_set_new(o, "rule", json_string(r->id));
	json_object_set_new(o, "title", json_string(r->title ? r->title : ""));
	json_object_set_new(o, "category", json_string(r->category));
	json_object_set_new(o, "weight", json_integer(r->weight));
	json_object_set_new(o, "field", json_string(t->name ? t->name : ""));
	json_object_set_new(o, "start", json_integer((json_int_t)h->start));
	json_object_set_new(o, "end", json_integer((json_int_t)h->end));
	json_object_set_new(o, "text", span_text(t, h->start, h->end));
	json_object_set_new(o, "state", json_string(state_names[h->state]));
	for (size_t c = 0; c < h->ncaps; c++) {
		json_t *cj = json_object();

		json_object_set_new(cj, "name", json_string(h->caps[c].name));
		json_object_set_new(cj, "start",
				    json_integer((json_int_t)h->caps[c].start));
		json_object_set_new(cj, "end",
				    json_integer((json_int_t)h->caps[c].end));
		json_object_set_new(cj, "text", span_text(t, h->caps[c].start,
							  h->caps[c].end));
		json_array_append_new(caps, cj);
	}
	json_object_set_new(o, "captures", caps);
	if (h->state == GS_HIT_UNGUARDED) {
		const struct gs_rule *rule = &x->rules->rules[h->rule];

		json_object_set_new(
			o, "missing_all",
			json_pack("{s:i,s:s,s:i}", "index", h->cue + 1,
				  "pattern", rule->all[h->cue].src, "window",
				  rule->window));
	}
	if (h->state == GS_HIT_SUPPRESSED) {
		const struct gs_cue_info *c = gs_rules_cue(x->rules,
							   (size_t)h->cue);
		json_t *cj = json_object();

		json_object_set_new(cj, "id", json_string(c->id));
		json_object_set_new(cj, "type",
				    json_string(gs_cue_type_name(c->type)));
		json_object_set_new(cj, "start",
				    json_integer((json_int_t)h->cue_start));
		json_object_set_new(cj, "end",
				    json_integer((json_int_t)h->cue_end));
		json_object_set_new(cj, "text",
				    span_text(t, h->cue_start, h->cue_end));
		json_object_set_new(o, "cue", cj);
	}
	return o;
}

static json_t *explain_json(const struct explain *x)
{
	json_t *o = json_object();
	json_t *fields = json_array(), *hits = json_array(),
	       *lang = json_array(), *limits = json_array(),
	       *ovr = json_array();

	for (size_t f = 0; f < x->sub->ntexts; f++) {
		json_t *fj = json_object();
		const struct gs_text *t = &x->sub->texts[f];

		json_object_set_new(fj, "name", json_string(t->name ? t->name : ""));
		json_object_set_new(fj, "text", json_stringn(t->ptr, t->len));
		json_array_append_new(fields, fj);
	}
	json_object_set_new(o, "fields", fields);
	for (size_t i = 0; i < x->res.nhits; i++) {
		const struct gs_hit *h = &x->res.hits[i];

		json_array_append_new(gs_rules_get(x->rules, h->rule)->is_language
					      ? lang
					      : hits,
				      hit_json(x, h));
	}
	json_object_set_new(o, "hits", hits);
	json_object_set_new(o, "language", lang);
	for (size_t i = 0; i < x->res.nlimit; i++)
		json_array_append_new(
			limits,
			json_string(gs_rules_get(x->rules, x->res.limit_rules[i])->id));
	json_object_set_new(o, "limit_rules", limits);
	json_object_set_new(o, "score", json_integer(x->score));
	json_object_set_new(o, "threshold", json_integer(x->profile->threshold));
	json_object_set_new(o, "flagged", json_boolean(x->flagged));
	if (x->have_status) {
		char day[11];
		json_t *acts = json_array();

		gs_date_format(x->as_of, day);
		json_object_set_new(o, "as_of", json_string(day));
		/* a record logged after the as-of date is not assessed */
		int assessed = x->sub->log_day <= x->as_of;

		json_object_set_new(o, "assessed", json_boolean(assessed));
		json_object_set_new(
			o, "status",
			!assessed ? json_null()
			: x->assessment.status == GS_STATUS_NONE
				? json_string("not flagged")
				: json_string(
					  gs_status_name(x->assessment.status)));
		json_object_set_new(o, "days",
				    assessed ? json_integer(x->assessment.days)
					     : json_null());
		for (size_t i = 0; i < x->nacts; i++) {
			const struct gs_action *a = x->acts[i];
			json_t *aj = json_object();

			gs_date_format(a->day, day);
			json_object_set_new(aj, "action_id",
					    json_string(a->action_id));
			json_object_set_new(aj, "type", json_string(a->type));
			json_object_set_new(aj, "date", json_string(day));
			json_object_set_new(aj, "qualifies",
					    json_boolean(a->qualifies));
			json_object_set_new(aj, "after_as_of",
					    json_boolean(a->day > x->as_of));
			json_array_append_new(acts, aj);
		}
		json_object_set_new(o, "actions", acts);
	}
	for (size_t i = 0; i < gs_rules_noverrides(x->rules); i++) {
		const struct gs_override_info *oi = gs_rules_override(x->rules, i);
		json_t *oj = json_object();

		json_object_set_new(oj, "rule", json_string(oi->rule_id));
		json_object_set_new(oj, "what", json_string(oi->what));
		json_object_set_new(oj, "reason", json_string(oi->reason));
		json_array_append_new(ovr, oj);
	}
	json_object_set_new(o, "overrides", ovr);
	json_object_set_new(o, "rules_version",
			    json_string(gs_rules_version(x->rules)
						? gs_rules_version(x->rules)
						: ""));
	return o;
}

/* Score and flag decision without actions, by the scan's own rule (a
 * record short of the threshold only because rules hit a limit is
 * indeterminate, counted as flagged). */
static void decide(struct explain *x)
{
	struct gs_assessment a;

	gs_assess_record(x->rules, &x->res, x->profile->threshold, 0, 0, 0,
			 NULL, 0, &a);
	x->score = a.score;
	x->flagged = a.flagged;
}

/* ---- repeat intelligence from the run history (--db) ---- */

struct chain_member {
	long long chain_id;
	char *key_type, *key_value, *id, *date, *status;
	int restricted;
	unsigned long nmembers, nsubjects, ngaps;
	long span_days;
	int cross_referenced;
};

struct chain_walk {
	const char *id;
	struct chain_member *rows;
	size_t n, cap;
	long long *mine; /* chain ids holding id */
	size_t nmine;
	int isolated;
};

static int on_chain_row(const struct gs_store_chain_row *c, void *ctx)
{
	struct chain_walk *w = ctx;
	struct chain_member *m;

	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 32;
		w->rows = xrealloc(w->rows, w->cap * sizeof(*w->rows));
	}
	m = &w->rows[w->n++];
	m->chain_id = c->chain_id;
	m->key_type = xstrdup(c->key_type);
	m->key_value = xstrdup(c->key_value);
	m->id = xstrdup(c->record_id);
	m->date = xstrdup(c->logged_date);
	m->status = xstrdup(c->status);
	m->restricted = gs_report_restricted(c->grading) &&
			strcmp(c->record_id, w->id) != 0;
	m->nmembers = c->nmembers;
	m->nsubjects = c->nsubjects;
	m->ngaps = c->ngaps;
	m->span_days = c->span_days;
	m->cross_referenced = c->cross_referenced;
	if (strcmp(c->record_id, w->id) == 0) {
		w->mine = xrealloc(w->mine, (w->nmine + 1) * sizeof(*w->mine));
		w->mine[w->nmine++] = c->chain_id;
	}
	return 0;
}

static int on_isolated_row(const struct gs_store_isolated_row *i, void *ctx)
{
	struct chain_walk *w = ctx;

	if (strcmp(i->record_id, w->id) == 0)
		w->isolated = 1;
	return 0;
}

static void chain_walk_release(struct chain_walk *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free(w->rows[i].key_type);
		free(w->rows[i].key_value);
		free(w->rows[i].id);
		free(w->rows[i].date);
		free(w->rows[i].status);
	}
	free(w->rows);
	free(w->mine);
}

static int mine(const struct chain_walk *w, long long chain_id)
{
	for (size_t i = 0; i < w->nmine; i++)
		if (w->mine[i] == chain_id)
			return 1;
	return 0;
}

/* Reads the chains and isolated records of run (0: newest) holding id. */
static int load_chains(const struct explain_opts *o, struct chain_walk *w,
		       long long *run, struct gs_error *err)
{
	struct gs_store *s = NULL;
	struct gs_store_run_row *row = NULL;
	int rc;

	w->id = o->id;
	if ((rc = gs_store_open(&s, o->db, 0, err)) < 0)
		goto out;
	*run = o->run ? o->run : gs_store_latest_run(s);
	if (*run == 0) {
		rc = gs_error_set(err, GS_ERR_USAGE, o->db, 0, 0,
				  "no runs in the database");
		goto out;
	}
	if ((rc = gs_store_run_get(s, *run, &row, err)) < 0)
		goto out;
	if ((rc = gs_store_chains(s, *run, on_chain_row, w, err)) < 0)
		goto out;
	rc = gs_store_isolated(s, *run, on_isolated_row, w, err);
out:
	gs_store_runs_free(row, row ? 1 : 0);
	gs_store_free(s);
	return rc;
}

static void print_chains(const struct chain_walk *w, long long run)
{
	long long last = 0;

	printf("\nrepeat intelligence (run %lld): %s in %zu chain%s\n", run,
	       w->id, w->nmine, w->nmine == 1 ? "" : "s");
	for (size_t i = 0; i < w->n; i++) {
		const struct chain_member *m = &w->rows[i];
		unsigned long hidden = 0;

		if (!mine(w, m->chain_id) || m->chain_id == last)
			continue;
		last = m->chain_id;
		printf("  chain %lld: %s %s: %lu records, %lu subjects, %lu "
		       "gaps, %ld days, cross-referenced: %s\n",
		       m->chain_id, gs_report_entity_label(m->key_type),
		       m->key_value, m->nmembers, m->nsubjects, m->ngaps,
		       m->span_days, m->cross_referenced ? "yes" : "no");
		for (size_t k = i; k < w->n && w->rows[k].chain_id == last;
		     k++) {
			const struct chain_member *x = &w->rows[k];

			if (x->restricted)
				hidden++;
			else
				printf("    %s%s %s %s\n",
				       strcmp(x->id, w->id) == 0 ? "* " : "  ",
				       x->id, x->date, x->status);
		}
		if (hidden)
			printf("      %lu restricted record%s\n", hidden,
			       hidden == 1 ? "" : "s");
	}
	printf("isolated entry: %s\n", w->isolated ? "yes" : "no");
}

static json_t *chains_json(const struct chain_walk *w, long long run)
{
	json_t *o = json_object();
	json_t *a = json_array();
	json_t *c = NULL;
	json_t *ms = NULL;
	long long last = 0;

	for (size_t i = 0; i < w->n; i++) {
		const struct chain_member *m = &w->rows[i];

		if (!mine(w, m->chain_id))
			continue;
		if (m->chain_id != last) {
			last = m->chain_id;
			c = json_object();
			ms = json_array();
			json_object_set_new(c, "chain_id", json_integer(last));
			json_object_set_new(c, "entity_type",
					    json_string(m->key_type));
			json_object_set_new(c, "entity",
					    json_string(m->key_value));
			json_object_set_new(c, "members", ms);
			json_object_set_new(c, "records",
					    json_integer((json_int_t)m->nmembers));
			json_object_set_new(c, "subjects",
					    json_integer((json_int_t)m->nsubjects));
			json_object_set_new(c, "gaps",
					    json_integer((json_int_t)m->ngaps));
			json_object_set_new(c, "span_days",
					    json_integer(m->span_days));
			json_object_set_new(c, "cross_referenced",
					    json_boolean(m->cross_referenced));
			json_array_append_new(a, c);
		}
		if (m->restricted) {
			json_array_append_new(ms, json_pack("{s:b}",
							    "restricted", 1));
		} else {
			json_t *x = json_object();

			json_object_set_new(x, "id", json_string(m->id));
			json_object_set_new(x, "logged_date",
					    json_string(m->date));
			json_object_set_new(x, "status", json_string(m->status));
			json_array_append_new(ms, x);
		}
	}
	json_object_set_new(o, "run_id", json_integer(run));
	json_object_set_new(o, "chains", a);
	json_object_set_new(o, "isolated", json_boolean(w->isolated));
	return o;
}

int gs_cmd_explain(int argc, char **argv)
{
	struct explain_opts o;
	struct gs_profile profile;
	struct gs_rules *rules = NULL;
	struct gs_matcher *m = NULL;
	struct gs_link *link = NULL;
	struct subject sub;
	struct explain x;
	struct gs_error err;
	json_t *j = NULL;
	struct chain_walk walk;
	long long run = 0;
	int rc;

	memset(&walk, 0, sizeof(walk));
	memset(&sub, 0, sizeof(sub));
	memset(&x, 0, sizeof(x));
	gs_error_clear(&err);
	memset(&profile, 0, sizeof(profile)); /* gs_cli_load_profile inits it */
	gs_match_result_init(&x.res);
	rc = parse_opts(argc, argv, &o);
	if (rc != 0) {
		rc = rc == 1 ? GS_EXIT_OK : rc;
		goto out;
	}
	if (o.as_of != NULL) {
		if (gs_date_parse(o.as_of, strlen(o.as_of), GS_DATE_ISO,
				  &x.as_of, NULL) < 0) {
			rc = gs_cli_usage_error(
				"--as-of: \"%s\" is not a date (YYYY-MM-DD)",
				o.as_of);
			goto out;
		}
	} else {
		x.as_of = gs_date_today();
	}
	if (o.db != NULL && load_chains(&o, &walk, &run, &err) < 0) {
		rc = gs_cli_fail(&err);
		goto out;
	}
	if (o.db != NULL && o.text == NULL && o.intel == NULL) {
		if (o.json) {
			j = chains_json(&walk, run);
			json_object_set_new(j, "id", json_string(o.id));
			json_dumpf(j, stdout,
				   JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			putchar('\n');
		} else {
			print_chains(&walk, run);
		}
		rc = GS_EXIT_OK;
		goto out;
	}
	if (gs_cli_load_profile(&profile, o.profile, &err) < 0 ||
	    gs_cli_load_rules(&rules, o.rules, o.overrides, &profile,
			      &err) < 0) {
		rc = gs_cli_fail(&err);
		goto out;
	}
	if (o.text != NULL) {
		sub.texts[0].name = profile.ntext > 0 ? profile.col_text[0]
						      : "narrative";
		sub.texts[0].ptr = o.text;
		sub.texts[0].len = strlen(o.text);
		sub.ntexts = 1;
	} else if (read_record(&sub, &o, &profile, &err) < 0) {
		rc = gs_cli_fail(&err);
		goto out;
	}
	x.rules = rules;
	x.profile = &profile;
	x.sub = &sub;
	m = gs_match_new(rules);
	gs_match_trace(m, 1); /* also the hits an `all` guard stopped */
	if (gs_match_record(m, sub.texts, sub.ntexts, &x.res, &err) < 0) {
		rc = gs_cli_fail(&err);
		goto out;
	}
	decide(&x);
	if (o.actions != NULL) {
		int sla = gs_profile_sla(&profile, sub.priority,
					 strlen(sub.priority));

		link = gs_link_new(&profile);
		if (read_actions(link, o.actions, &profile, &err) < 0) {
			rc = gs_cli_fail(&err);
			goto out;
		}
		x.nacts = gs_link_find(link, o.id, strlen(o.id), &x.acts);
		gs_assess_record(rules, &x.res, profile.threshold, sub.log_day,
				 x.as_of, sla, x.acts, x.nacts, &x.assessment);
		x.flagged = x.assessment.flagged;
		x.have_status = 1;
	}
	if (o.json) {
		j = explain_json(&x);
		if (o.db != NULL)
			json_object_set_new(j, "repeat_intelligence",
					    chains_json(&walk, run));
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		print_text(&x);
		if (o.db != NULL)
			print_chains(&walk, run);
	}
	rc = GS_EXIT_OK; /* a failed write is caught by the check below */
out:
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "gapscan: cannot write to standard output\n");
		rc = GS_EXIT_IO;
	}
	json_decref(j);
	chain_walk_release(&walk);
	gs_link_free(link);
	gs_match_result_release(&x.res);
	gs_match_free(m);
	subject_release(&sub);
	gs_rules_free(rules);
	gs_profile_release(&profile);
	return rc;
}
