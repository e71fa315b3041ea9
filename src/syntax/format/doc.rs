//! The document model of the formatter and its printer (after Wadler's "A prettier printer").
//!
//! A [`Doc`] says where a layout may break; [`print()`] picks, group by group, the flat form when
//! it fits in the width and the broken form otherwise. Trailing comments wait for the end of
//! their line ([`Doc::LineSuffix`]); comments on lines of their own keep the indentation
//! ([`Doc::OwnLine`]).

/// A layout: text and the places where it may break.
#[derive(Debug, Clone)]
pub(super) enum Doc {
    /// Nothing.
    Nil,
    /// Text as it is (a newline in it forces its groups to break).
    Text(String),
    /// A space, or a line break when its group breaks.
    Line,
    /// Nothing, or a line break when its group breaks.
    SoftLine,
    /// Always a line break; its groups break.
    HardLine,
    /// One after the other.
    Concat(Vec<Doc>),
    /// Line breaks inside indented by this many more columns.
    Nest(usize, Box<Doc>),
    /// Continuation lines indented to the column where this starts.
    Align(Box<Doc>),
    /// Flat when it fits, else broken; `true`: it must break.
    Group(Box<Doc>, bool),
    /// The first state that fits: the first flat, the others broken (the last as a fallback).
    Choice(Vec<Doc>, bool),
    /// The first when the enclosing group breaks, else the second.
    IfBreak(Box<Doc>, Box<Doc>),
    /// Printed at the end of the current line (a trailing comment).
    LineSuffix(String),
    /// Makes the enclosing groups break.
    BreakParent,
    /// A comment on a line of its own, at the current indentation.
    OwnLine(String),
    /// Short items separated by `, `, as many per line as fit when broken.
    Fill(Vec<String>),
}

/// Text as it is.
pub(super) fn text(s: impl Into<String>) -> Doc {
    Doc::Text(s.into())
}

/// Documents one after the other.
pub(super) fn concat(v: Vec<Doc>) -> Doc {
    Doc::Concat(v)
}

/// Line breaks inside indented by 2 more columns.
pub(super) fn nest(d: Doc) -> Doc {
    Doc::Nest(2, Box::new(d))
}

/// Continuation lines indented to the column where `d` starts.
pub(super) fn align(d: Doc) -> Doc {
    Doc::Align(Box::new(d))
}

/// Flat when it fits, else broken (always broken when `d` has a forced break).
pub(super) fn group(d: Doc) -> Doc {
    let forced = forces_break(&d);
    Doc::Group(Box::new(d), forced)
}

/// Whether a document has a forced break (so its enclosing groups break).
pub(super) fn forces_break(d: &Doc) -> bool {
    match d {
        Doc::HardLine | Doc::BreakParent | Doc::OwnLine(_) => true,
        Doc::Text(s) => s.contains('\n'),
        Doc::Group(_, f) | Doc::Choice(_, f) => *f,
        Doc::Concat(v) => v.iter().any(forces_break),
        Doc::Nest(_, x) | Doc::Align(x) => forces_break(x),
        _ => false,
    }
}

/// How a document is being printed: on one line, or with its line breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Flat,
    Break,
}

/// The columns a text takes (one per character).
pub(super) fn width_of(s: &str) -> usize {
    s.chars().count()
}

/// Whether `first` (then `rest`, from its end) fits in `room` columns up to the next line break.
fn fits(first: (usize, Mode, &Doc), rest: &[(usize, Mode, &Doc)], room: usize) -> bool {
    let mut room = room as isize;
    let mut stack: Vec<(Mode, &Doc)> = vec![(first.1, first.2)];
    let mut rest_i = rest.len();
    loop {
        let (mode, d) = match stack.pop() {
            Some(x) => x,
            None => {
                if rest_i == 0 {
                    return true;
                }
                rest_i -= 1;
                (rest[rest_i].1, rest[rest_i].2)
            }
        };
        match d {
            Doc::Nil | Doc::BreakParent | Doc::LineSuffix(_) => {}
            Doc::Text(s) => match s.split_once('\n') {
                Some((head, _)) => return room >= width_of(head) as isize,
                None => room -= width_of(s) as isize,
            },
            Doc::Line => match mode {
                Mode::Flat => room -= 1,
                Mode::Break => return true,
            },
            Doc::SoftLine => {
                if mode == Mode::Break {
                    return true;
                }
            }
            Doc::HardLine | Doc::OwnLine(_) => return true,
            Doc::Concat(v) => {
                for x in v.iter().rev() {
                    stack.push((mode, x));
                }
            }
            Doc::Nest(_, x) | Doc::Align(x) => stack.push((mode, x)),
            Doc::Group(x, forced) => stack.push((if *forced { Mode::Break } else { mode }, x)),
            Doc::Choice(states, forced) => {
                let m = if *forced { Mode::Break } else { mode };
                let s = if m == Mode::Flat {
                    states.first()
                } else {
                    states.last()
                };
                if let Some(s) = s {
                    stack.push((m, s));
                }
            }
            Doc::IfBreak(b, f) => stack.push((mode, if mode == Mode::Break { b } else { f })),
            Doc::Fill(items) => match mode {
                Mode::Flat => {
                    room -= items
                        .iter()
                        .map(|i| width_of(i) as isize + 2)
                        .sum::<isize>()
                        - 2;
                }
                Mode::Break => {
                    room -= items.first().map_or(0, |i| width_of(i) as isize);
                    return room >= 0;
                }
            },
        }
        if room < 0 {
            return false;
        }
    }
}

/// The text printed so far and the state of its last line.
struct Printer {
    out: String,
    pos: usize,
    /// Trailing comments waiting for the end of the line.
    suffix: Vec<String>,
    /// Nothing but indentation printed on the current line.
    line_empty: bool,
    /// The current line was started by an own-line comment's break: the next break only
    /// sets the indentation.
    after_comment: bool,
}

impl Printer {
    fn newline(&mut self, ind: usize) {
        if self.after_comment && self.line_empty {
            while self.out.ends_with(' ') {
                self.out.pop();
            }
            self.out.push_str(&" ".repeat(ind));
            self.pos = ind;
            return;
        }
        for s in std::mem::take(&mut self.suffix) {
            self.out.push_str(&s);
        }
        while self.out.ends_with(' ') {
            self.out.pop();
        }
        self.out.push('\n');
        self.out.push_str(&" ".repeat(ind));
        self.pos = ind;
        self.line_empty = true;
    }

    fn text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        self.out.push_str(s);
        match s.rsplit_once('\n') {
            Some((_, tail)) => self.pos = width_of(tail),
            None => self.pos += width_of(s),
        }
        self.line_empty = false;
        self.after_comment = false;
    }
}

/// Prints a document at `width` columns: without trailing blanks, ending in one newline
/// (nothing for an empty document).
pub(super) fn print(doc: &Doc, width: usize) -> String {
    let mut p = Printer {
        out: String::new(),
        pos: 0,
        suffix: Vec::new(),
        line_empty: true,
        after_comment: false,
    };
    let mut cmds: Vec<(usize, Mode, &Doc)> = vec![(0, Mode::Break, doc)];
    while let Some((ind, mode, d)) = cmds.pop() {
        match d {
            Doc::Nil | Doc::BreakParent => {}
            Doc::Text(s) => p.text(s),
            Doc::Line => match mode {
                Mode::Flat => p.text(" "),
                Mode::Break => p.newline(ind),
            },
            Doc::SoftLine => {
                if mode == Mode::Break {
                    p.newline(ind);
                }
            }
            Doc::HardLine => {
                p.after_comment = false;
                p.newline(ind)
            }
            Doc::Concat(v) => {
                for x in v.iter().rev() {
                    cmds.push((ind, mode, x));
                }
            }
            Doc::Nest(n, x) => cmds.push((ind + n, mode, x)),
            Doc::Align(x) => cmds.push((p.pos, mode, x)),
            Doc::Group(x, forced) => {
                let room = width.saturating_sub(p.pos);
                // Inside a flat group everything is flat; else flat only if it fits.
                let flat =
                    !forced && (mode == Mode::Flat || fits((ind, Mode::Flat, x), &cmds, room));
                let m = if flat { Mode::Flat } else { Mode::Break };
                cmds.push((ind, m, x));
            }
            Doc::Choice(states, forced) => {
                let room = width.saturating_sub(p.pos);
                let Some(first) = states.first() else {
                    continue;
                };
                if mode == Mode::Flat && !forced {
                    cmds.push((ind, Mode::Flat, first));
                    continue;
                }
                if !forces_break(first) && fits((ind, Mode::Flat, first), &cmds, room) {
                    cmds.push((ind, Mode::Flat, first));
                    continue;
                }
                let chosen = states[1..]
                    .iter()
                    .find(|s| fits((ind, Mode::Break, s), &cmds, room))
                    .or(states.last())
                    .unwrap_or(first);
                cmds.push((ind, Mode::Break, chosen));
            }
            Doc::IfBreak(b, f) => cmds.push((ind, mode, if mode == Mode::Break { b } else { f })),
            Doc::LineSuffix(s) => p.suffix.push(s.clone()),
            Doc::Fill(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        // Room for `, item,` on this line?
                        if mode == Mode::Break && p.pos + 2 + width_of(item) + 1 > width {
                            p.text(",");
                            p.newline(ind);
                        } else {
                            p.text(", ");
                        }
                    }
                    p.text(item);
                }
            }
            Doc::OwnLine(s) => {
                if !p.line_empty {
                    p.after_comment = false;
                    p.newline(ind);
                }
                p.text(s);
                p.newline(ind);
                p.after_comment = true;
            }
        }
    }
    for s in std::mem::take(&mut p.suffix) {
        p.out.push_str(&s);
    }
    let mut out = p.out;
    while out.ends_with(' ') || out.ends_with('\n') {
        out.pop();
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// A document printed flat, when it has no forced break.
pub(super) fn flat_text(d: &Doc) -> Option<String> {
    if forces_break(d) {
        return None;
    }
    let mut out = String::new();
    let mut stack = vec![d];
    while let Some(d) = stack.pop() {
        match d {
            Doc::Text(s) => out.push_str(s),
            Doc::Line => out.push(' '),
            Doc::Concat(v) => stack.extend(v.iter().rev()),
            Doc::Nest(_, x) | Doc::Align(x) | Doc::Group(x, _) => stack.push(x),
            Doc::Choice(states, _) => stack.extend(states.first()),
            Doc::IfBreak(_, f) => stack.push(f),
            Doc::Fill(items) => out.push_str(&items.join(", ")),
            _ => {}
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(args: &[&str]) -> Doc {
        let mut inner = vec![Doc::SoftLine];
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                inner.push(text(","));
                inner.push(Doc::Line);
            }
            inner.push(text(*a));
        }
        group(concat(vec![
            text("f("),
            nest(concat(inner)),
            Doc::SoftLine,
            text(")"),
        ]))
    }

    #[test]
    fn a_group_is_flat_when_it_fits_and_broken_when_not() {
        assert_eq!(print(&call(&["a", "b"]), 80), "f(a, b)\n");
        assert_eq!(print(&call(&["a", "b"]), 5), "f(\n  a,\n  b\n)\n");
    }

    #[test]
    fn a_hard_line_breaks_its_groups() {
        let d = group(concat(vec![text("a"), Doc::Line, text("b"), Doc::HardLine]));
        assert!(forces_break(&d));
        assert_eq!(print(&d, 80), "a\nb\n");
    }

    #[test]
    fn align_indents_to_the_start_column() {
        let d = concat(vec![
            text("x = "),
            align(concat(vec![text("a"), Doc::HardLine, text("b")])),
        ]);
        assert_eq!(print(&d, 80), "x = a\n    b\n");
    }

    #[test]
    fn a_line_suffix_waits_for_the_end_of_the_line() {
        let d = concat(vec![
            text("a"),
            Doc::LineSuffix("  # c".into()),
            text(" b"),
            Doc::HardLine,
            text("d"),
        ]);
        assert_eq!(print(&d, 80), "a b  # c\nd\n");
    }

    #[test]
    fn an_own_line_comment_gets_a_line() {
        let d = concat(vec![
            text("a"),
            nest(concat(vec![Doc::OwnLine("# c".into()), text("b")])),
        ]);
        assert_eq!(print(&d, 80), "a\n  # c\n  b\n");
    }

    #[test]
    fn fill_puts_as_many_items_per_line_as_fit() {
        let d = group(Doc::Fill(vec!["aa".into(), "bb".into(), "cc".into()]));
        assert_eq!(print(&d, 80), "aa, bb, cc\n");
        assert_eq!(print(&d, 8), "aa, bb,\ncc\n");
    }

    #[test]
    fn trailing_blanks_and_empty_documents() {
        assert_eq!(print(&concat(vec![text("a  "), Doc::HardLine]), 80), "a\n");
        assert_eq!(print(&Doc::Nil, 80), "");
    }

    #[test]
    fn flat_text_is_none_with_a_forced_break() {
        assert_eq!(flat_text(&call(&["a", "b"])).as_deref(), Some("f(a, b)"));
        assert_eq!(flat_text(&concat(vec![text("a"), Doc::HardLine])), None);
    }
}
