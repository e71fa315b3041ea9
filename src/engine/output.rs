//! Feed files, written atomically: each goes to a temp file in the output directory and is
//! renamed over the old one only when the whole run succeeded. Clerk deletes whatever a feed
//! omits, so a half-written feed must never replace a good one.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::clerk::Entity;

/// `--format`
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// One JSON array per entity: products.json, categories.json, ...
    #[default]
    Json,
    /// One record per line per entity: products.ndjson, ...
    Ndjson,
    /// One legacy feed.json with every entity and `config.created`.
    Feed,
}

/// An I/O failure on an output file.
#[derive(Debug)]
pub struct OutputError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.error)
    }
}

/// A file being written to a temp path, renamed into place by [`AtomicFile::commit`].
pub struct AtomicFile {
    path: PathBuf,
    out: BufWriter<NamedTempFile>,
    bytes: u64,
}

impl AtomicFile {
    pub fn create(path: &Path) -> Result<AtomicFile, OutputError> {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|error| OutputError {
                path: path.to_path_buf(),
                error,
            })?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, tmp),
            bytes: 0,
        })
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.bytes += bytes.len() as u64;
        self.out.write_all(bytes).map_err(|error| OutputError {
            path: self.path.clone(),
            error,
        })
    }

    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes, syncs and renames the temp file over the final path.
    pub fn commit(self) -> Result<PathBuf, OutputError> {
        let path = self.path;
        let err = |error| OutputError {
            path: path.clone(),
            error,
        };
        let tmp = self.out.into_inner().map_err(|e| err(e.into_error()))?;
        tmp.as_file().sync_all().map_err(err)?;
        tmp.persist(&path).map_err(|e| err(e.error))?;
        // Make the rename itself durable.
        if let Some(dir) = path.parent()
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(path)
    }
}

/// Where one entity's records go.
pub struct EntitySink {
    first: bool,
    format: OutputFormat,
}

/// All the feed files of a run.
pub struct Outputs {
    format: OutputFormat,
    dir: PathBuf,
    files: Vec<(Entity, AtomicFile)>,
    feed: Option<AtomicFile>,
    feed_sections: usize,
}

impl Outputs {
    pub fn new(dir: &Path, format: OutputFormat) -> Result<Outputs, OutputError> {
        std::fs::create_dir_all(dir).map_err(|error| OutputError {
            path: dir.to_path_buf(),
            error,
        })?;
        let feed = match format {
            OutputFormat::Feed => {
                let mut f = AtomicFile::create(&dir.join("feed.json"))?;
                f.write(b"{")?;
                Some(f)
            }
            _ => None,
        };
        Ok(Outputs {
            format,
            dir: dir.to_path_buf(),
            files: Vec::new(),
            feed,
            feed_sections: 0,
        })
    }

    /// The file an entity is written to.
    pub fn file_name(&self, entity: Entity) -> String {
        match self.format {
            OutputFormat::Json => format!("{}.json", entity.name()),
            OutputFormat::Ndjson => format!("{}.ndjson", entity.name()),
            OutputFormat::Feed => "feed.json".to_string(),
        }
    }

    /// Starts an entity's records.
    pub fn begin(&mut self, entity: Entity) -> Result<EntitySink, OutputError> {
        match self.format {
            OutputFormat::Feed => {
                let sep = if self.feed_sections > 0 { "," } else { "" };
                self.feed_sections += 1;
                self.feed_mut()?
                    .write(format!("{sep}\n\"{}\":[", entity.name()).as_bytes())?;
            }
            OutputFormat::Json => {
                let mut f = AtomicFile::create(&self.dir.join(self.file_name(entity)))?;
                f.write(b"[")?;
                self.files.push((entity, f));
            }
            OutputFormat::Ndjson => {
                let f = AtomicFile::create(&self.dir.join(self.file_name(entity)))?;
                self.files.push((entity, f));
            }
        }
        Ok(EntitySink {
            first: true,
            format: self.format,
        })
    }

    fn feed_mut(&mut self) -> Result<&mut AtomicFile, OutputError> {
        let path = self.dir.join("feed.json");
        self.feed.as_mut().ok_or(OutputError {
            path,
            error: std::io::Error::other("feed file is not open"),
        })
    }

    fn current(&mut self) -> Result<&mut AtomicFile, OutputError> {
        if self.format == OutputFormat::Feed {
            return self.feed_mut();
        }
        let path = self.dir.clone();
        self.files.last_mut().map(|(_, f)| f).ok_or(OutputError {
            path,
            error: std::io::Error::other("no entity file is open"),
        })
    }

    /// Writes one serialized record.
    pub fn record(&mut self, sink: &mut EntitySink, json: &[u8]) -> Result<(), OutputError> {
        let sep: &[u8] = match (sink.format, sink.first) {
            (OutputFormat::Ndjson, _) => b"",
            (_, true) => b"\n",
            (_, false) => b",\n",
        };
        sink.first = false;
        let f = self.current()?;
        f.write(sep)?;
        f.write(json)?;
        if sink.format == OutputFormat::Ndjson {
            f.write(b"\n")?;
        }
        Ok(())
    }

    /// Closes an entity's records.
    pub fn end(&mut self, sink: EntitySink) -> Result<(), OutputError> {
        let tail: &[u8] = match (sink.format, sink.first) {
            (OutputFormat::Ndjson, _) => b"",
            (OutputFormat::Json, true) => b"]\n",
            (OutputFormat::Json, false) => b"\n]\n",
            (OutputFormat::Feed, true) => b"]",
            (OutputFormat::Feed, false) => b"\n]",
        };
        self.current()?.write(tail)
    }

    /// Renames every file into place; returns their paths.
    pub fn commit(mut self, created_unix: i64) -> Result<Vec<PathBuf>, OutputError> {
        let mut done = Vec::new();
        if let Some(mut feed) = self.feed.take() {
            let sep = if self.feed_sections > 0 { "," } else { "" };
            feed.write(
                format!("{sep}\n\"config\":{{\"created\":{created_unix},\"strict\":false}}\n}}\n")
                    .as_bytes(),
            )?;
            done.push(feed.commit()?);
        }
        for (_, f) in self.files {
            done.push(f.commit()?);
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(p: &Path) -> String {
        std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn json_arrays_are_valid_and_appear_only_on_commit() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut out =
            Outputs::new(dir.path(), OutputFormat::Json).unwrap_or_else(|e| panic!("{e}"));
        let mut s = out
            .begin(Entity::Products)
            .unwrap_or_else(|e| panic!("{e}"));
        out.record(&mut s, br#"{"id":1}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        out.record(&mut s, br#"{"id":2}"#)
            .unwrap_or_else(|e| panic!("{e}"));
        out.end(s).unwrap_or_else(|e| panic!("{e}"));
        let s = out
            .begin(Entity::Categories)
            .unwrap_or_else(|e| panic!("{e}"));
        out.end(s).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            !dir.path().join("products.json").exists(),
            "nothing before commit"
        );
        out.commit(0).unwrap_or_else(|e| panic!("{e}"));
        let v: serde_json::Value =
            serde_json::from_str(&read(&dir.path().join("products.json"))).unwrap_or_default();
        assert_eq!(v, serde_json::json!([{"id": 1}, {"id": 2}]));
        assert_eq!(read(&dir.path().join("categories.json")), "[]\n");
        let leftovers = std::fs::read_dir(dir.path())
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(leftovers, 2, "no temp files left");
    }

    #[test]
    fn dropped_outputs_leave_old_files_alone() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("products.json"), "OLD").unwrap_or_else(|e| panic!("{e}"));
        let mut out =
            Outputs::new(dir.path(), OutputFormat::Json).unwrap_or_else(|e| panic!("{e}"));
        let mut s = out
            .begin(Entity::Products)
            .unwrap_or_else(|e| panic!("{e}"));
        out.record(&mut s, b"{}").unwrap_or_else(|e| panic!("{e}"));
        drop(out);
        assert_eq!(read(&dir.path().join("products.json")), "OLD");
        assert_eq!(
            std::fs::read_dir(dir.path())
                .map(|d| d.count())
                .unwrap_or(0),
            1
        );
    }

    #[test]
    fn legacy_feed_has_sections_and_config() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut out =
            Outputs::new(dir.path(), OutputFormat::Feed).unwrap_or_else(|e| panic!("{e}"));
        for e in [Entity::Products, Entity::Categories] {
            let mut s = out.begin(e).unwrap_or_else(|e| panic!("{e}"));
            out.record(&mut s, br#"{"id":"x"}"#)
                .unwrap_or_else(|e| panic!("{e}"));
            out.end(s).unwrap_or_else(|e| panic!("{e}"));
        }
        out.commit(1700000000).unwrap_or_else(|e| panic!("{e}"));
        let v: serde_json::Value =
            serde_json::from_str(&read(&dir.path().join("feed.json"))).unwrap_or_default();
        assert_eq!(v["products"][0]["id"], "x");
        assert_eq!(v["categories"][0]["id"], "x");
        assert_eq!(v["config"]["created"], 1700000000);
    }
}
