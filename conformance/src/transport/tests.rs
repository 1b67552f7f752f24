//! Each guard of the transport against a small scripted HTTP server on port 0.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types};

use super::*;
use crate::api::{Api, RawRequest};
use crate::report::{curl_command, junit_xml, summary};
use crate::{RunConfig, run};

/// The answer to the `n`th request (from 0) whose head is given; `None` leaves the request unanswered.
type Script = fn(usize, &str) -> Option<String>;

struct Fake {
    url: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl Fake {
    /// The request heads received so far (request line and headers, names lowercased by the client).
    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

async fn fake(script: Script) -> Fake {
    serve(script, None).await
}

/// Serves `script` on a free port of 127.0.0.1, over TLS when `tls` is given.
async fn serve(script: Script, tls: Option<TlsAcceptor>) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{}", listener.local_addr().unwrap());
    let heads = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&heads);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let seen = Arc::clone(&seen);
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(socket).await {
                            answer_one(stream, &seen, script).await;
                        }
                    }
                    None => answer_one(socket, &seen, script).await,
                }
            });
        }
    });
    Fake { url, heads }
}

async fn answer_one(
    mut stream: impl AsyncRead + AsyncWrite + Unpin,
    seen: &Mutex<Vec<String>>,
    script: Script,
) {
    let mut received = Vec::new();
    let mut chunk = [0_u8; 4096];
    while !received.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => received.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&received).into_owned();
    let n = {
        let mut seen = seen.lock().unwrap();
        seen.push(head.clone());
        seen.len() - 1
    };
    match script(n, &head) {
        Some(answer) => {
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        None => std::future::pending::<()>().await,
    }
}

/// A whole HTTP/1.1 response; each of `headers` ends with `\r\n`.
fn answer(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n{headers}\r\n{body}",
        body.len()
    )
}

fn unauthorized() -> String {
    answer(
        "401 Unauthorized",
        "content-type: application/json; charset=utf-8\r\n",
        r#"{"message":"Unauthorized"}"#,
    )
}

fn get_me() -> RawRequest<'static> {
    RawRequest {
        operation_id: "get_customer",
        method: reqwest::Method::GET,
        path: "/store/customers/me",
        headers: Vec::new(),
        body: None,
    }
}

fn with_gate() -> TransportConfig {
    TransportConfig {
        headers: vec!["X-Gate-Secret: s3cret-value".parse().unwrap()],
        ..TransportConfig::default()
    }
}

#[tokio::test]
async fn access_headers_go_on_typed_raw_and_probe_requests_and_are_recorded_redacted() {
    let server = fake(|_, _| Some(unauthorized())).await;
    let api = Api::with_transport(&server.url, &with_gate()).unwrap();
    api.reachable().await.unwrap();
    api.probe_key("pk_test").await.unwrap();
    let raw = api.raw(get_me()).await.unwrap();
    let (client, call) = api.typed(&[]);
    let _ = client.refresh_token().await;
    let typed = call
        .take_exchanges()
        .pop()
        .expect("the typed request is recorded");

    let heads = server.heads();
    assert_eq!(heads.len(), 4, "{heads:?}");
    for head in &heads {
        assert!(head.contains("x-gate-secret: s3cret-value\r\n"), "{head}");
    }
    for exchange in [&raw, &typed] {
        let curl = curl_command(&exchange.request);
        assert!(curl.contains("-H 'x-gate-secret: [redacted]'"), "{curl}");
        let shown = format!(
            "{curl} {} {exchange:?}",
            serde_json::to_string(exchange).unwrap()
        );
        assert!(!shown.contains("s3cret"), "{shown}");
    }
    assert!(!format!("{:?}", with_gate()).contains("s3cret"));
}

#[tokio::test]
async fn no_report_of_a_run_shows_an_access_header_value() {
    let server = fake(|_, _| Some(unauthorized())).await;
    let mut config = RunConfig::new(&server.url, "pk_test");
    config.transport = with_gate();
    config.only = vec!["signup.bearer".into()];
    let report = run(config).await.expect("the run goes through");
    assert!(!report.passed(), "401 everywhere is a departure");
    for (format, text) in [
        ("text", summary(&report)),
        ("json", report.to_json()),
        ("junit", junit_xml(&report)),
    ] {
        assert!(!text.contains("s3cret"), "{format}: {text}");
        assert!(
            text.contains("x-gate-secret: [redacted]"),
            "{format}: {text}"
        );
    }
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_and_reported_as_a_retry() {
    let server = fake(|n, _| {
        Some(match n {
            0 => answer("429 Too Many Requests", "retry-after: 1\r\n", ""),
            _ => unauthorized(),
        })
    })
    .await;
    let api = Api::with_transport(&server.url, &TransportConfig::default()).unwrap();
    let started = Instant::now();
    let exchange = api.raw(get_me()).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(exchange.response.status, 401);
    assert_eq!(
        exchange.retries,
        vec![Retry {
            status: 429,
            retry_after: "1".into(),
            waited_ms: 1000
        }]
    );
    assert_eq!(server.heads().len(), 2);
    assert_eq!(api.failure(), None);
}

#[tokio::test]
async fn every_report_lists_a_retry_and_none_counts_it_as_a_departure() {
    // The first request after the two probes is asked to come back at once.
    let server = fake(|n, _| {
        Some(match n {
            2 => answer("429 Too Many Requests", "retry-after: 0\r\n", ""),
            _ => unauthorized(),
        })
    })
    .await;
    let mut config = RunConfig::new(&server.url, "pk_test");
    config.only = vec!["signup.bearer".into()];
    let report = run(config).await.expect("the run goes through");
    let case = report.case("signup.bearer").unwrap();
    assert_eq!(case.retries().count(), 1);
    assert!(
        report
            .failures()
            .iter()
            .all(|located| !located.failure.actual.contains("429")),
        "{}",
        summary(&report)
    );
    let text = summary(&report);
    assert!(
        text.contains("retried step register: 429 with Retry-After: 0, waited 0.0 s"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
    assert_eq!(
        json["cases"][0]["steps"][0]["exchange"]["retries"][0]["status"],
        429
    );
    assert!(junit_xml(&report).contains("<system-out>retried step register: 429"));
}

#[tokio::test]
async fn a_typed_request_answered_503_with_a_past_retry_after_date_is_sent_again() {
    let server = fake(|n, _| {
        Some(match n {
            0 => answer(
                "503 Service Unavailable",
                "retry-after: Wed, 21 Oct 2015 07:28:00 GMT\r\n",
                "",
            ),
            _ => unauthorized(),
        })
    })
    .await;
    let api = Api::with_transport(&server.url, &TransportConfig::default()).unwrap();
    let (client, call) = api.typed(&[]);
    let _ = client.refresh_token().await;
    let exchange = call.take_exchanges().pop().unwrap();
    assert_eq!(exchange.response.status, 401);
    assert_eq!(exchange.retries.len(), 1);
    assert_eq!(exchange.retries[0].status, 503);
    assert_eq!(server.heads().len(), 2);
}

#[tokio::test]
async fn a_503_without_retry_after_is_an_answer() {
    let server = fake(|_, _| Some(answer("503 Service Unavailable", "", ""))).await;
    let api = Api::with_transport(&server.url, &TransportConfig::default()).unwrap();
    let exchange = api.raw(get_me()).await.unwrap();
    assert_eq!(exchange.response.status, 503);
    assert!(exchange.retries.is_empty());
    assert_eq!(server.heads().len(), 1);
    assert_eq!(api.failure(), None);
}

#[tokio::test]
async fn a_wait_beyond_the_allowed_total_is_not_taken_and_stops_the_run() {
    let server =
        fake(|_, _| Some(answer("429 Too Many Requests", "retry-after: 120\r\n", ""))).await;
    let config = TransportConfig {
        max_retry_wait: Duration::from_secs(1),
        ..TransportConfig::default()
    };
    let api = Api::with_transport(&server.url, &config).unwrap();
    let started = Instant::now();
    let exchange = api.raw(get_me()).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(exchange.response.status, 429);
    assert_eq!(server.heads().len(), 1);
    let failure = api.failure().expect("the run cannot go on");
    assert!(failure.contains("--max-retry-wait 1 s"), "{failure}");
}

#[tokio::test]
async fn requests_from_concurrent_callers_keep_the_rate() {
    let server = fake(|_, _| Some(unauthorized())).await;
    let config = TransportConfig {
        rate: Some(10.0),
        ..TransportConfig::default()
    };
    let api = Api::with_transport(&server.url, &config).unwrap();
    let started = Instant::now();
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move { api.raw(get_me()).await.map(drop) })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    // Six requests at 10 per second: the last leaves at least 5 intervals of 100 ms after the first.
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.heads().len(), 6);
}

fn answers_probes_only(_: usize, head: &str) -> Option<String> {
    (head.starts_with("GET /health ") || head.starts_with("GET /store/customers/me "))
        .then(unauthorized)
}

#[tokio::test]
async fn a_request_unanswered_within_the_timeout_is_a_connection_error() {
    let server = fake(answers_probes_only).await;
    let config = TransportConfig {
        timeout: Duration::from_secs(1),
        ..TransportConfig::default()
    };
    let api = Api::with_transport(&server.url, &config).unwrap();
    let mut request = get_me();
    request.path = "/store/customers";
    let started = Instant::now();
    let error = api.raw(request).await.unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(started.elapsed() < Duration::from_secs(10));
    let failure = api.failure().expect("noted");
    assert!(failure.contains("--timeout 1 s"), "{failure}");
}

#[tokio::test]
async fn a_timeout_in_the_middle_of_a_run_stops_it_rather_than_failing_a_case() {
    let server = fake(answers_probes_only).await;
    let mut config = RunConfig::new(&server.url, "pk_test");
    config.transport.timeout = Duration::from_secs(1);
    config.only = vec!["signup.bearer".into()];
    let report = run(config).await.expect("the run starts");
    let stopped = report.stopped.clone().expect("the run stopped");
    assert!(stopped.contains("in case signup.bearer"), "{stopped}");
    assert!(stopped.contains("--timeout 1 s"), "{stopped}");
    assert!(
        report.cases.is_empty(),
        "the interrupted case is no finding: {}",
        summary(&report)
    );
    assert!(!report.passed());
    assert!(report.release.is_none(), "a partial run judges no release");
}

#[test]
fn an_access_header_is_name_colon_value_and_its_errors_never_show_the_value() {
    let header: AccessHeader = "CF-Access-Client-Secret:  abc def ".parse().unwrap();
    assert_eq!(header.name().as_str(), "cf-access-client-secret");
    assert_eq!(format!("{header:?}"), "cf-access-client-secret: [redacted]");
    let refused = [
        ("X-Gate s3cret", AccessHeaderError::NoColon),
        (
            "X Gate: s3cret",
            AccessHeaderError::BadName("X Gate".into()),
        ),
        (
            "X-Gate: s3cret\u{7f}",
            AccessHeaderError::BadValue("x-gate".into()),
        ),
    ];
    for (text, expected) in refused {
        let error = text.parse::<AccessHeader>().unwrap_err();
        assert_eq!(error, expected);
        assert!(!error.to_string().contains("s3cret"), "{error}");
    }
}

#[test]
fn retry_after_is_delta_seconds_or_an_http_date() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470);
    assert_eq!(parse_retry_after("5", now), Some(Duration::from_secs(5)));
    assert_eq!(
        parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
        Some(Duration::from_secs(10))
    );
    assert_eq!(
        parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
        Some(Duration::ZERO)
    );
    assert_eq!(parse_retry_after("soon", now), None);
}

#[test]
fn a_ca_file_must_be_readable_and_hold_pem_certificates() {
    let missing = CaBundle::load(Path::new("/nonexistent/ca.pem")).unwrap_err();
    assert!(
        missing.contains("cannot read /nonexistent/ca.pem"),
        "{missing}"
    );
    let dir = std::env::temp_dir().join(format!("ca-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).unwrap();
    let not_pem = dir.join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let refused = CaBundle::load(&not_pem).unwrap_err();
    assert!(refused.contains("holds no PEM certificate"), "{refused}");
    let bundle = dir.join("bundle.pem");
    std::fs::write(&bundle, format!("{}{}", TEST_CA, TEST_CA)).unwrap();
    assert_eq!(CaBundle::load(&bundle).unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The private CA of the TLS tests, valid 2000–2126 (see `testdata/`).
const TEST_CA: &str = include_str!("testdata/ca.pem");

/// A TLS acceptor for 127.0.0.1 and localhost with a certificate from the test CA.
fn private_tls() -> TlsAcceptor {
    let cert =
        pki_types::CertificateDer::from(include_bytes!("testdata/localhost.cert.der").to_vec());
    let key = pki_types::PrivateKeyDer::Pkcs8(pki_types::PrivatePkcs8KeyDer::from(
        include_bytes!("testdata/localhost.key.der").to_vec(),
    ));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

#[tokio::test]
async fn a_deployment_whose_certificate_chains_to_a_private_ca_is_reached_with_ca_cert_only() {
    let server = serve(|_, _| Some(unauthorized()), Some(private_tls())).await;
    let untrusting = Api::with_transport(&server.url, &TransportConfig::default()).unwrap();
    let refused = untrusting.raw(get_me()).await.unwrap_err();
    assert!(
        describe(&refused).contains("certificate"),
        "{}",
        describe(&refused)
    );

    let dir = std::env::temp_dir().join(format!("ca-{}", ulid::Ulid::new()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, TEST_CA).unwrap();
    let config = TransportConfig {
        ca_certs: Some(CaBundle::load(&ca).unwrap()),
        ..TransportConfig::default()
    };
    std::fs::remove_dir_all(&dir).unwrap();
    let trusting = Api::with_transport(&server.url, &config).unwrap();
    let exchange = trusting.raw(get_me()).await.unwrap();
    assert_eq!(exchange.response.status, 401);
}

/// Run by the proxy tests in a child process, whose environment names the proxy (it is read from the process's
/// environment, which a test must not change under the others).
#[tokio::test]
#[ignore = "run by the proxy tests in a child process"]
async fn child_reaches_the_deployment_named_in_its_environment() {
    let url = std::env::var("CONFORMANCE_TEST_TARGET").expect("a target");
    let exchange = Api::new(&url).unwrap().raw(get_me()).await.unwrap();
    assert_eq!(exchange.response.status, 401);
}

/// Runs the child test with these variables (and no other proxy variable) and tells whether it passed.
async fn child_passes(target: &str, vars: &[(&str, &str)]) -> bool {
    let mut command = tokio::process::Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "transport::tests::child_reaches_the_deployment_named_in_its_environment",
            "--ignored",
            "--quiet",
        ])
        .env("CONFORMANCE_TEST_TARGET", target)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for name in [
        "REQUEST_METHOD",
        "ALL_PROXY",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "NO_PROXY",
    ] {
        command.env_remove(name).env_remove(name.to_lowercase());
    }
    command.envs(vars.iter().copied());
    command.status().await.unwrap().success()
}

#[tokio::test]
async fn requests_go_through_the_proxy_named_by_http_proxy() {
    let proxy = fake(|_, _| Some(unauthorized())).await;
    assert!(child_passes("http://deployment.invalid", &[("HTTP_PROXY", &proxy.url)]).await);
    let heads = proxy.heads();
    assert!(
        heads[0].starts_with("GET http://deployment.invalid/store/customers/me "),
        "{heads:?}"
    );
}

#[tokio::test]
async fn hosts_listed_in_no_proxy_are_reached_directly() {
    let deployment = fake(|_, _| Some(unauthorized())).await;
    let nothing = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_proxy = format!("http://{}", nothing.local_addr().unwrap());
    drop(nothing);
    let vars = [
        ("HTTP_PROXY", dead_proxy.as_str()),
        ("NO_PROXY", "127.0.0.1"),
    ];
    assert!(child_passes(&deployment.url, &vars).await);
    assert!(
        !child_passes(&deployment.url, &vars[..1]).await,
        "without NO_PROXY the dead proxy is used"
    );
}
