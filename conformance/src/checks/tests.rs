//! Every check fails on the fault it exists for: each test takes a response recorded from real Medusa 2.21.2,
//! breaks one thing, and asserts which checks notice.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::*;
use crate::exchange::{RecordedRequest, RecordedResponse, Via};
use crate::jwt;

const EMAIL: &str = "conformance+01m8e0s1fxt3rp1mr4g06q1szj-1@example.com";
const CUSTOMER_ID: &str = "cus_01M8E0S1M3PB2G8KFMD996XAZR";

fn medusa_me() -> Value {
    json!({ "customer": {
        "id": CUSTOMER_ID, "email": EMAIL, "company_name": null, "first_name": "Ada", "last_name": "Lovelace",
        "phone": null, "metadata": { "source": "conformance", "newsletter": false }, "has_account": true,
        "deleted_at": null, "created_at": "2026-11-27T08:08:33.000Z", "updated_at": "2026-11-27T08:08:33.000Z",
        "addresses": []
    }})
}

fn exchange(operation_id: &'static str, status: u16, content_type: &str, body: String) -> Exchange {
    Exchange {
        operation_id,
        via: Via::Typed,
        request: RecordedRequest {
            method: "GET".into(),
            url: "http://127.0.0.1:9000/store/customers/me".into(),
            headers: Vec::new(),
            body: None,
        },
        response: RecordedResponse {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body,
        },
        retries: Vec::new(),
    }
}

fn failed(exchange: &Exchange, expect: &Expect) -> BTreeSet<(Check, Severity)> {
    let spec =
        crate::spec::Spec::parse(crate::spec::BUNDLED_SPEC).expect("the bundled contract parses");
    let normalizer =
        crate::normalize::Normalizer::new(vec![(EMAIL.into(), "[email:primary]".into())]);
    let secrets = Secrets {
        passwords: vec!["Conformance-secret-password".into()],
        jwt_secret: Some("supersecret".into()),
    };
    let input = CheckInput {
        exchange,
        expect,
        spec: &spec,
        normalizer: &normalizer,
        secrets: &secrets,
    };
    run_all(&input)
        .into_iter()
        .map(|failure| (failure.check, failure.severity))
        .collect()
}

fn me_checks(body: Value, status: u16, content_type: &str) -> BTreeSet<Check> {
    let exchange = exchange("get_customer", status, content_type, body.to_string());
    let expect = Expect::ok()
        .default_customer_keys()
        .customer(Some(CUSTOMER_ID), Some(EMAIL));
    failed(&exchange, &expect)
        .into_iter()
        .map(|(check, _)| check)
        .collect()
}

const JSON: &str = "application/json; charset=utf-8";

#[test]
fn medusa_own_response_passes_every_check() {
    assert_eq!(me_checks(medusa_me(), 200, JSON), BTreeSet::new());
}

#[test]
fn a_dropped_field_fails_key_order() {
    let mut body = medusa_me();
    body["customer"]
        .as_object_mut()
        .expect("object")
        .shift_remove("phone");
    assert_eq!(
        me_checks(body, 200, JSON),
        BTreeSet::from([Check::CustomerKeyOrder])
    );
}

#[test]
fn a_changed_type_fails_the_schema() {
    let mut body = medusa_me();
    body["customer"]["phone"] = json!(5);
    assert_eq!(
        me_checks(body, 200, JSON),
        BTreeSet::from([Check::ResponseSchema])
    );
}

#[test]
fn reordered_keys_fail_key_order() {
    let mut body = medusa_me();
    let customer = body["customer"].as_object_mut().expect("object");
    let email = customer.shift_remove("email").expect("email");
    customer.insert("email".into(), email);
    assert_eq!(
        me_checks(body, 200, JSON),
        BTreeSet::from([Check::CustomerKeyOrder])
    );
}

#[test]
fn a_leaked_credential_field_fails_no_secret_leak() {
    let mut body = medusa_me();
    body["customer"]["password_hash"] = json!("scrypt$…");
    let checks = me_checks(body, 200, JSON);
    assert!(checks.contains(&Check::NoSecretLeak), "{checks:?}");
}

#[test]
fn a_wrong_content_type_fails_content_type_json() {
    assert_eq!(
        me_checks(medusa_me(), 200, "text/plain"),
        BTreeSet::from([Check::ContentTypeJson])
    );
}

#[test]
fn a_json_answer_where_plain_text_is_expected_fails_content_type_json() {
    let created = |content_type| {
        let exchange = exchange(
            "request_password_reset",
            201,
            content_type,
            "Created".into(),
        );
        failed(&exchange, &Expect::text(201))
    };
    assert_eq!(created("text/plain; charset=utf-8"), BTreeSet::new());
    assert_eq!(
        created(JSON),
        BTreeSet::from([(Check::ContentTypeJson, Severity::Error)])
    );
}

#[test]
fn a_wrong_status_fails_status_code_and_schema() {
    let checks = me_checks(medusa_me(), 201, JSON);
    assert!(
        checks.contains(&Check::StatusCode) && checks.contains(&Check::ResponseSchema),
        "{checks:?}"
    );
}

#[test]
fn another_customer_fails_customer_identity() {
    let mut body = medusa_me();
    body["customer"]["id"] = json!("cus_01OTHER");
    assert_eq!(
        me_checks(body, 200, JSON),
        BTreeSet::from([Check::CustomerIdentity])
    );
}

#[test]
fn a_changed_error_message_fails_error_type_and_message() {
    let body = json!({ "type": "invalid_data", "message": "Email is required" }).to_string();
    let exchange = exchange("create_customer", 400, JSON, body);
    let expect = Expect::error(
        400,
        "invalid_data",
        "Email is required to create a customer",
    );
    assert_eq!(
        failed(&exchange, &expect),
        BTreeSet::from([(Check::ErrorTypeAndMessage, Severity::Error)])
    );
}

#[test]
fn a_server_error_fails_no_server_error() {
    let body = json!({ "code": "unknown_error", "type": "unknown_error", "message": "An unknown error occurred." });
    let exchange = exchange("get_customer", 500, JSON, body.to_string());
    let checks = failed(&exchange, &Expect::ok());
    assert!(
        checks.contains(&(Check::NoServerError, Severity::Error)),
        "{checks:?}"
    );
}

#[test]
fn medusa_known_deviation_is_a_warning_and_a_4xx_passes() {
    let medusa = json!({ "code": "unknown_error", "type": "unknown_error", "message": "An unknown error occurred." });
    let expect = Expect::client_error_or(KnownDeviation {
        status: 500,
        body: medusa.clone(),
        why: "test",
    });
    let as_medusa = exchange("create_customer", 500, JSON, medusa.to_string());
    assert_eq!(
        failed(&as_medusa, &expect),
        BTreeSet::from([(Check::StatusCode, Severity::Warning)])
    );
    let better =
        json!({ "type": "not_allowed", "message": "The registration token was already used" });
    assert_eq!(
        failed(
            &exchange("create_customer", 400, JSON, better.to_string()),
            &expect,
        ),
        BTreeSet::new()
    );
    let other_500 = exchange(
        "create_customer",
        500,
        JSON,
        json!({ "message": "boom" }).to_string(),
    );
    let checks = failed(&other_500, &expect);
    assert!(
        checks.contains(&(Check::StatusCode, Severity::Error)),
        "{checks:?}"
    );
}

#[test]
fn a_token_with_the_wrong_lifetime_or_secret_fails_token_claims() {
    let expect = Expect::ok().token(CUSTOMER_ID, None);
    let good = jwt::sign(
        &jwt::customer_claims(CUSTOMER_ID, "authid_1"),
        "supersecret",
    );
    let body = |token: &str| json!({ "token": token }).to_string();
    assert_eq!(
        failed(&exchange("login_customer", 200, JSON, body(&good)), &expect,),
        BTreeSet::new()
    );

    let mut long_lived = jwt::customer_claims(CUSTOMER_ID, "authid_1");
    long_lived.insert(
        "exp".into(),
        json!(long_lived["iat"].as_i64().expect("iat") + 7 * 86_400),
    );
    let long_lived = jwt::sign(&long_lived, "supersecret");
    let foreign = jwt::sign(
        &jwt::customer_claims(CUSTOMER_ID, "authid_1"),
        "another-secret",
    );
    for token in [long_lived, foreign] {
        let checks = failed(
            &exchange("login_customer", 200, JSON, body(&token)),
            &expect,
        );
        assert_eq!(
            checks,
            BTreeSet::from([(Check::TokenClaims, Severity::Error)])
        );
    }
}

#[test]
fn a_session_cookie_without_secure_fails_session_cookie() {
    let user = jwt::customer_claims(CUSTOMER_ID, "authid_1");
    let mut exchange = exchange(
        "create_session",
        200,
        JSON,
        json!({ "user": user }).to_string(),
    );
    let cookie = "connect.sid=s%3Aabc.def; Path=/; Expires=Fri, 27 Nov 2026 18:00:54 GMT; HttpOnly; SameSite=Lax";
    exchange
        .response
        .headers
        .push(("set-cookie".into(), cookie.into()));
    let checks = failed(&exchange, &Expect::ok().cookie(CookieRule::Set));
    assert_eq!(
        checks,
        BTreeSet::from([(Check::SessionCookie, Severity::Error)])
    );
    exchange.response.headers[1].1 = cookie.replace("HttpOnly", "HttpOnly; Secure");
    assert_eq!(
        failed(&exchange, &Expect::ok().cookie(CookieRule::Set)),
        BTreeSet::new()
    );
}

#[test]
fn a_preflight_that_does_not_allow_the_origin_credentials_or_headers_fails_cors() {
    let origin = "http://localhost:8000";
    let rule = || CorsRule {
        origin: Some(origin.into()),
        preflight: Some(("POST", vec!["content-type", "x-publishable-api-key"])),
    };
    let mut exchange = exchange("preflight", 204, "", String::new());
    exchange.response.headers = vec![
        ("access-control-allow-origin".into(), origin.into()),
        ("access-control-allow-credentials".into(), "true".into()),
        (
            "access-control-allow-methods".into(),
            "GET,HEAD,PUT,PATCH,POST,DELETE".into(),
        ),
        (
            "access-control-allow-headers".into(),
            "content-type,x-publishable-api-key".into(),
        ),
    ];
    assert_eq!(
        failed(&exchange, &Expect::preflight(204, rule())),
        BTreeSet::new()
    );
    for broken in 0..4 {
        let mut wrong = exchange.clone();
        wrong.response.headers[broken].1 = if broken == 0 { "*".into() } else { "x".into() };
        assert_eq!(
            failed(&wrong, &Expect::preflight(204, rule())),
            BTreeSet::from([(Check::Cors, Severity::Error)]),
            "header {broken} broken"
        );
    }
    let refused = CorsRule {
        origin: None,
        preflight: None,
    };
    assert_eq!(
        failed(&exchange, &Expect::preflight(204, refused)),
        BTreeSet::from([(Check::Cors, Severity::Error)]),
        "an unlisted origin must not be allowed"
    );
}
