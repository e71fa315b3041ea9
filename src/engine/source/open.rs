//! Opening an input: files (a named pipe is opened on a helper thread and given up after a
//! wait, since opening one blocks until a writer comes), and bytes held in memory.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::SourceError;
use crate::engine::input::Origin;

/// The bytes of an input, buffered.
pub(super) fn open_bytes(
    origin: &Origin,
    wait: Duration,
) -> Result<Box<dyn BufRead + Send>, SourceError> {
    match origin {
        Origin::File { path, .. } => {
            let file = open_file(path, wait).map_err(|message| SourceError {
                file: origin.display(),
                line: None,
                message,
            })?;
            Ok(Box::new(BufReader::with_capacity(1 << 20, file)))
        }
        Origin::Memory { bytes, .. } => Ok(Box::new(std::io::Cursor::new(Arc::clone(bytes)))),
    }
}

/// Opens a file for reading. Opening a named pipe blocks until a program opens it for writing:
/// it is opened on a helper thread, and given up after `wait` with an error saying so.
pub fn open_file(path: &Path, wait: Duration) -> Result<File, String> {
    if !is_fifo(path) {
        return File::open(path).map_err(|e| format!("cannot open: {e}"));
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let p = path.to_path_buf();
    std::thread::Builder::new()
        .name("clerkmap-open-pipe".into())
        .spawn(move || {
            // The receiver may have given up: the file is then closed here.
            let _ = tx.send(File::open(&p));
        })
        .map_err(|e| format!("cannot open: {e}"))?;
    match rx.recv_timeout(wait) {
        Ok(opened) => opened.map_err(|e| format!("cannot open: {e}")),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            release(path);
            Err(format!(
                "a named pipe that no program opened for writing within {} s: start the program that writes it first (clerkmap reads a pipe as it is written)",
                wait.as_secs_f64()
            ))
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            Err("cannot open: the thread opening the pipe stopped".into())
        }
    }
}

#[cfg(unix)]
pub(super) fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

#[cfg(not(unix))]
pub(super) fn is_fifo(_: &Path) -> bool {
    false
}

/// Lets the helper thread of [`open_file`] finish after its wait was given up: opening the pipe
/// for reading and writing does not block (Linux, the BSDs) and is the writer the helper waits
/// for; both ends are closed at once.
pub(super) fn release(path: &Path) {
    let _ = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path);
}
