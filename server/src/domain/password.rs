//! Password hashing in the format of the `scrypt-kdf` package that Medusa's emailpass provider uses
//! (stored base64-encoded), at Medusa's cost: log N 15, r 8, p 1. Hashes move between Medusa and us unchanged.
//!
//! Layout of the 96-byte hash: `"scrypt"`, version 0, log N, r (u32 BE), p (u32 BE), a 32-byte salt, the first 16
//! bytes of SHA-256 over the 48 bytes before, then HMAC-SHA256 keyed by the 64-byte derived key over the 64 bytes before.

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

const MAGIC: &[u8; 6] = b"scrypt";
const HASH_LEN: usize = 96;
const DERIVED_KEY_LEN: usize = 64;

/// Medusa's default scrypt cost.
pub const MEDUSA_LOG_N: u8 = 15;

/// Hashes a password at Medusa's cost. CPU-heavy (~100 ms): call it from a blocking thread.
pub fn hash(password: &str) -> String {
    hash_with_cost(password, MEDUSA_LOG_N)
}

pub fn hash_with_cost(password: &str, log_n: u8) -> String {
    let mut header = [0u8; 64];
    header[..6].copy_from_slice(MAGIC);
    header[7] = log_n;
    header[8..12].copy_from_slice(&8u32.to_be_bytes());
    header[12..16].copy_from_slice(&1u32.to_be_bytes());
    rand::rng().fill_bytes(&mut header[16..48]);
    let checksum = Sha256::digest(&header[..48]);
    header[48..64].copy_from_slice(&checksum[..16]);
    let key = derive(password, &header).expect("the parameters written above are valid");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes keys of any length");
    mac.update(&header);
    let mut out = Vec::with_capacity(HASH_LEN);
    out.extend_from_slice(&header);
    out.extend_from_slice(&mac.finalize().into_bytes());
    STANDARD.encode(out)
}

/// A hash no password is known to match, at Medusa's cost: checking a login for an unknown email against it takes
/// as long as for a known one. Computed once, at first use.
pub fn unknown_identity_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        hash(&STANDARD.encode(secret))
    })
}

/// Checks a password against a stored hash; a malformed hash never matches. CPU-heavy: blocking thread.
pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(bytes) = STANDARD.decode(stored) else {
        return false;
    };
    if bytes.len() != HASH_LEN || &bytes[..6] != MAGIC || bytes[6] != 0 {
        return false;
    }
    if Sha256::digest(&bytes[..48])[..16] != bytes[48..64] {
        return false;
    }
    let Some(key) = derive(password, &bytes[..64]) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes keys of any length");
    mac.update(&bytes[..64]);
    mac.verify_slice(&bytes[64..]).is_ok()
}

fn derive(password: &str, header: &[u8]) -> Option<[u8; DERIVED_KEY_LEN]> {
    let log_n = header[7];
    let r = u32::from_be_bytes(header[8..12].try_into().ok()?);
    let p = u32::from_be_bytes(header[12..16].try_into().ok()?);
    // Refuse costs far above Medusa's so that a forged row cannot pin a core for minutes.
    if log_n > 20 || r > 32 || p > 16 {
        return None;
    }
    let params = scrypt::Params::new(log_n, r, p).ok()?;
    let mut key = [0u8; DERIVED_KEY_LEN];
    scrypt::scrypt(password.as_bytes(), &header[16..48], &params, &mut key).ok()?;
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_own_password_only() {
        let stored = hash_with_cost("supersecret", 10);
        assert!(verify("supersecret", &stored));
        assert!(!verify("supersecreT", &stored));
        assert!(!verify("supersecret", "not base64"));
    }

    #[test]
    fn hashes_are_salted_and_in_the_scrypt_kdf_layout() {
        let a = STANDARD.decode(hash_with_cost("x", 10)).unwrap();
        let b = STANDARD.decode(hash_with_cost("x", 10)).unwrap();
        assert_eq!(a.len(), 96);
        assert_eq!(&a[..6], b"scrypt");
        assert_eq!(a[7], 10);
        assert_ne!(a[16..48], b[16..48]);
    }
}
