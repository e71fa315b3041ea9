//! The fields of their rows that the mapping reads from a grouped block's input and from each
//! lookup table, so that a run keeps only those in the rows it gathers into groups and in the
//! tables it loads: a category built from the `Categories` column of 40,000 product rows then
//! holds 40,000 short strings, not 40,000 whole rows with their descriptions.
//!
//! The analysis follows rows through the mapping: `.` and `rows` in a block, a table's rows
//! (`lookup`, `lookup_all`, `.` in its key), and the `let`s, lists, `??`, `if` branches,
//! `first`/`last`/`nonempty`, filters, `map` and user function parameters that hold them. A
//! row may be read only through a field the mapping names (`.name`, `."odd name"`,
//! `.["name"]`, `p.Name`, `rows[*].name`, `rows[? cond].name`), counted (`len` of a list of
//! rows) or tested against null; anything else (a row written, spread, compared, given to a
//! built-in function, a computed field name, `[*]` on a row) makes its source keep whole rows.
//! What is below a field is never touched: `.varianti[*]` keeps the whole `varianti`.

use std::collections::{BTreeSet, HashMap};

use crate::value::Value;

use super::{BlockPlan, CExpr, FnPlan, Key, Op, Program, Step, TableId};
use crate::syntax::ast::BinOp;

/// Where rows come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Origin {
    /// The input of the block being analysed.
    Input,
    /// A lookup table.
    Table(TableId),
}

/// What an expression gives, as far as rows are concerned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Kind {
    /// No row.
    Plain,
    /// Rows of these origins: one (`Some(false)`), a list of them (`Some(true)`), either.
    Rec(BTreeSet<Origin>, Option<bool>),
}

impl Kind {
    fn rec(o: Origin, list: Option<bool>) -> Kind {
        Kind::Rec(BTreeSet::from([o]), list)
    }

    /// The kind of a value that is one or the other.
    fn union(self, other: Kind) -> Kind {
        match (self, other) {
            (Kind::Plain, k) | (k, Kind::Plain) => k,
            (Kind::Rec(mut a, la), Kind::Rec(b, lb)) => {
                a.extend(b);
                Kind::Rec(a, if la == lb { la } else { None })
            }
        }
    }
}

/// The fields read from one source, or `None` once a row of it is used whole.
type Fields = Option<BTreeSet<String>>;

struct Reads {
    tables: Vec<Fields>,
    input: Fields,
    /// Function calls analysed, with the kinds of their arguments: what they give.
    calls: HashMap<(String, Vec<Kind>), Kind>,
}

/// Computes [`BlockPlan::row_fields`] for every block and
/// [`super::TablePlan::row_fields`] for every table of a checked program.
pub fn analyse(program: &mut Program) {
    let mut r = Reads {
        tables: vec![Some(BTreeSet::new()); program.tables.len()],
        input: Some(BTreeSet::new()),
        calls: HashMap::new(),
    };
    for (i, t) in program.tables.iter().enumerate() {
        let env = Env::new(Kind::rec(Origin::Table(i), Some(false)));
        let k = r.expr(&t.key, &env);
        r.consume(&k);
        if let Some(p) = &t.parent {
            let k = r.expr(p, &env);
            r.consume(&k);
        }
    }
    let mut inputs = Vec::with_capacity(program.blocks.len());
    for b in &program.blocks {
        r.input = Some(BTreeSet::new());
        r.block(b);
        inputs.push(r.input.take());
    }
    for (b, fields) in program.blocks.iter_mut().zip(inputs) {
        b.row_fields = fields.map(|f| f.into_iter().collect());
    }
    for (t, fields) in program.tables.iter_mut().zip(r.tables) {
        t.row_fields = fields.map(|f| f.into_iter().collect());
    }
}

/// What `.` and the slots hold.
#[derive(Clone)]
struct Env {
    dot: Kind,
    slots: HashMap<usize, Kind>,
    /// What the named elements (`x => ...`) hold, outermost first.
    bound: Vec<Kind>,
}

impl Env {
    fn new(dot: Kind) -> Env {
        Env {
            dot,
            slots: HashMap::new(),
            bound: Vec::new(),
        }
    }

    fn with_dot(&self, dot: Kind) -> Env {
        Env {
            dot,
            slots: self.slots.clone(),
            bound: self.bound.clone(),
        }
    }

    /// The environment of a per-element expression (`map`'s body, a `[? ]` condition) whose
    /// elements are of kind `element`, and the expression: a named element's body keeps `.`.
    fn per_element<'e>(&self, body: &'e CExpr, element: Kind) -> (Env, &'e CExpr) {
        match body {
            CExpr::Lambda(named) => {
                let mut env = self.clone();
                env.bound.push(element);
                (env, named)
            }
            _ => (self.with_dot(element), body),
        }
    }
}

/// The field a step names literally (`.name`, `["name"]`).
fn field_name(step: &Step) -> Option<&str> {
    match step {
        Step::Field(name, _) => Some(name),
        Step::Index(CExpr::Const(Value::String(s))) => Some(s),
        _ => None,
    }
}

impl Reads {
    fn block(&mut self, b: &BlockPlan) {
        let mut env = Env::new(Kind::rec(Origin::Input, Some(false)));
        if let Some(k) = &b.group_by {
            let k = self.expr(k, &env);
            self.consume(&k);
        }
        if let Some(f) = &b.filter {
            let k = self.expr(f, &env);
            self.consume(&k);
        }
        for op in &b.ops {
            match op {
                Op::Let { slot, expr } => {
                    let k = self.expr(expr, &env);
                    env.slots.insert(*slot, k);
                }
                Op::Assign { slot, expr, .. } => {
                    // Written: a row in an attribute is shown whole (and rejected).
                    let k = self.expr(expr, &env);
                    self.consume(&k);
                    env.slots.insert(*slot, Kind::Plain);
                }
                Op::Spread { expr, .. } | Op::Where { expr, .. } => {
                    let k = self.expr(expr, &env);
                    self.consume(&k);
                }
            }
        }
    }

    /// The rows of `k` are used whole.
    fn consume(&mut self, k: &Kind) {
        if let Kind::Rec(origins, _) = k {
            for o in origins {
                *self.source(*o) = None;
            }
        }
    }

    fn source(&mut self, o: Origin) -> &mut Fields {
        match o {
            Origin::Input => &mut self.input,
            Origin::Table(t) => &mut self.tables[t],
        }
    }

    fn read(&mut self, origins: &BTreeSet<Origin>, name: &str) {
        for o in origins {
            if let Some(f) = self.source(*o) {
                f.insert(name.to_string());
            }
        }
    }

    /// An expression whose value is used as a plain value.
    fn plain(&mut self, e: &CExpr, env: &Env) {
        let k = self.expr(e, env);
        self.consume(&k);
    }

    fn expr(&mut self, e: &CExpr, env: &Env) -> Kind {
        match e {
            CExpr::Const(_) => Kind::Plain,
            CExpr::Current => env.dot.clone(),
            CExpr::Rows => Kind::rec(Origin::Input, Some(true)),
            CExpr::Slot(s) => env.slots.get(s).cloned().unwrap_or(Kind::Plain),
            CExpr::Bound(up) => env
                .bound
                .len()
                .checked_sub(up + 1)
                .and_then(|i| env.bound.get(i))
                .cloned()
                .unwrap_or(Kind::Plain),
            // Only as a `map` body or a `[? ]` condition, handled there; anywhere else its
            // element is unknown: analysed as a plain value, what it gives used whole.
            CExpr::Lambda(_) => {
                let (env, body) = env.per_element(e, Kind::Plain);
                self.plain(body, &env);
                Kind::Plain
            }
            CExpr::Path { base, steps, .. } => {
                let k = self.expr(base, env);
                self.path(k, steps, env)
            }
            CExpr::List(items) => {
                let mut out = Kind::Plain;
                for x in items {
                    match self.expr(x, env) {
                        Kind::Rec(o, Some(false)) => {
                            out = out.union(Kind::Rec(o, Some(true)));
                        }
                        other => self.consume(&other),
                    }
                }
                out
            }
            CExpr::Object(entries) => {
                entries.iter().for_each(|(_, x)| self.plain(x, env));
                Kind::Plain
            }
            CExpr::DynObject(entries) => {
                for (k, x) in entries {
                    if let Key::Computed(k, _) = k {
                        self.plain(k, env);
                    }
                    self.plain(x, env);
                }
                Kind::Plain
            }
            CExpr::Call {
                f,
                table,
                args,
                map_first,
                ..
            } => self.call(f.name, *table, args, *map_first, env),
            CExpr::UserCall { f, args, .. } => {
                let kinds: Vec<Kind> = args.iter().map(|x| self.expr(x, env)).collect();
                self.user_call(f, kinds)
            }
            CExpr::Unary(_, x, _) => {
                self.plain(x, env);
                Kind::Plain
            }
            CExpr::Binary(op, a, b, _) => {
                let (ka, kb) = (self.expr(a, env), self.expr(b, env));
                match op {
                    BinOp::Coalesce => ka.union(kb),
                    // A row tested against null: projected, it is still not null.
                    BinOp::Eq | BinOp::Ne
                        if matches!(**a, CExpr::Const(Value::Null))
                            || matches!(**b, CExpr::Const(Value::Null)) =>
                    {
                        Kind::Plain
                    }
                    _ => {
                        self.consume(&ka);
                        self.consume(&kb);
                        Kind::Plain
                    }
                }
            }
            CExpr::If(c, a, b, _) => {
                self.plain(c, env);
                let ka = self.expr(a, env);
                match b {
                    Some(b) => {
                        let kb = self.expr(b, env);
                        ka.union(kb)
                    }
                    None => ka,
                }
            }
            CExpr::Match(x, arms) => {
                self.plain(x, env);
                arms.iter()
                    .fold(Kind::Plain, |acc, (_, v)| acc.union(self.expr(v, env)))
            }
            // Over a list of rows (over a single row, `map` would show it in its error).
            CExpr::Map(list, body, _) => match self.expr(list, env) {
                Kind::Rec(o, Some(true)) => {
                    let (env, body) = env.per_element(body, Kind::Rec(o, Some(false)));
                    match self.expr(body, &env) {
                        Kind::Rec(o, Some(false)) => Kind::Rec(o, Some(true)),
                        other => {
                            self.consume(&other);
                            Kind::Plain
                        }
                    }
                }
                other => {
                    self.consume(&other);
                    let (env, body) = env.per_element(body, Kind::Plain);
                    self.plain(body, &env);
                    Kind::Plain
                }
            },
        }
    }

    fn path(&mut self, mut k: Kind, steps: &[Step], env: &Env) -> Kind {
        for s in steps {
            k = match k {
                Kind::Plain => {
                    match s {
                        Step::Index(x) => self.plain(x, env),
                        Step::Filter(c, _) => {
                            let (inner, c) = env.per_element(c, Kind::Plain);
                            self.plain(c, &inner)
                        }
                        Step::Field(..) | Step::Each => {}
                    }
                    Kind::Plain
                }
                Kind::Rec(o, list) => {
                    if let Some(name) = field_name(s) {
                        self.read(&o, name);
                        Kind::Plain
                    } else {
                        match (s, list) {
                            // Elements of a list of rows.
                            (Step::Each, Some(true)) => Kind::Rec(o, Some(true)),
                            (Step::Index(CExpr::Const(Value::Number(_))), Some(true)) => {
                                Kind::Rec(o, Some(false))
                            }
                            (Step::Filter(c, _), _) => {
                                let element = Kind::Rec(o.clone(), Some(false));
                                let (inner, c) = env.per_element(c, element);
                                self.plain(c, &inner);
                                Kind::Rec(o, Some(true))
                            }
                            _ => {
                                self.consume(&Kind::Rec(o, list));
                                if let Step::Index(x) = s {
                                    self.plain(x, env);
                                }
                                Kind::Plain
                            }
                        }
                    }
                }
            };
        }
        k
    }

    fn call(
        &mut self,
        name: &str,
        table: Option<TableId>,
        args: &[CExpr],
        may_be_list: bool,
        env: &Env,
    ) -> Kind {
        let kinds: Vec<Kind> = args.iter().map(|x| self.expr(x, env)).collect();
        let list_arg = |k: &Kind| matches!(k, Kind::Rec(_, Some(true)));
        match (name, kinds.as_slice()) {
            ("first" | "last", [k @ Kind::Rec(o, _)]) if list_arg(k) => {
                Kind::Rec(o.clone(), Some(false))
            }
            ("nonempty", [k]) if list_arg(k) => k.clone(),
            ("len", [k]) if list_arg(k) => Kind::Plain,
            _ => {
                kinds.iter().for_each(|k| self.consume(k));
                match (name, table) {
                    // A row, or a list of rows when the key may be a list of keys.
                    ("lookup", Some(t)) => {
                        Kind::rec(Origin::Table(t), (!may_be_list).then_some(false))
                    }
                    ("lookup_all", Some(t)) => Kind::rec(Origin::Table(t), Some(true)),
                    _ => Kind::Plain,
                }
            }
        }
    }

    /// A user function's body with its parameters of these kinds (each distinct call once).
    fn user_call(&mut self, f: &FnPlan, kinds: Vec<Kind>) -> Kind {
        let key = (f.name.clone(), kinds);
        if let Some(k) = self.calls.get(&key) {
            return k.clone();
        }
        // A checked program has no recursion; mark the call first all the same.
        self.calls.insert(key.clone(), Kind::Plain);
        let env = Env {
            dot: Kind::Plain,
            slots: key.1.iter().cloned().enumerate().collect(),
            bound: Vec::new(),
        };
        let k = self.expr(&f.body, &env);
        self.calls.insert(key, k.clone());
        k
    }
}

/// The row with only `fields` (sorted, as [`BlockPlan::row_fields`] are), in their order (a
/// row that is not an object is kept as it is). The kept fields are moved, names and all.
pub fn project(row: Value, fields: &[String]) -> Value {
    match row {
        Value::Object(map) => {
            // Each kept field goes to its place in `fields` (the names of a map are distinct).
            let mut placed: Vec<Option<(crate::value::Str, Value)>> = Vec::new();
            placed.resize_with(fields.len(), || None);
            for (k, v) in map {
                if let Ok(at) = fields.binary_search_by(|f| f.as_str().cmp(k.as_str())) {
                    placed[at] = Some((k, v));
                }
            }
            Value::Object(crate::value::Map::from_unique(
                placed.into_iter().flatten().collect(),
            ))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use crate::value::Value;

    #[test]
    fn project_keeps_the_fields_asked_in_their_order() {
        let row = crate::json!({"c": [1], "b": "x", "a": 1, "Z": 0});
        let kept = super::project(row, &["Z".to_string(), "a".to_string(), "c".to_string()]);
        assert_eq!(kept, crate::json!({"Z": 0, "a": 1, "c": [1]}));
        let Value::Object(m) = kept else {
            panic!("not an object")
        };
        let names: Vec<&str> = m.keys().map(|k| k.as_str()).collect();
        assert_eq!(names, ["Z", "a", "c"]);
    }

    #[test]
    fn project_keeps_many_fields_findable_by_name() {
        // past the size at which a map indexes its names
        let fields: Vec<String> = (0..40).map(|i| format!("f{i:02}")).collect();
        let mut row = crate::value::Map::new();
        for f in fields.iter().rev() {
            row.insert(f.as_str(), Value::from(f.len()));
        }
        row.insert("other", Value::Null);
        let Value::Object(m) = super::project(Value::Object(row), &fields) else {
            panic!("not an object")
        };
        assert_eq!(m.len(), 40);
        assert!(m.get("f33").is_some() && m.get("other").is_none());
        assert_eq!(m.keys().next().map(|k| k.as_str()), Some("f00"));
    }
}
