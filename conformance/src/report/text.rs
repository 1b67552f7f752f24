//! The human report: a progress line per case while running, then a summary with every failure explained and a
//! curl command reproducing its request.

use std::fmt::Write;

use super::{CaseReport, Outcome, Report, kind_label};
use crate::checks::{Check, Failure, Kind, Severity};
use crate::profile::ErratumRef;
use crate::transport::Retry;

fn label(case: &CaseReport) -> &'static str {
    match &case.outcome {
        Outcome::Passed if case.all_failures().next().is_some() => "WARN",
        Outcome::Passed => "PASS",
        Outcome::Failed => "FAIL",
        Outcome::Skipped { .. } => "SKIP",
    }
}

/// `[ 3/44] PASS signup.bearer (4 requests, 812 ms)`
pub fn progress_line(case: &CaseReport, index: usize, total: usize) -> String {
    let width = total.to_string().len();
    let detail = match &case.outcome {
        Outcome::Skipped { reason } => reason.clone(),
        _ => match case.retries().count() {
            0 => format!("{} requests, {} ms", case.steps.len(), case.duration_ms),
            retries => format!(
                "{} requests, {retries} retried, {} ms",
                case.steps.len(),
                case.duration_ms
            ),
        },
    };
    format!(
        "[{index:>width$}/{total}] {} {} ({detail})",
        label(case),
        case.name
    )
}

pub fn summary(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "medusa-conformance run {} against {}\n",
        report.run_id, report.base_url
    );
    let name_width = report
        .cases
        .iter()
        .map(|case| case.name.len())
        .max()
        .unwrap_or(0);
    for case in &report.cases {
        let _ = writeln!(
            out,
            "{} {:<name_width$}  {}",
            label(case),
            case.name,
            case.summary
        );
        if let Outcome::Skipped { reason } = &case.outcome {
            let _ = writeln!(out, "       skipped: {reason}");
        }
        write_failures(&mut out, case);
        for (step, retry) in case.retries() {
            let _ = writeln!(out, "       retried step {step}: {}", retry_line(retry));
        }
    }
    let passed = report.count(|o| matches!(o, Outcome::Passed));
    let failed = report.count(|o| matches!(o, Outcome::Failed));
    let skipped = report.count(|o| matches!(o, Outcome::Skipped { .. }));
    if let Some(reason) = &report.stopped {
        let _ = writeln!(
            out,
            "\nSTOPPED: {reason}. The cases after it did not run; nothing was judged."
        );
    }
    write_release(&mut out, report);
    write_documentation_errata(&mut out, report);
    let _ = writeln!(
        out,
        "\n{} cases: {passed} passed, {failed} failed, {skipped} skipped; {} departures, {} known defects of the \
         release, {} contract differences; {:.1} s",
        report.cases.len(),
        report.of_kind(Kind::Departure).len(),
        report.of_kind(Kind::KnownDefect).len(),
        report.of_kind(Kind::ContractDifference).len(),
        report.duration_ms as f64 / 1000.0,
    );
    let retries: Vec<&Retry> = report
        .cases
        .iter()
        .flat_map(|case| case.retries().map(|(_, retry)| retry))
        .collect();
    if !retries.is_empty() {
        let waited: u64 = retries.iter().map(|retry| retry.waited_ms).sum();
        let _ = writeln!(
            out,
            "{} request(s) retried after 429/503 with Retry-After ({:.1} s waited); retries are not departures.",
            retries.len(),
            waited as f64 / 1000.0
        );
    }
    write_created(&mut out, report);
    write_cleanup(&mut out, report);
    out
}

/// `429 with Retry-After: 2, waited 2.0 s`
pub fn retry_line(retry: &Retry) -> String {
    format!(
        "{} with Retry-After: {}, waited {:.1} s",
        retry.status,
        retry.retry_after,
        retry.waited_ms as f64 / 1000.0
    )
}

fn write_failures(out: &mut String, case: &CaseReport) {
    for step in &case.steps {
        if step.failures.is_empty() {
            continue;
        }
        let request = &step.exchange.request;
        let via = match step.via {
            crate::exchange::Via::Typed => "typed",
            crate::exchange::Via::Raw => "raw",
        };
        let _ = writeln!(
            out,
            "       step {} ({via} {} {})",
            step.step, request.method, request.url
        );
        for failure in &step.failures {
            write_failure(out, failure);
        }
        let _ = writeln!(out, "         reproduce: {}", step.curl);
    }
    if let Some(failure) = &case.aborted {
        let _ = writeln!(out, "       stopped early");
        write_failure(out, failure);
    }
}

fn write_failure(out: &mut String, failure: &Failure) {
    let mark = match failure.severity {
        Severity::Error => "✗",
        Severity::Warning => "!",
    };
    let _ = writeln!(
        out,
        "         {mark} [{}] {}: {}",
        kind_label(failure.kind),
        failure.check,
        failure.title
    );
    let _ = writeln!(out, "           expected: {}", indent(&failure.expected));
    let _ = writeln!(out, "           actual:   {}", indent(&failure.actual));
}

/// The release the run was judged against, how it was told, and its known issues.
fn write_release(out: &mut String, report: &Report) {
    let Some(release) = &report.release else {
        return;
    };
    let _ = writeln!(out);
    match (&release.declared, &release.detected) {
        (Some(declared), _) => {
            let _ = writeln!(out, "Medusa release: {declared} (declared)");
        }
        (None, Some(detected)) if release.ambiguous => {
            let _ = writeln!(
                out,
                "Medusa release: cannot tell ({} answer alike, with different verdicts); pass --medusa-version",
                detected.range
            );
        }
        (None, Some(detected)) if detected.misfits > 0 => {
            let _ = writeln!(
                out,
                "Medusa release: closest to {} ({} step(s) answer unlike any stock release)",
                detected.range, detected.misfits
            );
        }
        (None, Some(detected)) => {
            let _ = writeln!(out, "Medusa release: detected {}", detected.range);
        }
        (None, None) => {}
    }
    for line in &release.evidence {
        let _ = writeln!(out, "  evidence: {line}");
    }
    if !release.unrecorded.is_empty() {
        let _ = writeln!(
            out,
            "  not recorded (judged against the contract alone): {}",
            release.unrecorded.join(", ")
        );
    }
    if report.known_issues.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "Known issues of Medusa {} ({}):",
        release.judged_against,
        report.known_issues.len()
    );
    for issue in &report.known_issues {
        let fixed = issue
            .fixed_in
            .map_or("not fixed in any recorded release".to_owned(), |v| {
                format!("fixed in {v}")
            });
        let _ = writeln!(
            out,
            "  {} {} ({}): {} {} — {}; stock {} answers so; {fixed}",
            issue.case,
            issue.step,
            issue.route,
            issue.status.map_or("-".to_owned(), |s| s.to_string()),
            issue.answer,
            issue.reason,
            issue.releases,
        );
    }
}

/// With `--profile documented`: the departures from the published reference and the errata they showed.
fn write_documentation_errata(out: &mut String, report: &Report) {
    let Some(errata) = &report.documentation_errata else {
        return;
    };
    let ids = |list: &[ErratumRef]| {
        list.iter()
            .map(|e| e.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "\nPublished reference: {} departure(s) explained by documentation errata, {} unexplained",
        report.of_kind(Kind::DocumentationErratum).len(),
        report
            .failures()
            .iter()
            .filter(|l| l.failure.check == Check::PublishedReference)
            .count(),
    );
    let _ = writeln!(
        out,
        "  documentation errata observed: {}",
        ids(&errata.errata_observed)
    );
    for erratum in &errata.errata_not_observed {
        let _ = writeln!(
            out,
            "  ✗ documentation erratum NOT OBSERVED: {} — {} (its steps ran without showing it)",
            erratum.id, erratum.title
        );
    }
    if !errata.errata_not_checked.is_empty() {
        let _ = writeln!(
            out,
            "  not checked (none of their steps ran): {}",
            ids(&errata.errata_not_checked)
        );
    }
    if !errata.errata_unobservable.is_empty() {
        let _ = writeln!(
            out,
            "  not observable by the suite (see ERRATA.md): {}",
            ids(&errata.errata_unobservable)
        );
    }
}

fn indent(text: &str) -> String {
    text.trim_end().replace('\n', "\n                     ")
}

fn write_created(out: &mut String, report: &Report) {
    if report.created.is_empty() {
        let _ = writeln!(out, "This run created nothing on the backend.");
        return;
    }
    let _ = writeln!(out, "Created by this run ({}):", report.created.len());
    for created in &report.created {
        match &created.customer_id {
            Some(id) => {
                let _ = writeln!(out, "  {}  customer {id}", created.email);
            }
            None => {
                let _ = writeln!(out, "  {}  identity only (no customer)", created.email);
            }
        }
    }
}

/// What the Admin API removed, and what stays, grouped by the reason it stays.
fn write_cleanup(out: &mut String, report: &Report) {
    let Some(cleanup) = &report.cleanup else {
        return;
    };
    let _ = writeln!(
        out,
        "Removed at the end of the run ({}):",
        cleanup.removed.len()
    );
    for removed in &cleanup.removed {
        let _ = writeln!(out, "  {removed}");
    }
    let mut reasons: Vec<&str> = Vec::new();
    for left in &cleanup.left {
        if !reasons.contains(&left.reason.as_str()) {
            reasons.push(&left.reason);
        }
    }
    for reason in reasons {
        let left: Vec<&str> = cleanup
            .left
            .iter()
            .filter(|l| l.reason == reason)
            .map(|l| l.what.as_str())
            .collect();
        let _ = writeln!(out, "Left behind ({}): {reason}", left.len());
        for what in left {
            let _ = writeln!(out, "  {what}");
        }
    }
}
