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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::diagnostic::Code;

    #[test]
    fn a_name_clerk_would_ignore_gets_a_fixed_name() {
        let src = "customers from c { id = .x, image-url = .u }";
        let d = only(src);
        assert_eq!(d.code, Code::BadAttributeName);
        assert_eq!(d.span(), span_of(src, "image-url", 0));
        assert_eq!(
            d.message,
            "attribute name `image-url` would be ignored by Clerk"
        );
        assert_eq!(d.hint.as_deref(), Some("rename it `image_url`"));
    }

    #[test]
    fn required_attributes_are_listed_on_the_header() {
        let src = "pages from p where .ok {\n  id = .x\n  url = .u\n}";
        let d = only(src);
        assert_eq!(d.code, Code::MissingRequired);
        let header = &src[d.span().start..d.span().end];
        assert_eq!(header.trim_end(), "pages from p where .ok");
        assert_eq!(
            d.message,
            "`pages` block lacks the required attributes `type`, `title`, `text`"
        );
        assert_eq!(d.labels[0].text, "in this block");
        assert_eq!(
            d.hint.as_deref(),
            Some("Clerk needs `type`, `title`, `text` on every page: add `type = ...`")
        );
    }

    #[test]
    fn a_known_attribute_with_a_value_of_the_wrong_type() {
        let src = "customers from c { id = .x, age = \"old\" }";
        let d = only(src);
        assert_eq!(d.code, Code::TypeMismatch);
        assert_eq!(d.span(), span_of(src, "\"old\"", 0));
        assert!(d.message.starts_with("`age` must be"), "{}", d.message);
        assert!(
            d.message.ends_with("but this expression gives string"),
            "{}",
            d.message
        );
        assert_eq!(d.labels[0].text, "this is string");
        // Unknown attributes, nulls and values that may fit pass.
        assert!(
            diags("customers from c { id = .x, age = .a, extra = [1], is_b2b = null }").is_empty()
        );
    }
}
