-- Raw mail and its bodies are compressed with lz4 where the server has it. Delivered report
-- mail is kilobytes of transport headers and HTML, and the default method (pglz) made the server
-- spend longer compressing a mail than storing it. Values stored before keep their method; a
-- server built without lz4 keeps the default.
DO $$
BEGIN
    EXECUTE 'ALTER TABLE mail_messages
        ALTER COLUMN raw_eml SET COMPRESSION lz4,
        ALTER COLUMN html_body SET COMPRESSION lz4,
        ALTER COLUMN text_body SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this server has no lz4: mail keeps the default compression';
END
$$;
