//! What a run needs to know about the backend under test, and which cases to run.

use crate::admin::AdminAccess;
use crate::releases::Version;
use crate::transport::TransportConfig;

/// The settings of one conformance run. Build it with [`RunConfig::new`] and adjust the public fields.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// The backend's base URL, e.g. `http://127.0.0.1:9000` (no trailing path needed).
    pub base_url: String,
    /// A valid publishable API key (`pk_…`).
    pub publishable_key: String,
    /// The backend's JWT secret. Enables the cases that need a token signed by the server's own secret
    /// (expired, wrong actor type, unknown customer).
    pub jwt_secret: Option<String>,
    /// A revoked publishable key. Enables the revoked-key case.
    pub revoked_key: Option<String>,
    /// The email of an existing guest customer (a customer without an account). Enables the guest case, which
    /// signs that email up: afterwards it has an account, so give a fresh guest to each run.
    pub guest_email: Option<String>,
    /// The origin a storefront calls the backend from (`https://shop.example.com`): enables the CORS cases.
    pub storefront_origin: Option<String>,
    /// Domain of the run's unique emails (`conformance+<run>-<n>@<domain>`).
    pub email_domain: String,
    /// Run only the cases whose name matches one of these patterns (a substring, or a glob with `*` and `?`).
    pub only: Vec<String>,
    /// Skip the cases whose name matches one of these patterns.
    pub skip: Vec<String>,
    /// Run only the cases that create nothing on the backend.
    pub read_only: bool,
    /// The contract (OpenAPI 3.0, YAML or JSON) whose response schemas the bodies must match. `None`: the contract
    /// compiled into this crate.
    pub spec: Option<String>,
    /// The deployment's Medusa release, when known; `None`: detected from the deployment's own answers.
    pub medusa_version: Option<Version>,
    /// Known defects of the release fail the run too.
    pub strict: bool,
    /// Print a progress line to stderr as each case ends.
    pub progress: bool,
    /// Access to Medusa's Admin API: the run provisions what the cases need set-up for (a revoked key, a guest
    /// customer, unless given) and removes it and the customers it created at its end.
    pub admin: Option<AdminAccess>,
    /// The `documented` profile: [`crate::run`] also judges every answer against Medusa's published reference and
    /// its errata. Like `medusa_version` and `strict`, a judgement after the run: `run_cases` does not use it.
    pub documented: Option<crate::profile::Documented>,
    /// How requests reach the backend: access headers, extra roots, pace, `Retry-After` patience, timeout.
    pub transport: TransportConfig,
}

impl RunConfig {
    /// A configuration running every case that needs nothing beyond a base URL and a publishable key.
    pub fn new(base_url: impl Into<String>, publishable_key: impl Into<String>) -> Self {
        RunConfig {
            base_url: base_url.into(),
            publishable_key: publishable_key.into(),
            jwt_secret: None,
            revoked_key: None,
            guest_email: None,
            storefront_origin: None,
            email_domain: "example.com".to_owned(),
            only: Vec::new(),
            skip: Vec::new(),
            read_only: false,
            spec: None,
            medusa_version: None,
            strict: false,
            progress: false,
            admin: None,
            documented: None,
            transport: TransportConfig::default(),
        }
    }

    /// Whether a case of this name is selected by `only` and `skip`.
    pub fn selects(&self, case_name: &str) -> bool {
        let only = self.only.is_empty()
            || self
                .only
                .iter()
                .any(|pattern| name_matches(pattern, case_name));
        only && !self
            .skip
            .iter()
            .any(|pattern| name_matches(pattern, case_name))
    }
}

/// A pattern with `*` or `?` is a glob over the whole name; any other pattern matches as a substring.
pub fn name_matches(pattern: &str, name: &str) -> bool {
    if pattern.contains(['*', '?']) {
        glob_matches(pattern.as_bytes(), name.as_bytes())
    } else {
        name.contains(pattern)
    }
}

fn glob_matches(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob_matches(&pattern[1..], name)
                || (!name.is_empty() && glob_matches(pattern, &name[1..]))
        }
        (Some(b'?'), Some(_)) => glob_matches(&pattern[1..], &name[1..]),
        (Some(p), Some(n)) if p == n => glob_matches(&pattern[1..], &name[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_pattern_matches_as_a_substring() {
        assert!(name_matches("token", "auth.expired_token_on_me"));
        assert!(!name_matches("cookie", "auth.expired_token_on_me"));
    }

    #[test]
    fn a_glob_pattern_matches_the_whole_name() {
        assert!(name_matches("auth.*", "auth.expired_token_on_me"));
        assert!(name_matches(
            "*.expired_token_on_??",
            "auth.expired_token_on_me"
        ));
        assert!(!name_matches("auth.*", "signup.bearer"));
        assert!(!name_matches("auth", "signup.bearer"));
    }

    #[test]
    fn skip_wins_over_only() {
        let mut config = RunConfig::new("http://localhost", "pk");
        config.only = vec!["signup.*".into()];
        config.skip = vec!["cookie".into()];
        assert!(config.selects("signup.bearer"));
        assert!(!config.selects("signup.cookie_session"));
        assert!(!config.selects("auth.no_token_on_me"));
    }
}
