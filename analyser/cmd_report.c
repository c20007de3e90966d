/* cmd_report.c - `gapscan report`: options, load the model, write it. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "gs_cli.h"
#include "gs_report.h"
#include "gs_store.h"
#include "gs_util.h"

static const char report_usage[] =
	"usage: gapscan report [--db FILE] [--run ID] [--format html|csv|json|md]\n"
	"                      [--out FILE] [--public [--min-cell N]]\n"
	"                      [--profile FILE] [--no-bom]\n"
	"\n"
	"Writes the exception report for one stored run: headline figures\n"
	"against the previous run, how the measure is counted, the monthly\n"
	"trend, breakdowns by district and indicator category, ageing of\n"
	"gaps, victim-blaming language by unit, the exception list and\n"
	"provenance. Keys and columns: docs/report.md.\n"
	"\n"
	"  --db FILE        run history (default: $GAPSCAN_DB, else gapscan.db)\n"
	"  --run ID         run to report (default: the newest)\n"
	"  --format F       html (self-contained, prints on A4), csv (for\n"
	"                   Excel: the exception list), json or md\n"
	"                   (default: html)\n"
	"  --out FILE       output file, written mode 0600 through a temporary\n"
	"                   file (default: stdout)\n"
	"  --public         published version: no record-level rows, no\n"
	"                   excerpts, no units; small counts suppressed\n"
	"  --min-cell N     with --public: counts 1..N-1 shown as <N (default 5)\n"
	"  --no-bom         csv: no UTF-8 byte order mark\n"
	"  --profile FILE   profile whose security marking heads the report\n"
	"                   (default: the one the run was scanned with, else\n"
	"                   the shipped profile's, OFFICIAL-SENSITIVE)\n"
	"  --help           this text\n"
	"\n"
	"Records whose handling code restricts sharing (3x5x2 C, 5x5x5 4 or 5)\n"
	"are counted but never listed.\n"
	"\n"
	"Exit codes: 0 written, 2 usage error (or no such run), 3 input\n"
	"error, 5 I/O error.\n";

struct report_opts {
	const char *db, *format, *out, *profile;
	long long run;
	long min_cell;
	int public, min_cell_set, no_bom;
};

enum {
	O_DB = 256,
	O_RUN,
	O_FORMAT,
	O_OUT,
	O_PUBLIC,
	O_MIN_CELL,
	O_NO_BOM,
	O_PROFILE,
	O_HELP
};

static const struct option report_options[] = {
	{"db", required_argument, NULL, O_DB},
	{"run", required_argument, NULL, O_RUN},
	{"format", required_argument, NULL, O_FORMAT},
	{"out", required_argument, NULL, O_OUT},
	{"public", no_argument, NULL, O_PUBLIC},
	{"min-cell", required_argument, NULL, O_MIN_CELL},
	{"no-bom", no_argument, NULL, O_NO_BOM},
	{"profile", required_argument, NULL, O_PROFILE},
	{"help", no_argument, NULL, O_HELP},
	{NULL, 0, NULL, 0}};

static int parse_num(const char *s, long long min, long long max,
		     long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct report_opts *o)
{
	long long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->format = "html";
	o->min_cell = GS_REPORT_MIN_CELL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", report_options, NULL)) != -1) {
		switch (c) {
		case O_DB: o->db = optarg; break;
		case O_FORMAT: o->format = optarg; break;
		case O_OUT: o->out = optarg; break;
		case O_PUBLIC: o->public = 1; break;
		case O_NO_BOM: o->no_bom = 1; break;
		case O_PROFILE: o->profile = optarg; break;
		case 'h':
		case O_HELP:
			fputs(report_usage, stdout);
			return -1;
		case O_RUN:
			if (gs_parse_run_id(optarg, &o->run) < 0)
				return gs_cli_usage_error(
					"--run: \"%s\" is not a run id", optarg);
			break;
		case O_MIN_CELL:
			if (parse_num(optarg, 2, 1000000, &v) < 0)
				return gs_cli_usage_error(
					"--min-cell: \"%s\" is not a number "
					"from 2 to 1000000",
					optarg);
			o->min_cell = (long)v;
			o->min_cell_set = 1;
			break;
		case ':':
			return gs_cli_usage_error("option %s needs a value; "
						  "see gapscan report --help",
						  argv[optind - 1]);
		default:
			return gs_cli_usage_error("unknown option \"%s\"; see "
						  "gapscan report --help",
						  argv[optind - 1]);
		}
	}
	if (optind < argc)
		return gs_cli_usage_error("unexpected argument \"%s\"; see "
					  "gapscan report --help",
					  argv[optind]);
	if (!gs_report_writer_find(o->format))
		return gs_cli_usage_error("--format: \"%s\" is not one of %s",
					  o->format, gs_report_writer_names());
	if (o->min_cell_set && !o->public)
		return gs_cli_usage_error("--min-cell applies only with "
					  "--public");
	return 0;
}

/* The marking of the profile at path, or of the shipped one (path NULL);
 * NULL (the report's default marking) when the shipped profile cannot be
 * read or has none. Caller frees. */
static int load_marking(const char *path, char **marking,
			struct gs_error *err)
{
	struct gs_profile p;
	int rc;

	rc = gs_cli_load_profile(&p, path, err);
	if (rc < 0 && path) {
		gs_profile_release(&p);
		return rc;
	}
	*marking = rc == 0 && p.marking && *p.marking ? xstrdup(p.marking)
						       : NULL;
	gs_profile_release(&p);
	gs_error_clear(err);
	return 0;
}

int gs_cmd_report(int argc, char **argv)
{
	struct report_opts o;
	struct gs_report_opts wo = {1};
	struct gs_store *store = NULL;
	struct gs_report model = {0}; /* released also when never loaded */
	struct gs_out out = {0};
	struct gs_error err;
	const struct gs_report_writer *w;
	char *marking = NULL;
	int rc;
	int exit_code = GS_EXIT_OK;

	gs_error_clear(&err);
	/* -1: --help printed; > 0: a usage error's exit code */
	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc < 0 ? GS_EXIT_OK : rc;
	w = gs_report_writer_find(o.format);
	wo.bom = !o.no_bom;
	if ((rc = load_marking(o.profile, &marking, &err)) < 0)
		goto fail;
	if ((rc = gs_store_open(&store, o.db ? o.db : gs_store_default_path(),
				0, &err)) < 0)
		goto fail;
	if ((rc = gs_report_load(&model, store, o.run, marking, &err)) < 0)
		goto fail;
	/* without --profile, the marking of the profile the run was scanned
	 * under (stored since schema 4) beats the shipped profile's */
	if (!o.profile && model.run->marking && model.run->marking[0]) {
		free(model.marking);
		model.marking = xstrdup(model.run->marking);
	}
	if (o.public)
		gs_report_suppress(&model, o.min_cell);
	if (o.public && model.prev) {
		/* the previous run's figures as its own public report shows
		 * them: a figure hidden there must not be printed here */
		struct gs_report prev = {0};

		rc = gs_report_load(&prev, store, model.prev->id, NULL, &err);
		if (rc == 0) {
			gs_report_suppress(&prev, o.min_cell);
			gs_report_hide_as_published(&model, &prev);
		}
		gs_report_release(&prev);
		if (rc < 0)
			goto fail;
	}
	if ((rc = gs_out_open(&out, o.out, &err)) < 0)
		goto fail;
	if ((rc = w->write(&model, &wo, out.fp, &err)) < 0) {
		gs_out_abort(&out);
		goto fail;
	}
	if ((rc = gs_out_commit(&out, &err)) < 0)
		goto fail;
	goto out;
fail:
	exit_code = gs_cli_fail(&err);
out:
	gs_report_release(&model);
	gs_store_free(store);
	free(marking);
	return exit_code;
}
