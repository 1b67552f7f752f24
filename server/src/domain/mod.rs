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

/// Medusa's ids: a prefix and an upper-case ULID (`cus_01J…`). They increase in the order they are made, even
/// within one millisecond: a customer's addresses are read in id order as creation order (Medusa, slower, never
/// makes two of one customer's in a millisecond; this server does).
pub fn new_id(prefix: &str) -> String {
    static IDS: std::sync::Mutex<ulid::Generator> = std::sync::Mutex::new(ulid::Generator::new());
    let id = IDS
        .lock()
        .map_err(drop)
        .and_then(|mut ids| ids.generate().map_err(drop))
        // Only after 2^80 ids in one millisecond, or a panic while the lock was held.
        .unwrap_or_else(|()| ulid::Ulid::new());
    format!("{prefix}_{id}")
}

#[cfg(test)]
mod tests {
    /// Made back to back, many within one millisecond: each id sorts after the one before.
    #[test]
    fn ids_increase_in_the_order_they_are_made() {
        let ids: Vec<String> = (0..2_000).map(|_| super::new_id("cuaddr")).collect();
        for pair in ids.windows(2) {
            assert!(pair[0] < pair[1], "{} then {}", pair[0], pair[1]);
        }
    }
}
