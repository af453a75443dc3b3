-- A Message-ID may be longer than a btree row can hold (~2.7 kB): the uniqueness rule is kept on
-- a SHA-256 of it instead, so any Message-ID can be stored and found again.
-- A database never changes its encoding, which makes the conversion below immutable in
-- practice; PostgreSQL only marks it stable.
CREATE FUNCTION mail_message_key(message_id text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN sha256(convert_to(message_id, 'UTF8'));

DROP INDEX mail_messages_internet_message_id_key;
CREATE UNIQUE INDEX mail_messages_internet_message_id_key
    ON mail_messages (mail_message_key(internet_message_id)) WHERE internet_message_id IS NOT NULL;
