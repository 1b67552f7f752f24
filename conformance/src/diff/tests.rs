use serde_json::json;

use super::*;
use crate::errata::Errata;
use crate::exchange::{Exchange, RecordedRequest, RecordedResponse, Via};
use crate::report::{CaseReport, Outcome, Report, StepReport};

const ERRATA: &str = "## D1 — Reused token: 400, not 500\nkind: intentional\n\
                      applies-to: signup.registration_token_reused/create_again\n\n\
                      ## E1 — Docs\nkind: documentation\n";

fn response(status: u16, headers: &[(&str, &str)], body: serde_json::Value) -> RecordedResponse {
    RecordedResponse {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        body: body.to_string(),
    }
}

fn step(name: &'static str, response: RecordedResponse) -> StepReport {
    let exchange = Exchange {
        operation_id: "create_customer",
        via: Via::Typed,
        request: RecordedRequest {
            method: "POST".into(),
            url: "http://backend/store/customers".into(),
            headers: Vec::new(),
            body: None,
        },
        response,
        retries: Vec::new(),
    };
    StepReport::new(name, exchange, Vec::new())
}

fn report(base_url: &str, email: &str, cases: Vec<(&'static str, Vec<StepReport>)>) -> Report {
    let cases = cases
        .into_iter()
        .map(|(name, steps)| CaseReport::ran(name, steps))
        .collect();
    Report {
        placeholders: vec![(email.to_owned(), "[email:primary]".to_owned())],
        ..Report::of(base_url, cases)
    }
}

const JSON: (&str, &str) = ("Content-Type", "application/json; charset=utf-8");

fn customer(email: &str) -> serde_json::Value {
    json!({ "customer": { "id": "cus_01ABC", "email": email, "created_at": "2026-11-27T08:00:41.159Z" } })
}

#[test]
fn runs_that_differ_only_in_ids_emails_and_times_are_identical() {
    let left = report(
        "L",
        "a@x",
        vec![(
            "signup.bearer",
            vec![step("create", response(200, &[JSON], customer("a@x")))],
        )],
    );
    let mut other = customer("b@y");
    other["customer"]["id"] = json!("cus_01ZZZ");
    other["customer"]["created_at"] = json!("2027-01-01T00:00:00.000Z");
    let right = report(
        "R",
        "b@y",
        vec![(
            "signup.bearer",
            vec![step("create", response(200, &[JSON], other))],
        )],
    );
    let diff = compare(&left, &right, &Errata::parse(ERRATA).expect("errata"));
    assert!(diff.passed(), "{}", diff.text());
    assert_eq!(
        diff.summary_line(),
        "1 exchanges compared: 1 identical, 0 intentional deviations, 0 differences"
    );
}

#[test]
fn a_key_order_difference_is_reported_with_both_orders() {
    let left = report(
        "L",
        "a@x",
        vec![(
            "signup.bearer",
            vec![step(
                "me",
                response(200, &[JSON], json!({ "a": 1, "b": 2 })),
            )],
        )],
    );
    let right = report(
        "R",
        "a@x",
        vec![(
            "signup.bearer",
            vec![step(
                "me",
                response(200, &[JSON], json!({ "b": 2, "a": 1 })),
            )],
        )],
    );
    let diff = compare(&left, &right, &Errata::parse(ERRATA).expect("errata"));
    assert!(!diff.passed());
    assert_eq!(
        diff.exchanges[0].differences,
        [Difference::new("body key order", "a, b", "b, a")]
    );
}

#[test]
fn a_difference_an_intentional_erratum_applies_to_is_labelled_and_does_not_fail() {
    let medusa = response(
        500,
        &[JSON],
        json!({ "code": "unknown_error", "type": "unknown_error", "message": "An unknown error occurred." }),
    );
    let ours = response(
        400,
        &[JSON],
        json!({ "type": "invalid_data", "message": "already has a customer" }),
    );
    let left = report(
        "L",
        "a@x",
        vec![(
            "signup.registration_token_reused",
            vec![step("create_again", medusa.clone())],
        )],
    );
    let right = report(
        "R",
        "a@x",
        vec![(
            "signup.registration_token_reused",
            vec![step("create_again", ours.clone())],
        )],
    );
    let errata = Errata::parse(ERRATA).expect("errata");
    let diff = compare(&left, &right, &errata);
    assert!(diff.passed(), "{}", diff.text_with(&errata));
    assert_eq!(diff.intentional_deviations().len(), 1);
    assert_eq!(diff.exchanges[0].erratum.as_deref(), Some("D1"));
    assert!(
        diff.exchanges[0]
            .differences
            .contains(&Difference::new("status", "500", "400"))
    );
    assert_eq!(
        diff.summary_line(),
        "1 exchanges compared: 0 identical, 1 intentional deviations (D1), 0 differences"
    );
    assert!(
        diff.text_with(&errata)
            .contains("INTENTIONAL D1 — Reused token: 400, not 500")
    );

    // The same difference in another step is not explained by D1.
    let left = report(
        "L",
        "a@x",
        vec![(
            "signup.registration_token_reused",
            vec![step("create", medusa)],
        )],
    );
    let right = report(
        "R",
        "a@x",
        vec![(
            "signup.registration_token_reused",
            vec![step("create", ours)],
        )],
    );
    let diff = compare(&left, &right, &errata);
    assert_eq!(diff.unlabelled_differences().len(), 1);
    assert!(
        diff.text_with(&errata)
            .starts_with("left:  L\nright: R\n\nDIFF: signup.registration_token_reused / create")
    );
}

#[test]
fn content_type_cors_and_cookie_attributes_are_compared_but_not_cookie_values() {
    let left_headers = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Vary", "Origin"),
        ("Access-Control-Allow-Credentials", "true"),
        (
            "Set-Cookie",
            "connect.sid=s%3Aabc.def; Path=/; Expires=Fri, 28 Nov 2026 08:00:00 GMT; HttpOnly; Secure",
        ),
        ("ETag", "W/\"1\""),
    ];
    let right_headers = [
        ("content-type", "text/html; charset=utf-8"),
        (
            "set-cookie",
            "connect.sid=s%3Axyz.uvw; Path=/; Expires=Sat, 29 Nov 2026 09:00:00 GMT; HttpOnly",
        ),
        ("etag", "W/\"2\""),
    ];
    let left = report(
        "L",
        "a@x",
        vec![(
            "session.cookie",
            vec![step(
                "create_session",
                response(200, &left_headers, json!({})),
            )],
        )],
    );
    let right = report(
        "R",
        "a@x",
        vec![(
            "session.cookie",
            vec![step(
                "create_session",
                response(200, &right_headers, json!({})),
            )],
        )],
    );
    let diff = compare(&left, &right, &Errata::parse(ERRATA).expect("errata"));
    let whats: Vec<_> = diff.exchanges[0]
        .differences
        .iter()
        .map(|d| d.what.as_str())
        .collect();
    assert_eq!(
        whats,
        [
            "header access-control-allow-credentials",
            "header content-type",
            "header set-cookie",
            "header vary"
        ]
    );
    let cookie = &diff.exchanges[0].differences[2];
    assert_eq!(
        cookie.left,
        "connect.sid=[value]; Path=/; Expires=[date]; HttpOnly; Secure"
    );
    assert_eq!(
        cookie.right,
        "connect.sid=[value]; Path=/; Expires=[date]; HttpOnly"
    );
}

#[test]
fn a_step_only_one_side_reached_and_a_case_only_one_side_ran_are_differences() {
    let ok = || response(200, &[JSON], json!({}));
    let left = report(
        "L",
        "a@x",
        vec![(
            "signup.bearer",
            vec![step("register", ok()), step("create", ok())],
        )],
    );
    let mut right = report(
        "R",
        "a@x",
        vec![("signup.bearer", vec![step("register", ok())])],
    );
    right.cases.push(CaseReport {
        name: "auth.expired_token_on_me",
        summary: "",
        outcome: Outcome::Skipped {
            reason: "needs --jwt-secret".into(),
        },
        duration_ms: 0,
        steps: Vec::new(),
        aborted: None,
    });
    let diff = compare(&left, &right, &Errata::parse(ERRATA).expect("errata"));
    assert_eq!(diff.unlabelled_differences().len(), 2, "{}", diff.text());
    assert_eq!(
        diff.exchanges[1].differences,
        [Difference::new("step", "sent", "not sent")]
    );
    assert_eq!(
        diff.exchanges[2].differences,
        [Difference::new("case", "not run", "ran")]
    );
}
