-- The whole backupchecks schema. Forward-only: later changes get their own migration.
-- Soft deletes use deleted_at; "reviewed", "resolved" and "archived" are timestamps, so the
-- audit trail keeps when something happened.

CREATE TABLE customers (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                    text NOT NULL CHECK (btrim(name) <> ''),
    active                  boolean NOT NULL DEFAULT true,
    autotask_company_id     bigint,
    autotask_company_name   text,
    autotask_mapping_status text CHECK (autotask_mapping_status IN ('ok', 'renamed', 'missing', 'invalid')),
    autotask_last_sync_at   timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    deleted_at              timestamptz
);
-- Names are unique regardless of case ("Acme" and "ACME" are one customer).
CREATE UNIQUE INDEX customers_name_key ON customers (lower(name));

CREATE TABLE jobs (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id         bigint NOT NULL REFERENCES customers (id),
    -- Identity: normalised sender, software, type and job name.
    from_address        text NOT NULL CHECK (from_address = lower(from_address)),
    backup_software     text NOT NULL,
    backup_type         text NOT NULL,
    job_name            text NOT NULL,
    informational       boolean NOT NULL DEFAULT false,
    archived_at         timestamptz,
    learned_schedule    jsonb,
    schedule_learned_at timestamptz,
    pinned_schedule     jsonb,
    -- Minutes after the expected time before a slot counts as missed (NULL: setting).
    grace_minutes       integer CHECK (grace_minutes IS NULL OR grace_minutes >= 0),
    created_at          timestamptz NOT NULL DEFAULT now(),
    deleted_at          timestamptz,
    CONSTRAINT jobs_identity_key UNIQUE (from_address, backup_software, backup_type, job_name)
);
CREATE INDEX jobs_customer_idx ON jobs (customer_id);

CREATE TABLE mail_messages (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Where the mail came from: graph, folder, demo.
    source              text NOT NULL,
    -- The source's own id (Graph message id, file name); Graph changes it on move.
    source_id           text,
    internet_message_id text,
    from_address        text NOT NULL DEFAULT '' CHECK (from_address = lower(from_address)),
    from_name           text,
    subject             text NOT NULL DEFAULT '',
    received_at         timestamptz NOT NULL,
    text_body           text,
    html_body           text,
    raw_eml             bytea,
    location            text NOT NULL DEFAULT 'inbox' CHECK (location IN ('inbox', 'processed', 'deleted')),
    -- Parse result; parser_name NULL with parsed_at set means no parser recognised the mail.
    parser_name         text,
    backup_software     text,
    backup_type         text,
    job_name            text,
    parsed_status       text CHECK (parsed_status IN ('Success', 'Warning', 'Failed', 'Unknown')),
    parse_message       text,
    informational       boolean NOT NULL DEFAULT false,
    parsed_at           timestamptz,
    parse_error         text,
    unparsed_reason     text,
    job_id              bigint REFERENCES jobs (id),
    imported_at         timestamptz NOT NULL DEFAULT now(),
    deleted_at          timestamptz
);
-- Idempotency: one row per internet message id, and per source id.
CREATE UNIQUE INDEX mail_messages_internet_message_id_key
    ON mail_messages (internet_message_id) WHERE internet_message_id IS NOT NULL;
CREATE UNIQUE INDEX mail_messages_source_key
    ON mail_messages (source, source_id) WHERE source_id IS NOT NULL;
-- The Inbox: waiting (unapproved, not deleted) mail by time, and by identity for approval.
CREATE INDEX mail_messages_waiting_idx
    ON mail_messages (received_at DESC) WHERE job_id IS NULL AND deleted_at IS NULL;
CREATE INDEX mail_messages_waiting_identity_idx
    ON mail_messages (from_address, backup_software, backup_type, job_name)
    WHERE job_id IS NULL AND deleted_at IS NULL;
CREATE INDEX mail_messages_job_idx ON mail_messages (job_id) WHERE job_id IS NOT NULL;

CREATE TABLE mail_objects (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mail_id     bigint NOT NULL REFERENCES mail_messages (id) ON DELETE CASCADE,
    position    integer NOT NULL,
    name        text NOT NULL,
    object_type text,
    status      text NOT NULL CHECK (status IN ('Success', 'Warning', 'Failed', 'Unknown')),
    message     text,
    CONSTRAINT mail_objects_position_key UNIQUE (mail_id, position)
);

CREATE TABLE overrides (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    level            text NOT NULL CHECK (level IN ('global', 'job', 'object')),
    backup_software  text,
    backup_type      text,
    job_id           bigint REFERENCES jobs (id) ON DELETE CASCADE,
    object_name      text,
    match_status     text CHECK (match_status IN ('Success', 'Warning', 'Failed', 'Unknown', 'Missed')),
    match_text       text,
    match_mode       text NOT NULL DEFAULT 'contains'
                     CHECK (match_mode IN ('contains', 'exact', 'starts_with', 'ends_with')),
    treat_as_success boolean NOT NULL DEFAULT true,
    valid_from       timestamptz,
    valid_until      timestamptz,
    comment          text,
    active           boolean NOT NULL DEFAULT true,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz,
    CHECK (
        (level = 'global' AND backup_software IS NOT NULL AND job_id IS NULL AND object_name IS NULL)
        OR (level = 'job' AND job_id IS NOT NULL AND object_name IS NULL)
        OR (level = 'object' AND job_id IS NOT NULL AND object_name IS NOT NULL)
    ),
    CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_until > valid_from)
);
CREATE INDEX overrides_job_idx ON overrides (job_id) WHERE active;
CREATE INDEX overrides_global_idx ON overrides (backup_software, backup_type) WHERE active AND level = 'global';

CREATE TABLE job_runs (
    id                         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id                     bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    mail_id                    bigint REFERENCES mail_messages (id) ON DELETE SET NULL,
    run_at                     timestamptz NOT NULL,
    parsed_status              text NOT NULL
                               CHECK (parsed_status IN ('Success', 'Warning', 'Failed', 'Unknown', 'Missed')),
    effective_status           text NOT NULL
                               CHECK (effective_status IN ('Success', 'Warning', 'Failed', 'Unknown', 'Missed', 'Success (override)')),
    override_applied           boolean NOT NULL DEFAULT false,
    message                    text,
    missed                     boolean NOT NULL DEFAULT false,
    -- The schedule slot (local date) a Missed run stands for.
    slot_date                  date,
    reviewed_at                timestamptz,
    reviewed_by                text,
    remark                     text,
    autotask_ticket_id         bigint,
    autotask_ticket_number     text,
    autotask_ticket_created_at timestamptz,
    autotask_ticket_created_by text,
    autotask_ticket_deleted_at timestamptz,
    source_type                text NOT NULL DEFAULT 'mail' CHECK (source_type IN ('mail', 'missed', 'demo')),
    created_at                 timestamptz NOT NULL DEFAULT now(),
    CHECK (missed = (slot_date IS NOT NULL)),
    CHECK (NOT missed OR mail_id IS NULL)
);
-- One Missed run per job and slot; one run per mail.
CREATE UNIQUE INDEX job_runs_missed_slot_key ON job_runs (job_id, slot_date) WHERE missed;
CREATE UNIQUE INDEX job_runs_mail_key ON job_runs (mail_id) WHERE mail_id IS NOT NULL;
-- Run Checks: unreviewed runs by job; history: runs by job and time.
CREATE INDEX job_runs_unreviewed_idx ON job_runs (job_id, run_at) WHERE reviewed_at IS NULL;
CREATE INDEX job_runs_job_time_idx ON job_runs (job_id, run_at DESC);
-- Propagation of the newest live Autotask ticket of a job.
CREATE INDEX job_runs_autotask_idx ON job_runs (job_id, autotask_ticket_created_at DESC)
    WHERE autotask_ticket_id IS NOT NULL;

CREATE TABLE run_objects (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id           bigint NOT NULL REFERENCES job_runs (id) ON DELETE CASCADE,
    position         integer NOT NULL,
    name             text NOT NULL,
    object_type      text,
    status           text NOT NULL CHECK (status IN ('Success', 'Warning', 'Failed', 'Unknown')),
    message          text,
    override_applied boolean NOT NULL DEFAULT false,
    CONSTRAINT run_objects_position_key UNIQUE (run_id, position)
);

CREATE TABLE tickets (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- T20250123.0001, or the Autotask ticket number when it came from Autotask.
    ticket_code        text NOT NULL CHECK (btrim(ticket_code) <> ''),
    description        text NOT NULL DEFAULT '',
    active_from        date NOT NULL,
    autotask_ticket_id bigint,
    created_by         text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    resolved_at        timestamptz,
    resolved_by        text,
    CONSTRAINT tickets_ticket_code_key UNIQUE (ticket_code)
);
CREATE UNIQUE INDEX tickets_autotask_ticket_id_key ON tickets (autotask_ticket_id) WHERE autotask_ticket_id IS NOT NULL;

-- What a ticket covers: a job, every job of a customer, or one object of a job.
CREATE TABLE ticket_scopes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    scope_type  text NOT NULL CHECK (scope_type IN ('job', 'customer', 'object')),
    customer_id bigint REFERENCES customers (id) ON DELETE CASCADE,
    job_id      bigint REFERENCES jobs (id) ON DELETE CASCADE,
    object_name text,
    resolved_at timestamptz,
    CHECK (
        (scope_type = 'job' AND job_id IS NOT NULL AND object_name IS NULL)
        OR (scope_type = 'customer' AND customer_id IS NOT NULL AND job_id IS NULL)
        OR (scope_type = 'object' AND job_id IS NOT NULL AND object_name IS NOT NULL)
    )
);
CREATE INDEX ticket_scopes_ticket_idx ON ticket_scopes (ticket_id);
CREATE INDEX ticket_scopes_open_job_idx ON ticket_scopes (job_id) WHERE resolved_at IS NULL;
CREATE INDEX ticket_scopes_open_customer_idx ON ticket_scopes (customer_id) WHERE resolved_at IS NULL;

CREATE TABLE ticket_job_runs (
    ticket_id  bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    job_run_id bigint NOT NULL REFERENCES job_runs (id) ON DELETE CASCADE,
    -- manual (operator), propagated (new run of a scoped job), autotask (created from a run).
    link_source text NOT NULL DEFAULT 'manual' CHECK (link_source IN ('manual', 'propagated', 'autotask')),
    linked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticket_id, job_run_id)
);
CREATE INDEX ticket_job_runs_run_idx ON ticket_job_runs (job_run_id);

CREATE TABLE remarks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body        text NOT NULL CHECK (btrim(body) <> ''),
    active_from date NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    resolved_by text
);

CREATE TABLE remark_scopes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    remark_id   bigint NOT NULL REFERENCES remarks (id) ON DELETE CASCADE,
    scope_type  text NOT NULL CHECK (scope_type IN ('job', 'customer', 'object')),
    customer_id bigint REFERENCES customers (id) ON DELETE CASCADE,
    job_id      bigint REFERENCES jobs (id) ON DELETE CASCADE,
    object_name text,
    resolved_at timestamptz,
    CHECK (
        (scope_type = 'job' AND job_id IS NOT NULL AND object_name IS NULL)
        OR (scope_type = 'customer' AND customer_id IS NOT NULL AND job_id IS NULL)
        OR (scope_type = 'object' AND job_id IS NOT NULL AND object_name IS NOT NULL)
    )
);
CREATE INDEX remark_scopes_remark_idx ON remark_scopes (remark_id);
CREATE INDEX remark_scopes_open_job_idx ON remark_scopes (job_id) WHERE resolved_at IS NULL;
CREATE INDEX remark_scopes_open_customer_idx ON remark_scopes (customer_id) WHERE resolved_at IS NULL;

CREATE TABLE remark_job_runs (
    remark_id   bigint NOT NULL REFERENCES remarks (id) ON DELETE CASCADE,
    job_run_id  bigint NOT NULL REFERENCES job_runs (id) ON DELETE CASCADE,
    link_source text NOT NULL DEFAULT 'manual' CHECK (link_source IN ('manual', 'propagated')),
    linked_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (remark_id, job_run_id)
);
CREATE INDEX remark_job_runs_run_idx ON remark_job_runs (job_run_id);

-- Shared, non-secret policy (timezone, import interval, folders, Autotask defaults, grace).
CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text
);

-- Autotask picklists (queues, priorities, statuses, ...), refreshed daily.
CREATE TABLE autotask_picklists (
    entity       text NOT NULL,
    field        text NOT NULL,
    value        text NOT NULL,
    label        text NOT NULL,
    is_active    boolean NOT NULL DEFAULT true,
    sort_order   integer,
    parent_value text,
    refreshed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity, field, value)
);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    db_user     text NOT NULL DEFAULT current_user,
    operator    text,
    action      text NOT NULL,
    entity_type text,
    entity_id   bigint,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id);
