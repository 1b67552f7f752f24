//! Helpers for the integration tests: a server on port 0 over a fresh database, a small HTTP client for it, and
//! deliberately wrong backends.

pub mod proxy;

use std::sync::Arc;

use medusa_store_server::{App, Application, Config};
use serde_json::{Value, json};

/// A running server with its own database, stopped when dropped.
pub struct TestServer {
    pub base_url: String,
    pub database_url: String,
    pub publishable_key: String,
    pub app: Arc<App>,
    pub http: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
    _database: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A server on a fresh SQLite file.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A server on a fresh PostgreSQL database, created in the cluster of `TEST_DATABASE_URL` (a role that may
    /// create databases) or, without it, in a throwaway cluster this test process starts with
    /// `scripts/postgres/start.sh` (and stops when it ends). Where the PostgreSQL binaries are missing, the build
    /// marks the PostgreSQL tests ignored instead (`tests/build.rs`), so they never pass without running.
    pub async fn start_postgres() -> Self {
        Self::start_postgres_with(|_| {}).await
    }

    /// A server on a fresh PostgreSQL database (see [`start_postgres`](Self::start_postgres)), with settings of its
    /// own.
    pub async fn start_postgres_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let url = fresh_postgres_database(&postgres_admin_url().await).await;
        let mut config = Config::for_tests(&url);
        adjust(&mut config);
        Self::start_configured(config, None).await
    }

    /// A server on the given database, e.g. PostgreSQL.
    pub async fn start_on(database_url: &str, database: Option<tempfile::TempDir>) -> Self {
        Self::start_configured(Config::for_tests(database_url), database).await
    }

    /// A server on a fresh SQLite file, with settings of its own.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let url = format!(
            "sqlite://{}",
            directory.path().join("medusa-store.db").display()
        );
        let mut config = Config::for_tests(&url);
        adjust(&mut config);
        Self::start_configured(config, Some(directory)).await
    }

    async fn start_configured(config: Config, database: Option<tempfile::TempDir>) -> Self {
        let database_url = config.database_url.clone();
        let application = Application::build(config).await.expect("the server starts");
        let base_url = format!("http://{}", application.address());
        let app = application.app().clone();
        let publishable_key = app
            .create_publishable_key("tests")
            .await
            .expect("a key")
            .token;
        let task = tokio::spawn(async move {
            application
                .run_until_stopped()
                .await
                .expect("the server runs");
        });
        Self {
            base_url,
            database_url,
            publishable_key,
            app,
            http: reqwest::Client::new(),
            task,
            _database: database,
        }
    }

    /// The `host:port` the server listens on.
    pub fn address(&self) -> &str {
        self.base_url.trim_start_matches("http://")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Sends a request and returns the status and the body (as JSON when it is JSON, else as a string).
    pub async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn register(&self, email: &str, password: &str) -> (u16, Value) {
        let request = self
            .http
            .post(self.url("/auth/customer/emailpass/register"))
            .json(&json!({ "email": email, "password": password }));
        self.send(request).await
    }

    pub async fn login(&self, email: &str, password: &str) -> (u16, Value) {
        let request = self
            .http
            .post(self.url("/auth/customer/emailpass"))
            .json(&json!({ "email": email, "password": password }));
        self.send(request).await
    }

    /// Registers an identity and returns its registration token.
    pub async fn registration_token(&self, email: &str) -> String {
        let (status, body) = self.register(email, "supersecret").await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().expect("a token").to_owned()
    }

    /// `POST /store/customers` with this server's publishable key and a bearer token.
    pub async fn create_customer(&self, token: &str, body: &Value) -> (u16, Value) {
        self.send(self.store_post("/store/customers", token).json(body))
            .await
    }

    pub fn store_post(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http
            .post(self.url(path))
            .header("x-publishable-api-key", &self.publishable_key)
            .bearer_auth(token)
    }

    pub fn store_get(&self, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.http
            .get(self.url(path))
            .header("x-publishable-api-key", &self.publishable_key)
            .bearer_auth(token)
    }

    /// Registers and creates a customer; returns the customer's id.
    pub async fn signed_up_customer(&self, email: &str) -> String {
        let token = self.registration_token(email).await;
        let (status, body) = self
            .create_customer(&token, &json!({ "email": email }))
            .await;
        assert_eq!(status, 200, "{body}");
        body["customer"]["id"].as_str().expect("an id").to_owned()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Creates an empty database next to the one `admin_url` names and returns its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> String {
    use sqlx::Connection;
    let name = format!("test_{}", ulid::Ulid::new().to_string().to_lowercase());
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("TEST_DATABASE_URL is reachable");
    sqlx::Executor::execute(
        &mut admin,
        sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")),
    )
    .await
    .expect("the test role may create databases");
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("a database URL ends with /<database>");
    format!("{base}/{name}")
}

/// Defines each test twice, `on_sqlite` and `on_postgres`, over a fresh server of each store.
#[macro_export]
macro_rules! on_every_store {
    ($($(#[$meta:meta])* async fn $name:ident($arg:ident: $kind:ident) $body:block)*) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn scenario($arg: $crate::$kind) $body

                #[tokio::test]
                async fn on_sqlite() {
                    scenario($crate::on_every_store!(@start $kind, $crate::Backend::Sqlite)).await
                }

                #[tokio::test]
                #[cfg_attr(
                    no_postgres,
                    ignore = "PostgreSQL binaries (pg_ctl, initdb) not found and TEST_DATABASE_URL unset"
                )]
                async fn on_postgres() {
                    scenario($crate::on_every_store!(@start $kind, $crate::Backend::Postgres)).await
                }
            }
        )*
    };
    (@start TestServer, $backend:expr) => { $backend.start().await };
    (@start Backend, $backend:expr) => { $backend };
}

/// Where a test's server keeps its data; tests that configure their server take one (`on_every_store!`).
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub async fn start(self) -> TestServer {
        self.start_with(|_| {}).await
    }

    pub async fn start_with(self, adjust: impl FnOnce(&mut Config)) -> TestServer {
        match self {
            Backend::Sqlite => TestServer::start_with(adjust).await,
            Backend::Postgres => TestServer::start_postgres_with(adjust).await,
        }
    }
}

/// The cluster the PostgreSQL tests create their databases in: `TEST_DATABASE_URL`, or one started for this process.
pub async fn postgres_admin_url() -> String {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    tokio::task::spawn_blocking(|| {
        URL.get_or_init(|| match std::env::var("TEST_DATABASE_URL") {
            Ok(url) => url,
            Err(_) => start_throwaway_cluster(),
        })
        .clone()
    })
    .await
    .expect("the cluster starts, or the test fails")
}

/// Starts a cluster with the project's script, and a watcher that stops and removes it once this process is gone.
fn start_throwaway_cluster() -> String {
    let scripts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/postgres");
    let state = std::env::temp_dir().join(format!("medusa-store-tests-pg-{}", std::process::id()));
    let output = std::process::Command::new(scripts.join("start.sh"))
        .arg(&state)
        .output()
        .expect("scripts/postgres/start.sh runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let url = stdout
        .lines()
        .find_map(|line| line.strip_prefix("DATABASE_URL="));
    let Some(url) = url.filter(|_| output.status.success()) else {
        panic!(
            "TEST_DATABASE_URL is unset and a throwaway PostgreSQL did not start:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let watcher = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; exec \"$0\" \"$1\" --purge",
        pid = std::process::id()
    );
    // `setsid --fork` returns at once, leaving the watcher in a session of its own.
    let watching = std::process::Command::new("setsid")
        .args(["--fork", "bash", "-c", &watcher])
        .arg(scripts.join("stop.sh"))
        .arg(&state)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("the watcher starts");
    assert!(watching.success(), "the watcher starts");
    url.to_owned()
}

/// A direct connection to a server's database, for checking what the API cannot show.
pub enum Database {
    Postgres(sqlx::PgConnection),
    Sqlite(sqlx::SqliteConnection),
}

impl Database {
    pub async fn connect(database_url: &str) -> Self {
        use sqlx::Connection;
        if database_url.starts_with("postgres") {
            Self::Postgres(
                sqlx::PgConnection::connect(database_url)
                    .await
                    .expect("the database is reachable"),
            )
        } else {
            Self::Sqlite(
                sqlx::SqliteConnection::connect(database_url)
                    .await
                    .expect("the database is reachable"),
            )
        }
    }

    pub async fn count(&mut self, sql: &'static str) -> i64 {
        use sqlx::Row;
        match self {
            Self::Postgres(c) => sqlx::query(sql)
                .fetch_one(c)
                .await
                .expect("the query runs")
                .get(0),
            Self::Sqlite(c) => sqlx::query(sql)
                .fetch_one(c)
                .await
                .expect("the query runs")
                .get(0),
        }
    }

    /// The id of the customer that the identity of `email` links to, if that customer exists.
    pub async fn linked_customer(&mut self, email: &str) -> Option<String> {
        use sqlx::Row;
        const POSTGRES: &str = "SELECT c.id FROM auth_identity i JOIN customer c ON c.id = i.customer_id \
            WHERE i.email = $1 AND c.email = $1 AND c.has_account";
        const SQLITE: &str = "SELECT c.id FROM auth_identity i JOIN customer c ON c.id = i.customer_id \
            WHERE i.email = ?1 AND c.email = ?1 AND c.has_account";
        match self {
            Self::Postgres(c) => {
                let row = sqlx::query(POSTGRES)
                    .bind(email.to_owned())
                    .fetch_optional(c)
                    .await;
                row.expect("the query runs").map(|row| row.get(0))
            }
            Self::Sqlite(c) => {
                let row = sqlx::query(SQLITE)
                    .bind(email.to_owned())
                    .fetch_optional(c)
                    .await;
                row.expect("the query runs").map(|row| row.get(0))
            }
        }
    }

    /// What a sign-up race may leave wrong: emails with more than one account, customers with an account that no
    /// identity links to, and identities linked to a customer that does not exist.
    pub async fn integrity_violations(&mut self) -> (i64, i64, i64) {
        (
            self.count("SELECT COUNT(*) FROM (SELECT email FROM customer WHERE has_account GROUP BY email HAVING COUNT(*) > 1) d").await,
            self.count("SELECT COUNT(*) FROM customer c WHERE c.has_account AND NOT EXISTS (SELECT 1 FROM auth_identity i WHERE i.customer_id = c.id)").await,
            self.count("SELECT COUNT(*) FROM auth_identity i WHERE i.customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customer c WHERE c.id = i.customer_id)").await,
        )
    }
}

/// See [`Database::integrity_violations`].
pub async fn integrity_violations(database_url: &str) -> (i64, i64, i64) {
    Database::connect(database_url)
        .await
        .integrity_violations()
        .await
}

/// The `connect.sid=…` pair of a response's `Set-Cookie`, ready to send back in a `Cookie` header.
pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    let header = response.headers().get("set-cookie")?.to_str().ok()?;
    Some(header.split(';').next()?.to_owned())
}

/// The keys of a JSON object, in order.
pub fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// The claims of a JWT, unverified, in order.
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has three parts");
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// A webhook receiver on a loopback port: records every delivery, and answers with the status it is told to.
pub struct WebhookReceiver {
    pub url: String,
    deliveries: Arc<std::sync::Mutex<Vec<Delivery>>>,
    status: Arc<std::sync::atomic::AtomicU16>,
    task: tokio::task::JoinHandle<()>,
}

/// One POST the receiver got.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub headers: std::collections::HashMap<String, String>,
    pub body: String,
}

impl Delivery {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON delivery")
    }
}

impl WebhookReceiver {
    /// A receiver on a free port.
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1:0").await
    }

    /// A receiver on this address (to come back on the port of one that was down).
    pub async fn start_on(address: &str) -> Self {
        use poem::{EndpointExt, IntoResponse, listener::Acceptor, listener::Listener};
        let acceptor = poem::listener::TcpListener::bind(address.to_owned())
            .into_acceptor()
            .await
            .expect("the receiver binds");
        let bound = acceptor.local_addr()[0]
            .as_socket_addr()
            .copied()
            .expect("a TCP address");
        let deliveries = Arc::new(std::sync::Mutex::new(Vec::new()));
        let status = Arc::new(std::sync::atomic::AtomicU16::new(200));
        let (recorded, answer) = (deliveries.clone(), status.clone());
        let endpoint = poem::endpoint::make(move |request: poem::Request| {
            let (recorded, answer) = (recorded.clone(), answer.clone());
            async move {
                let headers = request
                    .headers()
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_str().to_owned(),
                            v.to_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect();
                let body = request.into_body().into_string().await.unwrap_or_default();
                let status = answer.load(std::sync::atomic::Ordering::SeqCst);
                if status == 200 {
                    recorded.lock().unwrap().push(Delivery { headers, body });
                }
                poem::http::StatusCode::from_u16(status)
                    .unwrap_or(poem::http::StatusCode::OK)
                    .into_response()
            }
        })
        .map_to_response();
        let task = tokio::spawn(async move {
            poem::Server::new_with_acceptor(acceptor)
                .run(endpoint)
                .await
                .ok();
        });
        Self {
            url: format!("http://{bound}/hooks/medusa"),
            deliveries,
            status,
            task,
        }
    }

    /// Answers every delivery from now on with `status` (200 records it; anything else refuses it).
    pub fn answer_with(&self, status: u16) {
        self.status
            .store(status, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries.lock().unwrap().clone()
    }

    /// The first recorded delivery of the event `name`, waiting up to `within` for it.
    pub async fn wait_for(&self, name: &str, within: std::time::Duration) -> Delivery {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(delivery) = self
                .deliveries()
                .into_iter()
                .find(|d| d.headers.get("x-webhook-event").map(String::as_str) == Some(name))
            {
                return delivery;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no {name} event within {within:?}; got {:?}",
                self.deliveries()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A loopback address nothing listens on (a receiver that is down), and stays free for one to start on later.
pub fn unused_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").to_string()
}
