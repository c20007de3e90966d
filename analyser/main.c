/* main.c - gapscan: the subcommand table and nothing else. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gs_cli.h"
#include "gs_util.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"scan", gs_cmd_scan, "scan an export and list unactioned intelligence"},
	{"report", gs_cmd_report, "exception report (html, csv, json, md) from a run"},
	{"runs", gs_cmd_runs, "list the runs stored in a database"},
	{"diff", gs_cmd_diff, "what changed between two runs"},
	{"trend", gs_cmd_trend, "monthly trend of flagged, actioned and gaps"},
	{"explain", gs_cmd_explain, "why a text or record matched or did not"},
	{"eval", gs_cmd_eval, "precision and recall against a labelled corpus"},
	{"rules", gs_cmd_rules, "rules lint | rules test | rules export"},
};

/* Ctrl-C or SIGTERM: no half-written output is left behind (a database
 * write in progress is rolled back by SQLite's journal on next open). */
static void on_signal(int sig)
{
	gs_out_remove_pending();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void usage(FILE *fp)
{
	fputs("usage: gapscan COMMAND [options]   (gapscan COMMAND --help)\n\n"
	      "gapscan finds intelligence that carried child sexual\n"
	      "exploitation indicators and was never acted upon.\n\n"
	      "commands:\n",
	      fp);
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		fprintf(fp, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\nexit codes: 0 ok, 1 check failed (lint/test), 2 usage error,\n"
	      "3 input error, 4 rule error, 5 I/O error\n",
	      fp);
}

int main(int argc, char **argv)
{
	int rc;

	gs_cli_set_argv0(argv[0]);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	if (argc < 2) {
		usage(stderr);
		return GS_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return fflush(stdout) == 0 ? GS_EXIT_OK : GS_EXIT_IO;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("gapscan %s\n", GS_VERSION);
		return fflush(stdout) == 0 ? GS_EXIT_OK : GS_EXIT_IO;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		rc = commands[i].run(argc - 1, argv + 1);
		/* a command that already reported an I/O error is not told
		 * twice about the same full stdout */
		if ((fflush(stdout) != 0 || ferror(stdout)) && rc != GS_EXIT_IO) {
			perror("gapscan: stdout");
			return GS_EXIT_IO;
		}
		return ferror(stdout) ? GS_EXIT_IO : rc;
	}
	fprintf(stderr, "gapscan: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return GS_EXIT_USAGE;
}
