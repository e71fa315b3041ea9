//! Warnings of a run, one per kind of problem: a problem found on 25,000 rows is one warning
//! with its count and its first few locations, not 25,000 lines.

use foldhash::HashMap;
use std::fmt;

use serde::Serialize;

/// How many locations a warning keeps (the count says how many there were).
pub const LOCATIONS_KEPT: usize = 3;

/// A problem that did not reject a record, and everywhere it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// What happened, the same words wherever it happened (the row-specific part, such as a
    /// duplicate key, goes with its location).
    pub message: String,
    /// How many times it happened.
    pub count: u64,
    /// The first few places (`file:line`, `file record N`, with what differs there), in the
    /// order met; empty for a warning about the mapping or the run as a whole.
    pub at: Vec<String>,
}

impl Warning {
    /// A warning with no location (the mapping's own, located in its text already).
    pub fn plain(message: impl Into<String>) -> Warning {
        Warning {
            message: message.into(),
            count: 1,
            at: Vec::new(),
        }
    }
}

impl fmt::Display for Warning {
    /// `a.csv:3: message` once; `message (3 times: a.csv:3, a.csv:7, a.csv:9)`, or `... and 24,997
    /// more` past the locations kept.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at.as_slice() {
            [] => f.write_str(&self.message),
            [one] if self.count == 1 => write!(f, "{one}: {}", self.message),
            at => {
                write!(
                    f,
                    "{} ({} times: {}",
                    self.message,
                    crate::value::count(self.count),
                    at.join(", ")
                )?;
                let more = self.count.saturating_sub(at.len() as u64);
                if more > 0 {
                    write!(f, " and {} more", crate::value::count(more))?;
                }
                f.write_str(")")
            }
        }
    }
}

/// Warnings gathered by kind, in the order first met.
#[derive(Debug, Default)]
pub struct Warnings {
    list: Vec<Warning>,
    index: HashMap<String, usize>,
}

impl Warnings {
    /// Counts `message` at `at` (kept among the first [`LOCATIONS_KEPT`] places).
    pub fn add(&mut self, at: impl Into<String>, message: impl Into<String>) {
        let message = message.into();
        let i = match self.index.get(&message) {
            Some(&i) => i,
            None => {
                self.index.insert(message.clone(), self.list.len());
                self.list.push(Warning {
                    message,
                    count: 0,
                    at: Vec::new(),
                });
                self.list.len() - 1
            }
        };
        let w = &mut self.list[i];
        w.count += 1;
        if w.at.len() < LOCATIONS_KEPT {
            w.at.push(at.into());
        }
    }

    /// The warnings, in the order first met.
    pub fn into_vec(self) -> Vec<Warning> {
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_warning_per_kind_with_its_count_and_first_places() {
        let mut w = Warnings::default();
        for n in 1..=25_000u64 {
            w.add(
                format!("a.csv:{}", n + 1),
                "row has 3 fields but the header has 2",
            );
        }
        w.add("b.csv:4", "other");
        let list = w.into_vec();
        assert_eq!(list.len(), 2);
        assert_eq!(
            list[0].to_string(),
            "row has 3 fields but the header has 2 (25,000 times: a.csv:2, a.csv:3, a.csv:4 and 24,997 more)"
        );
        assert_eq!(list[1].to_string(), "b.csv:4: other");
        assert_eq!(Warning::plain("m.cmap:1:1: x").to_string(), "m.cmap:1:1: x");
    }

    #[test]
    fn a_few_places_are_all_listed() {
        let mut w = Warnings::default();
        w.add("a.csv:2", "m");
        w.add("a.csv:5", "m");
        assert_eq!(w.into_vec()[0].to_string(), "m (2 times: a.csv:2, a.csv:5)");
    }
}
