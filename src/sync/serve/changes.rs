//! `modified_after` for served feeds: a change index kept in a state file (store `feed`). When
//! a feed file has a new version (modified time or size differ), its records' hashes are
//! compared with the indexed ones: a new or changed record gets the file's modified time as its
//! change time, an unchanged one keeps its time.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::UNIX_EPOCH;

use tokio::sync::Mutex;

use super::Log;
use crate::clerk::Entity;
use crate::engine::feed::{self, FeedFile};
use crate::sync::state::{Entry, State, content_hash};

/// The change index's store in its state file.
const STORE: &str = "feed";

/// Per entity and id, since when the record has its content; kept in a state file.
pub struct ChangeIndex {
    path: PathBuf,
    state: Mutex<State>,
    /// Where a failure to save goes.
    log: Log,
}

/// The file's version: modified time (ns) and size.
fn version(file: &FeedFile) -> Option<(String, i64)> {
    let m = std::fs::metadata(&file.path).ok()?;
    let t = m.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
    Some((format!("{}:{}", t.as_nanos(), m.len()), t.as_secs() as i64))
}

impl ChangeIndex {
    /// Opens the index; a damaged or missing file starts empty (every record then counts as
    /// changed at its file's modified time: safe, only more is served), with a warning.
    pub fn open(path: PathBuf, log: Log) -> (ChangeIndex, Option<String>) {
        let (state, warning) = match State::load(&path) {
            Ok(s) => (s, None),
            Err(e) => (State::default(), Some(e)),
        };
        (
            ChangeIndex {
                path,
                state: Mutex::new(state),
                log,
            },
            warning,
        )
    }

    /// Brings the entity's index up to date with `file` and returns the ids changed after
    /// `after` (unix seconds). `Err`: the feed cannot be read.
    pub async fn changed_after(
        &self,
        entity: Entity,
        file: &FeedFile,
        after: Option<i64>,
    ) -> Result<Option<HashSet<String>>, String> {
        let mut state = self.state.lock().await;
        if let Some((ver, mtime)) = version(file) {
            let current = state.entity(STORE, entity).and_then(|es| es.source.clone());
            if current.as_deref() != Some(ver.as_str()) {
                let old = state
                    .entity(STORE, entity)
                    .map(|es| es.ids.clone())
                    .unwrap_or_default();
                let f = file.clone();
                let ids = tokio::task::spawn_blocking(move || {
                    let mut ids = std::collections::BTreeMap::new();
                    f.for_each(|_, v| {
                        if let Some(k) = feed::id_key(&v) {
                            let hash = content_hash(&v);
                            let since = match old.get(&k) {
                                Some(e) if e.hash == hash => e.since,
                                _ => mtime,
                            };
                            ids.insert(k, Entry { hash, since });
                        }
                        Ok(true)
                    })
                    .map(|_| ids)
                })
                .await
                .map_err(|e| format!("internal error: {e}"))?
                .map_err(|e| e.to_string())?;
                let es = state.entity_mut(STORE, entity);
                es.ids = ids;
                es.source = Some(ver);
                if let Err(e) = state.save(&self.path) {
                    (self.log)(&format!("warning: {e} (the change index stays in memory)"));
                }
            }
        }
        let Some(after) = after else {
            return Ok(None);
        };
        Ok(Some(
            state
                .entity(STORE, entity)
                .map(|es| {
                    es.ids
                        .iter()
                        .filter(|(_, e)| e.since > after)
                        .map(|(k, _)| k.clone())
                        .collect()
                })
                .unwrap_or_default(),
        ))
    }
}
