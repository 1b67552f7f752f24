//! `spec diff OLD NEW`: the changes between two versions of the contract, each classed as breaking (an existing
//! client or backend stops working) or not. Descriptions and examples are ignored.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::{operations, resolve};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    Breaking,
    NonBreaking,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    pub impact: Impact,
    pub location: String,
    pub message: String,
}

/// Whether a schema describes what clients send or what they receive: the same change breaks one and not the other.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Request,
    Response,
}

static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

struct Differ<'a> {
    old: &'a Value,
    new: &'a Value,
    changes: Vec<Change>,
}

pub fn diff<'a>(old: &'a Value, new: &'a Value) -> Vec<Change> {
    let mut differ = Differ {
        old,
        new,
        changes: Vec::new(),
    };
    let old_ops = operations(old);
    let new_ops = operations(new);
    let keys: BTreeSet<(&str, &str)> = old_ops
        .iter()
        .chain(&new_ops)
        .map(|(m, p, _)| (*m, *p))
        .collect();
    for (method, path) in keys {
        let location = format!("{} {path}", method.to_uppercase());
        let find = |ops: &[(&str, &'a str, &'a Value)]| {
            ops.iter()
                .find(|(m, p, _)| (*m, *p) == (method, path))
                .map(|o| o.2)
        };
        match (find(&old_ops), find(&new_ops)) {
            (Some(_), None) => differ.add(Impact::Breaking, &location, "operation removed"),
            (None, Some(_)) => differ.add(Impact::NonBreaking, &location, "operation added"),
            (Some(before), Some(after)) => differ.operation(&location, before, after),
            (None, None) => {}
        }
    }
    differ.changes.sort();
    differ.changes
}

impl<'a> Differ<'a> {
    fn add(&mut self, impact: Impact, location: &str, message: impl Into<String>) {
        self.changes.push(Change {
            impact,
            location: location.to_owned(),
            message: message.into(),
        });
    }

    fn operation(&mut self, location: &str, before: &'a Value, after: &'a Value) {
        if before["operationId"] != after["operationId"] {
            let message = format!(
                "operationId {} → {} (generated clients rename the call)",
                before["operationId"], after["operationId"]
            );
            self.add(Impact::Breaking, location, message);
        }
        self.parameters(location, before, after);
        self.security(location, before, after);
        let (old_body, new_body) = (
            self.resolve_old(&before["requestBody"]),
            self.resolve_new(&after["requestBody"]),
        );
        if old_body["required"] != Value::Bool(true) && new_body["required"] == Value::Bool(true) {
            self.add(Impact::Breaking, location, "request body became required");
        }
        let (old_schema, new_schema) = (
            &old_body["content"]["application/json"]["schema"],
            &new_body["content"]["application/json"]["schema"],
        );
        self.schema(
            &format!("{location} request"),
            old_schema,
            new_schema,
            Direction::Request,
            0,
        );
        self.responses(location, before, after);
    }

    fn parameters(&mut self, location: &str, before: &'a Value, after: &'a Value) {
        let collect = |document: &'a Value, operation: &'a Value| -> Vec<&'a Value> {
            operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| resolve(document, p))
                .collect()
        };
        let (old, new) = (collect(self.old, before), collect(self.new, after));
        let key = |p: &Value| {
            (
                p["in"].as_str().unwrap_or("").to_owned(),
                p["name"].as_str().unwrap_or("").to_owned(),
            )
        };
        for parameter in &new {
            let at = format!(
                "{location} {} parameter {}",
                parameter["in"], parameter["name"]
            );
            let required = parameter["required"] == Value::Bool(true);
            match old.iter().find(|p| key(p) == key(parameter)) {
                None if required => self.add(Impact::Breaking, &at, "required parameter added"),
                None => self.add(Impact::NonBreaking, &at, "optional parameter added"),
                Some(previous) => {
                    if required && previous["required"] != Value::Bool(true) {
                        self.add(Impact::Breaking, &at, "parameter became required");
                    }
                    if !required && previous["required"] == Value::Bool(true) {
                        self.add(Impact::NonBreaking, &at, "parameter became optional");
                    }
                    self.schema(
                        &at,
                        &previous["schema"],
                        &parameter["schema"],
                        Direction::Request,
                        0,
                    );
                }
            }
        }
        for parameter in old.iter().filter(|p| !new.iter().any(|n| key(n) == key(p))) {
            let at = format!(
                "{location} {} parameter {}",
                parameter["in"], parameter["name"]
            );
            self.add(
                Impact::NonBreaking,
                &at,
                "parameter removed (clients that send it are ignored)",
            );
        }
    }

    /// The alternatives of the operation's security (or the document's default): dropping one breaks the clients
    /// that use it; adding one does not.
    fn security(&mut self, location: &str, before: &'a Value, after: &'a Value) {
        let alternatives = |document: &Value, operation: &Value| -> BTreeSet<Vec<String>> {
            let requirements = operation
                .get("security")
                .or_else(|| document.get("security"));
            requirements
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|requirement| {
                    let mut schemes: Vec<String> = requirement
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| k.clone())
                        .collect();
                    schemes.sort();
                    schemes
                })
                .collect()
        };
        let (old, new) = (
            alternatives(self.old, before),
            alternatives(self.new, after),
        );
        let at = format!("{location} security");
        for removed in old.difference(&new) {
            self.add(
                Impact::Breaking,
                &at,
                format!("security alternative {removed:?} removed"),
            );
        }
        for added in new.difference(&old) {
            self.add(
                Impact::NonBreaking,
                &at,
                format!("security alternative {added:?} added"),
            );
        }
    }

    fn responses(&mut self, location: &str, before: &'a Value, after: &'a Value) {
        let old = before["responses"].as_object().unwrap_or(&EMPTY);
        let new = after["responses"].as_object().unwrap_or(&EMPTY);
        for (status, response) in old {
            let at = format!("{location} {status}");
            match new.get(status) {
                None if status.starts_with('2') => {
                    self.add(Impact::Breaking, &at, "success response removed")
                }
                None => self.add(
                    Impact::NonBreaking,
                    &at,
                    "error response no longer documented",
                ),
                Some(next) => {
                    let (a, b) = (self.resolve_old(response), self.resolve_new(next));
                    let (a, b) = (
                        &a["content"]["application/json"]["schema"],
                        &b["content"]["application/json"]["schema"],
                    );
                    self.schema(&at, a, b, Direction::Response, 0);
                }
            }
        }
        for status in new.keys().filter(|s| !old.contains_key(*s)) {
            self.add(
                Impact::NonBreaking,
                &format!("{location} {status}"),
                "response added",
            );
        }
    }

    fn resolve_old(&self, value: &'a Value) -> &'a Value {
        resolve(self.old, value).unwrap_or(&Value::Null)
    }

    fn resolve_new(&self, value: &'a Value) -> &'a Value {
        resolve(self.new, value).unwrap_or(&Value::Null)
    }

    fn schema(
        &mut self,
        at: &str,
        before: &'a Value,
        after: &'a Value,
        direction: Direction,
        depth: usize,
    ) {
        let (before, after) = (self.resolve_old(before), self.resolve_new(after));
        if depth > 16 || (before.is_null() && after.is_null()) {
            return;
        }
        let breaking_if = |condition: bool| {
            if condition {
                Impact::Breaking
            } else {
                Impact::NonBreaking
            }
        };
        if before["type"] != after["type"] {
            self.add(
                Impact::Breaking,
                at,
                format!("type {} → {}", before["type"], after["type"]),
            );
            return;
        }
        if before["format"] != after["format"] {
            self.add(
                Impact::Breaking,
                at,
                format!("format {} → {}", before["format"], after["format"]),
            );
        }
        let nullable = |s: &Value| s["nullable"] == Value::Bool(true);
        if nullable(before) != nullable(after) {
            let widened = nullable(after);
            let impact = breaking_if(widened == (direction == Direction::Response));
            self.add(
                impact,
                at,
                if widened {
                    "became nullable"
                } else {
                    "no longer nullable"
                },
            );
        }
        let closed = |s: &Value| s["additionalProperties"] == Value::Bool(false);
        if direction == Direction::Request && !closed(before) && closed(after) {
            self.add(Impact::Breaking, at, "unknown properties are now refused");
        }
        let required = |s: &Value| -> BTreeSet<String> {
            s["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        let (old_required, new_required) = (required(before), required(after));
        let old_props = before["properties"].as_object().unwrap_or(&EMPTY);
        let new_props = after["properties"].as_object().unwrap_or(&EMPTY);
        for (name, schema) in old_props {
            let here = format!("{at}.{name}");
            match new_props.get(name) {
                None => {
                    let impact = breaking_if(direction == Direction::Response || closed(after));
                    self.add(impact, &here, "property removed");
                }
                Some(next) => {
                    let (was, is) = (old_required.contains(name), new_required.contains(name));
                    if was != is {
                        let impact = breaking_if(is == (direction == Direction::Request));
                        self.add(
                            impact,
                            &here,
                            if is {
                                "became required"
                            } else {
                                "became optional"
                            },
                        );
                    }
                    self.schema(&here, schema, next, direction, depth + 1);
                }
            }
        }
        for name in new_props.keys().filter(|n| !old_props.contains_key(*n)) {
            let impact =
                breaking_if(direction == Direction::Request && new_required.contains(name));
            self.add(impact, &format!("{at}.{name}"), "property added");
        }
        if before.get("items").is_some() || after.get("items").is_some() {
            self.schema(
                &format!("{at}[]"),
                &before["items"],
                &after["items"],
                direction,
                depth + 1,
            );
        }
    }
}

#[cfg(test)]
mod tests;
