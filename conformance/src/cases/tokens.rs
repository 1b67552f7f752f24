//! Tokens that must not authenticate: garbage and forged ones. They are sent raw (the typed client only carries
//! credentials the server issued); those signed with the server's own secret need `--jwt-secret`. None of these
//! cases creates anything.

use serde_json::json;

use super::context::{Abort, CaseContext, need};
use super::{Case, Needs};
use crate::api::{Extra, RawBody, RawRequest};
use crate::checks::Expect;
use crate::jwt;

/// Ids in Medusa's format that no backend has issued.
const GHOST_CUSTOMER: &str = "cus_01CONF0RMANCE0000000000000";
const GHOST_IDENTITY: &str = "authid_01CONF0RMANCE0000000000000";

#[derive(Clone, Copy)]
enum Route {
    Me,
    Create,
    Refresh,
    Session,
}

#[derive(Clone, Copy)]
enum Forged {
    Garbage,
    ForeignSecret,
    Unsigned,
    Expired,
    WrongActorType,
    UnknownCustomer,
    UnknownIdentityRegistration,
    ExpiredRegistration,
}

macro_rules! token_case {
    ($name:literal, $summary:literal, $needs:expr, $route:expr, $forged:expr, $expect:expr) => {
        Case {
            name: $name,
            summary: $summary,
            creates_data: false,
            needs: $needs,
            run: |cx| Box::pin(forged_token(cx, $route, $forged, $expect)),
        }
    };
}

pub const CASES: &[Case] = &[
    token_case!(
        "auth.garbage_token_on_me",
        "a bearer value that is not a JWT is unauthorized",
        Needs::Nothing,
        Route::Me,
        Forged::Garbage,
        Expect::unauthorized()
    ),
    token_case!(
        "auth.garbage_token_on_refresh",
        "refreshing a bearer value that is not a JWT is unauthorized",
        Needs::Nothing,
        Route::Refresh,
        Forged::Garbage,
        Expect::unauthorized()
    ),
    token_case!(
        "auth.foreign_secret_token_on_me",
        "a token signed with another secret is unauthorized",
        Needs::Nothing,
        Route::Me,
        Forged::ForeignSecret,
        Expect::unauthorized()
    ),
    token_case!(
        "auth.foreign_secret_token_on_refresh",
        "refreshing a token signed with another secret is unauthorized",
        Needs::Nothing,
        Route::Refresh,
        Forged::ForeignSecret,
        Expect::unauthorized()
    ),
    token_case!(
        "auth.foreign_secret_token_on_session",
        "a session cannot be opened with a token signed with another secret",
        Needs::Nothing,
        Route::Session,
        Forged::ForeignSecret,
        Expect::unauthorized()
    ),
    token_case!(
        "auth.unsigned_token_on_me",
        "a token with `alg: none` is unauthorized",
        Needs::Nothing,
        Route::Me,
        Forged::Unsigned,
        Expect::unauthorized()
    ),
    token_case!(
        "auth.expired_token_on_me",
        "an expired token is unauthorized",
        Needs::JwtSecret,
        Route::Me,
        Forged::Expired,
        Expect::unauthorized()
    ),
    token_case!(
        "auth.expired_token_on_refresh",
        "an expired token cannot be refreshed",
        Needs::JwtSecret,
        Route::Refresh,
        Forged::Expired,
        Expect::unauthorized()
    ),
    token_case!(
        "auth.expired_registration_token_on_create",
        "an expired registration token cannot create a customer",
        Needs::JwtSecret,
        Route::Create,
        Forged::ExpiredRegistration,
        Expect::unauthorized()
    ),
    token_case!(
        "auth.wrong_actor_type_on_me",
        "a token for another actor type (user) is unauthorized on the store",
        Needs::JwtSecret,
        Route::Me,
        Forged::WrongActorType,
        Expect::unauthorized()
    ),
    token_case!(
        "auth.unknown_customer_on_me",
        "a valid token for a customer that does not exist finds nothing",
        Needs::JwtSecret,
        Route::Me,
        Forged::UnknownCustomer,
        Expect::error(
            404,
            "not_found",
            format!("Customer with id: {GHOST_CUSTOMER} was not found")
        )
    ),
    token_case!(
        "auth.unknown_identity_on_refresh",
        "a valid customer token for an identity that does not exist is not found on refresh",
        Needs::JwtSecret,
        Route::Refresh,
        Forged::UnknownCustomer,
        Expect::error(
            404,
            "not_found",
            format!("AuthIdentity with id: {GHOST_IDENTITY} was not found")
        )
    ),
    token_case!(
        "auth.unknown_identity_registration_token_on_refresh",
        "a valid registration token (empty actor_id) for an identity that does not exist cannot be refreshed",
        Needs::JwtSecret,
        Route::Refresh,
        Forged::UnknownIdentityRegistration,
        Expect::error(
            401,
            "unauthorized",
            "Invalid auth identity while refreshing token"
        )
    ),
];

fn forge(cx: &CaseContext, forged: Forged) -> Result<String, Abort> {
    let secret = || need(cx.config().jwt_secret.clone(), "--jwt-secret");
    let customer = jwt::customer_claims(GHOST_CUSTOMER, GHOST_IDENTITY);
    let expired = |mut claims: serde_json::Map<String, serde_json::Value>| {
        let now = chrono::Utc::now().timestamp();
        claims.insert("iat".into(), json!(now - 2 * 86_400));
        claims.insert("exp".into(), json!(now - 86_400));
        claims
    };
    Ok(match forged {
        Forged::Garbage => "conformance-garbage-token".to_owned(),
        Forged::ForeignSecret => jwt::sign(&customer, "conformance-foreign-secret-not-the-servers"),
        Forged::Unsigned => jwt::unsigned(&customer),
        Forged::Expired => jwt::sign(&expired(customer), &secret()?),
        Forged::ExpiredRegistration => jwt::sign(
            &expired(jwt::customer_claims("", GHOST_IDENTITY)),
            &secret()?,
        ),
        Forged::WrongActorType => {
            let mut claims = customer;
            claims.insert("actor_type".into(), json!("user"));
            jwt::sign(&claims, &secret()?)
        }
        Forged::UnknownCustomer => jwt::sign(&customer, &secret()?),
        Forged::UnknownIdentityRegistration => {
            jwt::sign(&jwt::customer_claims("", GHOST_IDENTITY), &secret()?)
        }
    })
}

async fn forged_token(
    cx: &mut CaseContext,
    route: Route,
    forged: Forged,
    expect: Expect,
) -> Result<(), Abort> {
    let token = forge(cx, forged)?;
    let mut headers = vec![Extra::Bearer(token)];
    let (operation_id, method, path, body) = match route {
        Route::Me => (
            "get_customer",
            reqwest::Method::GET,
            "/store/customers/me",
            None,
        ),
        Route::Create => {
            let body = json!({ "email": cx.new_email("primary") }).to_string();
            (
                "create_customer",
                reqwest::Method::POST,
                "/store/customers",
                Some(RawBody::json(body)),
            )
        }
        Route::Refresh => (
            "refresh_token",
            reqwest::Method::POST,
            "/auth/token/refresh",
            None,
        ),
        Route::Session => (
            "create_session",
            reqwest::Method::POST,
            "/auth/session",
            None,
        ),
    };
    if matches!(route, Route::Me | Route::Create) {
        headers.push(Extra::Header("x-publishable-api-key", cx.key().to_owned()));
    }
    let request = RawRequest {
        operation_id,
        method,
        path,
        headers,
        body,
    };
    cx.raw("response", request, expect).await?;
    Ok(())
}
