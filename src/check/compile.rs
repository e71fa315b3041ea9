//! Lowering the AST to a [`Program`]: name resolution, constant folding, static types. Every
//! problem becomes a [`Diagnostic`]; the walk goes on after an error so that one run of
//! `clerkmap check` reports them all.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use crate::clerk::Entity;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::{Code, suggest};
use crate::eval;
use crate::functions::{self, ParamKind};
use crate::plan::{BlockPlan, CExpr, Op, Program, Step, TableId, TablePlan};
use crate::syntax::ast::*;
use crate::value::Ty;

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
}

/// Compiles a parsed file. Returns the program (when there is no error) and every diagnostic.
pub fn compile(file: &File, opts: &CompileOptions) -> (Option<Program>, Vec<Diagnostic>) {
    let mut c = Compiler::new(opts);
    let program = c.file(file);
    for name in opts.vars.keys() {
        if !c.vars_read.contains(name) && !opts.implicit_vars.contains(name) {
            let known: Vec<&str> = c.vars_read.iter().map(String::as_str).collect();
            c.diags.push(
                Diagnostic::warning(
                    Code::UnusedVar,
                    Span::default(),
                    format!("--var `{name}` is given but the mapping never reads it"),
                )
                .hint_opt(suggest::did_you_mean(name, known)),
            );
        }
    }
    let ok = !c.diags.iter().any(Diagnostic::is_error);
    (ok.then_some(program), c.diags)
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
        Err(c.diags)
    } else {
        Ok(e)
    }
}

#[derive(Clone)]
enum Binding {
    Slot {
        slot: usize,
        ty: Ty,
        /// Where it is defined.
        span: Span,
    },
    /// An attribute assigned later in the block (for E010), at `span`.
    Later { span: Span },
}

/// Where an expression is evaluated.
struct Scope {
    /// Whether `.` is a record (false at file level).
    has_record: bool,
    grouped: bool,
    locals: HashMap<String, Binding>,
    slots: usize,
    tables_used: Vec<TableId>,
}

impl Scope {
    fn file() -> Scope {
        Scope {
            has_record: false,
            grouped: false,
            locals: HashMap::new(),
            slots: 0,
            tables_used: Vec::new(),
        }
    }
    fn record() -> Scope {
        Scope {
            has_record: true,
            ..Scope::file()
        }
    }
}

struct Compiler<'o> {
    opts: &'o CompileOptions,
    diags: Vec<Diagnostic>,
    globals: HashMap<String, Value>,
    /// Where each file-level `let` is defined.
    global_spans: HashMap<String, Span>,
    tables: HashMap<String, (TableId, Span)>,
    tables_read: HashSet<TableId>,
    vars_read: HashSet<String>,
    /// Source names used by blocks, for hints.
    sources: Vec<String>,
}

impl<'o> Compiler<'o> {
    fn new(opts: &'o CompileOptions) -> Self {
        Compiler {
            opts,
            diags: Vec::new(),
            globals: HashMap::new(),
            global_spans: HashMap::new(),
            tables: HashMap::new(),
            tables_read: HashSet::new(),
            vars_read: HashSet::new(),
            sources: Vec::new(),
        }
    }

    fn file(&mut self, file: &File) -> Program {
        let mut program = Program {
            tables: Vec::new(),
            blocks: Vec::new(),
        };
        self.sources = file
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Block(b) => Some(b.source.name.clone()),
                _ => None,
            })
            .collect();
        // Tables first, so blocks above a declaration may use it.
        for item in &file.items {
            if let Item::Lookup(l) = item {
                if let Some((_, first)) = self.tables.get(&l.name.name) {
                    self.diags.push(
                        Diagnostic::error(
                            Code::Duplicate,
                            l.name.span,
                            format!("lookup table `{}` is declared twice", l.name.name),
                        )
                        .label("second declaration")
                        .secondary(*first, "first declaration")
                        .hint("remove one of the declarations"),
                    );
                    continue;
                }
                let id = program.tables.len();
                self.tables.insert(l.name.name.clone(), (id, l.name.span));
                let mut scope = Scope::record();
                let (key, _) = self.expr(&l.key, &mut scope);
                let parent = l.parent.as_ref().map(|p| self.expr(p, &mut scope).0);
                program.tables.push(TablePlan {
                    name: l.name.name.clone(),
                    key,
                    parent,
                    optional: l.optional,
                    span: l.span,
                });
            }
        }
        let mut seen_entities: HashMap<Entity, Span> = HashMap::new();
        for item in &file.items {
            match item {
                Item::Let(l) => {
                    if let Some(first) = self.global_spans.get(&l.name.name) {
                        self.diags.push(
                            Diagnostic::error(
                                Code::Duplicate,
                                l.name.span,
                                format!("`{}` is defined twice", l.name.name),
                            )
                            .secondary(*first, "first defined here")
                            .hint("give the second `let` another name"),
                        );
                        continue;
                    }
                    self.global_spans.insert(l.name.name.clone(), l.name.span);
                    let mut scope = Scope::file();
                    let errors_before = self.error_count();
                    let (e, _) = self.expr(&l.value, &mut scope);
                    match e {
                        CExpr::Const(v) => {
                            self.globals.insert(l.name.name.clone(), v);
                        }
                        _ => {
                            if self.error_count() == errors_before {
                                self.diags.push(
                                    Diagnostic::error(
                                        Code::RecordOutsideBlock,
                                        l.value.span,
                                        format!("`{}` cannot be computed before any record is read", l.name.name),
                                    )
                                    .label("needs a record, a lookup table or a per-element expression")
                                    .hint("move this `let` inside the entity block that uses it"),
                                );
                            }
                            // Bind null to avoid follow-up "unknown name" noise.
                            self.globals.insert(l.name.name.clone(), Value::Null);
                        }
                    }
                }
                Item::Lookup(_) => {}
                Item::Block(b) => {
                    if let Some(plan) = self.block(b) {
                        if let Some(first) = seen_entities.get(&plan.entity) {
                            self.diags.push(
                                Diagnostic::error(
                                    Code::Duplicate,
                                    b.entity.span,
                                    format!("a second `{}` block", b.entity.name),
                                )
                                .label("another block already maps this type")
                                .secondary(*first, "the first block")
                                .hint("one block per Clerk type: merge the two blocks"),
                            );
                            continue;
                        }
                        seen_entities.insert(plan.entity, b.entity.span);
                        program.blocks.push(plan);
                    }
                }
            }
        }
        for t in &program.tables {
            let Some((id, span)) = self.tables.get(&t.name) else {
                continue;
            };
            if !self.tables_read.contains(id) {
                self.diags.push(
                    Diagnostic::warning(Code::UnusedLookup, *span, format!("lookup table `{}` is never used", t.name))
                        .hint("remove the declaration, or use it with lookup(), ancestors() or children()"),
                );
            }
        }
        program
    }

    fn block(&mut self, b: &Block) -> Option<BlockPlan> {
        let entity = match Entity::parse(&b.entity.name) {
            Some(e) => Some(e),
            None => {
                let names = Entity::ALL.map(Entity::name);
                let hint = suggest::did_you_mean(&b.entity.name, names)
                    .unwrap_or_else(|| format!("use one of {}", names.join(", ")));
                self.diags.push(
                    Diagnostic::error(
                        Code::UnknownEntity,
                        b.entity.span,
                        format!("unknown Clerk type `{}`", b.entity.name),
                    )
                    .label("not a Clerk type")
                    .hint(hint),
                );
                None
            }
        };
        let mut scope = Scope::record();
        scope.grouped = b.group_by.is_some();
        // Attributes assigned anywhere in the block, for "used before assigned".
        for s in &b.stmts {
            if let Stmt::Assign { name, .. } = s {
                scope
                    .locals
                    .entry(name.name.clone())
                    .or_insert(Binding::Later { span: name.span });
            }
        }
        let group_by = b.group_by.as_ref().map(|g| {
            let mut s = Scope::record();
            s.tables_used = std::mem::take(&mut scope.tables_used);
            let e = self.expr(g, &mut s).0;
            scope.tables_used = s.tables_used;
            e
        });
        let filter = b.filter.as_ref().map(|f| {
            let mut s = Scope::record();
            s.grouped = scope.grouped;
            s.tables_used = std::mem::take(&mut scope.tables_used);
            let (e, ty) = self.expr(f, &mut s);
            scope.tables_used = s.tables_used;
            self.expect_bool(&e, ty, f.span, "a `where` condition");
            e
        });
        let mut ops = Vec::new();
        let mut assigned: HashMap<String, (usize, Span, Ty)> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        let mut id_slot = None;
        for s in &b.stmts {
            match s {
                Stmt::Let(l) => {
                    let (expr, ty) = self.expr(&l.value, &mut scope);
                    if let Some(first) = scope.locals.get(&l.name.name) {
                        let first = match first {
                            Binding::Slot { span, .. } => (*span, "first defined here"),
                            Binding::Later { span } => (*span, "an attribute of the same name"),
                        };
                        self.diags.push(
                            Diagnostic::error(
                                Code::Duplicate,
                                l.name.span,
                                format!("`{}` is already defined in this block", l.name.name),
                            )
                            .secondary(first.0, first.1)
                            .hint("give the `let` another name"),
                        );
                        continue;
                    }
                    let slot = scope.slots;
                    scope.slots += 1;
                    scope.locals.insert(
                        l.name.name.clone(),
                        Binding::Slot {
                            slot,
                            ty,
                            span: l.name.span,
                        },
                    );
                    ops.push(Op::Let { slot, expr });
                }
                Stmt::Assign { name, value } => {
                    let (expr, ty) = self.expr(value, &mut scope);
                    if let Some((_, first, _)) = assigned.get(&name.name) {
                        self.diags.push(
                            Diagnostic::error(
                                Code::Duplicate,
                                name.span,
                                format!("attribute `{}` is assigned twice", name.name),
                            )
                            .label("second assignment")
                            .secondary(*first, "first assignment")
                            .hint("remove one, or combine them with `??`"),
                        );
                        continue;
                    }
                    self.check_attribute_name(name);
                    if let Some(entity) = entity {
                        self.check_contract_type(entity, name, ty, value.span);
                    }
                    let slot = scope.slots;
                    scope.slots += 1;
                    scope.locals.insert(
                        name.name.clone(),
                        Binding::Slot {
                            slot,
                            ty,
                            span: name.span,
                        },
                    );
                    assigned.insert(name.name.clone(), (slot, name.span, ty));
                    order.push(name.name.clone());
                    if name.name == "id" {
                        id_slot = Some(slot);
                    }
                    ops.push(Op::Assign {
                        slot,
                        name: name.name.clone(),
                        expr,
                    });
                }
                Stmt::Spread { value, span } => {
                    let (expr, ty) = self.expr(value, &mut scope);
                    if !ty.intersects(Ty::OBJECT.or(Ty::NULL)) {
                        self.diags.push(
                            Diagnostic::error(
                                Code::TypeMismatch,
                                value.span,
                                format!("`...` spreads an object, but this is {ty}"),
                            )
                            .hint("spread an object such as `.attributi`"),
                        );
                    }
                    ops.push(Op::Spread { expr, span: *span });
                }
                Stmt::Where { cond, .. } => {
                    let (expr, ty) = self.expr(cond, &mut scope);
                    self.expect_bool(&expr, ty, cond.span, "a `where` condition");
                    ops.push(Op::Where {
                        expr,
                        span: cond.span,
                    });
                }
            }
        }
        let entity = entity?;
        let missing: Vec<&str> = entity
            .fields()
            .iter()
            .filter(|f| f.required && !assigned.contains_key(f.name))
            .map(|f| f.name)
            .collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let plural = if missing.len() == 1 { "" } else { "s" };
            self.diags.push(
                Diagnostic::error(
                    Code::MissingRequired,
                    b.header,
                    format!(
                        "`{}` block lacks the required attribute{plural} {list}",
                        entity.name()
                    ),
                )
                .label("in this block")
                .hint(format!(
                    "Clerk needs {list} on every {}: add `{} = ...`",
                    entity.singular(),
                    missing[0]
                )),
            );
        }
        let mut tables = scope.tables_used;
        tables.sort_unstable();
        tables.dedup();
        Some(BlockPlan {
            entity,
            source: b.source.name.clone(),
            group_by,
            filter,
            filter_span: b.filter.as_ref().map_or(b.header, |f| f.span),
            ops,
            slots: scope.slots,
            tables,
            id_slot,
            span: b.span,
        })
    }

    fn check_attribute_name(&mut self, name: &Ident) {
        if crate::clerk::contract::is_valid_attribute_name(&name.name) {
            return;
        }
        let fixed = functions::string::normalize_attribute_name(&name.name);
        self.diags.push(
            Diagnostic::error(
                Code::BadAttributeName,
                name.span,
                format!("attribute name `{}` would be ignored by Clerk", name.name),
            )
            .label("only letters, digits and `_` are allowed")
            .hint(format!("rename it `{fixed}`")),
        );
    }

    fn check_contract_type(&mut self, entity: Entity, name: &Ident, ty: Ty, span: Span) {
        let Some(spec) = entity.field(&name.name) else {
            return;
        };
        let want = spec.kind.ty();
        if ty.without(Ty::NULL).is_never() || ty.intersects(want) {
            return;
        }
        let hint = if ty.contains(Ty::STRING) {
            spec.kind.fix_hint()
        } else {
            None
        };
        self.diags.push(
            Diagnostic::error(
                Code::TypeMismatch,
                span,
                format!(
                    "`{}` must be {}, but this expression gives {ty}",
                    name.name,
                    spec.kind.describe()
                ),
            )
            .label(format!("this is {ty}"))
            .hint_opt(hint.map(String::from)),
        );
    }

    fn expect_bool(&mut self, _e: &CExpr, ty: Ty, span: Span, what: &str) {
        if !ty.intersects(Ty::BOOL.or(Ty::NULL)) {
            self.diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    span,
                    format!("{what} must be a bool, but this is {ty}"),
                )
                .hint("compare it, e.g. `.pubblicato == \"SI\"`"),
            );
        }
    }

    /// Lowers an expression; returns its static type. On error, reports and returns a null
    /// constant so compilation goes on.
    fn expr(&mut self, e: &Expr, scope: &mut Scope) -> (CExpr, Ty) {
        match &e.kind {
            ExprKind::Literal(v) => (CExpr::Const(v.clone()), Ty::of(v)),
            ExprKind::List(items) => {
                let items: Vec<CExpr> = items.iter().map(|i| self.expr(i, scope).0).collect();
                self.fold(CExpr::List(items), Ty::LIST, e.span)
            }
            ExprKind::Object(entries) => {
                let entries = entries
                    .iter()
                    .map(|(k, v)| (k.clone(), self.expr(v, scope).0))
                    .collect();
                self.fold(CExpr::Object(entries), Ty::OBJECT, e.span)
            }
            ExprKind::Current => {
                if !scope.has_record {
                    self.diags.push(
                        Diagnostic::error(
                            Code::RecordOutsideBlock,
                            e.span,
                            "a file-level `let` cannot read record fields",
                        )
                        .label("there is no record here")
                        .hint("move this `let` inside the entity block"),
                    );
                    return null();
                }
                (CExpr::Current, Ty::ANY)
            }
            ExprKind::Name(id) => self.name(id, scope),
            ExprKind::Rows(id) => self.rows(id, scope),
            ExprKind::Map { list, body } => self.map(e, list, body, scope),
            ExprKind::CompileTime {
                from,
                callee,
                name,
                default,
            } => self.compile_time(*from, callee, name, default.as_deref(), scope),
            ExprKind::BadForm {
                form, args, error, ..
            } => {
                // With the wrong number of arguments, `map`'s per-element body is unknown: its
                // arguments are left unchecked. Those of `var`/`env` are ordinary constants.
                if *form != Form::Map {
                    for a in args {
                        self.expr(a, scope);
                    }
                }
                self.diags.push((**error).clone());
                null()
            }
            ExprKind::Paren(inner) => self.expr(inner, scope),
            ExprKind::Field(..)
            | ExprKind::Index(..)
            | ExprKind::Wildcard(..)
            | ExprKind::Filter(..) => self.path(e, scope),
            ExprKind::Call { name, args, piped } => self.call(e, name, args, *piped, scope),
            ExprKind::Unary(op, inner) => {
                let (x, t) = self.expr(inner, scope);
                let ty = match op {
                    UnOp::Neg => {
                        if !t.intersects(Ty::NUMBER.or(Ty::NULL)) {
                            self.type_error(
                                inner.span,
                                format!("`-` needs a number, but this is {t}"),
                                Some("convert with `| decimal`"),
                            );
                        }
                        Ty::NUMBER.nullable()
                    }
                    UnOp::Not => Ty::BOOL.nullable(),
                };
                self.fold(CExpr::Unary(*op, Box::new(x), e.span), ty, e.span)
            }
            ExprKind::Binary(op, l, r) => {
                let (a, ta) = self.expr(l, scope);
                let (b, tb) = self.expr(r, scope);
                let ty = match op {
                    BinOp::Coalesce => ta.without(Ty::NULL).or(tb),
                    BinOp::Or | BinOp::And => Ty::BOOL.nullable(),
                    BinOp::Eq | BinOp::Ne => Ty::BOOL,
                    BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => Ty::BOOL.nullable(),
                    BinOp::Concat => Ty::STRING.nullable(),
                    BinOp::Add => {
                        let mut t = Ty::NUMBER.nullable();
                        if ta.intersects(Ty::STRING) && tb.intersects(Ty::STRING) {
                            t = t.or(Ty::STRING);
                        }
                        if ta.intersects(Ty::LIST) && tb.intersects(Ty::LIST) {
                            t = t.or(Ty::LIST);
                        }
                        t
                    }
                    BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => {
                        for (t, sp) in [(ta, l.span), (tb, r.span)] {
                            if !t.intersects(Ty::NUMBER.or(Ty::NULL)) {
                                self.type_error(
                                    sp,
                                    format!("`{}` needs numbers, but this is {t}", op.symbol()),
                                    t.contains(Ty::STRING).then_some("convert with `| decimal`"),
                                );
                            }
                        }
                        Ty::NUMBER.nullable()
                    }
                };
                self.fold(
                    CExpr::Binary(*op, Box::new(a), Box::new(b), e.span),
                    ty,
                    e.span,
                )
            }
            ExprKind::If { cond, then, els } => {
                let (c, tc) = self.expr(cond, scope);
                self.expect_bool(&c, tc, cond.span, "an `if` condition");
                let (t, tt) = self.expr(then, scope);
                let (f, tf) = match els {
                    Some(x) => {
                        let (f, tf) = self.expr(x, scope);
                        (Some(Box::new(f)), tf)
                    }
                    None => (None, Ty::NULL),
                };
                self.fold(
                    CExpr::If(Box::new(c), Box::new(t), f, e.span),
                    tt.or(tf),
                    e.span,
                )
            }
            ExprKind::Match { value, arms } => {
                let (v, _) = self.expr(value, scope);
                let mut ty = Ty::NEVER;
                let mut has_default = false;
                let mut out = Vec::new();
                for arm in arms {
                    let (x, tx) = self.expr(&arm.value, scope);
                    ty = ty.or(tx);
                    match &arm.pattern {
                        Pattern::Any => {
                            has_default = true;
                            out.push((None, x));
                        }
                        Pattern::Literals(l) => out.push((Some(l.clone()), x)),
                    }
                }
                if !has_default {
                    ty = ty.nullable();
                }
                self.fold(CExpr::Match(Box::new(v), out), ty, e.span)
            }
        }
    }

    fn error_count(&self) -> usize {
        self.diags.iter().filter(|d| d.is_error()).count()
    }

    fn type_error(&mut self, span: Span, msg: String, hint: Option<&str>) {
        self.diags.push(
            Diagnostic::error(Code::TypeMismatch, span, msg).hint_opt(hint.map(String::from)),
        );
    }

    /// `rows`, unless a local of that name shadows it.
    fn rows(&mut self, id: &Ident, scope: &mut Scope) -> (CExpr, Ty) {
        if scope.locals.contains_key(&id.name) {
            return self.name(id, scope);
        }
        {
            if !scope.grouped {
                self.diags.push(
                    Diagnostic::error(Code::RowsOutsideGroup, id.span, "`rows` only exists in a block with `group by`")
                        .hint("add `group by .codice` to the block header, or read the record's own fields with `.name`"),
                );
                return null();
            }
            (CExpr::Rows, Ty::LIST)
        }
    }

    fn name(&mut self, id: &Ident, scope: &mut Scope) -> (CExpr, Ty) {
        match scope.locals.get(&id.name) {
            Some(Binding::Slot { slot, ty, .. }) => return (CExpr::Slot(*slot), *ty),
            Some(Binding::Later { .. }) if self.globals.contains_key(&id.name) => {
                // Not assigned yet in this block: the file-level `let` of that name.
                let v = &self.globals[&id.name];
                return (CExpr::Const(v.clone()), Ty::of(v));
            }
            Some(Binding::Later { span }) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::UsedBeforeAssigned,
                        id.span,
                        format!("attribute `{}` is used before it is assigned", id.name),
                    )
                    .label("not assigned yet")
                    .secondary(*span, "assigned here")
                    .hint(format!("move the `{} = ...` line above this one", id.name)),
                );
                return null();
            }
            None => {}
        }
        if let Some(v) = self.globals.get(&id.name) {
            return (CExpr::Const(v.clone()), Ty::of(v));
        }
        if self.tables.contains_key(&id.name) {
            self.diags.push(
                Diagnostic::error(
                    Code::TableAsValue,
                    id.span,
                    format!("`{}` is a lookup table, not a value", id.name),
                )
                .hint(format!("look a row up with `lookup({}, key)`", id.name)),
            );
            return null();
        }
        let mut candidates: Vec<&str> = self.globals.keys().map(String::as_str).collect();
        candidates.extend(scope.locals.keys().map(String::as_str));
        let hint = suggest::did_you_mean(&id.name, candidates.iter().copied()).or_else(|| {
            scope
                .has_record
                .then(|| format!("to read the record field, write `.{}`", id.name))
        });
        self.diags.push(
            Diagnostic::error(
                Code::UnknownName,
                id.span,
                format!("unknown name `{}`", id.name),
            )
            .label("not defined")
            .hint_opt(hint),
        );
        null()
    }

    fn path(&mut self, e: &Expr, scope: &mut Scope) -> (CExpr, Ty) {
        // Unwind the postfix chain to its base.
        let mut steps_rev = Vec::new();
        let mut cur = e;
        loop {
            match &cur.kind {
                ExprKind::Field(inner, name) => {
                    steps_rev.push(Step::Field(name.clone()));
                    cur = inner;
                }
                ExprKind::Index(inner, idx) => {
                    let (i, _) = self.expr(idx, scope);
                    steps_rev.push(Step::Index(i));
                    cur = inner;
                }
                ExprKind::Wildcard(inner) => {
                    steps_rev.push(Step::Each);
                    cur = inner;
                }
                ExprKind::Filter(inner, cond) => {
                    let mut inner_scope = Scope {
                        has_record: true,
                        grouped: scope.grouped,
                        locals: scope.locals.clone(),
                        slots: scope.slots,
                        tables_used: std::mem::take(&mut scope.tables_used),
                    };
                    let (c, tc) = self.expr(cond, &mut inner_scope);
                    scope.tables_used = inner_scope.tables_used;
                    self.expect_bool(&c, tc, cond.span, "a `[? ...]` filter");
                    steps_rev.push(Step::Filter(c, cond.span));
                    cur = inner;
                }
                _ => break,
            }
        }
        let (base, base_ty) = self.expr(cur, scope);
        steps_rev.reverse();
        let projects = steps_rev.iter().any(Step::projects);
        let ty = if projects { Ty::LIST } else { Ty::ANY };
        if base_ty
            .without(Ty::NULL)
            .and(Ty::OBJECT.or(Ty::LIST))
            .is_never()
            && !base_ty.without(Ty::NULL).is_never()
        {
            self.diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    e.span,
                    format!("cannot read a field or element of {base_ty}"),
                )
                .hint("paths read into objects and lists"),
            );
            return null();
        }
        self.fold(
            CExpr::Path {
                base: Box::new(base),
                steps: steps_rev,
                projects,
            },
            ty,
            e.span,
        )
    }

    fn call(
        &mut self,
        e: &Expr,
        name: &Ident,
        args: &[Expr],
        piped: bool,
        scope: &mut Scope,
    ) -> (CExpr, Ty) {
        let Some(f) = functions::get(&name.name) else {
            let names: Vec<&str> = functions::all()
                .map(|f| f.name)
                .chain(Form::ALL.iter().map(|f| f.name()))
                .collect();
            let hint = suggest::did_you_mean(&name.name, names)
                .unwrap_or_else(|| "see docs/language.md for the list of functions".into());
            self.diags.push(
                Diagnostic::error(
                    Code::UnknownFunction,
                    name.span,
                    format!("unknown function `{}`", name.name),
                )
                .label("no such function")
                .hint(hint),
            );
            for a in args {
                self.expr(a, scope);
            }
            return null();
        };
        // `key | ancestors(categorie)`: the piped value goes after the table.
        let reordered;
        let args = if piped
            && args.len() >= 2
            && f.params.first().is_some_and(|p| p.kind == ParamKind::Table)
        {
            let mut a = args.to_vec();
            a.swap(0, 1);
            reordered = a;
            &reordered[..]
        } else {
            args
        };
        let n = args.len();
        let max = f.max_args();
        if n < f.min_args() || max.is_some_and(|m| n > m) {
            let expected = match max {
                Some(m) if m == f.min_args() => format!("{m}"),
                Some(m) => format!("{} to {m}", f.min_args()),
                None => format!("at least {}", f.min_args()),
            };
            let mut hint = format!("the signature is `{}`", f.signature());
            if piped {
                hint.push_str("; the value before `|` is the first argument");
            }
            self.diags.push(
                Diagnostic::error(
                    Code::Arity,
                    name.span,
                    format!(
                        "`{}` takes {expected} argument{}, but {n} {} given",
                        f.name,
                        if expected == "1" { "" } else { "s" },
                        if n == 1 { "is" } else { "are" }
                    ),
                )
                .label(format!("{n} given"))
                .hint(hint),
            );
            return null();
        }
        let mut table = None;
        let mut lowered = Vec::with_capacity(n);
        let mut tys = Vec::with_capacity(n);
        let first_value = f.params.iter().position(|p| p.kind == ParamKind::Value);
        for (i, a) in args.iter().enumerate() {
            let param = f.params.get(i).or(f.params.last());
            if param.is_some_and(|p| p.kind == ParamKind::Table) {
                match &a.kind {
                    ExprKind::Name(id) | ExprKind::Rows(id)
                        if self.tables.contains_key(&id.name) =>
                    {
                        let tid = self.tables[&id.name].0;
                        self.tables_read.insert(tid);
                        scope.tables_used.push(tid);
                        table = Some(tid);
                    }
                    ExprKind::Name(id) | ExprKind::Rows(id) => {
                        let names: Vec<&str> = self.tables.keys().map(String::as_str).collect();
                        let hint = if self.sources.contains(&id.name) {
                            Some(format!(
                                "declare it at file level: `lookup {} by .codice parent .codicePadre`",
                                id.name
                            ))
                        } else {
                            suggest::did_you_mean(&id.name, names).or_else(|| {
                                Some(format!("declare it with `lookup {} by .key` and pass `--input {}=PATH`", id.name, id.name))
                            })
                        };
                        self.diags.push(
                            Diagnostic::error(
                                Code::UnknownTable,
                                id.span,
                                format!("unknown lookup table `{}`", id.name),
                            )
                            .label("no `lookup` declares this")
                            .hint_opt(hint),
                        );
                        return null();
                    }
                    _ => {
                        self.diags.push(
                            Diagnostic::error(
                                Code::UnknownTable,
                                a.span,
                                format!(
                                    "the first argument of `{}` must name a lookup table",
                                    f.name
                                ),
                            )
                            .hint(format!(
                                "e.g. `{}(categorie, .categoriaMerceologica)`",
                                f.name
                            )),
                        );
                        return null();
                    }
                }
                continue;
            }
            let (x, t) = self.expr(a, scope);
            if let Some(p) = param {
                // The first value parameter also takes a list: the call then maps over it.
                let first = Some(i) == first_value;
                let accepts =
                    p.ty.or(Ty::NULL)
                        .or(if first { Ty::LIST } else { Ty::NEVER });
                if !t.intersects(accepts) {
                    let hint = (t.contains(Ty::STRING)
                        && p.ty.contains(Ty::NUMBER)
                        && !p.ty.contains(Ty::STRING))
                    .then_some("convert with `| decimal`");
                    self.type_error(
                        a.span,
                        format!(
                            "argument `{}` of `{}` must be {}, but this is {t}",
                            p.name, f.name, p.ty
                        ),
                        hint,
                    );
                }
            }
            lowered.push(x);
            tys.push(t);
        }
        let map_first = f
            .params
            .iter()
            .find(|p| p.kind == ParamKind::Value)
            .is_some_and(|p| !p.ty.intersects(Ty::LIST))
            && tys.first().is_some_and(|t| t.intersects(Ty::LIST));
        // Constant arguments are checked now.
        if let Some(check) = f.check_const {
            let consts: Vec<Option<&Value>> = lowered.iter().map(CExpr::as_const).collect();
            if let Err(msg) = check(&consts) {
                let prefix = format!("{}:", f.name);
                let msg = if msg.starts_with(&prefix) {
                    msg
                } else {
                    format!("{prefix} {msg}")
                };
                self.diags.push(
                    Diagnostic::error(Code::BadConstant, e.span, msg)
                        .hint(format!("the signature is `{}`", f.signature())),
                );
                return null();
            }
        }
        let mut ty = f.returns;
        if map_first {
            ty = ty.or(Ty::LIST);
        }
        let call = CExpr::Call {
            f,
            table,
            args: lowered,
            map_first,
            span: e.span,
        };
        if table.is_some() {
            return (call, ty);
        }
        self.fold(call, ty, e.span)
    }

    /// `map(list, expr)`: the second argument is evaluated per element, with `.` = the element.
    fn map(&mut self, e: &Expr, list: &Expr, body: &Expr, scope: &mut Scope) -> (CExpr, Ty) {
        let (list_c, ty) = self.expr(list, scope);
        if !ty.intersects(Ty::LIST.or(Ty::NULL)) {
            self.type_error(
                list.span,
                format!("`map` needs a list, but this is {ty}"),
                None,
            );
        }
        let mut inner = Scope {
            has_record: true,
            grouped: scope.grouped,
            locals: scope.locals.clone(),
            slots: scope.slots,
            tables_used: std::mem::take(&mut scope.tables_used),
        };
        let (body, _) = self.expr(body, &mut inner);
        scope.tables_used = inner.tables_used;
        (
            CExpr::Map(Box::new(list_c), Box::new(body), e.span),
            Ty::LIST.nullable(),
        )
    }

    /// `var(name, default?)` and `env(name, default?)`: resolved now, to a constant.
    fn compile_time(
        &mut self,
        from: Setting,
        callee: &Ident,
        name_arg: &Expr,
        default_arg: Option<&Expr>,
        scope: &mut Scope,
    ) -> (CExpr, Ty) {
        let name = callee;
        let args: Vec<&Expr> = std::iter::once(name_arg).chain(default_arg).collect();
        let consts: Vec<Option<Value>> = args
            .iter()
            .map(|a| self.expr(a, scope).0.as_const().cloned())
            .collect();
        let Some(Some(Value::String(key))) = consts.first() else {
            self.diags.push(
                Diagnostic::error(
                    Code::BadConstant,
                    args[0].span,
                    format!(
                        "the name given to `{}` must be a constant string",
                        name.name
                    ),
                )
                .hint(format!("`{}(\"site_url\")`", name.name)),
            );
            return null();
        };
        let default = match consts.get(1) {
            None => None,
            Some(Some(v)) => Some(v.clone()),
            Some(None) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::BadConstant,
                        args[1].span,
                        format!("the default of `{}` must be a constant", name.name),
                    )
                    .hint("use a literal, or a file-level `let`"),
                );
                return null();
            }
        };
        let given = if from == Setting::Var {
            self.vars_read.insert(key.clone());
            self.opts.vars.get(key).cloned()
        } else {
            match &self.opts.env {
                Some(env) => env.get(key).cloned(),
                None => std::env::var(key).ok(),
            }
        };
        let value = match (given, default) {
            (Some(s), Some(d)) => match coerce_like(&s, &d) {
                Ok(v) => v,
                Err(kind) => {
                    self.diags.push(
                        Diagnostic::error(
                            Code::BadConstant,
                            name.span,
                            format!(
                                "{} `{key}` = {s:?} is not {kind} like its default",
                                name.name
                            ),
                        )
                        .hint(format!("pass a value like {d}")),
                    );
                    return null();
                }
            },
            (Some(s), None) => Value::String(s),
            (None, Some(d)) => d,
            (None, None) => {
                let how = if from == Setting::Var {
                    format!(
                        "pass `--var {key}=VALUE` (or set it under `vars:` in clerkmap.yaml), or give a default: `var(\"{key}\", \"...\")`"
                    )
                } else {
                    format!(
                        "set the environment variable {key}, or give a default: `env(\"{key}\", \"...\")`"
                    )
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::UnsetVariable,
                        name.span,
                        format!(
                            "{} `{key}` is not set",
                            if from == Setting::Var {
                                "variable"
                            } else {
                                "environment variable"
                            }
                        ),
                    )
                    .label("no value")
                    .hint(how),
                );
                return null();
            }
        };
        let ty = Ty::of(&value);
        (CExpr::Const(value), ty)
    }

    /// Folds an expression whose inputs are all constants.
    fn fold(&mut self, e: CExpr, ty: Ty, span: Span) -> (CExpr, Ty) {
        if !is_constant(&e) {
            return (e, ty);
        }
        let env = eval::Env::empty();
        match eval::eval(&e, &Value::Null, &env) {
            Ok(v) => {
                let t = Ty::of(&v);
                (CExpr::Const(v), t)
            }
            // Already reported: a type error inside this expression.
            Err(_)
                if self.diags.last().is_some_and(|d| {
                    d.is_error() && d.span().start >= span.start && d.span().end <= span.end
                }) =>
            {
                null()
            }
            Err(err) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::BadConstant,
                        span,
                        format!("this constant expression fails: {}", err.message),
                    )
                    .hint("fix the literal values"),
                );
                null()
            }
        }
    }
}

fn null() -> (CExpr, Ty) {
    (CExpr::Const(Value::Null), Ty::NULL)
}

/// Whether an expression reads nothing but constants.
fn is_constant(e: &CExpr) -> bool {
    match e {
        CExpr::Const(_) => true,
        CExpr::Current | CExpr::Rows | CExpr::Slot(_) => false,
        CExpr::Path { base, steps, .. } => {
            is_constant(base)
                && steps.iter().all(|s| match s {
                    Step::Field(_) | Step::Each => true,
                    Step::Index(i) => is_constant(i),
                    Step::Filter(..) => false,
                })
        }
        CExpr::List(items) => items.iter().all(is_constant),
        CExpr::Object(entries) => entries.iter().all(|(_, v)| is_constant(v)),
        // `error` only fails when a record reaches it.
        CExpr::Call { f, table, args, .. } => {
            table.is_none() && f.name != "error" && args.iter().all(is_constant)
        }
        CExpr::Unary(_, x, _) => is_constant(x),
        CExpr::Binary(_, a, b, _) => is_constant(a) && is_constant(b),
        CExpr::If(c, t, f, _) => {
            is_constant(c) && is_constant(t) && f.as_deref().is_none_or(is_constant)
        }
        CExpr::Match(v, arms) => is_constant(v) && arms.iter().all(|(_, x)| is_constant(x)),
        CExpr::Map(..) => false,
    }
}

/// Converts a `--var` string to the type of its default.
fn coerce_like(s: &str, default: &Value) -> Result<Value, &'static str> {
    match default {
        Value::Bool(_) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "on" => Ok(Value::Bool(true)),
            "false" | "no" | "0" | "off" => Ok(Value::Bool(false)),
            _ => Err("a bool (true/false)"),
        },
        Value::Number(n) if n.is_i64() => s
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| "an integer"),
        Value::Number(_) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or("a number"),
        _ => Ok(Value::String(s.to_string())),
    }
}
