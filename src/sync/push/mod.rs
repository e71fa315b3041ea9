//! A push: feed files -> Clerk's API, incrementally.
//!
//! 1. Scan each entity's feed (ids and content hashes, one record at a time).
//! 2. Plan against the state file: new and changed records to send, acknowledged ids now gone
//!    to delete (never orders; an acknowledged order is never sent again), the rest unchanged.
//! 3. The shrink guard, for every entity, before anything is sent.
//! 4. Send: a reader thread streams the records to send into batches (by count and bytes); up to
//!    `concurrency` requests are in flight; each acknowledged batch goes into the state's
//!    journal as the push goes (one line: the cost does not grow with the state), and the state
//!    file is written atomically once, at the end. Then the deletes, in batches of ids.
//!
//! Steps 1 to 3 are in `plan.rs`, step 4 in `send.rs`, the outcome in `report.rs`. Progress
//! goes to the caller's [`PushObserver`]; a push draws nothing, prints nothing and handles no
//! signal: the caller stops it with [`PushOptions::interrupt`].

mod plan;
mod report;
mod send;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

pub use report::{EntitySummary, PushReport};

use super::client::{Clerk, ClientConfig};
use super::observer::PushObserver;
use super::secret::Keys;
use super::state::State;
use crate::clerk::Entity;
use crate::engine::feed::FeedError;
use crate::engine::guard::{self, ShrinkRefusal};
use send::Sender;

/// The state file's name in a feed directory (`push --from DIR`).
pub const STATE_FILE: &str = "clerkmap-state.json";

/// What to push and how.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// Where the feed files are.
    pub dir: PathBuf,
    /// The entities to push; empty: all that have a feed file.
    pub entities: Vec<Entity>,
    /// The state file of incremental sync.
    pub state_path: PathBuf,
    /// Plan and print; send nothing, change nothing.
    pub dry_run: bool,
    /// Send every record, changed or not.
    pub full: bool,
    /// Push even when an entity would shrink by more than `max_shrink`.
    pub allow_shrink: bool,
    /// The share of an entity's acknowledged ids that may be deleted at once.
    pub max_shrink: f64,
    /// Records per upsert request, at most.
    pub batch_records: usize,
    /// Bytes of records per upsert request, at most (a bigger record goes alone).
    pub batch_bytes: usize,
    /// Ids per delete request, at most.
    pub delete_batch: usize,
    /// Requests in flight.
    pub concurrency: usize,
    /// Sync the state's journal at most this often (orders: after every batch). Every
    /// acknowledged batch is written to it at once; this is about power losses.
    pub save_interval: Duration,
    /// Clerk's API, timeouts and retries.
    pub client: ClientConfig,
    /// Set (by the caller's ctrl-c handler) to stop sending new batches: the requests in flight finish,
    /// and the state is saved.
    pub interrupt: Option<Arc<AtomicBool>>,
}

impl Default for PushOptions {
    fn default() -> Self {
        PushOptions {
            dir: PathBuf::from("out"),
            entities: Vec::new(),
            state_path: PathBuf::from("out").join(STATE_FILE),
            dry_run: false,
            full: false,
            allow_shrink: false,
            max_shrink: guard::DEFAULT_MAX_SHRINK,
            batch_records: 500,
            batch_bytes: 4 << 20,
            delete_batch: 100,
            concurrency: 4,
            save_interval: Duration::from_secs(1),
            client: ClientConfig::default(),
            interrupt: None,
        }
    }
}

/// Why a push did not start.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// Wrong options, missing keys, another push holding the state file.
    #[error("{0}")]
    Usage(String),
    /// A feed file cannot be read.
    #[error(transparent)]
    Feed(FeedError),
    /// The state file cannot be read, locked or saved.
    #[error("{0}")]
    State(String),
    /// The shrink guard refused: an entity would lose too many ids.
    #[error(transparent)]
    Shrink(ShrinkRefusal),
}

/// Takes the lock file beside the state file.
fn lock_state(state: &Path) -> Result<std::fs::File, PushError> {
    let mut name = state.as_os_str().to_owned();
    name.push(".lock");
    let path = PathBuf::from(name);
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| {
            PushError::State(format!(
                "cannot create the lock file {}: {e}",
                path.display()
            ))
        })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(PushError::Usage(format!(
            "another push is using the state file {} right now: wait for it to finish",
            state.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(PushError::State(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}

/// Pushes the feed files of `opts.dir` to Clerk. Progress and notices go to `observer`; stops
/// early (the requests in flight finish, the state is saved) when `opts.interrupt` is set.
/// `Err`: the push did not start (nothing was sent); a push that started returns its report,
/// with [`PushReport::stopped`] saying why it stopped before the end.
pub async fn push_async(
    opts: &PushOptions,
    keys: &Keys,
    observer: Arc<dyn PushObserver>,
) -> Result<PushReport, PushError> {
    let started = Instant::now();
    if !opts.dir.is_dir() {
        return Err(PushError::Usage(format!(
            "{} is not a directory of feed files: give the --out DIR of `clerkmap run`",
            opts.dir.display()
        )));
    }
    // One push per state file at a time (the lock goes with the process, even when killed).
    let _lock = if opts.dry_run {
        None
    } else {
        Some(lock_state(&opts.state_path)?)
    };
    // A journal a killed push left is replayed (and, holding the lock, folded into the file).
    let state = if opts.dry_run {
        State::load_journaled(&opts.state_path).map(|(s, _)| s)
    } else {
        State::load_compacted(&opts.state_path)
    }
    .map_err(PushError::State)?;
    let store = keys.public.clone();
    let mut report = PushReport {
        dry_run: opts.dry_run,
        state_file: opts.state_path.display().to_string(),
        batch_records: opts.batch_records,
        concurrency: opts.concurrency,
        ..PushReport::default()
    };
    // 1-2: scan and plan every entity.
    let (plans, skipped) = plan::plan_all(opts, &state, &store).await?;
    report.entities = skipped;
    // 3: the guard, before anything is sent.
    if !opts.allow_shrink {
        plan::check_shrink(&plans, &state, &store, opts)?;
    }
    let summaries: Vec<EntitySummary> = plans.iter().map(plan::summary).collect();
    if opts.dry_run {
        report.entities.extend(summaries);
        report.elapsed_ms = started.elapsed().as_millis() as u64;
        return Ok(report);
    }
    // 4: send.
    let clerk = Arc::new(
        Clerk::new(opts.client.clone(), keys.clone(), observer.clone())
            .map_err(PushError::Usage)?,
    );
    let mut sender = Sender::new(Arc::clone(&clerk), state, store, opts, observer.as_ref());
    for (plan, mut summary) in plans.into_iter().zip(summaries) {
        if report.stopped.is_none() {
            let stop = sender.entity(plan, &mut summary).await;
            if stop.is_some() {
                report.stopped = stop;
            }
        } else {
            summary.failed = summary.new + summary.changed;
            summary.note = Some("not pushed: the push stopped before".into());
        }
        report.entities.push(summary);
    }
    if let Err(e) = sender.flush() {
        report.stopped.get_or_insert(e);
    }
    report.retries = clerk.retries();
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}
