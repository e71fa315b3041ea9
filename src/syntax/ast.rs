//! The mapping file's syntax tree. Every node carries the byte span it came from, so later
//! stages can point at it in diagnostics.

use crate::value::Value;

use crate::diagnostic::Diagnostic;
pub use crate::diagnostic::Span;

/// A name as written, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A whole mapping file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct File {
    /// Its items, in file order.
    pub items: Vec<Item>,
}

/// A file-level item.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// `let name = expr`: a constant.
    Let(Let),
    /// `lookup NAME by KEY ...`: a lookup table.
    Lookup(LookupDecl),
    /// `fn name(a, b) = expr`: a user function.
    Fn(FnDecl),
    /// `input NAME lenient [ragged]`: how a CSV input takes rows of another width.
    Input(InputDecl),
    /// `products from SOURCE { ... }`: an entity block.
    Block(Block),
}

/// `let name = expr`
#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    /// The name it binds.
    pub name: Ident,
    /// Its value.
    pub value: Expr,
    /// The whole statement.
    pub span: Span,
}

/// `lookup categorie by .codice parent .codicePadre`
#[derive(Debug, Clone, PartialEq)]
pub struct LookupDecl {
    /// The table's name (also its `--input` name, unless `from` names another).
    pub name: Ident,
    /// `from INPUT`: the input its rows come from, when it is not the table's name (a second
    /// table, keyed otherwise, of one input).
    pub from: Option<Ident>,
    /// A row's key, `.` being the row.
    pub key: Expr,
    /// A row's parent key, for hierarchies.
    pub parent: Option<Expr>,
    /// A run without this input gets an empty table instead of an error.
    pub optional: bool,
    /// The whole declaration.
    pub span: Span,
}

/// `input combinations lenient [trailing | ragged]`: a CSV input whose rows with more fields
/// than its header are read without their extra fields when those are empty (`ragged`: and
/// whose short rows are read with the missing fields null).
#[derive(Debug, Clone, PartialEq)]
pub struct InputDecl {
    /// The input's name (a source after `from`, or a lookup table).
    pub name: Ident,
    /// `ragged`: short rows are taken too.
    pub ragged: bool,
    /// The whole declaration.
    pub span: Span,
}

/// `fn name(a, b) = expr`: a function of its parameters only (no record, no `rows`).
#[derive(Debug, Clone, PartialEq)]
pub struct FnDecl {
    /// Its name.
    pub name: Ident,
    /// Its parameters, in order.
    pub params: Vec<Ident>,
    /// Its body.
    pub body: Expr,
    /// The whole declaration.
    pub span: Span,
}

/// `products from articoli group by .codice where .pubblicato == "SI" { ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// The Clerk type, as written (`products`).
    pub entity: Ident,
    /// The `--input` name records come from.
    pub source: Ident,
    /// `group by EXPR`: one record per group of rows.
    pub group_by: Option<Expr>,
    /// `group by each EXPR`: EXPR gives a list of keys, a row joins each one's group.
    pub group_each: bool,
    /// `group by EXPR fill down`: a row whose key is null or empty joins the group of the row
    /// above it (rows that follow their header row with no key of their own).
    pub fill_down: bool,
    /// The header's `where EXPR`.
    pub filter: Option<Expr>,
    /// The statements between `{` and `}`.
    pub stmts: Vec<Stmt>,
    /// The header, `products from articoli ...` up to `{`.
    pub header: Span,
    /// The whole block.
    pub span: Span,
}

/// A statement in an entity block.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// `name = expr`; the name is as written (it may be invalid for Clerk: the checker says so).
    Assign {
        /// The attribute's name.
        name: Ident,
        /// Its value.
        value: Expr,
    },
    /// `let name = expr`, local to the block.
    Let(Let),
    /// `...expr`: one attribute per key of an object.
    Spread {
        /// The object spread.
        value: Expr,
        /// The whole statement.
        span: Span,
    },
    /// `where expr` inside a block: the record is filtered out unless it holds.
    Where {
        /// The condition.
        cond: Expr,
        /// The whole statement.
        span: Span,
    },
}

/// An expression and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// A prefix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// `-x`
    Neg,
    /// `!x`, `not x`
    Not,
}

/// An infix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `??`
    Coalesce,
    /// `||`, `or`
    Or,
    /// `&&`, `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `~`: text concatenation.
    Concat,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Rem,
}

impl BinOp {
    /// The operator as written (the symbol form: `||` for `or`).
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Coalesce => "??",
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Concat => "~",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }
}

/// A `match` arm pattern: literals (any of them matches) or `_`.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// `_`
    Any,
    /// `"a" | "b"`
    Literals(Vec<Value>),
}

/// `pattern => value` in a `match`.
#[derive(Debug, Clone, PartialEq)]
pub struct Arm {
    /// What it matches.
    pub pattern: Pattern,
    /// What it gives.
    pub value: Expr,
    /// The whole arm.
    pub span: Span,
}

/// The key of an object entry.
#[derive(Debug, Clone, PartialEq)]
pub enum ObjectKey {
    /// `name: ...` or `"Codice EAN": ...`: the key as written (a string's escapes decoded).
    Fixed(Ident),
    /// `(expr): ...`: a key computed for each record.
    Computed(Expr),
}

impl ObjectKey {
    /// Whether the key is computed.
    pub fn is_computed(&self) -> bool {
        matches!(self, ObjectKey::Computed(_))
    }
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `null`, `true`, `1.5`, `"text"`
    Literal(Value),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `{key: value}`, `{(key_expr): value}`
    Object(Vec<(ObjectKey, Expr)>),
    /// `.`: the current record (or list element inside `[? ...]`).
    Current,
    /// A name: a `let`, an attribute mapped earlier in the block, or a table name (as a
    /// function argument).
    Name(Ident),
    /// `x.name`, `x."Codice EAN"`
    Field(Box<Expr>, String),
    /// `x[i]`, `x["key"]`
    Index(Box<Expr>, Box<Expr>),
    /// `x[*]`: what follows applies to every element.
    Wildcard(Box<Expr>),
    /// `x[? cond]`: the elements for which `cond` (with `.` = the element) is true; `cond` may
    /// be an [`ExprKind::Lambda`], `x[? e => e.n == 1]`, which names the element instead.
    Filter(Box<Expr>, Box<Expr>),
    /// `f(a, b)`, or `a | f(b)` (then `piped` is true and `a` is the first argument).
    Call {
        /// The function's name.
        name: Ident,
        /// The arguments, the piped value first.
        args: Vec<Expr>,
        /// Written `a | f(b)`.
        piped: bool,
    },
    /// A parenthesised path: what follows applies to its whole value.
    Paren(Box<Expr>),
    /// `-x`, `!x`
    Unary(UnOp, Box<Expr>),
    /// `a + b`, `a ?? b`, ...
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `if cond { then } else { els }`
    If {
        /// The condition.
        cond: Box<Expr>,
        /// The value when it holds.
        then: Box<Expr>,
        /// The value otherwise (null without `else`).
        els: Option<Box<Expr>>,
    },
    /// `match value { arms }`
    Match {
        /// The value matched.
        value: Box<Expr>,
        /// The arms, tried in order.
        arms: Vec<Arm>,
    },
    /// `rows`: the rows of the current group. It keeps its name: a `let` or an attribute called
    /// `rows` in the same block shadows it, and a lookup table may be called `rows`.
    Rows(Ident),
    /// `map(list, body)`, or `list | map(body)`: `body` evaluated with `.` = each element, or
    /// an [`ExprKind::Lambda`] naming the element (`map(xs, x => x.n)`).
    Map {
        /// The list.
        list: Box<Expr>,
        /// Evaluated per element.
        body: Box<Expr>,
    },
    /// `x => body`: a named element, only as `map`'s body or a `[? ]` condition (the parser
    /// refuses it elsewhere). `param` is each element; `.` keeps the meaning it has outside.
    Lambda {
        /// The element's name.
        param: Ident,
        /// Evaluated per element.
        body: Box<Expr>,
    },
    /// `var(name, default?)` and `env(name, default?)`: a value known when the mapping is
    /// checked. `callee` is the `var`/`env` word, where "not set" errors point.
    CompileTime {
        /// `var` or `env`.
        from: Setting,
        /// The `var`/`env` word.
        callee: Ident,
        /// The variable's name (a constant string).
        name: Box<Expr>,
        /// The value when it is not set (a constant).
        default: Option<Box<Expr>>,
    },
    /// A special form written with the wrong number of arguments. The parser keeps its
    /// arguments and the error (E005), which the checker reports along with the others.
    BadForm {
        /// Which form.
        form: Form,
        /// Its name as written.
        callee: Ident,
        /// The arguments as written, the piped value first.
        args: Vec<Expr>,
        /// The arity error.
        error: Box<Diagnostic>,
    },
}

/// The special forms: written like function calls, but not functions. The parser gives each
/// its own [`ExprKind`] (`map` -> [`ExprKind::Map`], `var`/`env` -> [`ExprKind::CompileTime`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `var(name, default?)`
    Var,
    /// `env(name, default?)`
    Env,
    /// `map(list, body)`
    Map,
}

impl Form {
    /// Every special form, in documentation order.
    pub const ALL: [Form; 3] = [Form::Var, Form::Env, Form::Map];

    /// The name it is called by.
    pub fn name(self) -> &'static str {
        match self {
            Form::Var => "var",
            Form::Env => "env",
            Form::Map => "map",
        }
    }

    /// The special form called `name`, if it is one.
    pub fn parse(name: &str) -> Option<Form> {
        Form::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Where a compile-time value ([`ExprKind::CompileTime`]) comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// `var(...)`: `--var NAME=VALUE`, or `vars:` in clerkmap.yaml.
    Var,
    /// `env(...)`: an environment variable.
    Env,
}

impl Setting {
    /// `var` or `env`, as written.
    pub fn name(self) -> &'static str {
        match self {
            Setting::Var => Form::Var.name(),
            Setting::Env => Form::Env.name(),
        }
    }
}

/// The name `rows` (see [`ExprKind::Rows`]).
pub const ROWS: &str = "rows";

impl Expr {
    /// Whether the expression is a named element, `x => body`.
    pub fn is_lambda(&self) -> bool {
        matches!(self.kind, ExprKind::Lambda { .. })
    }
}
