//! The signing secrets must be real ones wherever other machines can reach the server.
//!
//! With `JWT_SECRET` known (Medusa's default is `supersecret`) anyone can forge a token for any customer, and with
//! `COOKIE_SECRET` known, a session cookie. On a loopback address only this machine can connect, so the defaults
//! stay usable for trying the server out (with a warning); on any other address the server refuses to start,
//! before it binds or opens the database.

use std::net::IpAddr;

use crate::Config;

/// Medusa's default for both secrets.
pub const DEFAULT_SECRET: &str = "supersecret";

/// HS256 keys shorter than its 32-byte output are weaker than the algorithm (RFC 7518 §3.2).
pub const MIN_SECRET_BYTES: usize = 32;

/// The exit code of a server that refuses its secrets (a usage error, as clap's own).
pub const EXIT_CODE: u8 = 2;

/// Why the server refuses to start: the host and, for each weak secret, its variable and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error(
    "refusing to serve on {host} (not a loopback address): {}; set JWT_SECRET and COOKIE_SECRET to random values \
     of at least {MIN_SECRET_BYTES} bytes (e.g. `openssl rand -hex 32`), or listen on 127.0.0.1",
    weak.iter().map(|(name, why)| format!("{name} {why}")).collect::<Vec<_>>().join(" and ")
)]
pub struct RefusedSecrets {
    pub host: String,
    pub weak: Vec<(&'static str, &'static str)>,
}

/// What is wrong with a secret, if anything.
pub fn weakness(secret: &str) -> Option<&'static str> {
    if secret == DEFAULT_SECRET {
        Some("is the default `supersecret`")
    } else if secret.len() < MIN_SECRET_BYTES {
        Some("is shorter than 32 bytes")
    } else {
        None
    }
}

/// Whether only this machine can reach `host`: `localhost`, 127.0.0.0/8 or ::1.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<IpAddr>()
        .is_ok_and(|address| address.to_canonical().is_loopback())
}

/// Refuses weak secrets outside loopback; on loopback, warns about them.
pub fn check(config: &Config) -> Result<(), RefusedSecrets> {
    let weak: Vec<_> = [
        ("JWT_SECRET", &config.jwt_secret),
        ("COOKIE_SECRET", &config.cookie_secret),
    ]
    .into_iter()
    .filter_map(|(name, secret)| weakness(secret).map(|why| (name, why)))
    .collect();
    if weak.is_empty() {
        Ok(())
    } else if is_loopback(&config.host) {
        tracing::warn!(
            "JWT_SECRET or COOKIE_SECRET is the default `supersecret` or short: set both in production"
        );
        Ok(())
    } else {
        Err(RefusedSecrets {
            host: config.host.clone(),
            weak,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRONG: &str = "0123456789abcdef0123456789abcdef";

    fn config(host: &str, jwt_secret: &str, cookie_secret: &str) -> Config {
        Config {
            host: host.into(),
            jwt_secret: jwt_secret.into(),
            cookie_secret: cookie_secret.into(),
            ..Config::for_tests("sqlite::memory:")
        }
    }

    #[test]
    fn loopback_hosts_are_recognised() {
        for host in [
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            "localhost",
            "LOCALHOST",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["0.0.0.0", "::", "10.0.0.1", "192.0.2.1", "example.com", ""] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn default_or_short_secrets_are_refused_outside_loopback() {
        for (jwt, cookie) in [
            (DEFAULT_SECRET, STRONG),
            (STRONG, DEFAULT_SECRET),
            (&STRONG[1..], STRONG),
            (STRONG, ""),
        ] {
            let refusal = check(&config("0.0.0.0", jwt, cookie)).expect_err("refused");
            assert_eq!(refusal.weak.len(), 1);
        }
        let refusal = check(&config("0.0.0.0", DEFAULT_SECRET, DEFAULT_SECRET)).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "refusing to serve on 0.0.0.0 (not a loopback address): JWT_SECRET is the default `supersecret` and \
             COOKIE_SECRET is the default `supersecret`; set JWT_SECRET and COOKIE_SECRET to random values of at \
             least 32 bytes (e.g. `openssl rand -hex 32`), or listen on 127.0.0.1"
        );
    }

    #[test]
    fn strong_secrets_serve_anywhere_and_weak_ones_on_loopback() {
        assert!(check(&config("0.0.0.0", STRONG, STRONG)).is_ok());
        assert!(check(&config("127.0.0.1", DEFAULT_SECRET, "short")).is_ok());
        assert!(check(&config("localhost", DEFAULT_SECRET, DEFAULT_SECRET)).is_ok());
    }
}
