-- Adds the partition of one year to the partitioned campaign history
-- (after partition_campaign_history.sql), with its append-only triggers,
-- its autovacuum settings and the rights of the application's role.
--
--   psql --no-psqlrc --set=ON_ERROR_STOP=1 --set=year=2028 --dbname=cdcs \
--        --file=deploy/postgresql/add_campaign_history_year.sql
--
-- Run it as the owner of the tables, ahead of time (in the autumn for the
-- next year, or several years at once): an event dated in a year that has
-- no partition cannot be written, and the transition that writes it fails.
-- The monitoring in docs/operations.md watches the last partition's end.
-- The new partition takes the parent's row trigger by itself; its TRUNCATE
-- trigger is created here (a TRUNCATE of one partition fires no trigger of
-- the parent).
\set ON_ERROR_STOP on
\if :{?year}
\else
DO $$ BEGIN RAISE EXCEPTION 'give the year: psql --set=year=2028 …'; END $$;
\endif

SELECT format('campaigns_campaignevent_y%s', :'year'::int) AS partition_name,
       format('%s-01-01 00:00:00+07', :'year'::int) AS starts,
       format('%s-01-01 00:00:00+07', :'year'::int + 1) AS ends,
       pg_get_userbyid(relowner) AS table_owner
  FROM pg_class WHERE oid = 'campaigns_campaignevent'::regclass \gset

BEGIN;
CREATE TABLE :"partition_name" PARTITION OF campaigns_campaignevent FOR VALUES FROM (:'starts') TO (:'ends');
CREATE TRIGGER campaigns_event_append_only_truncate
    BEFORE TRUNCATE ON :"partition_name"
    FOR EACH STATEMENT EXECUTE FUNCTION campaigns_event_append_only();
ALTER TABLE :"partition_name" OWNER TO :"table_owner";
-- the parent's rights (none of the schema's default privileges)
SELECT format('REVOKE ALL ON %I FROM %s', :'partition_name', a.grantee::regrole)
  FROM pg_class c, aclexplode(c.relacl) a
 WHERE c.oid = :'partition_name'::regclass AND a.grantee NOT IN (0, c.relowner)
 GROUP BY a.grantee
\gexec
SELECT format('GRANT %s ON %I TO %s', string_agg(a.privilege_type, ', '), :'partition_name', a.grantee::regrole)
  FROM pg_class c, aclexplode(c.relacl) a
 WHERE c.oid = 'campaigns_campaignevent'::regclass AND a.grantee NOT IN (0, c.relowner)
 GROUP BY a.grantee
\gexec
COMMIT;
\ir history_autovacuum.sql
