-- Retention: the raw `.eml` bytes of old mail may be dropped (the parsed mail, its objects and
-- its runs stay), and soft-deleted mail may be removed for good after a number of days. The
-- column says when the raw bytes went, so the viewers can say so instead of showing nothing.
ALTER TABLE mail_messages ADD COLUMN raw_dropped_at timestamptz;
ALTER TABLE mail_messages ADD CONSTRAINT mail_messages_raw_dropped_check
    CHECK (raw_dropped_at IS NULL OR raw_eml IS NULL);

-- The "older than N days" scans stay cheap at a million mails: only rows that still hold raw
-- bytes, and only deleted rows, are indexed, by the moment their age is measured from.
CREATE INDEX mail_messages_raw_kept_idx ON mail_messages (received_at)
    WHERE raw_eml IS NOT NULL;
CREATE INDEX mail_messages_deleted_at_idx ON mail_messages (deleted_at)
    WHERE deleted_at IS NOT NULL;
