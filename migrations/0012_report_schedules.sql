-- Scheduled reports: schedules that say when which report is made and to whom it goes, and one
-- delivery record per schedule, period and part (the internal report, or one customer's own
-- report). The UNIQUE key of the deliveries is what makes "once per period" hold whichever
-- process or how many processes run the scheduler.

-- Where a customer's own report is mailed; NULL: the customer gets none.
ALTER TABLE customers ADD COLUMN contact_email text
    CHECK (contact_email IS NULL OR contact_email ~ '^[^@[:space:]]+@[^@[:space:]]+$');

CREATE TABLE report_schedules (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CHECK (btrim(name) <> ''),
    -- monthly: `day` is the day of the month (1–31, the last day in shorter months) and the
    -- report covers the previous month; weekly: `day` is the ISO weekday (1 Monday – 7 Sunday)
    -- and the report covers the previous week, Monday to Sunday.
    cadence         text NOT NULL CHECK (cadence IN ('monthly', 'weekly')),
    day             smallint NOT NULL,
    -- Local hour (configured time zone) from which the report is due on that day.
    hour            smallint NOT NULL DEFAULT 6 CHECK (hour BETWEEN 0 AND 23),
    -- NULL: every active customer.
    customer_ids    bigint[],
    formats         text[] NOT NULL CHECK (cardinality(formats) > 0
                        AND formats <@ ARRAY['pdf', 'html', 'csv', 'md', 'json']),
    -- Internal copies: these receive the report of the whole scope.
    recipients      text[] NOT NULL DEFAULT '{}',
    -- Each customer in scope with a contact address receives its own report.
    to_customers    boolean NOT NULL DEFAULT false,
    enabled         boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((cadence = 'monthly' AND day BETWEEN 1 AND 31)
        OR (cadence = 'weekly' AND day BETWEEN 1 AND 7))
);
CREATE UNIQUE INDEX report_schedules_name_key ON report_schedules (lower(name));

CREATE TABLE report_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schedule_id     bigint NOT NULL REFERENCES report_schedules (id) ON DELETE CASCADE,
    period_from     date NOT NULL,
    period_to       date NOT NULL,
    -- `internal`, or `customer:<id>` for a customer's own report.
    part            text NOT NULL,
    customer_id     bigint REFERENCES customers (id) ON DELETE SET NULL,
    -- generated: files written, not (yet) mailed; sending: the mail request is under way (a
    -- record found so by the next pass belongs to a process that stopped mid-send);
    -- sent: Graph accepted it; failed: Graph refused it or could not be reached, tried again
    -- at next_attempt_at; unknown: the request went out and no answer came back, so the mail
    -- may have been sent: never sent again without an operator.
    state           text NOT NULL CHECK (state IN ('generated', 'sending', 'sent', 'failed',
                                                   'unknown')),
    recipients      text[] NOT NULL DEFAULT '{}',
    -- The files written, and the SHA-256 of each, in the same order.
    paths           text[] NOT NULL DEFAULT '{}',
    checksums       text[] NOT NULL DEFAULT '{}',
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error      text,
    -- Something the operator should know about a sent mail (attachments left out, say).
    note            text,
    generated_at    timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (schedule_id, period_from, part)
);
CREATE INDEX report_deliveries_open ON report_deliveries (state)
    WHERE state IN ('generated', 'sending', 'failed', 'unknown');

DO $$
DECLARE
    t text;
    g text;
BEGIN
    FOREACH t IN ARRAY ARRAY['report_schedules', 'report_deliveries']
    LOOP
        -- Everyone who sees reports sees the schedules and what became of them.
        FOREACH g IN ARRAY ARRAY['backupchecks_viewer', 'backupchecks_reporter',
                                 'backupchecks_operator', 'backupchecks_admin']
        LOOP
            PERFORM backupchecks_grant('SELECT', t, g);
        END LOOP;
        EXECUTE format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION backupchecks_notify()',
            t || '_notify', t);
    END LOOP;
    -- The scheduler runs with the rights of the services (operators and admins) and records
    -- its deliveries; only admins change schedules or settle a delivery by hand.
    PERFORM backupchecks_grant('INSERT, UPDATE', 'report_deliveries', 'backupchecks_operator');
    PERFORM backupchecks_grant('SELECT, INSERT, UPDATE, DELETE', 'report_schedules',
                               'backupchecks_admin');
    PERFORM backupchecks_grant('SELECT, INSERT, UPDATE, DELETE', 'report_deliveries',
                               'backupchecks_admin');
END;
$$;
