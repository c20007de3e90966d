/* cmd_scan.c - `gapscan scan`: options -> config, run, outputs, summary. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gs_cli.h"
#include "gs_date.h"
#include "gs_report.h"
#include "gs_scan.h"
#include "gs_store.h"
#include "gs_util.h"
#include "rules_lint.h"

static const char scan_usage[] =
	"usage: gapscan scan --intel FILE --actions FILE [options]\n"
	"\n"
	"Scans an intelligence export with the rule pack, links it to the\n"
	"actions export and writes the exception list (flagged records whose\n"
	"status is gap or late) as CSV. A summary goes to stderr.\n"
	"\n"
	"  --intel FILE        intelligence export (CSV or JSON Lines)\n"
	"  --actions FILE      actions export\n"
	"  --profile FILE      export profile (default: shipped default.json)\n"
	"  --rules DIR         rule pack (default: shipped rules/)\n"
	"  --overrides FILE    local rule overrides (default: overrides.json\n"
	"                      beside the rule pack, when present)\n"
	"  --as-of YYYY-MM-DD  date the statuses are assessed at (default: today)\n"
	"  --sla-days N        SLA in days for every record (default: profile)\n"
	"  --out FILE          exception list CSV (default: stdout)\n"
	"  --status-out FILE   status of every assessed record as CSV\n"
	"  --rejects FILE      rejected rows as CSV (file,line,reason)\n"
	"  --db FILE           store the run in this SQLite database\n"
	"  --chains-out FILE   repeat-intelligence chains as CSV\n"
	"                      (chain,entity,intel_id,status,logged_at)\n"
	"  --links FILE        POLE links (intel_id,entity_type,entity_ref,...)\n"
	"                      adding entities for repeat-intelligence chains\n"
	"  --threads N         worker threads (default: number of cores)\n"
	"  --rule-timings      print per-rule prefilter hits, confirmations,\n"
	"                      matches and time, slowest first\n"
	"  --quiet             no progress and no summary\n"
	"  --help              this text\n"
	"\n"
	"Exit codes: 0 scan completed (whatever it found), 2 usage error,\n"
	"3 input error, 4 rule error, 5 I/O error.\n";

struct scan_opts {
	const char *intel, *actions, *profile, *rules, *overrides, *as_of,
		*out, *status_out, *rejects, *db, *links, *chains_out;
	int sla_days, threads, timings, quiet;
};

enum {
	O_INTEL = 256,
	O_ACTIONS,
	O_PROFILE,
	O_RULES,
	O_OVERRIDES,
	O_AS_OF,
	O_SLA,
	O_OUT,
	O_STATUS_OUT,
	O_REJECTS,
	O_DB,
	O_LINKS,
	O_CHAINS_OUT,
	O_THREADS,
	O_TIMINGS,
	O_QUIET,
	O_HELP
};

static const struct option scan_options[] = {
	{"intel", required_argument, NULL, O_INTEL},
	{"actions", required_argument, NULL, O_ACTIONS},
	{"profile", required_argument, NULL, O_PROFILE},
	{"rules", required_argument, NULL, O_RULES},
	{"overrides", required_argument, NULL, O_OVERRIDES},
	{"as-of", required_argument, NULL, O_AS_OF},
	{"sla-days", required_argument, NULL, O_SLA},
	{"out", required_argument, NULL, O_OUT},
	{"status-out", required_argument, NULL, O_STATUS_OUT},
	{"rejects", required_argument, NULL, O_REJECTS},
	{"db", required_argument, NULL, O_DB},
	{"links", required_argument, NULL, O_LINKS},
	{"chains-out", required_argument, NULL, O_CHAINS_OUT},
	{"threads", required_argument, NULL, O_THREADS},
	{"rule-timings", no_argument, NULL, O_TIMINGS},
	{"quiet", no_argument, NULL, O_QUIET},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0}};

static int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The canonical folder of path (which need not exist) into out. */
static int canon_dir(const char *path, char out[PATH_MAX])
{
	char *c = xstrdup(path);
	int ok = realpath(dirname(c), out) != NULL;

	free(c);
	return ok;
}

/* Whether paths a and b name one file: the same inode when both exist,
 * else the same canonical directory and last component (an output not yet
 * written). Devices are never the same file (--out /dev/null twice). A
 * path that cannot be resolved is taken as distinct: opening it fails
 * later with its own message. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	char da[PATH_MAX], db[PATH_MAX];
	int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;

	if (ea && eb) /* /dev/null twice is fine */
		return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev &&
		       sa.st_ino == sb.st_ino;
	if (ea != eb)
		return 0;
	if (!canon_dir(a, da) || !canon_dir(b, db) || strcmp(da, db) != 0)
		return 0;
	{
		char *ca = xstrdup(a), *cb = xstrdup(b);
		int same = strcmp(basename(ca), basename(cb)) == 0;

		free(ca);
		free(cb);
		return same;
	}
}

/* An output written over an input, or over another output, would lose
 * one of them: refused before anything is read. */
static int distinct_files(const struct scan_opts *o)
{
	const struct {
		const char *opt, *path;
		int output;
	} f[] = {
		{"--intel", o->intel, 0},	  {"--actions", o->actions, 0},
		{"--links", o->links, 0},	  {"--profile", o->profile, 0},
		{"--overrides", o->overrides, 0}, {"--out", o->out, 1},
		{"--status-out", o->status_out, 1}, {"--rejects", o->rejects, 1},
		{"--chains-out", o->chains_out, 1}, {"--db", o->db, 1},
	};
	size_t n = sizeof(f) / sizeof(f[0]);
	const char *to_stdout = NULL;

	/* standard output takes one: --out by default, or "-" */
	for (size_t i = 0; i < n; i++) {
		int std = f[i].output &&
			  (f[i].path ? gs_out_is_stdout(f[i].path)
				     : strcmp(f[i].opt, "--out") == 0);

		if (std && to_stdout)
			return gs_cli_usage_error(
				"%s and %s both write to standard output%s",
				to_stdout, f[i].opt,
				strcmp(to_stdout, "--out") == 0
					? " (--out FILE names a file)"
					: "");
		if (std)
			to_stdout = f[i].opt;
	}
	for (size_t i = 0; i < n; i++) {
		if (!f[i].output || !f[i].path || strcmp(f[i].path, "-") == 0)
			continue;
		for (size_t j = 0; j < n; j++) {
			if (j == i || !f[j].path || (f[j].output && j < i))
				continue;
			if (strcmp(f[j].path, "-") == 0 ||
			    !same_file(f[i].path, f[j].path))
				continue;
			return gs_cli_usage_error(
				"%s and %s name the same file (%s): one would "
				"be written over the other",
				f[i].opt, f[j].opt, f[i].path);
		}
	}
	return 0;
}

/* The files named without an option (the overrides beside the pack, the
 * profile, the pack's own files) are no more an output's to replace than
 * the ones named: checked once they are known. */
static int clear_of_config(const struct scan_opts *o,
			   const struct gs_profile *p,
			   const struct gs_rules *rules)
{
	const char *outs[] = {o->out, o->status_out, o->rejects, o->chains_out,
			      o->db};
	static const char *const names[] = {"--out", "--status-out",
					    "--rejects", "--chains-out", "--db"};
	const char *dir = gs_rules_dir(rules);
	char *ovr = gs_rules_overrides_beside(dir);
	char rdir[PATH_MAX];
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < 5; i++) {
		char odir[PATH_MAX];
		size_t n = outs[i] ? strlen(outs[i]) : 0;

		if (!outs[i] || strcmp(outs[i], "-") == 0)
			continue;
		/* a named --profile or --overrides: distinct_files */
		if (!o->profile && p->path && same_file(outs[i], p->path))
			rc = gs_cli_usage_error("%s names the profile in use (%s)",
						names[i], p->path);
		else if (!o->overrides && same_file(outs[i], ovr))
			rc = gs_cli_usage_error(
				"%s names the pack's overrides file (%s), which "
				"every scan with the pack reads",
				names[i], ovr);
		if (rc)
			break;
		/* the pack loads the .json files of its folder */
		if (n > 5 && strcmp(outs[i] + n - 5, ".json") == 0 &&
		    canon_dir(outs[i], odir) && realpath(dir, rdir) &&
		    strcmp(odir, rdir) == 0)
			rc = gs_cli_usage_error(
				"%s would put a .json file into the rule pack's "
				"folder (%s), which loads them all",
				names[i], dir);
	}
	free(ovr);
	return rc;
}

/* Returns 0 to run, -1 after --help, or GS_EXIT_USAGE. */
static int parse_opts(int argc, char **argv, struct scan_opts *o)
{
	int c;
	long v;

	memset(o, 0, sizeof(*o));
	o->sla_days = -1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", scan_options, NULL)) != -1) {
		switch (c) {
		case O_INTEL: o->intel = optarg; break;
		case O_ACTIONS: o->actions = optarg; break;
		case O_PROFILE: o->profile = optarg; break;
		case O_RULES: o->rules = optarg; break;
		case O_OVERRIDES: o->overrides = optarg; break;
		case O_AS_OF: o->as_of = optarg; break;
		case O_OUT: o->out = optarg; break;
		case O_STATUS_OUT: o->status_out = optarg; break;
		case O_REJECTS: o->rejects = optarg; break;
		case O_DB: o->db = optarg; break;
		case O_LINKS: o->links = optarg; break;
		case O_CHAINS_OUT: o->chains_out = optarg; break;
		case O_TIMINGS: o->timings = 1; break;
		case O_QUIET: o->quiet = 1; break;
		case 'h':
		case O_HELP:
			fputs(scan_usage, stdout);
			return -1;
		case O_SLA:
			if (parse_int(optarg, 0, 3650, &v) < 0)
				return gs_cli_usage_error(
					"--sla-days: \"%s\" is not a number of "
					"days (0-3650)",
					optarg);
			o->sla_days = (int)v;
			break;
		case O_THREADS:
			if (parse_int(optarg, 1, 64, &v) < 0)
				return gs_cli_usage_error(
					"--threads: \"%s\" is not a number "
					"from 1 to 64",
					optarg);
			o->threads = (int)v;
			break;
		case ':':
			return gs_cli_usage_error("option %s needs a value; "
						  "see gapscan scan --help",
						  argv[optind - 1]);
		default:
			return gs_cli_usage_error("unknown option \"%s\"; see "
						  "gapscan scan --help",
						  argv[optind - 1]);
		}
	}
	if (optind < argc)
		return gs_cli_usage_error("unexpected argument \"%s\"; see "
					  "gapscan scan --help",
					  argv[optind]);
	if (!o->intel || !o->actions)
		return gs_cli_usage_error("scan needs --intel FILE and --actions "
					  "FILE; see gapscan scan --help");
	if (o->db && strcmp(o->db, "-") == 0)
		return gs_cli_usage_error("--db needs a file: a database cannot "
					  "go to standard output");
	return distinct_files(o);
}

/* Text cells go through the report module's CSV quoter (RFC 4180, and a
 * cell starting = + - @ tab or CR neutralised): the exception list is
 * opened in Excel, and its ids and units come from the export. */
static void rule_list(FILE *fp, const struct gs_rules *rules,
		      const unsigned *ids, size_t n, int categories)
{
	struct gs_buf b;
	const char *seen[64];
	size_t nseen = 0;

	gs_buf_init(&b, 0);
	gs_buf_append(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		const struct gs_rule_info *r = gs_rules_get(rules, ids[i]);
		const char *v = categories ? r->category : r->id;
		int dup = 0;

		if (r->is_language && categories)
			continue;
		for (size_t k = 0; k < nseen; k++)
			dup |= strcmp(seen[k], v) == 0;
		if (dup)
			continue;
		if (nseen < 64)
			seen[nseen++] = v;
		if (b.len)
			gs_buf_putc(&b, ';');
		gs_buf_append(&b, v, strlen(v));
	}
	gs_report_csv_text(fp, b.data);
	gs_buf_release(&b);
}

static int write_exceptions(const char *path, const struct gs_run *run,
			    const struct gs_rules *rules, struct gs_error *err)
{
	struct gs_out o;
	const struct gs_flagged **ex;
	size_t n;
	int rc;

	if ((rc = gs_out_open(&o, path, err)) < 0)
		return rc;
	ex = gs_scan_exceptions(run, &n);
	fputs("intel_id,logged_at,district,unit,status,days,score,rules,"
	      "categories\n",
	      o.fp);
	for (size_t i = 0; i < n; i++) {
		const struct gs_flagged *f = ex[i];
		char date[11];

		gs_date_format(f->logged_day, date);
		gs_report_csv_text(o.fp, f->id);
		fprintf(o.fp, ",%s,", date);
		gs_report_csv_text(o.fp, f->district);
		fputc(',', o.fp);
		gs_report_csv_text(o.fp, f->unit);
		fprintf(o.fp, ",%s,%ld,%d,", gs_status_name(f->status), f->days,
			f->score);
		rule_list(o.fp, rules, f->rules, f->nrules, 0);
		fputc(',', o.fp);
		rule_list(o.fp, rules, f->rules, f->nrules, 1);
		fputc('\n', o.fp);
	}
	free(ex);
	return gs_out_commit(&o, err);
}

static int write_rejects(const char *path, const struct gs_run *run,
			 struct gs_error *err)
{
	struct gs_out o;
	int rc;

	if ((rc = gs_out_open(&o, path, err)) < 0)
		return rc;
	fputs("file,line,reason\n", o.fp);
	for (size_t i = 0; i < run->nrejects; i++) {
		gs_report_csv_text(o.fp, run->rejects[i].file);
		fprintf(o.fp, ",%ld,", run->rejects[i].line);
		gs_report_csv_text(o.fp, run->rejects[i].reason);
		fputc('\n', o.fp);
	}
	return gs_out_commit(&o, err);
}

static int write_chains(const char *path, const struct gs_run *run,
			struct gs_error *err)
{
	struct gs_out o;
	int rc;

	if ((rc = gs_out_open(&o, path, err)) < 0)
		return rc;
	fputs("chain,entity,intel_id,status,logged_at\n", o.fp);
	for (size_t c = 0; c < run->chains.nchains; c++) {
		const struct gs_chain *ch = &run->chains.chains[c];

		for (size_t i = 0; i < ch->nmembers; i++) {
			const struct gs_flagged *f = &run->flagged[ch->members[i]];
			char date[11];

			gs_date_format(f->logged_day, date);
			fprintf(o.fp, "%zu,", c + 1);
			gs_report_csv_text(o.fp, ch->entity);
			fputc(',', o.fp);
			gs_report_csv_text(o.fp, f->id);
			fprintf(o.fp, ",%s,%s\n", gs_status_name(f->status), date);
		}
	}
	return gs_out_commit(&o, err);
}

struct status_writer {
	FILE *fp;
	const struct gs_rules *rules;
};

static void on_record(void *ctx, const char *id, enum gs_status status,
		      int score, const unsigned *rules, size_t nrules)
{
	struct status_writer *w = ctx;

	gs_report_csv_text(w->fp, id);
	fprintf(w->fp, ",%s,%d,", gs_status_name(status), score);
	rule_list(w->fp, w->rules, rules, nrules, 0);
	fputc('\n', w->fp);
}

/* s with control characters shown as '?': ids come from the data, and an
 * escape sequence in one must not reach the terminal. */
static void put_clean(FILE *fp, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, fp);
}

/* A database made by someone else (an empty file, sqlite3 itself) may be
 * open to other users: gapscan creates its own 0600 but does not change
 * the mode of a file it did not create; it says so, even with --quiet. */
static void warn_open_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & 077))
		fprintf(stderr,
			"gapscan: warning: %s is open to other users (mode "
			"%04o) and will hold sensitive data: chmod 600 %s\n",
			path, (unsigned)(st.st_mode & 07777), path);
}

/* Settings in force that the command line did not name: overrides found
 * beside the pack, and a GAPSCAN_DB that scan does not use. */
static void print_settings(const struct gs_rules *rules,
			   const struct scan_opts *o)
{
	size_t n = gs_rules_noverrides(rules);
	const char *env = getenv("GAPSCAN_DB");

	if (n) {
		fprintf(stderr, "overrides in force %zu:", n);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s %s (%s)", i ? ";" : "",
				gs_rules_override(rules, i)->rule_id,
				gs_rules_override(rules, i)->what);
		fputc('\n', stderr);
	}
	if (!o->db && env && env[0])
		fprintf(stderr,
			"run not stored: scan stores only with --db "
			"(GAPSCAN_DB=%s is where the history commands read)\n",
			env);
}

static void print_summary(const struct gs_run *run,
			  const struct gs_rules *rules, int links)
{
	const struct gs_scan_counts *c = &run->counts;
	double mb = (double)c->intel_bytes / 1e6;

	fprintf(stderr,
		"records read       %lu\n"
		"  rejected         %lu\n"
		"  assessed         %lu\n"
		"  flagged          %lu\n"
		"    actioned       %lu\n"
		"    late           %lu\n"
		"    open           %lu\n"
		"    gap            %lu\n"
		"    indeterminate  %lu\n"
		"  suppressed only  %lu\n"
		"  language         %lu\n"
		"actions read       %lu\n"
		"  rejected         %lu\n"
		"  unknown intel id %lu\n"
		"  before the log   %lu\n",
		c->records_read, c->rejected, c->assessed, c->flagged,
		c->by_status[GS_STATUS_ACTIONED], c->by_status[GS_STATUS_LATE],
		c->by_status[GS_STATUS_OPEN], c->by_status[GS_STATUS_GAP],
		c->by_status[GS_STATUS_INDETERMINATE], c->suppressed_only,
		c->language, c->actions_read, c->actions_rejected,
		c->actions_unknown_intel, c->actions_before_log);
	if (links)
		fprintf(stderr,
			"links read         %lu\n"
			"  rejected         %lu\n"
			"  unknown intel id %lu\n",
			c->links_read, c->links_rejected,
			c->links_unknown_intel);
	fprintf(stderr,
		"chains             %zu (found among %zu flagged in %.1f ms)\n"
		"isolated pairs     %zu\n",
		run->chains.nchains, run->nflagged, run->chains_seconds * 1e3,
		run->chains.isolated_pairs);
	for (size_t i = 0; i < run->nrejects && i < 10; i++)
		fprintf(stderr, "gapscan: %s:%ld: rejected: %s\n",
			run->rejects[i].file, run->rejects[i].line,
			run->rejects[i].reason);
	if (run->nrejects > 10)
		fprintf(stderr,
			"gapscan: ... and %zu more rejected rows "
			"(--rejects FILE lists them all)\n",
			run->nrejects - 10);
	for (size_t i = 0; i < run->nlimits && i < 20; i++) {
		const struct gs_limit_event *l = &run->limits[i];

		fprintf(stderr,
			"gapscan: %s:%ld: rule \"%s\" hit a PCRE2 resource limit "
			"(error %d) on record \"",
			run->intel.path, l->line,
			gs_rules_get(rules, l->rule)->id, l->pcre2_code);
		put_clean(stderr, l->record_id);
		if (l->status == GS_STATUS_INDETERMINATE)
			fputs("\"; status indeterminate (the rule could have "
			      "flagged it)\n",
			      stderr);
		else
			fprintf(stderr,
				"\"; status %s whatever the rule found (its "
				"weight could not change the decision)\n",
				gs_status_name(l->status));
	}
	if (run->nlimits > 20)
		fprintf(stderr, "gapscan: ... and %zu more limit hits\n",
			run->nlimits - 20);
	fprintf(stderr, "scanned %.1f MB in %.2fs (%.1f MB/s)\n", mb,
		run->seconds, run->seconds > 0 ? mb / run->seconds : 0.0);
}

static int cmp_timing_desc(const void *a, const void *b, void *ctx)
{
	const struct gs_rule_timing *t = ctx;
	double x = t[*(const size_t *)a].seconds, y = t[*(const size_t *)b].seconds;

	return (x < y) - (x > y);
}

static void print_timings(const struct gs_run *run,
			  const struct gs_rules *rules)
{
	size_t *idx = xcalloc(run->ntimings + 1, sizeof(*idx));

	for (size_t i = 0; i < run->ntimings; i++)
		idx[i] = i;
	qsort_r(idx, run->ntimings, sizeof(*idx), cmp_timing_desc,
		run->timings);
	fprintf(stderr,
		"(prefilter: text fields where the rule's literals were found; "
		"pcre2 runs: its patterns run there, one per pattern; matches: "
		"hits kept)\n");
	fprintf(stderr, "%-36s %12s %12s %10s %10s\n", "rule", "prefilter",
		"pcre2 runs", "matches", "ms");
	for (size_t k = 0; k < run->ntimings; k++) {
		const struct gs_rule_timing *t = &run->timings[idx[k]];

		fprintf(stderr, "%-36s %12lu %12lu %10lu %10.1f\n",
			gs_rules_get(rules, idx[k])->id, t->prefilter_hits,
			t->confirmations, t->matches, t->seconds * 1e3);
	}
	free(idx);
}

/* --db: the run is written while it is scanned (the store's inserts
 * overlap the workers' matching instead of following them), in one
 * transaction committed after the scan. */
struct db_writer {
	struct gs_store *store;
	struct gs_store_meta meta;
	int created; /* the file did not exist: removed if the scan fails */
};

static int store_flagged(void *ctx, const struct gs_flagged *f,
			 struct gs_error *err)
{
	struct db_writer *w = ctx;

	return gs_store_add_flagged(w->store, f, &w->meta, err);
}

int gs_cmd_scan(int argc, char **argv)
{
	struct scan_opts o;
	struct gs_profile profile;
	struct gs_rules *rules = NULL;
	struct gs_scan_config cfg;
	struct gs_run run;
	struct gs_error err;
	struct gs_out status = {0};
	struct status_writer sw;
	struct db_writer dw = {0};
	int rc, exit_code = GS_EXIT_OK;

	gs_error_clear(&err);
	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc < 0 ? GS_EXIT_OK : rc; /* --help, or a usage error */
	gs_run_init(&run);
	memset(&cfg, 0, sizeof(cfg));
	if ((rc = gs_cli_load_profile(&profile, o.profile, &err)) < 0)
		goto fail;
	if ((rc = gs_cli_load_rules(&rules, o.rules, o.overrides, &profile,
				    &err)) < 0)
		goto fail;
	if ((rc = clear_of_config(&o, &profile, rules)) != 0) {
		exit_code = rc;
		goto out;
	}
	cfg.intel_path = o.intel;
	cfg.actions_path = o.actions;
	cfg.profile = &profile;
	cfg.rules = rules;
	cfg.sla_days = o.sla_days;
	cfg.threads = o.threads;
	cfg.progress = !o.quiet;
	cfg.quiet = o.quiet;
	cfg.timings = o.timings;
	cfg.links_path = o.links;
	if (o.as_of) {
		if (gs_date_parse(o.as_of, strlen(o.as_of), GS_DATE_ISO,
				  &cfg.as_of, NULL) < 0) {
			exit_code = gs_cli_usage_error(
				"--as-of: \"%s\" is not a date (YYYY-MM-DD)",
				o.as_of);
			goto out;
		}
	} else {
		cfg.as_of = gs_date_today();
	}
	if (o.status_out) {
		if ((rc = gs_out_open(&status, o.status_out, &err)) < 0)
			goto fail;
		fputs("intel_id,status,score,rules\n", status.fp);
		sw.fp = status.fp;
		sw.rules = rules;
		cfg.on_record = on_record;
		cfg.on_record_ctx = &sw;
	}
	if (o.db) {
		/* opened first: a database that cannot be written fails the
		 * command before a long scan, not after it */
		dw.created = access(o.db, F_OK) != 0;
		if ((rc = gs_store_open(&dw.store, o.db, 1, &err)) < 0)
			goto fail;
		warn_open_mode(o.db);
		gs_store_meta_from_config(&dw.meta, &cfg);
		if ((rc = gs_store_begin(dw.store, &err)) < 0)
			goto fail;
		cfg.on_flagged = store_flagged;
		cfg.on_flagged_ctx = &dw;
	}
	if ((rc = gs_scan_run(&cfg, &run, &err)) < 0)
		goto fail;
	if (o.status_out && (rc = gs_out_commit(&status, &err)) < 0)
		goto fail;
	if (o.rejects && (rc = write_rejects(o.rejects, &run, &err)) < 0)
		goto fail;
	if (o.chains_out && (rc = write_chains(o.chains_out, &run, &err)) < 0)
		goto fail;
	if (o.db) {
		long long run_id = 0, same;

		same = gs_store_find_same_inputs(dw.store, &run);
		if ((rc = gs_store_finish(dw.store, &run, &dw.meta, &run_id,
					  &err)) < 0)
			goto fail;
		if (!o.quiet) {
			fprintf(stderr, "stored run %lld in %s\n", run_id, o.db);
			if (same)
				fprintf(stderr,
					"inputs match run %lld (same SHA-256 "
					"of both exports)\n",
					same);
		}
	}
	if ((rc = write_exceptions(o.out, &run, rules, &err)) < 0)
		goto fail;
	if (!o.quiet) {
		print_summary(&run, rules, o.links != NULL);
		print_settings(rules, &o);
	}
	if (o.timings)
		print_timings(&run, rules);
	goto out;
fail:
	if (status.fp)
		gs_out_abort(&status);
	exit_code = gs_cli_fail(&err);
out:
	if (dw.store) {
		gs_store_free(dw.store); /* rolls back an unfinished run */
		gs_store_meta_release(&dw.meta);
		/* a failed scan leaves no empty database it created */
		if (exit_code != GS_EXIT_OK && dw.created)
			unlink(o.db);
	}
	gs_run_release(&run);
	gs_rules_free(rules);
	gs_profile_release(&profile);
	return exit_code;
}
