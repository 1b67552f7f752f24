//! Validation of JSON bodies against Medusa's strict zod schemas, with its messages: every field's issue in schema
//! order, then the unknown keys, at most three issues in one `Invalid request: …` message; then the NUL character,
//! which PostgreSQL cannot store (ERRATA D7). One engine for every body of the customer and address routes.

use serde_json::{Map, Value};

use super::{Error, email, js::to_js_string, text};

/// What a body field may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A string or `null`.
    Text,
    /// A string that passes Medusa's email rule, or `null`.
    Email,
    /// `true` or `false`; `null` is refused.
    Boolean,
    /// An object or `null` (`metadata`).
    Record,
    /// A string that must be sent (`identifier`).
    RequiredText,
    /// An object; `null` is refused.
    Object,
}

/// A body schema: the fields it knows, in Medusa's order.
pub type Schema = [(&'static str, Kind)];

/// Medusa reports at most this many problems in one message.
const MAX_ISSUES: usize = 3;

/// Validates `body` against `schema`, refusing the NUL character that PostgreSQL cannot store; returns the fields
/// it holds (a subset of the schema's, as sent).
pub fn validate(body: &Value, schema: &Schema) -> Result<Map<String, Value>, Error> {
    let fields = validate_shape(body, schema)?;
    if fields.values().any(text::value_has_nul) {
        return Err(invalid(vec![
            "Text fields and metadata cannot contain the NUL character (\\u0000)".into(),
        ]));
    }
    Ok(fields)
}

/// Validates `body` against `schema` as Medusa does, for a body whose text is not stored as such.
pub fn validate_shape(body: &Value, schema: &Schema) -> Result<Map<String, Value>, Error> {
    let Value::Object(fields) = body else {
        return Err(invalid(vec!["Field '' is required".into()]));
    };
    let mut issues = Vec::new();
    for &(name, kind) in schema {
        let Some(value) = fields.get(name) else {
            if kind == Kind::RequiredText {
                issues.push(format!("Field '{name}' is required"));
            }
            continue;
        };
        let issue = match (kind, value) {
            (Kind::Text | Kind::Email | Kind::Record, Value::Null) => None,
            (Kind::Text, Value::String(_)) | (Kind::Boolean, Value::Bool(_)) => None,
            (Kind::Record | Kind::Object, Value::Object(_)) => None,
            (Kind::RequiredText, Value::String(_)) => None,
            (Kind::Email, Value::String(value)) if email::is_valid(value) => None,
            (Kind::Email, Value::String(_)) => Some("Invalid email address".to_owned()),
            (Kind::Text | Kind::Email | Kind::RequiredText, other) => {
                Some(wrong_type("string", name, other))
            }
            (Kind::Boolean, other) => Some(wrong_type("boolean", name, other)),
            (Kind::Record | Kind::Object, other) => Some(wrong_type("record", name, other)),
        };
        issues.extend(issue);
    }
    let unknown: Vec<&str> = fields
        .keys()
        .map(String::as_str)
        .filter(|key| !schema.iter().any(|(name, _)| name == key))
        .collect();
    if !unknown.is_empty() {
        issues.push(format!("Unrecognized fields: '{}'", unknown.join(", ")));
    }
    if !issues.is_empty() {
        return Err(invalid(issues));
    }
    Ok(fields.clone())
}

/// A validated text field: absent or `null` is `None`.
pub fn text_of(fields: &Map<String, Value>, name: &str) -> Option<String> {
    fields.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// Merges a `metadata` value of an update into the stored metadata as Medusa does: `null` clears it; an object is
/// merged one level deep, where a key set to `""` is removed and any other value (`null` included) replaces the
/// key's value whole. The result is as Medusa reads it back from `jsonb` (keys in `jsonb`'s order).
pub fn merge_metadata(
    stored: Option<&Map<String, Value>>,
    update: &Value,
) -> Option<Map<String, Value>> {
    let Value::Object(update) = update else {
        return None;
    };
    let mut merged = stored.cloned().unwrap_or_default();
    for (key, value) in update {
        if value.as_str() == Some("") {
            merged.remove(key);
        } else {
            merged.insert(key.clone(), value.clone());
        }
    }
    Some(super::jsonb::normalize_object(merged))
}

fn wrong_type(expected: &str, field: &str, got: &Value) -> String {
    format!(
        "Expected type: '{expected}' for field '{field}', got: '{}'",
        to_js_string(got)
    )
}

fn invalid(issues: Vec<String>) -> Error {
    let shown: Vec<String> = issues.into_iter().take(MAX_ISSUES).collect();
    Error::invalid_data(format!("Invalid request: {}", shown.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SCHEMA: &Schema = &[
        ("name", Kind::Text),
        ("flag", Kind::Boolean),
        ("metadata", Kind::Record),
    ];

    fn message(body: Value) -> String {
        validate(&body, SCHEMA).unwrap_err().to_string()
    }

    #[test]
    fn booleans_refuse_null_and_text_accepts_it() {
        assert_eq!(
            message(json!({"flag": null})),
            "Invalid request: Expected type: 'boolean' for field 'flag', got: 'null'"
        );
        assert_eq!(
            message(json!({"flag": "true"})),
            "Invalid request: Expected type: 'boolean' for field 'flag', got: 'true'"
        );
        let fields = validate(&json!({"name": null, "flag": false}), SCHEMA).unwrap();
        assert_eq!(fields.len(), 2);
    }

    #[test]
    fn records_refuse_arrays_and_issues_come_in_schema_order_then_unknown_keys() {
        assert_eq!(
            message(json!({"x": 1, "metadata": [1], "name": 5})),
            "Invalid request: Expected type: 'string' for field 'name', got: '5'; \
             Expected type: 'record' for field 'metadata', got: '1'; Unrecognized fields: 'x'"
        );
    }

    #[test]
    fn a_nul_anywhere_is_refused_after_the_other_issues() {
        assert!(message(json!({"metadata": {"k": ["\u{0}"]}})).contains("NUL"));
        assert!(message(json!({"name": "\u{0}", "y": 1})).contains("Unrecognized"));
    }

    #[test]
    fn metadata_merges_one_level_and_an_empty_string_removes_a_key() {
        let stored = json!({"a": 1, "b": "x", "n": {"x": 1}});
        let stored = stored.as_object();
        let merged = merge_metadata(
            stored,
            &json!({"a": "", "b": null, "c": true, "n": {"y": 2}}),
        );
        assert_eq!(
            Value::Object(merged.unwrap()),
            json!({"b": null, "n": {"y": 2}, "c": true})
        );
        assert_eq!(merge_metadata(stored, &Value::Null), None);
        assert_eq!(
            merge_metadata(None, &json!({"a": ""})).map(Value::Object),
            Some(json!({}))
        );
    }
}
