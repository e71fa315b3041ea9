//! The mapping against its inputs: the record paths each block (and each lookup declaration)
//! reads, in `inspect`'s notation (`.a.b`, `."Codice EAN"`, lists as `[*]`), checked against
//! the paths that occur in the records of the input it reads. A path no record has is W003,
//! located at the path, with the closest path the input does have as a suggestion: a
//! misspelt field (`.titlo`) is found before a run rejects every record for it.
//!
//! The input's paths come from outside ([`InputFields`]: `workflow::inspect` collects them),
//! so that the checker reads no file. What an attribute reads ([`MappingReads`]) also
//! explains rejects after a run: a required attribute missing from every record names the
//! paths its expression reads.
//!
//! How a path of the mapping is written in that notation:
//!
//! - `.a.b` and `.a["b"]` are `.a.b`; `.a[0]`, `.a[*]` and `.a[? cond]` are `.a[*]`, and the
//!   condition reads the element (`.a[? .tipo == "x"]` reads `.a[*].tipo`);
//! - `rows[*].x`, `rows[0].x`, `rows[? .x == 1].y` and `map(rows, .x)` in a grouped block
//!   read `.x` (and `.y`): rows are records of the input;
//! - `map(.a, .b)` reads `.a[*].b`, and `map(.a[*].b, .c)` reads `.a[*].b.c` (a projection's
//!   list holds what it reads);
//! - a named element is its element (`.a[? x => x.b]` reads `.a[*].b`), and a block `let`
//!   bound to a path or to a list of rows stands for it below (`let v = .a` then `v.b` reads
//!   `.a.b`; `let live = rows[? .ok]` then `live[*].x` reads `.x`);
//! - an index computed from a name (`.attributi[key]`) reads the path before it
//!   (`.attributi`), and nothing after it is checked; neither are paths on other names
//!   (attributes, `let`s bound to a projection or a computed value) or on the results of
//!   calls (`lookup(t, .k).nome`, `first(rows).x`).
//!
//! Those three `[*]` do not read the same values, so a path is matched against the records as a
//! *pattern* ([`PathUse::pattern`]) that tells them apart: `[*]` takes the elements of a list or
//! the values of an object (`.attributi[*]` over `{"Marca": ..}` reads `.attributi.Marca`),
//! `[?]` (a filter) the elements of a list or the value itself when it is not a list (as the
//! filter tests it), and `[#]` (a constant index, or `map`'s list) only the elements of a list.
//! Messages show the path with `[*]` ([`PathUse::path`]).

use std::collections::{BTreeSet, HashMap};

use crate::value::Value;

use crate::diagnostic::{Code, Diagnostic, SourceFile, Span, suggest};
use crate::syntax;
use crate::syntax::ast::{BinOp, Block, Expr, ExprKind, FnDecl, Item, Stmt, UnOp};
use crate::syntax::visit::{Visitor, forget_element, walk_expr};

/// `.name`, or `."odd name"` when the name is not an identifier: a field step as a mapping
/// writes it (and `inspect` shows it).
pub fn field_step(name: &str) -> String {
    let mut chars = name.chars();
    let ident = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ident {
        format!(".{name}")
    } else {
        format!(".{}", Value::String(name.to_string().into()))
    }
}

/// The paths that occur in the records of one input, as `inspect` found them.
#[derive(Debug, Clone, Default)]
pub struct InputFields {
    /// The input's name: a source after `from`, or a lookup table.
    pub name: String,
    /// The input, as messages name it (its path as given).
    pub file: String,
    /// Records read.
    pub records: u64,
    /// Whether the input has more records than were read.
    pub sampled: bool,
    /// Every path found (`.a.b`, `.a[*].c`), every prefix of a path included; or, when a run
    /// found every path its mapping reads ([`crate::check::input_paths`]'s patterns), those.
    pub paths: BTreeSet<String>,
    /// The paths whose every value read is a text (or null): a CSV's columns (W008).
    pub texts: BTreeSet<String>,
    /// The paths that are a list in some records and one value in others (an XML element
    /// once or repeated), with how many records had the one value (W010).
    pub one_or_many: Vec<(String, u64)>,
    /// The input's format as `--input-format` states it, when stated, as a shell word
    /// (`xml:Artikel`, `'csv;'`): the `inspect` command a hint suggests needs it too.
    pub format: Option<String>,
}

impl InputFields {
    /// `all 40 records read` / `sampled 10000 records`.
    pub fn read_note(&self) -> String {
        if self.sampled {
            format!("sampled {}", crate::value::plural(self.records, "record"))
        } else if self.records == 1 {
            "its only record read".to_string()
        } else {
            format!("all {} records read", self.records)
        }
    }

    /// Whether some record has the path `pattern` (with [`PathUse::pattern`]'s steps).
    pub fn has(&self, pattern: &str) -> bool {
        occurs(pattern, &self.paths)
    }
}

/// Whether `pattern` (a [`PathUse::pattern`]) matches a path of `paths` (in `inspect`'s
/// notation, every prefix included): `[*]` a list's elements (`[*]`) or an object's values
/// (any field), `[?]` a list's elements or the value itself, `[#]` a list's elements.
pub fn occurs(pattern: &str, paths: &BTreeSet<String>) -> bool {
    if paths.contains(pattern) {
        return true;
    }
    // The paths of the records the steps so far lead to.
    let mut here: Vec<String> = vec![String::new()];
    for step in split_steps(pattern) {
        let mut next: Vec<String> = Vec::new();
        for p in &here {
            if !matches!(step.as_str(), EACH | FILTERED | INDEXED) {
                let q = format!("{p}{step}");
                if paths.contains(&q) {
                    next.push(q);
                }
                continue;
            }
            let element = format!("{p}{EACH}");
            if paths.contains(&element) {
                next.push(element);
            }
            match step.as_str() {
                EACH => next.extend(fields_of(p, paths)),
                FILTERED => next.push(p.clone()),
                _ => {}
            }
        }
        next.sort();
        next.dedup();
        if next.is_empty() {
            return false;
        }
        here = next;
    }
    true
}

/// The paths of `paths` one field step below `parent`.
fn fields_of(parent: &str, paths: &BTreeSet<String>) -> Vec<String> {
    paths
        .range::<str, _>((
            std::ops::Bound::Included(parent),
            std::ops::Bound::Unbounded,
        ))
        .take_while(|p| p.starts_with(parent))
        .filter(|p| {
            let rest = &p[parent.len()..];
            rest.starts_with('.') && split_steps(rest).len() == 1
        })
        .cloned()
        .collect()
}

/// A pattern's step over every element of a list, or every value of an object: `[*]`.
pub const EACH: &str = "[*]";
/// A pattern's step of a `[? ]` filter: every element of a list, or the value itself.
pub const FILTERED: &str = "[?]";
/// A pattern's step of a constant index or of `map`'s list: the elements of a list only.
pub const INDEXED: &str = "[#]";

/// A pattern as messages show it: every element step written `[*]`.
pub fn shown(pattern: &str) -> String {
    if !pattern.contains(FILTERED) && !pattern.contains(INDEXED) {
        return pattern.to_string();
    }
    split_steps(pattern)
        .into_iter()
        .map(|s| match s.as_str() {
            FILTERED | INDEXED => EACH.to_string(),
            _ => s,
        })
        .collect()
}

/// A record path read by the mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct PathUse {
    /// In `inspect`'s notation; for a path with a computed index, the part before it.
    pub path: String,
    /// The same path, its element steps told apart (`[*]`, `[?]`, `[#]`: see the module's
    /// documentation), to match against the records ([`InputFields::has`]).
    pub pattern: String,
    /// The path expression in the mapping.
    pub span: Span,
}

impl PathUse {
    fn new(pattern: String, span: Span) -> PathUse {
        PathUse {
            path: shown(&pattern),
            pattern,
            span,
        }
    }
}

/// A record path compared with `==` or `!=` to a number or a bool written in the mapping
/// (`.status == 1`): never equal when the input's values there are texts (W008).
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The path, as [`PathUse::pattern`].
    pub pattern: String,
    /// The number or bool, where it is written.
    pub literal: Span,
    /// The comparison in the mapping.
    pub span: Span,
}

/// What one attribute of a block reads.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeReads {
    /// The attribute.
    pub name: String,
    /// Its expression in the mapping.
    pub span: Span,
    /// The record paths its expression reads, with those of the block's `let`s and
    /// attributes it uses, in the order met.
    pub paths: Vec<PathUse>,
}

/// What one block, or one lookup declaration, reads from its input.
#[derive(Debug, Clone, PartialEq)]
pub struct InputReads {
    /// The input: the block's source, or the table's name.
    pub input: String,
    /// The block's entity as written (`products`); `None` for a lookup declaration.
    pub entity: Option<String>,
    /// Every record path read, in the order met.
    pub paths: Vec<PathUse>,
    /// The attributes assigned (`name = ...`), in order.
    pub attributes: Vec<AttributeReads>,
    /// Its paths compared with a number or a bool, in the order met.
    pub comparisons: Vec<Comparison>,
    /// The paths `[*]` walks (`.a` of `.a[*].b`), in the order met.
    pub eaches: Vec<PathUse>,
}

/// The record paths of a whole mapping, per block and per lookup declaration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MappingReads {
    /// In file order.
    pub inputs: Vec<InputReads>,
}

impl MappingReads {
    /// What the blocks and lookup declarations reading the input `name` read.
    pub fn of_input<'r>(&'r self, name: &'r str) -> impl Iterator<Item = &'r InputReads> {
        self.inputs.iter().filter(move |r| r.input == name)
    }

    /// What the block of `entity` (`products`) reads.
    pub fn block(&self, entity: &str) -> Option<&InputReads> {
        self.inputs
            .iter()
            .find(|r| r.entity.as_deref() == Some(entity))
    }
}

/// The record paths a mapping reads; `None` when it does not parse.
pub fn record_reads(src: &SourceFile) -> Option<MappingReads> {
    let file = syntax::parse(&src.text).ok()?;
    let fns: HashMap<&str, &FnDecl> = file
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Fn(f) => Some((f.name.name.as_str(), f)),
            _ => None,
        })
        .collect();
    let mut out = MappingReads::default();
    for item in &file.items {
        match item {
            Item::Lookup(l) => {
                let mut w = Walk::new(false, HashMap::new(), &fns);
                w.visit_expr(&l.key);
                if let Some(p) = &l.parent {
                    w.visit_expr(p);
                }
                out.inputs.push(InputReads {
                    input: l.from.as_ref().unwrap_or(&l.name).name.clone(),
                    entity: None,
                    paths: w.uses,
                    attributes: Vec::new(),
                    comparisons: w.comparisons,
                    eaches: w.eaches,
                });
            }
            Item::Block(b) => out.inputs.push(block_reads(b, &fns)),
            // A function reads the paths of the records it is given where it is called.
            Item::Let(_) | Item::Fn(_) | Item::Input(_) => {}
        }
    }
    Some(out)
}

/// What a block reads, and what each of its attributes reads.
fn block_reads<'f>(b: &'f Block, fns: &'f Fns<'f>) -> InputReads {
    let shadows_rows = b.stmts.iter().any(|s| match s {
        Stmt::Assign { name, .. } => name.name == "rows",
        Stmt::Let(l) => l.name.name == "rows",
        _ => false,
    });
    let rows = b.group_by.is_some() && !shadows_rows;
    let mut all = Walk::new(rows, HashMap::new(), fns);
    for e in b.group_by.iter().chain(&b.filter) {
        all.visit_expr(e);
    }
    // Per binding (a `let` or an attribute): the paths it reads and the names it uses.
    let mut bindings: HashMap<String, (Vec<PathUse>, Vec<String>)> = HashMap::new();
    // The `let`s bound so far to a record path or to a list of rows, and what they denote.
    let mut aliases: HashMap<String, Denotes> = HashMap::new();
    let mut attributes = Vec::new();
    for s in &b.stmts {
        let (name, value) = match s {
            Stmt::Assign { name, value } => (Some(name), value),
            Stmt::Let(l) => (Some(&l.name), &l.value),
            Stmt::Spread { value, .. } => (None, value),
            Stmt::Where { cond, .. } => (None, cond),
        };
        let mut w = Walk::new(rows, aliases.clone(), fns);
        let denotes = w.read(value);
        all.uses.extend(w.uses.iter().cloned());
        all.comparisons.append(&mut w.comparisons);
        all.eaches.append(&mut w.eaches);
        let Some(name) = name else { continue };
        // A `let`'s name stands for its value below it; an attribute's name is not followed.
        match denotes.and_then(Denotes::bound) {
            Some(d) if matches!(s, Stmt::Let(_)) => aliases.insert(name.name.clone(), d),
            _ => aliases.remove(&name.name),
        };
        // What the names it uses read, as bound so far (later bindings do not count).
        let mut paths = w.uses.clone();
        let mut seen = vec![name.name.clone()];
        let mut todo = w.names.clone();
        while let Some(n) = todo.pop() {
            if seen.contains(&n) {
                continue;
            }
            if let Some((p, names)) = bindings.get(&n) {
                paths.extend(p.iter().cloned());
                todo.extend(names.iter().cloned());
            }
            seen.push(n);
        }
        if let Stmt::Assign { .. } = s {
            attributes.push(AttributeReads {
                name: name.name.clone(),
                span: value.span,
                paths: paths.clone(),
            });
        }
        bindings.insert(name.name.clone(), (w.uses, w.names));
    }
    InputReads {
        input: b.source.name.clone(),
        entity: Some(b.entity.name.clone()),
        paths: all.uses,
        attributes,
        comparisons: all.comparisons,
        eaches: all.eaches,
    }
}

/// What a path expression denotes.
#[derive(Debug, Clone)]
enum Denotes {
    /// A path of the record, as a pattern (`""` is the record itself).
    Path(String),
    /// A list of the group's rows: `rows`, `(rows[? cond])`, or a block `let` bound to one.
    Rows,
    /// Each row of such a list, as a projection reads them (`rows[*]`, `rows[? cond]`): what
    /// follows reads each row, and as `map`'s list it is the rows.
    EachRow,
}

impl Denotes {
    /// The record path that steps after it start from (`None` after a list of rows, which
    /// has no fields).
    fn path(self) -> Option<String> {
        match self {
            Denotes::Path(p) => Some(p),
            Denotes::EachRow => Some(String::new()),
            Denotes::Rows => None,
        }
    }

    /// What a name bound to this value denotes, when something does: a list of rows stays
    /// one, a path stays that path unless it is a projection (a name holds the projection's
    /// list, and `name[0]` indexes that list).
    fn bound(self) -> Option<Denotes> {
        match self {
            Denotes::Rows | Denotes::EachRow => Some(Denotes::Rows),
            Denotes::Path(p) if !is_projection(&p) => Some(Denotes::Path(p)),
            Denotes::Path(_) => None,
        }
    }
}

/// The mapping's functions, by name.
type Fns<'f> = HashMap<&'f str, &'f FnDecl>;

/// Walks expressions with what `.` denotes, collecting record paths and names.
struct Walk<'f> {
    /// The mapping's functions: a call's body is walked with its parameters bound to what
    /// the arguments denote (`price_of(.)` reads `.special_to_date` where its body reads
    /// `row.special_to_date`).
    fns: &'f Fns<'f>,
    /// The functions being walked, outermost first (a call of one of them is not walked
    /// again).
    calling: Vec<String>,
    /// The path `.` denotes (`""`: the record; `.a[?]` inside `.a[? ...]`); `None` when it is
    /// not a path of the record (inside `map` over a computed list).
    current: Option<String>,
    /// Whether `rows` is the group's rows.
    rows: bool,
    /// What the names bound so far denote, when it is a record path or a list of rows: the
    /// block's `let`s, and the named elements (`x => ...`) around.
    aliases: HashMap<String, Denotes>,
    uses: Vec<PathUse>,
    names: Vec<String>,
    comparisons: Vec<Comparison>,
    /// The record paths `[*]` walks.
    eaches: Vec<PathUse>,
}

impl<'f> Walk<'f> {
    fn new(rows: bool, aliases: HashMap<String, Denotes>, fns: &'f Fns<'f>) -> Walk<'f> {
        Walk {
            fns,
            calling: Vec::new(),
            current: Some(String::new()),
            rows,
            aliases,
            uses: Vec::new(),
            names: Vec::new(),
            comparisons: Vec::new(),
            eaches: Vec::new(),
        }
    }

    fn with_current<T>(
        &mut self,
        current: Option<String>,
        f: impl FnOnce(&mut Walk<'f>) -> T,
    ) -> T {
        let outer = std::mem::replace(&mut self.current, current);
        let r = f(self);
        self.current = outer;
        r
    }

    /// Visits `e` and says what it denotes: a path read (collected) or a list of rows, else
    /// `None`.
    fn read(&mut self, e: &'f Expr) -> Option<Denotes> {
        let d = self.denotes(e);
        if is_chain(e)
            && let Some(Denotes::Path(p)) = &d
            && !p.is_empty()
        {
            self.uses.push(PathUse::new(p.clone(), e.span));
        }
        d
    }

    /// Visits a `map` body or a `[? ]` condition, run for each element of what `element`
    /// denotes (`None`: not a path of the record): as `.`, or as the name of `x => ...`.
    fn visit_element(&mut self, e: &'f Expr, element: Option<String>) {
        let ExprKind::Lambda { param, body } = &e.kind else {
            self.with_current(element, |w| w.visit_expr(e));
            return;
        };
        // `x => ...`: `.` keeps its meaning, `x` is the element.
        let outer = match element {
            Some(p) => self.aliases.insert(param.name.clone(), Denotes::Path(p)),
            None => self.aliases.remove(&param.name),
        };
        let before = self.names.len();
        self.visit_expr(body);
        forget_element(&mut self.names, before, &param.name);
        match outer {
            Some(d) => self.aliases.insert(param.name.clone(), d),
            None => self.aliases.remove(&param.name),
        };
    }

    /// What a path chain denotes, visiting the expressions inside it (indexes, conditions);
    /// `None` when it is not a path of the record nor a list of rows.
    fn denotes(&mut self, e: &'f Expr) -> Option<Denotes> {
        match &e.kind {
            ExprKind::Current => self.current.clone().map(Denotes::Path),
            ExprKind::Rows(_) if self.rows => Some(Denotes::Rows),
            ExprKind::Name(id) | ExprKind::Rows(id) => {
                self.names.push(id.name.clone());
                self.aliases.get(&id.name).cloned()
            }
            ExprKind::Field(base, name) => {
                let p = self.denotes(base)?.path()?;
                Some(Denotes::Path(p + &field_step(name)))
            }
            ExprKind::Wildcard(base) => match self.denotes(base)? {
                Denotes::Rows => Some(Denotes::EachRow),
                d => {
                    let p = d.path()?;
                    if !p.is_empty() {
                        self.eaches.push(PathUse::new(p.clone(), base.span));
                    }
                    Some(Denotes::Path(p + EACH))
                }
            },
            ExprKind::Filter(base, cond) => {
                let (element, filtered) = match self.denotes(base) {
                    Some(Denotes::Rows) => (Some(String::new()), Some(Denotes::EachRow)),
                    Some(d) => {
                        let element = d.path().map(|p| p + FILTERED);
                        (element.clone(), element.map(Denotes::Path))
                    }
                    None => (None, None),
                };
                self.visit_element(cond, element);
                filtered
            }
            ExprKind::Index(base, index) => {
                let base_is = self.denotes(base);
                self.visit_expr(index);
                let step = constant_index(index);
                let p = match (base_is?, &step) {
                    // A row (`rows[0]`, `rows[i]`); a list has no fields.
                    (Denotes::Rows, Some(Step::Field(_))) => return None,
                    (Denotes::Rows, _) => return Some(Denotes::Path(String::new())),
                    (d, _) => d.path()?,
                };
                match step {
                    Some(Step::Field(name)) => Some(Denotes::Path(p + &field_step(&name))),
                    Some(Step::Element) => Some(Denotes::Path(p + INDEXED)),
                    None => {
                        // A computed index: the path up to it is read, what follows is unknown.
                        if !p.is_empty() {
                            self.uses.push(PathUse::new(p, base.span));
                        }
                        None
                    }
                }
            }
            // `first(rows[? ...])`, `last(.a)`: one of the rows, one element of the list (of
            // a projection's list: not followed, as `name[0]` would index it).
            ExprKind::Call { name, args, .. }
                if matches!(name.name.as_str(), "first" | "last") && args.len() == 1 =>
            {
                match self.read(&args[0])? {
                    Denotes::Rows | Denotes::EachRow => Some(Denotes::Path(String::new())),
                    Denotes::Path(p) if !is_projection(&p) => Some(Denotes::Path(p + INDEXED)),
                    Denotes::Path(_) => None,
                }
            }
            // Parentheses end a projection: `(rows[? ...])` is a list of rows, `(.a)` is `.a`,
            // and `(.a[*].b)` a list whose own paths are not followed.
            ExprKind::Paren(inner) => match self.denotes(inner)? {
                Denotes::Path(p) if is_projection(&p) => {
                    self.uses.push(PathUse::new(p, inner.span));
                    None
                }
                d => d.bound(),
            },
            _ => {
                self.visit_expr(e);
                None
            }
        }
    }
}

enum Step {
    Field(String),
    Element,
}

/// A constant index: a string (a field) or a number (an element).
fn constant_index(e: &Expr) -> Option<Step> {
    match &e.kind {
        ExprKind::Literal(Value::String(s)) => Some(Step::Field(s.to_string())),
        ExprKind::Literal(Value::Number(_)) => Some(Step::Element),
        ExprKind::Unary(UnOp::Neg, x) if matches!(x.kind, ExprKind::Literal(Value::Number(_))) => {
            Some(Step::Element)
        }
        ExprKind::Paren(x) => constant_index(x),
        _ => None,
    }
}

/// Whether a pattern is a projection: a `[*]` or `[? ]` in it gives a list of what the rest
/// of the path reads.
fn is_projection(pattern: &str) -> bool {
    (pattern.contains(EACH) || pattern.contains(FILTERED))
        && split_steps(pattern)
            .iter()
            .any(|s| matches!(s.as_str(), EACH | FILTERED))
}

/// The element of the list a pattern denotes, for `map`: the values a projection gives
/// (`map(.a[*], .x)` reads `.a[*].x`), the elements of anything else (`map(.a, .x)` reads
/// `.a[#].x`).
fn element_of(pattern: String) -> String {
    if is_projection(&pattern) {
        pattern
    } else {
        pattern + INDEXED
    }
}

fn is_chain(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Field(..) | ExprKind::Index(..) | ExprKind::Wildcard(..) | ExprKind::Filter(..)
    )
}

impl<'f> Walk<'f> {
    /// A call of the mapping's function `f`: its arguments read where they are, then its
    /// body with each parameter bound to what its argument denotes (a path of the record, the
    /// rows), `.` denoting nothing there; the names its body uses are its own.
    fn call_fn(&mut self, f: &'f FnDecl, args: &'f [Expr]) {
        let bound: Vec<(String, Option<Denotes>)> = f
            .params
            .iter()
            .zip(args)
            .map(|(p, a)| (p.name.clone(), self.read(a).and_then(Denotes::bound)))
            .collect();
        if self.calling.contains(&f.name.name) || !bound.iter().any(|(_, d)| d.is_some()) {
            return;
        }
        let aliases = bound
            .into_iter()
            .filter_map(|(p, d)| Some((p, d?)))
            .collect();
        let outer_aliases = std::mem::replace(&mut self.aliases, aliases);
        let outer_rows = std::mem::replace(&mut self.rows, false);
        let names = self.names.len();
        self.calling.push(f.name.name.clone());
        self.with_current(None, |w| w.visit_expr(&f.body));
        self.calling.pop();
        self.names.truncate(names);
        self.rows = outer_rows;
        self.aliases = outer_aliases;
    }
}

impl<'a> Visitor<'a> for Walk<'a> {
    fn visit_expr(&mut self, e: &'a Expr) {
        if is_chain(e) {
            self.read(e);
            return;
        }
        match &e.kind {
            ExprKind::Call { name, args, .. } if self.fns.contains_key(name.name.as_str()) => {
                if let Some(f) = self.fns.get(name.name.as_str()).copied() {
                    self.call_fn(f, args);
                }
            }
            ExprKind::Name(id) => self.names.push(id.name.clone()),
            ExprKind::Rows(id) if !self.rows => self.names.push(id.name.clone()),
            ExprKind::Map { list, body } => {
                let element = match self.read(list) {
                    Some(Denotes::Path(p)) => Some(element_of(p)),
                    // The rows: each is a record.
                    Some(Denotes::Rows | Denotes::EachRow) => Some(String::new()),
                    None => None,
                };
                self.visit_element(body, element);
            }
            // Only as `map`'s body or a filter's condition (handled there) in a mapping that
            // checks: the element is no path known here.
            ExprKind::Lambda { .. } => self.visit_element(e, None),
            // Only in a mapping that does not check.
            ExprKind::BadForm { .. } => {}
            // `.status == 1`: noted for W008 (a text is never equal to a number or a bool).
            ExprKind::Binary(BinOp::Eq | BinOp::Ne, l, r) => {
                let literal = |x: &Expr| match &x.kind {
                    ExprKind::Literal(Value::Number(_) | Value::Bool(_)) => Some(x.span),
                    _ => None,
                };
                let (path, lit) = match (literal(l), literal(r)) {
                    (None, Some(lit)) if is_chain(l) => (l, lit),
                    (Some(lit), None) if is_chain(r) => (r, lit),
                    _ => return walk_expr(self, e),
                };
                if let Some(Denotes::Path(p)) = self.read(path)
                    && !p.is_empty()
                {
                    self.comparisons.push(Comparison {
                        pattern: p,
                        literal: lit,
                        span: e.span,
                    });
                }
            }
            _ => walk_expr(self, e),
        }
    }
}

/// The warnings about the mapping that its inputs' records give: W003 ([`unknown_paths`]),
/// W008 ([`text_comparisons`]) and W010 ([`eaches_of_one_or_many`]), the mapping parsed once
/// for all three.
pub fn input_warnings(src: &SourceFile, inputs: &[InputFields]) -> Vec<Diagnostic> {
    let Some(reads) = record_reads(src) else {
        return Vec::new();
    };
    let mut out = unknown_paths(&reads, src, inputs);
    out.extend(text_comparisons(&reads, src, inputs));
    out.extend(eaches_of_one_or_many(&reads, inputs));
    out
}

/// W010 for every `[*]` over a path that is one value in some records of its input and a list
/// in others (an XML element once or repeated): where it is one object, `[*]` walks its fields
/// (`.Variante[*]."@ean"` gives `[]` for the article with one variant), silently.
fn eaches_of_one_or_many(reads: &MappingReads, inputs: &[InputFields]) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut said: Vec<(&str, &str)> = Vec::new();
    for input in inputs.iter().filter(|i| i.records > 0) {
        for r in reads.of_input(&input.name) {
            for e in &r.eaches {
                let Some((_, single)) = input.one_or_many.iter().find(|(p, _)| *p == e.path) else {
                    continue;
                };
                if said.contains(&(input.name.as_str(), e.path.as_str())) {
                    continue;
                }
                said.push((&input.name, &e.path));
                let path = &e.path;
                out.push(
                    Diagnostic::warning(
                        Code::EachOfOneOrMany,
                        e.span,
                        format!(
                            "`{path}` is one value in {} of {} and a list in others: where it is one object, `[*]` walks its fields, not one element (one text gives `[]`)",
                            crate::value::plural(*single, "record"),
                            input.file,
                        ),
                    )
                    .label("sometimes one value, sometimes a list")
                    .hint(format!(
                        "make it a list first: `flatten([{path}])[*]`, `map(flatten([{path}]), ...)` (`| compact` drops a missing one)"
                    )),
                );
            }
        }
    }
    out
}

/// W003 for every record path of the mapping that occurs in no record of its input (only the
/// inputs in `inputs` are checked), with the closest path the input has as a hint. One
/// warning per path and input, at its first use; the other uses are labelled too.
fn unknown_paths(
    reads: &MappingReads,
    src: &SourceFile,
    inputs: &[InputFields],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for input in inputs {
        if input.records == 0 {
            continue;
        }
        // The paths missing from this input, with every place that reads them.
        let mut missing: Vec<(String, Vec<Span>)> = Vec::new();
        for r in reads.of_input(&input.name) {
            for u in &r.paths {
                if input.has(&u.pattern) {
                    continue;
                }
                match missing.iter_mut().find(|(p, _)| *p == u.path) {
                    // a function's body is read at each call: one place
                    Some((_, spans)) if spans.contains(&u.span) => {}
                    Some((_, spans)) => spans.push(u.span),
                    None => missing.push((u.path.clone(), vec![u.span])),
                }
            }
        }
        for (path, spans) in missing {
            out.push(unknown_path(&path, &spans, input, &src.text));
        }
    }
    out
}

/// W008 for every comparison of a record path with a number or a bool (`.status == 1`,
/// `.newsletter != true`) where every value the input has there is a text (a CSV's columns
/// always are): such a comparison is never equal, so a filter keeps nothing (or everything).
fn text_comparisons(
    reads: &MappingReads,
    src: &SourceFile,
    inputs: &[InputFields],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for input in inputs.iter().filter(|i| i.records > 0) {
        for r in reads.of_input(&input.name) {
            for c in &r.comparisons {
                let path = shown(&c.pattern);
                if !input.texts.contains(&path) {
                    continue;
                }
                let at = |a: usize, b: usize| src.text.get(a..b).unwrap_or("");
                let literal = at(c.literal.start, c.literal.end);
                // the comparison as it would be written with the text
                let with_text = format!(
                    "{}{}{}",
                    at(c.span.start, c.literal.start),
                    Value::String(literal.into()),
                    at(c.literal.end, c.span.end)
                );
                out.push(
                    Diagnostic::warning(
                        Code::TextComparedWithNumber,
                        c.span,
                        format!(
                            "`{path}` holds texts in {} ({}): a text is never equal to `{literal}`, \
                             so this comparison always gives the same answer",
                            input.file,
                            input.read_note(),
                        ),
                    )
                    .label(format!("a text is never equal to `{literal}`"))
                    .hint(format!(
                        "compare with the text, `{with_text}`, or convert the value first (`| int`, `| decimal`)"
                    )),
                );
            }
        }
    }
    out
}

fn unknown_path(path: &str, spans: &[Span], input: &InputFields, text: &str) -> Diagnostic {
    let mut d = Diagnostic::warning(
        Code::UnknownPath,
        spans[0],
        format!(
            "`{path}` occurs in no record of {} ({})",
            input.file,
            input.read_note()
        ),
    )
    .label("no record has this path");
    for s in spans.iter().skip(1) {
        d = d.secondary(*s, "also read here");
    }
    match closest_path(path, &input.paths) {
        // An edit only where the path is written as the notation writes it (not `rows[*].x`).
        Some(c) => {
            let as_written = text.get(spans[0].start..spans[0].end) == Some(path);
            let mut hint = suggest::did_you_mean_text(&c);
            if path.contains(':') != c.contains(':') {
                hint.push_str(if path.contains(':') {
                    " (XML names lose their namespace prefix; read the input as `xmlns` to keep it)"
                } else {
                    " (the input is read as `xmlns`: names keep their namespace prefix)"
                });
            }
            d.hint(hint)
                .replace_with(spans[0], as_written.then_some(c.as_str()))
        }
        None => match nested_records(path, &input.paths) {
            // `.id` where every record is a page: `{"data": [{"id": ...}, ...]}`
            Some((list, found)) => d.hint(format!(
                "the records hold lists of what looks like records: `{found}` exists; a record is a whole line (or array element) of the file, so make the elements of `{list}` the records first, e.g. `jq -c '{list}[]' {} | clerkmap run ... --input {}=- --input-format {}=ndjson`",
                input.file, input.name, input.name
            )),
            None => d.hint(format!(
                "`clerkmap inspect {}{}` lists the paths its records have",
                input.file,
                match &input.format {
                    Some(f) => format!(" --input-format {f}"),
                    None => String::new(),
                }
            )),
        },
    }
}

/// For a top-level path no record has, a list of the records that holds it in its elements
/// (`.data` when `.data[*].id` exists for `.id`): the list and the path found.
fn nested_records(path: &str, paths: &BTreeSet<String>) -> Option<(String, String)> {
    let steps = split_steps(path);
    let first = steps.first()?;
    paths.iter().find_map(|p| {
        let list = p.strip_suffix(first.as_str())?.strip_suffix(EACH)?;
        (split_steps(list).len() == 1 && !list.contains('[')).then(|| (list.to_string(), p.clone()))
    })
}

/// The path of `paths` closest to `path`: the first step `path` has that no record has,
/// replaced by the closest step the records have at that place (then the rest of `path`,
/// when the records have that too).
pub fn closest_path(path: &str, paths: &BTreeSet<String>) -> Option<String> {
    let steps = split_steps(path);
    let mut parent = String::new();
    for (i, step) in steps.iter().enumerate() {
        let here = format!("{parent}{step}");
        if paths.contains(&here) {
            parent = here;
            continue;
        }
        let siblings: Vec<&str> = paths
            .iter()
            .filter_map(|p| p.strip_prefix(parent.as_str()))
            .filter(|rest| split_steps(rest).len() == 1)
            .collect();
        // XML's names: `.nr` for the attribute `."@nr"`, `.text` for an element's `."#text"`
        let xml = step
            .strip_prefix('.')
            .map(|name| name.trim_matches('"'))
            .and_then(|name| {
                let attribute = format!(".\"@{name}\"");
                let text =
                    matches!(name, "text" | "value" | "_text").then(|| ".\"#text\"".to_string());
                // `."wp:post_type"` read as `xml` (prefixes dropped): `.post_type`
                let local = name.rsplit_once(':').map(|(_, local)| field_step(local));
                [Some(attribute), text, local]
                    .into_iter()
                    .flatten()
                    .find(|x| siblings.contains(&x.as_str()))
                    // `.encoded` read as `xmlns`: `."content:encoded"`
                    .or_else(|| {
                        let suffix = format!(":{name}\"");
                        siblings
                            .iter()
                            .find(|x| x.starts_with(".\"") && x.ends_with(&suffix))
                            .map(|x| x.to_string())
                    })
            });
        let best = match xml {
            Some(x) => x,
            None => suggest::closest(step, siblings.iter().copied())?.to_string(),
        };
        let fixed = format!("{parent}{best}");
        let whole = format!("{fixed}{}", steps[i + 1..].concat());
        return Some(if paths.contains(&whole) { whole } else { fixed });
    }
    None
}

/// `.a."b c"[*].d` -> [`.a`, `."b c"`, `[*]`, `.d`].
pub fn split_steps(path: &str) -> Vec<String> {
    let mut steps: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in path.chars() {
        if quoted {
            cur.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            }
            continue;
        }
        match c {
            '.' | '[' if !cur.is_empty() && !cur.ends_with('.') => {
                steps.push(std::mem::take(&mut cur));
                cur.push(c);
            }
            '"' => {
                quoted = true;
                cur.push(c);
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        steps.push(cur);
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths_of(src: &str) -> Vec<(Option<String>, String, Vec<String>)> {
        let reads = record_reads(&SourceFile::new("m.cmap", src)).unwrap_or_default();
        reads
            .inputs
            .into_iter()
            .map(|r| {
                (
                    r.entity,
                    r.input,
                    r.paths.into_iter().map(|u| u.path).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn paths_in_inspects_notation() {
        let src = r#"lookup cat by .codice parent .codicePadre
products from a where .pub == "SI" {
  id = .codice
  name = .titolo | trim
  image = first(.immagini[? .tipo == "catalogo"].url)
  p = min(.varianti[*].prezzo) ?? .varianti[0]."Codice EAN"
  b = .attributi["Marca"]
  c = .attributi[key] ?? lookup(cat, .cat).nome
  s = map(.varianti, .taglia)
  ... .extra
}
categories from cat group by .codice {
  id = rows[0].codice
  n = rows[*].nome
  t = rows[? .x == 1].y
}
"#;
        let got = paths_of(src);
        assert_eq!(
            got[0],
            (
                None,
                "cat".to_string(),
                vec![".codice".to_string(), ".codicePadre".to_string()]
            )
        );
        assert_eq!(got[1].0.as_deref(), Some("products"));
        assert_eq!(
            got[1].2,
            [
                ".pub",
                ".codice",
                ".titolo",
                ".immagini[*].tipo",
                ".immagini[*].url",
                ".varianti[*].prezzo",
                ".varianti[*].\"Codice EAN\"",
                ".attributi.Marca",
                ".attributi",
                ".cat",
                ".varianti",
                ".varianti[*].taglia",
                ".extra",
            ]
        );
        assert_eq!(got[2].2, [".codice", ".codice", ".nome", ".x", ".y"]);
    }

    #[test]
    fn paths_read_through_rows_lets_and_named_elements() {
        let src = r#"orders from o group by .id {
  id = key
  let live = rows[? .enabled]
  let row = rows[0]
  let v = .varianti
  let sizes = .taglie[*].nome
  a = rows[*].skuu
  b = map(rows, .skuu)
  c = rows[? .skuu != null].c
  d = live[*].x
  e = map(live, .y) ~ live[0].y2
  f = row.z
  g = v[*].taglia ~ v[? .n == 1].m
  h = map(rows, r => r.w)
  i = rows[? r => r.u == 1].c2
  j = (rows[? .enabled])[0].q
  k = .axes[? a => a.n == .want].v
  l = map(.list, v => v.k)
  m = sizes[0].nope ~ lookup(t, .k).nope ~ rows.nope ~ rows["nope"]
  let p = first(rows[? .kind == "P"])
  let q = last(.list2)
  n = p.nmae ~ q.k2 ~ first(.list2[*].k3).no
}
"#;
        let got = paths_of(src);
        assert_eq!(
            got[0].2,
            [
                ".id",
                ".enabled",
                ".varianti",
                ".taglie[*].nome",
                ".skuu",
                ".skuu",
                ".skuu",
                ".c",
                ".x",
                ".y",
                ".y2",
                ".z",
                ".varianti[*].taglia",
                ".varianti[*].n",
                ".varianti[*].m",
                ".w",
                ".u",
                ".c2",
                ".enabled",
                ".q",
                ".axes[*].n",
                ".want",
                ".axes[*].v",
                ".list",
                ".list[*].k",
                ".k",
                ".kind",
                ".list2",
                ".nmae",
                ".list2[*].k2",
                ".list2[*].k3",
            ]
        );
        // What an attribute reads includes what the `let`s it uses read.
        let reads = record_reads(&SourceFile::new("m.cmap", src)).unwrap_or_default();
        let d: Vec<String> = reads
            .block("orders")
            .and_then(|b| b.attributes.iter().find(|a| a.name == "d"))
            .map(|a| a.paths.iter().map(|u| u.path.clone()).collect())
            .unwrap_or_default();
        assert_eq!(d, [".x", ".enabled"]);
        // A misspelt field read through rows is found wherever it is read.
        let mut have = input(&[".id", ".sku", ".c"]);
        have.name = "o".into();
        let src = "orders from o group by .id {\n  let live = rows[? .skuu != null]\n  a = map(rows, .skuu)\n  b = live[*].skuu\n  c = .c\n}\n";
        let ds = input_warnings(&SourceFile::new("m.cmap", src), &[have]);
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].hint.as_deref(), Some("did you mean `.sku`?"));
        assert_eq!(ds[0].labels.len(), 3, "every place is labelled");
    }

    /// A function's body reads the paths of the records its call gives it (a trial's typo
    /// `row.special_to_dat` in `fn price_of(row)`, called `price_of(.)`, was no warning, and
    /// an expired special price went out as the price).
    #[test]
    fn a_function_reads_the_paths_of_the_records_it_is_given() {
        let mut have = input(&[
            ".id",
            ".price",
            ".special_to_date",
            ".v",
            ".v[*]",
            ".v[*].s",
        ]);
        have.name = "e".into();
        let src = "fn valid(row) = row.special_to_dat != null
                   fn price_of(row) = if valid(row) { row.price } else { row.prize }
                   fn sizes(vs) = map(vs, v => v.size)
                   fn twice(x) = x ~ x
                   products from e group by .id {
  id = .id
  a = price_of(.)
  b = price_of(first(rows))
  c = sizes(.v)
  d = twice(.nome)
  e = twice(\"k\")
}
";
        let ds = input_warnings(&SourceFile::new("m.cmap", src), &[have]);
        let found: Vec<(String, usize)> = ds
            .iter()
            .map(|d| (d.message.clone(), d.labels.len()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "`.special_to_dat` occurs in no record of a.ndjson (all 40 records read)"
                        .to_string(),
                    1
                ),
                (
                    "`.prize` occurs in no record of a.ndjson (all 40 records read)".to_string(),
                    1
                ),
                (
                    "`.v[*].size` occurs in no record of a.ndjson (all 40 records read)"
                        .to_string(),
                    1
                ),
                (
                    "`.nome` occurs in no record of a.ndjson (all 40 records read)".to_string(),
                    1
                ),
            ],
            "{ds:#?}"
        );
        assert_eq!(
            ds[0].hint.as_deref(),
            Some("did you mean `.special_to_date`?")
        );
        // the place is in the function's body
        assert_eq!(
            &src[ds[0].span().start..ds[0].span().end],
            "row.special_to_dat"
        );
    }

    /// A paged API dump: each line is `{"data": [records], "meta": ...}`; `.id` is in no
    /// record, `.data[*].id` is: the hint says the records are nested, and how to unnest them.
    #[test]
    fn records_nested_in_a_list_are_told() {
        let have = input(&[".data", ".data[*]", ".data[*].id", ".meta"]);
        let src = "products from a {\n  id = .id\n}\n";
        let ds = input_warnings(&SourceFile::new("m.cmap", src), &[have]);
        let hint = ds.first().and_then(|d| d.hint.clone()).unwrap_or_default();
        assert!(
            hint.starts_with(
                "the records hold lists of what looks like records: `.data[*].id` exists"
            ) && hint.contains(
                "`jq -c '.data[]' a.ndjson | clerkmap run ... --input a=- --input-format a=ndjson`"
            ),
            "{hint}"
        );
    }

    #[test]
    fn an_attribute_reads_the_paths_of_the_names_it_uses() {
        let src = "products from a {\n  let t = .titlo\n  id = .c\n  name = t | trim\n  x = name ~ .y\n}\n";
        let reads = record_reads(&SourceFile::new("m.cmap", src)).unwrap_or_default();
        let block = reads.block("products");
        let attr = |n: &str| {
            block
                .and_then(|b| b.attributes.iter().find(|a| a.name == n))
                .map(|a| a.paths.iter().map(|u| u.path.clone()).collect::<Vec<_>>())
        };
        assert_eq!(attr("name"), Some(vec![".titlo".to_string()]));
        assert_eq!(
            attr("x"),
            Some(vec![".y".to_string(), ".titlo".to_string()])
        );
    }

    fn input(paths: &[&str]) -> InputFields {
        InputFields {
            name: "a".into(),
            file: "a.ndjson".into(),
            records: 40,
            sampled: false,
            paths: paths.iter().map(|p| p.to_string()).collect(),
            texts: BTreeSet::new(),
            one_or_many: Vec::new(),
            format: None,
        }
    }

    /// `[*]` over a path that is one value in some records and a list in others (an XML
    /// element once or repeated) is W010, once per path; through `flatten([...])` it is not.
    #[test]
    fn each_over_one_value_or_a_list_is_w010() {
        let src = "products from a {\n  id = .codice\n  x = .v[*].e\n  y = .v[*].f\n  z = flatten([.v])[*].e\n  w = .u[*].e\n}\n";
        let mut i = input(&[".codice", ".v", ".v[*].e", ".v[*].f", ".u", ".u[*].e"]);
        i.one_or_many = vec![(".v".into(), 2)];
        let d = input_warnings(&SourceFile::new("m.cmap", src), &[i]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].code, Code::EachOfOneOrMany);
        assert_eq!(
            d[0].message,
            "`.v` is one value in 2 records of a.ndjson and a list in others: where it is one object, `[*]` walks its fields, not one element (one text gives `[]`)"
        );
        assert_eq!(&src[d[0].span().start..d[0].span().end], ".v");
    }

    #[test]
    fn a_misspelt_path_is_w003_with_the_closest_real_one() {
        let src = "products from a {\n  id = .codice\n  name = .titlo | trim\n  x = .titlo\n  v = .varianti[*].prezo\n}\n";
        let have = input(&[
            ".codice",
            ".titolo",
            ".varianti",
            ".varianti[*]",
            ".varianti[*].prezzo",
        ]);
        let ds = input_warnings(&SourceFile::new("m.cmap", src), &[have]);
        assert_eq!(ds.len(), 2);
        assert_eq!(ds[0].code, Code::UnknownPath);
        assert_eq!(
            ds[0].message,
            "`.titlo` occurs in no record of a.ndjson (all 40 records read)"
        );
        assert_eq!(ds[0].hint.as_deref(), Some("did you mean `.titolo`?"));
        let at = src.find(".titlo").unwrap_or_default();
        assert_eq!(ds[0].span(), Span::new(at, at + 6));
        assert_eq!(ds[0].labels.len(), 2, "the second use is labelled");
        let fix = ds[0]
            .replacement
            .as_ref()
            .map(|r| (r.span, r.text.as_str()));
        assert_eq!(fix, Some((Span::new(at, at + 6), ".titolo")));
        assert_eq!(
            ds[1].hint.as_deref(),
            Some("did you mean `.varianti[*].prezzo`?")
        );
        // Another input's name: nothing checked.
        let mut other = input(&[]);
        other.name = "b".into();
        assert!(input_warnings(&SourceFile::new("m.cmap", src), &[other]).is_empty());
    }

    #[test]
    fn a_projection_over_an_object_reads_its_values_and_a_filter_the_value_itself() {
        // The records: {"code": "a", "labels": {"en": "A", "it": {"x": 1}}, "one": {"k": 1},
        // "codice": "F1", "list": [{"k": 2}]}.
        let have = input(&[
            ".code",
            ".labels",
            ".labels.en",
            ".labels.it",
            ".labels.it.x",
            ".one",
            ".one.k",
            ".codice",
            ".list",
            ".list[*]",
            ".list[*].k",
        ]);
        let src = r#"categories from a {
  id = .code
  name = first(.labels[*])
  n = .labels[*].x
  f = .one[? .k == 1].k
  t = .codice[? . == "F1"]
  l = .list[? .k == 2].k ~ .list[0].k ~ map(.list, .k)
  bad1 = .labels[*].y
  bad2 = .labels[0]
  bad3 = map(.one, .k)
  bad4 = .list[*].x
}
"#;
        let ds = input_warnings(&SourceFile::new("m.cmap", src), &[have]);
        let said: Vec<&str> = ds.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            said,
            [
                "`.labels[*].y` occurs in no record of a.ndjson (all 40 records read)",
                // An index and `map` take the elements of a list, not the values of an object.
                "`.labels[*]` occurs in no record of a.ndjson (all 40 records read)",
                "`.one[*].k` occurs in no record of a.ndjson (all 40 records read)",
                "`.list[*].x` occurs in no record of a.ndjson (all 40 records read)",
            ]
        );
        let patterns = |src: &str| {
            record_reads(&SourceFile::new("m.cmap", src))
                .unwrap_or_default()
                .inputs
                .into_iter()
                .flat_map(|r| r.paths)
                .map(|u| (u.path, u.pattern))
                .collect::<Vec<_>>()
        };
        let p = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            patterns("products from a {\n  x = .a[*].b[? .c][0]\n  y = map(.d, .e)\n}\n"),
            [
                p(".a[*].b[*].c", ".a[*].b[?].c"),
                p(".a[*].b[*][*]", ".a[*].b[?][#]"),
                p(".d", ".d"),
                p(".d[*].e", ".d[#].e"),
            ]
        );
    }

    #[test]
    fn map_over_a_projection_reads_the_values_it_gives() {
        let src = "products from a {\n  x = map(.a[*], .x)\n  y = map(.a[? .k == 1].b, .c)\n  z = .a | map(.x)\n}\n";
        let reads = record_reads(&SourceFile::new("m.cmap", src)).unwrap_or_default();
        let got: Vec<(String, String)> = reads.inputs[0]
            .paths
            .iter()
            .map(|u| (u.path.clone(), u.pattern.clone()))
            .collect();
        let p = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            got,
            [
                p(".a[*]", ".a[*]"),
                p(".a[*].x", ".a[*].x"),
                p(".a[*].k", ".a[?].k"),
                p(".a[*].b", ".a[?].b"),
                p(".a[*].b.c", ".a[?].b.c"),
                p(".a", ".a"),
                p(".a[*].x", ".a[#].x"),
            ]
        );
        // {"a": [{"x": 1, "k": 1, "b": {"c": 2}}]}: every one of them is there.
        let have = input(&[".a", ".a[*]", ".a[*].x", ".a[*].k", ".a[*].b", ".a[*].b.c"]);
        assert!(input_warnings(&SourceFile::new("m.cmap", src), &[have]).is_empty());
    }

    #[test]
    fn patterns_against_paths() {
        let have: BTreeSet<String> = [".o", ".o.a", ".o.a.x", ".o.b", ".l", ".l[*]", ".s"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for (pattern, found) in [
            (".o[*]", true),
            (".o[*].x", true),
            (".o[*].y", false),
            (".o[?].a.x", true),
            (".o[#]", false),
            (".l[*]", true),
            (".l[?]", true),
            (".l[#]", true),
            (".s[?]", true),
            (".s[*]", false),
            ("[*].a", true),
            ("[?].o", true),
            (".nope[*]", false),
        ] {
            assert_eq!(occurs(pattern, &have), found, "{pattern}");
        }
        assert_eq!(shown(".a[?].\"[?]\"[#][*]"), ".a[*].\"[?]\"[*][*]");
    }

    #[test]
    fn steps_and_closest_paths() {
        assert_eq!(
            split_steps(".a.\"b.c\"[*].d"),
            [".a", ".\"b.c\"", "[*]", ".d"]
        );
        let have: BTreeSet<String> = [".a", ".a.\"Codice EAN\"", ".b"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            closest_path(".a.\"Codice Ean\"", &have).as_deref(),
            Some(".a.\"Codice EAN\"")
        );
        assert_eq!(closest_path(".zzzzzz", &have), None);
        // XML: an attribute read as a field, an element's text as `.text`
        let xml: BTreeSet<String> = [".\"@nr\"", ".Preis", ".Preis.\"@w\"", ".Preis.\"#text\""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(closest_path(".nr", &xml).as_deref(), Some(".\"@nr\""));
        assert_eq!(
            closest_path(".Preis.text", &xml).as_deref(),
            Some(".Preis.\"#text\"")
        );
        assert_eq!(
            closest_path(".Preis.w", &xml).as_deref(),
            Some(".Preis.\"@w\"")
        );
        // A namespace prefix dropped (`xml`), or kept (`xmlns`)
        let wxr: BTreeSet<String> = [".post_type", ".\"content:encoded\"", ".title"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            closest_path(".\"wp:post_type\"", &wxr).as_deref(),
            Some(".post_type")
        );
        assert_eq!(
            closest_path(".encoded", &wxr).as_deref(),
            Some(".\"content:encoded\"")
        );
        assert_eq!(field_step("Codice EAN"), ".\"Codice EAN\"");
        assert_eq!(field_step("Vestibilità"), ".\"Vestibilità\"");
    }
}
