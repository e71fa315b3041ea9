//! The connections: an accept loop with a cap on open connections, and what each connection
//! may take before it is closed.
//!
//! - A new connection must send a whole request head within the header timeout; so must a
//!   kept-alive one from the first byte of its next request. A kept-alive connection waiting
//!   for its next request is closed after the idle timeout.
//! - While an answer is being sent, a write that makes no progress for the write timeout
//!   closes the connection (a client that stopped reading gives its slot back at once), and the
//!   whole request may take at most the answer timeout (request timeout + body timeout).
//! - At the cap, a new connection closes the connection idle for the longest (new, kept alive
//!   or half-sent: not one with a request in progress); when every connection is busy, the
//!   new one gets a bare 503 and is closed. When the process runs out of file descriptors,
//!   idle connections are closed the same way so that accepting can go on.
//! - On shutdown, idle connections are closed and busy ones finish their answer.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::{Instant, Sleep};
use tower_service::Service;

use super::Log;

/// What connections may take.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// Connections open at once.
    pub max_connections: usize,
    /// For a request head, from the connection's start or its first byte.
    pub header_timeout: Duration,
    /// A kept-alive connection waiting for its next request.
    pub idle_timeout: Duration,
    /// A write of the answer that makes no progress.
    pub write_timeout: Duration,
    /// A whole request, from its head to the last byte of its answer.
    pub answer_timeout: Duration,
}

/// The bare answer of a connection refused at the cap.
const REFUSED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nbusy\n";

/// How often the same connection warning may be logged.
const WARN_EVERY: Duration = Duration::from_secs(60);

// A connection's phases.
/// Accepted, no request yet.
const FRESH: u8 = 0;
/// Kept alive, waiting for the next request.
const IDLE: u8 = 1;
/// The next request's head is arriving.
const HEAD: u8 = 2;
/// A request is in progress (from its head to the end of its answer).
const BUSY: u8 = 3;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn far_future() -> Instant {
    let now = Instant::now();
    now.checked_add(Duration::from_secs(86_400 * 365))
        .unwrap_or(now)
}

/// One connection's state, shared by its task, its I/O, its requests and the accept loop.
struct ConnState {
    epoch: Instant,
    phase: AtomicU8,
    /// Since when (milliseconds from `epoch`) the connection is in its phase.
    since_ms: AtomicU64,
    busy: AtomicUsize,
    /// Close now (evicted at the cap).
    kill: Notify,
    /// The phase changed in a way that may bring the deadline closer.
    wake: Notify,
    /// A write made no progress for the write timeout.
    stalled: AtomicBool,
}

impl ConnState {
    fn new(epoch: Instant) -> Self {
        let st = ConnState {
            epoch,
            phase: AtomicU8::new(FRESH),
            since_ms: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
            kill: Notify::new(),
            wake: Notify::new(),
            stalled: AtomicBool::new(false),
        };
        st.enter(FRESH);
        st
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(
            Instant::now()
                .saturating_duration_since(self.epoch)
                .as_millis(),
        )
        .unwrap_or(u64::MAX)
    }

    fn enter(&self, phase: u8) {
        self.since_ms.store(self.now_ms(), Ordering::SeqCst);
        self.phase.store(phase, Ordering::SeqCst);
    }

    fn phase(&self) -> u8 {
        self.phase.load(Ordering::SeqCst)
    }

    /// A request's head arrived.
    fn begin(&self) {
        self.busy.fetch_add(1, Ordering::SeqCst);
        self.enter(BUSY);
    }

    /// A request's answer is sent (or dropped).
    fn end(&self) {
        if self.busy.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.enter(IDLE);
            self.wake.notify_one();
        }
    }

    /// Bytes arrived: on a kept-alive connection, the next request's head starts.
    fn saw_bytes(&self) {
        if self
            .phase
            .compare_exchange(IDLE, HEAD, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            self.since_ms.store(self.now_ms(), Ordering::SeqCst);
        }
    }

    fn deadline(&self, limits: &Limits) -> Instant {
        let timeout = match self.phase() {
            FRESH | HEAD => limits.header_timeout,
            IDLE => limits.idle_timeout,
            _ => limits.answer_timeout,
        };
        self.epoch
            .checked_add(Duration::from_millis(self.since_ms.load(Ordering::SeqCst)))
            .and_then(|t| t.checked_add(timeout))
            .unwrap_or_else(far_future)
    }
}

/// The open connections.
#[derive(Default)]
struct Registry {
    next: u64,
    conns: HashMap<u64, Arc<ConnState>>,
}

impl Registry {
    /// Closes the connection idle for the longest; `false`: every connection is busy.
    fn evict_oldest_idle(&mut self) -> bool {
        let oldest = self
            .conns
            .iter()
            .filter(|(_, st)| st.phase() != BUSY)
            .min_by_key(|(_, st)| st.since_ms.load(Ordering::SeqCst))
            .map(|(id, _)| *id);
        match oldest.and_then(|id| self.conns.remove(&id)) {
            Some(st) => {
                st.kill.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Takes a connection out of the registry when its task ends.
struct Registered {
    registry: Arc<Mutex<Registry>>,
    id: u64,
}

impl Drop for Registered {
    fn drop(&mut self) {
        lock(&self.registry).conns.remove(&self.id);
    }
}

/// Logs a warning at most once a [`WARN_EVERY`].
struct Warner {
    log: Log,
    last: Option<Instant>,
}

impl Warner {
    fn warn(&mut self, msg: &str) {
        let now = Instant::now();
        if self
            .last
            .is_none_or(|t| now.saturating_duration_since(t) >= WARN_EVERY)
        {
            self.last = Some(now);
            (self.log)(&format!("warning: {msg}"));
        }
    }
}

/// `ENFILE`, `EMFILE`: out of file descriptors (the same numbers on Linux, the BSDs, macOS).
fn out_of_fds(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(23 | 24))
}

/// Serves `router` on `listener` within `limits` until `shutdown` resolves, then waits for
/// the answers in progress.
pub(super) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    log: Log,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let epoch = Instant::now();
    let registry = Arc::new(Mutex::new(Registry::default()));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let mut warner = Warner {
        log: Arc::clone(&log),
        last: None,
    };
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let admitted = {
                        let mut reg = lock(&registry);
                        let cap = limits.max_connections.max(1);
                        // At the cap, the longest idle connection goes.
                        if reg.conns.len() >= cap && reg.evict_oldest_idle() {
                            warner.warn(&format!(
                                "{cap} connections open, the cap: closing the longest idle ones"
                            ));
                        }
                        if reg.conns.len() < cap {
                            reg.next += 1;
                            let id = reg.next;
                            let st = Arc::new(ConnState::new(epoch));
                            reg.conns.insert(id, Arc::clone(&st));
                            Some((st, Registered { registry: Arc::clone(&registry), id }))
                        } else {
                            None
                        }
                    };
                    match admitted {
                        Some((st, registered)) => {
                            let conn = Conn {
                                peer,
                                st,
                                _registered: registered,
                                router: router.clone(),
                                limits,
                                log: Arc::clone(&log),
                            };
                            tasks.spawn(conn.drive(stream, stop_rx.clone()));
                        }
                        None => {
                            warner.warn("every connection is busy at the connection cap: refusing new ones with 503");
                            let _ = stream.try_write(REFUSED);
                        }
                    }
                }
                Err(e) => {
                    if out_of_fds(&e) {
                        lock(&registry).evict_oldest_idle();
                        warner.warn(&format!(
                            "cannot accept a connection ({e}): closing idle ones; lower the connection cap or raise `ulimit -n`"
                        ));
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
        }
    }
    let _ = stop_tx.send(true);
    while tasks.join_next().await.is_some() {}
}

/// Keeps a connection busy while one of its requests is in progress.
struct Busy(Arc<ConnState>);

impl Busy {
    fn start(st: Arc<ConnState>) -> Busy {
        st.begin();
        Busy(st)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// An answer's body, keeping its connection busy until it is sent or dropped.
struct Tracked {
    body: Body,
    _busy: Busy,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// One connection and what it needs.
struct Conn {
    peer: SocketAddr,
    st: Arc<ConnState>,
    _registered: Registered,
    router: Router,
    limits: Limits,
    log: Log,
}

impl Conn {
    /// Serves the connection until it ends, is closed at a deadline, evicted, or shut down.
    async fn drive(self, stream: TcpStream, mut stop: watch::Receiver<bool>) {
        let Conn {
            peer,
            st,
            router,
            limits,
            log,
            ..
        } = &self;
        let (peer, limits) = (*peer, *limits);
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(Guarded {
            inner: stream,
            st: Arc::clone(st),
            write_timeout: limits.write_timeout,
            stall: None,
        });
        let st2 = Arc::clone(st);
        let router = router.clone();
        let svc = service_fn(move |mut req: hyper::Request<Incoming>| {
            let busy = Busy::start(Arc::clone(&st2));
            req.extensions_mut().insert(ConnectInfo(peer));
            let answer = router.clone().call(req);
            async move {
                let resp = answer.await?;
                Ok::<_, Infallible>(resp.map(|body| Body::new(Tracked { body, _busy: busy })))
            }
        });
        let conn = http1::Builder::new().serve_connection(io, svc);
        tokio::pin!(conn);
        let mut stopping = *stop.borrow();
        if stopping {
            return;
        }
        loop {
            let deadline = st.deadline(&limits);
            tokio::select! {
                _ = conn.as_mut() => {
                    if st.stalled.load(Ordering::SeqCst) {
                        log(&format!(
                            "warning: {peer} stopped reading its answer for {} s: connection closed",
                            limits.write_timeout.as_secs()
                        ));
                    }
                    break;
                }
                _ = st.kill.notified() => break,
                _ = st.wake.notified() => {}
                _ = tokio::time::sleep_until(deadline) => {
                    if Instant::now() >= st.deadline(&limits) {
                        if st.phase() == BUSY {
                            log(&format!(
                                "error: an answer to {peer} took longer than the request and body timeouts (connection closed)"
                            ));
                        }
                        break;
                    }
                }
                _ = stop.changed(), if !stopping => {
                    stopping = true;
                    if st.phase() != BUSY {
                        break;
                    }
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// A connection's socket: notes when bytes arrive, and fails a write that makes no progress
/// for the write timeout.
struct Guarded {
    inner: TcpStream,
    st: Arc<ConnState>,
    write_timeout: Duration,
    /// Armed while a write waits for the client.
    stall: Option<Pin<Box<Sleep>>>,
}

impl Guarded {
    fn waiting<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let timeout = self.write_timeout;
        let stall = self
            .stall
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        if stall.as_mut().poll(cx).is_ready() {
            self.st.stalled.store(true, Ordering::SeqCst);
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client stopped reading",
            )));
        }
        Poll::Pending
    }

    fn progress<T>(&mut self, r: Poll<io::Result<T>>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match r {
            Poll::Pending => self.waiting(cx),
            ready => {
                self.stall = None;
                ready
            }
        }
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.st.saw_bytes();
        }
        r
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.progress(r, cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.progress(r, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_flush(cx);
        this.progress(r, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
