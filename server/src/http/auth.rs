//! The auth routes: email/password register and login, token refresh, cookie sessions.

use poem::Request;
use poem_openapi::OpenApi;

use super::{
    ApiTags,
    error::{
        EmailPassErrors, RefreshErrors, ResetRequestErrors, TokenErrors, UpdatePasswordErrors,
    },
    extract::{Auth, BearerOnly, JsonBody, SessionOnly},
    response::{Created, JsonOk, Reply},
    schemas::{
        AuthResponse, EmailPassCredentials, ResetPasswordRequest, SessionResponse, SuccessResponse,
        UpdatePasswordRequest,
    },
    session_cookie::SessionCookies,
};
use crate::app::App;

pub struct AuthApi {
    pub app: std::sync::Arc<App>,
    pub cookies: SessionCookies,
}

type TokenReply<S> = Reply<AuthResponse, S>;

fn token_body(token: String) -> serde_json::Value {
    serde_json::json!({ "token": token })
}

#[OpenApi(tag = "ApiTags::Auth")]
impl AuthApi {
    /// Register an email/password identity
    ///
    /// Creates an auth identity for the email and password and returns a registration token: a JWT whose
    /// `actor_id` is empty until a customer is created with it. Sending the same email and password again before
    /// the customer exists returns a token for the same identity.
    #[oai(
        path = "/auth/customer/emailpass/register",
        method = "post",
        operation_id = "registerCustomerIdentity"
    )]
    async fn register(&self, body: JsonBody<EmailPassCredentials>) -> TokenReply<EmailPassErrors> {
        let body = body.value;
        async { self.app.register(&body?).await.map(token_body) }
            .await
            .into()
    }

    /// Log a customer in with email and password
    ///
    /// Returns a token whose `actor_id` is the customer's id once the customer exists.
    #[oai(
        path = "/auth/customer/emailpass",
        method = "post",
        operation_id = "loginCustomer"
    )]
    async fn login(&self, body: JsonBody<EmailPassCredentials>) -> TokenReply<EmailPassErrors> {
        let body = body.value;
        async { self.app.login(&body?).await.map(token_body) }
            .await
            .into()
    }

    /// Ask for a password reset
    ///
    /// Answers 201 `Created` whether or not an identity has this email. For one that has, it mints a reset token
    /// (valid 15 minutes; a newer request makes older tokens invalid) and emits the event `auth.password_reset`
    /// with it, which the server delivers to `EVENTS_WEBHOOK_URL` for the storefront to mail.
    #[oai(
        path = "/auth/customer/emailpass/reset-password",
        method = "post",
        operation_id = "requestPasswordReset"
    )]
    async fn request_password_reset(
        &self,
        body: JsonBody<ResetPasswordRequest>,
    ) -> Created<ResetRequestErrors> {
        let body = body.value;
        async { self.app.request_password_reset(&body?).await }
            .await
            .into()
    }

    /// Set a new password with a reset token
    ///
    /// The reset token goes as a bearer token, not in a `token` query parameter (ERRATA E16). It names the identity:
    /// an `email` in the body is ignored (ERRATA E17). It works once: it is used up as soon as it is found valid,
    /// even if the body has no password. Afterwards the old password and the token are refused; tokens issued by
    /// login stay valid.
    #[oai(
        path = "/auth/customer/emailpass/update",
        method = "post",
        operation_id = "updatePassword"
    )]
    async fn update_password(
        &self,
        body: JsonBody<UpdatePasswordRequest>,
        auth: Auth<BearerOnly>,
    ) -> Reply<SuccessResponse, UpdatePasswordErrors> {
        let body = body.value;
        async {
            self.app
                .update_password(auth.credentials.authorization.as_deref(), &body?)
                .await
        }
        .await
        .into()
    }

    /// Refresh a token
    ///
    /// Issues a new token for the identity of the bearer token. After the customer is created, refreshing the
    /// registration token yields a token with the customer's id.
    #[oai(
        path = "/auth/token/refresh",
        method = "post",
        operation_id = "refreshToken"
    )]
    async fn refresh(&self, auth: Auth<BearerOnly>) -> TokenReply<RefreshErrors> {
        self.app
            .refresh(&auth.credentials)
            .await
            .map(token_body)
            .into()
    }

    /// Open a cookie session from a bearer token
    ///
    /// Stores the token's authentication in a server-side session and sets the `connect.sid` cookie. The cookie is
    /// `Secure`: behind a TLS-terminating proxy, send `X-Forwarded-Proto: https`.
    #[oai(
        path = "/auth/session",
        method = "post",
        operation_id = "createSession"
    )]
    async fn create_session(
        &self,
        request: &Request,
        auth: Auth<BearerOnly>,
    ) -> Reply<SessionResponse, TokenErrors> {
        let session = self
            .app
            .create_session(auth.credentials.authorization.as_deref())
            .await;
        let secure = is_https(request);
        session
            .map(|(body, id)| {
                let cookie = secure.then(|| self.cookies.set_cookie(&id, chrono::Utc::now()));
                JsonOk::new(body).with_cookie(cookie)
            })
            .into()
    }

    /// End the cookie session
    #[oai(
        path = "/auth/session",
        method = "delete",
        operation_id = "deleteSession"
    )]
    async fn delete_session(&self, auth: Auth<SessionOnly>) -> Reply<SuccessResponse, TokenErrors> {
        let deleted = self.app.delete_session(&auth.credentials).await;
        deleted
            .map(|body| JsonOk::new(body).with_cookie(Some(SessionCookies::clear_cookie())))
            .into()
    }
}

/// Express with `trust proxy` set to 1: the protocol is the last hop's `X-Forwarded-Proto`.
fn is_https(request: &Request) -> bool {
    request
        .headers()
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}
