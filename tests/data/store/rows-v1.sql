-- One run as a version-1 gapscan stored it (only version-1 columns, named
-- where a later version added some), for
-- the migration tests: apply after v1.sql (and a v2-*.sql). As of
-- 2026-10-01 (day 20727), SLA 7: I-1 a gap of 59 days, I-2 actioned
-- after 5 days by A-1. Synthetic.
INSERT INTO runs VALUES (1, '0.0.9', '2026-10-01T08:00:00Z',
 '2026-10-01T08:00:02Z', 2.0, '2026-10-01', 20727, 7, 3, 'default',
 'profiles/default.json', '', 'rules', '2026.09', 'old-rules-hash',
 4, 1, 3, 2, 1, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4096);
INSERT INTO inputs VALUES (1, 'intel', 'data/intel-2026-09.csv',
 'intel-2026-09.csv', 4096, 'old-intel-sha');
INSERT INTO inputs VALUES (1, 'actions', 'data/actions-2026-09.csv',
 'actions-2026-09.csv', 512, 'old-actions-sha');
INSERT INTO assessments (run_id, record_id, line, logged_day,
 logged_date, logged_month, district, unit, grading, priority, subjects, sla,
 score, status, days, first_action_id, first_action_type, first_action_day,
 first_action_date, rules) VALUES (1, 'I-1', 2, 20668, '2026-08-03', '2026-08',
 'North', 'CID North', '1B P', NULL, 'S-1', 7, 5, 'gap', 59, NULL, NULL,
 NULL, NULL, 'cse.grooming.gifts;cse.older.partner');
INSERT INTO assessments (run_id, record_id, line, logged_day,
 logged_date, logged_month, district, unit, grading, priority, subjects, sla,
 score, status, days, first_action_id, first_action_type, first_action_day,
 first_action_date, rules) VALUES (1, 'I-2', 3, 20675, '2026-08-10', '2026-08',
 'South', 'Response 3', '2C P', NULL, 'S-2', 7, 3, 'actioned', 5, 'A-1',
 'referral', 20680, '2026-08-15', 'cse.older.partner');
INSERT INTO assessment_rules VALUES (1, 'I-1', 'cse.grooming.gifts');
INSERT INTO assessment_rules VALUES (1, 'I-1', 'cse.older.partner');
INSERT INTO assessment_rules VALUES (1, 'I-2', 'cse.older.partner');
INSERT INTO hits VALUES (1, 'I-1', 'cse.grooming.gifts', 'narrative', 0,
 10, 22, 'active', NULL);
INSERT INTO hits VALUES (1, 'I-1', 'cse.older.partner', 'narrative', 0,
 30, 41, 'active', NULL);
INSERT INTO hits VALUES (1, 'I-2', 'cse.older.partner', 'narrative', 0,
 4, 15, 'active', NULL);
INSERT INTO rejects VALUES (1, 'data/intel-2026-09.csv', 5, 'bad date');
INSERT INTO dq_findings VALUES (1, 'unknown_intel_id', 'A-9', 'I-99', 3);
INSERT INTO overrides VALUES (1, 'cse.grooming.gifts', 'pilot',
 'weight 3 -> 2');
INSERT INTO run_rules VALUES (1, 0, 'cse.grooming.gifts', 'grooming', 2, 0, 0);
INSERT INTO run_rules VALUES (1, 1, 'cse.older.partner', 'older_associates',
 3, 0, 0);
