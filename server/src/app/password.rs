//! Password reset, as Medusa 2.16 and later do it: a reset request answers the same whether or not the identity
//! exists; for one that does, it mints a 15-minute token, keeps only its hash (a newer request replaces it), and
//! hands the token to the `auth.password_reset` event (delivered by the webhook: never logged). The update takes the
//! token as a bearer, uses it up, and sets the new password.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::App;
use crate::domain::body::{self, Kind, Schema};
use crate::domain::token::RESET_TOKEN_LIFETIME_SECS;
use crate::domain::{Error, Event, password, text};
use crate::store::ResetToken;

/// The body of `POST /auth/customer/emailpass/reset-password`.
const RESET_REQUEST: &Schema = &[
    ("identifier", Kind::RequiredText),
    ("metadata", Kind::Object),
];

impl App {
    /// `POST /auth/customer/emailpass/reset-password`: `Ok` whether or not the identity exists.
    pub async fn request_password_reset(&self, body: &Value) -> Result<(), Error> {
        // Its text is never stored as such: the metadata goes to the outbox as escaped JSON.
        let fields = body::validate_shape(body, RESET_REQUEST)?;
        let email = body::text_of(&fields, "identifier").unwrap_or_default();
        // No identity has a NUL in its email (registration refuses it), and PostgreSQL cannot even look one up.
        if text::has_nul(&email) {
            return Ok(());
        }
        let Some(identity) = self.store.identity_by_email(&email).await? else {
            return Ok(());
        };
        let now = Utc::now();
        let token = self.tokens.issue_reset(&email, now.timestamp());
        let metadata = fields.get("metadata").cloned().unwrap_or_else(|| json!({}));
        let requested = self.event(|| Event::password_reset(&email, &token, metadata, now));
        let stored = ResetToken {
            auth_identity_id: identity.id,
            token_hash: token_hash(&token),
            expires_at: now + Duration::seconds(RESET_TOKEN_LIFETIME_SECS),
        };
        self.store
            .replace_reset_token(&stored, requested.as_ref())
            .await?;
        Ok(())
    }

    /// `POST /auth/customer/emailpass/update`: the identity is the token's, whatever email the body names. The
    /// token is used up once it is found valid, even if the body has no password (as in Medusa).
    pub async fn update_password(
        &self,
        authorization: Option<&str>,
        body: &Value,
    ) -> Result<Value, Error> {
        let invalid = || Error::AuthenticationFailed("Invalid token".into());
        let token = super::auth::bearer_token(authorization).ok_or_else(invalid)?;
        let claims = self.tokens.verify_reset(token).ok_or_else(invalid)?;
        let identity = self
            .store
            .identity_by_email(&claims.entity_id)
            .await?
            .ok_or_else(invalid)?;
        let hashing = self.hashing.admit().await?;
        let stored = ResetToken {
            auth_identity_id: identity.id.clone(),
            token_hash: token_hash(token),
            expires_at: Utc::now(),
        };
        if !self.store.consume_reset_token(&stored, Utc::now()).await? {
            return Err(invalid());
        }
        let Some(new_password) = body.get("password").and_then(Value::as_str) else {
            return Err(Error::AuthenticationFailed("Unauthorized".into()));
        };
        let new_password = new_password.to_owned();
        let hash = hashing.run(move || password::hash(&new_password)).await?;
        self.store.set_password_hash(&identity.id, &hash).await?;
        Ok(json!({ "success": true }))
    }
}

/// What the store keeps of a reset token: its SHA-256, so a read of the database cannot reset a password.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
