//! String functions: case, trimming, splitting and joining, HTML stripping, slugs and Clerk
//! attribute names.

mod html;
mod prefix;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

use crate::value::{Str, Ty, Value};

pub use self::html::html_to_text;
use super::{Example, Function, Imp, Param, article, kind, show};

/// A string, a list, or null: for `trim`, `lower` and `upper`, which map over lists themselves.
const STR_OR_LIST: Ty = Ty::STRING.or(Ty::LIST).or(Ty::NULL);

/// The string functions, in documentation order.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "trim",
        summary: "Removes leading and trailing whitespace; on a list, trims each string element.",
        params: &[Param::req("s", STR_OR_LIST)],
        variadic: false,
        returns: STR_OR_LIST,
        examples: &[
            Example {
                title: "a string",
                source: r#"trim("  Felpa  ")"#,
                result: Ok(r#""Felpa""#),
            },
            Example {
                title: "after split",
                source: r#"split("a, b ,c", ",") | trim"#,
                result: Ok(r#"["a","b","c"]"#),
            },
            Example {
                title: "null flows through",
                source: "trim(null)",
                result: Ok("null"),
            },
            Example {
                title: "not a string",
                source: "trim(12)",
                result: Err(
                    "argument `s` of `trim` must be string or list or null, but this is int",
                ),
            },
        ],
        imp: Imp::Pure(trim),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "lower",
        summary: "Lower-cases a string; on a list, lower-cases each string element.",
        params: &[Param::req("s", STR_OR_LIST)],
        variadic: false,
        returns: STR_OR_LIST,
        examples: &[
            Example {
                title: "a string",
                source: r#"lower("Felpa ROSSA")"#,
                result: Ok(r#""felpa rossa""#),
            },
            Example {
                title: "a list",
                source: r#"lower(["A", "Bè"])"#,
                result: Ok(r#"["a","bè"]"#),
            },
            Example {
                title: "null flows through",
                source: "lower(null)",
                result: Ok("null"),
            },
        ],
        imp: Imp::Pure(lower),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "upper",
        summary: "Upper-cases a string; on a list, upper-cases each string element.",
        params: &[Param::req("s", STR_OR_LIST)],
        variadic: false,
        returns: STR_OR_LIST,
        examples: &[
            Example {
                title: "a string",
                source: r#"upper("xl")"#,
                result: Ok(r#""XL""#),
            },
            Example {
                title: "a list",
                source: r#"upper(["s", "m"])"#,
                result: Ok(r#"["S","M"]"#),
            },
            Example {
                title: "null flows through",
                source: "upper(null)",
                result: Ok("null"),
            },
        ],
        imp: Imp::Pure(upper),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "replace",
        summary: "Replaces every occurrence of the literal text `from` with `to`.",
        params: &[
            Param::req("s", Ty::STRING.nullable()),
            Param::req("from", Ty::STRING),
            Param::req("to", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::STRING.nullable(),
        examples: &[
            Example {
                title: "all occurrences",
                source: r#"replace("a-b-c", "-", " / ")"#,
                result: Ok(r#""a / b / c""#),
            },
            Example {
                title: "remove text",
                source: r#""Felpa (new)" | replace(" (new)", "")"#,
                result: Ok(r#""Felpa""#),
            },
            Example {
                title: "null flows through",
                source: r#"replace(null, "a", "b")"#,
                result: Ok("null"),
            },
            Example {
                title: "empty pattern",
                source: r#"replace("abc", "", "x")"#,
                result: Err("the text to replace is empty"),
            },
        ],
        imp: Imp::Edits(replace),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "split",
        summary: "Splits a string at every `sep` into a list of strings (an empty string gives an empty list).",
        params: &[
            Param::req("s", Ty::STRING.nullable()),
            Param::req("sep", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::LIST.nullable(),
        examples: &[
            Example {
                title: "comma separated",
                source: r#"split("S,M,L", ",")"#,
                result: Ok(r#"["S","M","L"]"#),
            },
            Example {
                title: "empty string",
                source: r#"split("", ",")"#,
                result: Ok("[]"),
            },
            Example {
                title: "null flows through",
                source: r#"split(null, ",")"#,
                result: Ok("null"),
            },
            Example {
                title: "empty separator",
                source: r#"split("abc", "")"#,
                result: Err("the separator is empty"),
            },
        ],
        imp: Imp::Reads(split),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "join",
        summary: "Joins a list of scalars with `sep` (numbers and bools are written out, nulls skipped).",
        params: &[
            Param::req("list", Ty::LIST.nullable()),
            Param::req("sep", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::STRING.nullable(),
        examples: &[
            Example {
                title: "strings",
                source: r#"join(["S", "M", "L"], ", ")"#,
                result: Ok(r#""S, M, L""#),
            },
            Example {
                title: "mixed scalars, null skipped",
                source: r#"join([1, null, 2.5, true], "/")"#,
                result: Ok(r#""1/2.5/true""#),
            },
            Example {
                title: "null flows through",
                source: r#"join(null, ",")"#,
                result: Ok("null"),
            },
            Example {
                title: "nested list",
                source: r#"join([[1]], ",")"#,
                result: Err("join: element 1 is a list"),
            },
        ],
        imp: Imp::Reads(join),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "strip_html",
        summary: "Turns HTML into plain text: drops tags (and script/style content), decodes entities, collapses whitespace.",
        params: &[Param::req("s", Ty::STRING.nullable())],
        variadic: false,
        returns: Ty::STRING.nullable(),
        examples: &[
            Example {
                title: "block tags separate words",
                source: r#"strip_html("<p>Felpa</p><p>100% cotone</p>")"#,
                result: Ok(r#""Felpa 100% cotone""#),
            },
            Example {
                title: "inline tags do not",
                source: r#"strip_html("a<b>b</b>c &amp; 30&deg; &#39;x&#39;")"#,
                result: Ok(r#""abc & 30° 'x'""#),
            },
            Example {
                title: "script content and stray <",
                source: r#"strip_html("<script>var x;</script>a < b<br>c\n\n d")"#,
                result: Ok(r#""a < b c d""#),
            },
            Example {
                title: "null flows through",
                source: "strip_html(null)",
                result: Ok("null"),
            },
        ],
        imp: Imp::Reads(strip_html),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "truncate",
        summary: "Cuts a string to at most `n` characters including `suffix` (default \"...\"); shorter strings are unchanged.",
        params: &[
            Param::req("s", Ty::STRING.nullable()),
            Param::req("n", Ty::INT),
            Param::opt("suffix", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::STRING.nullable(),
        examples: &[
            Example {
                title: "cut with default suffix",
                source: r#"truncate("Felpa con cappuccio", 10)"#,
                result: Ok(r#""Felpa c...""#),
            },
            Example {
                title: "short enough",
                source: r#"truncate("Felpa", 10)"#,
                result: Ok(r#""Felpa""#),
            },
            Example {
                title: "custom suffix",
                source: r#"truncate("Felpa con cappuccio", 10, "…")"#,
                result: Ok(r#""Felpa con…""#),
            },
            Example {
                title: "negative length",
                source: r#"truncate("Felpa", -1)"#,
                result: Err("truncate: the length must be"),
            },
        ],
        imp: Imp::Reads(truncate),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "slug",
        summary: "Makes a URL slug: transliterates to ASCII, lower-cases, turns runs of other characters into `-`.",
        params: &[Param::req("s", Ty::STRING.nullable())],
        variadic: false,
        returns: Ty::STRING.nullable(),
        examples: &[
            Example {
                title: "accents and spaces",
                source: r#"slug("Felpa Unisex – Più Caldo!")"#,
                result: Ok(r#""felpa-unisex-piu-caldo""#),
            },
            Example {
                title: "null flows through",
                source: "slug(null)",
                result: Ok("null"),
            },
        ],
        imp: Imp::Reads(slug),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "starts_with",
        summary: "Whether the string starts with `prefix`.",
        params: &[
            Param::req("s", Ty::STRING.nullable()),
            Param::req("prefix", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::BOOL.nullable(),
        examples: &[
            Example {
                title: "yes",
                source: r#"starts_with("ABB.FEL", "ABB")"#,
                result: Ok("true"),
            },
            Example {
                title: "no",
                source: r#""CAL" | starts_with("ABB")"#,
                result: Ok("false"),
            },
            Example {
                title: "null flows through",
                source: r#"starts_with(null, "A")"#,
                result: Ok("null"),
            },
        ],
        imp: Imp::Reads(starts_with),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "ends_with",
        summary: "Whether the string ends with `suffix`.",
        params: &[
            Param::req("s", Ty::STRING.nullable()),
            Param::req("suffix", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::BOOL.nullable(),
        examples: &[
            Example {
                title: "yes",
                source: r#"ends_with("foto.jpg", ".jpg")"#,
                result: Ok("true"),
            },
            Example {
                title: "no",
                source: r#"ends_with("foto.png", ".jpg")"#,
                result: Ok("false"),
            },
            Example {
                title: "not a string",
                source: r#"ends_with(12, "2")"#,
                result: Err("argument `s` of `ends_with` must be string or null, but this is int"),
            },
        ],
        imp: Imp::Reads(ends_with),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "string",
        summary: "Writes a scalar as a string (numbers as JSON prints them, bools as true/false); strings are unchanged.",
        params: &[Param::req("v", Ty::SCALAR.nullable())],
        variadic: false,
        returns: Ty::STRING.nullable(),
        examples: &[
            Example {
                title: "an int",
                source: "string(1001)",
                result: Ok(r#""1001""#),
            },
            Example {
                title: "a float",
                source: "string(12.5)",
                result: Ok(r#""12.5""#),
            },
            Example {
                title: "a bool",
                source: "string(true)",
                result: Ok(r#""true""#),
            },
            Example {
                title: "null flows through",
                source: "string(null)",
                result: Ok("null"),
            },
            Example {
                title: "a list: each element",
                source: "string([1, true])",
                result: Ok(r#"["1","true"]"#),
            },
            Example {
                title: "an object",
                source: r#"string({"a": 1})"#,
                result: Err(
                    "argument `v` of `string` must be number or bool or string or null, but this is object",
                ),
            },
        ],
        imp: Imp::Pure(string),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "attribute_name",
        summary: "Makes any text a valid Clerk attribute name: transliterated, lower case, every run of other characters as one `_` ([a-z0-9_] only, no `_` at either end); null when nothing is left (so a computed key `{(attribute_name(k)): v}` leaves the entry out).",
        params: &[Param::req("s", Ty::STRING.nullable())],
        variadic: false,
        returns: Ty::STRING.nullable(),
        examples: &[
            Example {
                title: "accents",
                source: r#"attribute_name("Vestibilità")"#,
                result: Ok(r#""vestibilita""#),
            },
            Example {
                title: "spaces",
                source: r#"attribute_name("Codice EAN")"#,
                result: Ok(r#""codice_ean""#),
            },
            Example {
                title: "punctuation",
                source: r#"attribute_name("Taglia/Colore")"#,
                result: Ok(r#""taglia_colore""#),
            },
            Example {
                title: "an export's attribute label",
                source: r#"attribute_name("Pa Color")"#,
                result: Ok(r#""pa_color""#),
            },
            Example {
                title: "runs of other characters are one `_`, none at the ends",
                source: r#"attribute_name("  Größe -- (EU)_ ")"#,
                result: Ok(r#""grosse_eu""#),
            },
            Example {
                title: "a list, names mapped one by one",
                source: r#"attribute_name(["Pa Size", "?", null])"#,
                result: Ok(r#"["pa_size"]"#),
            },
            Example {
                title: "nothing left",
                source: r#"attribute_name("!!")"#,
                result: Ok("null"),
            },
            Example {
                title: "null flows through",
                source: "attribute_name(null)",
                result: Ok("null"),
            },
        ],
        imp: Imp::Reads(attribute_name),
        check_const: None,
        foldable: true,
    },
    prefix::COMMON_PREFIX,
];

// ---- helpers ----

/// The string argument `i`, or an error naming the function and the value.
fn want_str<'a>(f: &str, what: &str, v: &'a Value) -> Result<&'a str, String> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(format!(
            "{f}: expected a string for `{what}`, got {} {} (use string(...) to convert a scalar){}",
            kind(other),
            show(other),
            super::element_text(other)
        )),
    }
}

/// Applies `op` to a string, or to each string element of a list (other elements unchanged).
fn map_strings(f: &str, v: Value, op: fn(Str) -> Str) -> Result<Value, String> {
    match v {
        Value::Null => Ok(Value::Null),
        Value::String(s) => Ok(Value::String(op(s))),
        Value::Array(items) => Ok(Value::Array(
            items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Value::String(op(s)),
                    other => other,
                })
                .collect(),
        )),
        other => Err(format!(
            "{f}: expected a string or a list of strings, got {} {} (use string(...) to convert a scalar)",
            kind(&other),
            show(&other)
        )),
    }
}

fn trim(args: &mut [Value]) -> Result<Value, String> {
    map_strings("trim", std::mem::take(&mut args[0]), |s| {
        let t = s.trim();
        // kept as it is (no copy) when there is nothing to trim
        if t.len() == s.len() { s } else { Str::from(t) }
    })
}

fn lower(args: &mut [Value]) -> Result<Value, String> {
    map_strings("lower", std::mem::take(&mut args[0]), |s| {
        if s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
            Str::from(s.to_lowercase())
        } else {
            s
        }
    })
}

fn upper(args: &mut [Value]) -> Result<Value, String> {
    map_strings("upper", std::mem::take(&mut args[0]), |s| {
        if s.bytes().any(|b| b.is_ascii_lowercase() || !b.is_ascii()) {
            Str::from(s.to_uppercase())
        } else {
            s
        }
    })
}

fn replace(s: Cow<'_, Value>, args: &[&Value]) -> Result<Value, String> {
    if s.is_null() {
        return Ok(Value::Null);
    }
    let text = want_str("replace", "s", &s)?;
    let from = want_str("replace", "from", args[0])?;
    let to = want_str("replace", "to", args[1])?;
    if from.is_empty() {
        return Err(
            "replace: the text to replace is empty (give the literal text to look for)".into(),
        );
    }
    Ok(match replace_all(text, from, to) {
        Some(out) => Value::String(out.into()),
        // nothing to replace: the text as it is (moved when it was made for this call)
        None => s.into_owned(),
    })
}

/// `s` with every `from` (not empty) replaced by `to`, left to right, as `str::replace` does
/// ([`each_match`]); None when there is none (the usual case: `replace("\\,", ...)` on cells
/// without an escaped comma).
fn replace_all(s: &str, from: &str, to: &str) -> Option<String> {
    let mut out: Option<String> = None;
    let mut last = 0;
    each_match(s.as_bytes(), from.as_bytes(), |at| {
        let out = out.get_or_insert_with(|| String::with_capacity(s.len()));
        // `from` is a whole text, so it starts and ends on character boundaries of `s`
        out.push_str(s.get(last..at).unwrap_or_default());
        out.push_str(to);
        last = at + from.len();
    });
    out.map(|mut out| {
        out.push_str(s.get(last..).unwrap_or_default());
        out
    })
}

/// Calls `found` with the start of each occurrence of `needle` (not empty) in `hay`, left to
/// right, not overlapping. A short needle is looked for by its first byte (`memchr`: the
/// `\` of `\,` is rare in a cell), a longer one with `memmem`.
fn each_match(hay: &[u8], needle: &[u8], mut found: impl FnMut(usize)) {
    match needle {
        [] => {}
        [b] => memchr::memchr_iter(*b, hay).for_each(found),
        [first, rest @ ..] if rest.len() < 8 => {
            let mut from = 0;
            while let Some(i) = hay.get(from..).and_then(|h| memchr::memchr(*first, h)) {
                let at = from + i;
                if hay.get(at + 1..).is_some_and(|h| h.starts_with(rest)) {
                    found(at);
                    from = at + needle.len();
                } else {
                    from = at + 1;
                }
            }
        }
        _ => memchr::memmem::find_iter(hay, needle).for_each(found),
    }
}

fn split(args: &[&Value]) -> Result<Value, String> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    let s = want_str("split", "s", args[0])?;
    let sep = want_str("split", "sep", args[1])?;
    if sep.is_empty() {
        return Err(
            "split: the separator is empty (give the text between the parts, e.g. \",\")".into(),
        );
    }
    if s.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    Ok(Value::Array(
        split_all(s, sep)
            .into_iter()
            .map(|p| Value::String(p.into()))
            .collect(),
    ))
}

/// The parts of `s` between the `sep`s (not empty), as `str::split` gives them
/// ([`each_match`]).
fn split_all<'s>(s: &'s str, sep: &str) -> Vec<&'s str> {
    let mut parts = Vec::new();
    let mut last = 0;
    each_match(s.as_bytes(), sep.as_bytes(), |at| {
        // `sep` is a whole text, so it starts and ends on character boundaries of `s`
        parts.push(s.get(last..at).unwrap_or_default());
        last = at + sep.len();
    });
    parts.push(s.get(last..).unwrap_or_default());
    parts
}

fn join(args: &[&Value]) -> Result<Value, String> {
    let items = match &args[0] {
        Value::Null => return Ok(Value::Null),
        Value::Array(items) => items,
        other => {
            return Err(format!(
                "join: expected a list, got {} {}",
                kind(other),
                show(other)
            ));
        }
    };
    let sep = want_str("join", "sep", args[1])?;
    let mut out = String::new();
    let mut first = true;
    for (i, item) in items.iter().enumerate() {
        let piece = match item {
            Value::Null => continue,
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string().into(),
            Value::Bool(b) => b.to_string().into(),
            other => {
                return Err(format!(
                    "join: element {} is {} {} (only strings, numbers and bools can be joined; use flatten(...) first for nested lists)",
                    i + 1,
                    article(kind(other)),
                    show(other)
                ));
            }
        };
        if !first {
            out.push_str(sep);
        }
        first = false;
        out.push_str(&piece);
    }
    Ok(Value::String(out.into()))
}

fn strip_html(args: &[&Value]) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        v => Ok(Value::String(
            html_to_text(want_str("strip_html", "s", v)?).into(),
        )),
    }
}

fn truncate(args: &[&Value]) -> Result<Value, String> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    let s = want_str("truncate", "s", args[0])?;
    let n = match args[1].as_u64() {
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        None => {
            return Err(format!(
                "truncate: the length must be a whole number of characters (0 or more), got {}",
                show(args[1])
            ));
        }
    };
    let suffix = match args.get(2) {
        None | Some(Value::Null) => "...",
        Some(v) => want_str("truncate", "suffix", v)?,
    };
    if s.chars().count() <= n {
        return Ok(Value::String(s.into()));
    }
    let suffix_len = suffix.chars().count();
    if suffix_len >= n {
        // no room for any text: just cut the text
        return Ok(Value::String(s.chars().take(n).collect()));
    }
    let kept: String = s.chars().take(n - suffix_len).collect();
    Ok(Value::String(format!("{}{suffix}", kept.trim_end()).into()))
}

/// Transliterates to ASCII, lower-cases and turns every run of characters outside `[a-z0-9]`
/// into `sep`, trimmed of `sep` at both ends.
fn ascii_words(s: &str, sep: char) -> String {
    // the same as `deunicode::deunicode(s)`, borrowed when `s` needs no transliteration
    let ascii = deunicode::deunicode_with_tofu_cow(s, "[?]");
    let mut out = String::with_capacity(ascii.len());
    let mut pending = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending && !out.is_empty() {
                out.push(sep);
            }
            pending = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending = true;
        }
    }
    out
}

fn slug(args: &[&Value]) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        v => Ok(Value::String(
            ascii_words(want_str("slug", "s", v)?, '-').into(),
        )),
    }
}

/// A Clerk attribute name (`[a-z0-9_]` only): transliterated to ASCII, lower case, every run of
/// other characters turned into `_`, no `_` at either end.
/// `Vestibilità` -> `vestibilita`, `Codice EAN` -> `codice_ean`, `Taglia/Colore` -> `taglia_colore`.
pub fn normalize_attribute_name(name: &str) -> String {
    ascii_words(name, '_')
}

fn attribute_name(args: &[&Value]) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        v => {
            let name = normalize_attribute_name(want_str("attribute_name", "s", v)?);
            Ok(if name.is_empty() {
                Value::Null
            } else {
                Value::String(name.into())
            })
        }
    }
}

fn starts_with(args: &[&Value]) -> Result<Value, String> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    let s = want_str("starts_with", "s", args[0])?;
    let p = want_str("starts_with", "prefix", args[1])?;
    Ok(Value::Bool(s.starts_with(p)))
}

fn ends_with(args: &[&Value]) -> Result<Value, String> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    let s = want_str("ends_with", "s", args[0])?;
    let p = want_str("ends_with", "suffix", args[1])?;
    Ok(Value::Bool(s.ends_with(p)))
}

fn string(args: &mut [Value]) -> Result<Value, String> {
    match std::mem::take(&mut args[0]) {
        Value::Null => Ok(Value::Null),
        Value::String(s) => Ok(Value::String(s)),
        Value::Number(n) => Ok(Value::String(n.to_string().into())),
        Value::Bool(b) => Ok(Value::String(b.to_string().into())),
        other => Err(format!(
            "string: cannot write {} as a string: {} (use join(list, sep) for lists, or pick a field of the object)",
            article(kind(&other)),
            show(&other)
        )),
    }
}
