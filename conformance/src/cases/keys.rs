//! The publishable API key every `/store` request needs; it is checked before the credentials.

use super::context::{Abort, CaseContext, need};
use super::flow::new_customer;
use super::{Case, Needs};
use crate::api::{Extra, RawBody, RawRequest};
use crate::checks::Expect;

pub const CASES: &[Case] = &[
    Case {
        name: "publishable_key.missing_on_me",
        summary: "reading the customer without a publishable key is not allowed (checked before the token)",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| Box::pin(missing_on_me(cx)),
    },
    Case {
        name: "publishable_key.missing_on_create",
        summary: "creating a customer without a publishable key is not allowed (checked before the token)",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| Box::pin(missing_on_create(cx)),
    },
    Case {
        name: "publishable_key.empty",
        summary: "an empty publishable key counts as missing",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| Box::pin(with_key(cx, String::new(), MISSING)),
    },
    Case {
        name: "publishable_key.unknown",
        summary: "a publishable key the server does not know is not allowed",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| Box::pin(with_key(cx, "pk_conformance_unknown".to_owned(), INVALID)),
    },
    Case {
        name: "publishable_key.revoked",
        summary: "a revoked publishable key is not allowed",
        creates_data: false,
        needs: Needs::RevokedKey,
        run: |cx| Box::pin(revoked(cx)),
    },
];

const MISSING: &str = "Publishable API key required in the request header: x-publishable-api-key. You can manage \
                       your keys in settings in the dashboard.";
const INVALID: &str = "A valid publishable key is required to proceed with the request";

/// A bearer token that would be refused: the key must be judged first, so the answer is still about the key.
const GARBAGE_TOKEN: &str = "conformance-garbage-token";

async fn missing_on_me(cx: &mut CaseContext) -> Result<(), Abort> {
    let request = RawRequest {
        operation_id: "get_customer",
        method: reqwest::Method::GET,
        path: "/store/customers/me",
        headers: vec![Extra::Bearer(GARBAGE_TOKEN.to_owned())],
        body: None,
    };
    cx.raw("me", request, Expect::error(400, "not_allowed", MISSING))
        .await?;
    Ok(())
}

async fn missing_on_create(cx: &mut CaseContext) -> Result<(), Abort> {
    let email = cx.new_email("primary");
    let body = serde_json::to_string(&new_customer(&email)).expect("a customer body serializes");
    let request = RawRequest {
        operation_id: "create_customer",
        method: reqwest::Method::POST,
        path: "/store/customers",
        headers: vec![Extra::Bearer(GARBAGE_TOKEN.to_owned())],
        body: Some(RawBody::json(body)),
    };
    cx.raw(
        "create",
        request,
        Expect::error(400, "not_allowed", MISSING),
    )
    .await?;
    Ok(())
}

async fn with_key(cx: &mut CaseContext, key: String, message: &'static str) -> Result<(), Abort> {
    let (client, call) = cx.typed(&[Extra::Bearer(GARBAGE_TOKEN.to_owned())]);
    let result = client.get_customer(None, None, &key).await;
    cx.record(
        "me",
        call,
        &result,
        Expect::error(400, "not_allowed", message),
    )?;
    Ok(())
}

async fn revoked(cx: &mut CaseContext) -> Result<(), Abort> {
    let key = need(cx.config().revoked_key.clone(), "--revoked-key")?;
    with_key(cx, key, INVALID).await
}
