//! The `documented` profile: the cases' own exchanges judged a second time, against Medusa's published reference as
//! it stands, with every departure accounted for by a `documentation` erratum of `openapi/ERRATA.md`.
//!
//! Each recorded step whose route the published document documents is compared with it ([`published`]):
//! undocumented status, content type, schema violations, undocumented keys, requests the document allows being
//! refused, and deletions that answer with another object's id. A departure is explained when an erratum's detector ([`detectors::DETECTORS`]) matches it and the
//! erratum's `applies-to:` lines name the step; it is then a warning. Any other departure fails the run, and so
//! does an erratum none of whose steps showed it although one of them ran.

pub mod detectors;
pub mod published;

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

pub use published::{PublishedSpec, PublishedSpecError};

use crate::checks::{Check, Failure, Kind};
use crate::errata::{self, Errata, Erratum};
use crate::exchange::RecordedRequest;
use crate::report::Report;

/// What `--profile documented` adds to a run: the published document and the errata that account for its
/// departures.
#[derive(Clone, Debug)]
pub struct Documented {
    pub spec: PublishedSpec,
    pub errata: Errata,
}

/// What a step sent, as the detectors see it.
#[derive(Clone, Debug, Serialize)]
pub struct StepRequest {
    /// The query parameters' names.
    pub query: Vec<String>,
    /// The JSON body, when there is one and it parses.
    pub body: Option<Value>,
    /// Body keys the documented request schema does not list.
    pub undocumented_body_keys: Vec<String>,
    /// The last segment of the path (the id of what a `DELETE` removes).
    pub last_segment: String,
}

impl StepRequest {
    /// Reads a recorded request sent to the documented operation `method path`.
    pub fn of(spec: &PublishedSpec, method: &str, path: &str, request: &RecordedRequest) -> Self {
        let url = reqwest::Url::parse(&request.url).ok();
        let query = url
            .as_ref()
            .map(|url| {
                url.query_pairs()
                    .map(|(name, _)| name.into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let last_segment = url
            .as_ref()
            .and_then(|url| url.path_segments()?.next_back().map(str::to_owned))
            .unwrap_or_default();
        let body = request
            .body
            .as_deref()
            .and_then(|text| serde_json::from_str::<Value>(text).ok());
        let undocumented_body_keys = body
            .as_ref()
            .map(|b| spec.undocumented_body_keys(method, path, b))
            .unwrap_or_default();
        StepRequest {
            query,
            body,
            undocumented_body_keys,
            last_segment,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DepartureKind {
    /// The status is not among the operation's documented responses.
    UndocumentedStatus,
    /// The response's content type is not the documented one.
    ContentType,
    /// A documented-required key is absent.
    MissingRequired { property: String },
    /// `null` where the schema does not allow it.
    NullNotNullable,
    /// Any other schema violation.
    SchemaViolation { keyword: String },
    /// A key the documented schema does not list.
    UndocumentedProperty { property: String },
    /// A request the documentation allows was refused with a 4xx.
    Refused,
    /// A deletion answered with an `id` other than the one in its path (the published deletion responses describe
    /// `id` as the deleted object's).
    DeletedIdNotThePathId,
}

/// One way an observed response departs from the published documentation.
#[derive(Clone, Debug, Serialize)]
pub struct Departure {
    /// `POST /store/customers`
    pub operation: String,
    pub status: u16,
    #[serde(flatten)]
    pub kind: DepartureKind,
    pub detail: String,
    #[serde(skip)]
    pub request: StepRequest,
}

/// An erratum, as the report names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErratumRef {
    pub id: String,
    pub title: String,
}

impl From<&Erratum> for ErratumRef {
    fn from(erratum: &Erratum) -> Self {
        ErratumRef {
            id: erratum.id.clone(),
            title: erratum.title.clone(),
        }
    }
}

/// What the run showed of the `documentation` errata.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ErrataVerdict {
    /// Errata that explained at least one departure.
    pub errata_observed: Vec<ErratumRef>,
    /// Errata one of whose steps ran without showing the departure: each fails the run.
    pub errata_not_observed: Vec<ErratumRef>,
    /// Errata none of whose steps ran (`--only`, `--skip`, `--read-only`, a missing option).
    pub errata_not_checked: Vec<ErratumRef>,
    /// Errata no run can show (`unobservable:` in ERRATA.md), listed so a reader knows they were not judged.
    pub errata_unobservable: Vec<ErratumRef>,
}

/// Judges every documented step of the report against the published document: adds a `published_reference`
/// failure per departure (a warning when an erratum explains it), settles the outcomes again and fills
/// `report.documentation_errata`.
pub fn judge(report: &mut Report, documented: &Documented) {
    let Documented { spec, errata } = documented;
    let base_path = reqwest::Url::parse(&report.base_url)
        .map(|url| url.path().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    let mut checked: BTreeSet<&str> = BTreeSet::new();
    let mut observed: BTreeSet<&str> = BTreeSet::new();
    for case in &mut report.cases {
        for step in &mut case.steps {
            let request = &step.exchange.request;
            let Some(path) = spec.documented_path(&request.method, &request.url, &base_path) else {
                continue;
            };
            let method = request.method.to_ascii_lowercase();
            for erratum in errata.observable_documentation() {
                if erratum.applies_to(case.name, step.step) {
                    checked.insert(&erratum.id);
                }
            }
            let sent = StepRequest::of(spec, &method, &path, request);
            let departures = spec.departures(&method, &path, &sent, &step.exchange.response);
            for departure in departures {
                match detectors::explain(&departure, errata, case.name, step.step) {
                    Some(erratum) => {
                        observed.insert(&erratum.id);
                        step.failures.push(explained(&departure, erratum));
                    }
                    // The case means the request to be refused (no credentials, a duplicate…).
                    None if departure.kind == DepartureKind::Refused && step.expects_refusal => {}
                    None => step.failures.push(unexplained(&departure)),
                }
            }
        }
        case.settle_outcome();
    }
    let mut verdict = ErrataVerdict::default();
    for erratum in errata.of_kind(errata::Kind::Documentation) {
        let list = if erratum.unobservable.is_some() {
            &mut verdict.errata_unobservable
        } else if observed.contains(erratum.id.as_str()) {
            &mut verdict.errata_observed
        } else if checked.contains(erratum.id.as_str()) {
            &mut verdict.errata_not_observed
        } else {
            &mut verdict.errata_not_checked
        };
        list.push(erratum.into());
    }
    report.documentation_errata = Some(verdict);
}

fn published_failure(departure: &Departure, title: String) -> Failure {
    Failure::error(
        Check::PublishedReference,
        title,
        format!(
            "what Medusa's published reference documents for {}",
            departure.operation
        ),
        departure.detail.clone(),
    )
}

fn explained(departure: &Departure, erratum: &Erratum) -> Failure {
    let title = format!(
        "departs from the published reference as erratum {} says: {}",
        erratum.id, erratum.title
    );
    Failure {
        kind: Kind::DocumentationErratum,
        ..published_failure(departure, title).warning()
    }
}

fn unexplained(departure: &Departure) -> Failure {
    published_failure(
        departure,
        "departs from the published reference, and no documentation erratum of this step explains it".to_owned(),
    )
}

#[cfg(test)]
mod tests;
