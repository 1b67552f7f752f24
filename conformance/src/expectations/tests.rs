//! Records fold releases into spans, and the judge tells departures, known defects and contract differences apart.

use serde_json::json;

use super::*;
use crate::checks::{Check, Failure, Kind, Severity};
use crate::exchange::{Exchange, RecordedRequest, RecordedResponse, Via};
use crate::report::{CaseReport, Outcome, Report, StepReport};

fn v(text: &str) -> Version {
    text.parse().expect("a release number")
}

fn exchange(status: u16, body: serde_json::Value) -> Exchange {
    Exchange {
        operation_id: "register",
        via: Via::Raw,
        request: RecordedRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:9000/auth/customer/emailpass/register".into(),
            headers: Vec::new(),
            body: None,
        },
        response: RecordedResponse {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: body.to_string(),
        },
        retries: Vec::new(),
    }
}

/// A report of one case `bodies.malformed` with one step `create` answering `status` and `body`.
fn report(status: u16, body: serde_json::Value, failures: Vec<Failure>) -> Report {
    let outcome = if failures.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed
    };
    let steps = vec![StepReport::new("create", exchange(status, body), failures)];
    let case = CaseReport {
        outcome,
        ..CaseReport::ran("bodies.malformed", steps)
    };
    Report::of("http://127.0.0.1:9000", vec![case])
}

fn server_error() -> Failure {
    Failure::error(Check::NoServerError, "a server error", "a 4xx", "500")
}

fn message_failure() -> Failure {
    Failure::error(
        Check::ErrorTypeAndMessage,
        "error `message` differs",
        "x",
        "y",
    )
}

const BAD: u16 = 400;

/// 2.0.0 and 2.4.0 answer 500, 2.12.0 answers 400 "Invalid email", 2.21.0 answers 400 "Invalid email address".
fn records() -> Expectations {
    let mut records = Expectations::default();
    let unknown = json!({ "code": "unknown_error", "type": "unknown_error", "message": "An unknown error occurred." });
    for release in ["2.0.0", "2.4.0"] {
        let run = report(500, unknown.clone(), vec![server_error()]);
        records.record(v(release), &observe(&run));
    }
    let older = report(
        BAD,
        json!({ "type": "invalid_data", "message": "Invalid email" }),
        vec![message_failure()],
    );
    records.record(v("2.12.0"), &observe(&older));
    let newest = report(
        BAD,
        json!({ "type": "invalid_data", "message": "Invalid email address" }),
        Vec::new(),
    );
    records.record(v("2.21.0"), &observe(&newest));
    records
}

fn create_step(records: &Expectations) -> &StepRecord {
    records.cases["bodies.malformed"]
        .steps
        .iter()
        .find(|s| s.step == "create")
        .expect("recorded")
}

#[test]
fn releases_with_the_same_answer_fold_into_one_span_and_a_server_error_is_a_defect() {
    let records = records();
    let spans = &create_step(&records).answers;
    assert_eq!(spans.len(), 3, "{spans:#?}");
    assert_eq!((spans[0].from, spans[0].to), (v("2.0.0"), v("2.4.0")));
    assert_eq!(spans[0].defect.as_deref(), Some(SERVER_ERROR_DEFECT));
    assert_eq!(
        spans[1].stock_failures,
        vec!["error_type_and_message: error `message` differs"]
    );
    assert!(spans[2].defect.is_none() && spans[2].stock_failures.is_empty());
}

#[test]
fn recording_a_release_inside_a_span_splits_it_and_keeps_hand_judgements() {
    let mut records = records();
    let step = records.cases.get_mut("bodies.malformed").expect("recorded");
    step.steps[0].answers[1].defect = Some("judged by hand".into());
    let middle = report(
        BAD,
        json!({ "type": "invalid_data", "message": "Invalid email" }),
        vec![message_failure()],
    );
    records.record(v("2.13.0"), &observe(&middle));
    let odd = report(418, json!({}), Vec::new());
    records.record(v("2.2.0"), &observe(&odd));
    let spans = &create_step(&records).answers;
    let ranges: Vec<(String, String)> = spans
        .iter()
        .map(|s| (s.from.to_string(), s.to.to_string()))
        .collect();
    assert_eq!(
        ranges,
        [
            ("2.0.0", "2.0.0"),
            ("2.2.0", "2.2.0"),
            ("2.4.0", "2.4.0"),
            ("2.12.0", "2.13.0"),
            ("2.21.0", "2.21.0")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(spans[3].defect.as_deref(), Some("judged by hand"));
}

#[test]
fn a_release_in_an_unrecorded_gap_may_answer_as_either_neighbour() {
    let records = records();
    let step = create_step(&records);
    assert_eq!(step.spans_for(v("2.8.0")).len(), 2);
    assert_eq!(step.spans_for(v("2.12.0")).len(), 1);
    assert_eq!(
        step.spans_for(v("2.30.0")).len(),
        1,
        "after the newest: the newest span"
    );
}

#[test]
fn a_stock_defect_is_a_known_issue_and_does_not_fail_the_run_unless_strict() {
    let records = records();
    let unknown = json!({ "code": "unknown_error", "type": "unknown_error", "message": "An unknown error occurred." });
    let mut run = report(500, unknown.clone(), vec![server_error()]);
    judge(&mut run, &records, Some(v("2.4.0")), false);
    assert!(run.passed(), "{}", crate::report::summary(&run));
    assert_eq!(run.of_kind(Kind::KnownDefect).len(), 1);
    assert_eq!(run.known_issues.len(), 1);
    assert_eq!(run.known_issues[0].fixed_in, Some(v("2.12.0")));

    let mut strict = report(500, unknown, vec![server_error()]);
    judge(&mut strict, &records, Some(v("2.4.0")), true);
    assert!(!strict.passed());
}

#[test]
fn the_release_own_wording_is_a_contract_difference_not_a_failure() {
    let records = records();
    let mut run = report(
        BAD,
        json!({ "type": "invalid_data", "message": "Invalid email" }),
        vec![message_failure()],
    );
    judge(&mut run, &records, Some(v("2.12.0")), false);
    assert!(run.passed(), "{}", crate::report::summary(&run));
    assert_eq!(run.of_kind(Kind::ContractDifference).len(), 1);
}

#[test]
fn an_answer_unlike_stock_is_a_departure_naming_what_differs() {
    let records = records();
    let mut run = report(
        BAD,
        json!({ "type": "invalid_data", "message": "Bad email" }),
        vec![message_failure()],
    );
    judge(&mut run, &records, Some(v("2.21.0")), false);
    assert!(!run.passed());
    let departures = run.of_kind(Kind::Departure);
    assert!(
        departures
            .iter()
            .any(|l| l.failure.check == Check::StockAnswer
                && l.failure.actual.contains("body /message")
                && l.failure.severity == Severity::Error)
    );
    assert!(
        departures
            .iter()
            .any(|l| l.failure.check == Check::ErrorTypeAndMessage)
    );
}

#[test]
fn answering_as_a_newer_release_departs_from_the_declared_older_one() {
    let records = records();
    let mut run = report(
        BAD,
        json!({ "type": "invalid_data", "message": "Invalid email address" }),
        Vec::new(),
    );
    judge(&mut run, &records, Some(v("2.12.0")), false);
    assert!(!run.passed(), "2.12.0 says `Invalid email`");
}

#[test]
fn fixing_a_defect_of_the_release_is_not_a_departure() {
    let records = records();
    let mut run = report(
        BAD,
        json!({ "type": "invalid_data", "message": "Invalid email address" }),
        Vec::new(),
    );
    judge(&mut run, &records, Some(v("2.4.0")), false);
    assert!(run.passed(), "{}", crate::report::summary(&run));
}

#[test]
fn the_release_is_detected_from_the_answers_with_its_evidence() {
    let records = records();
    let mut run = report(
        BAD,
        json!({ "type": "invalid_data", "message": "Invalid email" }),
        vec![message_failure()],
    );
    judge(&mut run, &records, None, false);
    let verdict = run.release.as_ref().expect("judged");
    let detected = verdict.detected.as_ref().expect("detected");
    assert_eq!(detected.misfits, 0);
    assert!(
        detected.releases.contains(&v("2.12.0")),
        "{}",
        detected.range
    );
    assert!(
        detected
            .releases
            .iter()
            .all(|r| *r > v("2.4.0") && *r < v("2.21.0")),
        "{}",
        detected.range
    );
    assert!(
        verdict
            .evidence
            .iter()
            .any(|e| e.contains("bodies.malformed create")),
        "{:?}",
        verdict.evidence
    );
    assert!(run.passed() && !verdict.ambiguous);
}

#[test]
fn candidates_that_disagree_on_the_verdict_make_the_run_ambiguous() {
    let mut records = Expectations::default();
    // Two cases, each with a step that changed in a different release: an answer that is old on one and new on
    // the other fits no release, and which step departs depends on the release.
    let mut first = report(BAD, json!({ "message": "a" }), Vec::new());
    let mut second = report(BAD, json!({ "message": "x" }), Vec::new());
    second.cases[0].name = "bodies.other";
    let mut both = first.clone();
    both.cases.extend(second.cases.clone());
    records.record(v("2.0.0"), &observe(&both));
    first = report(BAD, json!({ "message": "b" }), Vec::new());
    let mut newer = first.clone();
    newer.cases.extend(second.cases.clone());
    records.record(v("2.12.0"), &observe(&newer));
    second = report(BAD, json!({ "message": "y" }), Vec::new());
    second.cases[0].name = "bodies.other";
    let mut newest = first.clone();
    newest.cases.extend(second.cases.clone());
    records.record(v("2.21.0"), &observe(&newest));

    let mut mixed = report(BAD, json!({ "message": "a" }), Vec::new());
    let mut other = report(BAD, json!({ "message": "y" }), Vec::new());
    other.cases[0].name = "bodies.other";
    mixed.cases.extend(other.cases);
    judge(&mut mixed, &records, None, false);
    assert!(mixed.ambiguous(), "{}", crate::report::summary(&mixed));
}

#[test]
fn upgrade_lists_each_changed_step_with_what_changed() {
    let records = records();
    let changes = upgrade(&records, v("2.12.0"), v("2.21.0"));
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0].route, "POST /auth/customer/emailpass/register");
    assert!(
        changes[0]
            .differences
            .iter()
            .any(|d| d.what == "body /message")
    );
    assert!(upgrade(&records, v("2.21.0"), v("2.21.0")).is_empty());
}

#[test]
fn the_committed_compatibility_table_is_generated_from_the_records() {
    let committed = include_str!("../../COMPATIBILITY.md");
    let generated = compatibility_table(&Expectations::bundled());
    assert!(
        committed == generated,
        "conformance/COMPATIBILITY.md is stale: run `cargo run -p medusa-conformance -- table > \
         conformance/COMPATIBILITY.md`"
    );
}

#[test]
fn detection_prefers_releases_matched_exactly_over_those_whose_defect_was_fixed() {
    let records = records();
    let mut run = report(
        BAD,
        json!({ "type": "invalid_data", "message": "Invalid email address" }),
        Vec::new(),
    );
    judge(&mut run, &records, None, false);
    let detected = run
        .release
        .as_ref()
        .and_then(|r| r.detected.as_ref())
        .expect("detected");
    assert_eq!(detected.misfits, 0);
    assert!(
        detected.releases.contains(&v("2.21.0")),
        "{}",
        detected.range
    );
    assert!(
        !detected.releases.contains(&v("2.4.0")),
        "{}",
        detected.range
    );
    assert!(
        run.passed(),
        "fixing the 2.4.0 defect is no departure either way"
    );
}
