//! One integration-test binary: every test boots the server on port 0 with a fresh database.

mod account;
mod admission;
mod cli;
mod conformance;
mod connections;
mod create_customer;
mod events;
mod hostile;
mod password_reset;
mod processes;
mod races;
mod register;
mod secrets;
mod sessions;
mod spec_drift;
mod transport;

pub use integration_tests::*;
