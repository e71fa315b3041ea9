//! Byte offsets (the checker's spans) and LSP positions (a line, and a column counted in UTF-16
//! code units, as the protocol's default encoding says), both ways.

use lsp_types::{Position, Range};

use crate::diagnostic::Span;

/// Where the lines of a text start.
#[derive(Debug, Clone)]
pub(super) struct LineIndex {
    /// The byte offset of each line's start; the first is 0.
    starts: Vec<usize>,
}

impl LineIndex {
    /// The index of `text`'s lines (split at `\n`; a `\r` before it ends the line too).
    pub(super) fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// The position of byte `offset` of `text` (clamped to the text, and to a char boundary).
    pub(super) fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let col: usize = text
            .get(start..offset)
            .unwrap_or("")
            .chars()
            .map(char::len_utf16)
            .sum();
        Position::new(to_u32(line), to_u32(col))
    }

    /// The byte offset of `pos` in `text`: a column past the end of its line is the line's
    /// end, a line past the last is the text's end, a column inside a surrogate pair is the
    /// character's start.
    pub(super) fn offset(&self, text: &str, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return text.len();
        };
        let line = text.get(start..).unwrap_or("");
        let line = line.split('\n').next().unwrap_or("");
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units >= pos.character as usize || units + c.len_utf16() > pos.character as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line.len()
    }

    /// The range of `span` in `text`.
    pub(super) fn range(&self, text: &str, span: Span) -> Range {
        Range::new(
            self.position(text, span.start),
            self.position(text, span.end),
        )
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_positions_both_ways() {
        let text = "let a = 1\nproducts from x {\n  id = .id\n}\n";
        let ix = LineIndex::new(text);
        let at = text.find(".id").unwrap();
        assert_eq!(ix.position(text, at), Position::new(2, 7));
        assert_eq!(ix.offset(text, Position::new(2, 7)), at);
        assert_eq!(ix.position(text, 0), Position::new(0, 0));
        assert_eq!(ix.position(text, text.len()), Position::new(4, 0));
    }

    #[test]
    fn columns_count_utf16_code_units() {
        // `è` is 2 bytes and 1 UTF-16 unit; `😀` is 4 bytes and 2 units.
        let text = "let x = \"è😀\" ~ nme\n";
        let ix = LineIndex::new(text);
        let at = text.find("nme").unwrap();
        assert_eq!(at, 19);
        assert_eq!(ix.position(text, at), Position::new(0, 16));
        assert_eq!(ix.offset(text, Position::new(0, 16)), at);
        let span = Span::new(at, at + 3);
        assert_eq!(
            ix.range(text, span),
            Range::new(Position::new(0, 16), Position::new(0, 19))
        );
    }

    #[test]
    fn out_of_range_and_mid_character_positions_are_clamped() {
        let text = "a😀b\r\nxy";
        let ix = LineIndex::new(text);
        // Inside the surrogate pair: the emoji's start.
        assert_eq!(ix.offset(text, Position::new(0, 2)), 1);
        assert_eq!(ix.offset(text, Position::new(0, 3)), 5);
        // Past the line's end (before `\r\n`), past the last line.
        assert_eq!(ix.offset(text, Position::new(0, 99)), 6);
        assert_eq!(ix.offset(text, Position::new(9, 0)), text.len());
        // An offset inside a character is that character's start.
        assert_eq!(ix.position(text, 2), Position::new(0, 1));
        assert_eq!(ix.position(text, text.len()), Position::new(1, 2));
    }
}
