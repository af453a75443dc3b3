-- Custom parser rules: formats no built-in parser knows, described by an admin and tried after
-- the built-in parsers in `position` order. The rule itself is a JSON document (see
-- src/parsers/rules.rs); the program checks it before saving.
CREATE TABLE parser_rules (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
    position    integer NOT NULL,
    definition  jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Everyone reads the rules (the importer of any seat applies them); only admins change them.
DO $$
DECLARE
    g text;
BEGIN
    FOREACH g IN ARRAY ARRAY['backupchecks_viewer', 'backupchecks_reporter',
                             'backupchecks_operator', 'backupchecks_admin']
    LOOP
        PERFORM backupchecks_grant('SELECT', 'parser_rules', g);
    END LOOP;
    PERFORM backupchecks_grant('INSERT, UPDATE, DELETE', 'parser_rules', 'backupchecks_admin');
END;
$$;
