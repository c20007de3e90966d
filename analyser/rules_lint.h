/*
 * rules_lint.h - the rule loader's "report everything" mode, used by
 * `gapscan rules lint` (cmd_rules.c) and the rule tests. Not a public
 * header: gs_rules_load (gs_rules.h) stops at the first error; this keeps
 * going and hands every problem to a callback.
 */
#ifndef GS_RULES_LINT_H
#define GS_RULES_LINT_H

#include <stddef.h>

#include "gs_rules.h"

enum gs_rules_level { GS_RULES_ERROR = 0, GS_RULES_WARNING = 1 };

/* One problem. Every pointer is valid only during the callback. */
struct gs_rules_diag {
	enum gs_rules_level level;
	const char *file; /* pack file, overrides file or the pack dir */
	long line;        /* 1-based, 0 when unknown */
	long col;         /* 1-based character column (JSON syntax), or 0 */
	const char *msg;  /* as in gs_error: lower case, no FILE:LINE */
	const char *show; /* source line or pattern to print below, or NULL */
	long caret;       /* 1-based character column in show, 0 = none */
};

typedef void gs_rules_diag_fn(void *ctx, const struct gs_rules_diag *d);

/* Loads dir like gs_rules_load, reporting every problem to fn (which may
 * be NULL) instead of stopping at the first. Returns the number of errors.
 * *out is always set to a pack holding what loaded cleanly (rules with
 * errors are left out); the caller frees it with gs_rules_free. */
size_t gs_rules_load_all(struct gs_rules **out, const char *dir,
			 const struct gs_rules_options *opt,
			 gs_rules_diag_fn *fn, void *ctx);

/* The overrides file the loader reads for dir and opt: opt->overrides_path,
 * else <parent of dir>/overrides.json when it exists, else NULL.
 * Caller frees. */
char *gs_rules_overrides_path(const char *dir,
			      const struct gs_rules_options *opt);
/* Where the loader looks for overrides beside dir, whether or not the file
 * exists. Caller frees. */
char *gs_rules_overrides_beside(const char *dir);

/* Scans a PCRE2 pattern for a group that holds an unbounded quantifier (or
 * alternatives that repeat each other) and is itself repeated without
 * bound, e.g. (\w+\s?)+, (a*)*, (a|aa)+. Returns 1 and the byte offset of
 * the group's "(" in *at, or 0. A heuristic: it only reads the source. */
int gs_rules_nested_quantifier(const char *pattern, size_t *at);

/* The rule categories, NULL-terminated, in documentation order. */
const char *const *gs_rules_categories(void);

/* Number of UTF-8 characters in s[0..n): turns byte offsets into caret
 * columns. */
long gs_rules_char_col(const char *s, size_t n);

#endif
