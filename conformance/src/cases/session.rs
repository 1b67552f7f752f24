//! Cookie sessions: `POST /auth/session` turns a bearer token into a `connect.sid` cookie.

use super::context::{Abort, CaseContext, need};
use super::flow;
use super::{Case, Needs};
use crate::api::Extra;
use crate::checks::{CookieRule, Expect};
use crate::jwt;

pub const CASES: &[Case] = &[
    Case {
        name: "session.cookie",
        summary: "a session opened with the login token reads the customer with the cookie alone, until deleted",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(cookie(cx)),
    },
    Case {
        name: "session.registration_cookie_creates_customer",
        summary: "a session opened with the registration token creates the customer with the cookie alone",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(registration_cookie_creates_customer(cx)),
    },
    Case {
        name: "session.delete_without_session",
        summary: "deleting a session without a session cookie is refused",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| Box::pin(delete_without_session(cx)),
    },
    Case {
        name: "session.unknown_cookie_on_me",
        summary: "a session cookie the server never issued does not authenticate",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| Box::pin(unknown_cookie_on_me(cx)),
    },
];

/// A well-formed signed-cookie value that no server issued.
const UNKNOWN_SESSION: &str =
    "s%3Aconformance-unknown-session.c2lnbmF0dXJlLXRoYXQtZG9lcy1ub3QtbWF0Y2g";

async fn cookie(cx: &mut CaseContext) -> Result<(), Abort> {
    let account = flow::sign_up(cx, "primary").await?;
    let claims = need(jwt::claims(&account.token), "claims in the login token")?;
    let (client, call) = cx.typed(&[Extra::Bearer(account.token.clone()), Extra::ForwardedHttps]);
    let result = client.create_session().await;
    let expect = Expect::ok().session_of(claims).cookie(CookieRule::Set);
    let exchange = cx.record("create_session", call, &result, expect)?;
    let sid = need(
        session_id(exchange.response.headers_named("set-cookie")),
        "a connect.sid cookie",
    )?;

    let with_cookie = [Extra::SessionCookie(sid), Extra::ForwardedHttps];
    let me = Expect::ok()
        .default_customer_keys()
        .customer(Some(&account.customer_id), Some(&account.email));
    flow::me(cx, "me", &with_cookie, None, me).await?;

    let (client, call) = cx.typed(&with_cookie);
    let result = client.delete_session().await;
    cx.record(
        "delete_session",
        call,
        &result,
        Expect::ok().cookie(CookieRule::Cleared),
    )?;

    flow::me(
        cx,
        "me_after_delete",
        &with_cookie,
        None,
        Expect::unauthorized(),
    )
    .await
}

async fn registration_cookie_creates_customer(cx: &mut CaseContext) -> Result<(), Abort> {
    let email = cx.new_email("primary");
    let registration = flow::register(cx, "register", &email, Expect::ok()).await?;
    let claims = need(
        jwt::claims(&registration.token),
        "claims in the registration token",
    )?;
    let (client, call) = cx.typed(&[
        Extra::Bearer(registration.token.clone()),
        Extra::ForwardedHttps,
    ]);
    let result = client.create_session().await;
    let expect = Expect::ok().session_of(claims).cookie(CookieRule::Set);
    let exchange = cx.record("create_session", call, &result, expect)?;
    let sid = need(
        session_id(exchange.response.headers_named("set-cookie")),
        "a connect.sid cookie",
    )?;

    let with_cookie = [Extra::SessionCookie(sid), Extra::ForwardedHttps];
    let (client, call) = cx.typed(&with_cookie);
    let key = cx.key().to_owned();
    let body = flow::ada(&email);
    let result = client.create_customer(None, None, &key, &body).await;
    let expect = Expect::ok()
        .default_customer_keys()
        .customer(None, Some(&email));
    cx.record("create", call, &result, expect)?;
    let id = need(
        result.ok().map(|r| r.into_inner().customer.id),
        "the created customer's id",
    )?;
    cx.note_created(&email, Some(&id));

    // The session still holds the registration token's authentication (empty actor_id): it cannot read the customer.
    flow::me(cx, "me", &with_cookie, None, Expect::unauthorized()).await
}

fn session_id<'a>(mut cookies: impl Iterator<Item = &'a str>) -> Option<String> {
    let cookie = cookies.find_map(|cookie| cookie.trim_start().strip_prefix("connect.sid="))?;
    let value = cookie.split(';').next()?.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

async fn delete_without_session(cx: &mut CaseContext) -> Result<(), Abort> {
    let (client, call) = cx.typed(&[]);
    let result = client.delete_session().await;
    cx.record("delete_session", call, &result, Expect::unauthorized())?;
    Ok(())
}

async fn unknown_cookie_on_me(cx: &mut CaseContext) -> Result<(), Abort> {
    let extras = [
        Extra::SessionCookie(UNKNOWN_SESSION.to_owned()),
        Extra::ForwardedHttps,
    ];
    flow::me(cx, "me", &extras, None, Expect::unauthorized()).await
}
