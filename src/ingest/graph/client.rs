//! HTTP to Microsoft Graph: client-credentials token cached until shortly before it expires,
//! one fresh token on a 401, and patience with 429/503/504 — bounded, and told to the operator:
//! each call has a timeout that fits it, every retry is announced through [`Notices`], and a
//! request gives up after a few unanswered attempts or once its time budget is spent.

use super::errors::{Context, GraphError};
use crate::config::{GraphConfig, Secret};
use crate::ingest::Notices;
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::time::Duration;
use tokio::time::Instant;

/// The only scope the client-credentials flow accepts for Graph.
const SCOPE: &str = "https://graph.microsoft.com/.default";
/// A token is renewed this long before Entra ID says it expires (clock skew, slow requests).
const TOKEN_MARGIN: Duration = Duration::from_secs(300);
/// A server asking for a longer pause than this is still waited on, but only this long.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// What a request is for: it picks the timeout and names the call in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    Token,
    Lookup,
    List,
    Fetch,
    Move,
    /// sendMail: sent at most once; see [`GraphClient::send_once`].
    Send,
}

impl Call {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Call::Token => "sign-in",
            Call::Lookup => "folder lookup",
            Call::List => "message listing",
            Call::Fetch => "mail download",
            Call::Move => "move to the processed folder",
            Call::Send => "sending of a mail",
        }
    }
}

/// Per-call timeouts. A stalled server is noticed by `stall` (no byte for that long), so the
/// whole-request limits can leave room for large mails on slow links.
#[derive(Debug, Clone)]
pub struct GraphTimeouts {
    pub connect: Duration,
    /// No data at all for this long ends a request, whatever its kind.
    pub stall: Duration,
    pub token: Duration,
    /// Folder lookups and single-message checks.
    pub lookup: Duration,
    /// One page of a message listing.
    pub list: Duration,
    /// The raw MIME of one message (`$value`).
    pub fetch: Duration,
    pub move_message: Duration,
    /// One sendMail request (a few MB of attachments).
    pub send: Duration,
}

impl Default for GraphTimeouts {
    fn default() -> Self {
        GraphTimeouts {
            connect: Duration::from_secs(10),
            stall: Duration::from_secs(30),
            token: Duration::from_secs(30),
            lookup: Duration::from_secs(30),
            list: Duration::from_secs(60),
            fetch: Duration::from_secs(180),
            move_message: Duration::from_secs(30),
            send: Duration::from_secs(120),
        }
    }
}

impl GraphTimeouts {
    /// The same limit for everything (tests of a stalled server).
    pub fn all(limit: Duration) -> Self {
        GraphTimeouts {
            connect: limit,
            stall: limit,
            token: limit,
            lookup: limit,
            list: limit,
            fetch: limit,
            move_message: limit,
            send: limit,
        }
    }

    fn of(&self, call: Call) -> Duration {
        match call {
            Call::Token => self.token,
            Call::Lookup => self.lookup,
            Call::List => self.list,
            Call::Fetch => self.fetch,
            Call::Move => self.move_message,
            Call::Send => self.send,
        }
    }
}

/// Tuning for the Graph client. The defaults suit production.
#[derive(Debug, Clone)]
pub struct GraphOptions {
    /// `$top` for message listings (Graph allows up to 1000 for messages).
    pub page_size: u32,
    /// Tries per request when Graph throttles (429) or is unavailable (503/504), first included.
    pub max_attempts: u32,
    /// Tries per request when Graph does not answer (timeout, refused connection).
    pub max_unanswered_attempts: u32,
    /// No retry of a request starts after this much time spent on it: the bound on how long
    /// one request can keep the import waiting (plus the timeout of its last attempt).
    pub give_up_after: Duration,
    /// Without `Retry-After` the pause doubles from one second up to this.
    pub max_backoff: Duration,
    /// Per-call timeouts; `None` for none.
    pub timeouts: Option<GraphTimeouts>,
    /// How long an unused connection stays open; `None` keeps it until the server closes it.
    /// Tests on a paused tokio clock set this and `timeouts` to `None`: a pending timer
    /// would otherwise fire while a request is in flight.
    pub pool_idle_timeout: Option<Duration>,
}

impl Default for GraphOptions {
    fn default() -> Self {
        GraphOptions {
            page_size: 1000,
            max_attempts: 5,
            max_unanswered_attempts: 3,
            give_up_after: Duration::from_secs(300),
            max_backoff: Duration::from_secs(60),
            timeouts: Some(GraphTimeouts::default()),
            pool_idle_timeout: Some(Duration::from_secs(90)),
        }
    }
}

struct CachedToken {
    value: Secret,
    renew_at: Instant,
}

/// One page of a Graph collection.
#[derive(Debug, Deserialize)]
pub(crate) struct Page<T> {
    pub value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    pub next_link: Option<String>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

pub(crate) struct GraphClient {
    http: reqwest::Client,
    token_url: Url,
    api_url: Url,
    tenant: String,
    client_id: String,
    secret: Secret,
    mailbox: String,
    options: GraphOptions,
    token: Option<CachedToken>,
    notices: Option<Notices>,
}

impl GraphClient {
    /// Checks the configuration; the error names the key to fix.
    pub(crate) fn new(config: &GraphConfig, options: GraphOptions) -> Result<Self, String> {
        let missing = |key: &str| format!("graph.{key} is not set");
        let tenant = non_empty(config.tenant_id.as_deref()).ok_or_else(|| missing("tenant_id"))?;
        let client_id =
            non_empty(config.client_id.as_deref()).ok_or_else(|| missing("client_id"))?;
        let mailbox = non_empty(config.mailbox.as_deref()).ok_or_else(|| missing("mailbox"))?;
        let secret = config
            .client_secret
            .clone()
            .filter(|s| !s.expose().is_empty())
            .ok_or_else(|| missing("client_secret"))?;
        let token_url = with_segments(
            base_url("login_url", &config.login_url)?,
            &[tenant, "oauth2", "v2.0", "token"],
        );
        let api_url = base_url("api_url", &config.api_url)?;
        Ok(GraphClient {
            http: http_client(&options)?,
            token_url,
            api_url,
            tenant: tenant.to_string(),
            client_id: client_id.to_string(),
            secret,
            mailbox: mailbox.to_string(),
            options,
            token: None,
            notices: None,
        })
    }

    pub(crate) fn context(&self) -> Context<'_> {
        Context {
            tenant: &self.tenant,
            client_id: &self.client_id,
            mailbox: &self.mailbox,
        }
    }

    pub(crate) fn mailbox(&self) -> &str {
        &self.mailbox
    }

    pub(crate) fn options(&self) -> &GraphOptions {
        &self.options
    }

    /// Where retries are announced (the import's progress line).
    pub(crate) fn set_notices(&mut self, notices: Notices) {
        self.notices = Some(notices);
    }

    /// `{api}/users/{mailbox}/{segments...}`, each segment percent-encoded.
    pub(crate) fn user_url(&self, segments: &[&str]) -> Url {
        let mut all = vec!["users", self.mailbox.as_str()];
        all.extend_from_slice(segments);
        with_segments(self.api_url.clone(), &all)
    }

    /// A valid token, from the cache or freshly issued.
    pub(crate) async fn token(&mut self) -> Result<Secret, GraphError> {
        if let Some(t) = &self.token
            && Instant::now() < t.renew_at
        {
            return Ok(t.value.clone());
        }
        self.token = None;
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.secret.expose()),
            ("scope", SCOPE),
            ("grant_type", "client_credentials"),
        ];
        let (status, body) = self
            .execute(Call::Token, || {
                self.http.post(self.token_url.clone()).form(&form)
            })
            .await?;
        if !status.is_success() {
            return Err(GraphError::sign_in(status, &body));
        }
        let parsed: TokenResponse = serde_json::from_slice(&body)
            .map_err(|e| GraphError::BadResponse(format!("token response: {e}")))?;
        // Entra ID sends a number; some proxies turn it into a string.
        let lifetime = parsed
            .expires_in
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .unwrap_or(3599);
        let lifetime = Duration::from_secs(lifetime);
        let margin = TOKEN_MARGIN.min(lifetime / 2);
        tracing::info!(
            tenant = %self.tenant,
            app = %self.client_id,
            expires_in = lifetime.as_secs(),
            "signed in to Microsoft Graph"
        );
        let value = Secret::new(parsed.access_token);
        self.token = Some(CachedToken {
            value: value.clone(),
            renew_at: Instant::now() + (lifetime - margin),
        });
        Ok(value)
    }

    /// One API request with a bearer token; a 401 drops the token and tries once more with a
    /// new one. Returns the body of a 2xx answer.
    pub(crate) async fn call(
        &mut self,
        what: Call,
        method: Method,
        url: &Url,
        json: Option<&serde_json::Value>,
    ) -> Result<Vec<u8>, GraphError> {
        self.call_with(what, method, url, json, Resend::Unanswered)
            .await
    }

    /// A POST that must not reach the server twice (sendMail): throttling (429) and 503 are
    /// waited out and tried again, as is a connection that could not be opened, since in all
    /// of those the server did not take the request. Once the request may have gone out and
    /// no answer came back (a timeout, a reset connection, a gateway error), the result is
    /// [`GraphError::Unknown`] and nothing is tried again.
    pub(crate) async fn send_once(
        &mut self,
        what: Call,
        url: &Url,
        json: &serde_json::Value,
    ) -> Result<Vec<u8>, GraphError> {
        self.call_with(what, Method::POST, url, Some(json), Resend::Never)
            .await
    }

    async fn call_with(
        &mut self,
        what: Call,
        method: Method,
        url: &Url,
        json: Option<&serde_json::Value>,
        resend: Resend,
    ) -> Result<Vec<u8>, GraphError> {
        let mut renewed = false;
        loop {
            let token = self.token().await?;
            let (status, body) = self
                .execute_with(what, resend, || {
                    let req = self
                        .http
                        .request(method.clone(), url.clone())
                        .bearer_auth(token.expose());
                    match json {
                        Some(j) => req.json(j),
                        None => req,
                    }
                })
                .await?;
            if status.is_success() {
                return Ok(body);
            }
            if status == StatusCode::UNAUTHORIZED && !renewed {
                // Expired or revoked early: a new token fixes that, a second 401 is real.
                tracing::info!(%method, path = url.path(), "access token rejected; signing in again");
                self.token = None;
                renewed = true;
                continue;
            }
            return Err(GraphError::api(status, &body));
        }
    }

    pub(crate) async fn get_json<T: DeserializeOwned>(
        &mut self,
        what: Call,
        url: &Url,
    ) -> Result<T, GraphError> {
        let body = self.call(what, Method::GET, url, None).await?;
        serde_json::from_slice(&body)
            .map_err(|e| GraphError::BadResponse(format!("{}: {e}", url.path())))
    }

    /// Every item of a collection, following `@odata.nextLink` verbatim until it is absent.
    pub(crate) async fn get_all<T: DeserializeOwned>(
        &mut self,
        what: Call,
        first: Url,
    ) -> Result<Vec<T>, GraphError> {
        let mut items = Vec::new();
        let mut url = first;
        let mut pages = 0u32;
        loop {
            let page: Page<T> = self.get_json(what, &url).await?;
            items.extend(page.value);
            pages += 1;
            let Some(next) = page.next_link else {
                tracing::debug!(pages, items = items.len(), path = url.path(), "listed");
                return Ok(items);
            };
            let next = Url::parse(&next)
                .map_err(|e| GraphError::BadResponse(format!("@odata.nextLink {next:?}: {e}")))?;
            // The bearer token must not travel to a host the configuration did not name.
            if next.origin() != self.api_url.origin() {
                return Err(GraphError::BadResponse(format!(
                    "@odata.nextLink points to another host: {}",
                    next.origin().ascii_serialization()
                )));
            }
            if next == url {
                return Err(GraphError::BadResponse(format!(
                    "@odata.nextLink repeats the page it is on: {next}"
                )));
            }
            url = next;
        }
    }

    /// Sends until the answer is neither throttled nor unavailable, or attempts or the time
    /// budget run out. Timeouts and refused connections are retried too, but fewer times: a
    /// server that does not answer rarely starts to within seconds. Every retry is announced.
    async fn execute(
        &self,
        what: Call,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<(StatusCode, Vec<u8>), GraphError> {
        self.execute_with(what, Resend::Unanswered, build).await
    }

    async fn execute_with(
        &self,
        what: Call,
        resend: Resend,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<(StatusCode, Vec<u8>), GraphError> {
        let once = resend == Resend::Never;
        let max = self.options.max_attempts.max(1);
        let max_unanswered = self.options.max_unanswered_attempts.max(1);
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let mut req = build();
            if let Some(t) = &self.options.timeouts {
                req = req.timeout(t.of(what));
            }
            let outcome = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    let retry_after = crate::http::retry_after(resp.headers());
                    match resp.bytes().await {
                        Ok(body) => Ok((status, body.to_vec(), retry_after)),
                        // The status said it all: an accepted request stays accepted.
                        Err(_) if once && status.is_success() => return Ok((status, Vec::new())),
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            let (wait, limit, reason, give_up) = match outcome {
                Ok((status, body, retry_after)) => {
                    if once && status.is_server_error() && !is_not_taken(status) {
                        // A gateway or server error after the request arrived: it may have
                        // been carried out.
                        return Err(GraphError::Unknown {
                            call: what.label(),
                            error: format!("HTTP {}", status.as_u16()),
                        });
                    }
                    if !is_transient(status) || (once && !is_not_taken(status)) {
                        return Ok((status, body));
                    }
                    let wait = retry_after
                        .map(|d| d.min(MAX_RETRY_AFTER))
                        .unwrap_or_else(|| self.backoff(attempt));
                    let give_up = GraphError::Throttled {
                        status: status.as_u16(),
                        attempts: attempt,
                    };
                    let reason = format!(
                        "Microsoft Graph {} (HTTP {}) at the {}",
                        busy_word(status.as_u16()),
                        status.as_u16(),
                        what.label()
                    );
                    (wait, max, reason, give_up)
                }
                Err(e) => {
                    let text = crate::http::error_chain(&e);
                    if once && !e.is_connect() {
                        return Err(GraphError::Unknown {
                            call: what.label(),
                            error: text,
                        });
                    }
                    if !(e.is_connect() || e.is_timeout()) {
                        return Err(GraphError::Transport(text));
                    }
                    let reason = match (&self.options.timeouts, e.is_timeout()) {
                        (Some(t), true) => format!(
                            "Microsoft Graph did not answer the {} in time ({} s without \
                             data, {} s in all)",
                            what.label(),
                            t.stall.as_secs_f64(),
                            t.of(what).as_secs_f64()
                        ),
                        _ => format!("cannot reach Microsoft Graph for the {}", what.label()),
                    };
                    let give_up = GraphError::NoAnswer {
                        call: what.label(),
                        attempts: attempt,
                        error: text,
                    };
                    (self.backoff(attempt), max_unanswered, reason, give_up)
                }
            };
            if attempt >= limit || started.elapsed() + wait > self.options.give_up_after {
                tracing::warn!(attempt, "{reason}; giving up");
                return Err(give_up);
            }
            let notice = format!(
                "{reason}; retry {} of {limit} in {} s",
                attempt + 1,
                wait.as_secs_f64().ceil()
            );
            tracing::warn!("{notice}");
            if let Some(notify) = &self.notices {
                notify(&notice);
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// 1, 2, 4, 8 ... seconds, capped.
    fn backoff(&self, attempt: u32) -> Duration {
        crate::http::backoff(attempt, self.options.max_backoff)
    }
}

/// 429 is throttling; 503 and 504 mean the service is not there right now.
pub(crate) fn busy_word(status: u16) -> &'static str {
    if status == 429 {
        "is throttling requests"
    } else {
        "is unavailable"
    }
}

/// Whether a request is tried again when it was sent but not answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resend {
    /// Reading calls and idempotent moves: a timeout is tried again.
    Unanswered,
    /// sendMail: only what the server certainly did not take is tried again.
    Never,
}

/// Answers that say the server did not take the request: throttled or unavailable.
fn is_not_taken(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    )
}

fn is_transient(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

fn http_client(options: &GraphOptions) -> Result<reqwest::Client, String> {
    let timeouts = options.timeouts.as_ref().map(|t| crate::http::Timeouts {
        connect: t.connect,
        read: Some(t.stall),
        request: None,
    });
    crate::http::client_with(timeouts, options.pool_idle_timeout)
}

fn non_empty(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

fn base_url(key: &str, value: &str) -> Result<Url, String> {
    let url =
        Url::parse(value.trim()).map_err(|e| format!("graph.{key} {value:?} is not a URL: {e}"))?;
    if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https") {
        return Err(format!("graph.{key} {value:?} must be an http(s) URL"));
    }
    Ok(url)
}

/// Appends path segments, percent-encoding each (message ids may hold `/`, `+`, `=`).
fn with_segments(mut url: Url, segments: &[&str]) -> Url {
    // `base_url` rejected cannot-be-a-base URLs, so the segments are always reachable.
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_and_base_path_kept() {
        let base = base_url("api_url", "https://graph.example/v1.0/").unwrap();
        let url = with_segments(base, &["users", "a@b.c", "messages", "AA/b+c=", "$value"]);
        assert_eq!(
            url.as_str(),
            "https://graph.example/v1.0/users/a@b.c/messages/AA%2Fb+c=/$value"
        );
        assert!(base_url("api_url", "mailto:x@y").is_err());
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let options = GraphOptions {
            max_backoff: Duration::from_secs(5),
            ..GraphOptions::default()
        };
        let config = GraphConfig {
            tenant_id: Some("t".into()),
            client_id: Some("c".into()),
            client_secret: Some(Secret::new("s")),
            mailbox: Some("m".into()),
            ..GraphConfig::default()
        };
        let client = GraphClient::new(&config, options).unwrap();
        let waits: Vec<u64> = (1..=5).map(|a| client.backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 5, 5]);
    }
}
