/* test_links.c - the POLE links file on runs built by hand: the header
 * matched like ingest's, values trimmed, every reject reason with its line,
 * entities added once to flagged records only, unknown ids counted against
 * the intelligence export, and file errors. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gs_ingest.h"
#include "gs_links.h"
#include "gs_profile.h"
#include "gs_scan.h"
#include "gs_util.h"

static char path[64];
static struct gs_run run;

static void setup(void)
{
	gs_run_init(&run);
	path[0] = '\0';
}

static void teardown(void)
{
	gs_run_release(&run);
	if (path[0])
		unlink(path);
}

TestSuite(links, .init = setup, .fini = teardown);

/* Writes n bytes of text to a new temporary file named in path. */
static const char *write_file(const char *text, size_t n)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_links_XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, n), (ssize_t)n);
	close(fd);
	return path;
}

/* Flagged records with these ids, no entities. */
static void flag(const char *const *ids, size_t n)
{
	struct gs_arena *a = gs_run_arena(&run);

	run.flagged = xcalloc(n, sizeof(*run.flagged));
	for (size_t i = 0; i < n; i++)
		run.flagged[i].id = gs_arena_strndup(a, ids[i], strlen(ids[i]));
	run.nflagged = n;
}

/* "ID: e1 e2" per flagged record, then "!LINE: reason" per reject. */
static void transcript(struct gs_buf *out)
{
	gs_buf_init(out, 0);
	gs_buf_append(out, "", 0);
	for (size_t i = 0; i < run.nflagged; i++) {
		gs_buf_printf(out, "%s:", run.flagged[i].id);
		for (size_t k = 0; k < run.flagged[i].nentities; k++)
			gs_buf_printf(out, " %s", run.flagged[i].entities[k]);
		gs_buf_putc(out, '\n');
	}
	for (size_t i = 0; i < run.nrejects; i++) {
		cr_expect_str_eq(run.rejects[i].file, path);
		gs_buf_printf(out, "!%ld: %s\n", run.rejects[i].line,
			      run.rejects[i].reason);
	}
}

Test(links, header_matched_like_ingest_and_values_trimmed)
{
	static const char *const ids[] = {"I-1", "I-2"};
	static const char text[] =
		"\xef\xbb\xbf Link_Reason , ENTITY_REF,Intel_ID ,entity_type\n"
		"why, AB12 CDE ,  I-1 , VRM \n"
		"why,ab12cde,I-1,vrm\n"
		"why,Oak Yard,I-2,Location\n"
		"why,P-9,I-3,person\n";
	struct gs_error e;
	struct gs_buf got;

	flag(ids, 2);
	cr_assert_eq(gs_links_load(&run, write_file(text, sizeof(text) - 1),
				   NULL, 0, &e),
		     0, "%s", e.msg);
	transcript(&got);
	cr_expect_str_eq(got.data, "I-1: vrm:AB12CDE\n"
				   "I-2: location:Oak Yard\n");
	cr_expect_eq(run.counts.links_read, 4);
	cr_expect_eq(run.counts.links_rejected, 0);
	cr_expect_eq(run.counts.links_unknown_intel, 0); /* nothing known */
	gs_buf_release(&got);
}

Test(links, each_reject_reason_with_its_line)
{
	static const char *const ids[] = {"I-1"};
	char text[2048];
	struct gs_error e;
	struct gs_buf got;
	int n;

	n = snprintf(text, sizeof(text),
		     "intel_id,entity_type,entity_ref,link_reason\n"
		     "I-1,person,P-1,ok\n"
		     "I-1,person,P-\xff,bad byte\n"
		     "I-\xc3(,person,P-2,bad id byte\n"
		     " ,person,P-3,no id\n"
		     "I-1, ,P-4,no type\n"
		     "I-1,person,,no ref\n"
		     "I-1,%s,P-5,long type\n"
		     "I-1,%s,P-6,longest type\n"
		     "I-1,person\n"
		     "I-1,person,P-7,why,extra\n"
		     "I-1,phone,n/a,no digits\n"
		     "I-1,per:son,P-8,colon\n"
		     "I-1,person,\"P\"9,bad quote\n"
		     "I-1,person,%s,long ref\n"
		     "I-1,person,\"P-10\nsecond line\",quoted newline\n"
		     "I-1,person,P-11,ok\n",
		     "ttttttttttttttttttttttttttttttttt",
		     "tttttttttttttttttttttttttttttttt",
		     "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"
		     "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"
		     "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"
		     "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"
		     "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr");
	cr_assert(n > 0 && (size_t)n < sizeof(text));
	flag(ids, 1);
	cr_assert_eq(
		gs_links_load(&run, write_file(text, (size_t)n), NULL, 0, &e),
		0, "%s", e.msg);
	transcript(&got);
	cr_expect_str_eq(
		got.data,
		"I-1: person:P-1 tttttttttttttttttttttttttttttttt:P-6 "
		"person:P-10\nsecond line person:P-11\n"
		"!3: invalid UTF-8 in column \"entity_ref\" at byte 3\n"
		"!4: invalid UTF-8 in column \"intel_id\" at byte 3\n"
		"!5: missing intel_id\n"
		"!6: missing entity_type\n"
		"!7: missing entity_ref\n"
		"!8: entity_type over the size limit (32 bytes)\n"
		"!10: wrong field count: expected 4, found 2\n"
		"!11: wrong field count: expected 4, found 5\n"
		"!12: nothing left of entity_ref \"n/a\" once normalised as "
		"type \"phone\"\n"
		"!13: colon in entity_type \"per:son\"\n"
		"!14: text after the closing quote (column \"entity_ref\")\n"
		"!15: entity_ref over the size limit (256 bytes)\n");
	cr_expect_eq(run.counts.links_read, 16);
	cr_expect_eq(run.counts.links_rejected, 12);
	gs_buf_release(&got);
}

Test(links, unknown_ids_counted_against_the_export)
{
	static const char *const ids[] = {"I-1"};
	static const char intel[] = "intel_id,logged_at,narrative\n"
				    "I-1,2026-01-01,a\n"
				    "I-2,2026-01-02,b\n"
				    "I-3,not a date,c\n";
	static const char links[] = "intel_id,entity_type,entity_ref\n"
				    "I-1,person,P-1\n"
				    "I-2,person,P-1\n"
				    "I-3,person,P-1\n"
				    "I-4,person,P-1\n"
				    " I-4 ,person,P-2\n";
	char ipath[64];
	struct gs_profile p;
	struct gs_ingest *in = NULL;
	struct gs_intel_rec rec;
	struct gs_error e;
	int rc;

	snprintf(ipath, sizeof(ipath), "%s",
		 write_file(intel, sizeof(intel) - 1));
	gs_profile_init(&p);
	cr_assert_eq(gs_ingest_open(&in, ipath, GS_INGEST_INTEL, &p, &e), 0,
		     "%s", e.msg);
	while ((rc = gs_ingest_next_intel(in, &rec, &e)) != 0)
		cr_assert(rc == 1 || rc == GS_ERR_REJECT, "%s", e.msg);
	cr_expect_eq(gs_ingest_has_id(in, "I-2", 3), 1);
	cr_expect_eq(gs_ingest_has_id(in, "I-3", 3), 0); /* rejected */
	cr_expect_eq(gs_ingest_has_id(in, "I-", 2), 0);
	flag(ids, 1);
	rc = gs_links_load(&run, write_file(links, sizeof(links) - 1), in, 0,
			   &e);
	unlink(ipath);
	gs_ingest_free(in);
	gs_profile_release(&p);
	cr_assert_eq(rc, 0, "%s", e.msg);
	/* I-2 is read and not flagged: no error, not unknown */
	cr_expect_eq(run.counts.links_read, 5);
	cr_expect_eq(run.counts.links_unknown_intel, 3);
	cr_expect_eq(run.nflagged, 1);
	cr_expect_eq(run.flagged[0].nentities, 1);
}

struct file_error_case {
	const char *text;
	long line;
	const char *msg;
};

static struct file_error_case file_errors[] = {
	{"", 0, "file is empty: no header row"},
	{" Intel_ID ,Entity_Kind,entity_ref\nI-1,person,P-1\n", 1,
	 "missing required column \"entity_type\"; columns found: Intel_ID, "
	 "Entity_Kind, entity_ref"},
	{"intel_id,entity_type,entity_ref, INTEL_ID\n", 1,
	 "column \"intel_id\" appears twice (columns 1 and 4)"},
	{"intel_id,\"entity_type\"x,entity_ref\n", 1,
	 "text after the closing quote (field 2)"},
};

Test(links, file_errors_name_the_file_and_reason)
{
	for (size_t i = 0; i < sizeof(file_errors) / sizeof(*file_errors);
	     i++) {
		const struct file_error_case *c = &file_errors[i];
		struct gs_error e;

		gs_error_clear(&e);
		cr_expect_eq(gs_links_load(&run,
					   write_file(c->text, strlen(c->text)),
					   NULL, 0, &e),
			     GS_ERR_INPUT, "case %zu", i);
		cr_expect_str_eq(e.file, path, "case %zu", i);
		cr_expect_eq(e.line, c->line, "case %zu: line %ld", i, e.line);
		cr_expect_str_eq(e.msg, c->msg, "case %zu", i);
		cr_expect_eq(run.nrejects, 0, "case %zu", i);
		unlink(path);
		path[0] = '\0';
	}
}

Test(links, missing_file_is_a_file_error)
{
	struct gs_error e;

	cr_expect_eq(gs_links_load(&run, "/nonexistent/links.csv", NULL, 0, &e),
		     GS_ERR_INPUT);
	cr_expect_str_eq(e.file, "/nonexistent/links.csv");
	cr_expect_str_eq(e.msg, "cannot open: No such file or directory");
}
