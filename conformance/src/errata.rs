//! The errata (`openapi/ERRATA.md`) read as data: the differential mode labels the differences an `intentional`
//! entry explains in the steps it names, and the documented profile accepts a departure from the published reference
//! only in a step a `documentation` entry names.
//!
//! An entry is a heading `## <ID> — <title>` followed by `kind: documentation|intentional` and
//! `applies-to: <case pattern>[/<step>]` lines (patterns as `--only` takes them). A `documentation` entry the suite
//! cannot show (it needs what no client holds, such as a reset token Medusa hands only to a subscriber) says why in
//! an `unobservable: <reason>` line instead of naming steps; its evidence is the probe recorded in the entry.

use crate::config::name_matches;

/// The errata compiled into this crate.
pub const BUNDLED_ERRATA: &str = include_str!("../../openapi/ERRATA.md");

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Medusa's published reference is wrong; the contract follows the live server.
    Documentation,
    /// Our server answers differently from the live server, on purpose.
    Intentional,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Erratum {
    pub id: String,
    pub title: String,
    pub kind: Kind,
    /// `(case pattern, step)`: the exchanges whose differences this entry explains (`None`: every step).
    pub applies_to: Vec<(String, Option<String>)>,
    /// Why the suite cannot show this `documentation` entry (`None`: it can, in the steps it names).
    pub unobservable: Option<String>,
}

impl Erratum {
    /// Whether this entry explains a difference in `step` of `case`.
    pub fn applies_to(&self, case: &str, step: &str) -> bool {
        self.applies_to.iter().any(|(pattern, wanted)| {
            name_matches(pattern, case) && wanted.as_deref().is_none_or(|wanted| wanted == step)
        })
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ErrataError {
    #[error("line {line}: {message}")]
    Malformed { line: usize, message: String },
    #[error("erratum {0} appears twice")]
    Duplicate(String),
}

#[derive(Clone, Debug, Default)]
pub struct Errata {
    pub entries: Vec<Erratum>,
}

impl Errata {
    pub fn bundled() -> Self {
        Errata::parse(BUNDLED_ERRATA).expect("openapi/ERRATA.md is well-formed (see errata tests)")
    }

    pub fn parse(text: &str) -> Result<Self, ErrataError> {
        let mut entries: Vec<Erratum> = Vec::new();
        let mut kinds: Vec<Option<Kind>> = Vec::new();
        let mut in_fence = false;
        for (index, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                in_fence = !in_fence;
            }
            if in_fence {
                continue;
            }
            let malformed = |message: String| ErrataError::Malformed {
                line: index + 1,
                message,
            };
            if let Some(heading) = line.strip_prefix("## ") {
                let (id, title) = heading.split_once(" — ").ok_or_else(|| {
                    malformed(format!("heading {heading:?} is not `<ID> — <title>`"))
                })?;
                if entries.iter().any(|e| e.id == id.trim()) {
                    return Err(ErrataError::Duplicate(id.trim().to_owned()));
                }
                entries.push(Erratum {
                    id: id.trim().to_owned(),
                    title: title.trim().to_owned(),
                    kind: Kind::Documentation,
                    applies_to: Vec::new(),
                    unobservable: None,
                });
                kinds.push(None);
                continue;
            }
            let (Some(entry), Some(kind)) = (entries.last_mut(), kinds.last_mut()) else {
                continue;
            };
            if let Some(value) = line.strip_prefix("kind:") {
                *kind = Some(match value.trim() {
                    "documentation" => Kind::Documentation,
                    "intentional" => Kind::Intentional,
                    other => return Err(malformed(format!("unknown kind {other:?}"))),
                });
            } else if let Some(value) = line.strip_prefix("unobservable:") {
                if value.trim().is_empty() {
                    return Err(malformed("`unobservable:` without its reason".to_owned()));
                }
                entry.unobservable = Some(value.trim().to_owned());
            } else if let Some(value) = line.strip_prefix("applies-to:") {
                for target in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    let (case, step) = match target.split_once('/') {
                        Some((case, step)) => (case, Some(step.to_owned())),
                        None => (target, None),
                    };
                    entry.applies_to.push((case.to_owned(), step));
                }
            }
        }
        for (entry, kind) in entries.iter_mut().zip(kinds) {
            let malformed = |message: String| ErrataError::Malformed { line: 0, message };
            entry.kind =
                kind.ok_or_else(|| malformed(format!("{} has no `kind:` line", entry.id)))?;
            if entry.unobservable.is_some()
                && (entry.kind != Kind::Documentation || !entry.applies_to.is_empty())
            {
                return Err(malformed(format!(
                    "{}: only a `documentation` entry without `applies-to:` lines can be `unobservable:`",
                    entry.id
                )));
            }
        }
        Ok(Errata { entries })
    }

    pub fn get(&self, id: &str) -> Option<&Erratum> {
        self.entries.iter().find(|e| e.id == id)
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Erratum> {
        self.entries.iter().filter(move |e| e.kind == kind)
    }

    /// The `documentation` entries the suite can show: the documented profile judges these.
    pub fn observable_documentation(&self) -> impl Iterator<Item = &Erratum> {
        self.of_kind(Kind::Documentation)
            .filter(|e| e.unobservable.is_none())
    }

    /// The intentional deviation that explains a difference in `step` of `case`, if any.
    pub fn intentional_for(&self, case: &str, step: &str) -> Option<&Erratum> {
        self.of_kind(Kind::Intentional)
            .find(|e| e.applies_to(case, step))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# Errata\n\nIntro.\n\n## E1 — Docs are wrong\nkind: documentation\n\ntext\n\n\
        ## D1 — We answer 400\nkind: intentional\napplies-to: signup.reused/create_again, auth.*\n\n\
        ```\nkind: evidence, not a kind line\n```\n";

    #[test]
    fn headings_kinds_and_applies_to_lines_are_read() {
        let errata = Errata::parse(SAMPLE).expect("well-formed (evidence in fences is not read)");
        assert_eq!(errata.entries.len(), 2);
        let e1 = errata.get("E1").expect("E1");
        assert_eq!(
            (e1.title.as_str(), e1.kind),
            ("Docs are wrong", Kind::Documentation)
        );
        let d1 = errata.get("D1").expect("D1");
        assert_eq!(d1.kind, Kind::Intentional);
        assert!(d1.applies_to("signup.reused", "create_again"));
        assert!(!d1.applies_to("signup.reused", "create"));
        assert!(d1.applies_to("auth.garbage_token_on_me", "response"));
        assert!(!d1.applies_to("signup.bearer", "me"));
    }

    #[test]
    fn an_unknown_kind_is_refused_with_its_line() {
        let error = Errata::parse("## E1 — x\n\nkind: sometimes\n").expect_err("unknown kind");
        assert!(
            matches!(error, ErrataError::Malformed { line: 3, .. }),
            "{error:?}"
        );
    }

    #[test]
    fn an_entry_without_kind_is_refused() {
        assert!(Errata::parse("## E1 — x\n\ntext\n").is_err());
    }

    #[test]
    fn an_unobservable_entry_keeps_its_reason_and_names_no_step() {
        let errata = Errata::parse(
            "## E1 — x\nkind: documentation\nunobservable: needs a reset token\n\n## E2 — y\nkind: documentation\napplies-to: a.b\n",
        )
        .expect("well-formed");
        assert_eq!(
            errata.get("E1").and_then(|e| e.unobservable.as_deref()),
            Some("needs a reset token")
        );
        let judged: Vec<&str> = errata
            .observable_documentation()
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(judged, ["E2"]);
        for refused in [
            "## E1 — x\nkind: documentation\nunobservable: why\napplies-to: a.b\n",
            "## D1 — x\nkind: intentional\nunobservable: why\n",
            "## E1 — x\nkind: documentation\nunobservable:\n",
        ] {
            assert!(Errata::parse(refused).is_err(), "{refused}");
        }
    }

    /// An entry the suite cannot show stands on its probe alone: it must carry one.
    #[test]
    fn every_unobservable_entry_carries_its_evidence() {
        let errata = Errata::bundled();
        let unobservable: Vec<&Erratum> = errata
            .of_kind(Kind::Documentation)
            .filter(|e| e.unobservable.is_some())
            .collect();
        assert!(!unobservable.is_empty());
        for erratum in unobservable {
            let heading = format!("\n## {} — ", erratum.id);
            let section = BUNDLED_ERRATA
                .split_once(&heading)
                .and_then(|(_, rest)| rest.split("\n## ").next())
                .expect("the entry's section");
            assert!(
                section.matches("```").count() >= 2 && section.contains("HTTP/1.1"),
                "{} has no recorded exchange as evidence",
                erratum.id
            );
        }
    }

    #[test]
    fn the_bundled_errata_parse_and_only_intentional_entries_label_differences() {
        let errata = Errata::bundled();
        let documentation: Vec<_> = errata
            .of_kind(Kind::Documentation)
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(
            documentation,
            [
                "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9", "E10", "E11", "E12", "E13",
                "E14", "E15", "E16", "E17"
            ]
        );
        let e7 = errata.get("E7").expect("E7");
        assert!(e7.applies_to("bodies.create_unknown_key", "create"));
        assert!(
            errata
                .intentional_for("bodies.create_unknown_key", "create")
                .is_none(),
            "a documentation entry's steps are no intentional difference"
        );
        assert_eq!(
            errata
                .intentional_for("signup.registration_token_reused", "create_again")
                .map(|e| e.id.as_str()),
            Some("D1")
        );
        assert!(errata.intentional_for("signup.bearer", "create").is_none());
    }
}
