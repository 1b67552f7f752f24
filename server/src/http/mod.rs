//! The HTTP surface: the contract's operations (poem-openapi), `/health`, `/openapi.json`, the docs UI, Medusa's
//! CORS, and Medusa-format answers for unknown routes.

mod addresses;
mod auth;
mod body;
mod cors;
mod customers;
pub mod error;
mod express_path;
mod extract;
#[cfg(test)]
mod fuzz_tests;
mod response;
pub mod schemas;
pub mod session_cookie;
mod v8_json;

use std::sync::Arc;

use poem::{
    Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, handler, http::StatusCode,
};
use poem_openapi::{OpenApiService, Tags};

use crate::{app::App, config::Config, domain::Error};
pub use cors::CorsOrigins;
use error::{error_response, json_response};
use session_cookie::SessionCookies;

#[derive(Tags)]
enum ApiTags {
    /// Email/password identities, tokens and cookie sessions.
    Auth,
    /// The logged-in customer.
    Customers,
    /// The logged-in customer's address book.
    Addresses,
}

const DESCRIPTION: &str = "The routes a storefront needs to sign a customer up with Medusa 2.21: register an \
email/password identity, create the customer, log in, refresh the token, open a cookie session, and read the \
customer back. Behaves as a live Medusa 2.21.2 does; see `openapi/ERRATA.md` for where that departs from Medusa's \
published reference.";

fn api_service(
    app: Arc<App>,
    cookies: SessionCookies,
) -> OpenApiService<
    (
        auth::AuthApi,
        customers::CustomersApi,
        addresses::AddressesApi,
    ),
    (),
> {
    OpenApiService::new(
        (
            auth::AuthApi {
                app: app.clone(),
                cookies,
            },
            customers::CustomersApi { app: app.clone() },
            addresses::AddressesApi { app },
        ),
        "Medusa Store API — customer sign-up flow",
        "2.21.2",
    )
    .description(DESCRIPTION)
    .license(poem_openapi::LicenseObject::new("MIT"))
    .server("http://localhost:9000")
}

/// The served OpenAPI document, built without a database file or a socket: the handlers need an `App`, which
/// needs a store, and an in-memory one that is never used serves.
pub fn openapi_spec() -> String {
    let store: Arc<dyn crate::store::Store> = Arc::new(
        crate::store::SqliteStore::in_memory().expect("an in-memory SQLite database opens"),
    );
    api_service(
        Arc::new(App::new(store, "unused")),
        SessionCookies::new("unused"),
    )
    .spec()
}

pub fn routes(app: Arc<App>, config: &Config) -> impl Endpoint + use<> {
    let cookies = SessionCookies::new(&config.cookie_secret);
    let api = api_service(app.clone(), cookies.clone());
    let spec = api.spec();
    let docs = api.swagger_ui();
    let cors = cors::MedusaCors {
        store: CorsOrigins::parse(&config.store_cors),
        auth: CorsOrigins::parse(&config.auth_cors),
    };
    Route::new()
        .nest("/", api)
        .at("/health", get(health))
        .at(
            "/openapi.json",
            get(poem::endpoint::make_sync(move |_| {
                Response::builder()
                    .content_type("application/json")
                    .body(spec.clone())
            })),
        )
        .nest("/docs", docs)
        .data(cookies)
        .with(cors)
        .before(|request| async move { Ok(express_path::route_request(request)) })
        .around(move |endpoint, request| {
            let app = app.clone();
            async move {
                let line = RequestLine::of(&request);
                Ok(unknown_route_as_medusa(&app, line, endpoint.call(request).await).await)
            }
        })
        .around(|endpoint, request| async move {
            if head_size(&request) > MAX_HEAD_SIZE {
                return Ok(head_too_large());
            }
            endpoint
                .call(request)
                .await
                .map(IntoResponse::into_response)
        })
}

/// Node's default `--max-http-header-size`: the request line and headers of a request Medusa reads.
pub const MAX_HEAD_SIZE: usize = 16 * 1024;

/// The bytes of the request line and headers as sent on the wire (HTTP/1.1).
fn head_size(request: &Request) -> usize {
    let line = request.method().as_str().len() + request.uri().to_string().len() + 12;
    let headers: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    line + headers
}

/// Node answers an oversized head with a bare 431 and closes; we close too, with a body in Medusa's format.
fn head_too_large() -> Response {
    let (status, body) = error_response(&Error::Body {
        status: 431,
        message: "request header fields too large".into(),
    });
    let mut response = json_response(status, &body);
    error::close_connection(&mut response);
    response
}

#[handler]
fn health() -> Response {
    Response::builder()
        .content_type("text/html; charset=utf-8")
        .body("OK")
}

/// Express answers an unknown route or method with 404 `Cannot <METHOD> <path>` after the publishable-key check of
/// `/store` routes; we answer the same in Medusa's JSON error format.
async fn unknown_route_as_medusa(
    app: &App,
    line: RequestLine,
    result: poem::Result<Response>,
) -> Response {
    let error = match result {
        Ok(response) => return response,
        Err(error) => error,
    };
    let status = error.status();
    if status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED {
        let (status, body) = error_response(&Error::Body {
            status: status.as_u16(),
            message: error.to_string(),
        });
        return json_response(status, &body);
    }
    let RequestLine {
        method,
        path,
        publishable_key,
    } = line;
    if express_path::is_store_path(&path)
        && let Err(error) = app.check_publishable_key(publishable_key.as_deref()).await
    {
        let (status, body) = error_response(&error);
        return json_response(status, &body);
    }
    let (status, body) = error_response(&Error::NotFound(format!("Cannot {method} {path}")));
    json_response(status, &body).into_response()
}

struct RequestLine {
    method: String,
    path: String,
    publishable_key: Option<String>,
}

impl RequestLine {
    fn of(request: &Request) -> Self {
        Self {
            method: request.method().to_string(),
            path: request.uri().path().to_owned(),
            publishable_key: request
                .headers()
                .get("x-publishable-api-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }
    }
}
