//! Progress of a push: an indicatif bar on a terminal, plain log lines otherwise, or nothing;
//! the [`PushObserver`] `push` draws with.

use crate::cli::term::errln;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Mode;
use crate::sync::observer::PushObserver;

/// Cheap to clone; shared by the push and the client's retry notices.
#[derive(Clone)]
pub struct Progress {
    mode: Mode,
    bar: Arc<Mutex<Option<ProgressBar>>>,
    /// Lines mode: the last share logged, to log every 10%.
    state: Arc<Mutex<(String, u64, u64, u64)>>,
}

impl Progress {
    /// Progress shown as `mode` says.
    pub fn new(mode: Mode) -> Progress {
        Progress {
            mode,
            bar: Arc::new(Mutex::new(None)),
            state: Arc::new(Mutex::new((String::new(), 0, 0, 0))),
        }
    }
}

impl PushObserver for Progress {
    /// A notice (retries, warnings): above the bar, or a line on stderr. Failed requests
    /// (`error: ...`) are left to the summary, which lists each error once.
    fn notice(&self, msg: &str) {
        if self.mode == Mode::Quiet || msg.starts_with("error: ") {
            return;
        }
        match self.bar.lock().ok().and_then(|b| b.clone()) {
            Some(bar) => bar.println(msg),
            None => errln!("{msg}"),
        }
    }

    /// Starts a stage: `what` ("products: upserting"), `total` units.
    fn stage(&self, what: &str, total: u64) {
        match self.mode {
            Mode::Quiet => {}
            Mode::Lines => {
                errln!("{what} ({})", crate::cli::term::count(total));
                if let Ok(mut s) = self.state.lock() {
                    *s = (what.to_string(), total, 0, 0);
                }
            }
            Mode::Bar => {
                let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
                let style = ProgressStyle::with_template(
                    "{msg:24} [{bar:30}] {human_pos}/{human_len} ({rate}, {eta} left)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = w.write_str(&crate::cli::term::rate(state.per_sec()));
                    },
                )
                .progress_chars("=> ");
                bar.set_style(style);
                bar.set_message(what.to_string());
                bar.enable_steady_tick(Duration::from_millis(200));
                if let Ok(mut b) = self.bar.lock() {
                    *b = Some(bar);
                }
            }
        }
    }

    /// A bar moves; a line every 10%.
    fn advance(&self, n: u64) {
        match self.mode {
            Mode::Quiet => {}
            Mode::Bar => {
                if let Some(bar) = self.bar.lock().ok().and_then(|b| b.clone()) {
                    bar.inc(n);
                }
            }
            Mode::Lines => {
                if let Ok(mut s) = self.state.lock() {
                    s.2 += n;
                    let (what, total, done, last) = (&s.0, s.1, s.2, s.3);
                    let tenth = (done * 10).checked_div(total).unwrap_or(10);
                    if tenth > last && done < total {
                        errln!(
                            "{what}: {}/{}",
                            crate::cli::term::count(done),
                            crate::cli::term::count(total)
                        );
                        s.3 = tenth;
                    }
                }
            }
        }
    }

    /// The bar goes away.
    fn finish(&self) {
        if let Some(bar) = self.bar.lock().ok().and_then(|mut b| b.take()) {
            bar.finish_and_clear();
        }
    }
}
