-- Feedback: the team's suggestion box. Items (bug, idea, question) with votes, replies and
-- attachments (files and screen captures, stored here). Every role may post: the author of an
-- item, vote, reply or attachment is the login (session user) as PostgreSQL sees it, whatever
-- the client sends. An item is deleted (soft) by its author or an admin and removed for good
-- only by an admin, only after that.

CREATE TABLE feedback_items (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('bug', 'idea', 'question')),
    title       text NOT NULL CHECK (btrim(title) <> ''),
    body        text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'planned', 'done', 'declined')),
    -- Where the item was written: pane, filter, cursor row, program version.
    context     jsonb NOT NULL DEFAULT '{}',
    author      text NOT NULL DEFAULT session_user,
    -- The operator name of the seat, as configured (the author is the login).
    operator    text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);

CREATE TABLE feedback_votes (
    item_id     bigint NOT NULL REFERENCES feedback_items (id) ON DELETE CASCADE,
    db_user     text NOT NULL DEFAULT session_user,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (item_id, db_user)
);

CREATE TABLE feedback_replies (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id     bigint NOT NULL REFERENCES feedback_items (id) ON DELETE CASCADE,
    body        text NOT NULL CHECK (btrim(body) <> ''),
    author      text NOT NULL DEFAULT session_user,
    operator    text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_replies_item ON feedback_replies (item_id, created_at);

CREATE TABLE feedback_attachments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id     bigint NOT NULL REFERENCES feedback_items (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (btrim(name) <> ''),
    media_type  text NOT NULL,
    size        integer NOT NULL DEFAULT 0,
    data        bytea NOT NULL,
    author      text NOT NULL DEFAULT session_user,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_attachments_item ON feedback_attachments (item_id, id);

-- The author is the login, set here so that no client can name another.
CREATE FUNCTION backupchecks_feedback_author() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'feedback_votes' THEN
        NEW.db_user := session_user;
    ELSE
        NEW.author := session_user;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER feedback_items_author BEFORE INSERT ON feedback_items
    FOR EACH ROW EXECUTE FUNCTION backupchecks_feedback_author();
CREATE TRIGGER feedback_votes_author BEFORE INSERT ON feedback_votes
    FOR EACH ROW EXECUTE FUNCTION backupchecks_feedback_author();
CREATE TRIGGER feedback_replies_author BEFORE INSERT ON feedback_replies
    FOR EACH ROW EXECUTE FUNCTION backupchecks_feedback_author();
CREATE TRIGGER feedback_attachments_author BEFORE INSERT ON feedback_attachments
    FOR EACH ROW EXECUTE FUNCTION backupchecks_feedback_author();

-- A deleted item takes no votes, replies or attachments until it is restored.
CREATE FUNCTION backupchecks_feedback_item_live() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM feedback_items WHERE id = NEW.item_id AND deleted_at IS NOT NULL)
    THEN
        RAISE EXCEPTION 'feedback item % is deleted', NEW.item_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER feedback_votes_item_live BEFORE INSERT ON feedback_votes
    FOR EACH ROW EXECUTE FUNCTION backupchecks_feedback_item_live();
CREATE TRIGGER feedback_replies_item_live BEFORE INSERT ON feedback_replies
    FOR EACH ROW EXECUTE FUNCTION backupchecks_feedback_item_live();
CREATE TRIGGER feedback_attachments_item_live BEFORE INSERT ON feedback_attachments
    FOR EACH ROW EXECUTE FUNCTION backupchecks_feedback_item_live();

-- An attachment's size is what it holds; its type and size obey the shared settings
-- (`feedback_attachment_types`, `feedback_attachment_max_kb`; the defaults below are the
-- program's). A screen capture is always allowed, within the size limit. The program checks the
-- same first, to say so in words; this holds for every client.
CREATE FUNCTION backupchecks_feedback_attachment_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    max_kb bigint;
    types jsonb;
BEGIN
    NEW.size := octet_length(NEW.data);
    SELECT (value #>> '{}')::bigint INTO max_kb FROM settings
        WHERE key = 'feedback_attachment_max_kb';
    SELECT value INTO types FROM settings WHERE key = 'feedback_attachment_types';
    max_kb := coalesce(max_kb, 5120);
    types := coalesce(types, '["image/png", "image/jpeg", "image/gif", "text/plain", "application/pdf"]');
    IF NEW.size > max_kb * 1024 THEN
        RAISE EXCEPTION 'attachment % is % bytes, over the limit of % KB', NEW.name, NEW.size, max_kb
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.media_type <> 'application/x-backupchecks-screen' AND NOT (types ? NEW.media_type) THEN
        RAISE EXCEPTION 'attachment % is of type %, which is not allowed', NEW.name, NEW.media_type
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER feedback_attachments_check BEFORE INSERT ON feedback_attachments
    FOR EACH ROW EXECUTE FUNCTION backupchecks_feedback_attachment_check();

-- Removed for good only after it was deleted (soft), for every login, the owner included.
CREATE TRIGGER feedback_items_deleted_first BEFORE DELETE ON feedback_items
    FOR EACH ROW EXECUTE FUNCTION backupchecks_deleted_first('feedback item');

-- Every open interface refreshes its Feedback pane (see 0002).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['feedback_items', 'feedback_votes', 'feedback_replies',
                             'feedback_attachments']
    LOOP
        EXECUTE format(
            'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I '
            'FOR EACH STATEMENT EXECUTE FUNCTION backupchecks_notify()',
            t || '_notify', t);
    END LOOP;
END;
$$;

-- Every role reads and posts; only what the columns below name can be written, so nobody sets
-- an author, a status or a deletion on insert. The author (or an admin) deletes and restores an
-- item; only admins change its status, remove it for good, and remove replies and attachments.
DO $$
DECLARE
    g text;
BEGIN
    FOREACH g IN ARRAY ARRAY['backupchecks_viewer', 'backupchecks_reporter',
                             'backupchecks_operator', 'backupchecks_admin']
    LOOP
        PERFORM backupchecks_grant('SELECT', 'feedback_items', g);
        PERFORM backupchecks_grant('SELECT', 'feedback_votes', g);
        PERFORM backupchecks_grant('SELECT', 'feedback_replies', g);
        PERFORM backupchecks_grant('SELECT', 'feedback_attachments', g);
        PERFORM backupchecks_grant('INSERT (kind, title, body, context, operator)',
                                   'feedback_items', g);
        PERFORM backupchecks_grant('UPDATE (deleted_at, updated_at)', 'feedback_items', g);
        PERFORM backupchecks_grant('INSERT (item_id), DELETE', 'feedback_votes', g);
        PERFORM backupchecks_grant('INSERT (item_id, body, operator)', 'feedback_replies', g);
        PERFORM backupchecks_grant('INSERT (item_id, name, media_type, data)',
                                   'feedback_attachments', g);
    END LOOP;
    PERFORM backupchecks_grant('UPDATE, DELETE', 'feedback_items', 'backupchecks_admin');
    PERFORM backupchecks_grant('DELETE', 'feedback_replies', 'backupchecks_admin');
    PERFORM backupchecks_grant('DELETE', 'feedback_attachments', 'backupchecks_admin');
END;
$$;

-- Rows: an item is changed by its author or an admin; a vote is taken back only by its voter.
-- (The owner of the tables, who runs migrations, is not bound by these policies.)
ALTER TABLE feedback_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY feedback_items_read ON feedback_items FOR SELECT USING (true);
CREATE POLICY feedback_items_post ON feedback_items FOR INSERT WITH CHECK (true);
CREATE POLICY feedback_items_own ON feedback_items FOR UPDATE
    USING (author = session_user) WITH CHECK (author = session_user);
ALTER TABLE feedback_votes ENABLE ROW LEVEL SECURITY;
CREATE POLICY feedback_votes_read ON feedback_votes FOR SELECT USING (true);
CREATE POLICY feedback_votes_cast ON feedback_votes FOR INSERT WITH CHECK (true);
CREATE POLICY feedback_votes_own ON feedback_votes FOR DELETE USING (db_user = session_user);
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'backupchecks_admin') THEN
        CREATE POLICY feedback_items_admin ON feedback_items FOR ALL TO backupchecks_admin
            USING (true) WITH CHECK (true);
    END IF;
END;
$$;
