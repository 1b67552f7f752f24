//! Requests without credentials must not authenticate. None of these cases creates anything.

use super::context::{Abort, CaseContext};
use super::flow::{credentials, new_customer};
use super::{Case, Needs};
use crate::api::Extra;
use crate::checks::Expect;

pub const CASES: &[Case] = &[
    Case {
        name: "auth.no_token_on_me",
        summary: "reading the customer without credentials is unauthorized",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| Box::pin(no_token_on_me(cx)),
    },
    Case {
        name: "auth.no_token_on_create",
        summary: "creating a customer without a registration token is unauthorized",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| Box::pin(no_token_on_create(cx)),
    },
    Case {
        name: "auth.no_token_on_refresh",
        summary: "refreshing without a token is unauthorized",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| Box::pin(no_token_on_refresh(cx)),
    },
    Case {
        name: "auth.no_token_on_session",
        summary: "opening a session without a token is unauthorized",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| Box::pin(no_token_on_session(cx)),
    },
    Case {
        name: "auth.login_unknown_email",
        summary: "logging in with an email nobody registered is refused like a wrong password",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| Box::pin(login_unknown_email(cx)),
    },
];

async fn no_token_on_me(cx: &mut CaseContext) -> Result<(), Abort> {
    let (client, call) = cx.typed(&[]);
    let key = cx.key().to_owned();
    let result = client.get_customer(None, None, &key).await;
    cx.record("me", call, &result, Expect::unauthorized())?;
    Ok(())
}

async fn no_token_on_create(cx: &mut CaseContext) -> Result<(), Abort> {
    let email = cx.new_email("primary");
    let (client, call) = cx.typed(&[]);
    let key = cx.key().to_owned();
    let result = client
        .create_customer(None, None, &key, &new_customer(&email))
        .await;
    cx.record("create", call, &result, Expect::unauthorized())?;
    Ok(())
}

async fn no_token_on_refresh(cx: &mut CaseContext) -> Result<(), Abort> {
    let (client, call) = cx.typed(&[]);
    let result = client.refresh_token().await;
    cx.record("refresh", call, &result, Expect::unauthorized())?;
    Ok(())
}

async fn no_token_on_session(cx: &mut CaseContext) -> Result<(), Abort> {
    let (client, call) = cx.typed(&[Extra::ForwardedHttps]);
    let result = client.create_session().await;
    cx.record("session", call, &result, Expect::unauthorized())?;
    Ok(())
}

async fn login_unknown_email(cx: &mut CaseContext) -> Result<(), Abort> {
    let email = cx.new_email("unregistered");
    let (client, call) = cx.typed(&[]);
    let result = client
        .login_customer(&credentials(&email, cx.password()))
        .await;
    let expect = Expect::error(401, "unauthorized", "Invalid email or password");
    cx.record("login", call, &result, expect)?;
    Ok(())
}
