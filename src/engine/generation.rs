//! The files of a run change together. A run writes its feeds, `rejects.ndjson` and
//! `report.json` into a fresh generation directory, `DIR/.clerkmap/gen-…`; publishing switches
//! the symbolic link `DIR/.clerkmap/current` to it with one rename, and every published name in
//! `DIR` (`products.json`, …) is a symbolic link through `current`. A reader (Clerk fetching
//! through `serve` or a web server, `push --from`, the next run's shrink guard) therefore sees
//! the whole previous set or the whole new one, never a mix, whenever the run is killed.
//!
//! A file the run does not write again (a block whose input was not given this time) is carried
//! over from the previous generation by a hard link, as it stayed in place before generations.
//! The first run over a directory of plain files (written before generations) turns them into
//! links one by one: that one switch is per file; every later one is atomic.
//!
//! Leftovers of killed runs (generation directories nobody points to, temporary files) are
//! removed by the next run, which holds `DIR/.clerkmap/lock` while it works so that two runs
//! into one directory never clean up after each other.

use std::fs::File;
use std::path::{Path, PathBuf};

use super::output::OutputError;

/// The hidden directory of generations inside an output directory.
pub const STATE_DIR: &str = ".clerkmap";

/// The names a run publishes besides the feeds: carried over and linked like them.
const RUN_FILES: &[&str] = &["rejects.ndjson", "report.json"];

fn err(path: &Path, error: std::io::Error) -> OutputError {
    OutputError {
        path: path.to_path_buf(),
        error,
    }
}

/// Whether `name` is a file a run publishes: a feed (`products.json`, `orders.ndjson`,
/// `feed.json`...), `rejects.ndjson` or `report.json`.
pub fn is_run_file(name: &str) -> bool {
    if RUN_FILES.contains(&name) || name == "feed.json" {
        return true;
    }
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    matches!(ext, "json" | "ndjson" | "jsonl") && crate::clerk::Entity::parse(stem).is_some()
}

/// A generation being written. Dropped without [`Generation::publish`], it publishes nothing
/// (the next run removes its directory).
#[derive(Debug)]
pub struct Generation {
    root: PathBuf,
    dir: PathBuf,
    name: String,
    /// Held while the run works (released on drop).
    _lock: File,
}

impl Generation {
    /// Starts a generation in the output directory `root` (created if needed), after removing
    /// the leftovers of killed runs.
    pub fn begin(root: &Path) -> Result<Generation, OutputError> {
        let state = root.join(STATE_DIR);
        std::fs::create_dir_all(&state).map_err(|e| err(&state, e))?;
        let lock_path = state.join("lock");
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| err(&lock_path, e))?;
        lock.try_lock().map_err(|e| {
            let error = match e {
                std::fs::TryLockError::WouldBlock => std::io::Error::other(
                    "another run is writing this output directory right now: wait for it to finish",
                ),
                std::fs::TryLockError::Error(e) => e,
            };
            err(root, error)
        })?;
        clean_leftovers(root);
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!("gen-{stamp}-{}", std::process::id());
        let dir = state.join(&name);
        std::fs::create_dir(&dir).map_err(|e| err(&dir, e))?;
        Ok(Generation {
            root: root.to_path_buf(),
            dir,
            name,
            _lock: lock,
        })
    }

    /// Where the file `name` of this generation is written.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Publishes the generation: carries over the previous generation's files it lacks, switches
    /// `current` to it, links every name into the output directory, removes older generations.
    /// Returns the published paths (`DIR/name`), in the order of `names`, then the carried ones.
    pub fn publish(self, names: &[String]) -> Result<Vec<PathBuf>, OutputError> {
        let carried = self.carry_over(names)?;
        sync_dir(&self.dir)?;
        let state = self.root.join(STATE_DIR);
        switch(&state, &self.name)?;
        let mut published = Vec::new();
        for name in names.iter().chain(&carried) {
            link_name(&self.root, name)?;
            published.push(self.root.join(name));
        }
        sync_dir(&self.root)?;
        remove_old_generations(&state, &self.name);
        Ok(published)
    }

    /// Hard-links into this generation the run files of the current one (or the plain files
    /// of a directory written before generations) that this run did not write.
    fn carry_over(&self, written: &[String]) -> Result<Vec<String>, OutputError> {
        let mut carried = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return Ok(carried);
        };
        let mut names: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(String::from))
            .filter(|n| is_run_file(n) && !written.contains(n))
            .collect();
        names.sort();
        for name in names {
            // Through the link: the current generation's file (or the old plain file); a hard
            // link to the link itself would dangle in the new generation.
            let Ok(from) = std::fs::canonicalize(self.root.join(&name)) else {
                continue;
            };
            if !from.is_file() {
                continue;
            }
            let to = self.dir.join(&name);
            if std::fs::hard_link(&from, &to).is_err() {
                std::fs::copy(&from, &to).map_err(|e| err(&to, e))?;
            }
            carried.push(name);
        }
        Ok(carried)
    }
}

/// Points `STATE/current` at generation `name` with one rename.
fn switch(state: &Path, name: &str) -> Result<(), OutputError> {
    let tmp = state.join("current.new");
    let _ = std::fs::remove_file(&tmp);
    symlink(Path::new(name), &tmp)?;
    let current = state.join("current");
    std::fs::rename(&tmp, &current).map_err(|e| err(&current, e))?;
    sync_dir(state)
}

/// Makes `root/name` a link to `.clerkmap/current/name` (a no-op when it already is one).
fn link_name(root: &Path, name: &str) -> Result<(), OutputError> {
    let target = Path::new(STATE_DIR).join("current").join(name);
    let path = root.join(name);
    if std::fs::read_link(&path).is_ok_and(|t| t == target) {
        return Ok(());
    }
    let tmp = root.join(format!(".{name}.link"));
    let _ = std::fs::remove_file(&tmp);
    symlink(&target, &tmp)?;
    std::fs::rename(&tmp, &path).map_err(|e| err(&path, e))
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> Result<(), OutputError> {
    std::os::unix::fs::symlink(target, link).map_err(|e| err(link, e))
}

#[cfg(not(unix))]
fn symlink(_target: &Path, link: &Path) -> Result<(), OutputError> {
    Err(err(
        link,
        std::io::Error::other("output generations need symbolic links (a Unix system)"),
    ))
}

/// Makes a directory's entries (creations, renames) durable.
fn sync_dir(dir: &Path) -> Result<(), OutputError> {
    match File::open(dir) {
        Ok(d) => d.sync_all().or(Ok(())),
        Err(e) => Err(err(dir, e)),
    }
}

/// The generation `current` points to.
fn current(state: &Path) -> Option<String> {
    let t = std::fs::read_link(state.join("current")).ok()?;
    t.file_name()?.to_str().map(String::from)
}

/// Removes every generation but `keep`, and the grouping files a killed run left.
fn remove_old_generations(state: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(state) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        // `clerkmap-group-*`: the temporary files of a grouping (see `spill`).
        if (name.starts_with("gen-") && name != keep) || name.starts_with("clerkmap-group-") {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Removes what killed runs left: generations `current` does not point to, a half-made link,
/// temporary files of `AtomicFile` (`.NAME.XXXX.tmp`) and links in the making (`.NAME.link`).
fn clean_leftovers(root: &Path) {
    let state = root.join(STATE_DIR);
    if let Some(keep) = current(&state) {
        remove_old_generations(&state, &keep);
    } else {
        remove_old_generations(&state, "");
    }
    let _ = std::fs::remove_file(state.join("current.new"));
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(inner) = name.strip_prefix('.') else {
            continue;
        };
        let made_by_us = inner.ends_with(".link")
            || (inner.ends_with(".tmp")
                && inner.split('.').next().is_some_and(|stem| {
                    is_run_file(&format!("{stem}.json")) || is_run_file(&format!("{stem}.ndjson"))
                }));
        if made_by_us {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, text: &str) {
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }

    fn read(p: &Path) -> String {
        std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn generations(root: &Path) -> usize {
        std::fs::read_dir(root.join(STATE_DIR))
            .map(|d| {
                d.flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with("gen-"))
                    .count()
            })
            .unwrap_or(0)
    }

    fn publish(root: &Path, files: &[(&str, &str)]) -> Vec<PathBuf> {
        let g = Generation::begin(root).unwrap_or_else(|e| panic!("{e}"));
        for (n, t) in files {
            write(&g.path(n), t);
        }
        let names: Vec<String> = files.iter().map(|(n, _)| n.to_string()).collect();
        g.publish(&names).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_set_switches_whole_and_keeps_what_it_does_not_rewrite() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path();
        // A directory written before generations: plain files.
        write(&root.join("products.json"), "P0");
        write(&root.join("categories.json"), "C0");
        write(
            &root.join("clerkmap-state.json"),
            "push state: not a run file",
        );
        publish(root, &[("products.json", "P1"), ("report.json", "R1")]);
        assert_eq!(read(&root.join("products.json")), "P1");
        assert_eq!(read(&root.join("categories.json")), "C0", "carried over");
        assert_eq!(read(&root.join("report.json")), "R1");
        assert!(std::fs::read_link(root.join("categories.json")).is_ok());
        assert!(std::fs::read_link(root.join("clerkmap-state.json")).is_err());
        publish(root, &[("products.json", "P2"), ("report.json", "R2")]);
        assert_eq!(read(&root.join("products.json")), "P2");
        assert_eq!(read(&root.join("categories.json")), "C0");
        assert_eq!(generations(root), 1, "older generations are removed");
    }

    #[test]
    fn a_run_killed_before_publishing_changes_nothing_and_is_cleaned_up_next_time() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path();
        publish(root, &[("products.json", "P1"), ("rejects.ndjson", "X1")]);
        {
            // Killed half-way: a generation with new files that is never published, and a
            // temporary file of the old layout.
            let g = Generation::begin(root).unwrap_or_else(|e| panic!("{e}"));
            write(&g.path("products.json"), "P2");
            drop(g);
        }
        write(&root.join(".products.json.AbC123.tmp"), "half");
        assert_eq!(read(&root.join("products.json")), "P1");
        assert_eq!(read(&root.join("rejects.ndjson")), "X1");
        assert_eq!(generations(root), 2);
        let g = Generation::begin(root).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            generations(root),
            2,
            "the leftover is gone, the new one is there"
        );
        assert!(!root.join(".products.json.AbC123.tmp").exists());
        drop(g);
    }

    #[test]
    fn two_runs_into_one_directory_are_refused() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let _first = Generation::begin(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let second = Generation::begin(dir.path())
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert!(
            second.as_ref().is_err_and(|e| e.contains("another run")),
            "{second:?}"
        );
    }

    #[test]
    fn run_files_are_feeds_rejects_and_report() {
        for n in [
            "products.json",
            "orders.ndjson",
            "feed.json",
            "rejects.ndjson",
            "report.json",
        ] {
            assert!(is_run_file(n), "{n}");
        }
        for n in [
            "clerkmap-state.json",
            "report.html",
            "notes.json",
            "products.csv",
        ] {
            assert!(!is_run_file(n), "{n}");
        }
    }
}
