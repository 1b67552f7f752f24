//! What a run observed, step by step, in the form the records keep: the normalized answer (the same normalization
//! the differential mode compares) and the contract checks it failed.

use serde_json::{Map, Value, json};

use crate::checks::Failure;
use crate::diff::relevant_headers;
use crate::exchange::{RecordedRequest, RecordedResponse};
use crate::normalize::Normalizer;
use crate::report::{CaseReport, Outcome, Report};

/// One case as a run saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    pub case: String,
    pub steps: Vec<ObservedStep>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ObservedStep {
    pub key: String,
    pub route: String,
    pub answer: Value,
    /// `check: title` of every contract check that failed.
    pub failures: Vec<String>,
}

/// Every case that ran (skipped ones are not observations).
pub fn observe(report: &Report) -> Vec<Observation> {
    let normalizer = Normalizer::new(report.placeholders.clone());
    report
        .cases
        .iter()
        .filter(|case| !matches!(case.outcome, Outcome::Skipped { .. }))
        .map(|case| observe_case(&normalizer, case))
        .collect()
}

fn observe_case(normalizer: &Normalizer, case: &CaseReport) -> Observation {
    let mut steps: Vec<ObservedStep> = Vec::new();
    for step in &case.steps {
        steps.push(ObservedStep {
            key: step_key(&steps, step.step),
            route: normalizer.string(&route_of(&step.exchange.request)),
            answer: answer_of(normalizer, &step.exchange.response),
            failures: step
                .failures
                .iter()
                .map(|failure| failure_key(normalizer, failure))
                .collect(),
        });
    }
    let end = match &case.aborted {
        Some(failure) => json!({ "stopped": normalizer.string(&failure.title) }),
        None => json!({ "completed": true }),
    };
    steps.push(ObservedStep {
        key: END.to_owned(),
        route: String::new(),
        answer: end,
        failures: case
            .aborted
            .iter()
            .map(|failure| failure_key(normalizer, failure))
            .collect(),
    });
    Observation {
        case: case.name.to_owned(),
        steps,
    }
}

/// The pseudo-step that records how a case ended.
pub const END: &str = "@end";

/// The step's name, with `#n` from its second occurrence in the case on.
fn step_key(earlier: &[ObservedStep], name: &str) -> String {
    let seen = earlier
        .iter()
        .filter(|s| s.key == name || s.key.starts_with(&format!("{name}#")))
        .count();
    if seen == 0 {
        name.to_owned()
    } else {
        format!("{name}#{}", seen + 1)
    }
}

/// `POST /store/customers`: the method and the path, without the query (records keep it normalized: an id in the
/// path shows as its placeholder).
pub fn route_of(request: &RecordedRequest) -> String {
    let path = reqwest::Url::parse(&request.url)
        .map(|url| url.path().to_owned())
        .unwrap_or_else(|_| request.url.clone());
    format!("{} {path}", request.method)
}

/// Status, normalized body, token claims, and the headers a browser acts on (names lowercased, a cookie's value
/// and date redacted).
pub fn answer_of(normalizer: &Normalizer, response: &RecordedResponse) -> Value {
    let mut answer = normalizer.snapshot_of(response);
    let mut pairs = relevant_headers(response);
    // Header order means nothing to a client; body key order does (and is kept).
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut headers = Map::new();
    for (name, value) in pairs {
        let value = Value::String(normalizer.string(&value));
        match headers.get_mut(&name) {
            Some(Value::Array(values)) => values.push(value),
            Some(existing) => *existing = Value::Array(vec![existing.clone(), value]),
            None => {
                headers.insert(name, value);
            }
        }
    }
    answer["headers"] = Value::Object(headers);
    answer
}

/// How a failure is remembered in a record: `check: title`, with run-specific values normalized.
pub fn failure_key(normalizer: &Normalizer, failure: &Failure) -> String {
    format!("{}: {}", failure.check, normalizer.string(&failure.title))
}

/// Whether two answers are the same, key order included (`Value`'s `==` ignores the order of object keys).
pub fn same_answer(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => {
            l.len() == r.len()
                && l.iter()
                    .zip(r)
                    .all(|((lk, lv), (rk, rv))| lk == rk && same_answer(lv, rv))
        }
        (Value::Array(l), Value::Array(r)) => {
            l.len() == r.len() && l.iter().zip(r).all(|(a, b)| same_answer(a, b))
        }
        _ => left == right,
    }
}
