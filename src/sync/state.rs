//! The local state file of incremental sync: per store (a Clerk public key) and entity, the
//! content hash of every record Clerk has acknowledged, and since when it has had that content.
//! Only acknowledged records go in, and the file is saved atomically (temp file + rename), so a
//! push that dies half-way leaves a state that is true, just behind.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;
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
                hash: content_hash(&serde_json::json!({"id": 1})),
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

    #[test]
    fn hash_follows_content() {
        let a = content_hash(&serde_json::json!({"id": 1, "price": 2.0}));
        let b = content_hash(&serde_json::json!({"id": 1, "price": 2.5}));
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
    }
}
