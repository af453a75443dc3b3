-- Team roles, enforced by PostgreSQL: four NOLOGIN group roles and what each may do here.
-- Logins (one per operator) are members of these groups; a seat acts as one of them at a time
-- (SET ROLE). Roles are cluster-wide: they are created only when missing, and a concurrent
-- migration of another database in the same cluster creating the same role is not an error.
-- A migrating login that may not create roles leaves the groups out: the database then works
-- for its owner alone, as before, and `users` says why it cannot add anyone.

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['backupchecks_viewer', 'backupchecks_reporter',
                             'backupchecks_operator', 'backupchecks_admin']
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN NULL;
                WHEN insufficient_privilege THEN
                    RAISE NOTICE 'role % not created: this login may not create roles', r;
            END;
        END IF;
    END LOOP;
END;
$$;

-- GRANT to a group role when it exists (see above); later migrations use it for new tables.
CREATE FUNCTION backupchecks_grant(privileges text, on_table text, to_role text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = to_role) THEN
        EXECUTE format('GRANT %s ON %I TO %I', privileges, on_table, to_role);
    END IF;
END;
$$;
REVOKE ALL ON FUNCTION backupchecks_grant(text, text, text) FROM PUBLIC;

DO $$
DECLARE
    t text;
    g text;
BEGIN
    -- Everyone reads everything but the audit log; the audit log is append-only for all.
    FOREACH g IN ARRAY ARRAY['backupchecks_viewer', 'backupchecks_reporter',
                             'backupchecks_operator', 'backupchecks_admin']
    LOOP
        FOREACH t IN ARRAY ARRAY['customers', 'jobs', 'mail_messages', 'mail_objects',
                                 'job_runs', 'run_objects', 'overrides', 'tickets',
                                 'ticket_scopes', 'ticket_job_runs', 'remarks', 'remark_scopes',
                                 'remark_job_runs', 'settings', 'autotask_picklists',
                                 '_sqlx_migrations']
        LOOP
            PERFORM backupchecks_grant('SELECT', t, g);
        END LOOP;
        -- INSERT … RETURNING id needs the id readable, and nothing else of the log.
        PERFORM backupchecks_grant('INSERT, SELECT (id)', 'audit_log', g);
    END LOOP;

    -- Operators review, approve, import, manage customers and jobs, create tickets, remarks
    -- and overrides. They never rewrite what a mail said, never delete rows for good and never
    -- change settings.
    PERFORM backupchecks_grant('INSERT, UPDATE', 'customers', 'backupchecks_operator');
    PERFORM backupchecks_grant('INSERT, UPDATE', 'jobs', 'backupchecks_operator');
    PERFORM backupchecks_grant(
        'INSERT, UPDATE (location, parser_name, backup_software, backup_type, job_name, '
        'parsed_status, parse_message, informational, parsed_at, parse_error, unparsed_reason, '
        'job_id, deleted_at)', 'mail_messages', 'backupchecks_operator');
    -- A mail's objects are derived from its text and replaced when it is parsed again.
    PERFORM backupchecks_grant('INSERT, DELETE', 'mail_objects', 'backupchecks_operator');
    PERFORM backupchecks_grant(
        'INSERT, UPDATE (reviewed_at, reviewed_by, remark, effective_status, override_applied, '
        'autotask_ticket_id, autotask_ticket_number, autotask_ticket_created_at, '
        'autotask_ticket_created_by, autotask_ticket_deleted_at)',
        'job_runs', 'backupchecks_operator');
    PERFORM backupchecks_grant('INSERT, UPDATE (override_applied)', 'run_objects',
                               'backupchecks_operator');
    PERFORM backupchecks_grant('INSERT, UPDATE', 'overrides', 'backupchecks_operator');
    FOREACH t IN ARRAY ARRAY['tickets', 'ticket_scopes', 'remarks', 'remark_scopes']
    LOOP
        PERFORM backupchecks_grant('INSERT, UPDATE', t, 'backupchecks_operator');
    END LOOP;
    PERFORM backupchecks_grant('INSERT', 'ticket_job_runs', 'backupchecks_operator');
    PERFORM backupchecks_grant('INSERT', 'remark_job_runs', 'backupchecks_operator');
    -- A cache of Autotask's picklists, refreshed by whichever seat polls Autotask.
    PERFORM backupchecks_grant('INSERT, UPDATE, DELETE', 'autotask_picklists',
                               'backupchecks_operator');
    -- Only the refresh stamps of that cache; the policies below keep the rest admin's.
    PERFORM backupchecks_grant('INSERT, UPDATE', 'settings', 'backupchecks_operator');

    -- Admins do everything, but the audit log stays append-only even for them.
    FOREACH t IN ARRAY ARRAY['customers', 'jobs', 'mail_messages', 'mail_objects', 'job_runs',
                             'run_objects', 'overrides', 'tickets', 'ticket_scopes',
                             'ticket_job_runs', 'remarks', 'remark_scopes', 'remark_job_runs',
                             'settings', 'autotask_picklists']
    LOOP
        PERFORM backupchecks_grant('SELECT, INSERT, UPDATE, DELETE', t, 'backupchecks_admin');
    END LOOP;
    PERFORM backupchecks_grant('SELECT', 'audit_log', 'backupchecks_admin');
END;
$$;

-- Settings: readable by all, changed by admins; operators may stamp the picklist refreshes.
-- (The owner of the tables, who runs migrations, is not bound by these policies.)
ALTER TABLE settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY settings_read ON settings FOR SELECT USING (true);
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'backupchecks_admin') THEN
        CREATE POLICY settings_admin ON settings FOR ALL TO backupchecks_admin
            USING (true) WITH CHECK (true);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'backupchecks_operator') THEN
        CREATE POLICY settings_picklist_stamps ON settings FOR ALL TO backupchecks_operator
            USING (key LIKE 'autotask\_picklists\_refreshed\_at.%')
            WITH CHECK (key LIKE 'autotask\_picklists\_refreshed\_at.%');
    END IF;
END;
$$;

-- A Missed run stands down when its mail arrives late. Operators may not delete runs, so the
-- importer does it through this function, which deletes nothing else.
CREATE FUNCTION backupchecks_drop_missed_slot(p_job_id bigint, p_slot date)
RETURNS boolean LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    WITH d AS (
        DELETE FROM public.job_runs
        WHERE job_id = p_job_id AND missed AND slot_date = p_slot AND reviewed_at IS NULL
        RETURNING 1
    )
    SELECT count(*) > 0 FROM d;
$$;
REVOKE ALL ON FUNCTION backupchecks_drop_missed_slot(bigint, date) FROM PUBLIC;
DO $$
DECLARE
    g text;
BEGIN
    FOREACH g IN ARRAY ARRAY['backupchecks_operator', 'backupchecks_admin']
    LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = g) THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION backupchecks_drop_missed_slot(bigint, date) TO %I', g);
        END IF;
    END LOOP;
END;
$$;

-- A customer, job or mail is removed for good only after it was deleted (soft) first; that
-- holds for every login, the owner included.
CREATE FUNCTION backupchecks_deleted_first() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.deleted_at IS NULL THEN
        RAISE EXCEPTION 'a % is removed for good only after it was deleted', TG_ARGV[0]
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER customers_deleted_first BEFORE DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION backupchecks_deleted_first('customer');
CREATE TRIGGER jobs_deleted_first BEFORE DELETE ON jobs
    FOR EACH ROW EXECUTE FUNCTION backupchecks_deleted_first('job');
CREATE TRIGGER mail_messages_deleted_first BEFORE DELETE ON mail_messages
    FOR EACH ROW EXECUTE FUNCTION backupchecks_deleted_first('mail');

-- The audit log names the login that acted (the session user, which SET ROLE does not change),
-- whatever the client sends.
ALTER TABLE audit_log ALTER COLUMN db_user SET DEFAULT session_user;
CREATE FUNCTION backupchecks_audit_actor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.db_user := session_user;
    RETURN NEW;
END;
$$;
CREATE TRIGGER audit_log_actor BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION backupchecks_audit_actor();
