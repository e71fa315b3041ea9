//! The answers: hover, completion, go to definition, formatting, quick fixes.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CompletionItem,
    CompletionItemKind, CompletionParams, CompletionResponse, CompletionTextEdit,
    DocumentFormattingParams, Documentation, GotoDefinitionParams, GotoDefinitionResponse, Hover,
    HoverContents, HoverParams, Location, MarkupContent, MarkupKind, TextEdit, Url, WorkspaceEdit,
};

use super::outline::{Outline, SymbolKind, Tok, Token};
use super::project::InputFile;
use super::{Document, Server};
use crate::check::input_paths::record_reads;
use crate::clerk::Entity;
use crate::diagnostic::SourceFile;
use crate::functions::{self, Function};
use crate::workflow::inspect::{Field, field_step};

/// The words of the language an editor may complete.
const KEYWORDS: [&str; 18] = [
    "let", "fn", "lookup", "by", "parent", "optional", "from", "group", "each", "fill", "down",
    "where", "if", "else", "match", "and", "or", "not",
];

fn word<'a>(doc: &'a Document, t: &Token) -> &'a str {
    doc.text.get(t.span.start..t.span.end).unwrap_or("")
}

fn markdown(value: String) -> MarkupContent {
    MarkupContent {
        kind: MarkupKind::Markdown,
        value,
    }
}

/// A built-in function as hovers and completions show it: its signature, what it does, its
/// first example.
pub(super) fn function_doc(f: &Function) -> String {
    let mut s = format!(
        "```cmap\n{} → {}\n```\n\n{}",
        f.signature(),
        f.returns,
        f.summary
    );
    if let Some(e) = f.examples.first() {
        let result = match e.result {
            Ok(v) => v.to_string(),
            Err(msg) => format!("error: {msg}"),
        };
        s.push_str(&format!(
            "\n\nExample ({}): `{}` → `{result}`",
            e.title, e.source
        ));
    }
    s
}

/// The forms that read like calls but are the language's own (not in the function registry):
/// what docs/language.md says of them, in short.
pub(super) fn form_doc(name: &str) -> Option<&'static str> {
    Some(match name {
        "var" => concat!(
            "```cmap\nvar(\"NAME\", default?)\n```\n\n",
            "The value of `--var NAME=VALUE` (or `vars:` in `clerkmap.yaml`), converted to the ",
            "default's type; the default when it is not given. Resolved when the mapping is ",
            "checked: without a default and without the value, the mapping is refused (`E014`)."
        ),
        "env" => concat!(
            "```cmap\nenv(\"NAME\", default?)\n```\n\n",
            "The environment variable `NAME`, converted to the default's type; the default when ",
            "it is not set. Resolved when the mapping is checked."
        ),
        "map" => concat!(
            "```cmap\nmap(LIST, EXPR)    map(LIST, x => EXPR)\n```\n\n",
            "`EXPR` for each element of a list (`.` the element, or named `x` with `.` kept), ",
            "null results dropped; a null list gives null."
        ),
        _ => return None,
    })
}

/// The line `span` starts on, as a code block, and its number.
fn definition_line(doc: &Document, start: usize) -> String {
    let line_start = doc.text[..start.min(doc.text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = doc.text[line_start..].lines().next().unwrap_or("").trim();
    let n = doc.index.position(&doc.text, start).line + 1;
    format!("```cmap\n{line}\n```\n\ndefined on line {n}")
}

/// A string literal's text (its escapes decoded), or a name as it is.
fn step_name(doc: &Document, t: &Token) -> String {
    let w = word(doc, t);
    if t.kind != Tok::Str {
        return w.to_string();
    }
    if w.starts_with('"') {
        serde_json::from_str::<String>(w).unwrap_or_else(|_| w.trim_matches('"').to_string())
    } else {
        w.trim_matches('\'').to_string()
    }
}

/// The record path before the `.` at token `dot`, in `inspect`'s notation, and where it
/// starts; `None` when the `.` does not continue a path of the record (`x.a`, `f(x).a`).
fn path_before(doc: &Document, o: &Outline, dot: usize) -> Option<(String, usize)> {
    let toks = &o.tokens;
    let adjacent = |a: usize, b: usize| toks[a].span.end == toks[b].span.start;
    let is_name = |i: usize| matches!(toks[i].kind, Tok::Ident | Tok::Str);
    let is = |i: usize, w: &str| word(doc, &toks[i]) == w;
    let mut steps: Vec<String> = Vec::new();
    let mut k = dot;
    while let Some(p) = k.checked_sub(1).filter(|&p| adjacent(p, k)) {
        if is_name(p) && p >= 1 && is(p - 1, ".") && adjacent(p - 1, p) {
            steps.push(field_step(&step_name(doc, &toks[p])));
            k = p - 1;
        } else if is(p, "]") && p >= 2 && is(p - 2, "[") {
            steps.push("[*]".into());
            let open = p - 2;
            match open.checked_sub(1) {
                // `rows[*].x`: the rows are records of the input, the path is `.x`.
                Some(q) if word(doc, &toks[q]) == "rows" && adjacent(q, open) => {
                    steps.pop();
                    break;
                }
                Some(q) if is_name(q) && q >= 1 && is(q - 1, ".") && adjacent(q, open) => {
                    steps.push(field_step(&step_name(doc, &toks[q])));
                    k = q - 1;
                }
                _ => return None,
            }
        } else if is_name(p) || is(p, ")") || is(p, "]") {
            return None;
        } else {
            break;
        }
    }
    steps.reverse();
    Some((steps.concat(), toks[k].span.start))
}

/// What `.` stands for at token `k`, in `inspect`'s notation: an element of the list that an
/// enclosing `[? ]` filter or `map(LIST, ...)` walks (`.varianti[*]`), else the record (`""`:
/// also when that list is not a path of the record, such as `rows` or a `let`). Read from the
/// tokens, so it works in half-typed text, where [`in_context`] cannot parse.
fn context_at(doc: &Document, o: &Outline, k: usize) -> String {
    let toks = &o.tokens;
    let w = |i: usize| word(doc, &toks[i]);
    // closing brackets not yet matched; commas and `=>` of the innermost open group
    let (mut depth, mut commas, mut named) = (0usize, 0usize, false);
    let mut p = k;
    while let Some(q) = p.checked_sub(1) {
        p = q;
        match w(p) {
            ")" | "]" | "}" => depth += 1,
            "(" | "[" | "{" if depth > 0 => depth -= 1,
            "," if depth == 0 => commas += 1,
            "=>" if depth == 0 => named = true,
            open @ ("(" | "[" | "{") => {
                let list_end = match open {
                    // `LIST[? ...]`: the list ends where the filter opens
                    "[" if toks.get(p + 1).is_some_and(|_| w(p + 1) == "?") => Some(p),
                    // `map(LIST, ...)`, `.` not named: the list is the first argument
                    "(" if commas == 1 && !named && p >= 1 && w(p - 1) == "map" => {
                        first_argument_end(doc, o, p)
                    }
                    _ => None,
                };
                if let Some(end) = list_end {
                    return match path_before(doc, o, before_filters(doc, o, end)) {
                        Some((list, start)) if open == "[" || start == toks[p + 1].span.start => {
                            let first = toks.partition_point(|t| t.span.start < start);
                            format!("{}{list}[*]", context_at(doc, o, first))
                        }
                        _ => String::new(),
                    };
                }
                (commas, named) = (0, false);
            }
            _ => {}
        }
    }
    String::new()
}

/// Token `end`, or the `[` of the `[? ]` filters just before it (`.a[? .x][? .y]` lists
/// elements of `.a`).
fn before_filters(doc: &Document, o: &Outline, mut end: usize) -> usize {
    let w = |i: usize| word(doc, &o.tokens[i]);
    while end >= 1 && w(end - 1) == "]" {
        let mut depth = 0usize;
        let open = (0..end - 1).rev().find(|&i| match w(i) {
            ")" | "]" | "}" => {
                depth += 1;
                false
            }
            "(" | "[" | "{" if depth > 0 => {
                depth -= 1;
                false
            }
            "(" | "[" | "{" => true,
            _ => false,
        });
        match open {
            Some(i) if w(i) == "[" && o.tokens.get(i + 1).is_some_and(|_| w(i + 1) == "?") => {
                end = i;
            }
            _ => break,
        }
    }
    end
}

/// The token after the first argument of the call whose `(` is token `open` (its `,`).
fn first_argument_end(doc: &Document, o: &Outline, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in o.tokens.iter().enumerate().skip(open + 1) {
        match word(doc, t) {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" if depth == 0 => return None,
            ")" | "]" | "}" => depth -= 1,
            "," if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// The record path `written` (ending at `end`) means in its context, when the text parses:
/// inside `.a[? .b == 1]` or `map(.a, .b)`, `.b` is `.a[*].b`; `rows[*].x` is `.x`. It is the
/// path the checker finds there (W003's), cut after the step that ends at `end`.
fn in_context(text: &str, end: usize, written: &str) -> Option<String> {
    let reads = record_reads(&SourceFile::new("", text))?;
    let innermost = reads
        .inputs
        .iter()
        .flat_map(|r| r.paths.iter())
        .filter(|u| u.span.start < end && end <= u.span.end)
        .min_by_key(|u| u.span.end - u.span.start)?;
    let p = innermost.path.as_str();
    (1..=p.len())
        .filter(|&j| p.is_char_boundary(j))
        .find(|&j| {
            p[..j].ends_with(written)
                && p[j..].is_empty() | p[j..].starts_with('.') | p[j..].starts_with('[')
        })
        .map(|j| p[..j].to_string())
}

impl Server {
    /// The inputs a place of a document reads: its block's source, its lookup table, else
    /// every input of the project.
    fn inputs_at(
        &mut self,
        doc_path: Option<&std::path::Path>,
        o: &Outline,
        offset: usize,
    ) -> Vec<InputFile> {
        let project = self.projects.project(doc_path);
        let name = match o.block_at(offset) {
            Some(b) => Some(o.blocks[b].source.clone()),
            None => o.lookup_at(offset).map(|l| l.name.clone()),
        };
        project
            .inputs
            .into_iter()
            .filter(|i| name.as_ref().is_none_or(|n| *n == i.name))
            .collect()
    }

    /// The fields `inspect` finds in `inputs`, with the input's name.
    fn fields(&mut self, inputs: &[InputFile]) -> Vec<(String, u64, Field)> {
        let mut out = Vec::new();
        for input in inputs {
            if let Ok(i) = self.projects.inspect(input) {
                out.extend(
                    i.fields
                        .iter()
                        .map(|f| (input.name.clone(), i.records, f.clone())),
                );
            }
        }
        out
    }

    pub(super) fn hover(&mut self, p: HoverParams) -> Option<Hover> {
        let at = p.text_document_position_params;
        let doc = self.docs.get(&at.text_document.uri)?;
        let offset = doc.index.offset(&doc.text, at.position);
        let o = &doc.outline;
        let i = o.token_at(offset)?;
        let t = o.tokens[i];
        let w = word(doc, &t).to_string();
        let prev = i.checked_sub(1).map(|j| word(doc, &o.tokens[j]));
        let next = o.tokens.get(i + 1).map(|n| word(doc, n));
        let range = Some(doc.index.range(&doc.text, t.span));
        let value = if prev == Some(".") && matches!(t.kind, Tok::Ident | Tok::Str) {
            // As written (`None` after a `[? ...]`, a name or a call), then in its context.
            let parent = path_before(doc, o, i - 1).map(|(p, _)| p);
            let step = field_step(&step_name(doc, &t));
            let written = format!("{}{step}", parent.as_deref().unwrap_or(""));
            let path = match in_context(&doc.text, t.span.end, &written) {
                Some(p) => p,
                None => parent.map(|_| written)?,
            };
            let (doc_path, o) = (doc.path.clone(), o.clone());
            let inputs = self.inputs_at(doc_path.as_deref(), &o, offset);
            let found: Vec<_> = self
                .fields(&inputs)
                .into_iter()
                .filter(|f| f.2.path == path)
                .collect();
            field_doc(&path, &found)?
        } else if t.kind == Tok::Ident {
            let called = next == Some("(") || prev == Some("|");
            let user = o.definition(&w, offset);
            match (user, functions::get(&w)) {
                // An attribute where it is assigned: what Clerk wants in it.
                (Some(s), _) if s.kind == SymbolKind::Attribute && s.span == t.span => {
                    attribute_doc(o, offset, &w)
                        .unwrap_or_else(|| definition_line(doc, s.span.start))
                }
                (Some(s), _) if s.kind == SymbolKind::Fn || !called => {
                    definition_line(doc, s.span.start)
                }
                (_, Some(f)) => function_doc(f),
                (Some(s), None) => definition_line(doc, s.span.start),
                (None, None) => form_doc(&w)
                    .map(str::to_string)
                    .or_else(|| attribute_doc(o, offset, &w))?,
            }
        } else {
            return None;
        };
        Some(Hover {
            contents: HoverContents::Markup(markdown(value)),
            range,
        })
    }

    pub(super) fn definition(&mut self, p: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
        let at = p.text_document_position_params;
        let uri = at.text_document.uri;
        let doc = self.docs.get(&uri)?;
        let offset = doc.index.offset(&doc.text, at.position);
        let o = &doc.outline;
        let i = o.token_at(offset)?;
        let t = o.tokens[i];
        let after_dot = i
            .checked_sub(1)
            .is_some_and(|j| word(doc, &o.tokens[j]) == ".");
        if t.kind != Tok::Ident || after_dot {
            return None;
        }
        let s = o.definition(word(doc, &t), offset)?;
        let range = doc.index.range(&doc.text, s.span);
        Some(GotoDefinitionResponse::Scalar(Location::new(uri, range)))
    }

    pub(super) fn formatting(&mut self, p: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
        let doc = self.docs.get(&p.text_document.uri)?;
        let out = crate::syntax::format::format(&doc.text).ok()?;
        if out == doc.text {
            return Some(Vec::new());
        }
        let whole = doc
            .index
            .range(&doc.text, crate::diagnostic::Span::new(0, doc.text.len()));
        Some(vec![TextEdit::new(whole, out)])
    }

    pub(super) fn code_actions(&mut self, p: CodeActionParams) -> Option<Vec<CodeActionOrCommand>> {
        let uri = p.text_document.uri;
        let doc = self.docs.get(&uri)?;
        let start = doc.index.offset(&doc.text, p.range.start);
        let end = doc.index.offset(&doc.text, p.range.end);
        let actions = doc
            .diags
            .iter()
            .filter_map(|d| {
                let r = d.replacement.as_ref()?;
                let s = d.span();
                (s.start <= end && start <= s.end).then_some((d, r))
            })
            .map(|(d, r)| {
                let edit = TextEdit::new(doc.index.range(&doc.text, r.span), r.text.clone());
                CodeActionOrCommand::CodeAction(CodeAction {
                    title: format!("Replace with `{}`", r.text),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![super::diagnostics::to_lsp(&uri, doc, d)]),
                    edit: Some(WorkspaceEdit {
                        changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                        ..WorkspaceEdit::default()
                    }),
                    is_preferred: Some(true),
                    ..CodeAction::default()
                })
            })
            .collect();
        Some(actions)
    }

    pub(super) fn completion(&mut self, p: CompletionParams) -> Option<CompletionResponse> {
        let at = p.text_document_position;
        let uri: Url = at.text_document.uri;
        let doc = self.docs.get(&uri)?;
        let offset = doc.index.offset(&doc.text, at.position);
        let o = doc.outline.clone();
        let i = o.token_at(offset);
        let word_at = |i: usize| word(doc, &o.tokens[i]);
        // `.`, or `.na` being typed: a field path.
        let dot = match i {
            Some(i) if word_at(i) == "." => Some(i),
            Some(i) if o.tokens[i].kind == Tok::Ident && i >= 1 && word_at(i - 1) == "." => {
                Some(i - 1)
            }
            _ => None,
        };
        if let Some(dot) = dot {
            let (written, start) = path_before(doc, &o, dot)?;
            // the paths under what `.` stands for there, written from it
            let first = o.tokens.partition_point(|t| t.span.start < start);
            let context = context_at(doc, &o, first);
            let parent = format!("{context}{written}");
            let replace = doc
                .index
                .range(&doc.text, crate::diagnostic::Span::new(start, offset));
            let doc_path = doc.path.clone();
            let inputs = self.inputs_at(doc_path.as_deref(), &o, offset);
            let mut seen = std::collections::BTreeSet::new();
            let items = self
                .fields(&inputs)
                .into_iter()
                .filter(|(_, _, f)| f.path.len() > parent.len() && f.path.starts_with(&parent))
                .filter(|(_, _, f)| seen.insert(f.path.clone()))
                .map(|(input, records, f)| {
                    let path = f.path[context.len()..].to_string();
                    CompletionItem {
                        label: path.clone(),
                        kind: Some(CompletionItemKind::FIELD),
                        detail: Some(field_summary(&input, records, &f)),
                        filter_text: Some(path.clone()),
                        text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(replace, path))),
                        ..CompletionItem::default()
                    }
                })
                .collect();
            return Some(CompletionResponse::Array(items));
        }
        let doc = self.docs.get(&uri)?;
        Some(CompletionResponse::Array(names(doc, &o, offset, i)))
    }
}

/// The names that may be written at `offset`: functions, the mapping's names, keywords, and
/// at the start of a statement the attributes of the block's Clerk type.
fn names(doc: &Document, o: &Outline, offset: usize, i: Option<usize>) -> Vec<CompletionItem> {
    let start = i.map_or(offset, |i| o.tokens[i].span.start);
    let prev = o.tokens[..o.tokens.partition_point(|t| t.span.end <= start)].last();
    let piped = prev.is_some_and(|p| word(doc, p) == "|");
    let mut items: Vec<CompletionItem> = functions::all()
        .map(|f| CompletionItem {
            label: f.name.to_string(),
            kind: Some(CompletionItemKind::FUNCTION),
            detail: Some(f.signature()),
            documentation: Some(Documentation::MarkupContent(markdown(function_doc(f)))),
            ..CompletionItem::default()
        })
        .collect();
    let block = o.block_at(offset);
    for s in o.symbols.iter().chain(o.params_at(start)) {
        let visible = s.block.is_none() || (s.block == block && s.span.end < start);
        if !visible || (piped && s.kind != SymbolKind::Fn) {
            continue;
        }
        let (kind, what) = match s.kind {
            SymbolKind::Let => (CompletionItemKind::VARIABLE, "let"),
            SymbolKind::Fn => (CompletionItemKind::FUNCTION, "fn"),
            SymbolKind::Lookup => (CompletionItemKind::STRUCT, "lookup table"),
            SymbolKind::Attribute => (CompletionItemKind::PROPERTY, "attribute"),
            SymbolKind::Param => (CompletionItemKind::VARIABLE, "parameter"),
        };
        let line = doc.index.position(&doc.text, s.span.start).line + 1;
        items.push(CompletionItem {
            label: s.name.clone(),
            kind: Some(kind),
            detail: Some(format!("{what}, line {line}")),
            ..CompletionItem::default()
        });
    }
    if piped {
        return items;
    }
    items.extend(
        functions::SPECIAL
            .iter()
            .chain(KEYWORDS.iter())
            .map(|k| CompletionItem {
                label: k.to_string(),
                kind: Some(CompletionItemKind::KEYWORD),
                ..CompletionItem::default()
            }),
    );
    // At a statement's start: the attributes Clerk knows for the block's type.
    let line_start = doc.text[..start.min(doc.text.len())]
        .rfind('\n')
        .map_or(0, |n| n + 1);
    let statement_start = doc.text[line_start..start].trim().is_empty();
    if let Some(entity) = block
        .filter(|_| statement_start)
        .and_then(|b| Entity::parse(&o.blocks[b].entity))
    {
        items.extend(entity.fields().iter().map(|f| CompletionItem {
            label: f.name.to_string(),
            kind: Some(CompletionItemKind::FIELD),
            detail: Some(format!(
                "{} attribute{}: {}",
                entity.name(),
                if f.required { ", required" } else { "" },
                f.kind.describe()
            )),
            ..CompletionItem::default()
        }));
    }
    items
}

/// A Clerk attribute assigned at `offset`: what Clerk wants in it.
fn attribute_doc(o: &Outline, offset: usize, name: &str) -> Option<String> {
    let b = o.block_at(offset)?;
    let entity = Entity::parse(&o.blocks[b].entity)?;
    let f = entity.field(name)?;
    Some(format!(
        "Clerk {} attribute `{}`{}: {}",
        entity.name(),
        f.name,
        if f.required { " (required)" } else { "" },
        f.kind.describe()
    ))
}

/// `string 100% · 40/40 records · "a", "b"` for a completion's detail.
fn field_summary(input: &str, records: u64, f: &Field) -> String {
    let types: Vec<&str> = f.types.iter().map(|(t, _)| t.as_str()).collect();
    let examples: Vec<String> = f.examples.iter().map(|e| e.to_string()).collect();
    format!(
        "{input}: {} in {}/{records} records{}",
        types.join("|"),
        f.present,
        if examples.is_empty() {
            String::new()
        } else {
            format!(", e.g. {}", examples.join(", "))
        }
    )
}

/// A path's hover: for each input that has it, its types, presence and examples.
fn field_doc(path: &str, found: &[(String, u64, Field)]) -> Option<String> {
    if found.is_empty() {
        return None;
    }
    let mut s = format!("`{path}`");
    for (input, records, f) in found {
        s.push_str(&format!("\n\n{}", field_summary(input, *records, f)));
        if let Some(shape) = &f.text_shape {
            s.push_str(&format!(" ({shape})"));
        }
        if let Some(h) = &f.hint {
            s.push_str(&format!("\n\nhint: {h}"));
        }
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::{Document, Url, context_at, in_context};

    /// What `.` stands for at the last `.` of `text` (which need not parse).
    fn context_of_last_dot(text: &str) -> String {
        let uri = Url::parse("file:///m.cmap").unwrap_or_else(|e| panic!("{e}"));
        let doc = Document::new(&uri, text.to_string());
        let at = text
            .rfind('.')
            .unwrap_or_else(|| panic!("no `.` in {text:?}"));
        let k = doc.outline.tokens.partition_point(|t| t.span.start < at);
        context_at(&doc, &doc.outline, k)
    }

    #[test]
    fn half_typed_filters_and_maps_say_what_dot_stands_for() {
        let head = "products from a {\n  x = ";
        for (typed, want) in [
            (".", ""),
            ("first(.imm[? .", ".imm[*]"),
            ("first(.imm[?.", ".imm[*]"),
            ("first(.imm[? .tipo == \"c\" and .", ".imm[*]"),
            ("len(.a[? len(.b[? .", ".a[*].b[*]"),
            ("len(.a[*].b[? .", ".a[*].b[*]"),
            ("map(.righe, .", ".righe[*]"),
            ("map(.righe, { id: .codice, qty: .", ".righe[*]"),
            ("map(.righe, f(.x, .", ".righe[*]"),
            ("map(.righe[? .ok], .", ".righe[*]"),
            ("map(.righe[? .ok][? (.q > 1)], .", ".righe[*]"),
            ("len(.a[? .x == [1]][? .", ".a[*]"),
            ("map(f(.righe), .", ""),
            ("map(.", ""),
            ("map(.righe, r => .", ""),
            ("map(.righe , .", ""),
            ("rows[? .", ""),
            ("variations[? .", ""),
            ("f(.a, .", ""),
            ("[.a, .", ""),
            ("first(.imm[? .t]) ?? .", ""),
        ] {
            assert_eq!(
                context_of_last_dot(&format!("{head}{typed}")),
                want,
                "{typed}"
            );
        }
    }

    #[test]
    fn a_path_in_a_filter_a_map_or_rows_is_the_path_it_reads() {
        let text = "products from a group by .c {\n  id = .c\n  x = first(.imm[? .tipo == \"c\"].url)\n  y = map(.righe, .qty)\n  z = rows[*].n\n}\n";
        let end = |needle: &str| text.find(needle).unwrap() + needle.len();
        assert_eq!(
            in_context(text, end(".tipo"), ".tipo").as_deref(),
            Some(".imm[*].tipo")
        );
        assert_eq!(
            in_context(text, end(".imm"), ".imm").as_deref(),
            Some(".imm")
        );
        assert_eq!(
            in_context(text, end("].url"), ".url").as_deref(),
            Some(".imm[*].url")
        );
        assert_eq!(
            in_context(text, end(".qty"), ".qty").as_deref(),
            Some(".righe[*].qty")
        );
        assert_eq!(in_context(text, end("[*].n"), ".n").as_deref(), Some(".n"));
        assert_eq!(in_context("products from {", 15, ".x"), None);
    }
}
