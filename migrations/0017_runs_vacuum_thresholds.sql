-- Runs are vacuumed after a few thousand changes rather than a fifth of the table. The week of
-- every job's runs (Daily Jobs) and the Run Checks queue are index-only scans; a run inserted or
-- reviewed since the last vacuum costs them a visit to the table, and at the server's defaults a
-- table of a million runs waits for 200,000 changes, weeks at a large MSP. Index cleanup is
-- always done: when it is skipped (few dead rows) the pages that held them stay unvisible.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE job_runs SET (
        autovacuum_vacuum_threshold = 5000,
        autovacuum_vacuum_scale_factor = 0,
        autovacuum_vacuum_insert_threshold = 5000,
        autovacuum_vacuum_insert_scale_factor = 0,
        vacuum_index_cleanup = on)';
EXCEPTION WHEN invalid_parameter_value THEN
    -- A server before PostgreSQL 13 has no insert thresholds.
    RAISE NOTICE 'this server keeps its vacuum defaults for runs';
END
$$;
