//! Comments: found by scanning the source (the grammar skips them), then placed as the layout
//! reaches them.
//!
//! [`Source`] holds the text, its comments and the first comment not placed yet. Each token the
//! layout emits first takes the comments before it ([`Source::tok`]): a comment on a line of its
//! own stays on a line of its own, one that ended a line of code goes to the end of the line.

use pest::iterators::Pair;

use super::doc::{Doc, concat, text};
use crate::syntax::parser::Rule;

/// A comment: `#` to the end of its line.
#[derive(Debug, Clone)]
pub(super) struct Comment {
    /// Where its `#` is.
    pub(super) start: usize,
    /// The end of its text, trailing blanks excluded.
    pub(super) end: usize,
    /// Nothing but blanks before it on its line.
    pub(super) own_line: bool,
}

/// What the grammar skips between tokens (`WHITESPACE`): Unicode white space, and a
/// byte-order mark (U+FEFF, not white space for Unicode, anywhere in the file for the grammar).
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// Finds the comments: `#` outside strings, to the end of the line. (The grammar has no other
/// use for `#`, and quotes only delimit strings.)
fn scan_comments(src: &str) -> Vec<Comment> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'#' => {
                let start = i;
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                let line_start = src[..start].rfind('\n').map_or(0, |n| n + 1);
                let own_line = src[line_start..start].trim_matches(is_space).is_empty();
                let end = start + src[start..i].trim_end().len();
                out.push(Comment {
                    start,
                    end,
                    own_line,
                });
            }
            _ => i += 1,
        }
    }
    out
}

/// Where a pair starts in the source.
pub(super) fn start(p: &Pair<Rule>) -> usize {
    p.as_span().start()
}

/// The source being formatted, its comments, and the first comment not placed yet.
pub(super) struct Source<'s> {
    src: &'s str,
    comments: Vec<Comment>,
    next: usize,
}

impl<'s> Source<'s> {
    /// The source with its comments, none placed yet.
    pub(super) fn new(src: &'s str) -> Self {
        Source {
            src,
            comments: scan_comments(src),
            next: 0,
        }
    }

    /// The end of the source.
    pub(super) fn end(&self) -> usize {
        self.src.len()
    }

    /// A comment's text.
    pub(super) fn comment_text(&self, c: &Comment) -> String {
        self.src[c.start..c.end].to_string()
    }

    /// The next comment not placed yet, if it starts before `pos` (and ends a line of code when
    /// `trailing_only`); it counts as placed.
    fn take_before(&mut self, pos: usize, trailing_only: bool) -> Option<Comment> {
        let c = self.comments.get(self.next)?;
        if c.start >= pos || (trailing_only && c.own_line) {
            return None;
        }
        self.next += 1;
        Some(c.clone())
    }

    /// The next comment not placed yet, if it starts before `pos`; it counts as placed.
    pub(super) fn next_before(&mut self, pos: usize) -> Option<Comment> {
        self.take_before(pos, false)
    }

    /// Whether a comment on a line of its own lies between `a` and `b` (placed or not).
    pub(super) fn own_line_between(&self, a: usize, b: usize) -> bool {
        self.comments
            .iter()
            .any(|c| c.own_line && c.start > a && c.start < b)
    }

    /// The end of a pair's own text: pest spans may run over the blanks and comments after it.
    pub(super) fn real_end(&self, p: &Pair<Rule>) -> usize {
        let s = p.as_span();
        let mut end = s.end();
        loop {
            let trimmed = self.src[s.start()..end].trim_end_matches(is_space);
            end = s.start() + trimmed.len();
            match self
                .comments
                .iter()
                .find(|c| c.end == end && c.start >= s.start())
            {
                Some(c) => end = c.start,
                None => return end,
            }
        }
    }

    /// Every comment before `pos` not printed yet, as documents.
    pub(super) fn flush(&mut self, pos: usize) -> Doc {
        let mut out = Vec::new();
        while let Some(c) = self.next_before(pos) {
            let t = self.comment_text(&c);
            if c.own_line {
                out.push(Doc::OwnLine(t));
            } else {
                // Not before a break point: it goes to the end of the line, breaking nothing.
                out.push(Doc::LineSuffix(format!("  {t}")));
            }
        }
        if out.is_empty() {
            Doc::Nil
        } else {
            concat(out)
        }
    }

    /// The trailing comments (end of a line with code) before `pos`, placed just before a
    /// possible line break: the break is forced, so the comment stays at the end of that line.
    pub(super) fn flush_trailing(&mut self, pos: usize) -> Doc {
        let mut out = Vec::new();
        while let Some(c) = self.take_before(pos, true) {
            out.push(Doc::LineSuffix(format!("  {}", self.comment_text(&c))));
            out.push(Doc::BreakParent);
        }
        if out.is_empty() {
            Doc::Nil
        } else {
            concat(out)
        }
    }

    /// A token at `pos`, after the comments before it.
    pub(super) fn tok(&mut self, pos: usize, s: &str) -> Doc {
        let c = self.flush(pos);
        concat(vec![c, text(s)])
    }

    /// A token from `at` to `end` that may hold comments between its parts (`. # c` newline
    /// `name`): the comments before it, the token, then the ones inside it at the end of the
    /// line. Put before the token, a comment inside it would follow whatever the line printed
    /// last (an operator `or`), and the next pass would move it again.
    pub(super) fn tok_spanning(&mut self, at: usize, end: usize, s: &str) -> Doc {
        let mut out = vec![self.flush(at), text(s)];
        while let Some(c) = self.next_before(end) {
            out.push(Doc::LineSuffix(format!("  {}", self.comment_text(&c))));
        }
        concat(out)
    }

    /// Where `pat` first occurs in the code (not in a comment) from `from` on; `from` when it
    /// does not.
    pub(super) fn find_code(&self, from: usize, pat: &str) -> usize {
        let mut at = from;
        while let Some(i) = self.src.get(at..).and_then(|r| r.find(pat)) {
            let pos = at + i;
            match self.comments.iter().find(|c| c.start <= pos && pos < c.end) {
                Some(c) => at = c.end,
                None => return pos,
            }
        }
        from
    }

    /// A pair's own text (pest spans of non-atomic rules may run over blanks and comments).
    pub(super) fn own_text(&self, p: &Pair<Rule>) -> String {
        self.src[start(p)..self.real_end(p)].to_string()
    }

    /// A pair's own text as a token, after the comments before its end.
    pub(super) fn ptok(&mut self, p: &Pair<Rule>) -> Doc {
        let t = self.own_text(p);
        // A comment inside the pair's span goes before the token.
        let end = self.real_end(p);
        self.tok(end, &t)
    }

    /// Whether a blank line lies between `a` and `b`.
    pub(super) fn blank_between(&self, a: usize, b: usize) -> bool {
        let seg = self.src.get(a..b).unwrap_or("");
        let lines: Vec<&str> = seg.split('\n').collect();
        lines.len() > 2
            && lines[1..lines.len() - 1]
                .iter()
                .any(|l| l.trim_matches(is_space).is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::format::doc::print;

    /// Found by the `fmt` fuzz target: a byte-order mark before a comment line inside a block
    /// hid the comment from the alignment of attributes on the first pass only.
    #[test]
    fn a_byte_order_mark_before_a_comment_line_is_space() {
        let src = "products from a {\n  id = .id\n  image = .i\n  \u{feff}# c\n  url = .u\n}\n";
        let once = crate::syntax::format::tests::fmt(src);
        assert!(once.contains("  url = .u\n"), "{once}");
        assert_eq!(crate::syntax::format::tests::fmt(&once), once);
    }

    /// Found by the `fmt` fuzz target: a comment after a byte-order mark (and a lone CR) was
    /// taken for the end of a line of code, indented once, then not.
    #[test]
    fn a_comment_after_a_byte_order_mark_is_on_its_own_line() {
        let found = scan_comments("\u{feff}\r#_");
        assert_eq!(found.len(), 1);
        assert!(found[0].own_line);
        let once = crate::syntax::format::tests::fmt("\u{feff}\r#_");
        assert_eq!(once, "#_\n");
    }

    #[test]
    fn hashes_in_strings_are_not_comments() {
        let src = "let a = \"#no\" # yes  \n  # own\nlet b = '#'\n";
        let found: Vec<(String, bool)> = scan_comments(src)
            .iter()
            .map(|c| (src[c.start..c.end].to_string(), c.own_line))
            .collect();
        assert_eq!(
            found,
            vec![("# yes".to_string(), false), ("# own".to_string(), true)]
        );
    }

    #[test]
    fn flush_places_each_comment_once() {
        let src = "x # t\n# own\ny";
        let mut s = Source::new(src);
        let y = src.len() - 1;
        let d = concat(vec![text("x"), s.flush(y), text("y"), s.flush(y)]);
        assert_eq!(print(&d, 80), "x  # t\n# own\ny\n");
    }

    #[test]
    fn flush_trailing_stops_at_an_own_line_comment() {
        let src = "x # t\n# own\ny";
        let mut s = Source::new(src);
        let y = src.len() - 1;
        let d = concat(vec![text("x"), s.flush_trailing(y)]);
        assert_eq!(print(&d, 80), "x  # t\n");
        assert!(s.next_before(y).is_some_and(|c| c.own_line));
        assert!(s.next_before(y).is_none());
    }

    #[test]
    fn blank_lines_between_positions() {
        let s = Source::new("a\n\nb\nc");
        assert!(s.blank_between(0, 3));
        assert!(!s.blank_between(3, 6));
        assert!(!s.own_line_between(0, 3));
    }
}
