//! CORS as Medusa configures the `cors` package: `STORE_CORS` for `/store`, `AUTH_CORS` for `/auth`, with
//! credentials. Preflights (OPTIONS with an Origin) answer 204 whatever the origin; only an allowed origin is
//! echoed in `Access-Control-Allow-Origin`. Every answer of a known route carries `Vary: Origin` and
//! `Access-Control-Allow-Credentials: true`; body-parser errors and unknown routes do not, as in Medusa.

use poem::{
    Endpoint, IntoResponse, Middleware, Request, Response, Result,
    http::{HeaderValue, Method, StatusCode, header},
};
use regex::Regex;

/// A comma-separated list of origins; an entry written `/…/` is a regular expression.
#[derive(Clone, Default)]
pub struct CorsOrigins(Vec<Origin>);

#[derive(Clone)]
enum Origin {
    Exact(String),
    Pattern(Regex),
}

impl CorsOrigins {
    pub fn parse(list: &str) -> Self {
        Self(
            list.split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(|o| {
                    match o
                        .strip_prefix('/')
                        .and_then(|p| p.strip_suffix('/'))
                        .map(Regex::new)
                    {
                        Some(Ok(pattern)) => Origin::Pattern(pattern),
                        _ => Origin::Exact(o.to_owned()),
                    }
                })
                .collect(),
        )
    }

    fn allows(&self, origin: &str) -> bool {
        self.0.iter().any(|allowed| match allowed {
            Origin::Exact(exact) => exact == origin,
            Origin::Pattern(pattern) => pattern.is_match(origin),
        })
    }
}

pub struct MedusaCors {
    pub store: CorsOrigins,
    pub auth: CorsOrigins,
}

impl<E: Endpoint> Middleware<E> for MedusaCors {
    type Output = CorsEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        CorsEndpoint {
            inner,
            store: self.store.clone(),
            auth: self.auth.clone(),
        }
    }
}

pub struct CorsEndpoint<E> {
    inner: E,
    store: CorsOrigins,
    auth: CorsOrigins,
}

/// Marks a response that Medusa sends before its CORS middleware runs.
#[derive(Clone, Copy)]
pub struct BeforeCors;

impl<E: Endpoint> Endpoint for CorsEndpoint<E> {
    type Output = Response;

    async fn call(&self, request: Request) -> Result<Response> {
        let path = request.uri().path();
        let origins = if super::express_path::is_store_path(path) {
            &self.store
        } else if path.starts_with("/auth") {
            &self.auth
        } else {
            return self
                .inner
                .call(request)
                .await
                .map(IntoResponse::into_response);
        };
        let origin = request
            .headers()
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let allowed = origin
            .as_deref()
            .filter(|o| origins.allows(o))
            .map(str::to_owned);
        if request.method() == Method::OPTIONS && origin.is_some() {
            return Ok(preflight(&request, allowed.as_deref()));
        }
        let mut response = self.inner.call(request).await?.into_response();
        if response.extensions().get::<BeforeCors>().is_none() {
            add_actual_headers(&mut response, allowed.as_deref());
        }
        Ok(response)
    }
}

fn add_actual_headers(response: &mut Response, allowed: Option<&str>) {
    let headers = response.headers_mut();
    if let Some(value) = allowed.and_then(|o| HeaderValue::from_str(o).ok()) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
}

fn preflight(request: &Request, allowed: Option<&str>) -> Response {
    let mut builder = Response::builder().status(StatusCode::NO_CONTENT);
    if let Some(origin) = allowed {
        builder = builder.header(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    builder = builder
        .header(header::VARY, "Origin, Access-Control-Request-Headers")
        .header(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true")
        .header(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            "GET,HEAD,PUT,PATCH,POST,DELETE",
        );
    if let Some(requested) = request
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
    {
        builder = builder.header(header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone());
    }
    builder.header(header::CONTENT_LENGTH, "0").finish()
}
