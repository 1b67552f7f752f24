//! The successful answer of an operation: a JSON body built by `domain` (in Medusa's key order), declared in
//! the spec with the schema `T`.

use std::marker::PhantomData;

use poem::{Response, http::StatusCode};
use poem_openapi::{
    ApiResponse,
    registry::{MetaMediaType, MetaResponse, MetaResponses, Registry},
    types::Type,
};
use serde_json::Value;

use super::error::{ApiError, ErrorStatuses, json_response};
use crate::domain::Error;

/// An operation's answer: `T` on success, or an error among the statuses `S` declares.
pub enum Reply<T: Type, S: ErrorStatuses> {
    Ok(JsonOk<T>),
    Err(ApiError<S>),
}

impl<T: Type, S: ErrorStatuses> From<Result<JsonOk<T>, Error>> for Reply<T, S> {
    fn from(result: Result<JsonOk<T>, Error>) -> Self {
        match result {
            Ok(ok) => Self::Ok(ok),
            Err(error) => Self::Err(error.into()),
        }
    }
}

impl<T: Type, S: ErrorStatuses> From<Result<Value, Error>> for Reply<T, S> {
    fn from(result: Result<Value, Error>) -> Self {
        result.map(JsonOk::new).into()
    }
}

impl<T: Type, S: ErrorStatuses> ApiResponse for Reply<T, S> {
    fn meta() -> MetaResponses {
        let mut responses = JsonOk::<T>::meta().responses;
        responses.extend(ApiError::<S>::meta().responses);
        MetaResponses { responses }
    }

    fn register(registry: &mut Registry) {
        JsonOk::<T>::register(registry);
        ApiError::<S>::register(registry);
    }
}

impl<T: Type, S: ErrorStatuses> poem::IntoResponse for Reply<T, S> {
    fn into_response(self) -> Response {
        match self {
            Self::Ok(ok) => ok.into_response(),
            Self::Err(error) => error.into_response(),
        }
    }
}

pub struct JsonOk<T: Type> {
    body: Value,
    set_cookie: Option<String>,
    schema: PhantomData<T>,
}

impl<T: Type> JsonOk<T> {
    pub fn new(body: Value) -> Self {
        Self {
            body,
            set_cookie: None,
            schema: PhantomData,
        }
    }

    pub fn with_cookie(mut self, cookie: Option<String>) -> Self {
        self.set_cookie = cookie;
        self
    }
}

impl<T: Type> ApiResponse for JsonOk<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "OK",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: "application/json",
                    schema: T::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type> poem::IntoResponse for JsonOk<T> {
    fn into_response(self) -> Response {
        let mut response = json_response(StatusCode::OK, &self.body);
        if let Some(cookie) = self.set_cookie.and_then(|c| c.parse().ok()) {
            response
                .headers_mut()
                .append(poem::http::header::SET_COOKIE, cookie);
        }
        response
    }
}

/// `201 Created` in plain text, or an error among the statuses `S` declares: Medusa's answer to a password-reset
/// request.
pub enum Created<S: ErrorStatuses> {
    Ok,
    Err(ApiError<S>),
}

impl<S: ErrorStatuses> From<Result<(), Error>> for Created<S> {
    fn from(result: Result<(), Error>) -> Self {
        match result {
            Ok(()) => Self::Ok,
            Err(error) => Self::Err(error.into()),
        }
    }
}

impl<S: ErrorStatuses> ApiResponse for Created<S> {
    fn meta() -> MetaResponses {
        let mut responses = vec![MetaResponse {
            description: "Created",
            status: Some(201),
            status_range: None,
            content: vec![MetaMediaType {
                content_type: "text/plain",
                schema: String::schema_ref(),
            }],
            headers: vec![],
        }];
        responses.extend(ApiError::<S>::meta().responses);
        MetaResponses { responses }
    }

    fn register(registry: &mut Registry) {
        ApiError::<S>::register(registry);
    }
}

impl<S: ErrorStatuses> poem::IntoResponse for Created<S> {
    fn into_response(self) -> Response {
        match self {
            Self::Ok => Response::builder()
                .status(StatusCode::CREATED)
                .content_type("text/plain; charset=utf-8")
                .body("Created"),
            Self::Err(error) => error.into_response(),
        }
    }
}
