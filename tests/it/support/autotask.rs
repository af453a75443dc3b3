//! The stand-in Autotask (`backupchecks::psa::autotask::fake`) served by wiremock on
//! `127.0.0.1:0`. The state machine lives in the library so `demo` can use it too; this wraps it
//! in one catch-all responder and adds test helpers.
//!
//! Dropping a `MockAutotask` asserts that no update tried to empty a ticket's description.

#![allow(dead_code)] // not every test module uses every knob

use backupchecks::config::AutotaskConfig;
use backupchecks::psa::autotask::fake::{FakeAutotask, FakeRequest, FakeState};
use backupchecks::psa::autotask::{AutotaskClient, ClientOptions};
use std::sync::MutexGuard;
use std::time::Duration;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

pub use backupchecks::psa::autotask::fake::{Fault, QUEUE_MONITORING, STATUS_COMPLETE};

/// Companies every fake tenant starts with.
pub const ACME: i64 = 174;
pub const GLOBEX: i64 = 175;

pub struct MockAutotask {
    pub server: MockServer,
    pub fake: FakeAutotask,
}

struct Responder(FakeAutotask);

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let fake_req = FakeRequest {
            method: req.method.as_str().to_string(),
            path: req.url.path().to_string(),
            query: req.url.query().map(str::to_string),
            headers: req
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        v.to_str().unwrap_or_default().to_string(),
                    )
                })
                .collect(),
            body: req.body.clone(),
        };
        let resp = self.0.handle(&fake_req);
        let mut t = ResponseTemplate::new(resp.status).set_body_raw(
            resp.body,
            resp.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                .map(|(_, v)| v.as_str())
                .unwrap_or("text/html"),
        );
        for (k, v) in &resp.headers {
            if !k.eq_ignore_ascii_case("content-type") {
                t = t.insert_header(k.as_str(), v.as_str());
            }
        }
        if let Some(d) = resp.delay {
            t = t.set_delay(d);
        }
        t
    }
}

impl MockAutotask {
    pub async fn start() -> MockAutotask {
        let server = MockServer::start().await;
        let fake = FakeAutotask::new(&server.uri());
        Mock::given(any())
            .respond_with(Responder(fake.clone()))
            .mount(&server)
            .await;
        MockAutotask { server, fake }
    }

    pub fn state(&self) -> MutexGuard<'_, FakeState> {
        self.fake.state()
    }

    /// The API user's configuration with `api_url` (no zone discovery).
    pub fn config(&self) -> AutotaskConfig {
        self.fake.config()
    }

    /// Fast retries and a short timeout, zone hosts on the mock.
    pub fn options(&self) -> ClientOptions {
        ClientOptions {
            production_zone_url: format!("{}/prod/ATServicesRest", self.server.uri()),
            sandbox_zone_url: format!("{}/sandbox/ATServicesRest", self.server.uri()),
            max_attempts: 4,
            max_backoff: Duration::from_millis(20),
            request_timeout: Some(Duration::from_secs(5)),
            ..ClientOptions::default()
        }
    }

    pub fn client(&self) -> AutotaskClient {
        AutotaskClient::new(&self.config(), self.options()).expect("client")
    }

    pub fn client_with(&self, config: &AutotaskConfig, options: ClientOptions) -> AutotaskClient {
        AutotaskClient::new(config, options).expect("client")
    }

    pub fn violations(&self) -> Vec<String> {
        self.state().violations.clone()
    }
}

impl Drop for MockAutotask {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let v = self.violations();
        assert!(
            v.is_empty(),
            "an update tried to empty a description: {v:?}"
        );
    }
}
