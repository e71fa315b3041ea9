//! A fake Clerk API on 127.0.0.1 for the push and serve tests: it checks the keys and the shape
//! of every payload, records what it accepted, answers `/v2/token/verify`, and can inject
//! faults (429 with Retry-After, 5xx, slow answers, hangs, dropped connections, Clerk errors),
//! fail hard after N batches, or block forever after N batches (to kill a push mid-way).
#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clerkmap::json;
use clerkmap::value::Value;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

pub const PUBLIC: &str = "pk_test_public";
pub const PRIVATE: &str = "SECRET-private-key-4711";
pub const ENTITIES: [&str; 5] = ["products", "categories", "orders", "customers", "pages"];
/// Where Clerk's shop extensions (and `clerkmap push`) check the keys.
pub const KEY_CHECK: &str = "/v2/client/account/info";

#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer this status with a Clerk error body (not processed).
    Status(u16),
    /// 429 with `Retry-After: N` (not processed).
    TooMany(u64),
    /// Wait, then process normally.
    Slow(Duration),
    /// Wait (longer than the client's timeout), then 503 (not processed).
    Hang(Duration),
    /// Close the connection without an answer (not processed).
    Drop,
    /// A Clerk error: status, type, message (not processed).
    Clerk(u16, &'static str, &'static str),
    /// A 400 whose message echoes the private key it received (to test redaction).
    EchoKey,
    /// A 400 Clerk error whose message echoes both keys it received in every encoding
    /// ([`encodings`]), and the request's raw query (to test redaction).
    EchoKeys,
    /// This status with a plain-text body echoing both keys in every encoding and the raw
    /// request (body or query): a body that is not Clerk's JSON.
    EchoKeysText(u16),
    /// `307 Temporary Redirect` to this URL (not processed).
    Redirect(String),
}

/// Every form a key may take on its way out and back: raw, JSON-escaped (serde and PHP's
/// `json_encode`, which escapes `/`), percent-encoded (`%20`, upper and lower hex), form-encoded
/// (`+`), and with its whitespace collapsed.
pub fn encodings(k: &str) -> Vec<String> {
    let json = serde_json::to_string(k).unwrap_or_default();
    let json = json[1..json.len() - 1].to_string();
    let pct = |upper: bool| -> String {
        k.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else if upper {
                    format!("%{b:02X}")
                } else {
                    format!("%{b:02x}")
                }
            })
            .collect()
    };
    let form: String = url_form(k);
    vec![
        k.to_string(),
        json.clone(),
        json.replace('/', "\\/"),
        pct(true),
        pct(false),
        form,
        k.split_whitespace().collect::<Vec<_>>().join(" "),
    ]
}

/// `application/x-www-form-urlencoded`, as a query string carries it.
pub fn url_form(k: &str) -> String {
    let mut u = reqwest::Url::parse("http://x/").unwrap_or_else(|e| panic!("{e}"));
    u.query_pairs_mut().append_pair("k", k);
    u.query()
        .unwrap_or("k=")
        .trim_start_matches("k=")
        .to_string()
}

#[derive(Debug, Default, Clone)]
pub struct Log {
    /// Accepted records per entity, in arrival order.
    pub upserts: BTreeMap<String, Vec<Value>>,
    /// Accepted delete ids per entity.
    pub deletes: BTreeMap<String, Vec<Value>>,
    /// "POST /v2/products 200" for every request.
    pub requests: Vec<String>,
    /// Payloads that broke Clerk's contract (a test failure unless expected).
    pub shape_errors: Vec<String>,
    pub verify_calls: usize,
    /// Key checks (`GET /v2/client/account/info`), not in `requests`.
    pub key_checks: usize,
}

impl Log {
    pub fn entity_requests(&self) -> usize {
        self.requests
            .iter()
            .filter(|r| !r.contains("/token/verify"))
            .count()
    }
    /// Accepted upsert ids of an entity, as keys.
    pub fn upserted_ids(&self, entity: &str) -> Vec<String> {
        self.upserts
            .get(entity)
            .map(|v| v.iter().map(|r| key(&r["id"])).collect())
            .unwrap_or_default()
    }
    pub fn deleted_ids(&self, entity: &str) -> Vec<String> {
        self.deletes
            .get(entity)
            .map(|v| v.iter().map(key).collect())
            .unwrap_or_default()
    }
}

pub fn key(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        other => other.to_string(),
    }
}

struct Shared {
    faults: Mutex<VecDeque<(Option<&'static str>, Fault)>>,
    fail_after: Mutex<Option<usize>>,
    block_after: Mutex<Option<usize>>,
    accepted_batches: AtomicUsize,
    blocked: AtomicUsize,
    log: Mutex<Log>,
    tokens: Mutex<HashSet<String>>,
    /// The public and private key accepted.
    keys: Mutex<(String, String)>,
    /// Other stores' key pairs accepted too.
    other_keys: Mutex<Vec<(String, String)>>,
    verify_delay: Mutex<Duration>,
    /// The key check answers 404, as an API without it would.
    no_key_check: std::sync::atomic::AtomicBool,
}

pub struct FakeClerk {
    /// `http://127.0.0.1:PORT/v2`
    pub url: String,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl FakeClerk {
    pub fn start() -> FakeClerk {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("fake clerk: cannot bind: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        listener
            .set_nonblocking(true)
            .unwrap_or_else(|e| panic!("fake clerk: {e}"));
        let shared = Arc::new(Shared {
            faults: Mutex::new(VecDeque::new()),
            fail_after: Mutex::new(None),
            block_after: Mutex::new(None),
            accepted_batches: AtomicUsize::new(0),
            blocked: AtomicUsize::new(0),
            log: Mutex::new(Log::default()),
            tokens: Mutex::new(HashSet::new()),
            keys: Mutex::new((PUBLIC.to_string(), PRIVATE.to_string())),
            other_keys: Mutex::new(Vec::new()),
            verify_delay: Mutex::new(Duration::ZERO),
            no_key_check: std::sync::atomic::AtomicBool::new(false),
        });
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let sh = shared.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap_or_else(|e| panic!("fake clerk: {e}"));
            rt.block_on(async move {
                let l = tokio::net::TcpListener::from_std(listener)
                    .unwrap_or_else(|e| panic!("fake clerk: {e}"));
                loop {
                    tokio::select! {
                        _ = &mut stop_rx => break,
                        acc = l.accept() => {
                            let Ok((stream, _)) = acc else { continue };
                            let sh = sh.clone();
                            tokio::spawn(async move {
                                let svc = service_fn(move |req| handle(sh.clone(), req));
                                let _ = http1::Builder::new()
                                    .serve_connection(TokioIo::new(stream), svc)
                                    .await;
                            });
                        }
                    }
                }
            });
        });
        FakeClerk {
            url: format!("http://127.0.0.1:{port}/v2"),
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// Queues a fault for the next entity request (of `method`, or any).
    pub fn fault(&self, method: Option<&'static str>, f: Fault) {
        lock(&self.shared.faults).push_back((method, f));
    }
    /// After `n` accepted batches, every entity request answers 503.
    pub fn fail_after(&self, n: usize) {
        *lock(&self.shared.fail_after) = Some(n + self.accepted_batches());
    }
    /// After `n` accepted batches, entity requests never get an answer.
    pub fn block_after(&self, n: usize) {
        *lock(&self.shared.block_after) = Some(n + self.accepted_batches());
    }
    pub fn heal(&self) {
        *lock(&self.shared.fail_after) = None;
        *lock(&self.shared.block_after) = None;
        lock(&self.shared.faults).clear();
    }
    pub fn accepted_batches(&self) -> usize {
        self.shared.accepted_batches.load(Ordering::SeqCst)
    }
    pub fn blocked(&self) -> usize {
        self.shared.blocked.load(Ordering::SeqCst)
    }
    /// Accept these keys too: another Clerk store's.
    pub fn also_accept(&self, public: &str, private: &str) {
        lock(&self.shared.other_keys).push((public.to_string(), private.to_string()));
    }

    /// Accept these keys instead of [`PUBLIC`] and [`PRIVATE`].
    pub fn set_keys(&self, public: &str, private: &str) {
        *lock(&self.shared.keys) = (public.to_string(), private.to_string());
    }
    /// Every token check answers after `d` (counted in `verify_calls` when it arrives).
    pub fn slow_token_check(&self, d: Duration) {
        *lock(&self.shared.verify_delay) = d;
    }
    /// The key check (`GET /v2/client/account/info`) answers 404 from now on.
    pub fn without_key_check(&self) {
        self.shared.no_key_check.store(true, Ordering::SeqCst);
    }
    pub fn add_token(&self, t: &str) {
        lock(&self.shared.tokens).insert(t.to_string());
    }
    pub fn log(&self) -> Log {
        lock(&self.shared.log).clone()
    }
    pub fn clear_log(&self) {
        *lock(&self.shared.log) = Log::default();
    }
    pub fn faults_left(&self) -> usize {
        lock(&self.shared.faults).len()
    }
}

impl Drop for FakeClerk {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

type Resp = Response<Full<Bytes>>;

fn answer(status: u16, body: Value) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::IM_A_TEAPOT);
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

fn clerk_error(status: u16, kind: &str, msg: &str) -> Resp {
    answer(
        status,
        json!({"status": "error", "type": kind, "message": msg}),
    )
}

async fn handle(sh: Arc<Shared>, req: Request<Incoming>) -> Result<Resp, std::io::Error> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let r = route(&sh, req).await;
    let status = match &r {
        Ok(resp) => resp.status().as_u16().to_string(),
        Err(_) => "dropped".into(),
    };
    if path == KEY_CHECK {
        lock(&sh.log).key_checks += 1;
        return r;
    }
    lock(&sh.log)
        .requests
        .push(format!("{method} {path} {status}"));
    r
}

async fn body_of(req: Request<Incoming>) -> Result<(Vec<u8>, bool), std::io::Error> {
    let gz = req
        .headers()
        .get(hyper::header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes() == b"gzip");
    let bytes = req
        .into_body()
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    if gz {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..]).read_to_end(&mut out)?;
        Ok((out, true))
    } else {
        Ok((bytes.to_vec(), false))
    }
}

/// Whether a request's keys are a pair the fake accepts.
fn keys_accepted(
    sh: &Shared,
    public: Option<impl AsRef<str>>,
    private: Option<impl AsRef<str>>,
) -> bool {
    let (Some(public), Some(private)) = (public, private) else {
        return false;
    };
    let pair = (public.as_ref(), private.as_ref());
    let (p, k) = lock(&sh.keys).clone();
    (p.as_str(), k.as_str()) == pair
        || lock(&sh.other_keys)
            .iter()
            .any(|(p, k)| (p.as_str(), k.as_str()) == pair)
}

async fn route(sh: &Shared, req: Request<Incoming>) -> Result<Resp, std::io::Error> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let uri = req.uri().to_string();
    let public = lock(&sh.keys).0.clone();
    if path == "/v2/token/verify" && method == "POST" {
        lock(&sh.log).verify_calls += 1;
        let delay = *lock(&sh.verify_delay);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let (body, _) = body_of(req).await?;
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let ok = (v["key"] == public.as_str()
            || lock(&sh.other_keys)
                .iter()
                .any(|(p, _)| v["key"] == p.as_str()))
            && v["token"]
                .as_str()
                .is_some_and(|t| lock(&sh.tokens).contains(t));
        return Ok(if ok {
            answer(200, json!({"status": "ok"}))
        } else {
            clerk_error(200, "AuthenticationError", "Invalid token")
        });
    }
    if path == KEY_CHECK && method == "GET" {
        if sh.no_key_check.load(Ordering::SeqCst) {
            return Ok(clerk_error(404, "LogicalError", "no such endpoint"));
        }
        let url = reqwest::Url::parse(&format!("http://fake{uri}"))
            .unwrap_or_else(|e| panic!("fake clerk: bad uri {uri}: {e}"));
        let q: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
        return Ok(if keys_accepted(sh, q.get("key"), q.get("private_key")) {
            answer(200, json!({"status": "ok", "info": {"name": "fake store"}}))
        } else {
            clerk_error(200, "AuthenticationError", "Invalid API key")
        });
    }
    let Some(entity) = path.strip_prefix("/v2/").filter(|e| ENTITIES.contains(e)) else {
        return Ok(clerk_error(404, "LogicalError", "no such endpoint"));
    };
    let entity = entity.to_string();
    let fault = {
        let mut q = lock(&sh.faults);
        let pos = q.iter().position(|(m, _)| m.is_none_or(|m| m == method));
        pos.and_then(|p| q.remove(p)).map(|(_, f)| f)
    };
    match fault {
        None => {}
        Some(Fault::Status(c)) => return Ok(clerk_error(c, "InternalError", "injected failure")),
        Some(Fault::TooMany(s)) => {
            let mut r = clerk_error(429, "RateLimit", "slow down");
            r.headers_mut().insert(
                hyper::header::RETRY_AFTER,
                hyper::header::HeaderValue::from(s),
            );
            return Ok(r);
        }
        Some(Fault::Slow(d)) => tokio::time::sleep(d).await,
        Some(Fault::Hang(d)) => {
            tokio::time::sleep(d).await;
            return Ok(clerk_error(503, "InternalError", "too late"));
        }
        Some(Fault::Drop) => return Err(std::io::Error::other("dropped on purpose")),
        Some(Fault::Clerk(c, kind, msg)) => return Ok(clerk_error(c, kind, msg)),
        Some(Fault::EchoKey) => {
            let (body, _) = body_of(req).await?;
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let got = v["private_key"].as_str().unwrap_or("?").to_string();
            return Ok(clerk_error(
                400,
                "AuthenticationError",
                &format!("private key {got} is not valid"),
            ));
        }
        Some(Fault::EchoKeys) => {
            let (got, _) = received_keys(req).await?;
            let mut msg = format!("invalid keys; you sent {uri}");
            for k in [&got.0, &got.1] {
                for e in encodings(k) {
                    msg.push_str(&format!(" [{e}]"));
                }
            }
            return Ok(clerk_error(400, "AuthenticationError", &msg));
        }
        Some(Fault::EchoKeysText(c)) => {
            let (got, raw) = received_keys(req).await?;
            let mut msg = "<html><body>Bad gateway:".to_string();
            for k in [&got.0, &got.1] {
                for e in encodings(k) {
                    msg.push_str(&format!("\n<p>{e}</p>"));
                }
            }
            msg.push_str(&format!("\n{uri}\n{raw}"));
            let mut r = Response::new(Full::new(Bytes::from(msg)));
            *r.status_mut() =
                hyper::StatusCode::from_u16(c).unwrap_or(hyper::StatusCode::BAD_GATEWAY);
            return Ok(r);
        }
        Some(Fault::Redirect(to)) => {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = hyper::StatusCode::TEMPORARY_REDIRECT;
            r.headers_mut().insert(
                hyper::header::LOCATION,
                hyper::header::HeaderValue::from_str(&to)
                    .unwrap_or_else(|e| panic!("fake clerk: bad location {to}: {e}")),
            );
            return Ok(r);
        }
    }
    let accepted = sh.accepted_batches.load(Ordering::SeqCst);
    if lock(&sh.fail_after).is_some_and(|n| accepted >= n) {
        return Ok(clerk_error(503, "InternalError", "down for maintenance"));
    }
    if lock(&sh.block_after).is_some_and(|n| accepted >= n) {
        sh.blocked.fetch_add(1, Ordering::SeqCst);
        std::future::pending::<()>().await;
    }
    match method.as_str() {
        "POST" => {
            let (body, _) = body_of(req).await?;
            let v: Value = match serde_json::from_slice(&body) {
                Ok(v) => v,
                Err(e) => {
                    lock(&sh.log)
                        .shape_errors
                        .push(format!("POST {entity}: not JSON: {e}"));
                    return Ok(clerk_error(400, "ParsingError", "not JSON"));
                }
            };
            if !keys_accepted(sh, v["key"].as_str(), v["private_key"].as_str()) {
                return Ok(clerk_error(403, "AuthenticationError", "Invalid API key"));
            }
            let obj = v.as_object().cloned().unwrap_or_default();
            let mut keys: Vec<&str> = obj.keys().map(|k| k.as_str()).collect();
            keys.sort_unstable();
            let mut expected = vec!["key", "private_key", entity.as_str()];
            expected.sort_unstable();
            let records = v[entity.as_str()].as_array().cloned().unwrap_or_default();
            let bad = keys != expected
                || records.is_empty()
                || records.iter().any(|r| {
                    !r.is_object() || !(r["id"].is_string() || r["id"].is_i64() || r["id"].is_u64())
                });
            if bad {
                lock(&sh.log)
                    .shape_errors
                    .push(format!("POST {entity}: bad payload keys {keys:?}"));
                return Ok(clerk_error(400, "ParsingError", "bad payload"));
            }
            lock(&sh.log)
                .upserts
                .entry(entity)
                .or_default()
                .extend(records);
            sh.accepted_batches.fetch_add(1, Ordering::SeqCst);
            Ok(answer(200, json!({"status": "ok"})))
        }
        "DELETE" => {
            let url = reqwest::Url::parse(&format!("http://fake{uri}"))
                .unwrap_or_else(|e| panic!("fake clerk: bad uri {uri}: {e}"));
            let q: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
            if !keys_accepted(sh, q.get("key"), q.get("private_key")) {
                return Ok(clerk_error(403, "AuthenticationError", "Invalid API key"));
            }
            if entity == "orders" {
                lock(&sh.log)
                    .shape_errors
                    .push("DELETE orders: orders are never deleted".into());
                return Ok(clerk_error(400, "LogicalError", "orders cannot be deleted"));
            }
            let ids: Vec<Value> = q
                .get(entity.as_str())
                .and_then(|s| serde_json::from_str::<Value>(s).ok())
                .and_then(|v| v.as_array().cloned())
                .unwrap_or_default();
            if ids.is_empty() {
                lock(&sh.log)
                    .shape_errors
                    .push(format!("DELETE {entity}: no ids"));
                return Ok(clerk_error(400, "ParsingError", "no ids"));
            }
            lock(&sh.log).deletes.entry(entity).or_default().extend(ids);
            sh.accepted_batches.fetch_add(1, Ordering::SeqCst);
            Ok(answer(200, json!({"status": "ok"})))
        }
        _ => Ok(clerk_error(405, "LogicalError", "method not allowed")),
    }
}

/// The keys a request carries (JSON body of a POST, query of a DELETE) and the raw body.
async fn received_keys(
    req: Request<Incoming>,
) -> Result<((String, String), String), std::io::Error> {
    let uri = req.uri().to_string();
    let url = reqwest::Url::parse(&format!("http://fake{uri}"))
        .unwrap_or_else(|e| panic!("fake clerk: bad uri {uri}: {e}"));
    let q: BTreeMap<String, String> = url.query_pairs().into_owned().collect();
    let (body, _) = body_of(req).await?;
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let pick = |name: &str| {
        v[name]
            .as_str()
            .map(String::from)
            .or_else(|| q.get(name).cloned())
            .unwrap_or_default()
    };
    Ok(((pick("key"), pick("private_key")), text(&body)))
}

// ---------------------------------------------------------------- running clerkmap

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// `clerkmap ARGS` in the crate root, with the test keys in the environment.
pub fn clerkmap(args: &[&str]) -> Output {
    command(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run clerkmap: {e}"))
}

pub fn command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_clerkmap"));
    c.args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("CLERK_PUBLIC_KEY", PUBLIC)
        .env("CLERK_PRIVATE_KEY", PRIVATE);
    c
}

/// `clerkmap ARGS` (as [`command`] makes it) with `input` on its standard input.
pub fn with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        // A command that stops reading early closes the pipe: not the test's failure.
        let _ = stdin.write_all(input);
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
}

/// Maps the whole sample shop into `out` (JSON feeds) with the built-in mapping.
pub fn run_sample(out: &Path) {
    let out_s = out.display().to_string();
    let o = clerkmap(&[
        "run",
        "-q",
        "--input",
        "articoli=mappings/sample/articoli.ndjson",
        "--input",
        "categorie=mappings/sample/categorie.csv",
        "--input",
        "ordini=mappings/sample/ordini.ndjson",
        "--input",
        "clienti=mappings/sample/clienti.ndjson",
        "--input",
        "pagine=mappings/sample/pagine.ndjson",
        "--out",
        &out_s,
    ]);
    assert_eq!(code(&o), 0, "run failed: {}", text(&o.stderr));
}

/// The records of a JSON feed file.
pub fn feed(dir: &Path, entity: &str) -> Vec<Value> {
    let p = dir.join(format!("{entity}.json"));
    let t = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str::<Vec<Value>>(&t).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn write_feed(dir: &Path, entity: &str, records: &[Value]) {
    let p = dir.join(format!("{entity}.json"));
    let t = serde_json::to_string_pretty(records).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&p, t).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

pub fn ids(records: &[Value]) -> Vec<String> {
    records.iter().map(|r| key(&r["id"])).collect()
}

/// Waits until `f` holds, at most `max`.
pub fn wait_until(max: Duration, mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < max {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    f()
}
