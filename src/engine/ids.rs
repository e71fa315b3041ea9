//! What a run remembers of the ids it writes, in a fixed 24 bytes per id whatever the id's
//! length: a 64-bit hash of the id, the hash of its record's content, and where the record was
//! read. It is enough to reject a duplicate id (naming the record that kept it), to compare
//! with the previous feed (the diff, the shrink guard) and to count.
//!
//! Two different ids with the same 64-bit hash would read as duplicates: with a well-mixed hash
//! the chance is about n²/2⁶⁵ for n ids (one in four million for three million ids), and the
//! record would be rejected as a duplicate in the open (in `rejects.ndjson`, with the id of
//! the record said to be kept), never lost silently.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

/// The seed of [`id_hash`] and [`content_hash`]: any fixed value (both only need to be the
/// same within one run).
const SEED: u64 = 0x636c_6572_6b6d_6170; // "clerkmap"

/// The 64-bit hash of an id (its key, as [`crate::value::key_string`] gives it).
pub fn id_hash(key: &str) -> u64 {
    foldhash::quality::FixedState::with_seed(SEED).hash_one(key)
}

/// The hash of a record's content: of its compact JSON, as `run` writes it one record a line.
/// Computed by this binary for both the new records and the previous feed's, so it only needs
/// to be stable within one run.
pub fn content_hash(json: &[u8]) -> u64 {
    foldhash::quality::FixedState::with_seed(SEED ^ 1).hash_one(json)
}

/// A hasher for keys that are already hashes: it passes the `u64` through.
#[derive(Default)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
    fn write(&mut self, bytes: &[u8]) {
        // Not used by u64 keys; kept correct for any other key all the same.
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type Pass = BuildHasherDefault<PassThrough>;

/// What is kept of a written id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// The [`content_hash`] of its record.
    pub content: u64,
    /// Where its record was read (line or record number).
    pub first: u64,
}

/// The ids a run mapped for an entity: per id, its [`Seen`]; plus the first ids in natural
/// order of those the previous feed did not have, as the diff's examples.
#[derive(Debug, Default)]
pub struct MappedIds {
    map: HashMap<u64, Seen, Pass>,
    /// The first new ids (not in the previous feed), when the run knew the previous feed.
    pub added_examples: FirstIds,
}

impl MappedIds {
    /// What was kept of `key`, if it was written.
    pub fn get(&self, key: &str) -> Option<Seen> {
        self.map.get(&id_hash(key)).copied()
    }

    /// Whether `key` was written.
    pub fn contains(&self, key: &str) -> bool {
        self.map.contains_key(&id_hash(key))
    }

    /// Notes `key` as written.
    pub fn insert(&mut self, key: &str, seen: Seen) {
        self.map.insert(id_hash(key), seen);
    }

    /// How many ids were written.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no id was written.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// What was kept of the id of this [`id_hash`], if it was written.
    pub fn get_hashed(&self, hash: u64) -> Option<Seen> {
        self.map.get(&hash).copied()
    }

    /// Notes the id of this [`id_hash`] as written.
    pub fn insert_hashed(&mut self, hash: u64, seen: Seen) {
        self.map.insert(hash, seen);
    }
}

/// A set of ids by their [`id_hash`] (8 bytes each).
#[derive(Debug, Default)]
pub struct IdSet(HashSet<u64, Pass>);

impl IdSet {
    /// Adds `key`; `false` when it was there.
    pub fn insert(&mut self, key: &str) -> bool {
        self.insert_hashed(id_hash(key))
    }

    /// Adds the id of this [`id_hash`]; `false` when it was there.
    pub fn insert_hashed(&mut self, hash: u64) -> bool {
        self.0.insert(hash)
    }

    /// How many ids.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The ids of a previous feed by their [`id_hash`], each with the [`content_hash`] of its
/// first record (16 bytes each): what the run's diff and shrink guard compare with.
#[derive(Debug, Default)]
pub struct PreviousIds(HashMap<u64, u64, Pass>);

impl PreviousIds {
    /// Adds `key` with the hash of its record; `false` (and no change) when it was there.
    pub fn insert_first(&mut self, key: &str, content: u64) -> bool {
        match self.0.entry(id_hash(key)) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(content);
                true
            }
        }
    }

    /// Whether `key` is there.
    pub fn contains(&self, key: &str) -> bool {
        self.0.contains_key(&id_hash(key))
    }

    /// Adds the ids of `later` (read after these) that are not here already.
    pub fn absorb(&mut self, later: PreviousIds) {
        self.0.reserve(later.0.len());
        for (id, content) in later.0 {
            self.0.entry(id).or_insert(content);
        }
    }

    /// Whether the id of this [`id_hash`] is there.
    pub fn contains_hashed(&self, hash: u64) -> bool {
        self.0.contains_key(&hash)
    }

    /// The content hash of the first record of the id of this [`id_hash`].
    pub fn content_hashed(&self, hash: u64) -> Option<u64> {
        self.0.get(&hash).copied()
    }

    /// Each id's hash with its record's content hash, in no order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.0.iter().map(|(k, v)| (*k, *v))
    }

    /// How many ids.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// How many example ids a diff or a refusal lists per kind of change.
pub const EXAMPLES: usize = 5;

/// Keeps the [`EXAMPLES`] first ids in natural order, whatever the number offered.
#[derive(Debug, Default, Clone)]
pub struct FirstIds(Vec<String>);

impl FirstIds {
    /// Offers `id`: kept when it is among the first so far.
    pub fn offer(&mut self, id: &str) {
        if self.0.len() == EXAMPLES
            && self
                .0
                .last()
                .is_some_and(|last| natural(last, id) != Ordering::Greater)
        {
            return;
        }
        let at = self
            .0
            .partition_point(|x| natural(x, id) != Ordering::Greater);
        if at < EXAMPLES {
            self.0.insert(at, id.to_string());
            self.0.truncate(EXAMPLES);
        }
    }

    /// The ids kept, in natural order.
    pub fn into_vec(self) -> Vec<String> {
        self.0
    }
}

/// Numbers in numeric order, then text.
pub fn natural(a: &str, b: &str) -> Ordering {
    match (a.parse::<i64>(), b.parse::<i64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_costs_a_fixed_24_bytes_whatever_its_length() {
        assert_eq!(std::mem::size_of::<u64>() + std::mem::size_of::<Seen>(), 24);
        let mut ids = MappedIds::default();
        let long = "x".repeat(10_000);
        ids.insert(
            &long,
            Seen {
                content: 1,
                first: 2,
            },
        );
        ids.insert(
            "A",
            Seen {
                content: 3,
                first: 4,
            },
        );
        assert_eq!(
            ids.get(&long),
            Some(Seen {
                content: 1,
                first: 2
            })
        );
        assert_eq!(ids.get("A").map(|s| s.first), Some(4));
        assert!(!ids.contains("B"));
        assert_eq!(ids.len(), 2);
    }

    #[test]
    fn hashes_tell_ids_and_contents_apart() {
        assert_ne!(id_hash("1"), id_hash("01"));
        assert_eq!(id_hash("SKU-1"), id_hash("SKU-1"));
        assert_ne!(content_hash(b"{\"id\":1}"), content_hash(b"{\"id\":2}"));
        // A million distinct ids, no collision (the chance of one is about 3e-8).
        let mut set = IdSet::default();
        for i in 0..1_000_000 {
            assert!(set.insert(&format!("ART{i:07}")));
        }
        assert_eq!(set.len(), 1_000_000);
    }

    #[test]
    fn the_first_ids_are_kept_in_natural_order() {
        let mut first = FirstIds::default();
        for id in ["10", "9", "b", "a", "100", "2", "1", "3"] {
            first.offer(id);
        }
        assert_eq!(first.into_vec(), vec!["1", "2", "3", "9", "10"]);
    }
}
