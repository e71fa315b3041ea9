//! `clerkmap fmt`: one canonical layout for mapping files.
//!
//! The formatter works from the pest parse (tokens as written: strings, numbers, `and` or `&&`
//! stay as they are) plus the comments found between tokens, so comments are kept. The layout
//! is computed by a Wadler-style pretty printer at [`WIDTH`] columns:
//!
//! - one item per line at file level, one statement per line in a block (indented by 2);
//!   blank lines between statements are kept (at most one), and a block is separated from its
//!   neighbours by one; `;`/`,` statement separators are dropped;
//! - in a block, the `=` of consecutive attributes (a run not broken by a blank line) line up;
//! - an expression that does not fit breaks at its outermost operator chain first, with the
//!   continuation lines (`?? ...`, `| f(...)`, `or ...`) aligned under its first operand;
//!   lists, objects, argument lists and `match` arms go one per line with a trailing comma; an
//!   object or list as the last argument stays on the call's line (`map(.righe, {`);
//! - a comment keeps its place: on its own line, or at the end of the line it ended.
//!
//! The result is checked to parse to the same syntax tree (spans aside) before it is returned.

use pest::Parser as _;
use pest::iterators::Pair;

use super::ast::Span;
use super::parser::{Grammar, Rule, pratt};
use crate::diagnostic::Diagnostic;

mod comments;
mod doc;

use comments::{Source, start};
use doc::{Doc, align, concat, flat_text, forces_break, group, nest, print, text, width_of};

/// The line width the layout aims at.
pub const WIDTH: usize = 100;

/// Formats a mapping file. A syntax error is returned as the parser's diagnostic.
pub fn format(src: &str) -> Result<String, Diagnostic> {
    let before = super::parse(src)?;
    let mut pairs = Grammar::parse(Rule::file, src).map_err(|_| internal("the grammar"))?;
    let file = pairs.next().ok_or_else(|| internal("an empty parse"))?;
    let out = layout(file, src);
    let after = super::parse(&out).map_err(|_| internal("output that does not parse"))?;
    if strip_spans(&format!("{before:?}")) != strip_spans(&format!("{after:?}")) {
        return Err(internal("output that means something else"));
    }
    Ok(out)
}

fn layout(file: Pair<Rule>, src: &str) -> String {
    let mut f = Fmt::new(src);
    let doc = f.file(file);
    print(&doc, WIDTH)
}

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

// ---------------------------------------------------------------------------------------------
// From the parse to a document
// ---------------------------------------------------------------------------------------------

fn level(r: Rule) -> u8 {
    match r {
        Rule::coalesce => 1,
        Rule::or => 2,
        Rule::and => 3,
        Rule::eq | Rule::ne | Rule::lt | Rule::le | Rule::gt | Rule::ge => 4,
        Rule::concat => 5,
        Rule::add | Rule::sub => 6,
        _ => 7,
    }
}

/// An expression rebuilt with its operator structure.
enum F<'i> {
    Post(Pair<'i, Rule>),
    Prefix(Pair<'i, Rule>, Box<F<'i>>),
    Bin(Pair<'i, Rule>, Box<F<'i>>, Box<F<'i>>),
}

impl F<'_> {
    fn start(&self) -> usize {
        match self {
            F::Post(p) | F::Prefix(p, _) => p.as_span().start(),
            F::Bin(_, l, _) => l.start(),
        }
    }
}

/// Where a sequence of statements stands while it is laid out.
struct SeqState {
    out: Vec<Doc>,
    /// The end of the previous statement or comment line.
    prev_end: Option<usize>,
    prev_block: bool,
    prev_item: bool,
    in_block: bool,
}

struct Fmt<'s> {
    src: Source<'s>,
}

impl<'s> Fmt<'s> {
    fn new(src: &'s str) -> Self {
        Fmt {
            src: Source::new(src),
        }
    }

    // ---- file and blocks ----

    fn file(&mut self, p: Pair<'s, Rule>) -> Doc {
        let items: Vec<Pair<Rule>> = p
            .into_inner()
            .filter(|c| {
                matches!(
                    c.as_rule(),
                    Rule::let_stmt | Rule::lookup_decl | Rule::block
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
        };
        for (i, e) in elems.into_iter().enumerate() {
            let e_start = start(&e);
            self.comments_between(&mut st, e_start);
            let is_block = e.as_rule() == Rule::block;
            let force = st.prev_block || (is_block && st.prev_item);
            // `a = .x; -b = 1`: without the `;` the `-` would continue the expression above.
            if st.prev_item && e.as_str().starts_with('-') {
                st.out.push(text(";"));
            }
            self.separate(&mut st, force, e_start);
            let e_end = self.src.real_end(&e);
            let doc = self.element(e, widths[i]);
            st.out.push(doc);
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
            prev_end = Some(self.src.real_end(e));
        }
        close(&mut section, &mut widths);
        widths
    }

    fn element(&mut self, e: Pair<'s, Rule>, width: usize) -> Doc {
        match e.as_rule() {
            Rule::let_stmt => self.let_stmt(e),
            Rule::lookup_decl => self.lookup(e),
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
                            Rule::kw_group | Rule::kw_by | Rule::kw_where => {
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

    // ---- expressions ----

    fn expr(&mut self, p: Pair<'s, Rule>) -> Doc {
        let tree = pratt()
            .map_primary(F::Post)
            .map_prefix(|op, rhs| F::Prefix(op, Box::new(rhs)))
            .map_infix(|l, op, r| F::Bin(op, Box::new(l), Box::new(r)))
            .parse(p.into_inner());
        self.f(tree)
    }

    fn f(&mut self, f: F<'s>) -> Doc {
        match f {
            F::Post(p) => self.postfix(p),
            F::Prefix(op, x) => {
                let t = if op.as_rule() == Rule::neg {
                    "-"
                } else if self.src.own_text(&op) == "!" {
                    "!"
                } else {
                    "not "
                };
                let o = self.src.tok(start(&op), t);
                concat(vec![o, self.f(*x)])
            }
            F::Bin(op, l, r) => {
                let lvl = level(op.as_rule());
                // Flatten a left-associated chain of one precedence level.
                let mut rest: Vec<(Pair<'s, Rule>, F<'s>)> = vec![(op, *r)];
                let mut first = *l;
                loop {
                    match first {
                        F::Bin(op2, l2, r2) if level(op2.as_rule()) == lvl => {
                            rest.push((op2, *r2));
                            first = *l2;
                        }
                        other => {
                            first = other;
                            break;
                        }
                    }
                }
                rest.reverse();
                let mut parts = vec![self.f(first)];
                for (op, operand) in rest {
                    let op_at = start(&op);
                    // A comment after the operator goes before the break, with the operand
                    // before it: `a  # c` then `+ b`.
                    parts.push(self.src.flush_trailing(operand.start()));
                    parts.push(Doc::Line);
                    let op_text = self.src.own_text(&op);
                    parts.push(self.src.tok(op_at, &op_text));
                    parts.push(text(" "));
                    parts.push(self.f(operand));
                }
                group(align(concat(parts)))
            }
        }
    }

    fn postfix(&mut self, p: Pair<'s, Rule>) -> Doc {
        let mut it = p.into_inner();
        let Some(first) = it.next() else {
            return Doc::Nil;
        };
        let mut segments: Vec<Vec<Doc>> = vec![vec![self.primary(first)]];
        for op in it {
            match op.as_rule() {
                Rule::pipe => {
                    let at = start(&op);
                    let callee_at = op.clone().into_inner().next().map_or(at, |c| start(&c));
                    let mut seg = vec![
                        self.src.flush_trailing(callee_at),
                        Doc::Line,
                        self.src.tok(at, "| "),
                    ];
                    for c in op.into_inner() {
                        match c.as_rule() {
                            Rule::callee => seg.push(self.src.ptok(&c)),
                            Rule::call_args => seg.push(self.call_args(c)),
                            _ => {}
                        }
                    }
                    segments.push(seg);
                }
                _ => {
                    let d = self.postfix_op(op);
                    if let Some(seg) = segments.last_mut() {
                        seg.push(d);
                    }
                }
            }
        }
        if segments.len() == 1 {
            return concat(segments.pop().unwrap_or_default());
        }
        group(align(concat(segments.into_iter().flatten().collect())))
    }

    fn postfix_op(&mut self, op: Pair<'s, Rule>) -> Doc {
        let at = start(&op);
        let close = op.as_span().end().saturating_sub(1);
        match op.as_rule() {
            Rule::field => {
                // Comments inside the token (`. # c` newline `name`) go before it.
                let end = self.src.real_end(&op);
                let name = op
                    .into_inner()
                    .next()
                    .map(|n| n.as_str().to_string())
                    .unwrap_or_default();
                self.src.tok(end, &format!(".{name}"))
            }
            Rule::wildcard => {
                let end = self.src.real_end(&op);
                self.src.tok(end, "[*]")
            }
            Rule::filter => {
                let open = self.src.tok(at, "[? ");
                let inner = op
                    .into_inner()
                    .next()
                    .map(|e| self.expr(e))
                    .unwrap_or(Doc::Nil);
                let c = self.src.tok(close, "]");
                concat(vec![open, inner, c])
            }
            Rule::index => {
                let open = self.src.tok(at, "[");
                let inner = op
                    .into_inner()
                    .next()
                    .map(|e| self.expr(e))
                    .unwrap_or(Doc::Nil);
                let c = self.src.tok(close, "]");
                concat(vec![open, inner, c])
            }
            _ => self.src.ptok(&op),
        }
    }

    fn primary(&mut self, p: Pair<'s, Rule>) -> Doc {
        let at = start(&p);
        let close = p.as_span().end().saturating_sub(1);
        match p.as_rule() {
            Rule::null | Rule::bool | Rule::number | Rule::string | Rule::ident => {
                self.src.ptok(&p)
            }
            Rule::root => {
                let end = self.src.real_end(&p);
                match p.into_inner().next() {
                    None => self.src.tok(end, "."),
                    Some(n) => self.src.tok(end, &format!(".{}", n.as_str())),
                }
            }
            Rule::paren => {
                let open = self.src.tok(at, "(");
                let inner = p
                    .into_inner()
                    .next()
                    .map(|e| self.expr(e))
                    .unwrap_or(Doc::Nil);
                let c = self.src.tok(close, ")");
                concat(vec![open, align(inner), c])
            }
            Rule::call => {
                let mut parts = Vec::new();
                for c in p.into_inner() {
                    match c.as_rule() {
                        Rule::callee => parts.push(self.src.ptok(&c)),
                        Rule::call_args => parts.push(self.call_args(c)),
                        _ => {}
                    }
                }
                concat(parts)
            }
            Rule::list => {
                let items: Vec<Pair<Rule>> = p.into_inner().collect();
                let open = self.src.tok(at, "[");
                let literals = items.len() > 1 && items.iter().all(is_literal);
                let (body, _) = self.items(items, close, |f, e| f.expr(e));
                if literals
                    && matches!(body.tail, Doc::Nil)
                    && body.trails.iter().all(|t| matches!(t, Doc::Nil))
                    && let Some(texts) = body.docs.iter().map(flat_text).collect::<Option<Vec<_>>>()
                {
                    let closing = self.src.tok(close, "]");
                    let fill = Doc::Fill(texts);
                    let comma = Doc::IfBreak(Box::new(text(",")), Box::new(Doc::Nil));
                    return group(concat(vec![
                        open,
                        body.head.clone(),
                        nest(concat(vec![Doc::SoftLine, fill, comma])),
                        Doc::SoftLine,
                        closing,
                    ]));
                }
                self.bracketed(open, body, close, "]", false)
            }
            Rule::object => {
                let items: Vec<Pair<Rule>> = p.into_inner().collect();
                let open = self.src.tok(at, "{");
                let (body, _) = self.items(items, close, |f, e| f.entry(e));
                self.bracketed(open, body, close, "}", true)
            }
            Rule::if_expr => self.if_expr(p),
            Rule::match_expr => self.match_expr(p),
            _ => self.src.ptok(&p),
        }
    }

    fn entry(&mut self, e: Pair<'s, Rule>) -> Doc {
        let mut parts = Vec::new();
        for c in e.into_inner() {
            match c.as_rule() {
                Rule::expr => {
                    parts.push(text(": "));
                    parts.push(self.expr(c));
                }
                _ => parts.push(self.src.ptok(&c)),
            }
        }
        concat(parts)
    }

    /// The items of a list-like construct: each item's document and what follows it (its
    /// trailing comments), then the comments before the closing bracket.
    #[allow(clippy::type_complexity)]
    fn items(
        &mut self,
        items: Vec<Pair<'s, Rule>>,
        close: usize,
        mut each: impl FnMut(&mut Self, Pair<'s, Rule>) -> Doc,
    ) -> (Items, Vec<bool>) {
        let starts: Vec<usize> = items.iter().map(start).collect();
        // A comment right after the opening bracket stays on its line.
        let head = self
            .src
            .flush_trailing(starts.first().copied().unwrap_or(close));
        let mut docs = Vec::new();
        let mut trails = Vec::new();
        let mut hug = Vec::new();
        let n = items.len();
        for (i, item) in items.into_iter().enumerate() {
            hug.push(huggable(&item));
            docs.push(each(self, item));
            let next = if i + 1 < n { starts[i + 1] } else { close };
            trails.push(self.src.flush_trailing(next));
        }
        let tail = self.src.flush(close);
        (
            Items {
                head,
                docs,
                trails,
                tail,
            },
            hug,
        )
    }

    /// `open items close`: flat `[a, b]` (`{ a, b }` when `spaced`), or one item per line with a
    /// trailing comma.
    fn bracketed(
        &mut self,
        open: Doc,
        body: Items,
        close: usize,
        close_s: &str,
        spaced: bool,
    ) -> Doc {
        let closing = self.src.tok(close, close_s);
        if body.docs.is_empty() && matches!(body.tail, Doc::Nil) && matches!(body.head, Doc::Nil) {
            return concat(vec![open, closing]);
        }
        let edge = if spaced { Doc::Line } else { Doc::SoftLine };
        group(concat(vec![
            open,
            body.head.clone(),
            nest(concat(vec![edge.clone(), body.list()])),
            edge,
            closing,
        ]))
    }

    fn call_args(&mut self, p: Pair<'s, Rule>) -> Doc {
        let at = start(&p);
        let close = p.as_span().end().saturating_sub(1);
        let items: Vec<Pair<Rule>> = p.into_inner().collect();
        let open = self.src.tok(at, "(");
        let (body, hug) = self.items(items, close, |f, e| f.expr(e));
        let closing = self.src.tok(close, ")");
        if body.docs.is_empty() && matches!(body.tail, Doc::Nil) && matches!(body.head, Doc::Nil) {
            return concat(vec![open, closing]);
        }
        let broken = concat(vec![
            open.clone(),
            body.head.clone(),
            nest(concat(vec![Doc::SoftLine, body.list()])),
            Doc::SoftLine,
            closing.clone(),
        ]);
        // The last argument an object or list: keep it on the call's line when the others fit.
        let n = body.docs.len();
        let clean_tail = matches!(body.tail, Doc::Nil)
            && matches!(body.head, Doc::Nil)
            && body.trails.iter().all(|t| matches!(t, Doc::Nil));
        if n > 0 && hug[n - 1] && clean_tail && !forces_break(&open) {
            let mut prefix = String::new();
            let mut ok = true;
            for d in &body.docs[..n - 1] {
                match flat_text(d) {
                    Some(s) => {
                        prefix.push_str(&s);
                        prefix.push_str(", ");
                    }
                    None => ok = false,
                }
            }
            if ok {
                let last = body.docs[n - 1].clone();
                let hugged = concat(vec![open, text(prefix), last, closing]);
                let forced = forces_break(&broken);
                let states = if forced {
                    vec![hugged.clone(), hugged, broken]
                } else {
                    vec![broken.clone(), hugged, broken]
                };
                return Doc::Choice(states, forced);
            }
        }
        group(broken)
    }

    fn if_expr(&mut self, p: Pair<'s, Rule>) -> Doc {
        let mut parts = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::kw_if => parts.push(self.src.ptok(&c)),
                Rule::expr => {
                    parts.push(text(" "));
                    parts.push(self.expr(c));
                }
                Rule::then_block => {
                    parts.push(text(" "));
                    parts.push(self.then_block(c));
                }
                Rule::kw_else => {
                    parts.push(text(" "));
                    parts.push(self.src.ptok(&c));
                }
                Rule::if_expr => {
                    parts.push(text(" "));
                    parts.push(self.if_expr(c));
                }
                _ => {}
            }
        }
        group(concat(parts))
    }

    fn then_block(&mut self, p: Pair<'s, Rule>) -> Doc {
        let at = start(&p);
        let close = p.as_span().end().saturating_sub(1);
        let open = self.src.tok(at, "{");
        let inner = p.into_inner().next();
        let open_trail = self.src.flush_trailing(inner.as_ref().map_or(close, start));
        let inner = inner.map(|e| self.expr(e)).unwrap_or(Doc::Nil);
        let tail = self.src.flush(close);
        let c = self.src.tok(close, "}");
        concat(vec![
            open,
            open_trail,
            nest(concat(vec![Doc::Line, inner, tail])),
            Doc::Line,
            c,
        ])
    }

    fn match_expr(&mut self, p: Pair<'s, Rule>) -> Doc {
        let close = p.as_span().end().saturating_sub(1);
        let mut head = Vec::new();
        let mut arms = Vec::new();
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::kw_match => head.push(self.src.ptok(&c)),
                Rule::expr => {
                    head.push(text(" "));
                    head.push(self.expr(c));
                    head.push(text(" {"));
                }
                Rule::arm => arms.push(c),
                _ => {}
            }
        }
        let (body, _) = self.items(arms, close, |f, a| f.arm(a));
        let closing = self.src.tok(close, "}");
        if body.docs.is_empty() && matches!(body.tail, Doc::Nil) && matches!(body.head, Doc::Nil) {
            return concat(vec![concat(head), closing]);
        }
        group(concat(vec![
            concat(head),
            body.head.clone(),
            nest(concat(vec![Doc::Line, body.list()])),
            Doc::Line,
            closing,
        ]))
    }

    fn arm(&mut self, a: Pair<'s, Rule>) -> Doc {
        let mut parts = Vec::new();
        for c in a.into_inner() {
            match c.as_rule() {
                Rule::pattern => {
                    let mut first = true;
                    for l in c.into_inner() {
                        if !first {
                            parts.push(text(" | "));
                        }
                        first = false;
                        parts.push(self.src.ptok(&l));
                    }
                }
                Rule::expr => {
                    parts.push(text(" => "));
                    parts.push(self.expr(c));
                }
                _ => {}
            }
        }
        concat(parts)
    }
}

/// The items of a bracketed construct.
struct Items {
    /// Trailing comments after the opening bracket.
    head: Doc,
    docs: Vec<Doc>,
    /// Trailing comments after each item (before the next one).
    trails: Vec<Doc>,
    /// Comments before the closing bracket.
    tail: Doc,
}

impl Items {
    /// `a, b, c` flat; one per line with a trailing comma when broken.
    fn list(&self) -> Doc {
        let n = self.docs.len();
        let mut parts = Vec::new();
        for (i, (d, t)) in self
            .docs
            .iter()
            .cloned()
            .zip(self.trails.iter().cloned())
            .enumerate()
        {
            parts.push(d);
            if i + 1 < n {
                parts.push(text(","));
                parts.push(t);
                parts.push(Doc::Line);
            } else {
                parts.push(Doc::IfBreak(Box::new(text(",")), Box::new(Doc::Nil)));
                parts.push(t);
            }
        }
        parts.push(self.tail.clone());
        concat(parts)
    }
}

/// Whether an argument is an object or list literal (kept on the call's line when last).
fn huggable(p: &Pair<Rule>) -> bool {
    if p.as_rule() != Rule::expr {
        return false;
    }
    let mut inner = p.clone().into_inner();
    let (Some(post), None) = (inner.next(), inner.next()) else {
        return false;
    };
    if post.as_rule() != Rule::postfix {
        return false;
    }
    let mut parts = post.into_inner();
    let (Some(prim), None) = (parts.next(), parts.next()) else {
        return false;
    };
    match prim.as_rule() {
        Rule::object | Rule::match_expr | Rule::if_expr => true,
        Rule::list => prim.into_inner().next().is_some(),
        _ => false,
    }
}

/// Whether an expression is a lone literal (a string, number, bool or null).
fn is_literal(p: &Pair<Rule>) -> bool {
    let mut inner = p.clone().into_inner();
    let (Some(post), None) = (inner.next(), inner.next()) else {
        return false;
    };
    let mut parts = post.into_inner();
    let (Some(prim), None) = (parts.next(), parts.next()) else {
        return false;
    };
    matches!(
        prim.as_rule(),
        Rule::string | Rule::number | Rule::bool | Rule::null
    )
}

fn assign_name<'a>(p: &Pair<'a, Rule>) -> &'a str {
    p.clone()
        .into_inner()
        .find(|c| c.as_rule() == Rule::attr_name)
        .map_or("", |c| c.as_str().trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        format(s).unwrap_or_else(|d| panic!("{}: {}", d.code, d.message))
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
    fn breaks_long_chains_and_hugs_last_objects() {
        let src = "orders from o {\n  customer = .cliente ?? (if collect_emails { nonempty(.email) } else { null }) ?? error(\"the order has neither a customer id nor an email\")\n  products = map(.righe, { id: .codice, quantity: .quantita | int, price: .prezzo | decimal, note: \"a long note\" })\n}\n";
        assert_eq!(
            fmt(src),
            "orders from o {\n  customer = .cliente\n             ?? (if collect_emails { nonempty(.email) } else { null })\n             ?? error(\"the order has neither a customer id nor an email\")\n  products = map(.righe, {\n    id: .codice,\n    quantity: .quantita | int,\n    price: .prezzo | decimal,\n    note: \"a long note\",\n  })\n}\n"
        );
    }

    #[test]
    fn comments_inside_expressions_stay() {
        let src = "products from a {\n  id = .codice\n  x = [\n    1, # one\n    # two next\n    2,\n  ]\n}\n";
        let out = fmt(src);
        assert_eq!(
            out,
            "products from a {\n  id = .codice\n  x  = [\n    1,  # one\n    # two next\n    2,\n  ]\n}\n"
        );
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn idempotent_on_odd_layouts() {
        for src in [
            "let a = 1;let b = 2,let c = [1,2,3]",
            "lookup t by .k parent .p optional\nproducts from x group by .a where .b { id = match .s { \"a\" | \"b\" => 1, _ => 2 } }",
            "products from x {\n  id = if .a { 1 } else if .b { 2 } else { 3 }\n  ... .attributi | omit([\"A\"])\n  where not .x and !.y\n  \"odd name\" = -1\n}",
        ] {
            let once = fmt(src);
            assert_eq!(fmt(&once), once, "not idempotent:\n{once}");
        }
    }

    #[test]
    fn syntax_errors_are_diagnostics() {
        let e = format("products from {").err();
        assert!(e.is_some_and(|d| d.code == "E001"));
    }
}
