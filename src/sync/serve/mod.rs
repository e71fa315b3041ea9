//! `clerkmap serve`: the feed files as "Clerk.io JSON Feed V2" endpoints.
//!
//! `GET /products` (`/categories`, `/orders`, `/customers`, `/pages`) streams the entity's feed
//! file from the directory, as a JSON array or NDJSON (`?format=` or `Accept`), with paging
//! (`limit`, `page`) and `modified_after` (unix seconds; from a change index). Every request
//! must carry a token Clerk verifies. The file is opened per request, so a `run` that renames a
//! new feed into place is picked up at once, and a request being served keeps reading the
//! version it opened. The access log holds no token, and the server stops after the requests
//! in flight when the caller's shutdown future resolves (the command line: ctrl-c / SIGTERM).
//! Log lines go to the caller's [`Log`].
//!
//! Hostile or broken clients cannot starve Clerk:
//! - the token is checked before a request takes one of the `max_concurrency` slots, answers
//!   are remembered (refusals briefly), checks of one token are shared and each client address
//!   may only start a few checks a second (429 past that, without asking Clerk);
//! - connections are capped (the longest idle one is closed for a new one), must send their
//!   request head within `header_timeout`, are closed after `idle_timeout` kept alive, and a
//!   client that stops reading loses its connection and slot after `write_timeout`;
//! - the change index is loaded and rebuilt in the background: no request waits for it.

mod auth;
mod changes;
mod conn;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::{Semaphore, mpsc};

use crate::clerk::Entity;
use crate::engine::feed;

use auth::{TokenChecker, Verdict};
use changes::{ChangeIndex, Changes};

/// The change index's name in the feed directory.
pub const CHANGE_INDEX_FILE: &str = "clerkmap-serve-state.json";

/// Where the server's log goes: each call is one whole line, without its newline (an access-log
/// line, `denied ...`, `warning: ...`, `error: ...`). Called from the server's tasks and threads.
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// What to serve and how.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The directory of feed files.
    pub dir: PathBuf,
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// Clerk's API, for `/token/verify`.
    pub api_url: String,
    /// The store's public key, sent with every token check.
    pub public_key: String,
    /// The change index (for `modified_after`).
    pub state_path: PathBuf,
    /// How long a verified token is trusted without asking Clerk again.
    pub token_ttl: Duration,
    /// Requests served at once (a request takes a slot once its token is verified); more wait
    /// up to `request_timeout`, then get 503.
    pub max_concurrency: usize,
    /// Until the answer starts (token check, waiting for a slot).
    pub request_timeout: Duration,
    /// For the whole body; past it the answer is cut (an incomplete body, never a short feed).
    pub body_timeout: Duration,
    /// Connections open at once; at the cap, the longest idle one is closed for a new one.
    pub max_connections: usize,
    /// For a request head: from a connection's start, or from the first byte of its next
    /// request.
    pub header_timeout: Duration,
    /// A kept-alive connection waiting for its next request is closed after this.
    pub idle_timeout: Duration,
    /// A write of an answer that makes no progress for this long closes the connection (a
    /// client that stopped reading gives its slot back).
    pub write_timeout: Duration,
    /// Take the client's address (for the rate limit of token checks and the access log) from
    /// the last `X-Forwarded-For` address when the connection comes from a loopback address
    /// (a reverse proxy on the same host).
    pub trust_proxy: bool,
    /// The number of the first page: 0 (default) or 1.
    pub first_page: u64,
    /// Log one access-log line per request (and why a token was denied).
    pub access_log: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            dir: PathBuf::from("out"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            api_url: crate::sync::client::DEFAULT_API_URL.into(),
            public_key: String::new(),
            state_path: PathBuf::from("out").join(CHANGE_INDEX_FILE),
            token_ttl: Duration::from_secs(60),
            max_concurrency: 16,
            request_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(600),
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(15),
            write_timeout: Duration::from_secs(15),
            trust_proxy: false,
            first_page: 0,
            access_log: true,
        }
    }
}

struct App {
    opts: ServeOptions,
    tokens: TokenChecker,
    changes: ChangeIndex,
    slots: Arc<Semaphore>,
    log: Log,
}

/// Serves until `shutdown` resolves (then finishes the requests in flight); `ready` gets the
/// bound address once listening; log lines go to `log`.
pub async fn serve(
    opts: ServeOptions,
    log: Log,
    ready: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    if !opts.dir.is_dir() {
        return Err(format!(
            "{} is not a directory of feed files: give the --out DIR of `clerkmap run`",
            opts.dir.display()
        ));
    }
    let http = crate::sync::client::http_client(Duration::from_secs(10), Duration::from_secs(5))?;
    let feeds = Entity::ALL
        .into_iter()
        .filter_map(|e| feed::find(&opts.dir, e))
        .collect();
    let (changes, indexed) = ChangeIndex::open(opts.state_path.clone(), Arc::clone(&log), feeds);
    let app = Arc::new(App {
        tokens: TokenChecker::new(
            http,
            opts.api_url.clone(),
            opts.public_key.clone(),
            opts.token_ttl,
        ),
        changes,
        slots: Arc::new(Semaphore::new(opts.max_concurrency.max(1))),
        opts,
        log,
    });
    let listener = tokio::net::TcpListener::bind(app.opts.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", app.opts.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {}: {e}", app.opts.listen))?;
    // Small feeds are indexed before the first request; large ones go on in the background.
    let _ = tokio::time::timeout(STARTUP_INDEX_WAIT, indexed).await;
    let max_connections = connection_room(app.opts.max_connections.max(1), &app.log);
    let limits = conn::Limits {
        max_connections,
        header_timeout: app.opts.header_timeout,
        idle_timeout: app.opts.idle_timeout,
        write_timeout: app.opts.write_timeout,
        answer_timeout: app
            .opts
            .request_timeout
            .saturating_add(app.opts.body_timeout),
    };
    let log = Arc::clone(&app.log);
    let router = Router::new()
        .route("/health", get(|| async { "ok\n" }))
        .route("/{entity}", get(feed_handler))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), access_log))
        .with_state(app);
    ready(addr);
    conn::serve(listener, router, limits, log, shutdown).await;
    Ok(())
}

/// `max` connections, or fewer when the process's file descriptor limit has no room for them:
/// each connection may need a second descriptor (its token check with Clerk), and 64 are kept
/// for the rest (feed files, the change index, the runtime).
fn connection_room(max: usize, log: &Log) -> usize {
    let Some(limit) = fd_limit() else {
        return max;
    };
    let room = usize::try_from(limit.saturating_sub(64) / 2)
        .unwrap_or(usize::MAX)
        .max(8);
    if room < max {
        log(&format!(
            "warning: the connection cap of {max} lowered to {room}: `ulimit -n` is {limit}"
        ));
        room
    } else {
        max
    }
}

#[cfg(unix)]
fn fd_limit() -> Option<u64> {
    rlimit::getrlimit(rlimit::Resource::NOFILE)
        .ok()
        .map(|(soft, _)| soft)
}

#[cfg(not(unix))]
fn fd_limit() -> Option<u64> {
    None
}

/// How long `serve` waits at start for the change index to be loaded and brought up to date.
const STARTUP_INDEX_WAIT: Duration = Duration::from_secs(2);

/// The client's address: the peer's, or, with `trust_proxy` and a loopback peer (a reverse
/// proxy on this host), the last address of `X-Forwarded-For` (the one the proxy saw).
fn client_addr(peer: SocketAddr, headers: &HeaderMap, trust_proxy: bool) -> IpAddr {
    let ip = peer.ip();
    let loopback = match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    };
    if !trust_proxy || !loopback {
        return ip;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|a| a.trim().parse::<IpAddr>().ok())
        .unwrap_or(ip)
}

async fn access_log(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let client = client_addr(peer, req.headers(), app.opts.trust_proxy);
    let method = req.method().clone();
    // The path and query only: the token travels in a header and is never logged.
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let resp = next.run(req).await;
    if app.opts.access_log {
        (app.log)(&format!(
            "{} {client} \"{method} {}\" {} {}ms",
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"),
            target.escape_debug(),
            resp.status().as_u16(),
            started.elapsed().as_millis()
        ));
    }
    resp
}

fn plain(status: StatusCode, msg: &str) -> Response {
    let mut r = (status, format!("{msg}\n")).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn not_found() -> Response {
    not_found_response()
}

fn not_found_response() -> Response {
    plain(
        StatusCode::NOT_FOUND,
        "not found: the feeds are /products, /categories, /orders, /customers, /pages",
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fmt {
    Json,
    Ndjson,
}

/// The query, checked.
struct Params {
    format: Fmt,
    limit: Option<u64>,
    page: u64,
    modified_after: Option<i64>,
}

fn params(
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    first_page: u64,
) -> Result<Params, String> {
    let num = |name: &str| -> Result<Option<u64>, String> {
        match q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s
                .parse::<u64>()
                .map(Some)
                .map_err(|_| format!("`{name}={s}` is not a whole number")),
        }
    };
    let limit = num("limit")?;
    if limit == Some(0) {
        return Err("`limit` must be at least 1".into());
    }
    let page = num("page")?.unwrap_or(first_page);
    if page < first_page {
        return Err(format!("pages start at {first_page}"));
    }
    let modified_after = match q
        .get("modified_after")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => Some(
            unix_seconds(s).ok_or_else(|| format!("`modified_after={s}` is not unix seconds"))?,
        ),
    };
    let format = match q.get("format").map(|s| s.trim().to_ascii_lowercase()) {
        Some(f) if f == "json" => Fmt::Json,
        Some(f) if f == "ndjson" || f == "jsonl" => Fmt::Ndjson,
        Some(f) => return Err(format!("`format={f}` is not json or ndjson")),
        None => {
            let accept = headers
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if accept.contains("application/x-ndjson") || accept.contains("application/jsonl") {
                Fmt::Ndjson
            } else {
                Fmt::Json
            }
        }
    };
    Ok(Params {
        format,
        limit,
        page,
        modified_after,
    })
}

/// `UNIX` or `UNIX.FRACTION` seconds, rounded down to whole seconds (change times are whole
/// seconds, compared inclusively: nothing that changed in that second is missed).
fn unix_seconds(s: &str) -> Option<i64> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    if frac.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let secs: i64 = int.parse().ok()?;
    let fraction = frac.is_some_and(|f| f.bytes().any(|b| b != b'0'));
    if int.starts_with('-') && fraction {
        secs.checked_sub(1)
    } else {
        Some(secs)
    }
}

fn with_retry_after(mut r: Response, secs: u64) -> Response {
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
    r
}

async fn feed_handler(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let now = tokio::time::Instant::now();
    let deadline = now
        .checked_add(app.opts.request_timeout)
        .or_else(|| now.checked_add(Duration::from_secs(86_400)))
        .unwrap_or(now);
    // The token before anything else, and before taking a slot: an unauthorised caller learns
    // nothing, not even which feeds exist, and holds no slot while Clerk is asked.
    let client = client_addr(peer, &headers, app.opts.trust_proxy);
    let verdict = tokio::time::timeout_at(deadline, app.tokens.check(&headers, client)).await;
    match verdict {
        Ok(Verdict::Ok) => {}
        Ok(Verdict::Denied(why)) => {
            let mut r = plain(StatusCode::UNAUTHORIZED, "unauthorized");
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"clerk\""),
            );
            // Why, for the operator; the caller sees only "unauthorized".
            if app.opts.access_log {
                (app.log)(&format!("denied /{}: {why}", name.escape_debug()));
            }
            return r;
        }
        Ok(Verdict::Limited(wait)) => {
            if app.opts.access_log {
                (app.log)(&format!(
                    "denied /{}: too many token checks from {client}",
                    name.escape_debug()
                ));
            }
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return with_retry_after(
                plain(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too many token checks: try again later",
                ),
                secs,
            );
        }
        Ok(Verdict::Unavailable(e)) => {
            (app.log)(&format!("error: cannot verify a token with Clerk: {e}"));
            return with_retry_after(
                plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "cannot verify the token now",
                ),
                30,
            );
        }
        Err(_) => {
            (app.log)("error: Clerk did not answer a token check within the request timeout");
            return with_retry_after(
                plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "cannot verify the token now",
                ),
                10,
            );
        }
    }
    // Then a slot: bounded concurrency; the slot is held until the body is sent.
    let permit = match tokio::time::timeout_at(deadline, app.slots.clone().acquire_owned()).await {
        Ok(Ok(p)) => p,
        _ => {
            return with_retry_after(
                plain(StatusCode::SERVICE_UNAVAILABLE, "busy: try again shortly"),
                5,
            );
        }
    };
    answer(&app, &name, &q, &headers, permit)
}

/// The answer to a verified request holding a slot: the feed file, the query, which records
/// changed. Never waits (the change index is rebuilt in the background).
fn answer(
    app: &App,
    name: &str,
    q: &HashMap<String, String>,
    headers: &HeaderMap,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> Response {
    let Some(entity) = Entity::parse(name) else {
        return not_found_response();
    };
    let p = match params(q, headers, app.opts.first_page) {
        Ok(p) => p,
        Err(e) => return plain(StatusCode::BAD_REQUEST, &e),
    };
    let Some(file) = feed::find(&app.opts.dir, entity) else {
        return plain(
            StatusCode::NOT_FOUND,
            &format!("no {} feed here", entity.name()),
        );
    };
    let changes = match p.modified_after {
        Some(after) => Some(app.changes.changes(&file, after)),
        None => {
            app.changes.refresh(&file);
            None
        }
    };
    stream(app, file, p, changes, permit)
}

/// The body: a reader thread selects and serialises the records into chunks.
fn stream(
    app: &App,
    file: feed::FeedFile,
    p: Params,
    changes: Option<Changes>,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> Response {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let skip = p
        .limit
        .map(|l| l.saturating_mul(p.page - app.opts.first_page))
        .unwrap_or(0);
    let limit = p.limit.unwrap_or(u64::MAX);
    let fmt = p.format;
    let log = Arc::clone(&app.log);
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let mut buf: Vec<u8> = Vec::with_capacity(64 << 10);
        if fmt == Fmt::Json {
            buf.extend_from_slice(b"[");
        }
        let (mut matched, mut sent) = (0u64, 0u64);
        let r = file.for_each(|_, v| {
            if let Some(changes) = &changes
                && !feed::id_key(&v).is_some_and(|k| changes.changed(&k, &v))
            {
                return Ok(true);
            }
            matched += 1;
            if matched <= skip {
                return Ok(true);
            }
            if sent >= limit {
                return Ok(false);
            }
            match (fmt, sent) {
                (Fmt::Json, 0) => buf.extend_from_slice(b"\n"),
                (Fmt::Json, _) => buf.extend_from_slice(b",\n"),
                _ => {}
            }
            serde_json::to_writer(&mut buf, &v).map_err(|e| e.to_string())?;
            if fmt == Fmt::Ndjson {
                buf.push(b'\n');
            }
            sent += 1;
            if buf.len() >= 60 << 10 {
                let chunk = Bytes::from(std::mem::replace(&mut buf, Vec::with_capacity(64 << 10)));
                if tx.blocking_send(Ok(chunk)).is_err() {
                    return Ok(false);
                }
            }
            Ok(true)
        });
        let r = r.map_err(|e| e.to_string()).and_then(|n| {
            n.ok_or_else(|| {
                format!(
                    "{} has no {} section",
                    file.path.display(),
                    file.entity.name()
                )
            })
        });
        match r {
            Ok(_) => {
                if fmt == Fmt::Json {
                    buf.extend_from_slice(if sent == 0 { b"]\n" } else { b"\n]\n" });
                }
                let _ = tx.blocking_send(Ok(Bytes::from(buf)));
            }
            Err(e) => {
                // Cut the body: Clerk sees a broken answer, never a short feed to mirror.
                log(&format!("error: {e} (answer cut)"));
                let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        }
    });
    let body = Body::from_stream(BodyStream {
        rx,
        deadline: Box::pin(tokio::time::sleep(app.opts.body_timeout)),
        done: false,
        log: Arc::clone(&app.log),
    });
    let ctype = match fmt {
        Fmt::Json => "application/json",
        Fmt::Ndjson => "application/x-ndjson",
    };
    let mut r = Response::new(body);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The chunks from the reader thread, cut off at the body deadline.
struct BodyStream {
    rx: mpsc::Receiver<Result<Bytes, std::io::Error>>,
    deadline: Pin<Box<tokio::time::Sleep>>,
    done: bool,
    log: Log,
}

impl futures_util::Stream for BodyStream {
    type Item = Result<Bytes, std::io::Error>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.done = true;
            (self.log)("error: an answer took longer than the body timeout (answer cut)");
            return Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "body timeout",
            ))));
        }
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(Err(e))) => {
                self.done = true;
                Poll::Ready(Some(Err(e)))
            }
            other => other,
        }
    }
}
