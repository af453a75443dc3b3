use crate::db::embedded::EmbeddedError;

/// Errors of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Embedded(#[from] EmbeddedError),
    #[error("cannot connect to {target}: {source}")]
    Connect { target: String, source: sqlx::Error },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A uniqueness rule rejected the change; `constraint` names the rule.
    #[error("already exists ({constraint})")]
    Duplicate { constraint: String },
    #[error("not found: {0}")]
    NotFound(String),
    /// The request breaks a rule of the product (a bad ticket code, an empty scope list, ...).
    #[error("{0}")]
    Invalid(String),
    #[error("database: {0}")]
    Sql(sqlx::Error),
    #[error("embedded database: {0}")]
    Task(String),
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
}
