//! Hostile input: forged tokens, oversized and malformed requests, slow clients, and secrets in logs. Each gets
//! a clear 4xx (or a closed connection) in Medusa's format, never a 5xx, and the server keeps serving others.

use std::{
    io::Write,
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use integration_tests::{TestServer, on_every_store, session_cookie};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn sign(claims: &Value, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("plain claims sign")
}

fn claims_for(auth_identity_id: &str, actor_id: &str) -> Value {
    json!({
        "actor_id": actor_id, "actor_type": "customer", "auth_identity_id": auth_identity_id,
        "auth_provider": "emailpass", "app_metadata": {}, "iat": now(), "exp": now() + 3600,
    })
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    claims[name] = value;
    claims
}

fn without(mut claims: Value, name: &str) -> Value {
    claims.as_object_mut().expect("claims").remove(name);
    claims
}

/// The claims signed with `alg: none` and an empty signature.
fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    format!("{header}.{}.", URL_SAFE_NO_PAD.encode(claims.to_string()))
}

/// Authorization headers that must all be refused, built from a real identity and customer.
fn forged_authorizations(identity: &str, customer: &str) -> Vec<(&'static str, String)> {
    let valid = claims_for(identity, customer);
    let bearer = |claims: &Value| format!("Bearer {}", sign(claims, "supersecret"));
    let real = sign(&valid, "supersecret");
    vec![
        (
            "other secret",
            format!("Bearer {}", sign(&valid, "not-the-secret")),
        ),
        ("alg none", format!("Bearer {}", unsigned(&valid))),
        (
            "alg none, signature kept",
            format!(
                "Bearer {}{}",
                unsigned(&valid),
                real.rsplit('.').next().unwrap()
            ),
        ),
        (
            "expired",
            bearer(&with(valid.clone(), "exp", json!(now() - 60))),
        ),
        (
            "nbf in the future",
            bearer(&with(valid.clone(), "nbf", json!(now() + 3600))),
        ),
        (
            "wrong actor type",
            bearer(&with(valid.clone(), "actor_type", json!("user"))),
        ),
        ("no exp", bearer(&without(valid.clone(), "exp"))),
        ("no actor_id", bearer(&without(valid.clone(), "actor_id"))),
        (
            "no actor_type",
            bearer(&without(valid.clone(), "actor_type")),
        ),
        (
            "no auth_identity_id",
            bearer(&without(valid.clone(), "auth_identity_id")),
        ),
        (
            "numeric actor_id",
            bearer(&with(valid.clone(), "actor_id", json!(1))),
        ),
        ("garbage", "Bearer garbage.garbage.garbage".into()),
        ("not base64", "Bearer !!!.???.***".into()),
        ("empty bearer", "Bearer ".into()),
        ("wrong scheme", format!("Basic {real}")),
        ("no scheme", real.clone()),
        ("token twice", format!("Bearer {real}{real}")),
    ]
}

on_every_store! {
    async fn forged_expired_and_incomplete_tokens_get_medusas_bare_401_on_both_customer_routes(server: TestServer) {
        let registration = server.registration_token("forged@example.com").await;
        let identity = integration_tests::claims(&registration)["auth_identity_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let customer = server.signed_up_customer("owner@example.com").await;
        let unauthorized = (401, json!({"message": "Unauthorized"}));
        for (name, authorization) in forged_authorizations(&identity, &customer) {
            let create = server
                .http
                .post(server.url("/store/customers"))
                .header("x-publishable-api-key", &server.publishable_key)
                .header("authorization", &authorization)
                .json(&json!({"email": "forged@example.com"}));
            assert_eq!(server.send(create).await, unauthorized, "create: {name}");
            let me = server
                .http
                .get(server.url("/store/customers/me"))
                .header("x-publishable-api-key", &server.publishable_key)
                .header("authorization", &authorization);
            assert_eq!(server.send(me).await, unauthorized, "me: {name}");
        }
        // The genuine registration token still works: nothing above was refused for another reason.
        let (status, _) = server
            .create_customer(&registration, &json!({"email": "forged@example.com"}))
            .await;
        assert_eq!(status, 200);
    }

    async fn nul_characters_that_postgres_cannot_store_get_a_clear_4xx(server: TestServer) {
        let token = server.registration_token("nul@example.com").await;
        let refused = json!({
            "type": "invalid_data",
            "message": "Invalid request: Text fields and metadata cannot contain the NUL character (\\u0000)",
        });
        for body in [
            json!({"email": "nul@example.com", "first_name": "a\u{0}b"}),
            json!({"email": "nul@example.com", "metadata": {"k": "\u{0}"}}),
            json!({"email": "nul@example.com", "metadata": {"\u{0}": [1]}}),
        ] {
            assert_eq!(server.create_customer(&token, &body).await, (400, refused.clone()), "{body}");
        }
        let email_refused = json!({"type": "unauthorized", "message": "Email should not contain the NUL character"});
        assert_eq!(server.register("a\u{0}b@example.com", "pw").await, (401, email_refused.clone()));
        assert_eq!(server.login("a\u{0}b@example.com", "pw").await, (401, email_refused));
        let (status, _) = server
            .create_customer(&token, &json!({"email": "nul@example.com"}))
            .await;
        assert_eq!(status, 200);
    }

    async fn metadata_just_under_100_kb_is_stored_and_read_back_whole(server: TestServer) {
        let token = server.registration_token("huge@example.com").await;
        let mut metadata = serde_json::Map::new();
        for i in 0..880 {
            metadata.insert(format!("key_{i:04}"), json!("v".repeat(100)));
        }
        let body = json!({"email": "huge@example.com", "metadata": metadata});
        assert!(body.to_string().len() > 99_000 && body.to_string().len() <= 102_400);
        let (status, created) = server.create_customer(&token, &body).await;
        assert_eq!(status, 200);
        assert_eq!(created["customer"]["metadata"].as_object().map(|m| m.len()), Some(880));
        let (_, login) = server.login("huge@example.com", "supersecret").await;
        let (status, me) = server
            .send(server.store_get("/store/customers/me", login["token"].as_str().unwrap()))
            .await;
        assert_eq!(status, 200);
        assert_eq!(me["customer"]["metadata"], created["customer"]["metadata"]);
    }

    async fn metadata_nested_as_deep_as_we_can_store_is_read_back_and_deeper_gets_a_clear_400(server: TestServer) {
        let token = server.registration_token("deep@example.com").await;
        let nested = |depth: usize| format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        let post = |metadata: String| {
            server
                .store_post("/store/customers", &token)
                .header("content-type", "application/json")
                .body(format!("{{\"email\":\"deep@example.com\",\"metadata\":{metadata}}}"))
        };
        for depth in [128, 10_000, 16_000] {
            assert_eq!(
                server.send(post(nested(depth))).await,
                (
                    400,
                    json!({"message": "JSON nested more than 127 levels deep is not supported", "type": "invalid_data"})
                ),
                "{depth}"
            );
        }
        let (status, created) = server.send(post(nested(126))).await;
        assert_eq!(status, 200);
        let (_, login) = server.login("deep@example.com", "supersecret").await;
        let (status, me) = server
            .send(server.store_get("/store/customers/me", login["token"].as_str().unwrap()))
            .await;
        assert_eq!((status, &me["customer"]["metadata"]), (200, &created["customer"]["metadata"]));
    }
}

fn body_error(status: u16, message: &str, kind: &str) -> (u16, Value) {
    (status, json!({"message": message, "type": kind}))
}

async fn server_still_serves(server: &TestServer) {
    let (status, body) = server.send(server.http.get(server.url("/health"))).await;
    assert_eq!((status, body), (200, json!("OK")));
    let token = server
        .registration_token(&format!("after-{}@example.com", ulid::Ulid::new()))
        .await;
    assert!(!token.is_empty());
}

#[tokio::test]
async fn malformed_and_oversized_bodies_get_a_4xx_and_the_server_keeps_serving() {
    let server = TestServer::start().await;
    let post = |body: Vec<u8>, content_type: Option<&str>| {
        let request = server
            .http
            .post(server.url("/store/customers"))
            .header("x-publishable-api-key", &server.publishable_key)
            .body(body);
        match content_type {
            Some(value) => request.header("content-type", value),
            None => request,
        }
    };
    let json = Some("application/json");
    // 100 kB of `[` once overflowed the stack and killed the whole server.
    for bytes in [
        "[".repeat(102_400),
        "{\"a\":".repeat(20_000),
        format!("{}{}", "[".repeat(50_000), "]".repeat(50_000)),
    ] {
        let (status, body) = server.send(post(bytes.into_bytes(), json)).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["type"], "invalid_data");
    }
    assert_eq!(
        server.send(post(vec![b'x'; 102_401], json)).await,
        body_error(413, "request entity too large", "unknown_error")
    );
    // Invalid UTF-8 inside a string is read as Node reads it (U+FFFD); the request goes on to the auth check.
    assert_eq!(
        server
            .send(post(b"{\"email\":\"a\xff\xfe@b.co\"}".to_vec(), json))
            .await,
        (401, json!({"message": "Unauthorized"}))
    );
    assert_eq!(
        server.send(post(b"{\xff\"email\":1}".to_vec(), json)).await,
        body_error(
            400,
            "Expected property name or '}' in JSON at position 1",
            "invalid_data"
        )
    );
    assert_eq!(
        server
            .send(post(
                b"{}".to_vec(),
                Some("application/json; charset=latin1")
            ))
            .await,
        body_error(415, "unsupported charset \"LATIN1\"", "unknown_error")
    );
    // Without credentials, a well-formed body of any content type (or none) gets the bare 401.
    for content_type in [
        None,
        Some("application/xml"),
        Some("text/plain"),
        Some("multipart/form-data"),
        Some(";;;"),
    ] {
        let answer = server
            .send(post(b"\x00\x01garbage".to_vec(), content_type))
            .await;
        assert_eq!(
            answer,
            (401, json!({"message": "Unauthorized"})),
            "{content_type:?}"
        );
    }
    server_still_serves(&server).await;
}

/// Sends raw bytes and returns what the server answered before closing (or `None` if it sent nothing).
async fn raw_exchange(server: &TestServer, request: &[u8]) -> Option<String> {
    let address = server.base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address)
        .await
        .expect("the server accepts");
    stream.write_all(request).await.ok()?;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the server closes the connection");
    (!answer.is_empty()).then(|| String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn oversized_headers_get_a_431_and_the_connection_is_closed() {
    let server = TestServer::start().await;
    for size in [17 * 1024, 64 * 1024, 300 * 1024] {
        let request = format!(
            "GET /health HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
            "a".repeat(size)
        );
        let answer = raw_exchange(&server, request.as_bytes()).await;
        let answer = answer.expect("an answer");
        assert!(answer.starts_with("HTTP/1.1 431 "), "{size}: {answer}");
        assert!(
            answer.ends_with(
                r#"{"message":"request header fields too large","type":"unknown_error"}"#
            ),
            "{answer}"
        );
    }
    let many_headers: String = (0..200).map(|i| format!("x-h{i}: v\r\n")).collect();
    let answer = raw_exchange(
        &server,
        format!("GET /health HTTP/1.1\r\nhost: x\r\n{many_headers}\r\n").as_bytes(),
    )
    .await;
    assert!(answer.expect("an answer").starts_with("HTTP/1.1 431 "));
    let (status, _) = server
        .send(
            server
                .http
                .get(server.url("/health"))
                .header("x-fits", "a".repeat(15 * 1024)),
        )
        .await;
    assert_eq!(status, 200);
    server_still_serves(&server).await;
}

#[tokio::test]
async fn a_client_that_stalls_in_the_middle_of_its_body_gets_408_and_is_disconnected() {
    let server = TestServer::start().await;
    let address = server.base_url.trim_start_matches("http://").to_owned();
    let mut slow = TcpStream::connect(&address)
        .await
        .expect("the server accepts");
    let head = format!(
        "POST /store/customers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         x-publishable-api-key: {}\r\ncontent-length: 1000\r\n\r\n{{\"email\":",
        server.publishable_key
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    // While the slow client stalls, others are served.
    server_still_serves(&server).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut answer)).await;
    assert!(
        read.is_ok(),
        "the stalled connection is closed within the idle timeout"
    );
    assert!(started.elapsed() < Duration::from_secs(8));
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(
        answer.ends_with(r#"{"message":"request timeout","type":"unknown_error"}"#),
        "{answer}"
    );
    server_still_serves(&server).await;
}

/// Everything the server logs, at the most verbose level, from every thread of this test binary.
fn captured_logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || LogSink(sink.clone()))
            .try_init()
            .expect("no other test installs a global subscriber");
        logs
    })
}

struct LogSink(Arc<Mutex<Vec<u8>>>);

impl Write for LogSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_password_hash_token_or_session_cookie_reaches_the_logs_or_a_response_body() {
    let logs = captured_logs();
    tracing::info!("the capture works");
    let server = TestServer::start().await;
    let password = format!("pw-{}", ulid::Ulid::new());
    let email = "secret@example.com";
    let mut bodies = Vec::new();
    let mut secrets = vec![password.clone()];

    let (status, registered) = server.register(email, &password).await;
    assert_eq!(status, 200);
    let registration = registered["token"].as_str().unwrap().to_owned();
    let (status, created) = server
        .create_customer(&registration, &json!({"email": email}))
        .await;
    assert_eq!(status, 200);
    let (status, logged_in) = server.login(email, &password).await;
    assert_eq!(status, 200);
    let token = logged_in["token"].as_str().unwrap().to_owned();
    let refreshed = server
        .send(
            server
                .http
                .post(server.url("/auth/token/refresh"))
                .bearer_auth(&token),
        )
        .await;
    assert_eq!(refreshed.0, 200);
    let session = server
        .http
        .post(server.url("/auth/session"))
        .header("x-forwarded-proto", "https")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let cookie = session_cookie(&session).expect("a session cookie");
    bodies.push(session.text().await.unwrap());
    let me = server
        .send(
            server
                .http
                .get(server.url("/store/customers/me"))
                .header("x-publishable-api-key", &server.publishable_key)
                .header("cookie", &cookie),
        )
        .await;
    assert_eq!(me.0, 200);
    let (status, wrong) = server.login(email, "not-the-password").await;
    assert_eq!(status, 401);

    let hash: String = {
        use sqlx::Connection;
        let mut db = sqlx::SqliteConnection::connect(&server.database_url)
            .await
            .unwrap();
        sqlx::query_scalar("SELECT password_hash FROM auth_identity WHERE email = ?1")
            .bind(email)
            .fetch_one(&mut db)
            .await
            .unwrap()
    };
    let session_value = cookie.split_once('=').unwrap().1.to_owned();
    let session_id = percent_decode(&session_value);
    for body in [
        &registered,
        &created,
        &logged_in,
        &refreshed.1,
        &me.1,
        &wrong,
    ] {
        bodies.push(body.to_string());
    }
    for body in &bodies {
        assert!(
            !body.contains(&password),
            "a response carries the password: {body}"
        );
        assert!(!body.contains(&hash), "a response carries the hash: {body}");
        assert!(
            !body.contains(&hash[..40]),
            "a response carries the hash: {body}"
        );
    }
    let signature = |jwt: &str| jwt.rsplit('.').next().unwrap().to_owned();
    secrets.extend([
        hash.clone(),
        hash[..40].to_owned(),
        registration.clone(),
        signature(&registration),
        token.clone(),
        signature(&token),
        signature(refreshed.1["token"].as_str().unwrap()),
        session_value.clone(),
        session_id,
        "not-the-password".into(),
    ]);
    let logs = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(
        logs.contains("the capture works"),
        "the subscriber captures: {logs}"
    );
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a log line carries {secret}:\n{logs}"
        );
    }
}

/// `s:<id>.<signature>` from the cookie's URI-encoded value; returns the id.
fn percent_decode(value: &str) -> String {
    let decoded = value
        .replace("%3A", ":")
        .replace("%2F", "/")
        .replace("%2B", "+")
        .replace("%3D", "=");
    let id = decoded.trim_start_matches("s:");
    id.rsplit_once('.').map_or(id, |(id, _)| id).to_owned()
}

/// The reset token travels only to the webhook: not into the logs, though deliveries that fail are logged, nor
/// into any answer.
#[tokio::test]
async fn no_reset_token_reaches_the_logs_or_a_response_body() {
    let logs = captured_logs();
    let receiver = integration_tests::WebhookReceiver::start().await;
    receiver.answer_with(500);
    let url = receiver.url.clone();
    let server = TestServer::start_with(|config| {
        config.events_webhook_url = Some(url);
        config.events_webhook_secret = Some("webhook-secret-for-tests".into());
    })
    .await;
    server.signed_up_customer("reset-logs@example.com").await;
    let reset = server
        .http
        .post(server.url("/auth/customer/emailpass/reset-password"))
        .json(&json!({"identifier": "reset-logs@example.com"}))
        .send()
        .await
        .unwrap();
    let mut bodies = vec![reset.text().await.unwrap()];
    tokio::time::sleep(Duration::from_millis(1500)).await; // failed deliveries, logged
    receiver.answer_with(200);
    let event = receiver
        .wait_for("auth.password_reset", Duration::from_secs(30))
        .await
        .json();
    let token = event["data"]["token"].as_str().unwrap().to_owned();
    let update = server
        .send(
            server
                .http
                .post(server.url("/auth/customer/emailpass/update"))
                .bearer_auth(&token)
                .json(&json!({"password": "new-secret"})),
        )
        .await;
    assert_eq!(update.0, 200, "{}", update.1);
    bodies.push(update.1.to_string());
    let signature = token.rsplit('.').next().unwrap().to_owned();
    let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(
        logged.contains("event not delivered"),
        "the failed deliveries were logged, so the log was looked at"
    );
    for text in bodies.iter().chain(std::iter::once(&logged)) {
        assert!(!text.contains(&signature), "the reset token leaked: {text}");
    }
}
