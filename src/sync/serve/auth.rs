//! Clerk's feed token check: every request carries `X-Clerk-Authorization: Bearer <token>`,
//! verified by `POST <api>/token/verify {token, key}`; only `{"status":"ok"}` passes.
//!
//! Clerk is asked as little as possible, so that callers with junk tokens cannot make the
//! server wait on Clerk or flood it:
//! - verified tokens are remembered for the caller's time to live, refused ones for
//!   [`DENIED_TTL`] (by their hash, never in clear; both memories are bounded);
//! - concurrent checks of one token share one call to Clerk, which runs to its end even when
//!   the callers that started it are gone (its answer is remembered for the next ones);
//! - each client address may start [`CHECK_BURST`] checks at once and [`CHECKS_PER_SEC`] more
//!   a second (a token bucket); past that the caller is told to come back later, without asking
//!   Clerk. Checks that hit a memory or join a running check cost nothing.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};

use crate::sync::client::verify_token;
use crate::sync::state::hash_bytes;

/// The header carrying Clerk's token (lower case, as `http` names headers).
pub const HEADER: &str = "x-clerk-authorization";

/// At most this many verified tokens are remembered.
const MAX_VERIFIED: usize = 1024;
/// At most this many refused tokens are remembered.
const MAX_DENIED: usize = 4096;
/// How long a token Clerk refused is refused without asking Clerk again.
pub const DENIED_TTL: Duration = Duration::from_secs(5);
/// Token checks one client address may start at once.
pub const CHECK_BURST: f64 = 10.0;
/// Token checks one client address may start per second, past the burst.
pub const CHECKS_PER_SEC: f64 = 1.0;
/// At most this many client addresses have a token bucket.
const MAX_CLIENTS: usize = 10_000;

/// What a token check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Clerk verified the token (now, or not long ago).
    Ok,
    /// No header, a malformed one, or Clerk said no.
    Denied(&'static str),
    /// Clerk could not be asked.
    Unavailable(String),
    /// The client started too many token checks: try again after this long.
    Limited(Duration),
}

/// The answer of one call to Clerk, shared by the requests waiting for it.
#[derive(Debug, Clone)]
enum Outcome {
    Ok,
    Denied,
    Unavailable(String),
}

type Check = Shared<BoxFuture<'static, Outcome>>;

/// Checks feed tokens with Clerk: remembers answers, coalesces checks of one token and
/// rate-limits checks per client address.
pub struct TokenChecker {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    api_url: String,
    public_key: String,
    ttl: Duration,
    verified: Mutex<Expiring>,
    denied: Mutex<Expiring>,
    running: Mutex<HashMap<String, Check>>,
    buckets: Mutex<Buckets>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl TokenChecker {
    /// A checker asking Clerk's API at `api_url` for the store `public_key`; a verified token
    /// is trusted for `ttl` (zero: never remembered; a `ttl` too large for the clock: never
    /// remembered either).
    pub fn new(http: reqwest::Client, api_url: String, public_key: String, ttl: Duration) -> Self {
        TokenChecker {
            inner: Arc::new(Inner {
                http,
                api_url,
                public_key,
                ttl,
                verified: Mutex::new(Expiring::new(MAX_VERIFIED)),
                denied: Mutex::new(Expiring::new(MAX_DENIED)),
                running: Mutex::new(HashMap::new()),
                buckets: Mutex::new(Buckets::new(CHECK_BURST, CHECKS_PER_SEC, MAX_CLIENTS)),
            }),
        }
    }

    /// Checks the token of a request's headers; `client` is the caller's address (for the
    /// rate limit). Must run inside a tokio runtime (the call to Clerk is a task of its own).
    pub async fn check(&self, headers: &HeaderMap, client: IpAddr) -> Verdict {
        let Some(value) = headers.get(HEADER) else {
            return Verdict::Denied("no X-Clerk-Authorization header");
        };
        let Some(token) = value
            .to_str()
            .ok()
            .and_then(|v| v.trim().strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 4096)
        else {
            return Verdict::Denied("X-Clerk-Authorization is not `Bearer <token>`");
        };
        let key = hash_bytes(token.as_bytes());
        let inner = &self.inner;
        let now = Instant::now();
        if lock(&inner.verified).contains(&key, now) {
            return Verdict::Ok;
        }
        if lock(&inner.denied).contains(&key, now) {
            return Verdict::Denied("Clerk did not verify the token (a few seconds ago)");
        }
        let check = {
            let mut running = lock(&inner.running);
            match running.get(&key) {
                Some(c) => c.clone(),
                None => {
                    if let Err(wait) = lock(&inner.buckets).take(client_key(client), now) {
                        return Verdict::Limited(wait);
                    }
                    let c = Inner::start(inner, key.clone(), token.to_string());
                    running.insert(key, c.clone());
                    c
                }
            }
        };
        match check.await {
            Outcome::Ok => Verdict::Ok,
            Outcome::Denied => Verdict::Denied("Clerk did not verify the token"),
            Outcome::Unavailable(e) => Verdict::Unavailable(e),
        }
    }
}

impl Inner {
    /// Starts the call to Clerk as a task of its own: it remembers its answer, then leaves the
    /// running checks (in that order, so no request in between asks Clerk again).
    fn start(this: &Arc<Inner>, key: String, token: String) -> Check {
        let inner = Arc::clone(this);
        let task = tokio::spawn(async move {
            let outcome =
                match verify_token(&inner.http, &inner.api_url, &inner.public_key, &token).await {
                    Ok(true) => Outcome::Ok,
                    Ok(false) => Outcome::Denied,
                    Err(e) => Outcome::Unavailable(e),
                };
            let now = Instant::now();
            match outcome {
                Outcome::Ok => lock(&inner.verified).insert(key.clone(), now, inner.ttl),
                Outcome::Denied => lock(&inner.denied).insert(key.clone(), now, DENIED_TTL),
                Outcome::Unavailable(_) => {}
            }
            lock(&inner.running).remove(&key);
            outcome
        });
        async move {
            task.await
                .unwrap_or_else(|e| Outcome::Unavailable(format!("the token check failed: {e}")))
        }
        .boxed()
        .shared()
    }
}

/// Who a client is for the rate limit: its IPv4 address, or the /64 network of an IPv6
/// address (one host usually has a whole /64).
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Keys remembered until a time, at most `max` of them.
struct Expiring {
    max: usize,
    until: HashMap<String, Instant>,
}

impl Expiring {
    fn new(max: usize) -> Self {
        Expiring {
            max,
            until: HashMap::new(),
        }
    }

    fn contains(&self, key: &str, now: Instant) -> bool {
        self.until.get(key).is_some_and(|until| *until > now)
    }

    /// Remembers `key` for `ttl` from `now`; a zero `ttl`, or one past what the clock can
    /// hold, is not remembered. When full, the expired keys go, and if none had, all.
    fn insert(&mut self, key: String, now: Instant, ttl: Duration) {
        let Some(until) = now.checked_add(ttl).filter(|_| !ttl.is_zero()) else {
            return;
        };
        if self.until.len() >= self.max && !self.until.contains_key(&key) {
            self.until.retain(|_, u| *u > now);
            if self.until.len() >= self.max {
                self.until.clear();
            }
        }
        self.until.insert(key, until);
    }
}

/// One token bucket per client.
struct Buckets {
    burst: f64,
    per_sec: f64,
    max: usize,
    clients: HashMap<IpAddr, Bucket>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn refilled(self, now: Instant, burst: f64, per_sec: f64) -> f64 {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        (self.tokens + dt * per_sec).min(burst)
    }
}

impl Buckets {
    fn new(burst: f64, per_sec: f64, max: usize) -> Self {
        Buckets {
            burst,
            per_sec,
            max,
            clients: HashMap::new(),
        }
    }

    /// Takes one token of `client`'s bucket, or says how long until there is one.
    fn take(&mut self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let (burst, per_sec) = (self.burst, self.per_sec);
        if !self.clients.contains_key(&client) && self.clients.len() >= self.max {
            // Full buckets are as good as new ones: forget them first, then the oldest.
            self.clients
                .retain(|_, b| b.refilled(now, burst, per_sec) < burst);
            if self.clients.len() >= self.max
                && let Some(oldest) = self
                    .clients
                    .iter()
                    .min_by_key(|(_, b)| b.at)
                    .map(|(k, _)| *k)
            {
                self.clients.remove(&oldest);
            }
        }
        let b = self.clients.entry(client).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let tokens = b.refilled(now, burst, per_sec);
        if tokens >= 1.0 {
            *b = Bucket {
                tokens: tokens - 1.0,
                at: now,
            };
            Ok(())
        } else {
            *b = Bucket { tokens, at: now };
            let secs = if per_sec > 0.0 {
                ((1.0 - tokens) / per_sec).min(3600.0)
            } else {
                3600.0
            };
            Err(Duration::from_secs_f64(secs))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_ttl_does_not_overflow_the_clock() {
        let mut m = Expiring::new(4);
        let now = Instant::now();
        m.insert("a".into(), now, Duration::MAX);
        m.insert("b".into(), now, Duration::from_secs(u64::MAX));
        m.insert("c".into(), now, Duration::ZERO);
        assert!(!m.contains("a", now) && !m.contains("b", now) && !m.contains("c", now));
        m.insert("d".into(), now, Duration::from_secs(60));
        assert!(m.contains("d", now));
        assert!(!m.contains("d", now + Duration::from_secs(61)));
    }

    #[test]
    fn memories_stay_bounded() {
        let mut m = Expiring::new(3);
        let now = Instant::now();
        for k in ["a", "b", "c"] {
            m.insert(k.into(), now, Duration::from_secs(1));
        }
        let later = now + Duration::from_secs(2);
        m.insert("d".into(), later, Duration::from_secs(1));
        assert_eq!(m.until.len(), 1, "the expired ones went");
        for k in ["e", "f", "g"] {
            m.insert(k.into(), later, Duration::from_secs(1));
        }
        assert!(m.until.len() <= 3);
    }

    #[test]
    fn token_buckets_limit_each_client() {
        let mut b = Buckets::new(3.0, 2.0, 100);
        let now = Instant::now();
        let a: IpAddr = [10, 0, 0, 1].into();
        let other: IpAddr = [10, 0, 0, 2].into();
        for _ in 0..3 {
            assert!(b.take(a, now).is_ok());
        }
        let wait = b.take(a, now).err().unwrap_or_default();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
        assert!(
            b.take(other, now).is_ok(),
            "another client has its own bucket"
        );
        assert!(
            b.take(a, now + Duration::from_millis(500)).is_ok(),
            "refilled"
        );
        assert!(b.take(a, now + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn token_buckets_stay_bounded() {
        let mut b = Buckets::new(2.0, 1.0, 4);
        let now = Instant::now();
        for i in 0..50u8 {
            let _ = b.take([10, 0, 1, i].into(), now);
            assert!(b.clients.len() <= 4);
        }
    }

    #[test]
    fn clients_are_hosts_or_ipv6_networks() {
        let v4: IpAddr = [192, 0, 2, 7].into();
        assert_eq!(client_key(v4), v4);
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap_or(v4);
        assert_eq!(client_key(mapped), v4);
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap_or(v4);
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap_or(v4);
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(
            client_key(a),
            client_key("2001:db8:1:3::1".parse().unwrap_or(v4))
        );
    }
}
