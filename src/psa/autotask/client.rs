//! HTTP to the Autotask REST API: zone discovery (cached), the three credential headers, and
//! patience with 429/5xx (backoff, `Retry-After`). Requests that create something are only
//! repeated when Autotask certainly did not carry them out (429, no connection).

use super::errors::{self, AutotaskError};
use crate::config::{AutotaskConfig, AutotaskEnvironment, Secret};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use tokio::sync::OnceCell;

/// Zone lookup hosts; any zone answers for any user, these two are the documented ones.
pub const PRODUCTION_ZONE_URL: &str = "https://webservices.autotask.net/ATServicesRest";
pub const SANDBOX_ZONE_URL: &str = "https://webservices2.autotask.net/ATServicesRest";
/// A server asking for a longer pause than this is still waited on, but only this long.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// Tuning for the client. The defaults suit production.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Zone lookup base for the production environment (tests point it at a mock).
    pub production_zone_url: String,
    pub sandbox_zone_url: String,
    /// Tries per request when Autotask throttles or fails transiently, first included.
    pub max_attempts: u32,
    /// Without `Retry-After` the pause doubles from one second up to this.
    pub max_backoff: Duration,
    /// Whole-request timeout; `None` for none.
    pub request_timeout: Option<Duration>,
    pub pool_idle_timeout: Option<Duration>,
    /// `MaxRecords` per query page (Autotask allows 1 to 500).
    pub page_size: u32,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            production_zone_url: PRODUCTION_ZONE_URL.into(),
            sandbox_zone_url: SANDBOX_ZONE_URL.into(),
            max_attempts: 5,
            max_backoff: Duration::from_secs(60),
            request_timeout: Some(Duration::from_secs(30)),
            pool_idle_timeout: Some(Duration::from_secs(90)),
            page_size: 500,
        }
    }
}

/// Whether a request may be sent again after an unclear failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Reads and full-value updates: repeating them changes nothing.
    Safe,
    /// Creates: repeated only when Autotask certainly did not act (429, no connection).
    OnlyUnsent,
}

/// Where the REST API of this user lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// `https://webservices<N>.autotask.net/ATServicesRest/V1.0/`
    pub rest_url: Url,
    /// Zone name and web URL when zone discovery found them.
    pub name: Option<String>,
    pub web_url: Option<String>,
    /// False when `autotask.api_url` was configured.
    pub discovered: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ZoneInformation {
    zone_name: Option<String>,
    url: Option<String>,
    web_url: Option<String>,
}

/// A client for one API user. Cheap to share behind an `Arc`; the zone is looked up once.
pub struct AutotaskClient {
    http: reqwest::Client,
    username: String,
    secret: Secret,
    integration_code: Secret,
    environment: AutotaskEnvironment,
    fixed: Option<Url>,
    zone: OnceCell<Zone>,
    options: ClientOptions,
    /// Set once the tenant refused `PATCH` on Tickets; later updates go straight to `PUT`.
    pub(crate) patch_refused: AtomicBool,
}

impl std::fmt::Debug for AutotaskClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AutotaskClient")
            .field("username", &self.username)
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

impl AutotaskClient {
    /// Checks the configuration; the error names the key to fix.
    pub fn new(config: &AutotaskConfig, options: ClientOptions) -> Result<Self, AutotaskError> {
        let missing = |key: &str| AutotaskError::Config(format!("autotask.{key} is not set"));
        let username = config
            .username
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("username"))?;
        let present = |s: &Option<Secret>| s.clone().filter(|s| !s.expose().trim().is_empty());
        let secret = present(&config.secret).ok_or_else(|| missing("secret"))?;
        let integration_code =
            present(&config.integration_code).ok_or_else(|| missing("integration_code"))?;
        let fixed = config
            .api_url
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|u| rest_base("autotask.api_url", u))
            .transpose()?;
        Ok(AutotaskClient {
            http: http_client(&options)?,
            username: username.to_string(),
            secret,
            integration_code,
            environment: config.environment,
            fixed,
            zone: OnceCell::new(),
            options,
            patch_refused: AtomicBool::new(false),
        })
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// The REST zone of the user: configured, or discovered once and then cached.
    pub async fn zone(&self) -> Result<&Zone, AutotaskError> {
        self.zone
            .get_or_try_init(|| async {
                match &self.fixed {
                    Some(url) => Ok(Zone {
                        rest_url: url.clone(),
                        name: None,
                        web_url: None,
                        discovered: false,
                    }),
                    None => self.discover().await,
                }
            })
            .await
    }

    /// Asks the environment's zone host first, then the other one.
    async fn discover(&self) -> Result<Zone, AutotaskError> {
        let (first, second) = match self.environment {
            AutotaskEnvironment::Production => (
                &self.options.production_zone_url,
                &self.options.sandbox_zone_url,
            ),
            AutotaskEnvironment::Sandbox => (
                &self.options.sandbox_zone_url,
                &self.options.production_zone_url,
            ),
        };
        let mut failures = Vec::new();
        for base in [first, second] {
            match self.zone_from(base).await {
                Ok(zone) => {
                    tracing::info!(
                        user = %self.username,
                        zone = zone.name.as_deref().unwrap_or("?"),
                        url = %zone.rest_url,
                        "Autotask zone found"
                    );
                    return Ok(zone);
                }
                Err(e) => {
                    tracing::warn!(host = %base, error = %e, "Autotask zone lookup failed");
                    failures.push(format!("{base}: {e}"));
                }
            }
        }
        Err(AutotaskError::Zone {
            user: self.username.clone(),
            detail: failures.join("; "),
        })
    }

    async fn zone_from(&self, base: &str) -> Result<Zone, AutotaskError> {
        let mut url = rest_base("zone lookup URL", base)?;
        extend(&mut url, &["zoneInformation"]);
        url.query_pairs_mut().append_pair("user", &self.username);
        // No credentials: the lookup does not need them and the host is not the user's zone.
        let (status, body) = self
            .execute(Retry::Safe, || self.http.get(url.clone()))
            .await?;
        if !(200..300).contains(&status) {
            return Err(AutotaskError::from_status(status, &body, &self.username));
        }
        let info: ZoneInformation = serde_json::from_slice(&body)
            .map_err(|e| AutotaskError::BadResponse(format!("zoneInformation: {e}")))?;
        let rest = info
            .url
            .ok_or_else(|| AutotaskError::BadResponse("zoneInformation without url".into()))?;
        Ok(Zone {
            rest_url: rest_base("zoneInformation url", &rest)?,
            name: info.zone_name,
            web_url: info.web_url,
            discovered: true,
        })
    }

    /// `{zone}/V1.0/{segments...}`, each segment percent-encoded.
    pub(crate) async fn url(&self, segments: &[&str]) -> Result<Url, AutotaskError> {
        let mut url = self.zone().await?.rest_url.clone();
        extend(&mut url, segments);
        Ok(url)
    }

    /// True when `url` is on the user's zone host: only there may the credentials go.
    pub(crate) async fn same_origin(&self, url: &Url) -> Result<bool, AutotaskError> {
        Ok(self.zone().await?.rest_url.origin() == url.origin())
    }

    /// One authenticated request; returns status and body of the final answer, success or not.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
        retry: Retry,
    ) -> Result<(u16, Vec<u8>), AutotaskError> {
        tracing::debug!(%method, path = url.path(), "Autotask request");
        let headers = self.headers()?;
        self.execute(retry, || {
            let req = self
                .http
                .request(method.clone(), url.clone())
                .headers(headers.clone());
            match body {
                Some(b) => req.json(b),
                None => req,
            }
        })
        .await
    }

    /// An authenticated request whose 2xx body is read as `T`; anything else is an error.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
        retry: Retry,
    ) -> Result<T, AutotaskError> {
        let (status, bytes) = self.send(method, url, body, retry).await?;
        if !(200..300).contains(&status) {
            return Err(self.error(status, &bytes));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| AutotaskError::BadResponse(format!("{}: {e}", url.path())))
    }

    pub(crate) fn error(&self, status: u16, body: &[u8]) -> AutotaskError {
        AutotaskError::from_status(status, body, &self.username)
    }

    fn headers(&self) -> Result<HeaderMap, AutotaskError> {
        let value = |name: &str, v: &str| {
            HeaderValue::from_str(v.trim()).map_err(|_| {
                AutotaskError::Config(format!("autotask.{name} holds characters HTTP cannot send"))
            })
        };
        let mut h = HeaderMap::new();
        let mut code = value("integration_code", self.integration_code.expose())?;
        code.set_sensitive(true);
        let mut secret = value("secret", self.secret.expose())?;
        secret.set_sensitive(true);
        h.insert("ApiIntegrationCode", code);
        h.insert("UserName", value("username", &self.username)?);
        h.insert("Secret", secret);
        Ok(h)
    }

    /// Sends until the answer is not transient, or attempts run out.
    async fn execute(
        &self,
        retry: Retry,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<(u16, Vec<u8>), AutotaskError> {
        let max = self.options.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            let outcome = match build().send().await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let wait = crate::http::retry_after(resp.headers());
                    resp.bytes().await.map(|b| (status, b.to_vec(), wait))
                }
                Err(e) => Err(e),
            };
            let wait = match outcome {
                Ok((status, body, retry_after)) => {
                    if !transient(status, &body, retry) {
                        return Ok((status, body));
                    }
                    if attempt >= max {
                        return Err(AutotaskError::Throttled {
                            status,
                            attempts: attempt,
                        });
                    }
                    let wait = retry_after
                        .map(|d| d.min(MAX_RETRY_AFTER))
                        .unwrap_or_else(|| self.backoff(attempt));
                    tracing::warn!(
                        status,
                        attempt,
                        wait_secs = wait.as_secs_f64(),
                        "Autotask asks to slow down; waiting"
                    );
                    wait
                }
                Err(e) => {
                    let text = crate::http::error_chain(&e);
                    // A request that never connected was never carried out.
                    let unsent = e.is_connect();
                    let repeatable = unsent || (retry == Retry::Safe && e.is_timeout());
                    if !repeatable || attempt >= max {
                        return Err(if e.is_timeout() {
                            AutotaskError::Timeout(text)
                        } else if unsent {
                            AutotaskError::Transport(text)
                        } else if retry == Retry::OnlyUnsent {
                            // Sent, then the connection broke: the outcome is unknown.
                            AutotaskError::Timeout(text)
                        } else {
                            AutotaskError::Transport(text)
                        });
                    }
                    tracing::warn!(attempt, error = %text, "Autotask unreachable; retrying");
                    self.backoff(attempt)
                }
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// 1, 2, 4, 8 ... seconds, capped.
    fn backoff(&self, attempt: u32) -> Duration {
        crate::http::backoff(attempt, self.options.max_backoff)
    }
}

/// 429 always means "not done, come back later". 5xx is an outage only without an
/// `{"errors": [...]}` body (Autotask reports validation failures as 500 too), and a create is
/// never repeated after one: it may have gone through.
fn transient(status: u16, body: &[u8], retry: Retry) -> bool {
    match status {
        429 => true,
        500 | 502 | 503 | 504 => retry == Retry::Safe && !errors::is_structured(body),
        _ => false,
    }
}

fn http_client(options: &ClientOptions) -> Result<reqwest::Client, AutotaskError> {
    crate::http::client(options.request_timeout, options.pool_idle_timeout)
        .map_err(AutotaskError::Config)
}

/// A REST base ending in `/V1.0/`, from a URL with or without the version segment.
fn rest_base(what: &str, value: &str) -> Result<Url, AutotaskError> {
    let mut url = Url::parse(value.trim())
        .map_err(|e| AutotaskError::Config(format!("{what} {value:?} is not a URL: {e}")))?;
    if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https") {
        return Err(AutotaskError::Config(format!(
            "{what} {value:?} must be an http(s) URL"
        )));
    }
    url.set_query(None);
    let has_version = url
        .path_segments()
        .and_then(|mut s| s.rfind(|seg| !seg.is_empty()))
        .is_some_and(|last| last.eq_ignore_ascii_case("v1.0"));
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty();
        if !has_version {
            path.push("V1.0");
        }
        path.push("");
    }
    Ok(url)
}

/// Appends path segments, percent-encoding each.
fn extend(url: &mut Url, segments: &[&str]) {
    // `rest_base` rejected cannot-be-a-base URLs, so the segments are always reachable.
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_base_adds_the_version_once() {
        let a = rest_base("x", "https://webservices5.autotask.net/ATServicesRest/").unwrap();
        assert_eq!(
            a.as_str(),
            "https://webservices5.autotask.net/ATServicesRest/V1.0/"
        );
        let b = rest_base("x", "https://webservices5.autotask.net/ATServicesRest/V1.0").unwrap();
        assert_eq!(a, b);
        let mut c = b.clone();
        extend(&mut c, &["Tickets", "12"]);
        assert_eq!(
            c.as_str(),
            "https://webservices5.autotask.net/ATServicesRest/V1.0/Tickets/12"
        );
        assert!(rest_base("x", "mailto:a@b").is_err());
    }

    #[test]
    fn validation_errors_are_not_retried_outages_are() {
        let validation = br#"{"errors":["Invalid queueID"]}"#;
        assert!(!transient(500, validation, Retry::Safe));
        assert!(transient(500, b"", Retry::Safe));
        assert!(transient(503, b"<html/>", Retry::Safe));
        assert!(!transient(503, b"", Retry::OnlyUnsent));
        assert!(transient(429, b"", Retry::OnlyUnsent));
        assert!(!transient(404, b"", Retry::Safe));
    }

    #[test]
    fn configuration_errors_name_the_key() {
        let mut c = AutotaskConfig {
            username: Some("api@x".into()),
            secret: Some(Secret::new("s")),
            integration_code: None,
            ..AutotaskConfig::default()
        };
        let e = AutotaskClient::new(&c, ClientOptions::default()).unwrap_err();
        assert_eq!(e.to_string(), "autotask.integration_code is not set");
        c.integration_code = Some(Secret::new("code"));
        c.api_url = Some("not a url".into());
        let e = AutotaskClient::new(&c, ClientOptions::default()).unwrap_err();
        assert!(e.to_string().starts_with("autotask.api_url"));
    }
}
