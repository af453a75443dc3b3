//! Request routing of the fake: `/<prefix>/ATServicesRest/V1.0/<Entity>/...`.

use super::filter::matches_all;
use super::{FakeRequest, FakeResponse, FakeState, Fault, STATUS_COMPLETE, Seen};
use reqwest::Url;
use serde_json::{Map, Value, json};

/// The path segment is case-sensitive on the real service.
const ROOT: &str = "/ATServicesRest/V1.0/";
/// Fields Autotask sets itself; a `PUT` keeps them.
const READ_ONLY: &[&str] = &[
    "id",
    "ticketNumber",
    "createDate",
    "lastActivityDate",
    "completedDate",
];
const REQUIRED_ON_CREATE: &[&str] = &["companyID", "title", "status", "priority", "dueDateTime"];

impl FakeState {
    /// Answers one request and records it.
    pub fn handle(&mut self, req: &FakeRequest) -> FakeResponse {
        let Some(at) = req.path.find(ROOT) else {
            return FakeResponse::errors(404, &["Unknown route"]);
        };
        let prefix = req.path[..at].to_string();
        let route = req.path[at + ROOT.len()..]
            .trim_end_matches('/')
            .to_string();
        let method = req.method.to_ascii_uppercase();
        let (resp, in_list) = self.route(req, &prefix, &method, &route);
        self.seen.push(Seen {
            method,
            route,
            status: resp.status,
            in_list,
        });
        resp
    }

    fn route(
        &mut self,
        req: &FakeRequest,
        prefix: &str,
        method: &str,
        route: &str,
    ) -> (FakeResponse, Option<usize>) {
        if route.eq_ignore_ascii_case("zoneInformation") {
            return (self.zone(req, prefix), None);
        }
        let mut slow = None;
        let key = format!("{method} {route}");
        let mut hit = None;
        for f in self
            .faults
            .iter_mut()
            .filter(|f| f.times > 0 && f.matches(&key, route))
        {
            if f.skip > 0 {
                f.skip -= 1;
            } else {
                hit = Some(f);
                break;
            }
        }
        if let Some(f) = hit {
            f.times -= 1;
            match f.fault.clone() {
                Fault::Throttle { retry_after } => {
                    let mut r = FakeResponse::errors(
                        429,
                        &["Rate limit exceeded: requests per hour threshold reached"],
                    );
                    if let Some(s) = retry_after {
                        r.headers.push(("Retry-After".into(), s.to_string()));
                    }
                    return (r, None);
                }
                Fault::Unavailable => {
                    let mut r = FakeResponse::empty(503);
                    r.body = b"<html><body>Service Unavailable</body></html>".to_vec();
                    return (r, None);
                }
                Fault::Validation(text) => return (FakeResponse::errors(500, &[&text]), None),
                Fault::Slow(d) => slow = Some(d),
            }
        }
        let authorised = req.header("ApiIntegrationCode") == Some(self.integration_code.as_str())
            && req
                .header("UserName")
                .is_some_and(|u| u.eq_ignore_ascii_case(&self.username))
            && req.header("Secret") == Some(self.secret.as_str());
        if !authorised {
            return (FakeResponse::empty(401), None);
        }
        let segs: Vec<&str> = route.split('/').collect();
        let body: Value = serde_json::from_slice(&req.body).unwrap_or(Value::Null);
        let (mut resp, in_list) = match (method, segs.as_slice()) {
            ("POST", [entity, "query"]) => self.query(entity, &body, None),
            ("GET", [entity, "query"]) => match search_param(req) {
                Some((search, after)) => self.query(entity, &search, after),
                None => (FakeResponse::errors(500, &["search is required"]), None),
            },
            ("GET", ["Tickets", "entityInformation", "fields"]) => (self.fields(), None),
            ("GET", ["Tickets", id]) => (self.get_ticket(id), None),
            ("POST", ["Tickets"]) => (self.create_ticket(&body), None),
            ("PATCH", ["Tickets"]) => (self.update_ticket(&body, false), None),
            ("PUT", ["Tickets"]) => (self.update_ticket(&body, true), None),
            ("POST", ["Tickets", id, "Notes"]) => (self.create_note(id, &body), None),
            ("GET", ["Companies", id]) => {
                let item = id
                    .parse::<i64>()
                    .ok()
                    .and_then(|id| self.companies.get(&id));
                (FakeResponse::json(200, &json!({ "item": item })), None)
            }
            (_, ["Tickets" | "Companies", ..]) => (
                FakeResponse::errors(405, &["The requested resource does not support this verb"]),
                None,
            ),
            _ => (
                FakeResponse::errors(404, &["Unknown entity or route"]),
                None,
            ),
        };
        resp.delay = slow;
        (resp, in_list)
    }

    fn zone(&self, req: &FakeRequest, prefix: &str) -> FakeResponse {
        if self.zone_down.iter().any(|p| p == prefix) {
            let mut r = FakeResponse::empty(404);
            r.body = b"<html>Not Found</html>".to_vec();
            return r;
        }
        let user = query_pairs(req)
            .into_iter()
            .find(|(k, _)| k == "user")
            .map(|(_, v)| v)
            .unwrap_or_default();
        if !user.eq_ignore_ascii_case(&self.username) {
            return FakeResponse::errors(500, &["Zone information could not be determined"]);
        }
        FakeResponse::json(
            200,
            &json!({
                "zoneName": "Fake Zone",
                "url": format!("{}/ATServicesRest/", self.base),
                "webUrl": format!("{}/", self.base),
                "ci": 0
            }),
        )
    }

    /// One page of a query: records with `id` above `after`, in id order.
    fn query(
        &self,
        entity: &str,
        search: &Value,
        after: Option<i64>,
    ) -> (FakeResponse, Option<usize>) {
        let Some(filters) = search.get("filter").and_then(Value::as_array) else {
            return (FakeResponse::errors(500, &["A filter is required"]), None);
        };
        let in_list = filters.iter().find_map(in_size);
        if in_list.is_some() && self.in_refused {
            return (
                FakeResponse::errors(500, &["Operator 'in' is not supported for this query"]),
                in_list,
            );
        }
        let max = search
            .get("MaxRecords")
            .or_else(|| search.get("maxRecords"))
            .and_then(Value::as_u64)
            .unwrap_or(500);
        if !(1..=500).contains(&max) {
            return (
                FakeResponse::errors(500, &["MaxRecords must be between 1 and 500"]),
                in_list,
            );
        }
        let size = (max as usize).min(self.page_max.max(1));
        let source = match entity {
            "Tickets" => &self.tickets,
            "Companies" => &self.companies,
            _ => return (FakeResponse::errors(404, &["Unknown entity"]), in_list),
        };
        let mut hits = Vec::new();
        for (id, item) in source.range(after.map_or(i64::MIN, |a| a + 1)..) {
            match matches_all(filters, item) {
                Ok(true) => hits.push((*id, item)),
                Ok(false) => {}
                Err(e) => return (FakeResponse::errors(500, &[&e]), in_list),
            }
        }
        let fields: Vec<String> = search
            .get("IncludeFields")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let page: Vec<Value> = hits
            .iter()
            .take(size)
            .map(|(_, item)| project(item, &fields))
            .collect();
        // An unparsable base (a misconfigured fake) simply ends the paging.
        let next = (hits.len() > size)
            .then(|| Url::parse(&format!("{}{ROOT}{entity}/query", self.base)).ok())
            .flatten()
            .map(|mut url| {
                url.query_pairs_mut()
                    .append_pair("search", &search.to_string())
                    .append_pair("after", &hits[size - 1].0.to_string());
                url.to_string()
            });
        let body = json!({
            "items": page,
            "pageDetails": {
                "count": page.len(),
                "requestCount": size,
                "prevPageUrl": null,
                "nextPageUrl": next,
            }
        });
        (FakeResponse::json(200, &body), in_list)
    }

    fn fields(&self) -> FakeResponse {
        let fields: Vec<Value> = self
            .picklists
            .iter()
            .map(|(name, values)| {
                json!({"name": name, "dataType": "integer", "length": 0, "isRequired": true,
                       "isReadOnly": false, "isQueryable": true, "isReference": false,
                       "referenceEntityType": "", "isPickList": true,
                       "picklistValues": values, "picklistParentValueField":
                           if name == "subIssueType" { "issueType" } else { "" }})
            })
            .chain([
                json!({"name": "description", "dataType": "string", "length": 8000,
                           "isPickList": false, "picklistValues": null}),
            ])
            .collect();
        FakeResponse::json(200, &json!({ "fields": fields }))
    }

    fn get_ticket(&self, id: &str) -> FakeResponse {
        let item = id.parse::<i64>().ok().and_then(|id| self.tickets.get(&id));
        match item {
            None if self.deleted_404 => FakeResponse::errors(404, &["Ticket not found"]),
            item => FakeResponse::json(200, &json!({ "item": item })),
        }
    }

    fn create_ticket(&mut self, body: &Value) -> FakeResponse {
        let Some(fields) = body.as_object() else {
            return FakeResponse::errors(500, &["The request body is not a ticket"]);
        };
        for f in REQUIRED_ON_CREATE {
            if fields.get(*f).is_none_or(|v| v.is_null() || v == "") {
                return FakeResponse::errors(500, &[&format!("Missing Required Field: {f}.")]);
            }
        }
        if fields.get("queueID").is_none_or(Value::is_null)
            && fields.get("assignedResourceID").is_none_or(Value::is_null)
        {
            return FakeResponse::errors(
                500,
                &["A ticket needs a queue or an assigned resource and role."],
            );
        }
        let company = fields.get("companyID").and_then(Value::as_i64);
        if company.is_none_or(|c| !self.companies.contains_key(&c)) {
            return FakeResponse::errors(
                500,
                &["Reference value on field: companyID does not exist."],
            );
        }
        if let Some(e) = self.invalid_picklist_value(fields) {
            return FakeResponse::errors(500, &[&e]);
        }
        let id = self.insert_ticket(fields.clone());
        FakeResponse::json(200, &json!({ "itemId": id }))
    }

    fn invalid_picklist_value(&self, fields: &Map<String, Value>) -> Option<String> {
        for (name, values) in &self.picklists {
            let Some(v) = fields.get(name).filter(|v| !v.is_null()) else {
                continue;
            };
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if !values
                .iter()
                .any(|p| p["value"] == Value::String(text.clone()))
            {
                return Some(format!(
                    "Value {text} is not a valid picklist value for field {name}."
                ));
            }
        }
        None
    }

    /// `PATCH`: the fields sent change. `PUT`: the ticket becomes what was sent (read-only
    /// fields excepted), so anything left out is nulled — the classic description wipe.
    fn update_ticket(&mut self, body: &Value, full: bool) -> FakeResponse {
        if !full && self.patch_refused {
            return FakeResponse::errors(405, &["PATCH is not supported for Tickets; use PUT."]);
        }
        let Some(fields) = body.as_object() else {
            return FakeResponse::errors(500, &["The request body is not a ticket"]);
        };
        let Some(id) = fields.get("id").and_then(Value::as_i64) else {
            return FakeResponse::errors(500, &["Missing Required Field: id."]);
        };
        let Some(current) = self.tickets.get(&id).cloned() else {
            return FakeResponse::errors(
                500,
                &[&format!("Ticket {id} does not exist or was deleted.")],
            );
        };
        let mut next = if full {
            let mut blank: Map<String, Value> =
                current.keys().map(|k| (k.clone(), Value::Null)).collect();
            for k in READ_ONLY {
                if let Some(v) = current.get(*k) {
                    blank.insert((*k).to_string(), v.clone());
                }
            }
            blank
        } else {
            current.clone()
        };
        for (k, v) in fields {
            if !READ_ONLY.contains(&k.as_str()) {
                let key = next
                    .keys()
                    .find(|e| e.eq_ignore_ascii_case(k))
                    .cloned()
                    .unwrap_or_else(|| k.clone());
                next.insert(key, v.clone());
            }
        }
        let had = text_of(&current, "description");
        let has = text_of(&next, "description");
        if !had.is_empty() && has.is_empty() {
            let verb = if full { "PUT" } else { "PATCH" };
            self.violations
                .push(format!("{verb} of ticket {id} would empty its description"));
            return FakeResponse::errors(
                500,
                &["Update would empty the description (refused by the fake)"],
            );
        }
        if let Some(e) = self.invalid_picklist_value(&next) {
            return FakeResponse::errors(500, &[&e]);
        }
        let completed = next.get("status").and_then(Value::as_i64) == Some(STATUS_COMPLETE);
        let completed_date = if completed {
            current
                .get("completedDate")
                .filter(|v| !v.is_null())
                .cloned()
                .unwrap_or_else(|| json!(self.now_text()))
        } else {
            Value::Null
        };
        next.insert("completedDate".into(), completed_date);
        next.insert("lastActivityDate".into(), json!(self.now_text()));
        self.tickets.insert(id, next);
        FakeResponse::json(200, &json!({ "itemId": id }))
    }

    fn create_note(&mut self, ticket: &str, body: &Value) -> FakeResponse {
        let Some(id) = ticket
            .parse::<i64>()
            .ok()
            .filter(|id| self.tickets.contains_key(id))
        else {
            return FakeResponse::errors(500, &["Parent ticket does not exist."]);
        };
        let Some(fields) = body.as_object() else {
            return FakeResponse::errors(500, &["The request body is not a note"]);
        };
        for f in ["title", "description", "noteType", "publish"] {
            if fields.get(f).is_none_or(|v| v.is_null() || v == "") {
                return FakeResponse::errors(500, &[&format!("Missing Required Field: {f}.")]);
            }
        }
        let note_id = self.next_note;
        self.next_note += 1;
        let mut note = fields.clone();
        note.insert("id".into(), json!(note_id));
        note.insert("ticketID".into(), json!(id));
        self.notes.push((id, note));
        FakeResponse::json(200, &json!({ "itemId": note_id }))
    }
}

fn text_of(m: &Map<String, Value>, key: &str) -> String {
    m.get(key)
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// Size of the first `in` list in a filter tree.
fn in_size(f: &Value) -> Option<usize> {
    if f.get("op")
        .and_then(Value::as_str)
        .is_some_and(|op| op.eq_ignore_ascii_case("in"))
    {
        return f.get("value").and_then(Value::as_array).map(Vec::len);
    }
    f.get("items")?.as_array()?.iter().find_map(in_size)
}

fn project(item: &Map<String, Value>, fields: &[String]) -> Value {
    if fields.is_empty() {
        return Value::Object(item.clone());
    }
    let kept: Map<String, Value> = item
        .iter()
        .filter(|(k, _)| k.as_str() == "id" || fields.iter().any(|f| f.eq_ignore_ascii_case(k)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept)
}

fn query_pairs(req: &FakeRequest) -> Vec<(String, String)> {
    let q = req.query.clone().unwrap_or_default();
    Url::parse(&format!("http://x/?{q}"))
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The `search` JSON and the paging position of a `GET .../query` (a `nextPageUrl`).
fn search_param(req: &FakeRequest) -> Option<(Value, Option<i64>)> {
    let pairs = query_pairs(req);
    let search = pairs.iter().find(|(k, _)| k == "search")?;
    let search: Value = serde_json::from_str(&search.1).ok()?;
    let after = pairs
        .iter()
        .find(|(k, _)| k == "after")
        .and_then(|(_, v)| v.parse().ok());
    Some((search, after))
}
