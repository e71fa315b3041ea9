//! Where a diagnostic points: byte spans in a named source file, and the file's line index.

use std::sync::OnceLock;

/// A byte range in the mapping source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Span {
    /// The first byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The bytes `start..end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
    /// The smallest span that covers both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A mapping file's name and text.
///
/// The first question about lines (`line_col`, rendering a diagnostic) builds an index of where
/// each line starts, once: every later one is a binary search, so reporting thousands of
/// diagnostics or rejects never scans the text again. `text` must not change after that.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name shown in diagnostics (`mapping.cmap`).
    pub name: String,
    /// The whole text.
    pub text: String,
    /// Where the lines start, built on first use.
    lines: OnceLock<LineIndex>,
}

/// Where each line of a text starts.
#[derive(Debug, Clone)]
pub(super) struct LineIndex {
    /// The byte offset of each line's start (after a `\n`); the first is 0.
    pub(super) starts: Vec<usize>,
    /// Per line: the lone `\r` (not followed by `\n`) before its start, which miette also
    /// counts as line ends. Empty when the text has none.
    lone_crs: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let b = text.as_bytes();
        let mut starts = vec![0];
        let mut lone_crs = vec![0];
        let mut crs = 0;
        for (i, &c) in b.iter().enumerate() {
            match c {
                b'\n' => {
                    starts.push(i + 1);
                    lone_crs.push(crs);
                }
                b'\r' if b.get(i + 1) != Some(&b'\n') => crs += 1,
                _ => {}
            }
        }
        if crs == 0 {
            lone_crs = Vec::new();
        }
        #[cfg(test)]
        tests::INDEX_BUILDS.with(|n| n.set(n.get() + 1));
        LineIndex { starts, lone_crs }
    }

    /// The 0-based line (by `\n`) of a byte offset.
    pub(super) fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// The line ends miette counts before line `line` starts (`\n`, and lone `\r`).
    pub(super) fn breaks_before(&self, line: usize) -> usize {
        line + self.lone_crs.get(line).copied().unwrap_or(0)
    }
}

impl SourceFile {
    /// A file named `name` holding `text`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        SourceFile {
            name: name.into(),
            text: text.into(),
            lines: OnceLock::new(),
        }
    }

    /// The line index, built on first use.
    pub(super) fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let lines = self.lines();
        let line = lines.line_of(offset);
        let line_start = lines.starts.get(line).copied().unwrap_or(0);
        let col = self
            .text
            .get(line_start..offset)
            .map_or(0, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::cell::Cell;

    use super::*;

    thread_local! {
        /// How many line indexes this thread built (each one scans a whole text).
        pub(in crate::diagnostic) static INDEX_BUILDS: Cell<usize> = const { Cell::new(0) };
    }

    #[test]
    fn line_col_counts_characters() {
        let src = SourceFile::new("m.cmap", "ab\ncà = x\n");
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(3), (2, 1));
        assert_eq!(src.line_col(6), (2, 3));
        // Inside a character: its start. Past the end: the end.
        assert_eq!(src.line_col(5), (2, 2));
        assert_eq!(src.line_col(99), (3, 1));
    }

    #[test]
    fn the_index_is_built_once_and_counts_lone_carriage_returns() {
        let before = INDEX_BUILDS.with(Cell::get);
        let src = SourceFile::new("m.cmap", "a\rb\r\nc\nd");
        for offset in 0..src.text.len() {
            src.line_col(offset);
        }
        assert_eq!(INDEX_BUILDS.with(Cell::get), before + 1);
        let lines = src.lines();
        assert_eq!(lines.starts, [0, 5, 7]);
        assert_eq!(src.line_col(6), (2, 2));
        assert_eq!(src.line_col(8), (3, 2));
        // miette's count: `a\r`, `b\r\n`, `c\n` end three lines before `d`.
        assert_eq!(lines.breaks_before(2), 3);
        assert_eq!(SourceFile::new("m", "x\ny").lines().breaks_before(1), 1);
    }

    #[test]
    fn spans_join() {
        assert_eq!(Span::new(4, 6).to(Span::new(1, 5)), Span::new(1, 6));
    }
}
