//! `clerkmap serve`: the feed files of a directory as Clerk.io JSON Feed V2 endpoints.

use crate::cli::term::errln;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use super::exit;
use super::term::Ui;
use crate::sync::client;
use crate::sync::secret::{Keys, PRIVATE_KEY_ENV, PUBLIC_KEY_ENV};
use crate::sync::serve::{self, Log, ServeOptions};

const SERVE_HELP: &str = "\
Endpoints: GET /products, /categories, /orders, /customers, /pages (and /health, no token).
Query: format=json|ndjson (or Accept: application/x-ndjson), limit=N, page=N (from 0, or
--first-page 1), modified_after=UNIX_SECONDS (fractions allowed; inclusive: records changed in
that second or later). Every feed request needs `X-Clerk-Authorization: Bearer <token>`, checked
with Clerk (public key from $CLERK_PUBLIC_KEY) before the request takes a slot; each client
address may start 10 token checks at once and 1 more a second (429 past that). Serve plain http
on 127.0.0.1 behind a TLS reverse proxy (see README; with --trust-proxy).";

#[derive(Args, Debug)]
#[command(after_help = format!("{SERVE_HELP}\n\n{}", super::exit_codes_help()))]
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
    /// Seconds a verified token is trusted before asking Clerk again (0 to 86400).
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub token_cache_secs: u64,
    /// Requests served at once, once their token is verified (1 to 4096).
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_concurrency: u64,
    /// Seconds until an answer starts: token check and waiting for a slot (1 to 3600; else 503).
    #[arg(long, value_name = "SECS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,
    /// Seconds for a whole answer, a longer one is cut (1 to 86400).
    #[arg(long, value_name = "SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub body_timeout: u64,
    /// Connections open at once; at the cap the longest idle one is closed (1 to 65536; keep
    /// it well below `ulimit -n`).
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=65_536))]
    pub max_connections: u64,
    /// Seconds for a request's head to arrive, from the connection's start or from the first
    /// byte of its next request (1 to 600).
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub header_timeout: u64,
    /// Seconds a kept-alive connection may wait for its next request (1 to 3600).
    #[arg(long, value_name = "SECS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idle_timeout: u64,
    /// Seconds a write of an answer may make no progress before the connection is closed (a
    /// client that stopped reading; 1 to 3600).
    #[arg(long, value_name = "SECS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub write_timeout: u64,
    /// Behind a reverse proxy on this host: take the client's address (rate limit of token
    /// checks, access log) from the last X-Forwarded-For address of loopback connections.
    #[arg(long)]
    pub trust_proxy: bool,
    /// The number of the first page (0 or 1).
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=1))]
    pub first_page: u64,
    /// The environment variable holding the public key.
    #[arg(long, value_name = "NAME", default_value = PUBLIC_KEY_ENV)]
    pub public_key_env: String,
}

/// Runs `clerkmap serve` until ctrl-c or SIGTERM; returns the exit code. `-q`: no access log.
pub(crate) fn cmd(a: ServeArgs, ui: &Ui) -> u8 {
    let api_url = match client::check_api_url(&a.api_url) {
        Ok(u) => u,
        Err(e) => {
            ui.error(e);
            return exit::USAGE;
        }
    };
    let keys = match Keys::from_env(&a.public_key_env, PRIVATE_KEY_ENV, false) {
        Ok(k) => k,
        Err(e) => {
            ui.error(e);
            return exit::USAGE;
        }
    };
    let opts = ServeOptions {
        state_path: a
            .state
            .unwrap_or_else(|| a.from.join(serve::CHANGE_INDEX_FILE)),
        dir: a.from,
        listen: a.listen,
        api_url,
        public_key: keys.public,
        token_ttl: Duration::from_secs(a.token_cache_secs),
        max_concurrency: usize::try_from(a.max_concurrency).unwrap_or(usize::MAX),
        request_timeout: Duration::from_secs(a.request_timeout),
        body_timeout: Duration::from_secs(a.body_timeout),
        max_connections: usize::try_from(a.max_connections).unwrap_or(usize::MAX),
        header_timeout: Duration::from_secs(a.header_timeout),
        idle_timeout: Duration::from_secs(a.idle_timeout),
        write_timeout: Duration::from_secs(a.write_timeout),
        trust_proxy: a.trust_proxy,
        first_page: a.first_page,
        access_log: !ui.quiet(),
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            ui.error(format!("cannot start the async runtime: {e}"));
            return exit::FAILURE;
        }
    };
    let dir = opts.dir.display().to_string();
    let quiet = ui.quiet();
    let log: Log = Arc::new(|line: &str| errln!("{line}"));
    let result = rt.block_on(async move {
        // The handlers are installed before the server listens: a SIGTERM that comes as soon
        // as it answers must stop it gracefully, not kill it.
        let stop = shutdown_signal();
        serve::serve(
            opts,
            log,
            move |addr| {
                if !quiet {
                    errln!("serving {dir} on http://{addr} (ctrl-c to stop)");
                }
            },
            stop,
        )
        .await
    });
    match result {
        Ok(()) => exit::OK,
        Err(e) => {
            ui.error(e);
            exit::FAILURE
        }
    }
}

/// ctrl-c or SIGTERM: the server finishes the requests in flight, then stops. The handlers are
/// installed when this is called (inside the runtime), not when the future is first polled.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let (mut int, mut term) = signals;
            let int = async {
                match int.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            };
            let term = async {
                match term.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = int => {},
                _ = term => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        errln!("shutting down: finishing the requests in flight");
    }
}
