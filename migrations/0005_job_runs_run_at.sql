-- The all-jobs history of a window (Daily Jobs, reports) reads runs by time across jobs; without
-- this index that is a scan of every run.
CREATE INDEX job_runs_run_at_idx ON job_runs (run_at);
