//! Expressions: pest pairs -> the syntax tree's [`Expr`], by precedence climbing, each node's
//! nesting depth counted so that no tree deeper than [`MAX_DEPTH`] is ever built.

use std::sync::OnceLock;

use crate::value::Value;
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::{Rule, ident, internal, span};
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::*;
use crate::syntax::limits::{self, MAX_DEPTH};

/// Operator precedence and associativity (shared with the formatter).
pub(in crate::syntax) fn pratt() -> &'static PrattParser<Rule> {
    static P: OnceLock<PrattParser<Rule>> = OnceLock::new();
    P.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::coalesce, Assoc::Left))
            .op(Op::infix(Rule::or, Assoc::Left))
            .op(Op::infix(Rule::and, Assoc::Left))
            .op(Op::infix(Rule::eq, Assoc::Left)
                | Op::infix(Rule::ne, Assoc::Left)
                | Op::infix(Rule::lt, Assoc::Left)
                | Op::infix(Rule::le, Assoc::Left)
                | Op::infix(Rule::gt, Assoc::Left)
                | Op::infix(Rule::ge, Assoc::Left))
            .op(Op::infix(Rule::concat, Assoc::Left))
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left)
                | Op::infix(Rule::div, Assoc::Left)
                | Op::infix(Rule::rem, Assoc::Left))
            .op(Op::prefix(Rule::neg) | Op::prefix(Rule::not))
    })
}

/// An expression and how many levels deep it nests (a literal, a name, `.`: 1).
type Nested = (Box<Expr>, usize);

/// What lowering an expression gives (boxed: small values keep the frames small).
type Lowered = Result<Nested, Box<Diagnostic>>;

// The lowering recurses once per level of brackets, `if` and `match` (chains are built in
// loops), so each function on that path is kept small: a debug build gives every local of a
// function its own stack slot, and a large frame times 256 levels would not fit a worker's
// stack. Work that does not recurse (literals, the node kinds) is done in functions of its own.

/// `kind` written at `span`, one level above `below` (the depth of its deepest child, 0 for
/// none); refused at `at` when that is deeper than [`MAX_DEPTH`]. Every node with children is
/// built this way, so no syntax tree deeper than the limit ever exists.
fn node(kind: ExprKind, span: Span, below: usize, at: Span) -> Lowered {
    let depth = below + 1;
    if depth > MAX_DEPTH {
        return Err(Box::new(limits::too_deep(at)));
    }
    Ok((Box::new(Expr { kind, span }), depth))
}

/// The expressions of `nested`, and the depth of the deepest.
fn unzip(nested: Vec<Nested>) -> (Vec<Expr>, usize) {
    let depth = nested.iter().map(|(_, d)| *d).max().unwrap_or(0);
    (nested.into_iter().map(|(e, _)| *e).collect(), depth)
}

/// Lowers an expression.
pub(super) fn expr(p: Pair<Rule>) -> Result<Expr, Diagnostic> {
    nested(p).map(|(e, _)| *e).map_err(|d| *d)
}

/// An `expr` pair: its operators by precedence ([`pratt`]).
fn nested(p: Pair<Rule>) -> Lowered {
    pratt()
        .map_primary(postfix)
        .map_prefix(prefix_node)
        .map_infix(infix_node)
        .parse(p.into_inner())
}

/// `-x`, `!x`, `not x`.
fn prefix_node(op: Pair<Rule>, rhs: Lowered) -> Lowered {
    let (rhs, below) = rhs?;
    let op_span = span(&op);
    let un = if op.as_rule() == Rule::neg {
        UnOp::Neg
    } else {
        UnOp::Not
    };
    let sp = op_span.to(rhs.span);
    node(ExprKind::Unary(un, rhs), sp, below, op_span)
}

/// `a op b`.
fn infix_node(lhs: Lowered, op: Pair<Rule>, rhs: Lowered) -> Lowered {
    let ((lhs, l), (rhs, r)) = (lhs?, rhs?);
    let bin = match op.as_rule() {
        Rule::coalesce => BinOp::Coalesce,
        Rule::or => BinOp::Or,
        Rule::and => BinOp::And,
        Rule::eq => BinOp::Eq,
        Rule::ne => BinOp::Ne,
        Rule::lt => BinOp::Lt,
        Rule::le => BinOp::Le,
        Rule::gt => BinOp::Gt,
        Rule::ge => BinOp::Ge,
        Rule::concat => BinOp::Concat,
        Rule::add => BinOp::Add,
        Rule::sub => BinOp::Sub,
        Rule::mul => BinOp::Mul,
        Rule::div => BinOp::Div,
        _ => BinOp::Rem,
    };
    let sp = lhs.span.to(rhs.span);
    let kind = ExprKind::Binary(bin, lhs, rhs);
    node(kind, sp, l.max(r), span(&op))
}

/// A primary and its postfix operators, each one level above the expression before it.
fn postfix(p: Pair<Rule>) -> Lowered {
    let mut it = p.into_inner();
    let first = it.next().ok_or_else(|| internal(Span::default()))?;
    let mut e = primary(first)?;
    for op in it {
        e = match op.as_rule() {
            Rule::filter | Rule::index => bracket_op(e, op)?,
            Rule::pipe => pipe_op(e, op)?,
            _ => path_op(e, op)?,
        };
    }
    Ok(e)
}

/// `x.name`, `x[*]`.
fn path_op((e, depth): Nested, op: Pair<Rule>) -> Lowered {
    let op_span = span(&op);
    let sp = e.span.to(op_span);
    let kind = match op.as_rule() {
        Rule::field => {
            let n = op.into_inner().next().ok_or_else(|| internal(sp))?;
            ExprKind::Field(e, name_or_string(n)?)
        }
        Rule::wildcard => ExprKind::Wildcard(e),
        _ => return Err(Box::new(internal(sp))),
    };
    node(kind, sp, depth, op_span)
}

/// `x[? cond]`, `x[i]`.
fn bracket_op((e, depth): Nested, op: Pair<Rule>) -> Lowered {
    let op_span = span(&op);
    let filter = op.as_rule() == Rule::filter;
    let c = op.into_inner().next().ok_or_else(|| internal(op_span))?;
    let (c, d) = arg(c)?;
    let sp = e.span.to(op_span);
    let kind = if filter {
        ExprKind::Filter(e, c)
    } else {
        ExprKind::Index(e, c)
    };
    node(kind, sp, depth.max(d), op_span)
}

/// `x | f(args)`: `f(x, args)`.
fn pipe_op(e: Nested, op: Pair<Rule>) -> Lowered {
    // The pipe's pair may end with the whitespace before an absent `(...)`: use its last child.
    let op_span = op
        .clone()
        .into_inner()
        .last()
        .map_or(span(&op), |c| span(&c));
    let sp = e.0.span.to(op_span);
    let mut inner = op.into_inner();
    let name = inner
        .next()
        .map(|n| ident(&n))
        .ok_or_else(|| internal(sp))?;
    let mut args = vec![e];
    if let Some(a) = inner.next() {
        call_args(a, &mut args)?;
    }
    let (args, below) = unzip(args);
    lambdas_in_place(&name, &args)?;
    node(call(name, args, true), sp, below, op_span)
}

/// A call, or the special form its name introduces (`map`, `var`, `env`). A special form with
/// the wrong number of arguments becomes [`ExprKind::BadForm`], its error kept for the checker
/// so that it is reported along with the file's other problems.
fn call(name: Ident, args: Vec<Expr>, piped: bool) -> ExprKind {
    let (form, from) = match Form::parse(&name.name) {
        None => return ExprKind::Call { name, args, piped },
        Some(Form::Map) => return map(name, args),
        Some(Form::Var) => (Form::Var, Setting::Var),
        Some(Form::Env) => (Form::Env, Setting::Env),
    };
    let compile_time = |callee, name: Expr, default: Option<Expr>| ExprKind::CompileTime {
        from,
        callee,
        name: Box::new(name),
        default: default.map(Box::new),
    };
    let args = match <[Expr; 1]>::try_from(args) {
        Ok([var_name]) => return compile_time(name, var_name, None),
        Err(args) => args,
    };
    let args = match <[Expr; 2]>::try_from(args) {
        Ok([var_name, default]) => return compile_time(name, var_name, Some(default)),
        Err(args) => args,
    };
    let error = Diagnostic::error(
        Code::Arity,
        name.span,
        format!(
            "`{}` takes 1 or 2 arguments, but {} given",
            name.name,
            args.len()
        ),
    )
    .hint(format!("`{}(\"NAME\", default?)`", name.name));
    bad_form(form, name, args, error)
}

/// `map(list, body)`; `list | map(body)` arrives with the list as its first argument.
fn map(name: Ident, args: Vec<Expr>) -> ExprKind {
    match <[Expr; 2]>::try_from(args) {
        Ok([list, body]) => ExprKind::Map {
            list: Box::new(list),
            body: Box::new(body),
        },
        Err(args) => {
            let error = Diagnostic::error(
                Code::Arity,
                name.span,
                format!("`map` takes 2 arguments, but {} given", args.len()),
            )
            .hint("`map(.righe, {id: .codice, quantity: .quantita | int})`: `.` is each element");
            bad_form(Form::Map, name, args, error)
        }
    }
}

fn bad_form(form: Form, callee: Ident, args: Vec<Expr>, error: Diagnostic) -> ExprKind {
    ExprKind::BadForm {
        form,
        callee,
        args,
        error: Box::new(error),
    }
}

/// The expressions of a `call_args` or `list` pair, after `out`.
fn call_args(p: Pair<Rule>, out: &mut Vec<Nested>) -> Result<(), Box<Diagnostic>> {
    for a in p.into_inner() {
        out.push(arg(a)?);
    }
    Ok(())
}

/// An argument or a filter's condition: an expression, or a named element `x => body`.
fn arg(p: Pair<Rule>) -> Lowered {
    if p.as_rule() != Rule::lambda {
        return nested(p);
    }
    let sp = span(&p);
    let mut it = p.into_inner();
    let param = it.next().map(|n| ident(&n)).ok_or_else(|| internal(sp))?;
    let body = it.next().ok_or_else(|| internal(sp))?;
    let (body, below) = nested(body)?;
    let at = param.span;
    node(ExprKind::Lambda { param, body }, sp, below, at)
}

/// A named element `x => ...` is only `map`'s body (its second argument, the piped list
/// counted) or a `[? ]` condition.
fn lambdas_in_place(name: &Ident, args: &[Expr]) -> Result<(), Box<Diagnostic>> {
    let is_map = Form::parse(&name.name) == Some(Form::Map);
    for (i, a) in args.iter().enumerate() {
        if let ExprKind::Lambda { param, .. } = &a.kind
            && !(is_map && i == 1)
        {
            return Err(Box::new(
                Diagnostic::error(
                    Code::Syntax,
                    a.span,
                    format!(
                        "a named element `{} => ...` only goes in `map`'s second argument or in a `[? ]` filter",
                        param.name
                    ),
                )
                .label(format!("not an argument of `{}`", name.name))
                .hint("`map(.righe, r => r.codice)`, `.righe[? r => r.qta > 0]`"),
            ));
        }
    }
    Ok(())
}

fn name_or_string(p: Pair<Rule>) -> Result<String, Diagnostic> {
    match p.as_rule() {
        Rule::string => string_value(p),
        _ => Ok(p.as_str().to_string()),
    }
}

/// The first byte of a pair: where a bracket or keyword that opens a level is.
fn opening(p: &Pair<Rule>) -> Span {
    let s = p.as_span().start();
    Span::new(s, s + 1)
}

fn primary(p: Pair<Rule>) -> Lowered {
    match p.as_rule() {
        Rule::paren => paren(p),
        Rule::call => call_expr(p),
        Rule::list => list(p),
        Rule::object => object(p),
        Rule::if_expr => if_expr(p),
        Rule::match_expr => match_expr(p),
        _ => leaf(p),
    }
}

/// A primary without operands: a literal, `.` or `.name`, a name.
fn leaf(p: Pair<Rule>) -> Lowered {
    let sp = span(&p);
    let kind = match p.as_rule() {
        Rule::null => ExprKind::Literal(Value::Null),
        Rule::bool => ExprKind::Literal(Value::Bool(p.as_str() == "true")),
        Rule::number => ExprKind::Literal(number(&p)?),
        Rule::string => ExprKind::Literal(Value::String(string_value(p)?.into())),
        Rule::root => match p.into_inner().next() {
            None => ExprKind::Current,
            Some(n) => {
                let name = name_or_string(n)?;
                let current = Expr {
                    kind: ExprKind::Current,
                    span: Span::new(sp.start, sp.start + 1),
                };
                let kind = ExprKind::Field(Box::new(current), name);
                return Ok((Box::new(Expr { kind, span: sp }), 2));
            }
        },
        Rule::ident if p.as_str() == ROWS => ExprKind::Rows(ident(&p)),
        Rule::ident => ExprKind::Name(ident(&p)),
        _ => return Err(Box::new(internal(sp))),
    };
    Ok((Box::new(Expr { kind, span: sp }), 1))
}

/// `(expr)`: a level only when it ends a path (`(.v[*].t)[0]` indexes the projected list).
fn paren(p: Pair<Rule>) -> Lowered {
    let sp = span(&p);
    let at = opening(&p);
    let inner = p.into_inner().next().ok_or_else(|| internal(sp))?;
    let (e, depth) = nested(inner)?;
    match e.kind {
        ExprKind::Field(..)
        | ExprKind::Index(..)
        | ExprKind::Wildcard(..)
        | ExprKind::Filter(..) => node(ExprKind::Paren(e), sp, depth, at),
        kind => Ok((Box::new(Expr { kind, span: sp }), depth)),
    }
}

/// `f(args)`.
fn call_expr(p: Pair<Rule>) -> Lowered {
    let sp = span(&p);
    let mut it = p.into_inner();
    let name = it.next().map(|n| ident(&n)).ok_or_else(|| internal(sp))?;
    let mut args = Vec::new();
    if let Some(a) = it.next() {
        call_args(a, &mut args)?;
    }
    let (args, below) = unzip(args);
    lambdas_in_place(&name, &args)?;
    let at = name.span;
    node(call(name, args, false), sp, below, at)
}

/// `[a, b]`.
fn list(p: Pair<Rule>) -> Lowered {
    let (sp, at) = (span(&p), opening(&p));
    let mut items = Vec::new();
    call_args(p, &mut items)?;
    let (items, below) = unzip(items);
    node(ExprKind::List(items), sp, below, at)
}

/// `{key: value}`.
fn object(p: Pair<Rule>) -> Lowered {
    let (sp, at) = (span(&p), opening(&p));
    let mut entries = Vec::new();
    let mut below = 0;
    for entry in p.into_inner() {
        let mut it = entry.into_inner();
        let k = it.next().ok_or_else(|| internal(sp))?;
        let v = it.next().ok_or_else(|| internal(sp))?;
        let key = if k.as_rule() == Rule::computed_key {
            let inner = k.into_inner().next().ok_or_else(|| internal(sp))?;
            let (key, d) = nested(inner)?;
            below = below.max(d);
            ObjectKey::Computed(*key)
        } else {
            let span = span(&k);
            ObjectKey::Fixed(Ident {
                name: name_or_string(k)?,
                span,
            })
        };
        let (v, d) = nested(v)?;
        below = below.max(d);
        entries.push((key, *v));
    }
    node(ExprKind::Object(entries), sp, below, at)
}

/// `match value { pattern => expr, ... }`.
fn match_expr(p: Pair<Rule>) -> Lowered {
    let (sp, at) = (span(&p), opening(&p));
    let mut it = p.into_inner().filter(|c| c.as_rule() != Rule::kw_match);
    let value = it.next().ok_or_else(|| internal(sp))?;
    let (value, mut below) = nested(value)?;
    let mut arms = Vec::new();
    for arm in it {
        let asp = span(&arm);
        let mut a = arm.into_inner();
        let pattern = pattern(a.next().ok_or_else(|| internal(asp))?)?;
        let body = a.next().ok_or_else(|| internal(asp))?;
        let (value, d) = nested(body)?;
        below = below.max(d);
        arms.push(Arm {
            pattern,
            value: *value,
            span: asp,
        });
    }
    let kind = ExprKind::Match { value, arms };
    node(kind, sp, below, at)
}

/// A `match` arm's pattern: literals, or `_`.
fn pattern(pat: Pair<Rule>) -> Result<Pattern, Box<Diagnostic>> {
    let sp = span(&pat);
    let mut lits = Vec::new();
    let mut any = false;
    for l in pat.into_inner() {
        match l.as_rule() {
            Rule::wildcard_pat => any = true,
            _ => match leaf(l)?.0.kind {
                ExprKind::Literal(v) => lits.push(v),
                _ => return Err(Box::new(internal(sp))),
            },
        }
    }
    Ok(if any {
        Pattern::Any
    } else {
        Pattern::Literals(lits)
    })
}

/// One branch of an `if`: its `if` keyword, its condition, its value.
type Branch = (Span, Nested, Nested);

/// `if c { a } else if d { b } else { e }`: the grammar lists the branches (so that a long
/// `else if` chain does not nest while parsing); each `else if` is an `if` nested in the `else`
/// of the one before, from the `if` keyword to the end of the chain.
fn if_expr(p: Pair<Rule>) -> Lowered {
    let sp = span(&p);
    let mut branches: Vec<Branch> = Vec::new();
    let mut els: Option<Nested> = None;
    let mut keyword = None;
    // Where the last `{ }` ends: the rule's own span may run on over the blanks and comments
    // after it, where an `else` was looked for.
    let mut end = sp.start;
    let mut it = p.into_inner();
    while let Some(c) = it.next() {
        match c.as_rule() {
            Rule::kw_if => keyword = Some(span(&c)),
            Rule::expr => {
                let cond = nested(c)?;
                let then = it.next().ok_or_else(|| internal(sp))?;
                end = span(&then).end;
                let then = then.into_inner().next().ok_or_else(|| internal(sp))?;
                let at = keyword.take().ok_or_else(|| internal(sp))?;
                branches.push((at, cond, nested(then)?));
            }
            Rule::then_block => {
                end = span(&c).end;
                let inner = c.into_inner().next().ok_or_else(|| internal(sp))?;
                els = Some(nested(inner)?);
            }
            _ => {}
        }
    }
    if_chain(branches, els, end)
}

/// The branches of an `if` nested from the last, each ending at `end`.
fn if_chain(mut branches: Vec<Branch>, mut els: Option<Nested>, end: usize) -> Lowered {
    while let Some((at, (cond, c), (then, t))) = branches.pop() {
        let (els_expr, e) = match els.take() {
            Some((x, d)) => (Some(x), d),
            None => (None, 0),
        };
        let kind = ExprKind::If {
            cond,
            then,
            els: els_expr,
        };
        els = Some(node(kind, Span::new(at.start, end), c.max(t).max(e), at)?);
    }
    els.ok_or_else(|| Box::new(internal(Span::new(end, end))))
}

pub(super) fn number(p: &Pair<Rule>) -> Result<Value, Diagnostic> {
    let s = p.as_str();
    let bad = || {
        Diagnostic::error(
            Code::Syntax,
            span(p),
            format!("number `{s}` is out of range"),
        )
    };
    if !s.contains(['.', 'e', 'E'])
        && let Ok(i) = s.parse::<i64>()
    {
        return Ok(Value::from(i));
    }
    let f: f64 = s.parse().map_err(|_| bad())?;
    crate::value::Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(bad)
}

pub(super) fn string_value(p: Pair<Rule>) -> Result<String, Diagnostic> {
    let sp = span(&p);
    let inner = p.into_inner().next().map(|i| i.as_str()).unwrap_or("");
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let bad = |what: &str| {
            Diagnostic::error(
                Code::Syntax,
                sp,
                format!("invalid escape in string: {what}"),
            )
            .hint("escapes are \\\" \\' \\\\ \\n \\r \\t \\uXXXX and \\u{X..}")
        };
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('0') => out.push('\0'),
            Some(c @ ('"' | '\'' | '\\' | '/')) => out.push(c),
            Some('u') => {
                let rest = chars.as_str();
                let (hex, consumed) = if let Some(r) = rest.strip_prefix('{') {
                    let end = r.find('}').ok_or_else(|| bad("unclosed \\u{"))?;
                    (&r[..end], end + 2)
                } else {
                    (
                        rest.get(..4).ok_or_else(|| bad("\\u needs 4 hex digits"))?,
                        4,
                    )
                };
                let code = u32::from_str_radix(hex, 16).map_err(|_| bad(hex))?;
                out.push(char::from_u32(code).ok_or_else(|| bad("not a Unicode scalar value"))?);
                chars = rest[consumed..].chars();
            }
            Some(other) => return Err(bad(&format!("\\{other}"))),
            None => return Err(bad("trailing backslash")),
        }
    }
    Ok(out)
}
