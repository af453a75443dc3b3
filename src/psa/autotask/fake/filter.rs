//! The query language of the fake: `eq`, `noteq`, `gt`, `gte`, `lt`, `lte`, `beginsWith`,
//! `endsWith`, `contains`, `exist`, `notExist`, `in`, `notIn`, and `and`/`or` groups. Field names
//! and text compare without regard to case, as Autotask does.

use serde_json::{Map, Value};
use std::cmp::Ordering;

/// Why a filter cannot be evaluated (answered as a 500 validation error).
pub(super) type FilterError = String;

/// True when `item` matches every filter of the list.
pub(super) fn matches_all(
    filters: &[Value],
    item: &Map<String, Value>,
) -> Result<bool, FilterError> {
    for f in filters {
        if !matches(f, item)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn matches(f: &Value, item: &Map<String, Value>) -> Result<bool, FilterError> {
    let op = f
        .get("op")
        .and_then(Value::as_str)
        .ok_or("a filter needs an op")?
        .to_ascii_lowercase();
    if op == "and" || op == "or" {
        let items = f
            .get("items")
            .and_then(Value::as_array)
            .ok_or("a group needs items")?;
        let mut results = Vec::with_capacity(items.len());
        for i in items {
            results.push(matches(i, item)?);
        }
        return Ok(if op == "and" {
            results.iter().all(|r| *r)
        } else {
            results.iter().any(|r| *r)
        });
    }
    let field = f
        .get("field")
        .and_then(Value::as_str)
        .ok_or("a filter needs a field")?;
    let actual = item
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(field))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null());
    let value = f.get("value").unwrap_or(&Value::Null);
    Ok(match op.as_str() {
        "exist" => actual.is_some(),
        "notexist" => actual.is_none(),
        "in" | "notin" => {
            let list = value.as_array().ok_or("`in` needs a list value")?;
            let hit =
                actual.is_some_and(|a| list.iter().any(|v| compare(a, v) == Some(Ordering::Equal)));
            (op == "in") == hit
        }
        _ => {
            let Some(a) = actual else {
                return Ok(op == "noteq");
            };
            let ord = compare(a, value);
            let (at, vt) = (text(a), text(value));
            match op.as_str() {
                "eq" => ord == Some(Ordering::Equal),
                "noteq" => ord != Some(Ordering::Equal),
                "gt" => ord == Some(Ordering::Greater),
                "gte" => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
                "lt" => ord == Some(Ordering::Less),
                "lte" => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
                "contains" => at.contains(&vt),
                "beginswith" => at.starts_with(&vt),
                "endswith" => at.ends_with(&vt),
                other => return Err(format!("unknown operator `{other}`")),
            }
        }
    })
}

/// Numbers (or numeric text) compare as numbers, booleans as booleans, the rest as text.
fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (number(a), number(b)) {
        return x.partial_cmp(&y);
    }
    if let (Some(x), Some(y)) = (a.as_bool(), b.as_bool()) {
        return Some(x.cmp(&y));
    }
    Some(text(a).cmp(&text(b)))
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        other => other.to_string().to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item() -> Map<String, Value> {
        match json!({"id": 12, "companyName": "Acme Corp", "isActive": true, "status": 5}) {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn operators_and_groups() {
        let i = item();
        let ok = |f: Value| matches_all(&[f], &i).unwrap();
        assert!(ok(json!({"op": "eq", "field": "ID", "value": "12"})));
        assert!(ok(
            json!({"op": "contains", "field": "companyname", "value": "acme"})
        ));
        assert!(ok(json!({"op": "in", "field": "id", "value": [1, 12]})));
        assert!(!ok(json!({"op": "notIn", "field": "id", "value": [12]})));
        assert!(ok(json!({"op": "noteq", "field": "status", "value": 1})));
        assert!(ok(json!({"op": "eq", "field": "isActive", "value": true})));
        assert!(ok(json!({"op": "or", "items": [
            {"op": "eq", "field": "id", "value": 1},
            {"op": "gte", "field": "id", "value": 12}]})));
        assert!(ok(json!({"op": "notExist", "field": "completedDate"})));
        assert!(matches_all(&[json!({"op": "near", "field": "id", "value": 1})], &i).is_err());
    }
}
