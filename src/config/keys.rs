//! The table of configuration keys: drives environment overrides and the documentation check.

/// How an environment value is turned into a TOML value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Text,
    Secret,
    Path,
    Bool,
}

impl KeyKind {
    pub(super) fn to_toml(self, raw: &str) -> Result<toml::Value, String> {
        match self {
            KeyKind::Text | KeyKind::Secret | KeyKind::Path => {
                Ok(toml::Value::String(raw.to_string()))
            }
            KeyKind::Bool => match raw.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(toml::Value::Boolean(true)),
                "0" | "false" | "no" | "off" | "" => Ok(toml::Value::Boolean(false)),
                other => Err(format!("expected true or false, got `{other}`")),
            },
        }
    }
}

/// One configuration key: `section.name`, overridable by `BACKUPCHECKS_SECTION_NAME`.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub section: Option<&'static str>,
    pub name: &'static str,
    pub kind: KeyKind,
    /// A conventional variable honoured after ours (`DATABASE_URL`).
    pub fallback_env: Option<&'static str>,
}

impl Key {
    const fn new(section: &'static str, name: &'static str, kind: KeyKind) -> Key {
        Key {
            section: Some(section),
            name,
            kind,
            fallback_env: None,
        }
    }

    pub fn dotted(&self) -> String {
        match self.section {
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.to_string(),
        }
    }

    pub fn env_var(&self) -> String {
        format!("BACKUPCHECKS_{}", self.dotted().replace('.', "_")).to_ascii_uppercase()
    }
}

/// Every key of the configuration file.
pub const KEYS: &[Key] = &[
    Key {
        section: None,
        name: "operator",
        kind: KeyKind::Text,
        fallback_env: None,
    },
    Key {
        section: Some("database"),
        name: "url",
        kind: KeyKind::Secret,
        fallback_env: Some("DATABASE_URL"),
    },
    Key::new("database", "url_file", KeyKind::Path),
    Key::new("database", "data_dir", KeyKind::Path),
    Key::new("graph", "tenant_id", KeyKind::Text),
    Key::new("graph", "client_id", KeyKind::Text),
    Key::new("graph", "client_secret", KeyKind::Secret),
    Key::new("graph", "client_secret_file", KeyKind::Path),
    Key::new("graph", "mailbox", KeyKind::Text),
    Key::new("graph", "login_url", KeyKind::Text),
    Key::new("graph", "api_url", KeyKind::Text),
    Key::new("autotask", "username", KeyKind::Text),
    Key::new("autotask", "secret", KeyKind::Secret),
    Key::new("autotask", "secret_file", KeyKind::Path),
    Key::new("autotask", "integration_code", KeyKind::Secret),
    Key::new("autotask", "integration_code_file", KeyKind::Path),
    Key::new("autotask", "environment", KeyKind::Text),
    Key::new("autotask", "api_url", KeyKind::Text),
    Key::new("reports", "folder", KeyKind::Path),
    Key::new("reports", "sender", KeyKind::Text),
    Key::new("ui", "ascii", KeyKind::Bool),
    Key::new("ui", "mouse", KeyKind::Bool),
    Key::new("log", "level", KeyKind::Text),
    Key::new("log", "file", KeyKind::Path),
];
