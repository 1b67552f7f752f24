//! The result of a run: per case, per step, the exchange and its failures; what the run created. Rendered as
//! text (with curl lines), JSON and JUnit XML.

mod curl;
mod junit;
mod text;

use std::collections::BTreeSet;

use serde::Serialize;

pub use curl::curl_command;
pub use junit::{junit_xml, kind_label};
pub use text::{progress_line, summary};

use crate::admin::Cleanup;
use crate::checks::{Check, Failure, Severity};
use crate::exchange::{Exchange, Via};
use crate::expectations::{KnownIssue, ReleaseVerdict};
use crate::profile::ErrataVerdict;
use crate::transport::Retry;

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub run_id: String,
    pub base_url: String,
    pub duration_ms: u128,
    pub cases: Vec<CaseReport>,
    /// What the run left on the backend: every email it registered, with the customer created for it, if any.
    pub created: Vec<Created>,
    /// The run's emails (and the guest email) with the placeholders snapshots show for them, for normalizing
    /// this run's responses after the fact (the differential mode does).
    #[serde(skip)]
    pub placeholders: Vec<(String, String)>,
    /// The deployment's release, declared or detected, and how it was told.
    #[serde(rename = "medusa_version")]
    pub release: Option<ReleaseVerdict>,
    /// Defects of stock Medusa of that release that this run saw.
    pub known_issues: Vec<KnownIssue>,
    /// With Admin API access: what the run removed at its end, and what it left behind.
    pub cleanup: Option<Cleanup>,
    /// Why the run stopped before its last case (a connection error, a timeout): the deployment was not judged.
    pub stopped: Option<String>,
    /// With `--profile documented`: which `documentation` errata the run observed, missed, or could not check.
    #[serde(flatten)]
    pub documentation_errata: Option<ErrataVerdict>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    Skipped { reason: String },
}

#[derive(Clone, Debug, Serialize)]
pub struct CaseReport {
    pub name: &'static str,
    pub summary: &'static str,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub duration_ms: u128,
    pub steps: Vec<StepReport>,
    /// Why the case stopped early (a `flow_continues` failure), if it did.
    pub aborted: Option<Failure>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StepReport {
    pub step: &'static str,
    pub via: Via,
    pub curl: String,
    pub exchange: Exchange,
    pub failures: Vec<Failure>,
    /// The case expects a 4xx here.
    #[serde(skip)]
    pub expects_refusal: bool,
}

impl StepReport {
    pub fn new(step: &'static str, exchange: Exchange, failures: Vec<Failure>) -> Self {
        StepReport {
            step,
            via: exchange.via,
            curl: curl_command(&exchange.request),
            exchange,
            failures,
            expects_refusal: false,
        }
    }

    pub fn expecting_refusal(self, expects_refusal: bool) -> Self {
        StepReport {
            expects_refusal,
            ..self
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Created {
    pub email: String,
    pub customer_id: Option<String>,
}

/// A failure with where it happened.
#[derive(Clone, Copy, Debug)]
pub struct Located<'a> {
    pub case: &'static str,
    /// `None` for a failure that stopped the case between steps.
    pub step: Option<&'static str>,
    pub failure: &'a Failure,
}

impl CaseReport {
    pub fn all_failures(&self) -> impl Iterator<Item = Located<'_>> {
        let steps = self.steps.iter().flat_map(move |step| {
            step.failures.iter().map(move |failure| Located {
                case: self.name,
                step: Some(step.step),
                failure,
            })
        });
        steps.chain(self.aborted.iter().map(move |failure| Located {
            case: self.name,
            step: None,
            failure,
        }))
    }

    /// The waits the deployment asked for (`429`/`503` with `Retry-After`) before this case's answers, by step.
    pub fn retries(&self) -> impl Iterator<Item = (&'static str, &Retry)> + '_ {
        self.steps.iter().flat_map(|step| {
            step.exchange
                .retries
                .iter()
                .map(move |retry| (step.step, retry))
        })
    }

    pub fn has_errors(&self) -> bool {
        self.all_failures()
            .any(|located| located.failure.severity == Severity::Error)
    }

    /// Sets the outcome of a case that ran from its failures: failed when one is an error.
    pub fn settle_outcome(&mut self) {
        if !matches!(self.outcome, Outcome::Skipped { .. }) {
            self.outcome = if self.has_errors() {
                Outcome::Failed
            } else {
                Outcome::Passed
            };
        }
    }
}

impl Report {
    /// Whether no check of any case that ran found a departure (known defects and contract differences
    /// allowed, unless the run was strict), and every `documentation` erratum whose steps ran was observed.
    pub fn passed(&self) -> bool {
        self.stopped.is_none()
            && self.failures().is_empty()
            && self
                .documentation_errata
                .as_ref()
                .is_none_or(|errata| errata.errata_not_observed.is_empty())
    }

    /// Whether the verdict depends on which release the deployment is, and the run could not tell.
    pub fn ambiguous(&self) -> bool {
        self.release.as_ref().is_some_and(|r| r.ambiguous)
    }

    /// Every failure of a kind.
    pub fn of_kind(&self, kind: crate::checks::Kind) -> Vec<Located<'_>> {
        self.cases
            .iter()
            .flat_map(CaseReport::all_failures)
            .filter(|located| located.failure.kind == kind)
            .collect()
    }

    /// Every error-severity failure.
    pub fn failures(&self) -> Vec<Located<'_>> {
        self.located(Severity::Error)
    }

    /// Every warning (e.g. a known departure of Medusa itself).
    pub fn warnings(&self) -> Vec<Located<'_>> {
        self.located(Severity::Warning)
    }

    /// The names of the checks that failed.
    pub fn failed_checks(&self) -> BTreeSet<Check> {
        self.failures()
            .iter()
            .map(|located| located.failure.check)
            .collect()
    }

    pub fn case(&self, name: &str) -> Option<&CaseReport> {
        self.cases.iter().find(|case| case.name == name)
    }

    pub fn count(&self, wanted: fn(&Outcome) -> bool) -> usize {
        self.cases
            .iter()
            .filter(|case| wanted(&case.outcome))
            .count()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the report serializes")
    }

    fn located(&self, severity: Severity) -> Vec<Located<'_>> {
        self.cases
            .iter()
            .flat_map(CaseReport::all_failures)
            .filter(|located| located.failure.severity == severity)
            .collect()
    }
}

#[cfg(test)]
impl CaseReport {
    /// A case that ran these steps and passed, for tests.
    pub(crate) fn ran(name: &'static str, steps: Vec<StepReport>) -> Self {
        CaseReport {
            name,
            summary: "",
            outcome: Outcome::Passed,
            duration_ms: 0,
            steps,
            aborted: None,
        }
    }
}

#[cfg(test)]
impl Report {
    /// A run of these cases against `base_url`, not yet judged, for tests.
    pub(crate) fn of(base_url: &str, cases: Vec<CaseReport>) -> Self {
        Report {
            run_id: "run".into(),
            base_url: base_url.into(),
            duration_ms: 0,
            cases,
            created: Vec::new(),
            placeholders: Vec::new(),
            release: None,
            known_issues: Vec::new(),
            documentation_errata: None,
            cleanup: None,
            stopped: None,
        }
    }
}
