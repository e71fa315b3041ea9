//! List (and object) functions.

mod slice;
mod sort;
#[cfg(test)]
mod tests;

use foldhash::{HashSet, HashSetExt};

use crate::value::{Map, Ty, Value};

use self::sort::{check_sort, sort};
use super::{Arg, Example, Function, Imp, Param, Pick, kind, show};

/// The list and object functions, in documentation order.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "omit",
        summary: "An object without the given keys (e.g. to spread the attributes not mapped explicitly).",
        params: &[
            Param::req("object", Ty::OBJECT),
            Param::req("keys", Ty::LIST.or(Ty::STRING)),
        ],
        variadic: false,
        returns: Ty::OBJECT.or(Ty::NULL),
        examples: &[
            Example {
                title: "a list of keys",
                source: r#"omit({"Marca": "X", "Colore": "Blu", "Taglia": "M"}, ["Marca", "Taglia"])"#,
                result: Ok(r#"{"Colore":"Blu"}"#),
            },
            Example {
                title: "one key",
                source: r#"omit({"a": 1, "b": 2}, "a")"#,
                result: Ok(r#"{"b":2}"#),
            },
            Example {
                title: "null",
                source: r#"omit(null, "a")"#,
                result: Ok("null"),
            },
        ],
        imp: Imp::Reads(omit),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "single",
        summary: "The one distinct value of a list (nulls ignored; null when there is none); an error naming the values when they differ. For the article fields repeated on every row of a group.",
        params: &[Param::req("list", Ty::LIST)],
        variadic: false,
        returns: Ty::ANY,
        examples: &[
            Example {
                title: "all rows agree",
                source: r#"single(["Felpa", "Felpa", null])"#,
                result: Ok(r#""Felpa""#),
            },
            Example {
                title: "nothing",
                source: "single([])",
                result: Ok("null"),
            },
            Example {
                title: "rows disagree",
                source: r#"single(["Felpa", "Maglia"])"#,
                result: Err(r#"single: conflicting values "Felpa" and "Maglia""#),
            },
            Example {
                title: "long values: both in full, or around their first difference",
                source: r#"single(["Organic Cotton Tshirt - Color Black", "Organic Cotton Tshirt - Color White"])"#,
                result: Err(
                    r#"conflicting values "Organic Cotton Tshirt - Color Black" and "Organic Cotton Tshirt - Color White""#,
                ),
            },
        ],
        imp: Imp::Pure(single),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "first",
        summary: "The first element of a list (null when empty); any other value is returned as it is.",
        params: &[Param::req("x", Ty::ANY)],
        variadic: false,
        returns: Ty::ANY,
        examples: &[
            Example {
                title: "a list",
                source: r#"first(["a", "b"])"#,
                result: Ok(r#""a""#),
            },
            Example {
                title: "empty list",
                source: "first([])",
                result: Ok("null"),
            },
            Example {
                title: "not a list",
                source: r#"first("a")"#,
                result: Ok(r#""a""#),
            },
        ],
        imp: Imp::Picks(first),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "last",
        summary: "The last element of a list (null when empty); any other value is returned as it is.",
        params: &[Param::req("x", Ty::ANY)],
        variadic: false,
        returns: Ty::ANY,
        examples: &[
            Example {
                title: "a list",
                source: r#"last(["a", "b"])"#,
                result: Ok(r#""b""#),
            },
            Example {
                title: "after split",
                source: r#"split("ABB.FEL.U", ".") | last"#,
                result: Ok(r#""U""#),
            },
            Example {
                title: "null flows through",
                source: "last(null)",
                result: Ok("null"),
            },
        ],
        imp: Imp::Picks(last),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "unique",
        summary: "The list without repeated values, in first-seen order.",
        params: &[Param::req("list", Ty::LIST.nullable())],
        variadic: false,
        returns: Ty::LIST.nullable(),
        examples: &[
            Example {
                title: "strings",
                source: r#"unique(["S", "M", "S", "L", "M"])"#,
                result: Ok(r#"["S","M","L"]"#),
            },
            Example {
                title: "null flows through",
                source: "unique(null)",
                result: Ok("null"),
            },
            Example {
                title: "not a list",
                source: r#"unique("S")"#,
                result: Err("argument `list` of `unique` must be list or null, but this is string"),
            },
        ],
        imp: Imp::Pure(unique),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "compact",
        summary: "The list without nulls, empty strings and empty lists.",
        params: &[Param::req("list", Ty::LIST.nullable())],
        variadic: false,
        returns: Ty::LIST.nullable(),
        examples: &[
            Example {
                title: "drops empties",
                source: r#"compact(["a", null, "", [], 0, false])"#,
                result: Ok(r#"["a",0,false]"#),
            },
            Example {
                title: "null flows through",
                source: "compact(null)",
                result: Ok("null"),
            },
        ],
        imp: Imp::Pure(compact),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "flatten",
        summary: "Flattens a list of lists by one level (other elements are kept).",
        params: &[Param::req("list", Ty::LIST.nullable())],
        variadic: false,
        returns: Ty::LIST.nullable(),
        examples: &[
            Example {
                title: "one level",
                source: r#"flatten([["a", "b"], "c", [["d"]]])"#,
                result: Ok(r#"["a","b","c",["d"]]"#),
            },
            Example {
                title: "null flows through",
                source: "flatten(null)",
                result: Ok("null"),
            },
        ],
        imp: Imp::Pure(flatten),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "len",
        summary: "The number of elements of a list, characters of a string or keys of an object; 0 for null.",
        params: &[Param::req(
            "x",
            Ty::LIST.or(Ty::STRING).or(Ty::OBJECT).nullable(),
        )],
        variadic: false,
        returns: Ty::INT,
        examples: &[
            Example {
                title: "a list",
                source: "len([1, 2, 3])",
                result: Ok("3"),
            },
            Example {
                title: "a string counts characters",
                source: r#"len("più")"#,
                result: Ok("3"),
            },
            Example {
                title: "null",
                source: "len(null)",
                result: Ok("0"),
            },
            Example {
                title: "a number",
                source: "len(12)",
                result: Err(
                    "argument `x` of `len` must be string or list or object or null, but this is int",
                ),
            },
        ],
        imp: Imp::Lists(len),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "sort",
        summary: "Sorts a list of numbers or of strings; order \"asc\" (default) or \"desc\".",
        params: &[
            Param::req("list", Ty::LIST.nullable()),
            Param::opt("order", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::LIST.nullable(),
        examples: &[
            Example {
                title: "numbers",
                source: "sort([3, 1.5, 2])",
                result: Ok("[1.5,2,3]"),
            },
            Example {
                title: "strings, descending",
                source: r#"sort(["b", "c", "a"], "desc")"#,
                result: Ok(r#"["c","b","a"]"#),
            },
            Example {
                title: "mixed",
                source: r#"sort([1, "a"])"#,
                result: Err("sort: cannot compare"),
            },
            Example {
                title: "bad order",
                source: r#"sort([1], "up")"#,
                result: Err(r#"use "asc" or "desc""#),
            },
        ],
        imp: Imp::Pure(sort),
        check_const: Some(check_sort),
        foldable: true,
    },
    Function {
        name: "reverse",
        summary: "The list in reverse order.",
        params: &[Param::req("list", Ty::LIST.nullable())],
        variadic: false,
        returns: Ty::LIST.nullable(),
        examples: &[
            Example {
                title: "a list",
                source: "reverse([1, 2, 3])",
                result: Ok("[3,2,1]"),
            },
            Example {
                title: "null flows through",
                source: "reverse(null)",
                result: Ok("null"),
            },
        ],
        imp: Imp::Pure(reverse),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "contains",
        summary: "Whether a list contains a value, a string contains a substring, or an object has a key; false for null.",
        params: &[
            Param::req(
                "haystack",
                Ty::LIST.or(Ty::STRING).or(Ty::OBJECT).nullable(),
            ),
            Param::req("needle", Ty::ANY),
        ],
        variadic: false,
        returns: Ty::BOOL,
        examples: &[
            Example {
                title: "a list",
                source: r#"contains(["S", "M"], "M")"#,
                result: Ok("true"),
            },
            Example {
                title: "a substring",
                source: r#""Felpa rossa" | contains("rossa")"#,
                result: Ok("true"),
            },
            Example {
                title: "null haystack",
                source: r#"contains(null, "x")"#,
                result: Ok("false"),
            },
            Example {
                title: "numbers compare by value",
                source: "contains([1, 2], 2.0)",
                result: Ok("true"),
            },
            Example {
                title: "a text is not the number it spells",
                source: r#"contains([1, "2"], "1")"#,
                result: Ok("false"),
            },
            Example {
                title: "a number haystack",
                source: "contains(12, 1)",
                result: Err(
                    "argument `haystack` of `contains` must be string or list or object or null, but this is int",
                ),
            },
        ],
        imp: Imp::Reads(contains),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "keys",
        summary: "The keys of an object, in order.",
        params: &[Param::req("object", Ty::OBJECT.nullable())],
        variadic: false,
        returns: Ty::LIST.nullable(),
        examples: &[
            Example {
                title: "an object",
                source: r#"keys({"b": 1, "a": 2})"#,
                result: Ok(r#"["b","a"]"#),
            },
            Example {
                title: "null flows through",
                source: "keys(null)",
                result: Ok("null"),
            },
            Example {
                title: "not an object",
                source: "keys([1])",
                result: Err("keys: expected an object"),
            },
        ],
        imp: Imp::Pure(keys),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "values",
        summary: "The values of an object, in key order.",
        params: &[Param::req("object", Ty::OBJECT.nullable())],
        variadic: false,
        returns: Ty::LIST.nullable(),
        examples: &[
            Example {
                title: "an object",
                source: r#"values({"b": 1, "a": "x"})"#,
                result: Ok(r#"[1,"x"]"#),
            },
            Example {
                title: "null flows through",
                source: "values(null)",
                result: Ok("null"),
            },
        ],
        imp: Imp::Pure(values),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "take",
        summary: "The first `n` elements of a list (all of them when shorter); null gives null.",
        params: &[
            Param::req("list", Ty::LIST.nullable()),
            Param::req("n", Ty::INT),
        ],
        variadic: false,
        returns: Ty::LIST.nullable(),
        examples: &[
            Example {
                title: "first two",
                source: r#"take(["a", "b", "c"], 2)"#,
                result: Ok(r#"["a","b"]"#),
            },
            Example {
                title: "shorter list",
                source: r#"take(["a"], 5)"#,
                result: Ok(r#"["a"]"#),
            },
            Example {
                title: "null flows through",
                source: "take(null, 2)",
                result: Ok("null"),
            },
            Example {
                title: "negative",
                source: "take([1], -1)",
                result: Err("take: n must be"),
            },
        ],
        imp: Imp::Pure(take),
        check_const: None,
        foldable: true,
    },
    slice::DROP,
    slice::SLICE,
    slice::ZIP,
];

/// The list argument of `f`: Ok(None) for null, an error for anything but a list.
fn list_arg(f: &str, v: Value) -> Result<Option<Vec<Value>>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Array(items) => Ok(Some(items)),
        other => Err(format!(
            "{f}: expected a list, got {} {}",
            kind(&other),
            show(&other)
        )),
    }
}

/// Equality where numbers compare by value (`2` equals `2.0`).
fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(i), Some(j)) => i == j,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        _ => a == b,
    }
}

/// The first element of a list, any other value whole.
fn first(x: Arg<'_>) -> Pick {
    match x.list_len() {
        Some(0) => Pick::Null,
        Some(_) => Pick::Element(0),
        None => Pick::Whole,
    }
}

/// The last element of a list, any other value whole.
fn last(x: Arg<'_>) -> Pick {
    match x.list_len() {
        Some(0) => Pick::Null,
        Some(n) => Pick::Element(n - 1),
        None => Pick::Whole,
    }
}

/// Reads its arguments: only the kept fields are copied (the object is mostly a subtree of the
/// record, lent), never the ones left out.
fn omit(args: &[&Value]) -> Result<Value, String> {
    let obj = match args[0] {
        Value::Null => return Ok(Value::Null),
        Value::Object(m) => m,
        other => {
            return Err(format!(
                "omit: expected an object, got {} {}",
                kind(other),
                show(other)
            ));
        }
    };
    let keys: &[Value] = match args[1] {
        Value::String(_) => std::slice::from_ref(args[1]),
        Value::Array(keys) => keys,
        other => {
            return Err(format!(
                "omit: keys must be a string or a list of strings, got {}",
                kind(other)
            ));
        }
    };
    let left_out = |k: &str| keys.iter().any(|x| x.as_str() == Some(k));
    let kept = obj
        .iter()
        .filter(|(k, _)| !left_out(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(Value::Object(Map::from_unique(kept)))
}

fn single(args: &mut [Value]) -> Result<Value, String> {
    let Some(items) = list_arg("single", std::mem::take(&mut args[0]))? else {
        return Ok(Value::Null);
    };
    let mut it = items.into_iter().filter(|v| !v.is_null());
    let Some(first) = it.next() else {
        return Ok(Value::Null);
    };
    for other in it {
        if !crate::value::values_equal(&other, &first) {
            let (a, b) = crate::value::show_difference(&first, &other);
            return Err(format!(
                "single: conflicting values {a} and {b} (the rows of this group disagree; fix the export or pick one with `first`)"
            ));
        }
    }
    Ok(first)
}

/// `a == b`, strings compared in place (the sizes and colours of a record's variants).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x == y,
        _ => a == b,
    }
}

fn unique(args: &mut [Value]) -> Result<Value, String> {
    let Some(items) = list_arg("unique", std::mem::take(&mut args[0]))? else {
        return Ok(Value::Null);
    };
    let mut seen_scalars: HashSet<String> = HashSet::new();
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    let small = items.len() <= 32;
    for item in items {
        let new = match &item {
            // a linear scan beats hashing for the short lists of a record (sizes, colours)
            _ if small => !out.iter().any(|o| same(o, &item)),
            Value::Array(_) | Value::Object(_) => !out.contains(&item),
            // the JSON text tells scalars apart exactly as `==` does
            scalar => seen_scalars.insert(scalar.to_string()),
        };
        if new {
            out.push(item);
        }
    }
    Ok(Value::Array(out))
}

fn compact(args: &mut [Value]) -> Result<Value, String> {
    let Some(items) = list_arg("compact", std::mem::take(&mut args[0]))? else {
        return Ok(Value::Null);
    };
    Ok(Value::Array(
        items
            .into_iter()
            .filter(|v| match v {
                Value::Null => false,
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => true,
            })
            .collect(),
    ))
}

fn flatten(args: &mut [Value]) -> Result<Value, String> {
    let Some(items) = list_arg("flatten", std::mem::take(&mut args[0]))? else {
        return Ok(Value::Null);
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Value::Array(inner) => out.extend(inner),
            other => out.push(other),
        }
    }
    Ok(Value::Array(out))
}

fn len(x: Arg<'_>, _: &[&Value]) -> Result<Value, String> {
    let v = match x {
        Arg::List(items) => return Ok(Value::from(items.len())),
        Arg::Value(v) => v,
    };
    let n = match v {
        Value::Null => 0,
        Value::Array(items) => items.len(),
        Value::String(s) => s.chars().count(),
        Value::Object(m) => m.len(),
        other => {
            return Err(format!(
                "len: expected a list, string or object, got {} {} (use string(x) to count the digits of a number)",
                kind(other),
                show(other)
            ));
        }
    };
    Ok(Value::from(n))
}

fn reverse(args: &mut [Value]) -> Result<Value, String> {
    let Some(mut items) = list_arg("reverse", std::mem::take(&mut args[0]))? else {
        return Ok(Value::Null);
    };
    items.reverse();
    Ok(Value::Array(items))
}

fn contains(args: &[&Value]) -> Result<Value, String> {
    let needle = &args[1];
    let found = match &args[0] {
        Value::Null => false,
        // a text among texts (the common case, `contains(names, .name)`) compared as texts
        Value::Array(items) => match needle {
            Value::String(n) => items
                .iter()
                .any(|v| matches!(v, Value::String(s) if s.as_str() == n.as_str())),
            _ => items.iter().any(|v| loose_eq(v, needle)),
        },
        Value::String(s) => match needle {
            Value::String(n) => s.contains(n.as_str()),
            Value::Null => false,
            other => {
                return Err(format!(
                    "contains: the haystack is a string, so the needle must be a string, got {} {} (use string(x) to convert it)",
                    kind(other),
                    show(other)
                ));
            }
        },
        Value::Object(m) => match needle {
            Value::String(k) => m.contains_key(k),
            Value::Null => false,
            other => {
                return Err(format!(
                    "contains: the haystack is an object, so the needle must be a key (a string), got {} {}",
                    kind(other),
                    show(other)
                ));
            }
        },
        other => {
            return Err(format!(
                "contains: expected a list, string or object to search in, got {} {}",
                kind(other),
                show(other)
            ));
        }
    };
    Ok(Value::Bool(found))
}

/// The object argument of `f`: Ok(None) for null, an error for anything but an object.
fn object_arg(f: &str, v: Value) -> Result<Option<crate::value::Map>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(m)),
        other => Err(format!(
            "{f}: expected an object, got {} {}",
            kind(&other),
            show(&other)
        )),
    }
}

fn keys(args: &mut [Value]) -> Result<Value, String> {
    Ok(match object_arg("keys", std::mem::take(&mut args[0]))? {
        None => Value::Null,
        Some(m) => Value::Array(m.into_iter().map(|(k, _)| Value::String(k)).collect()),
    })
}

fn values(args: &mut [Value]) -> Result<Value, String> {
    Ok(match object_arg("values", std::mem::take(&mut args[0]))? {
        None => Value::Null,
        Some(m) => Value::Array(m.into_iter().map(|(_, v)| v).collect()),
    })
}

fn take(args: &mut [Value]) -> Result<Value, String> {
    let Some(n) = args[1].as_u64() else {
        return Err(format!(
            "take: n must be a whole number, 0 or more, got {}",
            show(&args[1])
        ));
    };
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    let Some(mut items) = list_arg("take", std::mem::take(&mut args[0]))? else {
        return Ok(Value::Null);
    };
    items.truncate(n);
    Ok(Value::Array(items))
}
