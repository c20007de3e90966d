-- The run database as gapscan wrote it at schema version 1 (commit
-- f8be504, "store: run history in SQLite with versioned schema"), frozen
-- here so that migration tests start from what an old gapscan really
-- wrote, not from what today's migration code writes. Never edit.
CREATE TABLE runs (
 id INTEGER PRIMARY KEY,
 tool_version TEXT NOT NULL,
 started_at TEXT, finished_at TEXT, seconds REAL,
 as_of TEXT NOT NULL, as_of_day INTEGER NOT NULL,
 sla_days INTEGER, threshold INTEGER,
 profile_name TEXT, profile_path TEXT, profile_sha256 TEXT,
 rules_dir TEXT, rules_version TEXT, rules_hash TEXT,
 records_read INTEGER, rejected INTEGER, assessed INTEGER,
 flagged INTEGER, actioned INTEGER, late INTEGER, open INTEGER,
 gap INTEGER, indeterminate INTEGER, suppressed_only INTEGER,
 language INTEGER, actions_read INTEGER, actions_rejected INTEGER,
 actions_unknown_intel INTEGER, actions_before_log INTEGER,
 intel_bytes INTEGER);
CREATE TABLE inputs (
 run_id INTEGER NOT NULL REFERENCES runs(id),
 role TEXT NOT NULL, path TEXT, name TEXT, size INTEGER,
 sha256 TEXT, PRIMARY KEY (run_id, role));
CREATE TABLE assessments (
 run_id INTEGER NOT NULL REFERENCES runs(id),
 record_id TEXT NOT NULL, line INTEGER,
 logged_day INTEGER, logged_date TEXT, logged_month TEXT,
 district TEXT, unit TEXT, grading TEXT, priority TEXT,
 subjects TEXT, sla INTEGER, score INTEGER, status TEXT NOT NULL,
 days INTEGER, first_action_id TEXT, first_action_type TEXT,
 first_action_day INTEGER, first_action_date TEXT, rules TEXT);
CREATE INDEX assessments_record ON assessments (run_id, record_id);
CREATE TABLE assessment_rules (
 run_id INTEGER NOT NULL REFERENCES runs(id),
 record_id TEXT NOT NULL, rule_id TEXT NOT NULL);
CREATE INDEX assessment_rules_record ON assessment_rules (run_id, record_id);
CREATE TABLE hits (
 run_id INTEGER NOT NULL REFERENCES runs(id),
 record_id TEXT NOT NULL, rule_id TEXT NOT NULL, field TEXT,
 field_index INTEGER, start_byte INTEGER, end_byte INTEGER,
 state TEXT NOT NULL, cue_id TEXT);
CREATE INDEX hits_record ON hits (run_id, record_id);
CREATE TABLE rejects (
 run_id INTEGER NOT NULL REFERENCES runs(id),
 file TEXT, line INTEGER, reason TEXT);
CREATE INDEX rejects_run ON rejects (run_id);
CREATE TABLE rule_errors (
 run_id INTEGER NOT NULL REFERENCES runs(id),
 record_id TEXT, line INTEGER, rule_id TEXT, pcre2_code INTEGER);
CREATE INDEX rule_errors_run ON rule_errors (run_id);
CREATE TABLE dq_findings (
 run_id INTEGER NOT NULL REFERENCES runs(id),
 kind TEXT NOT NULL, action_id TEXT, intel_id TEXT, line INTEGER);
CREATE INDEX dq_findings_run ON dq_findings (run_id);
CREATE TABLE overrides (
 run_id INTEGER NOT NULL REFERENCES runs(id),
 rule_id TEXT NOT NULL, reason TEXT, what TEXT);
CREATE TABLE run_rules (
 run_id INTEGER NOT NULL REFERENCES runs(id),
 rule_index INTEGER NOT NULL, rule_id TEXT NOT NULL,
 category TEXT, weight INTEGER, is_language INTEGER,
 disabled INTEGER, PRIMARY KEY (run_id, rule_id));
PRAGMA user_version=1;
