//! The one place where an `Error` becomes an HTTP response, in Medusa's formats:
//! - most errors: `{"type", "message"}`; duplicates and unknown errors put a `code` first;
//! - a refused credential on a guarded route: `{"message": "Unauthorized"}`;
//! - errors of the body parser (malformed JSON, too large): `{"message", "type"}`, in that order.

use std::marker::PhantomData;

use poem::{Response, http::StatusCode};
use poem_openapi::{
    ApiResponse,
    registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses, Registry},
    types::Type,
};
use serde_json::{Value, json};

use super::schemas::ErrorBody;
use crate::domain::Error;

/// The body and status Medusa answers for an error.
pub fn error_response(error: &Error) -> (StatusCode, Value) {
    let (status, body) = match error {
        Error::InvalidData(message) => (400, json!({ "type": "invalid_data", "message": message })),
        Error::NotAllowed(message) => (400, json!({ "type": "not_allowed", "message": message })),
        Error::Unauthorized => (401, json!({ "message": "Unauthorized" })),
        Error::AuthenticationFailed(message) => {
            (401, json!({ "type": "unauthorized", "message": message }))
        }
        Error::NotFound(message) => (404, json!({ "type": "not_found", "message": message })),
        Error::Duplicate(message) => (
            422,
            json!({ "code": "invalid_request_error", "type": "duplicate_error", "message": message }),
        ),
        Error::Conflict => (
            409,
            json!({
                "code": "invalid_state_error",
                "type": "conflict",
                "message": "The request conflicted with another request. You may retry the request with the provided Idempotency-Key.",
            }),
        ),
        Error::Body { status, message } => (
            *status,
            json!({ "message": message, "type": body_error_type(*status) }),
        ),
        Error::Busy { .. } => (
            503,
            json!({ "type": "unexpected_state", "message": error.to_string() }),
        ),
        Error::Internal(cause) => {
            tracing::error!(error = %format!("{cause:#}"), "unexpected error");
            (
                500,
                json!({ "code": "unknown_error", "type": "unknown_error", "message": "An unknown error occurred." }),
            )
        }
    };
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        body,
    )
}

/// Medusa's `type` for errors raised by Express itself, by status.
fn body_error_type(status: u16) -> &'static str {
    match status {
        400 => "invalid_data",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        409 => "conflict",
        _ => "unknown_error",
    }
}

/// A JSON response as Express writes it.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json; charset=utf-8")
        .body(body.to_string())
}

/// Asks hyper to close the connection after this response (a client that stalls or floods is not kept).
pub fn close_connection(response: &mut Response) {
    response.headers_mut().insert(
        poem::http::header::CONNECTION,
        poem::http::HeaderValue::from_static("close"),
    );
}

/// The error statuses an operation declares in the contract.
pub trait ErrorStatuses: Send + Sync + 'static {
    const STATUSES: &'static [(u16, &'static str)];
}

/// An error answered by one operation; its declared statuses come from `S`.
pub struct ApiError<S: ErrorStatuses>(pub Error, PhantomData<S>);

impl<S: ErrorStatuses> From<Error> for ApiError<S> {
    fn from(error: Error) -> Self {
        Self(error, PhantomData)
    }
}

impl<S: ErrorStatuses> ApiResponse for ApiError<S> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: S::STATUSES
                .iter()
                .map(|(status, description)| MetaResponse {
                    description,
                    status: Some(*status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: "application/json",
                        schema: ErrorBody::schema_ref(),
                    }],
                    headers: if *status == 503 {
                        vec![MetaHeader {
                            name: "Retry-After".to_owned(),
                            description: Some(RETRY_AFTER.to_owned()),
                            required: true,
                            deprecated: false,
                            schema: u64::schema_ref(),
                        }]
                    } else {
                        vec![]
                    },
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        ErrorBody::register(registry);
    }
}

impl<S: ErrorStatuses> poem::IntoResponse for ApiError<S> {
    fn into_response(self) -> Response {
        let (status, body) = error_response(&self.0);
        let mut response = json_response(status, &body);
        if let Error::Busy { retry_after_secs } = self.0 {
            response.headers_mut().insert(
                poem::http::header::RETRY_AFTER,
                poem::http::HeaderValue::from(retry_after_secs),
            );
        }
        if let Error::Body { status, .. } = self.0 {
            response.extensions_mut().insert(super::cors::BeforeCors);
            // A body left unread (too slow, or over the limit) cannot be followed by another request.
            if status == 408 || status == 413 {
                close_connection(&mut response);
            }
        }
        response
    }
}

macro_rules! error_statuses {
    ($name:ident: $($status:literal => $description:expr),+ $(,)?) => {
        pub struct $name;
        impl ErrorStatuses for $name {
            const STATUSES: &'static [(u16, &'static str)] = &[$(($status, $description)),+];
        }
    };
}

const BAD_REQUEST: &str = "The request is invalid (`invalid_data`) or not allowed (`not_allowed`, e.g. a bad publishable key).";
const AUTH_FAILED: &str = "The credentials were refused (`unauthorized`).";
const UNAUTHORIZED: &str = "No valid credential; the body is `{\"message\": \"Unauthorized\"}`.";
const NOT_FOUND: &str = "The route or an entity was not found.";
const CONFLICT: &str = "The request conflicted with another one; it may be retried.";
const TOO_LARGE: &str = "The body is larger than 100 kB.";
const DUPLICATE: &str =
    "The email already belongs to a customer with an account (`duplicate_error`).";
const UNKNOWN: &str = "An unexpected server error (`unknown_error`).";
const RETRY_AFTER: &str = "Seconds to wait before sending the request again.";
const BUSY: &str =
    "Password hashing is saturated (`unexpected_state`): retry after the `Retry-After` seconds.";

error_statuses!(EmailPassErrors:
    400 => BAD_REQUEST, 401 => AUTH_FAILED, 413 => TOO_LARGE, 500 => UNKNOWN, 503 => BUSY,
);
error_statuses!(TokenErrors: 401 => UNAUTHORIZED, 500 => UNKNOWN);
error_statuses!(ResetRequestErrors: 400 => BAD_REQUEST, 413 => TOO_LARGE, 500 => UNKNOWN);
error_statuses!(UpdatePasswordErrors:
    400 => BAD_REQUEST, 401 => AUTH_FAILED, 413 => TOO_LARGE, 500 => UNKNOWN, 503 => BUSY,
);
error_statuses!(RefreshErrors: 401 => UNAUTHORIZED, 404 => NOT_FOUND, 500 => UNKNOWN);
error_statuses!(CreateCustomerErrors:
    400 => BAD_REQUEST, 401 => UNAUTHORIZED, 404 => NOT_FOUND, 409 => CONFLICT, 413 => TOO_LARGE, 422 => DUPLICATE,
    500 => UNKNOWN,
);
// The routes of the logged-in customer's account that take no body.
error_statuses!(AccountErrors: 400 => BAD_REQUEST, 401 => UNAUTHORIZED, 404 => NOT_FOUND, 500 => UNKNOWN);
// The routes of the logged-in customer's account that take a body.
error_statuses!(AccountBodyErrors:
    400 => BAD_REQUEST, 401 => UNAUTHORIZED, 404 => NOT_FOUND, 413 => TOO_LARGE, 500 => UNKNOWN,
);
