-- Schema version 2 as commit f8be504 first wrote it: version 1 plus
-- run_months and a chains table without its counts. Later commits
-- changed what "version 2" creates (fb25e8d, 542ce2b) without a new
-- version number, so databases in this shape exist with user_version 2.
-- Apply after v1.sql; never edit.
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
