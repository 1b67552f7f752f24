//! The forms of a route that stock Medusa accepts besides the one the contract spells: Express ignores letter case
//! and one trailing slash, the auth middleware takes the `Bearer` scheme in any case, and the body parsers take JSON
//! whatever the media type's case and parameters, and URL-encoded forms. And the forms no route matches.

use serde_json::{Value, json};

use super::context::{Abort, CaseContext, need};
use super::flow::{self, Registration};
use super::{Case, Needs};
use crate::api::{Extra, RawBody, RawRequest};
use crate::checks::Expect;

pub const CASES: &[Case] = &[
    Case {
        name: "forms.accepted",
        summary: "a trailing slash, another letter case, a lowercase bearer scheme, JSON with a charset and a URL-encoded \
                  login all reach the route",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(accepted(cx)),
    },
    Case {
        name: "forms.unmatched",
        summary: "an empty path segment or an encoded slash matches no route",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| Box::pin(unmatched(cx)),
    },
];

async fn accepted(cx: &mut CaseContext) -> Result<(), Abort> {
    let email = cx.new_email("forms");
    let registration = flow::register(cx, "register", &email, Expect::ok()).await?;
    let customer_id = create_with_trailing_slash(cx, &registration).await?;
    let auth_identity_id = registration.auth_identity_id.clone();
    let token = flow::login(
        cx,
        "login",
        &email,
        &customer_id,
        &auth_identity_id,
        Expect::ok(),
    )
    .await?;
    let logged_in = || Expect::ok().token(&customer_id, Some(&auth_identity_id));
    let credentials = json!({ "email": email, "password": cx.password() }).to_string();
    let login_forms = [
        (
            "login_trailing_slash_content_type_case",
            "/auth/customer/emailpass/",
            "Application/JSON",
            credentials,
        ),
        (
            "login_urlencoded",
            "/auth/customer/emailpass",
            "application/x-www-form-urlencoded",
            format!(
                "email={}&password={}",
                urlencoded(&email),
                urlencoded(cx.password())
            ),
        ),
    ];
    for (step, path, content_type, bytes) in login_forms {
        let body = RawBody {
            content_type: Some(content_type),
            bytes,
        };
        let request = post(path, "login_customer", Vec::new(), body);
        cx.raw(step, request, logged_in()).await?;
    }
    let key = cx.key().to_owned();
    let me_forms = [
        (
            "me_trailing_slash",
            "/store/customers/me/",
            format!("Bearer {token}"),
        ),
        (
            "me_letter_case",
            "/Store/Customers/Me",
            format!("Bearer {token}"),
        ),
        (
            "me_bearer_lowercase",
            "/store/customers/me",
            format!("bearer {token}"),
        ),
        (
            "me_bearer_uppercase",
            "/store/customers/me",
            format!("BEARER {token}"),
        ),
    ];
    for (step, path, authorization) in me_forms {
        let request = RawRequest {
            operation_id: "get_customer",
            method: reqwest::Method::GET,
            path,
            headers: vec![
                Extra::Header("x-publishable-api-key", key.clone()),
                Extra::Header("authorization", authorization),
            ],
            body: None,
        };
        let expect = Expect::ok().customer(Some(&customer_id), Some(&email));
        cx.raw(step, request, expect).await?;
    }
    let request = RawRequest {
        operation_id: "refresh_token",
        method: reqwest::Method::POST,
        path: "/Auth/Token/Refresh",
        headers: vec![Extra::Bearer(token)],
        body: None,
    };
    cx.raw("refresh_letter_case", request, logged_in()).await?;
    Ok(())
}

/// `POST /store/customers/` with `application/json; charset=utf-8`; returns the created customer's id.
async fn create_with_trailing_slash(
    cx: &mut CaseContext,
    registration: &Registration,
) -> Result<String, Abort> {
    let headers = vec![
        Extra::Header("x-publishable-api-key", cx.key().to_owned()),
        Extra::Bearer(registration.token.clone()),
    ];
    let body = RawBody {
        content_type: Some("application/json; charset=utf-8"),
        bytes: json!({ "email": registration.email }).to_string(),
    };
    let request = post("/store/customers/", "create_customer", headers, body);
    let expect = Expect::ok().customer(None, Some(&registration.email));
    let exchange = cx
        .raw("create_trailing_slash_charset", request, expect)
        .await?;
    let id = exchange.response.json().and_then(|body| {
        body.pointer("/customer/id")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let id = need(id, "the created customer's id")?;
    cx.note_created(&registration.email, Some(&id));
    Ok(id)
}

async fn unmatched(cx: &mut CaseContext) -> Result<(), Abort> {
    let forms = [
        ("empty_segment", "/store//customers/me"),
        ("leading_empty_segment", "//store/customers/me"),
        ("encoded_slash", "/store/customers%2Fme"),
    ];
    for (step, path) in forms {
        let request = RawRequest {
            operation_id: "get_customer",
            method: reqwest::Method::GET,
            path,
            headers: vec![Extra::Header("x-publishable-api-key", cx.key().to_owned())],
            body: None,
        };
        let expect = Expect::error(404, "not_found", format!("Cannot GET {path}"));
        cx.raw(step, request, expect).await?;
    }
    Ok(())
}

fn post<'a>(
    path: &'a str,
    operation_id: &'static str,
    headers: Vec<Extra>,
    body: RawBody,
) -> RawRequest<'a> {
    RawRequest {
        operation_id,
        method: reqwest::Method::POST,
        path,
        headers,
        body: Some(body),
    }
}

/// `application/x-www-form-urlencoded` escaping of one value.
fn urlencoded(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
