//! Checks on the contract itself, for CI: `spec lint` (is it a document our tooling can use) and `spec diff` (what
//! changed between two versions, and whether clients break).

pub mod diff;
pub mod lint;

use serde_json::Value;

/// Reads a contract from a file or an http(s) URL (e.g. a server's served spec), as YAML or JSON.
pub async fn load(source: &str) -> Result<Value, String> {
    let text = if source.starts_with("http://") || source.starts_with("https://") {
        let response = reqwest::get(source)
            .await
            .map_err(|e| format!("cannot fetch {source}: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("cannot fetch {source}: {}", response.status()));
        }
        response
            .text()
            .await
            .map_err(|e| format!("cannot read {source}: {e}"))?
    } else {
        std::fs::read_to_string(source).map_err(|e| format!("cannot read {source}: {e}"))?
    };
    serde_yaml::from_str(&text).map_err(|e| format!("{source} is neither YAML nor JSON: {e}"))
}

pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation of a document: (method, path, operation).
pub fn operations(document: &Value) -> Vec<(&'static str, &str, &Value)> {
    let mut out = Vec::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            if let Some(operation) = item.get(*method) {
                out.push((*method, path.as_str(), operation));
            }
        }
    }
    out
}

/// Follows local `$ref`s (`#/…`); `None` when one does not resolve.
pub fn resolve<'a>(document: &'a Value, value: &'a Value) -> Option<&'a Value> {
    let mut current = value;
    for _ in 0..32 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(reference) => current = document.pointer(reference.strip_prefix('#')?)?,
            None => return Some(current),
        }
    }
    None
}
