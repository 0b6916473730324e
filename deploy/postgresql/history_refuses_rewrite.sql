-- Shows that the append-only history still refuses to be rewritten: every
-- statement below must end in an error "… append-only (UPDATE refused)",
-- "(DELETE refused)" or "(TRUNCATE refused)", nine errors in all.
--
--   psql --no-psqlrc --dbname=cdcs_restored --file=deploy/postgresql/history_refuses_rewrite.sql
--
-- Harmless on any database: each statement runs in a transaction that is
-- rolled back, so even a table whose trigger were missing would keep its
-- rows (the missing error is the finding). A table must hold a row for its
-- UPDATE and DELETE to reach the trigger.
\set QUIET on
SET cdcs.allow_truncate = off;

BEGIN;
UPDATE campaigns_campaignevent SET id = id WHERE id = (SELECT min(id) FROM campaigns_campaignevent);
ROLLBACK;
BEGIN;
DELETE FROM campaigns_campaignevent WHERE id = (SELECT min(id) FROM campaigns_campaignevent);
ROLLBACK;
BEGIN;
TRUNCATE campaigns_campaignevent;
ROLLBACK;

BEGIN;
UPDATE organisation_changerecord SET id = id WHERE id = (SELECT min(id) FROM organisation_changerecord);
ROLLBACK;
BEGIN;
DELETE FROM organisation_changerecord WHERE id = (SELECT min(id) FROM organisation_changerecord);
ROLLBACK;
BEGIN;
TRUNCATE organisation_changerecord;
ROLLBACK;

BEGIN;
UPDATE audit_auditentry SET id = id WHERE id = (SELECT min(id) FROM audit_auditentry);
ROLLBACK;
BEGIN;
DELETE FROM audit_auditentry WHERE id = (SELECT min(id) FROM audit_auditentry);
ROLLBACK;
BEGIN;
TRUNCATE audit_auditentry;
ROLLBACK;
