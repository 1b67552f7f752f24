//! The steps most cases share: register an identity, create its customer, log in.

use serde_json::{Map, Value};

use super::context::{Abort, CaseContext, need};
use crate::api::Extra;
use crate::checks::Expect;
use crate::client::types::{EmailPassCredentials, StoreCreateCustomer};
use crate::jwt;

/// A registered identity and its registration token.
pub struct Registration {
    pub email: String,
    pub token: String,
    pub auth_identity_id: String,
}

/// A signed-up customer and a token carrying its id.
pub struct Account {
    pub email: String,
    pub customer_id: String,
    pub auth_identity_id: String,
    pub registration_token: String,
    pub token: String,
}

pub fn credentials(email: &str, password: &str) -> EmailPassCredentials {
    EmailPassCredentials {
        email: email.to_owned(),
        password: password.to_owned(),
    }
}

/// A customer body with only an email; the emails of a run and the guest email pass Medusa's rule (the runner
/// checks that before any case runs).
pub fn new_customer(email: &str) -> StoreCreateCustomer {
    StoreCreateCustomer {
        email: email
            .parse()
            .expect("emails of the run pass Medusa's email rule"),
        company_name: None,
        first_name: None,
        last_name: None,
        phone: None,
        metadata: None,
    }
}

/// The customer most cases create: a name and metadata whose keys are already in the order PostgreSQL's `jsonb`
/// keeps them (shorter keys first), so any store gives the same body.
pub fn ada(email: &str) -> StoreCreateCustomer {
    let mut metadata = Map::new();
    metadata.insert("source".into(), Value::String("conformance".into()));
    metadata.insert("newsletter".into(), Value::Bool(false));
    StoreCreateCustomer {
        first_name: Some("Ada".parse().expect("a name without NUL")),
        last_name: Some("Lovelace".parse().expect("a name without NUL")),
        metadata: Some(metadata),
        ..new_customer(email)
    }
}

/// `POST /auth/customer/emailpass/register` with the run's password; expects a registration token.
pub async fn register(
    cx: &mut CaseContext,
    step: &'static str,
    email: &str,
    expect: Expect,
) -> Result<Registration, Abort> {
    let (client, call) = cx.typed(&[]);
    let result = client
        .register_customer_identity(&credentials(email, cx.password()))
        .await;
    cx.record(step, call, &result, expect.token("", None))?;
    cx.note_created(email, None);
    let token = need(
        result.ok().map(|r| r.into_inner().token),
        "a registration token",
    )?;
    let claims = need(jwt::claims(&token), "a registration token with claims")?;
    let auth_identity_id = need(
        claims.get("auth_identity_id").and_then(Value::as_str),
        "an auth_identity_id",
    )?;
    Ok(Registration {
        email: email.to_owned(),
        auth_identity_id: auth_identity_id.to_owned(),
        token,
    })
}

/// `POST /store/customers` with a bearer token; returns the created customer's id.
pub async fn create(
    cx: &mut CaseContext,
    step: &'static str,
    registration: &Registration,
    body: &StoreCreateCustomer,
    fields: Option<&str>,
    expect: Expect,
) -> Result<String, Abort> {
    let (client, call) = cx.typed(&[Extra::Bearer(registration.token.clone())]);
    let key = cx.key().to_owned();
    let result = client.create_customer(fields, None, &key, body).await;
    cx.record(
        step,
        call,
        &result,
        expect.customer(None, Some(&body.email)),
    )?;
    let id = need(
        result.ok().map(|r| r.into_inner().customer.id),
        "the created customer's id",
    )?;
    cx.note_created(&registration.email, Some(&id));
    Ok(id)
}

/// `POST /auth/customer/emailpass` with the run's password; expects a token for `customer_id`.
pub async fn login(
    cx: &mut CaseContext,
    step: &'static str,
    email: &str,
    customer_id: &str,
    auth_identity_id: &str,
    expect: Expect,
) -> Result<String, Abort> {
    let (client, call) = cx.typed(&[]);
    let result = client
        .login_customer(&credentials(email, cx.password()))
        .await;
    cx.record(
        step,
        call,
        &result,
        expect.token(customer_id, Some(auth_identity_id)),
    )?;
    need(result.ok().map(|r| r.into_inner().token), "a login token")
}

/// Register → create → log in, checking each step but snapshotting none.
pub async fn sign_up(cx: &mut CaseContext, label: &str) -> Result<Account, Abort> {
    let email = cx.new_email(label);
    let registration = register(cx, "register", &email, Expect::ok()).await?;
    let customer_id = create(
        cx,
        "create",
        &registration,
        &ada(&email),
        None,
        Expect::ok(),
    )
    .await?;
    let token = login(
        cx,
        "login",
        &email,
        &customer_id,
        &registration.auth_identity_id,
        Expect::ok(),
    )
    .await?;
    Ok(Account {
        email,
        customer_id,
        auth_identity_id: registration.auth_identity_id,
        registration_token: registration.token,
        token,
    })
}

/// `GET /store/customers/me` with the given credentials.
pub async fn me(
    cx: &mut CaseContext,
    step: &'static str,
    extras: &[Extra],
    fields: Option<&str>,
    expect: Expect,
) -> Result<(), Abort> {
    let (client, call) = cx.typed(extras);
    let key = cx.key().to_owned();
    let result = client.get_customer(fields, None, &key).await;
    cx.record(step, call, &result, expect)?;
    Ok(())
}
