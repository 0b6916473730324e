-- The append-only history, one line a table: its rows, its highest id and a
-- digest of every row (the sum of a 64-bit hash of each row's text, so that
-- it needs no memory however long the table). Two databases that print the
-- same lines hold the same history.
--
--   psql --no-psqlrc --tuples-only --dbname=cdcs --file=deploy/postgresql/history_fingerprint.sql
--
-- The session's time zone and date style are fixed: a row's text must not
-- depend on the server's or the client's settings. The lines are psql's
-- unaligned format, cells joined by "|" and never padded: the aligned format
-- pads a column to its widest value, so that one table's new figures (a
-- digest one digit shorter) would re-pad the other tables' lines, and a diff
-- would name tables whose history is the same.
\set QUIET on
\pset format unaligned
\pset tuples_only on
SET TIME ZONE 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 1;

SELECT 'campaigns_campaignevent' AS history, count(*) AS rows, coalesce(max(id), 0) AS last_id,
       coalesce(sum(hashtextextended(t::text, 0)::numeric), 0) AS digest
  FROM campaigns_campaignevent t
UNION ALL
SELECT 'organisation_changerecord', count(*), coalesce(max(id), 0),
       coalesce(sum(hashtextextended(t::text, 0)::numeric), 0)
  FROM organisation_changerecord t
UNION ALL
SELECT 'audit_auditentry', count(*), coalesce(max(id), 0),
       coalesce(sum(hashtextextended(t::text, 0)::numeric), 0)
  FROM audit_auditentry t;
