//! From the pest parse to a [`Doc`]: one function per construct, placing the comments before
//! each token as it goes.
//!
//! This file lays out the file and its blocks (statements one per line, blank lines kept, the
//! `=` of consecutive attributes aligned); `expr` lays out expressions, `items` the bracketed
//! constructs (lists, objects, argument lists).

use pest::iterators::Pair;

use super::comments::{Source, start};
use super::doc::{Doc, concat, group, nest, text, width_of};
use crate::syntax::parser::Rule;

mod expr;
mod items;

/// A parsed file (the pair of `Rule::file`) as a document.
pub(super) fn file<'s>(p: Pair<'s, Rule>, src: &'s str) -> Doc {
    Fmt::new(src).file(p)
}

/// Where a sequence of statements stands while it is laid out.
struct SeqState {
    /// The documents so far.
    out: Vec<Doc>,
    /// The end of the previous statement or comment line.
    prev_end: Option<usize>,
    /// The previous element was a block (a blank line follows it).
    prev_block: bool,
    /// The previous line was a statement (not a comment line).
    prev_item: bool,
    /// Inside a block: the first statement starts on a new line.
    in_block: bool,
    /// The previous statement: where a `;` after it goes in `out`, and whether it ends with a
    /// bare `.` (which a following name or string would continue: `. name` is `.name`).
    prev_stmt: Option<(usize, bool)>,
}

/// The layout of one file: the source and how far its comments are placed.
struct Fmt<'s> {
    src: Source<'s>,
}

impl<'s> Fmt<'s> {
    /// The layout of `src`, no comment placed yet.
    fn new(src: &'s str) -> Self {
        Fmt {
            src: Source::new(src),
        }
    }

    /// The file's items (`let`, `lookup`, blocks) one per line.
    fn file(&mut self, p: Pair<'s, Rule>) -> Doc {
        let items: Vec<Pair<Rule>> = p
            .into_inner()
            .filter(|c| {
                matches!(
                    c.as_rule(),
                    Rule::let_stmt
                        | Rule::lookup_decl
                        | Rule::fn_decl
                        | Rule::input_decl
                        | Rule::block
                )
            })
            .collect();
        let end = self.src.end();
        self.sequence(items, end, false, false)
    }

    /// Statements (or items) one per line, with the comments and blank lines between them.
    fn sequence(
        &mut self,
        elems: Vec<Pair<'s, Rule>>,
        end: usize,
        in_block: bool,
        align: bool,
    ) -> Doc {
        let widths = if align {
            self.alignment(&elems)
        } else {
            vec![0; elems.len()]
        };
        let mut st = SeqState {
            out: Vec::new(),
            prev_end: None,
            prev_block: false,
            prev_item: false,
            in_block,
            prev_stmt: None,
        };
        for (i, e) in elems.into_iter().enumerate() {
            let e_start = start(&e);
            self.comments_between(&mut st, e_start);
            let is_block = e.as_rule() == Rule::block;
            let force = st.prev_block || (is_block && st.prev_item);
            // The `;` stays where the next statement would otherwise continue the previous
            // one's expression (comments between them are whitespace too): `a = .x; -b = 1`
            // (`.x - b`), `id = .; name = .x` (`.name`).
            if let Some((at, bare_dot)) = st.prev_stmt
                && (bare_dot || e.as_str().starts_with('-'))
            {
                st.out.insert(at, text(";"));
            }
            self.separate(&mut st, force, e_start);
            let e_end = self.src.real_end(&e);
            let bare_dot = ends_with_bare_dot(&e);
            let doc = self.element(e, widths[i]);
            st.out.push(doc);
            st.prev_stmt = Some((st.out.len(), bare_dot));
            st.prev_end = Some(e_end);
            st.prev_block = is_block;
            st.prev_item = true;
        }
        self.comments_between(&mut st, end);
        concat(st.out)
    }

    /// The line break before a statement or comment line, and a blank line when the source has
    /// one there (or `force`).
    fn separate(&self, st: &mut SeqState, force: bool, at: usize) {
        if let Some(pe) = st.prev_end {
            st.out.push(Doc::HardLine);
            if force || self.src.blank_between(pe, at) {
                st.out.push(Doc::HardLine);
            }
        } else if st.in_block {
            st.out.push(Doc::HardLine);
        }
    }

    /// The comments before `upto` between statements: on lines of their own, or at the end of
    /// the previous statement's line.
    fn comments_between(&mut self, st: &mut SeqState, upto: usize) {
        while let Some(c) = self.src.next_before(upto) {
            let t = self.src.comment_text(&c);
            if !c.own_line {
                st.out.push(Doc::LineSuffix(format!("  {t}")));
                continue;
            }
            let force = st.prev_block;
            self.separate(st, force, c.start);
            st.out.push(text(t));
            st.prev_end = Some(c.end);
            st.prev_block = false;
            st.prev_item = false;
        }
    }

    /// The column width to pad attribute names to, per statement (0: no padding).
    fn alignment(&self, elems: &[Pair<Rule>]) -> Vec<usize> {
        let mut widths = vec![0; elems.len()];
        let mut section: Vec<usize> = Vec::new();
        let mut prev_end: Option<usize> = None;
        let close = |section: &mut Vec<usize>, widths: &mut Vec<usize>| {
            let w = section
                .iter()
                .map(|&i| width_of(assign_name(&elems[i])))
                .max()
                .unwrap_or(0);
            for &i in section.iter() {
                widths[i] = w;
            }
            section.clear();
        };
        for (i, e) in elems.iter().enumerate() {
            let s = start(e);
            // A blank line or a comment line ends a run of aligned attributes.
            let comment_line = prev_end.is_some_and(|pe| self.src.own_line_between(pe, s));
            if prev_end.is_some_and(|pe| self.src.blank_between(pe, s)) || comment_line {
                close(&mut section, &mut widths);
            }
            if e.as_rule() == Rule::assign {
                section.push(i);
            }
            // The end of the statement's own text, before a `,`/`;` separator: pest's span of a
            // statement runs over the comments between its expression and its separator, and a
            // comment line there ends the run as much as one after the separator does.
            let own = e.clone().into_inner().last();
            prev_end = Some(own.map_or_else(|| self.src.real_end(e), |p| self.src.real_end(&p)));
        }
        close(&mut section, &mut widths);
        widths
    }

    /// One statement or item; `width`: the column to pad an attribute name to.
    fn element(&mut self, e: Pair<'s, Rule>, width: usize) -> Doc {
        match e.as_rule() {
            Rule::let_stmt => self.let_stmt(e),
            Rule::lookup_decl => self.lookup(e),
            Rule::input_decl => {
                let mut parts = Vec::new();
                for c in e.into_inner() {
                    if !parts.is_empty() {
                        parts.push(text(" "));
                    }
                    parts.push(self.src.ptok(&c));
                }
                concat(parts)
            }
            Rule::fn_decl => self.fn_decl(e),
            Rule::block => self.block(e),
            Rule::assign => self.assign(e, width),
            Rule::where_stmt => {
                let mut parts = Vec::new();
                for c in e.into_inner() {
                    match c.as_rule() {
                        Rule::kw_where => parts.push(self.src.ptok(&c)),
                        Rule::expr => {
                            parts.push(text(" "));
                            parts.push(self.expr(c));
                        }
                        _ => {}
                    }
                }
                concat(parts)
            }
            Rule::spread => {
                let st = start(&e);
                let mut parts = vec![self.src.tok(st, "...")];
                for c in e.into_inner() {
                    if c.as_rule() == Rule::expr {
                        parts.push(text(" "));
                        parts.push(self.expr(c));
                    }
                }
                concat(parts)
            }
            _ => text(e.as_str().trim()),
        }
    }

    /// `let name = expr`.
    fn let_stmt(&mut self, e: Pair<'s, Rule>) -> Doc {
        let mut parts = Vec::new();
        for c in e.into_inner() {
            match c.as_rule() {
                Rule::kw_let => parts.push(self.src.ptok(&c)),
                Rule::ident => {
                    parts.push(text(" "));
                    parts.push(self.src.ptok(&c));
                    parts.push(text(" = "));
                }
                Rule::expr => parts.push(self.expr(c)),
                _ => {}
            }
        }
        concat(parts)
    }

    /// `fn name(a, b) = expr`.
    fn fn_decl(&mut self, e: Pair<'s, Rule>) -> Doc {
        let mut parts = Vec::new();
        for c in e.into_inner() {
            match c.as_rule() {
                Rule::kw_fn => parts.push(self.src.ptok(&c)),
                Rule::ident => {
                    parts.push(text(" "));
                    parts.push(self.src.ptok(&c));
                }
                Rule::fn_params => parts.push(self.fn_params(c)),
                Rule::fn_body => {
                    parts.push(text(" = "));
                    if let Some(body) = c.into_inner().find(|x| x.as_rule() == Rule::expr) {
                        parts.push(self.expr(body));
                    }
                }
                _ => {}
            }
        }
        concat(parts)
    }

    /// `lookup name by expr [parent expr] [optional]`.
    fn lookup(&mut self, e: Pair<'s, Rule>) -> Doc {
        let mut parts = Vec::new();
        for c in e.into_inner() {
            match c.as_rule() {
                Rule::kw_lookup => parts.push(self.src.ptok(&c)),
                Rule::ident => {
                    parts.push(text(" "));
                    parts.push(self.src.ptok(&c));
                }
                Rule::kw_by => {
                    parts.push(text(" "));
                    parts.push(self.src.ptok(&c));
                }
                Rule::from_clause => {
                    for x in c.into_inner() {
                        parts.push(text(" "));
                        parts.push(self.src.ptok(&x));
                    }
                }
                Rule::expr => {
                    parts.push(text(" "));
                    parts.push(self.expr(c));
                }
                Rule::parent_clause => {
                    for x in c.into_inner() {
                        match x.as_rule() {
                            Rule::kw_parent => {
                                parts.push(text(" "));
                                parts.push(self.src.ptok(&x));
                            }
                            Rule::expr => {
                                parts.push(text(" "));
                                parts.push(self.expr(x));
                            }
                            _ => {}
                        }
                    }
                }
                Rule::optional => {
                    parts.push(text(" "));
                    parts.push(self.src.tok(start(&c), "optional"));
                }
                _ => {}
            }
        }
        concat(parts)
    }

    /// `entity from source [group by expr] [where expr] { statements }`: the clauses go to
    /// lines of their own when the head does not fit.
    fn block(&mut self, e: Pair<'s, Rule>) -> Doc {
        let close = e.as_span().end().saturating_sub(1);
        let mut head = Vec::new();
        let mut clauses = Vec::new();
        let mut stmts = Vec::new();
        for c in e.into_inner() {
            match c.as_rule() {
                Rule::entity => head.push(self.src.ptok(&c)),
                Rule::kw_from => {
                    head.push(text(" "));
                    head.push(self.src.ptok(&c));
                }
                Rule::ident => {
                    head.push(text(" "));
                    head.push(self.src.ptok(&c));
                }
                Rule::group_clause | Rule::where_clause => {
                    let mut parts = vec![self.src.flush_trailing(start(&c)), Doc::Line];
                    let mut first_kw = true;
                    for x in c.into_inner() {
                        match x.as_rule() {
                            Rule::kw_group | Rule::kw_by | Rule::kw_each | Rule::kw_where => {
                                if !first_kw {
                                    parts.push(text(" "));
                                }
                                first_kw = false;
                                parts.push(self.src.ptok(&x));
                            }
                            Rule::expr => {
                                parts.push(text(" "));
                                parts.push(self.expr(x));
                            }
                            Rule::fill_down => {
                                for kw in x.into_inner() {
                                    parts.push(text(" "));
                                    parts.push(self.src.ptok(&kw));
                                }
                            }
                            _ => {}
                        }
                    }
                    clauses.push(concat(parts));
                }
                _ => stmts.push(c),
            }
        }
        head.push(nest(concat(clauses)));
        head.push(text(" {"));
        let body = self.sequence(stmts, close, true, true);
        let closing = self.src.tok(close, "}");
        concat(vec![
            group(concat(head)),
            nest(body),
            Doc::HardLine,
            closing,
        ])
    }

    /// `name = expr`, the name padded to `width`.
    fn assign(&mut self, e: Pair<'s, Rule>, width: usize) -> Doc {
        let mut parts = Vec::new();
        for c in e.into_inner() {
            match c.as_rule() {
                Rule::attr_name => {
                    let name = c.as_str().trim();
                    let pad = width.saturating_sub(width_of(name));
                    parts.push(self.src.tok(start(&c), name));
                    parts.push(text(format!("{} = ", " ".repeat(pad))));
                }
                Rule::expr => parts.push(self.expr(c)),
                _ => {}
            }
        }
        concat(parts)
    }
}

/// Whether a statement or item ends with a bare `.` (the current record, no name after it).
fn ends_with_bare_dot(p: &Pair<Rule>) -> bool {
    let Some(last) = p.clone().into_inner().last() else {
        return false;
    };
    match last.as_rule() {
        Rule::parent_clause => ends_with_bare_dot(&last),
        // An expression ends with its last postfix expression: a bare `.` is one alone.
        Rule::expr => last.into_inner().last().is_some_and(|post| {
            let mut parts = post.into_inner();
            matches!(
                (parts.next(), parts.next()),
                (Some(root), None) if root.as_rule() == Rule::root && root.clone().into_inner().next().is_none()
            )
        }),
        _ => false,
    }
}

/// The attribute name of an `assign` statement.
fn assign_name<'a>(p: &Pair<'a, Rule>) -> &'a str {
    p.clone()
        .into_inner()
        .find(|c| c.as_rule() == Rule::attr_name)
        .map_or("", |c| c.as_str().trim())
}

#[cfg(test)]
mod tests {
    use crate::syntax::format::tests::fmt;

    /// Found by the `fmt` fuzz target: a comment line between a statement and the separator
    /// before the next one ended the run of aligned attributes only once the separator was gone,
    /// so formatting twice changed the layout.
    #[test]
    fn a_comment_before_a_separator_ends_the_aligned_run_at_once() {
        let src = "products from a {\n  id = .id\n  where true\n  # a comment line\n , description = .d\n}\n";
        let once = fmt(src);
        assert!(once.contains("  id = .id\n"), "{once}");
        assert_eq!(fmt(&once), once);
    }

    #[test]
    fn aligns_attributes_and_keeps_comments() {
        let src = "# head\nlet site=var(\"site_url\",\"x\")\nproducts from articoli where .pubblicato==\"SI\" { id=.codice # the code\n  # price next\n  price = .prezzo|decimal;name=.titolo\n\n  long_name = 1 }\n";
        assert_eq!(
            fmt(src),
            "# head\nlet site = var(\"site_url\", \"x\")\n\nproducts from articoli where .pubblicato == \"SI\" {\n  id = .codice  # the code\n  # price next\n  price = .prezzo | decimal\n  name  = .titolo\n\n  long_name = 1\n}\n"
        );
    }

    #[test]
    fn a_statement_starting_with_minus_keeps_its_semicolon() {
        let src = "products from a { id = .x; -b = 1 }";
        assert_eq!(fmt(src), "products from a {\n  id = .x;\n  -b = 1\n}\n");
        // A comment line between them is whitespace too: the `;` stays after the statement.
        let src = "products from a { id = .x;\n# c\n-b = 1 }";
        assert_eq!(
            fmt(src),
            "products from a {\n  id = .x;\n  # c\n  -b = 1\n}\n"
        );
    }

    /// Issue 10: `id = .,` was accepted by `check` but `fmt` dropped the `,`, and `. name` is
    /// `.name`: "internal formatter error".
    #[test]
    fn a_bare_dot_keeps_its_separator() {
        for (src, want) in [
            (
                "products from a { id = ., name = .x }",
                "products from a {\n  id   = .;\n  name = .x\n}\n",
            ),
            (
                "products from a {\n  id = .,\n  # c\n  \"x\" = 1\n  where .\n}\n",
                "products from a {\n  id = .;\n  # c\n  \"x\" = 1\n  where .\n}\n",
            ),
            (
                "let a = .;\nlookup t by .k parent .,\nproducts from t { id = . }",
                "let a = .;\nlookup t by .k parent .;\n\nproducts from t {\n  id = .\n}\n",
            ),
        ] {
            assert_eq!(fmt(src), want, "{src}");
            assert_eq!(fmt(want), want, "not idempotent: {want}");
        }
    }
}
