//! Lookup-table functions: rows by key, and walking a category hierarchy.

use std::collections::HashSet;

use serde_json::Value;

use super::{Example, Function, Imp, Param, kind, show};
use crate::engine::lookup::{Table, key_string};
use crate::types::Ty;

const KEY: Ty = Ty::STRING.or(Ty::INT).nullable();

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
                title: "not a key",
                source: "lookup(categorie, [1])",
                result: Err("lookup: a key must be a string or an int"),
            },
        ],
        imp: Imp::Table(lookup),
        check_const: None,
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
        show(&Value::String(key.to_string())),
        show(&Value::String(table.name().to_string())),
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

fn exists(table: &Table, args: &mut [Value]) -> Result<Value, String> {
    Ok(Value::Bool(match key_arg("exists", &args[0])? {
        None => false,
        Some(k) => table.contains(&k),
    }))
}

/// Appends `key` and its ancestors to `out` (skipping keys already in `seen`). A parent that is
/// not in the table ends the chain (the table reported it when it was loaded).
fn push_chain(
    table: &Table,
    key: &str,
    out: &mut Vec<Value>,
    seen: &mut HashSet<String>,
) -> Result<(), String> {
    if !table.contains(key) {
        return Err(not_in_table("ancestors", table, key));
    }
    let mut chain: Vec<&str> = Vec::new();
    let mut current = Some(key);
    while let Some(k) = current {
        if !table.contains(k) {
            break;
        }
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
        if seen.insert(k.to_string()) {
            out.push(Value::String(k.to_string()));
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
    let mut seen = HashSet::new();
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
        table
            .children(&k)
            .map(|c| Value::String(c.to_string()))
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The fixture described on [`super::super::Example`].
    fn categorie() -> Table {
        let rows = [
            ("ABB", ""),
            ("ABB.FEL", "ABB"),
            ("ABB.FEL.U", "ABB.FEL"),
            ("ABB.MAG", "ABB"),
            ("CAL", ""),
        ];
        let (t, warnings) = Table::build(
            "categorie",
            rows.iter()
                .map(|(k, p)| {
                    (
                        Some(k.to_string()),
                        Some(p.to_string()),
                        json!({"codice": k, "codicePadre": p, "nome": k.to_lowercase()}),
                    )
                })
                .collect(),
            true,
        );
        assert!(warnings.is_empty());
        t
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

/// Runs every built-in function's examples with a tiny evaluator (literals, calls, pipes,
/// negation and the `categorie` table), until the real one is wired to them.
#[cfg(test)]
mod example_tests {
    use super::*;
    use crate::functions::{Imp, all};
    use serde_json::json;

    fn categorie() -> Table {
        let rows = [
            ("ABB", ""),
            ("ABB.FEL", "ABB"),
            ("ABB.FEL.U", "ABB.FEL"),
            ("ABB.MAG", "ABB"),
            ("CAL", ""),
        ];
        Table::build(
            "categorie",
            rows.iter()
                .map(|(k, p)| {
                    (
                        Some(k.to_string()),
                        Some(p.to_string()),
                        json!({"codice": k, "codicePadre": p, "nome": k.to_lowercase()}),
                    )
                })
                .collect(),
            true,
        )
        .0
    }

    enum Arg {
        Val(Value),
        Table,
    }

    struct P<'a> {
        s: &'a str,
        i: usize,
        table: &'a Table,
    }

    impl P<'_> {
        fn ws(&mut self) {
            while self.s[self.i..].starts_with([' ', '\n', '\t']) {
                self.i += 1;
            }
        }
        fn eat(&mut self, c: char) -> bool {
            self.ws();
            if self.s[self.i..].starts_with(c) {
                self.i += c.len_utf8();
                true
            } else {
                false
            }
        }
        fn ident(&mut self) -> String {
            self.ws();
            let n = self.s[self.i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .count();
            let id = self.s[self.i..self.i + n].to_string();
            self.i += n;
            id
        }
        fn args(&mut self) -> Result<Vec<Arg>, String> {
            let mut out = Vec::new();
            if self.eat(')') {
                return Ok(out);
            }
            loop {
                out.push(self.expr()?);
                if self.eat(')') {
                    return Ok(out);
                }
                assert!(self.eat(','), "expected , at {}", &self.s[self.i..]);
            }
        }
        fn call(&mut self, name: &str, args: Vec<Arg>) -> Result<Arg, String> {
            let f = crate::functions::get(name).unwrap_or_else(|| panic!("no function {name}"));
            let n = args.len();
            assert!(
                n >= f.min_args() && f.max_args().is_none_or(|m| n <= m),
                "{name}: {n} args"
            );
            let mut vals: Vec<Value> = Vec::new();
            for (i, a) in args.into_iter().enumerate() {
                match a {
                    Arg::Val(v) => vals.push(v),
                    Arg::Table => assert_eq!(i, 0, "table not first"),
                }
            }
            let v = match f.imp {
                Imp::Pure(imp) => imp(&mut vals)?,
                Imp::Table(imp) => imp(self.table, &mut vals)?,
            };
            Ok(Arg::Val(v))
        }
        fn expr(&mut self) -> Result<Arg, String> {
            let mut v = self.unary()?;
            while self.eat('|') {
                let name = self.ident();
                let mut args = vec![v];
                if self.eat('(') {
                    args.extend(self.args()?);
                }
                v = self.call(&name, args)?;
            }
            Ok(v)
        }
        fn unary(&mut self) -> Result<Arg, String> {
            if self.eat('-') {
                return Ok(match self.unary()? {
                    Arg::Val(Value::Number(n)) if n.is_i64() => {
                        Arg::Val(json!(-n.as_i64().unwrap()))
                    }
                    Arg::Val(Value::Number(n)) => Arg::Val(json!(-n.as_f64().unwrap())),
                    _ => panic!("bad negation"),
                });
            }
            self.primary()
        }
        fn val(&mut self) -> Result<Value, String> {
            match self.expr()? {
                Arg::Val(v) => Ok(v),
                Arg::Table => panic!("table in a literal"),
            }
        }
        fn primary(&mut self) -> Result<Arg, String> {
            self.ws();
            let rest = &self.s[self.i..];
            if rest.starts_with('"') {
                let b = rest.as_bytes();
                let mut j = 1;
                while b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                self.i += j + 1;
                return Ok(Arg::Val(serde_json::from_str(&rest[..=j]).unwrap()));
            }
            if rest.starts_with(|c: char| c.is_ascii_digit()) {
                let n = rest
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == 'e')
                    .count();
                self.i += n;
                let text = &rest[..n];
                return Ok(Arg::Val(if text.contains(['.', 'e']) {
                    json!(text.parse::<f64>().unwrap())
                } else {
                    json!(text.parse::<i64>().unwrap())
                }));
            }
            if self.eat('[') {
                let mut items = Vec::new();
                if !self.eat(']') {
                    loop {
                        items.push(self.val()?);
                        if self.eat(']') {
                            break;
                        }
                        assert!(self.eat(','));
                    }
                }
                return Ok(Arg::Val(Value::Array(items)));
            }
            if self.eat('{') {
                let mut m = serde_json::Map::new();
                if !self.eat('}') {
                    loop {
                        let Value::String(k) = self.val()? else {
                            panic!("key")
                        };
                        assert!(self.eat(':'));
                        m.insert(k, self.val()?);
                        if self.eat('}') {
                            break;
                        }
                        assert!(self.eat(','));
                    }
                }
                return Ok(Arg::Val(Value::Object(m)));
            }
            let id = self.ident();
            match id.as_str() {
                "null" => Ok(Arg::Val(Value::Null)),
                "true" => Ok(Arg::Val(json!(true))),
                "false" => Ok(Arg::Val(json!(false))),
                "categorie" => Ok(Arg::Table),
                name => {
                    assert!(self.eat('('), "unknown name {name}");
                    let args = self.args()?;
                    self.call(name, args)
                }
            }
        }
    }

    #[test]
    fn every_example_gives_its_result() {
        let table = categorie();
        let mut names = HashSet::new();
        let mut run = 0;
        for f in all() {
            assert!(names.insert(f.name), "duplicate {}", f.name);
            assert!(
                (2..=5).contains(&f.examples.len()),
                "{}: {} examples",
                f.name,
                f.examples.len()
            );
            for ex in f.examples {
                run += 1;
                let mut p = P {
                    s: ex.source,
                    i: 0,
                    table: &table,
                };
                let got = p.expr().map(|a| match a {
                    Arg::Val(v) => v,
                    Arg::Table => panic!("table result"),
                });
                p.ws();
                assert_eq!(
                    p.i,
                    ex.source.len(),
                    "{}: trailing input in {}",
                    f.name,
                    ex.source
                );
                match (&ex.result, got) {
                    (Ok(want), Ok(v)) => {
                        assert_eq!(
                            serde_json::to_string(&v).unwrap(),
                            *want,
                            "{}: {}",
                            f.name,
                            ex.source
                        );
                        let ty = crate::types::Ty::of(&v);
                        assert!(
                            f.returns.contains(ty),
                            "{}: {} is not in {}",
                            f.name,
                            ty,
                            f.returns
                        );
                    }
                    (Err(want), Err(e)) => {
                        assert!(e.contains(want), "{}: {} gave {e}", f.name, ex.source)
                    }
                    (want, got) => panic!("{}: {} wanted {want:?}, got {got:?}", f.name, ex.source),
                }
            }
        }
        assert!(run > 100, "only {run} examples ran");
    }
}
