//! A progress display for long runs (indicatif, on stderr): records read, records/s and, when
//! the number of records can be known from the inputs (NDJSON and CSV: their lines), a bar and
//! the time left. Only on a terminal, and only once a run has lasted half a second.

use std::io::BufRead;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::super::term::duration_secs;
use crate::engine::Format;

/// A running display; [`RunProgress::finish`] removes it.
pub struct RunProgress {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

const DELAY: Duration = Duration::from_millis(500);

/// Counts the records of a line-based input (`None`: the format does not tell, or unreadable).
fn count_records(path: &PathBuf, format: &Format, stop: &AtomicBool) -> Option<u64> {
    let header = match format {
        Format::Ndjson => 0,
        Format::Csv { .. } => 1,
        _ => return None,
    };
    // Only a regular file can be read twice: a pipe's bytes are the run's.
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let f = std::fs::File::open(path).ok()?;
    let mut r = std::io::BufReader::with_capacity(1 << 20, f);
    let mut lines = 0u64;
    loop {
        if stop.load(Ordering::Relaxed) {
            return None;
        }
        let buf = r.fill_buf().ok()?;
        if buf.is_empty() {
            break;
        }
        lines += memchr::memchr_iter(b'\n', buf).count() as u64;
        let n = buf.len();
        r.consume(n);
    }
    Some(lines.saturating_sub(header))
}

/// The inputs the blocks of a program read (lookup tables aside), with their formats.
pub fn block_sources(
    program: &crate::plan::Program,
    inputs: &[crate::engine::Input],
) -> Vec<(PathBuf, Format)> {
    program
        .blocks
        .iter()
        .filter_map(|b| inputs.iter().find(|i| i.name == b.source))
        .filter_map(|i| Some((i.origin.path()?.to_path_buf(), i.resolved_format()?)))
        .collect()
}

impl RunProgress {
    /// Starts the display for a run reading `sources` (the block inputs, not lookup tables) and
    /// adding to `counter`. Nothing is shown unless stderr is a terminal.
    pub fn start(sources: Vec<(PathBuf, Format)>, counter: Arc<AtomicU64>) -> RunProgress {
        let stop = Arc::new(AtomicBool::new(false));
        if super::Mode::auto(false) != super::Mode::Bar {
            return RunProgress { stop, handle: None };
        }
        let stop2 = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("clerkmap-progress".into())
            .spawn(move || show(sources, counter, stop2))
            .ok();
        RunProgress { stop, handle }
    }

    /// Removes the display (call before printing the run's summary).
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for RunProgress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// `81,230 records/s  ETA 12s` (the time left when the total is known).
fn status(pos: u64, total: Option<u64>, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    if secs <= 0.0 || pos == 0 {
        return String::new();
    }
    let rate = pos as f64 / secs;
    let mut s = super::super::term::rate(rate);
    match total {
        Some(t) if t > pos => {
            let left = ((t - pos) as f64 / rate).ceil() as u64;
            s.push_str(&format!("  ETA {}", duration_secs(left)));
        }
        Some(_) => {}
        None => s.push_str(&format!("  {}", duration_secs(elapsed.as_secs()))),
    }
    s
}

fn show(sources: Vec<(PathBuf, Format)>, counter: Arc<AtomicU64>, stop: Arc<AtomicBool>) {
    let started = Instant::now();
    // Count the records meanwhile (fast: newlines only).
    let mut total = Some(0u64);
    for (p, f) in &sources {
        total = match (total, count_records(p, f, &stop)) {
            (Some(t), Some(n)) => Some(t + n),
            _ => None,
        };
    }
    while started.elapsed() < DELAY {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr_with_hz(10));
    let template = if total.is_some() {
        "{spinner} mapping {human_pos}/{human_len} records  [{bar:20}] {percent}%  {msg}"
    } else {
        "{spinner} mapping {human_pos} records  {msg}"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    while !stop.load(Ordering::Relaxed) {
        let pos = counter.load(Ordering::Relaxed);
        if let Some(t) = total
            && pos > t
        {
            bar.set_length(pos);
        }
        bar.set_position(pos);
        bar.set_message(status(pos, total, started.elapsed()));
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_line() {
        assert_eq!(
            status(50_000, Some(150_000), Duration::from_secs(1)),
            "50,000/s  ETA 2s"
        );
        assert_eq!(
            status(90_000, None, Duration::from_secs(75)),
            "1,200/s  1m 15s"
        );
    }
}
