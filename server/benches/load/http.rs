//! A lean HTTP/1.1 client: one keep-alive connection per worker (hyper's connection API, no pool, no URL parsing),
//! so that the load generator spends as little of the machine's CPU as it can.

use std::{net::SocketAddr, time::Duration};

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{HeaderMap, Method, Request, StatusCode, client::conn::http1::SendRequest};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub struct Client {
    addr: SocketAddr,
    host: String,
    sender: Option<SendRequest<Full<Bytes>>>,
}

/// Resolves `http://host:port` to a loopback address; anything else is refused.
pub fn loopback_address(base_url: &str) -> anyhow::Result<SocketAddr> {
    let authority = base_url
        .strip_prefix("http://")
        .context("only plain http:// loopback URLs are benchmarked")?
        .trim_end_matches('/');
    let addr = std::net::ToSocketAddrs::to_socket_addrs(authority)?
        .next()
        .context("the URL names no address")?;
    anyhow::ensure!(
        addr.ip().is_loopback(),
        "{base_url} is not a loopback address"
    );
    Ok(addr)
}

impl Client {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            host: addr.to_string(),
            sender: None,
        }
    }

    async fn sender(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        let usable = match &mut self.sender {
            Some(sender) => sender.ready().await.is_ok(),
            None => false,
        };
        if !usable {
            let stream = TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            let (sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(connection);
            self.sender = Some(sender);
        }
        Ok(self.sender.as_mut().expect("connected above"))
    }

    /// Sends one request and reads the whole answer; gives up after `timeout`.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&'static str, &str)],
        body: Option<Bytes>,
        timeout: Duration,
    ) -> anyhow::Result<(StatusCode, Bytes)> {
        let (status, _, body) = self
            .send_with_headers(method, path, headers, body, timeout)
            .await?;
        Ok((status, body))
    }

    /// As [`Client::send`], keeping the answer's headers (a 503's `Retry-After`).
    pub async fn send_with_headers(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&'static str, &str)],
        body: Option<Bytes>,
        timeout: Duration,
    ) -> anyhow::Result<(StatusCode, HeaderMap, Bytes)> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.host.as_str());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request.body(Full::new(body.unwrap_or_default()))?;
        let exchange = async {
            let response = self.sender().await?.send_request(request).await?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await?.to_bytes();
            anyhow::Ok((parts.status, parts.headers, body))
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .context("the request timed out")?
    }
}

/// Polls `GET /health` until it answers 200, every millisecond; `None` if it never does within `limit`.
pub async fn wait_healthy(addr: SocketAddr, limit: Duration) -> Option<()> {
    let give_up = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < give_up {
        let mut client = Client::new(addr);
        let answer = client
            .send(Method::GET, "/health", &[], None, Duration::from_secs(1))
            .await;
        if matches!(answer, Ok((StatusCode::OK, _))) {
            return Some(());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    None
}
