//! Static value types, as a set of possible runtime kinds.
//!
//! The checker infers a [`Ty`] for every expression; a type is "certainly wrong" for a slot when
//! the inferred set and the expected set share no kind other than null.

use std::fmt;

/// A set of runtime kinds a value may have.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Ty(u8);

impl Ty {
    /// The empty set, no kind at all (shown `nothing`): where a union built with [`Ty::or`]
    /// starts.
    pub const NEVER: Ty = Ty(0);
    /// `null`.
    pub const NULL: Ty = Ty(1);
    /// `true` or `false`.
    pub const BOOL: Ty = Ty(2);
    /// An integer (a number held as `i64` or `u64`).
    pub const INT: Ty = Ty(4);
    /// A floating-point number (held as `f64`, even when integral: `1.0`).
    pub const FLOAT: Ty = Ty(8);
    /// A string.
    pub const STRING: Ty = Ty(16);
    /// A JSON array.
    pub const LIST: Ty = Ty(32);
    /// A JSON object.
    pub const OBJECT: Ty = Ty(64);
    /// [`Ty::INT`] or [`Ty::FLOAT`] (shown `number`).
    pub const NUMBER: Ty = Ty(4 | 8);
    /// A bool, a number or a string: anything but null, lists and objects.
    pub const SCALAR: Ty = Ty(2 | 4 | 8 | 16);
    /// Every kind, null included: nothing is known about the value (shown `any`).
    pub const ANY: Ty = Ty(127);

    /// The union: a value of either type.
    pub const fn or(self, other: Ty) -> Ty {
        Ty(self.0 | other.0)
    }
    /// The intersection: the kinds both types allow.
    pub const fn and(self, other: Ty) -> Ty {
        Ty(self.0 & other.0)
    }
    /// `self` with the kinds of `other` taken out.
    pub const fn without(self, other: Ty) -> Ty {
        Ty(self.0 & !other.0)
    }
    /// `self` or null.
    pub const fn nullable(self) -> Ty {
        self.or(Ty::NULL)
    }
    /// Whether every kind of `other` is in `self` (always true when `other` is [`Ty::NEVER`]).
    pub const fn contains(self, other: Ty) -> bool {
        self.0 & other.0 == other.0
    }
    /// Whether `self` and `other` share at least one kind.
    pub const fn intersects(self, other: Ty) -> bool {
        self.0 & other.0 != 0
    }
    /// Whether the set is empty ([`Ty::NEVER`]).
    pub const fn is_never(self) -> bool {
        self.0 == 0
    }
    /// The type of a concrete value.
    pub fn of(v: &crate::value::Value) -> Ty {
        use crate::value::Value as V;
        match v {
            V::Null => Ty::NULL,
            V::Bool(_) => Ty::BOOL,
            V::Number(n) if n.is_f64() => Ty::FLOAT,
            V::Number(_) => Ty::INT,
            V::String(_) => Ty::STRING,
            V::Array(_) => Ty::LIST,
            V::Object(_) => Ty::OBJECT,
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Ty::ANY {
            return f.write_str("any");
        }
        if self.is_never() {
            return f.write_str("nothing");
        }
        let mut parts = Vec::new();
        let mut rest = *self;
        if rest.contains(Ty::NUMBER) {
            parts.push("number");
            rest = rest.without(Ty::NUMBER);
        }
        for (t, name) in [
            (Ty::BOOL, "bool"),
            (Ty::INT, "int"),
            (Ty::FLOAT, "float"),
            (Ty::STRING, "string"),
            (Ty::LIST, "list"),
            (Ty::OBJECT, "object"),
            (Ty::NULL, "null"),
        ] {
            if rest.contains(t) {
                parts.push(name);
            }
        }
        f.write_str(&parts.join(" or "))
    }
}

impl fmt::Debug for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_sets() {
        assert_eq!(Ty::STRING.nullable().to_string(), "string or null");
        assert_eq!(Ty::NUMBER.to_string(), "number");
        assert_eq!(Ty::ANY.to_string(), "any");
        assert!(!Ty::STRING.intersects(Ty::NUMBER));
    }
}
