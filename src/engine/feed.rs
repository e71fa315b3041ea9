//! Reading the feed files `clerkmap run` writes (`products.json` arrays, `products.ndjson`, or a
//! legacy `feed.json`), one record at a time: memory stays bounded whatever the feed's size.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use crate::value::{Value, key_string};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::clerk::Entity;

/// How a feed file holds its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    /// A JSON array (`products.json`).
    Json,
    /// One record per line (`products.ndjson`).
    Ndjson,
    /// The legacy single file (`feed.json`) with a section per entity.
    Legacy,
}

/// An entity's feed file in a directory.
#[derive(Debug, Clone)]
pub struct FeedFile {
    /// The entity whose records are read (in a legacy `feed.json`, the section read).
    pub entity: Entity,
    /// The file to read.
    pub path: PathBuf,
    /// How the file holds its records ([`find`] tells it from the file's name).
    pub kind: FeedKind,
}

/// A feed file that cannot be read; `at` is a line or record number when known.
#[derive(Debug)]
pub struct FeedError {
    /// The feed file.
    pub path: PathBuf,
    /// Where in the file: `line N` or `record N`; `None` when the file cannot be opened.
    pub at: Option<String>,
    /// What is wrong: the I/O or JSON error, or the message of the record callback.
    pub message: String,
}

impl fmt::Display for FeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Some(at) => write!(f, "{} {at}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for FeedError {}

/// The file names an entity's feed can have in a directory.
pub fn candidates(dir: &Path, entity: Entity) -> Vec<(PathBuf, FeedKind)> {
    vec![
        (dir.join(format!("{}.json", entity.name())), FeedKind::Json),
        (
            dir.join(format!("{}.ndjson", entity.name())),
            FeedKind::Ndjson,
        ),
        (
            dir.join(format!("{}.jsonl", entity.name())),
            FeedKind::Ndjson,
        ),
        (dir.join("feed.json"), FeedKind::Legacy),
    ]
}

/// The entity's feed in `dir`: its own file (when several exist because the output format was
/// changed, the most recently written one), else the legacy `feed.json`.
pub fn find(dir: &Path, entity: Entity) -> Option<FeedFile> {
    let found: Vec<(std::time::SystemTime, PathBuf, FeedKind)> = candidates(dir, entity)
        .into_iter()
        .filter_map(|(path, kind)| {
            let meta = std::fs::metadata(&path).ok().filter(|m| m.is_file())?;
            let modified = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
            Some((modified, path, kind))
        })
        .collect();
    let own = found
        .iter()
        .filter(|(_, _, k)| *k != FeedKind::Legacy)
        .max_by_key(|(m, _, _)| *m);
    own.or_else(|| found.iter().find(|(_, _, k)| *k == FeedKind::Legacy))
        .map(|(_, path, kind)| FeedFile {
            entity,
            path: path.clone(),
            kind: *kind,
        })
}

/// The key of a record's `id` (ints and strings as text), as the engine and the state file use.
pub fn id_key(record: &Value) -> Option<String> {
    key_string(record.get("id")?).map(|k| k.into_owned())
}

impl FeedFile {
    /// The ids of the feed's records, in order (records without a usable id are skipped);
    /// `None` when a legacy `feed.json` has no section for the entity. A feed with one record
    /// a line, as `run` writes its JSON arrays and NDJSON, has only its ids decoded (the rest
    /// of each record is skipped, not built): checking a large previous feed costs a fraction
    /// of reading it. Any other layout is read record by record.
    pub fn ids(&self) -> Result<Option<Vec<String>>, FeedError> {
        if let Some(ids) = self.ids_by_line() {
            return Ok(Some(ids));
        }
        let mut ids = Vec::new();
        let n = self.for_each(|_, v| {
            if let Some(k) = id_key(&v) {
                ids.push(k);
            }
            Ok(true)
        })?;
        Ok(n.map(|_| ids))
    }

    /// The ids of a feed with one record per line; `None` when the file has another layout.
    fn ids_by_line(&self) -> Option<Vec<String>> {
        #[derive(serde::Deserialize)]
        struct IdOnly {
            id: Option<Value>,
        }
        if self.kind == FeedKind::Legacy {
            return None;
        }
        let reader = BufReader::with_capacity(1 << 20, File::open(&self.path).ok()?);
        let mut ids = Vec::new();
        for line in reader.lines() {
            let line = line.ok()?;
            let t = line.trim().trim_end_matches(',');
            if t.is_empty() || (self.kind == FeedKind::Json && (t == "[" || t == "]" || t == "[]"))
            {
                continue;
            }
            let rec: IdOnly = serde_json::from_str(t).ok()?;
            if let Some(k) = rec.id.as_ref().and_then(key_string) {
                ids.push(k.into_owned());
            }
        }
        Some(ids)
    }
}

/// What a record callback says: go on or stop reading.
pub type Flow = Result<bool, String>;

impl FeedFile {
    /// Calls `f(n, record)` for each record in order (`n` counts from 1). Returns the number of
    /// records read, or `None` when a legacy `feed.json` has no section for the entity.
    /// An `Err` from `f` stops the reading and comes back as a [`FeedError`] at that record.
    pub fn for_each(
        &self,
        mut f: impl FnMut(u64, Value) -> Flow,
    ) -> Result<Option<u64>, FeedError> {
        let err = |at: Option<String>, message: String| FeedError {
            path: self.path.clone(),
            at,
            message,
        };
        let file = File::open(&self.path).map_err(|e| err(None, format!("cannot open: {e}")))?;
        let reader = BufReader::with_capacity(1 << 16, file);
        match self.kind {
            FeedKind::Ndjson => {
                let mut n = 0;
                for (i, line) in reader.lines().enumerate() {
                    let line =
                        line.map_err(|e| err(Some(format!("line {}", i + 1)), e.to_string()))?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    let v: Value = serde_json::from_str(&line).map_err(|e| {
                        err(
                            Some(format!("line {}", i + 1)),
                            format!("not a JSON record: {e}"),
                        )
                    })?;
                    n += 1;
                    match f(n, v) {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(m) => return Err(err(Some(format!("line {}", i + 1)), m)),
                    }
                }
                Ok(Some(n))
            }
            FeedKind::Json | FeedKind::Legacy => {
                let mut st = Walk {
                    f: &mut f,
                    n: 0,
                    stopped: false,
                    failed: None,
                    section: self.entity.name(),
                    found: false,
                };
                let mut de = serde_json::Deserializer::from_reader(reader);
                let r = if self.kind == FeedKind::Json {
                    de.deserialize_seq(SeqVisitor(&mut st))
                } else {
                    de.deserialize_map(LegacyVisitor(&mut st))
                };
                if let Some(m) = st.failed.take() {
                    return Err(err(Some(format!("record {}", st.n)), m));
                }
                if st.stopped {
                    return Ok(Some(st.n));
                }
                r.map_err(|e| {
                    let what = if self.kind == FeedKind::Json {
                        "not a JSON array of records"
                    } else {
                        "not a legacy feed object"
                    };
                    err(Some(format!("line {}", e.line())), format!("{what}: {e}"))
                })?;
                if self.kind == FeedKind::Legacy && !st.found {
                    return Ok(None);
                }
                Ok(Some(st.n))
            }
        }
    }
}

struct Walk<'a, F> {
    f: &'a mut F,
    n: u64,
    stopped: bool,
    failed: Option<String>,
    section: &'static str,
    found: bool,
}

struct SeqVisitor<'a, 'b, F>(&'a mut Walk<'b, F>);

impl<'de, F: FnMut(u64, Value) -> Flow> Visitor<'de> for SeqVisitor<'_, '_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let st = self.0;
        while let Some(v) = seq.next_element::<Value>()? {
            st.n += 1;
            match (st.f)(st.n, v) {
                Ok(true) => {}
                Ok(false) => {
                    st.stopped = true;
                    return Err(de::Error::custom("stopped"));
                }
                Err(m) => {
                    st.failed = Some(m);
                    return Err(de::Error::custom("failed"));
                }
            }
        }
        Ok(())
    }
}

impl<'de, F: FnMut(u64, Value) -> Flow> DeserializeSeed<'de> for SeqVisitor<'_, '_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

struct LegacyVisitor<'a, 'b, F>(&'a mut Walk<'b, F>);

impl<'de, F: FnMut(u64, Value) -> Flow> Visitor<'de> for LegacyVisitor<'_, '_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a feed object {\"products\": [...], ...}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let st = self.0;
        while let Some(k) = map.next_key::<String>()? {
            if k == st.section && !st.found {
                st.found = true;
                map.next_value_seed(SeqVisitor(&mut *st))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(file: &FeedFile) -> Result<Option<Vec<String>>, FeedError> {
        let mut out = Vec::new();
        let n = file.for_each(|_, v| {
            out.push(id_key(&v).unwrap_or_default());
            Ok(true)
        })?;
        Ok(n.map(|_| out))
    }

    #[test]
    fn reads_arrays_ndjson_and_legacy_sections() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = dir.path();
        std::fs::write(d.join("products.json"), "[\n{\"id\":1},\n{\"id\":2}\n]\n")
            .unwrap_or_default();
        std::fs::write(d.join("pages.ndjson"), "{\"id\":\"a\"}\n\n{\"id\":\"b\"}\n")
            .unwrap_or_default();
        std::fs::write(
            d.join("feed.json"),
            r#"{"categories":[{"id":7,"x":{"y":[1]}}],"config":{"created":1}}"#,
        )
        .unwrap_or_default();
        let p = find(d, Entity::Products).unwrap_or_else(|| panic!("products"));
        assert_eq!(ids(&p).ok().flatten(), Some(vec!["1".into(), "2".into()]));
        let p = find(d, Entity::Pages).unwrap_or_else(|| panic!("pages"));
        assert_eq!(ids(&p).ok().flatten(), Some(vec!["a".into(), "b".into()]));
        let c = find(d, Entity::Categories).unwrap_or_else(|| panic!("categories"));
        assert_eq!(ids(&c).ok().flatten(), Some(vec!["7".into()]));
        let o = find(d, Entity::Orders).unwrap_or_else(|| panic!("orders"));
        assert!(matches!(ids(&o), Ok(None)), "no section: absent, not empty");
    }

    #[test]
    fn stops_early_and_reports_bad_records_with_their_place() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("products.json");
        std::fs::write(&path, "[{\"id\":1},{\"id\":2},{\"id\":3}]").unwrap_or_default();
        let f = FeedFile {
            entity: Entity::Products,
            path: path.clone(),
            kind: FeedKind::Json,
        };
        let mut seen = 0;
        let n = f.for_each(|n, _| {
            seen += 1;
            Ok(n < 2)
        });
        assert_eq!(n.ok().flatten(), Some(2));
        assert_eq!(seen, 2);
        std::fs::write(&path, "[{\"id\":1},{\"id\":").unwrap_or_default();
        let e = f
            .for_each(|_, _| Ok(true))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("products.json line 1: not a JSON array"), "{e}");
        let nd = dir.path().join("x.ndjson");
        std::fs::write(&nd, "{\"id\":1}\nnope\n").unwrap_or_default();
        let f = FeedFile {
            entity: Entity::Products,
            path: nd,
            kind: FeedKind::Ndjson,
        };
        let e = f
            .for_each(|_, _| Ok(true))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("x.ndjson line 2: not a JSON record"), "{e}");
    }
}
