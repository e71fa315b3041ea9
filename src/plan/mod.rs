//! The compiled program: names resolved to slots, constants folded, functions bound, tables
//! numbered. A [`Program`] is immutable and `Send + Sync`: every worker thread evaluates records
//! against the same one.

use serde_json::Value;

use crate::clerk::Entity;
use crate::functions::Function;
use crate::syntax::ast::{BinOp, Span, UnOp};

pub type TableId = usize;

#[derive(Debug)]
pub struct Program {
    pub tables: Vec<TablePlan>,
    pub blocks: Vec<BlockPlan>,
    /// The file-level `let`s with their values, in file order (folded into the expressions
    /// that use them; kept for tools that show them, like `explain`).
    pub globals: Vec<(String, Value)>,
}

/// A `lookup NAME by KEY parent PARENT` declaration.
#[derive(Debug)]
pub struct TablePlan {
    /// The table's name, also the `--input` name its rows come from.
    pub name: String,
    pub key: CExpr,
    pub parent: Option<CExpr>,
    /// Declared `optional`: without its input the table is empty.
    pub optional: bool,
    pub span: Span,
}

#[derive(Debug)]
pub struct BlockPlan {
    pub entity: Entity,
    /// The `--input` name records come from.
    pub source: String,
    pub group_by: Option<CExpr>,
    pub filter: Option<CExpr>,
    /// The span of the header's `where` condition.
    pub filter_span: Span,
    pub ops: Vec<Op>,
    /// Number of value slots (lets and attributes) a record's evaluation needs.
    pub slots: usize,
    /// Tables this block's expressions read.
    pub tables: Vec<TableId>,
    /// The slot of the `id` attribute, to name rejected records.
    pub id_slot: Option<usize>,
    pub span: Span,
}

#[derive(Debug)]
pub enum Op {
    Let {
        slot: usize,
        expr: CExpr,
    },
    Assign {
        slot: usize,
        name: String,
        expr: CExpr,
    },
    Spread {
        expr: CExpr,
        span: Span,
    },
    Where {
        expr: CExpr,
        span: Span,
    },
}

/// One step of a path after its base.
#[derive(Debug)]
pub enum Step {
    Field(String),
    Index(CExpr),
    /// `[*]`
    Each,
    /// `[? cond]`
    Filter(CExpr, Span),
}

impl Step {
    pub fn projects(&self) -> bool {
        matches!(self, Step::Each | Step::Filter(..))
    }
}

#[derive(Debug)]
pub enum CExpr {
    Const(Value),
    /// `.`
    Current,
    /// `rows`: the rows of the current group.
    Rows,
    Slot(usize),
    Path {
        base: Box<CExpr>,
        steps: Vec<Step>,
        /// Whether a step projects (`[*]`, `[? ]`): the result is then a list.
        projects: bool,
    },
    List(Vec<CExpr>),
    Object(Vec<(String, CExpr)>),
    Call {
        f: &'static Function,
        table: Option<TableId>,
        args: Vec<CExpr>,
        /// The first parameter takes a single value but may receive a list: apply per element.
        map_first: bool,
        span: Span,
    },
    Unary(UnOp, Box<CExpr>, Span),
    Binary(BinOp, Box<CExpr>, Box<CExpr>, Span),
    If(Box<CExpr>, Box<CExpr>, Option<Box<CExpr>>, Span),
    Match(Box<CExpr>, Vec<(Option<Vec<Value>>, CExpr)>),
    /// `map(list, expr)`: `expr` evaluated with `.` = each element; nulls dropped.
    Map(Box<CExpr>, Box<CExpr>, Span),
}

impl CExpr {
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
