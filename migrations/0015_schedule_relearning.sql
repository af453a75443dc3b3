-- A job's schedule is relearned when its runs changed, or from the day its learning said the
-- result may change by itself (a run of the day it was learned counts from the next day; the
-- evidence of a stopped job runs out), or when the time zone changed; no longer every job on the
-- first pass of every day.
ALTER TABLE jobs
    ADD COLUMN schedule_relearn_on date,
    ADD COLUMN schedule_learned_tz text;

-- Jobs whose runs changed since the missed-run pass last looked: one row per job and statement,
-- written by the triggers below and removed by the pass once it relearned the job. A queue of
-- its own, not a column of jobs, so an import never waits for the row lock of a job the pass is
-- storing a schedule on.
CREATE TABLE job_schedule_changes (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id bigint NOT NULL
);

-- One function for both triggers: each names its transition table `changed_runs`.
CREATE FUNCTION backupchecks_note_changed_runs() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    INSERT INTO public.job_schedule_changes (job_id)
    SELECT DISTINCT job_id FROM changed_runs WHERE NOT missed;
    RETURN NULL;
END;
$$;
CREATE TRIGGER job_runs_schedule_changes AFTER INSERT ON job_runs
    REFERENCING NEW TABLE AS changed_runs
    FOR EACH STATEMENT EXECUTE FUNCTION backupchecks_note_changed_runs();
CREATE TRIGGER job_runs_schedule_removals AFTER DELETE ON job_runs
    REFERENCING OLD TABLE AS changed_runs
    FOR EACH STATEMENT EXECUTE FUNCTION backupchecks_note_changed_runs();

-- The pass may run on an operator's seat.
DO $$
BEGIN
    PERFORM backupchecks_grant('SELECT, DELETE', 'job_schedule_changes', 'backupchecks_operator');
    PERFORM backupchecks_grant('SELECT, DELETE', 'job_schedule_changes', 'backupchecks_admin');
END;
$$;
