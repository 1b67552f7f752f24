//! The cases: sign-up flows and the negative cases around them. Each case is a small async function that sends
//! requests through [`CaseContext`], which checks every response; the expected outcomes are real Medusa 2.21's.

mod auth;
mod bodies;
pub mod context;
mod fields;
mod flow;
mod keys;
mod session;
mod signup;
mod tokens;

use std::future::Future;
use std::pin::Pin;

pub use context::{Abort, CaseContext, RunState};

pub type CaseFuture<'a> = Pin<Box<dyn Future<Output = Result<(), Abort>> + Send + 'a>>;
pub type CaseFn = for<'a> fn(&'a mut CaseContext) -> CaseFuture<'a>;

/// What a case needs beyond a base URL and a publishable key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    /// `--jwt-secret`: the case forges tokens signed with the server's secret.
    JwtSecret,
    /// `--revoked-key`.
    RevokedKey,
    /// `--guest-email`.
    GuestEmail,
}

impl Needs {
    pub fn missing_from(self, config: &crate::RunConfig) -> Option<&'static str> {
        match self {
            Needs::Nothing => None,
            Needs::JwtSecret => config.jwt_secret.is_none().then_some("needs --jwt-secret"),
            Needs::RevokedKey => config
                .revoked_key
                .is_none()
                .then_some("needs --revoked-key"),
            Needs::GuestEmail => config
                .guest_email
                .is_none()
                .then_some("needs --guest-email"),
        }
    }
}

pub struct Case {
    /// `group.what_it_does`; `--only` and `--skip` match it.
    pub name: &'static str,
    /// What the case shows, in a sentence.
    pub summary: &'static str,
    /// Whether it creates identities or customers (such cases do not run with `--read-only`).
    pub creates_data: bool,
    pub needs: Needs,
    /// The snapshot names its steps use; `conformance/snapshots/<name>__<snapshot>.snap` must exist for each.
    pub snapshots: &'static [&'static str],
    pub run: CaseFn,
}

/// Every case, in run order.
pub fn all() -> Vec<&'static Case> {
    [
        signup::CASES,
        session::CASES,
        fields::CASES,
        bodies::CASES,
        keys::CASES,
        auth::CASES,
        tokens::CASES,
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::snapshots::SnapshotStore;

    #[test]
    fn case_names_are_unique() {
        let names: Vec<_> = all().iter().map(|case| case.name).collect();
        let unique: BTreeSet<_> = names.iter().collect();
        assert_eq!(
            names.len(),
            unique.len(),
            "duplicate case names in {names:?}"
        );
    }

    #[test]
    fn every_committed_snapshot_belongs_to_a_case_and_every_case_snapshot_is_committed() {
        let declared: BTreeSet<String> = all()
            .iter()
            .flat_map(|case| {
                case.snapshots
                    .iter()
                    .map(move |snapshot| format!("{}__{snapshot}", case.name))
            })
            .collect();
        let committed: BTreeSet<String> = SnapshotStore::bundled(None)
            .names()
            .map(str::to_owned)
            .collect();
        let unreferenced: Vec<_> = committed.difference(&declared).collect();
        let missing: Vec<_> = declared.difference(&committed).collect();
        assert!(
            unreferenced.is_empty(),
            "snapshots no case uses (delete them): {unreferenced:?}"
        );
        assert!(
            missing.is_empty(),
            "snapshots not committed (run against real Medusa with --pending-snapshots conformance/snapshots, \
             then `cargo insta review`): {missing:?}"
        );
    }
}
