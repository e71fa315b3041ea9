//! URL functions: making image and product links absolute (RFC 3986 resolution through the
//! `url` crate, or a path under a prefix), percent-encoding.

use std::cell::RefCell;

use crate::value::{Ty, Value};
use url::{Position, Url};

use super::{Example, Function, Imp, Param, kind, show};

/// The URL functions, in documentation order.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "absolute_url",
        summary: "Resolves a link against `base` (an absolute http(s) URL, e.g. `var(\"site_url\")`) by RFC 3986, as a browser resolves a link on the page `base`: a full http(s) URL is kept; `//host/x` takes the base's scheme; `/x` replaces the base's whole path (to put paths under a folder of the shop, such as a store's `https://shop.example.it/de`, use `prefixed_url`); `x`, `./x` and `../x` are resolved against the base's folder (a base naming a document, `https://x.it/de/index.html`, resolves against `https://x.it/de/`), dot segments removed; `?q` and `#f` keep the base's path. One encoding rule for every URL function: the characters a URL may not hold are percent-encoded as UTF-8 (a space as `%20`, `ù` as `%C3%B9`; also `\"`, `<`, `>`, `\\`, `^`, the backtick, `{`, `|`, `}` and control characters), a `%` that starts no `%XX` escape as `%25`, and escapes already there are kept as they are (never decoded, never encoded twice); the URL is then written in its standard form: scheme and host in lower case (a non-ASCII host in punycode), no default port, `/` for an empty path, `'` in a query as `%27`. An empty or null link gives null. A base that is not an absolute http(s) URL, or a link that gives no http(s) URL (`mailto:...`, an empty or malformed host, a bad port), is an error saying why.",
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
                title: "dot segments",
                source: r#"absolute_url("../img/a.jpg", "https://x.it/shop/")"#,
                result: Ok(r#""https://x.it/img/a.jpg""#),
            },
            Example {
                title: "a base naming a document",
                source: r#"absolute_url("img/a.jpg", "https://x.it/de/index.html")"#,
                result: Ok(r#""https://x.it/de/img/a.jpg""#),
            },
            Example {
                title: "a root-relative path replaces the base's path",
                source: r#"absolute_url("/a.jpg", "https://shop.example.it/de")"#,
                result: Ok(r#""https://shop.example.it/a.jpg""#),
            },
            Example {
                title: "protocol-relative: the base's scheme",
                source: r#"absolute_url("//cdn.x.it/a.jpg", "http://x.it/")"#,
                result: Ok(r#""http://cdn.x.it/a.jpg""#),
            },
            Example {
                title: "a query only",
                source: r#"absolute_url("?page=2", "https://x.it/c/felpe")"#,
                result: Ok(r#""https://x.it/c/felpe?page=2""#),
            },
            Example {
                title: "non-ASCII and spaces",
                source: r#"absolute_url("/felpe/più blu.jpg#top", "https://x.it")"#,
                result: Ok(r#""https://x.it/felpe/pi%C3%B9%20blu.jpg#top""#),
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
                title: "not an http(s) link",
                source: r#"absolute_url("mailto:info@x.it", "https://x.it")"#,
                result: Err(
                    r#"absolute_url: "mailto:info@x.it" is a link with the scheme "mailto", not an http(s) link"#,
                ),
            },
            Example {
                title: "a malformed host",
                source: r#"absolute_url("https://x..it:99999/a", "https://x.it")"#,
                result: Err(
                    r#"absolute_url: cannot make "https://x..it:99999/a" absolute against "https://x.it/": invalid port number"#,
                ),
            },
            Example {
                title: "an empty host",
                source: r#"absolute_url("///cdn.x.it/a.jpg", "https://x.it")"#,
                result: Err("its host is empty"),
            },
            Example {
                title: "bad base",
                source: r#"absolute_url("/a", "shop.example.it")"#,
                result: Err("absolute_url: the base must be an absolute http(s) URL"),
            },
        ],
        imp: Imp::Reads(absolute_url),
        check_const: Some(check_absolute_url),
        foldable: true,
    },
    Function {
        name: "prefixed_url",
        summary: "Puts a path under a URL prefix: the shop's URL, possibly with a folder (a store at `https://shop.example.it/de`). `/x` and `x` both give `PREFIX/x`; dot segments are removed, never going above the prefix; a query or fragment is kept; a full http(s) URL and `//host/x` are resolved as by `absolute_url`. Same encoding rule as `absolute_url`. Use it when the export's links are paths from the root of a store that may live in a folder (`var(\"site_url\")` in the shipped mappings); use `absolute_url` to resolve links as a browser does. An empty or null path gives null; a prefix that is not an absolute http(s) URL, or that has a query or fragment, is an error.",
        params: &[
            Param::req("path", Ty::STRING.nullable()),
            Param::req("prefix", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::STRING.nullable(),
        examples: &[
            Example {
                title: "a store in a folder",
                source: r#""/felpe/f1.html" | prefixed_url("https://shop.example.it/de")"#,
                result: Ok(r#""https://shop.example.it/de/felpe/f1.html""#),
            },
            Example {
                title: "a relative path",
                source: r#"prefixed_url("img/a b.jpg", "https://shop.example.it/de/")"#,
                result: Ok(r#""https://shop.example.it/de/img/a%20b.jpg""#),
            },
            Example {
                title: "no folder",
                source: r#"prefixed_url("/a.jpg", "https://shop.example.it")"#,
                result: Ok(r#""https://shop.example.it/a.jpg""#),
            },
            Example {
                title: "never above the prefix",
                source: r#"prefixed_url("/img/../../a.jpg", "https://shop.example.it/de")"#,
                result: Ok(r#""https://shop.example.it/de/a.jpg""#),
            },
            Example {
                title: "a full URL is kept",
                source: r#"prefixed_url("https://cdn.example.com/a.jpg", "https://shop.example.it/de")"#,
                result: Ok(r#""https://cdn.example.com/a.jpg""#),
            },
            Example {
                title: "empty",
                source: r#"prefixed_url(" ", "https://shop.example.it/de")"#,
                result: Ok("null"),
            },
            Example {
                title: "a prefix with a query",
                source: r#"prefixed_url("/a", "https://shop.example.it/?lang=de")"#,
                result: Err(
                    "prefixed_url: the prefix \"https://shop.example.it/?lang=de\" has a query or a fragment",
                ),
            },
        ],
        imp: Imp::Reads(prefixed_url),
        check_const: Some(check_prefixed_url),
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
        imp: Imp::Reads(url_encode),
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

/// The base URL of `f` (`what` names it: "base", "prefix"), parsed; an error when it is not an
/// absolute http(s) URL with a host.
fn base_arg(f: &str, what: &str, v: &Value) -> Result<Url, String> {
    with_base(f, what, v, Url::clone)
}

/// [`base_arg`] parsed (not looked up in [`LAST_BASE`]), and kept there.
fn parse_base(f: &str, what: &str, v: &Value) -> Result<Url, String> {
    let bad = |why: String| {
        format!(
            "{f}: the {what} must be an absolute http(s) URL such as \"https://shop.example.it\", got {} {}{why}",
            kind(v),
            show(v)
        )
    };
    let Value::String(s) = v else {
        return Err(bad(String::new()));
    };
    let text = s;
    let s = s.trim();
    let host_start = scheme_len(s)
        .filter(|_| is_http(s))
        .ok_or_else(|| bad(String::new()))?;
    if s.len() <= host_start || s[host_start..].starts_with(['/', '?', '#']) {
        return Err(bad(" (it has no host)".to_string()));
    }
    let url = Url::parse(&encode_url(s)).map_err(|e| bad(format!(" ({e})")))?;
    LAST_BASE.with(|last| *last.borrow_mut() = Some((text.to_string(), url.clone())));
    Ok(url)
}

thread_local! {
    /// The last base parsed on this thread, with its text: a mapping gives every record the
    /// same base, which is then parsed once per worker thread.
    static LAST_BASE: RefCell<Option<(String, Url)>> = const { RefCell::new(None) };
}

/// `then` of the base `v` of `f` (see [`base_arg`]): the one this thread parsed last when `v`
/// is its text (no copy of it), else `v` parsed.
fn with_base<R>(f: &str, what: &str, v: &Value, then: impl Fn(&Url) -> R) -> Result<R, String> {
    if let Value::String(text) = v {
        let cached = LAST_BASE.with(|last| match last.borrow().as_ref() {
            Some((t, url)) if t == text => Some(then(url)),
            _ => None,
        });
        if let Some(r) = cached {
            return Ok(r);
        }
    }
    parse_base(f, what, v).map(|url| then(&url))
}

fn check_absolute_url(args: &[Option<&Value>]) -> Result<(), String> {
    if let Some(Some(v)) = args.get(1) {
        base_arg("absolute_url", "base", v)?;
    }
    Ok(())
}

fn check_prefixed_url(args: &[Option<&Value>]) -> Result<(), String> {
    if let Some(Some(v)) = args.get(1) {
        prefix_arg(v)?;
    }
    Ok(())
}

/// The link argument of `f`, trimmed; None for null and empty strings.
fn link_arg<'a>(f: &str, v: &'a Value) -> Result<Option<&'a str>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.trim()).filter(|s| !s.is_empty())),
        other => Err(format!(
            "{f}: expected a path or URL string, got {} {}",
            kind(other),
            show(other)
        )),
    }
}

/// The link `link` (already percent-encoded) resolved against `base` by RFC 3986; an error
/// when it cannot be, or when it is not an http(s) URL.
fn resolve(f: &str, link: &Value, base: &Url, encoded: &str) -> Result<Url, String> {
    let cannot = |why: &dyn std::fmt::Display| {
        format!(
            "{f}: cannot make {} absolute against \"{base}\": {why}; fix the link in the export (a path such as \"/img/a.jpg\" or a full URL such as \"https://cdn.example.it/a.jpg\")",
            show(link)
        )
    };
    if let Some(why) = missing_host(encoded) {
        return Err(cannot(&why));
    }
    let url = base.join(encoded).map_err(|e| cannot(&e))?;
    if !matches!(url.scheme(), "http" | "https") {
        let text = link_text(link);
        let known = ["mailto", "tel", "sms", "javascript", "data", "ftp", "file"];
        let hint = if text.contains("://") || known.contains(&url.scheme()) {
            String::new()
        } else {
            format!(" (if it is a path whose first segment holds a `:`, write it as \"./{text}\")")
        };
        return Err(format!(
            "{f}: {} is a link with the scheme \"{}\", not an http(s) link: Clerk needs http or https URLs{hint}",
            show(link),
            url.scheme(),
        ));
    }
    Ok(url)
}

/// The index of the `:` that ends the scheme of a reference, when it has one (RFC 3986: a
/// letter, then letters, digits, `+`, `-`, `.`).
fn scheme_end(reference: &str) -> Option<usize> {
    reference.find(':').filter(|&i| {
        let s = &reference[..i];
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// Why a reference that RFC 3986 reads as having no host cannot be an http(s) URL: an
/// http(s) scheme not followed by `//` (`http:x`, `https:/x`), or an empty authority (`//`,
/// `///x`). The URL Standard, which the `url` crate implements, would guess a host there (so
/// would a browser); a feed should not.
fn missing_host(encoded: &str) -> Option<&'static str> {
    let rest = match scheme_end(encoded) {
        Some(i) => {
            let scheme = &encoded[..i];
            let rest = &encoded[i + 1..];
            let http = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
            if http && !rest.starts_with("//") {
                return Some("an http(s) link needs `//` and a host after its scheme");
            }
            rest
        }
        None => encoded,
    };
    let authority = rest.strip_prefix("//")?;
    (authority.is_empty() || authority.starts_with(['/', '?', '#'])).then_some("its host is empty")
}

/// The text of a string value (empty for others).
fn link_text(v: &Value) -> &str {
    v.as_str().map(str::trim).unwrap_or_default()
}

fn absolute_url(args: &[&Value]) -> Result<Value, String> {
    let Some(link) = link_arg("absolute_url", args[0])? else {
        return Ok(Value::Null);
    };
    let Some(plain) = plain_link(link) else {
        return absolute_url_by_url(args);
    };
    // What `absolute_url_by_url` computes for a plain link, as strings.
    with_base("absolute_url", "base", args[1], |base| {
        let head = match plain {
            Plain::Url => "",
            Plain::Rooted => &base[..Position::BeforePath],
            Plain::Relative => {
                let through_path = &base[..Position::AfterPath];
                through_path
                    .rfind('/')
                    .map_or(through_path, |i| &through_path[..=i])
            }
        };
        let mut out = String::with_capacity(head.len() + link.len());
        out.push_str(head);
        out.push_str(link);
        Value::String(out.into())
    })
}

/// A link whose resolution is a concatenation (see [`plain_link`]).
#[derive(Clone, Copy)]
enum Plain {
    /// An http(s) URL written as the `url` crate writes it: it is its own resolution.
    Url,
    /// A plain path from the root (`/img/a.jpg`): the base's scheme and host, then the path.
    Rooted,
    /// A plain relative path (`img/a.jpg`): the base up to the last `/` of its path, then
    /// the path.
    Relative,
}

/// Which kind of [`Plain`] link `link` is; None when the `url` crate must resolve it (an
/// escape or a character to encode, a dot segment, a query or fragment, a port, user info,
/// an upper-case or international host, a host that may be an IP address, ...).
fn plain_link(link: &str) -> Option<Plain> {
    if !link.is_ascii() {
        return None;
    }
    for scheme in ["https://", "http://"] {
        if let Some(rest) = link.strip_prefix(scheme) {
            let (host, path) = rest.split_at(rest.find('/')?);
            return (plain_host(host) && is_plain_path(path)).then_some(Plain::Url);
        }
    }
    if !is_plain_path(link) {
        return None;
    }
    Some(if link.starts_with('/') {
        Plain::Rooted
    } else {
        Plain::Relative
    })
}

/// Whether `host` is a domain the URL Standard writes as it is: dot-separated labels of
/// lower-case ASCII letters, digits and `-`, none empty and none an `xn--` label (which
/// would be checked as Punycode), the last starting with a letter (a host whose last label
/// is a number is read as an IPv4 address).
fn plain_host(host: &str) -> bool {
    let mut last = "";
    for label in host.split('.') {
        let plain = !label.is_empty()
            && !label.starts_with("xn--")
            && label
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-');
        if !plain {
            return false;
        }
        last = label;
    }
    last.starts_with(|c: char| c.is_ascii_lowercase())
}

/// `absolute_url` by the `url` crate, for every link.
fn absolute_url_by_url(args: &[&Value]) -> Result<Value, String> {
    let Some(link) = link_arg("absolute_url", args[0])? else {
        return Ok(Value::Null);
    };
    let base = base_arg("absolute_url", "base", args[1])?;
    let url = resolve("absolute_url", args[0], &base, &encode_url(link))?;
    Ok(Value::String(url.as_str().into()))
}

/// The prefix of `prefixed_url`: a base URL without query or fragment.
fn prefix_arg(v: &Value) -> Result<Url, String> {
    let prefix = base_arg("prefixed_url", "prefix", v)?;
    if prefix.query().is_some() || prefix.fragment().is_some() {
        return Err(format!(
            "prefixed_url: the prefix {} has a query or a fragment; give the shop's URL and folder only, such as \"https://shop.example.it/de\"",
            show(v)
        ));
    }
    Ok(prefix)
}

thread_local! {
    /// The last prefix of `prefixed_url` on this thread, with what precedes a plain path in
    /// its URLs: the prefix's text and its URL without the path's trailing `/`s
    /// (`https://shop.example.it/de` for `https://shop.example.it/de/`).
    static LAST_PREFIX: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Whether `link` is a plain path that every URL function writes as it is and whose
/// resolution under a prefix is only a concatenation: not empty, no `//` at the start (a
/// host), no `.` or `..` segment, characters among the letters, digits and
/// `-._~!$&'()*+,;=@/` and non-ASCII characters only (no scheme, query, fragment, escape or
/// ASCII character to encode; the non-ASCII ones are percent-encoded as UTF-8, as
/// [`encode_url`] does, and the `url` crate keeps those escapes as they are).
fn is_plain_path(link: &str) -> bool {
    let b = link.as_bytes();
    if b.is_empty() || b.starts_with(b"//") {
        return false;
    }
    // the start of the current segment
    let mut segment = 0;
    for (i, &c) in b.iter().enumerate() {
        let plain = c.is_ascii_alphanumeric()
            || c >= 0x80
            || matches!(
                c,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
                    | b'/'
            );
        if !plain {
            return false;
        }
        if c == b'/' {
            if is_dot_segment(&b[segment..i]) {
                return false;
            }
            segment = i + 1;
        }
    }
    !is_dot_segment(&b[segment..])
}

/// Whether a path segment is `.` or `..`.
fn is_dot_segment(segment: &[u8]) -> bool {
    matches!(segment, b"." | b"..")
}

/// Appends what precedes a plain path under the prefix `v` (see [`LAST_PREFIX`]) to `out`;
/// the errors of [`prefix_arg`].
fn push_prefix_head(v: &Value, out: &mut String) -> Result<(), String> {
    let cached = |text: &str, out: &mut String| {
        LAST_PREFIX.with(|last| match last.borrow().as_ref() {
            Some((t, head)) if t.as_str() == text => {
                out.push_str(head);
                true
            }
            _ => false,
        })
    };
    if let Value::String(text) = v
        && cached(text, out)
    {
        return Ok(());
    }
    let prefix = prefix_arg(v)?;
    let url = prefix.as_str();
    let path = prefix.path();
    let head = format!(
        "{}{}",
        &url[..url.len() - path.len()],
        path.trim_end_matches('/')
    );
    out.push_str(&head);
    if let Value::String(text) = v {
        LAST_PREFIX.with(|last| *last.borrow_mut() = Some((text.to_string(), head)));
    }
    Ok(())
}

fn prefixed_url(args: &[&Value]) -> Result<Value, String> {
    let Some(link) = link_arg("prefixed_url", args[0])? else {
        return Ok(Value::Null);
    };
    if !is_plain_path(link) {
        return prefixed_url_by_url(args);
    }
    // The prefix, `/` and the path: what `prefixed_url_by_url` computes for a plain path.
    let mut out = String::with_capacity(64 + link.len());
    push_prefix_head(args[1], &mut out)?;
    if !link.starts_with('/') {
        out.push('/');
    }
    if link.is_ascii() {
        out.push_str(link);
    } else {
        out.push_str(&encode_url(link));
    }
    Ok(Value::String(out.into()))
}

/// `prefixed_url` by the `url` crate, for every link.
fn prefixed_url_by_url(args: &[&Value]) -> Result<Value, String> {
    let Some(link) = link_arg("prefixed_url", args[0])? else {
        return Ok(Value::Null);
    };
    let prefix = prefix_arg(args[1])?;
    let encoded = encode_url(link);
    // Full URLs and `//host/...` are resolved as by absolute_url; so is any path when the
    // prefix is the host's root.
    if encoded.starts_with("//") || scheme_end(&encoded).is_some() || prefix.path() == "/" {
        let url = resolve("prefixed_url", args[0], &prefix, &encoded)?;
        return Ok(Value::String(url.as_str().into()));
    }
    // A path: resolved against the root of the host, so that its dot segments are removed
    // (never above the root), then put under the prefix's path.
    let mut root = prefix.clone();
    root.set_path("/");
    let under = resolve("prefixed_url", args[0], &root, &encoded)?;
    let mut url = prefix;
    let path = format!("{}{}", url.path().trim_end_matches('/'), under.path());
    url.set_path(&path);
    url.set_query(under.query());
    url.set_fragment(under.fragment());
    Ok(Value::String(url.as_str().into()))
}

fn url_encode(args: &[&Value]) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::String(s) => Ok(Value::String(encode_component(s).into())),
        Value::Number(n) => Ok(Value::String(encode_component(&n.to_string()).into())),
        other => Err(format!(
            "url_encode: expected a string, got {} {}",
            kind(other),
            show(other)
        )),
    }
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
