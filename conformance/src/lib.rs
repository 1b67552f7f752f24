//! A conformance suite for Medusa 2.21's Store API customer sign-up flow: it drives any backend through the flow
//! and its error cases and reports, check by check, where the backend departs from real Medusa's behaviour and
//! from the contract in `openapi/store.openapi.yaml`.
//!
//! ```no_run
//! # async fn example() -> Result<(), medusa_conformance::RunError> {
//! use medusa_conformance::{Check, RunConfig, run};
//!
//! let mut config = RunConfig::new("http://127.0.0.1:9000", "pk_…");
//! config.jwt_secret = Some("supersecret".into());
//! let report = run(config).await?;
//! assert!(report.passed(), "{}", medusa_conformance::report::summary(&report));
//! assert!(!report.failed_checks().contains(&Check::ResponseSchema));
//! # Ok(()) }
//! ```
//!
//! Requests the contract can express go through a client generated from it by progenitor (`build.rs`); requests
//! it cannot (malformed bodies, missing required headers, forged tokens) go through plain reqwest and are marked
//! `raw` in the report.

pub mod admin;
pub mod api;
pub mod cases;
pub mod checks;
pub mod client;
pub mod config;
pub mod contract;
pub mod diff;
pub mod errata;
pub mod exchange;
pub mod expectations;
pub mod jwt;
pub mod normalize;
pub mod profile;
pub mod releases;
pub mod report;
pub mod runner;
pub mod spec;
pub mod transport;

pub use checks::{Check, Failure, Kind, Severity};
pub use config::RunConfig;
pub use report::{CaseReport, Located, Outcome, Report};
pub use runner::{RunError, run, run_cases};
pub use transport::{AccessHeader, CaBundle, TransportConfig};
