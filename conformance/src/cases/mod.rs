//! The cases: sign-up flows and the negative cases around them. Each case is a small async function that sends
//! requests through [`CaseContext`], which checks every response; the expected outcomes are real Medusa 2.21's.

mod account;
mod auth;
mod bodies;
pub mod context;
mod cors;
mod fields;
mod flow;
mod forms;
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
    /// `--storefront-origin`.
    StorefrontOrigin,
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
            Needs::StorefrontOrigin => config
                .storefront_origin
                .is_none()
                .then_some("needs --storefront-origin"),
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
        cors::CASES,
        forms::CASES,
        account::CASES,
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::expectations::Expectations;
    use crate::releases::RELEASES;

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
    fn every_case_is_recorded_on_the_newest_release_and_every_record_belongs_to_a_case() {
        let expectations = Expectations::bundled();
        let names: BTreeSet<&str> = all().iter().map(|case| case.name).collect();
        let newest = *RELEASES.last().expect("releases listed");
        let stale: Vec<&String> = expectations
            .cases
            .keys()
            .filter(|name| !names.contains(name.as_str()))
            .collect();
        assert!(
            stale.is_empty(),
            "records of cases that no longer exist (delete them): {stale:?}"
        );
        let unrecorded: Vec<&str> = names
            .iter()
            .copied()
            .filter(|name| {
                expectations
                    .cases
                    .get(*name)
                    .is_none_or(|record| record.recorded.last() != Some(&newest))
            })
            .collect();
        assert!(
            unrecorded.is_empty(),
            "cases not recorded on Medusa {newest} (run scripts/conformance/record.sh {newest}): {unrecorded:?}"
        );
    }
}
