//! Feed files, written atomically: a run's files go to a new generation of the output directory
//! (see [`super::generation`]) published only when the whole run succeeded. Clerk deletes
//! whatever a feed omits, so a half-written feed must never replace a good one.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::generation::Generation;
use super::reject::Reject;
use super::sink::{Sink, Written};
use crate::clerk::Entity;
use crate::diagnostic::SourceFile;

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
    /// The file, or the output directory when it cannot be created.
    pub path: PathBuf,
    /// The I/O error.
    pub error: std::io::Error,
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.error)
    }
}

impl std::error::Error for OutputError {}

/// A file being written to a temp path, renamed into place by [`AtomicFile::commit`].
pub struct AtomicFile {
    path: PathBuf,
    out: BufWriter<NamedTempFile>,
    len: u64,
    /// Syncing in the background once the file is big ([`BACKGROUND_SYNC`]).
    syncer: Option<Syncer>,
    /// The length at which the syncer is asked to sync next.
    sync_at: u64,
}

/// A big file is synced to disk in the background every this many bytes while it is written,
/// so that [`AtomicFile::commit`] waits only for the last part (the products feed of 200,000
/// Passweb articles, 195 MB: its `fsync` at the end took 58 ms, every core idle; now 12 ms).
pub const BACKGROUND_SYNC: u64 = 32 << 20;

/// A thread syncing a file (`fdatasync`) each time it is asked to, while the file is written.
struct Syncer {
    ask: Option<std::sync::mpsc::SyncSender<()>>,
    done: std::thread::JoinHandle<std::io::Result<()>>,
}

impl Syncer {
    /// Starts syncing `file` (a handle of its own); `None` when the thread cannot be started
    /// (the file is then synced once, at the end).
    fn start(file: &File) -> Option<Syncer> {
        let file = file.try_clone().ok()?;
        // One request waiting at most: asking while a sync runs leaves one more to do.
        let (ask, asked) = std::sync::mpsc::sync_channel::<()>(1);
        let done = std::thread::Builder::new()
            .name("clerkmap-sync".into())
            .spawn(move || {
                for () in asked {
                    file.sync_data()?;
                }
                Ok(())
            })
            .ok()?;
        Some(Syncer {
            ask: Some(ask),
            done,
        })
    }

    /// Asks for a sync of what is written so far (none is queued twice).
    fn ask(&self) {
        if let Some(ask) = &self.ask {
            let _ = ask.try_send(());
        }
    }

    /// Waits for the syncs asked for; their error, if one failed.
    fn finish(mut self) -> std::io::Result<()> {
        self.ask = None;
        self.done
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the sync thread panicked")))
    }
}

impl AtomicFile {
    /// Starts writing `path` (a temporary file beside it until [`AtomicFile::commit`]). The
    /// file gets the mode a plain `create` would (0666 less the umask: 0644 under umask 022),
    /// not the temp file's private 0600: feeds, reports and states are read by other users (a
    /// web server), and the umask is how a user says otherwise.
    pub fn create(path: &Path) -> Result<AtomicFile, OutputError> {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Created with this mode, so the umask applies (tempfile's default is 0600).
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(dir).map_err(|error| OutputError {
            path: path.to_path_buf(),
            error,
        })?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, tmp),
            len: 0,
            syncer: None,
            sync_at: BACKGROUND_SYNC,
        })
    }

    /// Appends bytes.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.len += bytes.len() as u64;
        self.out.write_all(bytes).map_err(|error| OutputError {
            path: self.path.clone(),
            error,
        })?;
        if self.len >= self.sync_at {
            self.sync_at = self.len.saturating_add(BACKGROUND_SYNC);
            if self.syncer.is_none() {
                self.syncer = Syncer::start(self.out.get_ref().as_file());
            }
            if let Some(s) = &self.syncer {
                s.ask();
            }
        }
        Ok(())
    }

    /// Syncs in the background every `every` bytes (tests: [`BACKGROUND_SYNC`] otherwise).
    #[cfg(test)]
    fn sync_every(&mut self, every: u64) {
        self.sync_at = every;
    }

    /// The bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Cuts the file back to its first `len` bytes (what was written after them is dropped).
    pub fn truncate(&mut self, len: u64) -> Result<(), OutputError> {
        use std::io::{Seek, SeekFrom};
        let err = |error| OutputError {
            path: self.path.clone(),
            error,
        };
        self.out.flush().map_err(err)?;
        let tmp = self.out.get_mut();
        tmp.as_file().set_len(len).map_err(err)?;
        tmp.seek(SeekFrom::Start(len)).map_err(err)?;
        self.len = len;
        Ok(())
    }

    /// The final path.
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
        if let Some(s) = self.syncer {
            s.finish().map_err(err)?;
        }
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

/// The feed files of a run, and its `rejects.ndjson`: a [`Sink`] writing into a new
/// [`Generation`] of the output directory, which appears only when published (dropped, it
/// leaves the directory as it was).
pub struct FeedFiles {
    format: OutputFormat,
    generation: Generation,
    files: Vec<(Entity, AtomicFile)>,
    feed: Option<AtomicFile>,
    feed_sections: usize,
    /// No record written yet in the current entity.
    first: bool,
    /// The lengths of the current entity's file and of `rejects.ndjson` when it began.
    mark: (u64, u64),
    rejects: AtomicFile,
    mapping: SourceFile,
}

/// The files of a run, complete in their generation, not published yet.
pub struct Staged {
    generation: Generation,
    names: Vec<String>,
}

impl Staged {
    /// Adds a file to the generation (`report.json`).
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let mut f = AtomicFile::create(&self.generation.path(name))?;
        f.write(bytes)?;
        f.commit()?;
        self.names.push(name.to_string());
        Ok(())
    }

    /// The paths the files will be published at, in the order written.
    pub fn paths(&self, dir: &Path) -> Vec<PathBuf> {
        self.names.iter().map(|n| dir.join(n)).collect()
    }

    /// Publishes every file at once (see [`Generation::publish`]).
    pub fn publish(self) -> Result<Vec<PathBuf>, OutputError> {
        self.generation.publish(&self.names)
    }
}

impl FeedFiles {
    /// Starts the files of a run in `dir` (created if needed). `mapping` names the places of
    /// failed statements in `rejects.ndjson`.
    pub fn create(
        dir: &Path,
        format: OutputFormat,
        mapping: &SourceFile,
    ) -> Result<FeedFiles, OutputError> {
        let generation = Generation::begin(dir)?;
        let feed = match format {
            OutputFormat::Feed => {
                let mut f = AtomicFile::create(&generation.path("feed.json"))?;
                f.write(b"{")?;
                Some(f)
            }
            _ => None,
        };
        Ok(FeedFiles {
            format,
            files: Vec::new(),
            feed,
            feed_sections: 0,
            first: true,
            mark: (0, 0),
            rejects: AtomicFile::create(&generation.path("rejects.ndjson"))?,
            generation,
            mapping: mapping.clone(),
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
    fn start(&mut self, entity: Entity) -> Result<(), OutputError> {
        self.first = true;
        match self.format {
            OutputFormat::Feed => {
                let sep = if self.feed_sections > 0 { "," } else { "" };
                self.feed_sections += 1;
                self.feed_mut()?
                    .write(format!("{sep}\n\"{}\":[", entity.name()).as_bytes())?;
            }
            OutputFormat::Json => {
                let mut f = AtomicFile::create(&self.generation.path(&self.file_name(entity)))?;
                f.write(b"[")?;
                self.files.push((entity, f));
            }
            OutputFormat::Ndjson => {
                let f = AtomicFile::create(&self.generation.path(&self.file_name(entity)))?;
                self.files.push((entity, f));
            }
        }
        self.mark = (self.current()?.len(), self.rejects.len());
        Ok(())
    }

    fn feed_mut(&mut self) -> Result<&mut AtomicFile, OutputError> {
        let generation = &self.generation;
        self.feed.as_mut().ok_or_else(|| OutputError {
            path: generation.path("feed.json"),
            error: std::io::Error::other("feed file is not open"),
        })
    }

    fn current(&mut self) -> Result<&mut AtomicFile, OutputError> {
        if self.format == OutputFormat::Feed {
            return self.feed_mut();
        }
        // the path only for the error: this runs for every record
        let generation = &self.generation;
        self.files
            .last_mut()
            .map(|(_, f)| f)
            .ok_or_else(|| OutputError {
                path: generation.path(""),
                error: std::io::Error::other("no entity file is open"),
            })
    }

    /// Writes one serialized record.
    fn write_record(&mut self, json: &[u8]) -> Result<(), OutputError> {
        let format = self.format;
        let sep: &[u8] = match (format, self.first) {
            (OutputFormat::Ndjson, _) => b"",
            (_, true) => b"\n",
            (_, false) => b",\n",
        };
        self.first = false;
        let f = self.current()?;
        f.write(sep)?;
        f.write(json)?;
        if format == OutputFormat::Ndjson {
            f.write(b"\n")?;
        }
        Ok(())
    }

    /// Closes an entity's records.
    fn close_entity(&mut self) -> Result<(), OutputError> {
        let tail: &[u8] = match (self.format, self.first) {
            (OutputFormat::Ndjson, _) => b"",
            (OutputFormat::Json, true) => b"]\n",
            (OutputFormat::Json, false) => b"\n]\n",
            (OutputFormat::Feed, true) => b"]",
            (OutputFormat::Feed, false) => b"\n]",
        };
        self.current()?.write(tail)
    }

    /// Completes `rejects.ndjson` only: a run that writes no feed still says what it
    /// rejected (the previous feeds are carried over when it is published).
    pub fn finish_rejects(self) -> Result<Staged, OutputError> {
        self.rejects.commit()?;
        Ok(Staged {
            generation: self.generation,
            names: vec!["rejects.ndjson".into()],
        })
    }

    /// Completes every feed file, then `rejects.ndjson`, in the generation.
    pub fn finish(mut self, created_unix: i64) -> Result<Staged, OutputError> {
        let mut names = Vec::new();
        if let Some(mut feed) = self.feed.take() {
            let sep = if self.feed_sections > 0 { "," } else { "" };
            feed.write(
                format!("{sep}\n\"config\":{{\"created\":{created_unix},\"strict\":false}}\n}}\n")
                    .as_bytes(),
            )?;
            feed.commit()?;
            names.push("feed.json".to_string());
        }
        for (entity, f) in std::mem::take(&mut self.files) {
            f.commit()?;
            names.push(self.file_name(entity));
        }
        self.rejects.commit()?;
        names.push("rejects.ndjson".into());
        Ok(Staged {
            generation: self.generation,
            names,
        })
    }
}

impl Sink for FeedFiles {
    fn begin(&mut self, entity: Entity) -> Result<(), OutputError> {
        self.start(entity)
    }
    fn record(&mut self, _entity: Entity, record: Written<'_>) -> Result<(), OutputError> {
        self.write_record(record.json)
    }
    fn reject(&mut self, reject: Reject) -> Result<(), OutputError> {
        let mut json = reject
            .to_json_line(&self.mapping)
            .map_err(|e| OutputError {
                path: self.rejects.path().to_path_buf(),
                error: std::io::Error::other(e),
            })?;
        json.push(b'\n');
        self.rejects.write(&json)
    }
    fn end(&mut self, _entity: Entity) -> Result<(), OutputError> {
        self.close_entity()
    }
    fn can_roll_back(&self) -> bool {
        true
    }
    fn rollback(&mut self, _entity: Entity) -> Result<(), OutputError> {
        let (file, rejects) = self.mark;
        self.current()?.truncate(file)?;
        self.rejects.truncate(rejects)?;
        self.first = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(p: &Path) -> String {
        std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn ok<T>(r: Result<T, OutputError>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    fn files(dir: &Path, format: OutputFormat) -> FeedFiles {
        ok(FeedFiles::create(
            dir,
            format,
            &SourceFile::new("m.cmap", ""),
        ))
    }

    fn write(out: &mut FeedFiles, entity: Entity, json: &[u8]) {
        let id = crate::value::Value::Null;
        ok(out.record(
            entity,
            Written {
                id: &id,
                json,
                value: None,
            },
        ));
    }

    #[test]
    fn json_arrays_are_valid_and_appear_only_on_commit() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut out = files(dir.path(), OutputFormat::Json);
        ok(out.begin(Entity::Products));
        write(&mut out, Entity::Products, br#"{"id":1}"#);
        write(&mut out, Entity::Products, br#"{"id":2}"#);
        ok(out.end(Entity::Products));
        ok(out.begin(Entity::Categories));
        ok(out.end(Entity::Categories));
        assert!(
            !dir.path().join("products.json").exists(),
            "nothing before commit"
        );
        ok(ok(out.finish(0)).publish());
        let v: crate::value::Value =
            serde_json::from_str(&read(&dir.path().join("products.json"))).unwrap_or_default();
        assert_eq!(v, crate::json!([{"id": 1}, {"id": 2}]));
        assert_eq!(read(&dir.path().join("categories.json")), "[]\n");
        let leftovers = std::fs::read_dir(dir.path())
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(
            leftovers, 4,
            "no temp files left: two feeds, rejects.ndjson and the generations"
        );
    }

    #[test]
    fn a_rollback_forgets_the_current_entitys_records_and_rejects() {
        let reject = |entity| Reject {
            entity,
            source: "a".into(),
            file: "a.ndjson".into(),
            loc: super::super::reject::Loc::Line(3),
            id: None,
            reasons: Vec::new(),
        };
        for format in [OutputFormat::Feed, OutputFormat::Json, OutputFormat::Ndjson] {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let mut out = files(dir.path(), format);
            ok(out.begin(Entity::Categories));
            write(&mut out, Entity::Categories, br#"{"id":"c"}"#);
            ok(out.reject(reject(Entity::Categories)));
            ok(out.end(Entity::Categories));
            ok(out.begin(Entity::Products));
            write(&mut out, Entity::Products, br#"{"id":1}"#);
            ok(out.reject(reject(Entity::Products)));
            ok(out.rollback(Entity::Products));
            write(&mut out, Entity::Products, br#"{"id":2}"#);
            ok(out.end(Entity::Products));
            ok(ok(out.finish(0)).publish());
            let products = match format {
                OutputFormat::Feed => {
                    let v: crate::value::Value =
                        serde_json::from_str(&read(&dir.path().join("feed.json")))
                            .unwrap_or_default();
                    assert_eq!(v["categories"], crate::json!([{"id": "c"}]), "{format:?}");
                    v["products"].clone()
                }
                OutputFormat::Json => {
                    serde_json::from_str(&read(&dir.path().join("products.json")))
                        .unwrap_or_default()
                }
                OutputFormat::Ndjson => crate::value::Value::Array(
                    read(&dir.path().join("products.ndjson"))
                        .lines()
                        .map(|l| serde_json::from_str(l).unwrap_or_default())
                        .collect(),
                ),
            };
            assert_eq!(products, crate::json!([{"id": 2}]), "{format:?}");
            let rejects = read(&dir.path().join("rejects.ndjson"));
            assert_eq!(rejects.lines().count(), 1, "{format:?}: {rejects}");
            assert!(rejects.contains("categories"), "{rejects}");
        }
    }

    #[test]
    fn dropped_outputs_leave_old_files_alone() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("products.json"), "OLD").unwrap_or_else(|e| panic!("{e}"));
        let mut out = files(dir.path(), OutputFormat::Json);
        ok(out.begin(Entity::Products));
        write(&mut out, Entity::Products, b"{}");
        drop(out);
        assert_eq!(read(&dir.path().join("products.json")), "OLD");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names.len(),
            2,
            "products.json and the generations: {names:?}"
        );
    }

    #[test]
    fn legacy_feed_has_sections_and_config() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut out = files(dir.path(), OutputFormat::Feed);
        for e in [Entity::Products, Entity::Categories] {
            ok(out.begin(e));
            write(&mut out, e, br#"{"id":"x"}"#);
            ok(out.end(e));
        }
        ok(ok(out.finish(1700000000)).publish());
        let v: crate::value::Value =
            serde_json::from_str(&read(&dir.path().join("feed.json"))).unwrap_or_default();
        assert_eq!(v["products"][0]["id"], "x");
        assert_eq!(v["categories"][0]["id"], "x");
        assert_eq!(v["config"]["created"], 1700000000);
    }

    /// A committed file has the mode the umask gives a new file, not the temp file's 0600
    /// (this process's umask: whatever it is, group and others may read unless it says no).
    #[cfg(unix)]
    #[test]
    fn a_file_synced_in_the_background_as_it_grows_is_committed_whole() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("big.ndjson");
        let mut f = AtomicFile::create(&path).unwrap_or_else(|e| panic!("{e}"));
        f.sync_every(1);
        let mut want = Vec::new();
        for i in 0..2000 {
            let line = format!("{{\"id\":{i}}}\n");
            f.write(line.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
            want.extend_from_slice(line.as_bytes());
            if i == 1000 {
                // Cut back while syncs are asked for: the cut holds.
                f.truncate(5).unwrap_or_else(|e| panic!("{e}"));
                want.truncate(5);
            }
        }
        assert!(f.syncer.is_some(), "no background sync was started");
        assert!(!path.exists(), "visible before the commit");
        f.commit().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read(&path).unwrap_or_default(), want);
        // Dropped without a commit, the syncing file leaves nothing behind.
        let mut g =
            AtomicFile::create(&dir.path().join("gone.json")).unwrap_or_else(|e| panic!("{e}"));
        g.sync_every(1);
        g.write(b"[1]").unwrap_or_else(|e| panic!("{e}"));
        drop(g);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .map(|d| d.flatten().map(|e| e.file_name()).collect())
            .unwrap_or_default();
        assert_eq!(names, vec![std::ffi::OsString::from("big.ndjson")]);
    }

    #[test]
    fn committed_files_follow_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let probe = dir.path().join("probe");
        std::fs::write(&probe, "x").unwrap_or_else(|e| panic!("{e}"));
        let want = std::fs::metadata(&probe)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_default();
        let path = dir.path().join("a.json");
        let mut f = ok(AtomicFile::create(&path));
        ok(f.write(b"[]"));
        ok(f.commit());
        let mode = std::fs::metadata(&path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or_default();
        assert_eq!(mode, want, "{mode:o} != {want:o}");
    }
}
