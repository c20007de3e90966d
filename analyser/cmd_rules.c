/*
 * cmd_rules.c - `gapscan rules lint | test | export` (docs/rules.md).
 *
 * lint loads the whole pack in report-everything mode (rules_lint.h), adds
 * the checks only an author needs (missing tests, nested quantifiers,
 * patterns the vectorscan prefilter cannot take), prints every problem
 * sorted by file and line, then a coverage table. export prints the pack's
 * patterns for grep/ripgrep peers, or the pack as JSON. `rules test` lives
 * in its own file (gs_cmd_rules_test).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gs_cli.h"
#include "gs_util.h"
#include "prefilter.h"
#include "rules_internal.h"
#include "rules_lint.h"

/* ---- collected diagnostics ------------------------------------------------ */

struct ldiag {
	enum gs_rules_level level;
	char *file, *msg, *show;
	long line, col, caret;
	size_t seq;
};

struct lint {
	struct ldiag *v;
	size_t n, cap;
	size_t nerrors, nwarnings;
};

static void lint_add(void *ctx, const struct gs_rules_diag *d)
{
	struct lint *l = ctx;
	struct ldiag *x;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	x = &l->v[l->n];
	x->level = d->level;
	x->file = xstrdup(d->file ? d->file : "");
	x->msg = xstrdup(d->msg);
	x->show = d->show ? xstrdup(d->show) : NULL;
	x->line = d->line;
	x->col = d->col;
	x->caret = d->caret;
	x->seq = l->n;
	l->n++;
	if (d->level == GS_RULES_ERROR)
		l->nerrors++;
	else
		l->nwarnings++;
}

static void lint_warn(struct lint *l, const char *file, long line,
		      const char *show, long caret, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void lint_warn(struct lint *l, const char *file, long line,
		      const char *show, long caret, const char *fmt, ...)
{
	char msg[GS_ERROR_MSG_MAX];
	struct gs_rules_diag d;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d.level = GS_RULES_WARNING;
	d.file = file;
	d.line = line;
	d.col = 0;
	d.msg = msg;
	d.show = show;
	d.caret = caret;
	lint_add(l, &d);
}

static void lint_release(struct lint *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].file);
		free(l->v[i].msg);
		free(l->v[i].show);
	}
	free(l->v);
}

static int cmp_diag(const void *pa, const void *pb)
{
	const struct ldiag *a = pa, *b = pb;
	int c = strcmp(a->file, b->file);

	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Prints text, then a caret under 1-based character column caret. Tabs
 * stay tabs so the caret lines up. */
static void print_caret(FILE *out, const char *text, long caret)
{
	long col = 1;
	const char *p;

	fprintf(out, "    %s\n", text);
	if (caret <= 0)
		return;
	fputs("    ", out);
	for (p = text; *p && col < caret; p++) {
		if (((unsigned char)*p & 0xc0) == 0x80)
			continue;
		fputc(*p == '\t' ? '\t' : ' ', out);
		col++;
	}
	fputs("^\n", out);
}

static void print_diag(FILE *out, const struct ldiag *d)
{
	const char *level = d->level == GS_RULES_ERROR ? "error" : "warning";

	if (d->file[0] && d->line > 0 && d->col > 0)
		fprintf(out, "%s:%ld:%ld: %s: %s\n", d->file, d->line, d->col,
			level, d->msg);
	else if (d->file[0] && d->line > 0)
		fprintf(out, "%s:%ld: %s: %s\n", d->file, d->line, level,
			d->msg);
	else if (d->file[0])
		fprintf(out, "%s: %s: %s\n", d->file, level, d->msg);
	else
		fprintf(out, "%s: %s\n", level, d->msg);
	if (d->show)
		print_caret(out, d->show, d->caret);
}

/* ---- lint checks ------------------------------------------------------------- */

static void check_nested(struct lint *l, const char *file, long line,
			 const char *label, const struct gs_pattern *p)
{
	size_t at = 0;

	if (!gs_rules_nested_quantifier(p->src, &at))
		return;
	lint_warn(l, file, line, p->src, gs_rules_char_col(p->src, at) + 1,
		  "%s: nested unbounded quantifier may backtrack "
		  "catastrophically",
		  label);
}

static void check_list(struct lint *l, const struct gs_rule *r,
		       const char *ovr_file, const struct gs_pattern *v,
		       size_t n, const char *kind)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char label[256];
		const char *file = r->info.file;

		if (v[i].from_override && ovr_file)
			file = ovr_file;
		snprintf(label, sizeof(label), "rule %s: %s %zu", r->info.id,
			 kind, i + 1);
		check_nested(l, file, v[i].line, label, &v[i]);
	}
}

static void lint_pack(struct lint *l, struct gs_rules *pack,
		      const char *ovr_file)
{
	struct gs_error err;
	const struct gs_prefilter *pf;
	size_t i, j;

	for (i = 0; i < pack->nrules; i++) {
		const struct gs_rule *r = &pack->rules[i];

		if (r->info.ntests_match < 1 || r->info.ntests_no_match < 1)
			lint_warn(l, r->info.file, r->info.line, NULL, 0,
				  "rule %s: too few tests: give at least one "
				  "\"match\" and one \"no_match\" example",
				  r->info.id);
		check_list(l, r, ovr_file, r->patterns, r->npatterns,
			   "pattern");
		check_list(l, r, ovr_file, r->all, r->nall, "all");
		check_list(l, r, ovr_file, r->exclude, r->nexclude, "exclude");
	}
	for (i = 0; i < pack->ncues; i++) {
		char label[256];

		snprintf(label, sizeof(label), "cue %s: pattern",
			 pack->cues[i].info.id);
		check_nested(l, pack->cues[i].info.file, pack->cues[i].pat.line,
			     label, &pack->cues[i].pat);
	}
	if (pack->nrules == 0)
		return;
	gs_error_clear(&err);
	if (gs_match_prepare(pack, &err) < 0) {
		lint_warn(l, pack->dir, 0, NULL, 0,
			  "slow: the prefilter cannot be built: %s", err.msg);
		return;
	}
	pf = pack->prefilter;
	for (i = 0; i < pack->nrules; i++) {
		const struct gs_rule *r = &pack->rules[i];

		for (j = 0; j < r->npatterns; j++) {
			const char *file = r->info.file;

			if (!pf->always[pf->rule_base[i] + j])
				continue;
			if (r->patterns[j].from_override && ovr_file)
				file = ovr_file;
			lint_warn(l, file, r->patterns[j].line,
				  r->patterns[j].src, 0,
				  "rule %s: pattern %zu: slow: not "
				  "prefilterable (vectorscan rejects it; "
				  "PCRE2 runs on every field)",
				  r->info.id, j + 1);
		}
	}
}

static void print_coverage(FILE *out, const struct gs_rules *pack)
{
	const char *const *cats = gs_rules_categories();
	size_t i, j, none = 0;

	fprintf(out, "coverage:\n");
	for (i = 0; cats[i]; i++) {
		size_t n = 0, w = 0;

		for (j = 0; j < pack->nrules; j++) {
			if (strcmp(pack->rules[j].info.category, cats[i]))
				continue;
			n++;
			w += (size_t)pack->rules[j].info.weight;
		}
		if (n)
			fprintf(out, "  %-22s %3zu %-6s weight %zu\n",
				cats[i], n, n == 1 ? "rule," : "rules,", w);
	}
	for (i = 0; cats[i]; i++) {
		for (j = 0; j < pack->nrules; j++)
			if (!strcmp(pack->rules[j].info.category, cats[i]))
				break;
		if (j < pack->nrules)
			continue;
		fprintf(out, "%s%s", none ? ", " : "  no rules: ", cats[i]);
		none++;
	}
	if (none)
		fputc('\n', out);
}

static int finish_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "gapscan: cannot write to standard output\n");
		return GS_EXIT_IO;
	}
	return GS_EXIT_OK;
}

/* A flag that sets *var to value. */
struct flag {
	const char *name;
	int *var;
	int value;
};

/* Parses what lint and export share: --help, --overrides FILE, the flags
 * and one pack directory (default: the shipped rules/, written to def).
 * Returns 1 with *code set when the command should exit now, else 0. */
static int pack_args(int argc, char **argv, const char *cmd,
		     const char *usage, const struct flag *flags,
		     struct gs_rules_options *opt, const char **dir,
		     char def[4096], int *code)
{
	const struct flag *f;
	int i;

	for (i = 1; i < argc; i++) {
		for (f = flags; f->name && strcmp(argv[i], f->name); f++)
			;
		if (f->name) {
			*f->var = f->value;
		} else if (!strcmp(argv[i], "--help") ||
			   !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			*code = finish_stdout();
			return 1;
		} else if (!strcmp(argv[i], "--overrides")) {
			if (i + 1 >= argc) {
				*code = gs_cli_usage_error(
					"option --overrides needs a value");
				return 1;
			}
			opt->overrides_path = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			*code = gs_cli_usage_error(
				"unknown option \"%s\"; see gapscan rules "
				"%s --help",
				argv[i], cmd);
			return 1;
		} else if (*dir) {
			*code = gs_cli_usage_error(
				"unexpected argument \"%s\"; see gapscan "
				"rules %s --help",
				argv[i], cmd);
			return 1;
		} else {
			*dir = argv[i];
		}
	}
	if (!*dir) {
		snprintf(def, 4096, "%s/rules", gs_cli_data_dir());
		*dir = def;
	}
	return 0;
}

static const char lint_usage[] =
	"usage: gapscan rules lint [DIR] [--strict] [--overrides FILE]\n"
	"\n"
	"Checks a rule pack (default: the shipped rules/) and reports every\n"
	"problem as FILE:LINE: error|warning: message, then rules per\n"
	"category and a count. Errors: JSON syntax, unknown, duplicate or\n"
	"mistyped keys, duplicate ids, patterns that do not compile or can\n"
	"match the empty string, overrides of unknown rules. Warnings: rules\n"
	"with too few tests, nested unbounded quantifiers, patterns the\n"
	"prefilter cannot take.\n"
	"\n"
	"  --strict          warnings fail too\n"
	"  --overrides FILE  overrides file (default: overrides.json beside\n"
	"                    the pack directory, if any)\n"
	"\n"
	"Exit: 0 clean, 1 problems found, 2 usage error.\n";

static int cmd_lint(int argc, char **argv)
{
	struct gs_rules_options opt;
	struct gs_rules *pack = NULL;
	struct lint l;
	const char *dir = NULL;
	char def[4096], *ovr = NULL;
	int strict = 0, rc;
	const struct flag flags[] = {{"--strict", &strict, 1}, {NULL, NULL, 0}};
	size_t k;

	memset(&opt, 0, sizeof(opt));
	memset(&l, 0, sizeof(l));
	if (pack_args(argc, argv, "lint", lint_usage, flags, &opt, &dir, def,
		      &rc))
		return rc;
	gs_rules_load_all(&pack, dir, &opt, lint_add, &l);
	ovr = gs_rules_overrides_path(dir, &opt);
	lint_pack(&l, pack, ovr);
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_diag);
	for (k = 0; k < l.n; k++)
		print_diag(stdout, &l.v[k]);
	print_coverage(stdout, pack);
	printf("%zu error%s, %zu warning%s\n", l.nerrors,
	       l.nerrors == 1 ? "" : "s", l.nwarnings,
	       l.nwarnings == 1 ? "" : "s");
	rc = finish_stdout();
	if (rc == GS_EXIT_OK && (l.nerrors || (strict && l.nwarnings)))
		rc = GS_EXIT_FINDINGS;
	free(ovr);
	gs_rules_free(pack);
	lint_release(&l);
	return rc;
}

/* ---- export ------------------------------------------------------------------ */

/* Rewrites a PCRE2 pattern so that PCRE2, ripgrep (rust regex, which
 * joins every -f line into one alternation) and GNU grep -E all accept it
 * and select the same lines: "(?i)" is dropped (callers pass -i), groups
 * become plain "(...)" (ERE has no "(?:", and rg rejects a capture name
 * used twice), lazy quantifiers become greedy (same lines match) and \d
 * becomes [0-9]. Returns the new text (caller frees), or NULL when the
 * pattern needs what those engines lack: lookaround, backreferences, \K,
 * possessive quantifiers, atomic groups, recursion, conditionals, verbs,
 * \Q...\E, other inline options. */
/* An escaped character that is not special to any of the engines, such
 * as \" or \': rust regex rejects the escape, so it is written plainly. */
static int plain_escape(char e)
{
	return e && !isalnum((unsigned char)e) &&
	       !strchr("\\.+*?()|[]{}^$#&-~ ", e) && (unsigned char)e < 0x80;
}

static char *export_pattern(const char *s)
{
	struct gs_buf b;
	size_t i = 0;
	int quantified = 0; /* the last token was a quantifier */

	gs_buf_init(&b, 0);
	gs_buf_append(&b, "", 0);
	if (strchr(s, '\n') || strchr(s, '\r'))
		goto bad;
	while (s[i]) {
		char c = s[i];
		int was_quantified = quantified;

		quantified = 0;
		if (c == '\\') {
			char e = s[i + 1];

			if (!e || (e >= '1' && e <= '9') ||
			    strchr("gkKQEGRXCNZhevHVD", e))
				goto bad;
			if (e == 'd')
				gs_buf_append(&b, "[0-9]", 5);
			else if (plain_escape(e))
				gs_buf_putc(&b, e);
			else
				gs_buf_append(&b, s + i, 2);
			i += 2;
			continue;
		}
		if (c == '[') {
			size_t j = i + 1;

			gs_buf_putc(&b, '[');
			if (s[j] == '^')
				gs_buf_putc(&b, s[j++]);
			if (s[j] == ']')
				gs_buf_putc(&b, s[j++]);
			while (s[j] && s[j] != ']') {
				if (s[j] == '[' && s[j + 1] == ':') {
					const char *e = strstr(s + j, ":]");

					if (!e)
						goto bad;
					gs_buf_append(&b, s + j,
						      (size_t)(e - s) + 2 - j);
					j = (size_t)(e - s) + 2;
				} else if (s[j] == '\\' && s[j + 1] == 'd') {
					gs_buf_append(&b, "0-9", 3);
					j += 2;
				} else if (s[j] == '\\' && plain_escape(s[j + 1])) {
					gs_buf_putc(&b, s[j + 1]);
					j += 2;
				} else if (s[j] == '\\' && s[j + 1]) {
					if (strchr("QEDhHvVN", s[j + 1]))
						goto bad;
					gs_buf_append(&b, s + j, 2);
					j += 2;
				} else {
					gs_buf_putc(&b, s[j++]);
				}
			}
			if (!s[j])
				goto bad;
			gs_buf_putc(&b, ']');
			i = j + 1;
			continue;
		}
		if (c == '(' && s[i + 1] == '*')
			goto bad;
		if (c == '(' && s[i + 1] == '?') {
			const char *h = s + i + 2;

			if (!strncmp(h, "i)", 2)) {
				i += 4;
				continue;
			}
			if (*h == ':') {
				gs_buf_putc(&b, '(');
				i += 3;
				continue;
			}
			if ((*h == '<' || *h == '\'' ||
			     (*h == 'P' && h[1] == '<')) &&
			    strncmp(h, "<=", 2) && strncmp(h, "<!", 2)) {
				const char *e = strchr(h + 1, *h == '\'' ? '\''
									  : '>');

				if (!e)
					goto bad;
				gs_buf_putc(&b, '(');
				i = (size_t)(e - s) + 1;
				continue;
			}
			goto bad; /* lookaround, atomic, options, ... */
		}
		if (strchr("*+?}", c) && was_quantified) {
			if (c == '+')
				goto bad; /* possessive */
			if (c == '?') {
				i++; /* lazy: the same lines match greedily */
				continue;
			}
		}
		if (c == '*' || c == '+' || c == '?' || c == '}')
			quantified = 1;
		gs_buf_putc(&b, c);
		i++;
	}
	return b.data;
bad:
	gs_buf_release(&b);
	return NULL;
}

static json_t *json_strs(const char *const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *rule_json(const struct gs_rules *pack, size_t i)
{
	const struct gs_rule *r = &pack->rules[i];
	const struct gs_rule_info *ri = &r->info;
	json_t *o = json_object(), *accepts = json_array(), *tests;
	json_t *all = json_array(), *excl = json_array();
	size_t k;

	for (k = 0; k < GS_CUE_NTYPES; k++)
		if (ri->accepts & (1u << k))
			json_array_append_new(
				accepts, json_string(gs_cue_type_name(k)));
	for (k = 0; k < r->nall; k++)
		json_array_append_new(all, json_string(r->all[k].src));
	for (k = 0; k < r->nexclude; k++)
		json_array_append_new(excl, json_string(r->exclude[k].src));
	tests = json_pack("{s:o,s:o,s:o}", "match",
			  json_strs(ri->tests_match, ri->ntests_match),
			  "no_match",
			  json_strs(ri->tests_no_match, ri->ntests_no_match),
			  "suppressed",
			  json_strs(ri->tests_suppressed,
				    ri->ntests_suppressed));
	json_object_set_new(o, "id", json_string(ri->id));
	json_object_set_new(o, "title", json_string(ri->title));
	json_object_set_new(o, "description", json_string(ri->description));
	json_object_set_new(o, "category", json_string(ri->category));
	json_object_set_new(o, "status", json_string(ri->status));
	json_object_set_new(o, "weight", json_integer(ri->weight));
	json_object_set_new(o, "is_language", json_boolean(ri->is_language));
	json_object_set_new(o, "disabled", json_boolean(ri->disabled));
	json_object_set_new(o, "file", json_string(ri->file));
	json_object_set_new(o, "line", json_integer(ri->line));
	json_object_set_new(o, "patterns",
			    json_strs(ri->patterns, ri->npatterns));
	json_object_set_new(o, "all", all);
	json_object_set_new(o, "window", json_integer(r->window));
	json_object_set_new(o, "exclude", excl);
	json_object_set_new(o, "fields", json_strs(ri->fields, ri->nfields));
	json_object_set_new(o, "case_sensitive",
			    json_boolean(r->case_sensitive));
	json_object_set_new(o, "context", json_boolean(r->context));
	json_object_set_new(o, "accepts", accepts);
	json_object_set_new(o, "references",
			    json_strs(ri->references, ri->nreferences));
	json_object_set_new(o, "tests", tests);
	return o;
}

static int export_json(const struct gs_rules *pack)
{
	json_t *root = json_object(), *rules = json_array();
	json_t *cues = json_array(), *ovrs = json_array();
	size_t i;
	int rc;

	for (i = 0; i < pack->nrules; i++)
		json_array_append_new(rules, rule_json(pack, i));
	for (i = 0; i < pack->ncues; i++) {
		const struct gs_cue_info *c = &pack->cues[i].info;

		json_array_append_new(
			cues, json_pack("{s:s,s:s,s:s,s:s,s:i,s:s,s:I}", "id",
					c->id, "pattern", c->pattern, "type",
					gs_cue_type_name(c->type), "direction",
					gs_cue_dir_name(c->dir), "scope", c->scope,
					"file", c->file, "line",
					(json_int_t)pack->cues[i].pat.line));
	}
	for (i = 0; i < pack->noverrides; i++) {
		const struct gs_override_info *o = &pack->overrides[i].info;

		json_array_append_new(ovrs,
				      json_pack("{s:s,s:s,s:s}", "rule",
						o->rule_id, "reason", o->reason,
						"what", o->what));
	}
	json_object_set_new(root, "pack",
			    json_pack("{s:s,s:s,s:s}", "dir", pack->dir,
				      "version", gs_rules_version(pack),
				      "hash", pack->hash));
	json_object_set_new(root, "rules", rules);
	json_object_set_new(root, "context", cues);
	json_object_set_new(root, "overrides", ovrs);
	rc = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
	return rc == 0 ? 0 : -1;
}

static int export_patterns(const struct gs_rules *pack)
{
	size_t i, j, skipped = 0;

	for (i = 0; i < pack->nrules; i++) {
		const struct gs_rule_info *ri = &pack->rules[i].info;

		if (ri->disabled)
			continue;
		for (j = 0; j < ri->npatterns; j++) {
			char *p = export_pattern(ri->patterns[j]);

			if (!p) {
				skipped++;
				continue;
			}
			printf("%s\n", p);
			free(p);
		}
	}
	if (skipped)
		fprintf(stderr,
			"gapscan: %zu pattern%s left out (lookaround, "
			"backreferences, \\K, possessive or atomic groups "
			"have no grep/ripgrep equivalent)\n",
			skipped, skipped == 1 ? "" : "s");
	return 0;
}

static const char export_usage[] =
	"usage: gapscan rules export --patterns|--json [DIR] [--overrides "
	"FILE]\n"
	"\n"
	"  --patterns        one pattern a line for every enabled rule, for\n"
	"                    grep -E -i -f / rg -i -f; (?i) is dropped and\n"
	"                    patterns those tools cannot run are left out\n"
	"                    (counted on stderr)\n"
	"  --json            the whole pack (rules, cues, overrides) as JSON\n"
	"  --overrides FILE  overrides file (default: overrides.json beside\n"
	"                    the pack directory, if any)\n"
	"\n"
	"Exit: 0 done, 2 usage error, 4 the pack does not load.\n";

static int cmd_export(int argc, char **argv)
{
	struct gs_rules_options opt;
	struct gs_rules *pack = NULL;
	struct gs_error err;
	const char *dir = NULL;
	char def[4096];
	int mode = 0, rc;
	const struct flag flags[] = {{"--patterns", &mode, 'p'},
				     {"--json", &mode, 'j'},
				     {NULL, NULL, 0}};

	memset(&opt, 0, sizeof(opt));
	if (pack_args(argc, argv, "export", export_usage, flags, &opt, &dir,
		      def, &rc))
		return rc;
	if (!mode)
		return gs_cli_usage_error("rules export needs --patterns or "
					  "--json; see gapscan rules export "
					  "--help");
	gs_error_clear(&err);
	if (gs_rules_load(&pack, dir, &opt, &err) < 0)
		return gs_cli_fail(&err);
	if (mode == 'p')
		export_patterns(pack);
	else
		export_json(pack);
	rc = finish_stdout();
	gs_rules_free(pack);
	return rc;
}

/* ---- dispatch --------------------------------------------------------------- */

static const char rules_usage[] =
	"usage: gapscan rules lint [DIR] [--strict] [--overrides FILE]\n"
	"       gapscan rules test [DIR] ...\n"
	"       gapscan rules export --patterns|--json [DIR]\n"
	"\n"
	"See gapscan rules COMMAND --help and docs/rules.md.\n";

int gs_cmd_rules(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} table[] = {
		{"lint", cmd_lint},
		{"test", gs_cmd_rules_test},
		{"export", cmd_export},
	};
	size_t i;

	if (argc < 2)
		return gs_cli_usage_error("rules needs a command: lint, test "
					  "or export; see gapscan rules "
					  "--help");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(rules_usage, stdout);
		return finish_stdout();
	}
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(argv[1], table[i].name))
			return table[i].run(argc - 1, argv + 1);
	return gs_cli_usage_error("unknown rules command \"%s\"; see gapscan "
				  "rules --help",
				  argv[1]);
}
