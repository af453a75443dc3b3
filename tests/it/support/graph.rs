//! A stateful fake of Microsoft Graph mail and the Entra ID token endpoint on `127.0.0.1:0`,
//! following `formats.md` part 2: client-credentials tokens, folders and child folders with
//! paging, message listing with `$top`/`@odata.nextLink`, `$value`, move returning a new id,
//! 401 on an expired token, 429/503 with `Retry-After`, AAD and Graph error bodies, and
//! sendMail (§2.9): 202 with an empty body, 400 `ErrorInvalidRecipients`, 413 over 4 MB, every
//! accepted mail recorded with its attachments decoded.
//!
//! Endpoints: `{uri}/login/{tenant}/oauth2/v2.0/token` and `{uri}/v1.0/users/{mailbox}/...`;
//! [`FakeGraph::config`] points a `GraphConfig` at them.

#![allow(dead_code)] // not every test module uses every knob

use backupchecks::config::{GraphConfig, Secret};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

pub const TENANT: &str = "contoso.onmicrosoft.com";
pub const CLIENT_ID: &str = "0b5c2f7e-4a51-4f7e-9b1a-6d0c1e2f3a4b";
pub const SECRET: &str = "Xq8~fake.secret-value";
pub const MAILBOX: &str = "backups@contoso.com";
pub const SCOPE: &str = "https://graph.microsoft.com/.default";

/// Ids of the folders every fake mailbox starts with.
pub const ROOT: &str = "AAMk-root=";
pub const INBOX: &str = "AAMk-inbox=";
pub const ARCHIVE: &str = "AAMk-archive=";
pub const PROCESSED: &str = "AAMk-inbox-processed=";

#[derive(Debug, Clone)]
pub struct Folder {
    pub id: String,
    pub name: String,
    pub parent: String,
    pub well_known: Option<&'static str>,
}

#[derive(Debug, Clone)]
pub struct Message {
    /// Current id; changes on every move.
    pub id: String,
    /// Every id the message had, oldest first.
    pub ids: Vec<String>,
    pub folder: String,
    pub internet_id: String,
    pub received: String,
    pub subject: String,
    pub mime: Vec<u8>,
    pub fetches: u32,
    pub moves: u32,
}

/// Answer the next `times` API requests whose route contains `route` with `status`.
#[derive(Debug, Clone)]
pub struct Throttle {
    pub route: String,
    pub times: u32,
    pub status: u16,
    pub retry_after: Option<u64>,
}

/// Hold the answer to the next `times` requests whose route contains `route` for `delay`: a
/// stalled server (the token endpoint's route is `token`).
#[derive(Debug, Clone)]
pub struct Stall {
    pub route: String,
    pub times: u32,
    pub delay: std::time::Duration,
}

/// A mail sendMail accepted.
#[derive(Debug, Clone)]
pub struct SentMail {
    pub subject: String,
    pub body: String,
    pub to: Vec<String>,
    /// Name, content type and decoded bytes of each attachment.
    pub attachments: Vec<(String, String, Vec<u8>)>,
    pub save_to_sent_items: bool,
    /// Size of the whole request body.
    pub request_bytes: usize,
}

/// One API request as the fake saw it: `GET mailFolders/inbox`, with the answer's status.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub route: String,
    pub query: String,
    pub status: u16,
}

#[derive(Debug)]
pub struct State {
    base: String,
    pub secret: String,
    pub secret_expired: bool,
    pub expires_in: u64,
    /// Tokens issued so far and whether each is still accepted.
    pub tokens: BTreeMap<String, bool>,
    pub token_requests: u32,
    /// At this API request number (1-based) every token issued so far expires.
    pub expire_tokens_at: Option<u64>,
    /// Every token is refused (a revoked app, say).
    pub reject_all_tokens: bool,
    pub deny_access: bool,
    pub throttles: Vec<Throttle>,
    pub stalls: Vec<Stall>,
    /// Requests that arrived at a stalled route (they may never have been answered).
    pub stalled: u32,
    /// Most items per page, whatever `$top` asks (Graph may return fewer than asked).
    pub folder_page_max: usize,
    pub message_page_max: usize,
    pub folders: Vec<Folder>,
    pub messages: Vec<Message>,
    pub api_requests: u64,
    pub seen: Vec<Seen>,
    /// Mails accepted by sendMail, in order.
    pub sent: Vec<SentMail>,
    /// Refuse sendMail with 403 (no Mail.Send permission).
    pub deny_send: bool,
    next_id: u64,
}

pub struct FakeGraph {
    pub server: MockServer,
    state: Arc<Mutex<State>>,
}

impl FakeGraph {
    /// A mailbox with Inbox, Inbox/Processed, Archive, Deleted Items and Sent Items, no mail.
    pub async fn start() -> FakeGraph {
        let server = MockServer::start().await;
        let folder = |id: &str, name: &str, parent: &str, wk: Option<&'static str>| Folder {
            id: id.into(),
            name: name.into(),
            parent: parent.into(),
            well_known: wk,
        };
        let state = State {
            base: server.uri(),
            secret: SECRET.into(),
            secret_expired: false,
            expires_in: 3599,
            tokens: BTreeMap::new(),
            token_requests: 0,
            expire_tokens_at: None,
            reject_all_tokens: false,
            deny_access: false,
            throttles: Vec::new(),
            stalls: Vec::new(),
            stalled: 0,
            folder_page_max: 10,
            message_page_max: 1000,
            folders: vec![
                folder(ROOT, "Top of Information Store", "", Some("msgfolderroot")),
                folder(INBOX, "Inbox", ROOT, Some("inbox")),
                folder(ARCHIVE, "Archive", ROOT, Some("archive")),
                folder("AAMk-deleted=", "Deleted Items", ROOT, Some("deleteditems")),
                folder("AAMk-sent=", "Sent Items", ROOT, Some("sentitems")),
                folder(PROCESSED, "Processed", INBOX, None),
            ],
            messages: Vec::new(),
            api_requests: 0,
            seen: Vec::new(),
            sent: Vec::new(),
            deny_send: false,
            next_id: 1,
        };
        let state = Arc::new(Mutex::new(state));
        Mock::given(any())
            .respond_with(Responder(state.clone()))
            .mount(&server)
            .await;
        FakeGraph { server, state }
    }

    /// A configuration with the right tenant, app, secret and mailbox.
    pub fn config(&self) -> GraphConfig {
        GraphConfig {
            tenant_id: Some(TENANT.into()),
            client_id: Some(CLIENT_ID.into()),
            client_secret: Some(Secret::new(SECRET)),
            mailbox: Some(MAILBOX.into()),
            login_url: format!("{}/login", self.server.uri()),
            api_url: format!("{}/v1.0", self.server.uri()),
            ..GraphConfig::default()
        }
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn add_folder(&self, parent: &str, name: &str) -> String {
        let mut s = self.state();
        let id = format!("AAMk-f{}-{}=", s.next_id, name.replace(' ', "_"));
        s.next_id += 1;
        s.folders.push(Folder {
            id: id.clone(),
            name: name.into(),
            parent: parent.into(),
            well_known: None,
        });
        id
    }

    /// A message in `folder`; `received` is ISO-8601 UTC. Returns its id.
    pub fn add_message(&self, folder: &str, received: &str, subject: &str) -> String {
        let mut s = self.state();
        let n = s.next_id;
        s.next_id += 1;
        let id = format!("AAMkAGI2-msg{n}_x-y=");
        let internet_id = format!("<{n}.report@nas.contoso.com>");
        let mime = format!(
            "Message-ID: {internet_id}\r\nFrom: NAS <nas@contoso.com>\r\nTo: {MAILBOX}\r\n\
             Subject: {subject}\r\nDate: {received}\r\nContent-Type: text/plain\r\n\r\n\
             Backup task {subject} has completed.\r\n"
        );
        s.messages.push(Message {
            id: id.clone(),
            ids: vec![id.clone()],
            folder: folder.into(),
            internet_id,
            received: received.into(),
            subject: subject.into(),
            mime: mime.into_bytes(),
            fetches: 0,
            moves: 0,
        });
        id
    }

    pub fn throttle(&self, route: &str, times: u32, status: u16, retry_after: Option<u64>) {
        self.state().throttles.push(Throttle {
            route: route.into(),
            times,
            status,
            retry_after,
        });
    }

    pub fn stall(&self, route: &str, times: u32, delay: std::time::Duration) {
        self.state().stalls.push(Stall {
            route: route.into(),
            times,
            delay,
        });
    }

    /// API requests seen whose route contains `part`.
    pub fn seen(&self, method: &str, part: &str) -> Vec<Seen> {
        self.state()
            .seen
            .iter()
            .filter(|s| s.method == method && s.route.contains(part))
            .cloned()
            .collect()
    }

    pub fn message(&self, internet_id_or_id: &str) -> Option<Message> {
        self.state()
            .messages
            .iter()
            .find(|m| {
                m.internet_id == internet_id_or_id || m.ids.iter().any(|i| i == internet_id_or_id)
            })
            .cloned()
    }

    /// Deletes a folder (not its messages: the tests only look at the folder's absence).
    pub fn remove_folder(&self, id: &str) {
        self.state().folders.retain(|f| f.id != id);
    }

    /// The mails sendMail accepted so far.
    pub fn sent(&self) -> Vec<SentMail> {
        self.state().sent.clone()
    }

    pub fn in_folder(&self, folder: &str) -> Vec<Message> {
        self.state()
            .messages
            .iter()
            .filter(|m| m.folder == folder)
            .cloned()
            .collect()
    }
}

struct Responder(Arc<Mutex<State>>);

impl Respond for Responder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let segs: Vec<String> = req
            .url
            .path()
            .trim_start_matches('/')
            .split('/')
            .map(percent_decode)
            .collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let path = segs.join("/");
        let delay = s
            .stalls
            .iter_mut()
            .find(|st| st.times > 0 && path.contains(&st.route))
            .map(|st| {
                st.times -= 1;
                st.delay
            });
        if delay.is_some() {
            s.stalled += 1;
        }
        let answer = s.answer(req, &segs);
        match delay {
            Some(d) => answer.set_delay(d),
            None => answer,
        }
    }
}

impl State {
    fn answer(&mut self, req: &Request, segs: &[&str]) -> ResponseTemplate {
        let s = self;
        match (req.method.as_str(), segs) {
            ("POST", ["login", tenant, "oauth2", "v2.0", "token"]) => s.token(tenant, &req.body),
            (_, ["v1.0", "users", mailbox, rest @ ..]) => {
                let method = req.method.as_str().to_string();
                let route = rest.join("/");
                let query = req.url.query().unwrap_or("").to_string();
                let resp = s.api(req, mailbox, rest);
                let status = resp.0;
                s.seen.push(Seen {
                    method,
                    route,
                    query,
                    status,
                });
                resp.1
            }
            _ => ResponseTemplate::new(404).set_body_string("no such endpoint in the fake"),
        }
    }
}

fn graph_error(status: u16, code: &str, message: &str) -> (u16, ResponseTemplate) {
    (
        status,
        ResponseTemplate::new(status).set_body_json(json!({
            "error": {
                "code": code,
                "message": message,
                "innerError": {"date": "2024-03-12T06:00:00", "request-id": "fake"}
            }
        })),
    )
}

fn aad_error(status: u16, error: &str, code: u32, text: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {text}\r\nTrace ID: 0000\r\nCorrelation ID: 1111\r\nTimestamp: 2024-03-12 06:00:00Z"
        ),
        "error_codes": [code],
        "timestamp": "2024-03-12 06:00:00Z",
        "trace_id": "0000",
        "correlation_id": "1111",
        "error_uri": "https://login.microsoftonline.com/error?code=0"
    }))
}

impl State {
    fn token(&mut self, tenant: &str, body: &[u8]) -> ResponseTemplate {
        self.token_requests += 1;
        let form = form_decode(body);
        let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
        if tenant != TENANT {
            return aad_error(
                400,
                "invalid_request",
                90002,
                &format!(
                    "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID."
                ),
            );
        }
        if field("grant_type") != "client_credentials" {
            return aad_error(
                400,
                "unsupported_grant_type",
                70003,
                "The app requested an unsupported grant type.",
            );
        }
        if field("scope") != SCOPE {
            return aad_error(
                400,
                "invalid_scope",
                1002012,
                "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.",
            );
        }
        if field("client_id") != CLIENT_ID {
            return aad_error(
                400,
                "unauthorized_client",
                700016,
                &format!(
                    "Application with identifier '{}' was not found in the directory 'Contoso'.",
                    field("client_id")
                ),
            );
        }
        if field("client_secret") != self.secret {
            return aad_error(
                401,
                "invalid_client",
                7000215,
                &format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{CLIENT_ID}'."
                ),
            );
        }
        if self.secret_expired {
            return aad_error(
                401,
                "invalid_client",
                7000222,
                &format!("The provided client secret keys for app '{CLIENT_ID}' are expired."),
            );
        }
        let token = format!("eyJ0eXAi.fake-{}", self.token_requests);
        self.tokens.insert(token.clone(), true);
        ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "ext_expires_in": self.expires_in,
            "access_token": token,
        }))
    }

    fn api(&mut self, req: &Request, mailbox: &str, rest: &[&str]) -> (u16, ResponseTemplate) {
        self.api_requests += 1;
        if self.expire_tokens_at == Some(self.api_requests) {
            self.tokens.values_mut().for_each(|ok| *ok = false);
        }
        let route = rest.join("/");
        if let Some(t) = self
            .throttles
            .iter_mut()
            .find(|t| t.times > 0 && route.contains(&t.route))
        {
            t.times -= 1;
            let (code, text) = if t.status == 429 {
                (
                    "TooManyRequests",
                    "Application is over its MailboxConcurrency limit.",
                )
            } else {
                (
                    "ServiceUnavailable",
                    "Service unavailable, try again later.",
                )
            };
            let (status, mut resp) = graph_error(t.status, code, text);
            if let Some(secs) = t.retry_after {
                resp = resp.insert_header("Retry-After", secs.to_string());
            }
            return (status, resp);
        }
        let bearer = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if bearer.is_empty() {
            return graph_error(401, "InvalidAuthenticationToken", "Access token is empty.");
        }
        if self.reject_all_tokens || self.tokens.get(bearer) != Some(&true) {
            return graph_error(
                401,
                "InvalidAuthenticationToken",
                "Lifetime validation failed, the token is expired.",
            );
        }
        if !mailbox.eq_ignore_ascii_case(MAILBOX) {
            return graph_error(404, "ResourceNotFound", "Resource could not be discovered.");
        }
        if self.deny_access {
            return graph_error(
                403,
                "ErrorAccessDenied",
                "Access is denied. Check credentials and try again.",
            );
        }
        let query = query_map(req);
        match (req.method.as_str(), rest) {
            ("GET", ["mailFolders"]) => self.folder_page(ROOT, &query, &route),
            ("GET", ["mailFolders", id]) => match self.folder(id) {
                Some(f) => (
                    200,
                    ResponseTemplate::new(200).set_body_json(folder_json(&f)),
                ),
                None => self.bad_folder(id),
            },
            ("GET", ["mailFolders", id, "childFolders"]) => match self.folder(id) {
                Some(f) => self.folder_page(&f.id, &query, &route),
                None => self.bad_folder(id),
            },
            ("GET", ["mailFolders", id, "messages"]) => match self.folder(id) {
                Some(f) => self.message_page(&f.id, &query, &route),
                None => self.bad_folder(id),
            },
            ("GET", ["messages", id]) => match self.messages.iter().find(|m| m.id == *id) {
                Some(m) => (
                    200,
                    ResponseTemplate::new(200).set_body_json(message_json(m)),
                ),
                None => not_found_item(),
            },
            ("GET", ["messages", id, "$value"]) => {
                match self.messages.iter_mut().find(|m| m.id == *id) {
                    Some(m) => {
                        m.fetches += 1;
                        (
                            200,
                            ResponseTemplate::new(200)
                                .set_body_raw(m.mime.clone(), "message/rfc822"),
                        )
                    }
                    None => not_found_item(),
                }
            }
            ("POST", ["messages", id, "move"]) => {
                let dest = req
                    .body_json::<Value>()
                    .ok()
                    .and_then(|v| v["destinationId"].as_str().map(str::to_string))
                    .unwrap_or_default();
                let Some(dest) = self.folder(&dest) else {
                    return self.bad_folder(&dest);
                };
                let new_id = format!("AAMkAGI2-moved{}_x-y=", self.next_id);
                self.next_id += 1;
                let Some(m) = self.messages.iter_mut().find(|m| m.id == *id) else {
                    return not_found_item();
                };
                m.id = new_id.clone();
                m.ids.push(new_id);
                m.folder = dest.id;
                m.moves += 1;
                let body = message_json(m);
                (201, ResponseTemplate::new(201).set_body_json(body))
            }
            ("POST", ["sendMail"]) => self.send_mail(req),
            _ => graph_error(400, "BadRequest", "Unsupported request in the fake."),
        }
    }

    /// §2.9: the whole request under 4 MB, at least one valid recipient, 202 with no body.
    fn send_mail(&mut self, req: &Request) -> (u16, ResponseTemplate) {
        if self.deny_send {
            return graph_error(
                403,
                "ErrorAccessDenied",
                "Access is denied. Check credentials and try again.",
            );
        }
        if req.body.len() >= 4 * 1024 * 1024 {
            return graph_error(
                413,
                "ErrorRequestEntityTooLarge",
                "The request is larger than 4 MB; use an upload session for large attachments.",
            );
        }
        let Ok(v) = req.body_json::<Value>() else {
            return graph_error(400, "ErrorInvalidArgument", "The request body is not JSON.");
        };
        let m = &v["message"];
        let to: Vec<String> = m["toRecipients"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["emailAddress"]["address"].as_str().map(str::to_string))
            .collect();
        if to.is_empty() || to.iter().any(|a| !a.contains('@')) {
            return graph_error(
                400,
                "ErrorInvalidRecipients",
                "At least one recipient is not valid.",
            );
        }
        let mut attachments = Vec::new();
        for a in m["attachments"].as_array().into_iter().flatten() {
            use base64::Engine;
            let bytes = match a["contentBytes"]
                .as_str()
                .map(|b| base64::engine::general_purpose::STANDARD.decode(b))
            {
                Some(Ok(b)) if a["@odata.type"] == "#microsoft.graph.fileAttachment" => b,
                _ => {
                    return graph_error(
                        400,
                        "ErrorInvalidArgument",
                        "An attachment is not a file attachment with base64 content.",
                    );
                }
            };
            attachments.push((
                a["name"].as_str().unwrap_or("").to_string(),
                a["contentType"].as_str().unwrap_or("").to_string(),
                bytes,
            ));
        }
        self.sent.push(SentMail {
            subject: m["subject"].as_str().unwrap_or("").to_string(),
            body: m["body"]["content"].as_str().unwrap_or("").to_string(),
            to,
            attachments,
            save_to_sent_items: v["saveToSentItems"].as_bool().unwrap_or(true),
            request_bytes: req.body.len(),
        });
        (202, ResponseTemplate::new(202))
    }

    /// A folder by id or well-known name.
    fn folder(&self, id: &str) -> Option<Folder> {
        self.folders
            .iter()
            .find(|f| f.id == id || f.well_known.is_some_and(|w| w.eq_ignore_ascii_case(id)))
            .cloned()
    }

    fn bad_folder(&self, id: &str) -> (u16, ResponseTemplate) {
        if id.starts_with("AAMk") {
            not_found_item()
        } else {
            graph_error(400, "ErrorInvalidIdMalformed", "Id is malformed.")
        }
    }

    fn folder_page(
        &self,
        parent: &str,
        q: &BTreeMap<String, String>,
        route: &str,
    ) -> (u16, ResponseTemplate) {
        let items: Vec<Value> = self
            .folders
            .iter()
            .filter(|f| f.parent == parent)
            .map(folder_json)
            .collect();
        self.page(items, q, route, self.folder_page_max, 10)
    }

    fn message_page(
        &self,
        folder: &str,
        q: &BTreeMap<String, String>,
        route: &str,
    ) -> (u16, ResponseTemplate) {
        let mut msgs: Vec<&Message> = self
            .messages
            .iter()
            .filter(|m| m.folder == folder)
            .collect();
        // Graph lists newest first unless told otherwise.
        msgs.sort_by(|a, b| (&a.received, &a.id).cmp(&(&b.received, &b.id)));
        match q.get("$orderby").map(String::as_str) {
            Some("receivedDateTime asc") | Some("receivedDateTime") => {}
            _ => msgs.reverse(),
        }
        let select: Option<Vec<&str>> = q.get("$select").map(|s| s.split(',').collect());
        let items = msgs
            .into_iter()
            .map(|m| {
                let full = message_json(m);
                match &select {
                    None => full,
                    Some(fields) => {
                        let mut v = serde_json::Map::new();
                        v.insert("@odata.etag".into(), full["@odata.etag"].clone());
                        for f in fields {
                            if let Some(x) = full.get(*f) {
                                v.insert((*f).to_string(), x.clone());
                            }
                        }
                        Value::Object(v)
                    }
                }
            })
            .collect();
        self.page(items, q, route, self.message_page_max, 10)
    }

    /// One page; the next link carries an opaque `$skiptoken`, so only a client that follows
    /// it verbatim reaches the next page.
    fn page(
        &self,
        items: Vec<Value>,
        q: &BTreeMap<String, String>,
        route: &str,
        max: usize,
        default_top: usize,
    ) -> (u16, ResponseTemplate) {
        let top = q
            .get("$top")
            .and_then(|t| t.parse::<usize>().ok())
            .unwrap_or(default_top);
        // Graph's limit for message and folder collections.
        if !(1..=1000).contains(&top) {
            return graph_error(
                400,
                "BadRequest",
                "The value of $top must be between 1 and 1000.",
            );
        }
        let top = top.min(max);
        let skip = q
            .get("$skiptoken")
            .and_then(|t| t.strip_prefix("opaque-"))
            .and_then(|t| t.parse::<usize>().ok())
            .unwrap_or(0);
        let page: Vec<Value> = items.iter().skip(skip).take(top).cloned().collect();
        let mut body = json!({
            "@odata.context": format!("{}/v1.0/$metadata#users('{MAILBOX}')/{route}", self.base),
            "value": page,
        });
        if skip + top < items.len() {
            let mut query: Vec<String> = q
                .iter()
                .filter(|(k, _)| *k != "$skiptoken")
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            query.push(format!("%24skiptoken=opaque-{}", skip + top));
            let link = format!(
                "{}/v1.0/users/{}/{}?{}",
                self.base,
                encode(MAILBOX),
                route.split('/').map(encode).collect::<Vec<_>>().join("/"),
                query.join("&")
            );
            body["@odata.nextLink"] = json!(link);
        }
        (200, ResponseTemplate::new(200).set_body_json(body))
    }
}

fn not_found_item() -> (u16, ResponseTemplate) {
    graph_error(
        404,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    )
}

fn folder_json(f: &Folder) -> Value {
    json!({
        "id": f.id,
        "displayName": f.name,
        "parentFolderId": f.parent,
        "childFolderCount": 0,
        "unreadItemCount": 0,
        "totalItemCount": 0,
        "isHidden": false,
    })
}

fn message_json(m: &Message) -> Value {
    json!({
        "@odata.etag": format!("W/\"CQAAABYAAAA{}\"", m.moves),
        "id": m.id,
        "receivedDateTime": m.received,
        "sentDateTime": m.received,
        "internetMessageId": m.internet_id,
        "subject": m.subject,
        "parentFolderId": m.folder,
        "from": {"emailAddress": {"name": "NAS", "address": "nas@contoso.com"}},
        "isRead": false,
    })
}

fn query_map(req: &Request) -> BTreeMap<String, String> {
    req.url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn form_decode(body: &[u8]) -> BTreeMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| {
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b',' | b'@' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
