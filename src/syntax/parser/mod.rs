//! The parser: pest's parse of `grammar/clerkmap.pest` -> the span-carrying syntax tree
//! ([`parse`], [`parse_expr`]), with syntax errors turned into located diagnostics that say
//! what was expected. Items and statements are here, expressions in `expr`.

use pest::Parser as _;
use pest::iterators::Pair;
use pest_derive::Parser;

mod expr;

pub(super) use expr::pratt;
use expr::{expr, string_value};

use super::ast::*;
use super::limits;
use crate::diagnostic::Code;
use crate::diagnostic::Diagnostic;

/// The pest parser of `grammar/clerkmap.pest` (shared with the formatter).
#[derive(Parser)]
#[grammar = "../grammar/clerkmap.pest"]
pub(super) struct Grammar;

/// Parses a whole mapping file.
pub fn parse(src: &str) -> Result<File, Diagnostic> {
    limits::prescan(src)?;
    let mut pairs =
        Grammar::parse(Rule::file, src).map_err(|e| with_context(syntax_error(e), src))?;
    let file = pairs.next().map(|p| p.into_inner()).into_iter().flatten();
    let mut items = Vec::new();
    for pair in file {
        match pair.as_rule() {
            Rule::let_stmt => items.push(Item::Let(let_stmt(pair)?)),
            Rule::lookup_decl => items.push(Item::Lookup(lookup_decl(pair)?)),
            Rule::block => items.push(Item::Block(block(pair)?)),
            _ => {}
        }
    }
    Ok(File { items })
}

/// Parses a lone expression (function examples, `--where`-style snippets, tests).
pub fn parse_expr(src: &str) -> Result<Expr, Diagnostic> {
    limits::prescan(src)?;
    let mut pairs = Grammar::parse(Rule::expr, src).map_err(syntax_error)?;
    let pair = pairs
        .next()
        .ok_or_else(|| Diagnostic::error(Code::Syntax, Span::default(), "empty expression"))?;
    let end = pair.as_span().end();
    if end < src.trim_end().len() {
        return Err(Diagnostic::error(
            Code::Syntax,
            Span::new(end, src.len()),
            "unexpected text after the expression",
        ));
    }
    expr(pair)
}

pub(super) fn span(p: &Pair<Rule>) -> Span {
    let s = p.as_span();
    Span::new(s.start(), s.end())
}

fn syntax_error(e: pest::error::Error<Rule>) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let (start, end) = match e.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    let (message, hint) = match &e.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => {
            let mut names: Vec<&str> = positives.iter().filter_map(rule_name).collect();
            names.sort_unstable();
            names.dedup();
            let expected = match names.len() {
                0 => String::new(),
                1 => names[0].to_string(),
                _ => {
                    let (last, rest) = names
                        .split_last()
                        .map(|(l, r)| (*l, r.to_vec()))
                        .unwrap_or(("", vec![]));
                    format!("{} or {last}", rest.join(", "))
                }
            };
            let msg = if !expected.is_empty() {
                format!("syntax error: expected {expected}")
            } else if !negatives.is_empty() {
                "syntax error: a keyword cannot be used here".to_string()
            } else {
                "syntax error".to_string()
            };
            (msg, syntax_hint(&names))
        }
        // pest's own guard, when its stack runs short all the same (a thread with a small
        // stack): the nesting is too deep for it.
        ErrorVariant::CustomError { message } if message.contains("limit reached") => {
            return limits::too_deep(Span::new(start, end));
        }
        ErrorVariant::CustomError { message } => (message.clone(), None),
    };
    Diagnostic::error(Code::Syntax, Span::new(start, end), message)
        .label("here")
        .hint_opt(hint)
}

/// Sharpens a syntax error's hint with what comes just before it.
fn with_context(d: Diagnostic, src: &str) -> Diagnostic {
    if d.code != Code::Syntax {
        return d;
    }
    let before = src.get(..d.span().start).unwrap_or("").trim_end();
    let hint = if before.ends_with('|') && !before.ends_with("||") {
        Some("after `|` comes a function: `.titolo | trim`, `.prezzo | decimal`")
    } else if before.ends_with('=') && !before.ends_with("==") {
        Some("an attribute needs a value after `=`: a path like `.codice`, a literal or a call")
    } else if before.ends_with(',') {
        Some("a trailing `,` must be followed by another item, or removed")
    } else {
        None
    };
    match hint {
        Some(h) => d.hint(h),
        None => d,
    }
}

fn syntax_hint(expected: &[&str]) -> Option<String> {
    if expected.contains(&"`=`") {
        Some("an attribute is written `name = expression`".into())
    } else if expected.contains(&"an expression") {
        Some("an expression is a path like `.codice`, a literal, a name, or a function call".into())
    } else if expected.contains(&"`}`") {
        Some("every `{` needs a matching `}`; statements in a block are `name = expr`, `let`, `where` or `...spread`".into())
    } else {
        None
    }
}

fn rule_name(r: &Rule) -> Option<&'static str> {
    Some(match r {
        Rule::EOI => "end of file",
        Rule::item | Rule::block | Rule::let_stmt | Rule::lookup_decl => {
            "`let`, `lookup` or an entity block (`products from SOURCE { ... }`)"
        }
        Rule::expr | Rule::postfix | Rule::primary | Rule::prefix | Rule::literal => {
            "an expression"
        }
        Rule::infix | Rule::postfix_op => "an operator",
        Rule::ident | Rule::name | Rule::callee => "a name",
        Rule::assign | Rule::attr_name | Rule::loose_name | Rule::stmt => {
            "an attribute (`name = expr`)"
        }
        Rule::where_stmt | Rule::where_clause | Rule::kw_where => "`where`",
        Rule::spread => "`...`",
        Rule::kw_from => "`from`",
        Rule::kw_by => "`by`",
        Rule::group_clause | Rule::kw_group => "`group by`",
        Rule::string => "a string",
        Rule::number => "a number",
        Rule::arm | Rule::pattern => "a match arm (`\"value\" => expr`)",
        Rule::then_block => "`{`",
        Rule::call_args => "`(`",
        _ => return None,
    })
}

fn let_stmt(p: Pair<Rule>) -> Result<Let, Diagnostic> {
    let sp = span(&p);
    let mut it = p.into_inner();
    let mut name = None;
    let mut value = None;
    for c in it.by_ref() {
        match c.as_rule() {
            Rule::ident => name = Some(ident(&c)),
            Rule::expr => value = Some(expr(c)?),
            _ => {}
        }
    }
    match (name, value) {
        (Some(name), Some(value)) => Ok(Let {
            name,
            value,
            span: sp,
        }),
        _ => Err(internal(sp)),
    }
}

fn lookup_decl(p: Pair<Rule>) -> Result<LookupDecl, Diagnostic> {
    let sp = span(&p);
    let (mut name, mut key, mut parent) = (None, None, None);
    let mut optional = false;
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::ident => name = Some(ident(&c)),
            Rule::expr => key = Some(expr(c)?),
            Rule::optional => optional = true,
            Rule::parent_clause => {
                if let Some(e) = c.into_inner().find(|c| c.as_rule() == Rule::expr) {
                    parent = Some(expr(e)?);
                }
            }
            _ => {}
        }
    }
    match (name, key) {
        (Some(name), Some(key)) => Ok(LookupDecl {
            name,
            key,
            parent,
            optional,
            span: sp,
        }),
        _ => Err(internal(sp)),
    }
}

fn block(p: Pair<Rule>) -> Result<Block, Diagnostic> {
    let sp = span(&p);
    let (mut entity, mut source, mut group_by, mut filter) = (None, None, None, None);
    let mut stmts = Vec::new();
    let mut header_end = sp.start;
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::entity => {
                header_end = span(&c).end;
                entity = c.into_inner().next().map(|i| ident(&i));
            }
            Rule::ident => {
                header_end = span(&c).end;
                source = Some(ident(&c));
            }
            Rule::group_clause => {
                header_end = span(&c).end;
                if let Some(e) = c.into_inner().find(|c| c.as_rule() == Rule::expr) {
                    group_by = Some(expr(e)?);
                }
            }
            Rule::where_clause => {
                header_end = span(&c).end;
                if let Some(e) = c.into_inner().find(|c| c.as_rule() == Rule::expr) {
                    filter = Some(expr(e)?);
                }
            }
            Rule::let_stmt => stmts.push(Stmt::Let(let_stmt(c)?)),
            Rule::where_stmt => {
                let s = span(&c);
                let e = c
                    .into_inner()
                    .find(|c| c.as_rule() == Rule::expr)
                    .ok_or_else(|| internal(s))?;
                stmts.push(Stmt::Where {
                    cond: expr(e)?,
                    span: s,
                });
            }
            Rule::spread => {
                let s = span(&c);
                let e = c
                    .into_inner()
                    .find(|c| c.as_rule() == Rule::expr)
                    .ok_or_else(|| internal(s))?;
                stmts.push(Stmt::Spread {
                    value: expr(e)?,
                    span: s,
                });
            }
            Rule::assign => {
                let s = span(&c);
                let mut name = None;
                let mut value = None;
                for a in c.into_inner() {
                    match a.as_rule() {
                        Rule::attr_name => {
                            let n = a.into_inner().next().ok_or_else(|| internal(s))?;
                            let nsp = span(&n);
                            let text = match n.as_rule() {
                                Rule::string => string_value(n)?,
                                _ => n.as_str().to_string(),
                            };
                            name = Some(Ident {
                                name: text,
                                span: nsp,
                            });
                        }
                        Rule::expr => value = Some(expr(a)?),
                        _ => {}
                    }
                }
                match (name, value) {
                    (Some(name), Some(value)) => stmts.push(Stmt::Assign { name, value }),
                    _ => return Err(internal(s)),
                }
            }
            _ => {}
        }
    }
    match (entity, source) {
        (Some(entity), Some(source)) => Ok(Block {
            entity,
            source,
            group_by,
            filter,
            stmts,
            header: Span::new(sp.start, header_end),
            span: sp,
        }),
        _ => Err(internal(sp)),
    }
}

pub(super) fn internal(sp: Span) -> Diagnostic {
    Diagnostic::error(
        Code::Syntax,
        sp,
        "internal parser error: unexpected syntax tree shape",
    )
    .hint("please report this mapping file as a bug")
}

pub(super) fn ident(p: &Pair<Rule>) -> Ident {
    Ident {
        name: p.as_str().to_string(),
        span: span(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn kind(src: &str) -> ExprKind {
        parse_expr(src)
            .unwrap_or_else(|d| panic!("{src}: {}", d.message))
            .kind
    }

    #[test]
    fn special_forms_get_their_own_nodes() {
        let ExprKind::Map { list, body } = kind(".righe | map(.qty)") else {
            panic!("not a map");
        };
        assert!(matches!(list.kind, ExprKind::Field(..)));
        assert!(matches!(body.kind, ExprKind::Field(..)));
        let ExprKind::CompileTime {
            from,
            callee,
            name,
            default,
        } = kind(r#"env("HOME", "/")"#)
        else {
            panic!("not env");
        };
        assert_eq!(from, Setting::Env);
        assert_eq!(callee.span, Span::new(0, 3));
        assert_eq!(name.kind, ExprKind::Literal(Value::from("HOME")));
        assert!(default.is_some());
        assert!(matches!(
            kind(r#""site" | var"#),
            ExprKind::CompileTime {
                from: Setting::Var,
                default: None,
                ..
            }
        ));
        assert!(
            matches!(kind("rows[0]"), ExprKind::Index(b, _) if matches!(b.kind, ExprKind::Rows(_)))
        );
        // Other names stay names, other calls calls.
        assert!(matches!(kind("rowz"), ExprKind::Name(_)));
        assert!(matches!(kind("mapx(1, 2)"), ExprKind::Call { .. }));
    }

    #[test]
    fn a_special_form_with_the_wrong_arity_keeps_its_error() {
        let ExprKind::BadForm {
            form, args, error, ..
        } = kind(".righe | map(.a, .b)")
        else {
            panic!("not a bad form");
        };
        assert_eq!(form, Form::Map);
        assert_eq!(args.len(), 3);
        assert_eq!(error.code, Code::Arity);
        assert_eq!(error.message, "`map` takes 2 arguments, but 3 given");
        assert_eq!(error.span(), Span::new(9, 12));
        let ExprKind::BadForm { form, error, .. } = kind("var()") else {
            panic!("not a bad form");
        };
        assert_eq!(form, Form::Var);
        assert_eq!(error.message, "`var` takes 1 or 2 arguments, but 0 given");
        assert_eq!(error.hint.as_deref(), Some("`var(\"NAME\", default?)`"));
    }
}
