//! `clerkmap explain`: one record through one block, statement by statement: each attribute's
//! value, the expression that made it (its source text), the input values it read (the record
//! paths in it, evaluated on the record) and the names it used; then whether the record is
//! written, filtered (by which `where`) or rejected (why), and the Clerk record.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::check::{CompileOptions, compile_expr};
use crate::clerk::Entity;
use crate::diagnostic::SourceFile;
use crate::engine::Input;
use crate::engine::source::{Format, read_all};
use crate::eval::{Env, Outcome, eval, map_record};
use crate::plan::{BlockPlan, Op, Program};
use crate::syntax::ast::{self, Expr, ExprKind, Item, Span, Stmt};
use crate::value::{Table, key_string};

/// Which record to explain.
#[derive(Debug, Clone)]
pub enum Target {
    /// The record whose `id` attribute is this (as text).
    Id(String),
    /// The record at this line (NDJSON, CSV) or record number (JSON, XML).
    Line(u64),
}

/// What `explain` needs: the checked mapping, its syntax tree, the inputs.
pub struct Request<'a> {
    pub src: &'a SourceFile,
    pub file: &'a ast::File,
    pub program: &'a Program,
    pub opts: &'a CompileOptions,
    pub inputs: &'a [Input],
    pub entity: Option<Entity>,
    pub target: Target,
}

/// The value of an expression, or why it failed.
pub type Evaluated = Result<Value, String>;

/// One statement (or the header's `where` / `group by`) as evaluated.
#[derive(Debug, Clone)]
pub struct StepTrace {
    /// `id = .codice`, `let x = ...`, `where ...`, `... .attributi`.
    pub text: String,
    /// `file:line:col` of the statement.
    pub at: String,
    pub value: Evaluated,
    /// Record paths in the expression and their values on this record.
    pub reads: Vec<(String, Evaluated)>,
    /// Names (lets, attributes, file-level lets) the expression used, with their values.
    pub uses: Vec<(String, Value)>,
}

#[derive(Debug, Clone)]
pub enum Verdict {
    Written(Value),
    Filtered { condition: String, at: String },
    Rejected(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Explanation {
    pub entity: Entity,
    pub source: String,
    /// The input file and the record's place in it.
    pub location: String,
    /// The record's id, when it has one.
    pub id: Option<Value>,
    /// Input rows of the group (grouped blocks).
    pub rows: Option<usize>,
    pub steps: Vec<StepTrace>,
    pub verdict: Verdict,
}

fn fix_format(i: &Input) -> Result<Format, String> {
    i.format
        .clone()
        .or_else(|| Format::from_path(&i.path))
        .ok_or_else(|| {
            format!(
                "cannot tell the format of `{}` from its extension: state it with --input-format {}=csv (or json, ndjson, xml)",
                i.path.display(),
                i.name
            )
        })
}

fn input_of<'a>(inputs: &'a [Input], name: &str) -> Option<&'a Input> {
    inputs.iter().find(|i| i.name == name)
}

/// Loads the lookup tables the way a run does (rows whose key fails are left out).
fn load_tables(program: &Program, inputs: &[Input]) -> Result<Vec<Table>, String> {
    let mut tables = Vec::new();
    for plan in &program.tables {
        let Some(input) = input_of(inputs, &plan.name) else {
            tables.push(Table::build(plan.name.clone(), Vec::new(), plan.parent.is_some()).0);
            continue;
        };
        let rows = read_all(&input.path, fix_format(input)?).map_err(|e| e.to_string())?;
        let env = Env::empty();
        let mut entries = Vec::new();
        let mut int_keys = true;
        for (_, row) in rows {
            let Ok(row) = row else { continue };
            let Ok(k) = eval(&plan.key, &row, &env) else {
                continue;
            };
            int_keys &= k.is_i64() || k.is_u64();
            let key = key_string(&k).map(|k| k.into_owned());
            let parent = plan
                .parent
                .as_ref()
                .and_then(|p| eval(p, &row, &env).ok())
                .and_then(|v| key_string(&v).map(|k| k.into_owned()));
            entries.push((key, parent, row));
        }
        let (mut table, _) = Table::build(plan.name.clone(), entries, plan.parent.is_some());
        table.set_int_keys(int_keys && !table.is_empty());
        tables.push(table);
    }
    Ok(tables)
}

/// Picks the block: the one of `--entity`, else products when its source is given, else the
/// only block whose source is given.
fn pick_block<'p>(
    program: &'p Program,
    inputs: &[Input],
    entity: Option<Entity>,
) -> Result<&'p BlockPlan, String> {
    let runnable: Vec<&BlockPlan> = program
        .blocks
        .iter()
        .filter(|b| input_of(inputs, &b.source).is_some())
        .collect();
    let list = |bs: &[&BlockPlan]| {
        bs.iter()
            .map(|b| format!("{} (--input {}=PATH)", b.entity.name(), b.source))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(e) = entity {
        let Some(b) = program.blocks.iter().find(|b| b.entity == e) else {
            let all: Vec<&BlockPlan> = program.blocks.iter().collect();
            return Err(format!(
                "the mapping has no `{}` block; it has {}",
                e.name(),
                list(&all)
            ));
        };
        if input_of(inputs, &b.source).is_none() {
            return Err(format!(
                "the `{}` block reads `{}`: give it with --input {}=PATH",
                e.name(),
                b.source,
                b.source
            ));
        }
        return Ok(b);
    }
    match runnable.as_slice() {
        [] => {
            let all: Vec<&BlockPlan> = program.blocks.iter().collect();
            Err(format!(
                "no block of the mapping reads the inputs given; give one of: {}",
                list(&all)
            ))
        }
        [one] => Ok(one),
        several => several
            .iter()
            .find(|b| b.entity == Entity::Products)
            .copied()
            .ok_or_else(|| {
                format!(
                    "several blocks can run: {}; say which with --entity",
                    list(several)
                )
            }),
    }
}

/// A record, or the rows of a group, with its location.
struct Unit {
    loc: u64,
    record: Value,
    rows: Vec<Value>,
}

fn units(block: &BlockPlan, input: &Input, tables: &[Table]) -> Result<Vec<Unit>, String> {
    let decoded = read_all(&input.path, fix_format(input)?).map_err(|e| e.to_string())?;
    let Some(key_expr) = &block.group_by else {
        return Ok(decoded
            .into_iter()
            .filter_map(|(loc, r)| {
                r.ok().map(|record| Unit {
                    loc,
                    record,
                    rows: Vec::new(),
                })
            })
            .collect());
    };
    let env = Env {
        slots: &[],
        rows: &[],
        tables,
    };
    let mut out: Vec<(String, Unit)> = Vec::new();
    for (loc, r) in decoded {
        let Ok(v) = r else { continue };
        let Some(key) = eval(key_expr, &v, &env)
            .ok()
            .and_then(|k| key_string(&k).map(|s| s.into_owned()))
        else {
            continue;
        };
        match out.last_mut() {
            Some((k, u)) if *k == key => u.rows.push(v),
            _ => out.push((
                key,
                Unit {
                    loc,
                    record: v.clone(),
                    rows: vec![v],
                },
            )),
        }
    }
    Ok(out.into_iter().map(|(_, u)| u).collect())
}

/// The `id` a record maps to, evaluating only what comes before `id = ...`.
fn quick_id(block: &BlockPlan, u: &Unit, tables: &[Table]) -> Option<Value> {
    let mut slots = vec![Value::Null; block.slots];
    for op in &block.ops {
        let (slot, expr) = match op {
            Op::Let { slot, expr } | Op::Assign { slot, expr, .. } => (*slot, expr),
            _ => continue,
        };
        let env = Env {
            slots: &slots,
            rows: &u.rows,
            tables,
        };
        let v = eval(expr, &u.record, &env).unwrap_or(Value::Null);
        if Some(slot) == block.id_slot {
            return Some(v);
        }
        slots[slot] = v;
    }
    None
}

/// Explains one record.
pub fn explain(req: &Request) -> Result<Explanation, String> {
    let block = pick_block(req.program, req.inputs, req.entity)?;
    let Some(input) = input_of(req.inputs, &block.source) else {
        return Err(format!("no --input {}=PATH given", block.source));
    };
    for &t in &block.tables {
        let plan = &req.program.tables[t];
        if !plan.optional && input_of(req.inputs, &plan.name).is_none() {
            return Err(format!(
                "the `{}` block looks up table `{}`: give it with --input {}=PATH",
                block.entity.name(),
                plan.name,
                plan.name
            ));
        }
    }
    let ast_block = req
        .file
        .items
        .iter()
        .find_map(|i| match i {
            Item::Block(b) if b.span == block.span => Some(b),
            _ => None,
        })
        .ok_or("internal error: the block's syntax is not found")?;
    let tables = load_tables(req.program, req.inputs)?;
    let all = units(block, input, &tables)?;
    let format = fix_format(input)?;
    let place = |loc: u64| {
        if format.has_lines() {
            format!("line {loc}")
        } else {
            format!("record {loc}")
        }
    };
    let unit = match &req.target {
        Target::Line(n) => all.iter().find(|u| u.loc == *n).ok_or_else(|| {
            format!(
                "{}: no {} holds a {} record{} (the first is at {})",
                input.path.display(),
                place(*n),
                block.entity.singular(),
                if block.group_by.is_some() {
                    " group start"
                } else {
                    ""
                },
                all.first().map_or("-".to_string(), |u| place(u.loc))
            )
        })?,
        Target::Id(code) => all
            .iter()
            .find(|u| {
                quick_id(block, u, &tables)
                    .and_then(|v| key_string(&v).map(|k| k == code.as_str()))
                    .unwrap_or(false)
            })
            .ok_or_else(|| {
                let some: Vec<String> = all
                    .iter()
                    .filter_map(|u| quick_id(block, u, &tables))
                    .filter(|v| !v.is_null())
                    .take(5)
                    .map(|v| v.to_string())
                    .collect();
                format!(
                    "{}: no {} has id `{code}` ({} records read; ids look like {}); a record whose id cannot be computed can be named by --line N",
                    input.path.display(),
                    block.entity.singular(),
                    all.len(),
                    if some.is_empty() {
                        "nothing: no id was computed".to_string()
                    } else {
                        some.join(", ")
                    }
                )
            })?,
    };
    let globals = global_values(req);
    let table_names: Vec<&str> = req.program.tables.iter().map(|t| t.name.as_str()).collect();
    let ctx = Ctx {
        src: req.src,
        opts: req.opts,
        globals: &globals,
        table_names: &table_names,
        tables: &tables,
        unit,
    };
    let mut steps = Vec::new();
    let mut names: HashMap<String, Value> = HashMap::new();
    let no_slots: Vec<Value> = Vec::new();
    if let (Some(g), Some(ge)) = (&ast_block.group_by, &block.group_by) {
        let v = ctx.eval_in(ge, &no_slots, true);
        steps.push(ctx.step(
            format!("group by {}", ctx.text(g.span)),
            g.span,
            v,
            g,
            &names,
        ));
    }
    if let (Some(f), Some(fe)) = (&ast_block.filter, &block.filter) {
        let v = ctx.eval_in(fe, &no_slots, false);
        steps.push(ctx.step(format!("where {}", ctx.text(f.span)), f.span, v, f, &names));
    }
    let mut slots = vec![Value::Null; block.slots];
    for (stmt, op) in ast_block.stmts.iter().zip(&block.ops) {
        match (stmt, op) {
            (Stmt::Let(l), Op::Let { slot, expr }) => {
                let v = ctx.eval_in(expr, &slots, false);
                let text = format!("let {} = {}", l.name.name, ctx.text(l.value.span));
                steps.push(ctx.step(text, l.span, v.clone(), &l.value, &names));
                let v = v.unwrap_or(Value::Null);
                names.insert(l.name.name.clone(), v.clone());
                slots[*slot] = v;
            }
            (Stmt::Assign { name, value }, Op::Assign { slot, expr, .. }) => {
                let v = ctx.eval_in(expr, &slots, false);
                let text = format!("{} = {}", name.name, ctx.text(value.span));
                steps.push(ctx.step(text, name.span.to(value.span), v.clone(), value, &names));
                let v = v.unwrap_or(Value::Null);
                names.insert(name.name.clone(), v.clone());
                slots[*slot] = v;
            }
            (Stmt::Where { cond, span }, Op::Where { expr, .. }) => {
                let v = ctx.eval_in(expr, &slots, false);
                steps.push(ctx.step(
                    format!("where {}", ctx.text(cond.span)),
                    *span,
                    v,
                    cond,
                    &names,
                ));
            }
            (Stmt::Spread { value, span }, Op::Spread { expr, .. }) => {
                let v = ctx.eval_in(expr, &slots, false);
                steps.push(ctx.step(
                    format!("... {}", ctx.text(value.span)),
                    *span,
                    v,
                    value,
                    &names,
                ));
            }
            _ => return Err("internal error: the block's statements and plan differ".into()),
        }
    }
    let verdict = match map_record(block, &unit.record, &unit.rows, &tables) {
        Outcome::Written(m) => Verdict::Written(Value::Object(m)),
        Outcome::Filtered(span) => Verdict::Filtered {
            condition: ctx.text(span),
            at: ctx.at(span),
        },
        Outcome::Rejected { reasons, .. } => Verdict::Rejected(
            reasons
                .iter()
                .map(|r| {
                    let mut s = match &r.attribute {
                        Some(a) => format!("`{a}`: {}", r.message),
                        None => r.message.clone(),
                    };
                    if let Some(sp) = r.span {
                        let _ = write!(s, " (at {})", ctx.at(sp));
                    }
                    s
                })
                .collect(),
        ),
    };
    let id = block
        .id_slot
        .and_then(|s| slots.get(s))
        .filter(|v| !v.is_null())
        .cloned();
    Ok(Explanation {
        entity: block.entity,
        source: block.source.clone(),
        location: format!("{} {}", input.path.display(), place(unit.loc)),
        id,
        rows: block.group_by.as_ref().map(|_| unit.rows.len()),
        steps,
        verdict,
    })
}

/// The values of the file-level `let`s, each compiled with the ones before it.
fn global_values(req: &Request) -> HashMap<String, Value> {
    let mut globals: HashMap<String, Value> = HashMap::new();
    for item in &req.file.items {
        if let Item::Let(l) = item {
            let e = subst(&l.value, &globals);
            if let Ok(c) = compile_expr(&e, &[], req.opts)
                && let Ok(v) = eval(&c, &Value::Null, &Env::empty())
            {
                globals.insert(l.name.name.clone(), v);
            }
        }
    }
    globals
}

/// `e` with the names of `globals` replaced by their values.
fn subst(e: &Expr, globals: &HashMap<String, Value>) -> Expr {
    let s = |x: &Expr| Box::new(subst(x, globals));
    let kind = match &e.kind {
        ExprKind::Name(id) => match globals.get(&id.name) {
            Some(v) => ExprKind::Literal(v.clone()),
            None => ExprKind::Name(id.clone()),
        },
        ExprKind::Literal(_) | ExprKind::Current => e.kind.clone(),
        ExprKind::Rows(_) | ExprKind::BadForm { .. } => e.kind.clone(),
        ExprKind::Map { list, body } => ExprKind::Map {
            list: s(list),
            body: s(body),
        },
        ExprKind::CompileTime {
            from,
            callee,
            name,
            default,
        } => ExprKind::CompileTime {
            from: *from,
            callee: callee.clone(),
            name: s(name),
            default: default.as_ref().map(|x| s(x)),
        },
        ExprKind::List(items) => ExprKind::List(items.iter().map(|i| subst(i, globals)).collect()),
        ExprKind::Object(entries) => ExprKind::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), subst(v, globals)))
                .collect(),
        ),
        ExprKind::Field(b, f) => ExprKind::Field(s(b), f.clone()),
        ExprKind::Index(b, i) => ExprKind::Index(s(b), s(i)),
        ExprKind::Wildcard(b) => ExprKind::Wildcard(s(b)),
        ExprKind::Filter(b, c) => ExprKind::Filter(s(b), s(c)),
        ExprKind::Call { name, args, piped } => ExprKind::Call {
            name: name.clone(),
            args: args.iter().map(|a| subst(a, globals)).collect(),
            piped: *piped,
        },
        ExprKind::Paren(x) => ExprKind::Paren(s(x)),
        ExprKind::Unary(op, x) => ExprKind::Unary(*op, s(x)),
        ExprKind::Binary(op, a, b) => ExprKind::Binary(*op, s(a), s(b)),
        ExprKind::If { cond, then, els } => ExprKind::If {
            cond: s(cond),
            then: s(then),
            els: els.as_ref().map(|x| s(x)),
        },
        ExprKind::Match { value, arms } => ExprKind::Match {
            value: s(value),
            arms: arms
                .iter()
                .map(|a| ast::Arm {
                    pattern: a.pattern.clone(),
                    value: subst(&a.value, globals),
                    span: a.span,
                })
                .collect(),
        },
    };
    Expr { kind, span: e.span }
}

/// The base of a path chain (`.a.b[0]` -> `.`).
fn path_base(e: &Expr) -> &Expr {
    match &e.kind {
        ExprKind::Field(b, _)
        | ExprKind::Index(b, _)
        | ExprKind::Wildcard(b)
        | ExprKind::Filter(b, _) => path_base(b),
        _ => e,
    }
}

fn is_path(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Field(..) | ExprKind::Index(..) | ExprKind::Wildcard(..) | ExprKind::Filter(..)
    )
}

fn is_rows(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Rows(_))
}

/// The record paths (rooted at `.` or `rows`) and the names an expression reads, outside the
/// parts evaluated per element (`[? ...]` conditions, `map`'s body).
fn collect<'e>(e: &'e Expr, paths: &mut Vec<&'e Expr>, names: &mut Vec<&'e str>) {
    if is_path(e) {
        let base = path_base(e);
        if matches!(base.kind, ExprKind::Current) || is_rows(base) {
            paths.push(e);
            collect_indexes(e, paths, names);
            return;
        }
    }
    match &e.kind {
        ExprKind::Name(id) => names.push(&id.name),
        ExprKind::Literal(_) | ExprKind::Current | ExprKind::Rows(_) => {}
        // Only in a mapping that does not check.
        ExprKind::BadForm { .. } => {}
        ExprKind::Map { list, .. } => collect(list, paths, names),
        ExprKind::CompileTime { name, default, .. } => {
            collect(name, paths, names);
            if let Some(d) = default {
                collect(d, paths, names);
            }
        }
        ExprKind::List(items) => items.iter().for_each(|i| collect(i, paths, names)),
        ExprKind::Object(entries) => entries.iter().for_each(|(_, v)| collect(v, paths, names)),
        ExprKind::Field(b, _) | ExprKind::Wildcard(b) | ExprKind::Filter(b, _) => {
            collect(b, paths, names)
        }
        ExprKind::Index(b, i) => {
            collect(b, paths, names);
            collect(i, paths, names);
        }
        ExprKind::Call { args, .. } => args.iter().for_each(|a| collect(a, paths, names)),
        ExprKind::Paren(x) | ExprKind::Unary(_, x) => collect(x, paths, names),
        ExprKind::Binary(_, a, b) => {
            collect(a, paths, names);
            collect(b, paths, names);
        }
        ExprKind::If { cond, then, els } => {
            collect(cond, paths, names);
            collect(then, paths, names);
            if let Some(x) = els {
                collect(x, paths, names);
            }
        }
        ExprKind::Match { value, arms } => {
            collect(value, paths, names);
            arms.iter().for_each(|a| collect(&a.value, paths, names));
        }
    }
}

/// Names used in the index expressions of a path (`.attributi[optout_attribute]`).
fn collect_indexes<'e>(e: &'e Expr, paths: &mut Vec<&'e Expr>, names: &mut Vec<&'e str>) {
    match &e.kind {
        ExprKind::Index(b, i) => {
            collect(i, paths, names);
            collect_indexes(b, paths, names);
        }
        ExprKind::Field(b, _) | ExprKind::Wildcard(b) | ExprKind::Filter(b, _) => {
            collect_indexes(b, paths, names)
        }
        _ => {}
    }
}

/// `rows...` with `rows` replaced by `.`: evaluated with `.` = the rows.
fn rows_to_current(e: &Expr) -> Expr {
    let r = |x: &Expr| Box::new(rows_to_current(x));
    let kind = match &e.kind {
        ExprKind::Rows(_) => ExprKind::Current,
        ExprKind::Field(b, f) => ExprKind::Field(r(b), f.clone()),
        ExprKind::Index(b, i) => ExprKind::Index(r(b), i.clone()),
        ExprKind::Wildcard(b) => ExprKind::Wildcard(r(b)),
        ExprKind::Filter(b, c) => ExprKind::Filter(r(b), c.clone()),
        other => other.clone(),
    };
    Expr { kind, span: e.span }
}

struct Ctx<'a> {
    src: &'a SourceFile,
    opts: &'a CompileOptions,
    globals: &'a HashMap<String, Value>,
    table_names: &'a [&'a str],
    tables: &'a [Table],
    unit: &'a Unit,
}

impl Ctx<'_> {
    fn text(&self, span: Span) -> String {
        self.src
            .text
            .get(span.start..span.end)
            .unwrap_or("")
            .to_string()
    }

    fn at(&self, span: Span) -> String {
        let (line, col) = self.src.line_col(span.start);
        format!("{}:{line}:{col}", self.src.name)
    }

    /// Evaluates a compiled expression on the unit (`key`: a group key, evaluated on a row).
    fn eval_in(&self, e: &crate::plan::CExpr, slots: &[Value], key: bool) -> Evaluated {
        let env = Env {
            slots,
            rows: if key { &[] } else { &self.unit.rows },
            tables: self.tables,
        };
        eval(e, &self.unit.record, &env).map_err(|e| e.message)
    }

    fn read_path(&self, p: &Expr) -> Option<Evaluated> {
        let rows = is_rows(path_base(p));
        let e = subst(
            &if rows { rows_to_current(p) } else { p.clone() },
            self.globals,
        );
        let c = compile_expr(&e, self.table_names, self.opts).ok()?;
        let env = Env {
            slots: &[],
            rows: &self.unit.rows,
            tables: self.tables,
        };
        let cur = if rows {
            Value::Array(self.unit.rows.clone())
        } else {
            self.unit.record.clone()
        };
        Some(eval(&c, &cur, &env).map_err(|e| e.message))
    }

    fn step(
        &self,
        text: String,
        span: Span,
        value: Evaluated,
        expr: &Expr,
        names: &HashMap<String, Value>,
    ) -> StepTrace {
        let mut paths = Vec::new();
        let mut used = Vec::new();
        collect(expr, &mut paths, &mut used);
        let mut reads: Vec<(String, Evaluated)> = Vec::new();
        for p in paths {
            let t = self.text(p.span);
            if reads.iter().any(|(x, _)| *x == t) {
                continue;
            }
            if let Some(v) = self.read_path(p) {
                reads.push((t, v));
            }
        }
        let mut uses: Vec<(String, Value)> = Vec::new();
        for n in used {
            if uses.iter().any(|(x, _)| x == n) {
                continue;
            }
            if let Some(v) = names.get(n).or_else(|| self.globals.get(n)) {
                uses.push((n.to_string(), v.clone()));
            }
        }
        StepTrace {
            text,
            at: self.at(span),
            value,
            reads,
            uses,
        }
    }
}

// ---- rendering ----

const MAX_VALUE: usize = 300;

fn shown(v: &Value) -> String {
    let s = v.to_string();
    let n = s.chars().count();
    if n > MAX_VALUE {
        let cut: String = s.chars().take(MAX_VALUE).collect();
        format!("{cut}… ({n} characters)")
    } else {
        s
    }
}

fn shown_eval(v: &Evaluated) -> String {
    match v {
        Ok(v) => shown(v),
        Err(e) => format!("error: {e}"),
    }
}

/// Statement text on several lines: continuation lines indented under the first.
fn statement(text: &str) -> String {
    let mut lines = text.lines();
    let mut out = lines.next().unwrap_or("").to_string();
    for l in lines {
        out.push_str("\n      ");
        out.push_str(l.trim_start());
    }
    out
}

impl Explanation {
    /// The explanation as text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let id = self
            .id
            .as_ref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}{id}: from `{}`, {}{}",
            self.entity.singular(),
            self.source,
            self.location,
            self.rows
                .map(|n| format!(" (a group of {n} row{})", if n == 1 { "" } else { "s" }))
                .unwrap_or_default()
        );
        let verdict = match &self.verdict {
            Verdict::Written(_) => "written".to_string(),
            Verdict::Filtered { condition, at } => format!(
                "filtered out: `where {}` ({at}) does not hold, so the record is not sent (the values below are what it would have had)",
                condition.split_whitespace().collect::<Vec<_>>().join(" ")
            ),
            Verdict::Rejected(reasons) => {
                let mut s = String::from("rejected:");
                for r in reasons {
                    let _ = write!(s, "\n  - {r}");
                }
                s
            }
        };
        let _ = writeln!(out, "result: {verdict}\n");
        for s in &self.steps {
            let _ = writeln!(out, "  {}", statement(&s.text));
            let _ = writeln!(out, "      at {}", s.at);
            let _ = writeln!(out, "      = {}", shown_eval(&s.value));
            for (i, (p, v)) in s.reads.iter().enumerate() {
                let lead = if i == 0 { "reads" } else { "     " };
                let _ = writeln!(out, "      {lead} {p} = {}", shown_eval(v));
            }
            for (i, (n, v)) in s.uses.iter().enumerate() {
                let lead = if i == 0 { "uses " } else { "     " };
                let _ = writeln!(out, "      {lead} {n} = {}", shown(v));
            }
            out.push('\n');
        }
        if let Verdict::Written(rec) = &self.verdict {
            let _ = writeln!(out, "the Clerk record:");
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(rec).unwrap_or_default()
            );
        }
        out
    }
}
