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
    let mut pairs = Grammar::parse(Rule::file, src).map_err(|e| syntax_error(e, src))?;
    let file = pairs.next().map(|p| p.into_inner()).into_iter().flatten();
    let mut items = Vec::new();
    for pair in file {
        match pair.as_rule() {
            Rule::let_stmt => items.push(Item::Let(let_stmt(pair)?)),
            Rule::lookup_decl => items.push(Item::Lookup(lookup_decl(pair)?)),
            Rule::fn_decl => items.push(Item::Fn(fn_decl(pair)?)),
            Rule::input_decl => items.push(Item::Input(input_decl(pair)?)),
            Rule::block => items.push(Item::Block(block(pair)?)),
            _ => {}
        }
    }
    Ok(File { items })
}

/// Parses a lone expression (function examples, `--where`-style snippets, tests).
pub fn parse_expr(src: &str) -> Result<Expr, Diagnostic> {
    limits::prescan(src)?;
    let mut pairs = Grammar::parse(Rule::expr, src).map_err(|e| syntax_error(e, src))?;
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

/// A pest error as a diagnostic that says what was expected, sharpened with what the source
/// holds around it ([`with_context`]).
fn syntax_error(e: pest::error::Error<Rule>, src: &str) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let (start, end) = match e.location {
        InputLocation::Pos(p) => (p, p),
        InputLocation::Span((s, e)) => (s, e),
    };
    let (message, names) = match &e.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } => {
            let mut names: Vec<&str> = positives.iter().filter_map(rule_name).collect();
            names.sort_unstable();
            names.dedup();
            let msg = if !names.is_empty() {
                format!("syntax error: expected {}", one_of(&names))
            } else if !negatives.is_empty() {
                "syntax error: a keyword cannot be used here".to_string()
            } else {
                "syntax error".to_string()
            };
            (msg, names)
        }
        // pest's own guard, when its stack runs short all the same (a thread with a small
        // stack): the nesting is too deep for it.
        ErrorVariant::CustomError { message } if message.contains("limit reached") => {
            return limits::too_deep(Span::new(start, end));
        }
        ErrorVariant::CustomError { message } => (message.clone(), Vec::new()),
    };
    let d = Diagnostic::error(Code::Syntax, Span::new(start, end), message)
        .label("here")
        .hint_opt(syntax_hint(&names));
    with_context(d, &names, src)
}

/// Whether an expectation's name is a keyword or two (`` `lenient` ``, `` `fill down` ``).
fn is_keyword_name(name: &str) -> bool {
    name.strip_prefix('`')
        .and_then(|n| n.strip_suffix('`'))
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_lowercase() || c == ' '))
}

/// `a`, `a or b`, `a, b or c`.
fn one_of(names: &[&str]) -> String {
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// Sharpens a syntax error with what the source holds around it: a lone `=` where an
/// operator is expected, a file that ends inside a block, a list, a call or a string (pointing
/// at what was left open), what comes just before the error.
fn with_context(mut d: Diagnostic, expected: &[&str], src: &str) -> Diagnostic {
    // A keyword missing at the end of a line (`input articoli`, `group by .c fill`) is pointed
    // at there, not at the next line's first word where pest stopped.
    let at = d.span().start;
    let ended = src.get(..at).unwrap_or("").trim_end().len();
    if !expected.is_empty()
        && expected.iter().all(|e| is_keyword_name(e))
        && src.get(ended..at).is_some_and(|gap| gap.contains('\n'))
        && let Some(primary) = d.labels.first_mut()
    {
        primary.span = Span::new(ended, ended);
    }
    let at = d.span().start;
    let after = src.get(at..).unwrap_or("");
    if expected.contains(&"an operator")
        && after.starts_with('=')
        && !after.starts_with("==")
        && !after.starts_with("=>")
    {
        return Diagnostic::error(
            Code::Syntax,
            Span::new(at, at + 1),
            "syntax error: expected an operator like `==`, found `=`",
        )
        .label("`=` gives an attribute its value")
        .hint("to compare, write `==`: `where .pubblicato == \"SI\"`");
    }
    let open = unclosed(src.get(..at).unwrap_or(""));
    // A block header's clauses out of order: `where` before `group by`, `fill down` elsewhere.
    if open.is_none() {
        let misplaced = [
            (
                ("group", "by"),
                "syntax error: `group by` comes before `where` in a block's header",
                "move `group by ...` before `where`",
            ),
            (
                ("fill", "down"),
                "syntax error: `fill down` goes right after the key of `group by`",
                "`group by EXPR fill down`",
            ),
        ];
        for ((first, second), message, label) in misplaced {
            if words_at(after, first, second) {
                return Diagnostic::error(Code::Syntax, Span::new(at, at + first.len()), message)
                    .label(label)
                    .hint("a block's header is `TYPE from SOURCE [group by [each] EXPR [fill down]] [where EXPR] {`");
            }
        }
    }
    // `.x:Sonderfeld`: an XML name with its namespace prefix, which a path cannot hold bare
    if after.starts_with(':')
        && after[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && let Some(field) = field_before(src, at)
    {
        let local = after[1..]
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .next()
            .unwrap_or("");
        return Diagnostic::error(
            Code::Syntax,
            Span::new(at, at + 1),
            format!("syntax error: `:` in the field name `{field}:{local}`"),
        )
        .label("a field name cannot hold `:` unquoted")
        .hint(format!(
            "an XML element's namespace prefix is dropped: write `.{local}`; a field whose name holds `:` is quoted: `.\"{field}:{local}\"`"
        ));
    }
    // `sku   p.sku` in a block: the `=` is missing (the parser, still in the line above's
    // expression, would say it expected an operator at `sku`).
    if matches!(open, Some(('{', _)))
        && let Some(name) = name_without_equals(src, at)
    {
        return Diagnostic::error(
            Code::Syntax,
            Span::new(at, at + name.len()),
            format!("syntax error: expected `=` after `{name}`"),
        )
        .label("a name, then no `=`")
        .hint(format!("an attribute is written `{name} = expression`"));
    }
    if matches!(open, Some(('{', _))) && fn_item_at(after) {
        return Diagnostic::error(
            Code::Syntax,
            Span::new(at, at + 2),
            "syntax error: a `fn` cannot be declared inside a block",
        )
        .label("inside a block")
        .hint("declare the function at file level, outside the blocks: every block can call it");
    }
    if only_trivia(after)
        && let Some(open) = open
    {
        return at_the_end(open, src);
    }
    // Inside a call, a list or parentheses: what closes it is expected too.
    if let Some((c @ ('(' | '['), offset)) = open
        && !expected.is_empty()
    {
        let closer = if c == '(' { ")" } else { "]" };
        let line = line_of(src, offset);
        let d = Diagnostic {
            message: format!(
                "syntax error: expected `{closer}` to close the `{c}` on line {line}, or {}",
                one_of(expected)
            ),
            ..d
        };
        return d.secondary(
            Span::new(offset, offset + 1),
            format!("this `{c}` is not closed"),
        );
    }
    let before = src.get(..at).unwrap_or("").trim_end();
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

/// Whether `text` starts with the words `first` and `second` (`group by`, `fill down`).
fn words_at(text: &str, first: &str, second: &str) -> bool {
    fn word<'t>(t: &'t str, w: &str) -> Option<&'t str> {
        t.strip_prefix(w)
            .filter(|r| !r.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
    }
    word(text, first)
        .filter(|r| r.starts_with(char::is_whitespace))
        .and_then(|r| word(r.trim_start(), second))
        .is_some()
}

/// The name that starts the line at `at` when what follows it on its line is something but
/// not `=` (`sku   p.sku`): a statement whose `=` is missing. Not a word of the language.
fn name_without_equals(src: &str, at: usize) -> Option<&str> {
    const WORDS: [&str; 9] = [
        "let", "where", "if", "else", "match", "and", "or", "not", "fn",
    ];
    let line_start = src.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
    if !src.get(line_start..at)?.trim().is_empty() {
        return None;
    }
    let after = src.get(at..)?;
    let len = after
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(after.len());
    let name = &after[..len];
    let rest = after[len..].lines().next().unwrap_or("");
    let starts_name = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
    (starts_name
        && !WORDS.contains(&name)
        && rest.starts_with([' ', '\t'])
        && !rest.trim().is_empty()
        && !rest.trim_start().starts_with(['=', '#']))
    .then_some(name)
}

/// The field name a path step ends with just before `at` (`x` of `.x` in `.x:Sonderfeld`).
fn field_before(src: &str, at: usize) -> Option<&str> {
    let before = src.get(..at)?;
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let name = &before[start..];
    (!name.is_empty() && before[..start].ends_with('.')).then_some(name)
}

/// Whether `text` starts with a `fn` declaration: `fn NAME(`.
fn fn_item_at(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("fn") else {
        return false;
    };
    let rest = rest.trim_start();
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    rest.len() < text.len() - 2 && name_len > 0 && rest[name_len..].trim_start().starts_with('(')
}

/// Whether `text` holds only whitespace and comments.
fn only_trivia(text: &str) -> bool {
    text.lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
}

/// What is still open at the end of `text`: the innermost `{`, `(` or `[` not closed, or a
/// string not closed, with its offset. Comments and the text of strings are skipped.
fn unclosed(text: &str) -> Option<(char, usize)> {
    let mut stack: Vec<(char, usize)> = Vec::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '#' => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' | '\'' => {
                let mut closed = false;
                while let Some((_, s)) = chars.next() {
                    if s == '\\' {
                        chars.next();
                    } else if s == c {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return Some((c, i));
                }
            }
            '{' | '(' | '[' => stack.push((c, i)),
            '}' | ')' | ']' => {
                let opener = match c {
                    '}' => '{',
                    ')' => '(',
                    _ => '[',
                };
                if stack.last().is_some_and(|(o, _)| *o == opener) {
                    stack.pop();
                }
            }
            _ => {}
        }
    }
    stack.pop()
}

/// The line (from 1) of an offset.
fn line_of(src: &str, offset: usize) -> usize {
    src.get(..offset)
        .map_or(1, |t| t.bytes().filter(|b| *b == b'\n').count() + 1)
}

/// A file that ends with something open: the error says what closes it, at the end of the
/// last line, and points at the opener with a second label.
fn at_the_end((open, offset): (char, usize), src: &str) -> Diagnostic {
    let line = line_of(src, offset);
    let (closer, what, hint) = match open {
        '{' => (
            "}",
            "a `{ ... }`",
            "add the `}` that closes it: every `{` needs a matching `}`",
        ),
        '(' => (")", "a `( ... )`", "add the `)` that closes it"),
        '[' => ("]", "a `[ ... ]`", "add the `]` that closes it"),
        '\'' => ("'", "a string", "add the quote that ends the string"),
        _ => ("\"", "a string", "add the quote that ends the string"),
    };
    let message = format!(
        "syntax error: the file ends inside {what} opened on line {line}: expected `{closer}`"
    );
    // At the end of the last line with text: a place past the last line is not drawn.
    let end = src.trim_end().len();
    let opener = if matches!(open, '"' | '\'') {
        "this string is never closed".to_string()
    } else {
        format!("this `{open}` is never closed")
    };
    Diagnostic::error(Code::Syntax, Span::new(end, end), message)
        .label("the file ends here")
        .secondary(Span::new(offset, offset + 1), opener)
        .hint(hint)
}

fn syntax_hint(expected: &[&str]) -> Option<String> {
    if expected.contains(&"`lenient`") {
        Some("`input NAME lenient [trailing | ragged]` says how a CSV input with rows of another width is read; an input itself is not declared: it is given with `--input NAME=FILE` and named after a block's `from`".into())
    } else if expected.contains(&"`=`") {
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
        Rule::item
        | Rule::block
        | Rule::let_stmt
        | Rule::lookup_decl
        | Rule::fn_decl
        | Rule::input_decl => {
            "`let`, `lookup`, `fn`, `input` or an entity block (`products from SOURCE { ... }`)"
        }
        Rule::fn_params => "`(` and the parameters",
        Rule::fn_body => "`=` and the function's body",
        Rule::expr | Rule::postfix | Rule::primary | Rule::prefix | Rule::literal => {
            "an expression"
        }
        Rule::infix
        | Rule::postfix_op
        | Rule::coalesce
        | Rule::or
        | Rule::and
        | Rule::eq
        | Rule::ne
        | Rule::le
        | Rule::ge
        | Rule::lt
        | Rule::gt
        | Rule::concat
        | Rule::add
        | Rule::sub
        | Rule::mul
        | Rule::div
        | Rule::rem => "an operator",
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
        Rule::kw_lenient => "`lenient`",
        Rule::lenient_mode => "`trailing` or `ragged`",
        Rule::fill_down | Rule::kw_fill => "`fill down`",
        Rule::kw_down => "`down`",
        Rule::kw_each => "`each`",
        Rule::kw_parent | Rule::parent_clause => "`parent`",
        Rule::optional | Rule::kw_optional => "`optional`",
        Rule::kw_else => "`else`",
        Rule::entry | Rule::computed_key => "an entry (`key: value`)",
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

fn fn_decl(p: Pair<Rule>) -> Result<FnDecl, Diagnostic> {
    let sp = span(&p);
    let (mut name, mut body) = (None, None);
    let mut params = Vec::new();
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::ident => name = Some(ident(&c)),
            Rule::fn_params => params = c.into_inner().map(|p| ident(&p)).collect(),
            Rule::fn_body => {
                if let Some(e) = c.into_inner().find(|c| c.as_rule() == Rule::expr) {
                    body = Some(expr(e)?);
                }
            }
            _ => {}
        }
    }
    match (name, body) {
        (Some(name), Some(body)) => Ok(FnDecl {
            name,
            params,
            body,
            span: sp,
        }),
        _ => Err(internal(sp)),
    }
}

fn input_decl(p: Pair<Rule>) -> Result<InputDecl, Diagnostic> {
    let sp = span(&p);
    let mut name = None;
    let mut ragged = false;
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::ident => name = Some(ident(&c)),
            Rule::lenient_mode => ragged = c.as_str() == "ragged",
            _ => {}
        }
    }
    let name = name.ok_or_else(|| internal(sp))?;
    Ok(InputDecl {
        name,
        ragged,
        span: sp,
    })
}

fn lookup_decl(p: Pair<Rule>) -> Result<LookupDecl, Diagnostic> {
    let sp = span(&p);
    let (mut name, mut key, mut parent, mut from) = (None, None, None, None);
    let mut optional = false;
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::ident => name = Some(ident(&c)),
            Rule::expr => key = Some(expr(c)?),
            Rule::optional => optional = true,
            Rule::from_clause => {
                from = c
                    .into_inner()
                    .find(|c| c.as_rule() == Rule::ident)
                    .map(|i| ident(&i));
            }
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
            from,
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
    let mut group_each = false;
    let mut fill_down = None;
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
                for x in c.into_inner() {
                    match x.as_rule() {
                        Rule::kw_each => group_each = true,
                        Rule::expr => group_by = Some(expr(x)?),
                        Rule::fill_down => fill_down = Some(span(&x)),
                        _ => {}
                    }
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
    if let Some(at) = fill_down.filter(|_| group_each) {
        return Err(Diagnostic::error(
            Code::Syntax,
            at,
            "syntax error: `fill down` cannot follow `group by each`",
        )
        .label("a row of `group by each` has a list of keys, not one to fill down")
        .hint("fill the keys down with `group by EXPR fill down`, or give every row its list of keys with `group by each EXPR`"));
    }
    match (entity, source) {
        (Some(entity), Some(source)) => Ok(Block {
            entity,
            source,
            group_by,
            group_each,
            fill_down: fill_down.is_some(),
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
    use crate::value::Value;

    fn kind(src: &str) -> ExprKind {
        parse_expr(src)
            .unwrap_or_else(|d| panic!("{src}: {}", d.message))
            .kind
    }

    #[test]
    fn a_lookup_may_name_its_input_and_an_input_may_be_lenient() {
        let f = parse(
            "lookup by_ref from combos by .ref\ninput combos lenient ragged\ninput x lenient",
        )
        .unwrap_or_else(|d| panic!("{}", d.message));
        let Item::Lookup(l) = &f.items[0] else {
            panic!("not a lookup");
        };
        assert_eq!(
            (
                l.name.name.as_str(),
                l.from.as_ref().map(|i| i.name.as_str())
            ),
            ("by_ref", Some("combos"))
        );
        assert!(matches!(&f.items[1], Item::Input(i) if i.name.name == "combos" && i.ragged));
        assert!(matches!(&f.items[2], Item::Input(i) if i.name.name == "x" && !i.ragged));
        // `input` and `lenient` are names elsewhere; a block may read an input called `input`.
        assert!(
            parse("let input = 1\nlet lenient = input\nproducts from input { id = lenient }")
                .is_ok()
        );
        assert!(parse("input x lenient sloppy").is_err());
    }

    #[test]
    fn an_if_ends_at_its_last_brace() {
        // The rule runs on over the blanks after the `}` where it looked for an `else`.
        for src in [
            "if .a { 1 }",
            "if .a { 1 } else if .b { 2 }",
            "if .a { 1 } else { 2 }",
        ] {
            let e = parse_expr(&format!("{src}  \n  # more\n"))
                .unwrap_or_else(|d| panic!("{src}: {}", d.message));
            assert_eq!(e.span, Span::new(0, src.len()), "{src}");
        }
    }

    #[test]
    fn named_elements_go_in_map_and_filters_only() {
        let ExprKind::Map { body, .. } = kind(".axes | map(a => a.n ~ .id)") else {
            panic!("not a map");
        };
        let ExprKind::Lambda { param, body } = body.kind else {
            panic!("not a named element");
        };
        assert_eq!((param.name.as_str(), param.span), ("a", Span::new(12, 13)));
        assert!(matches!(body.kind, ExprKind::Binary(BinOp::Concat, ..)));
        let ExprKind::Filter(_, cond) = kind(".axes[? a => a.n == n]") else {
            panic!("not a filter");
        };
        assert!(cond.is_lambda());
        // `==`, `>=` and a name are not named elements.
        assert!(matches!(kind(".v[? a == b]"), ExprKind::Filter(_, c) if !c.is_lambda()));
        assert!(matches!(kind(".v[? a >= b]"), ExprKind::Filter(_, c) if !c.is_lambda()));
        for src in [
            "trim(x => x)",
            "map(x => x, .a)",
            ".a | trim(x => 1)",
            "[x => 1]",
            "(x => 1)",
        ] {
            let d = parse_expr(src).err();
            assert!(d.is_some_and(|d| d.code == Code::Syntax), "{src}");
        }
        let d = parse_expr("join(x => x, \",\")").err();
        assert_eq!(
            d.map(|d| d.message),
            Some("a named element `x => ...` only goes in `map`'s second argument or in a `[? ]` filter".into())
        );
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

    #[test]
    fn a_lone_equals_sign_asks_for_an_operator_like_double_equals() {
        let src = "products from a where .x = \"SI\" { id = .c }\n";
        let Err(d) = parse(src) else { panic!("parsed") };
        assert_eq!(
            d.message,
            "syntax error: expected an operator like `==`, found `=`"
        );
        let at = src.find(" = ").unwrap_or(0) + 1;
        assert_eq!(d.span(), Span::new(at, at + 1));
        assert!(d.hint.as_deref().unwrap_or("").contains("`==`"), "{d:?}");
        // An attribute's `=` is not touched.
        assert!(parse("products from a { id = .c }").is_ok());
    }

    #[test]
    fn fn_items_parse_and_their_mistakes_say_what_a_fn_needs() {
        let Ok(f) = parse("fn url_of(sku, base,) = base ~ sku\nfn none() = 1") else {
            panic!("does not parse");
        };
        let Item::Fn(d) = &f.items[0] else {
            panic!("not a fn")
        };
        assert_eq!(d.name.name, "url_of");
        let params: Vec<&str> = d.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(params, ["sku", "base"]);
        assert!(matches!(d.body.kind, ExprKind::Binary(BinOp::Concat, ..)));
        let message = |src: &str| parse(src).err().map(|d| d.message).unwrap_or_default();
        assert_eq!(
            message("fn f(x) x"),
            "syntax error: expected `=` and the function's body"
        );
        assert_eq!(
            message("fn f x = 1"),
            "syntax error: expected `(` and the parameters"
        );
        let src = "customers from c {\n  id = .id\n  fn f(x) = x\n}";
        let Err(d) = parse(src) else { panic!("parsed") };
        assert_eq!(
            d.message,
            "syntax error: a `fn` cannot be declared inside a block"
        );
        let at = src.find("fn").unwrap_or(0);
        assert_eq!(d.span(), Span::new(at, at + 2));
        // `fn` stays a name: an attribute, a field, a `let`.
        assert!(parse("let fn = 1\ncustomers from c { id = .fn, fn = fn }").is_ok());
    }

    #[test]
    fn a_file_that_ends_inside_a_block_points_at_its_brace() {
        let src = "products from a {\n  id = .c # a comment with a } in it\n  name = \"{\"\n";
        let Err(d) = parse(src) else { panic!("parsed") };
        assert_eq!(
            d.message,
            "syntax error: the file ends inside a `{ ... }` opened on line 1: expected `}`"
        );
        assert_eq!(d.span(), Span::new(src.len() - 1, src.len() - 1));
        let opener = d.labels.iter().find(|l| !l.primary);
        assert_eq!(
            opener.map(|l| (l.span, l.text.as_str())),
            Some((Span::new(16, 17), "this `{` is never closed"))
        );
        // The innermost one: a call left open in a closed block's last attribute.
        let src = "products from a {\n  id = trim(.c\n";
        let Err(d) = parse(src) else { panic!("parsed") };
        assert!(
            d.message.contains("inside a `( ... )` opened on line 2"),
            "{}",
            d.message
        );
        // Not at the end: what closes the call is expected, and its `(` is pointed at.
        let src = "products from a {\n  id = trim(.c\n  name = .x\n}\n";
        let Err(d) = parse(src) else { panic!("parsed") };
        assert_eq!(
            d.message,
            "syntax error: expected `)` to close the `(` on line 2, or an operator"
        );
        assert_eq!(d.labels[1].text, "this `(` is not closed");
        // A real end of file with nothing open keeps pest's expectations.
        let Err(d) = parse("products from a") else {
            panic!("parsed")
        };
        assert!(
            d.message.starts_with("syntax error: expected"),
            "{}",
            d.message
        );
    }
}

/// Every syntax error names what was expected: each shipped mapping, its lines cut short, gives
/// messages that say more than "syntax error".
#[cfg(test)]
mod every_error_says_what {
    use super::parse;

    /// Each line without its last word, the rest of the file kept; and the file ending after
    /// each line's first word.
    fn cuts(src: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut start = 0;
        for line in src.split_inclusive('\n') {
            let end = start + line.len();
            let body = line.trim_end();
            let indent = body.len() - body.trim_start().len();
            let words: Vec<usize> = body
                .char_indices()
                .filter(|&(i, c)| c.is_whitespace() && i > indent)
                .map(|(i, _)| i)
                .collect();
            if let (Some(&first), Some(&last)) = (words.first(), words.last()) {
                out.push(format!("{}\n{}", &src[..start + last], &src[end..]));
                out.push(src[..start + first].to_string());
            }
            start = end;
        }
        out
    }

    #[test]
    fn no_bare_syntax_error() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/mappings");
        let mut bare = Vec::new();
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "cmap"));
        files.sort();
        assert!(files.len() >= 5, "the shipped mappings in {dir}");
        for path in files {
            let src = std::fs::read_to_string(&path).unwrap_or_default();
            for cut in cuts(&src) {
                if let Err(d) = parse(&cut)
                    && d.message == "syntax error"
                {
                    let at = d.span().start.min(cut.len());
                    let line = cut[..at].lines().last().unwrap_or("");
                    bare.push(format!("{}: at `{line}`", path.display()));
                }
            }
        }
        bare.sort();
        bare.dedup();
        assert!(
            bare.is_empty(),
            "{} bare syntax errors:\n{}",
            bare.len(),
            bare.join("\n")
        );
    }
}
