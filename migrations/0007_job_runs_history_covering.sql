-- The all-jobs history of a window (Daily Jobs, the missed-run check, reports) needs only the
-- time, job, id and status of each run: with them in the index it is read from the index alone,
-- not from runs scattered over the table (27 → 12 ms for a week of 10,000 jobs).
CREATE INDEX job_runs_history_idx ON job_runs (run_at) INCLUDE (job_id, id, effective_status);
DROP INDEX job_runs_run_at_idx;
