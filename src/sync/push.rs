//! A push: feed files -> Clerk's API, incrementally.
//!
//! 1. Scan each entity's feed (ids and content hashes, one record at a time).
//! 2. Plan against the state file: new and changed records to send, acknowledged ids now gone
//!    to delete (never orders; an acknowledged order is never sent again), the rest unchanged.
//! 3. The shrink guard, for every entity, before anything is sent.
//! 4. Send: a reader thread streams the records to send into batches (by count and bytes); up to
//!    `concurrency` requests are in flight; each acknowledged batch goes into the state, which
//!    is saved atomically as the push goes. Then the deletes, in batches of ids.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use tokio::task::JoinSet;

use super::client::{Call, CallError, Clerk, ClientConfig};
use super::observer::PushObserver;
use super::secret::Keys;
use super::state::{Entry, State, content_hash};
use crate::clerk::Entity;
use crate::engine::feed::{self, FeedError, FeedFile};
use crate::engine::guard::{self, ShrinkRefusal};

/// The state file's name in a feed directory (`push --from DIR`).
pub const STATE_FILE: &str = "clerkmap-state.json";

#[derive(Debug, Clone)]
pub struct PushOptions {
    /// Where the feed files are.
    pub dir: PathBuf,
    /// The entities to push; empty: all that have a feed file.
    pub entities: Vec<Entity>,
    pub state_path: PathBuf,
    /// Plan and print; send nothing, change nothing.
    pub dry_run: bool,
    /// Send every record, changed or not.
    pub full: bool,
    pub allow_shrink: bool,
    pub max_shrink: f64,
    /// Records per upsert request, at most.
    pub batch_records: usize,
    /// Bytes of records per upsert request, at most (a bigger record goes alone).
    pub batch_bytes: usize,
    /// Ids per delete request, at most.
    pub delete_batch: usize,
    /// Requests in flight.
    pub concurrency: usize,
    /// Save the state at most this often (orders: after every batch).
    pub save_interval: Duration,
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
#[derive(Debug)]
pub enum PushError {
    Usage(String),
    Feed(FeedError),
    State(String),
    Shrink(ShrinkRefusal),
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::Usage(m) | PushError::State(m) => f.write_str(m),
            PushError::Feed(e) => write!(f, "{e}"),
            PushError::Shrink(r) => write!(f, "{r}"),
        }
    }
}

impl std::error::Error for PushError {}

/// What happened to one entity.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EntitySummary {
    pub entity: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Records in the feed.
    pub records: u64,
    /// Planned: new and changed records, ids to delete.
    pub new: u64,
    pub changed: u64,
    pub to_delete: u64,
    /// Done: acknowledged by Clerk.
    pub sent: u64,
    pub unchanged: u64,
    pub deleted: u64,
    /// Records (or ids to delete) not acknowledged.
    pub failed: u64,
    pub batches: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A few of the ids to send and to delete (dry run).
    #[serde(skip)]
    pub send_examples: Vec<String>,
    #[serde(skip)]
    pub delete_examples: Vec<String>,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PushReport {
    pub dry_run: bool,
    pub entities: Vec<EntitySummary>,
    /// Why the push stopped before the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    pub retries: u64,
    pub elapsed_ms: u64,
    pub state_file: String,
    pub batch_records: usize,
    pub concurrency: usize,
}

impl PushReport {
    /// Everything planned was acknowledged.
    pub fn ok(&self) -> bool {
        self.stopped.is_none() && self.entities.iter().all(|e| e.failed == 0)
    }
    pub fn sent(&self) -> u64 {
        self.entities.iter().map(|e| e.sent).sum()
    }
    /// Records acknowledged per second of the push.
    pub fn records_per_sec(&self) -> f64 {
        if self.elapsed_ms == 0 {
            0.0
        } else {
            self.sent() as f64 * 1000.0 / self.elapsed_ms as f64
        }
    }
}

fn examples(ids: &[String], total: u64) -> String {
    let mut s = ids.join(", ");
    if total > ids.len() as u64 {
        s.push_str(&format!(" and {} more", total - ids.len() as u64));
    }
    s
}

impl fmt::Display for PushReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.dry_run {
            writeln!(
                f,
                "dry run: nothing was sent, the state file was not changed"
            )?;
            for e in &self.entities {
                match (&e.file, &e.note) {
                    (None, Some(note)) => writeln!(f, "{}: {note}", e.entity)?,
                    _ => {
                        write!(
                            f,
                            "{}: {} records in {}: would send {} (new {}, changed {}), {} unchanged",
                            e.entity,
                            e.records,
                            e.file.as_deref().unwrap_or("?"),
                            e.new + e.changed,
                            e.new,
                            e.changed,
                            e.unchanged
                        )?;
                        if !e.send_examples.is_empty() {
                            write!(
                                f,
                                "\n  send: {}",
                                examples(&e.send_examples, e.new + e.changed)
                            )?;
                        }
                        if e.to_delete > 0 {
                            write!(
                                f,
                                "\n  would delete {}: {}",
                                e.to_delete,
                                examples(&e.delete_examples, e.to_delete)
                            )?;
                        }
                        if let Some(n) = &e.note {
                            write!(f, "\n  {n}")?;
                        }
                        writeln!(f)?;
                    }
                }
            }
            return Ok(());
        }
        writeln!(
            f,
            "{:<12} {:>9} {:>9} {:>9} {:>9}",
            "entity", "sent", "unchanged", "deleted", "failed"
        )?;
        for e in &self.entities {
            write!(
                f,
                "{:<12} {:>9} {:>9} {:>9} {:>9}",
                e.entity, e.sent, e.unchanged, e.deleted, e.failed
            )?;
            if let Some(n) = &e.note {
                write!(f, "  ({n})")?;
            }
            writeln!(f)?;
        }
        for e in &self.entities {
            for err in &e.errors {
                writeln!(f, "error: {}: {err}", e.entity)?;
            }
        }
        if let Some(s) = &self.stopped {
            writeln!(f, "stopped: {s}")?;
        }
        writeln!(
            f,
            "{} records acknowledged in {:.1}s ({:.0} records/s; batches of up to {}, {} in flight), {} retries; state: {}",
            self.sent(),
            self.elapsed_ms as f64 / 1000.0,
            self.records_per_sec(),
            self.batch_records,
            self.concurrency,
            self.retries,
            self.state_file
        )
    }
}

/// An entity's feed, scanned: ids (first occurrence, feed order) and content hashes.
struct Scan {
    file: FeedFile,
    ids: Vec<(String, String)>,
    int_ids: bool,
    duplicates: u64,
    fingerprint: Option<(SystemTime, u64)>,
}

fn fingerprint(path: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

fn scan(file: FeedFile) -> Result<Option<Scan>, FeedError> {
    let fp = fingerprint(&file.path);
    let mut ids = Vec::new();
    let mut seen = HashSet::new();
    let mut int_ids = true;
    let mut duplicates = 0;
    let n = file.for_each(|_, v| {
        let id = v.get("id");
        let Some(key) = feed::id_key(&v) else {
            return Err(format!(
                "a record without a usable id ({}): Clerk needs an int or string id on every record",
                id.map(|i| i.to_string()).unwrap_or_else(|| "none".into())
            ));
        };
        int_ids &= id.is_some_and(|i| i.is_i64() || i.is_u64());
        if seen.insert(key.clone()) {
            ids.push((key, content_hash(&v)));
        } else {
            duplicates += 1;
        }
        Ok(true)
    })?;
    Ok(n.map(|_| Scan {
        file,
        ids,
        int_ids,
        duplicates,
        fingerprint: fp,
    }))
}

/// What to do for one entity.
struct Plan {
    entity: Entity,
    scan: Scan,
    send: HashSet<String>,
    new: u64,
    changed: u64,
    delete: Vec<String>,
}

fn plan(entity: Entity, scan: Scan, state: &State, store: &str, full: bool) -> Plan {
    let empty = HashMap::new();
    let acked_map: HashMap<&str, &Entry> = state
        .entity(store, entity)
        .map(|es| es.ids.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or(empty);
    let mut send = HashSet::new();
    let (mut new, mut changed) = (0, 0);
    for (key, hash) in &scan.ids {
        match acked_map.get(key.as_str()) {
            None => {
                new += 1;
                send.insert(key.clone());
            }
            Some(_) if full => {
                changed += 1;
                send.insert(key.clone());
            }
            // An acknowledged order is never sent again.
            Some(_) if entity == Entity::Orders => {}
            Some(e) if e.hash != *hash => {
                changed += 1;
                send.insert(key.clone());
            }
            Some(_) => {}
        }
    }
    let mut delete = Vec::new();
    if entity.is_mirrored() {
        let in_feed: HashSet<&str> = scan.ids.iter().map(|(k, _)| k.as_str()).collect();
        delete = acked_map
            .keys()
            .filter(|k| !in_feed.contains(*k))
            .map(|k| k.to_string())
            .collect();
        delete.sort_unstable();
    }
    Plan {
        entity,
        scan,
        send,
        new,
        changed,
        delete,
    }
}

/// Saves the state as the push goes: at most every `interval`, or at once when forced.
struct Saver {
    path: PathBuf,
    interval: Duration,
    last: Instant,
    dirty: bool,
}

impl Saver {
    fn note(&mut self, state: &State, force: bool) -> Result<(), String> {
        self.dirty = true;
        if force || self.last.elapsed() >= self.interval {
            self.flush(state)?;
        }
        Ok(())
    }
    fn flush(&mut self, state: &State) -> Result<(), String> {
        if self.dirty {
            state.save(&self.path)?;
            self.dirty = false;
            self.last = Instant::now();
        }
        Ok(())
    }
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
    let mut state = State::load(&opts.state_path).map_err(PushError::State)?;
    let store = keys.public.clone();
    let wanted: Vec<Entity> = if opts.entities.is_empty() {
        Entity::ALL.to_vec()
    } else {
        opts.entities.clone()
    };
    let mut report = PushReport {
        dry_run: opts.dry_run,
        state_file: opts.state_path.display().to_string(),
        batch_records: opts.batch_records,
        concurrency: opts.concurrency,
        ..PushReport::default()
    };
    // 1-2: scan and plan every entity.
    let mut plans = Vec::new();
    for entity in wanted {
        let skipped = |note: String| EntitySummary {
            entity: entity.name().into(),
            note: Some(note),
            ..EntitySummary::default()
        };
        let Some(file) = feed::find(&opts.dir, entity) else {
            if !opts.entities.is_empty() {
                report.entities.push(skipped(format!(
                    "no feed file in {}: skipped, nothing deleted",
                    opts.dir.display()
                )));
            }
            continue;
        };
        let f2 = file.clone();
        let scanned = tokio::task::spawn_blocking(move || scan(f2))
            .await
            .map_err(|e| PushError::Usage(format!("internal error while reading: {e}")))?
            .map_err(PushError::Feed)?;
        match scanned {
            Some(s) => plans.push(plan(entity, s, &state, &store, opts.full)),
            None => {
                if !opts.entities.is_empty() {
                    report.entities.push(skipped(format!(
                        "{} has no {} section: skipped, nothing deleted",
                        file.path.display(),
                        entity.name()
                    )));
                }
            }
        }
    }
    if plans.is_empty() && report.entities.is_empty() {
        return Err(PushError::Usage(format!(
            "no feed file in {}: expected products.json, categories.json, ... (or .ndjson, or feed.json) as `clerkmap run --out {}` writes them",
            opts.dir.display(),
            opts.dir.display()
        )));
    }
    // 3: the guard, before anything is sent.
    if !opts.allow_shrink {
        let against = format!(
            "what Clerk acknowledged (state file {})",
            opts.state_path.display()
        );
        let shrinks: Vec<_> = plans
            .iter()
            .filter_map(|p| {
                let before = state
                    .entity(&store, p.entity)
                    .map(|es| es.ids.keys().map(String::as_str).collect::<Vec<_>>())
                    .unwrap_or_default();
                let after: HashSet<String> = p.scan.ids.iter().map(|(k, _)| k.clone()).collect();
                guard::check(p.entity, before, &after, opts.max_shrink, &against)
            })
            .collect();
        if !shrinks.is_empty() {
            return Err(PushError::Shrink(ShrinkRefusal {
                shrinks,
                consequence: "nothing was sent or deleted".into(),
            }));
        }
    }
    let summaries: Vec<EntitySummary> = plans
        .iter()
        .map(|p| {
            let mut send_examples: Vec<&String> = p.send.iter().collect();
            send_examples.sort_unstable();
            EntitySummary {
                entity: p.entity.name().into(),
                file: Some(p.scan.file.path.display().to_string()),
                records: p.scan.ids.len() as u64,
                new: p.new,
                changed: p.changed,
                to_delete: p.delete.len() as u64,
                unchanged: p.scan.ids.len() as u64 - p.send.len() as u64,
                note: (p.scan.duplicates > 0).then(|| {
                    format!(
                        "{} records repeat an id: only the first of each was used",
                        p.scan.duplicates
                    )
                }),
                send_examples: send_examples.into_iter().take(10).cloned().collect(),
                delete_examples: p.delete.iter().take(10).cloned().collect(),
                ..EntitySummary::default()
            }
        })
        .collect();
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
    let mut saver = Saver {
        path: opts.state_path.clone(),
        interval: opts.save_interval,
        last: Instant::now(),
        dirty: false,
    };
    for (plan, mut summary) in plans.into_iter().zip(summaries) {
        if report.stopped.is_none() {
            let stop = push_entity(
                &clerk,
                plan,
                &mut summary,
                &mut state,
                &store,
                &mut saver,
                opts,
                observer.as_ref(),
            )
            .await;
            if stop.is_some() {
                report.stopped = stop;
            }
        } else {
            summary.failed = summary.new + summary.changed;
            summary.note = Some("not pushed: the push stopped before".into());
        }
        report.entities.push(summary);
    }
    if let Err(e) = saver.flush(&state) {
        report.stopped.get_or_insert(e);
    }
    report.retries = clerk.retries();
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// An upsert request done: the batch's keys and hashes, and how it went.
type UpsertDone = (Vec<(String, String)>, Result<(), CallError>);

/// A batch of records to upsert: their keys and hashes, and their JSON joined by commas.
#[derive(Default)]
struct Batch {
    keys: Vec<(String, String)>,
    bytes: Vec<u8>,
}

/// "batch 3 (500 records: ids 1, 2, 3, ... 500)".
fn batch_label<'a>(n: u64, ids: impl ExactSizeIterator<Item = &'a str>) -> String {
    let total = ids.len();
    let shown: Vec<&str> = ids.take(20).collect();
    let more = if total > shown.len() {
        format!(" and {} more", total - shown.len())
    } else {
        String::new()
    };
    format!("batch {n} ({total} ids: {}{more})", shown.join(", "))
}

#[allow(clippy::too_many_arguments)]
async fn push_entity(
    clerk: &Arc<Clerk>,
    plan: Plan,
    summary: &mut EntitySummary,
    state: &mut State,
    store: &str,
    saver: &mut Saver,
    opts: &PushOptions,
    progress: &dyn PushObserver,
) -> Option<String> {
    let entity = plan.entity;
    let to_send = plan.send.len() as u64;
    let mut stop: Option<String> = None;
    let now = || chrono::Utc::now().timestamp();
    if to_send > 0 {
        progress.stage(&format!("{}: sending", entity.name()), to_send);
        let (tx, mut rx) =
            tokio::sync::mpsc::channel::<Result<Batch, FeedError>>(opts.concurrency.max(1));
        let file = plan.scan.file.clone();
        let send = plan.send;
        let (max_n, max_bytes) = (opts.batch_records.max(1), opts.batch_bytes.max(1));
        let reader = tokio::task::spawn_blocking(move || {
            let mut cur = Batch::default();
            let mut done: HashSet<String> = HashSet::new();
            let r = file.for_each(|_, v| {
                let Some(k) = feed::id_key(&v) else {
                    return Ok(true);
                };
                if !send.contains(&k) || !done.insert(k.clone()) {
                    return Ok(true);
                }
                let hash = content_hash(&v);
                let json = serde_json::to_vec(&v).map_err(|e| e.to_string())?;
                if !cur.keys.is_empty()
                    && (cur.keys.len() >= max_n || cur.bytes.len() + json.len() + 1 > max_bytes)
                    && tx.blocking_send(Ok(std::mem::take(&mut cur))).is_err()
                {
                    return Ok(false);
                }
                if !cur.bytes.is_empty() {
                    cur.bytes.push(b',');
                }
                cur.bytes.extend_from_slice(&json);
                cur.keys.push((k, hash));
                Ok(true)
            });
            match r {
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                }
                Ok(_) if !cur.keys.is_empty() => {
                    let _ = tx.blocking_send(Ok(cur));
                }
                Ok(_) => {}
            }
        });
        let mut set: JoinSet<UpsertDone> = JoinSet::new();
        let mut input_done = false;
        let mut n = 0u64;
        loop {
            while !input_done && stop.is_none() && set.len() < opts.concurrency.max(1) {
                if interrupted(opts) {
                    stop = Some(INTERRUPTED.into());
                    break;
                }
                match rx.recv().await {
                    Some(Ok(mut b)) => {
                        n += 1;
                        let label = batch_label(n, b.keys.iter().map(|(k, _)| k.as_str()));
                        let records = Arc::new(std::mem::take(&mut b.bytes));
                        let c = Arc::clone(clerk);
                        set.spawn(async move {
                            let r = c.call(&Call::Upsert { entity, records }, &label).await;
                            (b.keys, r)
                        });
                    }
                    Some(Err(e)) => {
                        stop = Some(format!("cannot read the feed: {e}"));
                        input_done = true;
                    }
                    None => input_done = true,
                }
            }
            let Some(joined) = set.join_next().await else {
                break;
            };
            match joined {
                Err(e) => stop = Some(format!("internal error: {e}")),
                Ok((keys, Ok(()))) => {
                    let t = now();
                    let es = state.entity_mut(store, entity);
                    es.id_type = Some(if plan.scan.int_ids { "int" } else { "string" }.into());
                    for (k, hash) in &keys {
                        es.ids.insert(
                            k.clone(),
                            Entry {
                                hash: hash.clone(),
                                since: t,
                            },
                        );
                    }
                    summary.sent += keys.len() as u64;
                    summary.batches += 1;
                    progress.advance(keys.len() as u64);
                    if let Err(e) = saver.note(state, entity == Entity::Orders) {
                        stop = Some(e);
                    }
                }
                Ok((keys, Err(e))) => {
                    summary.batches += 1;
                    progress.advance(keys.len() as u64);
                    summary.errors.push(e.message.clone());
                    progress.notice(&format!("error: {}", e.message));
                    if e.auth || e.budget_spent {
                        stop = Some(e.message);
                    }
                }
            }
        }
        drop(rx);
        let _ = reader.await;
        progress.finish();
        summary.failed += to_send - summary.sent;
    }
    if stop.is_some() {
        return stop;
    }
    // Deletes: only when every upsert of the entity went through and the feed did not change
    // under us (a new feed may hold the ids again).
    if !plan.delete.is_empty() {
        if summary.failed > 0 {
            summary.failed += plan.delete.len() as u64;
            summary.note = Some("deletions left for the next push: some upserts failed".into());
            return None;
        }
        if fingerprint(&plan.scan.file.path) != plan.scan.fingerprint {
            summary.note = Some(format!(
                "{} changed during the push: deletions left for the next push",
                plan.scan.file.path.display()
            ));
            return None;
        }
        let int_ids = state
            .entity(store, entity)
            .and_then(|es| es.id_type.as_deref())
            .map(|t| t == "int")
            .unwrap_or(plan.scan.int_ids);
        progress.stage(
            &format!("{}: deleting", entity.name()),
            plan.delete.len() as u64,
        );
        let mut chunks = plan
            .delete
            .chunks(opts.delete_batch.max(1))
            .map(|c| c.to_vec())
            .collect::<Vec<_>>()
            .into_iter();
        let mut set: JoinSet<(Vec<String>, Result<(), CallError>)> = JoinSet::new();
        let mut n = 0u64;
        loop {
            while stop.is_none() && set.len() < opts.concurrency.max(1) {
                if interrupted(opts) {
                    stop = Some(INTERRUPTED.into());
                    break;
                }
                let Some(ids) = chunks.next() else { break };
                n += 1;
                let label = batch_label(n, ids.iter().map(String::as_str));
                let ids_json = ids_json(&ids, int_ids);
                let c = Arc::clone(clerk);
                set.spawn(async move {
                    let r = c.call(&Call::Delete { entity, ids_json }, &label).await;
                    (ids, r)
                });
            }
            let Some(joined) = set.join_next().await else {
                break;
            };
            match joined {
                Err(e) => stop = Some(format!("internal error: {e}")),
                Ok((ids, Ok(()))) => {
                    let es = state.entity_mut(store, entity);
                    for k in &ids {
                        es.ids.remove(k);
                    }
                    summary.deleted += ids.len() as u64;
                    progress.advance(ids.len() as u64);
                    if let Err(e) = saver.note(state, false) {
                        stop = Some(e);
                    }
                }
                Ok((ids, Err(e))) => {
                    progress.advance(ids.len() as u64);
                    summary.errors.push(e.message.clone());
                    progress.notice(&format!("error: {}", e.message));
                    if e.auth || e.budget_spent {
                        stop = Some(e.message);
                    }
                }
            }
        }
        progress.finish();
        summary.failed += plan.delete.len() as u64 - summary.deleted;
    }
    stop
}

const INTERRUPTED: &str =
    "interrupted: what Clerk acknowledged is in the state file; push again to send the rest";

fn interrupted(opts: &PushOptions) -> bool {
    opts.interrupt
        .as_ref()
        .is_some_and(|f| f.load(Ordering::SeqCst))
}

/// `[1,2]` for int ids, `["a","b"]` otherwise.
fn ids_json(ids: &[String], int_ids: bool) -> String {
    let vals: Vec<serde_json::Value> = ids
        .iter()
        .map(|k| match k.parse::<i64>() {
            Ok(i) if int_ids => serde_json::Value::from(i),
            _ => serde_json::Value::from(k.as_str()),
        })
        .collect();
    serde_json::to_string(&vals).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_ids_keep_their_type() {
        assert_eq!(ids_json(&["1".into(), "2".into()], true), "[1,2]");
        assert_eq!(ids_json(&["1".into(), "a".into()], false), r#"["1","a"]"#);
    }

    #[test]
    fn labels_list_ids() {
        let ids: Vec<String> = (1..=25).map(|i| i.to_string()).collect();
        let l = batch_label(2, ids.iter().map(String::as_str));
        assert!(
            l.starts_with("batch 2 (25 ids: 1, 2,") && l.ends_with("20 and 5 more)"),
            "{l}"
        );
    }
}
