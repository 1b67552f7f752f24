//! Compares two runs' exchanges step by step, after the normalization snapshots use (key order kept and compared),
//! plus the content type and the headers a browser acts on (Vary, Access-Control-*, Set-Cookie without its value).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{DiffReport, Difference, ExchangeDiff, Verdict};
use crate::errata::Errata;
use crate::exchange::RecordedResponse;
use crate::normalize::Normalizer;
use crate::report::{CaseReport, Outcome, Report};

/// Headers compared besides the body: exact names, and every `access-control-*`.
const HEADERS: &[&str] = &["content-type", "vary", "set-cookie"];

static COOKIE_EXPIRES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(;\s*expires=)[^;]*").expect("valid regex"));

/// Compares two reports of the same cases; differences an `intentional` erratum applies to are labelled with it.
pub fn compare(left: &Report, right: &Report, errata: &Errata) -> DiffReport {
    let left_normalizer = Normalizer::new(left.placeholders.clone());
    let right_normalizer = Normalizer::new(right.placeholders.clone());
    let mut exchanges = Vec::new();
    let mut case_differences = Vec::new();
    for left_case in &left.cases {
        let Some(right_case) = right.case(left_case.name) else {
            case_differences.push(case_difference(left_case.name, "ran", "not run"));
            continue;
        };
        match (&left_case.outcome, &right_case.outcome) {
            (Outcome::Skipped { .. }, Outcome::Skipped { .. }) => continue,
            (Outcome::Skipped { reason }, _) => {
                case_differences.push(case_difference(
                    left_case.name,
                    &format!("skipped: {reason}"),
                    "ran",
                ));
                continue;
            }
            (_, Outcome::Skipped { reason }) => {
                case_differences.push(case_difference(
                    left_case.name,
                    "ran",
                    &format!("skipped: {reason}"),
                ));
                continue;
            }
            _ => {}
        }
        let steps = left_case.steps.len().max(right_case.steps.len());
        for index in 0..steps {
            let (l, r) = (left_case.steps.get(index), right_case.steps.get(index));
            let step = l.or(r).map_or("?", |s| s.step);
            let differences = match (l, r) {
                (Some(l), Some(r)) if l.step != r.step => {
                    vec![Difference::new("step", l.step, r.step)]
                }
                (Some(l), Some(r)) => compare_responses(
                    (&left_normalizer, &l.exchange.response),
                    (&right_normalizer, &r.exchange.response),
                ),
                (Some(_), None) => vec![Difference::new("step", "sent", &aborted(right_case))],
                (None, _) => vec![Difference::new("step", &aborted(left_case), "sent")],
            };
            exchanges.push(label(
                errata,
                ExchangeDiff {
                    case: left_case.name.to_owned(),
                    index,
                    step: step.to_owned(),
                    curl: l.or(r).map(|s| s.curl.clone()).unwrap_or_default(),
                    differences,
                    verdict: Verdict::Identical,
                    erratum: None,
                },
            ));
        }
    }
    for right_case in &right.cases {
        if left.case(right_case.name).is_none() {
            case_differences.push(case_difference(right_case.name, "not run", "ran"));
        }
    }
    exchanges.extend(case_differences);
    DiffReport {
        left: left.base_url.clone(),
        right: right.base_url.clone(),
        exchanges,
    }
}

fn aborted(case: &CaseReport) -> String {
    match &case.aborted {
        Some(failure) => format!("not sent ({}: {})", failure.title, failure.actual),
        None => "not sent".to_owned(),
    }
}

fn case_difference(case: &str, left: &str, right: &str) -> ExchangeDiff {
    ExchangeDiff {
        case: case.to_owned(),
        index: 0,
        step: "-".to_owned(),
        curl: String::new(),
        differences: vec![Difference::new("case", left, right)],
        verdict: Verdict::Different,
        erratum: None,
    }
}

fn label(errata: &Errata, mut exchange: ExchangeDiff) -> ExchangeDiff {
    exchange.verdict = if exchange.differences.is_empty() {
        Verdict::Identical
    } else if let Some(erratum) = errata.intentional_for(&exchange.case, &exchange.step) {
        exchange.erratum = Some(erratum.id.clone());
        Verdict::Intentional
    } else {
        Verdict::Different
    };
    exchange
}

/// Every difference between two responses: status, body and token claims (normalized), then headers.
pub fn compare_responses(
    (left_normalizer, left): (&Normalizer, &RecordedResponse),
    (right_normalizer, right): (&Normalizer, &RecordedResponse),
) -> Vec<Difference> {
    let mut out = Vec::new();
    diff_values(
        "",
        &left_normalizer.snapshot_of(left),
        &right_normalizer.snapshot_of(right),
        &mut out,
    );
    let (left_headers, right_headers) = (relevant_headers(left), relevant_headers(right));
    let mut names: Vec<&String> = left_headers
        .iter()
        .chain(&right_headers)
        .map(|(n, _)| n)
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        let value = |headers: &[(String, String)]| {
            let values: Vec<&str> = headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .collect();
            if values.is_empty() {
                "(absent)".to_owned()
            } else {
                values.join(" | ")
            }
        };
        let (l, r) = (value(&left_headers), value(&right_headers));
        if l != r {
            out.push(Difference::new(&format!("header {name}"), &l, &r));
        }
    }
    out
}

/// The compared headers, names lowercased; a cookie's value and expiry date are redacted, its attributes kept.
pub fn relevant_headers(response: &RecordedResponse) -> Vec<(String, String)> {
    response
        .headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value))
        .filter(|(name, _)| HEADERS.contains(&name.as_str()) || name.starts_with("access-control-"))
        .map(|(name, value)| {
            let value = if name == "set-cookie" {
                redact_cookie(value)
            } else {
                value.trim().to_owned()
            };
            (name, value)
        })
        .collect()
}

fn redact_cookie(cookie: &str) -> String {
    let (pair, attributes) = cookie.split_once(';').map_or((cookie, ""), |(p, a)| (p, a));
    let name = pair.split_once('=').map_or(pair, |(name, _)| name).trim();
    let attributes = COOKIE_EXPIRES
        .replace_all(&format!(";{attributes}"), "${1}[date]")
        .into_owned();
    let attributes: Vec<String> = attributes
        .split(';')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect();
    let mut out = format!("{name}=[value]");
    for attribute in attributes {
        out.push_str("; ");
        out.push_str(&attribute);
    }
    out
}

/// Appends the differences between two JSON values; object keys are compared in order.
pub(crate) fn diff_values(path: &str, left: &Value, right: &Value, out: &mut Vec<Difference>) {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => {
            for (key, value) in l {
                match r.get(key) {
                    Some(other) => diff_values(&format!("{path}/{key}"), value, other, out),
                    None => out.push(Difference::at(
                        &format!("{path}/{key}"),
                        &value.to_string(),
                        "(absent)",
                    )),
                }
            }
            for (key, value) in r {
                if !l.contains_key(key) {
                    out.push(Difference::at(
                        &format!("{path}/{key}"),
                        "(absent)",
                        &value.to_string(),
                    ));
                }
            }
            let common = |a: &serde_json::Map<String, Value>,
                          b: &serde_json::Map<String, Value>| {
                a.keys()
                    .filter(|k| b.contains_key(*k))
                    .cloned()
                    .collect::<Vec<_>>()
            };
            let (lk, rk) = (common(l, r), common(r, l));
            if lk != rk {
                out.push(Difference::at(
                    &format!("{path} key order"),
                    &lk.join(", "),
                    &rk.join(", "),
                ));
            }
        }
        (Value::Array(l), Value::Array(r)) if l.len() == r.len() => {
            for (index, (a, b)) in l.iter().zip(r).enumerate() {
                diff_values(&format!("{path}/{index}"), a, b, out);
            }
        }
        _ if left != right => out.push(Difference::at(path, &left.to_string(), &right.to_string())),
        _ => {}
    }
}
