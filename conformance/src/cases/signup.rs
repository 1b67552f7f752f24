//! The sign-up flow and what can go wrong along it.

use serde_json::json;

use super::context::{Abort, CaseContext, need};
use super::flow::{self, ada, credentials, new_customer};
use super::{Case, Needs};
use crate::api::Extra;
use crate::checks::{Expect, KnownDeviation};

pub const CASES: &[Case] = &[
    Case {
        name: "signup.bearer",
        summary: "register → create the customer → log in → read it back with the bearer token",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(bearer(cx)),
    },
    Case {
        name: "signup.refresh_registration_token",
        summary: "refreshing the registration token after the customer exists gives a token with its id",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(refresh_registration_token(cx)),
    },
    Case {
        name: "signup.registration_token_on_me",
        summary: "the registration token (empty actor_id) cannot read the customer",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(registration_token_on_me(cx)),
    },
    Case {
        name: "signup.register_again",
        summary: "registering again before the customer exists returns the same identity; a new password or an \
                  existing customer is refused",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(register_again(cx)),
    },
    Case {
        name: "signup.login_before_customer",
        summary: "logging in before the customer exists gives a token with an empty actor_id",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(login_before_customer(cx)),
    },
    Case {
        name: "signup.email_already_registered",
        summary: "creating a customer with the email of a customer who has an account is a 422 duplicate",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(email_already_registered(cx)),
    },
    Case {
        name: "signup.registration_token_reused",
        summary: "a registration token already used cannot create a second customer (Medusa: 500, contract: 4xx)",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(registration_token_reused(cx)),
    },
    Case {
        name: "signup.create_with_customer_token",
        summary: "a token that already has a customer cannot create another",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(create_with_customer_token(cx)),
    },
    Case {
        name: "signup.wrong_password",
        summary: "logging in with a wrong password is refused",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(wrong_password(cx)),
    },
    Case {
        name: "signup.guest_email",
        summary: "the email of a guest customer (no account) can sign up",
        creates_data: true,
        needs: Needs::GuestEmail,
        run: |cx| Box::pin(guest_email(cx)),
    },
];

async fn bearer(cx: &mut CaseContext) -> Result<(), Abort> {
    let email = cx.new_email("primary");
    let registration = flow::register(cx, "register", &email, Expect::ok()).await?;
    let create = Expect::ok().default_customer_keys();
    let id = flow::create(cx, "create", &registration, &ada(&email), None, create).await?;
    let login = Expect::ok();
    let token = flow::login(
        cx,
        "login",
        &email,
        &id,
        &registration.auth_identity_id,
        login,
    )
    .await?;
    let me = Expect::ok()
        .default_customer_keys()
        .customer(Some(&id), Some(&email));
    flow::me(cx, "me", &[Extra::Bearer(token)], None, me).await
}

async fn refresh_registration_token(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    let (client, call) = cx.typed(&[Extra::Bearer(account.registration_token.clone())]);
    let result = client.refresh_token().await;
    let expect = Expect::ok().token(&account.customer_id, Some(&account.auth_identity_id));
    cx.record("refresh", call, &result, expect)?;
    let token = need(
        result.ok().map(|r| r.into_inner().token),
        "a refreshed token",
    )?;
    let me = Expect::ok().customer(Some(&account.customer_id), Some(&account.email));
    flow::me(
        cx,
        "me_with_refreshed_token",
        &[Extra::Bearer(token)],
        None,
        me,
    )
    .await
}

async fn registration_token_on_me(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    let extras = [Extra::Bearer(account.registration_token)];
    flow::me(cx, "me", &extras, None, Expect::unauthorized()).await
}

async fn register_again(cx: &mut CaseContext) -> Result<(), Abort> {
    let email = cx.new_email("primary");
    let first = flow::register(cx, "register", &email, Expect::ok()).await?;
    let (client, call) = cx.typed(&[]);
    let result = client
        .register_customer_identity(&credentials(&email, cx.password()))
        .await;
    let expect = Expect::ok().token("", Some(&first.auth_identity_id));
    cx.record("same_password", call, &result, expect)?;

    let other_password = format!("{}-other", cx.password());
    let (client, call) = cx.typed(&[]);
    let result = client
        .register_customer_identity(&credentials(&email, &other_password))
        .await;
    let exists = || Expect::error(401, "unauthorized", "Identity with email already exists");
    cx.record("other_password", call, &result, exists())?;

    flow::create(cx, "create", &first, &ada(&email), None, Expect::ok()).await?;
    let (client, call) = cx.typed(&[]);
    let result = client
        .register_customer_identity(&credentials(&email, cx.password()))
        .await;
    cx.record("after_customer", call, &result, exists())?;
    Ok(())
}

async fn login_before_customer(cx: &mut CaseContext) -> Result<(), Abort> {
    let email = cx.new_email("primary");
    let registration = flow::register(cx, "register", &email, Expect::ok()).await?;
    let (client, call) = cx.typed(&[]);
    let result = client
        .login_customer(&credentials(&email, cx.password()))
        .await;
    let expect = Expect::ok().token("", Some(&registration.auth_identity_id));
    cx.record("login", call, &result, expect)?;
    Ok(())
}

async fn email_already_registered(cx: &mut CaseContext) -> Result<(), Abort> {
    let existing = flow::sign_up(cx, "existing").await?;
    let newcomer_email = cx.new_email("newcomer");
    let newcomer = flow::register(cx, "register_newcomer", &newcomer_email, Expect::ok()).await?;
    let (client, call) = cx.typed(&[Extra::Bearer(newcomer.token)]);
    let key = cx.key().to_owned();
    let result = client
        .create_customer(None, None, &key, &ada(&existing.email))
        .await;
    let expect = Expect::error(
        422,
        "duplicate_error",
        "Customer with this email already has an account",
    )
    .with_code("invalid_request_error");
    cx.record("create", call, &result, expect)?;
    Ok(())
}

async fn registration_token_reused(cx: &mut CaseContext) -> Result<(), Abort> {
    let email = cx.new_email("primary");
    let registration = flow::register(cx, "register", &email, Expect::ok()).await?;
    flow::create(
        cx,
        "create",
        &registration,
        &ada(&email),
        None,
        Expect::ok(),
    )
    .await?;
    let other_email = cx.new_email("other");
    let (client, call) = cx.typed(&[Extra::Bearer(registration.token.clone())]);
    let key = cx.key().to_owned();
    let result = client
        .create_customer(None, None, &key, &new_customer(&other_email))
        .await;
    let expect = Expect::client_error_or(KnownDeviation {
        status: 500,
        body: json!({ "code": "unknown_error", "type": "unknown_error", "message": "An unknown error occurred." }),
        why: "Medusa 2.21 answers 500 when a used registration token creates a second customer",
    });
    cx.record("create_again", call, &result, expect)?;
    if let Ok(created) = result {
        cx.note_created(&other_email, Some(&created.into_inner().customer.id));
    }
    Ok(())
}

async fn create_with_customer_token(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    let (client, call) = cx.typed(&[Extra::Bearer(account.token)]);
    let key = cx.key().to_owned();
    let result = client
        .create_customer(None, None, &key, &ada(&account.email))
        .await;
    let expect = Expect::error(
        400,
        "invalid_data",
        "Request already authenticated as a customer.",
    );
    cx.record("create", call, &result, expect)?;
    Ok(())
}

async fn wrong_password(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    let wrong = format!("{}-wrong", cx.password());
    let (client, call) = cx.typed(&[]);
    let result = client
        .login_customer(&credentials(&account.email, &wrong))
        .await;
    let expect = Expect::error(401, "unauthorized", "Invalid email or password");
    cx.record("login", call, &result, expect)?;
    Ok(())
}

async fn guest_email(cx: &mut CaseContext) -> Result<(), Abort> {
    let guest = need(cx.config().guest_email.clone(), "--guest-email")?;
    let registration = flow::register(cx, "register", &guest, Expect::ok()).await?;
    let expect = Expect::ok().default_customer_keys();
    flow::create(cx, "create", &registration, &ada(&guest), None, expect).await?;
    Ok(())
}
