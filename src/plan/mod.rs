//! The compiled program: names resolved to slots, constants folded, functions bound, tables
//! numbered. A [`Program`] is immutable and `Send + Sync`: every worker thread evaluates records
//! against the same one.

pub mod fields;

use std::sync::Arc;

use crate::value::Value;

use crate::clerk::Entity;
use crate::functions::Function;
use crate::syntax::ast::{BinOp, Span, UnOp};

/// A lookup table's number: its index in [`Program::tables`] and in the loaded tables.
pub type TableId = usize;

/// A checked mapping, ready to run.
#[derive(Debug)]
pub struct Program {
    /// The lookup tables, in declaration order (a [`TableId`] indexes this).
    pub tables: Vec<TablePlan>,
    /// The entity blocks, in file order (at most one per Clerk type).
    pub blocks: Vec<BlockPlan>,
    /// The file-level `let`s with their values, in file order (folded into the expressions
    /// that use them; kept for tools that show them, like `explain`). A value that is one of
    /// [`Program::secrets`] is a secret: show it with [`Secrets::hide`].
    pub globals: Vec<(String, Value)>,
    /// The values read with `env()` and the constants computed from them: never printed.
    pub secrets: Secrets,
    /// The `input NAME lenient` declarations: how those CSV inputs take rows of another width
    /// than their header's (unless the run's settings say otherwise).
    pub inputs: Vec<(String, Lenient)>,
    /// The vars the mapping reads with `var(...)`, each with the value it has in this program
    /// (the one given, else its default; none when it has neither), in the order first read.
    pub vars: Vec<(String, Option<Value>)>,
    /// The blocks this run leaves out ([`Program::keep_blocks`]: `run --entities`), in file
    /// order: their sources are still inputs of the mapping, accepted and not read.
    pub left_out: Vec<LeftOut>,
}

/// A block a run leaves out: what remains of it.
#[derive(Debug, Clone, PartialEq)]
pub struct LeftOut {
    /// The Clerk type it writes.
    pub entity: Entity,
    /// The name of the input its records come from.
    pub source: String,
    /// The whole block in the mapping.
    pub span: Span,
}

impl Program {
    /// Every input the mapping reads, each once, in the order of the declarations that read
    /// them: the sources of its blocks (those left out of the run too) and the inputs of its
    /// lookup tables (a table's name, or its `from INPUT`).
    pub fn input_names(&self) -> Vec<&str> {
        let mut read: Vec<(usize, &str)> = self
            .blocks
            .iter()
            .map(|b| (b.span.start, b.source.as_str()))
            .chain(
                self.left_out
                    .iter()
                    .map(|b| (b.span.start, b.source.as_str())),
            )
            .chain(self.tables.iter().map(|t| (t.span.start, t.input.as_str())))
            .collect();
        read.sort_by_key(|&(at, _)| at);
        let mut names: Vec<&str> = Vec::with_capacity(read.len());
        for (_, name) in read {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// Leaves out of the run the blocks `keep` refuses: they move to [`Program::left_out`].
    pub fn keep_blocks(&mut self, keep: impl Fn(&BlockPlan) -> bool) {
        let (kept, left): (Vec<BlockPlan>, Vec<BlockPlan>) = std::mem::take(&mut self.blocks)
            .into_iter()
            .partition(|b| keep(b));
        self.blocks = kept;
        self.left_out.extend(left.into_iter().map(|b| LeftOut {
            entity: b.entity,
            source: b.source,
            span: b.span,
        }));
        self.left_out.sort_by_key(|b| b.span.start);
    }

    /// The blocks left out of the run that read `input`, when only they read it (no block of
    /// the run, no lookup table): the input is not read.
    pub fn read_only_by_left_out(&self, input: &str) -> Vec<&LeftOut> {
        if self.blocks.iter().any(|b| b.source == input)
            || self.tables.iter().any(|t| t.input == input)
        {
            return Vec::new();
        }
        self.left_out.iter().filter(|b| b.source == input).collect()
    }

    /// The sources of the blocks that run, each once, in file order.
    pub fn sources(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::with_capacity(self.blocks.len());
        for b in &self.blocks {
            if !names.contains(&b.source.as_str()) {
                names.push(&b.source);
            }
        }
        names
    }
}

/// How a CSV input takes a row whose number of fields is not its header's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lenient {
    /// Such a row is not read (rejected, or left out of a lookup table with a warning).
    #[default]
    Strict,
    /// A row with more fields, all the extra ones empty, is read without them (`a;b;` under
    /// the header `A;B`, as PrestaShop writes some rows).
    Trailing,
    /// That, and a row with fewer fields is read with the missing ones null.
    Ragged,
}

impl Lenient {
    /// The names [`Lenient::parse`] takes, for messages.
    pub const NAMES: &'static str = "strict, trailing, ragged (or true/false)";

    /// `strict`, `trailing`, `ragged`; `true` is `trailing`, `false` is `strict`.
    pub fn parse(s: &str) -> Option<Lenient> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "strict" | "false" | "no" => Lenient::Strict,
            "trailing" | "true" | "yes" | "lenient" => Lenient::Trailing,
            "ragged" => Lenient::Ragged,
            _ => return None,
        })
    }

    /// Its name, as [`Lenient::parse`] takes it.
    pub fn name(self) -> &'static str {
        match self {
            Lenient::Strict => "strict",
            Lenient::Trailing => "trailing",
            Lenient::Ragged => "ragged",
        }
    }
}

/// A `lookup NAME by KEY parent PARENT` declaration.
#[derive(Debug)]
pub struct TablePlan {
    /// The table's name.
    pub name: String,
    /// The name of the input its rows come from: the table's name, or its `from INPUT`.
    pub input: String,
    /// The key of a row (evaluated with `.` = the row): a string or an int.
    pub key: CExpr,
    /// The key of a row's parent, for hierarchies (`ancestors`, `children`).
    pub parent: Option<CExpr>,
    /// Declared `optional`: without its input the table is empty.
    pub optional: bool,
    /// The tables its key and parent look up (loaded before it), sorted.
    pub uses: Vec<TableId>,
    /// `lookup_all` reads it: every row of a repeated key is kept (and not reported).
    pub keep_all: bool,
    /// The only fields of its rows the mapping reads ([`fields::analyse`]): a run keeps only
    /// these in the table. `None`: whole rows.
    pub row_fields: Option<Vec<String>>,
    /// The declaration in the mapping.
    pub span: Span,
}

/// The tables in an order where each comes after the tables it uses (declaration order
/// otherwise); a table in a cycle comes where the cycle is broken (a checked program has none).
pub fn table_order(tables: &[TablePlan]) -> Vec<TableId> {
    let mut order = Vec::with_capacity(tables.len());
    let mut state = vec![0u8; tables.len()];
    for start in 0..tables.len() {
        // Depth first, without recursion: (table, next dependency to visit).
        let mut stack = vec![(start, 0usize)];
        while let Some((t, i)) = stack.pop() {
            if i == 0 {
                if state[t] != 0 {
                    continue;
                }
                state[t] = 1;
            }
            match tables[t].uses.get(i) {
                Some(&d) => {
                    stack.push((t, i + 1));
                    if d < tables.len() && state[d] == 0 {
                        stack.push((d, 0));
                    }
                }
                None => {
                    state[t] = 2;
                    order.push(t);
                }
            }
        }
    }
    order
}

/// The cycles of tables that look each other up (a table that looks itself up is a cycle of
/// one), each once, starting at its first declared table, in the order the tables use each
/// other.
pub fn table_cycles(tables: &[TablePlan]) -> Vec<Vec<TableId>> {
    let mut cycles: Vec<Vec<TableId>> = Vec::new();
    for start in 0..tables.len() {
        // The shortest way back to `start`, breadth first, through tables declared after it
        // (a cycle is found from its first declared table only).
        let mut from: Vec<Option<TableId>> = vec![None; tables.len()];
        let mut queue = std::collections::VecDeque::from([start]);
        let mut found = None;
        while let Some(t) = queue.pop_front() {
            for &d in &tables[t].uses {
                if d == start {
                    found = Some(t);
                    break;
                }
                if d > start && d < tables.len() && from[d].is_none() {
                    from[d] = Some(t);
                    queue.push_back(d);
                }
            }
            if found.is_some() {
                break;
            }
        }
        let Some(mut t) = found else { continue };
        let mut cycle = vec![t];
        while t != start {
            let Some(p) = from[t] else { break };
            t = p;
            cycle.push(t);
        }
        cycle.reverse();
        cycle.dedup();
        cycles.push(cycle);
    }
    cycles
}

/// An entity block: `products from articoli group by ... where ... { ... }`.
#[derive(Debug)]
pub struct BlockPlan {
    /// The Clerk type it writes.
    pub entity: Entity,
    /// The name of the input its records come from.
    pub source: String,
    /// The group key of each row (`group by`): rows with one key are one record.
    pub group_by: Option<CExpr>,
    /// `group by each`: `group_by` gives a list of keys; a row joins the group of each.
    pub group_each: bool,
    /// `group by EXPR fill down`: a row without a key (null or empty) joins the group of the
    /// row above it.
    pub fill_down: bool,
    /// The `group by` expression in the mapping (a row's reason when its key is not one).
    pub group_span: Option<Span>,
    /// The slot that holds the group's key (the name `key`), in a grouped block.
    pub key_slot: Option<usize>,
    /// The header's `where`: a record for which it is not true is filtered out.
    pub filter: Option<CExpr>,
    /// The span of the header's `where` condition.
    pub filter_span: Span,
    /// The statements, in order.
    pub ops: Vec<Op>,
    /// Number of value slots (lets and attributes) a record's evaluation needs.
    pub slots: usize,
    /// Tables this block's expressions read.
    pub tables: Vec<TableId>,
    /// The slot of the `id` attribute, to name rejected records.
    pub id_slot: Option<usize>,
    /// The whole block in the mapping.
    pub span: Span,
    /// The program's secrets, hidden from the reasons of rejected records.
    pub secrets: Secrets,
    /// The only top-level fields of its input rows (records) it reads ([`fields::analyse`]),
    /// sorted: a run decodes only these, and the rows gathered into groups keep only these.
    /// `None`: whole rows.
    pub row_fields: Option<Vec<String>>,
}

/// A statement of a block.
#[derive(Debug)]
pub enum Op {
    /// `let name = expr`: a value later statements read from `slot`.
    Let {
        /// Where the value is kept.
        slot: usize,
        /// Its expression.
        expr: CExpr,
    },
    /// `name = expr`: an attribute of the Clerk record (left out when null).
    Assign {
        /// Where the value is kept (later statements may read it).
        slot: usize,
        /// The attribute's name.
        name: String,
        /// Its expression.
        expr: CExpr,
    },
    /// `...expr`: one attribute per key of an object (names normalised, assigned ones win).
    Spread {
        /// The object's expression.
        expr: CExpr,
        /// The statement in the mapping.
        span: Span,
        /// The object is a literal with computed keys (`... {(.n): .v}`): its names are taken
        /// as they are, and one Clerk would ignore rejects the record instead of being
        /// normalised.
        verbatim: bool,
    },
    /// `where expr` inside a block: the record is filtered out unless it holds.
    Where {
        /// The condition.
        expr: CExpr,
        /// The condition in the mapping.
        span: Span,
    },
}

/// A user function, `fn name(a, b) = expr`: checked and compiled once, shared by its calls.
#[derive(Debug)]
pub struct FnPlan {
    /// Its name.
    pub name: String,
    /// Its body: the parameters are slots `0..n` ([`CExpr::Slot`]), in order; it reads no
    /// record and no `rows` (`.` is only an element, in `[? ]` and `map`).
    pub body: CExpr,
    /// Whether a call with constant arguments may be computed when the mapping is checked: the
    /// body reads no lookup table and calls no `error`.
    pub foldable: bool,
    /// The declaration in the mapping.
    pub span: Span,
}

/// The key of an entry of [`CExpr::DynObject`].
#[derive(Debug)]
pub enum Key {
    /// A key as written.
    Fixed(String),
    /// A key computed for each record, and where its expression is.
    Computed(CExpr, Span),
}

/// One step of a path after its base.
#[derive(Debug)]
pub enum Step {
    /// `.name`, and where the last record had it.
    Field(String, crate::value::Hint),
    /// `[i]` (a list index, negative from the end) or `["key"]`.
    Index(CExpr),
    /// `[*]`
    Each,
    /// `[? cond]`
    Filter(CExpr, Span),
}

impl Step {
    /// Whether the step applies what follows to every element (`[*]`, `[? ]`).
    pub fn projects(&self) -> bool {
        matches!(self, Step::Each | Step::Filter(..))
    }
}

/// A compiled expression: names resolved, constants folded, functions bound.
#[derive(Debug)]
pub enum CExpr {
    /// A constant (a literal, a folded expression, a file-level `let`, a `var`).
    Const(Value),
    /// `.`
    Current,
    /// `rows`: the rows of the current group.
    Rows,
    /// A `let` or attribute of the block, by slot.
    Slot(usize),
    /// A path: `base` then `steps` (`.a[0].b`, `x[*].y`).
    Path {
        /// What the path starts from.
        base: Box<CExpr>,
        /// The steps, in order.
        steps: Vec<Step>,
        /// Whether a step projects (`[*]`, `[? ]`): the result is then a list.
        projects: bool,
        /// The path in the mapping (`explain` shows the paths a record's evaluation read).
        span: Span,
    },
    /// `[a, b]`
    List(Vec<CExpr>),
    /// `{key: value}`
    Object(Vec<(String, CExpr)>),
    /// `{(key): value, name: value}`: an object with a computed key. A null key leaves its
    /// entry out; an integer key is written in decimal.
    DynObject(Vec<(Key, CExpr)>),
    /// A built-in function call.
    Call {
        /// The function.
        f: &'static Function,
        /// The table of a lookup function.
        table: Option<TableId>,
        /// The arguments (without the table).
        args: Vec<CExpr>,
        /// The first parameter takes a single value but may receive a list: apply per element.
        map_first: bool,
        /// The call in the mapping (errors point at it).
        span: Span,
    },
    /// A call of a user function: the arguments are evaluated, then the body with them as its
    /// slots.
    UserCall {
        /// The function.
        f: Arc<FnPlan>,
        /// One per parameter.
        args: Vec<CExpr>,
        /// The call in the mapping.
        span: Span,
    },
    /// `-x`, `not x`.
    Unary(UnOp, Box<CExpr>, Span),
    /// `a op b`.
    Binary(BinOp, Box<CExpr>, Box<CExpr>, Span),
    /// `if c { a } else { b }` (no `else`: null).
    If(Box<CExpr>, Box<CExpr>, Option<Box<CExpr>>, Span),
    /// `match x { lits => v, _ => w }`: arms with their literals (`None` = `_`), in order.
    Match(Box<CExpr>, Vec<(Option<Vec<Value>>, CExpr)>),
    /// `map(list, expr)`: `expr` evaluated with `.` = each element; nulls dropped. With a
    /// [`CExpr::Lambda`] body (`map(xs, x => ...)`), `.` stays and the element is named.
    Map(Box<CExpr>, Box<CExpr>, Span),
    /// The body of a named element, `x => body`: only as a `map` body or a `[? ]` condition,
    /// evaluated per element with `.` left as it is and the element as [`CExpr::Bound`]`(0)`.
    Lambda(Box<CExpr>),
    /// A named element (`x` of `x => ...`): `Bound(0)` is the innermost, `Bound(1)` the one
    /// around it, and so on.
    Bound(usize),
}

impl CExpr {
    /// The constant, when the expression is one.
    pub fn as_const(&self) -> Option<&Value> {
        match self {
            CExpr::Const(v) => Some(v),
            _ => None,
        }
    }

    /// Calls `f` with each direct sub-expression (a user function's arguments, not its body).
    pub fn each_child(&self, f: &mut impl FnMut(&CExpr)) {
        match self {
            CExpr::Const(_) | CExpr::Current | CExpr::Rows | CExpr::Slot(_) | CExpr::Bound(_) => {}
            CExpr::Lambda(x) => f(x),
            CExpr::Path { base, steps, .. } => {
                f(base);
                for s in steps {
                    if let Step::Index(i) | Step::Filter(i, _) = s {
                        f(i);
                    }
                }
            }
            CExpr::List(items) => items.iter().for_each(f),
            CExpr::Object(entries) => entries.iter().for_each(|(_, v)| f(v)),
            CExpr::DynObject(entries) => {
                for (k, v) in entries {
                    if let Key::Computed(k, _) = k {
                        f(k);
                    }
                    f(v);
                }
            }
            CExpr::Call { args, .. } | CExpr::UserCall { args, .. } => args.iter().for_each(f),
            CExpr::Unary(_, x, _) => f(x),
            CExpr::Binary(_, a, b, _) | CExpr::Map(a, b, _) => {
                f(a);
                f(b);
            }
            CExpr::If(c, t, e, _) => {
                f(c);
                f(t);
                if let Some(e) = e {
                    f(e);
                }
            }
            CExpr::Match(v, arms) => {
                f(v);
                arms.iter().for_each(|(_, x)| f(x));
            }
        }
    }
}

/// A text read with `env()` (`let key = env("CLERKMAP_PSEUDONYM_KEY")`), or a text computed
/// from one (`key ~ "-salt"`, `key | upper`): a secret, which the checker, `explain` and the
/// reasons of rejected records never print. (A number or a bool read with `env()`, converted
/// like its default, is a setting, not a key.)
#[derive(Debug, Clone, PartialEq)]
pub struct Secret {
    /// The environment variable it comes from.
    pub env: String,
    /// Its value.
    pub value: Value,
    /// How its value may be written in a text: as itself, and JSON-escaped (inside quotes).
    forms: Vec<String>,
}

/// The secrets of a program ([`Secret`]), and how to keep them out of what is printed: a value
/// that is a secret is shown as `"<secret from env NAME>"`, and so is every occurrence of one
/// of at least 4 characters in a text (also cut short by an ellipsis, as error messages cut
/// long values). Shorter ones are hidden only as whole values: replacing every `it` in every
/// message would leave nothing readable, and such a text is no key.
///
/// ```
/// use clerkmap::plan::Secrets;
/// use clerkmap::json;
/// let mut s = Secrets::default();
/// s.add("KEY", &json!("s3cr3t-K3Y"));
/// assert_eq!(s.hide(&json!("s3cr3t-K3Y")), json!("<secret from env KEY>"));
/// assert_eq!(
///     s.redact(r#"int: cannot read "s3cr3t-K3Y" as a number"#),
///     r#"int: cannot read "<secret from env KEY>" as a number"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Secrets(Vec<Secret>);

/// The shortest secret hidden inside texts, and the shortest part of one cut short by `...`
/// that is hidden: less tells nothing.
const MIN_PREFIX: usize = 4;

impl Secrets {
    /// Adds `value`, read from (or computed from) the environment variable `env`, when it is
    /// a text (not empty) not known yet.
    pub fn add(&mut self, env: &str, value: &Value) {
        let Value::String(s) = value else {
            return;
        };
        if s.is_empty() || self.0.iter().any(|x| x.value == *value) {
            return;
        }
        let mut forms = Vec::new();
        if s.chars().count() >= MIN_PREFIX {
            forms.push(s.to_string());
            let json = value.to_string();
            let escaped = json[1..json.len() - 1].to_string();
            if escaped != *s {
                forms.push(escaped);
            }
        }
        self.0.push(Secret {
            env: env.to_string(),
            value: value.clone(),
            forms,
        });
        // Longest first: a secret computed from another one is hidden whole.
        self.0
            .sort_by_key(|s| std::cmp::Reverse(s.value.as_str().map_or(0, str::len)));
    }

    /// Whether there is none (then hiding changes nothing and costs nothing).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The secrets, longest first.
    pub fn iter(&self) -> impl Iterator<Item = &Secret> {
        self.0.iter()
    }

    /// The secret `value` is, if it is one.
    pub fn of(&self, value: &Value) -> Option<&Secret> {
        self.0.iter().find(|s| s.value == *value)
    }

    /// What is shown instead of a secret from `env`: `<secret from env NAME>`.
    pub fn placeholder(env: &str) -> String {
        format!("<secret from env {env}>")
    }

    /// `value` as it may be shown: a secret becomes its placeholder, and the secrets in its
    /// texts (keys included) are replaced by theirs.
    pub fn hide(&self, value: &Value) -> Value {
        if self.is_empty() {
            return value.clone();
        }
        if let Some(s) = self.of(value) {
            return Value::String(Secrets::placeholder(&s.env).into());
        }
        match value {
            Value::String(t) => Value::String(self.redact(t).into()),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.hide(v)).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (self.redact(k), self.hide(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// `text` with every secret (of at least 4 characters) in it replaced by its placeholder,
    /// also one cut short by `...` (at least its first 4 characters).
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.0 {
            let placeholder = Secrets::placeholder(&s.env);
            for form in &s.forms {
                if out.contains(form.as_str()) {
                    out = out.replace(form.as_str(), &placeholder);
                }
                out = redact_cut(&out, form, &placeholder);
            }
        }
        out
    }
}

/// `text` with each `...` that a prefix of `form` (of at least [`MIN_PREFIX`] characters)
/// leads up to replaced, prefix and all, by `placeholder`.
fn redact_cut(text: &str, form: &str, placeholder: &str) -> String {
    if !text.contains("...") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("...") {
        let before = &rest[..i];
        // The longest prefix of `form` that `before` ends with.
        let cut = form
            .char_indices()
            .map(|(j, _)| j)
            .chain(std::iter::once(form.len()))
            .filter(|&j| form[..j].chars().count() >= MIN_PREFIX && before.ends_with(&form[..j]))
            .max();
        match cut {
            Some(j) => {
                out.push_str(&before[..before.len() - j]);
                out.push_str(placeholder);
            }
            None => {
                out.push_str(before);
                out.push_str("...");
            }
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use crate::json;

    use super::Secrets;

    #[test]
    fn secrets_are_hidden_whole_inside_texts_and_cut_short() {
        let mut s = Secrets::default();
        s.add("KEY", &json!("s3cr3t-K3Y"));
        s.add("KEY", &json!("s3cr3t-K3Y-salt"));
        s.add("Q", &json!("ab\"cd"));
        s.add("N", &json!(""));
        s.add("N", &json!(null));
        s.add("N", &json!(true));
        s.add("L", &json!("it"));
        assert_eq!(s.iter().count(), 4);
        // A short one is hidden as a whole value only.
        assert_eq!(s.hide(&json!("it")), json!("<secret from env L>"));
        assert_eq!(s.redact("with it"), "with it");
        assert_eq!(s.hide(&json!(true)), json!(true));
        assert_eq!(
            s.hide(&json!("s3cr3t-K3Y-salt")),
            json!("<secret from env KEY>")
        );
        assert_eq!(
            s.hide(&json!({"k": ["x s3cr3t-K3Y y", 1]})),
            json!({"k": ["x <secret from env KEY> y", 1]})
        );
        assert_eq!(
            s.redact("got s3cr3t-K3Y-salt!"),
            "got <secret from env KEY>!"
        );
        // JSON-escaped, as error messages show text.
        assert_eq!(s.redact(r#"got "ab\"cd""#), r#"got "<secret from env Q>""#);
        // Cut short by an elided message: at least 4 characters of it.
        assert_eq!(
            s.redact(r#"got "xx s3cr3..."#),
            r#"got "xx <secret from env KEY>"#
        );
        assert_eq!(
            s.redact(r#"got "s3c... and s3cr... "#),
            r#"got "s3c... and <secret from env KEY> "#
        );
        assert_eq!(Secrets::default().redact("s3cr3t-K3Y"), "s3cr3t-K3Y");
    }
}

#[cfg(test)]
mod table_graph {
    use super::*;

    fn tables(uses: &[&[TableId]]) -> Vec<TablePlan> {
        uses.iter()
            .enumerate()
            .map(|(i, u)| TablePlan {
                name: format!("t{i}"),
                input: format!("t{i}"),
                key: CExpr::Current,
                parent: None,
                optional: false,
                uses: u.to_vec(),
                keep_all: false,
                row_fields: None,
                span: Span::new(0, 0),
            })
            .collect()
    }

    #[test]
    fn tables_load_after_the_tables_they_use() {
        // t0 uses t2, t2 uses t1 and t3; t3 uses t1.
        let t = tables(&[&[2], &[], &[1, 3], &[1]]);
        assert_eq!(table_order(&t), vec![1, 3, 2, 0]);
        assert!(table_cycles(&t).is_empty());
    }

    #[test]
    fn cycles_are_found_once_from_their_first_table() {
        // t0 -> t1 -> t2 -> t0, t3 -> t3, t4 -> t1 (not in a cycle).
        let t = tables(&[&[1], &[2], &[0], &[3], &[1]]);
        assert_eq!(table_cycles(&t), vec![vec![0, 1, 2], vec![3]]);
        assert_eq!(table_order(&t).len(), 5, "every table once, cycle or not");
    }
}

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn program_is_send_and_sync() {
        assert_send_sync::<super::Program>();
    }
}
