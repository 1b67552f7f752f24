//! The HTTP-agnostic core: what a request means and what Medusa would answer, without knowing about poem.

mod address;
pub mod body;
mod customer;
pub mod email;
mod error;
mod event;
pub mod fields;
#[cfg(test)]
mod fuzz_tests;
pub mod js;
pub mod jsonb;
pub mod password;
pub mod query;
pub mod text;
pub mod token;

use chrono::{DateTime, SecondsFormat, Utc};

pub use address::{Address, AddressQuery, AddressUpdate, order_pattern};
pub use customer::{Customer, NewCustomer, ProfileUpdate};
pub use error::Error;
pub use event::Event;
pub use fields::FieldSelection;
pub use token::{AuthContext, TokenKeys};

/// Timestamps as JavaScript's `Date.prototype.toISOString` writes them: milliseconds and `Z`.
pub fn format_timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Medusa's ids: a prefix and an upper-case ULID (`cus_01J…`).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", ulid::Ulid::new())
}
