//! The content of bodies: errors, customers, secrets.

use serde_json::Value;

use super::{Check, CheckInput, Failure};

pub fn error_type_and_message(input: &CheckInput) -> Vec<Failure> {
    let Some(expected) = &input.expect.error else {
        return Vec::new();
    };
    let body = input.exchange.response.json().unwrap_or(Value::Null);
    let mut failures = Vec::new();
    let fields = [
        ("code", expected.code),
        ("type", expected.kind),
        ("message", Some(expected.message.as_str())),
    ];
    for (key, want) in fields {
        let got = body.get(key);
        let matches = match (want, got) {
            (Some(want), Some(Value::String(got))) => want == got,
            (None, None) => true,
            _ => false,
        };
        if !matches {
            failures.push(Failure::error(
                Check::ErrorTypeAndMessage,
                format!("error `{key}` differs"),
                want.map_or_else(|| format!("no `{key}`"), |want| format!("{key}: {want:?}")),
                got.map_or_else(|| format!("no `{key}`"), |got| format!("{key}: {got}")),
            ));
        }
    }
    failures
}

fn customer_of(input: &CheckInput) -> Option<serde_json::Map<String, Value>> {
    match input.exchange.response.json()?.get("customer")? {
        Value::Object(customer) => Some(customer.clone()),
        _ => None,
    }
}

pub fn customer_key_order(input: &CheckInput) -> Vec<Failure> {
    let Some(expected) = &input.expect.customer_keys else {
        return Vec::new();
    };
    let actual: Vec<String> = customer_of(input)
        .map(|c| c.keys().cloned().collect())
        .unwrap_or_default();
    if actual
        .iter()
        .map(String::as_str)
        .eq(expected.iter().copied())
    {
        return Vec::new();
    }
    let missing: Vec<_> = expected
        .iter()
        .filter(|k| !actual.iter().any(|a| a == *k))
        .collect();
    let extra: Vec<_> = actual
        .iter()
        .filter(|a| !expected.contains(&a.as_str()))
        .collect();
    let title = match (missing.is_empty(), extra.is_empty()) {
        (true, true) => "the customer's keys are out of order".to_owned(),
        _ => format!("the customer's keys differ (missing {missing:?}, unexpected {extra:?})"),
    };
    vec![Failure::error(
        Check::CustomerKeyOrder,
        title,
        expected.join(", "),
        actual.join(", "),
    )]
}

pub fn customer_identity(input: &CheckInput) -> Vec<Failure> {
    let Some(expected) = &input.expect.customer else {
        return Vec::new();
    };
    let customer = customer_of(input).unwrap_or_default();
    let mut failures = Vec::new();
    for (key, want) in [("id", &expected.id), ("email", &expected.email)] {
        let Some(want) = want else { continue };
        let got = customer.get(key).and_then(Value::as_str);
        if got != Some(want.as_str()) {
            failures.push(Failure::error(
                Check::CustomerIdentity,
                format!("the customer's {key} is not the expected one"),
                format!("{key}: {want}"),
                format!("{key}: {}", got.unwrap_or("(absent)")),
            ));
        }
    }
    failures
}

/// Keys that would expose credentials if a response carried them.
const SECRET_KEYS: &[&str] = &[
    "password",
    "password_hash",
    "hash",
    "salt",
    "provider_metadata",
    "provider_identities",
    "jwt_secret",
];

pub fn no_secret_leak(input: &CheckInput) -> Vec<Failure> {
    let response = &input.exchange.response;
    let mut failures = Vec::new();
    let secrets = input
        .secrets
        .passwords
        .iter()
        .map(|p| ("a password", p))
        .chain(
            input
                .secrets
                .jwt_secret
                .iter()
                .filter(|s| s.len() >= 8)
                .map(|s| ("the JWT secret", s)),
        );
    for (what, secret) in secrets {
        let in_body = response.body.contains(secret.as_str());
        let in_headers = response
            .headers
            .iter()
            .any(|(_, value)| value.contains(secret.as_str()));
        if in_body || in_headers {
            failures.push(Failure::error(
                Check::NoSecretLeak,
                format!("the response contains {what}"),
                format!("no {what} in the response"),
                format!("{what} in the {}", if in_body { "body" } else { "headers" }),
            ));
        }
    }
    if let Some(body) = response.json() {
        let mut leaked = Vec::new();
        find_secret_keys(&body, "", &mut leaked);
        failures.extend(leaked.into_iter().map(|pointer| {
            Failure::error(
                Check::NoSecretLeak,
                format!("the response has a credential field at {pointer}"),
                format!("none of the keys {SECRET_KEYS:?}"),
                pointer,
            )
        }));
    }
    failures
}

fn find_secret_keys(value: &Value, pointer: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = format!("{pointer}/{key}");
                if SECRET_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
                    found.push(path.clone());
                }
                find_secret_keys(child, &path, found);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                find_secret_keys(item, &format!("{pointer}/{i}"), found);
            }
        }
        _ => {}
    }
}
