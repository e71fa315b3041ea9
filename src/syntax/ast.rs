//! The mapping file's syntax tree. Every node carries the byte span it came from, so later
//! stages can point at it in diagnostics.

use serde_json::Value;

pub use crate::diagnostic::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Let(Let),
    Lookup(LookupDecl),
    Block(Block),
}

/// `let name = expr`
#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `lookup categorie by .codice parent .codicePadre`
#[derive(Debug, Clone, PartialEq)]
pub struct LookupDecl {
    pub name: Ident,
    pub key: Expr,
    pub parent: Option<Expr>,
    /// A run without this input gets an empty table instead of an error.
    pub optional: bool,
    pub span: Span,
}

/// `products from articoli group by .codice where .pubblicato == "SI" { ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub entity: Ident,
    pub source: Ident,
    pub group_by: Option<Expr>,
    pub filter: Option<Expr>,
    pub stmts: Vec<Stmt>,
    /// The header, `products from articoli ...` up to `{`.
    pub header: Span,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// `name = expr`; the name is as written (it may be invalid for Clerk: the checker says so).
    Assign {
        name: Ident,
        value: Expr,
    },
    Let(Let),
    /// `...expr`: one attribute per key of an object.
    Spread {
        value: Expr,
        span: Span,
    },
    /// `where expr` inside a block: the record is filtered out unless it holds.
    Where {
        cond: Expr,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Coalesce,
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Concat,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinOp {
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
    Any,
    Literals(Vec<Value>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arm {
    pub pattern: Pattern,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Literal(Value),
    List(Vec<Expr>),
    Object(Vec<(String, Expr)>),
    /// `.`: the current record (or list element inside `[? ...]`).
    Current,
    /// A name: a `let`, an attribute mapped earlier in the block, `rows`, or a table name
    /// (as a function argument).
    Name(Ident),
    /// `x.name`, `x."Codice EAN"`
    Field(Box<Expr>, String),
    /// `x[i]`, `x["key"]`
    Index(Box<Expr>, Box<Expr>),
    /// `x[*]`: what follows applies to every element.
    Wildcard(Box<Expr>),
    /// `x[? cond]`: the elements for which `cond` (with `.` = the element) is true.
    Filter(Box<Expr>, Box<Expr>),
    /// `f(a, b)`, or `a | f(b)` (then `piped` is true and `a` is the first argument).
    Call {
        name: Ident,
        args: Vec<Expr>,
        piped: bool,
    },
    /// A parenthesised path: what follows applies to its whole value.
    Paren(Box<Expr>),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    If {
        cond: Box<Expr>,
        then: Box<Expr>,
        els: Option<Box<Expr>>,
    },
    Match {
        value: Box<Expr>,
        arms: Vec<Arm>,
    },
}
