//! Cell functions: packed cells of shop exports, `key=value` pairs in one CSV cell, parsed into
//! objects (spread them: one Clerk attribute per key) or lists of objects (one per variant).
//!
//! Magento 2 writes them: `additional_attributes` (`material="Cotton"|"Wool",style=Tee`: pairs
//! separated by `,`, the values of a multiple select by `|`), `configurable_variations`
//! (`sku=X,size=M,color=Blue|sku=Y,...`: records separated by `|`, their pairs by `,`) and
//! `bundle_values`. Quoting is Magento's: a value (or a part of a multiple value) may be written
//! in double quotes, inside which the separators and `=` are text and `""` is a quote; outside
//! quotes, a value is trimmed. A key is trimmed and unquoted the same way; a part without `=` is
//! left out (it names no attribute), and so is a pair with an empty key.

use crate::value::{Map, Ty, Value};

use super::{Example, Function, Imp, Param, kind, show};

/// The cell functions, in documentation order.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "parse_pairs",
        summary: "An object from a cell of `key=value` pairs (Magento's `additional_attributes`): pairs separated by `sep` (default `\",\"`), a value with several parts separated by `multi` (default `\"|\"`) a list of them, else a string. Values and parts may be quoted (`\"a, b\"`, `\"\"` a quote inside); unquoted ones are trimmed; a part without `=` is left out. Null gives null; `\"\"` gives `{}`. Spread it for one attribute per key: `... parse_pairs(.additional_attributes)`.",
        params: &[
            Param::req("cell", Ty::STRING.nullable()),
            Param::opt("sep", Ty::STRING),
            Param::opt("multi", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::OBJECT.nullable(),
        examples: &[
            Example {
                title: "Magento's additional attributes",
                source: r#"parse_pairs("material=\"Cotton\"|\"Wool\",style=Tee,eco_collection=0")"#,
                result: Ok(r#"{"material":["Cotton","Wool"],"style":"Tee","eco_collection":"0"}"#),
            },
            Example {
                title: "quoted separators are text",
                source: r#"parse_pairs("care=\"wash cold, dry flat\",fit=\"a \"\"slim\"\" fit\"")"#,
                result: Ok(r#"{"care":"wash cold, dry flat","fit":"a \"slim\" fit"}"#),
            },
            Example {
                title: "other separators",
                source: r#"parse_pairs("color=Blue;size=M/L", ";", "/")"#,
                result: Ok(r#"{"color":"Blue","size":["M","L"]}"#),
            },
            Example {
                title: "a part without `=` is left out",
                source: r#"parse_pairs("a=1,junk,b=")"#,
                result: Ok(r#"{"a":"1","b":""}"#),
            },
            Example {
                title: "null and empty",
                source: r#"[parse_pairs(null), parse_pairs("")]"#,
                result: Ok(r#"[null,{}]"#),
            },
            Example {
                title: "not text",
                source: "parse_pairs(3)",
                result: Err("argument `cell` of `parse_pairs` must be string or null"),
            },
        ],
        imp: Imp::Pure(parse_pairs),
        check_const: Some(check_seps),
        foldable: true,
    },
    Function {
        name: "parse_records",
        summary: "A list of objects from a cell of records (Magento's `configurable_variations`, `bundle_values`): records separated by `record_sep` (default `\"|\"`), each a list of `key=value` pairs separated by `sep` (default `\",\"`), every value a string. Quoting as `parse_pairs`; an empty record is left out. Null gives null; `\"\"` gives `[]`.",
        params: &[
            Param::req("cell", Ty::STRING.nullable()),
            Param::opt("record_sep", Ty::STRING),
            Param::opt("sep", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::LIST.nullable(),
        examples: &[
            Example {
                title: "Magento's configurable variations",
                source: r#"parse_records("sku=T1-M-Blue,size=M,color=Blue|sku=T1-L-Blue,size=L,color=Blue")"#,
                result: Ok(
                    r#"[{"sku":"T1-M-Blue","size":"M","color":"Blue"},{"sku":"T1-L-Blue","size":"L","color":"Blue"}]"#,
                ),
            },
            Example {
                title: "the variants' sizes",
                source: r#"parse_records("sku=A,size=M|sku=B,size=L")[*].size"#,
                result: Ok(r#"["M","L"]"#),
            },
            Example {
                title: "quoted values hold separators",
                source: r#"parse_records("name=\"Ball | 55cm\",price=9.5|")"#,
                result: Ok(r#"[{"name":"Ball | 55cm","price":"9.5"}]"#),
            },
            Example {
                title: "null and empty",
                source: r#"[parse_records(null), parse_records("")]"#,
                result: Ok(r#"[null,[]]"#),
            },
        ],
        imp: Imp::Pure(parse_records),
        check_const: Some(check_seps),
        foldable: true,
    },
];

/// A constant separator must not be empty.
fn check_seps(args: &[Option<&Value>]) -> Result<(), String> {
    for a in args.iter().skip(1).copied().flatten() {
        if let Value::String(s) = a
            && s.is_empty()
        {
            return Err(empty_sep());
        }
    }
    Ok(())
}

fn empty_sep() -> String {
    "a separator is empty: give the text between the parts, e.g. \",\"".to_string()
}

/// The text of the cell argument (`None` for null).
fn cell<'a>(f: &str, v: &'a Value) -> Result<Option<&'a str>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        other => Err(format!(
            "{f}: expected text, got {} {}",
            kind(other),
            show(other)
        )),
    }
}

/// Separator argument `i`, `default` when it is not given.
fn sep(f: &str, args: &[Value], i: usize, default: &'static str) -> Result<String, String> {
    match args.get(i) {
        None | Some(Value::Null) => Ok(default.to_string()),
        Some(Value::String(s)) if s.is_empty() => Err(format!("{f}: {}", empty_sep())),
        Some(Value::String(s)) => Ok(s.to_string()),
        Some(other) => Err(format!(
            "{f}: a separator must be text, got {} {}",
            kind(other),
            show(other)
        )),
    }
}

/// `s` split at each `sep` outside double quotes (the quotes kept in the parts).
fn split_quoted<'a>(s: &'a str, sep: &str) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut i = 0;
    let bytes = s.as_bytes();
    while i < s.len() {
        if bytes[i] == b'"' {
            quoted = !quoted;
            i += 1;
        } else if !quoted && s[i..].starts_with(sep) {
            parts.push(&s[start..i]);
            i += sep.len();
            start = i;
        } else {
            // Step over one whole character (a separator may start only at a char boundary).
            i += s[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    parts.push(&s[start..]);
    parts
}

/// A value or key as written: trimmed; in double quotes, the text inside them with `""` a quote.
fn unquote(s: &str) -> String {
    let t = s.trim();
    match t
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .filter(|_| t.len() >= 2)
    {
        Some(inner) => inner.replace("\"\"", "\""),
        None => t.to_string(),
    }
}

/// `key=value` at its first `=` outside quotes; `None` without one, or with an empty key.
fn pair(s: &str) -> Option<(String, &str)> {
    let at = split_quoted(s, "=").first().map(|k| k.len())?;
    if at >= s.len() {
        return None;
    }
    let key = unquote(&s[..at]);
    (!key.is_empty()).then(|| (key, &s[at + 1..]))
}

/// The pairs of `text` (separated by `sep`) into an object; `multi`: split values into lists.
fn object(text: &str, sep: &str, multi: Option<&str>) -> Map {
    let mut m = Map::new();
    for part in split_quoted(text, sep) {
        let Some((key, raw)) = pair(part) else {
            continue;
        };
        let value = match multi.map(|sep| split_quoted(raw, sep)) {
            Some(parts) if parts.len() > 1 => Value::Array(
                parts
                    .iter()
                    .map(|p| Value::String(unquote(p).into()))
                    .collect(),
            ),
            _ => Value::String(unquote(raw).into()),
        };
        m.insert(key, value);
    }
    m
}

fn parse_pairs(args: &mut [Value]) -> Result<Value, String> {
    let Some(text) = cell("parse_pairs", &args[0])? else {
        return Ok(Value::Null);
    };
    let sep_ = sep("parse_pairs", args, 1, ",")?;
    let multi = sep("parse_pairs", args, 2, "|")?;
    Ok(Value::Object(object(text, &sep_, Some(&multi))))
}

fn parse_records(args: &mut [Value]) -> Result<Value, String> {
    let Some(text) = cell("parse_records", &args[0])? else {
        return Ok(Value::Null);
    };
    let record_sep = sep("parse_records", args, 1, "|")?;
    let sep_ = sep("parse_records", args, 2, ",")?;
    let records = split_quoted(text, &record_sep)
        .into_iter()
        .filter(|r| !r.trim().is_empty())
        .map(|r| Value::Object(object(r, &sep_, None)))
        .collect();
    Ok(Value::Array(records))
}

#[cfg(test)]
mod tests {
    use crate::json;

    use super::*;
    use crate::functions::call;

    #[test]
    fn quotes_hide_separators_and_double_quotes_are_quotes() {
        assert_eq!(split_quoted(r#"a="x,y",b=2"#, ","), [r#"a="x,y""#, "b=2"]);
        assert_eq!(split_quoted("a;;b", ";;"), ["a", "b"]);
        assert_eq!(split_quoted("é|è", "|"), ["é", "è"]);
        assert_eq!(unquote(r#" "a ""b"" c" "#), r#"a "b" c"#);
        assert_eq!(unquote(r#"""#), r#"""#);
        assert_eq!(pair(r#""odd key"=v"#), Some(("odd key".into(), "v")));
        assert_eq!(pair("=v"), None);
    }

    #[test]
    fn magento_cells() {
        let attrs =
            r#"color=Black,material="Cotton"|"Organic, recycled",size_chart="S=36 | M=38",eco=1"#;
        assert_eq!(
            call(parse_pairs, vec![json!(attrs)]),
            Ok(json!({
                "color": "Black",
                "material": ["Cotton", "Organic, recycled"],
                "size_chart": "S=36 | M=38",
                "eco": "1"
            }))
        );
        let bundle = "name=Ball,type=radio,required=1,sku=B-1,price=0.0000|name=Strap,type=checkbox,required=0,sku=B-2,price=4.5000";
        let got = call(parse_records, vec![json!(bundle)]);
        assert_eq!(got.map(|v| v.as_array().map(|a| a.len())), Ok(Some(2)));
        assert_eq!(
            call(
                parse_records,
                vec![json!("a=1;b=2/a=3"), json!("/"), json!(";")]
            ),
            Ok(json!([{"a": "1", "b": "2"}, {"a": "3"}]))
        );
        assert!(call(parse_pairs, vec![json!("a=1"), json!("")]).is_err());
    }
}
