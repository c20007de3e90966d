/*
 * gs_cli.h - what every subcommand shares: finding the shipped data
 * (rules/, profiles/), loading the profile and the rule pack with located
 * errors, and the subcommand entry points listed in main.c's table.
 *
 * Each gs_cmd_* takes the arguments after "gapscan" (argv[0] is the
 * subcommand name) and returns a process exit code (enum gs_exit).
 */
#ifndef GS_CLI_H
#define GS_CLI_H

#include "gs_error.h"
#include "gs_profile.h"
#include "gs_rules.h"

#define GS_VERSION "0.1.0"

/* Directory holding rules/ and profiles/: $GAPSCAN_DATA, else next to the
 * binary's parent (build/.. in a checkout), else PREFIX/share/gapscan.
 * Returns a static path (set once from main, read-only afterwards). */
const char *gs_cli_data_dir(void);
void gs_cli_set_argv0(const char *argv0);

/* Loads the profile at path, or the shipped default when path is NULL. */
int gs_cli_load_profile(struct gs_profile *p, const char *path,
			struct gs_error *err);

/* Loads the rule pack at dir (NULL: shipped), with the profile's limits. */
int gs_cli_load_rules(struct gs_rules **out, const char *dir,
		      const char *overrides, const struct gs_profile *p,
		      struct gs_error *err);

/* Prints err as "gapscan: FILE:LINE: message" and returns its exit code. */
int gs_cli_fail(const struct gs_error *err);

/* Prints "gapscan: message" to stderr, returns GS_EXIT_USAGE. */
int gs_cli_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

int gs_cmd_scan(int argc, char **argv);
int gs_cmd_report(int argc, char **argv);
int gs_cmd_runs(int argc, char **argv);
int gs_cmd_diff(int argc, char **argv);
int gs_cmd_trend(int argc, char **argv);
int gs_cmd_explain(int argc, char **argv);
int gs_cmd_eval(int argc, char **argv);
int gs_cmd_rules(int argc, char **argv); /* lint | test | export */
int gs_cmd_rules_test(int argc, char **argv); /* called by gs_cmd_rules */

#endif
