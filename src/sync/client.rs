//! Clerk's REST API v2 over reqwest: upserts (`POST /v2/<entity>`), deletes
//! (`DELETE /v2/<entity>?key&private_key&<entity>=[ids]`), key checks
//! (`GET /v2/client/account/info?key&private_key`, [`Clerk::check_keys`]) and token checks,
//! with retries.
//!
//! Retried: timeouts, connection errors, 429 and 5xx (and Clerk's `InternalError`), with
//! exponential backoff and jitter, honouring `Retry-After`, up to a number of attempts per
//! request and a total budget of retries shared by the whole push. Not retried: any other 4xx
//! or a Clerk error (`AuthenticationError`, `ParsingError`, `LogicalError`), reported with
//! Clerk's `type` and `message`. Redirects are never followed (the keys travel in every
//! request, and a redirect could hand them to another server): a 3xx answer fails the request,
//! is not retried and acknowledges nothing. The keys never appear in a message, in any
//! encoding ([`Keys::redact`]): reqwest's errors carry the URL (with the keys in a DELETE's
//! query), so they are rebuilt without it, and what the server says is masked before it is
//! shortened. Retry notices go to the push's [`PushObserver`].

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use serde::Deserialize;

use super::observer::PushObserver;
use super::secret::Keys;
use crate::clerk::Entity;

/// Clerk's API.
pub const DEFAULT_API_URL: &str = "https://api.clerk.io/v2";

/// How hard to try.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// The first backoff; it doubles at each retry.
    pub base_delay: Duration,
    /// The longest backoff.
    pub max_delay: Duration,
    /// A `Retry-After` longer than this fails the request instead of waiting.
    pub max_retry_after: Duration,
    /// Retries allowed in total, all requests together; when spent the push stops.
    pub budget: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
            budget: 100,
        }
    }
}

/// Where Clerk's API is and how to talk to it.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://api.clerk.io/v2` (no trailing slash).
    pub api_url: String,
    /// The whole request, answer included.
    pub timeout: Duration,
    /// Until the connection is made.
    pub connect_timeout: Duration,
    /// Gzip request bodies of at least this many bytes (`Content-Encoding: gzip`).
    pub gzip_min_bytes: Option<usize>,
    /// How hard to try.
    pub retry: RetryPolicy,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            api_url: DEFAULT_API_URL.into(),
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            gzip_min_bytes: None,
            retry: RetryPolicy::default(),
        }
    }
}

/// Checks `--api-url`: https, or plain http only to this machine (the private key must not
/// cross a network in clear). Returns it without a trailing slash.
pub fn check_api_url(url: &str) -> Result<String, String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| format!("--api-url `{url}` is not a URL ({e}); e.g. {DEFAULT_API_URL}"))?;
    let host = parsed.host_str().unwrap_or("");
    let h = host.trim_start_matches('[').trim_end_matches(']');
    let local = h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => {}
        "http" if local => {}
        "http" => {
            return Err(format!(
                "--api-url `{url}`: plain http would send the keys in clear; use https (http is allowed only to localhost/127.0.0.1)"
            ));
        }
        s => return Err(format!("--api-url `{url}`: scheme `{s}` is not http(s)")),
    }
    if parsed.query().is_some() {
        return Err(format!(
            "--api-url `{url}`: give the base URL without a query"
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// A request that did not succeed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct CallError {
    /// What happened, for a person (never the private key).
    pub message: String,
    /// Clerk refused the keys: nothing else will work either.
    pub auth: bool,
    /// The total retry budget is spent: the push must stop.
    pub budget_spent: bool,
}

/// One call to make.
#[derive(Debug, Clone)]
pub enum Call {
    /// `POST <api>/<entity>` with the records (each already JSON, joined by commas).
    Upsert {
        /// The entity the records are of.
        entity: Entity,
        /// The records' JSON, joined by commas (no brackets).
        records: Arc<Vec<u8>>,
    },
    /// `DELETE <api>/<entity>?...&<entity>=<ids JSON>`.
    Delete {
        /// The entity the ids are of.
        entity: Entity,
        /// The ids as a JSON array (`[1,2]` or `["a","b"]`).
        ids_json: String,
    },
    /// `GET <api>/client/account/info?key&private_key`: whether Clerk accepts the keys. It
    /// sends no data and changes nothing (Clerk's own shop extensions validate keys with it).
    CheckKeys,
}

/// The path of the key check, below the API's base URL.
pub const KEY_CHECK_PATH: &str = "client/account/info";

impl Call {
    fn label(&self) -> String {
        match self {
            Call::Upsert { entity, .. } => format!("POST /{}", entity.name()),
            Call::Delete { entity, .. } => format!("DELETE /{}", entity.name()),
            Call::CheckKeys => format!("GET /{KEY_CHECK_PATH}"),
        }
    }
}

/// What Clerk said of the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyCheck {
    /// Clerk accepts them.
    Accepted,
    /// Clerk refuses them (`AuthenticationError`, 401, 403): why, keys masked.
    Refused(String),
    /// Clerk could not be asked, or gave another answer: what happened, keys masked.
    Unknown(String),
}

#[derive(Deserialize, Default)]
struct ClerkAnswer {
    #[serde(default)]
    status: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

enum Attempt {
    Done,
    Retry {
        message: String,
        retry_after: Option<Duration>,
    },
    Fail {
        message: String,
        auth: bool,
    },
}

/// A client for one store.
pub struct Clerk {
    http: reqwest::Client,
    cfg: ClientConfig,
    keys: Keys,
    budget_left: AtomicU32,
    retries: AtomicU64,
    /// Where retry notices go.
    observer: Arc<dyn PushObserver>,
}

/// The HTTP client clerkmap uses (rustls, gzip answers, timeouts). It follows no redirect:
/// Clerk's API takes the keys in the body or the query of every request, and a redirect (a 307
/// resends the body) could hand them to another origin.
pub fn http_client(
    timeout: Duration,
    connect_timeout: Duration,
) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(concat!("clerkmap/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .pool_idle_timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("cannot start the HTTP client: {e}"))
}

impl Clerk {
    /// A client with these keys (the private key is required); retry notices go to
    /// `observer`.
    pub fn new(
        cfg: ClientConfig,
        keys: Keys,
        observer: Arc<dyn PushObserver>,
    ) -> Result<Clerk, String> {
        if keys.private.is_none() {
            return Err("no Clerk private key: set CLERK_PRIVATE_KEY".into());
        }
        let http = http_client(cfg.timeout, cfg.connect_timeout)?;
        Ok(Clerk {
            http,
            budget_left: AtomicU32::new(cfg.retry.budget),
            retries: AtomicU64::new(0),
            cfg,
            keys,
            observer,
        })
    }

    /// Retries made so far.
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    /// The store's keys.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// Asks Clerk whether it accepts the keys ([`Call::CheckKeys`]), with the retries of any
    /// call; nothing is sent but the keys.
    pub async fn check_keys(&self) -> KeyCheck {
        match self.call(&Call::CheckKeys, "(key check)").await {
            Ok(()) => KeyCheck::Accepted,
            Err(e) if e.auth => KeyCheck::Refused(e.message),
            Err(e) => KeyCheck::Unknown(e.message),
        }
    }

    fn take_budget(&self) -> bool {
        self.budget_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| b.checked_sub(1))
            .is_ok()
    }

    /// Makes the call, retrying as the policy says. `what` names the batch in messages.
    pub async fn call(&self, call: &Call, what: &str) -> Result<(), CallError> {
        let p = &self.cfg.retry;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            match self.once(call).await {
                Attempt::Done => return Ok(()),
                Attempt::Fail { message, auth } => {
                    return Err(CallError {
                        message: self
                            .keys
                            .redact(&format!("{} {what}: {message}", call.label())),
                        auth,
                        budget_spent: false,
                    });
                }
                Attempt::Retry {
                    message,
                    retry_after,
                } => {
                    let fail = |m: String, budget_spent: bool| CallError {
                        message: self.keys.redact(&format!("{} {what}: {m}", call.label())),
                        auth: false,
                        budget_spent,
                    };
                    if attempt >= p.max_attempts.max(1) {
                        return Err(fail(
                            format!(
                                "{message}; gave up after {attempt} attempt{}",
                                if attempt == 1 { "" } else { "s" }
                            ),
                            false,
                        ));
                    }
                    if let Some(ra) = retry_after
                        && ra > p.max_retry_after
                    {
                        return Err(fail(
                            format!(
                                "{message}; Clerk asks to wait {}s (Retry-After), longer than the {}s allowed: push again later",
                                ra.as_secs(),
                                p.max_retry_after.as_secs()
                            ),
                            false,
                        ));
                    }
                    if !self.take_budget() {
                        return Err(fail(
                            format!(
                                "{message}; the retry budget ({} retries for the whole push) is spent: stopping; push again later, nothing acknowledged is lost",
                                p.budget
                            ),
                            true,
                        ));
                    }
                    self.retries.fetch_add(1, Ordering::Relaxed);
                    let delay = backoff(p, attempt, retry_after);
                    self.observer.notice(&self.keys.redact(&format!(
                        "{} {what}: {message}; retry {attempt}/{} in {:.1}s",
                        call.label(),
                        p.max_attempts.max(1) - 1,
                        delay.as_secs_f64()
                    )));
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    /// One attempt: the request, sent, and its answer judged.
    async fn once(&self, call: &Call) -> Attempt {
        let req = match self.request(call) {
            Ok(r) => r,
            Err(fail) => return fail,
        };
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Retry {
                    message: describe(&e, self.cfg.timeout),
                    retry_after: None,
                };
            }
        };
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let location = resp
            .headers()
            .get(LOCATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let body = match resp.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return Attempt::Retry {
                    message: format!(
                        "HTTP {}, then {}",
                        status.as_u16(),
                        describe(&e, self.cfg.timeout)
                    ),
                    retry_after,
                };
            }
        };
        // What may be shown of the answer, masked before it is shortened (a cut could leave
        // half a key).
        let shown = Answer {
            body: self.keys.redact(&String::from_utf8_lossy(&body)),
            location: location.map(|l| self.keys.redact(&l)),
        };
        judge(status, retry_after, &body, &shown)
    }

    /// The request for a call, keys included (`Err`: it cannot be made).
    fn request(&self, call: &Call) -> Result<reqwest::RequestBuilder, Attempt> {
        let private = self
            .keys
            .private
            .as_ref()
            .map(|s| s.expose())
            .unwrap_or_default();
        let req = match call {
            Call::Upsert { entity, records } => {
                let mut body = Vec::with_capacity(records.len() + 256);
                body.extend_from_slice(b"{\"key\":");
                body.extend_from_slice(&json_string(&self.keys.public));
                body.extend_from_slice(b",\"private_key\":");
                body.extend_from_slice(&json_string(private));
                body.extend_from_slice(format!(",\"{}\":[", entity.name()).as_bytes());
                body.extend_from_slice(records);
                body.extend_from_slice(b"]}");
                let url = format!("{}/{}", self.cfg.api_url, entity.name());
                let rb = self.http.post(url).header(CONTENT_TYPE, "application/json");
                match self.cfg.gzip_min_bytes {
                    Some(min) if body.len() >= min => match gzip(&body) {
                        Ok(gz) => rb.header(CONTENT_ENCODING, "gzip").body(gz),
                        Err(_) => rb.body(body),
                    },
                    _ => rb.body(body),
                }
            }
            Call::Delete { entity, ids_json } => {
                let mut url = self.url(entity.name())?;
                url.query_pairs_mut()
                    .append_pair("key", &self.keys.public)
                    .append_pair("private_key", private)
                    .append_pair(entity.name(), ids_json);
                self.http.delete(url)
            }
            Call::CheckKeys => {
                let mut url = self.url(KEY_CHECK_PATH)?;
                url.query_pairs_mut()
                    .append_pair("key", &self.keys.public)
                    .append_pair("private_key", private);
                self.http.get(url)
            }
        };
        Ok(req)
    }
}

impl Clerk {
    /// `<api>/<path>`, parsed (`Err`: the API URL is not one).
    fn url(&self, path: &str) -> Result<reqwest::Url, Attempt> {
        reqwest::Url::parse(&format!("{}/{path}", self.cfg.api_url)).map_err(|e| Attempt::Fail {
            message: format!("bad API URL: {e}"),
            auth: false,
        })
    }
}

/// What may be shown of an answer: its body and `Location`, keys masked.
struct Answer {
    body: String,
    location: Option<String>,
}

/// What an answer means: done, worth a retry, or a failure (with Clerk's `type` and `message`).
/// `body` is judged; only `shown` is quoted.
fn judge(
    status: reqwest::StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
    shown: &Answer,
) -> Attempt {
    let answer: Option<ClerkAnswer> = serde_json::from_slice(body).ok();
    let clerk_says = |a: &Option<ClerkAnswer>| -> String {
        match a {
            Some(ClerkAnswer {
                kind: Some(k),
                message,
                ..
            }) => format!("{k}: {}", message.as_deref().unwrap_or("(no message)")),
            Some(ClerkAnswer {
                message: Some(m), ..
            }) => m.clone(),
            _ => snippet(&shown.body),
        }
    };
    let code = status.as_u16();
    if status.is_redirection() {
        return Attempt::Fail {
            message: format!(
                "HTTP {code}: a redirect{}, not followed (the keys travel in every request; a redirect could hand them to another server): nothing was acknowledged; check --api-url",
                shown
                    .location
                    .as_deref()
                    .map(|l| format!(" to {}", snippet(l)))
                    .unwrap_or_default()
            ),
            auth: false,
        };
    }
    if status.is_success() {
        return match &answer {
            Some(a) if a.status.as_deref() == Some("ok") => Attempt::Done,
            Some(a) if a.kind.as_deref() == Some("InternalError") => Attempt::Retry {
                message: format!("Clerk answered {}", clerk_says(&answer)),
                retry_after,
            },
            Some(a) if a.status.as_deref() == Some("error") => Attempt::Fail {
                auth: a.kind.as_deref() == Some("AuthenticationError"),
                message: format!("Clerk refused it: {}", clerk_says(&answer)),
            },
            _ => Attempt::Fail {
                message: format!(
                    "HTTP {code} without Clerk's {{\"status\":\"ok\"}}: {}; is --api-url Clerk's API?",
                    snippet(&shown.body)
                ),
                auth: false,
            },
        };
    }
    if code == 429 || status.is_server_error() {
        return Attempt::Retry {
            message: format!("HTTP {code} {}", clerk_says(&answer)),
            retry_after,
        };
    }
    let auth = code == 401
        || code == 403
        || answer.as_ref().and_then(|a| a.kind.as_deref()) == Some("AuthenticationError");
    let hint = if auth {
        "; check CLERK_PUBLIC_KEY and CLERK_PRIVATE_KEY (my.clerk.io > Settings > API keys)"
    } else {
        ""
    };
    Attempt::Fail {
        message: format!("HTTP {code} {}{hint}", clerk_says(&answer)),
        auth,
    }
}

/// Whether Clerk verifies a feed token: `POST <api>/token/verify {token, key}` answering
/// `{"status":"ok"}`. `Err` when Clerk could not be asked.
pub async fn verify_token(
    http: &reqwest::Client,
    api_url: &str,
    public_key: &str,
    token: &str,
) -> Result<bool, String> {
    let resp = http
        .post(format!("{api_url}/token/verify"))
        .json(&crate::json!({"token": token, "key": public_key}))
        .send()
        .await
        .map_err(|e| describe(&e, Duration::ZERO))?;
    let status = resp.status();
    if status.is_server_error() || status.as_u16() == 429 {
        return Err(format!("token check answered HTTP {}", status.as_u16()));
    }
    if status.is_redirection() {
        return Err(format!(
            "token check answered HTTP {} (a redirect, not followed: check the API URL)",
            status.as_u16()
        ));
    }
    let body = resp
        .bytes()
        .await
        .map_err(|e| describe(&e, Duration::ZERO))?;
    let answer: ClerkAnswer = serde_json::from_slice(&body).unwrap_or_default();
    Ok(status.is_success() && answer.status.as_deref() == Some("ok"))
}

fn json_string(s: &str) -> Vec<u8> {
    serde_json::to_vec(s).unwrap_or_else(|_| b"\"\"".to_vec())
}

fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 4),
        flate2::Compression::fast(),
    );
    enc.write_all(body)?;
    enc.finish()
}

/// The first 200 characters of a text, on one line.
fn snippet(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.is_empty() {
        return "(empty body)".into();
    }
    // 200 characters of the answer, then the mark of the cut.
    crate::value::elide(&one, 203, "...")
}

/// A reqwest error without its URL (a DELETE's URL holds the private key).
fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    let mut chain = Vec::new();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let t = s.to_string();
        if !chain.contains(&t) {
            chain.push(t);
        }
        src = s.source();
    }
    let detail = if chain.is_empty() {
        String::new()
    } else {
        format!(" ({})", chain.join(": "))
    };
    if e.is_timeout() {
        if timeout.is_zero() {
            format!("timed out{detail}")
        } else {
            format!("no answer within {}s{detail}", timeout.as_secs_f64())
        }
    } else if e.is_connect() {
        format!("cannot connect{detail}")
    } else if e.is_body() || e.is_decode() {
        format!("the answer broke off{detail}")
    } else {
        format!("the connection failed{detail}")
    }
}

/// `Retry-After`: seconds, or an HTTP date.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let secs = (when.timestamp() - chrono::Utc::now().timestamp()).max(0);
    Some(Duration::from_secs(secs as u64))
}

/// The wait before retry number `attempt` (1 = the first retry): exponential with jitter
/// (half fixed, half random), or `Retry-After` plus up to 10% when the server said so.
pub fn backoff(p: &RetryPolicy, attempt: u32, retry_after: Option<Duration>) -> Duration {
    if let Some(ra) = retry_after {
        let extra = ra.as_millis() as u64 / 10;
        return ra + Duration::from_millis(fastrand::u64(0..=extra));
    }
    let exp = p
        .base_delay
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
        .min(p.max_delay);
    let half = exp.as_millis() as u64 / 2;
    Duration::from_millis(half + fastrand::u64(0..=half))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_urls() {
        assert_eq!(
            check_api_url("https://api.clerk.io/v2/").as_deref(),
            Ok("https://api.clerk.io/v2")
        );
        assert!(check_api_url("http://127.0.0.1:9/v2").is_ok());
        assert!(check_api_url("http://localhost:9/v2").is_ok());
        assert!(check_api_url("http://api.clerk.io/v2").is_err());
        assert!(check_api_url("ftp://x").is_err());
        assert!(check_api_url("nope").is_err());
    }

    #[test]
    fn a_redirect_fails_and_is_not_retried() {
        let shown = Answer {
            body: String::new(),
            location: Some("https://elsewhere.test/v2/products".into()),
        };
        for code in [301u16, 302, 303, 307, 308] {
            let status = reqwest::StatusCode::from_u16(code).unwrap_or_default();
            match judge(status, None, br#"{"status":"ok"}"#, &shown) {
                Attempt::Fail { message, auth } => {
                    assert!(!auth);
                    assert!(
                        message.contains("not followed")
                            && message.contains("to https://elsewhere.test/v2/products"),
                        "{message}"
                    );
                }
                _ => panic!("HTTP {code} must fail"),
            }
        }
    }

    #[test]
    fn backoff_grows_caps_and_honours_retry_after() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for attempt in 1..10 {
            let d = backoff(&p, attempt, None);
            let exp = (100u64 << (attempt - 1)).min(1000);
            assert!(
                d.as_millis() as u64 >= exp / 2 && d.as_millis() as u64 <= exp,
                "{d:?}"
            );
        }
        let d = backoff(&p, 1, Some(Duration::from_secs(2)));
        assert!(d >= Duration::from_secs(2) && d <= Duration::from_millis(2200));
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
