//! Step 4 of a push: send. A reader thread streams the records to send into batches (by count
//! and bytes); up to `concurrency` requests are in flight; each acknowledged batch goes into
//! the state in memory and, as one line, into the state's journal (synced after every batch of
//! orders, at most every `save_interval` for the rest); the state file is written once, at the
//! end. Then the deletes, in batches of ids.

use foldhash::{HashSet, HashSetExt};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::PushOptions;
use super::plan::{Plan, Scan, fingerprint};
use super::report::EntitySummary;
use crate::clerk::Entity;
use crate::engine::feed::{self, FeedError, FeedFile};
use crate::sync::client::{Call, CallError, Clerk};
use crate::sync::observer::PushObserver;
use crate::sync::state::{Entry, Journal, State, content_hash};

/// Why a push stopped when interrupted.
const INTERRUPTED: &str =
    "interrupted: what Clerk acknowledged is in the state file; push again to send the rest";

/// An upsert request done: the batch's keys and hashes, and how it went.
type UpsertDone = (Vec<(String, String)>, Result<(), CallError>);

/// A delete request done: the batch's ids, and how it went.
type DeleteDone = (Vec<String>, Result<(), CallError>);

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

/// Keeps what Clerk acknowledged on disk as the push goes: each batch a line in the journal,
/// synced at most every `interval` (or at once when forced); at the end, the state file is
/// written and the journal removed.
struct Saver {
    path: PathBuf,
    journal: Journal,
    interval: Duration,
    last_sync: Instant,
    /// Lines written since the state file was.
    dirty: bool,
}

impl Saver {
    /// A batch went into the state (and, unless `journaled` failed, its journal): sync when
    /// forced or when the interval is over.
    fn noted(&mut self, journaled: Result<(), String>, force: bool) -> Result<(), String> {
        // Even when the journal failed: the state file written at the end will hold it.
        self.dirty = true;
        journaled?;
        if force || self.last_sync.elapsed() >= self.interval {
            self.journal.sync()?;
            self.last_sync = Instant::now();
        }
        Ok(())
    }
    /// The end: the journal folded into the state file.
    fn flush(&mut self, state: &State) -> Result<(), String> {
        if self.dirty {
            // Durable first, so that should the compaction fail the journal still holds
            // everything (a failed sync matters only then, and the compaction says why).
            let _ = self.journal.sync();
            self.journal.close();
            state.compact(&self.path)?;
            self.dirty = false;
        }
        Ok(())
    }
}

/// Sends the plans of a push, one entity after the other, and keeps the state up to date.
pub(super) struct Sender<'a> {
    clerk: Arc<Clerk>,
    state: State,
    store: String,
    saver: Saver,
    opts: &'a PushOptions,
    observer: &'a dyn PushObserver,
}

impl<'a> Sender<'a> {
    /// A sender for the store `store`, starting from `state`.
    pub(super) fn new(
        clerk: Arc<Clerk>,
        state: State,
        store: String,
        opts: &'a PushOptions,
        observer: &'a dyn PushObserver,
    ) -> Sender<'a> {
        Sender {
            clerk,
            state,
            store,
            saver: Saver {
                path: opts.state_path.clone(),
                journal: Journal::new(&opts.state_path),
                interval: opts.save_interval,
                last_sync: Instant::now(),
                dirty: false,
            },
            opts,
            observer,
        }
    }

    /// Writes the state file with everything acknowledged, and removes the journal.
    pub(super) fn flush(&mut self) -> Result<(), String> {
        self.saver.flush(&self.state)
    }

    /// Pushes one entity: its upserts, then (when they all went through) its deletes. Returns
    /// why the whole push must stop, if it must.
    pub(super) async fn entity(
        &mut self,
        plan: Plan,
        summary: &mut EntitySummary,
    ) -> Option<String> {
        let Plan {
            entity,
            scan,
            send,
            delete,
            ..
        } = plan;
        let stop = self.upserts(entity, &scan, send, summary).await;
        if stop.is_some() {
            return stop;
        }
        self.deletes(entity, &scan, delete, summary).await
    }

    fn interrupted(&self) -> bool {
        self.opts
            .interrupt
            .as_ref()
            .is_some_and(|f| f.load(Ordering::SeqCst))
    }

    fn concurrency(&self) -> usize {
        self.opts.concurrency.max(1)
    }

    /// A failed request: counted, noticed; returns why the push must stop (keys refused, retry
    /// budget spent).
    fn failed(&self, n: usize, e: CallError, summary: &mut EntitySummary) -> Option<String> {
        self.observer.advance(n as u64);
        summary.errors.push(e.message.clone());
        self.observer.notice(&format!("error: {}", e.message));
        (e.auth || e.budget_spent).then_some(e.message)
    }

    /// Sends the records of `send`, in batches read from the feed as they go.
    async fn upserts(
        &mut self,
        entity: Entity,
        scan: &Scan,
        send: HashSet<String>,
        summary: &mut EntitySummary,
    ) -> Option<String> {
        let to_send = send.len() as u64;
        if to_send == 0 {
            return None;
        }
        let mut stop: Option<String> = None;
        self.observer
            .stage(&format!("{}: sending", entity.name()), to_send);
        let (tx, mut rx) = mpsc::channel::<Result<Batch, FeedError>>(self.concurrency());
        let file = scan.file.clone();
        let limits = (self.opts.batch_records.max(1), self.opts.batch_bytes.max(1));
        let reader = tokio::task::spawn_blocking(move || read_batches(&file, &send, limits, &tx));
        let mut set: JoinSet<UpsertDone> = JoinSet::new();
        let mut input_done = false;
        let mut n = 0u64;
        loop {
            while !input_done && stop.is_none() && set.len() < self.concurrency() {
                if self.interrupted() {
                    stop = Some(INTERRUPTED.into());
                    break;
                }
                match rx.recv().await {
                    Some(Ok(mut b)) => {
                        n += 1;
                        let label = batch_label(n, b.keys.iter().map(|(k, _)| k.as_str()));
                        let records = Arc::new(std::mem::take(&mut b.bytes));
                        let c = Arc::clone(&self.clerk);
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
                    if let Err(e) = self.upserted(entity, scan.int_ids, &keys, summary) {
                        stop = Some(e);
                    }
                }
                Ok((keys, Err(e))) => {
                    summary.batches += 1;
                    if let Some(s) = self.failed(keys.len(), e, summary) {
                        stop = Some(s);
                    }
                }
            }
        }
        drop(rx);
        let _ = reader.await;
        self.observer.finish();
        summary.failed += to_send - summary.sent;
        stop
    }

    /// An acknowledged upsert batch: into the state and its journal (synced now for orders,
    /// else in a while).
    fn upserted(
        &mut self,
        entity: Entity,
        int_ids: bool,
        keys: &[(String, String)],
        summary: &mut EntitySummary,
    ) -> Result<(), String> {
        let t = chrono::Utc::now().timestamp();
        let id_type = if int_ids { "int" } else { "string" };
        let journaled = self
            .saver
            .journal
            .upserted(&self.store, entity, Some(id_type), t, keys);
        let es = self.state.entity_mut(&self.store, entity);
        es.id_type = Some(id_type.into());
        for (k, hash) in keys {
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
        self.observer.advance(keys.len() as u64);
        self.saver.noted(journaled, entity == Entity::Orders)
    }

    /// Deletes the acknowledged ids gone from the feed: only when every upsert of the entity
    /// went through and the feed did not change under us (a new feed may hold the ids again).
    async fn deletes(
        &mut self,
        entity: Entity,
        scan: &Scan,
        delete: Vec<String>,
        summary: &mut EntitySummary,
    ) -> Option<String> {
        if delete.is_empty() {
            return None;
        }
        if summary.failed > 0 {
            summary.failed += delete.len() as u64;
            summary.note = Some("deletions left for the next push: some upserts failed".into());
            return None;
        }
        if fingerprint(&scan.file.path) != scan.fingerprint {
            summary.note = Some(format!(
                "{} changed during the push: deletions left for the next push",
                scan.file.path.display()
            ));
            return None;
        }
        let int_ids = self
            .state
            .entity(&self.store, entity)
            .and_then(|es| es.id_type.as_deref())
            .map(|t| t == "int")
            .unwrap_or(scan.int_ids);
        self.observer
            .stage(&format!("{}: deleting", entity.name()), delete.len() as u64);
        let mut chunks = delete
            .chunks(self.opts.delete_batch.max(1))
            .map(|c| c.to_vec())
            .collect::<Vec<_>>()
            .into_iter();
        let mut stop: Option<String> = None;
        let mut set: JoinSet<DeleteDone> = JoinSet::new();
        let mut n = 0u64;
        loop {
            while stop.is_none() && set.len() < self.concurrency() {
                if self.interrupted() {
                    stop = Some(INTERRUPTED.into());
                    break;
                }
                let Some(ids) = chunks.next() else { break };
                n += 1;
                let label = batch_label(n, ids.iter().map(String::as_str));
                let ids_json = ids_json(&ids, int_ids);
                let c = Arc::clone(&self.clerk);
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
                    if let Err(e) = self.deleted(entity, &ids, summary) {
                        stop = Some(e);
                    }
                }
                Ok((ids, Err(e))) => {
                    if let Some(s) = self.failed(ids.len(), e, summary) {
                        stop = Some(s);
                    }
                }
            }
        }
        self.observer.finish();
        summary.failed += delete.len() as u64 - summary.deleted;
        stop
    }

    /// An acknowledged delete batch: out of the state, into its journal.
    fn deleted(
        &mut self,
        entity: Entity,
        ids: &[String],
        summary: &mut EntitySummary,
    ) -> Result<(), String> {
        let journaled = self.saver.journal.deleted(&self.store, entity, ids);
        let es = self.state.entity_mut(&self.store, entity);
        for k in ids {
            es.ids.remove(k);
        }
        summary.deleted += ids.len() as u64;
        self.observer.advance(ids.len() as u64);
        self.saver.noted(journaled, false)
    }
}

/// The reader thread: the records of `send` (the first of each id), in batches of at most
/// `limits` (records, bytes; a bigger record goes alone), until the receiver is gone.
fn read_batches(
    file: &FeedFile,
    send: &HashSet<String>,
    (max_n, max_bytes): (usize, usize),
    tx: &mpsc::Sender<Result<Batch, FeedError>>,
) {
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
}

/// `[1,2]` for int ids, `["a","b"]` otherwise.
fn ids_json(ids: &[String], int_ids: bool) -> String {
    let vals: Vec<crate::value::Value> = ids
        .iter()
        .map(|k| match k.parse::<i64>() {
            Ok(i) if int_ids => crate::value::Value::from(i),
            _ => crate::value::Value::from(k.as_str()),
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
