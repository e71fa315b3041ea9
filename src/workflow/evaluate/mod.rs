//! One expression tried on one record, for `clerkmap eval` and `clerkmap repl`: the expression
//! compiled in the context of a mapping (its `let`s, `fn`s, lookup tables, `--var`s and
//! `now()`) or of the built-ins alone; a record picked from an input (by position, or by the id
//! the mapping would give it); the value, its type, and with a trace each sub-expression the
//! evaluation computed, in evaluation order.
//!
//! A [`Session`] holds what stays between two expressions (the mapping, the inputs, the loaded
//! lookup tables); a [`Record`] is the record `.` stands for. Printing is the caller's.

mod pick;
mod scope;
mod trace;

use crate::value::{Table, Ty, Value};

pub use pick::{Pick, Record, one_object, stdin_input};
pub use scope::{Kind, Name, field_paths};
pub use trace::Step;

use crate::check::{CompileOptions, Snippet, compile_snippet};
use crate::diagnostic::{Diagnostic, SourceFile};
use crate::engine::source::SourceError;
use crate::engine::{Input, RunError, given_tables, load_tables, table_input};
use crate::eval::{self, Env};
use crate::plan::{Program, Secrets};
use crate::syntax::{self, ast};

/// The name an expression's text goes by in its diagnostics.
pub const EXPR_NAME: &str = "<expr>";

/// A checked mapping whose context expressions are evaluated in.
#[derive(Debug)]
pub struct Mapping {
    /// Its text.
    pub src: SourceFile,
    /// Its syntax tree (for its `fn`s).
    pub file: ast::File,
    /// The checked program (tables, `let`s, blocks).
    pub program: Program,
}

impl Mapping {
    /// A mapping that checked, with its syntax tree parsed again.
    pub fn new(src: SourceFile, program: Program) -> Result<Mapping, Vec<Diagnostic>> {
        let file = syntax::parse(&src.text).map_err(|d| vec![d])?;
        Ok(Mapping { src, file, program })
    }
}

/// Why a session cannot be set up or a record picked.
#[derive(Debug)]
pub enum SessionError {
    /// The inputs do not fit the mapping, or cannot be read (as a run would say).
    Run(RunError),
    /// Anything else, said in full (no such record, no input...).
    Message(String),
}

impl From<RunError> for SessionError {
    fn from(e: RunError) -> Self {
        SessionError::Run(e)
    }
}

impl From<SourceError> for SessionError {
    fn from(e: SourceError) -> Self {
        SessionError::Run(RunError::Source(e))
    }
}

/// What stays between two expressions: the mapping (if any), the vars and time it was checked
/// with, the inputs and the lookup tables loaded from them.
#[derive(Debug, Default)]
pub struct Session {
    /// The mapping whose context expressions see; `None`: the built-ins only.
    pub mapping: Option<Mapping>,
    /// The vars, environment and `now()` of the mapping (and of `var()` in an expression).
    pub opts: CompileOptions,
    /// The inputs given, in order: records come from them, lookup tables too.
    pub inputs: Vec<Input>,
    /// The mapping's lookup tables, by table id (empty when their input is not given).
    tables: Vec<Table>,
}

/// A lookup table of the session's mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct TableState {
    /// Its name.
    pub name: String,
    /// The input its rows come from (its name, or its `from INPUT`).
    pub input: String,
    /// Its row count, when its input is given (`None`: empty, every lookup gives null).
    pub rows: Option<usize>,
}

/// An expression compiled in a session.
#[derive(Debug)]
pub struct Compiled {
    /// Its text, as diagnostics show it.
    pub src: SourceFile,
    /// Its syntax tree.
    pub ast: ast::Expr,
    /// The compiled expression, its checker's type, its warnings, its secrets.
    pub snippet: Snippet,
    /// Whether it was compiled for a group's record (`rows` in scope).
    pub grouped: bool,
}

/// An expression that does not check: its text and every diagnostic (errors first).
#[derive(Debug)]
pub struct NotChecked {
    /// The expression's text, named [`EXPR_NAME`], which the diagnostics point into.
    pub src: SourceFile,
    /// The diagnostics.
    pub diagnostics: Vec<Diagnostic>,
}

/// An expression's value on a record, with the steps of its evaluation when they were asked
/// for. A secret (`env()`, or a value computed from one) is shown as `"<secret from env NAME>"`.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// The value, or why the evaluation failed (with the span, in the expression, that failed).
    pub value: Result<Value, eval::EvalError>,
    /// The sub-expressions evaluated, in evaluation order (empty without a trace).
    pub steps: Vec<Step>,
}

impl Evaluation {
    /// The type of the value, as the checker names types (`string`, `int`, `list`...).
    pub fn ty(&self) -> Option<Ty> {
        self.value.as_ref().ok().map(Ty::of)
    }
}

impl Session {
    /// A session on `inputs`, in the context of `mapping` (or of the built-ins): loads the
    /// mapping's lookup tables whose inputs are given.
    pub fn new(
        mapping: Option<Mapping>,
        opts: CompileOptions,
        inputs: Vec<Input>,
    ) -> Result<Session, SessionError> {
        let mut s = Session {
            mapping,
            opts,
            inputs: Vec::new(),
            tables: Vec::new(),
        };
        s.set_inputs(inputs)?;
        Ok(s)
    }

    /// Replaces the inputs (an input named like one given already replaces it) and loads the
    /// tables again.
    pub fn set_inputs(&mut self, inputs: Vec<Input>) -> Result<(), SessionError> {
        let mut all = std::mem::take(&mut self.inputs);
        for i in inputs {
            all.retain(|x| x.name != i.name);
            all.push(i);
        }
        self.inputs = all;
        self.load_tables()
    }

    /// Sets the mapping (its tables are loaded from the inputs given).
    pub fn set_mapping(&mut self, mapping: Option<Mapping>) -> Result<(), SessionError> {
        self.mapping = mapping;
        self.load_tables()
    }

    /// Loads every table whose input is given, each from the input a run would read it from
    /// (its `from INPUT`, else the one of its name).
    fn load_tables(&mut self) -> Result<(), SessionError> {
        self.tables.clear();
        let Some(m) = &self.mapping else {
            return Ok(());
        };
        let given = given_tables(&m.program, &self.inputs)?;
        self.tables = load_tables(&m.program, &given, false)?.tables;
        Ok(())
    }

    /// The mapping's lookup tables, in declaration order, with their inputs and row counts.
    pub fn tables(&self) -> Vec<TableState> {
        let Some(m) = &self.mapping else {
            return Vec::new();
        };
        m.program
            .tables
            .iter()
            .zip(&self.tables)
            .map(|(plan, t)| TableState {
                name: plan.name.clone(),
                input: plan.input.clone(),
                rows: table_input(plan, &self.inputs).map(|_| t.len()),
            })
            .collect()
    }

    /// The secrets of the mapping.
    fn secrets(&self) -> Secrets {
        self.mapping
            .as_ref()
            .map(|m| m.program.secrets.clone())
            .unwrap_or_default()
    }

    /// Parses and checks `text` in the session's context; `grouped`: `rows` is in scope (the
    /// record is a group's). Diagnostics point into `text`, named [`EXPR_NAME`].
    pub fn compile(&self, text: &str, grouped: bool) -> Result<Compiled, Box<NotChecked>> {
        let src = SourceFile::new(EXPR_NAME, text);
        let ast = match syntax::parse_expr(text) {
            Ok(e) => e,
            Err(d) => {
                return Err(Box::new(NotChecked {
                    src,
                    diagnostics: vec![d],
                }));
            }
        };
        match self.compile_ast(&ast, grouped) {
            Ok(snippet) => Ok(Compiled {
                src,
                ast,
                snippet,
                grouped,
            }),
            Err(diagnostics) => Err(Box::new(NotChecked { src, diagnostics })),
        }
    }

    /// Checks a parsed expression in the session's context.
    fn compile_ast(&self, e: &ast::Expr, grouped: bool) -> Result<Snippet, Vec<Diagnostic>> {
        let mapping = self.mapping.as_ref().map(|m| (&m.file, &m.program));
        compile_snippet(e, mapping, &self.opts, grouped)
    }

    /// Evaluates a compiled expression on `record` (none: `.` is null), with its steps when
    /// `trace`.
    pub fn evaluate(&self, c: &Compiled, record: Option<&Record>, trace: bool) -> Evaluation {
        let null = Value::Null;
        let cur = record.map_or(&null, |r| &r.value);
        let rows: &[Value] = match record {
            Some(r) if c.grouped => &r.rows,
            _ => &[],
        };
        // A group's `key`, in the slot `compile_snippet` gives it.
        let key = match record.and_then(|r| r.key.as_deref()) {
            Some(k) => Value::String(k.into()),
            None => Value::Null,
        };
        let key_slot = [&key];
        let env = Env {
            slots: if c.grouped {
                crate::eval::Slots::Lent(&key_slot)
            } else {
                crate::eval::Slots::NONE
            },
            rows,
            tables: &self.tables,
            reads: None,
            bound: None,
        };
        let mut secrets = self.secrets();
        for s in c.snippet.secrets.iter() {
            secrets.add(&s.env, &s.value);
        }
        let value = eval::eval(&c.snippet.expr, cur, &env).map_err(|mut e| {
            e.message = secrets.redact(&e.message);
            e
        });
        let steps = if trace {
            let step = |e: &ast::Expr| {
                let s = self.compile_ast(e, c.grouped).ok()?;
                Some(eval::eval(&s.expr, cur, &env).map_err(|e| e.message))
            };
            trace::steps(&c.ast, &c.src.text, step)
                .into_iter()
                .map(|s| s.hidden(&secrets))
                .collect()
        } else {
            Vec::new()
        };
        Evaluation {
            value: value.map(|v| secrets.hide(&v)),
            steps,
        }
    }
}
