//! The closed loop: `concurrency` workers, each with its own connection, send the next request as soon as the
//! previous one answered, until the deadline or the request budget is reached (whichever comes first). A unit
//! answered 200 is done; a registration (of the flood, or of register + create past the hashing bound) answered
//! 503 with `Retry-After` is refused (counted apart, with its own latencies); any other answer is an error, which
//! stops its worker and fails the run.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use bytes::Bytes;
use hyper::{HeaderMap, Method, StatusCode, header::RETRY_AFTER};

use crate::http::Client;

/// Bounds of one measurement.
#[derive(Clone, Copy)]
pub struct Limits {
    pub duration: Duration,
    pub max_requests: usize,
    pub request_timeout: Duration,
    /// Open loop: each worker sends at most one request per this interval (a slow answer skips the missed
    /// sends, it never bursts). `None`: the next request goes as soon as the previous one answered.
    pub pace: Option<Duration>,
}

/// What one unit of work is. Each unit counts once in the statistics.
pub enum Work {
    /// `POST /store/customers` with a registration token prepared beforehand (one per unit).
    Create {
        key: String,
        tokens: Vec<(String, String)>,
    },
    /// `POST /auth/customer/emailpass/register` then `POST /store/customers` with the token it returned.
    RegisterCreate { key: String, run: String },
    /// `GET /store/customers/me` with a customer's token.
    Me { key: String, token: String },
    /// `POST /store/customers/me` (first name and one metadata key, new values each time), each worker with the
    /// token of its own customer (`tokens[worker]`), so that no two workers update one row.
    ProfileUpdate { key: String, tokens: Vec<String> },
    /// `POST /store/customers/me/addresses`: each worker adds `per_customer` addresses to a customer no other
    /// worker uses, then takes the next unused one (`next`), so that every answer lists 1 to `per_customer`
    /// addresses (checked), whatever the rate.
    AddressCreate {
        key: String,
        tokens: Vec<String>,
        per_customer: usize,
        next: AtomicUsize,
    },
    /// `GET /` of the constant handler.
    Constant,
    /// `GET /health` of our server: the cheapest request it answers, for a flood that hashes nothing.
    Health,
    /// `POST /auth/customer/emailpass/register` alone, with a fresh email each time: a flood past the hashing
    /// bound, where 503 with `Retry-After` is an expected answer.
    Register { run: String },
}

/// What a worker keeps from one unit to the next.
struct Worker {
    index: usize,
    /// The prepared customer this worker adds addresses to, and how many it added.
    customer: Option<usize>,
    addresses: usize,
}

/// How a unit of work ended, short of an error.
enum Outcome {
    /// Answered 200.
    Done,
    /// Refused by admission control: 503 with a `Retry-After` header.
    Refused,
}

#[derive(Default)]
pub struct Stats {
    /// Units answered 200.
    pub units: usize,
    pub errors: usize,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    latencies_us: Vec<u64>,
    refused_us: Vec<u64>,
}

impl Stats {
    /// Units done (answered 200) per second.
    pub fn per_second(&self) -> f64 {
        self.units as f64 / self.elapsed.as_secs_f64()
    }

    /// Every answer (done or refused) per second.
    pub fn answers_per_second(&self) -> f64 {
        (self.units + self.refused()) as f64 / self.elapsed.as_secs_f64()
    }

    /// The `p`-th percentile latency of the units done, in milliseconds (nearest rank).
    pub fn percentile_ms(&self, p: f64) -> f64 {
        percentile_ms(&self.latencies_us, p)
    }

    /// Units refused with 503 and `Retry-After`.
    pub fn refused(&self) -> usize {
        self.refused_us.len()
    }

    /// The `p`-th percentile latency of the refusals, in milliseconds (nearest rank).
    pub fn refused_percentile_ms(&self, p: f64) -> f64 {
        percentile_ms(&self.refused_us, p)
    }
}

fn percentile_ms(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted_us.len() as f64).ceil() as usize;
    sorted_us[rank.clamp(1, sorted_us.len()) - 1] as f64 / 1000.0
}

pub async fn run(addr: SocketAddr, work: Arc<Work>, concurrency: usize, limits: Limits) -> Stats {
    let tickets = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + limits.duration;
    let workers: Vec<_> = (0..concurrency)
        .map(|index| {
            let (work, tickets) = (work.clone(), tickets.clone());
            tokio::spawn(async move {
                let mut client = Client::new(addr);
                let mut worker = Worker {
                    index,
                    customer: None,
                    addresses: 0,
                };
                let mut stats = Stats::default();
                let mut pace = limits.pace.map(|interval| {
                    let mut pace = tokio::time::interval(interval);
                    pace.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
                    pace
                });
                while Instant::now() < deadline {
                    if let Some(pace) = pace.as_mut() {
                        pace.tick().await;
                    }
                    let n = tickets.fetch_add(1, Ordering::Relaxed);
                    if n >= limits.max_requests {
                        break;
                    }
                    let began = Instant::now();
                    match one(&work, &mut client, &mut worker, n, limits.request_timeout).await {
                        Ok(Outcome::Done) => {
                            stats.units += 1;
                            stats.latencies_us.push(began.elapsed().as_micros() as u64);
                        }
                        Ok(Outcome::Refused) => {
                            stats.refused_us.push(began.elapsed().as_micros() as u64);
                        }
                        Err(error) => {
                            stats.errors += 1;
                            stats.first_error.get_or_insert(error);
                            break;
                        }
                    }
                }
                stats
            })
        })
        .collect();
    let mut total = Stats::default();
    for worker in workers {
        let stats = worker.await.unwrap_or_else(|error| Stats {
            errors: 1,
            first_error: Some(error.to_string()),
            ..Stats::default()
        });
        total.units += stats.units;
        total.errors += stats.errors;
        total.latencies_us.extend(stats.latencies_us);
        total.refused_us.extend(stats.refused_us);
        if total.first_error.is_none() {
            total.first_error = stats.first_error;
        }
    }
    total.elapsed = start.elapsed();
    total.latencies_us.sort_unstable();
    total.refused_us.sort_unstable();
    total
}

async fn one(
    work: &Work,
    client: &mut Client,
    worker: &mut Worker,
    n: usize,
    timeout: Duration,
) -> Result<Outcome, String> {
    match work {
        Work::Create { key, tokens } => {
            let (token, email) = tokens.get(n).ok_or("no prepared token left")?;
            create(client, key, token, email, timeout).await?;
        }
        Work::RegisterCreate { key, run } => {
            let email = format!("bench-rc-{run}-{n}@example.com");
            let Some(answer) = register(client, &email, "register", timeout).await? else {
                return Ok(Outcome::Refused);
            };
            let answer: serde_json::Value =
                serde_json::from_slice(&answer).map_err(|e| e.to_string())?;
            let token = answer["token"]
                .as_str()
                .ok_or("register answered no token")?;
            create(client, key, token, &email, timeout).await?;
        }
        Work::Me { key, token } => {
            let bearer = format!("Bearer {token}");
            let headers = [
                ("x-publishable-api-key", key.as_str()),
                ("authorization", bearer.as_str()),
            ];
            let (status, answer) = client
                .send(Method::GET, "/store/customers/me", &headers, None, timeout)
                .await
                .map_err(|e| e.to_string())?;
            expect(status, &answer, "me")?;
        }
        Work::ProfileUpdate { key, tokens } => {
            let token = tokens
                .get(worker.index)
                .ok_or("no prepared customer left")?;
            let body =
                serde_json::json!({ "first_name": format!("Ada {n}"), "metadata": { "k": n } });
            let (status, answer) =
                account(client, key, token, "/store/customers/me", body, timeout).await?;
            expect(status, &answer, "profile update")?;
        }
        Work::AddressCreate {
            key,
            tokens,
            per_customer,
            next,
        } => {
            if worker.customer.is_none() || worker.addresses >= *per_customer {
                worker.customer = Some(next.fetch_add(1, Ordering::Relaxed));
                worker.addresses = 0;
            }
            let token = worker
                .customer
                .and_then(|customer| tokens.get(customer))
                .ok_or("no prepared customer left")?;
            let body = serde_json::json!({
                "first_name": "Ada",
                "last_name": "Lovelace",
                "address_1": format!("{n} Analytical Row"),
                "city": "London",
                "country_code": "gb",
                "postal_code": "N1 9GU",
                "phone": "+44 20 7946 0000",
            });
            let path = "/store/customers/me/addresses";
            let (status, answer) = account(client, key, token, path, body, timeout).await?;
            expect(status, &answer, "address create")?;
            worker.addresses += 1;
            let listed = serde_json::from_slice::<CustomerAnswer>(&answer)
                .map_err(|e| format!("address create: {e}"))?
                .customer
                .addresses
                .len();
            if listed != worker.addresses {
                return Err(format!(
                    "address create: the answer lists {listed} addresses, {} were added",
                    worker.addresses
                ));
            }
        }
        Work::Constant => {
            let (status, answer) = client
                .send(Method::GET, "/", &[], None, timeout)
                .await
                .map_err(|e| e.to_string())?;
            expect(status, &answer, "constant")?;
        }
        Work::Health => {
            let (status, answer) = client
                .send(Method::GET, "/health", &[], None, timeout)
                .await
                .map_err(|e| e.to_string())?;
            expect(status, &answer, "health")?;
        }
        Work::Register { run } => {
            let email = format!("bench-flood-{run}-{n}@example.com");
            if register(client, &email, "register (flood)", timeout)
                .await?
                .is_none()
            {
                return Ok(Outcome::Refused);
            }
        }
    }
    Ok(Outcome::Done)
}

async fn create(
    client: &mut Client,
    key: &str,
    token: &str,
    email: &str,
    timeout: Duration,
) -> Result<(), String> {
    let bearer = format!("Bearer {token}");
    let headers = [
        ("x-publishable-api-key", key),
        ("authorization", bearer.as_str()),
    ];
    let body = serde_json::json!({ "email": email, "first_name": "Ada", "last_name": "Lovelace" });
    let (status, answer) = client
        .send(
            Method::POST,
            "/store/customers",
            &headers,
            Some(Bytes::from(body.to_string())),
            timeout,
        )
        .await
        .map_err(|e| e.to_string())?;
    expect(status, &answer, "create")
}

/// `POST` of a JSON body to one of the logged-in customer's routes.
async fn account(
    client: &mut Client,
    key: &str,
    token: &str,
    path: &str,
    body: serde_json::Value,
    timeout: Duration,
) -> Result<(StatusCode, Bytes), String> {
    let bearer = format!("Bearer {token}");
    let headers = [
        ("x-publishable-api-key", key),
        ("authorization", bearer.as_str()),
    ];
    client
        .send(
            Method::POST,
            path,
            &headers,
            Some(Bytes::from(body.to_string())),
            timeout,
        )
        .await
        .map_err(|e| e.to_string())
}

/// Only what an address create's answer is checked for: the customer's addresses, counted.
#[derive(serde::Deserialize)]
struct CustomerAnswer {
    customer: AddressesOnly,
}

#[derive(serde::Deserialize)]
struct AddressesOnly {
    addresses: Vec<serde::de::IgnoredAny>,
}

/// Admission control refused a registration: 503 with `Retry-After` in whole seconds (ERRATA D9).
fn refused(status: StatusCode, headers: &HeaderMap) -> bool {
    status == StatusCode::SERVICE_UNAVAILABLE
        && headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
            .is_some()
}

fn expect(status: StatusCode, body: &[u8], what: &str) -> Result<(), String> {
    if status == StatusCode::OK {
        return Ok(());
    }
    let body = String::from_utf8_lossy(&body[..body.len().min(300)]);
    Err(format!("{what}: {status} {body}"))
}

/// `POST /auth/customer/emailpass/register`: the answer's body, or `None` when hashing was saturated (a 503 with
/// `Retry-After`).
async fn register(
    client: &mut Client,
    email: &str,
    what: &str,
    timeout: Duration,
) -> Result<Option<Bytes>, String> {
    let body = serde_json::json!({ "email": email, "password": "benchmark-password" });
    let (status, headers, answer) = client
        .send_with_headers(
            Method::POST,
            "/auth/customer/emailpass/register",
            &[],
            Some(Bytes::from(body.to_string())),
            timeout,
        )
        .await
        .map_err(|e| e.to_string())?;
    if refused(status, &headers) {
        return Ok(None);
    }
    expect(status, &answer, what)?;
    Ok(Some(answer))
}
