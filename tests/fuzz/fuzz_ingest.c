/*
 * fuzz_ingest.c - gs_ingest on hostile intelligence and actions exports.
 *
 * Every input is opened five times with the built-in default profile: as
 * the intelligence and the actions export, each as CSV and as JSON Lines,
 * and as intelligence in CSV with ';' and UK dates (max_field lowered to 64
 * so the size limit is reached). Invariants: a
 * failed open leaves *out NULL with a message; records come in line order;
 * every role string is NUL-terminated at its length; a reject carries a
 * message; the read ends within a bounded number of calls.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "gs_error.h"
#include "gs_ingest.h"
#include "gs_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const struct gs_str *s)
{
	FUZZ_CHECK(s->ptr != NULL);
	FUZZ_CHECK(s->ptr[s->len] == '\0');
}

static void run(const char *path, size_t size, enum gs_ingest_kind kind,
		enum gs_format fmt, char delim, enum gs_date_format dates)
{
	struct gs_profile p;
	struct gs_ingest *in = NULL;
	struct gs_error err;
	long last = 0;
	size_t calls = 0;
	int rc;

	gs_profile_init(&p);
	p.intel.format = fmt;
	p.actions.format = fmt;
	p.intel.delimiter = p.actions.delimiter = delim;
	p.intel.date_format = p.actions.date_format = dates;
	p.max_field = 64;
	gs_error_clear(&err);
	rc = gs_ingest_open(&in, path, kind, &p, &err);
	if (rc < 0) {
		FUZZ_CHECK(in == NULL);
		FUZZ_CHECK(err.msg[0] != '\0');
		goto out;
	}
	FUZZ_CHECK(in != NULL);
	for (;;) {
		struct gs_intel_rec ir;
		struct gs_action_rec ar;
		long line;

		gs_error_clear(&err);
		if (kind == GS_INGEST_INTEL)
			rc = gs_ingest_next_intel(in, &ir, &err);
		else
			rc = gs_ingest_next_action(in, &ar, &err);
		FUZZ_CHECK(++calls <= 2 * size + 4);
		if (rc == 0)
			break;
		if (rc == GS_ERR_REJECT) {
			FUZZ_CHECK(err.msg[0] != '\0');
			continue;
		}
		if (rc < 0) {
			FUZZ_CHECK(err.msg[0] != '\0');
			break;
		}
		FUZZ_CHECK(rc == 1);
		if (kind == GS_INGEST_INTEL) {
			line = ir.line;
			check_str(&ir.id);
			FUZZ_CHECK(ir.id.len > 0);
			check_str(&ir.logged_at);
			check_str(&ir.unit);
			check_str(&ir.district);
			check_str(&ir.grading);
			check_str(&ir.priority);
			check_str(&ir.subjects);
			FUZZ_CHECK(ir.ntext <= GS_PROFILE_MAX_TEXT);
			for (size_t i = 0; i < ir.ntext; i++)
				check_str(&ir.text[i]);
		} else {
			line = ar.line;
			check_str(&ar.action_id);
			check_str(&ar.intel_ids);
			check_str(&ar.type);
			check_str(&ar.at);
			check_str(&ar.unit);
			check_str(&ar.rationale);
		}
		FUZZ_CHECK(line > last);
		last = line;
		FUZZ_CHECK(gs_ingest_offset(in) <= size);
	}
	gs_ingest_free(in);
out:
	gs_profile_release(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_memfd(data, size, path, sizeof(path));

	run(path, size, GS_INGEST_INTEL, GS_FORMAT_CSV, ',', GS_DATE_ISO);
	run(path, size, GS_INGEST_ACTIONS, GS_FORMAT_CSV, ',', GS_DATE_ISO);
	run(path, size, GS_INGEST_INTEL, GS_FORMAT_JSONL, ',', GS_DATE_ISO);
	run(path, size, GS_INGEST_ACTIONS, GS_FORMAT_JSONL, ',', GS_DATE_ISO);
	run(path, size, GS_INGEST_INTEL, GS_FORMAT_CSV, ';', GS_DATE_UK);
	close(fd);
	return 0;
}
