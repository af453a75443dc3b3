//! Autotask error bodies (`{"errors": ["..."]}`, also on HTTP 500) turned into messages an
//! operator can act on.

use serde_json::Value;

/// What went wrong talking to Autotask.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AutotaskError {
    /// A configuration value is missing or unusable; the message names the key.
    #[error("{0}")]
    Config(String),
    /// 401 (or a 403 on sign-in): user, secret or integration code is wrong.
    #[error(
        "Autotask refused the API user {user} (HTTP {status}){detail}: check autotask.username, \
         autotask.secret and autotask.integration_code"
    )]
    Credentials {
        status: u16,
        user: String,
        detail: String,
    },
    /// 403: signed in, but the API user's security level does not allow this.
    #[error("Autotask denies access{detail}: the API user's security level does not allow it")]
    Forbidden { detail: String },
    /// Autotask answered with an error; `messages` are its own words.
    #[error("Autotask: {} (HTTP {status})", messages.join("; "))]
    Api { status: u16, messages: Vec<String> },
    /// Still 429/5xx after every attempt.
    #[error("Autotask is busy (HTTP {status}) after {attempts} attempts; try again later")]
    Throttled { status: u16, attempts: u32 },
    /// The request went out but no answer came in time: it may or may not have been carried out.
    #[error("Autotask did not answer in time ({0}); the change may or may not have been made")]
    Timeout(String),
    /// No answer at all (DNS, connection refused, TLS).
    #[error("cannot reach Autotask: {0}")]
    Transport(String),
    /// An answer that does not follow the API contract.
    #[error("unexpected answer from Autotask: {0}")]
    BadResponse(String),
    /// Neither zone host knew the user.
    #[error("Autotask zone discovery for {user} failed: {detail}")]
    Zone { user: String, detail: String },
}

impl AutotaskError {
    /// Builds the error for a non-success answer.
    pub(crate) fn from_status(status: u16, body: &[u8], user: &str) -> AutotaskError {
        let messages = messages(body);
        let detail = if messages.is_empty() {
            String::new()
        } else {
            format!(": {}", messages.join("; "))
        };
        match status {
            401 => AutotaskError::Credentials {
                status,
                user: user.to_string(),
                detail,
            },
            403 => AutotaskError::Forbidden { detail },
            _ => AutotaskError::Api {
                status,
                messages: if messages.is_empty() {
                    vec![snippet(body).unwrap_or_else(|| "no error text".into())]
                } else {
                    messages
                },
            },
        }
    }

    /// The request may have been carried out although no answer arrived: a create must look
    /// before it tries again.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, AutotaskError::Timeout(_))
    }

    /// HTTP status of an API answer, if this error is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            AutotaskError::Credentials { status, .. }
            | AutotaskError::Api { status, .. }
            | AutotaskError::Throttled { status, .. } => Some(*status),
            AutotaskError::Forbidden { .. } => Some(403),
            _ => None,
        }
    }
}

/// The messages of an `{"errors": [...]}` body. Entries may be strings or objects with a
/// `message`; anything else yields none.
pub(crate) fn messages(body: &[u8]) -> Vec<String> {
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let Some(errors) = json.get("errors").and_then(Value::as_array) else {
        return Vec::new();
    };
    errors
        .iter()
        .filter_map(|e| match e {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Object(o) => o
                .get("message")
                .and_then(Value::as_str)
                .map(|s| s.trim().to_string()),
            _ => None,
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// True when the body is a structured Autotask error: a validation failure, not an outage, even
/// when it arrives as HTTP 500.
pub(crate) fn is_structured(body: &[u8]) -> bool {
    !messages(body).is_empty()
}

/// The start of a non-JSON body (an HTML error page from a proxy, say), on one line.
fn snippet(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return None;
    }
    Some(line.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_on_500_keep_their_text() {
        let body = br#"{"errors":["Missing Required Field: queueID."," "],"item":null}"#;
        let e = AutotaskError::from_status(500, body, "api@x");
        assert_eq!(
            e.to_string(),
            "Autotask: Missing Required Field: queueID. (HTTP 500)"
        );
        assert!(is_structured(body));
        assert!(!is_structured(b"<html>Bad gateway</html>"));
    }

    #[test]
    fn wrong_credentials_name_the_keys_not_the_secret() {
        let e = AutotaskError::from_status(401, b"", "api@x");
        let text = e.to_string();
        assert!(text.contains("API user api@x (HTTP 401)"));
        assert!(text.contains("autotask.secret"));
        let e = AutotaskError::from_status(401, br#"{"errors":["User is locked"]}"#, "api@x");
        assert!(e.to_string().contains("(HTTP 401): User is locked"));
    }

    #[test]
    fn odd_bodies_still_read() {
        let e = AutotaskError::from_status(502, b"<html>\n Bad   gateway</html>", "u");
        assert_eq!(
            e.to_string(),
            "Autotask: <html> Bad gateway</html> (HTTP 502)"
        );
        assert_eq!(
            messages(br#"{"errors":[{"message":"x"}, 3]}"#),
            vec!["x".to_string()]
        );
    }
}
