//! Parts of a list: `drop` and `slice` (`take` is beside them in the family's table), and
//! `zip`, which pairs the parts of two lists.

use crate::value::{Ty, Value};

use super::list_arg;
use crate::functions::{Example, Function, Imp, Param, show};

/// `drop(list, n)`.
pub(super) const DROP: Function = Function {
    name: "drop",
    summary: "A list without its first `n` elements (empty when it is shorter); null gives null. With `take`, the parts of a path: `split(.path, \"/\") | drop(1)`.",
    params: &[
        Param::req("list", Ty::LIST.nullable()),
        Param::req("n", Ty::INT),
    ],
    variadic: false,
    returns: Ty::LIST.nullable(),
    examples: &[
        Example {
            title: "all but the first",
            source: r#"drop(["Home", "Men", "Shoes"], 1)"#,
            result: Ok(r#"["Men","Shoes"]"#),
        },
        Example {
            title: "shorter list",
            source: r#"drop(["a"], 5)"#,
            result: Ok("[]"),
        },
        Example {
            title: "null flows through",
            source: "drop(null, 2)",
            result: Ok("null"),
        },
        Example {
            title: "negative",
            source: "drop([1], -1)",
            result: Err("drop: n must be a whole number, 0 or more, got -1"),
        },
    ],
    imp: Imp::Pure(drop),
    check_const: None,
    foldable: true,
};

/// `slice(list, start, end?)`.
pub(super) const SLICE: Function = Function {
    name: "slice",
    summary: "The elements of a list from index `start` up to, not including, `end` (to the end without it). A negative index counts from the end (`-1` is the last element); indexes past either end are clamped. Null gives null.",
    params: &[
        Param::req("list", Ty::LIST.nullable()),
        Param::req("start", Ty::INT),
        Param::opt("end", Ty::INT.nullable()),
    ],
    variadic: false,
    returns: Ty::LIST.nullable(),
    examples: &[
        Example {
            title: "from one index to another",
            source: r#"slice(["a", "b", "c", "d"], 1, 3)"#,
            result: Ok(r#"["b","c"]"#),
        },
        Example {
            title: "to the end",
            source: r#"slice(["a", "b", "c"], 1)"#,
            result: Ok(r#"["b","c"]"#),
        },
        Example {
            title: "the last two",
            source: r#"slice(["a", "b", "c"], -2)"#,
            result: Ok(r#"["b","c"]"#),
        },
        Example {
            title: "all but the last",
            source: r#"slice(["a", "b", "c"], 0, -1)"#,
            result: Ok(r#"["a","b"]"#),
        },
        Example {
            title: "past the end",
            source: r#"slice(["a"], 3, 9)"#,
            result: Ok("[]"),
        },
        Example {
            title: "null flows through",
            source: "slice(null, 1)",
            result: Ok("null"),
        },
    ],
    imp: Imp::Pure(slice),
    check_const: None,
    foldable: true,
};

fn drop(args: &mut [Value]) -> Result<Value, String> {
    let Some(n) = args[1].as_u64() else {
        return Err(format!(
            "drop: n must be a whole number, 0 or more, got {}",
            show(&args[1])
        ));
    };
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    let Some(mut items) = list_arg("drop", std::mem::take(&mut args[0]))? else {
        return Ok(Value::Null);
    };
    items.drain(..n.min(items.len()));
    Ok(Value::Array(items))
}

/// An index of `slice` as a position in a list of `len` elements: negative from the end,
/// clamped to `0..=len`.
fn position(f: &str, what: &str, v: &Value, len: usize) -> Result<usize, String> {
    let Some(i) = v.as_i64() else {
        return Err(format!(
            "{f}: `{what}` must be a whole number, got {}",
            show(v)
        ));
    };
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let at = if i < 0 { len_i.saturating_add(i) } else { i };
    Ok(usize::try_from(at.clamp(0, len_i)).unwrap_or(0))
}

fn slice(args: &mut [Value]) -> Result<Value, String> {
    let Some(mut items) = list_arg("slice", std::mem::take(&mut args[0]))? else {
        return Ok(Value::Null);
    };
    let len = items.len();
    let start = position("slice", "start", &args[1], len)?;
    let end = match args.get(2) {
        None | Some(Value::Null) => len,
        Some(v) => position("slice", "end", v, len)?,
    };
    if start >= end {
        return Ok(Value::Array(Vec::new()));
    }
    items.truncate(end);
    items.drain(..start);
    Ok(Value::Array(items))
}

/// `zip(a, b)`.
pub(super) const ZIP: Function = Function {
    name: "zip",
    summary: "The elements of two lists paired by position, `[[a0, b0], [a1, b1], ...]`, as long as the shorter list; null if either is null. For columns that list names in one cell and values in another (PrestaShop's combinations): `map(zip(names, values), p => {(p[0]): p[1]})` is one object entry per name.",
    params: &[
        Param::req("a", Ty::LIST.nullable()),
        Param::req("b", Ty::LIST.nullable()),
    ],
    variadic: false,
    returns: Ty::LIST.nullable(),
    examples: &[
        Example {
            title: "names with their values",
            source: r#"zip(["Size", "Color"], ["M", "Blue"])"#,
            result: Ok(r#"[["Size","M"],["Color","Blue"]]"#),
        },
        Example {
            title: "as long as the shorter",
            source: r#"zip([1, 2, 3], ["a"])"#,
            result: Ok(r#"[[1,"a"]]"#),
        },
        Example {
            title: "one entry per name, to spread",
            source: r#"map(zip(["Size", "Color"], ["M", "Blue"]), p => {(p[0]): p[1]})"#,
            result: Ok(r#"[{"Size":"M"},{"Color":"Blue"}]"#),
        },
        Example {
            title: "null flows through",
            source: "zip(null, [1])",
            result: Ok("null"),
        },
    ],
    imp: Imp::Pure(zip),
    check_const: None,
    foldable: true,
};

fn zip(args: &mut [Value]) -> Result<Value, String> {
    let a = list_arg("zip", std::mem::take(&mut args[0]))?;
    let b = list_arg("zip", std::mem::take(&mut args[1]))?;
    let (Some(a), Some(b)) = (a, b) else {
        return Ok(Value::Null);
    };
    Ok(Value::Array(
        a.into_iter()
            .zip(b)
            .map(|(x, y)| Value::Array(vec![x, y]))
            .collect(),
    ))
}
