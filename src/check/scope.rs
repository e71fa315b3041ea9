//! Bindings and slots: what a name means where it is read.
//!
//! A block's `let`s and attributes each get a value slot, in statement order; an attribute read
//! above its assignment is an error (E010) unless a file-level `let` has its name. File-level
//! `let`s are constants ([`Global`]). `rows` is the group's rows, in a grouped block only
//! (E012), unless a local of that name shadows it. A lookup table's name is not a value (E016);
//! anything else is an unknown name (E004), with the closest name or the record field as hint.

use std::collections::HashMap;

use crate::value::{Ty, Value};

use super::compiler::{Compiler, null};
use crate::diagnostic::{Code, Diagnostic, Span, suggest};
use crate::plan::{CExpr, TableId};
use crate::syntax::ast::Ident;

/// The name of the group's key in a grouped block (unless a `let` or attribute has it).
pub(super) const GROUP_KEY: &str = "key";

/// What a name in a block is bound to.
#[derive(Clone)]
pub(super) enum Binding {
    /// A `let` or an attribute assigned above: its value slot and static type.
    Slot {
        slot: usize,
        ty: Ty,
        /// Where it is defined.
        span: Span,
    },
    /// An attribute assigned further down the block, at `span` (for E010).
    Later { span: Span },
    /// A named element, `x => ...`: the `level`-th named element from the outside.
    Element { level: usize },
}

/// A file-level `let`: a constant.
pub(super) struct Global {
    /// Its value (null when it could not be computed: the error is already reported).
    pub(super) value: Value,
    /// Where it is defined.
    pub(super) span: Span,
}

/// Where an expression is evaluated.
pub(super) struct Scope {
    /// Whether `.` is a record (false at file level).
    pub(super) has_record: bool,
    /// Whether the block has `group by` (so `rows` exists).
    pub(super) grouped: bool,
    /// The slot of the group's key (the name `key`), where it can be read.
    pub(super) key_slot: Option<usize>,
    /// The block's names.
    pub(super) locals: HashMap<String, Binding>,
    /// Slots used so far.
    pub(super) slots: usize,
    /// The tables read so far by the block's expressions.
    pub(super) tables_used: Vec<TableId>,
    /// In a function's body, its name: there is no record and no `rows` (E020).
    pub(super) function: Option<String>,
    /// How many named elements (`x => ...`) are around the expression.
    pub(super) elements: usize,
}

impl Scope {
    /// A file-level `let`: no record, no locals.
    pub(super) fn file() -> Scope {
        Scope {
            has_record: false,
            grouped: false,
            key_slot: None,
            locals: HashMap::new(),
            slots: 0,
            tables_used: Vec::new(),
            function: None,
            elements: 0,
        }
    }

    /// A function's body: no record, its parameters in slots `0..n`.
    pub(super) fn function(name: &str, params: &[Ident]) -> Scope {
        let mut scope = Scope {
            function: Some(name.to_string()),
            ..Scope::file()
        };
        for p in params {
            scope.bind(p, Ty::ANY);
        }
        scope
    }

    /// An expression over a record (a block, a lookup key).
    pub(super) fn record() -> Scope {
        Scope {
            has_record: true,
            ..Scope::file()
        }
    }

    /// The scope of an expression evaluated per element (a `[? ...]` condition, `map`'s body):
    /// `.` is the element, the names are the block's. It takes the tables read so far; give
    /// them back with [`Scope::end_nested`].
    pub(super) fn per_element(&mut self) -> Scope {
        Scope {
            has_record: true,
            grouped: self.grouped,
            key_slot: self.key_slot,
            locals: self.locals.clone(),
            slots: self.slots,
            tables_used: std::mem::take(&mut self.tables_used),
            function: self.function.clone(),
            elements: self.elements,
        }
    }

    /// The scope of a named element's body (`x => body`, per element): `.` is what it is
    /// around it, `param` the element. Give the tables back with [`Scope::end_nested`].
    pub(super) fn named_element(&mut self, param: &Ident) -> Scope {
        let has_record = self.has_record;
        let mut scope = self.per_element();
        scope.has_record = has_record;
        scope.locals.insert(
            param.name.clone(),
            Binding::Element {
                level: scope.elements,
            },
        );
        scope.elements += 1;
        scope
    }

    /// A scope for a block header's `group by` or `where`: the record, no locals. It takes
    /// the tables read so far; give them back with [`Scope::end_nested`].
    pub(super) fn header(&mut self, grouped: bool) -> Scope {
        Scope {
            grouped,
            tables_used: std::mem::take(&mut self.tables_used),
            ..Scope::record()
        }
    }

    /// Takes back the tables a nested scope read.
    pub(super) fn end_nested(&mut self, nested: Scope) {
        self.tables_used = nested.tables_used;
    }

    /// Binds `name` to a new slot; returns it.
    pub(super) fn bind(&mut self, name: &Ident, ty: Ty) -> usize {
        let slot = self.slots;
        self.slots += 1;
        self.locals.insert(
            name.name.clone(),
            Binding::Slot {
                slot,
                ty,
                span: name.span,
            },
        );
        slot
    }
}

impl Compiler<'_> {
    /// `rows`: the group's rows, unless a local of that name shadows it.
    pub(super) fn rows(&mut self, id: &Ident, scope: &mut Scope) -> (CExpr, Ty) {
        if scope.locals.contains_key(&id.name) {
            return self.name(id, scope);
        }
        if let Some(f) = &scope.function {
            self.record_in_function(id.span, f, "`rows`");
            return null();
        }
        if !scope.grouped {
            self.diags.push(
                Diagnostic::error(
                    Code::RowsOutsideGroup,
                    id.span,
                    "`rows` only exists in a block with `group by`",
                )
                .hint(
                    "add `group by EXPR` to the block header (the field its rows share, e.g. `group by .sku`), or read the record's own fields with `.name`",
                ),
            );
            return null();
        }
        (CExpr::Rows, Ty::LIST)
    }

    /// A name: a local, a file-level `let`, the group's `key`, or an error.
    pub(super) fn name(&mut self, id: &Ident, scope: &mut Scope) -> (CExpr, Ty) {
        if id.name == GROUP_KEY
            && let Some(slot) = scope.key_slot
        {
            if !scope.locals.contains_key(&id.name) && !self.globals.contains_key(&id.name) {
                return (CExpr::Slot(slot), Ty::STRING);
            }
            self.diags.push(
                Diagnostic::warning(
                    Code::KeyHidden,
                    id.span,
                    "`key` here is the `let` (or attribute) of that name, not the group's key",
                )
                .label("not the group's key")
                .hint("rename the `let` to read the group's key as `key`"),
            );
        }
        match scope.locals.get(&id.name) {
            Some(Binding::Slot { slot, ty, .. }) => return (CExpr::Slot(*slot), *ty),
            Some(Binding::Element { level }) => {
                let up = scope.elements.saturating_sub(level + 1);
                return (CExpr::Bound(up), Ty::ANY);
            }
            // Not assigned yet in this block: the file-level `let` of that name.
            Some(Binding::Later { .. }) if self.globals.contains_key(&id.name) => {}
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
        if let Some(g) = self.globals.get(&id.name) {
            return (CExpr::Const(g.value.clone()), Ty::of(&g.value));
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
        self.unknown_name(id, scope);
        null()
    }

    fn unknown_name(&mut self, id: &Ident, scope: &Scope) {
        let mut candidates: Vec<&str> = self.globals.keys().map(String::as_str).collect();
        candidates.extend(scope.locals.keys().map(String::as_str));
        let mut best = None;
        let hint = if self.fns.contains_key(&id.name) {
            Some(format!("`{0}` is a function: call it, `{0}(...)`", id.name))
        } else if scope.function.is_some() && self.file_lets.contains(&id.name) {
            Some(format!(
                "a function sees the file-level `let`s above the place it is defined or first used: move `let {}` up",
                id.name
            ))
        } else {
            best = suggest::closest(&id.name, candidates.iter().copied());
            best.map(suggest::did_you_mean_text).or_else(|| match scope.function {
                // A function has no record: `.` there is the element of a `[? ]` or `map`.
                Some(_) if scope.has_record => Some(format!(
                    "to read the element's field, write `.{0}`; to name the element, write `[? {0} => ...]` or `map(list, {0} => ...)`",
                    id.name
                )),
                _ => scope
                    .has_record
                    .then(|| format!("to read the record field, write `.{}`", id.name)),
            })
        };
        self.diags.push(
            Diagnostic::error(
                Code::UnknownName,
                id.span,
                format!("unknown name `{}`", id.name),
            )
            .label("not defined")
            .hint_opt(hint)
            .replace_with(id.span, best),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::json;

    use super::super::testing::*;
    use crate::diagnostic::{Code, Span};
    use crate::plan::CExpr;

    #[test]
    fn lets_and_attributes_get_slots_in_order() {
        let src = "customers from c {\n  let a = .x\n  id = a\n  email = id\n}";
        let p = program(src);
        assert_eq!(p.blocks[0].slots, 3);
        assert!(matches!(attribute(src, "id"), CExpr::Slot(0)));
        assert!(matches!(attribute(src, "email"), CExpr::Slot(1)));
        assert_eq!(p.blocks[0].id_slot, Some(1));
    }

    #[test]
    fn a_file_level_let_is_a_constant() {
        let src = "let site = \"https://x.test\"\ncustomers from c { id = .id, name = site }";
        assert!(matches!(attribute(src, "name"), CExpr::Const(v) if v == json!("https://x.test")));
    }

    #[test]
    fn an_attribute_used_before_its_assignment_points_at_both() {
        let src = "customers from c {\n  id = email\n  email = .e\n}";
        let d = only(src);
        assert_eq!(d.code, Code::UsedBeforeAssigned);
        assert_eq!(d.message, "attribute `email` is used before it is assigned");
        assert_eq!(d.span(), span_of(src, "email", 0));
        assert_eq!(d.labels[0].text, "not assigned yet");
        assert_eq!(d.labels[1].span, span_of(src, "email", 1));
        assert_eq!(d.labels[1].text, "assigned here");
    }

    #[test]
    fn before_its_assignment_an_attribute_name_is_the_file_level_let() {
        let src = "let email = \"x@y.z\"\ncustomers from c { id = email, email = .e }";
        assert!(matches!(attribute(src, "id"), CExpr::Const(v) if v == json!("x@y.z")));
    }

    #[test]
    fn rows_only_in_a_grouped_block() {
        let src = "customers from c group by .g { id = rows[0].id }";
        let CExpr::Path { base, .. } = attribute(src, "id") else {
            panic!("not a path");
        };
        assert!(matches!(*base, CExpr::Rows));
        let src = "customers from c { id = rows }";
        let d = only(src);
        assert_eq!(d.code, Code::RowsOutsideGroup);
        assert_eq!(d.span(), span_of(src, "rows", 0));
    }

    #[test]
    fn a_local_called_rows_shadows_the_group() {
        let src = "customers from c { let rows = 7, id = rows }";
        assert!(matches!(attribute(src, "id"), CExpr::Slot(0)));
    }

    #[test]
    fn key_is_the_groups_key_in_a_grouped_block_unless_a_let_has_the_name() {
        let src = "customers from c group by each .paths where key != \"x\" { id = key }";
        let p = program(src);
        assert_eq!(p.blocks[0].key_slot, Some(0));
        assert!(p.blocks[0].group_each);
        assert!(matches!(attribute(src, "id"), CExpr::Slot(0)));
        // The block's own `let`, or the file's: that value, with a warning.
        for src in [
            "customers from c group by .g { let key = 7, id = key }",
            "let key = 7\ncustomers from c group by .g { id = key }",
        ] {
            let d = only(src);
            assert_eq!(d.code, Code::KeyHidden, "{src}");
            assert_eq!(d.span(), span_of(src, "key", 1), "{src}");
        }
        // Without `group by`, no key (and `group by` itself cannot read it).
        for src in [
            "customers from c { id = key }",
            "customers from c group by key { id = .id }",
        ] {
            assert_eq!(only(src).code, Code::UnknownName, "{src}");
        }
    }

    #[test]
    fn a_table_is_not_a_value() {
        let src = "lookup t by .k\ncustomers from c { id = t, name = lookup(t, .k).n }";
        let d = only(src);
        assert_eq!(d.code, Code::TableAsValue);
        assert_eq!(d.message, "`t` is a lookup table, not a value");
        let at = span_of(src, "t,", 0);
        assert_eq!(d.span(), Span::new(at.start, at.start + 1));
    }

    #[test]
    fn unknown_names_suggest_a_name_or_the_record_field() {
        let src = "let site = 1\ncustomers from c { id = sit, name = titolo }";
        let d = diags(src);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].code, Code::UnknownName);
        assert_eq!(d[0].span(), span_of(src, "sit", 1));
        assert_eq!(d[0].hint.as_deref(), Some("did you mean `site`?"));
        assert_eq!(d[1].message, "unknown name `titolo`");
        assert_eq!(
            d[1].hint.as_deref(),
            Some("to read the record field, write `.titolo`")
        );
        // At file level there is no record to point to.
        let d = only("let a = zzz");
        assert_eq!(d.hint, None);
        // In a function, `.` is an element of a filter or `map`, which can be named too.
        let d = only("fn f(xs) = xs[? v.n == 1]\ncustomers from c { id = .id, x = f(.a) }");
        assert_eq!(
            d.hint.as_deref(),
            Some(
                "to read the element's field, write `.v`; to name the element, write `[? v => ...]` or `map(list, v => ...)`"
            )
        );
    }
}
