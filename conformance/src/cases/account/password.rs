//! Password reset as a deployment's outside sees it. Medusa hands the reset token only to a subscriber of
//! `auth.password_reset`, never to the caller, so these cases cannot follow a reset through: they show that a request
//! answers the same for any email and which bodies it refuses, and which tokens the update refuses. Every update they
//! send sets the run's own password, so one a release takes (a forged token before 2.16) leaves the account as it
//! was; each update case ends by logging in with that password.

use serde_json::{Value, json};

use super::body;
use crate::api::{Extra, RawBody, RawRequest};
use crate::cases::context::{Abort, CaseContext, need};
use crate::cases::flow::{self, Account};
use crate::checks::Expect;
use crate::jwt;

const UPDATE: &str = "/auth/customer/emailpass/update";
const RESET: &str = "/auth/customer/emailpass/reset-password";
/// A bearer value that is not a JWT.
const GARBAGE: &str = "conformance-garbage-token";
/// A `jti` no backend issued (a UUID, as Medusa's are).
const UNKNOWN_JTI: &str = "00000000-0000-4000-8000-00000000c0f0";

fn invalid_token() -> Expect {
    Expect::error(401, "unauthorized", "Invalid token")
}

/// `POST /auth/customer/emailpass/reset-password` through the typed client: 201 `Created` for any email.
async fn request_reset(
    cx: &mut CaseContext,
    step: &'static str,
    request: Value,
) -> Result<(), Abort> {
    let (client, call) = cx.typed(&[]);
    let result = client.request_password_reset(&body(request)).await;
    cx.record(step, call, &result, Expect::text(201))?;
    Ok(())
}

/// A raw `POST` to an auth route (no publishable key: the auth routes need none).
async fn post(
    cx: &mut CaseContext,
    step: &'static str,
    (operation_id, path): (&'static str, &str),
    headers: Vec<Extra>,
    sent: Value,
    expect: Expect,
) -> Result<(), Abort> {
    let request = RawRequest {
        operation_id,
        method: reqwest::Method::POST,
        path,
        headers,
        body: Some(RawBody::json(sent.to_string())),
    };
    cx.raw(step, request, expect).await?;
    Ok(())
}

/// The run's password, logged in with again: whatever an update did, the account works as before.
async fn login_after(cx: &mut CaseContext, account: &Account) -> Result<(), Abort> {
    let (email, customer_id) = (account.email.clone(), account.customer_id.clone());
    let identity = account.auth_identity_id.clone();
    flow::login(
        cx,
        "login_after",
        &email,
        &customer_id,
        &identity,
        Expect::ok(),
    )
    .await?;
    Ok(())
}

pub(super) async fn reset_request(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    let email = account.email.as_str();
    request_reset(cx, "known_email", json!({ "identifier": email })).await?;
    let unknown = cx.new_email("unregistered");
    request_reset(cx, "unknown_email", json!({ "identifier": unknown })).await?;
    let metadata = json!({ "redirect": "https://shop.example.com/reset" });
    let sent = json!({ "identifier": email, "metadata": metadata });
    request_reset(cx, "metadata", sent).await?;
    let refusals: [(&'static str, Value, &str); 5] = [
        (
            "missing_identifier",
            json!({}),
            "Invalid request: Field 'identifier' is required",
        ),
        (
            "email_instead_of_identifier",
            json!({ "email": email }),
            "Invalid request: Field 'identifier' is required; Unrecognized fields: 'email'",
        ),
        (
            "unknown_key",
            json!({ "identifier": email, "foo": 1 }),
            "Invalid request: Unrecognized fields: 'foo'",
        ),
        (
            "identifier_not_a_string",
            json!({ "identifier": 5 }),
            "Invalid request: Expected type: 'string' for field 'identifier', got: '5'",
        ),
        (
            "metadata_null",
            json!({ "identifier": email, "metadata": null }),
            "Invalid request: Expected type: 'record' for field 'metadata', got: 'null'",
        ),
    ];
    for (step, sent, message) in refusals {
        let expect = Expect::error(400, "invalid_data", message);
        let route = ("request_password_reset", RESET);
        post(cx, step, route, Vec::new(), sent, expect).await?;
    }
    Ok(())
}

pub(super) async fn update_refused(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    let sent = json!({ "password": cx.password() });
    let query = format!("{UPDATE}?token={GARBAGE}");
    let attempts: [(&'static str, &str, Option<&str>); 4] = [
        ("no_authorization", UPDATE, None),
        ("garbage_bearer", UPDATE, Some(GARBAGE)),
        ("login_token", UPDATE, Some(&account.token)),
        ("garbage_query_token", &query, None),
    ];
    for (step, path, bearer) in attempts {
        let headers = bearer.map(|t| Extra::Bearer(t.to_owned())).into_iter();
        let route = ("update_password", path);
        let expect = invalid_token();
        post(cx, step, route, headers.collect(), sent.clone(), expect).await?;
    }
    login_after(cx, &account).await
}

pub(super) async fn update_forged_reset_token(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    let secret = need(cx.config().jwt_secret.clone(), "--jwt-secret")?;
    let forged = jwt::sign(&jwt::reset_claims(&account.email, UNKNOWN_JTI), &secret);
    let sent = json!({ "password": cx.password() });
    let route = ("update_password", UPDATE);
    let bearer = vec![Extra::Bearer(forged.clone())];
    post(cx, "bearer", route, bearer, sent.clone(), invalid_token()).await?;
    let query = format!("{UPDATE}?token={forged}");
    let route = ("update_password", query.as_str());
    post(cx, "query_token", route, Vec::new(), sent, invalid_token()).await?;
    login_after(cx, &account).await
}
