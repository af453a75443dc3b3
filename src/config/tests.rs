use super::*;
use std::collections::HashMap;

fn no_env(_: &str) -> Option<String> {
    None
}

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

#[test]
fn empty_text_gives_defaults() {
    let l = parse("", Path::new("c.toml"), &no_env).unwrap();
    assert!(l.config.database.url.is_none());
    assert_eq!(l.config.log.level, "info");
    assert_eq!(l.config.graph.api_url, "https://graph.microsoft.com/v1.0");
    assert!(!l.config.ui.ascii);
}

#[test]
fn unknown_key_names_key_and_file() {
    let err = parse("[ui]\nasci = true\n", Path::new("/etc/bc.toml"), &no_env).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("/etc/bc.toml"), "{msg}");
    assert!(msg.contains("asci"), "{msg}");
}

#[test]
fn wrong_type_names_dotted_key() {
    let err = parse("[ui]\nascii = \"yes\"\n", Path::new("c.toml"), &no_env).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("key `ui.ascii`"), "{msg}");
    assert!(msg.contains("c.toml"), "{msg}");
}

#[test]
fn syntax_error_names_file() {
    let err = parse("[ui\n", Path::new("c.toml"), &no_env).unwrap_err();
    assert!(err.to_string().contains("c.toml"));
}

#[test]
fn env_overrides_file_and_database_url_fallback() {
    let text = "operator = \"ann\"\n[ui]\nascii = false\n";
    let env = env_of(&[
        ("BACKUPCHECKS_UI_ASCII", "yes"),
        ("DATABASE_URL", "postgres://x@h/db"),
    ]);
    let l = parse(text, Path::new("c.toml"), &env).unwrap();
    assert!(l.config.ui.ascii);
    assert_eq!(l.config.operator.as_deref(), Some("ann"));
    assert_eq!(
        l.config.database.url.as_ref().map(Secret::expose),
        Some("postgres://x@h/db")
    );
    // Our own variable beats the conventional one.
    let env = env_of(&[
        ("BACKUPCHECKS_DATABASE_URL", "postgres://ours/db"),
        ("DATABASE_URL", "postgres://theirs/db"),
    ]);
    let l = parse("", Path::new("c.toml"), &env).unwrap();
    assert_eq!(
        l.config.database.url.unwrap().expose(),
        "postgres://ours/db"
    );
}

#[test]
fn bad_env_value_names_variable() {
    let env = env_of(&[("BACKUPCHECKS_UI_MOUSE", "maybe")]);
    let err = parse("", Path::new("c.toml"), &env).unwrap_err();
    assert!(err.to_string().contains("BACKUPCHECKS_UI_MOUSE"), "{err}");
    let env = env_of(&[("BACKUPCHECKS_AUTOTASK_ENVIRONMENT", "staging")]);
    let err = parse("", Path::new("c.toml"), &env).unwrap_err();
    assert!(
        err.to_string()
            .contains("BACKUPCHECKS_AUTOTASK_ENVIRONMENT"),
        "{err}"
    );
}

#[test]
fn secret_file_is_read_and_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("s");
    std::fs::write(&secret, "s3cret\n").unwrap();
    let text = format!("[graph]\nclient_secret_file = {:?}\n", secret);
    let l = parse(&text, Path::new("c.toml"), &no_env).unwrap();
    assert_eq!(l.config.graph.client_secret.unwrap().expose(), "s3cret");
    // Both forms at once is ambiguous.
    let text = format!(
        "[graph]\nclient_secret = \"a\"\nclient_secret_file = {:?}\n",
        secret
    );
    let err = parse(&text, Path::new("c.toml"), &no_env).unwrap_err();
    assert!(err.to_string().contains("graph.client_secret"), "{err}");
    // The environment form replaces the file's plain value.
    let env = env_of(&[(
        "BACKUPCHECKS_GRAPH_CLIENT_SECRET_FILE",
        secret.to_str().unwrap(),
    )]);
    let l = parse(
        "[graph]\nclient_secret = \"a\"\n",
        Path::new("c.toml"),
        &env,
    )
    .unwrap();
    assert_eq!(l.config.graph.client_secret.unwrap().expose(), "s3cret");
}

#[test]
fn missing_secret_file_is_an_error() {
    let err = parse(
        "[autotask]\nsecret_file = \"/nonexistent/x\"\n",
        Path::new("c.toml"),
        &no_env,
    )
    .unwrap_err();
    assert!(err.to_string().contains("autotask.secret_file"), "{err}");
}

#[test]
fn debug_output_redacts_secrets() {
    let l = parse(
        "[database]\nurl = \"postgres://u:pw123@h/db\"\n[autotask]\nsecret = \"pw456\"\n",
        Path::new("c.toml"),
        &no_env,
    )
    .unwrap();
    let dbg = format!("{:?}", l.config);
    assert!(!dbg.contains("pw123") && !dbg.contains("pw456"), "{dbg}");
}

#[test]
fn world_readable_file_with_secret_warns() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[autotask]\nsecret = \"x\"\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let l = load(Some(&path), &no_env).unwrap();
    assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
    assert!(l.warnings[0].contains("chmod 600"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(load(Some(&path), &no_env).unwrap().warnings.is_empty());
    // Readable by this process's own group (the service's group): no warning either.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let own = std::os::unix::fs::MetadataExt::gid(&std::fs::metadata(&path).unwrap());
    if own == nix::unistd::getegid().as_raw() {
        assert!(load(Some(&path), &no_env).unwrap().warnings.is_empty());
    }
    // Readable through a group this process is not in: a warning again (root can hand the
    // file to another group).
    let other = nix::unistd::Gid::from_raw(own.wrapping_add(1));
    if nix::unistd::chown(&path, None, Some(other)).is_ok() {
        assert_eq!(load(Some(&path), &no_env).unwrap().warnings.len(), 1);
    }
    // No secret in the file: nothing to warn about.
    std::fs::write(&path, "[ui]\nascii = true\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(load(Some(&path), &no_env).unwrap().warnings.is_empty());
}

#[test]
fn explicit_missing_file_is_an_error() {
    let err = load(Some(Path::new("/nonexistent/bc.toml")), &no_env).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/bc.toml"));
}

#[test]
fn example_file_parses_and_documents_every_key() {
    let text = include_str!("../../config.example.toml");
    parse(text, Path::new("config.example.toml"), &no_env).unwrap();
    // Every key appears in the example, active or commented out, under its section.
    let uncommented: String = text
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            // A commented-out key (`# name = value`), not prose.
            Some(rest)
                if rest.split_once(" = ").is_some_and(|(k, _)| {
                    k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                }) =>
            {
                rest
            }
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let table: toml::Table = toml::from_str(&uncommented).unwrap();
    for key in KEYS {
        let present = match key.section {
            Some(s) => table
                .get(s)
                .and_then(|v| v.as_table())
                .is_some_and(|t| t.contains_key(key.name)),
            None => table.contains_key(key.name),
        };
        assert!(
            present,
            "config.example.toml does not document {}",
            key.dotted()
        );
    }
}

#[test]
fn invalid_log_level_is_rejected_with_its_key() {
    for bad in ["loud[", "verbose", "info,chatty"] {
        let text = format!("[log]\nlevel = \"{bad}\"\n");
        let err = parse(&text, Path::new("c.toml"), &no_env).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("log.level") && msg.contains(bad), "{msg}");
    }
    // Valid filters pass, module filters included.
    for ok in ["info", "debug", "backupchecks=debug,warn"] {
        let text = format!("[log]\nlevel = \"{ok}\"\n");
        parse(&text, Path::new("c.toml"), &no_env).unwrap();
    }
}

#[test]
fn a_database_url_of_another_product_is_rejected() {
    let err = parse(
        "[database]\nurl = \"mysql://root@localhost/db\"\n",
        Path::new("c.toml"),
        &no_env,
    )
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("database.url") && msg.contains("PostgreSQL") && msg.contains("mysql://"),
        "{msg}"
    );
    assert!(
        !msg.contains("root@localhost"),
        "no URL text in the error: {msg}"
    );
    let env = env_of(&[("DATABASE_URL", "sqlite:///tmp/x.db")]);
    assert!(parse("", Path::new("c.toml"), &env).is_err());
    for ok in ["postgres://u@h/db", "postgresql:///db?host=/run"] {
        let env = env_of(&[("DATABASE_URL", ok)]);
        parse("", Path::new("c.toml"), &env).unwrap();
    }
}

#[test]
fn unknown_backupchecks_variables_warn_with_the_nearest_key() {
    let names = [
        "BACKUPCHECKS_DATABSE_URL",
        "BACKUPCHECKS_UI_ASCII",
        "BACKUPCHECKS_CONFIG",
        "PATH",
    ]
    .map(String::from);
    let w = unknown_env_warnings(names.into_iter());
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("BACKUPCHECKS_DATABSE_URL") && w[0].contains("BACKUPCHECKS_DATABASE_URL"),
        "{w:?}"
    );
}

#[test]
fn a_database_url_without_password_is_no_secret_to_warn_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        &path,
        "[database]\nurl = \"postgres://ops@db.example/bc\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let l = load(Some(&path), &no_env).unwrap();
    assert!(
        !l.warnings.iter().any(|w| w.contains("secret")),
        "{:?}",
        l.warnings
    );
    std::fs::write(
        &path,
        "[database]\nurl = \"postgres://ops:pw@db.example/bc\"\n",
    )
    .unwrap();
    let l = load(Some(&path), &no_env).unwrap();
    assert!(
        l.warnings.iter().any(|w| w.contains("secret")),
        "{:?}",
        l.warnings
    );
}
