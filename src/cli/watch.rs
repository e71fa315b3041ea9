//! `--watch` (`run`, `test`, `check`, `explain`): the command runs, then again each time one of
//! its files changes (the mapping, the project file, the inputs, the test cases), until Ctrl-C.
//!
//! Each file is watched through its folder (an editor that saves by writing a new file and
//! renaming it over the old one is seen too), and only the events of the files the command
//! reads count; a burst of events (one save is often several) is one change: the command runs
//! again once the files have been quiet for [`QUIET`]. The screen is cleared between runs only
//! when standard output is a terminal. What to watch is worked out again before each run: a
//! project file that now names another mapping gets that mapping watched.

use crate::cli::term::out;
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use notify::{EventKind, RecursiveMode, Watcher};

use super::exit;
use super::term::{Ui, plural};

/// How long the files must be quiet after a change before the command runs again.
const QUIET: Duration = Duration::from_millis(150);

/// What to watch: files (through their folders) and folders (everything below them).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Watched {
    /// Files whose changes count.
    pub files: BTreeSet<PathBuf>,
    /// Folders whose every change counts (test cases).
    pub dirs: BTreeSet<PathBuf>,
}

impl Watched {
    /// Adds a file (not standard input).
    pub fn file(&mut self, p: impl AsRef<Path>) {
        let p = p.as_ref();
        if p.as_os_str().is_empty() || super::is_stdin(p) || p.starts_with("/dev") {
            return;
        }
        self.files.insert(absolute(p));
    }

    /// Adds a folder, watched with everything below it.
    pub fn dir(&mut self, p: impl AsRef<Path>) {
        self.dirs.insert(absolute(p.as_ref()));
    }

    /// `3 files`, `3 files and 1 folder`.
    fn describe(&self) -> String {
        match self.dirs.len() {
            0 => plural(self.files.len() as u64, "file"),
            n => format!(
                "{} and {}",
                plural(self.files.len() as u64, "file"),
                plural(n as u64, "folder")
            ),
        }
    }

    /// Whether a change of `p` counts.
    fn counts(&self, p: &Path) -> bool {
        self.files.contains(p) || self.dirs.iter().any(|d| p.starts_with(d))
    }
}

/// `p` made absolute against the working directory (events carry absolute paths).
fn absolute(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    // Symbolic links in the folders (`/tmp` on macOS) resolved as the events resolve them.
    match (abs.parent(), abs.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .map_or_else(|_| abs.clone(), |d| d.join(name)),
        _ => abs,
    }
}

/// What the watch loop hears.
enum Heard {
    /// A file changed.
    Changed(Vec<PathBuf>),
    /// Ctrl-C.
    Stop,
}

/// Runs `run` once, then again after each change of the files `paths` names (worked out
/// before each run), until Ctrl-C. Returns the last run's exit code.
pub(crate) fn watch(
    ui: &Ui,
    mut paths: impl FnMut() -> Watched,
    mut run: impl FnMut() -> u8,
) -> u8 {
    let (tx, rx) = channel::<Heard>();
    stop_on_ctrl_c(tx.clone());
    let clear = std::io::stdout().is_terminal();
    let mut code;
    loop {
        let watched = paths();
        let watcher = match start(&watched, tx.clone()) {
            Ok(w) => w,
            Err(e) => {
                ui.error(format!("cannot watch the files: {e}"));
                return exit::FAILURE;
            }
        };
        if clear {
            out!("\x1b[2J\x1b[H");
        }
        code = run();
        ui.note(format!(
            "watching {} for changes (Ctrl-C stops)",
            watched.describe()
        ));
        if !changed(&rx, &watched) {
            drop(watcher);
            return code;
        }
        drop(watcher);
    }
}

/// Waits for a change that counts, then for the files to be quiet: `true`; Ctrl-C: `false`.
fn changed(rx: &Receiver<Heard>, watched: &Watched) -> bool {
    loop {
        match rx.recv() {
            Ok(Heard::Changed(ps)) if ps.iter().any(|p| watched.counts(p)) => break,
            Ok(Heard::Changed(_)) => {}
            Ok(Heard::Stop) | Err(_) => return false,
        }
    }
    loop {
        match rx.recv_timeout(QUIET) {
            Ok(Heard::Changed(_)) => {}
            Ok(Heard::Stop) => return false,
            Err(RecvTimeoutError::Timeout) => return true,
            Err(RecvTimeoutError::Disconnected) => return false,
        }
    }
}

/// A watcher on the folders of the files and on the folders to watch whole.
fn start(w: &Watched, tx: Sender<Heard>) -> notify::Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else { return };
        // Reading a file (the command's own reads) is no change.
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        let _ = tx.send(Heard::Changed(event.paths));
    })?;
    let mut folders: BTreeSet<&Path> = BTreeSet::new();
    for f in &w.files {
        if let Some(dir) = f.parent().filter(|d| d.is_dir()) {
            folders.insert(dir);
        }
    }
    for dir in folders {
        watcher.watch(dir, RecursiveMode::NonRecursive)?;
    }
    for dir in w.dirs.iter().filter(|d| d.is_dir()) {
        watcher.watch(dir, RecursiveMode::Recursive)?;
    }
    Ok(watcher)
}

/// Ctrl-C stops the watch after the run in progress; a second one stops at once.
fn stop_on_ctrl_c(tx: Sender<Heard>) {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = tx.send(Heard::Stop);
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
    });
}

/// The files of a run's configuration (`run`, `explain`, `check` with a project file): the
/// project file, the mappings and the input files it and the flags name.
pub(crate) fn run_files(a: &super::RunArgs) -> Watched {
    let mut w = Watched::default();
    if let Some(m) = &a.mapping {
        w.file(m);
    }
    for (_, p) in &a.inputs {
        w.file(p);
    }
    let project = a.config.clone().or_else(|| {
        Some(PathBuf::from(super::config::DEFAULT_FILE))
            .filter(|p| a.mapping.is_none() && p.is_file())
    });
    if let Some(p) = &project {
        w.file(p);
    }
    // What the project file names (when it reads; if not, the run says why, and the project
    // file is watched for the fix).
    let args = super::RunArgs {
        config: project,
        out: Some(a.out.clone().unwrap_or_else(|| PathBuf::from("."))),
        ..a.clone()
    };
    if let Ok(configs) = super::run::run_configs(args) {
        for c in configs {
            if let Some(m) = &c.mapping {
                w.file(m);
            }
            for i in &c.options.inputs {
                if let Some(p) = i.origin.path() {
                    w.file(p);
                }
            }
        }
    }
    w
}

/// `--watch` refuses standard input: it can be read once.
pub(crate) fn no_stdin(mapping: Option<&Path>, inputs: &[(String, String)]) -> Result<(), String> {
    let stdin = mapping.is_some_and(super::is_stdin)
        || inputs.iter().any(|(_, p)| super::is_stdin(Path::new(p)));
    if stdin {
        return Err("--watch reads the mapping and the inputs again at each change: give files, not standard input".into());
    }
    Ok(())
}

/// `--watch` for a command that reads a mapping, its inputs and a project file (`check`,
/// `explain`): `once` run again whenever one of them changes.
pub(crate) fn watch_mapping(
    ui: &Ui,
    mapping: Option<&Path>,
    inputs: &[(String, String)],
    config: Option<&Path>,
    once: impl FnMut() -> u8,
) -> u8 {
    if let Err(e) = no_stdin(mapping, inputs) {
        ui.error(e);
        return exit::USAGE;
    }
    let files = || {
        run_files(&super::RunArgs {
            mapping: mapping.map(Path::to_path_buf),
            inputs: inputs.to_vec(),
            config: config.map(Path::to_path_buf),
            ..Default::default()
        })
    };
    watch(ui, files, once)
}

/// `run --watch`.
pub(crate) fn run(a: super::RunArgs, ui: &Ui) -> u8 {
    if let Err(e) = no_stdin(a.mapping.as_deref(), &a.inputs) {
        ui.error(e);
        return exit::USAGE;
    }
    watch(ui, || run_files(&a), || super::run::run_once(a.clone(), ui))
}
