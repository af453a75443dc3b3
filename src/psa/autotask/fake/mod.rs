//! A stand-in Autotask that follows the REST contract (zone discovery, credential headers,
//! queries with filters and `nextPageUrl` paging, tickets, notes, companies, picklists, error
//! bodies), for the tests and for `demo` on loopback ([`http::serve`]). Its state is plain data
//! behind a mutex so a test can change the world between calls: complete or delete a ticket,
//! rename a company, refuse `PATCH`, throttle a route, delay an answer.
//!
//! It also guards the one rule every update must keep: a ticket's description is never emptied.
//! An update that would do so is refused and recorded in [`FakeState::violations`].

mod filter;
pub mod http;
mod routes;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub const USERNAME: &str = "api-user@example.com";
pub const SECRET: &str = "fake-secret-K3y";
pub const INTEGRATION_CODE: &str = "FAKEINTEGRATIONCODE";
/// Status value of "Complete" in the fake's picklist (the system default).
pub const STATUS_COMPLETE: i64 = 5;
pub const STATUS_NEW: i64 = 1;
pub const QUEUE_MONITORING: i64 = 29683461;

/// An HTTP request as the fake sees it.
#[derive(Debug, Clone, Default)]
pub struct FakeRequest {
    pub method: String,
    /// Path only, percent-encoded as sent.
    pub path: String,
    pub query: Option<String>,
    /// Header names in any case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl FakeRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The answer, and how long to hold it back (the action itself happens at once).
#[derive(Debug, Clone, PartialEq)]
pub struct FakeResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub delay: Option<Duration>,
}

impl FakeResponse {
    fn json(status: u16, body: &Value) -> FakeResponse {
        FakeResponse {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            delay: None,
        }
    }

    fn errors(status: u16, messages: &[&str]) -> FakeResponse {
        FakeResponse::json(status, &json!({ "errors": messages }))
    }

    fn empty(status: u16) -> FakeResponse {
        FakeResponse {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: None,
        }
    }
}

/// Something the fake does instead of (or on top of) answering normally.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// 429, optionally with `Retry-After` seconds; nothing is done.
    Throttle { retry_after: Option<u64> },
    /// 503 with an HTML page (an outage); nothing is done.
    Unavailable,
    /// 500 `{"errors": [text]}` (how Autotask reports validation failures); nothing is done.
    Validation(String),
    /// The request is carried out, but the answer comes this much later (a client timeout).
    Slow(Duration),
}

/// Applies `fault` to the next `times` requests whose route is `route`: `"Tickets/query"` (any
/// method), `"POST Tickets"` (that method only), or a prefix ending in `*` (`"GET Tickets/*"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Injected {
    pub route: String,
    /// Matching requests answered normally before the fault starts.
    pub skip: u32,
    pub times: u32,
    pub fault: Fault,
}

impl Injected {
    fn matches(&self, key: &str, route: &str) -> bool {
        match self.route.strip_suffix('*') {
            Some(prefix) => key.starts_with(prefix) || route.starts_with(prefix),
            None => key == self.route || route == self.route,
        }
    }
}

/// One request as answered: `POST Tickets/query`, the status, and the size of an `in` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    pub route: String,
    pub status: u16,
    pub in_list: Option<usize>,
}

/// The fake's world. Fields are public so tests can arrange and inspect it.
#[derive(Debug)]
pub struct FakeState {
    /// Origin the fake is reached on (`http://127.0.0.1:PORT`); zone and paging URLs use it.
    pub base: String,
    pub username: String,
    pub secret: String,
    pub integration_code: String,
    /// Path prefixes (before `/ATServicesRest`) whose zone lookup fails, to exercise fallback.
    pub zone_down: Vec<String>,
    /// The tenant refuses `PATCH` on Tickets; only a full `PUT` updates.
    pub patch_refused: bool,
    /// The tenant refuses queries with an `in` filter.
    pub in_refused: bool,
    /// A deleted ticket answers 404 instead of `{"item": null}`.
    pub deleted_404: bool,
    /// Most records per page, whatever `MaxRecords` asks.
    pub page_max: usize,
    /// The fake's clock: ticket numbers and create dates.
    pub now: DateTime<Utc>,
    pub companies: BTreeMap<i64, Map<String, Value>>,
    pub tickets: BTreeMap<i64, Map<String, Value>>,
    pub notes: Vec<(i64, Map<String, Value>)>,
    /// `(field, values)` of `Tickets/entityInformation/fields`.
    pub picklists: Vec<(String, Vec<Value>)>,
    pub faults: Vec<Injected>,
    pub seen: Vec<Seen>,
    /// Updates refused because they would have emptied a description.
    pub violations: Vec<String>,
    next_ticket: i64,
    next_note: i64,
    /// Numbers issued per day: Autotask never hands out a number twice, even after a delete.
    numbers_issued: BTreeMap<String, usize>,
}

impl FakeState {
    /// A tenant with two companies and the default picklists, no tickets.
    pub fn new(base: &str) -> FakeState {
        let mut s = FakeState {
            base: base.trim_end_matches('/').to_string(),
            username: USERNAME.into(),
            secret: SECRET.into(),
            integration_code: INTEGRATION_CODE.into(),
            zone_down: Vec::new(),
            patch_refused: false,
            in_refused: false,
            deleted_404: false,
            page_max: 500,
            now: Utc
                .with_ymd_and_hms(2025, 3, 3, 8, 0, 0)
                .single()
                .unwrap_or_default(),
            companies: BTreeMap::new(),
            tickets: BTreeMap::new(),
            notes: Vec::new(),
            picklists: default_picklists(),
            faults: Vec::new(),
            seen: Vec::new(),
            violations: Vec::new(),
            next_ticket: 7001,
            next_note: 1,
            numbers_issued: BTreeMap::new(),
        };
        s.add_company(174, "Acme Corporation");
        s.add_company(175, "Globex");
        s
    }

    pub fn add_company(&mut self, id: i64, name: &str) {
        let c = json!({"id": id, "companyName": name, "isActive": true, "companyType": 1});
        if let Value::Object(m) = c {
            self.companies.insert(id, m);
        }
    }

    pub fn rename_company(&mut self, id: i64, name: &str) {
        if let Some(c) = self.companies.get_mut(&id) {
            c.insert("companyName".into(), json!(name));
        }
    }

    pub fn delete_company(&mut self, id: i64) {
        self.companies.remove(&id);
    }

    /// A ticket as an Autotask user would make it; returns its id.
    pub fn add_ticket(&mut self, company_id: i64, title: &str, description: &str) -> i64 {
        let mut m = Map::new();
        m.insert("companyID".into(), json!(company_id));
        m.insert("title".into(), json!(title));
        m.insert("description".into(), json!(description));
        m.insert("status".into(), json!(STATUS_NEW));
        m.insert("priority".into(), json!(2));
        m.insert("queueID".into(), json!(QUEUE_MONITORING));
        m.insert("dueDateTime".into(), json!(self.now_text()));
        self.insert_ticket(m)
    }

    /// An Autotask user completes the ticket.
    pub fn complete_ticket(&mut self, id: i64) {
        let now = self.now_text();
        if let Some(t) = self.tickets.get_mut(&id) {
            t.insert("status".into(), json!(STATUS_COMPLETE));
            t.insert("completedDate".into(), json!(now));
        }
    }

    /// An Autotask user deletes the ticket: it simply disappears.
    pub fn delete_ticket(&mut self, id: i64) {
        self.tickets.remove(&id);
    }

    /// Gives the ticket another number (tickets merged or renumbered in the PSA).
    pub fn renumber_ticket(&mut self, id: i64, number: &str) {
        if let Some(t) = self.tickets.get_mut(&id) {
            t.insert("ticketNumber".into(), json!(number));
        }
    }

    pub fn inject(&mut self, route: &str, times: u32, fault: Fault) {
        self.inject_after(route, 0, times, fault);
    }

    /// Like [`FakeState::inject`], after `skip` matching requests went through normally.
    pub fn inject_after(&mut self, route: &str, skip: u32, times: u32, fault: Fault) {
        self.faults.push(Injected {
            route: route.into(),
            skip,
            times,
            fault,
        });
    }

    /// Requests answered as `METHOD route` (`"POST Tickets"`), or with that prefix when `what`
    /// ends in `*` (`"GET Tickets/*"`).
    pub fn count(&self, what: &str) -> usize {
        self.seen
            .iter()
            .map(|s| format!("{} {}", s.method, s.route))
            .filter(|key| match what.strip_suffix('*') {
                Some(prefix) => key.starts_with(prefix),
                None => key == what,
            })
            .count()
    }

    pub fn ticket(&self, id: i64) -> Option<&Map<String, Value>> {
        self.tickets.get(&id)
    }

    pub fn ticket_number(&self, id: i64) -> Option<String> {
        self.tickets
            .get(&id)?
            .get("ticketNumber")?
            .as_str()
            .map(str::to_string)
    }

    pub(crate) fn now_text(&self) -> String {
        self.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// Stores a new ticket with id, number and create date; returns the id.
    fn insert_ticket(&mut self, mut m: Map<String, Value>) -> i64 {
        let id = self.next_ticket;
        self.next_ticket += 1;
        let day = self.now.format("%Y%m%d").to_string();
        let issued = self.numbers_issued.entry(day.clone()).or_insert(0);
        *issued += 1;
        let seq = *issued;
        m.insert("id".into(), json!(id));
        m.insert("ticketNumber".into(), json!(format!("T{day}.{seq:04}")));
        m.insert("createDate".into(), json!(self.now_text()));
        m.insert("lastActivityDate".into(), json!(self.now_text()));
        m.entry("completedDate").or_insert(Value::Null);
        m.entry("source").or_insert(Value::Null);
        m.entry("issueType").or_insert(Value::Null);
        m.entry("subIssueType").or_insert(Value::Null);
        self.tickets.insert(id, m);
        id
    }
}

/// The fake behind a mutex, shared by the HTTP front and the test.
#[derive(Debug, Clone)]
pub struct FakeAutotask {
    state: Arc<Mutex<FakeState>>,
}

impl FakeAutotask {
    pub fn new(base: &str) -> FakeAutotask {
        FakeAutotask {
            state: Arc::new(Mutex::new(FakeState::new(base))),
        }
    }

    pub fn state(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Answers one request.
    pub fn handle(&self, req: &FakeRequest) -> FakeResponse {
        self.state().handle(req)
    }

    /// A configuration for this fake's API user pointing at it (zone discovery skipped).
    pub fn config(&self) -> crate::config::AutotaskConfig {
        let s = self.state();
        crate::config::AutotaskConfig {
            username: Some(s.username.clone()),
            secret: Some(crate::config::Secret::new(s.secret.clone())),
            integration_code: Some(crate::config::Secret::new(s.integration_code.clone())),
            api_url: Some(format!("{}/ATServicesRest/V1.0", s.base)),
            ..Default::default()
        }
    }
}

fn default_picklists() -> Vec<(String, Vec<Value>)> {
    let v = |value: i64, label: &str, parent: &str| {
        json!({"value": value.to_string(), "label": label, "isDefaultValue": false,
               "sortOrder": value, "parentValue": parent, "isActive": true, "isSystem": true})
    };
    vec![
        (
            "queueID".into(),
            vec![
                v(29682833, "Client Portal", ""),
                v(QUEUE_MONITORING, "Monitoring Alert", ""),
                v(8, "Level I Support", ""),
            ],
        ),
        (
            "priority".into(),
            vec![
                v(1, "High", ""),
                v(2, "Medium", ""),
                v(3, "Low", ""),
                v(4, "Critical", ""),
            ],
        ),
        (
            "status".into(),
            vec![
                v(STATUS_NEW, "New", ""),
                v(STATUS_COMPLETE, "Complete", ""),
                v(7, "Waiting Customer", ""),
                v(8, "In Progress", ""),
            ],
        ),
        (
            "source".into(),
            vec![v(2, "Phone", ""), v(4, "Email", ""), v(8, "Monitoring", "")],
        ),
        (
            "issueType".into(),
            vec![v(10, "Backup", ""), v(11, "Hardware", "")],
        ),
        (
            "subIssueType".into(),
            vec![
                v(100, "Backup failed", "10"),
                v(101, "Backup missed", "10"),
                v(110, "Disk", "11"),
            ],
        ),
    ]
}
