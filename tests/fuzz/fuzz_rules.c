/*
 * fuzz_rules.c - gs_rules_load on one hostile rule file.
 *
 * The bytes become <tmp>/pack/rules.json in a per-process directory under
 * /dev/shm; the pack loads with small PCRE2 limits and no overrides file
 * (<tmp>/overrides.json is never written). Inputs over 4 KiB are skipped so
 * a pattern compile stays fast. Invariants: failure sets a message and
 * leaves *out NULL; success gives rules whose ids are found by
 * gs_rules_find at their own index.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "gs_error.h"
#include "gs_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64]; /* one scratch directory per fuzzing process */
	char path[128];
	struct gs_rules_options opt;
	struct gs_rules *r = NULL;
	struct gs_error err;
	FILE *fp;
	int rc;

	if (size > 4096)
		return 0;
	if (dir[0] == '\0') {
		/* under run.sh's scratch folder (removed after the run) */
		const char *base = getenv("GSFUZZ_TMP");
		char tmpl[64];

		snprintf(tmpl, sizeof(tmpl), "%s/gsfuzz-XXXXXX",
			 base && *base && strlen(base) < 40 ? base : "/dev/shm");
		FUZZ_CHECK(mkdtemp(tmpl) != NULL);
		snprintf(dir, sizeof(dir), "%s/pack", tmpl);
		FUZZ_CHECK(mkdir(dir, 0700) == 0);
	}
	snprintf(path, sizeof(path), "%s/rules.json", dir);
	fp = fopen(path, "wb");
	FUZZ_CHECK(fp != NULL);
	FUZZ_CHECK(fwrite(data, 1, size, fp) == size);
	FUZZ_CHECK(fclose(fp) == 0);

	memset(&opt, 0, sizeof(opt));
	opt.overrides_path = NULL;
	opt.match_limit = 10000;
	opt.depth_limit = 1000;
	opt.heap_limit_kib = 1024;
	gs_error_clear(&err);
	rc = gs_rules_load(&r, dir, &opt, &err);
	if (rc < 0) {
		FUZZ_CHECK(r == NULL);
		FUZZ_CHECK(err.msg[0] != '\0');
		return 0;
	}
	FUZZ_CHECK(r != NULL);
	for (size_t i = 0; i < gs_rules_count(r); i++) {
		const struct gs_rule_info *ri = gs_rules_get(r, i);

		FUZZ_CHECK(ri != NULL && ri->id != NULL);
		FUZZ_CHECK(gs_rules_find(r, ri->id) == (long)i);
	}
	gs_rules_free(r);
	return 0;
}
