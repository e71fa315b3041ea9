//! The local state file of incremental sync: per store (a Clerk public key) and entity, the
//! content hash of every record Clerk has acknowledged, and since when it has had that content.
//! Only acknowledged records go in, and the file is saved atomically (temp file + rename), so a
//! push that dies half-way leaves a state that is true, just behind.
//!
//! As a push goes, each acknowledged batch is appended to a [`Journal`] beside the state file
//! (`<state>.journal`, one JSON line per batch), so that what a batch costs does not grow with
//! the state: the state file is written once, when the push ends ([`State::compact`]), and a
//! journal left by a push that died is replayed and compacted by the next one
//! ([`State::load_compacted`]). A torn last line (the write a kill cut short) is ignored;
//! replaying a journal twice changes nothing, so a crash between writing the state file and
//! removing the journal is harmless.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::value::Value;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clerk::Entity;
use crate::engine::output::AtomicFile;

/// The state file format this clerkmap reads and writes.
pub const VERSION: u32 = 1;

/// A state file's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    /// The format ([`VERSION`]).
    pub version: u32,
    /// Keyed by store: the public key when pushing, `feed` for `serve`'s change index.
    #[serde(default)]
    pub stores: BTreeMap<String, BTreeMap<String, EntityState>>,
}

impl Default for State {
    fn default() -> Self {
        State {
            version: VERSION,
            stores: BTreeMap::new(),
        }
    }
}

/// One entity of one store: the ids Clerk has, and their content.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EntityState {
    /// `int` or `string`: the type of the ids, to delete them with the right JSON type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_type: Option<String>,
    /// For `serve`: the feed file version (modified time and size) the ids were taken from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// id -> what Clerk has.
    #[serde(default)]
    pub ids: BTreeMap<String, Entry>,
}

/// One record Clerk has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The content hash of the record ([`content_hash`]).
    pub hash: String,
    /// Unix seconds: when this content was acknowledged (push) or first seen (serve).
    pub since: i64,
}

/// A record's content hash: 128 bits of SHA-256 of its JSON, in hex.
pub fn content_hash(record: &Value) -> String {
    let bytes = serde_json::to_vec(record).unwrap_or_default();
    hash_bytes(&bytes)
}

/// 128 bits of SHA-256 of `bytes`, in hex.
pub fn hash_bytes(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    hex::encode(&digest[..16])
}

impl State {
    /// Reads a state file; a missing file is an empty state.
    pub fn load(path: &Path) -> Result<State, String> {
        let text = match std::fs::read(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::default()),
            Err(e) => {
                return Err(format!(
                    "cannot read the state file {}: {e}",
                    path.display()
                ));
            }
        };
        let state: State = serde_json::from_slice(&text).map_err(|e| {
            format!(
                "the state file {} is damaged ({e}); move it away and push again with --full: everything is resent, nothing is deleted",
                path.display()
            )
        })?;
        if state.version != VERSION {
            return Err(format!(
                "the state file {} has version {}, this clerkmap reads version {VERSION}: push with --full and a new --state file",
                path.display(),
                state.version
            ));
        }
        Ok(state)
    }

    /// Writes the state atomically: a crash leaves the old file or the new one, never half.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let err = |e: String| format!("cannot save the state file {}: {e}", path.display());
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let json = serde_json::to_vec(self).map_err(|e| err(e.to_string()))?;
        let mut f = AtomicFile::create(path).map_err(|e| err(e.error.to_string()))?;
        f.write(&json).map_err(|e| err(e.error.to_string()))?;
        f.write(b"\n").map_err(|e| err(e.error.to_string()))?;
        f.commit().map_err(|e| err(e.error.to_string()))?;
        Ok(())
    }

    /// Reads a state file (missing: empty) and replays its journal in memory, changing
    /// nothing on disk. Returns the state and whether there was a journal. A torn last line is
    /// ignored; any other unreadable line is a damaged journal, refused with the fix.
    pub fn load_journaled(path: &Path) -> Result<(State, bool), String> {
        let journal = journal_path(path);
        let text = match std::fs::read(&journal) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(format!(
                    "cannot read the state journal {}: {e}",
                    journal.display()
                ));
            }
        };
        let mut state = State::load(path).map_err(|e| match &text {
            Some(_) => format!("{e} (move its journal {} away with it)", journal.display()),
            None => e,
        })?;
        let Some(text) = text else {
            return Ok((state, false));
        };
        let lines: Vec<(usize, &[u8])> = text
            .split(|b| *b == b'\n')
            .enumerate()
            .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
            .collect();
        let last = lines.len().saturating_sub(1);
        for (k, (n, line)) in lines.iter().enumerate() {
            match serde_json::from_slice::<Line>(line) {
                Ok(l) => state.apply(l),
                // The line a kill cut short: that batch is simply not known as acknowledged.
                Err(_) if k == last => {}
                Err(e) => {
                    return Err(format!(
                        "the state journal {} is damaged at line {} ({e}); move it and the state file {} away and push again with --full: everything is resent, nothing is deleted",
                        journal.display(),
                        n + 1,
                        path.display()
                    ));
                }
            }
        }
        Ok((state, true))
    }

    /// [`State::load_journaled`], then, when there was a journal, [`State::compact`]: a push
    /// starts from a state file that holds everything and no journal. Call it holding the lock.
    pub fn load_compacted(path: &Path) -> Result<State, String> {
        let (state, journaled) = State::load_journaled(path)?;
        if journaled {
            state.compact(path)?;
        }
        Ok(state)
    }

    /// Writes the state file atomically, then removes the journal it now holds.
    pub fn compact(&self, path: &Path) -> Result<(), String> {
        self.save(path)?;
        let journal = journal_path(path);
        match std::fs::remove_file(&journal) {
            Ok(()) => {
                sync_dir(&journal);
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!(
                "cannot remove the state journal {} (the state file {} holds it now): {e}",
                journal.display(),
                path.display()
            )),
        }
    }

    /// A journal line into the state.
    fn apply(&mut self, line: Line) {
        let es = self
            .stores
            .entry(line.store)
            .or_default()
            .entry(line.entity)
            .or_default();
        if line.id_type.is_some() {
            es.id_type = line.id_type;
        }
        for (k, hash) in line.set {
            es.ids.insert(
                k,
                Entry {
                    hash,
                    since: line.since,
                },
            );
        }
        for k in line.del {
            es.ids.remove(&k);
        }
    }

    /// An entity of a store, if the state has it.
    pub fn entity(&self, store: &str, entity: Entity) -> Option<&EntityState> {
        self.stores.get(store)?.get(entity.name())
    }

    /// An entity of a store, created empty if the state does not have it.
    pub fn entity_mut(&mut self, store: &str, entity: Entity) -> &mut EntityState {
        self.stores
            .entry(store.to_string())
            .or_default()
            .entry(entity.name().to_string())
            .or_default()
    }
}

/// The journal beside a state file: `<state>.journal`.
pub fn journal_path(state: &Path) -> PathBuf {
    let mut name = state.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}

/// Makes a file's creation or removal durable: syncs its directory (where the system can).
fn sync_dir(file: &Path) {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// One line of the journal: one acknowledged batch of one entity of one store.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    store: String,
    entity: String,
    /// As in [`EntityState::id_type`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_type: Option<String>,
    /// Upserts: `[id, content hash]`, acknowledged at `since`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    set: Vec<(String, String)>,
    #[serde(default)]
    since: i64,
    /// Deletes: the ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    del: Vec<String>,
}

/// A line as written, borrowing the batch.
#[derive(Serialize)]
struct LineRef<'a> {
    store: &'a str,
    entity: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_type: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    set: &'a [(String, String)],
    since: i64,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    del: &'a [String],
}

/// The journal a push appends its acknowledged batches to, beside the state file: one line
/// per batch, so a batch costs the same whatever the state's size. Each line is written at
/// once (a killed process loses nothing written); [`Journal::sync`] makes the lines durable
/// (fsync). [`State::compact`] folds it into the state file.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Option<File>,
    /// Lines written since the last sync.
    unsynced: bool,
    /// A write failed: the file may end in a torn line, so nothing more is appended.
    broken: bool,
}

impl Journal {
    /// The journal of the state file `state` (created at the first line).
    pub fn new(state: &Path) -> Journal {
        Journal {
            path: journal_path(state),
            file: None,
            unsynced: false,
            broken: false,
        }
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends an acknowledged upsert batch: `(id, content hash)`, acknowledged at `since`.
    pub fn upserted(
        &mut self,
        store: &str,
        entity: Entity,
        id_type: Option<&str>,
        since: i64,
        set: &[(String, String)],
    ) -> Result<(), String> {
        self.append(&LineRef {
            store,
            entity: entity.name(),
            id_type,
            set,
            since,
            del: &[],
        })
    }

    /// Appends an acknowledged delete batch.
    pub fn deleted(&mut self, store: &str, entity: Entity, ids: &[String]) -> Result<(), String> {
        self.append(&LineRef {
            store,
            entity: entity.name(),
            id_type: None,
            set: &[],
            since: 0,
            del: ids,
        })
    }

    fn append(&mut self, line: &LineRef<'_>) -> Result<(), String> {
        let err = |e: String| format!("cannot write the state journal {e}");
        if self.broken {
            return Err(err(format!(
                "{}: an earlier write failed",
                self.path.display()
            )));
        }
        let mut buf = serde_json::to_vec(line).map_err(|e| err(e.to_string()))?;
        buf.push(b'\n');
        if self.file.is_none() {
            if let Some(dir) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| err(format!("{}: {e}", self.path.display())))?;
            }
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .map_err(|e| err(format!("{}: {e}", self.path.display())))?;
            sync_dir(&self.path);
            self.file = Some(f);
        }
        let Some(f) = self.file.as_mut() else {
            return Err(err(format!("{}: not open", self.path.display())));
        };
        if let Err(e) = f.write_all(&buf) {
            self.broken = true;
            return Err(err(format!("{}: {e}", self.path.display())));
        }
        self.unsynced = true;
        Ok(())
    }

    /// Makes the lines written so far durable (fsync); nothing to do when there are none.
    pub fn sync(&mut self) -> Result<(), String> {
        if let (true, Some(f)) = (self.unsynced, self.file.as_ref()) {
            f.sync_data().map_err(|e| {
                format!("cannot sync the state journal {}: {e}", self.path.display())
            })?;
            self.unsynced = false;
        }
        Ok(())
    }

    /// Closes the journal (before [`State::compact`] removes it).
    pub fn close(&mut self) {
        self.file = None;
        self.unsynced = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reports_damage() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("s/state.json");
        assert!(
            State::load(&path)
                .map(|s| s.stores.is_empty())
                .unwrap_or(false)
        );
        let mut s = State::default();
        s.entity_mut("pub", Entity::Products).ids.insert(
            "1".into(),
            Entry {
                hash: content_hash(&crate::json!({"id": 1})),
                since: 5,
            },
        );
        s.save(&path).unwrap_or_else(|e| panic!("{e}"));
        let back = State::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            back.entity("pub", Entity::Products).map(|e| e.ids.len()),
            Some(1)
        );
        std::fs::write(&path, "{").unwrap_or_default();
        let e = State::load(&path).err().unwrap_or_default();
        assert!(e.contains("damaged") && e.contains("--full"), "{e}");
    }

    /// The ids of an entity, sorted.
    fn ids(s: &State, entity: Entity) -> Vec<String> {
        s.entity("pub", entity)
            .map(|es| es.ids.keys().cloned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn the_journal_is_replayed_compacted_and_its_torn_last_line_ignored() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("state.json");
        let mut s = State::default();
        s.entity_mut("pub", Entity::Products).ids.insert(
            "old".into(),
            Entry {
                hash: "h0".into(),
                since: 1,
            },
        );
        s.save(&path).unwrap_or_else(|e| panic!("{e}"));
        let saved = std::fs::read(&path).unwrap_or_default();
        let mut j = Journal::new(&path);
        let batch = |ids: &[&str]| -> Vec<(String, String)> {
            ids.iter()
                .map(|k| (k.to_string(), format!("h-{k}")))
                .collect()
        };
        let ok = |r: Result<(), String>| r.unwrap_or_else(|e| panic!("{e}"));
        ok(j.upserted("pub", Entity::Orders, Some("int"), 7, &batch(&["1", "2"])));
        ok(j.sync());
        ok(j.upserted("pub", Entity::Products, Some("string"), 8, &batch(&["a"])));
        ok(j.deleted("pub", Entity::Products, &["old".to_string()]));
        ok(j.sync());
        j.close();
        assert_eq!(
            std::fs::read(&path).unwrap_or_default(),
            saved,
            "appending leaves the state file alone"
        );
        let journal = std::fs::read_to_string(j.path()).unwrap_or_default();
        assert_eq!(journal.lines().count(), 3, "{journal}");
        // A kill in the middle of a line.
        let torn = format!("{journal}{{\"store\":\"pub\",\"entity\":\"orders\",\"set\":[[\"3");
        std::fs::write(j.path(), &torn).unwrap_or_default();
        let (back, journaled) = State::load_journaled(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(journaled);
        assert_eq!(ids(&back, Entity::Orders), ["1", "2"]);
        assert_eq!(ids(&back, Entity::Products), ["a"]);
        let o = back.entity("pub", Entity::Orders);
        assert_eq!(o.and_then(|e| e.id_type.as_deref()), Some("int"));
        assert_eq!(
            o.and_then(|e| e.ids.get("2")),
            Some(&Entry {
                hash: "h-2".into(),
                since: 7
            })
        );
        assert!(j.path().exists(), "load_journaled changes nothing");
        // Compacted on load: the state file holds it all, the journal is gone.
        let back = State::load_compacted(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!j.path().exists());
        let plain = State::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ids(&plain, Entity::Orders), ids(&back, Entity::Orders));
        assert_eq!(ids(&plain, Entity::Products), ["a"]);
        // Replaying a journal twice (a crash after the compaction's rename) changes nothing.
        std::fs::write(j.path(), &journal).unwrap_or_default();
        let (again, _) = State::load_journaled(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            serde_json::to_string(&again).unwrap_or_default(),
            serde_json::to_string(&plain).unwrap_or_default()
        );
        // A line damaged before the last one is refused with the fix.
        std::fs::write(j.path(), format!("{{oops\n{journal}")).unwrap_or_default();
        let e = State::load_journaled(&path).err().unwrap_or_default();
        assert!(
            e.contains("journal") && e.contains("line 1") && e.contains("--full"),
            "{e}"
        );
    }

    #[test]
    fn hash_follows_content() {
        let a = content_hash(&crate::json!({"id": 1, "price": 2.0}));
        let b = content_hash(&crate::json!({"id": 1, "price": 2.5}));
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
    }
}
