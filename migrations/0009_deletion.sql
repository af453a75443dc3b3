-- Deleting customers and jobs: a deleted (soft) job or a job of a deleted customer takes no
-- new runs and no new mail, whichever login or program writes them, so its history stays as
-- it was until it is restored or removed for good. Unlinking (job_id NULL) is always allowed.
CREATE FUNCTION backupchecks_job_not_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.job_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM jobs j JOIN customers c ON c.id = j.customer_id
        WHERE j.id = NEW.job_id AND (j.deleted_at IS NOT NULL OR c.deleted_at IS NOT NULL)
    ) THEN
        RAISE EXCEPTION 'job % is deleted: restore it first', NEW.job_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER job_runs_job_not_deleted BEFORE INSERT ON job_runs
    FOR EACH ROW EXECUTE FUNCTION backupchecks_job_not_deleted();
CREATE TRIGGER mail_messages_job_not_deleted BEFORE INSERT OR UPDATE OF job_id ON mail_messages
    FOR EACH ROW EXECUTE FUNCTION backupchecks_job_not_deleted();

-- A job is brought back only under a customer that is not deleted.
CREATE FUNCTION backupchecks_job_restore_under_live_customer() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.deleted_at IS NULL AND EXISTS (
        SELECT 1 FROM customers c WHERE c.id = NEW.customer_id AND c.deleted_at IS NOT NULL
    ) THEN
        RAISE EXCEPTION 'the customer of job % is deleted: restore the customer first', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER jobs_restore_under_live_customer
    BEFORE UPDATE OF deleted_at, customer_id ON jobs
    FOR EACH ROW EXECUTE FUNCTION backupchecks_job_restore_under_live_customer();
