//! Tokens and sessions.

use serde_json::Value;

use super::{Check, CheckInput, CookieRule, ExpectedToken, Failure};
use crate::jwt;

/// A token's lifetime, per the contract ("valid for one day").
const TOKEN_LIFETIME_SECONDS: i64 = 86_400;

pub fn token_claims(input: &CheckInput) -> Vec<Failure> {
    let mut failures = Vec::new();
    let body = input.exchange.response.json().unwrap_or(Value::Null);
    if let Some(expected) = &input.expect.token {
        match body["token"].as_str() {
            Some(token) => failures.extend(judge_token(
                token,
                expected,
                input.secrets.jwt_secret.as_deref(),
            )),
            None => failures.push(claim_failure(
                "no token in the response",
                "a `token`",
                body.to_string(),
            )),
        }
    }
    if let Some(claims) = &input.expect.session_claims {
        let expected = Value::Object(claims.clone());
        if body["user"] != expected {
            failures.push(claim_failure(
                "the session's `user` is not the authentication of the token sent",
                expected.to_string(),
                body["user"].to_string(),
            ));
        }
    }
    failures
}

fn claim_failure(
    title: impl Into<String>,
    expected: impl Into<String>,
    actual: impl Into<String>,
) -> Failure {
    Failure::error(Check::TokenClaims, title, expected, actual)
}

fn judge_token(token: &str, expected: &ExpectedToken, secret: Option<&str>) -> Vec<Failure> {
    let Some(claims) = jwt::claims(token) else {
        return vec![claim_failure(
            "the token is not a JWT",
            "header.payload.signature",
            token,
        )];
    };
    let mut failures = Vec::new();
    let text = |key: &str| claims.get(key).and_then(Value::as_str).map(str::to_owned);
    if text("actor_id").as_deref() != Some(expected.actor_id.as_str()) {
        failures.push(claim_failure(
            "the token's actor_id is wrong",
            format!("actor_id: {:?}", expected.actor_id),
            format!(
                "actor_id: {}",
                claims
                    .get("actor_id")
                    .map_or("(absent)".into(), Value::to_string)
            ),
        ));
    }
    if text("actor_type").as_deref() != Some("customer") {
        failures.push(claim_failure(
            "the token's actor_type is not customer",
            "customer",
            format!("{:?}", text("actor_type")),
        ));
    }
    match (text("auth_identity_id"), &expected.auth_identity_id) {
        (None, _) => failures.push(claim_failure(
            "the token has no auth_identity_id",
            "a string",
            "(absent)",
        )),
        (Some(got), Some(want)) if &got != want => failures.push(claim_failure(
            "the token belongs to another identity",
            want.clone(),
            got,
        )),
        _ => {}
    }
    let customer_id = claims
        .get("app_metadata")
        .map(|m| m.get("customer_id").and_then(Value::as_str));
    let want_customer_id = Some(expected.actor_id.as_str()).filter(|id| !id.is_empty());
    if customer_id != Some(want_customer_id) {
        failures.push(claim_failure(
            "the token's app_metadata.customer_id is wrong",
            format!("app_metadata with customer_id {want_customer_id:?}"),
            claims
                .get("app_metadata")
                .map_or("(absent)".into(), Value::to_string),
        ));
    }
    let (iat, exp) = (
        claims.get("iat").and_then(Value::as_i64),
        claims.get("exp").and_then(Value::as_i64),
    );
    match (iat, exp) {
        (Some(iat), Some(exp)) if exp - iat == TOKEN_LIFETIME_SECONDS => {}
        _ => failures.push(claim_failure(
            "the token is not valid for exactly one day",
            format!("exp - iat = {TOKEN_LIFETIME_SECONDS}"),
            format!("iat {iat:?}, exp {exp:?}"),
        )),
    }
    if let Some(secret) = secret
        && !jwt::signed_with(token, secret)
    {
        failures.push(claim_failure(
            "the token is not signed with HS256 and the server's secret",
            "a valid HS256 signature",
            "a signature that does not verify",
        ));
    }
    failures
}

pub fn session_cookie(input: &CheckInput) -> Vec<Failure> {
    let Some(rule) = input.expect.cookie else {
        return Vec::new();
    };
    let cookies: Vec<&str> = input
        .exchange
        .response
        .headers_named("set-cookie")
        .filter(|cookie| cookie.trim_start().starts_with("connect.sid="))
        .collect();
    let Some(cookie) = cookies.first() else {
        return vec![Failure::error(
            Check::SessionCookie,
            "no connect.sid cookie",
            "Set-Cookie: connect.sid=…",
            "none",
        )];
    };
    let value = cookie.trim_start()["connect.sid=".len()..]
        .split(';')
        .next()
        .unwrap_or("");
    let attributes: Vec<String> = cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    let has = |name: &str| {
        attributes
            .iter()
            .any(|a| a == name || a.starts_with(&format!("{name}=")))
    };
    let ok = match rule {
        CookieRule::Set => {
            !value.is_empty()
                && has("httponly")
                && has("secure")
                && attributes.contains(&"path=/".into())
        }
        CookieRule::Cleared => {
            value.is_empty()
                && (attributes
                    .iter()
                    .any(|a| a.starts_with("expires=") && a.contains("1970"))
                    || has("max-age"))
        }
    };
    if ok {
        return Vec::new();
    }
    let expected = match rule {
        CookieRule::Set => "connect.sid=<session>; Path=/; HttpOnly; Secure",
        CookieRule::Cleared => "connect.sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    };
    vec![Failure::error(
        Check::SessionCookie,
        "the session cookie is not as Medusa sets it",
        expected,
        (*cookie).to_owned(),
    )]
}
