/*
 * gs_rules.h - the rule pack: load, validate, compile.
 *
 * A pack is a folder of JSON files (docs/rules.md). Files holding
 * {"rules": [...]} define indicator rules; a file holding {"context": [...]}
 * defines context cues (negation, hypothetical, historical, other person,
 * uncertain). An optional overrides file (by rule id: disable, weight,
 * extra patterns/exclusions, with a required reason) is applied at load.
 * Patterns compile with PCRE2 (UTF, caseless unless case_sensitive, JIT).
 * A loaded pack is immutable and may be shared by several matchers/threads.
 */
#ifndef GS_RULES_H
#define GS_RULES_H

#include <stddef.h>

#include "gs_error.h"

enum gs_cue_type {
	GS_CUE_NEGATED,
	GS_CUE_HYPOTHETICAL,
	GS_CUE_HISTORICAL,
	GS_CUE_OTHER_PERSON,
	GS_CUE_UNCERTAIN,
	GS_CUE_NTYPES
};
enum gs_cue_dir {
	GS_DIR_FORWARD,
	GS_DIR_BACKWARD,
	GS_DIR_BOTH,
	GS_DIR_TERMINATE,
	GS_DIR_PSEUDO
};

/* The names rule files use for cue types and directions: "negated",
 * "forward", ... (NULL-free: t and d must be in range). */
const char *gs_cue_type_name(enum gs_cue_type t);
const char *gs_cue_dir_name(enum gs_cue_dir d);

/* Read-only view of one rule. Strings owned by the pack. */
struct gs_rule_info {
	const char *id;
	const char *title;
	const char *description;
	const char *category;
	const char *status; /* experimental | stable | deprecated */
	int weight;         /* after overrides */
	int is_language;    /* category "language": reported, never scored */
	int disabled;       /* by an override */
	const char *file;   /* pack file it came from */
	long line;          /* line of the rule in that file */
	const char *const *references;
	size_t nreferences;
	const char *const *tests_match;
	size_t ntests_match;
	const char *const *tests_no_match;
	size_t ntests_no_match;
	const char *const *tests_suppressed;
	size_t ntests_suppressed;
	const char *const *patterns; /* source text, including override extras */
	size_t npatterns;
	const char *const *fields; /* text field names; 0 = all */
	size_t nfields;
	unsigned accepts; /* bit (1<<gs_cue_type) set: that cue type does not
			     suppress this rule; all bits when context false */
};

struct gs_cue_info {
	const char *id;
	const char *pattern;
	enum gs_cue_type type;
	enum gs_cue_dir dir;
	int scope; /* words */
	const char *file;
	long line;
};

struct gs_override_info {
	const char *rule_id;
	const char *reason;
	const char *what; /* e.g. "disabled", "weight 3 -> 1", "+1 exclude" */
};

struct gs_rules_options {
	const char *overrides_path; /* NULL: <dir>/../overrides.json if any */
	unsigned long match_limit;  /* PCRE2 limits for the pack's matchers */
	unsigned long depth_limit;
	unsigned long heap_limit_kib;
};

struct gs_rules;

/* Loads every *.json in dir (sorted by name). On failure err holds
 * "FILE:LINE: rule ID: pattern N: message at offset K" style messages
 * and GS_ERR_RULE. *out is set only on success; free with gs_rules_free. */
int gs_rules_load(struct gs_rules **out, const char *dir,
		  const struct gs_rules_options *opt, struct gs_error *err);
void gs_rules_free(struct gs_rules *r);

size_t gs_rules_count(const struct gs_rules *r);
const struct gs_rule_info *gs_rules_get(const struct gs_rules *r, size_t i);
long gs_rules_find(const struct gs_rules *r, const char *id); /* -1 absent */
size_t gs_rules_ncues(const struct gs_rules *r);
const struct gs_cue_info *gs_rules_cue(const struct gs_rules *r, size_t i);
size_t gs_rules_noverrides(const struct gs_rules *r);
const struct gs_override_info *gs_rules_override(const struct gs_rules *r,
						 size_t i);
const char *gs_rules_version(const struct gs_rules *r); /* pack "version" */
const char *gs_rules_hash(const struct gs_rules *r); /* SHA-256 of files */
const char *gs_rules_dir(const struct gs_rules *r);

#endif
