//! The human report of a comparison: every differing exchange with both sides, then one summary line.

use std::fmt::Write;

use super::{DiffReport, Verdict};
use crate::errata::Errata;

impl DiffReport {
    /// `44 exchanges compared: 43 identical, 1 intentional deviations (D1), 0 differences`
    pub fn summary_line(&self) -> String {
        let seen = self.errata_seen();
        let labels = if seen.is_empty() {
            String::new()
        } else {
            format!(" ({})", seen.join(", "))
        };
        format!(
            "{} exchanges compared: {} identical, {} intentional deviations{labels}, {} differences",
            self.exchanges.len(),
            self.identical().len(),
            self.intentional_deviations().len(),
            self.unlabelled_differences().len(),
        )
    }

    /// Every differing exchange with both sides, then the summary line. Titles come from `errata`.
    pub fn text_with(&self, errata: &Errata) -> String {
        let mut out = format!("left:  {}\nright: {}\n\n", self.left, self.right);
        for exchange in &self.exchanges {
            let label = match exchange.verdict {
                Verdict::Identical => continue,
                Verdict::Different => "DIFF".to_owned(),
                Verdict::Intentional => {
                    let id = exchange.erratum.as_deref().unwrap_or("?");
                    let title = errata.get(id).map(|e| e.title.as_str()).unwrap_or("");
                    format!("INTENTIONAL {id} — {title}")
                }
            };
            let _ = writeln!(
                out,
                "{label}: {} / {} (step {})",
                exchange.case,
                exchange.step,
                exchange.index + 1
            );
            for difference in &exchange.differences {
                let _ = writeln!(
                    out,
                    "    {}\n      left:  {}\n      right: {}",
                    difference.what, difference.left, difference.right
                );
            }
            if !exchange.curl.is_empty() {
                let _ = writeln!(out, "    reproduce (left): {}", exchange.curl);
            }
            out.push('\n');
        }
        out.push_str(&self.summary_line());
        out
    }

    /// [`DiffReport::text_with`] the bundled errata.
    pub fn text(&self) -> String {
        self.text_with(&Errata::bundled())
    }
}
