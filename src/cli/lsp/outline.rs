//! A mapping's outline from its tokens: the blocks, `let`s, `fn`s, lookup tables and attributes,
//! with their places. It is made from a small tokenizer, not from the parser, so that it is
//! there while the text does not parse (an editor asks for completions in the middle of a
//! statement: `name = .ti`).

use crate::diagnostic::Span;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tok {
    /// A name or a keyword.
    Ident,
    /// A string literal, quotes included (maybe not closed).
    Str,
    /// A number.
    Num,
    /// An operator or a bracket: `.`, `==`, `{`, `[`...
    Punct,
}

/// A token and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Token {
    /// What it is.
    pub kind: Tok,
    /// Its bytes.
    pub span: Span,
}

/// The operators of more than one character, longest first.
const MULTI: [&str; 9] = ["...", "==", "!=", "<=", ">=", "??", "||", "&&", "=>"];

/// The tokens of `text`, comments and whitespace left out.
pub(super) fn tokens(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'#' => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                continue;
            }
            b'"' | b'\'' => {
                i += 1;
                while i < b.len() && b[i] != c && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
                Tok::Str
            }
            b'0'..=b'9' => {
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                    i += 1;
                }
                Tok::Num
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                Tok::Ident
            }
            _ => {
                let rest = &text[i..];
                i += MULTI.iter().find(|m| rest.starts_with(*m)).map_or_else(
                    || rest.chars().next().map_or(1, char::len_utf8),
                    |m| m.len(),
                );
                Tok::Punct
            }
        };
        out.push(Token {
            kind,
            span: Span::new(start, i.min(b.len())),
        });
    }
    out
}

/// What a name names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SymbolKind {
    /// `let name = ...`
    Let,
    /// `fn name(...) = ...`
    Fn,
    /// `lookup name by ...`
    Lookup,
    /// `name = ...` in a block.
    Attribute,
    /// A parameter of a `fn`: `fn name(param) = ...`.
    Param,
}

/// A name the mapping defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Symbol {
    /// The name.
    pub name: String,
    /// What it names.
    pub kind: SymbolKind,
    /// The name where it is defined.
    pub span: Span,
    /// The block it belongs to (an index in [`Outline::blocks`]); `None` at file level.
    pub block: Option<usize>,
}

/// An entity block: `products from articoli ... { ... }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct BlockInfo {
    /// The Clerk type as written.
    pub entity: String,
    /// The input it reads.
    pub source: String,
    /// From its first word to its closing `}` (the text's end when there is none).
    pub span: Span,
}

/// A lookup declaration: its table, and where its key and parent expressions are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LookupInfo {
    /// The table, also the input it reads.
    pub name: String,
    /// The whole declaration (up to the next item).
    pub span: Span,
}

/// The outline of a mapping.
#[derive(Debug, Clone, Default)]
pub(super) struct Outline {
    /// Every token.
    pub tokens: Vec<Token>,
    /// The blocks, in file order.
    pub blocks: Vec<BlockInfo>,
    /// The lookup declarations.
    pub lookups: Vec<LookupInfo>,
    /// The names defined, in file order.
    pub symbols: Vec<Symbol>,
    /// The parameters of the `fn`s (kind [`SymbolKind::Param`]), each with its function's
    /// definition (from `fn` to the next file-level item), where it is in scope.
    pub params: Vec<(Symbol, Span)>,
}

impl Outline {
    /// The outline of `text`.
    pub(super) fn new(text: &str) -> Outline {
        let tokens = tokens(text);
        let mut o = Outline {
            tokens,
            ..Outline::default()
        };
        o.scan(text);
        o
    }

    fn scan(&mut self, text: &str) {
        let word = |t: &Token| text.get(t.span.start..t.span.end).unwrap_or("");
        // The braces open: `true` for the one of an entity block.
        let mut stack: Vec<bool> = Vec::new();
        // Where the file-level items start: a lookup declaration ends at the next one.
        let mut starts: Vec<usize> = Vec::new();
        let toks = self.tokens.clone();
        for (i, t) in toks.iter().enumerate() {
            let w = word(t);
            let next = toks.get(i + 1);
            let next_word = next.map(word).unwrap_or("");
            let prev_word = i.checked_sub(1).and_then(|p| toks.get(p)).map(word);
            let block_level = stack.as_slice() == [true];
            match (t.kind, w) {
                (Tok::Punct, "{") => {
                    let header = stack.is_empty() && self.open_header(text, &toks, i);
                    if let Some(b) = self.blocks.last().filter(|_| header) {
                        starts.push(b.span.start);
                    }
                    stack.push(header);
                }
                (Tok::Punct, "}") => {
                    if stack.pop() == Some(true)
                        && let Some(b) = self.blocks.last_mut()
                    {
                        b.span.end = t.span.end;
                    }
                }
                (Tok::Ident, "let" | "fn" | "lookup")
                    if (stack.is_empty() || (block_level && w == "let"))
                        && next.is_some_and(|n| n.kind == Tok::Ident) =>
                {
                    let Some(n) = next else { continue };
                    let kind = match w {
                        "let" => SymbolKind::Let,
                        "fn" => SymbolKind::Fn,
                        _ => SymbolKind::Lookup,
                    };
                    if stack.is_empty() {
                        starts.push(t.span.start);
                    }
                    if kind == SymbolKind::Lookup {
                        self.lookups.push(LookupInfo {
                            name: next_word.to_string(),
                            span: Span::new(t.span.start, text.len()),
                        });
                    }
                    if kind == SymbolKind::Fn && toks.get(i + 2).is_some_and(|p| word(p) == "(") {
                        let scope = Span::new(t.span.start, text.len());
                        let params = toks[i + 3..]
                            .iter()
                            .take_while(|p| p.kind == Tok::Ident || word(p) == ",")
                            .filter(|p| p.kind == Tok::Ident);
                        self.params.extend(params.map(|p| {
                            let param = Symbol {
                                name: word(p).to_string(),
                                kind: SymbolKind::Param,
                                span: p.span,
                                block: None,
                            };
                            (param, scope)
                        }));
                    }
                    self.symbols.push(Symbol {
                        name: next_word.to_string(),
                        kind,
                        span: n.span,
                        block: block_level.then(|| self.blocks.len().saturating_sub(1)),
                    });
                }
                (Tok::Ident, _)
                    if block_level
                        && next_word == "="
                        && prev_word.is_some_and(|p| p != "let" && p != ".") =>
                {
                    self.symbols.push(Symbol {
                        name: w.to_string(),
                        kind: SymbolKind::Attribute,
                        span: t.span,
                        block: Some(self.blocks.len().saturating_sub(1)),
                    });
                }
                _ => {}
            }
        }
        let ends = self
            .lookups
            .iter_mut()
            .map(|l| &mut l.span)
            .chain(self.params.iter_mut().map(|(_, scope)| scope));
        for span in ends {
            if let Some(&next) = starts.iter().find(|&&s| s > span.start) {
                span.end = next;
            }
        }
    }

    /// Whether the `{` at `toks[i]` (at file level) opens an entity block: `ENTITY from SOURCE`
    /// before it, since the last file-level item. Records the block.
    fn open_header(&mut self, text: &str, toks: &[Token], i: usize) -> bool {
        let word = |t: &Token| text.get(t.span.start..t.span.end).unwrap_or("");
        let from = (1..i).rev().find(|&j| {
            let w = word(&toks[j]);
            w == "from" || w == "}" || w == "let" || w == "fn" || w == "lookup"
        });
        let Some(j) = from.filter(|&j| word(&toks[j]) == "from") else {
            return false;
        };
        let (entity, source) = (&toks[j - 1], toks.get(j + 1));
        let Some(source) = source.filter(|s| s.kind == Tok::Ident) else {
            return false;
        };
        if entity.kind != Tok::Ident {
            return false;
        }
        self.blocks.push(BlockInfo {
            entity: word(entity).to_string(),
            source: word(source).to_string(),
            span: Span::new(entity.span.start, text.len()),
        });
        true
    }

    /// The block whose span holds `offset` (its header included).
    pub(super) fn block_at(&self, offset: usize) -> Option<usize> {
        self.blocks
            .iter()
            .position(|b| b.span.start <= offset && offset <= b.span.end)
    }

    /// The lookup declaration that holds `offset`.
    pub(super) fn lookup_at(&self, offset: usize) -> Option<&LookupInfo> {
        self.lookups
            .iter()
            .find(|l| l.span.start <= offset && offset <= l.span.end)
    }

    /// The index of the token that holds `offset` or ends there (a name being typed).
    pub(super) fn token_at(&self, offset: usize) -> Option<usize> {
        let mut i = self.tokens.partition_point(|t| t.span.end < offset);
        // Between two tokens (`.|name`), the one that starts there.
        if self
            .tokens
            .get(i + 1)
            .is_some_and(|n| n.span.start == offset)
        {
            i += 1;
        }
        let t = self.tokens.get(i)?;
        (t.span.start <= offset && offset <= t.span.end).then_some(i)
    }

    /// The parameters in scope at `offset`: those of the `fn` whose body holds it.
    pub(super) fn params_at(&self, offset: usize) -> impl Iterator<Item = &Symbol> {
        self.params
            .iter()
            .filter(move |(p, scope)| p.span.end < offset && offset <= scope.end)
            .map(|(p, _)| p)
    }

    /// The definition `name` refers to at `offset`: a parameter of the `fn` there, a `let` of
    /// the block there, defined before it, else a file-level `let`, `fn` or lookup table.
    pub(super) fn definition(&self, name: &str, offset: usize) -> Option<&Symbol> {
        if let Some(param) = self.params_at(offset).find(|p| p.name == name) {
            return Some(param);
        }
        let block = self.block_at(offset);
        let local = self.symbols.iter().rev().find(|s| {
            s.name == name
                && s.block.is_some()
                && s.block == block
                && s.span.start < offset
                && matches!(s.kind, SymbolKind::Let | SymbolKind::Attribute)
        });
        local.or_else(|| {
            self.symbols
                .iter()
                .find(|s| s.name == name && s.block.is_none())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# a comment with let x = "
let site = var("site_url", "https://x.test") # {
lookup categorie by .codice parent .codicePadre
fn price_of(p) = p | decimal
products from articoli where .a == "}" {
  let base = .prezzo | decimal
  id = .codice
  meta = {a: 1, b: if base > 1 { 2 } else { 3 }}
  price = price_of(.prezzo)
}
categories from categorie {
  id = .codice
  name = .nome | tr
"#;

    #[test]
    fn finds_blocks_and_names_in_a_file_that_does_not_parse() {
        let o = Outline::new(TEXT);
        let names: Vec<(&str, SymbolKind, Option<usize>)> = o
            .symbols
            .iter()
            .map(|s| (s.name.as_str(), s.kind, s.block))
            .collect();
        use SymbolKind::*;
        assert_eq!(
            names,
            [
                ("site", Let, None),
                ("categorie", Lookup, None),
                ("price_of", Fn, None),
                ("base", Let, Some(0)),
                ("id", Attribute, Some(0)),
                ("meta", Attribute, Some(0)),
                ("price", Attribute, Some(0)),
                ("id", Attribute, Some(1)),
                ("name", Attribute, Some(1)),
            ]
        );
        assert_eq!(o.blocks.len(), 2);
        assert_eq!(
            (o.blocks[0].entity.as_str(), o.blocks[0].source.as_str()),
            ("products", "articoli")
        );
        assert_eq!(&TEXT[o.blocks[0].span.end - 1..o.blocks[0].span.end], "}");
        assert_eq!(o.blocks[1].span.end, TEXT.len());
        let in_lookup = TEXT.find(".codicePadre").unwrap();
        assert_eq!(
            o.lookup_at(in_lookup).map(|l| l.name.as_str()),
            Some("categorie")
        );
        assert_eq!(o.lookup_at(TEXT.find("price_of").unwrap()), None);
        let used = TEXT.find("if base").unwrap() + 3;
        assert_eq!(
            o.definition("base", used).map(|s| s.span.start),
            TEXT.find("base")
        );
        assert_eq!(o.definition("site", used).map(|s| s.kind), Some(Let));
        assert_eq!(o.definition("base", TEXT.len()), None);
        // `p` in `price_of`'s body is its parameter; outside it, nothing.
        let in_body = TEXT.find("p | decimal").unwrap() + 1;
        let p = o.definition("p", in_body);
        assert_eq!(
            p.map(|s| (s.kind, s.span.start)),
            Some((Param, TEXT.find("p)").unwrap()))
        );
        assert_eq!(o.definition("p", used), None);
        assert_eq!(o.params_at(TEXT.find("p)").unwrap()).count(), 0);
    }

    #[test]
    fn tokens_skip_comments_and_keep_strings_whole() {
        let text = "a == \"x \\\" y\" # c\n...b";
        let words: Vec<&str> = tokens(text)
            .iter()
            .map(|t| &text[t.span.start..t.span.end])
            .collect();
        assert_eq!(words, ["a", "==", "\"x \\\" y\"", "...", "b"]);
    }
}
