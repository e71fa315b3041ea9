//! Property tests of the URL functions over generated bases and references: against the `url`
//! crate's `Url::join`, against a direct transcription of RFC 3986 section 5.2 (an independent
//! reference), for the one percent-encoding rule, and for `prefixed_url` against
//! `absolute_url`. `PROPTEST_CASES` sets the number of cases (256 by default).

use crate::json;
use crate::value::Value;
use proptest::prelude::*;
use proptest::test_runner::Config;
use url::Url;

use super::{absolute_url, absolute_url_by_url, prefixed_url, prefixed_url_by_url};

fn config() -> Config {
    Config {
        failure_persistence: None,
        ..Config::default()
    }
}

fn abs(link: &str, base: &str) -> Result<Value, String> {
    let args = [json!(link), json!(base)];
    absolute_url(&args.iter().collect::<Vec<_>>())
}

fn prefixed(link: &str, prefix: &str) -> Result<Value, String> {
    let args = [json!(link), json!(prefix)];
    prefixed_url(&args.iter().collect::<Vec<_>>())
}

/// The characters of a generated URL part.
#[derive(Debug, Clone, Copy)]
enum Alphabet {
    /// Every character RFC 3986 allows in the part, and some escapes.
    Rfc,
    /// Those that the URL Standard (the `url` crate) writes as they are, where it differs
    /// from RFC 3986 (`'` in a query is written `%27`).
    Plain,
}

/// A path segment. `First::Relative`: the first of a relative path, which cannot hold `:` (it
/// would be read as a scheme); `First::Absolute`: the first of an absolute path, not empty (a
/// path starting with `//` is a host).
fn segment(first: First) -> impl Strategy<Value = String> {
    let chars = match first {
        First::Relative => "([A-Za-z0-9\\-_~!$&'()*+,;=@]|%20|%C3%B9|%2F){1,5}",
        First::Absolute => "([A-Za-z0-9\\-._~!$&'()*+,;=:@]|%20|%C3%B9|%2F){1,5}",
        First::No => "([A-Za-z0-9\\-._~!$&'()*+,;=:@]|%20|%C3%B9|%2F){0,5}",
    };
    prop_oneof![
        3 => chars,
        1 => Just(".".to_string()),
        1 => Just("..".to_string()),
    ]
}

#[derive(Debug, Clone, Copy)]
enum First {
    Relative,
    Absolute,
    No,
}

/// Path segments, any of them empty.
fn any_segments(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(segment(First::No), n)
}

/// Path segments, the first one not empty.
fn segments(n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<String>> {
    (
        segment(First::Absolute),
        prop::collection::vec(segment(First::No), n),
    )
        .prop_map(|(first, mut rest)| {
            rest.insert(0, first);
            rest
        })
}

fn query(a: Alphabet) -> impl Strategy<Value = String> {
    match a {
        Alphabet::Rfc => "([A-Za-z0-9\\-._~!$&'()*+,;=:@/?]|%20|%C3%B9){0,6}",
        Alphabet::Plain => "([A-Za-z0-9\\-._~!$&()*+,;=:@/?]|%20|%C3%B9){0,6}",
    }
}

fn fragment() -> impl Strategy<Value = String> {
    "([A-Za-z0-9\\-._~!$&'()*+,;=:@/?]|%20){0,6}"
}

fn host() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,5}(\\.[a-z]{2,3})?"
}

fn scheme() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["http", "https"])
}

fn tail(a: Alphabet) -> impl Strategy<Value = String> {
    (prop::option::of(query(a)), prop::option::of(fragment())).prop_map(|(q, f)| {
        let mut s = String::new();
        if let Some(q) = q {
            s.push('?');
            s.push_str(&q);
        }
        if let Some(f) = f {
            s.push('#');
            s.push_str(&f);
        }
        s
    })
}

/// An http(s) base URL; `dots`: whether its path may hold `.` and `..` segments.
fn base(a: Alphabet, dots: bool) -> impl Strategy<Value = String> {
    (scheme(), host(), any_segments(0..4), any::<bool>(), tail(a)).prop_map(
        move |(scheme, host, segs, slash, tail)| {
            let segs: Vec<String> = segs
                .into_iter()
                .filter(|s| dots || (s != "." && s != ".."))
                .collect();
            let mut path = format!("/{}", segs.join("/"));
            if slash && !path.ends_with('/') {
                path.push('/');
            }
            format!("{scheme}://{host}{path}{tail}")
        },
    )
}

/// A URI reference of every RFC 3986 form: absolute, network-path, absolute-path,
/// relative-path, query only, fragment only.
fn reference(a: Alphabet) -> impl Strategy<Value = String> {
    let path = || any_segments(0..4).prop_map(|s| s.join("/"));
    let absolute_path = prop_oneof![
        1 => Just(String::new()),
        4 => segments(0..4).prop_map(|s| s.join("/")),
    ];
    prop_oneof![
        (scheme(), host(), path(), tail(a)).prop_map(|(s, h, p, t)| format!("{s}://{h}/{p}{t}")),
        (host(), path(), tail(a)).prop_map(|(h, p, t)| format!("//{h}/{p}{t}")),
        (absolute_path, tail(a)).prop_map(|(p, t)| format!("/{p}{t}")),
        (segment(First::Relative), path(), tail(a)).prop_map(|(f, p, t)| if p.is_empty() {
            format!("{f}{t}")
        } else {
            format!("{f}/{p}{t}")
        }),
        query(a).prop_map(|q| format!("?{q}")),
        fragment().prop_map(|f| format!("#{f}")),
    ]
}

// ---- RFC 3986 section 5.2, transcribed ----

/// The five components of a URI reference (RFC 3986 appendix B).
#[derive(Debug, Default)]
struct Parts<'a> {
    scheme: Option<&'a str>,
    authority: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

fn parts(s: &str) -> Parts<'_> {
    let mut p = Parts::default();
    let mut rest = s;
    if let Some(i) = rest.find('#') {
        p.fragment = Some(&rest[i + 1..]);
        rest = &rest[..i];
    }
    if let Some(i) = rest.find('?') {
        p.query = Some(&rest[i + 1..]);
        rest = &rest[..i];
    }
    if let Some(i) = rest.find(':')
        && !rest[..i].contains('/')
        && i > 0
    {
        p.scheme = Some(&rest[..i]);
        rest = &rest[i + 1..];
    }
    if let Some(r) = rest.strip_prefix("//") {
        let end = r.find('/').unwrap_or(r.len());
        p.authority = Some(&r[..end]);
        rest = &r[end..];
    }
    p.path = rest;
    p
}

/// Section 5.2.4.
fn remove_dot_segments(input: &str) -> String {
    let mut input = input.to_string();
    let mut output = String::new();
    while !input.is_empty() {
        if let Some(r) = input.strip_prefix("../") {
            input = r.to_string();
        } else if let Some(r) = input.strip_prefix("./") {
            input = r.to_string();
        } else if input.starts_with("/./") {
            input = input[2..].to_string();
        } else if input == "/." {
            input = "/".to_string();
        } else if input.starts_with("/../") || input == "/.." {
            input = if input == "/.." {
                "/".to_string()
            } else {
                input[3..].to_string()
            };
            match output.rfind('/') {
                Some(i) => output.truncate(i),
                None => output.clear(),
            }
        } else if input == "." || input == ".." {
            input.clear();
        } else {
            let start = usize::from(input.starts_with('/'));
            let end = input[start..].find('/').map_or(input.len(), |i| i + start);
            output.push_str(&input[..end]);
            input = input[end..].to_string();
        }
    }
    output
}

/// Section 5.2.2 (strict), with 5.2.3's merge; then the one normalisation http URLs get: an
/// empty path with an authority is `/`.
fn rfc_resolve(base: &str, reference: &str) -> String {
    let b = parts(base);
    let r = parts(reference);
    let (scheme, authority, path, query);
    if r.scheme.is_some() {
        scheme = r.scheme;
        authority = r.authority;
        path = remove_dot_segments(r.path);
        query = r.query;
    } else {
        scheme = b.scheme;
        if r.authority.is_some() {
            authority = r.authority;
            path = remove_dot_segments(r.path);
            query = r.query;
        } else {
            authority = b.authority;
            if r.path.is_empty() {
                path = b.path.to_string();
                query = r.query.or(b.query);
            } else {
                path = if r.path.starts_with('/') {
                    remove_dot_segments(r.path)
                } else {
                    let merged = if b.authority.is_some() && b.path.is_empty() {
                        format!("/{}", r.path)
                    } else {
                        let dir = b.path.rfind('/').map_or("", |i| &b.path[..=i]);
                        format!("{dir}{}", r.path)
                    };
                    remove_dot_segments(&merged)
                };
                query = r.query;
            }
        }
    }
    let mut out = String::new();
    if let Some(s) = scheme {
        out.push_str(s);
        out.push(':');
    }
    if let Some(a) = authority {
        out.push_str("//");
        out.push_str(a);
    }
    if authority.is_some() && path.is_empty() {
        out.push('/');
    }
    out.push_str(&path);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = r.fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

// ---- percent-encoding ----

/// The bytes of `s` with its `%XX` escapes decoded (a `%` that starts none is kept).
fn decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(0));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// Whether `s` is made only of what RFC 3986 allows in a URI, every `%` starting an escape.
fn rfc_valid(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().all(|(i, &c)| match c {
        b'%' => {
            b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        }
        c => c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&c),
    })
}

/// A path segment of any characters but the ones that end or structure a path.
fn any_segment() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        ' ', '"', '<', '>', '\\', '^', '`', '{', '|', '}', '%', 'ù', '€', '\t', '\u{a0}', '\'',
        '[', ']',
    ]);
    prop::collection::vec(prop_oneof![any::<char>(), special], 0..10).prop_map(|cs| {
        cs.into_iter()
            .filter(|c| !matches!(c, '/' | '?' | '#' | '.'))
            .collect()
    })
}

proptest! {
    #![proptest_config(config())]

    /// `absolute_url` is `Url::join` on every valid base and reference.
    #[test]
    fn absolute_url_is_url_join(base in base(Alphabet::Rfc, true), r in reference(Alphabet::Rfc)) {
        let want = Url::parse(&base).and_then(|b| b.join(&r)).map(String::from);
        let got = abs(&r, &base);
        match want {
            Ok(u) => prop_assert_eq!(got, Ok(json!(u)), "{:?} against {:?}", r, base),
            Err(e) => prop_assert!(got.is_err(), "{r:?} against {base:?}: url says {e}, got {got:?}"),
        }
    }

    /// `absolute_url` is RFC 3986's resolution, transcribed from section 5.2, on bases
    /// without dot segments and parts the URL Standard writes as they are.
    #[test]
    fn absolute_url_is_rfc_3986(base in base(Alphabet::Plain, false), r in reference(Alphabet::Plain)) {
        let got = abs(&r, &base);
        prop_assert_eq!(got, Ok(json!(rfc_resolve(&base, &r))), "{:?} against {:?}", r, base);
    }

    /// Whatever a path holds, the URL is valid RFC 3986 and means the same characters: one
    /// encoding rule, the same for `absolute_url` and `prefixed_url`.
    #[test]
    fn one_encoding_rule(seg in any_segment(), base in base(Alphabet::Rfc, true)) {
        let link = format!("/{seg}");
        let got = abs(&link, &base);
        let url = match &got {
            Ok(Value::String(u)) => u.clone(),
            other => return Err(TestCaseError::fail(format!("{link:?}: {other:?}"))),
        };
        prop_assert!(rfc_valid(&url), "{link:?} gave {url:?}");
        let path = Url::parse(&url).map(|u| u.path().to_string()).unwrap_or_default();
        prop_assert_eq!(decode(&path), decode(link.trim()), "{:?} gave {:?}", link, url);
        let origin = Url::parse(&base).map(|u| u.origin().ascii_serialization()).unwrap_or_default();
        prop_assert_eq!(prefixed(&link, &origin).ok(), got.ok(), "{:?}", link);
    }

    /// `prefixed_url` is the prefix followed by what `absolute_url` gives against the host's
    /// root, for paths, queries and fragments; full URLs are resolved as `absolute_url` does.
    #[test]
    fn prefixed_url_is_absolute_url_under_the_prefix(
        scheme in scheme(),
        host in host(),
        folder in prop::collection::vec("[a-z0-9\\-]{1,4}", 0..3),
        slash in any::<bool>(),
        r in reference(Alphabet::Rfc),
    ) {
        let root = format!("{scheme}://{host}");
        let mut prefix = format!("{root}/{}", folder.join("/"));
        if !slash && prefix.ends_with('/') {
            prefix.pop();
        }
        let got = prefixed(&r, &prefix).map_err(|_| ());
        // A full URL has a scheme by RFC 3986's syntax before its `://` (`0/://` is a path).
        let scheme = r.split_once("://").map_or("", |(s, _)| s);
        let full = (scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            || r.starts_with("//");
        if full {
            prop_assert_eq!(got, abs(&r, &prefix).map_err(|_| ()), "{:?} under {:?}", r, prefix);
        } else {
            let at_root = abs(&r, &root);
            let want = at_root.map(|v| {
                let s = v.as_str().unwrap_or_default();
                let under = s.strip_prefix(root.as_str()).unwrap_or(s);
                let folder = prefix.strip_prefix(&root).unwrap_or("").trim_end_matches('/');
                json!(format!("{root}{folder}{under}"))
            }).map_err(|_| ());
            prop_assert_eq!(got, want, "{:?} under {:?}", r, prefix);
        }
    }
}

/// Found by `prefixed_url_is_absolute_url_under_the_prefix` (its model took any `://` for a
/// full URL): `0/://` is a relative path, so it goes under the prefix.
#[test]
fn a_path_with_a_colon_slash_slash_is_not_a_full_url() {
    assert_eq!(
        prefixed("0/://", "http://a/a"),
        Ok(json!("http://a/a/0/://"))
    );
}

#[test]
fn the_model_is_rfc_3986() {
    // RFC 3986 section 5.4, normal and abnormal examples.
    let base = "http://a/b/c/d;p?q";
    for (r, want) in [
        ("g", "http://a/b/c/g"),
        ("/g", "http://a/g"),
        ("//g", "http://g/"),
        ("?y", "http://a/b/c/d;p?y"),
        ("#s", "http://a/b/c/d;p?q#s"),
        ("", "http://a/b/c/d;p?q"),
        ("../../../g", "http://a/g"),
        ("/./g", "http://a/g"),
        ("g;x=1/../y", "http://a/b/c/y"),
        ("g?y/./x", "http://a/b/c/g?y/./x"),
        ("g#s/../x", "http://a/b/c/g#s/../x"),
        ("..", "http://a/b/"),
        ("../..", "http://a/"),
    ] {
        assert_eq!(rfc_resolve(base, r), want, "{r}");
    }
    assert_eq!(decode("a%20b%zz%"), b"a b%zz%".to_vec());
    assert!(rfc_valid("https://x.it/a%20b?c=d#e"));
    assert!(!rfc_valid("https://x.it/a b"));
    assert!(!rfc_valid("https://x.it/a%2"));
}

/// A URL function with a fast path and its oracle (the same by the `url` crate for every link).
type FastAndOracle = [fn(&[&Value]) -> Result<Value, String>; 2];

/// What a URL function's fast path and its oracle give for the same link and base.
fn both(
    fs: FastAndOracle,
    link: &Value,
    base: &str,
) -> (Result<Value, String>, Result<Value, String>) {
    let args = [link.clone(), json!(base)];
    let args: Vec<&Value> = args.iter().collect();
    (fs[0](&args), fs[1](&args))
}

/// `prefixed_url` and its oracle.
const PREFIXED: FastAndOracle = [prefixed_url, prefixed_url_by_url];

/// `absolute_url` and its oracle.
const ABSOLUTE: FastAndOracle = [absolute_url, absolute_url_by_url];

/// A prefix of any shape: user info, port, case, folders with dots and escapes, a trailing
/// slash, spaces around; some not valid (a query, no host, not http).
fn any_prefix() -> impl Strategy<Value = String> {
    let folder = prop::collection::vec(
        prop_oneof![
            4 => "[a-zA-Z0-9\\-_~!$&'()*+,;=@:]{1,4}",
            1 => prop::sample::select(vec![".", "..", "%2e", "a%20b", "ù", "a b", ""]).prop_map(str::to_string),
        ],
        0..3,
    );
    (
        prop::sample::select(vec![
            "http://", "https://", "HTTPS://", "ftp://", "https:/", "",
        ]),
        prop::sample::select(vec!["", "user@", "u:p@"]),
        prop::sample::select(vec![
            "shop.example.it",
            "SHOP.Example.IT",
            "127.0.0.1",
            "[::1]",
            "xn--pi-6ja.it",
            "più.it",
            "",
        ]),
        prop::sample::select(vec!["", ":443", ":80", ":8080", ":99999"]),
        folder,
        prop::sample::select(vec!["", "/", "//", "?q=1", "#f", " "]),
    )
        .prop_map(|(s, u, h, p, f, end)| {
            let folder = if f.is_empty() {
                String::new()
            } else {
                format!("/{}", f.join("/"))
            };
            format!("{s}{u}{h}{p}{folder}{end}")
        })
}

/// A link: the references of RFC 3986, plain paths, and paths with what a plain path must not
/// hold (dot segments, `//`, escapes, spaces, unicode, `:`, a backslash).
fn any_link() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => reference(Alphabet::Rfc).prop_map(Value::from),
        3 => "/?([a-zA-Z0-9\\-._~!$&'()*+,;=@/]|à|é|ù|ß|€|😀|\u{a0}|\u{301}){0,12}".prop_map(Value::from),
        2 => prop::collection::vec(
            prop_oneof![
                4 => "[a-z0-9\\-_]{1,4}",
                1 => prop::sample::select(vec![
                    ".", "..", "", "%2e", "%2E%2e", "a%20b", "%zz", "a b", " ", "ù", "\\", ":", "a:b",
                    "?", "#", "?q=1", "#f", "\t", "\u{a0}", "'", "\"", "{", "|",
                ]).prop_map(str::to_string),
            ],
            0..5,
        )
        .prop_map(|segs| Value::from(segs.join("/"))),
        1 => prop::sample::select(vec![Value::Null, json!(""), json!("  "), json!(3), json!(["/a"])]),
    ]
}

/// A full URL with a host of any shape: labels of letters, digits and hyphens (at either end
/// too), upper case, Punycode, a last label that is a number (an IPv4 address to the URL
/// Standard) or starts with one, empty labels, a port, user info; then any link as its path.
fn any_full_url() -> impl Strategy<Value = Value> {
    let label = prop_oneof![
        5 => "[a-z0-9\\-]{1,8}",
        2 => "[a-zA-Z0-9\\-]{1,3}",
        1 => "[a-z]{60,70}",
        1 => prop::sample::select(vec![
            "", "xn--pi-6ja", "xn--zz", "0x1f", "017", "255", "Shop", "ß", "a_b", "-", "0a",
        ]).prop_map(str::to_string),
    ];
    (
        prop::sample::select(vec![
            "https://",
            "http://",
            "HTTP://",
            "https:/",
            "https:///",
        ]),
        prop::sample::select(vec!["", "", "", "user@", ":@"]),
        prop::collection::vec(label, 1..4),
        prop::sample::select(vec!["", "", "", ":443", ":8080", ":"]),
        any_link(),
    )
        .prop_map(|(scheme, user, labels, port, path)| {
            let path = path.as_str().map_or(String::new(), |p| {
                if p.starts_with('/') {
                    p.to_string()
                } else {
                    format!("/{p}")
                }
            });
            Value::from(format!("{scheme}{user}{}{port}{path}", labels.join(".")))
        })
}

proptest! {
    #![proptest_config(config())]

    /// The string fast path of `absolute_url` gives what the `url` crate gives, error or
    /// value, for any link (full URLs of any host among them) and base, also when the base
    /// changes from call to call.
    #[test]
    fn absolute_url_fast_path_is_the_url_crate(
        calls in prop::collection::vec(
            (prop_oneof![1 => any_link(), 2 => any_full_url()], any_prefix()),
            1..6,
        ),
    ) {
        for (link, base) in &calls {
            let (fast, slow) = both(ABSOLUTE, link, base);
            prop_assert_eq!(fast, slow, "{:?} against {:?}", link, base);
        }
    }

    /// The string fast path of `prefixed_url` gives what the `url` crate gives, error or
    /// value, for any link and prefix, also when the prefix changes from call to call.
    #[test]
    fn prefixed_url_fast_path_is_the_url_crate(
        calls in prop::collection::vec((any_link(), any_prefix()), 1..6),
    ) {
        for (link, prefix) in &calls {
            let (fast, slow) = both(PREFIXED, link, prefix);
            prop_assert_eq!(fast, slow, "{:?} under {:?}", link, prefix);
        }
    }
}
