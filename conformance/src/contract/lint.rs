//! `spec lint`: the rules a contract must follow for this project's tooling: OpenAPI 3.0 (progenitor reads no
//! 3.1), unique operation ids, JSON bodies for every error response (Medusa's errors are JSON; a success may be
//! plain text, as Medusa's `201 Created` to a reset request, when progenitor can generate it, which the last rule
//! checks), no cookie parameters (progenitor rejects them), references that
//! resolve, and a client progenitor can actually generate.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{operations, resolve};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub location: String,
    pub message: String,
}

pub fn lint(document: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut add = |rule, location: String, message: String| {
        findings.push(Finding {
            rule,
            location,
            message,
        })
    };
    let version = document["openapi"].as_str().unwrap_or_default();
    if !version.starts_with("3.0.") {
        add(
            "openapi-3.0",
            "/openapi".into(),
            format!("version {version:?}: progenitor reads OpenAPI 3.0.x only"),
        );
    }
    if let Err(error) = serde_json::from_value::<openapiv3::OpenAPI>(document.clone()) {
        add(
            "valid-document",
            "/".into(),
            format!("not a valid OpenAPI 3.0 document: {error}"),
        );
        return findings;
    }
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    for (method, path, operation) in operations(document) {
        let location = format!("{} {path}", method.to_uppercase());
        match operation["operationId"].as_str() {
            None => add("operation-id", location.clone(), "no operationId".into()),
            Some(id) => {
                if let Some(previous) = ids.insert(id, location.clone()) {
                    add(
                        "operation-id",
                        location.clone(),
                        format!("operationId {id:?} is also used by {previous}"),
                    );
                }
            }
        }
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            match resolve(document, parameter) {
                None => add(
                    "refs-resolve",
                    location.clone(),
                    format!("unresolved {}", parameter["$ref"]),
                ),
                Some(parameter) if parameter["in"] == "cookie" => add(
                    "no-cookie-parameters",
                    location.clone(),
                    format!(
                        "parameter {} is in a cookie; progenitor rejects cookie parameters",
                        parameter["name"]
                    ),
                ),
                Some(_) => {}
            }
        }
        for (status, response) in operation["responses"].as_object().into_iter().flatten() {
            let at = format!("{location} {status}");
            let Some(response) = resolve(document, response) else {
                add(
                    "refs-resolve",
                    at,
                    format!("unresolved {}", response["$ref"]),
                );
                continue;
            };
            let content = response["content"].as_object();
            let types: Vec<&String> = content.into_iter().flat_map(|c| c.keys()).collect();
            let json = types.iter().any(|t| t.as_str() == "application/json");
            if !status.starts_with('2') && types.iter().any(|t| t.as_str() != "application/json") {
                add(
                    "json-bodies",
                    at.clone(),
                    format!("non-JSON content {types:?}: bodies must be application/json"),
                );
            }
            if !status.starts_with('2') && !json {
                add(
                    "json-bodies",
                    at.clone(),
                    "an error response without an application/json body".into(),
                );
            }
        }
    }
    check_refs(document, document, "", &mut findings);
    if findings.is_empty()
        && let Err(message) = generate_client(document)
    {
        findings.push(Finding {
            rule: "progenitor",
            location: "/".into(),
            message,
        });
    }
    findings
}

fn check_refs(document: &Value, value: &Value, pointer: &str, findings: &mut Vec<Finding>) {
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref").and_then(Value::as_str)
                && resolve(document, value).is_none()
            {
                findings.push(Finding {
                    rule: "refs-resolve",
                    location: pointer.to_owned(),
                    message: format!("{reference} does not resolve"),
                });
            }
            for (key, child) in map {
                check_refs(
                    document,
                    child,
                    &format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1")),
                    findings,
                );
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_refs(document, item, &format!("{pointer}/{i}"), findings);
            }
        }
        _ => {}
    }
}

/// Runs progenitor's generator, as `build.rs` does; it reports some problems by panicking.
fn generate_client(document: &Value) -> Result<(), String> {
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(document.clone()).map_err(|e| e.to_string())?;
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(|| {
        progenitor::Generator::default()
            .generate_tokens(&spec)
            .map(drop)
    });
    std::panic::set_hook(previous_hook);
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(format!("progenitor cannot generate a client: {error}")),
        Err(panic) => {
            let reason = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "a panic".into());
            Err(format!("progenitor panics: {reason}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundled() -> Value {
        serde_yaml::from_str(crate::spec::BUNDLED_SPEC).expect("the bundled contract parses")
    }

    #[test]
    fn the_bundled_contract_is_clean() {
        assert_eq!(lint(&bundled()), Vec::new());
    }

    #[test]
    fn duplicate_ids_text_errors_cookie_parameters_and_3_1_are_reported() {
        let mut document = bundled();
        document["paths"]["/store/customers/me"]["get"]["operationId"] = json!("createCustomer");
        document["paths"]["/auth/session"]["delete"]["responses"]["500"] = json!({ "description": "x", "content": { "text/plain": { "schema": { "type": "string" } } } });
        document["paths"]["/auth/session"]["post"]["parameters"] =
            json!([{ "name": "connect.sid", "in": "cookie", "schema": { "type": "string" } }]);
        let rules: Vec<_> = lint(&document).into_iter().map(|f| f.rule).collect();
        assert!(rules.contains(&"operation-id"), "{rules:?}");
        assert!(rules.contains(&"json-bodies"), "{rules:?}");
        assert!(rules.contains(&"no-cookie-parameters"), "{rules:?}");
        document["openapi"] = json!("3.1.0");
        assert!(lint(&document).iter().any(|f| f.rule == "openapi-3.0"));
    }
}
