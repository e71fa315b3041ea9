//! Clerk's feed token check: every request carries `X-Clerk-Authorization: Bearer <token>`,
//! verified by `POST <api>/token/verify {token, key}`; only `{"status":"ok"}` passes. Verified
//! tokens are remembered briefly (by their hash, never in clear).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;

use crate::sync::client::verify_token;
use crate::sync::state::hash_bytes;

/// The header carrying Clerk's token (lower case, as `http` names headers).
pub const HEADER: &str = "x-clerk-authorization";

/// At most this many verified tokens are remembered.
const MAX_CACHED: usize = 1024;

/// What a token check found.
pub enum Verdict {
    /// Clerk verified the token (now, or not long ago).
    Ok,
    /// No header, a malformed one, or Clerk said no.
    Denied(&'static str),
    /// Clerk could not be asked.
    Unavailable(String),
}

/// Checks feed tokens with Clerk, remembering the verified ones for a while.
pub struct TokenChecker {
    http: reqwest::Client,
    api_url: String,
    public_key: String,
    ttl: Duration,
    cache: Mutex<HashMap<String, Instant>>,
}

impl TokenChecker {
    /// A checker asking Clerk's API at `api_url` for the store `public_key`; a verified token
    /// is trusted for `ttl`.
    pub fn new(http: reqwest::Client, api_url: String, public_key: String, ttl: Duration) -> Self {
        TokenChecker {
            http,
            api_url,
            public_key,
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Checks the token of a request's headers.
    pub async fn check(&self, headers: &HeaderMap) -> Verdict {
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
        let now = Instant::now();
        if let Ok(cache) = self.cache.lock()
            && cache.get(&key).is_some_and(|until| *until > now)
        {
            return Verdict::Ok;
        }
        match verify_token(&self.http, &self.api_url, &self.public_key, token).await {
            Ok(true) => {
                if let Ok(mut cache) = self.cache.lock() {
                    if cache.len() >= MAX_CACHED {
                        cache.retain(|_, until| *until > now);
                        if cache.len() >= MAX_CACHED {
                            cache.clear();
                        }
                    }
                    cache.insert(key, now + self.ttl);
                }
                Verdict::Ok
            }
            Ok(false) => Verdict::Denied("Clerk did not verify the token"),
            Err(e) => Verdict::Unavailable(e),
        }
    }
}
