use integration_tests::TestServer;
use medusa_store_server::{
    cli,
    config::{CustomersCommand, KeysCommand},
};

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
