//! logic functions: turning empty values into missing ones, and rejecting a record on purpose.

use crate::value::{Ty, Value};

use super::{Arg, Example, Function, Imp, Param, Pick, kind, show};

/// The logic functions, in documentation order.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "nonempty",
        summary: "The value, or null when it is an empty or blank string, an empty list or an empty object: so `??` can fall back and the attribute is left out.",
        params: &[Param::req("x", Ty::ANY)],
        variadic: false,
        returns: Ty::ANY,
        examples: &[
            Example {
                title: "a blank string",
                source: r#"nonempty("  ")"#,
                result: Ok("null"),
            },
            Example {
                title: "with a fallback",
                source: r#"nonempty("") ?? "guest""#,
                result: Ok(r#""guest""#),
            },
            Example {
                title: "a value",
                source: r#"nonempty("M")"#,
                result: Ok(r#""M""#),
            },
            Example {
                title: "an empty list",
                source: "nonempty([])",
                result: Ok("null"),
            },
        ],
        imp: Imp::Picks(nonempty),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "error",
        summary: "Rejects the record with this message (use it after `??` or in an `if` branch). Never evaluated before a record is read.",
        params: &[Param::req("message", Ty::ANY)],
        variadic: false,
        returns: Ty::NULL,
        examples: &[
            Example {
                title: "a reason",
                source: r#"error("order has neither a customer id nor an email")"#,
                result: Err("order has neither a customer id nor an email"),
            },
            Example {
                title: "only when reached",
                source: r#"1 ?? error("never")"#,
                result: Ok("1"),
            },
        ],
        imp: Imp::Pure(error),
        check_const: None,
        // It rejects the record that reaches it: folded, it would fail the whole mapping.
        foldable: false,
    },
];

fn nonempty(x: Arg<'_>) -> Pick {
    let empty = match x {
        Arg::List(items) => items.is_empty(),
        Arg::Value(Value::String(s)) => s.trim().is_empty(),
        Arg::Value(Value::Array(a)) => a.is_empty(),
        Arg::Value(Value::Object(o)) => o.is_empty(),
        Arg::Value(_) => false,
    };
    if empty { Pick::Null } else { Pick::Whole }
}

fn error(args: &mut [Value]) -> Result<Value, String> {
    Err(match &args[0] {
        Value::String(s) => s.to_string(),
        other => format!("error({}) ({})", show(other), kind(other)),
    })
}
