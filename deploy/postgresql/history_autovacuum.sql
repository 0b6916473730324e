-- Autovacuum for the append-only history (the campaign events, the
-- organisation history, the audit log, and each yearly partition of the
-- campaign events once they are partitioned): the tables that carry an
-- "*_append_only*" trigger, as `manage.py create_app_role` finds them.
--
--   psql --no-psqlrc --set=ON_ERROR_STOP=1 --dbname=cdcs --file=deploy/postgresql/history_autovacuum.sql
--
-- Run it as the owner of the tables once after the first migrate, and again
-- after adding a partition (add_campaign_history_year.sql runs it itself).
-- It is idempotent.
--
-- Why: these tables are only ever inserted into. They never have dead rows,
-- so the usual trigger of autovacuum (20 % of the rows dead) never fires;
-- what fires is the insert threshold (PostgreSQL 13 and later), by default
-- after 20 % new rows: 3 million on a national campaign history. Until then
-- the new pages are not marked all-visible (index-only scans read the
-- table) and not frozen, and one day an anti-wraparound vacuum has to read
-- and rewrite the whole table at once. Here a vacuum comes after 1 % new
-- rows and freezes what it visits (a row that is never updated can be
-- frozen at once: freeze_min_age 0), and the planner's statistics are
-- refreshed as often, so that its estimates follow the table's growth.
-- A partitioned parent takes no autovacuum options (its partitions do).
SELECT format('ALTER TABLE %I.%I SET (autovacuum_vacuum_insert_scale_factor = 0.01, '
              'autovacuum_vacuum_insert_threshold = 10000, autovacuum_analyze_scale_factor = 0.01, '
              'autovacuum_analyze_threshold = 10000, autovacuum_freeze_min_age = 0)',
              n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND n.nspname = current_schema()
   AND EXISTS (SELECT 1 FROM pg_trigger t
                WHERE t.tgrelid = c.oid AND NOT t.tgisinternal AND t.tgname LIKE '%append_only%')
 ORDER BY c.relname
\gexec
