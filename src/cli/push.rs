//! `clerkmap push`: map (or take the feed files `run` wrote) and push them to Clerk's API,
//! incrementally, with the shrink guard.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::json;
use crate::value::Value;
use clap::Args;

use super::progress::Mode;
use super::progress::push::Progress;
use super::term::{MessageFormat, Ui};
use super::{Vars, checked, exit, json, load_mapping, parse_pair, short_warnings};
use crate::clerk::Entity;
use crate::engine::guard;
use crate::engine::{self, FeedOutput, Input, OutputFormat, RunError, RunOptions};
use crate::sync::client::{self, Clerk, ClientConfig, KeyCheck, RetryPolicy};
use crate::sync::observer::PushObserver;
use crate::sync::push::{self, PushError, PushOptions, PushReport};
use crate::sync::secret::{Keys, PRIVATE_KEY_ENV, PUBLIC_KEY_ENV};

/// The help after the flags: keys, ranges, exit codes.
fn push_help() -> String {
    format!(
        "\
Keys: the public key from $CLERK_PUBLIC_KEY, the private key from $CLERK_PRIVATE_KEY (or the
variables named by --public-key-env/--private-key-env). Neither key is ever printed. Before
sending anything, a push asks Clerk whether it accepts the keys (GET client/account/info, no
data sent); --check-keys does only that.

Numbers are checked when read: --batch-size 1 to 10000, --batch-bytes 1k to 256M, --concurrency
1 to 64, --timeout more than 0 and at most 3600 seconds, --retries 0 to 100, --retry-budget 0 to
1000000, --backoff-ms and --max-backoff-ms 0 to 600000, --jobs 1 to 1024.

{}",
        exit::help(exit::PUSH)
    )
}

#[derive(Args, Debug)]
#[command(after_help = push_help())]
pub struct PushArgs {
    /// The mapping file when mapping the inputs first (default: the built-in Passweb mapping).
    pub mapping: Option<PathBuf>,
    /// Map this source first: NAME=PATH as for `run`.
    #[arg(short, long = "input", value_name = "NAME=PATH", value_parser = parse_pair)]
    pub inputs: Vec<(String, String)>,
    /// The format of an input whose extension does not tell.
    #[arg(long = "input-format", value_name = "NAME=FORMAT", value_parser = parse_pair)]
    pub input_formats: Vec<(String, String)>,
    /// Set a mapping variable, read with var("KEY", default).
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub vars: Vec<(String, String)>,
    /// The most bytes one record may take in its file when mapping first, as for `run`
    /// (default 64MiB).
    #[arg(long, value_name = "SIZE", value_parser = crate::engine::limits::parse_bytes)]
    pub max_record_bytes: Option<u64>,
    /// Push the feed files `clerkmap run --out DIR` wrote, instead of mapping.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["mapping", "inputs", "vars", "input_formats", "max_record_bytes"])]
    pub from: Option<PathBuf>,
    /// Push the feeds `run -c FILE` wrote: the project's `out` (or each store's directory), with
    /// the key variables named under `clerk:` (per store or for the project).
    #[arg(short = 'c', long = "config", value_name = "FILE", conflicts_with_all = ["mapping", "inputs", "vars", "input_formats", "from", "max_record_bytes"])]
    pub config: Option<PathBuf>,
    /// Clerk's API.
    #[arg(long, value_name = "URL", default_value = client::DEFAULT_API_URL)]
    pub api_url: String,
    /// The state file of incremental sync (default: DIR/clerkmap-state.json with --from,
    /// ./clerkmap-state.json otherwise).
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// Show what would be sent and deleted; send nothing, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Only ask Clerk whether it accepts the keys (of every store, with -c): no data is sent,
    /// no feed is read.
    #[arg(long, conflicts_with_all = ["dry_run", "mapping", "inputs"])]
    pub check_keys: bool,
    /// Send every record, changed or not (orders too).
    #[arg(long)]
    pub full: bool,
    /// Only these entities (comma-separated): products,categories,orders,customers,pages.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = super::run::parse_entity)]
    pub entities: Vec<Entity>,
    /// Push even when an entity would shrink by more than --max-shrink, or a feed would be empty.
    #[arg(long)]
    pub allow_shrink: bool,
    /// The share of an entity's acknowledged ids that may be deleted at once.
    #[arg(long, value_name = "SHARE", default_value = "10%", value_parser = guard::parse_share)]
    pub max_shrink: f64,
    /// Records per request, at most.
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = in_range::<usize>(BATCH_SIZE))]
    pub batch_size: usize,
    /// Bytes per request, at most (e.g. 4M, 512k).
    #[arg(long, value_name = "BYTES", default_value = "4M", value_parser = parse_bytes)]
    pub batch_bytes: usize,
    /// Requests in flight.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = in_range::<usize>(CONCURRENCY))]
    pub concurrency: usize,
    /// Gzip request bodies of 16 KiB and more (Content-Encoding: gzip).
    #[arg(long)]
    pub gzip: bool,
    /// Seconds to wait for an answer before retrying.
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = parse_timeout)]
    pub timeout: f64,
    /// Retries per request (timeouts, connection errors, 429, 5xx).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = in_range::<u32>(RETRIES))]
    pub retries: u32,
    /// Retries for the whole push; when spent, the push stops (and resumes next time).
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = in_range::<u32>(RETRY_BUDGET))]
    pub retry_budget: u32,
    /// The first backoff in milliseconds (doubles at each retry, with jitter).
    #[arg(long, value_name = "MS", default_value_t = 500, value_parser = in_range::<u64>(BACKOFF_MS))]
    pub backoff_ms: u64,
    /// The longest backoff in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 30_000, value_parser = in_range::<u64>(BACKOFF_MS))]
    pub max_backoff_ms: u64,
    /// Save the state at most every MS milliseconds (orders: after every batch).
    #[arg(long, value_name = "MS", default_value_t = 1000, hide = true, value_parser = in_range::<u64>(SAVE_EVERY_MS))]
    pub save_every_ms: u64,
    /// The environment variable holding the public key.
    #[arg(long, value_name = "NAME", default_value = PUBLIC_KEY_ENV)]
    pub public_key_env: String,
    /// The environment variable holding the private key.
    #[arg(long, value_name = "NAME", default_value = PRIVATE_KEY_ENV)]
    pub private_key_env: String,
    /// Worker threads when mapping (default: one per core).
    #[arg(short, long, value_name = "N", value_parser = in_range::<usize>(JOBS))]
    pub jobs: Option<usize>,
    /// `json`: the summary as JSON lines on stdout (one object per entity, then the totals;
    /// errors as `{"type": "error"}`), instead of the table.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
}

/// `--batch-size`: records per request.
const BATCH_SIZE: (u64, u64) = (1, 10_000);
/// `--batch-bytes`: bytes per request (1 KiB to 256 MiB).
const BATCH_BYTES: (u64, u64) = (1 << 10, 256 << 20);
/// `--concurrency`: requests in flight.
const CONCURRENCY: (u64, u64) = (1, 64);
/// `--timeout`: seconds (more than the first, at most the second).
const TIMEOUT_SECS: (f64, f64) = (0.0, 3600.0);
/// `--retries`: per request.
const RETRIES: (u64, u64) = (0, 100);
/// `--retry-budget`: for the whole push.
const RETRY_BUDGET: (u64, u64) = (0, 1_000_000);
/// `--backoff-ms`, `--max-backoff-ms`: up to ten minutes.
const BACKOFF_MS: (u64, u64) = (0, 600_000);
/// `--save-every-ms`: up to an hour.
const SAVE_EVERY_MS: (u64, u64) = (0, 3_600_000);
/// `--jobs`: worker threads.
const JOBS: (u64, u64) = (1, 1024);

/// A value parser for a whole number in `lo..=hi` (both said in the error).
fn in_range<T>(
    (lo, hi): (u64, u64),
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: TryFrom<u64>,
{
    move |s: &str| {
        s.trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (lo..=hi).contains(n))
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| format!("`{s}` is not a whole number from {lo} to {hi}"))
    }
}

/// `--timeout`: seconds, finite, more than 0 and at most an hour (so it always makes a
/// `Duration`).
fn parse_timeout(s: &str) -> Result<f64, String> {
    let (lo, hi) = TIMEOUT_SECS;
    s.trim()
        .parse::<f64>()
        .ok()
        .filter(|t| t.is_finite() && *t > lo && *t <= hi)
        .ok_or_else(|| {
            format!(
                "`{s}` is not a number of seconds more than {lo} and at most {hi} (e.g. 60 or 0.5)"
            )
        })
}

/// `--batch-bytes`: 4M, 512k or a number of bytes, from 1k to 256M.
fn parse_bytes(s: &str) -> Result<usize, String> {
    let (lo, hi) = BATCH_BYTES;
    let t = s.trim().to_ascii_lowercase();
    let t = t.trim_end_matches("ib").trim_end_matches('b');
    let (num, mult) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('m') => (&t[..t.len() - 1], 1 << 20),
        _ => (t, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|n| (lo..=hi).contains(n))
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| {
            format!("`{s}` is not a size from 1k to 256M: write 4M, 512k or a number of bytes")
        })
}

/// Where a push says what happened: text for people, or JSON lines (`--message-format json`).
#[derive(Clone, Copy)]
struct Out<'a> {
    ui: &'a Ui,
    json: bool,
    /// The store, with a multi-store project file.
    store: Option<&'a str>,
}

impl Out<'_> {
    /// An error: `error: ...` on stderr, or `{"type": "error"}` on stdout.
    fn error(&self, msg: &str) {
        if self.json {
            json::emit(&json!({"type": "error", "store": self.store, "message": msg}));
        } else if let Some(store) = self.store {
            // the `== store` headers go to stdout: an error says its store itself
            self.ui.error(format!("store `{store}`: {msg}"));
        } else {
            self.ui.error(msg);
        }
    }

    /// A JSON line with the store added, keys masked.
    fn emit(&self, keys: &Keys, mut v: Value) {
        if let (Some(store), Some(m)) = (self.store, v.as_object_mut()) {
            m.insert("store", json!(store));
        }
        let line = keys.redact(&v.to_string());
        match serde_json::from_str::<Value>(&line) {
            Ok(v) => json::emit(&v),
            Err(_) => json::emit(
                &json!({"type": "error", "message": "(a line that could not be masked)"}),
            ),
        }
    }
}

/// Runs `clerkmap push`; returns the exit code.
pub(crate) fn cmd(a: PushArgs, ui: &Ui) -> u8 {
    let out = Out {
        ui,
        json: a.message_format == MessageFormat::Json,
        store: None,
    };
    if let Some(cfg) = &a.config {
        return push_project(&a, out, cfg);
    }
    if a.mapping.as_deref().is_some_and(super::is_stdin)
        && let Some((name, _)) = a.inputs.iter().find(|(_, p)| p == "-")
    {
        out.error(&format!(
            "the mapping and --input {name} both read standard input: only one of them can"
        ));
        return exit::USAGE;
    }
    push_one(
        &a,
        out,
        a.from.clone(),
        &a.public_key_env,
        &a.private_key_env,
    )
}

/// `push -c clerkmap.yaml`: every store's output directory (or the project's), each with its keys.
fn push_project(a: &PushArgs, out: Out, cfg: &std::path::Path) -> u8 {
    let project = match super::config::load(cfg) {
        Ok(p) => p,
        Err(e) => {
            out.error(&e);
            return exit::USAGE;
        }
    };
    let Some(dir) = project.out.clone() else {
        out.error(&format!(
            "{}: no `out:`: push -c pushes the feeds `run -c` wrote there",
            cfg.display()
        ));
        return exit::USAGE;
    };
    let env_names = |keys: Option<&super::config::ClerkKeys>| {
        let project_keys = project.clerk.as_ref();
        let pick = |f: fn(&super::config::ClerkKeys) -> Option<&String>, default: &str| {
            keys.and_then(f)
                .or_else(|| project_keys.and_then(f))
                .cloned()
                .unwrap_or_else(|| default.to_string())
        };
        (
            pick(|k| k.public_key_env.as_ref(), &a.public_key_env),
            pick(|k| k.private_key_env.as_ref(), &a.private_key_env),
        )
    };
    if project.stores.is_empty() {
        let (public, private) = env_names(None);
        return push_one(a, out, Some(dir), &public, &private);
    }
    if let Err(e) = super::config::validate_stores(&project.stores) {
        out.error(&e);
        return exit::USAGE;
    }
    // Each store is its own Clerk store: two pushing with one public key would overwrite each
    // other's records (and each one's deletes would miss the other's ids).
    let mut keys: Vec<(&str, String, String)> = Vec::new();
    for store in &project.stores {
        let (public, _) = env_names(store.clerk.as_ref());
        let Some(key) = std::env::var(&public).ok().filter(|k| !k.trim().is_empty()) else {
            continue;
        };
        if let Some((other, other_env, _)) = keys.iter().find(|(_, _, k)| *k == key) {
            out.error(&format!(
                "stores `{other}` and `{}` would push to one Clerk store: both have the public key of ${other_env}{}; give each store its own keys under `clerk:` in {} (`clerk: {{ public_key_env: CLERK_{}_PUBLIC_KEY, private_key_env: CLERK_{}_PRIVATE_KEY }}`)",
                store.name,
                if *other_env == public { String::new() } else { format!(" and ${public}") },
                cfg.display(),
                store.name.to_ascii_uppercase(),
                store.name.to_ascii_uppercase(),
            ));
            return exit::USAGE;
        }
        keys.push((&store.name, public, key));
    }
    let mut worst = exit::OK;
    for store in &project.stores {
        let store_dir = store.out.clone().unwrap_or_else(|| dir.join(&store.name));
        let (public, private) = env_names(store.clerk.as_ref());
        if !out.json {
            out.ui.say(format!(
                "== store {} <- {}",
                store.name,
                store_dir.display()
            ));
        }
        let store_out = Out {
            store: Some(&store.name),
            ..out
        };
        worst = worst.max(push_one(a, store_out, Some(store_dir), &public, &private));
    }
    worst
}

/// How the client talks to Clerk, from the flags (`Err`: a timeout that is not a duration).
fn client_config(a: &PushArgs, api_url: String) -> Result<ClientConfig, String> {
    // The value parser checked it; a `PushArgs` built in code may not have been parsed.
    let timeout = Duration::try_from_secs_f64(a.timeout)
        .ok()
        .filter(|t| !t.is_zero())
        .ok_or("--timeout must be a number of seconds more than 0")?;
    Ok(ClientConfig {
        api_url,
        timeout,
        connect_timeout: timeout.min(Duration::from_secs(10)),
        gzip_min_bytes: a.gzip.then_some(16 << 10),
        retry: RetryPolicy {
            max_attempts: a.retries.saturating_add(1),
            base_delay: Duration::from_millis(a.backoff_ms),
            max_delay: Duration::from_millis(a.max_backoff_ms.max(a.backoff_ms)),
            max_retry_after: Duration::from_secs(300),
            budget: a.retry_budget,
        },
    })
}

/// Asks Clerk whether it accepts the keys (no data sent).
fn ask_keys(cfg: &ClientConfig, keys: &Keys, observer: Arc<dyn PushObserver>) -> KeyCheck {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return KeyCheck::Unknown(format!("cannot start the async runtime: {e}")),
    };
    match Clerk::new(cfg.clone(), keys.clone(), observer) {
        Ok(clerk) => rt.block_on(clerk.check_keys()),
        Err(e) => KeyCheck::Unknown(e),
    }
}

/// Asks Clerk whether it accepts the keys before anything is sent; `Some(exit code)` when the
/// command ends there (`--check-keys`, refused keys).
fn keys_first(
    a: &PushArgs,
    out: Out,
    client: &ClientConfig,
    keys: &Keys,
    which: &str,
    progress: Arc<dyn PushObserver>,
) -> Option<u8> {
    let ui = out.ui;
    match ask_keys(client, keys, progress) {
        KeyCheck::Accepted => {
            if a.check_keys {
                if out.json {
                    out.emit(keys, json!({"type": "keys", "ok": true, "keys": which}));
                } else {
                    ui.say(format!("Clerk accepts the keys ({which})"));
                }
                return Some(exit::OK);
            }
            ui.detail(format!("Clerk accepts the keys ({which})"));
            None
        }
        KeyCheck::Refused(why) => {
            let nothing = if a.check_keys {
                ""
            } else {
                "; nothing was sent"
            };
            out.error(&keys.redact(&format!("Clerk refuses the keys ({which}): {why}{nothing}")));
            Some(exit::USAGE)
        }
        KeyCheck::Unknown(why) if a.check_keys => {
            out.error(&keys.redact(&format!(
                "could not check the keys ({which}) with Clerk: {why}"
            )));
            Some(exit::FAILURE)
        }
        // The push itself will say what is wrong with the API, batch by batch.
        KeyCheck::Unknown(why) => {
            ui.detail(keys.redact(&format!(
                "could not check the keys with Clerk first ({why}): pushing"
            )));
            None
        }
    }
}

/// Pushes one directory of feed files (or maps the inputs first when `from` is None).
fn push_one(
    a: &PushArgs,
    out: Out,
    from: Option<PathBuf>,
    public_key_env: &str,
    private_key_env: &str,
) -> u8 {
    let ui = out.ui;
    let api_url = match client::check_api_url(&a.api_url) {
        Ok(u) => u,
        Err(e) => {
            out.error(&e);
            return exit::USAGE;
        }
    };
    let keys = match Keys::from_env(public_key_env, private_key_env, !a.dry_run) {
        Ok(k) => k,
        Err(e) => {
            out.error(&e);
            return exit::USAGE;
        }
    };
    let client = match client_config(a, api_url) {
        Ok(c) => c,
        Err(e) => {
            out.error(&e);
            return exit::USAGE;
        }
    };
    let progress: Arc<dyn PushObserver> = Arc::new(Progress::new(Mode::auto(ui.quiet())));
    let which = format!("${public_key_env}, ${private_key_env}");
    if (a.check_keys || !a.dry_run)
        && let Some(code) = keys_first(a, out, &client, &keys, &which, Arc::clone(&progress))
    {
        return code;
    }
    if from.is_none() && a.inputs.is_empty() {
        out.error(
            "nothing to push: give --from DIR (the feed files of `clerkmap run`), or map first with --input NAME=PATH ...",
        );
        return exit::USAGE;
    }
    // Map first into a temporary directory, unless pushing existing feed files.
    let mut _tmp = None;
    let (dir, default_state) = match &from {
        Some(dir) => (dir.clone(), dir.join(push::STATE_FILE)),
        None => match map_first(a, out) {
            Ok(tmp) => {
                let dir = tmp.path().to_path_buf();
                _tmp = Some(tmp);
                (dir, PathBuf::from(push::STATE_FILE))
            }
            Err(code) => return code,
        },
    };
    let opts = PushOptions {
        dir,
        entities: a.entities.clone(),
        state_path: a.state.clone().unwrap_or(default_state),
        dry_run: a.dry_run,
        full: a.full,
        allow_shrink: a.allow_shrink,
        max_shrink: a.max_shrink,
        batch_records: a.batch_size,
        batch_bytes: a.batch_bytes,
        delete_batch: 100,
        concurrency: a.concurrency,
        save_interval: Duration::from_millis(a.save_every_ms),
        client,
        interrupt: None,
    };
    match push_interruptibly(opts, &keys, progress) {
        Ok(report) => {
            if out.json {
                report_json(out, &keys, &report);
            } else {
                ui.result(&keys.redact(&super::summary::push_report(&report)));
            }
            if report.ok() { exit::OK } else { exit::FAILURE }
        }
        Err(e) => {
            out.error(&keys.redact(&e.to_string()));
            match e {
                PushError::Usage(_) => exit::USAGE,
                PushError::Feed(_) => exit::INPUT,
                PushError::State(_) => exit::FAILURE,
                PushError::Shrink(_) => exit::TOO_MANY_REJECTS,
            }
        }
    }
}

/// `--message-format json`: one line per entity, then the totals.
fn report_json(out: Out, keys: &Keys, r: &PushReport) {
    for e in &r.entities {
        let mut v = crate::value::to_value(e).unwrap_or(Value::Null);
        if let Some(m) = v.as_object_mut() {
            m.insert("type", json!("entity"));
            if r.dry_run {
                m.insert("send_examples", json!(e.send_examples));
                m.insert("delete_examples", json!(e.delete_examples));
            }
        }
        out.emit(keys, v);
    }
    let secs = r.elapsed_ms as f64 / 1000.0;
    out.emit(
        keys,
        json!({
            "type": "summary",
            "dry_run": r.dry_run,
            "ok": r.ok(),
            "sent": r.sent(),
            "retries": r.retries,
            "elapsed_ms": r.elapsed_ms,
            "records_per_sec": if secs > 0.0 { (r.sent() as f64 / secs).round() } else { 0.0 },
            "stopped": r.stopped,
            "state_file": r.state_file,
        }),
    );
}

/// The inputs of the flags, built as `run` builds them.
fn inputs(a: &PushArgs) -> Result<Vec<Input>, String> {
    let run_args = super::RunArgs {
        inputs: a.inputs.clone(),
        input_formats: a.input_formats.clone(),
        out: Some(PathBuf::from(".")),
        max_record_bytes: a.max_record_bytes,
        ..Default::default()
    };
    let configs = super::run::run_configs(run_args)?;
    Ok(configs
        .into_iter()
        .next()
        .map(|c| c.options.inputs)
        .unwrap_or_default())
}

/// Runs a push on its own runtime. The first ctrl-c stops it gracefully (the requests in flight
/// finish, the state is saved); a second one quits at once (exit 130).
fn push_interruptibly(
    mut opts: PushOptions,
    keys: &Keys,
    progress: Arc<dyn PushObserver>,
) -> Result<PushReport, PushError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PushError::Usage(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async {
        let flag = opts
            .interrupt
            .get_or_insert_with(|| Arc::new(AtomicBool::new(false)))
            .clone();
        let p = Arc::clone(&progress);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                p.notice("interrupted: finishing the requests in flight and saving the state (ctrl-c again to quit at once)");
                flag.store(true, Ordering::SeqCst);
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
        push::push_async(&opts, keys, progress).await
    })
}

/// Runs the mapping into a temporary directory (NDJSON feeds) and returns it.
fn map_first(a: &PushArgs, out: Out) -> Result<tempfile::TempDir, u8> {
    let ui = out.ui;
    let fail = |e: String, code: u8| {
        out.error(&e);
        code
    };
    let src = load_mapping(a.mapping.as_deref()).map_err(|e| fail(e, exit::USAGE))?;
    let checked = checked(ui, &src, &Vars::from_flags(&a.vars), false)?;
    let mut inputs = inputs(a).map_err(|e| fail(e, exit::USAGE))?;
    let _stdin_copy = super::run::read_stdin_once(&mut inputs, &checked.program)
        .map_err(|e| fail(e, exit::USAGE))?;
    let tmp = tempfile::Builder::new()
        .prefix("clerkmap-push-")
        .tempdir()
        .map_err(|e| {
            fail(
                format!("cannot create a temporary directory: {e}"),
                exit::FAILURE,
            )
        })?;
    let mapping_warnings = short_warnings(&checked, &src);
    let options = RunOptions {
        inputs,
        jobs: a.jobs.unwrap_or(0),
        max_record_bytes: a
            .max_record_bytes
            .unwrap_or(crate::engine::limits::DEFAULT_MAX_RECORD_BYTES),
        mapping_warnings: mapping_warnings.clone(),
        ..RunOptions::default()
    };
    let output = FeedOutput {
        format: OutputFormat::Ndjson,
        // Nothing to compare with here: the push compares with what Clerk has.
        allow_shrink: true,
        ..FeedOutput::new(tmp.path())
    };
    match engine::run(&checked.program, &src, &options, &output) {
        Ok(report) => {
            for e in &report.entities {
                ui.note(format!(
                    "mapped {}: read {} = written {} + filtered {} + rejected {}",
                    e.entity.name(),
                    super::term::count(e.read),
                    super::term::count(e.written),
                    super::term::count(e.filtered),
                    super::term::count(e.rejected)
                ));
            }
            for w in super::summary::run_warnings(&report, &mapping_warnings) {
                ui.warning(w);
            }
            Ok(tmp)
        }
        Err(e) => {
            let code = super::run::exit_code(ui, &e, &mapping_warnings);
            let message = match &e {
                // The rejects were in the temporary directory, gone with it.
                RunError::Aborted { abort, .. } => format!(
                    "{}; nothing was pushed (`clerkmap run` with the same inputs and `--out DIR` writes each reject, with every reason, in DIR/rejects.ndjson)",
                    abort.cause()
                ),
                _ => format!("{}; nothing was pushed", super::run::describe(&e)),
            };
            Err(fail(message, code))
        }
    }
}
