//! Lookup-table functions: rows by key, and walking a category hierarchy.

use foldhash::HashSet;

use crate::value::{Table, Ty, Value, key_string};

use super::{Example, Function, Imp, Param, kind, show};

const KEY: Ty = Ty::STRING.or(Ty::INT).nullable();

/// The name of the function that reads every row of a key (its tables keep them all).
pub const LOOKUP_ALL: &str = "lookup_all";

/// The lookup-table functions, in documentation order.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "lookup",
        summary: "The row of `table` stored under `key` (a string or int); null when the key is null or not in the table.",
        params: &[Param::table("table"), Param::req("key", KEY)],
        variadic: false,
        returns: Ty::OBJECT.nullable(),
        examples: &[
            Example {
                title: "a row",
                source: r#"lookup(categorie, "ABB.FEL")"#,
                result: Ok(r#"{"codice":"ABB.FEL","codicePadre":"ABB","nome":"abb.fel"}"#),
            },
            Example {
                title: "absent key",
                source: r#"lookup(categorie, "XYZ")"#,
                result: Ok("null"),
            },
            Example {
                title: "null key",
                source: "lookup(categorie, null)",
                result: Ok("null"),
            },
            Example {
                title: "a list of keys: one lookup per key",
                source: r#"lookup(categorie, ["CAL", "NOPE"])"#,
                result: Ok(r#"[{"codice":"CAL","codicePadre":"","nome":"cal"}]"#),
            },
        ],
        imp: Imp::Table(lookup),
        check_const: None,
        // The table is loaded only when the mapping runs.
        foldable: false,
    },
    Function {
        name: LOOKUP_ALL,
        summary: "Every row of `table` stored under `key` (or under each key of a list), in input order; `[]` when there is none or the key is null. A table it reads keeps all the rows of a repeated key (`lookup` still gives the first).",
        params: &[Param::table("table"), Param::req("key", KEY.or(Ty::LIST))],
        variadic: false,
        returns: Ty::LIST,
        examples: &[
            Example {
                title: "a repeated key: every row",
                source: r#"lookup_all(categorie, "CAL") | map(.nome)"#,
                result: Ok(r#"["cal","cal 2"]"#),
            },
            Example {
                title: "one row",
                source: r#"lookup_all(categorie, "ABB.FEL")[*].nome"#,
                result: Ok(r#"["abb.fel"]"#),
            },
            Example {
                title: "absent key",
                source: r#"lookup_all(categorie, "XYZ")"#,
                result: Ok("[]"),
            },
            Example {
                title: "null key",
                source: "lookup_all(categorie, null)",
                result: Ok("[]"),
            },
            Example {
                title: "a list of keys: the rows of each",
                source: r#"lookup_all(categorie, ["ABB", null, "CAL"])[*].nome"#,
                result: Ok(r#"["abb","cal","cal 2"]"#),
            },
        ],
        imp: Imp::Table(lookup_all),
        check_const: None,
        // The table is loaded only when the mapping runs.
        foldable: false,
    },
    Function {
        name: "exists",
        summary: "Whether `table` has a row under `key` (false for null).",
        params: &[Param::table("table"), Param::req("key", KEY)],
        variadic: false,
        returns: Ty::BOOL,
        examples: &[
            Example {
                title: "present",
                source: r#"exists(categorie, "CAL")"#,
                result: Ok("true"),
            },
            Example {
                title: "absent",
                source: r#"exists(categorie, "XYZ")"#,
                result: Ok("false"),
            },
            Example {
                title: "null key",
                source: "exists(categorie, null)",
                result: Ok("false"),
            },
        ],
        imp: Imp::Table(exists),
        check_const: None,
        // The table is loaded only when the mapping runs.
        foldable: false,
    },
    Function {
        name: "ancestors",
        summary: "For each key (one or a list), the key then its parent, grandparent... up to the root, without repeats; the table needs a parent field.",
        params: &[Param::table("table"), Param::req("keys", KEY.or(Ty::LIST))],
        variadic: false,
        returns: Ty::LIST.nullable(),
        examples: &[
            Example {
                title: "one key",
                source: r#"ancestors(categorie, "ABB.FEL.U")"#,
                result: Ok(r#"["ABB.FEL.U","ABB.FEL","ABB"]"#),
            },
            Example {
                title: "several keys, repeats removed",
                source: r#"ancestors(categorie, ["ABB.FEL", "ABB.MAG", "CAL"])"#,
                result: Ok(r#"["ABB.FEL","ABB","ABB.MAG","CAL"]"#),
            },
            Example {
                title: "null flows through",
                source: "ancestors(categorie, null)",
                result: Ok("null"),
            },
            Example {
                title: "unknown key",
                source: r#"ancestors(categorie, "XYZ")"#,
                result: Err(r#"key "XYZ" is not in table "categorie""#),
            },
        ],
        imp: Imp::Table(ancestors),
        check_const: None,
        // The table is loaded only when the mapping runs.
        foldable: false,
    },
    Function {
        name: "children",
        summary: "The keys of the immediate children of `key`, in table order (empty for a leaf); the table needs a parent field.",
        params: &[Param::table("table"), Param::req("key", KEY)],
        variadic: false,
        returns: Ty::LIST.nullable(),
        examples: &[
            Example {
                title: "a parent",
                source: r#"children(categorie, "ABB")"#,
                result: Ok(r#"["ABB.FEL","ABB.MAG"]"#),
            },
            Example {
                title: "a leaf",
                source: r#"children(categorie, "ABB.FEL.U")"#,
                result: Ok("[]"),
            },
            Example {
                title: "null flows through",
                source: "children(categorie, null)",
                result: Ok("null"),
            },
            Example {
                title: "unknown key",
                source: r#"children(categorie, "XYZ")"#,
                result: Err(r#"key "XYZ" is not in table "categorie""#),
            },
        ],
        imp: Imp::Table(children),
        check_const: None,
        // The table is loaded only when the mapping runs.
        foldable: false,
    },
];

/// The string form of a key argument; Ok(None) for null.
fn key_arg<'a>(f: &str, v: &'a Value) -> Result<Option<std::borrow::Cow<'a, str>>, String> {
    if v.is_null() {
        return Ok(None);
    }
    key_string(v).map(Some).ok_or_else(|| {
        format!(
            "{f}: a key must be a string or an int, got {} {}",
            kind(v),
            show(v)
        )
    })
}

fn not_in_table(f: &str, table: &Table, key: &str) -> String {
    format!(
        "{f}: key {} is not in table {} (check the key, or test it with exists({}, key) first)",
        show(&Value::String(key.to_string().into())),
        show(&Value::String(table.name().to_string().into())),
        table.name()
    )
}

fn require_hierarchy(f: &str, table: &Table) -> Result<(), String> {
    if table.is_hierarchical() {
        Ok(())
    } else {
        Err(format!(
            "{f}: table \"{0}\" has no parent field; declare it as `lookup {0} by .key parent .parentField`",
            table.name()
        ))
    }
}

fn lookup(table: &Table, args: &mut [Value]) -> Result<Value, String> {
    Ok(match key_arg("lookup", &args[0])? {
        None => Value::Null,
        Some(k) => table.get(&k).cloned().unwrap_or(Value::Null),
    })
}

fn lookup_all(table: &Table, args: &mut [Value]) -> Result<Value, String> {
    let keys: &[Value] = match &args[0] {
        Value::Array(items) => items,
        single => std::slice::from_ref(single),
    };
    let mut out = Vec::new();
    for key in keys {
        if let Some(k) = key_arg(LOOKUP_ALL, key)? {
            out.extend(table.get_all(&k).cloned());
        }
    }
    Ok(Value::Array(out))
}

fn exists(table: &Table, args: &mut [Value]) -> Result<Value, String> {
    Ok(Value::Bool(match key_arg("exists", &args[0])? {
        None => false,
        Some(k) => table.contains(&k),
    }))
}

/// The keys `ancestors` has given: a list while it is short (the chains of a record's few
/// categories), a hash set beyond.
#[derive(Default)]
struct Seen {
    few: Vec<String>,
    many: HashSet<String>,
}

impl Seen {
    /// The most keys looked up by a scan of the list.
    const FEW: usize = 32;

    /// Adds `key`; false when it was there already.
    fn insert(&mut self, key: &str) -> bool {
        if self.many.is_empty() {
            if self.few.iter().any(|k| k == key) {
                return false;
            }
            if self.few.len() < Self::FEW {
                self.few.push(key.to_string());
                return true;
            }
            self.many.extend(self.few.drain(..));
        }
        self.many.insert(key.to_string())
    }
}

/// Appends `key` and its ancestors to `out` (skipping keys already in `seen`). A parent that is
/// not in the table ends the chain (the table reported it when it was loaded).
fn push_chain(
    table: &Table,
    key: &str,
    out: &mut Vec<Value>,
    seen: &mut Seen,
) -> Result<(), String> {
    if !table.contains(key) {
        return Err(not_in_table("ancestors", table, key));
    }
    let mut chain: Vec<&str> = Vec::new();
    let mut current = Some(key);
    // whether `current` is known to be in the table (`key` is)
    let mut known = true;
    while let Some(k) = current {
        if !known && !table.contains(k) {
            break;
        }
        known = false;
        if chain.contains(&k) {
            chain.push(k);
            return Err(format!(
                "ancestors: the parents in table \"{}\" form a cycle: {} (fix the parent field of these rows)",
                table.name(),
                chain.join(" -> ")
            ));
        }
        chain.push(k);
        current = table.parent(k);
    }
    for k in chain {
        if seen.insert(k) {
            out.push(table.key_value(k));
        }
    }
    Ok(())
}

fn ancestors(table: &Table, args: &mut [Value]) -> Result<Value, String> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    require_hierarchy("ancestors", table)?;
    let mut out = Vec::new();
    let mut seen = Seen::default();
    match &args[0] {
        Value::Array(items) => {
            for item in items {
                if let Some(k) = key_arg("ancestors", item)? {
                    push_chain(table, &k, &mut out, &mut seen)?;
                }
            }
        }
        single => {
            if let Some(k) = key_arg("ancestors", single)? {
                push_chain(table, &k, &mut out, &mut seen)?;
            }
        }
    }
    Ok(Value::Array(out))
}

fn children(table: &Table, args: &mut [Value]) -> Result<Value, String> {
    let Some(k) = key_arg("children", &args[0])? else {
        return Ok(Value::Null);
    };
    require_hierarchy("children", table)?;
    if !table.contains(&k) {
        return Err(not_in_table("children", table, &k));
    }
    Ok(Value::Array(
        table.children(&k).map(|c| table.key_value(c)).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn categorie() -> Table {
        crate::functions::example_table()
    }

    fn table(rows: &[(&str, &str)], hierarchical: bool) -> Table {
        Table::build(
            "t",
            rows.iter()
                .map(|(k, p)| (Some(k.to_string()), Some(p.to_string()), json!({"k": k})))
                .collect(),
            hierarchical,
        )
        .0
    }

    fn call(
        f: fn(&Table, &mut [Value]) -> Result<Value, String>,
        t: &Table,
        arg: Value,
    ) -> Result<Value, String> {
        f(t, &mut [arg])
    }

    #[test]
    fn lookup_and_exists() {
        let t = categorie();
        assert_eq!(
            call(lookup, &t, json!("ABB.FEL")),
            Ok(json!({"codice": "ABB.FEL", "codicePadre": "ABB", "nome": "abb.fel"}))
        );
        assert_eq!(call(lookup, &t, json!("XYZ")), Ok(Value::Null));
        assert_eq!(call(lookup, &t, Value::Null), Ok(Value::Null));
        assert!(
            call(lookup, &t, json!(1.5))
                .unwrap_err()
                .contains("a key must be a string or an int, got float 1.5")
        );
        assert_eq!(call(exists, &t, json!("CAL")), Ok(json!(true)));
        assert_eq!(call(exists, &t, json!("cal")), Ok(json!(false)));
        assert_eq!(call(exists, &t, Value::Null), Ok(json!(false)));
        let ints = table(&[("1001", "")], false);
        assert_eq!(call(exists, &ints, json!(1001)), Ok(json!(true)));
    }

    #[test]
    fn seen_is_a_set_short_or_long() {
        let mut seen = Seen::default();
        let keys: Vec<String> = (0..80).map(|i| format!("K{}", i % 50)).collect();
        let mut model = std::collections::HashSet::new();
        for k in &keys {
            assert_eq!(seen.insert(k), model.insert(k.clone()), "{k}");
        }
        assert!(!seen.many.is_empty() && seen.few.is_empty());
    }

    #[test]
    fn ancestors_walks_to_the_root() {
        let t = categorie();
        assert_eq!(
            call(ancestors, &t, json!("ABB.FEL.U")),
            Ok(json!(["ABB.FEL.U", "ABB.FEL", "ABB"]))
        );
        assert_eq!(
            call(
                ancestors,
                &t,
                json!(["ABB.FEL", "ABB.MAG", null, "CAL", "ABB"])
            ),
            Ok(json!(["ABB.FEL", "ABB", "ABB.MAG", "CAL"]))
        );
        assert_eq!(call(ancestors, &t, json!([])), Ok(json!([])));
        assert_eq!(call(ancestors, &t, Value::Null), Ok(Value::Null));
        let e = call(ancestors, &t, json!(["CAL", "XYZ"])).unwrap_err();
        assert!(
            e.starts_with(r#"ancestors: key "XYZ" is not in table "categorie""#),
            "{e}"
        );
        assert!(call(ancestors, &t, json!(true)).is_err());
    }

    #[test]
    fn ancestors_needs_a_hierarchy_and_no_cycles() {
        let flat = table(&[("A", "")], false);
        let e = call(ancestors, &flat, json!("A")).unwrap_err();
        assert!(
            e.contains("declare it as `lookup t by .key parent .parentField`"),
            "{e}"
        );
        let e = call(children, &flat, json!("A")).unwrap_err();
        assert!(e.contains("has no parent field"), "{e}");
        let cyclic = table(&[("A", "B"), ("B", "C"), ("C", "B")], true);
        let e = call(ancestors, &cyclic, json!("A")).unwrap_err();
        assert!(e.contains("form a cycle: A -> B -> C -> B"), "{e}");
        let selfish = table(&[("A", "A")], true);
        assert!(
            call(ancestors, &selfish, json!("A"))
                .unwrap_err()
                .contains("A -> A")
        );
        // a parent missing from the table ends the chain
        let orphan = table(&[("A", "Q")], true);
        assert_eq!(call(ancestors, &orphan, json!("A")), Ok(json!(["A"])));
    }

    #[test]
    fn children_in_table_order() {
        let t = categorie();
        assert_eq!(
            call(children, &t, json!("ABB")),
            Ok(json!(["ABB.FEL", "ABB.MAG"]))
        );
        assert_eq!(call(children, &t, json!("ABB.FEL.U")), Ok(json!([])));
        assert_eq!(call(children, &t, Value::Null), Ok(Value::Null));
        let e = call(children, &t, json!("XYZ")).unwrap_err();
        assert!(
            e.contains(r#"key "XYZ" is not in table "categorie""#),
            "{e}"
        );
    }
}
