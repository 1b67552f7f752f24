//! JUnit XML for CI systems: one `<testcase>` per case, a `<failure>` per failing check, `<skipped>` for cases
//! that did not run; with `--profile documented`, one `<testcase>` per `documentation` erratum as well.

use std::fmt::Write;

use super::text::retry_line;
use super::{Outcome, Report};
use crate::checks::Severity;
use crate::profile::ErrataVerdict;

pub fn junit_xml(report: &Report) -> String {
    let errata = report.documentation_errata.clone().unwrap_or_default();
    let failures = report
        .cases
        .iter()
        .filter(|case| matches!(case.outcome, Outcome::Failed))
        .count()
        + errata.errata_not_observed.len();
    let skipped =
        report.count(|o| matches!(o, Outcome::Skipped { .. })) + errata.errata_not_checked.len();
    let tests = report.cases.len()
        + errata.errata_observed.len()
        + errata.errata_not_observed.len()
        + errata.errata_not_checked.len();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"medusa-conformance\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{}\">",
        seconds(report.duration_ms),
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{}\">",
        escape(&report.base_url),
        seconds(report.duration_ms),
    );
    for case in &report.cases {
        let (group, _) = case
            .name
            .split_once('.')
            .unwrap_or(("conformance", case.name));
        let _ = writeln!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{}\">",
            escape(group),
            escape(case.name),
            seconds(case.duration_ms)
        );
        if let Outcome::Skipped { reason } = &case.outcome {
            let _ = writeln!(out, "      <skipped message=\"{}\"/>", escape(reason));
        }
        for located in case.all_failures() {
            let failure = located.failure;
            let step = located.step.unwrap_or("(between steps)");
            let curl = case
                .steps
                .iter()
                .find(|s| Some(s.step) == located.step)
                .map_or("", |s| s.curl.as_str());
            let body = format!(
                "step: {step}\nexpected: {}\nactual: {}\nreproduce: {curl}",
                failure.expected, failure.actual
            );
            let message = escape(&format!(
                "[{}] {}: {}",
                kind_label(failure.kind),
                failure.check,
                failure.title
            ));
            match failure.severity {
                Severity::Error => {
                    let _ = writeln!(
                        out,
                        "      <failure type=\"{}\" message=\"{message}\">{}</failure>",
                        failure.check,
                        escape(&body)
                    );
                }
                Severity::Warning => {
                    let _ = writeln!(
                        out,
                        "      <system-out>{message}\n{}</system-out>",
                        escape(&body)
                    );
                }
            }
        }
        let retries: Vec<String> = case
            .retries()
            .map(|(step, retry)| format!("retried step {step}: {}", retry_line(retry)))
            .collect();
        if !retries.is_empty() {
            let _ = writeln!(
                out,
                "      <system-out>{}</system-out>",
                escape(&retries.join("\n"))
            );
        }
        let _ = writeln!(out, "    </testcase>");
    }
    write_errata(&mut out, &errata);
    if let Some(reason) = &report.stopped {
        let _ = writeln!(
            out,
            "    <testcase classname=\"conformance\" name=\"run\">\n      <error message=\"{}\"/>\n    </testcase>",
            escape(reason)
        );
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// With `--profile documented`: one `<testcase>` per `documentation` erratum, failed when its steps ran without
/// showing it, skipped when none of them ran.
fn write_errata(out: &mut String, errata: &ErrataVerdict) {
    let lists = [
        (&errata.errata_observed, None),
        (
            &errata.errata_not_observed,
            Some(
                "<failure type=\"errata_not_observed\" message=\"its steps ran without showing the departure it describes\"/>",
            ),
        ),
        (
            &errata.errata_not_checked,
            Some("<skipped message=\"none of its steps ran\"/>"),
        ),
    ];
    for (list, verdict) in lists {
        for erratum in list {
            let _ = writeln!(
                out,
                "    <testcase classname=\"errata\" name=\"{} — {}\" time=\"0.000\">",
                escape(&erratum.id),
                escape(&erratum.title)
            );
            if let Some(verdict) = verdict {
                let _ = writeln!(out, "      {verdict}");
            }
            let _ = writeln!(out, "    </testcase>");
        }
    }
}

/// How a failure's kind is written in every report.
pub fn kind_label(kind: crate::checks::Kind) -> &'static str {
    match kind {
        crate::checks::Kind::Departure => "departure",
        crate::checks::Kind::KnownDefect => "known defect of the release",
        crate::checks::Kind::ContractDifference => "differs from the contract",
        crate::checks::Kind::DocumentationErratum => "documentation erratum",
    }
}

fn seconds(ms: u128) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'\u{1}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
    }
}
