//! `modified_after` for served feeds: a change index kept in a state file (store `feed`). When
//! a feed file has a new version (modified time or size differ), its records' hashes are
//! compared with the indexed ones: a new or changed record gets the file's modified time as its
//! change time, an unchanged one keeps its time.
//!
//! The index is loaded and rebuilt by a thread of its own, one entity at a time, and saved
//! after each rebuild: a request never waits for it, and a rebuild is never lost to a request's
//! deadline. A request whose feed file is newer than its index gets the same answer as a fresh
//! index would give, worked out while the file is read: a record keeps its indexed change time
//! when its hash is the indexed one, else it changed at the file's modified time. Until the
//! saved index is loaded, every record counts as changed at its file's modified time (safe:
//! only more is served, never less).
//!
//! Change times are whole unix seconds (rounded down), so `modified_after=T` serves the records
//! that changed at any time in second `T` or later: inclusive, a record may come twice, never
//! be missed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::UNIX_EPOCH;

use crate::value::Value;
use serde::Serialize;

use super::Log;
use crate::clerk::Entity;
use crate::engine::feed::{self, FeedFile};
use crate::engine::output::AtomicFile;
use crate::sync::state::{EntityState, Entry, State, VERSION, content_hash};

/// The change index's store in its state file.
const STORE: &str = "feed";

/// Per entity and id, since when the record has its content; kept in a state file.
pub struct ChangeIndex {
    shared: Arc<Shared>,
    jobs: Mutex<Option<mpsc::Sender<FeedFile>>>,
}

struct Shared {
    /// The index of each entity, for one version of its feed file.
    current: Mutex<HashMap<Entity, Arc<EntityState>>>,
    /// Entities whose rebuild is queued or running.
    pending: Mutex<HashSet<Entity>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The file's version: modified time (ns) and size, and the modified time in unix seconds.
fn version(file: &FeedFile) -> Option<(String, i64)> {
    let m = std::fs::metadata(&file.path).ok()?;
    let t = m.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    let secs = i64::try_from(t.as_secs()).ok()?;
    Some((format!("{}:{}", t.as_nanos(), m.len()), secs))
}

/// Which records of one answer changed after a time: the index as it was when the answer
/// started, and the version of the file being read.
pub struct Changes {
    index: Option<Arc<EntityState>>,
    /// The index is the file's own (else: hashes are compared as the file is read).
    fresh: bool,
    /// The file's modified time (unix seconds); `None`: unknown, every record counts.
    mtime: Option<i64>,
    /// Served: change time >= this (unix seconds).
    after: i64,
}

impl Changes {
    /// Whether the record with this id and content changed at second `after` or later.
    pub fn changed(&self, id: &str, record: &Value) -> bool {
        let Some(mtime) = self.mtime else {
            return true;
        };
        let since = match self.index.as_ref().and_then(|ix| ix.ids.get(id)) {
            Some(e) if self.fresh || e.hash == content_hash(record) => e.since,
            _ => mtime,
        };
        since >= self.after
    }
}

impl ChangeIndex {
    /// Starts the index's thread, which loads the state file at `path` (a damaged file: a
    /// warning to `log`, and a new index; every record then counts as changed at its file's
    /// modified time: safe, only more is served), brings the index of the `feeds` up to date,
    /// then rebuilds what requests ask for, saving the index after each rebuild. The receiver
    /// resolves once the state file is loaded and the `feeds` are indexed (or the thread is
    /// gone).
    pub fn open(
        path: PathBuf,
        log: Log,
        feeds: Vec<FeedFile>,
    ) -> (ChangeIndex, tokio::sync::oneshot::Receiver<()>) {
        let shared = Arc::new(Shared {
            current: Mutex::new(HashMap::new()),
            pending: Mutex::new(HashSet::new()),
        });
        let (tx, rx) = mpsc::channel::<FeedFile>();
        for file in feeds {
            if lock(&shared.pending).insert(file.entity) {
                let _ = tx.send(file);
            }
        }
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        let sh = Arc::clone(&shared);
        let log2 = Arc::clone(&log);
        let started = std::thread::Builder::new()
            .name("clerkmap-change-index".into())
            .spawn(move || worker(sh, path, rx, log2, ready_tx));
        let jobs = match started {
            Ok(_) => Some(tx),
            Err(e) => {
                log(&format!(
                    "warning: cannot start the change index ({e}): modified_after serves every record of a feed newer than it"
                ));
                None
            }
        };
        (
            ChangeIndex {
                shared,
                jobs: Mutex::new(jobs),
            },
            ready_rx,
        )
    }

    /// Queues a rebuild of the entity's index from `file` when the index is not that file's
    /// (one at a time per entity; never waits).
    pub fn refresh(&self, file: &FeedFile) {
        let ver = version(file).map(|(v, _)| v);
        let current = lock(&self.shared.current)
            .get(&file.entity)
            .and_then(|ix| ix.source.clone());
        if ver.is_some() && current == ver {
            return;
        }
        if lock(&self.shared.pending).insert(file.entity) {
            let sent = lock(&self.jobs)
                .as_ref()
                .is_some_and(|tx| tx.send(file.clone()).is_ok());
            if !sent {
                lock(&self.shared.pending).remove(&file.entity);
            }
        }
    }

    /// What an answer about `file` serves for `modified_after=after` (unix seconds); also
    /// queues the rebuild the file needs, if any.
    pub fn changes(&self, file: &FeedFile, after: i64) -> Changes {
        let ver = version(file);
        let index = lock(&self.shared.current).get(&file.entity).cloned();
        self.refresh(file);
        let fresh = match (&index, &ver) {
            (Some(ix), Some((v, _))) => ix.source.as_deref() == Some(v.as_str()),
            _ => false,
        };
        Changes {
            index,
            fresh,
            mtime: ver.map(|(_, secs)| secs),
            after,
        }
    }
}

/// The index's thread: loads the state file, then rebuilds (a batch at a time, saving after
/// each batch) until the index is dropped.
fn worker(
    shared: Arc<Shared>,
    path: PathBuf,
    jobs: mpsc::Receiver<FeedFile>,
    log: Log,
    ready: tokio::sync::oneshot::Sender<()>,
) {
    let others = match State::load(&path) {
        Ok(mut state) => {
            let mine = state.stores.remove(STORE).unwrap_or_default();
            let mut current = lock(&shared.current);
            for (name, es) in mine {
                if let Some(entity) = Entity::parse(&name) {
                    current.insert(entity, Arc::new(es));
                }
            }
            state.stores
        }
        Err(w) => {
            log(&format!("warning: {w}; starting a new change index"));
            BTreeMap::new()
        }
    };
    let mut ready = Some(ready);
    let mut batch: Vec<FeedFile> = jobs.try_iter().collect();
    loop {
        let mut changed = false;
        for file in batch.drain(..) {
            let entity = file.entity;
            let rebuilt = rebuild(&shared, &file);
            lock(&shared.pending).remove(&entity);
            match rebuilt {
                Ok(c) => changed |= c,
                Err(e) => log(&format!(
                    "warning: the change index of {} cannot be rebuilt: {e}",
                    entity.name()
                )),
            }
        }
        if let Some(r) = ready.take() {
            let _ = r.send(());
        }
        if changed && let Err(e) = save(&shared, &path, &others) {
            log(&format!("warning: {e} (the change index stays in memory)"));
        }
        match jobs.recv() {
            Ok(file) => {
                batch.push(file);
                batch.extend(jobs.try_iter());
            }
            Err(_) => return,
        }
    }
}

/// Rebuilds the entity's index from `file`; `Ok(false)`: nothing to do (the index is the
/// file's, or the file changed while it was read: the next request queues it again).
fn rebuild(shared: &Shared, file: &FeedFile) -> Result<bool, String> {
    let Some((ver, mtime)) = version(file) else {
        return Ok(false);
    };
    let old = lock(&shared.current).get(&file.entity).cloned();
    if old
        .as_ref()
        .is_some_and(|ix| ix.source.as_deref() == Some(ver.as_str()))
    {
        return Ok(false);
    }
    let mut ids = BTreeMap::new();
    file.for_each(|_, v| {
        if let Some(k) = feed::id_key(&v) {
            let hash = content_hash(&v);
            let since = match old.as_ref().and_then(|ix| ix.ids.get(&k)) {
                Some(e) if e.hash == hash => e.since,
                _ => mtime,
            };
            ids.insert(k, Entry { hash, since });
        }
        Ok(true)
    })
    .map_err(|e| e.to_string())?;
    if version(file).map(|(v, _)| v).as_deref() != Some(ver.as_str()) {
        return Ok(false);
    }
    let es = EntityState {
        id_type: None,
        source: Some(ver),
        ids,
    };
    lock(&shared.current).insert(file.entity, Arc::new(es));
    Ok(true)
}

/// The state file as [`State`] writes it, from borrowed parts.
#[derive(Serialize)]
struct StateRef<'a> {
    version: u32,
    stores: BTreeMap<&'a str, BTreeMap<&'a str, &'a EntityState>>,
}

/// [`AtomicFile`] as a writer.
struct Out(AtomicFile);

impl std::io::Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).map_err(|e| e.error)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Saves the index (and the other stores the file had) atomically.
fn save(
    shared: &Shared,
    path: &std::path::Path,
    others: &BTreeMap<String, BTreeMap<String, EntityState>>,
) -> Result<(), String> {
    let err = |e: String| format!("cannot save the change index {}: {e}", path.display());
    let current: Vec<(Entity, Arc<EntityState>)> = lock(&shared.current)
        .iter()
        .map(|(e, ix)| (*e, Arc::clone(ix)))
        .collect();
    let mut stores: BTreeMap<&str, BTreeMap<&str, &EntityState>> = others
        .iter()
        .filter(|(k, _)| k.as_str() != STORE)
        .map(|(k, v)| {
            (
                k.as_str(),
                v.iter().map(|(n, es)| (n.as_str(), es)).collect(),
            )
        })
        .collect();
    stores.insert(
        STORE,
        current
            .iter()
            .map(|(e, ix)| (e.name(), ix.as_ref()))
            .collect(),
    );
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
    }
    let file = AtomicFile::create(path).map_err(|e| err(e.error.to_string()))?;
    let mut out = Out(file);
    serde_json::to_writer(
        &mut out,
        &StateRef {
            version: VERSION,
            stores,
        },
    )
    .map_err(|e| err(e.to_string()))?;
    let mut file = out.0;
    file.write(b"\n").map_err(|e| err(e.error.to_string()))?;
    file.commit().map_err(|e| err(e.error.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::feed::FeedKind;
    use std::time::{Duration, Instant};

    fn wait_for(mut f: impl FnMut() -> bool) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if f() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        f()
    }

    #[test]
    fn rebuilds_in_the_background_answers_meanwhile_and_keeps_other_stores() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let state = dir.path().join("state.json");
        let mut other = State::default();
        other.entity_mut("pk_push", Entity::Products).ids.insert(
            "x".into(),
            Entry {
                hash: "h".into(),
                since: 1,
            },
        );
        other.save(&state).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("products.ndjson");
        std::fs::write(&path, "{\"id\":1,\"a\":1}\n{\"id\":2,\"a\":2}\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let file = FeedFile {
            entity: Entity::Products,
            path: path.clone(),
            kind: FeedKind::Ndjson,
        };
        let log: Log = Arc::new(|_| {});
        let (ix, _ready) = ChangeIndex::open(state.clone(), log, Vec::new());
        let mtime = version(&file).map(|(_, s)| s).unwrap_or(0);
        // Whatever the index's progress: everything changed at the file's time, inclusive.
        let c = ix.changes(&file, mtime);
        assert!(c.changed("1", &crate::json!({"id":1,"a":1})));
        assert!(
            !ix.changes(&file, mtime + 1)
                .changed("1", &crate::json!({"id":1}))
        );
        assert!(wait_for(|| {
            State::load(&state).is_ok_and(|s| {
                s.entity(STORE, Entity::Products)
                    .is_some_and(|es| es.ids.len() == 2 && es.source.is_some())
            })
        }));
        let saved = State::load(&state).unwrap_or_default();
        assert!(
            saved.entity("pk_push", Entity::Products).is_some(),
            "the other stores are kept"
        );
        // An index older than the file: unchanged records keep their time, others get the
        // file's, without waiting for the rebuild.
        lock(&ix.shared.current).insert(
            Entity::Products,
            Arc::new(EntityState {
                id_type: None,
                source: Some("old".into()),
                ids: [(
                    "1".to_string(),
                    Entry {
                        hash: content_hash(&crate::json!({"id":1,"a":1})),
                        since: 5,
                    },
                )]
                .into_iter()
                .collect(),
            }),
        );
        let c = ix.changes(&file, 6);
        assert!(!c.changed("1", &crate::json!({"id":1,"a":1})));
        assert!(c.changed("1", &crate::json!({"id":1,"a":9})));
        assert!(c.changed("2", &crate::json!({"id":2,"a":2})));
    }
}
