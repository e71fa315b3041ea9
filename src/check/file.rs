//! A file's items: lookup tables (numbered first, so that a block above a declaration may use
//! it; their keys checked at their place, seeing the `let`s above), user functions (declared
//! next, for the same reason: see `func`), file-level `let`s (constants computed now: E015 when
//! one needs a record), entity blocks (one per Clerk type). Anything defined twice is E009,
//! pointing at both definitions; a table no function reads is W002.

use std::collections::HashMap;

use crate::value::Value;

use super::compiler::Compiler;
use super::scope::{Global, Scope};
use crate::clerk::Entity;
use crate::diagnostic::{Code, Diagnostic, Span, suggest};
use crate::plan::{BlockPlan, CExpr, Lenient, Program, TableId, TablePlan};
use crate::syntax::ast::{Block, File, InputDecl, Item, Let, LookupDecl};

impl Compiler<'_> {
    /// Checks and lowers a whole file.
    pub(super) fn file(&mut self, file: &File) -> Program {
        let mut program = Program {
            tables: Vec::new(),
            blocks: Vec::new(),
            globals: Vec::new(),
            secrets: Default::default(),
            inputs: Vec::new(),
            vars: Vec::new(),
            left_out: Vec::new(),
        };
        self.sources = file
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Block(b) => Some(b.source.name.clone()),
                _ => None,
            })
            .collect();
        self.file_lets = file
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Let(l) => Some(l.name.name.clone()),
                _ => None,
            })
            .collect();
        // Functions are declared first, so a call above a declaration finds it.
        self.declare_fns(file);
        // Tables are numbered first, so blocks above a declaration may use it; their keys are
        // checked at their place, below the `let`s above them.
        let mut declared = 0;
        for item in &file.items {
            if let Item::Lookup(l) = item
                && self.declare_table(l, declared)
            {
                declared += 1;
            }
        }
        let mut seen: HashMap<Entity, Span> = HashMap::new();
        for item in &file.items {
            match item {
                Item::Let(l) => {
                    if let Some(value) = self.global_let(l) {
                        program.globals.push((l.name.name.clone(), value));
                    }
                }
                Item::Lookup(l) => {
                    if let Some(t) = self.lookup(l, program.tables.len()) {
                        program.tables.push(t);
                    }
                }
                Item::Fn(f) => self.define_fn(f),
                Item::Input(i) => self.input_decl(i, &mut program.inputs, &file.items),
                Item::Block(b) => {
                    if let Some(plan) = self.block(b)
                        && self.first_block_of_its_type(b, &plan, &mut seen)
                    {
                        program.blocks.push(plan);
                    }
                }
            }
        }
        // The fields of their rows the mapping reads, from grouped inputs and from tables.
        crate::plan::fields::analyse(&mut program);
        self.table_cycles(&program.tables);
        self.unused_tables(&program.tables);
        self.unused_fns();
        for (id, t) in program.tables.iter_mut().enumerate() {
            t.keep_all = self.tables_read_all.contains(&id);
        }
        for b in &mut program.blocks {
            b.secrets = self.secrets.clone();
        }
        program.secrets = self.secrets.clone();
        program.vars = std::mem::take(&mut self.vars);
        program
    }

    /// `input NAME lenient [ragged]`: once per input (E009), for a source or a table of the
    /// file (E004 otherwise: the declaration would change nothing).
    fn input_decl(&mut self, d: &InputDecl, inputs: &mut Vec<(String, Lenient)>, items: &[Item]) {
        let name = &d.name.name;
        if inputs.iter().any(|(n, _)| n == name) {
            self.diags.push(
                Diagnostic::error(
                    Code::Duplicate,
                    d.name.span,
                    format!("input `{name}` is declared twice"),
                )
                .hint("keep one `input` line per input"),
            );
            return;
        }
        let known = items.iter().any(|i| match i {
            Item::Block(b) => b.source.name == *name,
            Item::Lookup(l) => l.from.as_ref().unwrap_or(&l.name).name == *name,
            _ => false,
        });
        if !known {
            let names = items.iter().filter_map(|i| match i {
                Item::Block(b) => Some(b.source.name.as_str()),
                Item::Lookup(l) => Some(l.from.as_ref().unwrap_or(&l.name).name.as_str()),
                _ => None,
            });
            self.diags.push(
                Diagnostic::error(
                    Code::UnknownName,
                    d.name.span,
                    format!("no block reads from `{name}` and no lookup table has that name"),
                )
                .label("not an input of this mapping")
                .hint_opt(suggest::did_you_mean(name, names)),
            );
            return;
        }
        let lenient = if d.ragged {
            Lenient::Ragged
        } else {
            Lenient::Trailing
        };
        inputs.push((name.clone(), lenient));
    }

    /// Numbers the table of `lookup NAME ...` `id`; false (E009) when the name is taken.
    fn declare_table(&mut self, l: &LookupDecl, id: TableId) -> bool {
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
            return false;
        }
        self.tables.insert(l.name.name.clone(), (id, l.name.span));
        true
    }

    /// `lookup NAME by KEY parent PARENT`, the `id`th table declared; `None` for a second
    /// declaration of a name (E009, reported by [`Compiler::declare_table`]).
    fn lookup(&mut self, l: &LookupDecl, id: TableId) -> Option<TablePlan> {
        if self.tables.get(&l.name.name) != Some(&(id, l.name.span)) {
            return None;
        }
        let mut scope = Scope::record();
        let (key, _) = self.expr(&l.key, &mut scope);
        let parent = l.parent.as_ref().map(|p| self.expr(p, &mut scope).0);
        let mut uses = scope.tables_used;
        uses.sort_unstable();
        uses.dedup();
        Some(TablePlan {
            name: l.name.name.clone(),
            input: l.from.as_ref().unwrap_or(&l.name).name.clone(),
            key,
            parent,
            optional: l.optional,
            uses,
            // Set once every block is checked.
            keep_all: false,
            row_fields: None,
            span: l.span,
        })
    }

    /// E023 for each cycle of tables whose keys (or parents) look each other up: they could
    /// not be loaded one after the other.
    fn table_cycles(&mut self, tables: &[TablePlan]) {
        for cycle in crate::plan::table_cycles(tables) {
            let Some(&first) = cycle.first() else {
                continue;
            };
            let names: Vec<&str> = cycle
                .iter()
                .chain(std::iter::once(&first))
                .map(|&t| tables[t].name.as_str())
                .collect();
            let span_of = |t: TableId| {
                self.tables
                    .get(&tables[t].name)
                    .map_or(tables[t].span, |(_, s)| *s)
            };
            let (message, label) = if cycle.len() == 1 {
                (
                    format!(
                        "lookup table `{}` looks itself up to compute its key or parent",
                        names[0]
                    ),
                    "its key or parent looks this table up",
                )
            } else {
                (
                    format!(
                        "lookup tables look each other up in a cycle: {}",
                        names.join(" -> ")
                    ),
                    "its key or parent looks up the next table of the cycle",
                )
            };
            let mut d = Diagnostic::error(Code::TableCycle, span_of(first), message)
                .label(label)
                .hint("a table's key and parent may only look up tables that do not need it: compute one of them from the row alone");
            for &t in &cycle[1..] {
                d = d.secondary(span_of(t), format!("`{}` is in the cycle", tables[t].name));
            }
            self.diags.push(d);
        }
    }

    /// A file-level `let`: computed now, so it must be a constant. Its value, unless it is a
    /// second definition.
    fn global_let(&mut self, l: &Let) -> Option<Value> {
        if let Some(first) = self.globals.get(&l.name.name) {
            self.diags.push(
                Diagnostic::error(
                    Code::Duplicate,
                    l.name.span,
                    format!("`{}` is defined twice", l.name.name),
                )
                .secondary(first.span, "first defined here")
                .hint("give the second `let` another name"),
            );
            return None;
        }
        let mut scope = Scope::file();
        let errors_before = self.error_count();
        let value = match self.expr(&l.value, &mut scope).0 {
            CExpr::Const(v) => v,
            _ => {
                if self.error_count() == errors_before {
                    self.diags.push(
                        Diagnostic::error(
                            Code::RecordOutsideBlock,
                            l.value.span,
                            format!(
                                "`{}` cannot be computed before any record is read",
                                l.name.name
                            ),
                        )
                        .label("needs a record, a lookup table or a per-element expression")
                        .hint("move this `let` inside the entity block that uses it"),
                    );
                }
                // Bind null to avoid follow-up "unknown name" noise.
                Value::Null
            }
        };
        let global = Global {
            value: value.clone(),
            span: l.name.span,
        };
        self.globals.insert(l.name.name.clone(), global);
        Some(value)
    }

    /// Whether `plan` is the first block of its type; reports the second one.
    fn first_block_of_its_type(
        &mut self,
        b: &Block,
        plan: &BlockPlan,
        seen: &mut HashMap<Entity, Span>,
    ) -> bool {
        if let Some(first) = seen.get(&plan.entity) {
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
            return false;
        }
        seen.insert(plan.entity, b.entity.span);
        true
    }

    /// W002 for each table no function reads.
    fn unused_tables(&mut self, tables: &[TablePlan]) {
        for t in tables {
            let Some((id, span)) = self.tables.get(&t.name) else {
                continue;
            };
            if !self.tables_read.contains(id) {
                self.diags.push(
                    Diagnostic::warning(
                        Code::UnusedLookup,
                        *span,
                        format!("lookup table `{}` is never used", t.name),
                    )
                    .hint(
                        "remove the declaration, or use it with lookup(), ancestors() or children()",
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::json;

    use super::super::testing::*;
    use crate::diagnostic::{Code, Severity};
    use crate::plan::CExpr;

    #[test]
    fn tables_are_numbered_before_blocks_read_them() {
        let src = "customers from c { id = lookup(t, .k).id }\nlookup t by .codice optional";
        let p = program(src);
        assert_eq!(p.tables.len(), 1);
        assert!(p.tables[0].optional);
        assert_eq!(p.blocks[0].tables, [0]);
    }

    #[test]
    fn a_table_key_sees_the_lets_above_it_and_functions() {
        let src = "let sep = \" > \"\nfn key_of(p) = p | path_parent(sep)\nlookup t by key_of(.path) parent .p ~ sep\ncustomers from c { id = lookup(t, .k).id }";
        assert!(diags(src).is_empty(), "{:?}", diags(src));
        let src = "lookup t by .a ~ sep\nlet sep = 1\ncustomers from c { id = lookup(t, .k).id }";
        assert_eq!(only(src).code, Code::UnknownName);
    }

    #[test]
    fn a_table_declared_twice_points_at_both() {
        let src = "lookup t by .a\nlookup t by .b\ncustomers from c { id = lookup(t, .k).id }";
        let d = only(src);
        assert_eq!(d.code, Code::Duplicate);
        assert_eq!(d.message, "lookup table `t` is declared twice");
        assert_eq!(d.span(), span_of(src, "t", 1));
        assert_eq!(d.labels[1].span, span_of(src, "t", 0));
        assert_eq!(d.labels[1].text, "first declaration");
    }

    #[test]
    fn a_file_level_let_twice_points_at_both() {
        let src = "let a = 1\nlet a = 2\ncustomers from c { id = a }";
        let d = only(src);
        assert_eq!(d.code, Code::Duplicate);
        assert_eq!(d.message, "`a` is defined twice");
        assert_eq!(d.span(), span_of(src, "a", 1));
        assert_eq!(d.labels[1].span, span_of(src, "a", 0));
        assert_eq!(d.labels[1].text, "first defined here");
    }

    #[test]
    fn a_file_level_let_is_folded_and_may_use_the_ones_above() {
        let src = "let a = 2\nlet b = a * 3\ncustomers from c { id = b }";
        assert!(matches!(attribute(src, "id"), CExpr::Const(v) if v == json!(6)));
    }

    #[test]
    fn a_file_level_let_that_needs_a_table_is_refused_once() {
        let src = "lookup t by .k\nlet a = lookup(t, \"x\")\ncustomers from c { id = a }";
        let d = only(src);
        assert_eq!(d.code, Code::RecordOutsideBlock);
        assert_eq!(
            d.message,
            "`a` cannot be computed before any record is read"
        );
        assert_eq!(d.span(), span_of(src, "lookup(t, \"x\")", 0));
        // Reading the record is reported where it is read, not twice.
        assert_eq!(codes("let a = .x ~ \"y\""), ["E015"]);
    }

    #[test]
    fn a_second_block_of_a_type_points_at_the_first() {
        let src = "customers from a { id = .x }\ncustomers from b { id = .y }";
        let d = only(src);
        assert_eq!(d.code, Code::Duplicate);
        assert_eq!(d.message, "a second `customers` block");
        assert_eq!(d.span(), span_of(src, "customers", 1));
        assert_eq!(d.labels[1].span, span_of(src, "customers", 0));
        assert_eq!(d.labels[1].text, "the first block");
    }

    #[test]
    fn an_unused_table_is_a_warning() {
        let src = "lookup t by .k\ncustomers from c { id = .x }";
        let d = only(src);
        assert_eq!(d.code, Code::UnusedLookup);
        assert_eq!(d.severity, Severity::Warning);
        assert_eq!(d.span(), span_of(src, "t", 0));
    }
}
