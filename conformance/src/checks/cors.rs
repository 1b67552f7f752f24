//! CORS as a storefront's browser sees it: the origin allowed with credentials, and what a preflight asked for.

use super::{Check, CheckInput, Failure};

pub fn cors(input: &CheckInput) -> Vec<Failure> {
    let Some(rule) = &input.expect.cors else {
        return Vec::new();
    };
    let response = &input.exchange.response;
    let allowed_origin = response.header("access-control-allow-origin");
    let fail = |title: &str, expected: String, actual: Option<&str>| {
        Failure::error(
            Check::Cors,
            title,
            expected,
            actual.unwrap_or("(absent)").to_owned(),
        )
    };
    let Some(origin) = &rule.origin else {
        return match allowed_origin {
            Some(value) if value != "null" => vec![fail(
                "an origin the server does not list is allowed",
                "no Access-Control-Allow-Origin".to_owned(),
                Some(value),
            )],
            _ => Vec::new(),
        };
    };
    let mut failures = Vec::new();
    if allowed_origin != Some(origin.as_str()) {
        failures.push(fail(
            "the storefront's origin is not allowed",
            format!("Access-Control-Allow-Origin: {origin}"),
            allowed_origin,
        ));
    }
    let credentials = response.header("access-control-allow-credentials");
    if credentials != Some("true") {
        failures.push(fail(
            "credentials (cookies, authorization) are not allowed",
            "Access-Control-Allow-Credentials: true".to_owned(),
            credentials,
        ));
    }
    if let Some((method, headers)) = &rule.preflight {
        let listed = |name: &str| {
            response
                .header(name)
                .map(|value| {
                    value
                        .split(',')
                        .map(|item| item.trim().to_ascii_lowercase())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        };
        let methods = listed("access-control-allow-methods");
        if !methods.contains(&method.to_ascii_lowercase()) {
            failures.push(fail(
                "the preflight does not allow the method",
                format!("Access-Control-Allow-Methods with {method}"),
                response.header("access-control-allow-methods"),
            ));
        }
        let allowed = listed("access-control-allow-headers");
        let missing: Vec<&str> = headers
            .iter()
            .copied()
            .filter(|h| !allowed.contains(&h.to_ascii_lowercase()))
            .collect();
        if !missing.is_empty() {
            failures.push(fail(
                "the preflight does not allow the request's headers",
                format!("Access-Control-Allow-Headers with {}", headers.join(", ")),
                response.header("access-control-allow-headers"),
            ));
        }
    }
    failures
}
