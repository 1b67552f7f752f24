//! Which release a deployment is, and what each failure is: a departure from stock Medusa of that release, a
//! known defect of the release, or a difference between the release and the contract.
//!
//! Without a declared release, every release is a candidate; a candidate fits when every recorded step answers as
//! its stock Medusa may. When none fits, the candidates with the fewest misfits are kept if they agree on which
//! steps depart; when they do not agree, the verdict depends on the release and the run is ambiguous.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use super::observe::{END, Observation, ObservedStep, observe, same_answer};
use super::{Expectations, Span, StepRecord};
use crate::checks::{Check, Failure, Kind, Severity};
use crate::diff::{Difference, diff_values};
use crate::releases::{RELEASES, Version, describe_ranges};
use crate::report::Report;

/// What the run concluded about the deployment's release.
#[derive(Clone, Debug, Serialize)]
pub struct ReleaseVerdict {
    pub declared: Option<Version>,
    pub detected: Option<Detection>,
    /// The steps whose answers narrow the release down, and to what.
    pub evidence: Vec<String>,
    /// Candidates disagree on the verdict: `--medusa-version` is needed.
    pub ambiguous: bool,
    /// The releases whose stock answers the run was judged against.
    pub judged_against: String,
    /// Steps no record covers (judged against the contract alone).
    pub unrecorded: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Detection {
    /// `2.12.0–2.13.3`.
    pub range: String,
    /// How many steps answered unlike every release in the range (0: it answers exactly as stock Medusa).
    pub misfits: usize,
    /// Every release in the range.
    pub releases: Vec<Version>,
}

/// A defect of stock Medusa of the release, seen in this run.
#[derive(Clone, Debug, Serialize)]
pub struct KnownIssue {
    pub case: String,
    pub step: String,
    pub route: String,
    pub status: Option<u64>,
    pub answer: String,
    pub reason: String,
    /// The recorded releases that answer so.
    pub releases: String,
    /// The first recorded release that answers otherwise, when one does.
    pub fixed_in: Option<Version>,
}

/// Sets the kind (and severity) of every failure of the report, adds a `stock_answer` failure to every step that
/// answers unlike stock Medusa, and fills `report.release` and `report.known_issues`.
pub fn judge(
    report: &mut Report,
    expectations: &Expectations,
    declared: Option<Version>,
    strict: bool,
) {
    let observed = observe(report);
    let candidates = match declared {
        Some(release) => vec![release],
        None => RELEASES.clone(),
    };
    let misfits: Vec<(Version, Misfits)> = candidates
        .iter()
        .map(|&release| (release, misfits_on(expectations, &observed, release)))
        .collect();
    let fewest = misfits
        .iter()
        .map(|(_, m)| m.steps.len())
        .min()
        .unwrap_or(0);
    // Among the releases with the fewest misfits, those the deployment matches exactly (without counting a fixed
    // defect as a fit) tell the release more precisely.
    let closest = misfits
        .iter()
        .filter(|(_, m)| m.steps.len() == fewest)
        .map(|(_, m)| m.inexact)
        .min()
        .unwrap_or(0);
    let chosen: Vec<&(Version, Misfits)> = misfits
        .iter()
        .filter(|(_, m)| m.steps.len() == fewest && m.inexact == closest)
        .collect();
    let ambiguous = declared.is_none()
        && chosen
            .windows(2)
            .any(|pair| pair[0].1.steps != pair[1].1.steps);
    let releases: Vec<Version> = chosen.iter().map(|(release, _)| *release).collect();
    let mut unrecorded = Vec::new();
    let mut known_issues = Vec::new();
    for observation in &observed {
        let record = expectations.cases.get(&observation.case);
        for step in &observation.steps {
            let stored = record.and_then(|r| r.steps.iter().find(|s| s.step == step.key));
            let spans: Vec<&Span> =
                stored.map_or_else(Vec::new, |stored| spans_over(stored, &releases));
            if spans.is_empty() {
                unrecorded.push(format!("{} {}", observation.case, step.key));
            }
            let matched = spans
                .iter()
                .copied()
                .find(|s| same_answer(&s.answer, &step.answer));
            let expected = matched.or_else(|| spans.iter().copied().max_by_key(|s| s.to));
            classify(report, &observation.case, step, expected, strict);
            if let (Some(span), Some(stored)) = (matched, stored)
                && let Some(reason) = &span.defect
            {
                known_issues.push(known_issue(&observation.case, stored, span, reason));
            }
            if matched.is_none()
                && let Some(expected) = expected
                && !fixes_a_defect(expected, step)
            {
                add_stock_answer_failure(report, &observation.case, step, expected, &releases);
            }
        }
    }
    let evidence = if declared.is_none() {
        evidence(expectations, &observed)
    } else {
        Vec::new()
    };
    for case in &mut report.cases {
        case.settle_outcome();
    }
    report.known_issues = known_issues;
    report.release = Some(ReleaseVerdict {
        declared,
        detected: declared.is_none().then(|| Detection {
            range: describe_ranges(&releases),
            misfits: fewest,
            releases: releases.clone(),
        }),
        evidence,
        ambiguous,
        judged_against: describe_ranges(&releases),
        unrecorded,
    });
}

/// The spans any of `releases` may answer with.
fn spans_over<'a>(stored: &'a StepRecord, releases: &[Version]) -> Vec<&'a Span> {
    let mut spans: Vec<&Span> = Vec::new();
    for &release in releases {
        for span in stored.spans_for(release) {
            if !spans.iter().any(|s| std::ptr::eq(*s, span)) {
                spans.push(span);
            }
        }
    }
    spans
}

/// A deployment that answers where stock Medusa has a defect, without failing any contract check, has fixed it.
fn fixes_a_defect(expected: &Span, step: &ObservedStep) -> bool {
    expected.defect.is_some() && step.failures.is_empty() && step.key != END
}

/// Every observed step that a record covers, with its case's name and its record.
fn recorded_steps<'a>(
    expectations: &'a Expectations,
    observed: &'a [Observation],
) -> impl Iterator<Item = (&'a str, &'a ObservedStep, &'a StepRecord)> {
    observed.iter().flat_map(move |observation| {
        let record = expectations.cases.get(&observation.case);
        observation.steps.iter().filter_map(move |step| {
            let stored = record?.steps.iter().find(|s| s.step == step.key)?;
            Some((observation.case.as_str(), step, stored))
        })
    })
}

/// How a deployment's answers fit one release.
struct Misfits {
    /// The steps that answer unlike stock Medusa of the release may.
    steps: BTreeSet<(String, String)>,
    /// Steps that fit only because they fix a defect of the release.
    inexact: usize,
}

fn misfits_on(expectations: &Expectations, observed: &[Observation], release: Version) -> Misfits {
    let mut misfits = Misfits {
        steps: BTreeSet::new(),
        inexact: 0,
    };
    for (case, step, stored) in recorded_steps(expectations, observed) {
        let spans = stored.spans_for(release);
        if spans.is_empty() || spans.iter().any(|s| same_answer(&s.answer, &step.answer)) {
            continue;
        }
        if spans.iter().any(|s| fixes_a_defect(s, step)) {
            misfits.inexact += 1;
        } else {
            misfits.steps.insert((case.to_owned(), step.key.clone()));
        }
    }
    misfits
}

fn classify(
    report: &mut Report,
    case: &str,
    step: &ObservedStep,
    expected: Option<&Span>,
    strict: bool,
) {
    let normalizer = crate::normalize::Normalizer::new(report.placeholders.clone());
    let kind_of = |failure: &Failure| {
        let key = super::failure_key(&normalizer, failure);
        match expected {
            Some(span) if span.stock_failures.contains(&key) => {
                if span.defect.is_some() {
                    Kind::KnownDefect
                } else {
                    Kind::ContractDifference
                }
            }
            _ => Kind::Departure,
        }
    };
    let Some(case_report) = report.cases.iter_mut().find(|c| c.name == case) else {
        return;
    };
    let failures: Vec<&mut Failure> = if step.key == END {
        case_report.aborted.iter_mut().collect()
    } else {
        let index = step_index(case_report, &step.key);
        case_report
            .steps
            .get_mut(index)
            .map(|s| s.failures.iter_mut().collect())
            .unwrap_or_default()
    };
    for failure in failures {
        let kind = kind_of(failure);
        failure.kind = kind;
        failure.severity = match kind {
            Kind::Departure => Severity::Error,
            Kind::KnownDefect if strict => Severity::Error,
            Kind::KnownDefect | Kind::ContractDifference | Kind::DocumentationErratum => {
                Severity::Warning
            }
        };
    }
}

/// The position of the step named `key` (`name` or `name#n`) in the case.
fn step_index(case: &crate::report::CaseReport, key: &str) -> usize {
    let (name, nth) = match key.rsplit_once('#') {
        Some((name, n)) => (name, n.parse::<usize>().unwrap_or(1)),
        None => (key, 1),
    };
    case.steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.step == name)
        .nth(nth - 1)
        .map_or(usize::MAX, |(index, _)| index)
}

fn add_stock_answer_failure(
    report: &mut Report,
    case: &str,
    step: &ObservedStep,
    expected: &Span,
    releases: &[Version],
) {
    let mut differences = Vec::new();
    diff_values("", &expected.answer, &step.answer, &mut differences);
    let failure = Failure::error(
        Check::StockAnswer,
        format!(
            "answers unlike stock Medusa {} (recorded on {})",
            describe_ranges(releases),
            span_releases(expected)
        ),
        compact(&expected.answer),
        describe_differences(&differences),
    );
    let Some(case_report) = report.cases.iter_mut().find(|c| c.name == case) else {
        return;
    };
    if step.key == END {
        if case_report.aborted.is_none() {
            case_report.aborted = Some(failure);
        } else if let Some(last) = case_report.steps.last_mut() {
            last.failures.push(failure);
        }
    } else {
        let index = step_index(case_report, &step.key);
        if let Some(step_report) = case_report.steps.get_mut(index) {
            step_report.failures.push(failure);
        }
    }
}

fn describe_differences(differences: &[Difference]) -> String {
    differences
        .iter()
        .map(|d| format!("{}: stock {} / here {}", d.what, d.left, d.right))
        .collect::<Vec<_>>()
        .join("\n")
}

fn compact(answer: &Value) -> String {
    let mut text = answer.to_string();
    if text.len() > 600 {
        text.truncate(text.floor_char_boundary(600));
        text.push('…');
    }
    text
}

fn span_releases(span: &Span) -> String {
    if span.from == span.to {
        span.from.to_string()
    } else {
        format!("{}–{}", span.from, span.to)
    }
}

fn known_issue(case: &str, stored: &StepRecord, span: &Span, reason: &str) -> KnownIssue {
    let fixed_in = stored
        .answers
        .iter()
        .filter(|s| s.from > span.to && s.defect.is_none())
        .map(|s| s.from)
        .min();
    KnownIssue {
        case: case.to_owned(),
        step: stored.step.clone(),
        route: stored.route.clone(),
        status: span.status(),
        answer: compact(&span.answer["body"]),
        reason: reason.to_owned(),
        releases: span_releases(span),
        fixed_in,
    }
}

/// The steps that narrow the release down most, each with what tells the releases apart.
fn evidence(expectations: &Expectations, observed: &[Observation]) -> Vec<String> {
    let mut lines: Vec<(usize, String)> = Vec::new();
    let mut seen_ranges = BTreeSet::new();
    for (case, step, stored) in recorded_steps(expectations, observed) {
        if stored.answers.len() < 2 {
            continue;
        }
        let fitting: Vec<Version> = RELEASES
            .iter()
            .copied()
            .filter(|&r| {
                stored
                    .spans_for(r)
                    .iter()
                    .any(|s| same_answer(&s.answer, &step.answer))
            })
            .collect();
        if fitting.is_empty() || fitting.len() == RELEASES.len() {
            continue;
        }
        let ranges = describe_ranges(&fitting);
        if !seen_ranges.insert(ranges.clone()) {
            continue;
        }
        let matched = stored
            .answers
            .iter()
            .find(|s| same_answer(&s.answer, &step.answer));
        // What tells this answer apart from the one given just before it (or, if none, just after).
        let other = matched.and_then(|matched| {
            let others = || {
                stored
                    .answers
                    .iter()
                    .filter(|s| !same_answer(&s.answer, &step.answer))
            };
            others()
                .filter(|s| s.to < matched.from)
                .max_by_key(|s| s.to)
                .or_else(|| {
                    others()
                        .filter(|s| s.from > matched.to)
                        .min_by_key(|s| s.from)
                })
        });
        let telling = match (matched, other) {
            (Some(matched), Some(other)) if matched.answer.is_null() || other.answer.is_null() => {
                format!(
                    "step {} (before or after: {})",
                    matched.reached(),
                    other.reached()
                )
            }
            (Some(matched), Some(other)) => {
                let mut differences = Vec::new();
                diff_values("", &other.answer, &matched.answer, &mut differences);
                differences
                    .first()
                    .map(|d| format!("{}: {} (before or after: {})", d.what, d.right, d.left))
                    .unwrap_or_default()
            }
            _ => String::new(),
        };
        lines.push((
            fitting.len(),
            format!("{ranges}: {case} {} — {telling}", step.key),
        ));
    }
    lines.sort();
    lines.into_iter().take(8).map(|(_, line)| line).collect()
}
