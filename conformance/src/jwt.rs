//! Reading the claims of the tokens a backend issues, and forging the tokens the negative cases send.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value, json};

/// The claims of a JWT, read without verifying it. `None` when the text is not a JWT with a JSON payload.
pub fn claims(token: &str) -> Option<Map<String, Value>> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// Whether the token is an HS256 JWT signed with `secret`. Expiry is not considered.
pub fn signed_with(token: &str, secret: &str) -> bool {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .is_ok()
}

/// Signs claims with HS256.
pub fn sign(claims: &Map<String, Value>, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("HS256 signing of a JSON map cannot fail")
}

/// A token with `"alg": "none"` and no signature: it must never be accepted.
pub fn unsigned(claims: &Map<String, Value>) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({ "alg": "none", "typ": "JWT" }).to_string());
    let payload = URL_SAFE_NO_PAD.encode(Value::Object(claims.clone()).to_string());
    format!("{header}.{payload}.")
}

/// Claims shaped like those Medusa issues to a customer, valid for a day from now. The ids refer to nothing.
pub fn customer_claims(actor_id: &str, auth_identity_id: &str) -> Map<String, Value> {
    let now = chrono::Utc::now().timestamp();
    let app_metadata = if actor_id.is_empty() {
        json!({})
    } else {
        json!({ "customer_id": actor_id })
    };
    let claims = json!({
        "actor_id": actor_id,
        "actor_type": "customer",
        "auth_identity_id": auth_identity_id,
        "auth_provider": "emailpass",
        "app_metadata": app_metadata,
        "user_metadata": {},
        "iat": now,
        "exp": now + 86_400,
    });
    match claims {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

/// Claims shaped like those of the password-reset token Medusa 2.16 and later mint for a customer's `emailpass`
/// identity (`entity_id` is its email), valid for Medusa's 15 minutes from now. `jti` names the stored token it
/// claims to be: one the backend never issued makes the token a forgery even with the right secret.
pub fn reset_claims(entity_id: &str, jti: &str) -> Map<String, Value> {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "entity_id": entity_id,
        "provider": "emailpass",
        "actor_type": "customer",
        "purpose": "reset",
        "iat": now,
        "exp": now + 900,
        "jti": jti,
    });
    match claims {
        Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_token_reads_back_and_verifies_only_with_its_secret() {
        let token = sign(&customer_claims("cus_1", "authid_1"), "s3cret");
        assert_eq!(claims(&token).expect("claims")["actor_id"], "cus_1");
        assert!(signed_with(&token, "s3cret"));
        assert!(!signed_with(&token, "other"));
    }

    #[test]
    fn an_unsigned_token_has_readable_claims_but_no_valid_signature() {
        let token = unsigned(&customer_claims("", "authid_1"));
        assert_eq!(claims(&token).expect("claims")["actor_type"], "customer");
        assert!(!signed_with(&token, "s3cret"));
    }

    #[test]
    fn a_reset_token_carries_medusas_reset_claims_in_order() {
        let token = sign(&reset_claims("ada@example.com", "jti-1"), "s3cret");
        let claims = claims(&token).expect("claims");
        let keys: Vec<&str> = claims.keys().map(String::as_str).collect();
        let order = [
            "entity_id",
            "provider",
            "actor_type",
            "purpose",
            "iat",
            "exp",
            "jti",
        ];
        assert_eq!(keys, order);
        assert_eq!(
            claims["exp"]
                .as_i64()
                .zip(claims["iat"].as_i64())
                .map(|(e, i)| e - i),
            Some(900)
        );
        assert!(signed_with(&token, "s3cret"));
    }
}
