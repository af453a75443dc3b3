//! Microsoft Graph and Entra ID (AAD) error bodies turned into messages an operator can act on.

use crate::ingest::SourceError;
use reqwest::StatusCode;
use serde_json::Value;

/// What went wrong talking to Graph, before it is phrased for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GraphError {
    /// The token endpoint refused: `{"error": "...", "error_description": "AADSTSnnn: ..."}`.
    SignIn {
        status: u16,
        error: String,
        aadsts: Option<u32>,
        description: String,
    },
    /// The Graph API answered with an error: `{"error": {"code": "...", "message": "..."}}`.
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// Still 429/503/504 after every attempt.
    Throttled { status: u16, attempts: u32 },
    /// No answer after every attempt (timeouts, refused connections).
    NoAnswer {
        call: &'static str,
        attempts: u32,
        error: String,
    },
    /// A request that must not be repeated went out and no answer says what became of it.
    Unknown { call: &'static str, error: String },
    /// No answer at all (DNS, connection, timeout).
    Transport(String),
    /// An answer we could not read.
    BadResponse(String),
    /// `segment` of `path` does not exist under `parent` (empty for the top level).
    FolderNotFound {
        path: String,
        parent: String,
        segment: String,
    },
    /// A configuration value is missing or unusable.
    Config(String),
}

/// Names in the messages; none of them is secret.
pub(crate) struct Context<'a> {
    pub tenant: &'a str,
    pub client_id: &'a str,
    pub mailbox: &'a str,
}

/// Graph codes that mean the mailbox itself cannot be reached.
const MAILBOX_CODES: &[&str] = &[
    "ResourceNotFound",
    "ErrorInvalidUser",
    "MailboxNotEnabledForRESTAPI",
    "ErrorNonExistentMailbox",
];

const ACCESS_CODES: &[&str] = &[
    "ErrorAccessDenied",
    "AccessDenied",
    "Authorization_RequestDenied",
];

impl GraphError {
    /// Reads a token-endpoint error body; tolerant of bodies that are not JSON.
    pub(crate) fn sign_in(status: StatusCode, body: &[u8]) -> GraphError {
        let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let error = json["error"].as_str().unwrap_or("").to_string();
        let description = json["error_description"]
            .as_str()
            .map(first_line)
            .unwrap_or_else(|| snippet(body));
        let aadsts = json["error_codes"]
            .as_array()
            .and_then(|codes| codes.first())
            .and_then(Value::as_u64)
            .and_then(|c| u32::try_from(c).ok())
            .or_else(|| aadsts_in(&description));
        GraphError::SignIn {
            status: status.as_u16(),
            error,
            aadsts,
            description,
        }
    }

    /// Reads a Graph API error body; tolerant of bodies that are not JSON.
    pub(crate) fn api(status: StatusCode, body: &[u8]) -> GraphError {
        let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let err = &json["error"];
        GraphError::Api {
            status: status.as_u16(),
            code: err["code"].as_str().unwrap_or("").to_string(),
            message: err["message"]
                .as_str()
                .map(first_line)
                .unwrap_or_else(|| snippet(body)),
        }
    }

    /// True for a Graph error with this code (`ErrorItemNotFound`, ...).
    pub(crate) fn has_code(&self, wanted: &str) -> bool {
        matches!(self, GraphError::Api { code, .. } if code.eq_ignore_ascii_case(wanted))
    }

    /// True when nothing else will work either, so the importer should stop the cycle
    /// instead of moving on to the next message.
    pub(crate) fn is_source_wide(&self) -> bool {
        match self {
            GraphError::Api { status, code, .. } => {
                *status == 401
                    || *status == 403
                    || MAILBOX_CODES.iter().any(|c| c.eq_ignore_ascii_case(code))
                    || ACCESS_CODES.iter().any(|c| c.eq_ignore_ascii_case(code))
            }
            GraphError::BadResponse(_) => false,
            _ => true,
        }
    }

    /// The operator-facing sentence.
    pub(crate) fn describe(&self, cx: &Context<'_>) -> String {
        match self {
            GraphError::SignIn {
                status,
                error,
                aadsts,
                description,
            } => sign_in_message(cx, *status, error, *aadsts, description),
            GraphError::Api {
                status,
                code,
                message,
            } => api_message(cx, *status, code, message),
            GraphError::Throttled { status, attempts } => format!(
                "Microsoft Graph {} (HTTP {status}) and still was after {attempts} attempts; \
                 gave up until the next import",
                super::client::busy_word(*status)
            ),
            GraphError::NoAnswer {
                call,
                attempts,
                error,
            } => format!(
                "Microsoft Graph did not answer the {call} ({attempts} attempts, last: {error}); \
                 gave up until the next import"
            ),
            GraphError::Unknown { call, error } => format!(
                "no answer from Microsoft Graph to the {call} ({error}): it may or may not have \
                 been carried out"
            ),
            GraphError::Transport(e) => format!("cannot reach Microsoft Graph: {e}"),
            GraphError::BadResponse(e) => format!("unexpected answer from Microsoft Graph: {e}"),
            GraphError::FolderNotFound {
                path,
                parent,
                segment,
            } => {
                let place = if parent.is_empty() {
                    "there is no top-level folder".to_string()
                } else {
                    format!("\"{parent}\" has no sub-folder")
                };
                format!(
                    "mail folder \"{path}\" not found in mailbox {}: {place} \"{segment}\" \
                     (names are matched case-insensitively; check the Graph folder settings)",
                    cx.mailbox
                )
            }
            GraphError::Config(e) => e.clone(),
        }
    }

    /// Source-wide failures stop the cycle; others only concern `message_id`.
    pub(crate) fn into_source(self, cx: &Context<'_>, message_id: Option<&str>) -> SourceError {
        let text = self.describe(cx);
        match message_id {
            Some(id) if !self.is_source_wide() => SourceError::Message {
                id: id.to_string(),
                message: text,
            },
            _ => SourceError::Source(text),
        }
    }
}

fn sign_in_message(
    cx: &Context<'_>,
    status: u16,
    error: &str,
    aadsts: Option<u32>,
    description: &str,
) -> String {
    let (tenant, app) = (cx.tenant, cx.client_id);
    match aadsts {
        Some(7_000_215) => format!(
            "Microsoft sign-in refused the client secret of app {app} (AADSTS7000215): the \
             secret is wrong. Set graph.client_secret to the secret's Value (not its Secret ID)"
        ),
        Some(7_000_222) => format!(
            "the client secret of app {app} has expired (AADSTS7000222): create a new secret \
             under App registrations > Certificates & secrets and update graph.client_secret"
        ),
        Some(700_016) => format!(
            "app {app} was not found in tenant {tenant} (AADSTS700016): check graph.client_id \
             and graph.tenant_id, and that the app is registered in (or consented to by) that tenant"
        ),
        Some(90_002) => format!(
            "tenant {tenant} was not found (AADSTS90002): check graph.tenant_id (the directory \
             ID or a verified domain of the tenant)"
        ),
        Some(code) => format!(
            "Microsoft sign-in failed for app {app} in tenant {tenant} (HTTP {status}, {error}, \
             AADSTS{code}): {description}"
        ),
        None => format!(
            "Microsoft sign-in failed for app {app} in tenant {tenant} (HTTP {status}{}): \
             {description}",
            if error.is_empty() {
                String::new()
            } else {
                format!(", {error}")
            }
        ),
    }
}

fn api_message(cx: &Context<'_>, status: u16, code: &str, message: &str) -> String {
    let mailbox = cx.mailbox;
    let is = |c: &str| code.eq_ignore_ascii_case(c);
    if is("MailboxNotEnabledForRESTAPI") {
        format!(
            "mailbox {mailbox} cannot be used through Microsoft Graph (MailboxNotEnabledForRESTAPI): \
             it is inactive, unlicensed, soft-deleted or hosted on-premises"
        )
    } else if MAILBOX_CODES.iter().any(|c| is(c)) {
        format!(
            "mailbox {mailbox} not found ({code}): check graph.mailbox; it must be the user \
             principal name or object id of an Exchange Online mailbox"
        )
    } else if status == 403 || ACCESS_CODES.iter().any(|c| is(c)) {
        format!(
            "access to mailbox {mailbox} denied ({}): the app {} needs the Mail.ReadWrite \
             application permission with admin consent, and an Exchange application access \
             policy (or RBAC for applications) that includes this mailbox",
            if code.is_empty() { "HTTP 403" } else { code },
            cx.client_id
        )
    } else if status == 401 {
        format!(
            "Microsoft Graph rejected a freshly issued access token ({code}): {message}; check \
             that the app registration is in tenant {} and has admin consent",
            cx.tenant
        )
    } else if is("ErrorItemNotFound") {
        format!("message not found ({code}): it was moved or deleted in the meantime")
    } else {
        format!(
            "Microsoft Graph answered HTTP {status}{}: {message}",
            if code.is_empty() {
                String::new()
            } else {
                format!(" {code}")
            }
        )
    }
}

/// AAD descriptions carry trace and correlation ids on later lines; the first line says it.
fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

fn aadsts_in(description: &str) -> Option<u32> {
    let rest = description.split("AADSTS").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A short, printable piece of a body that was not the expected JSON.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    if text.trim().is_empty() {
        "(empty body)".into()
    } else {
        text.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CX: Context<'static> = Context {
        tenant: "contoso.onmicrosoft.com",
        client_id: "app-1",
        mailbox: "reports@contoso.com",
    };

    #[test]
    fn aad_code_from_codes_or_description() {
        let body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x"}"#;
        let e = GraphError::sign_in(StatusCode::UNAUTHORIZED, body);
        assert!(matches!(
            e,
            GraphError::SignIn {
                aadsts: Some(7_000_215),
                ..
            }
        ));
        assert!(e.describe(&CX).contains("secret is wrong"));
        let body = br#"{"error":"unauthorized_client","error_description":"AADSTS700016: Application not found","error_codes":[700016]}"#;
        let text = GraphError::sign_in(StatusCode::BAD_REQUEST, body).describe(&CX);
        assert!(
            text.contains("app-1 was not found in tenant contoso"),
            "{text}"
        );
    }

    #[test]
    fn graph_codes_become_sentences() {
        let e = GraphError::api(
            StatusCode::FORBIDDEN,
            br#"{"error":{"code":"ErrorAccessDenied","message":"Access is denied."}}"#,
        );
        assert!(e.is_source_wide());
        assert!(e.describe(&CX).contains("Mail.ReadWrite"));
        let e = GraphError::api(
            StatusCode::NOT_FOUND,
            br#"{"error":{"code":"ErrorItemNotFound","message":"x"}}"#,
        );
        assert!(!e.is_source_wide());
        assert!(e.has_code("erroritemnotfound"));
        let e = GraphError::api(StatusCode::BAD_GATEWAY, b"<html>\n</html>");
        assert!(e.describe(&CX).contains("HTTP 502"));
    }
}
