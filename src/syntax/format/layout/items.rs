//! Bracketed constructs: list, object and argument-list items one per line with a trailing
//! comma when they do not fit, the comments between them kept, and a last object or list
//! argument hugged on the call's line.

use pest::iterators::Pair;

use super::Fmt;
use crate::syntax::format::comments::start;
use crate::syntax::format::doc::{Doc, concat, flat_text, forces_break, group, nest, text};
use crate::syntax::parser::Rule;

impl<'s> Fmt<'s> {
    /// A list: `[a, b]`, or one item per line; literals fill the lines as they fit.
    pub(super) fn list(&mut self, p: Pair<'s, Rule>) -> Doc {
        let at = start(&p);
        let close = p.as_span().end().saturating_sub(1);
        let items: Vec<Pair<Rule>> = p.into_inner().collect();
        let open = self.src.tok(at, "[");
        let literals = items.len() > 1 && items.iter().all(is_literal);
        let body = self.items(items, close, |f, e| f.expr(e));
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

    /// An object: `{ a: 1, b: 2 }`, or one entry per line.
    pub(super) fn object(&mut self, p: Pair<'s, Rule>) -> Doc {
        let at = start(&p);
        let close = p.as_span().end().saturating_sub(1);
        let items: Vec<Pair<Rule>> = p.into_inner().collect();
        let open = self.src.tok(at, "{");
        let body = self.items(items, close, |f, e| f.entry(e));
        self.bracketed(open, body, close, "}", true)
    }

    /// An object entry: `key: value`.
    fn entry(&mut self, e: Pair<'s, Rule>) -> Doc {
        let mut parts = Vec::new();
        for c in e.into_inner() {
            match c.as_rule() {
                Rule::expr => {
                    parts.push(text(": "));
                    parts.push(self.expr(c));
                }
                Rule::computed_key => {
                    let at = start(&c);
                    let close = c.as_span().end().saturating_sub(1);
                    parts.push(self.src.tok(at, "("));
                    if let Some(k) = c.into_inner().next() {
                        parts.push(self.expr(k));
                    }
                    parts.push(self.src.tok(close, ")"));
                }
                _ => parts.push(self.src.ptok(&c)),
            }
        }
        concat(parts)
    }

    /// The items of a list-like construct: each item's document and what follows it (its
    /// trailing comments), then the comments before the closing bracket.
    pub(super) fn items(
        &mut self,
        items: Vec<Pair<'s, Rule>>,
        close: usize,
        mut each: impl FnMut(&mut Self, Pair<'s, Rule>) -> Doc,
    ) -> Items {
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
        Items {
            head,
            docs,
            hug,
            trails,
            tail,
        }
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
        if body.is_empty() {
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

    /// A function's parameters: `(a, b)`, or one per line.
    pub(super) fn fn_params(&mut self, p: Pair<'s, Rule>) -> Doc {
        let at = start(&p);
        let close = p.as_span().end().saturating_sub(1);
        let items: Vec<Pair<Rule>> = p.into_inner().collect();
        let open = self.src.tok(at, "(");
        let body = self.items(items, close, |f, e| f.src.ptok(&e));
        self.bracketed(open, body, close, ")", false)
    }

    /// An argument list: `(a, b)`, or one argument per line, or `(a, {` with a last object
    /// or list argument hugged.
    pub(super) fn call_args(&mut self, p: Pair<'s, Rule>) -> Doc {
        let at = start(&p);
        let close = p.as_span().end().saturating_sub(1);
        let items: Vec<Pair<Rule>> = p.into_inner().collect();
        let open = self.src.tok(at, "(");
        let body = self.items(items, close, |f, e| f.arg(e));
        let closing = self.src.tok(close, ")");
        if body.is_empty() {
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
        if n > 0 && body.hug[n - 1] && clean_tail && !forces_break(&open) {
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
}

/// The items of a bracketed construct.
pub(super) struct Items {
    /// Trailing comments after the opening bracket.
    pub(super) head: Doc,
    /// The items.
    pub(super) docs: Vec<Doc>,
    /// Per item: an object or list literal (see [`huggable`]).
    pub(super) hug: Vec<bool>,
    /// Trailing comments after each item (before the next one).
    pub(super) trails: Vec<Doc>,
    /// Comments before the closing bracket.
    pub(super) tail: Doc,
}

impl Items {
    /// No items and no comments: `[]`, `{}`, `()`.
    pub(super) fn is_empty(&self) -> bool {
        self.docs.is_empty() && matches!(self.tail, Doc::Nil) && matches!(self.head, Doc::Nil)
    }

    /// `a, b, c` flat; one per line with a trailing comma when broken.
    pub(super) fn list(&self) -> Doc {
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
    if p.as_rule() == Rule::lambda {
        return p.clone().into_inner().nth(1).is_some_and(|b| huggable(&b));
    }
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

#[cfg(test)]
mod tests {
    use crate::syntax::format::tests::fmt;

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
    fn computed_keys_keep_their_parentheses_and_comments() {
        let src =
            "products from a {\n  ... {( .n|attribute_name ):.v, \"x\": 1,(# key\n.k): 2}\n}\n";
        let out = fmt(src);
        assert_eq!(
            out,
            "products from a {\n  ... { (.n | attribute_name): .v, \"x\": 1, (.k): 2 }  # key\n}\n"
        );
        assert_eq!(fmt(&out), out);
        let src = "let o = { (\"a\" ~ \"b\"): 1 }\n";
        assert_eq!(fmt(src), src);
    }

    #[test]
    fn fn_items_keep_their_comments_and_break_their_parameters_last() {
        let src = "# helpers\nfn   url_of( sku ,# the code\n  base)=base~\"/p/\"~(sku|slug)   # trailing\nlet x=1\nfn  none ( ) = 1\n";
        let out = fmt(src);
        assert_eq!(
            out,
            "# helpers\nfn url_of(\n  sku,  # the code\n  base,\n) = base ~ \"/p/\" ~ (sku | slug)  # trailing\nlet x = 1\nfn none() = 1\n"
        );
        assert_eq!(fmt(&out), out);
        let src = "fn f(first, second) = first_parameter ~ second_parameter ~ third_parameter ~ fourth_parameter ~ fifth_parameter\n";
        let out = fmt(src);
        assert!(
            out.starts_with("fn f(first, second) = first_parameter\n"),
            "{out}"
        );
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn literal_lists_fill_their_lines() {
        let src = "let sizes = [\"XS\", \"S\", \"M\", \"L\", \"XL\", \"XXL\", \"3XL\", \"4XL\", \"5XL\", \"6XL\", \"7XL\", \"8XL\", \"9XL\", \"10XL\", \"11XL\", \"12XL\", \"13XL\"]\n";
        assert_eq!(
            fmt(src),
            "let sizes = [\n  \"XS\", \"S\", \"M\", \"L\", \"XL\", \"XXL\", \"3XL\", \"4XL\", \"5XL\", \"6XL\", \"7XL\", \"8XL\", \"9XL\", \"10XL\", \"11XL\",\n  \"12XL\", \"13XL\",\n]\n"
        );
    }

    #[test]
    fn a_trailing_comment_after_an_argument_breaks_the_call() {
        let src = "let s = concat(\n\"a\",   # first\n\"b\")\n";
        assert_eq!(
            fmt(src),
            "let s = concat(\n  \"a\",  # first\n  \"b\",\n)\n"
        );
    }
}
