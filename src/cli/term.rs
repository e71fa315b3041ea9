//! The terminal, one way for every command: colours (`--color`, `NO_COLOR`, `CLICOLOR_FORCE`,
//! through anstream), how much is said (`-q`, `-v`), how counts, rates and durations are
//! written, and how errors, warnings and notes are printed (on stderr, each once).

use std::fmt::Display;

use anstyle::{AnsiColor, Style};

// What clerkmap prints, printed without `println!`'s panic when the reader has gone: with
// `clerkmap run ... 2>&1 | head` the pipe closes after a line, and the run (whose feeds are
// written by then) ended in a panic, exit 101. A line nobody reads is dropped instead.

/// `print!` on stdout (through anstream's colours) that ignores a closed pipe.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(anstream::stdout(), $($t)*);
    }};
}
/// `println!` on stdout that ignores a closed pipe.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(anstream::stdout(), $($t)*);
    }};
}
/// `eprint!` on stderr that ignores a closed pipe.
macro_rules! err {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(anstream::stderr(), $($t)*);
    }};
}
/// `eprintln!` on stderr that ignores a closed pipe.
macro_rules! errln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(anstream::stderr(), $($t)*);
    }};
}
pub(crate) use {err, errln, out, outln};

/// A writer that drops what it is given once its reader has gone (a closed pipe: `clerkmap
/// test | head`), so the command goes on to its end and its exit code, instead of failing
/// with "Broken pipe".
pub(crate) struct Unread<W>(pub W);

impl<W: std::io::Write> std::io::Write for Unread<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(buf.len()),
            other => other,
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self.0.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}

/// `--color WHEN`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Color {
    /// Colours on a terminal, unless `NO_COLOR` is set (`CLICOLOR_FORCE` forces them).
    #[default]
    Auto,
    /// Always colour, whatever the output and the environment.
    Always,
    /// Never colour.
    Never,
}

/// `--message-format FORMAT`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum MessageFormat {
    /// Text for people.
    #[default]
    Human,
    /// One JSON object per line on stdout: each diagnostic or result.
    Json,
}

/// How much a command says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verbosity {
    /// `-q`: errors only (and the result a command exists to print).
    Quiet,
    /// The default.
    Normal,
    /// `-v`: details too.
    Verbose,
}

/// What every command shares: how much to say. Colours are decided once, globally
/// ([`Ui::new`]), per stream.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ui {
    /// `-q` / `-v`.
    pub verbosity: Verbosity,
}

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const HINT: Style = AnsiColor::Cyan.on_default();

impl Ui {
    /// Sets the colour choice for the whole process (anstream's global choice: `auto` then
    /// follows `NO_COLOR`, `CLICOLOR_FORCE`, `CLICOLOR`, `TERM` and whether the stream is a
    /// terminal).
    pub fn new(color: Color, quiet: bool, verbose: bool) -> Ui {
        let choice = match color {
            Color::Auto => anstream::ColorChoice::Auto,
            Color::Always => anstream::ColorChoice::Always,
            Color::Never => anstream::ColorChoice::Never,
        };
        choice.write_global();
        let verbosity = if quiet {
            Verbosity::Quiet
        } else if verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        };
        Ui { verbosity }
    }

    /// `-q`.
    pub fn quiet(&self) -> bool {
        self.verbosity == Verbosity::Quiet
    }

    /// `-v`.
    pub fn verbose(&self) -> bool {
        self.verbosity == Verbosity::Verbose
    }

    /// Whether what goes to stderr is coloured.
    pub fn stderr_color(&self) -> bool {
        anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
    }

    /// Whether what goes to stdout is coloured.
    pub fn stdout_color(&self) -> bool {
        anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
    }

    /// `error: ...` on stderr, always.
    pub fn error(&self, msg: impl Display) {
        errln!("{ERROR}error{ERROR:#}: {}", styled_hints(&msg.to_string()));
    }

    /// `warning: ...` on stderr, unless `-q`.
    pub fn warning(&self, msg: impl Display) {
        if !self.quiet() {
            errln!(
                "{WARNING}warning{WARNING:#}: {}",
                styled_hints(&msg.to_string())
            );
        }
    }

    /// A line on stderr that is neither an error nor a warning (what a command is doing, the
    /// accounting of a run writing its feed to stdout), unless `-q`.
    pub fn note(&self, msg: impl Display) {
        if !self.quiet() {
            errln!("{msg}");
        }
    }

    /// A line on stdout, unless `-q`.
    pub fn say(&self, msg: impl Display) {
        if !self.quiet() {
            outln!("{msg}");
        }
    }

    /// Text on stdout as it is (it ends its own lines), unless `-q`.
    pub fn say_text(&self, text: &str) {
        if !self.quiet() {
            out!("{text}");
        }
    }

    /// What the command exists to print, on stdout as it is, even with `-q` (a push's summary).
    pub fn result(&self, text: &str) {
        out!("{text}");
    }

    /// A line on stderr, only with `-v`.
    pub fn detail(&self, msg: impl Display) {
        if self.verbose() {
            errln!("{msg}");
        }
    }

    /// Rendered diagnostics (they carry their own colours when [`Ui::stderr_color`]) on
    /// stderr.
    pub fn diagnostics(&self, rendered: &str) {
        err!("{rendered}");
    }
}

/// The `hint:` lines of a message, coloured.
fn styled_hints(msg: &str) -> String {
    if !msg.contains("hint:") {
        return msg.to_string();
    }
    msg.lines()
        .map(|l| match l.split_once("hint:") {
            Some((indent, rest)) if indent.trim().is_empty() => {
                format!("{indent}{HINT}hint:{HINT:#}{rest}")
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A count, with thousands separated: `20,583`.
pub(crate) fn count(n: u64) -> String {
    crate::value::count(n)
}

/// A count and its noun: `1 row`, `20,583 rows`.
pub(crate) use crate::value::plural;

/// A rate per second, whole and with thousands separated: `20,583/s` (`0/s` when nothing
/// could be measured).
pub(crate) fn rate(per_sec: f64) -> String {
    let r = if per_sec.is_finite() && per_sec > 0.0 {
        per_sec.round() as u64
    } else {
        0
    };
    format!("{}/s", count(r))
}

/// A duration from milliseconds: `0.07s`, `12.3s`, `1m 05s`, `1h 01m`.
pub(crate) fn duration_ms(ms: u64) -> String {
    match ms {
        0..10_000 => format!("{:.2}s", ms as f64 / 1000.0),
        10_000..60_000 => format!("{:.1}s", ms as f64 / 1000.0),
        _ => duration_secs(ms / 1000),
    }
}

/// A duration in whole seconds: `12s`, `1m 05s`, `1h 01m`.
pub(crate) fn duration_secs(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m {:02}s", secs / 60, secs % 60),
        _ => format!("{}h {:02}m", secs / 3600, secs % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_number_format() {
        assert_eq!(count(0), "0");
        assert_eq!(count(12), "12");
        assert_eq!(count(1_234), "1,234");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(rate(20583.4795), "20,583/s");
        assert_eq!(rate(5888.0), "5,888/s");
        assert_eq!(rate(0.4), "0/s");
        assert_eq!(rate(f64::NAN), "0/s");
        assert_eq!(duration_ms(70), "0.07s");
        assert_eq!(duration_ms(12_345), "12.3s");
        assert_eq!(duration_ms(65_000), "1m 05s");
        assert_eq!(duration_secs(3700), "1h 01m");
        assert_eq!(plural(1, "row"), "1 row");
        assert_eq!(plural(0, "row"), "0 rows");
        assert_eq!(plural(1_234, "row"), "1,234 rows");
    }

    #[test]
    fn hints_are_found_on_their_own_lines() {
        let plain = "a\n  hint: b";
        let s = styled_hints(plain);
        assert!(s.starts_with("a\n  "), "{s}");
        assert!(s.ends_with(" b"), "{s}");
        assert_eq!(styled_hints("no hint: here"), "no hint: here");
    }
}
