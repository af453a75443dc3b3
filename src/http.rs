//! What the clients of remote services (Microsoft Graph, Autotask) share: building the HTTP
//! client, reading `Retry-After`, capped exponential backoff and readable transport errors.

use std::time::Duration;

/// Client-wide timeouts.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// Longest silence while reading an answer (a stalled server).
    pub read: Option<Duration>,
    /// Whole request; callers may set a tighter one per request instead.
    pub request: Option<Duration>,
}

/// The usual reqwest client: one timeout for every request, connecting within 30 s at most.
pub fn client(
    request_timeout: Option<Duration>,
    pool_idle_timeout: Option<Duration>,
) -> Result<reqwest::Client, String> {
    let timeouts = request_timeout.map(|t| Timeouts {
        connect: t.min(Duration::from_secs(30)),
        read: None,
        request: Some(t),
    });
    client_with(timeouts, pool_idle_timeout)
}

/// The one way a reqwest client is built. reqwest is compiled without a default crypto
/// provider and panics unless one is installed, so this installs ring first.
pub fn client_with(
    timeouts: Option<Timeouts>,
    pool_idle_timeout: Option<Duration>,
) -> Result<reqwest::Client, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("backupchecks/", env!("CARGO_PKG_VERSION")))
        .pool_idle_timeout(pool_idle_timeout);
    if let Some(t) = timeouts {
        builder = builder.connect_timeout(t.connect);
        if let Some(read) = t.read {
            builder = builder.read_timeout(read);
        }
        if let Some(request) = t.request {
            builder = builder.timeout(request);
        }
    }
    builder
        .build()
        .map_err(|e| format!("cannot set up the HTTP client: {e}"))
}

/// `Retry-After` in seconds or as an HTTP date.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let delta = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

/// The pause before attempt `attempt` (1-based) without `Retry-After`: 1, 2, 4, … seconds, capped.
pub fn backoff(attempt: u32, max: Duration) -> Duration {
    let secs = 1u64 << attempt.saturating_sub(1).min(20);
    Duration::from_secs(secs).min(max)
}

/// reqwest's top-level message is terse ("error sending request"); the causes say why.
pub fn error_chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    #[test]
    fn backoff_doubles_and_caps() {
        let max = Duration::from_secs(5);
        let got: Vec<u64> = (1..=5).map(|a| backoff(a, max).as_secs()).collect();
        assert_eq!(got, [1, 2, 4, 5, 5]);
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a past date means now"
        );
    }
}
