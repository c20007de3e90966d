/*
 * gs_links.h - the POLE links file (scan --links): entities the
 * intelligence export does not hold, added to flagged records for
 * repeat-intelligence chains.
 *
 * The file is CSV (comma, RFC 4180, as gs_csv reads it) whose header names
 * intel_id, entity_type and entity_ref, matched like the main exports'
 * columns: ignoring ASCII case and the spaces around a name, in any order;
 * other columns (link_reason, ...) are ignored. Every row is read or
 * rejected, as in ingest: its field count must be the header's, the three
 * values must be valid UTF-8 without NUL bytes, and, trimmed of surrounding
 * spaces, not empty; entity_type is at most GS_LINKS_MAX_TYPE bytes without
 * a ':', entity_ref at most GS_LINKS_MAX_REF bytes and not empty once
 * normalised. A bad row becomes a reject in run->rejects (file, line,
 * reason) and reading goes on. A good row adds the entity "type:ref" (type
 * lower case, ref through gs_chains_normalise) to the flagged record with
 * that intel id; a link to a record that is not flagged changes nothing
 * (chains are made of flagged records), one to an id the export does not
 * hold is counted. docs/formats.md describes the file for users.
 */
#ifndef GS_LINKS_H
#define GS_LINKS_H

#include <stddef.h>

#include "gs_error.h"

struct gs_ingest;
struct gs_run;

#define GS_LINKS_MAX_TYPE 32  /* bytes of a trimmed entity_type */
#define GS_LINKS_MAX_REF  256 /* bytes of a trimmed entity_ref */

/* Reads the links file at path into run, whose flagged records are final:
 * entities go into an arena of the run (gs_run_arena), rejects into
 * run->rejects, and run->counts.links_read, links_rejected and
 * links_unknown_intel grow. known, when not NULL, is the intelligence
 * export's reader, still open, asked which ids it accepted; with NULL no
 * link counts as unknown. max_field bounds each field (bytes, 0: 1 MiB).
 * Returns 0, or GS_ERR_INPUT when the file cannot be used at all (cannot be
 * opened, no header row, a malformed header, a required column missing or
 * doubled, a read error), err naming the file and the reason. */
int gs_links_load(struct gs_run *run, const char *path,
		  const struct gs_ingest *known, size_t max_field,
		  struct gs_error *err);

#endif
