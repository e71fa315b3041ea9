//! String functions: case, trimming, splitting and joining, HTML stripping, slugs and Clerk
//! attribute names.

use serde_json::Value;

use super::{Example, Function, Imp, Param, kind, show};
use crate::value::Ty;

const STR_OR_LIST: Ty = Ty::STRING.or(Ty::LIST).or(Ty::NULL);

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
        imp: Imp::Pure(replace),
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
        imp: Imp::Pure(split),
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
        imp: Imp::Pure(join),
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
        imp: Imp::Pure(strip_html),
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
        imp: Imp::Pure(truncate),
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
        imp: Imp::Pure(slug),
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
        imp: Imp::Pure(starts_with),
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
        imp: Imp::Pure(ends_with),
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
        summary: "Makes a valid Clerk attribute name: transliterated, lower case, other characters as `_` ([a-z0-9_] only).",
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
                title: "null flows through",
                source: "attribute_name(null)",
                result: Ok("null"),
            },
        ],
        imp: Imp::Pure(attribute_name),
        check_const: None,
        foldable: true,
    },
];

// ---- helpers ----

/// The string argument `i`, or an error naming the function and the value.
fn want_str<'a>(f: &str, what: &str, v: &'a Value) -> Result<&'a str, String> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(format!(
            "{f}: expected a string for `{what}`, got {} {} (use string(...) to convert a scalar)",
            kind(other),
            show(other)
        )),
    }
}

/// Applies `op` to a string, or to each string element of a list (other elements unchanged).
fn map_strings(f: &str, v: Value, op: fn(&str) -> String) -> Result<Value, String> {
    match v {
        Value::Null => Ok(Value::Null),
        Value::String(s) => Ok(Value::String(op(&s))),
        Value::Array(items) => Ok(Value::Array(
            items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Value::String(op(&s)),
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
        s.trim().to_string()
    })
}

fn lower(args: &mut [Value]) -> Result<Value, String> {
    map_strings("lower", std::mem::take(&mut args[0]), str::to_lowercase)
}

fn upper(args: &mut [Value]) -> Result<Value, String> {
    map_strings("upper", std::mem::take(&mut args[0]), str::to_uppercase)
}

fn replace(args: &mut [Value]) -> Result<Value, String> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    let s = want_str("replace", "s", &args[0])?;
    let from = want_str("replace", "from", &args[1])?;
    let to = want_str("replace", "to", &args[2])?;
    if from.is_empty() {
        return Err(
            "replace: the text to replace is empty (give the literal text to look for)".into(),
        );
    }
    Ok(Value::String(s.replace(from, to)))
}

fn split(args: &mut [Value]) -> Result<Value, String> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    let s = want_str("split", "s", &args[0])?;
    let sep = want_str("split", "sep", &args[1])?;
    if sep.is_empty() {
        return Err(
            "split: the separator is empty (give the text between the parts, e.g. \",\")".into(),
        );
    }
    if s.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    Ok(Value::Array(
        s.split(sep).map(|p| Value::String(p.to_string())).collect(),
    ))
}

fn join(args: &mut [Value]) -> Result<Value, String> {
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
    let sep = want_str("join", "sep", &args[1])?;
    let mut out = String::new();
    let mut first = true;
    for (i, item) in items.iter().enumerate() {
        let piece = match item {
            Value::Null => continue,
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
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
    Ok(Value::String(out))
}

fn article(k: &str) -> String {
    if k.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {k}")
    } else {
        format!("a {k}")
    }
}

// ---- strip_html ----

/// Tags that do not separate words (`a<b>b</b>c` is `abc`).
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "big", "cite", "code", "del", "em", "font", "i", "ins", "mark", "s", "small",
    "span", "strike", "strong", "sub", "sup", "tt", "u",
];

/// Finds `needle` (ASCII, lower case) in `hay` ignoring ASCII case.
fn find_ascii_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (0..=hay.len() - needle.len()).find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// The end (index after `>`) of a tag starting at `start` (which is `<`), honouring quoted
/// attribute values; None when there is no closing `>`.
fn tag_end(b: &[u8], start: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    let mut i = start + 1;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'>' => return Some(i + 1),
            None => {}
        }
        i += 1;
    }
    None
}

/// Removes tags from `html`: inline tags vanish, other tags become a space, the content of
/// `script`/`style` and comments is dropped. A `<` that does not start a tag is kept.
fn remove_tags(html: &str) -> String {
    let b = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut i = 0;
    let mut text_start = 0;
    while let Some(off) = memchr::memchr(b'<', &b[i..]) {
        let lt = i + off;
        let next = b.get(lt + 1).copied();
        // comment
        if b[lt..].starts_with(b"<!--") {
            out.push_str(&html[text_start..lt]);
            out.push(' ');
            let end =
                memchr::memmem::find(&b[lt + 4..], b"-->").map_or(b.len(), |p| lt + 4 + p + 3);
            i = end;
            text_start = end;
            continue;
        }
        let is_tag = match next {
            Some(c) if c.is_ascii_alphabetic() => true,
            Some(b'/') => b.get(lt + 2).is_some_and(|c| c.is_ascii_alphabetic()),
            Some(b'!') | Some(b'?') => true,
            _ => false,
        };
        let end = if is_tag { tag_end(b, lt) } else { None };
        let Some(end) = end else {
            i = lt + 1;
            continue;
        };
        out.push_str(&html[text_start..lt]);
        // tag name
        let name_start = if next == Some(b'/') { lt + 2 } else { lt + 1 };
        let name_len = b[name_start..end]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let closing = next == Some(b'/');
        let self_closing = b[..end - 1].ends_with(b"/");
        if !closing && !self_closing && (name == "script" || name == "style") {
            let close = format!("</{name}");
            let resume = match find_ascii_ci(&b[end..], close.as_bytes()) {
                Some(p) => tag_end(b, end + p).unwrap_or(b.len()),
                None => b.len(),
            };
            out.push(' ');
            i = resume;
            text_start = resume;
            continue;
        }
        if !INLINE_TAGS.contains(&name.as_str()) {
            out.push(' ');
        }
        i = end;
        text_start = end;
    }
    out.push_str(&html[text_start..]);
    out
}

/// Collapses every whitespace run (including newlines and no-break spaces) to one space, trimmed.
fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// HTML to plain text (see the `strip_html` function).
pub fn html_to_text(html: &str) -> String {
    let text = remove_tags(html);
    let decoded = html_escape::decode_html_entities(&text);
    collapse_whitespace(&decoded)
}

fn strip_html(args: &mut [Value]) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        v => Ok(Value::String(html_to_text(want_str("strip_html", "s", v)?))),
    }
}

fn truncate(args: &mut [Value]) -> Result<Value, String> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    let s = want_str("truncate", "s", &args[0])?;
    let n = match args[1].as_u64() {
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        None => {
            return Err(format!(
                "truncate: the length must be a whole number of characters (0 or more), got {}",
                show(&args[1])
            ));
        }
    };
    let suffix = match args.get(2) {
        None | Some(Value::Null) => "...",
        Some(v) => want_str("truncate", "suffix", v)?,
    };
    if s.chars().count() <= n {
        return Ok(Value::String(s.to_string()));
    }
    let suffix_len = suffix.chars().count();
    if suffix_len >= n {
        // no room for any text: just cut the text
        return Ok(Value::String(s.chars().take(n).collect()));
    }
    let kept: String = s.chars().take(n - suffix_len).collect();
    Ok(Value::String(format!("{}{suffix}", kept.trim_end())))
}

/// Transliterates to ASCII, lower-cases and turns every run of characters outside `[a-z0-9]`
/// into `sep`, trimmed of `sep` at both ends.
fn ascii_words(s: &str, sep: char) -> String {
    let ascii = deunicode::deunicode(s);
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

fn slug(args: &mut [Value]) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        v => Ok(Value::String(ascii_words(want_str("slug", "s", v)?, '-'))),
    }
}

/// A Clerk attribute name (`[a-z0-9_]` only): transliterated to ASCII, lower case, every run of
/// other characters turned into `_`, no `_` at either end.
/// `Vestibilità` -> `vestibilita`, `Codice EAN` -> `codice_ean`, `Taglia/Colore` -> `taglia_colore`.
pub fn normalize_attribute_name(name: &str) -> String {
    ascii_words(name, '_')
}

fn attribute_name(args: &mut [Value]) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        v => Ok(Value::String(normalize_attribute_name(want_str(
            "attribute_name",
            "s",
            v,
        )?))),
    }
}

fn starts_with(args: &mut [Value]) -> Result<Value, String> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    let s = want_str("starts_with", "s", &args[0])?;
    let p = want_str("starts_with", "prefix", &args[1])?;
    Ok(Value::Bool(s.starts_with(p)))
}

fn ends_with(args: &mut [Value]) -> Result<Value, String> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    let s = want_str("ends_with", "s", &args[0])?;
    let p = want_str("ends_with", "suffix", &args[1])?;
    Ok(Value::Bool(s.ends_with(p)))
}

fn string(args: &mut [Value]) -> Result<Value, String> {
    match std::mem::take(&mut args[0]) {
        Value::Null => Ok(Value::Null),
        Value::String(s) => Ok(Value::String(s)),
        Value::Number(n) => Ok(Value::String(n.to_string())),
        Value::Bool(b) => Ok(Value::String(b.to_string())),
        other => Err(format!(
            "string: cannot write {} as a string: {} (use join(list, sep) for lists, or pick a field of the object)",
            article(kind(&other)),
            show(&other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::functions::call;

    #[test]
    fn trim_lower_upper_on_lists() {
        assert_eq!(
            call(trim, vec![json!([" a ", null, 1, "b\n"])]),
            Ok(json!(["a", null, 1, "b"]))
        );
        assert_eq!(call(lower, vec![json!("ÀB")]), Ok(json!("àb")));
        assert_eq!(call(upper, vec![json!(["à"])]), Ok(json!(["À"])));
        assert!(
            call(trim, vec![json!(12)])
                .unwrap_err()
                .contains("expected a string")
        );
    }

    #[test]
    fn split_and_join() {
        assert_eq!(
            call(split, vec![json!("a,,b"), json!(",")]),
            Ok(json!(["a", "", "b"]))
        );
        assert_eq!(call(split, vec![json!(""), json!(",")]), Ok(json!([])));
        assert_eq!(
            call(join, vec![json!([1, null, 2.5, true, "x"]), json!("/")]),
            Ok(json!("1/2.5/true/x"))
        );
        assert_eq!(
            call(join, vec![json!([null, "a"]), json!(",")]),
            Ok(json!("a"))
        );
        let e = call(join, vec![json!([{"a": 1}]), json!(",")]).unwrap_err();
        assert!(e.contains("element 1 is an object"), "{e}");
    }

    #[test]
    fn strip_html_cases() {
        let t = |s: &str| html_to_text(s);
        assert_eq!(t("<p>a</p><p>b</p>"), "a b");
        assert_eq!(t("a<b>b</b>c"), "abc");
        assert_eq!(t("a<span class=\"x\">b</span>c"), "abc");
        assert_eq!(t("a<br>b<br/>c<BR />d"), "a b c d");
        assert_eq!(t("a < b and c > d"), "a < b and c > d");
        assert_eq!(t("1 <2"), "1 <2");
        assert_eq!(t("x<script type='a'>if (a<b) {}</script>y"), "x y");
        assert_eq!(t("x<STYLE>p{}</style>y"), "x y");
        assert_eq!(t("x<!-- <p>hidden</p> -->y"), "x y");
        assert_eq!(t("&amp; &deg; &#39; &#x27; &lt;b&gt;"), "& ° ' ' <b>");
        assert_eq!(t("a&nbsp;&nbsp;b\n\t c\u{a0}d"), "a b c d");
        assert_eq!(t("<a href=\"x>y\">link</a>"), "link");
        assert_eq!(t("<div>unclosed <b"), "unclosed <b");
        assert_eq!(t("  <ul><li>uno</li><li>due</li></ul>  "), "uno due");
        assert_eq!(
            t("Perfetto per l'inverno<br>\r\n<strong>100%</strong> lana"),
            "Perfetto per l'inverno 100% lana"
        );
        assert_eq!(t(""), "");
    }

    #[test]
    fn truncate_counts_chars() {
        assert_eq!(
            call(truncate, vec![json!("Felpa con cappuccio"), json!(10)]),
            Ok(json!("Felpa c..."))
        );
        assert_eq!(
            call(truncate, vec![json!("àèìòùàèìòù"), json!(10)]),
            Ok(json!("àèìòùàèìòù"))
        );
        assert_eq!(
            call(truncate, vec![json!("àèìòùàèìòùx"), json!(10)]),
            Ok(json!("àèìòùàè..."))
        );
        assert_eq!(
            call(truncate, vec![json!("Felpa con cappuccio"), json!(9)]),
            Ok(json!("Felpa..."))
        );
        assert_eq!(
            call(truncate, vec![json!("abcdef"), json!(2)]),
            Ok(json!("ab"))
        );
        assert_eq!(
            call(truncate, vec![json!("abcdef"), json!(4), json!("")]),
            Ok(json!("abcd"))
        );
        assert_eq!(
            call(truncate, vec![json!("abcdef"), json!(4), Value::Null]),
            Ok(json!("a..."))
        );
        assert!(call(truncate, vec![json!("abc"), json!(1.5)]).is_err());
        assert_eq!(call(truncate, vec![Value::Null, json!(1)]), Ok(Value::Null));
    }

    #[test]
    fn slugs_and_attribute_names() {
        assert_eq!(
            call(slug, vec![json!("Felpa Unisex – Più Caldo!")]),
            Ok(json!("felpa-unisex-piu-caldo"))
        );
        assert_eq!(call(slug, vec![json!("--ÀÀ__b--")]), Ok(json!("aa-b")));
        assert_eq!(normalize_attribute_name("Vestibilità"), "vestibilita");
        assert_eq!(normalize_attribute_name("Codice EAN"), "codice_ean");
        assert_eq!(normalize_attribute_name("Taglia/Colore"), "taglia_colore");
        assert_eq!(normalize_attribute_name("  (Peso) kg. "), "peso_kg");
        assert_eq!(normalize_attribute_name("già_usato"), "gia_usato");
        assert_eq!(normalize_attribute_name("a__b"), "a_b");
        assert_eq!(normalize_attribute_name("!!"), "");
    }

    #[test]
    fn string_of_scalars() {
        assert_eq!(call(string, vec![json!(18.0)]), Ok(json!("18.0")));
        assert_eq!(call(string, vec![json!(-3)]), Ok(json!("-3")));
        assert_eq!(call(string, vec![json!(false)]), Ok(json!("false")));
        assert!(
            call(string, vec![json!({"a": 1})])
                .unwrap_err()
                .contains("an object")
        );
    }

    #[test]
    fn replace_and_predicates() {
        assert_eq!(
            call(replace, vec![json!("a.b.c"), json!("."), json!("")]),
            Ok(json!("abc"))
        );
        assert_eq!(
            call(starts_with, vec![json!("abc"), json!("")]),
            Ok(json!(true))
        );
        assert_eq!(
            call(ends_with, vec![Value::Null, json!("x")]),
            Ok(Value::Null)
        );
    }
}
