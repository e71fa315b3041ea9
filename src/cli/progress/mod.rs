//! Progress on the terminal, drawn on stderr only when it is a terminal: the records a run has
//! read ([`run`]), the stages and batches of a push ([`push`]).

pub mod push;
pub mod run;

use std::io::IsTerminal;

/// How progress shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A bar per entity (stderr is a terminal).
    Bar,
    /// One line per event on stderr.
    Lines,
    /// Only errors.
    Quiet,
}

impl Mode {
    /// Quiet when asked, a bar when stderr is a terminal, lines otherwise.
    pub fn auto(quiet: bool) -> Mode {
        if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Lines
        }
    }
}
