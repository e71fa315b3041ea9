//! The nesting limit of expressions: [`MAX_DEPTH`] levels.
//!
//! Everything that reads a mapping walks its expressions recursively: pest while it parses, the
//! lowering to the syntax tree, the checker, the formatter, constant folding and the evaluator
//! (on the engine's worker threads, whose stacks are smaller than the main thread's). A
//! generated mapping with thousands of nested parentheses or a `??` chain of a thousand terms
//! would overflow their stacks, so an expression deeper than the limit is refused with
//! [`Code::TooDeep`] (E017) at the place it goes past it, before anything recurses that deep:
//!
//! - [`prescan`] runs before pest, on the text: it counts the brackets open, the `if`/`match`
//!   keywords still waiting for their `{`, and runs of prefix operators (`- - x`, `not !x`),
//!   which is what pest recurses on (an `else if` chain is listed by the grammar, not nested);
//! - the lowering to the syntax tree counts the depth of every node it builds: each operator of
//!   a chain (`a ?? b ?? c` is `(a ?? b) ?? c`), pipe, path step, call, list, object, `if`
//!   (an `else if` is an `if` inside the `else`) or `match` is one level more than its deepest
//!   operand, and no tree deeper than the limit is ever built.
//!
//! Every later pass recurses at most as deep as the tree, so the checker, the formatter and the
//! evaluator need no check of their own, and a run pays nothing per record for the limit.

use crate::diagnostic::{Code, Diagnostic, Span};

/// How deep an expression may nest: brackets, calls, `if`/`match`, and each operator of a chain
/// count one level (docs/language.md, "Limits").
pub const MAX_DEPTH: usize = 256;

/// The error for an expression that goes past [`MAX_DEPTH`] at `at`.
pub(super) fn too_deep(at: Span) -> Diagnostic {
    Diagnostic::error(
        Code::TooDeep,
        at,
        format!("this expression nests more than {MAX_DEPTH} levels deep"),
    )
    .label(format!("level {}", MAX_DEPTH + 1))
    .hint("split it with `let`s; a long `??` or `else if` chain may be a `match` or a lookup table")
}

/// One bracket open in [`prescan`], and the `if`/`match` keywords inside it still waiting for
/// their `{`.
struct Frame {
    pending: usize,
}

/// Refuses a text whose brackets, `if`/`match` keywords and prefix operators nest deeper than
/// [`MAX_DEPTH`], before pest parses it. Strings and comments are skipped; the count is an upper
/// bound of what pest will nest, and the syntax tree's own depth is counted when it is built.
pub(super) fn prescan(src: &str) -> Result<(), Diagnostic> {
    let b = src.as_bytes();
    let mut frames: Vec<Frame> = vec![Frame { pending: 0 }];
    // Levels so far: the frames (the outermost one aside) and their pending keywords.
    let mut depth = 0usize;
    // Prefix operators in a row (`- - !x`), and whether the last token was a `.` (then a word
    // is a field name, not a keyword: `.if`).
    let mut prefixes = 0usize;
    let mut after_dot = false;
    let mut i = 0;
    let too_deep_at = |i: usize, n: usize| Err(too_deep(Span::new(i, i + n)));
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' | b'\'' => {
                i += 1;
                while i < b.len() && b[i] != c {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                prefixes = 0;
                after_dot = false;
                continue;
            }
            _ => {}
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let word = &src[start..i];
            let keyword = !after_dot;
            after_dot = false;
            if keyword && (word == "if" || word == "match") {
                prefixes = 0;
                if let Some(f) = frames.last_mut() {
                    f.pending += 1;
                }
                depth += 1;
                if depth > MAX_DEPTH {
                    return too_deep_at(start, word.len());
                }
            } else if keyword && word == "not" {
                prefixes += 1;
                if depth + prefixes > MAX_DEPTH {
                    return too_deep_at(start, word.len());
                }
            } else {
                prefixes = 0;
            }
            continue;
        }
        after_dot = c == b'.';
        match c {
            b'(' | b'[' | b'{' => {
                prefixes = 0;
                // The `{` of an `if` or `match` takes the level its keyword opened.
                let taken = c == b'{' && frames.last().is_some_and(|f| f.pending > 0);
                if taken {
                    if let Some(f) = frames.last_mut() {
                        f.pending -= 1;
                    }
                } else {
                    depth += 1;
                }
                frames.push(Frame { pending: 0 });
                if depth > MAX_DEPTH {
                    return too_deep_at(i, 1);
                }
            }
            b')' | b']' | b'}' => {
                prefixes = 0;
                if frames.len() > 1
                    && let Some(f) = frames.pop()
                {
                    depth = depth.saturating_sub(f.pending + 1);
                }
            }
            b'-' => {
                prefixes += 1;
                if depth + prefixes > MAX_DEPTH {
                    return too_deep_at(i, 1);
                }
            }
            b'!' if b.get(i + 1) != Some(&b'=') => {
                prefixes += 1;
                if depth + prefixes > MAX_DEPTH {
                    return too_deep_at(i, 1);
                }
            }
            _ => prefixes = 0,
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{parse, parse_expr};

    fn code(src: &str) -> Option<String> {
        prescan(src).err().map(|d| d.code.to_string())
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let deep = "(".repeat(MAX_DEPTH + 1);
        assert_eq!(code(&format!("\"{deep}\"")), None);
        assert_eq!(code(&format!("'{deep}\\''")), None);
        assert_eq!(code(&format!("# {deep}\n1")), None);
        assert_eq!(code(&deep), Some("E017".into()));
        // Closed brackets give their level back.
        assert_eq!(code(&"(1)".repeat(10 * MAX_DEPTH)), None);
    }

    #[test]
    fn keywords_waiting_for_their_brace_and_prefix_runs_count() {
        let ifs = format!(
            "{}.t{}",
            "if ".repeat(MAX_DEPTH + 1),
            " {1}".repeat(MAX_DEPTH + 1)
        );
        let d = prescan(&ifs).err();
        assert_eq!(
            d.map(|d| d.span()),
            Some(Span::new(3 * MAX_DEPTH, 3 * MAX_DEPTH + 2))
        );
        assert_eq!(
            code(&format!("{}1", "!".repeat(MAX_DEPTH + 1))),
            Some("E017".into())
        );
        assert_eq!(
            code(&format!("{}1", "not ".repeat(MAX_DEPTH + 1))),
            Some("E017".into())
        );
        // A field called `if` or `not` is no keyword; `!=` is no prefix.
        assert_eq!(code(&".if ".repeat(2 * MAX_DEPTH)), None);
        assert_eq!(code(&". not".repeat(2 * MAX_DEPTH)), None);
        assert_eq!(code(&"1 != ".repeat(2 * MAX_DEPTH)), None);
    }

    #[test]
    fn a_chain_counts_one_level_per_operator_and_is_refused_where_it_goes_past() {
        let ok = vec!["1"; MAX_DEPTH].join(" ?? ");
        assert!(parse_expr(&ok).is_ok());
        let chain = vec!["1"; MAX_DEPTH + 1].join(" ?? ");
        let d = parse_expr(&chain).err();
        // The 256th `??` makes level 257.
        let at = chain
            .match_indices("??")
            .nth(MAX_DEPTH - 1)
            .map_or(0, |(i, _)| i);
        assert_eq!(d.as_ref().map(|d| d.span()), Some(Span::new(at, at + 2)));
        assert_eq!(d.map(|d| d.code), Some(Code::TooDeep));
        // In a file too, at the same place.
        let file = format!("let a = {chain}");
        assert_eq!(parse(&file).err().map(|d| d.span().start), Some(at + 8));
    }
}
