//! The connection layer: accepts TCP connections and serves HTTP/1.1 on them, with the limits Node gives Medusa.
//!
//! poem's `Server` gives hyper no timer (so no header timeout), has no keep-alive or request deadline, retries a
//! failing `accept` at once (at the open-files limit that is a busy loop) and never stops accepting. Here:
//! - a request's head must arrive within `headers_timeout` (hyper's header timer; it also runs while a connection
//!   waits for its next request);
//! - a connection with no request in progress is closed after `keep_alive_timeout` without reading or writing (a
//!   client that stops reading its answer too: answers are small JSON documents);
//! - a request gets `request_timeout` from its first byte to its answer (408, then the connection closes), and a
//!   connection whose request outlives that by `ANSWER_GRACE` is closed;
//! - at most `max_connections` are open: beyond, new ones wait in the kernel's accept queue; an `accept` that
//!   fails for lack of descriptors or memory is retried after a pause that doubles from 10 ms to 1 s.
//!
//! Only HTTP/1.1 is spoken, not HTTP/2 without TLS (h2c): Medusa's Node server speaks HTTP/1.1 only, so no client
//! of the contract needs h2c, and one h2c connection multiplexes unbounded streams (poem sets no stream limit) that
//! the connection cap and these per-connection deadlines would not see.

use std::{
    convert::Infallible,
    future::Future,
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::Duration,
};

use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use poem::{
    Endpoint, Response,
    http::uri::Scheme,
    web::{LocalAddr, RemoteAddr},
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore, watch},
    task::JoinSet,
    time::Instant,
};

use crate::{domain::Error, http::error};

/// The limits of every connection; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub headers_timeout: Duration,
    pub request_timeout: Duration,
    pub keep_alive_timeout: Duration,
    pub max_connections: usize,
}

/// How long past its deadline a request's connection stays open, so that its 408 can be written.
const ANSWER_GRACE: Duration = Duration::from_secs(1);

/// The first and the longest pause after a failed `accept`.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
const LONGEST_PAUSE: Duration = Duration::from_secs(1);

/// Serves `endpoint` on `listener` until `shutdown` completes; then stops accepting, lets requests in flight
/// finish for up to `grace`, and closes what is left.
pub async fn serve<E>(
    listener: TcpListener,
    endpoint: E,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> io::Result<()>
where
    E: Endpoint<Output = Response> + 'static,
{
    let endpoint = Arc::new(endpoint);
    let local = listener.local_addr()?;
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(());
    let mut connections = JoinSet::new();
    let mut pause = FIRST_PAUSE;
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            Some(_) = connections.join_next() => continue,
            () = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            Some(_) = connections.join_next() => continue,
            () = &mut shutdown => break,
        };
        match accepted {
            Ok((stream, remote)) => {
                pause = FIRST_PAUSE;
                let connection = Connection {
                    endpoint: endpoint.clone(),
                    local,
                    remote,
                    limits,
                    stopping: stopping.clone(),
                    _slot: slot,
                };
                connections.spawn(connection.serve(stream));
            }
            // The client gave up before we accepted: nothing to wait for.
            Err(error) if is_about_one_connection(&error) => {}
            Err(error) => {
                tracing::warn!(%error, pause_ms = pause.as_millis(), "accepting a connection failed; pausing");
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = &mut shutdown => break,
                }
                pause = (pause * 2).min(LONGEST_PAUSE);
            }
        }
    }
    drop(listener);
    stop.send_replace(());
    let drained = tokio::time::timeout(grace, async {
        while connections.join_next().await.is_some() {}
    });
    if drained.await.is_err() {
        tracing::warn!(
            open = connections.len(),
            "closing connections whose requests outlived the shutdown grace"
        );
    }
    Ok(())
}

fn is_about_one_connection(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    )
}

struct Connection<E> {
    endpoint: Arc<E>,
    local: SocketAddr,
    remote: SocketAddr,
    limits: Limits,
    stopping: watch::Receiver<()>,
    /// Held while the connection is open.
    _slot: OwnedSemaphorePermit,
}

impl<E: Endpoint<Output = Response> + 'static> Connection<E> {
    async fn serve(mut self, stream: TcpStream) {
        let activity = Arc::new(Mutex::new(Activity::new(Instant::now())));
        let io = TokioIo::new(Watched {
            stream,
            activity: activity.clone(),
        });
        let service = {
            let (endpoint, activity) = (self.endpoint.clone(), activity.clone());
            let local = LocalAddr(self.local.into());
            let remote = RemoteAddr(self.remote.into());
            let request_timeout = self.limits.request_timeout;
            service_fn(move |request: hyper::Request<Incoming>| {
                let (endpoint, activity) = (endpoint.clone(), activity.clone());
                let request =
                    poem::Request::from((request, local.clone(), remote.clone(), Scheme::HTTP));
                async move {
                    let in_progress = InProgress::begin(activity);
                    let deadline = in_progress.started + request_timeout;
                    let response =
                        tokio::time::timeout_at(deadline, endpoint.get_response(request))
                            .await
                            .unwrap_or_else(|_| request_timed_out());
                    drop(in_progress);
                    Ok::<_, Infallible>(response.into())
                }
            })
        };
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.headers_timeout)
            .keep_alive(true);
        let connection = builder.serve_connection(io, service);
        tokio::pin!(connection);
        let mut stopping = false;
        loop {
            let verdict = activity
                .lock()
                .expect("never poisoned")
                .verdict(Instant::now(), &self.limits);
            let Some(next_check) = verdict else {
                tracing::debug!(remote = %self.remote, "closing a stalled or idle connection");
                return;
            };
            tokio::select! {
                _ = connection.as_mut() => return,
                () = tokio::time::sleep_until(next_check) => {}
                _ = self.stopping.changed(), if !stopping => {
                    stopping = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Node's answer when a request outlives `requestTimeout`, with a body in Medusa's format.
fn request_timed_out() -> Response {
    let (status, body) = error::error_response(&Error::Body {
        status: 408,
        message: "request timeout".into(),
    });
    let mut response = error::json_response(status, &body);
    error::close_connection(&mut response);
    response
}

/// What a connection has been doing, to tell an idle or stalled one from a busy one.
#[derive(Debug)]
struct Activity {
    /// When bytes last moved either way.
    last_io: Instant,
    /// When the request being received or answered sent its first byte.
    request_started: Option<Instant>,
    /// Requests handed to the endpoint and not yet answered.
    in_flight: usize,
}

impl Activity {
    fn new(now: Instant) -> Self {
        Self {
            last_io: now,
            request_started: None,
            in_flight: 0,
        }
    }

    fn read(&mut self, now: Instant) {
        self.last_io = now;
        self.request_started.get_or_insert(now);
    }

    fn wrote(&mut self, now: Instant) {
        self.last_io = now;
    }

    /// `None`: close the connection now. Otherwise, when to look again.
    fn verdict(&self, now: Instant, limits: &Limits) -> Option<Instant> {
        let deadline = match self.request_started {
            None if self.in_flight == 0 => self.last_io + limits.keep_alive_timeout,
            started => started.unwrap_or(self.last_io) + limits.request_timeout + ANSWER_GRACE,
        };
        (now < deadline).then_some(deadline)
    }
}

/// A request handed to the endpoint, until it is answered (or its connection is dropped).
struct InProgress {
    activity: Arc<Mutex<Activity>>,
    started: Instant,
}

impl InProgress {
    fn begin(activity: Arc<Mutex<Activity>>) -> Self {
        let started = {
            let mut state = activity.lock().expect("never poisoned");
            state.in_flight += 1;
            *state.request_started.get_or_insert(Instant::now())
        };
        Self { activity, started }
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        let mut state = self.activity.lock().expect("never poisoned");
        state.in_flight -= 1;
        if state.in_flight == 0 {
            // The answer is being written: from now on the connection counts as idle once bytes stop moving.
            state.request_started = None;
            state.last_io = Instant::now();
        }
    }
}

/// The socket, noting each time bytes move.
struct Watched {
    stream: TcpStream,
    activity: Arc<Mutex<Activity>>,
}

impl Watched {
    fn note(&self, note: impl FnOnce(&mut Activity, Instant)) {
        note(
            &mut self.activity.lock().expect("never poisoned"),
            Instant::now(),
        );
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.note(Activity::read);
        }
        poll
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.note(Activity::wrote);
        }
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.note(Activity::wrote);
        }
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        headers_timeout: Duration::from_secs(60),
        request_timeout: Duration::from_secs(300),
        keep_alive_timeout: Duration::from_secs(5),
        max_connections: 10,
    };

    #[test]
    fn a_silent_connection_is_closed_after_the_keep_alive_timeout() {
        let start = Instant::now();
        let activity = Activity::new(start);
        let deadline = start + LIMITS.keep_alive_timeout;
        assert_eq!(activity.verdict(start, &LIMITS), Some(deadline));
        assert_eq!(activity.verdict(deadline, &LIMITS), None);
    }

    #[test]
    fn a_request_in_progress_is_closed_only_after_the_request_timeout() {
        let start = Instant::now();
        let mut activity = Activity::new(start);
        activity.read(start);
        activity.read(start + Duration::from_secs(10));
        let deadline = start + LIMITS.request_timeout + ANSWER_GRACE;
        assert_eq!(
            activity.verdict(start + Duration::from_secs(60), &LIMITS),
            Some(deadline)
        );
        assert_eq!(activity.verdict(deadline, &LIMITS), None);
    }

    #[test]
    fn an_answered_request_leaves_the_connection_idle() {
        let activity = Arc::new(Mutex::new(Activity::new(Instant::now())));
        activity.lock().unwrap().read(Instant::now());
        drop(InProgress::begin(activity.clone()));
        let state = activity.lock().unwrap();
        assert_eq!((state.request_started, state.in_flight), (None, 0));
    }
}
