//! The compiled program: names resolved to slots, constants folded, functions bound, tables
//! numbered. A [`Program`] is immutable and `Send + Sync`: every worker thread evaluates records
//! against the same one.

use serde_json::Value;

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
    /// that use them; kept for tools that show them, like `explain`).
    pub globals: Vec<(String, Value)>,
}

/// A `lookup NAME by KEY parent PARENT` declaration.
#[derive(Debug)]
pub struct TablePlan {
    /// The table's name, also the name of the input its rows come from.
    pub name: String,
    /// The key of a row (evaluated with `.` = the row): a string or an int.
    pub key: CExpr,
    /// The key of a row's parent, for hierarchies (`ancestors`, `children`).
    pub parent: Option<CExpr>,
    /// Declared `optional`: without its input the table is empty.
    pub optional: bool,
    /// The declaration in the mapping.
    pub span: Span,
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
    },
    /// `where expr` inside a block: the record is filtered out unless it holds.
    Where {
        /// The condition.
        expr: CExpr,
        /// The condition in the mapping.
        span: Span,
    },
}

/// One step of a path after its base.
#[derive(Debug)]
pub enum Step {
    /// `.name`
    Field(String),
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
    },
    /// `[a, b]`
    List(Vec<CExpr>),
    /// `{key: value}`
    Object(Vec<(String, CExpr)>),
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
    /// `-x`, `not x`.
    Unary(UnOp, Box<CExpr>, Span),
    /// `a op b`.
    Binary(BinOp, Box<CExpr>, Box<CExpr>, Span),
    /// `if c { a } else { b }` (no `else`: null).
    If(Box<CExpr>, Box<CExpr>, Option<Box<CExpr>>, Span),
    /// `match x { lits => v, _ => w }`: arms with their literals (`None` = `_`), in order.
    Match(Box<CExpr>, Vec<(Option<Vec<Value>>, CExpr)>),
    /// `map(list, expr)`: `expr` evaluated with `.` = each element; nulls dropped.
    Map(Box<CExpr>, Box<CExpr>, Span),
}

impl CExpr {
    /// The constant, when the expression is one.
    pub fn as_const(&self) -> Option<&Value> {
        match self {
            CExpr::Const(v) => Some(v),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn program_is_send_and_sync() {
        assert_send_sync::<super::Program>();
    }
}
