//! The ceiling of the HTTP layer on this machine: poem, as our server runs it, answering every request with a
//! constant JSON body the size of a created customer. `HOST`/`PORT` as for the server; `GET /health` answers too.

use poem::{Response, Route, Server, get, handler, listener::TcpListener};

const CUSTOMER: &str = r#"{"customer":{"id":"cus_01JBENCHMARKCONSTANTHANDLER","email":"ada@example.com","company_name":null,"first_name":"Ada","last_name":"Lovelace","phone":null,"metadata":null,"has_account":true,"deleted_at":null,"created_at":"2025-01-01T00:00:00.000Z","updated_at":"2025-01-01T00:00:00.000Z","addresses":[]}}"#;

#[handler]
fn constant() -> Response {
    Response::builder()
        .content_type("application/json; charset=utf-8")
        .body(CUSTOMER)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let port = std::env::var("PORT").unwrap_or_else(|_| "9100".into());
    let routes = Route::new()
        .at("/", get(constant))
        .at("/health", get(constant));
    Server::new(TcpListener::bind(format!("{host}:{port}")))
        .run(routes)
        .await
}
