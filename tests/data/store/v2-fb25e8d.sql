-- Schema version 2 as commits fb25e8d..87389fb wrote it: version 1 plus
-- excerpts, entities, language findings, run_months and a chains table
-- without its counts (no isolated_records, no runs.chains). Apply after
-- v1.sql; never edit.
ALTER TABLE assessments ADD COLUMN excerpt TEXT;
ALTER TABLE assessments ADD COLUMN mark_start INTEGER;
ALTER TABLE assessments ADD COLUMN mark_end INTEGER;
CREATE TABLE entities (
 run_id INTEGER NOT NULL REFERENCES runs(id),
 record_id TEXT NOT NULL, kind TEXT NOT NULL, value TEXT NOT NULL);
CREATE INDEX entities_run ON entities (run_id, kind, value);
CREATE TABLE language_findings (
 run_id INTEGER NOT NULL REFERENCES runs(id),
 record_id TEXT NOT NULL, unit TEXT, district TEXT,
 logged_day INTEGER, logged_date TEXT, rule_id TEXT NOT NULL);
CREATE INDEX language_findings_run ON language_findings (run_id);
CREATE TABLE run_months (
 run_id INTEGER NOT NULL REFERENCES runs(id),
 month TEXT NOT NULL, district TEXT NOT NULL DEFAULT '',
 records INTEGER NOT NULL, PRIMARY KEY (run_id, month, district));
CREATE TABLE chains (
 run_id INTEGER NOT NULL REFERENCES runs(id),
 chain_id INTEGER NOT NULL, key_type TEXT NOT NULL,
 key_value TEXT NOT NULL, record_id TEXT NOT NULL,
 logged_day INTEGER, status TEXT,
 PRIMARY KEY (run_id, chain_id, record_id));
PRAGMA user_version=2;
