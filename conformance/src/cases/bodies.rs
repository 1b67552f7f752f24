//! Request bodies the routes must refuse. Most cannot be written with the typed client (it only builds valid
//! bodies), so they go raw.

use serde_json::json;

use super::context::{Abort, CaseContext};
use super::flow;
use super::{Case, Needs};
use crate::api::{Extra, RawBody, RawRequest};
use crate::checks::Expect;

macro_rules! create_body_case {
    ($name:literal, $summary:literal, $build:expr) => {
        Case {
            name: $name,
            summary: $summary,
            creates_data: true,
            needs: Needs::Nothing,
            run: |cx| Box::pin(refused_create(cx, $build)),
        }
    };
}

pub const CASES: &[Case] = &[
    create_body_case!(
        "bodies.create_unknown_key",
        "a customer body with an unknown key is refused",
        |email| {
            bad_json(
                json!({ "email": email, "nickname": "Ada" }),
                "Invalid request: Unrecognized fields: 'nickname'",
            )
        }
    ),
    create_body_case!(
        "bodies.create_wrong_type",
        "a number where a string is due is refused, not converted",
        |email| {
            bad_json(
                json!({ "email": email, "phone": 5 }),
                "Invalid request: Expected type: 'string' for field 'phone', got: '5'",
            )
        }
    ),
    create_body_case!(
        "bodies.create_metadata_not_an_object",
        "metadata must be an object",
        |email| {
            bad_json(
                json!({ "email": email, "metadata": "x" }),
                "Invalid request: Expected type: 'record' for field 'metadata', got: 'x'",
            )
        }
    ),
    create_body_case!(
        "bodies.create_missing_email",
        "a customer body without email is refused",
        |_email| {
            bad_json(
                json!({ "first_name": "Ada" }),
                "Email is required to create a customer",
            )
        }
    ),
    create_body_case!(
        "bodies.create_malformed_json",
        "a body that is not JSON is refused",
        |_email| {
            let expect = Expect::error(400, "invalid_data", "Unexpected end of JSON input");
            (Some(RawBody::json(TRUNCATED_JSON)), "", expect)
        }
    ),
    create_body_case!(
        "bodies.create_wrong_content_type",
        "a JSON body sent as text/plain is not read",
        |email| {
            let body = RawBody {
                content_type: Some("text/plain"),
                bytes: json!({ "email": email }).to_string(),
            };
            (
                Some(body),
                "",
                Expect::error(400, "invalid_data", "Invalid request: Field '' is required"),
            )
        }
    ),
    create_body_case!(
        "bodies.create_unknown_query_parameter",
        "an unknown query parameter is refused",
        |email| {
            let body = RawBody::json(json!({ "email": email }).to_string());
            (
                Some(body),
                "?conformance=1",
                Expect::error(
                    400,
                    "invalid_data",
                    "Invalid request: Unrecognized fields: 'conformance'",
                ),
            )
        }
    ),
    Case {
        name: "bodies.create_list_query_parameters",
        summary: "the list parameters an older published reference gives this route (expand, offset, limit, order) \
                  are refused",
        creates_data: true,
        needs: Needs::Nothing,
        run: |cx| Box::pin(list_query_parameters(cx)),
    },
    create_body_case!(
        "bodies.create_bad_email",
        "an email that is not an email address is refused",
        |_email| {
            bad_json(
                json!({ "email": "not-an-email" }),
                "Invalid request: Invalid email address",
            )
        }
    ),
    Case {
        name: "bodies.register_missing_password",
        summary: "registering without a password is refused",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| {
            Box::pin(refused_auth(
                cx,
                "register",
                |email| json!({ "email": email }).to_string(),
                "Password should be a string",
            ))
        },
    },
    Case {
        name: "bodies.register_email_not_a_string",
        summary: "registering with a number as email is refused",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| {
            Box::pin(refused_auth(
                cx,
                "register",
                |_| json!({ "email": 5, "password": "x" }).to_string(),
                "Email should be a string",
            ))
        },
    },
    Case {
        name: "bodies.login_missing_email",
        summary: "logging in without an email is refused",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| {
            Box::pin(refused_auth(
                cx,
                "login",
                |_| json!({ "password": "x" }).to_string(),
                "Email should be a string",
            ))
        },
    },
    Case {
        name: "bodies.payload_too_large",
        summary: "a body over 100 kB (102400 bytes) is refused before anything else is checked",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| Box::pin(payload_too_large(cx)),
    },
    Case {
        name: "bodies.register_malformed_json",
        summary: "a registration body that is not JSON is refused",
        creates_data: false,
        needs: Needs::Nothing,
        run: |cx| Box::pin(register_malformed_json(cx)),
    },
];

/// JSON cut short; Medusa reports Node's `JSON.parse` message for it.
const TRUNCATED_JSON: &str = "{\"email\":";

type Build = fn(&str) -> (Option<RawBody>, &'static str, Expect);

fn bad_json(
    body: serde_json::Value,
    message: &'static str,
) -> (Option<RawBody>, &'static str, Expect) {
    (
        Some(RawBody::json(body.to_string())),
        "",
        Expect::error(400, "invalid_data", message),
    )
}

/// Registers an identity, then sends its registration token with a body the route must refuse.
async fn refused_create(cx: &mut CaseContext, build: Build) -> Result<(), Abort> {
    let email = cx.new_email("primary");
    let registration = flow::register(cx, "register", &email, Expect::ok()).await?;
    let (body, query, expect) = build(&email);
    create_raw(cx, "create", &registration.token, query, body, expect).await
}

/// `POST /store/customers{query}` with the publishable key and a registration token, sent as-is.
async fn create_raw(
    cx: &mut CaseContext,
    step: &'static str,
    token: &str,
    query: &str,
    body: Option<RawBody>,
    expect: Expect,
) -> Result<(), Abort> {
    let path = format!("/store/customers{query}");
    let headers = vec![
        Extra::Header("x-publishable-api-key", cx.key().to_owned()),
        Extra::Bearer(token.to_owned()),
    ];
    let request = RawRequest {
        operation_id: "create_customer",
        method: reqwest::Method::POST,
        path: &path,
        headers,
        body,
    };
    cx.raw(step, request, expect).await?;
    Ok(())
}

/// An older published variant of `POST /store/customers` documents these query parameters; Medusa accepts only
/// `fields` and `locale` there and refuses each of them before creating anything (ERRATA.md E8), so one registration
/// token serves every step.
async fn list_query_parameters(cx: &mut CaseContext) -> Result<(), Abort> {
    let email = cx.new_email("primary");
    let registration = flow::register(cx, "register", &email, Expect::ok()).await?;
    let parameters = [
        ("create_expand", "expand", "id"),
        ("create_offset", "offset", "1"),
        ("create_limit", "limit", "1"),
        ("create_order", "order", "id"),
    ];
    for (step, name, value) in parameters {
        let body = RawBody::json(json!({ "email": email }).to_string());
        let message = format!("Invalid request: Unrecognized fields: '{name}'");
        let expect = Expect::error(400, "invalid_data", message);
        let query = format!("?{name}={value}");
        create_raw(cx, step, &registration.token, &query, Some(body), expect).await?;
    }
    Ok(())
}

/// Sends a body the register or login route must refuse with 401 `unauthorized`.
async fn refused_auth(
    cx: &mut CaseContext,
    route: &'static str,
    body: fn(&str) -> String,
    message: &'static str,
) -> Result<(), Abort> {
    let email = cx.new_email("primary");
    let (operation_id, path) = match route {
        "register" => (
            "register_customer_identity",
            "/auth/customer/emailpass/register",
        ),
        _ => ("login_customer", "/auth/customer/emailpass"),
    };
    let body = Some(RawBody::json(body(&email)));
    let request = RawRequest {
        operation_id,
        method: reqwest::Method::POST,
        path,
        headers: Vec::new(),
        body,
    };
    cx.raw(route, request, Expect::error(401, "unauthorized", message))
        .await?;
    Ok(())
}

async fn register_malformed_json(cx: &mut CaseContext) -> Result<(), Abort> {
    let request = RawRequest {
        operation_id: "register_customer_identity",
        method: reqwest::Method::POST,
        path: "/auth/customer/emailpass/register",
        headers: Vec::new(),
        body: Some(RawBody::json(TRUNCATED_JSON)),
    };
    let expect = Expect::error(400, "invalid_data", "Unexpected end of JSON input");
    cx.raw("register", request, expect).await?;
    Ok(())
}

/// Medusa's body limit ("100kb" in body-parser) is 102400 bytes; this body is one byte over.
const BODY_LIMIT_BYTES: usize = 102_400;

async fn payload_too_large(cx: &mut CaseContext) -> Result<(), Abort> {
    let email = cx.new_email("primary");
    let frame = json!({ "email": email, "metadata": { "pad": "" } }).to_string();
    let padding = "a".repeat(BODY_LIMIT_BYTES + 1 - frame.len());
    let body = json!({ "email": email, "metadata": { "pad": padding } }).to_string();
    debug_assert_eq!(body.len(), BODY_LIMIT_BYTES + 1);
    let request = RawRequest {
        operation_id: "create_customer",
        method: reqwest::Method::POST,
        path: "/store/customers",
        headers: vec![Extra::Header("x-publishable-api-key", cx.key().to_owned())],
        body: Some(RawBody::json(body)),
    };
    let expect = Expect::error(413, "unknown_error", "request entity too large");
    cx.raw("create", request, expect).await?;
    Ok(())
}
