//! A registry of small named checks. Every check looks at one recorded exchange and what the case expects of it,
//! and returns typed failures; a check with nothing to judge (e.g. no token expected) returns none. Whether an answer
//! is the one stock Medusa of the deployment's release gives (`stock_answer`) is judged after the run, once the release
//! is known (`crate::expectations`).

mod auth;
mod body;
mod cors;
mod expect;
mod http;
mod schema;

use serde::Serialize;

pub use expect::{
    CookieRule, CorsRule, DEFAULT_CUSTOMER_KEYS, Expect, ExpectedCustomer, ExpectedError,
    ExpectedToken, KnownDeviation, StatusRule,
};

use crate::exchange::Exchange;
use crate::normalize::Normalizer;
use crate::spec::Spec;

/// The name of a check. Failures carry it, so a test can assert which check a backend fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The status is the one Medusa answers.
    StatusCode,
    /// The response is `application/json` (or `text/plain` where the case expects plain text).
    ContentTypeJson,
    /// The status is documented for the operation and the body validates against its schema.
    ResponseSchema,
    /// An error body has Medusa's `code`, `type` and `message` (and no other of those keys).
    ErrorTypeAndMessage,
    /// The customer's keys come in Medusa's order, no more and no fewer.
    CustomerKeyOrder,
    /// The customer is the one the request is about (its id and email).
    CustomerIdentity,
    /// A token's claims (actor, identity, lifetime, signature) or a session's authentication are right.
    TokenClaims,
    /// The session cookie is set (or cleared) as Medusa does.
    SessionCookie,
    /// The storefront's origin is allowed with credentials, and a preflight allows what it asked for.
    Cors,
    /// No 5xx answer to a request a server should handle.
    NoServerError,
    /// No password, hash or secret in the response.
    NoSecretLeak,
    /// The answer is one stock Medusa of the deployment's release gives (as recorded from the real release):
    /// status, every value and key of the body in order, token claims, and the headers a browser acts on.
    StockAnswer,
    /// The flow could go on: the server answered and returned what the next request needs.
    FlowContinues,
    /// With `--profile documented`: the answer is what Medusa's published reference documents for the route, or
    /// departs from it as a `documentation` erratum of the step says.
    PublishedReference,
}

impl Check {
    pub fn as_str(self) -> &'static str {
        match self {
            Check::StatusCode => "status_code",
            Check::ContentTypeJson => "content_type_json",
            Check::ResponseSchema => "response_schema",
            Check::ErrorTypeAndMessage => "error_type_and_message",
            Check::CustomerKeyOrder => "customer_key_order",
            Check::CustomerIdentity => "customer_identity",
            Check::TokenClaims => "token_claims",
            Check::SessionCookie => "session_cookie",
            Check::Cors => "cors",
            Check::NoServerError => "no_server_error",
            Check::NoSecretLeak => "no_secret_leak",
            Check::StockAnswer => "stock_answer",
            Check::FlowContinues => "flow_continues",
            Check::PublishedReference => "published_reference",
        }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a failure is, once the deployment's release is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The deployment answers differently from stock Medusa of its release (a customization, a proxy, a broken
    /// deployment): the run fails.
    Departure,
    /// Stock Medusa of the release answers the same, and that answer is a defect: reported under the release's
    /// known issues; fails the run only with `--strict`.
    KnownDefect,
    /// Stock Medusa of the release answers the same; the contract (the newest release) differs. Informational.
    ContractDifference,
    /// The answer departs from Medusa's published reference as a `documentation` erratum of the step says
    /// (`--profile documented`): reported, does not fail the run.
    DocumentationErratum,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The backend departs from the contract: the run fails.
    Error,
    /// Reported, but the run still passes (e.g. a known departure of Medusa itself).
    Warning,
}

/// One thing a check found wrong.
#[derive(Clone, Debug, Serialize)]
pub struct Failure {
    pub check: Check,
    pub kind: Kind,
    pub severity: Severity,
    pub title: String,
    pub expected: String,
    pub actual: String,
}

impl Failure {
    pub fn error(
        check: Check,
        title: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        Failure {
            check,
            kind: Kind::Departure,
            severity: Severity::Error,
            title: title.into(),
            expected: expected.into(),
            actual: actual.into(),
        }
    }

    pub fn warning(self) -> Self {
        Failure {
            severity: Severity::Warning,
            ..self
        }
    }
}

/// Secrets a response must never contain.
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    pub passwords: Vec<String>,
    pub jwt_secret: Option<String>,
}

/// Everything a check may look at.
pub struct CheckInput<'a> {
    pub exchange: &'a Exchange,
    pub expect: &'a Expect,
    pub spec: &'a Spec,
    pub normalizer: &'a Normalizer,
    pub secrets: &'a Secrets,
}

pub type CheckFn = fn(&CheckInput) -> Vec<Failure>;

/// Every check, in the order failures are reported.
pub const REGISTRY: &[(Check, CheckFn)] = &[
    (Check::StatusCode, http::status_code),
    (Check::ContentTypeJson, http::content_type_json),
    (Check::NoServerError, http::no_server_error),
    (Check::ResponseSchema, schema::response_schema),
    (Check::ErrorTypeAndMessage, body::error_type_and_message),
    (Check::CustomerKeyOrder, body::customer_key_order),
    (Check::CustomerIdentity, body::customer_identity),
    (Check::NoSecretLeak, body::no_secret_leak),
    (Check::TokenClaims, auth::token_claims),
    (Check::SessionCookie, auth::session_cookie),
    (Check::Cors, cors::cors),
];

/// Runs every check of the registry on one exchange.
pub fn run_all(input: &CheckInput) -> Vec<Failure> {
    REGISTRY
        .iter()
        .flat_map(|(_, check)| check(input))
        .collect()
}

#[cfg(test)]
mod tests;
