//! What stock Medusa answers on every step of every case, release by release, recorded from the real releases by
//! `medusa-conformance record` (never typed in): one file per case, `conformance/expectations/<case>.json`.
//!
//! A step's answers are stored as changes between releases: each span says "this answer holds from release A up
//! to release B", where A and B are recorded releases. Between two recorded releases whose answers differ, the
//! boundary is somewhere in between, so a release there may answer either way; before the first and after the
//! last recorded release, the nearest span is assumed to hold.
//!
//! A span whose answer fails a contract check is the release's behaviour unless it carries `defect` (a reason):
//! then it is a known defect of those releases. A 5xx is recorded as a defect by rule (a server error on client
//! input is a bug); any other defect is judged by hand, with its reason, in the file.

mod judge;
mod observe;
mod upgrade;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use judge::{Detection, KnownIssue, ReleaseVerdict, judge};
pub use observe::{END, Observation, ObservedStep, answer_of, failure_key, observe, same_answer};
pub use upgrade::{Change, compatibility_table, render_changes, upgrade};

use crate::releases::Version;

mod table {
    include!(concat!(env!("OUT_DIR"), "/expectation_table.rs"));
}

/// The reason recorded for a span whose stock answer is a server error.
pub const SERVER_ERROR_DEFECT: &str = "a server error (5xx) answers client input";

/// The recorded answers of one case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseRecord {
    pub case: String,
    /// The releases this case was recorded on, ascending.
    pub recorded: Vec<Version>,
    pub steps: Vec<StepRecord>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The step's name (`name#2` for its second occurrence in the case); `@end` is how the case ended.
    pub step: String,
    /// `METHOD /path` of the request (empty for `@end`).
    pub route: String,
    pub answers: Vec<Span>,
}

/// One answer and the recorded releases that give it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub from: Version,
    pub to: Version,
    /// Status, normalized body, token claims and the headers a browser acts on; `null`: the step is not reached.
    pub answer: Value,
    /// The contract checks this answer fails (`check: title`): the contract follows the newest release.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stock_failures: Vec<String>,
    /// Why this answer is a defect of these releases, when it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defect: Option<String>,
}

impl Span {
    pub fn status(&self) -> Option<u64> {
        self.answer["status"].as_u64()
    }

    /// Whether the step is reached at all on these releases, in words.
    pub fn reached(&self) -> &'static str {
        if self.answer.is_null() {
            "not reached"
        } else {
            "reached"
        }
    }
}

impl StepRecord {
    /// The spans that may hold on `release`: the span recorded there, or on both sides of an unrecorded gap (the
    /// boundary lies somewhere in it), or the nearest one outside the recorded range.
    pub fn spans_for(&self, release: Version) -> Vec<&Span> {
        if let Some(span) = self
            .answers
            .iter()
            .find(|s| s.from <= release && release <= s.to)
        {
            return vec![span];
        }
        let before = self
            .answers
            .iter()
            .filter(|s| s.to < release)
            .max_by_key(|s| s.to);
        let after = self
            .answers
            .iter()
            .filter(|s| s.from > release)
            .min_by_key(|s| s.from);
        before.into_iter().chain(after).collect()
    }
}

/// Every case's record.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Expectations {
    pub cases: BTreeMap<String, CaseRecord>,
}

impl Expectations {
    /// The records compiled into this binary.
    pub fn bundled() -> Self {
        let mut cases = BTreeMap::new();
        for (name, text) in table::EXPECTATIONS {
            let record: CaseRecord = serde_json::from_str(text).unwrap_or_else(|error| {
                panic!("conformance/expectations/{name}.json is malformed: {error}")
            });
            cases.insert(record.case.clone(), record);
        }
        Expectations { cases }
    }

    /// Reads every `<case>.json` of a directory (a missing directory holds none).
    pub fn load(dir: &Path) -> Result<Self, String> {
        let mut cases = BTreeMap::new();
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(Expectations::default());
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.extension().is_none_or(|ext| ext != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&path)
                .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
            let record: CaseRecord = serde_json::from_str(&text)
                .map_err(|error| format!("{}: {error}", path.display()))?;
            cases.insert(record.case.clone(), record);
        }
        Ok(Expectations { cases })
    }

    /// Writes one file per case.
    pub fn save(&self, dir: &Path) -> Result<(), String> {
        std::fs::create_dir_all(dir)
            .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
        for record in self.cases.values() {
            let path = dir.join(format!("{}.json", record.case));
            let mut text = serde_json::to_string_pretty(record).expect("records serialize");
            text.push('\n');
            std::fs::write(&path, text)
                .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
        }
        Ok(())
    }

    /// Every release some case was recorded on.
    pub fn recorded_releases(&self) -> Vec<Version> {
        let mut all: Vec<Version> = self
            .cases
            .values()
            .flat_map(|c| c.recorded.iter().copied())
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// Merges what one release answered into the records (replacing what was recorded for it before).
    pub fn record(&mut self, release: Version, observed: &[Observation]) {
        for case in observed {
            let record = self
                .cases
                .entry(case.case.clone())
                .or_insert_with(|| CaseRecord {
                    case: case.case.clone(),
                    recorded: Vec::new(),
                    steps: Vec::new(),
                });
            record.merge(release, case);
        }
    }
}

/// One step's data on one release, before it is folded into spans.
#[derive(Clone, PartialEq)]
struct Point {
    answer: Value,
    stock_failures: Vec<String>,
    defect: Option<String>,
}

impl CaseRecord {
    fn merge(&mut self, release: Version, observed: &Observation) {
        let mut recorded = self.recorded.clone();
        if !recorded.contains(&release) {
            recorded.push(release);
            recorded.sort();
        }
        let mut keys: Vec<(String, String)> = self
            .steps
            .iter()
            .map(|s| (s.step.clone(), s.route.clone()))
            .collect();
        for step in &observed.steps {
            if !keys.iter().any(|(key, _)| *key == step.key) {
                keys.push((step.key.clone(), step.route.clone()));
            }
        }
        let mut steps = Vec::with_capacity(keys.len());
        for (key, route) in keys {
            let old = self.steps.iter().find(|s| s.step == key);
            let mut points: Vec<(Version, Option<Point>)> = Vec::new();
            for &version in &recorded {
                let point = if version == release {
                    let new = observed.steps.iter().find(|s| s.key == key);
                    let answer = new.map_or(Value::Null, |s| s.answer.clone());
                    // A judgement made by hand stays with its answer when a release is recorded again.
                    let judged = old.and_then(|o| {
                        o.answers
                            .iter()
                            .find(|s| same_answer(&s.answer, &answer))
                            .and_then(|s| s.defect.clone())
                    });
                    let server_error = answer["status"].as_u64().is_some_and(|s| s >= 500);
                    Some(Point {
                        stock_failures: new.map(|s| s.failures.clone()).unwrap_or_default(),
                        defect: judged
                            .or_else(|| server_error.then(|| SERVER_ERROR_DEFECT.to_owned())),
                        answer,
                    })
                } else {
                    old.and_then(|o| {
                        o.answers
                            .iter()
                            .find(|s| s.from <= version && version <= s.to)
                    })
                    .map(|s| Point {
                        answer: s.answer.clone(),
                        stock_failures: s.stock_failures.clone(),
                        defect: s.defect.clone(),
                    })
                };
                points.push((version, point));
            }
            steps.push(StepRecord {
                step: key,
                route,
                answers: fold(points),
            });
        }
        self.recorded = recorded;
        self.steps = steps;
    }
}

/// Consecutive releases with the same point become one span; a release without a point breaks the run.
fn fold(points: Vec<(Version, Option<Point>)>) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    let mut open = false;
    for (version, point) in points {
        let Some(point) = point else {
            open = false;
            continue;
        };
        match spans.last_mut() {
            Some(last)
                if open
                    && same_answer(&last.answer, &point.answer)
                    && last.stock_failures == point.stock_failures
                    && last.defect == point.defect =>
            {
                last.to = version;
            }
            _ => spans.push(Span {
                from: version,
                to: version,
                answer: point.answer,
                stock_failures: point.stock_failures,
                defect: point.defect,
            }),
        }
        open = true;
    }
    spans
}

#[cfg(test)]
mod tests;
