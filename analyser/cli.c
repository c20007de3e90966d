/* cli.c - what the subcommands share (gs_cli.h). */
#include "gs_cli.h"

#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gs_util.h"
#include "prefilter.h"

#ifndef GS_DATADIR
#define GS_DATADIR "/usr/local/share/gapscan"
#endif

static char data_dir[PATH_MAX];

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

void gs_cli_set_argv0(const char *argv0)
{
	char exe[PATH_MAX], cand[PATH_MAX + 32];
	const char *env = getenv("GAPSCAN_DATA");
	ssize_t n;

	(void)argv0;
	if (env && *env) {
		snprintf(data_dir, sizeof(data_dir), "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *dir;

		exe[n] = '\0';
		dir = dirname(exe);          /* .../build */
		dir = dirname(dir);          /* checkout root or PREFIX */
		snprintf(cand, sizeof(cand), "%s/rules", dir);
		if (is_dir(cand)) {
			snprintf(data_dir, sizeof(data_dir), "%s", dir);
			return;
		}
		snprintf(cand, sizeof(cand), "%s/share/gapscan/rules", dir);
		if (is_dir(cand)) {
			snprintf(data_dir, sizeof(data_dir), "%s/share/gapscan",
				 dir);
			return;
		}
	}
	snprintf(data_dir, sizeof(data_dir), "%s", GS_DATADIR);
}

const char *gs_cli_data_dir(void)
{
	if (!data_dir[0])
		gs_cli_set_argv0(NULL);
	return data_dir;
}

int gs_cli_load_profile(struct gs_profile *p, const char *path,
			struct gs_error *err)
{
	char def[PATH_MAX + 32];

	gs_profile_init(p);
	if (!path) {
		snprintf(def, sizeof(def), "%s/profiles/default.json",
			 gs_cli_data_dir());
		if (access(def, R_OK) != 0)
			return 0; /* built-in defaults */
		path = def;
	}
	return gs_profile_load(p, path, err);
}

/* A rule limited to `fields` the profile has no text column for would
 * never fire, silently: refused. */
static int check_fields(const struct gs_rules *rules,
			const struct gs_profile *p, struct gs_error *err)
{
	for (size_t r = 0; r < gs_rules_count(rules); r++) {
		const struct gs_rule_info *info = gs_rules_get(rules, r);

		for (size_t i = 0; i < info->nfields; i++) {
			size_t k = 0;

			while (k < p->ntext &&
			       strcasecmp(p->col_text[k], info->fields[i]) != 0)
				k++;
			if (k == p->ntext)
				return gs_error_set(
					err, GS_ERR_RULE, info->file, info->line,
					0,
					"rule %s: field \"%s\" is not a text "
					"column of the profile, so the rule "
					"would never fire",
					info->id, info->fields[i]);
		}
	}
	return 0;
}

int gs_cli_load_rules(struct gs_rules **out, const char *dir,
		      const char *overrides, const struct gs_profile *p,
		      struct gs_error *err)
{
	char def[PATH_MAX + 32];
	struct gs_rules_options opt;
	int rc;

	if (!dir) {
		snprintf(def, sizeof(def), "%s/rules", gs_cli_data_dir());
		dir = def;
	}
	memset(&opt, 0, sizeof(opt));
	opt.overrides_path = overrides;
	if (p) {
		opt.match_limit = p->match_limit;
		opt.depth_limit = p->depth_limit;
		opt.heap_limit_kib = p->heap_limit_kib;
	}
	rc = gs_rules_load(out, dir, &opt, err);
	if (rc < 0)
		return rc;
	rc = p ? check_fields(*out, p, err) : 0;
	if (rc == 0)
		rc = gs_match_prepare(*out, err);
	if (rc < 0) {
		gs_rules_free(*out);
		*out = NULL;
	}
	return rc;
}

int gs_cli_fail(const struct gs_error *err)
{
	gs_error_print(err, stderr);
	return gs_error_exit_code(err->code);
}

int gs_cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("gapscan: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return GS_EXIT_USAGE;
}
