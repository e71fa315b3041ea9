//! An entity block: its header (the Clerk type, E011; `group by`; `where`) and its statements
//! in order: `let`s and attributes (each a slot; a name defined twice is E009, pointing at the
//! first definition), spreads (of an object, E008) and `where`s (a bool, E008). The attributes
//! are then held to Clerk's contract ([`super::contract`]).

use std::collections::HashMap;

use super::compiler::Compiler;
use super::scope::{Binding, Scope};
use crate::clerk::Entity;
use crate::diagnostic::{Code, Diagnostic, Span, suggest};
use crate::plan::{BlockPlan, Op};
use crate::syntax::ast::{Block, Expr, ExprKind, Ident, Let, ObjectKey, Stmt};
use crate::value::Ty;

/// What the statements of a block have built so far.
#[derive(Default)]
struct Body {
    ops: Vec<Op>,
    /// Attributes assigned, with where.
    assigned: HashMap<String, Span>,
    /// The slot of `id`.
    id_slot: Option<usize>,
}

impl Compiler<'_> {
    /// Checks and lowers a block; `None` when its type is unknown (already reported).
    pub(super) fn block(&mut self, b: &Block) -> Option<BlockPlan> {
        let entity = self.entity(&b.entity);
        let mut scope = Scope::record();
        scope.grouped = b.group_by.is_some();
        // The group's key (the name `key`) has the block's first slot.
        let key_slot = scope.grouped.then(|| {
            scope.slots += 1;
            0
        });
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
            let mut s = scope.header(false);
            let e = self.expr(g, &mut s).0;
            scope.end_nested(s);
            e
        });
        scope.key_slot = key_slot;
        let filter = b.filter.as_ref().map(|f| {
            let mut s = scope.header(scope.grouped);
            s.key_slot = key_slot;
            let (e, ty) = self.expr(f, &mut s);
            scope.end_nested(s);
            self.expect_bool(ty, f.span, "a `where` condition");
            e
        });
        let mut body = Body::default();
        for s in &b.stmts {
            match s {
                Stmt::Let(l) => self.local_let(l, &mut scope, &mut body),
                Stmt::Assign { name, value } => {
                    self.assign(entity, name, value, &mut scope, &mut body)
                }
                Stmt::Spread { value, span } => {
                    let (expr, ty) = self.expr(value, &mut scope);
                    self.expect_object(ty, value.span);
                    let verbatim = self.verbatim_spread(value);
                    body.ops.push(Op::Spread {
                        expr,
                        span: *span,
                        verbatim,
                    });
                }
                Stmt::Where { cond, .. } => {
                    let (expr, ty) = self.expr(cond, &mut scope);
                    self.expect_bool(ty, cond.span, "a `where` condition");
                    body.ops.push(Op::Where {
                        expr,
                        span: cond.span,
                    });
                }
            }
        }
        let entity = entity?;
        self.required_attributes(entity, b.header, &body.assigned);
        let mut tables = scope.tables_used;
        tables.sort_unstable();
        tables.dedup();
        Some(BlockPlan {
            entity,
            source: b.source.name.clone(),
            group_by,
            group_each: b.group_each,
            fill_down: b.fill_down,
            group_span: b.group_by.as_ref().map(|g| g.span),
            key_slot,
            filter,
            filter_span: b.filter.as_ref().map_or(b.header, |f| f.span),
            ops: body.ops,
            slots: scope.slots,
            tables,
            id_slot: body.id_slot,
            span: b.span,
            secrets: Default::default(),
            row_fields: None,
        })
    }

    /// The block's Clerk type (E011 when there is no such type).
    fn entity(&mut self, name: &Ident) -> Option<Entity> {
        let entity = Entity::parse(&name.name);
        if entity.is_none() {
            let names = Entity::ALL.map(Entity::name);
            let best = suggest::closest(&name.name, names);
            let hint = best
                .map(suggest::did_you_mean_text)
                .unwrap_or_else(|| format!("use one of {}", names.join(", ")));
            self.diags.push(
                Diagnostic::error(
                    Code::UnknownEntity,
                    name.span,
                    format!("unknown Clerk type `{}`", name.name),
                )
                .label("not a Clerk type")
                .hint(hint)
                .replace_with(name.span, best),
            );
        }
        entity
    }

    /// `let name = value` in a block: a new slot, unless the name is taken.
    fn local_let(&mut self, l: &Let, scope: &mut Scope, body: &mut Body) {
        let (expr, ty) = self.expr(&l.value, scope);
        if let Some(first) = scope.locals.get(&l.name.name) {
            let (span, text) = match first {
                Binding::Slot { span, .. } => (*span, "first defined here"),
                Binding::Later { span } => (*span, "an attribute of the same name"),
                // Statements are never inside a named element's body.
                Binding::Element { .. } => (l.name.span, "a named element"),
            };
            self.diags.push(
                Diagnostic::error(
                    Code::Duplicate,
                    l.name.span,
                    format!("`{}` is already defined in this block", l.name.name),
                )
                .secondary(span, text)
                .hint("give the `let` another name"),
            );
            // Bound all the same: the uses below it mean it (not the attribute of the same
            // name further down, which would make each of them an E010 of its own).
        }
        let slot = scope.bind(&l.name, ty);
        body.ops.push(Op::Let { slot, expr });
    }

    /// `name = value`: an attribute, held to the contract of the block's type.
    fn assign(
        &mut self,
        entity: Option<Entity>,
        name: &Ident,
        value: &Expr,
        scope: &mut Scope,
        body: &mut Body,
    ) {
        let (expr, ty) = self.expr(value, scope);
        if let Some(first) = body.assigned.get(&name.name) {
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
            return;
        }
        self.attribute_name(name);
        if let Some(entity) = entity {
            self.attribute_type(entity, name, ty, value.span);
        }
        let slot = scope.bind(name, ty);
        body.assigned.insert(name.name.clone(), name.span);
        if name.name == "id" {
            body.id_slot = Some(slot);
        }
        body.ops.push(Op::Assign {
            slot,
            name: name.name.clone(),
            expr,
        });
    }

    /// Whether a spread's value is an object literal with a computed key (`... {(.n): .v}`):
    /// its names are then taken as they are, so each fixed key must be a valid attribute name
    /// (E006); a computed one is checked when the record is mapped.
    /// So is `map(list, {(.n): .v})`, a list of such objects.
    fn verbatim_spread(&mut self, value: &Expr) -> bool {
        let value = match &value.kind {
            ExprKind::Map { body, .. } => body,
            _ => value,
        };
        let ExprKind::Object(entries) = &value.kind else {
            return false;
        };
        if !entries.iter().any(|(k, _)| k.is_computed()) {
            return false;
        }
        for (k, _) in entries {
            if let ObjectKey::Fixed(id) = k {
                self.attribute_name(id);
            }
        }
        true
    }

    /// A spread's value must be able to be an object (or a list of objects).
    fn expect_object(&mut self, ty: Ty, span: Span) {
        if !ty.intersects(Ty::OBJECT.or(Ty::NULL).or(Ty::LIST)) {
            self.diags.push(
                Diagnostic::error(
                    Code::TypeMismatch,
                    span,
                    format!("`...` spreads an object, but this is {ty}"),
                )
                .hint("spread an object such as `.attributi`, or a list of objects such as `map(.pairs, {(.name): .value})`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::clerk::Entity;
    use crate::diagnostic::Code;
    use crate::plan::Op;

    #[test]
    fn header_and_statements_are_lowered_in_order() {
        let src = "customers from clienti group by .codice where .attivo {\n  let e = .email\n  id = .codice\n  ... .extra\n  where e != null\n  email = e\n}";
        let p = program(src);
        let b = &p.blocks[0];
        assert_eq!(b.entity, Entity::Customers);
        assert_eq!(b.source, "clienti");
        assert!(b.group_by.is_some() && b.filter.is_some());
        assert_eq!(b.filter_span, span_of(src, ".attivo", 0));
        let kinds: Vec<&str> = b
            .ops
            .iter()
            .map(|op| match op {
                Op::Let { .. } => "let",
                Op::Assign { .. } => "assign",
                Op::Spread { .. } => "spread",
                Op::Where { .. } => "where",
            })
            .collect();
        assert_eq!(kinds, ["let", "assign", "spread", "where", "assign"]);
        // Slot 0 holds the group's key.
        assert_eq!((b.slots, b.id_slot, b.key_slot), (4, Some(2), Some(0)));
    }

    #[test]
    fn an_unknown_type_suggests_the_closest() {
        let src = "customer from c { id = .x }";
        let d = only(src);
        assert_eq!(d.code, Code::UnknownEntity);
        assert_eq!(d.span(), span_of(src, "customer", 0));
        assert_eq!(d.hint.as_deref(), Some("did you mean `customers`?"));
        let d = only("zzz from c { id = .x }");
        assert_eq!(
            d.hint.as_deref(),
            Some("use one of products, categories, orders, customers, pages")
        );
    }

    #[test]
    fn an_attribute_assigned_twice_points_at_both() {
        let src = "customers from c {\n  id = .a\n  email = .b\n  email = .c\n}";
        let d = only(src);
        assert_eq!(d.code, Code::Duplicate);
        assert_eq!(d.message, "attribute `email` is assigned twice");
        assert_eq!(d.span(), span_of(src, "email", 1));
        assert_eq!(d.labels[0].text, "second assignment");
        assert_eq!(d.labels[1].span, span_of(src, "email", 0));
        assert_eq!(d.labels[1].text, "first assignment");
    }

    #[test]
    fn a_local_let_cannot_reuse_a_name_of_the_block() {
        let src = "customers from c {\n  let x = 1\n  let x = 2\n  id = x\n}";
        let d = only(src);
        assert_eq!(d.code, Code::Duplicate);
        assert_eq!(d.message, "`x` is already defined in this block");
        assert_eq!(d.span(), span_of(src, "x", 1));
        assert_eq!(d.labels[1].span, span_of(src, "x", 0));
        assert_eq!(d.labels[1].text, "first defined here");
        // An attribute of the same name, even below, takes the name.
        let src = "customers from c {\n  let id = 1\n  id = .x\n}";
        let d = only(src);
        assert_eq!(d.span(), span_of(src, "id", 0));
        assert_eq!(d.labels[1].span, span_of(src, "id", 1));
        assert_eq!(d.labels[1].text, "an attribute of the same name");
        // Its uses above the attribute are the `let`'s: no E010 of them (a Wix trial's
        // `let images` then `image = first(images)` then `images = map(images, ...)`).
        let src = "customers from c {\n  let images = [1]\n  id = first(images)\n  images = map(images, .)\n}";
        let d = only(src);
        assert_eq!(d.code, Code::Duplicate);
        assert_eq!(d.span(), span_of(src, "images", 0));
    }

    #[test]
    fn spreads_need_objects_and_wheres_bools() {
        let src = "customers from c {\n  id = .x\n  ... \"a\"\n  where 3\n}";
        let d = diags(src);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].message, "`...` spreads an object, but this is string");
        assert_eq!(d[0].span(), span_of(src, "\"a\"", 0));
        assert_eq!(d[1].code, Code::TypeMismatch);
        assert_eq!(
            d[1].message,
            "a `where` condition must be a bool, but this is int"
        );
        assert_eq!(d[1].span(), span_of(src, "3", 0));
    }

    #[test]
    fn a_spread_of_computed_keys_takes_its_names_as_they_are() {
        let src = "customers from c {\n  id = .x\n  ... {(.n): .v, ok_name: 1, \"Bad name\": 2}\n  ... {\"Bad name\": 3}\n  ... .attributi\n}";
        let d = only(src);
        assert_eq!(d.code, Code::BadAttributeName);
        assert_eq!(d.span(), span_of(src, "\"Bad name\"", 0));
        let p = program(
            "customers from c {\n  id = .x\n  ... {(.n): .v}\n  ... {\"A b\": 1}\n  ... .o\n}",
        );
        let verbatim: Vec<bool> = p.blocks[0]
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Spread { verbatim, .. } => Some(*verbatim),
                _ => None,
            })
            .collect();
        assert_eq!(verbatim, [true, false, false]);
    }

    #[test]
    fn the_header_where_sees_rows_but_not_the_attributes() {
        assert!(diags("customers from c group by .g where rows != null { id = .x }").is_empty());
        assert_eq!(
            codes("customers from c where id != null { id = .x }"),
            ["E004"]
        );
    }
}
