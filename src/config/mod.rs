//! Per-seat configuration: a TOML file in the user config directory (or `--config PATH`),
//! `BACKUPCHECKS_*` environment overrides and `*_file` variants for secrets. Shared policy lives
//! in the database `settings` table instead.

mod keys;
mod secret;

pub use keys::{KEYS, Key, KeyKind};
pub use secret::Secret;

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Everything the program reads from the configuration file and environment.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Name written into the audit log and `reviewed_by` (default: the login name).
    pub operator: Option<String>,
    pub database: DatabaseConfig,
    pub graph: GraphConfig,
    pub autotask: AutotaskConfig,
    pub reports: ReportsConfig,
    pub ui: UiConfig,
    pub log: LogConfig,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// PostgreSQL URL; unset means the embedded cluster. May hold a password, hence secret.
    pub url: Option<Secret>,
    pub url_file: Option<PathBuf>,
    /// Where the embedded cluster keeps its data (default: user data dir, or
    /// `/var/lib/backupchecks` when run as root).
    pub data_dir: Option<PathBuf>,
    /// A password typed at the prompt when the server asked for one; never from a file.
    #[serde(skip)]
    pub password: Option<Secret>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GraphConfig {
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub client_secret_file: Option<PathBuf>,
    /// Mailbox (user principal name or id) the reports arrive in.
    pub mailbox: Option<String>,
    pub login_url: String,
    pub api_url: String,
}

impl Default for GraphConfig {
    fn default() -> Self {
        GraphConfig {
            tenant_id: None,
            client_id: None,
            client_secret: None,
            client_secret_file: None,
            mailbox: None,
            login_url: "https://login.microsoftonline.com".into(),
            api_url: "https://graph.microsoft.com/v1.0".into(),
        }
    }
}

impl GraphConfig {
    /// True when every value needed to reach the mailbox is present.
    pub fn is_configured(&self) -> bool {
        self.tenant_id.is_some()
            && self.client_id.is_some()
            && self.client_secret.is_some()
            && self.mailbox.is_some()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutotaskEnvironment {
    #[default]
    Production,
    Sandbox,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutotaskConfig {
    pub username: Option<String>,
    pub secret: Option<Secret>,
    pub secret_file: Option<PathBuf>,
    pub integration_code: Option<Secret>,
    pub integration_code_file: Option<PathBuf>,
    pub environment: AutotaskEnvironment,
    /// Skips zone discovery and uses this REST base URL (tests, unusual zones).
    pub api_url: Option<String>,
}

impl AutotaskConfig {
    pub fn is_configured(&self) -> bool {
        self.username.is_some() && self.secret.is_some() && self.integration_code.is_some()
    }
}

/// Scheduled reports: where their files go and who sends them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportsConfig {
    /// Folder the scheduled reports are written to (default: `reports` in the data directory).
    pub folder: Option<PathBuf>,
    /// Mailbox the reports are sent from (default: `graph.mailbox`).
    pub sender: Option<String>,
}

impl ReportsConfig {
    /// The folder, configured or default; `None` without a home directory.
    pub fn folder(&self) -> Option<PathBuf> {
        self.folder
            .clone()
            .or_else(|| crate::paths::default_data_dir().map(|d| d.join("reports")))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Plain ASCII glyphs instead of Unicode symbols.
    pub ascii: bool,
    /// Mouse capture (off by default so the terminal's own selection keeps working).
    pub mouse: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A tracing filter such as `info` or `backupchecks=debug`.
    pub level: String,
    /// Log file (default: backupchecks.log in the user state dir).
    pub file: Option<PathBuf>,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".into(),
            file: None,
        }
    }
}

/// Where the configuration came from, for `doctor` and the Settings pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// Read from this file.
    File(PathBuf),
    /// The default file does not exist; defaults apply.
    DefaultMissing(PathBuf),
    /// No home directory to look in; defaults apply.
    NoConfigDir,
}

impl std::fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigSource::File(p) => write!(f, "{}", p.display()),
            ConfigSource::DefaultMissing(p) => {
                write!(f, "defaults ({} does not exist)", p.display())
            }
            ConfigSource::NoConfigDir => f.write_str("defaults (no user config directory)"),
        }
    }
}

/// A loaded configuration with what the operator should hear about it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub source: ConfigSource,
    /// Environment variables that overrode a key.
    pub env_overrides: Vec<String>,
    /// Non-fatal problems, such as a secret in a file others can read.
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path}: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("configuration file {path}: key `{key}`: {message}")]
    Key {
        path: PathBuf,
        key: String,
        message: String,
    },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    #[error("key `{key}` and `{key}_file` are both set; keep one")]
    Both { key: String },
    /// A value of the right type that still cannot work (an unknown log filter, a URL of
    /// another database product).
    #[error("configuration key `{key}`: {message}")]
    Invalid { key: String, message: String },
    #[error("cannot read secret file {path} (from `{key}_file`): {source}")]
    SecretFile {
        key: String,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The default configuration file: `config.toml` in the user config directory.
pub fn default_path() -> Option<PathBuf> {
    crate::paths::project_dirs().map(|d| d.config_dir().join("config.toml"))
}

/// Loads the configuration: the explicit file (must exist) or the default one (may be missing),
/// then environment overrides from `env`, then `*_file` secrets.
pub fn load(
    explicit: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, ConfigError> {
    let (path, source, text) = match explicit {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                path: p.to_path_buf(),
                source,
            })?;
            (
                Some(p.to_path_buf()),
                ConfigSource::File(p.to_path_buf()),
                text,
            )
        }
        None => match default_path() {
            Some(p) if p.exists() => {
                let text = std::fs::read_to_string(&p).map_err(|source| ConfigError::Read {
                    path: p.clone(),
                    source,
                })?;
                (Some(p.clone()), ConfigSource::File(p), text)
            }
            Some(p) => (None, ConfigSource::DefaultMissing(p), String::new()),
            None => (None, ConfigSource::NoConfigDir, String::new()),
        },
    };
    let file = path.clone().unwrap_or_default();
    let mut loaded = parse(&text, &file, env)?;
    loaded.source = source;
    loaded.warnings.extend(unknown_env_warnings(
        std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()),
    ));
    if let Some(p) = &path
        && let Some(w) = permission_warning(p, &text)
    {
        loaded.warnings.push(w);
    }
    Ok(loaded)
}

/// Parses configuration text as if read from `file`, applying environment overrides.
pub fn parse(
    text: &str,
    file: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Loaded, ConfigError> {
    // First pass on the text alone: errors carry the key path and the line.
    let de = toml::Deserializer::parse(text).map_err(|e| ConfigError::Syntax {
        path: file.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })?;
    let mut config: Config =
        serde_path_to_error::deserialize(de).map_err(|e| ConfigError::Key {
            path: file.to_path_buf(),
            key: e.path().to_string(),
            message: e.inner().to_string().trim_end().to_string(),
        })?;

    let mut env_overrides = Vec::new();
    let mut table: toml::Table = toml::from_str(text).map_err(|e| ConfigError::Syntax {
        path: file.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })?;
    for key in KEYS {
        let var = key.env_var();
        let found = env(&var).map(|v| (var.clone(), v)).or_else(|| {
            let fallback = key.fallback_env?;
            env(fallback).map(|v| (fallback.to_string(), v))
        });
        let Some((var, value)) = found else { continue };
        let value = key
            .kind
            .to_toml(&value)
            .map_err(|message| ConfigError::Env {
                var: var.clone(),
                message,
            })?;
        let section = match key.section {
            Some(s) => table
                .entry(s)
                .or_insert_with(|| toml::Value::Table(toml::Table::new())),
            None => {
                table.insert(key.name.to_string(), value);
                env_overrides.push(var);
                continue;
            }
        };
        if let toml::Value::Table(t) = section {
            // An override of `x` replaces `x_file` from the file and the other way round.
            if let Some(base) = key.name.strip_suffix("_file") {
                t.remove(base);
            } else {
                t.remove(&format!("{}_file", key.name));
            }
            t.insert(key.name.to_string(), value);
        }
        env_overrides.push(var);
    }
    if !env_overrides.is_empty() {
        config = serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
            let path = e.path().to_string();
            let var = KEYS
                .iter()
                .find(|k| k.dotted() == path)
                .map(|k| k.env_var())
                .unwrap_or(path);
            ConfigError::Env {
                var,
                message: e.inner().to_string(),
            }
        })?;
    }
    resolve_secret_files(&mut config)?;
    validate(&config)?;
    Ok(Loaded {
        config,
        source: ConfigSource::File(file.to_path_buf()),
        env_overrides,
        warnings: Vec::new(),
    })
}

fn read_secret(key: &str, path: &Path) -> Result<Secret, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::SecretFile {
        key: key.to_string(),
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Secret::new(text.trim_end_matches(['\n', '\r'])))
}

fn resolve_one(
    key: &str,
    value: &mut Option<Secret>,
    file: &Option<PathBuf>,
) -> Result<(), ConfigError> {
    if let Some(path) = file {
        if value.is_some() {
            return Err(ConfigError::Both {
                key: key.to_string(),
            });
        }
        *value = Some(read_secret(key, path)?);
    }
    Ok(())
}

fn resolve_secret_files(c: &mut Config) -> Result<(), ConfigError> {
    resolve_one("database.url", &mut c.database.url, &c.database.url_file)?;
    resolve_one(
        "graph.client_secret",
        &mut c.graph.client_secret,
        &c.graph.client_secret_file,
    )?;
    resolve_one(
        "autotask.secret",
        &mut c.autotask.secret,
        &c.autotask.secret_file,
    )?;
    resolve_one(
        "autotask.integration_code",
        &mut c.autotask.integration_code,
        &c.autotask.integration_code_file,
    )?;
    Ok(())
}

/// A warning when the file holds a secret in plain text and others may read it.
fn permission_warning(path: &Path, text: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let table: toml::Table = toml::from_str(text).ok()?;
    let holds_secret = KEYS.iter().filter(|k| k.kind == KeyKind::Secret).any(|k| {
        let section = k
            .section
            .and_then(|s| table.get(s))
            .and_then(|v| v.as_table());
        section
            .and_then(|t| t.get(k.name))
            .is_some_and(|v| k.dotted() != "database.url" || url_has_password(v.as_str()))
    });
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    let mode = meta.permissions().mode();
    // Access through the file's group is fine when that group is this process's own: the
    // packaged service reads a root-owned file of mode 0640 through its group `backupchecks`.
    let own_group = meta.gid() == nix::unistd::getegid().as_raw();
    let shared = mode & 0o007 != 0 || (mode & 0o070 != 0 && !own_group);
    (holds_secret && shared).then(|| {
        format!(
            "{} holds a secret and can be read by other users (mode {:o}); run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

/// Checks what deserialising cannot: values of the right type that would not work.
fn validate(c: &Config) -> Result<(), ConfigError> {
    if let Some(why) = log_filter_problem(&c.log.level) {
        return Err(ConfigError::Invalid {
            key: "log.level".into(),
            message: format!(
                "`{}` is not a log filter ({why}); use error, warn, info, debug or trace, \
                 optionally per module such as `backupchecks=debug`",
                c.log.level
            ),
        });
    }
    if let Some(url) = &c.database.url {
        let scheme = url.expose().split_once("://").map(|(s, _)| s);
        if !matches!(scheme, Some("postgres" | "postgresql")) {
            return Err(ConfigError::Invalid {
                key: "database.url".into(),
                message: format!(
                    "backupchecks needs PostgreSQL: the URL must start with postgres:// or \
                     postgresql://, not {}",
                    scheme.map_or("a value without a scheme".to_string(), |s| format!(
                        "{s}://"
                    ))
                ),
            });
        }
    }
    Ok(())
}

/// Why a log filter would not work, if it would not. A bare word that is no level (`verbose`)
/// parses as a module name and silently logs nothing of ours, so it is refused too.
fn log_filter_problem(level: &str) -> Option<String> {
    if let Err(e) = tracing_subscriber::EnvFilter::try_new(level) {
        return Some(e.to_string());
    }
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    level
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty() && !d.contains(['=', '[', ':']))
        .find(|d| !LEVELS.contains(&d.to_ascii_lowercase().as_str()))
        .map(|d| format!("`{d}` is not a level"))
}

/// True when a database URL carries a password (`user:password@host`).
fn url_has_password(url: Option<&str>) -> bool {
    let Some(rest) = url.and_then(|u| u.split_once("://")).map(|(_, r)| r) else {
        return true; // not a URL: treat as secret, to be safe
    };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'))
        || rest.contains("password=")
}

/// Variables our own code reads besides the key table.
const OTHER_ENV: &[&str] = &["BACKUPCHECKS_CONFIG"];

/// Warnings for `BACKUPCHECKS_*` variables that match no key, naming the nearest known one (a
/// typo in a variable would otherwise be ignored without a word).
pub fn unknown_env_warnings(names: impl Iterator<Item = String>) -> Vec<String> {
    let known: Vec<String> = KEYS
        .iter()
        .map(|k| k.env_var())
        .chain(OTHER_ENV.iter().map(|s| s.to_string()))
        .collect();
    let mut unknown: Vec<String> = names
        .filter(|n| n.starts_with("BACKUPCHECKS_") && !known.contains(n))
        .collect();
    unknown.sort();
    unknown
        .into_iter()
        .map(|name| {
            let nearest = known
                .iter()
                .min_by_key(|k| edit_distance(k, &name))
                .map(String::as_str)
                .unwrap_or("BACKUPCHECKS_CONFIG");
            format!("environment variable {name} is not a backupchecks setting and is ignored; did you mean {nearest}?")
        })
        .collect()
}

/// Levenshtein distance over bytes (the names are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests;
