//! Default or short secrets on an address other machines can reach: the server refuses to start, before it binds
//! or opens its database. No test here binds a non-loopback address: the refusal comes first, and were it
//! missing, the database (unreachable, or not there) fails before any bind.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use clap::Parser;
use medusa_store_server::{Application, Config, config::Cli, main_with, secrets::RefusedSecrets};

const RUN_THE_COMMAND: &str = "MEDUSA_TEST_RUN_THE_COMMAND";

/// Not a test: `medusa-store-server` as its `main` runs it, for `the_command_refuses_default_secrets_on_0_0_0_0`.
#[test]
#[ignore = "started by another test as the server command"]
fn server_command() {
    if std::env::var_os(RUN_THE_COMMAND).is_none() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let code = runtime.block_on(main_with(Cli::parse_from(["medusa-store-server"])));
    std::process::exit(code.into());
}

#[test]
fn the_command_refuses_default_secrets_on_0_0_0_0_with_exit_code_2() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "secrets::server_command",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(RUN_THE_COMMAND, "1")
        .env("HOST", "0.0.0.0")
        .env("PORT", "0")
        // Nothing listens on port 1: without the refusal, the start fails here, before binding.
        .env("DATABASE_URL", "postgres://127.0.0.1:1/refused")
        .env_remove("JWT_SECRET")
        .env_remove("COOKIE_SECRET")
        .env("RUST_LOG", "off")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().ok();
            panic!("the server started with the default secrets on 0.0.0.0");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "error: refusing to serve on 0.0.0.0 (not a loopback address): JWT_SECRET is the default \
             `supersecret` and COOKIE_SECRET is the default `supersecret`; set JWT_SECRET and COOKIE_SECRET to \
             random values of at least 32 bytes"
        ),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_short_secret_on_a_public_address_is_refused_before_the_database_is_opened() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("never.db");
    let config = Config {
        // TEST-NET-1: no machine has it, so nothing could be bound here either.
        host: "192.0.2.1".into(),
        jwt_secret: "a-secret-of-31-bytes-0123456789".into(),
        cookie_secret: "0123456789abcdef0123456789abcdef".into(),
        ..Config::for_tests(&format!("sqlite://{}", database.display()))
    };
    let error = Application::build(config)
        .await
        .err()
        .expect("the server refuses to start");
    let refusal = error
        .downcast_ref::<RefusedSecrets>()
        .unwrap_or_else(|| panic!("not a refusal of the secrets: {error:?}"));
    assert_eq!(refusal.weak, [("JWT_SECRET", "is shorter than 32 bytes")]);
    assert!(!database.exists(), "the database was opened");
}
