use std::time::{Duration, Instant};

use integration_tests::{TestServer, on_every_store};
use medusa_store_server::{
    cli,
    config::{CustomersCommand, KeysCommand},
};
use sqlx::Connection;

async fn keys(server: &TestServer, command: KeysCommand) -> anyhow::Result<String> {
    let mut out = Vec::new();
    cli::keys(&server.app, command, &mut out).await?;
    Ok(String::from_utf8(out).unwrap())
}

#[tokio::test]
async fn a_fresh_database_gets_one_publishable_key_at_start() {
    let server = TestServer::start().await;
    let listed = keys(&server, KeysCommand::List).await.unwrap();
    // One created at start, one by the test helper.
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(
        listed
            .lines()
            .all(|line| line.contains("\tpk_") && line.contains("\tactive\t")),
        "{listed}"
    );
}

#[tokio::test]
async fn a_created_key_is_the_last_line_and_works_until_revoked() {
    let server = TestServer::start().await;
    let created = keys(
        &server,
        KeysCommand::Create {
            title: "Storefront".into(),
        },
    )
    .await
    .unwrap();
    let token = created.lines().last().unwrap().to_owned();
    assert!(token.starts_with("pk_") && token.len() == 67, "{token}");
    let me = || {
        server
            .http
            .get(server.url("/store/customers/me"))
            .header("x-publishable-api-key", &token)
    };
    assert_eq!(
        server.send(me()).await.0,
        401,
        "the key passes; the missing token does not"
    );
    let revoked = keys(
        &server,
        KeysCommand::Revoke {
            id_or_token: token.clone(),
        },
    )
    .await
    .unwrap();
    assert!(revoked.ends_with("\trevoked\n"), "{revoked}");
    assert_eq!(server.send(me()).await.0, 400);
    assert!(
        keys(
            &server,
            KeysCommand::Revoke {
                id_or_token: "pk_nope".into()
            }
        )
        .await
        .is_err()
    );
}

#[tokio::test]
async fn a_guest_customer_can_be_created_once_per_email() {
    let server = TestServer::start().await;
    let mut out = Vec::new();
    let command = || CustomersCommand::CreateGuest {
        email: "walk-in@example.com".into(),
    };
    cli::customers(&server.app, command(), &mut out)
        .await
        .unwrap();
    assert!(String::from_utf8(out).unwrap().starts_with("cus_"));
    assert!(
        cli::customers(&server.app, command(), &mut Vec::new())
            .await
            .is_err()
    );
}

/// Asks `GET /store/customers/me` with the server's key until it is refused (400), for at most `within`.
async fn key_refused_within(server: &TestServer, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        let request = server
            .http
            .get(server.url("/store/customers/me"))
            .header("x-publishable-api-key", &server.publishable_key);
        match server.send(request).await.0 {
            400 => return true,
            401 => {}
            other => panic!("unexpected status {other}"),
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

on_every_store! {
    async fn a_key_revoked_by_another_process_stops_working_on_a_running_server(server: TestServer) {
        // Used twice, so that a server that caches keys has it cached.
        for _ in 0..2 {
            assert!(!key_refused_within(&server, Duration::ZERO).await);
        }
        // What `medusa-store-server keys revoke` does in a process of its own: a store of its own, same database.
        let other_process = medusa_store_server::store::connect(&server.database_url).await.unwrap();
        other_process
            .revoke_publishable_key(&server.publishable_key, chrono::Utc::now())
            .await
            .unwrap()
            .expect("the key exists");
        // On PostgreSQL the change reaches the server as a notification, within milliseconds.
        assert!(key_refused_within(&server, Duration::from_secs(2)).await, "the revoked key still works");
    }
}

/// The server listens for key changes on a connection of its own. Killed, it is replaced, and meanwhile no key is
/// served from memory.
#[tokio::test]
#[cfg_attr(
    no_postgres,
    ignore = "PostgreSQL binaries (pg_ctl, initdb) not found and TEST_DATABASE_URL unset"
)]
async fn a_postgres_server_listens_again_after_its_listening_connection_is_killed() {
    let server = TestServer::start_postgres().await;
    let mut admin = sqlx::PgConnection::connect(&server.database_url)
        .await
        .unwrap();
    const LISTENERS: &str = "SELECT pid FROM pg_stat_activity \
        WHERE datname = current_database() AND query = 'LISTEN \"publishable_key_changed\"'";
    async fn listener(admin: &mut sqlx::PgConnection) -> Option<i32> {
        sqlx::query_scalar(LISTENERS)
            .fetch_optional(admin)
            .await
            .unwrap()
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let first = loop {
        if let Some(pid) = listener(&mut admin).await {
            break pid;
        }
        assert!(Instant::now() < deadline, "the server never listened");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(!key_refused_within(&server, Duration::ZERO).await);
    sqlx::query("SELECT pg_terminate_backend($1)")
        .bind(first)
        .execute(&mut admin)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match listener(&mut admin).await {
            Some(pid) if pid != first => break,
            _ => assert!(Instant::now() < deadline, "the server did not listen again"),
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!key_refused_within(&server, Duration::ZERO).await);
    let other_process = medusa_store_server::store::connect(&server.database_url)
        .await
        .unwrap();
    other_process
        .revoke_publishable_key(&server.publishable_key, chrono::Utc::now())
        .await
        .unwrap()
        .expect("the key exists");
    assert!(
        key_refused_within(&server, Duration::from_secs(2)).await,
        "the revoked key still works"
    );
}

on_every_store! {
    /// The clean-up a conformance run against our server needs: what it signed up is gone, and nothing else.
    async fn customers_delete_removes_what_a_run_created_and_nothing_else(server: TestServer) {
        server.signed_up_customer("run-1@example.com").await;
        server.registration_token("run-2@example.com").await;
        cli::customers(&server.app, CustomersCommand::CreateGuest { email: "run-1@example.com".into() }, &mut Vec::new())
            .await
            .unwrap();
        let kept = server.signed_up_customer("kept@example.com").await;
        let (_, login) = server.login("run-1@example.com", "supersecret").await;
        let token = login["token"].as_str().unwrap().to_owned();
        let report = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(
            report.path(),
            serde_json::json!({"created": [
                {"email": "run-1@example.com", "customer_id": "cus_x"},
                {"email": "run-2@example.com", "customer_id": null},
            ]})
            .to_string(),
        )
        .unwrap();
        let mut out = Vec::new();
        let command = CustomersCommand::Delete { emails: Vec::new(), created_by: Some(report.path().to_owned()) };
        cli::customers(&server.app, command, &mut out).await.unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "run-1@example.com\t1 identity, 2 customer(s) deleted\nrun-2@example.com\t1 identity, 0 customer(s) deleted\n"
        );
        assert_eq!(server.login("run-1@example.com", "supersecret").await.0, 401);
        assert_eq!(server.send(server.store_get("/store/customers/me", &token)).await.0, 404);
        assert_eq!(server.login("run-2@example.com", "supersecret").await.0, 401);
        let (_, login) = server.login("kept@example.com", "supersecret").await;
        let (status, body) = server.send(server.store_get("/store/customers/me", login["token"].as_str().unwrap())).await;
        assert_eq!((status, body["customer"]["id"].as_str()), (200, Some(kept.as_str())));
    }
}
