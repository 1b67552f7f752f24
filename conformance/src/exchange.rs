//! One request and its response, recorded verbatim: checks judge the bytes that crossed the wire, not what a typed
//! client made of them, and reports reproduce the request with curl.

use reqwest::header::HeaderName;
use serde::Serialize;

use crate::transport::{REDACTED, Retry};

/// How a request was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// Through the client generated from the contract.
    Typed,
    /// Through plain reqwest, because the request is one the contract cannot express (a malformed body, a missing
    /// required header, a forged token…).
    Raw,
}

#[derive(Clone, Debug, Serialize)]
pub struct RecordedRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RecordedResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body parsed as JSON, keeping key order; `None` when it is not JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// A request, its response, and the contract operation it exercises.
#[derive(Clone, Debug, Serialize)]
pub struct Exchange {
    /// The contract's `operationId` of the route called.
    pub operation_id: &'static str,
    pub via: Via,
    pub request: RecordedRequest,
    pub response: RecordedResponse,
    /// The `429`/`503` answers with `Retry-After` waited out before `response`, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<Retry>,
}

fn header_pairs(headers: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}

impl RecordedRequest {
    /// The request as sent, with the values of the `redacted` headers (the run's access headers) replaced by
    /// `[redacted]`: every report, curl line and record is made from this.
    pub fn capture(request: &reqwest::Request, redacted: &[&HeaderName]) -> Self {
        let mut headers = header_pairs(request.headers());
        for (name, value) in &mut headers {
            if redacted.iter().any(|secret| secret.as_str() == name) {
                REDACTED.clone_into(value);
            }
        }
        RecordedRequest {
            method: request.method().as_str().to_owned(),
            url: request.url().to_string(),
            headers,
            body: request
                .body()
                .and_then(reqwest::Body::as_bytes)
                .map(|bytes| String::from_utf8_lossy(bytes).into_owned()),
        }
    }
}

impl RecordedResponse {
    /// Reads the whole body, returning the record and the bytes so a caller can still hand a response on.
    pub async fn capture(
        response: reqwest::Response,
    ) -> reqwest::Result<(Self, http::Response<Vec<u8>>)> {
        let status = response.status();
        let version = response.version();
        let headers = response.headers().clone();
        let body = response.bytes().await?.to_vec();
        let record = RecordedResponse {
            status: status.as_u16(),
            headers: header_pairs(&headers),
            body: String::from_utf8_lossy(&body).into_owned(),
        };
        let mut rebuilt = http::Response::new(body);
        *rebuilt.status_mut() = status;
        *rebuilt.version_mut() = version;
        *rebuilt.headers_mut() = headers;
        Ok((record, rebuilt))
    }
}
