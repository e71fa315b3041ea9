//! Path functions: category paths written as text, `"Clothing > Tshirts > Long sleeve"` (the
//! category columns of WooCommerce and Shopify exports), turned into the levels of the tree.
//!
//! A path is split at `sep` with the spaces around it ignored (`"A>B"` and `"A > B"` are the
//! same path for `" > "` and for `">"`), each segment trimmed, empty segments dropped; the
//! levels are joined back with `sep` as given, so every level of every path is written one way.

use foldhash::HashSet;

use crate::value::{Ty, Value};

use super::{Example, Function, Imp, Param, kind, show};

/// The path functions, in documentation order.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "path_levels",
        summary: "Every level of a category path, from the top: `path_levels(\"A > B > C\", \" > \")` is `[\"A\", \"A > B\", \"A > B > C\"]`. Segments are trimmed and empty ones dropped, levels joined with `sep`. A list of paths gives the levels of all of them, each once, in the order first met. Null (or a null path) gives none: `[]`. One record per level with `group by each`.",
        params: &[
            Param::req("path", Ty::STRING.or(Ty::LIST).nullable()),
            Param::req("sep", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::LIST,
        examples: &[
            Example {
                title: "one path",
                source: r#"path_levels("Clothing > Tshirts > Long", " > ")"#,
                result: Ok(r#"["Clothing","Clothing > Tshirts","Clothing > Tshirts > Long"]"#),
            },
            Example {
                title: "spacing and empty segments do not matter",
                source: r#"path_levels(" Clothing>Tshirts >  > ", " > ")"#,
                result: Ok(r#"["Clothing","Clothing > Tshirts"]"#),
            },
            Example {
                title: "several paths, each level once",
                source: r#"split("Clothing > Tshirts, Clothing > Hoodies", ",") | path_levels(" > ")"#,
                result: Ok(r#"["Clothing","Clothing > Tshirts","Clothing > Hoodies"]"#),
            },
            Example {
                title: "null",
                source: r#"path_levels(null, " > ")"#,
                result: Ok("[]"),
            },
            Example {
                title: "a number",
                source: r#"path_levels([3], "/")"#,
                result: Err("path_levels: a path must be a string, got int 3"),
            },
            Example {
                title: "a list of lists",
                source: r#"path_levels(split(["A/B;C", "D"], ";"), "/")"#,
                result: Err(
                    r#"path_levels: a path must be a string, got list ["A/B","C"] (a list of lists: `flatten` it first)"#,
                ),
            },
        ],
        imp: Imp::Reads(path_levels),
        check_const: Some(check_sep),
        foldable: true,
    },
    Function {
        name: "path_parent",
        summary: "The path one level up: `path_parent(\"A > B > C\", \" > \")` is `\"A > B\"`; null for a top-level path (and for null). Segments are trimmed and empty ones dropped, the parent joined with `sep`, so it is the level `path_levels` gives for it.",
        params: &[
            Param::req("path", Ty::STRING.nullable()),
            Param::req("sep", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::STRING.nullable(),
        examples: &[
            Example {
                title: "one level up",
                source: r#"path_parent("Clothing > Tshirts > Long", " > ")"#,
                result: Ok(r#""Clothing > Tshirts""#),
            },
            Example {
                title: "a top-level path has none",
                source: r#"path_parent("Clothing", " > ")"#,
                result: Ok("null"),
            },
            Example {
                title: "written as `path_levels` writes it",
                source: r#"path_parent("Clothing>Tshirts>Long", " > ")"#,
                result: Ok(r#""Clothing > Tshirts""#),
            },
            Example {
                title: "null flows through",
                source: r#"path_parent(null, " > ")"#,
                result: Ok("null"),
            },
            Example {
                title: "an empty separator",
                source: r#"path_parent("A > B", "")"#,
                result: Err("the separator is empty"),
            },
        ],
        imp: Imp::Reads(path_parent),
        check_const: Some(check_sep),
        foldable: true,
    },
];

/// A constant separator must not be empty.
fn check_sep(args: &[Option<&Value>]) -> Result<(), String> {
    match args.get(1).copied().flatten() {
        Some(Value::String(s)) if s.is_empty() => Err(empty_sep()),
        _ => Ok(()),
    }
}

fn empty_sep() -> String {
    "the separator is empty (give the text between the levels, e.g. \" > \")".to_string()
}

/// The separator argument of `f`.
fn sep_arg<'a>(f: &str, v: &'a Value) -> Result<&'a str, String> {
    match v {
        Value::String(s) if s.is_empty() => Err(format!("{f}: {}", empty_sep())),
        Value::String(s) => Ok(s),
        other => Err(format!(
            "{f}: the separator must be a string, got {} {}",
            kind(other),
            show(other)
        )),
    }
}

/// The trimmed, non-empty segments of `path`, split at `sep` with the spaces around it
/// ignored (at `sep` itself when it is only spaces).
fn segments<'a>(path: &'a str, sep: &str) -> Vec<&'a str> {
    let at = match sep.trim() {
        "" => sep,
        trimmed => trimmed,
    };
    path.split(at)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// The levels `path_levels` has given: looked up in its result while that is short (the few
/// paths of a record), in a hash set beyond.
#[derive(Default)]
struct Seen {
    many: HashSet<String>,
}

impl Seen {
    /// The most levels looked up by a scan of the result.
    const FEW: usize = 16;

    /// Whether `level` is new to `out` (the levels given so far), noting it.
    fn insert(&mut self, level: &str, out: &[Value]) -> bool {
        if out.len() < Self::FEW {
            return !out
                .iter()
                .any(|v| matches!(v, Value::String(s) if s == level));
        }
        if self.many.is_empty() {
            self.many.extend(out.iter().filter_map(|v| match v {
                Value::String(s) => Some(s.to_string()),
                _ => None,
            }));
        }
        self.many.insert(level.to_owned())
    }
}

fn path_levels(args: &[&Value]) -> Result<Value, String> {
    let sep = sep_arg("path_levels", args[1])?;
    let paths: &[Value] = match &args[0] {
        Value::Array(items) => items,
        one => std::slice::from_ref(one),
    };
    let mut seen = Seen::default();
    let mut out = Vec::new();
    for p in paths {
        let path = match p {
            Value::Null => continue,
            Value::String(s) => s,
            other => {
                // `split(cells, ";")` over a list gives a list per cell
                let hint = if other.is_array() {
                    " (a list of lists: `flatten` it first)"
                } else {
                    ""
                };
                return Err(format!(
                    "path_levels: a path must be a string, got {} {}{hint}",
                    kind(other),
                    show(other)
                ));
            }
        };
        let mut level = String::new();
        for seg in segments(path, sep) {
            if !level.is_empty() {
                level.push_str(sep);
            }
            level.push_str(seg);
            if seen.insert(&level, &out) {
                out.push(Value::String(level.as_str().into()));
            }
        }
    }
    Ok(Value::Array(out))
}

fn path_parent(args: &[&Value]) -> Result<Value, String> {
    let sep = sep_arg("path_parent", args[1])?;
    let path = match &args[0] {
        Value::Null => return Ok(Value::Null),
        Value::String(s) => s,
        other => {
            return Err(format!(
                "path_parent: a path must be a string, got {} {}",
                kind(other),
                show(other)
            ));
        }
    };
    let segs = segments(path, sep);
    Ok(match segs.split_last() {
        Some((_, parent)) if !parent.is_empty() => Value::String(parent.join(sep).into()),
        _ => Value::Null,
    })
}

#[cfg(test)]
mod tests {
    use crate::json;
    use crate::value::Value;

    fn call(f: fn(&[&Value]) -> Result<Value, String>, path: Value, sep: &str) -> Value {
        f(&[&path, &json!(sep)]).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_separator_of_spaces_splits_as_it_is() {
        assert_eq!(
            call(super::path_levels, json!("a  b c"), " "),
            json!(["a", "a b", "a b c"])
        );
        assert_eq!(call(super::path_parent, json!("a b"), " "), json!("a"));
    }

    #[test]
    fn null_paths_in_a_list_are_skipped_and_levels_kept_once() {
        assert_eq!(
            call(
                super::path_levels,
                json!([null, "A/B", "A / C", "A/B"]),
                "/"
            ),
            json!(["A", "A/B", "A/C"])
        );
        assert_eq!(call(super::path_levels, json!(" > > "), " > "), json!([]));
        assert_eq!(
            call(super::path_parent, json!(" > A > "), " > "),
            json!(null)
        );
    }

    #[test]
    fn levels_are_kept_once_past_the_few_looked_up_by_a_scan() {
        // 40 paths of two levels under one top: 81 levels, then all of them again
        let paths: Vec<String> = (0..40).map(|i| format!("top/{i}/x")).collect();
        let twice: Vec<&String> = paths.iter().chain(&paths).collect();
        let got = call(super::path_levels, json!(twice), "/");
        let mut want = vec!["top".to_string()];
        for i in 0..40 {
            want.push(format!("top/{i}"));
            want.push(format!("top/{i}/x"));
        }
        assert_eq!(got, json!(want));
    }
}
