//! CORS as a storefront on another origin meets it (`--storefront-origin`): preflights and actual requests on
//! `/store` and `/auth`, with credentials, and an origin the server does not list.

use super::context::{Abort, CaseContext};
use super::{Case, Needs};
use crate::api::{Extra, RawBody, RawRequest};
use crate::checks::{CorsRule, Expect};

pub const CASES: &[Case] = &[
    Case {
        name: "cors.preflight_store",
        summary: "a preflight for creating a customer from the storefront's origin allows it, with credentials",
        creates_data: false,
        needs: Needs::StorefrontOrigin,
        run: |cx| Box::pin(preflight(cx, "/store/customers", STORE_HEADERS)),
    },
    Case {
        name: "cors.preflight_auth",
        summary: "a preflight for logging in from the storefront's origin allows it, with credentials",
        creates_data: false,
        needs: Needs::StorefrontOrigin,
        run: |cx| Box::pin(preflight(cx, "/auth/customer/emailpass", AUTH_HEADERS)),
    },
    Case {
        name: "cors.actual_store",
        summary: "an answer on /store to the storefront's origin allows it to read the answer, with credentials",
        creates_data: false,
        needs: Needs::StorefrontOrigin,
        run: |cx| Box::pin(actual_store(cx)),
    },
    Case {
        name: "cors.actual_auth",
        summary: "an answer on /auth to the storefront's origin allows it to read the answer, with credentials",
        creates_data: false,
        needs: Needs::StorefrontOrigin,
        run: |cx| Box::pin(actual_auth(cx)),
    },
    Case {
        name: "cors.unlisted_origin",
        summary: "an origin the server does not list is not allowed, on /store and on /auth",
        creates_data: false,
        needs: Needs::StorefrontOrigin,
        run: |cx| Box::pin(unlisted_origin(cx)),
    },
];

/// What `@medusajs/js-sdk` sends to create a customer, and to log in.
const STORE_HEADERS: &[&str] = &["authorization", "content-type", "x-publishable-api-key"];
const AUTH_HEADERS: &[&str] = &["content-type"];

/// An origin no deployment lists (`.invalid` is reserved).
const UNLISTED: &str = "https://storefront.conformance.invalid";

fn origin(cx: &CaseContext) -> String {
    cx.config().storefront_origin.clone().unwrap_or_default()
}

fn preflight_request<'a>(path: &'a str, origin: String, headers: &[&str]) -> RawRequest<'a> {
    RawRequest {
        operation_id: "preflight",
        method: reqwest::Method::OPTIONS,
        path,
        headers: vec![
            Extra::Header("origin", origin),
            Extra::Header("access-control-request-method", "POST".to_owned()),
            Extra::Header("access-control-request-headers", headers.join(",")),
        ],
        body: None,
    }
}

async fn preflight(
    cx: &mut CaseContext,
    path: &'static str,
    headers: &[&'static str],
) -> Result<(), Abort> {
    let rule = CorsRule {
        origin: Some(origin(cx)),
        preflight: Some(("POST", headers.to_vec())),
    };
    let request = preflight_request(path, origin(cx), headers);
    cx.raw("preflight", request, Expect::preflight(204, rule))
        .await?;
    Ok(())
}

fn allowed(cx: &CaseContext) -> CorsRule {
    CorsRule {
        origin: Some(origin(cx)),
        preflight: None,
    }
}

async fn actual_store(cx: &mut CaseContext) -> Result<(), Abort> {
    let request = RawRequest {
        operation_id: "get_customer",
        method: reqwest::Method::GET,
        path: "/store/customers/me",
        headers: vec![
            Extra::Header("origin", origin(cx)),
            Extra::Header("x-publishable-api-key", cx.key().to_owned()),
        ],
        body: None,
    };
    let expect = Expect::unauthorized().cors(allowed(cx));
    cx.raw("me", request, expect).await?;
    Ok(())
}

fn unknown_login(origin: String) -> RawRequest<'static> {
    RawRequest {
        operation_id: "login_customer",
        method: reqwest::Method::POST,
        path: "/auth/customer/emailpass",
        headers: vec![Extra::Header("origin", origin)],
        body: Some(RawBody::json(
            r#"{"email":"nobody@conformance.invalid","password":"conformance"}"#,
        )),
    }
}

async fn actual_auth(cx: &mut CaseContext) -> Result<(), Abort> {
    let expect = Expect::error(401, "unauthorized", "Invalid email or password").cors(allowed(cx));
    cx.raw("login", unknown_login(origin(cx)), expect).await?;
    Ok(())
}

async fn unlisted_origin(cx: &mut CaseContext) -> Result<(), Abort> {
    let refused = || CorsRule {
        origin: None,
        preflight: None,
    };
    let request = preflight_request("/store/customers", UNLISTED.to_owned(), STORE_HEADERS);
    cx.raw(
        "preflight_store",
        request,
        Expect::preflight(204, refused()),
    )
    .await?;
    let expect = Expect::error(401, "unauthorized", "Invalid email or password").cors(refused());
    cx.raw("login", unknown_login(UNLISTED.to_owned()), expect)
        .await?;
    Ok(())
}
