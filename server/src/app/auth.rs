//! Identities, tokens and sessions: register, login, refresh, cookie sessions, and Medusa's `authenticate`
//! middleware that turns a request's credentials into an auth context.

use chrono::{Duration, Utc};
use rand::RngCore;
use serde_json::{Value, json};

use super::App;
use crate::domain::{AuthContext, Error, new_id, password, token::TokenSubject};
use crate::hashing::Admitted;
use crate::store::{AuthIdentity, Session};

/// How long a cookie session lives: Medusa's `sessionOptions.ttl` default of ten hours.
pub const SESSION_TTL_SECS: i64 = 10 * 60 * 60;

/// The credentials a request carries, as the HTTP layer found them.
#[derive(Debug, Default, Clone)]
pub struct Credentials {
    /// The id of a session whose cookie had a valid signature.
    pub session_id: Option<String>,
    /// The raw `Authorization` header.
    pub authorization: Option<String>,
}

/// Which routes accept a token whose identity has no customer yet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Registration {
    Allowed,
    Refused,
}

/// Which actor types a route accepts.
pub trait ActorFilter: Copy {
    fn permits(&self, actor_type: &str) -> bool;
}

/// Medusa's `"customer"`.
#[derive(Clone, Copy)]
pub struct CustomerActor;

impl ActorFilter for CustomerActor {
    fn permits(&self, actor_type: &str) -> bool {
        actor_type == "customer"
    }
}

/// Medusa's `"*"`.
#[derive(Clone, Copy)]
pub struct AnyActor;

impl ActorFilter for AnyActor {
    fn permits(&self, _: &str) -> bool {
        true
    }
}

impl App {
    fn issue_token(&self, identity: &AuthIdentity) -> String {
        let subject = TokenSubject {
            auth_identity_id: &identity.id,
            customer_id: identity.customer_id.as_deref(),
        };
        self.tokens.issue(&subject, Utc::now().timestamp())
    }

    /// `POST /auth/customer/emailpass/register`. The hash slot is taken before the email is looked up, so a flood
    /// past the hashing bound is refused before it costs a read (ERRATA D9).
    pub async fn register(&self, body: &Value) -> Result<String, Error> {
        let (email, password) = email_and_password(body)?;
        let hashing = self.hashing.admit().await?;
        if let Some(identity) = self.store.identity_by_email(&email).await? {
            return self.register_existing(&hashing, identity, password).await;
        }
        let identity = AuthIdentity {
            id: new_id("authid"),
            email: email.clone(),
            password_hash: hashing
                .run({
                    let password = password.clone();
                    move || password::hash(&password)
                })
                .await?,
            customer_id: None,
        };
        if self.store.insert_identity(&identity).await? {
            return Ok(self.issue_token(&identity));
        }
        // A concurrent registration of the same email won: answer as if it had come first.
        let existing = self
            .store
            .identity_by_email(&email)
            .await?
            .ok_or(Error::Conflict)?;
        self.register_existing(&hashing, existing, password).await
    }

    async fn register_existing(
        &self,
        hashing: &Admitted<'_>,
        identity: AuthIdentity,
        password: String,
    ) -> Result<String, Error> {
        if identity.customer_id.is_none() {
            let hash = identity.password_hash.clone();
            if hashing
                .run(move || password::verify(&password, &hash))
                .await?
            {
                return Ok(self.issue_token(&identity));
            }
        }
        Err(Error::AuthenticationFailed(
            "Identity with email already exists".into(),
        ))
    }

    /// `POST /auth/customer/emailpass`. An unknown email costs one hash too, so the two refusals take as long.
    pub async fn login(&self, body: &Value) -> Result<String, Error> {
        let (email, password) = email_and_password(body)?;
        let hashing = self.hashing.admit().await?;
        let invalid = || Error::AuthenticationFailed("Invalid email or password".into());
        let identity = self.store.identity_by_email(&email).await?;
        let stored = identity.as_ref().map_or_else(
            || password::unknown_identity_hash().to_owned(),
            |identity| identity.password_hash.clone(),
        );
        let matches = hashing
            .run(move || password::verify(&password, &stored))
            .await?;
        match identity {
            Some(identity) if matches => Ok(self.issue_token(&identity)),
            _ => Err(invalid()),
        }
    }

    /// `POST /auth/token/refresh`: a new token from the identity as it is now.
    pub async fn refresh(&self, credentials: &Credentials) -> Result<String, Error> {
        let context = self
            .authenticate(credentials, Registration::Allowed, AnyActor)
            .await?;
        if context
            .0
            .get("auth_provider")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(Error::AuthenticationFailed(
                "The auth provider is not set while refreshing token".into(),
            ));
        }
        let id = context.auth_identity_id();
        match self.store.identity(id).await? {
            Some(identity) => Ok(self.issue_token(&identity)),
            // Medusa looks the identity up two ways, and they fail differently.
            None if context.actor_id().is_empty() => Err(Error::AuthenticationFailed(
                "Invalid auth identity while refreshing token".into(),
            )),
            None => Err(Error::NotFound(format!(
                "AuthIdentity with id: {id} was not found"
            ))),
        }
    }

    /// `POST /auth/session`: stores the bearer token's context in a new session; returns it and the session id.
    pub async fn create_session(
        &self,
        authorization: Option<&str>,
    ) -> Result<(Value, String), Error> {
        let context = self
            .bearer_context(authorization)
            .filter(|c| !c.auth_identity_id().is_empty());
        let context = context.ok_or(Error::Unauthorized)?;
        let mut id = [0u8; 24];
        rand::rng().fill_bytes(&mut id);
        let session = Session {
            id: base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, id),
            auth_identity_id: context.auth_identity_id().to_owned(),
            auth_context: context.to_value(),
            expires_at: Utc::now() + Duration::seconds(SESSION_TTL_SECS),
        };
        self.store
            .insert_session(&session, self.sessions_per_identity)
            .await?;
        Ok((json!({ "user": session.auth_context }), session.id))
    }

    /// `DELETE /auth/session`.
    pub async fn delete_session(&self, credentials: &Credentials) -> Result<Value, Error> {
        let session = self.session_context(credentials).await?;
        let (Some(id), Some(_)) = (&credentials.session_id, session) else {
            return Err(Error::Unauthorized);
        };
        self.store.delete_session(id).await?;
        Ok(json!({ "success": true }))
    }

    /// The publishable-key check every `/store` route starts with.
    pub async fn check_publishable_key(&self, header: Option<&str>) -> Result<(), Error> {
        let token = header.filter(|t| !t.is_empty()).ok_or_else(|| {
            Error::not_allowed(
                "Publishable API key required in the request header: x-publishable-api-key. You can manage your keys \
                 in settings in the dashboard.",
            )
        })?;
        let key = self.store.publishable_key_by_token(token).await?;
        let active = key.is_some_and(|k| k.revoked_at.is_none_or(|at| at > Utc::now()));
        if !active {
            return Err(Error::not_allowed(
                "A valid publishable key is required to proceed with the request",
            ));
        }
        Ok(())
    }

    /// Medusa's `authenticate("customer", ["session", "bearer"])`: the session wins over the bearer token.
    pub(super) async fn authenticate(
        &self,
        credentials: &Credentials,
        registration: Registration,
        actors: impl ActorFilter,
    ) -> Result<AuthContext, Error> {
        let from_session = self
            .session_context(credentials)
            .await?
            .filter(|c| actors.permits(c.actor_type()));
        let context = match from_session {
            Some(context) => Some(context),
            None => self
                .bearer_context(credentials.authorization.as_deref())
                .filter(|c| actors.permits(c.actor_type())),
        };
        match context {
            Some(context) if !context.actor_id().is_empty() => Ok(context),
            Some(context)
                if registration == Registration::Allowed
                    && !context.auth_identity_id().is_empty() =>
            {
                Ok(context)
            }
            _ => Err(Error::Unauthorized),
        }
    }

    async fn session_context(
        &self,
        credentials: &Credentials,
    ) -> Result<Option<AuthContext>, Error> {
        let Some(id) = &credentials.session_id else {
            return Ok(None);
        };
        let session = self
            .store
            .session(id)
            .await?
            .filter(|s| s.expires_at > Utc::now());
        Ok(session.and_then(|s| match s.auth_context {
            Value::Object(map) => Some(AuthContext(map)),
            _ => None,
        }))
    }

    fn bearer_context(&self, authorization: Option<&str>) -> Option<AuthContext> {
        self.tokens.verify(bearer_token(authorization)?)
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any letter case).
pub(super) fn bearer_token(authorization: Option<&str>) -> Option<&str> {
    let mut parts = authorization?.split_whitespace();
    let (scheme, token) = (parts.next()?, parts.next()?);
    scheme.eq_ignore_ascii_case("bearer").then_some(token)
}

/// The emailpass provider's checks, in its order: the password first, then the email.
fn email_and_password(body: &Value) -> Result<(String, String), Error> {
    let field = |name: &str| match body.get(name) {
        Some(Value::String(value)) if !value.is_empty() => Some(value.clone()),
        _ => None,
    };
    let password = field("password")
        .ok_or_else(|| Error::AuthenticationFailed("Password should be a string".into()))?;
    let email = field("email")
        .ok_or_else(|| Error::AuthenticationFailed("Email should be a string".into()))?;
    // PostgreSQL cannot store a NUL: Medusa answers 401 with its SQL error; we say why.
    if crate::domain::text::has_nul(&email) {
        return Err(Error::AuthenticationFailed(
            "Email should not contain the NUL character".into(),
        ));
    }
    Ok((email, password))
}
