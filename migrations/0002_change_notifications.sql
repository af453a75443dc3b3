-- Every change to what the screens show is announced on channel `backupchecks` (payload: the
-- table), so every open interface refreshes within a second, whichever process made the change.
-- Statement-level, so a bulk import sends one notification per statement, and PostgreSQL folds
-- identical notifications of one transaction into one.

CREATE FUNCTION backupchecks_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('backupchecks', TG_TABLE_NAME);
    RETURN NULL;
END;
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['customers', 'jobs', 'mail_messages', 'job_runs', 'run_objects',
                             'overrides', 'tickets', 'ticket_scopes', 'ticket_job_runs',
                             'remarks', 'remark_scopes', 'remark_job_runs', 'settings']
    LOOP
        EXECUTE format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION backupchecks_notify()',
            t || '_notify', t);
    END LOOP;
END;
$$;
