//! Expressions: operator chains that break at their outermost operator with the continuation
//! lines aligned under the first operand, pipes, postfix operators, primaries, `if` and `match`.

use pest::iterators::Pair;

use super::Fmt;
use crate::syntax::format::comments::start;
use crate::syntax::format::doc::{Doc, align, concat, group, nest, text};
use crate::syntax::parser::{Rule, pratt};

/// An infix operator's precedence level (higher binds tighter), as in the parser's table: a
/// chain of one level breaks as a whole.
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
enum Tree<'i> {
    /// A postfix expression (a primary and its postfix operators).
    Post(Pair<'i, Rule>),
    /// A prefix operator and its operand.
    Prefix(Pair<'i, Rule>, Box<Tree<'i>>),
    /// An infix operator and its operands.
    Bin(Pair<'i, Rule>, Box<Tree<'i>>, Box<Tree<'i>>),
}

impl Tree<'_> {
    /// Where the expression starts in the source.
    fn start(&self) -> usize {
        match self {
            Tree::Post(p) | Tree::Prefix(p, _) => p.as_span().start(),
            Tree::Bin(_, l, _) => l.start(),
        }
    }
}

impl<'s> Fmt<'s> {
    /// An expression.
    pub(super) fn expr(&mut self, p: Pair<'s, Rule>) -> Doc {
        let tree = pratt()
            .map_primary(Tree::Post)
            .map_prefix(|op, rhs| Tree::Prefix(op, Box::new(rhs)))
            .map_infix(|l, op, r| Tree::Bin(op, Box::new(l), Box::new(r)))
            .parse(p.into_inner());
        self.tree(tree)
    }

    /// An expression tree: a chain of one precedence level as one aligned group.
    fn tree(&mut self, t: Tree<'s>) -> Doc {
        match t {
            Tree::Post(p) => self.postfix(p),
            Tree::Prefix(op, x) => {
                let t = if op.as_rule() == Rule::neg {
                    "-"
                } else if self.src.own_text(&op) == "!" {
                    "!"
                } else {
                    "not "
                };
                let o = self.src.tok(start(&op), t);
                concat(vec![o, self.tree(*x)])
            }
            Tree::Bin(op, l, r) => {
                let lvl = level(op.as_rule());
                // Flatten a left-associated chain of one precedence level.
                let mut rest: Vec<(Pair<'s, Rule>, Tree<'s>)> = vec![(op, *r)];
                let mut first = *l;
                loop {
                    match first {
                        Tree::Bin(op2, l2, r2) if level(op2.as_rule()) == lvl => {
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
                let mut parts = vec![self.tree(first)];
                for (op, operand) in rest {
                    let op_at = start(&op);
                    // A comment after the operator goes before the break, with the operand
                    // before it: `a  # c` then `+ b`.
                    parts.push(self.src.flush_trailing(operand.start()));
                    parts.push(Doc::Line);
                    let op_text = self.src.own_text(&op);
                    parts.push(self.src.tok(op_at, &op_text));
                    parts.push(text(" "));
                    parts.push(self.tree(operand));
                }
                group(align(concat(parts)))
            }
        }
    }

    /// An argument or a filter's condition: an expression, or a named element `x => body`.
    pub(super) fn arg(&mut self, p: Pair<'s, Rule>) -> Doc {
        if p.as_rule() != Rule::lambda {
            return self.expr(p);
        }
        let mut it = p.into_inner();
        let (Some(param), Some(body)) = (it.next(), it.next()) else {
            return Doc::Nil;
        };
        let name = self.src.ptok(&param);
        let arrow_at = self.src.find_code(self.src.real_end(&param), "=>");
        let arrow = self.src.tok(arrow_at, " => ");
        concat(vec![name, arrow, self.expr(body)])
    }

    /// A primary and its postfix operators; pipes go to lines of their own, aligned, when
    /// the whole does not fit.
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

    /// A postfix operator other than a pipe: `.name`, `[*]`, `[? filter]`, `[index]`.
    fn postfix_op(&mut self, op: Pair<'s, Rule>) -> Doc {
        let at = start(&op);
        let close = op.as_span().end().saturating_sub(1);
        match op.as_rule() {
            Rule::field => {
                // Comments inside the token (`. # c` newline `name`) go after it.
                let end = self.src.real_end(&op);
                let name = op
                    .into_inner()
                    .next()
                    .map(|n| n.as_str().to_string())
                    .unwrap_or_default();
                self.src.tok_spanning(at, end, &format!(".{name}"))
            }
            Rule::wildcard => {
                let end = self.src.real_end(&op);
                self.src.tok_spanning(at, end, "[*]")
            }
            Rule::filter => {
                let open = self.src.tok(at, "[? ");
                let inner = op
                    .into_inner()
                    .next()
                    .map(|e| self.arg(e))
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

    /// A primary: a literal, `.` or `.name`, `(expr)`, a call, a list, an object, `if`, `match`.
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
                    None => self.src.tok_spanning(at, end, "."),
                    Some(n) => self.src.tok_spanning(at, end, &format!(".{}", n.as_str())),
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
            Rule::list => self.list(p),
            Rule::object => self.object(p),
            Rule::if_expr => self.if_expr(p),
            Rule::match_expr => self.match_expr(p),
            _ => self.src.ptok(&p),
        }
    }

    /// `if cond { a } else if ... { b } else { c }`: each `else if` and what follows it is a
    /// group of its own (the grammar lists the branches; the documents are made in source
    /// order, for the comments, then nested from the last branch).
    fn if_expr(&mut self, p: Pair<'s, Rule>) -> Doc {
        // Per branch: `if cond { a }`, and the `else` before the next branch (or the last block).
        let mut branches: Vec<(Vec<Doc>, Option<Doc>)> = Vec::new();
        let mut last: Option<Doc> = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::kw_if => branches.push((vec![self.src.ptok(&c)], None)),
                Rule::expr => {
                    let d = self.expr(c);
                    if let Some((parts, _)) = branches.last_mut() {
                        parts.push(text(" "));
                        parts.push(d);
                    }
                }
                Rule::then_block => {
                    let d = self.then_block(c);
                    match branches.last_mut() {
                        Some((parts, None)) => {
                            parts.push(text(" "));
                            parts.push(d);
                        }
                        _ => last = Some(d),
                    }
                }
                Rule::kw_else => {
                    let d = self.src.ptok(&c);
                    if let Some((_, els)) = branches.last_mut() {
                        *els = Some(d);
                    }
                }
                _ => {}
            }
        }
        let mut tail = last;
        while let Some((mut parts, els)) = branches.pop() {
            if let (Some(els), Some(t)) = (els, tail.take()) {
                parts.extend([text(" "), els, text(" "), t]);
            }
            tail = Some(group(concat(parts)));
        }
        tail.unwrap_or(Doc::Nil)
    }

    /// `{ expr }` of an `if`.
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

    /// `match expr { arms }`: the arms one per line when they do not fit.
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
        let body = self.items(arms, close, |f, a| f.arm(a));
        let closing = self.src.tok(close, "}");
        if body.is_empty() {
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

    /// `pattern | pattern => expr`.
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

#[cfg(test)]
mod tests {
    use crate::syntax::format::tests::fmt;

    #[test]
    fn breaks_long_chains_and_hugs_last_objects() {
        let src = "orders from o {\n  customer = .cliente ?? (if collect_emails { nonempty(.email) } else { null }) ?? error(\"the order has neither a customer id nor an email\")\n  products = map(.righe, { id: .codice, quantity: .quantita | int, price: .prezzo | decimal, note: \"a long note\" })\n}\n";
        assert_eq!(
            fmt(src),
            "orders from o {\n  customer = .cliente\n             ?? (if collect_emails { nonempty(.email) } else { null })\n             ?? error(\"the order has neither a customer id nor an email\")\n  products = map(.righe, {\n    id: .codice,\n    quantity: .quantita | int,\n    price: .prezzo | decimal,\n    note: \"a long note\",\n  })\n}\n"
        );
    }

    #[test]
    fn long_pipes_go_one_per_line_aligned() {
        let src = "products from a {\n  id = .codice\n  x = .a.b[? .c == 1][0] | upper | lower | trim | nonempty | something_long(1, 2, 3) | another_long_function(\"with an argument\")\n}\n";
        assert_eq!(
            fmt(src),
            "products from a {\n  id = .codice\n  x  = .a.b[? .c == 1][0]\n       | upper\n       | lower\n       | trim\n       | nonempty\n       | something_long(1, 2, 3)\n       | another_long_function(\"with an argument\")\n}\n"
        );
    }

    /// Found by the `fmt` fuzz target: a comment between a path's `.` and its name, in the
    /// operand after a broken operator, went after the operator on the first pass and before it
    /// on the second. Comments inside a path token now go after the token.
    #[test]
    fn comments_inside_a_path_token_go_after_it_and_stay() {
        for src in [
            "let vat = c or\n. # x\n# C\ne\n",
            "let v = [a,\n. # x\ne, b. # y\nc]\n",
            "let v = if . # x\na { 1 } else { . # y\n}\n",
        ] {
            let once = fmt(src);
            assert_eq!(fmt(&once), once, "{src:?}");
        }
        assert_eq!(
            fmt("let vat = c or\n. # x\ne\n"),
            "let vat = c or .e  # x\n"
        );
    }
}
