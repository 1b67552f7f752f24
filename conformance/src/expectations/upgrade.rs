//! Offline views of the records: what a storefront sees change between two releases, and the compatibility table
//! (every case × every minor line), generated into `conformance/COMPATIBILITY.md`.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::observe::same_answer;
use super::{Expectations, Span};
use crate::diff::{Difference, diff_values};
use crate::releases::{RELEASES, Version};

/// One step whose answer changes between the two releases.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub route: String,
    pub case: String,
    pub step: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub differences: Vec<Difference>,
    /// A defect of the first release that the second one no longer has, or a defect the second one brings.
    pub defects: Vec<String>,
}

type Value = serde_json::Value;

/// The answer a release gives, when the records tell it unambiguously.
fn answer_on<'a>(spans: &[&'a Span]) -> Option<&'a Span> {
    match spans {
        [one] => Some(one),
        _ => None,
    }
}

/// Every recorded step whose answer differs between `from` and `to`, in route order.
pub fn upgrade(expectations: &Expectations, from: Version, to: Version) -> Vec<Change> {
    let mut changes = Vec::new();
    for record in expectations.cases.values() {
        for step in &record.steps {
            let (before_spans, after_spans) = (step.spans_for(from), step.spans_for(to));
            let (before, after) = (answer_on(&before_spans), answer_on(&after_spans));
            let unchanged = match (before, after) {
                (Some(b), Some(a)) => same_answer(&b.answer, &a.answer),
                (None, None) => true,
                _ => false,
            };
            if unchanged && before_spans.len() == after_spans.len() {
                continue;
            }
            let mut differences = Vec::new();
            match (before, after) {
                (Some(b), Some(a)) if b.answer.is_null() || a.answer.is_null() => {
                    differences.push(Difference::new("step", b.reached(), a.reached()));
                    if !a.answer.is_null() {
                        differences.push(Difference::new("answer", "-", &a.answer.to_string()));
                    }
                }
                (Some(b), Some(a)) => diff_values("", &b.answer, &a.answer, &mut differences),
                _ => differences.push(Difference::new(
                    "answer",
                    &uncertain(from, &before_spans),
                    &uncertain(to, &after_spans),
                )),
            }
            let mut defects = Vec::new();
            if let Some(reason) = before.and_then(|b| b.defect.as_ref()) {
                defects.push(format!("{from} defect gone: {reason}"));
            }
            if let Some(reason) = after.and_then(|a| a.defect.as_ref()) {
                defects.push(format!("{to} defect: {reason}"));
            }
            changes.push(Change {
                route: step.route.clone(),
                case: record.case.clone(),
                step: step.step.clone(),
                before: before.map(|s| s.answer.clone()),
                after: after.map(|s| s.answer.clone()),
                differences,
                defects,
            });
        }
    }
    changes.sort_by(|a, b| (&a.route, &a.case).cmp(&(&b.route, &b.case)));
    changes
}

fn uncertain(release: Version, spans: &[&Span]) -> String {
    match spans {
        [] => format!("not recorded near {release}"),
        [_] => "recorded".to_owned(),
        [before, after, ..] => format!(
            "{release} lies between {} and {}, which answer differently",
            before.to, after.from
        ),
    }
}

/// The changes as text or Markdown, grouped by route; cases whose step changes alike are listed together.
pub fn render_changes(changes: &[Change], from: Version, to: Version, markdown: bool) -> String {
    let mut out = String::new();
    let title = format!(
        "Upgrading Medusa {from} → {to}: {} step(s) answer differently",
        changes.len()
    );
    let _ = writeln!(out, "{}{title}\n", if markdown { "# " } else { "" });
    let mut by_route: BTreeMap<&str, Vec<&Change>> = BTreeMap::new();
    for change in changes {
        let route = if change.route.is_empty() {
            "(how cases end)"
        } else {
            &change.route
        };
        by_route.entry(route).or_default().push(change);
    }
    for (route, changes) in by_route {
        let _ = writeln!(
            out,
            "{}",
            if markdown {
                format!("## `{route}`\n")
            } else {
                route.to_owned()
            }
        );
        // The same change seen by several cases is written once, with the cases that see it.
        let mut alike: Vec<(Vec<String>, Vec<String>)> = Vec::new();
        for change in changes {
            let lines: Vec<String> = change
                .differences
                .iter()
                .map(|d| {
                    if markdown {
                        format!("{}: `{}` → `{}`", d.what, d.left, d.right)
                    } else {
                        format!("{}: {} → {}", d.what, d.left, d.right)
                    }
                })
                .chain(change.defects.iter().cloned())
                .collect();
            let seen_by = format!("{} {}", change.case, change.step);
            match alike.iter_mut().find(|(l, _)| *l == lines) {
                Some((_, cases)) => cases.push(seen_by),
                None => alike.push((lines, vec![seen_by])),
            }
        }
        for (lines, cases) in alike {
            let (item, detail) = if markdown {
                ("- ", "  - ")
            } else {
                ("  ", "      ")
            };
            let _ = writeln!(out, "{item}{}", cases.join(", "));
            for line in lines {
                let _ = writeln!(out, "{detail}{line}");
            }
        }
        out.push('\n');
    }
    out
}

/// The newest recorded release of each minor line.
fn line_representatives(expectations: &Expectations) -> Vec<((u32, u32), Option<Version>)> {
    let recorded = expectations.recorded_releases();
    let mut lines: Vec<(u32, u32)> = RELEASES.iter().map(|r| r.line()).collect();
    lines.dedup();
    lines
        .into_iter()
        .map(|line| {
            let newest = recorded.iter().copied().filter(|r| r.line() == line).max();
            (line, newest)
        })
        .collect()
}

/// `conformance/COMPATIBILITY.md`: for every case and minor line, whether stock Medusa answers as the newest
/// recorded release does.
pub fn compatibility_table(expectations: &Expectations) -> String {
    let lines = line_representatives(expectations);
    let newest = expectations.recorded_releases().last().copied();
    let mut out = String::from(
        "# Compatibility of stock Medusa releases with the newest recorded one\n\n\
         Generated by `cargo run -p medusa-conformance -- table > conformance/COMPATIBILITY.md` from the records in\n\
         `conformance/expectations/` (a test checks it is up to date). A column is the newest recorded release of a\n\
         minor line. `=`: every step answers as the newest recorded release does; `≠`: some step answers otherwise\n\
         (see `medusa-conformance upgrade`); `✗`: a known defect of that release shows in the case; `·`: not\n\
         recorded.\n\n",
    );
    let _ = writeln!(
        out,
        "Newest recorded release: {}.\n",
        newest.map_or("none".to_owned(), |v| v.to_string())
    );
    out.push_str("| case |");
    for ((major, minor), release) in &lines {
        let _ = write!(
            out,
            " {major}.{minor}{} |",
            release.map_or(String::new(), |r| format!(" ({r})"))
        );
    }
    out.push_str("\n|---|");
    for _ in &lines {
        out.push_str(":-:|");
    }
    out.push('\n');
    for record in expectations.cases.values() {
        let _ = write!(out, "| `{}` |", record.case);
        for (_, release) in &lines {
            let cell = match (release, newest) {
                (Some(release), Some(newest)) if record.recorded.contains(release) => {
                    let spans_at = |r: Version| {
                        record
                            .steps
                            .iter()
                            .map(|s| {
                                answer_on(&s.spans_for(r))
                                    .map(|span| (span.answer.clone(), span.defect.is_some()))
                            })
                            .collect::<Vec<_>>()
                    };
                    let here = spans_at(*release);
                    let there = spans_at(newest);
                    if here
                        .iter()
                        .any(|s| s.as_ref().is_some_and(|(_, defect)| *defect))
                    {
                        "✗"
                    } else if here.iter().zip(&there).all(|(a, b)| match (a, b) {
                        (Some(a), Some(b)) => same_answer(&a.0, &b.0),
                        (None, None) => true,
                        _ => false,
                    }) {
                        "="
                    } else {
                        "≠"
                    }
                }
                _ => "·",
            };
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    out
}
