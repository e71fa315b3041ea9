//! The checker's state and its entry points: [`compile`] a parsed file, [`compile_expr`] a lone
//! expression. The rules live in the sibling modules, each an `impl Compiler` block that owns
//! one concern and its diagnostics; they all report into [`Compiler::diags`] and go on after an
//! error, so that one run reports every problem.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::value::{Ty, Value};

use super::func::UserFn;
use super::scope::{Global, Scope};
use crate::diagnostic::{Diagnostic, Span};
use crate::plan::{CExpr, Program, Secrets, TableId};
use crate::syntax::ast::{Expr, File};

/// What the compiler needs from outside the mapping file.
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// `--var KEY=VALUE`. A value is converted to the type of the `var()` default when there is
    /// one (`true`/`false`, numbers).
    pub vars: BTreeMap<String, String>,
    /// Environment for `env()`; `None` reads the process environment.
    pub env: Option<HashMap<String, String>>,
    /// Vars set by the tool itself (a store's `store_countries`...): no warning when unused.
    pub implicit_vars: Vec<String>,
    /// The run's time, unix seconds: the value of every `now()`. `None`: the clock, read
    /// once, when the first `now()` is checked.
    pub now: Option<i64>,
}

/// Compiles a parsed file. Returns the program (when there is no error) and every diagnostic.
pub fn compile(file: &File, opts: &CompileOptions) -> (Option<Program>, Vec<Diagnostic>) {
    let mut c = Compiler::new(opts);
    let program = c.file(file);
    c.unused_vars();
    let ok = !c.diags.iter().any(Diagnostic::is_error);
    let diags = c.finish();
    (ok.then_some(program), diags)
}

/// Compiles a lone expression with no record context beyond `.` (function examples, tests).
/// `tables` names the lookup tables it may use, in id order.
pub fn compile_expr(
    expr: &Expr,
    tables: &[&str],
    opts: &CompileOptions,
) -> Result<CExpr, Vec<Diagnostic>> {
    let mut c = Compiler::new(opts);
    for (i, t) in tables.iter().enumerate() {
        c.tables.insert(t.to_string(), (i, Span::default()));
    }
    let mut scope = Scope::record();
    let (e, _) = c.expr(expr, &mut scope);
    if c.diags.iter().any(Diagnostic::is_error) {
        Err(c.finish())
    } else {
        Ok(e)
    }
}

/// Compiles a lone expression as if it stood in a block of `program`: its lookup tables and
/// file-level `let`s are known, and `rows` too when `grouped`. For tools that evaluate parts of
/// a mapping on their own (`explain`'s record paths).
pub fn compile_expr_in(
    expr: &Expr,
    program: &Program,
    opts: &CompileOptions,
    grouped: bool,
) -> Result<CExpr, Vec<Diagnostic>> {
    let mut c = Compiler::new(opts);
    c.know_program(program);
    let mut scope = Scope::record();
    scope.grouped = grouped;
    let (e, _) = c.expr(expr, &mut scope);
    if c.diags.iter().any(Diagnostic::is_error) {
        Err(c.finish())
    } else {
        Ok(e)
    }
}

impl Compiler<'_> {
    /// Knows the lookup tables, secrets and file-level `let`s (as their values) of a checked
    /// `program`, to compile an expression in its context.
    pub(super) fn know_program(&mut self, program: &Program) {
        for (i, t) in program.tables.iter().enumerate() {
            self.tables.insert(t.name.clone(), (i, t.span));
        }
        self.secrets = program.secrets.clone();
        for (name, value) in &program.globals {
            let global = Global {
                value: value.clone(),
                span: Span::default(),
            };
            self.globals.insert(name.clone(), global);
        }
    }
}

/// What the checker knows about the file while it walks it.
pub(super) struct Compiler<'o> {
    pub(super) opts: &'o CompileOptions,
    /// Every problem found so far, in the order found.
    pub(super) diags: Vec<Diagnostic>,
    /// The file-level `let`s defined so far.
    pub(super) globals: HashMap<String, Global>,
    /// The lookup tables, with where they are declared.
    pub(super) tables: HashMap<String, (TableId, Span)>,
    /// The tables some function reads (for W002).
    pub(super) tables_read: HashSet<TableId>,
    /// The tables `lookup_all` reads (they keep every row of a repeated key).
    pub(super) tables_read_all: HashSet<TableId>,
    /// The `var()` names read (for W001).
    pub(super) vars_read: HashSet<String>,
    /// The vars read, with their values, in the order first read ([`Program::vars`]).
    pub(super) vars: Vec<(String, Option<Value>)>,
    /// Source names used by blocks, for hints.
    pub(super) sources: Vec<String>,
    /// The values read with `env()`, and the constants folded from them.
    pub(super) secrets: Secrets,
    /// The user functions (`fn`), by name: an index of [`Compiler::user_fns`].
    pub(super) fns: HashMap<String, usize>,
    /// The user functions, in file order.
    pub(super) user_fns: Vec<UserFn>,
    /// The user functions whose bodies are being checked, innermost last (for E019).
    pub(super) fn_stack: Vec<usize>,
    /// The names of every file-level `let`, computed yet or not (for hints).
    pub(super) file_lets: HashSet<String>,
    /// How deep the expression being checked nests here, and the most it reached with the
    /// bodies of the user functions it calls (E017 through calls).
    pub(super) depth: usize,
    /// See [`Compiler::depth`].
    pub(super) max_depth: usize,
    /// The run's time once a `now()` needed it.
    pub(super) now: Option<i64>,
}

impl<'o> Compiler<'o> {
    pub(super) fn new(opts: &'o CompileOptions) -> Self {
        Compiler {
            opts,
            diags: Vec::new(),
            globals: HashMap::new(),
            tables: HashMap::new(),
            tables_read: HashSet::new(),
            tables_read_all: HashSet::new(),
            vars_read: HashSet::new(),
            vars: Vec::new(),
            sources: Vec::new(),
            secrets: Secrets::default(),
            fns: HashMap::new(),
            user_fns: Vec::new(),
            fn_stack: Vec::new(),
            file_lets: HashSet::new(),
            depth: 0,
            max_depth: 0,
            now: opts.now,
        }
    }

    /// The diagnostics, with every secret hidden from their texts (a secret known only after a
    /// diagnostic quoting it was made is hidden too).
    fn finish(self) -> Vec<Diagnostic> {
        let Compiler { diags, secrets, .. } = self;
        if secrets.is_empty() {
            return diags;
        }
        diags
            .into_iter()
            .map(|mut d| {
                d.message = secrets.redact(&d.message);
                for l in &mut d.labels {
                    l.text = secrets.redact(&l.text);
                }
                for n in &mut d.notes {
                    *n = secrets.redact(n);
                }
                d.hint = d.hint.map(|h| secrets.redact(&h));
                d
            })
            .collect()
    }

    /// The run's time: the one given, else the clock (read once).
    pub(super) fn now(&mut self) -> i64 {
        *self
            .now
            .get_or_insert_with(|| chrono::Utc::now().timestamp())
    }

    /// The errors reported so far.
    pub(super) fn error_count(&self) -> usize {
        self.diags.iter().filter(|d| d.is_error()).count()
    }
}

/// What an expression lowers to after an error: a null constant, so that checking goes on.
pub(super) fn null() -> (CExpr, Ty) {
    (CExpr::Const(Value::Null), Ty::NULL)
}
