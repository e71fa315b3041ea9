//! `clerkmap fmt`: one canonical layout for mapping files.
//!
//! The formatter works from the pest parse (tokens as written: strings, numbers, `and` or `&&`
//! stay as they are) plus the comments found between tokens, so comments are kept. The layout
//! is computed by a Wadler-style pretty printer at [`WIDTH`] columns:
//!
//! - one item per line at file level, one statement per line in a block (indented by 2);
//!   blank lines between statements are kept (at most one), and a block is separated from its
//!   neighbours by one; `;`/`,` statement separators are dropped, except a `;` where the next
//!   statement would continue the expression before it (after a bare `.`, before a `-`);
//! - in a block, the `=` of consecutive attributes (a run not broken by a blank line) line up;
//! - an expression that does not fit breaks at its outermost operator chain first, with the
//!   continuation lines (`?? ...`, `| f(...)`, `or ...`) aligned under its first operand;
//!   lists, objects, argument lists and `match` arms go one per line with a trailing comma; an
//!   object or list as the last argument stays on the call's line (`map(.righe, {`);
//! - a comment keeps its place: on its own line, or at the end of the line it ended.
//!
//! The result is checked to parse to the same syntax tree (spans aside) before it is returned.
//!
//! The parts: `doc` (the document model and its printer), `comments` (finding the comments and
//! placing them before the tokens), `layout` (the parse turned into a document, construct by
//! construct). This file holds the entry point and the check of the meaning.

use pest::Parser as _;

use super::ast::Span;
use super::parser::{Grammar, Rule};
use crate::diagnostic::Diagnostic;

mod comments;
mod doc;
mod layout;

/// The line width the layout aims at.
pub const WIDTH: usize = 100;

/// Formats a mapping file. A syntax error is returned as the parser's diagnostic.
pub fn format(src: &str) -> Result<String, Diagnostic> {
    let before = super::parse(src)?;
    let mut pairs = Grammar::parse(Rule::file, src).map_err(|_| internal("the grammar"))?;
    let file = pairs.next().ok_or_else(|| internal("an empty parse"))?;
    let out = doc::print(&layout::file(file, src), WIDTH);
    let after = super::parse(&out).map_err(|_| internal("output that does not parse"))?;
    if strip_spans(&format!("{before:?}")) != strip_spans(&format!("{after:?}")) {
        return Err(internal("output that means something else"));
    }
    Ok(out)
}

/// The error for a formatter bug: the file is left as it is.
fn internal(what: &str) -> Diagnostic {
    Diagnostic::error(
        crate::diagnostic::codes::SYNTAX,
        Span::default(),
        format!("internal formatter error: it produced {what}; the file is left as it is"),
    )
    .hint("please report this mapping file as a bug")
}

/// A syntax tree's debug text without its spans, to compare two trees.
pub fn strip_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(i) = rest.find("Span {") {
        out.push_str(&rest[..i]);
        match rest[i..].find('}') {
            Some(j) => rest = &rest[i + j + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The formatted text of `s`, which must parse (for the tests of every part).
    pub(super) fn fmt(s: &str) -> String {
        format(s).unwrap_or_else(|d| panic!("{}: {}", d.code, d.message))
    }

    #[test]
    fn idempotent_on_odd_layouts() {
        for src in [
            "let a = 1;let b = 2,let c = [1,2,3]",
            "lookup t by .k parent .p optional\nproducts from x group by .a where .b { id = match .s { \"a\" | \"b\" => 1, _ => 2 } }",
            "lookup  by_ref   from  t by .r\ninput t  lenient  ragged\nlookup t by .k",
            "products from x {\n  id = if .a { 1 } else if .b { 2 } else { 3 }\n  ... .attributi | omit([\"A\"])\n  where not .x and !.y\n  \"odd name\" = -1\n}",
        ] {
            let once = fmt(src);
            assert_eq!(fmt(&once), once, "not idempotent:\n{once}");
        }
    }

    #[test]
    fn named_elements_keep_their_comments_and_layout() {
        let src =
            "customers from c {\n  id = map(.a,x=>x.n)\n  e = .a[?x   =>  # why\n x.n == .k]\n}\n";
        let once = fmt(src);
        assert_eq!(
            once,
            "customers from c {\n  id = map(.a, x => x.n)\n  e  = .a[? x => x.n == .k]  # why\n}\n"
        );
        assert_eq!(fmt(&once), once);
        let long = "customers from c {\n  id = map(.righe, riga => {id: riga.codice, quantity: riga.quantita | int, price: riga.prezzo | decimal})\n}\n";
        let once = fmt(long);
        assert!(once.contains("map(.righe, riga => {\n"), "{once}");
        assert_eq!(fmt(&once), once);
    }

    #[test]
    fn syntax_errors_are_diagnostics() {
        let e = format("products from {").err();
        assert!(e.is_some_and(|d| d.code == "E001"));
    }

    #[test]
    fn strip_spans_drops_every_span() {
        assert_eq!(
            strip_spans(
                "Let { name: \"a\", span: Span { start: 0, end: 9 }, e: Num(Span { start: 4, end: 5 }) }"
            ),
            "Let { name: \"a\", span: , e: Num() }"
        );
        assert_eq!(strip_spans("Span { open"), "");
    }
}
