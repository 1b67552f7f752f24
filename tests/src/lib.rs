//! Helpers for the integration tests: a server on port 0 over a fresh database, and a small HTTP client for it.

use std::sync::Arc;

use medusa_store_server::{App, Application, Config};
use serde_json::{Value, json};

/// A running server with its own database, stopped when dropped.
pub struct TestServer {
    pub base_url: String,
    pub publishable_key: String,
    pub app: Arc<App>,
    pub http: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
    _database: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A server on a fresh SQLite file.
    pub async fn start() -> Self {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let url = format!(
            "sqlite://{}",
            directory.path().join("medusa-store.db").display()
        );
        Self::start_on(&url, Some(directory)).await
    }

    /// A server on the given database, e.g. PostgreSQL.
    pub async fn start_on(database_url: &str, database: Option<tempfile::TempDir>) -> Self {
        let application = Application::build(Config::for_tests(database_url))
            .await
            .expect("the server starts");
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
            publishable_key,
            app,
            http: reqwest::Client::new(),
            task,
            _database: database,
        }
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
