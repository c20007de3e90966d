/*
 * cmd_eval.c - `gapscan eval`: precision and recall of the rule pack
 * against a labelled corpus.
 *
 * The intelligence file is read with the ingest module, each record is
 * matched and scored exactly as `scan` does (same profile threshold, same
 * context cues and overrides), and the flag decision is compared with the
 * label. Actions and statuses play no part: eval scores flagging only.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gs_assess.h"
#include "gs_cli.h"
#include "gs_csv.h"
#include "gs_ingest.h"
#include "gs_match.h"
#include "gs_util.h"

static const char eval_usage[] =
	"usage: gapscan eval --intel FILE --labels FILE [options]\n"
	"\n"
	"Runs the rule pack over a labelled intelligence export and compares\n"
	"each record's flag decision (score >= the profile's threshold, as in\n"
	"scan) with its label.\n"
	"\n"
	"  --intel FILE      intelligence export (CSV or JSON Lines, read\n"
	"                    through the profile like scan)\n"
	"  --labels FILE     CSV with a header holding intel_id and is_cse\n"
	"                    (1/0/true/false) and optionally categories\n"
	"                    (';'-separated indicator categories)\n"
	"  --rules DIR       rule pack (default: shipped rules/)\n"
	"  --profile FILE    export profile (default: shipped default.json)\n"
	"  --overrides FILE  local rule overrides (default: overrides.json\n"
	"                    beside the rule pack, when present)\n"
	"  --show N          list the ids of up to N false negatives and N\n"
	"                    false positives (default 0)\n"
	"  --show-text       with --show, print each listed record's text too\n"
	"  --json            print everything as one JSON object\n"
	"  --help            this text\n"
	"\n"
	"Output:\n"
	"  confusion matrix  TP flagged and labelled 1, FP flagged and labelled\n"
	"                    0, FN not flagged and labelled 1, TN the rest;\n"
	"                    precision TP/(TP+FP), recall TP/(TP+FN), F1 their\n"
	"                    harmonic mean (n/a when the denominator is 0).\n"
	"                    A record flagged as indeterminate (a rule hit a\n"
	"                    PCRE2 limit) counts as flagged.\n"
	"  per category      a record *predicts* category C when it is flagged\n"
	"                    and an active non-language rule of category C hit\n"
	"                    it. TP: labelled C and predicts C; FP: predicts C\n"
	"                    but not labelled C (negatives included); FN:\n"
	"                    labelled C but does not predict C.\n"
	"  per rule          hits: records with an active hit of the rule;\n"
	"                    tp/fp: of those, labelled 1/0; supp: records where\n"
	"                    every hit of it was suppressed or excluded; alone:\n"
	"                    flagged records that removing this rule would\n"
	"                    unflag (score - weight < threshold). Language rules\n"
	"                    are listed but never flag.\n"
	"  never fired       rules with no active hit on any record.\n"
	"\n"
	"Records without a label, labels without a record and rejected rows\n"
	"are counted, the first few listed, and left out of the scores.\n"
	"\n"
	"Exit codes: 0 done, 2 usage error, 3 input error (intel, labels or\n"
	"profile), 4 rule error.\n";

#define EVAL_MAX_CATS 64 /* categories tracked in a uint64_t mask */
#define EVAL_FEW 5       /* ids listed for unlabelled/unmatched/rejects */

struct eval_opts {
	const char *intel, *labels, *rules, *profile, *overrides;
	long show;
	int show_text, json;
};

struct label {
	char *id;
	int is_cse;
	uint64_t cats;
	long line;
	int seen;
};

/* A listed false positive/negative; strings owned. */
struct listed {
	char *id;
	char *text;  /* NULL unless --show-text */
	char *rules; /* ';'-joined ids of rules with an active hit */
	char *suppressed; /* ';'-joined ids of rules whose hits were all
			     suppressed or excluded */
	uint64_t cats;
};

struct rule_stat {
	unsigned long hits, tp, fp, supp, alone;
};

struct cat_stat {
	unsigned long labelled, tp, fp, fn;
};

struct eval {
	const struct eval_opts *o;
	struct gs_profile profile;
	struct gs_rules *rules;
	size_t nrules;

	struct label **labels; /* in file order; owned */
	size_t nlabels, labels_cap;
	struct gs_map *by_id; /* id -> struct label * */

	char *cats[EVAL_MAX_CATS]; /* category names; owned */
	size_t ncats;
	int have_cats; /* the labels file has a categories column */

	unsigned long tp, fp, fn, tn, indeterminate; /* scored: their sum */
	unsigned long rejected, unlabelled;
	char *unlabelled_ids[EVAL_FEW];
	char *reject_msgs[EVAL_FEW];
	struct rule_stat *rs;
	struct cat_stat cs[EVAL_MAX_CATS];

	struct listed *fns, *fps;
	size_t nfns, nfps;
};

enum {
	O_INTEL = 256,
	O_LABELS,
	O_RULES,
	O_PROFILE,
	O_OVERRIDES,
	O_SHOW,
	O_SHOW_TEXT,
	O_JSON,
	O_HELP
};

static const struct option eval_options[] = {
	{"intel", required_argument, NULL, O_INTEL},
	{"labels", required_argument, NULL, O_LABELS},
	{"rules", required_argument, NULL, O_RULES},
	{"profile", required_argument, NULL, O_PROFILE},
	{"overrides", required_argument, NULL, O_OVERRIDES},
	{"show", required_argument, NULL, O_SHOW},
	{"show-text", no_argument, NULL, O_SHOW_TEXT},
	{"json", no_argument, NULL, O_JSON},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0}};

/* Returns 0 parsed, 1 help printed, GS_EXIT_USAGE on a bad command line. */
static int parse_opts(int argc, char **argv, struct eval_opts *o)
{
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", eval_options, NULL)) != -1) {
		switch (c) {
		case O_INTEL: o->intel = optarg; break;
		case O_LABELS: o->labels = optarg; break;
		case O_RULES: o->rules = optarg; break;
		case O_PROFILE: o->profile = optarg; break;
		case O_OVERRIDES: o->overrides = optarg; break;
		case O_SHOW_TEXT: o->show_text = 1; break;
		case O_JSON: o->json = 1; break;
		case 'h':
		case O_HELP:
			fputs(eval_usage, stdout);
			return 1;
		case O_SHOW:
			errno = 0;
			o->show = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o->show < 0 ||
			    o->show > 100000)
				return gs_cli_usage_error(
					"--show: \"%s\" is not a number from 0 "
					"to 100000",
					optarg);
			break;
		case ':':
			return gs_cli_usage_error("option %s needs a value; "
						  "see gapscan eval --help",
						  argv[optind - 1]);
		default:
			return gs_cli_usage_error("unknown option \"%s\"; see "
						  "gapscan eval --help",
						  argv[optind - 1]);
		}
	}
	if (optind < argc)
		return gs_cli_usage_error("unexpected argument \"%s\"; see "
					  "gapscan eval --help",
					  argv[optind]);
	if (!o->intel || !o->labels)
		return gs_cli_usage_error("eval needs --intel FILE and --labels "
					  "FILE; see gapscan eval --help");
	return 0;
}

/* ---- categories ---- */

/* Index of category name[0..n), added when new; -1 when the table is full. */
static int cat_index(struct eval *ev, const char *name, size_t n)
{
	for (size_t i = 0; i < ev->ncats; i++) {
		if (strlen(ev->cats[i]) == n &&
		    strncasecmp(ev->cats[i], name, n) == 0)
			return (int)i;
	}
	if (ev->ncats == EVAL_MAX_CATS)
		return -1;
	ev->cats[ev->ncats] = xstrndup(name, n);
	return (int)ev->ncats++;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Parses "a;b; c" into a mask. */
static int parse_cats(struct eval *ev, const char *s, long line,
		      uint64_t *mask, struct gs_error *err)
{
	*mask = 0;
	while (*s) {
		const char *start, *stop;
		int k;

		while (*s == ';' || is_space(*s))
			s++;
		start = s;
		while (*s && *s != ';')
			s++;
		stop = s;
		while (stop > start && is_space(stop[-1]))
			stop--;
		if (stop == start)
			continue;
		k = cat_index(ev, start, (size_t)(stop - start));
		if (k < 0)
			return gs_error_set(err, GS_ERR_INPUT, ev->o->labels,
					    line, 0,
					    "more than %d distinct categories",
					    EVAL_MAX_CATS);
		*mask |= UINT64_C(1) << k;
	}
	return 0;
}

/* ---- labels ---- */

static long find_col(const struct gs_csv_row *hdr, const char *name)
{
	for (size_t i = 0; i < hdr->nfields; i++) {
		const char *f = hdr->fields[i].ptr;
		size_t n = hdr->fields[i].len;

		while (n && is_space(f[n - 1]))
			n--;
		while (n && is_space(*f)) {
			f++;
			n--;
		}
		if (n == strlen(name) && strncasecmp(f, name, n) == 0)
			return (long)i;
	}
	return -1;
}

static int parse_bool(const char *s, int *v)
{
	static const char *const yes[] = {"1", "true", "yes"};
	static const char *const no[] = {"0", "false", "no"};

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = 0;
			return 0;
		}
	}
	return -1;
}

static void add_label(struct eval *ev, struct label *l)
{
	if (ev->nlabels == ev->labels_cap) {
		ev->labels_cap = ev->labels_cap ? ev->labels_cap * 2 : 256;
		ev->labels = xrealloc(ev->labels,
				      ev->labels_cap * sizeof(*ev->labels));
	}
	ev->labels[ev->nlabels++] = l;
}

static int load_labels(struct eval *ev, struct gs_error *err)
{
	const char *path = ev->o->labels;
	FILE *fp = NULL;
	struct gs_csv *csv = NULL;
	struct gs_csv_row row;
	long c_id, c_cse, c_cats;
	int rc;

	fp = fopen(path, "rb");
	if (!fp)
		return gs_error_set(err, GS_ERR_INPUT, path, 0, 0,
				    "cannot open labels file: %s",
				    strerror(errno));
	csv = gs_csv_new(fp, path, ',', ev->profile.max_field);
	rc = gs_csv_next(csv, &row, err);
	if (rc == 0) {
		rc = gs_error_set(err, GS_ERR_INPUT, path, 1, 0,
				  "labels file is empty; it needs a header "
				  "with intel_id and is_cse");
		goto out;
	}
	if (rc < 0) {
		err->code = GS_ERR_INPUT;
		rc = GS_ERR_INPUT;
		goto out;
	}
	c_id = find_col(&row, "intel_id");
	c_cse = find_col(&row, "is_cse");
	c_cats = find_col(&row, "categories");
	ev->have_cats = c_cats >= 0;
	if (c_id < 0 || c_cse < 0) {
		rc = gs_error_set(err, GS_ERR_INPUT, path, row.line, 0,
				  "labels header needs columns \"intel_id\" "
				  "and \"is_cse\"; found %zu column(s) "
				  "starting \"%s\"",
				  row.nfields,
				  row.nfields ? row.fields[0].ptr : "");
		goto out;
	}
	for (;;) {
		struct label *l;
		void **slot;
		int inserted, v;

		rc = gs_csv_next(csv, &row, err);
		if (rc == 0)
			break;
		if (rc < 0) {
			/* labels are the answer key: a bad row is fatal */
			err->code = GS_ERR_INPUT;
			rc = GS_ERR_INPUT;
			goto out;
		}
		if (row.nfields == 1 && row.fields[0].len == 0)
			continue; /* blank line */
		if ((size_t)c_id >= row.nfields ||
		    (size_t)c_cse >= row.nfields) {
			rc = gs_error_set(err, GS_ERR_INPUT, path, row.line, 0,
					  "row has %zu field(s), the header "
					  "needs at least %ld",
					  row.nfields,
					  (c_id > c_cse ? c_id : c_cse) + 1);
			goto out;
		}
		if (row.fields[c_id].len == 0) {
			rc = gs_error_set(err, GS_ERR_INPUT, path, row.line, 0,
					  "empty intel_id");
			goto out;
		}
		if (parse_bool(row.fields[c_cse].ptr, &v) < 0) {
			rc = gs_error_set(err, GS_ERR_INPUT, path, row.line, 0,
					  "is_cse \"%s\" is not 1, 0, true "
					  "or false",
					  row.fields[c_cse].ptr);
			goto out;
		}
		slot = gs_map_slot(ev->by_id, row.fields[c_id].ptr,
				   row.fields[c_id].len, &inserted);
		if (!inserted) {
			const struct label *first = *slot;

			rc = gs_error_set(err, GS_ERR_INPUT, path, row.line, 0,
					  "duplicate intel_id \"%s\" (first "
					  "on line %ld)",
					  row.fields[c_id].ptr, first->line);
			goto out;
		}
		l = xcalloc(1, sizeof(*l));
		l->id = xstrndup(row.fields[c_id].ptr, row.fields[c_id].len);
		l->is_cse = v;
		l->line = row.line;
		*slot = l;
		add_label(ev, l);
		if (c_cats >= 0 && (size_t)c_cats < row.nfields) {
			rc = parse_cats(ev, row.fields[c_cats].ptr, row.line,
					&l->cats, err);
			if (rc < 0)
				goto out;
		}
	}
	rc = 0;
out:
	gs_csv_free(csv);
	if (fp)
		fclose(fp);
	return rc;
}

/* ---- scoring ---- */

static char *join_text(const struct gs_intel_rec *rec)
{
	struct gs_buf b;

	gs_buf_init(&b, 0);
	gs_buf_append(&b, "", 0);
	for (size_t i = 0; i < rec->ntext; i++) {
		if (!rec->text[i].len)
			continue;
		if (b.len)
			gs_buf_append(&b, " | ", 3);
		gs_buf_append(&b, rec->text[i].ptr, rec->text[i].len);
	}
	return b.data;
}

/* ';'-joined ids of the rules r with on[r] == want; caller frees. */
static char *rule_ids(const struct eval *ev, const unsigned char *on,
		      unsigned char want)
{
	struct gs_buf b;

	gs_buf_init(&b, 0);
	gs_buf_append(&b, "", 0);
	for (size_t r = 0; r < ev->nrules; r++) {
		const char *id = gs_rules_get(ev->rules, r)->id;

		if (on[r] != want)
			continue;
		if (b.len)
			gs_buf_putc(&b, ';');
		gs_buf_append(&b, id, strlen(id));
	}
	return b.data;
}

static void list_record(struct eval *ev, struct listed **arr, size_t *n,
			const struct gs_intel_rec *rec, const unsigned char *on,
			uint64_t cats)
{
	struct listed *e;

	if ((long)*n >= ev->o->show)
		return;
	if (!*arr)
		*arr = xcalloc((size_t)ev->o->show, sizeof(**arr));
	e = &(*arr)[(*n)++];
	e->id = xstrndup(rec->id.ptr, rec->id.len);
	e->text = ev->o->show_text ? join_text(rec) : NULL;
	e->cats = cats;
	e->rules = rule_ids(ev, on, 1);
	e->suppressed = rule_ids(ev, on, 2);
}

/* on[r]: 1 active hit, 2 only suppressed/excluded hits, 0 none. */
static void score_record(struct eval *ev, const struct gs_intel_rec *rec,
			 const struct label *l,
			 const struct gs_match_result *res, unsigned char *on)
{
	const int threshold = ev->profile.threshold;
	struct gs_assessment as;
	uint64_t predicted = 0;

	memset(on, 0, ev->nrules);
	for (size_t i = 0; i < res->nhits; i++) {
		const struct gs_hit *h = &res->hits[i];

		if (h->rule >= ev->nrules)
			continue;
		if (h->state == GS_HIT_ACTIVE)
			on[h->rule] = 1;
		else if (!on[h->rule])
			on[h->rule] = 2;
	}
	memset(&as, 0, sizeof(as));
	gs_assess_record(ev->rules, res, threshold, rec->logged_day,
			 rec->logged_day, 0, NULL, 0, &as);
	if (as.flagged && as.status == GS_STATUS_INDETERMINATE)
		ev->indeterminate++;
	for (size_t r = 0; r < ev->nrules; r++) {
		const struct gs_rule_info *ri = gs_rules_get(ev->rules, r);
		struct rule_stat *st = &ev->rs[r];

		if (on[r] == 2) {
			st->supp++;
			continue;
		}
		if (on[r] != 1)
			continue;
		st->hits++;
		if (l->is_cse)
			st->tp++;
		else
			st->fp++;
		if (ri->is_language || ri->disabled)
			continue;
		if (as.flagged && as.score >= threshold &&
		    as.score - ri->weight < threshold)
			st->alone++;
		if (as.flagged) {
			int k = cat_index(ev, ri->category,
					  strlen(ri->category));

			if (k >= 0)
				predicted |= UINT64_C(1) << k;
		}
	}
	for (size_t k = 0; k < ev->ncats; k++) {
		uint64_t bit = UINT64_C(1) << k;
		int lab = (l->cats & bit) != 0, pred = (predicted & bit) != 0;

		ev->cs[k].labelled += lab;
		ev->cs[k].tp += lab && pred;
		ev->cs[k].fp += !lab && pred;
		ev->cs[k].fn += lab && !pred;
	}
	if (as.flagged && l->is_cse) {
		ev->tp++;
	} else if (as.flagged) {
		ev->fp++;
		list_record(ev, &ev->fps, &ev->nfps, rec, on, l->cats);
	} else if (l->is_cse) {
		ev->fn++;
		list_record(ev, &ev->fns, &ev->nfns, rec, on, l->cats);
	} else {
		ev->tn++;
	}
}

static int run_intel(struct eval *ev, struct gs_error *err)
{
	struct gs_ingest *in = NULL;
	struct gs_matcher *m = NULL;
	struct gs_match_result res;
	struct gs_intel_rec rec;
	struct gs_text texts[GS_PROFILE_MAX_TEXT];
	unsigned char *on = xcalloc(ev->nrules ? ev->nrules : 1, 1);
	int rc;

	gs_match_result_init(&res);
	rc = gs_ingest_open(&in, ev->o->intel, GS_INGEST_INTEL, &ev->profile,
			    err);
	if (rc < 0)
		goto out;
	m = gs_match_new(ev->rules);
	for (;;) {
		struct label *l;

		rc = gs_ingest_next_intel(in, &rec, err);
		if (rc == 0)
			break;
		if (rc == GS_ERR_REJECT) {
			if (ev->rejected < EVAL_FEW) {
				char buf[GS_ERROR_MSG_MAX + 32];

				snprintf(buf, sizeof(buf), "line %ld: %s",
					 err->line, err->msg);
				ev->reject_msgs[ev->rejected] = xstrdup(buf);
			}
			ev->rejected++;
			gs_error_clear(err);
			continue;
		}
		if (rc < 0)
			goto out;
		l = gs_map_get(ev->by_id, rec.id.ptr, rec.id.len);
		if (!l) {
			if (ev->unlabelled < EVAL_FEW)
				ev->unlabelled_ids[ev->unlabelled] =
					xstrndup(rec.id.ptr, rec.id.len);
			ev->unlabelled++;
			continue;
		}
		l->seen = 1;
		for (size_t i = 0; i < rec.ntext; i++) {
			texts[i].name = ev->profile.col_text[i];
			texts[i].ptr = rec.text[i].ptr;
			texts[i].len = rec.text[i].len;
		}
		rc = gs_match_record(m, texts, rec.ntext, &res, err);
		if (rc < 0)
			goto out;
		score_record(ev, &rec, l, &res, on);
	}
	rc = 0;
out:
	free(on);
	gs_match_result_release(&res);
	gs_match_free(m);
	gs_ingest_free(in);
	return rc;
}

/* ---- output ---- */

static double ratio(unsigned long num, unsigned long den)
{
	return den ? (double)num / (double)den : -1.0;
}

static double f1(double p, double r)
{
	if (p < 0 || r < 0 || p + r == 0)
		return -1.0;
	return 2 * p * r / (p + r);
}

/* "0.750", or "n/a" for an undefined ratio; returns buf. */
static const char *fmt_ratio(double v, char buf[16])
{
	if (v < 0)
		snprintf(buf, 16, "n/a");
	else
		snprintf(buf, 16, "%.3f", v);
	return buf;
}

static size_t labels_unseen(const struct eval *ev, const char **few,
			    size_t nfew)
{
	size_t n = 0;

	for (size_t i = 0; i < ev->nlabels; i++) {
		if (ev->labels[i]->seen)
			continue;
		if (n < nfew)
			few[n] = ev->labels[i]->id;
		n++;
	}
	return n;
}

static void print_cats(FILE *fp, const struct eval *ev, uint64_t mask)
{
	int first = 1;

	for (size_t k = 0; k < ev->ncats; k++) {
		if (!(mask & (UINT64_C(1) << k)))
			continue;
		fprintf(fp, "%s%s", first ? "" : ";", ev->cats[k]);
		first = 0;
	}
	if (first)
		fputs("-", fp);
}

static void print_listed(FILE *fp, const struct eval *ev, const char *what,
			 const struct listed *arr, size_t n,
			 unsigned long total)
{
	fprintf(fp, "\n%s (%zu of %lu):\n", what, n, total);
	for (size_t i = 0; i < n; i++) {
		fprintf(fp, "  %s  labelled ", arr[i].id);
		print_cats(fp, ev, arr[i].cats);
		fprintf(fp, "  rules %s", arr[i].rules[0] ? arr[i].rules : "-");
		if (arr[i].suppressed[0])
			fprintf(fp, "  suppressed %s", arr[i].suppressed);
		fputc('\n', fp);
		if (arr[i].text)
			fprintf(fp, "    %s\n", arr[i].text);
	}
}

static void print_text(FILE *fp, const struct eval *ev)
{
	const char *few[EVAL_FEW];
	size_t nunseen = labels_unseen(ev, few, EVAL_FEW);
	double p = ratio(ev->tp, ev->tp + ev->fp);
	double r = ratio(ev->tp, ev->tp + ev->fn);
	char b1[16], b2[16], b3[16];
	size_t never = 0;

	fprintf(fp, "eval: %s against %s\n", ev->o->intel, ev->o->labels);
	fprintf(fp, "rules: %s (%zu rules, pack %.12s), threshold %d\n",
		gs_rules_dir(ev->rules), ev->nrules, gs_rules_hash(ev->rules),
		ev->profile.threshold);
	fprintf(fp, "records: %lu scored (%lu positive, %lu negative)\n",
		ev->tp + ev->fp + ev->fn + ev->tn, ev->tp + ev->fn,
		ev->fp + ev->tn);
	fprintf(fp, "rejected rows: %lu", ev->rejected);
	for (size_t i = 0; i < ev->rejected && i < EVAL_FEW; i++)
		fprintf(fp, "%s%s", i ? "; " : " (", ev->reject_msgs[i]);
	fputs(ev->rejected ? ")\n" : "\n", fp);
	fprintf(fp, "records without a label: %lu", ev->unlabelled);
	for (size_t i = 0; i < ev->unlabelled && i < EVAL_FEW; i++)
		fprintf(fp, "%s%s", i ? ", " : " (", ev->unlabelled_ids[i]);
	fputs(ev->unlabelled ? ")\n" : "\n", fp);
	fprintf(fp, "labels without a record: %zu", nunseen);
	for (size_t i = 0; i < nunseen && i < EVAL_FEW; i++)
		fprintf(fp, "%s%s", i ? ", " : " (", few[i]);
	fputs(nunseen ? ")\n" : "\n", fp);
	fprintf(fp, "confusion: TP %lu FP %lu FN %lu TN %lu\n", ev->tp, ev->fp,
		ev->fn, ev->tn);
	fprintf(fp, "precision %s recall %s F1 %s\n", fmt_ratio(p, b1),
		fmt_ratio(r, b2), fmt_ratio(f1(p, r), b3));
	if (ev->indeterminate)
		fprintf(fp, "indeterminate (counted as flagged): %lu\n",
			ev->indeterminate);

	if (!ev->have_cats)
		fprintf(fp, "\nper category: not scored (the labels file has "
			    "no categories column)\n");
	else
		fprintf(fp, "\nper category (labelled vs categories of active "
			    "rules on flagged records):\n"
			    "  %-24s %8s %5s %5s %5s %9s %6s\n",
			"category", "labelled", "TP", "FP", "FN", "precision",
			"recall");
	for (size_t k = 0; ev->have_cats && k < ev->ncats; k++) {
		const struct cat_stat *c = &ev->cs[k];

		fprintf(fp, "  %-24s %8lu %5lu %5lu %5lu", ev->cats[k],
			c->labelled, c->tp, c->fp, c->fn);
		fprintf(fp, " %9s %6s\n",
			fmt_ratio(ratio(c->tp, c->tp + c->fp), b1),
			fmt_ratio(ratio(c->tp, c->tp + c->fn), b2));
	}

	fprintf(fp, "\nper rule:\n");
	fprintf(fp, "  %-32s %-22s %6s %5s %5s %5s %5s %5s\n", "rule",
		"category", "weight", "hits", "tp", "fp", "supp", "alone");
	for (size_t i = 0; i < ev->nrules; i++) {
		const struct gs_rule_info *ri = gs_rules_get(ev->rules, i);
		const struct rule_stat *st = &ev->rs[i];

		fprintf(fp, "  %-32s %-22s %6d %5lu %5lu %5lu %5lu %5lu%s\n",
			ri->id, ri->category, ri->weight, st->hits, st->tp,
			st->fp, st->supp, st->alone,
			ri->disabled ? "  (disabled)" : "");
	}
	for (size_t i = 0; i < ev->nrules; i++)
		never += ev->rs[i].hits == 0;
	fprintf(fp, "\nrules that never fired: %zu", never);
	for (size_t i = 0, k = 0; i < ev->nrules; i++) {
		if (ev->rs[i].hits)
			continue;
		fprintf(fp, "%s%s", k++ ? ", " : " (",
			gs_rules_get(ev->rules, i)->id);
	}
	fputs(never ? ")\n" : "\n", fp);

	if (ev->o->show > 0) {
		print_listed(fp, ev, "false negatives", ev->fns, ev->nfns,
			     ev->fn);
		print_listed(fp, ev, "false positives", ev->fps, ev->nfps,
			     ev->fp);
	}
}

static json_t *json_ratio(double v)
{
	if (v < 0)
		return json_null();
	return json_real((double)(long)(v * 1000.0 + 0.5) / 1000.0);
}

static json_t *json_cats(const struct eval *ev, uint64_t mask)
{
	json_t *a = json_array();

	for (size_t k = 0; k < ev->ncats; k++) {
		if (mask & (UINT64_C(1) << k))
			json_array_append_new(a, json_string(ev->cats[k]));
	}
	return a;
}

/* JSON array of the ids in a ';'-joined list. */
static json_t *json_idlist(const char *s)
{
	json_t *a = json_array();

	while (*s) {
		const char *e = strchr(s, ';');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		json_array_append_new(a, json_stringn(s, len));
		s += len + (e != NULL);
	}
	return a;
}

static json_t *json_listed(const struct eval *ev, const struct listed *arr,
			   size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_string(arr[i].id));
		json_object_set_new(o, "categories",
				    json_cats(ev, arr[i].cats));
		json_object_set_new(o, "rules", json_idlist(arr[i].rules));
		json_object_set_new(o, "suppressed",
				    json_idlist(arr[i].suppressed));
		if (arr[i].text)
			json_object_set_new(o, "text",
					    json_string(arr[i].text));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *json_strs(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static int print_json(FILE *fp, const struct eval *ev)
{
	const char *few[EVAL_FEW];
	size_t nunseen = labels_unseen(ev, few, EVAL_FEW);
	size_t nfew = nunseen < EVAL_FEW ? nunseen : EVAL_FEW;
	double p = ratio(ev->tp, ev->tp + ev->fp);
	double r = ratio(ev->tp, ev->tp + ev->fn);
	json_t *root = json_object(), *o, *a;
	int rc;

	json_object_set_new(root, "intel", json_string(ev->o->intel));
	json_object_set_new(root, "labels", json_string(ev->o->labels));
	o = json_object();
	json_object_set_new(o, "dir", json_string(gs_rules_dir(ev->rules)));
	json_object_set_new(o, "hash", json_string(gs_rules_hash(ev->rules)));
	json_object_set_new(o, "count", json_integer((json_int_t)ev->nrules));
	json_object_set_new(root, "rules", o);
	json_object_set_new(root, "threshold",
			    json_integer(ev->profile.threshold));

	o = json_object();
	json_object_set_new(o, "scored",
			    json_integer((json_int_t)(ev->tp + ev->fp +
						      ev->fn + ev->tn)));
	json_object_set_new(o, "positive",
			    json_integer((json_int_t)(ev->tp + ev->fn)));
	json_object_set_new(o, "negative",
			    json_integer((json_int_t)(ev->fp + ev->tn)));
	json_object_set_new(o, "rejected",
			    json_integer((json_int_t)ev->rejected));
	json_object_set_new(o, "rejects",
			    json_strs(ev->reject_msgs,
				      ev->rejected < EVAL_FEW ? ev->rejected
							      : EVAL_FEW));
	json_object_set_new(o, "unlabelled",
			    json_integer((json_int_t)ev->unlabelled));
	json_object_set_new(o, "unlabelled_ids",
			    json_strs(ev->unlabelled_ids,
				      ev->unlabelled < EVAL_FEW
					      ? ev->unlabelled
					      : EVAL_FEW));
	json_object_set_new(o, "labels_without_record",
			    json_integer((json_int_t)nunseen));
	a = json_array();
	for (size_t i = 0; i < nfew; i++)
		json_array_append_new(a, json_string(few[i]));
	json_object_set_new(o, "labels_without_record_ids", a);
	json_object_set_new(o, "indeterminate",
			    json_integer((json_int_t)ev->indeterminate));
	json_object_set_new(root, "records", o);

	o = json_object();
	json_object_set_new(o, "tp", json_integer((json_int_t)ev->tp));
	json_object_set_new(o, "fp", json_integer((json_int_t)ev->fp));
	json_object_set_new(o, "fn", json_integer((json_int_t)ev->fn));
	json_object_set_new(o, "tn", json_integer((json_int_t)ev->tn));
	json_object_set_new(root, "confusion", o);
	json_object_set_new(root, "precision", json_ratio(p));
	json_object_set_new(root, "recall", json_ratio(r));
	json_object_set_new(root, "f1", json_ratio(f1(p, r)));

	a = ev->have_cats ? json_array() : json_null();
	for (size_t k = 0; ev->have_cats && k < ev->ncats; k++) {
		const struct cat_stat *c = &ev->cs[k];

		o = json_object();
		json_object_set_new(o, "category", json_string(ev->cats[k]));
		json_object_set_new(o, "labelled",
				    json_integer((json_int_t)c->labelled));
		json_object_set_new(o, "tp", json_integer((json_int_t)c->tp));
		json_object_set_new(o, "fp", json_integer((json_int_t)c->fp));
		json_object_set_new(o, "fn", json_integer((json_int_t)c->fn));
		json_object_set_new(o, "precision",
				    json_ratio(ratio(c->tp, c->tp + c->fp)));
		json_object_set_new(o, "recall",
				    json_ratio(ratio(c->tp, c->tp + c->fn)));
		json_array_append_new(a, o);
	}
	json_object_set_new(root, "categories", a);

	a = json_array();
	for (size_t i = 0; i < ev->nrules; i++) {
		const struct gs_rule_info *ri = gs_rules_get(ev->rules, i);
		const struct rule_stat *st = &ev->rs[i];

		o = json_object();
		json_object_set_new(o, "id", json_string(ri->id));
		json_object_set_new(o, "category", json_string(ri->category));
		json_object_set_new(o, "weight", json_integer(ri->weight));
		json_object_set_new(o, "language",
				    json_boolean(ri->is_language));
		json_object_set_new(o, "disabled", json_boolean(ri->disabled));
		json_object_set_new(o, "hits", json_integer((json_int_t)st->hits));
		json_object_set_new(o, "tp", json_integer((json_int_t)st->tp));
		json_object_set_new(o, "fp", json_integer((json_int_t)st->fp));
		json_object_set_new(o, "suppressed",
				    json_integer((json_int_t)st->supp));
		json_object_set_new(o, "alone",
				    json_integer((json_int_t)st->alone));
		json_array_append_new(a, o);
	}
	json_object_set_new(root, "rules_detail", a);

	a = json_array();
	for (size_t i = 0; i < ev->nrules; i++) {
		if (!ev->rs[i].hits)
			json_array_append_new(
				a, json_string(gs_rules_get(ev->rules, i)->id));
	}
	json_object_set_new(root, "never_fired", a);
	json_object_set_new(root, "false_negatives",
			    json_listed(ev, ev->fns, ev->nfns));
	json_object_set_new(root, "false_positives",
			    json_listed(ev, ev->fps, ev->nfps));

	rc = json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (rc == 0 && fputc('\n', fp) == EOF)
		rc = -1;
	return rc;
}

static void eval_release(struct eval *ev)
{
	for (size_t i = 0; i < ev->nlabels; i++) {
		free(ev->labels[i]->id);
		free(ev->labels[i]);
	}
	free(ev->labels);
	gs_map_free(ev->by_id);
	for (size_t k = 0; k < ev->ncats; k++)
		free(ev->cats[k]);
	for (size_t i = 0; i < EVAL_FEW; i++) {
		free(ev->unlabelled_ids[i]);
		free(ev->reject_msgs[i]);
	}
	for (size_t i = 0; i < ev->nfns; i++) {
		free(ev->fns[i].id);
		free(ev->fns[i].text);
		free(ev->fns[i].rules);
		free(ev->fns[i].suppressed);
	}
	for (size_t i = 0; i < ev->nfps; i++) {
		free(ev->fps[i].id);
		free(ev->fps[i].text);
		free(ev->fps[i].rules);
		free(ev->fps[i].suppressed);
	}
	free(ev->fns);
	free(ev->fps);
	free(ev->rs);
	gs_rules_free(ev->rules);
	gs_profile_release(&ev->profile);
}

int gs_cmd_eval(int argc, char **argv)
{
	struct eval_opts o;
	struct eval ev;
	struct gs_error err;
	int rc;

	rc = parse_opts(argc, argv, &o);
	if (rc != 0)
		return rc == 1 ? GS_EXIT_OK : rc;
	memset(&ev, 0, sizeof(ev));
	ev.o = &o;
	ev.by_id = gs_map_new();
	gs_error_clear(&err);

	rc = gs_cli_load_profile(&ev.profile, o.profile, &err);
	if (rc < 0)
		goto out;
	rc = gs_cli_load_rules(&ev.rules, o.rules, o.overrides, &ev.profile,
			       &err);
	if (rc < 0)
		goto out;
	ev.nrules = gs_rules_count(ev.rules);
	ev.rs = xcalloc(ev.nrules ? ev.nrules : 1, sizeof(*ev.rs));
	/* rule categories first, in pack order, then label-only ones */
	for (size_t i = 0; i < ev.nrules; i++) {
		const struct gs_rule_info *ri = gs_rules_get(ev.rules, i);

		if (!ri->is_language)
			(void)cat_index(&ev, ri->category,
					strlen(ri->category));
	}
	rc = load_labels(&ev, &err);
	if (rc < 0)
		goto out;
	rc = run_intel(&ev, &err);
	if (rc < 0)
		goto out;
	/* a failed write to stdout is reported by main's final fflush */
	if (o.json)
		(void)print_json(stdout, &ev);
	else
		print_text(stdout, &ev);
out:
	eval_release(&ev);
	if (rc < 0)
		return gs_cli_fail(&err);
	return GS_EXIT_OK;
}
