//! The differential mode: the same cases run on two backends (say real Medusa and ours), and their exchanges are
//! compared step by step. A difference the errata explain as an `intentional` deviation (an `applies-to:` line
//! naming the case and step) is labelled with the erratum and does not fail the comparison; any other does.
//!
//! ```no_run
//! # async fn example() -> Result<(), medusa_conformance::diff::DiffError> {
//! use medusa_conformance::RunConfig;
//! use medusa_conformance::diff::{DiffConfig, run};
//!
//! let medusa = RunConfig::new("http://127.0.0.1:9000", "pk_…");
//! let ours = RunConfig::new("http://127.0.0.1:8080", "pk_…");
//! let report = run(DiffConfig::new(medusa, ours)).await?;
//! assert!(report.unlabelled_differences().is_empty(), "{}", report.text());
//! # Ok(()) }
//! ```

mod compare;
mod text;

use serde::Serialize;

pub(crate) use compare::diff_values;
pub use compare::{compare, compare_responses, relevant_headers};

use crate::config::RunConfig;
use crate::errata::Errata;
use crate::runner::{self, RunError};

/// Two backends to compare and what to run on them.
#[derive(Clone, Debug)]
pub struct DiffConfig {
    pub left: RunConfig,
    pub right: RunConfig,
    /// The errata whose `intentional` entries label differences; default: `openapi/ERRATA.md` as compiled in.
    pub errata: Errata,
}

impl DiffConfig {
    /// Compares every case both configurations can run, labelling with the bundled errata. `only`/`skip` of the
    /// left configuration select the cases on both sides.
    pub fn new(left: RunConfig, right: RunConfig) -> Self {
        DiffConfig {
            left,
            right,
            errata: Errata::bundled(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("left ({url}): {source}")]
    Left { url: String, source: RunError },
    #[error("right ({url}): {source}")]
    Right { url: String, source: RunError },
    #[error("{url}: {reason}")]
    Stopped { url: String, reason: String },
}

/// How one step's exchanges compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Identical,
    /// Different, as an `intentional` erratum says.
    Intentional,
    Different,
}

/// One way two exchanges differ: what (`status`, `body /customer/phone`, `header vary`, …) and both sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub what: String,
    pub left: String,
    pub right: String,
}

impl Difference {
    pub fn new(what: &str, left: &str, right: &str) -> Self {
        Difference {
            what: what.to_owned(),
            left: left.to_owned(),
            right: right.to_owned(),
        }
    }

    /// A difference at a path of the normalized response (`/status`, `/body/…`, `/jwt/…`).
    pub(crate) fn at(path: &str, left: &str, right: &str) -> Self {
        let what = match path.split_once('/').map(|(_, rest)| rest) {
            Some("status") => "status".to_owned(),
            Some(rest) => match rest.split_once('/') {
                Some(("body", inner)) => format!("body /{inner}"),
                Some(("jwt", inner)) => format!("token /{inner}"),
                Some(("headers", name)) => format!("header {name}"),
                _ => rest.to_owned(),
            },
            None => path.to_owned(),
        };
        Difference::new(&what, left, right)
    }
}

/// One step of one case on both sides.
#[derive(Clone, Debug, Serialize)]
pub struct ExchangeDiff {
    pub case: String,
    /// The step's position in the case (step names may repeat).
    pub index: usize,
    pub step: String,
    /// The left request as curl (the right one differs only in host, key and per-run values).
    pub curl: String,
    pub differences: Vec<Difference>,
    pub verdict: Verdict,
    /// The `intentional` erratum explaining the differences.
    pub erratum: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DiffReport {
    pub left: String,
    pub right: String,
    pub exchanges: Vec<ExchangeDiff>,
}

impl DiffReport {
    fn with(&self, verdict: Verdict) -> Vec<&ExchangeDiff> {
        self.exchanges
            .iter()
            .filter(|e| e.verdict == verdict)
            .collect()
    }

    /// Exchanges that differ in a way no `intentional` erratum explains: the comparison fails if any.
    pub fn unlabelled_differences(&self) -> Vec<&ExchangeDiff> {
        self.with(Verdict::Different)
    }

    /// Exchanges that differ as an `intentional` erratum says.
    pub fn intentional_deviations(&self) -> Vec<&ExchangeDiff> {
        self.with(Verdict::Intentional)
    }

    pub fn identical(&self) -> Vec<&ExchangeDiff> {
        self.with(Verdict::Identical)
    }

    /// The ids of the errata that labelled a difference, sorted, once each.
    pub fn errata_seen(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .exchanges
            .iter()
            .filter_map(|e| e.erratum.as_deref())
            .collect();
        ids.sort_by_key(|id| {
            let digits = id.trim_start_matches(|c: char| !c.is_ascii_digit());
            (
                &id[..id.len() - digits.len()],
                digits.parse::<u32>().unwrap_or(u32::MAX),
            )
        });
        ids.dedup();
        ids
    }

    /// Whether the only differences are labelled intentional deviations.
    pub fn passed(&self) -> bool {
        self.unlabelled_differences().is_empty()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the diff report serializes")
    }
}

/// Runs the selected cases on both backends (at the same time) and compares their exchanges.
pub async fn run(config: DiffConfig) -> Result<DiffReport, DiffError> {
    let DiffConfig {
        left,
        mut right,
        errata,
    } = config;
    right.only.clone_from(&left.only);
    right.skip.clone_from(&left.skip);
    let (left_url, right_url) = (left.base_url.clone(), right.base_url.clone());
    let (left_report, right_report) = tokio::join!(runner::run(left), runner::run(right));
    let left_report = left_report.map_err(|source| DiffError::Left {
        url: left_url,
        source,
    })?;
    let right_report = right_report.map_err(|source| DiffError::Right {
        url: right_url.clone(),
        source,
    })?;
    if let Some(reason) = &left_report.stopped {
        return Err(DiffError::Stopped {
            url: left_report.base_url.clone(),
            reason: reason.clone(),
        });
    }
    if let Some(reason) = &right_report.stopped {
        return Err(DiffError::Stopped {
            url: right_url,
            reason: reason.clone(),
        });
    }
    Ok(compare(&left_report, &right_report, &errata))
}

#[cfg(test)]
mod tests;
