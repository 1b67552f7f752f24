//! The two ways cases talk to the backend: the generated client for every request the contract can express, and
//! plain reqwest ("raw") for the requests it cannot (malformed bodies, missing required headers, forged cookies…).

use reqwest::header::{HeaderName, HeaderValue};

use crate::client::{CallContext, Client};
use crate::exchange::{Exchange, Via};
use crate::transport::{Transport, TransportConfig};

/// A credential or header a request carries besides what the contract's parameters express.
#[derive(Clone, Debug)]
pub enum Extra {
    Bearer(String),
    SessionCookie(String),
    /// `X-Forwarded-Proto: https`: Medusa sets its `Secure` session cookie only over (proxied) TLS.
    ForwardedHttps,
    Header(&'static str, String),
}

impl Extra {
    fn header(&self) -> (HeaderName, HeaderValue) {
        let (name, value) = match self {
            Extra::Bearer(token) => ("authorization", format!("Bearer {token}")),
            Extra::SessionCookie(sid) => ("cookie", format!("connect.sid={sid}")),
            Extra::ForwardedHttps => ("x-forwarded-proto", "https".to_owned()),
            Extra::Header(name, value) => (*name, value.clone()),
        };
        let value =
            HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
        (HeaderName::from_static(name), value)
    }
}

/// A request body sent as-is.
pub struct RawBody {
    pub content_type: Option<&'static str>,
    pub bytes: String,
}

impl RawBody {
    pub fn json(text: impl Into<String>) -> Self {
        RawBody {
            content_type: Some("application/json"),
            bytes: text.into(),
        }
    }
}

/// A raw request: the contract operation it targets, and what to send.
pub struct RawRequest<'a> {
    pub operation_id: &'static str,
    pub method: reqwest::Method,
    /// Path and query, e.g. `/store/customers?fields=email`.
    pub path: &'a str,
    pub headers: Vec<Extra>,
    pub body: Option<RawBody>,
}

#[derive(Clone)]
pub struct Api {
    base_url: String,
    transport: Transport,
}

impl Api {
    /// An API reached directly, with default timeouts and no access headers.
    pub fn new(base_url: &str) -> reqwest::Result<Self> {
        Self::with_transport(base_url, &TransportConfig::default())
    }

    pub fn with_transport(base_url: &str, config: &TransportConfig) -> reqwest::Result<Self> {
        Ok(Api {
            base_url: base_url.trim_end_matches('/').to_owned(),
            transport: Transport::new(config)?,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Why the deployment stopped answering, if a request found it so (see [`Transport::failure`]).
    pub fn failure(&self) -> Option<String> {
        self.transport.failure()
    }

    /// A generated client whose requests carry `extras` and are recorded in the returned context.
    pub fn typed(&self, extras: &[Extra]) -> (Client, CallContext) {
        let context = CallContext::new(
            self.transport.clone(),
            extras.iter().map(Extra::header).collect(),
        );
        (
            Client::new_with_client(
                &self.base_url,
                self.transport.client().clone(),
                context.clone(),
            ),
            context,
        )
    }

    pub async fn raw(&self, request: RawRequest<'_>) -> reqwest::Result<Exchange> {
        let mut builder = self
            .transport
            .client()
            .request(request.method, format!("{}{}", self.base_url, request.path));
        for extra in &request.headers {
            let (name, value) = extra.header();
            builder = builder.header(name, value);
        }
        if let Some(body) = request.body {
            if let Some(content_type) = body.content_type {
                builder = builder.header("content-type", content_type);
            }
            builder = builder.body(body.bytes);
        }
        let sent = self.transport.send(builder.build()?).await?;
        Ok(Exchange {
            operation_id: request.operation_id,
            via: Via::Raw,
            request: sent.request,
            response: sent.response,
            retries: sent.retries,
        })
    }

    /// The status and body of `GET /store/customers/me` with only the publishable key: a server that accepts the
    /// key answers 401 (no credentials), one that refuses it 400 `not_allowed`.
    pub async fn probe_key(&self, key: &str) -> reqwest::Result<(u16, String)> {
        let request = self
            .transport
            .client()
            .get(format!("{}/store/customers/me", self.base_url))
            .header("x-publishable-api-key", key)
            .build()?;
        let sent = self.transport.send(request).await?;
        Ok((sent.response.status, sent.response.body))
    }

    /// Whether anything answers HTTP at the base URL (any status will do).
    pub async fn reachable(&self) -> Result<(), reqwest::Error> {
        let request = self
            .transport
            .client()
            .get(format!("{}/health", self.base_url))
            .build()?;
        self.transport.send(request).await.map(drop)
    }
}
