//! `clerkmap explain`: one record through one block, statement by statement: each attribute's
//! value, the expression that made it (its source text), the input values it read (the record
//! paths in it, evaluated on the record) and the names it used; then whether the record is
//! written, filtered (by which `where`) or rejected (why), and the Clerk record.
//!
//! A secret (a value read with `env()`, or computed from one: [`Secrets`]) is never shown: a
//! value that is one reads `"<secret from env NAME>"`, and one inside a text or a message is
//! replaced by that.

use std::collections::HashMap;

use crate::value::{Table, Value, key_string};

mod reads;
mod render;

use crate::check::{CompileOptions, compile_expr_in};
use crate::clerk::Entity;
use crate::diagnostic::SourceFile;
use crate::engine::reject::{Located, render_reason};
use crate::engine::units::{self, BlockUnits};
use crate::engine::{Input, Loc, RunError, Unit};
use crate::eval::{Env, EvalError, Outcome, ReadLog, Trace, eval, map_record_traced};
use crate::plan::{BlockPlan, Op, Program, Secrets};
use crate::syntax::ast::{self, Expr, Item, Span, Stmt};

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
    /// The mapping's text (statements are shown as written).
    pub src: &'a SourceFile,
    /// Its syntax tree.
    pub file: &'a ast::File,
    /// The checked program.
    pub program: &'a Program,
    /// The vars and environment it was checked with.
    pub opts: &'a CompileOptions,
    /// The inputs, as for a run.
    pub inputs: &'a [Input],
    /// The block to explain; `None`: products when its source is given, else the only block
    /// that can run.
    pub entity: Option<Entity>,
    /// The record.
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
    /// What it gave.
    pub value: Evaluated,
    /// Record paths in the expression and their values on this record.
    pub reads: Vec<(String, Evaluated)>,
    /// Names (lets, attributes, file-level lets, `key`) the expression used, with their values
    /// (or the error of a `let` that failed).
    pub uses: Vec<(String, Evaluated)>,
}

/// What became of the record, as in a run.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// Written: the Clerk record.
    Written(Value),
    /// Filtered out by a `where`.
    Filtered {
        /// The condition's text.
        condition: String,
        /// `file:line:col` of the condition.
        at: String,
    },
    /// Rejected, with every reason (and its place in the mapping).
    Rejected(Vec<String>),
}

/// One record through one block.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The block's entity.
    pub entity: Entity,
    /// The block's source name.
    pub source: String,
    /// The input file and the record's place in it.
    pub location: String,
    /// The record's id, when it has one.
    pub id: Option<Value>,
    /// Input rows of the group (grouped blocks).
    pub rows: Option<usize>,
    /// The row asked for by `--line`, when it is a row of the group other than its first
    /// (`line 13`): the group is explained.
    pub row: Option<String>,
    /// The header's `group by` and `where`, then every statement, in order.
    pub steps: Vec<StepTrace>,
    /// What became of the record.
    pub verdict: Verdict,
}

fn input_of<'a>(inputs: &'a [Input], name: &str) -> Option<&'a Input> {
    inputs.iter().find(|i| i.name == name)
}

/// Why `explain` cannot explain: the block cannot be chosen, the record is not there, or the
/// inputs do not fit the mapping (as a run would say).
#[derive(Debug)]
pub enum ExplainError {
    /// The mapping has no block for the entity asked for.
    NoBlock {
        /// The entity asked for.
        entity: Entity,
        /// The mapping's blocks: entity and source.
        blocks: Vec<(Entity, String)>,
    },
    /// The block asked for reads a source that is not given.
    SourceNotGiven {
        /// The block's entity.
        entity: Entity,
        /// Its source.
        source: String,
    },
    /// No block reads any of the inputs given.
    NothingRuns {
        /// The mapping's blocks: entity and source.
        blocks: Vec<(Entity, String)>,
    },
    /// Several blocks can run and none is products: the entity must be said.
    Ambiguous {
        /// The blocks whose source is given.
        blocks: Vec<(Entity, String)>,
    },
    /// No record is at that place or has that id (the message says what there is).
    NotFound(String),
    /// The inputs do not fit the mapping, or cannot be read.
    Run(RunError),
}

impl From<RunError> for ExplainError {
    fn from(e: RunError) -> Self {
        ExplainError::Run(e)
    }
}

fn blocks_of<'a>(bs: impl IntoIterator<Item = &'a BlockPlan>) -> Vec<(Entity, String)> {
    bs.into_iter()
        .map(|b| (b.entity, b.source.clone()))
        .collect()
}

/// Picks the block: the one of `entity`, else products when its source is given, else the
/// only block whose source is given.
fn pick_block<'p>(
    program: &'p Program,
    inputs: &[Input],
    entity: Option<Entity>,
) -> Result<&'p BlockPlan, ExplainError> {
    if let Some(e) = entity {
        let Some(b) = program.blocks.iter().find(|b| b.entity == e) else {
            return Err(ExplainError::NoBlock {
                entity: e,
                blocks: blocks_of(&program.blocks),
            });
        };
        if input_of(inputs, &b.source).is_none() {
            return Err(ExplainError::SourceNotGiven {
                entity: e,
                source: b.source.clone(),
            });
        }
        return Ok(b);
    }
    let runnable: Vec<&BlockPlan> = program
        .blocks
        .iter()
        .filter(|b| input_of(inputs, &b.source).is_some())
        .collect();
    match runnable.as_slice() {
        [] => Err(ExplainError::NothingRuns {
            blocks: blocks_of(&program.blocks),
        }),
        [one] => Ok(one),
        several => several
            .iter()
            .find(|b| b.entity == Entity::Products)
            .copied()
            .ok_or_else(|| ExplainError::Ambiguous {
                blocks: blocks_of(several.iter().copied()),
            }),
    }
}

/// What the real mapping of a unit reports: the header's `where`, every statement's value.
#[derive(Default)]
struct Recorder {
    filter: Option<Evaluated>,
    ops: Vec<Option<Evaluated>>,
}

impl Trace for Recorder {
    fn past_filters(&self) -> bool {
        true
    }
    fn filter(&mut self, value: &Result<Value, EvalError>) {
        self.filter = Some(value.clone().map_err(|e| e.message));
    }
    fn op(&mut self, index: usize, value: &Result<Value, EvalError>) {
        if self.ops.len() <= index {
            self.ops.resize(index + 1, None);
        }
        self.ops[index] = Some(value.clone().map_err(|e| e.message));
    }
}

/// A unit mapped with the recorder.
struct Traced {
    unit: Unit,
    rec: Recorder,
    /// The record paths the mapping read (not those of branches that did not run).
    read: ReadLog,
    outcome: Outcome,
}

impl Traced {
    /// `has_lines`: the input's rows are located by line (else by record number).
    fn new(block: &BlockPlan, unit: Unit, tables: &[Table], has_lines: bool) -> Traced {
        let mut rec = Recorder::default();
        let read = ReadLog::default();
        let outcome = match &unit.rows {
            Ok(rows) if !rows.is_empty() => {
                let group: &[Value] = if block.group_by.is_some() { rows } else { &[] };
                let key = unit.key.as_deref();
                let mut outcome =
                    map_record_traced(block, &rows[0], group, key, tables, &mut rec, Some(&read));
                if let Outcome::Rejected { reasons, .. } = &mut outcome {
                    unit.place_rows(reasons, has_lines);
                }
                outcome
            }
            Ok(_) => Outcome::Rejected {
                id: None,
                reasons: Vec::new(),
            },
            Err(reason) => Outcome::Rejected {
                id: None,
                reasons: vec![reason.clone()],
            },
        };
        Traced {
            unit,
            rec,
            read,
            outcome,
        }
    }

    /// The value the `id` statement gave.
    fn id(&self, block: &BlockPlan) -> Option<Value> {
        let index = block
            .ops
            .iter()
            .position(|op| matches!(op, Op::Assign { slot, .. } if Some(*slot) == block.id_slot))?;
        match self.rec.ops.get(index)? {
            Some(Ok(v)) if !v.is_null() => Some(v.clone()),
            _ => None,
        }
    }
}

/// What a search that found nothing saw: units read, a few ids, where the first unit is.
struct Missed {
    seen: usize,
    ids: Vec<String>,
    first: Option<u64>,
    /// Where the last unit starts.
    last: Option<u64>,
    /// For a line that is a row of a group but not its first: the groups it is in (their keys
    /// and first lines); `Some(empty)`: it joins no group.
    groups: Option<Vec<(String, u64)>>,
}

/// Finds the unit the target names, mapping units as the run does.
fn find(units: &mut BlockUnits, target: &Target) -> Result<Result<Traced, Missed>, ExplainError> {
    let block = units.block;
    let mut seen = 0usize;
    let mut ids = Vec::new();
    let mut first = None;
    let mut last = None;
    // The groups a row that starts none is in, found as they go by.
    let mut holders = Vec::new();
    if let Target::Line(n) = target {
        units.watch = Some(*n);
    }
    while let Some(unit) = units.next() {
        let unit = unit.map_err(RunError::from)?;
        first.get_or_insert(unit.loc);
        last = last.max(Some(unit.loc));
        match target {
            Target::Line(n) if unit.loc == *n => {
                return Ok(Ok(Traced::new(
                    block,
                    unit,
                    &units.tables.tables,
                    units.has_lines,
                )));
            }
            Target::Line(_) => {
                if let (Some(keys), Some(key)) = (&units.watched, &unit.key)
                    && keys.contains(key)
                {
                    // a row of one group (not its first): that group is what it maps to
                    if keys.len() == 1 {
                        return Ok(Ok(Traced::new(
                            block,
                            unit,
                            &units.tables.tables,
                            units.has_lines,
                        )));
                    }
                    holders.push((key.clone(), unit.loc));
                }
            }
            Target::Id(code) => {
                if unit.rows.is_err() {
                    // a group rejected before mapping (its key on rows apart, a row after it
                    // unreadable) is named by its key: explained with its reason
                    if unit.key.as_deref() == Some(code.as_str()) {
                        return Ok(Ok(Traced::new(
                            block,
                            unit,
                            &units.tables.tables,
                            units.has_lines,
                        )));
                    }
                    continue;
                }
                seen += 1;
                let t = Traced::new(block, unit, &units.tables.tables, units.has_lines);
                match t.id(block) {
                    Some(v) if key_string(&v).is_some_and(|k| k == code.as_str()) => {
                        return Ok(Ok(t));
                    }
                    Some(v) if ids.len() < 5 => ids.push(v.to_string()),
                    _ => {}
                }
            }
        }
    }
    let groups = units.watched.take().map(|_| holders);
    Ok(Err(Missed {
        seen,
        ids,
        first,
        last,
        groups,
    }))
}

/// Explains one record.
pub fn explain(req: &Request) -> Result<Explanation, ExplainError> {
    let block = pick_block(req.program, req.inputs, req.entity)?;
    let ast_block = req
        .file
        .items
        .iter()
        .find_map(|i| match i {
            Item::Block(b) if b.span == block.span => Some(b),
            _ => None,
        })
        .ok_or_else(|| {
            ExplainError::Run(RunError::Internal("the block's syntax is not found".into()))
        })?;
    let mut units = units::open(req.program, req.inputs, block)?;
    let has_lines = units.has_lines;
    let place = |loc: u64| Loc::new(loc, has_lines).to_string();
    let traced = match find(&mut units, &req.target)? {
        Ok(t) => t,
        Err(missed) => {
            let mut message = not_found(&units.file, block, &req.target, &missed, &place);
            // an id of another entity: the other blocks whose input is given
            let others: Vec<String> = req
                .program
                .blocks
                .iter()
                .filter(|b| b.entity != block.entity && input_of(req.inputs, &b.source).is_some())
                .map(|b| format!("`--entity {}`", b.entity.name()))
                .collect();
            if matches!(req.target, Target::Id(_)) && !others.is_empty() {
                message.push_str(&format!(
                    "; to look among other records, add {}",
                    others.join(" or ")
                ));
            }
            return Err(ExplainError::NotFound(message));
        }
    };
    let ctx = Ctx {
        src: req.src,
        opts: req.opts,
        program: req.program,
        block,
        globals: req
            .program
            .globals
            .iter()
            .map(|(n, v)| (n.as_str(), v))
            .collect(),
        tables: &units.tables.tables,
        unit: &traced.unit,
    };
    let steps = steps(&ctx, block, ast_block, &traced)?;
    let verdict = match &traced.outcome {
        Outcome::Written(m) => Verdict::Written(Value::Object(m.clone().into_map())),
        Outcome::Filtered(span) => Verdict::Filtered {
            condition: ctx.text(*span),
            at: ctx.at(*span),
        },
        Outcome::Rejected { reasons, .. } => Verdict::Rejected(
            reasons
                .iter()
                .map(|r| render_reason(r, Located::In(req.src)))
                .collect(),
        ),
    };
    let explanation = Explanation {
        entity: block.entity,
        source: block.source.clone(),
        location: format!("{} {}", units.file, place(traced.unit.loc)),
        id: traced.id(block),
        rows: block
            .group_by
            .as_ref()
            // a row whose key failed is in no group
            .and_then(|_| traced.unit.rows.as_ref().ok().map(Vec::len)),
        row: match req.target {
            Target::Line(n) if n != traced.unit.loc => Some(place(n)),
            _ => None,
        },
        steps,
        verdict,
    };
    Ok(hide_secrets(explanation, &req.program.secrets))
}

/// The explanation with every value and message that is, or holds, a secret hidden.
fn hide_secrets(mut x: Explanation, secrets: &Secrets) -> Explanation {
    if secrets.is_empty() {
        return x;
    }
    let evaluated = |v: &mut Evaluated| match v {
        Ok(v) => *v = secrets.hide(v),
        Err(e) => *e = secrets.redact(e),
    };
    x.id = x.id.map(|v| secrets.hide(&v));
    for s in &mut x.steps {
        evaluated(&mut s.value);
        for (_, v) in &mut s.reads {
            evaluated(v);
        }
        for (_, v) in &mut s.uses {
            evaluated(v);
        }
    }
    match &mut x.verdict {
        Verdict::Written(record) => *record = secrets.hide(record),
        Verdict::Filtered { .. } => {}
        Verdict::Rejected(reasons) => {
            for r in reasons {
                *r = secrets.redact(r);
            }
        }
    }
    x
}

/// The message when no record matches the target.
fn not_found(
    file: &str,
    block: &BlockPlan,
    target: &Target,
    missed: &Missed,
    place: &dyn Fn(u64) -> String,
) -> String {
    let Missed {
        seen,
        ids,
        first,
        last,
        ..
    } = missed;
    let (first_at, last_at) = (*first, *last);
    let first = first.map_or("-".to_string(), place);
    match (target, &missed.groups) {
        // a row of several groups (`group by each`), not the first of any: they are named
        (Target::Line(n), Some(groups)) if !groups.is_empty() => {
            let starts: Vec<String> = groups
                .iter()
                .map(|(key, at)| format!("`{key}` (--line {at})"))
                .collect();
            format!(
                "{file}: {} is a row of the {} groups {}: explain one of them by its first row",
                place(*n),
                block.entity.singular(),
                starts.join(", ")
            )
        }
        (Target::Line(n), Some(_)) => format!(
            "{file}: {} joins no {} group (its `group by each` gives no key), so no record comes from it",
            place(*n),
            block.entity.singular(),
        ),
        (Target::Line(n), None) if first_at.is_some_and(|f| *n < f) => format!(
            "{file}: {} comes before the first {} record, at {first} (a CSV's first line is its header)",
            place(*n),
            block.entity.singular(),
        ),
        (Target::Line(n), None) if last_at.is_some_and(|l| *n > l) => format!(
            "{file}: {} is past the last {} record, at {}",
            place(*n),
            block.entity.singular(),
            last_at.map_or("-".to_string(), place),
        ),
        (Target::Line(n), None) => format!(
            "{file}: no {} record starts at {} (a blank line, or a line inside a record that spans lines; the first record is at {first})",
            block.entity.singular(),
            place(*n),
        ),
        (Target::Id(code), _) => format!(
            "{file}: no {} has id `{code}` ({seen} records read; ids look like {}); a record whose id cannot be computed can be named by --line N",
            block.entity.singular(),
            if ids.is_empty() {
                "nothing: no id was computed".to_string()
            } else {
                ids.join(", ")
            }
        ),
    }
}

/// The steps of the trace: the header's `group by` and `where`, then every statement.
fn steps(
    ctx: &Ctx,
    block: &BlockPlan,
    ast_block: &ast::Block,
    traced: &Traced,
) -> Result<Vec<StepTrace>, ExplainError> {
    let mut steps = Vec::new();
    let mut names: HashMap<String, Evaluated> = HashMap::new();
    if let (Some(g), Some(ge)) = (&ast_block.group_by, &block.group_by) {
        let env = Env {
            slots: crate::eval::Slots::NONE,
            rows: &[],
            tables: ctx.tables,
            reads: None,
            bound: None,
        };
        // A row that could not be grouped is not kept: its reason is the key's (or the
        // row's, unreadable), not the key of a record of nothing.
        let v = match &traced.unit.rows {
            Err(reason) => Err(reason.message.clone()),
            Ok(_) => eval(ge, ctx.record(), &env).map_err(|e| e.message),
        };
        // The key is computed whole for every row: every path in it was read.
        let each = if block.group_each { "each " } else { "" };
        let fill = if block.fill_down { " fill down" } else { "" };
        let mut step = ctx.step(
            format!("group by {each}{}{fill}", ctx.text(g.span)),
            g.span,
            v,
            g,
            &names,
            None,
        );
        if traced.unit.rows.is_err() {
            // the row is not kept: what its paths held is not known here
            step.reads.clear();
        }
        steps.push(step);
        // `key`, as the statements use it
        if let Some(k) = &traced.unit.key {
            names.insert("key".into(), Ok(Value::String(k.as_str().into())));
        }
    }
    if let (Some(f), Some(v)) = (&ast_block.filter, &traced.rec.filter) {
        steps.push(ctx.step(
            format!("where {}", ctx.text(f.span)),
            f.span,
            v.clone(),
            f,
            &names,
            Some(&traced.read),
        ));
    }
    for (index, (stmt, op)) in ast_block.stmts.iter().zip(&block.ops).enumerate() {
        let Some(Some(v)) = traced.rec.ops.get(index) else {
            continue;
        };
        let v = v.clone();
        let (text, span, expr, name) = match (stmt, op) {
            (Stmt::Let(l), Op::Let { .. }) => (
                format!("let {} = {}", l.name.name, ctx.text(l.value.span)),
                l.span,
                &l.value,
                Some(&l.name.name),
            ),
            (Stmt::Assign { name, value }, Op::Assign { .. }) => (
                format!("{} = {}", name.name, ctx.text(value.span)),
                name.span.to(value.span),
                value,
                Some(&name.name),
            ),
            (Stmt::Where { cond, span }, Op::Where { .. }) => {
                (format!("where {}", ctx.text(cond.span)), *span, cond, None)
            }
            (Stmt::Spread { value, span }, Op::Spread { .. }) => {
                (format!("... {}", ctx.text(value.span)), *span, value, None)
            }
            _ => {
                return Err(ExplainError::Run(RunError::Internal(
                    "the block's statements and plan differ".into(),
                )));
            }
        };
        steps.push(ctx.step(text, span, v.clone(), expr, &names, Some(&traced.read)));
        if let Some(n) = name {
            names.insert(n.clone(), v);
        }
    }
    Ok(steps)
}

/// What the steps of one unit are read against.
struct Ctx<'a> {
    src: &'a SourceFile,
    opts: &'a CompileOptions,
    program: &'a Program,
    block: &'a BlockPlan,
    globals: HashMap<&'a str, &'a Value>,
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

    fn rows(&self) -> &[Value] {
        self.unit.rows.as_deref().unwrap_or(&[])
    }

    fn record(&self) -> &Value {
        self.rows().first().unwrap_or(&Value::Null)
    }

    /// The value of a record path of the mapping on this unit.
    fn read_path(&self, p: &Expr) -> Option<Evaluated> {
        let grouped = self.block.group_by.is_some();
        let c = compile_expr_in(p, self.program, self.opts, grouped).ok()?;
        let env = Env {
            slots: crate::eval::Slots::NONE,
            rows: self.rows(),
            tables: self.tables,
            reads: None,
            bound: None,
        };
        Some(eval(&c, self.record(), &env).map_err(|e| e.message))
    }

    fn step(
        &self,
        text: String,
        span: Span,
        value: Evaluated,
        expr: &Expr,
        names: &HashMap<String, Evaluated>,
        ran: Option<&ReadLog>,
    ) -> StepTrace {
        let read = reads::Reads::of(expr);
        let mut reads: Vec<(String, Evaluated)> = Vec::new();
        // Only the paths the evaluation read: not those of an `else` that did not run.
        let was_read = |p: &Expr| ran.is_none_or(|log| log.contains(p.span));
        for p in read.paths.into_iter().filter(|p| was_read(p)) {
            let t = self.text(p.span);
            if reads.iter().any(|(x, _)| *x == t) {
                continue;
            }
            if let Some(v) = self.read_path(p) {
                reads.push((t, v));
            }
        }
        let mut uses: Vec<(String, Evaluated)> = Vec::new();
        for n in read.names {
            if uses.iter().any(|(x, _)| x == n) {
                continue;
            }
            let v = match names.get(n) {
                Some(v) => v.clone(),
                None => match self.globals.get(n) {
                    Some(v) => Ok((*v).clone()),
                    None => continue,
                },
            };
            uses.push((n.to_string(), v));
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
