//! The email rule of Medusa's request validation (zod 4's `z.string().email()`), so that we accept and refuse
//! exactly the addresses Medusa does. Emails are stored exactly as sent: Medusa neither trims nor lowercases them.

use std::sync::LazyLock;

use regex::Regex;

// zod's pattern is `^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$`;
// the `regex` crate has no look-ahead, so the two look-aheads are checked in code.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9_'+\-.]*[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$")
        .expect("the email pattern compiles")
});

/// Whether Medusa's body validation accepts `value` as an email.
pub fn is_valid(value: &str) -> bool {
    !value.starts_with('.') && !value.contains("..") && EMAIL.is_match(value)
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
