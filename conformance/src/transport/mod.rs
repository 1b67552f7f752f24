//! How every request of a run reaches the deployment. Production deployments sit behind gateways that want their
//! own headers (never printed), chain to private roots, limit request rates and answer `429`/`503` with
//! `Retry-After`; one [`Transport`] serves every request of a run, typed, raw and probes alike, so each of these
//! is handled once: the access headers are added and redacted here, the pace is kept here, the waits happen here.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderName, HeaderValue, RETRY_AFTER};
use serde::Serialize;
use tokio::time::Instant;

use crate::exchange::{RecordedRequest, RecordedResponse};

/// What recorded requests, curl lines and reports show instead of an access header's value.
pub const REDACTED: &str = "[redacted]";

/// A header sent on every request, e.g. the client credentials a gateway in front of the deployment wants. Its
/// value is never shown: `Debug` and every record print `Name: [redacted]`.
#[derive(Clone)]
pub struct AccessHeader {
    name: HeaderName,
    value: HeaderValue,
}

impl AccessHeader {
    pub fn name(&self) -> &HeaderName {
        &self.name
    }
}

impl fmt::Debug for AccessHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {REDACTED}", self.name)
    }
}

/// Why a `--header` is unusable. The messages never quote the value.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccessHeaderError {
    #[error("a --header is not `Name: value` (no colon)")]
    NoColon,
    #[error("--header {0:?}: not a valid header name")]
    BadName(String),
    #[error("--header {0}: the value holds characters a header cannot carry (a line break?)")]
    BadValue(String),
}

impl FromStr for AccessHeader {
    type Err = AccessHeaderError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (name, value) = text.split_once(':').ok_or(AccessHeaderError::NoColon)?;
        let name = name.trim();
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| AccessHeaderError::BadName(name.to_owned()))?;
        let mut value = HeaderValue::from_str(value.trim())
            .map_err(|_| AccessHeaderError::BadValue(name.to_string()))?;
        value.set_sensitive(true);
        Ok(AccessHeader { name, value })
    }
}

/// Extra roots to trust, read from a PEM file (one certificate or several).
#[derive(Clone)]
pub struct CaBundle {
    path: PathBuf,
    certs: Vec<reqwest::Certificate>,
}

impl fmt::Debug for CaBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} certificate(s))",
            self.path.display(),
            self.certs.len()
        )
    }
}

impl CaBundle {
    /// Reads and checks `path`: it must hold at least one PEM certificate the TLS stack accepts as a root.
    pub fn load(path: &Path) -> Result<Self, String> {
        let shown = path.display();
        let pem = std::fs::read(path)
            .map_err(|error| format!("--ca-cert: cannot read {shown}: {error}"))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|error| format!("--ca-cert: {shown}: {}", describe(&error)))?;
        if certs.is_empty() {
            return Err(format!(
                "--ca-cert: {shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
            ));
        }
        reqwest::Client::builder()
            .tls_certs_merge(certs.clone())
            .build()
            .map_err(|error| {
                format!(
                    "--ca-cert: {shown}: unusable as a root: {}",
                    describe(&error)
                )
            })?;
        Ok(CaBundle {
            path: path.to_owned(),
            certs,
        })
    }

    pub fn len(&self) -> usize {
        self.certs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }
}

/// How requests reach the deployment.
#[derive(Clone, Debug)]
pub struct TransportConfig {
    /// Sent on every request, values redacted everywhere they would be shown. A request that already carries a
    /// header of that name (a case's own `Authorization`, say) keeps its own.
    pub headers: Vec<AccessHeader>,
    /// Roots trusted besides the system's.
    pub ca_certs: Option<CaBundle>,
    /// At most this many requests per second over the whole run.
    pub rate: Option<f64>,
    /// The longest a single request may spend waiting out `Retry-After`s, in total.
    pub max_retry_wait: Duration,
    /// How long a request may take, from sending to the end of the response.
    pub timeout: Duration,
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig {
            headers: Vec::new(),
            ca_certs: None,
            rate: None,
            max_retry_wait: Duration::from_secs(60),
            timeout: Duration::from_secs(30),
        }
    }
}

/// A `429` or `503` with `Retry-After` that was waited out before sending the request again: not an answer the
/// suite judges.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Retry {
    pub status: u16,
    pub retry_after: String,
    pub waited_ms: u64,
}

/// A request as it was sent (access headers redacted), its final response, and the retries before it.
pub struct Sent {
    pub request: RecordedRequest,
    pub response: RecordedResponse,
    /// The response again, for the generated client to decode.
    pub rebuilt: http::Response<Vec<u8>>,
    pub retries: Vec<Retry>,
}

/// The run's HTTP client with its headers, pace and patience. Clones share the pace and the failure note.
#[derive(Clone)]
pub struct Transport {
    http: reqwest::Client,
    headers: Arc<[AccessHeader]>,
    pace: Option<Arc<Pace>>,
    max_retry_wait: Duration,
    timeout: Duration,
    failure: Arc<Mutex<Option<String>>>,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub fn new(config: &TransportConfig) -> reqwest::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none());
        if let Some(bundle) = &config.ca_certs {
            builder = builder.tls_certs_merge(bundle.certs.iter().cloned());
        }
        Ok(Transport {
            http: builder.build()?,
            headers: config.headers.clone().into(),
            pace: config
                .rate
                .filter(|rate| rate.is_finite() && *rate > 0.0)
                .map(|rate| Arc::new(Pace::new(Duration::from_secs_f64(1.0 / rate)))),
            max_retry_wait: config.max_retry_wait,
            timeout: config.timeout,
            failure: Arc::default(),
        })
    }

    /// The underlying client, for building requests (send them with [`Transport::send`]).
    pub fn client(&self) -> &reqwest::Client {
        &self.http
    }

    /// Why the deployment could not be talked to, if a request of this transport failed so: no answer, no
    /// answer in time, or `Retry-After` waits beyond the allowed total. The first such failure only.
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().expect("failure note poisoned").clone()
    }

    /// Sends `request` with the access headers, at the run's pace, waiting out `Retry-After`s, and records it.
    pub async fn send(&self, mut request: reqwest::Request) -> reqwest::Result<Sent> {
        for header in self.headers.iter() {
            if !request.headers().contains_key(&header.name) {
                request
                    .headers_mut()
                    .insert(header.name.clone(), header.value.clone());
            }
        }
        let redacted: Vec<&HeaderName> = self.headers.iter().map(AccessHeader::name).collect();
        let recorded = RecordedRequest::capture(&request, &redacted);
        let target = format!("{} {}", request.method(), request.url());
        let mut retries = Vec::new();
        let mut waited = Duration::ZERO;
        loop {
            let (attempt, replay) = match request.try_clone() {
                Some(copy) => (copy, Some(request)),
                None => (request, None),
            };
            if let Some(pace) = &self.pace {
                pace.wait().await;
            }
            let response = self
                .http
                .execute(attempt)
                .await
                .inspect_err(|error| self.note_failure(&target, error))?;
            if let (Some(replay), Some((delay, header))) = (replay, retry_after(&response)) {
                let status = response.status().as_u16();
                if waited + delay <= self.max_retry_wait {
                    retries.push(Retry {
                        status,
                        retry_after: header,
                        waited_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    });
                    drop(response);
                    tokio::time::sleep(delay).await;
                    waited += delay;
                    request = replay;
                    continue;
                }
                self.note(format!(
                    "{target} answered {status} with Retry-After: {header} after {} s of waiting; that is beyond \
                     --max-retry-wait {} s",
                    waited.as_secs(),
                    self.max_retry_wait.as_secs()
                ));
            }
            let (response, rebuilt) = RecordedResponse::capture(response)
                .await
                .inspect_err(|error| self.note_failure(&target, error))?;
            return Ok(Sent {
                request: recorded,
                response,
                rebuilt,
                retries,
            });
        }
    }

    fn note_failure(&self, target: &str, error: &reqwest::Error) {
        if error.is_timeout() {
            self.note(format!(
                "{target}: no complete answer within --timeout {} s ({})",
                self.timeout.as_secs_f64(),
                describe(error)
            ));
        } else {
            self.note(format!("{target}: {}", describe(error)));
        }
    }

    fn note(&self, message: String) {
        self.failure
            .lock()
            .expect("failure note poisoned")
            .get_or_insert(message);
    }
}

/// Spaces requests at least `interval` apart, whichever task sends them.
struct Pace {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Pace {
    fn new(interval: Duration) -> Self {
        Pace {
            interval,
            next: Mutex::new(None),
        }
    }

    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().expect("pace poisoned");
            let now = Instant::now();
            let slot = next.map_or(now, |next| next.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// How long a `429` or `503` asks to wait, with the header as sent; `None` for other answers and for a `503`
/// without a usable `Retry-After` (that is an answer).
fn retry_after(response: &reqwest::Response) -> Option<(Duration, String)> {
    if !matches!(response.status().as_u16(), 429 | 503) {
        return None;
    }
    let header = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    Some((
        parse_retry_after(header, SystemTime::now())?,
        header.to_owned(),
    ))
}

/// `Retry-After` as delta-seconds or an HTTP-date (a date already past means no wait).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// reqwest's error with its causes, e.g. "error sending request: … Connection refused".
pub fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests;
