//! URL functions: making image and product links absolute, percent-encoding.

use serde_json::Value;

use super::{Example, Function, Imp, Param, kind, show};
use crate::value::Ty;

/// The URL functions, in documentation order.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "absolute_url",
        summary: "Makes a link absolute against `base` (an http(s) URL): `/x` and `x` are appended to it, `//host/x` gets https, absolute http(s) URLs are kept; characters not allowed in URLs are percent-encoded. Empty or null gives null.",
        params: &[
            Param::req("path", Ty::STRING.nullable()),
            Param::req("base", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::STRING.nullable(),
        examples: &[
            Example {
                title: "a root-relative path",
                source: r#"absolute_url("/img/felpa rossa.jpg", "https://shop.example.it/")"#,
                result: Ok(r#""https://shop.example.it/img/felpa%20rossa.jpg""#),
            },
            Example {
                title: "a relative path",
                source: r#""img/a.jpg" | absolute_url("https://shop.example.it")"#,
                result: Ok(r#""https://shop.example.it/img/a.jpg""#),
            },
            Example {
                title: "already absolute",
                source: r#"absolute_url("http://cdn.example.com/a.jpg", "https://shop.example.it")"#,
                result: Ok(r#""http://cdn.example.com/a.jpg""#),
            },
            Example {
                title: "empty",
                source: r#"absolute_url("", "https://shop.example.it")"#,
                result: Ok("null"),
            },
            Example {
                title: "bad base",
                source: r#"absolute_url("/a", "shop.example.it")"#,
                result: Err("absolute_url: the base must be an absolute http(s) URL"),
            },
        ],
        imp: Imp::Pure(absolute_url),
        check_const: Some(check_absolute_url),
        foldable: true,
    },
    Function {
        name: "url_encode",
        summary: "Percent-encodes a URL component: everything except letters, digits and `-._~` (UTF-8 bytes as %XX).",
        params: &[Param::req("s", Ty::STRING.or(Ty::NUMBER).nullable())],
        variadic: false,
        returns: Ty::STRING.nullable(),
        examples: &[
            Example {
                title: "spaces and symbols",
                source: r#"url_encode("felpa & più/blu")"#,
                result: Ok(r#""felpa%20%26%20pi%C3%B9%2Fblu""#),
            },
            Example {
                title: "a number",
                source: "url_encode(1001)",
                result: Ok(r#""1001""#),
            },
            Example {
                title: "null flows through",
                source: "url_encode(null)",
                result: Ok("null"),
            },
        ],
        imp: Imp::Pure(url_encode),
        check_const: None,
        foldable: true,
    },
];

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn push_escaped(out: &mut String, b: u8) {
    out.push('%');
    out.push(HEX[usize::from(b >> 4)] as char);
    out.push(HEX[usize::from(b & 15)] as char);
}

/// Percent-encodes the characters not allowed anywhere in a URL (spaces, quotes, `<>\^`{|}`,
/// controls, non-ASCII as UTF-8 bytes) and a `%` that does not start a `%XX` escape; reserved
/// characters (`/?#&=` ...) and existing escapes are kept.
pub fn encode_url(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in b.iter().enumerate() {
        let keep = match c {
            b'%' => {
                b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
            }
            c if c.is_ascii_alphanumeric() => true,
            b'-' | b'.' | b'_' | b'~' | b':' | b'/' | b'?' | b'#' | b'[' | b']' | b'@' | b'!'
            | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' => true,
            _ => false,
        };
        if keep {
            out.push(c as char);
        } else {
            push_escaped(&mut out, c);
        }
    }
    out
}

/// Percent-encodes a URL component: only RFC 3986 unreserved characters are kept.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') {
            out.push(c as char);
        } else {
            push_escaped(&mut out, c);
        }
    }
    out
}

/// The length of the `scheme://` prefix of `s` when it has one.
fn scheme_len(s: &str) -> Option<usize> {
    let colon = s.find("://")?;
    let scheme = &s[..colon];
    let mut chars = scheme.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    ok.then_some(colon + 3)
}

fn is_http(s: &str) -> bool {
    let lower = |n: usize| s.get(..n).map(str::to_ascii_lowercase);
    lower(7).as_deref() == Some("http://") || lower(8).as_deref() == Some("https://")
}

/// The base URL without trailing `/`, or an error when it is not an absolute http(s) URL.
fn base_arg(v: &Value) -> Result<&str, String> {
    let bad = || {
        format!(
            "absolute_url: the base must be an absolute http(s) URL such as \"https://shop.example.it\", got {} {}",
            kind(v),
            show(v)
        )
    };
    let Value::String(s) = v else {
        return Err(bad());
    };
    let s = s.trim();
    let host_start = scheme_len(s).filter(|_| is_http(s)).ok_or_else(bad)?;
    let trimmed = s.trim_end_matches('/');
    if trimmed.len() <= host_start || s[host_start..].starts_with('/') {
        return Err(bad());
    }
    Ok(trimmed)
}

fn check_absolute_url(args: &[Option<&Value>]) -> Result<(), String> {
    if let Some(Some(v)) = args.get(1) {
        base_arg(v)?;
    }
    Ok(())
}

fn absolute_url(args: &mut [Value]) -> Result<Value, String> {
    let path = match &args[0] {
        Value::Null => return Ok(Value::Null),
        Value::String(s) => s.trim(),
        other => {
            return Err(format!(
                "absolute_url: expected a path or URL string, got {} {}",
                kind(other),
                show(other)
            ));
        }
    };
    if path.is_empty() {
        return Ok(Value::Null);
    }
    let base = base_arg(&args[1])?;
    let url = if is_http(path) {
        path.to_string()
    } else if scheme_len(path).is_some() {
        return Err(format!(
            "absolute_url: {} is not an http(s) link (only http and https URLs are kept as they are)",
            show(&args[0])
        ));
    } else if path.starts_with("//") {
        format!("https:{path}")
    } else if path.starts_with('/') {
        format!("{base}{path}")
    } else {
        format!("{base}/{path}")
    };
    Ok(Value::String(encode_url(&url)))
}

fn url_encode(args: &mut [Value]) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::String(s) => Ok(Value::String(encode_component(s))),
        Value::Number(n) => Ok(Value::String(encode_component(&n.to_string()))),
        other => Err(format!(
            "url_encode: expected a string, got {} {}",
            kind(other),
            show(other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn abs(path: Value, base: &str) -> Result<Value, String> {
        let mut args = vec![path, json!(base)];
        absolute_url(&mut args)
    }

    const BASE: &str = "https://shop.example.it";

    #[test]
    fn joins_paths() {
        assert_eq!(
            abs(json!("/img/a.jpg"), "https://shop.example.it/"),
            Ok(json!("https://shop.example.it/img/a.jpg"))
        );
        assert_eq!(
            abs(json!("/img/a.jpg"), "https://shop.example.it///"),
            Ok(json!("https://shop.example.it/img/a.jpg"))
        );
        assert_eq!(
            abs(json!("img/a.jpg"), BASE),
            Ok(json!("https://shop.example.it/img/a.jpg"))
        );
        assert_eq!(
            abs(json!("img/a.jpg"), "https://shop.example.it/it/"),
            Ok(json!("https://shop.example.it/it/img/a.jpg"))
        );
        assert_eq!(
            abs(json!("//cdn.example.com/a.jpg"), BASE),
            Ok(json!("https://cdn.example.com/a.jpg"))
        );
        assert_eq!(
            abs(json!("HTTPS://cdn.example.com/a.jpg"), BASE),
            Ok(json!("HTTPS://cdn.example.com/a.jpg"))
        );
        assert_eq!(
            abs(json!("  /a.jpg "), BASE),
            Ok(json!("https://shop.example.it/a.jpg"))
        );
        assert_eq!(abs(json!(""), BASE), Ok(Value::Null));
        assert_eq!(abs(json!("   "), BASE), Ok(Value::Null));
        assert_eq!(abs(Value::Null, "bad"), Ok(Value::Null));
        assert!(
            abs(json!("ftp://x/a"), BASE)
                .unwrap_err()
                .contains("not an http(s) link")
        );
        assert!(abs(json!(12), BASE).is_err());
    }

    #[test]
    fn encodes_what_urls_do_not_allow() {
        assert_eq!(
            abs(json!("/img/felpa rossa più.jpg?x=1&y=a|b#top"), BASE),
            Ok(json!(
                "https://shop.example.it/img/felpa%20rossa%20pi%C3%B9.jpg?x=1&y=a%7Cb#top"
            ))
        );
        assert_eq!(
            abs(json!("/a%20b%zz%"), BASE),
            Ok(json!("https://shop.example.it/a%20b%25zz%25"))
        );
        assert_eq!(
            abs(json!("/a\"<>\\^`{}"), BASE),
            Ok(json!("https://shop.example.it/a%22%3C%3E%5C%5E%60%7B%7D"))
        );
    }

    #[test]
    fn rejects_bad_bases() {
        for bad in [
            "shop.example.it",
            "https://",
            "https:///x",
            "ftp://x.it",
            "/x",
            "",
        ] {
            let e = abs(json!("/a"), bad).unwrap_err();
            assert!(
                e.contains("the base must be an absolute http(s) URL"),
                "{bad}: {e}"
            );
            assert!(check_absolute_url(&[None, Some(&json!(bad))]).is_err());
        }
        assert!(abs(json!("/a"), "http://localhost:8080").is_ok());
        assert!(check_absolute_url(&[None, Some(&json!(BASE))]).is_ok());
        assert!(check_absolute_url(&[None, Some(&json!(1))]).is_err());
        assert!(check_absolute_url(&[None, None]).is_ok());
    }

    #[test]
    fn encodes_components() {
        let mut args = vec![json!("felpa & più/blu~x_y.z-1")];
        assert_eq!(
            url_encode(&mut args),
            Ok(json!("felpa%20%26%20pi%C3%B9%2Fblu~x_y.z-1"))
        );
        let mut args = vec![json!(12.5)];
        assert_eq!(url_encode(&mut args), Ok(json!("12.5")));
        let mut args = vec![json!([1])];
        assert!(url_encode(&mut args).is_err());
    }
}
