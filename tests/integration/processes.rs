//! Tests that need separate server processes: several servers on one PostgreSQL, and a server killed mid-write.
//! The test binary serves as the server: `server_process` runs one when its environment asks for it.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use futures::future::join_all;
use integration_tests::{Database, claims, fresh_postgres_database, session_cookie};
use medusa_store_server::{Application, Config};
use serde_json::{Value, json};

const SERVE_DATABASE_URL: &str = "MEDUSA_TEST_SERVE_DATABASE_URL";
/// Set: the server process has no connection cap and keeps idle connections a minute.
const SERVE_UNCAPPED: &str = "MEDUSA_TEST_SERVE_UNCAPPED";
/// Set: the server process delivers events to this webhook, signed with `SERVE_WEBHOOK_SECRET`.
const SERVE_WEBHOOK_URL: &str = "MEDUSA_TEST_SERVE_WEBHOOK_URL";
const SERVE_WEBHOOK_SECRET: &str = "MEDUSA_TEST_SERVE_WEBHOOK_SECRET";

/// Not a test: the entry point of the server processes that tests start ([`ServerProcess`]).
#[test]
#[ignore = "started by other tests as a server process"]
fn server_process() {
    let Ok(database_url) = std::env::var(SERVE_DATABASE_URL) else {
        return;
    };
    let mut config = Config::for_tests(&database_url);
    if std::env::var_os(SERVE_UNCAPPED).is_some() {
        config.max_connections = Some(1_000_000);
        config.keep_alive_timeout_ms = 60_000;
    }
    config.events_webhook_url = std::env::var(SERVE_WEBHOOK_URL).ok();
    config.events_webhook_secret = std::env::var(SERVE_WEBHOOK_SECRET).ok();
    // As the server's `main` logs: to stderr, filtered by `RUST_LOG`.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let application = Application::build(config).await.unwrap();
        println!("LISTENING {}", application.address());
        application.run_until_stopped().await.unwrap();
    });
}

/// This test binary, re-run as one server process over `database_url`.
pub(crate) struct ServerProcess {
    pub(crate) child: Child,
    pub(crate) base_url: String,
}

impl ServerProcess {
    pub(crate) fn start(database_url: &str) -> Self {
        Self::spawn(Command::new(std::env::current_exe().unwrap()), database_url)
    }

    /// A server that delivers its events to `url`.
    pub(crate) fn start_with_webhook(database_url: &str, url: &str, secret: &str) -> Self {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command
            .env(SERVE_WEBHOOK_URL, url)
            .env(SERVE_WEBHOOK_SECRET, secret);
        Self::spawn(command, database_url)
    }

    /// A server whose log (stderr, at `warn`) is kept for [`ServerProcess::stop_and_read_log`].
    pub(crate) fn start_keeping_the_log(database_url: &str, webhook: Option<&str>) -> Self {
        let mut command = Command::new(std::env::current_exe().unwrap());
        if let Some(url) = webhook {
            command
                .env(SERVE_WEBHOOK_URL, url)
                .env(SERVE_WEBHOOK_SECRET, "webhook-secret-for-tests");
        }
        command.stderr(Stdio::piped());
        Self::spawn(command, database_url)
    }

    /// Kills the server and returns what it logged (started by [`ServerProcess::start_keeping_the_log`]).
    pub(crate) fn stop_and_read_log(mut self) -> String {
        self.child.kill().unwrap();
        let mut log = String::new();
        let mut stderr = self.child.stderr.take().expect("a server keeping its log");
        std::io::Read::read_to_string(&mut stderr, &mut log).unwrap();
        log
    }

    /// Registers `email` and creates its customer on this server; returns the customer's id.
    pub(crate) async fn sign_up(&self, database_url: &str, email: &str) -> String {
        let client = Client {
            http: reqwest::Client::new(),
            key: publishable_key(database_url).await,
        };
        let token = client.token(&self.base_url, REGISTER, email).await;
        let (status, body) = client
            .post(
                &self.base_url,
                "/store/customers",
                Some(&token),
                json!({"email": email}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["customer"]["id"].as_str().unwrap().to_owned()
    }

    /// A server without a connection cap, under an open-files limit of `descriptors`.
    pub(crate) fn start_uncapped_with_descriptors(database_url: &str, descriptors: u32) -> Self {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("ulimit -n {descriptors} && exec \"$0\" \"$@\""))
            .arg(std::env::current_exe().unwrap())
            .env(SERVE_UNCAPPED, "1");
        Self::spawn(command, database_url)
    }

    fn spawn(mut command: Command, database_url: &str) -> Self {
        let mut child = command
            .args([
                "--exact",
                "processes::server_process",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(SERVE_DATABASE_URL, database_url)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let address = stdout
            .lines()
            .map_while(Result::ok)
            // libtest writes `test processes::server_process ... ` before the test's own output.
            .find_map(|line| {
                line.split_once("LISTENING ")
                    .map(|(_, address)| address.trim().to_owned())
            })
            .expect("the server process reports its address");
        Self {
            child,
            base_url: format!("http://{address}"),
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// A client for server processes.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    key: String,
}

impl Client {
    async fn post(&self, base: &str, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        self.try_post(base, path, token, body)
            .await
            .expect("the server answers")
    }

    /// `None` when the connection broke before an answer came (the server was killed).
    async fn try_post(
        &self,
        base: &str,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> Option<(u16, Value)> {
        let mut request = self
            .http
            .post(format!("{base}{path}"))
            .header("x-publishable-api-key", &self.key)
            .json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.ok()?;
        let status = response.status().as_u16();
        Some((status, response.json().await.ok()?))
    }

    async fn token(&self, base: &str, route: &str, email: &str) -> String {
        let (status, body) = self
            .post(
                base,
                route,
                None,
                json!({"email": email, "password": "supersecret"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }
}

async fn publishable_key(database_url: &str) -> String {
    let store = medusa_store_server::store::connect(database_url)
        .await
        .unwrap();
    medusa_store_server::App::new(store, "supersecret")
        .create_publishable_key("processes")
        .await
        .unwrap()
        .token
}

const REGISTER: &str = "/auth/customer/emailpass/register";
const LOGIN: &str = "/auth/customer/emailpass";

#[tokio::test]
#[cfg_attr(
    no_postgres,
    ignore = "PostgreSQL binaries (pg_ctl, initdb) not found and TEST_DATABASE_URL unset"
)]
async fn two_server_processes_on_one_postgres_settle_races_and_share_authentication() {
    let database_url =
        fresh_postgres_database(&integration_tests::postgres_admin_url().await).await;
    let first = ServerProcess::start(&database_url);
    let second = ServerProcess::start(&database_url);
    let client = Client {
        http: reqwest::Client::new(),
        key: publishable_key(&database_url).await,
    };
    let servers = [first.base_url.as_str(), second.base_url.as_str()];

    // One registration token sent to both processes, sixteen times: exactly one customer.
    let token = client
        .token(servers[0], REGISTER, "shared-token@example.com")
        .await;
    let attempts = (0..16).map(|n| {
        let email = if n == 0 {
            "shared-token@example.com".to_owned()
        } else {
            format!("shared-token-{n}@example.com")
        };
        client.post(
            servers[n % 2],
            "/store/customers",
            Some(&token),
            json!({"email": email}),
        )
    });
    let answers = join_all(attempts).await;
    assert_eq!(
        answers.iter().filter(|(status, _)| *status == 200).count(),
        1,
        "{answers:?}"
    );
    assert!(
        answers
            .iter()
            .all(|(status, _)| [200, 400, 422].contains(status)),
        "{answers:?}"
    );

    // Sixteen identities, one email, spread over both processes: exactly one customer.
    let mut tokens = Vec::new();
    for n in 0..16 {
        tokens.push(
            client
                .token(
                    servers[n % 2],
                    REGISTER,
                    &format!("contender-{n}@example.com"),
                )
                .await,
        );
    }
    let attempts = tokens.iter().enumerate().map(|(n, token)| {
        client.post(
            servers[n % 2],
            "/store/customers",
            Some(token),
            json!({"email": "one-email@example.com"}),
        )
    });
    let answers = join_all(attempts).await;
    assert_eq!(
        answers.iter().filter(|(status, _)| *status == 200).count(),
        1,
        "{answers:?}"
    );
    assert!(
        answers
            .iter()
            .all(|(status, _)| [200, 422].contains(status)),
        "{answers:?}"
    );

    // A token and a session issued by one process are accepted by the other.
    let login = client
        .token(servers[0], LOGIN, "shared-token@example.com")
        .await;
    let me = client
        .http
        .get(format!("{}/store/customers/me", servers[1]))
        .header("x-publishable-api-key", &client.key);
    let response = me
        .try_clone()
        .unwrap()
        .bearer_auth(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let session = client
        .http
        .post(format!("{}/auth/session", servers[0]))
        .bearer_auth(&login)
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let cookie = session_cookie(&session).expect("a session cookie");
    let response = me.header("cookie", cookie).send().await.unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["customer"]["id"], claims(&login)["actor_id"]);

    assert_eq!(
        Database::connect(&database_url)
            .await
            .integrity_violations()
            .await,
        (0, 0, 0)
    );
}

#[tokio::test]
async fn every_acknowledged_customer_survives_a_kill_in_the_middle_of_a_stream_of_creates() {
    let directory = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", directory.path().join("crash.db").display());
    let key = publishable_key(&database_url).await;
    let client = Client {
        http: reqwest::Client::new(),
        key,
    };
    let mut server = ServerProcess::start(&database_url);
    let mut tokens = Vec::new();
    for n in 0..24 {
        let email = format!("durable-{n}@example.com");
        tokens.push((
            client.token(&server.base_url, REGISTER, &email).await,
            email,
        ));
    }
    // Four writers stream creates; the server is killed once eight have been acknowledged.
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let writers: Vec<_> = tokens
        .chunks(tokens.len() / 4)
        .map(|chunk| {
            let (client, base, sender, chunk) = (
                client.clone(),
                server.base_url.clone(),
                sender.clone(),
                chunk.to_vec(),
            );
            tokio::spawn(async move {
                for (token, email) in chunk {
                    let answer = client
                        .try_post(
                            &base,
                            "/store/customers",
                            Some(&token),
                            json!({"email": email}),
                        )
                        .await;
                    let _ = sender.send((email, answer));
                }
            })
        })
        .collect();
    drop(sender);
    let mut acknowledged = Vec::new();
    while let Some((email, answer)) = receiver.recv().await {
        if let Some((200, body)) = answer {
            acknowledged.push((email, body["customer"]["id"].as_str().unwrap().to_owned()));
            if acknowledged.len() == 8 {
                server.child.kill().unwrap();
            }
        }
    }
    join_all(writers).await;
    server.child.wait().ok();
    assert!(
        (8..tokens.len()).contains(&acknowledged.len()),
        "the kill came mid-stream: {}",
        acknowledged.len()
    );

    let restarted = ServerProcess::start(&database_url);
    let mut database = Database::connect(&database_url).await;
    for (email, id) in &acknowledged {
        assert_eq!(
            database.linked_customer(email).await.as_deref(),
            Some(id.as_str()),
            "{email} was acknowledged"
        );
    }
    assert_eq!(database.integrity_violations().await, (0, 0, 0));
    // The server answers after the restart, and the creates that were not acknowledged can be made now.
    let (token, email) = tokens.last().unwrap();
    let (status, _) = client
        .post(
            &restarted.base_url,
            "/store/customers",
            Some(token),
            json!({"email": email}),
        )
        .await;
    assert!([200, 422].contains(&status));
}
