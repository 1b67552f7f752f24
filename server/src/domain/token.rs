//! Medusa's JWTs: HS256, its claims in its order, one-day expiry. Verification pins HS256 and requires `exp`
//! (Medusa accepts a token without `exp`: an intentional deviation, see ERRATA).

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// How long a token is valid (Medusa's default `jwtExpiresIn` of `1d`).
pub const TOKEN_LIFETIME_SECS: i64 = 24 * 60 * 60;

/// How long a password-reset token is valid (Medusa's 15 minutes).
pub const RESET_TOKEN_LIFETIME_SECS: i64 = 15 * 60;

/// A password-reset token's claims, in Medusa's order (2.16 and later: `purpose` and `jti` make it single-use).
#[derive(Serialize, serde::Deserialize)]
pub struct ResetClaims {
    pub entity_id: String,
    pub provider: String,
    pub actor_type: String,
    pub purpose: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

/// The identity a token is issued for.
pub struct TokenSubject<'a> {
    pub auth_identity_id: &'a str,
    pub customer_id: Option<&'a str>,
}

#[derive(Serialize)]
struct Claims<'a> {
    actor_id: &'a str,
    actor_type: &'a str,
    auth_identity_id: &'a str,
    auth_provider: &'a str,
    mfa_enabled: bool,
    mfa_challenge_completed_at: Option<&'a str>,
    app_metadata: Value,
    user_metadata: Value,
    iat: i64,
    exp: i64,
}

/// The authentication a verified token (or a session) carries, with its claims in their original order.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthContext(pub Map<String, Value>);

impl AuthContext {
    fn str_claim(&self, name: &str) -> &str {
        self.0.get(name).and_then(Value::as_str).unwrap_or_default()
    }

    pub fn actor_id(&self) -> &str {
        self.str_claim("actor_id")
    }

    pub fn actor_type(&self) -> &str {
        self.str_claim("actor_type")
    }

    pub fn auth_identity_id(&self) -> &str {
        self.str_claim("auth_identity_id")
    }

    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp"]);
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
        }
    }

    /// Issues a customer token as Medusa's emailpass routes do.
    pub fn issue(&self, subject: &TokenSubject<'_>, now: i64) -> String {
        let app_metadata = match subject.customer_id {
            Some(id) => json!({ "customer_id": id }),
            None => json!({}),
        };
        let claims = Claims {
            actor_id: subject.customer_id.unwrap_or_default(),
            actor_type: "customer",
            auth_identity_id: subject.auth_identity_id,
            auth_provider: "emailpass",
            mfa_enabled: false,
            mfa_challenge_completed_at: None,
            app_metadata,
            user_metadata: json!({}),
            iat: now,
            exp: now + TOKEN_LIFETIME_SECS,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    /// Issues a password-reset token for the email of a customer's `emailpass` identity.
    pub fn issue_reset(&self, email: &str, now: i64) -> String {
        let claims = ResetClaims {
            entity_id: email.to_owned(),
            provider: "emailpass".into(),
            actor_type: "customer".into(),
            purpose: "reset".into(),
            iat: now,
            exp: now + RESET_TOKEN_LIFETIME_SECS,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail")
    }

    /// Verifies a password-reset token for the customer's `emailpass` identity: signed by us, not expired, with the
    /// reset purpose. Whether it is still the identity's newest, unused token is the store's to say.
    pub fn verify_reset(&self, token: &str) -> Option<ResetClaims> {
        let claims = jsonwebtoken::decode::<ResetClaims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        (claims.purpose == "reset"
            && claims.provider == "emailpass"
            && claims.actor_type == "customer")
            .then_some(claims)
    }

    /// Verifies a token; `None` for anything not signed by us with HS256, expired, not yet valid, or without
    /// the claims an auth context needs.
    pub fn verify(&self, token: &str) -> Option<AuthContext> {
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, &self.decoding, &self.validation)
                .ok()?;
        let claims = data.claims;
        let has_string = |name: &str| claims.get(name).is_some_and(Value::is_string);
        (has_string("actor_id") && has_string("actor_type") && has_string("auth_identity_id"))
            .then_some(AuthContext(claims))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn issued_tokens_carry_medusas_claims_in_order() {
        let keys = TokenKeys::new("supersecret");
        let token = keys.issue(
            &TokenSubject {
                auth_identity_id: "authid_1",
                customer_id: None,
            },
            now(),
        );
        let context = keys.verify(&token).unwrap();
        let names: Vec<&str> = context.0.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "actor_id",
                "actor_type",
                "auth_identity_id",
                "auth_provider",
                "mfa_enabled",
                "mfa_challenge_completed_at",
                "app_metadata",
                "user_metadata",
                "iat",
                "exp"
            ]
        );
        assert_eq!(context.actor_id(), "");
    }

    #[test]
    fn reset_tokens_carry_medusas_claims_and_are_not_login_tokens() {
        let keys = TokenKeys::new("supersecret");
        let token = keys.issue_reset("a@b.co", now());
        let claims = keys.verify_reset(&token).unwrap();
        assert_eq!(
            (claims.entity_id.as_str(), claims.exp - claims.iat),
            ("a@b.co", 900)
        );
        let login = keys.issue(
            &TokenSubject {
                auth_identity_id: "authid_1",
                customer_id: None,
            },
            now(),
        );
        assert!(keys.verify_reset(&login).is_none());
        assert!(
            keys.verify(&token).is_none(),
            "a reset token does not log in"
        );
        assert!(
            keys.verify_reset(&keys.issue_reset("a@b.co", now() - 901))
                .is_none()
        );
    }

    #[test]
    fn rejects_other_secrets_and_expired_tokens() {
        let keys = TokenKeys::new("supersecret");
        let subject = TokenSubject {
            auth_identity_id: "authid_1",
            customer_id: Some("cus_1"),
        };
        assert!(
            TokenKeys::new("other")
                .verify(&keys.issue(&subject, now()))
                .is_none()
        );
        assert!(
            keys.verify(&keys.issue(&subject, now() - TOKEN_LIFETIME_SECS - 1))
                .is_none()
        );
        assert!(keys.verify("garbage").is_none());
    }
}
