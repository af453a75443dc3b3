use crate::db::embedded::EmbeddedError;

/// Errors of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Embedded(#[from] EmbeddedError),
    #[error("cannot connect to {target}: {}", readable(source))]
    Connect { target: String, source: sqlx::Error },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database was migrated by a newer release; running older code on it could damage data.
    #[error(
        "The database has schema version {found}, newer than this backupchecks {} knows \
         (up to {known}): install the newer backupchecks that upgraded it.",
        env!("CARGO_PKG_VERSION")
    )]
    SchemaNewer { found: i64, known: i64 },
    /// A uniqueness rule rejected the change; `constraint` names the rule.
    #[error("already exists ({constraint})")]
    Duplicate { constraint: String },
    #[error("not found: {0}")]
    NotFound(String),
    /// The request breaks a rule of the product (a bad ticket code, an empty scope list, ...).
    #[error("{0}")]
    Invalid(String),
    /// The data as it stands refuses the request (a mail no longer waiting in the Inbox, a mail
    /// no parser recognised); the message says what to do instead.
    #[error("{0}")]
    Rejected(String),
    /// A stored setting has the wrong shape; the message names the key and what it expects.
    #[error("{0}")]
    Setting(String),
    #[error("database: {}", readable(.0))]
    Sql(sqlx::Error),
    #[error("embedded database: {0}")]
    Task(String),
    /// The schema is behind and this login may not change it.
    #[error(
        "the database needs an upgrade by an admin (schema version {database}, this program needs \
         {program}): start backupchecks once as the owner of the database"
    )]
    NeedsUpgrade { database: i64, program: i64 },
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e
            && db.is_unique_violation()
        {
            return DbError::Duplicate {
                constraint: db.constraint().unwrap_or("unique").to_string(),
            };
        }
        DbError::Sql(e)
    }
}

impl DbError {
    pub fn is_duplicate(&self) -> bool {
        matches!(self, DbError::Duplicate { .. })
    }

    /// The cause in one sentence, without the "database:" wrapper.
    pub fn cause(&self) -> String {
        match self {
            DbError::Sql(e) => readable(e),
            other => other.to_string(),
        }
    }

    /// True when the server refused the login's password, or wanted one and got none (28P01).
    pub fn is_bad_password(&self) -> bool {
        match self {
            DbError::Connect {
                source: sqlx::Error::Database(d),
                ..
            } => d.code().as_deref() == Some("28P01"),
            _ => false,
        }
    }

    /// True when the database could not be reached or dropped the connection: the same call may
    /// work later, so services wait and retry, and the interface marks the database down.
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Connect { .. } => true,
            DbError::Sql(e) => is_unavailable(e),
            DbError::Migrate(sqlx::migrate::MigrateError::Execute(e)) => is_unavailable(e),
            _ => false,
        }
    }
}

/// True for errors of reaching the server rather than of the statement.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // Class 08 (connection exception), 57P01–57P03 (shut down, terminated by an
        // administrator, cannot connect now), 53300 (too many connections), 55000 raised when
        // a database does not allow connections, 3D000 (database does not exist).
        sqlx::Error::Database(d) => d.code().is_some_and(|c| {
            c.starts_with("08")
                || matches!(&*c, "57P01" | "57P02" | "57P03" | "53300" | "3D000")
                || (c == "55000" && d.message().contains("connections"))
        }),
        _ => false,
    }
}

/// One readable sentence for an error of the database driver: PostgreSQL's own message without
/// the server's source line, and the cause of a failed connection instead of a pool timeout.
pub fn readable(e: &sqlx::Error) -> String {
    use std::io::ErrorKind;
    match e {
        sqlx::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => {
                "connection refused (is PostgreSQL running and listening there?)".into()
            }
            ErrorKind::TimedOut => "no answer from the server (timed out)".into(),
            ErrorKind::NotFound => "no server socket there (is PostgreSQL running?)".into(),
            ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset | ErrorKind::BrokenPipe => {
                "the server closed the connection".into()
            }
            _ => io.to_string(),
        },
        sqlx::Error::Database(d) => d.message().to_string(),
        sqlx::Error::PoolTimedOut => "no connection to the database in time".into(),
        sqlx::Error::PoolClosed => "the connection pool is closed".into(),
        sqlx::Error::Tls(t) => format!("TLS: {t}"),
        sqlx::Error::RowNotFound => "no such row".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_and_timeouts_read_as_causes() {
        let refused = sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(readable(&refused).starts_with("connection refused"));
        assert!(is_unavailable(&refused));
        let e = DbError::Connect {
            target: "ops@db.example:5433/bc".into(),
            source: refused,
        };
        assert_eq!(
            e.to_string(),
            "cannot connect to ops@db.example:5433/bc: connection refused (is PostgreSQL running and listening there?)"
        );
        assert!(e.is_unavailable());
        assert!(!DbError::NotFound("x".into()).is_unavailable());
    }

    #[test]
    fn rejections_read_as_the_rule_alone() {
        let e = DbError::Rejected("mail 12 was not recognised by any parser".into());
        assert_eq!(e.to_string(), "mail 12 was not recognised by any parser");
        assert_eq!(e.cause(), e.to_string());
        assert!(!e.is_unavailable());
    }
}
