/*
 * fuzz_profile.c - gs_profile_load on hostile JSON.
 *
 * Invariants: a failed load returns a negative code with a message; a
 * successful one leaves a usable profile (required columns set, SLA and
 * qualifying lookups work); release frees everything either way (the leak
 * checker sees the rest).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "gs_error.h"
#include "gs_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_profile p;
	struct gs_error err;
	char path[64];
	int fd, rc;

	if (size > 16384)
		return 0;
	fd = fuzz_memfd(data, size, path, sizeof(path));
	gs_profile_init(&p);
	gs_error_clear(&err);
	rc = gs_profile_load(&p, path, &err);
	if (rc < 0) {
		FUZZ_CHECK(err.msg[0] != '\0');
	} else {
		FUZZ_CHECK(rc == 0);
		FUZZ_CHECK(p.col_id != NULL && p.col_logged_at != NULL);
		FUZZ_CHECK(p.ntext <= GS_PROFILE_MAX_TEXT);
		FUZZ_CHECK(strlen(p.sha256) == 64);
		for (size_t i = 0; i < p.nsla_by_priority; i++)
			FUZZ_CHECK(gs_profile_sla(
					   &p, p.sla_by_priority[i].priority,
					   strlen(p.sla_by_priority[i].priority)) >= 0);
		(void)gs_profile_sla(&p, "1", 1);
		(void)gs_profile_qualifies(&p, "referral", 8, "x", 1);
		for (size_t i = 0; i < p.nqualifying; i++)
			FUZZ_CHECK(gs_profile_qualifies(
				&p, p.qualifying[i], strlen(p.qualifying[i]),
				"", 0));
	}
	gs_profile_release(&p);
	close(fd);
	return 0;
}
