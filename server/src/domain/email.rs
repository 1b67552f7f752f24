//! The email rule of Medusa's request validation (zod 4's `z.string().email()`), so that we accept and refuse
//! exactly the addresses Medusa does. Emails are stored exactly as sent: Medusa neither trims nor lowercases them.
//!
//! This is the rule's one source: the body validator calls [`is_valid`], the served spec publishes [`PATTERN`],
//! and a test holds `openapi/store.openapi.yaml` to the same string.

use std::sync::LazyLock;

use regex::Regex;

/// zod's email rule without look-ahead, which the `regex` crate and many clients lack: no leading, trailing or
/// doubled dot before the `@`, a domain of labels and a top-level domain of two letters or more. It accepts what
/// zod's own pattern (`ZOD_PATTERN`) accepts.
pub const PATTERN: &str = r"^([A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$";

/// zod 4's own pattern, as Medusa runs it (ECMAScript, with look-ahead): what [`PATTERN`] must agree with.
#[cfg(test)]
pub(crate) const ZOD_PATTERN: &str = r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$";

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(PATTERN).expect("the email pattern compiles"));

/// Whether Medusa's body validation accepts `value` as an email.
pub fn is_valid(value: &str) -> bool {
    EMAIL.is_match(value)
}

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn accepts_the_addresses_medusa_accepts() {
        for email in [
            "a@b.co",
            "A.B+tag@Example.COM",
            "o'brien@x-y.example.org",
            "_@a1.io",
        ] {
            assert!(is_valid(email), "{email}");
        }
    }

    #[test]
    fn refuses_the_addresses_medusa_refuses() {
        for email in [
            "",
            " a@b.co",
            "a@b.co ",
            "a@b",
            "a@b.c",
            ".a@b.co",
            "a..b@c.co",
            "a.@b.co",
            "a@-b.co",
            "a@b..co",
            "a b@c.co",
            "a@b.co\n",
            "ü@b.co",
        ] {
            assert!(!is_valid(email), "{email:?}");
        }
    }
}
