//! `clerkmap serve`: the feed files of a directory as Clerk.io JSON Feed V2 endpoints.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::exit;
use crate::sync::client;
use crate::sync::secret::{Keys, PRIVATE_KEY_ENV, PUBLIC_KEY_ENV};
use crate::sync::serve::{self, Log, ServeOptions};

const SERVE_HELP: &str = "\
Endpoints: GET /products, /categories, /orders, /customers, /pages (and /health, no token).
Query: format=json|ndjson (or Accept: application/x-ndjson), limit=N, page=N (from 0, or
--first-page 1), modified_after=UNIX_SECONDS. Every feed request needs
`X-Clerk-Authorization: Bearer <token>`, checked with Clerk (public key from $CLERK_PUBLIC_KEY).
Serve plain http on 127.0.0.1 behind a TLS reverse proxy (see README).";

#[derive(Args, Debug)]
#[command(after_help = SERVE_HELP)]
pub struct ServeArgs {
    /// The directory of feed files (the --out DIR of `clerkmap run`).
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Clerk's API, where tokens are verified.
    #[arg(long, value_name = "URL", default_value = client::DEFAULT_API_URL)]
    pub api_url: String,
    /// The change index behind modified_after (default: DIR/clerkmap-serve-state.json).
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// Seconds a verified token is trusted before asking Clerk again.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub token_cache_secs: u64,
    /// Requests served at once.
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub max_concurrency: usize,
    /// Seconds until an answer starts (else 503/504).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub request_timeout: u64,
    /// Seconds for a whole answer (a longer one is cut).
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub body_timeout: u64,
    /// The number of the first page (0 or 1).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub first_page: u64,
    /// The environment variable holding the public key.
    #[arg(long, value_name = "NAME", default_value = PUBLIC_KEY_ENV)]
    pub public_key_env: String,
    /// No access log.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs `clerkmap serve` until ctrl-c or SIGTERM; returns the exit code.
pub(crate) fn cmd(a: ServeArgs) -> u8 {
    let api_url = match client::check_api_url(&a.api_url) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let keys = match Keys::from_env(&a.public_key_env, PRIVATE_KEY_ENV, false) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    if a.first_page > 1 || a.max_concurrency == 0 || a.request_timeout == 0 || a.body_timeout == 0 {
        eprintln!(
            "error: --first-page is 0 or 1; --max-concurrency and the timeouts must be more than 0"
        );
        return exit::USAGE;
    }
    let opts = ServeOptions {
        state_path: a
            .state
            .unwrap_or_else(|| a.from.join(serve::CHANGE_INDEX_FILE)),
        dir: a.from,
        listen: a.listen,
        api_url,
        public_key: keys.public,
        token_ttl: Duration::from_secs(a.token_cache_secs),
        max_concurrency: a.max_concurrency,
        request_timeout: Duration::from_secs(a.request_timeout),
        body_timeout: Duration::from_secs(a.body_timeout),
        first_page: a.first_page,
        access_log: !a.quiet,
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::FAILURE;
        }
    };
    let dir = opts.dir.display().to_string();
    let log: Log = Arc::new(|line: &str| eprintln!("{line}"));
    let result = rt.block_on(serve::serve(
        opts,
        log,
        move |addr| eprintln!("serving {dir} on http://{addr} (ctrl-c to stop)"),
        shutdown_signal(),
    ));
    match result {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: {e}");
            exit::FAILURE
        }
    }
}

/// ctrl-c or SIGTERM: the server finishes the requests in flight, then stops.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    eprintln!("shutting down: finishing the requests in flight");
}
