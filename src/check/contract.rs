//! Clerk's contract for a block's attributes: names Clerk accepts (E006), the attributes its
//! type requires (E007), and for the attributes Clerk knows, a value that can have their type
//! (E008, with the usual fix).

use std::collections::HashMap;

use super::compiler::Compiler;
use crate::clerk::Entity;
use crate::clerk::contract::is_valid_attribute_name;
use crate::diagnostic::{Code, Diagnostic, Span};
use crate::functions;
use crate::syntax::ast::Ident;
use crate::value::Ty;

impl Compiler<'_> {
    /// E006 for a name Clerk would silently ignore, with the name it would accept.
    pub(super) fn attribute_name(&mut self, name: &Ident) {
        if is_valid_attribute_name(&name.name) {
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

    /// E008 when an attribute Clerk knows gets a value that can never have its type.
    pub(super) fn attribute_type(&mut self, entity: Entity, name: &Ident, ty: Ty, span: Span) {
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

    /// E007 when the block lacks attributes its type requires; `header` is the block's header.
    pub(super) fn required_attributes(
        &mut self,
        entity: Entity,
        header: Span,
        assigned: &HashMap<String, Span>,
    ) {
        let missing: Vec<&str> = entity
            .fields()
            .iter()
            .filter(|f| f.required && !assigned.contains_key(f.name))
            .map(|f| f.name)
            .collect();
        let Some(first) = missing.first() else {
            return;
        };
        let list = missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let plural = if missing.len() == 1 { "" } else { "s" };
        self.diags.push(
            Diagnostic::error(
                Code::MissingRequired,
                header,
                format!(
                    "`{}` block lacks the required attribute{plural} {list}",
                    entity.name()
                ),
            )
            .label("in this block")
            .hint(format!(
                "Clerk needs {list} on every {}: add `{first} = ...`",
                entity.singular()
            )),
        );
    }
}
