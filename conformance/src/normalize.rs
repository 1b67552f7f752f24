//! Turns a response into what a snapshot holds: the status and the body, with everything that differs between runs
//! and backends (ids, timestamps, tokens, the run's emails) replaced by stable placeholders. Key order is kept.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value, json};

use crate::exchange::RecordedResponse;

static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$").expect("valid regex")
});
/// Medusa's timestamps: UTC, milliseconds, `Z` (JavaScript's `toISOString`). Other forms stay visible in snapshots.
static DATETIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$").expect("valid regex")
});
static PREFIXED_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(cus|authid|cuaddr)_[0-9A-Za-z]+\b").expect("valid regex"));

/// Replaces the values that vary between runs by placeholders.
pub struct Normalizer {
    /// Exact strings (the run's emails, the guest email) and their placeholders, longest first.
    literals: Vec<(String, String)>,
}

impl Normalizer {
    pub fn new(mut literals: Vec<(String, String)>) -> Self {
        literals.sort_by_key(|(value, _)| std::cmp::Reverse(value.len()));
        Normalizer { literals }
    }

    /// `{"status": …, "body": …}` with the body normalized; a body that is not JSON is kept as a string. When the
    /// body carries a JWT in `token`, its header and claims (normalized, keys sorted: only their content matters;
    /// the order of claims shows in the session body) are added as `"jwt"`.
    pub fn snapshot_of(&self, response: &RecordedResponse) -> Value {
        let body = response
            .json()
            .unwrap_or_else(|| Value::String(response.body.clone()));
        let mut snapshot = json!({ "status": response.status, "body": self.value(None, &body) });
        if let Some((header, claims)) = body["token"].as_str().and_then(decode_jwt) {
            let header = sorted(self.value(None, &header));
            let claims = sorted(self.value(None, &claims));
            snapshot["jwt"] = json!({ "header": header, "claims": claims });
        }
        snapshot
    }

    pub fn value(&self, key: Option<&str>, value: &Value) -> Value {
        match value {
            Value::String(text) => Value::String(self.string(text)),
            Value::Number(_) if matches!(key, Some("iat" | "exp")) => {
                Value::String("[timestamp]".into())
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|item| self.value(None, item)).collect())
            }
            Value::Object(map) => {
                let holds_addresses = matches!(key, Some("customer" | "parent"));
                Value::Object(
                    map.iter()
                        .map(|(k, v)| match v {
                            Value::Array(items) if holds_addresses && k == "addresses" => {
                                (k.clone(), self.value(Some(k), &by_id(items)))
                            }
                            _ => (k.clone(), self.value(Some(k), v)),
                        })
                        .collect::<Map<_, _>>(),
                )
            }
            other => other.clone(),
        }
    }

    pub fn string(&self, text: &str) -> String {
        if JWT.is_match(text) {
            return "[token]".into();
        }
        if DATETIME.is_match(text) {
            return "[datetime]".into();
        }
        let mut out = text.to_owned();
        for (literal, placeholder) in &self.literals {
            out = out.replace(literal, placeholder);
        }
        PREFIXED_ID
            .replace_all(&out, |captures: &regex::Captures| match &captures[1] {
                "cus" => "[customer_id]",
                "authid" => "[auth_identity_id]",
                _ => "[address_id]",
            })
            .into_owned()
    }
}

/// A customer's addresses in creation order (by id, else by content): Medusa reads them with no `ORDER BY`, so
/// their order says nothing; their ids are replaced by placeholders after this.
fn by_id(items: &[Value]) -> Value {
    let mut items = items.to_vec();
    items.sort_by_cached_key(|item| match item.get("id").and_then(Value::as_str) {
        Some(id) => (0, id.to_owned()),
        None => (1, item.to_string()),
    });
    Value::Array(items)
}

/// The object with its keys sorted, recursively.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().collect())
        }
        other => other,
    }
}

fn decode_jwt(token: &str) -> Option<(Value, Value)> {
    use base64::Engine;
    let decode = |part: &str| -> Option<Value> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .ok()?;
        serde_json::from_slice(&bytes).ok()
    };
    let mut parts = token.split('.');
    Some((decode(parts.next()?)?, decode(parts.next()?)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> RecordedResponse {
        RecordedResponse {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    #[test]
    fn ids_times_tokens_and_run_emails_become_placeholders_in_key_order() {
        let normalizer = Normalizer::new(vec![(
            "conformance+r-1@example.com".into(),
            "[email:primary]".into(),
        )]);
        let body = r#"{"customer":{"id":"cus_01M8E0AN676RZ0887WXHDP6GCJ","email":"conformance+r-1@example.com",
            "first_name":"Ada","created_at":"2026-11-27T08:00:41.159Z","addresses":[]}}"#;
        let snapshot = normalizer.snapshot_of(&response(200, body));
        assert_eq!(
            serde_json::to_string(&snapshot).expect("serializable"),
            r#"{"status":200,"body":{"customer":{"id":"[customer_id]","email":"[email:primary]","first_name":"Ada","created_at":"[datetime]","addresses":[]}}}"#
        );
    }

    #[test]
    fn ids_inside_messages_and_token_times_are_redacted() {
        let normalizer = Normalizer::new(Vec::new());
        assert_eq!(
            normalizer.string("Customer with id: cus_01ZZZZ was not found"),
            "Customer with id: [customer_id] was not found"
        );
        let claims = json!({ "iat": 1, "exp": 2, "count": 3 });
        assert_eq!(
            normalizer.value(None, &claims),
            json!({ "iat": "[timestamp]", "exp": "[timestamp]", "count": 3 })
        );
    }

    #[test]
    fn a_token_is_redacted_and_its_claims_are_shown() {
        let token = crate::jwt::sign(&crate::jwt::customer_claims("", "authid_01ABC"), "secret");
        let snapshot = Normalizer::new(Vec::new())
            .snapshot_of(&response(200, &json!({ "token": token }).to_string()));
        assert_eq!(snapshot["body"], json!({ "token": "[token]" }));
        assert_eq!(snapshot["jwt"]["header"]["alg"], "HS256");
        assert_eq!(
            snapshot["jwt"]["claims"]["auth_identity_id"],
            "[auth_identity_id]"
        );
        assert_eq!(snapshot["jwt"]["claims"]["exp"], "[timestamp]");
    }

    #[test]
    fn only_medusa_shaped_timestamps_are_redacted() {
        let normalizer = Normalizer::new(Vec::new());
        assert_eq!(normalizer.string("2026-11-27T08:00:41.159Z"), "[datetime]");
        assert_eq!(
            normalizer.string("2026-11-27T08:00:41.159123+00:00"),
            "2026-11-27T08:00:41.159123+00:00"
        );
    }

    #[test]
    fn a_customers_addresses_are_shown_in_creation_order_whatever_order_they_came_in() {
        let normalizer = Normalizer::new(Vec::new());
        let body = json!({ "customer": { "addresses": [
            { "id": "cuaddr_02", "city": "B" }, { "id": "cuaddr_01", "city": "A" },
        ] } });
        let listed = json!({ "addresses": [{ "id": "cuaddr_02" }, { "id": "cuaddr_01" }] });
        assert_eq!(
            normalizer.value(None, &body)["customer"]["addresses"],
            json!([{ "id": "[address_id]", "city": "A" }, { "id": "[address_id]", "city": "B" }])
        );
        assert_eq!(
            normalizer.value(None, &listed),
            json!({ "addresses": [{ "id": "[address_id]" }, { "id": "[address_id]" }] }),
            "a list keeps the order the server chose"
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_kept_as_text() {
        let snapshot = Normalizer::new(Vec::new()).snapshot_of(&response(400, "Bad Request"));
        assert_eq!(snapshot, json!({ "status": 400, "body": "Bad Request" }));
    }
}
