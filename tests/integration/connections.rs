//! The connection layer: clients that stall are disconnected within the configured bounds, and a server out of
//! connection slots or descriptors waits instead of spinning and keeps serving the connections it has.

use std::time::{Duration, Instant};

use integration_tests::TestServer;

use crate::processes::ServerProcess;
use medusa_store_server::Config;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

const HEALTH: &[u8] = b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n";

/// Reads one answer (status line, headers, a `content-length` body) and returns its status line.
async fn read_answer(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let mut byte = [0u8; 1];
    while !received.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).await.expect("the answer arrives");
        assert_eq!(n, 1, "the connection closed mid-answer: {received:?}");
        received.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&received).into_owned();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream
        .read_exact(&mut body)
        .await
        .expect("the body arrives");
    head.lines().next().unwrap_or_default().to_owned()
}

async fn health_on(stream: &mut TcpStream) -> String {
    stream.write_all(HEALTH).await.expect("the request is sent");
    read_answer(stream).await
}

/// How long until the server closes `stream` (reading and discarding what it sends), if within `bound`.
async fn closed_within(stream: &mut TcpStream, bound: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut sink = Vec::new();
    tokio::time::timeout(bound, stream.read_to_end(&mut sink))
        .await
        .ok()
        .map(|_| started.elapsed())
}

async fn connect(server: &TestServer) -> TcpStream {
    TcpStream::connect(server.address())
        .await
        .expect("the server accepts")
}

fn with_timeouts(headers_ms: u64, request_ms: u64, keep_alive_ms: u64) -> impl FnOnce(&mut Config) {
    move |config| {
        config.headers_timeout_ms = headers_ms;
        config.request_timeout_ms = request_ms;
        config.keep_alive_timeout_ms = keep_alive_ms;
    }
}

#[tokio::test]
async fn a_client_that_trickles_its_head_is_disconnected_after_the_headers_timeout() {
    let server = TestServer::start_with(with_timeouts(1_000, 300_000, 60_000)).await;
    let (mut reader, mut writer) = connect(&server).await.into_split();
    let trickle = tokio::spawn(async move {
        let mut sent = writer.write_all(b"GET /health HTTP/1.1\r\nx-slow: ").await;
        while sent.is_ok() {
            tokio::time::sleep(Duration::from_millis(100)).await;
            sent = writer.write_all(b"a").await;
        }
    });
    let started = Instant::now();
    let mut sink = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(3), reader.read_to_end(&mut sink)).await;
    trickle.abort();
    assert!(
        closed.is_ok(),
        "the trickling client is still connected after 3 s"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(
        health_on(&mut connect(&server).await).await,
        "HTTP/1.1 200 OK"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_keep_alive_timeout() {
    let server = TestServer::start_with(with_timeouts(60_000, 300_000, 1_000)).await;
    let mut busy = connect(&server).await;
    for _ in 0..4 {
        assert_eq!(health_on(&mut busy).await, "HTTP/1.1 200 OK");
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    let mut idle = connect(&server).await;
    assert_eq!(health_on(&mut idle).await, "HTTP/1.1 200 OK");
    let closed_after = closed_within(&mut idle, Duration::from_secs(3)).await;
    let closed_after = closed_after.expect("the idle connection is still open after 3 s");
    assert!(
        closed_after >= Duration::from_millis(900),
        "{closed_after:?}"
    );
    let mut silent = connect(&server).await;
    assert!(
        closed_within(&mut silent, Duration::from_secs(3))
            .await
            .is_some()
    );
}

#[tokio::test]
async fn a_request_that_outlives_the_request_timeout_gets_408_and_is_disconnected() {
    let server = TestServer::start_with(with_timeouts(60_000, 1_000, 60_000)).await;
    let (mut reader, mut writer) = connect(&server).await.into_split();
    let head = format!(
        "POST /store/customers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         x-publishable-api-key: {}\r\ncontent-length: 1000\r\n\r\n{{\"email\":",
        server.publishable_key
    );
    // A body that keeps coming, slower than it should, never long silent.
    let trickle = tokio::spawn(async move {
        let mut sent = writer.write_all(head.as_bytes()).await;
        while sent.is_ok() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            sent = writer.write_all(b" ").await;
        }
    });
    let mut answer = Vec::new();
    let closed =
        tokio::time::timeout(Duration::from_secs(3), reader.read_to_end(&mut answer)).await;
    trickle.abort();
    assert!(
        closed.is_ok(),
        "the slow request is still connected after 3 s"
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(
        answer.ends_with(r#"{"message":"request timeout","type":"unknown_error"}"#),
        "{answer}"
    );
}

#[tokio::test]
async fn at_the_connection_cap_new_connections_wait_and_open_ones_are_served() {
    let server = TestServer::start_with(|config| {
        config.max_connections = Some(4);
        config.keep_alive_timeout_ms = 60_000;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut stream = connect(&server).await;
        assert_eq!(health_on(&mut stream).await, "HTTP/1.1 200 OK");
        held.push(stream);
    }
    let mut waiting = connect(&server).await;
    waiting.write_all(HEALTH).await.unwrap();
    let early = tokio::time::timeout(Duration::from_millis(700), read_answer(&mut waiting)).await;
    assert!(
        early.is_err(),
        "a fifth connection was served beyond the cap of 4"
    );
    assert_eq!(health_on(&mut held[0]).await, "HTTP/1.1 200 OK");
    drop(held.pop());
    let answer = tokio::time::timeout(Duration::from_secs(3), read_answer(&mut waiting)).await;
    assert_eq!(answer.as_deref(), Ok("HTTP/1.1 200 OK"));
}

/// User plus system CPU time of a process, in clock ticks (1/100 s on Linux).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("the process runs");
    let (_, fields) = stat
        .rsplit_once(')')
        .expect("the stat line names the process");
    let fields: Vec<&str> = fields.split_whitespace().collect();
    // utime and stime are the 14th and 15th fields; `fields` starts at the 3rd.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_server_out_of_descriptors_pauses_accepting_and_recovers() {
    let directory = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", directory.path().join("fds.db").display());
    let server = ServerProcess::start_uncapped_with_descriptors(&database_url, 64);
    let address = server.base_url.trim_start_matches("http://").to_owned();

    // More connections than descriptors: the kernel queues them, the server runs out while accepting.
    let mut held = Vec::new();
    for _ in 0..100 {
        held.push(
            TcpStream::connect(&address)
                .await
                .expect("the kernel queues it"),
        );
    }
    assert_eq!(health_on(&mut held[0]).await, "HTTP/1.1 200 OK");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = cpu_ticks(server.child.id());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let spent = cpu_ticks(server.child.id()) - before;
    assert!(
        spent < 50,
        "the server used {spent}/200 ticks of CPU in 2 s while out of descriptors"
    );
    assert_eq!(health_on(&mut held[0]).await, "HTTP/1.1 200 OK");

    held.truncate(1);
    let started = Instant::now();
    let mut fresh = TcpStream::connect(&address).await.unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(3), health_on(&mut fresh)).await;
    assert_eq!(answer.as_deref(), Ok("HTTP/1.1 200 OK"));
    eprintln!(
        "answered {:?} after the descriptors were released",
        started.elapsed()
    );
}

#[tokio::test]
async fn http2_without_tls_is_not_spoken() {
    let server = TestServer::start().await;
    let mut stream = connect(&server).await;
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let closed =
        tokio::time::timeout(Duration::from_secs(3), stream.read_to_end(&mut answer)).await;
    assert!(closed.is_ok(), "the connection stays open");
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 "),
        "an HTTP/2 answer: {answer:?}"
    );
}
